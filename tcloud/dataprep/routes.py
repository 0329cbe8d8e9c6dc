"""HTTP for dataprep: preparations, steps, the grid, full runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from tcloud.dataprep import exports, runs, service, workbench
from tcloud.dataprep.state import DATAPREP, DataPrep
from tcloud.platform.api import Call, Endpoints
from tcloud.platform.errors import Invalid, TooLarge
from tcloud.platform.schema import (
    array,
    boolean,
    enum,
    integer,
    name,
    obj,
    string,
)

endpoints = Endpoints("Data preparation")

ANY = obj(additional=True)
MAX_UPLOAD = 2 << 30
STEP = obj(
    {"function": string(1, 100)},
    {
        "column": string(1, 300),
        "columns": array(string(1, 300), 1000),
        "params": obj(additional=True),
        "enabled": boolean(),
        "scope": obj(additional=True),
        "new_column": {"type": ["string", "boolean", "null"]},
    },
)
STEP_PATCH = obj(
    optional={
        "column": string(1, 300),
        "columns": array(string(1, 300), 1000),
        "params": obj(additional=True),
        "enabled": boolean(),
        "scope": {"type": ["object", "null"]},
        "new_column": {"type": ["string", "boolean", "null"]},
        "version": integer(1),
    }
)
PREPARATION = obj(
    {"name": name(100), "dataset_id": string(1, 64)},
    {"description": string(0, 500), "steps": array(ANY, service.MAX_STEPS)},
)
PREPARATION_PATCH = obj(
    optional={
        "name": name(100),
        "description": string(0, 500),
        "dataset_id": string(1, 64),
        "version": integer(1),
    }
)
COPY = obj(
    {"name": name(100)}, {"dataset_id": string(1, 64), "skip_row_steps": boolean()}
)
ADD_STEP = obj({"step": STEP}, {"position": integer(0), "version": integer(1)})
STEPS = obj({"steps": array(ANY, service.MAX_STEPS)}, {"version": integer(1)})
MOVE = obj({"position": integer(0)}, {"version": integer(1)})
SAMPLE = obj(optional={"rows": integer(1, workbench.MAX_SAMPLE)})
LIST_QUERY = obj(
    optional={
        "q": string(0, 100),
        "dataset_id": string(0, 64),
        "limit": integer(1, 500, default=50),
        "offset": integer(0, default=0),
    }
)
PAGE_QUERY = obj(
    optional={"limit": integer(1, 500, default=50), "offset": integer(0, default=0)}
)
GRID_QUERY = obj(
    optional={
        "offset": integer(0, default=0),
        "limit": integer(1, 5000, default=200),
        "filter": string(0, 4000, description="a row filter, as JSON"),
    }
)
SHEET = obj({"sheet": string(1, 200)})
COLUMN_QUERY = obj({"column": string(1, 300)})
UPLOAD_QUERY = obj(
    {"name": name(100), "filename": string(1, 200)},
    {
        "sheet": string(0, 200),
        "delimiter": string(1, 1),
        "encoding": string(1, 40),
    },
)
S3 = obj(
    {
        "kind": enum("s3"),
        "bucket": string(3, 63, r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
        "key": string(1, 1024),
        "access_key_id": string(1, 128),
        "secret_access_key": string(1, 256),
    },
    {"region": string(0, 40, r"^[a-z0-9-]*$"), "session_token": string(0, 4096)},
)
RUN = obj(
    optional={
        "format": enum("csv", "xlsx", "parquet", "hyper", default="csv"),
        "options": obj(
            optional={
                "delimiter": string(1, 1),
                "quote": string(1, 1),
                "encoding": string(1, 40),
                "header": boolean(),
                "formula_guard": boolean(),
                "sheet": string(1, 31),
                "compression": enum("zstd", "snappy", "gzip", "lz4", "uncompressed"),
                "table": string(1, 100),
            }
        ),
        "destination": {
            "oneOf": [obj({"kind": enum("storage")}), S3],
        },
    }
)


def _dp(call: Call) -> DataPrep:
    return call.request.config_dict[DATAPREP]


@endpoints.get("/dataprep/functions", "preparations:read", "The function catalogue",
               response=ANY)  # fmt: skip
async def list_functions(call: Call) -> dict[str, Any]:
    return service.functions()


@endpoints.get("/preparations", "preparations:read", "List preparations",
               query=LIST_QUERY, response=ANY)  # fmt: skip
async def list_preparations(call: Call) -> dict[str, Any]:
    q = call.query
    return await service.list_preparations(
        call.tenant, q.get("q", ""), q.get("dataset_id", ""), q["limit"], q["offset"]
    )


@endpoints.post("/preparations", "preparations:write", "Create a preparation",
                body=PREPARATION, response=ANY, status=201)  # fmt: skip
async def create_preparation(call: Call) -> dict[str, Any]:
    return await service.create_preparation(call.tenant, _dp(call), call.body)


@endpoints.post(
    "/preparations/upload",
    "preparations:write",
    "Upload a file (CSV, XLSX, JSON lines, Parquet) as a dataset and prepare it",
    query=UPLOAD_QUERY,
    response=ANY,
    status=201,
    raw_body="application/octet-stream",
)
async def upload(call: Call) -> dict[str, Any]:
    call.tenant.principal.require("datasets:write")
    q = call.query
    options = {k: q[k] for k in ("sheet", "delimiter", "encoding") if q.get(k)}
    return await service.create_from_upload(
        call.tenant, _dp(call), q["name"], q["filename"],
        _body_chunks(call.request), options,
    )  # fmt: skip


async def _body_chunks(request: web.Request) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in request.content.iter_chunked(1 << 20):
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise TooLarge(f"the file is larger than {MAX_UPLOAD} bytes")
        yield chunk


@endpoints.get("/preparations/{prep_id}", "preparations:read", "Get a preparation",
               response=ANY)  # fmt: skip
async def get_preparation(call: Call) -> dict[str, Any]:
    return await service.get_preparation(call.tenant, call.param("prep_id"))


@endpoints.patch(
    "/preparations/{prep_id}",
    "preparations:write",
    "Rename a preparation, or move it to another dataset with the same columns",
    body=PREPARATION_PATCH,
    response=ANY,
)
async def update_preparation(call: Call) -> dict[str, Any]:
    return await service.update_preparation(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.delete("/preparations/{prep_id}", "preparations:write",
                  "Delete a preparation and its runs", status=204)  # fmt: skip
async def delete_preparation(call: Call) -> None:
    await service.delete_preparation(call.tenant, _dp(call), call.param("prep_id"))


@endpoints.post(
    "/preparations/{prep_id}/copy",
    "preparations:write",
    "Copy a preparation, on its dataset or another with the same columns;"
    " on another, steps naming a row are refused unless skip_row_steps"
    " (the answer's skipped lists them)",
    body=COPY,
    response=ANY,
    status=201,
)
async def copy_preparation(call: Call) -> dict[str, Any]:
    return await service.copy_preparation(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.get(
    "/preparations/{prep_id}/processor",
    "preparations:read",
    "The preparation as a pipeline's prepare processor",
    response=ANY,
)
async def processor(call: Call) -> dict[str, Any]:
    return await workbench.as_processor(call.tenant, _dp(call), call.param("prep_id"))


@endpoints.post("/preparations/{prep_id}/steps", "preparations:write",
                "Add a step", body=ADD_STEP, response=ANY, status=201)  # fmt: skip
async def add_step(call: Call) -> dict[str, Any]:
    return await service.add_step(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.put("/preparations/{prep_id}/steps", "preparations:write",
               "Replace every step", body=STEPS, response=ANY)  # fmt: skip
async def replace_steps(call: Call) -> dict[str, Any]:
    return await service.replace_steps(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.patch(
    "/preparations/{prep_id}/steps/{step_id}",
    "preparations:write",
    "Edit, enable or disable a step",
    body=STEP_PATCH,
    response=ANY,
)
async def update_step(call: Call) -> dict[str, Any]:
    return await service.update_step(
        call.tenant, _dp(call), call.param("prep_id"), call.param("step_id"),
        call.body,
    )  # fmt: skip


@endpoints.delete("/preparations/{prep_id}/steps/{step_id}", "preparations:write",
                  "Delete a step", response=ANY)  # fmt: skip
async def delete_step(call: Call) -> dict[str, Any]:
    return await service.delete_step(
        call.tenant, _dp(call), call.param("prep_id"), call.param("step_id")
    )


@endpoints.post("/preparations/{prep_id}/steps/{step_id}/move", "preparations:write",
                "Move a step", body=MOVE, response=ANY)  # fmt: skip
async def move_step(call: Call) -> dict[str, Any]:
    return await service.move_step(
        call.tenant, _dp(call), call.param("prep_id"), call.param("step_id"),
        call.body,
    )  # fmt: skip


@endpoints.post("/preparations/{prep_id}/undo", "preparations:write",
                "Undo the last change of the steps", response=ANY)  # fmt: skip
async def undo(call: Call) -> dict[str, Any]:
    return await service.undo(call.tenant, _dp(call), call.param("prep_id"))


@endpoints.post("/preparations/{prep_id}/redo", "preparations:write",
                "Redo a change undone", response=ANY)  # fmt: skip
async def redo(call: Call) -> dict[str, Any]:
    return await service.redo(call.tenant, _dp(call), call.param("prep_id"))


@endpoints.get("/preparations/{prep_id}/history", "preparations:read",
               "The step lists undo and redo walk", response=ANY)  # fmt: skip
async def history(call: Call) -> dict[str, Any]:
    return await service.history(call.tenant, call.param("prep_id"))


@endpoints.get(
    "/preparations/{prep_id}/grid",
    "preparations:read",
    "Rows of the prepared sample, column types and quality; integers beyond"
    " ±(2**53 - 1), which a browser would round, come as strings",
    query=GRID_QUERY,
    response=ANY,
)
async def grid(call: Call) -> dict[str, Any]:
    q = call.query
    row_filter = _filter(q.get("filter") or "")
    return await workbench.grid_page(
        call.tenant, _dp(call), call.param("prep_id"), q["offset"], q["limit"],
        row_filter,
    )  # fmt: skip


def _filter(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Invalid.field("filter", "is not valid JSON") from None
    if not isinstance(value, dict):
        raise Invalid.field("filter", "must be a JSON object")
    return value


@endpoints.post("/preparations/{prep_id}/sample", "preparations:write",
                "Read more rows into the grid's sample", body=SAMPLE,
                response=ANY)  # fmt: skip
async def fetch_more(call: Call) -> dict[str, Any]:
    return await service.fetch_more(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.get("/preparations/{prep_id}/source", "preparations:read",
               "The dataset a preparation reads, and a workbook's sheets",
               response=ANY)  # fmt: skip
async def get_source(call: Call) -> dict[str, Any]:
    return await workbench.source(call.tenant, _dp(call), call.param("prep_id"))


@endpoints.put("/preparations/{prep_id}/sheet", "preparations:write",
               "Read another sheet of the workbook", body=SHEET,
               response=ANY)  # fmt: skip
async def choose_sheet(call: Call) -> dict[str, Any]:
    call.tenant.principal.require("datasets:write")
    return await workbench.choose_sheet(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.get("/preparations/{prep_id}/profile", "preparations:read",
               "A column's profile on the prepared sample", query=COLUMN_QUERY,
               response=ANY)  # fmt: skip
async def profile(call: Call) -> dict[str, Any]:
    return await workbench.column_profile(
        call.tenant, _dp(call), call.param("prep_id"), call.query["column"]
    )


@endpoints.get("/preparations/{prep_id}/suggestions", "preparations:read",
               "Functions suggested for a column", query=COLUMN_QUERY,
               response=ANY)  # fmt: skip
async def suggestions(call: Call) -> dict[str, Any]:
    return await workbench.column_suggestions(
        call.tenant, _dp(call), call.param("prep_id"), call.query["column"]
    )


@endpoints.post("/preparations/{prep_id}/runs", "preparations:write",
                "Run the preparation on the full dataset and export it",
                body=RUN, response=ANY, status=202)  # fmt: skip
async def start_run(call: Call) -> dict[str, Any]:
    return await exports.start_run(
        call.tenant, _dp(call), call.param("prep_id"), call.body
    )


@endpoints.get("/preparations/{prep_id}/runs", "preparations:read",
               "List a preparation's full runs", query=PAGE_QUERY,
               response=ANY)  # fmt: skip
async def list_runs(call: Call) -> dict[str, Any]:
    q = call.query
    return await exports.list_runs(
        call.tenant, _dp(call), call.param("prep_id"), q["limit"], q["offset"]
    )


@endpoints.get("/dataprep/runs/{run_id}", "preparations:read", "Get a full run",
               response=ANY)  # fmt: skip
async def get_run(call: Call) -> dict[str, Any]:
    return await exports.get_run(call.tenant, _dp(call), call.param("run_id"))


@endpoints.post("/dataprep/runs/{run_id}/cancel", "preparations:write",
                "Cancel a queued or running run", response=ANY)  # fmt: skip
async def cancel_run(call: Call) -> dict[str, Any]:
    return await exports.cancel_run(call.tenant, _dp(call), call.param("run_id"))


@endpoints.get(
    "/dataprep/runs/{run_id}/download",
    "preparations:read",
    "Download a run's export",
    raw_response="application/octet-stream",
)
async def download(call: Call) -> web.StreamResponse:
    row, chunks = await exports.download(call.tenant, call.param("run_id"))
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{row["file_name"]}"',
            "Content-Length": str(row["size"]),
        }
    )
    await response.prepare(call.request)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


@endpoints.get(
    "/dataprep/runs/{run_id}/events",
    "preparations:read",
    "Follow a run live: server-sent events of progress and status",
    raw_response="text/event-stream",
)
async def run_events(call: Call) -> web.StreamResponse:
    ctx, dp = call.tenant, _dp(call)
    run_id = call.param("run_id")
    run = await exports.get_run(ctx, dp, run_id)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                 "X-Accel-Buffering": "no"}
    )  # fmt: skip
    await response.prepare(call.request)
    broker = call.platform.broker
    assert broker is not None
    async with broker.subscribe(runs.topic(ctx.tenant.id, run_id)) as sub:
        run = await exports.get_run(ctx, dp, run_id)
        await _send(response, "status", run)
        while run["status"] not in runs.FINISHED:
            try:
                message = await sub.get(timeout=15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if message.payload["type"] == "progress":
                await _send(response, "progress", message.payload)
            else:
                run = exports.run_view(message.payload["run"])
                await _send(response, "status", run)
    await _send(response, "end", {"status": run["status"]})
    return response


async def _send(response: web.StreamResponse, event: str, data: Any) -> None:
    await response.write(
        b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
    )


groups = [endpoints]
