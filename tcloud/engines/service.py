"""The rules of engines, artifacts, tasks, executions and promotions.

Every call takes the tenant's context first. Changes write their audit event
in the same transaction, then tell the hub through the broker (topic
`engines.work`, `engines.revoked`, `engines.cancel`) so that no service call
waits on a websocket.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from typing import Any

import orjson

from tcloud import log
from tcloud.engine import sealing
from tcloud.engines import store
from tcloud.engines.cron import Cron, CronError
from tcloud.engines.errors import PairingKeyExpired, PairingKeyUnknown, PairingKeyUsed
from tcloud.engines.workspaces import (
    default_environment,
    ensure_personal_workspace,
    existing,
    get_environment,
    require_workspace,
    visible_workspaces,
)
from tcloud.platform import audit
from tcloud.platform.context import Platform, TenantContext
from tcloud.platform.db import Row
from tcloud.platform.errors import Conflict, Invalid, NotFound
from tcloud.platform.ids import digest, iso, new_id, new_secret, now_iso
from tcloud.platform.rbac import SYSTEM

SECRETS_PURPOSE = "engines.task-secrets"
PAIRING_PREFIX = "tpk"
CREDENTIAL_PREFIX = "tce"
MAX_ARTIFACT_BYTES = 50 * 1024 * 1024
DEFAULT_ENTRY_POINT = "main.py"


def _publish(platform: Platform, topic: str, payload: dict[str, Any]) -> None:
    if platform.broker is not None:
        platform.broker.publish(topic, payload)


def work_arrived(platform: Platform, tenant_id: str) -> None:
    """Tell the hub a tenant has executions waiting for an engine."""
    _publish(platform, "engines.work", {"tenant_id": tenant_id})


async def create_pairing_key(
    ctx: TenantContext, env_id: str, engine_name: str, ttl_minutes: int
) -> tuple[Row, str]:
    """Make a single-use pairing key; return its row and the key, shown once."""
    env = await get_environment(ctx, env_id or (await default_environment(ctx))["id"])
    secret = new_secret(PAIRING_PREFIX)
    now = time.time()
    row = {
        "hash": digest(secret),
        "id": new_id("pky"),
        "tenant_id": ctx.tenant.id,
        "environment_id": env["id"],
        "engine_name": engine_name,
        "prefix": secret[:8],
        "created_by": ctx.principal.id,
        "created_at": now,
        "expires_at": now + ttl_minutes * 60,
    }
    async with ctx.platform.control.transaction() as tx:
        await store.insert_pairing_key(tx, **row)
    async with ctx.db.transaction() as tx:
        await audit.record(
            tx,
            ctx.actor,
            "engine.pairing_key.create",
            "pairing_key",
            row["id"],
            engine_name,
            details={"environment": env["id"], "ttl_minutes": ttl_minutes},
        )
    return pairing_key_view(row), secret


def pairing_key_view(row: Row) -> Row:
    used = row.get("used_at")
    expired = row["expires_at"] < time.time()
    return {
        "id": row["id"],
        "environment_id": row["environment_id"],
        "engine_name": row["engine_name"],
        "prefix": row["prefix"],
        "created_by": row["created_by"],
        "created_at": iso(row["created_at"]),
        "expires_at": iso(row["expires_at"]),
        "used_at": iso(used) if used else None,
        "engine_id": row.get("engine_id"),
        "state": "used" if used else "expired" if expired else "open",
    }


async def list_pairing_keys(ctx: TenantContext) -> list[Row]:
    rows = await store.list_pairing_keys(ctx.platform.control, ctx.tenant.id)
    return [pairing_key_view(r) for r in rows]


async def pair(
    platform: Platform,
    key: str,
    public_key: str,
    name: str,
    version: str,
    source_ip: str = "",
) -> dict[str, Any]:
    """Trade a pairing key and a public key for an engine id and credential.

    An engine is the embedded one when its key was made by the server itself,
    whatever it says of itself.
    """
    try:
        sealing.check_public_key(public_key)
    except sealing.SealError:
        raise Invalid.field("public_key", "must be an X25519 public key") from None
    key_hash = digest(key.strip())
    row = await store.pairing_key(platform.control, key_hash)
    if row is None:
        raise PairingKeyUnknown(
            "this pairing key is unknown: check it, or make a new one"
        )
    if row["used_at"]:
        raise PairingKeyUsed("this pairing key was already used: make a new one")
    now = time.time()
    if row["expires_at"] <= now:
        raise PairingKeyExpired("this pairing key has expired: make a new one")
    engine_id, secret = new_id("eng"), new_secret(CREDENTIAL_PREFIX)
    async with platform.control.transaction() as tx:
        if not await store.use_pairing_key(tx, key_hash, engine_id, now):
            raise PairingKeyUsed("this pairing key was already used: make a new one")
        await store.insert_engine_index(tx, engine_id, row["tenant_id"], digest(secret))
    name = (name or row["engine_name"] or engine_id)[:100]
    actor = audit.Actor("engine", engine_id, name, source_ip)
    async with platform.stores.use(row["tenant_id"]) as db, db.transaction() as tx:
        await store.insert_engine(
            tx,
            id=engine_id,
            environment_id=row["environment_id"],
            name=name,
            public_key=public_key,
            embedded=int(row["created_by"] == SYSTEM.id),
            version=version,
            paired_at=now_iso(),
            paired_by=row["created_by"],
        )
        await audit.record(tx, actor, "engine.pair", "engine", engine_id, name)
    log.hub.info("engine_paired tenant=%s engine=%s", row["tenant_id"], engine_id)
    return {"engine_id": engine_id, "credential": secret, "tenant_id": row["tenant_id"]}


async def list_engines(ctx: TenantContext, env_id: str | None = None) -> list[Row]:
    return [engine_view(r) for r in await store.engines(ctx.db, env_id)]


def engine_view(row: Row) -> Row:
    view = {k: v for k, v in row.items() if k != "public_key"}
    view["capabilities"] = store.loads(row["capabilities"], [])
    view["embedded"] = bool(row["embedded"])
    return view


async def get_engine(ctx: TenantContext, engine_id: str) -> Row:
    row = existing(await store.engine(ctx.db, engine_id), "engine")
    view = engine_view(row)
    view["executions"] = [
        {
            "id": e["id"],
            "task_id": e["task_id"],
            "task_name": e["task_name"],
            "status": e["status"],
        }
        for e in await store.active_on(ctx.db, engine_id)
    ]
    return view


async def rename_engine(ctx: TenantContext, engine_id: str, name: str) -> Row:
    row = existing(await store.engine(ctx.db, engine_id), "engine")
    async with ctx.db.transaction() as tx:
        await tx.execute("UPDATE engines SET name = ? WHERE id = ?", [name, engine_id])
        await audit.record(
            tx,
            ctx.actor,
            "engine.update",
            "engine",
            engine_id,
            name,
            details={"old_name": row["name"]},
        )
    return await get_engine(ctx, engine_id)


async def revoke_engine(ctx: TenantContext, engine_id: str) -> Row:
    """Refuse an engine from now on; the hub closes its connection at once."""
    row = existing(await store.engine(ctx.db, engine_id), "engine")
    if row["status"] == "revoked":
        return await get_engine(ctx, engine_id)
    await store.revoke_engine_index(ctx.platform.control, engine_id, time.time())
    async with ctx.db.transaction() as tx:
        await tx.execute(
            "UPDATE engines SET status = 'revoked', revoked_at = ? WHERE id = ?",
            [now_iso(), engine_id],
        )
        await audit.record(
            tx, ctx.actor, "engine.revoke", "engine", engine_id, row["name"]
        )
    _publish(
        ctx.platform,
        "engines.revoked",
        {"tenant_id": ctx.tenant.id, "engine_id": engine_id},
    )
    return await get_engine(ctx, engine_id)


def _check_artifact(kind: str, content: bytes, entry_point: str) -> str:
    """Validate an artifact's bytes; return its entry point."""
    if len(content) > MAX_ARTIFACT_BYTES:
        raise Invalid.field("file", f"is larger than {MAX_ARTIFACT_BYTES} bytes")
    if kind == "plan":
        try:
            plan = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise Invalid.field("file", "a pipeline plan must be JSON") from None
        if not isinstance(plan, dict):
            raise Invalid.field("file", "a pipeline plan must be a JSON object")
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            manifest = _manifest(archive, names)
    except zipfile.BadZipFile:
        raise Invalid.field("file", "a Python job must be a zip file") from None
    entry = entry_point or manifest.get("entry_point") or DEFAULT_ENTRY_POINT
    if entry not in names:
        raise Invalid.field("entry_point", f"{entry} is not in the zip")
    if entry.startswith("/") or ".." in entry.split("/"):
        raise Invalid.field("entry_point", "must be a path inside the zip")
    return str(entry)


