"""Runs: rejected rows in a reject output with the reason, schedules pinned
to a version, every change audited, and what a viewer may not do."""

from __future__ import annotations

import csv
import io

from tests.console.factories import persona
from tests.engines.kit import eventually
from tests.pipelines.conftest import upload
from tests.pipelines.test_routes import graph

ODD = b"id,amount\n1,10\n2,x\n3,30\n4,n/a\n"
CONVERT = {"type": "convert", "config": {"fields": {"amount": "int"}}}


async def finished(boss, exec_id: str):  # type: ignore[no-untyped-def]
    async def check():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/executions/{exec_id}")
        return row if row["status"] in ("succeeded", "failed") else None

    return await eventually(check, timeout=60)


async def content(boss, file_id: str) -> str:  # type: ignore[no-untyped-def]
    response = await boss.get(f"/files/{file_id}/content")
    assert response.status == 200
    return (await response.read()).decode()


async def test_rejected_rows_land_in_a_reject_output(boss, engine) -> None:
    ds = await upload(boss, "odd.csv", ODD, dataset="odd")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "typed", "document": graph(ds["id"], CONVERT)})  # fmt: skip

    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})
    done = await finished(boss, execution["id"])

    assert done["status"] == "succeeded", done
    assert done["rows_read"] == 4 and done["rows_rejected"] == 2
    assert done["result"]["steps"]["s0"]["rows_rejected"] == 2
    files = {f["name"]: f for f in done["result"]["files"]}
    assert set(files) == {"out.csv", "out.rejects.s0.csv"}
    rejects = list(
        csv.DictReader(
            io.StringIO(await content(boss, files["out.rejects.s0.csv"]["id"]))
        )
    )
    assert [r["id"] for r in rejects] == ["2", "4"]
    assert "cannot convert 'x' to int" in rejects[0]["reason"]


async def run_once(boss, pipeline_id: str):  # type: ignore[no-untyped-def]
    execution = await boss.json("POST", f"/pipelines/{pipeline_id}/run", 201, json={})
    done = await finished(boss, execution["id"])
    assert done["status"] == "succeeded", done
    return {f["name"]: f for f in done["result"]["files"]}


async def test_a_later_run_makes_a_new_version_of_its_output(boss, engine) -> None:
    ds = await upload(boss, "odd.csv", ODD, dataset="odd")
    doc = graph(ds["id"], output="delays.csv")
    made = await boss.json(
        "POST", "/pipelines", 201, json={"name": "delays", "document": doc}
    )
    first = (await run_once(boss, made["id"]))["delays.csv"]
    made_on = await boss.json("POST", "/datasets", 201, json={
        "name": "delays", "connection_id": ds["connection_id"],
        "config": {"file_id": first["id"]}})  # fmt: skip
    await boss.json("PUT", f"/pipelines/{made['id']}", json={
        "document": graph(ds["id"], CONVERT, output="delays.csv")})  # fmt: skip

    second = (await run_once(boss, made["id"]))["delays.csv"]
    listed = await boss.json("GET", "/files")
    dataset = await boss.json("GET", f"/datasets/{made_on['id']}")
    earlier = await boss.json("GET", f"/files/{first['id']}")

    assert second["id"] != first["id"]
    named = [
        (f["id"], f["version"]) for f in listed["items"] if f["name"] == "delays.csv"
    ]
    assert named == [(second["id"], 2)]
    assert earlier["replaced_by"] == second["id"] and earlier["version"] == 1
    # Each execution still lists the file it wrote, with what it wrote.
    assert (await content(boss, first["id"])).count("\n") == 5
    assert (await content(boss, second["id"])).count("\n") == 3
    assert dataset["config"]["file_id"] == second["id"]
    assert not dataset["has_sample"]


async def test_deleting_an_output_deletes_its_versions(boss, engine) -> None:
    ds = await upload(boss, "odd.csv", ODD, dataset="odd")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "twice", "document": graph(ds["id"], output="twice.csv")})  # fmt: skip
    first = (await run_once(boss, made["id"]))["twice.csv"]
    second = (await run_once(boss, made["id"]))["twice.csv"]

    await boss.json("DELETE", f"/files/{second['id']}", 204)

    assert (await boss.get(f"/files/{first['id']}")).status == 404
    assert (await boss.get(f"/files/{second['id']}")).status == 404


async def test_schedule_pins_a_version_and_changes_are_audited(boss, engine) -> None:
    ds = await upload(boss, "odd.csv", ODD, dataset="odd")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "nightly", "document": graph(ds["id"])})  # fmt: skip
    await boss.json("PUT", f"/pipelines/{made['id']}", json={
        "document": graph(ds["id"], CONVERT)})  # fmt: skip

    task = await boss.json("POST", f"/pipelines/{made['id']}/schedules", 201, json={
        "name": "nightly run", "cron": "0 3 * * *", "version": 1})  # fmt: skip
    listed = await boss.json("GET", f"/pipelines/{made['id']}")
    audit = await boss.json("GET", "/audit", params={"limit": 100})

    assert task["cron"] == "0 3 * * *" and task["next_run_at"]
    first = next(v for v in listed["versions"] if v["version"] == 1)
    assert task["artifact_version_id"] == first["artifact_version_id"]
    actions = {e["action"] for e in audit["items"]}
    assert {"file.upload", "dataset.create", "pipeline.create", "pipeline.save",
            "task.create"} <= actions  # fmt: skip


async def test_a_viewer_reads_but_changes_nothing(boss, engine) -> None:
    ds = await upload(boss, "odd.csv", ODD, dataset="odd")
    viewer = await persona(boss, "vera", "Viewer")

    assert (await viewer.get(f"/datasets/{ds['id']}")).status == 200
    refused = await viewer.post("/pipelines", json={"name": "x"})
    upload_refused = await viewer.post("/files?name=a.csv", data=b"a\n1\n", headers={
        "Content-Type": "application/octet-stream"})  # fmt: skip
    run_refused = await viewer.post("/connections", json={"name": "c", "kind": "folder",
                                    "config": {"path": "/tmp"}})  # fmt: skip

    assert refused.status == upload_refused.status == run_refused.status == 403
