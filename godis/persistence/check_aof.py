"""``godis check-aof``: Redis 7.0's redis-check-aof, for a manifest (the multi-part AOF) or a
single file (an old-style AOF, with or without an RDB preamble).

The input's type is found as getInputFileType does (a line starting with ``file``: a manifest;
a ``REDIS`` signature: an RDB preamble). A manifest is parsed with the server's strictness,
then its base and incrs are checked in order (checkMultiPartAof); only the last file may be
truncated. Each file gets the walk of redis-check-aof.c's checkSingleAof — an RDB part first
through check-rdb's report, then commands read with its fgets/fread semantics, MULTI/EXEC
pairing, ``#`` annotations — so the report (``ok_up_to``, ``ok_up_to_line``, ``diff``, the
``0x…: Expected …`` error) is the one redis-check-aof prints for the same files, and ``--fix``
truncates to the same offset after the same prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from godis.errors import AofError
from godis.persistence.check_rdb import check_rdb_data
from godis.persistence.manifest import MANIFEST_MAX_LINE, load_manifest

_FGETS_LONG = 128  # readLong's buffer
_FGETS_ANNOTATION = 1024  # AOF_ANNOTATION_LINE_MAX_LEN
_LONG_MAX = 2**63 - 1

CHECK_OK, CHECK_EMPTY, CHECK_TRUNCATED, CHECK_TIMESTAMP_TRUNCATED = range(4)


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
    def __init__(self, data: bytes, to_timestamp: int, filename: str, last_file: bool,
                 line: int = 1) -> None:
        self.filename = filename
        self.last_file = last_file
        self.reader = _Reader(data)
        self.line = line  # redis-check-aof's global: it goes on counting over the files
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
            if not self.last_file:
                say(f"Failed to truncate AOF {filename} to timestamp {self.to_timestamp} to "
                    f"offset {self.epos} because it is not the last file.")
                say("If you insist, please delete all files after this file according to the "
                    "manifest file and delete the corresponding records in manifest file "
                    "manually. Then re-run redis-check-aof.")
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


def _read(path: str, say: Callable[[str], None]) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        say(f"Cannot open file {path}: {error.strerror}")
        raise CheckExit(1) from None


def _is_manifest(data: bytes) -> bool:
    """fileIsManifest: some line (read as fgets does) not a comment starts with ``file``."""
    pos = 0
    found = False
    while pos < len(data):
        end = data.find(b"\n", pos, pos + MANIFEST_MAX_LINE)
        stop = end + 1 if end >= 0 else min(pos + MANIFEST_MAX_LINE, len(data))
        if data[pos:pos + 1] != b"#" and data[pos:pos + 4] == b"file":
            found = True
        pos = stop
    return found


def _is_rdb(data: bytes) -> bool:
    """fileIsRDB: room for an RDB header and the ``REDIS`` signature."""
    return len(data) >= 8 and data[:5] == b"REDIS"


def check_aof(path: str, *, fix: bool = False, to_timestamp: int = 0,
              say: Callable[[str], None] = print,
              ask: Callable[[str], str] = input) -> int:
    """redis_check_aof_main after the arguments: check (and with ``fix`` truncate) the AOF at
    ``path`` — a manifest or a single file; the exit status. ``say`` prints a line, ``ask``
    shows a prompt and reads the answer."""
    try:
        data = _read(path, say)
        if data and _is_manifest(data):
            _check_multi_part(path, fix, to_timestamp, say, ask)
        else:
            _check_old_style(path, data, fix, to_timestamp, say, ask)
    except CheckExit as done:
        return done.status
    return 0


def _check_old_style(path: str, data: bytes, fix: bool, to_timestamp: int,
                     say: Callable[[str], None], ask: Callable[[str], str]) -> None:
    """checkOldStyleAof."""
    say("Start checking Old-Style AOF")
    status = _check_single(path, path, data, True, fix, _is_rdb(data), to_timestamp, say, ask,
                           [1])
    _say_status(status, "AOF", path, to_timestamp, say)


def _say_status(status: int, what: str, name: str, to_timestamp: int,
                say: Callable[[str], None]) -> None:
    if status == CHECK_OK:
        say(f"{what} {name} is valid")
    elif status == CHECK_EMPTY:
        say(f"{what} {name} is empty")
    elif status == CHECK_TIMESTAMP_TRUNCATED:
        say(f"Successfully truncated AOF {name} to timestamp {to_timestamp}")
    else:
        say(f"Successfully truncated AOF {name}")


def _check_multi_part(manifest_path: str, fix: bool, to_timestamp: int,
                      say: Callable[[str], None], ask: Callable[[str], str]) -> None:
    """checkMultiPartAof: the manifest, then the base and each incr; all must be there."""
    say("Start checking Multi Part AOF")
    try:
        manifest = load_manifest(manifest_path, say)
    except AofError:
        raise CheckExit(1) from None
    directory = os.path.dirname(manifest_path) or "."
    files = manifest.files()
    line = [1]
    for index, info in enumerate(files):
        path = os.path.join(directory, info.name)
        data = _read_file(path, say)
        last = index == len(files) - 1
        if info is manifest.base:
            preamble = _is_rdb(data)
            say(f"Start to check BASE AOF ({'RDB' if preamble else 'RESP'} format).")
            what = "BASE AOF"
        else:
            if index == (1 if manifest.base is not None else 0):
                say("Start to check INCR files.")
            preamble = False
            what = "INCR AOF"
        status = _check_single(info.name, path, data, last, fix, preamble, to_timestamp, say,
                               ask, line)
        _say_status(status, what, info.name, to_timestamp, say)
    say("All AOF files and manifest are valid")


def _read_file(path: str, say: Callable[[str], None]) -> bytes:
    """checkSingleAof's fopen: a file of the manifest that is missing stops the check."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        say(f"Cannot open file {path}: {error.strerror}, aborting...")
        raise CheckExit(1) from None


