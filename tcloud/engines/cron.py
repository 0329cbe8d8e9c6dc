"""Five-field cron expressions (minute hour day month weekday), in UTC.

Fields take `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n`, `a-b/n`.
When both day and weekday are restricted, either may match, as in cron.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
NAMES = ["minute", "hour", "day", "month", "weekday"]
HORIZON_MINUTES = 366 * 24 * 60 * 5


class CronError(ValueError):
    """A cron expression that cannot be read."""


def _field(text: str, low: int, high: int, name: str) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if step_text and not step_text.isdigit() or step < 1:
            raise CronError(f"{name}: bad step in {part!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"{name}: bad range {base!r}")
            start, end = int(a), int(b)
        elif base.isdigit():
            start = end = int(base)
            if step_text:
                end = high
        else:
            raise CronError(f"{name}: {part!r} is not a number, range or *")
        if start < low or end > high or start > end:
            raise CronError(f"{name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


class Cron:
    def __init__(self, expression: str) -> None:
        parts = expression.split()
        if len(parts) != 5:
            raise CronError("a cron expression has five fields: m h dom mon dow")
        fields = [_field(p, *RANGES[i], NAMES[i]) for i, p in enumerate(parts)]
        self.minutes, self.hours, self.days, self.months, self.weekdays = fields
        if 7 in self.weekdays:
            self.weekdays.add(0)
        self.any_day = parts[2] == "*"
        self.any_weekday = parts[4] == "*"

    def _day_matches(self, moment: datetime) -> bool:
        day = moment.day in self.days
        weekday = (moment.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return day and weekday
        return day or weekday

    def next_after(self, ts: float) -> float:
        """Return the first matching minute strictly after `ts`."""
        moment = datetime.fromtimestamp(ts, UTC).replace(second=0, microsecond=0)
        moment += timedelta(minutes=1)
        for _ in range(HORIZON_MINUTES):
            if moment.month not in self.months or not self._day_matches(moment):
                moment = (moment + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if moment.hour not in self.hours:
                moment = (moment + timedelta(hours=1)).replace(minute=0)
                continue
            if moment.minute in self.minutes:
                return moment.timestamp()
            moment += timedelta(minutes=1)
        raise CronError("the expression never matches")
