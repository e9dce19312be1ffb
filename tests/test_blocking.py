"""Blocking commands in-process: clients block, get served FIFO, time out, disconnect.

No sockets: each "connection" is a Trio task doing what ``godis.server.connection`` does —
``execute`` under the keyspace lock, then ``wait_unblocked`` without it when the reply is a
``BlockRequest``. ``autojump_clock`` makes timeouts instant.
"""

from __future__ import annotations

import math

import pytest
import trio
import trio.testing

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import call, execute
from godis.keyspace.values import ListValue
from godis.protocol.writer import Reply, encode
from godis.server.connection import wait_unblocked
from godis.state import ServerState
from godis.table import lookup

NULL_ARRAY = b"*-1\r\n"


class World:
    """A server, its clients, and a record of everything propagated to the AOF."""

    def __init__(self) -> None:
        load_all()
        self.server = ServerState(Config(appendonly=False))
        self.keyspace = self.server.keyspace
        self.aof: list[tuple[int, list[bytes]]] = []
        self.keyspace.propagate = lambda db, argv: self.aof.append((db, list(argv)))
        self.producer = self.client()

    def client(self) -> Client:
        client = Client(self.server, address=f"127.0.0.1:{len(self.server.clients) + 1}")
        self.server.clients[client.id] = client
        return client

    async def run(self, client: Client, *args: object) -> Reply | BlockRequest:
        """One command under the lock, as the connection runs it."""
        async with self.keyspace.lock:
            result: Reply | BlockRequest = execute(client, [_arg(a) for a in args])
            return result

    async def run_now(self, client: Client, *args: object) -> Reply:
        """As :meth:`run`, for a command that must answer at once (it fails if it blocks)."""
        reply = await self.run(client, *args)
        assert not isinstance(reply, BlockRequest), f"{args!r} blocked"
        return reply

    async def command(self, client: Client, *args: object) -> bytes:
        """A command, waiting if it blocks; the encoded reply."""
        reply = await self.run(client, *args)
        if isinstance(reply, BlockRequest):  # it has no subclasses
            reply = await wait_unblocked(client, reply)
        return encode(reply, client.resp)

    async def push(self, *args: object) -> bytes:
        return await self.command(self.producer, *args)

    def start(self, nursery: trio.Nursery, client: Client, *args: object) -> list[bytes]:
        """Run a command in its own task; the list receives its reply."""
        replies: list[bytes] = []

        async def task() -> None:
            replies.append(await self.command(client, *args))

        nursery.start_soon(task)
        return replies

    def aof_since(self, mark: int) -> list[list[bytes]]:
        return [argv for _, argv in self.aof[mark:]]


def _arg(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def pair(key: bytes, value: bytes) -> bytes:
    return b"*2\r\n" + bulk(key) + bulk(value)


@pytest.fixture
def world() -> World:
    return World()


async def settle() -> None:
    await trio.testing.wait_all_tasks_blocked()


# -- FIFO and wake-ups ---------------------------------------------------------------------------


async def test_clients_are_served_in_the_order_they_blocked(world: World) -> None:
    clients = [world.client() for _ in range(3)]
    async with trio.open_nursery() as nursery:
        replies = []
        for client in clients:
            replies.append(world.start(nursery, client, "BLPOP", "k", 0))
            await settle()
        assert len(world.server.blocked) == 3
        assert world.keyspace.blocking_keys == {(0, b"k"): 3}
        assert await world.push("RPUSH", "k", "a") == b":1\r\n"
        await settle()
        assert replies[0] == [pair(b"k", b"a")]
        assert replies[1] == replies[2] == []
        await world.push("RPUSH", "k", "b", "c", "d")
    assert replies[1] == [pair(b"k", b"b")]
    assert replies[2] == [pair(b"k", b"c")]
    assert await world.push("LRANGE", "k", 0, -1) == b"*1\r\n" + bulk(b"d")
    assert len(world.server.blocked) == 0
    assert world.keyspace.blocking_keys == {}


async def test_served_from_the_key_that_became_ready(world: World) -> None:
    """Redis 7.0 serves a client blocked on several keys from the ready key, in ready order."""
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "a", "b", "a", 0)
        await settle()
        assert world.keyspace.blocking_keys == {(0, b"a"): 1, (0, b"b"): 1}
        # As inside EXEC: two pushes, then the ready keys are served (b first).
        async with world.keyspace.lock:
            for argv in ([b"RPUSH", b"b", b"x"], [b"RPUSH", b"a", b"y"]):
                spec = lookup(argv)
                assert spec is not None
                call(world.producer, spec, argv)
            assert world.keyspace.ready_keys
            execute(world.producer, [b"PING"])  # serves ready keys after the command
    assert replies == [pair(b"b", b"x")]
    assert world.aof_since(0)[-1] == [b"LPOP", b"b"]


