"""The size model's building blocks and the running total's bookkeeping.

The invariant: after any command, ``Keyspace.dataset_bytes`` equals the sum of every live key
re-measured from scratch, so no write path leaks or forgets bytes.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings, strategies as st

from godis.keyspace.memory import (
    accounted_size,
    dict_slots,
    human_bytes,
    jemalloc_size,
    lp_entry_size,
    sds_size,
)
from godis.keyspace.values import SELF_CHARGED
from tests.support.differential import GodisDirect


def test_jemalloc_size_classes() -> None:
    classes = [8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
               640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120,
               6144, 7168, 8192, 10240, 12288, 14336, 16384, 20480]
    previous = 0
    for size_class in classes:
        for request in (previous + 1, size_class):
            assert jemalloc_size(request) == size_class, request
        previous = size_class
    assert jemalloc_size(1) == 8
    assert jemalloc_size(1 << 20) == 1 << 20
    assert jemalloc_size((1 << 20) + 1) == (1 << 20) + (1 << 18)


def test_sds_and_listpack_sizes() -> None:
    assert sds_size(0) == 8  # sdshdr8 + NUL
    assert sds_size(5) == 8  # sdshdr5: 1 + 5 + 1
    assert sds_size(31) == 48
    assert sds_size(32) == 48  # sdshdr8: 3 + 32 + 1
    assert lp_entry_size(b"127") == 2
    assert lp_entry_size(b"128") == 3
    assert lp_entry_size(b"-9223372036854775808") == 10
    assert lp_entry_size(b"01") == 4  # not canonical: a string
    assert lp_entry_size(b"x" * 63) == 65
    assert lp_entry_size(b"x" * 64) == 67
    assert dict_slots(0) == 4
    assert dict_slots(5) == 8
    assert dict_slots(1024) == 1024
    assert human_bytes(1023) == "1023B"
    assert human_bytes(1024) == "1.00K"
    assert human_bytes(3 * 1024 * 1024) == "3.00M"


def _check_total(godis: GodisDirect, context: object) -> None:
    """No leak: the total is the sum of the charges, one per live key, each close to a fresh
    measurement (containers are re-sampled only as their length drifts by 1/4); ``sizes``
    records every key but those holding ``bytes`` (charged by their own size) or a hash, set or
    sorted set (which carry their record)."""
    keyspace = godis.server.keyspace
    recorded = 0
    for db in keyspace.databases:
        assert set(db.sizes) == {k for k, v in db.data.items()
                                 if type(v) is not bytes and type(v) not in SELF_CHARGED}, context
        for key, value in db.data.items():
            fresh = accounted_size(key, value, keyspace.list_fill)
            assert abs(db.charge(key) - fresh) <= 0.3 * fresh, (context, key)
            recorded += db.charge(key)
    assert keyspace.dataset_bytes == recorded, context


SCRIPT: list[tuple[str | int, ...]] = [
    ("SET", "s", "hello"), ("APPEND", "s", "x" * 100), ("SETRANGE", "s", 500, "y"),
    ("INCR", "n"), ("INCRBYFLOAT", "n", "1.5"), ("MSET", "a", "1", "b", "x" * 50),
    ("HSET", "h", "f", "v"), ("HSET", "h", "g", "x" * 100), ("HDEL", "h", "f"),
    ("HINCRBY", "h", "c", 5),
    ("RPUSH", "l", *range(200)), ("LPOP", "l", 50), ("LTRIM", "l", 0, 10), ("LSET", "l", 0, "z"),
    ("SADD", "st", *range(10)), ("SADD", "st", "word"), ("SPOP", "st", 3), ("SREM", "st", 4),
    ("ZADD", "z", 1, "a", 2, "b"), ("ZINCRBY", "z", 5, "a"), ("ZPOPMIN", "z"),
    ("SUNIONSTORE", "dest", "st", "st"), ("SORT", "l", "ALPHA", "STORE", "sorted"),
    ("RENAME", "h", "h2"), ("COPY", "h2", "h3"), ("COPY", "h2", "h3", "DB", 2),
    ("MOVE", "sorted", 3), ("SWAPDB", 0, 3), ("SWAPDB", 0, 3),
    ("LMOVE", "l", "l2", "LEFT", "RIGHT"), ("RPOPLPUSH", "l2", "l3"),
    ("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return 1", 1, "scripted", "value"),
    ("EXPIRE", "dest", 100), ("PERSIST", "dest"), ("GETDEL", "a"), ("UNLINK", "b"),
    ("DEL", "h3"), ("SELECT", 2), ("FLUSHDB",), ("SELECT", 0),
    ("ZADD", "big", *[x for i in range(300) for x in (i, f"member{i}")]),
    ("ZREMRANGEBYRANK", "big", 0, 100), ("HSET", "bigh", *[f"f{i}" for i in range(2000)]),
    ("SET", "ttl", "v", "PX", 1),
]


def test_running_total_matches_a_recount() -> None:
    godis = GodisDirect()
    for command in SCRIPT:
        godis.call(*command)
        _check_total(godis, command)
    dumped = godis.call("DUMP", "bigh")
    assert dumped.startswith(b"$")
    time.sleep(0.01)
    godis.call("GET", "ttl")  # expired lazily
    _check_total(godis, "expired")
    godis.call("FLUSHALL")
    assert godis.server.keyspace.dataset_bytes == 0


@pytest.mark.parametrize("policy", ["allkeys-lfu", "allkeys-lru"])
def test_object_freq_and_idletime_by_policy(policy: str) -> None:
    godis = GodisDirect()
    godis.call("CONFIG", "SET", "maxmemory-policy", policy)
    godis.call("SET", "k", "v")
    freq = godis.call("OBJECT", "FREQ", "k")
    idle = godis.call("OBJECT", "IDLETIME", "k")
    if policy.endswith("lfu"):
        assert freq == b":5\r\n"
        assert idle.startswith(b"-ERR An LFU maxmemory policy is selected")
    else:
        assert freq.startswith(b"-ERR An LFU maxmemory policy is not selected")
        assert idle == b":0\r\n"


_KEYS = st.sampled_from(["a", "b", "c", "d"])
_VALUES = st.one_of(st.integers(-300, 300).map(str), st.text("xyz", max_size=80))
_COMMANDS = st.one_of(
    st.tuples(st.just("SET"), _KEYS, _VALUES),
    st.tuples(st.just("APPEND"), _KEYS, _VALUES),
    st.tuples(st.just("SETRANGE"), _KEYS, st.integers(0, 200).map(str), _VALUES),
    st.tuples(st.just("INCR"), _KEYS),
    st.tuples(st.just("DEL"), _KEYS),
    st.tuples(st.just("HSET"), _KEYS, _VALUES, _VALUES),
    st.tuples(st.just("HDEL"), _KEYS, _VALUES),
    st.tuples(st.just("RPUSH"), _KEYS, _VALUES, _VALUES, _VALUES),
    st.tuples(st.just("LPOP"), _KEYS),
    st.tuples(st.just("SADD"), _KEYS, _VALUES, _VALUES),
    st.tuples(st.just("SPOP"), _KEYS),
    st.tuples(st.just("ZADD"), _KEYS, st.integers(-5, 5).map(str), _VALUES),
    st.tuples(st.just("ZPOPMAX"), _KEYS),
    st.tuples(st.just("RENAME"), _KEYS, _KEYS),
    st.tuples(st.just("COPY"), _KEYS, _KEYS, st.just("REPLACE")),
    st.tuples(st.just("MOVE"), _KEYS, st.just("1")),
    st.tuples(st.just("SWAPDB"), st.just("0"), st.just("1")),
    st.tuples(st.just("SUNIONSTORE"), _KEYS, _KEYS, _KEYS),
    st.tuples(st.just("LMOVE"), _KEYS, _KEYS, st.just("LEFT"), st.just("RIGHT")),
    st.tuples(st.just("FLUSHDB")),
)


@settings(max_examples=60)
@given(st.lists(_COMMANDS, max_size=40))
def test_running_total_never_leaks(commands: list[tuple[str, ...]]) -> None:
    """Any sequence of writes (errors included) leaves one recorded size per live key."""
    godis = GodisDirect()
    for command in commands:
        godis.call(*command)
        _check_total(godis, command)
