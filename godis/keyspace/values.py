"""The value types a key can hold, and what TYPE / OBJECT ENCODING call them.

Strings are plain ``bytes`` (``bytearray`` after an in-place APPEND/SETRANGE, so repeated appends
stay amortised O(1), like an sds). The container types subclass Python's built-ins, which keeps
their operations at C speed, and add an ``encoding`` slot: Redis converts a small encoding
(listpack, intset) to a big one (hashtable, skiplist, quicklist) once a size threshold is
crossed and never converts back, and OBJECT ENCODING must report that history.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TypeAlias

from sortedcontainers import SortedList

from godis.keyspace.stream import StreamValue


class HashValue(dict[bytes, bytes]):
    """A hash: field -> value. ``encoding`` is ``listpack`` or ``hashtable``."""

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "listpack"


class ListValue(deque[bytes]):
    """A list with O(1) push and pop at both ends.

    ``encoding`` is always ``quicklist``: Redis 7.0 stores every list as a quicklist (of
    listpack nodes); the top-level ``listpack`` list encoding only arrived in 7.2.
    """

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "quicklist"


class SetValue(set[bytes]):
    """A set. ``encoding`` is ``intset``, ``listpack`` or ``hashtable``."""

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "intset"


class ZSetValue:
    """A sorted set: ``scores`` for O(1) ZSCORE, ``ordered`` (score, member) for O(log N) ranks.

    ``ordered`` sorts ties by member bytes (memcmp, shorter first), Redis's order, so a rank is
    ``ordered.index((score, member))`` and a score range is two bisections. Both views hold the
    same float objects. ``encoding`` is ``listpack`` or ``skiplist``; a listpack stores integral
    scores as integers, so it cannot keep ``-0``: :meth:`add` stores ``0`` there, as Redis does.
    """

    __slots__ = ("encoding", "ordered", "scores")

    def __init__(self) -> None:
        self.scores: dict[bytes, float] = {}
        self.ordered: SortedList = SortedList()
        self.encoding = "listpack"

    @classmethod
    def from_sorted(cls, pairs: list[tuple[float, bytes]], encoding: str) -> ZSetValue:
        """A new set holding ``pairs`` (sorted (score, member), members distinct)."""
        zset = cls()
        zset.encoding = encoding
        if encoding == "listpack":
            pairs = [(0.0, m) if s == 0.0 else (s, m) for s, m in pairs]
        zset.ordered = SortedList(pairs)
        zset.scores = {m: s for s, m in pairs}
        return zset

    def __len__(self) -> int:
        return len(self.scores)

    def add(self, member: bytes, score: float) -> None:
        """Insert ``member`` or move it to ``score``."""
        if score == 0.0 and self.encoding == "listpack":
            score = 0.0
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return
            self.ordered.remove((old, member))
        self.scores[member] = score
        self.ordered.add((score, member))

    def remove(self, member: bytes) -> bool:
        """Delete ``member``; whether it was there."""
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.ordered.remove((score, member))
        return True

    def rank(self, member: bytes) -> int | None:
        """0-based position of ``member`` in ascending order, O(log N); None if absent."""
        score = self.scores.get(member)
        if score is None:
            return None
        return int(self.ordered.index((score, member)))

    def score_span(self, low: float, low_open: bool, high: float, high_open: bool) -> tuple[int, int]:
        """Positions ``[start, stop)`` of the members whose score is in the range, O(log N).

        Bisects with ``(score, b"")`` sentinels (``b""`` sorts before every member); an open
        bound moves to the next double up, so ``-0.0 == 0.0`` and infinities need no care
        beyond "nothing is above +inf".
        """
        ordered = self.ordered
        size = len(ordered)
        if low_open:
            if low == math.inf:
                return size, size
            low = math.nextafter(low, math.inf)
        start = ordered.bisect_left((low, b""))
        if high_open:
            stop = ordered.bisect_left((high, b""))
        elif high == math.inf:
            stop = size
        else:
            stop = ordered.bisect_left((math.nextafter(high, math.inf), b""))
        return start, max(start, stop)

    def single_score(self) -> float | None:
        """The score every member shares, or None when they differ (or the set is empty)."""
        ordered = self.ordered
        if not ordered:
            return None
        first = ordered[0][0]
        return first if ordered[-1][0] == first else None

    def remove_span(self, start: int, stop: int) -> int:
        """Delete the members at positions ``[start, stop)``; how many."""
        if start >= stop:
            return 0
        ordered = self.ordered
        scores = self.scores
        for _, member in ordered.islice(start, stop):
            del scores[member]
        del ordered[start:stop]
        return stop - start

    def pop_ends(self, count: int, highest: bool) -> list[tuple[float, bytes]]:
        """Remove and return ``count`` members from the low (or high) end, outermost first."""
        ordered = self.ordered
        size = len(ordered)
        count = min(count, size)
        if highest:
            popped = list(ordered.islice(size - count, size, reverse=True))
            del ordered[size - count:]
        else:
            popped = list(ordered.islice(0, count))
            del ordered[:count]
        scores = self.scores
        for _, member in popped:
            del scores[member]
        return popped


StringValue: TypeAlias = bytes | bytearray
Value: TypeAlias = (bytes | bytearray | HashValue | ListValue | SetValue | ZSetValue
                    | StreamValue)

TYPE_NAMES: dict[type, bytes] = {
    bytes: b"string",
    bytearray: b"string",
    HashValue: b"hash",
    ListValue: b"list",
    SetValue: b"set",
    ZSetValue: b"zset",
    StreamValue: b"stream",
}


def type_name(value: Value) -> bytes:
    """What TYPE replies for ``value``."""
    return TYPE_NAMES[type(value)]


__all__ = [
    "TYPE_NAMES",
    "HashValue",
    "ListValue",
    "SetValue",
    "StreamValue",
    "StringValue",
    "Value",
    "ZSetValue",
    "deque",
    "type_name",
]
