"""Hash commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from godis.util import parse_long_double
from tests.support.differential import Differ, GodisDirect, propagated
from tests.support.resp import parse_reply
from tests.support.stateful import DifferentialMachine, run_machine

LONG = b"x" * 65  # one byte over hash-max-listpack-value's default
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
LIMITS = ("hash-max-listpack-entries", "hash-max-listpack-value")


def test_default_limits(differ: Differ) -> None:
    """Redis 7.0's defaults: 512 entries, 64 bytes."""
    for name in LIMITS:
        differ.check("CONFIG", "GET", name)


def keys_of(differ: Differ) -> None:
    """Both sides hold the same keys."""
    differ.check_unordered("KEYS", "*")


# -- HSET HMSET HSETNX HGET HMGET HEXISTS HLEN HSTRLEN ------------------------------------


def test_hset_and_reads(differ: Differ) -> None:
    differ.check("HSET", "h", "a", "1", "b", "2")
    differ.check("HSET", "h", "b", "20", "c", "3", "c", "30")  # duplicate field: last wins
    differ.check("HGET", "h", "b")
    differ.check("HGET", "h", "c")
    differ.check("HGET", "h", "nope")
    differ.check("HGET", "nokey", "a")
    differ.check("HMGET", "h", "a", "nope", "c", "a")
    differ.check("HMGET", "nokey", "a", "b")
    differ.check("HEXISTS", "h", "a")
    differ.check("HEXISTS", "h", "nope")
    differ.check("HEXISTS", "nokey", "a")
    differ.check("HLEN", "h")
    differ.check("HLEN", "nokey")
    differ.check("HSTRLEN", "h", "b")
    differ.check("HSTRLEN", "h", "nope")
    differ.check("HSTRLEN", "nokey", "a")
    differ.check("HSET", "h", "", "")
    differ.check("HGET", "h", "")
    differ.check("HSTRLEN", "h", "")


def test_listpack_order_is_insertion_order(differ: Differ) -> None:
    """Small hashes reply in listpack order: insertion, updates in place, deletes close up."""
    differ.check("HSET", "h", "z", "1", "a", "2", "m", "3", "b", "4")
    differ.check("HSET", "h", "a", "22")
    differ.check("HDEL", "h", "m")
    differ.check("HSET", "h", "m", "33", "c", "5")
    for cmd in ("HGETALL", "HKEYS", "HVALS"):
        differ.check(cmd, "h")
    differ.check("HSCAN", "h", "0")
    differ.check("HRANDFIELD", "h", "100")
    differ.check("HRANDFIELD", "h", "5", "WITHVALUES")


def test_hmset(differ: Differ) -> None:
    differ.check("HMSET", "h", "a", "1", "b", "2")
    differ.check("HMSET", "h", "a", "3")
    differ.check("HGETALL", "h")
    differ.check("HMSET", "h", "a")
    differ.check("HMSET", "nokey", "a", "1", "b")


def test_hset_arity(differ: Differ) -> None:
    differ.check("HSET", "h", "a")
    differ.check("HSET", "h", "a", "1", "b")
    differ.check("HSET", "h")
    differ.check("HMSET", "h", "a")
    differ.check("HSETNX", "h", "a")
    differ.check("HGET", "h")
    differ.check("HMGET", "h")
    differ.check("HDEL", "h")
    differ.check("HGETALL")
    differ.check("HKEYS", "h", "x")
    differ.check("HSTRLEN", "h")
    differ.check("HINCRBY", "h", "f")
    differ.check("HINCRBYFLOAT", "h", "f", "1", "2")
    differ.check("HRANDFIELD")
    differ.check("HSCAN", "h")
    keys_of(differ)


def test_hsetnx(differ: Differ) -> None:
    differ.check("HSETNX", "h", "a", "1")
    differ.check("HSETNX", "h", "a", "2")
    differ.check("HSETNX", "h", "b", "3")
    differ.check("HGETALL", "h")


