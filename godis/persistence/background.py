"""BGSAVE and BGREWRITEAOF in a forked child (rdbSaveBackground, rewriteAppendOnlyFileBackground).

The child gets a copy-on-write image of the dataset at the fork and writes it out — the RDB
straight to ``dbfilename`` (temp file, fsync, rename), the AOF's new base to a temporary file —
then leaves with ``os._exit``: it never runs Trio code. The parent goes on serving. For a
rewrite it first switches appends to a new incr file recorded in the manifest (Redis 7.0's
openNewIncrAofForAppend), so everything written after the fork is already in the multi-part
AOF: no rewrite buffer. When the cron reaps a successful child the temporary file becomes the
base and the files it covers become history (``multipart.finish_rewrite``); a failed child
only leaves one more incr, as in Redis.

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

from godis.config import parse_save_points
from godis.persistence.aof import AppendOnlyFile
from godis.persistence.files import write_atomically
from godis.persistence.multipart import (
    aof_dir,
    base_bytes,
    finish_rewrite,
    open_new_incr,
    use_rdb_preamble,
)
from godis.persistence.snapshot import rdb_path, save_snapshot, snapshot_bytes
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
    rdb_base: bool = False  # a rewrite's base is an RDB (aof-use-rdb-preamble at the fork)


@dataclass
class BackgroundState:
    """What INFO persistence reports about children (``server.background``)."""

    child: Child | None = None
    rewrite_scheduled: bool = False
    save_scheduled: bool = False
    last_bgsave_ok: bool = True
    last_bgsave_try: int = 0  # unix time of the last attempt (save points wait after a failure)
    last_bgsave_seconds: int = -1
    bgsaves: int = 0
    last_rewrite_ok: bool = True
    last_rewrite_seconds: int = -1
    rewrites: int = 0
    rewrite_failures: int = 0
    # aofRewriteLimited's back-off after repeated failures: minutes, and until when (unix)
    limit_delay_minutes: int = 0
    limit_until: float = 0.0


def state_of(server: ServerState) -> BackgroundState:
    """The server's background-child state (created on first use)."""
    state = server.background
    if not isinstance(state, BackgroundState):
        state = server.background = BackgroundState()
    return state


def _temp_path(server: ServerState, pid: int) -> str:
    """The child's temporary base: ``dir``/temp-rewriteaof-bg-<child pid>.aof, as Redis."""
    return os.path.join(server.config.dir, f"temp-rewriteaof-bg-{pid}.aof")


