"""Exports: CSV, XLSX, Parquet and Tableau Hyper, never half-visible.

Each export writes to a hidden temporary file beside the target and renames
it over the target only when the file is complete, so a reader never sees
a half-written export. CSV and Parquet stream through polars sinks. XLSX
goes through xlsxwriter in constant-memory mode: text is always written as
text (never a formula, a number or a link, so leading zeros stay), numbers
with every digit of their double (repr, not xlsxwriter's 16 digits), and
integers beyond 2**53, which a spreadsheet would round, as text.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from tcloud.runtime.prep.errors import ExportError
from tcloud.runtime.prep.guard import guard_frame

FORMATS = ("csv", "xlsx", "parquet", "hyper")
XLSX_MAX_ROWS = 1_048_576
# Rows per Parquet row group: the writer holds one group per column in
# memory, so at 50,000 a million-row run peaks near 2.5x its input file
# (bench/fullrun.py) where 100,000 gave 3.1-3.5x; readers lose nothing.
PARQUET_ROW_GROUP = 50_000
_SAFE_INT = 2**53
_CHUNK = 1 << 20


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it there on success."""
    target = Path(path)
    temp = target.with_name(
        f".{target.stem}.{secrets.token_hex(6)}.partial{target.suffix}"
    )
    try:
        yield temp
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def export(
    lf: pl.LazyFrame, path: str | os.PathLike[str], fmt: str, **options: Any
) -> Path:
    """Export a plan to a file in one of FORMATS."""
    writers: dict[str, Callable[..., Path]] = {
        "csv": export_csv,
        "xlsx": export_xlsx,
        "parquet": export_parquet,
        "hyper": export_hyper,
    }
    if fmt not in writers:
        raise ExportError(f"unknown export format {fmt!r}")
    return writers[fmt](lf, path, **options)


def export_csv(
    lf: pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    delimiter: str = ",",
    quote: str = '"',
    encoding: str = "utf-8",
    header: bool = True,
    formula_guard: bool = True,
    null_value: str = "",
) -> Path:
    """Write CSV; encoding "utf-8-sig" adds a BOM; the formula guard is on."""
    if len(delimiter) != 1 or len(quote) != 1:
        raise ExportError("delimiter and quote must be one character each")
    codec = _codec(encoding)
    if formula_guard:
        lf = guard_frame(lf)
    options: dict[str, Any] = dict(
        separator=delimiter,
        quote_char=quote,
        include_header=header,
        null_value=null_value,
    )
    with atomic_path(path) as temp:
        if codec in ("utf-8", "utf-8-sig"):
            lf.sink_csv(temp, include_bom=codec == "utf-8-sig", **options)
        else:
            utf8 = temp.with_suffix(".utf8")
            try:
                lf.sink_csv(utf8, **options)
                _transcode(utf8, temp, codec, encoding)
            finally:
                utf8.unlink(missing_ok=True)
    return Path(path)


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ExportError(f"unknown encoding {encoding!r}") from None
    if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf8-sig"):
        return "utf-8-sig"
    return name


def _transcode(source: Path, target: Path, codec: str, label: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoder = codecs.getincrementalencoder(codec)(errors="strict")
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(_CHUNK):
            try:
                out.write(encoder.encode(decoder.decode(chunk)))
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start : exc.end]
                raise ExportError(f"{bad!r} cannot be written in {label}") from None
        out.write(encoder.encode(decoder.decode(b"", final=True), final=True))


def export_parquet(
    lf: pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    compression: str = "zstd",
    row_group_size: int = PARQUET_ROW_GROUP,
) -> Path:
    """Write Parquet, streaming; small row groups bound the writer's memory."""
    with atomic_path(path) as temp:
        lf.sink_parquet(  # type: ignore[call-overload]
            temp, compression=compression, row_group_size=row_group_size
        )
    return Path(path)


def _precise_worksheet() -> type:
    from xlsxwriter.worksheet import Worksheet

    class PreciseWorksheet(Worksheet):  # type: ignore[misc]
        """A worksheet that writes each double with all its digits."""

        def _xml_number_element(self, number: float, attributes: Any = ()) -> None:
            attr = "".join(
                f' {k}="{self._escape_attributes(v)}"' for k, v in attributes
            )
            self.fh.write(f"<c{attr}><v>{number!r}</v></c>")

    return PreciseWorksheet


