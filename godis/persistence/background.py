"""BGSAVE and BGREWRITEAOF in a forked child (rdbSaveBackground, rewriteAppendOnlyFileBackground).

The child gets a copy-on-write image of the dataset at the fork and writes it out — the RDB
straight to ``dbfilename`` (temp file, fsync, rename), the AOF rewrite to a temporary file —
then leaves with ``os._exit``: it never runs Trio code. The parent goes on serving; the AOF
collects everything written after the fork (``AppendOnlyFile.start_rewrite``), and when the
cron reaps a successful child it appends those bytes to the rewritten file, fsyncs it and
renames it over the AOF (Redis 6's rewrite buffer: godis keeps a single AOF file, so the
fork cannot simply open a new incremental file as Redis 7.0's multi-part AOF does).

One child at a time, as Redis: a BGREWRITEAOF during a BGSAVE is scheduled for when it ends,
and a BGSAVE SCHEDULE during a rewrite likewise. Where ``os.fork`` does not exist (Windows)
or the server runs without its shell (tests driving dispatch directly), both run in place.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass

from godis.persistence.aof import AppendOnlyFile
from godis.persistence.files import fsync_directory, write_atomically
from godis.persistence.rewrite import dataset_as_commands
from godis.persistence.snapshot import rdb_path, snapshot_bytes
from godis.state import ServerState

log = logging.getLogger("godis.persistence")

FORK_AVAILABLE = hasattr(os, "fork")
CHILD_START_DELAY_S = 0.0
"""Fault injection for tests: a child waits this long before writing (a slow disk)."""


@dataclass
class Child:
    """The running child: what it writes, since when, the dirty counter at the fork."""

    kind: str  # "rdb" or "aof"
    pid: int
    started: float
    temp_path: str
    dirty_at_fork: int


@dataclass
class BackgroundState:
    """What INFO persistence reports about children (``server.background``)."""

    child: Child | None = None
    rewrite_scheduled: bool = False
    save_scheduled: bool = False
    last_bgsave_ok: bool = True
    last_bgsave_seconds: int = -1
    bgsaves: int = 0
    last_rewrite_ok: bool = True
    last_rewrite_seconds: int = -1
    rewrites: int = 0
    rewrite_failures: int = 0


def state_of(server: ServerState) -> BackgroundState:
    """The server's background-child state (created on first use)."""
    state = server.background
    if not isinstance(state, BackgroundState):
        state = server.background = BackgroundState()
    return state


