"""The pipelines app in a real browser: upload a CSV, build a three-step
pipeline, watch the preview follow a filter's value, run it on a real
engine, download the result."""

from __future__ import annotations

import sqlite3
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
    dialog.get_by_label("Path on the engine's machine").fill(str(tmp_path))
    dialog.get_by_role("button", name="Create").click()
    row = page.locator("tr", has_text=name)
    row.get_by_role("button", name="Test").click()
    page.get_by_text(f"{name}: ").wait_for()
    shot(page, "pipelines-05-connections")


TAGS = ['"red, blue"', "green"]
SHOP = "id,city,amount,tags,day\n" + "".join(
    f"{i},{[' paris', 'lyon ', 'nice'][i % 3]},{i * 5},{TAGS[i % 2 == 0]},"
    f"{i % 28 + 1:02d}/06/2024\n"
    for i in range(1, 31)
)
REGIONS = "city,region\nParis,IDF\nLyon,ARA\nNice,PACA\n"
TIDY = {"fields": ["city"], "operations": ["trim", "title"]}


def upload(api, name: str, text: str) -> dict:  # type: ignore[no-untyped-def]
    """Make a dataset of a CSV through the API, as the upload control does."""
    response = api.request.fetch(
        f"/api/v1/datasets/upload?name={name}&filename={name}.csv",
        method="POST", data=text.encode(),
        headers={"Origin": api.origin, "X-CSRF-Token": api.csrf,
                 "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert response.status == 201, response.text()
    return response.json()


def open_pipeline(page, api, nodes: list, edges: list) -> dict:  # type: ignore[no-untyped-def]
    document = {"nodes": nodes, "edges": edges}
    body = {"name": unique("Shop"), "document": document}
    made = api.call("POST", "/pipelines", body, status=201)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page)
    page.goto(f"/pipelines/{made['id']}")
    page.locator("[data-count=after]").wait_for()
    return made


def pick(page, node: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".pl-node", has_text=node).first.click()
    page.get_by_role("heading", name=node, level=3).wait_for()


def add(page, step: str, previewed: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-add-step]").select_option(step)
    page.get_by_role("heading", name=f"{step}: {step}_", level=3).wait_for()
    if previewed:
        page.locator("[data-preview=after] h3", has_text=f"{step}_").wait_for()
    settle(page)


FIRST_CELL = "[data-grid=After] tbody tr:first-child td:first-child"


def after_head(page, field: str):  # type: ignore[no-untyped-def]
    return page.locator("[data-grid=After] th", has_text=field)


def after_cell(page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("[data-grid=After] td").get_by_text(text, exact=True)


def after_fields(page) -> list[str]:  # type: ignore[no-untyped-def]
    heads = page.locator("[data-grid=After] thead th")
    return [t.split("\n")[0] for t in heads.all_inner_texts()]


def after_column(page, field: str) -> list[str]:  # type: ignore[no-untyped-def]
    i = after_fields(page).index(field) + 1
    cells = page.locator(f"[data-grid=After] tbody td:nth-child({i})")
    return list(cells.all_inner_texts())


def top_shot(shot, page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot from the top of the page (the shell's top bar is fixed)."""
    page.mouse.move(640, 400)
    page.mouse.wheel(0, -20000)
    page.get_by_role("link", name="Pipelines").first.wait_for()
    shot(page, name)


@pytest.fixture
def shop(browser, server, engine) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    context, api = api_session(browser, server)
    yield (
        api,
        upload(api, unique("shop"), SHOP),
        upload(api, unique("regions"), REGIONS),
    )
    context.close()


def test_text_steps_have_forms_with_errors_next_to_the_input(  # type: ignore[no-untyped-def]
    page, shot, shop
) -> None:
    api, data, _ = shop
    open_pipeline(page, api, [{"id": "shop", "type": "source",
                               "config": {"dataset_id": data["id"]}}], [])  # fmt: skip
    panel = page.locator("[data-panel]")

    add(page, "clean")
    panel.locator(".pl-check", has_text="city").locator("input").check()
    panel.get_by_label("Case").select_option("title")
    page.locator("[data-count=after]").wait_for()
    after_cell(page, "Paris").first.wait_for()
    assert set(after_column(page, "city")) == {"Paris", "Lyon", "Nice"}
    top_shot(shot, page, "pipelines-10-clean-form")

    add(page, "split")
    panel.get_by_label("Field to split").select_option("tags")
    page.locator("[data-count=after]", has_text="45 records").wait_for()
    assert "blue" in after_column(page, "tags")

    add(page, "convert")
    panel.get_by_role("button", name="Add a field to convert").click()
    panel.get_by_label("Field", exact=True).select_option("day")
    panel.get_by_label("To", exact=True).select_option("date")
    panel.get_by_label("Format (optional)").fill("%d/%m/%Y")
    after_head(page, "day").locator(".pl-type", has_text="date").wait_for()

    add(page, "calculate")
    panel.get_by_label("Field name").fill("double")
    panel.get_by_label("Expression (SQL)").fill("amount +* 2")
    error = panel.locator("[data-field-error=expression]")
    error.wait_for()
    assert "position 9" in error.inner_text()
    assert error.locator(".pl-caret").inner_text() == "amount +* 2\n        ^"
    expression = panel.get_by_label("Expression (SQL)")
    assert expression.get_attribute("aria-invalid") == "true"
    top_shot(shot, page, "pipelines-11-calculate-error")

    page.get_by_role("button", name="Save").click()
    page.get_by_text("Not saved: 1 problem").wait_for()
    panel.locator("[data-field-error=expression]").wait_for()
    panel.get_by_label("Expression (SQL)").fill("amount * 2")
    after_head(page, "double").wait_for()
    assert panel.locator("[data-field-error]").count() == 0
    assert after_column(page, "double")[:3] == ["10", "10", "20"]

    add(page, "select")
    panel.get_by_label("Keep tags").uncheck()
    panel.get_by_label("New name for city").fill("town")
    double = panel.locator(".pl-select-row", has_text="double")
    double.get_by_role("button", name="Move up").click()
    after_head(page, "town").wait_for()
    page.locator("[data-grid=After] th:nth-child(4)", has_text="double").wait_for()
    assert after_fields(page) == ["id", "town", "amount", "double", "day"]
    top_shot(shot, page, "pipelines-12-select-form")

    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as version 2.").wait_for()


def test_table_steps_have_forms_and_a_json_view(  # type: ignore[no-untyped-def]
    page, shot, shop
) -> None:
    api, data, regions = shop
    prep = api.call("POST", "/preparations", {
        "name": unique("Lower regions"), "dataset_id": regions["id"],
        "steps": [{"function": "lower_case", "column": "region"}],
    }, status=201)  # fmt: skip
    made = open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "regions", "type": "source", "config": {"dataset_id": regions["id"]}},
        {"id": "tidy", "type": "clean", "config": TIDY},
    ], [{"from": "shop", "to": "tidy"}])  # fmt: skip
    panel = page.locator("[data-panel]")

    add(page, "join", previewed=False)
    panel.get_by_label("Right input").select_option("regions")
    panel.get_by_label("Join", exact=True).select_option("inner")
    panel.get_by_label("Left key 1").select_option("city")
    panel.get_by_label("Right key 1").select_option("city")
    after_head(page, "region").wait_for()
    top_shot(shot, page, "pipelines-13-join-form")

    add(page, "aggregate")
    panel.locator(".pl-check", has_text="id").locator("input").uncheck()
    panel.locator(".pl-check", has_text="region").locator("input").check()
    panel.get_by_role("button", name="Add an aggregation").click()
    panel.get_by_label("Of field").nth(1).select_option("city")
    error = panel.locator("[data-field-error='aggregations[1].field']")
    error.wait_for()
    assert "expected int or float" in error.inner_text()
    top_shot(shot, page, "pipelines-14-aggregate-error")
    panel.get_by_label("Of field").nth(1).select_option("amount")
    panel.get_by_label("Output name").nth(1).fill("total")
    page.locator("[data-count=after]", has_text="3 records").wait_for()
    after_head(page, "total").wait_for()
    assert after_fields(page) == ["region", "count", "total"]

    add(page, "sort")
    panel.get_by_label("Sort by 1").select_option("total")
    panel.get_by_label("Order").select_option("desc")
    page.locator(FIRST_CELL, has_text="IDF").wait_for()
    totals = [int(t) for t in after_column(page, "total")]
    assert totals == sorted(totals, reverse=True)

    page.get_by_role("button", name="JSON").click()
    area = panel.locator("[data-json]")
    assert '"order": "desc"' in area.input_value()
    area.fill('{"by": [{"field": "total", "order": "asc"}]}')
    page.locator(FIRST_CELL, has_text="ARA").wait_for()
    top_shot(shot, page, "pipelines-15-json-view")
    page.get_by_role("button", name="JSON").click()
    assert panel.get_by_label("Order").input_value() == "asc"

    add(page, "dedupe")
    panel.locator(".pl-check", has_text="count").locator("input").check()
    panel.get_by_label("Keep", exact=True).select_option("last")
    page.locator("[data-count=after]").wait_for()

    add(page, "prepare")
    panel.get_by_label("Preparation").select_option(prep["id"])
    panel.locator(".pl-steps li", has_text="lower_case on region").wait_for()
    after_cell(page, "idf").first.wait_for()
    top_shot(shot, page, "pipelines-16-prepare-form")

    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as version 2.").wait_for()
    saved = api.call("GET", f"/pipelines/{made['id']}")["document"]["nodes"]
    configs = {n["type"]: n["config"] for n in saved}
    assert configs["join"] == {"how": "inner", "on": ["city"]}
    assert configs["aggregate"]["group_by"] == ["region"]
    assert configs["aggregate"]["aggregations"][1] == {
        "op": "sum", "field": "amount", "as": "total"
    }  # fmt: skip
    assert configs["sort"] == {"by": [{"field": "total", "order": "asc"}]}
    assert configs["dedupe"] == {"fields": ["count"], "keep": "last"}
    assert [s["function"] for s in configs["prepare"]["steps"]] == ["lower_case"]


def test_destination_form_writes_a_table_on_a_connection(  # type: ignore[no-untyped-def]
    page, shot, shop, tmp_path
) -> None:
    api, data, _ = shop
    db = tmp_path / "shop.db"
    con = api.call("POST", "/connections", {
        "name": unique("warehouse"), "kind": "sqlite",
        "config": {"path": str(db)}}, status=201)  # fmt: skip
    made = open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "out", "type": "destination", "config": {"output": {"name": "a.csv"}}},
    ], [{"from": "shop", "to": "out"}])  # fmt: skip
    panel = page.locator("[data-panel]")

    page.get_by_role("heading", name="destination: out", level=3).wait_for()
    panel.get_by_label("Write to").select_option(con["id"])
    panel.get_by_label("Table").fill("sales")
    panel.get_by_label("Write mode").select_option("append")
    top_shot(shot, page, "pipelines-17-destination-table")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as version 2.").wait_for()
    page.get_by_role("button", name="Run").click()
    page.locator("[data-run-status=succeeded]").wait_for(timeout=30000)

    saved = api.call("GET", f"/pipelines/{made['id']}")["document"]["nodes"][1]
    assert saved["config"] == {
        "connection_id": con["id"], "table": "sales", "mode": "append"}  # fmt: skip
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales").fetchone() == (30,)


