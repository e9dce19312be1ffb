"""The tracking registry in-process: the table, the prefixes, the hot-path switch, clean-up.

No sockets: clients are ``Client`` objects whose pushes are collected in lists, commands run
through ``dispatch.execute`` as a connection runs them, with ``tracking.current`` and
``end_cycle`` where a connection's batch sets and ends them.
"""

from __future__ import annotations

from typing import Any

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.protocol.writer import Reply, encode
from godis.state import ServerState


class World:
    def __init__(self) -> None:
        load_all()
        self.server = ServerState(Config(appendonly=False))
        self.tracking = self.server.tracking
        self.pushed: dict[int, list[bytes]] = {}

    def client(self, resp: int = 3) -> Client:
        client = Client(self.server, address="127.0.0.1:1")
        client.resp = resp
        self.server.clients[client.id] = client
        pushed = self.pushed[client.id] = []
        client.push = lambda reply: pushed.append(encode(reply, client.resp))
        return client

    def run(self, client: Client, *args: str) -> Reply:
        """One command as one batch of its connection."""
        self.tracking.current = client
        try:
            reply = execute(client, [arg.encode() for arg in args])
            assert not isinstance(reply, BlockRequest)
            if self.tracking.pending:
                self.tracking.flush_pending()
            if self.server.keyspace.tracking is not None:
                self.tracking.end_cycle()
            return reply
        finally:
            self.tracking.current = None

    def close(self, client: Client) -> None:
        self.server.clients.pop(client.id, None)
        for hook in self.server.on_client_close:
            hook(client)


def invalidate(*keys: bytes) -> bytes:
    body = b"".join(b"$%d\r\n%s\r\n" % (len(key), key) for key in keys)
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n%s" % (len(keys), body)


def test_no_tracking_keeps_the_switch_off() -> None:
    world = World()
    plain = world.client()
    world.run(plain, "SET", "a", "1")
    world.run(plain, "GET", "a")
    assert world.server.keyspace.tracking is None
    assert world.tracking.table == {}


def test_switch_follows_clients_and_table() -> None:
    world = World()
    reader = world.client()
    world.run(reader, "CLIENT", "TRACKING", "on")
    assert world.server.keyspace.tracking is world.tracking
    world.run(reader, "GET", "a")
    world.run(reader, "CLIENT", "TRACKING", "off")
    # the entry stays (lazy clean-up, as Redis): invalidation still has work to do
    assert world.tracking.table == {b"a": {reader.id: None}}
    assert world.server.keyspace.tracking is world.tracking
    writer = world.client()
    world.run(writer, "SET", "a", "1")
    assert world.pushed[reader.id] == []  # no longer tracking: nothing sent
    assert world.tracking.table == {}
    assert world.server.keyspace.tracking is None


def test_table_counts_keys_and_items() -> None:
    world = World()
    first, second = world.client(), world.client()
    for client in (first, second):
        world.run(client, "CLIENT", "TRACKING", "on")
    world.run(first, "MGET", "a", "b")
    world.run(second, "GET", "a")
    world.run(second, "GET", "a")
    assert len(world.tracking.table) == 2
    assert world.tracking.total_items == 3
    world.run(first, "SET", "a", "1")
    assert world.pushed[second.id] == [invalidate(b"a")]
    assert world.pushed[first.id] == [invalidate(b"a")]  # its own write, after the reply
    assert world.tracking.total_items == 1


def test_write_commands_are_not_remembered() -> None:
    world = World()
    client = world.client()
    world.run(client, "CLIENT", "TRACKING", "on")
    world.run(client, "SET", "a", "1")
    world.run(client, "INCR", "n")
    assert world.tracking.table == {}


def test_own_invalidation_waits_for_the_reply() -> None:
    world = World()
    client = world.client()
    world.run(client, "CLIENT", "TRACKING", "on")
    world.run(client, "GET", "a")
    world.tracking.current = client
    execute(client, [b"SET", b"a", b"1"])
    assert world.pushed[client.id] == []  # pending until the connection wrote the reply
    assert world.tracking.pending == [b"a"]
    world.tracking.flush_pending()
    assert world.pushed[client.id] == [invalidate(b"a")]


def test_bcast_batches_per_cycle_in_key_order() -> None:
    world = World()
    watcher, writer = world.client(), world.client()
    world.run(watcher, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "u:", "PREFIX", "j:")
    world.tracking.current = writer
    for key in (b"u:2", b"j:1", b"u:1", b"x", b"u:2"):
        execute(writer, [b"SET", key, b"v"])
    assert world.pushed[watcher.id] == []
    world.tracking.end_cycle()
    assert world.pushed[watcher.id] == [invalidate(b"j:1"), invalidate(b"u:1", b"u:2")]
    world.tracking.end_cycle()
    assert len(world.pushed[watcher.id]) == 2  # the keys went out once


