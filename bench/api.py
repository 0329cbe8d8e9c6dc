"""Requests per second of an authenticated GET /api/v1/users, against a bare
aiohttp handler serving the same JSON, measured in the same run.

    python bench/api.py [--seconds 8] [--connections 10]

Both servers run as child processes; wrk (Debian's package) drives them from
another process, one after the other, three rounds each, best round kept.
The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serve import ROOT, call, free_port, start_tcloud, wait_ready  # noqa: E402

PASSWORD = "Bench-secret-pass1"
BARE = """
import json, sys
from aiohttp import web
body = json.loads(sys.argv[2])
async def users(request):
    return web.json_response(body)
app = web.Application()
app.router.add_get("/api/v1/users", users)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def wrk(url: str, seconds: int, connections: int, token: str = "") -> float:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def prepare(base: str) -> tuple[str, object]:
    """Sign in, add some users, make a token; return it and the users page."""
    signed, headers = call(
        base + "/api/v1/auth/login",
        "POST",
        {"tenant": "demo", "login": "admin", "password": PASSWORD},
    )
    cookie = headers["Set-Cookie"].split(";")[0]
    auth = {"Cookie": cookie, "X-CSRF-Token": signed["csrf_token"], "Origin": base}
    for n in range(19):
        call(base + "/api/v1/users", "POST",
             {"login": f"user{n:02d}", "email": f"user{n:02d}@example.com",
              "password": f"Bench-user-pass{n:02d}"}, auth)  # fmt: skip
    made, _ = call(base + "/api/v1/me/tokens", "POST", {"name": "bench"}, auth)
    token = made["token"]
    page, _ = call(base + "/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    return token, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/api.py needs wrk: apt-get install wrk")

    data = Path(tempfile.mkdtemp(prefix="tcloud-bench-"))
    port, bare_port = free_port(), free_port()
    server = start_tcloud(data, port, PASSWORD)
    bare = None
    try:
        base = f"http://127.0.0.1:{port}"
        token, page = prepare(base)
        bare = subprocess.Popen(
            [sys.executable, "-c", BARE, str(bare_port), json.dumps(page)], cwd=ROOT
        )
        wait_ready(f"http://127.0.0.1:{bare_port}/api/v1/users")
        tcloud_url = base + "/api/v1/users"
        bare_url = f"http://127.0.0.1:{bare_port}/api/v1/users"
        wrk(tcloud_url, 2, args.connections, token)  # warm up
        wrk(bare_url, 2, args.connections)
        tcloud_runs, bare_runs = [], []
        for _ in range(args.rounds):
            bare_runs.append(wrk(bare_url, args.seconds, args.connections))
            tcloud_runs.append(wrk(tcloud_url, args.seconds, args.connections, token))
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(10)
        shutil.rmtree(data, ignore_errors=True)

    tcloud_rps, bare_rps = max(tcloud_runs), max(bare_runs)
    figures = {
        "endpoint": "GET /api/v1/users (bearer token, 20 users)",
        "connections": args.connections,
        "seconds": args.seconds,
        "tcloud_rps": round(tcloud_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "tcloud_rounds": tcloud_runs,
        "bare_rounds": bare_runs,
        "ratio_vs_bare": round(tcloud_rps / bare_rps, 3),
        "aim": 0.5,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
