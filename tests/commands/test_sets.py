"""Set commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from tests.support.differential import Differ, GodisDirect, propagated
from tests.support.notifications import compare_streams, godis_thread_fixture  # noqa: F401
from tests.support.resp import parse_reply
from tests.support.server_thread import ServerThread
from tests.support.stateful import DifferentialMachine, run_machine

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
LIMITS = ("set-max-intset-entries",)
INTSET = b"$6\r\nintset\r\n"


def members(differ: Differ, key: str, n: int, prefix: str = "") -> list[str]:
    items = [f"{prefix}{i}" for i in range(n)]
    differ.check("SADD", key, *items)
    return items


def test_default_limits(differ: Differ) -> None:
    differ.check("CONFIG", "GET", "set-max-intset-entries")


# -- SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS ---------------------------------------------


def test_basics(differ: Differ) -> None:
    differ.check("SADD", "s", "3", "1", "2", "1")
    differ.check("SADD", "s", "1")
    differ.check("SCARD", "s")
    differ.check("SCARD", "nokey")
    differ.check("SMEMBERS", "s")  # an intset replies in ascending order
    differ.check("SISMEMBER", "s", "2")
    differ.check("SISMEMBER", "s", "02")
    differ.check("SISMEMBER", "s", "x")
    differ.check("SISMEMBER", "nokey", "x")
    differ.check("SMISMEMBER", "s", "1", "x", "3", "1")
    differ.check("SMISMEMBER", "nokey", "1", "x")
    differ.check("SMEMBERS", "nokey")
    differ.check("SADD", "t", "b", "a", "", "c")
    differ.check_unordered("SMEMBERS", "t")
    differ.check("SISMEMBER", "t", "")
    differ.check("SMISMEMBER", "t", "", "a", "z")


def test_intset_order(differ: Differ) -> None:
    differ.check("SADD", "s", "100", "-5", "9223372036854775807", "0", "-9223372036854775808",
                 "42", "7", "-1")
    differ.check("SMEMBERS", "s")
    differ.check("SINTER", "s")
    differ.check("SSCAN", "s", "0")
    differ.check("SUNION", "s")
    differ.check("SDIFF", "s")
    differ.check("SRANDMEMBER", "s", "100")
    differ.check("SPOP", "s", "100")


@pytest.mark.parametrize("member", ["0", "1", "-1", "-0", "01", "+1", " 1", "1 ", "1.0", "",
                                    "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "-9223372036854775809", "0x1", "1e3",
                                    "123456789012345678901"])
def test_intset_members(differ: Differ, member: str) -> None:
    """Only canonical 64-bit integer strings fit an intset."""
    differ.check("SADD", "s", member)
    differ.check("OBJECT", "ENCODING", "s")
    differ.check("SADD", "t", "5", member)
    differ.check("OBJECT", "ENCODING", "t")
    differ.check("SMEMBERS", "t") if differ.godis.call("OBJECT", "ENCODING", "t") == INTSET \
        else differ.check_unordered("SMEMBERS", "t")


def test_intset_size_limit(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "set-max-intset-entries", "3")
    differ.check("SADD", "s", "1", "2", "3")
    differ.check("OBJECT", "ENCODING", "s")
    differ.check("SADD", "s", "3")
    differ.check("OBJECT", "ENCODING", "s")
    differ.check("SADD", "s", "4")
    differ.check("OBJECT", "ENCODING", "s")
    differ.check("SREM", "s", "4", "3")
    differ.check("OBJECT", "ENCODING", "s")  # never converts back
    differ.check_unordered("SMEMBERS", "s")
    differ.check("SUNION", "s")  # the union is built as a new intset: sorted again
    differ.check("SADD", "big", "1", "2", "3", "4")
    differ.check("OBJECT", "ENCODING", "big")
    differ.check("CONFIG", "SET", "set-max-intset-entries", "0")
    differ.check("SADD", "zero", "1")
    differ.check("OBJECT", "ENCODING", "zero")


def test_srem(differ: Differ) -> None:
    differ.check("SADD", "s", "a", "b", "c", "1")
    differ.check("SREM", "s", "a", "x", "a")
    differ.check("SREM", "nokey", "a")
    differ.check_unordered("SMEMBERS", "s")
    differ.check("SREM", "s", "b", "c", "1", "d")
    differ.check("EXISTS", "s")
    differ.check("SADD", "i", "1", "2")
    differ.check("SREM", "i", "01", "1")
    differ.check("SMEMBERS", "i")


def test_arity_and_wrongtype(differ: Differ) -> None:
    differ.check("HSET", "h", "f", "v")
    args: tuple[str, ...]
    for args in (("SADD", "h", "a"), ("SREM", "h", "a"), ("SCARD", "h"), ("SISMEMBER", "h", "a"),
                 ("SMISMEMBER", "h", "a"), ("SMEMBERS", "h"), ("SINTER", "h"),
                 ("SINTERSTORE", "d", "h"), ("SINTERCARD", "1", "h"), ("SUNION", "h"),
                 ("SUNIONSTORE", "d", "h"), ("SDIFF", "h"), ("SDIFFSTORE", "d", "h"),
                 ("SPOP", "h"), ("SPOP", "h", "1"), ("SRANDMEMBER", "h"),
                 ("SRANDMEMBER", "h", "1"), ("SSCAN", "h", "0"), ("SMOVE", "h", "d", "a")):
        assert differ.check(*args) == WRONGTYPE, args
    for args in (("SADD", "s"), ("SREM", "s"), ("SCARD",), ("SISMEMBER", "s"),
                 ("SMISMEMBER", "s"), ("SMEMBERS",), ("SMEMBERS", "a", "b"), ("SINTER",),
                 ("SINTERSTORE", "d"), ("SINTERCARD", "1"), ("SUNION",), ("SUNIONSTORE", "d"),
                 ("SDIFF",), ("SDIFFSTORE", "d"), ("SPOP",), ("SRANDMEMBER",), ("SSCAN", "s"),
                 ("SMOVE", "a", "b")):
        differ.check(*args)


# -- SMOVE ----------------------------------------------------------------------------------


def test_smove(differ: Differ) -> None:
    differ.check("SADD", "src", "a", "1", "2")
    differ.check("HSET", "h", "f", "v")
    differ.check("SMOVE", "nokey", "h", "a")  # a missing source wins over a wrong destination
    differ.check("SMOVE", "src", "h", "a")
    differ.check("SMOVE", "h", "src", "a")
    differ.check("SMOVE", "src", "src", "a")
    differ.check("SMOVE", "src", "src", "zz")
    differ.check("SMOVE", "src", "dst", "zz")
    differ.check("EXISTS", "dst")
    differ.check("SMOVE", "src", "dst", "1")
    differ.check("OBJECT", "ENCODING", "dst")  # created from an integer: an intset
    differ.check("SMOVE", "src", "dst2", "a")
    differ.check("OBJECT", "ENCODING", "dst2")
    differ.check("SADD", "dst", "2")
    differ.check("SMOVE", "src", "dst", "2")  # already in the destination
    differ.check("EXISTS", "src")  # emptied: deleted
    differ.check("SMEMBERS", "dst")


def test_smove_propagates_as_is(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("SADD", "a", "x")
    diff.check("SMOVE", "a", "b", "y")
    diff.check("SMOVE", "a", "b", "x")
    assert log == [[b"SADD", b"a", b"x"], [b"SMOVE", b"a", b"b", b"x"]]


def test_smove_signals_the_destination_only_when_added(differ: Differ) -> None:
    """Issue 10 defect 4: a member already in the destination leaves its WATCH intact."""
    differ.check("SADD", "src", "m", "n")
    differ.check("SADD", "dst", "m")
    for watched, member in (("dst", "m"), ("src", "n"), ("dst", "n"), ("new", "o")):
        if member == "o":
            differ.check("SADD", "src", "o")
        differ.check("WATCH", watched)
        differ.check("SMOVE", "src", watched if watched != "src" else "dst", member)
        differ.check("MULTI")
        differ.check("PING")
        differ.check("EXEC")  # dst/m: not touched, runs; the others abort


def test_smove_events_only_for_an_addition(redis_port: int, godis_thread: ServerThread) -> None:
    compare_streams(redis_port, godis_thread, "KEA", [
        ("SADD", "src", "m", "n", "k"), ("SADD", "dst", "m"),
        ("SMOVE", "src", "dst", "m"), ("SMOVE", "src", "dst", "n"),
        ("SMOVE", "src", "fresh", "k"),
    ])


# -- SINTER SINTERSTORE SINTERCARD ---------------------------------------------------------------


def test_sinter(differ: Differ) -> None:
    differ.check("SADD", "a", "1", "2", "3", "4", "x")
    differ.check("SADD", "b", "4", "3", "2", "9")
    differ.check("SADD", "c", "x", "3", "2", "y", "z", "w")
    differ.check("SINTER", "b", "a")  # the smallest set (an intset) drives the order
    differ.check_unordered("SINTER", "a", "c")
    differ.check("SINTER", "a", "b", "c")
    differ.check_unordered("SINTER", "a", "a")
    differ.check("SINTER", "b", "b")
    differ.check("SINTER", "a", "nokey")
    differ.check("SINTER", "nokey", "a")
    differ.check("SADD", "e", "q")
    differ.check("SINTER", "a", "e")


def test_sinter_equal_sizes(differ: Differ) -> None:
    """Sets of equal size keep their argument order (Redis's qsort is stable here)."""
    differ.check("SADD", "a", "1", "2", "x", "3")
    differ.check("SREM", "a", "x")  # a hashtable of integers
    differ.check("SADD", "b", "3", "2", "1")  # an intset
    differ.check("SINTER", "b", "a")
    differ.check_unordered("SINTER", "a", "b")


def test_sinter_checks_every_type(differ: Differ) -> None:
    """A missing key empties the result, but later keys are still type-checked."""
    differ.check("SADD", "a", "1")
    differ.check("HSET", "h", "f", "v")
    differ.check("SINTER", "nokey", "h")
    differ.check("SINTERSTORE", "d", "nokey", "h")
    differ.check("SINTERCARD", "2", "nokey", "h")
    differ.check("SUNION", "nokey", "h")
    differ.check("SDIFF", "nokey", "h")
    differ.check("SDIFF", "a", "h")


def test_sinterstore(differ: Differ) -> None:
    differ.check("SADD", "a", "1", "2", "3", "x")
    differ.check("SADD", "b", "2", "3", "x", "y")
    differ.check("SINTERSTORE", "d", "a", "b")
    differ.check("OBJECT", "ENCODING", "d")
    differ.check_unordered("SMEMBERS", "d")
    differ.check("SADD", "i", "2", "3", "4")
    differ.check("SINTERSTORE", "d", "a", "i")
    differ.check("OBJECT", "ENCODING", "d")  # all integers: stored as an intset
    differ.check("SMEMBERS", "d")
    differ.check("SINTERSTORE", "a", "a", "i")  # destination among the sources
    differ.check("SMEMBERS", "a")
    differ.check("HSET", "h", "f", "v")
    differ.check("SINTERSTORE", "h", "a", "i")  # overwrites any type
    differ.check("TYPE", "h")
    differ.check("SINTERSTORE", "d", "a", "nokey")  # empty result deletes the destination
    differ.check("EXISTS", "d")
    differ.check("SINTERSTORE", "d", "a", "nokey")
    differ.check("SADD", "e", "q")
    differ.check("SINTERSTORE", "d", "a", "e")
    differ.check("EXISTS", "d")


def test_store_clears_ttl(differ: Differ) -> None:
    differ.check("SADD", "a", "1", "2")
    for store in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        differ.check("SADD", "d", "x")
        differ.check("EXPIRE", "d", "100")
        differ.check(store, "d", "a")
        differ.check("TTL", "d")


def test_sintercard(differ: Differ) -> None:
    differ.check("SADD", "a", "1", "2", "3", "x", "y")
    differ.check("SADD", "b", "2", "3", "x", "z")
    for args in (("2", "a", "b"), ("2", "a", "b", "LIMIT", "0"), ("2", "a", "b", "LIMIT", "2"),
                 ("2", "a", "b", "limit", "100"), ("1", "a"), ("1", "a", "LIMIT", "3"),
                 ("2", "a", "a"), ("2", "a", "nokey"), ("1", "nokey", "LIMIT", "5"),
                 ("1", "a", "LIMIT", "1", "LIMIT", "2"), ("3", "a", "b", "a")):
        differ.check("SINTERCARD", *args)


@pytest.mark.parametrize("args", [
    ("0", "a"), ("-1", "a"), ("x", "a"), ("", "a"), ("9223372036854775808", "a"), ("3", "a", "b"),
    ("1", "a", "LIMIT"), ("1", "a", "LIMIT", "-1"), ("1", "a", "LIMIT", "x"),
    ("1", "a", "LIMIT", "9223372036854775808"), ("1", "a", "foo"), ("1", "a", "foo", "1"),
    ("1", "h", "LIMIT", "-1"), ("2", "a", "h", "LIMIT", "x"), ("1", "h"),
])
def test_sintercard_errors(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("SADD", "a", "1")
    differ.check("HSET", "h", "f", "v")
    differ.check("SINTERCARD", *args)


def test_sintercard_movable_keys(differ: Differ) -> None:
    differ.check("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1")
    differ.check("COMMAND", "GETKEYS", "SINTERCARD", "1", "a")


# -- SUNION SDIFF and their STORE forms --------------------------------------------------------


def test_sunion_sdiff(differ: Differ) -> None:
    differ.check("SADD", "a", "5", "1", "3")
    differ.check("SADD", "b", "3", "4", "2")
    differ.check("SADD", "c", "x", "1")
    differ.check("SUNION", "a", "b")  # all integers: replied sorted
    differ.check("SUNION", "a", "nokey", "b", "a")
    differ.check_unordered("SUNION", "a", "c")
    differ.check("SDIFF", "a", "b")
    differ.check("SDIFF", "a", "c", "nokey")
    differ.check("SDIFF", "c", "a")
    differ.check("SDIFF", "nokey", "a")
    differ.check("SDIFF", "a", "a")
    differ.check("SUNION", "nokey")
    differ.check("SDIFF", "nokey")


def test_stores(differ: Differ) -> None:
    differ.check("SADD", "a", "5", "1", "3")
    differ.check("SADD", "b", "3", "4", "x")
    differ.check("SUNIONSTORE", "u", "a", "b")
    differ.check("OBJECT", "ENCODING", "u")
    differ.check_unordered("SMEMBERS", "u")
    differ.check("SDIFFSTORE", "d", "a", "b")
    differ.check("OBJECT", "ENCODING", "d")
    differ.check("SMEMBERS", "d")
    differ.check("SDIFFSTORE", "d", "a", "a")
    differ.check("EXISTS", "d")
    differ.check("SUNIONSTORE", "u", "nokey")
    differ.check("EXISTS", "u")
    differ.check("SUNIONSTORE", "u", "nokey")
    differ.check("SDIFFSTORE", "a", "a", "b")  # destination among the sources
    differ.check("SMEMBERS", "a")


def test_sdiff_second_algorithm_encoding(differ: Differ) -> None:
    """When the first set is big against the others Redis copies it, then removes: the copy
    turns into a hashtable if the first set holds a string, even if that string is removed."""
    differ.check("SADD", "big", "a", "1", "2", "3", "4", "5")
    differ.check("SADD", "x", "a")
    differ.check("SADD", "y", "zzz")
    differ.check("SDIFFSTORE", "d", "big", "x", "y")
    differ.check("OBJECT", "ENCODING", "d")
    differ.check_unordered("SDIFF", "big", "x", "y")
    differ.check("SDIFFSTORE", "d", "big", "x")  # algorithm 1: an intset
    differ.check("OBJECT", "ENCODING", "d")
    differ.check("SMEMBERS", "d")
    differ.check("SDIFF", "big", "x")
    differ.check("CONFIG", "SET", "set-max-intset-entries", "3")
    differ.check("SADD", "ints", "1", "2", "3")
    differ.check("CONFIG", "SET", "set-max-intset-entries", "2")  # ints is now too big
    differ.check("SMEMBERS", "ints")
    differ.check("SDIFFSTORE", "d", "ints", "x", "y")
    differ.check("OBJECT", "ENCODING", "d")
    differ.check("SDIFFSTORE", "d", "ints", "x")
    differ.check("OBJECT", "ENCODING", "d")


def test_store_encoding_size(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "set-max-intset-entries", "3")
    differ.check("SADD", "a", "1", "2")
    differ.check("SADD", "b", "3", "4")
    differ.check("SUNIONSTORE", "u", "a", "b")
    differ.check("OBJECT", "ENCODING", "u")
    differ.check_unordered("SUNION", "a", "b")


def test_keyspace_hits(diff: Differ) -> None:
    """Sources are read with lookupKeyRead (hits/misses count), destinations are not."""
    diff.check("SADD", "s", "1", "2")

    def hits() -> tuple[int, int]:
        info = parse_reply(diff.redis.call("INFO", "stats"))
        assert isinstance(info, bytes)
        fields = dict(line.split(b":", 1) for line in info.split(b"\r\n") if b":" in line)
        return int(fields[b"keyspace_hits"]), int(fields[b"keyspace_misses"])

    keyspace = diff.godis.server.keyspace
    redis_before, godis_before = hits(), (keyspace.stats_hits, keyspace.stats_misses)
    for args in (("SINTERSTORE", "d", "s", "s"), ("SUNIONSTORE", "d", "s", "nokey"),
                 ("SDIFFSTORE", "d", "s", "nokey"), ("SMOVE", "s", "t", "1"),
                 ("SMEMBERS", "s"), ("SCARD", "nokey"), ("SPOP", "nokey"), ("SADD", "x", "1"),
                 ("SRANDMEMBER", "s"), ("SISMEMBER", "s", "2"), ("SREM", "x", "1")):
        diff.check(*args)
    redis_after, godis_after = hits(), (keyspace.stats_hits, keyspace.stats_misses)
    assert (redis_after[0] - redis_before[0], redis_after[1] - redis_before[1]) == (
        godis_after[0] - godis_before[0], godis_after[1] - godis_before[1])


# -- SPOP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("x",), ("-1",), ("1.5",), ("",), ("9223372036854775808",),
                                  ("-9223372036854775808",), ("1", "2"), ("0",)])
