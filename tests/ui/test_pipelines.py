"""The pipelines app in a real browser: upload a CSV, build a three-step
pipeline, watch the preview follow a filter's value, run it on a real
engine, download the result."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import settle
from tests.ui.helpers import api_session, sign_in, unique

pytestmark = pytest.mark.browser
CSV = "id,city,amount\n" + "".join(
    f"{i},{['Paris', 'Lyon', 'Nice'][i % 3]},{i * 5}\n" for i in range(1, 41)
)


@pytest.fixture(scope="module")
def engine(browser, server, tmp_path_factory) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Pair and start one engine process on the UI server."""
    context, api = api_session(browser, server)
    key = api.call("POST", "/engine-pairing-keys", {}, status=201)["key"]
    state = tmp_path_factory.mktemp("ui-engine")
    base = [sys.executable, "-m", "tcloud", "engine"]
    subprocess.run(
        [*base, "pair", "--url", server, "--key", key, "--state-dir", str(state),
         "--name", "ui"], check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    with (state / "engine.log").open("wb") as log:
        process = subprocess.Popen(
            [*base, "run", "--state-dir", str(state)], stdout=log, stderr=log
        )
    try:
        _wait_connected(api)
        context.close()
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_connected(api) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any(e["connected"] for e in api.call("GET", "/engines")["items"]):
            return
        time.sleep(0.2)
    raise AssertionError("the engine did not connect")


def after_count(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("[data-count=after]").inner_text())


def test_upload_build_preview_run_download(page, shot, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = unique("sales")
    file = tmp_path / f"{name}.csv"
    file.write_text(CSV)
    sign_in(page)
    page.goto("/pipelines/datasets")
    page.get_by_role("heading", name="Datasets", level=1).wait_for()
    shot(page, "pipelines-01-datasets")

    page.get_by_label("File to upload").set_input_files(str(file))
    page.wait_for_url("**/pipelines/datasets/ds_*")
    page.locator("[data-grid=Sample] tbody tr").first.wait_for()
    assert page.locator("[data-grid=Sample] tbody tr").count() == 40
    shot(page, "pipelines-02-dataset-sample")

    page.goto("/pipelines")
    page.get_by_role("button", name="New pipeline").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(unique("Big sales"))
    dialog.get_by_role("button", name="Create").click()
    page.wait_for_url("**/pipelines/pip_*")
    page.get_by_role("button", name="Add a source").click()
    page.locator("[data-source]").select_option(label=name)
    page.locator("[data-count=after]").wait_for()
    for step in ("filter", "sort", "select"):
        page.locator("[data-add-step]").select_option(step)
    page.locator("[data-add-step]").select_option("destination")
    page.locator(".pl-node", has_text="filter_1").click()
    page.locator("[data-cond=field-0]").select_option("amount")
    page.locator("[data-cond=op-0]").select_option(">")
    page.locator("[data-cond=value-0]").fill("100")
    page.get_by_text("records", exact=False).first.wait_for()
    page.locator("[data-count=after]", has_text="20 records").wait_for()
    page.locator("[data-cond=value-0]").fill("150")
    page.locator("[data-count=after]", has_text="10 records").wait_for()
    shot(page, "pipelines-03-editor-preview")

    page.get_by_role("button", name="Run").click()
    page.locator("[data-run-status=succeeded]").wait_for(timeout=30000)
    settle(page)
    shot(page, "pipelines-04-run")
    with page.expect_download() as download:
        page.locator("[data-result]").first.click()
    saved = Path(download.value.path())
    lines = saved.read_text().splitlines()
    assert lines[0] == "id,city,amount" and len(lines) == 11

    page.get_by_role("button", name="Schedule").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Make the task").click()
    page.get_by_text("made; next run").wait_for()


def test_connections_page_and_a_test_from_the_engine(
    page, shot, engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    name = unique("share")
    sign_in(page)
    page.goto("/pipelines/connections")
    page.get_by_role("heading", name="Connections", level=1).wait_for()
    page.get_by_role("button", name="New connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Kind").select_option("folder")
    dialog.get_by_label("Path (folder, SQLite)").fill(str(tmp_path))
    dialog.get_by_role("button", name="Create").click()
    row = page.locator("tr", has_text=name)
    row.get_by_role("button", name="Test").click()
    page.get_by_text(f"{name}: ").wait_for()
    shot(page, "pipelines-05-connections")
