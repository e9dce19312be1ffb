"""Blocking commands over real sockets: wake-ups, FIFO order, disconnects."""

from __future__ import annotations

import socket
import threading
import time

import redis
from redis.typing import BlockingListPopResponse

from tests.support import redispy
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


def test_disconnect_while_blocked_leaves_nothing_behind(fresh_server: ServerThread) -> None:
    sock = socket.create_connection(("127.0.0.1", fresh_server.port))
    sock.sendall(encode_command("BLPOP", "queue", "0"))
    _wait_blocked(fresh_server, 1)
    sock.close()
    _wait_blocked(fresh_server, 0)
    r = redis.Redis(port=fresh_server.port)
    assert r.rpush("queue", "job") == 1
    assert r.lrange("queue", 0, -1) == [b"job"]  # nobody popped it for a gone client
    r.close()


def test_blocked_clients_are_served_in_order(fresh_server: ServerThread) -> None:
    waiters = [RespConnection("127.0.0.1", fresh_server.port) for _ in range(3)]
    for waiter in waiters:
        waiter.send_raw(encode_command("BRPOP", "q", "5"))
        time.sleep(0.05)  # block in a known order
    _wait_blocked(fresh_server, 3)
    r = redis.Redis(port=fresh_server.port)
    r.lpush("q", "c", "b", "a")  # the list is a b c; BRPOP takes the tail first
    replies = [waiter.read_reply() for waiter in waiters]
    assert replies == [b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n", b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n",
                       b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"]
    for waiter in waiters:
        waiter.close()
    r.close()


def test_blpop_with_redis_py_and_pipelined_commands_after_it(fresh_server: ServerThread) -> None:
    r = redis.Redis(port=fresh_server.port, decode_responses=True)
    result: list[object] = []

    def consumer() -> None:
        client = redis.Redis(port=fresh_server.port, decode_responses=True)
        result.append(client.blpop(["a", "b"], timeout=5))
        client.close()

    thread = threading.Thread(target=consumer)
    thread.start()
    _wait_blocked(fresh_server, 1)
    r.rpush("b", "x")
    thread.join()
    assert result in ([("b", "x")], [["b", "x"]])
    # a blocking command followed by more commands in the same pipeline
    conn = RespConnection("127.0.0.1", fresh_server.port)
    conn.send_raw(encode_command("BLPOP", "c", "5") + encode_command("PING"))
    _wait_blocked(fresh_server, 1)
    r.rpush("c", "1")
    assert conn.read_reply() == b"*2\r\n$1\r\nc\r\n$1\r\n1\r\n"
    assert conn.read_reply() == b"+PONG\r\n"
    conn.close()
    r.close()


def test_timeout(fresh_server: ServerThread) -> None:
    r = redis.Redis(port=fresh_server.port)
    started = time.monotonic()
    assert r.blpop(["nothing"], timeout=0.2) is None
    assert time.monotonic() - started >= 0.19
    r.close()


def _blpop_served_by(server: ServerThread, *setup_and_trigger: tuple[str, ...],
                     db: int = 0) -> BlockingListPopResponse:
    """A redis-py BLPOP on ``dst`` (db ``db``) in a thread, then the commands from another
    client; the BLPOP's reply (None when it timed out)."""
    result: list[BlockingListPopResponse] = []

    def consumer() -> None:
        client = redis.Redis(port=server.port, db=db)
        result.append(client.blpop(["dst"], timeout=5))
        client.close()

    thread = threading.Thread(target=consumer)
    thread.start()
    _wait_blocked(server, 1)
    r = redis.Redis(port=server.port)
    for command in setup_and_trigger:
        redispy.execute_command(r, *command)
    thread.join(10)
    r.close()
    assert len(result) == 1
    return result[0]


def test_blpop_woken_by_rename(fresh_server: ServerThread) -> None:
    """Regression (issue 10, defect 2): a key that arrives by RENAME serves BLPOP (dbAdd)."""
    reply = _blpop_served_by(fresh_server, ("RPUSH", "src", "a", "b"), ("RENAME", "src", "dst"))
    assert reply == (b"dst", b"a")


def test_blpop_woken_by_copy_same_db_and_other_db(fresh_server: ServerThread) -> None:
    reply = _blpop_served_by(fresh_server, ("RPUSH", "src", "x"), ("COPY", "src", "dst"))
    assert reply == (b"dst", b"x")
    redis.Redis(port=fresh_server.port).flushall()
    reply = _blpop_served_by(fresh_server, ("RPUSH", "src", "y"), ("COPY", "src", "dst", "DB", "3"),
                             db=3)
    assert reply == (b"dst", b"y")


def test_blpop_woken_by_sort_store(fresh_server: ServerThread) -> None:
    reply = _blpop_served_by(fresh_server, ("RPUSH", "src", "3", "1", "2"),
                             ("SORT", "src", "STORE", "dst"))
    assert reply == (b"dst", b"1")