def test_spop_arguments(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("SADD", "s", "a", "b")
    differ.check("SPOP", "s", *args)
    differ.check("SPOP", "nokey", *args)


def test_spop_missing_and_whole(differ: Differ) -> None:
    differ.check("SPOP", "nokey")
    differ.check("SPOP", "nokey", "3")
    differ.check("SADD", "s", "only")
    differ.check("SPOP", "s")
    differ.check("EXISTS", "s")
    differ.check("SADD", "s", "3", "1", "2")
    differ.check("SPOP", "s", "3")
    differ.check("EXISTS", "s")
    differ.check("SADD", "s", "3", "1", "2", "x")
    differ.check("SREM", "s", "x")  # a hashtable holding only integers...
    differ.check("SPOP", "s", "9")  # ...pops as a sorted union


@pytest.mark.parametrize("size", [10, 200])
def test_spop_properties(differ: Differ, size: int) -> None:
    original = {m.encode() for m in members(differ, "s", size, "m")}
    for side in (differ.godis.call, differ.redis.call):
        side("SUNIONSTORE", "t", "s")
        remaining = set(original)
        single = parse_reply(side("SPOP", "t"))
        assert single in remaining
        remaining.discard(single)
        for count in (1, 3, size // 2):
            popped = parse_reply(side("SPOP", "t", count))
            items = popped[1] if isinstance(popped, tuple) else popped
            assert isinstance(items, list)
            assert len(items) == count
            assert len(set(items)) == count
            assert set(items) <= remaining
            remaining -= set(items)
        left = parse_reply(side("SMEMBERS", "t"))
        left_items = left[1] if isinstance(left, tuple) else left
        assert isinstance(left_items, list)
        assert set(left_items) == remaining
        assert parse_reply(side("SCARD", "t")) == len(remaining)


def test_spop_propagation(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("SADD", "s", "a", "b", "c", "d", "e")
    del log[:]
    one = parse_reply(diff.godis.call("SPOP", "s"))
    assert log == [[b"SREM", b"s", one]]
    del log[:]
    two = parse_reply(diff.godis.call("SPOP", "s", "2"))
    assert isinstance(two, list)
    # several records for one command: one MULTI/EXEC block, as Redis 7.0 propagates it
    assert log == [[b"MULTI"], *[[b"SREM", b"s", member] for member in two], [b"EXEC"]]
    del log[:]
    diff.godis.call("SPOP", "s", "0")
    diff.godis.call("SPOP", "nokey", "5")
    assert log == []
    diff.godis.call("SPOP", "s", "10")
    assert log == [[b"DEL", b"s"]]
    assert diff.godis.call("EXISTS", "s") == b":0\r\n"


def test_spop_drains_a_big_set() -> None:
    """Popping one by one returns every member once (the random-access list stays in step)."""
    godis = GodisDirect()
    expected = {f"m{i}".encode() for i in range(500)}
    godis.call("SADD", "s", *expected)
    seen = []
    godis.call("SRANDMEMBER", "s")  # builds the cached list
    for i in range(250):
        seen.append(parse_reply(godis.call("SPOP", "s")))
        if i % 50 == 0:
            godis.call("SADD", "s", f"late{i}")
            expected.add(f"late{i}".encode())
            if godis.call("SREM", "s", f"m{499 - i}") == b":1\r\n":
                expected.discard(f"m{499 - i}".encode())
    while True:
        batch = parse_reply(godis.call("SPOP", "s", "7"))
        assert isinstance(batch, list)
        if not batch:
            break
        seen.extend(batch)
    assert len(seen) == len(set(seen))
    assert set(seen) == expected


# -- SRANDMEMBER -----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("x",), ("1.5",), ("",), ("9223372036854775808",),
                                  ("-9223372036854775808",), ("1", "2"), ("0",),
                                  ("9223372036854775807",), ("5",)])
def test_srandmember_arguments(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("SADD", "s", "3", "1", "2")
    differ.check("SRANDMEMBER", "s", *args)
    differ.check("SRANDMEMBER", "nokey", *args)


def test_srandmember_single(differ: Differ) -> None:
    differ.check("SRANDMEMBER", "nokey")
    differ.check("SADD", "s", "only")
    differ.check("SRANDMEMBER", "s")
    differ.check("SRANDMEMBER", "s", "-3")
    differ.check("SADD", "h", "3", "1", "2", "x")
    differ.check("SREM", "h", "x")
    differ.check_unordered("SRANDMEMBER", "h", "10")  # whole set in the set's own order


@pytest.mark.parametrize("size", [5, 300])
def test_srandmember_properties(differ: Differ, size: int) -> None:
    all_members = {m.encode() for m in members(differ, "s", size, "m")}
    for side in (differ.godis.call, differ.redis.call):
        for count in (1, 2, size - 1, size, size + 5, -1, -size, -3 * size):
            reply = parse_reply(side("SRANDMEMBER", "s", count))
            assert isinstance(reply, list)  # an array even in RESP3
            assert len(reply) == (min(count, size) if count > 0 else -count)
            assert set(reply) <= all_members
            if count > 0:
                assert len(set(reply)) == len(reply)
        assert parse_reply(side("SCARD", "s")) == size


def test_srandmember_covers_every_member() -> None:
    godis = GodisDirect()
    godis.call("SADD", "s", *[f"m{i}" for i in range(100)])
    seen = {parse_reply(godis.call("SRANDMEMBER", "s")) for _ in range(3000)}
    assert len(seen) == 100
    godis.call("SREM", "s", "m0")
    godis.call("SADD", "s", "new")
    picks = parse_reply(godis.call("SRANDMEMBER", "s", "-5000"))
    assert isinstance(picks, list)
    assert b"m0" not in picks
    assert len(set(picks)) == 100


# -- SSCAN ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("0",), ("0", "COUNT", "1"), ("0", "MATCH", "1*"), ("0", "MATCH", "*", "COUNT", "100"),
    ("5",), ("0", "COUNT", "0"), ("0", "COUNT", "x"), ("0", "MATCH"), ("0", "TYPE", "set"),
    ("x",), ("18446744073709551616",), (" 0",), ("-",),
])
def test_sscan_intset(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("SADD", "s", "10", "1", "12", "-3", "100")
    differ.check("SSCAN", "s", *args)
    differ.check("SSCAN", "nokey", *args)


def test_sscan_hashtable(diff: Differ) -> None:
    """A full SSCAN of a hashtable returns every member, on both sides."""
    items = {m.encode() for m in members(diff, "s", 700, "m")}
    diff.check("OBJECT", "ENCODING", "s")
    for call in (diff.godis.call, diff.redis.call):
        for match, expected in ((None, items), (b"m1*", {m for m in items if m[:2] == b"m1"})):
            seen: set[bytes] = set()
            cursor = b"0"
            while True:
                args: list[bytes | str] = ["SSCAN", "s", cursor, "COUNT", "25"]
                args += ["MATCH", match] if match else []
                reply = parse_reply(call(*args))
                assert isinstance(reply, list)
                cursor, found = reply
                seen.update(found)
                if cursor == b"0":
                    break
            assert seen == expected


def test_sscan_guarantee_under_modification() -> None:
    """Members present for the whole iteration are all returned, despite adds and deletes."""
    godis = GodisDirect()
    stable = [f"s{i}".encode() for i in range(400)]
    churn = [f"c{i}".encode() for i in range(400)]
    godis.call("SADD", "s", *stable, *churn)
    seen: set[bytes] = set()
    cursor = b"0"
    step = 0
    while True:
        reply = parse_reply(godis.call("SSCAN", "s", cursor, "COUNT", "15"))
        assert isinstance(reply, list)
        cursor, found = reply
        seen.update(found)
        godis.call("SREM", "s", churn[step % 400])
        godis.call("SADD", "s", f"new{step}")
        godis.call("SPOP", "s", "1") if step % 7 == 0 else None
        step += 1
        if cursor == b"0":
            break
    popped_or_removed = set(churn)
    assert seen <= set(stable) | popped_or_removed | {f"new{i}".encode() for i in range(step)}
    still_there = {m for m in stable if godis.call("SISMEMBER", "s", m) == b":1\r\n"}
    assert still_there <= seen


# -- hypothesis: random command sequences against both servers -------------------------------

MEMBERS = st.sampled_from([b"1", b"2", b"3", b"-7", b"10", b"a", b"b", b"c", b"", b"01"])
SKEYS = st.sampled_from([b"s1", b"s2", b"s3", b"h"])


class SetMachine(DifferentialMachine):
    """Sends the same random set commands to godis and redis-server; every reply must match."""

    restores = LIMITS

    @initialize(resp=st.sampled_from([2, 3]))
    def setup(self, resp: int) -> None:
        self.differ.both("HELLO", str(resp))  # the replies differ in the client id
        self.differ.check("CONFIG", "SET", "set-max-intset-entries", "4")
        self.differ.check("HSET", "h", "f", "v")

    def ordered(self, key: bytes) -> bool:
        """Whether Redis's reply order is defined: an intset (or nothing)."""
        return self.differ.check("OBJECT", "ENCODING", key) in (INTSET, b"$-1\r\n", b"_\r\n")

    @rule(key=SKEYS, items=st.lists(MEMBERS, min_size=1, max_size=4))
    def sadd(self, key: bytes, items: list[bytes]) -> None:
        self.differ.check("SADD", key, *items)

    @rule(key=SKEYS, items=st.lists(MEMBERS, min_size=3, max_size=8))
    def sadd_more(self, key: bytes, items: list[bytes]) -> None:
        self.differ.check("SADD", key, *items)

    @rule(key=SKEYS, items=st.lists(MEMBERS, min_size=1, max_size=4))
    def srem(self, key: bytes, items: list[bytes]) -> None:
        self.differ.check("SREM", key, *items)

    @rule(source=SKEYS, dest=SKEYS, member=MEMBERS)
    def smove(self, source: bytes, dest: bytes, member: bytes) -> None:
        self.differ.check("SMOVE", source, dest, member)

    @rule(key=SKEYS, items=st.lists(MEMBERS, min_size=1, max_size=3))
    def reads(self, key: bytes, items: list[bytes]) -> None:
        self.differ.check("SISMEMBER", key, items[0])
        self.differ.check("SMISMEMBER", key, *items)
        self.differ.check("SCARD", key)

    @rule(key=SKEYS)
    def whole(self, key: bytes) -> None:
        if self.ordered(key):
            self.differ.check("SMEMBERS", key)
            self.differ.check("SSCAN", key, "0")
            self.differ.check("SRANDMEMBER", key, "50")
        else:
            self.differ.check_unordered("SMEMBERS", key)
            self.differ.check_unordered("SRANDMEMBER", key, "50")

    @rule(keys=st.lists(SKEYS, min_size=1, max_size=3), op=st.sampled_from(
        ["SINTER", "SUNION", "SDIFF"]), dest=st.none() | SKEYS)
    def algebra(self, keys: list[bytes], op: str, dest: bytes | None) -> None:
        if dest is not None:
            self.differ.check(op + "STORE", dest, *keys)
            self.differ.check("OBJECT", "ENCODING", dest)
        else:
            self.differ.check_unordered(op, *keys)

    @rule(keys=st.lists(SKEYS, min_size=1, max_size=3), limit=st.integers(0, 3))
    def sintercard(self, keys: list[bytes], limit: int) -> None:
        self.differ.check("SINTERCARD", len(keys), *keys, "LIMIT", limit)

    @rule(key=SKEYS)
    def spop_all(self, key: bytes) -> None:
        if self.ordered(key):
            self.differ.check("SPOP", key, "100")
        else:
            self.differ.check_unordered("SPOP", key, "100")

    @rule(key=SKEYS)
    def encoding(self, key: bytes) -> None:
        self.differ.check("OBJECT", "ENCODING", key)


def test_set_state_machine(redis_port: int) -> None:
    run_machine(SetMachine, redis_port)
