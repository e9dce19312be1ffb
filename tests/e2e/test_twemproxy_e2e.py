"""Three godis shards behind twemproxy (nutcracker), set up as docs/scale-out.md says.

Each shard is a ``godis serve`` child process with its own directory and AOF; nutcracker
spreads the keys over them (ketama on fnv1a_64, ``auto_eject_hosts: false``), and redis-py
talks to the proxy with RESP2 and no ``CLIENT SETINFO`` handshake, the two things twemproxy
would answer by closing the connection. Restarting a shard on its port and directory brings its
keys back from its AOF, and the proxy serves them again without being restarted.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis

from godis.server.embedded import ServerProcess
from tests.support.redis_server import free_port, wait_for_port
from tests.support.redispy import no_retry

# Debian installs it in /usr/sbin, which a user's PATH may lack.
NUTCRACKER = shutil.which("nutcracker", path=os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NUTCRACKER is None, reason="nutcracker (twemproxy) is not installed "
                       "(apt-get install nutcracker): the scale-out test is skipped"),
]

SHARDS = 3
KEYS = 300


def no_setinfo() -> dict[str, Any]:
    """redis-py keywords that turn off its ``CLIENT SETINFO`` on connect: ``driver_info=None``
    from redis-py 7.1 (``lib_name``/``lib_version`` are deprecated there), both ``None``
    before."""
    if "driver_info" in inspect.signature(redis.Redis.__init__).parameters:
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


def nutcracker_config(listen: int, shard_ports: list[int]) -> str:
    """docs/scale-out.md's nutcracker.yml for these ports (shards named, so a shard keeps its
    keys if it ever moves to another address)."""
    servers = "".join(f"    - 127.0.0.1:{port}:1 shard{index}\n"
                      for index, port in enumerate(shard_ports))
    return (f"godis:\n"
            f"  listen: 127.0.0.1:{listen}\n"
            f"  hash: fnv1a_64\n"
            f"  distribution: ketama\n"
            f"  redis: true\n"
            f"  auto_eject_hosts: false\n"
            f"  timeout: 5000\n"
            f"  servers:\n{servers}")


def start_shard(directory: Path, port: int = 0) -> ServerProcess:
    """``godis serve --port <port> --dir <directory> --appendonly yes`` (ready when it returns)."""
    return ServerProcess(directory, port=port, appendonly=True).start()


class Cluster:
    """The shards and the proxy in front of them."""

    def __init__(self, tmp_path: Path, stack: ExitStack) -> None:
        self.tmp_path = tmp_path
        self.stack = stack
        self.shards = [self.own(start_shard(tmp_path / f"shard{index}"))
                       for index in range(SHARDS)]
        self.proxy_port = free_port()
        config = tmp_path / "nutcracker.yml"
        config.write_text(nutcracker_config(self.proxy_port, [s.port for s in self.shards]))
        assert NUTCRACKER is not None
        checked = subprocess.run([NUTCRACKER, "--test-conf", "--conf-file", str(config)],
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        self.log = tmp_path / "nutcracker.log"
        # its own stats port: the default 22222 may be another proxy's
        proxy = subprocess.Popen(
            [NUTCRACKER, "--conf-file", str(config), "--output", str(self.log),
             "--stats-addr", "127.0.0.1", "--stats-port", str(free_port())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        stack.callback(self._stop_proxy, proxy)
        self.proxy = proxy
        wait_for_port(self.proxy_port, timeout=20)
        assert proxy.poll() is None, self.log.read_text()

    def own(self, shard: ServerProcess) -> ServerProcess:
        self.stack.callback(shard.stop)
        return shard

    @staticmethod
    def _stop_proxy(proxy: subprocess.Popen[bytes]) -> None:
        proxy.terminate()
        proxy.wait(10)

    def client(self) -> redis.Redis:
        """redis-py through the proxy: RESP2, no CLIENT SETINFO, no silent retries."""
        connection = redis.Redis(port=self.proxy_port, protocol=2, decode_responses=True,
                                 retry=no_retry(), **no_setinfo())
        self.stack.callback(connection.close)
        return connection

    def direct(self, shard: ServerProcess) -> redis.Redis:
        connection = redis.Redis(port=shard.port, decode_responses=True)
        self.stack.callback(connection.close)
        return connection


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with ExitStack() as stack:
        yield Cluster(tmp_path, stack)


def test_keys_spread_over_shards_and_survive_a_shard_restart(cluster: Cluster) -> None:
    r = cluster.client()
    assert r.set("greeting", "hello")
    assert r.get("greeting") == "hello"
    assert r.incr("counter", 5) == 5
    assert r.append("greeting", " world") == 11

    strings = {f"key:{i}": f"value-{i}" for i in range(KEYS)}
    pipe = r.pipeline(transaction=False)  # twemproxy forwards pipelines, not MULTI
    for key, value in strings.items():
        pipe.set(key, value)
    assert pipe.execute() == [True] * KEYS
    hashes = {f"user:{i}": {"name": f"user{i}", "visits": str(i)} for i in range(60)}
    for key, fields in hashes.items():
        assert r.hset(key, mapping={"name": fields["name"], "visits": fields["visits"]}) == 2
    assert r.hgetall("user:7") == hashes["user:7"]
    assert r.hincrby("user:7", "visits", 1) == 8
    hashes["user:7"]["visits"] = "8"

    # MGET across shards: twemproxy splits it per shard and merges the replies in order
    assert r.mget([*strings, "missing"]) == [*strings.values(), None]
    total = KEYS + len(hashes) + 2

    directs = [cluster.direct(shard) for shard in cluster.shards]
    sizes = [direct.dbsize() for direct in directs]
    assert all(size > 0 for size in sizes), sizes
    assert sum(sizes) == total

    # DEL of many keys, over every shard, counts what it deleted
    doomed = [f"key:{i}" for i in range(0, KEYS, 3)]
    assert r.delete(*doomed, "missing") == len(doomed)
    for key in doomed:
        del strings[key]
    total -= len(doomed)
    assert sum(direct.dbsize() for direct in directs) == total
    assert r.exists(*doomed) == 0

    # Restart shard 0 on its port and directory: its keys come back from its AOF.
    victim = cluster.shards[0]
    victim_keys = sorted(directs[0].keys())
    assert victim_keys
    probe = victim_keys[0]
    victim.stop()  # SIGTERM: a clean shutdown, the AOF fsynced
    with pytest.raises(redis.ResponseError):  # no ejection: its keys fail, they do not move
        r.get(probe)
    cluster.own(start_shard(victim.directory, victim.port))
    assert sorted(cluster.direct(victim).keys()) == victim_keys

    # nutcracker reconnects to the shard when a request needs it; wait for that request to
    # succeed (the shard is ready: a failure here is the proxy's back-off, not a lost key)
    deadline = time.monotonic() + 20
    while True:
        try:
            r.type(probe)
            break
        except redis.ResponseError:
            assert time.monotonic() < deadline, cluster.log.read_text()[-2000:]
            time.sleep(0.05)  # the polling interval of a readiness check

    assert r.mget(list(strings)) == list(strings.values())
    assert r.get("greeting") == "hello world"
    assert r.get("counter") == "5"
    for key, fields in hashes.items():
        assert r.hgetall(key) == fields
    assert sum(cluster.direct(shard).dbsize() for shard in cluster.shards[1:]) + len(
        victim_keys) == total
