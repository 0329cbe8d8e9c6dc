"""A real `tcloud serve` in a subprocess, on a free loopback port."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.platform.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**values: str) -> dict[str, str]:
    """Return this environment without any TCLOUD_ setting, plus the values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TCLOUD_")}
    env.update(values, PYTHONUNBUFFERED="1")
    return env


class Server:
    """A server process whose standard output is read line by line."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.port = free_port()
        env = {**env, "TCLOUD_PORT": str(self.port), "TCLOUD_HOST": "127.0.0.1"}
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, found: Callable[[str], bool], seconds: float = 30) -> str:
        """Return the first line of output (from here on) for which found is true."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"server exited: {self.lines}")
            self.lines.append(line)
            if found(line):
                return line
        raise AssertionError(f"no such line in {seconds} s: {self.lines}")

    def rest_of_output(self) -> list[str]:
        """Return the output lines read after the process ended."""
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return self.lines

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
