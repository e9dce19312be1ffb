"""Cost per element as values grow: is any command hiding a quadratic (or O(n)-per-call) cost?

Usage (``nox -s bench -- --scaling ARGS`` runs the same in a fresh virtualenv)::

    python benchmarks/scaling.py [--sizes 10,1000,100000] [--cases append,scan,...]
                                 [--markdown FILE] [--no-pin] [--list]

godis and redis-server run side by side; for every case and size N both get the same set-up
(FLUSHALL, then e.g. a list of N elements) and then the same measured commands, pipelined over
one raw socket in batches of 1,000 (each batch closed by an ECHO of a token, so the client only
scans bytes for the token and never parses replies: the client's cost is the same for both
servers and small). The figure is the wall time of the measured commands divided by the case's
unit count: per *element* for the cases that grow or walk a value of N elements (APPEND x N,
SMEMBERS of N, a full SCAN of N keys: flat when linear), per *op* for the cases that run a fixed
number of point operations on a value of N elements (ZRANK on an N-member zset: flat for O(1),
slowly rising for O(log n), x100 per x100 of N for O(n)). The "growth" columns are the
per-unit cost at the largest size over the cost at the middle size, for godis and for redis:
a godis growth far above redis's is the smell this script looks for. Cases that open one
connection per element (blocked clients, subscribers, CLIENT LIST) are capped at
``--max-connections``.

Nothing here asserts on speed; the exit status is non-zero only when the harness fails.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import godis_spec
from harness import (
    HarnessError,
    Pinning,
    RunningServer,
    load_average,
    markdown_table,
    parse_csv_list,
    parse_int_list,
    redis_server_spec,
    start_server,
)

Arg = bytes | str | int | float
Command = list[bytes]
BATCH = 1000
POINT_OPS = 1000
"""Point operations per measured run of an ``op`` case."""
_TOKEN = b"scaling-token-5f2a9c"
_TOKEN_REPLY = b"$%d\r\n%s\r\n" % (len(_TOKEN), _TOKEN)
_ERROR_LINE = re.compile(rb"(?:^|\r\n)-(?:ERR|WRONGTYPE|OOM|NOSCRIPT)[^\r]*")


def cmd(*args: Arg) -> Command:
    """A command from mixed arguments (numbers formatted as Redis reads them)."""
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


def encode(command: Command) -> bytes:
    return b"*%d\r\n" % len(command) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in command)


class Conn:
    """One raw RESP connection; pipelines commands and waits for the batch's closing token."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        self.sock.close()

    def send(self, command: Command) -> None:
        """Send without waiting for the reply (blocked clients, subscribers)."""
        self.sock.sendall(encode(command))

    def recv_some(self) -> bytes:
        try:
            return self.sock.recv(1 << 20)
        except TimeoutError as exc:
            raise HarnessError(f"no message within {self.sock.gettimeout():.0f}s") from exc

    def batch(self, commands: Iterable[Command]) -> bytes:
        """Send ``commands`` + ECHO token, read until the token's reply; all replies, raw."""
        self.sock.sendall(b"".join(map(encode, commands)) + encode([b"ECHO", _TOKEN]))
        received = bytearray()
        while not received.endswith(_TOKEN_REPLY):
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError as exc:
                raise HarnessError(f"no reply within {self.sock.gettimeout():.0f}s") from exc
            if not chunk:
                raise HarnessError("the server closed the connection")
            received += chunk
        return bytes(received[: -len(_TOKEN_REPLY)])

    def run(self, commands: Iterable[Command], check: bool = True) -> None:
        """Pipeline ``commands`` in batches of ``BATCH``; raise on an error reply."""
        pending: list[Command] = []
        for command in commands:
            pending.append(command)
            if len(pending) == BATCH:
                self._checked(pending, check)
                pending = []
        if pending:
            self._checked(pending, check)

    def _checked(self, commands: list[Command], check: bool) -> None:
        data = self.batch(commands)
        if check:
            error = _ERROR_LINE.search(data)
            if error:
                raise HarnessError(f"{commands[0][:3]!r}...: error reply {error.group()!r}")


