"""SORT and SORT_RO (Redis's ``sort.c``), with its partial quicksort so tied weights come out in
Redis's order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from godis.client import Client
from godis.commands.keys import key_added, modified, unlink
from godis.commands.lists import list_range
from godis.errors import NOT_INTEGER, SYNTAX, CommandError, WrongTypeError
from godis.keyspace.keyspace import Database
from godis.keyspace.values import (
    HashValue,
    ListValue,
    SetValue,
    Value,
    ZSetValue,
)
from godis.protocol.writer import Reply
from godis.table import command, self_signalled
from godis.util import parse_int

SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"


# -- SORT, SORT_RO -------------------------------------------------------------------------------


def _c_string(data: bytes) -> bytes:
    """``data`` up to its first NUL, as C's string functions see it."""
    end = data.find(b"\0")
    return data if end < 0 else data[:end]


# strtod's grammar after leading white space: decimal, hexadecimal, inf/infinity, nan.
_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?)(?:"
    rb"0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?[0-9]+)?)"
    rb"|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    rb"|(inf(?:inity)?)"
    rb")",
    re.IGNORECASE,
)
_DBL_MIN = 2.2250738585072014e-308


def sort_score(text: bytes) -> float | None:
    """A weight as SORT reads it with ``strtod``: ``None`` where Redis reports an error.

    The whole string (up to a NUL) must parse; the empty string is 0; overflow and underflow
    (``ERANGE``, including subnormal results) and NaN are errors.
    """
    text = _c_string(text)
    if not text:
        return 0.0
    parsed = _STRTOD.fullmatch(text)
    if parsed is None:
        return None
    sign, hex_digits, decimal, infinity = parsed.groups()
    if infinity is not None:
        return float("-inf") if sign == b"-" else float("inf")
    if hex_digits is not None:
        score = float.fromhex((sign + b"0x" + hex_digits).decode())
        mantissa = hex_digits.lower().split(b"p", 1)[0]
        nonzero = mantissa.strip(b"0.") != b""
    else:
        score = float(sign + decimal)
        mantissa = decimal.lower().split(b"e", 1)[0]
        nonzero = mantissa.strip(b"0.") != b""
    magnitude = abs(score)
    if magnitude == float("inf") or (nonzero and magnitude < _DBL_MIN):
        return None
    return score


class _Pattern:
    """A SORT BY/GET pattern parsed once (``lookupKeyByPattern``): ``#``, ``pre*post[->field]``."""

    __slots__ = ("field", "is_hash", "is_self", "prefix", "suffix", "usable")

    def __init__(self, pattern: bytes) -> None:
        text = _c_string(pattern)
        self.is_self = text == b"#"
        star = text.find(b"*")
        self.usable = star >= 0
        arrow = text.find(b"->", star + 1) if star >= 0 else -1
        self.is_hash = arrow >= 0 and arrow + 2 < len(text)
        self.prefix = pattern[:star]
        if self.is_hash:
            self.suffix = pattern[star + 1 : arrow]
            self.field = pattern[arrow + 2 :]
        else:
            self.suffix = pattern[star + 1 :]
            self.field = b""

    def lookup(self, db: Database, element: bytes, write: bool) -> bytes | None:
        """The string (or hash field) the pattern names for ``element``; ``None`` if none."""
        if self.is_self:
            return element
        if not self.usable:
            return None
        key = self.prefix + element + self.suffix
        value = db.get(key) if write else db.lookup_read(key)
        if value is None:
            return None
        if self.is_hash:
            if type(value) is not HashValue:
                return None
            return value.get(self.field)
        if type(value) is bytes:
            return value
        if type(value) is bytearray:
            return bytes(value)
        return None


def _sort_keys(argv: list[bytes]) -> list[int]:
    """``sortGetKeys``: the sorted key and the last STORE target."""
    positions = [1]
    store = -1
    skips = {b"limit": 2, b"get": 1, b"by": 1}
    index = 2
    while index < len(argv):
        option = argv[index].lower()
        if option in skips:
            index += skips[option]
        elif option == b"store" and index + 1 < len(argv):
            store = index + 1
        index += 1
    if store > 0:
        positions.append(store)
    return positions


def _sort_elements(value: Value) -> list[bytes]:
    """The elements in Redis's iteration order where it is knowable (intsets ascend)."""
    kind = type(value)
    if kind is ZSetValue:
        return list(value.scores)  # type: ignore[union-attr]
    if kind is SetValue and value.encoding == "intset":  # type: ignore[union-attr]
        return sorted(value, key=int)  # type: ignore[arg-type]
    return list(value)  # type: ignore[arg-type]


T = TypeVar("T")


