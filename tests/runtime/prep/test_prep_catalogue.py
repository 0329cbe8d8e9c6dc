"""The docs list every function with its parameters, as the code has them."""

from __future__ import annotations

from pathlib import Path

from tcloud.runtime.prep import REGISTRY
from tcloud.runtime.prep.catalogue import CATEGORIES, markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "dataprep-functions.md"


def test_docs_page_is_the_rendered_catalogue() -> None:
    assert DOC.read_text() == markdown(), (
        "run: python -m tcloud.runtime.prep.catalogue > docs/dataprep-functions.md"
    )


def test_every_function_is_in_a_documented_category() -> None:
    assert {f.category for f in REGISTRY.values()} <= set(CATEGORIES)


def test_every_function_describes_itself() -> None:
    for function in REGISTRY.values():
        data = function.as_dict()
        assert data["description"] and data["label"], function.name
        assert function.vectorised or function.note, function.name


def test_function_list_is_json_for_the_grid() -> None:
    import json

    from tcloud.runtime.prep import functions

    listed = json.loads(json.dumps(functions()))

    assert len(listed) == len(REGISTRY)
    assert {"name", "params", "types", "kind"} <= set(listed[0])


def test_every_parameter_has_a_label_for_people() -> None:
    for function in REGISTRY.values():
        params = function.as_dict()["params"]
        names = {p["name"] for p in params}
        for param in params:
            assert param["label"] and "_" not in param["label"], param["name"]
            assert len(param["choice_labels"]) == len(param["choices"])
            when = param["shown_when"]
            assert when is None or when["param"] in names, (function.name, when)
