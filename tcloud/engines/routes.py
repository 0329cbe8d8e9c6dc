"""HTTP for environments, workspaces, engines, artifacts, tasks, executions,
and the engines' own addresses under /engine/ (pairing, websocket, artifact
repo, uploads)."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

import orjson
from aiohttp import web

from tcloud.appkeys import PLATFORM
from tcloud.engines import service, workspaces
from tcloud.engines.hub import HUB, Hub
from tcloud.platform.api import Call, Endpoints, client_ip
from tcloud.platform.errors import Invalid, TooLarge
from tcloud.platform.schema import (
    array,
    boolean,
    enum,
    integer,
    name,
    nullable,
    obj,
    page_of,
    string,
    validate,
)

environments = Endpoints("Environments")
engines = Endpoints("Engines")
artifacts = Endpoints("Artifacts")
tasks = Endpoints("Tasks")
executions = Endpoints("Executions")

ANY = obj(additional=True)
ENVIRONMENT = obj({"name": name(40)}, {"description": string(0, 500)})
ENVIRONMENT_PATCH = obj(optional={"name": name(40), "description": string(0, 500)})
WORKSPACE = obj({"name": name(100)}, {"description": string(0, 500)})
GRANT = obj(
    {
        "principal_type": enum("user", "group", "service_account"),
        "principal_id": string(1, 64),
        "permission": enum(*workspaces.WORKSPACE_PERMISSIONS),
    }
)
GRANTS = obj({"grants": array(GRANT, 500)})
PAIRING_KEY = obj(
    optional={
        "environment_id": string(0, 64),
        "engine_name": string(0, 100),
        "expires_in_minutes": integer(1, 7 * 24 * 60, default=60),
    }
)
ENGINE_PATCH = obj({"name": name(100)})
PAIR = obj(
    {"key": string(1, 200), "public_key": string(40, 60)},
    {"name": string(0, 100), "version": string(0, 40)},
)
PUBLISH = obj(
    {"name": name(100), "kind": enum("plan", "python")},
    {
        "workspace_id": string(0, 64),
        "description": string(0, 500),
        "notes": string(0, 500),
        "plan": obj(additional=True),
        "content_base64": string(0, 70_000_000, r"^[A-Za-z0-9+/=\s]*$"),
        "entry_point": string(0, 200),
    },
)
UPLOAD_QUERY = obj(
    {"name": name(100)},
    {
        "workspace_id": string(0, 64),
        "kind": enum("plan", "python"),
        "entry_point": string(0, 200),
        "notes": string(0, 500),
    },
)
PARAMS = obj(additional=True)
RETRY = obj(
    optional={"max_attempts": integer(1, 20), "delay_seconds": integer(0, 86400)}
)
TASK_FIELDS = {
    "description": string(0, 500),
    "workspace_id": string(0, 64),
    "artifact_version_id": string(0, 64),
    "artifact_version": integer(1),
    "engine_id": nullable(string(0, 64)),
    "parameters": PARAMS,
    "secrets": PARAMS,
    "cron": string(0, 100),
    "retry": RETRY,
    "timeout_seconds": integer(1, 7 * 86400),
    "enabled": boolean(),
}
TASK = obj({"name": name(100)}, {"artifact_id": string(1, 64), **TASK_FIELDS})
TASK_PATCH = obj(optional={"name": name(100), **TASK_FIELDS})
LIST_QUERY = obj(optional={"workspace_id": string(0, 64)})
EXEC_QUERY = obj(
    optional={
        "task_id": string(0, 64),
        "limit": integer(1, 500, default=50),
        "offset": integer(0, default=0),
    }
)
ENGINE_QUERY = obj(optional={"environment_id": string(0, 64)})
PROMOTE = obj(
    {"target_environment_id": string(1, 64)},
    {
        "artifact_id": string(1, 64),
        "artifact_version": integer(1),
        "artifact_version_id": string(1, 64),
        "target_workspace_id": string(0, 64),
    },
)


def _items(rows: list[Any]) -> dict[str, Any]:
    return {"items": rows, "total": len(rows), "limit": len(rows), "offset": 0}


@environments.get(
    "/environments", "environments:read", "List environments", response=page_of(ANY)
)
async def list_environments(call: Call) -> dict[str, Any]:
    return _items(await workspaces.list_environments(call.tenant))


@environments.post(
    "/environments",
    "environments:write",
    "Create an environment",
    body=ENVIRONMENT,
    response=ANY,
    status=201,
)
async def create_environment(call: Call) -> dict[str, Any]:
    return await workspaces.create_environment(
        call.tenant, call.body["name"], call.body.get("description", "")
    )


@environments.get(
    "/environments/{env_id}", "environments:read", "Get an environment", response=ANY
)
async def get_environment(call: Call) -> dict[str, Any]:
    return await workspaces.get_environment(call.tenant, call.param("env_id"))


@environments.patch(
    "/environments/{env_id}",
    "environments:write",
    "Rename or describe an environment",
    body=ENVIRONMENT_PATCH,
    response=ANY,
)
async def update_environment(call: Call) -> dict[str, Any]:
    return await workspaces.update_environment(
        call.tenant, call.param("env_id"), call.body
    )


@environments.delete(
    "/environments/{env_id}",
    "environments:write",
    "Delete an empty environment",
    status=204,
)
async def delete_environment(call: Call) -> None:
    await workspaces.delete_environment(call.tenant, call.param("env_id"))


@environments.get(
    "/environments/{env_id}/workspaces",
    "environments:read",
    "List the workspaces of an environment",
    response=page_of(ANY),
)
async def list_workspaces(call: Call) -> dict[str, Any]:
    return _items(await workspaces.list_workspaces(call.tenant, call.param("env_id")))


@environments.post(
    "/environments/{env_id}/workspaces",
    "environments:write",
    "Create a shared workspace",
    body=WORKSPACE,
    response=ANY,
    status=201,
)
async def create_workspace(call: Call) -> dict[str, Any]:
    return await workspaces.create_workspace(
        call.tenant,
        call.param("env_id"),
        call.body["name"],
        call.body.get("description", ""),
    )


@environments.get(
    "/workspaces/{ws_id}/grants",
    "environments:read",
    "Who may do what in a workspace",
    response=GRANTS,
)
async def get_grants(call: Call) -> dict[str, Any]:
    return {"grants": await workspaces.get_grants(call.tenant, call.param("ws_id"))}


@environments.put(
    "/workspaces/{ws_id}/grants",
    "environments:read",
    "Replace a workspace's grants (needs manage on it)",
    body=GRANTS,
    response=GRANTS,
)
async def set_grants(call: Call) -> dict[str, Any]:
    rows = await workspaces.set_grants(
        call.tenant, call.param("ws_id"), call.body["grants"]
    )
    return {"grants": rows}


@environments.post(
    "/promotions",
    "environments:write",
    "Copy an artifact version and its tasks to another environment",
    body=PROMOTE,
    response=ANY,
    status=201,
)
async def promote(call: Call) -> dict[str, Any]:
    return await service.promote(call.tenant, call.body)


def _hub(call: Call) -> Hub:
    return call.request.config_dict[HUB]


def _with_live(hub: Hub, row: dict[str, Any]) -> dict[str, Any]:
    live = hub.live(row["id"])
    if not live["connected"]:
        live["last_heartbeat_at"] = row.get("last_heartbeat_at")
    if row["status"] == "revoked":
        live["available"] = False
    return {**row, **live, "state": _state(row, live)}


def _state(row: dict[str, Any], live: dict[str, Any]) -> str:
    if row["status"] == "revoked":
        return "revoked"
    if not live["connected"]:
        return "unavailable"
    return "available" if live["available"] else "busy"


@engines.get(
    "/engines",
    "engines:read",
    "List engines",
    query=ENGINE_QUERY,
    response=page_of(ANY),
)
async def list_engines(call: Call) -> dict[str, Any]:
    rows = await service.list_engines(call.tenant, call.query.get("environment_id"))
    return _items([_with_live(_hub(call), r) for r in rows])


@engines.get(
    "/engines/{engine_id}",
    "engines:read",
    "Get an engine and what it runs",
    response=ANY,
)
async def get_engine(call: Call) -> dict[str, Any]:
    return _with_live(
        _hub(call), await service.get_engine(call.tenant, call.param("engine_id"))
    )


@engines.patch(
    "/engines/{engine_id}",
    "engines:write",
    "Rename an engine",
    body=ENGINE_PATCH,
    response=ANY,
)
async def rename_engine(call: Call) -> dict[str, Any]:
    row = await service.rename_engine(
        call.tenant, call.param("engine_id"), call.body["name"]
    )
    return _with_live(_hub(call), row)


@engines.post(
    "/engines/{engine_id}/revoke",
    "engines:write",
    "Revoke an engine: refused at once, its connection closed",
    response=ANY,
)
async def revoke_engine(call: Call) -> dict[str, Any]:
    row = await service.revoke_engine(call.tenant, call.param("engine_id"))
    await asyncio.sleep(0)
    return _with_live(_hub(call), row)


@engines.get(
    "/engine-pairing-keys", "engines:read", "List pairing keys", response=page_of(ANY)
)
async def list_pairing_keys(call: Call) -> dict[str, Any]:
    return _items(await service.list_pairing_keys(call.tenant))


@engines.post(
    "/engine-pairing-keys",
    "engines:write",
    "Make a single-use pairing key; the key is shown once",
    body=PAIRING_KEY,
    response=ANY,
    status=201,
)
async def create_pairing_key(call: Call) -> dict[str, Any]:
    row, key = await service.create_pairing_key(
        call.tenant,
        call.body.get("environment_id", ""),
        call.body.get("engine_name", ""),
        call.body.get("expires_in_minutes", 60),
    )
    url = call.platform.config.base_url
    return {**row, "key": key, "command": f"tcloud engine pair --url {url} --key {key}"}


@artifacts.get(
    "/artifacts",
    "artifacts:read",
    "List artifacts",
    query=LIST_QUERY,
    response=page_of(ANY),
)
async def list_artifacts(call: Call) -> dict[str, Any]:
    return _items(
        await service.list_artifacts(call.tenant, call.query.get("workspace_id"))
    )


@artifacts.post(
    "/artifacts",
    "artifacts:write",
    "Publish a version of an artifact (JSON: a plan or base64 zip)",
    body=PUBLISH,
    response=ANY,
    status=201,
)
async def publish(call: Call) -> dict[str, Any]:
    body = call.body
    if body["kind"] == "plan" and "plan" in body:
        content = orjson.dumps(body["plan"])
    elif "content_base64" in body:
        try:
            content = base64.b64decode(body["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid.field("content_base64", "is not base64") from None
    else:
        raise Invalid.field("plan", "send a plan, or content_base64")
    return await service.publish(
        call.tenant,
        body.get("workspace_id", ""),
        body["name"],
        body["kind"],
        content,
        body.get("entry_point", ""),
        body.get("description", ""),
        body.get("notes", ""),
    )


@artifacts.post(
    "/artifacts/upload",
    "artifacts:write",
    "Publish a file as is (a plan's JSON or a Python job's zip)",
    query=UPLOAD_QUERY,
    response=ANY,
    status=201,
    raw_body="application/octet-stream",
)
async def publish_file(call: Call) -> dict[str, Any]:
    content = await _read_limited(call.request, service.MAX_ARTIFACT_BYTES)
    query = call.query
    kind = query.get("kind") or service.guess_kind(query["name"], content)
    return await service.publish(
        call.tenant,
        query.get("workspace_id", ""),
        query["name"],
        kind,
        content,
        query.get("entry_point", ""),
        notes=query.get("notes", ""),
    )


async def _read_limited(request: web.Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the file is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@artifacts.get(
    "/artifacts/{art_id}",
    "artifacts:read",
    "Get an artifact and its versions",
    response=ANY,
)
async def get_artifact(call: Call) -> dict[str, Any]:
    return await service.get_artifact(call.tenant, call.param("art_id"))


@tasks.get(
    "/tasks", "tasks:read", "List tasks", query=LIST_QUERY, response=page_of(ANY)
)
async def list_tasks(call: Call) -> dict[str, Any]:
    return _items(await service.list_tasks(call.tenant, call.query.get("workspace_id")))


@tasks.post(
    "/tasks",
    "tasks:write",
    "Make a task from an artifact version",
    body=TASK,
    response=ANY,
    status=201,
)
async def create_task(call: Call) -> dict[str, Any]:
    return await service.create_task(call.tenant, call.body)


@tasks.get("/tasks/{task_id}", "tasks:read", "Get a task", response=ANY)
async def get_task(call: Call) -> dict[str, Any]:
    return await service.get_task(call.tenant, call.param("task_id"))


@tasks.patch(
    "/tasks/{task_id}", "tasks:write", "Change a task", body=TASK_PATCH, response=ANY
)
async def update_task(call: Call) -> dict[str, Any]:
    return await service.update_task(call.tenant, call.param("task_id"), call.body)


@tasks.delete("/tasks/{task_id}", "tasks:write", "Delete a task", status=204)
async def delete_task(call: Call) -> None:
    await service.delete_task(call.tenant, call.param("task_id"))


@tasks.post(
    "/tasks/{task_id}/run", "tasks:run", "Run a task now", response=ANY, status=201
)
async def run_task(call: Call) -> dict[str, Any]:
    return await service.run_task(call.tenant, call.param("task_id"))


@executions.get(
    "/executions",
    "executions:read",
    "List executions",
    query=EXEC_QUERY,
    response=page_of(ANY),
)
async def list_executions(call: Call) -> dict[str, Any]:
    q = call.query
    rows, total = await service.list_executions(
        call.tenant, q.get("task_id"), q["limit"], q["offset"]
    )
    return {"items": rows, "total": total, "limit": q["limit"], "offset": q["offset"]}


@executions.get(
    "/executions/{exec_id}", "executions:read", "Get an execution", response=ANY
)
async def get_execution(call: Call) -> dict[str, Any]:
    return await service.get_execution(call.tenant, call.param("exec_id"))


@executions.post(
    "/executions/{exec_id}/cancel", "tasks:run", "Cancel an execution", response=ANY
)
async def cancel_execution(call: Call) -> dict[str, Any]:
    return await service.cancel_execution(call.tenant, call.param("exec_id"))


@executions.get(
    "/executions/{exec_id}/log",
    "executions:read",
    "The full log of an execution, as text",
    raw_response="text/plain",
)
async def execution_log(call: Call) -> web.Response:
    text = await service.execution_log(call.tenant, call.param("exec_id"))
    return web.Response(text=text, content_type="text/plain")


@executions.get(
    "/executions/{exec_id}/events",
    "executions:read",
    "Follow an execution live: server-sent events of status and log",
    raw_response="text/event-stream",
)
async def execution_events(call: Call) -> web.StreamResponse:
    ctx = call.tenant
    exec_id = call.param("exec_id")
    row = await service.get_execution(ctx, exec_id)
    broker = call.platform.broker
    assert broker is not None
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(call.request)
    async with broker.subscribe(f"executions.{ctx.tenant.id}.{exec_id}") as sub:
        row = await service.get_execution(ctx, exec_id)
        await _send(response, "status", row)
        last = -1
        for line in await service.log_since(ctx, exec_id, -1):
            last = line["seq"]
            await _send(response, "log", {"lines": [line]})
        while row["status"] not in ("succeeded", "failed", "cancelled", "lost"):
            try:
                message = await sub.get(timeout=15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            payload = message.payload
            if payload["type"] == "log":
                lines = [x for x in payload["lines"] if x["seq"] > last]
                if lines:
                    last = lines[-1]["seq"]
                    await _send(response, "log", {"lines": lines})
            else:
                row = payload["execution"]
                await _send(response, "status", row)
    await _send(response, "end", {"status": row["status"]})
    return response


async def _send(response: web.StreamResponse, event: str, data: Any) -> None:
    await response.write(
        b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
    )


groups = [environments, engines, artifacts, tasks, executions]


async def pair(request: web.Request) -> web.Response:
    """Trade a pairing key and a public key for engine credentials."""
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise Invalid("the body is not valid JSON") from None
    validate(PAIR, body)
    platform = request.config_dict[PLATFORM]
    made = await service.pair(
        platform,
        body["key"],
        body["public_key"],
        body.get("name", ""),
        body.get("version", ""),
        client_ip(request),
    )
    return web.json_response(made, dumps=lambda v: orjson.dumps(v).decode())


async def websocket(request: web.Request) -> web.StreamResponse:
    return await request.config_dict[HUB].handle(request)


async def artifact(request: web.Request) -> web.StreamResponse:
    hub = request.config_dict[HUB]
    version, content = await hub.repository.artifact(
        request, request.match_info["version_id"]
    )
    return web.Response(
        body=content,
        content_type="application/octet-stream",
        headers={"X-Sha256": version["sha256"]},
    )


async def upload(request: web.Request) -> web.Response:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    hub = request.config_dict[HUB]
    content = await _read_limited(request, 64 * 1024 * 1024)
    result = await hub.repository.accept_upload(
        token if scheme.lower() == "bearer" else "", content
    )
    return web.json_response(result, status=201)


def add_engine_routes(app: web.Application) -> None:
    """Add the engines' addresses: /engine/pair, /engine/ws, artifacts, uploads."""
    app.router.add_post("/engine/pair", pair)
    app.router.add_get("/engine/ws", websocket)
    app.router.add_get("/engine/artifacts/{version_id}", artifact)
    app.router.add_put("/engine/uploads", upload)
