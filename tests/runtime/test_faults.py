"""What a first user met: faults in files and plans, each said plainly."""

from __future__ import annotations

import json

import pytest

from tcloud.runtime import ReadError, inspect, sample, sniff, validate
from tcloud.runtime.errors import DataError, PlanError
from tcloud.runtime.plan import FORMAT
from tests.runtime.factories import chain, destination, run, source, step

UNCLOSED = (
    b"id,name,zip,score,day\n"
    b"1,a,01234,1.0,2024-01-01\n"
    b"2,b,02345,2.0,2024-01-02\n"
    b'3,"unterminated,03456,3.0,2024-01-03\n'
    b"4,d,04567,4.0,2024-01-04\n"
)
OPENS = "line 4: a quote opens here and is never closed"


def test_unclosed_quote_is_named_at_sniff_and_sample(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(UNCLOSED)

    with pytest.raises(ReadError) as sniffed:
        sniff(path)
    with pytest.raises(ReadError) as sampled:
        sample({"kind": "file", "path": str(path)})

    assert str(sniffed.value) == OPENS
    assert str(sampled.value) == OPENS


def test_unclosed_quote_is_named_in_a_full_run(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(UNCLOSED)
    plan = chain(source("src", path), destination("out", tmp_path / "o.csv"))

    with pytest.raises(DataError, match=OPENS):
        run(plan)


def test_unclosed_quote_past_the_head_is_named_in_a_full_run(tmp_path):
    path = tmp_path / "long.csv"
    rows = b"".join(b"%d,name\n" % i for i in range(2, 20_000))
    path.write_bytes(b"id,name\n" + rows + b'20000,"open\n20001,x\n')
    types = {"id": "int", "name": "string"}
    plan = chain(
        source("src", path, delimiter=",", header=True, encoding="utf-8", types=types),
        destination("out", tmp_path / "o.csv"),
    )

    with pytest.raises(ReadError) as caught:
        run(plan)

    assert str(caught.value) == "line 20000: a quote opens here and is never closed"


def test_doubled_and_multiline_quotes_are_not_unclosed(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_bytes(b'a,b\n1,"say ""hi"""\n2,"two\nlines"\n3,x"y\n')

    _, rows = sample({"kind": "file", "path": str(path)})

    assert [r["b"] for r in rows] == ['say "hi"', "two\nlines", 'x"y']


def test_short_rows_are_padded_and_said_in_inspect(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes(b"id,name,zip\n1,a,01\n2,b\n3,c\n")

    page = inspect({"kind": "file", "path": str(path)})

    assert page["rows"][1] == {"id": 2, "name": "b", "zip": None}
    assert page["warnings"] == [
        {
            "code": "short_rows",
            "line": 3,
            "message": "line 3: 2 fields where the first record has 3;"
            " the missing fields are read as null",
        }
    ]


def test_a_file_of_even_rows_has_no_warnings(tmp_path):
    path = tmp_path / "even.csv"
    path.write_bytes(b"id,name\n1,a\n")

    assert "warnings" not in inspect({"kind": "file", "path": str(path)})


def test_an_empty_file_says_so(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    page = inspect({"kind": "file", "path": str(path)})

    assert page["warnings"] == [{"code": "empty", "message": "the file is empty"}]
    assert page["schema"] == {}


def test_bad_json_line_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "1287f60eef8d"
    lines = [json.dumps({"a": i}) for i in range(5)] + ["bad", json.dumps({"a": 9})]
    path.write_text("\n".join(lines) + "\n")
    spec = {"kind": "file", "path": str(path), "format": "jsonl", "name": "b.jsonl"}

    with pytest.raises(ReadError) as caught:
        sample(spec)

    assert caught.value.line == 6
    assert "b.jsonl" in str(caught.value) and "1287f60eef8d" not in str(caught.value)


def test_unknown_format_names_the_file_and_the_formats(tmp_path):
    path = tmp_path / "cafe"
    path.write_bytes(b"MZ")
    spec = {"kind": "file", "path": str(path), "format": "exe", "name": "x.exe"}

    with pytest.raises(ReadError, match="'exe' of x.exe; formats read: csv, xlsx"):
        sample(spec)


def test_a_bad_regex_says_why(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"name\nada\n")
    cond = {"field": "name", "op": "matches", "value": "([a-z"}
    plan = chain(source("src", path), step("f", "filter", conditions=[cond]))

    (problem,) = validate(plan)

    assert problem["field"] == "conditions[0].value"
    assert problem["message"] == (
        "invalid regular expression: unclosed character class at position 2"
    )


def _graph(nodes: list[dict], edges: list[dict]) -> dict:
    return {"format": FORMAT, "nodes": nodes, "edges": edges}


def test_a_cycle_is_reported_as_a_cycle(tmp_path):
    nodes = [
        source("src", tmp_path / "a.csv"),
        step("a", "sort", by=["x"]),
        step("b", "sort", by=["x"]),
    ]
    edges = [
        {"from": "src", "to": "a"},
        {"from": "a", "to": "b"},
        {"from": "b", "to": "a"},
    ]

    (problem,) = validate(_graph(nodes, edges))

    assert problem["message"] == "the edges make a cycle: a -> b -> a"
    assert (problem["node"], problem["field"]) == ("a", None)


def test_a_cycle_without_a_source_is_reported_as_a_cycle(tmp_path):
    nodes = [step("a", "sort", by=["x"]), step("b", "sort", by=["x"])]
    edges = [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}]

    with pytest.raises(PlanError, match="the edges make a cycle: a -> b -> a"):
        run(_graph(nodes, edges))
