"""A twenty-step preparation on one million rows, against the same plan
written directly in polars, measured in the same run.

    python bench/fullrun.py [--rows 1000000] [--rounds 5]

A CSV of text columns is generated once; each plan runs in its own child
process (scan the CSV as text, apply, sink Parquet), five rounds each, the
best time kept (wall clock, and CPU time, which other load on the machine
disturbs less). Peak memory is the child's maximum resident set size. The
outputs of both plans are checked equal on the first rows before timing.
The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

STEPS: list[dict] = [
    {"function": "trim", "column": "name"},
    {"function": "collapse_repeated", "column": "name"},
    {"function": "proper_case", "column": "name"},
    {"function": "lower_case", "column": "email"},
    {"function": "split_email", "column": "email"},
    {"function": "upper_case", "column": "city"},
    {
        "function": "change_date_pattern",
        "column": "signup",
        "new_column": "signup_iso",
        "params": {"format": "%d/%m/%Y", "pattern": "yyyy-MM-dd"},
    },
    {
        "function": "extract_date_parts",
        "column": "signup",
        "params": {"format": "%d/%m/%Y", "parts": ["year", "month"]},
    },
    {
        "function": "change_number_format",
        "column": "amount",
        "params": {"from_format": "european", "to_format": "us"},
    },
    {"function": "change_type", "column": "qty", "params": {"type": "integer"}},
    {
        "function": "multiply",
        "column": "qty",
        "new_column": "qty_double",
        "params": {"value": 2},
    },
    {"function": "round_half_up", "column": "score", "params": {"precision": 1}},
    {
        "function": "compare_numbers",
        "column": "score",
        "params": {"op": "gt", "value": 50},
    },
    {"function": "negate_boolean", "column": "flag"},
    {"function": "clear_matching", "column": "notes", "params": {"value": "NA"}},
    {"function": "fill_empty", "column": "notes", "params": {"value": "none"}},
    {"function": "pad", "column": "zip", "params": {"size": 5, "character": "0"}},
    {
        "function": "replace",
        "column": "code",
        "params": {"find": "-", "replace_with": "_"},
    },
    {
        "function": "delete_filtered",
        "params": {"filter": {"column": "city", "op": "equals", "value": "PARIS"}},
    },
    {
        "function": "concatenate",
        "column": "city",
        "params": {"others": ["zip"], "separator": " "},
    },
]
for _i, _s in enumerate(STEPS):
    _s["id"] = f"s{_i + 1}"


def direct(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The same twenty steps, written by hand."""
    c = pl.col
    name = (
        c("name").str.strip_chars().str.replace_all(r"\s{2,}", " ").str.to_titlecase()
    )
    email = c("email").str.to_lowercase()
    email_re = r"^\s*([^@\s]+)@([^@\s]+\.[^@\s]+)\s*$"
    signup = c("signup").str.strip_chars().str.to_date("%d/%m/%Y", strict=False)
    amount = c("amount").str.replace_all(".", "", literal=True).str.replace(",", ".")
    whole = amount.str.extract(r"^(-?\d+)", 1)
    fraction = amount.str.extract(r"\.(\d+)$", 1)
    grouped = (
        (whole.str.reverse().str.replace_all(r"(\d{3})", "${1},").str.reverse())
        .str.strip_chars_start(",")
        .str.replace("^-,", "-")
    )
    us = (
        pl.when(fraction.is_null())
        .then(grouped)
        .otherwise(pl.concat_str([grouped, pl.lit("."), fraction]))
    )
    qty = c("qty").str.strip_chars().cast(pl.Int64, strict=False)
    score = c("score").str.strip_chars().cast(pl.Float64, strict=False)
    flag = c("flag").str.strip_chars().str.to_lowercase()
    notes = pl.when(c("notes") == "NA").then(None).otherwise(c("notes"))
    notes = (
        pl.when(notes.is_null() | (notes.str.strip_chars() == ""))
        .then(pl.lit("none"))
        .otherwise(notes)
    )
    zip_ = c("zip").str.pad_start(5, "0")
    city = c("city").str.to_uppercase()
    lf = lf.with_columns(
        name.alias("name"),
        email.alias("email"),
        email.str.extract(email_re, 1).alias("email_local"),
        email.str.extract(email_re, 2).alias("email_domain"),
        city.alias("city"),
        pl.when(signup.is_null())
        .then(c("signup"))
        .otherwise(signup.dt.strftime("%Y-%m-%d"))
        .alias("signup_iso"),
        signup.dt.year().cast(pl.Int64).alias("signup_year"),
        signup.dt.month().cast(pl.Int64).alias("signup_month"),
        pl.coalesce(us, c("amount")).alias("amount"),
        qty.alias("qty"),
        (qty * 2).alias("qty_double"),
        score.round(1, mode="half_away_from_zero").alias("score"),
        pl.when(flag == "true")
        .then(pl.lit("false"))
        .when(flag == "false")
        .then(pl.lit("true"))
        .otherwise(c("flag"))
        .alias("flag"),
        notes.alias("notes"),
        zip_.alias("zip"),
        c("code").str.replace_all("-", "_", literal=True).alias("code"),
    )
    lf = lf.with_columns((c("score") > 50).alias("score_compare"))
    lf = lf.filter(c("city") != "PARIS")
    return lf.with_columns(
        pl.concat_str([c("city"), c("zip")], separator=" ").alias("city_concat")
    )


