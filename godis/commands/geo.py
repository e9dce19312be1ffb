"""Geo commands on sorted sets (Redis 7.0's geo.c): GEOADD, GEODIST, GEOHASH, GEOPOS,
GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and their _RO forms.

A member's score is its 52-bit geohash (:mod:`godis.keyspace.geohash`); GEOADD is ZADD with
those scores and is propagated as that ZADD, as Redis's ``replaceClientCommandVector`` makes it.
Searches follow ``georadiusGeneric``: the options in Redis's order and with its errors, the nine
boxes scanned in ``membersOfAllNeighbors``'s order, results sorted as Redis sorts them (glibc's
stable ``qsort`` for a full sort, Redis's ``pqsort`` when COUNT keeps fewer), distances with
four decimals (``fixedpoint_d2string``) and coordinates in ``LD_STR_HUMAN`` form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from godis.client import Client
from godis.commands.sort import partial_quicksort
from godis.commands.zsets import zadd_generic
from godis.errors import SYNTAX, CommandError
from godis.keyspace import geohash
from godis.keyspace.geohash import Shape
from godis.keyspace.values import ZSetValue
from godis.protocol.writer import NULL_ARRAY, HumanDouble, Reply
from godis.table import command, first_key_only
from godis.util import parse_float, parse_int

_UNITS: Final = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}

RADIUS_COORDS: Final = 1 << 0
RADIUS_MEMBER: Final = 1 << 1
RADIUS_NOSTORE: Final = 1 << 2
GEOSEARCH: Final = 1 << 3
GEOSEARCHSTORE: Final = 1 << 4

_SORT_NONE, _SORT_ASC, _SORT_DESC = 0, 1, 2


# -- argument helpers ---------------------------------------------------------------------------


def extract_lonlat(argv: list[bytes], index: int) -> tuple[float, float]:
    """``extractLongLatOrReply``."""
    longitude = parse_float(argv[index])
    latitude = parse_float(argv[index + 1])
    if (longitude < geohash.LONG_MIN or longitude > geohash.LONG_MAX
            or latitude < geohash.LAT_MIN or latitude > geohash.LAT_MAX):
        raise CommandError(f"ERR invalid longitude,latitude pair {longitude:f},{latitude:f}")
    return longitude, latitude


def extract_unit(arg: bytes) -> float:
    """``extractUnitOrReply``: metres per unit."""
    factor = _UNITS.get(arg.lower())
    if factor is None:
        raise CommandError("ERR unsupported unit provided. please use M, KM, FT, MI")
    return factor


def _extract_distance(argv: list[bytes], index: int) -> tuple[float, float]:
    """``extractDistanceOrReply``: (radius, conversion)."""
    radius = parse_float(argv[index], "ERR need numeric radius")
    if radius < 0:
        raise CommandError("ERR radius cannot be negative")
    return radius, extract_unit(argv[index + 1])


def _extract_box(argv: list[bytes], index: int) -> tuple[float, float, float]:
    """``extractBoxOrReply``: (width, height, conversion)."""
    width = parse_float(argv[index], "ERR need numeric width")
    height = parse_float(argv[index + 1], "ERR need numeric height")
    if height < 0 or width < 0:
        raise CommandError("ERR height or width cannot be negative")
    return width, height, extract_unit(argv[index + 2])


def _member_position(zset: ZSetValue, member: bytes) -> tuple[float, float]:
    """``longLatFromMember``, or Redis's error when the member is missing."""
    score = zset.scores.get(member)
    if score is None:
        raise CommandError("ERR could not decode requested zset member")
    return geohash.decode_score(score)


# -- GEOADD -------------------------------------------------------------------------------------


@command("geoadd", arity=-5, flags="write denyoom", keys=(1, 1, 1), group="geo", since="3.2.0",
         summary="Add one or more geospatial items in the geospatial index represented using a "
         "sorted set",
         complexity="O(log(N)) for each item added, where N is the number of elements in the "
         "sorted set.")
