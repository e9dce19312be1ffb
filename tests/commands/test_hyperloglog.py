"""HyperLogLog commands against a real redis-server 7.0, under RESP2 and RESP3.

godis keeps Redis's exact string format (sparse and dense), hash and estimator, so not only the
counts but the stored bytes (GET, STRLEN) must match, through the sparse-to-dense promotion.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from godis.commands import hyperloglog as h, load_all
from godis.commands.hyperloglog import (
    HLL_DENSE_SIZE,
    _pack_dense,
    count_registers,
    murmurhash64a,
    pattern_length,
    registers_of,
)
from godis.config import Config
from godis.keyspace.keyspace import Database
from tests.support.differential import Differ, GodisDirect, script
from tests.support.resp import RespConnection
from tests.support.stateful import run_with_differ


def test_murmurhash64a_known_values() -> None:
    """Reference values of MurmurHash64A with Redis's seed (checked against PFADD below)."""
    assert murmurhash64a(b"") == murmurhash64a(b"", 0xADC83B19)
    assert murmurhash64a(b"a") != murmurhash64a(b"b")
    index, count = pattern_length(b"a")
    assert 0 <= index < 16384
    assert 1 <= count <= 51


def test_pfadd_pfcount(differ: Differ) -> None:
    script(differ, """
        PFADD h a b c
        GET h
        PFCOUNT h
        GET h
        PFADD h a
        PFADD h d e f g h i j k l m n o p
        GET h
        PFCOUNT h
        PFCOUNT h
        PFADD empty
        GET empty
        PFADD empty
        PFCOUNT empty
        PFCOUNT nokey
        EXISTS nokey
        STRLEN h
        TYPE h
        PFADD bin "" "\\x00" "\\xff\\xfe" 12345678 123456789 1234567
        GET bin
        PFCOUNT bin
    """)


def test_pfmerge(differ: Differ) -> None:
    script(differ, """
        PFADD h1 a b c d
        PFADD h2 c d e f
        PFMERGE h3 h1 h2
        GET h3
        PFCOUNT h3
        PFCOUNT h1 h2
        PFCOUNT h1 h2 nokey
        PFCOUNT nokey nokey2
        PFMERGE h1 h2
        GET h1
        PFMERGE fresh
        GET fresh
        EXISTS fresh
        PFMERGE h3 nokey
        GET h3
        SETEX t 100 x
        DEL t
    """)


def test_errors(differ: Differ) -> None:
    script(differ, """
        SET s foo
        RPUSH l a
        PFADD s a
        PFADD l a
        PFCOUNT s
        PFCOUNT l
        PFCOUNT h s
        PFADD h a
        PFCOUNT h l
        PFMERGE s h
        PFMERGE h s
        PFMERGE h l
        PFMERGE l h
        SET fake HYLL
        PFCOUNT fake
        SET fake "HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
        PFCOUNT fake
        SET fake "HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00abc"
        PFADD fake a
        SET fake "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x00\\x00\\x00\\x80\\x00"
        PFCOUNT fake
        PFADD fake a
        PFCOUNT fake h
        PFMERGE h fake
        SET fake "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\x7f\\xff"
        PFCOUNT fake
        SET fake 12345
        PFADD fake a
        PFADD
        PFCOUNT
        PFMERGE
    """)


def test_corrupt_sparse_values(differ: Differ) -> None:
    """Hand-made sparse strings: short or overlong runs, VAL opcodes past the end."""
    header = "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80"
    for body in ("", "\\x7f", "\\x7f\\xfe", "\\x7f\\xfe\\x80", "\\x7f\\xfe\\x83\\x83",
                 "\\x3f" * 300, "\\x7f\\xfd\\x8f", "\\x80" * 20, "\\xbf\\x7f\\xfe"):
        script(differ, f"""
            SET c "{header}{body}"
            PFCOUNT c
            PFCOUNT c c
            PFMERGE m c
            PFADD c a b c
        """)
        differ.check("GET", "c")
        differ.check("DEL", "m")


def test_saturated_registers(differ: Differ) -> None:
    """Crafted dense HLLs whose estimate overflows: Redis replies LLONG_MIN, caches nothing."""
    header = b"HYLL\x00\x00\x00\x00" + bytes(7) + b"\x80"
    for value in (1, 40, 50, 51, 63):
        differ.check("SET", "x", header + _pack_dense(bytes([value]) * 16384))
        differ.check("PFCOUNT", "x")
        differ.check("GET", "x")
        differ.check("PFCOUNT", "x", "nokey")
        differ.check("PFADD", "x", "a", "b")
        differ.check("PFMERGE", "y", "x")
        differ.check("PFCOUNT", "y")


def test_cached_cardinality(differ: Differ) -> None:
    """PFCOUNT stores the cardinality in the header; PFADD/PFMERGE invalidate it."""
    script(differ, """
        PFADD h a b c
        GET h
        PFCOUNT h
        GET h
        PFADD h b
        GET h
        PFADD h zzz
        GET h
        PFMERGE h h
        GET h
        PFCOUNT h other
        GET h
    """)


