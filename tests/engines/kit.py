"""A real server on a loopback port and real engine processes for the tests."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from tcloud.app import build_app
from tcloud.config import Config
from tcloud.engines.hub import HUB, HUB_SETTINGS, Hub, HubSettings
from tests.helpers import ADMIN_PASSWORD, Session, sign_in

FAST = HubSettings(
    heartbeat_seconds=0.5,
    missed_heartbeats=3,
    lost_grace_seconds=2.0,
    request_timeout=5.0,
    hello_timeout=5.0,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """The whole app on a loopback port, restartable on the same port."""

    config: Config
    port: int
    test_server: TestServer | None = None
    client: TestClient | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hub(self) -> Hub:
        assert self.test_server is not None
        return self.test_server.app[HUB]

    async def start(self) -> None:
        app = build_app(self.config)
        app[HUB_SETTINGS] = FAST
        self.test_server = TestServer(app, host="127.0.0.1", port=self.port)
        self.client = TestClient(self.test_server)
        await self.client.start_server()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        self.client = self.test_server = None

    async def admin(self) -> Session:
        assert self.client is not None
        return await sign_in(self.client, "admin", ADMIN_PASSWORD)


@dataclass
class Engine:
    """One `tcloud engine run` process with its own state folder."""

    state_dir: Path
    url: str
    process: asyncio.subprocess.Process | None = None
    args: list[str] = field(default_factory=list)

    async def pair(self, key: str, name: str = "") -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tcloud",
            "engine",
            "pair",
            "--url",
            self.url,
            "--key",
            key,
            "--state-dir",
            str(self.state_dir),
            "--name",
            name or "e",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
        return int(process.returncode or 0), out.decode()

    async def start(self, *extra: str) -> None:
        log = open(self.state_dir / "engine.log", "ab")  # noqa: ASYNC230
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tcloud",
            "engine",
            "run",
            "--state-dir",
            str(self.state_dir),
            "--log-level",
            "info",
            *extra,
            stdout=log,
            stderr=log,
        )
        log.close()

    @property
    def engine_id(self) -> str:
        import orjson

        return str(
            orjson.loads((self.state_dir / "engine.json").read_bytes())["engine_id"]
        )

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def exited(self, timeout: float = 10) -> int:  # noqa: ASYNC109
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    def log(self) -> str:
        path = self.state_dir / "engine.log"
        return path.read_text() if path.exists() else ""


async def eventually(
    check: Callable[[], Awaitable[Any]],
    timeout: float = 20,  # noqa: ASYNC109
    every: float = 0.1,
) -> Any:
    """Call `check` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"not true after {timeout}s (last: {last!r})")


async def pairing_key(admin: Session, **body: Any) -> str:
    made = await admin.json("POST", "/engine-pairing-keys", 201, json=body)
    return str(made["key"])


SLEEP_PLAN = {
    "name": "slow",
    "steps": [
        {"type": "log", "message": "hello {who}"},
        {"type": "rows", "read": 10, "written": 8, "rejected": 2},
        {"type": "sleep", "seconds": 30},
    ],
}
QUICK_PLAN = {
    "name": "quick",
    "steps": [
        {"type": "log", "message": "hello {who}"},
        {"type": "rows", "read": 3, "written": 3, "rejected": 0},
    ],
}


def python_job(source: str, entry: str = "main.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, source)
    return buffer.getvalue()


async def publish_plan(
    admin: Session, name: str, plan: dict[str, Any]
) -> dict[str, Any]:
    return await admin.json(
        "POST", "/artifacts", 201, json={"name": name, "kind": "plan", "plan": plan}
    )


async def make_task(admin: Session, artifact_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": fields.pop("name", "t-" + os.urandom(3).hex()),
        "artifact_id": artifact_id,
        **fields,
    }
    return await admin.json("POST", "/tasks", 201, json=body)


async def execution(admin: Session, exec_id: str) -> dict[str, Any]:
    return await admin.json("GET", f"/executions/{exec_id}")


async def wait_status(
    admin: Session,
    exec_id: str,
    *statuses: str,
    timeout: float = 30,  # noqa: ASYNC109
):  # type: ignore[no-untyped-def]
    async def check() -> Any:
        row = await execution(admin, exec_id)
        return row if row["status"] in statuses else None

    return await eventually(check, timeout)


async def ws_refused(url: str, credential: str) -> int:
    """Return the HTTP status the engine websocket answers a credential with."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(
                url.replace("http", "ws") + "/engine/ws",
                headers={"Authorization": f"Bearer {credential}"},
            ):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
