"""The `tcloud` command: help everywhere, bad arguments, tenants, first start."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tcloud import cli
from tests.helpers import ADMIN_PASSWORD
from tests.platform.running import ROOT, Server, clean_env

GENERATED = "generated password (shown once): "


def command_paths(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Return every command and sub-command of the parser, depth first."""
    found = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += command_paths(sub, (*path, name))
    return found


def subcommand_helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    helps = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                helps[choice.dest] = choice.help or ""
    return helps


ALL_COMMANDS = command_paths(cli.parser())


def run_tcloud(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "tcloud", *map(str, args)],
        cwd=ROOT,
        env=env or clean_env(TCLOUD_LOG_LEVEL="warning"),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tree_has_the_known_commands():
    assert {("serve",), ("tenant", "create"), ("tenant", "list"), ("keys", "rotate"),
            ("certs", "dev")} <= set(ALL_COMMANDS)  # fmt: skip


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_help_exits_zero_on_every_command(path, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([*path, "--help"])

    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tcloud {' '.join(path)}".rstrip())


def test_every_command_says_what_it_does():
    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for name, help_text in subcommand_helps(parser).items():
            assert help_text, f"tcloud {path}{name} has no help"
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path}{name} ")

    walk(cli.parser(), "")


def test_help_and_version_from_a_real_process():
    helped = run_tcloud("--help")
    version = run_tcloud("--version")

    assert helped.returncode == 0
    assert "serve" in helped.stdout and "tenant" in helped.stdout
    assert version.returncode == 0
    assert version.stdout.startswith("tcloud ")


@pytest.mark.parametrize(
    "args",
    [[], ["nope"], ["serve", "--port", "eighty"], ["tenant"], ["tenant", "create"],
     ["keys", "rotate", "--bogus"], ["certs"], ["certs", "dev", "--days", "x"],
     ["tenant", "create", "acme", "--seats", "three"]],
    ids=" ".join,
)  # fmt: skip
def test_bad_arguments_exit_non_zero_with_a_message(args, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(args)

    assert done.value.code != 0
    err = capsys.readouterr().err
    assert "usage: tcloud" in err
    assert "error:" in err


def test_a_bad_setting_exits_non_zero_naming_it(tmp_path):
    env = clean_env(TCLOUD_PORT="eighty", TCLOUD_DATA_DIR=str(tmp_path))

    done = run_tcloud("tenant", "list", env=env)

    assert done.returncode == 2
    assert "TCLOUD_PORT" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_tenant_name_exits_non_zero_naming_the_field(tmp_path):
    done = run_tcloud(
        "tenant", "create", "Not A Name", "--admin-password", ADMIN_PASSWORD,
        "--data-dir", tmp_path / "var",
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.startswith("error: name:")


def test_tenant_create_then_list_on_a_data_dir(tmp_path):
    data = tmp_path / "var"

    made = run_tcloud(
        "tenant", "create", "acme", "--seats", "3", "--admin-password",
        ADMIN_PASSWORD, "--data-dir", data,
    )  # fmt: skip
    listed = run_tcloud("tenant", "list", "--data-dir", data)
    again = run_tcloud(
        "tenant", "create", "acme", "--admin-password", ADMIN_PASSWORD,
        "--data-dir", data,
    )  # fmt: skip

    assert made.returncode == 0, made.stderr
    assert "created tenant acme" in made.stdout and "seats 3" in made.stdout
    assert ADMIN_PASSWORD not in made.stdout
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(r[0], r[2], r[3]) for r in rows] == [("acme", "seats=3", "active")]
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_tenant_create_without_a_password_prints_a_generated_one(tmp_path):
    made = run_tcloud("tenant", "create", "globex", "--data-dir", tmp_path / "var")

    assert made.returncode == 0, made.stderr
    assert made.stdout.count(GENERATED) == 1


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def sign_in(port: int, password: str) -> tuple[int, dict]:
    body = json.dumps({"tenant": "demo", "login": "admin", "password": password})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def wait_until_up(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited: {server.rest_of_output()}")
        try:
            if get(f"http://127.0.0.1:{server.port}/readyz") == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.mark.timeout(120)
def test_first_start_prints_a_generated_password_once(tmp_path):
    env = clean_env(
        TCLOUD_DATA_DIR=str(tmp_path / "var"),
        TCLOUD_EMBEDDED_ENGINE="false",
        TCLOUD_LOG_LEVEL="info",
    )
    assert "TCLOUD_BOOTSTRAP_PASSWORD" not in env

    with Server(["run.py"], env) as first:
        line = first.wait_for(lambda text: GENERATED in text)
        password = line.split(GENERATED, 1)[1].strip()
        wait_until_up(first)
        status, body = sign_in(first.port, password)
        wrong, _ = sign_in(first.port, password + "x")
    first_output = first.rest_of_output()

    with Server(["run.py"], env) as second:
        wait_until_up(second)
        status_again, _ = sign_in(second.port, password)
    second_output = second.rest_of_output()

    assert status == 200, body
    assert body["tenant"] == "demo" and body["login"] == "admin"
    assert wrong == 401
    assert sum(password in text for text in first_output) == 1
    assert status_again == 200
    assert not any(GENERATED in text for text in second_output)
    assert not any(password in text for text in second_output)
    assert os.stat(tmp_path / "var" / "master.key").st_mode & 0o077 == 0


def test_listing_tenants_of_an_empty_folder_creates_nothing(tmp_path, capsys):
    from tcloud import cli

    code = cli.main(["tenant", "list", "--data-dir", str(tmp_path / "none")])

    assert code == 2
    assert "no tcloud data" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_serve_on_a_port_in_use_says_so_and_creates_nothing(tmp_path, capsys):
    from tcloud import cli

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = cli.main(["serve", "--host", "127.0.0.1", "--port", str(port),
                         "--data-dir", str(tmp_path / "var")])  # fmt: skip

    assert code == 2
    assert capsys.readouterr().err == f"error: port {port} is in use\n"
    assert not (tmp_path / "var").exists()
