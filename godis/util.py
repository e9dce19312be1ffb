"""Argument parsing shared by command groups, with Redis's exact rules and error texts.

* :func:`parse_int` is ``string2ll``: optional ``-``, digits, no leading zeros or ``+`` or
  spaces, within 64 bits.
* :func:`parse_float` is ``string2d`` (``getDoubleFromObject``): C ``strtod`` over the whole
  argument, so hex floats and ``inf`` are accepted, while leading/trailing spaces, NaN and
  values that overflow (or underflow to zero) are refused.
* :class:`LongDouble` and :func:`parse_long_double` reproduce the x87 80-bit ``long double``
  arithmetic of INCRBYFLOAT / HINCRBYFLOAT exactly: ``string2ld`` (``strtold``) parsing,
  correctly rounded addition and ``ld2string``'s ``%.17Lf`` human format. Python floats cannot
  do this (``0.1 + 0.2`` must print ``0.3``, ``1e20 + 0.1`` must stay ``100000000000000000000``),
  so the value is kept as an exact ``mantissa * 2**exponent`` with a 64-bit significand.
"""

from __future__ import annotations

import math
import re

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

_C_SPACE = frozenset(b" \t\n\v\f\r")
# What strtod consumes as a decimal number; the whole argument must match.
_DECIMAL = re.compile(rb"[+-]?(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_HEX = re.compile(rb"[+-]?0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?")
_INF = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)


def parse_float(arg: bytes, error: str = NOT_FLOAT) -> float:
    """A double as Redis's ``string2d`` reads it (strtod over all of ``arg``), else ``error``.

    ``inf`` and hex floats pass; spaces around, ``nan``, underscores, overflow to infinity and
    underflow to zero fail. Denormals pass (strtod sets ERANGE but returns non-zero).
    """
    try:
        value = float(arg)
    except ValueError:
        return _parse_hex_double(arg, error)
    # float() is laxer than strtod: it strips spaces and allows "_" between digits.
    if arg[0] in _C_SPACE or arg[-1] in _C_SPACE or b"_" in arg or value != value:
        raise CommandError(error)
    if value == 0.0:
        match = _DECIMAL.fullmatch(arg)
        if match is None or any(c != 48 for c in b"".join(g or b"" for g in match.groups()[:3])):
            raise CommandError(error)  # a non-zero mantissa that underflowed to zero
    elif value in (math.inf, -math.inf) and not _INF.fullmatch(arg):
        raise CommandError(error)  # overflow
    return value


def _parse_hex_double(arg: bytes, error: str) -> float:
    """strtod's hexadecimal form (``0x1.8p3``), which Python's float() does not read."""
    if not _HEX.fullmatch(arg):
        raise CommandError(error)
    text = arg.decode()
    try:
        value = float.fromhex(text)
    except OverflowError:
        raise CommandError(error) from None
    if value == 0.0 and any(c not in "0.xX+-" for c in text.split("p")[0].split("P")[0]):
        raise CommandError(error)  # underflowed to zero
    return value


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


__all__ = ["LongDouble", "parse_float", "parse_int", "parse_long_double"]
