"""The Supervisor's watch over strategy timers and order checks due while their user's actor
is not running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_rows import resting_order

from actors.core.timer_watch import TimerWatch
from persistence.models import Credential, Strategy, User
from persistence.models.timers import add_timer, mark_handled

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BOUND = timedelta(seconds=30)
CHECK_EVERY = timedelta(hours=1)


def watch() -> TimerWatch:
    return TimerWatch(BOUND, CHECK_EVERY, clock=lambda: NOW)


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


def linked_user(telegram_id: int, status: str = "active") -> User:
    user = User.create(telegram_id=telegram_id, chat_id=telegram_id, status=status)
    Credential.create(
        user=user, api_key_enc="k", api_secret_enc="s", key_fingerprint="f", vault_key_id="v"
    )
    return user


def test_a_resting_order_checked_within_the_interval_starts_nobody(database):
    resting_order(linked_user(1), NOW - timedelta(minutes=10))
    assert watch().look(running=()) == (set(), BOUND)


def test_a_resting_order_never_checked_or_not_for_the_interval_starts_its_users_actor(database):
    resting_order(linked_user(1), None)  # placed before checks were recorded
    resting_order(linked_user(2), NOW - timedelta(hours=5))
    resting_order(linked_user(3), NOW - CHECK_EVERY)
    resting_order(linked_user(4), NOW - CHECK_EVERY + timedelta(seconds=1))
    partly = resting_order(linked_user(5), NOW - timedelta(hours=2), state="partially_filled")
    assert watch().look(running=())[0] == {1, 2, 3, partly.user.telegram_id}


def test_an_unchecked_order_of_a_user_whose_actor_runs_starts_nothing(database):
    resting_order(linked_user(1), None)
    resting_order(linked_user(2), None)
    assert watch().look(running={1: "address"})[0] == {2}


def test_ended_orders_and_orders_no_sweep_can_check_start_nobody(database):
    resting_order(linked_user(1), None, state="filled")
    resting_order(linked_user(2), None, state="cancelled")
    unlinked = User.create(telegram_id=3, chat_id=3)  # no key: nothing to sweep with
    resting_order(unlinked, None)
    resting_order(linked_user(4, status="suspended"), None)  # restarted by an admin only
    assert watch().look(running=()) == (set(), BOUND)


def test_the_watch_sleeps_until_the_nearest_timer_or_order_check_is_due(database):
    resting_order(linked_user(1), NOW - CHECK_EVERY + timedelta(seconds=10))
    resting_order(linked_user(2), NOW - CHECK_EVERY + timedelta(seconds=20))
    assert watch().look(running=()) == (set(), timedelta(seconds=10))
    add_timer(strategy_of(3), NOW + timedelta(seconds=4), "soon")
    assert watch().look(running=()) == (set(), timedelta(seconds=4))
