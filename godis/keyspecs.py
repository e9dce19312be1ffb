"""Keys from key specs, as Redis 7.0's db.c finds them for COMMAND GETKEYS / GETKEYSANDFLAGS.

:func:`keys_with_specs` is ``getKeysFromCommandWithSpecs``: the key specs first (index or
keyword begin search, range or keynum find), then, when they cannot answer (an unknown or
incomplete spec, a spec whose flags vary with the arguments), the command's getkeys proc
(``sortGetKeys``, ``migrateGetKeys``, ``evalGetKeys`` ...), each a port of Redis's.
:func:`legacy_range` is ``populateCommandLegacyRangeSpec``: the first/last/step and the
``movablekeys`` flag COMMAND INFO derives from the specs.
"""

from __future__ import annotations

from collections.abc import Callable

from godis.commandmeta.model import Index, KeyNum, KeySpec, Keyword, Range

KeyRef = tuple[int, tuple[str, ...]]
"""A key's position in argv and its key-spec flags (in Redis's order)."""
GetKeysProc = Callable[[list[bytes]], list[KeyRef]]

_NO_FLAGS: tuple[str, ...] = ()
_RO_ACCESS = ("RO", "access")


def legacy_range(specs: tuple[KeySpec, ...]) -> tuple[int, int, int, bool]:
    """(first, last, step, movablekeys) as ``populateCommandLegacyRangeSpec`` derives them."""
    if not specs:
        return 0, 0, 0, False
    only = specs[0]
    if len(specs) == 1 and isinstance(only.begin, Index) and isinstance(only.find, Range):
        pos, lastkey = only.begin.pos, only.find.lastkey
        return (pos, lastkey + pos if lastkey >= 0 else lastkey, only.find.step,
                "incomplete" in only.flag_set)
    movable = False
    first, last, prev_last = 1 << 31, 0, 0
    for spec in specs:
        begin, find = spec.begin, spec.find
        if not isinstance(begin, Index) or not isinstance(find, Range):
            movable = True
            continue
        if find.step != 1 or (prev_last and prev_last != begin.pos - 1):
            movable = True
            continue
        if "incomplete" in spec.flag_set:
            movable = True
        first = min(first, begin.pos)
        absolute = find.lastkey + begin.pos if find.lastkey >= 0 else find.lastkey
        last = max(last % (1 << 32), absolute % (1 << 32))  # Redis compares them unsigned
        last = last - (1 << 32) if last >= 1 << 31 else last
        prev_last = last
    if first == 1 << 31:
        return 0, 0, 0, True
    return first, last, 1, movable


def _strict_int(value: bytes) -> int | None:
    """``string2ll``: the whole argument as a 64-bit integer, or None."""
    if not value or len(value) > 20 or value != value.strip() or value.startswith(b"+"):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if str(number).encode() != value:  # no leading zeros, no "-0"
        return None
    return number if -(1 << 63) <= number < (1 << 63) else None


def _atoi(value: bytes) -> int:
    """C's ``atoi``, as the getkeys procs parse numkeys: leading spaces, a sign, digits."""
    text = value.lstrip(b" \t\n\v\f\r")
    sign = 1
    if text[:1] in (b"+", b"-"):
        sign = -1 if text[:1] == b"-" else 1
        text = text[1:]
    digits = b""
    for byte in text:
        if not 48 <= byte <= 57:
            break
        digits += bytes((byte,))
    number = sign * int(digits) if digits else 0
    return _to_c_int(max(-(1 << 63), min(number, (1 << 63) - 1)))  # glibc: (int)strtol(...)


def _to_c_int(number: int) -> int:
    """A 64-bit value cast to a C ``int`` (its low 32 bits, two's complement)."""
    return (number + (1 << 31)) % (1 << 32) - (1 << 31)


