"""BGSAVE and BGREWRITEAOF in a forked child (godis.persistence.background): the parent keeps
serving, writes made during the rewrite reach the new AOF, one child at a time, INFO reports
it, and kill -9 in the middle loses no acknowledged write."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import redis

from godis.persistence import background
from tests.support import redispy
from tests.support.aof import aof_dir, base_file, incr_bytes, incr_files
from tests.support.process import godis_process
from tests.support.resp import RespConnection
from tests.support.server_thread import running_server

pytestmark = pytest.mark.skipif(not background.FORK_AVAILABLE, reason="no os.fork here")


def _fill(client: redis.Redis, count: int) -> None:
    pipe = client.pipeline(transaction=False)
    for n in range(count):
        pipe.set(f"key:{n}", n)
        if n % 1000 == 999:
            pipe.execute()
    pipe.execute()


def test_writes_during_a_background_rewrite_reach_the_new_aof(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "CHILD_START_DELAY_S", 0.3)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        _fill(r, 2000)
        for _ in range(3):
            r.incr("counter")  # the old file holds three INCRs
        assert r.bgrewriteaof() is True
        info = r.info("persistence")
        assert info["aof_rewrite_in_progress"] == 1
        # while the child works: more writes, in another database too
        for _ in range(5):
            r.incr("counter")
        redispy.execute_command(r, "SELECT", 3)
        r.set("in-db3", "yes")
        redispy.execute_command(r, "SELECT", 0)
        r.set("after", "fork")
        done = redispy.wait_for_background(r)
        assert done["aof_last_bgrewrite_status"] == "ok"
        assert done["aof_rewrites"] == 1
        assert done["aof_last_rewrite_time_sec"] >= 0
        digest = redispy.execute_command(r, "DEBUG", "DIGEST")
        r.close()
    # the new base (an RDB) holds counter=3; the incr opened at the fork the five later INCRs
    assert base_file(tmp_path).name == "appendonly.aof.2.base.rdb"
    assert base_file(tmp_path).read_bytes()[:5] == b"REDIS"
    assert [path.name for path in incr_files(tmp_path)] == ["appendonly.aof.2.incr.aof"]
    assert incr_bytes(tmp_path).count(b"INCR") == 5
    # the history (base 1, incr 1) is deleted and gone from the manifest
    assert sorted(os.listdir(aof_dir(tmp_path))) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    assert (aof_dir(tmp_path) / "appendonly.aof.manifest").read_text() == (
        "file appendonly.aof.2.base.rdb seq 2 type b\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n")
    with running_server(dir=str(tmp_path), appendonly=True) as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        assert redispy.execute_command(r, "DEBUG", "DIGEST") == digest
        assert r.get("counter") == "8"
        redispy.execute_command(r, "SELECT", 3)
        assert r.get("in-db3") == "yes"
        r.close()


def test_one_child_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "CHILD_START_DELAY_S", 0.3)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        raw = RespConnection("127.0.0.1", server.port)
        r.set("k", "v")
        assert r.bgsave() is True  # redis-py sends BGSAVE SCHEDULE
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            redispy.execute_command(r, "BGSAVE")
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            r.save()
        assert raw.call("BGREWRITEAOF") == b"+Background append only file rewriting scheduled\r\n"
        assert r.info("persistence")["aof_rewrite_scheduled"] == 1
        info = redispy.wait_for_background(r)
        assert info["rdb_last_bgsave_status"] == "ok"
        assert info["rdb_saves"] == 1
        assert info["aof_rewrites"] == 1
        assert (tmp_path / "dump.rdb").exists()
        assert r.bgrewriteaof() is True
        assert raw.call("BGSAVE").startswith(b"-ERR Another child process is active (AOF?): "
                                             b"can't BGSAVE right now.")
        assert raw.call("BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
        raw.close()
        info = redispy.wait_for_background(r)
        deadline = time.monotonic() + 10
        while r.info("persistence")["rdb_saves"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert r.info("persistence")["rdb_changes_since_last_save"] == 0
        r.close()


def test_shutdown_abandons_a_running_rewrite(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "CHILD_START_DELAY_S", 5.0)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("kept", "1")
        r.bgrewriteaof()
        r.close()
    assert not [name for name in os.listdir(tmp_path) if name.startswith("temp-rewriteaof")]
    with running_server(dir=str(tmp_path), appendonly=True) as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        assert r.get("kept") == "1"
        r.close()


@pytest.mark.slow
def test_kill_9_during_a_background_rewrite_loses_no_acknowledged_write(tmp_path: Path) -> None:
    with godis_process(tmp_path, "--appendonly") as (proc, port):
        r = redis.Redis(port=port, retry=redispy.no_retry())
        _fill(r, 20_000)
        assert r.bgrewriteaof() is True
        acknowledged = 0
        for _ in range(300):
            r.incr("counter")
            acknowledged += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        r.close()
    with godis_process(tmp_path, "--appendonly") as (_proc, port):
        r = redis.Redis(port=port)
        assert int(r.get("counter") or 0) == acknowledged
        assert r.dbsize() == 20_001
        r.close()


@pytest.mark.slow
@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_kill_9_at_any_point_of_repeated_rewrites_loses_nothing(tmp_path: Path,
                                                                fsync: str) -> None:
    """Writes from two clients while rewrites start and finish one after another (new incrs
    at each fork, bases renamed in, history deleted); SIGKILL while one is running: every
    acknowledged write is in the files the manifest lists."""
    with godis_process(tmp_path, "--appendonly", "--appendfsync", fsync) as (proc, port):
        r = redis.Redis(port=port, retry=redispy.no_retry())
        _fill(r, 20_000)
        acknowledged = {"a": 0, "b": 0}
        stop = threading.Event()

        def writer(name: str) -> None:
            client = redis.Redis(port=port, retry=redispy.no_retry())
            try:
                while not stop.is_set():
                    client.rpush(f"list:{name}", acknowledged[name])
                    acknowledged[name] += 1
            except redis.ConnectionError:
                pass  # the kill: the write in flight was never acknowledged
            finally:
                client.close()

        threads = [threading.Thread(target=writer, args=(name,)) for name in acknowledged]
        for thread in threads:
            thread.start()
        rewrites = 0
        deadline = time.monotonic() + 60
        while rewrites < 4:
            assert time.monotonic() < deadline
            try:
                r.bgrewriteaof()
            except redis.ResponseError:  # one already running
                pass
            info = redispy.wait_for_background(r)
            rewrites = info["aof_rewrites"]
        assert r.bgrewriteaof() is True  # the child is writing; the cron reaps it later
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join(10)
        r.close()
    time.sleep(0.5)  # the orphaned child finishes its temporary file and exits
    with godis_process(tmp_path, "--appendonly") as (_proc, port):
        r = redis.Redis(port=port)
        for name, count in acknowledged.items():
            assert count > 0
            length = r.llen(f"list:{name}")
            # every acknowledged push is there; at most the one in flight besides
            assert count <= length <= count + 1
            assert r.lrange(f"list:{name}", 0, -1) == [b"%d" % n for n in range(length)]
        assert r.dbsize() == 20_002
        r.close()


def test_the_aof_is_rewritten_automatically_when_it_doubles(tmp_path: Path) -> None:
    """auto-aof-rewrite-percentage / -min-size: overwrites of one key, past 100% growth over a
    1 kB minimum, start a rewrite that shrinks the file to that one key."""
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.config_get("auto-aof-rewrite-percentage") == {"auto-aof-rewrite-percentage":
                                                               "100"}
        assert r.config_get("auto-aof-rewrite-min-size") == {"auto-aof-rewrite-min-size":
                                                             "67108864"}
        r.config_set("auto-aof-rewrite-min-size", 1024)
        for n in range(200):  # until the cron starts a rewrite: then no more writes
            r.set("same", "x" * 50 + str(n))
            persistence = r.info("persistence")
            if persistence["aof_rewrite_in_progress"] or persistence["aof_rewrites"]:
                break
            time.sleep(0.01)
        else:
            pytest.fail("no automatic rewrite")
        info = redispy.wait_for_background(r)
        assert info["aof_rewrites"] == 1
        assert info["aof_current_size"] == info["aof_base_size"] < 1024
        assert r.get("same") == "x" * 50 + str(n)
        r.close()
