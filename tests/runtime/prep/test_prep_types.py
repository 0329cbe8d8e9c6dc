"""Type inference, quality counts, profiles, suggestions and filters."""

from __future__ import annotations

import polars as pl
import pytest

from tcloud.runtime.prep import (
    ColumnType,
    compile_filter,
    infer_type,
    infer_types,
    profile,
    quality,
    suggest,
)
from tcloud.runtime.prep.clusters import cluster, mapping_of, soundex


def test_iso_dates_stay_iso_even_when_days_are_small() -> None:
    found = infer_type(pl.Series(["2024-03-04", "2024-01-02", "2024-12-01"]))

    assert found == ColumnType("date", "%Y-%m-%d")


def test_slash_dates_are_decided_from_all_values() -> None:
    found = infer_type(pl.Series(["03/04/2024", "05/06/2024", "25/12/2024"]))

    assert found == ColumnType("date", "%d/%m/%Y")


def test_month_first_wins_when_a_month_first_value_proves_it() -> None:
    found = infer_type(pl.Series(["03/04/2024", "12/25/2024"]))

    assert found == ColumnType("date", "%m/%d/%Y")


def test_ambiguous_dates_get_no_format_and_both_candidates() -> None:
    found = infer_type(pl.Series(["03/04/2024", "05/06/2024"]))

    assert found.name == "date"
    assert found.format is None
    assert found.ambiguous == ("%d/%m/%Y", "%m/%d/%Y")


def test_a_flip_flop_column_never_mixes_readings() -> None:
    values = pl.Series(["13/01/2024", "14/01/2024", "01/13/2024"])

    found = infer_type(values)
    counts = quality(values.to_frame("d"), {"d": found})["d"]

    assert found.format == "%d/%m/%Y"
    assert counts == {"valid": 2, "invalid": 1, "empty": 0}


@pytest.mark.parametrize(
    ("values", "name"),
    [
        (["1", " 2 ", None, ""], "integer"),
        (["1", "2.5", "-3e2"], "decimal"),
        (["true", "False"], "boolean"),
        (["x", "y", "1"], "string"),
        (["a", "1"], "integer"),
        ([None, ""], "string"),
        (["2024-03-04 10:11:12"], "datetime"),
        (["4 Mar 2024", "12 Dec 2023"], "date"),
    ],
)
def test_dominant_type_of_non_empty_values(values, name) -> None:
    assert infer_type(pl.Series(values, dtype=pl.String)).name == name


def test_typed_columns_keep_their_type() -> None:
    df = pl.DataFrame({"i": [1], "f": [1.5], "b": [True]})

    assert {k: v.name for k, v in infer_types(df).items()} == {
        "i": "integer",
        "f": "decimal",
        "b": "boolean",
    }


def test_quality_counts_valid_invalid_empty() -> None:
    df = pl.DataFrame(
        {"n": ["1", "x", None, " ", "3"], "s": ["a", None, "b", "c", "d"]}
    )

    counts = quality(df, {"n": "integer"})

    assert counts["n"] == {"valid": 2, "invalid": 1, "empty": 2}
    assert counts["s"] == {"valid": 4, "invalid": 0, "empty": 1}


def test_profile_of_a_number_column() -> None:
    df = pl.DataFrame({"n": ["1", "2", "2", "3", "x", None] + ["10"]})

    result = profile(df, "n", "integer")

    assert result["min"] == 1 and result["max"] == 10
    assert result["mean"] == pytest.approx(18 / 5)
    assert result["quantiles"]["0.5"] == 2
    assert result["distinct"] == 5 and result["duplicates"] == 1
    assert result["top_values"][0] == {"value": "2", "count": 2}
    assert sum(b["count"] for b in result["histogram"]) == 5
    assert {"value": "9", "count": 4} in result["patterns"]


def test_profile_of_a_date_column_has_a_histogram() -> None:
    df = pl.DataFrame({"d": ["01/02/2024", "15/02/2024", "28/02/2024"]})

    result = profile(df, "d")

    assert result["type"]["format"] == "%d/%m/%Y"
    assert result["min"].startswith("2024-02-01")
    assert result["max"].startswith("2024-02-28")
    assert len(result["histogram"]) == 10


def test_profile_patterns_show_shapes() -> None:
    df = pl.DataFrame({"c": ["AB-12", "CD-34", "ef-5"]})

    patterns = profile(df, "c", "string")["patterns"]

    assert patterns[0] == {"value": "AA-99", "count": 2}


def test_suggest_trim_for_stray_spaces() -> None:
    df = pl.DataFrame({"c": [" a", "b ", "c"]})

    assert suggest(df, "c")[0]["function"] == "trim"


def test_suggest_fill_or_delete_for_empty_and_invalid() -> None:
    df = pl.DataFrame({"n": ["1", "2", "x", None, "4"]})

    names = [s["function"] for s in suggest(df, "n", "integer")]

    assert {"clear_invalid", "delete_invalid_rows", "fill_empty"} <= set(names)
    assert len(names) <= 5