def prepared(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The twenty steps through the preparation runtime."""
    from tcloud.runtime.prep import apply

    return apply(lf, STEPS)


def generate(path: Path, rows: int) -> None:
    """Write a CSV of text columns with the dirt the steps clean."""
    i = pl.int_range(rows, dtype=pl.Int64, eager=True).to_frame("i")
    cities = ["Paris", "lyon", "NICE", "Lille", "nantes", "Brest", "metz"]
    frame = i.select(
        pl.col("i").cast(pl.String).alias("id"),
        pl.concat_str(
            [
                pl.lit("  jean  "),
                (pl.col("i") % 997).cast(pl.String),
                pl.lit(" DUPONT "),
            ]
        ).alias("name"),
        pl.concat_str(
            [pl.lit("User"), pl.col("i").cast(pl.String), pl.lit("@Mail.COM")]
        ).alias("email"),
        pl.col("i")
        .mod(len(cities))
        .replace_strict(range(len(cities)), cities)
        .alias("city"),
        pl.concat_str(
            [
                (pl.col("i") % 28 + 1).cast(pl.String).str.zfill(2),
                pl.lit("/"),
                (pl.col("i") % 12 + 1).cast(pl.String).str.zfill(2),
                pl.lit("/"),
                (pl.col("i") % 30 + 1990).cast(pl.String),
            ]
        ).alias("signup"),
        pl.concat_str(
            [
                (pl.col("i") * 7919 % 10_000_000).cast(pl.String),
                pl.lit(","),
                (pl.col("i") % 100).cast(pl.String).str.zfill(2),
            ]
        ).alias("amount_raw"),
        (pl.col("i") % 50).cast(pl.String).alias("qty"),
        ((pl.col("i") * 37 % 10_000) / 100).cast(pl.String).alias("score"),
        pl.when(pl.col("i") % 2 == 0)
        .then(pl.lit("true"))
        .otherwise(pl.lit("False"))
        .alias("flag"),
        pl.when(pl.col("i") % 5 == 0)
        .then(pl.lit("NA"))
        .otherwise(pl.lit("ok"))
        .alias("notes"),
        (pl.col("i") % 9000 + 100).cast(pl.String).alias("zip"),
        pl.concat_str([pl.lit("ab-"), (pl.col("i") % 1000).cast(pl.String)]).alias(
            "code"
        ),
    )
    whole = frame.get_column("amount_raw").str.extract(r"^(\d+)", 1)
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "${1}.").str.reverse()
    ).str.strip_chars_start(".")
    amount = grouped + "," + frame.get_column("amount_raw").str.extract(r",(\d+)$", 1)
    frame = frame.drop("amount_raw").insert_column(5, amount.alias("amount"))
    frame.write_csv(path)


def peak_rss() -> int:
    """Return this process's peak resident memory in bytes.

    VmHWM belongs to the process image, so it starts afresh at exec; the
    ru_maxrss fallback may include the parent's memory at fork.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(which: str, source: str, target: str) -> None:
    """Run one plan from the CSV to Parquet; print seconds and peak memory."""
    from tcloud.runtime.prep.export import PARQUET_ROW_GROUP, export_parquet

    started = time.perf_counter()
    lf = pl.scan_csv(source, infer_schema=False)
    if which == "prep":
        export_parquet(prepared(lf), target)
    else:
        direct(lf).sink_parquet(
            target, compression="zstd", row_group_size=PARQUET_ROW_GROUP
        )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_bytes": peak_rss()}))


def measure(which: str, source: Path, target: Path) -> dict:
    """Run a child process and read its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(source), str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_same(source: Path) -> None:
    """Fail unless both plans give the same table on the first rows."""
    from polars.testing import assert_frame_equal

    head = pl.scan_csv(source, infer_schema=False).head(20_000)
    ours, theirs = prepared(head).collect(), direct(head).collect()
    assert_frame_equal(ours, theirs.select(ours.columns))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=3, metavar=("PLAN", "CSV", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "input.csv"
        generate(source, args.rows)
        check_same(source)
        size = source.stat().st_size
        runs: dict[str, list[dict]] = {"prep": [], "polars": []}
        for _ in range(args.rounds):
            for which in runs:
                runs[which].append(
                    measure(which, source, Path(folder) / f"{which}.parquet")
                )
        best = {w: min(r["seconds"] for r in runs[w]) for w in runs}
        cpu = {w: min(r["cpu"] for r in runs[w]) for w in runs}
        peak = {w: max(r["peak_bytes"] for r in runs[w]) for w in runs}
        for which in runs:
            print(
                f"{which}: best {best[which]:.3f}s, peak {peak[which] / 2**20:.0f} MiB"
            )
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "steps": len(STEPS),
                    "input_bytes": size,
                    "prep_seconds": round(best["prep"], 3),
                    "polars_seconds": round(best["polars"], 3),
                    "ratio_vs_polars": round(best["prep"] / best["polars"], 3),
                    "prep_cpu_seconds": round(cpu["prep"], 3),
                    "polars_cpu_seconds": round(cpu["polars"], 3),
                    "cpu_ratio_vs_polars": round(cpu["prep"] / cpu["polars"], 3),
                    "peak_mem_bytes": peak["prep"],
                    "peak_mem_ratio": round(peak["prep"] / size, 3),
                    "polars_peak_mem_ratio": round(peak["polars"] / size, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
