"""Shared machinery of the benchmark scripts: servers, pinning, redis-benchmark runs, tables.

Both ``bench.py`` (godis vs redis-server) and ``io_experiment.py`` (Trio I/O variants) measure
the same way, so the method lives here once:

- every server runs as a subprocess on a free loopback port, in a temporary directory;
- with two or more usable cores the server is pinned to the first and ``redis-benchmark`` to
  the second (``taskset``), so the load generator never steals the server's core;
- each measurement is one ``redis-benchmark -t TEST -P P --csv`` run sized to last about
  ``seconds``: a short warm-up run of the same test gives the server's rate, and the measured
  run gets ``rate * seconds`` requests (same *duration* for every server, not the same ``-n``:
  a fixed ``-n`` sized for redis would make a slower server's runs last minutes);
- servers are alternated inside each round (A, B, A, B, ...) so drift (thermal, noisy
  neighbours) hits them alike, and the median of the rounds is reported.

Nothing here asserts on speed: only harness failures (a server that does not start or dies,
``redis-benchmark`` failing or printing no result) raise ``HarnessError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")
REDIS_BENCHMARK = shutil.which("redis-benchmark")
TASKSET = shutil.which("taskset")

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIN_REQUESTS = 2_000
MAX_REQUESTS = 20_000_000


class HarnessError(RuntimeError):
    """The benchmark could not be carried out (as opposed to a slow result)."""


class ServerReplyError(RuntimeError):
    """The server answered a benchmark command with an error (e.g. a command not implemented
    yet); redis-benchmark stops at the first one. Reported in the table, not a harness failure."""


def free_port() -> int:
    """A loopback port nobody listens on right now (tiny race, fine for a benchmark)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Pinning:
    """Which core the servers and the load generator run on (None: no pinning)."""

    server_core: int | None
    client_core: int | None

    @classmethod
    def detect(cls, enabled: bool = True) -> Pinning:
        """Pin to two distinct cores when ``taskset`` exists and at least two are usable."""
        cores = sorted(os.sched_getaffinity(0))
        if not enabled or TASKSET is None or len(cores) < 2:
            return cls(None, None)
        return cls(cores[0], cores[1])

    def server_prefix(self) -> list[str]:
        """Argv prefix that pins a server process."""
        return _taskset(self.server_core)

    def client_prefix(self) -> list[str]:
        """Argv prefix that pins redis-benchmark."""
        return _taskset(self.client_core)

    def describe(self) -> str:
        """One line for the report."""
        if self.server_core is None:
            return "no CPU pinning (--no-pin, no taskset, or fewer than 2 cores)"
        return (
            f"server pinned to core {self.server_core}, redis-benchmark to core {self.client_core}"
        )


def _taskset(core: int | None) -> list[str]:
    if core is None or TASKSET is None:
        return []
    return [TASKSET, "-c", str(core)]


