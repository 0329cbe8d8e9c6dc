"""The preparation API: steps checked, saved whole or not at all, undone."""

from __future__ import annotations

import orjson
import pytest

from tests.dataprep.helpers import add, grid, upload


async def test_upload_makes_a_dataset_and_a_preparation(admin) -> None:
    prep = await upload(admin)

    page = await grid(admin, prep["id"])

    assert prep["steps"] == [] and prep["dataset_id"]
    assert [c["name"] for c in page["columns"]] == [
        "id",
        "name",
        "zip",
        "amount",
        "joined",
    ]
    assert page["rows"][0] == ["1", " alice ", "01234", "10.5", "2024-01-05"]
    assert page["row_ids"] == [0, 1, 2, 3]
    zip_column = page["columns"][2]
    assert zip_column["quality"] == {"valid": 3, "invalid": 0, "empty": 1}


async def test_a_step_applies_in_the_grid(admin) -> None:
    prep = await upload(admin)

    done = await add(admin, prep["id"], {"function": "trim", "column": "name"})
    page = await grid(admin, prep["id"])

    assert done["steps"][0]["function"] == "trim"
    assert done["version"] == prep["version"] + 1
    assert page["rows"][0][1] == "alice"


async def test_a_wrong_parameter_is_named_and_nothing_is_saved(admin) -> None:
    prep = await upload(admin)

    problem = await add(
        admin, prep["id"],
        {"function": "pad", "column": "zip", "params": {"size": "five"}}, 400,
    )  # fmt: skip
    again = await admin.json("GET", f"/preparations/{prep['id']}")

    assert problem["errors"] == [
        {"field": "params.size", "message": "must be an integer"}
    ]
    assert again["steps"] == [] and again["version"] == prep["version"]


async def test_an_unknown_column_is_named(admin) -> None:
    prep = await upload(admin)

    problem = await add(admin, prep["id"], {"function": "trim", "column": "nope"}, 400)

    assert problem["errors"][0]["field"] == "column"


async def test_undo_and_redo_walk_the_history(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "upper_case", "column": "name"})
    await add(admin, prep["id"], {"function": "trim", "column": "name"})

    undone = await admin.json("POST", f"/preparations/{prep['id']}/undo")
    redone = await admin.json("POST", f"/preparations/{prep['id']}/redo")
    await admin.json("POST", f"/preparations/{prep['id']}/undo")
    reloaded = await admin.json("GET", f"/preparations/{prep['id']}")

    assert [s["function"] for s in undone["steps"]] == ["upper_case"]
    assert [s["function"] for s in redone["steps"]] == ["upper_case", "trim"]
    assert [s["function"] for s in reloaded["steps"]] == ["upper_case"]
    assert reloaded["can_undo"] and reloaded["can_redo"]


async def test_steps_edit_disable_move_delete(admin) -> None:
    prep = await upload(admin)
    first = await add(admin, prep["id"], {"function": "upper_case", "column": "name"})
    second = await add(admin, prep["id"], {"function": "trim", "column": "name"})
    upper, trim = (s["id"] for s in second["steps"])
    base = f"/preparations/{prep['id']}/steps"

    await admin.json("PATCH", f"{base}/{upper}", json={"enabled": False})
    page = await grid(admin, prep["id"])
    moved = await admin.json("POST", f"{base}/{trim}/move", json={"position": 0})
    left = await admin.json("DELETE", f"{base}/{upper}")

    assert first["steps"][0]["id"] == upper
    assert page["rows"][1][1] == "BOB" and page["rows"][0][1] == "alice"
    assert [s["id"] for s in moved["steps"]] == [trim, upper]
    assert [s["id"] for s in left["steps"]] == [trim]


