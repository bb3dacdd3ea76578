"""Statuses as StrEnums: the strings already stored keep their meaning, no migration."""

from __future__ import annotations

from decimal import Decimal

import pytest

from messages.statuses import AlertStatus, OrderState, StrategyStatus, UserStatus
from persistence.models import Alert, Order, PaperOrder, Strategy, User
from persistence.models.alerts import active_alerts
from persistence.models.strategies import next_status, running_strategies

COLUMNS = [
    (OrderState, Order.state),
    (OrderState, PaperOrder.state),
    (StrategyStatus, Strategy.status),
    (AlertStatus, Alert.status),
    (UserStatus, User.status),
]


@pytest.mark.parametrize(("status", "column"), COLUMNS)
def test_every_status_fits_the_column_that_stores_it(status, column):
    assert max(len(member.value) for member in status) <= column.max_length


def test_a_row_stored_as_plain_text_before_the_enums_is_found_by_them(database):
    user = User.create(telegram_id=5, chat_id=55)
    Strategy.insert(user=user, kind="dca", pair="btc_idr", status="running").execute()
    Alert.insert(
        user=user, pair="btc_idr", direction="above", price=Decimal(1), status="active"
    ).execute()
    [strategy] = running_strategies(user)
    assert strategy.status == StrategyStatus.RUNNING
    assert [a.status for a in active_alerts()] == [AlertStatus.ACTIVE]
    assert User.get_by_id(user.id).status == "active"


def test_a_failed_strategy_can_only_be_stopped():
    failed = StrategyStatus.FAILED
    assert [next_status(failed, a) for a in ("pause", "resume", "stop")] == [
        None,
        None,
        StrategyStatus.STOPPED,
    ]
    assert next_status("paused", "resume") == "running"
