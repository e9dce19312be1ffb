"""Client-side caching against real redis-server: several raw connections, RESP2 and RESP3.

Each scenario runs the same steps on redis-server and on a godis server (real sockets, so
pushes arrive as they would) and compares the transcripts byte for byte. A step sends one
command on one connection and reads frames up to its reply (pushes before it included); at
the end, and where a scenario says so, every connection is synced with a PING and what came
before the PONG is recorded. Pushes that follow a reply are thus recorded in the next read
of that connection, the same way on both sides. Client ids differ between the servers, so
``{0}``, ``{1}``... in arguments are each connection's id, and ids in replies are shown so.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.differential import Differ
from tests.support.resp import RespConnection, encode_command, reply_end
from tests.support.server_thread import running_server

Step = tuple[int, tuple[str, ...]]
_PONGS = (b"+PONG\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n", b">2\r\n$4\r\npong\r\n$0\r\n\r\n")


class Session:
    """Connections to one server, and the transcript of what each received."""

    def __init__(self, port: int, count: int, resp: int) -> None:
        self.conns = [RespConnection("127.0.0.1", port) for _ in range(count)]
        self.ids: list[bytes] = []
        self.transcript: list[object] = []
        self.closed: set[int] = set()
        self.conns[0].call("FLUSHALL")
        for conn in self.conns:
            if resp == 3:
                conn.call("HELLO", "3")
            raw = conn.call("CLIENT", "ID")
            self.ids.append(raw[1:-2])

    def close(self) -> None:
        for conn in self.conns:
            conn.close()

    def _arg(self, arg: str) -> bytes:
        for index, client_id in enumerate(self.ids):
            arg = arg.replace(f"{{{index}}}", client_id.decode())
        return arg.encode()

    def _show(self, frame: bytes, args: tuple[str, ...] = ()) -> bytes:
        """Ids as ``{n}`` -- only where replies hold ids, never in other integers."""
        if not (args[:2] in (("CLIENT", "GETREDIR"), ("CLIENT", "TRACKINGINFO"), ("CLIENT", "ID"))
                or args[:1] == ("EVAL",) or b"tracking-redir-broken" in frame):
            return frame
        for index, client_id in enumerate(self.ids):
            frame = re.sub(rb"(^|\n):" + client_id + rb"\r\n", rb"\1:{%d}\r\n" % index, frame)
            frame = frame.replace(b"redir=" + client_id + b" ", b"redir={%d} " % index)
        return frame

    def _frame(self, conn: RespConnection) -> bytes:
        while True:
            end = reply_end(conn.buf) if conn.buf else -1
            if end >= 0:
                frame, conn.buf = conn.buf[:end], conn.buf[end:]
                return frame
            chunk = conn.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            conn.buf += chunk

    def step(self, index: int, args: tuple[str, ...]) -> None:
        conn = self.conns[index]
        conn.send_raw(encode_command(*[self._arg(arg) for arg in args]))
        frames = []
        while True:
            frame = self._frame(conn)
            # (HELLO's map holds ids and numbers alike: only its kind is compared)
            frames.append(frame[:2] if args[0].upper() == "HELLO" else self._show(frame, args))
            if not frame.startswith(b">") or args[0].lower().endswith("subscribe"):
                break
        self.transcript.append((index, args, frames))
        if args[0].lower() == "quit":
            self.closed.add(index)
        elif args[:3] == ("CLIENT", "KILL", "ID"):
            self.closed.add(int(args[3].strip("{}")))

    def wait_expired(self) -> None:
        """Until active expiry emptied the database (DBSIZE does not expire keys itself)."""
        deadline = time.monotonic() + 10
        while self.conns[-1].call("DBSIZE") != b":0\r\n":
            assert time.monotonic() < deadline, "active expiry did not run"
            time.sleep(0.02)

    def sync(self) -> None:
        for index, conn in enumerate(self.conns):
            if index in self.closed:
                continue
            conn.send_raw(encode_command(b"PING"))
            frames = []
            while True:
                frame = self._frame(conn)
                if frame in _PONGS:
                    break
                frames.append(self._show(frame))
            self.transcript.append((index, "sync", frames))


@pytest.fixture
def godis_port() -> Iterator[int]:
    with running_server() as server:
        yield server.port


Runner = Callable[..., list[object]]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def resp(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def compare(redis_port: int, godis_port: int, resp: int) -> Iterator[Runner]:
    """``compare(connections, steps)``: run on both servers, assert equal transcripts."""
    sessions: list[Session] = []

    def run(count: int, steps: list[Step | str], protocol: int | None = None) -> list[object]:
        proto = resp if protocol is None else protocol
        pair = [Session(redis_port, count, proto), Session(godis_port, count, proto)]
        sessions.extend(pair)
        for session in pair:
            for step in steps:
                if step == "sync":
                    session.sync()
                elif step == "sleep":
                    time.sleep(0.2)  # lets a short TTL pass (not a timed assertion)
                elif step == "expired":
                    session.wait_expired()
                else:
                    assert not isinstance(step, str)
                    index, args = step
                    if index >= _NO_READ:  # its reply is read by the next sync
                        session.conns[index - _NO_READ].send_raw(encode_command(*args))
                    else:
                        session.step(index, args)
            session.sync()
        expected, actual = pair[0].transcript, pair[1].transcript
        if actual != expected:
            index = next((i for i, (a, b) in enumerate(zip(actual, expected, strict=False))
                          if a != b), min(len(actual), len(expected)))
            pytest.fail(f"step {index}: godis {actual[index:index + 1]!r} "
                        f"!= redis {expected[index:index + 1]!r}")
        return expected

    try:
        yield run
    finally:
        for session in sessions:
            session.close()


def s(index: int, *args: str) -> Step:
    return (index, args)


_NO_READ = 100


def send(index: int, *args: str) -> Step:
    """A command whose reply comes later (a blocking command)."""
    return (index + _NO_READ, args)


# -- CLIENT TRACKING's options and errors ----------------------------------------------------


def test_tracking_option_errors(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING"),
        s(0, "CLIENT", "TRACKING", "maybe"),
        s(0, "CLIENT", "TRACKING", "on", "foo"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT"),
        s(0, "CLIENT", "TRACKING", "on", "PREFIX"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "x"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "0"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "-1"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "999999"),
        s(0, "CLIENT", "TRACKING", "off", "REDIRECT", "999999"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "{1}", "REDIRECT", "{1}"),
        s(0, "CLIENT", "TRACKING", "on", "PREFIX", "a"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"),
        s(0, "CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "abc"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "b", "PREFIX", "bc"),
        "sync",  # Redis 7.0 replies the error and then +OK: tracking is on
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "GETREDIR"),
        s(0, "CLIENT", "TRACKING", "maybe", "BCAST"),
        s(0, "CLIENT", "TRACKING", "off"),
        s(0, "CLIENT", "TRACKINGINFO"),
    ])


def test_tracking_mode_switch_errors(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "OPTIN"),
        s(0, "CLIENT", "TRACKING", "on", "OPTOUT"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKING", "on"),  # same mode again: OPTIN is dropped
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKING", "on", "OPTOUT", "NOLOOP"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKING", "off"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "job:"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:1"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "u"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "item:"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "GETREDIR"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", "{1}", "NOLOOP"),
        s(0, "CLIENT", "GETREDIR"),
        s(0, "CLIENT", "TRACKINGINFO"),
    ])


def test_caching_errors(compare: Runner) -> None:
    compare(1, [
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "CLIENT", "CACHING", "maybe"),
        s(0, "CLIENT", "CACHING"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "CLIENT", "CACHING", "no"),
        s(0, "CLIENT", "CACHING", "maybe"),
        s(0, "CLIENT", "TRACKING", "on", "OPTIN"),
        s(0, "CLIENT", "CACHING", "no"),
        s(0, "CLIENT", "CACHING", "YES"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "GETREDIR"),
        s(0, "CLIENT", "TRACKING", "off"),
        s(0, "CLIENT", "TRACKING", "on", "OPTOUT"),
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "CLIENT", "CACHING", "no"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "GET", "x"),
        s(0, "CLIENT", "TRACKINGINFO"),
    ])


def test_client_list_shows_tracking(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", "{1}"),
        s(0, "EVAL", "return string.match(redis.call('CLIENT', 'INFO'), 'flags=%S+')", "0"),
        s(1, "QUIT"),
        s(0, "SET", "a", "1"),
        s(0, "CLIENT", "TRACKINGINFO"),
    ])


# -- invalidation in the default mode --------------------------------------------------------


def test_default_mode_invalidation_resp3(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "MGET", "a", "b"),
        s(0, "GET", "c"),
        s(1, "SET", "a", "1"),
        "sync",
        s(1, "MSET", "a", "2", "b", "3", "c", "4"),
        "sync",
        s(0, "GET", "a"),
        s(0, "SET", "a", "5"),  # its own write: the push follows the reply
        s(0, "GET", "a"),
        s(1, "DEL", "a"),
        s(1, "DEL", "a"),  # not tracked any more: no second message
        s(0, "HGET", "h", "f"),
        s(0, "SMEMBERS", "set"),
        s(0, "EXISTS", "a", "zz"),
        s(1, "HSET", "h", "f", "v"),
        s(1, "SADD", "set", "m"),
        s(1, "SET", "zz", "1"),
        s(1, "SET", "unread", "1"),
    ], protocol=3)


def test_resp2_redirect(compare: Runner) -> None:
    """RESP2: invalidations go to the redirect client as __redis__:invalidate messages, but
    only while it is in pub/sub mode."""
    compare(3, [
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "{1}"),
        s(0, "GET", "a"),
        s(2, "SET", "a", "1"),  # connection 1 not subscribed: lost
        s(1, "SUBSCRIBE", "__redis__:invalidate"),
        s(0, "GET", "a"),
        s(0, "GET", "b"),
        s(2, "SET", "a", "2"),
        s(2, "SET", "b", "2"),
        s(0, "GET", "a"),
        s(0, "SET", "a", "3"),
        s(0, "FLUSHDB"),
        s(2, "FLUSHALL"),
        "sync",
    ], protocol=2)


def test_resp2_without_redirect_gets_nothing(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "GET", "a"),
        s(1, "SET", "a", "1"),
        s(0, "GET", "a"),
        s(0, "SET", "a", "2"),
        s(0, "FLUSHALL"),
    ], protocol=2)


def test_redirect_both_protocols(compare: Runner) -> None:
    compare(3, [
        s(1, "SUBSCRIBE", "other"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "{1}"),
        s(0, "GET", "a"),
        s(2, "SET", "a", "1"),
        "sync",
        s(2, "FLUSHALL"),
        "sync",
        s(0, "GET", "a"),
        s(1, "UNSUBSCRIBE"),
        s(2, "SET", "a", "1"),
        "sync",
    ])


def test_noloop(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "NOLOOP"),
        s(0, "GET", "a"),
        s(0, "GET", "b"),
        s(0, "SET", "a", "1"),
        s(1, "SET", "a", "2"),  # forgotten: a's entry went with the client's own write
        s(1, "SET", "b", "2"),
    ], protocol=3)


def test_optin_optout(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "OPTIN"),
        s(0, "GET", "a"),
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "GET", "b"),
        s(0, "GET", "c"),  # the flag lasted one command
        s(1, "MSET", "a", "1", "b", "1", "c", "1"),
        "sync",
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "CLIENT", "ID"),  # another CLIENT subcommand keeps it
        s(0, "GET", "d"),
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "MULTI"),
        s(0, "GET", "e"),
        s(0, "GET", "f"),
        s(0, "EXEC"),  # the whole transaction is tracked
        s(0, "GET", "g"),
        s(1, "MSET", "d", "1", "e", "1", "f", "1", "g", "1"),
        "sync",
        s(0, "CLIENT", "TRACKING", "off"),
        s(0, "CLIENT", "TRACKING", "on", "OPTOUT"),
        s(0, "GET", "a"),
        s(0, "CLIENT", "CACHING", "no"),
        s(0, "GET", "b"),
        s(0, "GET", "c"),
        s(1, "MSET", "a", "2", "b", "2", "c", "2"),
        "sync",
        s(0, "CLIENT", "CACHING", "yes"),
        s(0, "CLIENT", "CACHING", "no"),
        s(0, "NOSUCHCOMMAND"),  # rejected commands end the flag too
        s(0, "GET", "a"),
        s(1, "SET", "a", "3"),
    ], protocol=3)


def test_write_paths_resp3(compare: Runner) -> None:
    """RENAME, MOVE, COPY, EXPIRE, container pops, SORT STORE, SWAPDB (no message in 7.0)."""
    compare(2, [
        s(1, "SET", "src", "1"),
        s(1, "RPUSH", "list", "a"),
        s(1, "SET", "copied", "x"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "MGET", "src", "dst", "list", "copied", "moved", "sorted", "ttl", "num"),
        s(1, "RENAME", "src", "dst"),
        "sync",
        s(0, "MGET", "dst", "src"),
        s(1, "COPY", "dst", "copied", "REPLACE"),
        s(1, "MOVE", "dst", "5"),
        s(1, "LPOP", "list"),
        s(1, "SORT", "list", "ALPHA", "STORE", "sorted"),
        s(1, "SET", "ttl", "1"),
        "sync",
        s(0, "GET", "ttl"),
        s(1, "EXPIRE", "ttl", "100"),
        s(0, "GET", "ttl"),
        s(1, "PERSIST", "ttl"),
        s(0, "GET", "ttl"),
        s(1, "EXPIRE", "ttl", "-1"),
        "sync",
        s(0, "GET", "num"),
        s(1, "INCR", "num"),
        s(1, "GET", "num"),
        s(0, "GET", "num"),
        s(1, "SWAPDB", "0", "1"),
        s(1, "SWAPDB", "0", "1"),
        s(1, "SELECT", "3"),
        s(1, "SET", "num", "9"),  # another database: caching keys are global
        "sync",
    ], protocol=3)


def test_scripts_and_transactions_invalidate(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "GET", "a"),
        s(0, "EVAL", "return redis.call('GET', KEYS[1])", "1", "b"),  # tracked for the caller
        s(0, "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "c"),
        s(1, "EVAL", "redis.call('SET', KEYS[1], 1) redis.call('SET', KEYS[2], 1) "
                     "redis.call('SET', KEYS[3], 1)", "3", "a", "b", "c"),
        "sync",
        s(0, "MGET", "a", "b"),
        s(1, "MULTI"),
        s(1, "SET", "a", "2"),
        s(1, "SET", "b", "2"),
        s(1, "EXEC"),
        "sync",
        s(0, "GET", "a"),
        s(0, "MULTI"),
        s(0, "SET", "a", "3"),
        s(0, "GET", "a"),
        s(0, "EXEC"),  # its own messages follow the whole EXEC reply
        s(0, "EVAL", "redis.call('SET', KEYS[1], 4) return redis.call('GET', KEYS[1])", "1",
          "a"),
        s(1, "SET", "a", "5"),
    ], protocol=3)


def test_flush(compare: Runner) -> None:
    compare(3, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(2, "CLIENT", "TRACKING", "on", "BCAST"),
        s(0, "GET", "a"),
        s(1, "FLUSHDB"),
        "sync",
        s(1, "FLUSHALL", "ASYNC"),
        "sync",
        s(0, "FLUSHALL"),  # its own null follows the reply
        s(0, "GET", "a"),
        s(1, "SET", "a", "1"),
        "sync",
    ], protocol=3)


def test_bcast(compare: Runner) -> None:
    compare(3, [
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "job:"),
        s(2, "CLIENT", "TRACKING", "on", "BCAST"),
        s(1, "SET", "user:1", "a"),
        "sync",
        s(1, "MSET", "user:2", "a", "job:1", "b", "other", "c", "user:0", "d"),
        "sync",
        s(1, "DEL", "user:1", "user:2", "nothing"),
        "sync",
        s(0, "SET", "user:3", "x"),  # no NOLOOP: its own write comes back
        "sync",
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
        s(0, "MSET", "user:3", "y", "job:9", "z"),
        s(1, "SET", "user:4", "y"),
        "sync",
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "TRACKING", "off"),
        s(1, "SET", "user:5", "z"),
        "sync",
    ], protocol=3)


def test_bcast_batches_a_pipeline(redis_port: int, godis_port: int) -> None:
    """The keys one pipelined batch modifies go out as one message per prefix."""
    results = []
    for port in (redis_port, godis_port):
        watcher = RespConnection("127.0.0.1", port)
        writer = RespConnection("127.0.0.1", port)
        writer.call("FLUSHALL")
        watcher.call("HELLO", "3")
        watcher.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k")
        writer.send_raw(b"".join(encode_command("SET", f"k{i}", i) for i in range(5)))
        replies = [writer.read_reply() for _ in range(5)]
        writer.call("PING")
        watcher.send_raw(encode_command("PING"))
        frames = []
        while (frame := watcher.read_reply()) != b"+PONG\r\n":
            frames.append(frame)
        results.append((replies, frames))
        watcher.close()
        writer.close()
    assert results[1] == results[0]
    assert len(results[0][1]) == 1


def test_tracking_redir_broken(compare: Runner) -> None:
    compare(3, [
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "{1}"),
        s(0, "GET", "a"),
        s(0, "GET", "b"),
        s(2, "CLIENT", "KILL", "ID", "{1}"),
        s(2, "SET", "a", "1"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(0, "CLIENT", "GETREDIR"),
        s(0, "EVAL", "return string.match(redis.call('CLIENT', 'INFO'), 'flags=%S+')", "0"),
        s(2, "FLUSHALL"),
        s(0, "PING"),
    ])


def test_info_fields(compare: Runner) -> None:
    script = ("local info = redis.call('INFO', 'all') local out = {} "
              "for line in info:gmatch('tracking_[%w_]+:%d+') do out[#out+1] = line end "
              "return out")
    compare(3, [
        s(0, "EVAL", script, "0"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(1, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b"),
        s(2, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"),
        s(0, "MGET", "x", "y", "z"),
        s(2, "EVAL", script, "0"),
        s(2, "CLIENT", "TRACKING", "on"),
        s(2, "MGET", "x", "w"),
        s(2, "EVAL", script, "0"),
        s(1, "SET", "x", "1"),
        s(1, "CLIENT", "TRACKING", "off"),
        s(0, "EVAL", script, "0"),
        s(2, "QUIT"),
        s(0, "EVAL", script, "0"),
        s(1, "FLUSHALL"),
        s(0, "EVAL", script, "0"),
    ])


def test_reset_disables_tracking(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "BCAST"),
        s(0, "RESET"),
        s(0, "CLIENT", "TRACKINGINFO"),
        s(1, "SET", "a", "1"),
        s(0, "CLIENT", "GETREDIR"),
    ])


# -- expiry and the table's size limit ------------------------------------------------------


def test_lazy_expiry_invalidates(compare: Runner) -> None:
    compare(3, [
        s(2, "DEBUG", "SET-ACTIVE-EXPIRE", "0"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(1, "CLIENT", "TRACKING", "on", "NOLOOP"),
        s(2, "SET", "a", "1", "PX", "100"),
        s(2, "SET", "b", "1", "PX", "100"),
        s(2, "SET", "c", "1", "PX", "100"),
        s(0, "MGET", "a", "b", "c"),
        s(1, "MGET", "a", "b", "c"),
        "sleep",
        s(2, "GET", "a"),  # expired by another client's read: both are told
        "sync",
        s(0, "GET", "b"),  # expired inside its own command: after the reply
        s(1, "GET", "c"),  # NOLOOP and its own command: not told
        "sync",
        s(2, "DEBUG", "SET-ACTIVE-EXPIRE", "1"),
    ], protocol=3)


def test_active_expiry_invalidates(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(1, "SET", "a", "1", "PX", "50"),
        s(0, "GET", "a"),
        "expired",
        "sync",
    ], protocol=3)


def test_bcast_expiry(compare: Runner) -> None:
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
        s(0, "SET", "a", "1", "PX", "50"),  # its own write, but its expiry is no one's
        "expired",
        "sync",
    ], protocol=3)


def _table_limit_run(port: int) -> list[bytes]:
    """MGET of 150 keys with tracking-table-max-keys 2, then PING and INFO pipelined with it
    (one event-loop cycle on both servers: no cron in between)."""
    conn = RespConnection("127.0.0.1", port)
    conn.call("FLUSHALL")
    conn.call("HELLO", "3")
    conn.call("CONFIG", "SET", "tracking-table-max-keys", "2")
    conn.call("CLIENT", "TRACKING", "on")
    keys = [f"k{i}" for i in range(150)]
    conn.send_raw(encode_command("MGET", *keys) + encode_command("PING")
                  + encode_command("EVAL", "return string.match(redis.call('INFO', 'stats'), "
                                   "'tracking_total_keys:%d+')", "0"))
    frames = []
    while True:
        frame = conn.read_reply()
        shown = re.sub(rb"\$\d+\r\nk\d+\r\n", b"KEY", frame)
        frames.append(shown)
        if frame.startswith(b"$") and b"tracking_total_keys" in frame:
            break
    conn.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
    conn.close()
    return frames


def test_tracking_table_max_keys(redis_port: int, godis_port: int) -> None:
    """Over the limit, random keys are dropped before the next command -- 100 per call, then
    200 -- each with an invalidation sent at once (before that command's reply)."""
    expected = _table_limit_run(redis_port)
    actual = _table_limit_run(godis_port)
    assert actual == expected
    assert expected.count(b">2\r\n$10\r\ninvalidate\r\n*1\r\nKEY") == 148
    assert expected.index(b"+PONG\r\n") == 101  # MGET's reply, 100 invalidations, PONG


def test_debug_reload_is_one_flush(compare: Runner) -> None:
    """DEBUG RELOAD empties the dataset (a null invalidation) and loads it back silently."""
    compare(2, [
        s(1, "MSET", "a", "1", "b", "2"),
        s(0, "CLIENT", "TRACKING", "on", "BCAST"),
        s(1, "DEBUG", "RELOAD"),
        "sync",
        s(1, "SET", "a", "3"),
        "sync",
    ], protocol=3)


def test_blocked_client_served(compare: Runner) -> None:
    compare(3, [
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "LRANGE", "l", "0", "-1"),
        s(0, "GET", "dst"),
        send(1, "BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"),
        s(2, "RPUSH", "l", "a"),
        "sync",
        s(0, "LRANGE", "l", "0", "-1"),
        s(0, "LRANGE", "dst", "0", "-1"),
        send(1, "BLPOP", "l", "0"),
        s(2, "RPUSH", "l", "b"),
        "sync",
    ], protocol=3)


