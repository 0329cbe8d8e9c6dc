"""A file is sniffed once while it stays the same, and again once it changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcloud.runtime import readers


def test_an_unchanged_file_is_sniffed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code;name\n007;a\n010;b\n")
    calls = []
    real = readers.sniff

    def counting(source: Path) -> readers.CsvOptions:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(readers, "sniff", counting)
    first = readers.csv_options(path, {})
    first.delimiter = "|"  # a caller changing its copy changes nothing kept
    second = readers.csv_options(path, {})
    assert len(calls) == 1
    assert second.delimiter == ";"
    assert second.types == {"code": "string", "name": "string"}

    path.write_text("code,name,qty\n1,a,2\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = readers.csv_options(path, {})
    assert len(calls) == 2
    assert changed.delimiter == ","
    assert changed.types is not None and "qty" in changed.types


def test_options_a_user_gave_still_win(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n")
    readers.csv_options(path, {})
    given = readers.csv_options(path, {"header": False})
    assert given.header is False
    assert given.delimiter == ","