def geoadd_command(client: Client, argv: list[bytes]) -> Reply:
    """GEOADD key [NX|XX] [CH] longitude latitude member [...]: ZADD with geohash scores."""
    nx = xx = False
    index = 2
    while index < len(argv):
        option = argv[index].lower()
        if option == b"nx":
            nx = True
        elif option == b"xx":
            xx = True
        elif option != b"ch":
            break
        index += 1
    if (len(argv) - index) % 3 or (nx and xx):
        raise CommandError(SYNTAX)
    zadd_argv = [b"zadd", *argv[1:index]]
    for offset in range(index, len(argv), 3):
        longitude, latitude = extract_lonlat(argv, offset)
        zadd_argv += [b"%d" % geohash.score_of(longitude, latitude), argv[offset + 2]]
    client.propagate_override = [zadd_argv]
    return zadd_generic(client, zadd_argv, False)


# -- searching ----------------------------------------------------------------------------------


@dataclass
class _Point:
    """``geoPoint``."""

    longitude: float
    latitude: float
    dist: float
    score: float
    member: bytes


def _points_in_range(zset: ZSetValue, low: int, high: int, shape: Shape, found: list[_Point],
                     limit: int) -> None:
    """``geoGetPointsInRange``: members with ``low <= score < high`` inside the shape."""
    start, stop = zset.score_span(float(low), False, float(high), True)
    for score, member in zset.ordered.islice(start, stop):
        longitude, latitude = geohash.decode_score(score)
        dist = geohash.within(shape, longitude, latitude)
        if dist is not None:
            found.append(_Point(longitude, latitude, dist, score, member))
        if found and limit and len(found) >= limit:
            break


def _members_of_all_neighbors(zset: ZSetValue, shape: Shape, limit: int) -> list[_Point]:
    """``membersOfAllNeighbors``: the nine boxes, a box equal to the previous one skipped."""
    boxes = geohash.search_boxes(shape)
    found: list[_Point] = []
    last_processed = 0
    for i, box in enumerate(boxes):
        if box == (0, 0):
            continue
        if last_processed and box == boxes[last_processed]:
            continue
        if found and limit and len(found) >= limit:
            break
        low, high = geohash.box_scores(box)
        _points_in_range(zset, low, high, shape, found, limit)
        last_processed = i
    return found


def _compare_asc(a: _Point, b: _Point) -> int:
    return 1 if a.dist > b.dist else 0 if a.dist == b.dist else -1


def _compare_desc(a: _Point, b: _Point) -> int:
    return -_compare_asc(a, b)


def merge_sort(items: list[_Point], compare: Callable[[_Point, _Point], int]) -> list[_Point]:
    """glibc's ``msort_with_tmp`` (its qsort): halves, then a merge taking the left element
    while ``compare <= 0``; only needed when NaN distances make the comparator inconsistent."""
    if len(items) <= 1:
        return items
    half = len(items) // 2
    left = merge_sort(items[:half], compare)
    right = merge_sort(items[half:], compare)
    merged: list[_Point] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if compare(left[i], right[j]) <= 0:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    return merged + left[i:] + right[j:]


