"""The hub at the protocol level, with an engine written by hand in the test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import jwt

from tcloud.appkeys import PLATFORM
from tcloud.engine import protocol as p
from tcloud.engine import sealing
from tcloud.engines import service, store
from tcloud.platform.bootstrap import create_tenant
from tcloud.platform.context import TenantContext
from tcloud.platform.rbac import SYSTEM
from tests.engines.kit import (
    QUICK_PLAN,
    eventually,
    make_task,
    pairing_key,
    publish_plan,
    wait_status,
)
from tests.helpers import ADMIN_PASSWORD


class HandEngine:
    """A websocket engine driven step by step by a test."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, private: str, made: dict):  # type: ignore[type-arg]
        self.ws = ws
        self.private = private
        self.engine_id = made["engine_id"]
        self.peer = p.Peer(ws.send_str)
        self.inbox: asyncio.Queue[p.Message] = asyncio.Queue()

    async def next(self, kind: str, timeout: float = 10) -> p.Message:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            return await self._next(kind)

    async def _next(self, kind: str) -> p.Message:
        while True:
            msg = await self.ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"closed: {self.ws.close_code}")
            message = p.decode(msg.data)
            if self.peer.resolve(message):
                continue
            if message.type == p.PING:
                await self.peer.notify(p.PONG)
            if message.type == kind:
                return message


async def _pair(url: str, key: str) -> tuple[str, dict[str, Any]]:
    private = sealing.new_private_key()
    body = {"key": key, "public_key": sealing.public_key_of(private), "name": "hand"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/engine/pair", json=body) as response:
            assert response.status == 200, await response.text()
            return private, await response.json()


@asynccontextmanager
async def hand_engine(
    url: str, key: str, protocol: int = 1, capabilities: list[str] | None = None
) -> AsyncIterator[HandEngine]:
    private, made = await _pair(url, key)
    headers = {"Authorization": f"Bearer {made['credential']}"}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(
            url.replace("http", "ws") + "/engine/ws", headers=headers
        ) as ws:
            engine = HandEngine(ws, private, made)
            hello = p.hello_body("test", capabilities or ["plan"], 1, [])
            hello["protocol"] = protocol
            await engine.peer.notify(p.HELLO, hello)
            yield engine


async def test_an_unsupported_protocol_version_is_closed_as_terminal(
    server, boss
) -> None:
    async with hand_engine(server.url, await pairing_key(boss), protocol=99) as engine:
        msg = await engine.ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE
        assert engine.ws.close_code == p.UNSUPPORTED_VERSION
        assert p.is_terminal(engine.ws.close_code)


async def test_welcome_then_run_with_sealed_secrets(server, boss) -> None:
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    task = await make_task(boss, art["id"], secrets={"token": "abc-123"})
    async with hand_engine(server.url, await pairing_key(boss)) as engine:
        welcome = await engine.next(p.WELCOME)
        assert (
            welcome.body["heartbeat_seconds"] == server.hub.settings.heartbeat_seconds
        )
        run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)

        command = await engine.next(p.RUN)
        await engine.peer.reply(command, {"accepted": True})

        sealed = command.body["secrets"]["token"]
        assert "abc-123" not in sealed
        opened = sealing.open_sealed(engine.private, engine.engine_id, sealed)
        assert opened == b"abc-123"
        assert command.body["execution_id"] == run["id"]


async def test_upload_tokens_are_single_use_and_short_lived(server, boss) -> None:
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    task = await make_task(boss, art["id"])
    async with hand_engine(server.url, await pairing_key(boss)) as engine:
        await engine.next(p.WELCOME)
        run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
        command = await engine.next(p.RUN)
        await engine.peer.reply(command, {"accepted": True})
        reader = asyncio.create_task(engine.next("never"))
        grant = await engine.peer.request(
            p.UPLOAD, {"execution_id": run["id"], "kind": "log"}
        )
        reader.cancel()
        claims = jwt.decode(grant["token"], options={"verify_signature": False})
        assert claims["exp"] - time.time() <= 300

        put = server.url + grant["path"]
        auth = {"Authorization": f"Bearer {grant['token']}"}
        async with aiohttp.ClientSession() as http:
            first = await http.put(put, data=b"full log\n", headers=auth)
            again = await http.put(put, data=b"other\n", headers=auth)
            forged = await http.put(
                put, data=b"x", headers={"Authorization": "Bearer x.y.z"}
            )
        assert (first.status, again.status, forged.status) == (201, 401, 401)
        log = await (await boss.get(f"/executions/{run['id']}/log")).text()
        assert log == "full log\n"


