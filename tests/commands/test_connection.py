"""Connection and server commands, compared with a real redis-server."""

from __future__ import annotations

import pytest

from godis.client import Client
from tests.support.differential import Differ, GodisDirect
from tests.support.resp import RespConnection, parse_reply


def test_ping_echo(differ: Differ) -> None:
    differ.check("PING")
    differ.check("PING", "hello")
    differ.check("PING", "a", "b")
    differ.check("ECHO", "x y")
    differ.check("ECHO")
    differ.check("ECHO", "a", "b")


def test_select(differ: Differ) -> None:
    differ.check("SELECT", "1")
    differ.check("SELECT", "15")
    differ.check("SELECT", "16")
    differ.check("SELECT", "-1")
    differ.check("SELECT", "abc")
    differ.check("SELECT", "1.5")
    differ.check("SELECT", "0")


def test_unknown_commands_and_arity(differ: Differ) -> None:
    differ.check("FOOBAR", "a", "b")
    differ.check("FOOBAR")
    differ.check("foobar", "x" * 200)
    differ.check("GET")
    differ.check("CONFIG")
    differ.check("CONFIG", "NOPE")
    differ.check("CLIENT", "NOPE", "x")
    differ.check("COMMAND", "NOPE")


def test_hello(diff: Differ) -> None:
    diff.check("HELLO", "4")
    diff.check("HELLO", "x")
    diff.check("HELLO", "3", "FOO")
    diff.check("HELLO", "2", "SETNAME", "bad name")
    mine, theirs = diff.both("HELLO", "3", "AUTH", "default", "nopass")
    assert mine.split(b"mode")[1] == theirs.split(b"mode")[1]
    mine, theirs = diff.both("HELLO", "3", "SETNAME", "myname")
    assert mine.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15")
    assert mine.split(b"proto")[1][:8] == theirs.split(b"proto")[1][:8]
    diff.check("CLIENT", "GETNAME")
    mine, theirs = diff.both("HELLO")
    assert mine.split(b"mode")[1] == theirs.split(b"mode")[1]


def test_hello_switches_the_reply_protocol() -> None:
    godis = GodisDirect()
    godis.call("HSET", "h", "f", "v")
    assert godis.call("HGETALL", "h") == b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    godis.call("HELLO", "3")
    assert godis.call("HGETALL", "h") == b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"
    godis.call("HELLO", "2")
    assert godis.call("HGETALL", "h") == b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"


def test_client_name(differ: Differ) -> None:
    differ.check("CLIENT", "GETNAME")
    differ.check("CLIENT", "SETNAME", "worker")
    differ.check("CLIENT", "GETNAME")
    differ.check("CLIENT", "SETNAME", "with space")
    differ.check("CLIENT", "SETNAME", "new\nline")
    differ.check("CLIENT", "SETNAME", "")
    differ.check("CLIENT", "GETNAME")
    differ.check("CLIENT", "SETNAME")
    differ.check("CLIENT", "REPLY", "maybe")


def test_dbsize_flush(differ: Differ) -> None:
    differ.check("DBSIZE")
    differ.check("HSET", "h", "a", "1")
    differ.check("DBSIZE")
    differ.check("FLUSHDB", "ASYNC")
    differ.check("FLUSHDB", "bogus")
    differ.check("FLUSHDB", "SYNC", "x")
    differ.check("DBSIZE")
    differ.check("HSET", "h", "a", "1")
    differ.check("FLUSHALL")
    differ.check("FLUSHALL", "nope")
    differ.check("DBSIZE")


def test_swapdb(differ: Differ) -> None:
    differ.check("HSET", "h", "a", "1")
    differ.check("SWAPDB", "0", "1")
    differ.check("DBSIZE")
    differ.check("SELECT", "1")
    differ.check("HGET", "h", "a")
    differ.check("SWAPDB", "0", "99")
    differ.check("SWAPDB", "x", "1")
    differ.check("SWAPDB", "1", "y")


def test_config_errors(differ: Differ) -> None:
    differ.check("CONFIG", "GET", "save")
    differ.check("CONFIG", "GET", "appendonly")
    differ.check("CONFIG", "GET", "nonexistent")
    differ.check("CONFIG", "SET", "nonexistent", "1")
    differ.check("CONFIG", "SET", "maxclients", "abc")
    differ.check("CONFIG", "SET", "appendfsync", "sometimes")
    differ.check("CONFIG", "SET", "hz")
    differ.check("CONFIG", "SET", "slowlog-max-len", "64", "hz")
    differ.check("CONFIG", "SET", "slowlog-max-len", "64")
    differ.check("CONFIG", "GET", "slowlog-max-len")
    differ.check("CONFIG", "SET", "daemonize", "yes")
    differ.check("CONFIG", "SET", "databases", "4")
    differ.check("CONFIG", "SET", "slowlog-max-len", "64", "SLOWLOG-MAX-LEN", "65")
    differ.check("CONFIG", "SET", "hash-max-ziplist-entries", "100")
    differ.check("CONFIG", "GET", "hash-max-ziplist-entries")
    differ.check("CONFIG", "GET", "hash-max-listpack-entries")
    differ.check("CONFIG", "RESETSTAT")
    differ.check("CONFIG", "SET", "slowlog-max-len", "128")


