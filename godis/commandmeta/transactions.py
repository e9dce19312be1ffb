"""Redis 7.0.15's declarations of its transactions commands (src/commands/*.json):
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
        "discard",
        summary="Discard all commands issued after MULTI",
        since="2.0.0",
        group="transactions",
        complexity="O(N), when N is the number of queued commands",
        arity=1,
        flags="noscript loading stale fast allow_busy",
        acl="transaction",
    ),
    Meta(
        "exec",
        summary="Execute all commands issued after MULTI",
        since="1.2.0",
        group="transactions",
        complexity="Depends on commands in the transaction",
        arity=1,
        flags="noscript loading stale skip_slowlog",
        acl="transaction",
    ),
    Meta(
        "multi",
        summary="Mark the start of a transaction block",
        since="1.2.0",
        group="transactions",
        complexity="O(1)",
        arity=1,
        flags="noscript loading stale fast allow_busy",
        acl="transaction",
    ),
    Meta(
        "unwatch",
        summary="Forget about all watched keys",
        since="2.2.0",
        group="transactions",
        complexity="O(1)",
        arity=1,
        flags="noscript loading stale fast allow_busy",
        acl="transaction",
    ),
    Meta(
        "watch",
        summary="Watch the given keys to determine execution of the MULTI/EXEC block",
        since="2.2.0",
        group="transactions",
        complexity="O(1) for every key.",
        arity=-2,
        flags="noscript loading stale fast allow_busy",
        acl="transaction",
        key_specs=(
            KeySpec("RO", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0, multiple=True),
        ),
    ),
)
