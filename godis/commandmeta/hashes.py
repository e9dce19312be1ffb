"""Redis 7.0.15's declarations of its hash commands (src/commands/*.json):
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
        "hdel",
        summary="Delete one or more hash fields",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the number of fields to be removed.",
        arity=-3,
        flags="write fast",
        acl="hash",
        history=(
            ("2.4.0", "Accepts multiple `field` arguments."),
        ),
        key_specs=(
            KeySpec("RW delete", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string", multiple=True),
        ),
    ),
    Meta(
        "hexists",
        summary="Determine if a hash field exists",
        since="2.0.0",
        group="hash",
        complexity="O(1)",
        arity=3,
        flags="readonly fast",
        acl="hash",
        key_specs=(
            KeySpec("RO", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
        ),
    ),
    Meta(
        "hget",
        summary="Get the value of a hash field",
        since="2.0.0",
        group="hash",
        complexity="O(1)",
        arity=3,
        flags="readonly fast",
        acl="hash",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
        ),
    ),
    Meta(
        "hgetall",
        summary="Get all the fields and values in a hash",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the size of the hash.",
        arity=2,
        flags="readonly",
        acl="hash",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "hincrby",
        summary="Increment the integer value of a hash field by the given number",
        since="2.0.0",
        group="hash",
        complexity="O(1)",
        arity=4,
        flags="write denyoom fast",
        acl="hash",
        key_specs=(
            KeySpec("RW access update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
            Arg("increment", "integer"),
        ),
    ),
    Meta(
        "hincrbyfloat",
        summary="Increment the float value of a hash field by the given amount",
        since="2.6.0",
        group="hash",
        complexity="O(1)",
        arity=4,
        flags="write denyoom fast",
        acl="hash",
        key_specs=(
            KeySpec("RW access update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
            Arg("increment", "double"),
        ),
    ),
    Meta(
        "hkeys",
        summary="Get all the fields in a hash",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the size of the hash.",
        arity=2,
        flags="readonly",
        acl="hash",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "hlen",
        summary="Get the number of fields in a hash",
        since="2.0.0",
        group="hash",
        complexity="O(1)",
        arity=2,
        flags="readonly fast",
        acl="hash",
        key_specs=(
            KeySpec("RO", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
    Meta(
        "hmget",
        summary="Get the values of all the given hash fields",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the number of fields being requested.",
        arity=-3,
        flags="readonly fast",
        acl="hash",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string", multiple=True),
        ),
    ),
    Meta(
        "hmset",
        summary="Set multiple hash fields to multiple values",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the number of fields being set.",
        doc_flags="deprecated",
        deprecated_since="4.0.0",
        replaced_by="`HSET` with multiple field-value pairs",
        arity=-4,
        flags="write denyoom fast",
        acl="hash",
        key_specs=(
            KeySpec("RW update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field_value", "block", multiple=True, arguments=(
                Arg("field", "string"),
                Arg("value", "string"),
            )),
        ),
    ),
    Meta(
        "hrandfield",
        summary="Get one or multiple random fields from a hash",
        since="6.2.0",
        group="hash",
        complexity="O(N) where N is the number of fields returned",
        arity=-2,
        flags="readonly",
        acl="hash",
        tips="nondeterministic_output",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("options", "block", optional=True, arguments=(
                Arg("count", "integer"),
                Arg("withvalues", "pure-token", token="WITHVALUES", optional=True),
            )),
        ),
    ),
    Meta(
        "hscan",
        summary="Incrementally iterate hash fields and associated values",
        since="2.8.0",
        group="hash",
        complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        arity=-3,
        flags="readonly",
        acl="hash",
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
        "hset",
        summary="Set the string value of a hash field",
        since="2.0.0",
        group="hash",
        complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        arity=-4,
        flags="write denyoom fast",
        acl="hash",
        history=(
            ("4.0.0", "Accepts multiple `field` and `value` arguments."),
        ),
        key_specs=(
            KeySpec("RW update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field_value", "block", multiple=True, arguments=(
                Arg("field", "string"),
                Arg("value", "string"),
            )),
        ),
    ),
    Meta(
        "hsetnx",
        summary="Set the value of a hash field, only if the field does not exist",
        since="2.0.0",
        group="hash",
        complexity="O(1)",
        arity=4,
        flags="write denyoom fast",
        acl="hash",
        key_specs=(
            KeySpec("RW insert", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
            Arg("value", "string"),
        ),
    ),
    Meta(
        "hstrlen",
        summary="Get the length of the value of a hash field",
        since="3.2.0",
        group="hash",
        complexity="O(1)",
        arity=3,
        flags="readonly fast",
        acl="hash",
        key_specs=(
            KeySpec("RO", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("field", "string"),
        ),
    ),
    Meta(
        "hvals",
        summary="Get all the values in a hash",
        since="2.0.0",
        group="hash",
        complexity="O(N) where N is the size of the hash.",
        arity=2,
        flags="readonly",
        acl="hash",
        tips="nondeterministic_output_order",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
        ),
    ),
)
