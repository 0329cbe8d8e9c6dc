"""The preparation functions, one module per family; importing registers them."""

from tcloud.runtime.prep.functions import (  # noqa: F401
    cleansing,
    columns,
    conversions,
    dates,
    numbers,
    strings,
)
