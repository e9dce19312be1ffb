"""The request reader: Redis 7.0's framing rules, limits and error texts, chunking, and cost.

Expected behaviour was taken from ``networking.c`` (``processInlineBuffer``,
``processMultibulkBuffer``, ``sdssplitargs``) and probed on a real redis-server 7.0.15; the
differential tests at the end check it against the real server again.
"""

from __future__ import annotations

import socket
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from godis.errors import ProtocolError
from godis.protocol.reader import (
    INLINE_MAX_BYTES,
    RequestReader,
    split_args,
    strict_int,
)
from godis.protocol.writer import error_bytes
from tests.support.resp import RespConnection, encode_command


def drain(reader: RequestReader) -> tuple[list[list[bytes]], str | None]:
    """Every command the reader gives, then the protocol error's reason if one ended it."""
    commands: list[list[bytes]] = []
    while True:
        try:
            batch = reader.read_commands()
        except ProtocolError as error:
            return commands, error.reason
        if not batch:
            return commands, None
        commands += batch


def parse(data: bytes, **options: object) -> tuple[list[list[bytes]], str | None]:
    reader = RequestReader()
    for name, value in options.items():
        setattr(reader, name, value)
    reader.feed(data)
    return drain(reader)


def parse_chunked(data: bytes, cuts: list[int]) -> tuple[list[list[bytes]], str | None]:
    """Feed ``data`` cut at ``cuts``, reading after every piece, as a server does."""
    reader = RequestReader()
    commands: list[list[bytes]] = []
    start = 0
    for end in [*sorted(set(cuts)), len(data)]:
        reader.feed(data[start:end])
        start = end
        got, reason = drain(reader)
        commands += got
        if reason is not None:
            return commands, reason
    return commands, None


def cmd(*args: bytes) -> bytes:
    return encode_command(*args)


# --- well-formed input ---------------------------------------------------------------------


def test_multibulk_and_inline_commands() -> None:
    data = cmd(b"SET", b"k", b"v") + b"GET k\r\n" + cmd(b"PING")
    assert parse(data) == ([[b"SET", b"k", b"v"], [b"GET", b"k"], [b"PING"]], None)


def test_many_commands_in_one_feed_are_all_returned() -> None:
    data = b"".join(cmd(b"SET", b"key:%d" % i, b"value") for i in range(1000))
    reader = RequestReader()
    reader.feed(data)
    commands = reader.read_commands()
    assert len(commands) == 1000
    assert commands[999] == [b"SET", b"key:999", b"value"]
    assert reader.read_commands() == []
    assert reader.buffered_bytes == 0
    assert not reader.has_partial()


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"\r\n",
        b"\x00",
        b"a\r\nb",
        b"\r",
        b"\n",
        bytes(range(256)),
        b"$3\r\n*1\r\n",
        b"x" * 5000,
    ],
)
def test_bulk_strings_are_binary_safe(value: bytes) -> None:
    assert parse(cmd(b"SET", value, value)) == ([[b"SET", value, value]], None)


@pytest.mark.parametrize(
    "data",
    [b"\r\n", b"\n", b"   \r\n", b"\t\n", b"*0\r\n", b"*-1\r\n", b"*-10\r\n", b"\r\n\r\n\n"],
)
def test_empty_requests_are_ignored(data: bytes) -> None:
    assert parse(data + b"PING\r\n") == ([[b"PING"]], None)


def test_bulk_header_lengths_past_the_cached_ones() -> None:
    for size in (99, 100, 1023, 1024, 1025, 65536, 100_000):
        value = b"v" * size
        assert parse(cmd(value) * 2) == ([[value], [value]], None)


def test_many_arguments() -> None:
    args = [b"%d" % i for i in range(2000)]
    assert parse(cmd(*args)) == ([args], None)


