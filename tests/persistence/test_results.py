"""What strategies realised, per user and day: each result counted once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from persistence.models import Strategy, User
from persistence.models.results import record_result, result_on

MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)


def test_a_days_results_sum_each_update_once_and_only_that_users_and_days(database):
    user = User.create(telegram_id=2001, chat_id=2001)
    other = User.create(telegram_id=2002, chat_id=2002)
    grid = Strategy.create(user=user, kind="grid", pair="btc_idr")
    theirs = Strategy.create(user=other, kind="grid", pair="btc_idr")
    record_result(grid, "s1-L3-1:2", Decimal("-30000.5"), MONDAY)
    record_result(grid, "s1-L3-1:2", Decimal("-30000.5"), MONDAY)  # told again after a crash
    record_result(grid, "s1-L4-1:1", Decimal("12000"), MONDAY)
    record_result(grid, "s1-L5-1:1", Decimal("-99999"), TUESDAY)
    record_result(theirs, "s2-L1-1:1", Decimal("-77777"), MONDAY)
    assert result_on(user, MONDAY) == Decimal("-18000.5")
    assert result_on(other, MONDAY) == Decimal("-77777")
    assert result_on(user, date(2026, 12, 9)) == 0