@dataclass
class ServerSpec:
    """How to start one server: a label and an argv builder taking (port, workdir)."""

    label: str
    argv: list[str]
    """The command; ``{port}`` and ``{dir}`` are substituted."""
    startup_timeout: float = 30.0
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment variables for the server process."""


@dataclass
class RunningServer:
    """A started server subprocess."""

    spec: ServerSpec
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def label(self) -> str:
        return self.spec.label

    def check_alive(self) -> None:
        """Raise HarnessError with the tail of the server's log if it exited."""
        code = self.proc.poll()
        if code is not None:
            raise HarnessError(
                f"{self.label} exited with code {code}; log tail:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def rss_kib(self) -> int | None:
        """Resident set size (VmRSS) of the server process, from /proc."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process (all its threads), from /proc."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        # Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit within 10 s."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def redis_server_spec(label: str = "redis", *extra: str) -> ServerSpec:
    """A real redis-server with no persistence (plus ``extra`` config arguments)."""
    if REDIS_SERVER is None:
        raise HarnessError("redis-server is not installed (apt-get install redis-server)")
    return ServerSpec(
        label,
        [
            REDIS_SERVER,
            "--port",
            "{port}",
            "--bind",
            "127.0.0.1",
            "--dir",
            "{dir}",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            *extra,
        ],
    )


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_server(spec: ServerSpec, pinning: Pinning, workdir: Path) -> RunningServer:
    """Start ``spec`` pinned, in its own subdirectory of ``workdir``; wait until it answers PING."""
    port = free_port()
    server_dir = workdir / spec.label.replace("/", "_").replace("+", "_")
    server_dir.mkdir(parents=True, exist_ok=True)
    argv = [a.replace("{port}", str(port)).replace("{dir}", str(server_dir)) for a in spec.argv]
    log_path = server_dir / "server.log"
    with log_path.open("wb") as log:
        # taskset execs the server, so proc.pid is the server's own pid (for /proc RSS).
        proc = subprocess.Popen(
            [*pinning.server_prefix(), *argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=server_dir,
            env={**os.environ, **spec.env},
        )
    server = RunningServer(spec, port, server_dir, proc, log_path)
    deadline = time.monotonic() + spec.startup_timeout
    while not _ping(port):
        if proc.poll() is not None:
            server.check_alive()
        if time.monotonic() > deadline:
            server.stop()
            raise HarnessError(
                f"{spec.label} did not answer PING within {spec.startup_timeout:.0f}s; "
                f"argv: {argv}; log tail:\n{server.log_tail()}"
            )
        time.sleep(0.05)
    return server


@dataclass
class BenchResult:
    """One redis-benchmark run: rows keyed by redis-benchmark's test title, in req/s."""

    rps: dict[str, float]
    requests: int
    elapsed: float
    errors: list[str] = field(default_factory=list)


SCRIPT_TESTS = {
    "evalsha_incr": "return redis.call('incr', KEYS[1])",
    # redis-py's Lock release (LUA_RELEASE_SCRIPT), on a lock held by someone else
    "evalsha_lock_release": (
        "local token = redis.call('get', KEYS[1]) "
        "if not token or token ~= ARGV[1] then return 0 end "
        "redis.call('del', KEYS[1]) return 1"
    ),
}
"""Script benchmarks: the script is loaded (SCRIPT LOAD) on each server first, then
redis-benchmark sends ``EVALSHA <sha> 1 <key> <token>``: a cached script, no compile."""


def load_script(port: int, test: str) -> str:
    """SCRIPT LOAD the body of a script test on the server at ``port``; its sha."""
    body = SCRIPT_TESTS[test].encode()
    command = b"*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n" % (len(body), body)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(command)
        reply = b""
        while not reply.endswith(b"\r\n") or reply.count(b"\r\n") < 2:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    sha = hashlib.sha1(body).hexdigest()
    if sha.encode() not in reply:
        raise HarnessError(f"SCRIPT LOAD failed on port {port}: {reply[:200]!r}")
    return sha


def run_redis_benchmark(
    port: int,
    test: str,
    *,
    requests: int,
    clients: int,
    pipeline: int,
    pinning: Pinning,
    timeout: float = 300.0,
) -> BenchResult:
    """One ``redis-benchmark -t TEST`` run; its CSV rows parsed into req/s by title."""
    if REDIS_BENCHMARK is None:
        raise HarnessError("redis-benchmark is not installed (apt-get install redis-tools)")
    custom = CUSTOM_TESTS.get(test)
    selection = ["-t", test] if custom is None else custom[0]
    command = [] if custom is None else custom[1]
    argv = [
        *pinning.client_prefix(),
        REDIS_BENCHMARK,
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        *([] if test in SCRIPT_TESTS else selection),
        "-c",
        str(clients),
        "-n",
        str(requests),
        "-P",
        str(pipeline),
        "-q",
        "--csv",
        *command,
    ]
    if test == "xreadgroup":
        _send(port, [b"XGROUP", b"SETID", b"bench:stream", b"bench", b"0"])  # from the start
    if test in SCRIPT_TESTS:
        argv += ["EVALSHA", load_script(port, test), "1", "bench:key", "token"]
    started = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"redis-benchmark timed out after {timeout:.0f}s: {argv}") from exc
    elapsed = time.monotonic() - started
    out = done.stdout.decode(errors="replace")
    err = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        for line in (out + err).splitlines():
            if line.startswith("Error from server:"):
                raise ServerReplyError(line.removeprefix("Error from server:").strip())
        raise HarnessError(
            f"redis-benchmark exited {done.returncode}: {' '.join(argv)}\n{out[-2000:]}{err[-2000:]}"
        )
    rps: dict[str, float] = {}
    errors: list[str] = []
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            try:
                rps[test.upper() if test in SCRIPT_TESTS else row[0]] = float(row[1])
            except ValueError:
                errors.append(",".join(row))
        elif row and row[0] != "test":
            errors.append(",".join(row))
    errors.extend(line for line in err.splitlines() if line.strip())
    if not rps:
        raise HarnessError(
            f"redis-benchmark printed no result for -t {test}: {' '.join(argv)}\n{out[-2000:]}{err[-2000:]}"
        )
    return BenchResult(rps, requests, elapsed, errors)


