"""Pub/Sub commands against real redis-server, byte for byte, in RESP2 and RESP3.

godis runs in-process (``GodisDirect``): a (P|S)SUBSCRIBE's several confirmations come back as
one reply, so :class:`PubSubDiffer` reads as many replies from redis-server as godis produced,
then syncs both with a PING (which would expose any extra reply on either side). Messages that
PUBLISH delivers to *other* clients are collected from ``Client.push`` on the godis side and
read from a second socket on the redis side.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from godis.client import Client
from godis.commands import pubsub as pubsub_module
from godis.commands.pubsub import is_subscribed, shard_channel_count, unsubscribe_all
from godis.dispatch import execute
from godis.glob import GlobPattern, compile_glob
from godis.protocol.writer import Reply, encode
from godis.table import COMMANDS
from tests.support.differential import GodisDirect, execute_now
from tests.support.resp import RespConnection, as_list, encode_command, parse_reply, reply_end
from tests.support.stateful import run_as_test


def split_replies(raw: bytes) -> list[bytes]:
    """Raw RESP bytes cut into one item per reply."""
    replies = []
    pos = 0
    while pos < len(raw):
        end = reply_end(raw, pos)
        assert end > 0, f"incomplete reply in {raw!r}"
        replies.append(raw[pos:end])
        pos = end
    return replies


def _unordered(replies: list[bytes]) -> object:
    """Confirmations: (kinds and counts in order, channel names sorted); else sorted arrays."""
    parsed = [parse_reply(reply) for reply in replies]
    if len(parsed) == 1 and isinstance(parsed[0], list) and parsed[0][:1] != [b"unsubscribe"]:
        return sorted(repr(item) for item in parsed[0])
    shapes = [reply.split(b"\r\n", 1)[0] for reply in replies]  # *3 or >3
    items = [_payload(item) for item in parsed]
    return (shapes, [(item[0], item[2]) for item in items], sorted(item[1] for item in items))


def _payload(item: object) -> Sequence[Any]:
    """A parsed confirmation's [kind, channel, count] (a RESP3 push's items)."""
    payload = item[1] if isinstance(item, tuple) else item
    assert isinstance(payload, Sequence), payload
    return payload


class Side:
    """One client on each server: a godis ``Client`` and a redis-server socket."""

    def __init__(self, godis: GodisDirect, redis_port: int, resp: int) -> None:
        self.godis = godis
        self.client = Client(godis.server, address="127.0.0.1:2")
        godis.server.clients[self.client.id] = self.client
        self.pushed: list[bytes] = []
        self.client.push = self._collect
        self.redis = RespConnection("127.0.0.1", redis_port)
        if resp == 3:
            self.call("HELLO", "3")

    def _collect(self, reply: Reply) -> None:
        self.pushed.append(encode(reply, self.client.resp))

    def godis_call(self, *args: bytes | str | int) -> bytes:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return encode(execute_now(self.client, argv), self.client.resp)

    def call(self, *args: bytes | str | int) -> tuple[list[bytes], list[bytes]]:
        """Send to both; (godis output, redis output), as many replies from redis as godis gave.

        Messages pushed to this client since its last command (or by it) come first, as on
        its socket.
        """
        replies = split_replies(self.godis_call(*args))
        mine, self.pushed = self.pushed + replies, []  # pushed during the command, too
        self.redis.send_raw(encode_command(*args))
        theirs = [self.redis.read_reply() for _ in mine]
        return mine, theirs

    def check(self, *args: bytes | str | int) -> list[bytes]:
        mine, theirs = self.call(*args)
        assert mine == theirs, f"{args!r}: godis {mine!r} != redis {theirs!r}"
        self.sync()
        return mine

    def check_unordered(self, *args: bytes | str | int) -> list[bytes]:
        """For replies whose order Redis leaves to its hash tables (UNSUBSCRIBE of all, PUBSUB
        CHANNELS): the same elements in any order, and for confirmations the same counts."""
        mine, theirs = self.call(*args)
        assert _unordered(mine) == _unordered(theirs), (
            f"{args!r}: godis {mine!r} != redis {theirs!r}")
        self.sync()
        return mine

    def sync(self) -> None:
        """PING both: equal replies also prove neither side had more replies pending."""
        mine, theirs = self.call("PING", "sync")
        assert mine == theirs, f"after the command: godis {mine!r} != redis {theirs!r}"

    def messages(self) -> tuple[list[bytes], list[bytes]]:
        """(godis pushes so far, as many redis pushes), both cleared."""
        mine, self.pushed = self.pushed, []
        return mine, [self.redis.read_reply() for _ in mine]

    def close(self) -> None:
        self.redis.close()


class PubSubDiffer:
    """Two clients (``a`` and ``b``) on one godis and on one redis-server."""

    def __init__(self, redis_port: int, resp: int) -> None:
        self.godis = GodisDirect()
        self.a = Side(self.godis, redis_port, resp)
        self.b = Side(self.godis, redis_port, resp)
        self.a.redis.call("FLUSHALL")

    def close(self) -> None:
        self.a.close()
        self.b.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def ps(request: pytest.FixtureRequest, redis_port: int) -> Iterator[PubSubDiffer]:
    differ = PubSubDiffer(redis_port, request.param)
    try:
        yield differ
    finally:
        differ.close()


@pytest.fixture
def ps2(redis_port: int) -> Iterator[PubSubDiffer]:
    differ = PubSubDiffer(redis_port, 2)
    try:
        yield differ
    finally:
        differ.close()


@pytest.fixture
def ps3(redis_port: int) -> Iterator[PubSubDiffer]:
    differ = PubSubDiffer(redis_port, 3)
    try:
        yield differ
    finally:
        differ.close()


# -- confirmations ------------------------------------------------------------------------------


def test_unsubscribe_without_subscriptions(ps: PubSubDiffer) -> None:
    a = ps.a
    assert len(a.check("UNSUBSCRIBE")) == 1
    a.check("PUNSUBSCRIBE")
    a.check("SUNSUBSCRIBE")
    a.check("UNSUBSCRIBE", "a", "b")
    a.check("PUNSUBSCRIBE", "x*")
    a.check("SUNSUBSCRIBE", "s")


def test_subscribe_counts_repeats_and_mixed_kinds(ps: PubSubDiffer) -> None:
    a = ps.a
    assert len(a.check("SUBSCRIBE", "a", "b", "a")) == 3
    a.check("PSUBSCRIBE", "p*", "p*", "q?")
    a.check("SSUBSCRIBE", "s1", "s2", "s1")  # shard channels count on their own
    a.check("SUBSCRIBE", "c")
    a.check("UNSUBSCRIBE", "a", "nope", "a")
    a.check("PUNSUBSCRIBE", "q?", "zz")
    a.check("SUNSUBSCRIBE", "s2", "s9")
    a.check("SUNSUBSCRIBE")
    a.check_unordered("UNSUBSCRIBE")
    a.check("PUNSUBSCRIBE")
    a.check("UNSUBSCRIBE")
    assert not is_subscribed(a.client)


def test_binary_and_empty_channel_names(ps: PubSubDiffer) -> None:
    a = ps.a
    a.check("SUBSCRIBE", b"\x00\xff bin\r\n", b"")
    a.check("PSUBSCRIBE", b"\xfe*", b"")
    a.check_unordered("UNSUBSCRIBE")
    a.check("PUNSUBSCRIBE")


def test_punsubscribe_all_goes_in_subscription_order(ps: PubSubDiffer) -> None:
    """Redis keeps a client's patterns in a list: the order is deterministic."""
    ps.b.check("PSUBSCRIBE", "b*", "a*")  # already known to the server in another order
    a = ps.a
    a.check("PSUBSCRIBE", "z*", "a*", "m*", "b*")
    a.check("PUNSUBSCRIBE", "m*")
    a.check("PSUBSCRIBE", "m*", "c*")
    a.check("PUNSUBSCRIBE")
    a.check("PUNSUBSCRIBE")


