"""Charts as Telegram users get them, end to end: fake Bot API ↔ python-telegram-bot ↔ the
user's actor ↔ the chart maker in its own process ↔ the simulator's candles, and the photo
back through the Notifier's outbox to sendPhoto."""

from __future__ import annotations

import time

from fake_bot_api import SentMessage
from telegram_users import Bot

from adapters.i18n.catalog import render
from tests.charts.chart_images import SIZE, png_size

# Users of these tests alone: the database outlives this module, and the other scenarios
# expect theirs as they left them. Public charts need no linked key.
CHARTIST = 2101


def a_photo(bot: Bot, user: int, after: int, timeout: float = 30.0) -> SentMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        photos = [m for m in bot.fake.messages(user)[after:] if m.photo is not None]
        if photos:
            return photos[0]
        time.sleep(0.05)
    seen = [m.plain_text for m in bot.fake.messages(user)][-4:]
    raise AssertionError(f"no photo to {user} in {timeout} s; last: {seen}")


def test_a_tap_on_the_price_charts_button_brings_the_chart_as_a_photo(bot: Bot):
    user = CHARTIST
    bot.say(user, "/start")
    price = bot.say(user, "/price btcidr")
    label = render("button.chart", {}, "id", as_html=False)
    assert label in [text for text, _ in price.buttons()]
    before = len(bot.fake.messages(user))
    bot.fake.user_taps(user, price.message_id, dict(price.buttons())[label])
    photo = a_photo(bot, user, before)
    assert png_size(photo.photo) == SIZE
    caption = render("chart.caption.price", {"pair": "BTC/IDR", "timeframe": "1h"}, "id", False)
    assert photo.plain_text == caption
    assert [text for text, _ in photo.buttons()] == ["15 menit", "4 jam", "1 hari", "1 minggu"]


def test_a_typed_chart_of_the_results_arrives_as_a_photo(bot: Bot):
    user = CHARTIST + 1
    bot.say(user, "/start")
    before = len(bot.fake.messages(user))
    bot.fake.user_says(user, "/chart pnl")
    photo = a_photo(bot, user, before)
    assert png_size(photo.photo) == SIZE
    assert photo.plain_text == render("chart.caption.pnl", {}, "id", as_html=False)