def test_redirect_across_protocols(compare: Runner) -> None:
    """The flush's null is written in the *tracking* client's protocol, whatever the redirect
    client speaks (``shared.null[c->resp]``)."""
    compare(4, [
        s(1, "HELLO", "3"),
        s(0, "CLIENT", "TRACKING", "on", "REDIRECT", "{1}"),  # RESP2 -> RESP3
        s(2, "HELLO", "3"),
        s(3, "SUBSCRIBE", "x"),
        s(2, "CLIENT", "TRACKING", "on", "REDIRECT", "{3}"),  # RESP3 -> RESP2 subscriber
        s(0, "GET", "a"),
        s(2, "GET", "a"),
        s(1, "SET", "a", "1"),
        "sync",
        s(1, "FLUSHALL"),
        "sync",
    ], protocol=2)


def test_table_max_keys_config(diff: Differ) -> None:
    diff.check("CONFIG", "GET", "tracking-table-max-keys")
    diff.check("CONFIG", "SET", "tracking-table-max-keys", "-1")
    diff.check("CONFIG", "SET", "tracking-table-max-keys", "abc")
    diff.check("CONFIG", "SET", "tracking-table-max-keys", "1kb")
    diff.check("CONFIG", "SET", "tracking-table-max-keys", "500")
    diff.check("CONFIG", "GET", "tracking-table-max-keys")
    diff.check("CONFIG", "SET", "tracking-table-max-keys", "0")
    diff.check("CONFIG", "GET", "tracking*")