def test_wrongtype(differ: Differ) -> None:
    differ.check("SADD", "s", "x")
    for args in (("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
                 ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"),
                 ("HEXISTS", "s", "a"), ("HLEN", "s"), ("HSTRLEN", "s", "a"), ("HKEYS", "s"),
                 ("HVALS", "s"), ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"),
                 ("HINCRBYFLOAT", "s", "a", "1"), ("HRANDFIELD", "s"),
                 ("HRANDFIELD", "s", "2"), ("HRANDFIELD", "s", "2", "WITHVALUES"),
                 ("HSCAN", "s", "0")):
        assert differ.check(*args) == WRONGTYPE, args
    # argument errors come before the type check
    differ.check("HSET", "s", "a")
    differ.check("HINCRBY", "s", "a", "x")
    differ.check("HINCRBYFLOAT", "s", "a", "x")
    differ.check("HRANDFIELD", "s", "x")
    differ.check("HRANDFIELD", "s", "1", "WITHVALUE")
    differ.check("HSCAN", "s", "x")


# -- HDEL -------------------------------------------------------------------------------------


def test_hdel(differ: Differ) -> None:
    differ.check("HSET", "h", "a", "1", "b", "2", "c", "3")
    differ.check("HDEL", "h", "a", "nope", "a")
    differ.check("HDEL", "nokey", "a")
    differ.check("HGETALL", "h")
    differ.check("HDEL", "h", "b", "c", "d")
    differ.check("EXISTS", "h")
    keys_of(differ)


# -- encodings --------------------------------------------------------------------------------


def test_encoding_by_entries(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "hash-max-listpack-entries", "2")
    differ.check("HSET", "h", "a", "1", "b", "2")
    differ.check("OBJECT", "ENCODING", "h")
    differ.check("HSET", "h", "b", "3")
    differ.check("OBJECT", "ENCODING", "h")
    differ.check("HSET", "h", "c", "3")
    differ.check("OBJECT", "ENCODING", "h")
    differ.check("HDEL", "h", "a", "b")
    differ.check("OBJECT", "ENCODING", "h")  # never converts back
    differ.check("HSETNX", "h2", "a", "1")
    differ.check("HSETNX", "h2", "b", "1")
    differ.check("HSETNX", "h2", "c", "1")
    differ.check("OBJECT", "ENCODING", "h2")
    differ.check("HINCRBY", "h3", "a", "1")
    differ.check("HINCRBY", "h3", "b", "1")
    differ.check("HINCRBYFLOAT", "h3", "c", "1.5")
    differ.check("OBJECT", "ENCODING", "h3")
    differ.check("CONFIG", "SET", "hash-max-listpack-entries", "0")
    differ.check("HSET", "h4", "a", "1")
    differ.check("OBJECT", "ENCODING", "h4")


def test_encoding_by_value_length(differ: Differ) -> None:
    differ.check("HSET", "h1", "a", b"x" * 64)
    differ.check("OBJECT", "ENCODING", "h1")
    differ.check("HSET", "h1", "a", LONG)
    differ.check("OBJECT", "ENCODING", "h1")
    differ.check("HSET", "h2", LONG, "v")
    differ.check("OBJECT", "ENCODING", "h2")
    # HSETNX checks lengths only when it will set: an existing field converts nothing
    differ.check("HSET", "h3", "a", "1")
    differ.check("HSETNX", "h3", "a", LONG)
    differ.check("OBJECT", "ENCODING", "h3")
    differ.check("HSETNX", "h3", "b", LONG)
    differ.check("OBJECT", "ENCODING", "h3")
    # HINCRBY* check the field length when they store (hashTypeSet)
    differ.check("HINCRBY", "h4", LONG, "1")
    differ.check("OBJECT", "ENCODING", "h4")
    differ.check("HINCRBYFLOAT", "h5", LONG, "1")
    differ.check("OBJECT", "ENCODING", "h5")
    differ.check("HINCRBYFLOAT", "h6", "f", "1e70")
    differ.check("OBJECT", "ENCODING", "h6")
    differ.check("CONFIG", "SET", "hash-max-listpack-value", "3")
    differ.check("HINCRBY", "h7", "f", "999")
    differ.check("OBJECT", "ENCODING", "h7")
    differ.check("HINCRBY", "h7", "f", "1")
    differ.check("OBJECT", "ENCODING", "h7")
    differ.check("CONFIG", "SET", "hash-max-listpack-value", "0")
    differ.check("HSET", "h8", "", "")
    differ.check("OBJECT", "ENCODING", "h8")
    differ.check("HSET", "h8", "a", "")
    differ.check("OBJECT", "ENCODING", "h8")


def test_hashtable_replies(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "hash-max-listpack-entries", "128")
    fields = [arg for i in range(200) for arg in (f"f{i}", f"v{i}")]
    differ.check("HSET", "h", *fields)
    differ.check("OBJECT", "ENCODING", "h")
    differ.check_unordered("HGETALL", "h")
    differ.check_unordered("HKEYS", "h")
    differ.check_unordered("HVALS", "h")
    differ.check("HLEN", "h")
    differ.check("HMGET", "h", "f1", "f199", "nope")


# -- HINCRBY ----------------------------------------------------------------------------------


def test_hincrby(differ: Differ) -> None:
    differ.check("HINCRBY", "h", "n", "5")
    differ.check("HINCRBY", "h", "n", "-7")
    differ.check("HINCRBY", "h", "n", "0")
    differ.check("HSET", "h", "big", "9223372036854775806", "small", "-9223372036854775807")
    differ.check("HINCRBY", "h", "big", "1")
    differ.check("HINCRBY", "h", "big", "1")
    differ.check("HINCRBY", "h", "small", "-1")
    differ.check("HINCRBY", "h", "small", "-1")
    differ.check("HINCRBY", "h", "small", "9223372036854775807")
    differ.check("HGETALL", "h")


@pytest.mark.parametrize("stored", ["abc", "1.5", " 1", "1 ", "+1", "01", "-0", "",
                                    "9223372036854775808", "0x10"])
def test_hincrby_not_an_integer(differ: Differ, stored: str) -> None:
    differ.check("HSET", "h", "f", stored)
    differ.check("HINCRBY", "h", "f", "1")
    differ.check("HGET", "h", "f")


@pytest.mark.parametrize("increment", ["x", "1.5", "", " 1", "9223372036854775808", "+1"])
def test_hincrby_bad_increment(differ: Differ, increment: str) -> None:
    differ.check("HINCRBY", "h", "f", increment)
    differ.check("EXISTS", "h")


# -- HINCRBYFLOAT ------------------------------------------------------------------------------

FLOAT_STEPS = [
    ("0", "0.1"), ("0.1", "0.2"), ("10.5", "0.1"), ("5.0e3", "2.0e2"), ("1", "-1"),
    ("0", "1e300"), ("0", "1e4000"), ("0", "-1e-18"), ("0", "1e-17"), ("0", "5e-18"),
    ("0", "-0.0000000000000000001"), ("1.5", "0x10"), ("0", "0x1p-3"), ("0", ".5"),
    ("0", "5."), ("0", "-.5e+1"), ("0", "1.18973149535723176502e+4932"), ("0", "1e-4940"),
    ("17179869184", "1.5"), ("18446744073709551615", "1"), ("0.3", "-0.1"),
    ("3.0000000000000000000000000001", "0"), ("-5", "5"), ("1e20", "1"), ("123", "0.456"),
    ("-3.14159265358979323846", "0"), ("9223372036854775807", "9223372036854775807"),
    ("0", "INF1"), ("0", "0x"), ("0", "1e"), ("0", "1e5000"), ("0", "-1e5000"),
    ("0", "1e-5000"), ("0", "inf"), ("0", "-Infinity"), ("0", "nan"), ("0", " 1"),
    ("0", "1 "), ("0", ""), ("0", "1_0"), ("0", "\u0661"),
    ("inf", "1"), ("-inf", "1"), ("nan", "1"), ("abc", "1"), ("1e5000", "1"), ("", "1"),
    ("1.18973149535723176502e+4932", "1.18973149535723176502e+4932"),
]


@pytest.mark.parametrize(("stored", "increment"), FLOAT_STEPS)
def test_hincrbyfloat(differ: Differ, stored: str, increment: str) -> None:
    differ.check("HSET", "h", "f", stored)
    differ.check("HINCRBYFLOAT", "h", "f", increment)
    differ.check("HGET", "h", "f")


def test_hincrbyfloat_creates(differ: Differ) -> None:
    differ.check("HINCRBYFLOAT", "h", "f", "2.5")
    differ.check("HINCRBYFLOAT", "h", "g", "-2.5e-3")
    differ.check("HGETALL", "h")
    differ.check("HINCRBYFLOAT", "h2", "f", "x")
    differ.check("HINCRBYFLOAT", "h2", "f", "inf")
    differ.check("EXISTS", "h2")


def test_hincrbyfloat_accumulates(differ: Differ) -> None:
    for step in ("0.1", "0.2", "0.3", "1e-10", "-7.77", "3.3333333333333333", "1e15", "0.001"):
        differ.check("HINCRBYFLOAT", "h", "f", step)


def test_long_double_emulation_unit() -> None:
    """The x87 long double (``godis.util``) on values whose Redis replies were read off a server."""
    def incr(old: bytes, step: bytes) -> bytes:
        a, b = parse_long_double(old), parse_long_double(step)
        assert a is not None
        assert b is not None
        result = a + b
        assert result.is_finite()
        return result.format_human()

    assert incr(b"0.1", b"0.2") == b"0.3"
    assert incr(b"0", b"1e-18") == b"0"
    assert incr(b"0", b"-1e-19") == b"0"
    assert incr(b"0", b"1e300").startswith(b"1000000000000000000008997324079559")
    assert parse_long_double(b"1e5000") is None
    assert parse_long_double(b"1e-5000") is None
    zero = parse_long_double(b"0e-99999999999")
    assert zero is not None
    assert zero.mant == 0
    infinity = parse_long_double(b"inf")
    assert infinity is not None
    assert infinity.inf == 1
    assert parse_long_double(b"nan") is None


def test_hincrbyfloat_propagates_as_hset(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("HINCRBYFLOAT", "h", "f", "1.5")
    diff.check("HINCRBYFLOAT", "h", "f", "0.1")
    diff.check("HINCRBYFLOAT", "h", "f", "x")
    assert log == [[b"HSET", b"h", b"f", b"1.5"], [b"HSET", b"h", b"f", b"1.6"]]


def test_writes_propagate_as_is(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("HSET", "h", "a", "1")
    diff.check("HMSET", "h", "a", "1")
    diff.check("HSETNX", "h", "a", "1")  # no change: not propagated
    diff.check("HINCRBY", "h", "a", "2")
    diff.check("HDEL", "h", "nope")
    diff.check("HDEL", "h", "a")
    assert log == [[b"HSET", b"h", b"a", b"1"], [b"HMSET", b"h", b"a", b"1"],
                   [b"HINCRBY", b"h", b"a", b"2"], [b"HDEL", b"h", b"a"]]


# -- HRANDFIELD ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("x",), ("1.5",), ("",), ("9223372036854775808",), ("-9223372036854775808",),
    ("-9223372036854775807", "WITHVALUES"), ("-4611686018427387904", "WITHVALUES"),
    ("4611686018427387904", "WITHVALUES"), ("1", "WITHVALUE"), ("1", "WITHVALUES", "x"),
    ("x", "WITHVALUE"), ("0",), ("0", "WITHVALUES"), ("0", "withvalues"),
    ("4611686018427387903", "WITHVALUES"), ("9223372036854775807",),
])
def test_hrandfield_arguments(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("HSET", "h", "a", "1", "b", "2", "c", "3")
    differ.check("HRANDFIELD", "h", *args)
    differ.check("HRANDFIELD", "nokey", *args)


def test_hrandfield_missing_and_single(differ: Differ) -> None:
    differ.check("HRANDFIELD", "nokey")
    differ.check("HRANDFIELD", "nokey", "5", "WITHVALUES")
    differ.check("HSET", "h", "only", "v")
    differ.check("HRANDFIELD", "h")
    differ.check("HRANDFIELD", "h", "1")
    differ.check("HRANDFIELD", "h", "-1", "WITHVALUES")
    differ.check("HRANDFIELD", "h", "-3")
    differ.check("HRANDFIELD", "h", "-3", "WITHVALUES")


@pytest.mark.parametrize("size", [5, 300])
def test_hrandfield_properties(differ: Differ, size: int) -> None:
    """Random replies: right shape and count, real fields, distinct when count is positive."""
    fields = {f"f{i}".encode(): f"v{i}".encode() for i in range(size)}
    differ.check("HSET", "h", *[x for pair in fields.items() for x in pair])
    resp3 = differ.godis.client.resp == 3
    for count in (1, 2, size - 1, size, size + 3, -1, -2, -size, -3 * size):
        for withvalues in (False, True):
            args = ["HRANDFIELD", "h", str(count)] + (["WITHVALUES"] if withvalues else [])
            for side in (differ.godis.call, differ.redis.call):
                reply = parse_reply(side(*args))
                assert isinstance(reply, list)
                if withvalues and resp3:
                    pairs = [tuple(item) for item in reply]
                elif withvalues:
                    pairs = list(zip(reply[::2], reply[1::2], strict=True))
                else:
                    pairs = [(field, fields[field]) for field in reply]
                assert len(pairs) == (min(count, size) if count > 0 else -count)
                assert all(fields[field] == value for field, value in pairs)
                if count > 0:
                    assert len({field for field, _ in pairs}) == len(pairs)
    single = parse_reply(differ.godis.call("HRANDFIELD", "h"))
    assert single in fields


def test_hrandfield_covers_every_field() -> None:
    """Picks are spread over the whole hash (a big one uses the cached random-access list)."""
    godis = GodisDirect()
    godis.call("HSET", "h", *[x for i in range(100) for x in (f"f{i}", "v")])
    seen = set()
    for _ in range(3000):
        seen.add(parse_reply(godis.call("HRANDFIELD", "h")))
    assert len(seen) == 100
    godis.call("HDEL", "h", "f0")
    godis.call("HSET", "h", "new", "v")
    picks = parse_reply(godis.call("HRANDFIELD", "h", "-5000"))
    assert isinstance(picks, list)
    assert b"f0" not in picks
    assert b"new" in picks
    assert len(set(picks)) == 100


# -- HSCAN --------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("0",), ("0", "COUNT", "1"), ("0", "MATCH", "a*"), ("0", "MATCH", "*", "COUNT", "100"),
    ("0", "match", "[ab]"), ("7",), ("0", "COUNT", "0"), ("0", "COUNT", "-1"),
    ("0", "COUNT", "x"), ("0", "MATCH"), ("0", "TYPE", "string"), ("0", "NOVALUES"),
    ("x",), ("18446744073709551616",), ("0", "COUNT", "1", "COUNT"), (" 0",), ("0 ",),
    ("-",), ("+",), ("18446744073709551615",),
])
def test_hscan_listpack(differ: Differ, args: tuple[str, ...]) -> None:
    differ.check("HSET", "h", "a", "1", "b", "2", "ab", "3", "c", "4")
    differ.check("HSCAN", "h", *args)
    differ.check("HSCAN", "nokey", *args)


