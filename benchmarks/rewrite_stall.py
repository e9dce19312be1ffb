"""The longest pause a client sees while the AOF of a large dataset is rewritten in the
background (BGREWRITEAOF), godis next to redis-server in the same run.

Usage: ``python benchmarks/rewrite_stall.py [--keys 1000000]``. For each server: DEBUG
POPULATE the keys, then a client sends PING back to back while BGREWRITEAOF runs until INFO
says it finished; the table shows the longest PING round trip (and the rewrite's duration).
A benchmark, not a test: the figures move with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from harness import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def measure(port: int, keys: int) -> tuple[float, float]:
    """(longest PING round trip in ms, rewrite seconds) on the server at ``port``."""
    client = redis.Redis(port=port)
    client.execute_command("DEBUG", "POPULATE", keys)  # type: ignore[no-untyped-call]
    client.execute_command("BGREWRITEAOF")  # type: ignore[no-untyped-call]
    started = time.perf_counter()
    longest = 0.0
    checks = 0
    while True:
        sent = time.perf_counter()
        client.ping()
        longest = max(longest, time.perf_counter() - sent)
        checks += 1
        if checks % 50 == 0 and not client.info("persistence")["aof_rewrite_in_progress"]:
            break
    seconds = time.perf_counter() - started
    client.close()
    return longest * 1000, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = []
    for label in ("redis", "godis"):
        port = free_port()
        with tempfile.TemporaryDirectory() as directory:
            if label == "redis":
                argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly",
                        "yes", "--dir", directory, "--enable-debug-command", "yes"]
                env = None
            else:
                argv = [sys.executable, "-m", "godis", "serve", "--port", str(port), "--dir",
                        directory, "--appendonly", "--loglevel", "warning"]
                env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=env)
            try:
                wait_for_port(port)
                longest_ms, seconds = measure(port, args.keys)
            finally:
                proc.terminate()
                proc.wait(30)
        rows.append((label, longest_ms, seconds))
    print("| server | keys | longest PING (ms) | rewrite (s) |\n|---|---:|---:|---:|")
    for label, longest_ms, seconds in rows:
        print(f"| {label} | {args.keys:,} | {longest_ms:.1f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
