"""Sans-IO RESP reply writer: reply values in, RESP2 or RESP3 bytes out.

Command handlers return plain values and this module decides the wire form, so one handler
serves both protocols. The mapping (``Map`` is an array of pairs in RESP2, ``Double`` a bulk
string, ``None`` the null bulk, ...) follows Redis's ``networking.c`` ``addReply*`` family.

=================  ============================  ==========================
value              RESP2                         RESP3
=================  ============================  ==========================
``bytes``          bulk string                   bulk string
``int``            integer                       integer
``None``           ``$-1``                       ``_``
``NULL_ARRAY``     ``*-1``                       ``_``
``list``/tuple     array                         array
``Status``         ``+text``                     ``+text``
``ErrorReply``     ``-text``                     ``-text``
``Double``         bulk string                   ``,``
``Map``            flat array                    ``%``
``SetReply``       array                         ``~``
``bool``           ``:1``/``:0``                 ``#t``/``#f``
``BigNumber``      bulk string                   ``(``
``Verbatim``       bulk string                   ``=``
``Push``           array                         ``>``
``Raw``            as is                         as is
=================  ============================  ==========================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeAlias


class Status(str):
    """A simple string reply, ``+OK``."""

    __slots__ = ()


class ErrorReply(str):
    """An error reply inside a larger reply (EXEC results); the text starts with its code."""

    __slots__ = ()


class Double(float):
    """A floating-point reply: a bulk string in RESP2, a double in RESP3."""

    __slots__ = ()


class BigNumber(int):
    """An arbitrary-precision integer: a bulk string in RESP2."""

    __slots__ = ()


class Raw(bytes):
    """Bytes already in RESP form, written unchanged (for constant replies)."""

    __slots__ = ()


class Verbatim:
    """A verbatim string (``=``) with a three-letter format, a bulk string in RESP2."""

    __slots__ = ("fmt", "text")

    def __init__(self, text: bytes, fmt: bytes = b"txt") -> None:
        self.text = text
        self.fmt = fmt


class Map:
    """A map reply; ``pairs`` keeps the order given."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[Reply, Reply]]) -> None:
        self.pairs = list(pairs)


class SetReply:
    """A set reply: an array in RESP2, a set (``~``) in RESP3."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Reply]) -> None:
        self.items = list(items)


class Push:
    """An out-of-band push (pub/sub messages): an array in RESP2, ``>`` in RESP3."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Reply]) -> None:
        self.items = list(items)


class _NullArray:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY: Final = _NullArray()
"""The RESP2 null array (``*-1``), e.g. EXEC after a failed WATCH."""

Reply: TypeAlias = (
    bytes
    | int
    | None
    | Sequence["Reply"]
    | Status
    | ErrorReply
    | Double
    | Map
    | SetReply
    | Push
    | Verbatim
    | _NullArray
)

OK: Final = Raw(b"+OK\r\n")
QUEUED: Final = Raw(b"+QUEUED\r\n")
PONG: Final = Raw(b"+PONG\r\n")


def format_double(value: float) -> bytes:
    """A double as Redis 7.0 prints it (``%.17g``; ``inf``, ``-inf``, ``nan``)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if math.isnan(value):
        return b"nan"
    return b"%.17g" % value


def _int_reply(value: int, out: bytearray) -> None:
    out += b":%d\r\n" % value


def _bulk(value: bytes, out: bytearray) -> None:
    out += b"$%d\r\n%s\r\n" % (len(value), value)


def _text(value: str) -> bytes:
    return value.replace("\r", " ").replace("\n", " ").encode()


def encode(value: Reply, resp: int = 2) -> bytes:
    """``value`` in RESP2 (``resp=2``) or RESP3 (``resp=3``)."""
    out = bytearray()
    write_reply(value, resp, out)
    return bytes(out)


def write_reply(value: object, resp: int, out: bytearray) -> None:
    """Append ``value`` encoded for protocol ``resp`` to ``out``."""
    kind = type(value)
    if kind is Raw:
        out += value  # type: ignore[operator]
    elif kind is bytes:
        out += b"$%d\r\n%s\r\n" % (len(value), value)  # type: ignore[arg-type]
    elif kind is int:
        out += b":%d\r\n" % value  # type: ignore[str-format]
    elif value is None:
        out += b"$-1\r\n" if resp == 2 else b"_\r\n"
    elif kind is list or kind is tuple:
        items: Sequence[object] = value  # type: ignore[assignment]
        out += b"*%d\r\n" % len(items)
        for item in items:
            write_reply(item, resp, out)
    else:
        _WRITERS[kind](value, resp, out)


def _status(value: object, resp: int, out: bytearray) -> None:
    out += b"+%s\r\n" % _text(str(value))


def _error(value: object, resp: int, out: bytearray) -> None:
    out += b"-%s\r\n" % _text(str(value))


def _double(value: object, resp: int, out: bytearray) -> None:
    text = format_double(float(value))  # type: ignore[arg-type]
    if resp == 2:
        _bulk(text, out)
    else:
        out += b",%s\r\n" % text


def _bool(value: object, resp: int, out: bytearray) -> None:
    if resp == 2:
        out += b":1\r\n" if value else b":0\r\n"
    else:
        out += b"#t\r\n" if value else b"#f\r\n"


def _big_number(value: object, resp: int, out: bytearray) -> None:
    text = b"%d" % int(value)  # type: ignore[call-overload]
    if resp == 2:
        _bulk(text, out)
    else:
        out += b"(%s\r\n" % text


def _verbatim(value: object, resp: int, out: bytearray) -> None:
    assert isinstance(value, Verbatim)
    if resp == 2:
        _bulk(value.text, out)
    else:
        out += b"=%d\r\n%s:%s\r\n" % (len(value.text) + 4, value.fmt, value.text)


def _map(value: object, resp: int, out: bytearray) -> None:
    assert isinstance(value, Map)
    pairs = value.pairs
    out += b"*%d\r\n" % (2 * len(pairs)) if resp == 2 else b"%%%d\r\n" % len(pairs)
    for key, item in pairs:
        write_reply(key, resp, out)
        write_reply(item, resp, out)


def _aggregate(marker: bytes) -> Callable[[object, int, bytearray], None]:
    def write(value: object, resp: int, out: bytearray) -> None:
        items: list[object] = value.items  # type: ignore[attr-defined]
        out += b"%s%d\r\n" % (b"*" if resp == 2 else marker, len(items))
        for item in items:
            write_reply(item, resp, out)

    return write


def _null_array(value: object, resp: int, out: bytearray) -> None:
    out += b"*-1\r\n" if resp == 2 else b"_\r\n"


_WRITERS: dict[type, Callable[[object, int, bytearray], None]] = {
    Status: _status,
    ErrorReply: _error,
    Double: _double,
    bool: _bool,
    BigNumber: _big_number,
    Verbatim: _verbatim,
    Map: _map,
    SetReply: _aggregate(b"~"),
    Push: _aggregate(b">"),
    _NullArray: _null_array,
    float: _double,
    str: lambda value, resp, out: _bulk(str(value).encode(), out),
}


def error_bytes(message: str) -> bytes:
    """An error reply; ``message`` begins with its code (``ERR``, ``WRONGTYPE``, ...)."""
    return b"-%s\r\n" % _text(message)


__all__ = [
    "NULL_ARRAY",
    "OK",
    "PONG",
    "QUEUED",
    "BigNumber",
    "Double",
    "ErrorReply",
    "Map",
    "Push",
    "Raw",
    "Reply",
    "SetReply",
    "Status",
    "Verbatim",
    "encode",
    "error_bytes",
    "format_double",
    "write_reply",
]