async def test_a_push_of_another_type_does_not_serve(world: World) -> None:
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BRPOP", "k", 0)
        await settle()
        await world.push("SADD", "k", "member")
        await settle()
        assert replies == []
        assert client.blocked is not None
        await world.push("DEL", "k")
        await world.push("RPUSH", "k", "v")
    assert replies == [pair(b"k", b"v")]


async def test_waiters_of_another_type_are_skipped(world: World) -> None:
    """A ZADD serves the BZPOPMIN waiter behind a BLPOP waiter on the same key."""
    list_waiter, zset_waiter = world.client(), world.client()
    async with trio.open_nursery() as nursery:
        list_reply = world.start(nursery, list_waiter, "BLPOP", "k", 0)
        await settle()
        zset_reply = world.start(nursery, zset_waiter, "BZPOPMIN", "k", 0)
        await settle()
        await world.push("ZADD", "k", 1, "m")
        await settle()
        assert zset_reply
        assert zset_reply[0].startswith(b"*3\r\n")
        assert list_reply == []
        await world.push("RPUSH", "k", "v")
    assert list_reply == [pair(b"k", b"v")]


async def test_blocked_in_another_db(world: World) -> None:
    client = world.client()
    await world.run(client, "SELECT", 3)
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "k", 0)
        await settle()
        await world.push("RPUSH", "k", "db0")
        await settle()
        assert replies == []
        await world.run(world.producer, "SELECT", 3)
        mark = len(world.aof)
        await world.push("RPUSH", "k", "db3")
    assert replies == [pair(b"k", b"db3")]
    assert world.aof[mark:] == [(3, [b"RPUSH", b"k", b"db3"]), (3, [b"LPOP", b"k"])]


async def test_duplicate_keys_block_once(world: World) -> None:
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "k", "k", 0)
        await settle()
        assert world.keyspace.blocking_keys == {(0, b"k"): 1}
        await world.push("RPUSH", "k", "a", "b")
    assert replies == [pair(b"k", b"a")]
    assert await world.push("LLEN", "k") == b":1\r\n"


# -- the non-blocking forms, in the AOF and in replies ---------------------------------------------


