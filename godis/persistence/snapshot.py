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
from godis.config import parse_save_points
from godis.dispatch import execute
from godis.errors import GodisError
from godis.persistence.files import write_atomically
from godis.persistence.rdb import (
    Encodings,
    LoadStats,
    RDBError,
    RDBFile,
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


def snapshot_bytes(server: ServerState, functions: Iterable[bytes] | None = None, *,
                   aof_base: bool = False) -> bytes:
    """The whole RDB file for the current dataset and function libraries (``rdbSaveRio``);
    ``aof_base``: for the base of the multi-part AOF (its ``aof-base`` aux field is 1)."""
    config = server.config
    if functions is None:
        functions = [library.code for library in server.scripting.libraries.values()]
    return save_rdb(server.keyspace, options=Encodings.from_config(config), functions=functions,
                    ctime=int(time.time()), used_mem=_used_memory(), aof_base=aof_base,
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


def final_save(server: ServerState) -> bool:
    """``prepareForShutdown`` on a signal: with save points configured, save the RDB first;
    whether the shutdown may go on (False: the save failed and the server keeps running)."""
    if not parse_save_points(str(server.config["save"])):
        return True
    log.info("Saving the final RDB snapshot before exiting.")
    try:
        save_snapshot(server)
    except OSError:
        log.warning("Error trying to save the DB, can't exit.")
        return False
    return True


def read_snapshot(server: ServerState) -> RDBFile | None:
    """Read and parse ``dir/dbfilename`` without touching the keyspace (so it may run in a
    worker thread while the server answers -LOADING); None when there is no file.

    SnapshotError, with Redis's log text, when the file is damaged."""
    path = rdb_path(server)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SnapshotError(f"Fatal error loading the DB: {error.strerror}. Exiting.") from None
    server.loading_total_bytes = len(data)
    server.loading_loaded_bytes = 0
    server.loading_started_at = time.time()
    try:
        parsed = parse_rdb(data, options=Encodings.from_config(server.config),
                           databases=len(server.keyspace.databases),
                           verify_checksum=bool(server.config["rdbchecksum"]))
    except RDBError as error:
        raise SnapshotError(f"Internal error in RDB reading: {error}") from None
    server.loading_loaded_bytes = len(data)
    version = parsed.aux.get(b"redis-ver")
    if version is not None:
        log.info("Loading RDB produced by version %s", version.decode(errors="replace"))
    return parsed


def apply_snapshot(server: ServerState, parsed: RDBFile, *, flush: bool = False,
                   allow_duplicates: bool = False, expire: bool = True) -> LoadStats:
    """Put a parsed file's function libraries and keys in the server (keys already expired are
    dropped when ``expire``, as a master loading an RDB drops them; an AOF base keeps them);
    ``flush`` empties the databases and the libraries first (DEBUG RELOAD's emptyData)."""
    keyspace = server.keyspace
    loading = keyspace.loading
    keyspace.loading = True
    try:
        if flush:
            keyspace.flush_all()
            server.scripting.libraries.clear()  # emptyData drops the functions too
            server.scripting.functions.clear()
        _load_functions(server, parsed.functions, replace=allow_duplicates)
        stats = load_into_keyspace(parsed, keyspace, keyspace.now_ms(), expire=expire,
                                   allow_duplicates=allow_duplicates)
    except RDBError as error:
        raise SnapshotError(f"Internal error in RDB reading: {error}") from None
    finally:
        keyspace.loading = loading
    server.rdb_last_load = (stats.loaded, stats.expired)
    log.info("Done loading RDB, keys loaded: %d, keys expired: %d.", stats.loaded, stats.expired)
    return stats


def load_snapshot(server: ServerState, *, flush: bool = False,
                  allow_duplicates: bool = False) -> LoadStats | None:
    """``rdbLoad``: :func:`read_snapshot` then :func:`apply_snapshot`; None without a file."""
    started = time.monotonic()
    parsed = read_snapshot(server)
    if parsed is None:
        return None
    stats = apply_snapshot(server, parsed, flush=flush, allow_duplicates=allow_duplicates)
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
