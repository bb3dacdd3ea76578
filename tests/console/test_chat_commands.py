"""Typed commands become actor messages; anything else becomes help, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.chat.commands import Usage, Who, from_callback, parse
from messages.commands import (
    CancelOrder,
    ConfirmOrder,
    CreateAlert,
    GetPrice,
    LinkAccount,
    PreviewOrder,
    SetLanguage,
    UserCommand,
)

ME = Who(5, 5)


def test_a_market_buy_is_sized_in_idr_and_a_limit_sell_in_coins():
    buy = parse("/trade buy btcidr 100000 market", ME)
    assert isinstance(buy, PreviewOrder)
    assert (buy.side, buy.order_type, buy.quote_amount, buy.quantity) == (
        "buy",
        "market",
        "100000",
        None,
    )
    sell = parse("/trade SELL eth 0.5 limit 65000000", ME)
    assert (sell.side, sell.order_type, sell.quantity, sell.price) == (
        "sell",
        "limit",
        "0.5",
        "65000000",
    )


@pytest.mark.parametrize(
    "text",
    [
        "/trade",
        "/trade hold btc 1",
        "/trade buy btc 1 limit",
        "/trade buy btc 1 stop 5",
        "/price",
        "/alert btc",
        "/lang fr",
        "/unalert x",
        "/nonsense",
        "hello",
    ],
)
def test_a_malformed_command_gets_its_help(text):
    assert isinstance(parse(text, ME), Usage)


def test_other_commands_map_to_their_messages():
    assert isinstance(parse("/price BTC/IDR", ME), GetPrice)
    alert = parse("/alert btcidr 1100000000 recurring", ME)
    assert isinstance(alert, CreateAlert)
    assert alert.recurring
    assert parse("/lang EN", ME).new_language == "en"
    assert isinstance(parse("/lang id", ME), SetLanguage)
    assert parse("   ", ME) is None


def test_link_keeps_the_key_and_secret_exactly_as_typed():
    link = parse("/link AbC-KeY s3CrEt", ME)
    assert isinstance(link, LinkAccount)
    assert (link.api_key.reveal(), link.api_secret.reveal()) == ("AbC-KeY", "s3CrEt")
    assert "s3CrEt" not in repr(link)


def test_buttons_confirm_or_cancel_and_stale_ones_say_so():
    assert isinstance(from_callback("oc:abc123", ME), ConfirmOrder)
    assert isinstance(from_callback("cx:ib1-xyz", ME), CancelOrder)
    assert from_callback("ox:abc123", ME) == Usage("order.cancelled_by_user")
    assert from_callback("zz", ME) == Usage("button.stale")


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["", "/trade ", "/alert ", "/link ", "/lang "]))
def test_any_text_gives_a_message_or_help_and_never_raises(text, prefix):
    result = parse(prefix + text, ME)
    assert result is None or isinstance(result, (Usage, UserCommand))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=70))
def test_any_callback_payload_gives_a_message_or_help(payload):
    assert isinstance(from_callback(payload, ME), (Usage, UserCommand))
