"""What the charts read: the fills of a user's orders on a pair (live and paper, one
strategy's or all), and what the strategies realised day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from persistence.models import Fill, Order, PaperOrder, Strategy, User
from persistence.models.fills import Trade, trades_on
from persistence.models.results import record_result, results_by_day

START = datetime(2026, 12, 1, 3, tzinfo=UTC)


def order(model, user: User, name: str, side: str, *, pair: str = "btc_idr", strategy=None):
    common = {"user": user, "client_order_id": name, "pair": pair, "side": side}
    if model is PaperOrder:
        return PaperOrder.create(**common, order_type="limit", state="filled", strategy=strategy)
    return Order.create(**common, order_type="limit", state="filled", strategy=strategy)


def fill(row, sequence: int, price: int, hours: int, quantity: str = "0.001") -> None:
    owner = {"paper_order": row} if isinstance(row, PaperOrder) else {"order": row}
    Fill.create(
        **owner,
        sequence=sequence,
        kind="filled" if quantity != "0" else "cancelled",
        quantity=Decimal(quantity),
        price=Decimal(price),
        created_at=START + timedelta(hours=hours),
    )


def test_the_fills_of_a_users_orders_on_a_pair_come_oldest_first_live_and_paper(database):
    user = User.create(telegram_id=73001, chat_id=73001)
    other = User.create(telegram_id=73002, chat_id=73002)
    grid = Strategy.create(user=user, kind="grid", pair="btc_idr")
    live = order(Order, user, "ib-1", "buy")
    paper = order(PaperOrder, user, "ib-2", "sell", strategy=grid)
    fill(live, 1, 1_000_000_000, hours=5)
    fill(live, 2, 0, hours=6, quantity="0")  # its end: nothing traded
    fill(paper, 1, 1_050_000_000, hours=2)
    fill(order(Order, user, "ib-3", "buy", pair="eth_idr"), 1, 60_000_000, hours=3)
    fill(order(Order, other, "ib-4", "buy"), 1, 990_000_000, hours=4)
    fill(order(Order, user, "ib-5", "buy"), 1, 980_000_000, hours=-30)  # before the window

    trades = trades_on(user, "btc_idr", START - timedelta(hours=1))

    assert trades == [
        Trade(START + timedelta(hours=2), Decimal(1_050_000_000), "sell"),
        Trade(START + timedelta(hours=5), Decimal(1_000_000_000), "buy"),
    ]
    assert trades_on(user, "btc_idr", START, strategy_id=grid.id) == trades[:1]
    assert trades_on(user, "btc_idr", START, most=1) == trades[1:]


def test_results_are_added_up_per_day_exactly_oldest_day_first(database):
    user = User.create(telegram_id=73003, chat_id=73003)
    other = User.create(telegram_id=73004, chat_id=73004)
    dca = Strategy.create(user=user, kind="dca", pair="btc_idr")
    grid = Strategy.create(user=user, kind="grid", pair="eth_idr")
    record_result(grid, "g:1", Decimal("0.1"), date(2026, 12, 2))
    record_result(dca, "d:1", Decimal("0.2"), date(2026, 12, 2))
    record_result(dca, "d:2", Decimal("-1500"), date(2026, 11, 30))
    record_result(
        Strategy.create(user=other, kind="dca", pair="btc_idr"),
        "o:1",
        Decimal(9),
        date(2026, 12, 2),
    )
    assert results_by_day(user) == [
        (date(2026, 11, 30), Decimal(-1500)),
        (date(2026, 12, 2), Decimal("0.3")),
    ]
    assert results_by_day(other) == [(date(2026, 12, 2), Decimal(9))]
