"""SLOWLOG, MONITOR, RESET, DEBUG, LATENCY, SAVE: differential against redis-server where the
reply is deterministic, direct otherwise."""

from __future__ import annotations

import os

import pytest

from godis.commands.debug import dataset_digest
from godis.config import Config
from godis.persistence.multipart import load_manifest_from_disk, open_on_start
from godis.persistence.rewrite import dataset_as_commands
from tests.support.aof import aof_files, incr_bytes
from tests.support.differential import Differ, GodisDirect
from tests.support.resp import parse_reply

# -- SLOWLOG ----------------------------------------------------------------------------------


def test_slowlog_errors_and_help(differ: Differ) -> None:
    differ.check_many(
        ("SLOWLOG", "HELP"),
        ("SLOWLOG", "GET", "-2"),
        ("SLOWLOG", "GET", "abc"),
        ("SLOWLOG", "GET", "1", "2"),
        ("SLOWLOG", "FOO"),
        ("SLOWLOG",),
        ("SLOWLOG", "LEN", "x"),
        ("SLOWLOG", "RESET", "x"),
    )


def _normalised(raw: bytes) -> list[object]:
    """Entries with timestamps, durations and addresses blanked, ids made relative."""
    entries = parse_reply(raw)
    assert isinstance(entries, list)
    rows: list[tuple[int, object, object]] = []
    for entry in entries:
        assert isinstance(entry, list)
        assert len(entry) == 6
        entry_id, timestamp, micros, args, address, name = entry
        assert isinstance(entry_id, int)
        assert isinstance(timestamp, int)
        assert isinstance(micros, int)
        assert isinstance(address, bytes)
        assert b":" in address
        rows.append((entry_id, args, name))
    last = rows[-1][0] if rows else 0
    return [(entry_id - last, args, name) for entry_id, args, name in rows]


def test_slowlog_entries_match_redis(differ: Differ) -> None:
    differ.check("CLIENT", "SETNAME", "slowtester")
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    differ.check("SLOWLOG", "RESET")
    differ.check("SET", "k", "v")
    differ.check("GET", "k")
    differ.check("SLOWLOG", "LEN")
    mine, theirs = differ.both("SLOWLOG", "GET")
    assert _normalised(mine) == _normalised(theirs)
    mine, theirs = differ.both("SLOWLOG", "GET", "2")
    assert _normalised(mine) == _normalised(theirs)
    mine, theirs = differ.both("SLOWLOG", "GET", "-1")
    assert _normalised(mine) == _normalised(theirs)
    # long arguments and many arguments are abbreviated the same way
    differ.check("RPUSH", "list", "x" * 200, *[str(i) for i in range(40)])
    mine, theirs = differ.both("SLOWLOG", "GET", "1")
    assert _normalised(mine) == _normalised(theirs)
    differ.check("CONFIG", "SET", "slowlog-max-len", "2")
    differ.check("PING")
    differ.check("PING")
    differ.check("SLOWLOG", "LEN")
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    differ.check("SLOWLOG", "RESET")
    differ.check("PING")
    differ.check("SLOWLOG", "LEN")


# -- RESET ------------------------------------------------------------------------------------


def test_reset_clears_connection_state(differ: Differ) -> None:
    differ.check("CLIENT", "SETNAME", "someone")
    differ.check("SELECT", "3")
    differ.check("SET", "k", "in3")
    differ.check("WATCH", "k")
    differ.check("MULTI")
    differ.check("SET", "k", "queued")
    differ.check("RESET")
    # RESP2 again, db 0, no name, no transaction, no WATCH
    differ.check("CLIENT", "GETNAME")
    differ.check("GET", "k")
    differ.check("EXEC")
    differ.check("SUBSCRIBE", "chan")
    differ.check("RESET")
    differ.check("PING")
    differ.check("SELECT", "3")
    differ.check("GET", "k")


def test_reset_leaves_resp3(diff3: Differ) -> None:
    diff3.check("RESET")
    diff3.check("DEBUG", "PROTOCOL", "map")  # RESP2 encoding again
    diff3.check("PING")


def test_reset_turns_replies_back_on() -> None:
    godis = GodisDirect()
    godis.client.reply_mode = "off"  # CLIENT REPLY OFF gives no reply to compare
    assert godis.call("RESET") == b"+RESET\r\n"
    assert godis.client.reply_mode == "on"


def test_reset_reauthenticates_as_default_user() -> None:
    godis = GodisDirect(Config(appendonly=False, requirepass="secret"))
    godis.client.authenticated = False
    assert godis.call("AUTH", "secret") == b"+OK\r\n"
    assert godis.call("GET", "x") == b"$-1\r\n"
    assert godis.call("RESET") == b"+RESET\r\n"
    assert godis.call("GET", "x").startswith(b"-NOAUTH")
    godis.call("AUTH", "secret")
    godis.call("MONITOR")
    monitoring = godis.client.monitor  # a local: RESET below changes the attribute
    assert monitoring
    assert godis.client in godis.server.monitors
    godis.call("RESET")
    assert not godis.client.monitor
    assert not godis.server.monitors


