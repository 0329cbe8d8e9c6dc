"""HTTP for the file area, connections, datasets and pipelines, and the
engines' doors to the file area (/engine/files)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from aiohttp import web

from tcloud.appkeys import PLATFORM
from tcloud.engines import store as engines_store
from tcloud.engines.hub import HUB, OUTPUT_KEEPER, Hub, OutputKeeper
from tcloud.engines.repository import authenticate
from tcloud.pipelines import flows, service
from tcloud.platform import rbac
from tcloud.platform.api import Call, Endpoints
from tcloud.platform.context import TenantContext
from tcloud.platform.errors import NotFound
from tcloud.platform.schema import (
    array,
    boolean,
    enum,
    integer,
    name,
    obj,
    page_of,
    string,
)

files = Endpoints("Files")
connections = Endpoints("Connections")
datasets = Endpoints("Datasets")
pipelines = Endpoints("Pipelines")

ANY = obj(additional=True)
LIST = obj(
    optional={
        "q": string(0, 100),
        "limit": integer(1, 500, default=50),
        "offset": integer(0, default=0),
    }
)
DATASET_LIST = obj(optional={**LIST["properties"], "connection_id": string(0, 64)})
PIPELINE_LIST = obj(
    optional={**LIST["properties"], "artifact_version_id": string(0, 64)}
)
UPLOAD = obj({"name": string(1, 200)})
DATASET_UPLOAD = obj(
    {"name": name(100)},
    {"filename": string(1, 200), "format": enum(*service.FORMATS)},
)
CONNECTION = obj(
    {"name": name(100), "kind": enum(*service.KINDS)},
    {"description": string(0, 500), "config": ANY, "secret": string(0, 4000)},
)
CONNECTION_PATCH = obj(
    optional={
        "name": name(100),
        "description": string(0, 500),
        "config": ANY,
        "secret": string(0, 4000),
    }
)
DATASET = obj(
    {"name": name(100), "connection_id": string(1, 64)},
    {"description": string(0, 500), "config": ANY},
)
DATASET_PATCH = obj(
    optional={"name": name(100), "description": string(0, 500), "config": ANY}
)
SAMPLE_QUERY = obj(optional={"refresh": boolean(default=False)})
DELETE_QUERY = obj(optional={"force": boolean(default=False)})
DOCUMENT = obj(
    optional={
        "format": string(0, 40),
        "nodes": array(ANY, 500),
        "edges": array(ANY, 2000),
        "options": ANY,
    }
)
PIPELINE = obj(
    {"name": name(100)},
    {"description": string(0, 500), "document": DOCUMENT, "notes": string(0, 500)},
)
PIPELINE_SAVE = obj(
    {"document": DOCUMENT},
    {"name": name(100), "description": string(0, 500), "notes": string(0, 500)},
)
VERSION_QUERY = obj(optional={"version": integer(1)})
PREVIEW = obj({"document": DOCUMENT}, {"node_id": string(0, 100)})
RUN = obj(optional={"version": integer(1)})
SCHEDULE = obj(
    {"name": name(100)},
    {"cron": string(0, 100), "version": integer(1), "workspace_id": string(0, 64)},
)


def _hub(call: Call) -> Hub:
    return call.request.config_dict[HUB]


def _page(rows: list[Any], total: int, q: dict[str, Any]) -> dict[str, Any]:
    return {"items": rows, "total": total, "limit": q["limit"], "offset": q["offset"]}


async def _stream(call: Call, filename: str, chunks: Any, size: int) -> Any:
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{_quoted(filename)}"',
            "Content-Length": str(size),
        }
    )
    await response.prepare(call.request)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


def _quoted(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in filename)


@files.post("/files", "datasets:write", "Upload a file to the file area (streamed)",
            query=UPLOAD, raw_body="application/octet-stream", status=201,
            response=ANY)  # fmt: skip
async def upload_file(call: Call) -> dict[str, Any]:
    chunks = call.request.content.iter_chunked(1 << 20)
    return await service.upload_file(call.tenant, call.query["name"], chunks)


@files.get("/files", "datasets:read", "List the file area", query=LIST,
           response=page_of(ANY))  # fmt: skip
async def list_files(call: Call) -> dict[str, Any]:
    q = call.query
    rows, total = await service.list_files(
        call.tenant, q.get("q", ""), q["limit"], q["offset"]
    )
    return _page(rows, total, q)


@files.get("/files/{file_id}", "datasets:read", "Get a file's facts", response=ANY)
async def get_file(call: Call) -> dict[str, Any]:
    return await service.get_file(call.tenant, call.param("file_id"))


@files.get("/files/{file_id}/content", "datasets:read", "Download a file",
           raw_response="application/octet-stream")  # fmt: skip
async def download_file(call: Call) -> Any:
    row, chunks = await service.file_chunks(call.tenant, call.param("file_id"))
    return await _stream(call, row["name"], chunks, row["size"])


@files.delete("/files/{file_id}", "datasets:write", "Delete a file", status=204)
async def delete_file(call: Call) -> None:
    await service.delete_file(call.tenant, call.param("file_id"))


@connections.get("/connections", "connections:read", "List connections",
                 query=LIST, response=page_of(ANY))  # fmt: skip
async def list_connections(call: Call) -> dict[str, Any]:
    q = call.query
    rows, total = await service.list_connections(
        call.tenant, q.get("q", ""), q["limit"], q["offset"]
    )
    return _page(rows, total, q)


@connections.post("/connections", "connections:write", "Create a connection",
                  body=CONNECTION, status=201, response=ANY)  # fmt: skip
async def create_connection(call: Call) -> dict[str, Any]:
    return await service.create_connection(call.tenant, call.body)


@connections.get("/connections/{con_id}", "connections:read", "Get a connection",
                 response=ANY)  # fmt: skip
async def get_connection(call: Call) -> dict[str, Any]:
    return await service.get_connection(call.tenant, call.param("con_id"))


@connections.patch("/connections/{con_id}", "connections:write",
                   "Change a connection", body=CONNECTION_PATCH,
                   response=ANY)  # fmt: skip
async def update_connection(call: Call) -> dict[str, Any]:
    return await service.update_connection(call.tenant, call.param("con_id"), call.body)


@connections.delete("/connections/{con_id}", "connections:write",
                    "Delete a connection", status=204)  # fmt: skip
async def delete_connection(call: Call) -> None:
    await service.delete_connection(call.tenant, call.param("con_id"))


@connections.post("/connections/{con_id}/test", "connections:write",
                  "Test a connection from an engine", response=ANY)  # fmt: skip
async def test_connection(call: Call) -> dict[str, Any]:
    return await flows.test_connection(call.tenant, _hub(call), call.param("con_id"))


@datasets.get("/datasets", "datasets:read", "List datasets", query=DATASET_LIST,
              response=page_of(ANY))  # fmt: skip
async def list_datasets(call: Call) -> dict[str, Any]:
    q = call.query
    rows, total = await service.list_datasets(
        call.tenant, q.get("q", ""), q["limit"], q["offset"], q.get("connection_id", "")
    )
    return _page(rows, total, q)


@datasets.post("/datasets", "datasets:write", "Create a dataset", body=DATASET,
               status=201, response=ANY)  # fmt: skip
async def create_dataset(call: Call) -> dict[str, Any]:
    return await service.create_dataset(call.tenant, call.body)


@datasets.post("/datasets/upload", "datasets:write",
               "Upload a file and make a dataset of it", query=DATASET_UPLOAD,
               raw_body="application/octet-stream", status=201,
               response=ANY)  # fmt: skip
async def upload_dataset(call: Call) -> dict[str, Any]:
    q = call.query
    return await service.dataset_from_upload(
        call.tenant,
        q["name"],
        q.get("filename") or q["name"],
        call.request.content.iter_chunked(1 << 20),
        fmt=q.get("format"),
    )


@datasets.get("/datasets/{ds_id}", "datasets:read", "Get a dataset", response=ANY)
async def get_dataset(call: Call) -> dict[str, Any]:
    return await service.get_dataset(call.tenant, call.param("ds_id"))


@datasets.patch("/datasets/{ds_id}", "datasets:write", "Change a dataset",
                body=DATASET_PATCH, response=ANY)  # fmt: skip
async def update_dataset(call: Call) -> dict[str, Any]:
    return await service.update_dataset(call.tenant, call.param("ds_id"), call.body)


@datasets.delete("/datasets/{ds_id}", "datasets:write",
                 "Delete a dataset (one a pipeline uses only with force)",
                 query=DELETE_QUERY, status=204)  # fmt: skip
async def delete_dataset(call: Call) -> None:
    await service.delete_dataset(
        call.tenant, call.param("ds_id"), force=call.query["force"]
    )


@datasets.get("/datasets/{ds_id}/sample", "datasets:read",
              "The schema and first 1,000 records, read by an engine",
              query=SAMPLE_QUERY, response=ANY)  # fmt: skip
async def dataset_sample(call: Call) -> dict[str, Any]:
    return await flows.sample_of(
        call.tenant, _hub(call), call.param("ds_id"), call.query["refresh"]
    )


@pipelines.get("/pipelines", "pipelines:read",
               "List pipelines (or the one run as an artifact version)",
               query=PIPELINE_LIST, response=page_of(ANY))  # fmt: skip
async def list_pipelines(call: Call) -> dict[str, Any]:
    q = call.query
    if q.get("artifact_version_id"):
        found = q["artifact_version_id"]
        rows = await service.pipelines_of_artifact(call.tenant, found)
        return _page(rows, len(rows), q)
    rows, total = await flows.list_pipelines(
        call.tenant, q.get("q", ""), q["limit"], q["offset"]
    )
    return _page(rows, total, q)


@pipelines.post("/pipelines", "pipelines:write", "Create a pipeline",
                body=PIPELINE, status=201, response=ANY)  # fmt: skip
async def create_pipeline(call: Call) -> dict[str, Any]:
    service.check_graph(call.body.get("document") or {})
    return await flows.create_pipeline(call.tenant, _hub(call), call.body)


@pipelines.post("/pipelines/import", "pipelines:write",
                "Import a pipeline file (a new version if the name exists)",
                body=ANY, status=201, response=ANY)  # fmt: skip
async def import_pipeline(call: Call) -> dict[str, Any]:
    return await flows.import_file(call.tenant, _hub(call), call.body)


@pipelines.post("/pipelines/preview", "pipelines:write",
                "Preview a pipeline document on its samples, on an engine",
                body=PREVIEW, response=ANY)  # fmt: skip
async def preview_document(call: Call) -> dict[str, Any]:
    body = call.body
    service.check_graph(body["document"])
    return await flows.preview(
        call.tenant, _hub(call), body["document"], body.get("node_id")
    )


@pipelines.get("/pipelines/{pip_id}", "pipelines:read",
               "Get a pipeline and one version's document", query=VERSION_QUERY,
               response=ANY)  # fmt: skip
async def get_pipeline(call: Call) -> dict[str, Any]:
    return await flows.get_pipeline(
        call.tenant, call.param("pip_id"), call.query.get("version")
    )


@pipelines.put("/pipelines/{pip_id}", "pipelines:write",
               "Save a new version of a pipeline", body=PIPELINE_SAVE,
               response=ANY)  # fmt: skip
async def save_pipeline(call: Call) -> dict[str, Any]:
    service.check_graph(call.body["document"])
    return await flows.save_version(
        call.tenant, _hub(call), call.param("pip_id"), call.body
    )


@pipelines.delete("/pipelines/{pip_id}", "pipelines:write", "Delete a pipeline",
                  status=204)  # fmt: skip
async def delete_pipeline(call: Call) -> None:
    await flows.delete_pipeline(call.tenant, call.param("pip_id"))


@pipelines.get("/pipelines/{pip_id}/export", "pipelines:read",
               "Export a version as a pipeline file", query=VERSION_QUERY,
               response=ANY)  # fmt: skip
async def export_pipeline(call: Call) -> Any:
    found = await flows.export(
        call.tenant, call.param("pip_id"), call.query.get("version")
    )
    response = web.json_response(found)
    filename = _quoted(found["name"]) + ".pipeline.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@pipelines.post("/pipelines/{pip_id}/run", "tasks:run",
                "Run a version of a pipeline on an engine now", body=RUN,
                status=201, response=ANY)  # fmt: skip
async def run_pipeline(call: Call) -> dict[str, Any]:
    call.tenant.principal.require("pipelines:read")
    number = (call.body or {}).get("version")
    return await flows.run_now(call.tenant, call.param("pip_id"), number)


@pipelines.post("/pipelines/{pip_id}/schedules", "tasks:write",
                "Make a task that runs a version on a schedule", body=SCHEDULE,
                status=201, response=ANY)  # fmt: skip
async def schedule_pipeline(call: Call) -> dict[str, Any]:
    return await flows.schedule(call.tenant, call.param("pip_id"), call.body)


groups = [files, connections, datasets, pipelines]


async def engine_file(request: web.Request) -> web.StreamResponse:
    """Send a file of the area to an engine of its tenant (engine credential)."""
    platform = request.config_dict[PLATFORM]
    index = await authenticate(platform, request)
    async with platform.stores.use(index["tenant_id"]) as db:
        ctx = _engine_ctx(platform, await platform.tenants.get(index["tenant_id"]),
                          db, index)  # fmt: skip
        row, chunks = await service.file_chunks(ctx, request.match_info["file_id"])
        response = web.StreamResponse(
            headers={"Content-Type": "application/octet-stream",
                     "Content-Length": str(row["size"]), "X-Sha256": row["sha256"]}
        )  # fmt: skip
        await response.prepare(request)
        async for chunk in chunks:
            await response.write(chunk)
        await response.write_eof()
    return response


async def engine_output(request: web.Request) -> web.Response:
    """Keep a file an engine's run wrote, in the file area (streamed)."""
    platform = request.config_dict[PLATFORM]
    index = await authenticate(platform, request)
    exec_id = request.query.get("execution_id", "")
    async with platform.stores.use(index["tenant_id"]) as db:
        row = await engines_store.execution(db, exec_id)
        if row is None or row["engine_id"] != index["engine_id"]:
            raise NotFound("no such execution on this engine")
        found = await _keep_output(
            platform, db, index["tenant_id"], index["engine_id"], exec_id,
            request.query.get("name", "output"), request.content.iter_chunked(1 << 20),
        )  # fmt: skip
    return web.json_response(found, status=201)