def keys_using_specs(specs: tuple[KeySpec, ...], argv: list[bytes]) -> list[KeyRef] | None:
    """``getKeysUsingKeySpecs`` (default search flags): the keys, or None when a spec is
    unknown, incomplete or does not fit the arguments."""
    argc = len(argv)
    found: list[KeyRef] = []
    for spec in specs:
        if "not_key" in spec.flag_set:
            continue
        begin, find = spec.begin, spec.find
        if isinstance(begin, Index):
            first = begin.pos
        elif isinstance(begin, Keyword):
            first = 0
            start = begin.startfrom if begin.startfrom > 0 else argc + begin.startfrom
            end = argc - 1 if begin.startfrom > 0 else 1
            i = start
            while i != end:
                if i >= argc or i < 1:
                    break
                if argv[i].lower() == begin.keyword.lower().encode():
                    first = i + 1
                    break
                i = i + 1 if start <= end else i - 1
            if not first:
                continue
        else:
            return None
        if isinstance(find, Range):
            step = find.step
            if find.lastkey >= 0:
                last = first + find.lastkey
            elif not find.limit:
                last = argc + find.lastkey
            else:
                last = first + ((argc - first) // find.limit + find.lastkey)
        elif isinstance(find, KeyNum):
            step = find.step
            if find.keynumidx >= argc or first + find.keynumidx >= argc:
                return None
            numkeys = _strict_int(argv[first + find.keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += find.firstkey
            last = first + _to_c_int(numkeys) - 1  # Redis adds it as an int
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        flags = tuple(spec.ordered_flags())
        found.extend((i, flags) for i in range(first, last + 1, step))
        if "incomplete" in spec.flag_set:
            return None
    return found


def keys_with_specs(specs: tuple[KeySpec, ...], getkeys: str,
                    argv: list[bytes]) -> list[KeyRef]:
    """``getKeysFromCommandWithSpecs``: the specs when they are reliable, else the proc."""
    has_keys = any("not_key" not in spec.flag_set for spec in specs)
    variable = any("variable_flags" in spec.flag_set for spec in specs)
    if has_keys and not variable:
        found = keys_using_specs(specs, argv)
        if found is not None:
            return found
    if getkeys:
        return GETKEYS_PROCS[getkeys](argv)
    return []


def has_keys(specs: tuple[KeySpec, ...], getkeys: str) -> bool:
    """``doesCommandHaveKeys``: a getkeys proc, or a spec that is not ``not_key``."""
    return bool(getkeys) or any("not_key" not in spec.flag_set for spec in specs)


# -- the getkeys procs (db.c) -----------------------------------------------------------------


def _generic(store: int, count_at: int, first: int, step: int, argv: list[bytes]) -> list[KeyRef]:
    """``genericGetKeys``: ``argv[count_at]`` keys from ``first``, then the destination."""
    num = _atoi(argv[count_at])
    if num < 1 or num > (len(argv) - first) // step:
        return []
    keys: list[KeyRef] = [(first + i * step, _NO_FLAGS) for i in range(num)]
    if store:
        keys.append((store, _NO_FLAGS))
    return keys


def _sort_ro(argv: list[bytes]) -> list[KeyRef]:
    """``sortROGetKeys``: the sorted key only."""
    return [(1, _RO_ACCESS)]


def _sort(argv: list[bytes]) -> list[KeyRef]:
    """``sortGetKeys``: the sorted key and the last STORE's destination (LIMIT, GET, BY
    skip their arguments)."""
    keys: list[KeyRef] = [(1, _RO_ACCESS)]
    store: int | None = None
    skips = {b"limit": 2, b"get": 1, b"by": 1}
    i = 2
    while i < len(argv):
        word = argv[i].lower()
        if word in skips:
            i += skips[word]
        elif word == b"store" and i + 1 < len(argv):
            store = i + 1
        i += 1
    if store is not None:
        keys.append((store, ("OW", "update")))
    return keys


def _migrate(argv: list[bytes]) -> list[KeyRef]:
    """``migrateGetKeys``: argv[3], or the keys after KEYS when argv[3] is empty."""
    first, num = 3, 1
    if len(argv) > 6:
        skips = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}
        i = 6
        while i < len(argv):
            word = argv[i].lower()
            if word == b"keys":
                if argv[3]:
                    num = 0
                else:
                    first, num = i + 1, len(argv) - i - 1
                break
            i += skips.get(word, 0) + 1
    return [(first + i, ("RW", "access", "delete")) for i in range(num)]


def _georadius(argv: list[bytes]) -> list[KeyRef]:
    """``georadiusGetKeys``: the key and the last STORE/STOREDIST destination."""
    stored = -1
    i = 5
    while i < len(argv):
        if argv[i].lower() in (b"store", b"storedist") and i + 1 < len(argv):
            stored = i + 1
            i += 1
        i += 1
    return [(1, _NO_FLAGS)] + ([(stored, _NO_FLAGS)] if stored != -1 else [])


def _xread(argv: list[bytes]) -> list[KeyRef]:
    """``xreadGetKeys``: the first half of what follows STREAMS, after the options."""
    streams = -1
    i = 1
    while i < len(argv):
        word = argv[i].lower()
        if word in (b"block", b"count"):
            i += 1
        elif word == b"group":
            i += 2
        elif word == b"noack":
            pass
        elif word == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    num = len(argv) - streams - 1 if streams != -1 else 0
    if streams == -1 or num == 0 or num % 2:
        return []
    return [(i, _NO_FLAGS) for i in range(streams + 1, len(argv) - num // 2)]


def _set(argv: list[bytes]) -> list[KeyRef]:
    """``setGetKeys``: the key is read too when GET is among the options."""
    if any(arg.lower() == b"get" for arg in argv[3:]):
        return [(1, ("RW", "access", "update"))]
    return [(1, ("OW", "update"))]


def _bitfield(argv: list[bytes]) -> list[KeyRef]:
    """``bitfieldGetKeys``: read-only unless a SET/INCRBY (or a syntax error) comes."""
    readonly = True
    i = 2
    while i < len(argv):
        remaining = len(argv) - i - 1
        word = argv[i].lower()
        if word == b"get" and remaining >= 2:
            i += 2
        elif word in (b"set", b"incrby") and remaining >= 3:
            readonly = False
            break
        elif word == b"overflow" and remaining >= 1:
            i += 1
        else:
            readonly = False
            break
        i += 1
    return [(1, _RO_ACCESS if readonly else ("RW", "access", "update"))]


GETKEYS_PROCS: dict[str, GetKeysProc] = {
    "sintercardGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "zunionInterDiffStoreGetKeys": lambda argv: _generic(1, 2, 3, 1, argv),
    "zunionInterDiffGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "evalGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "functionGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "lmpopGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "blmpopGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "zmpopGetKeys": lambda argv: _generic(0, 1, 2, 1, argv),
    "bzmpopGetKeys": lambda argv: _generic(0, 2, 3, 1, argv),
    "sortROGetKeys": _sort_ro,
    "sortGetKeys": _sort,
    "migrateGetKeys": _migrate,
    "georadiusGetKeys": _georadius,
    "xreadGetKeys": _xread,
    "setGetKeys": _set,
    "bitfieldGetKeys": _bitfield,
}
"""Redis's getkeys procs by the name its command JSON gives (``get_keys_function``)."""
