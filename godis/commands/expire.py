"""EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, PERSIST, TTL, PTTL, EXPIRETIME, PEXPIRETIME.

Redis's ``expire.c`` (the commands; active expiry is ``godis.keyspace.expiry``). Relative
expiries are logged as absolute ``PEXPIREAT`` and an expiry in the past as ``DEL``, as Redis
rewrites them for the AOF.
"""

from __future__ import annotations

from itertools import islice

from godis.client import Client
from godis.commands.keys import modified, unlink
from godis.errors import CommandError
from godis.protocol.writer import Reply
from godis.table import command, self_signalled
from godis.util import LONG_MAX, parse_int

# C's LONG_MAX / 1000 and LLONG_MIN / 1000 (division truncates toward zero).
_SECONDS_MAX = 9223372036854775
_SECONDS_MIN = -9223372036854775


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
    if when > LONG_MAX - basetime:
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
        unlink(db, key)
        keyspace.dirty += 1
        client.propagate_as([b"DEL", key])
        modified(db, key)
        keyspace.notify(db.index, "g", "del", key)
        return 1
    db.set_expire(key, when)
    if relative or seconds:
        client.propagate_as([b"PEXPIREAT", key, b"%d" % when, *argv[3:]])
    modified(db, key)
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
    modified(db, key)
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
