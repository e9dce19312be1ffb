"""Does lower-level Trio socket I/O beat ``SocketStream``? A PING/GET server in several styles.

Every variant is the same toy server (answers ``PING`` with ``+PONG``, ``GET`` with a fixed
bulk, ``CONFIG GET x`` with an empty value so redis-benchmark is content, anything else with
``+OK``); only the I/O layer differs:

- ``trio-stream``      ``trio.serve_tcp`` + ``SocketStream.receive_some`` / ``send_all``.
                       Each ``recv``/``send`` that succeeds at once still yields to the
                       scheduler (Trio's ``_try_sync`` sandwich), so one request costs two
                       scheduler passes: the wait for readability and the yield after ``send``.
- ``trio-raw``         ``serve_tcp`` for accepting, then the fd is detached into a stdlib
                       non-blocking ``socket.socket``: ``recv`` until ``BlockingIOError``, then
                       ``trio.lowlevel.wait_readable``; ``send`` falls back to
                       ``wait_writable``. One scheduler pass per request (plus a forced
                       checkpoint every 16 batches that needed no wait, for fairness).
- ``trio-raw-wait``    as ``trio-raw`` but waits for readability *before* every ``recv``:
                       no ``BlockingIOError`` raised and caught per request, at the price of
                       a wait even when data is already there.
- ``trio-raw-hiredis`` as ``trio-raw`` with ``hiredis.Reader`` parsing the requests.
- ``asyncio``          ``asyncio.start_server`` streams (the baseline people know).
- ``uvloop``           the same on uvloop (if installed).

``python benchmarks/io_experiment.py`` starts each variant (and a redis-server) pinned to one
core, runs ``redis-benchmark -t ping,get -c 50 -P 1`` and ``-P 16`` pinned to the other,
alternating the servers, and prints req/s and the ratio to redis. ``--serve VARIANT --port P``
runs one server (that is how the driver starts them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
from harness import (
    HarnessError,
    Measurements,
    Pinning,
    RunningServer,
    ServerSpec,
    fmt_mib,
    fmt_ratio,
    fmt_rps,
    load_average,
    markdown_table,
    measure_all,
    parse_csv_list,
    parse_int_list,
    redis_server_spec,
    start_server,
)

PONG = b"+PONG\r\n"
OK = b"+OK\r\n"
GET_VALUE = b"$3\r\nxxx\r\n"
RECV_SIZE = 65536
YIELD_EVERY = 16


def reply_to(argv: list[bytes]) -> bytes:
    """The toy command set: enough for ``redis-benchmark -t ping,get`` and its CONFIG probe."""
    name = argv[0].upper()
    if name == b"PING":
        return PONG
    if name == b"GET":
        return GET_VALUE
    if name == b"CONFIG" and len(argv) == 3:
        key = argv[2]
        return b"*2\r\n$%d\r\n%b\r\n$0\r\n\r\n" % (len(key), key)
    return OK


def process(buf: bytearray) -> bytes:
    """Answer every complete request in ``buf`` (RESP multibulk or inline) and drop it."""
    replies: list[bytes] = []
    pos = 0
    end_of_data = len(buf)
    find = buf.find
    while pos < end_of_data:
        if buf[pos] == 42:  # b"*": multibulk
            line_end = find(b"\r\n", pos)
            if line_end < 0:
                break
            count = int(buf[pos + 1 : line_end])
            cursor = line_end + 2
            argv: list[bytes] = []
            for _ in range(count):
                line_end = find(b"\r\n", cursor)
                if line_end < 0:
                    break
                start = line_end + 2
                stop = start + int(buf[cursor + 1 : line_end])
                if stop + 2 > end_of_data:
                    break
                argv.append(bytes(buf[start:stop]))
                cursor = stop + 2
            if len(argv) < count:
                break
            pos = cursor
        else:  # inline command
            line_end = find(b"\r\n", pos)
            if line_end < 0:
                break
            argv = bytes(buf[pos:line_end]).split()
            pos = line_end + 2
            if not argv:
                continue
        replies.append(reply_to(argv))
    del buf[:pos]
    return b"".join(replies)


# --- Trio variants ------------------------------------------------------------------------


async def handle_stream(stream: trio.SocketStream) -> None:
    """(a) The idiomatic way: SocketStream all the way."""
    buf = bytearray()
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
        while True:
            data = await stream.receive_some(RECV_SIZE)
            if not data:
                return
            buf += data
            out = process(buf)
            if out:
                await stream.send_all(out)


def detach(stream: trio.SocketStream) -> socket.socket:
    """Take the connection's fd away from Trio into a non-blocking stdlib socket."""
    sock = socket.socket(fileno=stream.socket.detach())
    sock.setblocking(False)
    return sock


