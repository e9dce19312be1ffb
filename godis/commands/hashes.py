"""Hash commands: HSET, HGET, HINCRBYFLOAT, HRANDFIELD, HSCAN ... (Redis 7.0's t_hash.c).

A hash is a :class:`HashValue` (packed pairs as a listpack, then a ``dict``). Its ``encoding``
is ``listpack`` until it holds more than ``hash-max-listpack-entries`` fields or is given a
field or value longer than ``hash-max-listpack-value`` bytes, then ``hashtable`` for good. A
listpack keeps insertion order (an update stays in place, a delete closes the gap), exactly as
a dict does, so HGETALL, HKEYS, HVALS and HSCAN of a small hash reply in Redis's order.

HINCRBYFLOAT computes in x87 80-bit ``long double`` as Redis does on x86-64 and formats with
``%.17Lf`` minus trailing zeros, with :class:`godis.util.LongDouble` (shared with INCRBYFLOAT).
"""

from __future__ import annotations

from collections.abc import Iterable

from godis.client import Client
from godis.commands.scanning import parse_cursor, scan_container
from godis.commands.sets import (
    EMPTY_SCAN,
    LONG_MAX,
    forget_random_access,
    parse_random_count,
    random_members,
    random_with_count,
)
from godis.errors import NOT_FLOAT, OVERFLOW, SYNTAX, CommandError
from godis.keyspace.values import HashValue
from godis.protocol.reader import strict_int
from godis.protocol.writer import OK, Map, Reply
from godis.table import command
from godis.util import LongDouble, parse_int, parse_long_double

INT64_MIN = -(2**63)


# -- encoding --------------------------------------------------------------------------------


def convert_if_long(client: Client, value: HashValue, strings: Iterable[bytes]) -> None:
    """Redis's ``hashTypeTryConversion``: a string too long for a listpack converts it."""
    if (value.encoding == "listpack"
            and max(map(len, strings)) > client.server.config["hash-max-listpack-value"]):
        value.encoding = "hashtable"


def convert_if_big(client: Client, value: HashValue) -> None:
    """Too many fields for a listpack: convert (never back)."""
    if (value.encoding == "listpack"
            and len(value) > client.server.config["hash-max-listpack-entries"]):
        value.encoding = "hashtable"


def hash_set(client: Client, value: HashValue, field: bytes, new: bytes) -> None:
    """Redis's ``hashTypeSet`` for HINCRBY*: its own length check, then the size check."""
    convert_if_long(client, value, (field, new))
    if value.put(field, new):
        forget_random_access(value)
    convert_if_big(client, value)


# -- HSET HMSET HSETNX HDEL -----------------------------------------------------------------


def hset_generic(client: Client, argv: list[bytes]) -> int:
    """HSET and HMSET: store the field/value pairs; how many fields were new."""
    if len(argv) % 2:
        raise CommandError(f"ERR wrong number of arguments for '{argv[0].lower().decode()}' "
                           "command")
    db = client.db
    value = db.get_or_create(argv[1], HashValue)
    if value.encoding == "listpack":
        convert_if_long(client, value, argv[2:])
    if len(argv) == 4:  # the common single pair, without slicing
        created = 1 if value.put(argv[2], argv[3]) else 0
    else:
        before = len(value)
        value.update(zip(argv[2::2], argv[3::2], strict=True))
        created = len(value) - before
    if created:
        forget_random_access(value)
        convert_if_big(client, value)
    client.keyspace.notify(db.index, "h", "hset", argv[1])
    client.keyspace.dirty += (len(argv) - 2) // 2
    return created


@command("hset", arity=-4, flags="write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Set the string value of a hash field",
         complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                    "when the command is called with multiple field/value pairs.")
def hset_command(client: Client, argv: list[bytes]) -> Reply:
    """HSET key field value [field value ...]: how many fields were created."""
    return hset_generic(client, argv)


@command("hmset", arity=-4, flags="write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Set multiple hash fields to multiple values",
         complexity="O(N) where N is the number of fields being set.")
def hmset_command(client: Client, argv: list[bytes]) -> Reply:
    """HMSET key field value [field value ...]: OK (deprecated for HSET)."""
    hset_generic(client, argv)
    return OK


@command("hsetnx", arity=4, flags="write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Set the value of a hash field, only if the field does not exist",
         complexity="O(1)")
