"""What an engine keeps between runs: its server, id, credential and key pair.

One JSON file in the state folder, readable by its owner only.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

FILE = "engine.json"


class NotPaired(Exception):
    """The state folder holds no pairing."""


@dataclass(frozen=True)
class EngineState:
    url: str
    engine_id: str
    credential: str
    private_key: str
    tenant_id: str = ""
    name: str = ""

    def __repr__(self) -> str:
        return f"EngineState(url={self.url!r}, engine_id={self.engine_id!r}, [secure])"


def default_dir() -> Path:
    return Path.home() / ".tcloud" / "engine"


def load(folder: Path) -> EngineState:
    path = folder / FILE
    if not path.exists():
        raise NotPaired(f"no engine is paired in {folder}: run `tcloud engine pair`")
    return EngineState(**orjson.loads(path.read_bytes()))


def save(folder: Path, state: EngineState) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(asdict(state), option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path
