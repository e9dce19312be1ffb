"""Redis 7.0.15's declarations of its bitmap commands (src/commands/*.json):
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
        "bitcount",
        summary="Count set bits in a string",
        since="2.6.0",
        group="bitmap",
        complexity="O(N)",
        arity=-2,
        flags="readonly",
        acl="bitmap",
        history=(
            ("7.0.0", "Added the `BYTE|BIT` option."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("index", "block", optional=True, arguments=(
                Arg("start", "integer"),
                Arg("end", "integer"),
                Arg("index_unit", "oneof", since="7.0.0", optional=True, arguments=(
                    Arg("byte", "pure-token", token="BYTE"),
                    Arg("bit", "pure-token", token="BIT"),
                )),
            )),
        ),
    ),
    Meta(
        "bitfield",
        summary="Perform arbitrary bitfield integer operations on strings",
        since="3.2.0",
        group="bitmap",
        complexity="O(1) for each subcommand specified",
        arity=-2,
        flags="write denyoom",
        acl="bitmap",
        getkeys="bitfieldGetKeys",
        key_specs=(
            KeySpec("RW update access variable_flags", Index(1), Range(0, 1, 0), notes="This command allows both access and modification of the key"),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("operation", "oneof", optional=True, multiple=True, arguments=(
                Arg("encoding_offset", "block", token="GET", arguments=(
                    Arg("encoding", "string"),
                    Arg("offset", "integer"),
                )),
                Arg("write", "block", arguments=(
                    Arg("wrap_sat_fail", "oneof", token="OVERFLOW", optional=True, arguments=(
                        Arg("wrap", "pure-token", token="WRAP"),
                        Arg("sat", "pure-token", token="SAT"),
                        Arg("fail", "pure-token", token="FAIL"),
                    )),
                    Arg("write_operation", "oneof", arguments=(
                        Arg("encoding_offset_value", "block", token="SET", arguments=(
                            Arg("encoding", "string"),
                            Arg("offset", "integer"),
                            Arg("value", "integer"),
                        )),
                        Arg("encoding_offset_increment", "block", token="INCRBY", arguments=(
                            Arg("encoding", "string"),
                            Arg("offset", "integer"),
                            Arg("increment", "integer"),
                        )),
                    )),
                )),
            )),
        ),
    ),
    Meta(
        "bitfield_ro",
        summary="Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        since="6.0.0",
        group="bitmap",
        complexity="O(1) for each subcommand specified",
        arity=-2,
        flags="readonly fast",
        acl="bitmap",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("encoding_offset", "block", token="GET", optional=True, multiple=True, multiple_token=True, arguments=(
                Arg("encoding", "string"),
                Arg("offset", "integer"),
            )),
        ),
    ),
    Meta(
        "bitop",
        summary="Perform bitwise operations between strings",
        since="2.6.0",
        group="bitmap",
        complexity="O(N)",
        arity=-4,
        flags="write denyoom",
        acl="bitmap",
        key_specs=(
            KeySpec("OW update", Index(2), Range(0, 1, 0)),
            KeySpec("RO access", Index(3), Range(-1, 1, 0)),
        ),
        arguments=(
            Arg("operation", "string"),
            Arg("destkey", "key", key_spec_index=0),
            Arg("key", "key", key_spec_index=1, multiple=True),
        ),
    ),
    Meta(
        "bitpos",
        summary="Find first bit set or clear in a string",
        since="2.8.7",
        group="bitmap",
        complexity="O(N)",
        arity=-3,
        flags="readonly",
        acl="bitmap",
        history=(
            ("7.0.0", "Added the `BYTE|BIT` option."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("bit", "integer"),
            Arg("index", "block", optional=True, arguments=(
                Arg("start", "integer"),
                Arg("end_index", "block", optional=True, arguments=(
                    Arg("end", "integer"),
                    Arg("index_unit", "oneof", since="7.0.0", optional=True, arguments=(
                        Arg("byte", "pure-token", token="BYTE"),
                        Arg("bit", "pure-token", token="BIT"),
                    )),
                )),
            )),
        ),
    ),
    Meta(
        "getbit",
        summary="Returns the bit value at offset in the string value stored at key",
        since="2.2.0",
        group="bitmap",
        complexity="O(1)",
        arity=3,
        flags="readonly fast",
        acl="bitmap",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("offset", "integer"),
        ),
    ),
    Meta(
        "setbit",
        summary="Sets or clears the bit at offset in the string value stored at key",
        since="2.2.0",
        group="bitmap",
        complexity="O(1)",
        arity=4,
        flags="write denyoom",
        acl="bitmap",
        key_specs=(
            KeySpec("RW access update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("offset", "integer"),
            Arg("value", "integer"),
        ),
    ),
)
