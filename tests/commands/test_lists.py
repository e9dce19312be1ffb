"""List commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3.

The blocking commands appear here only where they answer at once (data present, errors, or
inside MULTI where they may not block); waiting is tested in ``tests/test_blocking.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from godis.blocking import parse_timeout
from godis.commands import lists as lists_module, load_all
from godis.errors import CommandError
from godis.keyspace.values import ListValue
from godis.protocol.writer import encode
from tests.support.differential import Differ, GodisDirect, propagated
from tests.support.stateful import run_with_differ

HAS_MULTI = b"multi" in load_all()
needs_multi = pytest.mark.skipif(not HAS_MULTI, reason="MULTI/EXEC not implemented yet")
LONG_MAX = "9223372036854775807"
LONG_MIN = "-9223372036854775808"


def both_lists(differ: Differ, *keys: str) -> None:
    """The lists (and their existence) are the same on both sides."""
    for key in keys:
        differ.check("EXISTS", key)
        differ.check("LRANGE", key, 0, -1)


@pytest.fixture
def wrong(differ: Differ) -> Differ:
    """A differ with a set at ``str`` and a list ``l`` = a b c a b c a."""
    differ.check("SADD", "str", "v")  # any other type
    differ.check("RPUSH", "l", "a", "b", "c", "a", "b", "c", "a")
    return differ


# -- pushes --------------------------------------------------------------------------------------


def test_push_and_pushx(differ: Differ) -> None:
    differ.check("RPUSH", "l", "a", "b", "c")
    differ.check("LPUSH", "l", "x", "y", "z")  # each to the head: z y x a b c
    differ.check("LPUSHX", "l", "1", "2")
    differ.check("RPUSHX", "l", "3", "4")
    differ.check("LPUSHX", "nokey", "a")
    differ.check("RPUSHX", "nokey", "a", "b")
    differ.check("LPUSH", "l", "")
    differ.check("RPUSH", "l", "12345", "-1", "3.5")
    both_lists(differ, "l", "nokey")
    differ.check("LLEN", "l")


def test_push_errors(wrong: Differ) -> None:
    for name in ("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"):
        wrong.check(name, "str", "a")
        wrong.check(name, "l")
        wrong.check(name)


def test_linsert(wrong: Differ) -> None:
    wrong.check("LINSERT", "l", "BEFORE", "a", "X")
    wrong.check("LINSERT", "l", "after", "c", "Y")  # the first c only
    wrong.check("LINSERT", "l", "AfTeR", "a", "Z")
    wrong.check("LINSERT", "l", "before", "zzz", "X")
    wrong.check("LINSERT", "l", "middle", "a", "X")
    wrong.check("LINSERT", "nokey", "before", "a", "X")
    wrong.check("LINSERT", "nokey", "middle", "a", "X")  # syntax before the key lookup
    wrong.check("LINSERT", "str", "before", "a", "X")
    wrong.check("LINSERT", "str", "middle", "a", "X")
    wrong.check("LINSERT", "l", "before", "a")
    wrong.check("RPUSH", "one", "p")
    wrong.check("LINSERT", "one", "after", "p", "q")
    wrong.check("LINSERT", "one", "before", "p", "o")
    both_lists(wrong, "l", "one", "nokey")


# -- reads ---------------------------------------------------------------------------------------


def test_llen_lindex(wrong: Differ) -> None:
    wrong.check("LLEN", "l")
    wrong.check("LLEN", "nokey")
    wrong.check("LLEN", "str")
    for index in (0, 1, 6, 7, 100, -1, -7, -8, LONG_MAX, LONG_MIN):
        wrong.check("LINDEX", "l", index)
    wrong.check("LINDEX", "l", "abc")
    wrong.check("LINDEX", "l", "1.5")
    wrong.check("LINDEX", "nokey", 0)
    wrong.check("LINDEX", "nokey", "abc")  # the key is looked up first
    wrong.check("LINDEX", "str", 0)
    wrong.check("LINDEX", "str", "abc")


@pytest.mark.parametrize(("start", "stop"), [
    (0, -1), (0, 0), (1, 3), (-3, -1), (-100, 100), (5, 2), (6, 100), (7, 8), (-1, -2),
    (-8, -7), (3, -3), (LONG_MAX, LONG_MIN), (LONG_MIN, LONG_MAX), (0, LONG_MIN), (-2, 1000),
])
def test_lrange_ranges(wrong: Differ, start: int | str, stop: int | str) -> None:
    wrong.check("LRANGE", "l", start, stop)


def test_lrange_long_list_from_both_ends(differ: Differ) -> None:
    differ.check("RPUSH", "l", *range(300))
    for start, stop in ((0, 9), (290, 299), (-10, -1), (100, 200), (150, 290), (-295, 5)):
        differ.check("LRANGE", "l", start, stop)


def test_lrange_short_ranges_deep_inside_a_long_list(differ: Differ) -> None:
    """The by-index path (a short range far from both ends) answers like the iterator path."""
    differ.check("RPUSH", "l", *range(5000))
    for start, stop in ((2000, 2009), (2500, 2500), (1000, 1063), (3000, 3200), (-2600, -2590),
                        (4000, 4001), (63, 64), (64, 64)):
        differ.check("LRANGE", "l", start, stop)


def test_lrange_in_the_middle_does_not_walk_from_an_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """LRANGE of 10 in the middle of a 200k list reads them by index (deque block hops), not
    by stepping an iterator over 100k elements: counted through ``lists.islice``."""
    steps = 0

    def counting(values: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal steps
        for value in values:
            steps += 1
            yield value

    def counting_islice(values: Iterable[bytes], *bounds: int | None) -> Iterator[bytes]:
        return islice(counting(values), *bounds)

    monkeypatch.setattr(lists_module, "islice", counting_islice)
    godis = GodisDirect()
    godis.client.db.data[b"l"] = value = ListValue()
    value.extend(b"%d" % i for i in range(200_000))
    reply = godis.call("LRANGE", "l", 100_000, 100_009)
    assert reply == encode([b"%d" % i for i in range(100_000, 100_010)], 2)
    assert steps < 100
    godis.call("LRANGE", "l", 0, 9)  # near an end the iterator is the cheaper way
    assert 0 < steps < 100


def test_lrange_errors(wrong: Differ) -> None:
    wrong.check("LRANGE", "l", "abc", 1)
    wrong.check("LRANGE", "l", 0, "x")
    wrong.check("LRANGE", "nokey", 0, -1)
    wrong.check("LRANGE", "nokey", "abc", 1)  # indexes parsed before the key lookup
    wrong.check("LRANGE", "str", 0, 1)
    wrong.check("LRANGE", "str", "abc", 1)
    wrong.check("LRANGE", "l", 0)


def test_lpos(wrong: Differ) -> None:
    cases = [
        (), ("RANK", 2), ("RANK", 3), ("RANK", 4), ("RANK", -1), ("RANK", -3), ("RANK", -4),
        ("COUNT", 0), ("COUNT", 2), ("COUNT", 10), ("RANK", -2, "COUNT", 0),
        ("COUNT", 2, "RANK", 2), ("RANK", LONG_MIN), ("RANK", LONG_MAX), ("MAXLEN", 1),
        ("MAXLEN", 3, "COUNT", 0), ("MAXLEN", 4, "COUNT", 0), ("MAXLEN", 0, "COUNT", 0),
        ("MAXLEN", 0, "COUNT", 0, "RANK", -1), ("RANK", 1, "RANK", 3),
        ("rank", -1, "count", 1, "maxlen", 2), ("RANK", 2, "MAXLEN", 3),
        ("RANK", -2, "MAXLEN", 4), ("MAXLEN", 100),
    ]
    for element in ("a", "b", "c", "z"):
        for options in cases:
            wrong.check("LPOS", "l", element, *options)


def test_lpos_errors(wrong: Differ) -> None:
    wrong.check("LPOS", "l", "a", "RANK", 0)
    wrong.check("LPOS", "l", "a", "RANK", "abc")
    wrong.check("LPOS", "l", "a", "COUNT", -1)
    wrong.check("LPOS", "l", "a", "COUNT", "abc")
    wrong.check("LPOS", "l", "a", "MAXLEN", -1)
    wrong.check("LPOS", "l", "a", "MAXLEN", "abc")
    wrong.check("LPOS", "l", "a", "foo")
    wrong.check("LPOS", "l", "a", "RANK")
    wrong.check("LPOS", "l", "a", "COUNT")
    wrong.check("LPOS", "l", "a", "MAXLEN", 1, "foo", 2)
    wrong.check("LPOS", "nokey", "a")
    wrong.check("LPOS", "nokey", "a", "COUNT", 1)
    wrong.check("LPOS", "nokey", "a", "RANK", 0)  # options parsed before the key lookup
    wrong.check("LPOS", "str", "a")
    wrong.check("LPOS", "str", "a", "COUNT", 1)
    wrong.check("LPOS", "str", "a", "RANK", 0)
    wrong.check("LPOS", "l")


# -- in-place changes ----------------------------------------------------------------------------


def test_lset(wrong: Differ) -> None:
    wrong.check("LSET", "l", 0, "Z")
    wrong.check("LSET", "l", -1, "W")
    wrong.check("LSET", "l", 3, "M")
    wrong.check("LSET", "l", 7, "W")
    wrong.check("LSET", "l", -8, "W")
    wrong.check("LSET", "l", LONG_MAX, "W")
    wrong.check("LSET", "l", "abc", "W")
    wrong.check("LSET", "nokey", 0, "W")
    wrong.check("LSET", "nokey", "abc", "W")  # no such key before the index is parsed
    wrong.check("LSET", "str", 0, "W")
    wrong.check("LSET", "str", "abc", "W")
    both_lists(wrong, "l", "nokey")


@pytest.mark.parametrize(("start", "stop"), [
    (1, -2), (0, -1), (2, 4), (-3, -1), (0, 0), (-1, -1), (5, 1), (7, 10), (-100, 100),
    (1, 100), (LONG_MIN, LONG_MAX), (LONG_MAX, LONG_MIN), (-100, -50), (0, 5), (6, 6),
])
def test_ltrim(wrong: Differ, start: int | str, stop: int | str) -> None:
    wrong.check("LTRIM", "l", start, stop)
    both_lists(wrong, "l")


def test_ltrim_large_list(differ: Differ) -> None:
    differ.check("RPUSH", "l", *range(200))
    differ.check("LTRIM", "l", 10, 189)  # drops a few: pops at both ends
    differ.check("LTRIM", "l", 100, 110)  # keeps a few: rebuilds
    both_lists(differ, "l")


def test_ltrim_errors(wrong: Differ) -> None:
    wrong.check("LTRIM", "l", "abc", 1)
    wrong.check("LTRIM", "l", 0, "abc")
    wrong.check("LTRIM", "nokey", 0, 1)
    wrong.check("LTRIM", "nokey", "abc", 1)
    wrong.check("LTRIM", "str", 0, 1)
    wrong.check("LTRIM", "str", "abc", 1)
    both_lists(wrong, "l", "nokey")


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, -1, -2, -3, 100, -100, 17, -17,
                                   LONG_MAX, LONG_MIN])
def test_lrem(wrong: Differ, count: int | str) -> None:
    wrong.check("LREM", "l", count, "a")
    both_lists(wrong, "l")
    wrong.check("LREM", "l", count, "b")
    wrong.check("LREM", "l", count, "zzz")
    both_lists(wrong, "l")


def test_lrem_long_lists(differ: Differ) -> None:
    differ.check("RPUSH", "l", *(["x", "y", "z"] * 40))
    differ.check("LREM", "l", 20, "x")
    differ.check("LREM", "l", -25, "y")
    differ.check("LREM", "l", 0, "z")
    both_lists(differ, "l")
    differ.check("LREM", "l", 0, "x")
    differ.check("LREM", "l", -100, "y")
    both_lists(differ, "l")


def test_lrem_errors(wrong: Differ) -> None:
    wrong.check("LREM", "l", "abc", "a")
    wrong.check("LREM", "nokey", 1, "a")
    wrong.check("LREM", "nokey", "abc", "a")
    wrong.check("LREM", "str", 1, "a")
    wrong.check("LREM", "str", "abc", "a")


# -- pops ----------------------------------------------------------------------------------------


def test_pops(wrong: Differ) -> None:
    wrong.check("LPOP", "l")
    wrong.check("RPOP", "l")
    wrong.check("LPOP", "l", 2)
    wrong.check("RPOP", "l", 2)
    wrong.check("LPOP", "l", 0)
    wrong.check("RPOP", "l", 0)
    wrong.check("RPOP", "l", 5)  # more than there are: all, and the key is gone
    both_lists(wrong, "l")
    wrong.check("LPOP", "l")
    wrong.check("RPOP", "l")
    wrong.check("LPOP", "nokey", 0)
    wrong.check("LPOP", "nokey", 2)
    wrong.check("RPUSH", "m", "only")
    wrong.check("LPOP", "m")
    wrong.check("EXISTS", "m")
    wrong.check("RPUSH", "m", "1", "2")
    wrong.check("LPOP", "m", LONG_MAX)


def test_pop_errors(wrong: Differ) -> None:
    for name in ("LPOP", "RPOP"):
        wrong.check(name, "l", "abc")
        wrong.check(name, "l", -1)
        wrong.check(name, "l", "1.0")
        wrong.check(name, "l", 1, 2)
        wrong.check(name, "str")
        wrong.check(name, "str", 0)
        wrong.check(name, "str", "abc")  # the count is parsed first
        wrong.check(name)


def test_lmpop(differ: Differ) -> None:
    differ.check("RPUSH", "a", 1, 2, 3, 4, 5)
    differ.check("RPUSH", "b", "x", "y")
    differ.check("LMPOP", 3, "x", "y", "a", "right", "count", 2)
    differ.check("LMPOP", 1, "a", "LEFT")
    differ.check("LMPOP", 2, "b", "a", "LEFT", "COUNT", 10)
    differ.check("LMPOP", 2, "b", "a", "Right", "Count", 10)
    differ.check("LMPOP", 2, "b", "a", "LEFT")
    differ.check("LMPOP", 1, "a", "LEFT", "COUNT", LONG_MAX)
    both_lists(differ, "a", "b")


def test_lmpop_errors(wrong: Differ) -> None:
    cases: list[tuple[str | int, ...]] = [
        (0, "k", "left"), (-1, "k", "left"), ("abc", "k", "left"), (1, "k"), (2, "k", "left"),
        (2, "k", "str", "left"), (2, "k", "str", "middle"), (1, "k", "left", "count"),
        (1, "k", "left", "count", 0), (1, "k", "left", "count", -5),
        (1, "k", "left", "count", "abc"), (1, "k", "left", "count", 2, "count", 3),
        (1, "k", "left", "foo"), (LONG_MAX, "k", "left"), ("9223372036854775808", "k", "left"),
        (1, "str", "left"), (2, "l", "str", "left", "count", 2), (1, "nokey", "left"),
        (1, "k", "middle", "count", 0),
    ]
    for args in cases:
        wrong.check("LMPOP", *args)


def test_lmove_and_rpoplpush(differ: Differ) -> None:
    differ.check("RPUSH", "a", 1, 2, 3, 4)
    for sides in (("LEFT", "RIGHT"), ("right", "left"), ("left", "left"), ("Right", "Right")):
        differ.check("LMOVE", "a", "b", *sides)
    both_lists(differ, "a", "b")
    differ.check("LMOVE", "b", "b", "LEFT", "RIGHT")  # rotation
    differ.check("RPOPLPUSH", "b", "b")
    differ.check("RPOPLPUSH", "b", "c")
    differ.check("RPOPLPUSH", "b", "c")
    differ.check("RPOPLPUSH", "b", "c")
    both_lists(differ, "a", "b", "c")
    differ.check("RPUSH", "one", "x")
    differ.check("LMOVE", "one", "one", "LEFT", "LEFT")  # a single element onto itself
    both_lists(differ, "one")


def test_lmove_errors(wrong: Differ) -> None:
    wrong.check("LMOVE", "nokey", "d", "left", "right")
    wrong.check("LMOVE", "nokey", "d", "up", "right")
    wrong.check("LMOVE", "l", "d", "left", "up")
    wrong.check("LMOVE", "str", "d", "left", "right")
    wrong.check("LMOVE", "nokey", "str", "left", "right")  # missing source: null first
    wrong.check("LMOVE", "l", "str", "left", "right")
    wrong.check("RPOPLPUSH", "str", "d")
    wrong.check("RPOPLPUSH", "l", "str")
    wrong.check("RPOPLPUSH", "nokey", "str")
    wrong.check("LMOVE", "l", "d", "left")
    both_lists(wrong, "l", "d")


# -- blocking commands that answer at once --------------------------------------------------------


def test_blocking_pops_with_data(differ: Differ) -> None:
    differ.check("RPUSH", "a", 1, 2, 3)
    differ.check("RPUSH", "b", "x", "y", "z")
    differ.check("BLPOP", "nokey", "a", 0)
    differ.check("BRPOP", "nokey", "b", "a", 1.5)
    differ.check("BLMOVE", "a", "c", "LEFT", "right", 0)
    differ.check("BRPOPLPUSH", "b", "c", 0)
    differ.check("BLMPOP", 0, 2, "nokey", "b", "left", "count", 5)
    differ.check("BLMPOP", "0.5", 1, "a", "RIGHT")
    both_lists(differ, "a", "b", "c")


def test_blocking_errors(wrong: Differ) -> None:
    cases: list[tuple[str | int, ...]] = [
        ("BLPOP", "k", "abc"), ("BLPOP", "k", -1), ("BLPOP", "k", "inf"), ("BLPOP", "k", "-inf"),
        ("BLPOP", "k", "1e20"), ("BLPOP", "k", "9223372036854776"), ("BLPOP", "k", "nan"),
        ("BLPOP", "k", " 1"), ("BLPOP", "k", "1 "), ("BLPOP", "k", "1_0"), ("BLPOP", "k", ""),
        ("BLPOP", "str", "abc"), ("BLPOP", "str", 1), ("BLPOP", "k", "str", 0),
        ("BLPOP", "k", "str", -1), ("BRPOP", "str", 0), ("BLPOP", "k"),
        ("BRPOPLPUSH", "str", "k", 0), ("BRPOPLPUSH", "l", "str", 0),
        ("BRPOPLPUSH", "k", "d", "abc"), ("BLMOVE", "k", "d", "left", "middle", 0),
        ("BLMOVE", "k", "d", "up", "left", "abc"), ("BLMOVE", "k", "d", "left", "right", "abc"),
        ("BLMOVE", "k", "d", "left", "right", -1), ("BLMOVE", "str", "d", "left", "right", 0),
        ("BLMOVE", "l", "str", "left", "right", 0), ("BLMPOP", "abc", 1, "k", "left"),
        ("BLMPOP", "abc", 0, "k", "left"), ("BLMPOP", 0, 0, "k", "left"),
        ("BLMPOP", 0, 2, "k", "left"), ("BLMPOP", 0, 1, "k", "middle"),
        ("BLMPOP", 0, 1, "k", "left", "count", 0), ("BLMPOP", "abc", 1, "k", "left", "count", 0),
        ("BLMPOP", 0, 1, "k", "left", "count", 1, "count", 2), ("BLMPOP", 0, 1, "str", "left"),
        ("BLMPOP", 0, 2, "k", "str", "left"), ("BLMPOP", 0, 1, "k", "left", "junk"),
        ("BLMPOP", 0, -1, "k", "left"), ("BLMPOP", 0, LONG_MAX, "k", "left"),
        ("BLMPOP", -1, 1, "k", "left"),
    ]
    for args in cases:
        wrong.check(*args)
    both_lists(wrong, "l")


@needs_multi
def test_blocking_inside_multi_answers_at_once(differ: Differ) -> None:
    """In MULTI a blocking command with nothing to pop replies as if it timed out, except
    BLMOVE/BRPOPLPUSH: a null bulk string there, where a real timeout is a null array."""
    differ.check("MULTI")
    differ.check("BLPOP", "k", 0)
    differ.check("BRPOP", "k", "k2", 1)
    differ.check("BLMOVE", "k", "d", "left", "right", 0)
    differ.check("BRPOPLPUSH", "k", "d", 0)
    differ.check("BLMPOP", 0, 1, "k", "left")
    differ.check("BLMPOP", 0, 2, "k", "k2", "left", "count", 3)
    differ.check("RPUSH", "k", "a", "b")
    differ.check("BLPOP", "k", 0)
    differ.check("BLMOVE", "k", "d", "left", "right", 0)
    differ.check("BLPOP", "k", 0)
    differ.check("EXEC")
    both_lists(differ, "k", "d")


# -- encoding, propagation, WATCH -----------------------------------------------------------------


def test_encoding_is_always_quicklist(differ: Differ) -> None:
    """Redis 7.0 has no listpack lists: small, long, or with a 10 KB element."""
    differ.check("RPUSH", "small", "a")
    differ.check("OBJECT", "ENCODING", "small")
    differ.check("RPUSH", "many", *(f"x{i}" for i in range(200)))
    differ.check("OBJECT", "ENCODING", "many")
    differ.check("RPUSH", "big", "x" * 10240)
    differ.check("OBJECT", "ENCODING", "big")
    differ.check("LTRIM", "many", 0, 0)
    differ.check("OBJECT", "ENCODING", "many")
    assert ListValue().encoding == "quicklist"


def test_propagation_of_plain_commands(differ: Differ) -> None:
    log = propagated(differ)
    godis = differ.godis
    godis.call("RPUSH", "a", "1", "2", "3")
    godis.call("LPUSHX", "nokey", "x")  # no change: nothing logged
    godis.call("LMOVE", "a", "b", "left", "right")
    godis.call("RPOPLPUSH", "a", "b")
    godis.call("LPOP", "nokey")
    godis.call("LTRIM", "b", 0, -1)  # nothing trimmed: nothing logged
    godis.call("LREM", "b", 0, "zzz")
    assert log == [
        [b"RPUSH", b"a", b"1", b"2", b"3"],
        [b"LMOVE", b"a", b"b", b"left", b"right"],
        [b"RPOPLPUSH", b"a", b"b"],
    ]


def test_propagation_of_multi_pops_and_blocking_forms(differ: Differ) -> None:
    log = propagated(differ)
    godis = differ.godis
    godis.call("RPUSH", "a", "1", "2", "3", "4", "5", "6")
    del log[:]
    godis.call("LMPOP", "2", "nokey", "a", "LEFT", "COUNT", "2")
    godis.call("LMPOP", "1", "a", "right", "count", "100")
    godis.call("RPUSH", "a", "1", "2", "3", "4", "5", "6")
    del log[-1]
    godis.call("BLPOP", "nokey", "a", "0")
    godis.call("BRPOP", "a", "0")
    godis.call("BLMOVE", "a", "b", "left", "Right", "0")
    godis.call("BRPOPLPUSH", "a", "b", "0")
    godis.call("BLMPOP", "0", "1", "a", "right", "count", "5")
    assert log == [
        [b"LPOP", b"a", b"2"],
        [b"RPOP", b"a", b"4"],
        [b"LPOP", b"a"],
        [b"RPOP", b"a"],
        [b"LMOVE", b"a", b"b", b"left", b"Right"],
        [b"RPOPLPUSH", b"a", b"b"],
        [b"RPOP", b"a", b"2"],  # as many as there were
    ]


def test_key_positions_of_movable_commands() -> None:
    from godis.table import lookup

    lmpop = lookup([b"lmpop"])
    blmpop = lookup([b"blmpop"])
    assert lmpop is not None
    assert blmpop is not None
    assert lmpop.keys([b"LMPOP", b"2", b"a", b"b", b"LEFT"]) == [b"a", b"b"]
    assert lmpop.keys([b"LMPOP", b"x", b"a", b"LEFT"]) == []
    assert lmpop.keys([b"LMPOP", b"5", b"a", b"LEFT"]) == [b"a", b"LEFT"]
    assert blmpop.keys([b"BLMPOP", b"0", b"1", b"a", b"LEFT", b"COUNT", b"2"]) == [b"a"]


@needs_multi
def test_ltrim_without_change_still_touches_watched_key(differ: Differ) -> None:
    differ.check("RPUSH", "l", "a", "b")
    differ.check("WATCH", "l")
    differ.check("LTRIM", "l", 0, -1)
    differ.check("MULTI")
    differ.check("LLEN", "l")
    differ.check("EXEC")  # aborted on both: the key was signalled as modified


# -- the timeout parser (real waits are in tests/test_blocking.py) ----------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    (b"0", 0.0), (b"1", 1.0), (b"0.5", 0.5), (b"0.0001", 0.001), (b"0.0009", 0.001),
    (b"-0.0001", 0.0), (b"1.0001", 1.001), (b"0x10", 16.0), (b"1e-400", 0.001),
    (b"-1e-400", 0.0), (b"+2", 2.0), (b"9223372036854775", 9223372036854775.0), (b"9223372036854775.807", 9223372036854775.807),
])
def test_parse_timeout(text: bytes, seconds: float) -> None:
    assert parse_timeout(text) == seconds


@pytest.mark.parametrize(("text", "error"), [
    (b"abc", "ERR timeout is not a float or out of range"),
    (b"nan", "ERR timeout is not a float or out of range"),
    (b"1e5000", "ERR timeout is not a float or out of range"),
    (b"1e-5000", "ERR timeout is not a float or out of range"),
    (b"", "ERR timeout is not a float or out of range"),
    (b"-1", "ERR timeout is negative"),
    (b"-0.002", "ERR timeout is negative"),  # (-0.001 rounds up to 0: forever, as in Redis)
    (b"inf", "ERR timeout is negative"),
    (b"1e400", "ERR timeout is negative"),
    (b"9223372036854776", "ERR timeout is negative"),
])
def test_parse_timeout_errors(text: bytes, error: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_timeout(text)
    assert raised.value.message == error


# -- stateful differential test ------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "s"])
ELEMENTS = st.sampled_from(["x", "y", "z", "1", "-2", ""])
INDEXES = st.integers(min_value=-8, max_value=8)
SIDES = st.sampled_from(["LEFT", "RIGHT", "left"])


class ListMachine(RuleBasedStateMachine):
    """Random list commands against both servers; every reply must match byte for byte."""

    differ: Differ

    @initialize()
    def start(self) -> None:
        self.differ.check("FLUSHALL")
        self.differ.check("SADD", "s", "member")

    @rule(key=KEYS, elements=st.lists(ELEMENTS, min_size=1, max_size=4),
          name=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]))
    def push(self, key: str, elements: list[str], name: str) -> None:
        self.differ.check(name, key, *elements)

    @rule(key=KEYS, name=st.sampled_from(["LPOP", "RPOP"]),
          count=st.none() | st.integers(min_value=0, max_value=4))
    def pop(self, key: str, name: str, count: int | None) -> None:
        self.differ.check(name, key, *(() if count is None else (count,)))

    @rule(key=KEYS, start=INDEXES, stop=INDEXES)
    def lrange(self, key: str, start: int, stop: int) -> None:
        self.differ.check("LRANGE", key, start, stop)

    @rule(key=KEYS, start=INDEXES, stop=INDEXES)
    def ltrim(self, key: str, start: int, stop: int) -> None:
        self.differ.check("LTRIM", key, start, stop)

    @rule(key=KEYS, index=INDEXES, element=ELEMENTS)
    def lset_lindex(self, key: str, index: int, element: str) -> None:
        self.differ.check("LSET", key, index, element)
        self.differ.check("LINDEX", key, index)

    @rule(key=KEYS, count=st.integers(min_value=-3, max_value=3), element=ELEMENTS)
    def lrem(self, key: str, count: int, element: str) -> None:
        self.differ.check("LREM", key, count, element)

    @rule(key=KEYS, where=st.sampled_from(["BEFORE", "AFTER"]), pivot=ELEMENTS,
          element=ELEMENTS)
    def linsert(self, key: str, where: str, pivot: str, element: str) -> None:
        self.differ.check("LINSERT", key, where, pivot, element)

    @rule(key=KEYS, element=ELEMENTS, rank=st.sampled_from([1, 2, -1, -2]),
          count=st.sampled_from([None, 0, 1, 2]), maxlen=st.sampled_from([0, 2, 5]))
    def lpos(self, key: str, element: str, rank: int, count: int | None, maxlen: int) -> None:
        options: list[str | int] = ["RANK", rank, "MAXLEN", maxlen]
        if count is not None:
            options += ["COUNT", count]
        self.differ.check("LPOS", key, element, *options)

    @rule(source=KEYS, destination=KEYS, sides=st.tuples(SIDES, SIDES))
    def lmove(self, source: str, destination: str, sides: tuple[str, str]) -> None:
        self.differ.check("LMOVE", source, destination, *sides)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), side=SIDES,
          count=st.integers(min_value=1, max_value=3))
    def lmpop(self, keys: list[str], side: str, count: int) -> None:
        self.differ.check("LMPOP", len(keys), *keys, side, "COUNT", count)

    @precondition(lambda self: HAS_MULTI)
    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), name=st.sampled_from(["BLPOP", "BRPOP"]))
    def bpop_in_multi(self, keys: list[str], name: str) -> None:
        self.differ.check("MULTI")
        self.differ.check(name, *keys, 0)
        self.differ.check("EXEC")

    @rule(key=KEYS)
    def inspect(self, key: str) -> None:
        self.differ.check("LLEN", key)
        self.differ.check("EXISTS", key)
        self.differ.check("LRANGE", key, 0, -1)


@pytest.mark.parametrize("resp", [2, 3])
def test_stateful_lists(redis_port: int, resp: int) -> None:
    run_with_differ(ListMachine, redis_port, resp)
