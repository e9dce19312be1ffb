"""Generic keyspace commands: DEL, EXISTS, TYPE, KEYS, RANDOMKEY, SCAN, RENAME, MOVE, COPY.

Redis's ``db.c``. Reads go through ``Database.lookup_read`` (lazy expiry plus hit/miss
statistics, as ``lookupKeyRead``), writes through ``Database.get`` (``lookupKeyWrite``). Once a
key is known to be live, the handlers remove it with :func:`unlink` (Redis's ``dbDelete``) so
that time moving on mid-command cannot turn a rename into an expiry, and signal WATCHers with
:func:`modified` exactly where Redis calls ``signalModifiedKey``. Each handler raises the
``dirty`` counter by what it changed and, where Redis rewrites the command for the AOF, says so
with ``client.propagate_as``. EXPIRE and TTL are in ``expire.py``, OBJECT in ``object.py``, SORT
in ``sort.py``, as Redis splits them.
"""

from __future__ import annotations

import copy
import random
from itertools import islice
from typing import Any

from godis.client import Client
from godis.commands.scanning import parse_cursor, parse_scan_options, scan_step
from godis.errors import NO_SUCH_KEY, SYNTAX, CommandError
from godis.glob import compile_glob
from godis.keyspace.keyspace import Database
from godis.keyspace.values import (
    TYPE_NAMES,
    HashValue,
    ListValue,
    SetValue,
    StreamValue,
    Value,
)
from godis.protocol.writer import OK, Reply, Status
from godis.table import command, self_signalled
from godis.util import LONG_MAX, parse_int

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1

SAME_OBJECT = "ERR source and destination objects are the same"
DB_OUT_OF_RANGE = "ERR DB index is out of range"

_TYPE_STATUS: dict[type, Status] = {kind: Status(name.decode()) for kind, name in TYPE_NAMES.items()}
_NONE_STATUS = Status("none")


# -- shared helpers ------------------------------------------------------------------------------


def unlink(db: Database, key: bytes) -> None:
    """Redis's ``dbDelete`` for a key known to be present: no expiry check on the way out.
    A stream's blocked XREADGROUP clients are told (dbGenericDelete signals the key)."""
    value = db.data.pop(key)
    if type(value) is StreamValue:
        db.keyspace.signal_key_as_ready(db.index, key)
    db.access.pop(key, None)
    if db.expires:
        db.expires.pop(key, None)
    db.forget(key, value)


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


def modified(db: Database, key: bytes) -> None:
    """``signalModifiedKey``: fail the WATCHes on ``key`` and invalidate it for tracking
    clients, exactly where Redis does.

    Dispatch also touches a write command's key positions, but only in the client's database
    and for every position, so the handlers say precisely what they changed.
    """
    if db.watched or db.keyspace.tracking is not None:
        db.touch(key)


def key_added(db: Database, key: bytes) -> None:
    """``dbAdd`` + ``signalModifiedKey``: a new key also wakes clients blocked on it
    (``signalKeyAsReady``), in whichever database it lands; its bytes join the total."""
    db.account(key)
    modified(db, key)
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
    if kind is StreamValue:
        return value.copy()  # type: ignore[union-attr]
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
        stream = type(db.data.get(key)) is StreamValue
        if db.delete(key):
            modified(db, key)
            notify(index, "g", "del", key)
            deleted += 1
            if stream:  # dbGenericDelete: a blocked XREADGROUP must learn the key is gone
                keyspace.signal_key_as_ready(index, key)
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
        found = [key for key in db.data if match(key)]
    expires = db.expires
    if expires and found and not client.keyspace.loading:
        now = client.keyspace.now_ms()
        get = expires.get
        found = [key for key in found if get(key, LONG_MAX) > now]
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


_EXACT_RANDOM_KEYS = 4096
"""Up to this many keys RANDOMKEY draws a position and walks to it (:func:`_key_at`, a few µs);
above, it draws from the database's snapshot (``Database.random_keys``)."""
_RANDOM = random.Random()


def random_key(db: Database) -> bytes | None:
    """``dbRandomKey``: a randomly drawn live key, expiring the stale ones it draws.

    Python dicts have no O(1) random access. A small database is drawn from exactly:
    :func:`_key_at` skips to a random offset in C. A big one would make that O(N) per call
    (2 ms at 100k keys), so it is drawn from a snapshot list of its keys checked against the
    live dict (``evict.KeySampler``, retaken once a sixteenth of it is stale: O(1) amortised),
    about as fair as Redis's own ``dictGetFairRandomKey``. Each expired key drawn is deleted,
    so the loop ends; after ``_RANDOM_TRIES`` stale draws in a row (a database of mostly
    expired keys) one linear pass finds a live key and reaps the dead ones.
    """
    data = db.data
    expires = db.expires
    for _ in range(_RANDOM_TRIES):
        size = len(data)
        if size == 0:
            return None
        if size <= _EXACT_RANDOM_KEYS:
            key = _key_at(data, random.randrange(size))
        else:
            key = db.random_keys.sample(data, 1, _RANDOM)[0]  # type: ignore[arg-type]
        if key not in expires or not db.expire_if_needed(key):
            return key
    now = db.keyspace.now_ms()
    stale: list[bytes] = []
    found: bytes | None = None
    for key in data:
        if expires.get(key, LONG_MAX) > now:
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
    match = (compile_glob(options.match).match
             if options.match is not None and options.match != b"*" else None)
    wanted = options.type
    data = db.data
    expires = db.expires
    keys: list[bytes] = []
    for key in candidates:
        if key not in data:
            continue
        if match is not None and not match(key):
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
        unlink(db, target)
    db.add_moved(target, value, source, db.sizes.get(source))
    db.keyspace.notify(db.index, "n", "new", target)  # dbAdd
    if when is not None:
        db.expires[target] = when
    unlink(db, source)
    modified(db, source)
    key_added(db, target)  # dbAdd signals clients blocked on the new key
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
    target.add_moved(key, value, key, source.sizes.get(key))
    target.keyspace.notify(target.index, "n", "new", key)  # dbAdd
    if when is not None:
        target.expires[key] = when
    unlink(source, key)
    modified(source, key)
    key_added(target, key)
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
        unlink(target, new_key)
    target.add(new_key, duplicate_value(value))
    target.keyspace.notify(target.index, "n", "new", new_key)  # dbAdd
    if when is not None:
        target.expires[new_key] = when
    key_added(target, new_key)  # dbAdd signals clients blocked on the new key
    keyspace = client.keyspace
    keyspace.notify(target.index, "g", "copy_to", new_key)
    keyspace.dirty += 1
    return 1
