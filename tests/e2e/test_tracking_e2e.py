"""Client-side caching through redis-py 8's own cache (``cache_config``), RESP3.

redis-py turns CLIENT TRACKING on for each pooled connection, keeps GET replies locally, and
drops an entry when godis pushes ``invalidate`` for its key: a write from another connection
must stop the cache from serving the old value.

redis-py refuses to cache against servers older than 7.4 (a product policy: the tracking
protocol it uses is Redis 6's, which 7.0 has whole), so the tests lower that gate to 7.0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from redis.cache import CacheConfig
from redis.connection import CacheProxyConnection

from tests.support.redispy import execute_command, pubsub
from tests.support.server_thread import ServerThread


def _get_calls(client: redis.Redis) -> int:
    stats = client.info("commandstats")
    entry = stats.get("cmdstat_get", {"calls": 0})
    return int(entry["calls"])


@pytest.fixture
def cached(fresh_server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    monkeypatch.setattr(CacheProxyConnection, "MIN_ALLOWED_VERSION", "7.0.0")
    client = redis.Redis(port=fresh_server.port, protocol=3, cache_config=CacheConfig(),
                         decode_responses=True)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def other(fresh_server: ServerThread) -> Iterator[redis.Redis]:
    client = redis.Redis(port=fresh_server.port, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


def test_write_from_another_connection_invalidates(cached: redis.Redis,
                                                   other: redis.Redis) -> None:
    other.set("k", "v1")
    assert cached.get("k") == "v1"
    calls = _get_calls(other)
    assert cached.get("k") == "v1"  # served by the local cache
    assert _get_calls(other) == calls
    cache = cached.get_cache()
    assert cache is not None
    assert cache.size == 1
    other.set("k", "v2")
    assert cached.get("k") == "v2"  # the push dropped the stale entry
    assert _get_calls(other) == calls + 1


def test_delete_expire_and_flush_invalidate(cached: redis.Redis, other: redis.Redis) -> None:
    other.mset({"a": "1", "b": "2", "c": "3"})
    assert [cached.get(key) for key in "abc"] == ["1", "2", "3"]
    other.delete("a")
    assert cached.get("a") is None
    other.pexpire("b", 1)
    execute_command(other, "DEBUG", "SLEEP", "0.01")
    assert other.get("b") is None  # expired lazily here: the cache is told too
    assert cached.get("b") is None
    other.flushall()
    assert cached.get("c") is None
    other.set("c", "4")
    assert cached.get("c") == "4"


def test_script_write_invalidates(cached: redis.Redis, other: redis.Redis) -> None:
    other.set("s", "old")
    assert cached.get("s") == "old"
    other.eval("redis.call('SET', KEYS[1], ARGV[1])", 1, "s", "new")
    assert cached.get("s") == "new"


def test_own_write_invalidates(cached: redis.Redis) -> None:
    cached.set("mine", "1")
    assert cached.get("mine") == "1"
    cached.set("mine", "2")
    assert cached.get("mine") == "2"
    cached.incr("mine")
    assert cached.get("mine") == "3"


def test_resp2_redirect_to_a_pubsub_connection(fresh_server: ServerThread,
                                               other: redis.Redis) -> None:
    """RESP2's way: invalidations as messages on __redis__:invalidate to a subscriber."""
    tracker = redis.Redis(port=fresh_server.port, protocol=2, decode_responses=True,
                          single_connection_client=True)
    listener = redis.Redis(port=fresh_server.port, protocol=2, decode_responses=True)
    subscriber = pubsub(listener)
    try:
        subscriber.subscribe("__redis__:invalidate")
        assert subscriber.get_message(timeout=5)["type"] == "subscribe"
        ids = [int(c["id"]) for c in other.client_list() if c.get("sub") == "1"]
        assert len(ids) == 1
        tracker.client_tracking_on(clientid=ids[0], bcast=True, prefix=["user:"])
        assert tracker.client_getredir() == ids[0]
        other.mset({"user:1": "a", "job:1": "b"})
        message = subscriber.get_message(timeout=5)
        assert message is not None
        assert message["channel"] == "__redis__:invalidate"
        assert message["data"] == ["user:1"]
        other.flushall()
        message = subscriber.get_message(timeout=5)
        assert message is not None
        assert message["data"] is None  # a flush: every key
    finally:
        subscriber.close()
        listener.close()
        tracker.close()