# -- random sequences -------------------------------------------------------------------------

_KEYS = ("a1", "a2", "b1", "b2", "c")


def _random_step(rng: random.Random) -> Step:
    """One command on connection 0-2 (3 is the RESP2 subscriber that 2 redirects to)."""
    index = rng.randrange(3)
    key = rng.choice(_KEYS)
    roll = rng.random()
    if roll < 0.12:
        options: list[str] = []
        if rng.random() < 0.4:
            options.append("BCAST")
            for prefix in rng.sample(["a", "b", "c"], rng.randrange(3)):
                options += ["PREFIX", prefix]
        elif rng.random() < 0.5:
            options.append(rng.choice(["OPTIN", "OPTOUT"]))
        if rng.random() < 0.3:
            options.append("NOLOOP")
        if index == 2:
            options += ["REDIRECT", "{3}"]
        return s(index, "CLIENT", "TRACKING", rng.choice(["on", "on", "on", "off"]), *options)
    if roll < 0.2:
        return s(index, "CLIENT", "CACHING", rng.choice(["yes", "no"]))
    if roll < 0.25:
        return s(index, *rng.choice([("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"),
                                     ("MULTI",), ("SWAPDB", "0", "1"),
                                     ("SELECT", rng.choice(["0", "1"])), ("PING",)]))
    if roll < 0.55:
        reads = [("GET", key), ("MGET", key, rng.choice(_KEYS)), ("EXISTS", key),
                 ("STRLEN", key), ("TYPE", key), ("TTL", key), ("HGET", key, "f"),
                 ("LRANGE", key, "0", "-1"),
                 ("EVAL", "return redis.call('GET', KEYS[1])", "1", key)]
        return s(index, *rng.choice(reads))
    if roll < 0.97:
        writes = [("SET", key, "v"), ("DEL", key), ("APPEND", key, "x"),
                  ("MSET", key, "1", rng.choice(_KEYS), "2"), ("EXPIRE", key, "100"),
                  ("RENAME", key, rng.choice(_KEYS)), ("GETDEL", key),
                  ("EVAL", "return redis.call('SET', KEYS[1], 'e')", "1", key),
                  ("HSET", key, "f", "v"), ("LPUSH", key, "x"), ("RPOP", key),
                  ("COPY", key, rng.choice(_KEYS), "REPLACE"), ("MOVE", key, "1"),
                  ("INCR", key), ("PERSIST", key), ("SETNX", key, "n")]
        return s(index, *rng.choice(writes))
    return s(index, rng.choice(["FLUSHDB", "FLUSHALL"]))