def test_header_terminator_byte_is_not_checked() -> None:
    # Redis finds the header's '\r' and skips one more byte, whatever it is; after a bulk it
    # skips two bytes unchecked.
    assert parse(b"*1\rx$4\r\nPING\r\n") == ([[b"PING"]], None)
    assert parse(b"*1\r\n$4\rxPINGab*1\r\n$4\r\nPING\r\n") == ([[b"PING"], [b"PING"]], None)
    assert parse(b"*12\rx" + b"$1\r\na\r\n" * 12) == ([[b"a"] * 12], None)
    assert parse(b"*1\r\n$5\rxhello\r\n") == ([[b"hello"]], None)
    assert parse(b"*1\r\n$15\rxhellohellohello\r\n") == ([[b"hellohellohello"]], None)


def test_inline_line_endings() -> None:
    assert parse(b"PING\n") == ([[b"PING"]], None)
    assert parse(b"PING\r\r\n") == ([[b"PING"]], None)  # one '\r' stripped, the other a blank
    assert parse(b"ECHO a\rb\r\n") == ([[b"ECHO", b"a", b"b"]], None)
    assert parse(b"$4\r\nPING\r\n") == ([[b"$4"], [b"PING"]], None)  # '$' starts no bulk here


def test_read_command_returns_one_at_a_time() -> None:
    reader = RequestReader()
    reader.feed(cmd(b"A") + b"B\r\n" + cmd(b"C", b"1") + b"*1\r\n$1\r\n")
    assert reader.read_command() == [b"A"]
    assert reader.read_command() == [b"B"]
    assert reader.read_command() == [b"C", b"1"]
    assert reader.read_command() is None
    assert reader.has_partial()
    reader.feed(b"D\r\n")
    assert reader.read_command() == [b"D"]
    assert reader.read_command() is None


def test_buffered_bytes_counts_what_is_not_consumed() -> None:
    reader = RequestReader()
    reader.feed(cmd(b"PING") + b"*2\r\n$3\r\nGET")
    assert reader.read_commands() == [[b"PING"]]
    assert reader.buffered_bytes == len(b"GET")  # the headers before it were consumed
    assert reader.has_partial()
    reader.feed(b"\r\n$1\r\n")
    assert reader.read_commands() == []
    reader.feed(b"k\r\n")
    assert reader.read_commands() == [[b"GET", b"k"]]
    assert reader.buffered_bytes == 0


def test_feeding_bytearray_and_memoryview() -> None:
    reader = RequestReader()
    reader.feed(bytearray(cmd(b"GET", b"a")))
    reader.feed(memoryview(cmd(b"GET", b"b")))
    commands = reader.read_commands()
    assert commands == [[b"GET", b"a"], [b"GET", b"b"]]
    assert all(type(arg) is bytes for argv in commands for arg in argv)


def test_every_split_point() -> None:
    data = (
        cmd(b"SET", b"key", b"a\r\nvalue")
        + b"ECHO \"x\\ny\" 'z'\r\n"
        + b"\r\n*0\r\n"
        + cmd(b"v" * 40, b"")
        + b"*1\rx$2\rxok!!"
    )
    expected = parse(data)
    assert expected[1] is None
    assert len(expected[0]) == 4
    for cut in range(len(data) + 1):
        assert parse_chunked(data, [cut]) == expected, cut
    for first in range(0, len(data), 3):
        for second in range(first, len(data), 5):
            assert parse_chunked(data, [first, second]) == expected, (first, second)
    assert parse_chunked(data, list(range(len(data)))) == expected