def _manifest(archive: zipfile.ZipFile, names: set[str]) -> dict[str, Any]:
    if "tcloud-job.json" not in names:
        return {}
    try:
        found = orjson.loads(archive.read("tcloud-job.json"))
    except orjson.JSONDecodeError:
        raise Invalid.field("file", "tcloud-job.json is not JSON") from None
    return found if isinstance(found, dict) else {}


def guess_kind(filename: str, content: bytes) -> str:
    if filename.endswith(".zip") or content[:4] == b"PK\x03\x04":
        return "python"
    return "plan"


async def publish(
    ctx: TenantContext,
    ws_id: str,
    name: str,
    kind: str,
    content: bytes,
    entry_point: str = "",
    description: str = "",
    notes: str = "",
) -> Row:
    """Add a version of an artifact (made if new) to a workspace."""
    ws_id = ws_id or (await ensure_personal_workspace(ctx))["id"]
    await require_workspace(ctx, ws_id, "publish")
    entry = _check_artifact(kind, content, entry_point)
    existing = await store.artifact_by_name(ctx.db, ws_id, name)
    if existing is not None and existing["kind"] != kind:
        raise Conflict(f"the artifact {name} holds {existing['kind']} versions")
    blob_key = await store_artifact_bytes(ctx, content)
    async with ctx.db.transaction() as tx:
        art_id = (
            existing["id"]
            if existing
            else await store.insert_artifact(tx, ws_id, name, kind, description)
        )
        row = await store.add_version(
            tx,
            art_id,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            entry_point=entry,
            notes=notes,
            created_by=ctx.principal.id,
            blob_key=blob_key,
        )
        if not blob_key:
            await store.put_file(tx, row["id"], content)
        await audit.record(
            tx,
            ctx.actor,
            "artifact.publish",
            "artifact",
            art_id,
            name,
            details={"version": row["version"], "kind": kind, "sha256": row["sha256"]},
        )
    return await get_artifact(ctx, art_id)


