"""Generic keyspace commands, differential against redis-server (RESP2 and RESP3).

Time-dependent replies are made deterministic by using absolute expiry times far in the future
(EXPIRETIME / PEXPIRETIME are then exact) or TTLs long enough that the rounded TTL in seconds
cannot move during a test. What only godis can show (propagation, notifications, lazy expiry
with a fake clock, SCAN's guarantee under churn) is tested on godis alone.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from itertools import islice

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from godis.commands import keys as keys_module, lists as lists_module, sort as sort_module
from godis.commands.lists import list_range
from godis.commands.sort import sort_score
from godis.keyspace import keyspace as keyspace_module
from godis.keyspace.evict import KeySampler
from godis.keyspace.memory import key_charge
from godis.keyspace.values import ListValue
from tests.support.differential import Differ, GodisDirect
from tests.support.resp import parse_reply
from tests.support.stateful import DifferentialMachine, run_machine

FAR = 4102444800  # 2100-01-01, in seconds
FAR_MS = FAR * 1000 + 123


def populate(d: Differ) -> None:
    """One key of each type, on both sides."""
    d.check("SET", "str", "hello")
    d.check("SET", "int", "42")
    d.check("RPUSH", "list", "c", "a", "b")
    d.check("SADD", "set", "3", "1", "2")
    d.check("SADD", "hset", "x", "y")
    d.check("ZADD", "zset", "1", "a", "2", "b")
    d.check("HSET", "hash", "f", "v")


class Recorder:
    """Collects what godis propagates to the AOF and the keyspace events it notifies."""

    def __init__(self, godis: GodisDirect) -> None:
        self.propagated: list[tuple[int, list[bytes]]] = []
        self.events: list[tuple[int, str, str, bytes]] = []
        keyspace = godis.server.keyspace
        keyspace.propagate = lambda db, argv: self.propagated.append((db, list(argv)))
        keyspace.notify = lambda db, cls, event, key: self.events.append((db, cls, event, key))

    def clear(self) -> None:
        self.propagated.clear()
        self.events.clear()


class FakeClock:
    def __init__(self, godis: GodisDirect, start: int = 1_700_000_000_000) -> None:
        self.now = start
        godis.server.keyspace.now_ms = lambda: self.now


# -- DEL, UNLINK, EXISTS, TOUCH, TYPE ----------------------------------------------------------


@pytest.mark.parametrize("name", ["DEL", "UNLINK"])
def test_del_and_unlink(differ: Differ, name: str) -> None:
    populate(differ)
    differ.check(name, "str", "missing", "list", "str")
    differ.check("EXISTS", "str", "list", "set")
    differ.check(name, "missing")
    differ.check(name, "set", "zset", "hash", "hset", "int")
    differ.check("DBSIZE")
    differ.check(name)


def test_exists_touch_type(differ: Differ) -> None:
    populate(differ)
    differ.check("EXISTS", "str", "str", "missing", "hash")
    differ.check("TOUCH", "str", "str", "missing", "zset")
    for key in ("str", "int", "list", "set", "zset", "hash", "missing"):
        differ.check("TYPE", key)
    differ.check("EXISTS")
    differ.check("TOUCH")
    differ.check("TYPE")
    differ.check("TYPE", "a", "b")


# -- EXPIRE family, TTL family, PERSIST --------------------------------------------------------


@pytest.mark.parametrize("name", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_errors(differ: Differ, name: str) -> None:
    differ.check("SET", "k", "v")
    differ.check(name, "k")
    differ.check(name, "k", "abc")
    differ.check(name, "missing", "abc")
    differ.check(name, "k", "1.5")
    differ.check(name, "k", "100", "foo")
    differ.check(name, "missing", "100", "foo")
    differ.check(name, "k", "100", "nx", "xx")
    differ.check(name, "k", "100", "NX", "GT")
    differ.check(name, "k", "100", "nx", "lt")
    differ.check(name, "k", "100", "gt", "lt")
    differ.check(name, "k", "100", "xx", "gt", "lt")
    differ.check(name, "k", "100", "nx", "nx", "nx")
    differ.check(name, "k", "9223372036854775807")
    differ.check(name, "k", "-9223372036854775808")
    differ.check(name, "k", "9223372036854775808")
    differ.check(name, "k", "9223372036854775")
    differ.check(name, "missing", "9223372036854775807")
    differ.check("TTL", "k")


@pytest.mark.parametrize("name", ["EXPIRE", "PEXPIRE"])
def test_expire_overflow_edges(differ: Differ, name: str) -> None:
    differ.check("SET", "k", "v")
    differ.check(name, "k", "9223372036854770")
    differ.check(name, "k", "-9223372036854775")
    differ.check(name, "k", "-9223372036854776")
    differ.check("EXISTS", "k")


def test_expireat_and_expiretime(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("EXPIRETIME", "k")
    differ.check("PEXPIRETIME", "k")
    differ.check("EXPIREAT", "k", FAR)
    differ.check("EXPIRETIME", "k")
    differ.check("PEXPIRETIME", "k")
    differ.check("PEXPIREAT", "k", FAR_MS)
    differ.check("EXPIRETIME", "k")  # rounds to the nearest second
    differ.check("PEXPIRETIME", "k")
    differ.check("PEXPIREAT", "k", FAR * 1000 + 500)
    differ.check("EXPIRETIME", "k")
    differ.check("PEXPIREAT", "k", FAR * 1000 + 499)
    differ.check("EXPIRETIME", "k")
    differ.check("EXPIRETIME", "missing")
    differ.check("PEXPIRETIME", "missing")
    differ.check("PEXPIREAT", "k", "9223372036854775807")
    differ.check("PEXPIRETIME", "k")
    differ.check("EXPIRETIME", "k")
    differ.check("EXPIREAT", "k", "9223372036854775")
    differ.check("PEXPIRETIME", "k")
    differ.check("EXPIRETIME", "a", "b")


def test_ttl_and_pttl(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("TTL", "k")
    differ.check("PTTL", "k")
    differ.check("TTL", "missing")
    differ.check("PTTL", "missing")
    differ.check("EXPIRE", "k", "1000")
    differ.check("TTL", "k")
    pttl = parse_reply(differ.godis.call("PTTL", "k"))
    assert isinstance(pttl, int)
    assert 999_000 < pttl <= 1_000_000
    differ.check("PEXPIRE", "k", "5000000")
    differ.check("TTL", "k")
    differ.check("TTL")


@pytest.mark.parametrize("name", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_options(differ: Differ, name: str) -> None:
    absolute = name.endswith("AT")
    ms = name.startswith("P")

    def when(seconds: int) -> int:
        value = FAR + seconds if absolute else 100_000 + seconds
        return value * 1000 if ms else value

    differ.check("SET", "k", "v")
    differ.check(name, "k", when(10), "XX")
    differ.check(name, "k", when(10), "GT")
    differ.check(name, "k", when(10), "LT")
    differ.check("TTL", "k")
    differ.check("SET", "k", "v")
    # Distinct offsets, so that relative times set a few ms apart compare the same way.
    differ.check(name, "k", when(10), "NX")
    differ.check(name, "k", when(20), "NX")
    differ.check(name, "k", when(20), "XX")
    differ.check(name, "k", when(15), "GT")
    differ.check(name, "k", when(30), "GT")
    differ.check(name, "k", when(40), "LT")
    differ.check(name, "k", when(5), "LT")
    differ.check(name, "k", when(3), "lt", "xx")
    differ.check(name, "k", when(6), "gt", "xx")
    differ.check(name, "k", when(8), "Xx", "gT")
    differ.check(name, "missing", when(7), "NX")
    if absolute:
        differ.check("PEXPIRETIME", "k")
    else:
        differ.check("TTL", "k")


@pytest.mark.parametrize("name", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_in_the_past_deletes(differ: Differ, name: str) -> None:
    differ.check("SET", "k", "v")
    differ.check(name, "k", "-1")
    differ.check("EXISTS", "k")
    differ.check("SET", "k", "v")
    differ.check(name, "k", "0")
    differ.check("EXISTS", "k")
    differ.check("RPUSH", "l", "a")
    differ.check(name, "l", "0", "XX")
    differ.check(name, "l", "0", "LT")
    differ.check("EXISTS", "l")
    differ.check(name, "l", "0", "NX")
    differ.check("EXISTS", "l")


def test_persist(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("PERSIST", "k")
    differ.check("PERSIST", "missing")
    differ.check("EXPIRE", "k", "100")
    differ.check("PERSIST", "k")
    differ.check("TTL", "k")
    differ.check("PERSIST", "k")
    differ.check("PERSIST")


def test_set_drops_ttl_and_rename_keeps_it(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("PEXPIREAT", "k", FAR_MS)
    differ.check("RENAME", "k", "k2")
    differ.check("PEXPIRETIME", "k2")
    differ.check("PEXPIRETIME", "k")
    differ.check("SET", "k2", "w")
    differ.check("PEXPIRETIME", "k2")


# -- KEYS, RANDOMKEY ---------------------------------------------------------------------------


def test_keys(differ: Differ) -> None:
    populate(differ)
    for key in ("foo", "fao", "fo", "f[o", "f\\o", "foobar", "*", "?x", "h\x00llo", "HELLO"):
        differ.check("SET", key, "1")
    patterns = ["*", "f*", "f?o", "f[a-o]o", "f[^a]o", "*o", "?", "\\*", "f\\[o", "h*", "H*",
                "[hH]*", "*[", "f[o", "nomatch", "", "f[\\]]o", "*l*l*"]
    for pattern in patterns:
        differ.check_unordered("KEYS", pattern)
    differ.check("KEYS")
    differ.check("KEYS", "a", "b")


def test_keys_empty(differ: Differ) -> None:
    differ.check("KEYS", "*")
    differ.check("RANDOMKEY")


def test_randomkey(differ: Differ) -> None:
    differ.check("RANDOMKEY")
    differ.check("SET", "only", "1")
    differ.check("RANDOMKEY")
    differ.check("RANDOMKEY", "extra")
    for i in range(50):
        differ.godis.call("SET", f"k{i}", "v")
    seen = {parse_reply(differ.godis.call("RANDOMKEY")) for _ in range(400)}
    assert len(seen) > 30  # uniform enough to reach most of 51 keys


def test_randomkey_skips_and_reaps_expired_keys() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    for i in range(300):
        godis.call("SET", f"dead{i}", "v", "PX", 10)
    godis.call("SET", "alive", "v")
    clock.now += 100
    assert godis.call("RANDOMKEY") == b"$5\r\nalive\r\n"
    db = godis.client.db
    assert b"alive" in db.data
    # Every expired key it drew (at least the linear fallback's prefix) was deleted for good.
    assert len(db.data) < 301


def test_randomkey_all_expired_returns_null() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    for i in range(500):
        godis.call("SET", f"dead{i}", "v", "PX", 10)
    clock.now += 100
    assert godis.call("RANDOMKEY") == b"$-1\r\n"
    assert len(godis.client.db.data) == 0
    assert godis.server.keyspace.stats_expired_keys == 500


def test_randomkey_large_keyspace_is_fast() -> None:
    godis = GodisDirect()
    data = godis.client.db.data
    for i in range(200_000):
        data[b"key:%d" % i] = b"v"
    started = time.perf_counter()
    for _ in range(50):
        godis.call("RANDOMKEY")
    assert time.perf_counter() - started < 1.0


def test_randomkey_big_keyspace_draws_from_a_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``_EXACT_RANDOM_KEYS`` a draw never walks the dict (``_key_at`` is not called) and
    the O(N) snapshot is retaken only once a sixteenth of it is stale: 2,000 draws interleaved
    with 2,000 new keys on 20,000 keys cost a bounded number of retakes, not one per call."""
    godis = GodisDirect()
    db = godis.client.db
    for i in range(20_000):
        db.data[b"key:%d" % i] = b"v"

    def walk(data: object, position: int) -> bytes:
        raise AssertionError("a big database must not be walked")

    retakes = 0
    original = KeySampler._retake

    def counting(self: KeySampler, source: dict[bytes, object]) -> None:
        nonlocal retakes
        retakes += 1
        original(self, source)

    monkeypatch.setattr(keys_module, "_key_at", walk)
    monkeypatch.setattr(KeySampler, "_retake", counting)
    seen: set[bytes] = set()
    for i in range(2_000):
        godis.call("SET", f"new:{i}", "v")
        reply = parse_reply(godis.call("RANDOMKEY"))
        assert isinstance(reply, bytes)
        assert reply in db.data
        seen.add(reply)
    assert retakes <= 3
    assert len(seen) > 1_500
    # keys written since the snapshot become reachable once it is retaken
    for i in range(2_000):
        godis.call("DEL", f"key:{i}")
    drawn = [parse_reply(godis.call("RANDOMKEY")) for _ in range(2_000)]
    news = sum(isinstance(key, bytes) and key.startswith(b"new:") for key in drawn)
    assert news > 50


