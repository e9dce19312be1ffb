"""Geo commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3.

Coordinates (GEOPOS's decoded values, WITHCOORD), distances (four decimals), hashes and result
orders must match digit for digit: near the poles, on both sides of the antimeridian, at the
coordinate limits, for circles and boxes of every size, and for ties cut by COUNT (Redis's
``pqsort``). Bad input gets Redis's errors in Redis's order.
"""

from __future__ import annotations

import math
import random

import pytest

from godis.commands.geo import _Point, merge_sort
from godis.commands.sort import partial_quicksort
from tests.support.differential import Differ, GodisDirect, propagated, script
from tests.support.notifications import compare_streams, godis_thread_fixture  # noqa: F401
from tests.support.resp import RespConnection, parse_reply
from tests.support.server_thread import ServerThread

LAT_MAX = 85.05112878


def sicily(differ: Differ) -> None:
    differ.check("GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269",
                 "37.502669", "Catania", "12.758489", "38.788135", "edge1", "17.241510",
                 "38.788135", "edge2")


def test_documented_examples(differ: Differ) -> None:
    sicily(differ)
    script(differ, """
        GEODIST Sicily Palermo Catania
        GEODIST Sicily Palermo Catania km
        GEODIST Sicily Palermo Catania MI
        GEODIST Sicily Palermo Catania ft
        GEODIST Sicily Palermo nobody
        GEODIST nokey Palermo Catania
        GEOPOS Sicily Palermo Catania NonExisting
        GEOPOS Sicily
        GEOPOS nokey a b
        GEOHASH Sicily Palermo Catania nobody
        GEOHASH nokey a
        GEORADIUS Sicily 15 37 200 km WITHDIST
        GEORADIUS Sicily 15 37 200 km WITHCOORD
        GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH
        GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH DESC
        GEORADIUS Sicily 15 37 200 km COUNT 1
        GEORADIUS Sicily 15 37 200 km COUNT 1 ANY
        GEORADIUS Sicily 15 37 1 m
        GEORADIUS_RO Sicily 15 37 200 km ASC
        GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST
        GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST DESC
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 0 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 0 0 km WITHDIST
        GEOSEARCH Sicily frommember Palermo byradius 100 Mi count 2 desc withdist
        geosearch Sicily FROMLONLAT 15 37 BYRADIUS 200 KM ANY COUNT 2
    """)


def test_store_variants(differ: Differ) -> None:
    sicily(differ)
    script(differ, """
        GEORADIUS Sicily 15 37 200 km STORE dst
        ZRANGE dst 0 -1 WITHSCORES
        OBJECT ENCODING dst
        GEORADIUS Sicily 15 37 200 km STOREDIST dst2 COUNT 2 DESC
        ZRANGE dst2 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 200 km STORE dst3 STOREDIST dst4
        EXISTS dst3 dst4
        GEORADIUSBYMEMBER Sicily Palermo 50 mi STORE dst
        ZRANGE dst 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 1 m STORE dst
        EXISTS dst
        GEORADIUSBYMEMBER nokey Palermo 200 km STORE dst2
        EXISTS dst2
        GEOSEARCHSTORE out Sicily FROMMEMBER Palermo BYRADIUS 400 km STOREDIST
        ZRANGE out 0 -1 WITHSCORES
        GEOSEARCHSTORE out Sicily FROMMEMBER Palermo BYBOX 400 100 km COUNT 1
        ZRANGE out 0 -1 WITHSCORES
        SET str x
        EXPIRE str 100
        GEOSEARCHSTORE str Sicily FROMMEMBER Palermo BYRADIUS 400 km
        TTL str
        TYPE str
        GEOSEARCHSTORE out nokey FROMMEMBER Palermo BYRADIUS 400 km
        EXISTS out
        CONFIG SET zset-max-listpack-entries 1
        GEOSEARCHSTORE big Sicily FROMMEMBER Palermo BYRADIUS 400 km
        OBJECT ENCODING big
        CONFIG SET zset-max-listpack-entries 128
    """)


