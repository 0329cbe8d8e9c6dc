"""Every function on a small table, with empty values, and its expected output."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from tcloud.runtime.prep import REGISTRY
from tests.runtime.prep.helpers import run, step

NEEDS = {
    "format_phone": "phonenumbers",
    "extract_phone_parts": "phonenumbers",
    "convert_country": "pycountry",
}
# (function, data, params, output column, expected, extra step fields)
CASES: list[tuple] = [
    ("upper_case", {"a": ["abc", None, "Déjà"]}, {}, "a", ["ABC", None, "DÉJÀ"], {}),
    ("lower_case", {"a": ["ABC", None, ""]}, {}, "a", ["abc", None, ""], {}),
    ("proper_case", {"a": ["hello wORLD", None]}, {}, "a", ["Hello World", None], {}),
    ("trim", {"a": ["  x ", None, "\ty\n"]}, {}, "a", ["x", None, "y"], {}),
    (
        "trim",
        {"a": ["__x_", "x"]},
        {"padding": "character", "character": "_"},
        "a",
        ["x", "x"],
        {},
    ),
    ("cut", {"a": ["ab12cd", None]}, {"pattern": r"\d+"}, "a", ["abcd", None], {}),
    (
        "replace",
        {"a": ["a.b.c", None]},
        {"find": ".", "replace_with": "-"},
        "a",
        ["a-b-c", None],
        {},
    ),
    (
        "replace",
        {"a": ["Cat", "cat", "concat"]},
        {
            "find": "cat",
            "replace_with": "dog",
            "whole_cell": True,
            "case_sensitive": False,
        },
        "a",
        ["dog", "dog", "concat"],
        {},
    ),
    (
        "replace",
        {"a": ["a1b22"]},
        {"find": r"\d+", "replace_with": "#", "regex": True},
        "a",
        ["a#b#"],
        {},
    ),
    (
        "set_value",
        {"a": ["x", "y"]},
        {"value": "z"},
        "a",
        ["x", "z"],
        {"scope": {"rows": [1]}},
    ),
    (
        "substring",
        {"a": ["abcdef", "ab", None]},
        {"from_mode": "index", "from_index": 1, "to_mode": "from_end", "to_index": 1},
        "a",
        ["bcde", "", None],
        {},
    ),
    (
        "substring",
        {"a": ["abcdef"]},
        {"from_mode": "from_end", "from_index": 2},
        "a",
        ["ef"],
        {},
    ),
    ("length", {"a": ["abc", "", None, "é"]}, {}, "a_length", [3, 0, None, 1], {}),
    (
        "contains",
        {"a": ["Hello", "bye", None]},
        {"value": "ell", "case_sensitive": False},
        "a_contains",
        [True, False, None],
        {},
    ),
    (
        "contains",
        {"a": ["abc", "abc"], "b": ["b", "z"]},
        {"operand": "column", "other": "b"},
        "a_contains",
        [True, False],
        {},
    ),
    (
        "matches_pattern",
        {"a": ["abc", "ab1", None]},
        {"kind": "letters"},
        "a_matches",
        [True, False, None],
        {},
    ),
    (
        "matches_pattern",
        {"a": ["A-12", "A12"]},
        {"pattern": r"[A-Z]-\d+"},
        "a_matches",
        [True, False],
        {},
    ),
    (
        "fuzzy_match",
        {"a": ["kitten", "sitting", "mitten", None]},
        {"value": "kitten", "distance": 1},
        "a_fuzzy",
        [True, False, True, None],
        {},
    ),
    (
        "fuzzy_match",
        {"a": ["abc", "abc"], "b": ["abd", "xyz"]},
        {"operand": "column", "other": "b", "distance": 1},
        "a_fuzzy",
        [True, False],
        {},
    ),
    ("collapse_repeated", {"a": ["a   b  c", None]}, {}, "a", ["a b c", None], {}),
    (
        "collapse_repeated",
        {"a": ["a--b---c"]},
        {"repeated": "character", "character": "-"},
        "a",
        ["a-b-c"],
        {},
    ),
    (
        "normalize",
        {"a": ["François", "ÉLAN", None]},
        {},
        "a",
        ["francois", "elan", None],
        {},
    ),
    (
        "remove_non_alphanumeric",
        {"a": ["a-b c!1é", None]},
        {},
        "a",
        ["abc1é", None],
        {},
    ),
    (
        "keep_number_characters",
        {"a": ["$ 1,234.50 USD", None]},
        {},
        "a",
        ["1,234.50", None],
        {},
    ),
    (
        "pad",
        {"a": ["123", "12345", None]},
        {"size": 5, "character": "0"},
        "a",
        ["00123", "12345", None],
        {},
    ),
    (
        "pad",
        {"a": ["ab"]},
        {"size": 4, "character": "*", "side": "right"},
        "a",
        ["ab**"],
        {},
    ),
    (
        "replace_cluster_values",
        {"a": ["Paris", "paris", "PARIS ", None]},
        {"mapping": {"paris": "Paris", "PARIS ": "Paris"}},
        "a",
        ["Paris", "Paris", "Paris", None],
        {},
    ),
    (
        "split",
        {"a": ["x,y,z", "x", None]},
        {"parts": 2},
        "a_2",
        ["y,z", None, None],
        {},
    ),
    (
        "split",
        {"a": ["x1y22z"]},
        {"separator": "regex", "value": r"\d+", "parts": 3},
        "a_3",
        ["z"],
        {},
    ),
    (
        "split",
        {"a": ["k=v"]},
        {"separator": "string", "value": "="},
        "a_1",
        ["k"],
        {},
    ),
    (
        "extract_tokens",
        {"a": ["tel 01 and 22", None]},
        {"pattern": r"\d+", "count": 2},
        "a_token_2",
        ["22", None],
        {},
    ),
    (
        "extract_tokens",
        {"a": ["a1b2c3"]},
        {"pattern": r"\d", "mode": "joined", "separator": "-"},
        "a_tokens",
        ["1-2-3"],
        {},
    ),
    (
        "split_email",
        {"a": ["jo.doe@example.com", "nope", None]},
        {},
        "a_domain",
        ["example.com", None, None],
        {},
    ),
    ("split_email", {"a": ["jo@x.org"]}, {}, "a_local", ["jo"], {}),
    (
        "split_url",
        {"a": ["https://u:p@host.com:8080/a/b?q=1#top", "not a url"]},
        {},
        "a_port",
        ["8080", None],
        {},
    ),
    (
        "split_url",
        {"a": ["https://u:p@host.com:8080/a/b?q=1#top"]},
        {},
        "a_query",
        ["q=1"],
        {},
    ),
    (
        "extract_number",
        {"a": ["about 12,5 kg", "1.5k views", "3M", "none", None]},
        {},
        "a_number",
        [12.5, 1500.0, 3e6, None, None],
        {},
    ),
    ("absolute", {"a": ["-1.5", "2", "x", None]}, {}, "a", [1.5, 2.0, None, None], {}),
    ("absolute", {"a": [-3, 4, None]}, {}, "a", [3, 4, None], {}),
    ("negate", {"a": [1.5, None]}, {}, "a", [-1.5, None], {}),
    ("square_root", {"a": [4.0, -1.0, None]}, {}, "a", [2.0, None, None], {}),
    ("exponential", {"a": [0.0]}, {}, "a", [1.0], {}),
    ("log10", {"a": [100.0, 0.0]}, {}, "a", [2.0, None], {}),
    ("natural_log", {"a": [math.e]}, {}, "a", [1.0], {}),
    ("cosine", {"a": [0.0]}, {}, "a", [1.0], {}),
    ("sine", {"a": [0.0]}, {}, "a", [0.0], {}),
    ("tangent", {"a": [0.0]}, {}, "a", [0.0], {}),
    ("add", {"a": [1, 2, None]}, {"value": 3}, "a", [4, 5, None], {}),
    ("add", {"a": ["1.5", "x"]}, {"value": 1}, "a", [2.5, None], {}),
    (
        "subtract",
        {"a": [5, 1], "b": [2, 3]},
        {"operand": "column", "other": "b"},
        "a",
        [3, -2],
        {},
    ),
    ("multiply", {"a": [1.5]}, {"value": 2}, "a", [3.0], {}),
    (
        "divide",
        {"a": [3.0, 1.0], "b": [2.0, 0.0]},
        {"operand": "column", "other": "b"},
        "a",
        [1.5, None],
        {},
    ),
    ("maximum", {"a": [1, 9]}, {"value": 5}, "a", [5, 9], {}),
    ("minimum", {"a": [1, 9]}, {"value": 5}, "a", [1, 5], {}),
    ("power", {"a": [2.0, 3.0]}, {"value": 2}, "a", [4.0, 9.0], {}),
    ("modulo", {"a": [7, 8]}, {"value": 3}, "a", [1, 2], {}),
    (
        "round_half_up",
        {"a": [2.5, -2.5, 1.234, None]},
        {"precision": 0},
        "a",
        [3.0, -3.0, 1.0, None],
        {},
    ),
    ("round_half_up", {"a": ["1.235"]}, {"precision": 2}, "a", [1.24], {}),
    ("round_floor", {"a": [1.29, -1.21]}, {"precision": 1}, "a", [1.2, -1.3], {}),
    ("round_floor", {"a": [0.29, 1.1]}, {"precision": 2}, "a", [0.29, 1.1], {}),
    ("round_floor", {"a": [1234.0]}, {"precision": -2}, "a", [1200.0], {}),
    ("round_floor", {"a": [7, None]}, {"precision": 1}, "a", [7, None], {}),
    ("round_ceil", {"a": [1.21, -1.29]}, {"precision": 1}, "a", [1.3, -1.2], {}),
    ("truncate_number", {"a": [1.29, -1.29]}, {"precision": 1}, "a", [1.2, -1.2], {}),
    (
        "change_number_format",
        {"a": ["1.234.567,89", "-12,5", "abc", None]},
        {"from_format": "european", "to_format": "us"},
        "a",
        ["1,234,567.89", "-12.5", "abc", None],
        {},
    ),
    (
        "change_number_format",
        {"a": ["1,234.5"]},
        {"from_format": "us", "to_format": "swiss", "decimals": 2},
        "a",
        ["1'234.50"],
        {},
    ),
    (
        "change_number_format",
        {"a": ["12345.678"]},
        {"to_format": "scientific"},
        "a",
        ["1.23E4"],
        {},
    ),
    (
        "change_number_format",
        {"a": ["1234567.891"]},
        {"to_format": "custom", "pattern": "# ##0,00"},
        "a",
        ["1 234 567,89"],
        {},
    ),
    (
        "change_number_format",
        {"a": ["98765432109876543.21"]},
        {"to_format": "european"},
        "a",
        ["98.765.432.109.876.543,21"],
        {},
    ),
    (
        "compare_numbers",
        {"a": [1, 5, None]},
        {"op": "ge", "value": 5},
        "a_compare",
        [False, True, None],
        {},
    ),
    ("blank_negative", {"a": ["-1", "2", "x"]}, {}, "a", [None, "2", "x"], {}),
    (
        "generate_sequence",
        {"a": ["x", "y", "z"]},
        {"start": 10, "step": 5},
        "a",
        [10, 15, 20],
        {},
    ),
    (
        "change_date_pattern",
        {"a": ["03/04/2024", "13/04/2024", "bad", None]},
        {"pattern": "yyyy-MM-dd"},
        "a",
        ["2024-04-03", "2024-04-13", "bad", None],
        {},
    ),
    (
        "change_date_pattern",
        {"a": ["2024-03-04"]},
        {"pattern": "dd/MM/yyyy"},
        "a",
        ["04/03/2024"],
        {},
    ),
    (
        "extract_date_parts",
        {"a": ["2024-03-04 15:30:10", None]},
        {
            "parts": [
                "year",
                "quarter",
                "month_name",
                "weekday",
                "hour_12",
                "am_pm",
                "minute",
            ]
        },
        "a_hour_12",
        [3, None],
        {},
    ),
    (
        "extract_date_parts",
        {"a": [date(2024, 3, 4)]},
        {"parts": ["week", "day_of_year", "weekday_name"]},
        "a_weekday_name",
        ["Monday"],
        {},
    ),
    (
        "time_since",
        {"a": ["2020-02-29", "2023-03-01", None]},
        {"since": "date", "date": "2024-02-28", "unit": "years"},
        "a_since",
        [3, 0, None],
        {},
    ),
    (
        "time_since",
        {"a": ["2024-01-01"], "b": ["2024-01-11"]},
        {"since": "column", "other": "b", "unit": "days"},
        "a_since",
        [10],
        {},
    ),
    (
        "date_calculate",
        {"a": ["31/01/2024", "x"]},
        {"amount": 1, "unit": "months", "format": "dd/MM/yyyy"},
        "a",
        ["29/02/2024", "x"],
        {},
    ),
    (
        "date_calculate",
        {"a": [date(2024, 3, 4)]},
        {"operation": "subtract", "amount": 4, "unit": "days"},
        "a",
        [date(2024, 2, 29)],
        {},
    ),
    (
        "compare_dates",
        {"a": ["2024-03-04", "2024-03-06"]},
        {"op": "gt", "date": "2024-03-05"},
        "a_compare",
        [False, True],
        {},
    ),
    (
        "epoch_to_date",
        {"a": [0, 86400, None]},
        {},
        "a",
        [datetime(1970, 1, 1), datetime(1970, 1, 2), None],
        {},
    ),
    (
        "epoch_to_date",
        {"a": ["1000"]},
        {"unit": "ms"},
        "a",
        [datetime(1970, 1, 1, 0, 0, 1)],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["2024-03-11", "bad"]},
        {"to_calendar": "hijri"},
        "a",
        ["1445-09-01", "bad"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["2024-03-04"]},
        {"to_calendar": "japanese"},
        "a",
        ["Reiwa 6-03-04"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["2024-03-04"]},
        {"to_calendar": "minguo"},
        "a",
        ["0113-03-04"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["2024-03-04"]},
        {"to_calendar": "thai_buddhist"},
        "a",
        ["2567-03-04"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["2000-01-01"]},
        {"to_calendar": "julian_day"},
        "a",
        ["2451545"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["1858-11-17"]},
        {"to_calendar": "modified_julian_day"},
        "a",
        ["0"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["0001-01-01"]},
        {"to_calendar": "rata_die"},
        "a",
        ["1"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["1970-01-11"]},
        {"to_calendar": "epoch_day"},
        "a",
        ["10"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["1445-09-01"]},
        {"from_calendar": "hijri", "to_calendar": "iso"},
        "a",
        ["2024-03-11"],
        {},
    ),
    (
        "convert_calendar",
        {"a": ["Heisei 31-04-30"]},
        {"from_calendar": "japanese", "to_calendar": "iso"},
        "a",
        ["2019-04-30"],
        {},
    ),
    ("negate_boolean", {"a": [True, False, None]}, {}, "a", [False, True, None], {}),
    (
        "negate_boolean",
        {"a": ["TRUE", "false", "maybe"]},
        {},
        "a",
        ["false", "true", "maybe"],
        {},
    ),
    ("delete_empty_rows", {"a": ["x", None, " ", "y"]}, {}, "a", ["x", "y"], {}),
    (
        "delete_invalid_rows",
        {"a": ["1", "x", None, "2"]},
        {"type": "integer"},
        "a",
        ["1", None, "2"],
        {},
    ),
    (
        "delete_matching_rows",
        {"a": ["n/a", "N/A", "ok"]},
        {"value": "n/a", "case_sensitive": False},
        "a",
        ["ok"],
        {},
    ),
    (
        "delete_matching_rows",
        {"a": ["a1", "b", "a22"]},
        {"value": r"a\d+", "regex": True},
        "a",
        ["b"],
        {},
    ),
    (
        "delete_negative_rows",
        {"a": ["-1", "0", "x", None]},
        {},
        "a",
        ["0", "x", None],
        {},
    ),
    (
        "clear_invalid",
        {"a": ["1", "x", None]},
        {"type": "integer"},
        "a",
        ["1", None, None],
        {},
    ),
    ("clear_matching", {"a": ["n/a", "ok"]}, {"value": "n/a"}, "a", [None, "ok"], {}),
    ("fill_empty", {"a": [1, None, 3]}, {"value": 0}, "a", [1, 0, 3], {}),
    (
        "fill_empty",
        {"a": ["x", " ", None], "b": ["p", "q", "r"]},
        {"source": "column", "other": "b"},
        "a",
        ["x", "q", "r"],
        {},
    ),
    (
        "fill_invalid",
        {"a": ["1", "x", None]},
        {"value": "0", "type": "integer"},
        "a",
        ["1", "0", None],
        {},
    ),
    (
        "fill_down",
        {"a": ["x", None, "", "y", None]},
        {},
        "a",
        ["x", "x", "x", "y", "y"],
        {},
    ),
    (
        "standardize_value",
        {"a": ["Frnace", "germany", "Spain", None]},
        {"values": ["France", "Germany"], "distance": 2},
        "a",
        ["France", "Germany", "Spain", None],
        {},
    ),
    ("copy_column", {"a": ["x", None]}, {}, "a_copy", ["x", None], {}),
    (
        "concatenate",
        {"a": ["x", "x", None], "b": ["y", None, None]},
        {"others": ["b"], "prefix": "<", "separator": "-", "suffix": ">"},
        "a_concat",
        ["<x-y>", "<x->", "<->"],
        {},
    ),
    (
        "concatenate",
        {"a": ["x", "x", None], "b": ["y", None, None]},
        {"others": ["b"], "separator": "-", "separator_when": "both_not_empty"},
        "a_concat",
        ["x-y", "x", ""],
        {},
    ),
    (
        "change_type",
        {"a": ["1", " 2 ", "x", None]},
        {"type": "integer"},
        "a",
        [1, 2, None, None],
        {},
    ),
    (
        "change_type",
        {"a": ["true", "FALSE", "x"]},
        {"type": "boolean"},
        "a",
        [True, False, None],
        {},
    ),
    (
        "change_type",
        {"a": ["03/14/2024"]},
        {"type": "date"},
        "a",
        [date(2024, 3, 14)],
        {},
    ),
    ("change_type", {"a": [1.5, None]}, {"type": "string"}, "a", ["1.5", None], {}),
    (
        "mask",
        {"a": ["jo@x.org", None]},
        {"semantic_type": "email"},
        "a",
        ["XX@x.org", None],
        {},
    ),
    (
        "mask",
        {"a": ["+33 6 12 34 56 78"]},
        {"semantic_type": "phone"},
        "a",
        ["+33 X XX XX XX XX"],
        {},
    ),
    (
        "mask",
        {"a": ["Jean Dupont"]},
        {"semantic_type": "text"},
        "a",
        ["XXXX XXXXXX"],
        {},
    ),
    (
        "hash_sha256",
        {"a": ["abc", None]},
        {},
        "a",
        ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", None],
        {},
    ),
    (
        "format_phone",
        {"a": ["01 42 68 53 00", "bad", None]},
        {"format": "e164", "region": "FR"},
        "a",
        ["+33142685300", "bad", None],
        {},
    ),
    (
        "format_phone",
        {"a": ["2015550123"], "r": ["US"]},
        {"format": "international", "region_column": "r"},
        "a",
        ["+1 201-555-0123"],
        {},
    ),
    (
        "extract_phone_parts",
        {"a": ["+33142685300", None]},
        {"parts": ["country", "type", "valid"]},
        "a_country",
        ["FR", None],
        {},
    ),
    (
        "extract_phone_parts",
        {"a": ["+33142685300", "+12015550123"]},
        {"parts": ["area", "region"]},
        "a_area",
        ["1", "201"],
        {},
    ),
    (
        "concatenate",
        {"a": ["x"], "b": ["y"]},
        {"others": ["b"], "value": "z", "separator": "/"},
        "a_concat",
        ["x/y/z"],
        {},
    ),
    (
        "convert_temperature",
        {"a": [100.0, None]},
        {"from_unit": "C", "to_unit": "F"},
        "a",
        [212.0, None],
        {},
    ),
    (
        "convert_temperature",
        {"a": ["32"]},
        {"from_unit": "F", "to_unit": "K"},
        "a",
        [273.15],
        {},
    ),
    (
        "convert_distance",
        {"a": [1.0]},
        {"from_unit": "mi", "to_unit": "km"},
        "a",
        [1.609344],
        {},
    ),
    (
        "convert_duration",
        {"a": [2.0]},
        {"from_unit": "hours", "to_unit": "minutes"},
        "a",
        [120.0],
        {},
    ),
    (
        "convert_country",
        {"a": ["France", "germany", "Atlantis", None]},
        {"to_code": "alpha3"},
        "a",
        ["FRA", "DEU", "Atlantis", None],
        {},
    ),
    (
        "convert_country",
        {"a": ["DE", "250"]},
        {"from_code": "alpha2", "to_code": "name", "language": "fr"},
        "a",
        ["Allemagne", "250"],
        {},
    ),
    (
        "convert_country",
        {"a": ["250"]},
        {"from_code": "numeric", "to_code": "name"},
        "a",
        ["France"],
        {},
    ),
]

TABLE_CASES: list[tuple] = [
    (
        "delete_fully_empty_rows",
        {"a": ["x", None, ""], "b": [None, None, " "]},
        {},
        None,
        {"a": ["x"], "b": [None]},
    ),
    (
        "delete_empty_columns",
        {"a": ["x", None], "b": [None, " "]},
        {},
        None,
        {"a": ["x", None]},
    ),
    ("delete_row", {"a": ["x", "y", "z"]}, {"row": 1}, None, {"a": ["x", "z"]}),
    (
        "make_header",
        {"a": ["junk", "id", "1"], "b": [None, "name", "x"]},
        {"row": 1},
        None,
        {"id": ["1"], "name": ["x"]},
    ),
    ("delete_column", {"a": [1], "b": [2]}, {}, "a", {"b": [2]}),
    ("rename_column", {"a": [1], "b": [2]}, {"name": "z"}, "a", {"z": [1], "b": [2]}),
    (
        "swap_columns",
        {"a": [1], "b": [2], "c": [3]},
        {"other": "c"},
        "a",
        {"c": [3], "b": [2], "a": [1]},
    ),
    (
        "reorder_column",
        {"a": [1], "b": [2], "c": [3]},
        {"position": "after", "other": "b"},
        "a",
        {"b": [2], "a": [1], "c": [3]},
    ),
    (
        "reorder_column",
        {"a": [1], "b": [2], "c": [3]},
        {"position": "first"},
        "c",
        {"c": [3], "a": [1], "b": [2]},
    ),
    (
        "create_column",
        {"a": [1, 2]},
        {"name": "k", "mode": "constant", "value": "v"},
        None,
        {"a": [1, 2], "k": ["v", "v"]},
    ),
    (
        "create_column",
        {"a": [1, 2]},
        {"name": "k", "mode": "sequence", "start": 0},
        None,
        {"a": [1, 2], "k": [0, 1]},
    ),
    (
        "create_column",
        {"a": [1, 2]},
        {"name": "k", "mode": "copy", "source": "a"},
        None,
        {"a": [1, 2], "k": [1, 2]},
    ),
    ("create_column", {"a": [1]}, {"name": "k"}, None, {"a": [1], "k": [None]}),
    ("set_semantic_type", {"a": ["x"]}, {"semantic_type": "email"}, "a", {"a": ["x"]}),
    (
        "delete_filtered",
        {"a": ["x", "y", "z"]},
        {"filter": {"column": "a", "op": "in", "values": ["x", "z"]}},
        None,
        {"a": ["y"]},
    ),
    (
        "keep_filtered",
        {"a": ["x", "y", "z"]},
        {"filter": {"column": "a", "op": "in", "values": ["x", "z"]}},
        None,
        {"a": ["x", "z"]},
    ),
    (
        "delete_duplicates",
        {"a": [1, 1, 2, 1], "b": ["x", "x", "x", "y"]},
        {},
        None,
        {"a": [1, 2, 1], "b": ["x", "x", "y"]},
    ),
]


def _close(actual: list, expected: list) -> bool:
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):
        if isinstance(e, float) and a is not None:
            if not math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif a != e:
            return False
    return True


@pytest.mark.parametrize(
    ("function", "data", "params", "out", "expected", "extra"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_cell_function(function, data, params, out, expected, extra) -> None:
    if function in NEEDS:
        pytest.importorskip(NEEDS[function])

    result = run(data, step(function, params=params, **extra))

    assert _close(result.get_column(out).to_list(), expected), result


@pytest.mark.parametrize(
    ("function", "data", "params", "column", "expected"),
    TABLE_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(TABLE_CASES)],
)
def test_table_function(function, data, params, column, expected) -> None:
    result = run(data, step(function, column, params=params))

    assert result.to_dict(as_series=False) == expected


def test_every_registered_function_has_a_case() -> None:
    covered = {c[0] for c in CASES} | {c[0] for c in TABLE_CASES}
    covered |= {"lookup", "generate_uuid"}  # tested in test_prep_engine

    assert set(REGISTRY) - covered == set()


def test_uuid_is_new_per_row() -> None:
    result = run({"a": ["x", "x", "x"]}, step("generate_uuid"))

    ids = result.get_column("a_uuid").to_list()
    assert len(set(ids)) == 3 and all(len(i) == 36 for i in ids)


def test_mask_numbers_stay_within_ten_percent_and_are_stable() -> None:
    data = {"a": [100.0, 200.0, None, 100.0]}

    first = run(data, step("mask", params={"semantic_type": "number"})).get_column("a")
    again = run(data, step("mask", params={"semantic_type": "number"})).get_column("a")

    assert first.to_list() == again.to_list()
    assert 90 <= first[0] <= 110 and 180 <= first[1] <= 220 and first[2] is None


def test_mask_dates_move_at_most_two_months() -> None:
    result = run(
        {"a": ["2024-03-04", "bad"]}, step("mask", params={"semantic_type": "date"})
    )

    moved = date.fromisoformat(result.get_column("a")[0])
    assert abs((moved - date(2024, 3, 4)).days) <= 62
    assert result.get_column("a")[1] == "XXX"


def test_math_on_wrong_type_is_refused() -> None:
    from tcloud.runtime.prep import PrepError

    with pytest.raises(PrepError) as caught:
        run({"a": [True, False]}, step("add", params={"value": 1}))

    assert caught.value.parameter == "column"


def test_trim_every_text_column_at_once() -> None:
    result = run(
        {"a": [" x "], "b": [" y "], "n": [1]}, step("trim", None, columns=["*"])
    )

    assert result.row(0) == ("x", "y", 1)


def test_new_column_goes_after_its_source() -> None:
    result = run({"a": ["x"], "b": ["y"]}, step("upper_case", new_column=True))

    assert result.columns == ["a", "a_upper", "b"]
    assert result.row(0) == ("x", "X", "y")


def _wrong_type(function) -> str | None:
    for name in ("boolean", "date", "string", "integer"):
        if name not in function.types:
            return name
    return None


RESTRICTED = [f for f in REGISTRY.values() if f.target != "none" and _wrong_type(f)]


@pytest.mark.parametrize("function", RESTRICTED, ids=[f.name for f in RESTRICTED])
def test_wrong_column_type_is_refused_when_added(function) -> None:
    from tcloud.runtime.prep import PrepError, validate_step

    wrong = _wrong_type(function)
    with pytest.raises(PrepError) as caught:
        validate_step(
            {"id": "w", "function": function.name, "column": "a"}, {"a": wrong}
        )

    assert caught.value.parameter == "column"
    assert wrong in caught.value.message