def partial_quicksort(items: list[T], compare: Callable[[T, T], int], low: int,
                      high: int) -> None:
    """Redis's ``pqsort.c`` (NetBSD's qsort that skips partitions outside ``[low, high]``).

    Only needed where its order is visible: equal keys come out in an order no stable sort
    reproduces. A line-by-line port, with element indexes for the C byte pointers, of the
    version Redis 7.0 ships (without BSD's switch to insertion sort after a swap-free pass).
    Used by SORT ... LIMIT and by the geo searches' COUNT.
    """

    def swap(i: int, j: int) -> None:
        items[i], items[j] = items[j], items[i]

    def vecswap(i: int, j: int, count: int) -> None:
        for offset in range(count):
            swap(i + offset, j + offset)

    def med3(a: int, b: int, c: int) -> int:
        if compare(items[a], items[b]) < 0:
            if compare(items[b], items[c]) < 0:
                return b
            return c if compare(items[a], items[c]) < 0 else a
        if compare(items[b], items[c]) > 0:
            return b
        return a if compare(items[a], items[c]) < 0 else c

    def insertion_sort(base: int, count: int) -> None:
        for m in range(base + 1, base + count):
            pos = m
            while pos > base and compare(items[pos - 1], items[pos]) > 0:
                swap(pos, pos - 1)
                pos -= 1

    def outside(base: int, count: int) -> bool:
        return (low < base and high < base) or (low >= base + count and high >= base + count)

    def sort(base: int, count: int) -> None:
        while True:
            if count < 7:
                insertion_sort(base, count)
                return
            pm = base + count // 2
            if count > 7:
                pl, pn = base, base + count - 1
                if count > 40:
                    d = count // 8
                    pl = med3(pl, pl + d, pl + 2 * d)
                    pm = med3(pm - d, pm, pm + d)
                    pn = med3(pn - 2 * d, pn - d, pn)
                pm = med3(pl, pm, pn)
            swap(base, pm)
            pa = pb = base + 1
            pc = pd = base + count - 1
            while True:
                while pb <= pc:
                    result = compare(items[pb], items[base])
                    if result > 0:
                        break
                    if result == 0:
                        swap(pa, pb)
                        pa += 1
                    pb += 1
                while pb <= pc:
                    result = compare(items[pc], items[base])
                    if result < 0:
                        break
                    if result == 0:
                        swap(pc, pd)
                        pd -= 1
                    pc -= 1
                if pb > pc:
                    break
                swap(pb, pc)
                pb += 1
                pc -= 1
            pn = base + count
            r = min(pa - base, pb - pa)
            vecswap(base, pb - r, r)
            r = min(pd - pc, pn - pd - 1)
            vecswap(pb, pn - r, r)
            r = pb - pa
            if r > 1 and not outside(base, r):
                pending.append((base, r))  # C recurses here; disjoint ranges: same result
            r = pd - pc
            if r > 1:
                base, count = pn - r, r
                if not outside(base, count):
                    continue
            return

    pending = [(0, len(items))]  # a stack, not recursion: no depth limit on crafted input
    while pending:
        sort(*pending.pop())


def _alpha_by_compare(a: tuple[tuple[bool, bytes], bytes],
                      b: tuple[tuple[bool, bytes], bytes]) -> int:
    """``sortCompare`` for ALPHA BY: a missing weight sorts first; equal weights tie."""
    x, y = a[0], b[0]
    return (x > y) - (x < y)


def _alpha_by_compare_desc(a: tuple[tuple[bool, bytes], bytes],
                           b: tuple[tuple[bool, bytes], bytes]) -> int:
    x, y = a[0], b[0]
    return (x < y) - (x > y)


