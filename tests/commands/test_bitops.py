"""Bitmap commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3.

Fixed scripts cover every option and error; hypothesis drives BITCOUNT/BITPOS ranges and
BITFIELD operations over random data, and what godis feeds the AOF is checked on its own.
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from godis.commands import load_all
from godis.config import Config
from tests.support.differential import Differ, GodisDirect, script
from tests.support.resp import RespConnection
from tests.support.stateful import run_with_differ

needs_object = pytest.mark.skipif(b"object" not in load_all(), reason="OBJECT not implemented")


@pytest.fixture
def wrong(differ: Differ) -> Differ:
    """A differ with a list at ``l``."""
    differ.check("RPUSH", "l", "a")
    return differ


# -- SETBIT / GETBIT ---------------------------------------------------------------------------


def test_setbit_getbit(wrong: Differ) -> None:
    script(wrong, """
        SETBIT b 7 1
        SETBIT b 7 1
        SETBIT b 7 0
        GET b
        SETBIT b 100 1
        GET b
        GETBIT b 7
        GETBIT b 100
        GETBIT b 101
        GETBIT b 1000
        GETBIT nokey 0
        SET s "\\xff"
        SETBIT s 0 0
        GETBIT s 1
        SET n 12
        GETBIT n 2
        GETBIT n 3
        SETBIT n 15 1
        GET n
        SETEX t 100 a
        SETBIT t 0 1
        TTL t
    """)


def test_setbit_getbit_errors(wrong: Differ) -> None:
    script(wrong, """
        SETBIT b -1 1
        SETBIT b 4294967296 1
        SETBIT b 4294967295 2
        SETBIT b abc 1
        SETBIT b 01 1
        SETBIT b 1 -1
        SETBIT b 1 x
        SETBIT b 1 2
        SETBIT b abc x
        SETBIT l 0 1
        SETBIT l -1 1
        SETBIT l 0 2
        GETBIT l 0
        GETBIT l x
        GETBIT b -1
        GETBIT b 4294967296
        GETBIT b x
        EXISTS b
        SETBIT b 1
        GETBIT b
    """)


def test_size_limit(redis_port: int) -> None:
    """Offsets and lengths are bounded by proto-max-bulk-len (here 1MB instead of 512MB)."""
    redis = RespConnection("127.0.0.1", redis_port)
    redis.call("FLUSHALL")
    limit = 1024 * 1024
    redis.call("CONFIG", "SET", "proto-max-bulk-len", limit)
    differ = Differ(redis, GodisDirect(Config(appendonly=False, proto_max_bulk_len=limit)))
    try:
        script(differ, f"""
            SETBIT b {limit * 8 - 1} 1
            STRLEN b
            SETBIT b {limit * 8} 1
            GETBIT b {limit * 8}
            GETBIT b {limit * 8 - 1}
            BITFIELD b GET u8 {limit * 8 - 8} SET u8 {limit * 8 - 8} 1
            BITFIELD b SET u8 {limit * 8 - 7} 1
            BITFIELD b GET u8 #{limit}
            BITFIELD b GET u8 #{limit - 1}
            SETRANGE s {limit - 2} ab
            SETRANGE s {limit - 2} abc
            APPEND s ""
            APPEND s x
            SETRANGE new {limit} x
            SET a x
            SETRANGE a {limit - 1} yz
            APPEND a {"z" * 10}
        """)
    finally:
        redis.call("CONFIG", "SET", "proto-max-bulk-len", 512 * 1024 * 1024)
        redis.call("FLUSHALL")
        redis.close()


# -- BITCOUNT ------------------------------------------------------------------------------------


def test_bitcount(wrong: Differ) -> None:
    script(wrong, """
        SET k foobar
        BITCOUNT k
        BITCOUNT k 0 0
        BITCOUNT k 1 1
        BITCOUNT k 1 -2
        BITCOUNT k 5 30 BIT
        BITCOUNT k 5 30 bit
        BITCOUNT k 0 -1 BYTE
        BITCOUNT k -5 -1 BIT
        BITCOUNT k 7 7 BIT
        BITCOUNT k 100 200
        BITCOUNT k -100 -50
        BITCOUNT k -100 100 BIT
        BITCOUNT k 9223372036854775807 9223372036854775807 BIT
        BITCOUNT k -9223372036854775808 -1 BIT
        BITCOUNT k 3 2
        BITCOUNT k -1 -2
        SET e ""
        BITCOUNT e
        BITCOUNT e 0 -1
        BITCOUNT e 0 -1 BIT
        SET n 12345
        BITCOUNT n
        BITCOUNT n 1 2 BIT
    """)


def test_bitcount_errors(wrong: Differ) -> None:
    """Redis 7.0 looks the key up first: a missing key answers 0 whatever the arguments."""
    script(wrong, """
        SET k foobar
        BITCOUNT k -1 -2 foo
        BITCOUNT k 0 -1 foo
        BITCOUNT k 0
        BITCOUNT k a b
        BITCOUNT k 0 b
        BITCOUNT k 1 2 3 4
        BITCOUNT nokey a b
        BITCOUNT nokey 0
        BITCOUNT nokey 0 1 foo
        BITCOUNT l
        BITCOUNT l 0 1
        BITCOUNT
    """)


# -- BITPOS --------------------------------------------------------------------------------------


def test_bitpos(differ: Differ) -> None:
    script(differ, """
        SET bp "\\xff\\xf0\\x00"
        BITPOS bp 0
        BITPOS bp 1
        BITPOS bp 0 1
        BITPOS bp 1 2
        BITPOS bp 1 2 -1
        BITPOS bp 0 0 0
        BITPOS bp 0 0 -1
        BITPOS bp 1 7 15 BIT
        BITPOS bp 0 7 15 BIT
        BITPOS bp 0 0 11 BIT
        BITPOS bp 1 12 23 BIT
        BITPOS bp 1 20 30 BIT
        BITPOS bp 0 0 8 bit
        BITPOS bp 0 3 5 byte
        BITPOS bp 0 -1 -3
        SET ones "\\xff\\xff"
        BITPOS ones 0
        BITPOS ones 0 1
        BITPOS ones 0 0 -1
        BITPOS ones 0 3 15 BIT
        BITPOS ones 1 100
        BITPOS ones 0 100
        BITPOS ones 0 -100
        SET z "\\x00\\x00"
        BITPOS z 1
        BITPOS z 0
        BITPOS z 1 0 -1 BIT
        BITPOS z 0 9 BIT
        SET e ""
        BITPOS e 0
        BITPOS e 1
        BITPOS e 0 0
        BITPOS e 0 0 -1 BIT
        SET n 12345
        BITPOS n 1
        BITPOS n 0 1
    """)


def test_bitpos_errors(wrong: Differ) -> None:
    script(wrong, """
        SET bp "\\xff\\xf0\\x00"
        BITPOS bp 1 0 -1 foo
        BITPOS bp 1 a 1 foo
        BITPOS bp 1 0 a foo
        BITPOS bp 1 0 a BIT
        BITPOS bp 2
        BITPOS bp -1
        BITPOS bp x
        BITPOS bp 1 0 1 BIT extra
        BITPOS nokey 1
        BITPOS nokey 0
        BITPOS nokey 1 a
        BITPOS nokey 0 1 2 foo
        BITPOS nokey 2
        BITPOS l 1
        BITPOS l 1 a
        BITPOS l 2
        BITPOS bp
    """)


# -- BITOP ---------------------------------------------------------------------------------------


def test_bitop(wrong: Differ) -> None:
    script(wrong, """
        SET a1 "\\x0f\\x0f"
        SET a2 "\\xf0"
        BITOP AND dest a1 a2
        GET dest
        BITOP OR dest a1 a2
        GET dest
        BITOP XOR dest a1 a2 nokey
        GET dest
        BITOP NOT dest a1
        GET dest
        BITOP not dest2 a2
        GET dest2
        BITOP AND dest a1
        GET dest
        BITOP AND dest nokey nokey2
        EXISTS dest
        BITOP NOT dest nokey
        BITOP OR dest a1 a1 a1
        GET dest
        SET e ""
        BITOP OR dest e a1
        BITOP OR dest2 e
        EXISTS dest2
        SET n 12
        BITOP XOR dest n a1
        GET dest
        SETEX t 100 x
        BITOP OR t a1
        TTL t
    """)


def test_bitop_errors(wrong: Differ) -> None:
    script(wrong, """
        SET a1 "\\x0f"
        BITOP NOT dest a1 a1
        BITOP FOO dest a1
        BITOP DIFF dest a1 a1
        BITOP ONE dest a1
        BITOP AND dest a1 l
        BITOP AND l a1
        TYPE l
        RPUSH l2 x
        BITOP AND dest nokey l2
        BITOP NOT dest
        BITOP AND dest
    """)


# -- BITFIELD ------------------------------------------------------------------------------------


def test_bitfield(differ: Differ) -> None:
    script(differ, """
        BITFIELD bf SET i8 0 100 GET i8 0 INCRBY i8 0 100
        BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 OVERFLOW FAIL INCRBY i8 0 100 OVERFLOW WRAP INCRBY i8 0 1
        BITFIELD bf GET u4 0 GET u4 4 GET i4 0 GET i4 4 GET u63 0 GET i64 0 GET i1 0 GET u1 0
        BITFIELD bf SET u8 #1 255 GET u8 #1 GET u8 #2 GET u8 8
        BITFIELD bf SET u2 100 7
        BITFIELD bf OVERFLOW FAIL SET u2 100 7
        BITFIELD bf OVERFLOW SAT SET u2 100 7
        BITFIELD bf OVERFLOW SAT SET u8 0 -1
        BITFIELD bf OVERFLOW WRAP SET u8 0 -1
        BITFIELD bf OVERFLOW SAT SET i8 0 -1000
        BITFIELD bf OVERFLOW SAT SET i8 0 1000
        BITFIELD bf OVERFLOW SAT INCRBY u8 0 -1000
        BITFIELD bf OVERFLOW WRAP INCRBY u8 0 -1000
        BITFIELD bf OVERFLOW FAIL INCRBY u8 0 -1000
        BITFIELD bf SET i64 0 -9223372036854775808 INCRBY i64 0 -1
        BITFIELD bf OVERFLOW SAT INCRBY i64 0 -1 INCRBY i64 0 9223372036854775807
        BITFIELD bf OVERFLOW FAIL INCRBY i64 0 -1
        BITFIELD bf SET u63 0 9223372036854775807 INCRBY u63 0 1
        BITFIELD bf OVERFLOW SAT INCRBY u63 0 10
        BITFIELD bf overflow sat incrby u63 0 -9223372036854775808
        GET bf
        BITFIELD bf2 SET i3 1 7 SET u5 2 31 GET i3 1 GET u5 2 INCRBY u7 13 100 GET u9 9
        GET bf2
        BITFIELD bf2 SET i17 3 -5 GET i17 3 GET u17 3 INCRBY i17 3 -65530 OVERFLOW SAT INCRBY i17 3 -100000
        GET bf2
        BITFIELD nokey GET i8 0 GET u16 100
        EXISTS nokey
        BITFIELD bf
        BITFIELD new OVERFLOW FAIL SET u2 100 7
        EXISTS new
        STRLEN new
        BITFIELD bf GET u1 #4294967295
        BITFIELD bf GET u2 #2147483648
        BITFIELD bf GET i8 #2305843009213693953
        BITFIELD bf GET i8 #1152921504606846977
        SETEX t 100 x
        BITFIELD t SET u8 0 65
        TTL t
        GET t
    """)


def test_bitfield_errors(wrong: Differ) -> None:
    script(wrong, """
        BITFIELD bf GET u64 0
        BITFIELD bf GET i65 0
        BITFIELD bf GET u0 0
        BITFIELD bf GET i0 0
        BITFIELD bf GET x8 0
        BITFIELD bf GET I8 0
        BITFIELD bf GET i08 0
        BITFIELD bf GET i 0
        BITFIELD bf GET i8
        BITFIELD bf GET i8 -1
        BITFIELD bf GET i8 #-1
        BITFIELD bf GET i8 #x
        BITFIELD bf GET i8 ##1
        BITFIELD bf GET i8 x
        BITFIELD bf GET i8 4294967296
        BITFIELD bf GET i8 #536870912
        BITFIELD bf SET i8 0
        BITFIELD bf SET i8 0 abc
        BITFIELD bf INCRBY i8 0 1.5
        BITFIELD bf OVERFLOW
        BITFIELD bf OVERFLOW foo
        BITFIELD bf OVERFLOW FAIL
        BITFIELD bf FOO
        BITFIELD bf GET i8 0 FOO
        BITFIELD l GET i8 0
        BITFIELD l SET i8 0 1
        BITFIELD l GET i8 x
        EXISTS bf
        BITFIELD
    """)


def test_bitfield_ro(wrong: Differ) -> None:
    script(wrong, """
        BITFIELD bf SET u8 0 200
        BITFIELD_RO bf GET i8 0 GET u4 4
        BITFIELD_RO bf
        BITFIELD_RO bf SET i8 0 1
        BITFIELD_RO bf INCRBY i8 0 1
        BITFIELD_RO bf GET i8 0 SET i8 0 1
        BITFIELD_RO bf OVERFLOW SAT GET i8 0
        BITFIELD_RO bf GET u64 0
        BITFIELD_RO bf FOO
        BITFIELD_RO nokey GET i8 0
        BITFIELD_RO l GET i8 0
        BITFIELD_RO l SET i8 0 1
        BITFIELD_RO
    """)


@needs_object
def test_bit_commands_make_raw_strings(differ: Differ) -> None:
    script(differ, """
        SET a 1
        SETBIT a 0 0
        OBJECT ENCODING a
        SETBIT b 3 1
        OBJECT ENCODING b
        SET c 12
        BITFIELD c GET u8 0
        OBJECT ENCODING c
        BITFIELD c SET u8 0 49
        OBJECT ENCODING c
        BITOP NOT d c
        OBJECT ENCODING d
    """)


# -- random ranges and fields --------------------------------------------------------------------

DATA = st.binary(max_size=12) | st.sampled_from([b"\xff" * 5, b"\x00" * 5, b"\x80\x01"])
INDEX = st.integers(min_value=-100, max_value=100)


def test_random_ranges(redis_port: int) -> None:
    redis = RespConnection("127.0.0.1", redis_port)
    differ = Differ(redis, GodisDirect())

    @settings(max_examples=150, deadline=None)
    @given(data=DATA, start=INDEX, end=INDEX, unit=st.sampled_from([[], ["BIT"], ["BYTE"]]),
           bit=st.sampled_from([0, 1]))
    def run(data: bytes, start: int, end: int, unit: list[str], bit: int) -> None:
        differ.check("SET", "k", data)
        differ.check("BITCOUNT", "k", start, end, *unit)
        differ.check("BITPOS", "k", bit, start)
        differ.check("BITPOS", "k", bit, start, end, *unit)

    try:
        run()
    finally:
        redis.close()


FIELD_TYPES = st.sampled_from(["i1", "u1", "i5", "u7", "i8", "u8", "i13", "u31", "i32", "i63",
                               "u63", "i64"])
INCREMENTS = st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers(-300, 300)


def test_random_bitfields(redis_port: int) -> None:
    redis = RespConnection("127.0.0.1", redis_port)
    differ = Differ(redis, GodisDirect())
    operation = st.tuples(
        st.sampled_from(["GET", "SET", "INCRBY", "OVERFLOW"]),
        FIELD_TYPES,
        st.integers(min_value=0, max_value=40).map(str) | st.integers(0, 5).map(lambda n: f"#{n}"),
        INCREMENTS,
        st.sampled_from(["WRAP", "SAT", "FAIL"]),
    )

    @settings(max_examples=150, deadline=None)
    @given(data=DATA, ops=st.lists(operation, min_size=1, max_size=5))
    def run(data: bytes, ops: list[tuple[str, str, str, int, str]]) -> None:
        differ.check("SET", "k", data)
        argv: list[str | int] = []
        for name, kind, offset, value, policy in ops:
            if name == "OVERFLOW":
                argv += [name, policy]
            elif name == "GET":
                argv += [name, kind, offset]
            else:
                argv += [name, kind, offset, value]
        differ.check("BITFIELD", "k", *argv)
        differ.check("GET", "k")

    try:
        run()
    finally:
        redis.close()


# -- propagation ---------------------------------------------------------------------------------


def test_propagation_only_on_change() -> None:
    """Like Redis 7.0.15: SETBIT/BITFIELD that change nothing are not propagated."""
    godis = GodisDirect()
    log: list[list[bytes]] = []
    godis.server.keyspace.propagate = lambda db, argv: log.append(list(argv))
    for command in ["SETBIT b 0 0", "SETBIT b 0 0", "SETBIT b 0 1", "SETBIT b 20 0",
                    "BITFIELD b SET u8 0 128", "BITFIELD b SET u8 0 129 GET u8 0",
                    "BITFIELD b GET u8 0", "BITFIELD new OVERFLOW FAIL SET u2 100 7",
                    "BITOP AND d nokey", "BITOP OR d b", "BITOP AND d nokey",
                    "BITFIELD_RO b GET u8 0"]:
        godis.call(*shlex.split(command))
    assert log == [
        [b"SETBIT", b"b", b"0", b"0"],
        [b"SETBIT", b"b", b"0", b"1"],
        [b"SETBIT", b"b", b"20", b"0"],
        [b"BITFIELD", b"b", b"SET", b"u8", b"0", b"129", b"GET", b"u8", b"0"],
        [b"BITOP", b"OR", b"d", b"b"],
        [b"BITOP", b"AND", b"d", b"nokey"],
    ]


# -- stateful differential test --------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "l"])
BITS = st.integers(min_value=0, max_value=70)


class BitMachine(RuleBasedStateMachine):
    """Random bitmap commands against both servers; every reply must match byte for byte."""

    differ: Differ

    @initialize()
    def start(self) -> None:
        self.differ.check("FLUSHALL")
        self.differ.check("RPUSH", "l", "item")

    @rule(key=KEYS, offset=BITS, value=st.sampled_from([0, 1]))
    def setbit(self, key: str, offset: int, value: int) -> None:
        self.differ.check("SETBIT", key, offset, value)

    @rule(key=KEYS, offset=BITS)
    def getbit(self, key: str, offset: int) -> None:
        self.differ.check("GETBIT", key, offset)

    @rule(key=KEYS, value=st.binary(max_size=6))
    def set(self, key: str, value: bytes) -> None:
        self.differ.check("SET", key, value)

    @rule(op=st.sampled_from(["AND", "OR", "XOR", "NOT"]), dest=KEYS,
          sources=st.lists(KEYS, min_size=1, max_size=3))
    def bitop(self, op: str, dest: str, sources: list[str]) -> None:
        self.differ.check("BITOP", op, dest, *(sources[:1] if op == "NOT" else sources))

    @rule(key=KEYS, kind=FIELD_TYPES, offset=BITS, value=st.integers(-300, 300),
          policy=st.sampled_from(["WRAP", "SAT", "FAIL"]))
    def bitfield(self, key: str, kind: str, offset: int, value: int, policy: str) -> None:
        self.differ.check("BITFIELD", key, "OVERFLOW", policy, "INCRBY", kind, offset, value,
                          "GET", kind, offset)

    @rule(key=KEYS, start=INDEX, end=INDEX, bit=st.sampled_from([0, 1]))
    def inspect(self, key: str, start: int, end: int, bit: int) -> None:
        self.differ.check("GET", key)
        self.differ.check("BITCOUNT", key)
        self.differ.check("BITCOUNT", key, start, end, "BIT")
        self.differ.check("BITPOS", key, bit)
        self.differ.check("BITPOS", key, bit, start, end)


@pytest.mark.parametrize("resp", [2, 3])
def test_stateful_bits(redis_port: int, resp: int) -> None:
    run_with_differ(BitMachine, redis_port, resp, max_examples=30)
