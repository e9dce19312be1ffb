"""The append-only file: every effective write command, in RESP, in execution order.

Durability contract (Redis's ``aof.c`` ordering, see docs/persistence.md):

- Commands are buffered by :meth:`AppendOnlyFile.feed` while a batch executes, and the buffer
  is handed to the kernel with ``write(2)`` by :meth:`write` *before* the batch's replies are
  sent, under every fsync policy — an acknowledged write survives ``kill -9``.
- ``appendfsync always``: the connection awaits :meth:`sync_to` (an fsync covering its bytes)
  before replying. Concurrent clients share fsyncs (group commit).
- ``everysec``: :meth:`run_everysec` fsyncs once a second when there are unsynced bytes.
- ``no``: the kernel decides.
"""

from __future__ import annotations

import logging
import os

import trio

from godis.persistence.files import fsync_directory, write_atomically

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
        self.written = os.fstat(self.fd).st_size  # bytes handed to the kernel
        self.synced = self.written  # bytes known to be on disk
        self.base_size = self.written  # the size after the last rewrite (auto-aof-rewrite-*)
        # Writes are refused (-MISCONF) while the last write or the last fsync failed, as
        # Redis's writeCommandsDeniedByDiskError (aof_last_write_status, aof_bio_fsync_status).
        self.last_write_ok = True
        self.last_write_error = ""
        self.write_failed = False
        self.last_fsync_ok = True
        self.fsync_error = ""
        self.fsyncs = 0
        self._fsync_lock = trio.Lock()
        # A background rewrite in progress: the bytes written after its fork, which the
        # rewritten file lacks (``background.py`` appends them when the child is done).
        self.rewrite_buffer: bytearray | None = None

    @property
    def size(self) -> int:
        return self.written

    def feed(self, db_index: int, argv: list[bytes]) -> None:
        """Append a command to the buffer (``feedAppendOnlyFile``), SELECTing its db first."""
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
                    os.ftruncate(self.fd, self.written)
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
        if self.rewrite_buffer is not None:
            self.rewrite_buffer += self.buffer[:total]
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

    def start_rewrite(self) -> None:
        """A child now writes the dataset as of this moment (the buffer must be empty):
        keep every later byte, and SELECT again before the next record, since the rewritten
        file may end in another database."""
        self.rewrite_buffer = bytearray()
        self.selected_db = -1

    def adopt(self, path: str) -> None:
        """Rename a complete, fsynced rewrite at ``path`` over the AOF and append to it."""
        os.replace(path, self.path)
        fsync_directory(os.path.dirname(os.path.abspath(self.path)))
        old_fd = self.fd
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.close(old_fd)
        self.rewrite_buffer = None
        self.written = self.synced = os.fstat(self.fd).st_size
        self.base_size = self.written
        self.write_failed = False
        self.last_fsync_ok = True
        self._refresh_status()

    def replace(self, data: bytes) -> None:
        """Swap the file for a rewritten one holding ``data`` (BGREWRITEAOF, DEBUG RELOAD).

        ``data`` goes to a temporary file in the same directory, is fsynced and renamed over
        the AOF (atomic: a crash leaves the old file or the new one), and appends continue on
        the new file. Commands still buffered are dropped: ``data`` already holds their
        effects (the caller holds the keyspace lock).
        """
        write_atomically(self.path, data, prefix="temp-rewriteaof-")
        self.rewrite_buffer = None  # a background rewrite in progress is outdated
        old_fd = self.fd
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.close(old_fd)
        self.buffer.clear()
        self.selected_db = -1
        self.written = self.synced = self.base_size = len(data)
        # the new file is written and fsynced: any earlier write or fsync error is over
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