SEMI = "id;amount\n1;7,25\n2;3\n3;4\n"
RAGGED = "a,b\n1,2\n3,4,5\n"


def test_read_settings_stay_when_a_read_fails(page, shot, shop) -> None:  # type: ignore[no-untyped-def]
    api = shop[0]
    semi = upload(api, unique("semi"), SEMI)
    ragged = upload(api, unique("ragged"), RAGGED)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page)
    page.goto(f"/pipelines/datasets/{semi['id']}")
    page.locator("[data-grid=Sample] tbody tr").first.wait_for()

    page.get_by_label("Delimiter").select_option("comma")
    page.get_by_role("button", name="Apply").click()
    error = page.locator("[data-read-error]")
    error.wait_for()
    assert "fields where the header has" in error.inner_text()
    shot(page, "pipelines-20-read-error")
    page.get_by_label("Delimiter").select_option("semicolon")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("2 fields, 3 records in the sample").wait_for()

    page.goto(f"/pipelines/datasets/{ragged['id']}")
    page.locator("[data-read-error]").wait_for()
    page.get_by_label("Rows longer than the header").select_option("truncate")
    page.get_by_role("button", name="Apply").click()
    page.locator("[data-grid=Sample] tbody tr").nth(1).wait_for()
    assert page.locator("[data-read-error]").count() == 0

    page.goto("/pipelines/datasets")
    page.locator("tr", has_text=semi["name"]).get_by_text("csv").wait_for()


