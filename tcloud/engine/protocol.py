"""The engine protocol: every message between the hub and an engine.

One websocket per engine, text frames of JSON (orjson). Every message is an
envelope `{"id", "type", "re", "body"}`; a reply carries the id of the
request it answers in `re`. Requests wait for their reply with a time-out.

    engine -> server  hello      version, capabilities, capacity, executions
    server -> engine  welcome    heartbeat interval, server time
    either way        ping/pong  heartbeats, both sides
    server -> engine  run        an execution to start (reply: accepted)
    server -> engine  cancel     stop an execution (reply: cancelling)
    server -> engine  status     what the engine runs now (reply)
    engine -> server  event      running, metrics, log, finished (with the
                                 full log inline, when the welcome lists
                                 the "inline-log" feature and it is small;
                                 small run outputs too, with "inline-outputs")
    engine -> server  upload     ask for a single-use upload token (reply)
    either way        reply      the answer to a request (`re` = its id)
    either way        error      a request could not be answered

The socket is closed with a code that says whether to dial again:
4000-4099 are retryable, 4100-4199 terminal (see CLOSE_CODES).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})

HELLO = "hello"
WELCOME = "welcome"
PING = "ping"
PONG = "pong"
RUN = "run"
CANCEL = "cancel"
STATUS = "status"
EVENT = "event"
UPLOAD = "upload"
REPLY = "reply"
ERROR = "error"

CAP_PLAN = "plan"
CAP_PYTHON = "python"

# Features a server names in its welcome; an engine uses only those.
FEATURE_INLINE_LOG = "inline-log"
# The largest full log sent inside a finished event (larger ones are uploaded).
INLINE_LOG_BYTES = 1 << 20
# A pipeline run's output files, base64 in the finished event's result under
# INLINE_FILES, when the server offers it and they hold this many bytes in
# all at most; larger ones are uploaded.
FEATURE_INLINE_OUTPUTS = "inline-outputs"
INLINE_OUTPUT_BYTES = 1 << 20
INLINE_FILES = "inline_files"

EXECUTION_EVENTS = ("accepted", "running", "metrics", "log", "finished")
FINAL_STATUSES = ("succeeded", "failed", "cancelled")

RETRYABLE_CLOSE = 4000
SERVER_GOING_AWAY = 4001
HEARTBEAT_MISSED = 4002
REVOKED = 4100
SUPERSEDED = 4101
UNSUPPORTED_VERSION = 4102
BAD_HELLO = 4103

CLOSE_CODES = {
    RETRYABLE_CLOSE: "retryable",
    SERVER_GOING_AWAY: "server is going away",
    HEARTBEAT_MISSED: "heartbeats missed",
    REVOKED: "engine revoked",
    SUPERSEDED: "another connection with the same credentials took over",
    UNSUPPORTED_VERSION: "protocol version not supported",
    BAD_HELLO: "the first message was not a valid hello",
}

DEFAULT_TIMEOUT = 10.0


def is_terminal(close_code: int | None) -> bool:
    """Say whether a close code tells the engine never to dial again."""
    return close_code is not None and 4100 <= close_code < 4200


class ProtocolError(Exception):
    """A message that does not follow the protocol."""


class RequestFailed(Exception):
    """The peer answered a request with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PeerGone(ConnectionError):
    """The connection closed before a reply came."""


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    type: str
    body: dict[str, Any]
    re: str | None = None


def encode(message: Message) -> str:
    envelope: dict[str, Any] = {"id": message.id, "type": message.type}
    if message.re is not None:
        envelope["re"] = message.re
    envelope["body"] = message.body
    return orjson.dumps(envelope).decode()


def decode(text: str | bytes) -> Message:
    """Parse one frame; raise ProtocolError if it is not an envelope."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("a message must be a JSON object")
    kind, ident, body = raw.get("type"), raw.get("id"), raw.get("body", {})
    re = raw.get("re")
    if not isinstance(kind, str) or not isinstance(ident, str):
        raise ProtocolError("a message needs a string id and type")
    if not isinstance(body, dict) or not (re is None or isinstance(re, str)):
        raise ProtocolError("body must be an object and re a string")
    return Message(ident, kind, body, re)


def hello_body(
    version: str,
    capabilities: list[str],
    capacity: int,
    executions: list[dict[str, Any]],
    name: str = "",
) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "version": version,
        "capabilities": capabilities,
        "capacity": capacity,
        "executions": executions,
        "name": name,
    }


Send = Callable[[str], Awaitable[None]]


class Peer:
    """Requests with ids, replies matched by correlation, and time-outs."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._prefix = secrets.token_hex(3)
        self._counter = itertools.count(1)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.closed = False

    def next_id(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"

    async def notify(self, kind: str, body: dict[str, Any] | None = None) -> None:
        if self.closed:
            raise PeerGone("the connection is closed")
        await self._send(encode(Message(self.next_id(), kind, body or {})))

    async def request(
        self,
        kind: str,
        body: dict[str, Any],
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Send a request and wait for its reply; raise TimeoutError if none."""
        if self.closed:
            raise PeerGone("the connection is closed")
        ident = self.next_id()
        future: asyncio.Future[dict[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[ident] = future
        try:
            await self._send(encode(Message(ident, kind, body)))
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(ident, None)

    async def reply(self, to: Message, body: dict[str, Any] | None = None) -> None:
        await self._send(encode(Message(self.next_id(), REPLY, body or {}, to.id)))

    async def error(self, to: Message, code: str, message: str) -> None:
        body = {"code": code, "message": message}
        await self._send(encode(Message(self.next_id(), ERROR, body, to.id)))

    def resolve(self, message: Message) -> bool:
        """Hand a reply or error to the request waiting for it; say if one was."""
        if message.type not in (REPLY, ERROR) or message.re is None:
            return False
        future = self._pending.get(message.re)
        if future is None or future.done():
            return True
        if message.type == REPLY:
            future.set_result(message.body)
        else:
            code = str(message.body.get("code", "error"))
            future.set_exception(RequestFailed(code, str(message.body.get("message"))))
        return True

    def close(self) -> None:
        """Fail every waiting request: the connection is gone."""
        self.closed = True
        for future in self._pending.values():
            if not future.done():
                future.set_exception(PeerGone("the connection closed"))
        self._pending.clear()
