"""Sans-IO RESP request reader: bytes in, argv lists out.

Follows Redis 7.0's ``networking.c`` (``processInlineBuffer`` / ``processMultibulkBuffer``): the
first byte of a request picks multibulk (``*``) or inline, limits and error texts are Redis's,
header lines end at the first ``\\r`` (multibulk) or ``\\n`` (inline) *before any NUL byte*, as
C's ``strchr`` sees them, and the byte after a header's ``\\r`` and the two after a bulk are
skipped unchecked, as Redis does.

Two properties matter beyond the protocol:

* Nothing is allocated for a size the client merely claims: a header ``*2147483647`` or
  ``$536870912`` costs a few integers; the bytes are kept only as they really arrive.
* Work is linear in the bytes received, however they are split: while a command is incomplete,
  :meth:`RequestReader.feed` only queues chunks and records how many more bytes (or which
  terminator byte) parsing needs, so a large command trickling in is not re-scanned per chunk.

The buffer is ``bytes`` (arguments are sliced out with one copy each); in the common case of a
read holding whole commands the received chunk itself becomes the buffer, uncopied.
"""

from __future__ import annotations

from godis.errors import ProtocolError

INLINE_MAX_BYTES = 64 * 1024
"""PROTO_INLINE_MAX_SIZE: the longest inline request or header line without its terminator."""

DEFAULT_MAX_BULK_BYTES = 512 * 1024 * 1024
"""proto-max-bulk-len's default."""

MAX_MULTIBULK = 2**31 - 1
"""INT_MAX: the largest multibulk count Redis accepts."""

UNAUTH_MAX_MULTIBULK = 10
UNAUTH_MAX_BULK_BYTES = 16384
"""Limits before AUTH when a password is required (CVE-2021-32675); multibulk requests only."""

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

_CACHED_LENGTHS = 1024
# Canonical header lines (through their '\r') mapped to their value: one slice and one dict
# lookup both validate and parse the common headers; anything else takes the exact slow path.
_BULK_HEADERS: dict[bytes, int] = {b"$%d\r" % n: n for n in range(_CACHED_LENGTHS)}
_COUNT_HEADERS: dict[bytes, int] = {b"*%d\r" % n: n for n in range(1, _CACHED_LENGTHS)}
_UNAUTH_COUNT_HEADERS: dict[bytes, int] = {
    b"*%d\r" % n: n for n in range(1, UNAUTH_MAX_MULTIBULK + 1)
}
# The same for headers of one or two digits, found by their first four bytes without a search:
# "$5\r\n" (the header and the byte after it), "$42\r" (the byte after it is at +4).
_SHORT_BULK_HEADERS: dict[bytes, int] = {
    **{b"$%d\r\n" % n: n for n in range(10)},
    **{b"$%d\r" % n: n for n in range(10, 100)},
}
_SHORT_COUNT_HEADERS: dict[bytes, int] = {
    **{b"*%d\r\n" % n: n for n in range(1, 10)},
    **{b"*%d\r" % n: n for n in range(10, 100)},
}
_UNAUTH_SHORT_COUNT_HEADERS: dict[bytes, int] = {
    b"*%d\r%s" % (n, b"\n" if n < 10 else b""): n for n in range(1, UNAUTH_MAX_MULTIBULK + 1)
}
_NO_HEADERS: dict[bytes, int] = {}
_UNLIMITED = 2**62


def strict_int(digits: bytes) -> int | None:
    """Redis's ``string2ll``: an optional ``-``, digits, no leading zeros, within 64 bits."""
    size = len(digits)
    if 0 < size < 19 and digits.isdigit():  # the common case: fits, non-negative
        return int(digits) if digits[0] != 48 or size == 1 else None
    if not 0 < size < 21:  # LONG_STR_SIZE
        return None
    body = digits[1:] if digits[0] == 45 else digits  # '-'
    if not body.isdigit() or body[0] == 48:  # "-", "-x", "01", "-0", "-01"
        return None
    value = int(digits)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ISSPACE = frozenset(b" \t\n\v\f\r")  # C's isspace: blanks skipped between arguments
_ENDS_ARG = frozenset(b" \n\r\t")  # ... but only these end an unquoted argument


def split_args(line: bytes) -> list[bytes] | None:
    """Redis's ``sdssplitargs``: split an inline request; ``None`` for unbalanced quotes.

    ``line`` is a C string to Redis: it ends at a NUL byte (the reader never passes one).
    """
    if (
        b'"' not in line
        and b"'" not in line
        and b"\v" not in line
        and b"\f" not in line
        and b"\x00" not in line
    ):
        # bytes.split() splits on exactly " \t\n\r\v\f"; without \v and \f it matches.
        return line.split()
    nul = line.find(b"\x00")
    if nul >= 0:
        line = line[:nul]
    return _split_quoted(line)


