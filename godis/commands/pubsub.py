"""Pub/Sub: SUBSCRIBE, PUBLISH, PSUBSCRIBE, SSUBSCRIBE, PUBSUB ... (Redis 7.0's pubsub.c).

Two registries mirror each other, as in Redis: the server maps a channel (or pattern) to its
subscribed clients in subscription order (``dict[Client, None]``, so PUBLISH delivers in that
order), and each client keeps the channels it is subscribed to. A channel without subscribers
is removed at once, so ``PUBSUB CHANNELS`` and INFO's ``pubsub_channels`` count live ones only.

Shard channels (SSUBSCRIBE/SPUBLISH) are, in a non-cluster server, just a second channel
namespace that patterns never match; Redis models the two with one ``pubsubtype`` struct, and
:class:`_Namespace` is that struct here.

A (P|S)SUBSCRIBE produces one confirmation per argument. The handler returns them all encoded
back to back in one :class:`Raw` reply, so they are written in order with the other replies of
the batch (``client.push`` would send them ahead of replies still waiting in the batch buffer).
Messages to *other* clients go through their ``push`` (buffered by their connection, bounded
by ``client-output-buffer-limit pubsub``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from godis.client import Client
from godis.errors import CommandError
from godis.glob import compile_glob, glob_match
from godis.protocol.writer import Push, Pushed, Raw, Reply, Status, encode, write_reply
from godis.table import command, container

if TYPE_CHECKING:
    from godis.state import ServerState

Subscribers = dict[Client, None]
Registry = dict[bytes, Subscribers]


# -- the registries ----------------------------------------------------------------------------


def _client_subscriptions(client: Client, attribute: str) -> dict[bytes, None]:
    """The client's subscriptions of one kind (``channels``, ``patterns``, ``shard_channels``)."""
    subscriptions: dict[bytes, None] = getattr(client, attribute)
    return subscriptions


def _server_registry(server: ServerState, attribute: str) -> Registry:
    """The server's channel (or pattern) -> subscribers registry of one kind."""
    registry: Registry = getattr(server, attribute)
    return registry


def shard_channel_count(server: ServerState) -> int:
    """INFO's ``pubsubshard_channels``."""
    return len(server.shard_channels)


def is_subscribed(client: Client) -> bool:
    """Whether the client is in the subscribed context (Redis's CLIENT_PUBSUB flag)."""
    return client.subscribed


class _Namespace:
    """Redis's ``pubsubtype``: where one kind of channel lives and what its messages say."""

    __slots__ = ("attribute", "message", "shard", "subscribe", "unsubscribe")

    def __init__(self, attribute: str, kind: bytes, *, shard: bool) -> None:
        self.attribute = attribute  # on both Client and ServerState
        self.subscribe = kind + b"subscribe"
        self.unsubscribe = kind + b"unsubscribe"
        self.message = kind + b"message"
        self.shard = shard

    def count(self, client: Client) -> int:
        """The count a confirmation reports: shard channels count apart from the others."""
        if self.shard:
            return len(_client_subscriptions(client, self.attribute))
        return len(client.channels) + len(client.patterns)


CHANNELS = _Namespace("channels", b"", shard=False)
SHARD_CHANNELS = _Namespace("shard_channels", b"s", shard=True)


# -- subscribing and unsubscribing ---------------------------------------------------------------


def _confirmations(client: Client, messages: Iterable[list[Reply]]) -> Pushed:
    """Several pushes encoded back to back, as one reply written in its place in the batch;
    ``Pushed``, so CLIENT REPLY OFF / SKIP does not silence them (``addReplyPubsubSubscribed``
    sets ``CLIENT_PUSHING``)."""
    out = bytearray()
    resp = client.resp
    for items in messages:
        write_reply(Push(items), resp, out)
    return Pushed(out)


def _watch_disconnects(server: ServerState) -> None:
    """Install the clean-up of disconnected clients, once per server."""
    if unsubscribe_all not in server.on_client_close:
        server.on_client_close.append(unsubscribe_all)


def _subscribe(client: Client, namespace: _Namespace, channel: bytes) -> list[Reply]:
    """pubsubSubscribeChannel: register (if new) and answer with the confirmation."""
    subscriptions = _client_subscriptions(client, namespace.attribute)
    if channel not in subscriptions:
        subscriptions[channel] = None
        registry = _server_registry(client.server, namespace.attribute)
        subscribers = registry.get(channel)
        if subscribers is None:
            registry[channel] = {client: None}
        else:
            subscribers[client] = None
    return [namespace.subscribe, channel, namespace.count(client)]


