"""Users on Telegram, end to end: fake Bot API ↔ python-telegram-bot ↔ actors ↔ simulator."""

from __future__ import annotations

import time
from decimal import Decimal

from telegram_users import ACCOUNTS, ADMIN_ID, USERS, Bot

from adapters.i18n.catalog import render


def said(key: str, lang: str = "id", **params: str) -> str:
    return render(key, params, lang, as_html=False)


def placed_text() -> str:
    return said("order.placed", pair="BTC/IDR", order_id="", state="").split(".")[0]


def linked(bot: Bot, user: int) -> None:
    if user not in bot.linked:
        bot.link(user)
        bot.linked.add(user)


def test_two_users_link_their_keys_and_the_messages_carrying_them_are_deleted(bot: Bot):
    first, second = USERS[:2]
    for user in (first, second):
        bot.say(user, "/start")
        assert said("link.ask_key").split(".")[0] in bot.say(user, "/link").plain_text
    key_messages = {user: bot.fake.user_says(user, ACCOUNTS[user].key) for user in (first, second)}
    for user in (first, second):
        bot.wait_text(user, said("link.ask_secret").split(".")[0])
    secret_messages = {
        user: bot.fake.user_says(user, ACCOUNTS[user].secret) for user in (first, second)
    }
    for user in (first, second):
        bot.wait_text(user, said("link.done").split(".")[0])
        bot.linked.add(user)
        deleted = bot.fake.deleted(user)
        assert {key_messages[user], secret_messages[user]} <= deleted
        for message in bot.fake.messages(user):
            assert ACCOUNTS[user].secret not in message.text
            assert ACCOUNTS[user].key not in message.text


def test_a_confirmed_market_buy_is_placed_once_even_when_confirm_is_tapped_twice(bot: Bot):
    user = USERS[0]
    linked(bot, user)
    preview = bot.say(user, "/trade buy btcidr 100000 market")
    confirm = next(data for label, data in preview.buttons() if "✅" in label)
    bot.fake.user_taps(user, preview.message_id, confirm)
    bot.fake.user_taps(user, preview.message_id, confirm)
    bot.wait_text(user, placed_text())
    bot.wait_text(user, said("order.preview_gone"))
    assert len(bot.simulator.trade_log(ACCOUNTS[user].key)) == 1


def test_open_orders_are_listed_and_cancelled_with_their_button(bot: Bot):
    user = USERS[1]
    linked(bot, user)
    preview = bot.say(user, "/trade buy btcidr 0.001 limit 900000000")
    bot.tap(user, preview, "✅")
    bot.wait_text(user, placed_text())
    listing = bot.say(user, "/orders")
    assert "BTC/IDR" in listing.plain_text
    cancel_buttons = [data for _, data in listing.buttons() if data.startswith("cx:")]
    assert len(cancel_buttons) == 1
    bot.fake.user_taps(user, listing.message_id, cancel_buttons[0])
    bot.wait_text(user, said("orders.cancelled", client_order_id="").split(" ")[0])
    assert "0.001" not in bot.say(user, "/orders").plain_text


def test_an_alert_made_in_the_chat_fires_when_the_price_crosses_it(bot: Bot):
    user = USERS[0]
    linked(bot, user)
    bot.simulator.set_price("btcidr", Decimal(1_000_000_000))
    answer = bot.say(user, "/alert btcidr 1100000000")
    if answer.buttons():  # the direction is stated first and confirmed with a tap
        answer = bot.tap(user, answer, answer.buttons()[0][0])
    assert "1.100.000.000" in answer.plain_text
    bot.simulator.set_price("btcidr", Decimal(1_150_000_000))
    fired = bot.wait_text(user, "🔔", timeout=30)
    assert "1.100.000.000" in fired.plain_text


def test_a_user_switches_to_english_and_is_answered_in_english(bot: Bot):
    user = USERS[2]
    bot.say(user, "/start")
    assert bot.say(user, "/lang en").plain_text == said("language.set", "en", language="en")
    assert bot.say(user, "/price nosuchcoin").plain_text.startswith("Unknown pair")
    bot.say(user, "/lang id")


def test_admin_commands_are_unknown_to_other_users_and_answered_for_admins(bot: Bot):
    user = USERS[3]
    refused = bot.say(user, "/admin status").plain_text
    assert refused == bot.say(user, "/nonsense").plain_text
    status = bot.say(ADMIN_ID, "/admin status").plain_text
    assert said("admin.status") in status
    assert "chart_maker, notifier, order_stream, price_feed, trigger_book" in status


