"""End to end through redis-py (sync client, real sockets), RESP3 (its default) and RESP2."""

from __future__ import annotations

import threading

import pytest
import redis

from tests.support import redispy
from tests.support.server_thread import ServerThread


def test_default_protocol_is_resp3_and_works(r: redis.Redis) -> None:
    assert r.ping() is True
    hello = redispy.execute_command(r, "HELLO", "3")
    assert hello["proto"] == 3
    assert hello["version"] == "7.0.15"
    assert hello["server"] == "redis"


def test_seed_commands(r: redis.Redis) -> None:
    assert r.set("name", "godis") is True
    assert r.get("name") == "godis"
    assert r.hset("user:1", mapping={"name": "ada", "lang": "python"}) == 2
    assert r.hset("user:1", "name", "grace") == 0
    assert r.hget("user:1", "name") == "grace"
    assert r.hgetall("user:1") == {"name": "grace", "lang": "python"}
    assert r.hgetall("missing") == {}
    assert r.echo("hi") == "hi"
    assert r.exists("name", "user:1", "nope") == 2
    assert r.delete("name", "nope") == 1
    assert r.get("name") is None


def test_hgetall_is_a_map_in_resp3_and_flat_in_resp2(godis_server: ServerThread) -> None:
    raw3 = redis.Redis(port=godis_server.port, protocol=3)
    raw2 = redis.Redis(port=godis_server.port, protocol=2)
    raw3.hset("h", "f", "v")
    assert redispy.execute_command(raw3, "HGETALL", "h") == {b"f": b"v"}
    assert redispy.execute_command(raw2, "HGETALL", "h") in ([b"f", b"v"], {b"f": b"v"})
    raw3.close()
    raw2.close()


def test_resp2_client(r2: redis.Redis) -> None:
    assert r2.ping() is True
    assert r2.set("k", "v", ex=100) is True
    assert 0 < r2.ttl("k") <= 100
    assert r2.hset("h", "a", "1") == 1
    assert r2.hgetall("h") == {"a": "1"}


@pytest.mark.parametrize("protocol", [2, 3])
def test_set_options_and_expiry(godis_server: ServerThread, protocol: int) -> None:
    r = redis.Redis(port=godis_server.port, protocol=protocol, decode_responses=True)
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.set("k", "3", xx=True) is True
    assert r.set("k", "4", get=True) == "3"
    assert r.set("k", "5", px=50_000) is True
    assert 49_000 < r.pttl("k") <= 50_000
    assert r.set("k", "6", keepttl=True) is True
    assert r.ttl("k") > 0
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.expire("k", 100) is True
    assert r.pexpire("k", 100_000) is True
    assert r.ttl("missing") == -2
    r.close()


def test_select_dbsize_flush(r: redis.Redis) -> None:
    r.set("a", "1")
    assert r.dbsize() == 1
    r.select(3) if hasattr(r, "select") else redispy.execute_command(r, "SELECT", "3")
    redispy.execute_command(r, "SELECT", "3")
    assert r.dbsize() == 0
    r.set("b", "2")
    redispy.execute_command(r, "SELECT", "0")
    assert r.dbsize() == 1
    assert r.flushdb() is True
    assert r.dbsize() == 0
    redispy.execute_command(r, "SELECT", "3")
    assert r.dbsize() == 1
    assert r.flushall() is True
    assert r.dbsize() == 0
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        redispy.execute_command(r, "SELECT", "16")