# -- RENAME, RENAMENX, MOVE, COPY --------------------------------------------------------------


def test_rename_and_move_carry_the_measure_with_the_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """RENAME (and MOVE) of a big list does not measure it again (sampling a deque by index
    is O(N)): ``accounted_size`` is made to fail; the running total changes by the key
    names' charge only."""
    godis = GodisDirect()
    for start in range(0, 100_000, 1000):
        godis.call("RPUSH", "l", *range(start, start + 1000))
    keyspace = godis.server.keyspace
    before = keyspace.dataset_bytes

    def measure(key: bytes, value: object, list_fill: int) -> int:
        raise AssertionError("the value was measured again")

    monkeypatch.setattr(keyspace_module, "accounted_size", measure)
    assert godis.call("RENAME", "l", "a-longer-name") == b"+OK\r\n"
    assert godis.call("RENAMENX", "a-longer-name", "l") == b":1\r\n"
    assert godis.call("RENAME", "l", "a-longer-name") == b"+OK\r\n"
    moved = before - key_charge(b"l") + key_charge(b"a-longer-name")
    assert keyspace.dataset_bytes == moved
    assert godis.call("MOVE", "a-longer-name", 3) == b":1\r\n"
    assert keyspace.dataset_bytes == moved
    assert list(keyspace.databases[3].sizes) == [b"a-longer-name"]
    assert godis.client.db.sizes == {}


