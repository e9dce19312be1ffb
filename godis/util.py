"""Argument parsing shared by command groups, with Redis's exact rules and error texts.

* :func:`parse_int` is ``string2ll``: optional ``-``, digits, no leading zeros or ``+`` or
  spaces, within 64 bits.
* :func:`parse_float` is ``getDoubleFromObject``: C ``strtod`` over the whole argument, so hex
  floats and ``inf`` are accepted, while leading spaces, NaN and values that overflow (or
  underflow to zero) are refused; :func:`parse_range_bound` is ``zslParseRange``'s lenient
  reading and :func:`parse_timeout_ms` the blocking commands' ``long double`` timeout.
* :class:`LongDouble` and :func:`parse_long_double` reproduce the x87 80-bit ``long double``
  arithmetic of INCRBYFLOAT / HINCRBYFLOAT exactly: ``string2ld`` (``strtold``) parsing,
  correctly rounded addition and ``ld2string``'s ``%.17Lf`` human format. Python floats cannot
  do this (``0.1 + 0.2`` must print ``0.3``, ``1e20 + 0.1`` must stay ``100000000000000000000``),
  so the value is kept as an exact ``mantissa * 2**exponent`` with a 64-bit significand.
"""

from __future__ import annotations

import math
import re
from typing import Final

from godis.errors import NOT_FLOAT, NOT_INTEGER, CommandError
from godis.protocol.reader import strict_int

# -- integers -------------------------------------------------------------------------------


def parse_int(arg: bytes, error: str = NOT_INTEGER) -> int:
    """A signed 64-bit integer as Redis's ``string2ll`` reads it, else ``error``."""
    value = strict_int(arg)
    if value is None:
        raise CommandError(error)
    return value


# -- doubles (strtod) -----------------------------------------------------------------------

_C_SPACE: Final = b" \t\n\v\f\r"
LONG_MAX: Final = 2**63 - 1
LONG_MIN: Final = -(2**63)
RANGE_NOT_FLOAT: Final = "ERR min or max is not a float"
TIMEOUT_NOT_FLOAT: Final = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE: Final = "ERR timeout is negative"


_STRTOD = re.compile(
    rb"[+-]?(?:(?P<inf>inf(?:inity)?)|(?P<nan>nan(?:\([0-9a-z_]*\))?)"
    rb"|0x(?P<hex>(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?)"
    rb"|(?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?))",
    re.IGNORECASE,
)


def _c_double(text: bytes) -> tuple[float, bool] | None:
    """``strtod`` over all of ``text``: (value, ERANGE-with-inf-or-zero) or None.

    Python's ``float``/``float.fromhex`` round correctly, as glibc does; overflow shows as an
    infinite result (or OverflowError) from a finite literal, underflow as 0 from non-zero
    digits.
    """
    match = _STRTOD.fullmatch(text)
    if match is None:
        return None
    if match["inf"]:
        return (-math.inf if text[:1] == b"-" else math.inf), False
    if match["nan"]:
        return math.nan, False
    hex_part = match["hex"]
    if hex_part is not None:
        digits = hex_part.lower().partition(b"p")[0]
        try:
            value = float.fromhex(text.decode())
        except OverflowError:
            return (-math.inf if text[:1] == b"-" else math.inf), True
    else:
        digits = match["dec"].lower().partition(b"e")[0]
        value = float(text)
        if math.isinf(value):
            return value, True
    return value, value == 0.0 and digits.strip(b"0.") != b""


def parse_float(arg: bytes, error: str = NOT_FLOAT) -> float:
    """Redis's ``getDoubleFromObject``: a whole finite-or-inf double, no spaces, no ERANGE."""
    if arg.isdigit() and len(arg) < 300:
        return float(arg)
    if not arg or arg[0] in _C_SPACE:
        raise CommandError(error)
    parsed = _c_double(arg)
    if parsed is None or parsed[1] or math.isnan(parsed[0]):
        raise CommandError(error)
    return parsed[0]


_COMMON_BOUNDS: Final = {b"-inf": -math.inf, b"+inf": math.inf, b"inf": math.inf, b"0": 0.0}


def parse_range_bound(arg: bytes) -> tuple[float, bool]:
    """A ZRANGEBYSCORE bound (``zslParseRange``): (value, exclusive).

    ``strtod`` on a C string: stops at a NUL, skips leading spaces, accepts an empty string as
    0 and out-of-range literals as inf/0; only a NaN or trailing garbage is an error.
    """
    exclusive = arg[:1] == b"("
    text = arg[1:] if exclusive else arg
    known = _COMMON_BOUNDS.get(text)
    if known is not None:
        return known, exclusive
    if text.isdigit() and len(text) < 300:
        return float(text), exclusive
    text = text.split(b"\0", 1)[0]
    if not text:
        return 0.0, exclusive
    stripped = text.lstrip(_C_SPACE)
    parsed = _c_double(stripped) if stripped else None
    if parsed is None or math.isnan(parsed[0]):
        raise CommandError(RANGE_NOT_FLOAT)
    return parsed[0], exclusive


