"""The multi-part AOF on disk: start-up, rewrites, history (Redis 7.0's aof.c).

``dir``/``appenddirname`` holds the base, the incrs and the manifest (``manifest.py``). The
steps follow Redis's routines, so a directory written by either server loads in the other:

- start-up: aofLoadManifestFromDisk, then (``appendonly yes``) aofUpgradePrepare for a 6.x
  ``dir``/``appendfilename``, the load (``loader.replay_files``), aofOpenIfNeededOnServerStart
  (a first start writes an empty base and opens incr 1) and aofDelHistoryFiles;
- a rewrite: openNewIncrAofForAppend at the fork — appends go to a new incr, recorded in the
  manifest before the child starts, so nothing has to be buffered for the child — and, once
  the child wrote the new base, backgroundRewriteDoneHandler: the base renamed in, the old base
  and the incrs it covers become history, the manifest persisted, the history deleted (unless
  ``aof-disable-auto-gc yes``).

Every manifest change goes to a copy that replaces the one in memory only once it is on disk,
so a failed step leaves the AOF as it was.
"""

from __future__ import annotations

import logging
import os

from godis.config import Config
from godis.errors import AofError, ConfigError
from godis.persistence.aof import AppendOnlyFile
from godis.persistence.files import write_atomically
from godis.persistence.manifest import (
    AofInfo,
    Manifest,
    load_manifest,
    manifest_name,
    write_manifest,
)
from godis.persistence.rewrite import dataset_as_commands
from godis.persistence.snapshot import snapshot_bytes
from godis.state import ServerState

log = logging.getLogger("godis.aof")


def aof_dir(config: Config) -> str:
    """``dir``/``appenddirname`` (server.aof_dirname)."""
    return os.path.join(config.dir, str(config["appenddirname"]))


def aof_filename(config: Config) -> str:
    return str(config["appendfilename"])


def manifest_path(config: Config) -> str:
    return os.path.join(aof_dir(config), manifest_name(aof_filename(config)))


def load_manifest_from_disk(config: Config) -> Manifest:
    """aofLoadManifestFromDisk: an empty manifest when the directory or the manifest does not
    exist (a first start, or a 6.x file to upgrade); AofError when it is malformed."""
    if not os.path.isdir(aof_dir(config)):
        return Manifest()
    path = manifest_path(config)
    if not os.path.exists(path):
        return Manifest()
    return load_manifest(path)


def upgrade_if_needed(config: Config, manifest: Manifest) -> None:
    """loadAppendOnlyFiles' upgrade check: a ``dir``/``appendfilename`` left by Redis 6 (or an
    older godis) becomes the base of the multi-part AOF (aofUpgradePrepare) when the directory
    does not exist, or its manifest lists nothing, or lists only that file as the base and the
    file is not in the directory yet (a crash in the middle of an earlier upgrade)."""
    filename = aof_filename(config)
    old = os.path.join(config.dir, filename)
    directory = aof_dir(config)
    if not os.path.isfile(old):
        return
    if not (not os.path.isdir(directory)
            or (manifest.base is None and not manifest.incrs)
            or (manifest.base is not None and not manifest.incrs
                and manifest.base.name == filename
                and not os.path.exists(os.path.join(directory, filename)))):
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"Can't open or create append-only dir {directory}: "
                          f"{error.strerror}") from None
    manifest.base = AofInfo(filename, 1, "b")
    manifest.base_seq = 1
    try:
        write_manifest(directory, filename, manifest)
    except OSError as error:
        raise AofError(f"Can't write the AOF manifest: {error.strerror}") from None
    try:
        os.rename(old, os.path.join(directory, filename))
    except OSError as error:
        message = (f"Error trying to move the old AOF file {filename} into dir {directory}: "
                   f"{error.strerror}")
        log.warning("%s", message)
        raise AofError(message) from None
    log.info("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
             filename, str(config["appenddirname"]))


def base_bytes(server: ServerState, rdb: bool) -> bytes:
    """What a rewrite writes as the base (rewriteAppendOnlyFile): the whole RDB when
    ``aof-use-rdb-preamble yes``, else the dataset as commands."""
    if rdb:
        return snapshot_bytes(server, aof_base=True)
    libraries = [library.code for library in server.scripting.libraries.values()]
    return dataset_as_commands(server.keyspace, libraries)


def use_rdb_preamble(config: Config) -> bool:
    return bool(config["aof-use-rdb-preamble"])


def open_on_start(server: ServerState, manifest: Manifest, loaded_size: int) -> AppendOnlyFile:
    """aofOpenIfNeededOnServerStart: with nothing in the manifest (a first start), write a base
    of the (empty) dataset; open the last incr (a new one when there is none) for appending;
    persist the manifest. ``loaded_size``: the bytes the load replayed (0: nothing loaded);
    INFO's aof_current_size starts there and aof_base_size at the base's size, as
    loadAppendOnlyFiles sets them."""
    config = server.config
    directory = aof_dir(config)
    filename = aof_filename(config)
    base_size = 0
    if loaded_size and manifest.base is not None:
        base_size = os.path.getsize(os.path.join(directory, manifest.base.name))
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"Can't open or create append-only dir {directory}: "
                          f"{error.strerror}") from None
    had_incrs = bool(manifest.incrs)
    if manifest.base is None and not manifest.incrs:
        rdb = use_rdb_preamble(config)
        name = manifest.new_base(filename, rdb)
        try:
            write_atomically(os.path.join(directory, name), base_bytes(server, rdb),
                             prefix="temp-rewriteaof-")
        except OSError as error:
            raise AofError(f"Write error writing append only file on disk: "
                           f"{error.strerror}") from None
        log.info("Creating AOF base file %s on server start", name)
    name = manifest.last_incr(filename)
    path = os.path.join(directory, name)
    try:
        aof = AppendOnlyFile(path, config.appendfsync)
    except OSError as error:
        raise ConfigError(f"Can't open the append-only file {name}: {error.strerror}") from None
    try:
        write_manifest(directory, filename, manifest)
    except OSError as error:
        aof.close()
        raise AofError(f"Can't write the AOF manifest: {error.strerror}") from None
    aof.manifest = manifest
    aof.dirpath = directory
    aof.current_size = loaded_size
    aof.base_size = base_size
    log.info("%s AOF incr file %s on server start", "Opening" if had_incrs else "Creating", name)
    return aof