@pytest.mark.parametrize("seed", range(int(os.environ.get("TRACKING_SEEDS", "8"))))
def test_random_sequences(compare: Runner, seed: int) -> None:
    rng = random.Random(seed)
    steps: list[Step | str] = [s(3, "SUBSCRIBE", "other")]
    in_multi: set[int] = set()
    for _ in range(80):
        step = _random_step(rng)
        assert not isinstance(step, str)
        index, args = step
        if args == ("MULTI",):
            if index in in_multi:
                continue
            in_multi.add(index)
        steps.append(step)
        if index in in_multi and rng.random() < 0.3:
            steps.append(s(index, rng.choice(["EXEC", "EXEC", "DISCARD"])))
            in_multi.discard(index)
        if rng.random() < 0.2:
            # (a PING inside MULTI would be queued: transactions end before a sync)
            steps.extend(s(open_index, "EXEC") for open_index in sorted(in_multi))
            in_multi.clear()
            steps.append("sync")
    steps.extend(s(open_index, "EXEC") for open_index in sorted(in_multi))
    compare(4, steps, protocol=3 if seed % 2 else 2)


def test_invalidations_ignore_client_reply_off(compare: Runner) -> None:
    """Pushes are not replies: CLIENT REPLY OFF / SKIP leave invalidations alone."""
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on"),
        send(0, "CLIENT", "REPLY", "OFF"),
        send(0, "GET", "a"),
        send(0, "SET", "b", "1"),
        send(0, "GET", "b"),
        send(0, "SET", "b", "2"),  # its own write: the push with no reply before it
        s(1, "SET", "a", "1"),
        send(0, "CLIENT", "REPLY", "SKIP"),
        send(0, "GET", "a"),
        s(0, "CLIENT", "REPLY", "ON"),
        s(1, "SET", "a", "2"),
        "sync",
    ], protocol=3)


