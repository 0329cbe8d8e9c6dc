"""What a first user of data preparation ran into, each pinned over HTTP."""

from __future__ import annotations

import pytest

from tests.dataprep.helpers import add, grid, upload


@pytest.mark.parametrize(
    ("function", "column", "params", "field"),
    [
        ("split", "name", {"parts": 100_000}, "params.parts"),
        ("extract_tokens", "name", {"pattern": "a", "count": 10_000}, "params.count"),
        ("extract_tokens", "name", {"pattern": "a", "count": -1}, "params.count"),
        ("pad", "zip", {"size": 10_000_000}, "params.size"),
        ("round_half_up", "amount", {"precision": 1000}, "params.precision"),
        ("round_half_up", "amount", {"precision": -5}, "params.precision"),
        ("change_number_format", "amount", {"decimals": -3}, "params.decimals"),
        ("fuzzy_match", "name", {"value": "bob", "distance": 500}, "params.distance"),
    ],
)
async def test_a_count_out_of_bounds_is_refused_naming_it(
    admin, function, column, params, field
) -> None:
    prep = await upload(admin)

    problem = await add(
        admin, prep["id"],
        {"function": function, "column": column, "params": params}, 400,
    )  # fmt: skip
    again = await admin.json("GET", f"/preparations/{prep['id']}")

    assert problem["errors"][0]["field"] == field
    assert "between" in problem["errors"][0]["message"]
    assert again["steps"] == []


@pytest.mark.parametrize(
    ("function", "column", "held"),
    [
        ("absolute", "name", "string"),
        ("sine", "joined", "date"),
        ("add", "name", "string"),
        ("change_date_pattern", "amount", "decimal"),
    ],
)
async def test_a_function_on_a_column_of_another_type_is_refused(
    admin, function, column, held
) -> None:
    prep = await upload(admin)
    params = {"pattern": "%d"} if function == "change_date_pattern" else {}

    problem = await add(
        admin, prep["id"],
        {"function": function, "column": column, "params": params}, 400,
    )  # fmt: skip

    assert problem["errors"][0]["field"] == "column"
    assert f"is {held}" in problem["errors"][0]["message"]


async def test_math_and_text_functions_still_apply_to_their_columns(admin) -> None:
    prep = await upload(admin)

    await add(admin, prep["id"], {"function": "absolute", "column": "amount"})
    await add(admin, prep["id"], {"function": "upper_case", "column": "zip"})
    page = await grid(admin, prep["id"])

    assert [r[3] for r in page["rows"]] == [10.5, 3.0, 7.0, None]
    assert [r[2] for r in page["rows"]][:2] == ["01234", "02345"]


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"function": "keep_filtered",
          "params": {"filter": {"column": "zz", "op": "empty"}}},
         "params.filter.column"),
        ({"function": "delete_filtered",
          "params": {"filter": {"or": [{"column": "name", "op": "empty"},
                                       {"column": "zz", "op": "empty"}]}}},
         "params.filter.or[1].column"),
        ({"function": "trim", "column": "name",
          "scope": {"filter": {"column": "zz", "op": "empty"}}},
         "scope.filter.column"),
        ({"function": "keep_filtered",
          "params": {"filter": {"column": "amount", "op": "range", "min": "lots"}}},
         "params.filter.min"),
        ({"function": "change_date_pattern", "column": "joined",
          "params": {"format": "%Y-%m-%d", "pattern": "%Q"}},
         "params.pattern"),
    ],
)  # fmt: skip
async def test_a_wrong_part_of_a_filter_or_pattern_is_named(admin, step, field) -> None:
    prep = await upload(admin)

    problem = await add(admin, prep["id"], step, 400)

    assert problem["errors"][0]["field"] == field
    assert problem["detail"].startswith(field + ":")


async def test_a_range_filter_on_dates_and_numbers(admin) -> None:
    prep = await upload(admin)
    dates = {"column": "joined", "op": "range", "min": "2024-02-01",
             "max": "2024-03-15"}  # fmt: skip
    numbers = {"column": "amount", "op": "range", "min": "0", "max": 10}

    await add(admin, prep["id"], {"function": "keep_filtered",
                                  "params": {"filter": dates}})  # fmt: skip
    page = await grid(admin, prep["id"])
    typed = await upload(admin, "typed", "n\n1\n12\n", "typed.csv")
    numbers["column"] = "n"
    await add(admin, typed["id"], {"function": "keep_filtered",
                                   "params": {"filter": numbers}})  # fmt: skip

    assert page["row_ids"] == [1, 3]
    assert (await grid(admin, typed["id"]))["rows"] == [["1"]]


