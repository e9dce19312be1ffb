"""The RDB file on disk: SAVE / BGSAVE / DEBUG RELOAD write it, start-up loads it when the AOF
is off, and files move between godis and redis-server 7.0 both ways."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from godis.config import Config
from godis.keyspace.keyspace import Keyspace
from godis.persistence.background import save_if_due, state_of
from godis.persistence.rdb import Encodings, parse_rdb, save_rdb
from godis.persistence.snapshot import SnapshotError, load_snapshot
from godis.state import ServerState
from tests.support import redispy
from tests.support.differential import Differ, GodisDirect
from tests.support.process import godis_process
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
        assert conn.info("persistence")["rdb_last_load_keys_loaded"] == 7
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
    godis.server.config.set_text("dbfilename", "other.rdb", at_start=True)
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


def test_shutdown_save(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path)) as server:
        conn = redis.Redis(port=server.port)
        conn.set("k", "kept")
        conn.close()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"SHUTDOWN SAVE\r\n")
            assert sock.recv(100) == b""  # no reply: closed once the file is written
    assert parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys[0].value == b"kept"


def test_shutdown_save_failure_keeps_running(tmp_path: Path) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path / "missing")))
    stopped: list[bool] = []
    godis.server.request_shutdown = lambda: stopped.append(True)
    assert godis.call("SHUTDOWN", "SAVE") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert godis.call("SAVE") == b"-ERR\r\n"
    assert stopped == []
    assert godis.call("SHUTDOWN", "NOSAVE") == b""
    assert stopped == [True]


def test_config_matches_redis(rdiff: Differ) -> None:
    for argv in (("CONFIG", "GET", "rdbchecksum"), ("CONFIG", "GET", "dbfilename"),
                 ("CONFIG", "SET", "dbfilename", "a/b.rdb"), ("CONFIG", "SET", "rdbchecksum", "no"),
                 ("CONFIG", "SET", "rdbcompression", "maybe"),
                 ("CONFIG", "SET", "rdbcompression", "no"), ("CONFIG", "GET", "rdbcompression"),
                 ("CONFIG", "SET", "rdbcompression", "yes")):
        rdiff.check(*argv)


def test_save_points(tmp_path: Path) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    server = godis.server
    assert godis.call("CONFIG", "SET", "save", "10 2 100 1") == b"+OK\r\n"
    godis.call("SET", "a", "1")
    now = server.last_save + 11
    assert not save_if_due(server, now)  # 1 change: the 10 s point wants 2
    godis.call("SET", "b", "2")
    assert save_if_due(server, now)
    assert server.keyspace.dirty == 0
    assert len(parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys) == 2
    godis.call("SET", "c", "3")
    assert not save_if_due(server, server.last_save + 50)
    assert save_if_due(server, server.last_save + 101)
    server.config.set_text("dir", str(tmp_path / "missing"), at_start=True)
    godis.call("SET", "d", "4")
    state = state_of(server)
    assert save_if_due(server, server.last_save + 200)  # tried, and failed
    assert not state.last_bgsave_ok
    assert b"rdb_last_bgsave_status:err" in godis.call("INFO", "persistence")
    assert not save_if_due(server, state.last_bgsave_try + 2)  # retried only after 5 s
    server.config.set_text("dir", str(tmp_path), at_start=True)
    assert save_if_due(server, state.last_bgsave_try + 6)
    assert state.last_bgsave_ok


def test_save_config_matches_redis(rdiff: Differ) -> None:
    for value in ("3600 1 300 100 60 10000", "", "1", "0 1", "1 -1", "a b", "5 0", " 7   3 ", "5 ", "+5 1", "-", "5 1 "):
        rdiff.check("CONFIG", "SET", "save", value)
        rdiff.check("CONFIG", "GET", "save")
    rdiff.check("CONFIG", "SET", "save", "")


@pytest.mark.slow
def test_clients_get_loading_while_the_rdb_loads(tmp_path: Path) -> None:
    """With the AOF off the RDB is parsed in a thread: clients meanwhile get -LOADING."""
    keyspace = Keyspace()
    data = keyspace.databases[0].data
    for n in range(300_000):
        data[b"k%d" % n] = b"v"
    (tmp_path / "dump.rdb").write_bytes(save_rdb(keyspace, options=Encodings(compression=False)))
    with godis_process(tmp_path, "--no-appendonly") as (_proc, port):
        conn = redis.Redis(port=port, retry=Retry(NoBackoff(), 0))
        with pytest.raises(redis.BusyLoadingError, match="Redis is loading the dataset"):
            conn.ping()
        assert conn.info("persistence")["loading"] == 1
        deadline = time.monotonic() + 120
        while True:
            try:
                assert conn.ping()
                break
            except redis.BusyLoadingError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert conn.dbsize() == 300_000
        conn.close()


@pytest.mark.slow
def test_sigterm_saves_with_save_points(tmp_path: Path) -> None:
    conf = tmp_path / "godis.conf"
    conf.write_text("appendonly no\nsave 3600 1\nsave 300 100\n")
    with godis_process(tmp_path, "--config", str(conf)) as (proc, port):
        conn = redis.Redis(port=port)
        assert conn.config_get("save") == {"save": "3600 1 300 100"}
        conn.set("k", "saved on SIGTERM")
        conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    assert parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys[0].value == b"saved on SIGTERM"


def test_flushall_saves_with_save_points(tmp_path: Path) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    godis.call("SET", "k", "v")
    godis.call("SAVE")
    godis.call("FLUSHALL")  # no save points: the file keeps k
    assert len(parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys) == 1
    godis.call("CONFIG", "SET", "save", "100 1")
    godis.call("SET", "k", "v")
    godis.call("FLUSHALL")
    assert parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys == []


@pytest.mark.slow
def test_damaged_file_exits_1(tmp_path: Path) -> None:
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0010\xfe")
    result = subprocess.run([sys.executable, "-m", "godis", "serve", "--port", "0", "--dir",
                             str(tmp_path), "--no-appendonly"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "Unexpected EOF reading RDB file" in result.stderr + result.stdout


@pytest.mark.slow
def test_save_point_forks_a_background_save(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path)) as server:
        conn = redis.Redis(port=server.port)
        conn.config_set("save", "1 1")
        conn.set("k", "in the background")
        deadline = time.monotonic() + 30
        while not (tmp_path / "dump.rdb").exists() or conn.info("persistence")[
                "rdb_changes_since_last_save"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert conn.info("persistence")["rdb_saves"] >= 1
        conn.config_set("save", "")
        conn.close()
    assert parse_rdb((tmp_path / "dump.rdb").read_bytes()).keys[0].value == b"in the background"