def test_geoadd_options(differ: Differ) -> None:
    script(differ, """
        GEOADD k CH NX 1 2 m 3 4 n
        GEOADD k CH XX 1.5 2 m 3 4 o
        GEOADD k NX 9 9 m 5 5 p
        GEOADD k XX CH NX 1 1 m
        GEOADD k CH 1.5 2 m
        GEOADD k CH CH CH
        GEOADD k XX 1 1 nope
        ZRANGE k 0 -1 WITHSCORES
        GEOADD fresh XX 1 1 m
        EXISTS fresh
        GEOADD k 1 2
        GEOADD k 1 2 m 3
        GEOADD k GT 1 2 m
        GEOADD k 1 2 m CH
    """)


def test_coordinate_limits_poles_and_antimeridian(differ: Differ) -> None:
    differ.check("GEOADD", "w", "-180", -LAT_MAX, "sw", "180", LAT_MAX, "ne", "180", -LAT_MAX,
                 "se", "-180", LAT_MAX, "nw", "0", "0", "origin", "179.9999", "0", "east",
                 "-179.9999", "0", "west", "0", "85", "north", "0", "-85", "south",
                 "90", "80.5", "arctic", "-90", "-66.6", "antarctic")
    members = ["sw", "ne", "se", "nw", "origin", "east", "west", "north", "south", "arctic",
               "antarctic"]
    differ.check("GEOPOS", "w", *members)
    differ.check("GEOHASH", "w", *members)
    differ.check("ZRANGE", "w", "0", "-1", "WITHSCORES")
    for a, b in (("east", "west"), ("sw", "ne"), ("north", "south"), ("se", "sw"),
                 ("nw", "ne"), ("arctic", "north")):
        differ.check("GEODIST", "w", a, b, "km")
    for member in members:
        for radius in ("1", "500", "5000", "20000"):
            differ.check("GEORADIUSBYMEMBER", "w", member, radius, "km", "WITHDIST", "ASC")
        differ.check("GEOSEARCH", "w", "FROMMEMBER", member, "BYBOX", "1000", "30000", "km",
                     "WITHCOORD", "DESC")
    differ.check("GEOSEARCH", "w", "FROMLONLAT", "180", "0", "BYRADIUS", "100", "km", "WITHDIST")
    differ.check("GEOSEARCH", "w", "FROMLONLAT", "-180", "0", "BYBOX", "300", "300", "km")
    differ.check("GEOSEARCH", "w", "FROMLONLAT", "0", LAT_MAX, "BYRADIUS", "5000", "km")
    differ.check("GEORADIUS", "w", "0", -LAT_MAX, "30000", "km", "WITHDIST", "ASC")


def test_bad_input(differ: Differ) -> None:
    sicily(differ)
    differ.check("SET", "str", "x")
    script(differ, """
        GEOADD k 181 2 m
        GEOADD k -180.0000001 0 m
        GEOADD k 0 85.05112879 m
        GEOADD k 0 -86 m
        GEOADD k inf 0 m
        GEOADD k nan 0 m
        GEOADD k x 0 m
        GEOADD k 0 1e400 m
        GEOADD k 1 2 ok 200 100 bad
        EXISTS k
        GEOADD str 1 1 a
        GEOADD str 200 1 a
        GEOPOS str a
        GEOHASH str a
        GEODIST str a b
        GEODIST str a b parsec
        GEODIST Sicily Palermo Catania km extra
        GEODIST Sicily Palermo Catania parsec
        GEORADIUS Sicily 15 37 200 parsec
        GEORADIUS Sicily 15 37 -200 km
        GEORADIUS Sicily 15 37 abc km
        GEORADIUS Sicily 200 37 200 km
        GEORADIUS Sicily 15 37 200 km COUNT 0
        GEORADIUS Sicily 15 37 200 km COUNT -3
        GEORADIUS Sicily 15 37 200 km COUNT x
        GEORADIUS Sicily 15 37 200 km COUNT
        GEORADIUS Sicily 15 37 200 km ANY
        GEORADIUS Sicily 15 37 200 km NOPE
        GEORADIUS Sicily 15 37 200 km STORE
        GEORADIUS Sicily 15 37 200 km STORE d WITHCOORD
        GEORADIUS str 15 37 200 km
        GEORADIUS nokey 200 37 200 km
        GEORADIUS_RO Sicily 15 37 200 km STORE d
        GEORADIUSBYMEMBER Sicily nobody 200 km
        GEORADIUSBYMEMBER Sicily Palermo -1 km
        GEORADIUSBYMEMBER nokey nobody -1 parsec
        GEORADIUSBYMEMBER nokey nobody 1 km NOPE
        GEOSEARCH Sicily BYBOX 400 400 km
        geosearch Sicily FROMMEMBER Palermo
        GeoSearch Sicily FROMMEMBER Palermo
        GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 2 BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 1 2 FROMMEMBER Palermo BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km BYBOX 1 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 -4 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX x 4 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 4 y km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 4 4 parsec
        GEOSEARCH Sicily FROMMEMBER nobody BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 1 90 BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 4 km STOREDIST
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 4 km STORE x
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 4 km COUNT 0
        GEOSEARCH nokey FROMMEMBER Palermo BYRADIUS 4 km
        GEOSEARCH nokey FROMMEMBER Palermo BYRADIUS -4 km
        GEOSEARCH str FROMMEMBER Palermo BYRADIUS 4 km
        GEOSEARCHSTORE out Sicily FROMMEMBER Palermo BYRADIUS 400 km WITHDIST
        GEOSEARCHSTORE out Sicily FROMMEMBER Palermo BYRADIUS 400 km STORE x
        GEOSEARCHSTORE out str FROMMEMBER Palermo BYRADIUS 400 km
        GEOSEARCHSTORE out Sicily FROMMEMBER Palermo BYRADIUS 400 km ANY
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 400
        GEOSEARCH
        GEODIST k a
    """)