def _unsubscribe(client: Client, namespace: _Namespace, channel: bytes) -> list[Reply]:
    """pubsubUnsubscribeChannel: forget (if subscribed) and answer with the confirmation."""
    subscriptions = _client_subscriptions(client, namespace.attribute)
    if channel in subscriptions:
        del subscriptions[channel]
        _forget(_server_registry(client.server, namespace.attribute), channel, client)
    return [namespace.unsubscribe, channel, namespace.count(client)]


def _forget(registry: Registry, name: bytes, client: Client) -> None:
    """Take ``client`` off ``name``'s subscribers; drop the entry when nobody is left."""
    subscribers = registry[name]
    del subscribers[client]
    if not subscribers:
        del registry[name]


def _subscribe_pattern(client: Client, pattern: bytes) -> list[Reply]:
    """pubsubSubscribePattern."""
    patterns = _client_subscriptions(client, "patterns")
    if pattern not in patterns:
        patterns[pattern] = None
        subscribers = client.server.patterns.get(pattern)
        if subscribers is None:
            client.server.patterns[pattern] = {client: None}
        else:
            subscribers[client] = None
    return [b"psubscribe", pattern, len(client.channels) + len(patterns)]


def _unsubscribe_pattern(client: Client, pattern: bytes) -> list[Reply]:
    """pubsubUnsubscribePattern."""
    patterns = _client_subscriptions(client, "patterns")
    if pattern in patterns:
        del patterns[pattern]
        _forget(client.server.patterns, pattern, client)
    return [b"punsubscribe", pattern, len(client.channels) + len(patterns)]


def _unsubscribe_generic(client: Client, argv: list[bytes], namespace: _Namespace) -> Raw:
    """(S)UNSUBSCRIBE [channel ...]: none named means all; with none at all, a nil one."""
    if len(argv) > 1:
        return _confirmations(client, [_unsubscribe(client, namespace, channel)
                                       for channel in argv[1:]])
    channels = list(_client_subscriptions(client, namespace.attribute))
    if not channels:
        return _confirmations(client, [[namespace.unsubscribe, None, namespace.count(client)]])
    return _confirmations(client, [_unsubscribe(client, namespace, channel)
                                   for channel in channels])


def unsubscribe_all(client: Client) -> None:
    """Drop every subscription silently: a disconnect, or RESET (``clearClientConnectionState``)."""
    server = client.server
    for namespace in (CHANNELS, SHARD_CHANNELS):
        subscriptions = _client_subscriptions(client, namespace.attribute)
        if subscriptions:
            registry = _server_registry(server, namespace.attribute)
            for channel in subscriptions:
                _forget(registry, channel, client)
            subscriptions.clear()
    if client.patterns:
        for pattern in client.patterns:
            _forget(server.patterns, pattern, client)
        client.patterns.clear()


# -- publishing ---------------------------------------------------------------------------------


def _deliver(subscribers: Subscribers, items: list[Reply]) -> int:
    """Push one message to each subscriber, encoded once per protocol; how many there were."""
    encoded: list[Raw | None] = [None, None, None, None]
    for subscriber in subscribers:
        resp = subscriber.resp
        message = encoded[resp]
        if message is None:
            message = encoded[resp] = Raw(encode(Push(items), resp))
        # push only buffers (or schedules a close): it never changes subscriptions mid-loop.
        subscriber.push(message)
    return len(subscribers)


def publish_message(server: ServerState, channel: bytes, message: bytes) -> int:
    """pubsubPublishMessage: deliver to the channel's subscribers, then to matching patterns.

    Returns the number of deliveries (a client subscribed both ways counts twice, as Redis).
    Keyspace notifications publish through here too.
    """
    receivers = 0
    subscribers = server.channels.get(channel)
    if subscribers:
        receivers = _deliver(subscribers, [b"message", channel, message])
    patterns = server.patterns
    if patterns:
        matchers = server.pattern_matchers
        if len(matchers) > 2 * len(patterns) + 64:  # drop the unsubscribed patterns' matchers
            matchers = server.pattern_matchers = {
                pattern: matchers[pattern] for pattern in patterns if pattern in matchers}
        for pattern, clients in patterns.items():
            matcher = matchers.get(pattern)
            if matcher is None:
                matcher = matchers[pattern] = compile_glob(pattern)
            if matcher.match(channel):
                receivers += _deliver(clients, [b"pmessage", pattern, channel, message])
    return receivers