def hsetnx_command(client: Client, argv: list[bytes]) -> Reply:
    """HSETNX key field value: 1 if set; an existing field is left alone (no conversion)."""
    db = client.db
    value = db.get_or_create(argv[1], HashValue)
    field = argv[2]
    if field in value:
        return 0
    convert_if_long(client, value, argv[2:4])
    value[field] = argv[3]
    forget_random_access(value)
    convert_if_big(client, value)
    client.keyspace.notify(db.index, "h", "hset", argv[1])
    client.keyspace.dirty += 1
    return 1


@command("hdel", arity=-3, flags="write fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Delete one or more hash fields",
         complexity="O(N) where N is the number of fields to be removed.")
def hdel_command(client: Client, argv: list[bytes]) -> Reply:
    """HDEL key field [field ...]: how many were removed; the key goes when empty."""
    db = client.db
    value = db.get_typed_write(argv[1], HashValue)
    if value is None:
        return 0
    deleted = 0
    pop = value.pop
    for field in argv[2:]:
        if pop(field, None) is not None:
            deleted += 1
    if deleted:
        forget_random_access(value)
        keyspace = client.keyspace
        keyspace.notify(db.index, "h", "hdel", argv[1])
        if db.remove_if_empty(argv[1], value):
            keyspace.notify(db.index, "g", "del", argv[1])
        keyspace.dirty += deleted
    return deleted


# -- reads ------------------------------------------------------------------------------------


@command("hget", arity=3, flags="readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get the value of a hash field", complexity="O(1)")
def hget_command(client: Client, argv: list[bytes]) -> Reply:
    """HGET key field."""
    value = client.db.get_typed(argv[1], HashValue)
    return None if value is None else value.get(argv[2])


@command("hmget", arity=-3, flags="readonly fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Get the values of all the given hash fields",
         complexity="O(N) where N is the number of fields being requested.")
def hmget_command(client: Client, argv: list[bytes]) -> Reply:
    """HMGET key field [field ...]: a null for each missing field."""
    value = client.db.get_typed(argv[1], HashValue)
    if value is None:
        return [None] * (len(argv) - 2)
    return list(map(value.get, argv[2:]))


@command("hexists", arity=3, flags="readonly fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Determine if a hash field exists", complexity="O(1)")
def hexists_command(client: Client, argv: list[bytes]) -> Reply:
    """HEXISTS key field."""
    value = client.db.get_typed(argv[1], HashValue)
    return 1 if value is not None and argv[2] in value else 0