def delete_history(config: Config, manifest: Manifest) -> None:
    """aofDelHistoryFiles: remove the history files and persist the manifest without them
    (nothing when ``aof-disable-auto-gc yes``). A failure here harms nothing: the files are
    deleted at a later rewrite or start."""
    if config["aof-disable-auto-gc"] or not manifest.history:
        return
    directory = aof_dir(config)
    for info in manifest.history:
        log.info("Removing the history file %s in the background", info.name)
        try:
            os.unlink(os.path.join(directory, info.name))
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("Error removing the history file %s: %s", info.name, error.strerror)
    manifest.history = []
    try:
        write_manifest(directory, aof_filename(config), manifest)
    except OSError:
        pass


def open_new_incr(server: ServerState) -> None:
    """openNewIncrAofForAppend (a rewrite starts): with the AOF on, later appends go to a new
    incr file, recorded in the manifest first; OSError (nothing changed) when either fails.
    The new file starts where the old one ends: what is still buffered goes to it."""
    aof = server.aof
    if not isinstance(aof, AppendOnlyFile) or aof.manifest is None:
        return
    config = server.config
    directory = aof_dir(config)
    filename = aof_filename(config)
    manifest = aof.manifest.copy()
    name = manifest.new_incr(filename)
    path = os.path.join(directory, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_TRUNC | os.O_CREAT, 0o644)
    except OSError as error:
        log.warning("Can't open the append-only file %s: %s", name, error.strerror)
        raise
    try:
        write_manifest(directory, filename, manifest)
        aof.switch_to(fd, path)
    except OSError:
        os.close(fd)
        raise
    aof.manifest = manifest
    log.info("Creating AOF incr file %s on background rewrite", name)


def finish_rewrite(server: ServerState, temp_path: str, rdb: bool) -> None:
    """backgroundRewriteDoneHandler's success path: ``temp_path`` (complete and fsynced)
    becomes the new base, the old base and the incrs it covers become history, the manifest
    is persisted, the history deleted; OSError (the manifest unchanged) on failure."""
    config = server.config
    aof = server.aof
    directory = aof_dir(config)
    filename = aof_filename(config)
    aof_on = isinstance(aof, AppendOnlyFile) and aof.manifest is not None
    os.makedirs(directory, exist_ok=True)
    current = (aof.manifest if isinstance(aof, AppendOnlyFile) and aof.manifest is not None
               else load_manifest_from_disk(config))
    manifest = current.copy()
    name = manifest.new_base(filename, rdb)
    base_path = os.path.join(directory, name)
    try:
        os.rename(temp_path, base_path)
    except OSError as error:
        log.warning("Error trying to rename the temporary AOF base file %s into %s: %s",
                    os.path.basename(temp_path), base_path, error.strerror)
        raise
    log.info("Successfully renamed the temporary AOF base file %s into %s",
             os.path.basename(temp_path), name)
    manifest.incrs_to_history(keep_last=aof_on)
    try:
        write_manifest(directory, filename, manifest)
    except OSError:
        try:
            os.unlink(base_path)
        except OSError:
            pass
        raise
    if isinstance(aof, AppendOnlyFile) and aof.manifest is not None:
        aof.manifest = manifest
        aof.current_size = os.path.getsize(base_path) + aof.written - aof.file_start
        aof.base_size = aof.current_size
    delete_history(config, manifest)


def rewrite_now(server: ServerState) -> str:
    """rewriteAppendOnlyFile where no child can be forked (BGREWRITEAOF's fallback, keyspace
    lock held): the same steps as a background rewrite, in place; the new base's path.

    Commands still buffered (a write error) follow the old files into the new incr; once the
    base — which holds their effects — is in the manifest they are dropped, and the write
    error is over (the new files are on disk). If any step fails they stay buffered."""
    config = server.config
    aof = server.aof
    rdb = use_rdb_preamble(config)
    directory = aof_dir(config)
    os.makedirs(directory, exist_ok=True)
    data = base_bytes(server, rdb)
    temp = os.path.join(config.dir, f"temp-rewriteaof-{os.getpid()}.aof")
    try:
        write_atomically(temp, data, prefix="temp-rewriteaof-")
        open_new_incr(server)
        finish_rewrite(server, temp, rdb)
    finally:
        try:
            os.unlink(temp)
        except OSError:
            pass
    if isinstance(aof, AppendOnlyFile):
        aof.rewritten()
    manifest = (aof.manifest if isinstance(aof, AppendOnlyFile) and aof.manifest is not None
                else load_manifest_from_disk(config))
    assert manifest.base is not None
    return os.path.join(directory, manifest.base.name)