def test_errors_keep_the_connection(r: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="unknown command 'FOO', with args beginning with: 'a'"):
        redispy.execute_command(r, "FOO", "a")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get' command"):
        redispy.execute_command(r, "GET")
    r.hset("h", "f", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.get("h")
    assert r.ping() is True


def test_client_name_and_id(r: redis.Redis) -> None:
    assert r.client_setname("worker-1") is True
    assert r.client_getname() == "worker-1"
    assert isinstance(r.client_id(), int)
    listing = r.client_list()
    assert any(entry["name"] == "worker-1" for entry in listing)
    with pytest.raises(redis.ResponseError, match="cannot contain spaces"):
        r.client_setname("bad name")


def test_config_get(r: redis.Redis) -> None:
    assert r.config_get("save") == {"save": ""}
    assert r.config_get("appendonly") == {"appendonly": "yes"}
    got = r.config_get("append*")
    assert got["appendfsync"] == "everysec"
    assert r.config_get("databases") == {"databases": "16"}
    port = r.config_get("port")["port"]
    assert port is not None
    assert int(port) > 0


def test_info(r: redis.Redis) -> None:
    r.set("x", "1")
    info = r.info()
    assert info["redis_version"] == "7.0.15"
    assert info["redis_mode"] == "standalone"
    assert info["arch_bits"] == 64
    assert info["cluster_enabled"] == 0
    assert info["connected_clients"] >= 1
    assert info["db0"]["keys"] == 1
    assert info["aof_enabled"] == 1
    assert info["uptime_in_seconds"] >= 0
    assert "used_memory" in r.info("memory")


def test_command_introspection(r: redis.Redis) -> None:
    count = r.command_count()
    assert count > 15
    info = redispy.execute_command(r, "COMMAND", "INFO", "get")
    assert info["get"]["arity"] == 2
    assert info["get"]["first_key_pos"] == 1
    assert sorted(info["get"]["flags"]) == ["fast", "readonly"]
    everything = r.command()
    assert everything["set"]["arity"] == -3
    assert "hgetall" in everything


def test_pipelining_ten_thousand(r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    for i in range(10_000):
        pipe.set(f"key:{i}", i)
    assert all(pipe.execute())
    pipe = r.pipeline(transaction=False)
    for i in range(10_000):
        pipe.get(f"key:{i}")
    assert pipe.execute() == [str(i) for i in range(10_000)]
    assert r.dbsize() == 10_000


def test_binary_values(godis_server: ServerThread) -> None:
    r = redis.Redis(port=godis_server.port)
    value = bytes(range(256)) * 4 + b"\r\n\x00\r\n"
    key = b"\x00bin\r\nkey\xff"
    assert r.set(key, value)
    assert r.get(key) == value
    assert r.hset(b"h\x00", b"f\r\n", value) == 1
    assert r.hget(b"h\x00", b"f\r\n") == value
    big = b"x" * (4 * 1024 * 1024)
    assert r.set("big", big)
    assert r.get("big") == big
    r.close()


def test_many_concurrent_clients(godis_server: ServerThread) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            client = redis.Redis(port=godis_server.port, decode_responses=True)
            for i in range(200):
                client.set(f"c{n}:{i}", i)
                assert client.get(f"c{n}:{i}") == str(i)
            client.hset("shared", f"w{n}", n)
            client.close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    check = redis.Redis(port=godis_server.port)
    assert check.dbsize() == 40 * 200 + 1
    assert check.hlen("shared") == 40
    check.close()


def test_quit_closes(godis_server: ServerThread) -> None:
    import socket

    sock = socket.create_connection(("127.0.0.1", godis_server.port))
    sock.sendall(b"QUIT\r\nPING\r\n")
    data = b""
    while chunk := sock.recv(100):
        data += chunk
    assert data == b"+OK\r\n"
    sock.close()


def test_smove_of_a_member_already_there_keeps_the_watch(r: redis.Redis, r2: redis.Redis) -> None:
    """Issue 10 defect 4: SMOVE signals the destination only when it adds the member."""
    r.sadd("src", "m", "n")
    r.sadd("dst", "m")
    with r.pipeline() as pipe:
        pipe.watch("dst")  # type: ignore[no-untyped-call]
        assert r2.smove("src", "dst", "m")
        pipe.multi()
        pipe.scard("dst")
        assert pipe.execute() == [1]
    with r.pipeline() as pipe:
        pipe.watch("dst")  # type: ignore[no-untyped-call]
        assert r2.smove("src", "dst", "n")
        pipe.multi()
        pipe.scard("dst")
        with pytest.raises(redis.WatchError):
            pipe.execute()
