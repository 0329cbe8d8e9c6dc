"""Full runs: outputs, rejects, counts, events, parameters, cancellation."""

from __future__ import annotations

import statistics
import threading
import time

import polars as pl
import pytest

from tcloud.runtime import (
    PlanError,
    ReadError,
    RunCancelled,
    execute,
    execution,
    preview,
    samples,
)
from tcloud.runtime.plan import FORMAT
from tcloud.runtime.preview import frames
from tests.runtime.factories import chain, destination, run, source, step


@pytest.fixture
def orders(tmp_path):
    rows = [f"{i},{'AB'[i % 2]},{i % 7},0{i % 10}\n" for i in range(1, 2501)]
    path = tmp_path / "orders.csv"
    path.write_text("id,kind,qty,code\n" + "".join(rows))
    return path


def pipeline(orders, out, *steps):
    return chain(
        source("src", orders),
        *steps,
        destination("csv", out / "out.csv"),
    )


STEPS = (
    step("f", "filter", conditions=[{"field": "qty", "op": ">", "value": 2}]),
    step("c", "calculate", field="double", expression="qty * 2"),
    step("k", "clean", fields=["kind"], operations=["lower"]),
    step("s", "select", drop=["code"]),
    step("o", "sort", by=[{"field": "id", "order": "desc"}]),
)


def test_full_run_writes_csv_and_counts_every_step(orders, tmp_path):
    summary, events = run(pipeline(orders, tmp_path, *STEPS))

    written = pl.read_csv(tmp_path / "out.csv")
    expected = pl.read_csv(orders).filter(pl.col("qty") > 2).height
    assert written.height == expected
    assert written.columns == ["id", "kind", "qty", "double"]
    assert written["id"].to_list() == sorted(written["id"].to_list(), reverse=True)
    steps = summary["steps"]
    assert steps["src"] == {"rows_read": 2500, "rows_written": 2500, "rows_rejected": 0}
    assert steps["f"]["rows_read"] == 2500
    assert steps["f"]["rows_written"] == expected
    assert steps["csv"]["rows_written"] == expected
    assert summary["outputs"] == [
        {"step": "csv", "path": str(tmp_path / "out.csv"), "rows": expected}
    ]
    finals = [e for e in events if e["type"] == "metrics"][-7:]
    assert {e["step"] for e in finals} == {"src", "f", "c", "k", "s", "o", "csv"}


def test_preview_equals_the_full_run_on_the_same_data(orders, tmp_path):
    plan = pipeline(orders, tmp_path, *STEPS)

    run(plan)
    shown = preview(plan, rows=10_000, sample_size=10_000)

    written = pl.read_csv(tmp_path / "out.csv")
    assert shown["csv"]["count"] == written.height
    assert pl.DataFrame(shown["csv"]["rows"]).equals(written)
    assert shown["f"]["count"] == written.height
    assert shown["src"]["schema"] == {
        "id": "int", "kind": "string", "qty": "int", "code": "string",
    }  # fmt: skip


def test_preview_on_given_samples_shows_before_and_after_a_step(orders, tmp_path):
    plan = pipeline(orders, tmp_path, *STEPS)
    cached = samples(plan)

    around = preview(plan, cached, node_id="c", rows=5)

    assert list(around) == ["f", "c"]
    assert around["c"]["schema"]["double"] == "int"
    assert len(around["c"]["rows"]) == 5
    assert around["c"]["count"] == around["f"]["count"]
    assert cached["src"].height == 1000


def test_preview_reports_a_bad_step_and_skips_what_follows(orders, tmp_path):
    plan = pipeline(orders, tmp_path, step("f", "sort", by=["nope"]), STEPS[1])

    shown = preview(plan)

    assert shown["src"]["count"] == 1000
    assert shown["f"]["error"]["field"] == "by[0].field"
    assert "error" in shown["c"]


