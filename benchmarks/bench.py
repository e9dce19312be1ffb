"""Throughput of godis next to a real redis-server, measured with ``redis-benchmark``.

Usage (``nox -s bench -- ARGS`` runs the same in a fresh virtualenv)::

    python benchmarks/bench.py [--tests ping,set,get,incr,hset,evalsha_incr,xadd,xreadgroup]
                               [--pipelines 1,16]
                               [--clients 50] [--repeat 3] [--seconds 2] [--aof]
                               [--markdown FILE]

Prints a markdown table (test, pipeline, redis req/s, godis req/s, godis/redis) with the
median of ``--repeat`` alternated rounds, and the servers' memory (VmRSS) after the run.
``--aof`` adds a second godis with ``--appendonly --appendfsync everysec`` and the ratio
godis+aof / godis (the target is to stay within 10%).

Each measurement lasts about ``--seconds`` for every server (see ``harness.py`` for why the
request count is calibrated per server rather than fixed); ``--requests N`` forces a fixed
``-n`` instead. The exit status is non-zero only when the harness fails (a server does not
start or dies, redis-benchmark fails), never because of a ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    HarnessError,
    Measurements,
    Pinning,
    RunningServer,
    ServerSpec,
    fmt_mib,
    fmt_ratio,
    load_average,
    markdown_table,
    measure_all,
    parse_csv_list,
    parse_int_list,
    prefill_streams,
    redis_server_spec,
    start_server,
)

DEFAULT_TESTS = "ping,set,get,incr,hset,evalsha_incr,evalsha_lock_release,xadd,xreadgroup"
REPO_ROOT = Path(__file__).resolve().parent.parent


def godis_spec(label: str, *persistence: str) -> ServerSpec:
    """``python -m godis serve`` with the interpreter running this script."""
    return ServerSpec(
        label,
        [
            sys.executable,
            "-m",
            "godis",
            "serve",
            "--port",
            "{port}",
            "--bind",
            "127.0.0.1",
            "--dir",
            "{dir}",
            "--loglevel",
            "warning",
            *persistence,
        ],
        # The checkout first, so an uninstalled tree benchmarks itself too.
        env={
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
        },
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Compare godis with redis-server using redis-benchmark.",
    )
    parser.add_argument(
        "--tests",
        default=DEFAULT_TESTS,
        help="comma list of redis-benchmark -t names, or evalsha_incr / evalsha_lock_release "
        "(EVALSHA of a preloaded script) (default: %(default)s)",
    )
    parser.add_argument(
        "--pipelines", default="1,16", help="comma list of -P depths (default: %(default)s)"
    )
    parser.add_argument("--clients", type=int, default=50, help="-c (default: %(default)s)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="alternated rounds per measurement; the median is reported",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        help="target duration of each measured run (default: %(default)s)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="fixed -n for every run instead of per-server calibration",
    )
    parser.add_argument(
        "--aof",
        action="store_true",
        help="also run godis with appendonly everysec and compare with no AOF",
    )
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the report to this file"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    return parser


def report(
    results: Measurements,
    servers: list[RunningServer],
    rss: dict[str, int | None],
    args: argparse.Namespace,
    pinning: Pinning,
    elapsed: float,
    load_before: str,
) -> str:
    """The markdown table plus a footer with memory and the method."""
    labels = [s.label for s in servers]
    aof = "godis+aof" in labels
    header = ["test", "pipeline", "redis req/s", "godis req/s", "godis/redis"]
    header += ["redis CPU us/req", "godis CPU us/req"]
    if aof:
        header += ["godis+aof req/s", "aof/no-aof", "godis+aof CPU us/req"]
    rows = []
    for title, pipeline in results.titles:
        redis_rps = results.median(title, pipeline, "redis")
        godis_rps = results.median(title, pipeline, "godis")
        row = [
            title,
            str(pipeline),
            results.cell(title, pipeline, "redis"),
            results.cell(title, pipeline, "godis"),
            fmt_ratio(godis_rps, redis_rps),
            results.cpu_cell(title, pipeline, "redis"),
            results.cpu_cell(title, pipeline, "godis"),
        ]
        if aof:
            aof_rps = results.median(title, pipeline, "godis+aof")
            row += [
                results.cell(title, pipeline, "godis+aof"),
                fmt_ratio(aof_rps, godis_rps),
                results.cpu_cell(title, pipeline, "godis+aof"),
            ]
        rows.append(row)
    sizing = (
        f"fixed -n {args.requests}"
        if args.requests
        else f"-n calibrated per server for ~{args.seconds:g}s per run"
    )
    lines = [
        markdown_table(header, rows),
        "",
        "CPU us/req: the server's user+system CPU time over the run divided by its requests "
        "(steadier than req/s on a busy machine).",
        "",
        "Memory after the run (VmRSS): "
        + ", ".join(f"{label} {fmt_mib(rss.get(label))}" for label in labels)
        + ".",
        "",
        f"Median of {args.repeat} alternated rounds; redis-benchmark -c {args.clients}, "
        f"{sizing}; {pinning.describe()}; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; total {elapsed:.0f}s; "
        f"load average before/after: {load_before} / {load_average()} (other processes "
        "on these cores skew absolute numbers; the ratios of alternated runs less so).",
    ]
    if results.warnings:
        lines += ["", "redis-benchmark reported (first lines):", ""]
        lines += [f"- `{w}`" for w in results.warnings[:20]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        tests = parse_csv_list(args.tests)
        pipelines = parse_int_list(args.pipelines)
        if not tests:
            raise HarnessError("--tests is empty")
        if args.repeat < 1 or args.clients < 1 or args.seconds <= 0:
            raise HarnessError("--repeat, --clients and --seconds must be positive")
        pinning = Pinning.detect(enabled=not args.no_pin)
        specs = [redis_server_spec("redis"), godis_spec("godis", "--no-appendonly")]
        if args.aof:
            specs.append(godis_spec("godis+aof", "--appendonly", "--appendfsync", "everysec"))
        started = time.monotonic()
        load_before = load_average()
        with tempfile.TemporaryDirectory(prefix="godis-bench-") as tmp:
            servers: list[RunningServer] = []
            try:
                for spec in specs:
                    servers.append(start_server(spec, pinning, Path(tmp)))
                print(
                    f"servers: {', '.join(f'{s.label}:{s.port}' for s in servers)}; "
                    f"{pinning.describe()}",
                    file=sys.stderr,
                    flush=True,
                )
                if any(test in ("xrange", "xreadgroup", "xack") for test in tests):
                    for server in servers:
                        prefill_streams(server.port)
                results = measure_all(
                    servers,
                    tests,
                    pipelines,
                    clients=args.clients,
                    repeat=args.repeat,
                    seconds=args.seconds,
                    pinning=pinning,
                    fixed_requests=args.requests,
                )
                rss = {s.label: s.rss_kib() for s in servers}
            finally:
                for server in servers:
                    server.stop()
        text = report(results, servers, rss, args, pinning, time.monotonic() - started, load_before)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    print(text, end="")
    if args.markdown is not None:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
