"""The protocol's envelope and correlation, sealing, backoff and cron."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tcloud.engine import protocol as p
from tcloud.engine import sealing
from tcloud.engine.client import BACKOFF_CAP, backoff
from tcloud.engines.cron import Cron, CronError


class Wire:
    """Two peers whose sends land in each other's queue."""

    def __init__(self) -> None:
        self.sent: asyncio.Queue[str] = asyncio.Queue()

    async def send(self, text: str) -> None:
        await self.sent.put(text)


async def test_a_reply_resolves_the_request_it_names() -> None:
    wire = Wire()
    peer = p.Peer(wire.send)
    pending = asyncio.create_task(peer.request(p.STATUS, {"x": 1}, timeout=5))
    request = p.decode(await wire.sent.get())

    other = p.Peer(Wire().send)
    reply = p.Message(other.next_id(), p.REPLY, {"running": []}, request.id)
    assert peer.resolve(reply)

    assert await pending == {"running": []}
    assert request.type == p.STATUS and request.body == {"x": 1}


async def test_an_error_reply_raises_and_silence_times_out() -> None:
    wire = Wire()
    peer = p.Peer(wire.send)
    failing = asyncio.create_task(peer.request(p.RUN, {}, timeout=5))
    request = p.decode(await wire.sent.get())
    peer.resolve(
        p.Message("x-1", p.ERROR, {"code": "busy", "message": "no"}, request.id)
    )

    with pytest.raises(p.RequestFailed, match="busy: no"):
        await failing
    with pytest.raises(TimeoutError):
        await peer.request(p.RUN, {}, timeout=0.05)


async def test_closing_fails_every_waiting_request() -> None:
    peer = p.Peer(Wire().send)
    waiting = asyncio.create_task(peer.request(p.RUN, {}, timeout=5))
    await asyncio.sleep(0)

    peer.close()

    with pytest.raises(p.PeerGone):
        await waiting
    with pytest.raises(p.PeerGone):
        await peer.notify(p.PING)


@pytest.mark.parametrize("frame", ["not json", "[1]", '{"id": 1, "type": "x"}',
                                   '{"id": "a", "type": "x", "body": []}'])  # fmt: skip
def test_frames_that_are_not_envelopes_are_refused(frame: str) -> None:
    with pytest.raises(p.ProtocolError):
        p.decode(frame)


def test_close_codes_say_whether_to_retry() -> None:
    assert not p.is_terminal(p.HEARTBEAT_MISSED)
    assert not p.is_terminal(p.SERVER_GOING_AWAY)
    assert not p.is_terminal(1006)
    assert all(
        p.is_terminal(c) for c in (p.REVOKED, p.SUPERSEDED, p.UNSUPPORTED_VERSION)
    )


def test_a_sealed_secret_opens_only_on_its_engine() -> None:
    private = sealing.new_private_key()
    sealed = sealing.seal(sealing.public_key_of(private), "eng_a", b"pw")

    assert sealing.open_sealed(private, "eng_a", sealed) == b"pw"
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(private, "eng_b", sealed)
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(sealing.new_private_key(), "eng_a", sealed)
    assert sealed != sealing.seal(sealing.public_key_of(private), "eng_a", b"pw")


def test_backoff_grows_with_jitter_under_a_cap() -> None:
    waits = [[backoff(n) for _ in range(200)] for n in range(12)]

    assert max(waits[0]) <= 0.5 and max(waits[3]) <= 4.0
    assert max(max(w) for w in waits) <= BACKOFF_CAP
    assert len({round(x, 3) for x in waits[5]}) > 100


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/15 * * * *", "2026-01-01T10:07:30", "2026-01-01T10:15:00"),
        ("0 3 * * *", "2026-01-01T03:00:00", "2026-01-02T03:00:00"),
        ("30 2 1 * *", "2026-01-15T00:00:00", "2026-02-01T02:30:00"),
        ("0 9 * * 1-5", "2026-01-03T12:00:00", "2026-01-05T09:00:00"),
        ("0 0 * * 7", "2026-01-01T00:00:00", "2026-01-04T00:00:00"),
    ],
)
def test_cron_finds_the_next_minute(expression: str, after: str, expected: str) -> None:
    assert Cron(expression).next_after(_at(after)) == _at(expected)


@pytest.mark.parametrize(
    "expression", ["* * * *", "60 * * * *", "a * * * *", "*/0 * * * *"]
)
def test_cron_refuses_what_it_cannot_read(expression: str) -> None:
    with pytest.raises(CronError):
        Cron(expression)
