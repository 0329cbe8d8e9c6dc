"""Dates: patterns, parts, differences, arithmetic, comparisons, calendars.

A text column is read with ONE format: the step's `format`, or, when it is
"infer", the format inferred from the first rows of the plan (the grid's
sample), which the UI stores in the step when it is added.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from tcloud.runtime.prep import calendars
from tcloud.runtime.prep.context import StepContext, strftime_pattern
from tcloud.runtime.prep.functions.numbers import COMPARISONS, compare
from tcloud.runtime.prep.registry import DATES, MAX_AMOUNT, NUMBER, Param, register

_FORMAT = Param("format", "string", default="infer", description="source format")
UNITS = ("years", "months", "days", "hours", "minutes", "seconds")
PARTS = (
    "year",
    "quarter",
    "month",
    "month_name",
    "week",
    "day_of_year",
    "day",
    "weekday",
    "weekday_name",
    "hour_24",
    "hour_12",
    "am_pm",
    "minute",
    "second",
)
_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _pattern_check(pattern: str | None) -> tuple[str, str] | None:
    """Refuse a pattern that cannot write a date (a %Q, a lone %)."""
    if not pattern:
        return None
    try:
        written = pl.select(
            pl.lit(datetime(2024, 1, 2, 3, 4, 5)).dt.strftime(strftime_pattern(pattern))
        ).item()
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()
        return "pattern", "cannot write dates" + (f" ({first[0]})" if first else "")
    return None if written is not None else ("pattern", "cannot write dates")


def _keep_invalid(ctx: StepContext, parsed: pl.Expr, out: pl.Expr) -> pl.Expr:
    """Keep the original text where it did not parse as a date."""
    if ctx.dtype == pl.String:
        return pl.when(parsed.is_null()).then(ctx.col).otherwise(out)
    return out


@register(
    "change_date_pattern",
    "dates",
    "Change the date pattern",
    types=DATES,
    new_column="formatted",
    params=(_FORMAT, Param("pattern", "string", required=True, description="new one")),
    check=lambda p, t: _pattern_check(p["pattern"]),
)
def change_date_pattern(ctx: StepContext) -> pl.Expr:
    """Write dates with a new pattern (yyyy-MM-dd or strftime); others stay."""
    parsed = ctx.moment()
    out = parsed.dt.strftime(strftime_pattern(ctx["pattern"]))
    return _keep_invalid(ctx, parsed, out)


def _part(moment: pl.Expr, part: str) -> pl.Expr:
    numbers = {
        "year": moment.dt.year(),
        "quarter": moment.dt.quarter(),
        "month": moment.dt.month(),
        "week": moment.dt.week(),
        "day_of_year": moment.dt.ordinal_day(),
        "day": moment.dt.day(),
        "weekday": moment.dt.weekday(),
        "hour_24": moment.dt.hour(),
        "hour_12": ((moment.dt.hour().cast(pl.Int64) + 11) % 12 + 1),
        "minute": moment.dt.minute(),
        "second": moment.dt.second(),
    }
    if part in numbers:
        return numbers[part].cast(pl.Int64)
    texts = {"month_name": "%B", "weekday_name": "%A", "am_pm": "%p"}
    return moment.dt.strftime(texts[part])


@register(
    "extract_date_parts",
    "dates",
    "Extract date parts",
    kind="columns",
    types=DATES,
    params=(
        _FORMAT,
        Param("parts", "list", default=["year", "month", "day"], choices=PARTS),
    ),
    check=lambda p, t: next(
        (("parts", f"unknown part {x!r}") for x in p["parts"] if x not in PARTS), None
    ),
)
def extract_date_parts(ctx: StepContext) -> list[pl.Expr]:
    """Extract year, quarter, month, week, day, weekday, hour, ... into columns."""
    moment = ctx.moment()
    return [_part(moment, p).alias(f"{ctx.column}_{p}") for p in ctx["parts"]]


def _other_moment(ctx: StepContext, mode_param: str = "since") -> pl.Expr:
    mode = ctx[mode_param]
    if mode == "now":
        return pl.lit(datetime.now().replace(microsecond=0)).cast(pl.Datetime("us"))
    if mode == "column":
        return ctx.moment(ctx["other"], "other_format")
    return pl.lit(ctx["date"]).str.to_datetime(time_unit="us")


def _since_check(params, types):  # type: ignore[no-untyped-def]
    if params.get("since") == "column" and not params.get("other"):
        return ("other", "is required when since is column")
    if params.get("since") == "date":
        try:
            datetime.fromisoformat(params.get("date") or "")
        except ValueError:
            return ("date", "must be an ISO date like 2024-03-04")
    return None


def months_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Return the whole months from start to end (negative when end is before)."""
    months = (end.dt.year() - start.dt.year()).cast(pl.Int64) * 12 + (
        end.dt.month().cast(pl.Int64) - start.dt.month().cast(pl.Int64)
    )
    start_rest = start - start.dt.truncate("1mo")
    end_rest = end - end.dt.truncate("1mo")
    short = (months > 0) & (end_rest < start_rest)
    over = (months < 0) & (end_rest > start_rest)
    return months - short.cast(pl.Int64) + over.cast(pl.Int64)


