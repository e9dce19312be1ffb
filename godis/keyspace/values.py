"""The value types a key can hold, and what TYPE / OBJECT ENCODING call them.

Strings are plain ``bytes`` (``bytearray`` after an in-place APPEND/SETRANGE, so repeated appends
stay amortised O(1), like an sds). The container types subclass Python's built-ins, which keeps
their operations at C speed, and add an ``encoding`` slot: Redis converts a small encoding
(listpack, intset) to a big one (hashtable, skiplist, quicklist) once a size threshold is
crossed and never converts back, and OBJECT ENCODING must report that history.
"""

from __future__ import annotations

from collections import deque
from typing import TypeAlias

from sortedcontainers import SortedList


class HashValue(dict[bytes, bytes]):
    """A hash: field -> value. ``encoding`` is ``listpack`` or ``hashtable``."""

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "listpack"


class ListValue(deque[bytes]):
    """A list with O(1) push and pop at both ends. ``encoding`` is ``listpack``/``quicklist``."""

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "listpack"


class SetValue(set[bytes]):
    """A set. ``encoding`` is ``intset``, ``listpack`` or ``hashtable``."""

    __slots__ = ("encoding",)

    def __init__(self) -> None:
        super().__init__()
        self.encoding = "intset"


class ZSetValue:
    """A sorted set: ``scores`` for O(1) ZSCORE, ``ordered`` (score, member) for O(log N) ranks.

    ``ordered`` sorts ties by member bytes, Redis's order. ``encoding`` is ``listpack`` or
    ``skiplist``.
    """

    __slots__ = ("encoding", "ordered", "scores")

    def __init__(self) -> None:
        self.scores: dict[bytes, float] = {}
        self.ordered: SortedList = SortedList()
        self.encoding = "listpack"

    def __len__(self) -> int:
        return len(self.scores)

    def add(self, member: bytes, score: float) -> None:
        """Insert or move ``member`` to ``score``."""
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


StringValue: TypeAlias = bytes | bytearray
Value: TypeAlias = bytes | bytearray | HashValue | ListValue | SetValue | ZSetValue

TYPE_NAMES: dict[type, bytes] = {
    bytes: b"string",
    bytearray: b"string",
    HashValue: b"hash",
    ListValue: b"list",
    SetValue: b"set",
    ZSetValue: b"zset",
}


def type_name(value: Value) -> bytes:
    """What TYPE replies for ``value``."""
    return TYPE_NAMES[type(value)]


__all__ = [
    "TYPE_NAMES",
    "HashValue",
    "ListValue",
    "SetValue",
    "StringValue",
    "Value",
    "ZSetValue",
    "deque",
    "type_name",
]
