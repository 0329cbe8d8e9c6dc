"""The embedded engine: one engine program in a child process of `tcloud serve`.

It pairs and connects through the same websocket protocol as a remote engine,
so a new user has an engine at once. It shares the server's machine, so it
runs declarative plans only unless embedded_engine_python_jobs is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from tcloud import log
from tcloud.appkeys import CONFIG, PLATFORM
from tcloud.engine.cli import KEY_VARIABLE
from tcloud.engine.runner import die_with_parent
from tcloud.engines import service
from tcloud.platform.context import Platform, TenantContext
from tcloud.platform.rbac import SYSTEM

STATE_FILE = "engine.json"


async def _pairing_key(platform: Platform) -> str:
    tenant = await platform.tenants.by_name(platform.config.bootstrap_tenant)
    if tenant is None:
        tenant = (await platform.tenants.all())[0]
    async with platform.stores.use(tenant.id) as db:
        ctx = TenantContext(platform, tenant, db, SYSTEM)
        _, key = await service.create_pairing_key(ctx, "", "embedded", 10)
    return key


def _command(platform: Platform, state_dir: Path, key: str) -> list[str]:
    config = platform.config
    args = [
        sys.executable,
        "-m",
        "tcloud",
        "engine",
        "run",
        "--state-dir",
        str(state_dir),
        "--name",
        "embedded",
        "--embedded",
    ]
    if key:
        args += ["--url", config.base_url]
    if not config.embedded_engine_python_jobs:
        args.append("--plans-only")
    return args


async def embedded_context(app: web.Application) -> AsyncIterator[None]:
    """Start the embedded engine's process if the setting asks for one."""
    if not app[CONFIG].embedded_engine:
        yield
        return
    platform = app[PLATFORM]
    state_dir = platform.config.data_path / "embedded-engine"
    key = "" if (state_dir / STATE_FILE).exists() else await _pairing_key(platform)
    # The engine dies with the server, even one killed with -9.
    # The key goes through the environment, never the command line, which
    # anyone on the machine can read in the process list.
    env = {**os.environ, KEY_VARIABLE: key} if key else None
    process = await asyncio.create_subprocess_exec(
        *_command(platform, state_dir, key), preexec_fn=die_with_parent, env=env
    )
    log.engine.info("embedded_engine_started pid=%s", process.pid)
    yield
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
    log.engine.info("embedded_engine_stopped")