@pytest.mark.parametrize("cursor", ["-1", "", "+0", "-18446744073709551615"])
def test_hscan_strtoul_cursors(differ: Differ, cursor: str) -> None:
    """Redis reads the cursor with strtoul: a sign is allowed (and wraps), "" is 0."""
    differ.check("HSET", "h", "a", "1")
    differ.check("HSCAN", "h", cursor)


def test_hscan_hashtable_iteration(diff: Differ) -> None:
    """A full HSCAN of a hashtable returns every field present throughout, on both sides."""
    fields = [f"f{i}".encode() for i in range(1000)]
    diff.check("HSET", "h", *[x for f in fields for x in (f, b"v" + f)])
    diff.check("OBJECT", "ENCODING", "h")
    for call in (diff.godis.call, diff.redis.call):
        seen: dict[bytes, bytes] = {}
        cursor = b"0"
        calls = 0
        while True:
            reply = parse_reply(call("HSCAN", "h", cursor, "COUNT", "20"))
            assert isinstance(reply, list)
            cursor, flat = reply
            seen.update(zip(flat[::2], flat[1::2], strict=True))
            calls += 1
            if cursor == b"0":
                break
        assert seen == {f: b"v" + f for f in fields}
        assert calls > 5


def test_hscan_match_on_hashtable(diff: Differ) -> None:
    diff.check("HSET", "h", *[x for i in range(600) for x in (f"k{i}", str(i))])
    mine = parse_reply(diff.godis.call("HSCAN", "h", "0", "MATCH", "k1?", "COUNT", "1000"))
    theirs = parse_reply(diff.redis.call("HSCAN", "h", "0", "MATCH", "k1?", "COUNT", "1000"))
    assert isinstance(mine, list)
    assert isinstance(theirs, list)
    assert mine[0] == theirs[0] == b"0"
    assert sorted(zip(mine[1][::2], mine[1][1::2], strict=True)) == sorted(
        zip(theirs[1][::2], theirs[1][1::2], strict=True))