def parse_timeout_ms(arg: bytes) -> int:
    """Redis 7.0's ``getTimeoutFromObjectOrReply`` in seconds: milliseconds, 0 = forever.

    ``strtold`` then ``(long long) ceill(seconds * 1000)`` in x87 ``long double``, so
    ``-0.001`` rounds to 0 (block forever) and ``inf`` or huge values wrap to LLONG_MIN
    ("timeout is negative"), exactly as Redis 7.0.15 answers.
    """
    seconds = parse_long_double(arg)
    if seconds is None:
        raise CommandError(TIMEOUT_NOT_FLOAT)  # not a number, NaN, or ERANGE
    if seconds.inf:
        raise CommandError(TIMEOUT_NEGATIVE)  # (long long) of +-inf is LLONG_MIN
    product = LongDouble.from_ratio(seconds.mant * 1000 << max(seconds.exp, 0),
                                    1 << max(-seconds.exp, 0))
    if product.inf:
        raise CommandError(TIMEOUT_NEGATIVE)
    exp = product.exp
    millis = product.mant << exp if exp >= 0 else -(-product.mant >> -exp)  # ceill
    if millis < 0 or millis > LONG_MAX:
        raise CommandError(TIMEOUT_NEGATIVE)
    return millis



# -- long doubles (strtold, x87 extended precision) ------------------------------------------

_LD_BITS = 64  # significand bits of the x87 extended format (explicit integer bit)
_LD_MIN_EXP = -16445  # exponent of the smallest denormal: 2**-16445
_LD_MAX_EXP = 16384 - _LD_BITS  # a 64-bit significand times 2**this is the largest finite
_LD_MAX_CHARS = 5 * 1024  # MAX_LONG_DOUBLE_CHARS: string2ld refuses longer input
_HUMAN_DIGITS: int = 10**17  # %.17Lf


class LongDouble:
    """An x87 ``long double``: ``mant * 2**exp`` with ``|mant| < 2**64``, or an infinity.

    Only what INCRBYFLOAT needs: exact construction, correctly rounded addition and Redis's
    human-friendly formatting. Zero's sign is not kept (Redis prints ``-0`` as ``0``).
    """

    __slots__ = ("exp", "inf", "mant")

    def __init__(self, mant: int = 0, exp: int = 0, inf: int = 0) -> None:
        self.mant = mant
        self.exp = exp
        self.inf = inf  # +1 / -1 for an infinity, 0 when finite

    @classmethod
    def from_int(cls, value: int) -> LongDouble:
        """A 64-bit integer, exactly (the significand has 64 bits)."""
        return _round_rational(value, 0)

    @classmethod
    def from_ratio(cls, numerator: int, denominator: int = 1) -> LongDouble:
        """``numerator / denominator`` rounded to nearest-even (an infinity past the range)."""
        return _round_rational(numerator, 0, denominator)

    def is_finite(self) -> bool:
        return self.inf == 0

    def __add__(self, other: LongDouble) -> LongDouble:
        """The sum rounded to nearest-even, as the FPU does; infinities propagate."""
        if self.inf or other.inf:
            if self.inf and other.inf and self.inf != other.inf:
                return LongDouble(inf=2)  # NaN: neither finite nor an infinity
            return LongDouble(inf=self.inf or other.inf)
        if not self.mant:
            return other
        if not other.mant:
            return self
        low = min(self.exp, other.exp)
        total = (self.mant << (self.exp - low)) + (other.mant << (other.exp - low))
        return _round_rational(total, low)

    def __repr__(self) -> str:
        return f"LongDouble({self.format_human().decode()})"

    def format_human(self) -> bytes:
        """``ld2string(..., LD_STR_HUMAN)``: ``%.17Lf`` without trailing zeros, ``-0`` -> ``0``."""
        if self.inf:
            return b"inf" if self.inf > 0 else b"-inf"
        mant = self.mant
        magnitude = -mant if mant < 0 else mant
        if self.exp >= 0:
            scaled = (magnitude << self.exp) * _HUMAN_DIGITS
        else:
            quotient, remainder = divmod(magnitude * _HUMAN_DIGITS, 1 << -self.exp)
            twice = remainder << 1
            half = 1 << -self.exp
            if twice > half or (twice == half and quotient & 1):
                quotient += 1
            scaled = quotient
        if scaled == 0:
            return b"0"
        whole, fraction = divmod(scaled, _HUMAN_DIGITS)
        text = _decimal_bytes(whole)
        if fraction:
            text += b"." + (b"%017d" % fraction).rstrip(b"0")
        return b"-" + text if mant < 0 else text


_CHUNK_DIGITS = 4000  # below CPython's int <-> str conversion limit (4300 digits)
_CHUNK: int = 10**_CHUNK_DIGITS


def _decimal_bytes(value: int) -> bytes:
    """``b"%d" % value`` for a non-negative int of any size (long doubles reach 4933 digits)."""
    if value < _CHUNK:
        return b"%d" % value
    high, low = divmod(value, _CHUNK)
    return _decimal_bytes(high) + b"%0*d" % (_CHUNK_DIGITS, low)


