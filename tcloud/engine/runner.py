"""Running one execution on the engine: a declarative plan or a Python job.

A plan runs in a thread through `tcloud.runtime.execute` when the runtime is
installed, else through a minimal built-in interpreter of a few step types
(log, sleep, rows, fail) so the protocol path stays testable without it.

A Python job is a zip with an entry point. It runs in a child process in a
fresh folder, with its parameters in a JSON file named by TCLOUD_PARAMS_FILE,
a time limit, and stdout and stderr captured as its log. Its exit status
decides success. A line `##tcloud metrics {"rows_read": 10}` reports metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import io
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

METRICS_PREFIX = "##tcloud metrics "
METRIC_NAMES = ("rows_read", "rows_written", "rows_rejected")
KILL_GRACE_SECONDS = 3.0
PR_SET_PDEATHSIG = 1

Emit = Callable[[dict[str, Any]], None]


class JobFailed(Exception):
    """The work ended without success, for the reason given."""


@dataclass
class Outcome:
    status: str
    error: str = ""
    exit_code: int | None = None
    result: Any = None
    metrics: dict[str, int] = field(default_factory=dict)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


class Job:
    """One execution on this engine, with its log and metrics as they grow."""

    def __init__(self, command: dict[str, Any], emit: Emit) -> None:
        self.command = command
        self.id: str = command["execution_id"]
        self.emit = emit
        self.cancel = threading.Event()
        self.metrics: dict[str, int] = dict.fromkeys(METRIC_NAMES, 0)
        self.steps: dict[str, dict[str, int]] = {}
        self.step_types: dict[str, str] = {}
        self.log: list[str] = []
        self._pending: list[dict[str, str]] = []
        self._metrics_changed = False
        self.process: asyncio.subprocess.Process | None = None

    def line(self, text: str, stream: str = "out") -> None:
        """Keep a log line and queue it for the next log event."""
        if stream == "out" and text.startswith(METRICS_PREFIX):
            self._metrics_line(text[len(METRICS_PREFIX) :])
            return
        at = _now()
        self.log.append(f"{at} {stream} {text}")
        self._pending.append({"at": at, "stream": stream, "line": text})

    def _metrics_line(self, text: str) -> None:
        try:
            values = orjson.loads(text)
        except orjson.JSONDecodeError:
            return
        if isinstance(values, dict):
            self.set_metrics(values)

    def set_metrics(self, values: dict[str, Any]) -> None:
        """Take new counts; they go out with the next flush if they changed."""
        for name in METRIC_NAMES:
            value = values.get(name)
            if isinstance(value, int) and self.metrics[name] != value:
                self.metrics[name] = value
                self._metrics_changed = True

    def step_metrics(self, step: str, values: dict[str, Any]) -> None:
        """Fold one step's counts in: read by sources, written by destinations."""
        self.steps[step] = {n: int(values.get(n) or 0) for n in METRIC_NAMES}
        sources = [
            c for s, c in self.steps.items() if self.step_types.get(s) == "source"
        ]
        sinks = [
            c for s, c in self.steps.items() if self.step_types.get(s) == "destination"
        ]
        every = list(self.steps.values())
        self.set_metrics(
            {
                "rows_read": sum(c["rows_read"] for c in sources or every[:1]),
                "rows_written": sum(c["rows_written"] for c in sinks or every[-1:]),
                "rows_rejected": sum(c["rows_rejected"] for c in every),
            }
        )

    def flush(self, *, final: bool = False) -> None:
        """Send the queued log lines, then the counts if they changed.

        Counts are sent at most once a flush, however often they change; the
        final flush leaves them to the finished event, which carries them.
        """
        if self._pending:
            lines, self._pending = self._pending, []
            self.emit({"kind": "log", "lines": lines})
        if self._metrics_changed and not final:
            self.emit({"kind": "metrics", **self.metrics})
        self._metrics_changed = False

    def stop(self) -> None:
        """Ask the work to stop: set the flag, and end the child process."""
        self.cancel.set()
        if self.process is not None and self.process.returncode is None:
            pid = self.process.pid
            _signal(pid, signal.SIGTERM)
            asyncio.get_running_loop().call_later(
                KILL_GRACE_SECONDS, _signal, pid, signal.SIGKILL
            )


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, number)