def test_rejected_rows_land_next_to_the_destination_with_a_reason(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,when\n1,2024-01-31\n2,31/01/2024\n3,2024-02-01\n")
    plan = pipeline(path, tmp_path, step("v", "convert", fields={"when": "date"}))
    plan["nodes"][0]["config"]["dataset"]["options"] = {"types": {"id": "int"}}

    summary, _ = run(plan)

    rejects = pl.read_csv(tmp_path / "out.rejects.v.csv")
    assert rejects.rows() == [
        (2, "31/01/2024", "when: cannot convert '31/01/2024' to date")
    ]
    assert summary["steps"]["v"] == {
        "rows_read": 3,
        "rows_written": 2,
        "rows_rejected": 1,
    }
    assert pl.read_csv(tmp_path / "out.csv")["id"].to_list() == [1, 3]
    assert summary["rejects"] == [
        {"step": "v", "path": str(tmp_path / "out.rejects.v.csv"), "rows": 1}
    ]


def test_a_bad_value_after_the_head_falls_back_to_text_and_rejects(tmp_path):
    rows = "".join(f"{i},{i}\n" for i in range(3000)) + "x,1\n"
    path = tmp_path / "in.csv"
    path.write_text("n,m\n" + rows)

    summary, events = run(pipeline(path, tmp_path))

    assert summary["mode"] == "text"
    assert summary["steps"]["src"] == {
        "rows_read": 3001, "rows_written": 3000, "rows_rejected": 1,
    }  # fmt: skip
    assert pl.read_csv(tmp_path / "out.rejects.src.csv")["reason"].to_list() == [
        "n: cannot convert 'x' to int"
    ]
    assert any("reading sources as text" in e.get("message", "") for e in events)


def test_parameters_fill_node_configs(orders, tmp_path):
    plan = chain(
        source("src", "${folder}/orders.csv"),
        step("f", "filter", conditions=[{"field": "qty", "op": "=", "value": "${q}"}]),
        destination("out", "${folder}/q${q}.parquet", "parquet"),
    )

    run(plan, {"folder": str(orders.parent), "q": 3})

    out = pl.read_parquet(tmp_path / "q3.parquet")
    assert set(out["qty"].to_list()) == {3}


def test_several_destinations_share_one_read_and_count_once(orders, tmp_path):
    plan = chain(source("src", orders), STEPS[0], destination("a", tmp_path / "a.csv"))
    plan["nodes"].append(destination("b", tmp_path / "b.parquet", "parquet"))
    plan["nodes"].append(destination("c", tmp_path / "c.jsonl", "jsonl"))
    plan["edges"] += [{"from": "f", "to": "b"}, {"from": "f", "to": "c"}]

    summary, _ = run(plan)

    a = pl.read_csv(tmp_path / "a.csv", schema_overrides={"code": pl.String})
    assert a.equals(pl.read_parquet(tmp_path / "b.parquet"))
    assert a.equals(pl.read_ndjson(tmp_path / "c.jsonl"))
    assert summary["steps"]["src"]["rows_written"] == 2500
    assert summary["steps"]["f"]["rows_written"] == a.height


def test_a_long_row_deep_in_the_file_fails_the_run_naming_the_line(tmp_path):
    rows = "".join(f"{i},{i}\n" for i in range(4000))
    path = tmp_path / "in.csv"
    path.write_text("a,b\n" + rows + "1,2,3\n")

    with pytest.raises(ReadError) as caught:
        run(pipeline(path, tmp_path))

    assert caught.value.line == 4002
    assert not (tmp_path / "out.csv").exists()


def test_windows_1252_source_runs_in_full(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes("name;city\nZoë;Orléans\n".encode("cp1252"))

    run(pipeline(path, tmp_path))

    assert pl.read_csv(tmp_path / "out.csv").rows() == [("Zoë", "Orléans")]


def test_a_set_cancel_event_stops_the_run(orders, tmp_path):
    cancel = threading.Event()
    cancel.set()

    with pytest.raises(RunCancelled):
        execute(pipeline(orders, tmp_path, *STEPS), {}, lambda e: None, cancel)

    assert not (tmp_path / "out.csv").exists()


def test_cancel_during_the_run_stops_it_and_removes_outputs(
    orders, tmp_path, monkeypatch
):
    monkeypatch.setattr(execution, "PROGRESS_SECONDS", 0.0)
    cancel = threading.Event()
    seen = []

    def on_event(event):
        seen.append(event)
        if event["type"] == "metrics":
            cancel.set()

    with pytest.raises(RunCancelled):
        execute(pipeline(orders, tmp_path, *STEPS), {}, on_event, cancel)

    assert any(e["type"] == "metrics" for e in seen)
    assert not (tmp_path / "out.csv").exists()


def test_larger_than_sample_run_streams_every_row(tmp_path):
    n = 300_000
    big = pl.DataFrame({"id": range(n), "v": [i % 100 for i in range(n)]})
    big.write_csv(tmp_path / "big.csv")
    plan = pipeline(
        tmp_path / "big.csv",
        tmp_path,
        step("f", "filter", expression="v < 10"),
        step("s", "select", keep=["id"]),
    )

    summary, _ = run(plan)
    shown = frames(plan)

    assert summary["steps"]["src"]["rows_read"] == n
    assert summary["steps"]["csv"]["rows_written"] == n // 10
    assert (
        pl.read_csv(tmp_path / "out.csv")["id"].sum()
        == big.filter(pl.col("v") < 10)["id"].sum()
    )
    assert shown["src"].height == 1000


def test_join_plan_runs_with_ports(tmp_path):
    (tmp_path / "a.csv").write_text("k,x\n1,a\n2,b\n3,c\n")
    (tmp_path / "b.csv").write_text("k,y\n1,X\n3,Z\n")
    plan = {
        "format": FORMAT,
        "nodes": [
            source("a", tmp_path / "a.csv"),
            source("b", tmp_path / "b.csv"),
            {"id": "j", "type": "join", "config": {"how": "left", "on": ["k"]}},
            destination("out", tmp_path / "out.csv"),
        ],
        "edges": [
            {"from": "a", "to": "j", "port": "left"},
            {"from": "b", "to": "j", "port": "right"},
            {"from": "j", "to": "out"},
        ],
    }

    summary, _ = run(plan)

    assert pl.read_csv(tmp_path / "out.csv").rows() == [
        (1, "a", "X"), (2, "b", None), (3, "c", "Z"),
    ]  # fmt: skip
    assert summary["steps"]["j"]["rows_written"] == 3


def test_a_run_needs_a_destination_that_is_not_a_source(orders, tmp_path):
    no_output = chain(source("src", orders), STEPS[0])
    overwrite = chain(source("src", orders), destination("out", orders))

    with pytest.raises(PlanError, match="at least one destination"):
        run(no_output)
    with pytest.raises(PlanError) as caught:
        run(overwrite)

    assert (caught.value.node_id, caught.value.field) == ("out", "dataset.path")
    assert orders.read_text().startswith("id,kind,qty,code\n1,B,1,01\n")


def test_preview_of_five_processors_on_a_sample_is_quick(orders, tmp_path):
    plan = pipeline(orders, tmp_path, *STEPS)
    cached = samples(plan)
    preview(plan, cached)

    times = []
    for _ in range(15):
        started = time.perf_counter()
        preview(plan, cached)
        times.append(time.perf_counter() - started)

    # The bound; the bench measures about 10 ms.
    assert statistics.median(times) < 0.150


def test_a_step_feeding_two_branches_runs_and_counts_once(tmp_path):
    frame = pl.DataFrame({"k": range(1000), "v": [i % 3 for i in range(1000)]})
    frame.write_csv(tmp_path / "in.csv")
    plan = {
        "format": FORMAT,
        "nodes": [
            source("src", tmp_path / "in.csv"),
            step("a", "filter", expression="v = 0"),
            step("b", "filter", expression="v < 2"),
            step("j", "join", on=["k"]),
            destination("out", tmp_path / "out.csv"),
            destination("out2", tmp_path / "out2.csv"),
        ],
        "edges": [
            {"from": "src", "to": "a"},
            {"from": "src", "to": "b"},
            {"from": "a", "to": "j", "port": "left"},
            {"from": "b", "to": "j", "port": "right"},
            {"from": "j", "to": "out"},
            {"from": "b", "to": "out2"},
        ],
    }

    summary, _ = run(plan)

    steps = summary["steps"]
    assert steps["src"]["rows_written"] == 1000
    assert (steps["a"]["rows_written"], steps["b"]["rows_written"]) == (334, 667)
    assert steps["out"]["rows_written"] == pl.read_csv(tmp_path / "out.csv").height
    assert steps["out2"]["rows_written"] == 667
