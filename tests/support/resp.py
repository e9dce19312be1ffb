"""A tiny blocking RESP client for tests: sends argv, returns each reply's raw bytes.

Raw bytes, not parsed values, so tests can compare godis and redis-server byte for byte.
"""

from __future__ import annotations

import socket

import trio


def encode_command(*args: bytes | str | int | float) -> bytes:
    """argv as a RESP multibulk request."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def reply_end(buf: bytes, pos: int = 0) -> int:
    """Index just past the complete reply starting at ``pos``, or -1 if incomplete."""
    if pos >= len(buf):
        return -1
    line_end = buf.find(b"\r\n", pos)
    if line_end < 0:
        return -1
    kind = buf[pos : pos + 1]
    header = buf[pos + 1 : line_end]
    after = line_end + 2
    if kind in (b"+", b"-", b":", b",", b"_", b"#", b"("):
        return after
    if kind in (b"$", b"=", b"!"):
        length = int(header)
        if length < 0:
            return after
        end = after + length + 2
        return end if end <= len(buf) else -1
    if kind in (b"*", b"~", b">", b"%", b"|"):
        count = int(header)
        if count < 0:
            return after
        if kind in (b"%", b"|"):
            count *= 2
        for _ in range(count):
            after = reply_end(buf, after)
            if after < 0:
                return -1
        return after
    raise ValueError(f"not a RESP reply at {pos}: {buf[pos:pos + 20]!r}")


def parse_reply(raw: bytes) -> object:
    """A raw reply as Python values (lists for all aggregates, bytes for strings)."""
    value, _ = _parse(raw, 0)
    return value


def as_list(value: object) -> list[object]:
    """A parsed value that must be an array (RESP2 ``*``), typed as one."""
    assert isinstance(value, list), f"not an array: {value!r}"
    return value


def parse_list(raw: bytes) -> list[object]:
    """A raw reply that must be an array, parsed."""
    return as_list(parse_reply(raw))


def parse_bytes(raw: bytes) -> bytes:
    """A raw reply that must be a bulk (or verbatim) string, parsed."""
    value = parse_reply(raw)
    assert isinstance(value, bytes), f"not a bulk string: {value!r}"
    return value


def _parse(buf: bytes, pos: int) -> tuple[object, int]:
    line_end = buf.find(b"\r\n", pos)
    kind = buf[pos : pos + 1]
    header = buf[pos + 1 : line_end]
    after = line_end + 2
    if kind == b"+":
        return header.decode(), after
    if kind == b"-":
        return ("error", header.decode()), after
    if kind in (b":", b"("):
        return int(header), after
    if kind == b",":
        return ("double", header.decode()), after
    if kind == b"_":
        return None, after
    if kind == b"#":
        return header == b"t", after
    if kind in (b"$", b"=", b"!"):
        length = int(header)
        if length < 0:
            return None, after
        return buf[after : after + length], after + length + 2
    count = int(header)
    if count < 0:
        return None, after
    if kind in (b"%", b"|"):
        count *= 2
    items = []
    for _ in range(count):
        item, after = _parse(buf, after)
        items.append(item)
    return (kind.decode(), items) if kind != b"*" else items, after


class RespConnection:
    """A blocking socket speaking raw RESP."""

    def __init__(self, host: str, port: int, timeout: float = 10.0,
                 source: str | None = None) -> None:
        """``source``: the local address to connect from (127.0.0.2: a non-local client)."""
        self.sock = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=None if source is None else (source, 0))
        self.buf = b""

    @classmethod
    def unix(cls, path: str, timeout: float = 10.0) -> RespConnection:
        """A connection through the Unix socket at ``path``."""
        conn = cls.__new__(cls)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(timeout)
        conn.sock.connect(path)
        conn.buf = b""
        return conn

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_reply(self) -> bytes:
        while True:
            end = reply_end(self.buf) if self.buf else -1
            if end >= 0:
                reply, self.buf = self.buf[:end], self.buf[end:]
                return reply
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed; buffered {self.buf!r}")
            self.buf += chunk

    def call(self, *args: bytes | str | int | float) -> bytes:
        self.send_raw(encode_command(*args))
        return self.read_reply()

    def read_until_close(self) -> bytes:
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                return data
            if not chunk:
                return data
            data += chunk


class AsyncResp:
    """A minimal RESP client on any Trio stream, plain or TLS (raw replies)."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buf = b""

    async def call(self, *args: str | bytes | int) -> bytes:
        await self.stream.send_all(encode_command(*args))
        return await self.read()

    async def read(self) -> bytes:
        while True:
            end = reply_end(self.buf) if self.buf else -1
            if end >= 0:
                reply, self.buf = self.buf[:end], self.buf[end:]
                return reply
            chunk = await self.stream.receive_some(65536)
            assert chunk, "connection closed"
            self.buf += chunk