async def test_lookups_name_the_parameter_and_the_dataset(admin) -> None:
    prep = await upload(admin)
    cities = await upload(admin, "cities", "code,city\n01234,Paris\n", "cities.csv")
    lookup = {"function": "lookup", "column": "zip",
              "params": {"dataset": cities["dataset_id"], "lookup_key": "code",
                         "columns": ["City"]}}  # fmt: skip

    wrong_column = await add(admin, prep["id"], lookup, 400)
    lookup["params"] |= {"dataset": "ds_nope"}
    no_dataset = await add(admin, prep["id"], lookup, 400)

    assert wrong_column["detail"] == (
        "params.columns: no column 'City' in the dataset 'cities'"
    )
    assert no_dataset["detail"] == "params.dataset: no dataset 'ds_nope' to look up"


async def test_ambiguous_dates_give_their_candidate_formats(admin) -> None:
    prep = await upload(admin, "dmy", "d\n01/02/2024\n03/04/2024\n", "dmy.csv")

    problem = await add(admin, prep["id"], {
        "function": "change_date_pattern", "column": "d",
        "params": {"pattern": "%Y-%m-%d"},
    }, 400)  # fmt: skip

    assert problem["errors"][0]["field"] == "params.format"
    assert sorted(problem["candidates"]) == ["%d/%m/%Y", "%m/%d/%Y"]


async def test_integers_beyond_what_javascript_holds_come_as_text(admin) -> None:
    big = "9007199254740993"
    prep = await upload(admin, "big", f"n\n{big}\n1\n", "big.csv")

    await add(admin, prep["id"], {"function": "change_type", "column": "n",
                                  "params": {"type": "integer"}})  # fmt: skip
    page = await grid(admin, prep["id"])
    small = await upload(admin, "small", "n\n7\n", "small.csv")
    await add(admin, small["id"], {"function": "change_type", "column": "n",
                                   "params": {"type": "integer"}})  # fmt: skip

    assert page["rows"] == [[big], [1]]
    assert (await grid(admin, small["id"]))["rows"] == [[7]]


async def test_a_profile_gives_iso_dates(admin) -> None:
    prep = await upload(admin)

    profile = await admin.json(
        "GET", f"/preparations/{prep['id']}/profile", params={"column": "joined"}
    )

    assert profile["min"] == "2024-01-05" and profile["max"] == "2024-03-15"
    assert profile["quantiles"]["0.5"] == "2024-02-10"


async def test_steps_naming_a_row_are_not_applied_to_another_dataset(admin) -> None:
    prep = await upload(admin)
    cell = await add(admin, prep["id"], {
        "function": "set_value", "column": "name", "params": {"value": "X"},
        "scope": {"rows": [3]},
    })  # fmt: skip
    await add(admin, prep["id"], {"function": "trim", "column": "name"})
    other = await upload(
        admin, "people two", "id,name,zip,amount,joined\n" + "9, zed ,1,2,x\n" * 5
    )
    body = {"name": "on two", "dataset_id": other["dataset_id"]}
    url = f"/preparations/{prep['id']}/copy"

    refused = await admin.json("POST", url, 400, json=body)
    copy = await admin.json("POST", url, 201, json=body | {"skip_row_steps": True})
    page = await grid(admin, copy["id"])
    names = await admin.json("GET", "/preparations", params={"q": "on two"})

    step_id = cell["steps"][0]["id"]
    assert refused["errors"][0]["field"] == "steps[0]"
    assert refused["step_id"] == step_id
    assert copy["skipped"] == [{"id": step_id, "function": "set_value"}]
    assert [s["function"] for s in copy["steps"]] == ["trim"]
    assert [r[1] for r in page["rows"]] == ["zed"] * 5
    assert names["total"] == 1


async def test_a_workbook_without_the_sheet_asked_for_creates_nothing(
    admin, tmp_path
) -> None:
    from tests.dataprep.test_routes import _workbook

    data = _workbook(tmp_path / "book.xlsx")

    problem = await admin.json(
        "POST", "/preparations/upload", 400,
        params={"name": "book", "filename": "book.xlsx", "sheet": "nope"},
        data=data, headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip
    preparations = await admin.json("GET", "/preparations")
    again = await upload(admin, "book", data, "book.xlsx", sheet="first")

    assert problem["errors"][0]["field"] == "sheet"
    assert problem["sheets"] == ["first", "second"]
    assert preparations["total"] == 0
    assert (await grid(admin, again["id"]))["rows"] == [["1"]]