def test_unsubscribe_all_reports_every_channel(ps: PubSubDiffer) -> None:
    a = ps.a
    a.check("SUBSCRIBE", *[f"ch{i}" for i in range(20)])
    a.check("PSUBSCRIBE", "p1", "p2")
    replies = a.check_unordered("UNSUBSCRIBE")
    assert len(replies) == 20
    a.check("PUNSUBSCRIBE")


def test_arity_errors(ps: PubSubDiffer) -> None:
    a = ps.a
    for name in ("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "PUBLISH", "SPUBLISH", "PUBSUB"):
        a.check(name)
    a.check("PUBLISH", "ch")
    a.check("PUBLISH", "ch", "m", "extra")
    a.check("SPUBLISH", "ch", "m", "extra")


# -- the RESP2 subscribed context ---------------------------------------------------------------


def test_resp2_subscribed_context_allows_only_pubsub_commands(ps2: PubSubDiffer) -> None:
    a = ps2.a
    a.check("SUBSCRIBE", "ch")
    for command in (("GET", "k"), ("SET", "k", "v"), ("PUBLISH", "ch", "m"),
                    ("SPUBLISH", "ch", "m"), ("PUBSUB", "NUMSUB", "ch"), ("PUBSUB", "HELP"),
                    ("ECHO", "x"), ("SELECT", "1"), ("HELLO", "2")):
        a.check(*command)
    a.check("PING")
    a.check("PING", "hello")
    a.check("NOSUCHCOMMAND", "x")  # unknown commands are unknown first
    a.check("UNSUBSCRIBE")
    a.check("GET", "k")
    a.check("PING")


def test_resp2_pattern_and_shard_subscriptions_enter_the_context(ps2: PubSubDiffer) -> None:
    a = ps2.a
    a.check("PSUBSCRIBE", "p*")
    a.check("GET", "k")
    a.check("PUNSUBSCRIBE")
    a.check("GET", "k")


def test_resp2_shard_subscription_enters_the_context(ps2: PubSubDiffer) -> None:
    a = ps2.a
    a.check("SSUBSCRIBE", "s")
    a.check("GET", "k")
    a.check("PING")
    a.check("SUNSUBSCRIBE")
    a.check("GET", "k")


def test_resp3_subscribed_client_runs_anything(ps3: PubSubDiffer) -> None:
    a = ps3.a
    a.check("SUBSCRIBE", "ch")
    a.check("SET", "k", "v")
    a.check("GET", "k")
    a.check("PING")
    a.check("PING", "x")
    a.check("PUBSUB", "NUMSUB", "ch")


def test_hello_switches_the_shapes_of_later_confirmations(ps3: PubSubDiffer) -> None:
    a = ps3.a
    a.check("SUBSCRIBE", "ch")
    mine, theirs = a.call("HELLO", "2")  # client ids differ; the protocol switch is the point
    assert len(mine) == len(theirs) == 1
    a.check("SUBSCRIBE", "ch2")
    a.check("GET", "k")
    a.check_unordered("UNSUBSCRIBE")


def test_subscribe_inside_exec(ps: PubSubDiffer) -> None:
    """SUBSCRIBE's confirmations land inside EXEC's array; SSUBSCRIBE is refused there."""
    if b"multi" not in COMMANDS:
        pytest.skip("MULTI is not implemented yet")
    a = ps.a
    a.check("MULTI")
    a.check("SUBSCRIBE", "m1", "m2")
    a.check("SSUBSCRIBE", "s")
    a.check("EXEC")
    a.check("PING")
    a.check_unordered("UNSUBSCRIBE")


# -- PUBLISH and delivery -----------------------------------------------------------------------


def test_publish_counts_channel_and_pattern_receivers(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    b.check("PUBLISH", "news", "nobody")
    a.check("SUBSCRIBE", "news")
    b.check("PUBLISH", "news", "hello")
    a.check("PSUBSCRIBE", "n*", "new?", "x*")
    b.check("PUBLISH", "news", "both ways")  # one client, three deliveries
    mine, theirs = a.messages()
    assert len(mine) == 3
    assert mine[0] == theirs[0]  # the channel first, then patterns in the registry's order
    assert sorted(mine) == sorted(theirs)
    b.check("PUBLISH", "next", "patterns only")
    b.check("PUBLISH", "other", "nobody")
    mine, theirs = a.messages()
    assert len(mine) == 1
    assert mine == theirs


def test_messages_keep_binary_payloads(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    a.check("SUBSCRIBE", b"c\x00h")
    a.check("PSUBSCRIBE", b"c*")
    payload = bytes(range(256)) * 3
    b.check("PUBLISH", b"c\x00h", payload)
    b.check("PUBLISH", b"c\x00h", b"")
    mine, theirs = a.messages()
    assert mine == theirs
    assert len(mine) == 4
    assert payload in mine[0]


def test_glob_patterns_match_as_redis(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    a.check("PSUBSCRIBE", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "*")
    for channel in ("hello", "hallo", "hxllo", "hbllo", "h*llo", "hllo", "heello"):
        b.check("PUBLISH", channel, "m")
        mine, theirs = a.messages()
        assert sorted(mine) == sorted(theirs)  # Redis walks its patterns in hash order


def test_delivery_order_follows_subscription_order(redis_port: int) -> None:
    godis = GodisDirect()
    order: list[int] = []
    clients = []
    for index in range(5):
        client = Client(godis.server)

        def push(reply: Reply, index: int = index) -> None:
            order.append(index)

        client.push = push
        clients.append(client)
    for index in (3, 1, 4, 0, 2):
        execute(clients[index], [b"SUBSCRIBE", b"ch"])
    assert execute(godis.client, [b"PUBLISH", b"ch", b"m"]) == 5
    assert order == [3, 1, 4, 0, 2]


def test_publish_compiles_each_pattern_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """With more patterns than glob's 512-entry LRU cache, a PUBLISH must not recompile every
    pattern: the server keeps each subscribed pattern's matcher (counted through
    ``pubsub.compile_glob``), and drops the matchers of patterns nobody holds any more."""
    compiled: list[bytes] = []

    def counting(pattern: bytes, nocase: bool = False) -> GlobPattern:
        compiled.append(pattern)
        return compile_glob(pattern, nocase)

    monkeypatch.setattr(pubsub_module, "compile_glob", counting)
    godis = GodisDirect()
    subscriber = Client(godis.server)
    received: list[Reply] = []
    subscriber.push = received.append
    patterns = [b"p%d*" % i for i in range(2000)] + [b"chan?"]
    execute(subscriber, [b"PSUBSCRIBE", *patterns])
    for _ in range(5):
        assert execute(godis.client, [b"PUBLISH", b"chan1", b"m"]) == 1
    assert len(compiled) == len(patterns)
    assert len(received) == 5
    execute(subscriber, [b"PUNSUBSCRIBE", *patterns[:1500]])
    assert execute(godis.client, [b"PUBLISH", b"p1999x", b"m"]) == 1
    assert set(godis.server.pattern_matchers) == set(godis.server.patterns)


def test_shard_channels_are_a_separate_namespace(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    a.check("PSUBSCRIBE", "*")  # first: godis's RESP2 PING ignores shard-only subscribers
    a.check("SSUBSCRIBE", "ch")
    b.check("SPUBLISH", "ch", "shard")  # patterns never see shard messages
    b.check("PUBLISH", "ch", "plain")  # shard subscribers never see plain messages
    b.check("SPUBLISH", "other", "nobody")
    b.check("PUBSUB", "SHARDCHANNELS")
    b.check("PUBSUB", "CHANNELS")
    b.check("PUBSUB", "SHARDNUMSUB", "ch", "other")
    b.check("PUBSUB", "NUMSUB", "ch")
    mine, theirs = a.messages()
    assert mine == theirs
    assert len(mine) == 2
    assert shard_channel_count(ps.godis.server) == 1


def test_command_info_positions_and_flags(ps: PubSubDiffer) -> None:
    """Arity, flags and the legacy key triple (cluster clients route SPUBLISH by it).

    Redis marks the shard channels ``not_key`` in their key specs, so its COMMAND GETKEYS
    finds no keys there; godis's table has no such flag (see the report).
    """
    names = ("subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish", "ssubscribe",
             "sunsubscribe", "spublish", "pubsub")
    for name in names:
        mine, theirs = ps.b.call("COMMAND", "INFO", name)
        ours = as_list(as_list(parse_reply(mine[0]))[0])
        real = as_list(as_list(parse_reply(theirs[0]))[0])
        assert ours[:2] == real[:2], name
        assert _elements(ours[2]) == _elements(real[2]), name  # flags: a set, any order
        assert ours[3:6] == real[3:6], name


def _elements(value: object) -> list[object]:
    """A parsed array or set (``("~", items)`` in RESP3), sorted."""
    items = value[1] if isinstance(value, tuple) else value
    assert isinstance(items, list), items
    return sorted(items)


# -- PUBSUB -------------------------------------------------------------------------------------


def test_pubsub_introspection(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    b.check("PUBSUB", "CHANNELS")
    b.check("PUBSUB", "NUMPAT")
    b.check("PUBSUB", "NUMSUB")
    b.check("PUBSUB", "NUMSUB", "a", "a", "zz")
    a.check("SUBSCRIBE", "news.tech", "news.art", "sport")
    a.check("PSUBSCRIBE", "news.*", "x*")
    b.check_unordered("PUBSUB", "CHANNELS")
    b.check_unordered("PUBSUB", "CHANNELS", "news.*")
    b.check("PUBSUB", "CHANNELS", "nomatch*")
    b.check("PUBSUB", "NUMSUB", "news.tech", "news.*", "nope")
    b.check("PUBSUB", "NUMPAT")
    b.check("PUBSUB", "SHARDCHANNELS")
    b.check("PUBSUB", "SHARDNUMSUB", "news.tech")
    if b.client.resp == 3:  # b may subscribe too without leaving the command context
        b.check("SUBSCRIBE", "sport")
        b.check("PSUBSCRIBE", "x*")
        b.check("PUBSUB", "NUMSUB", "sport")
        b.check("PUBSUB", "NUMPAT")
    a.check("UNSUBSCRIBE", "news.art")
    b.check_unordered("PUBSUB", "CHANNELS")
    a.check("PUNSUBSCRIBE", "x*")
    b.check("PUBSUB", "NUMPAT")


def test_pubsub_errors_and_help(ps: PubSubDiffer) -> None:
    b = ps.b
    b.check("PUBSUB", "HELP")
    b.check("PUBSUB", "help")
    b.check("PUBSUB", "HELP", "x")
    b.check("PUBSUB", "CHANNELS", "a", "b")
    b.check("PUBSUB", "SHARDCHANNELS", "a", "b")
    b.check("PUBSUB", "NUMPAT", "x")
    b.check("PUBSUB", "NOSUCH")
    b.check("PUBSUB", "numsub", "x")


def test_empty_channels_leave_the_registry(ps: PubSubDiffer) -> None:
    a, b = ps.a, ps.b
    server = ps.godis.server
    a.check("SUBSCRIBE", "x", "y")
    a.check("PSUBSCRIBE", "p*")
    a.check("SSUBSCRIBE", "s")
    a.check("UNSUBSCRIBE", "x")
    a.check("PUNSUBSCRIBE", "p*")
    a.check("SUNSUBSCRIBE", "s")
    assert list(server.channels) == [b"y"]
    assert server.patterns == {}
    assert shard_channel_count(server) == 0
    b.check("PUBSUB", "CHANNELS")
    b.check("PUBSUB", "NUMPAT")
    info = b.godis_call("INFO", "stats")
    assert b"pubsub_channels:1\r\n" in info
    assert b"pubsub_patterns:0\r\n" in info


# -- disconnects and RESET ----------------------------------------------------------------------


def test_disconnect_hook_removes_every_subscription() -> None:
    godis = GodisDirect()
    server = godis.server
    leaving = Client(server)
    staying = Client(server)
    for client in (leaving, staying):
        execute(client, [b"SUBSCRIBE", b"shared", b"own%d" % client.id])
        execute(client, [b"PSUBSCRIBE", b"p*"])
        execute(client, [b"SSUBSCRIBE", b"s"])
    assert server.on_client_close.count(unsubscribe_all) == 1  # installed once
    for hook in server.on_client_close:
        hook(leaving)
    assert not is_subscribed(leaving)
    assert set(server.channels) == {b"shared", b"own%d" % staying.id}
    assert list(server.channels[b"shared"]) == [staying]
    assert list(server.patterns[b"p*"]) == [staying]
    assert shard_channel_count(server) == 1
    for hook in server.on_client_close:
        hook(staying)
    assert server.channels == {}
    assert server.patterns == {}
    assert shard_channel_count(server) == 0
    assert execute(godis.client, [b"PUBLISH", b"shared", b"m"]) == 0


def test_unsubscribe_all_is_silent_and_idempotent() -> None:
    godis = GodisDirect()
    client = godis.client
    pushed: list[Reply] = []
    client.push = pushed.append
    unsubscribe_all(client)  # nothing to drop
    execute(client, [b"SUBSCRIBE", b"a"])
    unsubscribe_all(client)
    unsubscribe_all(client)
    assert pushed == []
    assert client.subscription_count == 0
    assert encode(execute_now(client, [b"GET", b"k"])) == b"$-1\r\n"  # out of the context


# -- random sequences ---------------------------------------------------------------------------

CHANNEL_NAMES = st.sampled_from(["a", "b", "ab", "ba", "c"])
PATTERNS = st.sampled_from(["a*", "?", "[ab]*", "*", "b?", "x*"])


class PubSubMachine(RuleBasedStateMachine):
    """Random (un)subscriptions and publishes from three clients (RESP2 and RESP3
    subscribers, a RESP2 publisher), on godis and redis-server; every reply and every message
    compared (messages of one PUBLISH as a multiset: Redis walks patterns in hash order)."""

    redis_port = 0

    def __init__(self) -> None:
        super().__init__()
        godis = GodisDirect()
        self.sides = [Side(godis, self.redis_port, 2), Side(godis, self.redis_port, 3)]
        self.publisher = Side(godis, self.redis_port, 2)
        self.publisher.redis.call("FLUSHALL")

    def teardown(self) -> None:
        for side in (*self.sides, self.publisher):
            side.close()

    @rule(who=st.integers(0, 1), channels=st.lists(CHANNEL_NAMES, min_size=1, max_size=3))
    def subscribe(self, who: int, channels: list[str]) -> None:
        self.sides[who].check("SUBSCRIBE", *channels)

    @rule(who=st.integers(0, 1), channels=st.lists(CHANNEL_NAMES, max_size=3))
    def unsubscribe(self, who: int, channels: list[str]) -> None:
        self.sides[who].check_unordered("UNSUBSCRIBE", *channels)

    @rule(who=st.integers(0, 1), patterns=st.lists(PATTERNS, min_size=1, max_size=3))
    def psubscribe(self, who: int, patterns: list[str]) -> None:
        self.sides[who].check("PSUBSCRIBE", *patterns)

    @rule(who=st.integers(0, 1), patterns=st.lists(PATTERNS, max_size=3))
    def punsubscribe(self, who: int, patterns: list[str]) -> None:
        self.sides[who].check("PUNSUBSCRIBE", *patterns)

    @rule(channel=CHANNEL_NAMES, by_subscriber=st.booleans())
    def publish(self, channel: str, by_subscriber: bool) -> None:
        publisher = self.sides[1] if by_subscriber else self.publisher  # RESP3 may publish
        mine, theirs = publisher.call("PUBLISH", channel, "m")
        assert sorted(mine) == sorted(theirs)
        for side in self.sides:
            mine, theirs = side.messages()
            assert sorted(mine) == sorted(theirs)
            side.sync()

    @rule(pattern=st.sampled_from(["", "*", "a*", "?"]))
    def introspect(self, pattern: str) -> None:
        self.publisher.check_unordered("PUBSUB", "CHANNELS", *([pattern] if pattern else []))
        self.publisher.check("PUBSUB", "NUMPAT")
        self.publisher.check("PUBSUB", "NUMSUB", "a", "b", "ab", "c")


def test_random_pubsub_sequences(redis_port: int) -> None:
    PubSubMachine.redis_port = redis_port
    run_as_test(
        PubSubMachine,
        settings=settings(max_examples=30, stateful_step_count=30, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )


def test_nested_star_patterns_finish_as_in_redis(ps: PubSubDiffer) -> None:
    """Issue 10 defect 1: ``a*a*...a*b`` against a run of ``a``s must not backtrack forever."""
    a, b = ps.a, ps.b
    a.check("PSUBSCRIBE", b"a*" * 40 + b"b", b"a*" * 40)
    b.check("PUBLISH", b"a" * 100, "m")
    b.check("PUBLISH", b"a" * 100 + b"b", "m")
    b.check("PUBSUB", "NUMPAT")
    mine, theirs = a.messages()
    assert sorted(mine) == sorted(theirs)
    assert len(mine) == 3