@pytest.mark.parametrize("name", ["RENAME", "RENAMENX"])
def test_rename(differ: Differ, name: str) -> None:
    populate(differ)
    differ.check(name, "missing", "x")
    differ.check(name, "missing", "missing")
    differ.check(name, "str", "str")
    differ.check(name, "str", "str2")
    differ.check("GET", "str2")
    differ.check("EXISTS", "str")
    differ.check(name, "list", "str2")
    differ.check("TYPE", "str2")
    differ.check(name, "zset", "newz")
    differ.check("ZRANGE", "newz", "0", "-1", "WITHSCORES")
    differ.check("EXPIREAT", "newz", FAR)
    differ.check(name, "newz", "hash")
    differ.check("EXPIRETIME", "hash")
    differ.check("TYPE", "hash")
    differ.check(name, "a")
    differ.check(name, "a", "b", "c")


def test_rename_over_key_with_ttl_drops_that_ttl(differ: Differ) -> None:
    differ.check("SET", "a", "1")
    differ.check("SET", "b", "2")
    differ.check("EXPIREAT", "b", FAR)
    differ.check("RENAME", "a", "b")
    differ.check("TTL", "b")
    differ.check("GET", "b")


def test_move(differ: Differ) -> None:
    populate(differ)
    differ.check("MOVE", "str", "0")
    differ.check("MOVE", "missing", "0")
    differ.check("MOVE", "str", "16")
    differ.check("MOVE", "str", "-1")
    differ.check("MOVE", "str", "abc")
    differ.check("MOVE", "str", "2147483648")
    differ.check("MOVE", "str", "-2147483649")
    differ.check("MOVE", "str", "99999999999")
    differ.check("MOVE", "missing", "1")
    differ.check("EXPIREAT", "str", FAR)
    differ.check("MOVE", "str", "1")
    differ.check("EXISTS", "str")
    differ.check("SELECT", "1")
    differ.check("GET", "str")
    differ.check("EXPIRETIME", "str")
    differ.check("SET", "list", "in-db-1")
    differ.check("SELECT", "0")
    differ.check("MOVE", "list", "1")
    differ.check("TYPE", "list")
    differ.check("MOVE", "list", "15")
    differ.check("SELECT", "15")
    differ.check("LRANGE", "list", "0", "-1")
    differ.check("MOVE", "list")


def test_copy(differ: Differ) -> None:
    populate(differ)
    differ.check("COPY", "str", "str")
    differ.check("COPY", "str", "str", "DB", "0")
    differ.check("COPY", "str", "str", "DB", "1")
    differ.check("COPY", "missing", "x")
    differ.check("COPY", "str", "x", "DB")
    differ.check("COPY", "str", "x", "DB", "16")
    differ.check("COPY", "str", "x", "DB", "abc")
    differ.check("COPY", "str", "x", "DB", "2147483648")
    differ.check("COPY", "str", "x", "foo")
    differ.check("COPY", "str", "x", "REPLACE", "foo")
    differ.check("COPY", "str", "x", "DB", "16", "foo")
    differ.check("COPY", "str", "copy")
    differ.check("GET", "copy")
    differ.check("COPY", "int", "copy")
    differ.check("COPY", "int", "copy", "REPLACE")
    differ.check("OBJECT", "ENCODING", "copy")
    differ.check("EXPIREAT", "list", FAR)
    differ.check("COPY", "list", "copy", "replace")
    differ.check("EXPIRETIME", "copy")
    differ.check("LRANGE", "copy", "0", "-1")
    differ.check("RPUSH", "copy", "z")
    differ.check("LRANGE", "list", "0", "-1")
    differ.check("COPY", "set", "set", "DB", "3")
    differ.check("COPY", "set", "set", "DB", "3")
    differ.check("COPY", "set", "set", "DB", "3", "REPLACE", "db", "3")
    differ.check("SELECT", "3")
    differ.check_unordered("SMEMBERS", "set")
    differ.check("OBJECT", "ENCODING", "set")
    differ.check("SELECT", "0")
    differ.check("COPY", "missing", "set")
    differ.check("COPY", "str")


def test_copy_is_deep_and_keeps_encodings(differ: Differ) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b")
    differ.check("COPY", "z", "z2")
    differ.check("ZADD", "z2", "3", "c")
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    differ.check("ZRANGE", "z2", "0", "-1", "WITHSCORES")
    differ.check("OBJECT", "ENCODING", "z2")
    for i in range(600):  # past every listpack / intset limit
        differ.check("ZADD", "big", i, f"m{i}")
        differ.check("HSET", "bigh", f"f{i}", "v")
        differ.check("SADD", "bigs", f"s{i}")
    differ.check("SADD", "ints", "1", "2", "3")
    for key in ("big", "bigh", "bigs", "ints"):
        differ.check("COPY", key, key + "-copy")
        differ.check("OBJECT", "ENCODING", key + "-copy")
    differ.check("ZCARD", "big-copy")
    differ.check("HSET", "bigh-copy", "new", "1")
    differ.check("HLEN", "bigh")
    differ.check("SADD", "bigs-copy", "new")
    differ.check("SCARD", "bigs")
    differ.check("SET", "s", "abc")
    differ.check("APPEND", "s", "def")
    differ.check("COPY", "s", "s2")
    differ.check("OBJECT", "ENCODING", "s2")
    differ.check("APPEND", "s2", "ghi")
    differ.check("GET", "s")


def test_copy_duplicates_bytearray_strings() -> None:
    godis = GodisDirect()
    db = godis.client.db
    db.data[b"a"] = bytearray(b"abc")
    assert godis.call("COPY", "a", "b") == b":1\r\n"
    assert db.data[b"b"] == db.data[b"a"]
    assert db.data[b"b"] is not db.data[b"a"]


# -- OBJECT --------------------------------------------------------------------------------------


