"""redis-py's asyncio client (asyncio.run in the test thread; godis in its server thread)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from tests.support import redispy
from tests.support.server_thread import ServerThread


@pytest.mark.parametrize("protocol", [2, 3])
def test_asyncio_client(fresh_server: ServerThread, protocol: int) -> None:
    async def main() -> None:
        r = aioredis.Redis(port=fresh_server.port, protocol=protocol, decode_responses=True)
        assert await r.ping() is True
        assert await r.set("k", "v", ex=100) is True
        assert await r.get("k") == "v"
        await r.hset("h", mapping={"a": "1", "b": "2"})
        assert await r.hgetall("h") == {"a": "1", "b": "2"}
        async with r.pipeline(transaction=True) as pipe:
            pipe.incr("n")
            pipe.incr("n")
            pipe.rpush("l", "x")
            assert await pipe.execute() == [1, 2, 1]
        pubsub = r.pubsub()
        await pubsub.subscribe("news")
        assert await r.publish("news", "hello") == 1
        messages = []
        for _ in range(20):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is not None:
                messages.append(message["data"])
                break
        assert messages == ["hello"]
        await redispy.aclose(pubsub)
        results = await asyncio.gather(*(r.incr("counter") for _ in range(100)))
        assert sorted(results) == list(range(1, 101))
        await r.aclose()

    asyncio.run(main())
