"""Hit rate of an ``allkeys-lru`` cache under a Zipf workload: godis next to redis-server.

Usage::

    python benchmarks/eviction.py [--keys 100000] [--requests 300000] [--alpha 1.0]
                                  [--maxmemory 8mb] [--value-size 100] [--batch 50]
                                  [--policy allkeys-lru] [--seed 1]

Both servers get the same ``maxmemory`` and policy and the same request stream: a cache-aside
client that GETs a key drawn from a Zipf distribution over ``--keys`` keys and SETs it on a
miss. Requests go in batches of ``--batch`` GETs (one pipeline), then the misses' SETs (one
pipeline), so both servers see identical traffic whatever their speed. The first ``--warmup``
share of the requests fills the cache and is not counted.

godis charges ``maxmemory`` against its model of Redis's allocations (see
docs/performance.md), so the same limit holds about as many keys as in Redis; its real RSS is
printed beside. This is a measurement, not a test: it asserts nothing about the rates.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import sys
import tempfile
import time
from pathlib import Path

import redis
from bench import godis_spec
from harness import HarnessError, Pinning, RunningServer, redis_server_spec, start_server


def zipf_stream(keys: int, alpha: float, count: int, seed: int) -> list[int]:
    """``count`` ranks in ``[0, keys)`` with P(rank) proportional to 1 / (rank + 1)^alpha,
    the ranks shuffled over the key names so that hot keys are not the first inserted."""
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** alpha for rank in range(keys)))
    total = cumulative[-1]
    names = list(range(keys))
    rng.shuffle(names)
    return [names[bisect.bisect_left(cumulative, rng.random() * total)] for _ in range(count)]


def run_cache(server: RunningServer, stream: list[int], args: argparse.Namespace
              ) -> dict[str, float]:
    """Drive one server with the stream; its hit rate and memory figures."""
    client = redis.Redis(port=server.port)
    client.config_set("maxmemory-policy", args.policy)
    client.config_set("maxmemory-samples", str(args.samples))
    client.config_set("maxmemory", args.maxmemory)
    value = b"v" * args.value_size
    warmup = int(len(stream) * args.warmup)
    hits = misses = 0
    started = time.perf_counter()
    for start in range(0, len(stream), args.batch):
        batch = stream[start:start + args.batch]
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.get(b"key:%d" % key)
        replies = pipe.execute()
        pipe = client.pipeline(transaction=False)
        missed = 0
        for key, reply in zip(batch, replies, strict=True):
            if reply is None:
                pipe.set(b"key:%d" % key, value)
                missed += 1
        if missed:
            pipe.execute()
        if start >= warmup:
            misses += missed
            hits += len(batch) - missed
    elapsed = time.perf_counter() - started
    memory = client.info("memory")
    stats = client.info("stats")
    result = {
        "hit_rate": hits / max(1, hits + misses),
        "keys": float(client.dbsize()),
        "evicted": float(stats["evicted_keys"]),
        "used_memory": float(memory["used_memory"]),
        "rss": float(memory["used_memory_rss"]),
        "seconds": elapsed,
    }
    client.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--alpha", type=float, default=1.0, help="Zipf exponent")
    parser.add_argument("--maxmemory", default="8mb")
    parser.add_argument("--policy", default="allkeys-lru")
    parser.add_argument("--samples", type=int, default=5, help="maxmemory-samples")
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args(argv)
    stream = zipf_stream(args.keys, args.alpha, args.requests, args.seed)
    pinning = Pinning.detect(not args.no_pin)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="godis-evict-") as workdir:
        for spec in (redis_server_spec("redis"), godis_spec("godis", "--no-appendonly")):
            server = start_server(spec, pinning, Path(workdir))
            try:
                results[spec.label] = run_cache(server, stream, args)
                server.check_alive()
            finally:
                server.stop()
    print(f"{args.policy}, maxmemory {args.maxmemory}, {args.keys} keys, Zipf alpha "
          f"{args.alpha}, {args.requests} requests ({args.warmup:.0%} warm-up), "
          f"{args.value_size}-byte values, maxmemory-samples {args.samples}")
    print()
    print("| server | hit rate | keys held | evicted | used_memory | RSS | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, r in results.items():
        print(f"| {label} | {r['hit_rate']:.2%} | {int(r['keys'])} | {int(r['evicted'])} | "
              f"{r['used_memory'] / 2**20:.2f} MiB | {r['rss'] / 2**20:.1f} MiB | "
              f"{r['seconds']:.1f} |")
    difference = (results["godis"]["hit_rate"] - results["redis"]["hit_rate"]) * 100
    print()
    print(f"godis - redis: {difference:+.2f} points")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as error:
        print(f"harness error: {error}", file=sys.stderr)
        sys.exit(2)