def test_every_split_point_of_long_headers() -> None:
    data = cmd(b"SET", b"k" * 1500, b"v" * 123_456) + cmd(b"k" * 20, b"v" * 2000) + b"PING\r\n"
    expected = parse(data)
    assert expected == (
        [[b"SET", b"k" * 1500, b"v" * 123_456], [b"k" * 20, b"v" * 2000], [b"PING"]],
        None,
    )
    header_ends = [i for i in range(len(data)) if data[i : i + 1] in (b"$", b"*", b"\r")]
    for cut in sorted({c + d for c in header_ends for d in range(-2, 8)} - {-1, -2}):
        assert parse_chunked(data, [cut]) == expected, cut


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"*01\r\n", "invalid multibulk length"),
        (b"*-0\r\n", "invalid multibulk length"),
        (b"*+1\r\n", "invalid multibulk length"),
        (b"* 1\r\n", "invalid multibulk length"),
        (b"*1 \r\n", "invalid multibulk length"),
        (b"*\r\n", "invalid multibulk length"),
        (b"*x\r\n", "invalid multibulk length"),
        (b"*2147483648\r\n", "invalid multibulk length"),
        (b"*99999999999999999999\r\n", "invalid multibulk length"),
        (b"*1\r\n$-1\r\n", "invalid bulk length"),
        (b"*1\r\n$01\r\n", "invalid bulk length"),
        (b"*1\r\n$+1\r\n", "invalid bulk length"),
        (b"*1\r\n$\r\n", "invalid bulk length"),
        (b"*1\r\n$ 1\r\n", "invalid bulk length"),
        (b"*1\r\n$536870913\r\n", "invalid bulk length"),
        (b"*1\r\n$9223372036854775808\r\n", "invalid bulk length"),
        (b"*1\r\n:5\r\n", "expected '$', got ':'"),
        (b"*1\r\n*1\r\n", "expected '$', got '*'"),
        (b"*1\r\nPING\r\n", "expected '$', got 'P'"),
        (b"*1\r\n\r\n\r\n", "expected '$', got ' '"),  # %c of '\r', mapped to a space
        (b"*1\r\n\n\r\n", "expected '$', got ' '"),
        (b"*1\r\n\xff\r\n", "expected '$', got '\udcff'"),  # the raw byte, surrogate-escaped
        (b'PING "a"b\r\n', "unbalanced quotes in request"),
        (b'ECHO "a\r\n', "unbalanced quotes in request"),
        (b"ECHO 'a\r\n", "unbalanced quotes in request"),
        (b"ECHO 'a'b\r\n", "unbalanced quotes in request"),
        (b'ECHO "a\\"\r\n', "unbalanced quotes in request"),
    ],
)
def test_protocol_errors(data: bytes, reason: str) -> None:
    assert parse(data) == ([], reason)
    assert parse_chunked(data, list(range(0, len(data), 2))) == ([], reason)


def test_over_long_header_is_judged_by_what_has_arrived() -> None:
    """A 64KB+ header line arriving whole is read (and found invalid); arriving in pieces,
    it is rejected as too long first, as Redis does depending on its reads."""
    for prefix, invalid, too_big in [
        (b"*", "invalid multibulk length", "too big mbulk count string"),
        (b"*1\r\n$", "invalid bulk length", "too big bulk count string"),
    ]:
        data = prefix + b"1" * 65536 + b"\r\n"
        assert parse(data) == ([], invalid)
        assert parse_chunked(data, [len(data) - 2]) == ([], too_big)


def test_error_comes_after_the_commands_before_it() -> None:
    reader = RequestReader()
    reader.feed(cmd(b"PING") + b"PING\r\n" + b"*1\r\n:1\r\n" + cmd(b"NEVER"))
    assert reader.read_commands() == [[b"PING"], [b"PING"]]
    with pytest.raises(ProtocolError) as raised:
        reader.read_commands()
    assert raised.value.reason == "expected '$', got ':'"
    assert raised.value.message == "ERR Protocol error: expected '$', got ':'"
    # The reader stays failed: the connection is closing.
    reader.feed(cmd(b"PING"))
    with pytest.raises(ProtocolError):
        reader.read_commands()
    with pytest.raises(ProtocolError):
        reader.read_command()
    assert reader.buffered_bytes == 0


def test_error_text_of_a_high_byte_is_the_raw_byte() -> None:
    _, reason = parse(b"*1\r\n\xe9\r\n")
    assert reason is not None
    assert error_bytes(ProtocolError(reason).message) == (
        b"-ERR Protocol error: expected '$', got '\xe9'\r\n"
    )