def test_odd_scores_decode_as_redis_does(differ: Differ) -> None:
    """Scores ZADD put there, not GEOADD: negative, huge, infinite, past 52 bits."""
    differ.check("ZADD", "weird", "-1", "neg", "1e300", "huge", "inf", "pinf", "-inf", "ninf",
                 "4503599627370496", "big", "0", "zero", "0.5", "half",
                 "9007199254740993", "odd", "18446744073709551616", "two64")
    members = ["neg", "huge", "pinf", "ninf", "big", "zero", "half", "odd", "two64"]
    differ.check("GEOPOS", "weird", *members)
    differ.check("GEOHASH", "weird", *members)
    differ.check("GEODIST", "weird", "neg", "big")
    differ.check("GEODIST", "weird", "zero", "half")
    differ.check("GEORADIUSBYMEMBER", "weird", "zero", "100", "km", "WITHHASH", "WITHCOORD")


def test_ties_cut_by_count_follow_pqsort(differ: Differ) -> None:
    args: list[str] = []
    for i in range(90):
        args += [f"{10 + (i % 4) * 0.1:.1f}", "20", f"p{i:02d}"]
    differ.check("GEOADD", "t", *args)
    for count in (1, 3, 7, 8, 41, 60, 89, 90, 100):
        for order in ("ASC", "DESC"):
            differ.check("GEOSEARCH", "t", "FROMLONLAT", "10", "20", "BYRADIUS", "100", "km",
                         order, "COUNT", count)
        differ.check("GEORADIUS", "t", "10.1", "20", "100", "km", "COUNT", count, "ANY")


