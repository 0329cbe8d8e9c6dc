"""What dataprep keeps while the server runs: local copies of dataset files,
the grid's samples and prepared samples (small LRU caches), and the run pool.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web

from tcloud.dataprep.datasets import LocalFiles
from tcloud.dataprep.runs import RunPool

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def drop(self, match: Any) -> None:
        for key in [k for k in self._items if match(k)]:
            del self._items[key]


@dataclass
class DataPrep:
    files: LocalFiles
    pool: RunPool
    sample_rows: int = 10_000
    samples: Lru[tuple[Any, ...], Any] = field(default_factory=lambda: Lru(8))
    prepared: Lru[tuple[Any, ...], Any] = field(default_factory=lambda: Lru(16))
    hub: Any = None  # the engines' hub: engines read datasets the server may not
    reading: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)


DATAPREP: web.AppKey[DataPrep] = web.AppKey("dataprep", DataPrep)


async def dataprep_context(app: web.Application) -> AsyncIterator[None]:
    """Start the run pool (failing runs a previous process left), stop it."""
    from tcloud.appkeys import PLATFORM
    from tcloud.engines.hub import HUB

    platform = app[PLATFORM]
    config = platform.config
    pool = RunPool(platform, config.prep_run_threads)
    await pool.fail_unfinished()
    state = DataPrep(LocalFiles(), pool, config.prep_sample_rows, hub=app.get(HUB))
    app[DATAPREP] = state
    try:
        yield
    finally:
        await pool.close()
        state.files.close()