def test_incomplete_requests_wait() -> None:
    for data in (
        b"PING",
        b"*1",
        b"*1\r",
        b"*1\r\n",
        b"*1\r\n$4",
        b"*1\r\n$4\r",
        b"*1\r\n$4\r\nPI",
        b"*1\r\n$4\r\nPING",
        b"*1\r\n$4\r\nPING\r",
        b"*2147483647\r\n",
        b"*1\r\n$536870912\r\n",
    ):
        assert parse(data) == ([], None), data


@pytest.mark.parametrize(
    ("prefix", "line_start", "reason"),
    [
        (b"", b"", "too big inline request"),
        (b"", b"*", "too big mbulk count string"),
        (b"*1\r\n", b"", "too big bulk count string"),
        (b"*1\r\n", b"$", "too big bulk count string"),
    ],
)
def test_lines_longer_than_64kb_without_terminator(
    prefix: bytes, line_start: bytes, reason: str
) -> None:
    """The limit counts from the start of the line: 64KB wait, one byte more is an error."""
    reader = RequestReader()
    reader.feed(prefix + line_start + b"1" * (INLINE_MAX_BYTES - len(line_start)))
    assert reader.read_commands() == []
    reader.feed(b"1")
    with pytest.raises(ProtocolError, match=reason):
        reader.read_commands()


def test_long_inline_line_is_fine_when_its_newline_came_with_it() -> None:
    line = b"ECHO " + b"a" * 100_000 + b"\r\n"
    assert parse(line) == ([[b"ECHO", b"a" * 100_000]], None)


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (b"\x00", "too big inline request"),
        (b"*\x00", "too big mbulk count string"),
        (b"$\x00", "too big inline request"),  # '$' begins an inline request
        (b"*1\r\n$\x00", "too big bulk count string"),
        (b"*1\r\n$1\x00\r\n", "too big bulk count string"),
        (b"PING \x00\r\n", "too big inline request"),
    ],
)
def test_nul_byte_hides_every_line_end_after_it(start: bytes, reason: str) -> None:
    """Redis's "Protocol desync regression test": strchr stops at a NUL byte, so the line
    never ends and the request is rejected once 64KB are buffered."""
    payload = b"A" * 1024 + b"\r\n"
    reader = RequestReader()
    reader.feed(start)
    sent = len(start)
    failure: ProtocolError | None = None
    while failure is None and sent < 2 * INLINE_MAX_BYTES:
        try:
            assert reader.read_commands() == []
        except ProtocolError as error:
            failure = error
            break
        reader.feed(payload)
        sent += len(payload)
    assert failure is not None
    assert failure.reason == reason
    assert INLINE_MAX_BYTES < sent <= INLINE_MAX_BYTES + len(start) + len(payload)


def test_nul_blocks_only_the_line_it_is_in() -> None:
    assert parse(b"PING\r\n\x00\r\nPING\r\n") == ([[b"PING"]], None)
    assert parse(cmd(b"a\x00b") + b"*1\r\n$1\r\n\x00\r\n") == ([[b"a\x00b"], [b"\x00"]], None)


def test_max_bulk_bytes() -> None:
    reader = RequestReader(max_bulk_bytes=1024 * 1024)
    reader.feed(b"*1\r\n$1048576\r\n")
    assert reader.read_commands() == []
    reader = RequestReader(max_bulk_bytes=1024 * 1024)
    reader.feed(b"*1\r\n$1048577\r\n")
    with pytest.raises(ProtocolError, match="invalid bulk length"):
        reader.read_commands()
    reader = RequestReader(max_bulk_bytes=100)  # below the cached header lengths
    reader.feed(cmd(b"x" * 100) + cmd(b"x" * 101))
    assert reader.read_commands() == [[b"x" * 100]]
    with pytest.raises(ProtocolError, match="invalid bulk length"):
        reader.read_commands()


