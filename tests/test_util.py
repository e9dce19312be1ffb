"""Number parsing and long-double arithmetic, checked against what Redis 7.0 does.

``parse_float`` is compared with a real server's ``getDoubleFromObject`` (ZADD's score parser),
and the long-double helpers with INCRBYFLOAT, whose text must match byte for byte.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from godis.errors import CommandError
from godis.util import LongDouble, parse_float, parse_int, parse_long_double
from tests.support.resp import RespConnection, parse_reply

# -- parse_int (string2ll) ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    (b"0", 0), (b"1", 1), (b"-1", -1), (b"123456", 123456),
    (b"9223372036854775807", 2**63 - 1), (b"-9223372036854775808", -(2**63)),
])
def test_parse_int_accepts(text: bytes, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize("text", [
    b"", b"-", b"+1", b" 1", b"1 ", b"01", b"-0", b"-01", b"1.0", b"1e3", b"0x10", b"1_000",
    b"9223372036854775808", b"-9223372036854775809", b"\xd9\xa1", b"1\x00",
])
def test_parse_int_refuses(text: bytes) -> None:
    with pytest.raises(CommandError) as raised:
        parse_int(text)
    assert raised.value.message == "ERR value is not an integer or out of range"
    with pytest.raises(CommandError) as raised:
        parse_int(text, "ERR custom")
    assert raised.value.message == "ERR custom"


# -- parse_float (string2d) --------------------------------------------------------------------

FLOAT_CASES = [
    "1", "-1", "1.5", ".5", "5.", "-.5e1", "1e3", "1E-3", "+1", "-0", "0", "0.000", "0e-400",
    "inf", "-inf", "+inf", "Infinity", "-INFINITY", "iNf",
    "nan", "-nan", "NaN", "nan(1)",
    " 1", "1 ", "\t1", "1\n", "1_000", "1e", "1e+", "e3", ".", "", "-", "+", "1.2.3", "1,5",
    "1e400", "-1e400", "1e-400", "1e-310", "2.2250738585072014e-308", "4.9e-324",
    "1.7976931348623157e308", "1.7976931348623159e308",
    "0x10", "0X1P3", "0x1.8p1", "-0x1p-3", "0x.8", "0x1.", "0x", "0x.", "0xg", "0x1p", "1p3",
    "0x1p99999", "0x1p-99999", "0x0p-99999", "0x1p-1074", "0x1p-1075",
    "infinit", "infinityy", "12345678901234567890123", "0.1", "3.0000000000000004",
]


def _parse_or_none(text: bytes) -> float | None:
    try:
        return parse_float(text)
    except CommandError as error:
        if error.message != "ERR value is not a valid float":
            raise
        return None


def test_parse_float_matches_redis(redis_port: int) -> None:
    """Every case is accepted or refused exactly as ZADD (getDoubleFromObject) does."""
    redis = RespConnection("127.0.0.1", redis_port)
    try:
        for text in FLOAT_CASES:
            redis.call("DEL", "z")
            reply = parse_reply(redis.call("ZADD", "z", text, "m"))
            mine = _parse_or_none(text.encode())
            if isinstance(reply, tuple):
                assert mine is None, (text, reply, mine)
                continue
            assert mine is not None, (text, reply)
            score = parse_reply(redis.call("ZSCORE", "z", "m"))
            assert isinstance(score, bytes)
            assert float(score) == mine, (text, score, mine)  # (ZSCORE prints -0 as 0)
    finally:
        redis.close()


def test_parse_float_custom_error() -> None:
    with pytest.raises(CommandError) as raised:
        parse_float(b"abc", "ERR min or max is not a float")
    assert raised.value.message == "ERR min or max is not a float"


# -- long doubles (INCRBYFLOAT) ----------------------------------------------------------------

# (current value or None, increment, what Redis 7.0 replies), taken from a real server.
INCRBYFLOAT_VECTORS: list[tuple[str | None, str, str]] = [
    (None, "0.1", "0.1"),
    ("0.1", "0.2", "0.3"),
    (None, "1e20", "100000000000000000000"),
    ("100000000000000000000", "0.1", "100000000000000000000"),
    (None, "1.5e-20", "0"),
    (None, "-1e-20", "0"),
    (None, "0x1p-3", "0.125"),
    (None, "3.0000000000000004", "3.0000000000000004"),
    (None, "1.23456789012345678901234567890", "1.23456789012345679"),
    ("5", "0.0000000000000000001", "5"),
    (None, "-0", "0"),
    (None, "1e-4940", "0"),
    ("5.5", "-.5e1", "0.5"),
    (None, "0X1.8P1", "3"),
    (None, "12345678901234567890", "12345678901234567890"),
    ("12345678901234567890", "0.00000000000000001", "12345678901234567890"),
    (None, "9007199254740993", "9007199254740993"),
    (None, "0.000003814697265625", "0.00000381469726562"),  # a tie, rounded to even
    ("10", "0.25", "10.25"),
    ("10.5", "0.1", "10.6"),
    ("10.6", "-5", "5.6"),
]


@pytest.mark.parametrize(("current", "increment", "expected"), INCRBYFLOAT_VECTORS)
def test_long_double_vectors(current: str | None, increment: str, expected: str) -> None:
    value = LongDouble() if current is None else parse_long_double(current.encode())
    step = parse_long_double(increment.encode())
    assert value is not None
    assert step is not None
    total = value + step
    assert total.is_finite()
    assert total.format_human() == expected.encode()


def test_long_double_extremes() -> None:
    big = parse_long_double(b"1e4000")
    assert big is not None
    text = big.format_human()
    assert len(text) == 4000
    assert text.startswith(b"99999999999999999999654638730996237849324925835069576313015")
    assert text.endswith(b"272729951206648276349901340672")
    largest = parse_long_double(b"1e4932")
    assert largest is not None
    assert len(largest.format_human()) == 4933
    assert parse_long_double(b"1e4933") is None  # overflow
    assert parse_long_double(b"1e-5000") is None  # underflow to zero
    assert parse_long_double(b"1" * 5119) is None  # finite digits, but overflows
    assert parse_long_double(b"1" * 5120) is None  # MAX_LONG_DOUBLE_CHARS
    assert parse_long_double(b"0." + b"0" * 5000 + b"1") is None  # underflow
    assert parse_long_double(b"1e999999999999999999999") is None
    assert parse_long_double(b"0e999999999999999999999") is not None


@pytest.mark.parametrize("text", [
    b"", b" 1", b"1 ", b"1e", b"1_0", b"nan", b"-nan", b"0x", b"abc", b"1.5abc", b"  1.5", b"--1",
])
def test_long_double_refuses(text: bytes) -> None:
    assert parse_long_double(text) is None


def test_long_double_infinities_and_nul() -> None:
    inf = parse_long_double(b"inf")
    minus = parse_long_double(b"-Infinity")
    assert inf is not None
    assert minus is not None
    assert not inf.is_finite()
    assert not minus.is_finite()
    assert inf.format_human() == b"inf"
    assert minus.format_human() == b"-inf"
    assert not (inf + minus).is_finite()  # NaN
    one = parse_long_double(b"1")
    assert one is not None
    assert not (one + inf).is_finite()
    # strtold stops at a NUL: the argument is not consumed whole.
    assert parse_long_double(b"1.5\x00xyz") is None
    assert parse_long_double(b"\x00") is None


def test_long_double_from_int() -> None:
    for value in (0, 1, -1, 2**63 - 1, -(2**63), 12345):
        assert LongDouble.from_int(value).format_human() == b"%d" % value


DECIMALS = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
    st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**25).map(str),
    st.sampled_from(["", "."]) | st.integers(min_value=0, max_value=10**20).map(lambda n: f".{n}"),
    st.sampled_from([""]) | st.integers(min_value=-30, max_value=30).map(lambda n: f"e{n}"),
)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(DECIMALS, min_size=1, max_size=4))
def test_incrbyfloat_text_matches_redis(redis_session_port: int, steps: list[str]) -> None:
    """Chains of INCRBYFLOAT give Redis's exact text (precision, rounding and format)."""
    redis = RespConnection("127.0.0.1", redis_session_port)
    try:
        redis.call("DEL", "f")
        value = LongDouble()
        for step in steps:
            reply = parse_reply(redis.call("INCRBYFLOAT", "f", step))
            increment = parse_long_double(step.encode())
            assert increment is not None
            total = value + increment
            if isinstance(reply, tuple):
                assert not total.is_finite(), (steps, reply)
                continue
            assert total.format_human() == reply, (steps, reply)
            parsed = parse_long_double(total.format_human())
            assert parsed is not None
            value = parsed  # the stored text is what the next step reads back
    finally:
        redis.close()
