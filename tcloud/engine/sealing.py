"""Secrets sealed to an engine's public key: X25519, HKDF-SHA256, AES-256-GCM.

The engine makes an X25519 key pair at pairing and registers the public
half. The server seals each secret to it with a fresh ephemeral key, so only
that engine's private key opens it. The engine id is bound in as associated
data: a value sealed for one engine does not open on another.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"tcloud-engine-seal v1"
RAW = serialization.Encoding.Raw


class SealError(ValueError):
    """A sealed value could not be opened."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode())


def new_private_key() -> str:
    """Return a new X25519 private key, base64."""
    key = X25519PrivateKey.generate()
    raw = key.private_bytes(
        RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _b64(raw)


def public_key_of(private_b64: str) -> str:
    key = X25519PrivateKey.from_private_bytes(_unb64(private_b64))
    return _b64(key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw))


def check_public_key(public_b64: str) -> None:
    """Raise SealError unless this is a 32-byte X25519 public key."""
    try:
        X25519PublicKey.from_public_bytes(_unb64(public_b64))
    except (ValueError, TypeError):
        raise SealError("not an X25519 public key") from None


def _key(shared: bytes, engine_id: str) -> bytes:
    hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=INFO + b"|" + engine_id.encode())
    return hkdf.derive(shared)


def seal(public_b64: str, engine_id: str, plaintext: bytes) -> str:
    """Seal bytes to one engine; return the sealed value as text."""
    peer = X25519PublicKey.from_public_bytes(_unb64(public_b64))
    ephemeral = X25519PrivateKey.generate()
    key = _key(ephemeral.exchange(peer), engine_id)
    nonce = secrets.token_bytes(12)
    body = AESGCM(key).encrypt(nonce, plaintext, engine_id.encode())
    epk = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    return "v1." + _b64(epk) + "." + _b64(nonce) + "." + _b64(body)


def open_sealed(private_b64: str, engine_id: str, sealed: str) -> bytes:
    """Open a value sealed to this engine; raise SealError if it does not open."""
    try:
        version, epk, nonce, body = sealed.split(".")
        if version != "v1":
            raise ValueError(version)
        own = X25519PrivateKey.from_private_bytes(_unb64(private_b64))
        shared = own.exchange(X25519PublicKey.from_public_bytes(_unb64(epk)))
        key = _key(shared, engine_id)
        return AESGCM(key).decrypt(_unb64(nonce), _unb64(body), engine_id.encode())
    except (ValueError, TypeError, InvalidTag):
        raise SealError("the sealed value is damaged or not for this engine") from None