def measured_rows(result: BenchResult) -> dict[str, float]:
    """Drop the set-up rows redis-benchmark adds (``LPUSH (needed to benchmark LRANGE)``)."""
    return {title: rps for title, rps in result.rps.items() if "needed to benchmark" not in title}


@dataclass
class Measurements:
    """Samples per (row title, pipeline, server label), titles kept in the order they appeared.

    Two metrics: req/s as redis-benchmark reports it, and the server's CPU time per request
    (user + system, all threads, from /proc) over the same run. Throughput moves with whatever
    else runs on the machine; CPU per request mostly does not, so on a shared machine it is the
    steadier way to compare two servers' efficiency.
    """

    samples: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    cpu_samples: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    titles: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    test_of: dict[tuple[str, int], str] = field(default_factory=dict)
    failures: set[tuple[str, int, str]] = field(default_factory=set)
    """(test, pipeline, label) where the server answered with an error."""

    def add(
        self, title: str, pipeline: int, label: str, rps: float, cpu_us: float | None, test: str
    ) -> None:
        if (title, pipeline) not in self.titles:
            self.titles.append((title, pipeline))
            self.test_of[(title, pipeline)] = test
        self.samples.setdefault((title, pipeline, label), []).append(rps)
        if cpu_us is not None:
            self.cpu_samples.setdefault((title, pipeline, label), []).append(cpu_us)

    def failed(self, test: str, pipeline: int, label: str, message: str) -> None:
        self.failures.add((test, pipeline, label))
        self.warnings.append(f"{label} -t {test} -P {pipeline}: error reply: {message}")

    def median(self, title: str, pipeline: int, label: str) -> float | None:
        values = self.samples.get((title, pipeline, label))
        return statistics.median(values) if values else None

    def cpu_median(self, title: str, pipeline: int, label: str) -> float | None:
        values = self.cpu_samples.get((title, pipeline, label))
        return statistics.median(values) if values else None

    def _failed(self, title: str, pipeline: int, label: str) -> bool:
        return (self.test_of.get((title, pipeline)), pipeline, label) in self.failures

    def cell(self, title: str, pipeline: int, label: str) -> str:
        """The median req/s formatted, ``ERR`` if the server failed this test, else ``-``."""
        value = self.median(title, pipeline, label)
        if value is None and self._failed(title, pipeline, label):
            return "ERR"
        return fmt_rps(value)

    def cpu_cell(self, title: str, pipeline: int, label: str) -> str:
        """The median CPU microseconds per request, ``ERR`` or ``-`` as for ``cell``."""
        value = self.cpu_median(title, pipeline, label)
        if value is None:
            return "ERR" if self._failed(title, pipeline, label) else "-"
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def calibrate_requests(rate: float, seconds: float) -> int:
    """Request count for a run of about ``seconds`` at ``rate`` req/s, rounded to 1000."""
    wanted = int(rate * seconds)
    return max(MIN_REQUESTS, min(MAX_REQUESTS, round(wanted, -3)))


