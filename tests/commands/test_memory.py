"""MEMORY and INFO memory against a real redis-server 7.0.

Replies and errors are compared byte for byte. Sizes are compared with a tolerance: MEMORY
USAGE must be exact for strings, listpacks, intsets and quicklists (the model follows the same
allocations), and within 15% for hash tables and skiplists, where Redis samples elements in
hash order (godis in insertion order), skiplist node levels are random and a dict may be
caught in the middle of an incremental rehash (both tables counted).
"""

from __future__ import annotations

import pytest

from tests.support.differential import Differ
from tests.support.resp import parse_reply

Args = tuple[bytes | str | int | float, ...]


def _usage(differ: Differ, key: str, *extra: str) -> tuple[int, int]:
    mine, theirs = differ.both("MEMORY", "USAGE", key, *extra)
    a, b = parse_reply(mine), parse_reply(theirs)
    assert isinstance(a, int), mine
    assert isinstance(b, int), theirs
    return a, b


def _pairs(count: int, field: str, value: str) -> list[str]:
    out: list[str] = []
    for i in range(count):
        out += [f"{field}{i}", f"{value}{i}"]
    return out


EXACT: list[tuple[str, Args]] = [
    ("int", ("SET", "k", "123")),
    ("negative int", ("SET", "k", "-9223372036854775808")),
    ("embstr", ("SET", "k", "hello")),
    ("embstr limit", ("SET", "k", "x" * 44)),
    ("raw", ("SET", "k", "x" * 45)),
    ("raw 1k", ("SET", "k", "x" * 1000)),
    ("raw 100k", ("SET", "k", "x" * 100_000)),
    ("empty", ("SET", "k", "")),
    ("listpack hash", ("HSET", "k", "a", "1", "b", "2")),
    ("listpack hash 100", ("HSET", "k", *_pairs(100, "field", "value"))),
    ("listpack hash long value", ("HSET", "k", "a", "x" * 100)),
    ("small list", ("RPUSH", "k", "a", "b", "c")),
    ("list 1000", ("RPUSH", "k", *[f"elem{i}" for i in range(1000)])),
    ("list of ints", ("RPUSH", "k", *range(-5000, 5000, 7))),
    ("intset 16", ("SADD", "k", *range(100))),
    ("intset 32", ("SADD", "k", *range(100_000, 100_300))),
    ("intset 64", ("SADD", "k", 1, 2**40)),
    ("listpack zset", ("ZADD", "k", 1, "a", 2.5, "b")),
    ("listpack zset 100", ("ZADD", "k", *[x for i in range(100) for x in (i * 1.5, f"m{i}")])),
    ("zset odd scores", ("ZADD", "k", 0.1, "a", -0.0, "b", "inf", "c", 1e300, "d")),
]


@pytest.mark.parametrize(("name", "args"), EXACT, ids=[name for name, _ in EXACT])
def test_usage_exact(diff: Differ, name: str, args: Args) -> None:
    diff.both(*args)
    for extra in ((), ("SAMPLES", "0"), ("SAMPLES", "1")):
        mine, theirs = _usage(diff, "k", *extra)
        assert mine == theirs, (name, extra, mine, theirs)


def test_usage_after_append(diff: Differ) -> None:
    """One APPEND: Redis grows the sds greedily (2x), the model charges the same."""
    diff.both("SET", "k", "hello")
    diff.both("APPEND", "k", " world")
    mine, theirs = _usage(diff, "k")
    assert mine == theirs


def test_usage_long_key(diff: Differ) -> None:
    for length in (1, 31, 32, 255, 256, 70_000):
        key = "k" * length
        diff.both("SET", key, "v")
        mine, theirs = _usage(diff, key)
        assert mine == theirs, length


SAMPLED: list[tuple[str, Args]] = [
    ("hashtable hash", ("HSET", "k", *_pairs(1000, "f", "v"))),
    ("hashtable set", ("SADD", "k", *[f"member{i}" for i in range(300)])),
    ("skiplist zset", ("ZADD", "k", *[x for i in range(1000) for x in (i, f"member{i}")])),
    ("long list", ("RPUSH", "k", *[f"element{i}" * 20 for i in range(5000)])),
]


@pytest.mark.parametrize(("name", "args"), SAMPLED, ids=[name for name, _ in SAMPLED])
def test_usage_sampled(diff: Differ, name: str, args: Args) -> None:
    diff.both(*args)
    for extra in ((), ("SAMPLES", "0")):
        mine, theirs = _usage(diff, "k", *extra)
        assert abs(mine - theirs) <= 0.15 * theirs, (name, extra, mine, theirs)