Gen = Callable[[int], Iterable[Command]]
Custom = Callable[[int, int, int], float]
"""(port, n, max connections) -> seconds of the measured part."""


def nothing(n: int) -> Iterable[Command]:
    return ()


@dataclass
class Case:
    """One operation measured at every size."""

    name: str
    complexity: str
    """Redis's documented cost per unit (per element or per op)."""
    measure: Gen | None = None
    setup: Gen = nothing
    per_op: bool = False
    """Divide by ``POINT_OPS`` (point ops on an N-element value) instead of by N."""
    custom: Custom | None = None
    connections: bool = False
    """N is a number of connections: capped by ``--max-connections``."""
    units: Callable[[int], int] | None = None
    max_n: int | None = None
    """A cap on N where redis-server 7.0 itself is quadratic: it keeps a client's patterns in
    a list (PSUBSCRIBE of N patterns: minutes at 100k) and checks N BCAST prefixes pairwise."""
    subscriber: bool = False
    """``setup`` runs on a second connection left subscribed (SUBSCRIBE/PSUBSCRIBE replies)."""

    @property
    def key(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def divisor(self, n: int) -> int:
        if self.units is not None:
            return self.units(n)
        return POINT_OPS if self.per_op else n


def rng_for(n: int) -> random.Random:
    return random.Random(n * 7919 + 13)


CHUNK = b"0123456789"


def big_string(n: int) -> Iterator[Command]:
    yield cmd("SETRANGE", "s", n * 10 - 1, "x")


def big_list(n: int) -> Iterator[Command]:
    for start in range(0, n, 500):
        yield cmd("RPUSH", "l", *range(start, min(n, start + 500)))


def big_set(key: str, n: int, offset: int = 0) -> Iterator[Command]:
    for start in range(0, n, 500):
        yield cmd("SADD", key, *(f"m{i + offset}" for i in range(start, min(n, start + 500))))


def big_hash(n: int) -> Iterator[Command]:
    for start in range(0, n, 500):
        fields: list[Arg] = []
        for i in range(start, min(n, start + 500)):
            fields += [f"f{i}", f"v{i}"]
        yield cmd("HSET", "h", *fields)


def big_zset(n: int, key: str = "z") -> Iterator[Command]:
    rng = rng_for(n)
    for start in range(0, n, 500):
        pairs: list[Arg] = []
        for i in range(start, min(n, start + 500)):
            pairs += [rng.random(), f"m{i}"]
        yield cmd("ZADD", key, *pairs)


def big_stream(n: int) -> Iterator[Command]:
    for i in range(1, n + 1):
        yield cmd("XADD", "x", f"1-{i}", "f", i)


def many_keys(n: int) -> Iterator[Command]:
    for start in range(0, n, 500):
        pairs: list[Arg] = []
        for i in range(start, min(n, start + 500)):
            pairs += [f"k{i}", i]
        yield cmd("MSET", *pairs)


def middles(n: int) -> Iterator[int]:
    """POINT_OPS indexes spread around the middle of an N-element value."""
    rng = rng_for(n)
    for _ in range(POINT_OPS):
        yield max(0, min(n - 1, n // 2 + rng.randrange(-max(1, n // 10), max(1, n // 10))))


def randoms(n: int) -> Iterator[int]:
    rng = rng_for(n)
    for _ in range(POINT_OPS):
        yield rng.randrange(n)


# -- custom cases: the ones that need replies or many connections ---------------------------


def scan_full(port: int, n: int, _: int, setup: Gen = lambda n: many_keys(n),
              prefix: tuple[str, ...] = ("SCAN",)) -> float:
    """A full SCAN COUNT 10 over N keys, one call at a time (the cursor comes from the reply)."""
    conn = Conn(port)
    conn.run([cmd("FLUSHALL")])
    conn.run(setup(n))
    started = time.perf_counter()
    cursor = b"0"
    calls = 0
    while True:
        reply = conn.batch([cmd(*prefix, cursor, "COUNT", 10)])
        calls += 1
        # *2\r\n$len\r\ncursor\r\n...
        cursor = reply.split(b"\r\n", 3)[2]
        if cursor == b"0" or calls > 10 * n + 100:
            break
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def sscan_full(port: int, n: int, cap: int) -> float:
    return scan_full(port, n, cap, lambda n: big_set("a", n), ("SSCAN", "a"))


def hscan_full(port: int, n: int, cap: int) -> float:
    return scan_full(port, n, cap, big_hash, ("HSCAN", "h"))


def zscan_full(port: int, n: int, cap: int) -> float:
    return scan_full(port, n, cap, big_zset, ("ZSCAN", "z"))


def stream_group(n: int) -> Iterator[Command]:
    yield from big_stream(n)
    yield cmd("XGROUP", "CREATE", "x", "g", "0")


def stream_pending(n: int) -> Iterator[Command]:
    yield from stream_group(n)
    for _ in range(0, n, 1000):
        yield cmd("XREADGROUP", "GROUP", "g", "c", "COUNT", 1000, "STREAMS", "x", ">")


def _connections(port: int, n: int) -> list[Conn]:
    conns = []
    for _ in range(n):
        conns.append(Conn(port))
    for conn in conns:
        conn.batch([])
    return conns


def _drain(conns: list[Conn], marker: bytes, count: int) -> None:
    """Read from every connection until it has seen ``marker`` ``count`` times."""
    keep = len(marker) - 1
    for conn in conns:
        tail = b""
        seen = 0
        while seen < count:
            chunk = conn.recv_some()
            if not chunk:
                raise HarnessError("a connection closed")
            window = tail + chunk
            seen += window.count(marker)
            tail = window[-keep:]


def blpop_waiters(port: int, n: int, cap: int) -> float:
    """N clients blocked in BLPOP on one key, then N single pushes: each wakes one client."""
    n = min(n, cap)
    conn = Conn(port)
    conn.run([cmd("FLUSHALL")])
    waiters = _connections(port, n)
    for waiter in waiters:
        waiter.send(cmd("BLPOP", "q", 0))
    while True:  # until every waiter is blocked
        info = conn.batch([cmd("INFO", "clients")])
        match = re.search(rb"blocked_clients:(\d+)", info)
        if match and int(match.group(1)) >= n:
            break
        time.sleep(0.01)
    started = time.perf_counter()
    conn.run(cmd("RPUSH", "q", f"e{i}") for i in range(n))
    _drain(waiters, b"\r\n$1\r\nq\r\n", 1)
    elapsed = time.perf_counter() - started
    for waiter in waiters:
        waiter.close()
    conn.close()
    return elapsed


def publish_subscribers(port: int, n: int, cap: int) -> float:
    """PUBLISH x 10 to a channel with N subscribers: per delivered message."""
    n = min(n, cap)
    conn = Conn(port)
    subscribers = _connections(port, n)
    for sub in subscribers:
        sub.send(cmd("SUBSCRIBE", "chan"))
    _drain(subscribers, b"subscribe", 1)
    started = time.perf_counter()
    conn.run(cmd("PUBLISH", "chan", f"msg{i}") for i in range(10))
    _drain(subscribers, b"$7\r\nmessage\r\n", 10)
    elapsed = time.perf_counter() - started
    for sub in subscribers:
        sub.close()
    conn.close()
    return elapsed


def client_list(port: int, n: int, cap: int) -> float:
    """CLIENT LIST x 10 with N connected clients: per client listed."""
    n = min(n, cap)
    conns = _connections(port, n)
    conn = Conn(port)
    started = time.perf_counter()
    conn.run([cmd("CLIENT", "LIST")] * 10)
    elapsed = time.perf_counter() - started
    for other in conns:
        other.close()
    conn.close()
    return elapsed


def watchers_one_key(port: int, n: int, cap: int) -> float:
    """N clients WATCH one key, then SET it x 1000: Redis touches the N watchers once."""
    n = min(n, cap)
    conns = _connections(port, n)
    for other in conns:
        other.batch([cmd("WATCH", "w")])
    conn = Conn(port)
    started = time.perf_counter()
    conn.run(cmd("SET", "w", i) for i in range(POINT_OPS))
    elapsed = time.perf_counter() - started
    for other in conns:
        other.close()
    conn.close()
    return elapsed


def _cases() -> list[Case]:
    ten = b"x" * 10
    return [
        # -- strings and bits
        Case("APPEND 10 B x N (grow one string)", "O(1)",
             lambda n: (cmd("APPEND", "s", ten) for _ in range(n))),
        Case("SETRANGE at the end x N", "O(1)",
             lambda n: (cmd("SETRANGE", "s", i * 10, ten) for i in range(n))),
        Case("SETRANGE 10 B at random in 10N B", "O(1)",
             lambda n: (cmd("SETRANGE", "s", i * 10, ten) for i in randoms(n)),
             big_string, per_op=True),
        Case("GETRANGE 10 B at random in 10N B", "O(1)",
             lambda n: (cmd("GETRANGE", "s", i * 10, i * 10 + 9) for i in randoms(n)),
             big_string, per_op=True),
        Case("SETBIT growing x N", "O(1)",
             lambda n: (cmd("SETBIT", "b", i * 8, 1) for i in range(n))),
        Case("SETBIT at random in N B", "O(1)",
             lambda n: (cmd("SETBIT", "s", i * 8 + 3, 1) for i in randoms(n)),
             lambda n: big_string(n // 10 + 1), per_op=True),
        Case("BITCOUNT 0 0 of N B", "O(1)",
             lambda n: (cmd("BITCOUNT", "s", 0, 0) for _ in range(POINT_OPS)),
             lambda n: big_string(n // 10 + 1), per_op=True),
        Case("BITCOUNT whole (per byte)", "O(n)",
             lambda n: (cmd("BITCOUNT", "s") for _ in range(10)),
             lambda n: big_string(n // 10 + 1), units=lambda n: 10 * (n + 10)),
        Case("BITPOS 1 in N zero bytes (per byte)", "O(n)",
             lambda n: (cmd("BITPOS", "s", 1, 0, n - 2) for _ in range(10)),
             lambda n: big_string(n // 10 + 1), units=lambda n: 10 * n),
        Case("MSET N keys (one call)", "O(1)", many_keys),
        Case("MGET N keys (one call)", "O(1)", lambda n: [cmd("MGET", *(f"k{i}" for i in range(n)))],
             many_keys),
        Case("DEL N keys (one call)", "O(1)", lambda n: [cmd("DEL", *(f"k{i}" for i in range(n)))],
             many_keys),
        # -- lists
        Case("RPUSH x N", "O(1)", lambda n: (cmd("RPUSH", "l", i) for i in range(n))),
        Case("LPUSH N (one call)", "O(1)", lambda n: [cmd("LPUSH", "l", *range(n))]),
        Case("LINDEX middle of N", "O(n)",
             lambda n: (cmd("LINDEX", "l", i) for i in middles(n)), big_list, per_op=True),
        Case("LSET middle of N", "O(n)",
             lambda n: (cmd("LSET", "l", i, "v") for i in middles(n)), big_list, per_op=True),
        Case("LINSERT middle of N", "O(n)",
             lambda n: (cmd("LINSERT", "l", "BEFORE", i, "v") for i in middles(n)), big_list,
             per_op=True),
        Case("LREM 1 middle of N", "O(n)",
             lambda n: (cmd("LREM", "l", 1, i) for i in middles(n)), big_list, per_op=True),
        Case("LPOS last of N", "O(n)",
             lambda n: (cmd("LPOS", "l", n - 1) for _ in range(POINT_OPS)), big_list, per_op=True),
        Case("LRANGE N/2 +10 of N", "O(n)",
             lambda n: (cmd("LRANGE", "l", n // 2, n // 2 + 9) for _ in range(POINT_OPS)),
             big_list, per_op=True),
        Case("LTRIM 1 -1 x N (drain)", "O(1)",
             lambda n: (cmd("LTRIM", "l", 1, -1) for _ in range(n)), big_list),
        Case("LPOP x N (drain)", "O(1)", lambda n: (cmd("LPOP", "l") for _ in range(n)), big_list),
        Case("LRANGE 0 -1 of N", "O(1)", lambda n: [cmd("LRANGE", "l", 0, -1)], big_list),
        # -- sets
        Case("SADD x N", "O(1)", lambda n: (cmd("SADD", "a", f"m{i}") for i in range(n))),
        Case("SMEMBERS of N", "O(1)", lambda n: [cmd("SMEMBERS", "a")],
             lambda n: big_set("a", n)),
        Case("SUNIONSTORE of 2 x N", "O(1)", lambda n: [cmd("SUNIONSTORE", "d", "a", "b")],
             lambda n: [*big_set("a", n), *big_set("b", n, n // 2)]),
        Case("SINTERSTORE of 2 x N", "O(1)", lambda n: [cmd("SINTERSTORE", "d", "a", "b")],
             lambda n: [*big_set("a", n), *big_set("b", n, n // 2)]),
        Case("SDIFFSTORE of 2 x N", "O(1)", lambda n: [cmd("SDIFFSTORE", "d", "a", "b")],
             lambda n: [*big_set("a", n), *big_set("b", n, n // 2)]),
        Case("SRANDMEMBER 10 of N", "O(1)",
             lambda n: (cmd("SRANDMEMBER", "a", 10) for _ in range(POINT_OPS)),
             lambda n: big_set("a", n), per_op=True),
        Case("SPOP x N (drain)", "O(1)", lambda n: (cmd("SPOP", "a") for _ in range(n)),
             lambda n: big_set("a", n)),
        Case("SPOP 10 x N/10 (drain)", "O(1)",
             lambda n: (cmd("SPOP", "a", 10) for _ in range(max(1, n // 10))),
             lambda n: big_set("a", n)),
        # -- hashes
        Case("HSET x N", "O(1)", lambda n: (cmd("HSET", "h", f"f{i}", i) for i in range(n))),
        Case("HGETALL of N", "O(1)", lambda n: [cmd("HGETALL", "h")], big_hash),
        Case("HRANDFIELD 10 of N", "O(1)",
             lambda n: (cmd("HRANDFIELD", "h", 10) for _ in range(POINT_OPS)), big_hash,
             per_op=True),
        Case("HDEL x N (drain)", "O(1)",
             lambda n: (cmd("HDEL", "h", f"f{i}") for i in range(n)), big_hash),
        # -- sorted sets
        Case("ZADD random x N", "O(log n)",
             lambda n: (cmd("ZADD", "z", random.random(), f"m{i}") for i in range(n))),
        Case("ZADD N (one call)", "O(log n)",
             lambda n: [cmd("ZADD", "z", *(a for i in range(n) for a in (i * 0.5, f"m{i}")))]),
        Case("ZRANK of N", "O(log n)",
             lambda n: (cmd("ZRANK", "z", f"m{i}") for i in randoms(n)), big_zset, per_op=True),
        Case("ZRANGEBYSCORE 10 of N", "O(log n)",
             lambda n: (cmd("ZRANGEBYSCORE", "z", i / n, "+inf", "LIMIT", 0, 10)
                        for i in randoms(n)), big_zset, per_op=True),
        Case("ZRANGE i i+9 of N", "O(log n)",
             lambda n: (cmd("ZRANGE", "z", i, i + 9) for i in randoms(n)), big_zset, per_op=True),
        Case("ZREMRANGEBYRANK 0 0 x N (drain)", "O(log n)",
             lambda n: (cmd("ZREMRANGEBYRANK", "z", 0, 0) for _ in range(n)), big_zset),
        Case("ZPOPMIN x N (drain)", "O(log n)", lambda n: (cmd("ZPOPMIN", "z") for _ in range(n)),
             big_zset),
        Case("ZINCRBY random x N", "O(log n)",
             lambda n: (cmd("ZINCRBY", "z", 0.5, f"m{i}") for i in randoms(n)), big_zset,
             units=lambda n: POINT_OPS),
        Case("ZRANGESTORE all of N", "O(1)", lambda n: [cmd("ZRANGESTORE", "d", "z", 0, -1)],
             big_zset),
        Case("ZUNIONSTORE of 2 x N", "O(log n)", lambda n: [cmd("ZUNIONSTORE", "d", 2, "z", "y")],
             lambda n: [*big_zset(n), *big_zset(n, "y")]),
        Case("ZRANDMEMBER 10 of N", "O(1)",
             lambda n: (cmd("ZRANDMEMBER", "z", 10) for _ in range(POINT_OPS)), big_zset,
             per_op=True),
        # -- streams
        Case("XADD x N", "O(1)", big_stream),
        Case("XRANGE 10 at random of N", "O(log n)",
             lambda n: (cmd("XRANGE", "x", f"1-{i}", "+", "COUNT", 10) for i in randoms(n)),
             big_stream, per_op=True),
        Case("XREVRANGE 10 at random of N", "O(log n)",
             lambda n: (cmd("XREVRANGE", "x", f"1-{i}", "-", "COUNT", 10) for i in randoms(n)),
             big_stream, per_op=True),
        Case("XDEL at random of N", "O(log n)",
             lambda n: (cmd("XDEL", "x", f"1-{i}") for i in randoms(n)), big_stream,
             per_op=True),
        Case("XTRIM MAXLEN N/2 (per removed)", "O(1)",
             lambda n: [cmd("XTRIM", "x", "MAXLEN", n // 2)], big_stream,
             units=lambda n: n - n // 2),
        Case("XTRIM MAXLEN -1 x N/2", "O(1)",
             lambda n: (cmd("XTRIM", "x", "MAXLEN", n - i) for i in range(1, n // 2 + 1)),
             big_stream, units=lambda n: max(1, n // 2)),
        Case("XREADGROUP COUNT 10 x N/10 (deliver all)", "O(1)",
             lambda n: (cmd("XREADGROUP", "GROUP", "g", "c", "COUNT", 10, "STREAMS", "x", ">")
                        for _ in range(max(1, n // 10))), stream_group),
        Case("XACK x N (all pending)", "O(log n)",
             lambda n: (cmd("XACK", "x", "g", f"1-{i}") for i in range(1, n + 1)), stream_pending),
        Case("XPENDING 10 at random of N pending", "O(log n)",
             lambda n: (cmd("XPENDING", "x", "g", f"1-{i}", "+", 10) for i in randoms(n)),
             stream_pending, per_op=True),
        Case("XCLAIM 1 at random of N pending", "O(log n)",
             lambda n: (cmd("XCLAIM", "x", "g", "d", 0, f"1-{i + 1}") for i in randoms(n)),
             stream_pending, per_op=True),
        Case("XAUTOCLAIM 10 at random of N pending", "O(log n)",
             lambda n: (cmd("XAUTOCLAIM", "x", "g", "d", 0, f"1-{i + 1}", "COUNT", 10)
                        for i in randoms(n)), stream_pending, per_op=True),
        # -- SORT
        Case("SORT N BY nosort LIMIT N/2 10", "O(n)",
             lambda n: (cmd("SORT", "l", "BY", "nosort", "LIMIT", n // 2, 10)
                        for _ in range(POINT_OPS)), big_list, per_op=True),
        Case("SORT list of N", "O(log n)", lambda n: [cmd("SORT", "l")], big_list),
        Case("SORT N LIMIT 0 10", "O(log n)", lambda n: [cmd("SORT", "l", "LIMIT", 0, 10)],
             big_list),
        Case("SORT N BY nosort GET #", "O(1)", lambda n: [cmd("SORT", "l", "BY", "nosort", "GET", "#")],
             big_list),
        Case("SORT N BY k* GET k*", "O(log n)",
             lambda n: [cmd("SORT", "l", "BY", "k*", "GET", "k*")],
             lambda n: [*big_list(n), *many_keys(n)]),
        Case("SORT N ALPHA STORE", "O(log n)", lambda n: [cmd("SORT", "l", "ALPHA", "STORE", "d")],
             big_list),
        # -- keyspace
        Case("SCAN COUNT 10 full iteration of N keys", "O(1)", custom=scan_full),
        Case("SSCAN COUNT 10 full iteration of N", "O(1)", custom=sscan_full),
        Case("HSCAN COUNT 10 full iteration of N", "O(1)", custom=hscan_full),
        Case("ZSCAN COUNT 10 full iteration of N", "O(1)", custom=zscan_full),
        Case("KEYS * of N", "O(1)", lambda n: [cmd("KEYS", "*")], many_keys),
        Case("KEYS k1* of N", "O(1)", lambda n: [cmd("KEYS", "k1*")], many_keys),
        Case("RANDOMKEY of N keys", "O(1)",
             lambda n: (cmd("RANDOMKEY") for _ in range(POINT_OPS)), many_keys, per_op=True),
        Case("RENAME of an N-element list", "O(1)",
             lambda n: (cmd("RENAME", *(("l", "m") if i % 2 == 0 else ("m", "l")))
                        for i in range(POINT_OPS)), big_list, per_op=True),
        Case("COPY of an N-element list", "O(1)", lambda n: [cmd("COPY", "l", "m")], big_list),
        Case("EXPIRE x N keys", "O(1)",
             lambda n: (cmd("EXPIRE", f"k{i}", 1000) for i in range(n)), many_keys),
        Case("DEL of an N-element zset", "O(1)", lambda n: [cmd("DEL", "z")], big_zset),
        Case("WATCH N keys + EXEC", "O(1)",
             lambda n: [cmd("WATCH", *(f"k{i}" for i in range(n))), cmd("MULTI"),
                        cmd("SET", "k0", 1), cmd("EXEC")], many_keys),
        # -- connections
        Case("BLPOP with N waiters, N pushes", "O(1)", custom=blpop_waiters, connections=True),
        Case("PUBLISH x10 to N subscribers (per delivery)", "O(1)", custom=publish_subscribers,
             connections=True, units=lambda n: 10 * n),
        Case("PUBLISH x10 with N non-matching patterns (per pattern)", "O(1)",
             lambda n: (cmd("PUBLISH", "chan", "m") for _ in range(10)), units=lambda n: 10 * n,
             setup=
             lambda n: [cmd("PSUBSCRIBE", *(f"p{i}*" for i in range(n)))], subscriber=True,
             max_n=10_000),
        Case("SET x1000 with N BCAST tracking prefixes", "O(1)",
             lambda n: (cmd("SET", f"p{i}:k", i) for i in randoms(n)),
             lambda n: [cmd("CLIENT", "TRACKING", "on", "BCAST",
                            *(a for i in range(n) for a in ("PREFIX", f"p{i}:")))],
             per_op=True, max_n=2000),
        Case("CLIENT LIST x10 with N clients (per client)", "O(1)", custom=client_list,
             connections=True, units=lambda n: 10 * n),
        Case("SET x1000 of a key N clients WATCH", "O(n)", custom=watchers_one_key,
             connections=True, per_op=True),
    ]


CASES = _cases()


def run_case(case: Case, port: int, n: int, cap: int) -> float:
    """Seconds of the measured part of ``case`` at size ``n`` on the server at ``port``."""
    if case.custom is not None:
        return case.custom(port, n, cap)
    assert case.measure is not None
    conn = Conn(port)
    try:
        conn.run([cmd("FLUSHALL")])
        if case.subscriber:
            sub = Conn(port)
            for command in case.setup(n):
                sub.send(command)
            _drain([sub], b"psubscribe", n)
            started = time.perf_counter()
            conn.run(case.measure(n))
            elapsed = time.perf_counter() - started
            sub.close()
            return elapsed
        conn.run(case.setup(n))
        commands = list(case.measure(n))
        started = time.perf_counter()
        conn.run(commands)
        return time.perf_counter() - started
    finally:
        conn.close()


@dataclass
class Row:
    case: Case
    sizes: list[int]
    godis: dict[int, float] = field(default_factory=dict)
    redis: dict[int, float] = field(default_factory=dict)


def fmt_us(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def growth(costs: dict[int, float], sizes: list[int]) -> float | None:
    measured = [n for n in sizes if n in costs]
    if len(measured) < 2:
        return None
    return costs[measured[-1]] / costs[measured[-2]]


def report(rows: list[Row], sizes: list[int], elapsed: float, pinning: Pinning,
           load_before: str) -> str:
    sizes = sorted({n for row in rows for n in row.sizes} or set(sizes))
    header = ["operation", "unit", "redis cost"]
    for n in sizes:
        header += [f"godis N={n:,}", f"redis N={n:,}"]
    header += ["godis/redis (largest)", "growth godis", "growth redis"]
    table = []
    for row in rows:
        largest = max(row.godis) if row.godis else None
        ratio = (f"{row.godis[largest] / row.redis[largest]:.1f}x"
                 if largest is not None and row.redis.get(largest) else "-")
        g_godis, g_redis = growth(row.godis, row.sizes), growth(row.redis, row.sizes)
        flag = " **!**" if g_godis and g_redis and g_godis > 3 * max(g_redis, 1.0) else ""
        line = [row.case.name, "op" if row.case.per_op else "element", row.case.complexity]
        for n in sizes:
            line += [fmt_us(row.godis.get(n)), fmt_us(row.redis.get(n))]
        line += [ratio, (f"{g_godis:.1f}x" if g_godis else "-") + flag,
                 f"{g_redis:.1f}x" if g_redis else "-"]
        table.append(line)
    return "\n".join([
        "µs per unit (element or op); growth = cost per unit at the largest size / at the "
        "middle size (flat = 1.0x; **!** marks godis growing over 3x faster than redis).",
        "",
        markdown_table(header, table),
        "",
        f"{pinning.describe()}; Python {sys.version.split()[0]}; {os.cpu_count()} cores; "
        f"total {elapsed:.0f}s; load average before/after: {load_before} / {load_average()}.",
    ]) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10,1000,100000",
                        help="comma list of N (default: %(default)s)")
    parser.add_argument("--cases", default="",
                        help="comma list of substrings of case names (default: all)")
    parser.add_argument("--max-connections", type=int, default=2000,
                        help="cap on N for the cases that open N connections (default: %(default)s)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the report here")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--no-redis", action="store_true", help="measure godis only")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        for case in CASES:
            print(f"{case.key}: {case.name}")
        return 0
    wanted = [w.lower() for w in parse_csv_list(args.cases)]
    cases = [c for c in CASES if not wanted or any(w in c.key or w in c.name.lower()
                                                   for w in wanted)]
    sizes = parse_int_list(args.sizes)
    pinning = Pinning.detect(enabled=not args.no_pin)
    load_before = load_average()
    started = time.monotonic()
    specs = [godis_spec("godis", "--no-appendonly")]
    if not args.no_redis:
        specs.append(redis_server_spec("redis"))
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="godis-scaling-") as tmp:
            servers: list[RunningServer] = []
            try:
                for spec in specs:
                    servers.append(start_server(spec, pinning, Path(tmp)))
                for case in cases:
                    cap = args.max_connections if case.connections else case.max_n
                    case_sizes = sorted({n if cap is None else min(n, cap) for n in sizes})
                    row = Row(case, case_sizes)
                    for n in case_sizes:
                        for server in servers:
                            seconds = run_case(case, server.port, n, args.max_connections)
                            server.check_alive()
                            cost = seconds * 1e6 / case.divisor(n)
                            (row.godis if server.label == "godis" else row.redis)[n] = cost
                    rows.append(row)
                    print(f"{case.name}: " + ", ".join(
                        f"N={n}: godis {fmt_us(row.godis.get(n))} redis {fmt_us(row.redis.get(n))}"
                        for n in case_sizes), file=sys.stderr, flush=True)
            finally:
                for server in servers:
                    server.stop()
    except HarnessError as exc:
        failure: HarnessError | None = exc
    else:
        failure = None
    text = report(rows, sizes, time.monotonic() - started, pinning, load_before)
    if failure is not None:
        text += f"\nStopped early: {failure}\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if failure is not None:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
