"""The embedded engine's pairing key never shows in the process list."""

from pathlib import Path

from tcloud.config import load
from tcloud.engines.embedded import _command


def test_the_pairing_key_is_not_on_the_command_line(tmp_path: Path):
    class FakePlatform:  # only the settings are read
        config = load(env={}, data_dir=str(tmp_path))

    args = _command(FakePlatform(), tmp_path / "engine", "tpk_secret")  # type: ignore[arg-type]

    assert not any("tpk_secret" in arg for arg in args)
    assert "--key" not in args
    assert "--url" in args


def test_engine_run_takes_the_key_from_its_environment(monkeypatch):
    from tcloud import cli

    monkeypatch.setenv("TCLOUD_ENGINE_KEY", "tpk_from_env")
    args = cli.parser().parse_args(["engine", "run"])

    assert args.key == "tpk_from_env"