def test_command_introspection(differ: Differ) -> None:
    differ.check("COMMAND", "GETKEYS", "GET", "k")
    differ.check("COMMAND", "GETKEYS", "PING")
    differ.check("COMMAND", "GETKEYS", "GET")
    differ.check("COMMAND", "GETKEYS", "NOPE", "x")
    differ.check("COMMAND", "GETKEYS", "HSET", "h", "f", "v")
    differ.check("COMMAND", "INFO", "nosuchcommand")
    differ.check("COMMAND", "COUNT", "x")
    mine, theirs = differ.both("COMMAND", "INFO", "get")
    assert mine.split(b"\r\n")[:4] == theirs.split(b"\r\n")[:4]


@pytest.mark.parametrize("name", ["get", "set", "hset", "hget", "hgetall", "del", "ping", "expire",
                                  "role", "wait", "module", "module|list", "module|help",
                                  "module|load", "module|loadex", "module|unload"])
def test_command_info_matches_redis(redis_port: int, name: str) -> None:
    from tests.support.resp import RespConnection, parse_reply

    redis = RespConnection("127.0.0.1", redis_port)
    theirs = parse_reply(redis.call("COMMAND", "INFO", name))
    mine = parse_reply(GodisDirect().call("COMMAND", "INFO", name))
    assert isinstance(theirs, list)
    assert isinstance(mine, list)
    a, b = mine[0], theirs[0]
    assert isinstance(a, list)
    assert isinstance(b, list)
    assert a[:2] == b[:2], (a, b)  # name, arity
    assert a[2] == b[2], (a[2], b[2])  # flags, in Redis's order
    assert a[3:6] == b[3:6]  # first, last, step
    assert a[6] == b[6], (a[6], b[6])  # ACL categories, in Redis's order
    redis.close()


def test_time_and_lastsave() -> None:
    godis = GodisDirect()
    from tests.support.resp import parse_list

    seconds, micros = parse_list(godis.call("TIME"))
    assert isinstance(seconds, bytes)
    assert isinstance(micros, bytes)
    import time

    assert abs(int(seconds) - time.time()) < 5
    assert 0 <= int(micros) < 1_000_000
    assert godis.call("LASTSAVE").startswith(b":")


def test_auth_without_password(differ: Differ) -> None:
    differ.check("AUTH", "secret")
    differ.check("AUTH", "default", "anything")
    differ.check("AUTH", "someone", "secret")
    differ.check("AUTH", "a", "b", "c")


def test_requirepass_flow() -> None:
    from godis.config import Config

    godis = GodisDirect(Config(appendonly=False, requirepass="s3cret"))
    assert godis.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
    assert godis.call("PING") == b"-NOAUTH Authentication required.\r\n"
    assert godis.call("AUTH", "nope") == (
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
    assert godis.call("HELLO", "3").startswith(b"-NOAUTH HELLO must be called")
    assert godis.call("AUTH", "s3cret") == b"+OK\r\n"
    assert godis.call("PING") == b"+PONG\r\n"
    assert godis.call("AUTH", "default", "s3cret") == b"+OK\r\n"


def test_monitor_and_slowlog_redact_passwords() -> None:
    from godis.client import Client
    from godis.protocol.writer import Status

    godis = GodisDirect()
    watcher = Client(godis.server)
    seen: list[object] = []
    watcher.push = seen.append
    godis.server.monitors[watcher] = None
    godis.server.slowlog_threshold_us = 0
    godis.call("AUTH", "user", "secret")
    godis.call("HELLO", "2", "AUTH", "user", "secret", "SETNAME", "x")
    lines = [str(line) for line in seen if isinstance(line, Status)]
    assert lines[0].endswith('"AUTH" "(redacted)" "(redacted)"')
    assert lines[1].endswith('"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x"')
    assert all(b"secret" not in arg for entry in godis.server.slowlog for arg in entry[3])


def test_client_list_shows_the_last_command(redis_port: int) -> None:
    """``cmd=`` is ``c->lastcmd``: set by the lookup, so an arity error still names it."""
    redis = RespConnection("127.0.0.1", redis_port)
    godis = GodisDirect()
    other_redis = RespConnection("127.0.0.1", redis_port)
    other_godis = GodisDirect.__new__(GodisDirect)
    other_godis.server = godis.server
    other_godis.client = Client(godis.server, address="127.0.0.1:2")
    godis.server.clients[other_godis.client.id] = other_godis.client
    redis_id = redis.call("CLIENT", "ID")[1:-2]
    godis_id = godis.call("CLIENT", "ID")[1:-2]

    def last(conn: RespConnection | GodisDirect, id_: bytes) -> bytes:
        listing = parse_reply(conn.call("CLIENT", "LIST"))
        assert isinstance(listing, bytes)
        line = next(line for line in listing.split(b"\n") if line.startswith(b"id=%s " % id_))
        return line.split(b" cmd=")[1].split(b" ")[0]

    for command in (("GET", "k"), ("GET",), ("NOSUCH", "x"), ("CLIENT", "NOPE"), ("CONFIG",),
                    ("CLIENT", "GETNAME"), ("PING",)):
        redis.call(*command)
        godis.call(*command)
        assert last(other_godis, godis_id) == last(other_redis, redis_id), command
    redis.close()
    other_redis.close()
