"""``local`` as Redis decides it over real sockets: TCP from 127.0.0.1 and the Unix socket are
local, TCP from 127.0.0.2 is not (islocalClient), for the enable-* parameters and for protected
mode, compared with a real redis-server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import godis
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.resp import RespConnection

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)

PROTECTED = ("enable-debug-command", "enable-module-command", "enable-protected-configs")


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    """A short directory for socket paths (sun_path holds 107 bytes)."""
    directory = Path(f"/tmp/godis-protected-{os.getpid()}-{id(object())}")
    directory.mkdir()
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _unix_call(path: Path, *args: str) -> bytes:
    """One command over the Unix socket at ``path``."""
    conn = RespConnection.unix(str(path))
    try:
        return conn.call(*args)
    finally:
        conn.close()


def _tcp_call(port: int, source: str, *args: str) -> bytes:
    conn = RespConnection("127.0.0.1", port, source=source)
    try:
        return conn.call(*args)
    finally:
        conn.close()


COMMANDS = (("DEBUG", "OBJECT", "nokey"), ("MODULE", "UNLOAD", "nosuchmodule"),
            ("CONFIG", "SET", "dbfilename", "dump.rdb"))


def test_local_setting_over_sockets(sock_dir: Path) -> None:
    """``local``: allowed from 127.0.0.1 and the Unix socket, refused from 127.0.0.2."""
    flags = [word for name in PROTECTED for word in (f"--{name}", "local")]
    with redis_server(*flags, "--protected-mode", "no", "--unixsocket",
                      str(sock_dir / "redis.sock")) as redis_port, godis.Server(
            protected_mode=False, unixsocket=str(sock_dir / "godis.sock"),
            enable_debug_command="local", enable_module_command="local",
            enable_protected_configs="local") as server:
        for args in COMMANDS:
            for source in ("127.0.0.1", "127.0.0.2"):
                theirs = _tcp_call(redis_port, source, *args)
                assert _tcp_call(server.port, source, *args) == theirs, (source, args)
                assert theirs.startswith(b"-ERR ") or theirs == b"+OK\r\n"
                allowed = b"not allowed" not in theirs and b"protected config" not in theirs
                assert allowed is (source == "127.0.0.1")
            theirs = _unix_call(sock_dir / "redis.sock", *args)
            assert _unix_call(sock_dir / "godis.sock", *args) == theirs
            assert b"not allowed" not in theirs
            assert b"protected config" not in theirs


def test_protected_mode_refuses_127_0_0_2() -> None:
    """Protected mode uses the same decision: 127.0.0.2 is not the loopback address."""
    with redis_server() as redis_port, godis.Server() as server:
        for port in (redis_port, server.port):
            assert _tcp_call(port, "127.0.0.1", "PING") == b"+PONG\r\n"
        conns = [RespConnection("127.0.0.1", port, source="127.0.0.2")
                 for port in (redis_port, server.port)]
        try:
            theirs, mine = (conn.read_until_close() for conn in conns)
        finally:
            for conn in conns:
                conn.close()
        assert mine == theirs
        assert theirs.startswith(b"-DENIED Redis is running in protected mode")
