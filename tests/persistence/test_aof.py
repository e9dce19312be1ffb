"""The append-only file: format, write-before-reply, replay, damaged files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import trio

from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.errors import AofError
from godis.persistence.aof import AppendOnlyFile, encode_command
from godis.persistence.loader import load_aof, load_files
from godis.persistence.multipart import load_manifest_from_disk, open_on_start, rewrite_now
from godis.state import ServerState
from tests.support import redispy
from tests.support.aof import aof_dir, incr_bytes, last_incr
from tests.support.server_thread import running_server


def _state(tmp_path: Path, **settings: object) -> ServerState:
    load_all()
    return ServerState(Config(dir=str(tmp_path), **settings))


def test_feed_selects_db_and_encodes_resp(tmp_path: Path) -> None:
    aof = AppendOnlyFile(str(tmp_path / "a.aof"))
    aof.feed(0, [b"SET", b"k", b"v"])
    aof.feed(0, [b"DEL", b"k"])
    aof.feed(2, [b"SET", b"x", b"\r\n"])
    assert aof.write()
    aof.close()
    data = (tmp_path / "a.aof").read_bytes()
    assert data == (encode_command([b"SELECT", b"0"]) + encode_command([b"SET", b"k", b"v"])
                    + encode_command([b"DEL", b"k"]) + encode_command([b"SELECT", b"2"])
                    + encode_command([b"SET", b"x", b"\r\n"]))


async def test_sync_to_groups_fsyncs(tmp_path: Path) -> None:
    aof = AppendOnlyFile(str(tmp_path / "a.aof"), "always")
    aof.feed(0, [b"SET", b"a", b"1"])
    aof.write()
    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(aof.sync_to, aof.written)
    assert aof.synced == aof.written
    assert 1 <= aof.fsyncs <= 2
    aof.close()


@pytest.fixture
def inline_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The AOF's fsync runs inline instead of in a worker thread, so the mock clock sees every
    step (a thread's real duration is invisible to autojump_clock and made these tests race)."""

    async def run_inline(function: Callable[[], None]) -> None:
        function()

    monkeypatch.setattr("godis.persistence.aof.trio.to_thread.run_sync", run_inline)


async def test_everysec_task_fsyncs_once_a_second(tmp_path: Path, autojump_clock: trio.abc.Clock,
                                                  inline_fsync: None) -> None:
    aof = AppendOnlyFile(str(tmp_path / "a.aof"), "everysec")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(aof.run_everysec)
        aof.feed(0, [b"SET", b"a", b"1"])
        aof.write()
        assert aof.synced < aof.written
        started = trio.current_time()
        with trio.fail_after(10):
            while aof.synced < aof.written:  # noqa: ASYNC110 (the fsync runs in a thread)
                await trio.sleep(0.01)
        assert trio.current_time() - started >= 1.0  # not before its second is up
        assert aof.fsyncs == 1
        await trio.sleep(3)
        assert aof.fsyncs == 1  # nothing new: no fsync
        nursery.cancel_scope.cancel()
    aof.close()


def _write_records(path: Path, *commands: list[bytes]) -> bytes:
    data = b"".join(encode_command(argv) for argv in commands)
    path.write_bytes(data)
    return data


