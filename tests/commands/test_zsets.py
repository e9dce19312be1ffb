"""Sorted-set commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.dispatch import execute
from godis.errors import CommandError
from godis.keyspace.values import ZSetValue
from godis.protocol.writer import encode
from godis.util import parse_float, parse_range_bound, parse_timeout_ms
from tests.support.differential import Differ, GodisDirect, execute_now, propagated
from tests.support.resp import RespConnection, encode_command, parse_reply
from tests.support.server_thread import ServerThread, running_server
from tests.support.stateful import DifferentialMachine, run_machine

LIMITS = ("zset-max-listpack-entries", "zset-max-listpack-value")
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
LONG = b"m" * 65  # one byte over zset-max-listpack-value's default


def notified(differ: Differ) -> list[tuple[str, str, bytes]]:
    """Start recording godis's keyspace events (class, event, key)."""
    log: list[tuple[str, str, bytes]] = []
    differ.godis.server.keyspace.notify = lambda db, cls, event, key: log.append((cls, event, key))
    return log


def encoding_of(differ: Differ, key: str) -> str:
    """The encoding both sides report for ``key`` (asserting they agree)."""
    theirs = parse_reply(differ.redis.call("OBJECT", "ENCODING", key))
    value = differ.godis.client.db.data[key.encode()]
    assert isinstance(value, ZSetValue)
    assert isinstance(theirs, bytes)
    assert value.encoding == theirs.decode(), key
    return value.encoding


def zadd_many(differ: Differ, key: str, count: int, prefix: str = "m", score: int | None = None
              ) -> None:
    args: list[str | int] = []
    for i in range(count):
        args += [i if score is None else score, f"{prefix}{i}"]
    differ.check("ZADD", key, *args)


# -- ZADD ---------------------------------------------------------------------------------------


def test_zadd_basic(differ: Differ) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("ZADD", "z", "1", "a", "20", "b", "4", "d")  # one changed, one added
    differ.check("ZADD", "z", "5", "e", "6", "e")  # duplicate member: last wins, counted once
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    differ.check("ZCARD", "z")
    differ.check("ZCARD", "nokey")