def test_object(differ: Differ) -> None:
    populate(differ)
    differ.check("OBJECT", "HELP")
    differ.check("object", "help")
    differ.check("OBJECT")
    differ.check("OBJECT", "HELP", "x")
    differ.check("OBJECT", "foo")
    differ.check("OBJECT", "foo", "bar")
    differ.check("OBJECT", "ENCODING")
    differ.check("OBJECT", "ENCODING", "a", "b")
    for key in ("str", "int", "list", "set", "hset", "zset", "hash", "missing"):
        differ.check("OBJECT", "ENCODING", key)
        differ.check("OBJECT", "FREQ", key)
    differ.check("OBJECT", "IDLETIME", "missing")
    differ.check("OBJECT", "IDLETIME", "str")
    differ.check("OBJECT", "REFCOUNT", "missing")


def test_object_refcount(differ: Differ) -> None:
    for value in ("0", "1", "9999", "10000", "-1", "01", "abc", "123456789012345678901",
                  "9223372036854775807", " 1"):
        differ.check("SET", "k", value)
        differ.check("OBJECT", "REFCOUNT", "k")
        differ.check("OBJECT", "ENCODING", "k")
    differ.check("RPUSH", "l", "1")
    differ.check("OBJECT", "REFCOUNT", "l")
    differ.check("SET", "k", "5")
    differ.check("APPEND", "k", "5")
    differ.check("OBJECT", "REFCOUNT", "k")
    differ.check("OBJECT", "ENCODING", "k")
    differ.check("INCR", "k")
    differ.check("OBJECT", "REFCOUNT", "k")


def test_idle_seconds_uses_access_times_when_tracked() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    godis.call("SET", "k", "abc")
    clock.now += 5_000
    assert godis.call("OBJECT", "IDLETIME", "k") == b":5\r\n"
    godis.call("GET", "k")  # a read is an access; OBJECT itself is not
    assert godis.call("OBJECT", "IDLETIME", "k") == b":0\r\n"
    clock.now += 3_000
    assert godis.call("OBJECT", "IDLETIME", "k") == b":3\r\n"


# -- SCAN ----------------------------------------------------------------------------------------


def scan_all(d: GodisDirect, *options: str | int) -> list[bytes]:
    cursor = b"0"
    found: list[bytes] = []
    while True:
        reply = parse_reply(d.call("SCAN", cursor, *options))
        assert isinstance(reply, list)
        cursor, keys = reply
        found.extend(keys)
        if cursor == b"0":
            return found


def redis_scan_all(d: Differ, *options: str | int) -> list[bytes]:
    cursor = b"0"
    found: list[bytes] = []
    while True:
        reply = parse_reply(d.redis.call("SCAN", cursor, *options))
        assert isinstance(reply, list)
        cursor, keys = reply
        found.extend(keys)
        if cursor == b"0":
            return found


def test_scan_errors(differ: Differ) -> None:
    differ.check("SCAN")
    differ.check("SCAN", "abc")
    differ.check("SCAN", "18446744073709551616")
    differ.check("SCAN", " 1")
    differ.check("SCAN", "1 ")
    differ.check("SCAN", "0x10")
    differ.check("SCAN", "-")
    differ.check("SCAN", "0", "COUNT")
    differ.check("SCAN", "0", "COUNT", "0")
    differ.check("SCAN", "0", "COUNT", "-1")
    differ.check("SCAN", "0", "COUNT", "abc")
    differ.check("SCAN", "0", "MATCH")
    differ.check("SCAN", "0", "TYPE")
    differ.check("SCAN", "0", "foo", "bar")
    differ.check("SCAN", "0", "COUNT", "10", "MATCH")
    differ.check("SCAN", "0")
    differ.check("SCAN", "18446744073709551615")


def test_scan_cursor_is_read_like_strtoul(differ: Differ) -> None:
    """Redis 7.0 parses the cursor with strtoul: signs, leading zeros, wrap-around, NUL."""
    differ.check("SET", "k", "v")
    for cursor in ("+0", "", "-0", "0\x00junk", "000"):  # all read as 0
        differ.check("SCAN", cursor)
    for cursor in ("-1", "01", "-18446744073709551615"):  # valid; what they return differs
        mine, theirs = differ.both("SCAN", cursor)
        assert mine[:1] == theirs[:1] != b"-"
    differ.check("SCAN", "-18446744073709551616")


def test_scan_matches_redis_as_sets(differ: Differ) -> None:
    populate(differ)
    for i in range(120):
        differ.check("SET", f"key:{i}", i)
    for options in ([], ["COUNT", 7], ["MATCH", "key:1*"], ["MATCH", "key:1*", "COUNT", 1000],
                    ["TYPE", "string"], ["TYPE", "LIST"], ["TYPE", "zset", "MATCH", "z*"],
                    ["TYPE", "nosuchtype"], ["MATCH", "nomatch*", "COUNT", 3]):
        mine = scan_all(differ.godis, *options)
        theirs = redis_scan_all(differ, *options)
        assert len(mine) == len(set(mine))
        assert sorted(mine) == sorted(theirs), options


def test_scan_count_bounds_each_reply() -> None:
    godis = GodisDirect()
    for i in range(100):
        godis.call("SET", f"k{i}", "v")
    reply = parse_reply(godis.call("SCAN", "0", "COUNT", "5"))
    assert isinstance(reply, list)
    assert reply[0] != b"0"
    assert 1 <= len(reply[1]) <= 10


def test_scan_guarantee_under_churn() -> None:
    """Keys present for the whole iteration are all returned; no key is returned twice."""
    rng = random.Random(7)
    godis = GodisDirect()
    stable = {b"stable:%d" % i for i in range(300)}
    for key in stable:
        godis.call("SET", key, "v")
    churn = 0
    cursor = b"0"
    seen: list[bytes] = []
    while True:
        reply = parse_reply(godis.call("SCAN", cursor, "COUNT", 9))
        assert isinstance(reply, list)
        cursor, keys = reply
        seen.extend(keys)
        for _ in range(rng.randrange(1, 8)):
            godis.call("SET", f"churn:{churn}", "v")
            churn += 1
        for _ in range(rng.randrange(1, 5)):
            victim = rng.randrange(churn)
            godis.call("DEL", f"churn:{victim}")
        if cursor == b"0":
            break
    assert stable <= set(seen)
    assert len(seen) == len(set(seen))


def test_scan_skips_and_reaps_expired_keys() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    godis.call("SET", "live", "v")
    godis.call("SET", "dead", "v", "PX", "5")
    godis.call("RPUSH", "deadlist", "v")
    godis.call("PEXPIRE", "deadlist", "5")
    clock.now += 10
    assert sorted(scan_all(godis)) == [b"live"]
    assert b"dead" not in godis.client.db.data
    # TYPE reads the key first: an expired key reads as "none" (Redis 7.0 does the same).
    godis.call("SET", "dead2", "v", "PX", "5")
    clock.now += 10
    assert scan_all(godis, "TYPE", "none") == [b"dead2"]