async def test_an_edit_that_breaks_a_later_step_is_refused(admin) -> None:
    prep = await upload(admin)
    first = await add(
        admin, prep["id"],
        {"function": "rename_column", "column": "name", "params": {"name": "who"}},
    )  # fmt: skip
    await add(admin, prep["id"], {"function": "trim", "column": "who"})
    rename = first["steps"][0]["id"]

    problem = await admin.json(
        "PATCH", f"/preparations/{prep['id']}/steps/{rename}",
        json={"params": {"name": "person"}}, status=400,
    )  # fmt: skip

    assert problem["errors"][0]["field"] == "steps[1].column"


async def test_filter_rows_in_the_grid(admin) -> None:
    prep = await upload(admin)
    spec = (
        '{"or": [{"column": "zip", "op": "empty"},'
        ' {"column": "name", "op": "contains", "value": "bob",'
        ' "case_sensitive": false}]}'
    )

    page = await grid(admin, prep["id"], filter=spec)

    assert page["row_ids"] == [1, 2] and page["matched"] == 2


async def test_a_step_on_the_filtered_rows_only(admin) -> None:
    prep = await upload(admin)
    scope = {"filter": {"column": "id", "op": "equals", "value": "2"}}

    await add(
        admin, prep["id"], {"function": "lower_case", "column": "name", "scope": scope}
    )
    page = await grid(admin, prep["id"])

    assert [r[1] for r in page["rows"]] == [" alice ", "bob", "carol", "dave"]


async def test_one_cell_by_row_id(admin) -> None:
    prep = await upload(admin)

    await add(admin, prep["id"], {
        "function": "set_value", "column": "zip", "params": {"value": "09999"},
        "scope": {"rows": [2]},
    })  # fmt: skip
    page = await grid(admin, prep["id"])

    assert [r[2] for r in page["rows"]] == ["01234", "02345", "09999", "04567"]


async def test_profile_and_suggestions(admin) -> None:
    prep = await upload(admin)
    base = f"/preparations/{prep['id']}"

    profile = await admin.json("GET", f"{base}/profile", params={"column": "amount"})
    suggested = await admin.json(
        "GET", f"{base}/suggestions", params={"column": "name"}
    )

    assert profile["count"] == 4 and profile["min"] == -3.0
    assert len(profile["histogram"]) == 10
    assert suggested["items"][0]["function"] == "trim"


async def test_grid_pages_and_fetch_more(admin) -> None:
    data = "n\n" + "".join(f"{i}\n" for i in range(30))
    prep = await upload(admin, "numbers", data, "numbers.csv")
    base = f"/preparations/{prep['id']}"

    await admin.json("POST", f"{base}/sample", json={"rows": 20})
    page = await grid(admin, prep["id"], offset=15, limit=10)

    assert page["total"] == 20 and page["more"]
    assert page["rows"] == [[str(i)] for i in range(15, 20)]


async def test_a_stale_version_is_refused(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})

    problem = await admin.json(
        "POST", f"/preparations/{prep['id']}/steps", 409,
        json={"step": {"function": "trim", "column": "zip"},
              "version": prep["version"]},
    )  # fmt: skip

    assert problem["code"] == "conflict"


async def test_other_tenants_preparations_answer_404(admin) -> None:
    await admin.json("GET", "/preparations/prp_nope", 404)


async def test_the_preparation_as_a_pipeline_processor(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})

    node = await admin.json("GET", f"/preparations/{prep['id']}/processor")

    assert node["type"] == "prepare"
    assert node["config"]["steps"][0]["function"] == "trim"


async def test_apply_to_another_dataset_with_the_same_columns(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})
    other = await upload(
        admin, "people two", "id,name,zip,amount,joined\n9, zed ,1,2,x\n"
    )

    copy = await admin.json(
        "POST", f"/preparations/{prep['id']}/copy", 201,
        json={"name": "on two", "dataset_id": other["dataset_id"]},
    )  # fmt: skip
    page = await grid(admin, copy["id"])

    assert page["rows"] == [["9", "zed", "1", "2", "x"]]