@command("hlen", arity=2, flags="readonly fast", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get the number of fields in a hash", complexity="O(1)")
def hlen_command(client: Client, argv: list[bytes]) -> Reply:
    """HLEN key."""
    value = client.db.get_typed(argv[1], HashValue)
    return 0 if value is None else len(value)


@command("hstrlen", arity=3, flags="readonly fast", keys=(1, 1, 1), group="hash",
         since="3.2.0", summary="Get the length of the value of a hash field",
         complexity="O(1)")
def hstrlen_command(client: Client, argv: list[bytes]) -> Reply:
    """HSTRLEN key field: 0 when the field or the key is missing."""
    value = client.db.get_typed(argv[1], HashValue)
    return 0 if value is None else len(value.get(argv[2], b""))


@command("hkeys", arity=2, flags="readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get all the fields in a hash",
         complexity="O(N) where N is the size of the hash.")
def hkeys_command(client: Client, argv: list[bytes]) -> Reply:
    """HKEYS key."""
    value = client.db.get_typed(argv[1], HashValue)
    return [] if value is None else list(value)


@command("hvals", arity=2, flags="readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get all the values in a hash",
         complexity="O(N) where N is the size of the hash.")
def hvals_command(client: Client, argv: list[bytes]) -> Reply:
    """HVALS key."""
    value = client.db.get_typed(argv[1], HashValue)
    return [] if value is None else list(value.values())


@command("hgetall", arity=2, flags="readonly", keys=(1, 1, 1), group="hash", since="2.0.0",
         summary="Get all the fields and values in a hash",
         complexity="O(N) where N is the size of the hash.")
def hgetall_command(client: Client, argv: list[bytes]) -> Reply:
    """HGETALL key: a map in RESP3, a flat array in RESP2."""
    value = client.db.get_typed(argv[1], HashValue)
    return Map(() if value is None else value.items())


# -- HINCRBY HINCRBYFLOAT ------------------------------------------------------------------


@command("hincrby", arity=4, flags="write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.0.0", summary="Increment the integer value of a hash field by the given number",
         complexity="O(1)")
def hincrby_command(client: Client, argv: list[bytes]) -> Reply:
    """HINCRBY key field increment."""
    increment = parse_int(argv[3])
    db = client.db
    value = db.get_or_create(argv[1], HashValue)
    field = argv[2]
    old = value.get(field)
    if old is None:
        current = 0
    else:
        parsed = strict_int(old)
        if parsed is None:
            raise CommandError("ERR hash value is not an integer")
        current = parsed
    result = current + increment
    if not INT64_MIN <= result <= LONG_MAX:
        raise CommandError(OVERFLOW)
    hash_set(client, value, field, str(result).encode())
    client.keyspace.notify(db.index, "h", "hincrby", argv[1])
    client.keyspace.dirty += 1
    return result


@command("hincrbyfloat", arity=4, flags="write denyoom fast", keys=(1, 1, 1), group="hash",
         since="2.6.0", summary="Increment the float value of a hash field by the given amount",
         complexity="O(1)")
def hincrbyfloat_command(client: Client, argv: list[bytes]) -> Reply:
    """HINCRBYFLOAT key field increment: in long double; propagated as HSET of the result."""
    increment = parse_long_double(argv[3])
    if increment is None:
        raise CommandError(NOT_FLOAT)
    if not increment.is_finite():
        raise CommandError("ERR value is NaN or Infinity")
    db = client.db
    key, field = argv[1], argv[2]
    value = db.get_or_create(key, HashValue)
    old = value.get(field)
    current = LongDouble()
    if old is not None:
        parsed = parse_long_double(old)
        if parsed is None:
            raise CommandError("ERR hash value is not a float")
        current = parsed
    if not current.is_finite():
        raise CommandError("ERR increment would produce NaN or Infinity")
    result = current + increment
    if not result.is_finite():
        raise CommandError("ERR increment would produce NaN or Infinity")
    text = result.format_human()
    hash_set(client, value, field, text)
    client.keyspace.notify(db.index, "h", "hincrbyfloat", key)
    client.keyspace.dirty += 1
    client.propagate_as([b"HSET", key, field, text])
    return text


# -- HRANDFIELD -------------------------------------------------------------------------------


def _with_values(client: Client, value: HashValue, fields: list[bytes]) -> Reply:
    """Fields and their values: [field, value] pairs in RESP3, flat in RESP2."""
    if client.resp == 2:
        flat: list[Reply] = []
        for field in fields:
            flat += (field, value[field])
        return flat
    return [[field, value[field]] for field in fields]


@command("hrandfield", arity=-2, flags="readonly", keys=(1, 1, 1), group="hash",
         since="6.2.0", summary="Get one or multiple random fields from a hash",
         complexity="O(N) where N is the number of fields returned")
def hrandfield_command(client: Client, argv: list[bytes]) -> Reply:
    """HRANDFIELD key [count [WITHVALUES]]: a negative count may repeat fields."""
    if len(argv) == 2:
        value = client.db.get_typed(argv[1], HashValue)
        if value is None:
            return None
        return random_members(value, 1, unique=False)[0]
    count = parse_random_count(argv[2])
    with_values = False
    if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withvalues"):
        raise CommandError(SYNTAX)
    if len(argv) == 4:
        with_values = True
        if not -(LONG_MAX // 2) <= count <= LONG_MAX // 2:
            raise CommandError("ERR value is out of range")
    value = client.db.get_typed(argv[1], HashValue)
    if value is None or count == 0:
        return []
    fields = random_with_count(value, count, list)
    return _with_values(client, value, fields) if with_values else fields


# -- HSCAN ----------------------------------------------------------------------------------


@command("hscan", arity=-3, flags="readonly", keys=(1, 1, 1), group="hash", since="2.8.0",
         summary="Incrementally iterate hash fields and associated values",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
                    "command calls for the cursor to return back to 0. N is the number of "
                    "elements inside the collection..")
def hscan_command(client: Client, argv: list[bytes]) -> Reply:
    """HSCAN key cursor [MATCH pattern] [COUNT count]: a listpack is returned whole."""
    cursor = parse_cursor(argv[2])
    value = client.db.get_typed(argv[1], HashValue)
    if value is None:
        return EMPTY_SCAN
    next_cursor, fields, options = scan_container(
        argv, cursor, value, value if value.encoding == "listpack" else None, value.keys)
    match = options.match
    found: list[Reply] = []
    get = value.get
    for field in fields:
        if match is not None and not options.matches(field):
            continue
        current = get(field)
        if current is not None:
            found += (field, current)
    return [str(next_cursor).encode(), found]

