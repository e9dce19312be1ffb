"""AOF rewrite and reload: the dataset as the commands that rebuild it (Redis's aof.c
``rewriteAppendOnlyFileRio``, a base file with ``aof-use-rdb-preamble no``), and a replay into
emptied databases (DEBUG RELOAD / LOADAOF). The rewrite's files are ``multipart.py``'s.

Keys are written as SET / RPUSH / SADD / HMSET / ZADD batches of 64 items plus PEXPIREAT;
already expired keys are left out, as Redis does.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator

from godis.keyspace.keyspace import Keyspace
from godis.keyspace.stream import StreamValue, format_id
from godis.keyspace.values import HashValue, ListValue, SetValue, Value, ZSetValue
from godis.persistence.aof import encode_command
from godis.persistence.loader import load_aof, load_files
from godis.persistence.manifest import Manifest
from godis.protocol.writer import format_double
from godis.state import ServerState

_ITEMS_PER_COMMAND = 64  # Redis's AOF_REWRITE_ITEMS_PER_CMD


def _batched(head: list[bytes], items: list[bytes], per: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), per):
        yield head + items[start:start + per]


def key_commands(key: bytes, value: Value) -> Iterator[list[bytes]]:
    """The commands that rebuild ``value`` at ``key`` (``rewriteAppendOnlyFileRio``)."""
    if isinstance(value, (bytes, bytearray)):
        yield [b"SET", key, bytes(value)]
    elif isinstance(value, ListValue):
        yield from _batched([b"RPUSH", key], list(value), _ITEMS_PER_COMMAND)
    elif isinstance(value, SetValue):
        yield from _batched([b"SADD", key], list(value), _ITEMS_PER_COMMAND)
    elif isinstance(value, HashValue):
        flat = [part for pair in value.items() for part in pair]
        yield from _batched([b"HMSET", key], flat, 2 * _ITEMS_PER_COMMAND)
    elif isinstance(value, ZSetValue):
        flat = [part for score, member in value.ordered for part in (format_double(score),
                                                                      member)]
        yield from _batched([b"ZADD", key], flat, 2 * _ITEMS_PER_COMMAND)
    elif isinstance(value, StreamValue):
        yield from stream_commands(key, value)
    else:  # pragma: no cover - a new type must say how it is rewritten
        raise TypeError(f"cannot serialise {type(value).__name__}")


def stream_commands(key: bytes, stream: StreamValue) -> Iterator[list[bytes]]:
    """The commands that rebuild a stream (aof.c ``rewriteStreamObject``): one XADD per entry
    (``XADD key MAXLEN 0 0-1 x y`` for an empty stream), XSETID with the last ID, entries
    added and max deleted ID, then per group XGROUP CREATE ... ENTRIESREAD, and per consumer
    XCLAIM ... TIME RETRYCOUNT JUSTID FORCE for each pending entry, or XGROUP CREATECONSUMER
    for a consumer with none."""
    if stream.length:
        for stream_id, fields in stream.range():
            yield [b"XADD", key, format_id(stream_id), *fields]
    else:
        yield [b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]
    yield [b"XSETID", key, format_id(stream.last_id), b"ENTRIESADDED",
           b"%d" % stream.entries_added, b"MAXDELETEDID", format_id(stream.max_deleted_id)]
    for name, group in stream.sorted_groups():
        yield [b"XGROUP", b"CREATE", key, name, format_id(group.last_id), b"ENTRIESREAD",
               b"%d" % group.entries_read]
        for consumer in group.sorted_consumers():
            if not consumer.pel:
                yield [b"XGROUP", b"CREATECONSUMER", key, name, consumer.name]
                continue
            for stream_id, nack in consumer.pel.items():
                yield [b"XCLAIM", key, name, consumer.name, b"0", format_id(stream_id),
                       b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT",
                       b"%d" % nack.delivery_count, b"JUSTID", b"FORCE"]


def dataset_as_commands(keyspace: Keyspace, function_codes: Iterable[bytes] = ()) -> bytes:
    """The whole dataset as an AOF: a FUNCTION LOAD per function library (rewriteFunctions),
    then SELECT per non-empty db, the key's commands, PEXPIREAT.

    Keys already expired are left out, as Redis's rewrite does.
    """
    now = keyspace.now_ms()
    out = bytearray()
    for code in function_codes:
        out += encode_command([b"FUNCTION", b"LOAD", code])
    for db in keyspace.databases:
        if not db.data:
            continue
        out += encode_command([b"SELECT", b"%d" % db.index])
        expires = db.expires
        for key, value in db.data.items():
            when = expires.get(key)
            if when is not None and when <= now:
                continue
            for argv in key_commands(key, value):
                out += encode_command(argv)
            if when is not None:
                out += encode_command([b"PEXPIREAT", key, b"%d" % when])
    return bytes(out)


def reload_from(server: ServerState, path: str, manifest: Manifest | None = None) -> None:
    """Empty every database and replay ``path`` into them — with ``manifest``, the files it
    lists in the directory ``path`` (DEBUG LOADAOF) — logging nothing to the AOF."""
    keyspace = server.keyspace
    keyspace.flush_all()
    server.scripting.libraries.clear()  # the file loads them again
    server.scripting.functions.clear()
    propagate = keyspace.propagate
    dirty = keyspace.dirty
    monitors = server.monitors
    threshold = server.slowlog_threshold_us
    # The replay is not client traffic: not shown to MONITOR, not in the slow log.
    keyspace.propagate = _no_propagate
    server.monitors = {}
    server.slowlog_threshold_us = -1
    try:
        if manifest is None:
            load_aof(server, path)
        else:
            load_files(server, path, manifest)
    finally:
        keyspace.propagate = propagate
        keyspace.dirty = dirty
        server.monitors = monitors
        server.slowlog_threshold_us = threshold


def reload_through_temp_file(server: ServerState) -> None:
    """DEBUG RELOAD without an AOF: the dataset through a temporary file and back."""
    data = dataset_as_commands(server.keyspace,
                               [library.code for library in server.scripting.libraries.values()])
    fd, temp = tempfile.mkstemp(prefix="godis-reload-", suffix=".aof")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        reload_from(server, temp)
    finally:
        os.unlink(temp)


def _no_propagate(db_index: int, argv: list[bytes]) -> None:
    """Replayed commands are already in the file being replayed."""