def publish_shard_message(server: ServerState, channel: bytes, message: bytes) -> int:
    """SPUBLISH's delivery: shard channels only, patterns never match them."""
    subscribers = _server_registry(server, SHARD_CHANNELS.attribute).get(channel)
    if not subscribers:
        return 0
    return _deliver(subscribers, [b"smessage", channel, message])


# -- commands -----------------------------------------------------------------------------------



@command("subscribe", arity=-2, flags="pubsub noscript loading stale", group="pubsub",
         channels="all",
         since="2.0.0", summary="Listen for messages published to the given channels",
         complexity="O(N) where N is the number of channels to subscribe to.")
def subscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """SUBSCRIBE channel [channel ...]: one confirmation per channel, repeats included."""
    _watch_disconnects(client.server)
    return _confirmations(client, [_subscribe(client, CHANNELS, channel) for channel in argv[1:]])


@command("unsubscribe", arity=-1, flags="pubsub noscript loading stale", group="pubsub",
         since="2.0.0", summary="Stop listening for messages posted to the given channels",
         complexity="O(N) where N is the number of clients already subscribed to a channel.")
def unsubscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """UNSUBSCRIBE [channel ...]."""
    return _unsubscribe_generic(client, argv, CHANNELS)


@command("psubscribe", arity=-2, flags="pubsub noscript loading stale", group="pubsub",
         channels="patterns",
         since="2.0.0",
         summary="Listen for messages published to channels matching the given patterns",
         complexity="O(N) where N is the number of patterns the client is already subscribed "
                    "to.")
def psubscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """PSUBSCRIBE pattern [pattern ...]."""
    _watch_disconnects(client.server)
    return _confirmations(client, [_subscribe_pattern(client, pattern) for pattern in argv[1:]])


@command("punsubscribe", arity=-1, flags="pubsub noscript loading stale", group="pubsub",
         since="2.0.0",
         summary="Stop listening for messages posted to channels matching the given patterns",
         complexity="O(N+M) where N is the number of patterns the client is already subscribed "
                    "and M is the number of total patterns subscribed in the system (by any "
                    "client).")
def punsubscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """PUNSUBSCRIBE [pattern ...]: with none, every pattern in subscription order."""
    patterns = argv[1:] or list(_client_subscriptions(client, "patterns"))
    if not patterns:
        return _confirmations(client, [[b"punsubscribe", None, len(client.channels)]])
    return _confirmations(client, [_unsubscribe_pattern(client, pattern) for pattern in patterns])


@command("ssubscribe", arity=-2, flags="pubsub noscript loading stale", keys=(1, -1, 1),
         channels="all", keys_are_channels=True,
         group="pubsub", since="7.0.0",
         summary="Listen for messages published to the given shard channels",
         complexity="O(N) where N is the number of shard channels to subscribe to.")
def ssubscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """SSUBSCRIBE shardchannel [shardchannel ...]; refused inside EXEC (unlike SUBSCRIBE)."""
    if client.deny_blocking:
        raise CommandError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
    _watch_disconnects(client.server)
    return _confirmations(client, [_subscribe(client, SHARD_CHANNELS, channel)
                                   for channel in argv[1:]])


@command("sunsubscribe", arity=-1, flags="pubsub noscript loading stale", keys=(1, -1, 1),
         keys_are_channels=True,
         group="pubsub", since="7.0.0",
         summary="Stop listening for messages posted to the given shard channels",
         complexity="O(N) where N is the number of clients already subscribed to a shard "
                    "channel.")
def sunsubscribe_command(client: Client, argv: list[bytes]) -> Reply:
    """SUNSUBSCRIBE [shardchannel ...]."""
    return _unsubscribe_generic(client, argv, SHARD_CHANNELS)


@command("publish", arity=3, flags="pubsub loading stale fast may_replicate", group="pubsub", since="2.0.0",
         channels="first",
         summary="Post a message to a channel",
         complexity="O(N+M) where N is the number of clients subscribed to the receiving "
                    "channel and M is the total number of subscribed patterns (by any client).")
