"""A live order read with every update recorded for it, in one round trip (a pushed fill
needs both before it records what is new)."""

from __future__ import annotations

from decimal import Decimal

from order_rows import resting_order
from sql_log import count_statements

from messages.statuses import OrderChange
from persistence.models import User
from persistence.models.fills import Change, order_with_fills, record_changes


def test_an_order_comes_with_its_updates_in_sequence_or_with_none(database):
    order = resting_order(User.create(telegram_id=75001, chat_id=75001))
    with count_statements() as statements:
        row, recorded = order_with_fills(order.client_order_id)
    assert len(statements) == 1
    assert row is not None and row.id == order.id and recorded == []

    record_changes(order, [Change(OrderChange.PARTIAL, Decimal("0.4"), Decimal(10), trade_id="7")])
    record_changes(order, [Change(OrderChange.FILLED, Decimal("0.6"), Decimal(11), trade_id="8")])
    row, recorded = order_with_fills(order.client_order_id)
    assert row is not None and row.id == order.id and row.state == "open"
    assert [(f.sequence, f.trade_id, f.quantity, f.filled) for f in recorded] == [
        (1, "7", Decimal("0.4"), Decimal("0.4")),
        (2, "8", Decimal("0.6"), Decimal("1.0")),
    ]
    assert order_with_fills(f"{order.client_order_id}x") == (None, [])
