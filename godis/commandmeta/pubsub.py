"""Redis 7.0.15's declarations of its pubsub commands (src/commands/*.json):
documentation, ACL categories, tips and key specs, read by the command table."""

from __future__ import annotations

from godis.commandmeta.model import (
    Arg,
    Index,
    KeySpec,
    Meta,
    Range,
)

COMMANDS = (
    Meta(
        "psubscribe",
        summary="Listen for messages published to channels matching the given patterns",
        since="2.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of patterns the client is already subscribed to.",
        arity=-2,
        flags="pubsub noscript loading stale",
        arguments=(
            Arg("pattern", "block", multiple=True, arguments=(
                Arg("pattern", "pattern"),
            )),
        ),
    ),
    Meta(
        "publish",
        summary="Post a message to a channel",
        since="2.0.0",
        group="pubsub",
        complexity="O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        arity=3,
        flags="pubsub loading stale fast may_replicate",
        arguments=(
            Arg("channel", "string"),
            Arg("message", "string"),
        ),
    ),
    Meta(
        "pubsub",
        summary="A container for Pub/Sub commands",
        since="2.8.0",
        group="pubsub",
        complexity="Depends on subcommand.",
        arity=-2,
        flags="",
    ),
    Meta(
        "pubsub|channels",
        summary="List active channels",
        since="2.8.0",
        group="pubsub",
        complexity="O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        arity=-2,
        flags="pubsub loading stale",
        arguments=(
            Arg("pattern", "pattern", optional=True),
        ),
    ),
    Meta(
        "pubsub|help",
        summary="Show helpful text about the different subcommands",
        since="6.2.0",
        group="pubsub",
        complexity="O(1)",
        arity=2,
        flags="loading stale",
    ),
    Meta(
        "pubsub|numpat",
        summary="Get the count of unique patterns pattern subscriptions",
        since="2.8.0",
        group="pubsub",
        complexity="O(1)",
        arity=2,
        flags="pubsub loading stale",
    ),
    Meta(
        "pubsub|numsub",
        summary="Get the count of subscribers for channels",
        since="2.8.0",
        group="pubsub",
        complexity="O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        arity=-2,
        flags="pubsub loading stale",
        arguments=(
            Arg("channel", "string", optional=True, multiple=True),
        ),
    ),
    Meta(
        "pubsub|shardchannels",
        summary="List active shard channels",
        since="7.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        arity=-2,
        flags="pubsub loading stale",
        arguments=(
            Arg("pattern", "pattern", optional=True),
        ),
    ),
    Meta(
        "pubsub|shardnumsub",
        summary="Get the count of subscribers for shard channels",
        since="7.0.0",
        group="pubsub",
        complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        arity=-2,
        flags="pubsub loading stale",
        arguments=(
            Arg("shardchannel", "string", optional=True, multiple=True),
        ),
    ),
    Meta(
        "punsubscribe",
        summary="Stop listening for messages posted to channels matching the given patterns",
        since="2.0.0",
        group="pubsub",
        complexity="O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        arity=-1,
        flags="pubsub noscript loading stale",
        arguments=(
            Arg("pattern", "pattern", optional=True, multiple=True),
        ),
    ),
    Meta(
        "spublish",
        summary="Post a message to a shard channel",
        since="7.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of clients subscribed to the receiving shard channel.",
        arity=3,
        flags="pubsub loading stale fast may_replicate",
        key_specs=(
            KeySpec("not_key", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("shardchannel", "string"),
            Arg("message", "string"),
        ),
    ),
    Meta(
        "ssubscribe",
        summary="Listen for messages published to the given shard channels",
        since="7.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of shard channels to subscribe to.",
        arity=-2,
        flags="pubsub noscript loading stale",
        key_specs=(
            KeySpec("not_key", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("shardchannel", "string", multiple=True),
        ),
    ),
    Meta(
        "subscribe",
        summary="Listen for messages published to the given channels",
        since="2.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of channels to subscribe to.",
        arity=-2,
        flags="pubsub noscript loading stale",
        arguments=(
            Arg("channel", "string", multiple=True),
        ),
    ),
    Meta(
        "sunsubscribe",
        summary="Stop listening for messages posted to the given shard channels",
        since="7.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of clients already subscribed to a shard channel.",
        arity=-1,
        flags="pubsub noscript loading stale",
        key_specs=(
            KeySpec("not_key", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("shardchannel", "string", optional=True, multiple=True),
        ),
    ),
    Meta(
        "unsubscribe",
        summary="Stop listening for messages posted to the given channels",
        since="2.0.0",
        group="pubsub",
        complexity="O(N) where N is the number of clients already subscribed to a channel.",
        arity=-1,
        flags="pubsub noscript loading stale",
        arguments=(
            Arg("channel", "string", optional=True, multiple=True),
        ),
    ),
)