def publish_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBLISH channel message: the number of deliveries. Not written to the AOF (as Redis)."""
    return publish_message(client.server, argv[1], argv[2])


@command("spublish", arity=3, flags="pubsub loading stale fast may_replicate", keys=(1, 1, 1),
         channels="first", keys_are_channels=True,
         group="pubsub", since="7.0.0", summary="Post a message to a shard channel",
         complexity="O(N) where N is the number of clients subscribed to the receiving shard "
                    "channel.")
def spublish_command(client: Client, argv: list[bytes]) -> Reply:
    """SPUBLISH shardchannel message."""
    return publish_shard_message(client.server, argv[1], argv[2])


container("pubsub", group="pubsub", summary="A container for Pub/Sub commands", since="2.8.0")


def _syntax_error(argv: list[bytes]) -> CommandError:
    """addReplySubcommandSyntaxError's text."""
    name = argv[1].decode("utf-8", "replace")
    return CommandError(f"ERR unknown subcommand or wrong number of arguments for '{name}'. "
                        "Try PUBSUB HELP.")


def _channel_list(argv: list[bytes], registry: Registry) -> list[Reply]:
    """PUBSUB (SHARD)CHANNELS [pattern]: the live channels, matching ``pattern`` if given."""
    if len(argv) > 3:
        raise _syntax_error(argv)
    if len(argv) == 2:
        return list(registry)
    pattern = argv[2]
    return [channel for channel in registry if glob_match(pattern, channel)]


def _subscriber_counts(argv: list[bytes], registry: Registry) -> list[Reply]:
    """PUBSUB (SHARD)NUMSUB: channel, count pairs as a flat array (even in RESP3, as Redis)."""
    reply: list[Reply] = []
    for channel in argv[2:]:
        subscribers = registry.get(channel)
        reply += (channel, len(subscribers) if subscribers else 0)
    return reply


@command("pubsub|channels", arity=-2, flags="pubsub loading stale", group="pubsub",
         since="2.8.0", summary="List active channels",
         complexity="O(N) where N is the number of active channels, and assuming constant time "
                    "pattern matching (relatively short channels and patterns)")
def pubsub_channels_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB CHANNELS [pattern]."""
    return _channel_list(argv, client.server.channels)


@command("pubsub|numsub", arity=-2, flags="pubsub loading stale", group="pubsub",
         since="2.8.0", summary="Get the count of subscribers for channels",
         complexity="O(N) for the NUMSUB subcommand, where N is the number of requested "
                    "channels")
def pubsub_numsub_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB NUMSUB [channel ...]: pattern subscriptions are not counted."""
    return _subscriber_counts(argv, client.server.channels)


@command("pubsub|numpat", arity=2, flags="pubsub loading stale", group="pubsub",
         since="2.8.0", summary="Get the count of unique patterns pattern subscriptions",
         complexity="O(1)")
def pubsub_numpat_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB NUMPAT: distinct patterns, however many clients use each."""
    return len(client.server.patterns)


@command("pubsub|shardchannels", arity=-2, flags="pubsub loading stale", group="pubsub",
         since="7.0.0", summary="List active shard channels",
         complexity="O(N) where N is the number of active shard channels, and assuming constant "
                    "time pattern matching (relatively short shard channels).")
def pubsub_shardchannels_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB SHARDCHANNELS [pattern]."""
    return _channel_list(argv, _server_registry(client.server, SHARD_CHANNELS.attribute))


@command("pubsub|shardnumsub", arity=-2, flags="pubsub loading stale", group="pubsub",
         since="7.0.0", summary="Get the count of subscribers for shard channels",
         complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                    "shard channels")
def pubsub_shardnumsub_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB SHARDNUMSUB [shardchannel ...]."""
    return _subscriber_counts(argv, _server_registry(client.server, SHARD_CHANNELS.attribute))


_HELP = (
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
)


@command("pubsub|help", arity=2, flags="loading stale", group="pubsub", since="6.2.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def pubsub_help_command(client: Client, argv: list[bytes]) -> Reply:
    """PUBSUB HELP: status lines, as addReplyHelp."""
    return [Status(line) for line in _HELP]


__all__ = [
    "is_subscribed",
    "publish_message",
    "publish_shard_message",
    "shard_channel_count",
    "unsubscribe_all",
]