def georadius_generic(client: Client, argv: list[bytes], src_index: int, flags: int) -> Reply:
    """``georadiusGeneric``: every search command, its options and its two replies."""
    db = client.db
    zset = db.get_typed(argv[src_index], ZSetValue)
    store_key: bytes | None = None
    storedist = False
    longitude = latitude = 0.0
    radius: float | None = None
    width = height = 0.0
    conversion = 0.0
    if flags & RADIUS_COORDS:
        base_args = 6
        longitude, latitude = extract_lonlat(argv, 2)
        radius, conversion = _extract_distance(argv, base_args - 2)
    elif flags & RADIUS_MEMBER and zset is None:
        base_args = 5  # no source: parse the options, to know which empty reply to give
    elif flags & RADIUS_MEMBER:
        assert zset is not None
        base_args = 5
        longitude, latitude = _member_position(zset, argv[2])
        radius, conversion = _extract_distance(argv, base_args - 2)
    else:
        base_args = 2
        if flags & GEOSEARCHSTORE:
            base_args = 3
            store_key = argv[1]

    withdist = withhash = withcoords = False
    frommember = fromloc = byradius = bybox = False
    sort = _SORT_NONE
    any_ = False
    count = 0
    remaining = len(argv) - base_args
    i = 0
    while i < remaining:
        arg = argv[base_args + i].lower()
        at = base_args + i
        if arg == b"withdist":
            withdist = True
        elif arg == b"withhash":
            withhash = True
        elif arg == b"withcoord":
            withcoords = True
        elif arg == b"any":
            any_ = True
        elif arg == b"asc":
            sort = _SORT_ASC
        elif arg == b"desc":
            sort = _SORT_DESC
        elif arg == b"count" and i + 1 < remaining:
            count = parse_int(argv[at + 1])
            if count <= 0:
                raise CommandError("ERR COUNT must be > 0")
            i += 1
        elif (arg in (b"store", b"storedist") and i + 1 < remaining
              and not flags & RADIUS_NOSTORE and not flags & GEOSEARCH):
            store_key = argv[at + 1]
            storedist = arg == b"storedist"
            i += 1
        elif arg == b"storedist" and flags & GEOSEARCH and flags & GEOSEARCHSTORE:
            storedist = True
        elif arg == b"frommember" and i + 1 < remaining and flags & GEOSEARCH and not fromloc:
            if zset is not None:
                longitude, latitude = _member_position(zset, argv[at + 1])
            frommember = True
            i += 1
        elif arg == b"fromlonlat" and i + 2 < remaining and flags & GEOSEARCH and not frommember:
            longitude, latitude = extract_lonlat(argv, at + 1)
            fromloc = True
            i += 2
        elif arg == b"byradius" and i + 2 < remaining and flags & GEOSEARCH and not bybox:
            radius, conversion = _extract_distance(argv, at + 1)
            byradius = True
            i += 2
        elif arg == b"bybox" and i + 3 < remaining and flags & GEOSEARCH and not byradius:
            width, height, conversion = _extract_box(argv, at + 1)
            radius = None
            bybox = True
            i += 3
        else:
            raise CommandError(SYNTAX)
        i += 1

    name = argv[0].decode("utf-8", "surrogateescape")
    if store_key is not None and (withdist or withhash or withcoords):
        what = "GEOSEARCHSTORE" if flags & GEOSEARCHSTORE else "STORE option in GEORADIUS"
        raise CommandError(f"ERR {what} is not compatible with WITHDIST, WITHHASH and "
                           "WITHCOORD options")
    if flags & GEOSEARCH and not (frommember or fromloc):
        raise CommandError(f"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for "
                           f"{name}")
    if flags & GEOSEARCH and not (byradius or bybox):
        raise CommandError(f"ERR exactly one of BYRADIUS and BYBOX can be specified for {name}")
    if any_ and not count:
        raise CommandError("ERR the ANY argument requires COUNT argument")

    if zset is None:
        if store_key is not None:
            return _store(client, store_key, [], storedist, flags)
        return []

    if count and sort == _SORT_NONE and not any_:
        sort = _SORT_ASC
    shape = Shape(longitude, latitude, conversion, radius, width, height)
    found = _members_of_all_neighbors(zset, shape, count if any_ else 0)
    if not found and store_key is None:
        return []
    returned = len(found) if count == 0 or len(found) < count else count
    if sort != _SORT_NONE:
        compare = _compare_asc if sort == _SORT_ASC else _compare_desc
        if returned == len(found):
            if any(point.dist != point.dist for point in found):
                found = merge_sort(found, compare)  # NaN: the comparator is inconsistent
            else:  # glibc's qsort is a merge sort: stable, so any stable sort agrees
                found.sort(key=lambda p: p.dist, reverse=sort == _SORT_DESC)
        else:
            partial_quicksort(found, compare, 0, returned - 1)
    found = found[:returned]
    for point in found:
        point.dist /= conversion
    if store_key is not None:
        return _store(client, store_key, found, storedist, flags)
    reply: list[Reply] = []
    options = withdist + withcoords + withhash
    for point in found:
        if not options:
            reply.append(point.member)
            continue
        item: list[Reply] = [point.member]
        if withdist:
            item.append(geohash.format_distance(point.dist))
        if withhash:
            item.append(geohash.to_int64(point.score))
        if withcoords:
            item.append([HumanDouble(geohash.format_human(point.longitude)),
                         HumanDouble(geohash.format_human(point.latitude))])
        reply.append(item)
    return reply


