"""The value types a key can hold, and what TYPE / OBJECT ENCODING call them.

Strings are plain ``bytes`` (``bytearray`` after an in-place APPEND/SETRANGE, so repeated appends
stay amortised O(1), like an sds). Every container has an ``encoding``: Redis converts a small
encoding (listpack, intset) to a big one (hashtable, skiplist) once a size threshold is crossed
and never converts back, and OBJECT ENCODING must report that history. Hashes, sets and sorted
sets are classes of their own that keep the small encoding packed into one ``bytes`` (a
``marshal`` image, decoded and re-encoded in C per operation, linear in the bounded size as
Redis's listpack and intset routines are) and the big one in a dict / set / ``SortedList``:
ten small members cost a few hundred bytes instead of one to four kilobytes.

``ListValue`` still subclasses ``deque`` (O(1) at both ends, at C speed) and ``PackedPairs``
(a listpack zset's decoded view) subclasses ``list``, which is why this module must stay out of
a mypyc build: compiled subclasses of built-ins do not behave as the interpreted ones. The
value classes themselves (hash, set, sorted set) use composition.
"""

from __future__ import annotations

import bisect
import marshal
import math
import struct
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TypeAlias, cast, overload

from sortedcontainers import SortedList

from godis.keyspace.stream import StreamValue
from godis.protocol.reader import strict_int

_EMPTY_PACKED = marshal.dumps([])
_packed_count = struct.Struct("<xi").unpack_from  # marshal's list header: type byte, count


