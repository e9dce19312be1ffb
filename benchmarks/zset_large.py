"""Server time of ZRANK / ZRANGE on a 1,000,000-member sorted set (the data-types issue's
complexity target): the whole command path — dispatch, handler, RESP encoding — in process,
no sockets, so the figure is the server's own cost per call."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.protocol.writer import encode
from godis.state import ServerState

MEMBERS = 1_000_000


def main() -> None:
    load_all()
    server = ServerState(Config(appendonly=False))
    client = Client(server)
    rng = random.Random(7)
    started = time.perf_counter()
    for start in range(0, MEMBERS, 1000):
        argv = [b"ZADD", b"big"]
        for i in range(start, start + 1000):
            argv += [b"%.6f" % rng.random(), b"member:%d" % i]
        execute(client, argv)
    print(f"loaded {MEMBERS:,} members in {time.perf_counter() - started:.1f} s")
    def zrange_of_ten() -> list[bytes]:
        start = rng.randrange(MEMBERS - 10)
        return [b"ZRANGE", b"big", b"%d" % start, b"%d" % (start + 9)]

    cases: dict[str, Callable[[], list[bytes]]] = {
        "ZRANK big member:N": lambda: [b"ZRANK", b"big", b"member:%d" % rng.randrange(MEMBERS)],
        "ZRANGE big i i+9": zrange_of_ten,
        "ZRANGE big 0 9 WITHSCORES": lambda: [b"ZRANGE", b"big", b"0", b"9", b"WITHSCORES"],
        "ZSCORE big member:N": lambda: [b"ZSCORE", b"big", b"member:%d" % rng.randrange(MEMBERS)],
        "ZADD big (update)": lambda: [b"ZADD", b"big", b"%.6f" % rng.random(),
                                      b"member:%d" % rng.randrange(MEMBERS)],
    }
    print("| command | median µs per call | p99 µs |")
    print("| --- | ---: | ---: |")
    for name, make in cases.items():
        samples = []
        for _ in range(20_000):
            argv = make()
            begin = time.perf_counter_ns()
            reply = execute(client, argv)
            assert not isinstance(reply, BlockRequest)
            encode(reply, 2)
            samples.append((time.perf_counter_ns() - begin) / 1000)
        samples.sort()
        print(f"| {name} | {statistics.median(samples):.1f} | {samples[int(len(samples) * 0.99)]:.1f} |")


if __name__ == "__main__":
    main()
