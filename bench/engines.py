"""One server holding many connected engines: command round trips and memory.

    python bench/engines.py [--engines 1000] [--commands 3000]

The server runs in this process (embedded defaults, a temporary data
folder). The engines are simulated in a second process: each one opens its
websocket, says hello, answers pings and `status` commands, and sends its
own heartbeat. The server then sends `status` commands to random engines,
a few at a time, and times the reply. The last line printed is one JSON
object: engines, p50_ms, p99_ms, kib_per_engine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
import psutil
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tcloud.engine import protocol as p  # noqa: E402
from tcloud.engine import sealing  # noqa: E402

HEARTBEAT = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def pair_many(platform, count: int) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    from tcloud.engines import service
    from tcloud.platform.context import TenantContext
    from tcloud.platform.rbac import SYSTEM

    tenant = (await platform.tenants.all())[0]
    public = sealing.public_key_of(sealing.new_private_key())
    made = []
    async with platform.stores.use(tenant.id) as db:
        ctx = TenantContext(platform, tenant, db, SYSTEM)
        for index in range(count):
            _, key = await service.create_pairing_key(ctx, "", f"sim-{index}", 10)
            pair = await service.pair(platform, key, public, f"sim-{index}", "bench")
            made.append(
                {"engine_id": pair["engine_id"], "credential": pair["credential"]}
            )
    return made


async def serve(count: int, commands: int, concurrency: int) -> dict[str, float]:
    from tcloud.app import build_app
    from tcloud.appkeys import PLATFORM
    from tcloud.config import load
    from tcloud.engines.hub import HUB, HUB_SETTINGS, HubSettings

    data = Path(tempfile.mkdtemp(prefix="tcloud-bench-"))
    port = free_port()
    config = load(
        env={},
        data_dir=str(data),
        port=port,
        log_level="warning",
        embedded_engine=False,
        bootstrap_password="Bench-pass-1234",
    )
    app = build_app(config)
    app[HUB_SETTINGS] = HubSettings(heartbeat_seconds=HEARTBEAT)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=2048).start()
    hub = app[HUB]
    creds = await pair_many(app[PLATFORM], count)
    (data / "engines.json").write_bytes(orjson.dumps(creds))
    gc.collect()
    before = psutil.Process().memory_info().rss

    sim = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--simulate",
        str(data / "engines.json"),
        "--url",
        f"http://127.0.0.1:{port}",
    )
    try:
        await _wait_connected(hub, count)
        await asyncio.sleep(HEARTBEAT * 1.5)
        gc.collect()
        after = psutil.Process().memory_info().rss
        times = await _round_trips(
            hub, [c["engine_id"] for c in creds], commands, concurrency
        )
    finally:
        sim.terminate()
        await sim.wait()
        await runner.cleanup()
    times.sort()
    return {
        "engines": len(hub.connections) or count,
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "kib_per_engine": round((after - before) / count / 1024, 1),
    }


async def _wait_connected(hub, count: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while len(hub.connections) < count:
        if time.monotonic() > deadline:
            raise SystemExit(
                f"only {len(hub.connections)} of {count} engines connected"
            )
        await asyncio.sleep(0.2)
    print(f"connected engines={len(hub.connections)}", flush=True)


async def _round_trips(
    hub, ids: list[str], commands: int, concurrency: int
) -> list[float]:  # type: ignore[no-untyped-def]
    times: list[float] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            engine_id = random.choice(ids)  # noqa: S311
            started = time.perf_counter()
            await hub.request(engine_id, p.STATUS, {})
            times.append((time.perf_counter() - started) * 1000)

    per = commands // concurrency
    await asyncio.gather(*(worker(per) for _ in range(concurrency)))
    return times


async def simulate(path: str, url: str) -> None:
    creds = orjson.loads(await asyncio.to_thread(Path(path).read_bytes))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = []
        for index, cred in enumerate(creds):
            tasks.append(asyncio.create_task(_engine(http, url, cred)))
            if index % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.gather(*tasks)


async def _engine(http: aiohttp.ClientSession, url: str, cred: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {cred['credential']}"}
    ws_url = url.replace("http", "ws") + "/engine/ws"
    while True:
        try:
            async with http.ws_connect(ws_url, headers=headers, heartbeat=None) as ws:
                await _session(ws)
        except (aiohttp.ClientError, OSError):
            pass
        await asyncio.sleep(1 + random.random())  # noqa: S311


async def _session(ws: aiohttp.ClientWebSocketResponse) -> None:
    peer = p.Peer(ws.send_str)
    await peer.notify(p.HELLO, p.hello_body("bench", ["plan"], 1, []))
    beat = asyncio.create_task(_beat(peer))
    try:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            message = p.decode(msg.data)
            if message.type == p.PING:
                await ws.send_str(
                    p.encode(p.Message(peer.next_id(), p.PONG, {}, message.id))
                )
            elif message.type == p.STATUS:
                await peer.reply(message, {"running": [], "capacity": 1})
    finally:
        beat.cancel()


async def _beat(peer: p.Peer) -> None:
    await asyncio.sleep(random.random() * HEARTBEAT)  # noqa: S311
    while True:
        await peer.notify(p.PING)
        await asyncio.sleep(HEARTBEAT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--simulate", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulate:
        asyncio.run(simulate(args.simulate, args.url))
        return
    result = asyncio.run(serve(args.engines, args.commands, args.concurrency))
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
