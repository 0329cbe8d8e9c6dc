"""Fixtures of the engines tests: a real server on a port, engine processes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.engines.kit import Engine, Server, free_port, pairing_key
from tests.helpers import Session


@pytest.fixture
async def server(config) -> AsyncIterator[Server]:  # type: ignore[no-untyped-def]
    port = free_port()
    made = Server(config.with_overrides(port=port), port)
    await made.start()
    yield made
    await made.stop()


@pytest.fixture
async def boss(server: Server) -> Session:
    return await server.admin()


@pytest.fixture
async def engines(server: Server, tmp_path) -> AsyncIterator[list[Engine]]:  # type: ignore[no-untyped-def]
    started: list[Engine] = []
    yield started
    for engine in started:
        await engine.stop()


@pytest.fixture
async def make_engine(server: Server, boss: Session, engines, tmp_path):  # type: ignore[no-untyped-def]
    async def make(name: str = "e", *extra: str, start: bool = True) -> Engine:
        engine = Engine(tmp_path / f"engine-{len(engines)}", server.url)
        engine.state_dir.mkdir()
        code, out = await engine.pair(await pairing_key(boss), name)
        assert code == 0, out
        engines.append(engine)
        if start:
            await engine.start(*extra)
        return engine

    return make