# -- MONITOR ----------------------------------------------------------------------------------


def test_monitor_inside_multi_is_refused(differ: Differ) -> None:
    differ.check("MULTI")
    differ.check("MONITOR")
    differ.check("EXEC")


def test_monitor_registers_once() -> None:
    godis = GodisDirect()
    assert godis.call("MONITOR") == b"+OK\r\n"
    assert godis.call("MONITOR") == b""  # ignored, no reply, as Redis
    assert list(godis.server.monitors) == [godis.client]
    for hook in godis.server.on_client_close:
        hook(godis.client)
    assert not godis.server.monitors


# -- DEBUG ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["string", "integer", "double", "bignum", "null", "array",
                                  "set", "map", "verbatim", "true", "false", "foo"])
def test_debug_protocol(differ: Differ, kind: str) -> None:
    differ.check("DEBUG", "PROTOCOL", kind)


def test_debug_protocol_two_part_replies() -> None:
    """attrib and push send two RESP3 values; the bytes were taken from redis-server 7.0.15."""
    godis = GodisDirect()
    assert godis.call("DEBUG", "PROTOCOL", "attrib") == (
        b"$39\r\nSome real reply following the attribute\r\n")
    assert godis.call("DEBUG", "PROTOCOL", "push") == (
        b"-ERR RESP2 is not supported by this command\r\n")
    godis.call("HELLO", "3")
    assert godis.call("DEBUG", "PROTOCOL", "attrib") == (
        b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
        b"$39\r\nSome real reply following the attribute\r\n")
    assert godis.call("DEBUG", "PROTOCOL", "push") == (
        b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
        b"$40\r\nSome real reply following the push reply\r\n")


def test_debug_errors(differ: Differ) -> None:
    differ.check_many(
        ("DEBUG",),
        ("DEBUG", "FOO"),
        ("DEBUG", "JMAP"),
        ("DEBUG", "HELP"),
        ("DEBUG", "DIGEST", "x"),
        ("DEBUG", "SLEEP"),
        ("DEBUG", "OBJECT"),
        ("DEBUG", "OBJECT", "nokey"),
        ("DEBUG", "PROTOCOL"),
        ("DEBUG", "CHANGE-REPL-ID"),
        ("DEBUG", "CHANGE-REPL-ID", "x"),
        ("DEBUG", "SET-ACTIVE-EXPIRE"),
        ("DEBUG", "RELOAD", "bogus"),
        ("DEBUG", "ERROR", "SOMECODE custom message"),
        ("DEBUG", "SLEEP", "0"),
        ("DEBUG", "LOG", "hello from the tests"),
    )


def test_debug_set_active_expire() -> None:
    godis = GodisDirect()
    assert godis.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
    assert godis.server.active_expire_enabled is False
    assert godis.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"+OK\r\n"
    assert godis.server.active_expire_enabled is True


def _fill(differ: Differ) -> None:
    differ.check_many(
        ("SET", "s", "hello"),
        ("SET", "i", "12345"),
        ("RPUSH", "l", "a", "b", "c", "1"),
        ("SADD", "si", "1", "2", "3"),
        ("SADD", "ss", "x", "y"),
        ("HSET", "h", "f1", "v1", "f2", "2"),
        ("ZADD", "z", "1", "a", "2.5", "b", "-0.1", "c", "1e20", "d"),
        ("SET", "ttl", "x", "EX", "1000"),
        ("SELECT", "2"),
        ("SET", "other-db", "v"),
        ("SELECT", "0"),
    )


def test_debug_digest_matches_redis(differ: Differ) -> None:
    differ.check("DEBUG", "DIGEST")
    _fill(differ)
    differ.check("DEBUG", "DIGEST")
    differ.check("DEBUG", "DIGEST-VALUE", "s", "i", "l", "si", "ss", "h", "z", "ttl", "nokey")
    differ.check("DEBUG", "DIGEST-VALUE")
    # big encodings hash the same
    differ.check("ZADD", "bigz", *[part for i in range(200) for part in (str(i / 3), f"m{i}")])
    differ.check("HSET", "bigh", *[part for i in range(200) for part in (f"f{i}", "v" * i)])
    differ.check("DEBUG", "DIGEST-VALUE", "bigz", "bigh")
    differ.check("DEBUG", "DIGEST")
    differ.check("FLUSHALL")
    differ.check("DEBUG", "DIGEST")


def test_debug_object_shape() -> None:
    godis = GodisDirect()
    godis.call("RPUSH", "l", "a", "b", "c")
    godis.call("SET", "i", "12345")
    reply = godis.call("DEBUG", "OBJECT", "l").decode()
    assert reply.startswith("+Value at:0x")
    assert " refcount:1 encoding:quicklist serializedlength:" in reply
    assert ("ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 "
            "ql_uncompressed_size:16") in reply
    reply = godis.call("DEBUG", "OBJECT", "i").decode()
    assert " encoding:int " in reply
    assert " lru_seconds_idle:0" in reply


