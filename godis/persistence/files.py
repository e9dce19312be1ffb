"""Writing data files safely: the one temp-file, fsync, rename, fsync-directory routine.

Everything godis writes that must survive a crash whole (the rewritten AOF, the config file on
CONFIG REWRITE) goes through :func:`write_atomically`, so a crash leaves the old file or the
new one, never half of either (Redis's rewriteAppendOnlyFile / rdbSave / rewriteConfig).
"""

from __future__ import annotations

import os
import tempfile


def write_atomically(path: str, data: bytes, *, prefix: str = "temp-") -> None:
    """Temp file in the same directory, fsync, rename over ``path``, fsync the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=prefix, dir=directory)
    try:
        try:
            view = memoryview(data)
            total = 0
            while total < len(view):
                total += os.write(fd, view[total:])
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    fsync_directory(directory)


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (best effort: some file systems refuse)."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def write_pid_file(path: str) -> None:
    """createPidFile: this process's id and a newline (not atomic, as Redis)."""
    with open(path, "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")


def remove_pid_file(path: str) -> None:
    """prepareForShutdown's unlink of the pid file (already gone is fine)."""
    try:
        os.unlink(path)
    except OSError:
        pass