# -- SORT ----------------------------------------------------------------------------------------


def sort_data(d: Differ) -> None:
    d.check("RPUSH", "nums", "3", "1", "10", "-2.5", "1e2", "7")
    d.check("RPUSH", "words", "pear", "apple", "fig", "Banana", "apple", "")
    d.check("SADD", "iset", "5", "3", "9", "1")
    d.check("SADD", "wset", "b", "c", "a")
    d.check("ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb", "0", "zero")
    for name, weight in (("3", "30"), ("1", "10"), ("10", "5"), ("7", "-1")):
        d.check("SET", f"w_{name}", weight)
        d.check("HSET", f"h_{name}", "field", weight, "name", f"item{name}")
    for name, weight in (("a", "3"), ("b", "1"), ("c", "2"), ("zero", "0"), ("bb", "b")):
        d.check("SET", f"w_{name}", weight)
        d.check("SET", f"o_{name}", f"obj-{name}")


SORT_CASES = [
    ["nums"],
    ["nums", "DESC"],
    ["nums", "ASC"],
    ["nums", "LIMIT", "1", "3"],
    ["nums", "LIMIT", "0", "0"],
    ["nums", "LIMIT", "-5", "2"],
    ["nums", "LIMIT", "2", "-1"],
    ["nums", "LIMIT", "10", "3"],
    ["nums", "LIMIT", "5", "100"],
    ["nums", "LIMIT", "1", "9223372036854775807"],
    ["nums", "LIMIT", "-9223372036854775808", "9223372036854775807"],
    ["nums", "DESC", "LIMIT", "1", "2"],
    ["words"],
    ["words", "ALPHA"],
    ["words", "ALPHA", "DESC"],
    ["words", "alpha", "limit", "1", "2"],
    ["iset"],
    ["iset", "DESC"],
    ["wset", "ALPHA"],
    ["wset"],
    ["z"],
    ["z", "ALPHA"],
    ["z", "ALPHA", "DESC", "LIMIT", "1", "3"],
    ["nums", "BY", "w_*"],
    ["nums", "BY", "w_*", "DESC"],
    ["nums", "BY", "w_*", "LIMIT", "1", "2"],
    ["nums", "BY", "h_*->field"],
    ["nums", "BY", "h_*->field", "GET", "h_*->name", "GET", "#", "GET", "w_*"],
    ["nums", "BY", "w_*", "ALPHA"],
    ["nums", "BY", "w_*", "ALPHA", "DESC"],
    ["nums", "BY", "nosort"],
    ["nums", "BY", "nosort", "DESC"],
    ["nums", "BY", "nosort", "LIMIT", "1", "2"],
    ["nums", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
    ["nums", "BY", "nosort", "LIMIT", "10", "2"],
    ["nums", "BY", "nosort", "BY", "w_*"],
    ["nums", "BY", "#"],
    ["z", "BY", "nosort"],
    ["z", "BY", "nosort", "DESC"],
    ["z", "BY", "nosort", "LIMIT", "1", "2"],
    ["z", "BY", "nosort", "DESC", "LIMIT", "1", "3"],
    ["z", "BY", "nosort", "LIMIT", "9", "3"],
    ["z", "BY", "w_*", "ALPHA"],
    ["z", "BY", "w_*", "GET", "o_*", "GET", "#"],
    ["iset", "BY", "nosort"],
    ["iset", "BY", "nosort", "DESC"],
    ["iset", "BY", "nosort", "LIMIT", "1", "2"],
    ["nums", "GET", "#"],
    ["nums", "GET", "w_*"],
    ["nums", "GET", "h_*->field"],
    ["nums", "GET", "h_*->"],
    ["nums", "GET", "h_*->missing"],
    ["nums", "GET", "nostar"],
    ["nums", "GET", "w_*", "GET", "missing_*"],
    ["nums", "GET", "nums"],
    ["words", "GET", "#", "ALPHA"],
    ["missing"],
    ["missing", "GET", "#"],
    ["missing", "BY", "nosort"],
]


def test_sort_nosort_limit_deep_inside_a_long_list(differ: Differ) -> None:
    """BY nosort LIMIT reads a short window of a list by index (lists.list_range); the same
    elements as redis-server, both directions, every clipping case."""
    differ.check("RPUSH", "long", *range(5000))
    for offset, count in ((2000, 10), (2500, 1), (4995, 10), (0, 3), (1000, 64), (3000, 200),
                          (4999, 5), (5000, 2), (-5, 3), (2000, -1)):
        differ.check("SORT", "long", "BY", "nosort", "LIMIT", offset, count)
        differ.check("SORT", "long", "BY", "nosort", "DESC", "LIMIT", offset, count)
    differ.check("SORT", "long", "BY", "nosort", "LIMIT", 2000, 5, "STORE", "dst")
    differ.check("LRANGE", "dst", 0, -1)


def test_sort_nosort_limit_does_not_walk_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """10 elements from the middle of a 200k list: SORT reads the window through
    ``lists.list_range``, which reads it by index: no iterator steps over the list (counted
    through ``lists.islice``)."""
    windows: list[tuple[int, int]] = []
    steps = 0

    def spy(value: ListValue, start: int, stop: int) -> list[bytes]:
        windows.append((start, stop))
        return list_range(value, start, stop)

    def counting(values: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal steps
        for item in values:
            steps += 1
            yield item

    def counting_islice(values: Iterable[bytes], *bounds: int | None) -> Iterator[bytes]:
        return islice(counting(values), *bounds)

    monkeypatch.setattr(sort_module, "list_range", spy)
    monkeypatch.setattr(lists_module, "islice", counting_islice)
    godis = GodisDirect()
    value = ListValue()
    value.extend(b"%d" % i for i in range(200_000))
    godis.client.db.data[b"l"] = value
    reply = parse_reply(godis.call("SORT", "l", "BY", "nosort", "LIMIT", 100_000, 10))
    assert reply == [b"%d" % i for i in range(100_000, 100_010)]
    reply = parse_reply(godis.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 100_000, 3))
    assert reply == [b"%d" % i for i in (99_999, 99_998, 99_997)]
    assert windows == [(100_000, 100_010), (99_997, 100_000)]
    assert steps == 0


@pytest.mark.parametrize("args", SORT_CASES, ids=[" ".join(c) for c in SORT_CASES])
def test_sort(differ: Differ, args: list[str]) -> None:
    sort_data(differ)
    if args[0] == "wset" and "ALPHA" not in args:
        differ.check("SORT", *args)  # an error: letters are no numbers
        return
    differ.check("SORT", *args)
    differ.check("SORT_RO", *args)


def test_sort_errors(differ: Differ) -> None:
    sort_data(differ)
    differ.check("SORT")
    differ.check("SORT", "words")
    differ.check("SORT", "nums", "foo")
    differ.check("SORT", "nums", "LIMIT")
    differ.check("SORT", "nums", "LIMIT", "1")
    differ.check("SORT", "nums", "LIMIT", "a", "1")
    differ.check("SORT", "nums", "LIMIT", "1", "b")
    differ.check("SORT", "nums", "BY")
    differ.check("SORT", "nums", "GET")
    differ.check("SORT", "nums", "STORE")
    differ.check("SORT_RO", "nums", "STORE", "dst")
    differ.check("SORT", "w_1")
    differ.check("SORT", "h_1")
    differ.check("SORT", "w_1", "foo")
    differ.check("SORT", "nums", "BY", "o_*")
    differ.check("SORT", "z", "BY", "w_*")
    differ.check("SORT", "z")
    differ.check("OBJECT", "ENCODING", "z")  # SORT converted it to a skiplist


def test_sort_store(differ: Differ) -> None:
    sort_data(differ)
    differ.check("SORT", "nums", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("OBJECT", "ENCODING", "dst")
    differ.check("SORT", "words", "ALPHA", "DESC", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("SORT", "nums", "GET", "#", "GET", "missing_*", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("SET", "str", "v")
    differ.check("EXPIREAT", "str", FAR)
    differ.check("SORT", "nums", "LIMIT", "0", "2", "STORE", "str")
    differ.check("TYPE", "str")
    differ.check("TTL", "str")
    differ.check("SORT", "nums", "STORE", "first", "STORE", "second")
    differ.check("EXISTS", "first", "second")
    differ.check("SORT", "missing", "STORE", "dst")
    differ.check("EXISTS", "dst")
    differ.check("SORT", "missing", "STORE", "dst")
    differ.check("SORT", "nums", "LIMIT", "0", "0", "STORE", "str")
    differ.check("EXISTS", "str")
    # A set sorted "by nothing" into a key is sorted ALPHA, so replicas agree.
    differ.check("SADD", "hs", "b", "c", "a", "10", "9")
    differ.check("SORT", "hs", "BY", "nosort", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("SORT", "hs", "BY", "nosort", "DESC", "LIMIT", "1", "3", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("SORT", "iset", "BY", "nosort", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")


def test_sort_scores(differ: Differ) -> None:
    values = ["", " 5", "0x10", "1e5", "inf", "-infinity", "+5", ".5", "5.", "0x1p3", "-0",
              "0X.8", "1E-3", "\t7", "00012"]
    differ.check("RPUSH", "ok", *values)
    differ.check("SORT", "ok")
    differ.check("SORT", "ok", "DESC")
    # strtod stops at a NUL: "5\0junk" is 5 and "\0" + anything is the empty string, 0.
    differ.check("RPUSH", "nul", "5\x00junk", "3", "\x005")
    differ.check("SORT", "nul")
    # Each case below errors. (Redis 7.0 never clears errno before strtod, so after an
    # ERANGE every later SORT on the same connection fails too: keep valid cases above.)
    for bad in ["5 ", "1e400", "1e-400", "5e-324", "1_0", "nan", "-nan", "abc", " ", "+",
                "0x", "1e", "infinit", "0x1p", "1.2.3", "--1"]:
        differ.check("DEL", "bad")
        differ.check("RPUSH", "bad", "1", bad)
        differ.check("SORT", "bad")


def test_sort_score_parser() -> None:
    assert sort_score(b"") == 0.0
    assert sort_score(b"0x1p3") == 8.0
    assert sort_score(b" -1.5e1") == -15.0
    assert sort_score(b"INFINITY") == float("inf")
    assert sort_score(b"1e-310") is None
    assert sort_score(b"0e-400") == 0.0
    assert sort_score(b"nan") is None


def test_sort_binary_and_ties(differ: Differ) -> None:
    differ.check("RPUSH", "b", "\xff", "a", "\x00", "ab", "a\x00", "A", "\xc3\xa9")
    differ.check("SORT", "b", "ALPHA")
    differ.check("SORT", "b", "ALPHA", "DESC")
    differ.check("SORT", "b", "ALPHA", "STORE", "dst")
    differ.check("LRANGE", "dst", "0", "-1")
    differ.check("RPUSH", "t", "c", "b", "a", "d", "e")
    differ.check("SET", "w_b", "x")
    differ.check("SET", "w_d", "x")
    differ.check("SORT", "t", "BY", "w_*", "ALPHA")
    differ.check("SORT", "t", "BY", "w_*", "ALPHA", "DESC")
    differ.check("SORT", "t", "BY", "w_*")
    differ.check("RPUSH", "dup", "2", "1", "2", "1", "10")
    differ.check("SORT", "dup")
    differ.check("SORT", "dup", "DESC")


def test_sort_by_hash_field_and_wrong_types(differ: Differ) -> None:
    differ.check("RPUSH", "l", "1", "2", "3")
    differ.check("HSET", "h_1", "f", "3")
    differ.check("RPUSH", "h_2", "x")  # BY on a non-hash: missing weight
    differ.check("SET", "h_3", "9")  # a string where a hash is wanted: missing
    differ.check("SORT", "l", "BY", "h_*->f")
    differ.check("SORT", "l", "BY", "h_*->f", "GET", "h_*->f", "GET", "h_*")
    differ.check("SORT", "l", "BY", "h_*->")  # "->" with no field: a plain key pattern
    differ.check("SORT", "l", "BY", "*->f")
    differ.check("HSET", "x1y", "f", "1")
    differ.check("SORT", "l", "GET", "x*y->f", "GET", "x*y")


def test_sort_get_keys_for_store() -> None:
    finder = sort_module._sort_keys
    assert finder([b"SORT", b"k"]) == [1]
    assert finder([b"SORT", b"k", b"STORE", b"d"]) == [1, 3]
    assert finder([b"SORT", b"k", b"STORE", b"d", b"store", b"e"]) == [1, 5]
    assert finder([b"SORT", b"k", b"GET", b"store", b"LIMIT", b"1", b"2"]) == [1]
    assert finder([b"SORT", b"k", b"BY", b"store", b"STORE"]) == [1]


# -- propagation and notifications (godis alone) ------------------------------------------------


def test_expire_propagates_pexpireat_absolute() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    recorder = Recorder(godis)
    godis.call("SET", "k", "v")
    recorder.clear()
    godis.call("EXPIRE", "k", "100")
    godis.call("PEXPIRE", "k", "200000", "GT")
    godis.call("EXPIREAT", "k", FAR, "XX")
    godis.call("PEXPIREAT", "k", FAR_MS)
    godis.call("EXPIRE", "k", "1", "GT")  # not applied: nothing propagated
    godis.call("EXPIRE", "missing", "1")
    now = clock.now
    assert recorder.propagated == [
        (0, [b"PEXPIREAT", b"k", b"%d" % (now + 100_000)]),
        (0, [b"PEXPIREAT", b"k", b"%d" % (now + 200_000), b"GT"]),
        (0, [b"PEXPIREAT", b"k", b"%d" % (FAR * 1000), b"XX"]),
        (0, [b"PEXPIREAT", b"k", b"%d" % FAR_MS]),
    ]
    assert [event for _, _, event, _ in recorder.events] == ["expire"] * 4


def test_expire_in_past_propagates_del() -> None:
    godis = GodisDirect()
    FakeClock(godis)
    recorder = Recorder(godis)
    godis.call("SET", "k", "v")
    recorder.clear()
    assert godis.call("EXPIRE", "k", "-5") == b":1\r\n"
    assert recorder.propagated == [(0, [b"DEL", b"k"])]
    assert recorder.events == [(0, "g", "del", b"k")]
    assert godis.server.keyspace.stats_expired_keys == 0


def test_expire_while_loading_keeps_past_times() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    godis.call("SET", "k", "v")
    keyspace = godis.server.keyspace
    keyspace.loading = True
    try:
        godis.call("PEXPIREAT", "k", clock.now - 1000)
        assert b"k" in godis.client.db.data
    finally:
        keyspace.loading = False
    assert godis.call("EXISTS", "k") == b":0\r\n"


def test_lazy_expiry_with_fake_clock() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    recorder = Recorder(godis)
    godis.call("SET", "k", "v")
    godis.call("PEXPIRE", "k", "1500")
    assert godis.call("TTL", "k") == b":2\r\n"  # 1.5 s rounds up
    clock.now += 1000
    assert godis.call("TTL", "k") == b":1\r\n"
    assert godis.call("PTTL", "k") == b":500\r\n"
    clock.now += 499
    assert godis.call("PTTL", "k") == b":1\r\n"
    clock.now += 1
    recorder.clear()
    assert godis.call("PTTL", "k") == b":-2\r\n"
    assert recorder.propagated == [(0, [b"DEL", b"k"])]
    assert (0, "x", "expired", b"k") in recorder.events
    assert godis.call("KEYS", "*") == b"*0\r\n"


def test_keys_skips_expired_without_deleting() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    godis.call("SET", "a", "v", "PX", "10")
    godis.call("SET", "b", "v")
    clock.now += 20
    assert godis.call("KEYS", "*") == b"*1\r\n$1\r\nb\r\n"
    assert b"a" in godis.client.db.data


def test_generic_notifications() -> None:
    godis = GodisDirect()
    recorder = Recorder(godis)
    godis.call("SET", "a", "1")
    godis.call("EXPIRE", "a", "100")
    godis.call("PERSIST", "a")
    godis.call("RENAME", "a", "b")
    godis.call("COPY", "b", "c")
    godis.call("COPY", "b", "c", "DB", "2")
    godis.call("MOVE", "c", "1")
    godis.call("RPUSH", "l", "2", "1")
    godis.call("SORT", "l", "STORE", "s")
    godis.call("SORT", "missing", "STORE", "s")
    godis.call("DEL", "b", "nothing")
    godis.call("UNLINK", "l")
    generic = [(db, cls, event, key) for db, cls, event, key in recorder.events
               if cls in "gl" and event != "rpush"]
    assert generic == [
        (0, "g", "expire", b"a"),
        (0, "g", "persist", b"a"),
        (0, "g", "rename_from", b"a"),
        (0, "g", "rename_to", b"b"),
        (0, "g", "copy_to", b"c"),
        (2, "g", "copy_to", b"c"),
        (0, "g", "move_from", b"c"),
        (1, "g", "move_to", b"c"),
        (0, "l", "sortstore", b"s"),
        (0, "g", "del", b"s"),
        (0, "g", "del", b"b"),
        (0, "g", "del", b"l"),
    ]


def test_write_commands_propagate_as_given() -> None:
    godis = GodisDirect()
    recorder = Recorder(godis)
    godis.call("RPUSH", "l", "3", "1", "2")
    godis.call("SET", "a", "1")
    recorder.clear()
    godis.call("SORT", "l", "STORE", "dst")
    godis.call("RENAME", "a", "b")
    godis.call("RENAMENX", "b", "b")  # no change: not propagated
    godis.call("COPY", "b", "c")
    godis.call("MOVE", "c", "3")
    godis.call("DEL", "nothing")  # no change: not propagated
    godis.call("DEL", "b", "nothing")
    godis.call("PERSIST", "dst")  # no TTL: not propagated
    assert [argv for _, argv in recorder.propagated] == [
        [b"SORT", b"l", b"STORE", b"dst"],
        [b"RENAME", b"a", b"b"],
        [b"COPY", b"b", b"c"],
        [b"MOVE", b"c", b"3"],
        [b"DEL", b"b", b"nothing"],
    ]


def test_dirty_counts_sort_store_elements() -> None:
    godis = GodisDirect()
    godis.call("RPUSH", "l", "3", "1", "2")
    keyspace = godis.server.keyspace
    before = keyspace.dirty
    godis.call("SORT", "l", "STORE", "dst")
    assert keyspace.dirty - before == 3


def test_watch_is_touched_by_move_into_watched_db() -> None:
    godis = GodisDirect()
    other = GodisDirect.__new__(GodisDirect)
    from godis.client import Client

    other.server = godis.server
    other.client = Client(godis.server, address="127.0.0.1:2")
    godis.server.clients[other.client.id] = other.client
    other.call("SELECT", "1")
    if other.call("WATCH", "k").startswith(b"-ERR unknown command"):
        pytest.skip("WATCH is not implemented yet")
    godis.call("SET", "k", "v")
    godis.call("MOVE", "k", "1")
    other.call("MULTI")
    other.call("PING")
    assert other.call("EXEC") == b"*-1\r\n"


def test_sort_limit_with_tied_weights_follows_redis_pqsort(diff: Differ) -> None:
    """With BY and a LIMIT, Redis sorts with its unstable pqsort: ties must come out the same."""
    rng = random.Random(3)
    for _ in range(40):
        diff.redis.call("FLUSHALL")
        diff.godis = GodisDirect()
        size = rng.randrange(1, 90)
        elements = [f"e{i}" for i in range(size)]
        rng.shuffle(elements)
        diff.check("RPUSH", "l", *elements)
        for element in elements:
            if rng.random() < 0.8:
                diff.check("HSET", f"h_{element}", "f", rng.randrange(4))
        args: list[str | int] = ["SORT", "l", "BY", "h_*->f", "ALPHA", "LIMIT",
                                 rng.randrange(size + 2), rng.randrange(-1, size + 2)]
        if rng.random() < 0.5:
            args.append("DESC")
        diff.check(*args)


# -- hypothesis: random keyspace commands against both servers ----------------------------------

KEYS = st.sampled_from([b"a", b"b", b"c", b"d", b"l", b"s", b"h", b"z"])
VALUES = st.sampled_from([b"1", b"2", b"10", b"x", b"", b"-3", b"abc"])
SECONDS = st.integers(-5, 5) | st.integers(100, 10_000)
ABSOLUTE = st.integers(-5, 5) | st.integers(FAR, FAR + 10_000)
EXPIRE_FLAGS = st.sampled_from([[], ["NX"], ["XX"], ["GT"], ["LT"], ["XX", "GT"], ["NX", "GT"]])


class KeyspaceMachine(DifferentialMachine):
    """Random generic-keyspace commands (and writes of every type) sent to godis and Redis.

    Expiry times are either in the past (the key is deleted at once, on both sides) or at
    least 100 s away, so no key expires while the test runs; TTLs are compared within a second.
    """

    @initialize(resp=st.sampled_from([2, 3]))
    def setup(self, resp: int) -> None:
        self.differ.both("HELLO", str(resp))  # the replies differ in the client id

    def teardown(self) -> None:
        self.redis.call("FLUSHALL")
        super().teardown()

    @rule(key=KEYS, value=VALUES)
    def set(self, key: bytes, value: bytes) -> None:
        self.differ.check("SET", key, value)

    @rule(key=KEYS, values=st.lists(VALUES, min_size=1, max_size=4))
    def containers(self, key: bytes, values: list[bytes]) -> None:
        commands: dict[bytes, list[bytes | str]] = {
            b"l": ["RPUSH", key], b"s": ["SADD", key], b"h": ["HSET", key, values[0]],
            b"z": ["ZADD", key, "1"]}
        command = commands.get(key, ["RPUSH", key])
        self.differ.check(*command, *values[-1:] if key in (b"h", b"z") else values)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), unlink=st.booleans())
    def delete(self, keys: list[bytes], unlink: bool) -> None:
        self.differ.check("UNLINK" if unlink else "DEL", *keys)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def reads(self, keys: list[bytes]) -> None:
        self.differ.check("EXISTS", *keys)
        self.differ.check("TOUCH", *keys)
        self.differ.check("TYPE", keys[0])
        self.differ.check("OBJECT", "ENCODING", keys[0])

    @rule(key=KEYS)
    def ttl(self, key: bytes) -> None:
        mine, theirs = (parse_reply(reply) for reply in self.differ.both("TTL", key))
        assert isinstance(mine, int)
        assert isinstance(theirs, int)
        assert abs(mine - theirs) <= 1, (key, mine, theirs)

    @rule(key=KEYS, amount=SECONDS, flags=EXPIRE_FLAGS, millis=st.booleans())
    def expire(self, key: bytes, amount: int, flags: list[str], millis: bool) -> None:
        args: list[bytes | str | int] = (["PEXPIRE", key, amount * 1000] if millis
                                         else ["EXPIRE", key, amount])
        current = parse_reply(self.differ.godis.call("PEXPIRETIME", key))
        assert isinstance(current, int)
        wanted = self.differ.godis.server.keyspace.now_ms() + amount * 1000
        if ("GT" in flags or "LT" in flags) and abs(wanted - current) < 2000:
            # The same relative TTL twice: GT/LT compare two clocks a few ms apart, so the
            # servers may legitimately disagree (the expiry times then differ by ms only).
            self.differ.both(*args, *flags)
        else:
            self.differ.check(*args, *flags)

    @rule(key=KEYS, when=ABSOLUTE, flags=EXPIRE_FLAGS, millis=st.booleans())
    def expireat(self, key: bytes, when: int, flags: list[str], millis: bool) -> None:
        if millis:
            self.differ.check("PEXPIREAT", key, when * 1000 + 7, *flags)
        else:
            self.differ.check("EXPIREAT", key, when, *flags)

    @rule(key=KEYS)
    def persist(self, key: bytes) -> None:
        self.differ.check("PERSIST", key)

    @rule(source=KEYS, dest=KEYS, nx=st.booleans())
    def rename(self, source: bytes, dest: bytes, nx: bool) -> None:
        self.differ.check("RENAMENX" if nx else "RENAME", source, dest)

    @rule(source=KEYS, dest=KEYS, db=st.sampled_from([None, 0, 1]), replace=st.booleans())
    def copy(self, source: bytes, dest: bytes, db: int | None, replace: bool) -> None:
        args: list[str | bytes | int] = ["COPY", source, dest]
        if db is not None:
            args += ["DB", db]
        if replace:
            args.append("REPLACE")
        self.differ.check(*args)

    @rule(key=KEYS, db=st.sampled_from([0, 1]))
    def move_and_back(self, key: bytes, db: int) -> None:
        self.differ.check("MOVE", key, db)
        self.differ.check("SELECT", 1)
        self.differ.check("MOVE", key, 0)
        self.differ.check_unordered("KEYS", "*")
        self.differ.check("SELECT", 0)

    @rule(key=KEYS, options=st.sampled_from([[], ["ALPHA"], ["DESC", "ALPHA"],
                                             ["LIMIT", "1", "2", "ALPHA"], ["BY", "nosort"],
                                             ["BY", "*", "ALPHA"], ["GET", "#", "GET", "*"]]),
          store=st.sampled_from([None, b"a", b"l"]))
    def sort(self, key: bytes, options: list[str], store: bytes | None) -> None:
        if key in (b"s", b"h") and "ALPHA" not in options:
            return  # a hashtable set sorted BY nosort replies in hash order
        args: list[str | bytes] = ["SORT", key, *options]
        if store is not None:
            args += ["STORE", store]
        self.differ.check(*args)

    @rule(pattern=st.sampled_from(["*", "?", "[ab]*", "*[^l]", "x*"]))
    def keys(self, pattern: str) -> None:
        self.differ.check_unordered("KEYS", pattern)

    @invariant()
    def same_keys(self) -> None:
        """Overrides the base's KEYS check: SCAN must see the same keys too."""
        self.differ.check_unordered("KEYS", "*")
        mine = sorted(scan_all(self.differ.godis))
        assert mine == sorted(redis_scan_all(self.differ))

    @invariant()
    def same_types_and_expiry_times(self) -> None:
        """Relative TTLs were set a few ms apart on the two servers: compare within 2 s."""
        for key in (b"a", b"b", b"c", b"d", b"l", b"s", b"h", b"z"):
            self.differ.check("TYPE", key)
            mine, theirs = (parse_reply(r) for r in self.differ.both("PEXPIRETIME", key))
            assert isinstance(mine, int)
            assert isinstance(theirs, int)
            if mine < 0 or theirs < 0:
                assert mine == theirs, (key, mine, theirs)
            else:
                assert abs(mine - theirs) <= 2000, (key, mine, theirs)


def test_keyspace_state_machine(redis_port: int) -> None:
    run_machine(KeyspaceMachine, redis_port)
