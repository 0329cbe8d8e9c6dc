"""Platform fixtures: an opened platform with two tenants, and a real S3 (moto)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tcloud.app import open_platform
from tcloud.platform.bootstrap import create_tenant
from tests.helpers import PASSWORD

S3_BUCKET = "tcloud-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"moto_server did not listen on {port} in {seconds} s")


@pytest.fixture(scope="session")
def moto_url():  # type: ignore[no-untyped-def]
    program = shutil.which("moto_server")
    if program is None:
        pytest.skip("moto_server is not installed: pip install 'moto[server]'")
    port = free_port()
    process = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, 15)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def s3_url(moto_url):  # type: ignore[no-untyped-def]
    """A moto S3 emptied for this test, with the test bucket made."""
    urllib.request.urlopen(
        urllib.request.Request(moto_url + "/moto-api/reset", method="POST")
    ).close()
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_url}/{S3_BUCKET}", method="PUT")
    ).close()
    return moto_url


def s3_config(config, url):  # type: ignore[no-untyped-def]
    return config.with_overrides(
        blob_backend="s3",
        s3_endpoint=url,
        s3_bucket=S3_BUCKET,
        s3_access_key="testing",
        s3_secret_key="testing",
    )


@pytest.fixture
async def platform(config):  # type: ignore[no-untyped-def]
    async with open_platform(config) as opened:
        yield opened


@pytest.fixture
async def tenants(platform):  # type: ignore[no-untyped-def]
    """Two tenants, acme and globex, by id."""
    acme = await create_tenant(platform, "acme", admin_password=PASSWORD)
    globex = await create_tenant(platform, "globex", admin_password=PASSWORD)
    return acme.tenant.id, globex.tenant.id
