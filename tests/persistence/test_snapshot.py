"""The RDB file on disk: SAVE / BGSAVE / DEBUG RELOAD write it, start-up loads it when the AOF
is off, and files move between godis and redis-server 7.0 both ways."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from godis.config import Config
from godis.persistence.rdb import parse_rdb
from godis.persistence.snapshot import SnapshotError, load_snapshot
from godis.state import ServerState
from tests.support import redispy
from tests.support.differential import Differ, GodisDirect
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.resp import RespConnection, parse_reply
from tests.support.server_thread import running_server


@pytest.fixture
def rdiff(redis_port: int, tmp_path: Path) -> Iterator[Differ]:
    """A differ whose godis side keeps its RDB file in ``tmp_path``."""
    conn = RespConnection("127.0.0.1", redis_port)
    conn.call("FLUSHALL")
    try:
        yield Differ(conn, GodisDirect(Config(appendonly=False, dir=str(tmp_path))))
    finally:
        conn.call("FLUSHALL")
        conn.call("SAVE")
        conn.close()


def _fill(conn: redis.Redis) -> None:
    conn.set("s", "v")
    conn.set("n", 12345)
    conn.set("ttl", "x", px=10_000_000)
    conn.rpush("l", *range(500))
    conn.sadd("set", "a", "b")
    conn.zadd("z", {"a": 1, "b": 2.5})
    conn.hset("h", mapping={"f": "v"})


def test_save_restart_and_load(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path)) as server:
        conn = redis.Redis(port=server.port)
        _fill(conn)
        digest = redispy.execute_command(conn, "DEBUG", "DIGEST")
        before = conn.lastsave()
        assert conn.save() is True
        assert conn.lastsave() >= before
        assert conn.info("persistence")["rdb_changes_since_last_save"] == 0
        conn.set("after", "save")  # not in the file
        conn.close()
    assert (tmp_path / "dump.rdb").exists()
    with running_server(dir=str(tmp_path)) as server:
        conn = redis.Redis(port=server.port)
        assert redispy.execute_command(conn, "DEBUG", "DIGEST") == digest
        assert conn.get("after") is None
        assert 0 < conn.pttl("ttl") <= 10_000_000
        conn.close()


def test_godis_file_in_redis_and_back(tmp_path: Path) -> None:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    with running_server(dir=str(tmp_path), dbfilename="mine.rdb") as server:
        conn = redis.Redis(port=server.port)
        _fill(conn)
        digest = redispy.execute_command(conn, "DEBUG", "DIGEST")
        assert conn.bgsave() is True
        assert redispy.wait_for_background(conn)["rdb_last_bgsave_status"] == "ok"
        conn.close()
    with redis_server("--dir", str(tmp_path), "--dbfilename", "mine.rdb") as port:
        real = redis.Redis(port=port)
        assert redispy.execute_command(real, "DEBUG", "DIGEST") == digest
        real.set("from-redis", "1")
        assert real.save() is True
        real.close()
    with running_server(dir=str(tmp_path), dbfilename="mine.rdb") as server:
        conn = redis.Redis(port=server.port)
        assert conn.get("from-redis") == b"1"
        assert conn.dbsize() == 8
        conn.close()


def test_checksum_and_compression_settings(tmp_path: Path) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path), rdbchecksum=False))
    godis.call("SET", "k", "ab" * 100)
    assert godis.call("SAVE") == b"+OK\r\n"
    data = (tmp_path / "dump.rdb").read_bytes()
    assert data[-8:] == bytes(8)
    assert b"abab" not in data  # LZF by default
    assert godis.call("CONFIG", "SET", "rdbcompression", "no") == b"+OK\r\n"
    assert godis.call("CONFIG", "SET", "dbfilename", "other.rdb") == b"+OK\r\n"
    assert godis.call("SAVE") == b"+OK\r\n"
    assert b"ab" * 100 in (tmp_path / "other.rdb").read_bytes()
    assert parse_rdb((tmp_path / "other.rdb").read_bytes()).keys[0].value == b"ab" * 100


def test_damaged_file_stops_the_start(tmp_path: Path) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    godis.call("SET", "k", "v")
    godis.call("SAVE")
    data = (tmp_path / "dump.rdb").read_bytes()
    (tmp_path / "dump.rdb").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    server = ServerState(Config(appendonly=False, dir=str(tmp_path)))
    with pytest.raises(SnapshotError, match="RDB CRC error"):
        load_snapshot(server)
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0011")
    with pytest.raises(SnapshotError, match="Can't handle RDB format version 11"):
        load_snapshot(server)
    (tmp_path / "dump.rdb").unlink()
    assert load_snapshot(server) is None


def test_redis_dump_loads_at_start(redis_port: int, tmp_path: Path) -> None:
    real = redis.Redis(port=redis_port)
    real.flushall()
    try:
        _fill(real)
        digest = redispy.execute_command(real, "DEBUG", "DIGEST")
        real.save()
        workdir = os.fsdecode(redispy.execute_command(real, "CONFIG", "GET", "dir")[b"dir"])
        shutil.copy(Path(workdir) / "dump.rdb", tmp_path / "dump.rdb")
    finally:
        real.flushall()
        real.close()
    with running_server(dir=str(tmp_path)) as server:
        conn = redis.Redis(port=server.port)
        assert redispy.execute_command(conn, "DEBUG", "DIGEST") == digest
        conn.close()


def test_debug_reload_options(rdiff: Differ) -> None:
    for argv in (("SET", "a", "1"), ("RPUSH", "l", "x", "y"), ("SAVE",), ("SET", "a", "2"),
                 ("SET", "b", "3"), ("DEBUG", "RELOAD", "NOSAVE"), ("MGET", "a", "b"),
                 ("SET", "c", "4"), ("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"),
                 ("MGET", "a", "b", "c"), ("DEBUG", "RELOAD"), ("DBSIZE",),
                 ("DEBUG", "RELOAD", "FOO"), ("LRANGE", "l", 0, -1)):
        rdiff.check(*argv)
    assert parse_reply(rdiff.godis.call("INFO", "persistence")) is not None
