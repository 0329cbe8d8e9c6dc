"""The engine's commands: `tcloud engine pair` and `run`, and `tcloud publish`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from tcloud.cli import command
from tcloud.engine import state as engine_state
from tcloud.engine.client import EngineClient, PairingFailed, pair

KEY_VARIABLE = "TCLOUD_ENGINE_KEY"

log = logging.getLogger("tcloud.engine")


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir else engine_state.default_dir()


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


async def _pair(args: argparse.Namespace) -> int:
    folder = _state_dir(args)
    try:
        made = await pair(args.url, args.key, args.name or "")
    except PairingFailed as exc:
        print(f"error: pairing failed: {exc}", file=sys.stderr)
        return 2
    path = engine_state.save(folder, made)
    print(f"paired engine {made.engine_id}; state in {path}")
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    if not args.url.startswith(("http://", "https://")):
        print(f"error: --url must start with http:// or https://, not {args.url!r}",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        return asyncio.run(_pair(args))
    except (OSError, aiohttp.ClientError) as exc:
        print(f"error: cannot reach the server at {args.url}: {exc}", file=sys.stderr)
        return 2


async def _pair_with_retries(args: argparse.Namespace) -> int:
    # The embedded engine may start before the server listens.
    for attempt in range(30):
        try:
            return await _pair(args)
        except OSError:
            await asyncio.sleep(min(2.0, 0.2 * (attempt + 1)))
    return 2


async def _run(args: argparse.Namespace) -> int:
    folder = _state_dir(args)
    if args.key and not (folder / engine_state.FILE).exists():
        if not args.url:
            print("error: --key needs --url", file=sys.stderr)
            return 2
        code = await _pair_with_retries(args)
        if code:
            return code
    try:
        saved = engine_state.load(folder)
    except engine_state.NotPaired as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    client = EngineClient(
        saved,
        capacity=args.capacity,
        plans_only=args.plans_only,
        embedded=args.embedded,
    )
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop, client, main)
    print(f"engine {saved.engine_id} serving {saved.url}", flush=True)
    try:
        return await client.run_forever()
    except asyncio.CancelledError:
        return 0


def _stop(client: EngineClient, main: asyncio.Task[int] | None) -> None:
    client.stopping = True
    if main is not None:
        main.cancel()


def cmd_run(args: argparse.Namespace) -> int:
    _configure_logging(args.log_level)
    return asyncio.run(_run(args))


async def _publish(args: argparse.Namespace) -> int:
    import aiohttp

    path = Path(args.file)
    content = await asyncio.to_thread(path.read_bytes)
    query = {"name": args.name or path.stem}
    for key in ("workspace_id", "kind", "entry_point", "notes"):
        value = getattr(args, key)
        if value:
            query[key] = value
    url = args.url.rstrip("/") + "/api/v1/artifacts/upload?" + urlencode(query)
    headers = {
        "Authorization": f"Bearer {args.token}",
        "Content-Type": "application/octet-stream",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=content, headers=headers) as response,
    ):
        body = await response.json(content_type=None)
    if response.status != 201:
        print(f"error: {body.get('detail', response.status)}", file=sys.stderr)
        return 2
    print(f"published {body['name']} version {body['latest_version']} ({body['id']})")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    return asyncio.run(_publish(args))


def _state_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir", help="folder of the engine's state (~/.tcloud/engine)"
    )


@command
def _engine(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "engine",
        help="pair and run an engine",
        description="Pair this machine's engine with a server, then run it.",
    )
    esub = p.add_subparsers(dest="engine_command", required=True, metavar="COMMAND")
    pr = esub.add_parser(
        "pair",
        help="pair with a server using a pairing key",
        description="Pair this machine's engine with a server.",
    )
    pr.add_argument("--url", required=True, help="the server's base URL")
    pr.add_argument("--key", required=True, help="a pairing key from the console")
    pr.add_argument("--name", help="the engine's name in the console")
    _state_arg(pr)
    pr.set_defaults(func=cmd_pair)
    rn = esub.add_parser(
        "run",
        help="connect and run work until stopped",
        description="Connect to the server and run its work.",
    )
    rn.add_argument("--url", help="with --key: pair first if not paired yet")
    rn.add_argument(
        "--key",
        default=os.environ.get(KEY_VARIABLE) or None,
        help=f"a pairing key, used only if not paired yet (or ${KEY_VARIABLE},"
        " which keeps it out of the process list)",
    )
    rn.add_argument("--name", help="the engine's name when pairing")
    rn.add_argument("--capacity", type=int, default=2, help="executions at once (2)")
    rn.add_argument("--plans-only", action="store_true", help="refuse Python jobs")
    rn.add_argument("--embedded", action="store_true", help=argparse.SUPPRESS)
    rn.add_argument("--log-level", default="info", help="debug, info, warning")
    _state_arg(rn)
    rn.set_defaults(func=cmd_run)


@command
def _publish_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        help="publish an artifact version",
        description="Publish a plan (JSON) or a Python job (zip).",
    )
    p.add_argument("file", help="the plan's .json or the job's .zip")
    p.add_argument("--url", required=True, help="the server's base URL")
    p.add_argument("--token", required=True, help="a personal access token")
    p.add_argument("--name", help="the artifact's name (the file's name)")
    p.add_argument(
        "--workspace-id", dest="workspace_id", help="the workspace (personal)"
    )
    p.add_argument("--kind", choices=["plan", "python"], help="guessed from the file")
    p.add_argument(
        "--entry-point", dest="entry_point", help="a Python job's entry (main.py)"
    )
    p.add_argument("--notes", help="notes for this version")
    p.set_defaults(func=cmd_publish)
