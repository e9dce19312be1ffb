"""Redis's geohash arithmetic (``geohash.c``, ``geohash_helper.c``, the search helpers of
``geo.c``), operation for operation, so scores, decoded coordinates and distances are Redis's
bit for bit.

A position is a 52-bit interleaved geohash (26 steps of longitude and latitude, latitude in the
even bits) over longitudes [-180, 180] and latitudes [-85.05112878, 85.05112878] (the
EPSG:900913 limits), stored as a sorted-set score. A search covers the shape's bounding box with
the 3x3 geohash boxes around its centre at a step estimated from the radius
(``geohashCalculateAreasByShapeWGS84``); each box is a score range of the sorted set. Distances
are haversine on a sphere of radius 6372797.560856 m.

Pure functions on floats and ints: C's doubles are Python's floats, the same libm computes
``sin``/``cos``/``asin``/``sqrt``, and 64-bit unsigned arithmetic is masked explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

STEP_MAX: Final = 26
LAT_MIN: Final = -85.05112878
LAT_MAX: Final = 85.05112878
LONG_MIN: Final = -180.0
LONG_MAX: Final = 180.0
EARTH_RADIUS_IN_METERS: Final = 6372797.560856
MERCATOR_MAX: Final = 20037726.37
D_R: Final = math.pi / 180.0

_MASK64: Final = (1 << 64) - 1
_EVEN: Final = 0x5555555555555555
_ODD: Final = 0xAAAAAAAAAAAAAAAA

Range = tuple[float, float]
"""(min, max) of one coordinate."""

WGS84: Final[tuple[Range, Range]] = ((LONG_MIN, LONG_MAX), (LAT_MIN, LAT_MAX))
STANDARD: Final[tuple[Range, Range]] = ((-180.0, 180.0), (-90.0, 90.0))  # GEOHASH's strings


def _cos(value: float) -> float:
    """libm's ``cos``: NaN for an infinite argument, where Python raises."""
    return math.cos(value) if math.isfinite(value) else math.nan


def _sqrt(value: float) -> float:
    return math.sqrt(value) if value >= 0 or math.isnan(value) else math.nan


def _div(a: float, b: float) -> float:
    """C's double division: by zero gives an infinity (or NaN), where Python raises."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def deg_rad(angle: float) -> float:
    return angle * D_R


def rad_deg(angle: float) -> float:
    return angle / D_R


# -- bits -------------------------------------------------------------------------------------


def _spread(value: int) -> int:
    """The 32 bits of ``value`` on the even bits of a 64-bit word (``interleave64``'s half)."""
    value &= 0xFFFFFFFF
    value = (value | (value << 16)) & 0x0000FFFF0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value << 2)) & 0x3333333333333333
    return (value | (value << 1)) & _EVEN


def _squash(value: int) -> int:
    """The even bits of ``value`` packed into 32 bits (``deinterleave64``'s half)."""
    value &= _EVEN
    value = (value | (value >> 1)) & 0x3333333333333333
    value = (value | (value >> 2)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value >> 4)) & 0x00FF00FF00FF00FF
    value = (value | (value >> 8)) & 0x0000FFFF0000FFFF
    return (value | (value >> 16)) & 0x00000000FFFFFFFF


def interleave64(lat: int, lon: int) -> int:
    """``interleave64(xlo, ylo)``: latitude on the even bits, longitude on the odd ones."""
    return _spread(lat) | (_spread(lon) << 1)


def deinterleave64(bits: int) -> tuple[int, int]:
    """``deinterleave64``: (latitude part, longitude part)."""
    return _squash(bits), _squash(bits >> 1)


def to_uint64(value: float) -> int:
    """C's ``(uint64_t)`` of a double as x86-64 code computes it (``cvttsd2si`` twice around
    2^63), out-of-range values included: a stray ZADD score decodes as Redis decodes it."""
    if value < 9223372036854775808.0:
        return _cvttsd2si(value) & _MASK64
    return (_cvttsd2si(value - 9223372036854775808.0) ^ (1 << 63)) & _MASK64


def _cvttsd2si(value: float) -> int:
    if value != value or math.isinf(value):
        return -(1 << 63)
    truncated = int(value)
    if not -(1 << 63) <= truncated < (1 << 63):
        return -(1 << 63)  # the "integer indefinite" value
    return truncated


