"""Settings: config/default.toml, then an optional file, then TCLOUD_* variables.

Every setting is a field of `Config` with its default and a description; the
shipped `config/default.toml` repeats each one, and a test keeps both in step.
Settings are read once at start and never from `os.environ` elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "default.toml"
ENV_PREFIX = "TCLOUD_"
SECRET_SETTINGS = {"bootstrap_password", "s3_secret_key"}


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={"description": description})


@dataclass(frozen=True)
class Config:
    host: str = setting("127.0.0.1", "Address the HTTP server listens on.")
    port: int = setting(8080, "Port the HTTP server listens on.")
    data_dir: str = setting("var", "Folder for stores, keys and local blobs.")
    public_url: str = setting(
        "", "Base URL users reach the console at; derived from host and port if empty."
    )
    bootstrap_password: str = setting(
        "", "Password of demo/admin on first start; generated and printed if empty."
    )
    bootstrap_tenant: str = setting("demo", "Tenant created on first start.")
    default_seat_limit: int = setting(25, "Seat limit of tenants made without one.")
    tls_cert: str = setting("", "PEM certificate; with tls_key, serve HTTPS only.")
    tls_key: str = setting("", "PEM private key of tls_cert.")
    log_level: str = setting("info", "debug, info, warning or error.")
    max_body_bytes: int = setting(1_048_576, "Largest JSON request body, in bytes.")
    session_idle_minutes: int = setting(30, "A session ends after this idle time.")
    session_absolute_hours: int = setting(12, "A session ends this long after login.")
    login_max_failures: int = setting(5, "Failed logins in a row before a lock.")
    login_lockout_minutes: int = setting(15, "How long a locked account stays locked.")
    password_min_length: int = setting(12, "Shortest password the policy accepts.")
    tenant_store_cap: int = setting(64, "Most tenant stores kept open at once.")
    store_busy_timeout_ms: int = setting(5000, "SQLite busy timeout before a 503.")
    blob_backend: str = setting("local", "local (a folder under data_dir) or s3.")
    s3_endpoint: str = setting("", "S3 endpoint URL; empty for AWS.")
    s3_region: str = setting("us-east-1", "S3 region.")
    s3_bucket: str = setting("", "S3 bucket holding the blobs.")
    s3_access_key: str = setting("", "S3 access key id.")
    s3_secret_key: str = setting("", "S3 secret access key.")
    master_key_file: str = setting("", "Master key file; data_dir/master.key if empty.")
    trust_forwarded_for: bool = setting(
        False, "Take the client address from X-Forwarded-For (behind a proxy)."
    )
    embedded_engine: bool = setting(True, "Start one embedded engine on serve.")
    embedded_engine_python_jobs: bool = setting(
        False, "Let the embedded engine run packaged Python jobs."
    )
    prep_run_threads: int = setting(
        2, "Threads for dataprep full runs; tenants take turns for them."
    )
    prep_sample_rows: int = setting(
        10_000, "Rows of a dataset the dataprep grid reads first."
    )
    prep_export_s3_endpoint: str = setting(
        "", "S3 endpoint for exports to users' buckets; empty for AWS."
    )

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def master_key_path(self) -> Path:
        if self.master_key_file:
            return Path(self.master_key_file).resolve()
        return self.data_path / "master.key"

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert and self.tls_key)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def with_overrides(self, **values: Any) -> Config:
        return dataclasses.replace(self, **values)

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_SETTINGS and value:
                value = "[secure]"
            shown.append(f"{f.name}={value!r}")
        return f"Config({', '.join(shown)})"


def descriptions() -> dict[str, str]:
    """Return each setting's description, by name."""
    return {f.name: f.metadata["description"] for f in dataclasses.fields(Config)}


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"setting {name}: {raw!r} is not a boolean")
    if kind is int:
        if isinstance(raw, bool):
            raise ConfigError(f"setting {name}: {raw!r} is not an integer")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name}: {raw!r} is not an integer") from None
    if not isinstance(raw, str):
        raise ConfigError(f"setting {name}: {raw!r} is not a string")
    return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def load(
    path: str | Path | None = None,
    env: dict[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Read the defaults, an optional file, the environment, then overrides."""
    env = os.environ if env is None else env
    kinds = {f.name: f.type for f in dataclasses.fields(Config)}
    kind_of = {"str": str, "int": int, "bool": bool}
    values: dict[str, Any] = {}
    for source in [DEFAULT_FILE, Path(path) if path else None]:
        if source is None:
            continue
        for name, raw in _read_toml(source).items():
            if name not in kinds:
                raise ConfigError(f"config file {source}: unknown setting {name!r}")
            values[name] = _coerce(name, raw, kind_of[str(kinds[name])])
    for name, kind in kinds.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(ENV_PREFIX + name.upper(), raw, kind_of[str(kind)])
    for name, raw in overrides.items():
        if name not in kinds:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = raw
    config = Config(**values)
    _check(config)
    return config


def _check(config: Config) -> None:
    if not 0 < config.port < 65536:
        raise ConfigError(f"setting port: {config.port} is not a TCP port")
    if bool(config.tls_cert) != bool(config.tls_key):
        raise ConfigError("settings tls_cert and tls_key must be given together")
    if config.blob_backend not in {"local", "s3"}:
        raise ConfigError(
            f"setting blob_backend: {config.blob_backend!r} is not local or s3"
        )
    if config.blob_backend == "s3" and not config.s3_bucket:
        raise ConfigError("setting s3_bucket: required when blob_backend is s3")
    if config.log_level not in {"debug", "info", "warning", "error"}:
        raise ConfigError(f"setting log_level: {config.log_level!r} is not a level")
