"""The pure geohash helpers (geohash.c / geohash_helper.c), checked on known values and by
round trips; the differential tests in tests/commands/test_geo.py compare them with Redis."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from godis.keyspace import geohash

LONGITUDES = st.floats(min_value=-180.0, max_value=180.0)
LATITUDES = st.floats(min_value=geohash.LAT_MIN, max_value=geohash.LAT_MAX)


def test_known_values() -> None:
    score = geohash.score_of(13.361389, 38.115556)
    assert score == 3479099956230698
    assert geohash.hash_string(score) == b"sqc8b49rny0"
    assert geohash.format_human(geohash.decode_score(score)[0]) == b"13.36138933897018433"
    assert geohash.format_distance(166274.15156960033) == b"166274.1516"


@given(LONGITUDES, LATITUDES, st.integers(min_value=1, max_value=26))
def test_interleave_round_trip(longitude: float, latitude: float, step: int) -> None:
    bits = geohash.encode(longitude, latitude, step)
    assert bits is not None
    assert bits < 1 << (2 * step + 2)  # a coordinate at its maximum carries into bit 2*step
    lat_part, lon_part = geohash.deinterleave64(bits)
    assert geohash.interleave64(lat_part, lon_part) == bits
    area = geohash.decode(bits, step)  # the offset's rounding may land on the next cell
    assert area.long_min <= longitude + 1e-9
    assert area.lat_min <= latitude + 1e-9


@given(LONGITUDES, LATITUDES)
def test_decoded_position_is_within_a_cell(longitude: float, latitude: float) -> None:
    decoded = geohash.decode_score(geohash.score_of(longitude, latitude))
    assert abs(decoded[0] - longitude) <= 360 / 2**26
    assert abs(decoded[1] - latitude) <= 180 / 2**26


def test_neighbours_wrap_around_the_grid() -> None:
    boxes = geohash.search_boxes(geohash.Shape(179.99, 0.0, 1000.0, radius=100.0))
    assert len(boxes) == 9
    step = boxes[0][1]
    assert all(box == (0, 0) or box[1] == step for box in boxes)


def test_uint64_conversion_as_x86_64() -> None:
    assert geohash.to_uint64(1.5) == 1
    assert geohash.to_uint64(-1.0) == (1 << 64) - 1
    assert geohash.to_uint64(2.0**63) == 1 << 63
    assert geohash.to_uint64(math.inf) == 0
    assert geohash.to_uint64(1e300) == 0
    assert geohash.to_int64(1e300) == -(1 << 63)


def test_fixed_point_distance() -> None:
    assert geohash.format_distance(0.0) == b"0.0000"
    assert geohash.format_distance(-0.0) == b"0.0000"
    assert geohash.format_distance(0.00004) == b"0.0000"
    assert geohash.format_distance(0.0123) == b"0.0123"
    assert geohash.format_distance(0.00005) == b"0.0000"  # llrint: half to even
    assert geohash.format_distance(1.23456) == b"1.2346"
    assert geohash.format_human(-0.0) == b"0"
    assert geohash.format_human(2.5) == b"2.5"
    assert geohash.format_human(3.0) == b"3"