def to_int64(value: float) -> int:
    """C's ``(long long)`` of a double (WITHHASH's ``addReplyLongLong(gp->score)``)."""
    return _cvttsd2si(value)


# -- encode / decode ----------------------------------------------------------------------------


def encode(longitude: float, latitude: float, step: int = STEP_MAX,
           ranges: tuple[Range, Range] = WGS84) -> int | None:
    """``geohashEncode``: the ``2*step``-bit hash, or None outside the limits."""
    (long_min, long_max), (lat_min, lat_max) = ranges
    if (longitude > LONG_MAX or longitude < LONG_MIN or latitude > LAT_MAX
            or latitude < LAT_MIN):
        return None
    if latitude < lat_min or latitude > lat_max or longitude < long_min or longitude > long_max:
        return None
    lat_offset = (latitude - lat_min) / (lat_max - lat_min)
    long_offset = (longitude - long_min) / (long_max - long_min)
    lat_offset *= float(1 << step)
    long_offset *= float(1 << step)
    return interleave64(int(lat_offset), int(long_offset))


@dataclass(frozen=True)
class Area:
    """``GeoHashArea``: a hash and the box it covers."""

    bits: int
    step: int
    long_min: float
    long_max: float
    lat_min: float
    lat_max: float


def decode(bits: int, step: int, ranges: tuple[Range, Range] = WGS84) -> Area:
    """``geohashDecode``."""
    (long_min, long_max), (lat_min, lat_max) = ranges
    ilato, ilono = deinterleave64(bits)
    lat_scale = lat_max - lat_min
    long_scale = long_max - long_min
    cells = float(1 << step)
    return Area(
        bits, step,
        long_min + (ilono * 1.0 / cells) * long_scale,
        long_min + (((ilono + 1) & 0xFFFFFFFF) * 1.0 / cells) * long_scale,
        lat_min + (ilato * 1.0 / cells) * lat_scale,
        lat_min + (((ilato + 1) & 0xFFFFFFFF) * 1.0 / cells) * lat_scale,
    )


def area_center(area: Area) -> tuple[float, float]:
    """``geohashDecodeAreaToLongLat``: the box's centre, clamped to the limits."""
    longitude = (area.long_min + area.long_max) / 2
    longitude = min(max(longitude, LONG_MIN), LONG_MAX)
    latitude = (area.lat_min + area.lat_max) / 2
    latitude = min(max(latitude, LAT_MIN), LAT_MAX)
    return longitude, latitude


_CELLS: Final = float(1 << STEP_MAX)
_LONG_SCALE: Final = LONG_MAX - LONG_MIN
_LAT_SCALE: Final = LAT_MAX - LAT_MIN


def decode_score(score: float) -> tuple[float, float]:
    """``decodeGeohash``: the (longitude, latitude) a sorted-set score stands for.

    :func:`decode` and :func:`area_center` inlined (every search decodes every candidate),
    the same operations in the same order."""
    bits = int(score) if 0 <= score < 4503599627370496.0 else to_uint64(score)
    ilato = _squash(bits)
    ilono = _squash(bits >> 1)
    longitude = ((LONG_MIN + (ilono * 1.0 / _CELLS) * _LONG_SCALE)
                 + (LONG_MIN + (((ilono + 1) & 0xFFFFFFFF) * 1.0 / _CELLS) * _LONG_SCALE)) / 2
    latitude = ((LAT_MIN + (ilato * 1.0 / _CELLS) * _LAT_SCALE)
                + (LAT_MIN + (((ilato + 1) & 0xFFFFFFFF) * 1.0 / _CELLS) * _LAT_SCALE)) / 2
    if longitude > LONG_MAX:
        longitude = LONG_MAX
    elif longitude < LONG_MIN:
        longitude = LONG_MIN
    if latitude > LAT_MAX:
        latitude = LAT_MAX
    elif latitude < LAT_MIN:
        latitude = LAT_MIN
    return longitude, latitude


def score_of(longitude: float, latitude: float) -> int:
    """GEOADD's score: the 26-step hash aligned to 52 bits (``geohashAlign52Bits``)."""
    bits = encode(longitude, latitude)
    assert bits is not None, "coordinates are checked before"
    return bits


def align52(bits: int, step: int) -> int:
    """``geohashAlign52Bits``."""
    return (bits << (52 - step * 2)) & _MASK64