class _NoWalk(dict[bytes, object]):
    def items(self) -> Any:
        raise AssertionError("a write walked every BCAST prefix")


def test_bcast_with_many_prefixes_looks_up_the_keys_own_prefixes() -> None:
    """With more prefixes than a key has bytes, a write looks up each of its key's prefixes
    (Redis walks a rax) instead of testing every registered prefix: O(len(key)), not
    O(prefixes); the prefix table is swapped for one whose walk fails. Overlapping prefixes
    of two clients ("" and "u:1") both see the key."""
    world = World()
    watchers = [world.client() for _ in range(3)]
    writer = world.client()
    world.run(watchers[0], "CLIENT", "TRACKING", "on", "BCAST",
              *(arg for i in range(200) for arg in ("PREFIX", f"p{i}:")))
    world.run(watchers[1], "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "u:1")
    world.run(watchers[2], "CLIENT", "TRACKING", "on", "BCAST")  # the empty prefix
    table = _NoWalk(world.tracking.prefixes)
    world.tracking.prefixes = table  # type: ignore[assignment]
    world.tracking.current = writer
    for key in (b"p7:a", b"u:12", b"p199:", b"p2", b"zz"):
        execute(writer, [b"SET", key, b"v"])
    world.tracking.prefixes = dict(table)  # type: ignore[arg-type]
    world.tracking.end_cycle()
    assert world.pushed[watchers[0].id] == [invalidate(b"p199:"), invalidate(b"p7:a")]
    assert world.pushed[watchers[1].id] == [invalidate(b"u:12")]
    assert world.pushed[watchers[2].id] == [
        invalidate(b"p199:", b"p2", b"p7:a", b"u:12", b"zz")]  # in key order


def test_disconnect_cleans_up() -> None:
    world = World()
    client = world.client()
    world.run(client, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b")
    other = world.client()
    world.run(other, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a")
    assert world.tracking.clients == 2
    assert sorted(world.tracking.prefixes) == [b"a", b"b"]
    world.close(client)
    assert world.tracking.clients == 1
    assert sorted(world.tracking.prefixes) == [b"a"]
    assert client.tracking is None
    world.close(other)
    assert world.tracking.prefixes == {}
    assert world.server.keyspace.tracking is None


def test_script_reads_are_tracked_for_the_caller() -> None:
    world = World()
    client = world.client()
    world.run(client, "CLIENT", "TRACKING", "on")
    world.run(client, "EVAL", "return redis.call('GET', KEYS[1])", "1", "k")
    world.run(client, "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "ro")
    assert world.tracking.table == {b"k": {client.id: None}, b"ro": {client.id: None}}
    world.run(client, "FCALL_RO", "nosuchfunction", "1", "fc")
    assert b"fc" not in world.tracking.table


def test_flush_sends_null_to_every_tracking_client() -> None:
    world = World()
    tracker, bcast, plain = world.client(), world.client(2), world.client()
    world.run(tracker, "CLIENT", "TRACKING", "on")
    world.run(bcast, "CLIENT", "TRACKING", "on", "BCAST")
    world.run(tracker, "GET", "a")
    world.run(plain, "FLUSHALL")
    assert world.pushed[tracker.id] == [b">2\r\n$10\r\ninvalidate\r\n_\r\n"]
    assert world.pushed[bcast.id] == []  # RESP2 without a redirect: nothing can be sent
    assert world.pushed[plain.id] == []
    assert world.tracking.table == {}


def test_table_limit_evicts_with_invalidations() -> None:
    world = World()
    world.server.config.set_text("tracking-table-max-keys", "3")
    client = world.client()
    world.run(client, "CLIENT", "TRACKING", "on")
    world.run(client, "MGET", *[f"k{i}" for i in range(10)])
    assert len(world.tracking.table) == 10
    world.run(client, "PING")
    assert len(world.tracking.table) == 3
    assert len(world.pushed[client.id]) == 7


def test_info_and_client_list() -> None:
    world = World()
    client = world.client(2)
    world.run(client, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p")
    info = world.run(client, "INFO")
    assert isinstance(info, bytes)
    text = info.decode()
    assert "tracking_clients:1" in text
    assert "tracking_total_prefixes:1" in text
    assert "flags=tB " in client.info_line()
    assert " redir=0 " in client.info_line()
