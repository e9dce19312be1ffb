"""String commands (Redis's t_string.c): GET/SET and their variants, counters, ranges, LCS.

A string value is ``bytes`` as stored by SET and friends, or a ``bytearray`` once a command
modified it in place (APPEND, SETRANGE, SETBIT, BITFIELD, BITOP, the HyperLogLog commands):
Redis turns such values into ``raw`` sds strings, and OBJECT ENCODING reports that history
(see :func:`string_encoding`). A ``bytearray`` is never handed out: replies copy it.

Error order, TTL handling and what is propagated to the AOF follow Redis 7.0 exactly: relative
expiries become ``SET key value PXAT <unix-ms>``, GETEX becomes ``PEXPIREAT``/``PERSIST``/
``DEL``, GETDEL a ``DEL``, GETSET a ``SET``, INCRBYFLOAT ``SET key value KEEPTTL``.
"""

from __future__ import annotations

from godis.client import Client
from godis.errors import NOT_FLOAT, NOT_INTEGER, SYNTAX, CommandError, WrongTypeError
from godis.keyspace.keyspace import Database
from godis.keyspace.values import Value
from godis.protocol.reader import strict_int
from godis.protocol.writer import OK, Map, Reply
from godis.table import command
from godis.util import LongDouble, parse_int, parse_long_double

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
EMBSTR_SIZE_LIMIT = 44  # OBJ_ENCODING_EMBSTR_SIZE_LIMIT

# The option flags of SET / GETEX (parseExtendedStringArgumentsOrReply).
SET_NX = 1 << 0
SET_XX = 1 << 1
EX = 1 << 2
PX = 1 << 3
KEEPTTL = 1 << 4
SET_GET = 1 << 5
EXAT = 1 << 6
PXAT = 1 << 7
PERSIST = 1 << 8
_ANY_EXPIRE = EX | PX | EXAT | PXAT



# -- shared helpers --------------------------------------------------------------------------------


def string_encoding(value: bytes | bytearray) -> str:
    """What OBJECT ENCODING says for a string, as Redis 7.0's ``tryObjectEncoding`` decides.

    ``int`` for a canonical 64-bit integer of at most 20 characters, ``embstr`` up to 44 bytes,
    ``raw`` beyond; a ``bytearray`` (modified in place) is always ``raw``.
    """
    if type(value) is bytearray:
        return "raw"
    size = len(value)
    if size <= 20 and strict_int(value) is not None:  # type: ignore[arg-type]
        return "int"
    return "embstr" if size <= EMBSTR_SIZE_LIMIT else "raw"


def read_string(db: Database, key: bytes) -> bytes | bytearray | None:
    """``lookupKeyRead`` + ``checkType(OBJ_STRING)``: the string at ``key`` or ``None``."""
    value = db.lookup_read(key)
    if value is None:
        return None
    kind = type(value)
    if kind is not bytes and kind is not bytearray:
        raise WrongTypeError()
    return value  # type: ignore[return-value]


def write_string(db: Database, key: bytes) -> bytes | bytearray | None:
    """``lookupKeyWrite`` + ``checkType(OBJ_STRING)``: no hit/miss statistics."""
    value = db.get(key)
    if value is None:
        return None
    kind = type(value)
    if kind is not bytes and kind is not bytearray:
        raise WrongTypeError()
    return value  # type: ignore[return-value]


def is_string(value: Value) -> bool:
    """Whether ``value`` is a string (either representation)."""
    kind = type(value)
    return kind is bytes or kind is bytearray


def unshare_string(db: Database, key: bytes, value: bytes | bytearray) -> bytearray:
    """``dbUnshareStringValue``: the value as a mutable ``bytearray`` stored at ``key``.

    Keeps the TTL, like ``dbOverwrite``. Once mutable the value reports ``raw``.
    """
    if type(value) is bytearray:
        return value
    mutable = bytearray(value)
    db.set(key, mutable, keep_ttl=True)
    return mutable


MIN_PROTO_MAX_BULK_LEN = 1024 * 1024
"""The smallest proto-max-bulk-len the configuration accepts: below it no lookup is needed."""


def check_string_length(client: Client, size: int, append: int) -> None:
    """``checkStringLength``: the result must fit ``proto-max-bulk-len``."""
    total = size + append
    if total > MIN_PROTO_MAX_BULK_LEN and total > client.server.config["proto-max-bulk-len"]:
        raise CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)")


def _bulk(value: bytes | bytearray) -> bytes:
    """A reply-safe copy: bytes as they are, a (mutable) bytearray copied."""
    return value if type(value) is bytes else bytes(value)


