"""Generic keyspace commands: DEL, EXISTS, EXPIRE..., KEYS, SCAN, RENAME, MOVE, COPY, OBJECT, SORT.

Redis's ``db.c``, ``expire.c``, ``object.c`` and ``sort.c``. Reads go through
``Database.lookup_read`` (lazy expiry plus hit/miss statistics, as ``lookupKeyRead``), writes
through ``Database.get`` (``lookupKeyWrite``). Once a key is known to be live, the handlers
remove it with :func:`_unlink` (Redis's ``dbDelete``) so that time moving on mid-command cannot
turn a rename into an expiry, and signal WATCHers with :func:`_modified` exactly where Redis
calls ``signalModifiedKey``. Each handler raises the ``dirty`` counter by what it changed and,
where Redis rewrites the command for the AOF (EXPIRE -> PEXPIREAT, an expiry in the past ->
DEL), says so with ``client.propagate_as``.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from functools import partial
from itertools import islice
from typing import Any, TypeVar

from godis.client import Client
from godis.commands.scanning import parse_cursor, parse_scan_options, scan_step
from godis.errors import NO_SUCH_KEY, NOT_INTEGER, SYNTAX, CommandError, WrongTypeError
from godis.glob import compile_glob
from godis.keyspace.keyspace import Database
from godis.keyspace.values import (
    TYPE_NAMES,
    HashValue,
    ListValue,
    SetValue,
    Value,
    ZSetValue,
)
from godis.protocol.writer import OK, Reply, Status
from godis.table import command, container, self_signalled
from godis.util import parse_int

LLONG_MAX = 2**63 - 1
# C's LLONG_MAX / 1000 and LLONG_MIN / 1000 (division truncates toward zero).
_SECONDS_MAX = 9223372036854775
_SECONDS_MIN = -9223372036854775
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
OBJ_SHARED_INTEGERS = 10000
OBJ_SHARED_REFCOUNT = 2147483647

SAME_OBJECT = "ERR source and destination objects are the same"
DB_OUT_OF_RANGE = "ERR DB index is out of range"
NO_LFU = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust."
)
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

_TYPE_STATUS: dict[type, Status] = {kind: Status(name.decode()) for kind, name in TYPE_NAMES.items()}
_NONE_STATUS = Status("none")


# -- shared helpers ------------------------------------------------------------------------------


def _unlink(db: Database, key: bytes) -> None:
    """Redis's ``dbDelete`` for a key known to be present: no expiry check on the way out."""
    del db.data[key]
    db.access.pop(key, None)
    if db.expires:
        db.expires.pop(key, None)


def _parse_db_index(client: Client, arg: bytes) -> Database:
    """A database index as MOVE and COPY read it (``getIntFromObjectOrReply`` + ``selectDb``)."""
    index = parse_int(arg)
    if not _INT_MIN <= index <= _INT_MAX:
        raise CommandError(
            "ERR value is out of range, value must between -2147483648 and 2147483647"
        )
    databases = client.keyspace.databases
    if not 0 <= index < len(databases):
        raise CommandError(DB_OUT_OF_RANGE)
    return databases[index]


def _modified(db: Database, key: bytes) -> None:
    """``signalModifiedKey``: fail the WATCHes on ``key``, exactly where Redis does.

    Dispatch also touches a write command's key positions, but only in the client's database
    and for every position, so the handlers say precisely what they changed.
    """
    if db.watched:
        db.touch(key)


def _key_added(db: Database, key: bytes) -> None:
    """``dbAdd`` + ``signalModifiedKey`` in a database other than the client's."""
    _modified(db, key)
    db.keyspace.signal_key_as_ready(db.index, key)