def _check_single(name: str, path: str, data: bytes, last_file: bool, fix: bool,
                  preamble: bool, to_timestamp: int, say: Callable[[str], None],
                  ask: Callable[[str], str], line: list[int]) -> int:
    """checkSingleAof: one file's status (CHECK_*); CheckExit(1) when it is not valid and not
    fixed. Messages name the file by ``name`` or ``path`` as Redis's do. ``line``: the line
    count so far, which redis-check-aof does not reset between the files of a manifest."""
    if not data:
        return CHECK_EMPTY
    checker = _Checker(data, to_timestamp, path, last_file, line[0])
    try:
        return _walk(checker, name, path, data, fix, preamble, to_timestamp, say, ask)
    finally:
        line[0] = checker.line


def _walk(checker: _Checker, name: str, path: str, data: bytes, fix: bool, preamble: bool,
          to_timestamp: int, say: Callable[[str], None], ask: Callable[[str], str]) -> int:
    last_file = checker.last_file
    reader = checker.reader
    if preamble:
        parsed = check_rdb_data(name, data, say)
        if parsed is None:
            say("RDB preamble of AOF file is not sane, aborting.")
            raise CheckExit(1)
        say("RDB preamble is OK, proceeding with AOF tail...")
        reader.pos = parsed.end
    multi = [0]
    pos = reader.pos
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
                return CHECK_TIMESTAMP_TRUNCATED
        elif kind == ord("*"):
            if not checker.command(multi):
                break
        else:
            say(f"AOF {name} format error")
            break
    if reader.eof and multi[0] and not checker.error:
        checker.fail("Reached EOF before reading EXEC for MULTI")
    if checker.error:
        say(checker.error)
    diff = len(data) - pos
    if diff == 0 and to_timestamp:
        say(f"Truncate nothing in AOF {name} to timestamp {to_timestamp}")
        return CHECK_OK
    say(f"AOF analyzed: filename={name}, size={len(data)}, ok_up_to={pos}, "
        f"ok_up_to_line={checker.line}, diff={diff}")
    if diff > 0:
        if not fix:
            say(f"AOF {name} is not valid. Use the --fix option to try fixing it.")
            raise CheckExit(1)
        if not last_file:
            say(f"Failed to truncate AOF {name} because it is not the last file")
            raise CheckExit(1)
        say(f"This will shrink the AOF {name} from {len(data)} bytes, with {diff} bytes, to "
            f"{pos} bytes")
        try:
            answer = ask("Continue? [y/N]: ")
        except EOFError:  # fgets on a closed stdin
            answer = ""
        if answer[:1].lower() != "y":
            say("Aborting...")
            raise CheckExit(1)
        _truncate(path, pos)
        return CHECK_TRUNCATED
    return CHECK_OK


def _truncate(path: str, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())