def _split_quoted(line: bytes) -> list[bytes] | None:
    """The character loop of ``sdssplitargs``, for lines with quotes, ``\\v`` or ``\\f``."""
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _ISSPACE:
            i += 1
        if i >= n:
            return args
        current = bytearray()
        while i < n:  # an unquoted stretch, possibly opening a quote
            c = line[i]
            if c in _ENDS_ARG:
                break
            i += 1
            if c == 34:  # '"'
                while True:
                    if i >= n:
                        return None  # unterminated quotes
                    c = line[i]
                    if (
                        c == 92
                        and i + 3 < n
                        and line[i + 1] == 120  # \xHH
                        and line[i + 2] in _HEX
                        and line[i + 3] in _HEX
                    ):
                        current.append(int(line[i + 2 : i + 4], 16))
                        i += 4
                    elif c == 92 and i + 1 < n:
                        current.append(_ESCAPES.get(line[i + 1], line[i + 1]))
                        i += 2
                    elif c == 34:
                        i += 1
                        break
                    else:
                        current.append(c)
                        i += 1
            elif c == 39:  # "'"
                while True:
                    if i >= n:
                        return None
                    c = line[i]
                    if c == 92 and i + 1 < n and line[i + 1] == 39:
                        current.append(39)
                        i += 2
                    elif c == 39:
                        i += 1
                        break
                    else:
                        current.append(c)
                        i += 1
            else:
                current.append(c)
                continue
            # A closing quote must be followed by a blank or the end of the line.
            if i < n and line[i] not in _ISSPACE:
                return None
            break
        args.append(bytes(current))


