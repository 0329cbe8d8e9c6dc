"""The in-process broker: topics, publish, subscribe.

A subscriber gets its own bounded queue; a subscriber that falls behind
loses the oldest messages rather than slowing the publisher, and the loss is
counted. Topics are dotted names; a subscription to `engine.*` gets every
topic that starts with `engine.`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tcloud import log


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: dict[str, Any]


QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscription:
    pattern: str
    queue: asyncio.Queue[Message] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    dropped: int = 0

    def matches(self, topic: str) -> bool:
        if self.pattern.endswith("*"):
            return topic.startswith(self.pattern[:-1])
        return topic == self.pattern

    async def get(self, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """Return the next message; raise TimeoutError after timeout seconds."""
        return await asyncio.wait_for(self.queue.get(), timeout)

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while True:
            yield await self.queue.get()


class Broker:
    """Topics inside one process; the interface a Kafka or Redis broker shares."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self.closed = False
        self.dropped = 0

    def publish(self, topic: str, payload: dict[str, Any]) -> int:
        """Hand a message to every matching subscriber; return how many."""
        message = Message(topic, payload)
        delivered = 0
        for sub in list(self._subscriptions):
            if not sub.matches(topic):
                continue
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.dropped += 1
                self.dropped += 1
                # Once per thousand, so a stuck subscriber cannot flood the log.
                if sub.dropped % 1000 == 1:
                    log.broker.warning(
                        "messages_dropped topic=%s pattern=%s dropped=%s",
                        topic, sub.pattern, sub.dropped,
                    )  # fmt: skip
            sub.queue.put_nowait(message)
            delivered += 1
        return delivered

    @asynccontextmanager
    async def subscribe(
        self, pattern: str, queue_size: int = QUEUE_SIZE
    ) -> AsyncIterator[Subscription]:
        """Receive the topic's messages (or `prefix.*`) until the block ends."""
        sub = Subscription(pattern, asyncio.Queue(queue_size))
        self._subscriptions.add(sub)
        try:
            yield sub
        finally:
            self._subscriptions.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    async def close(self) -> None:
        self.closed = True
        self._subscriptions.clear()