GEOALPHABET: Final = b"0123456789bcdefghjkmnpqrstuvwxyz"


def hash_string(score: float) -> bytes:
    """GEOHASH's 11 characters: decoded, re-encoded on the standard [-90, 90] latitudes."""
    longitude, latitude = decode_score(score)
    bits = encode(longitude, latitude, STEP_MAX, STANDARD)
    assert bits is not None
    chars = bytearray()
    for i in range(11):
        index = 0 if i == 10 else (bits >> (52 - (i + 1) * 5)) & 0x1F
        chars.append(GEOALPHABET[index])
    return bytes(chars)


# -- neighbours ---------------------------------------------------------------------------------


def _move_x(bits: int, step: int, d: int) -> int:
    if d == 0:
        return bits
    x = bits & _ODD
    y = bits & _EVEN
    zz = _EVEN >> (64 - step * 2)
    if d > 0:
        x = (x + (zz + 1)) & _MASK64
    else:
        x = x | zz
        x = (x - (zz + 1)) & _MASK64
    x &= _ODD >> (64 - step * 2)
    return x | y


def _move_y(bits: int, step: int, d: int) -> int:
    if d == 0:
        return bits
    x = bits & _ODD
    y = bits & _EVEN
    zz = _ODD >> (64 - step * 2)
    if d > 0:
        y = (y + (zz + 1)) & _MASK64
    else:
        y = y | zz
        y = (y - (zz + 1)) & _MASK64
    y &= _EVEN >> (64 - step * 2)
    return x | y


def _neighbor(bits: int, step: int, dx: int, dy: int) -> int:
    return _move_y(_move_x(bits, step, dx), step, dy)


# -- the search area ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """``GeoShape``: a circle (``radius``) or a box (``width`` x ``height``) around
    (``longitude``, ``latitude``); sizes in the query's unit, ``conversion`` to metres."""

    longitude: float
    latitude: float
    conversion: float
    radius: float | None = None
    width: float = 0.0
    height: float = 0.0


def estimate_steps(range_meters: float, latitude: float) -> int:
    """``geohashEstimateStepsByRadius``."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if latitude > 66 or latitude < -66:
        step -= 1
        if latitude > 80 or latitude < -80:
            step -= 1
    return min(max(step, 1), 26)


def bounding_box(shape: Shape) -> tuple[float, float, float, float]:
    """``geohashBoundingBox``: (min_lon, min_lat, max_lon, max_lat)."""
    longitude, latitude = shape.longitude, shape.latitude
    height = shape.conversion * (shape.radius if shape.radius is not None else shape.height / 2)
    width = shape.conversion * (shape.radius if shape.radius is not None else shape.width / 2)
    lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS)
    long_delta_top = rad_deg(_div(width / EARTH_RADIUS_IN_METERS,
                                  _cos(deg_rad(latitude + lat_delta))))
    long_delta_bottom = rad_deg(_div(width / EARTH_RADIUS_IN_METERS,
                                     _cos(deg_rad(latitude - lat_delta))))
    southern = latitude < 0
    min_lon = longitude - long_delta_bottom if southern else longitude - long_delta_top
    max_lon = longitude + long_delta_bottom if southern else longitude + long_delta_top
    return min_lon, latitude - lat_delta, max_lon, latitude + lat_delta


Box = tuple[int, int]
"""(bits, step) of a geohash box; (0, 0) is an excluded box (``GZERO``)."""


def search_boxes(shape: Shape) -> list[Box]:
    """``geohashCalculateAreasByShapeWGS84``: the centre box and its eight neighbours, in
    ``membersOfAllNeighbors``'s order (centre, N, S, E, W, NE, NW, SE, SW)."""
    min_lon, min_lat, max_lon, max_lat = bounding_box(shape)
    if shape.radius is not None:
        radius_meters = shape.radius
    else:
        radius_meters = _sqrt((shape.width / 2) * (shape.width / 2)
                              + (shape.height / 2) * (shape.height / 2))
    radius_meters *= shape.conversion
    steps = estimate_steps(radius_meters, shape.latitude)

    def around(step: int) -> tuple[int, Area, dict[str, int]]:
        bits = encode(shape.longitude, shape.latitude, step)
        assert bits is not None
        near = {
            "north": _neighbor(bits, step, 0, 1), "south": _neighbor(bits, step, 0, -1),
            "east": _neighbor(bits, step, 1, 0), "west": _neighbor(bits, step, -1, 0),
            "north_east": _neighbor(bits, step, 1, 1), "north_west": _neighbor(bits, step, -1, 1),
            "south_east": _neighbor(bits, step, 1, -1),
            "south_west": _neighbor(bits, step, -1, -1),
        }
        return bits, decode(bits, step), near

    bits, area, near = around(steps)
    decrease = (decode(near["north"], steps).lat_max < max_lat
                or decode(near["south"], steps).lat_min > min_lat
                or decode(near["east"], steps).long_max < max_lon
                or decode(near["west"], steps).long_min > min_lon)
    if steps > 1 and decrease:
        steps -= 1
        bits, area, near = around(steps)
    dropped: set[str] = set()
    if steps >= 2:
        if area.lat_min < min_lat:
            dropped |= {"south", "south_west", "south_east"}
        if area.lat_max > max_lat:
            dropped |= {"north", "north_east", "north_west"}
        if area.long_min < min_lon:
            dropped |= {"west", "south_west", "north_west"}
        if area.long_max > max_lon:
            dropped |= {"east", "south_east", "north_east"}
    order = ("north", "south", "east", "west", "north_east", "north_west", "south_east",
             "south_west")
    return [(bits, steps)] + [(0, 0) if name in dropped else (near[name], steps)
                              for name in order]