async def send_raw(sock: socket.socket, data: bytes) -> None:
    """``send`` until done; wait for writability only when the kernel buffer is full."""
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except BlockingIOError:
            await trio.lowlevel.wait_writable(sock.fileno())
            continue
        view = view[sent:]


class PythonParser:
    """The pure-Python parser behind the common ``feed -> replies`` interface."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        return process(self.buf)


class HiredisParser:
    """hiredis.Reader for multibulk; inline requests fall back to the Python parser."""

    def __init__(self) -> None:
        import hiredis

        self.reader: Any = hiredis.Reader()
        self.inline: PythonParser | None = None
        self.decided = False

    def feed(self, data: bytes) -> bytes:
        if not self.decided:
            # redis-benchmark keeps one request style per connection.
            self.decided = True
            if not data.startswith(b"*"):
                self.inline = PythonParser()
        if self.inline is not None:
            return self.inline.feed(data)
        reader = self.reader
        reader.feed(data)
        replies: list[bytes] = []
        while (argv := reader.gets()) is not False:
            replies.append(reply_to(argv))
        return b"".join(replies)


async def raw_loop(
    stream: trio.SocketStream,
    parser_factory: Callable[[], PythonParser | HiredisParser],
    wait_first: bool,
) -> None:
    """(b)/(c): recv until EAGAIN, then wait_readable; checkpoint only every few batches."""
    sock = detach(stream)
    fd = sock.fileno()
    parser = parser_factory()
    feed = parser.feed
    recv = sock.recv
    wait_readable = trio.lowlevel.wait_readable
    batches_without_wait = 0
    try:
        while True:
            if wait_first:
                await wait_readable(fd)
                batches_without_wait = 0
            try:
                data = recv(RECV_SIZE)
            except BlockingIOError:
                await wait_readable(fd)
                batches_without_wait = 0
                continue
            if not data:
                return
            out = feed(data)
            if out:
                await send_raw(sock, out)
            batches_without_wait += 1
            if batches_without_wait >= YIELD_EVERY:
                # Never starve the other connections when this one always has data.
                batches_without_wait = 0
                await trio.lowlevel.checkpoint()
    except (ConnectionResetError, BrokenPipeError):
        return
    finally:
        trio.lowlevel.notify_closing(fd)
        sock.close()


async def handle_raw(stream: trio.SocketStream) -> None:
    await raw_loop(stream, PythonParser, wait_first=False)


async def handle_raw_wait(stream: trio.SocketStream) -> None:
    await raw_loop(stream, PythonParser, wait_first=True)


async def handle_raw_hiredis(stream: trio.SocketStream) -> None:
    await raw_loop(stream, HiredisParser, wait_first=False)


TRIO_HANDLERS: dict[str, Callable[[trio.SocketStream], Any]] = {
    "trio-stream": handle_stream,
    "trio-raw": handle_raw,
    "trio-raw-wait": handle_raw_wait,
    "trio-raw-hiredis": handle_raw_hiredis,
}


def serve_trio(variant: str, port: int) -> None:
    trio.run(functools.partial(trio.serve_tcp, TRIO_HANDLERS[variant], port, host="127.0.0.1"))


# --- asyncio baseline ---------------------------------------------------------------------


async def handle_asyncio(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    buf = bytearray()
    try:
        while True:
            data = await reader.read(RECV_SIZE)
            if not data:
                return
            buf += data
            out = process(buf)
            if out:
                writer.write(out)
                await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        return
    finally:
        writer.close()


async def asyncio_main(port: int) -> None:
    server = await asyncio.start_server(handle_asyncio, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def serve_asyncio(variant: str, port: int) -> None:
    if variant == "uvloop":
        import uvloop

        uvloop.run(asyncio_main(port))
    else:
        asyncio.run(asyncio_main(port))


def uvloop_available() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def hiredis_available() -> bool:
    try:
        import hiredis  # noqa: F401
    except ImportError:
        return False
    return True


def variants() -> list[str]:
    names = ["trio-stream", "trio-raw", "trio-raw-wait"]
    if hiredis_available():
        names.append("trio-raw-hiredis")
    names.append("asyncio")
    if uvloop_available():
        names.append("uvloop")
    return names


# --- driver -------------------------------------------------------------------------------


def variant_spec(variant: str) -> ServerSpec:
    return ServerSpec(
        variant,
        [sys.executable, str(Path(__file__).resolve()), "--serve", variant, "--port", "{port}"],
    )


def throughput_table(results: Measurements, names: list[str]) -> str:
    header = ["test", "P", "redis", *names]
    rows = []
    for title, pipeline in results.titles:
        redis = results.median(title, pipeline, "redis")
        row = [title, str(pipeline), fmt_rps(redis)]
        for name in names:
            value = results.median(title, pipeline, name)
            row.append(f"{fmt_rps(value)} ({fmt_ratio(value, redis)})")
        rows.append(row)
    return markdown_table(header, rows)


def cpu_table(results: Measurements, names: list[str]) -> str:
    header = ["test", "P", "redis", *names]
    rows = []
    for title, pipeline in results.titles:
        base = results.cpu_median(title, pipeline, "trio-stream")
        row = [title, str(pipeline), results.cpu_cell(title, pipeline, "redis")]
        for name in names:
            value = results.cpu_median(title, pipeline, name)
            row.append(f"{results.cpu_cell(title, pipeline, name)} ({fmt_ratio(value, base)})")
        rows.append(row)
    return markdown_table(header, rows)


def drive(args: argparse.Namespace) -> int:
    try:
        tests = parse_csv_list(args.tests)
        pipelines = parse_int_list(args.pipelines)
        names = parse_csv_list(args.variants) if args.variants else variants()
        unknown = [n for n in names if n not in TRIO_HANDLERS and n not in ("asyncio", "uvloop")]
        if unknown:
            raise HarnessError(f"unknown variants: {unknown}")
        pinning = Pinning.detect(enabled=not args.no_pin)
        specs = [redis_server_spec("redis"), *(variant_spec(n) for n in names)]
        started = time.monotonic()
        load_before = load_average()
        with tempfile.TemporaryDirectory(prefix="godis-io-") as tmp:
            servers: list[RunningServer] = []
            try:
                for spec in specs:
                    servers.append(start_server(spec, pinning, Path(tmp)))
                results = measure_all(
                    servers,
                    tests,
                    pipelines,
                    clients=args.clients,
                    repeat=args.repeat,
                    seconds=args.seconds,
                    pinning=pinning,
                )
                rss = {s.label: s.rss_kib() for s in servers}
            finally:
                for server in servers:
                    server.stop()
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"io_experiment: error: {exc}", file=sys.stderr)
        return 2
    text = "\n".join(
        [
            "Throughput: req/s (ratio to redis)",
            "",
            throughput_table(results, names),
            "",
            "Server CPU time per request in microseconds (ratio to trio-stream); steadier "
            "than req/s when other processes share the cores",
            "",
            cpu_table(results, names),
            "",
            "Memory after the run (VmRSS): "
            + ", ".join(f"{label} {fmt_mib(kib)}" for label, kib in rss.items())
            + ".",
            "",
            f"Median of {args.repeat} alternated rounds, redis-benchmark -c {args.clients}, "
            f"~{args.seconds:g}s per run; {pinning.describe()}; "
            f"Python {sys.version.split()[0]}, trio {getattr(trio, '__version__', '?')}; "
            f"total {time.monotonic() - started:.0f}s; "
            f"load average before/after: {load_before} / {load_average()}.",
        ]
    )
    text += "\n"
    print(text, end="")
    if args.markdown is not None:
        args.markdown.write_text(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", metavar="VARIANT", help="run one server variant and block")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--variants",
        default="",
        help="comma list (default: all available: " + ",".join(variants()) + ")",
    )
    parser.add_argument("--tests", default="ping,get")
    parser.add_argument("--pipelines", default="1,16")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args(argv)
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            if args.serve in TRIO_HANDLERS:
                serve_trio(args.serve, args.port)
            elif args.serve in ("asyncio", "uvloop"):
                serve_asyncio(args.serve, args.port)
            else:
                parser.error(f"unknown variant {args.serve!r}")
        return 0
    return drive(args)


if __name__ == "__main__":
    sys.exit(main())
