"""The hub: every engine's websocket, heartbeats, dispatch and recovery.

An engine dials in with its credential and says hello. The hub keeps one
connection per engine id (a second one with the same credential takes over
and the older is closed), pings every connection from one monitor task, and
closes a connection that stops answering. When an engine goes away its
running executions stay as they are for a grace period: if it comes back
and reports them, they go on; if not, they are marked lost and retried where
the task says so. An execution the engine reports but the server no longer
expects on it (lost, retried, cancelled) is cancelled on the engine, so none
runs twice.

Engines of a tenant only ever see that tenant's store: every lookup an
engine's message causes goes through the tenant id of its credential.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from tcloud import __version__, log
from tcloud.appkeys import PLATFORM
from tcloud.engine import protocol as p
from tcloud.engine import sealing
from tcloud.engines import service, store
from tcloud.engines.errors import EngineRefused
from tcloud.engines.repository import Repository, authenticate
from tcloud.platform import audit
from tcloud.platform.context import Platform
from tcloud.platform.db import Database, Row
from tcloud.platform.errors import TcloudError
from tcloud.platform.ids import iso, now_iso

TICKS_PER_HEARTBEAT = 4


@dataclass(frozen=True)
class HubSettings:
    """Timings of the hub; tests shorten them."""

    heartbeat_seconds: float = 5.0
    missed_heartbeats: int = 3
    lost_grace_seconds: float = 30.0
    request_timeout: float = 10.0
    hello_timeout: float = 10.0


@dataclass(eq=False)
class Connection:
    engine_id: str
    tenant_id: str
    environment_id: str
    public_key: str
    ws: web.WebSocketResponse
    peer: p.Peer
    name: str = ""
    version: str = ""
    capabilities: list[str] = field(default_factory=list)
    capacity: int = 1
    running: set[str] = field(default_factory=set)
    last_seen: float = field(default_factory=time.time)
    last_ping: float = field(default_factory=time.time)
    connected_at: float = field(default_factory=time.time)

    @property
    def free(self) -> int:
        return self.capacity - len(self.running)


class Hub:
    """The engines' connections of every tenant, in this process."""

    def __init__(
        self,
        platform: Platform,
        settings: HubSettings | None = None,
        keep_outputs: OutputKeeper | None = None,
    ) -> None:
        self.platform = platform
        self.settings = settings or HubSettings()
        self.keep_outputs = keep_outputs
        self.connections: dict[str, Connection] = {}
        self._gone: dict[str, tuple[str, float]] = {}
        self._waiting: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self.repository = Repository(platform)
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.closing = False

    async def start(self) -> None:
        await self._sweep_on_start()
        self._tasks = [
            asyncio.create_task(self._monitor(), name="hub-monitor"),
            asyncio.create_task(self._listen(), name="hub-broker"),
        ]

    async def disconnect_all(self) -> None:
        """Close every engine's socket as retryable: the server is stopping."""
        self.closing = True
        for conn in list(self.connections.values()):
            await conn.ws.close(code=p.SERVER_GOING_AWAY, message=b"server stopping")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.disconnect_all()
        await asyncio.gather(*self._tasks, *self._background, return_exceptions=True)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Future[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.hub.error("background_failed", exc_info=task.exception())

    def live(self, engine_id: str) -> dict[str, Any]:
        """Return what the hub knows now of an engine: connected, heartbeat, load."""
        conn = self.connections.get(engine_id)
        if conn is None:
            return {"connected": False, "available": False, "running": []}
        return {
            "connected": True,
            "available": conn.free > 0,
            "running": sorted(conn.running),
            "last_heartbeat_at": iso(conn.last_seen),
            "connected_at": iso(conn.connected_at),
        }

    async def _sweep_on_start(self) -> None:
        # Executions left running by the last server process get the same
        # grace as an engine that just went away: report them, or lose them.
        now = time.time()
        for tenant in await self.platform.tenants.all():
            async with self.platform.stores.use(tenant.id) as db:
                for row in await store.active_on(db):
                    if row["engine_id"]:
                        self._gone[row["engine_id"]] = (tenant.id, now)
                if await store.count_waiting(db):
                    self._waiting.add(tenant.id)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one engine's websocket, from hello to close."""
        index = await authenticate(self.platform, request)
        async with self.platform.stores.use(index["tenant_id"]) as db:
            engine = await store.engine(db, index["engine_id"])
        if engine is None or engine["status"] != "paired":
            raise EngineRefused("this engine is revoked: pair it again")
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        conn = Connection(
            engine["id"],
            index["tenant_id"],
            engine["environment_id"],
            engine["public_key"],
            ws,
            p.Peer(ws.send_str),
            engine["name"],
        )
        # aiohttp may cancel this handler when the engine's socket drops; the
        # store work a message starts is shielded so it never stops half-way.
        try:
            if await asyncio.shield(self._hello(conn)):
                await self._read(conn)
        finally:
            await asyncio.shield(self._gone_away(conn))
        return ws

    async def _hello(self, conn: Connection) -> bool:
        try:
            msg = await conn.ws.receive(timeout=self.settings.hello_timeout)
            hello = p.decode(msg.data) if msg.type == WSMsgType.TEXT else None
        except (TimeoutError, p.ProtocolError):
            hello = None
        if hello is None or hello.type != p.HELLO:
            await conn.ws.close(code=p.BAD_HELLO, message=b"send hello first")
            return False
        body = hello.body
        if body.get("protocol") not in p.SUPPORTED_VERSIONS:
            await conn.ws.close(code=p.UNSUPPORTED_VERSION, message=b"protocol version")
            return False
        capacity, capabilities = body.get("capacity", 1), body.get("capabilities")
        if not isinstance(capacity, int) or not isinstance(capabilities, list):
            await conn.ws.close(code=p.BAD_HELLO, message=b"capacity, capabilities")
            return False
        conn.version = str(body.get("version", ""))[:40]
        conn.capabilities = [str(c) for c in capabilities][:10]
        conn.capacity = max(1, min(capacity, 1000))
        await self._take_over(conn)
        await conn.peer.notify(
            p.WELCOME,
            {
                "engine_id": conn.engine_id,
                "protocol": p.PROTOCOL_VERSION,
                "server_version": __version__,
                "heartbeat_seconds": self.settings.heartbeat_seconds,
                "features": [p.FEATURE_INLINE_LOG]
                + ([p.FEATURE_INLINE_OUTPUTS] if self.keep_outputs else []),
            },
        )
        await self._record_hello(conn)
        await self._reconcile(conn, body.get("executions") or [])
        self._spawn(self.dispatch(conn.tenant_id))
        return True

    async def _take_over(self, conn: Connection) -> None:
        older = self.connections.get(conn.engine_id)
        self.connections[conn.engine_id] = conn
        self._gone.pop(conn.engine_id, None)
        if older is not None:
            log.hub.warning("engine_superseded engine=%s", conn.engine_id)
            older.peer.close()
            await older.ws.close(code=p.SUPERSEDED, message=b"superseded")

    async def _record_hello(self, conn: Connection) -> None:
        fields = {
            "version": conn.version,
            "protocol": p.PROTOCOL_VERSION,
            "capabilities": store.dumps(conn.capabilities),
            "capacity": conn.capacity,
            "last_connected_at": now_iso(),
            "last_heartbeat_at": now_iso(),
        }
        async with self.platform.stores.use(conn.tenant_id) as db:
            await store.update_engine(db, conn.engine_id, fields)
        log.hub.info(
            "engine_connected tenant=%s engine=%s version=%s capacity=%s",
            conn.tenant_id,
            conn.engine_id,
            conn.version,
            conn.capacity,
        )

    async def _reconcile(self, conn: Connection, reported: list[Any]) -> None:
        """Match what the engine says it runs with what the server expects."""
        by_id = {str(r.get("execution_id")): r for r in reported if isinstance(r, dict)}
        async with self.platform.stores.use(conn.tenant_id) as db:
            expected = {r["id"]: r for r in await store.active_on(db, conn.engine_id)}
            for exec_id, report in by_id.items():
                if report.get("finished"):
                    if exec_id in expected:
                        await self._finished(db, conn, exec_id, report["finished"])
                    expected.pop(exec_id, None)
                elif exec_id in expected:
                    conn.running.add(exec_id)
                else:
                    self._spawn(self._cancel_on(conn, exec_id))
            for exec_id, row in expected.items():
                if exec_id not in by_id:
                    await self._lose(
                        db, conn.tenant_id, row, "the engine no longer runs it"
                    )

    async def _read(self, conn: Connection) -> None:
        async for msg in conn.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            conn.last_seen = time.time()
            try:
                message = p.decode(msg.data)
            except p.ProtocolError as exc:
                log.hub.warning("bad_message engine=%s reason=%s", conn.engine_id, exc)
                continue
            if conn.peer.resolve(message):
                continue
            await asyncio.shield(self._on_message(conn, message))

    async def _on_message(self, conn: Connection, message: p.Message) -> None:
        if message.type == p.PING:
            await conn.ws.send_str(
                p.encode(p.Message(conn.peer.next_id(), p.PONG, {}, message.id))
            )
        elif message.type == p.EVENT:
            await self._event(conn, message)
        elif message.type == p.UPLOAD:
            await self._upload_grant(conn, message)
        elif message.type != p.PONG:
            await conn.peer.error(message, "unknown-type", f"no {message.type} here")

    async def _gone_away(self, conn: Connection) -> None:
        conn.peer.close()
        if self.connections.get(conn.engine_id) is not conn:
            return
        del self.connections[conn.engine_id]
        self._gone[conn.engine_id] = (conn.tenant_id, time.time())
        log.hub.info(
            "engine_disconnected tenant=%s engine=%s code=%s",
            conn.tenant_id,
            conn.engine_id,
            conn.ws.close_code,
        )
        if self.closing:
            return
        try:
            async with self.platform.stores.use(conn.tenant_id) as db:
                await store.update_engine(
                    db, conn.engine_id, {"last_heartbeat_at": iso(conn.last_seen)}
                )
        except TcloudError as exc:
            # Only the shown heartbeat time is stale; the engine is gone anyway.
            log.hub.warning(
                "heartbeat_not_saved engine=%s reason=%s", conn.engine_id, exc.code
            )

    async def _monitor(self) -> None:
        # Ticks four times per heartbeat and pings only the connections due,
        # so a thousand engines are pinged in slices, not in one burst.
        tick = self.settings.heartbeat_seconds / TICKS_PER_HEARTBEAT
        count = 0
        while True:
            await asyncio.sleep(tick)
            count += 1
            try:
                await self._heartbeat(time.time())
                await self._lose_gone(time.time())
                if count % TICKS_PER_HEARTBEAT == 0:
                    for tenant_id in list(self._waiting):
                        await self.dispatch(tenant_id)
            except Exception:
                log.hub.exception("monitor_failed")

    async def _heartbeat(self, now: float) -> None:
        limit = self.settings.heartbeat_seconds * self.settings.missed_heartbeats
        sends = []
        for conn in list(self.connections.values()):
            if conn.ws.closed:
                self._spawn(self._gone_away(conn))
            elif now - conn.last_seen > limit:
                log.hub.warning("heartbeats_missed engine=%s", conn.engine_id)
                self._spawn(conn.ws.close(code=p.HEARTBEAT_MISSED, message=b"silent"))
            elif now - conn.last_ping >= self.settings.heartbeat_seconds:
                conn.last_ping = now
                sends.append(conn.peer.notify(p.PING))
        for result in await asyncio.gather(*sends, return_exceptions=True):
            if isinstance(result, Exception) and not isinstance(
                result, ConnectionError
            ):
                log.hub.warning("ping_failed reason=%s", type(result).__name__)

    async def _lose_gone(self, now: float) -> None:
        for engine_id, (tenant_id, since) in list(self._gone.items()):
            if now - since < self.settings.lost_grace_seconds:
                continue
            del self._gone[engine_id]
            async with self.platform.stores.use(tenant_id) as db:
                for row in await store.active_on(db, engine_id):
                    await self._lose(db, tenant_id, row, "the engine went away")

    async def _lose(self, db: Database, tenant_id: str, row: Row, why: str) -> None:
        cancelling = row["status"] == "cancelling"
        status = "cancelled" if cancelling else "lost"
        error = "cancelled; the engine went away" if cancelling else f"lost: {why}"
        changed = await store.update_execution(
            db,
            row["id"],
            {"status": status, "error": error, "finished_at": now_iso()},
            only_if=store.ACTIVE,
        )
        if not changed:
            return
        log.hub.warning(
            "execution_lost tenant=%s execution=%s engine=%s",
            tenant_id,
            row["id"],
            row["engine_id"],
        )
        conn = self.connections.get(row["engine_id"] or "")
        if conn is not None:
            conn.running.discard(row["id"])
        await self._publish_status(db, tenant_id, row["id"])
        if not cancelling:
            await self._maybe_retry(db, tenant_id, row)

    async def _maybe_retry(self, db: Database, tenant_id: str, row: Row) -> None:
        task = await store.task(db, row["task_id"])
        if task is None or row["attempt"] >= task["max_attempts"]:
            return
        async with db.transaction() as tx:
            retry_id = await store.insert_execution(
                tx,
                task_id=row["task_id"],
                artifact_version_id=row["artifact_version_id"],
                attempt=row["attempt"] + 1,
                retry_of=row["id"],
                trigger="retry",
                triggered_by="system",
                not_before=time.time() + task["retry_delay_seconds"],
            )
            await store.append_log(
                tx, row["id"], [(now_iso(), "system", f"retrying as {retry_id}")]
            )
            actor = audit.Actor("system", "hub", "hub")
            await audit.record(
                tx,
                actor,
                "execution.retry",
                "execution",
                retry_id,
                task["name"],
                details={"retry_of": row["id"]},
            )
        self._waiting.add(tenant_id)
        self._spawn(self.dispatch(tenant_id))

    async def _listen(self) -> None:
        broker = self.platform.broker
        assert broker is not None
        async with broker.subscribe("engines.*") as sub:
            async for message in sub:
                try:
                    await self._on_broker(message.topic, message.payload)
                except Exception:
                    log.hub.exception("broker_message_failed topic=%s", message.topic)

    async def _on_broker(self, topic: str, payload: dict[str, Any]) -> None:
        tenant_id = payload["tenant_id"]
        if topic == "engines.work":
            self._waiting.add(tenant_id)
            self._spawn(self.dispatch(tenant_id))
        elif topic == "engines.revoked":
            await self._revoked(tenant_id, payload["engine_id"])
        elif topic == "engines.cancel":
            conn = self.connections.get(payload.get("engine_id") or "")
            if conn is not None and conn.tenant_id == tenant_id:
                self._spawn(self._cancel_on(conn, payload["execution_id"]))
            else:
                await self._publish_by_id(tenant_id, payload["execution_id"])

    async def _revoked(self, tenant_id: str, engine_id: str) -> None:
        conn = self.connections.get(engine_id)
        if conn is not None and conn.tenant_id == tenant_id:
            await conn.ws.close(code=p.REVOKED, message=b"revoked")
        self._gone.pop(engine_id, None)
        async with self.platform.stores.use(tenant_id) as db:
            for row in await store.active_on(db, engine_id):
                await self._lose(db, tenant_id, row, "the engine was revoked")

    async def _cancel_on(self, conn: Connection, exec_id: str) -> None:
        try:
            await conn.peer.request(
                p.CANCEL, {"execution_id": exec_id}, self.settings.request_timeout
            )
        except (TimeoutError, ConnectionError, p.RequestFailed) as exc:
            log.hub.warning(
                "cancel_failed engine=%s execution=%s reason=%s",
                conn.engine_id,
                exec_id,
                type(exc).__name__,
            )

    async def request(
        self, engine_id: str, kind: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a command to a connected engine and return its reply."""
        conn = self.connections.get(engine_id)
        if conn is None:
            raise p.PeerGone("the engine is not connected")
        return await conn.peer.request(kind, body, self.settings.request_timeout)

    async def dispatch(self, tenant_id: str) -> None:
        """Hand a tenant's queued executions to its available engines."""
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock, self.platform.stores.use(tenant_id) as db:
            waiting = await store.queued(db, time.time())
            placed = 0
            for row in waiting:
                conn = await self._pick(db, tenant_id, row)
                if conn is None:
                    continue
                changed = await store.update_execution(
                    db,
                    row["id"],
                    {"status": "dispatched", "engine_id": conn.engine_id},
                    only_if=("queued",),
                )
                if changed:
                    conn.running.add(row["id"])
                    placed += 1
                    self._spawn(self._send_run(conn, row))
            if placed == len(waiting) and not await store.count_waiting(db):
                self._waiting.discard(tenant_id)

    async def _pick(self, db: Database, tenant_id: str, row: Row) -> Connection | None:
        version = await store.version(db, row["artifact_version_id"])
        if version is None:
            return None
        target = row["target_engine"]
        if target:
            conn = self.connections.get(target)
            ok = conn is not None and conn.tenant_id == tenant_id and conn.free > 0
            return conn if ok else None
        avoid = ""
        if row["retry_of"]:
            avoid = (
                await db.fetchval(
                    "SELECT engine_id FROM executions WHERE id = ?", [row["retry_of"]]
                )
                or ""
            )
        choices = [
            c
            for c in self.connections.values()
            if c.tenant_id == tenant_id
            and c.environment_id == version["environment_id"]
            and c.free > 0
            and version["kind"] in c.capabilities
        ]
        choices.sort(key=lambda c: (c.engine_id == avoid, -c.free))
        return choices[0] if choices else None

    async def _run_body(
        self, db: Database, conn: Connection, row: Row
    ) -> dict[str, Any]:
        task = await store.task(db, row["task_id"])
        version = await store.version(db, row["artifact_version_id"])
        assert task is not None and version is not None
        cipher = await self.platform.cipher(conn.tenant_id)
        secrets_ = orjson.loads(cipher.open(service.SECRETS_PURPOSE, task["secrets"]))
        sealed = {
            name: sealing.seal(conn.public_key, conn.engine_id, str(value).encode())
            for name, value in secrets_.items()
        }
        return {
            "execution_id": row["id"],
            "task_id": task["id"],
            "task_name": task["name"],
            "attempt": row["attempt"],
            "artifact": {
                "version_id": version["id"],
                "kind": version["kind"],
                "name": version["artifact_name"],
                "version": version["version"],
                "sha256": version["sha256"],
                "size": version["size"],
                "entry_point": version["entry_point"],
                "path": f"/engine/artifacts/{version['id']}",
            },
            "parameters": store.loads(task["parameters"], {}),
            "secrets": sealed,
            "timeout_seconds": task["timeout_seconds"],
        }

    async def _send_run(self, conn: Connection, row: Row) -> None:
        async with self.platform.stores.use(conn.tenant_id) as db:
            try:
                body = await self._run_body(db, conn, row)
                reply = await conn.peer.request(
                    p.RUN, body, self.settings.request_timeout
                )
            except (TimeoutError, ConnectionError, p.RequestFailed) as exc:
                log.hub.warning(
                    "run_not_delivered engine=%s execution=%s reason=%s",
                    conn.engine_id,
                    row["id"],
                    type(exc).__name__,
                )
                if isinstance(exc, TimeoutError):
                    # It may have started all the same: make sure it stops.
                    self._spawn(self._cancel_on(conn, row["id"]))
                await self._requeue(db, conn, row["id"])
                return
            if reply.get("accepted"):
                await self._publish_status(db, conn.tenant_id, row["id"])
            elif reply.get("retryable"):
                await self._requeue(db, conn, row["id"])
            else:
                conn.running.discard(row["id"])
                reason = str(reply.get("reason", "the engine refused it"))[:500]
                await self._finish_row(db, conn, row["id"], "failed", reason)

    async def _requeue(self, db: Database, conn: Connection, exec_id: str) -> None:
        conn.running.discard(exec_id)
        await store.update_execution(
            db,
            exec_id,
            {"status": "queued", "engine_id": None},
            only_if=("dispatched",),
        )
        self._waiting.add(conn.tenant_id)

    async def _finish_row(
        self,
        db: Database,
        conn: Connection,
        exec_id: str,
        status: str,
        error: str,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        fields = {
            "status": status,
            "error": error,
            "finished_at": now_iso(),
            **(extra or {}),
        }
        changed = await store.update_execution(
            db, exec_id, fields, only_if=store.ACTIVE
        )
        conn.running.discard(exec_id)
        if not changed:
            return False
        actor = audit.Actor("engine", conn.engine_id, conn.name)
        await audit.record(
            db,
            actor,
            "execution.finish",
            "execution",
            exec_id,
            details={"status": status},
        )
        if error:
            line = {"stream": "system", "line": error}
            await self._log(db, conn.tenant_id, exec_id, [line])
        await self._publish_status(db, conn.tenant_id, exec_id)
        row = await store.execution(db, exec_id)
        if row is not None and status == "failed":
            await self._maybe_retry(db, conn.tenant_id, row)
        self._spawn(self.dispatch(conn.tenant_id))
        return True

    async def _event(self, conn: Connection, message: p.Message) -> None:
        body = message.body
        exec_id = str(body.get("execution_id", ""))
        kind = body.get("kind")
        async with self.platform.stores.use(conn.tenant_id) as db:
            row = await store.execution(db, exec_id)
            mine = row is not None and row["engine_id"] == conn.engine_id
            if kind == "finished":
                if mine:
                    await self._finished(db, conn, exec_id, body)
                await conn.peer.reply(message, {"ok": True})
                return
            if not mine or row is None or row["status"] not in store.ACTIVE:
                return
            if kind == "running":
                await store.update_execution(
                    db,
                    exec_id,
                    {"status": "running", "started_at": now_iso()},
                    only_if=("dispatched",),
                )
                await self._publish_status(db, conn.tenant_id, exec_id)
            elif kind == "metrics":
                await self._metrics(db, conn.tenant_id, exec_id, body)
            elif kind == "log":
                await self._log(db, conn.tenant_id, exec_id, body.get("lines") or [])

    async def _metrics(
        self, db: Database, tenant_id: str, exec_id: str, body: Row
    ) -> None:
        fields = {
            k: int(body[k])
            for k in ("rows_read", "rows_written", "rows_rejected")
            if isinstance(body.get(k), int)
        }
        if fields:
            await store.update_execution(db, exec_id, fields)
            await self._publish_status(db, tenant_id, exec_id)

    async def _log(
        self, db: Database, tenant_id: str, exec_id: str, lines: list[Any]
    ) -> None:
        rows = [
            (
                str(x.get("at") or now_iso()),
                str(x.get("stream", "out"))[:10],
                str(x.get("line", ""))[:10000],
            )
            for x in lines[:1000]
            if isinstance(x, dict)
        ]
        if not rows:
            return
        async with db.transaction() as tx:
            first = await store.append_log(tx, exec_id, rows)
        self._publish(
            tenant_id,
            exec_id,
            {
                "type": "log",
                "lines": [
                    {"seq": first + i, "at": at, "stream": s, "line": line}
                    for i, (at, s, line) in enumerate(rows)
                ],
            },
        )

    async def _finished(
        self, db: Database, conn: Connection, exec_id: str, body: Row
    ) -> None:
        status = body.get("status")
        if status not in p.FINAL_STATUSES:
            status = "failed"
        extra: dict[str, Any] = {
            k: int(body[k])
            for k in ("rows_read", "rows_written", "rows_rejected")
            if isinstance(body.get(k), int)
        }
        if isinstance(body.get("exit_code"), int):
            extra["exit_code"] = body["exit_code"]
        row = await store.execution(db, exec_id)
        result = body.get("result")
        if isinstance(result, dict) and p.INLINE_FILES in result:
            sent = result.pop(p.INLINE_FILES)
            # A finish sent again after a reconnect keeps its files only once.
            if row is not None and row["status"] in store.ACTIVE:
                error = await self._keep_inline(db, conn, exec_id, result, sent)
                if error:
                    status, body = "failed", {**body, "error": error}
        if result is not None:
            extra["result"] = store.dumps(result)
        if row is not None and row["started_at"] is None:
            extra["started_at"] = now_iso()
        error = str(body.get("error") or "")[:2000]
        await self._finish_row(db, conn, exec_id, str(status), error, extra)
        log_text = body.get("log")
        if isinstance(log_text, str) and len(log_text) <= p.INLINE_LOG_BYTES:
            # A small full log rides on the finish itself: no token, no upload.
            # It is kept after the status is out; until then the log lines
            # stored live give the same text.
            await self.repository.keep_file(
                db, conn.tenant_id, exec_id, "log", log_text.encode()
            )

    async def _keep_inline(
        self, db: Database, conn: Connection, exec_id: str, result: Row, sent: Any
    ) -> str:
        """Keep the output files that came with a finish; list them in its result.

        Returns "" or, when a file cannot be kept, the error the run fails with.
        """
        if self.keep_outputs is None:
            return "the server cannot keep output files sent with a finish"
        try:
            files = [(str(f["name"]), base64.b64decode(f["data"])) for f in sent]
            result["files"] = await self.keep_outputs(
                db, conn.tenant_id, conn.engine_id, exec_id, files
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            return "the run's output files came damaged"
        except TcloudError as exc:
            return f"could not keep an output file: {exc.detail}"
        return ""

    async def _upload_grant(self, conn: Connection, message: p.Message) -> None:
        exec_id = str(message.body.get("execution_id", ""))
        try:
            grant = await self.repository.grant(
                conn.tenant_id, conn.engine_id, exec_id, message.body.get("kind")
            )
        except TcloudError as exc:
            await conn.peer.error(message, exc.code, exc.detail)
            return
        await conn.peer.reply(message, grant)

    def _publish(self, tenant_id: str, exec_id: str, payload: dict[str, Any]) -> None:
        if self.platform.broker is not None:
            self.platform.broker.publish(f"executions.{tenant_id}.{exec_id}", payload)

    async def _publish_status(self, db: Database, tenant_id: str, exec_id: str) -> None:
        row = await store.execution(db, exec_id)
        if row is not None:
            self._publish(
                tenant_id,
                exec_id,
                {"type": "status", "execution": service.execution_view(row)},
            )

    async def _publish_by_id(self, tenant_id: str, exec_id: str) -> None:
        async with self.platform.stores.use(tenant_id) as db:
            row = await store.execution(db, exec_id)
            if (
                row is not None
                and row["status"] == "cancelling"
                and not row["engine_id"]
            ):
                await store.update_execution(
                    db, exec_id, {"status": "cancelled", "finished_at": now_iso()}
                )
            await self._publish_status(db, tenant_id, exec_id)


# (store, tenant id, engine id, execution id, [(name, bytes)]) -> file rows
OutputKeeper = Callable[
    [Database, str, str, str, list[tuple[str, bytes]]], Awaitable[list[Row]]
]
HUB: web.AppKey[Hub] = web.AppKey("engines.hub", Hub)
HUB_SETTINGS: web.AppKey[HubSettings] = web.AppKey("engines.hub_settings", HubSettings)
# Who keeps the output files a run sends inline with its finish (the
# pipelines app puts them in the file area); without one, none are asked for.
OUTPUT_KEEPER: web.AppKey[OutputKeeper] = web.AppKey("engines.output_keeper")


async def hub_shutdown(app: web.Application) -> None:
    """Close the engines' sockets before aiohttp waits for open requests."""
    hub = app.get(HUB)
    if hub is not None:
        await hub.disconnect_all()


async def hub_context(app: web.Application) -> AsyncIterator[None]:
    """Start the hub after the platform; close every engine's socket on the way out."""
    hub = Hub(app[PLATFORM], app.get(HUB_SETTINGS), app.get(OUTPUT_KEEPER))
    app[HUB] = hub
    await hub.start()
    yield
    await hub.close()
