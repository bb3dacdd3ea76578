"""Durable strategy timers, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from messages.statuses import StrategyStatus
from persistence.models import Strategy, User
from persistence.models.strategies import set_status
from persistence.models.timers import (
    add_timer,
    mark_handled,
    next_due_after,
    owners_due,
    pending_timers,
    unhandled_timer,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def running_strategy(telegram_id: int = 1001) -> Strategy:
    user = User.create(telegram_id=telegram_id, chat_id=telegram_id)
    return Strategy.create(user=user, kind="dca", pair="btc_idr")


def test_a_saved_timer_is_pending_with_its_payload_and_due_time_until_handled(database):
    strategy = running_strategy()
    later = add_timer(strategy, NOW + timedelta(hours=1), "buy")
    sooner = add_timer(strategy, NOW + timedelta(minutes=1), "check")
    assert [(t.payload, t.due_at) for t in pending_timers(strategy.id)] == [
        ("check", NOW + timedelta(minutes=1)),
        ("buy", NOW + timedelta(hours=1)),
    ]
    mark_handled(sooner.id)
    assert unhandled_timer(sooner.id) is None
    assert unhandled_timer(later.id) is not None
    assert [t.id for t in pending_timers(strategy.id)] == [later.id]


def test_a_timer_marked_handled_twice_keeps_the_first_time_it_was_handled(database):
    timer = add_timer(running_strategy(), NOW, "buy")
    mark_handled(timer.id)
    first = type(timer).get_by_id(timer.id).handled_at
    mark_handled(timer.id)
    assert type(timer).get_by_id(timer.id).handled_at == first


def test_the_owners_of_due_timers_are_the_users_whose_running_strategy_has_one_due(database):
    due = running_strategy(1001)
    not_yet = running_strategy(1002)
    handled = running_strategy(1003)
    paused = running_strategy(1004)
    add_timer(due, NOW - timedelta(seconds=1), "buy")
    add_timer(due, NOW, "buy")
    add_timer(not_yet, NOW + timedelta(seconds=1), "buy")
    mark_handled(add_timer(handled, NOW - timedelta(hours=1), "buy").id)
    add_timer(paused, NOW - timedelta(hours=1), "buy")
    set_status(paused.id, StrategyStatus.PAUSED)
    assert owners_due(NOW) == {1001}


def test_the_next_due_time_is_the_soonest_pending_timer_after_now(database):
    strategy = running_strategy()
    add_timer(strategy, NOW - timedelta(minutes=5), "overdue")
    add_timer(strategy, NOW + timedelta(minutes=9), "later")
    add_timer(strategy, NOW + timedelta(minutes=3), "sooner")
    assert next_due_after(NOW) == NOW + timedelta(minutes=3)
    assert next_due_after(NOW + timedelta(minutes=10)) is None
