"""Masking, phones, and unit and country conversions.

Phones use the `phonenumbers` package, once per distinct value; countries
use `pycountry`'s ISO 3166 table (names in English, or French through its
translations), turned once into a polars mapping.
"""

from __future__ import annotations

import functools
import gettext
import importlib.util
from collections.abc import Callable
from typing import Any

import polars as pl

from tcloud.runtime.prep.context import StepContext
from tcloud.runtime.prep.pyvalues import per_pair, per_value, sha256
from tcloud.runtime.prep.registry import NUMBER, Param, register

TEMPERATURES = ("C", "F", "K")
DISTANCES = {
    "mm": 1e-3,
    "cm": 1e-2,
    "dm": 0.1,
    "m": 1.0,
    "km": 1e3,
    "in": 0.0254,
    "ft": 0.3048,
    "yd": 0.9144,
    "mi": 1609.344,
    "nmi": 1852.0,
    "au": 149_597_870_700.0,
    "ly": 9_460_730_472_580_800.0,
}
DURATIONS = {
    "ms": 1e-3,
    "seconds": 1.0,
    "minutes": 60.0,
    "hours": 3600.0,
    "days": 86400.0,
    "weeks": 604800.0,
    "months": 31_556_952.0 / 12,
    "years": 31_556_952.0,
}
COUNTRY_CODES = ("name", "alpha2", "alpha3", "numeric")
PHONE_FORMATS = ("international", "national", "e164", "rfc3966")
PHONE_PARTS = ("type", "country", "region", "area", "carrier", "timezone", "valid")
MASKS = ("email", "phone", "number", "date", "text")


def _units(name: str, label: str, units: dict[str, float]) -> None:
    def build(ctx: StepContext) -> pl.Expr:
        factor = units[ctx["from_unit"]] / units[ctx["to_unit"]]
        return ctx.number() * factor

    build.__doc__ = label
    register(
        name,
        "conversions",
        label,
        types=NUMBER,
        new_column="converted",
        params=(
            Param("from_unit", "choice", required=True, choices=tuple(units)),
            Param("to_unit", "choice", required=True, choices=tuple(units)),
        ),
    )(build)


_units("convert_distance", "Convert a distance", DISTANCES)
_units("convert_duration", "Convert a duration", DURATIONS)


@register(
    "convert_temperature",
    "conversions",
    "Convert a temperature",
    types=NUMBER,
    new_column="converted",
    params=(
        Param("from_unit", "choice", required=True, choices=TEMPERATURES),
        Param("to_unit", "choice", required=True, choices=TEMPERATURES),
    ),
)
def convert_temperature(ctx: StepContext) -> pl.Expr:
    """Convert between Celsius, Fahrenheit and Kelvin."""
    value = ctx.number()
    celsius = {"C": value, "F": (value - 32) * 5 / 9, "K": value - 273.15}[
        ctx["from_unit"]
    ]
    return {"C": celsius, "F": celsius * 9 / 5 + 32, "K": celsius + 273.15}[
        ctx["to_unit"]
    ]


@functools.cache
def country_table(language: str) -> dict[str, dict[str, str]]:
    """Return {code kind: {alpha2: value}} for every ISO 3166 country."""
    import pycountry

    translate = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    ).gettext
    table: dict[str, dict[str, str]] = {kind: {} for kind in COUNTRY_CODES}
    for country in pycountry.countries:
        table["name"][country.alpha_2] = translate(country.name)
        table["alpha2"][country.alpha_2] = country.alpha_2
        table["alpha3"][country.alpha_2] = country.alpha_3
        table["numeric"][country.alpha_2] = country.numeric
    return table


@register(
    "convert_country",
    "conversions",
    "Convert a country code or name",
    new_column="country",
    params=(
        Param("from_code", "choice", default="name", choices=COUNTRY_CODES),
        Param("to_code", "choice", default="alpha2", choices=COUNTRY_CODES),
        Param("language", "choice", default="en", choices=("en", "fr")),
    ),
)
def convert_country(ctx: StepContext) -> pl.Expr:
    """Convert a country between name, ISO 2, ISO 3 and number; others stay."""
    _require(ctx, "pycountry")
    table = country_table(ctx["language"])
    source = dict(table[ctx["from_code"]])
    if ctx["language"] != "en" and ctx["from_code"] == "name":
        source.update(country_table("en")["name"])
    keys = {value.lower(): alpha2 for alpha2, value in source.items()}
    if ctx["from_code"] == "name":
        keys.update({v.lower(): a for a, v in table["name"].items()})
    target = table[ctx["to_code"]]
    mapping = {key: target[alpha2] for key, alpha2 in keys.items()}
    cleaned = ctx.text().str.strip_chars().str.to_lowercase()
    if ctx["from_code"] == "numeric":
        cleaned = cleaned.str.zfill(3)
    converted = cleaned.replace_strict(mapping, default=None, return_dtype=pl.String)
    return pl.coalesce(converted, ctx.text())


def _unit_interval(expr: pl.Expr, seed: int) -> pl.Expr:
    """Return a number in [-1, 1] drawn from the value itself (stable)."""
    return (expr.hash(seed) % 20001).cast(pl.Float64) / 10000 - 1


