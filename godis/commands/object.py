"""OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP (Redis's ``object.c``).

Encodings are reported as Redis 7.0.15 reports them for the same history of commands.
"""

from __future__ import annotations

from functools import partial

from godis.client import Client
from godis.commands.strings import string_encoding
from godis.errors import CommandError
from godis.keyspace.keyspace import LFU_INIT_VAL, Database
from godis.keyspace.values import (
    Value,
)
from godis.protocol.writer import Reply, Status
from godis.table import command, container

OBJ_SHARED_INTEGERS = 10000
OBJ_SHARED_REFCOUNT = 2147483647

LFU_SELECTED = (
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust."
)
NO_LFU = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust."
)



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
    """OBJECT IDLETIME key: not tracked under an LFU policy."""
    if _object_lookup(client, argv[2]) is None:
        return None
    if client.keyspace.lfu_enabled:
        raise CommandError(LFU_SELECTED)
    return idle_seconds(client.db, argv[2])


@_object_key_command("object|freq", since="4.0.0",
                     summary="Get the logarithmic access frequency counter of a Redis object")
def object_freq_command(client: Client, argv: list[bytes]) -> Reply:
    """OBJECT FREQ key: the decayed LFU counter (``LFUDecrAndReturn``), LFU policies only."""
    if _object_lookup(client, argv[2]) is None:
        return None
    keyspace = client.keyspace
    if not keyspace.lfu_enabled:
        raise CommandError(NO_LFU)
    word = client.db.lfu.get(argv[2])
    return LFU_INIT_VAL if word is None else keyspace.lfu_counter(word)
