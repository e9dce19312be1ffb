"""Operator commands over real sockets with redis-py: SLOWLOG, MONITOR, DEBUG RELOAD/OBJECT/
DIGEST, RESET, BGREWRITEAOF."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import redis

from tests.support import redispy
from tests.support.server_thread import ServerThread, running_server

MONITOR_LINE = re.compile(r'^\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)$')


def test_slowlog_with_redis_py(r: redis.Redis) -> None:
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.client_setname("slowpoke")
    r.set("key", "value")
    entries: list[dict[str, Any]] = r.slowlog_get(2)
    assert len(entries) == 2
    newest = entries[0]
    assert newest["command"] == "CLIENT SETNAME slowpoke" or "SET" in str(newest["command"])
    assert {"id", "start_time", "duration", "command", "client_address", "client_name"} <= set(
        newest)
    assert newest["client_name"] in ("slowpoke", b"slowpoke")  # redis-py never decodes it
    assert r.slowlog_len() >= 3
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.get("key")
    assert r.slowlog_len() == 0


def test_slowlog_records_debug_sleep(r: redis.Redis) -> None:
    r.config_set("slowlog-log-slower-than", 50_000)
    r.slowlog_reset()
    r.ping()
    redispy.execute_command(r, "DEBUG", "SLEEP", "0.1")
    entries = r.slowlog_get()
    assert len(entries) == 1
    assert entries[0]["duration"] >= 100_000


def test_monitor_streams_commands(fresh_server: ServerThread) -> None:
    seen: list[str] = []
    ready = threading.Event()

    def watch() -> None:
        client = redis.Redis(port=fresh_server.port, decode_responses=True)
        with redispy.monitor(client) as monitor:
            ready.set()
            for event in monitor.listen():
                seen.append(event["command"])
                if event["command"].startswith("GET stop"):
                    break
        client.close()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    assert ready.wait(5)
    time.sleep(0.2)
    writer = redis.Redis(port=fresh_server.port, protocol=2, decode_responses=True)
    writer.set("greeting", "hi there")
    writer.config_get("port")  # admin commands are not shown
    writer.get("stop")
    thread.join(5)
    writer.close()
    assert "SET greeting hi there" in seen
    assert not any(line.startswith("CONFIG") for line in seen)
    # the monitor disconnected: the server forgot it
    state = fresh_server.state
    assert state is not None
    deadline = time.monotonic() + 5
    while fresh_server.call(lambda: len(state.monitors)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fresh_server.call(lambda: len(state.monitors)) == 0


def test_monitor_line_format(fresh_server: ServerThread) -> None:
    import socket

    monitor = socket.create_connection(("127.0.0.1", fresh_server.port), timeout=5)
    monitor.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
    assert monitor.recv(100) == b"+OK\r\n"
    client = redis.Redis(port=fresh_server.port, protocol=2)
    redispy.execute_command(client, "SELECT", "1")
    client.set(b"k", b'a"b\n\x01')
    data = b""
    while data.count(b"\r\n") < 2:
        data += monitor.recv(1000)
    lines = data.decode().split("\r\n")
    first = MONITOR_LINE.match(lines[0][1:])
    second = MONITOR_LINE.match(lines[1][1:])
    assert lines[0][0] == "+"
    assert first is not None
    assert second is not None
    # Redis shows the db after the command ran: SELECT 1 appears as [1 ...] (checked with 7.0.15)
    assert first.groups() == ("1", '"SELECT" "1"')
    assert second.groups() == ("1", '"SET" "k" "a\\"b\\n\\x01"')
    client.close()
    monitor.close()


def test_debug_object(r: redis.Redis) -> None:
    r.rpush("list", "a", "b", "c")
    info = r.debug_object("list")
    assert isinstance(info, dict), info
    assert info["encoding"] == "quicklist"
    assert info["refcount"] == 1
    assert "ql_nodes" in info
    r.set("n", 10)
    number = r.debug_object("n")
    assert isinstance(number, dict), number
    assert number["encoding"] == "int"


def _populate(r: redis.Redis) -> None:
    r.set("s", "v", ex=1000)
    r.rpush("l", *range(300))
    r.hset("h", mapping={f"f{i}": i for i in range(200)})
    r.sadd("set", "a", "b", 1)
    r.zadd("z", {"a": 1.5, "b": -2, "c": 1e100})
    r.pfadd("hll", "a", "b")
    redispy.execute_command(r, "SELECT", 4)
    r.set("db4", "x", px=500_000)
    redispy.execute_command(r, "SELECT", 0)


def test_debug_reload_keeps_data_and_ttls(fresh_server: ServerThread) -> None:
    client = redis.Redis(port=fresh_server.port, protocol=2, decode_responses=True)
    _populate(client)
    digest = redispy.execute_command(client, "DEBUG", "DIGEST")
    ttl = client.pttl("s")
    encodings = {key: client.object("encoding", key) for key in ("l", "h", "set", "z")}
    assert redispy.execute_command(client, "DEBUG", "RELOAD") == "OK"
    assert redispy.execute_command(client, "DEBUG", "DIGEST") == digest != "0" * 40
    assert 0 < client.pttl("s") <= ttl
    assert {key: client.object("encoding", key) for key in encodings} == encodings
    assert client.lrange("l", 0, 2) == ["0", "1", "2"]
    assert client.pfcount("hll") == 2
    redispy.execute_command(client, "SELECT", 4)
    assert client.get("db4") == "x"
    assert client.pttl("db4") > 0
    # writes after the reload still reach the (new) AOF; a restart-equivalent reload keeps them
    redispy.execute_command(client, "SELECT", 0)
    client.set("after", "reload")
    assert redispy.execute_command(client, "DEBUG", "LOADAOF") == "OK"
    assert client.get("after") == "reload"
    assert redispy.execute_command(client, "DEBUG", "DIGEST") != digest
    assert client.bgrewriteaof() is True
    client.close()


def test_restart_after_rewrite_loads_the_same_dataset(tmp_path: Any) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        client = redis.Redis(port=server.port, decode_responses=True)
        _populate(client)
        client.incr("counter")
        client.bgrewriteaof()
        client.incr("counter")
        digest = redispy.execute_command(client, "DEBUG", "DIGEST")
        client.close()
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        client = redis.Redis(port=server.port, decode_responses=True)
        assert redispy.execute_command(client, "DEBUG", "DIGEST") == digest
        assert client.get("counter") == "2"
        client.close()


def test_reset_over_the_wire(r: redis.Redis) -> None:
    redispy.execute_command(r, "SELECT", 2)
    r.client_setname("named")
    assert redispy.execute_command(r, "RESET") in ("RESET", b"RESET")
    assert r.client_getname() is None
    assert redispy.execute_command(r, "CLIENT", "INFO").split(" db=")[1].startswith("0 ")


def test_scripting_probes_used_by_clients(r: redis.Redis) -> None:
    assert r.script_flush() is True
    assert r.script_exists("a" * 40) == [False]
    assert r.function_flush() in (True, "OK", b"OK")
    assert r.function_list() == []
    assert r.eval("return 1", 0) == 1
