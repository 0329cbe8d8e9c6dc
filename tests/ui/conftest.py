"""The browser harness: the real server in a subprocess, Debian's Chromium
through Playwright, and a page that fails its test on any console error,
uncaught exception, failed request or server error.

One server serves the whole UI suite (tests make unique names), one browser
each test module; every test gets a fresh browser context, so no cookie
leaks from one to the next.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
]  # fmt: skip
# Chromium logs every 4xx answer to fetch() as a console error. A 401 before
# sign-in or a 400 with field errors is the API answering as designed, so
# those lines alone are let through; anything else on the console fails.
EXPECTED_STATUS = re.compile(
    r"^Failed to load resource: the server responded with a status of 4\d\d"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server was not ready in time: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def serving(folder: Path, embedded_engine: bool = False) -> Iterator[str]:
    """Run `python -m tcloud serve` on a free port in `folder`; yield its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "TCLOUD_BOOTSTRAP_PASSWORD": ADMIN_PASSWORD,
        "TCLOUD_EMBEDDED_ENGINE": "true" if embedded_engine else "false",
    }
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tcloud", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--data-dir", str(folder / "var")],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def chromium() -> Iterator[object]:
    """Launch Debian's Chromium headless; yield it, then close it.

    Use it in a module-scoped fixture: Playwright's sync API keeps its own
    event loop running, which must be gone before any asyncio test of the
    next module starts.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m tcloud serve` on a free port; yield its base URL."""
    with serving(tmp_path_factory.mktemp("ui-server")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


class Watch:
    """Everything that went wrong on a page, to fail the test with."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page) -> None:  # type: ignore[no-untyped-def]
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.type not in ("error", "warning"):
            return
        if message.type == "error" and EXPECTED_STATUS.match(message.text):
            return
        if message.type == "warning" and "DevTools" in message.text:
            return
        self.problems.append(f"console {message.type}: {message.text}")

    def _failed(self, request) -> None:  # type: ignore[no-untyped-def]
        failure = request.failure or ""
        # A list aborts its previous request when the search changes, and
        # leaving a page drops the favicon the browser was still fetching.
        aborted = "ERR_ABORTED" in failure
        if aborted and request.resource_type == "fetch":
            return
        if aborted and request.url.endswith("/static/favicon.svg"):
            return
        # A page left while its modules load drops them; a module that is
        # really missing shows as a page error instead.
        if (
            aborted
            and request.resource_type == "script"
            and "/static/js/" in request.url
        ):
            return
        self.problems.append(
            f"request failed: {request.method} {request.url} {failure}"
        )

    def _response(self, response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 500:
            self.problems.append(f"server error: {response.status} {response.url}")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def context(browser, server):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=server, viewport={"width": 1360, "height": 860}, locale="en-GB"
    )
    ctx.set_default_timeout(5000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, watch):  # type: ignore[no-untyped-def]
    page = context.new_page()
    watch.attach(page)
    yield page
    assert not watch.problems, "\n".join(watch.problems)


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page has no API request out and shows no spinner."""
    # Locators, not wait_for_function: the CSP forbids the eval that needs.
    page.locator("html:not([data-loading])").wait_for(state="attached")
    page.locator(".loading").first.wait_for(state="detached")
    page.locator("html:not([data-loading])").wait_for(state="attached")


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:  # type: ignore[no-untyped-def]
        settle(page)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take
