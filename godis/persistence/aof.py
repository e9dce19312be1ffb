"""The append-only file: every effective write command, in RESP, in execution order.

Durability contract (Redis's ``aof.c`` ordering, see docs/persistence.md):

- Commands are buffered by :meth:`AppendOnlyFile.feed` while a batch executes, and the buffer
  is handed to the kernel with ``write(2)`` by :meth:`write` *before* the batch's replies are
  sent, under every fsync policy — an acknowledged write survives ``kill -9``.
- ``appendfsync always``: the connection awaits :meth:`sync_to` (an fsync covering its bytes)
  before replying. Concurrent clients share fsyncs (group commit).
- ``everysec``: :meth:`run_everysec` fsyncs once a second when there are unsynced bytes.
- ``no``: the kernel decides.

The file is the last INCR file of the multi-part AOF (``multipart.py``); a rewrite switches
appends to a new one (:meth:`AppendOnlyFile.switch_to`). ``written`` and ``synced`` count the
bytes of every file this object appended to, so an fsync waiter's offset stays meaningful
across a switch.
"""

from __future__ import annotations

import logging
import os

import trio

from godis.persistence.manifest import Manifest

log = logging.getLogger("godis.aof")

FSYNC_INTERVAL_S = 1.0

# Precomputed RESP headers: every write command is encoded again for the AOF (the hot path).
_ARRAY_HEADERS = [b"*%d\r\n" % n for n in range(64)]
_BULK_HEADERS = [b"$%d\r\n" % n for n in range(1024)]


def encode_command(argv: list[bytes]) -> bytes:
    """``argv`` as a RESP multibulk, the AOF's record format."""
    parts = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


