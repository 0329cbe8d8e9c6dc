"""CSV: sniff the dialect of a file, then read it as a lazy frame.

`sniff` looks at the head of a file (64 KiB) and guesses its encoding,
delimiter, quote character, header and column types. Every guess is a field
of `CsvOptions` that a user may edit before reading.

polars reads UTF-8 only. A file in another encoding (UTF-16, Windows-1252) is
transcoded to UTF-8 into a temporary file in chunks of 1 MiB, so memory stays
flat, and the lazy scan reads that file; the temporary file lives until the
ExitStack given to `scan` closes.

Every column is read as text first; the types come from `types.infer` on the
head of the file, which keeps values with leading zeros as text. On a full
run the numeric columns are parsed natively by polars, and a value that does
not parse makes the run fall back to text reading, where failing rows go to
the reject output instead (see `scan`, `mode`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime import types
from tcloud.runtime.errors import NotTextError, ReadError

HEAD_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# A sample stops here even short of its records (a file of very long lines).
MAX_HEAD = 64 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
UNCLOSED = "a quote opens here and is never closed"
NULL_TOKENS = ("NA", "N/A", "NULL", "null", "None", "NaN", "nan", "-")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class CsvOptions:
    """How to read a CSV file; every field is a guess a user may correct."""

    encoding: str = "utf-8"
    delimiter: str = ","
    quote: str | None = '"'
    header: bool = True
    null_values: list[str] = field(default_factory=list)
    # Column name to runtime type; None means infer from the head at read time.
    types: dict[str, str] | None = None
    # What to do with a row longer than the header: "error" or "truncate".
    long_rows: str = "error"
    # Drop rows with no value at all (blank lines); sniffed from the head.
    skip_empty_rows: bool = False

    def to_dict(self) -> dict[str, object]:
        """Return the options as JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> CsvOptions:
        """Build options from JSON, ignoring unknown keys."""
        known = {k: v for k, v in (data or {}).items() if k in _FIELDS}
        return cls(**known)  # type: ignore[arg-type]


_FIELDS = set(CsvOptions.__dataclass_fields__)
_NUMBER = re.compile(r"^[+-]?[0-9]*[.,]?[0-9]+$")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def sniff(source: str | Path | bytes) -> CsvOptions:
    """Guess how to read a CSV file or its first bytes."""
    head = _head_bytes(source)
    complete = len(head) < HEAD_BYTES
    encoding = detect_encoding(head, complete=complete)
    text = _decode_head(head, encoding, final=complete)
    if _control_ratio(text[:8192].encode("utf-8", "replace")) > 0.01:
        raise NotTextError("not a text file (control characters)", line=1)
    options = CsvOptions(encoding=encoding)
    if not text.strip():
        return options
    if "\r" in text and "\n" not in text:
        raise ReadError(
            "lines end with a carriage return alone; save the file with LF or "
            "CRLF line ends",
            line=1,
        )
    options.skip_empty_rows = bool(_BLANK_LINE.search(text.strip("\r\n") + "\n"))
    options.delimiter = detect_delimiter(text)
    options.quote = detect_quote(text, options.delimiter)
    records, _ = _parse(text, options, limit=1001, complete=complete)
    options.header = detect_header(records)
    options.long_rows = "truncate"
    frame = head_frame(source, options, 1000)
    options.long_rows = "error"
    options.null_values = detect_nulls(frame)
    options.types = types.infer(_nulled(frame, options.null_values))
    return options


