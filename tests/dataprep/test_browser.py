"""In a real browser: upload, read a quality bar, apply three functions,
undo one, run, watch the progress bar, download the export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import (
    SHOTS,
    Watch,
    chromium,
    serving,
    settle,
)
from tests.ui.helpers import sign_in
from tests.ui.test_pipelines import engine  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
ROWS = 300_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("dataprep-ui"), embedded_engine=False) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, accept_downloads=True,
                                  viewport={"width": 1280, "height": 800})  # fmt: skip
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


def _choose(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Find a function").fill(label)
    page.locator(".dp-fn-list").get_by_role("button", name=label, exact=True).click()


def _apply(page, column: str, label: str, **params: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".dp-col-name", has_text=column).first.click()
    _choose(page, label)
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
    _choose(page, "Remove the text matching a pattern")
    form = page.locator(".dp-function-form")
    form.get_by_label("Pattern").fill("(")
    form.get_by_role("button", name="Apply").click()
    form.locator(".field-error").get_by_text(
        "is not a valid regular expression"
    ).wait_for()
    _shot(page, "01-field-error")
    assert page.locator(".dp-recipe li").count() == 0

    _apply(page, "name", "Remove trailing and leading characters")
    _apply(page, "name", "Change to upper case")
    _apply(page, "zip", "Pad the text to a size", Size="6")
    recipe = page.locator(".dp-recipe li")
    assert recipe.count() == 3
    assert page.locator(".dp-row").first.locator("td").nth(1).inner_text() == "NAME0"
    # Zip codes keep their leading zeros as text; the numbers have a histogram.
    page.locator(".dp-col-name", has_text="amount").first.click()
    page.get_by_role("tab", name="Profile").click()
    page.locator(".dp-histogram").wait_for()
    _shot(page, "02-three-steps")
    page.get_by_role("tab", name="Functions").click()

    page.get_by_role("button", name="Undo").click()
    settle(page)
    assert recipe.count() == 2
    assert page.locator(".dp-row").first.locator("td").nth(2).inner_text() == "00000"

    page.locator('.dp-row[data-row-id="0"] td').nth(2).click()
    _choose(page, "Replace the cell value")
    form = page.locator(".dp-function-form")
    form.get_by_label("Apply to").select_option(label="The selected cell (row 1)")
    form.get_by_label("New value").fill("99999")
    form.get_by_role("button", name="Apply").click()
    settle(page)
    assert page.locator('.dp-row[data-row-id="0"] td').nth(2).inner_text() == "99999"
    assert page.locator('.dp-row[data-row-id="1"] td').nth(2).inner_text() == "00001"
    assert recipe.count() == 3

    page.get_by_role("button", name="Use in a pipeline").click()
    page.get_by_role("button", name="Show as JSON").click()
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
    page.get_by_role("tab", name="Steps").click()
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


WIDE = ["id", "first_name", "last_name", "email", "city", "country", "zip",
        "amount", "joined", "phone", "status", "notes"]  # fmt: skip


@pytest.fixture
def wide(tmp_path: Path) -> Path:
    lines = [",".join(WIDE)]
    lines += [
        f"{i},Ann{i},Lee{i},ann{i}@example.com,Lyon,FR,{i:05d},{i * 2.5},"
        f"2024-01-{i % 28 + 1:02d},+33 1 23 45 67 {i % 90 + 10},open,note {i}"
        for i in range(200)
    ]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _upload(page, path: Path, name: str) -> object:  # type: ignore[no-untyped-def]
    page.goto("/dataprep")
    page.get_by_role("button", name="Upload a file").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("File").set_input_files(str(path))
    dialog.get_by_label("Name", exact=True).fill(name)
    dialog.get_by_role("button", name="Upload").click()
    return dialog


def _open(page, path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    _upload(page, path, name)
    page.get_by_role("heading", name=name, level=1).wait_for(timeout=30000)
    settle(page)


def _inside(inner, outer) -> bool:  # type: ignore[no-untyped-def]
    a, b = inner.bounding_box(), outer.bounding_box()
    return a["x"] >= b["x"] - 1 and a["x"] + a["width"] <= b["x"] + b["width"] + 1


def _rows_in_view(page) -> int:  # type: ignore[no-untyped-def]
    """Count the rows wholly visible between the header and the scroll bar."""
    top = page.locator(".dp-grid thead").bounding_box()
    area = page.locator(".dp-grid-scroll").bounding_box()
    first = top["y"] + top["height"]
    bottom = area["y"] + area["height"] - 16  # a horizontal scroll bar's room
    boxes = [r.bounding_box() for r in page.locator(".dp-row").all()]
    return sum(
        b["y"] >= first - 1 and b["y"] + b["height"] <= bottom + 1 for b in boxes
    )


def test_picker_labels_layout_and_taken_name(page, wide: Path) -> None:  # type: ignore[no-untyped-def]
    _open(page, wide, "wide")

    # At 1280x800 the page fits; the grid scrolls sideways inside its area.
    scroller = page.locator(".dp-grid-scroll")
    box = scroller.bounding_box()
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 800
    side = page.locator(".dp-side").bounding_box()
    assert side["x"] + side["width"] <= 1280 and side["y"] + side["height"] <= 800
    # Room for the data: at least 7 whole columns and 18 whole rows in view,
    # the title and the actions on one row, every tab label whole.
    heads = page.locator(".dp-col")
    assert sum(_inside(heads.nth(i), scroller) for i in range(heads.count())) >= 7
    assert _rows_in_view(page) >= 18
    title = page.get_by_role("heading", name="wide", level=1).bounding_box()
    run = page.get_by_role("button", name="Run", exact=True).bounding_box()
    assert abs(title["y"] + title["height"] / 2 - run["y"] - run["height"] / 2) < 8
    tabs = page.locator(".dp-tabs")
    for tab in tabs.get_by_role("tab").all():
        assert _inside(tab, tabs)
    assert _inside(tabs, page.locator(".dp-side"))
    # A long value is cut short, and whole in its title.
    email = page.locator('.dp-row[data-row-id="0"] td').nth(3)
    assert email.get_attribute("title") == "ann0@example.com"
    assert email.bounding_box()["width"] <= 121
    last = page.locator(".dp-col", has_text="notes")
    last.wait_for()
    assert not _inside(last, scroller)
    _shot(page, "10-wide-1280")
    # Dragged by its header's right edge, a column takes the width asked.
    edge = page.get_by_role("separator", name="Width of email").bounding_box()
    page.mouse.move(edge["x"] + 3, edge["y"] + 10)
    page.mouse.down()
    page.mouse.move(edge["x"] + 83, edge["y"] + 10, steps=4)
    page.mouse.up()
    assert 175 <= email.bounding_box()["width"] <= 185
    _shot(page, "10-wide-resized")
    last.scroll_into_view_if_needed()
    assert _inside(last, scroller)
    _shot(page, "11-wide-scrolled")

    # A decimal column: the functions that fit it, by category; then all.
    page.locator(".dp-col-name", has_text="amount").first.click()
    picker = page.locator(".dp-picker")
    picker.get_by_text("functions fit a decimal column").wait_for()
    functions = picker.locator(".dp-fn-list")
    assert functions.get_by_role("heading", name="Math").is_visible()
    assert not functions.get_by_role("button", name="Change to upper case").count()
    _shot(page, "12-picker-decimal")
    picker.get_by_label("Show all functions").check()
    upper = functions.get_by_role("button", name="Change to upper case")
    assert upper.is_visible()
    picker.get_by_label("Find a function").fill("round")
    assert functions.get_by_role("button").count() == 3
    picker.get_by_label("Show all functions").uncheck()

    # Labels, choice lists and fields that follow the choice beside them.
    _choose(page, "Change the number format")
    form = page.locator(".dp-function-form")
    read = form.get_by_label("Number format read")
    assert "European (1.234,5)" in read.inner_text()
    assert not form.get_by_label("Thousands separator read").is_visible()
    read.select_option(label="custom separators")
    assert form.get_by_label("Thousands separator read").is_visible()
    _shot(page, "13-number-format-form")
    _choose(page, "Add a number")
    form.get_by_label("With").select_option(label="another column")
    assert not form.get_by_label("Value", exact=True).is_visible()
    other = form.get_by_label("Other column")
    assert "zip" in other.inner_text()
    other.select_option("id")
    form.get_by_label("Write the result to the new column amount_").check()
    form.get_by_role("button", name="Apply").click()
    page.locator(".dp-col-name", has_text="amount_").first.wait_for()
    assert page.locator(".dp-recipe li").count() == 1
    _shot(page, "14-applied")

    # The name is taken: say so, and offer the dataset or a free name.
    dialog = _upload(page, wide, "wide")
    dialog.get_by_text("A dataset named wide already exists.").wait_for()
    assert dialog.get_by_role("button", name="Upload as wide 2").is_visible()
    _shot(page, "15-name-taken")
    dialog.get_by_role("button", name="Open the dataset wide").click()
    page.get_by_role("heading", name="wide", level=1).wait_for()
    assert page.locator(".dp-recipe li").count() == 1


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Integers past 2^53, trailing spaces, dd/mm or mm/dd dates, ISO dates."""
    path = tmp_path / "mixed.csv"
    rows = (
        (i, 9007199254740993 + i, "active " if i % 3 == 0 else "active",
         f"{i % 12 + 1:02d}/{i % 11 + 1:02d}/2024", f"2024-01-{i % 28 + 1:02d}")
        for i in range(60)
    )  # fmt: skip
    body = "".join(",".join(map(str, row)) + "\n" for row in rows)
    path.write_text("id,big,status,d,joined\n" + body)
    return path