def test_restore_invalidates(compare: Runner) -> None:
    compare(2, [
        s(1, "SET", "src", "payload"),
        s(0, "CLIENT", "TRACKING", "on"),
        s(0, "GET", "dst"),
        s(1, "EVAL", "local d = redis.call('DUMP', KEYS[1]) "
                     "return redis.call('RESTORE', KEYS[2], 0, d, 'REPLACE')", "2", "src", "dst"),
        "sync",
        s(0, "GET", "dst"),
        s(1, "EVAL", "local d = redis.call('DUMP', KEYS[1]) "
                     "return redis.call('RESTORE', KEYS[2], 0, d, 'REPLACE')", "2", "src", "dst"),
        "sync",
    ], protocol=3)


def test_client_help(compare: Runner) -> None:
    compare(1, [s(0, "CLIENT", "HELP")])


def test_bcast_noloop_scripts_and_transactions(compare: Runner) -> None:
    """NOLOOP in BCAST mode leaves out the keys the client itself modified -- in a transaction
    too, but not those its scripts modified (Redis records the script's own client)."""
    compare(2, [
        s(0, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
        s(0, "EVAL", "redis.call('SET', KEYS[1], 1)", "1", "by-script"),
        s(0, "MULTI"),
        s(0, "SET", "in-multi", "1"),
        s(0, "EXEC"),
        s(0, "SET", "plain", "1"),
        "sync",
        s(1, "SET", "other", "1"),
        "sync",
    ], protocol=3)