def test_hscan_guarantee_under_modification() -> None:
    """Fields present for the whole iteration are all returned, despite adds and deletes."""
    godis = GodisDirect()
    stable = [f"s{i}".encode() for i in range(400)]
    churn = [f"c{i}".encode() for i in range(400)]
    godis.call("HSET", "h", *[x for f in stable + churn for x in (f, b"1")])
    seen: set[bytes] = set()
    cursor = b"0"
    step = 0
    while True:
        reply = parse_reply(godis.call("HSCAN", "h", cursor, "COUNT", "15"))
        assert isinstance(reply, list)
        cursor, flat = reply
        seen.update(flat[::2])
        godis.call("HDEL", "h", churn[step % 400])
        godis.call("HSET", "h", f"new{step}", "1")
        step += 1
        if cursor == b"0":
            break
    assert set(stable) <= seen
    assert seen <= set(stable) | set(churn) | {f"new{i}".encode() for i in range(step)}


# -- hypothesis: random command sequences against both servers -------------------------------

FIELDS = st.sampled_from([b"a", b"b", b"c", b"d", b"e", b"f", b"n", b"long" * 3])
VALUES = st.one_of(st.sampled_from([b"", b"0", b"1", b"-5", b"1.5", b"x" * 9, b"abc",
                                    b"9223372036854775807", b"3e2", b"inf"]),
                   st.integers(-1000, 1000).map(lambda i: str(i).encode()))
