"""Redis 7.0.15's declarations of its set commands (src/commands/*.json):
documentation, ACL categories, tips and key specs, read by the command table."""

from __future__ import annotations

from godis.commandmeta.model import (
    Arg,
    Index,
    KeyNum,
    KeySpec,
    Meta,
    Range,
)

COMMANDS = (
    Meta(
        "sadd",
        summary="Add one or more members to a set",
        since="1.0.0",
        group="set",
        complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        arity=-3,
        flags="write denyoom fast",
        acl="set",
        history=(
            ("2.4.0", "Accepts multiple `member` arguments."),
        ),
        key_specs=(
            KeySpec("RW insert", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string", multiple=True),
        ),
    ),
    Meta(
        "scard",
        summary="Get the number of members in a set",
        since="1.0.0",
        group="set",
        complexity="O(1)",
        arity=2,
        flags="readonly fast",
        acl="set",
        key_specs=(
            KeySpec("RO", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "sdiff",
        summary="Subtract multiple sets",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the total number of elements in all given sets.",
        arity=-2,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0, multiple=True),
        ),
    ),
    Meta(
        "sdiffstore",
        summary="Subtract multiple sets and store the resulting set in a key",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the total number of elements in all given sets.",
        arity=-3,
        flags="write denyoom",
        acl="set",
        key_specs=(
            KeySpec("OW update", Index(1), Range(0, 1, 0)),
            KeySpec("RO access", Index(2), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("destination", "key", key_spec_index=0),
            Arg("key", "key", key_spec_index=1, multiple=True),
        ),
    ),
    Meta(
        "sinter",
        summary="Intersect multiple sets",
        since="1.0.0",
        group="set",
        complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        arity=-2,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0, multiple=True),
        ),
    ),
    Meta(
        "sintercard",
        summary="Intersect multiple sets and return the cardinality of the result",
        since="7.0.0",
        group="set",
        complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        arity=-3,
        flags="readonly",
        acl="set",
        getkeys="sintercardGetKeys",
        key_specs=(
            KeySpec("RO access", Index(1), KeyNum(0, 1, 1)),
        ),
        arguments=(
            Arg("numkeys", "integer"),
            Arg("key", "key", key_spec_index=0, multiple=True),
            Arg("limit", "integer", token="LIMIT", optional=True),
        ),
    ),
    Meta(
        "sinterstore",
        summary="Intersect multiple sets and store the resulting set in a key",
        since="1.0.0",
        group="set",
        complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        arity=-3,
        flags="write denyoom",
        acl="set",
        key_specs=(
            KeySpec("RW update", Index(1), Range(0, 1, 0)),
            KeySpec("RO access", Index(2), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("destination", "key", key_spec_index=0),
            Arg("key", "key", key_spec_index=1, multiple=True),
        ),
    ),
    Meta(
        "sismember",
        summary="Determine if a given value is a member of a set",
        since="1.0.0",
        group="set",
        complexity="O(1)",
        arity=3,
        flags="readonly fast",
        acl="set",
        key_specs=(
            KeySpec("RO", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string"),
        ),
    ),
    Meta(
        "smembers",
        summary="Get all the members in a set",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the set cardinality.",
        arity=2,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "smismember",
        summary="Returns the membership associated with the given elements for a set",
        since="6.2.0",
        group="set",
        complexity="O(N) where N is the number of elements being checked for membership",
        arity=-3,
        flags="readonly fast",
        acl="set",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string", multiple=True),
        ),
    ),
    Meta(
        "smove",
        summary="Move a member from one set to another",
        since="1.0.0",
        group="set",
        complexity="O(1)",
        arity=4,
        flags="write fast",
        acl="set",
        key_specs=(
            KeySpec("RW access delete", Index(1), Range(0, 1, 0)),
            KeySpec("RW insert", Index(2), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("source", "key", key_spec_index=0),
            Arg("destination", "key", key_spec_index=1),
            Arg("member", "string"),
        ),
    ),
    Meta(
        "spop",
        summary="Remove and return one or multiple random members from a set",
        since="1.0.0",
        group="set",
        complexity="Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        arity=-2,
        flags="write fast",
        acl="set",
        tips="nondeterministic_output",
        history=(
            ("3.2.0", "Added the `count` argument."),
        ),
        key_specs=(
            KeySpec("RW access delete", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("count", "integer", since="3.2.0", optional=True),
        ),
    ),
    Meta(
        "srandmember",
        summary="Get one or multiple random members from a set",
        since="1.0.0",
        group="set",
        complexity="Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        arity=-2,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output",
        history=(
            ("2.6.0", "Added the optional `count` argument."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("count", "integer", since="2.6.0", optional=True),
        ),
    ),
    Meta(
        "srem",
        summary="Remove one or more members from a set",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the number of members to be removed.",
        arity=-3,
        flags="write fast",
        acl="set",
        history=(
            ("2.4.0", "Accepts multiple `member` arguments."),
        ),
        key_specs=(
            KeySpec("RW delete", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string", multiple=True),
        ),
    ),
    Meta(
        "sscan",
        summary="Incrementally iterate Set elements",
        since="2.8.0",
        group="set",
        complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        arity=-3,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("cursor", "integer"),
            Arg("pattern", "pattern", token="MATCH", optional=True),
            Arg("count", "integer", token="COUNT", optional=True),
        ),
    ),
    Meta(
        "sunion",
        summary="Add multiple sets",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the total number of elements in all given sets.",
        arity=-2,
        flags="readonly",
        acl="set",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0, multiple=True),
        ),
    ),
    Meta(
        "sunionstore",
        summary="Add multiple sets and store the resulting set in a key",
        since="1.0.0",
        group="set",
        complexity="O(N) where N is the total number of elements in all given sets.",
        arity=-3,
        flags="write denyoom",
        acl="set",
        key_specs=(
            KeySpec("OW update", Index(1), Range(0, 1, 0)),
            KeySpec("RO access", Index(2), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("destination", "key", key_spec_index=0),
            Arg("key", "key", key_spec_index=1, multiple=True),
        ),
    ),
)
