"""A DCA's schedule, read in WIB (UTC+7) whatever the host's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actors.strategies.schedule import BadSchedule, parse_schedule

# Monday 2026-12-07 01:30 UTC is 08:30 WIB.
MONDAY = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


def wib(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("every 6h", [MONDAY + timedelta(hours=6 * n) for n in (1, 2, 3)]),
        ("daily 08:00", [wib(8, 8), wib(9, 8), wib(10, 8)]),
        ("daily 09:15", [wib(7, 9, 15), wib(8, 9, 15), wib(9, 9, 15)]),
        ("weekly mon 08:00", [wib(14, 8), wib(21, 8), wib(28, 8)]),
        ("weekly fri 20:00", [wib(11, 20), wib(18, 20), wib(25, 20)]),
        ("cron 0 8 * * 1-5", [wib(8, 8), wib(9, 8), wib(10, 8)]),
        ("cron */30 9 * * *", [wib(7, 9), wib(7, 9, 30), wib(8, 9)]),
        (
            "cron 0 0 1 * *",  # 00:00 WIB on the 1st is 17:00 UTC the day before
            [
                datetime(2026, 12, 31, 17, tzinfo=UTC),
                datetime(2027, 1, 31, 17, tzinfo=UTC),
                datetime(2027, 2, 28, 17, tzinfo=UTC),
            ],
        ),
        ("cron 0 12 13 * fri", [wib(11, 12), wib(13, 12), wib(18, 12)]),  # either day rule
        ("cron 0 7 * * 0", [wib(13, 7), wib(20, 7), wib(27, 7)]),
        ("cron 0 7 * * 7", [wib(13, 7), wib(20, 7), wib(27, 7)]),  # 7 is Sunday too
    ],
)
def test_the_next_three_runs_are_where_a_person_reading_the_schedule_expects(text, runs):
    schedule = parse_schedule(text)
    moment, seen = MONDAY, []
    for _ in runs:
        moment = schedule.next_after(moment)
        seen.append(moment)
    assert seen == runs


def test_every_n_hours_runs_at_once_and_a_clock_schedule_at_its_next_time():
    assert parse_schedule("every 6h").first(MONDAY) == MONDAY
    assert parse_schedule("daily 08:30").first(MONDAY) == wib(8, 8, 30)  # 08:30 has just been


@pytest.mark.parametrize(
    "text",
    [
        "",
        "every 0h",
        "every 5000h",
        "every \uff16h",  # a full-width six
        "daily 24:00",
        "daily 8",
        "weekly funday 08:00",
        "cron 0 8 * *",
        "cron 61 8 * * *",
        "cron 0 8 5-1 * *",
        "cron 0 0 30 2 *",
        "cron 0 8 * * 1e309",
        "daily " + "9" * 5000,
        "hourly",
    ],
)
def test_a_schedule_that_is_not_one_is_refused_with_what_was_expected(text):
    with pytest.raises(BadSchedule):
        parse_schedule(text).next_after(MONDAY)