def test_sparse_to_dense_promotion(redis_port: int) -> None:
    """Feed both servers the same random elements; the stored bytes match at every step."""
    redis = RespConnection("127.0.0.1", redis_port)
    differ = Differ(redis, GodisDirect())
    rnd = random.Random(7)
    try:
        redis.call("FLUSHALL")
        for step in range(300):
            elements = [str(rnd.randrange(10**7)) for _ in range(rnd.choice([1, 1, 3, 12]))]
            differ.check("PFADD", "h", *elements)
            if step % 25 == 0:
                differ.check("GET", "h")
                differ.check("PFCOUNT", "h")
        for _ in range(15):
            differ.check("PFADD", "h", *[str(rnd.randrange(10**9)) for _ in range(300)])
            differ.check("PFCOUNT", "h")
        differ.check("GET", "h")  # dense by now
        assert int(differ.check("STRLEN", "h")[1:-2]) == HLL_DENSE_SIZE
        differ.check("PFADD", "small", "x", "y")
        differ.check("PFMERGE", "m", "small", "h")
        differ.check("GET", "m")
        differ.check("PFMERGE", "small", "small")
        differ.check("GET", "small")
        differ.check("PFMERGE", "small", "h")
        differ.check("GET", "small")
        differ.check("PFCOUNT", "small", "h", "m")
    finally:
        redis.close()


def test_sparse_limit_is_configurable(redis_port: int) -> None:
    """hll-sparse-max-bytes decides when sparse HLLs turn dense."""
    redis = RespConnection("127.0.0.1", redis_port)
    redis.call("CONFIG", "SET", "hll-sparse-max-bytes", "40")
    differ = Differ(redis, GodisDirect(Config(appendonly=False, hll_sparse_max_bytes=40)))
    try:
        redis.call("FLUSHALL")
        for value in range(20):
            differ.check("PFADD", "h", value)
            differ.check("STRLEN", "h")
        differ.check("GET", "h")
    finally:
        redis.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
        redis.close()


def test_large_cardinalities_within_error(redis_port: int) -> None:
    """Counts equal Redis's (same registers, same estimator) and stay within ~0.81% * 3."""
    redis = RespConnection("127.0.0.1", redis_port)
    differ = Differ(redis, GodisDirect())
    try:
        redis.call("FLUSHALL")
        added = 0
        for _ in range(20):
            differ.check("PFADD", "big", *[f"element:{added + i}" for i in range(5000)])
            added += 5000
            reply = differ.check("PFCOUNT", "big")
            estimate = int(reply[1:-2])
            assert abs(estimate - added) / added < 0.0243
        differ.check("GET", "big")
    finally:
        redis.close()


def test_estimator_edges() -> None:
    assert count_registers(bytes(16384)) == 0
    assert count_registers(bytes([1]) * 16384) > 0
    assert count_registers(bytes([51]) * 16384) == 1 << 63  # llroundl(inf)
    assert count_registers(bytes([50]) * 16384) == 1 << 63  # out of long long range
    assert count_registers(bytes([63]) * 16384) == 1 << 63  # only unused buckets
    empty_sparse = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"
    assert registers_of(empty_sparse) == bytes(16384)


def test_propagation() -> None:
    godis = GodisDirect()
    log: list[list[bytes]] = []
    godis.server.keyspace.propagate = lambda db, argv: log.append(list(argv))
    for argv in (["PFADD", "h", "a"], ["PFADD", "h", "a"], ["PFCOUNT", "h"], ["PFMERGE", "m", "h"],
                 ["PFMERGE", "m"]):
        godis.call(*argv)
    # PFCOUNT refreshing its cached cardinality is propagated too, as Redis does (may_replicate)
    assert log == [[b"PFADD", b"h", b"a"], [b"PFCOUNT", b"h"], [b"PFMERGE", b"m", b"h"],
                   [b"PFMERGE", b"m"]]


# -- stateful differential test ------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "s"])
ELEMENTS = st.lists(st.integers(min_value=0, max_value=500).map(str), max_size=6)


class HllMachine(RuleBasedStateMachine):
    """Random HLL commands against both servers; replies and stored bytes must match."""

    differ: Differ

    @initialize()
    def start(self) -> None:
        self.differ.check("FLUSHALL")
        self.differ.check("SET", "s", "not an hll")

    @rule(key=KEYS, elements=ELEMENTS)
    def pfadd(self, key: str, elements: list[str]) -> None:
        self.differ.check("PFADD", key, *elements)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def pfcount(self, keys: list[str]) -> None:
        self.differ.check("PFCOUNT", *keys)

    @rule(dest=KEYS, sources=st.lists(KEYS, max_size=3))
    def pfmerge(self, dest: str, sources: list[str]) -> None:
        self.differ.check("PFMERGE", dest, *sources)

    @rule(key=KEYS)
    def inspect(self, key: str) -> None:
        self.differ.check("GET", key)