def test_usage_errors(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("MEMORY", "USAGE", "missing")
    differ.check("MEMORY", "USAGE", "k", "SAMPLES")
    differ.check("MEMORY", "USAGE", "k", "SAMPLES", "-1")
    differ.check("MEMORY", "USAGE", "k", "SAMPLES", "x")
    differ.check("MEMORY", "USAGE", "k", "FOO", "1")
    differ.check("MEMORY", "USAGE")
    differ.check("MEMORY", "USAGE", "k", "samples", "10", "SAMPLES", "2")


def test_memory_subcommands(differ: Differ) -> None:
    differ.check("MEMORY", "HELP")
    differ.check("MEMORY", "PURGE")
    differ.check("MEMORY", "NOPE")
    differ.check("MEMORY")
    differ.check("MEMORY", "STATS", "extra")
    differ.check("MEMORY", "DOCTOR", "extra")
    differ.check("MEMORY", "HELP", "extra")
    differ.check("MEMORY", "DOCTOR")  # both "empty instance" reports


def test_memory_stats_shape(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("SET", "t", "v", "EX", "100")
    mine = parse_reply(differ.godis.call("MEMORY", "STATS"))
    theirs = parse_reply(differ.redis.call("MEMORY", "STATS"))

    def names(reply: object) -> list[object]:
        if isinstance(reply, tuple):  # a RESP3 map
            reply = reply[1]
        assert isinstance(reply, list)
        return reply[::2]

    assert names(mine) == names(theirs)


def test_info_memory_fields(diff: Differ) -> None:
    """The fields of INFO memory, in Redis 7.0's order."""
    mine = diff.godis.call("INFO", "memory").decode()
    theirs = diff.redis.call("INFO", "memory").decode()

    def names(text: str) -> list[str]:
        return [line.split(":", 1)[0] for line in text.split("\r\n") if ":" in line]

    assert names(mine) == names(theirs)
    fields = dict(line.split(":", 1) for line in mine.split("\r\n") if ":" in line)
    assert fields["used_memory_startup"] == "876160"
    assert int(fields["used_memory_rss"]) > int(fields["used_memory"])
    assert fields["maxmemory_human"] == "0B"


def test_used_memory_tracks_the_dataset(diff: Differ) -> None:
    """used_memory grows with data and returns to the start after FLUSHALL."""
    def used() -> int:
        text = diff.godis.call("INFO", "memory").decode()
        line = next(x for x in text.split("\r\n") if x.startswith("used_memory:"))
        return int(line.split(":")[1])

    empty = used()
    diff.godis.call("RPUSH", "l", *[f"element{i}" * 10 for i in range(2000)])
    diff.godis.call("SET", "s", "x" * 10_000)
    grown = used()
    usage = sum(parse_reply(diff.godis.call("MEMORY", "USAGE", k)) for k in ("l", "s"))  # type: ignore[misc]
    assert abs((grown - empty) - usage) < 0.05 * usage  # the running total samples less
    diff.godis.call("FLUSHALL")
    assert used() == empty


@pytest.mark.parametrize("entries", [1, 50, 100, 101, 250, 1000])
def test_stream_usage(diff: Differ, entries: int) -> None:
    """objectComputeSize for streams: the rax, full nodes shrunk to fit, the tail node's
    preallocated listpack; exact without groups (explicit IDs, so both build the same nodes)."""
    for n in range(1, entries + 1):
        diff.both("XADD", "s", f"{n}-1", "field", "value", "n", n)
    mine, theirs = _usage(diff, "s")
    assert mine == theirs, (entries, mine, theirs)


def test_stream_usage_with_groups(diff: Differ) -> None:
    """Groups, consumers and pending entries are counted (the PELs' rax nodes estimated):
    within 10%."""
    for n in range(1, 301):
        diff.both("XADD", "s", f"{n}-1", "f", "v")
    diff.both("XGROUP", "CREATE", "s", "g", "0")
    diff.both("XREADGROUP", "GROUP", "g", "alice", "COUNT", "100", "STREAMS", "s", ">")
    diff.both("XREADGROUP", "GROUP", "g", "bob", "COUNT", "50", "STREAMS", "s", ">")
    mine, theirs = _usage(diff, "s")
    assert abs(mine - theirs) <= theirs * 0.1, (mine, theirs)
