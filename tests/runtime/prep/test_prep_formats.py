"""Number formats read and written, and dates re-patterned from one format."""

from __future__ import annotations

import polars as pl
import pytest

from tcloud.runtime.prep import ColumnType, PrepError, infer_type
from tcloud.runtime.prep.context import strftime_pattern
from tcloud.runtime.prep.numformat import custom_pattern, parse_number, separators
from tests.runtime.prep.helpers import run, step


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("us", "1,234,567.89", 1234567.89),
        ("european", "1.234.567,89", 1234567.89),
        ("swiss", "1'234'567.89", 1234567.89),
        ("french", "1 234 567,89", 1234567.89),
        ("european", "-0,5", -0.5),
        ("us", "12", 12.0),
        ("us", "1.2.3", None),
        ("us", "abc", None),
    ],
)
def test_parse_number_formats(name, text, value) -> None:
    thousands, decimal = separators(name, None, None)

    parsed = pl.DataFrame({"v": [text]}).select(
        parse_number(pl.col("v"), thousands, decimal)
    )

    assert parsed.item() == value


def test_custom_separators() -> None:
    params = {
        "from_format": "custom",
        "from_thousands": "_",
        "from_decimal": ":",
        "to_format": "custom",
        "to_thousands": ".",
        "to_decimal": ",",
    }

    result = run({"a": ["1_234:5"]}, step("change_number_format", params=params))

    assert result.item() == "1.234,5"


def test_number_format_from_a_float_column() -> None:
    result = run(
        {"a": [1234567.5, -0.25, None]},
        step("change_number_format", params={"to_format": "european"}),
    )

    assert result.get_column("a").to_list() == ["1.234.567,5", "-0,25", None]


def test_number_format_keeps_every_digit_without_fixed_decimals() -> None:
    value = "123456789012345678901234567890.123456789"

    result = run(
        {"a": [value]}, step("change_number_format", params={"to_format": "swiss"})
    )

    assert result.item() == "123'456'789'012'345'678'901'234'567'890.123456789"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("#,##0.00", (",", ".", 2)), ("# ##0,0", (" ", ",", 1)), ("0.000", ("", ".", 3))],
)
def test_custom_patterns(pattern, expected) -> None:
    assert custom_pattern(pattern) == expected


def test_bad_pattern_names_the_parameter() -> None:
    with pytest.raises(PrepError) as caught:
        run({"a": ["1"]}, step("change_number_format", params={"pattern": "x#y#z"}))

    assert caught.value.parameter == "pattern"


def test_java_and_strftime_patterns() -> None:
    assert strftime_pattern("yyyy-MM-dd'T'HH:mm:ss") == "%Y-%m-%dT%H:%M:%S"
    assert strftime_pattern("dd MMM yy") == "%d %b %y"
    assert strftime_pattern("%d/%m/%Y") == "%d/%m/%Y"


def test_iso_dates_are_never_read_day_first() -> None:
    data = {"a": ["2024-03-04", "2024-04-03"]}

    result = run(data, step("change_date_pattern", params={"pattern": "dd MMMM yyyy"}))

    assert result.get_column("a").to_list() == ["04 March 2024", "03 April 2024"]


def test_inferred_format_is_one_for_the_whole_column() -> None:
    data = {"a": ["01/02/2024", "03/04/2024", "31/12/2024"]}

    result = run(data, step("change_date_pattern", params={"pattern": "yyyy-MM-dd"}))

    assert result.get_column("a").to_list() == [
        "2024-02-01",
        "2024-04-03",
        "2024-12-31",
    ]


def test_ambiguous_column_needs_a_chosen_format() -> None:
    data = {"a": ["01/02/2024", "03/04/2024"]}
    chosen = step(
        "change_date_pattern", params={"pattern": "yyyy-MM-dd", "format": "MM/dd/yyyy"}
    )

    with pytest.raises(PrepError) as caught:
        run(data, step("change_date_pattern", params={"pattern": "yyyy-MM-dd"}))

    assert caught.value.parameter == "format"
    assert run(data, chosen).get_column("a").to_list() == ["2024-01-02", "2024-03-04"]


def test_two_digit_years_and_month_names() -> None:
    assert infer_type(pl.Series(["25/12/24", "01/01/25"])) == ColumnType(
        "date", "%d/%m/%y"
    )
    assert infer_type(pl.Series(["March 4, 2024"])) == ColumnType("date", "%B %d, %Y")


def test_freeze_fixes_the_inferred_format_in_the_step() -> None:
    from tcloud.runtime.prep import freeze

    sample = pl.DataFrame({"a": ["13/01/2024", "02/03/2024"], "n": ["1", "2"]})
    added = step("extract_date_parts", params={"parts": ["month"]})

    frozen = freeze(added, sample)

    assert frozen["params"]["format"] == "%d/%m/%Y"
    later = pl.DataFrame({"a": ["02/03/2024"], "n": ["1"]})
    assert run(later, frozen).get_column("a_month").to_list() == [3]
    assert freeze(step("trim", "n"), sample)["params"] == {}


def test_freeze_refuses_ambiguous_dates() -> None:
    from tcloud.runtime.prep import freeze

    sample = pl.DataFrame({"a": ["01/02/2024"]})

    with pytest.raises(PrepError) as caught:
        freeze(step("change_date_pattern", params={"pattern": "%Y"}), sample)

    assert caught.value.parameter == "format"