def _builtin_plan(
    plan: dict[str, Any],
    params: dict[str, Any],
    on_event: Emit,
    cancel: threading.Event,
) -> dict[str, Any]:
    # Plans with only "steps" (no tcloud.pipeline/1 graph) are the small
    # built-in kind the engine tests and demos publish; see docs/engines.md.
    counts = dict.fromkeys(METRIC_NAMES, 0)
    steps = plan.get("steps") or []
    on_event(
        {"type": "log", "message": f"plan {plan.get('name', '')}: {len(steps)} steps"}
    )
    for index, step in enumerate(steps):
        if cancel.is_set():
            raise JobFailed("cancelled")
        kind = step.get("type")
        if kind == "log":
            on_event(
                {
                    "type": "log",
                    "message": str(step.get("message", "")).format(**params),
                }
            )
        elif kind == "sleep":
            if cancel.wait(float(step.get("seconds", 1))):
                raise JobFailed("cancelled")
        elif kind == "rows":
            for name in METRIC_NAMES:
                counts[name] += int(step.get(name.removeprefix("rows_"), 0))
            on_event({"type": "metrics", **counts})
        elif kind == "fail":
            raise JobFailed(str(step.get("message", "the plan failed")))
        else:
            raise JobFailed(f"step {index}: unknown step type {kind!r}")
    return {"rows": counts}


def _plan_executor(plan: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Pick the runtime for pipeline plans, the built-in steps for the rest."""
    if "steps" in plan and "format" not in plan:
        return _builtin_plan
    try:
        from tcloud.runtime import execute
    except ImportError:
        return _builtin_plan
    return execute


async def run_plan(job: Job, content: bytes, params: dict[str, Any]) -> Outcome:
    plan = orjson.loads(content)
    loop = asyncio.get_running_loop()
    for node in plan.get("nodes") or []:
        if isinstance(node, dict):
            job.step_types[str(node.get("id"))] = str(node.get("type"))

    def on_event(event: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(_plan_event, job, event)

    try:
        result = await asyncio.to_thread(
            _plan_executor(plan), plan, params, on_event, job.cancel
        )
    except Exception as exc:
        if job.cancel.is_set():
            return Outcome("cancelled", "cancelled")
        if isinstance(exc, JobFailed):
            return Outcome("failed", str(exc))
        return Outcome("failed", f"{type(exc).__name__}: {exc}")
    if job.cancel.is_set():
        return Outcome("cancelled", "cancelled")
    return Outcome("succeeded", result=result)


def _plan_event(job: Job, event: dict[str, Any]) -> None:
    if "step" in event:
        job.step_metrics(str(event["step"]), event)
    elif any(name in event for name in METRIC_NAMES):
        job.set_metrics(event)
    message = event.get("message") or event.get("line")
    if message is not None:
        job.line(str(message), str(event.get("stream", "out")))


def _unpack(content: bytes, folder: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for member in archive.namelist():
            target = (folder / member).resolve()
            if not target.is_relative_to(folder.resolve()):
                raise JobFailed(f"the zip holds a path outside its folder: {member}")
        archive.extractall(folder)


def _child_env(params_file: Path, job: Job) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "TCLOUD_PARAMS_FILE": str(params_file),
            "TCLOUD_EXECUTION_ID": job.id,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


async def _pipe(job: Job, stream: asyncio.StreamReader, name: str) -> None:
    while True:
        raw = await stream.readline()
        if not raw:
            return
        job.line(raw.decode(errors="replace").rstrip("\n"), name)


def _prepare(content: bytes, params: dict[str, Any]) -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="tcloud-job-"))
    try:
        _unpack(content, folder)
        params_file = folder / ".tcloud-params.json"
        fd = os.open(params_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(params))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, params_file


async def run_python(
    job: Job, content: bytes, params: dict[str, Any], entry: str, limit: float
) -> Outcome:
    folder, params_file = await asyncio.to_thread(_prepare, content, params)
    try:
        return await _run_child(job, folder, entry, params_file, limit)
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)


def die_with_parent() -> None:
    # Linux: the job gets SIGKILL if the engine dies (even by kill -9), so a
    # job never outlives the engine that the server may retry it without.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


async def _run_child(
    job: Job, folder: Path, entry: str, params_file: Path, limit: float
) -> Outcome:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        entry,
        cwd=folder,
        env=_child_env(params_file, job),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    job.process = process
    assert process.stdout is not None and process.stderr is not None
    pipes = asyncio.gather(
        _pipe(job, process.stdout, "out"), _pipe(job, process.stderr, "err")
    )
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), limit)
    except TimeoutError:
        timed_out = True
        await _kill(process)
    await pipes
    code = process.returncode
    if timed_out:
        return Outcome("failed", f"time limit of {limit:g} s reached", code)
    if job.cancel.is_set():
        return Outcome("cancelled", "cancelled", code)
    if code == 0:
        return Outcome("succeeded", exit_code=0)
    return Outcome("failed", f"the job exited with status {code}", code)


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), KILL_GRACE_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
