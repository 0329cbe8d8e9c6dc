"""Columns may bear the names the runtime uses inside its own queries."""

from __future__ import annotations

from tcloud.runtime import inspect


def test_columns_named_value_and_column_are_read(tmp_path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("id,column,value,variable\n1,a,2.5,x\n2,b,3,y\n")

    found = inspect({"kind": "file", "path": str(path), "format": "csv"})

    assert found["schema"] == {
        "id": "int", "column": "string", "value": "float", "variable": "string"
    }  # fmt: skip
    assert found["rows"][1] == {"id": 2, "column": "b", "value": 3.0, "variable": "y"}
