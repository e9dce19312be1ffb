"""Replay the append-only files into the keyspace at start-up (Redis's ``loadAppendOnlyFiles``
and ``loadSingleAppendOnlyFile``).

A multi-part AOF loads its base (an RDB, detected by its ``REDIS`` signature as Redis does, or
commands), then each incr file in the manifest's order. A file that starts with an RDB may
continue with commands (an old-style RDB-preamble AOF). Every record runs through the normal
command table with a fake client. Damage is handled as Redis does, with two improvements:

- A truncated last record (a crash in the middle of a write), or a MULTI with no EXEC at the
  end, is dropped with a warning naming the offset, and the file is cut back to that offset so
  the next append does not glue onto the fragment (``aof-load-truncated yes``; with ``no`` the
  start is refused). godis first copies the dropped bytes to ``<file>.truncated-<offset>``:
  a damaged length field in the middle looks exactly like a truncated tail, and Redis would
  silently lose every later record.
  Only the last file may be cut: a damaged tail in an earlier one refuses the start (Redis
  says so too, but only after truncating that file; godis leaves it as it is).
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
from godis.persistence.manifest import Manifest
from godis.persistence.rdb import Encodings, RDBError, parse_rdb
from godis.persistence.snapshot import SnapshotError, apply_snapshot
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
    """Replay the single file ``path`` (an old-style AOF, RDB preamble or not) into
    ``server``'s keyspace; cut a truncated tail; raise on corruption."""
    return _drain(replay_aof(server, path))


def load_files(server: ServerState, dirpath: str, manifest: Manifest) -> LoadReport:
    """:func:`replay_files` in one go (DEBUG LOADAOF)."""
    return _drain(replay_files(server, dirpath, manifest))


def _drain(replay: Generator[int, None, LoadReport]) -> LoadReport:
    while True:
        try:
            next(replay)
        except StopIteration as done:
            report: LoadReport = done.value
            return report


def replay_aof(server: ServerState, path: str) -> Generator[int, None, LoadReport]:
    """:func:`load_aof` in steps (see :func:`replay_files`); no file is an empty load."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return LoadReport(0, 0, 0.0, None)
    except OSError as error:
        raise AofError(f"Fatal error: can't open the append log file {path} for reading: "
                       f"{error.strerror}") from None
    return (yield from _replay_paths(server, [(path, path, True)], size, old_style=path))


def replay_files(server: ServerState, dirpath: str,
                 manifest: Manifest) -> Generator[int, None, LoadReport]:
    """loadAppendOnlyFiles in steps: yields the bytes replayed so far every
    :data:`PROGRESS_EVERY_COMMANDS` commands (never inside a MULTI block), so a server can
    serve other clients between steps, as Redis's loading calls processEventsWhileBlocked.
    ``server.loading_total_bytes`` / ``loading_loaded_bytes`` follow it (INFO persistence).

    A file of the manifest that is missing refuses the load, as Redis's
    getBaseAndIncrAppendOnlyFilesSize; all files empty is an empty load."""
    paths: list[tuple[str, str, bool]] = []
    total = 0
    for info in manifest.files():
        path = os.path.join(dirpath, info.name)
        try:
            total += os.path.getsize(path)
        except OSError as error:
            message = (f"Unable to obtain the AOF file {info.name} length. stat: "
                       f"{error.strerror}")
            log.warning("%s", message)
            raise AofError(message) from None
        paths.append((path, info.name, info is manifest.base))
    if not total:
        return LoadReport(0, 0, 0.0, None)
    return (yield from _replay_paths(server, paths, total, old_style=None))


def _replay_paths(server: ServerState, paths: list[tuple[str, str, bool]], total: int,
                  old_style: str | None) -> Generator[int, None, LoadReport]:
    started = time.monotonic()
    server.loading_total_bytes = total
    server.loading_loaded_bytes = 0
    server.loading_started_at = time.time()
    keyspace = server.keyspace
    commands = 0
    truncated_at: int | None = None
    done = 0
    for index, (path, name, is_base) in enumerate(paths):
        file_started = time.monotonic()
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise AofError(f"Fatal error: can't open the append log file {name} for reading: "
                           f"{error.strerror}") from None
        last = index == len(paths) - 1
        count, truncated_at = yield from _replay_file(server, path, data, done, last,
                                                      old_style=old_style == path)
        commands += count
        done += len(data)
        if old_style is None:
            log.info("DB loaded from %s file %s: %.3f seconds", "base" if is_base else "incr",
                     name, time.monotonic() - file_started)
    server.loading_loaded_bytes = total
    return LoadReport(commands, keyspace.key_count(), time.monotonic() - started, truncated_at)


def _replay_file(server: ServerState, path: str, data: bytes, done: int, last: bool, *,
                 old_style: bool) -> Generator[int, None, tuple[int, int | None]]:
    """loadSingleAppendOnlyFile: an RDB first when the file starts with one, then commands;
    (the commands run, where the file was cut or None). ``done``: the bytes of the files
    replayed before this one (the progress count)."""
    pos = 0
    if data[:5] == b"REDIS":
        pos = _load_rdb_part(server, path, data, old_style)
        server.loading_loaded_bytes = done + pos
    client = Client(server, address="aof")
    client.is_fake = True
    client.deny_blocking = True
    keyspace = server.keyspace
    keyspace.loading = True
    server.loading = True
    commands = 0
    truncated_at: int | None = None
    transaction: list[tuple[CommandSpec, list[bytes]]] | None = None
    transaction_start = 0
    next_progress = PROGRESS_EVERY_COMMANDS
    try:
        while pos < len(data):
            if commands >= next_progress and transaction is None:
                next_progress = commands + PROGRESS_EVERY_COMMANDS
                server.loading_loaded_bytes = done + pos
                yield done + pos
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
        server.loading_loaded_bytes = done + len(data)
    if truncated_at is not None:
        if not last:
            log.warning("Fatal error: the truncated file is not the last file")
            raise AofError(f"Unexpected end of file reading the append only file {path} at "
                           f"offset {truncated_at}: the truncated file is not the last file")
        _cut_tail(server, path, data, truncated_at)
    return commands, truncated_at


def _load_rdb_part(server: ServerState, path: str, data: bytes, old_style: bool) -> int:
    """The RDB at the start of a file (rdbLoadRio with RDBFLAGS_AOF_PREAMBLE: keys already
    expired are kept, to expire as usual); where it ends."""
    log.info("Reading RDB preamble from AOF file..." if old_style else
             "Reading RDB base file on AOF loading...")
    try:
        parsed = parse_rdb(data, options=Encodings.from_config(server.config),
                           databases=len(server.keyspace.databases),
                           verify_checksum=bool(server.config["rdbchecksum"]))
        apply_snapshot(server, parsed, expire=False)
    except (RDBError, SnapshotError) as error:
        what = (f"the RDB preamble of the AOF file {path}" if old_style else
                f"the RDB base file {path}")
        raise AofError(f"Error reading {what}, AOF loading aborted: {error}") from None
    if old_style:
        log.info("Reading the remaining AOF tail...")
    return parsed.end


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
