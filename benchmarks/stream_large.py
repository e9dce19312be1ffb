"""Server time of stream commands on a 1,000,000-entry stream (the streams issue's target: XADD,
XRANGE of 10 entries and XREADGROUP of 10 entries cost a few µs, not O(N)), in process — dispatch,
handler, RESP encoding, no sockets — and memory per entry: godis's Python heap growth
(tracemalloc) next to redis-server's ``used_memory`` growth for the same entries
(``--no-redis`` skips the redis side)."""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from harness import REDIS_SERVER, free_port

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.protocol.writer import encode
from godis.state import ServerState

ENTRIES = 1_000_000


def _load(call: Callable[[list[bytes]], object], entries: int) -> None:
    for ms in range(1, entries + 1):
        call([b"XADD", b"big", b"%d-0" % ms, b"name", b"job%d" % (ms % 1000), b"n", b"%d" % ms])


def godis_figures(entries: int) -> float:
    """µs per call of each case; returns the bytes per entry of the Python heap."""
    load_all()
    server = ServerState(Config(appendonly=False))
    client = Client(server)

    def call(argv: list[bytes]) -> object:
        return execute(client, argv)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    _load(call, entries)
    loaded = time.perf_counter() - started
    gc.collect()
    per_entry = (tracemalloc.get_traced_memory()[0] - before) / entries
    tracemalloc.stop()
    print(f"loaded {entries:,} entries in {loaded:.1f} s ({loaded / entries * 1e6:.1f} µs each)")
    call([b"XGROUP", b"CREATE", b"big", b"g", b"0"])
    state = {"ms": entries}

    def xadd() -> list[bytes]:
        state["ms"] += 1
        return [b"XADD", b"big", b"%d-0" % state["ms"], b"name", b"job", b"n", b"1"]

    def xrange_mid() -> list[bytes]:
        start = (state["ms"] * 7919) % entries + 1
        return [b"XRANGE", b"big", b"%d" % start, b"+", b"COUNT", b"10"]

    acks: list[bytes] = []

    def xreadgroup() -> list[bytes]:
        return [b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"10", b"STREAMS", b"big", b">"]

    def xack() -> list[bytes]:
        return [b"XACK", b"big", b"g", *acks[-10:]]

    cases: dict[str, Callable[[], list[bytes]]] = {
        "XADD big <id> name job n 1": xadd,
        "XRANGE big <mid> + COUNT 10": xrange_mid,
        "XREADGROUP GROUP g c COUNT 10 STREAMS big >": xreadgroup,
        "XACK big g <10 ids>": xack,
        "XLEN big": lambda: [b"XLEN", b"big"],
    }
    print("| command | median µs per call | p99 µs |")
    print("| --- | ---: | ---: |")
    for name, make in cases.items():
        samples = []
        for _ in range(20_000):
            if make is xack:
                reply = execute(client, xreadgroup())
                if isinstance(reply, list):  # (None once the whole stream was delivered)
                    acks.extend(entry[0] for entry in reply[0][1])
            argv = make()
            begin = time.perf_counter_ns()
            reply = execute(client, argv)
            assert not isinstance(reply, BlockRequest)
            encode(reply, 2)
            samples.append((time.perf_counter_ns() - begin) / 1000)
        samples.sort()
        print(f"| {name} | {statistics.median(samples):.1f} | "
              f"{samples[int(len(samples) * 0.99)]:.1f} |")
    return per_entry


def redis_bytes_per_entry(entries: int) -> float | None:
    """``used_memory`` growth of a real redis-server for the same XADDs, per entry."""
    if REDIS_SERVER is None:
        return None
    import redis  # the client, only for this measurement

    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--save", "",
                                 "--appendonly", "no", "--dir", workdir],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            r = redis.Redis(port=port)
            for _ in range(100):
                try:
                    r.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            before = int(r.info("memory")["used_memory"])
            pipe = r.pipeline(transaction=False)
            for ms in range(1, entries + 1):
                pipe.execute_command(  # type: ignore[no-untyped-call]
                    "XADD", "big", f"{ms}-0", "name", f"job{ms % 1000}", "n", str(ms))
                if ms % 10_000 == 0:
                    pipe.execute()
            pipe.execute()
            after = int(r.info("memory")["used_memory"])
            r.close()
        finally:
            proc.terminate()
            proc.wait(10)
    return (after - before) / entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args()
    godis_bytes = godis_figures(args.entries)
    redis_bytes = None if args.no_redis else redis_bytes_per_entry(args.entries)
    print()
    print(f"memory per entry (2 small fields): godis {godis_bytes:.0f} B (Python heap)", end="")
    if redis_bytes is not None:
        print(f", redis {redis_bytes:.0f} B (used_memory), godis/redis "
              f"{godis_bytes / redis_bytes:.1f}x")
    else:
        print()


if __name__ == "__main__":
    main()
