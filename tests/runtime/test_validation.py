"""Plans refused when saved: the node and the field at fault are named."""

from __future__ import annotations

import polars as pl
import pytest

from tcloud.runtime import ExpressionError, PlanError, check, validate
from tcloud.runtime.expressions import locate, parse
from tcloud.runtime.plan import FORMAT
from tests.runtime.factories import chain, destination, source, step


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("id,name,age\n1,ada,36\n2,bob,17\n")
    return path


def problems_of(people, tmp_path, *steps, edges=None):
    plan = chain(source("src", people), *steps, destination("out", tmp_path / "o.csv"))
    if edges is not None:
        plan["edges"] = edges
    return validate(plan)


def one(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_a_good_plan_has_no_problems(people, tmp_path):
    assert (
        problems_of(people, tmp_path, step("f", "filter", expression="age > 1")) == []
    )


def test_unknown_field_is_named_with_a_hint(people, tmp_path):
    problem = one(
        problems_of(
            people,
            tmp_path,
            step("f", "filter", conditions=[{"field": "agee", "op": ">", "value": 1}]),
        )
    )

    assert problem["node"] == "f"
    assert problem["field"] == "conditions[0].field"
    assert "unknown field 'agee'" in problem["message"]
    assert "did you mean 'age'" in problem["message"]


def test_unknown_field_after_a_rename_uses_the_flowing_schema(people, tmp_path):
    problem = one(
        problems_of(
            people,
            tmp_path,
            step("s", "select", rename={"age": "years"}),
            step("g", "aggregate", aggregations=[{"op": "sum", "field": "age"}]),
        )
    )

    assert (problem["node"], problem["field"]) == ("g", "aggregations[0].field")


def test_wrong_type_is_named(people, tmp_path):
    problem = one(
        problems_of(
            people,
            tmp_path,
            step("g", "aggregate", aggregations=[{"op": "avg", "field": "name"}]),
        )
    )

    assert (problem["node"], problem["field"]) == ("g", "aggregations[0].field")
    assert "is string, expected int" in problem["message"]


def test_value_of_the_wrong_type_is_named(people, tmp_path):
    problem = one(
        problems_of(
            people,
            tmp_path,
            step("f", "filter", conditions=[{"field": "age", "op": ">", "value": "x"}]),
        )
    )

    assert (problem["node"], problem["field"]) == ("f", "conditions[0].value")


def test_bad_expression_reports_its_position(people, tmp_path):
    problem = one(
        problems_of(
            people, tmp_path, step("c", "calculate", field="x", expression="age +* 2")
        )
    )

    assert problem["code"] == "expression_error"
    assert (problem["node"], problem["field"]) == ("c", "expression")
    assert problem["position"] == 6


def test_expression_with_unknown_field_points_at_it(people, tmp_path):
    problem = one(
        problems_of(
            people, tmp_path, step("c", "calculate", field="x", expression="age + wage")
        )
    )

    assert problem["position"] == 7
    assert "unknown field 'wage'" in problem["message"]


def test_only_the_first_fault_of_a_chain_is_told(people, tmp_path):
    problems = problems_of(
        people,
        tmp_path,
        step("a", "sort", by=["nope"]),
        step("b", "dedupe", fields=["also_nope"]),
    )

    assert [p["node"] for p in problems] == ["a"]


def test_cycles_are_refused(people, tmp_path):
    plan = {
        "format": FORMAT,
        "nodes": [
            source("src", people),
            step("a", "sort", by=["id"]),
            step("b", "sort", by=["id"]),
        ],
        "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}],
    }

    problem = one(validate(plan))

    assert "cycle" in problem["message"]


def test_dangling_edges_and_missing_inputs(people, tmp_path):
    dangling = chain(source("src", people), step("a", "sort", by=["id"]))
    dangling["edges"].append({"from": "ghost", "to": "a"})
    lonely = {
        "format": FORMAT,
        "nodes": [source("src", people), step("j", "join", on=["id"])],
        "edges": [{"from": "src", "to": "j", "port": "left"}],
    }

    assert "dangling" in one(validate(dangling))["message"]
    problem = one(validate(lonely))
    assert problem["node"] == "j"
    assert "port 'right'" in problem["message"]


def test_format_node_types_and_ports_are_checked(people):
    assert one(validate({"format": "x", "nodes": [], "edges": []}))["field"] == "format"
    unknown = chain(source("src", people), step("a", "teleport"))
    assert one(validate(unknown))["field"] == "type"
    wrong_port = chain(source("src", people), step("a", "sort", by=["id"]))
    wrong_port["edges"][0]["port"] = "left"
    assert one(validate(wrong_port))["field"] == "port"


def test_join_keys_of_different_types_are_refused(people, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("id,label\nx,y\n")
    plan = {
        "format": FORMAT,
        "nodes": [
            source("a", people),
            source("b", other),
            step("j", "join", on=["id"]),
        ],
        "edges": [
            {"from": "a", "to": "j", "port": "left"},
            {"from": "b", "to": "j", "port": "right"},
        ],
    }

    problem = one(validate(plan))

    assert (problem["node"], problem["field"]) == ("j", "on[0]")
    assert "int" in problem["message"] and "string" in problem["message"]


def test_source_that_cannot_be_read_is_named(tmp_path):
    plan = chain(source("src", tmp_path / "missing.csv"), step("a", "sort", by=["x"]))

    problem = one(validate(plan))

    assert (problem["node"], problem["field"]) == ("src", "dataset")


def test_destination_needs_a_known_format(people, tmp_path):
    plan = chain(source("src", people), destination("out", tmp_path / "o.xml", "xml"))

    assert one(validate(plan))["field"] == "dataset.format"


def test_bad_regex_is_refused(people, tmp_path):
    problem = one(
        problems_of(
            people,
            tmp_path,
            step(
                "f",
                "filter",
                conditions=[{"field": "name", "op": "matches", "value": "(unclosed"}],
            ),
        )  # fmt: skip
    )

    assert (problem["node"], problem["field"]) == ("f", "conditions[0].value")


def test_check_raises_the_first_problem(people, tmp_path):
    plan = chain(source("src", people), step("a", "sort", by=["nope"]))

    with pytest.raises(PlanError) as caught:
        check(plan)

    assert (caught.value.node_id, caught.value.field) == ("a", "by[0].field")


def test_parameters_left_open_do_not_fail_validation(people, tmp_path):
    plan = chain(source("src", people), destination("out", "${out_dir}/o.csv"))
    open_source = chain(source("src", "${in}/people.csv"), step("a", "sort", by=["x"]))

    assert validate(plan) == []
    assert one(validate(plan, params={}))["message"] == "unknown parameter 'out_dir'"
    assert validate(open_source) == []
    given = validate(open_source, params={"in": str(people.parent)})
    assert one(given)["field"] == "by[0].field"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("a +* 2", 4),
        ("a + ", 5),
        ("(a + 1", 7),
        ("a 1", 3),
        ("a = 'open", 5),
        ("a > 1 AND b IN (1, 2", 21),
        ("CASE WHEN a THEN 1", 19),
        ("a ==== 2", 5),
    ],
)
def test_expression_fault_positions(text, position):
    with pytest.raises(ExpressionError) as caught:
        parse(text, {"a": pl.Int64, "b": pl.Int64})

    assert caught.value.position == position
    assert locate(text) == position


