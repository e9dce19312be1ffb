"""maxmemory end to end with redis-py: a small cache evicts, noeviction refuses writes with
-OOM, evictions reach keyspace subscribers and the AOF, and a hit rate is measured."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
import redis

from tests.support import redispy
from tests.support.server_thread import ServerThread

VALUE = "x" * 200


def _fill(r: redis.Redis, count: int) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(count):
        pipe.set(f"key:{i}", VALUE)
        if i % 100 == 99:
            pipe.execute()
    pipe.execute()


def test_allkeys_lru_cache_stays_under_maxmemory(r: redis.Redis) -> None:
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory", "2mb")
    _fill(r, 20_000)
    memory = r.info("memory")
    assert memory["maxmemory"] == 2 * 1024 * 1024
    assert memory["maxmemory_policy"] == "allkeys-lru"
    assert memory["used_memory"] <= 2 * 1024 * 1024 + 4096
    stats = r.info("stats")
    keys = r.dbsize()
    assert stats["evicted_keys"] > 10_000
    assert keys + stats["evicted_keys"] == 20_000
    assert r.get("key:19999") == VALUE  # the newest keys survive
    assert r.memory_usage("key:19999") == 280  # as Redis 7.0 reports it


def test_noeviction_refuses_writes(r: redis.Redis) -> None:
    _fill(r, 2000)
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", str(used - 1000))
    with pytest.raises(redis.exceptions.OutOfMemoryError,
                       match="command not allowed when used memory > 'maxmemory'"):
        r.set("new", "value")
    assert r.get("key:1") == VALUE  # reads still work
    assert r.delete("key:1", "key:2", "key:3", "key:4", "key:5", "key:6", "key:7") == 7
    assert r.set("new", "value")  # room again
    assert r.info("stats")["evicted_keys"] == 0


def test_evicted_notifications_and_aof(fresh_server: ServerThread, r: redis.Redis,
                                       tmp_path: Path) -> None:
    r.config_set("notify-keyspace-events", "Ee")
    subscriber = redis.Redis(port=fresh_server.port, decode_responses=True)
    pubsub = redispy.pubsub(subscriber)
    pubsub.psubscribe("__keyevent@0__:evicted")
    confirmation = pubsub.get_message(timeout=1)
    assert confirmation is not None
    assert confirmation["type"] == "psubscribe"
    _fill(r, 200)
    r.config_set("maxmemory-policy", "volatile-ttl")
    for i in range(20):
        r.expire(f"key:{i}", 1000 + i)
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", str(used - 2000))
    r.set("trigger", "x")
    evicted: list[str] = []
    deadline = time.monotonic() + 5
    while len(evicted) < 5 and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.5)
        if message and message["type"] == "pmessage":
            evicted.append(message["data"])
    assert len(evicted) >= 5
    assert all(int(key.split(":")[1]) < 20 for key in evicted)  # only keys with a TTL
    r.config_set("maxmemory", "0")
    aof = b"".join(p.read_bytes() for p in tmp_path.rglob("*.aof*") if p.is_file())
    for key in evicted:
        assert b"$3\r\nDEL\r\n$%d\r\n%s\r\n" % (len(key), key.encode()) in aof
    pubsub.close()
    subscriber.close()


def test_lfu_counters_through_redis_py(r: redis.Redis) -> None:
    assert r.object("freq", "missing") is None
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.set("hot", "v")
    for _ in range(100):
        r.get("hot")
    assert r.object("freq", "hot") > r.object("freq", "k")
    with pytest.raises(redis.ResponseError, match="idle time not tracked"):
        r.object("idletime", "hot")


def test_hit_rate_of_a_zipf_cache(r: redis.Redis) -> None:
    """A small allkeys-lru cache under a skewed workload keeps its hot keys (the benchmark,
    benchmarks/eviction.py, compares the rate with redis-server's)."""
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory", str(r.info("memory")["used_memory"] + 300_000))
    rng = random.Random(7)
    keys = 5000
    weights = [1 / (rank + 1) for rank in range(keys)]
    hits = 0
    requests = 6000
    for key in rng.choices(range(keys), weights, k=requests):
        if r.get(f"k{key}") is None:
            r.set(f"k{key}", VALUE)
        else:
            hits += 1
    assert r.info("stats")["evicted_keys"] > 0
    assert hits / requests > 0.45  # about 1000 of 5000 keys fit; random eviction gets ~0.4


def test_memory_commands_through_redis_py(client: redis.Redis) -> None:
    client.set("k", "v" * 100)
    client.hset("h", mapping={"a": "1", "b": "2"})
    assert client.memory_usage("k") == 160  # as redis-server 7.0.15
    assert client.memory_usage("h", samples=0) == 80
    assert client.memory_usage("missing") is None
    stats = client.memory_stats()
    assert stats["keys.count"] == 2
    assert stats["startup.allocated"] == 876160
    assert "db.0" in stats
    assert float(stats["dataset.percentage"]) > 0
    assert "Hi Sam" in str(redispy.execute_command(client, "MEMORY", "DOCTOR"))
    assert client.memory_purge()
    info = client.info("memory")
    assert info["used_memory"] > 876160
    assert info["used_memory_rss"] > 0
    assert float(str(info["mem_fragmentation_ratio"])) > 1
