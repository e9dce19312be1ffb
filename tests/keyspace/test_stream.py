"""The stream structure: ordering, seeks, tombstones, trimming, groups, and its complexity.

The complexity checks count work instead of timing it: comparisons made by a seek (the IDs
compared are ints wrapped to count ``__lt__``), and entries touched by an append.
"""

from __future__ import annotations

import random
from itertools import islice

from godis.keyspace.stream import (
    INVALID_ENTRIES_READ,
    MAX_ID,
    ConsumerGroup,
    PendingEntry,
    PendingList,
    StreamValue,
    format_id,
    make_id,
)

LIMITS = (4096, 100)


def filled(count: int, start: int = 1) -> StreamValue:
    stream = StreamValue()
    for ms in range(start, start + count):
        stream.append(make_id(ms, 0), (b"f", b"%d" % ms), *LIMITS)
    return stream


def ids(stream: StreamValue, start: int = 0, end: int = MAX_ID,
        reverse: bool = False) -> list[int]:
    return [stream_id for stream_id, _ in stream.range(start, end, reverse)]


def test_ids_are_ints_that_sort_like_redis() -> None:
    assert make_id(1, 2) < make_id(1, 3) < make_id(2, 0)
    assert format_id(make_id(5, 18446744073709551615)) == b"5-18446744073709551615"
    assert format_id(MAX_ID) == b"18446744073709551615-18446744073709551615"


def test_append_range_and_reverse() -> None:
    stream = filled(250)
    assert len(stream) == 250
    assert stream.node_count() == 3  # 100 entries per node, as stream-node-max-entries
    assert ids(stream)[:3] == [make_id(1, 0), make_id(2, 0), make_id(3, 0)]
    assert ids(stream, make_id(99, 0), make_id(102, 0)) == [make_id(n, 0) for n in range(99, 103)]
    assert ids(stream, make_id(99, 0), make_id(102, 0), True) == [
        make_id(n, 0) for n in range(102, 98, -1)]
    assert ids(stream, make_id(300, 0)) == []
    assert ids(stream, 0, make_id(0, 5)) == []
    assert stream.get(make_id(150, 0)) == (b"f", b"150")
    assert stream.get(make_id(150, 1)) is None
    assert stream.first_id == make_id(1, 0)
    assert stream.last_id == make_id(250, 0)


def test_tombstones_and_node_removal() -> None:
    stream = filled(10)
    assert stream.delete(make_id(3, 0))
    assert not stream.delete(make_id(3, 0))
    assert not stream.delete(make_id(99, 0))
    assert ids(stream) == [make_id(n, 0) for n in (1, 2, 4, 5, 6, 7, 8, 9, 10)]
    assert ids(stream, reverse=True)[-2:] == [make_id(2, 0), make_id(1, 0)]
    for n in (1, 2, 4, 5, 6, 7, 8, 9, 10):
        stream.delete(make_id(n, 0))
    assert len(stream) == 0
    assert stream.node_count() == 0  # the last live entry took its node with it
    assert stream.last_id == make_id(10, 0)  # the top ID stays


def test_trim_whole_nodes_when_approximate() -> None:
    stream = filled(350)
    assert stream.trim(300, None, True, 10_000) == 0  # the head node still holds entries to keep
    assert stream.trim(200, None, True, 10_000) == 100
    assert len(stream) == 250
    assert stream.trim(120, None, False, 0) == 130
    assert len(stream) == 120
    assert stream.first_id == make_id(231, 0)
    assert stream.trim(None, make_id(300, 0), False, 0) == 69
    assert ids(stream)[0] == make_id(300, 0)


def test_group_counters() -> None:
    stream = filled(5)
    group = ConsumerGroup(0, INVALID_ENTRIES_READ)
    assert stream.group_lag(group) == 5
    assert stream.advance_group(group, make_id(1, 0))
    assert group.entries_read == 1
    assert stream.group_lag(group) == 4
    stream.delete(make_id(4, 0))
    stream.after_xdel([make_id(4, 0)])
    assert stream.group_lag(group) is None  # a tombstone ahead: the lag cannot be known
    stream.advance_group(group, make_id(2, 0))
    assert group.entries_read == INVALID_ENTRIES_READ  # fragmented: unknown
    stream.advance_group(group, make_id(3, 0))
    stream.advance_group(group, make_id(5, 0))
    assert group.entries_read == 5  # the last entry's counter is entries_added
    assert stream.group_lag(group) == 0


def test_pending_entries_are_shared_between_group_and_consumer() -> None:
    stream = filled(3)
    group = ConsumerGroup(0, INVALID_ENTRIES_READ)
    alice = group.create_consumer(b"alice", 1)
    bob = group.create_consumer(b"bob", 1)
    assert alice is not None
    assert bob is not None
    assert group.create_consumer(b"alice", 2) is None
    for n in (1, 2, 3):
        nack = PendingEntry(alice, 10)
        group.pel[make_id(n, 0)] = nack
        alice.pel[make_id(n, 0)] = nack
    group.assign(make_id(2, 0), group.pel[make_id(2, 0)], bob)
    assert list(alice.pel) == [make_id(1, 0), make_id(3, 0)]
    assert group.pel[make_id(2, 0)] is bob.pel[make_id(2, 0)]
    assert group.ack(make_id(1, 0))
    assert not group.ack(make_id(1, 0))
    assert group.delete_consumer(bob) == 1
    assert list(group.pel) == [make_id(3, 0)]
    stream.groups[b"g"] = group
    twin = stream.copy()
    twin_group = twin.groups[b"g"]
    assert twin_group is not group
    assert twin_group.pel[make_id(3, 0)] is twin_group.consumers[b"alice"].pel[make_id(3, 0)]
    assert twin_group.pel[make_id(3, 0)].consumer is twin_group.consumers[b"alice"]
    twin.delete(make_id(1, 0))
    assert len(stream) == 3
    assert len(twin) == 2


