"""Send the same commands to godis and to a real redis-server and compare the raw replies.

godis is driven in-process (a ``Client`` and ``dispatch.execute``, encoded by the writer), so a
differential test needs no godis socket and runs in microseconds; the redis-server side is a
real process (see ``tests/conftest.py``). Where Redis promises no order (SMEMBERS, HGETALL,
KEYS), use :meth:`Differ.check_unordered`.
"""

from __future__ import annotations

import shlex
import tempfile

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.protocol.writer import Reply, encode
from godis.state import ServerState
from tests.support.resp import RespConnection, parse_reply


def execute_now(client: Client, argv: list[bytes]) -> Reply:
    """``execute`` for a command that must answer at once: a ``BlockRequest`` (the client
    would block, which needs a connection to wait on) fails the test."""
    reply = execute(client, argv)
    assert not isinstance(reply, BlockRequest), f"{argv!r} blocked"
    return reply


_SCRATCH: list[str] = []


def _scratch_dir() -> str:
    """One temporary directory for the files in-process servers write (made once)."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="godis-tests-"))
    return _SCRATCH[0]


def _arg(value: bytes | str | int | float) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class GodisDirect:
    """godis without sockets: one server state and one client.

    Its client's address is 127.0.0.1, so it is a local client (``enable-*-command local``
    allows it); set ``client.address`` to test a remote one. The suite's servers run with
    ``enable-debug-command yes``, as Redis's own test suite starts its servers: ``debug=False``
    keeps the config's own value (Redis's default, ``no``, unless it sets one).
    """

    def __init__(self, config: Config | None = None, *, debug: bool = True) -> None:
        load_all()
        config = config or Config(appendonly=False)
        if config.dir == ".":  # SAVE / DEBUG RELOAD write files: never into the checkout
            config.set_text("dir", _scratch_dir(), at_start=True)
        if debug:
            config.set_text("enable-debug-command", "yes", at_start=True)
        self.server = ServerState(config)
        self.client = Client(self.server, address="127.0.0.1:1")
        self.server.clients[self.client.id] = self.client

    def call(self, *args: bytes | str | int | float) -> bytes:
        keyspace = self.server.keyspace
        keyspace.lru_clock_ms = keyspace.now_ms()  # as the connection does per batch
        reply = execute_now(self.client, [_arg(a) for a in args])
        out = encode(reply, self.client.resp)
        for item in self.client.after_reply:  # its own MONITOR lines, as the connection writes
            out += encode(item, self.client.resp)
        self.client.after_reply.clear()
        return out


class Differ:
    """Pairs a godis client and a redis-server connection with the same protocol."""

    def __init__(self, redis: RespConnection, godis: GodisDirect) -> None:
        self.redis = redis
        self.godis = godis

    def both(self, *args: bytes | str | int | float) -> tuple[bytes, bytes]:
        """Send to both; (godis reply, redis reply), raw."""
        return self.godis.call(*args), self.redis.call(*args)

    def check(self, *args: bytes | str | int | float) -> bytes:
        """Assert both replies are byte-identical; return the reply."""
        mine, theirs = self.both(*args)
        assert mine == theirs, f"{args!r}: godis {mine!r} != redis {theirs!r}"
        return mine

    def check_unordered(self, *args: bytes | str | int | float) -> object:
        """Assert both replies hold the same elements, in any order (top level, or map pairs)."""
        mine, theirs = self.both(*args)
        a, b = parse_reply(mine), parse_reply(theirs)
        assert _canonical(a) == _canonical(b), f"{args!r}: godis {mine!r} != redis {theirs!r}"
        return a

    def check_many(self, *commands: tuple[bytes | str | int | float, ...]) -> None:
        for command in commands:
            self.check(*command)


def _canonical(value: object) -> object:
    if isinstance(value, tuple) and len(value) == 2 and value[0] in ("%", "~"):
        kind, items = value
        if kind == "%":
            return (kind, sorted(repr(tuple(items[i:i + 2])) for i in range(0, len(items), 2)))
        return (kind, sorted(repr(v) for v in items))
    if isinstance(value, list):
        return sorted(repr(v) for v in value)
    return value


def script(differ: Differ, text: str) -> None:
    """Run one command per line (shell-quoted, ``\\xNN`` escapes allowed) on both servers."""
    for line in text.strip().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            args = [arg.encode("latin-1").decode("unicode_escape").encode("latin-1")
                    for arg in shlex.split(line)]
            differ.check(*args)


def propagated(differ: Differ) -> list[list[bytes]]:
    """Start recording what godis feeds the AOF; returns the (growing) log."""
    log: list[list[bytes]] = []
    differ.godis.server.keyspace.propagate = lambda db, argv: log.append(list(argv))
    return log


def config_values(redis: RespConnection, names: tuple[str, ...]) -> dict[str, bytes]:
    """The current values of some config parameters, to put back later."""
    values = {}
    for name in names:
        reply = parse_reply(redis.call("CONFIG", "GET", name))
        assert isinstance(reply, list)
        values[name] = reply[1]
    return values