def test_partial_sort_orders_the_requested_prefix() -> None:
    rng = random.Random(7)
    for size in (1, 6, 7, 8, 40, 41, 200):
        values = [float(rng.randrange(20)) for _ in range(size)]
        for cut in {0, size // 3, size - 1}:
            points = [_point(value) for value in values]
            partial_quicksort(points, lambda a, b: (a.dist > b.dist) - (a.dist < b.dist), 0, cut)
            assert [p.dist for p in points[:cut + 1]] == sorted(values)[:cut + 1]


def test_merge_sort_is_stable_and_takes_nan() -> None:
    rng = random.Random(3)
    points = [_Point(0.0, 0.0, float(rng.randrange(5)), 0.0, b"%d" % i) for i in range(50)]
    asc = merge_sort(points, lambda a, b: (a.dist > b.dist) - (a.dist < b.dist))
    assert asc == sorted(points, key=lambda p: p.dist)
    with_nan = [*points[:10], _point(math.nan), *points[10:]]
    assert len(merge_sort(with_nan, lambda a, b: 1 if a.dist > b.dist else 0
                          if a.dist == b.dist else -1)) == 51


def _point(dist: float) -> _Point:
    return _Point(0.0, 0.0, dist, 0.0, b"")


def _coordinate(rng: random.Random, limit: float) -> float:
    roll = rng.random()
    if roll < 0.15:
        return rng.choice([limit, -limit, 0.0]) * rng.uniform(0.995, 1.0)
    return rng.uniform(-limit, limit)


@pytest.mark.parametrize("seed", range(6))
def test_random_searches_match(differ: Differ, seed: int) -> None:
    rng = random.Random(seed)
    center_lon, center_lat = _coordinate(rng, 180.0), _coordinate(rng, LAT_MAX)
    count = rng.randint(1, 100)
    args: list[str] = []
    for i in range(count):
        lon = min(180.0, max(-180.0, center_lon + rng.gauss(0, 3)))
        lat = min(LAT_MAX, max(-LAT_MAX, center_lat + rng.gauss(0, 2)))
        if rng.random() < 0.1 and args:
            lon, lat = float(args[-3]), float(args[-2])
        args += [repr(lon), repr(lat), f"m{i}"]
    differ.check("GEOADD", "g", *args)
    for _ in range(25):
        unit, scale = rng.choice([("m", 1.0), ("km", 1000.0), ("mi", 1609.34), ("ft", 0.3048)])
        size = 10 ** rng.uniform(2, 7.3) / scale
        options = [o for o in ("WITHDIST", "WITHCOORD", "WITHHASH") if rng.random() < 0.4]
        options += rng.choice([[], ["ASC"], ["DESC"]])
        if rng.random() < 0.5:
            options += ["COUNT", str(rng.randint(1, 30))] + (["ANY"] if rng.random() < 0.3 else [])
        if rng.random() < 0.5:
            origin = ["FROMMEMBER", f"m{rng.randrange(count)}"]
        else:
            origin = ["FROMLONLAT", repr(min(180.0, max(-180.0, center_lon + rng.gauss(0, 1)))),
                      repr(min(LAT_MAX, max(-LAT_MAX, center_lat + rng.gauss(0, 1))))]
        if rng.random() < 0.5:
            shape = ["BYRADIUS", repr(size), unit]
        else:
            shape = ["BYBOX", repr(size * rng.uniform(0.3, 2)), repr(size * rng.uniform(0.3, 2)),
                     unit]
        differ.check("GEOSEARCH", "g", *origin, *shape, *options)
        if rng.random() < 0.3:
            plain = [o for o in options if not o.startswith("WITH")]
            differ.check("GEOSEARCHSTORE", "dst", "g", *origin, *shape, *plain,
                         *(["STOREDIST"] if rng.random() < 0.5 else []))
            differ.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    members = [f"m{i}" for i in range(count)]
    differ.check("GEOPOS", "g", *members)
    differ.check("GEOHASH", "g", *members)
    for _ in range(10):
        differ.check("GEODIST", "g", rng.choice(members), rng.choice(members),
                     rng.choice(["m", "km", "mi", "ft"]))


GEO_COMMANDS = ["geoadd", "geodist", "geohash", "geopos", "geosearch", "geosearchstore",
                "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro"]


@pytest.mark.parametrize("name", GEO_COMMANDS)
def test_command_info_matches_redis(redis_port: int, name: str) -> None:
    redis = RespConnection("127.0.0.1", redis_port)
    theirs = parse_reply(redis.call("COMMAND", "INFO", name))
    redis.close()
    mine = parse_reply(GodisDirect().call("COMMAND", "INFO", name))
    assert isinstance(theirs, list)
    assert isinstance(mine, list)
    a, b = mine[0], theirs[0]
    assert isinstance(a, list)
    assert isinstance(b, list)
    assert a[:7] == b[:7]  # name, arity, flags, first/last/step, ACL categories (@geo)


def test_keys_categories_and_docs(differ: Differ) -> None:
    script(differ, """
        COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE a STOREDIST b
        COMMAND GETKEYS GEORADIUS src 1 2 3 km
        COMMAND GETKEYS GEORADIUS src 1 2 3 km storedist a store b STORE c
        COMMAND GETKEYS GEORADIUS src 1 2 3 km COUNT 3 STORE
        COMMAND GETKEYS GEORADIUS_RO src 1 2 3 km STORE x
        COMMAND GETKEYS GEORADIUSBYMEMBER src m 3 km STOREDIST out
        COMMAND GETKEYS GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km
        COMMAND GETKEYS GEOADD k 1 2 m
    """)
    differ.check_unordered("ACL", "CAT", "geo")
    differ.check("ACL", "SETUSER", "geo-user", "on", "nopass", "+@geo", "~*")
    differ.check("ACL", "DELUSER", "geo-user")


def test_geoadd_propagates_as_zadd(diff: Differ) -> None:
    log = propagated(diff)
    diff.check("GEOADD", "k", "CH", "13.361389", "38.115556", "Palermo")
    diff.check("GEOADD", "k", "NX", "13.361389", "38.115556", "Palermo")
    diff.check("GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km")
    diff.check("GEORADIUS", "k", "13", "38", "100", "km")
    assert log == [
        [b"zadd", b"k", b"CH", b"3479099956230698", b"Palermo"],
        [b"GEOSEARCHSTORE", b"d", b"k", b"FROMMEMBER", b"Palermo", b"BYRADIUS", b"1", b"km"],
    ]


def test_store_touches_watches_of_the_destination(diff: Differ) -> None:
    sicily(diff)
    script(diff, """
        WATCH dst
        GEORADIUS Sicily 15 37 200 km
        MULTI
        PING
        EXEC
        WATCH dst
        GEORADIUS Sicily 15 37 200 km STORE dst
        MULTI
        PING
        EXEC
        WATCH nothing
        GEOSEARCHSTORE nothing Sicily FROMMEMBER Palermo BYRADIUS 1 m
        MULTI
        PING
        EXEC
    """)


def test_keyspace_events(redis_port: int, godis_thread: ServerThread) -> None:
    compare_streams(redis_port, godis_thread, "KEA", [
        ("GEOADD", "s", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania"),
        ("GEOADD", "s", "NX", "13.361389", "38.115556", "Palermo"),
        ("GEOSEARCHSTORE", "out", "s", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km"),
        ("GEORADIUS", "s", "15", "37", "200", "km", "STORE", "out2"),
        ("GEORADIUS", "s", "15", "37", "1", "m", "STORE", "out2"),
        ("GEOSEARCHSTORE", "out", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km"),
    ])


def test_extreme_sizes(differ: Differ) -> None:
    """Radii and boxes from 0 to infinity: libm's NaN and infinities, not Python's errors."""
    differ.check("GEOADD", "g", "0", "0", "a", "179", "80", "b", "-179", "-80", "c", "90", "45",
                 "d", "-45.5", "-10", "e")
    origins = (("FROMLONLAT", "0", "0"), ("FROMLONLAT", "180", str(LAT_MAX)),
               ("FROMMEMBER", "c"))
    for size in ("0", "1e-300", "1e300", "inf", "1e7", "2e7", "4e7", "0x10"):
        for unit in ("m", "mi"):
            for origin in origins:
                differ.check("GEOSEARCH", "g", *origin, "BYRADIUS", size, unit, "WITHDIST", "ASC")
                differ.check("GEOSEARCH", "g", *origin, "BYBOX", size, size, unit, "WITHDIST",
                             "DESC")
                differ.check("GEOSEARCH", "g", *origin, "BYBOX", size, "1", unit, "WITHCOORD")
    differ.check("GEOSEARCH", "g", "FROMLONLAT", "-0", "-0", "BYRADIUS", "-0", "km", "WITHCOORD")
    differ.check("GEOADD", "g", "-0", "-0", "negzero")
    differ.check("GEOPOS", "g", "negzero")
    differ.check("GEORADIUS", "g", "0", "0", "1e-9", "m", "WITHDIST", "WITHHASH")


@pytest.mark.parametrize("name", GEO_COMMANDS)
def test_command_docs_match_redis(diff: Differ, name: str) -> None:
    """COMMAND DOCS: summary, since, group and complexity as Redis 7.0's."""
    mine = parse_reply(diff.godis.call("COMMAND", "DOCS", name))
    theirs = parse_reply(diff.redis.call("COMMAND", "DOCS", name))
    assert isinstance(mine, list)
    assert isinstance(theirs, list)
    assert mine[1][:8] == theirs[1][:8]
