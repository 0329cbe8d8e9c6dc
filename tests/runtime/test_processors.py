"""Every processor on a small table, with the output it must give."""

from __future__ import annotations

import datetime as dt
import sys
import types

import polars as pl
import pytest

from tcloud.runtime import PlanError
from tcloud.runtime.compiler import compile
from tcloud.runtime.preview import frames
from tests.runtime.factories import chain, last, run_steps, source, step

PEOPLE = pl.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "name": ["  ada ", "Bob", "cy", None, "Dee"],
        "city": ["Paris", "Lyon", "Paris", "Nice", ""],
        "age": [36, 17, 52, 41, None],
        "tags": ["a,b", "b", None, "a, c,", ""],
    }
)


def ids(frame: pl.DataFrame) -> list[int]:
    return frame["id"].to_list()


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "age", "op": ">", "value": 40}, [3, 4]),
        ({"field": "age", "op": ">=", "value": "41"}, [3, 4]),
        ({"field": "age", "op": "<", "value": 36}, [2]),
        ({"field": "age", "op": "<=", "value": 36}, [1, 2]),
        ({"field": "city", "op": "=", "value": "Paris"}, [1, 3]),
        ({"field": "city", "op": "!=", "value": "Paris"}, [2, 4, 5]),
        ({"field": "name", "op": "contains", "value": "e"}, [5]),
        ({"field": "city", "op": "starts_with", "value": "P"}, [1, 3]),
        ({"field": "city", "op": "ends_with", "value": "on"}, [2]),
        ({"field": "city", "op": "is_empty"}, [5]),
        ({"field": "name", "op": "is_empty"}, [4]),
        ({"field": "age", "op": "is_not_empty"}, [1, 2, 3, 4]),
        ({"field": "name", "op": "matches", "value": "^[A-Z]"}, [2, 5]),
        ({"field": "city", "op": "in", "value": ["Nice", "Lyon"]}, [2, 4]),
        ({"field": "id", "op": "in", "value": [1, 5]}, [1, 5]),
    ],
)
def test_filter_operators(condition, expected):
    out = last(PEOPLE, step("f", "filter", conditions=[condition]))

    assert ids(out) == expected


def test_filter_groups_combine_all_and_any():
    conditions = [
        {"field": "city", "op": "=", "value": "Paris"},
        {
            "match": "any",
            "conditions": [
                {"field": "age", "op": ">", "value": 50},
                {"field": "name", "op": "contains", "value": "a"},
            ],
        },
    ]

    out = last(PEOPLE, step("f", "filter", match="all", conditions=conditions))

    assert ids(out) == [1, 3]


def test_filter_any_at_the_top():
    conditions = [
        {"field": "age", "op": "<", "value": 18},
        {"field": "city", "op": "=", "value": "Nice"},
    ]

    out = last(PEOPLE, step("f", "filter", match="any", conditions=conditions))

    assert ids(out) == [2, 4]


def test_filter_raw_expression_and_rejects():
    outputs = run_steps(
        PEOPLE,
        step("f", "filter", expression="age > 18 AND city <> 'Lyon'", reject=True),
    )
    with_rejects = frames(
        chain(source("in", "x.csv"), step("f", "filter", expression="age > 40")),
        {"in": PEOPLE},
    )

    assert ids(outputs["f"]) == [1, 3, 4]
    assert ids(with_rejects["f"]) == [3, 4]


def test_filter_date_values_are_parsed_for_date_fields():
    frame = pl.DataFrame(
        {"id": [1, 2], "d": [dt.date(2024, 1, 1), dt.date(2025, 1, 1)]}
    )

    out = last(frame, step("f", "filter", conditions=[
        {"field": "d", "op": ">=", "value": "2024-06-01"}]))  # fmt: skip

    assert ids(out) == [2]


def test_select_keep_drop_rename_reorder():
    out = last(
        PEOPLE,
        step(
            "s",
            "select",
            keep=["id", "name", "city", "age"],
            drop=["age"],
            rename={"name": "who"},
            order=["city"],
        ),
    )

    assert out.columns == ["city", "id", "who"]
    assert out["who"].to_list() == PEOPLE["name"].to_list()


