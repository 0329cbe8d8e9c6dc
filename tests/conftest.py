"""The strict harness: real stores in a temporary folder, loopback only."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from tcloud.app import build_app
from tcloud.config import Config, load
from tests.helpers import ADMIN_PASSWORD, Session, sign_in

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise OSError(f"tests may only connect to loopback, not {host}")
    _real_connect(self, address)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def config(tmp_path) -> Config:  # type: ignore[no-untyped-def]
    return load(
        env={},
        data_dir=str(tmp_path / "var"),
        bootstrap_password=ADMIN_PASSWORD,
        log_level="warning",
        embedded_engine=False,
    )


@pytest.fixture
async def client(aiohttp_client, config):  # type: ignore[no-untyped-def]
    return await aiohttp_client(build_app(config))


@pytest.fixture
async def admin(client) -> Session:  # type: ignore[no-untyped-def]
    return await sign_in(client, "admin", ADMIN_PASSWORD)
