"""When a scheduled strategy (DCA) runs: every N hours, daily or weekly at a time, or a cron
expression, always read in Indonesian western time (WIB, UTC+7, which has kept no daylight
saving since 1964: a fixed offset needs no time zone database in the image).

Written as users type them and stored so:
  every 6h            every 6 hours, the first run at the start
  daily 08:00         each day at 08:00 WIB
  weekly mon 08:00    each Monday at 08:00 WIB
  cron 0 8 * * 1-5    minute hour day-of-month month day-of-week, as crontab(5) reads them
                      (`*`, lists, ranges, steps; days of the week 0-7 or sun..sat, both 0
                      and 7 Sunday; a restricted day of month and day of week match either)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MAX_EVERY_HOURS = 24 * 31
LOOKAHEAD_DAYS = 366 * 5  # a cron that never matches (30 February) is refused within this


class BadSchedule(ValueError):
    """The text is not a schedule; the message says what was expected."""


@dataclass(frozen=True)
class Schedule:
    text: str
    every: timedelta | None = None  # every N hours
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    week_days: frozenset[int] = frozenset()  # 0 Monday .. 6 Sunday
    any_month_day: bool = True
    any_week_day: bool = True

    def first(self, now: datetime) -> datetime:
        """The first run of a strategy started at `now`: at once for `every`, else the
        next matching minute."""
        return now if self.every is not None else self.next_after(now)

    def upcoming(self, now: datetime, count: int) -> list[datetime]:
        """The first `count` runs of a strategy started at `now`, as its preview shows them."""
        runs = [self.first(now)]
        while len(runs) < count:
            runs.append(self.next_after(runs[-1]))
        return runs

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after `moment` (UTC in, UTC out)."""
        if self.every is not None:
            return moment + self.every
        local = moment.astimezone(WIB).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.date()
        for _ in range(LOOKAHEAD_DAYS):
            if self._matches_day(day.month, day.day, day.weekday()):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        at = datetime.combine(day, time(hour, minute), WIB)
                        if at >= local:
                            return at.astimezone(UTC)
            day += timedelta(days=1)
        raise BadSchedule(f"{self.text!r} never comes")

    def _matches_day(self, month: int, month_day: int, week_day: int) -> bool:
        if month not in self.months:
            return False
        by_month_day = month_day in self.month_days
        by_week_day = week_day in self.week_days
        if self.any_month_day or self.any_week_day:
            return by_month_day and by_week_day
        return by_month_day or by_week_day


def parse_schedule(text: str) -> Schedule:
    words = text.lower().split()
    if len(text) > 100 or not words:
        raise BadSchedule("a schedule: every 6h, daily 08:00, weekly mon 08:00 or cron …")
    kind, rest = words[0], words[1:]
    if kind == "every" and len(rest) == 1:
        return _every(text, rest[0])
    if kind == "daily" and len(rest) == 1:
        hour, minute = _clock(rest[0])
        return _cron(text, [str(minute), str(hour), "*", "*", "*"])
    if kind == "weekly" and len(rest) == 2 and rest[0] in DAYS:
        hour, minute = _clock(rest[1])
        return _cron(text, [str(minute), str(hour), "*", "*", rest[0]])
    if kind == "cron" and len(rest) == 5:
        return _cron(text, rest)
    raise BadSchedule("a schedule: every 6h, daily 08:00, weekly mon 08:00 or cron …")


def _every(text: str, amount: str) -> Schedule:
    hours = amount.removesuffix("h")
    if not (hours.isascii() and hours.isdigit()) or not 1 <= int(hours) <= MAX_EVERY_HOURS:
        raise BadSchedule(f"every 1h to every {MAX_EVERY_HOURS}h")
    return Schedule(text, every=timedelta(hours=int(hours)))


def _clock(value: str) -> tuple[int, int]:
    hour, _, minute = value.partition(":")
    if not (_number(hour) and _number(minute)) or int(hour) > 23 or int(minute) > 59:
        raise BadSchedule("a time of day as HH:MM, 00:00 to 23:59")
    return int(hour), int(minute)


def _number(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 2


def _cron(text: str, fields: list[str]) -> Schedule:
    minute, hour, month_day, month, week_day = fields
    days = _field(week_day, 0, 7, CRON_DAYS)
    return Schedule(
        text,
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        month_days=_field(month_day, 1, 31),
        months=_field(month, 1, 12),
        week_days=frozenset((day - 1) % 7 for day in days),  # cron 0 and 7 are Sunday
        any_month_day=month_day == "*",
        any_week_day=week_day == "*",
    )


def _field(value: str, low: int, high: int, names: tuple[str, ...] = ()) -> frozenset[int]:
    chosen: set[int] = set()
    for part in value.split(","):
        span, _, step_text = part.partition("/")
        step = _value(step_text, 1, high, ()) if step_text else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            start, _, end = span.partition("-")
            first, last = _value(start, low, high, names), _value(end, low, high, names)
        else:
            first = _value(span, low, high, names)
            last = high if step_text else first
        if first > last:
            raise BadSchedule(f"a range runs upward: {part!r}")
        chosen.update(range(first, last + 1, step))
    return frozenset(chosen)


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if text in names:
        return names.index(text)
    if not (text.isascii() and text.isdigit()) or len(text) > 2 or not low <= int(text) <= high:
        raise BadSchedule(f"a number from {low} to {high}, not {text[:10]!r}")
    return int(text)