def test_rejected_rows_show_with_their_reason(page, shot, shop) -> None:  # type: ignore[no-untyped-def]
    api = shop[0]
    semi = upload(api, unique("semi"), SEMI)
    open_pipeline(page, api, [
        {"id": "semi", "type": "source", "config": {"dataset_id": semi["id"]}},
        {"id": "num", "type": "convert", "config": {"fields": {"amount": "float"}}},
    ], [{"from": "semi", "to": "num"}])  # fmt: skip

    page.locator("[data-count=after]", has_text="2 records, 1 rejected").wait_for()
    page.get_by_role("tab", name="Rejected").click()
    reason = page.locator("[data-grid=Rejected] td", has_text="cannot convert")
    assert "'7,25' to float" in reason.inner_text()
    top_shot(shot, page, "pipelines-21-rejected")


def test_versions_saved_only_on_change_listed_and_restored(  # type: ignore[no-untyped-def]
    page, shot, shop
) -> None:
    api, data, _ = shop
    made = open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "tidy", "type": "clean", "config": TIDY},
    ], [{"from": "shop", "to": "tidy"}])  # fmt: skip
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Nothing changed since version 1.").wait_for()

    page.locator("[data-panel]").get_by_label("Case").select_option("upper")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as version 2.").wait_for()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Nothing changed since version 2.").wait_for()
    assert len(api.call("GET", f"/pipelines/{made['id']}")["versions"]) == 2

    page.locator("[data-version-badge]").click()
    page.locator("[data-versions] tbody tr").nth(1).wait_for()
    shot(page, "pipelines-22-versions")
    page.get_by_role("dialog").get_by_role("link", name="Version 1").click()
    page.wait_for_url("**?version=1")
    page.locator("[data-older]").wait_for()
    assert page.locator("[data-panel]").get_by_label("Case").is_disabled()
    page.get_by_role("button", name="Restore as new version").click()
    page.get_by_text("Version 1 restored as version 3.").wait_for()
    page.locator("[data-version-badge]", has_text="version 3").wait_for()
    assert page.locator("[data-older]").count() == 0

    page.goto(f"/pipelines/{made['id']}?version=2")
    page.locator("[data-older]", has_text="Version 2 of 3").wait_for()


