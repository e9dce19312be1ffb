"""Streams survive the AOF: a rewrite (rewriteStreamObject's XADD / XSETID / XGROUP CREATE ...
ENTRIESREAD / XCLAIM ... FORCE JUSTID / XGROUP CREATECONSUMER) and a plain replay of what was
propagated both rebuild the identical XINFO STREAM FULL (consumers' seen-time aside: a
consumer recreated on load is seen at load time, in Redis too)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import redis

from godis.config import Config
from tests.support.differential import GodisDirect
from tests.support.redis_server import REDIS_SERVER, free_port, wait_for_port
from tests.support.resp import RespConnection, parse_reply
from tests.support.server_thread import running_server

WORKLOAD = [
    "XADD s 1-1 a 1 b 2", "XADD s 2-1 a 3 b 4", "XADD s 3-1 c 5", "XADD s 4-1 a 6 b 7",
    "XADD s 5-1 a 8 b 9", "XDEL s 2-1", "XGROUP CREATE s g 0",
    "XGROUP CREATE s idle $ ENTRIESREAD 5", "XGROUP CREATE s lagging 1-1",
    "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s >",
    "XGROUP CREATECONSUMER s g nobody",
    "XCLAIM s g carol 0 4-1 TIME 1700000000000 RETRYCOUNT 9",
    "XACK s g 3-1", "XSETID s 9-9 ENTRIESADDED 12 MAXDELETEDID 7-0",
    "XADD empty MAXLEN 0 1-1 x y", "XGROUP CREATE empty g $",
    "XGROUP CREATE fresh g $ MKSTREAM",
]


def _without_seen_time(reply: object) -> object:
    if isinstance(reply, list):
        out: list[object] = []
        previous: object = None
        for item in reply:
            out.append("T" if previous == b"seen-time" else _without_seen_time(item))
            previous = item
        return out
    return reply


def _full(call: object, key: str) -> object:
    raw = call("XINFO", "STREAM", key, "FULL")  # type: ignore[operator]
    return _without_seen_time(parse_reply(raw) if isinstance(raw, bytes) else raw)


def test_rewrite_and_reload_keep_xinfo_stream_full() -> None:
    godis = GodisDirect(Config(appendonly=False))
    for line in WORKLOAD:
        reply = godis.call(*line.split())
        assert not reply.startswith(b"-"), (line, reply)
    before = {key: _full(godis.call, key) for key in ("s", "empty", "fresh")}
    digest = godis.call("DEBUG", "DIGEST")
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    after = {key: _full(godis.call, key) for key in ("s", "empty", "fresh")}
    assert after == before
    assert godis.call("DEBUG", "DIGEST") == digest
    assert godis.call("TYPE", "empty") == b"+stream\r\n"


def _times_masked(reply: object) -> object:
    if isinstance(reply, list):
        return [_times_masked(item) for item in reply]
    return "T" if isinstance(reply, int) and reply >= 10**12 else reply


def _workload(r: redis.Redis) -> None:
    for line in WORKLOAD:
        r.execute_command(*line.split())  # type: ignore[no-untyped-call]
    r.execute_command("XREADGROUP", "GROUP", "g", "dave", "NOACK", "STREAMS", "s", "0")  # type: ignore[no-untyped-call]
    r.execute_command("XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "1")  # type: ignore[no-untyped-call]


def _redis_after_restart(tmp_path: Path) -> dict[str, object]:
    """What redis-server shows after replaying its own AOF of the workload."""
    assert REDIS_SERVER is not None
    directory = tmp_path / "redis"
    directory.mkdir()
    command = [REDIS_SERVER, "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
               "--dir", str(directory), "--daemonize", "no"]
    port = free_port()
    proc = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        r = redis.Redis(port=port, protocol=2)
        _workload(r)
        r.close()
    finally:
        proc.terminate()
        proc.wait(10)
    port = free_port()
    proc = subprocess.Popen([*command, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        r = redis.Redis(port=port, protocol=2)
        while r.info("persistence")["loading"]:
            pass
        shown = {key: _times_masked(_full(r.execute_command, key))
                 for key in ("s", "empty", "fresh")}
        r.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return shown


def test_restart_replays_propagated_stream_commands(tmp_path: Path) -> None:
    """The AOF as written by the commands themselves (XREADGROUP logged as XCLAIMs...)
    replays to what redis-server's own AOF replays to (a group's read counter, which the
    logged XCLAIM ... LASTID does not carry, is lost in both); a rewrite then keeps it."""
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, protocol=2)
        _workload(r)
        r.close()
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, protocol=2)
        after = {key: _full(r.execute_command, key) for key in ("s", "empty", "fresh")}
        r.execute_command("BGREWRITEAOF")  # type: ignore[no-untyped-call]
        r.close()
    assert {key: _times_masked(value) for key, value in after.items()} == \
        _redis_after_restart(tmp_path)
    before = after
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, protocol=2)
        rewritten = {key: _full(r.execute_command, key) for key in ("s", "empty", "fresh")}
        r.close()
    assert rewritten == before


def test_dump_and_restore_across_godis_and_redis(redis_port: int) -> None:
    """The RDB stream encoding (RDB_TYPE_STREAM_LISTPACKS_2, rdbSaveObject's layout): a DUMP
    of either server RESTOREs on the other to the same XINFO STREAM FULL (tombstones, node
    boundaries, groups, PELs and consumers included)."""
    godis = GodisDirect(Config(appendonly=False))
    redis_conn = RespConnection("127.0.0.1", redis_port)
    try:
        redis_conn.call("FLUSHALL")
        redis_conn.call("CONFIG", "SET", "stream-node-max-entries", "3")
        godis.call("CONFIG", "SET", "stream-node-max-entries", "3")
        workload = [*WORKLOAD, "XADD s 10-0 1 2 3 4", "XADD s 11-0 a 99999999999 b -5",
                    "XADD s 12-0 a", "XDEL s 11-0"]
        for line in workload:
            args = line.split()
            godis.call(*args)
            redis_conn.call(*args)
        for key in ("s", "empty", "fresh"):
            mine = parse_reply(godis.call("DUMP", key))
            theirs = parse_reply(redis_conn.call("DUMP", key))
            assert isinstance(mine, bytes)
            assert isinstance(theirs, bytes)
            assert redis_conn.call("RESTORE", f"{key}:from-godis", "0", mine) == b"+OK\r\n"
            assert godis.call("RESTORE", f"{key}:from-redis", "0", theirs) == b"+OK\r\n"
            expected = _times_masked(_full(godis.call, key))
            assert _times_masked(_full(godis.call, f"{key}:from-redis")) == expected
            assert _times_masked(_full(redis_conn.call, f"{key}:from-godis")) == expected
            assert _times_masked(_full(redis_conn.call, key)) == expected
    finally:
        redis_conn.call("FLUSHALL")
        redis_conn.call("CONFIG", "SET", "stream-node-max-entries", "100")
        redis_conn.close()


def test_save_and_restart_from_the_rdb(tmp_path: Path) -> None:
    """SAVE writes streams into dump.rdb; a server started without an AOF loads them back."""
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        r = redis.Redis(port=server.port, protocol=2)
        _workload(r)
        before = {key: _full(r.execute_command, key)
                  for key in ("s", "empty", "fresh")}
        assert r.save()
        r.close()
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        r = redis.Redis(port=server.port, protocol=2)
        after = {key: _full(r.execute_command, key)
                 for key in ("s", "empty", "fresh")}
        r.close()
    assert after == before