async def test_look_up_columns_from_another_dataset(admin) -> None:
    prep = await upload(admin)
    cities = await upload(
        admin, "cities", "code,city\n01234,Paris\n02345,Lyon\n01234,Twice\n",
        "cities.csv",
    )  # fmt: skip

    await add(admin, prep["id"], {
        "function": "lookup", "column": "zip",
        "params": {"dataset": cities["dataset_id"], "lookup_key": "code",
                   "columns": ["city"]},
    })  # fmt: skip
    page = await grid(admin, prep["id"])

    assert page["columns"][-1]["name"] == "city"
    assert [r[-1] for r in page["rows"]] == ["Paris", "Lyon", None, None]


async def test_a_lookup_of_an_unknown_dataset_is_refused(admin) -> None:
    prep = await upload(admin)

    problem = await add(admin, prep["id"], {
        "function": "lookup", "column": "zip",
        "params": {"dataset": "ds_nope", "lookup_key": "code", "columns": ["c"]},
    }, 400)  # fmt: skip

    assert problem["errors"][0]["field"] == "params.dataset"


def _workbook(path) -> bytes:  # type: ignore[no-untyped-def]
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    for name, rows in (
        ("first", [["a"], ["1"]]),
        ("second", [["b", "c"], ["x", "007"]]),
    ):
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    book.close()
    return path.read_bytes()


async def test_a_workbook_with_a_choice_of_sheet(admin, tmp_path) -> None:
    data = _workbook(tmp_path / "book.xlsx")
    prep = await upload(admin, "book", data, "book.xlsx", sheet="second")
    base = f"/preparations/{prep['id']}"

    first = await grid(admin, prep["id"])
    source = await admin.json("GET", f"{base}/source")
    await admin.json("PUT", f"{base}/sheet", json={"sheet": "first"})
    after = await grid(admin, prep["id"])
    problem = await admin.json("PUT", f"{base}/sheet", 400, json={"sheet": "nope"})

    assert first["rows"] == [["x", "007"]]
    assert source["sheets"] == ["first", "second"] and source["sheet"] == "second"
    assert after["rows"] == [["1"]]
    assert problem["errors"][0]["field"] == "sheet"


@pytest.mark.parametrize(
    ("spec", "ids"),
    [
        ({"column": "amount", "op": "range", "min": 0, "max": 10}, [2]),
        ({"column": "zip", "op": "pattern", "value": "99999"}, [0, 1, 3]),
        ({"column": "joined", "op": "invalid",
          "type": {"type": "date", "format": "%Y-%m-%d"}}, [2]),
        ({"and": [{"column": "zip", "op": "empty"},
                  {"column": "name", "op": "equals", "value": "carol"}]}, [2]),
        ({"column": "name", "op": "matches", "value": "^[a-z]+$"}, [2, 3]),
    ],
)  # fmt: skip
async def test_grid_filters(admin, spec, ids) -> None:
    prep = await upload(admin)

    page = await grid(admin, prep["id"], filter=orjson.dumps(spec).decode())

    assert page["row_ids"] == ids


async def test_a_wrong_filter_is_named(admin) -> None:
    prep = await upload(admin)

    problem = await admin.json(
        "GET", f"/preparations/{prep['id']}/grid", 400, params={"filter": '{"op": 1}'}
    )

    assert problem["errors"][0]["field"] == "filter"


async def test_json_lines_and_parquet_uploads(admin) -> None:
    import io

    import polars as pl

    buffer = io.BytesIO()
    pl.DataFrame({"code": ["007", "010"], "n": [1, 2]}).write_parquet(buffer)
    lines = b'{"code": "007", "n": 1}\n{"code": "010", "n": 2}\n'

    parquet = await upload(admin, "p", buffer.getvalue(), "codes.parquet")
    jsonl = await upload(admin, "j", lines, "codes.jsonl")

    for prep in (parquet, jsonl):
        page = await grid(admin, prep["id"])
        assert page["rows"] == [["007", 1], ["010", 2]]
        assert page["columns"][1]["type"]["type"] == "integer"
