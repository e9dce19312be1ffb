"""Argument parsing shared by command groups, with Redis's exact error texts."""

from __future__ import annotations

import math

from godis.errors import NOT_FLOAT, NOT_INTEGER, CommandError
from godis.protocol.reader import strict_int


def parse_int(arg: bytes, error: str = NOT_INTEGER) -> int:
    """A signed 64-bit integer as Redis's ``string2ll`` reads it, else ``error``."""
    value = strict_int(arg)
    if value is None:
        raise CommandError(error)
    return value


def parse_float(arg: bytes, error: str = NOT_FLOAT) -> float:
    """A double as Redis's ``string2d``/``strtod`` reads it (``inf`` allowed, NaN refused)."""
    text = arg
    if not text or text[:1].isspace() or text[-1:].isspace():
        raise CommandError(error)
    try:
        value = float(text)
    except ValueError:
        raise CommandError(error) from None
    if math.isnan(value) or b"_" in text:
        raise CommandError(error)
    return value