class AppendOnlyFile:
    """An open AOF: a write buffer, the file's write and fsync offsets, the fsync policy."""

    def __init__(self, path: str, fsync_policy: str = "everysec") -> None:
        self.path = path
        self.fsync_policy = fsync_policy
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.buffer = bytearray()
        self.selected_db = -1  # the db the file's last SELECT chose
        self._buffer_db = -1  # the db selected where the buffer starts
        self.written = os.fstat(self.fd).st_size  # bytes handed to the kernel
        self.synced = self.written  # bytes known to be on disk
        self.file_start = 0  # where the current file begins, in ``written``'s count
        # INFO's aof_current_size (the base plus the incrs) and aof_base_size (Redis's
        # aof_rewrite_base_size: the size after the last rewrite, auto-aof-rewrite-*)
        self.current_size = self.written
        self.base_size = self.written
        self._retired: list[int] = []  # switched-from fds an fsync in a thread may still use
        # The multi-part AOF this file belongs to (``multipart.py``): its manifest in memory
        # (Redis's server.aof_manifest) and directory; None for a lone file.
        self.manifest: Manifest | None = None
        self.dirpath = os.path.dirname(os.path.abspath(path))
        # Writes are refused (-MISCONF) while the last write or the last fsync failed, as
        # Redis's writeCommandsDeniedByDiskError (aof_last_write_status, aof_bio_fsync_status).
        self.last_write_ok = True
        self.last_write_error = ""
        self.write_failed = False
        self.last_fsync_ok = True
        self.fsync_error = ""
        self.fsyncs = 0
        self._fsync_lock = trio.Lock()

    @property
    def size(self) -> int:
        return self.current_size

    def feed(self, db_index: int, argv: list[bytes]) -> None:
        """Append a command to the buffer (``feedAppendOnlyFile``), SELECTing its db first."""
        if not self.buffer:
            self._buffer_db = self.selected_db
        if db_index != self.selected_db:
            self.buffer += encode_command([b"SELECT", b"%d" % db_index])
            self.selected_db = db_index
        count = len(argv)
        parts = [_ARRAY_HEADERS[count] if count < len(_ARRAY_HEADERS) else b"*%d\r\n" % count]
        append = parts.append
        for arg in argv:
            size = len(arg)
            append(_BULK_HEADERS[size] if size < len(_BULK_HEADERS) else b"$%d\r\n" % size)
            append(arg)
            append(b"\r\n")
        self.buffer += b"".join(parts)

    def write(self) -> bool:
        """Hand the buffer to the kernel (``flushAppendOnlyFile``); whether all of it went.

        Called with the keyspace lock held, before replies are sent, so the file's order is the
        execution order. On an error the unwritten bytes stay buffered and are retried.
        """
        if not self.buffer:
            return True
        view = memoryview(self.buffer)
        total = 0
        try:
            while total < len(view):
                total += os.write(self.fd, view[total:])
        except OSError as error:
            if total:
                # Never leave half a command behind: cut the file back to the last good size.
                try:
                    os.ftruncate(self.fd, self.written - self.file_start)
                except OSError:
                    pass
                total = 0
            if not self.write_failed:
                log.warning("Error writing to the AOF file: %s", error.strerror)
            self.write_failed = True
            self.last_write_error = error.strerror or str(error)
            self.last_write_ok = False
            view.release()
            return False
        finally:
            if total:
                view.release()
        self.written += total
        self.current_size += total
        del self.buffer[:total]
        if self.write_failed:
            log.warning("AOF write error looks solved. Redis can write again.")
            self.write_failed = False
            self._refresh_status()
        return True

    def _refresh_status(self) -> None:
        """Writes are accepted again once neither a write nor an fsync is failing."""
        self.last_write_ok = not self.write_failed and self.last_fsync_ok
        if self.last_write_ok:
            self.last_write_error = ""
        elif not self.write_failed:
            self.last_write_error = self.fsync_error

    def _fsync(self) -> None:
        os.fsync(self.fd)

    def _close_retired(self) -> None:
        for fd in self._retired:
            try:
                os.close(fd)
            except OSError:
                pass
        self._retired.clear()

    async def sync_to(self, offset: int, *, retry: bool = False) -> None:
        """Return once the first ``offset`` bytes are on disk; one fsync serves many waiters.

        ``retry``: fsync even if nothing new was written (after a failed fsync).
        """
        if self.synced >= offset and not retry:
            return
        async with self._fsync_lock:
            if self.synced >= offset and not retry:
                return
            target = self.written
            try:
                await trio.to_thread.run_sync(self._fsync)
            except OSError as error:
                if self.last_fsync_ok:
                    log.warning("Error syncing the AOF file: %s", error.strerror)
                self.last_fsync_ok = False
                self.fsync_error = error.strerror or str(error)
                self._refresh_status()
                raise
            finally:
                if self._retired:
                    self._close_retired()
            self.fsyncs += 1
            if not self.last_fsync_ok:
                log.warning("AOF fsync error looks solved. Redis can write again.")
                self.last_fsync_ok = True
                self._refresh_status()
            self.synced = max(self.synced, target)

    async def run_everysec(self) -> None:
        """The background fsync task of ``appendfsync everysec``."""
        while True:
            await trio.sleep(FSYNC_INTERVAL_S)
            # A failed fsync refuses writes until one succeeds: retry it (under every policy)
            # even when nothing new was written, as Redis's bio fsync job retries.
            if (self.fsync_policy == "everysec" and self.synced < self.written) or (
                    not self.last_fsync_ok):
                try:
                    await self.sync_to(self.written, retry=not self.last_fsync_ok)
                except OSError:
                    pass

    def switch_to(self, fd: int, path: str) -> None:
        """Append to the new file ``fd`` (at ``path``) from now on (openNewIncrAofForAppend).

        The old file is fsynced here, before anything goes to the new one, so every byte
        counted in ``written`` so far is on disk whatever the policy; its fd is closed once no
        fsync in a worker thread can be using it. What is still buffered goes to the new file.
        The next record SELECTs its database again.
        """
        old = self.fd
        if self.synced < self.written:
            try:
                os.fsync(old)
            except OSError as error:
                log.warning("Error syncing the AOF file: %s", error.strerror)
                raise
            self.fsyncs += 1
        self.synced = self.written
        self.fd = fd
        self.path = path
        self.file_start = self.written
        if self.buffer and self._buffer_db >= 0:  # it starts in the old file's database
            self.buffer[:0] = encode_command([b"SELECT", b"%d" % self._buffer_db])
        self.selected_db = -1
        if self.last_fsync_ok is False:
            self.last_fsync_ok = True  # the fsync above covered the failed one
            self._refresh_status()
        self._retired.append(old)
        if not self._fsync_lock.locked():
            self._close_retired()

    def rewritten(self) -> None:
        """A rewrite done in place put the dataset in the new base: what is buffered is in it
        (dropped), and a write or fsync error is over (the new files are on disk)."""
        self.buffer.clear()
        self.selected_db = -1
        self.write_failed = False
        self.last_fsync_ok = True
        self._refresh_status()

    def close(self) -> None:
        """Final write and fsync, then close (graceful shutdown)."""
        self.write()
        try:
            os.fsync(self.fd)
            self.synced = self.written
        finally:
            os.close(self.fd)
            self.fd = -1
            self._close_retired()
