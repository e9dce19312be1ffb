"""MIGRATE between godis and redis-server, both ways, through redis-py: the keys move (or are
copied), the replies and errors are Redis's, the source's AOF records the DEL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.aof import incr_bytes
from tests.support.differential import GodisDirect
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, free_port, redis_server
from tests.support.resp import RespConnection
from tests.support.server_thread import ServerThread, running_server


@pytest.fixture
def real() -> Iterator[int]:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    with redis_server() as port:
        yield port


def _fill(client: redis.Redis) -> None:
    client.set("s", "v")
    client.rpush("l", "a", "b", "c")
    client.hset("h", mapping={"f": "1", "g": "2"})
    client.zadd("z", {"m": 1.5})
    client.set("ttl", "x", px=100_000)


def _content(client: redis.Redis) -> dict[str, object]:
    return {"s": client.get("s"), "l": client.lrange("l", 0, -1), "h": client.hgetall("h"),
            "z": client.zrange("z", 0, -1, withscores=True), "ttl": client.get("ttl")}


def test_godis_migrates_into_redis_and_back(tmp_path: Path, real: int) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        source = redis.Redis(port=server.port, decode_responses=True)
        target = redis.Redis(port=real, decode_responses=True)
        _fill(source)
        before = _content(source)
        assert source.migrate("127.0.0.1", real, "s", 0, 5000) == "OK"
        assert source.migrate("127.0.0.1", real, ["l", "h", "z", "ttl"], 0, 5000) == "OK"
        assert source.dbsize() == 0
        assert _content(target) == before
        assert 0 < target.pttl("ttl") <= 100_000
        # back from Redis into godis, into db 2, with COPY
        assert target.migrate("127.0.0.1", server.port, ["s", "l", "h", "z", "ttl"], 2, 5000,
                              copy=True) == "OK"
        assert target.dbsize() == 5
        in_db2 = redis.Redis(port=server.port, db=2, decode_responses=True)
        assert _content(in_db2) == before
        in_db2.close()
        source.close()
        target.close()
    aof = incr_bytes(tmp_path)
    assert b"DEL\r\n$1\r\ns\r\n" in aof


def test_migrate_replies_match_redis(real: int) -> None:
    """The same MIGRATEs from godis and from redis-server to a third server (redis-server)
    give the same replies: NOKEY, BUSYKEY from the target, REPLACE, KEYS misuse, syntax,
    a closed port."""
    closed = free_port()
    with running_server(appendonly=False) as godis, redis_server() as other_redis:
        for target in (real,):
            sources = [RespConnection("127.0.0.1", godis.port),
                       RespConnection("127.0.0.1", other_redis)]
            replies = []
            for side in sources:
                side.call("FLUSHALL")
                RespConnection("127.0.0.1", target).call("FLUSHALL")
                side.call("SET", "k", "v")
                got = [
                    side.call("MIGRATE", "127.0.0.1", target, "nokey", 0, 1000),
                    side.call("MIGRATE", "127.0.0.1", target, "k", 0, 1000, "COPY"),
                    side.call("MIGRATE", "127.0.0.1", target, "k", 0, 1000, "COPY"),
                    side.call("MIGRATE", "127.0.0.1", target, "k", 0, 1000, "COPY", "REPLACE"),
                    side.call("MIGRATE", "127.0.0.1", target, "k", 0, 1000, "KEYS", "k"),
                    side.call("MIGRATE", "127.0.0.1", target, "", 0, 1000, "BAD"),
                    side.call("MIGRATE", "127.0.0.1", target, "", "x", 1000, "KEYS", "k"),
                    side.call("MIGRATE", "127.0.0.1", target, "", 0, 1000, "AUTH"),
                    side.call("MIGRATE", "127.0.0.1", target, "", 0, 1000, "AUTH", "pw",
                              "KEYS", "k"),
                    side.call("MIGRATE", "127.0.0.1", closed, "k", 0, 100),
                    side.call("MIGRATE", "127.0.0.1", target, "k", 0, 1000, "REPLACE"),
                    side.call("EXISTS", "k"),
                ]
                replies.append(got)
                side.close()
            assert replies[0] == replies[1]


def test_migrate_without_the_shell_answers_ioerr() -> None:
    godis = GodisDirect()
    godis.call("SET", "k", "v")
    assert godis.call("MIGRATE", "127.0.0.1", 1, "k", 0, 100) == (
        b"-IOERR error or timeout connecting to the client\r\n")


def test_fixture_server_is_reachable(fresh_server: ServerThread) -> None:
    assert redis.Redis(port=fresh_server.port).ping()