def _store(client: Client, key: bytes, points: list[_Point], storedist: bool,
           flags: int) -> Reply:
    """The STORE / STOREDIST / GEOSEARCHSTORE half of ``georadiusGeneric``; dispatch signals
    the key (its ``written_keys``) as ``setKey`` / ``dbDelete`` + ``signalModifiedKey`` do."""
    db = client.db
    keyspace = client.keyspace
    if points:
        pairs = sorted(((p.dist if storedist else p.score), p.member) for p in points)
        config = client.server.config
        max_entries = int(config["zset-max-listpack-entries"])
        max_value = int(config["zset-max-listpack-value"])
        fits = len(pairs) <= max_entries and all(len(m) <= max_value for _, m in pairs)
        db.get(key)  # an expired destination is gone first: its replacement is "new"
        db.set(key, ZSetValue.from_sorted(pairs, "listpack" if fits else "skiplist"))
        event = "geosearchstore" if flags & GEOSEARCH else "georadiusstore"
        keyspace.notify(db.index, "z", event, key)
        keyspace.dirty += len(pairs)
        return len(pairs)
    if db.delete(key):
        keyspace.notify(db.index, "g", "del", key)
        keyspace.dirty += 1
    return 0


def _keyword_key(argv: list[bytes], keyword: bytes, start: int) -> list[int]:
    """A ``KSPEC_BS_KEYWORD`` key spec: the argument after the first ``keyword`` from
    ``start`` (the last argument is never looked at, as ``getKeysUsingKeySpecs``)."""
    for i in range(start, len(argv) - 1):
        if argv[i].lower() == keyword:
            return [i + 1]
    return []


def _keys_by_specs(options_at: int) -> Callable[[list[bytes]], list[int]]:
    """GEORADIUS[BYMEMBER]'s key specs, which 7.0's getKeysFromCommandWithSpecs prefers to
    ``georadiusGetKeys``: the source, the first STORE key, the first STOREDIST key."""

    def finder(argv: list[bytes]) -> list[int]:
        return [1, *_keyword_key(argv, b"store", options_at),
                *_keyword_key(argv, b"storedist", options_at)]

    return finder


def _georadius_written(argv: list[bytes]) -> list[int]:
    """The key georadiusGeneric writes: the last STORE/STOREDIST target (georadiusGetKeys)."""
    stored: list[int] = []
    i = 5
    while i < len(argv):
        if argv[i].lower() in (b"store", b"storedist") and i + 1 < len(argv):
            stored = [i + 1]
            i += 1
        i += 1
    return stored


_RADIUS_COMPLEXITY: Final = ("O(N+log(M)) where N is the number of elements inside the bounding "
                             "box of the circular area delimited by center and radius and M is "
                             "the number of items inside the index.")
_SEARCH_COMPLEXITY: Final = ("O(N+log(M)) where N is the number of elements in the grid-aligned "
                             "bounding box area around the shape provided as the filter and M is "
                             "the number of items inside the shape")


@command("georadius", arity=-6, flags="write denyoom", keys=(1, 1, 1),
         get_keys=_keys_by_specs(6), written_keys=_georadius_written, group="geo", since="3.2.0",
         summary="Query a sorted set representing a geospatial index to fetch members matching "
         "a given maximum distance from a point", complexity=_RADIUS_COMPLEXITY)
def georadius_command(client: Client, argv: list[bytes]) -> Reply:
    """GEORADIUS key longitude latitude radius unit [options] [STORE key] [STOREDIST key]."""
    return georadius_generic(client, argv, 1, RADIUS_COORDS)


@command("georadiusbymember", arity=-5, flags="write denyoom", keys=(1, 1, 1),
         get_keys=_keys_by_specs(5), written_keys=_georadius_written, group="geo", since="3.2.0",
         summary="Query a sorted set representing a geospatial index to fetch members matching "
         "a given maximum distance from a member", complexity=_RADIUS_COMPLEXITY)
def georadiusbymember_command(client: Client, argv: list[bytes]) -> Reply:
    """GEORADIUSBYMEMBER key member radius unit [options] [STORE key] [STOREDIST key]."""
    return georadius_generic(client, argv, 1, RADIUS_MEMBER)


@command("georadius_ro", arity=-6, flags="readonly", keys=(1, 1, 1), group="geo",
         since="3.2.10", summary="A read-only variant for GEORADIUS",
         complexity=_RADIUS_COMPLEXITY)
