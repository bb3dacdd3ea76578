"""The Supervisor's watch over strategy timers due while their user's actor is not running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from actors.core.timer_watch import TimerWatch
from persistence.models import Strategy, User
from persistence.models.timers import add_timer, mark_handled

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BOUND = timedelta(seconds=30)


def watch() -> TimerWatch:
    return TimerWatch(BOUND, clock=lambda: NOW)


def strategy_of(telegram_id: int) -> Strategy:
    user = User.create(telegram_id=telegram_id, chat_id=telegram_id)
    return Strategy.create(user=user, kind="dca", pair="btc_idr")


def test_a_due_timer_starts_its_users_actor_only_when_that_actor_is_not_running(database):
    add_timer(strategy_of(1), NOW - timedelta(hours=2), "buy")  # due while all was down
    add_timer(strategy_of(2), NOW, "buy")
    assert watch().look(running=())[0] == {1, 2}
    assert watch().look(running={2: "address"})[0] == {1}


def test_a_handled_timer_starts_nobody(database):
    mark_handled(add_timer(strategy_of(1), NOW - timedelta(minutes=1), "buy").id)
    assert watch().look(running=()) == (set(), BOUND)


def test_the_watch_sleeps_until_the_next_timer_is_due_but_never_longer_than_its_bound(database):
    strategy = strategy_of(1)
    assert watch().look(running=())[1] == BOUND  # no timer at all
    add_timer(strategy, NOW + timedelta(hours=1), "later")
    assert watch().look(running=())[1] == BOUND
    add_timer(strategy, NOW + timedelta(seconds=4), "soon")
    assert watch().look(running=()) == (set(), timedelta(seconds=4))
