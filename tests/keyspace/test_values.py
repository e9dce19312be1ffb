"""The packed (listpack) forms of hashes and sorted sets behave as their converted forms do.

Each operation sequence runs on a value left small and on one converted at a random step; both
must agree with a plain model (a dict; a dict plus a sorted list) after every step, in
contents, order and length. The packed form must also stay compact (the point of it).
"""

from __future__ import annotations

import math
import sys

from hypothesis import given, strategies as st

from godis.keyspace.values import HashValue, SetValue, ZSetValue
from godis.protocol.reader import strict_int

FIELDS = st.binary(max_size=6)
HASH_OPS = st.lists(st.one_of(
    st.tuples(st.just("put"), FIELDS, FIELDS),
    st.tuples(st.just("pop"), FIELDS, st.just(b"")),
    st.tuples(st.just("update"), FIELDS, FIELDS),
    st.tuples(st.just("convert"), st.just(b""), st.just(b"")),
), max_size=40)


def _check_hash(value: HashValue, model: dict[bytes, bytes]) -> None:
    assert len(value) == len(model)
    assert bool(value) == bool(model)
    assert list(value.items()) == list(model.items())
    assert list(value) == list(model)
    assert list(value.keys()) == list(model)
    assert list(value.values()) == list(model.values())
    for field in model:
        assert field in value
        assert value.get(field) == model[field]
        assert value[field] == model[field]
    assert value.get(b"\xffabsent") is None
    assert value.get(b"\xffabsent", b"d") == b"d"
    assert value == model


@given(HASH_OPS)
def test_hash_matches_a_dict_in_both_encodings(ops: list[tuple[str, bytes, bytes]]) -> None:
    value = HashValue()
    model: dict[bytes, bytes] = {}
    assert value.encoding == "listpack"
    for op, field, content in ops:
        if op == "put":
            assert value.put(field, content) == (field not in model)
            model[field] = content
        elif op == "pop":
            assert value.pop(field) == model.pop(field, None)
        elif op == "update":
            value.update([(field, content), (content, field)])
            model.update([(field, content), (content, field)])
        else:
            value.encoding = "hashtable"
            assert value.encoding == "hashtable"
        _check_hash(value, model)
    value.encoding = "listpack"  # a loader's choice after filling: the same contents
    _check_hash(value, model)


def test_packed_hash_is_compact() -> None:
    value = HashValue()
    for i in range(10):
        value[b"field%d" % i] = b"value%d" % i
    packed = value._packed
    assert sys.getsizeof(packed) < 260  # a dict of 20 bytes objects is over 1 KB
    value.encoding = "hashtable"
    assert value._packed != packed
    assert dict(value.items()) == {b"field%d" % i: b"value%d" % i for i in range(10)}


SCORES = st.sampled_from([-math.inf, -2.5, -0.0, 0.0, 1.0, 1.5, 3.0, math.inf])
MEMBERS = st.sampled_from([b"", b"a", b"ab", b"b", b"c", b"zz"])
ZSET_OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), MEMBERS, SCORES),
    st.tuples(st.just("remove"), MEMBERS, SCORES),
    st.tuples(st.just("pop"), st.just(b""), st.sampled_from([0.0, 1.0, 3.0])),
    st.tuples(st.just("span"), st.just(b""), SCORES),
    st.tuples(st.just("convert"), st.just(b""), SCORES),
), max_size=40)