# --- before AUTH ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"*11\r\n", "unauthenticated multibulk length"),
        (b"*1024\r\n", "unauthenticated multibulk length"),
        (b"*1\r\n$16385\r\n", "unauthenticated bulk length"),
        (b"*1\r\n$536870913\r\n", "invalid bulk length"),
        (b"*2147483648\r\n", "invalid multibulk length"),
    ],
)
def test_unauthenticated_limits(data: bytes, reason: str) -> None:
    assert parse(data, unauthenticated=True) == ([], reason)
    if reason.startswith("unauthenticated"):
        assert parse(data) == ([], None)


@pytest.mark.parametrize("data", [b"*10\r\n", b"*-11\r\n", b"*1\r\n$16384\r\n"])
def test_unauthenticated_limits_are_inclusive(data: bytes) -> None:
    assert parse(data, unauthenticated=True) == ([], None)


def test_unauthenticated_inline_requests_are_not_limited() -> None:
    line = b"PING " + b"a " * 20 + b"b" * 20000 + b"\r\n"
    assert parse(line, unauthenticated=True) == ([line.split()], None)


def test_unauthenticated_reads_one_command_at_a_time() -> None:
    """Redis checks the limits as it reaches each command: after a pipelined AUTH succeeds,
    the next command is parsed without them."""
    reader = RequestReader()
    reader.unauthenticated = True
    big = cmd(b"SET", b"k", b"v" * 20000)
    reader.feed(cmd(b"AUTH", b"pw") + big)
    assert reader.read_commands() == [[b"AUTH", b"pw"]]
    reader.unauthenticated = False  # the server ran AUTH
    assert reader.read_commands() == [[b"SET", b"k", b"v" * 20000]]
    assert reader.read_commands() == []


# --- cost ----------------------------------------------------------------------------------


class CountingReader(RequestReader):
    """Counts the bytes each productive parse could look at: the work beyond O(1) per feed."""

    __slots__ = ("parses", "scanned")

    def __init__(self) -> None:
        super().__init__()
        self.scanned = 0
        self.parses = 0

    def _parse(self, limit: int) -> list[list[bytes]]:
        if self._ready:
            self.parses += 1
            self.scanned += self.buffered_bytes
        return super()._parse(limit)


def feed_in_pieces(reader: RequestReader, data: bytes, size: int) -> list[list[bytes]]:
    commands: list[list[bytes]] = []
    for start in range(0, len(data), size):
        reader.feed(data[start : start + size])
        commands += reader.read_commands()
    return commands


