"""Connections godis opens to other servers: MIGRATE's (cluster.c migrateGetSocket & co).

MIGRATE is synchronous in Redis too: the command writes to the target and reads its replies
with a timeout, blocking the server meanwhile. The sockets are cached per ``host:port`` (at most
64, closed after 10 s unused, as MIGRATE_SOCKET_CACHE_*), each remembering the database its last
SELECT chose. This is the shell's part — the command (``godis.commands.cluster``) reaches it as
``server.outbound`` and never touches a socket itself.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from godis.errors import OutboundError

CACHE_ITEMS = 64
CACHE_TTL_S = 10.0


@dataclass
class CachedConnection:
    sock: socket.socket
    last_dbid: int = -1
    last_use: float = field(default_factory=time.monotonic)
    pending: bytearray = field(default_factory=bytearray)


class OutboundConnections:
    """The cache of MIGRATE connections (``server.migrate_cached_sockets``)."""

    def __init__(self) -> None:
        self.cache: dict[str, CachedConnection] = {}

    def get(self, host: bytes, port: bytes, timeout_ms: int) -> CachedConnection:
        """migrateGetSocket: the cached connection, or a new one (OutboundError on failure)."""
        name = f"{host.decode(errors='replace')}:{port.decode(errors='replace')}"
        cached = self.cache.get(name)
        if cached is not None:
            cached.last_use = time.monotonic()
            return cached
        if len(self.cache) >= CACHE_ITEMS:
            self.close(next(iter(self.cache)))
        try:
            sock = socket.create_connection((host.decode(), int(port)), timeout=timeout_ms / 1000)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except TimeoutError:
            raise OutboundError("connecting", True) from None
        except OSError:
            # Redis connects without blocking and learns of a refusal on its first write
            raise OutboundError("writing", False) from None
        except (ValueError, UnicodeDecodeError):
            raise OutboundError("connecting", False) from None
        cached = self.cache[name] = CachedConnection(sock)
        return cached

    def close(self, name: str) -> None:
        cached = self.cache.pop(name, None)
        if cached is not None:
            cached.sock.close()

    def close_for(self, host: bytes, port: bytes) -> None:
        """migrateCloseSocket."""
        self.close(f"{host.decode(errors='replace')}:{port.decode(errors='replace')}")

    def close_idle(self) -> None:
        """migrateCloseTimedoutSockets (the cron): drop connections unused for 10 s."""
        now = time.monotonic()
        for name, cached in list(self.cache.items()):
            if now - cached.last_use > CACHE_TTL_S:
                self.close(name)

    @staticmethod
    def send(cached: CachedConnection, data: bytes, timeout_ms: int) -> None:
        """connSyncWrite of the whole request."""
        cached.sock.settimeout(timeout_ms / 1000)
        try:
            cached.sock.sendall(data)
        except TimeoutError:
            raise OutboundError("writing", True) from None
        except OSError:
            raise OutboundError("writing", False) from None

    @staticmethod
    def read_line(cached: CachedConnection, timeout_ms: int) -> bytes:
        """connSyncReadLine: one reply line without its CRLF."""
        cached.sock.settimeout(timeout_ms / 1000)
        buffer = cached.pending
        while b"\r\n" not in buffer:
            try:
                chunk = cached.sock.recv(4096)
            except TimeoutError:
                raise OutboundError("reading", True) from None
            except OSError:
                raise OutboundError("reading", False) from None
            if not chunk:
                raise OutboundError("reading", False)
            buffer += chunk
        end = buffer.index(b"\r\n")
        line = bytes(buffer[:end])
        del buffer[:end + 2]
        return line

    def close_all(self) -> None:
        for name in list(self.cache):
            self.close(name)
