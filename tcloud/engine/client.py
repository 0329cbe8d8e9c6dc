"""The engine's side of the websocket: dial, hello, heartbeats, commands.

The engine dials the server and never listens. It reconnects with
exponential backoff and full jitter, and its hello lists what it still runs
and the results the server has not acknowledged yet, so a restart of either
side leaves no execution running forever and none running twice. A close
code marked terminal (revoked, superseded) or a refused handshake ends the
program instead of dialling again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import time
from collections import OrderedDict
from typing import Any

import aiohttp

from tcloud import __version__
from tcloud.engine import data, runner, sealing
from tcloud.engine import protocol as p
from tcloud.engine.state import EngineState

# The engine ships without the server, so not with tcloud.log: its one
# logger is this one, shared by the engine's modules.
log = logging.getLogger("tcloud.engine")

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
FLUSH_SECONDS = 0.2
EXIT_TERMINAL = 3
# Artifact versions kept in memory, at most this many bytes in all.
ARTIFACT_CACHE_BYTES = 64 << 20


class Terminal(Exception):
    """The server refused this engine for good."""


def backoff(
    attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
) -> float:
    """Return the wait before dial `attempt`: exponential, with full jitter."""
    ceiling = min(cap, base * (2**attempt))
    return max(0.05, random.uniform(0, ceiling))  # noqa: S311 - jitter, not a secret


class EngineClient:
    def __init__(
        self,
        state: EngineState,
        *,
        capacity: int = 2,
        plans_only: bool = False,
        embedded: bool = False,
    ) -> None:
        self.state = state
        self.capacity = capacity
        self.plans_only = plans_only
        self.embedded = embedded
        self.capabilities = [p.CAP_PLAN] if plans_only else [p.CAP_PLAN, p.CAP_PYTHON]
        self.jobs: dict[str, runner.Job] = {}
        self.unacked: dict[str, dict[str, Any]] = {}
        self.peer: p.Peer | None = None
        self.heartbeat = 5.0
        self.last_seen = time.monotonic()
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self.features: frozenset[str] = frozenset()
        self._sending: dict[str, set[asyncio.Task[Any]]] = {}
        # Artifact versions are immutable and named by their checksum, so a
        # task run again needs no second download.
        self._artifacts: OrderedDict[str, bytes] = OrderedDict()

    async def run_forever(self) -> int:
        """Stay connected until stopped or refused; return the exit status."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        attempt = 0
        try:
            while not self.stopping:
                try:
                    if await self._connect_once():
                        attempt = 0
                except Terminal as exc:
                    log.error("engine_refused reason=%s", exc)
                    return EXIT_TERMINAL
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    log.info("connect_failed reason=%s", type(exc).__name__)
                if self.stopping:
                    break
                wait = backoff(attempt)
                attempt += 1
                log.info("reconnecting_in seconds=%.2f attempt=%s", wait, attempt)
                await asyncio.sleep(wait)
            return 0
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        for job in self.jobs.values():
            job.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._settled)
        return task

    def _settled(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background_failed", exc_info=task.exception())

    def _ws_url(self) -> str:
        base = self.state.url.rstrip("/")
        if base.startswith("https://"):
            return "wss://" + base[len("https://") :] + "/engine/ws"
        return "ws://" + base.removeprefix("http://") + "/engine/ws"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.state.credential}"}

    async def _connect_once(self) -> bool:
        """Hold one connection; return whether it got as far as the welcome."""
        assert self._http is not None
        try:
            ws = await self._http.ws_connect(
                self._ws_url(),
                headers=self._auth(),
                heartbeat=None,
                max_msg_size=4 << 20,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):
                raise Terminal(
                    f"the server refused the engine ({exc.status})"
                ) from None
            raise
        async with ws:
            welcomed = await self._session(ws)
        code = ws.close_code
        log.info(
            "disconnected code=%s reason=%s", code, p.CLOSE_CODES.get(code or 0, "")
        )
        if p.is_terminal(code):
            raise Terminal(p.CLOSE_CODES.get(code or 0, f"close code {code}"))
        return welcomed

    def _hello(self) -> dict[str, Any]:
        running = [
            {"execution_id": i, "status": "running"}
            for i in self.jobs
            if i not in self.unacked
        ]
        finished = [{"execution_id": i, "finished": b} for i, b in self.unacked.items()]
        return p.hello_body(
            __version__,
            self.capabilities,
            self.capacity,
            running + finished,
            self.state.name,
        )

    async def _session(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        peer = p.Peer(ws.send_str)
        await peer.notify(p.HELLO, self._hello())
        welcome = await ws.receive(timeout=15)
        if welcome.type != aiohttp.WSMsgType.TEXT:
            return False
        message = p.decode(welcome.data)
        if message.type != p.WELCOME:
            return False
        self.heartbeat = float(message.body.get("heartbeat_seconds", 5.0))
        self.features = frozenset(map(str, message.body.get("features") or ()))
        self.peer, self.last_seen = peer, time.monotonic()
        log.info("connected engine=%s", self.state.engine_id)
        self._resend_unacked()
        beat = self._spawn(self._beat(ws, peer))
        try:
            await self._read(ws, peer)
        finally:
            beat.cancel()
            peer.close()
            self.peer = None
        return True

    def _resend_unacked(self) -> None:
        # The hello carried them; the server acknowledges by applying them, so
        # only drop ours when it replies to the finished event sent again.
        for exec_id, body in list(self.unacked.items()):
            self._spawn(self._send_finished(exec_id, body))

    async def _beat(self, ws: aiohttp.ClientWebSocketResponse, peer: p.Peer) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            if time.monotonic() - self.last_seen > self.heartbeat * 3:
                log.warning("server_silent engine=%s", self.state.engine_id)
                await ws.close(code=p.HEARTBEAT_MISSED)
                return
            with contextlib.suppress(ConnectionError):
                await peer.notify(p.PING)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, peer: p.Peer) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            self.last_seen = time.monotonic()
            try:
                message = p.decode(msg.data)
            except p.ProtocolError:
                continue
            if peer.resolve(message):
                continue
            await self._command(peer, message)

    async def _command(self, peer: p.Peer, message: p.Message) -> None:
        kind = message.type
        if kind == p.PING:
            await peer._send(
                p.encode(p.Message(peer.next_id(), p.PONG, {}, message.id))
            )
        elif kind == p.RUN:
            await peer.reply(message, self._start(message.body))
        elif kind == p.CANCEL:
            job = self.jobs.get(str(message.body.get("execution_id")))
            if job is not None:
                job.stop()
            await peer.reply(message, {"known": job is not None})
        elif kind == p.STATUS:
            await peer.reply(
                message, {"running": sorted(self.jobs), "capacity": self.capacity}
            )
        elif kind in data.COMMANDS:
            self._spawn(data.answer(self, peer, message))
        elif kind != p.PONG:
            await peer.error(message, "unknown-type", f"no {kind} here")

    def _start(self, command: dict[str, Any]) -> dict[str, Any]:
        exec_id = str(command.get("execution_id", ""))
        if exec_id in self.jobs:
            return {"accepted": True}
        kind = command.get("artifact", {}).get("kind")
        if kind == "python" and self.plans_only:
            reason = (
                "this embedded engine runs declarative plans only; set"
                " embedded_engine_python_jobs = true to let it run Python jobs"
                if self.embedded
                else "this engine runs declarative plans only"
            )
            return {"accepted": False, "reason": reason}
        if kind not in self.capabilities:
            return {"accepted": False, "reason": f"this engine cannot run {kind!r}"}
        if len(self.jobs) >= self.capacity:
            return {"accepted": False, "retryable": True, "reason": "at capacity"}
        job = runner.Job(command, self._emitter(exec_id))
        self.jobs[exec_id] = job
        self._spawn(self._run(job))
        return {"accepted": True}

    def _emitter(self, exec_id: str) -> runner.Emit:
        def emit(event: dict[str, Any]) -> None:
            peer = self.peer
            if peer is not None and not peer.closed:
                body = {"execution_id": exec_id, **event}
                sending = self._sending.setdefault(exec_id, set())
                task = self._spawn(self._notify(peer, body))
                sending.add(task)
                task.add_done_callback(sending.discard)

        return emit

    async def _sent(self, exec_id: str) -> None:
        """Wait until the events of an execution emitted so far have gone out."""
        pending = self._sending.pop(exec_id, set())
        if pending:
            await asyncio.wait(pending)

    async def _notify(self, peer: p.Peer, body: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await peer.notify(p.EVENT, body)

    async def _run(self, job: runner.Job) -> None:
        job.emit({"kind": "running"})
        flusher = self._spawn(self._flush(job))
        try:
            outcome = await self._execute(job)
        except runner.JobFailed as exc:
            outcome = runner.Outcome("failed", str(exc))
        except Exception as exc:
            log.exception("job_crashed execution=%s", job.id)
            outcome = runner.Outcome(
                "failed", f"the engine failed: {type(exc).__name__}"
            )
        flusher.cancel()
        job.line(
            f"finished: {outcome.status}"
            + (f" ({outcome.error})" if outcome.error else ""),
            "system",
        )
        job.flush(final=True)
        full_log = "\n".join(job.log) + "\n"
        body = {
            "kind": "finished",
            "status": outcome.status,
            "error": outcome.error,
            "exit_code": outcome.exit_code,
            "result": outcome.result,
            **job.metrics,
        }
        inline = p.FEATURE_INLINE_LOG in self.features
        if inline and len(full_log.encode()) <= p.INLINE_LOG_BYTES:
            body["log"] = full_log
        else:
            await self._upload(job, "log", full_log.encode())
        self.unacked[job.id] = body
        # The last log lines go before the finish, which closes the execution.
        await self._sent(job.id)
        await self._send_finished(job.id, body)

    async def _flush(self, job: runner.Job) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            job.flush()

    async def _send_finished(self, exec_id: str, body: dict[str, Any]) -> None:
        peer = self.peer
        if peer is None:
            return
        try:
            await peer.request(p.EVENT, {"execution_id": exec_id, **body})
        except (TimeoutError, ConnectionError, p.RequestFailed):
            return
        self.unacked.pop(exec_id, None)
        self.jobs.pop(exec_id, None)

    async def _execute(self, job: runner.Job) -> runner.Outcome:
        command = job.command
        artifact = command["artifact"]
        content = await self._fetch(artifact)
        params = dict(command.get("parameters") or {})
        for name, sealed in (command.get("secrets") or {}).items():
            params[name] = sealing.open_sealed(
                self.state.private_key, self.state.engine_id, sealed
            ).decode()
        job.line(
            f"artifact {artifact['name']} v{artifact['version']} ({artifact['kind']})",
            "system",
        )
        if artifact["kind"] == "plan" and data.is_pipeline(content):
            return await data.run_pipeline(self, job, content, params)
        if artifact["kind"] == "plan":
            return await runner.run_plan(job, content, params)
        timeout = float(command.get("timeout_seconds") or 3600)
        return await runner.run_python(
            job, content, params, artifact["entry_point"], timeout
        )

    async def _fetch(self, artifact: dict[str, Any]) -> bytes:
        kept = self._artifacts.get(str(artifact["sha256"]))
        if kept is not None:
            self._artifacts.move_to_end(str(artifact["sha256"]))
            return kept
        content = await self._download(artifact)
        self._artifacts[str(artifact["sha256"])] = content
        while sum(map(len, self._artifacts.values())) > ARTIFACT_CACHE_BYTES:
            self._artifacts.popitem(last=False)
        return content

    async def _download(self, artifact: dict[str, Any]) -> bytes:
        assert self._http is not None
        url = self.state.url.rstrip("/") + artifact["path"]
        async with self._http.get(url, headers=self._auth()) as response:
            if response.status != 200:
                raise runner.JobFailed(
                    f"could not fetch the artifact ({response.status})"
                )
            content = await response.read()
        if hashlib.sha256(content).hexdigest() != artifact["sha256"]:
            raise runner.JobFailed("the artifact does not match its checksum")
        return content

    async def _upload(self, job: runner.Job, kind: str, content: bytes) -> None:
        """Send a file up with a single-use upload token; the server may be away."""
        peer = self.peer
        if peer is None or self._http is None:
            return
        try:
            grant = await peer.request(p.UPLOAD, {"execution_id": job.id, "kind": kind})
            url = self.state.url.rstrip("/") + grant["path"]
            headers = {"Authorization": f"Bearer {grant['token']}"}
            async with self._http.put(url, data=content, headers=headers) as response:
                if response.status != 201:
                    log.warning(
                        "upload_refused execution=%s status=%s", job.id, response.status
                    )
        except (
            TimeoutError,
            ConnectionError,
            aiohttp.ClientError,
            p.RequestFailed,
        ) as exc:
            log.warning(
                "upload_failed execution=%s reason=%s", job.id, type(exc).__name__
            )


async def pair(url: str, key: str, name: str) -> EngineState:
    """Present a pairing key and a new public key; return the engine's state."""
    private = sealing.new_private_key()
    body = {
        "key": key,
        "public_key": sealing.public_key_of(private),
        "name": name,
        "version": __version__,
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(url.rstrip("/") + "/engine/pair", json=body) as response:
            answer = await response.json(content_type=None)
            if response.status != 200:
                raise PairingFailed(answer.get("detail") or f"status {response.status}")
    return EngineState(
        url.rstrip("/"),
        answer["engine_id"],
        answer["credential"],
        private,
        answer["tenant_id"],
        name,
    )


class PairingFailed(Exception):
    """The server would not pair this engine."""