async def test_served_clients_propagate_the_non_blocking_form(world: World) -> None:
    waiters = [world.client() for _ in range(5)]
    commands = [
        ("BLPOP", "k", 0),
        ("BRPOP", "k", 0),
        ("BLMOVE", "k", "dst", "left", "right", 0),
        ("BRPOPLPUSH", "k", "dst", 0),
        ("BLMPOP", 0, 2, "other", "k", "right", "COUNT", 5),
    ]
    async with trio.open_nursery() as nursery:
        replies = []
        for client, args in zip(waiters, commands, strict=True):
            replies.append(world.start(nursery, client, *args))
            await settle()
        mark = len(world.aof)
        await world.push("RPUSH", "k", 1, 2, 3, 4, 5, 6, 7)
    assert [r[0] for r in replies] == [
        pair(b"k", b"1"), pair(b"k", b"7"), bulk(b"2"), bulk(b"6"),
        b"*2\r\n" + bulk(b"k") + b"*3\r\n" + bulk(b"5") + bulk(b"4") + bulk(b"3"),
    ]
    assert world.aof_since(mark) == [
        [b"RPUSH", b"k", b"1", b"2", b"3", b"4", b"5", b"6", b"7"],
        [b"LPOP", b"k"],
        [b"RPOP", b"k"],
        [b"LMOVE", b"k", b"dst", b"left", b"right"],  # spelled as given (as Redis 7.0.15)
        [b"RPOPLPUSH", b"k", b"dst"],
        [b"RPOP", b"k", b"3"],
    ]
    assert world.server.command_calls["blpop"] == 1  # blocked then served: one call
    assert await world.push("EXISTS", "k") == b":0\r\n"


