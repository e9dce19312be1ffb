"""Run ``godis serve`` as a real subprocess (for signal, crash and CLI tests)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.redis_server import free_port, wait_for_port


@contextlib.contextmanager
def godis_process(directory: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``python -m godis serve`` on a free port in ``directory``; yields (process, port).
    DEBUG is allowed (``--enable-debug-command yes`` first, so ``args`` may override it)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "godis", "serve", "--port", str(port), "--dir", str(directory),
         "--enable-debug-command", "yes", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_port(port, timeout=20)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