@given(ZSET_OPS, st.booleans())
def test_zset_listpack_matches_skiplist(ops: list[tuple[str, bytes, float]],
                                        highest: bool) -> None:
    small = ZSetValue()
    big = ZSetValue()
    big.encoding = "skiplist"
    for op, member, score in ops:
        if op == "add":
            small.add(member, score)
            big.add(member, 0.0 if score == 0.0 else score)  # a listpack cannot keep -0
        elif op == "remove":
            assert small.remove(member) == big.remove(member)
        elif op == "pop":
            assert small.pop_ends(int(score), highest) == big.pop_ends(int(score), highest)
        elif op == "span":
            assert small.score_span(score, False, math.inf, True) == big.score_span(
                score, False, math.inf, True)
            start, stop = small.score_span(-math.inf, False, score, False)
            assert small.remove_span(start, stop) == big.remove_span(start, stop)
        else:
            small.encoding = "skiplist"
            small, big = big, small  # keep testing a listpack against a skiplist
            small.encoding = "listpack"
        assert len(small) == len(big)
        assert list(small.ordered) == list(big.ordered)
        assert small.scores == big.scores
        assert small.single_score() == big.single_score()
        for _, name in big.ordered:
            assert small.rank(name) == big.rank(name)
            assert small.score(name) == big.score(name)
        assert small.rank(b"absent") is None
        assert small.score(b"absent") is None
        ordered = small.ordered
        assert list(ordered.islice(1, 3, reverse=True)) == list(big.ordered.islice(1, 3,
                                                                                   reverse=True))
        assert ordered.bisect_left((1.0, b"")) == big.ordered.bisect_left((1.0, b""))
        assert ordered.bisect_right((1.0, b"b")) == big.ordered.bisect_right((1.0, b"b"))


def test_zset_from_sorted_and_compact() -> None:
    pairs = [(float(10 - i), b"member%d" % i) for i in range(10)]  # any order
    small = ZSetValue.from_sorted(pairs, "listpack")
    big = ZSetValue.from_sorted(pairs, "skiplist")
    assert small.encoding == "listpack"
    assert big.encoding == "skiplist"
    assert list(small.ordered) == list(big.ordered) == sorted(pairs)
    assert sys.getsizeof(small._packed) < 300  # a dict plus a SortedList: about 4 KB
    assert ZSetValue.from_sorted([(-0.0, b"z")], "listpack").score(b"z") == 0.0
    assert math.copysign(1, ZSetValue.from_sorted([(-0.0, b"z")], "listpack").ordered[0][0]) == 1


INT_MEMBERS = st.integers(-(2**63), 2**63 - 1).map(lambda n: b"%d" % n)
SET_MEMBERS = st.one_of(INT_MEMBERS, st.sampled_from([b"0", b"7", b"-7", b"007", b"x", b"1.0"]))
SET_OPS = st.lists(st.one_of(
    st.tuples(st.just("update"), st.lists(SET_MEMBERS, max_size=20)),  # both SADD paths
    st.tuples(st.just("remove"), st.lists(SET_MEMBERS, max_size=4)),
    st.tuples(st.just("convert"), st.just([])),
), max_size=30)


@given(SET_OPS)
def test_set_matches_a_set_in_both_encodings(ops: list[tuple[str, list[bytes]]]) -> None:
    value = SetValue()
    other = SetValue([b"7", b"x"])
    model: set[bytes] = set()
    for op, members in ops:
        if op == "update":
            value.update(members)
            model.update(members)
        elif op == "remove":
            value.difference_update(members)
            model.difference_update(members)
        else:
            value.encoding = "hashtable"
        assert value.encoding == ("intset" if all(strict_int(m) is not None for m in model)
                                  and value.encoding == "intset" else "hashtable")
        assert len(value) == len(model)
        assert set(value) == model
        assert value == model
        if value.encoding == "intset":
            assert list(value) == sorted(model, key=int)  # intset order: ascending
        for member in [*model, b"absent", b"12345678901234567890123"]:
            assert (member in value) == (member in model)
        assert value.intersection(other) == model & {b"7", b"x"}
        assert value.difference(other) == model - {b"7", b"x"}
        assert other.union(value) == model | {b"7", b"x"}


def test_packed_intset_is_compact() -> None:
    value = SetValue(b"%d" % (100000 + i) for i in range(10))
    assert value.encoding == "intset"
    assert type(value._data) is bytes
    assert sys.getsizeof(value._data) < 100  # a set of ten bytes objects: over 1 KB
    assert sys.getsizeof(value) <= 48  # two slots, one 48-byte block with the GC header
    value.add(b"word")  # a non-integer leaves the packed form at once
    assert value.encoding == "hashtable"  # the data is a set now, whatever the caller sets
    assert len(value) == 11
