"""Redis 7.0.15's declarations of its geo commands (src/commands/*.json):
documentation, ACL categories, tips and key specs, read by the command table."""

from __future__ import annotations

from godis.commandmeta.model import (
    Arg,
    Index,
    KeySpec,
    Keyword,
    Meta,
    Range,
)

COMMANDS = (
    Meta(
        "geoadd",
        summary="Add one or more geospatial items in the geospatial index represented using a sorted set",
        since="3.2.0",
        group="geo",
        complexity="O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        arity=-5,
        flags="write denyoom",
        acl="geo",
        history=(
            ("6.2.0", "Added the `CH`, `NX` and `XX` options."),
        ),
        key_specs=(
            KeySpec("RW update", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("condition", "oneof", since="6.2.0", optional=True, arguments=(
                Arg("nx", "pure-token", token="NX"),
                Arg("xx", "pure-token", token="XX"),
            )),
            Arg("change", "pure-token", token="CH", since="6.2.0", optional=True),
            Arg("longitude_latitude_member", "block", multiple=True, arguments=(
                Arg("longitude", "double"),
                Arg("latitude", "double"),
                Arg("member", "string"),
            )),
        ),
    ),
    Meta(
        "geodist",
        summary="Returns the distance between two members of a geospatial index",
        since="3.2.0",
        group="geo",
        complexity="O(log(N))",
        arity=-4,
        flags="readonly",
        acl="geo",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member1", "string"),
            Arg("member2", "string"),
            Arg("unit", "oneof", optional=True, arguments=(
                Arg("m", "pure-token", token="M"),
                Arg("km", "pure-token", token="KM"),
                Arg("ft", "pure-token", token="FT"),
                Arg("mi", "pure-token", token="MI"),
            )),
        ),
    ),
    Meta(
        "geohash",
        summary="Returns members of a geospatial index as standard geohash strings",
        since="3.2.0",
        group="geo",
        complexity="O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        arity=-2,
        flags="readonly",
        acl="geo",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string", multiple=True),
        ),
    ),
    Meta(
        "geopos",
        summary="Returns longitude and latitude of members of a geospatial index",
        since="3.2.0",
        group="geo",
        complexity="O(N) where N is the number of members requested.",
        arity=-2,
        flags="readonly",
        acl="geo",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string", multiple=True),
        ),
    ),
    Meta(
        "georadius",
        summary="Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
        since="3.2.0",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        doc_flags="deprecated",
        deprecated_since="6.2.0",
        replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
        arity=-6,
        flags="write denyoom",
        acl="geo",
        getkeys="georadiusGetKeys",
        history=(
            ("6.2.0", "Added the `ANY` option for `COUNT`."),
            ("7.0.0", "Added support for uppercase unit names."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
            KeySpec("OW update", Keyword("STORE", 6), Range(0, 1, 0)),
            KeySpec("OW update", Keyword("STOREDIST", 6), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("longitude", "double"),
            Arg("latitude", "double"),
            Arg("radius", "double"),
            Arg("unit", "oneof", arguments=(
                Arg("m", "pure-token", token="M"),
                Arg("km", "pure-token", token="KM"),
                Arg("ft", "pure-token", token="FT"),
                Arg("mi", "pure-token", token="MI"),
            )),
            Arg("withcoord", "pure-token", token="WITHCOORD", optional=True),
            Arg("withdist", "pure-token", token="WITHDIST", optional=True),
            Arg("withhash", "pure-token", token="WITHHASH", optional=True),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", since="6.2.0", optional=True),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
            Arg("key", "key", key_spec_index=1, token="STORE", optional=True),
            Arg("key", "key", key_spec_index=2, token="STOREDIST", optional=True),
        ),
    ),
    Meta(
        "georadius_ro",
        summary="A read-only variant for GEORADIUS",
        since="3.2.10",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        doc_flags="deprecated",
        deprecated_since="6.2.0",
        replaced_by="`GEOSEARCH` with the `BYRADIUS` argument",
        arity=-6,
        flags="readonly",
        acl="geo",
        history=(
            ("6.2.0", "Added the `ANY` option for `COUNT`."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("longitude", "double"),
            Arg("latitude", "double"),
            Arg("radius", "double"),
            Arg("unit", "oneof", arguments=(
                Arg("m", "pure-token", token="M"),
                Arg("km", "pure-token", token="KM"),
                Arg("ft", "pure-token", token="FT"),
                Arg("mi", "pure-token", token="MI"),
            )),
            Arg("withcoord", "pure-token", token="WITHCOORD", optional=True),
            Arg("withdist", "pure-token", token="WITHDIST", optional=True),
            Arg("withhash", "pure-token", token="WITHHASH", optional=True),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", since="6.2.0", optional=True),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
        ),
    ),
    Meta(
        "georadiusbymember",
        summary="Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
        since="3.2.0",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        doc_flags="deprecated",
        deprecated_since="6.2.0",
        replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
        arity=-5,
        flags="write denyoom",
        acl="geo",
        getkeys="georadiusGetKeys",
        history=(
            ("7.0.0", "Added support for uppercase unit names."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
            KeySpec("OW update", Keyword("STORE", 5), Range(0, 1, 0)),
            KeySpec("OW update", Keyword("STOREDIST", 5), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string"),
            Arg("radius", "double"),
            Arg("unit", "oneof", arguments=(
                Arg("m", "pure-token", token="M"),
                Arg("km", "pure-token", token="KM"),
                Arg("ft", "pure-token", token="FT"),
                Arg("mi", "pure-token", token="MI"),
            )),
            Arg("withcoord", "pure-token", token="WITHCOORD", optional=True),
            Arg("withdist", "pure-token", token="WITHDIST", optional=True),
            Arg("withhash", "pure-token", token="WITHHASH", optional=True),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", optional=True),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
            Arg("key", "key", key_spec_index=1, token="STORE", optional=True),
            Arg("key", "key", key_spec_index=2, token="STOREDIST", optional=True),
        ),
    ),
    Meta(
        "georadiusbymember_ro",
        summary="A read-only variant for GEORADIUSBYMEMBER",
        since="3.2.10",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
        doc_flags="deprecated",
        deprecated_since="6.2.0",
        replaced_by="`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
        arity=-5,
        flags="readonly",
        acl="geo",
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("member", "string"),
            Arg("radius", "double"),
            Arg("unit", "oneof", arguments=(
                Arg("m", "pure-token", token="M"),
                Arg("km", "pure-token", token="KM"),
                Arg("ft", "pure-token", token="FT"),
                Arg("mi", "pure-token", token="MI"),
            )),
            Arg("withcoord", "pure-token", token="WITHCOORD", optional=True),
            Arg("withdist", "pure-token", token="WITHDIST", optional=True),
            Arg("withhash", "pure-token", token="WITHHASH", optional=True),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", optional=True),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
        ),
    ),
    Meta(
        "geosearch",
        summary="Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
        since="6.2.0",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        arity=-7,
        flags="readonly",
        acl="geo",
        history=(
            ("7.0.0", "Added support for uppercase unit names."),
        ),
        key_specs=(
            KeySpec("RO access", Index(1), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("key", "key", key_spec_index=0),
            Arg("from", "oneof", arguments=(
                Arg("member", "string", token="FROMMEMBER"),
                Arg("longitude_latitude", "block", token="FROMLONLAT", arguments=(
                    Arg("longitude", "double"),
                    Arg("latitude", "double"),
                )),
            )),
            Arg("by", "oneof", arguments=(
                Arg("circle", "block", arguments=(
                    Arg("radius", "double", token="BYRADIUS"),
                    Arg("unit", "oneof", arguments=(
                        Arg("m", "pure-token", token="M"),
                        Arg("km", "pure-token", token="KM"),
                        Arg("ft", "pure-token", token="FT"),
                        Arg("mi", "pure-token", token="MI"),
                    )),
                )),
                Arg("box", "block", arguments=(
                    Arg("width", "double", token="BYBOX"),
                    Arg("height", "double"),
                    Arg("unit", "oneof", arguments=(
                        Arg("m", "pure-token", token="M"),
                        Arg("km", "pure-token", token="KM"),
                        Arg("ft", "pure-token", token="FT"),
                        Arg("mi", "pure-token", token="MI"),
                    )),
                )),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", optional=True),
            )),
            Arg("withcoord", "pure-token", token="WITHCOORD", optional=True),
            Arg("withdist", "pure-token", token="WITHDIST", optional=True),
            Arg("withhash", "pure-token", token="WITHHASH", optional=True),
        ),
    ),
    Meta(
        "geosearchstore",
        summary="Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
        since="6.2.0",
        group="geo",
        complexity="O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
        arity=-8,
        flags="write denyoom",
        acl="geo",
        history=(
            ("7.0.0", "Added support for uppercase unit names."),
        ),
        key_specs=(
            KeySpec("OW update", Index(1), Range(0, 1, 0)),
            KeySpec("RO access", Index(2), Range(0, 1, 0)),
        ),
        arguments=(
            Arg("destination", "key", key_spec_index=0),
            Arg("source", "key", key_spec_index=1),
            Arg("from", "oneof", arguments=(
                Arg("member", "string", token="FROMMEMBER"),
                Arg("longitude_latitude", "block", token="FROMLONLAT", arguments=(
                    Arg("longitude", "double"),
                    Arg("latitude", "double"),
                )),
            )),
            Arg("by", "oneof", arguments=(
                Arg("circle", "block", arguments=(
                    Arg("radius", "double", token="BYRADIUS"),
                    Arg("unit", "oneof", arguments=(
                        Arg("m", "pure-token", token="M"),
                        Arg("km", "pure-token", token="KM"),
                        Arg("ft", "pure-token", token="FT"),
                        Arg("mi", "pure-token", token="MI"),
                    )),
                )),
                Arg("box", "block", arguments=(
                    Arg("width", "double", token="BYBOX"),
                    Arg("height", "double"),
                    Arg("unit", "oneof", arguments=(
                        Arg("m", "pure-token", token="M"),
                        Arg("km", "pure-token", token="KM"),
                        Arg("ft", "pure-token", token="FT"),
                        Arg("mi", "pure-token", token="MI"),
                    )),
                )),
            )),
            Arg("order", "oneof", optional=True, arguments=(
                Arg("asc", "pure-token", token="ASC"),
                Arg("desc", "pure-token", token="DESC"),
            )),
            Arg("count", "block", optional=True, arguments=(
                Arg("count", "integer", token="COUNT"),
                Arg("any", "pure-token", token="ANY", optional=True),
            )),
            Arg("storedist", "pure-token", token="STOREDIST", optional=True),
        ),
    ),
)
