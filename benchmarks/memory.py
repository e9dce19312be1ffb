"""Memory per key of godis next to a real redis-server: RSS and ``used_memory`` growth.

Usage (``nox -s bench -- --memory`` runs the same in a fresh virtualenv)::

    python benchmarks/memory.py [--scale 1.0] [--markdown FILE] [--no-pin]

Fills, in both servers of the same run and in this order, 1,000,000 small strings, 100,000
10-field hashes, 100,000 10-member integer sets (intset), 100,000 10-member string sets
(hashtable in 7.0, which has no listpack sets) and 100,000 10-member sorted sets (``--scale``
multiplies the counts). Each kind gets a fresh redis-server and godis and is loaded with
``redis-cli --pipe`` in two steps, the first 10% then the rest; the figure is the growth
between the two measurements divided by the keys of the second step, so start-up memory and
the first resizes of the keyspace dict do not count (the later ones, amortised, do). ``used_memory`` is godis's modelled Redis figure (it must match
Redis's closely); RSS is what each process really holds.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bench import godis_spec
from harness import (
    HarnessError,
    Pinning,
    RunningServer,
    markdown_table,
    redis_server_spec,
    start_server,
)

REDIS_CLI = shutil.which("redis-cli")
Command = list[bytes]


def strings(index: int) -> Iterator[Command]:
    yield [b"SET", b"str:%d" % index, b"value:%d" % index]


def hashes(index: int) -> Iterator[Command]:
    argv = [b"HSET", b"hash:%d" % index]
    for field in range(10):
        argv += [b"field%d" % field, b"value%d" % (index + field)]
    yield argv


def int_sets(index: int) -> Iterator[Command]:
    yield [b"SADD", b"iset:%d" % index, *(b"%d" % (index + m) for m in range(10))]


def string_sets(index: int) -> Iterator[Command]:
    yield [b"SADD", b"sset:%d" % index, *(b"member:%d" % (index + m) for m in range(10))]


def zsets(index: int) -> Iterator[Command]:
    argv = [b"ZADD", b"zset:%d" % index]
    for member in range(10):
        argv += [b"%d" % (index + member), b"member%d" % member]
    yield argv


KINDS: list[tuple[str, int, Callable[[int], Iterator[Command]]]] = [
    ("string", 1_000_000, strings),
    ("hash (10 fields)", 100_000, hashes),
    ("set (10 ints, intset)", 100_000, int_sets),
    ("set (10 strings)", 100_000, string_sets),
    ("zset (10 members)", 100_000, zsets),
]


def resp(argv: Command) -> bytes:
    return b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)


def fill(server: RunningServer, payload: Path) -> None:
    """``redis-cli --pipe`` of the prepared commands; raise if any failed."""
    assert REDIS_CLI is not None
    with payload.open("rb") as source:
        done = subprocess.run([REDIS_CLI, "-p", str(server.port), "--pipe"], stdin=source,
                              capture_output=True, check=False)
    if done.returncode != 0 or b"errors: 0" not in done.stdout:
        raise HarnessError(f"{server.label}: redis-cli --pipe failed: {done.stdout[-300:]!r}"
                           f" {done.stderr[-300:]!r}")


def used_memory(port: int) -> int:
    """INFO memory's ``used_memory``."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(resp([b"INFO", b"memory"]))
        data = b""
        while b"used_memory:" not in data or not data.endswith(b"\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    for line in data.split(b"\r\n"):
        if line.startswith(b"used_memory:"):
            return int(line.split(b":")[1])
    raise HarnessError(f"no used_memory in INFO from port {port}")


def measure(pinning: Pinning, tmp: Path, scale: float) -> list[list[str]]:
    """One row per kind, each measured in a fresh pair of servers: in a shared one, the keys
    of the earlier kinds would make a later kind pay for the keyspace dict's next resize."""
    rows = []
    for name, count, make in KINDS:
        servers: list[RunningServer] = []
        try:
            for spec in (redis_server_spec("redis"), godis_spec("godis", "--no-appendonly")):
                servers.append(start_server(spec, pinning, tmp))
            rows.append(measure_kind(servers, tmp, name, count, make, scale))
        finally:
            for server in servers:
                server.stop()
        print(f"{name}: {rows[-1][2:]}", file=sys.stderr, flush=True)
    return rows


def measure_kind(servers: list[RunningServer], tmp: Path, name: str, count: int,
                 make: Callable[[int], Iterator[Command]], scale: float) -> list[str]:
    """Fill one kind in two steps (10%, then the rest) into both servers; its table row."""
    count = max(10, int(count * scale))
    first = count // 10
    parts = [(0, first), (first, count)]
    paths = []
    for number, (start, stop) in enumerate(parts):
        path = tmp / f"payload-{number}.resp"
        with path.open("wb") as out:
            for index in range(start, stop):
                for argv in make(index):
                    out.write(resp(argv))
        paths.append(path)
    figures: dict[str, tuple[float, float]] = {}
    for server in servers:
        fill(server, paths[0])
        rss0, used0 = server.rss_kib() or 0, used_memory(server.port)
        fill(server, paths[1])
        rss1, used1 = server.rss_kib() or 0, used_memory(server.port)
        server.check_alive()
        keys = count - first
        figures[server.label] = ((rss1 - rss0) * 1024 / keys, (used1 - used0) / keys)
    redis, godis = figures["redis"], figures["godis"]
    return [name, f"{count:,}", f"{redis[0]:.0f}", f"{godis[0]:.0f}",
            f"{godis[0] / redis[0]:.2f}x" if redis[0] else "-",
            f"{redis[1]:.0f}", f"{godis[1]:.0f}",
            f"{godis[1] / redis[1]:.2f}x" if redis[1] else "-"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the key counts")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    args = parser.parse_args(argv)
    if REDIS_CLI is None:
        print("memory: error: redis-cli is not installed", file=sys.stderr)
        return 2
    pinning = Pinning.detect(enabled=not args.no_pin)
    try:
        with tempfile.TemporaryDirectory(prefix="godis-memory-") as name:
            rows = measure(pinning, Path(name), args.scale)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"memory: error: {exc}", file=sys.stderr)
        return 2
    header = ["kind", "keys", "redis RSS B/key", "godis RSS B/key", "RSS godis/redis",
              "redis used_memory B/key", "godis used_memory B/key", "used_memory godis/redis"]
    text = (markdown_table(header, rows) + "\n\nPer key: growth from 10% to 100% of the keys"
            " of each kind, divided by the keys added (same run, both servers).\n")
    print(text, end="")
    if args.markdown is not None:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