def test_suggest_iso_for_day_first_dates() -> None:
    df = pl.DataFrame({"d": ["13/01/2024", "14/01/2024"]})

    steps = suggest(df, "d")

    assert steps[0]["function"] == "change_date_pattern"
    assert steps[0]["params"]["format"] == "%d/%m/%Y"


def test_suggested_steps_apply() -> None:
    from tcloud.runtime.prep import apply

    df = pl.DataFrame({"n": [" 1", "2", "x", None]})
    steps = [dict(s, id=str(i)) for i, s in enumerate(suggest(df, "n", "integer"))]

    for s in steps:
        s.pop("reason"), s.pop("score")
        apply(df.lazy(), [s]).collect()


FILTER_DATA = pl.DataFrame(
    {
        "name": ["Anne", "bob", None, "Céline", " "],
        "age": ["34", "x", "51", "18", None],
        "code": ["AB12", "ab12", "A1", "ZZ99", "AB"],
    }
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"column": "name", "op": "contains", "value": "NN"}, [0]),
        (
            {"column": "name", "op": "contains", "value": "NN", "case_sensitive": True},
            [],
        ),
        ({"column": "name", "op": "equals", "value": "bob"}, [1]),
        ({"column": "age", "op": "range", "min": 20, "max": 60}, [0, 2]),
        ({"column": "age", "op": "range", "min": 20}, [0, 2]),
        ({"column": "code", "op": "pattern", "value": "AA99"}, [0, 3]),
        ({"column": "code", "op": "matches", "value": "^[a-z]"}, [1]),
        ({"column": "name", "op": "empty"}, [2, 4]),
        ({"column": "age", "op": "invalid", "type": "integer"}, [1]),
        ({"column": "age", "op": "valid", "type": "integer"}, [0, 2, 3]),
        ({"column": "code", "op": "in", "values": ["A1", "AB"]}, [2, 4]),
        (
            {
                "and": [
                    {"column": "age", "op": "valid", "type": "integer"},
                    {"not": {"column": "name", "op": "empty"}},
                ]
            },
            [0, 3],
        ),
        (
            {
                "or": [
                    {"column": "name", "op": "empty"},
                    {"column": "code", "op": "pattern", "value": "aa99"},
                ]
            },
            [1, 2, 4],
        ),
    ],
)
def test_filters(spec, expected) -> None:
    mask = compile_filter(spec, FILTER_DATA.schema)

    rows = FILTER_DATA.with_row_index("i").filter(mask).get_column("i").to_list()

    assert rows == expected


def test_date_range_filter() -> None:
    df = pl.DataFrame({"d": ["01/02/2024", "15/03/2024", "bad"]})
    spec = {
        "column": "d",
        "op": "range",
        "min": "2024-03-01",
        "type": {"type": "date", "format": "%d/%m/%Y"},
    }

    assert df.filter(compile_filter(spec, df.schema)).height == 1


def test_bad_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="op"):
        compile_filter({"column": "name", "op": "like"}, FILTER_DATA.schema)


def test_clusters_propose_a_survivor() -> None:
    df = pl.DataFrame({"c": ["Paris", "paris", "Paris", "PARIS!", "Lyon", None]})

    found = cluster(df, "c")

    assert len(found) == 1
    assert found[0]["survivor"] == "Paris"
    assert mapping_of(found) == {"paris": "Paris", "PARIS!": "Paris"}


def test_phonetic_clusters() -> None:
    df = pl.DataFrame({"c": ["Robert", "Rupert", "Smith", "Smyth", "Smith"]})

    found = cluster(df, "c", "phonetic")

    assert soundex("Robert") == soundex("Rupert") == "R163"
    assert [c["survivor"] for c in found] == ["Smith", "Robert"]


def test_a_profile_of_datetimes_drops_a_zero_fraction() -> None:
    from datetime import datetime

    import polars as pl

    from tcloud.runtime.prep import profile

    df = pl.DataFrame({"t": [datetime(2023, 12, 31, 10, 30), datetime(2024, 1, 1)]})

    found = profile(df, "t")

    assert found["min"] == "2023-12-31T10:30:00"
    assert found["max"] == "2024-01-01T00:00:00"


def test_suggest_number_and_date_formats_first_in_plain_words() -> None:
    import polars as pl

    from tcloud.runtime.prep import suggest

    df = pl.DataFrame({
        "e": ["1.234,56", "2.000,00", "15,5", None, "12"],
        "d": ["31/12/2023", "15/01/2024", "01/02/2024", "x", None],
        "n": ["12", "13", "1", "2", None],
    })  # fmt: skip

    european, dates, plain = (suggest(df, c) for c in ("e", "d", "n"))

    assert european[0]["function"] == "change_number_format"
    assert european[0]["params"] == {"from_format": "european", "to_format": "us"}
    assert dates[0]["function"] == "change_date_pattern"
    assert "change_number_format" not in {s["function"] for s in plain}
    assert plain[0]["reason"] == "1 of 5 cells have no value"
    assert plain[0]["label"] == "Fill the empty cells"
    assert not any("empty empty" in s["label"] + " " + s["reason"] for s in plain)
