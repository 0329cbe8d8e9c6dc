"""Calendar conversions as integer arithmetic on the epoch day.

Every calendar is read into days since 1970-01-01 and written from it. The
Hijri calendar is the tabular (arithmetic) Islamic calendar; Japanese dates
are written "Reiwa 6-03-04" with the era name in English.
"""

from __future__ import annotations

from datetime import date

import polars as pl

CALENDARS = (
    "iso",
    "hijri",
    "japanese",
    "minguo",
    "thai_buddhist",
    "julian_day",
    "modified_julian_day",
    "rata_die",
    "epoch_day",
)
# epoch day + offset gives the count of that system
DAY_COUNTS = {
    "julian_day": 2440588,
    "modified_julian_day": 40587,
    "rata_die": 719163,
    "epoch_day": 0,
}
YEAR_SHIFTS = {"minguo": -1911, "thai_buddhist": 543}
ERAS = (
    ("Reiwa", date(2019, 5, 1)),
    ("Heisei", date(1989, 1, 8)),
    ("Showa", date(1926, 12, 25)),
    ("Taisho", date(1912, 7, 30)),
    ("Meiji", date(1868, 1, 25)),
)
_JD_EPOCH = 2440588


def to_epoch_day(text: pl.Expr, calendar: str) -> pl.Expr:
    """Return days since 1970-01-01 of text written in a calendar."""
    if calendar in DAY_COUNTS:
        days = text.str.strip_chars().cast(pl.Float64, strict=False).floor()
        return (days - DAY_COUNTS[calendar]).cast(pl.Int64)
    if calendar == "hijri":
        y, m, d = _ymd(text)
        jd = (11 * y + 3) // 30 + 354 * y + 30 * m - (m - 1) // 2 + d + 1948440 - 385
        return jd - _JD_EPOCH
    if calendar == "japanese":
        return _from_japanese(text)
    y, m, d = _ymd(text)
    y = y - YEAR_SHIFTS.get(calendar, 0)
    return pl.date(y, m, d).cast(pl.Int64)


def from_epoch_day(days: pl.Expr, calendar: str) -> pl.Expr:
    """Write days since 1970-01-01 in a calendar (text)."""
    if calendar in DAY_COUNTS:
        return (days + DAY_COUNTS[calendar]).cast(pl.String)
    day = days.cast(pl.Date)
    if calendar == "hijri":
        return _to_hijri(days + _JD_EPOCH)
    if calendar == "japanese":
        return _to_japanese(day)
    year = day.dt.year() + YEAR_SHIFTS.get(calendar, 0)
    return pl.concat_str([year.cast(pl.String).str.zfill(4), day.dt.strftime("-%m-%d")])


def _ymd(text: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    pattern = r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$"
    return tuple(  # type: ignore[return-value]
        text.str.extract(pattern, i).cast(pl.Int64) for i in (1, 2, 3)
    )


def _to_hijri(jd: pl.Expr) -> pl.Expr:
    lv = jd - 1948440 + 10632
    n = (lv - 1) // 10631
    lv = lv - 10631 * n + 354
    j = ((10985 - lv) // 5316) * ((50 * lv) // 17719) + (lv // 5670) * (
        (43 * lv) // 15238
    )
    lv = (
        lv
        - ((30 - j) // 15) * ((17719 * j) // 50)
        - (j // 16) * ((15238 * j) // 43)
        + 29
    )
    m = (24 * lv) // 709
    d = lv - (709 * m) // 24
    y = 30 * n + j - 30
    return pl.concat_str(
        [
            y.cast(pl.String).str.zfill(4),
            pl.lit("-"),
            m.cast(pl.String).str.zfill(2),
            pl.lit("-"),
            d.cast(pl.String).str.zfill(2),
        ]
    )


def _to_japanese(day: pl.Expr) -> pl.Expr:
    result = pl.lit(None, pl.String)
    for name, start in reversed(ERAS):
        era_year = day.dt.year() - start.year + 1
        text = pl.concat_str(
            [pl.lit(f"{name} "), era_year.cast(pl.String), day.dt.strftime("-%m-%d")]
        )
        result = pl.when(day >= pl.lit(start)).then(text).otherwise(result)
    return result


def _from_japanese(text: pl.Expr) -> pl.Expr:
    pattern = r"^\s*([A-Za-z]+)\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{1,2})\s*$"
    era = text.str.extract(pattern, 1).str.to_titlecase()
    offsets = {name: start.year - 1 for name, start in ERAS}
    base = era.replace_strict(offsets, default=None, return_dtype=pl.Int64)
    y = text.str.extract(pattern, 2).cast(pl.Int64) + base
    m = text.str.extract(pattern, 3).cast(pl.Int64)
    d = text.str.extract(pattern, 4).cast(pl.Int64)
    return pl.date(y, m, d).cast(pl.Int64)
