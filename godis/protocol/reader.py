"""Sans-IO RESP request reader: bytes in, argv lists out.

Follows Redis's ``networking.c`` (``processInlineBuffer`` / ``processMultibulkBuffer``): the
first byte of a request picks multibulk (``*``) or inline, limits and error texts are Redis's,
and nothing is allocated for a size the client merely claims — a header ``*2147483647`` or
``$536870912`` costs a few integers until the bytes really arrive. Parsing state survives
between reads, so a huge command arriving in many pieces is parsed in linear time.
"""

from __future__ import annotations

from godis.errors import ProtocolError

INLINE_MAX_BYTES = 64 * 1024
"""PROTO_INLINE_MAX_SIZE: the longest inline request or header line without a newline."""

DEFAULT_MAX_BULK_BYTES = 512 * 1024 * 1024
"""proto-max-bulk-len's default."""

MAX_MULTIBULK = 2**31 - 1
"""INT_MAX: the largest multibulk count Redis accepts."""

UNAUTH_MAX_MULTIBULK = 10
UNAUTH_MAX_BULK_BYTES = 16384

_COMPACT_AT = 64 * 1024


def strict_int(digits: bytes) -> int | None:
    """Redis's ``string2ll``: an optional ``-``, digits, no leading zeros, within 64 bits."""
    if not digits or len(digits) > 20:
        return None
    body = digits[1:] if digits[0] == 45 else digits  # '-'
    if not body.isdigit() or (body[0] == 48 and len(body) > 1):  # '0'
        return None
    if body is not digits and body == b"0":
        return None
    value = int(digits)
    if value > 2**63 - 1 or value < -(2**63):
        return None
    return value


_ESCAPES = {
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("a"): b"\a",
}
_HEX = b"0123456789abcdefABCDEF"
_SPACE = b" \n\r\t\v\f\x00"


def split_args(line: bytes) -> list[bytes] | None:
    """Redis's ``sdssplitargs``: split an inline request; ``None`` for unbalanced quotes."""
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _SPACE:
            i += 1
        if i >= n:
            return args
        current = bytearray()
        in_double = in_single = False
        while True:
            if in_double:
                if i >= n:
                    return None
                c = line[i]
                if (
                    c == 92
                    and i + 3 < n
                    and line[i + 1] == 120
                    and line[i + 2] in _HEX
                    and line[i + 3] in _HEX
                ):
                    current.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == 92 and i + 1 < n:
                    i += 1
                    current += _ESCAPES.get(line[i], line[i : i + 1])
                elif c == 34:
                    if i + 1 < n and line[i + 1] not in _SPACE:
                        return None
                    i += 1
                    break
                else:
                    current.append(c)
            elif in_single:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    current.append(39)
                elif c == 39:
                    if i + 1 < n and line[i + 1] not in _SPACE:
                        return None
                    i += 1
                    break
                else:
                    current.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in b" \n\r\t\x00":
                    break
                if c == 34:
                    in_double = True
                elif c == 39:
                    in_single = True
                else:
                    current.append(c)
            i += 1
        args.append(bytes(current))


