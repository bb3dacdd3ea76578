"""The pieces of what the UserActor shows, without any actor: changes, rankings, buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from actors.strategies.kinds import STRATEGY_CLASSES
from actors.user import user_views
from actors.user.user_views import (
    change_24h,
    holding_rows,
    in_rows,
    market_view,
    most_traded,
    settings_buttons,
)
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import Summaries, Ticker
from messages.replies import Button
from persistence.models import users
from persistence.models.users import User


def ticker(base: str, quote: str, last: int, volume: int) -> Ticker:
    price = Decimal(last)
    return Ticker(
        Pair(base, quote),
        last=price,
        bid=price,
        ask=price,
        high=price,
        low=price,
        base_volume=Decimal(1),
        quote_volume=Decimal(volume),
        server_time=datetime(2026, 1, 1, tzinfo=UTC),
    )


def summaries(*tickers: Ticker, before: dict[str, int] | None = None) -> Summaries:
    return Summaries(
        tickers={t.pair: t for t in tickers},
        prices_24h={pair_id: Decimal(price) for pair_id, price in (before or {}).items()},
        prices_7d={},
    )


def test_the_24_hour_change_is_a_percentage_to_two_decimals():
    assert change_24h(Decimal(110), Decimal(100)) == Decimal("10.00")
    assert change_24h(Decimal(1_000_000_000), Decimal(1_030_000_000)) == Decimal("-2.91")
    assert change_24h(Decimal(5), None) is None
    assert change_24h(Decimal(5), Decimal(0)) is None  # a market that never traded


def test_the_most_traded_idr_markets_come_first_and_usdt_ones_not_at_all():
    market = summaries(
        *(ticker(f"c{n}", "idr", 100, volume=n * 1_000) for n in range(1, 9)),
        ticker("btc", "usdt", 100, volume=10**12),
    )
    assert [t.pair.base for t in most_traded(market)] == ["c8", "c7", "c6", "c5", "c4", "c3"]


def test_the_market_view_has_a_row_and_a_price_button_per_market():
    market = summaries(
        ticker("btc", "idr", 1_100, volume=9),
        ticker("eth", "idr", 99, volume=5),
        ticker("sol", "idr", 7, volume=1),
        before={"btcidr": 1_000, "ethidr": 100},
    )
    rows, buttons = market_view(market)
    assert rows == (
        ("BTC/IDR", "1100", "10.00"),
        ("ETH/IDR", "99", "-1.00"),
        ("SOL/IDR", "7", ""),
    )
    assert [[b.callback for b in row] for row in buttons] == [
        ["pr:btcidr", "pr:ethidr"],
        ["pr:solidr"],
    ]
    assert buttons[0][0].params == (("pair", "BTC/IDR"),)


def test_buttons_are_laid_out_a_few_to_a_row():
    buttons = [Button("button.pair", str(n)) for n in range(5)]
    assert [len(row) for row in in_rows(buttons, 2)] == [2, 2, 1]


def test_the_settings_buttons_show_each_level_and_offer_modes_only_when_choosable():
    user = User(telegram_id=1, chat_id=1, notify_alert="silent", notify_system="off")
    keyboard = settings_buttons(user, mode_choice=False)
    notify = [dict(b.params) for row in keyboard[:2] for b in row]
    assert [(p["kind"], p["level"]) for p in notify] == [
        ("alert", "silent"),
        ("fill", "on"),
        ("strategy", "on"),
        ("system", "silent"),  # never off, whatever the row says
    ]
    assert [b.callback for b in keyboard[-1]] == ["sl:id", "sl:en"]
    with_modes = settings_buttons(user, mode_choice=True)
    assert [b.callback for b in with_modes[-1]] == ["sm:paper", "sm:live"]


def test_the_settings_offer_every_notification_kind_a_user_has_a_level_for():
    assert user_views.NOTIFICATION_KINDS == users.NOTIFICATION_KINDS


def test_a_dca_cycles_holding_shows_its_average_cost_and_return_at_the_last_price():
    state = {"cycle_bought": "0.002", "cycle_cost": "2004000", "realised": "0"}
    progress = STRATEGY_CLASSES["dca"].progress({}, state)
    assert holding_rows(progress, Decimal(1_100_000_000)) == (
        ("0.002", "1002000000", "2004000", "2200000", "9.78"),
    )
    assert holding_rows(progress, None) == ()  # no price now: nothing to say
    empty = STRATEGY_CLASSES["dca"].progress({}, {"realised": "0"})
    assert holding_rows(empty, Decimal(1_100_000_000)) == ()
