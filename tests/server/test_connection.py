"""Connection-level rules checked without a network: protected mode, maxclients."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from godis.commands import load_all
from godis.config import Config
from godis.server.connection import Connection
from godis.state import ServerState


class FakeSocket:
    """Just enough of a socket for ``Connection``'s admission checks."""

    family = socket.AF_INET

    def __init__(self, peer: tuple[str, int]) -> None:
        self.peer = peer
        self.sent = b""
        self.closed = False

    def fileno(self) -> int:
        return 99

    def getpeername(self) -> tuple[str, int]:
        return self.peer

    def getsockname(self) -> tuple[str, int]:
        return ("0.0.0.0", 6969)

    def send(self, data: bytes) -> int:
        self.sent += data
        return len(data)

    def close(self) -> None:
        self.closed = True


def _connection(peer: tuple[str, int], **settings: Any) -> tuple[Connection, FakeSocket]:
    load_all()
    server = ServerState(Config(appendonly=False, **settings))
    sock = FakeSocket(peer)
    return Connection(server, sock), sock  # type: ignore[arg-type]


@pytest.mark.parametrize(("host", "local"), [("127.0.0.1", True), ("127.9.9.9", False),
                                             ("::1", True), ("::ffff:127.0.0.1", True),
                                             ("10.1.2.3", False), ("192.168.1.9", False),
                                             ("2001:db8::1", False)])
def test_loopback_detection(host: str, local: bool) -> None:
    """islocalClient: exactly 127.0.0.1 or ::1 (127.0.0.2 is refused by Redis's protected
    mode too: tests/server/test_protected_e2e.py)."""
    connection, _ = _connection((host, 5000))
    assert connection.client.is_local is local
    assert connection._refused() is not local  # protected mode on, no password


def test_protected_mode_denies_remote_clients_without_password() -> None:
    connection, sock = _connection(("10.1.2.3", 5000))
    assert connection._refused()
    assert sock.sent.startswith(b"-DENIED Redis is running in protected mode")
    assert sock.closed


def test_protected_mode_allows_loopback_password_or_off() -> None:
    assert not _connection(("127.0.0.1", 5000))[0]._refused()
    assert not _connection(("10.1.2.3", 5000), requirepass="pw")[0]._refused()
    assert not _connection(("10.1.2.3", 5000), protected_mode=False)[0]._refused()


def test_maxclients_refuses_with_redis_text() -> None:
    connection, sock = _connection(("127.0.0.1", 5000), maxclients=1)
    connection.server.clients[12345] = connection.client
    assert connection._refused()
    assert sock.sent == b"-ERR max number of clients reached\r\n"
    assert connection.server.rejected_connections == 1


# Regression (issue 11, defect 7): both limits are counted as Redis counts them.


def _exchange(port: int, data: bytes) -> bytes:
    import socket
    import time

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        time.sleep(0.3)
        sock.settimeout(1.0)
        received = b""
        try:
            while chunk := sock.recv(1 << 20):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_limits_match_redis() -> None:
    import redis

    from tests.support.redis_server import REDIS_SERVER, redis_server
    from tests.support.server_thread import running_server

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    value = "x" * 1000
    big = b"x" * (1024 * 1024)
    cases = [
        b"*2\r\n$3\r\nGET\r\n$1\r\nv\r\n" * 50,  # 50 kB of replies: delivered
        b"*2\r\n$3\r\nGET\r\n$1\r\nv\r\n" * 200,  # 200 kB > the 100 kB hard limit: 0 bytes
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n" % (len(big), big),  # > 1mb query
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n" % (len(big) - 100, big[:-100]),
    ]
    with redis_server() as redis_port, running_server() as server:
        for port in (redis_port, server.port):
            r = redis.Redis(port=port)
            r.set("v", value)
            r.config_set("client-output-buffer-limit", "normal 100000 0 0")
            r.config_set("client-query-buffer-limit", "1mb")
            r.close()
        for data in cases:
            assert _exchange(server.port, data) == _exchange(redis_port, data)
