"""Settings: documented, shipped with their defaults, overridden by TCLOUD_*."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from tcloud.config import (
    DEFAULT_FILE,
    SECRET_SETTINGS,
    Config,
    ConfigError,
    descriptions,
    load,
)

FIELDS = {f.name: f for f in dataclasses.fields(Config)}


def shipped_comments() -> dict[str, str]:
    """Return the comment block just above each setting in default.toml."""
    comments: dict[str, str] = {}
    block: list[str] = []
    for line in DEFAULT_FILE.read_text().splitlines():
        if line.startswith("#"):
            block.append(line.lstrip("# ").strip())
        elif match := re.match(r"^(\w+)\s*=", line):
            comments[match.group(1)] = " ".join(block)
            block = []
        else:
            block = []
    return comments


def test_every_setting_has_a_description():
    for name, text in descriptions().items():
        assert text.strip(), f"setting {name} has no description"
        assert text.rstrip().endswith("."), f"description of {name} is not a sentence"


def test_default_toml_holds_every_setting_with_the_same_default():
    shipped = tomllib.loads(DEFAULT_FILE.read_text())

    assert set(shipped) == set(FIELDS)
    for name, f in FIELDS.items():
        assert shipped[name] == f.default, f"default of {name} differs"
        assert type(shipped[name]) is type(f.default), name


def test_default_toml_comments_each_setting_with_its_description():
    comments = shipped_comments()

    for name, text in descriptions().items():
        assert comments.get(name) == text, f"config/default.toml comment of {name}"


def test_loading_the_defaults_gives_the_declared_defaults():
    assert load(env={}) == Config()


@pytest.mark.parametrize(
    "variable,value,setting,expected",
    [("TCLOUD_HOST", "0.0.0.0", "host", "0.0.0.0"),
     ("TCLOUD_PORT", "9000", "port", 9000),
     ("TCLOUD_DATA_DIR", "/srv/tcloud", "data_dir", "/srv/tcloud"),
     ("TCLOUD_BOOTSTRAP_PASSWORD", "S3cret-first-pass", "bootstrap_password",
      "S3cret-first-pass"),
     ("TCLOUD_EMBEDDED_ENGINE", "false", "embedded_engine", False),
     ("TCLOUD_TRUST_FORWARDED_FOR", "yes", "trust_forwarded_for", True),
     ("TCLOUD_MAX_BODY_BYTES", "4096", "max_body_bytes", 4096)],
)  # fmt: skip
def test_environment_overrides_a_setting(variable, value, setting, expected):
    config = load(env={variable: value})

    assert getattr(config, setting) == expected


def test_a_file_overrides_defaults_and_the_environment_overrides_the_file(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text('host = "10.0.0.1"\nport = 7000\n')

    config = load(path, env={"TCLOUD_PORT": "7001"})

    assert (config.host, config.port) == ("10.0.0.1", 7001)


def test_explicit_overrides_win_over_the_environment():
    config = load(env={"TCLOUD_PORT": "7001"}, port=7002)

    assert config.port == 7002


def test_other_variables_are_ignored():
    assert load(env={"TCLOUD_NOT_A_SETTING": "1", "PORT": "1"}) == Config()


@pytest.mark.parametrize(
    "env,named",
    [({"TCLOUD_PORT": "eighty"}, "TCLOUD_PORT"),
     ({"TCLOUD_PORT": "70000"}, "port"),
     ({"TCLOUD_PORT": "0"}, "port"),
     ({"TCLOUD_EMBEDDED_ENGINE": "maybe"}, "TCLOUD_EMBEDDED_ENGINE"),
     ({"TCLOUD_MAX_BODY_BYTES": "1MB"}, "TCLOUD_MAX_BODY_BYTES"),
     ({"TCLOUD_BLOB_BACKEND": "ftp"}, "blob_backend"),
     ({"TCLOUD_LOG_LEVEL": "loud"}, "log_level"),
     ({"TCLOUD_TLS_CERT": "cert.pem"}, "tls_key"),
     ({"TCLOUD_BLOB_BACKEND": "s3"}, "s3_bucket")],
)  # fmt: skip
def test_a_bad_value_names_the_setting(env, named):
    with pytest.raises(ConfigError, match=named):
        load(env=env)


@pytest.mark.parametrize(
    "text,named",
    [('port = "x"\n', "port"), ("host = 5\n", "host"),
     ("embedded_engine = 3\n", "embedded_engine"), ("colour = 1\n", "colour"),
     ("port = \n", "site.toml")],
)  # fmt: skip
def test_a_bad_file_names_the_setting_or_the_file(tmp_path, text, named):
    path = tmp_path / "site.toml"
    path.write_text(text)

    with pytest.raises(ConfigError, match=named):
        load(path, env={})


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load(tmp_path / "nope.toml", env={})


def test_an_unknown_override_is_a_config_error():
    with pytest.raises(ConfigError, match="colour"):
        load(env={}, colour="blue")


def test_repr_masks_secrets():
    config = load(
        env={
            "TCLOUD_BOOTSTRAP_PASSWORD": "Hunter2-hunter2",
            "TCLOUD_S3_SECRET_KEY": "aws/Secret",
        }
    )

    shown = repr(config) + str(config)

    assert "Hunter2-hunter2" not in shown
    assert "aws/Secret" not in shown
    assert "bootstrap_password='[secure]'" in shown
    assert "s3_secret_key='[secure]'" in shown
    assert "host='127.0.0.1'" in shown


def test_every_setting_named_like_a_secret_is_masked():
    for name in FIELDS:
        if re.search(r"(password|secret|token)(_key)?$", name):
            assert name in SECRET_SETTINGS, name


def test_derived_paths_and_urls(tmp_path):
    config = load(env={}, data_dir=str(tmp_path), port=8443)
    tls = config.with_overrides(tls_cert="c.pem", tls_key="k.pem")

    assert config.data_path == tmp_path.resolve()
    assert config.master_key_path == tmp_path.resolve() / "master.key"
    assert config.base_url == "http://127.0.0.1:8443"
    assert tls.tls and tls.base_url == "https://127.0.0.1:8443"
    assert config.with_overrides(public_url="https://t.example/").base_url == (
        "https://t.example"
    )
