"""The cursor machinery shared by SCAN, HSCAN, SSCAN and ZSCAN.

Redis's guarantee: a full iteration returns every element that was present for the whole
iteration, even while elements are added and removed. godis orders elements by a 63-bit hash
and the cursor is "one past the last hash returned", so any snapshot ordered the same way can
continue any cursor. A snapshot is taken at cursor 0 (the start of an iteration) and reused for
later cursors, so a full iteration costs one sort plus O(log N + COUNT) per call; every
element present for the whole iteration is in that snapshot. Small encodings (listpack,
intset) are returned whole with cursor 0, as Redis does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from godis.errors import SYNTAX, CommandError
from godis.glob import compile_glob
from godis.util import parse_int

HASH_MASK = 2**63 - 1
MAX_CURSOR = 2**64 - 1
_SNAPSHOTS: OrderedDict[int, tuple[object, list[int], list[bytes]]] = OrderedDict()
_MAX_SNAPSHOTS = 64


@dataclass
class ScanOptions:
    """MATCH, COUNT and (SCAN only) TYPE."""

    match: bytes | None = None
    count: int = 10
    type: bytes | None = None

    def matches(self, item: bytes) -> bool:
        """``scanGenericCommand``'s filter: a lone ``*`` is no pattern at all (it admits ``""``)."""
        return self.match is None or self.match == b"*" or compile_glob(self.match).match(item)


def parse_cursor(arg: bytes) -> int:
    """A cursor as Redis's ``strtoul`` reads it: ``""`` and ``+0`` are 0, ``-1`` wraps."""
    text = arg.split(b"\0", 1)[0]
    if text[:1] and text[:1] in b" \t\n\v\f\r":
        raise CommandError("ERR invalid cursor")
    if not text:
        return 0
    digits = text[1:] if text[:1] in (b"+", b"-") else text
    if not digits.isdigit() or len(digits.lstrip(b"0")) > 20 or int(digits) > MAX_CURSOR:
        raise CommandError("ERR invalid cursor")
    return (-int(digits)) % 2**64 if text[:1] == b"-" else int(digits)


def parse_scan_options(argv: list[bytes], index: int, *, allow_type: bool = False) -> ScanOptions:
    """Parse ``[MATCH pattern] [COUNT count] [TYPE type]`` starting at ``argv[index]``."""
    options = ScanOptions()
    while index < len(argv):
        option = argv[index].lower()
        if index + 1 >= len(argv):
            raise CommandError(SYNTAX)
        value = argv[index + 1]
        if option == b"count":
            options.count = parse_int(value)
            if options.count < 1:
                raise CommandError(SYNTAX)
        elif option == b"match":
            options.match = None if value == b"*" else value
        elif option == b"type" and allow_type:
            options.type = value.lower()
        else:
            raise CommandError(SYNTAX)
        index += 2
    return options


def _element_hash(item: bytes) -> int:
    return hash(item) & HASH_MASK


def _snapshot(owner: object, elements: Callable[[], Iterable[bytes]],
              fresh: bool) -> tuple[list[int], list[bytes]]:
    key = id(owner)
    cached = _SNAPSHOTS.get(key)
    if not fresh and cached is not None and cached[0] is owner:
        _SNAPSHOTS.move_to_end(key)
        return cached[1], cached[2]
    pairs = sorted((_element_hash(item), item) for item in elements())
    hashes = [h for h, _ in pairs]
    items = [item for _, item in pairs]
    _SNAPSHOTS[key] = (owner, hashes, items)
    _SNAPSHOTS.move_to_end(key)
    while len(_SNAPSHOTS) > _MAX_SNAPSHOTS:
        _SNAPSHOTS.popitem(last=False)
    return hashes, items


def scan_step(owner: object, elements: Callable[[], Iterable[bytes]], cursor: int,
              count: int) -> tuple[int, list[bytes]]:
    """One SCAN call over ``owner``'s elements: (next cursor, candidates in hash order).

    The candidates may include elements deleted since the snapshot; callers filter them (and
    apply MATCH/TYPE) against the live container.
    """
    hashes, items = _snapshot(owner, elements, fresh=cursor == 0)
    start = bisect_left(hashes, cursor - 1) if cursor else 0
    end = min(start + count, len(items))
    # Elements sharing a hash are returned together, so the cursor can step past them.
    while end < len(items) and end > start and hashes[end] == hashes[end - 1]:
        end += 1
    if end >= len(items):
        if cursor == 0:
            # A whole iteration done in one call: no later cursor will ask for the snapshot.
            _SNAPSHOTS.pop(id(owner), None)
        return 0, items[start:end]
    return hashes[end - 1] + 2, items[start:end]


def scan_container(argv: list[bytes], cursor: int, owner: object, whole: Iterable[bytes] | None,
                   elements: Callable[[], Iterable[bytes]]) -> tuple[int, Iterable[bytes], ScanOptions]:
    """HSCAN/SSCAN once the key is found: (next cursor, candidates, options).

    A small encoding passes ``whole`` (all its elements in Redis's order), returned with
    cursor 0; otherwise one :func:`scan_step` over ``elements``.
    """
    options = parse_scan_options(argv, 3)
    if whole is not None:
        return 0, whole, options
    next_cursor, candidates = scan_step(owner, elements, cursor, options.count)
    return next_cursor, candidates, options
