"""The in-process broker: topics, wildcards, slow subscribers."""

from __future__ import annotations

import asyncio

import pytest

from tcloud.platform.broker import QUEUE_SIZE, Broker


@pytest.fixture
def broker() -> Broker:
    return Broker()


async def test_a_subscriber_gets_what_is_published_on_its_topic(broker):
    async with broker.subscribe("engine.hello") as sub:
        delivered = broker.publish("engine.hello", {"engine": "e1"})

        message = await sub.get(timeout=1)

    assert delivered == 1
    assert (message.topic, message.payload) == ("engine.hello", {"engine": "e1"})


async def test_other_topics_do_not_reach_a_subscriber(broker):
    async with broker.subscribe("engine.hello") as sub:
        assert broker.publish("engine.bye", {}) == 0
        assert broker.publish("engine.hello.more", {}) == 0

        assert sub.queue.empty()


async def test_a_wildcard_gets_every_topic_under_its_prefix(broker):
    async with broker.subscribe("engine.*") as sub:
        for topic in ["engine.hello", "engine.run.finished", "engines.x", "engine"]:
            broker.publish(topic, {"topic": topic})

        got = [sub.queue.get_nowait().topic for _ in range(sub.queue.qsize())]

    assert got == ["engine.hello", "engine.run.finished"]


async def test_every_matching_subscriber_gets_its_own_copy(broker):
    async with broker.subscribe("a.*") as one, broker.subscribe("a.b") as two:
        assert broker.publish("a.b", {"n": 1}) == 2

        assert (await one.get(timeout=1)).payload == {"n": 1}
        assert (await two.get(timeout=1)).payload == {"n": 1}


async def test_messages_arrive_in_order_by_iteration(broker):
    async with broker.subscribe("t") as sub:
        for n in range(5):
            broker.publish("t", {"n": n})

        got = []
        async for message in sub:
            got.append(message.payload["n"])
            if len(got) == 5:
                break

    assert got == [0, 1, 2, 3, 4]


async def test_a_slow_subscriber_loses_the_oldest_and_counts_them(broker):
    async with broker.subscribe("t") as slow, broker.subscribe("t") as fast:
        seen = []
        for n in range(QUEUE_SIZE + 25):
            broker.publish("t", {"n": n})
            seen.append(fast.queue.get_nowait().payload["n"])

        first = (await slow.get(timeout=1)).payload["n"]

    assert slow.dropped == 25
    assert fast.dropped == 0
    assert broker.dropped == 25
    assert first == 25
    assert slow.queue.qsize() == QUEUE_SIZE - 1
    assert seen == list(range(QUEUE_SIZE + 25))


async def test_a_slow_subscriber_never_blocks_the_publisher(broker):
    async with broker.subscribe("t", queue_size=2) as sub:
        for n in range(10_000):
            broker.publish("t", {"n": n})

        assert sub.dropped == 9_998
        assert [(await sub.get(timeout=1)).payload["n"] for _ in range(2)] == [
            9_998,
            9_999,
        ]


async def test_leaving_the_block_unsubscribes(broker):
    async with broker.subscribe("t"):
        assert broker.subscriber_count == 1

    assert broker.subscriber_count == 0
    assert broker.publish("t", {}) == 0


async def test_get_times_out_when_nothing_comes(broker):
    async with broker.subscribe("t") as sub:
        with pytest.raises(asyncio.TimeoutError):
            await sub.get(timeout=0.01)


async def test_close_drops_every_subscription(broker):
    async with broker.subscribe("t"):
        await broker.close()

        assert broker.closed
        assert broker.publish("t", {}) == 0