class HashValue:
    """A hash: field -> value. ``encoding`` is ``listpack`` or ``hashtable``.

    A listpack hash is one ``bytes`` object, the ``marshal`` form of the flat list
    ``[field, value, field, value, ...]`` in Redis's listpack order (insertion order, an update
    in place, a delete closing the gap): a few hundred bytes where a dict of small ``bytes``
    would take well over a kilobyte. Each operation decodes and re-encodes it in C, linear in
    the (bounded) size, as ``t_hash.c``'s listpack routines are. Setting ``encoding`` to
    ``hashtable`` (``hashTypeConvertListpack``) moves the pairs into a dict, in the same order,
    and every operation is O(1) from then on. Composition rather than a dict subclass, so the
    class behaves the same compiled (mypyc) or interpreted.
    """

    __slots__ = ("_packed", "_table", "record")

    def __init__(self, pairs: Iterable[tuple[bytes, bytes]] = ()) -> None:
        self._packed: bytes = _EMPTY_PACKED
        self._table: dict[bytes, bytes] | None = None
        # the keyspace's memory record of the value part of its charge (Database.account)
        self.record = 0
        if pairs:
            self.update(pairs)

    # -- the encoding --------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return "listpack" if self._table is None else "hashtable"

    @encoding.setter
    def encoding(self, name: str) -> None:
        if name == "hashtable":
            if self._table is None:
                flat: list[bytes] = marshal.loads(self._packed)
                self._table = dict(zip(flat[::2], flat[1::2], strict=True))
                self._packed = _EMPTY_PACKED
        elif self._table is not None:  # a loader choosing the small encoding after filling
            self._packed = marshal.dumps([part for pair in self._table.items() for part in pair])
            self._table = None

    def _flat(self) -> list[bytes]:
        """The listpack's ``[field, value, ...]`` (a fresh list)."""
        flat: list[bytes] = marshal.loads(self._packed)
        return flat

    # -- the mapping operations the commands use ------------------------------------------

    def __len__(self) -> int:
        table = self._table
        if table is not None:
            return len(table)
        count: int = _packed_count(self._packed)[0]
        return count >> 1

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, field: object) -> bool:
        table = self._table
        if table is not None:
            return field in table
        return field in self._flat()[::2]

    @overload
    def get(self, field: bytes) -> bytes | None: ...

    @overload
    def get(self, field: bytes, default: bytes) -> bytes: ...

    def get(self, field: bytes, default: bytes | None = None) -> bytes | None:
        table = self._table
        if table is not None:
            return table.get(field, default)
        flat: list[bytes] = marshal.loads(self._packed)
        try:
            return flat[2 * flat[::2].index(field) + 1]
        except ValueError:
            return default

    def __getitem__(self, field: bytes) -> bytes:
        found = self.get(field)
        if found is None:
            raise KeyError(field)
        return found

    def __setitem__(self, field: bytes, value: bytes) -> None:
        self.put(field, value)

    def put(self, field: bytes, value: bytes) -> bool:
        """Set ``field``; whether it is new (HSET's count, with one decode of a listpack)."""
        table = self._table
        if table is not None:
            size = len(table)
            table[field] = value
            return len(table) != size
        flat: list[bytes] = marshal.loads(self._packed)
        try:
            flat[2 * flat[::2].index(field) + 1] = value
            created = False
        except ValueError:
            flat += (field, value)
            created = True
        self._packed = marshal.dumps(flat)
        return created

    def pop(self, field: bytes, default: bytes | None = None) -> bytes | None:
        table = self._table
        if table is not None:
            return table.pop(field, default)
        flat = self._flat()
        fields = flat[::2]
        if field not in fields:
            return default
        index = 2 * fields.index(field)
        found = flat[index + 1]
        del flat[index:index + 2]
        self._packed = marshal.dumps(flat)
        return found

    def update(self, pairs: Iterable[tuple[bytes, bytes]] | HashValue) -> None:
        """Set each (field, value) of ``pairs`` (or of another hash) in turn."""
        items = pairs.items() if isinstance(pairs, HashValue) else pairs
        table = self._table
        if table is not None:
            table.update(items)
            return
        flat = self._flat()
        merged = dict(zip(flat[::2], flat[1::2], strict=True))
        merged.update(items)
        self._packed = marshal.dumps([part for pair in merged.items() for part in pair])

    def __iter__(self) -> Iterator[bytes]:
        table = self._table
        if table is not None:
            return iter(table)
        return iter(self._flat()[::2])

    def keys(self) -> Iterable[bytes]:
        table = self._table
        if table is not None:
            return table.keys()
        return self._flat()[::2]

    def values(self) -> Iterable[bytes]:
        table = self._table
        if table is not None:
            return table.values()
        return self._flat()[1::2]

    def items(self) -> Iterable[tuple[bytes, bytes]]:
        table = self._table
        if table is not None:
            return table.items()
        flat = self._flat()
        return list(zip(flat[::2], flat[1::2], strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HashValue):
            return dict(self.items()) == dict(other.items())
        if isinstance(other, dict):
            return dict(self.items()) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HashValue({dict(self.items())!r}, encoding={self.encoding!r})"


class ListValue(deque[bytes]):
    """A list with O(1) push and pop at both ends.

    ``encoding`` is always ``quicklist``: Redis 7.0 stores every list as a quicklist (of
    listpack nodes); the top-level ``listpack`` list encoding only arrived in 7.2.
    """

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "quicklist"


_INSERT_LIMIT = 16  # SADD members inserted one by one into an intset; a larger batch merges


class SetValue:
    """A set. ``encoding`` is ``intset`` or ``hashtable`` (Redis 7.0 has no listpack sets).

    An intset is one ``bytes``, the ``marshal`` form of its members as a sorted list of Python
    ints (about 5 bytes a member where a ``set`` of ``bytes`` takes over 100); membership is a
    bisection after one decode, and the members come out ascending, as ``intset.c`` keeps
    them. Only canonical integer strings get in: :meth:`add` / :meth:`update` convert to a
    ``set`` first when given anything else (the caller then sets ``encoding`` to
    ``hashtable``, which is a no-op by then), and setting ``encoding`` to ``hashtable``
    (``setTypeConvert``) converts for good.
    """

    __slots__ = ("_data", "record")  # two slots: the object stays in a 48-byte block

    def __init__(self, members: Iterable[bytes] = ()) -> None:
        self._data: bytes | set[bytes] = _EMPTY_PACKED  # the packed intset, or the table
        # the keyspace's memory record of the value part of its charge (Database.account)
        self.record = 0
        if members:
            self.update(members)

    @property
    def encoding(self) -> str:
        return "intset" if type(self._data) is bytes else "hashtable"

    @encoding.setter
    def encoding(self, name: str) -> None:
        if name == "hashtable":
            self._to_table()
        elif type(self._data) is not bytes:  # a loader choosing the small encoding
            self._data = marshal.dumps(sorted(int(member) for member in self._data))

    def _to_table(self) -> set[bytes]:
        data = self._data
        if type(data) is bytes:
            table = {b"%d" % number for number in self._numbers()}
            self._data = table
            return table
        return data  # type: ignore[return-value]

    def _numbers(self) -> list[int]:
        numbers: list[int] = marshal.loads(self._data)  # type: ignore[arg-type]
        return numbers

    def as_set(self) -> set[bytes] | frozenset[bytes]:
        """The members as a set (the live one for a hashtable, a copy for an intset), for
        the set algebra of SINTER, SUNION, SDIFF and friends at C speed."""
        table = self._data
        if type(table) is set:
            return table
        return frozenset(b"%d" % number for number in self._numbers())

    def __len__(self) -> int:
        table = self._data
        if type(table) is set:
            return len(table)
        count: int = _packed_count(self._data)[0]  # type: ignore[arg-type]
        return count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, member: object) -> bool:
        table = self._data
        if type(table) is set:
            return member in table
        if type(member) is not bytes:
            return False
        number = strict_int(member)
        if number is None:
            return False
        numbers = self._numbers()
        index = bisect.bisect_left(numbers, number)
        return index < len(numbers) and numbers[index] == number

    def __iter__(self) -> Iterator[bytes]:
        table = self._data
        if type(table) is set:
            return iter(table)
        return iter([b"%d" % number for number in self._numbers()])

    def add(self, member: bytes) -> None:
        self.update((member,))

    def update(self, members: Iterable[bytes]) -> None:
        """Add each of ``members`` (an intset takes them only while all are integers)."""
        table = self._data
        if type(table) is bytes:
            if not isinstance(members, list | tuple):
                members = list(members)
            parsed = [strict_int(member) for member in members]
            if None in parsed:
                table = self._to_table()
            else:
                adding = cast("list[int]", parsed)
                numbers = self._numbers()
                if len(adding) > _INSERT_LIMIT:  # a batch: one merge and sort
                    merged = set(numbers)
                    merged.update(adding)
                    if len(merged) != len(numbers):
                        self._data = marshal.dumps(sorted(merged))
                    return
                changed = False
                for number in adding:  # intsetAdd: a search, then an insertion in place
                    index = bisect.bisect_left(numbers, number)
                    if index == len(numbers) or numbers[index] != number:
                        numbers.insert(index, number)
                        changed = True
                if changed:
                    self._data = marshal.dumps(numbers)
                return
        table.update(members)  # type: ignore[union-attr]  # (a set by now)

    def discard(self, member: bytes) -> None:
        self.difference_update((member,))

    def difference_update(self, members: Iterable[bytes]) -> None:
        table = self._data
        if type(table) is set:
            table.difference_update(members)
            return
        gone = {number for number in map(strict_int, members) if number is not None}
        if gone:
            numbers = self._numbers()
            kept = [number for number in numbers if number not in gone]
            if len(kept) != len(numbers):
                self._data = marshal.dumps(kept)

    def intersection(self, *others: SetValue) -> set[bytes]:
        return set(self.as_set().intersection(*(other.as_set() for other in others)))

    def difference(self, *others: SetValue) -> set[bytes]:
        return set(self.as_set().difference(*(other.as_set() for other in others)))

    def union(self, *others: SetValue) -> set[bytes]:
        return set(self.as_set().union(*(other.as_set() for other in others)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SetValue):
            return self.as_set() == other.as_set()
        if isinstance(other, set | frozenset):
            return self.as_set() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SetValue({set(self)!r}, encoding={self.encoding!r})"


class PackedPairs(list[tuple[float, bytes]]):
    """A listpack sorted set's (score, member) pairs, decoded: the read-only part of
    ``SortedList``'s interface the commands use (``islice``, ``bisect_left/right``, ``index``,
    indexing), over a plain sorted list."""

    __slots__ = ()

    def islice(self, start: int | None = None, stop: int | None = None,
               reverse: bool = False) -> Iterator[tuple[float, bytes]]:
        part = self[start:stop]
        return reversed(part) if reverse else iter(part)

    def bisect_left(self, pair: tuple[float, bytes]) -> int:
        return bisect.bisect_left(self, pair)

    def bisect_right(self, pair: tuple[float, bytes]) -> int:
        return bisect.bisect_right(self, pair)


_EMPTY_PAIRS = marshal.dumps([])
_NO_SCORES: dict[bytes, float] = {}  # shared placeholders while a zset is a listpack: never
_NO_ORDER = SortedList()  # written, as every write checks ``_packed`` first


class ZSetValue:
    """A sorted set: ``scores`` for O(1) ZSCORE, ``ordered`` (score, member) for O(log N) ranks.

    ``ordered`` sorts ties by member bytes (memcmp, shorter first), Redis's order, so a rank is
    ``ordered.index((score, member))`` and a score range is two bisections. Both views hold the
    same float objects. ``encoding`` is ``listpack`` or ``skiplist``; a listpack stores integral
    scores as integers, so it cannot keep ``-0``: :meth:`add` stores ``0`` there, as Redis does.

    A listpack set is one ``bytes``, the ``marshal`` form of its sorted list of (score, member)
    pairs (a dict and a ``SortedList`` of ten members take about 4 KB; this, a few hundred
    bytes). ``ordered`` and ``scores`` then decode it afresh (:class:`PackedPairs`, a dict):
    read-only snapshots, linear in the bounded size as ``t_zset.c``'s ``zzl*`` walks are; the
    writes go through the methods here. Setting ``encoding`` to ``skiplist``
    (``zsetConvert``) builds the dict and ``SortedList`` for good.
    """

    __slots__ = ("_ordered", "_packed", "_scores", "record")

    def __init__(self) -> None:
        self._packed: bytes | None = _EMPTY_PAIRS
        # the skiplist encoding's views; an empty dict and SortedList cost a listpack ~1 KB
        self._scores: dict[bytes, float] = _NO_SCORES
        self._ordered: SortedList = _NO_ORDER
        # the keyspace's memory record of the value part of its charge (Database.account)
        self.record = 0

    @property
    def encoding(self) -> str:
        return "skiplist" if self._packed is None else "listpack"

    @encoding.setter
    def encoding(self, name: str) -> None:
        packed = self._packed
        if name == "skiplist":
            if packed is not None:
                pairs: list[tuple[float, bytes]] = marshal.loads(packed)
                self._ordered = SortedList(pairs)
                self._scores = {m: s for s, m in pairs}
                self._packed = None
        elif packed is None:
            pairs = [(0.0, m) if s == 0.0 else (s, m) for s, m in self._ordered]
            self._packed = marshal.dumps(pairs)
            self._ordered = _NO_ORDER
            self._scores = _NO_SCORES

    def _pairs(self) -> list[tuple[float, bytes]]:
        pairs: list[tuple[float, bytes]] = marshal.loads(self._packed)  # type: ignore[arg-type]
        return pairs

    @property
    def ordered(self) -> SortedList | PackedPairs:
        """The (score, member) pairs in order (a snapshot for a listpack)."""
        if self._packed is None:
            return self._ordered
        return PackedPairs(self._pairs())

    @property
    def scores(self) -> dict[bytes, float]:
        """member -> score (a snapshot for a listpack)."""
        if self._packed is None:
            return self._scores
        return {m: s for s, m in self._pairs()}

    def score(self, member: bytes) -> float | None:
        """The score of ``member``, or None."""
        if self._packed is None:
            return self._scores.get(member)
        for s, m in self._pairs():
            if m == member:
                return s
        return None

    @classmethod
    def from_sorted(cls, pairs: list[tuple[float, bytes]], encoding: str) -> ZSetValue:
        """A new set holding ``pairs`` ((score, member) in any order, members distinct)."""
        zset = cls()
        if encoding == "listpack":
            zset._packed = marshal.dumps(sorted((0.0, m) if s == 0.0 else (s, m)
                                                for s, m in pairs))
        else:
            zset._packed = None
            zset._ordered = SortedList(pairs)
            zset._scores = {m: s for s, m in pairs}
        return zset

    def __len__(self) -> int:
        packed = self._packed
        if packed is None:
            return len(self._scores)
        count: int = _packed_count(packed)[0]
        return count

    def __bool__(self) -> bool:
        return len(self) > 0

    def _store(self, pairs: list[tuple[float, bytes]]) -> None:
        self._packed = marshal.dumps(pairs)

    def add(self, member: bytes, score: float) -> None:
        """Insert ``member`` or move it to ``score``."""
        if self._packed is not None:
            if score == 0.0:
                score = 0.0
            pairs = self._pairs()
            for index, (old, m) in enumerate(pairs):
                if m == member:
                    if old == score:
                        return
                    del pairs[index]
                    break
            bisect.insort(pairs, (score, member))
            self._store(pairs)
            return
        old_score = self._scores.get(member)
        if old_score is not None:
            if old_score == score:
                return
            self._ordered.remove((old_score, member))
        self._scores[member] = score
        self._ordered.add((score, member))

    def remove(self, member: bytes) -> bool:
        """Delete ``member``; whether it was there."""
        if self._packed is not None:
            pairs = self._pairs()
            for index, (_, m) in enumerate(pairs):
                if m == member:
                    del pairs[index]
                    self._store(pairs)
                    return True
            return False
        score = self._scores.pop(member, None)
        if score is None:
            return False
        self._ordered.remove((score, member))
        return True

    def rank(self, member: bytes) -> int | None:
        """0-based position of ``member`` in ascending order, O(log N); None if absent."""
        if self._packed is not None:
            for index, (_, m) in enumerate(self._pairs()):
                if m == member:
                    return index
            return None
        score = self._scores.get(member)
        if score is None:
            return None
        return int(self._ordered.index((score, member)))

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
        first: float = ordered[0][0]
        return first if ordered[-1][0] == first else None

    def remove_span(self, start: int, stop: int) -> int:
        """Delete the members at positions ``[start, stop)``; how many."""
        if start >= stop:
            return 0
        if self._packed is not None:
            pairs = self._pairs()
            del pairs[start:stop]
            self._store(pairs)
            return stop - start
        ordered = self._ordered
        scores = self._scores
        for _, member in ordered.islice(start, stop):
            del scores[member]
        del ordered[start:stop]
        return stop - start

    def pop_ends(self, count: int, highest: bool) -> list[tuple[float, bytes]]:
        """Remove and return ``count`` members from the low (or high) end, outermost first."""
        if self._packed is not None:
            pairs = self._pairs()
            size = len(pairs)
            count = min(count, size)
            if highest:
                popped = pairs[size - count:][::-1]
                del pairs[size - count:]
            else:
                popped = pairs[:count]
                del pairs[:count]
            self._store(pairs)
            return popped
        ordered = self._ordered
        size = len(ordered)
        count = min(count, size)
        if highest:
            popped = list(ordered.islice(size - count, size, reverse=True))
            del ordered[size - count:]
        else:
            popped = list(ordered.islice(0, count))
            del ordered[:count]
        scores = self._scores
        for _, member in popped:
            del scores[member]
        return popped


SELF_CHARGED: frozenset[type] = frozenset((HashValue, SetValue, ZSetValue))
"""Value classes that carry their own memory ``record`` (so a key costs no ``sizes`` entry)."""

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
    "SELF_CHARGED",
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