def test_leaving_unsaved_edits_asks_first(page, shop) -> None:  # type: ignore[no-untyped-def]
    api, data, _ = shop
    made = open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "tidy", "type": "clean", "config": TIDY},
    ], [{"from": "shop", "to": "tidy"}])  # fmt: skip
    page.locator("[data-panel]").get_by_label("Case").select_option("upper")

    page.get_by_role("link", name="Datasets").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Leave without saving?").wait_for()
    dialog.get_by_role("button", name="Cancel").click()
    assert page.url.endswith(f"/pipelines/{made['id']}")
    page.get_by_role("link", name="Datasets").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Leave").click()
    page.get_by_role("heading", name="Datasets", level=1).wait_for()

    page.go_back()
    page.locator("[data-panel]").get_by_label("Case").select_option("lower")
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.accept()


def test_every_save_problem_is_listed(page, shot, shop) -> None:  # type: ignore[no-untyped-def]
    api, data, _ = shop
    open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "order", "type": "sort", "config": {"by": [{"field": "id"}]}},
        {"id": "keep", "type": "filter", "config": {"conditions": [
            {"field": "amount", "op": ">", "value": 1}]}},
    ], [{"from": "shop", "to": "keep"}, {"from": "shop", "to": "order"}])  # fmt: skip
    page.get_by_role("button", name="JSON").click()
    page.locator("[data-json]").fill('{"conditions": [{"field": "nope", "value": 1}]}')
    page.locator(".pl-node", has_text="order").click()
    page.get_by_role("heading", name="sort: order").wait_for()
    page.locator("[data-json]").fill('{"by": [{"field": "nada"}]}')
    page.get_by_role("button", name="Save").click()

    error = page.locator("[data-save-error]")
    error.get_by_text("Not saved: 2 problems").wait_for()
    items = error.locator("li").all_inner_texts()
    assert any("filter keep" in i and "nope" in i for i in items), items
    assert any("sort order" in i and "nada" in i for i in items), items
    top_shot(shot, page, "pipelines-25-save-problems")


