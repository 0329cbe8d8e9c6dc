"""Who may do what: viewers read preparations, preparators build and run them."""

from __future__ import annotations

from tests.console.factories import persona
from tests.dataprep.helpers import add, grid, upload


async def test_a_viewer_reads_but_does_not_change(admin) -> None:
    prep = await upload(admin)
    await add(admin, prep["id"], {"function": "trim", "column": "name"})

    viewer = await persona(admin, "vera", "Viewer")
    page = await grid(viewer, prep["id"])
    refused = await viewer.json(
        "POST", f"/preparations/{prep['id']}/steps", 403,
        json={"step": {"function": "trim", "column": "zip"}},
    )  # fmt: skip
    run = await viewer.json("POST", f"/preparations/{prep['id']}/runs", 403, json={})

    assert page["rows"][0][1] == "alice"
    assert refused["code"] == run["code"] == "forbidden"


async def test_a_data_preparator_builds_and_runs(admin) -> None:
    preparator = await persona(admin, "pat", "Data preparator")

    prep = await upload(preparator)
    done = await add(preparator, prep["id"], {"function": "trim", "column": "name"})
    run = await preparator.json(
        "POST", f"/preparations/{prep['id']}/runs", 202, json={}
    )

    assert done["steps"] and run["status"] == "queued"
