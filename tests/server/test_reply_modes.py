"""CLIENT REPLY OFF / SKIP never silence pushes (issue 10 defect 3), against redis-server.

Redis's ``prepareClientToWrite`` drops replies under OFF / SKIP unless ``CLIENT_PUSHING`` is
set, which every pub/sub confirmation and message sets, in RESP2 as in RESP3. Each script runs
on a raw socket to both servers and ends with RESET (which turns replies back on and answers
``+RESET``); the whole byte stream the client received must be identical.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from tests.support.resp import encode_command, reply_end
from tests.support.server_thread import running_server

Script = list[tuple[str, ...]]

SCRIPTS: dict[str, Script] = {
    "off-every-confirmation": [
        ("CLIENT", "REPLY", "OFF"), ("SUBSCRIBE", "a", "b"), ("PING",), ("PSUBSCRIBE", "p*"),
        ("UNSUBSCRIBE", "b"), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",), ("UNSUBSCRIBE",),
        ("PUNSUBSCRIBE", "q*"),
        ("SSUBSCRIBE", "s"), ("SUNSUBSCRIBE",), ("SUNSUBSCRIBE",), ("PING",),
    ],
    "off-messages": [
        ("CLIENT", "REPLY", "OFF"), ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "a*"), ("SSUBSCRIBE", "a"),
        ("@PUBLISH", "a", "m"), ("@SPUBLISH", "a", "s"), ("PING",), ("CLIENT", "REPLY", "ON"),
        ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",), ("SUNSUBSCRIBE",), ("PING",),
    ],
    "skip": [
        ("CLIENT", "REPLY", "SKIP"), ("SUBSCRIBE", "a"), ("PING",), ("CLIENT", "REPLY", "SKIP"),
        ("UNSUBSCRIBE", "a"), ("PING",), ("CLIENT", "REPLY", "SKIP"), ("PSUBSCRIBE", "x"),
        ("@PUBLISH", "x", "m"), ("PING",),
    ],
    "off-then-exec": [
        ("CLIENT", "REPLY", "OFF"), ("SET", "k", "v"), ("MULTI",), ("SUBSCRIBE", "x"),
        ("GET", "k"), ("EXEC",), ("CLIENT", "REPLY", "ON"), ("PING",),
    ],
    "off-monitor-lines-are-replies": [
        ("CLIENT", "REPLY", "OFF"), ("MONITOR",), ("@SET", "k", "v"), ("@GET", "k"),
    ],
    "skip-monitor": [
        ("CLIENT", "REPLY", "SKIP"), ("MONITOR",), ("@SET", "k", "v"), ("@GET", "k"),
    ],
    "monitor-own-commands-after-their-reply": [
        ("MONITOR",), ("@SET", "k", "v"), ("PING",), ("GET", "k"), ("CLIENT", "REPLY", "SKIP"),
        ("GET", "k"), ("PING",),
    ],
    "off-keyspace-events": [
        ("CONFIG", "SET", "notify-keyspace-events", "KEA"), ("CLIENT", "REPLY", "OFF"),
        ("SUBSCRIBE", "__keyspace@0__:k"), ("@SET", "k", "w"), ("@DEL", "k"),
    ],
    "off-commands-stay-silent": [
        ("CLIENT", "REPLY", "OFF"), ("SET", "k", "v"), ("GET", "k"), ("@PUBLISH", "nobody", "m"),
        ("CLIENT", "REPLY", "ON"), ("GET", "k"),
    ],
}


@pytest.fixture(scope="module")
def godis_port() -> Iterator[int]:
    with running_server() as server:
        yield server.port


def _stream(port: int, script: Script, resp: int) -> bytes:
    """Everything the client received, from the HELLO's reply on, up to RESET's ``+RESET``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    other = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(encode_command("FLUSHALL"))
        _read_replies(sock, 1)
        sock.sendall(encode_command("CLIENT", "ID"))
        client_id = _read_replies(sock, 1)[1:-2].decode()
        if resp == 3:
            sock.sendall(encode_command("HELLO", "3"))
            _read_replies(sock, 1)
        unsynced: str | None = None
        for command in script:
            if command[0].startswith("@"):  # from the other connection, answered before we go on
                if unsynced is not None:
                    _wait_processed(other, client_id, unsynced)
                    unsynced = None
                other.sendall(encode_command(command[0][1:], *command[1:]))
                _read_replies(other, 1)
            else:
                sock.sendall(encode_command(*command))
                unsynced = command[0].lower()
        sock.sendall(encode_command("RESET"))
        data = b""
        while not data.endswith(b"+RESET\r\n"):
            chunk = sock.recv(65536)
            assert chunk, f"closed after {data!r}"
            data += chunk
        return data
    finally:
        sock.close()
        other.close()


def _wait_processed(other: socket.socket, client_id: str, name: str) -> None:
    """Poll CLIENT LIST (admin: never shown to monitors) until our client ran ``name``: its
    replies may be silenced, so nothing else says the server got that far."""
    while True:
        other.sendall(encode_command("CLIENT", "LIST"))
        listing = _read_replies(other, 1).decode()
        for line in listing.splitlines():
            if f"id={client_id} " in line and f" cmd={name} " in line:
                return


def _read_replies(sock: socket.socket, count: int) -> bytes:
    data = b""
    while True:
        pos = 0
        for _ in range(count):
            end = reply_end(data, pos)
            if end <= 0:
                break
            pos = end
        else:
            return data
        chunk = sock.recv(65536)
        assert chunk
        data += chunk


@pytest.mark.parametrize("resp", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_pushes_pass_reply_off_and_skip(name: str, resp: int, redis_port: int,
                                        godis_port: int) -> None:
    script = SCRIPTS[name]
    theirs = _normalized(_stream(redis_port, script, resp))
    mine = _normalized(_stream(godis_port, script, resp))
    assert mine == theirs
    if "subscribe" in str(script).lower():
        assert b"subscribe" in mine  # the confirmations came through
    if name == "skip-monitor":
        assert mine.count(b"[0 ADDR]") == 2  # only MONITOR's own +OK was skipped


def _normalized(stream: bytes) -> bytes:
    """MONITOR lines with their time and client address blanked."""
    return re.sub(rb"\+\d+\.\d+ \[0 [^\]]+\]", b"+TIME [0 ADDR]", stream)
