"""The embedded engine's command line follows the settings."""

from __future__ import annotations

from pathlib import Path

from tcloud.engines.embedded import _command


class _Platform:
    def __init__(self, config) -> None:  # type: ignore[no-untyped-def]
        self.config = config


def test_the_embedded_engine_runs_plans_only_by_default(config) -> None:  # type: ignore[no-untyped-def]
    args = _command(_Platform(config), Path("/tmp/e"), "tpk_x")  # type: ignore[arg-type]

    assert args[1:5] == ["-m", "tcloud", "engine", "run"]
    assert "--plans-only" in args and "--embedded" in args
    # The pairing key goes through the environment, not the process list.
    assert "--key" not in args and not any("tpk_x" in arg for arg in args)
    assert "--url" in args


def test_python_jobs_on_the_embedded_engine_when_the_setting_allows(config) -> None:  # type: ignore[no-untyped-def]
    allowed = config.with_overrides(embedded_engine_python_jobs=True)

    args = _command(_Platform(allowed), Path("/tmp/e"), "")  # type: ignore[arg-type]

    assert "--plans-only" not in args and "--key" not in args