def _run_child(work: str, server: ServerState, temp_path: str) -> None:
    """The child's whole life: write, then ``os._exit`` (0 on success)."""
    code = 1
    try:
        if CHILD_START_DELAY_S:
            time.sleep(CHILD_START_DELAY_S)
        if work == "rdb":
            write_atomically(rdb_path(server), snapshot_bytes(server), prefix="temp-")
        else:
            libraries = [library.code for library in server.scripting.libraries.values()]
            data = dataset_as_commands(server.keyspace, libraries)
            with open(temp_path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        code = 0
    except BaseException:  # the child reports through its exit status only
        code = 1
    finally:
        os._exit(code)


def _fork(server: ServerState, kind: str) -> Child:
    """Fork a child writing ``kind``; raises OSError when fork fails."""
    state = state_of(server)
    temp_path = os.path.join(server.config.dir, f"temp-rewriteaof-bg-{os.getpid()}.aof")
    aof = server.aof
    if kind == "aof" and isinstance(aof, AppendOnlyFile):
        aof.write()  # what is buffered now is in the image; only later records are extra
        aof.start_rewrite()
    pid = os.fork()
    if pid == 0:  # the child
        _run_child(kind, server, temp_path)
    child = Child(kind, pid, time.monotonic(), temp_path, server.keyspace.dirty)
    state.child = child
    log.info("Background %s started by pid %d",
             "saving" if kind == "rdb" else "append only file rewriting", pid)
    return child


def start_bgsave(server: ServerState) -> None:
    """rdbSaveBackground: fork a child writing the RDB file."""
    _fork(server, "rdb")


def start_rewrite(server: ServerState) -> None:
    """rewriteAppendOnlyFileBackground: fork a child writing the rewritten AOF."""
    _fork(server, "aof")


def check_children(server: ServerState) -> None:
    """The cron's checkChildrenDone (keyspace lock held): reap a finished child, finish its
    work, start what was scheduled meanwhile. Never blocks."""
    state = state_of(server)
    child = state.child
    if child is None:
        return
    try:
        pid, status = os.waitpid(child.pid, os.WNOHANG)
    except ChildProcessError:
        pid, status = child.pid, 1 << 8
    if pid == 0:
        return
    state.child = None
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    seconds = int(time.monotonic() - child.started)
    if child.kind == "rdb":
        _finish_bgsave(server, state, child, ok, seconds)
    else:
        _finish_rewrite(server, state, child, ok, seconds)
    if state.rewrite_scheduled and state.child is None:
        state.rewrite_scheduled = False
        _start_quietly(server, "aof")
    if state.save_scheduled and state.child is None:
        state.save_scheduled = False
        _start_quietly(server, "rdb")


def maybe_auto_rewrite(server: ServerState) -> None:
    """serverCron's automatic rewrite: the AOF grew ``auto-aof-rewrite-percentage`` past its
    size after the last rewrite (or start), and is at least ``auto-aof-rewrite-min-size``."""
    aof = server.aof
    config = server.config
    if not isinstance(aof, AppendOnlyFile) or state_of(server).child is not None:
        return
    percentage = int(config["auto-aof-rewrite-percentage"])
    if not percentage or aof.written < int(config["auto-aof-rewrite-min-size"]):
        return
    base = aof.base_size or 1
    growth = (aof.written - base) * 100 // base
    if growth >= percentage:
        log.info("Starting automatic rewriting of AOF on %d%% growth", growth)
        _start_quietly(server, "aof")


def _start_quietly(server: ServerState, kind: str) -> None:
    try:
        _fork(server, kind)
    except OSError as error:
        log.warning("Can't start the scheduled background %s: %s", kind, error.strerror)


def _finish_bgsave(server: ServerState, state: BackgroundState, child: Child, ok: bool,
                   seconds: int) -> None:
    """backgroundSaveDoneHandler: success resets the changes counted before the fork."""
    state.last_bgsave_seconds = seconds
    state.last_bgsave_ok = ok
    if ok:
        state.bgsaves += 1
        server.keyspace.dirty -= min(child.dirty_at_fork, server.keyspace.dirty)
        server.last_save = int(time.time())
        log.info("Background saving terminated with success")
    else:
        log.warning("Background saving error")


def _finish_rewrite(server: ServerState, state: BackgroundState, child: Child, ok: bool,
                    seconds: int) -> None:
    """backgroundRewriteDoneHandler: the rewritten file plus what came after the fork
    becomes the AOF; on any failure the old AOF stays and the temporary file goes."""
    aof = server.aof
    state.last_rewrite_seconds = seconds
    try:
        if not ok:
            raise OSError(0, "the child failed")
        if isinstance(aof, AppendOnlyFile):
            if aof.rewrite_buffer is None:
                raise OSError(0, "the rewrite was cancelled")
            if not aof.write():
                raise OSError(0, "the AOF cannot be written")
            with open(child.temp_path, "ab") as handle:
                handle.write(aof.rewrite_buffer)
                handle.flush()
                os.fsync(handle.fileno())
            aof.adopt(child.temp_path)
        else:
            os.replace(child.temp_path, server.config.aof_path)
            fsync_directory(os.path.dirname(os.path.abspath(server.config.aof_path)))
    except OSError as error:
        state.last_rewrite_ok = False
        state.rewrite_failures += 1
        log.warning("Background AOF rewrite terminated with error: %s", error.strerror)
        if isinstance(aof, AppendOnlyFile):
            aof.rewrite_buffer = None
        try:
            os.unlink(child.temp_path)
        except OSError:
            pass
        return
    state.last_rewrite_ok = True
    state.rewrite_failures = 0
    state.rewrites += 1
    log.info("Background AOF rewrite finished successfully")


def kill_child(server: ServerState) -> None:
    """At shutdown (and before a synchronous rewrite): stop the child, drop its file."""
    state = state_of(server)
    child = state.child
    if child is None:
        return
    state.child = None
    try:
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    aof = server.aof
    if child.kind == "aof" and isinstance(aof, AppendOnlyFile):
        aof.rewrite_buffer = None
    try:
        os.unlink(child.temp_path)
    except OSError:
        pass