def _run_child(work: str, server: ServerState, rdb_base: bool) -> None:
    """The child's whole life: write, then ``os._exit`` (0 on success)."""
    code = 1
    try:
        if CHILD_START_DELAY_S:
            time.sleep(CHILD_START_DELAY_S)
        if work == "rdb":
            write_atomically(rdb_path(server), snapshot_bytes(server), prefix="temp-")
        else:
            data = base_bytes(server, rdb_base)
            with open(_temp_path(server, os.getpid()), "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        code = 0
    except BaseException:  # the child reports through its exit status only
        code = 1
    finally:
        os._exit(code)


def _fork(server: ServerState, kind: str) -> Child:
    """Fork a child writing ``kind``; raises OSError when the new incr file cannot be opened
    (rewriteAppendOnlyFileBackground) or fork fails."""
    state = state_of(server)
    aof = server.aof
    rdb_base = use_rdb_preamble(server.config)
    if kind == "aof":
        os.makedirs(aof_dir(server.config), exist_ok=True)
        if isinstance(aof, AppendOnlyFile):
            if not aof.write():  # what is buffered now is in the image and the old incr
                raise OSError(0, "the AOF cannot be written")
            open_new_incr(server)
    pid = os.fork()
    if pid == 0:  # the child
        _run_child(kind, server, rdb_base)
    child = Child(kind, pid, time.monotonic(), _temp_path(server, pid), server.keyspace.dirty,
                  rdb_base)
    state.child = child
    log.info("Background %s started by pid %d",
             "saving" if kind == "rdb" else "append only file rewriting", pid)
    return child


def start_bgsave(server: ServerState) -> None:
    """rdbSaveBackground: fork a child writing the RDB file."""
    state_of(server).last_bgsave_try = int(time.time())
    _fork(server, "rdb")


BGSAVE_RETRY_DELAY = 5  # CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed save is retried


def save_if_due(server: ServerState, now: float | None = None) -> bool:
    """serverCron's save points (keyspace lock held): with no child running, the first
    ``save`` pair whose changes and seconds have passed starts a background save — in a child
    where the server may fork, else in place — though not sooner than 5 s after a failed one;
    whether one started."""
    state = state_of(server)
    if state.child is not None:
        return False
    now = time.time() if now is None else now
    dirty = server.keyspace.dirty
    for seconds, changes in parse_save_points(str(server.config["save"])):
        if not (dirty >= changes and now - server.last_save > seconds
                and (now - state.last_bgsave_try > BGSAVE_RETRY_DELAY or state.last_bgsave_ok)):
            continue
        log.info("%d changes in %d seconds. Saving...", changes, seconds)
        if server.fork_children and FORK_AVAILABLE:
            try:
                start_bgsave(server)
            except OSError as error:
                state.last_bgsave_ok = False
                log.warning("Can't save in background: fork: %s", error.strerror)
            return True
        state.last_bgsave_try = int(now)
        try:
            save_snapshot(server)
        except OSError:
            state.last_bgsave_ok = False
            log.warning("Background saving error")
        else:
            state.last_bgsave_ok = True
            state.bgsaves += 1
        return True
    return False


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


REWRITE_LIMIT_THRESHOLD = 3  # AOF_REWRITE_LIMITE_THRESHOLD
REWRITE_LIMIT_MAX_MINUTES = 60  # AOF_REWRITE_LIMITE_MAX_MINUTES


def rewrite_limited(server: ServerState, now: float | None = None) -> bool:
    """aofRewriteLimited: after 3 consecutive failed rewrites, automatic ones wait 1 minute,
    then 2, 4, ... up to an hour, so a failing disk does not fill the directory with small
    incr files (each rewrite opens one). BGREWRITEAOF is never limited."""
    state = state_of(server)
    now = time.time() if now is None else now
    if state.rewrite_failures < REWRITE_LIMIT_THRESHOLD:
        state.limit_delay_minutes = 0
        state.limit_until = 0.0
        return False
    if state.limit_until:
        if now < state.limit_until:
            return True
        state.limit_until = 0.0
        return False
    state.limit_delay_minutes = min(max(state.limit_delay_minutes * 2, 1),
                                    REWRITE_LIMIT_MAX_MINUTES)
    state.limit_until = now + state.limit_delay_minutes * 60
    log.warning("Background AOF rewrite has repeatedly failed and triggered the limit, will "
                "retry in %d minutes", state.limit_delay_minutes)
    return True


def maybe_auto_rewrite(server: ServerState, now: float | None = None) -> None:
    """serverCron's automatic rewrite: the AOF (base plus incrs, aof_current_size) is larger
    than ``auto-aof-rewrite-min-size`` and grew ``auto-aof-rewrite-percentage`` past its size
    after the last rewrite (aof_rewrite_base_size; the base's size after a start), unless
    :func:`rewrite_limited` holds it back (``now``: the unix time, for tests)."""
    aof = server.aof
    config = server.config
    if not isinstance(aof, AppendOnlyFile) or state_of(server).child is not None:
        return
    percentage = int(config["auto-aof-rewrite-percentage"])
    if not percentage or aof.current_size <= int(config["auto-aof-rewrite-min-size"]):
        return
    base = aof.base_size or 1
    growth = aof.current_size * 100 // base - 100
    if growth >= percentage and not rewrite_limited(server, now):
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
    """backgroundRewriteDoneHandler: the child's file becomes the base; on any failure the
    manifest stays as it is (with the incr opened at the fork) and the temporary file goes."""
    state.last_rewrite_seconds = seconds
    try:
        if not ok:
            raise OSError(0, "the child failed")
        log.info("Background AOF rewrite terminated with success")
        finish_rewrite(server, child.temp_path, child.rdb_base)
    except OSError as error:
        state.last_rewrite_ok = False
        state.rewrite_failures += 1
        log.warning("Background AOF rewrite terminated with error: %s", error.strerror)
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
    try:
        os.unlink(child.temp_path)
    except OSError:
        pass
