"""TLS: `tcloud certs dev`, and a real server that speaks HTTPS only."""

from __future__ import annotations

import http.client
import ipaddress
import json
import ssl
import stat
import time

import pytest
from cryptography import x509

from tcloud import cli
from tcloud.config import ConfigError, load
from tcloud.platform.tls import server_context
from tests.helpers import ADMIN_PASSWORD
from tests.platform.running import Server, clean_env


def make_certs(out, *hosts: str) -> None:  # type: ignore[no-untyped-def]
    args = ["certs", "dev", "--out", str(out)]
    for host in hosts:
        args += ["--host", host]
    assert cli.main(args) == 0


def alt_names(path) -> list[str]:  # type: ignore[no-untyped-def]
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return [str(name.value) for name in names.value]


def test_certs_dev_writes_a_ca_and_a_server_certificate(tmp_path, capsys):
    make_certs(tmp_path / "tls", "tcloud.test")

    out = capsys.readouterr().out
    files = {p.name: p for p in (tmp_path / "tls").iterdir()}
    assert set(files) == {"ca.pem", "ca-key.pem", "server.pem", "server-key.pem"}
    for key in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE(files[key].stat().st_mode) == 0o600
    assert alt_names(files["server.pem"]) == [
        str(ipaddress.ip_address("127.0.0.1")), "localhost", "tcloud.test"
    ]  # fmt: skip
    assert f"TCLOUD_TLS_CERT={files['server.pem']}" in out
    assert f"TCLOUD_TLS_KEY={files['server-key.pem']}" in out
    assert str(files["ca.pem"]) in out


def test_certs_dev_keeps_the_ca_it_finds(tmp_path):
    make_certs(tmp_path)
    ca_before = (tmp_path / "ca.pem").read_bytes()
    server_before = (tmp_path / "server.pem").read_bytes()

    make_certs(tmp_path)

    assert (tmp_path / "ca.pem").read_bytes() == ca_before
    assert (tmp_path / "server.pem").read_bytes() != server_before
    context = ssl.create_default_context(cafile=tmp_path / "ca.pem")
    assert context.cert_store_stats()["x509_ca"] == 1


def test_certs_dev_writes_into_the_data_dir_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("TCLOUD_DATA_DIR", str(tmp_path / "var"))

    assert cli.main(["certs", "dev"]) == 0

    assert (tmp_path / "var" / "tls" / "server.pem").is_file()


def test_certs_dev_refuses_a_bad_host(tmp_path, capsys):
    code = cli.main(["certs", "dev", "--out", str(tmp_path), "--host", "no such"])

    assert code == 2
    assert "host" in capsys.readouterr().err


def test_missing_certificate_is_a_config_error(tmp_path):
    config = load(env={}, tls_cert=str(tmp_path / "nope.pem"), tls_key="nope.key")

    with pytest.raises(ConfigError, match="tls_cert"):
        server_context(config)


def https(port: int, ca, method: str, path: str, body=None, host="127.0.0.1"):  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(cafile=str(ca))
    conn = http.client.HTTPSConnection(host, port, context=context, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def wait_until_up(server: Server, ca, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited: {server.rest_of_output()}")
        try:
            https(server.port, ca, "GET", "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not answer over HTTPS")


@pytest.fixture
def tls_server(tmp_path):  # type: ignore[no-untyped-def]
    make_certs(tmp_path / "tls")
    env = clean_env(
        TCLOUD_DATA_DIR=str(tmp_path / "var"),
        TCLOUD_TLS_CERT=str(tmp_path / "tls" / "server.pem"),
        TCLOUD_TLS_KEY=str(tmp_path / "tls" / "server-key.pem"),
        TCLOUD_BOOTSTRAP_PASSWORD=ADMIN_PASSWORD,
        TCLOUD_EMBEDDED_ENGINE="false",
        TCLOUD_LOG_LEVEL="warning",
    )
    with Server(["-m", "tcloud", "serve"], env) as server:
        wait_until_up(server, tmp_path / "tls" / "ca.pem")
        yield server, tmp_path / "tls" / "ca.pem"


@pytest.mark.timeout(90)
def test_server_answers_https_trusting_the_dev_ca(tls_server):
    server, ca = tls_server

    status, headers, body = https(server.port, ca, "GET", "/healthz")
    by_name = https(server.port, ca, "GET", "/healthz", host="localhost")

    assert status == by_name[0] == 200
    assert json.loads(body) == {"status": "ok"}
    assert headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.timeout(90)
def test_plain_http_on_the_tls_port_fails(tls_server):
    server, _ = tls_server
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        raise AssertionError(f"plain HTTP answered {response.status}")
    conn.close()


@pytest.mark.timeout(90)
def test_session_cookie_is_secure_under_tls(tls_server):
    server, ca = tls_server
    login = {"tenant": "demo", "login": "admin", "password": ADMIN_PASSWORD}

    status, headers, _ = https(server.port, ca, "POST", "/api/v1/auth/login", login)

    assert status == 200
    cookies = headers.get_all("Set-Cookie")
    assert cookies
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"secure", "httponly"} <= flags
    assert "Strict-Transport-Security" in headers
