"""Replay the append-only file into the keyspace at start-up (Redis's ``loadAppendOnlyFile``).

Every record runs through the normal command table with a fake client. Damage is handled as
Redis does, with one improvement:

- A truncated last record (a crash in the middle of a write), or a MULTI with no EXEC at the
  end, is dropped with a warning naming the offset, and the file is cut back to that offset so
  the next append does not glue onto the fragment (``aof-load-truncated yes``; with ``no`` the
  start is refused). godis first copies the dropped bytes to ``<file>.truncated-<offset>``:
  a damaged length field in the middle looks exactly like a truncated tail, and Redis would
  silently lose every later record.
- Anything else malformed, or an unknown command, refuses the start with the file and offset.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Generator
from dataclasses import dataclass

from godis.client import Client
from godis.dispatch import call, resolve
from godis.errors import AofError
from godis.protocol.reader import strict_int
from godis.state import ServerState
from godis.table import COMMANDS, CommandSpec

log = logging.getLogger("godis.aof")


class _Truncated(Exception):
    """The file ends in the middle of a record."""


@dataclass
class LoadReport:
    commands: int
    keys: int
    seconds: float
    truncated_at: int | None


def _parse_record(data: bytes, pos: int, path: str) -> tuple[list[bytes], int]:
    """One multibulk record at ``pos``: (argv, next position)."""
    size = len(data)

    def line(at: int) -> tuple[bytes, int]:
        end = data.find(b"\r\n", at)
        if end < 0:
            raise _Truncated
        return data[at:end], end + 2

    if data[pos] != 42:  # '*'
        raise AofError(f"Bad file format reading the append only file {path} at offset {pos}")
    header, at = line(pos + 1)
    count = strict_int(header)
    if count is None or count < 1:
        raise AofError(f"Bad file format reading the append only file {path} at offset {pos}")
    argv: list[bytes] = []
    for _ in range(count):
        if at >= size:
            raise _Truncated
        if data[at] != 36:  # '$'
            raise AofError(f"Bad file format reading the append only file {path} at offset {at}")
        header, at = line(at + 1)
        length = strict_int(header)
        if length is None or length < 0:
            raise AofError(f"Bad file format reading the append only file {path} at offset {at}")
        end = at + length
        if end + 2 > size:
            raise _Truncated
        if data[end : end + 2] != b"\r\n":
            raise AofError(f"Bad file format reading the append only file {path} at offset {end}")
        argv.append(data[at:end])
        at = end + 2
    return argv, at


PROGRESS_EVERY_COMMANDS = 1024
"""How often a replay reports progress (and lets a server answer -LOADING meanwhile)."""


def load_aof(server: ServerState, path: str) -> LoadReport:
    """Replay ``path`` into ``server``'s keyspace; cut a truncated tail; raise on corruption."""
    replay = replay_aof(server, path)
    while True:
        try:
            next(replay)
        except StopIteration as done:
            report: LoadReport = done.value
            return report


def replay_aof(server: ServerState, path: str) -> Generator[int, None, LoadReport]:
    """:func:`load_aof` in steps: yields the bytes replayed so far every
    :data:`PROGRESS_EVERY_COMMANDS` commands (never inside a MULTI block), so a server can
    serve other clients between steps, as Redis's loading calls processEventsWhileBlocked.
    ``server.loading_total_bytes`` / ``loading_loaded_bytes`` follow it (INFO persistence)."""
    started = time.monotonic()
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return LoadReport(0, 0, 0.0, None)
    server.loading_total_bytes = len(data)
    server.loading_loaded_bytes = 0
    server.loading_started_at = time.time()
    client = Client(server, address="aof")
    client.is_fake = True
    client.deny_blocking = True
    keyspace = server.keyspace
    keyspace.loading = True
    server.loading = True
    pos = 0
    commands = 0
    truncated_at: int | None = None
    transaction: list[tuple[CommandSpec, list[bytes]]] | None = None
    transaction_start = 0
    next_progress = PROGRESS_EVERY_COMMANDS
    try:
        while pos < len(data):
            if commands >= next_progress and transaction is None:
                next_progress = commands + PROGRESS_EVERY_COMMANDS
                server.loading_loaded_bytes = pos
                yield pos
            record_start = pos
            try:
                argv, pos = _parse_record(data, pos, path)
            except _Truncated:
                truncated_at = record_start
                break
            name = argv[0].lower()
            if name == b"multi":
                transaction = []
                transaction_start = record_start
                continue
            if name == b"exec" and transaction is not None:
                for spec, queued in transaction:
                    _run(client, spec, queued, path, record_start)
                commands += len(transaction)
                transaction = None
                continue
            resolved = resolve(argv)
            if isinstance(resolved, str):
                if argv[0].lower() not in COMMANDS:
                    raise AofError(f"Unknown command '{argv[0].decode('utf-8', 'replace')}' "
                                   f"reading the append only file {path} at offset {record_start}")
                raise AofError(f"Bad command in the append only file {path} at offset "
                               f"{record_start}: {resolved}")
            spec = resolved
            if transaction is not None:
                transaction.append((spec, argv))
            else:
                _run(client, spec, argv, path, record_start)
                commands += spec.name != "select"
        if transaction is not None:
            log.warning("Revert incomplete MULTI/EXEC transaction in AOF file %s", path)
            truncated_at = transaction_start
    finally:
        keyspace.loading = False
        server.loading = False
        server.loading_loaded_bytes = len(data)
    if truncated_at is not None:
        _cut_tail(server, path, data, truncated_at)
    return LoadReport(commands, keyspace.key_count(), time.monotonic() - started, truncated_at)


def _run(client: Client, spec: CommandSpec, argv: list[bytes], path: str, offset: int) -> None:
    if spec.name == "select":
        index = strict_int(argv[1])
        if index is None or not 0 <= index < len(client.keyspace.databases):
            raise AofError(f"Bad SELECT in the append only file {path} at offset {offset}")
        client.select(index)
        return
    call(client, spec, argv)


def _cut_tail(server: ServerState, path: str, data: bytes, offset: int) -> None:
    if not server.config["aof-load-truncated"]:
        raise AofError(
            f"Unexpected end of file reading the append only file {path} at offset {offset}. "
            "You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
            "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
            "configuration option to yes and restart the server."
        )
    backup = f"{path}.truncated-{offset}"
    log.warning("!!! Warning: short read while loading the AOF file %s!!!", path)
    try:
        with open(backup, "wb") as handle:
            handle.write(data[offset:])
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        # A full disk must not prevent the start (Redis has no backup at all): say so, clearly
        try:
            os.unlink(backup)
        except OSError:
            pass
        log.warning("!!! Could not save the %d truncated bytes to %s (%s): they are dropped "
                    "!!!", len(data) - offset, backup, error.strerror or error)
        log.warning("!!! Truncating the AOF %s at offset %d !!!", path, offset)
    else:
        log.warning("!!! Truncating the AOF %s at offset %d (%d bytes saved to %s) !!!",
                    path, offset, len(data) - offset, backup)
    with open(path, "r+b") as handle:
        handle.truncate(offset)
        handle.flush()
        os.fsync(handle.fileno())
    log.warning("AOF %s loaded anyway because aof-load-truncated is enabled", path)