@pytest.mark.parametrize("resp", [2, 3])
def test_stateful_hll(redis_port: int, resp: int) -> None:
    run_with_differ(HllMachine, redis_port, resp, max_examples=30)


def test_pfcount_cache_update_touches_watchers(differ: Differ) -> None:
    """Refreshing the cached cardinality modifies the string: a WATCH on it fails."""
    if b"watch" not in load_all():
        pytest.skip("WATCH not implemented")
    script(differ, """
        PFADD h a b c
        WATCH h
        PFCOUNT h
        MULTI
        PING
        EXEC
        WATCH h
        PFCOUNT h
        MULTI
        PING
        EXEC
    """)


def test_pfcount_cache_update_signals_the_key() -> None:
    """godis alone: a watcher of the key is told when PFCOUNT rewrites the cache, not after."""
    godis = GodisDirect()
    godis.call("PFADD", "h", "a")

    class Watcher:
        touched = 0

        def key_touched(self) -> None:
            self.touched += 1

        def key_flushed(self, existed: bool, replaced_with: Database | None) -> None:
            raise AssertionError("PFCOUNT flushed the database")

    watcher = Watcher()
    godis.server.keyspace.databases[0].watched[b"h"] = {watcher}
    godis.call("PFCOUNT", "h")
    assert watcher.touched == 1
    godis.call("PFCOUNT", "h")  # cached now: nothing changes
    assert watcher.touched == 1


# -- many elements in one PFADD: the opcode list gives hllSparseSet's bytes -----------------------

def _one_by_one(hll: bytearray, pairs: list[tuple[int, int]], max_bytes: int) -> int:
    updated = 0
    for index, count in pairs:
        if hll[4] == h.HLL_DENSE:
            updated += h._dense_add(hll, index, count)
        else:
            updated += h._sparse_set(hll, index, count, max_bytes)
    return updated


def _through_opcodes(hll: bytearray, pairs: list[tuple[int, int]], max_bytes: int) -> int:
    sparse = h.SparseOpcodes.decode(hll)
    assert sparse is not None
    updated = 0
    for position, (index, count) in enumerate(pairs):
        changed = sparse.set(index, count, max_bytes)
        if changed is None:
            hll[h.HLL_HDR_SIZE:] = sparse.encode()
            h._promote(hll, index, count)
            return updated + 1 + _one_by_one(hll, pairs[position + 1:], max_bytes)
        updated += changed
    hll[h.HLL_HDR_SIZE:] = sparse.encode()
    return updated


@settings(max_examples=300, deadline=None)
@given(before=st.lists(st.tuples(st.integers(0, 16383), st.integers(1, 34)), max_size=40),
       pairs=st.lists(st.tuples(st.one_of(st.integers(0, 16383), st.integers(0, 40)),
                                st.integers(1, 34)), min_size=1, max_size=120),
       max_bytes=st.sampled_from([40, 120, 3000]))
def test_opcode_list_updates_match_hllsparseset(before: list[tuple[int, int]],
                                                pairs: list[tuple[int, int]],
                                                max_bytes: int) -> None:
    """Property: PFADD's opcode-list path leaves the same bytes (and the same count of changed
    registers) as one hllSparseSet per element, promotion to dense included."""
    start = bytearray(h._EMPTY_SPARSE)
    _one_by_one(start, before, 3000)
    if start[4] == h.HLL_DENSE:
        return
    expected, got = bytearray(start), bytearray(start)
    updated = _one_by_one(expected, pairs, max_bytes)
    assert _through_opcodes(got, pairs, max_bytes) == updated
    if updated:  # PFADD invalidates the cached cardinality after its updates, either way
        h._invalidate_cache(expected)
        h._invalidate_cache(got)
    assert got == expected


def test_a_big_pfadd_matches_redis(differ: Differ) -> None:
    """One PFADD of 2,000 elements (sparse until it grows past hll-sparse-max-bytes), then
    more: the same bytes as Redis's, and the same count."""
    differ.check("PFADD", "big", *[f"e{n}" for n in range(300)])
    differ.check("GET", "big")
    differ.check("PFADD", "big", *[f"e{n}" for n in range(200, 2000)])
    differ.check("GET", "big")
    differ.check("PFCOUNT", "big")


def test_pfdebug_and_pfselftest_match_redis(differ: Differ) -> None:
    """PFDEBUG's four subcommands and errors, PFSELFTEST (Redis's own HLL tests use them)."""
    script(differ, r"""
    PFADD h a b c
    PFDEBUG ENCODING h
    PFDEBUG DECODE h
    PFDEBUG NOSUCH h
    PFDEBUG ENCODING nokey
    SET s x
    PFDEBUG ENCODING s
    PFDEBUG TODENSE h
    PFDEBUG TODENSE h
    PFDEBUG DECODE h
    PFDEBUG ENCODING h
    PFDEBUG GETREG h
    PFADD h2 x
    PFDEBUG GETREG h2
    PFDEBUG ENCODING h2
    PFCOUNT h h2
    PFSELFTEST
    PFDEBUG ENCODING h x
    COMMAND INFO pfdebug pfselftest
    """)
