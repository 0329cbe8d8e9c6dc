"""Fixtures of the pipelines tests: a real server, one real engine process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.engines.conftest import boss, engines, make_engine, server  # noqa: F401
from tests.engines.kit import Engine, Server, eventually
from tests.helpers import Session


@pytest.fixture
async def engine(make_engine, server) -> AsyncIterator[Engine]:  # type: ignore[no-untyped-def]  # noqa: F811
    made = await make_engine("data")
    await eventually(lambda: _connected(server, made))
    yield made


async def _connected(at: Server, engine: Engine) -> bool:
    return engine.engine_id in at.hub.connections


async def upload(
    session: Session, name: str, content: Any, dataset: str = ""
) -> dict[str, Any]:
    """Upload a file as a dataset (or to the file area alone without a name)."""
    headers = {"Content-Type": "application/octet-stream"}
    if dataset:
        path = f"/datasets/upload?name={dataset}&filename={name}"
    else:
        path = f"/files?name={name}"
    return await session.json("POST", path, 201, data=content, headers=headers)