def test_replay_restores_data(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    _write_records(path, [b"SELECT", b"0"], [b"HSET", b"h", b"f", b"v"], [b"SELECT", b"1"],
                   [b"HSET", b"h1", b"a", b"b"])
    state = _state(tmp_path)
    report = load_aof(state, str(path))
    assert report.commands == 2
    assert report.keys == 2
    assert state.keyspace.databases[0].data[b"h"] == {b"f": b"v"}
    assert state.keyspace.databases[1].data[b"h1"] == {b"a": b"b"}


def test_truncated_tail_is_cut_and_saved(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    good = _write_records(path, *([[b"HINCRBY", b"h", b"n", b"1"]] * 5))
    fragment = encode_command([b"HINCRBY", b"h", b"n", b"1"])[:20]
    path.write_bytes(good + fragment)
    state = _state(tmp_path)
    report = load_aof(state, str(path))
    assert report.truncated_at == len(good)
    assert path.read_bytes() == good
    assert (tmp_path / f"appendonly.aof.truncated-{len(good)}").read_bytes() == fragment
    assert state.keyspace.databases[0].data[b"h"] == {b"n": b"5"}


def test_truncated_tail_refused_when_not_allowed(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    good = _write_records(path, [b"HSET", b"h", b"f", b"v"])
    path.write_bytes(good + b"*3\r\n$4\r\nHSET")
    state = _state(tmp_path)
    state.config.set_text("aof-load-truncated", "no")
    with pytest.raises(AofError, match="Unexpected end of file"):
        load_aof(state, str(path))


def test_unfinished_multi_is_reverted(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    good = _write_records(path, [b"HSET", b"foo", b"f", b"hello"])
    tail = encode_command([b"MULTI"]) + encode_command([b"HSET", b"bar", b"f", b"world"])
    path.write_bytes(good + tail)
    state = _state(tmp_path)
    load_aof(state, str(path))
    assert b"foo" in state.keyspace.databases[0].data
    assert b"bar" not in state.keyspace.databases[0].data
    assert path.read_bytes() == good


def test_garbage_in_the_middle_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    first = encode_command([b"HSET", b"foo", b"f", b"hello"])
    path.write_bytes(first + b"!!!" + encode_command([b"HSET", b"bar", b"f", b"world"]))
    with pytest.raises(AofError, match=f"Bad file format .* at offset {len(first)}"):
        load_aof(_state(tmp_path), str(path))


def test_unknown_command_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    _write_records(path, [b"HSET", b"foo", b"f", b"v"], [b"bla", b"x"])
    with pytest.raises(AofError, match="Unknown command 'bla'"):
        load_aof(_state(tmp_path), str(path))


def test_past_expiry_in_file_removes_key(tmp_path: Path) -> None:
    path = tmp_path / "appendonly.aof"
    _write_records(path, [b"RPUSH", b"list", b"foo"], [b"PEXPIREAT", b"list", b"1000"],
                   [b"RPUSH", b"list", b"bar"])
    state = _state(tmp_path)
    load_aof(state, str(path))
    assert state.keyspace.databases[0].get(b"list") is None


def test_restart_keeps_data_and_absolute_ttls(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        r.set("plain", "v")
        r.set("ttl", "v", ex=1000)
        r.hset("h", mapping={"a": "1", "b": "2"})
        r.set("gone", "v")
        r.delete("gone")
        r.close()
    data = incr_bytes(tmp_path)
    assert b"PXAT" in data  # relative TTLs are logged as absolute times
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        assert r.get("plain") == b"v"
        assert 990 < r.ttl("ttl") <= 1000
        assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
        assert r.exists("gone") == 0
        r.close()


def test_write_reaches_the_kernel_before_the_reply(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True, appendfsync="no") as server:
        r = redis.Redis(port=server.port)
        path = last_incr(tmp_path)
        for i in range(50):
            r.hincrby("h", "n", 1)
            # the reply arrived, so the record is already in the file (no fsync needed to read it)
            assert path.read_bytes().count(b"HINCRBY") == i + 1
        r.close()


def test_flushdb_is_logged_even_when_empty(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        r.flushdb()
        r.flushall()
        r.close()
    data = incr_bytes(tmp_path)
    assert b"FLUSHDB" in data
    assert b"FLUSHALL" in data


def test_corrupt_aof_refuses_start_without_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "appendonly.aof").write_bytes(b"*1\r\n$4\r\nPING\r\n!!!garbage")
    result = subprocess.run([sys.executable, "-m", "godis", "serve", "--port", "0", "--dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Bad file format reading the append only file" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # the 6.x file was moved into the directory as its base, and left as it was
    assert os.path.getsize(aof_dir(tmp_path) / "appendonly.aof") > 0


def test_random_workload_replays_to_the_same_dataset(tmp_path: Path) -> None:
    """Every data type, random (SPOP, SRANDMEMBER...) and blocking commands, TTLs: after a
    restart the dataset digest (DEBUG DIGEST, Redis's algorithm) is unchanged."""
    import random

    rng = random.Random(2026)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        for step in range(3000):
            key = f"k{rng.randrange(40)}"
            n = rng.randrange(100)
            choice = rng.randrange(14)
            try:
                if choice == 0:
                    r.set(key, n, ex=1000 + n)
                elif choice == 1:
                    r.incrbyfloat(f"f{n % 5}", 0.1)
                elif choice == 2:
                    r.rpush(f"l{n % 7}", *range(n % 5 + 1))
                elif choice == 3:
                    r.lmove(f"l{n % 7}", f"l{(n + 1) % 7}", "LEFT", "RIGHT")
                elif choice == 4:
                    r.sadd(f"s{n % 7}", *range(n % 9 + 1))
                elif choice == 5:
                    r.spop(f"s{n % 7}", n % 3 + 1)
                elif choice == 6:
                    r.hset(f"h{n % 7}", f"f{n}", n)
                elif choice == 7:
                    r.hincrbyfloat(f"h{n % 7}", "x", 1.5)
                elif choice == 8:
                    r.zadd(f"z{n % 7}", {f"m{n}": n / 3})
                elif choice == 9:
                    r.zpopmin(f"z{n % 7}", n % 3 + 1)
                elif choice == 10:
                    r.blpop([f"l{n % 7}"], timeout=0.01)
                elif choice == 11:
                    r.expire(key, 500 + n)
                elif choice == 12:
                    r.delete(key)
                else:
                    r.pfadd(f"p{n % 3}", *range(n))
            except redis.ResponseError:
                pass  # WRONGTYPE and friends: the same on replay
            if step == 1500:
                with r.pipeline(transaction=True) as pipe:
                    pipe.set("tx", "1")
                    pipe.incr("tx")
                    pipe.sunionstore("su", ["s1", "s2"])
                    pipe.execute()
        digest = redispy.execute_command(r, "DEBUG", "DIGEST")
        assert digest != b"0" * 40
        r.close()
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        assert redispy.execute_command(r, "DEBUG", "DIGEST") == digest
        r.close()


def test_aof_write_errors_refuse_writes_until_solved(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full (simulated): the failing batch is not acknowledged, later writes and PING get
    -MISCONF, reads work, and once a retry succeeds writes are accepted again (case 19)."""
    import errno

    real_write = os.write
    failing = {"on": False}

    def write(fd: int, data: bytes) -> int:
        if failing["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("godis.persistence.aof.os.write", write)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        r.set("before", "1")
        failing["on"] = True
        with pytest.raises(redis.ConnectionError):
            # never acknowledged
            redis.Redis(port=server.port, retry=redispy.no_retry()).set("lost", "x")
        r2 = redis.Redis(port=server.port)
        with pytest.raises(redis.ResponseError, match="MISCONF Errors writing to the AOF file: "
                                                      "No space left on device"):
            r2.set("k", "v")
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            r2.ping()
        assert r2.get("before") == b"1"  # reads still work
        assert r2.info("persistence")["aof_last_write_status"] == "err"
        failing["on"] = False
        import time

        deadline = time.monotonic() + 5
        while r2.info("persistence")["aof_last_write_status"] != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert r2.set("k", "v") is True
        r.close()
        r2.close()
    data = incr_bytes(tmp_path)
    assert b"lost" in data  # written by the retry: applied in memory, so it must reach the file
    assert data.count(b"$1\r\nk\r\n") == 1


def _failing_writes(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Make ``os.write`` fail with ENOSPC while the returned switch is on (a full disk)."""
    import errno

    real_write = os.write
    failing = {"on": False}

    def write(fd: int, data: bytes | memoryview) -> int:
        if failing["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("godis.persistence.aof.os.write", write)
    return failing


def test_exec_after_a_write_error_is_aborted_with_misconf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 11, defect 1): a MULTI queued before the disk filled must not EXEC
    its writes past MISCONF (they would be acknowledged and never reach the AOF)."""
    from tests.support.resp import RespConnection

    failing = _failing_writes(monkeypatch)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        tx = RespConnection("127.0.0.1", server.port)
        assert tx.call("MULTI") == b"+OK\r\n"
        assert tx.call("SET", "queued", "1") == b"+QUEUED\r\n"
        failing["on"] = True
        with pytest.raises(redis.ConnectionError):
            redis.Redis(port=server.port, retry=redispy.no_retry()).set("lost", "x")
        assert tx.call("EXEC") == (b"-EXECABORT Transaction discarded because of: MISCONF "
                                   b"Errors writing to the AOF file: No space left on device\r\n")
        assert tx.call("EXEC") == b"-ERR EXEC without MULTI\r\n"  # the transaction is gone
        # a read-only transaction still runs
        assert tx.call("MULTI") == b"+OK\r\n"
        assert tx.call("GET", "queued") == b"+QUEUED\r\n"
        assert tx.call("EXEC") == b"*1\r\n$-1\r\n"
        failing["on"] = False
        tx.close()
    assert b"queued" not in incr_bytes(tmp_path)


def _write_ok(aof: AppendOnlyFile) -> bool:
    """``aof.last_write_ok``, read through a call: mypy would keep the attribute narrowed by
    one assert across the method calls that change it."""
    return aof.last_write_ok


def test_a_successful_rewrite_ends_misconf(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 11, defect 2): the rewrite drops the buffered bytes, so no retry of
    them would ever clear the error; the successful rewrite itself does."""
    load_all()
    server = ServerState(Config(dir=str(tmp_path)))
    aof = open_on_start(server, load_manifest_from_disk(server.config), 0)
    server.aof = aof
    server.keyspace.propagate = aof.feed
    failing = _failing_writes(monkeypatch)
    execute(Client(server), [b"SET", b"k", b"v"])
    failing["on"] = True
    assert not aof.write()
    assert not _write_ok(aof)
    assert aof.last_write_error == "No space left on device"
    with pytest.raises(OSError):
        rewrite_now(server)  # still full: still refused
    assert not _write_ok(aof)
    failing["on"] = False
    rewrite_now(server)
    assert _write_ok(aof)
    assert aof.buffer == bytearray()
    aof.close()
    restarted = ServerState(Config(dir=str(tmp_path)))
    load_files(restarted, str(aof_dir(tmp_path)), load_manifest_from_disk(restarted.config))
    assert restarted.keyspace.databases[0].data[b"k"] == b"v"


async def test_a_failed_fsync_refuses_writes_until_one_succeeds(
        tmp_path: Path, autojump_clock: trio.testing.MockClock,
        monkeypatch: pytest.MonkeyPatch, inline_fsync: None) -> None:
    """Regression (issue 11, defect 6): under everysec a failed background fsync refuses
    writes with -MISCONF (Redis's aof_bio_fsync_status) until a retried fsync succeeds."""
    import errno

    from godis.client import Client
    from godis.dispatch import execute

    load_all()
    server = ServerState(Config(appendonly=False))
    aof = AppendOnlyFile(str(tmp_path / "appendonly.aof"), "everysec")
    server.aof = aof
    server.keyspace.propagate = aof.feed
    client = Client(server)
    broken = {"on": True}

    def fsync(self: AppendOnlyFile) -> None:
        if broken["on"]:
            raise OSError(errno.EIO, "Input/output error")
        os.fsync(self.fd)

    monkeypatch.setattr(AppendOnlyFile, "_fsync", fsync)
    assert execute(client, [b"SET", b"a", b"1"]) is not None
    assert aof.write()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(aof.run_everysec)
        for _ in range(50):  # the first round (1 s) fails (the fsync runs in a thread)
            await trio.sleep(0.1)
            if not aof.last_fsync_ok:
                break
        assert not aof.last_fsync_ok
        refused = execute(client, [b"SET", b"b", b"2"])
        assert refused == "MISCONF Errors writing to the AOF file: Input/output error"
        assert execute(client, [b"GET", b"a"]) == b"1"  # reads still work
        broken["on"] = False
        for _ in range(50):  # the next round retries the fsync, with nothing new written
            await trio.sleep(0.1)
            if aof.last_write_ok:
                break
        assert aof.last_write_ok
        assert execute(client, [b"SET", b"b", b"2"]) is not None
        assert server.keyspace.databases[0].data[b"b"] == b"2"
        nursery.cancel_scope.cancel()
    aof.close()


def test_always_reply_to_a_served_blocked_client_waits_for_the_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 11, defect 4): under ``always``, BLPOP served by another client's
    RPUSH replies only once that RPUSH is on disk."""
    import threading
    import time

    fsynced: list[int] = []
    in_fsync = threading.Event()

    def slow_fsync(self: AppendOnlyFile) -> None:
        in_fsync.set()
        time.sleep(0.3)  # a slow disk: the reply must not overtake the fsync
        os.fsync(self.fd)
        fsynced.append(self.written)

    with running_server(dir=str(tmp_path), appendonly=True, appendfsync="always") as server:
        seen_at_reply: list[int] = []

        def consumer() -> None:
            client = redis.Redis(port=server.port)
            assert client.blpop(["q"], timeout=10) == (b"q", b"job")
            seen_at_reply.append(len(fsynced))
            client.close()

        thread = threading.Thread(target=consumer)
        thread.start()
        r = redis.Redis(port=server.port)
        deadline = time.monotonic() + 5
        while int(r.info("clients")["blocked_clients"]) != 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        monkeypatch.setattr(AppendOnlyFile, "_fsync", slow_fsync)
        r.rpush("q", "job")
        thread.join(10)
        r.close()
    assert in_fsync.is_set()
    assert seen_at_reply == [1]  # the RPUSH's fsync had completed when the reply came


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (a disk that fills up for real); skipped where mount is refused."""
    import subprocess

    mount_point = tmp_path / "small"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.mark.slow
def test_always_exits_on_a_failed_write_before_anyone_reads_it(small_tmpfs: Path,
                                                                tmp_path: Path) -> None:
    """Regression (issue 11, defect 3): a full disk under ``always`` makes godis exit 1 with
    Redis's message; the write that failed is never acknowledged, never read, never replayed."""
    from tests.support.process import godis_process

    with godis_process(small_tmpfs, "--appendonly", "--appendfsync", "always") as (proc, port):
        r = redis.Redis(port=port, retry=redispy.no_retry())
        acknowledged = []
        value = b"x" * 100_000
        refused = False
        for n in range(100):  # 10 MB into a 1 MiB disk
            try:
                r.set(f"k{n}", value)
            except redis.ConnectionError:
                refused = True
                break
            acknowledged.append(n)
        assert refused
        assert proc.wait(20) == 1
        assert proc.stdout is not None
        output = proc.stdout.read()
        assert ("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                "Exiting...") in output
        failed = len(acknowledged)
    saved = tmp_path / "copy"
    shutil.copytree(aof_dir(small_tmpfs), aof_dir(saved))
    with running_server(dir=str(saved), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        assert r.dbsize() == failed  # every acknowledged write, and not the failed one
        assert r.exists(f"k{failed}") == 0
        r.close()


def test_truncated_tail_on_a_full_disk_still_loads(small_tmpfs: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Regression (issue 11, defect 5): the ``.truncated-<offset>`` backup cannot be written on
    a full disk; the start still recovers, as Redis does, and says the bytes were dropped."""
    load_all()
    good = encode_command([b"SET", b"k", b"v"])
    path = small_tmpfs / "appendonly.aof"
    path.write_bytes(good + b"*3\r\n$3\r\nSET\r\n$1\r\nx")
    filler = os.open(small_tmpfs / "filler", os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk to the last byte
        while os.write(filler, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(filler)
    server = ServerState(Config(appendonly=False))
    with caplog.at_level("WARNING"):
        report = load_aof(server, str(path))
    assert report.truncated_at == len(good)
    assert server.keyspace.databases[0].data[b"k"] == b"v"
    assert path.read_bytes() == good
    assert not (small_tmpfs / f"appendonly.aof.truncated-{len(good)}").exists()
    assert "Could not save the" in caplog.text