# -- SET and its family -----------------------------------------------------------------------------


def parse_extended_string_args(argv: list[bytes], for_set: bool) -> tuple[int, bytes | None]:
    """SET's [NX|XX] [GET] [EX|PX|EXAT|PXAT t|KEEPTTL] or GETEX's [EX..|PERSIST].

    Returns (flags, expire argument). Conflicting options are a syntax error; repeating the
    same expiry option is not (the last one wins), as in Redis.
    """
    flags = 0
    expire: bytes | None = None
    index = 3 if for_set else 2
    argc = len(argv)
    while index < argc:
        option = argv[index].lower()
        has_next = index < argc - 1
        if option == b"nx" and for_set and not flags & SET_XX:
            flags |= SET_NX
        elif option == b"xx" and for_set and not flags & SET_NX:
            flags |= SET_XX
        elif option == b"get" and for_set:
            flags |= SET_GET
        elif option == b"keepttl" and for_set and not flags & (PERSIST | _ANY_EXPIRE):
            flags |= KEEPTTL
        elif option == b"persist" and not for_set and not flags & (KEEPTTL | _ANY_EXPIRE):
            flags |= PERSIST
        elif option == b"ex" and has_next and not flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT):
            flags |= EX
            index += 1
            expire = argv[index]
        elif option == b"px" and has_next and not flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT):
            flags |= PX
            index += 1
            expire = argv[index]
        elif option == b"exat" and has_next and not flags & (KEEPTTL | PERSIST | EX | PX | PXAT):
            flags |= EXAT
            index += 1
            expire = argv[index]
        elif option == b"pxat" and has_next and not flags & (KEEPTTL | PERSIST | EX | EXAT | PX):
            flags |= PXAT
            index += 1
            expire = argv[index]
        else:
            raise CommandError(SYNTAX)
        index += 1
    return flags, expire


