"""Shared helpers for the benchmarks: free ports, servers as child processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


def start_tcloud(data_dir: Path, port: int, password: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "TCLOUD_DATA_DIR": str(data_dir),
        "TCLOUD_PORT": str(port),
        "TCLOUD_BOOTSTRAP_PASSWORD": password,
        "TCLOUD_LOG_LEVEL": "warning",
        "TCLOUD_EMBEDDED_ENGINE": "false",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tcloud", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    wait_ready(f"http://127.0.0.1:{port}/readyz")
    return process


def call(url: str, method: str = "GET", body: object = None, headers: dict | None = None):  # type: ignore[no-untyped-def]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        raw = response.read()
        return json.loads(raw) if raw else None, response.headers