@register(
    "mask",
    "masking",
    "Mask the data",
    params=(
        Param(
            "semantic_type", "choice", default="text", choices=MASKS, label="Mask as"
        ),
    ),
)
def mask(ctx: StepContext) -> pl.Expr:
    """Mask values keeping their shape: emails, phones, numbers, dates, text."""
    kind, txt = ctx["semantic_type"], ctx.text()
    if kind == "email":
        local = txt.str.extract(r"^([^@]*)@", 1)
        domain = txt.str.extract(r"(@.*)$", 1)
        masked = pl.concat_str([local.str.replace_all(".", "X"), domain])
        return pl.coalesce(masked, txt.str.replace_all(r"\S", "X"))
    if kind == "phone":
        head = txt.str.extract(r"^(\+?\d{0,2})", 1)
        rest = txt.str.slice(head.str.len_chars()).str.replace_all(r"\d", "X")
        return pl.concat_str([head, rest])
    if kind == "number":
        value = ctx.number()
        varied = value * (1 + _unit_interval(value, 7) / 10)
        return (
            varied.round(2)
            if not ctx.dtype.is_integer()
            else varied.round().cast(ctx.dtype)
        )
    if kind == "date":
        moment = ctx.moment()
        days = (_unit_interval(moment, 11) * 61).round().cast(pl.Int64)
        shifted = moment + pl.duration(days=days)
        if ctx.dtype == pl.String:
            fmt = ctx.date_format(ctx.column) or "%Y-%m-%d"
            return pl.coalesce(
                shifted.dt.strftime(fmt), txt.str.replace_all(r"\S", "X")
            )
        return shifted.cast(ctx.dtype)
    return txt.str.replace_all(r"\S", "X")


@register(
    "hash_sha256",
    "masking",
    "Hash with SHA-256",
    vectorised=False,
    note="hashlib, once per distinct value: polars has no SHA-256 expression",
    new_column="sha256",
)
def hash_sha256(ctx: StepContext) -> pl.Expr:
    """Replace each value with the hex SHA-256 of its UTF-8 text."""
    return per_value(ctx.text(), sha256, pl.String())


def _parse_phone(value: str | None, region: str | None):  # type: ignore[no-untyped-def]
    import phonenumbers

    if value is None:
        return None
    try:
        return phonenumbers.parse(value, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None


def _require(ctx: StepContext, package: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise ctx.fail("function", f"needs the {package} package, not installed")


def _phone_values(
    ctx: StepContext, fn: Callable[..., Any], dtype: pl.DataType
) -> pl.Expr:
    _require(ctx, "phonenumbers")
    if ctx["region_column"]:
        return per_pair(ctx.text(), ctx.text(ctx["region_column"]), fn, dtype)
    region = ctx["region"]
    return per_value(ctx.text(), lambda v: fn(v, region), dtype)


_PHONE_PARAMS = (
    Param("region", "string", description="FR, US, ...; without one, numbers need +"),
    Param("region_column", "column", description="regions from a column"),
)


@register(
    "format_phone",
    "phones",
    "Format a phone number",
    vectorised=False,
    note="phonenumbers, once per distinct value",
    new_column="phone",
    params=(
        Param(
            "format",
            "choice",
            default="international",
            choices=PHONE_FORMATS,
            label="Format",
        ),
        *_PHONE_PARAMS,
    ),
)
def format_phone(ctx: StepContext) -> pl.Expr:
    """Format valid phone numbers as international, national, E.164 or RFC 3966."""
    import phonenumbers

    style = {
        "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        "national": phonenumbers.PhoneNumberFormat.NATIONAL,
        "e164": phonenumbers.PhoneNumberFormat.E164,
        "rfc3966": phonenumbers.PhoneNumberFormat.RFC3966,
    }[ctx["format"]]

    def fmt(value: str | None, region: str | None) -> str | None:
        number = _parse_phone(value, region)
        if number is None or not phonenumbers.is_valid_number(number):
            return value
        return phonenumbers.format_number(number, style)

    return _phone_values(ctx, fmt, pl.String())


def _phone_part(part: str, value: str | None, region: str | None) -> str | None:
    import phonenumbers
    from phonenumbers import carrier, geocoder, timezone

    number = _parse_phone(value, region)
    if number is None:
        return None
    if part == "valid":
        return str(phonenumbers.is_valid_number(number)).lower()
    if not phonenumbers.is_valid_number(number):
        return None
    if part == "type":
        kind = phonenumbers.number_type(number)
        names = {
            v: k for k, v in vars(phonenumbers.PhoneNumberType).items() if k.isupper()
        }
        return names.get(kind, "UNKNOWN").lower()
    if part == "country":
        return phonenumbers.region_code_for_number(number)
    if part == "region":
        return geocoder.description_for_number(number, "en") or None
    if part == "area":
        size = phonenumbers.length_of_geographical_area_code(number)
        return phonenumbers.national_significant_number(number)[:size] or None
    if part == "carrier":
        return carrier.name_for_number(number, "en") or None
    zones = timezone.time_zones_for_number(number)
    return ",".join(zones) if zones else None


@register(
    "extract_phone_parts",
    "phones",
    "Extract phone number information",
    kind="columns",
    vectorised=False,
    note="phonenumbers, once per distinct value",
    params=(
        Param("parts", "list", default=["type", "country"], choices=PHONE_PARTS),
        *_PHONE_PARAMS,
    ),
    check=lambda p, t: next(
        (("parts", f"unknown part {x!r}") for x in p["parts"] if x not in PHONE_PARTS),
        None,
    ),
)
def extract_phone_parts(ctx: StepContext) -> list[pl.Expr]:
    """Extract the type, country, region, carrier and time zone of phones."""
    return [
        _phone_values(ctx, functools.partial(_phone_part, part), pl.String()).alias(
            f"{ctx.column}_{part}"
        )
        for part in ctx["parts"]
    ]