def test_huge_command_in_small_pieces_is_parsed_in_linear_work() -> None:
    args = [b"MSET"] + [b"key:%d" % (i // 2) if i % 2 == 0 else b"value" for i in range(20000)]
    data = cmd(*args)
    assert len(args) == 20001
    reader = CountingReader()
    assert feed_in_pieces(reader, data, 7) == [args]
    # Each piece is looked at a bounded number of times, never the whole command again.
    assert reader.scanned <= 4 * len(data)
    assert reader.parses <= len(data) // 7 + 2


@pytest.mark.parametrize(
    ("value_size", "piece_size"), [(100_000, 1), (1 << 20, 1000), (1 << 20, 65536)]
)
def test_huge_value_in_small_pieces_is_joined_once(value_size: int, piece_size: int) -> None:
    value = bytes(range(256)) * (value_size // 256)
    data = cmd(b"SET", b"k", value) + cmd(b"PING")
    reader = CountingReader()
    assert feed_in_pieces(reader, data, piece_size) == [[b"SET", b"k", value], [b"PING"]]
    assert reader.scanned <= 2 * len(data)


def test_long_inline_line_in_small_pieces_is_scanned_once() -> None:
    line = b"ECHO " + b"x" * 60_000 + b"\r\n"
    reader = CountingReader()
    assert feed_in_pieces(reader, line, 3) == [[b"ECHO", b"x" * 60_000]]
    assert reader.scanned <= 2 * len(line)
    reader = CountingReader()  # NUL-blocked: nothing is parsed until the 64KB limit
    with pytest.raises(ProtocolError, match="too big inline request"):
        feed_in_pieces(reader, b"\x00" + b"y\r\n" * 30_000, 5)
    assert reader.parses <= 3


def test_claimed_sizes_allocate_nothing() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        reader = RequestReader()
        reader.feed(b"*2147483647\r\n")
        assert reader.read_commands() == []
        reader.feed(b"$536870912\r\n" + b"x" * 1000)
        assert reader.read_commands() == []
        other = RequestReader()
        other.feed(b"*1\r\n$536870912\r\n")
        assert other.read_commands() == []
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < 64 * 1024
    assert current - before < 16 * 1024


def test_a_value_arriving_holds_about_its_own_size() -> None:
    reader = RequestReader()
    reader.feed(b"*1\r\n$536870912\r\n")
    tracemalloc.start()
    try:
        for _ in range(64):  # 4MB of a 512MB claim
            reader.feed(bytes(65536))
            assert reader.read_commands() == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024 + 64 * 1024
    assert reader.buffered_bytes == 64 * 65536


# --- inline splitting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "args"),
    [
        (b"", []),
        (b"  \t ", []),
        (b"a b  c", [b"a", b"b", b"c"]),
        (b"\va\fb", [b"a\fb"]),  # \v \f are skipped before an argument, but do not end one
        (b"a\vb c", [b"a\vb", b"c"]),
        (b'""', [b""]),
        (b"''", [b""]),
        (b'"a b" c', [b"a b", b"c"]),
        (b'"\\x41\\x4a\\x4G\\n\\r\\t\\b\\a\\\\\\"\\q"', [b'AJx4G\n\r\t\b\a\\"q']),
        (b"'a\\'b\\n\"'", [b"a'b\\n\""]),
        (b'ab"cd"', [b"abcd"]),
        (b"ab'c d'", [b"abc d"]),
        (b'"a"\vb', [b"a", b"b"]),
        (b'"a"\tb', [b"a", b"b"]),
        (b'"\\x"', [b"x"]),
        (b'"\\xa"', [b"xa"]),
        (b"a\x00b", [b"a"]),  # a C string: it ends at a NUL
        (b'"a\x00"', None),
        (b'"a"b', None),
        (b"'a'b", None),
        (b'"abc', None),
        (b"'abc", None),
        (b'"a\\', None),
        (b"'\\'", None),
    ],
)
def test_split_args(line: bytes, args: list[bytes] | None) -> None:
    assert split_args(line) == args


@pytest.mark.parametrize(
    ("digits", "value"),
    [
        (b"0", 0),
        (b"1", 1),
        (b"-1", -1),
        (b"9223372036854775807", 2**63 - 1),
        (b"-9223372036854775808", -(2**63)),
        (b"123456789012345678", 123456789012345678),
        (b"9223372036854775808", None),
        (b"-9223372036854775809", None),
        (b"09223372036854775807", None),
        (b"", None),
        (b"-", None),
        (b"-0", None),
        (b"01", None),
        (b"+1", None),
        (b" 1", None),
        (b"1 ", None),
        (b"1_0", None),
        (b"0x10", None),
        (b"\xd9\xa1", None),
        (b"1" * 21, None),
    ],
)
def test_strict_int(digits: bytes, value: int | None) -> None:
    assert strict_int(digits) == value


# --- properties ----------------------------------------------------------------------------

ARGS = st.lists(st.binary(max_size=30), min_size=1, max_size=6)
INLINE_WORD = st.binary(min_size=1, max_size=10).filter(
    lambda word: not any(c in word for c in b" \t\r\n\v\f\"'\x00") and word[:1] != b"*"
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, list[list[bytes]]]:
    """Well-formed requests of both kinds, with empty ones between, and their argv."""
    data = b""
    expected: list[list[bytes]] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["multibulk", "multibulk", "inline", "empty"]))
        if kind == "multibulk":
            argv = draw(ARGS)
            data += cmd(*argv)
            expected.append(argv)
        elif kind == "inline":
            argv = draw(st.lists(INLINE_WORD, min_size=1, max_size=4))
            data += b" ".join(argv) + draw(st.sampled_from([b"\r\n", b"\n"]))
            expected.append(argv)
        else:
            data += draw(st.sampled_from([b"\r\n", b"\n", b" \r\n", b"*0\r\n", b"*-1\r\n"]))
    return data, expected