def test_the_guided_trade_asks_step_by_step_and_ends_in_a_preview(bot: Bot):
    user = USERS[0]
    linked(bot, user)
    step = bot.say(user, "/trade")
    for label in ("BTCIDR", said("term.buy"), said("term.market")):
        step = bot.tap(user, step, label)
    preview = bot.say(user, "100000")
    assert next(label for label, _ in preview.buttons()).startswith("✅")
    assert "BTC/IDR" in preview.plain_text
    bot.tap(user, preview, "✖️")


def test_a_dca_is_set_up_from_the_strategy_list_button_previewed_created_and_changed(bot: Bot):
    user = USERS[1]
    linked(bot, user)
    bot.wait_text(user, said("link.done").split(".")[0])  # run alone, the link ends now
    listing = bot.say(user, "/strategy")
    step = bot.tap(user, listing, said("button.strategy_create"))
    assert step.plain_text.startswith(said("strategy.dca.ask_pair").split(".")[0])
    for label in ("BTCIDR", "100.000", "daily 08:00", said("term.market"), "10",
                  said("button.dca_no_budget"), said("button.dca_skip_missed"), "3 x 2",
                  "x 1 / x 1", "3 %"):  # fmt: skip
        step = bot.tap(user, step, label)
    assert "Rp 1.000.000" in step.plain_text  # the capital for 10 buys of 100,000
    assert "-2 %, -4 %, -6 %" in step.plain_text  # where the safety orders buy
    bot.tap(user, step, "✅")
    created = bot.wait_text(user, "DCA #")
    assert "BTC/IDR" in created.plain_text
    listing = bot.say(user, "/strategy")
    assert "#" in listing.plain_text
    details = bot.tap(user, listing, said("button.strategy_details", strategy_id=""))
    step = bot.tap(user, details, said("term.field_quote_amount"))
    assert step.plain_text == said("strategy.edit.ask", field="field_quote_amount")
    assert "banyak" in bot.say(user, "banyak").plain_text  # not a number: asked again
    preview = bot.say(user, "150000")
    assert "Rp 100.000 → Rp 150.000" in preview.plain_text
    changed = bot.tap(user, preview, "✅")
    assert changed.plain_text.startswith(said("strategy.edited", strategy_id="").split("#")[0])
    assert "quote_amount: 150000" in changed.plain_text


def test_a_link_conversation_stops_on_cancel_and_nothing_is_linked(bot: Bot):
    user = USERS[3]
    bot.say(user, "/start")
    bot.say(user, "/link")
    assert bot.say(user, "/cancel").plain_text == said("conversation.cancelled")
    assert bot.say(user, "/orders").plain_text == said("user.not_linked")


def test_every_button_press_is_answered(bot: Bot):
    time.sleep(0.5)
    taps = [name for name, _ in bot.fake.calls if name == "answerCallbackQuery"]
    assert len(taps) >= len(bot.fake.answered_callbacks) > 0
    assert not [r for r in bot.fake.rejected if r[0] == "answerCallbackQuery"]


def test_a_grid_is_set_up_in_english_with_a_wrong_answer_on_the_way_previewed_and_created(
    bot: Bot,
):
    user = USERS[2]
    linked(bot, user)
    bot.wait_text(user, said("link.done").split(".")[0])
    bot.say(user, "/lang en")
    bot.simulator.set_price("btcidr", Decimal(1_000_000_000))
    step = bot.say(user, "/grid")
    assert step.plain_text == said("strategy.grid.ask_pair", "en")
    step = bot.tap(user, step, "BTCIDR")
    assert "cannot be read as a number" in bot.say(user, "lots").plain_text  # asked again
    bot.say(user, "950,000,000")
    step = bot.say(user, "1,500,000,000")  # a typo: Back asks the upper price again
    assert bot.tap(user, step, said("button.back", "en")).plain_text == said(
        "strategy.grid.ask_upper", "en"
    )
    step = bot.say(user, "1,050,000,000")
    step = bot.tap(user, step, "10")
    step = bot.tap(user, step, said("term.geometric", "en"))
    step = bot.say(user, "0.001 btc")
    step = bot.tap(user, step, said("button.grid_buy_coin", "en"))
    preview = bot.tap(user, step, "-")
    assert preview.plain_text.startswith("Confirm grid")
    assert "10 levels from Rp 950,000,000 to Rp 1,050,000,000, geometric" in preview.plain_text
    assert "— empty (the price is here)" in preview.plain_text
    bot.tap(user, preview, "✅")
    created = bot.wait_text(user, "Grid #")
    assert "BTC/IDR" in created.plain_text
    bot.say(user, "/strategy")  # its answer may come after the grid's own news
    listing = bot.wait_text(user, "Grid BTC/IDR —").plain_text
    assert "Grid BTC/IDR — running" in listing
    bot.say(user, "/lang id")
