from __future__ import annotations

from actors.core.deadman import DeadmanSwitch
from actors.core.restart_policy import RestartPolicy


def test_restarts_back_off_exponentially_then_give_up():
    policy = RestartPolicy(base_delay=1, max_delay=10, max_restarts=4, window=100)
    delays = [policy.next_delay("user-a", now=t) for t in range(5)]
    assert delays == [1, 2, 4, 8, None]


def test_restarts_spread_beyond_the_window_are_forgiven():
    policy = RestartPolicy(base_delay=1, max_restarts=2, window=10)
    assert policy.next_delay("a", now=0) == 1
    assert policy.next_delay("a", now=5) == 2
    assert policy.next_delay("a", now=9) is None
    assert policy.next_delay("a", now=30) == 1


def test_one_childs_crashes_do_not_count_against_another():
    policy = RestartPolicy(max_restarts=1)
    assert policy.next_delay("a", now=0) is not None
    assert policy.next_delay("a", now=1) is None
    assert policy.next_delay("b", now=1) is not None


def test_consecutive_errors_of_one_user_pause_only_that_user():
    switch = DeadmanSwitch(user_threshold=3, global_threshold=100)
    results = [switch.failure(7, now=t) for t in range(3)]
    assert results == [(False, False), (False, False), (True, False)]
    assert switch.tripped_users == {7}
    assert switch.failure(7, now=4) == (False, False)  # told once, not on every error


def test_a_success_breaks_the_run_of_errors():
    switch = DeadmanSwitch(user_threshold=3)
    switch.failure(7, now=0)
    switch.failure(7, now=1)
    switch.success(7)
    assert switch.failure(7, now=2) == (False, False)


def test_errors_across_many_users_trip_the_global_switch_once():
    switch = DeadmanSwitch(user_threshold=100, global_threshold=6, window=10)
    tripped = [switch.failure(user, now=1)[1] for user in range(6)]
    assert tripped == [False] * 5 + [True]
    assert switch.failure(9, now=2) == (False, False)
    switch.reset_global()
    assert not switch.tripped_globally


def test_one_noisy_user_alone_never_trips_the_global_switch():
    switch = DeadmanSwitch(user_threshold=1000, global_threshold=5, window=10)
    assert not any(switch.failure(1, now=t)[1] for t in range(10))


def test_a_strategy_that_keeps_raising_counts_across_users_but_never_pauses_its_user():
    switch = DeadmanSwitch(user_threshold=2, global_threshold=4, window=10)
    assert [switch.failure(7, now=t, call=False) for t in range(3)] == [(False, False)] * 3
    assert switch.tripped_users == set()
    assert switch.failure(8, now=3, call=False) == (False, True)  # the window counts them all
    assert switch.failure(7, now=4) == (False, False)  # a failed call starts the user's run