async def _keep_output(
    platform: Any, db: Any, tenant_id: str, engine_id: str, exec_id: str,
    name: str, chunks: AsyncIterable[bytes],
) -> dict[str, Any]:  # fmt: skip
    tenant = await platform.tenants.get(tenant_id)
    ctx = _engine_ctx(platform, tenant, db, {"engine_id": engine_id})
    # The destination's own name: a later run makes a new version of it.
    found: dict[str, Any] = await service.upload_file(
        ctx, name, chunks, origin=f"execution:{exec_id}", replace=True
    )
    return found


def _output_keeper(app: web.Application) -> OutputKeeper:
    """Keep the small outputs a run sends with its finish, as uploads are kept."""

    async def keep(
        db: Any, tenant_id: str, engine_id: str, exec_id: str,
        files: list[tuple[str, bytes]],
    ) -> list[dict[str, Any]]:  # fmt: skip
        kept = []
        for file_name, content in files:
            found = await _keep_output(
                app[PLATFORM], db, tenant_id, engine_id, exec_id, file_name,
                _once(content),
            )  # fmt: skip
            kept.append({k: found[k] for k in ("id", "name", "size")})
        return kept

    return keep


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


def _engine_ctx(platform: Any, tenant: Any, db: Any, index: Any) -> TenantContext:
    engine = rbac.Principal(
        kind="engine", id=index["engine_id"], name="engine", permissions=frozenset()
    )
    return TenantContext(platform, tenant, db, engine)


def add_engine_routes(app: web.Application) -> None:
    """Add the engines' doors to the file area: download and run outputs."""
    app.router.add_get("/engine/files/{file_id}", engine_file)
    app.router.add_put("/engine/files", engine_output)
    app[OUTPUT_KEEPER] = _output_keeper(app)