async def test_blmpop_count_leaves_the_rest_to_the_next_waiter(world: World) -> None:
    first, second = world.client(), world.client()
    async with trio.open_nursery() as nursery:
        one = world.start(nursery, first, "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2)
        await settle()
        two = world.start(nursery, second, "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2)
        await settle()
        await world.push("RPUSH", "k", "a", "b", "c")
    assert one == [b"*2\r\n" + bulk(b"k") + b"*2\r\n" + bulk(b"a") + bulk(b"b")]
    assert two == [b"*2\r\n" + bulk(b"k") + b"*1\r\n" + bulk(b"c")]


async def test_blmove_chain_serves_the_destination_waiters(world: World) -> None:
    """Serving BLMOVE makes its destination ready: the loop serves its waiters too."""
    mover1, mover2, popper = world.client(), world.client(), world.client()
    async with trio.open_nursery() as nursery:
        r1 = world.start(nursery, mover1, "BLMOVE", "a", "b", "RIGHT", "LEFT", 0)
        await settle()
        r2 = world.start(nursery, mover2, "BRPOPLPUSH", "b", "c", 0)
        await settle()
        r3 = world.start(nursery, popper, "BLPOP", "c", 0)
        await settle()
        mark = len(world.aof)
        await world.push("RPUSH", "a", "x")
    assert (r1, r2, r3) == ([bulk(b"x")], [bulk(b"x")], [pair(b"c", b"x")])
    assert world.aof_since(mark) == [
        [b"RPUSH", b"a", b"x"],
        [b"LMOVE", b"a", b"b", b"RIGHT", b"LEFT"],
        [b"RPOPLPUSH", b"b", b"c"],
        [b"LPOP", b"c"],
    ]
    for key in ("a", "b", "c"):
        assert await world.push("EXISTS", key) == b":0\r\n"


async def test_blmove_onto_a_wrong_type_is_served_an_error(world: World) -> None:
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLMOVE", "a", "d", "LEFT", "LEFT", 0)
        await settle()
        await world.push("SADD", "d", "member")
        await world.push("RPUSH", "a", "x")
    assert replies == [b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"]
    assert await world.push("LLEN", "a") == b":1\r\n"
    assert client.blocked is None


# -- timeouts, MULTI, disconnects, CLIENT UNBLOCK -------------------------------------------------


async def test_timeout(world: World, autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    start = trio.current_time()
    assert await world.command(client, "BLPOP", "k", 1.5) == NULL_ARRAY
    assert trio.current_time() - start == pytest.approx(1.5)
    assert await world.command(client, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.25") == NULL_ARRAY
    assert await world.command(client, "BLMPOP", "0.01", 1, "k", "LEFT") == NULL_ARRAY
    assert len(world.server.blocked) == 0
    assert world.keyspace.blocking_keys == {}
    assert world.server.command_calls["blpop"] == 1


async def test_timeout_resp3(world: World, autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    await world.run(client, "HELLO", 3)
    assert await world.command(client, "BRPOPLPUSH", "k", "d", 2) == b"_\r\n"


async def test_zero_timeout_waits_forever(world: World, autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "k", 0)
        await trio.sleep(80_000)  # a long while (under a day)
        assert replies == []
        assert client.blocked is not None
        await world.push("LPUSH", "k", "late")
    assert replies == [pair(b"k", b"late")]


async def test_served_before_the_timeout(world: World, autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "k", 10)
        await trio.sleep(9)
        await world.push("RPUSH", "k", "v")
    assert replies == [pair(b"k", b"v")]


async def test_deny_blocking_answers_the_timeout_reply_at_once(world: World) -> None:
    """Inside EXEC (deny_blocking) nothing blocks; BLMOVE answers a null bulk string."""
    client = world.client()
    client.deny_blocking = True
    assert encode(await world.run_now(client, "BLPOP", "k", 0)) == NULL_ARRAY
    assert encode(await world.run_now(client, "BLMPOP", 0, 1, "k", "LEFT")) == NULL_ARRAY
    assert encode(await world.run_now(client, "BLMOVE", "k", "d", "LEFT", "LEFT", 0)) == b"$-1\r\n"
    assert encode(await world.run_now(client, "BRPOPLPUSH", "k", "d", 0)) == b"$-1\r\n"
    assert len(world.server.blocked) == 0
    assert world.keyspace.blocking_keys == {}


async def test_cancellation_leaves_nothing_behind(world: World) -> None:
    client = world.client()
    with trio.move_on_after(1) as scope:
        async with trio.open_nursery() as nursery:
            world.start(nursery, client, "BLPOP", "a", "b", 0)
            await settle()
            assert world.keyspace.blocking_keys == {(0, b"a"): 1, (0, b"b"): 1}
            scope.cancel()
    assert len(world.server.blocked) == 0
    assert world.keyspace.blocking_keys == {}
    await world.push("RPUSH", "a", "kept")
    assert await world.push("LLEN", "a") == b":1\r\n"


async def hold_lock(world: World, seconds: float, locked: trio.Event) -> None:
    """Another task keeps the keyspace lock busy (as a long operation would)."""
    async with world.keyspace.lock:
        locked.set()
        await trio.sleep(seconds)


async def test_cancelled_while_waiting_for_the_lock_after_timeout(
        world: World, autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    request = await world.run(client, "BLPOP", "k", 1)
    assert type(request) is BlockRequest
    async with trio.open_nursery() as nursery:
        locked = trio.Event()
        nursery.start_soon(hold_lock, world, 10, locked)
        await locked.wait()
        with trio.move_on_after(3):  # the timeout fires at 1, the lock stays busy until 10
            await wait_unblocked(client, request)
        assert world.keyspace.blocking_keys == {}
        assert client.blocked is None


async def test_served_while_waiting_for_the_lock_after_timeout(
        world: World, autojump_clock: trio.abc.Clock) -> None:
    """Timed out, but another command served the client before it got the lock: served."""
    client = world.client()
    request = await world.run(client, "BLPOP", "k", 1)
    assert type(request) is BlockRequest

    async def push_while_holding_lock() -> None:
        async with world.keyspace.lock:
            await trio.sleep(2)
            execute(world.producer, [b"RPUSH", b"k", b"v"])

    async with trio.open_nursery() as nursery:
        nursery.start_soon(push_while_holding_lock)
        await settle()
        reply = await wait_unblocked(client, request)
    assert encode(reply) == pair(b"k", b"v")


async def test_forget_client_on_close(world: World) -> None:
    client = world.client()
    request = await world.run(client, "BLPOP", "k", 0)
    assert type(request) is BlockRequest
    blocked_before_close = client.blocked  # a local: the hooks below change the attribute
    assert blocked_before_close is not None
    for hook in world.server.on_client_close:
        hook(client)
    assert client.blocked is None
    assert world.keyspace.blocking_keys == {}
    world.server.blocked.forget(client)  # idempotent


async def test_client_unblock(world: World) -> None:
    timeout_client, error_client = world.client(), world.client()
    assert not world.server.blocked.unblock(timeout_client, False)
    async with trio.open_nursery() as nursery:
        timed = world.start(nursery, timeout_client, "BLMOVE", "k", "d", "LEFT", "LEFT", 0)
        errored = world.start(nursery, error_client, "BLPOP", "k", 0)
        await settle()
        async with world.keyspace.lock:
            assert world.server.blocked.unblock(timeout_client, False)
            assert world.server.blocked.unblock(error_client, True)
            assert not world.server.blocked.unblock(error_client, True)
    assert timed == [NULL_ARRAY]
    assert errored == [b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"]
    assert world.keyspace.blocking_keys == {}


# -- requests that were not registered by their handler ----------------------------------------


async def test_bare_request_is_registered_by_wait(world: World) -> None:
    """A handler may return an unregistered BlockRequest; data that arrived meanwhile serves it."""
    client = world.client()
    request = BlockRequest([b"k"], 0, None, [b"BLPOP", b"k", b"0"])
    assert request.value_type is ListValue
    await world.push("RPUSH", "k", "early")  # before the client waits: nobody registered yet
    reply = await wait_unblocked(client, request)
    assert encode(reply) == pair(b"k", b"early")
    assert world.keyspace.blocking_keys == {}


async def test_bare_request_waits_and_times_out(world: World,
                                                autojump_clock: trio.abc.Clock) -> None:
    client = world.client()
    request = BlockRequest([b"k"], 2.0, None, [b"BLPOP", b"k", b"2"])
    async with trio.open_nursery() as nursery:
        result: list[Reply] = []

        async def wait() -> None:
            result.append(await wait_unblocked(client, request))

        nursery.start_soon(wait)
        await settle()
        assert client.blocked is not None
    assert result == [None]
    assert math.isclose(trio.current_time(), 2.0, abs_tol=0.01)


async def test_scan_database_for_ready_keys(world: World) -> None:
    """After SWAPDB-like changes, keys that now hold data serve their waiters."""

    client = world.client()
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, client, "BLPOP", "k", 0)
        await settle()
        async with world.keyspace.lock:
            value = ListValue()
            value.append(b"swapped")
            world.keyspace.databases[0].data[b"k"] = value  # as SWAPDB would bring it
            world.server.blocked.scan_database_for_ready_keys(1)
            assert world.keyspace.ready_keys == []
            world.server.blocked.scan_database_for_ready_keys(0)
            execute(world.producer, [b"PING"])
    assert replies == [pair(b"k", b"swapped")]


async def test_geo_stores_and_geoadd_wake_bzpopmin(world: World) -> None:
    """GEOSEARCHSTORE / GEORADIUS STORE create the destination (setKey's dbAdd signals it
    ready) and GEOADD is a ZADD: each serves a client blocked in BZPOPMIN on that key."""
    await world.push("GEOADD", "src", "13.361389", "38.115556", "Palermo")
    clients = [world.client() for _ in range(3)]
    async with trio.open_nursery() as nursery:
        replies = [world.start(nursery, client, "BZPOPMIN", key, 0)
                   for client, key in zip(clients, ("d1", "d2", "d3"), strict=True)]
        await settle()
        await world.push("GEOSEARCHSTORE", "d1", "src", "FROMMEMBER", "Palermo", "BYRADIUS", 1,
                         "km")
        await world.push("GEORADIUS", "src", 13, 38, 100, "km", "STORE", "d2")
        await world.push("GEOADD", "d3", 1, 2, "m")
    assert [reply[0].count(b"Palermo") for reply in replies[:2]] == [1, 1]
    assert b"$1\r\nm\r\n" in replies[2][0]
