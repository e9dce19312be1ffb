"""XREAD BLOCK and XREADGROUP BLOCK: the same scenarios on redis-server (two connections) and
on godis in-process (Trio tasks, as tests/test_blocking.py drives them), replies compared.
"""

from __future__ import annotations

import time

import pytest
import trio
import trio.testing

from godis.client import Client
from tests.support.resp import RespConnection, encode_command, parse_reply
from tests.test_blocking import World, settle

Step = tuple[str, ...]


def run_on_redis(port: int, steps: list[Step], resp: int) -> list[bytes]:
    """Each ("block", name, *argv) is sent on connection ``name``; ("run", *argv) runs on the
    producer; ("reply", name) reads what ``name`` got. The replies, in order."""
    producer = RespConnection("127.0.0.1", port)
    producer.call("FLUSHALL")
    conns: dict[str, RespConnection] = {}
    out: list[bytes] = []
    try:
        for step in steps:
            kind = step[0]
            if kind == "block":
                name = step[1]
                if name not in conns:
                    conns[name] = RespConnection("127.0.0.1", port)
                    if resp == 3:
                        conns[name].call("HELLO", "3")
                before = _blocked(producer)
                conns[name].send_raw(encode_command(*step[2:]))
                deadline = time.monotonic() + 5
                while _blocked(producer) == before and time.monotonic() < deadline:
                    time.sleep(0.005)
            elif kind == "run":
                out.append(producer.call(*step[1:]))
            else:
                out.append(conns[step[1]].read_reply())
    finally:
        producer.close()
        for conn in conns.values():
            conn.close()
    return out


def _blocked(conn: RespConnection) -> int:
    info = parse_reply(conn.call("INFO", "clients"))
    assert isinstance(info, bytes)
    for line in info.decode().splitlines():
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    return 0


def run_on_godis(steps: list[Step], resp: int) -> list[bytes]:
    out: list[bytes] = []

    async def main() -> None:
        world = World()
        clients: dict[str, Client] = {}
        replies: dict[str, list[bytes]] = {}
        async with trio.open_nursery() as nursery:
            for step in steps:
                kind = step[0]
                if kind == "block":
                    name = step[1]
                    if name not in clients:
                        clients[name] = world.client()
                        if resp == 3:
                            await world.command(clients[name], "HELLO", "3")
                    replies[name] = world.start(nursery, clients[name], *step[2:])
                    await settle()
                elif kind == "run":
                    out.append(await world.push(*step[1:]))
                    await settle()
                else:
                    await settle()
                    got = replies[step[1]]
                    assert got, f"{step}: no reply yet"
                    out.append(got.pop(0))
            nursery.cancel_scope.cancel()

    trio.run(main)
    return out


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def resp(request: pytest.FixtureRequest) -> int:
    value: int = request.param
    return value


def check(redis_port: int, resp: int, steps: list[Step]) -> None:
    theirs = run_on_redis(redis_port, steps, resp)
    mine = run_on_godis(steps, resp)
    assert mine == theirs


def test_xread_block_served_by_xadd(redis_port: int, resp: int) -> None:
    check(redis_port, resp, [
        ("run", "XADD", "s", "1-1", "f", "old"),
        ("block", "a", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
        ("block", "b", "XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "nokey", "s", "0", "$"),
        ("run", "XADD", "s", "2-1", "f", "new"),
        ("reply", "a"),
        ("reply", "b"),
        ("block", "a", "XREAD", "BLOCK", "0", "STREAMS", "x", "y", "$", "$"),
        ("run", "XADD", "y", "5-5", "g", "1"),
        ("reply", "a"),
        ("block", "a", "XREAD", "BLOCK", "0", "STREAMS", "s", "2-1"),
        ("run", "XADD", "s", "3-1", "f", "a", "g", "b"),
        ("reply", "a"),
    ])


def test_xreadgroup_block_served_and_unblocked(redis_port: int, resp: int) -> None:
    check(redis_port, resp, [
        ("run", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
        ("block", "a", "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"),
        ("block", "b", "XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">"),
        ("run", "XADD", "s", "1-1", "f", "v"),
        ("reply", "a"),
        ("run", "XADD", "s", "2-1", "f", "w"),
        ("reply", "b"),
        ("run", "XPENDING", "s", "g"),
        ("block", "a", "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"),
        ("run", "XGROUP", "DESTROY", "s", "g"),
        ("reply", "a"),
        ("run", "XGROUP", "CREATE", "s", "g", "$"),
        ("block", "a", "XREADGROUP", "GROUP", "g", "alice", "NOACK", "BLOCK", "0", "STREAMS", "s",
         ">"),
        ("block", "b", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
        ("run", "DEL", "s"),
        ("reply", "a"),
        ("run", "XADD", "s", "3-1", "f", "x"),
        ("reply", "b"),
        ("run", "XGROUP", "CREATE", "s", "g", "$"),
        ("block", "a", "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"),
        ("run", "SET", "s", "string"),
        ("reply", "a"),
    ])


def test_not_blocking_inside_multi(redis_port: int, resp: int) -> None:
    check(redis_port, resp, [
        ("run", "MULTI"),
        ("run", "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
        ("run", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
        ("run", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
        ("run", "EXEC"),
    ])


async def test_block_timeout_and_propagation(autojump_clock: trio.abc.Clock) -> None:
    world = World()
    client = world.client()
    start = trio.current_time()
    assert await world.command(client, "XREAD", "BLOCK", "1500", "STREAMS", "s", "$") == \
        b"*-1\r\n"
    assert trio.current_time() - start == pytest.approx(1.5)
    await world.push("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    mark = len(world.aof)
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0",
                              "STREAMS", "s", ">")
        await trio.sleep(3600)
        assert replies == []
        await world.push("XADD", "s", "7-1", "f", "v")
    assert replies[0].startswith(b"*1\r\n*2\r\n$1\r\ns\r\n")
    logged = world.aof_since(mark)
    assert logged[0] == [b"XADD", b"s", b"7-1", b"f", b"v"]
    assert logged[1][:6] == [b"XCLAIM", b"s", b"g", b"c", b"0", b"7-1"]
    assert logged[1][-2:] == [b"LASTID", b"7-1"]
    assert len(world.server.blocked) == 0
    assert world.keyspace.blocking_keys == {}


async def test_client_unblock(autojump_clock: trio.abc.Clock) -> None:
    world = World()
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        await settle()
        assert await world.push("CLIENT", "UNBLOCK", client.id) == b":1\r\n"
    assert replies == [b"*-1\r\n"]
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        await settle()
        await world.push("CLIENT", "UNBLOCK", client.id, "ERROR")
    assert replies == [b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"]


@pytest.mark.parametrize("removal", [("FLUSHALL",), ("FLUSHDB",), ("RENAME", "s", "s2"),
                                     ("MOVE", "s", "3"), ("SWAPDB", "0", "1"), ("UNLINK", "s"),
                                     ("SET", "s", "x")])
def test_xreadgroup_unblocked_when_the_key_goes(redis_port: int, removal: tuple[str, ...]) -> None:
    check(redis_port, 2, [
        ("run", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
        ("block", "a", "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"),
        ("run", *removal),
        ("reply", "a"),
    ])