def expire_ms(client: Client, command_name: str, expire: bytes, flags: int) -> int:
    """``getExpireMillisecondsOrReply``: the absolute unix-ms expiry ``expire`` denotes.

    EX/EXAT count seconds, PX/PXAT milliseconds; EX/PX are relative to now. Non-positive
    values and overflows (C's signed wrap-around) are "invalid expire time".
    """
    value = parse_int(expire)
    seconds = not flags & (PX | PXAT)
    if value <= 0 or (seconds and value > LLONG_MAX // 1000):
        raise CommandError(f"ERR invalid expire time in '{command_name}' command")
    if seconds:
        value *= 1000
    if flags & (PX | EX):
        value += client.keyspace.now_ms()
        if value > LLONG_MAX:  # wraps to a negative long long in C
            raise CommandError(f"ERR invalid expire time in '{command_name}' command")
    return value


def set_generic(client: Client, command_name: str, flags: int, key: bytes, value: bytes,
                expire: bytes | None, ok_reply: Reply, abort_reply: Reply,
                argv: list[bytes]) -> Reply:
    """``setGenericCommand``: SET, SETNX, SETEX and PSETEX."""
    when = 0
    if expire is not None:
        when = expire_ms(client, command_name, expire, flags)
    db = client.db
    old: Reply = None
    if flags & SET_GET:
        current = read_string(db, key)
        old = None if current is None else _bulk(current)
    found = db.get(key) is not None
    if (flags & SET_NX and found) or (flags & SET_XX and not found):
        return old if flags & SET_GET else abort_reply
    db.set(key, value, keep_ttl=bool(flags & KEEPTTL))
    keyspace = client.keyspace
    keyspace.dirty += 1
    keyspace.notify(db.index, "$", "set", key)
    if expire is not None:
        db.set_expire(key, when)
        client.propagate_as([b"SET", key, value, b"PXAT", b"%d" % when])
        keyspace.notify(db.index, "g", "expire", key)
    elif flags & SET_GET:
        # Propagate without GET (it may be repeated), as Redis rewrites the argv.
        client.propagate_as([arg for i, arg in enumerate(argv) if i < 3 or arg.lower() != b"get"])
    return old if flags & SET_GET else ok_reply




@command("set", arity=-3, flags="write denyoom", keys=(1, 1, 1), group="string",
         summary="Set the string value of a key", since="1.0.0", complexity="O(1)")
def set_command(client: Client, argv: list[bytes]) -> Reply:
    """SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]."""
    flags, expire = parse_extended_string_args(argv, True)
    return set_generic(client, "set", flags, argv[1], argv[2], expire, OK, None, argv)


@command("setnx", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Set the value of a key, only if the key does not exist", since="1.0.0",
         complexity="O(1)")
def setnx_command(client: Client, argv: list[bytes]) -> Reply:
    """SETNX key value: 1 if set, 0 if the key existed."""
    return set_generic(client, "setnx", SET_NX, argv[1], argv[2], None, 1, 0, argv)


@command("setex", arity=4, flags="write denyoom", keys=(1, 1, 1), group="string",
         summary="Set the value and expiration of a key", since="2.0.0", complexity="O(1)")
def setex_command(client: Client, argv: list[bytes]) -> Reply:
    """SETEX key seconds value."""
    return set_generic(client, "setex", EX, argv[1], argv[3], argv[2], OK, None, argv)


@command("psetex", arity=4, flags="write denyoom", keys=(1, 1, 1), group="string",
         summary="Set the value and expiration in milliseconds of a key", since="2.6.0",
         complexity="O(1)")
def psetex_command(client: Client, argv: list[bytes]) -> Reply:
    """PSETEX key milliseconds value."""
    return set_generic(client, "psetex", PX, argv[1], argv[3], argv[2], OK, None, argv)


@command("get", arity=2, flags="readonly fast", keys=(1, 1, 1), group="string",
         summary="Get the value of a key", since="1.0.0", complexity="O(1)")
def get_command(client: Client, argv: list[bytes]) -> Reply:
    """GET key."""
    value = client.db.lookup_read(argv[1])
    kind = type(value)
    if kind is bytes:
        return value  # type: ignore[return-value]
    if value is None:
        return None
    if kind is bytearray:
        return bytes(value)  # type: ignore[arg-type]
    raise WrongTypeError()


@command("getex", arity=-2, flags="write fast", keys=(1, 1, 1), group="string",
         summary="Get the value of a key and optionally set its expiration", since="6.2.0",
         complexity="O(1)")
def getex_command(client: Client, argv: list[bytes]) -> Reply:
    """GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]: propagated as the effect it had."""
    flags, expire = parse_extended_string_args(argv, False)
    db = client.db
    key = argv[1]
    value = read_string(db, key)
    if value is None:
        return None
    when = 0
    if expire is not None:
        when = expire_ms(client, "getex", expire, flags)
    reply = _bulk(value)
    keyspace = client.keyspace
    if flags & (PXAT | EXAT) and when <= keyspace.now_ms() and not keyspace.loading:
        db.delete(key)  # an absolute time already in the past deletes the key
        client.propagate_as([b"DEL", key])
        keyspace.notify(db.index, "g", "del", key)
        keyspace.dirty += 1
    elif expire is not None:
        db.set_expire(key, when)
        client.propagate_as([b"PEXPIREAT", key, b"%d" % when])
        keyspace.notify(db.index, "g", "expire", key)
        keyspace.dirty += 1
    elif flags & PERSIST and db.persist(key):
        client.propagate_as([b"PERSIST", key])
        keyspace.notify(db.index, "g", "persist", key)
        keyspace.dirty += 1
    return reply


@command("getdel", arity=2, flags="write fast", keys=(1, 1, 1), group="string",
         summary="Get the value of a key and delete the key", since="6.2.0",
         complexity="O(1)")
def getdel_command(client: Client, argv: list[bytes]) -> Reply:
    """GETDEL key: propagated as DEL."""
    db = client.db
    key = argv[1]
    value = read_string(db, key)
    if value is None:
        return None
    db.delete(key)
    client.propagate_as([b"DEL", key])
    client.keyspace.notify(db.index, "g", "del", key)
    client.keyspace.dirty += 1
    return _bulk(value)


@command("getset", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Set the string value of a key and return its old value", since="1.0.0",
         complexity="O(1)")
def getset_command(client: Client, argv: list[bytes]) -> Reply:
    """GETSET key value: the old value; the TTL is dropped; propagated as SET."""
    db = client.db
    key = argv[1]
    old = read_string(db, key)
    db.set(key, argv[2])
    keyspace = client.keyspace
    keyspace.notify(db.index, "$", "set", key)
    keyspace.dirty += 1
    client.propagate_as([b"SET", key, argv[2]])
    return None if old is None else _bulk(old)


@command("mget", arity=-2, flags="readonly fast", keys=(1, -1, 1), group="string",
         summary="Get the values of all the given keys", since="1.0.0",
         complexity="O(N) where N is the number of keys to retrieve.")
def mget_command(client: Client, argv: list[bytes]) -> Reply:
    """MGET key [key ...]: nil for missing keys and for keys that are not strings."""
    lookup = client.db.lookup_read
    replies: list[Reply] = []
    append = replies.append
    for key in argv[1:]:
        value = lookup(key)
        kind = type(value)
        if kind is bytes:
            append(value)  # type: ignore[arg-type]
        elif kind is bytearray:
            append(bytes(value))  # type: ignore[arg-type]
        else:
            append(None)
    return replies


def mset_generic(client: Client, argv: list[bytes], name: str, nx: bool) -> Reply:
    """``msetGenericCommand``: MSET and MSETNX (all or nothing); TTLs are dropped."""
    if len(argv) % 2 == 0:
        raise CommandError(f"ERR wrong number of arguments for '{name}' command")
    db = client.db
    get = db.get
    if nx:
        for index in range(1, len(argv), 2):
            if get(argv[index]) is not None:
                return 0
    keyspace = client.keyspace
    notify = keyspace.notify
    db_set = db.set
    db_index = db.index
    for index in range(1, len(argv), 2):
        key = argv[index]
        get(key)  # setKey's lookupKeyWrite: expire a stale key first
        db_set(key, argv[index + 1])
        notify(db_index, "$", "set", key)
    keyspace.dirty += (len(argv) - 1) // 2
    return 1 if nx else OK




@command("mset", arity=-3, flags="write denyoom", keys=(1, -1, 2), group="string",
         summary="Set multiple keys to multiple values", since="1.0.1",
         complexity="O(N) where N is the number of keys to set.")
def mset_command(client: Client, argv: list[bytes]) -> Reply:
    """MSET key value [key value ...]."""
    return mset_generic(client, argv, "mset", False)


@command("msetnx", arity=-3, flags="write denyoom", keys=(1, -1, 2), group="string",
         summary="Set multiple keys to multiple values, only if none of the keys exist",
         since="1.0.1", complexity="O(N) where N is the number of keys to set.")
def msetnx_command(client: Client, argv: list[bytes]) -> Reply:
    """MSETNX key value [key value ...]: 1 if all were set, 0 (nothing set) if any existed."""
    return mset_generic(client, argv, "msetnx", True)


# -- counters -----------------------------------------------------------------------------------------


def incr_decr(client: Client, key: bytes, increment: int) -> Reply:
    """``incrDecrCommand``: add ``increment`` to the integer at ``key``, keeping its TTL."""
    db = client.db
    value = write_string(db, key)
    if value is None:
        current = 0
    else:
        parsed = strict_int(value)  # type: ignore[arg-type]
        if parsed is None:
            raise CommandError(NOT_INTEGER)
        current = parsed
    result = current + increment
    if result > LLONG_MAX or result < LLONG_MIN:
        raise CommandError("ERR increment or decrement would overflow")
    db.set(key, b"%d" % result, keep_ttl=True)
    keyspace = client.keyspace
    keyspace.notify(db.index, "$", "incrby", key)
    keyspace.dirty += 1
    return result


@command("incr", arity=2, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Increment the integer value of a key by one", since="1.0.0",
         complexity="O(1)")
def incr_command(client: Client, argv: list[bytes]) -> Reply:
    """INCR key."""
    return incr_decr(client, argv[1], 1)


@command("decr", arity=2, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Decrement the integer value of a key by one", since="1.0.0",
         complexity="O(1)")
def decr_command(client: Client, argv: list[bytes]) -> Reply:
    """DECR key."""
    return incr_decr(client, argv[1], -1)


@command("incrby", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Increment the integer value of a key by the given amount", since="1.0.0",
         complexity="O(1)")
def incrby_command(client: Client, argv: list[bytes]) -> Reply:
    """INCRBY key increment."""
    return incr_decr(client, argv[1], parse_int(argv[2]))


@command("decrby", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Decrement the integer value of a key by the given number", since="1.0.0",
         complexity="O(1)")
def decrby_command(client: Client, argv: list[bytes]) -> Reply:
    """DECRBY key decrement (negating LLONG_MIN is refused first)."""
    decrement = parse_int(argv[2])
    if decrement == LLONG_MIN:
        raise CommandError("ERR decrement would overflow")
    return incr_decr(client, argv[1], -decrement)


@command("incrbyfloat", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Increment the float value of a key by the given amount", since="2.6.0",
         complexity="O(1)")
def incrbyfloat_command(client: Client, argv: list[bytes]) -> Reply:
    """INCRBYFLOAT key increment, in long double as Redis; propagated as SET ... KEEPTTL."""
    db = client.db
    key = argv[1]
    value = write_string(db, key)
    current = LongDouble() if value is None else parse_long_double(value)  # type: ignore[arg-type]
    if current is None:
        raise CommandError(NOT_FLOAT)
    increment = parse_long_double(argv[2])
    if increment is None:
        raise CommandError(NOT_FLOAT)
    total = current + increment
    if not total.is_finite():
        raise CommandError("ERR increment would produce NaN or Infinity")
    text = total.format_human()
    db.set(key, text, keep_ttl=True)
    keyspace = client.keyspace
    keyspace.notify(db.index, "$", "incrbyfloat", key)
    keyspace.dirty += 1
    client.propagate_as([b"SET", key, text, b"KEEPTTL"])
    return text


# -- ranges and lengths ---------------------------------------------------------------------------------


@command("append", arity=3, flags="write denyoom fast", keys=(1, 1, 1), group="string",
         summary="Append a value to a key", since="2.0.0",
         complexity="O(1). The amortized time complexity is O(1) assuming the appended value "
                    "is small and the already present value is of any size, since the dynamic "
                    "string library used by Redis will double the free space available on "
                    "every reallocation.")
def append_command(client: Client, argv: list[bytes]) -> Reply:
    """APPEND key value: the new length. The value becomes mutable (``raw``)."""
    db = client.db
    key = argv[1]
    suffix = argv[2]
    value = write_string(db, key)
    if value is None:
        db.set(key, suffix)
        length = len(suffix)
    else:
        check_string_length(client, len(value), len(suffix))
        mutable = unshare_string(db, key, value)
        mutable += suffix
        length = len(mutable)
    client.keyspace.notify(db.index, "$", "append", key)
    client.keyspace.dirty += 1
    return length


@command("strlen", arity=2, flags="readonly fast", keys=(1, 1, 1), group="string",
         summary="Get the length of the value stored in a key", since="2.2.0",
         complexity="O(1)")
def strlen_command(client: Client, argv: list[bytes]) -> Reply:
    """STRLEN key."""
    value = read_string(client.db, argv[1])
    return 0 if value is None else len(value)


@command("setrange", arity=4, flags="write denyoom", keys=(1, 1, 1), group="string",
         summary="Overwrite part of a string at key starting at the specified offset",
         since="2.2.0",
         complexity="O(1), not counting the time taken to copy the new string in place. "
                    "Usually, this string is very small so the amortized complexity is O(1). "
                    "Otherwise, complexity is O(M) with M being the length of the value "
                    "argument.")
def setrange_command(client: Client, argv: list[bytes]) -> Reply:
    """SETRANGE key offset value: zero-pads as needed; the new length."""
    offset = parse_int(argv[2])
    if offset < 0:
        raise CommandError("ERR offset is out of range")
    db = client.db
    key = argv[1]
    patch = argv[3]
    value = write_string(db, key)
    if value is None:
        if not patch:
            return 0
        check_string_length(client, offset, len(patch))
        mutable = bytearray(offset)
        mutable += patch
        db.set(key, mutable)
    else:
        if not patch:
            return len(value)
        check_string_length(client, offset, len(patch))
        mutable = unshare_string(db, key, value)
        if offset > len(mutable):
            mutable.extend(bytes(offset - len(mutable)))
        mutable[offset : offset + len(patch)] = patch
    client.keyspace.notify(db.index, "$", "setrange", key)
    client.keyspace.dirty += 1
    return len(mutable)


def getrange_generic(client: Client, argv: list[bytes]) -> Reply:
    """GETRANGE / SUBSTR: inclusive ``start``..``end``, negative from the end, clamped."""
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    value = read_string(client.db, argv[1])
    if value is None:
        return b""
    size = len(value)
    if start < 0 and end < 0 and start > end:
        return b""
    if start < 0:
        start = max(size + start, 0)
    if end < 0:
        end = max(size + end, 0)
    if end >= size:
        end = size - 1
    if start > end or size == 0:
        return b""
    return bytes(value[start : end + 1])


_SUBSTRING_COMPLEXITY = ("O(N) where N is the length of the returned string. The complexity is "
                         "ultimately determined by the returned length, but because creating a "
                         "substring from an existing string is very cheap, it can be considered "
                         "O(1) for small strings.")


@command("substr", arity=4, flags="readonly", keys=(1, 1, 1), group="string",
         summary="Get a substring of the string stored at a key", since="1.0.0",
         complexity=_SUBSTRING_COMPLEXITY)
@command("getrange", arity=4, flags="readonly", keys=(1, 1, 1), group="string",
         summary="Get a substring of the string stored at a key", since="2.4.0",
         complexity=_SUBSTRING_COMPLEXITY)
def getrange_command(client: Client, argv: list[bytes]) -> Reply:
    """GETRANGE key start end; SUBSTR is its deprecated alias."""
    return getrange_generic(client, argv)


# -- LCS ------------------------------------------------------------------------------------------------


def lcs_rows(a: bytes, b: bytes) -> list[int]:
    """Bit-parallel LCS rows (Allison-Dix / Hyyrö): row ``i`` describes LCS(a[:i], b[:j]).

    Bit ``j`` of row ``i`` is 0 exactly when LCS(a[:i], b[:j+1]) exceeds LCS(a[:i], b[:j]),
    so LCS(a[:i], b[:j]) is ``j`` minus the set bits below ``j``. Big-int arithmetic makes
    each row O(len(b)/64) machine work instead of a Python loop per cell.
    """
    width = len(b)
    full = (1 << width) - 1
    matches: dict[int, int] = {}
    for position, char in enumerate(b):
        matches[char] = matches.get(char, 0) | (1 << position)
    row = full
    rows = [row]
    append = rows.append
    for char in a:
        match = row & matches.get(char, 0)
        row = ((row + match) | (row - match)) & full
        append(row)
    return rows


def _lcs_at(rows: list[int], i: int, j: int) -> int:
    """LCS(a[:i], b[:j]) from the bit rows."""
    return j - (rows[i] & ((1 << j) - 1)).bit_count()


@command("lcs", arity=-3, flags="readonly", keys=(1, 2, 1), group="string",
         summary="Find longest common substring", since="7.0.0",
         complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively")
def lcs_command(client: Client, argv: list[bytes]) -> Reply:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]."""
    db = client.db
    first = db.lookup_read(argv[1])
    second = db.lookup_read(argv[2])
    if (first is not None and not is_string(first)) or (second is not None and not is_string(second)):
        raise CommandError("ERR The specified keys must contain string values")
    a = b"" if first is None else bytes(first)  # type: ignore[arg-type]
    b = b"" if second is None else bytes(second)  # type: ignore[arg-type]
    get_len = get_idx = with_match_len = False
    min_match_len = 0
    index = 3
    argc = len(argv)
    while index < argc:
        option = argv[index].lower()
        if option == b"idx":
            get_idx = True
        elif option == b"len":
            get_len = True
        elif option == b"withmatchlen":
            with_match_len = True
        elif option == b"minmatchlen" and index < argc - 1:
            min_match_len = max(parse_int(argv[index + 1]), 0)
            index += 1
        else:
            raise CommandError(SYNTAX)
        index += 1
    if get_len and get_idx:
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    alen, blen = len(a), len(b)
    if (alen + 1) * (blen + 1) * 4 > client.server.config["proto-max-bulk-len"]:
        raise CommandError("ERR Insufficient memory, transient memory for LCS exceeds "
                           "proto-max-bulk-len")
    rows = lcs_rows(a, b)
    total = _lcs_at(rows, alen, blen)
    if get_len and not get_idx:
        return total
    # Walk back from the end as Redis does, collecting the string and the matching ranges.
    result = bytearray(total)
    ranges: list[Reply] = []
    unset = alen  # arange_start == alen means "no range open"
    a_start, a_end, b_start, b_end = unset, 0, 0, 0
    i, j, k = alen, blen, total
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[k - 1] = a[i - 1]
            if a_start == unset:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            k -= 1
            i -= 1
            j -= 1
        else:
            if _lcs_at(rows, i - 1, j) > _lcs_at(rows, i, j - 1):
                i -= 1
            else:
                j -= 1
            if a_start != unset:
                emit = True
        if emit:
            match_len = a_end - a_start + 1
            if get_idx and (min_match_len == 0 or match_len >= min_match_len):
                entry: list[Reply] = [[a_start, a_end], [b_start, b_end]]
                if with_match_len:
                    entry.append(match_len)
                ranges.append(entry)
            a_start = unset
    if get_idx:
        return Map([(b"matches", ranges), (b"len", total)])
    return bytes(result)


__all__ = [
    "MIN_PROTO_MAX_BULK_LEN",
    "check_string_length",
    "is_string",
    "read_string",
    "string_encoding",
    "unshare_string",
    "write_string",
]