HKEYS = st.sampled_from([b"h1", b"h2", b"s"])


class HashMachine(DifferentialMachine):
    """Sends the same random hash commands to godis and redis-server; every reply must match."""

    restores = LIMITS

    @initialize(resp=st.sampled_from([2, 3]))
    def setup(self, resp: int) -> None:
        self.differ.both("HELLO", str(resp))  # the replies differ in the client id
        self.differ.check("CONFIG", "SET", "hash-max-listpack-entries", "4")
        self.differ.check("CONFIG", "SET", "hash-max-listpack-value", "8")
        self.differ.check("SADD", "s", "member")

    def listpack(self, key: bytes) -> bool:
        return self.differ.check("OBJECT", "ENCODING", key) != b"$9\r\nhashtable\r\n"

    @rule(key=HKEYS, pairs=st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=4),
          hmset=st.booleans())
    def hset(self, key: bytes, pairs: list[tuple[bytes, bytes]], hmset: bool) -> None:
        self.differ.check("HMSET" if hmset else "HSET", key, *[x for p in pairs for x in p])

    @rule(key=HKEYS, field=FIELDS, value=VALUES)
    def hsetnx(self, key: bytes, field: bytes, value: bytes) -> None:
        self.differ.check("HSETNX", key, field, value)

    @rule(key=HKEYS, fields=st.lists(FIELDS, min_size=1, max_size=3))
    def hdel(self, key: bytes, fields: list[bytes]) -> None:
        self.differ.check("HDEL", key, *fields)

    @rule(key=HKEYS, field=FIELDS, increment=st.integers(-(2**63), 2**63 - 1))
    def hincrby(self, key: bytes, field: bytes, increment: int) -> None:
        self.differ.check("HINCRBY", key, field, increment)

    @rule(key=HKEYS, field=FIELDS, increment=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(["0.1", "-0.3", "1e-20", "2.5e10", "7"])))
    def hincrbyfloat(self, key: bytes, field: bytes, increment: str) -> None:
        self.differ.check("HINCRBYFLOAT", key, field, increment)

    @rule(key=HKEYS, fields=st.lists(FIELDS, min_size=1, max_size=3))
    def reads(self, key: bytes, fields: list[bytes]) -> None:
        self.differ.check("HGET", key, fields[0])
        self.differ.check("HMGET", key, *fields)
        self.differ.check("HEXISTS", key, fields[0])
        self.differ.check("HSTRLEN", key, fields[0])
        self.differ.check("HLEN", key)

    @rule(key=HKEYS)
    def whole(self, key: bytes) -> None:
        exact = self.listpack(key)
        for cmd in ("HGETALL", "HKEYS", "HVALS"):
            if exact:
                self.differ.check(cmd, key)
            else:
                self.differ.check_unordered(cmd, key)
        if exact:
            self.differ.check("HSCAN", key, "0")
            self.differ.check("HRANDFIELD", key, "50", "WITHVALUES")

    @rule(key=HKEYS, count=st.integers(-3, 3))
    def hrandfield_shape(self, key: bytes, count: int) -> None:
        mine, theirs = self.differ.both("HRANDFIELD", key, count)
        if count in (0,) or theirs.startswith((b"-", b"*0", b"$-1", b"_")):
            assert mine == theirs