STREAM_PREFILL = 300_000
"""Entries ``0-1`` .. ``0-N`` of ``bench:stream`` (group ``bench``), written by
:func:`prefill_streams` before the stream tests."""

CUSTOM_TESTS: dict[str, tuple[list[str], list[str]]] = {
    "xadd": ([], ["XADD", "bench:xadd", "*", "field", "value", "n", "12345"]),
    "xrange": (["-r", str(STREAM_PREFILL)],
               ["XRANGE", "bench:stream", "0-__rand_int__", "+", "COUNT", "10"]),
    "xreadgroup": ([], ["XREADGROUP", "GROUP", "bench", "consumer", "COUNT", "1", "STREAMS",
                        "bench:stream", ">"]),
    "xack": (["-r", str(STREAM_PREFILL)], ["XACK", "bench:stream", "bench", "0-__rand_int__"]),
}
"""Tests that are not redis-benchmark ``-t`` names: (extra options, the command to send).
``__rand_int__`` becomes a zero-padded random number below ``-r``, which a stream ID's
sequence reads as that number (strtoull). Each xreadgroup run starts with the group moved back
to the stream's start (XGROUP SETID 0), so it delivers entries for the first STREAM_PREFILL
requests; a longer run (redis-server pipelined) reads past the end, where XREADGROUP is the
cheaper empty reply: the godis/redis ratio then errs against godis."""


def _send(port: int, argv: list[bytes]) -> bytes:
    """One command over a fresh connection; its first reply line."""
    data = b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply


def prefill_streams(port: int, entries: int = STREAM_PREFILL) -> None:
    """``bench:stream`` with ``entries`` entries and the consumer group ``bench`` at its start,
    for the xrange / xreadgroup / xack tests (pipelined over one raw connection)."""

    def command(*args: str) -> bytes:
        out = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg.encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        return out

    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:

        def run(batch: list[bytes], lines: int) -> None:
            sock.sendall(b"".join(batch))
            received = b""
            while received.count(b"\r\n") < lines:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise HarnessError("the server closed the connection while prefilling")
                received += chunk
            if b"-ERR" in received or b"-WRONGTYPE" in received:
                raise HarnessError(f"prefill failed: {received[:200]!r}")

        run([command("DEL", "bench:stream", "bench:xadd")], 1)
        for start in range(1, entries + 1, 1000):
            stop = min(start + 1000, entries + 1)
            run([command("XADD", "bench:stream", f"0-{n}", "field", "value", "n", str(n))
                 for n in range(start, stop)], 2 * (stop - start))
        run([command("XGROUP", "CREATE", "bench:stream", "bench", "0")], 1)


SPLIT_TESTS = {"ping": ["ping_inline", "ping_mbulk"]}
"""redis-benchmark tests that print several rows; run one row per run so each run's server
CPU time belongs to one row."""


def expand_tests(tests: Iterable[str]) -> list[str]:
    """``ping`` -> ``ping_inline, ping_mbulk``; other names unchanged, duplicates dropped."""
    expanded: list[str] = []
    for test in tests:
        for name in SPLIT_TESTS.get(test.lower(), [test.lower()]):
            if name not in expanded:
                expanded.append(name)
    return expanded