async def store_artifact_bytes(ctx: TenantContext, content: bytes) -> str:
    """Keep an artifact's bytes in the blob store; return the key ("" if none)."""
    blobs = ctx.platform.blobs
    if blobs is None:
        return ""
    key = f"artifacts/{new_id('blob')}"
    await blobs.put_bytes(ctx.tenant.id, key, content)
    return key


async def artifact_bytes(
    platform: Platform, tenant_id: str, db: Any, version: Row
) -> bytes:
    """Return the bytes of an artifact version, from the blob store or the store."""
    if version.get("blob_key"):
        assert platform.blobs is not None, "the blob store is not configured"
        return await platform.blobs.get_bytes(
            tenant_id, version["blob_key"], MAX_ARTIFACT_BYTES
        )
    content = await store.get_file(db, version["id"])
    if content is None:
        raise NotFound("no such artifact version")
    return content


async def list_artifacts(ctx: TenantContext, ws_id: str | None) -> list[Row]:
    if ws_id:
        await require_workspace(ctx, ws_id, "view")
        return await store.artifacts(ctx.db, [ws_id])
    return await store.artifacts(ctx.db, await visible_workspaces(ctx))


async def get_artifact(ctx: TenantContext, art_id: str) -> Row:
    art = existing(await store.artifact(ctx.db, art_id), "artifact")
    ws = await require_workspace(ctx, art["workspace_id"], "view")
    versions = await store.versions(ctx.db, art_id)
    return {**art, "environment_id": ws["environment_id"], "versions": versions}