def duplicate_value(value: Value) -> Value:
    """A deep copy for COPY, keeping the encoding (Redis's ``*TypeDup`` functions do).

    Every ``__slots__`` attribute is copied (shallowly, so a zset's score dict and ordered
    list are new containers), which keeps this right when a value class grows a slot.
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytearray(value)
    kind = type(value)
    duplicate: Any = kind()
    if kind is HashValue:
        duplicate.update(value)
    elif kind is ListValue:
        duplicate.extend(value)
    elif kind is SetValue:
        duplicate.update(value)
    for slot in getattr(kind, "__slots__", ()):
        if hasattr(value, slot):
            setattr(duplicate, slot, copy.copy(getattr(value, slot)))
    return duplicate  # type: ignore[no-any-return]


def _type_status(value: Value | None) -> Status:
    return _NONE_STATUS if value is None else _TYPE_STATUS[type(value)]


# -- DEL, UNLINK, EXISTS, TOUCH, TYPE ------------------------------------------------------------


def del_generic(client: Client, argv: list[bytes]) -> int:
    """DEL and UNLINK: delete each live key, notify ``del``; how many were deleted."""
    db = client.db
    keyspace = client.keyspace
    notify = keyspace.notify
    index = db.index
    deleted = 0
    for key in islice(argv, 1, None):
        if db.delete(key):
            _modified(db, key)
            notify(index, "g", "del", key)
            deleted += 1
    keyspace.dirty += deleted
    return deleted


@command("del", arity=-2, flags="write", keys=(1, -1, 1), group="generic", since="1.0.0",
         summary="Delete a key",
         complexity="O(N) where N is the number of keys that will be removed. When a key to "
         "remove holds a value other than a string, the individual complexity for this key is "
         "O(M) where M is the number of elements in the list, set, sorted set or hash. "
         "Removing a single key that holds a string value is O(1).", written_keys=self_signalled)
def del_command(client: Client, argv: list[bytes]) -> Reply:
    """DEL key [key ...]."""
    return del_generic(client, argv)


@command("unlink", arity=-2, flags="write fast", keys=(1, -1, 1), group="generic",
         since="4.0.0",
         summary="Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
         "but non blocking.",
         complexity="O(1) for each key removed regardless of its size. Then the command does "
         "O(N) work in a different thread in order to reclaim memory, where N is the number of "
         "allocations the deleted objects where composed of.", written_keys=self_signalled)
def unlink_command(client: Client, argv: list[bytes]) -> Reply:
    """UNLINK key [key ...]: DEL (godis frees memory through reference counting anyway)."""
    return del_generic(client, argv)


@command("exists", arity=-2, flags="readonly fast", keys=(1, -1, 1), group="generic",
         since="1.0.0", summary="Determine if a key exists",
         complexity="O(N) where N is the number of keys to check.")
def exists_command(client: Client, argv: list[bytes]) -> Reply:
    """EXISTS key [key ...]: repeated keys count each time."""
    lookup = client.db.lookup_read
    return sum(1 for key in islice(argv, 1, None) if lookup(key) is not None)


@command("touch", arity=-2, flags="readonly fast", keys=(1, -1, 1), group="generic",
         since="3.2.1",
         summary="Alters the last access time of a key(s). Returns the number of existing keys "
         "specified.", complexity="O(N) where N is the number of keys that will be touched.")
def touch_command(client: Client, argv: list[bytes]) -> Reply:
    """TOUCH key [key ...]."""
    lookup = client.db.lookup_read
    return sum(1 for key in islice(argv, 1, None) if lookup(key) is not None)


@command("type", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic",
         since="1.0.0", summary="Determine the type stored at key", complexity="O(1)")
def type_command(client: Client, argv: list[bytes]) -> Reply:
    """TYPE key: a status reply, ``none`` for a missing key."""
    return _type_status(client.db.lookup_read(argv[1]))


# -- EXPIRE family, PERSIST, TTL family ----------------------------------------------------------

_EXPIRE_NX, _EXPIRE_XX, _EXPIRE_GT, _EXPIRE_LT = 1, 2, 4, 8
_EXPIRE_FLAGS = {b"nx": _EXPIRE_NX, b"xx": _EXPIRE_XX, b"gt": _EXPIRE_GT, b"lt": _EXPIRE_LT}


def _parse_expire_flags(argv: list[bytes]) -> int:
    """``parseExtendedExpireArgumentsOrReply``: NX XX GT LT after the time."""
    flags = 0
    for arg in islice(argv, 3, None):
        flag = _EXPIRE_FLAGS.get(arg.lower())
        if flag is None:
            raise CommandError(f"ERR Unsupported option {arg.decode('utf-8', 'replace')}")
        flags |= flag
    if flags & _EXPIRE_NX and flags & (_EXPIRE_XX | _EXPIRE_GT | _EXPIRE_LT):
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if flags & _EXPIRE_GT and flags & _EXPIRE_LT:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    return flags


def expire_generic(client: Client, argv: list[bytes], *, relative: bool, seconds: bool) -> int:
    """EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (``expireGenericCommand``).

    Propagated as ``PEXPIREAT key <absolute ms> [flags]``; a time already past deletes the key
    and propagates ``DEL``.
    """
    key = argv[1]
    flags = _parse_expire_flags(argv) if len(argv) > 3 else 0
    when = parse_int(argv[2])
    name = argv[0].decode("utf-8", "replace").lower()
    if seconds:
        if when > _SECONDS_MAX or when < _SECONDS_MIN:
            raise CommandError(f"ERR invalid expire time in '{name}' command")
        when *= 1000
    keyspace = client.keyspace
    now = keyspace.now_ms()
    basetime = now if relative else 0
    if when > LLONG_MAX - basetime:
        raise CommandError(f"ERR invalid expire time in '{name}' command")
    when += basetime
    db = client.db
    if db.get(key) is None:
        return 0
    if flags:
        current = db.expires.get(key)
        if flags & _EXPIRE_NX and current is not None:
            return 0
        if flags & _EXPIRE_XX and current is None:
            return 0
        if flags & _EXPIRE_GT and (current is None or when <= current):
            return 0
        if flags & _EXPIRE_LT and current is not None and when >= current:
            return 0
    if when <= now and not keyspace.loading:
        _unlink(db, key)
        keyspace.dirty += 1
        client.propagate_as([b"DEL", key])
        _modified(db, key)
        keyspace.notify(db.index, "g", "del", key)
        return 1
    db.set_expire(key, when)
    if relative or seconds:
        client.propagate_as([b"PEXPIREAT", key, b"%d" % when, *argv[3:]])
    _modified(db, key)
    keyspace.notify(db.index, "g", "expire", key)
    keyspace.dirty += 1
    return 1


@command("expire", arity=-3, flags="write fast", keys=(1, 1, 1), group="generic",
         since="1.0.0", summary="Set a key's time to live in seconds", complexity="O(1)", written_keys=self_signalled)
def expire_command(client: Client, argv: list[bytes]) -> Reply:
    """EXPIRE key seconds [NX | XX | GT | LT]."""
    return expire_generic(client, argv, relative=True, seconds=True)


@command("pexpire", arity=-3, flags="write fast", keys=(1, 1, 1), group="generic",
         since="2.6.0", summary="Set a key's time to live in milliseconds", complexity="O(1)", written_keys=self_signalled)
def pexpire_command(client: Client, argv: list[bytes]) -> Reply:
    """PEXPIRE key milliseconds [NX | XX | GT | LT]."""
    return expire_generic(client, argv, relative=True, seconds=False)


@command("expireat", arity=-3, flags="write fast", keys=(1, 1, 1), group="generic",
         since="1.2.0", summary="Set the expiration for a key as a UNIX timestamp",
         complexity="O(1)", written_keys=self_signalled)
def expireat_command(client: Client, argv: list[bytes]) -> Reply:
    """EXPIREAT key unix-time-seconds [NX | XX | GT | LT]."""
    return expire_generic(client, argv, relative=False, seconds=True)


@command("pexpireat", arity=-3, flags="write fast", keys=(1, 1, 1), group="generic",
         since="2.6.0",
         summary="Set the expiration for a key as a UNIX timestamp specified in milliseconds",
         complexity="O(1)", written_keys=self_signalled)
def pexpireat_command(client: Client, argv: list[bytes]) -> Reply:
    """PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]."""
    return expire_generic(client, argv, relative=False, seconds=False)


@command("persist", arity=2, flags="write fast", keys=(1, 1, 1), group="generic",
         since="2.2.0", summary="Remove the expiration from a key", complexity="O(1)", written_keys=self_signalled)
def persist_command(client: Client, argv: list[bytes]) -> Reply:
    """PERSIST key: 1 if a TTL was removed."""
    db = client.db
    key = argv[1]
    if db.get(key) is None or not db.persist(key):
        return 0
    keyspace = client.keyspace
    _modified(db, key)
    keyspace.notify(db.index, "g", "persist", key)
    keyspace.dirty += 1
    return 1


def ttl_generic(client: Client, key: bytes, *, milliseconds: bool, absolute: bool) -> int:
    """TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing, -1 no TTL; seconds round to nearest."""
    db = client.db
    if db.lookup_read(key) is None:
        return -2
    when = db.expires.get(key)
    if when is None:
        return -1
    ttl = when if absolute else when - client.keyspace.now_ms()
    if ttl < 0:
        ttl = 0
    return ttl if milliseconds else (ttl + 500) // 1000


@command("ttl", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic",
         since="1.0.0", summary="Get the time to live for a key in seconds", complexity="O(1)")
def ttl_command(client: Client, argv: list[bytes]) -> Reply:
    """TTL key."""
    return ttl_generic(client, argv[1], milliseconds=False, absolute=False)


@command("pttl", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic",
         since="2.6.0", summary="Get the time to live for a key in milliseconds",
         complexity="O(1)")
def pttl_command(client: Client, argv: list[bytes]) -> Reply:
    """PTTL key."""
    return ttl_generic(client, argv[1], milliseconds=True, absolute=False)


@command("expiretime", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic",
         since="7.0.0", summary="Get the expiration Unix timestamp for a key",
         complexity="O(1)")
def expiretime_command(client: Client, argv: list[bytes]) -> Reply:
    """EXPIRETIME key."""
    return ttl_generic(client, argv[1], milliseconds=False, absolute=True)


@command("pexpiretime", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic",
         since="7.0.0", summary="Get the expiration Unix timestamp for a key in milliseconds",
         complexity="O(1)")
def pexpiretime_command(client: Client, argv: list[bytes]) -> Reply:
    """PEXPIRETIME key."""
    return ttl_generic(client, argv[1], milliseconds=True, absolute=True)


# -- KEYS, RANDOMKEY, SCAN -----------------------------------------------------------------------


@command("keys", arity=2, flags="readonly", group="generic", since="1.0.0", acl="dangerous",
         summary="Find all keys matching the given pattern",
         complexity="O(N) with N being the number of keys in the database, under the "
         "assumption that the key names in the database and the given pattern have limited "
         "length.")
def keys_command(client: Client, argv: list[bytes]) -> Reply:
    """KEYS pattern: logically expired keys are skipped, not deleted (``keyIsExpired``)."""
    db = client.db
    pattern = argv[1]
    if pattern == b"*":
        found = list(db.data)
    else:
        match = compile_glob(pattern).match
        found = [key for key in db.data if match(key) is not None]
    expires = db.expires
    if expires and found and not client.keyspace.loading:
        now = client.keyspace.now_ms()
        get = expires.get
        found = [key for key in found if get(key, LLONG_MAX) > now]
    return found


_RANDOM_TRIES = 100


def _key_at(data: dict[bytes, Value], position: int) -> bytes:
    """The key at ``position`` in iteration order: O(position) in C, no allocation.

    Walks from whichever end is nearer, so a draw costs N/4 steps on average.
    """
    size = len(data)
    if position < size // 2:
        return next(islice(data, position, None))
    return next(islice(reversed(data), size - 1 - position, None))


def random_key(db: Database) -> bytes | None:
    """``dbRandomKey``: a uniformly drawn live key, expiring the stale ones it draws.

    Python dicts have no O(1) random access; :func:`_key_at` skips to a random offset in C,
    which is fast and allocates nothing (a 1M-key database costs about 2 ms). Each expired key
    drawn is deleted, so the loop ends; after ``_RANDOM_TRIES`` stale draws in a row (a
    database of mostly expired keys) one linear pass finds a live key and reaps the dead ones.
    """
    data = db.data
    expires = db.expires
    for _ in range(_RANDOM_TRIES):
        size = len(data)
        if size == 0:
            return None
        key = _key_at(data, random.randrange(size))
        if key not in expires or not db.expire_if_needed(key):
            return key
    now = db.keyspace.now_ms()
    stale: list[bytes] = []
    found: bytes | None = None
    for key in data:
        if expires.get(key, LLONG_MAX) > now:
            found = key
            break
        stale.append(key)
    for key in stale:
        db.delete_expired(key)
    return found


@command("randomkey", arity=1, flags="readonly", group="generic", since="1.0.0",
         summary="Return a random key from the keyspace", complexity="O(1)")
def randomkey_command(client: Client, argv: list[bytes]) -> Reply:
    """RANDOMKEY: a null reply when the database is empty."""
    return random_key(client.db)


@command("scan", arity=-2, flags="readonly", group="generic", since="2.8.0",
         summary="Incrementally iterate the keys space",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
         "command calls for the cursor to return back to 0. N is the number of elements inside "
         "the collection.")
def scan_command(client: Client, argv: list[bytes]) -> Reply:
    """SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].

    Filters as ``scanGenericCommand`` does, in its order: pattern, then type (a lookup, so a
    key that expires there reads as ``none``), then lazy expiry of what is left.
    """
    cursor = parse_cursor(argv[1])
    options = parse_scan_options(argv, 2, allow_type=True)
    db = client.db
    next_cursor, candidates = scan_step(db, lambda: db.data.keys(), cursor, options.count)
    match = compile_glob(options.match).match if options.match is not None else None
    wanted = options.type
    data = db.data
    expires = db.expires
    keys: list[bytes] = []
    for key in candidates:
        if key not in data:
            continue
        if match is not None and match(key) is None:
            continue
        if wanted is not None:
            value = db.lookup_read(key)
            name = b"none" if value is None else TYPE_NAMES[type(value)]
            if name != wanted:
                continue
        if expires and key in expires and db.expire_if_needed(key):
            continue
        keys.append(key)
    return [b"%d" % next_cursor, keys]


# -- RENAME, RENAMENX, MOVE, COPY ----------------------------------------------------------------


def rename_generic(client: Client, argv: list[bytes], *, nx: bool) -> Reply:
    """RENAME and RENAMENX (``renameGenericCommand``): the TTL travels with the value."""
    source, target = argv[1], argv[2]
    db = client.db
    value = db.get(source)
    if value is None:
        raise CommandError(NO_SUCH_KEY)
    if source == target:
        return 0 if nx else OK
    when = db.expires.get(source)
    if db.get(target) is not None:
        if nx:
            return 0
        _unlink(db, target)
    db.data[target] = value
    db.keyspace.notify(db.index, "n", "new", target)  # dbAdd
    if when is not None:
        db.expires[target] = when
    _unlink(db, source)
    _modified(db, source)
    _modified(db, target)
    keyspace = client.keyspace
    keyspace.notify(db.index, "g", "rename_from", source)
    keyspace.notify(db.index, "g", "rename_to", target)
    keyspace.dirty += 1
    return 1 if nx else OK


@command("rename", arity=3, flags="write", keys=(1, 2, 1), group="generic", since="1.0.0",
         summary="Rename a key", complexity="O(1)", written_keys=self_signalled)
def rename_command(client: Client, argv: list[bytes]) -> Reply:
    """RENAME key newkey."""
    return rename_generic(client, argv, nx=False)


@command("renamenx", arity=3, flags="write fast", keys=(1, 2, 1), group="generic",
         since="1.0.0", summary="Rename a key, only if the new key does not exist",
         complexity="O(1)", written_keys=self_signalled)
def renamenx_command(client: Client, argv: list[bytes]) -> Reply:
    """RENAMENX key newkey."""
    return rename_generic(client, argv, nx=True)


@command("move", arity=3, flags="write fast", keys=(1, 1, 1), group="generic", since="1.0.0",
         summary="Move a key to another database", complexity="O(1)", written_keys=self_signalled)
def move_command(client: Client, argv: list[bytes]) -> Reply:
    """MOVE key db: 0 when the key is missing or already exists in the target."""
    source = client.db
    target = _parse_db_index(client, argv[2])
    if target is source:
        raise CommandError(SAME_OBJECT)
    key = argv[1]
    value = source.get(key)
    if value is None:
        return 0
    when = source.expires.get(key)
    if target.get(key) is not None:
        return 0
    target.data[key] = value
    target.keyspace.notify(target.index, "n", "new", key)  # dbAdd
    if when is not None:
        target.expires[key] = when
    _unlink(source, key)
    _modified(source, key)
    _key_added(target, key)
    keyspace = client.keyspace
    keyspace.notify(source.index, "g", "move_from", key)
    keyspace.notify(target.index, "g", "move_to", key)
    keyspace.dirty += 1
    return 1


@command("copy", arity=-3, flags="write denyoom", keys=(1, 2, 1), group="generic",
         since="6.2.0", summary="Copy a key",
         complexity="O(N) worst case for collections, where N is the number of nested items. "
         "O(1) for string values.", written_keys=self_signalled)
def copy_command(client: Client, argv: list[bytes]) -> Reply:
    """COPY source destination [DB destination-db] [REPLACE]."""
    source = target = client.db
    replace = False
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        if option == b"replace":
            replace = True
        elif option == b"db" and index + 1 < len(argv):
            target = _parse_db_index(client, argv[index + 1])
            index += 1
        else:
            raise CommandError(SYNTAX)
        index += 1
    key, new_key = argv[1], argv[2]
    if source is target and key == new_key:
        raise CommandError(SAME_OBJECT)
    value = source.lookup_read(key)
    if value is None:
        return 0
    when = source.expires.get(key)
    if target.get(new_key) is not None:
        if not replace:
            return 0
        _unlink(target, new_key)
    target.data[new_key] = duplicate_value(value)
    target.keyspace.notify(target.index, "n", "new", new_key)  # dbAdd
    if when is not None:
        target.expires[new_key] = when
    if target is source:
        _modified(target, new_key)
    else:
        _key_added(target, new_key)
    keyspace = client.keyspace
    keyspace.notify(target.index, "g", "copy_to", new_key)
    keyspace.dirty += 1
    return 1


# -- OBJECT --------------------------------------------------------------------------------------

container("object", group="generic", since="2.2.3",
          summary="A container for object introspection commands")

_OBJECT_HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
]
_OBJECT_HELP_REPLY = [Status(line) for line in _OBJECT_HELP]


def _object_lookup(client: Client, key: bytes) -> Value | None:
    """``objectCommandLookup``: lazy expiry and hit/miss statistics, no keymiss event."""
    db = client.db
    value = db.get(key)
    keyspace = client.keyspace
    if value is None:
        keyspace.stats_misses += 1
    else:
        keyspace.stats_hits += 1
    return value


def encoding_of(value: Value) -> bytes:
    """What OBJECT ENCODING reports for a value."""
    if type(value) is bytes or type(value) is bytearray:
        from godis.commands.strings import string_encoding

        return string_encoding(value).encode()
    return str(value.encoding).encode()  # type: ignore[union-attr]


def refcount_of(value: Value) -> int:
    """OBJECT REFCOUNT: Redis shares the integers 0..9999 (``OBJ_SHARED_INTEGERS``)."""
    if type(value) is bytes and encoding_of(value) == b"int":
        number = int(value)
        if 0 <= number < OBJ_SHARED_INTEGERS:
            return OBJ_SHARED_REFCOUNT
    return 1


def idle_seconds(db: Database, key: bytes) -> int:
    """OBJECT IDLETIME: seconds since the key was last accessed (Redis's LRU clock).

    ``Database.access`` holds the keyspace's LRU clock (refreshed once per batch) at each
    access; a key never looked up since a rename or copy reads as just used.
    """
    last = db.access.get(key)
    if last is None:
        return 0
    return max(0, db.keyspace.lru_clock_ms - last) // 1000


_object_key_command = partial(command, arity=3, flags="readonly", keys=(2, 2, 1), group="generic",
                              since="2.2.3", complexity="O(1)")
"""The OBJECT subcommands that take a key: only the name and summary (FREQ: since) differ."""


@command("object|help", arity=2, flags="loading stale", group="generic", since="6.2.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def object_help_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT HELP."""
    return _OBJECT_HELP_REPLY


@_object_key_command("object|encoding", summary="Inspect the internal encoding of a Redis object")
def object_encoding_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT ENCODING key: null for a missing key."""
    value = _object_lookup(client, argv[2])
    return None if value is None else encoding_of(value)


@_object_key_command("object|refcount",
                     summary="Get the number of references to the value of the key")
def object_refcount_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT REFCOUNT key."""
    value = _object_lookup(client, argv[2])
    return None if value is None else refcount_of(value)


@_object_key_command("object|idletime",
                     summary="Get the time since a Redis object was last accessed")
def object_idletime_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT IDLETIME key (godis has no LFU policy, so idle time is always available)."""
    if _object_lookup(client, argv[2]) is None:
        return None
    return idle_seconds(client.db, argv[2])


@_object_key_command("object|freq", since="4.0.0",
                     summary="Get the logarithmic access frequency counter of a Redis object")
def object_freq_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT FREQ key: only LFU policies track frequency, and godis only has noeviction."""
    if _object_lookup(client, argv[2]) is None:
        return None
    raise CommandError(NO_LFU)


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
                sort(base, r)
            r = pd - pc
            if r > 1:
                base, count = pn - r, r
                if not outside(base, count):
                    continue
            return

    sort(0, len(items))


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
        source = reversed(value) if desc else iter(value)
        elements = list(islice(source, start, end + 1)) if end >= start else []
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
        _modified(db, store_key)
        keyspace.notify(db.index, "l", "sortstore", store_key)
        keyspace.dirty += len(stored)
    elif store_key in db.data:
        _unlink(db, store_key)
        _modified(db, store_key)
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
