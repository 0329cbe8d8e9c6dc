"""Opaque random ids, secrets and timestamps."""

import hashlib
import secrets
from datetime import UTC, datetime


def new_id(prefix: str) -> str:
    """Return a random id such as `usr_3kq9...`: opaque, never sequential."""
    return f"{prefix}_{secrets.token_urlsafe(12)}"


def new_secret(prefix: str) -> str:
    """Return a random credential with a recognisable prefix."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    """Hash a high-entropy credential for storage and lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(ts: float) -> str:
    value = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return value.replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