async def _version_for(ctx: TenantContext, body: Row) -> Row:
    if body.get("artifact_version_id"):
        found = await store.version(ctx.db, body["artifact_version_id"])
    else:
        art = existing(
            await store.artifact(ctx.db, body.get("artifact_id", "")), "artifact"
        )
        number = body.get("artifact_version") or art["latest_version"]
        found = await store.version_by_number(ctx.db, art["id"], number)
    return existing(found, "artifact version")


async def _check_engine_target(
    ctx: TenantContext, engine_id: str | None, env_id: str
) -> None:
    if not engine_id:
        return
    engine = await store.engine(ctx.db, engine_id)
    if engine is None or engine["environment_id"] != env_id:
        raise Invalid.field("engine_id", "is not an engine of this environment")
    if engine["status"] == "revoked":
        raise Invalid.field("engine_id", "is a revoked engine")


def _next_run(cron: str) -> float | None:
    if not cron:
        return None
    try:
        return Cron(cron).next_after(time.time())
    except CronError as exc:
        raise Invalid.field("cron", str(exc)) from None


async def create_task(ctx: TenantContext, body: Row) -> Row:
    version = await _version_for(ctx, body)
    ws_id = body.get("workspace_id") or version["workspace_id"]
    ws = await require_workspace(ctx, ws_id, "author")
    if ws["environment_id"] != version["environment_id"]:
        raise Invalid.field("workspace_id", "must be in the artifact's environment")
    await _check_engine_target(ctx, body.get("engine_id"), ws["environment_id"])
    secrets_ = body.get("secrets") or {}
    cipher = await ctx.cipher()
    fields = {
        "workspace_id": ws_id,
        "name": body["name"],
        "description": body.get("description", ""),
        "artifact_version_id": version["id"],
        "engine_id": body.get("engine_id"),
        "parameters": store.dumps(body.get("parameters") or {}),
        "secrets": cipher.seal(SECRETS_PURPOSE, orjson.dumps(secrets_)),
        "secret_names": store.dumps(sorted(secrets_)),
        "cron": body.get("cron", ""),
        "next_run_at": _next_run(body.get("cron", "")),
        **_retry_fields(body),
    }
    async with ctx.db.transaction() as tx:
        if await tx.fetchval(
            "SELECT 1 FROM tasks WHERE workspace_id = ? AND name = ?",
            [ws_id, body["name"]],
        ):
            raise Conflict(f"a task named {body['name']} already exists here")
        task_id = await store.insert_task(tx, **fields)
        await audit.record(
            tx,
            ctx.actor,
            "task.create",
            "task",
            task_id,
            body["name"],
            details={"artifact_version": version["id"]},
        )
    return await get_task(ctx, task_id)


def _retry_fields(body: Row) -> Row:
    out = {}
    retry = body.get("retry") or {}
    if "max_attempts" in retry:
        out["max_attempts"] = retry["max_attempts"]
    if "delay_seconds" in retry:
        out["retry_delay_seconds"] = retry["delay_seconds"]
    if "timeout_seconds" in body:
        out["timeout_seconds"] = body["timeout_seconds"]
    return out


def task_view(row: Row) -> Row:
    view = {k: v for k, v in row.items() if k not in ("secrets", "next_run_at")}
    view["parameters"] = store.loads(row["parameters"], {})
    view["secret_names"] = store.loads(row["secret_names"], [])
    view["enabled"] = bool(row["enabled"])
    view["next_run_at"] = iso(row["next_run_at"]) if row.get("next_run_at") else None
    view["retry"] = {
        "max_attempts": row["max_attempts"],
        "delay_seconds": row["retry_delay_seconds"],
    }
    for key in ("max_attempts", "retry_delay_seconds"):
        view.pop(key)
    return view


async def _task(ctx: TenantContext, task_id: str, need: str) -> Row:
    row = existing(await store.task(ctx.db, task_id), "task")
    await require_workspace(ctx, row["workspace_id"], need)
    return row


async def get_task(ctx: TenantContext, task_id: str) -> Row:
    return task_view(await _task(ctx, task_id, "view"))