def export_xlsx(
    lf: pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    sheet: str = "data",
    header: bool = True,
) -> Path:
    """Write an XLSX workbook of one sheet, batch by batch."""
    try:
        import xlsxwriter
    except ImportError:
        raise ExportError("XLSX export needs the xlsxwriter package") from None

    schema = lf.collect_schema()
    with atomic_path(path) as temp:
        options = {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": False,
            "tmpdir": str(temp.parent),
        }
        workbook = xlsxwriter.Workbook(str(temp), options)
        try:
            sheet_ = workbook.add_worksheet(sheet, worksheet_class=_precise_worksheet())
            _write_sheet(workbook, sheet_, lf, schema, header)
        finally:
            workbook.close()
    return Path(path)


def _write_sheet(
    workbook: Any, sheet: Any, lf: pl.LazyFrame, schema: pl.Schema, header: bool
) -> None:
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    row = 0
    if header:
        for c, name in enumerate(schema):
            sheet.write_string(0, c, name)
        row = 1
    writers = [
        _cell_writer(sheet, dtype, date_fmt, time_fmt) for dtype in schema.values()
    ]
    for batch in lf.collect_batches():
        if row + batch.height > XLSX_MAX_ROWS:
            raise ExportError(f"XLSX holds at most {XLSX_MAX_ROWS} rows")
        # constant_memory flushes a row when the next one starts: row-major
        for values in batch.iter_rows():
            for c, value in enumerate(values):
                if value is not None:
                    writers[c](row, c, value)
            row += 1


def _cell_writer(sheet: Any, dtype: pl.DataType, date_fmt: Any, time_fmt: Any) -> Any:
    if dtype.is_integer():

        def write_int(r: int, c: int, v: int) -> None:
            if -_SAFE_INT <= v <= _SAFE_INT:
                sheet.write_number(r, c, v)
            else:
                sheet.write_string(r, c, str(v))

        return write_int
    if dtype.is_float():

        def write_float(r: int, c: int, v: float) -> None:
            if v == v and v not in (float("inf"), float("-inf")):
                sheet.write_number(r, c, v)

        return write_float
    if dtype.is_decimal():
        return lambda r, c, v: sheet.write_string(r, c, str(v))
    if dtype == pl.Boolean:
        return sheet.write_boolean
    if dtype == pl.Date:
        return lambda r, c, v: sheet.write_datetime(
            r, c, dt.datetime.combine(v, dt.time()), date_fmt
        )
    if dtype == pl.Datetime:
        return lambda r, c, v: sheet.write_datetime(
            r, c, v.replace(tzinfo=None), time_fmt
        )
    return lambda r, c, v: sheet.write_string(r, c, str(v))


def export_hyper(
    lf: pl.LazyFrame, path: str | os.PathLike[str], *, table: str = "Extract"
) -> Path:
    """Write a Tableau Hyper extract (needs the tableauhyperapi package)."""
    try:
        import tableauhyperapi as th
    except ImportError:
        raise ExportError("Hyper export needs the tableauhyperapi package") from None
    schema = lf.collect_schema()
    columns = [
        th.TableDefinition.Column(n, _hyper_type(th, t)) for n, t in schema.items()
    ]
    with (
        atomic_path(Path(path).with_suffix(".hyper")) as temp,
        tempfile.TemporaryDirectory() as logs,
    ):
        parameters = {"log_dir": logs}
        telemetry = th.Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU
        with th.HyperProcess(telemetry=telemetry, parameters=parameters) as hyper:
            with th.Connection(
                hyper.endpoint, str(temp), th.CreateMode.CREATE_AND_REPLACE
            ) as conn:
                conn.catalog.create_schema("Extract")
                definition = th.TableDefinition(th.TableName("Extract", table), columns)
                conn.catalog.create_table(definition)
                with th.Inserter(conn, definition) as inserter:
                    for batch in lf.collect_batches():
                        inserter.add_rows(batch.iter_rows())
                    inserter.execute()
    return Path(path).with_suffix(".hyper")


def _hyper_type(th: Any, dtype: pl.DataType) -> Any:
    if dtype.is_integer():
        return th.SqlType.big_int()
    if dtype.is_float():
        return th.SqlType.double()
    if dtype.is_decimal():
        precision, scale = getattr(dtype, "precision", 38), getattr(dtype, "scale", 0)
        return th.SqlType.numeric(min(precision or 38, 18), scale or 0)
    if dtype == pl.Boolean:
        return th.SqlType.bool()
    if dtype == pl.Date:
        return th.SqlType.date()
    if dtype == pl.Datetime:
        return th.SqlType.timestamp()
    return th.SqlType.text()