async def test_an_engine_that_stops_answering_becomes_unavailable(server, boss) -> None:
    async with hand_engine(server.url, await pairing_key(boss)) as engine:
        await engine.next(p.WELCOME)
        row = await boss.json("GET", f"/engines/{engine.engine_id}")
        assert row["state"] == "available"

        async def gone():  # type: ignore[no-untyped-def]
            found = await boss.json("GET", f"/engines/{engine.engine_id}")
            return found["state"] == "unavailable"

        # The hand engine never answers pings, so the hub closes it.
        await eventually(gone, 10)
        while (await engine.ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
            pass
        assert not p.is_terminal(engine.ws.close_code)


async def test_engines_of_one_tenant_never_get_another_tenants_work(
    server, boss
) -> None:
    platform = server.test_server.app[PLATFORM]
    other_key = await _other_tenants_key(platform)
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    task = await make_task(boss, art["id"])
    version_id = art["versions"][0]["id"]

    async with hand_engine(server.url, other_key) as engine:
        await engine.next(p.WELCOME)
        run = await boss.json("POST", f"/tasks/{task['id']}/run", 201)
        try:
            await engine.next(p.RUN, timeout=2)
            raise AssertionError("another tenant's engine got work")
        except TimeoutError:
            pass
        index = await platform.control.fetchone(
            "SELECT * FROM engine_index WHERE engine_id = ?", [engine.engine_id]
        )
        assert index is not None
        assert (await boss.json("GET", f"/executions/{run['id']}"))[
            "status"
        ] == "queued"
        await boss.json("GET", f"/engines/{engine.engine_id}", 404)
    boss_key = await pairing_key(boss)
    async with hand_engine(server.url, boss_key) as mine:
        await mine.next(p.WELCOME)
        command = await mine.next(p.RUN)
        assert command.body["execution_id"] == run["id"]
        await mine.peer.reply(command, {"accepted": False, "reason": "test says no"})
    done = await wait_status(boss, run["id"], "failed")
    assert done["error"] == "test says no"
    assert version_id


async def test_an_engine_fetches_only_its_own_tenants_artifacts(server, boss) -> None:
    platform = server.test_server.app[PLATFORM]
    other_key = await _other_tenants_key(platform)
    art = await publish_plan(boss, "quick", QUICK_PLAN)
    version_id = art["versions"][0]["id"]
    _, theirs = await _pair(server.url, other_key)
    _, ours = await _pair(server.url, await pairing_key(boss))

    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/engine/artifacts/{version_id}"
        denied = await http.get(
            url, headers={"Authorization": f"Bearer {theirs['credential']}"}
        )
        allowed = await http.get(
            url, headers={"Authorization": f"Bearer {ours['credential']}"}
        )
        anonymous = await http.get(url)
        body = await allowed.read()

    assert (denied.status, allowed.status, anonymous.status) == (404, 200, 401)
    assert body == await _artifact_bytes(platform, version_id)


async def _artifact_bytes(platform, version_id: str) -> bytes:  # type: ignore[no-untyped-def]
    tenant = await platform.tenants.by_name("demo")
    async with platform.stores.use(tenant.id) as db:
        version = await store.version(db, version_id)
        return await service.artifact_bytes(platform, tenant.id, db, version)


async def _other_tenants_key(platform) -> str:  # type: ignore[no-untyped-def]
    made = await create_tenant(platform, "other", admin_password=ADMIN_PASSWORD)
    async with platform.stores.use(made.tenant.id) as db:
        ctx = TenantContext(platform, made.tenant, db, SYSTEM)
        _, key = await service.create_pairing_key(ctx, "", "theirs", 10)
    return key


async def test_a_first_message_that_is_not_a_hello_is_closed_as_terminal(
    server, boss
) -> None:
    _, made = await _pair(server.url, await pairing_key(boss))
    headers = {"Authorization": f"Bearer {made['credential']}"}
    async with aiohttp.ClientSession() as http:
        url = server.url.replace("http", "ws") + "/engine/ws"
        async with http.ws_connect(url, headers=headers) as ws:
            await ws.send_str(p.encode(p.Message("x-1", p.PING, {})))
            msg = await ws.receive(timeout=5)

    assert msg.type == aiohttp.WSMsgType.CLOSE
    assert ws.close_code == p.BAD_HELLO and p.is_terminal(ws.close_code)
