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
