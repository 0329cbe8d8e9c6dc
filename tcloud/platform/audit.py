"""The audit log: one row per change made by a person, a token or an engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tcloud import log
from tcloud.platform.db import Reader, Row
from tcloud.platform.ids import new_id, now_iso


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, and from where."""

    type: str
    id: str
    name: str
    source_ip: str = ""
    request_id: str = ""


async def record(
    tx: Reader,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str = "",
    object_name: str = "",
    *,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit event inside the caller's transaction."""
    await tx.execute(
        "INSERT INTO audit_events (id, at, actor_type, actor_id, actor_name, action,"
        " object_type, object_id, object_name, outcome, source_ip, request_id, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            new_id("evt"), now_iso(), actor.type, actor.id, actor.name, action,
            object_type, object_id, object_name, outcome, actor.source_ip,
            actor.request_id, orjson.dumps(details or {}).decode(),
        ],
    )  # fmt: skip
    log.audit.info(
        "audit action=%s object_type=%s object_id=%s actor=%s outcome=%s",
        action, object_type, object_id, actor.id, outcome,
    )  # fmt: skip


def event_from_row(row: Row) -> dict[str, Any]:
    event = dict(row)
    event.pop("seq", None)
    event["details"] = orjson.loads(event["details"])
    return event
