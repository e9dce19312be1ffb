"""Typed doors to the few redis-py methods that carry no annotations.

redis-py 8 annotates its command methods but not ``execute_command``, ``pubsub``, ``monitor``,
``Pipeline.watch``, ``PubSub.unsubscribe``/``punsubscribe`` or the asyncio ``PubSub.aclose``, so
``mypy --strict`` refuses to call them from typed tests. Each wrapper calls the method unchanged and states what it returns; replies
of arbitrary commands stay ``Any``, as redis-py's own result callbacks make them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio.client
import redis.client
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.typing import EncodableT, KeyT


def execute_command(client: redis.Redis, *args: EncodableT, **options: Any) -> Any:
    """``client.execute_command(*args, **options)``: the parsed reply (queued on a pipeline)."""
    method: Callable[..., Any] = client.execute_command
    return method(*args, **options)


def pubsub(client: redis.Redis, **options: Any) -> redis.client.PubSub:
    """``client.pubsub(**options)`` (e.g. ``ignore_subscribe_messages=True``)."""
    method: Callable[..., redis.client.PubSub] = client.pubsub
    return method(**options)


def unsubscribe(pubsub: redis.client.PubSub, *channels: KeyT) -> None:
    """``pubsub.unsubscribe(*channels)`` (all channels when none are given)."""
    method: Callable[..., object] = pubsub.unsubscribe
    method(*channels)


def punsubscribe(pubsub: redis.client.PubSub, *patterns: KeyT) -> None:
    """``pubsub.punsubscribe(*patterns)`` (all patterns when none are given)."""
    method: Callable[..., object] = pubsub.punsubscribe
    method(*patterns)


def monitor(client: redis.Redis) -> redis.client.Monitor:
    """``client.monitor()``: a MONITOR connection, to use as a context manager."""
    method: Callable[[], redis.client.Monitor] = client.monitor
    return method()


def watch(pipe: redis.client.Pipeline, *names: KeyT) -> Any:
    """``pipe.watch(*names)``: WATCH on the pipeline's connection (immediate mode)."""
    method: Callable[..., Any] = pipe.watch
    return method(*names)


async def aclose(pubsub: redis.asyncio.client.PubSub) -> None:
    """``await pubsub.aclose()`` for the asyncio client's PubSub."""
    method: Callable[[], Awaitable[None]] = pubsub.aclose
    await method()


def no_retry() -> Retry:
    """What redis-py makes of ``retry=None`` (typed ``Retry`` only): fail on the first error."""
    return Retry(NoBackoff(), 0)


def wait_for_background(client: redis.Redis, timeout: float = 30.0) -> dict[str, Any]:
    """Poll INFO persistence until no BGSAVE / BGREWRITEAOF child runs or is scheduled; the
    last INFO. Fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        info: dict[str, Any] = client.info("persistence")
        if not (info["rdb_bgsave_in_progress"] or info["aof_rewrite_in_progress"]
                or info["aof_rewrite_scheduled"]):
            return info
        assert time.monotonic() < deadline, f"background work still running: {info}"
        time.sleep(0.01)