def test_convert_types_and_rejects():
    frame = pl.DataFrame(
        {
            "n": ["1", "x", "3", None],
            "when": ["31/01/2024", "01/02/2024", "bad", "02/02/2024"],
            "ok": ["yes", "no", "true", "0"],
        }
    )
    nodes = [
        source("in", "x.csv"),
        step(
            "c",
            "convert",
            fields={
                "n": "int",
                "when": {"to": "date", "format": "%d/%m/%Y"},
                "ok": "bool",
            },
        ),
    ]

    with compile(chain(*nodes), samples={"in": frame}) as compiled:
        good, bad = pl.collect_all([compiled.frame("c"), compiled.steps["c"].reject])

    assert good.rows() == [
        (1, dt.date(2024, 1, 31), True),
        (None, dt.date(2024, 2, 2), False),
    ]
    assert bad["reason"].to_list() == [
        "n: cannot convert 'x' to int",
        "when: cannot convert 'bad' to date",
    ]
    assert bad["n"].to_list() == ["x", "3"]


def test_convert_dates_to_text_with_a_format():
    frame = pl.DataFrame({"d": [dt.date(2024, 1, 31)]})

    wanted = {"d": {"to": "string", "format": "%d.%m.%Y"}}

    out = last(frame, step("c", "convert", fields=wanted))

    assert out["d"].to_list() == ["31.01.2024"]


def test_calculated_fields():
    out = last(
        PEOPLE,
        step("c", "calculate", field="next", expression="age + 1"),
        step(
            "d",
            "calculate",
            fields=[
                {"field": "label", "expression": "upper(city) || '-' || id"},
                {"field": "adult", "expression": "next > 18"},
            ],
        ),
    )

    assert out["next"].to_list() == [37, 18, 53, 42, None]
    assert out["label"].to_list()[:2] == ["PARIS-1", "LYON-2"]
    assert out["adult"].to_list() == [True, False, True, True, None]


def test_aggregate_every_operation():
    frame = pl.DataFrame(
        {
            "g": ["a", "b", "a", "a", "b"],
            "v": [1, 2, 3, None, 5],
            "k": ["x", "y", "x", "z", None],
        }
    )
    aggregations = [
        {"op": "count", "as": "rows"},
        {"op": "count", "field": "v", "as": "values"},
        {"op": "sum", "field": "v"},
        {"op": "avg", "field": "v"},
        {"op": "min", "field": "v"},
        {"op": "max", "field": "v"},
        {"op": "count_distinct", "field": "k"},
    ]

    out = last(frame, step("a", "aggregate", group_by=["g"], aggregations=aggregations))

    assert out.to_dicts() == [
        {"g": "a", "rows": 3, "values": 2, "sum_v": 4, "avg_v": 2.0, "min_v": 1,
         "max_v": 3, "count_distinct_k": 2},
        {"g": "b", "rows": 2, "values": 2, "sum_v": 7, "avg_v": 3.5, "min_v": 2,
         "max_v": 5, "count_distinct_k": 1},
    ]  # fmt: skip


def test_aggregate_without_groups_gives_one_row():
    out = last(PEOPLE, step("a", "aggregate", aggregations=[{"op": "count"}]))

    assert out.to_dicts() == [{"count": 5}]


def _joined(how: str, **config) -> pl.DataFrame:
    cities = pl.DataFrame({"city": ["Paris", "Lyon"], "country": ["FR", "FR"]})
    plan = {
        "format": "tcloud.pipeline/1",
        "nodes": [
            source("people", "p.csv"),
            source("cities", "c.csv"),
            step("j", "join", how=how, **config),
        ],
        "edges": [
            {"from": "people", "to": "j", "port": "left"},
            {"from": "cities", "to": "j", "port": "right"},
        ],
    }
    return frames(plan, {"people": PEOPLE, "cities": cities})["j"]


def test_join_inner_and_left():
    inner = _joined("inner", on=["city"])
    left = _joined("left", on=["city"])

    assert ids(inner) == [1, 2, 3]
    assert inner["country"].to_list() == ["FR", "FR", "FR"]
    assert ids(left) == [1, 2, 3, 4, 5]
    assert left["country"].to_list() == ["FR", "FR", "FR", None, None]


def test_join_on_differently_named_keys():
    out = _joined("inner", left_on=["city"], right_on=["city"])

    assert ids(out) == [1, 2, 3]


def test_sort_by_several_keys_with_nulls():
    out = last(
        PEOPLE,
        step(
            "s",
            "sort",
            by=[{"field": "city"}, {"field": "age", "order": "desc", "nulls": "first"}],
        ),
    )

    assert ids(out) == [5, 2, 4, 3, 1]