async def list_tasks(ctx: TenantContext, ws_id: str | None) -> list[Row]:
    ws_ids = [ws_id] if ws_id else await visible_workspaces(ctx)
    if ws_id:
        await require_workspace(ctx, ws_id, "view")
    return [task_view(r) for r in await store.tasks(ctx.db, ws_ids)]


async def update_task(ctx: TenantContext, task_id: str, body: Row) -> Row:
    row = await _task(ctx, task_id, "author")
    fields: Row = {k: body[k] for k in ("name", "description") if k in body}
    if "engine_id" in body:
        await _check_engine_target(ctx, body["engine_id"], row["environment_id"])
        fields["engine_id"] = body["engine_id"]
    if "enabled" in body:
        fields["enabled"] = int(body["enabled"])
    if "parameters" in body:
        fields["parameters"] = store.dumps(body["parameters"])
    if "secrets" in body:
        cipher = await ctx.cipher()
        kept = orjson.loads(cipher.open(SECRETS_PURPOSE, row["secrets"]))
        if kept != body["secrets"]:
            sealed = cipher.seal(SECRETS_PURPOSE, orjson.dumps(body["secrets"]))
            fields["secrets"] = sealed
            fields["secret_names"] = store.dumps(sorted(body["secrets"]))
    if "cron" in body and body["cron"] != row["cron"]:
        fields["cron"], fields["next_run_at"] = body["cron"], _next_run(body["cron"])
    if body.get("artifact_version_id") or body.get("artifact_version"):
        version = await _version_for(ctx, {"artifact_id": row["artifact_id"], **body})
        fields["artifact_version_id"] = version["id"]
    fields.update(_retry_fields(body))
    # What already holds is no change: a pipeline run on an unchanged task
    # (the same version and secrets) writes nothing and audits nothing.
    fields = {k: v for k, v in fields.items() if k == "secrets" or row.get(k) != v}
    if not fields:
        return await get_task(ctx, task_id)
    async with ctx.db.transaction() as tx:
        await store.update_task(tx, task_id, fields)
        await audit.record(
            tx,
            ctx.actor,
            "task.update",
            "task",
            task_id,
            row["name"],
            details={"fields": sorted(fields)},
        )
    return await get_task(ctx, task_id)


async def delete_task(ctx: TenantContext, task_id: str) -> None:
    row = await _task(ctx, task_id, "author")
    if any(e["task_id"] == task_id for e in await store.active_on(ctx.db)):
        raise Conflict("the task is running: cancel its execution first")
    async with ctx.db.transaction() as tx:
        await store.delete_task(tx, task_id)
        await audit.record(tx, ctx.actor, "task.delete", "task", task_id, row["name"])


async def run_task(ctx: TenantContext, task_id: str) -> Row:
    """Queue an execution of a task now; the hub hands it to an engine."""
    row = await _task(ctx, task_id, "execute")
    async with ctx.db.transaction() as tx:
        exec_id = await store.insert_execution(
            tx,
            task_id=task_id,
            artifact_version_id=row["artifact_version_id"],
            trigger="manual",
            triggered_by=ctx.principal.id,
        )
        await audit.record(
            tx,
            ctx.actor,
            "task.run",
            "task",
            task_id,
            row["name"],
            details={"execution": exec_id},
        )
    work_arrived(ctx.platform, ctx.tenant.id)
    return await get_execution(ctx, exec_id)


def execution_view(row: Row) -> Row:
    view = dict(row)
    view["result"] = store.loads(row.get("result"), None)
    view.pop("not_before", None)
    return view


async def _execution(ctx: TenantContext, exec_id: str, need: str) -> Row:
    row = existing(await store.execution(ctx.db, exec_id), "execution")
    await require_workspace(ctx, row["workspace_id"], need)
    return row


async def get_execution(ctx: TenantContext, exec_id: str) -> Row:
    return execution_view(await _execution(ctx, exec_id, "view"))