@given(requests(), st.data())
@settings(max_examples=300, deadline=None)
def test_round_trip_in_any_chunking(
    request: tuple[bytes, list[list[bytes]]], data: st.DataObject
) -> None:
    payload, expected = request
    cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=12))
    assert parse_chunked(payload, cuts) == (expected, None)


PROTOCOL_PIECES = st.sampled_from(
    [
        b"*", b"$", b"\r", b"\n", b"\r\n", b"0", b"1", b"2", b"3", b"9", b"-", b"+", b"\x00",
        b" ", b'"', b"'", b"\\", b"x", b"a", b"\xff", b"PING", b"*1\r\n", b"*2\r\n", b"$1\r\n",
        b"$3\r\n", b"*2147483647\r\n", b"$536870912\r\n", b"*-1\r\n", b"\v",
    ]
)  # fmt: skip
FUZZ = st.one_of(st.binary(max_size=200), st.lists(PROTOCOL_PIECES, max_size=60).map(b"".join))


@given(FUZZ, st.data())
@settings(max_examples=500, deadline=None)
def test_fuzz_only_protocol_errors_and_chunking_never_matters(
    payload: bytes, data: st.DataObject
) -> None:
    whole = parse(payload)  # raises nothing but ProtocolError (drain catches only that)
    cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=10))
    assert parse_chunked(payload, cuts) == whole
    assert parse(payload, unauthenticated=True)[1] in (
        None,
        whole[1],
        "unauthenticated multibulk length",
        "unauthenticated bulk length",
    )


# --- differential: the real redis-server ---------------------------------------------------