class RequestReader:
    """Buffers received bytes and returns complete commands as lists of ``bytes``.

    ``feed`` only buffers; ``read_commands`` parses. A protocol error is raised only after the
    commands before it were returned, so the caller executes those, then replies with the
    error and closes, as Redis does. Call ``read_commands`` until it returns ``[]`` before
    waiting for more bytes: while :attr:`unauthenticated` is set it returns one command at a
    time, because Redis applies the pre-AUTH limits to each command as it comes to it, so an
    ``AUTH`` must run before the commands pipelined after it are parsed.
    """

    __slots__ = (
        "_argv",
        "_buf",
        "_chunked",
        "_chunks",
        "_error",
        "_need",
        "_pending_bulk",
        "_pos",
        "_ready",
        "_remaining",
        "_wake",
        "max_bulk_bytes",
        "unauthenticated",
    )

    def __init__(self, max_bulk_bytes: int = DEFAULT_MAX_BULK_BYTES) -> None:
        self._buf = b""  # bytes being parsed; everything before _pos is consumed
        self._pos = 0
        self._chunks: list[bytes] = []  # received after _buf, not yet joined to it
        self._chunked = 0  # their total length
        self._ready = False  # whether parsing can progress
        self._need = 1  # ... it can once _chunked reaches this
        self._wake: bytes | None = None  # ... or once a chunk holds this line terminator
        self._argv: list[bytes] = []  # arguments of the multibulk command in progress
        self._remaining = 0  # arguments it still expects
        self._pending_bulk = -1  # length of the bulk at _pos whose header was read, else -1
        self._error: ProtocolError | None = None
        self.max_bulk_bytes = max_bulk_bytes
        self.unauthenticated = False  # pre-AUTH limits (set while a password is required)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append received bytes; parsing happens in :meth:`read_commands`."""
        if not data or self._error is not None:
            return
        if type(data) is not bytes:
            data = bytes(data)
        if self._pos == len(self._buf) and not self._chunks and self._pending_bulk < 0:
            self._buf = data  # nothing unconsumed: the chunk is the buffer, uncopied
            self._pos = 0
            self._ready = True
            return
        self._chunks.append(data)
        self._chunked += len(data)
        if not self._ready and (
            self._chunked >= self._need or (self._wake is not None and self._wake in data)
        ):
            self._ready = True

    @property
    def buffered_bytes(self) -> int:
        """Bytes received but not yet consumed (the query buffer's length)."""
        return len(self._buf) - self._pos + self._chunked

    def has_partial(self) -> bool:
        """Whether a command has started arriving but is incomplete."""
        return self._remaining > 0 or self.buffered_bytes > 0

    def read_commands(self) -> list[list[bytes]]:
        """Complete commands in the buffer, in order (all of them, or one if unauthenticated).

        Raises :class:`ProtocolError` when nothing complete precedes a framing error; when
        complete commands precede it they are returned first and the next call raises.
        """
        return self._parse(1 if self.unauthenticated else _UNLIMITED)

    def read_command(self) -> list[bytes] | None:
        """One complete command, or ``None`` when more bytes are needed."""
        commands = self._parse(1)
        return commands[0] if commands else None

    def _parse(self, limit: int) -> list[list[bytes]]:
        if self._error is not None:
            raise self._error
        if not self._ready:
            return []
        commands: list[list[bytes]] = []
        if self._pending_bulk >= 0:
            self._finish_bulk()
            if not self._remaining:
                commands.append(self._argv)
        elif self._chunks:
            self._join()
        buf = self._buf
        pos = self._pos
        size = len(buf)
        find = buf.find
        argv = self._argv
        remaining = self._remaining
        if self.unauthenticated:
            short_counts, counts = _UNAUTH_SHORT_COUNT_HEADERS, _UNAUTH_COUNT_HEADERS
        else:
            short_counts, counts = _SHORT_COUNT_HEADERS, _COUNT_HEADERS
        if self.max_bulk_bytes >= _CACHED_LENGTHS:
            short_lengths, lengths = _SHORT_BULK_HEADERS, _BULK_HEADERS
        else:
            short_lengths = lengths = _NO_HEADERS
        bulk_limit = self.max_bulk_bytes
        if self.unauthenticated:
            bulk_limit = min(bulk_limit, UNAUTH_MAX_BULK_BYTES)
        try:
            while True:
                if not remaining:  # at the start of a request
                    if pos >= size:
                        self._need = 1
                        self._wake = None
                        self._ready = False
                        break
                    if len(commands) >= limit:
                        break  # stays ready: the caller comes back for the rest
                    count = short_counts.get(buf[pos : pos + 4])
                    if count is not None:
                        pos += 4 if count < 10 else 5
                    elif buf[pos] != 42:  # not '*': an inline request
                        end = find(b"\n", pos)
                        if end < 0 or b"\x00" in (
                            line := buf[pos : end - 1 if end > pos and buf[end - 1] == 13 else end]
                        ):
                            self._line_end(buf, pos, b"\n", "too big inline request")
                            break  # the line is incomplete, or blocked by a NUL byte
                        if b'"' in line or b"'" in line or b"\v" in line or b"\f" in line:
                            args = _split_quoted(line)
                            if args is None:
                                raise ProtocolError("unbalanced quotes in request")
                        else:
                            args = line.split()
                        pos = end + 1
                        if args:
                            commands.append(args)
                        continue
                    else:
                        cr = find(b"\r", pos)
                        count = counts.get(buf[pos : cr + 1])
                        if count is None or cr + 1 >= size:
                            cr = self._line_end(buf, pos, b"\r", "too big mbulk count string")
                            if cr < 0:
                                break
                            count = self._multibulk_count(buf[pos + 1 : cr])
                        pos = cr + 2
                        if count <= 0:
                            continue  # *0 and negative counts are empty requests
                    if pos > size:  # the byte after the header's '\r' has not arrived
                        pos -= 5 if count > 9 else 4
                        self._stall(pos, size - pos + 1, None)
                        break
                    remaining = count
                    argv = []
                for done in range(remaining):
                    length = short_lengths.get(buf[pos : pos + 4])
                    if length is not None:
                        start = pos + 4 if length < 10 else pos + 5
                    else:
                        cr = find(b"\r", pos)
                        length = lengths.get(buf[pos : cr + 1])
                        if length is None:
                            length = _plain_length(buf, pos, cr, bulk_limit)
                        if length < 0:
                            cr = self._line_end(buf, pos, b"\r", "too big bulk count string")
                            if cr < 0:
                                remaining -= done
                                break
                            if buf[pos] != 36:  # '$'
                                raise ProtocolError(f"expected '$', got '{_show(buf[pos])}'")
                            length = self._bulk_length(buf[pos + 1 : cr])
                        start = cr + 2
                    end = start + length
                    if end + 2 > size:
                        remaining -= done
                        if start <= size:  # the header is complete: consume it, as Redis
                            pos = start
                            self._pending_bulk = length
                            self._stall(pos, length + 2, None)
                        else:  # the byte after the header's '\r' has not arrived
                            self._stall(pos, size - pos + 1, None)
                        break
                    argv.append(buf[start:end])
                    pos = end + 2
                else:
                    remaining = 0
                    commands.append(argv)
                    continue
                break
        except ProtocolError as error:
            self._fail(error)
            if not commands:
                raise
            return commands
        self._pos = pos
        self._argv = argv
        self._remaining = remaining
        return commands

    def _stall(self, pos: int, need: int, wake: bytes | None) -> None:
        """Parsing stopped at ``pos`` until ``need`` bytes from there (or ``wake``) are in."""
        self._need = need - (len(self._buf) - pos)
        self._wake = wake
        self._ready = False

    def _line_end(self, buf: bytes, pos: int, terminator: bytes, too_big: str) -> int:
        """Index of the terminator of the header line at ``pos``, or -1 after stalling.

        The line ends at the first terminator unless a NUL comes first: then, as for C's
        ``strchr``, it never ends, and only the size limit can end the wait. A multibulk
        header line (``\\r``) also needs the byte after its terminator to have arrived.
        """
        size = len(buf)
        end = buf.find(terminator, pos)
        blocked = buf.find(b"\x00", pos, end if end >= 0 else size) >= 0
        if end < 0 or blocked:
            if size - pos > INLINE_MAX_BYTES:
                raise ProtocolError(too_big)
            self._stall(pos, INLINE_MAX_BYTES + 1, None if blocked else terminator)
            return -1
        if terminator == b"\r" and end + 1 >= size:
            self._stall(pos, size - pos + 1, None)
            return -1
        return end

    def _multibulk_count(self, digits: bytes) -> int:
        count = strict_int(digits)
        if count is None or count > MAX_MULTIBULK:
            raise ProtocolError("invalid multibulk length")
        if self.unauthenticated and count > UNAUTH_MAX_MULTIBULK:
            raise ProtocolError("unauthenticated multibulk length")
        return count

    def _bulk_length(self, digits: bytes) -> int:
        length = strict_int(digits)
        if length is None or length < 0 or length > self.max_bulk_bytes:
            raise ProtocolError("invalid bulk length")
        if self.unauthenticated and length > UNAUTH_MAX_BULK_BYTES:
            raise ProtocolError("unauthenticated bulk length")
        return length

    def _join(self) -> None:
        """Make the queued chunks part of ``_buf`` (usually no copy: one whole new chunk)."""
        chunks = self._chunks
        if chunks:
            buf, pos = self._buf, self._pos
            if pos >= len(buf) and len(chunks) == 1:
                self._buf = chunks[0]
            else:
                chunks.insert(0, buf[pos:])
                self._buf = b"".join(chunks)
            self._pos = 0
            self._chunks = []
            self._chunked = 0

    def _finish_bulk(self) -> None:
        """Complete the pending bulk from the queued chunks with a single copy of its bytes.

        Joining everything and slicing the argument out would copy a large value twice and
        hold it three times at the peak.
        """
        want = self._pending_bulk
        skip = 2  # the bulk's trailing "\r\n", unchecked
        pieces: list[bytes | memoryview] = [memoryview(self._buf)[self._pos :], *self._chunks]
        value: list[bytes | memoryview] = []
        rest: list[bytes | memoryview] = []
        for piece in pieces:
            if want:
                if len(piece) <= want:
                    value.append(piece)
                    want -= len(piece)
                    continue
                value.append(piece[:want])
                piece = piece[want:]
                want = 0
            if skip:
                if len(piece) <= skip:
                    skip -= len(piece)
                    continue
                piece = piece[skip:]
                skip = 0
            rest.append(piece)
        self._argv.append(b"".join(value))
        self._remaining -= 1
        self._pending_bulk = -1
        self._buf = b"".join(rest)
        self._pos = 0
        self._chunks = []
        self._chunked = 0

    def _fail(self, error: ProtocolError) -> None:
        """Remember the error for the next call and drop what is buffered."""
        self._error = error
        self._buf = b""
        self._pos = 0
        self._chunks = []
        self._chunked = 0
        self._argv = []
        self._remaining = 0
        self._pending_bulk = -1
        self._ready = False


def _plain_length(buf: bytes, pos: int, cr: int, limit: int) -> int:
    """The length in a complete ``$<digits>\\r`` header at ``pos``, or -1 if it is not plainly
    valid (1 to 9 digits, no leading zero, within ``limit``): then the exact path decides."""
    if pos < cr < len(buf) - 1 and buf[pos] == 36:
        digits = buf[pos + 1 : cr]
        if 0 < len(digits) < 10 and digits.isdigit() and digits[0] != 48:
            length = int(digits)
            if length <= limit:
                return length
    return -1


def _show(byte: int) -> str:
    """A byte as Redis's ``%c`` puts it in an error (newlines become spaces there).

    Bytes above 127 are carried as surrogate escapes, which the writer turns back into the
    raw byte, as Redis sends it.
    """
    if byte in (10, 13):
        return " "
    return chr(byte) if byte < 128 else chr(0xDC00 + byte)
