"""Propose clusters of similar values; the user confirms a survivor for each.

The confirmed clusters become one `replace_cluster_values` step whose
mapping is fixed, so replaying it on the full data changes exactly the
values the user saw.
"""

from __future__ import annotations

from typing import Any

import polars as pl

METHODS = ("fingerprint", "phonetic")
_SOUNDEX = str.maketrans("BFPVCGJKQSXZDTLMNR", "111122222222334556")


def fingerprint(text: pl.Expr) -> pl.Expr:
    """Return the fingerprint key: lower, no accents or punctuation, sorted words."""
    cleaned = (
        text.str.strip_chars()
        .str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^\p{L}\p{N}\s]", "")
    )
    words = cleaned.str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
    return words.list.unique().list.sort().list.join(" ")


def soundex(word: str) -> str:
    """Return the Soundex code of one word."""
    letters = [c for c in word.upper() if c.isascii() and c.isalpha()]
    if not letters:
        return ""
    code, last = letters[0], letters[0].translate(_SOUNDEX)
    for letter in letters[1:]:
        digit = letter.translate(_SOUNDEX)
        digit = digit if digit.isdigit() else ""
        if digit and digit != last:
            code += digit
        if letter not in "HW":
            last = digit
    return (code + "000")[:4]


def cluster(
    df: pl.DataFrame, column: str, method: str = "fingerprint"
) -> list[dict[str, Any]]:
    """Return clusters of two or more distinct values sharing a key."""
    values = df.get_column(column).cast(pl.String).drop_nulls().rename("value")
    counts = values.value_counts(name="count")
    if method == "phonetic":
        words = [" ".join(map(soundex, v.split())) for v in counts["value"].to_list()]
        keys = pl.Series(words, dtype=pl.String)
    else:
        keys = counts.select(fingerprint(pl.col("value"))).to_series()
    counts = counts.with_columns(keys.alias("key")).filter(pl.col("key") != "")
    clusters = []
    for group in counts.partition_by("key", maintain_order=True):
        if group.height < 2:
            continue
        group = group.sort(["count", "value"], descending=[True, False])
        members = group.select("value", "count").to_dicts()
        survivor = members[0]["value"]
        clusters.append(
            {"key": group["key"][0], "values": members, "survivor": survivor}
        )
    return sorted(clusters, key=lambda c: -sum(v["count"] for v in c["values"]))


def mapping_of(clusters: list[dict[str, Any]]) -> dict[str, str]:
    """Return the value-to-survivor mapping of confirmed clusters."""
    return {
        v["value"]: c["survivor"]
        for c in clusters
        for v in c["values"]
        if v["value"] != c["survivor"]
    }