def test_deduplicate_keeps_first_or_last():
    frame = pl.DataFrame({"k": ["a", "b", "a", "b"], "v": [1, 2, 3, 4]})

    first = last(frame, step("d", "dedupe", fields=["k"], keep="first"))
    latest = last(frame, step("d", "dedupe", fields=["k"], keep="last"))
    whole = last(pl.concat([frame, frame]), step("d", "dedupe"))

    assert first["v"].to_list() == [1, 2]
    assert sorted(latest["v"].to_list()) == [3, 4]
    assert whole.equals(frame)


def test_string_cleaning_operations_in_order():
    frame = pl.DataFrame({"s": ["  hello   wide  world ", "St. JOHN", None]})
    operations = [
        "trim",
        "collapse_spaces",
        {"op": "replace", "find": "St.", "with": "Saint"},
        {"op": "replace", "find": "o+", "with": "0", "regex": True},
        "title",
    ]

    out = last(frame, step("c", "clean", fields=["s"], operations=operations))

    # polars' title case starts a word after a digit: "W0Rld".
    assert out["s"].to_list() == ["Hell0 Wide W0Rld", "Saint John", None]


@pytest.mark.parametrize(("op", "expected"), [("upper", "AB C"), ("lower", "ab c")])
def test_string_case(op, expected):
    frame = pl.DataFrame({"s": ["aB c"]})

    out = last(frame, step("c", "clean", fields=["s"], operations=[op]))

    assert out["s"].to_list() == [expected]


def test_split_a_field_into_rows():
    out = last(PEOPLE, step("s", "split", field="tags", separator=","))

    assert list(zip(ids(out), out["tags"].to_list(), strict=True)) == [
        (1, "a"), (1, "b"), (2, "b"), (3, None), (4, "a"), (4, "c"), (5, None),
    ]  # fmt: skip


def test_prepare_delegates_to_dataprep(monkeypatch):
    fake = types.ModuleType("tcloud.runtime.prep")
    fake.apply = lambda lf, steps: lf.with_columns(pl.lit(len(steps)).alias("n"))
    monkeypatch.setitem(sys.modules, "tcloud.runtime.prep", fake)

    out = last(PEOPLE, step("p", "prepare", steps=[{"function": "x"}]))

    assert out["n"].to_list() == [1] * 5


def test_prepare_errors_name_the_node(monkeypatch):
    fake = types.ModuleType("tcloud.runtime.prep")

    def apply(lf, steps):
        raise ValueError("unknown function 'nope'")

    fake.apply = apply
    monkeypatch.setitem(sys.modules, "tcloud.runtime.prep", fake)

    with pytest.raises(PlanError) as caught:
        last(PEOPLE, step("p", "prepare", steps=[{"function": "nope"}]))

    assert (caught.value.node_id, caught.value.field) == ("p", "steps")
    assert "unknown function" in str(caught.value)


def test_prepare_with_the_real_dataprep_functions():
    pytest.importorskip("tcloud.runtime.prep.engine")
    steps = [{"id": "s1", "function": "upper_case", "column": "city"}]

    out = last(PEOPLE, step("p", "prepare", steps=steps))

    assert out["city"].to_list() == ["PARIS", "LYON", "PARIS", "NICE", ""]


def test_prepare_names_the_step_of_a_bad_dataprep_step():
    pytest.importorskip("tcloud.runtime.prep.engine")
    steps = [
        {"id": "s1", "function": "upper_case", "column": "city"},
        {"id": "s2", "function": "upper_case", "column": "nope"},
    ]

    with pytest.raises(PlanError) as caught:
        last(PEOPLE, step("p", "prepare", steps=steps))

    assert caught.value.node_id == "p"
    assert caught.value.field.startswith("steps[1]")


def test_reject_reason_does_not_clash_with_a_field_named_reason():
    frame = pl.DataFrame({"n": ["1", "x"], "reason": ["a", "b"]})
    nodes = [source("in", "x.csv"), step("c", "convert", fields={"n": "int"})]

    with compile(chain(*nodes), samples={"in": frame}) as compiled:
        bad = compiled.steps["c"].reject.collect()

    assert bad.columns == ["n", "reason", "_reason"]
    assert bad.row(0) == ("x", "b", "n: cannot convert 'x' to int")


def test_calculated_decimal_literals_give_floats():
    out = last(PEOPLE, step("c", "calculate", field="x", expression="age * 1.5"))

    assert out.schema["x"] == pl.Float64
    assert out["x"].to_list()[:2] == [54.0, 25.5]
