"""Typed commands become actor messages; anything else becomes help, never an exception."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.chat.commands import COMMANDS, Usage, Who, from_callback, parse
from adapters.i18n.catalog import LANGUAGES, catalog
from messages.admin import (
    AdminCommand,
    ListUsers,
    PauseAll,
    PauseUser,
    RestartUser,
    ResumeAll,
    ResumeUser,
    RevokeToken,
    Status,
)
from messages.callbacks import actions
from messages.commands import (
    CancelAllOrders,
    CancelOrder,
    ChangeAllStrategies,
    ChangeNotification,
    ChangeStrategy,
    ConfirmAlert,
    ConfirmOrder,
    CreateAlert,
    DeleteAlert,
    GetAllocationChart,
    GetPnl,
    GetPnlChart,
    GetPortfolio,
    GetPrice,
    GetPriceChart,
    LinkAccount,
    ListAlerts,
    ListStrategies,
    PreviewOrder,
    SetLanguage,
    SetLossLimit,
    SetMode,
    ShowMarket,
    ShowSettings,
    ShowStrategy,
    Start,
    UnlinkAccount,
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


ADMIN = Who(7, 7, is_admin=True)
CHAT = {"telegram_id": 5, "chat_id": 5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/settings", ShowSettings(**CHAT)),
        ("/strategy", ListStrategies(**CHAT)),
        ("/strategy list", ListStrategies(**CHAT)),
        ("/strategy show #3", ShowStrategy(**CHAT, strategy_id=3)),
        ("/strategy PAUSE", ChangeAllStrategies(**CHAT, action="pause")),
        ("/strategy resume", ChangeAllStrategies(**CHAT, action="resume")),
        ("/strategy pause 4", ChangeStrategy(**CHAT, strategy_id=4, action="pause")),
        ("/strategy resume 4", ChangeStrategy(**CHAT, strategy_id=4, action="resume")),
        ("/strategy stop 4", ChangeStrategy(**CHAT, strategy_id=4, action="stop")),
        ("/losslimit 500000", SetLossLimit(**CHAT, amount_text="500000")),
        ("/losslimit OFF", SetLossLimit(**CHAT, amount_text=None)),
        ("/alerts", ListAlerts(**CHAT)),
        ("/unalert 12", DeleteAlert(**CHAT, alert_id=12)),
        ("/cancel ib1-xyz", CancelOrder(**CHAT, client_order_id="ib1-xyz")),
        ("/unlink", UnlinkAccount(**CHAT)),
        ("/start from-a-deep-link", Start(**CHAT)),
    ],
)
def test_each_command_maps_to_its_message(text, expected):
    parsed = parse(text, ME)
    assert dataclasses.replace(parsed, correlation_id="x") == dataclasses.replace(
        expected, correlation_id="x"
    )


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("/pnl", "all"),
        ("/pnl 7d", "7d"),
        ("/pnl hari ini", "today"),
        ("/pnl Minggu", "7d"),
        ("/pnl 30-d", "30d"),
        ("/pnl semua", "all"),
    ],
)
def test_pnl_reads_its_period_in_either_language(text, period):
    parsed = parse(text, ME)
    assert isinstance(parsed, GetPnl) and (parsed.telegram_id, parsed.period) == (5, period)


def test_pnl_with_a_period_it_does_not_know_shows_how_to_write_one():
    assert parse("/pnl yesterday", ME) == Usage("help.pnl")


@pytest.mark.parametrize(
    ("text", "method"),
    [("/portfolio", None), ("/portfolio fifo", "fifo"), ("/portfolio rata-rata", "average")],
)
def test_portfolio_reads_a_cost_method_in_either_language(text, method):
    parsed = parse(text, ME)
    assert isinstance(parsed, GetPortfolio) and parsed.cost_method == method


def test_portfolio_with_a_cost_method_it_does_not_know_shows_how_to_write_one():
    assert parse("/portfolio lifo", ME) == Usage("help.portfolio")


@pytest.mark.parametrize(
    ("text", "pair", "timeframe"),
    [
        ("/chart btcidr", "btcidr", "1h"),
        ("/chart ETH 4h", "ETH", "4h"),
        ("/chart pepe/idr 1D", "pepe/idr", "1d"),
        ("/chart btc 15m", "btc", "15m"),
        ("/chart btc 4j", "btc", "4h"),
    ],
)
def test_chart_reads_a_pair_and_a_timeframe(text, pair, timeframe):
    parsed = parse(text, ME)
    assert isinstance(parsed, GetPriceChart)
    assert (parsed.pair_text, parsed.timeframe, parsed.telegram_id) == (pair, timeframe, 5)


def test_chart_of_the_portfolio_or_the_results_needs_no_pair():
    assert isinstance(parse("/chart portfolio", ME), GetAllocationChart)
    assert isinstance(parse("/chart Portofolio", ME), GetAllocationChart)
    assert isinstance(parse("/chart pnl", ME), GetPnlChart)


@pytest.mark.parametrize("text", ["/chart", "/chart btc 2h", "/chart btc 1h extra"])
def test_chart_without_a_pair_or_with_a_timeframe_it_does_not_know_shows_how(text):
    assert parse(text, ME) == Usage("help.chart")


def test_typed_unlink_only_asks_and_creating_a_strategy_starts_the_dca_set_up():
    assert parse("/unlink", ME).confirmed is False
    assert parse("/strategy create", ME) == Usage("strategy.dca.wizard")
    assert parse("/dca now", ME) == Usage("strategy.dca.wizard")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("/strategy stop", "help.strategy"),
        ("/strategy show x", "help.strategy"),
        ("/strategy dance 1", "help.strategy"),
        ("/unalert ²", "help.unalert"),
        ("/unalert 1234567890123456789012", "help.unalert"),
        ("/cancel", "help.cancel"),
        ("/orders now", "help.orders"),
        ("/settings x", "help.settings"),
        ("/help", "help.text"),
        ("/help price", "help.price"),
        ("/help /strategy", "help.strategy"),
        ("/help nonsense", "help.text"),
    ],
)
def test_wrong_arguments_get_that_commands_own_help(text, key):
    assert parse(text, ME) == Usage(key)


def test_every_command_has_its_own_help_text_in_both_languages():
    for command in COMMANDS:
        for language in LANGUAGES:
            assert f"help.{command[1:]}" in catalog(language), (command, language)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/admin status", Status(admin="telegram:7")),
        ("/admin users", ListUsers(admin="telegram:7")),
        ("/admin restart 42", RestartUser(admin="telegram:7", telegram_id=42)),
        ("/admin pause 42", PauseUser(admin="telegram:7", telegram_id=42)),
        ("/admin resume 42", ResumeUser(admin="telegram:7", telegram_id=42)),
        ("/admin revoke 42", RevokeToken(admin="telegram:7", telegram_id=42)),
        ("/admin pause-all", PauseAll(admin="telegram:7")),
        ("/admin RESUME-ALL", ResumeAll(admin="telegram:7")),
    ],
)
def test_an_admin_gets_the_admin_commands(text, expected):
    parsed = parse(text, ADMIN)
    assert dataclasses.replace(parsed, correlation_id="x") == dataclasses.replace(
        expected, correlation_id="x"
    )


@pytest.mark.parametrize(
    "text", ["/admin", "/admin restart", "/admin restart me", "/admin shutdown"]
)
def test_an_admin_with_wrong_arguments_gets_the_admin_help(text):
    assert parse(text, ADMIN) == Usage("help.admin")


@pytest.mark.parametrize("text", ["/admin status", "/admin revoke 42", "/admin", "/help admin"])
def test_for_anyone_else_admin_is_just_an_unknown_command(text):
    assert parse(text, ME) == parse("/nonsense", ME) == Usage("help.text")


@pytest.mark.parametrize(
    ("callback", "expected"),
    [
        ("mn:market", ShowMarket(**CHAT)),
        ("mn:portfolio", GetPortfolio(**CHAT)),
        ("mn:strategies", ListStrategies(**CHAT)),
        ("mn:alerts", ListAlerts(**CHAT)),
        ("mn:settings", ShowSettings(**CHAT)),
        ("pr:btcidr", GetPrice(**CHAT, pair_text="btcidr")),
        ("sn:fill", ChangeNotification(**CHAT, kind="fill")),
        ("sl:en", SetLanguage(**CHAT, new_language="en", from_settings=True)),
        ("sm:live", SetMode(**CHAT, mode="live")),
        ("ao:abc123", ConfirmAlert(**CHAT, pending_id="abc123", choice="once")),
        ("ar:abc123", ConfirmAlert(**CHAT, pending_id="abc123", choice="recurring")),
        ("ax:abc123", ConfirmAlert(**CHAT, pending_id="abc123", choice="cancel")),
        ("ad:9", DeleteAlert(**CHAT, alert_id=9)),
        ("ca:ask", CancelAllOrders(**CHAT)),
        ("ca:y:abc123", CancelAllOrders(**CHAT, confirmed=True, pending_id="abc123")),
        ("ul:y:abc123", UnlinkAccount(**CHAT, confirmed=True, pending_id="abc123")),
        ("lv:y:abc123", SetMode(**CHAT, mode="live", confirmed=True, pending_id="abc123")),
        ("sp:3", ChangeStrategy(**CHAT, strategy_id=3, action="pause")),
        ("sr:3", ChangeStrategy(**CHAT, strategy_id=3, action="resume")),
        ("ss:3", ChangeStrategy(**CHAT, strategy_id=3, action="stop")),
        ("sq:3:sell", ChangeStrategy(**CHAT, strategy_id=3, action="stop", leave="sell")),
        ("sd:3", ShowStrategy(**CHAT, strategy_id=3)),
    ],
)
def test_each_button_maps_to_its_message(callback, expected):
    parsed = from_callback(callback, ME)
    assert dataclasses.replace(parsed, correlation_id="x") == dataclasses.replace(
        expected, correlation_id="x"
    )


@pytest.mark.parametrize(
    ("callback", "key"),
    [
        ("mn:trade", "trade.wizard"),
        ("ca:n", "orders.cancel_all_kept"),
        ("ul:n", "unlink.kept"),
        ("lv:n", "settings.live_kept"),
        ("sc:new", "strategy.dca.wizard"),
        ("sc:n:0123456789ab", "strategy.setup_cancelled"),
    ],
)
def test_buttons_the_actors_need_not_hear_about_answer_in_the_chat(callback, key):
    assert from_callback(callback, ME) == Usage(key)


@pytest.mark.parametrize(
    "callback",
    [
        "",
        ":",
        "mn:",
        "mn:casino",
        "sn:everything",
        "sl:fr",
        "sm:demo",
        "ad:x",
        "sp:-1",
        "ca:maybe",
        "ul:",
        "ca:yes",  # a Yes from before questions were named: it cannot say which one
        "ul:yes",
        "ca:y",
        "ul:y:",
        "oc:" + "a" * 70,
        "zz:1",
    ],
)
def test_unknown_or_garbled_buttons_have_expired(callback):
    assert from_callback(callback, ME) == Usage("button.stale")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", *(f"{action.prefix}:" for action in actions())]),
    st.text(max_size=70),
)
def test_any_payload_after_a_known_prefix_gives_a_message_or_help(prefix, payload):
    assert isinstance(from_callback(prefix + payload, ME), (Usage, UserCommand))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["/strategy ", "/admin ", "/help ", "/unalert "]))
def test_new_commands_never_raise_for_admins_either(text, prefix):
    result = parse(prefix + text, ADMIN)
    assert result is None or isinstance(result, (Usage, UserCommand, AdminCommand))
