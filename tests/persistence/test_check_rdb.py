"""``godis check-rdb`` against Debian's redis-check-rdb: the same report for files written by
redis-server and by godis, and an error (exit 1) for a damaged file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from godis.persistence.check_rdb import check_rdb
from tests.support.redis_server import REDIS_SERVER, redis_server
from tests.support.server_thread import running_server

REDIS_CHECK_RDB = shutil.which("redis-check-rdb")
needs_tools = pytest.mark.skipif(REDIS_CHECK_RDB is None or REDIS_SERVER is None,
                                 reason="redis-server / redis-check-rdb are not installed")


def _fill(client: redis.Redis) -> None:
    client.set("a", "1")
    client.set("b", "2", px=1_000_000)
    client.rpush("l", "x", "y")
    client.hset("h", mapping={"f": "v"})
    client.select(3)
    client.zadd("z", {"m": 1.5})


def _reports(path: Path) -> tuple[tuple[str, int], tuple[str, int]]:
    assert REDIS_CHECK_RDB is not None
    runs = []
    for argv in ([REDIS_CHECK_RDB, path.name], [sys.executable, "-m", "godis", "check-rdb",
                                               path.name]):
        done = subprocess.run(argv, cwd=path.parent, capture_output=True, text=True)
        runs.append((done.stdout, done.returncode))
    return runs[0], runs[1]


@needs_tools
def test_a_redis_file(tmp_path: Path) -> None:
    with redis_server("--dir", str(tmp_path)) as port:
        client = redis.Redis(port=port)
        _fill(client)
        assert client.save()
        client.close()
    theirs, mine = _reports(tmp_path / "dump.rdb")
    assert theirs[1] == 0
    # ctime and used-mem differ between runs of the tools only in value, not in the lines
    assert mine == theirs


@needs_tools
def test_a_godis_file(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        client = redis.Redis(port=server.port)
        _fill(client)
        assert client.save()
        client.close()
    theirs, mine = _reports(tmp_path / "dump.rdb")
    assert theirs[1] == 0
    assert mine == theirs


def test_a_damaged_file(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        client = redis.Redis(port=server.port)
        _fill(client)
        assert client.save()
        client.close()
    data = (tmp_path / "dump.rdb").read_bytes()
    (tmp_path / "cut.rdb").write_bytes(data[:len(data) // 2])
    lines: list[str] = []
    assert check_rdb(str(tmp_path / "cut.rdb"), say=lines.append) == 1
    assert "--- RDB ERROR DETECTED ---" in lines
    lines.clear()
    assert check_rdb(str(tmp_path / "dump.rdb"), say=lines.append) == 0
    assert lines[-4].endswith("\\o/ RDB looks OK! \\o/")
