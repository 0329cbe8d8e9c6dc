"""In a real browser: pair, see the embedded engine, run a task, watch its log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.ui.conftest import (
    SHOTS,
    Watch,
    chromium,
    serving,
)
from tests.ui.helpers import sign_in

pytestmark = pytest.mark.browser

PLAN = {"name": "live", "steps": [
    {"type": "log", "message": "step one"},
    {"type": "sleep", "seconds": 1.5},
    {"type": "log", "message": "step two"},
    {"type": "sleep", "seconds": 1.5},
    {"type": "rows", "read": 12, "written": 11, "rejected": 1},
    {"type": "log", "message": "step three"},
]}  # fmt: skip


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m tcloud serve` with its embedded engine, on a free port."""
    with serving(tmp_path_factory.mktemp("engines-ui"), embedded_engine=True) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


@pytest.fixture
def page(browser, embedded_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=embedded_server,
                                  viewport={"width": 1360, "height": 860})  # fmt: skip
    context.set_default_timeout(10000)
    watch = Watch()
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"engines-{name}.png"), full_page=True)


def test_pair_see_the_embedded_engine_run_and_watch_the_log(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/console/engines")
    page.get_by_role("heading", name="Engines", level=1).wait_for()
    row = page.locator("tr", has_text="embedded")
    row.get_by_text("available").wait_for()
    _shot(page, "01-list")

    page.get_by_role("button", name="Pair an engine").click()
    page.get_by_label("Engine name").fill("laptop")
    page.get_by_role("button", name="Make pairing key").click()
    secret = page.get_by_role("dialog").locator("[data-secret]")
    secret.wait_for()
    assert "tcloud engine pair --url" in secret.input_value()
    _shot(page, "02-pairing-key")
    page.get_by_role("button", name="I have copied it").click()
    page.get_by_role("link", name="embedded").click()
    page.get_by_role("heading", name="embedded", level=1).wait_for()
    page.get_by_text("embedded (runs on the server's machine)").wait_for()
    _shot(page, "03-engine-detail")
    page.goto("/console/environments")
    page.get_by_role("heading", name="default").wait_for()
    page.get_by_role("button", name="Create environment").click()
    page.get_by_role("dialog").get_by_label("Name").fill("prod")
    page.get_by_role("dialog").get_by_role("button", name="Create environment").click()
    page.get_by_role("heading", name="prod").wait_for()
    _shot(page, "03-environments")

    page.goto("/console/artifacts")
    page.get_by_role("button", name="Publish a plan").click()
    page.get_by_role("dialog").get_by_label("Name").fill("live-plan")
    page.get_by_label("Plan (JSON)").fill(json.dumps(PLAN))
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("heading", name="live-plan").wait_for()
    page.get_by_role("button", name="Make a task").click()
    page.get_by_role("button", name="Make task").click()
    page.get_by_role("button", name="Run now").click()

    log = page.locator("[data-log]")
    log.get_by_text("step one").wait_for()
    assert "step three" not in log.inner_text()
    _shot(page, "04-running")
    log.get_by_text("step three").wait_for(timeout=15000)
    page.locator(".facts").get_by_text("succeeded").wait_for()
    page.get_by_text("12 read · 11 written · 1 rejected").wait_for()
    _shot(page, "05-succeeded")


SLOW = {
    "name": "slow",
    "steps": [
        {"type": "log", "message": "waiting"},
        {"type": "sleep", "seconds": 60},
    ],
}


def test_cancel_a_running_execution_from_its_page(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/console/artifacts")
    page.get_by_role("button", name="Publish a plan").click()
    page.get_by_role("dialog").get_by_label("Name").fill("slow-plan")
    page.get_by_label("Plan (JSON)").fill(json.dumps(SLOW))
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("heading", name="slow-plan").wait_for()
    page.get_by_role("button", name="Make a task").click()
    page.get_by_role("button", name="Make task").click()
    page.get_by_role("button", name="Run now").click()
    page.locator("[data-log]").get_by_text("waiting").wait_for()

    page.get_by_role("button", name="Cancel").click()

    page.locator(".facts .badge", has_text="cancelled").wait_for()
    assert page.get_by_role("button", name="Cancel").count() == 0
    _shot(page, "06-cancelled")


def test_grant_a_permission_and_promote(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/console/environments")
    page.get_by_role("heading", name="default").wait_for()
    if page.get_by_role("heading", name="staging").count() == 0:
        page.get_by_role("button", name="Create environment").click()
        page.get_by_role("dialog").get_by_label("Name").fill("staging")
        page.get_by_role("dialog").get_by_role(
            "button", name="Create environment"
        ).click()
        page.get_by_role("heading", name="staging").wait_for()
    page.get_by_role("button", name="Grant").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").select_option(label="admin")
    dialog.get_by_label("Permission").select_option("execute")
    dialog.get_by_role("button", name="Grant").click()
    page.get_by_text(" · execute").first.wait_for()
    _shot(page, "07-grants")

    page.goto("/console/artifacts")
    page.get_by_role("link", name="live-plan").first.click()
    page.get_by_role("button", name="Promote").click()
    page.get_by_role("dialog").get_by_label("To environment").select_option(
        label="staging"
    )
    page.get_by_role("dialog").get_by_role("button", name="Promote").click()
    page.get_by_text("Promoted as version 1, with 1 task(s).").wait_for()