def box_scores(box: Box) -> tuple[int, int]:
    """``scoresOfGeoHashBox``: the score range [min, max) of the members inside ``box``."""
    bits, step = box
    return align52(bits, step), align52((bits + 1) & _MASK64, step)


# -- distances ----------------------------------------------------------------------------------


def lat_distance(lat1: float, lat2: float) -> float:
    """``geohashGetLatDistance``."""
    return EARTH_RADIUS_IN_METERS * math.fabs(deg_rad(lat2) - deg_rad(lat1))


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """``geohashGetDistance``: haversine, in metres. The coordinates are finite (checked or
    decoded), so libm and Python agree but for ``asin`` a hair above 1."""
    lon1r = lon1 * D_R
    lon2r = lon2 * D_R
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return EARTH_RADIUS_IN_METERS * math.fabs(lat2 * D_R - lat1 * D_R)
    lat1r = lat1 * D_R
    lat2r = lat2 * D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    root = math.sqrt(a)
    return 2.0 * EARTH_RADIUS_IN_METERS * (math.asin(root) if root <= 1.0 else math.nan)


def within(shape: Shape, longitude: float, latitude: float) -> float | None:
    """``geoWithinShape`` after decoding: the distance in metres if inside, else None."""
    if shape.radius is not None:
        dist = distance(shape.longitude, shape.latitude, longitude, latitude)
        return None if dist > shape.radius * shape.conversion else dist
    width_m = shape.width * shape.conversion
    height_m = shape.height * shape.conversion
    if lat_distance(latitude, shape.latitude) > height_m / 2:
        return None
    if distance(longitude, latitude, shape.longitude, latitude) > width_m / 2:
        return None
    return distance(shape.longitude, shape.latitude, longitude, latitude)


# -- formatting ---------------------------------------------------------------------------------


def format_distance(value: float) -> bytes:
    """``fixedpoint_d2string(value, 4)``: ``llrint(value * 10^4)`` as four decimals."""
    if value == 0:
        return b"0.0000"
    scaled = value * 10000.0
    if math.isinf(scaled) or math.isnan(scaled):
        scaled_int = -(1 << 63)  # llrint's out-of-range result
    else:
        scaled_int = round(scaled)  # round half to even, as llrint in the default mode
        if not -(1 << 63) <= scaled_int < (1 << 63):
            scaled_int = -(1 << 63)
    negative = scaled_int < 0
    magnitude = -scaled_int if negative else scaled_int
    digits = b"%d" % magnitude
    if len(digits) <= 4:
        digits = b"0" * (5 - len(digits)) + digits
    text = digits[:-4] + b"." + digits[-4:]
    return b"-" + text if negative else text


def format_human(value: float) -> bytes:
    """``ld2string(..., LD_STR_HUMAN)`` of a double: ``%.17Lf`` without trailing zeros."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    text = b"%.17f" % value
    if b"." in text:
        text = text.rstrip(b"0").rstrip(b".")
    if text == b"-0":
        text = b"0"
    return text