class RedisSide:
    """One connection to the real server, reopened after it closes one on a protocol error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = RespConnection("127.0.0.1", port, timeout=5)

    def reopen(self) -> None:
        self.conn.close()
        self.conn = RespConnection("127.0.0.1", self.port, timeout=5)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="module")
def redis_side(redis_session_port: int) -> Iterator[RedisSide]:
    side = RedisSide(redis_session_port)
    yield side
    side.close()


LINE_ALPHABET = st.sampled_from([*b" \t\v\f\r\"'\\xnrtab09AFfgz", 0x80, 0xFF])


@given(st.lists(LINE_ALPHABET, max_size=24).map(bytes))
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_inline_split_matches_redis(redis_side: RedisSide, line: bytes) -> None:
    """RPUSH the inline arguments into a list and read them back with a multibulk LRANGE."""
    mine = split_args(b"RPUSH k " + line)
    conn = redis_side.conn
    conn.send_raw(b"RPUSH k " + line + b"\r\n")
    if mine is None:
        assert conn.read_until_close() == b"-ERR Protocol error: unbalanced quotes in request\r\n"
        redis_side.reopen()
        return
    reply = conn.read_reply()
    if len(mine) == 2:
        assert reply == b"-ERR wrong number of arguments for 'rpush' command\r\n"
        return
    assert reply == b":%d\r\n" % (len(mine) - 2)
    assert conn.call("LRANGE", "k", "0", "-1") == encode_list(mine[2:])
    assert conn.call("DEL", "k") == b":1\r\n"


def encode_list(items: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(b"$%d\r\n%s\r\n" % (len(i), i) for i in items)


TRICKY_FRAMES = [
    b"PING\r\n", b"PING\n", b"\r\n", b"\n", b"*0\r\n", b"*-5\r\n", b"*1\rx$4\rxPINGxx",
    b"*01\r\n", b"*1\r\n:5\r\n", b"*1\r\n$-1\r\n", b"*1\r\n$01\r\n", b"*+1\r\n",
    b"*1\r\nX\r\n", b"*1\r\n\xfe\r\n", b'ECHO "a\r\n', b"ECHO 'a'b\r\n",
    b'ECHO "\\x41\\n"\r\n', b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\n", b"*1\r\n\r\n\r\n",
    b"*2\r\n$4\r\nECHO\r\n$1\r\n\x00\r\n", b"ECHO \x00\r\n", b"*1\r\n$1\x00\r\n",
    b"*3\r\n", b"$2\r\n", b"*", b"\r", b"0", b"ECHO", b" ",
]  # fmt: skip

FRAMES = st.one_of(
    st.builds(lambda arg: cmd(b"ECHO", arg), st.binary(max_size=12)),
    st.builds(lambda arg: cmd(b"PING", arg), st.binary(max_size=12)),
    st.just(cmd(b"PING")),
    st.just(cmd(b"ping", b"a", b"b")),  # an arity error
    st.builds(lambda word: b"ECHO " + word + b"\r\n", INLINE_WORD.filter(lambda w: w.isalnum())),
    st.sampled_from(TRICKY_FRAMES),
    st.sampled_from(TRICKY_FRAMES),
)


def model_reply(argv: list[bytes]) -> bytes | None:
    """What redis-server answers to the commands the frames produce; None for any error."""
    name = argv[0].lower()
    if (name == b"ping" and len(argv) <= 2) or (name == b"echo" and len(argv) == 2):
        if len(argv) == 1:
            return b"+PONG\r\n"
        return b"$%d\r\n%s\r\n" % (len(argv[1]), argv[1])
    return None


SENTINEL = cmd(b"ECHO", b"sentinel")


def check_against_redis(redis_side: RedisSide, payload: bytes, cuts: list[int]) -> None:
    """The same commands run on both, then the same error and close, or the same wait."""
    commands, reason = parse_chunked(payload, cuts)
    conn = redis_side.conn
    conn.send_raw(payload)
    for argv in commands:
        expected = model_reply(argv)
        reply = conn.read_reply()
        if expected is None:
            assert reply.startswith(b"-"), (argv, reply)
            assert b"Protocol error" not in reply, (argv, reply)
        else:
            assert reply == expected, argv
    if reason is not None:
        assert conn.read_until_close() == error_bytes(ProtocolError(reason).message)
        redis_side.reopen()
    elif not commands or commands[-1] != [b"ECHO", b"sentinel"]:
        # Both wait for the rest of a request: nothing more comes.
        conn.sock.settimeout(0.2)
        with pytest.raises((TimeoutError, socket.timeout)):
            conn.sock.recv(1)
        redis_side.reopen()


@pytest.mark.parametrize("frame", TRICKY_FRAMES)
def test_tricky_frames_match_redis(redis_side: RedisSide, frame: bytes) -> None:
    check_against_redis(redis_side, cmd(b"PING") + frame + SENTINEL, [])


@given(st.lists(FRAMES, min_size=1, max_size=6).map(b"".join), st.data())
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_framing_matches_redis(redis_side: RedisSide, payload: bytes, data: st.DataObject) -> None:
    """Mixed good and bad frames, cut anywhere, against the real server."""
    payload += SENTINEL
    cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=4))
    check_against_redis(redis_side, payload, cuts)


def test_desync_sequences_match_redis(redis_port: int) -> None:
    """Redis's own "Protocol desync regression test", against both."""
    payload = b"A" * 1024 + b"\n"
    for start in (b"\x00", b"*\x00", b"$\x00"):
        conn = RespConnection("127.0.0.1", redis_port, timeout=5)
        reader = RequestReader()
        data = start + payload * 70
        conn.send_raw(data)
        theirs = conn.read_until_close()
        conn.close()
        reader.feed(start)
        for _ in range(70):
            reader.feed(payload)
        _, reason = drain(reader)
        assert reason is not None
        assert error_bytes(ProtocolError(reason).message) == theirs