def _decimal_int(digits: bytes) -> int:
    """``int(digits)`` for digit strings longer than CPython's conversion limit."""
    if len(digits) <= _CHUNK_DIGITS:
        return int(digits)
    return _decimal_int(digits[:-_CHUNK_DIGITS]) * _CHUNK + int(digits[-_CHUNK_DIGITS:])


def _round_rational(numerator: int, exp2: int, denominator: int = 1) -> LongDouble:
    """``numerator * 2**exp2 / denominator`` rounded to a long double (nearest, ties even)."""
    if numerator == 0:
        return LongDouble()
    negative = numerator < 0
    if negative:
        numerator = -numerator
    # Pick ``shift`` so that value * 2**shift has 64 integer bits, within the denormal floor.
    magnitude = numerator.bit_length() - denominator.bit_length() + exp2
    shift = _LD_BITS - magnitude
    if shift > -_LD_MIN_EXP:
        shift = -_LD_MIN_EXP
    total_shift = shift + exp2
    if total_shift >= 0:
        top, bottom = numerator << total_shift, denominator
    else:
        top, bottom = numerator, denominator << -total_shift
    quotient, remainder = divmod(top, bottom)
    if quotient >> _LD_BITS:
        # One bit too many: drop it into the remainder as a sticky bit.
        remainder = remainder + (quotient & 1) * bottom
        bottom <<= 1
        quotient >>= 1
        shift -= 1
    twice = remainder << 1
    if twice > bottom or (twice == bottom and quotient & 1):
        quotient += 1
        if quotient >> _LD_BITS:
            quotient >>= 1
            shift -= 1
    if quotient == 0:
        return LongDouble()
    if -shift > _LD_MAX_EXP:
        return LongDouble(inf=-1 if negative else 1)
    return LongDouble(-quotient if negative else quotient, -shift)


_LD_DECIMAL = re.compile(rb"([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_LD_HEX = re.compile(rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?")
_LD_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)


def parse_long_double(arg: bytes) -> LongDouble | None:
    """Redis's ``string2ld``: strtold over the argument; ``None`` when it is not a valid float.

    The whole argument must be consumed (so a NUL byte fails); a leading space, trailing
    garbage, NaN, overflow and non-zero input that underflows to zero are refused; ``inf`` is
    accepted.
    """
    if not arg or len(arg) >= _LD_MAX_CHARS or arg[0] in _C_SPACE:
        return None
    if b"\0" in arg:
        return None  # strtold stops at the NUL, short of the whole argument
    match = _LD_DECIMAL.fullmatch(arg)
    if match is not None:
        sign, whole, fraction, only_fraction, exponent = match.groups()
        digits = (whole or b"") + (fraction or only_fraction or b"")
        scale = _clamped_exponent(exponent) - len(fraction or only_fraction or b"")
        return _ld_from_digits(sign, _decimal_int(digits), len(digits.lstrip(b"0")), scale, 10)
    match = _LD_HEX.fullmatch(arg)
    if match is not None:
        sign, whole, fraction, only_fraction, exponent = match.groups()
        digits = (whole or b"") + (fraction or only_fraction or b"")
        scale = _clamped_exponent(exponent) - 4 * len(fraction or only_fraction or b"")
        significant = len(digits.lstrip(b"0")) * 4
        return _ld_from_digits(sign, int(digits, 16), significant, scale, 2)
    match = _LD_INF.fullmatch(arg)
    if match is not None:
        return LongDouble(inf=-1 if match.group(1) == b"-" else 1)
    return None


def _clamped_exponent(text: bytes | None) -> int:
    """An exponent's value; beyond +-10**9 only its sign matters (and ``int`` would refuse
    4300+ digits, ``float`` overflow)."""
    if not text:
        return 0
    digits = text.lstrip(b"+-").lstrip(b"0")
    value = 10**9 if len(digits) > 9 else int(digits or b"0")
    return -value if text[:1] == b"-" else value


def _ld_from_digits(sign: bytes, value: int, length: int, scale: int, base: int) -> LongDouble | None:
    """``±value * base**scale`` as a long double; ``None`` on overflow or underflow to 0."""
    if value == 0:
        return LongDouble()
    # Reject absurd exponents before building huge powers: anything this far out is
    # certainly an overflow or an underflow to zero.
    magnitude = (length + scale) * (math.log2(base) if base != 2 else 1)
    if magnitude > 16500:
        return None
    if magnitude < -16600:
        return None
    if sign == b"-":
        value = -value
    if base == 2:
        result = _round_rational(value, scale)
    elif scale >= 0:
        result = _round_rational(value * 10**scale, 0)
    else:
        result = _round_rational(value, 0, 10**-scale)
    if result.inf or result.mant == 0:
        return None  # ERANGE with HUGE_VAL or zero
    return result


__all__ = [
    "LONG_MAX",
    "LONG_MIN",
    "LongDouble",
    "parse_float",
    "parse_int",
    "parse_long_double",
    "parse_range_bound",
    "parse_timeout_ms",
]