def measure_all(
    servers: Sequence[RunningServer],
    tests: Iterable[str],
    pipelines: Iterable[int],
    *,
    clients: int,
    repeat: int,
    seconds: float,
    pinning: Pinning,
    fixed_requests: int | None = None,
    verbose: bool = True,
) -> Measurements:
    """For every test and pipeline depth: warm up + calibrate each server, then ``repeat``
    rounds that alternate the servers; every sample recorded under its CSV row title."""
    results = Measurements()
    pipelines = list(pipelines)
    for test in expand_tests(tests):
        for pipeline in pipelines:
            sizes = _calibrate(servers, test, pipeline, results, clients, seconds, pinning)
            if fixed_requests:
                sizes = dict.fromkeys(sizes, fixed_requests)
            for round_no in range(repeat):
                for server in servers:
                    if server.label not in sizes:
                        continue
                    cpu_before = server.cpu_seconds()
                    try:
                        result = run_redis_benchmark(
                            server.port,
                            test,
                            requests=sizes[server.label],
                            clients=clients,
                            pipeline=pipeline,
                            pinning=pinning,
                        )
                    except ServerReplyError as exc:
                        server.check_alive()
                        results.failed(test, pipeline, server.label, str(exc))
                        del sizes[server.label]
                        continue
                    cpu_after = server.cpu_seconds()
                    server.check_alive()
                    cpu_us = None
                    if cpu_before is not None and cpu_after is not None:
                        # Every row of the run (set-up rows too) sent ``requests`` requests.
                        total = result.requests * len(result.rps)
                        cpu_us = (cpu_after - cpu_before) * 1e6 / total
                    rows = measured_rows(result)
                    for title, rps in rows.items():
                        results.add(title, pipeline, server.label, rps, cpu_us, test)
                    for line in result.errors[:3]:
                        msg = f"{server.label} -t {test} -P {pipeline}: {line}"
                        if msg not in results.warnings:
                            results.warnings.append(msg)
                    if verbose:
                        shown = ", ".join(f"{t} {r:,.0f} req/s" for t, r in rows.items())
                        cpu = "" if cpu_us is None else f", {cpu_us:.1f} CPU us/req"
                        print(
                            f"  [{test} P{pipeline} round {round_no + 1}/{repeat}] "
                            f"{server.label}: {shown}{cpu} "
                            f"(n={result.requests}, {result.elapsed:.1f}s)",
                            file=sys.stderr,
                            flush=True,
                        )
    return results


def _calibrate(
    servers: Sequence[RunningServer],
    test: str,
    pipeline: int,
    results: Measurements,
    clients: int,
    seconds: float,
    pinning: Pinning,
) -> dict[str, int]:
    """Warm each server up on ``test`` and size its measured runs to last ``seconds``.

    Servers that answer the test with an error are recorded as failed and left out."""
    sizes: dict[str, int] = {}
    for server in servers:
        try:
            warm = run_redis_benchmark(
                server.port,
                test,
                requests=5_000 * pipeline,
                clients=clients,
                pipeline=pipeline,
                pinning=pinning,
            )
        except ServerReplyError as exc:
            server.check_alive()
            results.failed(test, pipeline, server.label, str(exc))
            continue
        server.check_alive()
        # A run of n requests lasts sum(n / rate) over its rows (``lrange_*`` adds an LPUSH
        # set-up row), so size n for the whole run.
        per_request = sum(1.0 / rate for rate in warm.rps.values() if rate > 0)
        if per_request <= 0:
            raise HarnessError(f"{server.label}: warm-up of -t {test} measured 0 req/s")
        sizes[server.label] = calibrate_requests(1.0 / per_request, seconds)
        for line in warm.errors[:3]:
            results.warnings.append(f"{server.label} -t {test} -P {pipeline}: {line}")
    return sizes


def load_average() -> str:
    """The 1/5/15-minute load averages, to show how busy the machine was."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def fmt_rps(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None or den == 0:
        return "-"
    return f"{num / den:.2f}"


def fmt_mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.1f} MiB"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub markdown table; numeric-looking columns are right-aligned."""
    rows = [list(r) for r in rows]
    align = []
    for col in range(len(header)):
        numeric = bool(rows) and all(
            r[col].replace(",", "").replace(".", "").replace("-", "").isdigit()
            or r[col] in ("-", "ERR")
            for r in rows
        )
        align.append("---:" if numeric else "---")
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return "\n".join(lines)


def parse_csv_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in parse_csv_list(text)]
    except ValueError as exc:
        raise HarnessError(f"not a comma list of integers: {text!r}") from exc
    if not values or any(v < 1 for v in values):
        raise HarnessError(f"need positive integers: {text!r}")
    return values
