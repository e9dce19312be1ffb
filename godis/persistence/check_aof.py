"""``godis check-aof``: Redis's redis-check-aof for godis's (old-style, single-file) AOF.

The same walk as redis-check-aof.c's checkSingleAof — commands read with its fgets/fread
semantics, MULTI/EXEC pairing, ``#`` annotations — so the report (``ok_up_to``,
``ok_up_to_line``, ``diff``, the ``0x…: Expected …`` error) is the one redis-check-aof prints
for the same file, and ``--fix`` truncates to the same offset after the same prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

_FGETS_LONG = 128  # readLong's buffer
_FGETS_ANNOTATION = 1024  # AOF_ANNOTATION_LINE_MAX_LEN
_LONG_MAX = 2**63 - 1


class CheckExit(Exception):
    """The check ends the program with this status (redis-check-aof's exit(1))."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class _Reader:
    """A FILE* over bytes: position, EOF flag, fgets and fread as stdio does them."""

    data: bytes
    pos: int = 0
    eof: bool = False

    def fgets(self, size: int) -> bytes | None:
        if self.pos >= len(self.data):
            self.eof = True
            return None
        end = self.data.find(b"\n", self.pos, self.pos + size - 1)
        stop = end + 1 if end >= 0 else min(self.pos + size - 1, len(self.data))
        if stop >= len(self.data) and end < 0:
            self.eof = True
        line = self.data[self.pos:stop]
        self.pos = stop
        return line

    def fread(self, length: int) -> bytes:
        chunk = self.data[self.pos:self.pos + length]
        self.pos += len(chunk)
        if len(chunk) < length:
            self.eof = True
        return chunk


class _Checker:
    def __init__(self, data: bytes, to_timestamp: int, filename: str) -> None:
        self.filename = filename
        self.reader = _Reader(data)
        self.line = 1
        self.epos = 0
        self.error = ""
        self.to_timestamp = to_timestamp
        self.truncate_at: int | None = None

    def fail(self, message: str) -> bool:
        self.error = f"0x{self.epos:16x}: {message}"
        return False

    def newline(self, two: bytes) -> bool:
        if two[:2] != b"\r\n":
            shown = "".join(f"{byte if byte < 128 else byte | 0xFFFFFF00:02x}"
                            for byte in (two + b"\0\0")[:2])
            return self.fail(f"Expected \\r\\n, got: {shown}")
        self.line += 1
        return True

    def read_long(self, prefix: str) -> int | None:
        reader = self.reader
        self.epos = reader.pos
        buf = reader.fgets(_FGETS_LONG)
        if buf is None:
            return None
        if buf[:1] != prefix.encode():
            got = chr(buf[0]) if buf else "\0"
            self.fail(f"Expected prefix '{prefix}', got: '{got}'")
            return None
        value, rest = _strtol(buf[1:])
        if not self.newline(rest):
            return None
        return value

    def read_string(self) -> bytes | None:
        length = self.read_long("$")
        if length is None:
            return None
        if length < 0 or length > _LONG_MAX - 2:
            self.fail(f"Expected to read string of {length} bytes, which is not in the "
                      "suitable range")
            return None
        self.epos = self.reader.pos
        target = self.reader.fread(length + 2)
        if len(target) != length + 2:
            self.fail(f"Expected to read {length + 2} bytes, got {len(target)} bytes")
            return None
        if not self.newline(target[-2:]):
            return None
        return target[:-2]

    def command(self, multi: list[int]) -> bool:
        argc = self.read_long("*")
        if argc is None:
            return False
        for index in range(argc):
            text = self.read_string()
            if text is None:
                return False
            if index == 0:
                if text.lower() == b"multi":
                    multi[0] += 1
                    if multi[0] > 1:
                        return self.fail(f"Unexpected MULTI in AOF {self.filename}")
                elif text.lower() == b"exec":
                    multi[0] -= 1
                    if multi[0]:
                        return self.fail(f"Unexpected EXEC in AOF {self.filename}")
        return True

    def annotation(self, say: Callable[[str], None], filename: str) -> bool:
        reader = self.reader
        self.epos = reader.pos
        buf = reader.fgets(_FGETS_ANNOTATION)
        if buf is None:
            say(f"Failed to read annotations from AOF {filename}, aborting...")
            raise CheckExit(1)
        if self.to_timestamp and buf.startswith(b"#TS:"):
            value, rest = _strtol(buf[4:])
            if rest[:1] != b"\r":
                say("Invalid timestamp annotation")
                raise CheckExit(1)
            if value <= self.to_timestamp:
                return True
            if self.epos == 0:
                say(f"AOF {filename} has nothing before timestamp {self.to_timestamp}, "
                    "aborting...")
                raise CheckExit(1)
            self.truncate_at = self.epos
            return False
        return True


def _strtol(text: bytes) -> tuple[int, bytes]:
    """C's strtol(…, 10): leading blanks, a sign, digits; the value and what follows."""
    index = 0
    while index < len(text) and text[index] in b" \t\n\v\f\r":
        index += 1
    start = index
    if index < len(text) and text[index] in b"+-":
        index += 1
    digits = index
    while index < len(text) and 48 <= text[index] <= 57:
        index += 1
    if index == digits:
        return 0, text
    value = int(text[start:index])
    return max(min(value, _LONG_MAX), -_LONG_MAX - 1), text[index:]


def check_aof(path: str, *, fix: bool = False, to_timestamp: int = 0,
              say: Callable[[str], None] = print,
              ask: Callable[[str], str] = input) -> int:
    """checkOldStyleAof: check (and with ``fix`` truncate) the AOF at ``path``; the exit
    status. ``say`` prints a line, ``ask`` shows a prompt and reads the answer."""
    say("Start checking Old-Style AOF")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        say(f"Cannot open file {path}: {error.strerror}, aborting...")
        return 1
    try:
        return _check(path, data, fix, to_timestamp, say, ask)
    except CheckExit as done:
        return done.status


def _check(path: str, data: bytes, fix: bool, to_timestamp: int,
           say: Callable[[str], None], ask: Callable[[str], str]) -> int:
    if not data:
        say(f"AOF {path} is empty")
        return 0
    checker = _Checker(data, to_timestamp, path)
    reader = checker.reader
    multi = [0]
    pos = 0
    while True:
        if not multi[0]:
            pos = reader.pos
        if reader.pos >= len(data):
            reader.eof = True
            break
        kind = data[reader.pos]
        if kind == ord("#"):
            if not checker.annotation(say, path):
                assert checker.truncate_at is not None
                _truncate(path, checker.truncate_at)
                say(f"Successfully truncated AOF {path} to timestamp {to_timestamp}")
                return 0
        elif kind == ord("*"):
            if not checker.command(multi):
                break
        else:
            say(f"AOF {path} format error")
            break
    if reader.eof and multi[0] and not checker.error:
        checker.fail("Reached EOF before reading EXEC for MULTI")
    if checker.error:
        say(checker.error)
    diff = len(data) - pos
    if diff == 0 and to_timestamp:
        say(f"Truncate nothing in AOF {path} to timestamp {to_timestamp}")
        return 0
    say(f"AOF analyzed: filename={path}, size={len(data)}, ok_up_to={pos}, "
        f"ok_up_to_line={checker.line}, diff={diff}")
    if diff > 0:
        if not fix:
            say(f"AOF {path} is not valid. Use the --fix option to try fixing it.")
            return 1
        say(f"This will shrink the AOF {path} from {len(data)} bytes, with {diff} bytes, to "
            f"{pos} bytes")
        try:
            answer = ask("Continue? [y/N]: ")
        except EOFError:  # fgets on a closed stdin
            answer = ""
        if answer[:1].lower() != "y":
            say("Aborting...")
            return 1
        _truncate(path, pos)
        say(f"Successfully truncated AOF {path}")
        return 0
    say(f"AOF {path} is valid")
    return 0


def _truncate(path: str, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())
