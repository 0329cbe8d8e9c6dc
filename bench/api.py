"""Requests per second of an authenticated GET /api/v1/users, against a bare
aiohttp handler measured in the same run.

The bare handler (`ratio_vs_bare`) runs the same query on the same tenant
store through aiosqlite and sends its JSON: tcloud's handler without the
platform around it (authentication, permissions, validation, the tenant
context, audit-ready request ids, security headers, metrics). A second bare
handler (`ratio_vs_static`) sends the same page from memory, the ceiling of
aiohttp itself.

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
import sys, time
import aiosqlite
from aiohttp import web
from tcloud.platform.people import users_page_sql

port, path = int(sys.argv[1]), sys.argv[2]
sys.setswitchinterval(0.001)  # as tcloud serve sets it
SQL, PARAMS = users_page_sql("", "", "login")

async def users(request):
    # The same query as tcloud's, on the same store, through aiosqlite: what
    # is left of tcloud's handler once the platform around it is taken away.
    params = {**PARAMS, "limit": 50, "offset": 0, "now": time.time()}
    (total, items), = await request.app["db"].execute_fetchall(SQL, params)
    body = b'{"items":%s,"total":%d,"limit":50,"offset":0}' % (items.encode(), total)
    return web.Response(body=body, content_type="application/json")

async def static(request):
    return web.Response(body=request.app["page"], content_type="application/json")

async def store(app):
    # Opened as tcloud opens its reader: the same file, WAL, query only.
    app["db"] = await aiosqlite.connect(path, isolation_level=None)
    await app["db"].execute("PRAGMA query_only=ON")
    async with app["db"].execute(SQL, {**PARAMS, "limit": 50, "offset": 0, "now": 0}) as c:
        total, items = await c.fetchone()
    app["page"] = b'{"items":%s,"total":%d,"limit":50,"offset":0}' % (items.encode(), total)
    yield
    await app["db"].close()

app = web.Application()
app.cleanup_ctx.append(store)
app.router.add_get("/api/v1/users", users)
app.router.add_get("/static", static)
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
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
        token, _ = prepare(base)
        store = next((data / "tenants").glob("*/tenant.db"))
        bare = subprocess.Popen(
            [sys.executable, "-c", BARE, str(bare_port), str(store)], cwd=ROOT
        )
        wait_ready(f"http://127.0.0.1:{bare_port}/api/v1/users")
        tcloud_url = base + "/api/v1/users"
        bare_url = f"http://127.0.0.1:{bare_port}/api/v1/users"
        wrk(tcloud_url, 2, args.connections, token)  # warm up
        wrk(bare_url, 2, args.connections)
        static_url = f"http://127.0.0.1:{bare_port}/static"
        tcloud_runs, bare_runs, static_runs = [], [], []
        for _ in range(args.rounds):
            bare_runs.append(wrk(bare_url, args.seconds, args.connections))
            static_runs.append(wrk(static_url, args.seconds, args.connections))
            tcloud_runs.append(wrk(tcloud_url, args.seconds, args.connections, token))
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(10)
        shutil.rmtree(data, ignore_errors=True)

    tcloud_rps, bare_rps = max(tcloud_runs), max(bare_runs)
    static_rps = max(static_runs)
    figures = {
        "endpoint": "GET /api/v1/users (bearer token, 20 users)",
        "connections": args.connections,
        "seconds": args.seconds,
        "tcloud_rps": round(tcloud_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "tcloud_rounds": tcloud_runs,
        "bare_rounds": bare_runs,
        "static_rps": round(static_rps, 1),
        "static_rounds": static_runs,
        "ratio_vs_bare": round(tcloud_rps / bare_rps, 3),
        "ratio_vs_static": round(tcloud_rps / static_rps, 3),
        "aim": 0.5,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