@register(
    "time_since",
    "dates",
    "Compute the time since",
    types=DATES,
    new_column="since",
    creates=True,
    params=(
        _FORMAT,
        Param("unit", "choice", default="days", choices=UNITS),
        Param("since", "choice", default="now", choices=("now", "date", "column")),
        Param("date", "string", description="an ISO date, when since is date"),
        Param("other", "column"),
        Param("other_format", "string", default="infer"),
    ),
    check=_since_check,
)
def time_since(ctx: StepContext) -> pl.Expr:
    """Count whole units from the date to now, a date or another column."""
    start, end = ctx.moment(), _other_moment(ctx)
    unit = ctx["unit"]
    if unit in ("years", "months"):
        months = months_between(start, end)
        return months // 12 if unit == "years" else months
    seconds = (end - start).dt.total_seconds()
    return (seconds // _SECONDS[unit]).cast(pl.Int64)


@register(
    "date_calculate",
    "dates",
    "Add or subtract time",
    types=DATES,
    new_column="calc",
    params=(
        _FORMAT,
        Param("operation", "choice", default="add", choices=("add", "subtract")),
        Param("amount", "integer", default=1, minimum=-MAX_AMOUNT, maximum=MAX_AMOUNT),
        Param("amount_column", "column", description="amounts from a column"),
        Param("unit", "choice", default="days", choices=UNITS),
    ),
)
def date_calculate(ctx: StepContext) -> pl.Expr:
    """Add or subtract years, months, days, hours, ... (constant or column)."""
    moment = ctx.moment()
    amount = (
        ctx.number(ctx["amount_column"]).cast(pl.Int64)
        if ctx["amount_column"]
        else pl.lit(ctx["amount"], pl.Int64)
    )
    if ctx["operation"] == "subtract":
        amount = -amount
    suffix = {"years": "y", "months": "mo", "days": "d", "hours": "h"}
    suffix |= {"minutes": "m", "seconds": "s"}
    shifted = moment.dt.offset_by(
        pl.concat_str([amount.cast(pl.String), pl.lit(suffix[ctx["unit"]])])
    )
    if ctx.dtype == pl.Date:
        return shifted.cast(pl.Date)
    if ctx.dtype == pl.String:
        fmt = ctx.date_format(ctx.column)
        return _keep_invalid(ctx, moment, shifted.dt.strftime(fmt or "%Y-%m-%d"))
    return shifted


@register(
    "compare_dates",
    "dates",
    "Compare dates",
    types=DATES,
    new_column="compare",
    creates=True,
    params=(
        _FORMAT,
        Param("op", "choice", default="eq", choices=COMPARISONS),
        Param("since", "choice", default="date", choices=("now", "date", "column")),
        Param("date", "string", description="an ISO date, when compared with a date"),
        Param("other", "column"),
        Param("other_format", "string", default="infer"),
    ),
    check=_since_check,
)
def compare_dates(ctx: StepContext) -> pl.Expr:
    """Compare with now, a date or another column to a boolean."""
    return compare(ctx.moment(), _other_moment(ctx), ctx["op"])


@register(
    "epoch_to_date",
    "dates",
    "Convert a timestamp to a date",
    types=NUMBER,
    new_column="date",
    params=(Param("unit", "choice", default="s", choices=("s", "ms")),),
)
def epoch_to_date(ctx: StepContext) -> pl.Expr:
    """Turn seconds (or milliseconds) since 1970-01-01 UTC into a datetime."""
    value = ctx.number().cast(pl.Int64)
    return pl.from_epoch(value, time_unit=ctx["unit"]).cast(pl.Datetime("us"))


@register(
    "convert_calendar",
    "dates",
    "Convert the calendar",
    new_column="calendar",
    params=(
        Param("from_calendar", "choice", default="iso", choices=calendars.CALENDARS),
        Param("to_calendar", "choice", required=True, choices=calendars.CALENDARS),
        _FORMAT,
    ),
)
def convert_calendar(ctx: StepContext) -> pl.Expr:
    """Convert dates between ISO, Hijri, Japanese, Minguo, Thai, day counts."""
    if ctx["from_calendar"] == "iso":
        days = ctx.moment().cast(pl.Date).cast(pl.Int64)
    else:
        days = calendars.to_epoch_day(ctx.text(), ctx["from_calendar"])
    if ctx["to_calendar"] == "iso":
        out = days.cast(pl.Date).dt.strftime("%Y-%m-%d")
    else:
        out = calendars.from_epoch_day(days, ctx["to_calendar"])
    return pl.when(days.is_null()).then(ctx.text()).otherwise(out)
