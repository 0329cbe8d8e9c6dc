"""Password hashing (scrypt, memory-hard) and the password policy.

Hashes are `scrypt$N$r$p$salt$hash` so that the cost can grow later while
old hashes still verify. Hashing takes tens of milliseconds and 32 MiB, so
callers run it in a thread (`hash_password_async`, `verify_async`).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets

from tcloud.platform.errors import FieldError, Invalid

N, R, P = 2**15, 8, 1
MAXMEM = 64 * 1024 * 1024
MAX_LENGTH = 256
COMMON = {
    "password", "passw0rd", "123456", "12345678", "123456789", "1234567890",
    "qwerty", "qwertyuiop", "letmein", "welcome", "admin", "iloveyou",
    "monkey", "dragon", "football", "baseball", "sunshine", "princess",
    "changeme", "trustno1", "abc123", "111111", "000000", "secret",
}  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAXMEM)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=MAXMEM,
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when a login is unknown, so that an unknown
    login takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_async(password: str, stored: str) -> bool:
    return await asyncio.to_thread(verify, password, stored)


def generate() -> str:
    """Return a random password that the policy accepts."""
    return secrets.token_urlsafe(15)


def check_policy(
    password: str, login: str, min_length: int, field: str = "password"
) -> None:
    """Raise Invalid, naming the field, if the password breaks the policy."""
    problems = []
    if len(password) < min_length:
        problems.append(f"must be at least {min_length} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    lowered = password.lower()
    if login and login.lower() in lowered:
        problems.append("must not contain the login")
    if lowered in COMMON or len(set(password)) < 4:
        problems.append("is too common or too simple")
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 2:
        problems.append(
            "must mix at least two of lower case, upper case, digits, symbols"
        )
    if problems:
        raise Invalid(
            f"{field} " + "; ".join(problems),
            fields=[FieldError(field, message) for message in problems],
        )