def test_random_operations_match_a_sorted_dict_model() -> None:
    rng = random.Random(7)
    stream = StreamValue()
    model: dict[int, tuple[bytes, ...]] = {}
    next_ms = 1
    for _ in range(3000):
        op = rng.random()
        if op < 0.6:
            next_ms += rng.randint(0, 3)
            stream_id = make_id(next_ms, rng.randint(0, 2))
            if stream_id <= stream.last_id:
                stream_id = stream.last_id + 1
            fields = (b"a", b"%d" % rng.randint(0, 9)) if rng.random() < 0.8 else (b"b", b"1",
                                                                                  b"c", b"2")
            stream.append(stream_id, fields, 120, 7)
            model[stream_id] = fields
        elif op < 0.8 and model:
            victim = rng.choice(list(model))
            assert stream.delete(victim)
            del model[victim]
        elif op < 0.9:
            maxlen = rng.randint(0, len(model) + 2)
            removed = stream.trim(maxlen, None, False, 0)
            for victim in sorted(model)[:removed]:
                del model[victim]
        else:
            low, high = sorted(rng.randint(0, next_ms + 1) for _ in range(2))
            expected = [k for k in sorted(model) if make_id(low, 0) <= k <= make_id(high, 9)]
            assert ids(stream, make_id(low, 0), make_id(high, 9)) == expected
            assert ids(stream, make_id(low, 0), make_id(high, 9), True) == expected[::-1]
        assert len(stream) == len(model)
    assert [(k, v) for k, v in stream.range()] == sorted(model.items())


class CountingId(int):
    """An int that counts the comparisons made with it (bisect calls ``__lt__``): each one is
    also one probe of a node's IDs."""

    comparisons = 0

    def __lt__(self, other: int) -> bool:
        CountingId.comparisons += 1
        return int(self) < int(other)

    def __gt__(self, other: int) -> bool:
        CountingId.comparisons += 1
        return int(self) > int(other)


def test_a_million_entries_seek_in_log_n_and_append_in_constant_work() -> None:
    """Not timed: a seek into 1M entries compares O(log N) IDs, and an append touches only the
    tail node (the node list grows by one per stream-node-max-entries appends)."""
    stream = StreamValue()
    append = stream.append
    fields = (b"field", b"value")
    for ms in range(1, 1_000_001):
        append(ms << 64, fields, 4096, 100)
    assert len(stream) == 1_000_000
    assert stream.node_count() == 10_000
    for target in (1, 123_457, 999_999, 500_000):
        CountingId.comparisons = 0
        probe = CountingId(make_id(target, 0))
        found = list(islice(stream.range(probe), 10))
        assert [stream_id >> 64 for stream_id, _ in found] == list(
            range(target, min(target + 10, 1_000_001)))
        # two bisections (10k nodes, then 100 entries) plus the 10 entries read
        assert CountingId.comparisons <= 2 * (14 + 7) + 10 + 4
    CountingId.comparisons = 0
    probe = CountingId(make_id(750_000, 0))
    assert next(stream.range(0, probe, reverse=True))[0] == make_id(750_000, 0)
    assert CountingId.comparisons <= 2 * (14 + 7) + 4
    # an append only looks at the tail node: the head nodes are never visited
    head = stream.nodes[0]
    head_entries = head.entries
    head.entries = None  # type: ignore[assignment]
    append(make_id(1_000_001, 0), fields, 4096, 100)
    head.entries = head_entries
    assert stream.last_entry() == (make_id(1_000_001, 0), fields)


def test_pending_list_matches_a_sorted_model() -> None:
    """Appends, out-of-order inserts, removals from both ends and the middle, revivals of a
    removed ID, compaction: always the same IDs, in order, as a sorted dict."""
    rng = random.Random(11)
    pel = PendingList()
    model: dict[int, PendingEntry] = {}
    top = 0
    for step in range(20_000):
        op = rng.random()
        if op < 0.45:
            top += rng.randint(1, 3)
            key = top if rng.random() < 0.8 else rng.randint(0, top)
            nack = PendingEntry(None, step)
            pel[key] = nack
            model[key] = nack
        elif model:
            ordered = sorted(model)
            victim = ordered[0] if op < 0.7 else (ordered[-1] if op < 0.8 else rng.choice(ordered))
            assert pel.pop(victim) is model.pop(victim)
            assert pel.pop(victim) is None
        assert len(pel) == len(model)
        if step % 97 == 0:
            assert list(pel) == sorted(model)
            assert pel.first_id() == (min(model) if model else None)
            assert pel.last_id() == (max(model) if model else None)
            low = rng.randint(0, top + 1)
            high = low + rng.randint(0, 30)
            assert list(pel.irange(low, high)) == [k for k in sorted(model) if low <= k <= high]
    assert [(k, v) for k, v in pel.items()] == sorted(model.items())


def test_pending_list_costs_constant_work_per_ack_in_order() -> None:
    """Acking the oldest entry moves the head: the list never scans what it already passed."""
    pel = PendingList()
    for key in range(100_000):
        pel[key] = PendingEntry(None, 0)
    for key in range(99_990):
        pel.pop(key)
    assert len(pel._keys) <= 2 * 64 + 10  # compacted along the way
    assert list(pel) == list(range(99_990, 100_000))