@pytest.mark.parametrize(
    "options",
    [("NX",), ("XX",), ("CH",), ("GT",), ("LT",), ("GT", "CH"), ("LT", "CH"), ("XX", "CH"),
     ("NX", "CH"), ("XX", "GT"), ("XX", "LT", "CH"), ("nx",), ("Gt", "cH")],
)
def test_zadd_options(differ: Differ, options: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1", "a", "5", "b", "10", "c")
    differ.check("ZADD", "z", *options, "2", "a", "5", "b", "7", "c", "1", "new")
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    differ.check("ZADD", "z", *options, "INCR", "3", "a")
    differ.check("ZADD", "z", *options, "INCR", "-30", "c")
    differ.check("ZADD", "z", *options, "INCR", "1", "other")
    differ.check("ZADD", "missing", *options, "1", "a")
    differ.check("ZADD", "missing2", *options, "INCR", "1", "a")
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    differ.check("EXISTS", "missing", "missing2")


@pytest.mark.parametrize(
    "args",
    [
        ("z", "NX", "XX", "1", "a"),
        ("z", "GT", "LT", "1", "a"),
        ("z", "NX", "GT", "1", "a"),
        ("z", "NX", "LT", "1", "a"),
        ("z", "NX", "XX", "GT", "1", "a"),
        ("z", "INCR", "1", "a", "2", "b"),
        ("z", "1", "a", "2"),
        ("z", "NX"),
        ("z", "NX", "CH"),
        ("z", "1", "a", "NX"),
        ("z", "x", "a"),
        ("z", "1", "a", "x", "b"),
        ("z", "nan", "a"),
        ("z", "NX", "XX", "x", "a"),  # the option clash is reported before the bad score
        ("z", "INCR", "x", "a", "1", "b"),
    ],
)
def test_zadd_errors(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("ZADD", *args)
    differ.check("EXISTS", "z")


def test_zadd_arity(differ: Differ) -> None:
    differ.check("ZADD", "z", "1")
    differ.check("ZADD", "z")
    differ.check("ZINCRBY", "z", "1")
    differ.check("ZINCRBY", "z", "1", "a", "b")


@pytest.mark.parametrize(
    "score",
    ["1", "-1", "+1", "1.5", "-1.5", ".5", "5.", "1e3", "1E3", "1e+3", "1e-3", "1.e5", "00012",
     "inf", "-inf", "+inf", "Inf", "INFINITY", "-Infinity", "0x10", "0X1p-3", "-0x1.8p1",
     "0x.8", "1e400", "-1e400", "1e-400", "1e-310", "0e-400", "0x1p-1080", "0x1p2000", " 1",
     "1 ", "", "nan", "-nan", "NaN(123)", "1_0", "abc", "1e", "0x", "1e+", "--1", "+-1",
     "1.2.3", "1\x00", "\t1", "9" * 400, "0." + "0" * 400 + "1", "4.9e-324", "2.5e-324"],
)
def test_zadd_score_parsing(differ: Differ, score: str) -> None:
    differ.check("ZADD", "z", score, "a")
    differ.check("ZSCORE", "z", "a")
    differ.check("ZINCRBY", "z", score, "a")
    differ.check("ZSCORE", "z", "a")


@pytest.mark.parametrize(
    "score",
    ["1.1", "0.30000000000000004", "1e300", "-1e300", "inf", "-inf", "-0", "0", "3", "-3",
     "1e17", "123456789012345678", "4611686018427387904", "4611686018427387903", "1e-310",
     "0.1", "2.5", "1e15", "1e16", "9007199254740993", "-4611686018427387904", "1e22"],
)
def test_score_formatting(differ: Differ, score: str) -> None:
    """Replies print %.17g; a listpack ZSCAN prints integers as stored; -0 survives a skiplist."""
    differ.check("ZADD", "lp", score, "a")
    differ.check("ZSCORE", "lp", "a")
    differ.check("ZMSCORE", "lp", "a")
    differ.check("ZRANGE", "lp", "0", "-1", "WITHSCORES")
    differ.check("ZSCAN", "lp", "0")
    differ.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    differ.check("ZADD", "sl", score, "a")
    differ.check("ZSCORE", "sl", "a")
    differ.check("ZRANGE", "sl", "0", "-1", "WITHSCORES")
    differ.check("ZSCAN", "sl", "0")
    differ.check("ZINCRBY", "sl", "0", "a")
    differ.check("ZADD", "sl", "INCR", "-0", "b")
    differ.check("ZPOPMAX", "sl", "5")


def test_zincrby(differ: Differ) -> None:
    differ.check("ZINCRBY", "z", "1", "a")
    differ.check("ZINCRBY", "z", "0.1", "a")
    differ.check("ZINCRBY", "z", "0.2", "a")
    differ.check("ZINCRBY", "z", "-1.3", "a")
    differ.check("ZINCRBY", "z", "inf", "a")
    differ.check("ZINCRBY", "z", "-inf", "a")  # inf + -inf
    differ.check("ZSCORE", "z", "a")
    differ.check("ZINCRBY", "z", "nx", "a")  # parsed as ZADD's NX option: syntax error
    differ.check("ZINCRBY", "z", "abc", "a")
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")


def test_zadd_incr_nan(differ: Differ) -> None:
    differ.check("ZADD", "z", "inf", "a")
    differ.check("ZADD", "z", "INCR", "-inf", "a")
    differ.check("ZADD", "z", "XX", "INCR", "-inf", "a")
    differ.check("ZADD", "z", "GT", "INCR", "-inf", "a")
    differ.check("ZSCORE", "z", "a")


# -- ZREM ZCARD ZSCORE ZMSCORE ZRANK -------------------------------------------------------------


def test_zrem(differ: Differ) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("ZREM", "z", "a", "x", "a")
    differ.check("ZREM", "z", "nope")
    differ.check("ZREM", "nokey", "a")
    differ.check("ZREM", "z", "b", "c", "d")
    differ.check("EXISTS", "z")
    differ.check("ZREM", "z")


def test_zscore_zmscore(differ: Differ) -> None:
    differ.check("ZADD", "z", "1.5", "a", "-2", "b")
    differ.check("ZSCORE", "z", "a")
    differ.check("ZSCORE", "z", "x")
    differ.check("ZSCORE", "nokey", "x")
    differ.check("ZMSCORE", "z", "a", "x", "b", "a")
    differ.check("ZMSCORE", "nokey", "a", "b")
    differ.check("ZMSCORE", "z")


@pytest.mark.parametrize("big", [False, True])
def test_zrank(differ: Differ, big: bool) -> None:
    zadd_many(differ, "z", 200 if big else 10)
    differ.check("ZADD", "z", "5", "a", "5", "zz", "5", "m5x")  # ties sort by member
    for member in ("m0", "m5", "a", "zz", "m5x", "m9", "m199", "nope"):
        differ.check("ZRANK", "z", member)
        differ.check("ZREVRANK", "z", member)
    differ.check("ZRANK", "nokey", "a")
    differ.check("ZREVRANK", "nokey", "a")
    differ.check("ZRANK", "z", "a", "WITHSCORE")  # 7.2 syntax: wrong arity in 7.0


def test_tie_order_is_memcmp(differ: Differ) -> None:
    members = ["a", "", "A", "ab", "b", "\x00", "\xff", "a\x00", "aa", "\x7f", "\x80"]
    args: list[str] = []
    for member in members:
        args += ["7", member]
    differ.check("ZADD", "z", *args)
    differ.check("ZRANGE", "z", "0", "-1")
    differ.check("ZRANGEBYLEX", "z", "-", "+")
    differ.check("ZRANGEBYLEX", "z", "[a", "(b")
    for member in members:
        differ.check("ZRANK", "z", member)


# -- score ranges --------------------------------------------------------------------------------

RANGE_BOUNDS = [
    ("-inf", "+inf"), ("1", "3"), ("(1", "3"), ("1", "(3"), ("(1", "(3"), ("(1", "(1"),
    ("1", "1"), ("3", "1"), ("-inf", "-inf"), ("(-inf", "+inf"), ("-inf", "(+inf"),
    ("+inf", "+inf"), ("(+inf", "+inf"), ("", ""), ("(", "+inf"), (" 1", "inf"), ("1e400", "inf"),
    ("-1e400", "0"), ("0x1", "0x2"), ("1e-400", "(0"), ("-0", "0"), ("(-0", "0"), ("0", "(-0"),
    ("nan", "1"), ("1", "nan"), ("x", "1"), ("1", "(x"), ("1 ", "2"), ("((1", "2"), ("1\x00x", "3"),
    ("-infinity", "+InFiNiTy"), ("2.5", "2.5"), ("(2.5", "2.50001"), ("  ", "1"), ("-", "1"),
]
RANGE_DATA = ("ZADD", "z", "-inf", "ninf", "-1", "neg", "0", "zero", "-0", "nzero", "1", "one",
              "2", "two", "2.5", "twohalf", "3", "three", "3", "three2", "inf", "pinf")


@pytest.mark.parametrize(("low", "high"), RANGE_BOUNDS)
def test_score_ranges(differ: Differ, low: str, high: str) -> None:
    differ.check(*RANGE_DATA)
    differ.check("ZCOUNT", "z", low, high)
    differ.check("ZRANGEBYSCORE", "z", low, high, "WITHSCORES")
    differ.check("ZREVRANGEBYSCORE", "z", high, low, "WITHSCORES")
    differ.check("ZRANGE", "z", low, high, "BYSCORE", "LIMIT", "1", "2")
    differ.check("ZRANGE", "z", high, low, "BYSCORE", "REV", "LIMIT", "1", "2")
    differ.check("ZCOUNT", "nokey", low, high)


@pytest.mark.parametrize("big", [False, True])
def test_zremrangebyscore(differ: Differ, big: bool) -> None:
    if big:
        differ.check("CONFIG", "SET", "zset-max-listpack-entries", "2")
    for low, high in (("(1", "2"), ("3", "3"), ("x", "1"), ("10", "1"), ("-inf", "+inf")):
        differ.check(*RANGE_DATA)
        differ.check("ZREMRANGEBYSCORE", "z", low, high)
        differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    differ.check("EXISTS", "z")
    differ.check("ZREMRANGEBYSCORE", "nokey", "1", "2")
    differ.check("ZREMRANGEBYSCORE", "nokey", "x", "2")


# -- lex ranges ----------------------------------------------------------------------------------

LEX_BOUNDS = [
    ("-", "+"), ("+", "-"), ("-", "-"), ("+", "+"), ("[b", "[d"), ("(b", "[d"), ("[b", "(d"),
    ("(b", "(d"), ("[b", "[b"), ("(b", "[b"), ("[a", "+"), ("-", "(c"), ("[", "+"), ("(", "+"),
    ("[bb", "[cc"), ("b", "[c"), ("[b", "c"), ("", "+"), ("-x", "+"), ("+x", "+"), ("[d", "[b"),
    ("[\x00", "[\xff"), ("-", "[\x00"),
]
LEX_DATA = ("ZADD", "z", "0", "a", "0", "b", "0", "bb", "0", "c", "0", "d", "0", "e", "0", "")


@pytest.mark.parametrize(("low", "high"), LEX_BOUNDS)
@pytest.mark.parametrize("big", [False, True])
def test_lex_ranges(differ: Differ, low: str, high: str, big: bool) -> None:
    if big:
        differ.check("CONFIG", "SET", "zset-max-listpack-entries", "2")
    differ.check(*LEX_DATA)
    differ.check("ZLEXCOUNT", "z", low, high)
    differ.check("ZRANGEBYLEX", "z", low, high)
    differ.check("ZREVRANGEBYLEX", "z", high, low)
    differ.check("ZRANGEBYLEX", "z", low, high, "LIMIT", "1", "2")
    differ.check("ZREVRANGEBYLEX", "z", high, low, "LIMIT", "1", "1")
    differ.check("ZRANGE", "z", low, high, "BYLEX", "LIMIT", "0", "-1")
    differ.check("ZRANGE", "z", high, low, "BYLEX", "REV")
    differ.check("ZLEXCOUNT", "nokey", low, high)
    differ.check("ZRANGEBYLEX", "nokey", low, high)


@pytest.mark.parametrize(("low", "high"), [("-", "+"), ("[b", "[d"), ("(a", "(z"), ("[c", "+")])
def test_lex_ranges_mixed_scores_listpack(differ: Differ, low: str, high: str) -> None:
    """Redis assumes equal scores; with mixed ones a listpack walks linearly, and so do we."""
    differ.check("ZADD", "z", "5", "a", "1", "d", "3", "b", "2", "c", "4", "e", "0", "z")
    differ.check("ZLEXCOUNT", "z", low, high)
    differ.check("ZRANGEBYLEX", "z", low, high)
    differ.check("ZREVRANGEBYLEX", "z", high, low)
    differ.check("ZREMRANGEBYLEX", "z", low, high)
    differ.check("ZRANGE", "z", "0", "-1")


@pytest.mark.parametrize("big", [False, True])
def test_zremrangebylex(differ: Differ, big: bool) -> None:
    if big:
        differ.check("CONFIG", "SET", "zset-max-listpack-entries", "2")
    for low, high in (("[b", "(d"), ("(a", "[bb"), ("x", "+"), ("+", "-"), ("-", "+")):
        differ.check(*LEX_DATA)
        differ.check("ZREMRANGEBYLEX", "z", low, high)
        differ.check("ZRANGE", "z", "0", "-1")
    differ.check("EXISTS", "z")
    differ.check("ZREMRANGEBYLEX", "nokey", "-", "+")
    differ.check("ZREMRANGEBYLEX", "nokey", "x", "+")


# -- ZRANGE and the legacy range commands --------------------------------------------------------

RANK_RANGES = [("0", "-1"), ("0", "0"), ("1", "3"), ("-3", "-1"), ("-100", "100"), ("5", "2"),
               ("10", "20"), ("-1", "-1"), ("0", "-100"), ("-2", "1"), ("x", "1"), ("1", "1.5"),
               ("9223372036854775807", "-9223372036854775808"), ("0", "9223372036854775808")]


@pytest.mark.parametrize(("start", "stop"), RANK_RANGES)
@pytest.mark.parametrize("big", [False, True])
def test_rank_ranges(differ: Differ, start: str, stop: str, big: bool) -> None:
    if big:
        differ.check("CONFIG", "SET", "zset-max-listpack-entries", "2")
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "cc", "4", "d", "5", "e")
    differ.check("ZRANGE", "z", start, stop)
    differ.check("ZRANGE", "z", start, stop, "WITHSCORES")
    differ.check("ZRANGE", "z", start, stop, "REV", "WITHSCORES")
    differ.check("ZREVRANGE", "z", start, stop, "WITHSCORES")
    differ.check("ZREVRANGE", "z", start, stop)
    differ.check("ZRANGESTORE", "dst", "z", start, stop, "REV")
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    differ.check("ZREMRANGEBYRANK", "z", start, stop)
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")


@pytest.mark.parametrize(
    "args",
    [
        ("BYSCORE", "LIMIT", "0", "2"), ("BYSCORE", "LIMIT", "1", "-1"), ("BYSCORE", "LIMIT", "-1", "2"),
        ("BYSCORE", "LIMIT", "2", "0"), ("BYSCORE", "LIMIT", "6", "1"), ("BYSCORE", "LIMIT", "5", "5"),
        ("BYSCORE", "REV", "LIMIT", "1", "2"), ("REV", "BYSCORE", "WITHSCORES"),
        ("byscore", "withscores", "rev", "limit", "0", "1"),
        ("BYSCORE", "LIMIT", "0"), ("BYSCORE", "LIMIT"), ("LIMIT", "0", "1"), ("LIMIT", "0", "-1"),
        ("BYSCORE", "BYSCORE"), ("BYSCORE", "BYLEX"), ("REV", "REV"), ("BYLEX", "WITHSCORES"),
        ("WITHSCORES", "BYLEX"), ("WITHSCORES", "WITHSCORES"), ("BYSCORE", "LIMIT", "x", "1"),
        ("BYSCORE", "LIMIT", "0", "x"), ("BOGUS",), ("LIMIT", "x", "y"), ("BYLEX", "LIMIT", "0", "1"),
        ("LIMIT", "0", "1", "BYLEX", "WITHSCORES"),
    ],
)
def test_zrange_options(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    low, high = ("-", "+") if "BYLEX" in [a.upper() for a in args] else ("-inf", "+inf")
    if "REV" in [a.upper() for a in args]:
        low, high = high, low
    if not any(a.upper() in ("BYSCORE", "BYLEX") for a in args):
        low, high = "0", "-1"
    differ.check("ZRANGE", "z", low, high, *args)
    differ.check("ZRANGE", "nokey", low, high, *args)
    store_args = tuple(a for a in args if a.upper() != "WITHSCORES")
    differ.check("ZRANGESTORE", "dst", "z", low, high, *store_args)
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")


@pytest.mark.parametrize(
    "command",
    [("ZRANGEBYSCORE", "z", "-inf", "+inf", "REV"), ("ZRANGEBYSCORE", "z", "-inf", "+inf", "BYSCORE"),
     ("ZRANGEBYSCORE", "z", "-inf", "+inf", "BYLEX"),
     ("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "REV"), ("ZREVRANGE", "z", "0", "-1", "REV"),
     ("ZREVRANGE", "z", "0", "-1", "BYSCORE"), ("ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
     ("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"), ("ZRANGEBYLEX", "z", "-", "+", "BYLEX"),
     ("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "1"),
     ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2", "WITHSCORES"),
     ("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "WITHSCORES"),
     ("ZREVRANGEBYSCORE", "z", "(5", "2", "LIMIT", "0", "1"),
     ("ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"), ("ZRANGESTORE", "dst", "z", "0"),
     ("ZRANGE", "z", "0"), ("ZREVRANGE", "z", "0"), ("ZRANGEBYSCORE", "z", "0"),
     ("ZREVRANGEBYSCORE", "z", "0"), ("ZRANGEBYLEX", "z", "-"), ("ZREVRANGEBYLEX", "z", "-")],
)
def test_legacy_range_commands(differ: Differ, command: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    differ.check(*command)


def test_zrangestore(differ: Differ) -> None:
    differ.check("ZADD", "src", "1", "a", "2", "b", "3", "c")
    differ.check("HSET", "h", "f", "v")
    differ.check("ZRANGESTORE", "h", "src", "0", "1")  # the destination's type is not checked
    differ.check("TYPE", "h")
    differ.check("ZRANGESTORE", "dst", "src", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1")
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    differ.check("ZRANGESTORE", "dst", "src", "[b", "+", "BYLEX")
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    differ.check("ZRANGESTORE", "dst", "src", "5", "6")  # empty result deletes dst
    differ.check("EXISTS", "dst")
    differ.check("ZRANGESTORE", "dst", "nokey", "0", "-1")
    differ.check("ZRANGESTORE", "src", "src", "1", "1")  # source and destination the same
    differ.check("ZRANGE", "src", "0", "-1", "WITHSCORES")
    differ.check("HSET", "hash", "f", "v")
    differ.check("ZRANGESTORE", "dst", "hash", "0", "-1")


# -- ZUNION ZINTER ZDIFF and their STORE forms ---------------------------------------------------

SETOP_DATA = [
    ("ZADD", "z1", "1", "a", "2", "b", "3", "c", "-0", "zero"),
    ("ZADD", "z2", "10", "b", "20", "c", "30", "d", "inf", "e"),
    ("ZADD", "z3", "-inf", "e", "0.1", "c", "0.2", "b"),
    ("SADD", "s1", "a", "b", "x"),
    ("SADD", "s2", "1", "2", "3"),
    ("ZADD", "z4", "5", "1", "6", "2"),
]

SETOP_ARGS = [
    ("2", "z1", "z2"), ("3", "z1", "z2", "z3"), ("2", "z1", "s1"), ("2", "s1", "s2"),
    ("2", "z4", "s2"), ("1", "nokey"), ("2", "z1", "nokey"), ("2", "nokey", "z1"),
    ("2", "z1", "z1"), ("3", "z1", "z2", "z3", "WEIGHTS", "2", "0.5", "-1"),
    ("2", "z2", "z3", "WEIGHTS", "0", "1"), ("2", "z2", "z3", "WEIGHTS", "inf", "-inf"),
    ("2", "z2", "z3", "AGGREGATE", "MIN"), ("2", "z2", "z3", "AGGREGATE", "max"),
    ("2", "z2", "z3", "AGGREGATE", "SUM", "WEIGHTS", "1", "-1"),
    ("2", "z1", "z3", "WEIGHTS", "-1", "0", "AGGREGATE", "MAX"),
    ("3", "z1", "z2", "z3", "WEIGHTS", "0.1", "0.2", "0.3"),
    ("2", "z2", "z3", "WEIGHTS", "1"), ("2", "z2", "z3", "WEIGHTS", "1", "x"),
    ("2", "z2", "z3", "AGGREGATE"), ("2", "z2", "z3", "AGGREGATE", "avg"),
    ("2", "z2", "z3", "BOGUS"), ("0", "z1"), ("-1", "z1"), ("x", "z1"), ("3", "z1", "z2"),
    ("2", "z1", "h"), ("2", "h", "z1"), ("2", "z1", "z2", "LIMIT", "1"),
    ("2", "z1", "h", "BOGUS"), ("2", "z2", "z3", "WEIGHTS", "1", "1", "WEIGHTS", "2", "2"),
]


def seed_setops(differ: Differ) -> None:
    for command in SETOP_DATA:
        differ.check(*command)
    differ.check("HSET", "h", "f", "v")


@pytest.mark.parametrize("args", SETOP_ARGS)
@pytest.mark.parametrize("op", ["UNION", "INTER", "DIFF"])
def test_setops(differ: Differ, op: str, args: tuple[str, ...]) -> None:
    seed_setops(differ)
    differ.check("Z" + op, *args)
    differ.check("Z" + op, *args, "WITHSCORES")
    differ.check("Z" + op + "STORE", "dst", *args)
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    differ.check("TYPE", "dst")
    if op == "INTER":
        differ.check("ZINTERCARD", *args)
        differ.check("ZINTERCARD", *args, "LIMIT", "1")


@pytest.mark.parametrize(
    "args",
    [("2", "z1", "z2", "LIMIT", "0"), ("2", "z1", "z2", "LIMIT", "-1"), ("2", "z1", "z2", "LIMIT", "x"),
     ("2", "z1", "z2", "LIMIT"), ("2", "z1", "z2", "LIMIT", "1", "LIMIT", "2"),
     ("3", "z1", "z2", "z3", "LIMIT", "2"), ("2", "z1", "z2", "WITHSCORES"),
     ("2", "z1", "z2", "WEIGHTS", "1", "1"), ("0", "z1"), ("1", "nokey")],
)
def test_zintercard(differ: Differ, args: tuple[str, ...]) -> None:
    seed_setops(differ)
    differ.check("ZINTERCARD", *args)


def test_setop_store_replaces_and_deletes(differ: Differ) -> None:
    seed_setops(differ)
    differ.check("ZADD", "dst", "1", "old")
    differ.check("ZUNIONSTORE", "dst", "1", "nokey")  # empty result: dst deleted
    differ.check("EXISTS", "dst")
    differ.check("HSET", "dst", "f", "v")
    differ.check("ZINTERSTORE", "dst", "2", "z1", "z2")  # replaces a value of another type
    differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    differ.check("ZUNIONSTORE", "z1", "2", "z1", "z2")  # destination among the sources
    differ.check("ZRANGE", "z1", "0", "-1", "WITHSCORES")
    differ.check("ZDIFFSTORE", "z2", "2", "z2", "z3")
    differ.check("ZRANGE", "z2", "0", "-1", "WITHSCORES")


def test_setop_float_sums(differ: Differ) -> None:
    """SUM adds in source-cardinality order, so float rounding matches Redis."""
    differ.check("ZADD", "a", "0.1", "x")
    differ.check("ZADD", "b", "0.2", "x", "1", "pad")
    differ.check("ZADD", "c", "0.3", "x", "1", "pad", "2", "pad2")
    differ.check("ZUNION", "3", "c", "b", "a", "WITHSCORES")
    differ.check("ZUNION", "3", "a", "b", "c", "WITHSCORES")
    differ.check("ZINTER", "3", "c", "a", "b", "WITHSCORES")
    differ.check("ZUNION", "3", "c", "b", "a", "WEIGHTS", "1e308", "1e308", "-1e308", "WITHSCORES")


# -- ZPOPMIN ZPOPMAX ZMPOP -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["ZPOPMIN", "ZPOPMAX"])
@pytest.mark.parametrize("big", [False, True])
def test_zpop(differ: Differ, command: str, big: bool) -> None:
    if big:
        differ.check("CONFIG", "SET", "zset-max-listpack-entries", "2")
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "-1.5", "e")
    differ.check(command, "z")
    differ.check(command, "z", "0")
    differ.check(command, "z", "2")
    differ.check(command, "z", "1")
    differ.check(command, "z", "-1")
    differ.check(command, "z", "x")
    differ.check(command, "z", "1", "2")
    differ.check(command, "z", "100")
    differ.check("EXISTS", "z")
    differ.check(command, "z")
    differ.check(command, "z", "3")
    differ.check(command, "z", "0")


@pytest.mark.parametrize(
    "args",
    [("1", "z", "MIN"), ("1", "z", "MAX"), ("1", "z", "min", "COUNT", "2"),
     ("1", "z", "max", "count", "100"), ("2", "nokey", "z", "MAX", "COUNT", "2"),
     ("2", "nokey", "nokey2", "MIN"), ("2", "h", "z", "MIN"), ("2", "z", "h", "MIN"),
     ("0", "z", "MIN"), ("-1", "z", "MIN"), ("x", "z", "MIN"), ("1", "z"), ("2", "z", "MIN"),
     ("1", "z", "MID"), ("1", "z", "MIN", "COUNT"), ("1", "z", "MIN", "COUNT", "0"),
     ("1", "z", "MIN", "COUNT", "-1"), ("1", "z", "MIN", "COUNT", "x"),
     ("1", "z", "MIN", "COUNT", "1", "COUNT", "1"), ("1", "z", "MIN", "BOGUS"),
     ("1", "z", "MIN", "COUNT", "1", "extra"), ("3", "z", "MIN")],
)
def test_zmpop(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("HSET", "h", "f", "v")
    differ.check("ZMPOP", *args)
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")


def test_zpop_propagation(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
    diff.check("ZMPOP", "1", "z", "MIN", "COUNT", "2")
    diff.check("BZPOPMIN", "z", "0")
    diff.check("BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "10")
    diff.check("ZADD", "z", "1", "a", "2", "b")
    diff.check("ZPOPMAX", "z", "5")
    diff.check("ZPOPMIN", "z", "0")  # nothing popped: not propagated
    diff.check("ZMPOP", "1", "nokey", "MIN")
    diff.check("ZADD", "z", "GT", "1", "x")
    diff.check("ZADD", "z", "GT", "0", "x")  # no change: not propagated
    diff.check("ZADD", "z", "NX", "5", "x")  # no change
    diff.check("ZRANGESTORE", "dst", "z", "0", "-1")
    diff.check("ZUNIONSTORE", "z", "1", "nokey")  # deletes z: propagated
    diff.check("ZUNIONSTORE", "z", "1", "nokey")  # nothing to delete: not propagated
    diff.check("ZREMRANGEBYSCORE", "dst", "100", "200")
    assert log == [
        [b"ZADD", b"z", b"1", b"a", b"2", b"b", b"3", b"c", b"4", b"d", b"5", b"e", b"6", b"f"],
        [b"ZPOPMIN", b"z", b"2"],
        [b"ZPOPMIN", b"z"],
        [b"ZPOPMAX", b"z", b"3"],
        [b"ZADD", b"z", b"1", b"a", b"2", b"b"],
        [b"ZPOPMAX", b"z", b"5"],
        [b"ZADD", b"z", b"GT", b"1", b"x"],
        [b"ZRANGESTORE", b"dst", b"z", b"0", b"-1"],
        [b"ZUNIONSTORE", b"z", b"1", b"nokey"],
    ]


def test_writes_propagate_as_is(diff: Differ) -> None:
    log = propagated(diff)
    commands = [
        ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
        ("ZINCRBY", "z", "0.5", "a"),
        ("ZADD", "z", "INCR", "1", "b"),
        ("ZREM", "z", "c", "nope"),
        ("ZREMRANGEBYRANK", "z", "0", "0"),
        ("ZADD", "lex", "0", "x", "0", "y", "0", "w"),
        ("ZREMRANGEBYLEX", "lex", "[x", "+"),
        ("ZUNIONSTORE", "u", "1", "z"),
        ("ZINTERSTORE", "i", "2", "z", "u"),
        ("ZDIFFSTORE", "d", "2", "z", "u"),
    ]
    for command in commands:
        diff.check(*command)
    diff.godis.call("ZRANDMEMBER", "z")  # read-only
    # ZDIFFSTORE's result is empty and there was no "d" to delete: nothing to propagate.
    assert log == [[c.encode() for c in command] for command in commands[:-1]]


def test_keyspace_events(diff: Differ) -> None:
    events = notified(diff)  # (lookups also report keymiss events: left out below)
    diff.check("ZADD", "z", "1", "a", "2", "b")
    diff.check("ZADD", "z", "1", "a")  # no change: no event
    diff.check("ZINCRBY", "z", "1", "a")
    diff.check("ZREM", "z", "a")
    diff.check("ZUNIONSTORE", "u", "1", "z")
    diff.check("ZRANGESTORE", "r", "z", "0", "-1")
    diff.check("ZPOPMIN", "z")
    diff.check("ZADD", "z", "1", "a", "2", "b")
    diff.check("ZREMRANGEBYSCORE", "z", "-inf", "+inf")
    diff.check("ZINTERSTORE", "u", "1", "nokey")
    assert [event for event in events if event[0] != "m"] == [  # as redis-server sends them
        ("n", "new", b"z"), ("z", "zadd", b"z"), ("z", "zincr", b"z"), ("z", "zrem", b"z"),
        ("n", "new", b"u"), ("z", "zunionstore", b"u"), ("n", "new", b"r"),
        ("z", "zrangestore", b"r"), ("z", "zpopmin", b"z"), ("g", "del", b"z"),
        ("n", "new", b"z"), ("z", "zadd", b"z"), ("z", "zremrangebyscore", b"z"),
        ("g", "del", b"z"), ("g", "del", b"u"),
    ]


# -- blocking ------------------------------------------------------------------------------------

TIMEOUTS = ["0", "1", "0.5", "-1", "-0.0001", "-0.001", "-0.002", "inf", "-inf", "+inf", "nan",
            "1e400", "1e5000", "1e-5000", "1e-4940", "9.3e15", "-9.3e15", "x", "", " 1", "1 ",
            "0x10", "0x1p-2", "1_0", "0.0001", "1e3", "--1"]


@pytest.mark.parametrize("timeout", TIMEOUTS)
def test_blocking_timeout_parsing_served(differ: Differ, timeout: str) -> None:
    """With data present the timeout is still parsed (and errors reported) first."""
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("BZPOPMIN", "z", timeout)
    differ.check("BZPOPMAX", "nokey", "z", timeout)
    differ.check("BZMPOP", timeout, "1", "z", "MIN")
    differ.check("BZMPOP", timeout, "0", "z", "MIN")  # numkeys is checked before the timeout


@pytest.mark.parametrize(
    ("text", "millis"),
    [("0", 0), ("1", 1000), ("0.5", 500), ("0.0001", 1), ("-0.0001", 0), ("-0.001", 0),
     ("0.001", 1), ("0.002", 2), ("1e-4940", 1), ("0x10", 16000), ("0.0015", 2), ("1e3", 1000000)],
)
def test_timeout_millis(text: str, millis: int) -> None:
    """Seconds become ceil(long double ms): -0.001 is 0 (forever) in Redis 7.0.15."""
    assert parse_timeout_ms(text.encode()) == millis


@pytest.mark.parametrize("text", ["-0.002", "-1", "inf", "9.3e15", "1e5000", "nan", "x"])
def test_timeout_errors(text: str) -> None:
    with pytest.raises(CommandError):
        parse_timeout_ms(text.encode())


@pytest.fixture
def godis_socket_server() -> Iterator[ServerThread]:
    with running_server() as server:
        yield server


@pytest.mark.parametrize(
    "args",
    [("BZPOPMIN", "nokey", "0.01"), ("BZPOPMAX", "nokey", "nokey2", "0.01"),
     ("BZMPOP", "0.01", "1", "nokey", "MIN"), ("BZMPOP", "0.01", "2", "a", "b", "MAX", "COUNT", "3")],
)
@pytest.mark.parametrize("resp", [2, 3])
def test_blocking_timeout_reply(redis_port: int, godis_socket_server: ServerThread,
                                args: tuple[str, ...], resp: int) -> None:
    """Over real sockets both time out with the null array (``*-1`` / ``_``)."""
    replies = []
    for port in (redis_port, godis_socket_server.port):
        conn = RespConnection("127.0.0.1", port)
        if resp == 3:
            conn.call("HELLO", "3")
        replies.append(conn.call(*args))
        conn.close()
    assert replies[0] == replies[1]


@pytest.mark.parametrize(
    "args",
    [("BZPOPMIN", "h", "0"), ("BZPOPMIN", "nokey", "h", "z", "0"), ("BZPOPMIN", "z", "h", "0"),
     ("BZMPOP", "0", "2", "h", "z", "MIN"), ("BZMPOP", "0", "2", "z", "h", "MIN"),
     ("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"), ("BZMPOP", "0", "1", "z"),
     ("BZMPOP", "0", "x", "z", "MIN"), ("BZMPOP", "x", "1", "z", "MIN", "COUNT", "x"),
     ("BZPOPMIN", "z"), ("BZMPOP", "0", "1", "z", "MAX", "COUNT", "9")],
)
def test_blocking_served_at_once(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("HSET", "h", "f", "v")
    differ.check(*args)
    differ.check("ZRANGE", "z", "0", "-1", "WITHSCORES")


def test_blocking_returns_request_or_denies(diff: Differ) -> None:
    client = diff.godis.client
    reply = execute(client, [b"BZPOPMIN", b"a", b"b", b"1.5"])
    assert isinstance(reply, BlockRequest)
    assert reply.keys == [b"a", b"b"]
    assert reply.timeout_s == 1.5
    assert encode(reply.timeout_reply, 2) == b"*-1\r\n"
    other = Client(diff.godis.server)
    other.deny_blocking = True  # inside EXEC: the timeout reply at once
    assert encode(execute_now(other, [b"BZMPOP", b"0", b"1", b"a", b"MIN"]), 2) == b"*-1\r\n"
    assert encode(execute_now(other, [b"BZPOPMAX", b"a", b"0"]), 2) == b"*-1\r\n"


def test_blocked_client_served_in_process(diff: Differ) -> None:
    """A ZADD serves the waiting client, from the key that became ready, logged as ZPOPMIN."""
    log = propagated(diff)
    waiter = diff.godis.client
    request = execute(waiter, [b"BZPOPMIN", b"a", b"b", b"0"])
    assert isinstance(request, BlockRequest)
    pusher = Client(diff.godis.server)
    execute(pusher, [b"ZADD", b"a", b"1", b"x"])
    execute(pusher, [b"ZADD", b"b", b"2", b"y"])
    assert request.served
    assert encode(request.reply, 2) == b"*3\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\n1\r\n"
    assert log == [[b"ZADD", b"a", b"1", b"x"], [b"ZPOPMIN", b"a"], [b"ZADD", b"b", b"2", b"y"]]
    request = execute(waiter, [b"BZMPOP", b"0", b"2", b"c", b"d", b"MAX", b"COUNT", b"5"])
    assert isinstance(request, BlockRequest)
    execute(pusher, [b"ZADD", b"d", b"1", b"p", b"2", b"q"])
    assert encode(request.reply, 3) == (
        b"*2\r\n$1\r\nd\r\n*2\r\n*2\r\n$1\r\nq\r\n,2\r\n*2\r\n$1\r\np\r\n,1\r\n")
    assert log[-1] == [b"ZPOPMAX", b"d", b"2"]


BLOCKING_SCENARIOS = [
    (("BZPOPMIN", "a", "b", "5"), [("ZADD", "b", "1", "x", "2", "y")]),
    (("BZPOPMAX", "a", "b", "5"), [("ZADD", "a", "1", "x", "2", "y")]),
    (("BZMPOP", "5", "2", "a", "b", "MIN", "COUNT", "5"), [("ZADD", "b", "1", "x", "2", "y")]),
    (("BZMPOP", "5", "1", "a", "MAX"), [("SADD", "a", "1"), ("DEL", "a"), ("ZADD", "a", "3", "z")]),
    (("BZPOPMIN", "a", "5"), [("MULTI",), ("ZADD", "a", "1", "x"), ("ZREM", "a", "x"), ("EXEC",),
                             ("ZADD", "a", "2", "w")]),
]


@pytest.mark.parametrize(("blocker", "pushes"), BLOCKING_SCENARIOS)
@pytest.mark.parametrize("resp", [2, 3])
def test_blocking_end_to_end(redis_port: int, godis_socket_server: ServerThread,
                             blocker: tuple[str, ...], pushes: list[tuple[str, ...]],
                             resp: int) -> None:
    """The same client blocks on both servers; the same pushes wake it with the same reply."""
    if any(push[0].lower().encode() not in load_all() for push in pushes):
        pytest.skip("needs a command godis does not have yet")
    replies = []
    for port in (redis_port, godis_socket_server.port):
        waiting = RespConnection("127.0.0.1", port)
        pusher = RespConnection("127.0.0.1", port)
        pusher.call("FLUSHALL")
        if resp == 3:
            waiting.call("HELLO", "3")
        waiting.send_raw(encode_command(*blocker))
        time.sleep(0.15)
        for push in pushes:
            pusher.call(*push)
        replies.append(waiting.read_reply())
        replies.append(pusher.call("ZRANGE", "a", "0", "-1", "WITHSCORES"))
        replies.append(pusher.call("ZRANGE", "b", "0", "-1", "WITHSCORES"))
        waiting.close()
        pusher.close()
    assert replies[:3] == replies[3:]


# -- ZRANDMEMBER ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("nokey",), ("nokey", "5"), ("nokey", "-5", "WITHSCORES"), ("z", "0"), ("z", "0", "WITHSCORES"),
     ("z", "x"), ("z", "1", "WITHSCORE"), ("z", "1", "WITHSCORES", "x"), ("h",), ("h", "1"),
     ("z", "9223372036854775807", "WITHSCORES"), ("z", "-9223372036854775808", "WITHSCORES"),
     ("z", "4611686018427387904", "WITHSCORES"), ("z", "-4611686018427387905", "WITHSCORES"),
     ("z", "5"), ("z", "5", "WITHSCORES"), ("z", "100", "withscores"), ("nokey", "x"),
     ("z", "-9223372036854775808"), ("nokey", "-9223372036854775808")],
)
def test_zrandmember_deterministic(differ: Differ, args: tuple[str, ...]) -> None:
    """Errors, empties, and a count covering the whole set (Redis replies tail first)."""
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "4.5", "e")
    differ.check("HSET", "h", "f", "v")
    differ.check("ZRANDMEMBER", *args)


@pytest.mark.parametrize("size", [5, 50, 500])
@pytest.mark.parametrize("count", [1, 2, 10, 100, -1, -7, -600])
def test_zrandmember_properties(diff3: Differ, size: int, count: int) -> None:
    zadd_many(diff3, "z", size)
    scores = {f"m{i}".encode(): float(i) for i in range(size)}
    reply = parse_reply(diff3.godis.call("ZRANDMEMBER", "z", count, "WITHSCORES"))
    assert isinstance(reply, list)
    assert len(reply) == (min(count, size) if count > 0 else -count)
    for member, score in reply:
        assert scores[member] == float(score[1])
    members = [member for member, _ in reply]
    if count > 0:
        assert len(set(members)) == len(members)
    single = parse_reply(diff3.godis.call("ZRANDMEMBER", "z"))
    assert single in scores


def test_zrandmember_small_sample_keeps_listpack_order(diff: Differ) -> None:
    zadd_many(diff, "z", 100)
    members = parse_reply(diff.godis.call("ZRANDMEMBER", "z", "10"))
    assert isinstance(members, list)
    assert members == sorted(members, key=lambda m: int(m[1:]))


# -- ZSCAN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("0",), ("0", "MATCH", "*a*"), ("0", "MATCH", "b"), ("0", "COUNT", "1"), ("5", "COUNT", "1"),
     ("0", "COUNT", "0"), ("0", "COUNT", "x"), ("0", "MATCH"), ("0", "TYPE", "zset"),
     ("0", "NOVALUES"), ("x",), ("18446744073709551615",), ("18446744073709551616",)],
)
def test_zscan_listpack(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("ZADD", "z", "1.5", "a", "2", "b", "3", "ab", "-0", "c", "inf", "d")
    differ.check("ZSCAN", "z", *args)
    differ.check("ZSCAN", "nokey", *args)
    differ.check("HSET", "h", "f", "v")
    differ.check("ZSCAN", "h", *args)


@pytest.mark.parametrize("cursor", ["-1", "", "+0", "-18446744073709551615", " 1", "1x"])
def test_zscan_strtoul_cursors(differ: Differ, cursor: str) -> None:
    """Redis reads the cursor with strtoul: a sign is allowed (and wraps), "" is 0."""
    differ.check("ZADD", "z", "1", "a")
    differ.check("ZSCAN", "z", cursor)


def scan_all(conn: GodisDirect | RespConnection, key: bytes | str,
             *options: str) -> dict[bytes, bytes]:
    """A full ZSCAN iteration: member -> score text."""
    seen: dict[bytes, bytes] = {}
    cursor = b"0"
    while True:
        reply = parse_reply(conn.call("ZSCAN", key, cursor, *options))
        assert isinstance(reply, list)
        cursor, items = reply
        for i in range(0, len(items), 2):
            seen[items[i]] = items[i + 1]
        if cursor == b"0":
            return seen


def test_zscan_skiplist_full_iteration(diff: Differ) -> None:
    differ = diff
    zadd_many(differ, "z", 300)
    differ.check("ZADD", "z", "1.1", "m1", "inf", "m2", "-0", "m3")
    assert encoding_of(differ, "z") == "skiplist"
    assert scan_all(differ.godis, "z", "COUNT", "17") == scan_all(differ.redis, "z", "COUNT", "17")
    mine = scan_all(differ.godis, "z", "MATCH", "m1*")
    assert mine == scan_all(differ.redis, "z", "MATCH", "m1*")
    assert mine[b"m1"] == b"1.1000000000000001"
    differ.check("ZADD", "z", "-0", "m3")  # a skiplist keeps the sign
    assert scan_all(differ.godis, "z") == scan_all(differ.redis, "z")


# -- encodings -----------------------------------------------------------------------------------


def test_encoding_by_entries(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "zset-max-listpack-entries", "4")
    zadd_many(differ, "z", 4)
    assert encoding_of(differ, "z") == "listpack"
    differ.check("ZADD", "z", "10", "m0")  # an update does not convert
    assert encoding_of(differ, "z") == "listpack"
    differ.check("ZADD", "z", "5", "m4")
    assert encoding_of(differ, "z") == "skiplist"
    differ.check("ZREMRANGEBYRANK", "z", "0", "2")  # never back
    assert encoding_of(differ, "z") == "skiplist"
    differ.check("ZUNIONSTORE", "u", "1", "z")  # a stored result fits again
    assert encoding_of(differ, "u") == "listpack"
    zadd_many(differ, "big", 5)
    differ.check("ZRANGESTORE", "r", "big", "0", "-1")
    assert encoding_of(differ, "r") == "skiplist"
    differ.check("ZRANGESTORE", "r", "big", "0", "3")
    assert encoding_of(differ, "r") == "listpack"
    differ.check("ZRANGESTORE", "r", "big", "-inf", "+inf", "BYSCORE")
    assert encoding_of(differ, "r") == "skiplist"
    differ.check("CONFIG", "SET", "zset-max-listpack-entries", "0")
    differ.check("ZADD", "zero", "1", "a")
    assert encoding_of(differ, "zero") == "skiplist"
    differ.check("ZINCRBY", "zero2", "1", "a")
    assert encoding_of(differ, "zero2") == "skiplist"


def test_encoding_by_value_length(differ: Differ) -> None:
    differ.check("ZADD", "z", "1", b"m" * 64)
    assert encoding_of(differ, "z") == "listpack"
    differ.check("ZADD", "z", "2", LONG)
    assert encoding_of(differ, "z") == "skiplist"
    differ.check("ZADD", "first", "1", LONG, "2", "short")
    assert encoding_of(differ, "first") == "skiplist"
    differ.check("ZADD", "later", "1", "short", "2", LONG)
    assert encoding_of(differ, "later") == "skiplist"
    differ.check("ZUNIONSTORE", "u", "1", "z")
    assert encoding_of(differ, "u") == "skiplist"
    differ.check("ZREM", "z", LONG)
    differ.check("ZUNIONSTORE", "u", "1", "z")
    assert encoding_of(differ, "u") == "listpack"
    differ.check("CONFIG", "SET", "zset-max-listpack-value", "0")
    differ.check("ZADD", "empty", "1", "")
    assert encoding_of(differ, "empty") == "listpack"
    differ.check("ZADD", "empty", "1", "x")
    assert encoding_of(differ, "empty") == "skiplist"


def test_negative_zero_by_encoding(differ: Differ) -> None:
    """A listpack stores -0 as the integer 0; a skiplist keeps the sign."""
    differ.check("ZADD", "lp", "-0", "a")
    differ.check("ZADD", "lp", "INCR", "-0", "b")
    differ.check("ZRANGE", "lp", "0", "-1", "WITHSCORES")
    differ.check("CONFIG", "SET", "zset-max-listpack-entries", "1")
    differ.check("ZADD", "lp", "-0", "c")  # converts: a and b stay 0, c is -0
    differ.check("ZRANGE", "lp", "0", "-1", "WITHSCORES")
    differ.check("ZUNIONSTORE", "u", "1", "lp")
    differ.check("ZRANGE", "u", "0", "-1", "WITHSCORES")
    differ.check("ZUNION", "1", "lp", "WITHSCORES")
    differ.check("ZUNION", "1", "lp", "WEIGHTS", "-1", "WITHSCORES")
    differ.check("ZINTER", "2", "lp", "lp", "AGGREGATE", "MIN", "WITHSCORES")


def test_ttls(differ: Differ) -> None:
    """Updates keep a TTL; store commands replace the key and drop it."""
    for key in ("z", "u", "r"):
        differ.check("ZADD", key, "1", "a", "2", "b")
        differ.check("EXPIRE", key, "100")
    differ.check("ZADD", "z", "3", "c")
    differ.check("ZINCRBY", "z", "3", "c")
    differ.check("ZREM", "z", "c")
    differ.check("ZPOPMIN", "z")
    differ.check("TTL", "z")
    differ.check("ZUNIONSTORE", "u", "1", "z")
    differ.check("TTL", "u")
    differ.check("ZRANGESTORE", "r", "z", "0", "-1")
    differ.check("TTL", "r")
    differ.check("ZPOPMIN", "z")
    differ.check("ZADD", "z", "1", "x")
    differ.check("TTL", "z")


@pytest.mark.parametrize(
    "command",
    [("ZUNIONSTORE", "dst", "1", "src"), ("ZINTERSTORE", "dst", "2", "src", "src"),
     ("ZDIFFSTORE", "dst", "1", "src"), ("ZRANGESTORE", "dst", "src", "0", "-1"),
     ("ZUNIONSTORE", "src", "1", "src"), ("ZPOPMIN", "src"), ("BZPOPMIN", "src", "0")],
)
def test_store_commands_touch_only_the_destination(differ: Differ, redis_port: int,
                                                   command: tuple[str, ...]) -> None:
    """A WATCHed source survives ZUNIONSTORE & co.; a WATCHed destination does not."""
    differ.check("ZADD", "src", "1", "a", "2", "b")
    other_redis = RespConnection("127.0.0.1", redis_port)
    other_godis = Client(differ.godis.server)
    for watched in ("src", "dst"):
        differ.check("WATCH", watched)
        assert encode(execute_now(other_godis, [c.encode() for c in command]), 2) == \
            other_redis.call(*command)
        differ.check("MULTI")
        differ.check("ZCARD", "src")
        differ.check("EXEC")
        differ.check("ZADD", "src", "1", "a", "2", "b")
    other_redis.close()


# -- errors shared by every command --------------------------------------------------------------

ALL_COMMANDS = [
    ("ZADD", "h", "1", "a"), ("ZINCRBY", "h", "1", "a"), ("ZREM", "h", "a"), ("ZCARD", "h"),
    ("ZSCORE", "h", "a"), ("ZMSCORE", "h", "a"), ("ZRANK", "h", "a"), ("ZREVRANK", "h", "a"),
    ("ZCOUNT", "h", "0", "1"), ("ZLEXCOUNT", "h", "-", "+"), ("ZRANGE", "h", "0", "1"),
    ("ZRANGEBYSCORE", "h", "0", "1"), ("ZREVRANGEBYSCORE", "h", "1", "0"),
    ("ZRANGEBYLEX", "h", "-", "+"), ("ZREVRANGEBYLEX", "h", "+", "-"), ("ZREVRANGE", "h", "0", "1"),
    ("ZRANGESTORE", "d", "h", "0", "1"), ("ZREMRANGEBYRANK", "h", "0", "1"),
    ("ZREMRANGEBYSCORE", "h", "0", "1"), ("ZREMRANGEBYLEX", "h", "-", "+"),
    ("ZUNION", "1", "h"), ("ZINTER", "1", "h"), ("ZDIFF", "1", "h"), ("ZINTERCARD", "1", "h"),
    ("ZUNIONSTORE", "d", "1", "h"), ("ZINTERSTORE", "d", "1", "h"), ("ZDIFFSTORE", "d", "1", "h"),
    ("ZPOPMIN", "h"), ("ZPOPMAX", "h", "2"), ("ZMPOP", "1", "h", "MIN"), ("BZPOPMIN", "h", "0"),
    ("BZPOPMAX", "h", "0"), ("BZMPOP", "0", "1", "h", "MAX"), ("ZRANDMEMBER", "h"),
    ("ZRANDMEMBER", "h", "2"), ("ZSCAN", "h", "0"),
]


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_wrongtype(differ: Differ, command: tuple[str, ...]) -> None:
    differ.check("HSET", "h", "f", "v")
    assert differ.check(*command) == WRONGTYPE
    differ.check("TYPE", "d")


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_arity(differ: Differ, command: tuple[str, ...]) -> None:
    differ.check(command[0])
    differ.check(command[0], command[1])


@pytest.mark.parametrize("name", sorted({c[0] for c in ALL_COMMANDS}))
def test_command_info(diff: Differ, name: str) -> None:
    """Arity, flags and key positions as COMMAND INFO reports them."""
    mine = parse_reply(diff.godis.call("COMMAND", "INFO", name))
    theirs = parse_reply(diff.redis.call("COMMAND", "INFO", name))
    assert isinstance(mine, list)
    assert isinstance(theirs, list)
    assert mine[0][:2] == theirs[0][:2]
    assert sorted(mine[0][2]) == sorted(theirs[0][2])  # (flag order is COMMAND's business)
    assert mine[0][3:6] == theirs[0][3:6]


@pytest.mark.parametrize(
    "command",
    [("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"), ("ZINTER", "2", "a", "b"),
     ("ZINTERCARD", "3", "a", "b", "c", "LIMIT", "1"), ("ZDIFFSTORE", "d", "1", "a"),
     ("ZMPOP", "2", "a", "b", "MIN"), ("BZMPOP", "0", "2", "a", "b", "MIN"),
     ("BZPOPMIN", "a", "b", "0"), ("ZRANGESTORE", "d", "s", "0", "1")],
)
def test_command_getkeys(diff: Differ, command: tuple[str, ...]) -> None:
    diff.check("COMMAND", "GETKEYS", *command)


# -- unit checks of the parsers ------------------------------------------------------------------


def test_parsers_unit() -> None:
    assert parse_float(b"0x1p3") == 8.0
    assert math.isinf(parse_float(b"-infinity"))
    assert parse_range_bound(b"(1.5") == (1.5, True)
    assert parse_range_bound(b"") == (0.0, False)
    assert parse_range_bound(b"1e400") == (math.inf, False)
    for bad in (b"1e400", b" 1", b"nan", b"0x", b""):
        with pytest.raises(CommandError):
            parse_float(bad)


def test_big_zset_is_fast() -> None:
    """O(log N) rank and range on a large set (a loose guard, not a benchmark)."""
    godis = GodisDirect()
    zset = ZSetValue()
    zset.encoding = "skiplist"
    for i in range(100_000):
        zset.add(b"member:%d" % i, float(i % 1000))
    godis.client.db.data[b"big"] = zset
    started = time.perf_counter()
    for _ in range(200):
        godis.call("ZRANK", "big", "member:99999")
        godis.call("ZRANGE", "big", "0", "9")
        godis.call("ZRANGEBYSCORE", "big", "(500", "+inf", "LIMIT", "0", "5")
        godis.call("ZCOUNT", "big", "100", "200")
    assert time.perf_counter() - started < 1.0


# -- hypothesis: random command sequences against both servers -----------------------------------

MEMBERS = st.sampled_from([b"a", b"b", b"c", b"d", b"e", b"f", b"", b"aa", b"long" * 3])
SCORES = st.one_of(
    st.sampled_from([b"0", b"-0", b"1", b"-1", b"1.5", b"inf", b"-inf", b"0.1", b"3", b"1e17"]),
    st.integers(-5, 5).map(lambda i: str(i).encode()),
)
BOUNDS = st.sampled_from([b"-inf", b"+inf", b"0", b"(0", b"1", b"(1", b"-1", b"2.5", b"(inf"])
LEX = st.sampled_from([b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[aa", b"[", b"(f"])
ZKEYS = st.sampled_from([b"z1", b"z2", b"s"])


class ZSetMachine(DifferentialMachine):
    """Sends the same random sorted-set commands to godis and redis-server; replies must match."""

    restores = LIMITS

    @initialize(resp=st.sampled_from([2, 3]), entries=st.sampled_from([b"3", b"128"]))
    def setup(self, resp: int, entries: bytes) -> None:
        self.differ.both("HELLO", str(resp))
        self.differ.check("CONFIG", "SET", "zset-max-listpack-entries", entries)
        self.differ.check("CONFIG", "SET", "zset-max-listpack-value", "8")
        self.differ.check("SADD", "s", "a", "b", "x")

    @rule(key=ZKEYS, pairs=st.lists(st.tuples(SCORES, MEMBERS), min_size=1, max_size=4),
          options=st.lists(st.sampled_from([b"NX", b"XX", b"GT", b"LT", b"CH"]), max_size=2))
    def zadd(self, key: bytes, pairs: list[tuple[bytes, bytes]], options: list[bytes]) -> None:
        self.differ.check("ZADD", key, *options, *[x for p in pairs for x in p])

    @rule(key=ZKEYS, score=SCORES, member=MEMBERS,
          options=st.lists(st.sampled_from([b"NX", b"XX", b"GT", b"LT"]), max_size=1))
    def zincr(self, key: bytes, score: bytes, member: bytes, options: list[bytes]) -> None:
        self.differ.check("ZINCRBY", key, score, member)
        self.differ.check("ZADD", key, *options, "INCR", score, member)

    @rule(key=ZKEYS, members=st.lists(MEMBERS, min_size=1, max_size=3))
    def zrem(self, key: bytes, members: list[bytes]) -> None:
        self.differ.check("ZREM", key, *members)

    @rule(key=ZKEYS, member=MEMBERS)
    def point_reads(self, key: bytes, member: bytes) -> None:
        self.differ.check("ZSCORE", key, member)
        self.differ.check("ZMSCORE", key, member, b"a")
        self.differ.check("ZRANK", key, member)
        self.differ.check("ZREVRANK", key, member)
        self.differ.check("ZCARD", key)

    @rule(key=ZKEYS, start=st.integers(-6, 6), stop=st.integers(-6, 6), rev=st.booleans())
    def rank_range(self, key: bytes, start: int, stop: int, rev: bool) -> None:
        extra = [b"REV"] if rev else []
        self.differ.check("ZRANGE", key, start, stop, *extra, "WITHSCORES")
        self.differ.check("ZREVRANGE", key, start, stop)

    @rule(key=ZKEYS, low=BOUNDS, high=BOUNDS, offset=st.integers(-1, 3),
          count=st.integers(-1, 3))
    def score_range(self, key: bytes, low: bytes, high: bytes, offset: int, count: int) -> None:
        self.differ.check("ZRANGEBYSCORE", key, low, high, "WITHSCORES")
        self.differ.check("ZREVRANGEBYSCORE", key, high, low, "LIMIT", offset, count)
        self.differ.check("ZRANGE", key, low, high, "BYSCORE", "LIMIT", offset, count)
        self.differ.check("ZCOUNT", key, low, high)

    @rule(key=ZKEYS, low=LEX, high=LEX)
    def lex_range(self, key: bytes, low: bytes, high: bytes) -> None:
        # Only meaningful (and only matched by Redis's skiplist) when the scores are equal.
        zset = self.differ.godis.client.db.data.get(key)
        if isinstance(zset, ZSetValue) and zset.single_score() is None \
                and zset.encoding == "skiplist":
            return
        self.differ.check("ZRANGEBYLEX", key, low, high)
        self.differ.check("ZREVRANGEBYLEX", key, high, low, "LIMIT", "0", "2")
        self.differ.check("ZLEXCOUNT", key, low, high)

    @rule(key=ZKEYS, count=st.sampled_from([None, b"0", b"1", b"2", b"10"]),
          highest=st.booleans())
    def zpop(self, key: bytes, count: bytes | None, highest: bool) -> None:
        name = "ZPOPMAX" if highest else "ZPOPMIN"
        self.differ.check(name, key, *([count] if count is not None else []))

    @rule(keys=st.lists(ZKEYS, min_size=1, max_size=2), highest=st.booleans(),
          count=st.integers(1, 3))
    def zmpop(self, keys: list[bytes], highest: bool, count: int) -> None:
        where = "MAX" if highest else "MIN"
        self.differ.check("ZMPOP", len(keys), *keys, where, "COUNT", count)
        # godis answers a would-block at once here (no connection to wait on); Redis times out.
        self.differ.godis.client.deny_blocking = True
        self.differ.check("BZPOPMIN", *keys, "0.01")
        self.differ.godis.client.deny_blocking = False

    @rule(key=ZKEYS, low=BOUNDS, high=BOUNDS, start=st.integers(-3, 3))
    def zremrange(self, key: bytes, low: bytes, high: bytes, start: int) -> None:
        self.differ.check("ZREMRANGEBYSCORE", key, low, high)
        self.differ.check("ZREMRANGEBYRANK", key, start, start + 1)

    @rule(dest=ZKEYS, op=st.sampled_from(["UNION", "INTER", "DIFF"]),
          agg=st.sampled_from(["SUM", "MIN", "MAX"]))
    def setop(self, dest: bytes, op: str, agg: str) -> None:
        extra = [] if op == "DIFF" else ["AGGREGATE", agg]
        self.differ.check("Z" + op, 3, "z1", "z2", "s", *extra, "WITHSCORES")
        self.differ.check("Z" + op + "STORE", dest, 2, "z2", "z1", *extra)

    @rule(key=ZKEYS)
    def whole(self, key: bytes) -> None:
        self.differ.check("ZRANGE", key, 0, -1, "WITHSCORES")
        self.differ.check("ZRANDMEMBER", key, 100, "WITHSCORES")
        zset = self.differ.godis.client.db.data.get(key)
        if isinstance(zset, ZSetValue) and zset.encoding == "skiplist":
            assert scan_all(self.differ.godis, key) == scan_all(self.redis, key)
        else:
            self.differ.check("ZSCAN", key, 0)
        if isinstance(zset, ZSetValue):
            encoding = parse_reply(self.redis.call("OBJECT", "ENCODING", key))
            assert isinstance(encoding, bytes)
            assert zset.encoding == encoding.decode()


def test_zset_state_machine(redis_port: int) -> None:
    run_machine(ZSetMachine, redis_port)


def test_compact_form_survives_limits_reload_and_dump(differ: Differ) -> None:
    """A packed listpack: raising the limits after a conversion converts nothing back; a
    member exactly at the value limit stays small; DEBUG RELOAD and DUMP/RESTORE keep both
    the contents and the encoding (the RDB stores a listpack as Redis does)."""
    differ.check("CONFIG", "SET", "zset-max-listpack-value", "4")
    differ.check("ZADD", "at", "1", "abcd", "-0", "z", "2.5", "y")
    assert encoding_of(differ, "at") == "listpack"
    differ.check("ZADD", "at", "3", "abcde")
    assert encoding_of(differ, "at") == "skiplist"
    differ.check("CONFIG", "SET", "zset-max-listpack-value", "64")
    differ.check("ZADD", "at", "4", "q")
    assert encoding_of(differ, "at") == "skiplist"
    differ.check("ZADD", "small", "1", "a", "2", "b", "-inf", "c", "inf", "d", "-0", "e")
    for key in ("small", "at"):
        differ.check("DUMP", key)
        payload = parse_reply(differ.godis.call("DUMP", key))
        assert isinstance(payload, bytes)
        differ.check("RESTORE", key + ":copy", "0", payload)
    differ.check("DEBUG", "RELOAD")
    for key in ("small", "at", "small:copy", "at:copy"):
        differ.check("ZRANGE", key, "0", "-1", "WITHSCORES")
        differ.check("OBJECT", "ENCODING", key)
    differ.check("ZSCORE", "small", "e")
    differ.check("ZRANK", "small", "d")
    differ.check("ZREM", "small", "a", "nope")
    differ.check("ZPOPMAX", "small")
    differ.check("ZPOPMIN", "small", "2")
    differ.check("ZRANGE", "small", "0", "-1", "WITHSCORES")
