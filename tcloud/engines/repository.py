"""The engines' side doors: the artifact repository and single-use uploads.

An engine fetches an artifact version with its own credential, and only one
of its tenant's and its environment's. Files going up (the full log, the
result) need a token the hub grants over the websocket: a JWT (HS256) that
names the execution, the engine, the tenant and the kind, lives five
minutes and is accepted once. Its signing key is random per tenant, sealed
with the tenant's data key in the tenant store.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import jwt
from aiohttp import web

from tcloud.engines import service, store
from tcloud.engines.errors import EngineRefused
from tcloud.platform import people
from tcloud.platform.context import Platform
from tcloud.platform.db import Database, Row
from tcloud.platform.errors import Invalid, NotFound
from tcloud.platform.ids import digest

UPLOAD_AUDIENCE = "tcloud-upload"
UPLOAD_SECONDS = 300
UPLOAD_KEY_SETTING = "engines.upload_key"
UPLOAD_KEY_PURPOSE = "engines.upload-key"


async def authenticate(platform: Platform, request: web.Request) -> Row:
    """Return the engine index row of a request's credential, or refuse it."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise EngineRefused("send the engine credential as a bearer token")
    row = await store.engine_by_credential(platform.control, digest(credential))
    if row is None or row["revoked_at"]:
        raise EngineRefused("this engine is unknown or revoked: pair it again")
    return row


class Repository:
    """Artifact downloads and uploads, for every tenant's engines."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._keys: dict[str, bytes] = {}

    async def _key(self, tenant_id: str) -> bytes:
        key = self._keys.get(tenant_id)
        if key is not None:
            return key
        cipher = await self.platform.cipher(tenant_id)
        async with self.platform.stores.use(tenant_id) as db:
            stored = await people.get_setting(db, UPLOAD_KEY_SETTING)
            if not isinstance(stored, str):
                key = secrets.token_bytes(32)
                sealed = cipher.seal(UPLOAD_KEY_PURPOSE, key)
                async with db.transaction() as tx:
                    await people.put_setting(
                        tx, UPLOAD_KEY_SETTING, base64.b64encode(sealed).decode()
                    )
            else:
                key = cipher.open(UPLOAD_KEY_PURPOSE, base64.b64decode(stored))
        self._keys[tenant_id] = key
        return key

    async def grant(
        self, tenant_id: str, engine_id: str, exec_id: str, kind: Any
    ) -> dict[str, Any]:
        """Make a single-use, short-lived token to upload one file of an execution."""
        if kind not in ("log", "result"):
            raise Invalid.field("kind", "must be log or result")
        async with self.platform.stores.use(tenant_id) as db:
            row = await store.execution(db, exec_id)
        if row is None or row["engine_id"] != engine_id:
            raise NotFound("no such execution on this engine")
        claims = {
            "sub": exec_id,
            "eng": engine_id,
            "tid": tenant_id,
            "kind": kind,
            "jti": secrets.token_urlsafe(16),
            "aud": UPLOAD_AUDIENCE,
            "exp": int(time.time()) + UPLOAD_SECONDS,
        }
        token = jwt.encode(claims, await self._key(tenant_id), "HS256")
        return {"token": token, "path": "/engine/uploads", "expires_in": UPLOAD_SECONDS}

    async def accept_upload(self, token: str, content: bytes) -> dict[str, Any]:
        """Check a single-use upload token and keep the file it carries."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            tenant_id = str(unverified["tid"])
            claims = jwt.decode(
                token,
                await self._key(tenant_id),
                ["HS256"],
                audience=UPLOAD_AUDIENCE,
                options={"require": ["exp", "jti", "sub"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError):
            raise EngineRefused("the upload token is invalid or expired") from None
        async with self.platform.stores.use(tenant_id) as db:
            row = await store.execution(db, claims["sub"])
            if row is None or row["engine_id"] != claims["eng"]:
                raise EngineRefused("the upload token does not match an execution")
            async with db.transaction() as tx:
                if not await store.use_upload_token(tx, claims["jti"]):
                    raise EngineRefused("this upload token was already used")
            await self.keep_file(db, tenant_id, claims["sub"], claims["kind"], content)
        return {
            "execution_id": claims["sub"],
            "kind": claims["kind"],
            "size": len(content),
        }

    async def keep_file(
        self, db: Database, tenant_id: str, exec_id: str, kind: str, content: bytes
    ) -> None:
        """Keep a file of an execution: in the blob store, else in its row."""
        key = ""
        if self.platform.blobs is not None:
            key = f"executions/{exec_id}/{kind}"
            await self.platform.blobs.put_bytes(tenant_id, key, content)
        async with db.transaction() as tx:
            await store.put_execution_file(
                tx, exec_id, kind, b"" if key else content, key
            )

    async def artifact(
        self, request: web.Request, version_id: str
    ) -> tuple[Row, bytes]:
        """Return an artifact version for the engine that asks, if it may have it."""
        index = await authenticate(self.platform, request)
        async with self.platform.stores.use(index["tenant_id"]) as db:
            engine = await store.engine(db, index["engine_id"])
            version = await store.version(db, version_id)
            if (
                engine is None
                or version is None
                or (version["environment_id"] != engine["environment_id"])
            ):
                raise NotFound("no such artifact version")
            return version, await service.artifact_bytes(
                self.platform, index["tenant_id"], db, version
            )
