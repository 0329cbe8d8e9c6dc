"""Types that a first user met: zip codes, and conversions to text."""

import polars as pl

from tcloud.runtime.prep import apply, freeze, infer_type


def test_zip_codes_with_leading_zeros_are_text():
    zips = pl.Series(["02134", "10001", "00501", "94105"])

    assert infer_type(zips).name == "string"


def test_plain_integers_are_still_integers():
    assert infer_type(pl.Series(["1", "20", "300"])).name == "integer"


def test_a_conversion_to_text_reads_no_date_format():
    frame = pl.DataFrame({"zip": ["02134", "10001"]})
    step = {"id": "s1", "function": "change_type", "column": "zip",
            "params": {"type": "string"}}  # fmt: skip

    frozen = freeze(step, frame)
    out = apply(frame.lazy(), [frozen]).collect()

    assert out["zip"].to_list() == ["02134", "10001"]
