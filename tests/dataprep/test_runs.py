"""Full runs: exports that match the grid, progress, cancel, restarts."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import orjson
import polars as pl
import pytest

from tcloud.app import build_app
from tcloud.appkeys import PLATFORM
from tcloud.dataprep import exports, store
from tcloud.dataprep.state import DATAPREP
from tests.dataprep.helpers import PEOPLE, add, grid, upload, wait_run
from tests.helpers import ADMIN_PASSWORD, sign_in


async def _run(admin, prep_id: str, **body) -> dict:  # type: ignore[no-untyped-def]
    run = await admin.json("POST", f"/preparations/{prep_id}/runs", 202, json=body)
    return await wait_run(admin, run["id"])


async def _download(admin, run_id: str) -> bytes:  # type: ignore[no-untyped-def]
    response = await admin.get(f"/dataprep/runs/{run_id}/download")
    assert response.status == 200, await response.text()
    return await response.read()


async def test_a_csv_export_gives_what_the_grid_showed(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})
    await add(admin, prep["id"], {"function": "upper_case", "column": "name"})
    page = await grid(admin, prep["id"])

    run = await _run(admin, prep["id"], format="csv")
    data = await _download(admin, run["id"])
    frame = pl.read_csv(io.BytesIO(data), infer_schema=False)

    assert run["status"] == "succeeded", run
    assert run["rows_done"] == run["rows_total"] == 4 and run["rows_written"] == 4
    rows = [list(r) for r in frame.rows()]
    expected = [
        r[:3] + ["'=1+2" if r[3] == "=1+2" else r[3]] + r[4:] for r in page["rows"]
    ]
    assert rows == expected
    assert frame.get_column("zip").to_list()[0] == "01234"


async def test_the_formula_guard_can_be_turned_off(admin) -> None:
    prep = await upload(admin)

    run = await _run(
        admin, prep["id"], format="csv",
        options={"formula_guard": False, "delimiter": ";", "encoding": "latin-1"},
    )  # fmt: skip
    data = await _download(admin, run["id"])

    assert b"=1+2" in data and b"'=1+2" not in data
    assert data.splitlines()[0] == b"id;name;zip;amount;joined"


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "hyper"])
async def test_other_formats(admin, fmt: str) -> None:
    prep = await upload(admin)

    run = await _run(admin, prep["id"], format=fmt)
    data = await _download(admin, run["id"])

    assert run["status"] == "succeeded", run
    assert run["file_name"].endswith("." + fmt) and len(data) == run["size"]
    if fmt == "parquet":
        frame = pl.read_parquet(io.BytesIO(data))
        assert frame.get_column("zip").to_list() == ["01234", "02345", None, "04567"]


async def test_progress_arrives_as_server_sent_events(admin) -> None:
    data = "n,t\n" + "".join(f"{i},x{i}\n" for i in range(50_000))
    prep = await upload(admin, "many", data, "many.csv")
    await add(admin, prep["id"], {"function": "upper_case", "column": "t"})
    run = await admin.json("POST", f"/preparations/{prep['id']}/runs", 202, json={})

    response = await admin.get(f"/dataprep/runs/{run['id']}/events")
    text = (await response.text()).split("\n\n")

    events = [part.split("\n") for part in text if part.startswith("event:")]
    kinds = [e[0].removeprefix("event: ") for e in events]
    progress = [orjson.loads(e[1].removeprefix("data: ")) for e in events
                if e[0] == "event: progress"]  # fmt: skip
    assert kinds[0] == "status" and kinds[-1] == "end"
    assert progress and progress[-1]["rows_total"] == 50_000
    last = orjson.loads(events[-1][1].removeprefix("data: "))
    assert last == {"status": "succeeded"}


async def test_a_queued_run_cancels(admin, client) -> None:
    prep = await upload(admin)
    tenant = (await client.app[PLATFORM].tenants.all())[0]
    pool = client.app[DATAPREP].pool
    gate = asyncio.Event()

    async def hold(control, p):  # type: ignore[no-untyped-def]
        await gate.wait()
        return {}

    for n in range(pool.size):
        pool.submit(tenant.id, f"hold{n}", hold)
    run = await admin.json("POST", f"/preparations/{prep['id']}/runs", 202, json={})

    cancelled = await admin.json("POST", f"/dataprep/runs/{run['id']}/cancel")
    gate.set()

    assert run["status"] == "queued" and cancelled["status"] == "cancelled"
    assert not cancelled["downloadable"]
    await admin.json("GET", f"/dataprep/runs/{run['id']}/download", 409)
    await admin.json("POST", f"/dataprep/runs/{run['id']}/cancel", 409)


async def test_a_restart_fails_unfinished_runs_and_drops_their_files(
    aiohttp_client, config
) -> None:
    client = await aiohttp_client(build_app(config))
    admin = await sign_in(client, "admin", ADMIN_PASSWORD)
    prep = await upload(admin)
    run = await _run(admin, prep["id"])
    platform = client.app[PLATFORM]
    tenant = (await platform.tenants.all())[0]
    key = f"dataprep/runs/{run['id']}/partial.csv"
    await platform.blobs.put_bytes(tenant.id, key, b"half")
    async with platform.stores.use(tenant.id) as db:
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE prep_runs SET status = 'running', blob_key = ? WHERE id = ?",
                [key, run["id"]],
            )
    await client.close()

    again = await aiohttp_client(build_app(config))
    admin = await sign_in(again, "admin", ADMIN_PASSWORD)
    after = await admin.json("GET", f"/dataprep/runs/{run['id']}")

    assert after["status"] == "failed" and "stopped" in after["error"]
    assert not await again.app[PLATFORM].blobs.exists(tenant.id, key)
    await admin.json("GET", f"/dataprep/runs/{run['id']}/download", 409)


class FakeS3:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.body = b""

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        return self

    async def __aexit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        return None

    async def create_multipart_upload(self, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(("create", kw))
        return {"UploadId": "u1"}

    async def upload_part(self, **kw):  # type: ignore[no-untyped-def]
        self.body += kw["Body"]
        self.calls.append(("part", {k: v for k, v in kw.items() if k != "Body"}))
        return {"ETag": "e1"}

    async def complete_multipart_upload(self, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(("complete", kw))

    async def abort_multipart_upload(self, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(("abort", kw))


async def test_an_export_to_the_users_bucket_keeps_no_credential(
    admin, client, monkeypatch, caplog
) -> None:
    fake = FakeS3()
    seen = []
    monkeypatch.setattr(
        exports, "s3_client", lambda pool, target: seen.append(target) or fake
    )
    caplog.set_level(logging.DEBUG, logger="tcloud")
    prep = await upload(admin)
    destination = {
        "kind": "s3", "bucket": "my-bucket", "key": "out/people.csv",
        "access_key_id": "AKIAEXAMPLE", "secret_access_key": "very-secret-value",
    }  # fmt: skip

    run = await _run(admin, prep["id"], destination=destination)

    assert run["status"] == "succeeded", run
    assert run["target"] == "s3://my-bucket/out/people.csv"
    assert fake.body.startswith(b"id,name,zip")
    assert seen[0].secret_access_key == "very-secret-value"
    assert "very-secret-value" not in repr(seen[0])
    platform = client.app[PLATFORM]
    tenant = (await platform.tenants.all())[0]
    async with platform.stores.use(tenant.id) as db:
        row = await store.get_run(db, run["id"])
        events = await db.fetchall("SELECT details FROM audit_events")
    stored = orjson.dumps(row).decode() + str(events)
    assert "very-secret-value" not in stored and "AKIAEXAMPLE" not in stored
    assert "very-secret-value" not in caplog.text
    await admin.json("GET", f"/dataprep/runs/{run['id']}/download", 409)


async def test_unknown_export_options_are_named(admin) -> None:
    prep = await upload(admin)

    problem = await admin.json(
        "POST", f"/preparations/{prep['id']}/runs", 400,
        json={"format": "parquet", "options": {"delimiter": ";"}},
    )  # fmt: skip

    assert problem["errors"][0]["field"] == "options.delimiter"


async def test_runs_are_listed_per_preparation(admin) -> None:
    prep = await upload(admin)
    await _run(admin, prep["id"])

    listed = await admin.json("GET", f"/preparations/{prep['id']}/runs")

    assert listed["total"] == 1 and listed["items"][0]["downloadable"]
    await asyncio.sleep(0)


async def test_a_pipeline_with_the_prepare_processor_gives_the_full_run(
    admin, tmp_path
) -> None:
    from tcloud.runtime.execution import execute

    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})
    await add(admin, prep["id"], {"function": "pad", "column": "zip",
                                  "params": {"size": 6, "character": "0"}})  # fmt: skip
    run = await _run(admin, prep["id"], format="parquet")
    full = pl.read_parquet(io.BytesIO(await _download(admin, run["id"])))
    node = await admin.json("GET", f"/preparations/{prep['id']}/processor")
    source = tmp_path / "people.csv"
    source.write_text(PEOPLE)
    out = tmp_path / "out.parquet"
    plan = {
        "format": "tcloud.pipeline/1",
        "nodes": [
            {"id": "in", "type": "source", "config": {"dataset": {
                "kind": "file", "path": str(source), "format": "csv",
                "options": node["source_options"]}}},
            {"id": "prep", "type": "prepare", "config": node["config"]},
            {"id": "out", "type": "destination", "config": {"dataset": {
                "kind": "file", "path": str(out), "format": "parquet"}}},
        ],
        "edges": [{"from": "in", "to": "prep"}, {"from": "prep", "to": "out"}],
    }  # fmt: skip

    summary = await asyncio.to_thread(
        execute, plan, {}, lambda event: None, threading.Event()
    )

    assert summary["status"] == "succeeded"
    assert pl.read_parquet(out).equals(full)
    assert full.get_column("zip").to_list()[0] == "001234"


async def test_exports_keep_every_digit_of_a_computed_number(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "multiply", "column": "amount",
                                  "params": {"value": 1.1}})  # fmt: skip

    run = await _run(admin, prep["id"], format="csv")
    data = (await _download(admin, run["id"])).decode()

    assert repr(10.5 * 1.1) in data and repr(7 * 1.1) in data


async def test_a_stopping_server_fails_a_running_run(client, admin) -> None:
    prep = await upload(admin)
    tenant = (await client.app[PLATFORM].tenants.all())[0]
    pool = client.app[DATAPREP].pool
    finished: list[str] = []

    async def finish(control, status, values):  # type: ignore[no-untyped-def]
        finished.append(status)

    def spin(control) -> None:  # type: ignore[no-untyped-def]
        while True:
            control.check()
            threading.Event().wait(0.01)

    async def work(control, p):  # type: ignore[no-untyped-def]
        await p.in_thread(spin, control)
        return {}

    pool._finish = finish  # type: ignore[method-assign]
    pool.submit(tenant.id, "r1", work)
    await asyncio.sleep(0.05)
    await pool.close()

    assert finished == ["failed"] and prep
