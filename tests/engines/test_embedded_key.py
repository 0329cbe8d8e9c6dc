"""The engine takes its pairing key from the environment, out of `ps`."""


def test_engine_run_takes_the_key_from_its_environment(monkeypatch):
    from tcloud import cli

    monkeypatch.setenv("TCLOUD_ENGINE_KEY", "tpk_from_env")
    args = cli.parser().parse_args(["engine", "run"])

    assert args.key == "tpk_from_env"
