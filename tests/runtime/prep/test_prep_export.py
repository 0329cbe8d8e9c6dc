"""Exports keep every digit and leading zero, guard formulas, never half-write."""

from __future__ import annotations

import datetime as dt
import os

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tcloud.runtime.prep.errors import ExportError
from tcloud.runtime.prep.export import export, export_csv, export_xlsx
from tcloud.runtime.prep.guard import guard_text

FRAME = pl.DataFrame(
    {
        "zip": ["00123", '=HYPERLINK("x")', "-12.5", "@SUM(A1)", "+33 6", None],
        "f": [0.1 + 0.2, 1 / 3, 1e-300, -2.5, None, 123456789.123456789],
        "i": [2**60, 1, None, -5, 0, 2**53 + 1],
        "d": [dt.date(2024, 1, 2)] * 6,
        "t": [dt.datetime(2024, 1, 2, 3, 4, 5)] * 6,
        "b": [True, False, None, True, True, False],
    }
)


def test_guard_prefixes_formulas_but_not_numbers() -> None:
    values = pl.Series(["=1+1", "+1", "-12.5", "-x", "@a", "\tcmd", "ok", None])

    guarded = pl.select(guard_text(pl.lit(values))).to_series().to_list()

    assert guarded == ["'=1+1", "+1", "-12.5", "'-x", "'@a", "'\tcmd", "ok", None]


def test_csv_round_trip_keeps_digits_and_zeros(tmp_path) -> None:
    path = export_csv(FRAME.lazy(), tmp_path / "out.csv", formula_guard=False)

    back = pl.read_csv(path, schema=FRAME.schema)

    assert_frame_equal(back, FRAME)
    assert os.listdir(tmp_path) == ["out.csv"]


def test_csv_guard_is_on_by_default_and_can_be_turned_off(tmp_path) -> None:
    guarded = export_csv(FRAME.lazy(), tmp_path / "g.csv")
    plain = export_csv(FRAME.lazy(), tmp_path / "p.csv", formula_guard=False)

    zips = pl.read_csv(guarded, infer_schema=False).get_column("zip").to_list()
    assert zips[:5] == ["00123", '\'=HYPERLINK("x")', "-12.5", "'@SUM(A1)", "'+33 6"]
    assert pl.read_csv(plain, infer_schema=False).get_column("zip")[1].startswith("=")


def test_csv_delimiter_quote_and_encodings(tmp_path) -> None:
    lf = pl.LazyFrame({"a": ["é;x", "b"], "n": [1, 2]})

    bom = export_csv(lf, tmp_path / "bom.csv", encoding="utf-8-sig").read_bytes()
    latin = export_csv(
        lf, tmp_path / "l.csv", encoding="latin-1", delimiter=";", quote="'"
    )

    assert bom.startswith(b"\xef\xbb\xbf")
    assert latin.read_bytes() == b"a;n\n'\xe9;x';1\nb;2\n"


def test_csv_refuses_what_the_encoding_cannot_hold(tmp_path) -> None:
    lf = pl.LazyFrame({"a": ["日本"]})

    with pytest.raises(ExportError, match="latin"):
        export_csv(lf, tmp_path / "x.csv", encoding="latin-1")

    assert os.listdir(tmp_path) == []


def test_failed_export_leaves_nothing(tmp_path) -> None:
    lf = pl.LazyFrame({"a": ["1", "x"]}).select(pl.col("a").cast(pl.Int64))
    (tmp_path / "out.csv").write_text("previous\n")

    with pytest.raises(pl.exceptions.PolarsError):
        export(lf, tmp_path / "out.csv", "csv")

    assert os.listdir(tmp_path) == ["out.csv"]
    assert (tmp_path / "out.csv").read_text() == "previous\n"


def test_xlsx_keeps_precision_text_and_types(tmp_path) -> None:
    pytest.importorskip("xlsxwriter")
    openpyxl = pytest.importorskip("openpyxl")

    path = export_xlsx(FRAME.lazy(), tmp_path / "out.xlsx")

    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(FRAME.columns)
    assert [r[1] for r in rows[1:]] == FRAME.get_column("f").to_list()
    assert rows[1][0] == "00123"
    assert sheet["A3"].data_type == "s"
    assert rows[1][2] == str(2**60) and rows[2][2] == 1 and rows[6][2] == str(2**53 + 1)
    assert rows[1][3] == dt.datetime(2024, 1, 2)
    assert rows[1][4] == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert rows[1][5] is True
    assert os.listdir(tmp_path) == ["out.xlsx"]


def test_parquet_round_trip(tmp_path) -> None:
    path = export(FRAME.lazy(), tmp_path / "out.parquet", "parquet")

    assert_frame_equal(pl.read_parquet(path), FRAME)


def test_hyper_round_trip(tmp_path) -> None:
    th = pytest.importorskip("tableauhyperapi")

    path = export(FRAME.lazy(), tmp_path / "out.hyper", "hyper")

    telemetry = th.Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU
    params = {"log_dir": str(tmp_path)}
    with th.HyperProcess(telemetry=telemetry, parameters=params) as hyper:
        with th.Connection(hyper.endpoint, str(path)) as conn:
            rows = conn.execute_list_query(
                'SELECT "zip", "f", "i" FROM "Extract"."Extract"'
            )
    assert rows[0] == ["00123", 0.1 + 0.2, 2**60]
    assert len(rows) == FRAME.height


def test_unknown_format_is_refused(tmp_path) -> None:
    with pytest.raises(ExportError):
        export(FRAME.lazy(), tmp_path / "x.doc", "doc")
