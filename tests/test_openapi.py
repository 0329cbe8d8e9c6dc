"""The OpenAPI description is valid, and a bounded fuzzing run finds no 5xx."""

from __future__ import annotations

import shutil
import time
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from bench._serve import call, free_port, start_tcloud
from tests.helpers import ADMIN_PASSWORD


async def test_description_validates(client):
    response = await client.get("/api/v1/openapi.json")
    document = await response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_endpoint_is_described(client):
    from tcloud.appkeys import ENDPOINTS

    document = await (await client.get("/api/v1/openapi.json")).json()
    for endpoint in client.app[ENDPOINTS]:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert operation["summary"], endpoint.path
        if not endpoint.public:
            assert "401" in operation["responses"], endpoint.path


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_schemathesis_finds_no_server_error(tmp_path: Path):
    cli = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    port = free_port()
    # With the embedded engine, as a new user has it, so that previews and
    # samples have an engine to run on.
    server = start_tcloud(
        tmp_path / "var", port, ADMIN_PASSWORD, TCLOUD_EMBEDDED_ENGINE="true"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        signed, headers = call(
            base + "/api/v1/auth/login",
            "POST",
            {"tenant": "demo", "login": "admin", "password": ADMIN_PASSWORD},
        )
        cookie = headers["Set-Cookie"].split(";")[0]
        auth = {"Cookie": cookie, "X-CSRF-Token": signed["csrf_token"], "Origin": base}
        token = call(base + "/api/v1/me/tokens", "POST", {"name": "fuzz"}, auth)[0]
        _wait_for_an_engine(base, auth)
        result = subprocess.run(
            [
                cli, "run", base + "/api/v1/openapi.json",
                "--url", base + "/api/v1",
                "-H", f"Authorization: Bearer {token['token']}",
                "--checks", "not_a_server_error",
                "-n", "10", "--phases", "examples,coverage,fuzzing", "--seed", "1",
                "--request-timeout", "20",
                # Signing out or changing the password mid-run would only end
                # the fuzzer's own access; both are covered by their own tests.
                "--exclude-path", "/auth/logout",
                "--exclude-path", "/me/password",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=280,
        )
    finally:
        server.terminate()
        server.wait(10)
    tail = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, tail
    assert "ST101" not in result.stdout, tail


def _wait_for_an_engine(base: str, auth: dict[str, str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        engines = call(base + "/api/v1/engines", headers=auth)[0]["items"]
        if any(e["state"] == "available" for e in engines):
            return
        time.sleep(0.2)
    raise AssertionError("the embedded engine did not become available")
