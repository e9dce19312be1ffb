"""The RDB file on disk: SAVE / BGSAVE / DEBUG RELOAD write ``dir/dbfilename``, start-up loads it
when the AOF is off (Redis's ``rdbSave``, ``rdbLoad``, ``loadDataFromDisk``).

The bytes come from ``godis.persistence.rdb``; this module only adds the file (written with
``write_atomically``: a crash leaves the old file or the new one) and the server state Redis
updates around it (``lastsave``, the dirty counter, the load statistics).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable

from godis.client import Client
from godis.dispatch import execute
from godis.errors import GodisError
from godis.persistence.files import write_atomically
from godis.persistence.rdb import (
    Encodings,
    LoadStats,
    RDBError,
    load_into_keyspace,
    parse_rdb,
    save_rdb,
)
from godis.protocol.writer import ErrorReply
from godis.state import ServerState

log = logging.getLogger("godis.rdb")


class SnapshotError(GodisError):
    """The RDB file cannot be loaded (Redis logs it and exits 1 at start-up)."""


def rdb_path(server: ServerState) -> str:
    """``dir`` / ``dbfilename``."""
    config = server.config
    return os.path.join(config.dir, str(config["dbfilename"]))


def snapshot_bytes(server: ServerState, functions: Iterable[bytes] | None = None) -> bytes:
    """The whole RDB file for the current dataset and function libraries (``rdbSaveRio``)."""
    config = server.config
    if functions is None:
        functions = [library.code for library in server.scripting.libraries.values()]
    return save_rdb(server.keyspace, options=Encodings.from_config(config), functions=functions,
                    ctime=int(time.time()), used_mem=_used_memory(),
                    checksum=bool(config["rdbchecksum"]))


def save_snapshot(server: ServerState, functions: Iterable[bytes] | None = None) -> str:
    """``rdbSave``: write the file, then reset the dirty counter and ``lastsave``; the path.

    OSError when the file cannot be written (logged as Redis logs it)."""
    path = rdb_path(server)
    try:
        write_atomically(path, snapshot_bytes(server, functions), prefix="temp-")
    except OSError as error:
        log.warning("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                    os.path.basename(path), os.getcwd(), error.strerror)
        raise
    server.keyspace.dirty = 0
    server.last_save = int(time.time())
    log.info("DB saved on disk")
    return path


def load_snapshot(server: ServerState, *, flush: bool = False,
                  allow_duplicates: bool = False) -> LoadStats | None:
    """``rdbLoad`` of ``dir/dbfilename`` into the keyspace; None when there is no file.

    Keys already expired are dropped (a master loading an RDB). SnapshotError, with Redis's
    log text, when the file is damaged; the keyspace may then hold part of it."""
    path = rdb_path(server)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SnapshotError(f"Fatal error loading the DB: {error.strerror}. Exiting.") from None
    keyspace = server.keyspace
    started = time.monotonic()
    loading = keyspace.loading
    keyspace.loading = True
    try:
        parsed = parse_rdb(data, options=Encodings.from_config(server.config),
                           databases=len(keyspace.databases),
                           verify_checksum=bool(server.config["rdbchecksum"]))
        if flush:
            keyspace.flush_all()
            server.scripting.libraries.clear()  # emptyData drops the functions too
            server.scripting.functions.clear()
        _load_functions(server, parsed.functions, replace=allow_duplicates)
        stats = load_into_keyspace(parsed, keyspace, keyspace.now_ms(),
                                   allow_duplicates=allow_duplicates)
    except RDBError as error:
        raise SnapshotError(f"Internal error in RDB reading: {error}") from None
    finally:
        keyspace.loading = loading
    version = parsed.aux.get(b"redis-ver")
    if version is not None:
        log.info("Loading RDB produced by version %s", version.decode(errors="replace"))
    log.info("Done loading RDB, keys loaded: %d, keys expired: %d.", stats.loaded, stats.expired)
    log.info("DB loaded from disk: %.3f seconds", time.monotonic() - started)
    return stats


def _load_functions(server: ServerState, codes: list[bytes], *, replace: bool) -> None:
    """rdbFunctionLoad: each library as its FUNCTION LOAD, run by a fake client."""
    if not codes:
        return
    client = Client(server, address="rdb")
    client.is_fake = True
    client.authenticated = True
    for code in codes:
        argv = [b"FUNCTION", b"LOAD", *([b"REPLACE"] if replace else []), code]
        reply = execute(client, argv)
        if isinstance(reply, ErrorReply):
            raise SnapshotError(f"Failed loading library: {reply}")


def _used_memory() -> int:
    """``used-mem``: the process's resident size, as INFO's used_memory approximates it."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
