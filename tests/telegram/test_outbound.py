"""What leaves for Telegram: split to fit, buttons that fit, nothing lost under flood control."""

from __future__ import annotations

import asyncio
import re

import pytest
from fake_bot_api import FakeBotApi
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram.sender import Envelope, Sender
from adapters.telegram.texts import MAX_TEXT, keyboard, plain, split_text
from messages.replies import Button

USER = 4242


def test_a_long_message_is_split_between_lines_and_loses_nothing():
    lines = [f"<b>order {n}</b> BTC/IDR buy @ 1.000.000.000 &amp; more" for n in range(400)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert "\n".join(parts).split("\n") == lines


def test_a_single_line_too_long_is_cut_outside_tags_and_entities():
    line = " ".join(["<b>x</b>&amp;y"] * 1000)
    parts = split_text(line)
    assert all(len(part) <= MAX_TEXT for part in parts)
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert not re.search(r"&[a-z]*$", part)


def test_markup_comes_off_for_a_plain_text_copy():
    assert plain("<b>BTC</b> &lt; Rp 1.000") == "BTC < Rp 1.000"


def test_callback_data_over_telegrams_64_bytes_is_refused_before_sending():
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard(((Button("button.cancel_order", "cx:" + "é" * 40),),), "id")


def test_buttons_are_labelled_in_the_users_language():
    markup = keyboard(((Button("button.confirm", "oc:1"), Button("term.buy", "tw:buy")),), "en")
    assert markup is not None
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert labels == ["✅ Confirm", "buy"]


def _send(
    fake: FakeBotApi,
    envelopes: list[Envelope],
    interval: float = 0.0,
    refused: list[tuple[tuple[str, ...], str]] | None = None,
) -> list[str]:
    """Sends through a real Bot against the fake; returns what was acknowledged, in order
    (and adds what was reported undeliverable to `refused`)."""
    acknowledged: list[str] = []
    undeliverable = refused if refused is not None else []

    async def run() -> None:
        async with Bot("123:sender", base_url=fake.base_url) as bot:
            sender = Sender(
                bot,
                interval=interval,
                on_sent=lambda envelope, _id: acknowledged.extend(envelope.acknowledge),
                on_retry=lambda: None,
                on_failed=lambda: None,
                on_undeliverable=lambda envelope, reason: undeliverable.append(
                    (envelope.acknowledge, reason)
                ),
            )
            for envelope in envelopes:
                sender.post(envelope)
            assert await sender.idle(timeout=60)

    asyncio.run(run())
    return acknowledged


def test_a_burst_of_200_notifications_under_429s_arrives_complete_and_in_order():
    with FakeBotApi() as fake:
        fake.user_says(USER, "/start")
        fake.fail_next("sendMessage", 3, retry_after=1, chat_id=USER)
        burst = [
            Envelope(USER, f"🔔 Alert #{n}: BTC/IDR", acknowledge=(f"m{n}",)) for n in range(200)
        ]
        acknowledged = _send(fake, burst, interval=0.05)
        texts = [m.plain_text for m in fake.messages(USER)]
    numbers = [int(n) for text in texts for n in re.findall(r"#(\d+)", text)]
    assert numbers == list(range(200))
    assert acknowledged == [f"m{n}" for n in range(200)]
    assert len(texts) < 20  # coalesced, not 200 messages at one a second


def test_a_message_that_telegram_cannot_parse_goes_out_as_plain_text():
    with FakeBotApi() as fake:
        fake.user_says(USER, "/start")
        _send(fake, [Envelope(USER, "price < 5 <b>bold</b>")])
        assert [m.plain_text for m in fake.messages(USER)] == ["price < 5 bold"]


@pytest.mark.parametrize("silent", [True, False])
def test_silent_notifications_arrive_without_a_sound(silent: bool):
    with FakeBotApi() as fake:
        fake.user_says(USER, "/start")
        _send(fake, [Envelope(USER, "fill", silent=silent)])
        assert fake.messages(USER)[0].disable_notification is silent


def test_a_refused_message_coalesced_with_others_takes_none_of_them_down():
    bad_button = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="x" * 80)]])
    with FakeBotApi() as fake:
        fake.user_says(USER, "/start")
        refused: list[tuple[tuple[str, ...], str]] = []
        acknowledged = _send(
            fake,
            [
                Envelope(USER, "first", acknowledge=("m1",)),
                Envelope(USER, "second", acknowledge=("m2",)),
                Envelope(USER, "with a bad button", markup=bad_button, acknowledge=("m3",)),
            ],
            refused=refused,
        )
        texts = [m.plain_text for m in fake.messages(USER)]
        refusals = [reason for method, reason in fake.rejected if method == "sendMessage"]
    assert len(refusals) == 2  # the three coalesced, then the bad one alone
    assert acknowledged == ["m1", "m2"]
    assert texts == ["first", "second"]
    assert refused == [(("m3",), "send: BadRequest")]


def test_a_photo_is_sent_alone_with_send_photo_never_coalesced_with_the_text_around_it(chart_png):
    with FakeBotApi() as fake:
        fake.user_says(USER, "/start")
        acknowledged = _send(
            fake,
            [
                Envelope(USER, "before", acknowledge=("m1",)),
                Envelope(
                    USER, "<b>chart</b>", acknowledge=("m2",), photo=chart_png, mergeable=False
                ),
                Envelope(USER, "after", acknowledge=("m3",)),
            ],
        )
        sent = [(m.plain_text, m.photo is not None) for m in fake.messages(USER)]
    assert sent == [("before", False), ("chart", True), ("after", False)]
    assert acknowledged == ["m1", "m2", "m3"]