def test_a_long_pipeline_stays_legible_and_steps_explain_their_preview(  # type: ignore[no-untyped-def]
    page, shot, shop
) -> None:
    api, data, regions = shop
    steps = [{"id": f"sort_{i}", "type": "sort", "config": {"by": [{"field": "id"}]}}
             for i in range(1, 9)]  # fmt: skip
    chain = ["shop", *[s["id"] for s in steps]]
    open_pipeline(page, api, [
        {"id": "shop", "type": "source", "config": {"dataset_id": data["id"]}},
        {"id": "regions", "type": "source", "config": {"dataset_id": regions["id"]}},
        *steps,
    ], [{"from": a, "to": b} for a, b in zip(chain, chain[1:])])  # fmt: skip

    box = page.locator(".pl-node rect").first.bounding_box()
    assert box and box["width"] >= 140 and box["height"] >= 40
    area = page.locator("[data-graph]").bounding_box()
    assert area and area["x"] + area["width"] <= 1280
    top_shot(shot, page, "pipelines-23-long-graph")

    add(page, "join", previewed=False)
    add(page, "dedupe", previewed=False)
    why = page.locator("[data-preview=after] [data-preview-why]")
    why.wait_for()
    assert page.locator("[data-preview=after] h3").inner_text() == "After (dedupe_1)"
    assert "join_1" in why.inner_text()

    page.get_by_role("button", name="Add a source").click()
    assert page.locator("[data-source]").input_value() == ""
    why.get_by_text("Choose a dataset for source_1").wait_for()
    top_shot(shot, page, "pipelines-24-new-source")


def test_new_connection_shows_the_fields_of_its_kind(page, shop) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/pipelines/connections")
    page.get_by_role("button", name="New connection").click()
    dialog = page.get_by_role("dialog")

    assert dialog.get_by_label("Path on the engine's machine").is_visible()
    assert not dialog.get_by_label("Bucket").is_visible()
    dialog.get_by_label("Kind").select_option("s3")
    dialog.get_by_label("Bucket").wait_for()
    assert not dialog.get_by_label("Path on the engine's machine").is_visible()
    assert not dialog.get_by_label("Host").is_visible()
    dialog.get_by_label("Kind").select_option("postgres")
    dialog.get_by_label("Host").wait_for()
    assert not dialog.get_by_label("Bucket").is_visible()
