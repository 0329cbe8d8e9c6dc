"""Columns may bear the names the runtime uses inside its own queries."""

from __future__ import annotations

from tcloud.runtime import inspect


def test_columns_named_value_and_column_are_read(tmp_path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("id,column,value,variable\n1,a,2.5,x\n2,b,3,y\n")

    found = inspect({"kind": "file", "path": str(path), "format": "csv"})

    assert found["schema"] == {
        "id": "int", "column": "string", "value": "float", "variable": "string"
    }  # fmt: skip
    assert found["rows"][1] == {"id": 2, "column": "b", "value": 3.0, "variable": "y"}


def test_a_bad_json_line_is_named_in_a_full_run(tmp_path) -> None:
    import threading

    import pytest

    from tcloud.runtime import DataError, execute
    from tcloud.runtime.plan import FORMAT

    for count, line in ((2, 3), (3000, 3001)):
        path = tmp_path / f"orders{count}.jsonl"
        path.write_text("".join(f'{{"a": {i}}}\n' for i in range(count)) + "bad\n")
        spec = {"kind": "file", "path": str(path), "format": "jsonl",
                "name": "orders.jsonl"}  # fmt: skip
        out = {"kind": "file", "path": str(tmp_path / "out.csv")}
        plan = {
            "format": FORMAT,
            "nodes": [
                {"id": "src", "type": "source", "config": {"dataset": spec}},
                {"id": "d", "type": "destination", "config": {"dataset": out}},
            ],
            "edges": [{"from": "src", "to": "d"}],
        }
        with pytest.raises(DataError) as caught:
            execute(plan, {}, lambda event: None, threading.Event())
        assert f"line {line}: orders.jsonl is not valid JSON" in str(caught.value)


def test_a_csv_destination_may_guard_formulas(tmp_path) -> None:
    import threading

    from tcloud.runtime import execute
    from tcloud.runtime.plan import FORMAT

    (tmp_path / "notes.csv").write_text("id,note\n1,=SUM(A1:A2)\n2,-10\n3,@cmd\n4,ok\n")
    src = {"kind": "file", "path": str(tmp_path / "notes.csv")}
    outs = {}
    for guard in (False, True):
        path = tmp_path / f"out-{guard}.csv"
        out = {"kind": "file", "path": str(path), "options": {"formula_guard": guard}}
        plan = {
            "format": FORMAT,
            "nodes": [
                {"id": "src", "type": "source", "config": {"dataset": src}},
                {"id": "d", "type": "destination", "config": {"dataset": out}},
            ],
            "edges": [{"from": "src", "to": "d"}],
        }
        execute(plan, {}, lambda event: None, threading.Event())
        outs[guard] = path.read_text().splitlines()[1:]

    assert outs[False] == ["1,=SUM(A1:A2)", "2,-10", "3,@cmd", "4,ok"]
    assert outs[True] == ["1,'=SUM(A1:A2)", "2,-10", "3,'@cmd", "4,ok"]


def test_an_empty_convert_says_to_add_a_field(tmp_path) -> None:
    from tcloud.runtime import validate
    from tcloud.runtime.plan import FORMAT

    (tmp_path / "a.csv").write_text("id\n1\n")
    plan = {
        "format": FORMAT,
        "nodes": [
            {"id": "s", "type": "source",
             "config": {"dataset": {"kind": "file", "path": str(tmp_path / "a.csv")}}},
            {"id": "c", "type": "convert", "config": {"fields": {}}},
        ],
        "edges": [{"from": "s", "to": "c"}],
    }  # fmt: skip

    problems = validate(plan)

    assert {"node": "c", "field": "fields", "message": "add a field to convert"} in [
        {k: p[k] for k in ("node", "field", "message")} for p in problems
    ]
