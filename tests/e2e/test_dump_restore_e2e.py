"""DUMP / RESTORE between a real redis-server 7.0 and a godis server, with redis-py.

A user moving keys between the two: every type dumped on one side restores on the other with
the same content, TTLs travel with RESTORE's ttl argument, and the AOF keeps what was
restored across a restart of godis.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.redis_server import REDIS_SERVER, SKIP_REASON
from tests.support.server_thread import ServerThread, running_server


@pytest.fixture
def real(redis_port: int) -> Iterator[redis.Redis]:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    connection = redis.Redis(port=redis_port)
    connection.flushall()
    try:
        yield connection
    finally:
        connection.flushall()
        connection.close()


def _populate(conn: redis.Redis) -> None:
    conn.set("str", "hello")
    conn.set("int", -123456789)
    conn.set("blob", bytes(range(256)) * 4)
    conn.rpush("list", *[f"item-{i}" for i in range(3000)])
    conn.sadd("ints", 1, 2, 3, 2**40)
    conn.sadd("words", "a", "b", "c")
    conn.zadd("zset", {"a": 1.5, "b": float("inf"), "c": -2})
    conn.zadd("bigzset", {f"m{i}": i / 7 for i in range(300)})
    conn.hset("hash", mapping={"f": "v", "n": "1"})
    conn.hset("bighash", mapping={f"f{i}": "x" * 100 for i in range(10)})


def _snapshot(conn: redis.Redis, keys: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key in keys:
        kind = conn.type(key)
        if kind == b"string":
            out[key] = conn.get(key)
        elif kind == b"list":
            out[key] = conn.lrange(key, 0, -1)
        elif kind == b"set":
            out[key] = conn.smembers(key)
        elif kind == b"zset":
            out[key] = conn.zrange(key, 0, -1, withscores=True)
        elif kind == b"hash":
            out[key] = conn.hgetall(key)
        out[key + ":encoding"] = conn.object("ENCODING", key)
    return out


KEYS = ["str", "int", "blob", "list", "ints", "words", "zset", "bigzset", "hash", "bighash"]


def test_redis_to_godis_and_back(real: redis.Redis, tmp_path: Path) -> None:
    _populate(real)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        godis = redis.Redis(port=server.port)
        for key in KEYS:
            payload = real.dump(key)
            assert payload is not None
            assert godis.restore(key, 0, payload) == b"OK"
        assert _snapshot(godis, KEYS) == _snapshot(real, KEYS)
        for key in KEYS:
            if key not in ("words", "bighash"):  # hashtable order is each server's own
                assert godis.dump(key) == real.dump(key), key
        back = {key: godis.dump(key) for key in KEYS}
        godis.close()
    for key, payload in back.items():
        assert payload is not None
        real.restore("back-" + key, 0, payload)
        assert _snapshot(real, ["back-" + key])["back-" + key] == _snapshot(real, [key])[key]


def test_restore_options_and_aof(real: redis.Redis, godis_server: ServerThread) -> None:
    real.set("k", "v")
    payload = real.dump("k")
    assert payload is not None
    godis = redis.Redis(port=godis_server.port)
    try:
        godis.restore("k", 100_000, payload)
        ttl = godis.pttl("k")
        assert 0 < ttl <= 100_000
        with pytest.raises(redis.ResponseError, match="BUSYKEY Target key name already exists"):
            godis.restore("k", 0, payload)
        godis.restore("k", 0, payload, replace=True, idletime=500)
        assert godis.object("IDLETIME", "k") >= 500
        with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum"):
            godis.restore("bad", 0, payload[:-1] + b"!")
        godis.restore("later", 4102444800000, payload, absttl=True)
        assert godis.pexpiretime("later") == 4102444800000
    finally:
        godis.close()
    aof = b"".join(path.read_bytes() for path in Path(godis_server.config["dir"]).rglob("*.aof*")
                   if path.is_file())
    assert b"RESTORE" in aof
    assert b"ABSTTL" in aof  # a relative TTL is logged as an absolute one