def test_hash_state_machine(redis_port: int) -> None:
    run_machine(HashMachine, redis_port)


def test_compact_form_survives_limits_reload_and_dump(differ: Differ) -> None:
    """A packed listpack: raising the limits after a conversion converts nothing back; a
    value exactly at the limit stays small; DEBUG RELOAD and DUMP/RESTORE keep the contents,
    their order and the encoding (the RDB stores a listpack as Redis does)."""
    differ.check("CONFIG", "SET", "hash-max-listpack-value", "4")
    differ.check("HSET", "at", "abcd", "wxyz", "", "", "n", "12")
    differ.check("OBJECT", "ENCODING", "at")
    differ.check("HSET", "at", "f", "abcde")
    differ.check("OBJECT", "ENCODING", "at")
    differ.check("CONFIG", "SET", "hash-max-listpack-value", "64")
    differ.check("HDEL", "at", "f")
    differ.check("OBJECT", "ENCODING", "at")
    differ.check("HSET", "small", "b", "1", "a", "2", "c", "-3", "b", "4")
    differ.check("HDEL", "small", "a")
    differ.check("DUMP", "small")  # (a hashtable's DUMP follows each server's dict order)
    for key in ("small", "at"):
        payload = parse_reply(differ.godis.call("DUMP", key))
        assert isinstance(payload, bytes)
        differ.check("RESTORE", key + ":copy", "0", payload)
    differ.check("DEBUG", "RELOAD")
    for key in ("small", "small:copy"):
        differ.check("HGETALL", key)
        differ.check("OBJECT", "ENCODING", key)
    for key in ("at", "at:copy"):
        differ.check_unordered("HGETALL", key)
        differ.check("OBJECT", "ENCODING", key)
    differ.check("HINCRBY", "small", "c", "10")
    differ.check("HINCRBYFLOAT", "small", "b", "0.5")
    differ.check("HSTRLEN", "small", "b")
    differ.check("HGETALL", "small")
