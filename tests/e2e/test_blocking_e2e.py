"""Blocking commands over real sockets: wake-ups, FIFO order, disconnects."""

from __future__ import annotations

import socket
import threading
import time

import redis

from tests.support.resp import RespConnection, encode_command
from tests.support.server_thread import ServerThread


def _blocked_count(server: ServerThread) -> int:
    info = redis.Redis(port=server.port).info("clients")
    return int(info["blocked_clients"])


def _wait_blocked(server: ServerThread, count: int) -> None:
    deadline = time.monotonic() + 5
    while _blocked_count(server) != count:
        assert time.monotonic() < deadline, "clients did not block"
        time.sleep(0.01)


def test_disconnect_while_blocked_leaves_nothing_behind(godis_server: ServerThread) -> None:
    sock = socket.create_connection(("127.0.0.1", godis_server.port))
    sock.sendall(encode_command("BLPOP", "queue", "0"))
    _wait_blocked(godis_server, 1)
    sock.close()
    _wait_blocked(godis_server, 0)
    r = redis.Redis(port=godis_server.port)
    assert r.rpush("queue", "job") == 1
    assert r.lrange("queue", 0, -1) == [b"job"]  # nobody popped it for a gone client
    r.close()


def test_blocked_clients_are_served_in_order(godis_server: ServerThread) -> None:
    waiters = [RespConnection("127.0.0.1", godis_server.port) for _ in range(3)]
    for waiter in waiters:
        waiter.send_raw(encode_command("BRPOP", "q", "5"))
        time.sleep(0.05)  # block in a known order
    _wait_blocked(godis_server, 3)
    r = redis.Redis(port=godis_server.port)
    r.lpush("q", "c", "b", "a")  # the list is a b c; BRPOP takes the tail first
    replies = [waiter.read_reply() for waiter in waiters]
    assert replies == [b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n", b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n",
                       b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"]
    for waiter in waiters:
        waiter.close()
    r.close()


def test_blpop_with_redis_py_and_pipelined_commands_after_it(godis_server: ServerThread) -> None:
    r = redis.Redis(port=godis_server.port, decode_responses=True)
    result: list[object] = []

    def consumer() -> None:
        client = redis.Redis(port=godis_server.port, decode_responses=True)
        result.append(client.blpop(["a", "b"], timeout=5))
        client.close()

    thread = threading.Thread(target=consumer)
    thread.start()
    _wait_blocked(godis_server, 1)
    r.rpush("b", "x")
    thread.join()
    assert result in ([("b", "x")], [["b", "x"]])
    # a blocking command followed by more commands in the same pipeline
    conn = RespConnection("127.0.0.1", godis_server.port)
    conn.send_raw(encode_command("BLPOP", "c", "5") + encode_command("PING"))
    _wait_blocked(godis_server, 1)
    r.rpush("c", "1")
    assert conn.read_reply() == b"*2\r\n$1\r\nc\r\n$1\r\n1\r\n"
    assert conn.read_reply() == b"+PONG\r\n"
    conn.close()
    r.close()


def test_timeout(godis_server: ServerThread) -> None:
    r = redis.Redis(port=godis_server.port)
    started = time.monotonic()
    assert r.blpop(["nothing"], timeout=0.2) is None
    assert time.monotonic() - started >= 0.19
    r.close()
