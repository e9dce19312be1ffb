"""Sans-IO RESP reply writer: reply values in, RESP2 or RESP3 bytes out.

Command handlers return plain values and this module decides the wire form, so one handler
serves both protocols. The mapping (``Map`` is an array of pairs in RESP2, ``Double`` a bulk
string, ``None`` the null bulk, ...) follows Redis 7.0's ``networking.c`` ``addReply*`` family.

=====================  ============================  ==========================
value                  RESP2                         RESP3
=====================  ============================  ==========================
``bytes``/bytearray    bulk string                   bulk string
``int``                integer                       integer
``None``               ``$-1``                       ``_``
``NULL_ARRAY``         ``*-1``                       ``_``
``list``/tuple         array                         array
``Status``             ``+text``                     ``+text``
``ErrorReply``         ``-text``                     ``-text``
``Double``/float       bulk string                   ``,``
``Map``                flat array                    ``%``
``SetReply``           array                         ``~``
``bool``               ``:1``/``:0``                 ``#t``/``#f``
``BigNumber``          bulk string                   ``(``
``Verbatim``           bulk string (the text)        ``=``
``Push``               array                         ``>``
``Raw``                as is                         as is
``Pushed``             as is (never silenced)        as is (never silenced)
``WithPushes``         as is                         as is
``HumanDouble``        bulk string (the text)        ``,text``
``str``                bulk string (UTF-8)           bulk string (UTF-8)
=====================  ============================  ==========================

Text (status, error, ``str``) is encoded as UTF-8 with surrogate escapes, so bytes a client sent
that were decoded with ``errors="surrogateescape"`` go back out unchanged, as Redis echoes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeAlias


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


class HumanDouble(bytes):
    """A long double's ``LD_STR_HUMAN`` text (``addReplyHumanLongDouble``): a bulk string in
    RESP2, a double (``,text``) in RESP3."""

    __slots__ = ()


class Pushed(Raw):
    """Pub/sub confirmations, ready encoded: pushes (Redis's ``CLIENT_PUSHING``), which
    ``prepareClientToWrite`` sends even under CLIENT REPLY OFF / SKIP, in RESP2 as in RESP3."""

    __slots__ = ()


class WithPushes(Raw):
    """A reply with pushes inside it (EXEC running SUBSCRIBE); ``pushes`` is just those bytes,
    what a client whose replies are off still receives."""

    pushes: bytes


def unsilenced(reply: object) -> bytes:
    """The part of ``reply`` sent when replies are off or skipped: its pushes only."""
    if type(reply) is Pushed:
        return reply
    if type(reply) is WithPushes:
        return reply.pushes
    return b""


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
    | bytearray
    | int
    | float
    | Sequence["Reply"]
    | Status
    | ErrorReply
    | Double
    | Map
    | SetReply
    | Push
    | Verbatim
    | _NullArray
    | None
)

OK: Final = Raw(b"+OK\r\n")
QUEUED: Final = Raw(b"+QUEUED\r\n")
PONG: Final = Raw(b"+PONG\r\n")


def format_double(value: float) -> bytes:
    """A double as Redis 7.0 prints it: ``%.17g`` (``1.1000000000000001``), ``inf``, ``-inf``.

    Python's ``%g`` is C's, ``inf``/``-inf`` included; only NaN differs: glibc shows the sign
    of a negative NaN.
    """
    if value != value:
        return b"-nan" if math.copysign(1.0, value) < 0 else b"nan"
    return b"%.17g" % value


def _status_text(text: str) -> bytes:
    """Redis maps CR and LF in a status to spaces (so one line stays one line)."""
    if "\r" in text or "\n" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    return text.encode("utf-8", "surrogateescape")


def _error_text(text: str) -> bytes:
    """As ``addReplyErrorFormat``: CR/LF trimmed from both ends, the others mapped to spaces."""
    if "\r" in text or "\n" in text:
        text = text.strip("\r\n").replace("\r", " ").replace("\n", " ")
    return text.encode("utf-8", "surrogateescape")


def encode(value: Reply, resp: int = 2) -> bytes:
    """``value`` in RESP2 (``resp=2``) or RESP3 (``resp=3``)."""
    out = bytearray()
    write_reply(value, resp, out)
    return bytes(out)


_SMALL = 1024
# Precomputed headers for the sizes and integers most replies have: three appends of ready
# bytes are much cheaper than one %-format per element.
_BULK_HEADERS: Final = [b"$%d\r\n" % n for n in range(_SMALL)]
_ARRAY_HEADERS: Final = [b"*%d\r\n" % n for n in range(_SMALL)]
_INTEGERS: Final = [b":%d\r\n" % n for n in range(_SMALL)]


def write_reply(value: Any, resp: int, out: bytearray) -> None:
    """Append ``value`` encoded for protocol ``resp`` to ``out``."""
    kind = type(value)
    if kind is bytes:
        size = len(value)
        out += _BULK_HEADERS[size] if size < _SMALL else b"$%d\r\n" % size
        out += value
        out += b"\r\n"
    elif kind is Raw:
        out += value
    elif kind is int:
        out += _INTEGERS[value] if 0 <= value < _SMALL else b":%d\r\n" % value
    elif value is None:
        out += b"$-1\r\n" if resp == 2 else b"_\r\n"
    elif kind is list or kind is tuple:
        _array(b"*", value, resp, out)
    else:
        _WRITERS[kind](value, resp, out)


def _array(marker: bytes, items: Sequence[Any], resp: int, out: bytearray) -> None:
    """An aggregate's header and elements, the common element types inline."""
    if marker == b"*" and len(items) < _SMALL:
        out += _ARRAY_HEADERS[len(items)]
    else:
        out += b"%s%d\r\n" % (marker, len(items))
    for item in items:
        kind = type(item)
        if kind is bytes:
            size = len(item)
            out += _BULK_HEADERS[size] if size < _SMALL else b"$%d\r\n" % size
            out += item
            out += b"\r\n"
        elif kind is int:
            out += _INTEGERS[item] if 0 <= item < _SMALL else b":%d\r\n" % item
        elif kind is list or kind is tuple:
            _array(b"*", item, resp, out)
        elif kind is Double:
            _double(item, resp, out)
        else:
            write_reply(item, resp, out)


def _bulk(value: Any, resp: int, out: bytearray) -> None:
    """A bytes-like value (``bytearray``) as a bulk string."""
    out += b"$%d\r\n%s\r\n" % (len(value), value)


def _str(value: Any, resp: int, out: bytearray) -> None:
    data = value.encode("utf-8", "surrogateescape")
    out += b"$%d\r\n%s\r\n" % (len(data), data)


def _status(value: Any, resp: int, out: bytearray) -> None:
    out += b"+%s\r\n" % _status_text(value)


def _error(value: Any, resp: int, out: bytearray) -> None:
    out += b"-%s\r\n" % _error_text(value)


def _double(value: Any, resp: int, out: bytearray) -> None:
    if value == value:  # not NaN: Python's %.17g is C's, inf and -inf included
        if resp == 2:
            text = b"%.17g" % value
            out += b"$%d\r\n%s\r\n" % (len(text), text)
        else:
            out += b",%.17g\r\n" % value
    else:
        text = format_double(value)
        out += b"$%d\r\n%s\r\n" % (len(text), text) if resp == 2 else b",%s\r\n" % text


def _bool(value: Any, resp: int, out: bytearray) -> None:
    if resp == 2:
        out += b":1\r\n" if value else b":0\r\n"
    else:
        out += b"#t\r\n" if value else b"#f\r\n"


def _big_number(value: Any, resp: int, out: bytearray) -> None:
    text = b"%d" % value
    if resp == 2:
        out += b"$%d\r\n%s\r\n" % (len(text), text)
    else:
        out += b"(%s\r\n" % text


def _verbatim(value: Any, resp: int, out: bytearray) -> None:
    text = value.text
    if resp == 2:
        out += b"$%d\r\n%s\r\n" % (len(text), text)
    else:
        out += b"=%d\r\n%s:%s\r\n" % (len(text) + 4, value.fmt, text)


def _map(value: Any, resp: int, out: bytearray) -> None:
    pairs = value.pairs
    out += b"*%d\r\n" % (2 * len(pairs)) if resp == 2 else b"%%%d\r\n" % len(pairs)
    for pair in pairs:
        for item in pair:
            if type(item) is bytes:
                size = len(item)
                out += _BULK_HEADERS[size] if size < _SMALL else b"$%d\r\n" % size
                out += item
                out += b"\r\n"
            else:
                write_reply(item, resp, out)


def _set(value: Any, resp: int, out: bytearray) -> None:
    _array(b"*" if resp == 2 else b"~", value.items, resp, out)


def _push(value: Any, resp: int, out: bytearray) -> None:
    _array(b"*" if resp == 2 else b">", value.items, resp, out)


def _null_array(value: Any, resp: int, out: bytearray) -> None:
    out += b"*-1\r\n" if resp == 2 else b"_\r\n"


def _raw(value: bytes, resp: int, out: bytearray) -> None:
    out += value


def _human_double(value: bytes, resp: int, out: bytearray) -> None:
    out += b"$%d\r\n%s\r\n" % (len(value), value) if resp == 2 else b",%s\r\n" % value


_WRITERS: dict[type, Callable[[Any, int, bytearray], None]] = {
    Status: _status,
    ErrorReply: _error,
    Double: _double,
    float: _double,
    bool: _bool,
    BigNumber: _big_number,
    Verbatim: _verbatim,
    Map: _map,
    SetReply: _set,
    Push: _push,
    Pushed: _raw,
    HumanDouble: _human_double,
    WithPushes: _raw,
    _NullArray: _null_array,
    bytearray: _bulk,
    str: _str,
}


def error_bytes(message: str) -> bytes:
    """An error reply; ``message`` begins with its code (``ERR``, ``WRONGTYPE``, ...)."""
    return b"-%s\r\n" % _error_text(message)


__all__ = [
    "NULL_ARRAY",
    "OK",
    "PONG",
    "QUEUED",
    "BigNumber",
    "Double",
    "ErrorReply",
    "HumanDouble",
    "Map",
    "Push",
    "Pushed",
    "Raw",
    "Reply",
    "SetReply",
    "Status",
    "Verbatim",
    "WithPushes",
    "encode",
    "error_bytes",
    "format_double",
    "unsilenced",
    "write_reply",
]