class RequestReader:
    """Buffers received bytes and yields complete commands as lists of ``bytes``.

    ``feed`` only buffers; ``read_commands`` parses every complete command. A protocol error
    is raised only after the commands before it were returned, so a caller executes those,
    then replies with the error and closes, as Redis does.
    """

    __slots__ = (
        "_argv",
        "_buf",
        "_bulk_len",
        "_error",
        "_pos",
        "_remaining",
        "max_bulk_bytes",
        "unauthenticated",
    )

    def __init__(self, max_bulk_bytes: int = DEFAULT_MAX_BULK_BYTES) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._argv: list[bytes] = []
        self._remaining = 0  # multibulk arguments still expected for the command in progress
        self._bulk_len = -1  # length of the bulk being read, -1 when its header is not read
        self._error: ProtocolError | None = None
        self.max_bulk_bytes = max_bulk_bytes
        self.unauthenticated = False  # stricter limits before AUTH (CVE-2021-32675)

    def feed(self, data: bytes) -> None:
        """Append received bytes; parsing happens in :meth:`read_commands`."""
        if self._pos > _COMPACT_AT and self._pos * 2 > len(self._buf):
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    @property
    def buffered_bytes(self) -> int:
        """Bytes received but not yet consumed (the query buffer's length)."""
        return len(self._buf) - self._pos

    def has_partial(self) -> bool:
        """Whether a command has started arriving but is incomplete."""
        return self._remaining > 0 or len(self._buf) > self._pos

    def read_commands(self) -> list[list[bytes]]:
        """Every complete command in the buffer, in order.

        Raises :class:`ProtocolError` when the buffer holds nothing complete before a framing
        error; when complete commands precede the error they are returned first and the error
        is raised by the next call.
        """
        if self._error is not None:
            raise self._error
        commands: list[list[bytes]] = []
        try:
            while True:
                argv = self._next()
                if argv is None:
                    break
                if argv:
                    commands.append(argv)
        except ProtocolError as error:
            self._error = error
            if not commands:
                raise
        return commands

    def read_command(self) -> list[bytes] | None:
        """One complete command, or ``None`` when more bytes are needed."""
        if self._error is not None:
            raise self._error
        while True:
            try:
                argv = self._next()
            except ProtocolError as error:
                self._error = error
                raise
            if argv is None or argv:
                return argv

    def _next(self) -> list[bytes] | None:
        """Parse one request; ``[]`` for an ignorable one (empty line, ``*0``)."""
        buf = self._buf
        if self._remaining == 0:
            if self._pos >= len(buf):
                return None
            if buf[self._pos] != 42:  # '*'
                return self._inline()
            if not self._multibulk_header():
                return None
            if self._remaining == 0:
                return []
        return self._multibulk_body()

    def _inline(self) -> list[bytes] | None:
        buf, pos = self._buf, self._pos
        newline = buf.find(b"\n", pos)
        nul = buf.find(b"\x00", pos, newline if newline >= 0 else len(buf))
        if nul >= 0:
            newline = -1  # C's strchr stops at the first NUL, as Redis's parser does
        if newline < 0:
            if len(buf) - pos > INLINE_MAX_BYTES:
                raise ProtocolError("too big inline request")
            return None
        end = newline - 1 if newline > pos and buf[newline - 1] == 13 else newline
        args = split_args(bytes(buf[pos:end]))
        if args is None:
            raise ProtocolError("unbalanced quotes in request")
        self._pos = newline + 1
        if self.unauthenticated and len(args) > UNAUTH_MAX_MULTIBULK:
            raise ProtocolError("unauthenticated multibulk length")
        return args

    def _line_end(self, too_big: str) -> int:
        """Index of the ``\\r`` ending the header line at ``_pos``, or -1 if not complete."""
        buf, pos = self._buf, self._pos
        cr = buf.find(b"\r", pos)
        if cr >= 0 and buf.find(b"\x00", pos, cr) >= 0:
            cr = -1  # C's strchr stops at the first NUL
        if cr < 0:
            if len(buf) - pos > INLINE_MAX_BYTES:
                raise ProtocolError(too_big)
            return -1
        if cr + 1 >= len(buf):
            return -1  # the '\n' has not arrived yet
        return cr

    def _multibulk_header(self) -> bool:
        cr = self._line_end("too big mbulk count string")
        if cr < 0:
            return False
        count = strict_int(bytes(self._buf[self._pos + 1 : cr]))
        if count is None or count > MAX_MULTIBULK:
            raise ProtocolError("invalid multibulk length")
        if self.unauthenticated and count > UNAUTH_MAX_MULTIBULK:
            raise ProtocolError("unauthenticated multibulk length")
        self._pos = cr + 2
        self._remaining = max(count, 0)
        self._argv = []
        return True

    def _multibulk_body(self) -> list[bytes] | None:
        buf = self._buf
        argv = self._argv
        size = len(buf)
        while self._remaining:
            bulk_len = self._bulk_len
            if bulk_len < 0:
                pos = self._pos
                cr = buf.find(b"\r", pos)
                if cr < 0 or cr + 1 >= size or buf[pos] != 36:  # '$'
                    cr = self._line_end("too big bulk count string")
                    if cr < 0:
                        return None
                    if buf[pos] != 36:
                        raise ProtocolError(f"expected '$', got '{chr(buf[pos])}'")
                digits = bytes(buf[pos + 1 : cr])
                if digits.isdigit() and (digits[0] != 48 or len(digits) == 1) and len(digits) < 19:
                    bulk_len = int(digits)
                else:
                    if buf.find(b"\x00", pos, cr) >= 0:
                        self._line_end("too big bulk count string")
                        return None
                    parsed = strict_int(digits)
                    bulk_len = -1 if parsed is None else parsed
                if bulk_len < 0 or bulk_len > self.max_bulk_bytes:
                    raise ProtocolError("invalid bulk length")
                if self.unauthenticated and bulk_len > UNAUTH_MAX_BULK_BYTES:
                    raise ProtocolError("unauthenticated bulk length")
                self._pos = cr + 2
                self._bulk_len = bulk_len
            start = self._pos
            end = start + bulk_len
            if end + 2 > size:
                return None
            argv.append(bytes(buf[start:end]))
            self._pos = end + 2
            self._bulk_len = -1
            self._remaining -= 1
        self._argv = []
        return argv
