"""The ``godis serve`` process: crash safety, graceful shutdown on signals, redis-cli."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.support.process import godis_process
from tests.support.redis_server import free_port, wait_for_port
from tests.support.redispy import no_retry

pytestmark = pytest.mark.slow


def _write_until_stopped(port: int, stop: threading.Event, acked: dict[int, int],
                         worker: int) -> None:
    """RPUSH-free write load: each worker increments its own hash field, recording acks."""
    client = redis.Redis(port=port, socket_timeout=5)
    n = 0
    try:
        while not stop.is_set():
            client.hset(f"w{worker}", str(n + 1), "x")
            n += 1
            acked[worker] = n
    except (redis.ConnectionError, redis.TimeoutError):
        pass
    finally:
        client.close()


def _run_load(port: int, workers: int, seconds: float) -> tuple[dict[int, int], threading.Event,
                                                                  list[threading.Thread]]:
    acked: dict[int, int] = {}
    stop = threading.Event()
    threads = [threading.Thread(target=_write_until_stopped, args=(port, stop, acked, w))
               for w in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    return acked, stop, threads


def _check_acked(port: int, acked: dict[int, int]) -> None:
    client = redis.Redis(port=port)
    for worker, count in acked.items():
        assert client.hlen(f"w{worker}") >= count, f"worker {worker} lost acknowledged writes"
    client.close()


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_sigkill_loses_no_acknowledged_write(tmp_path: Path, fsync: str) -> None:
    with godis_process(tmp_path, "--appendfsync", fsync) as (proc, port):
        acked, stop, threads = _run_load(port, workers=8, seconds=1.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join()
    assert sum(acked.values()) > 100
    with godis_process(tmp_path) as (_, port):
        _check_acked(port, acked)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_under_load_exits_zero_and_keeps_writes(tmp_path: Path, signum: int) -> None:
    with godis_process(tmp_path) as (proc, port):
        acked, stop, threads = _run_load(port, workers=8, seconds=1.0)
        started = time.monotonic()
        proc.send_signal(signum)
        output, _ = proc.communicate(timeout=15)
        elapsed = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join()
        assert proc.returncode == 0, output
        assert elapsed < 5, output  # exits within a second or two (generous for CI)
        assert "Received SIG" in output
        assert "bye bye" in output
    with godis_process(tmp_path) as (_, port):
        _check_acked(port, acked)


def test_shutdown_command(tmp_path: Path) -> None:
    with godis_process(tmp_path) as (proc, port):
        client = redis.Redis(port=port)
        client.hset("h", "f", "v")
        client.shutdown()  # redis-py treats the closed connection as success
        assert proc.wait(10) == 0
    with godis_process(tmp_path) as (_, port):
        assert redis.Redis(port=port).hget("h", "f") == b"v"


def test_version_and_help() -> None:
    import sys

    out = subprocess.run([sys.executable, "-m", "godis", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert "godis" in out
    assert "7.0.15" in out
    help_text = subprocess.run([sys.executable, "-m", "godis", "serve", "--help"],
                               capture_output=True, text=True, check=True).stdout
    for option in ("--port", "--bind", "--dir", "--appendonly", "--appendfsync", "--config"):
        assert option in help_text


def test_config_file(tmp_path: Path) -> None:
    conf = tmp_path / "godis.conf"
    conf.write_text("# test config\nappendfsync always\ndatabases 4\nrequirepass \"\"\n")
    with godis_process(tmp_path, "--config", str(conf)) as (_, port):
        client = redis.Redis(port=port, decode_responses=True)
        assert client.config_get("appendfsync") == {"appendfsync": "always"}
        assert client.config_get("databases") == {"databases": "4"}
        client.close()


REDIS_CLI = shutil.which("redis-cli")


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed (apt-get install redis-tools)")
def test_redis_cli(tmp_path: Path) -> None:
    assert REDIS_CLI is not None
    with godis_process(tmp_path) as (_, port):
        def cli(*args: str, stdin: str | None = None) -> str:
            return subprocess.run([REDIS_CLI, "-p", str(port), *args], input=stdin,
                                  capture_output=True, text=True, timeout=20, check=True).stdout

        assert cli("PING") == "PONG\n"
        assert cli("HSET", "h", "f", "hello world") == "1\n"
        assert cli("HGET", "h", "f") == "hello world\n"
        assert cli("HGETALL", "h") == "f\nhello world\n"
        assert "unknown command 'NOPE'" in cli("NOPE")
        # the interactive mode fetches COMMAND DOCS at start; piped commands run through it
        out = cli(stdin="PING\nHSET h2 a 1\nHGETALL h2\nCONFIG GET save\n")
        assert "PONG" in out
        assert "a\n1" in out
        assert cli("--no-raw", "HGETALL", "h") == '1) "f"\n2) "hello world"\n'
        # redis-cli --stat/INFO parsing
        assert "redis_version:7.0.15" in cli("INFO", "server")


@pytest.mark.slow
def test_clients_get_loading_while_the_aof_loads(tmp_path: Path) -> None:
    """The listener opens before the dataset loads (issue 11, item 5): a client meanwhile gets
    -LOADING, INFO says loading:1 with progress, and afterwards every key is there."""
    from godis.persistence.aof import encode_command

    count = 400_000
    with open(tmp_path / "appendonly.aof", "wb") as handle:
        handle.write(encode_command([b"SELECT", b"0"]))
        for start in range(0, count, 10_000):
            handle.write(b"".join(encode_command([b"SET", b"k%d" % n, b"v"])
                                  for n in range(start, start + 10_000)))
    size = (tmp_path / "appendonly.aof").stat().st_size  # a 6.x file: it becomes the base
    with godis_process(tmp_path, "--appendonly") as (_proc, port):
        r = redis.Redis(port=port, retry=no_retry())
        with pytest.raises(redis.BusyLoadingError, match="Redis is loading the dataset"):
            r.ping()
        info = r.info("persistence")
        assert info["loading"] == 1
        assert info["loading_total_bytes"] == size
        assert 0 <= info["loading_loaded_perc"] <= 100
        deadline = time.monotonic() + 60
        while True:
            try:
                assert r.ping()
                break
            except redis.BusyLoadingError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.dbsize() == count
        assert r.info("persistence")["loading"] == 0
        r.close()


def test_redis_server_command_line(tmp_path: Path) -> None:
    """``godis serve [config] [--directive value ...]`` as redis-server reads it: the file
    first, the directives after it and overriding it, quoted empty values kept."""
    conf = tmp_path / "redis.conf"
    conf.write_text("databases 4\nappendfsync always\n")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "godis", "serve", str(conf), "--port", str(port), "--dir",
         str(tmp_path), "--appendonly", "no", "--appendfsync", "no", "--save", "",
         "--client-output-buffer-limit", "normal", "0", "0", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, timeout=20)
        client = redis.Redis(port=port, decode_responses=True)
        assert client.config_get("databases") == {"databases": "4"}
        assert client.config_get("appendfsync") == {"appendfsync": "no"}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("save") == {"save": ""}
        client.close()
    finally:
        proc.terminate()
        proc.wait(10)
    for argv, named in ((["--port", "1", "stray"], "port 1 stray"),
                        (["--nosuchdirective", "1"], "nosuchdirective")):
        bad = subprocess.run([sys.executable, "-m", "godis", "serve", *argv],
                             capture_output=True, text=True)
        assert bad.returncode == 1
        assert named in bad.stderr.lower()