@pytest.mark.parametrize(
    "text",
    [
        "a + 1",
        "CASE WHEN a > 1 THEN 'x' ELSE 'y' END",
        "a BETWEEN 1 AND 3 AND b IS NOT NULL",
        "b NOT IN (1, 2) OR NOT a = 2",
        "CAST(a AS VARCHAR) || 'z'",
        "coalesce(a, 0) * 2",
        "a::float / 2",
    ],
)
def test_good_expressions_parse(text):
    parse(text, {"a": pl.Int64, "b": pl.Int64})

    assert locate(text) is None


def test_expressions_are_never_python():
    with pytest.raises(ExpressionError):
        parse("__import__('os').system('true')", {"a": pl.Int64})


def test_a_source_fault_on_a_line_is_a_problem_with_that_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")

    problem = one(validate(chain(source("src", path), step("s", "sort", by=["a"]))))

    assert (problem["node"], problem["field"], problem["line"]) == ("src", "dataset", 3)


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("foo(a) + 1", 1, "unsupported function"),
        ("a + upper(b, 3)", 5, "no function matches"),
        ("a IN (SELECT 1)", 7, "subqueries"),
    ],
)
def test_refused_names_are_pointed_at(text, position, words):
    with pytest.raises(ExpressionError) as caught:
        parse(text, {"a": pl.Int64, "b": pl.String})

    assert caught.value.position == position
    assert words in str(caught.value)
