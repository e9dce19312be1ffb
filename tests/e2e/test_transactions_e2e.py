"""Transactions end to end: redis-py pipelines and WATCH over real sockets, concurrent clients,
isolation, the append-only file and disconnects."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from godis.persistence.aof import encode_command
from tests.support import redispy
from tests.support.aof import incr_bytes
from tests.support.resp import RespConnection
from tests.support.server_thread import ServerThread, running_server


def _other(server: ServerThread) -> redis.Redis:
    return redis.Redis(port=server.port, decode_responses=True)


def test_pipeline_transaction(client: redis.Redis) -> None:
    client.hset("h", "f", "v")
    pipe = client.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.incr("a")
    pipe.hgetall("h")
    pipe.get("missing")
    pipe.lpush("a", "x")
    pipe.get("a")
    results = pipe.execute(raise_on_error=False)
    assert results[:4] == [True, 2, {"f": "v"}, None]
    assert isinstance(results[4], redis.ResponseError)
    assert results[5] == "2"  # the error did not stop the rest
    failing = client.pipeline(transaction=True)
    failing.incr("a")
    failing.lpush("a", "x")  # queued on the client side: nothing is sent before execute()
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        failing.execute()
    assert client.get("a") == "3"  # no rollback


def test_queueing_error_discards_everything(client: redis.Redis) -> None:
    pipe = client.pipeline(transaction=True)
    pipe.set("a", "1")
    redispy.execute_command(pipe, "NOSUCHCOMMAND")
    pipe.set("b", "1")
    with pytest.raises(redis.ResponseError):
        pipe.execute()
    assert client.exists("a", "b") == 0


def test_watch_race_makes_exec_fail(client: redis.Redis, fresh_server: ServerThread) -> None:
    other = _other(fresh_server)
    client.set("k", "1")
    with client.pipeline() as pipe:
        redispy.watch(pipe, "k")
        assert pipe.get("k") == "1"
        other.set("k", "2")  # between WATCH and EXEC
        pipe.multi()
        pipe.set("k", "3")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert client.get("k") == "2"
    with client.pipeline() as pipe:  # unrelated writes leave the WATCH intact
        redispy.watch(pipe, "k")
        other.set("unrelated", "x")
        pipe.multi()
        pipe.set("k", "4")
        assert pipe.execute() == [True]
    assert client.get("k") == "4"
    other.close()


def test_optimistic_increments_from_threads(fresh_server: ServerThread) -> None:
    """r.transaction(func, *watch) retries on WatchError: no increment is lost."""
    threads, rounds = 6, 40
    retries = [0]

    def worker() -> None:
        connection = _other(fresh_server)

        def increment(pipe: redis.client.Pipeline) -> None:
            value = int(pipe.get("counter") or 0)
            retries[0] += 1
            pipe.multi()
            pipe.set("counter", value + 1)

        for _ in range(rounds):
            connection.transaction(increment, "counter")
        connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    check = _other(fresh_server)
    assert int(check.get("counter") or 0) == threads * rounds
    assert retries[0] >= threads * rounds
    check.close()


def test_isolation_of_concurrent_transactions(fresh_server: ServerThread) -> None:
    """Clients interleave MULTI/RPUSH/RPUSH/EXEC round trips: both lists get the same order,
    and a transaction reading both lengths never sees one push without the other."""
    clients, rounds = 8, 60
    mismatches: list[tuple[int, int]] = []
    done = threading.Event()

    def writer(ident: int) -> None:
        connection = RespConnection("127.0.0.1", fresh_server.port)
        for _ in range(rounds):
            assert connection.call("MULTI") == b"+OK\r\n"
            assert connection.call("RPUSH", "x", ident) == b"+QUEUED\r\n"
            assert connection.call("RPUSH", "y", ident) == b"+QUEUED\r\n"
            assert connection.call("EXEC").startswith(b"*2\r\n:")
        connection.close()

    def reader() -> None:
        connection = redis.Redis(port=fresh_server.port)
        while not done.is_set():
            pipe = connection.pipeline(transaction=True)
            pipe.llen("x")
            pipe.llen("y")
            x, y = pipe.execute()
            if x != y:
                mismatches.append((x, y))
        connection.close()

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(i,)) for i in range(clients)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    done.set()
    watcher.join(10)
    check = _other(fresh_server)
    xs, ys = check.lrange("x", 0, -1), check.lrange("y", 0, -1)
    assert xs == ys
    assert len(xs) == clients * rounds
    assert mismatches == []
    check.close()


def _wait_for(condition: Callable[[], bool], server: ServerThread, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.call(condition):
        assert time.monotonic() < deadline, "condition never met"
        time.sleep(0.01)


def test_blocked_client_is_served_after_exec(fresh_server: ServerThread) -> None:
    """A push inside EXEC wakes a blocked BLPOP once the transaction is over."""
    popped: list[object] = []
    state = fresh_server.state
    assert state is not None

    def blocked() -> None:
        connection = _other(fresh_server)
        popped.append(connection.blpop(["q"], timeout=5))
        connection.close()

    thread = threading.Thread(target=blocked)
    thread.start()
    _wait_for(lambda: bool(state.keyspace.blocking_keys), fresh_server)
    writer = _other(fresh_server)
    pipe = writer.pipeline(transaction=True)
    pipe.rpush("q", "a")
    pipe.rpush("q", "b")
    assert pipe.execute() == [1, 2]
    thread.join(10)
    assert popped == [("q", "a")] or popped == [["q", "a"]]
    assert writer.lrange("q", 0, -1) == ["b"]
    writer.close()


def test_watched_key_expiring_fails_exec(client: redis.Redis) -> None:
    client.set("k", "v", px=80)
    with client.pipeline() as pipe:
        redispy.watch(pipe, "k")
        time.sleep(0.15)
        pipe.multi()
        pipe.set("other", "1")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert client.get("other") is None


def test_disconnect_before_exec_applies_nothing(fresh_server: ServerThread) -> None:
    state = fresh_server.state
    assert state is not None
    raw = RespConnection("127.0.0.1", fresh_server.port)
    assert raw.call("WATCH", "w") == b"+OK\r\n"
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("SET", "k", "v") == b"+QUEUED\r\n"
    raw.close()
    _wait_for(lambda: not state.keyspace.databases[0].watched, fresh_server)
    check = _other(fresh_server)
    assert check.get("k") is None
    assert b"$1\r\nk\r\n" not in incr_bytes(state.config.dir)
    check.close()


def test_quit_inside_multi_applies_nothing(fresh_server: ServerThread) -> None:
    raw = RespConnection("127.0.0.1", fresh_server.port)
    raw.call("MULTI")
    raw.call("SET", "k", "v")
    assert raw.call("QUIT") == b"+OK\r\n"
    assert raw.read_until_close() == b""
    raw.close()
    check = _other(fresh_server)
    assert check.get("k") is None
    check.close()


def test_aof_holds_the_block_and_replays_it(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        connection = redis.Redis(port=server.port, decode_responses=True)
        pipe = connection.pipeline(transaction=True)
        pipe.set("a", "1")
        pipe.rpush("l", "x", "y")
        pipe.get("a")
        pipe.incr("a")  # INCRBY a 1
        pipe.execute()
        single = connection.pipeline(transaction=True)
        single.set("single", "1")
        single.get("single")
        single.execute()
        connection.close()
        assert server.state is not None
    data = incr_bytes(tmp_path)
    block = b"".join(encode_command(argv) for argv in (
        [b"MULTI"], [b"SET", b"a", b"1"], [b"RPUSH", b"l", b"x", b"y"], [b"INCRBY", b"a", b"1"],
        [b"EXEC"]))
    assert data == (encode_command([b"SELECT", b"0"]) + block
                    + encode_command([b"SET", b"single", b"1"]))
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        connection = redis.Redis(port=server.port, decode_responses=True)
        assert connection.get("a") == "2"
        assert connection.lrange("l", 0, -1) == ["x", "y"]
        assert connection.get("single") == "1"
        connection.close()