def test_debug_populate(differ: Differ) -> None:
    differ.check("SET", "key:1", "mine")
    differ.check("DEBUG", "POPULATE", "3")
    differ.check("DEBUG", "POPULATE", "2", "p", "10")
    differ.check("DEBUG", "POPULATE", "2", "q", "3")
    differ.check("MGET", "key:0", "key:1", "key:2", "p:0", "p:1", "q:1")
    differ.check("DBSIZE")


def test_dataset_as_commands_round_trip(tmp_path: object) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    for command in (("SET", "s", "v"), ("RPUSH", "l", *[str(i) for i in range(150)]),
                    ("HSET", "h", "a", "1"), ("SADD", "st", "m"), ("ZADD", "z", "1.5", "a"),
                    ("PEXPIRE", "s", "100000"), ("SELECT", "5"), ("SET", "five", "5")):
        godis.call(*command)
    before = dataset_digest(godis.server.keyspace)
    assert before != bytes(20)
    data = dataset_as_commands(godis.server.keyspace)
    assert data.count(b"RPUSH") == 3  # 64 items per command, as Redis's rewrite
    godis.call("SELECT", "0")
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert dataset_digest(godis.server.keyspace) == before
    assert godis.call("PTTL", "s") != b":-1\r\n"
    assert godis.call("LLEN", "l") == b":150\r\n"


def test_debug_reload_with_the_aof_on(tmp_path: os.PathLike[str]) -> None:
    """DEBUG RELOAD goes through the RDB file, as Redis's; the AOF keeps its records."""
    config = Config(appendonly=True, dir=str(tmp_path))
    godis = GodisDirect(config)
    aof = open_on_start(godis.server, load_manifest_from_disk(config), 0)
    godis.server.aof = aof
    godis.server.keyspace.propagate = aof.feed
    godis.call("SET", "a", "1")
    godis.call("INCR", "a")
    godis.call("INCR", "a")
    aof.write()
    records = incr_bytes(tmp_path)
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert godis.call("GET", "a") == b"$1\r\n3\r\n"
    assert os.path.exists(os.path.join(str(tmp_path), "dump.rdb"))
    assert incr_bytes(tmp_path) == records
    godis.call("SET", "b", "2")
    aof.write()
    assert godis.call("DEBUG", "LOADAOF") == b"+OK\r\n"  # base + incr, from the manifest
    assert godis.call("MGET", "a", "b") == b"*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    # without the shell, the rewrite runs in place: a new base and a new, empty incr
    assert godis.call("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
    assert [path.name for path in aof_files(tmp_path)] == ["appendonly.aof.2.base.rdb",
                                                           "appendonly.aof.2.incr.aof"]
    assert incr_bytes(tmp_path) == b""
    godis.call("SET", "c", "3")  # appends go to the new incr
    aof.write()
    assert b"$1\r\nc\r\n" in incr_bytes(tmp_path)
    assert godis.call("DEBUG", "LOADAOF") == b"+OK\r\n"
    assert godis.call("MGET", "a", "b", "c") == b"*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert godis.call("SAVE") == b"+OK\r\n"
    assert godis.call("BGSAVE") == b"+Background saving started\r\n"
    assert aof.size == sum(path.stat().st_size for path in aof_files(tmp_path))
    aof.close()


def test_save_without_aof_writes_the_rdb(tmp_path: os.PathLike[str]) -> None:
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    assert godis.call("SAVE") == b"+OK\r\n"
    assert os.path.exists(os.path.join(str(tmp_path), "dump.rdb"))
    assert godis.call("DEBUG", "LOADAOF").startswith(b"-ERR DEBUG LOADAOF needs")


# -- LATENCY ----------------------------------------------------------------------------------


def test_latency(differ: Differ) -> None:
    differ.check_many(
        ("LATENCY", "HELP"),
        ("LATENCY", "LATEST"),
        ("LATENCY", "HISTORY", "command"),
        ("LATENCY", "RESET"),
        ("LATENCY", "RESET", "a", "b"),
        ("LATENCY", "DOCTOR"),
        ("LATENCY", "GRAPH", "command"),
        ("LATENCY", "FOO"),
        ("LATENCY", "LATEST", "x"),
    )


def test_debug_reload_is_not_client_traffic(tmp_path: object) -> None:
    """The replay is neither shown to MONITOR nor logged as slow, and WATCHes see the flush."""
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    watcher = GodisDirect.__new__(GodisDirect)
    watcher.server = godis.server
    from godis.client import Client

    watcher.client = Client(godis.server, address="127.0.0.1:2")
    pushed: list[object] = []
    watcher.client.push = pushed.append
    godis.call("SET", "k", "v")
    watcher.call("WATCH", "k")
    watcher.call("MONITOR")
    godis.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    godis.call("SLOWLOG", "RESET")
    pushed.clear()
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert pushed == []  # DEBUG is an admin command and the replay is hidden
    assert godis.call("SLOWLOG", "LEN") == b":2\r\n"  # SLOWLOG RESET and DEBUG RELOAD
    assert watcher.client.watch_dirty
