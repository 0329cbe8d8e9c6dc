"""The `tcloud` command: serve, tenant, keys, certs, and the engine's commands."""

from __future__ import annotations

import argparse
import asyncio
import errno
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from tcloud import __version__, log
from tcloud.config import ConfigError, load
from tcloud.platform.errors import TcloudError

Command = Callable[[argparse.Namespace], int]
SWITCH_INTERVAL = 0.001
_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


Declare = Callable[[argparse._SubParsersAction], None]


def command(register: Declare) -> Declare:
    """Add a function that declares subcommands on the top-level parser."""
    _COMMANDS.append(register)
    return register


def run_async(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def _config(args: argparse.Namespace, **overrides: Any):  # type: ignore[no-untyped-def]
    extra = {k: v for k, v in overrides.items() if v is not None}
    return load(getattr(args, "config", None), **extra)


def _announce(first: Any) -> None:
    # Printed, never logged: the password must not end up in a log file.
    print(f"tenant {first.tenant.name}: administrator {first.admin_login}", flush=True)
    if first.generated:
        print(f"  generated password (shown once): {first.admin_password}", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from tcloud.app import build_app
    from tcloud.platform.tls import server_context

    config = _config(args, host=args.host, port=args.port, data_dir=args.data_dir)
    _check_bindable(config.host, config.port)
    # The store, full-run and engine threads share the GIL with the event loop;
    # a shorter switch interval hands it back to the loop sooner after I/O.
    sys.setswitchinterval(SWITCH_INTERVAL)
    log.configure(config.log_level)
    app = build_app(config, announce=_announce)
    ssl_context = server_context(config) if config.tls else None
    print(f"tcloud {__version__} on {config.base_url}", flush=True)
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        ssl_context=ssl_context,
        print=None,
        access_log=None,
        handle_signals=True,
    )
    return 0


def _check_bindable(host: str, port: int) -> None:
    """Refuse a port another process holds, before anything is created."""
    try:
        socket.create_server((host, port)).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is in use") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@command
def _serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="start the server", description="Start the server."
    )
    p.add_argument("--host", help="listen address (setting host)")
    p.add_argument("--port", type=int, help="listen port (setting port)")
    p.add_argument("--data-dir", help="data folder (setting data_dir)")
    p.set_defaults(func=cmd_serve)


async def _tenant_create(args: argparse.Namespace) -> int:
    from tcloud.app import open_platform
    from tcloud.platform.bootstrap import create_tenant

    async with open_platform(_config(args, data_dir=args.data_dir)) as platform:
        made = await create_tenant(
            platform,
            args.name,
            seat_limit=args.seats,
            display_name=args.display_name or "",
            admin_login=args.admin,
            admin_password=args.admin_password or "",
        )
    print(
        f"created tenant {made.tenant.name} ({made.tenant.id}),"
        f" seats {made.tenant.seat_limit}"
    )
    print(f"administrator: {made.admin_login}")
    if made.generated:
        print(f"generated password (shown once): {made.admin_password}")
    return 0


def _existing_data(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Return the settings, refusing a data folder that holds no tcloud store."""
    config = _config(args, data_dir=args.data_dir)
    if not (config.data_path / "control.db").exists():
        raise ConfigError(
            f"there is no tcloud data in {config.data_path}: start the server once"
            " there, or pass --data-dir"
        )
    return config


async def _tenant_list(args: argparse.Namespace) -> int:
    from tcloud.app import open_platform

    async with open_platform(_existing_data(args)) as platform:
        for tenant in await platform.tenants.all():
            print(
                f"{tenant.name}\t{tenant.id}\tseats={tenant.seat_limit}"
                f"\t{tenant.status}"
            )
    return 0


@command
def _tenant(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tenant", help="manage tenants", description="Manage tenants.")
    tsub = p.add_subparsers(dest="tenant_command", required=True, metavar="COMMAND")
    c = tsub.add_parser(
        "create", help="create a tenant", description="Create a tenant."
    )
    c.add_argument("name", help="tenant name: lower-case letters, digits, dashes")
    c.add_argument("--seats", type=int, default=None, help="seat limit (active users)")
    c.add_argument("--display-name", help="name shown in the console")
    c.add_argument("--admin", default="admin", help="login of the first administrator")
    c.add_argument(
        "--admin-password",
        help="password of the first administrator (generated if absent)",
    )
    c.add_argument("--data-dir", help="data folder (setting data_dir)")
    c.set_defaults(func=lambda a: run_async(_tenant_create(a)))
    ls = tsub.add_parser("list", help="list tenants", description="List tenants.")
    ls.add_argument("--data-dir", help="data folder (setting data_dir)")
    ls.set_defaults(func=lambda a: run_async(_tenant_list(a)))


async def _keys_rotate(args: argparse.Namespace) -> int:
    from tcloud.app import open_platform

    async with open_platform(_existing_data(args)) as platform:
        if args.master:
            version = await platform.keyring.rotate_master()
            print(f"master key: now version {version}; every data key re-wrapped")
        tenants = await platform.tenants.all()
        if args.tenant:
            tenants = [t for t in tenants if t.name == args.tenant]
            if not tenants:
                print(f"error: no tenant named {args.tenant}", file=sys.stderr)
                return 2
        for tenant in tenants:
            version = await platform.keyring.rotate(tenant.id)
            print(f"tenant {tenant.name}: data key now version {version}")
    return 0


@command
def _keys(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keys", help="manage encryption keys", description="Manage keys."
    )
    ksub = p.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    r = ksub.add_parser(
        "rotate",
        help="add a new key version",
        description="Add a new data key version for every tenant (or one); data"
        " written before still decrypts.",
    )
    r.add_argument("--tenant", help="only this tenant")
    r.add_argument("--master", action="store_true", help="also rotate the master key")
    r.add_argument("--data-dir", help="data folder (setting data_dir)")
    r.set_defaults(func=lambda a: run_async(_keys_rotate(a)))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tcloud", description="tcloud: an integration cloud"
    )
    top.add_argument("--version", action="version", version=f"tcloud {__version__}")
    top.add_argument(
        "--config", help="a TOML file of settings over config/default.toml"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _load_plugins()
    for register in _COMMANDS:
        register(sub)
    return top


def _load_plugins() -> None:
    """Import the modules that declare more subcommands (certs, engine, ...)."""
    import importlib

    for name in ("tcloud.platform.tls", "tcloud.engine.cli", "tcloud.pipelines.cli"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, TcloudError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