def sort_generic(client: Client, argv: list[bytes], *, readonly: bool) -> Reply:
    """SORT and SORT_RO (``sortCommandGeneric``)."""
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby: _Pattern | None = None
    store_key: bytes | None = None
    gets: list[_Pattern] = []
    argc = len(argv)
    index = 2
    while index < argc:
        option = argv[index].lower()
        left = argc - index - 1
        if option == b"asc":
            desc = False
        elif option == b"desc":
            desc = True
        elif option == b"alpha":
            alpha = True
        elif option == b"limit" and left >= 2:
            limit_start = parse_int(argv[index + 1], NOT_INTEGER)
            limit_count = parse_int(argv[index + 2], NOT_INTEGER)
            index += 2
        elif option == b"store" and left >= 1 and not readonly:
            store_key = argv[index + 1]
            index += 1
        elif option == b"by" and left >= 1:
            sortby = _Pattern(argv[index + 1])
            if not sortby.usable:
                dontsort = True  # a constant BY: nothing to sort by (sticky, as in Redis)
            index += 1
        elif option == b"get" and left >= 1:
            gets.append(_Pattern(argv[index + 1]))
            index += 1
        else:
            raise CommandError(SYNTAX)
        index += 1

    db = client.db
    value = db.lookup_read(argv[1])
    kind = type(value)
    if value is not None and kind is not ListValue and kind is not SetValue \
            and kind is not ZSetValue:
        raise WrongTypeError()
    if dontsort and kind is SetValue and store_key is not None:
        # Stored results must not depend on the set's hash order: force an ALPHA sort.
        dontsort, alpha, sortby = False, True, None
    if kind is ZSetValue:
        value.encoding = "skiplist"  # type: ignore[union-attr]  # Redis converts for SORT
    size = 0 if value is None else len(value)
    start = min(max(limit_start, 0), size)
    count = min(max(limit_count, -1), size)
    end = size - 1 if count < 0 else start + count - 1
    if start >= size:
        start, end = size - 1, size - 2
    if end >= size:
        end = size - 1

    writing = store_key is not None
    elements: list[bytes]
    if value is None:
        elements = []
    elif dontsort and isinstance(value, ListValue):
        # by index when the range is short and deep inside (quicklist seeks by node)
        if end < start:
            elements = []
        elif desc:
            elements = list_range(value, size - 1 - end, size - start)
            elements.reverse()
        else:
            elements = list_range(value, start, end + 1)
        start, end = 0, end - start
    elif dontsort and isinstance(value, ZSetValue):
        ordered = value.ordered
        if end < start:
            elements = []
        elif desc:
            elements = [m for _, m in ordered.islice(size - 1 - end, size - start, reverse=True)]
        else:
            elements = [m for _, m in ordered.islice(start, end + 1)]
        start, end = 0, end - start
    else:
        elements = _sort_elements(value)

    if not dontsort:
        if alpha:
            if sortby is not None:
                # Missing weights sort first; strcoll (no STORE) stops at a NUL.
                keyed: list[tuple[tuple[bool, bytes], bytes]] = []
                for element in elements:
                    weight = sortby.lookup(db, element, writing)
                    if weight is None:
                        keyed.append(((False, b""), element))
                    else:
                        keyed.append(((True, weight if writing else _c_string(weight)), element))
                partial = start != 0 or end != size - 1
                if partial and len({k for k, _ in keyed}) < len(keyed):
                    # Ties keep glibc's stable order under qsort, but Redis sorts a LIMITed
                    # range with its own unstable pqsort: reproduce its order exactly.
                    partial_quicksort(keyed, _alpha_by_compare_desc if desc
                                      else _alpha_by_compare, start, end)
                else:
                    keyed.sort(key=lambda pair: pair[0], reverse=desc)
                elements = [e for _, e in keyed]
            elif writing:
                elements.sort(reverse=desc)
            else:
                elements.sort(key=_c_string, reverse=desc)
        else:
            failed = False
            scored: list[tuple[float, bytes]] = []
            for element in elements:
                if sortby is not None:
                    weight = sortby.lookup(db, element, writing)
                    if weight is None:
                        scored.append((0.0, element))
                        continue
                else:
                    weight = element
                score = sort_score(weight)
                if score is None:
                    failed = True
                    score = 0.0
                scored.append((score, element))
            if failed:
                raise CommandError(SORT_NOT_DOUBLE)
            scored.sort(reverse=desc)
            elements = [e for _, e in scored]

    selected = elements[start : end + 1] if end >= start else []
    if store_key is None:
        if not gets:
            return selected
        return [pattern.lookup(db, element, False) for element in selected for pattern in gets]

    stored = ListValue()
    if gets:
        for element in selected:
            for pattern in gets:
                found = pattern.lookup(db, element, True)
                stored.append(b"" if found is None else found)
    else:
        stored.extend(selected)
    keyspace = client.keyspace
    if stored:
        db.set(store_key, stored)
        key_added(db, store_key)  # setKey: a blocked BLPOP on the destination is served
        keyspace.notify(db.index, "l", "sortstore", store_key)
        keyspace.dirty += len(stored)
    elif store_key in db.data:
        unlink(db, store_key)
        modified(db, store_key)
        keyspace.notify(db.index, "g", "del", store_key)
        keyspace.dirty += 1
    return len(stored)


@command("sort", arity=-2, flags="write denyoom", keys=(1, 1, 1), get_keys=_sort_keys,
         group="generic", since="1.0.0", acl="set sortedset list dangerous",
         summary="Sort the elements in a list, set or sorted set",
         complexity="O(N+M*log(M)) where N is the number of elements in the list or set to "
         "sort, and M the number of returned elements. When the elements are not sorted, "
         "complexity is O(N).", written_keys=self_signalled)
def sort_command(client: Client, argv: list[bytes]) -> Reply:
    """SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
    [STORE destination]."""
    return sort_generic(client, argv, readonly=False)


@command("sort_ro", arity=-2, flags="readonly", keys=(1, 1, 1), group="generic",
         since="7.0.0", acl="set sortedset list dangerous",
         summary="Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
         complexity="O(N+M*log(M)) where N is the number of elements in the list or set to "
         "sort, and M the number of returned elements. When the elements are not sorted, "
         "complexity is O(N).")
def sort_ro_command(client: Client, argv: list[bytes]) -> Reply:
    """SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]."""
    return sort_generic(client, argv, readonly=True)