async def list_executions(
    ctx: TenantContext, task_id: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    rows, total = await store.executions(
        ctx.db, await visible_workspaces(ctx), task_id, limit, offset
    )
    return [execution_view(r) for r in rows], total


async def cancel_execution(ctx: TenantContext, exec_id: str) -> Row:
    row = await _execution(ctx, exec_id, "execute")
    if row["status"] in store.FINAL:
        raise Conflict(f"the execution has already ended ({row['status']})")
    async with ctx.db.transaction() as tx:
        if row["status"] == "queued":
            await store.update_execution(
                tx,
                exec_id,
                {
                    "status": "cancelled",
                    "finished_at": now_iso(),
                    "error": "cancelled before it started",
                },
            )
        else:
            await store.update_execution(tx, exec_id, {"status": "cancelling"})
        await audit.record(
            tx, ctx.actor, "execution.cancel", "execution", exec_id, row["task_name"]
        )
    _publish(
        ctx.platform,
        "engines.cancel",
        {
            "tenant_id": ctx.tenant.id,
            "execution_id": exec_id,
            "engine_id": row["engine_id"],
        },
    )
    return await get_execution(ctx, exec_id)


async def execution_log(ctx: TenantContext, exec_id: str) -> str:
    """Return the full log: the uploaded file if there is one, else the lines."""
    await _execution(ctx, exec_id, "view")
    uploaded = await store.execution_file(ctx.db, exec_id, "log")
    if uploaded is not None and uploaded["blob_key"] and ctx.platform.blobs:
        content = await ctx.platform.blobs.get_bytes(
            ctx.tenant.id, uploaded["blob_key"]
        )
        return content.decode(errors="replace")
    if uploaded is not None:
        return bytes(uploaded["content"]).decode(errors="replace")
    return "".join(r["line"] + "\n" for r in await store.log_lines(ctx.db, exec_id))


async def log_since(ctx: TenantContext, exec_id: str, after: int) -> list[Row]:
    return await store.log_lines(ctx.db, exec_id, after, 1000)


async def promote(ctx: TenantContext, body: Row) -> Row:
    """Copy an artifact version and its tasks into another environment."""
    version = await _version_for(ctx, body)
    await require_workspace(ctx, version["workspace_id"], "view")
    target = await get_environment(ctx, body["target_environment_id"])
    if target["id"] == version["environment_id"]:
        raise Invalid.field(
            "target_environment_id", "is the artifact's own environment"
        )
    ws_id = (
        body.get("target_workspace_id")
        or (
            existing(
                await store.workspace_by_name(ctx.db, target["id"], "Shared"),
                "workspace",
            )
        )["id"]
    )
    ws = await require_workspace(ctx, ws_id, "publish")
    if ws["environment_id"] != target["id"]:
        raise Invalid.field("target_workspace_id", "is not in the target environment")
    content = await artifact_bytes(ctx.platform, ctx.tenant.id, ctx.db, version)
    art = await publish(
        ctx,
        ws_id,
        version["artifact_name"],
        version["kind"],
        content,
        version["entry_point"],
        notes=f"promoted from {version['id']}",
    )
    new_version = art["versions"][0]
    copied = []
    async with ctx.db.transaction() as tx:
        for task in await store.tasks_of_version(ctx.db, version["id"]):
            if await tx.fetchval(
                "SELECT 1 FROM tasks WHERE workspace_id = ? AND name = ?",
                [ws_id, task["name"]],
            ):
                continue
            copied.append(
                await store.insert_task(
                    tx,
                    workspace_id=ws_id,
                    name=task["name"],
                    description=task["description"],
                    artifact_version_id=new_version["id"],
                    engine_id=None,
                    parameters=task["parameters"],
                    secrets=task["secrets"],
                    secret_names=task["secret_names"],
                    cron=task["cron"],
                    next_run_at=_next_run(task["cron"]),
                    max_attempts=task["max_attempts"],
                    retry_delay_seconds=task["retry_delay_seconds"],
                    timeout_seconds=task["timeout_seconds"],
                    enabled=task["enabled"],
                )
            )
        await audit.record(
            tx,
            ctx.actor,
            "promotion.create",
            "artifact",
            art["id"],
            art["name"],
            details={"from": version["id"], "to": new_version["id"], "tasks": copied},
        )
    return {"artifact": art, "version": new_version, "tasks": copied}