def test_dates_spaces_big_numbers_filter_and_run(page, mixed: Path) -> None:  # type: ignore[no-untyped-def]
    _open(page, mixed, "mixed")

    # Ambiguous dates are flagged on their header; large integers as sent.
    hint = page.locator('.dp-col[data-column="d"] .dp-col-ambiguous')
    assert "day and month" in hint.get_attribute("title")
    raw = page.request.get(
        page.url.replace("/dataprep/", "/api/v1/preparations/") + "/grid"
    ).text()
    if '"9007199254740993"' in raw:  # the server sends them as text
        cell = page.locator('.dp-row[data-row-id="0"] td').nth(1)
        assert cell.inner_text() == "9007199254740993"
    _shot(page, "20-mixed")

    # Trailing spaces show in the profile's top values and patterns.
    page.locator(".dp-col-name", has_text="status").first.click()
    page.get_by_role("tab", name="Profile").click()
    spaced = page.locator(".dp-profile .dp-value[title]").first
    spaced.wait_for()
    assert "1 trailing" in spaced.get_attribute("title")
    assert spaced.inner_text() == "active·"
    _shot(page, "21-profile-spaces")

    # "between" on a date column takes dates; a failing filter says so.
    page.get_by_role("button", name="Add a condition").click()
    bar = page.locator(".dp-filter")
    bar.get_by_label("Column").select_option("joined")
    bar.get_by_label("Condition", exact=True).select_option("range")
    assert bar.get_by_label("From").get_attribute("type") == "date"
    bar.get_by_label("From").fill("2024-01-01")
    bar.get_by_label("To").fill("2024-01-03")
    bar.get_by_role("button", name="Apply the filter").click()
    page.get_by_text("9 rows match the filter").wait_for()
    bar.get_by_label("Column").select_option("status")
    assert bar.get_by_label("From").get_attribute("type") == "text"
    bar.get_by_label("From").fill("x")
    bar.get_by_role("button", name="Apply the filter").click()
    bar.get_by_text("The filter is not applied").wait_for()
    page.get_by_text("60 rows in the sample").wait_for()
    _shot(page, "22-filter-error")
    bar.get_by_role("button", name="Add a condition").click()
    bar.get_by_label("Rows matching").select_option("or")
    bar.get_by_role("button", name="Clear").click()
    assert not bar.get_by_text("The filter is not applied").count()
    bar.get_by_role("button", name="Add a condition").click()
    bar.get_by_role("button", name="Add a condition").click()
    assert bar.get_by_label("Rows matching").input_value() == "and"
    bar.get_by_role("button", name="Clear").click()

    # The ambiguous column: the format is a choice, with a value read both ways.
    page.get_by_role("tab", name="Functions").click()
    page.locator('.dp-col[data-column="d"] .dp-col-name').click()
    _choose(page, "Change the date pattern")
    form = page.locator(".dp-function-form")
    read = form.get_by_label("Date format of the column")
    labels = read.inner_text()
    assert "dd/mm/yyyy: 12/01/2024 is 12 January 2024" in labels, labels
    assert "mm/dd/yyyy: 12/01/2024 is 1 December 2024" in labels, labels
    _shot(page, "23-date-choice")
    read.select_option("%d/%m/%Y")
    form.get_by_label("Pattern").fill("yyyy-MM-dd")
    form.get_by_role("button", name="Apply").click()
    settle(page)
    assert (
        page.locator('.dp-row[data-row-id="1"] td').nth(3).inner_text() == "2024-02-02"
    )

    # The run dialog shows the fields of the chosen format and target only,
    # and the run is listed as soon as it starts.
    page.get_by_role("button", name="Run", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Format").select_option("xlsx")
    assert not dialog.get_by_label("CSV delimiter").is_visible()
    assert not dialog.get_by_label("S3 bucket").is_visible()
    dialog.get_by_label("Destination").select_option("s3")
    assert dialog.get_by_label("S3 bucket").is_visible()
    _shot(page, "24-run-s3")
    dialog.get_by_label("Destination").select_option("storage")
    dialog.get_by_label("Format").select_option("csv")
    assert dialog.get_by_label("CSV delimiter").is_visible()
    dialog.get_by_role("button", name="Run on the full dataset").click()
    dialog.get_by_role("link", name="Download mixed.csv").wait_for(timeout=60000)
    assert page.locator(".dp-runs li").count() >= 1
    dialog.get_by_role("button", name="Close").click()


def test_workbook_sheet_choice(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "People"
    book.active.append(["id", "name"])
    book.active.append([1, "ann"])
    other = book.create_sheet("Orders")
    other.append(["order", "total"])
    other.append([7, 9.5])
    path = tmp_path / "book.xlsx"
    book.save(path)

    sign_in(page)
    dialog = _upload(page, path, "book")
    sheet = dialog.get_by_label("Sheet")
    sheet.wait_for()
    assert "Orders" in sheet.inner_text()
    _shot(page, "30-sheet-choice")
    sheet.select_option("Orders")
    dialog.get_by_role("button", name="Open").click()
    page.get_by_role("heading", name="book", level=1).wait_for(timeout=30000)
    page.locator(".dp-col-name", has_text="total").first.wait_for()


# Last in the module: its engine, once started, stays until the module ends.
@pytest.mark.usefixtures("engine")
def test_new_pipeline_with_the_steps(page, mixed: Path) -> None:  # type: ignore[no-untyped-def]
    _open(page, mixed, "pipemix")  # a name the other tests leave free
    _apply(page, "status", "Change to upper case")

    page.get_by_role("button", name="Use in a pipeline").click()
    dialog = page.get_by_role("dialog")
    output = dialog.get_by_label("File written in the file area")
    assert output.input_value() == "pipemix.csv"
    assert not dialog.get_by_label("Processor node (JSON)").is_visible()
    dialog.get_by_role("button", name="Show as JSON").click()
    node = dialog.get_by_label("Processor node (JSON)").input_value()
    assert '"type": "prepare"' in node
    _shot(page, "40-use-in-pipeline")
    dialog.get_by_label("Pipeline name").fill("pipemix upper")
    dialog.get_by_role("button", name="New pipeline with these steps").click()

    page.wait_for_url("**/pipelines/pip_*")
    page.get_by_role("heading", name="pipemix upper", level=1).wait_for()
    settle(page)
    made = page.request.get(page.url.replace("/pipelines/", "/api/v1/pipelines/"))
    nodes = {n["id"]: n for n in made.json()["document"]["nodes"]}
    assert [n["type"] for n in nodes.values()] == ["source", "prepare", "destination"]
    assert nodes["prepare"]["config"]["steps"][0]["column"] == "status"
    assert nodes["destination"]["config"]["output"]["name"] == "pipemix.csv"
    # What the preparation's own exports do by default, its pipeline does too.
    assert nodes["destination"]["config"]["output"]["options"]["formula_guard"]
    _shot(page, "41-pipeline-made")