def georadius_ro_command(client: Client, argv: list[bytes]) -> Reply:
    """GEORADIUS_RO: GEORADIUS without STORE."""
    return georadius_generic(client, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)


@command("georadiusbymember_ro", arity=-5, flags="readonly", keys=(1, 1, 1), group="geo",
         since="3.2.10", summary="A read-only variant for GEORADIUSBYMEMBER",
         complexity=_RADIUS_COMPLEXITY)
def georadiusbymember_ro_command(client: Client, argv: list[bytes]) -> Reply:
    """GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE."""
    return georadius_generic(client, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)


@command("geosearch", arity=-7, flags="readonly", keys=(1, 1, 1), group="geo", since="6.2.0",
         summary="Query a sorted set representing a geospatial index to fetch members inside an "
         "area of a box or a circle.", complexity=_SEARCH_COMPLEXITY)
def geosearch_command(client: Client, argv: list[bytes]) -> Reply:
    """GEOSEARCH key FROMMEMBER m|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [...]."""
    return georadius_generic(client, argv, 1, GEOSEARCH)


@command("geosearchstore", arity=-8, flags="write denyoom", keys=(1, 2, 1), group="geo",
         since="6.2.0", written_keys=first_key_only,
         summary="Query a sorted set representing a geospatial index to fetch members inside an "
         "area of a box or a circle, and store the result in another key.",
         complexity=_SEARCH_COMPLEXITY)
def geosearchstore_command(client: Client, argv: list[bytes]) -> Reply:
    """GEOSEARCHSTORE destination source ... [STOREDIST]."""
    return georadius_generic(client, argv, 2, GEOSEARCH | GEOSEARCHSTORE)


# -- GEOHASH GEOPOS GEODIST ---------------------------------------------------------------------


@command("geohash", arity=-2, flags="readonly", keys=(1, 1, 1), group="geo", since="3.2.0",
         summary="Returns members of a geospatial index as standard geohash strings",
         complexity="O(log(N)) for each member requested, where N is the number of elements in "
         "the sorted set.")
def geohash_command(client: Client, argv: list[bytes]) -> Reply:
    """GEOHASH key [member ...]: 11-character strings, nil for missing members."""
    zset = client.db.get_typed(argv[1], ZSetValue)
    reply: list[Reply] = []
    for member in argv[2:]:
        score = zset.scores.get(member) if zset is not None else None
        reply.append(None if score is None else geohash.hash_string(score))
    return reply


@command("geopos", arity=-2, flags="readonly", keys=(1, 1, 1), group="geo", since="3.2.0",
         summary="Returns longitude and latitude of members of a geospatial index",
         complexity="O(N) where N is the number of members requested.")
def geopos_command(client: Client, argv: list[bytes]) -> Reply:
    """GEOPOS key [member ...]: [longitude, latitude] as decoded, a null array if missing."""
    zset = client.db.get_typed(argv[1], ZSetValue)
    reply: list[Reply] = []
    for member in argv[2:]:
        score = zset.scores.get(member) if zset is not None else None
        if score is None:
            reply.append(NULL_ARRAY)
            continue
        longitude, latitude = geohash.decode_score(score)
        reply.append([HumanDouble(geohash.format_human(longitude)),
                      HumanDouble(geohash.format_human(latitude))])
    return reply


@command("geodist", arity=-4, flags="readonly", keys=(1, 1, 1), group="geo", since="3.2.0",
         summary="Returns the distance between two members of a geospatial index",
         complexity="O(log(N))")
def geodist_command(client: Client, argv: list[bytes]) -> Reply:
    """GEODIST key member1 member2 [unit]: the unit is checked before the key."""
    to_meter = 1.0
    if len(argv) == 5:
        to_meter = extract_unit(argv[4])
    elif len(argv) > 5:
        raise CommandError(SYNTAX)
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return None
    first = zset.scores.get(argv[2])
    second = zset.scores.get(argv[3])
    if first is None or second is None:
        return None
    lon1, lat1 = geohash.decode_score(first)
    lon2, lat2 = geohash.decode_score(second)
    return geohash.format_distance(geohash.distance(lon1, lat1, lon2, lat2) / to_meter)
