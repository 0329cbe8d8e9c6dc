"""In a real browser: upload, read a quality bar, apply three functions,
undo one, run, watch the progress bar, download the export."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ADMIN_PASSWORD
from tests.ui.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SHOTS,
    Watch,
    _free_port,
    _wait_ready,
    settle,
)
from tests.ui.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
ROWS = 300_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dataprep-ui")
    port = _free_port()
    env = {**os.environ, "TCLOUD_BOOTSTRAP_PASSWORD": ADMIN_PASSWORD,
           "TCLOUD_EMBEDDED_ENGINE": "false"}  # fmt: skip
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
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, accept_downloads=True,
                                  viewport={"width": 1500, "height": 950})  # fmt: skip
    context.set_default_timeout(10000)
    watch = Watch()
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.screenshot(path=str(SHOTS / f"dataprep-{name}.png"), full_page=True)


@pytest.fixture
def people(tmp_path: Path) -> Path:
    lines = ["id,name,zip,amount"]
    lines += [f"{i}, name{i} ,{i % 1000:05d},{i * 1.5}" for i in range(ROWS)]
    lines[4] = "3,  carol ,,x"
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _apply(page, column: str, label: str, **params: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".dp-col-name", has_text=column).first.click()
    page.get_by_label("Apply a function").select_option(label=label)
    for name, value in params.items():
        page.locator(".dp-function-form").get_by_label(name).fill(value)
    page.locator(".dp-function-form").get_by_role("button", name="Apply").click()
    settle(page)


def test_prepare_run_and_download(page, people: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/dataprep")
    page.get_by_role("heading", name="Preparations", level=1).wait_for()
    page.get_by_role("button", name="Upload a file").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("File").set_input_files(str(people))
    dialog.get_by_label("Name", exact=True).fill("people")
    dialog.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="people", level=1).wait_for(timeout=30000)
    settle(page)

    bar = page.get_by_role("img", name="zip:")
    assert bar.get_attribute("aria-label") == ("zip: 9,999 valid, 0 invalid, 1 empty")
    assert (
        page.locator(".dp-row").first.locator("td").nth(1).text_content() == " name0 "
    )
    _shot(page, "01-grid")
    page.get_by_role("button", name="Column menu of amount").click()
    page.get_by_role("menuitem", name="Show the invalid rows").click()
    page.get_by_text("1 rows match the filter").wait_for()
    assert page.locator(".dp-row").count() == 1
    _shot(page, "01-filtered")
    page.get_by_role("button", name="Clear").click()
    page.get_by_text("10,000 rows in the sample").wait_for()

    page.locator(".dp-col-name", has_text="name").first.click()
    page.get_by_label("Apply a function").select_option(
        label="Remove the text matching a pattern"
    )
    form = page.locator(".dp-function-form")
    form.get_by_label("pattern").fill("(")
    form.get_by_role("button", name="Apply").click()
    form.locator(".field-error").get_by_text(
        "is not a valid regular expression"
    ).wait_for()
    _shot(page, "01-field-error")
    assert page.locator(".dp-recipe li").count() == 0

    _apply(page, "name", "Remove trailing and leading characters")
    _apply(page, "name", "Change to upper case")
    _apply(page, "zip", "Pad the text to a size", size="6")
    recipe = page.locator(".dp-recipe li")
    assert recipe.count() == 3
    assert page.locator(".dp-row").first.locator("td").nth(1).inner_text() == "NAME0"
    # Zip codes keep their leading zeros as text; the numbers have a histogram.
    page.locator(".dp-col-name", has_text="amount").first.click()
    page.locator(".dp-histogram").wait_for()
    _shot(page, "02-three-steps")

    page.get_by_role("button", name="Undo").click()
    settle(page)
    assert recipe.count() == 2
    assert page.locator(".dp-row").first.locator("td").nth(2).inner_text() == "00000"

    page.locator('.dp-row[data-row-id="0"] td').nth(2).click()
    page.get_by_label("Apply a function").select_option(label="Replace the cell value")
    form = page.locator(".dp-function-form")
    form.get_by_label("Apply to").select_option(label="The selected cell (row 1)")
    form.get_by_label("value").fill("99999")
    form.get_by_role("button", name="Apply").click()
    settle(page)
    assert page.locator('.dp-row[data-row-id="0"] td').nth(2).inner_text() == "99999"
    assert page.locator('.dp-row[data-row-id="1"] td').nth(2).inner_text() == "00001"
    assert recipe.count() == 3

    page.get_by_role("button", name="Use in a pipeline").click()
    node = page.get_by_label("Processor node (JSON)")
    assert '"type": "prepare"' in node.input_value()
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Fetch more rows").click()
    page.get_by_text("20,000 rows in the sample of 20,000").wait_for()
    page.locator(".dp-grid-scroll").hover()
    page.mouse.wheel(0, 15_000 * 28)
    page.locator('.dp-row[data-row-id="15010"]').wait_for()
    settle(page)
    assert page.locator(".dp-row").count() < 120
    _shot(page, "03-scrolled")
    page.get_by_role("button", name="Run", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Format").select_option("csv")
    dialog.get_by_role("button", name="Run on the full dataset").click()
    progress = dialog.locator("progress")
    progress.wait_for()
    _shot(page, "03-running")
    link = dialog.get_by_role("link", name="Download people.csv")
    link.wait_for(timeout=60000)
    assert progress.get_attribute("value") == progress.get_attribute("max")
    _shot(page, "04-done")
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "out.csv"
    info.value.save_as(target)
    dialog.get_by_role("button", name="Close").click()
    page.locator(".dp-runs").get_by_text("csv · succeeded").wait_for()
    _shot(page, "05-runs")
    page.goto("/dataprep")
    page.get_by_role("link", name="people").wait_for()
    _shot(page, "00-list")

    lines = target.read_text().splitlines()
    assert lines[0] == "id,name,zip,amount"
    assert lines[1] == "0,NAME0,99999,0.0"
    assert lines[2] == "1,NAME1,00001,1.5"
    assert lines[4] == "3,CAROL,,x"
    assert len(lines) == ROWS + 1
