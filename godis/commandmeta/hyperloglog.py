"""Redis 7.0.15's declarations of its hyperloglog commands (src/commands/*.json):
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
        "pfadd",
        summary="Adds the specified elements to the specified HyperLogLog.",
        since="2.8.9",
        group="hyperloglog",
        complexity="O(1) to add every element.",
        arity=-2,
        flags="write denyoom fast",
        acl="hyperloglog",
        key_specs=(
            KeySpec("RW insert", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("element", "string", optional=True, multiple=True),
        ),
    ),
    Meta(
        "pfcount",
        summary="Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
        since="2.8.9",
        group="hyperloglog",
        complexity="O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        arity=-2,
        flags="readonly may_replicate",
        acl="hyperloglog",
        key_specs=(
            KeySpec("RW access", Index(1), Range(-1, 1, 0), notes="RW because it may change the internal representation of the key, and propagate to replicas"),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0, multiple=True),
        ),
    ),
    Meta(
        "pfdebug",
        summary="Internal commands for debugging HyperLogLog values",
        since="2.8.9",
        group="hyperloglog",
        complexity="N/A",
        doc_flags="syscmd",
        arity=3,
        flags="write denyoom admin",
        acl="hyperloglog",
        key_specs=(
            KeySpec("RW access", Index(2), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("subcommand", "string"),
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "pfmerge",
        summary="Merge N different HyperLogLogs into a single one.",
        since="2.8.9",
        group="hyperloglog",
        complexity="O(N) to merge N HyperLogLogs, but with high constant times.",
        arity=-2,
        flags="write denyoom",
        acl="hyperloglog",
        key_specs=(
            KeySpec("RW access insert", Index(1), Range(0, 1, 0)),
            KeySpec("RO access", Index(2), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("destkey", "key", key_spec_index=0),
            Arg("sourcekey", "key", key_spec_index=1, multiple=True),
        ),
    ),
    Meta(
        "pfselftest",
        summary="An internal command for testing HyperLogLog values",
        since="2.8.9",
        group="hyperloglog",
        complexity="N/A",
        doc_flags="syscmd",
        arity=1,
        flags="admin",
        acl="hyperloglog",
    ),
)