def detect_encoding(head: bytes, *, complete: bool = False) -> str:
    """Return the encoding of a file from its first bytes (all if `complete`)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if not head:
        return "utf-8"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if b"\0" in head or _control_ratio(head) > 0.01:
        raise NotTextError("not a text file (binary content)", line=1)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A head cut inside a multi-byte character is still UTF-8.
        if complete or exc.start < len(head) - 4:
            return "cp1252"
    return "utf-8"


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _control_ratio(head: bytes) -> float:
    allowed = {9, 10, 12, 13}
    bad = sum(1 for b in head[:8192] if b < 32 and b not in allowed)
    return bad / max(1, min(len(head), 8192))


def detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the head into the steadiest columns."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in _reader(text, delimiter, '"')]
        if not counts:
            continue
        width, seen = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (seen / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def detect_quote(text: str, delimiter: str) -> str:
    """Pick the quote character that opens fields in the head."""
    d = re.escape(delimiter)
    double = len(re.findall(rf'(^|{d})"', text, re.M))
    single = len(re.findall(rf"(^|{d})'", text, re.M))
    return "'" if single > double else '"'


def detect_header(records: list[list[str]]) -> bool:
    """Say whether the first record names the columns."""
    if len(records) < 2:
        return True
    return not any(_NUMBER.match(value.strip()) for value in records[0])


def detect_nulls(frame: pl.DataFrame) -> list[str]:
    """Find tokens such as NA that stand for null in otherwise typed columns."""
    if frame.is_empty():
        return []
    tokens = list(NULL_TOKENS)
    has = frame.select(pl.all().str.strip_chars().is_in(tokens).any()).row(0)
    found: set[str] = set()
    for name, present in zip(frame.columns, has, strict=True):
        if not present:
            continue
        values = frame[name].drop_nulls().str.strip_chars()
        rest = values.filter(~values.is_in(tokens) & (values != ""))
        if not rest.is_empty() and types.infer(rest.to_frame())[name] != "string":
            found.update(values.filter(values.is_in(tokens)).unique().to_list())
    return sorted(found)


def _nulled(frame: pl.DataFrame, nulls: list[str]) -> pl.DataFrame:
    if not nulls or frame.is_empty():
        return frame
    text = pl.all().str.strip_chars()
    return frame.with_columns(
        pl.when(text.is_in(nulls)).then(None).otherwise(pl.all()).name.keep()
    )


def column_names(record: list[str] | None, width: int, header: bool) -> list[str]:
    """Name columns from a header record, filling blanks and duplicates."""
    names: list[str] = []
    seen: set[str] = set()
    for i in range(width):
        base = ""
        if header and record and i < len(record):
            base = record[i].strip()
        base = base or f"column_{i + 1}"
        name, n = base, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        names.append(name)
    return names


def head(source: str | Path | bytes, options: CsvOptions, n: int) -> pl.DataFrame:
    """Read the first `n` records as text, for samples and inference."""
    return head_frame(source, options, n)


def head_frame(source: str | Path | bytes, options: CsvOptions, n: int) -> pl.DataFrame:
    """Read the first `n` records as text, null tokens made null."""
    records, lines = _head_records(source, options, n)
    frame = _frame(records, lines, options.header, options.long_rows)
    if options.skip_empty_rows:
        frame = frame.filter(_has_a_value())
    return _nulled(frame, options.null_values).head(n)


def _head_records(
    source: str | Path | bytes, options: CsvOptions, n: int
) -> tuple[list[list[str]], list[int]]:
    size = HEAD_BYTES // 8 if n < 10 else 4 * HEAD_BYTES
    while True:
        raw = _head_bytes(source, size)
        complete = len(raw) < size
        text = _decode_head(raw, options.encoding, final=complete)
        records, lines = _parse(text, options, limit=n + 1, complete=complete)
        if complete or len(records) > n or size >= MAX_HEAD:
            return records, lines
        size *= 4


def head_warnings(
    source: str | Path | bytes, options: CsvOptions, n: int
) -> list[dict[str, Any]]:
    """Say what a sample of the first `n` records read leniently (short rows)."""
    records, lines = _head_records(source, options, n)
    if not records:
        return []
    width = len(records[0])
    for number, record in zip(lines[1:], records[1 : n + 1], strict=False):
        if len(record) < width and any(record):
            return [{
                "code": "short_rows",
                "line": number,
                "message": f"line {number}: {len(record)} fields where the first"
                f" record has {width}; the missing fields are read as null",
            }]  # fmt: skip
    return []


def _has_a_value() -> pl.Expr:
    return ~pl.all_horizontal(pl.all().is_null())


def _frame(
    records: list[list[str]],
    lines: list[int],
    header: bool,
    long_rows: str = "truncate",
) -> pl.DataFrame:
    if not records:
        return pl.DataFrame()
    names = column_names(records[0], len(records[0]), header)
    body = records[1:] if header else records
    width = len(names)
    for number, record in zip(lines[1:] if header else lines, body, strict=True):
        if len(record) > width and long_rows == "error":
            raise ReadError(
                f"{len(record)} fields where the header has {width}", line=number
            )
    # polars reads an unquoted empty field as null; so does a sample.
    cells = [[value or None for value in r] for r in body]
    rows = [(r + [None] * width)[:width] for r in cells]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    return pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String))


def scan(
    path: str | Path,
    options: CsvOptions,
    stack: ExitStack,
    *,
    mode: str = "typed",
) -> tuple[pl.LazyFrame, dict[str, str]]:
    """Scan a CSV file lazily; return the raw frame and the wanted types.

    In "typed" mode integer and float columns are parsed by polars itself
    (fast, but a bad value fails the query); in "text" mode every column is
    text and the caller converts it, sending failures to the reject output.
    """
    path = Path(path)
    if os.path.getsize(path) == 0:
        return pl.LazyFrame(), {}
    # Given types spare inference: the first record is enough for the names.
    sample = head(path, options, 0 if options.types else 1000)
    if not sample.columns:
        return pl.LazyFrame(), {}
    wanted = options.types or types.infer(sample)
    wanted = {c: wanted.get(c, "string") for c in sample.columns}
    schema = {
        c: types.DTYPES[k] if mode == "typed" and k in types.NATIVE else pl.String()
        for c, k in wanted.items()
    }
    readable = utf8_path(path, options.encoding, stack)
    frame = pl.scan_csv(
        readable,
        has_header=False,
        skip_rows=1 if options.header else 0,
        separator=options.delimiter,
        quote_char=options.quote,
        schema=schema,
        null_values=options.null_values or None,
        truncate_ragged_lines=options.long_rows == "truncate",
        missing_columns="insert",
        raise_if_empty=False,
    )
    if options.skip_empty_rows:
        frame = frame.filter(_has_a_value())
    return frame, wanted


def utf8_path(path: Path, encoding: str, stack: ExitStack) -> Path:
    """Return a UTF-8 version of a file, transcoding in chunks if needed."""
    if encoding in ("utf-8", "utf-8-sig", "utf8"):
        return path
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="tcloud-csv-"))
    target = Path(folder) / (path.stem + ".utf8.csv")
    line = 1
    try:
        with (
            open(path, encoding=_codec(encoding), newline="") as src,
            open(target, "w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(CHUNK):
                if "\0" in chunk:
                    raise NotTextError("not a text file (NUL character)", line=line)
                dst.write(chunk)
                line += chunk.count("\n")
    except UnicodeDecodeError as exc:
        if encoding.startswith("utf-16"):
            raise ReadError(f"not valid {encoding} text", line=line) from exc
        raise _bad_text(path, encoding) from exc
    return target


def locate_fault(path: str | Path, options: CsvOptions) -> ReadError | None:
    """Walk a file record by record to name the line a parser stumbled on."""
    with ExitStack() as stack:
        readable = utf8_path(Path(path), options.encoding, stack)
        with open(readable, encoding="utf-8-sig", newline="") as handle:
            reader = _reader(handle, options.delimiter, options.quote, strict=True)
            width = None
            start = 1
            try:
                for record in reader:
                    if width is None:
                        width = len(record)
                    elif len(record) > width and options.long_rows == "error":
                        return ReadError(
                            f"{len(record)} fields where the first record has {width}",
                            line=start,
                        )
                    start = reader.line_num + 1
            except csv.Error as exc:
                if options.quote and "end of data" in str(exc):
                    handle.seek(0)
                    opened = unclosed_quote(handle, options.delimiter, options.quote)
                    return ReadError(UNCLOSED, line=opened or start)
                return ReadError(f"malformed record ({exc})", line=start)
            except UnicodeDecodeError:
                return _bad_text(Path(path), options.encoding)
    return None


def unclosed_quote(lines: Iterable[str], delimiter: str, quote: str) -> int | None:
    """Return the line a quote opens on and is never closed, if one is."""
    inside, closed, at_start, opened = False, False, True, None
    for number, line in enumerate(lines, start=1):
        if not inside and quote not in line:
            at_start = True
            continue
        for char in line:
            if inside:
                inside = char != quote
                closed = not inside
                continue
            if char == quote and (at_start or closed):
                inside, opened = True, opened if closed else number
            closed = False
            at_start = char in (delimiter, "\n", "\r")
    return opened if inside else None


def _bad_text(path: Path, encoding: str) -> ReadError:
    """Name the first line that is not valid in `encoding` (a byte encoding)."""
    codec = "utf-8" if encoding == "utf-8-sig" else _codec(encoding)
    hint = " (is it Windows-1252?)" if codec.startswith("utf-8") else ""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(codec)
            except UnicodeDecodeError:
                return ReadError(f"not valid {encoding} text{hint}", line=number)
    return ReadError(f"not valid {encoding} text{hint}")


def _codec(encoding: str) -> str:
    return {"utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}.get(encoding, encoding)


def _head_bytes(source: str | Path | bytes, size: int | None = HEAD_BYTES) -> bytes:
    if isinstance(source, bytes):
        return source if size is None else source[:size]
    try:
        with open(source, "rb") as handle:
            return handle.read() if size is None else handle.read(size)
    except FileNotFoundError as exc:
        raise ReadError(f"no such file: {Path(source).name}") from exc


def _decode_head(head: bytes, encoding: str, *, final: bool = False) -> str:
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="strict")
    try:
        text = decoder.decode(head, final=final)
    except UnicodeDecodeError as exc:
        if b"\0" in head and not encoding.startswith("utf-16"):
            raise NotTextError("not a text file (binary content)", line=1) from exc
        line = head[: exc.start].count(b"\n") + 1
        raise ReadError(f"not valid {encoding} text", line=line) from exc
    text = text.removeprefix("\ufeff")
    if "\0" in text:
        raise NotTextError("not a text file (NUL character)", line=1)
    return text


def _parse(
    text: str,
    options: CsvOptions,
    *,
    limit: int | None = None,
    complete: bool = False,
) -> tuple[list[list[str]], list[int]]:
    """Parse the head, dropping a last record the head may have cut short.

    Return the records and the line each one starts on.
    """
    reader = _reader(text, options.delimiter, options.quote)
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            if records or any(record):
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as exc:
        if complete:
            raise ReadError(str(exc), line=reader.line_num) from exc
    if complete and options.quote and text.count(options.quote) % 2:
        opened = unclosed_quote(io.StringIO(text), options.delimiter, options.quote)
        if opened is not None:
            raise ReadError(UNCLOSED, line=opened)
    if not complete and limit is not None and len(records) < limit and records:
        records.pop()
        lines.pop()
    return records, lines


def _reader(
    text: str | io.TextIOBase,
    delimiter: str,
    quote: str | None,
    *,
    strict: bool = False,
) -> Any:
    handle = io.StringIO(text) if isinstance(text, str) else text
    if quote is None:
        return csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    return csv.reader(handle, delimiter=delimiter, quotechar=quote, strict=strict)
