"""The multi-part AOF's manifest (Redis 7.0's ``aofManifest``, aof.c).

The AOF is a directory (``dir``/``appenddirname``) holding one BASE file (the dataset at the
last rewrite: an RDB when ``aof-use-rdb-preamble yes``, else commands), the INCR files written
since (in order; more than one while a rewrite runs or after one failed), HISTORY files (the
previous base and incrs, deleted once the manifest no longer needs them) and the manifest
``<appendfilename>.manifest`` listing them, one line each::

    file appendonly.aof.2.base.rdb seq 2 type b
    file appendonly.aof.1.incr.aof seq 1 type h
    file appendonly.aof.2.incr.aof seq 2 type i

The manifest is parsed with aofLoadManifestFromFile's strictness and written with
writeAofManifestFile's temp file, fsync, rename, fsync-directory (``write_atomically``), so a
crash leaves the old manifest or the new one.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from godis.dispatch import repr_arg
from godis.errors import AofError
from godis.persistence.files import write_atomically
from godis.protocol.reader import split_args

log = logging.getLogger("godis.aof")

BASE = "b"
HISTORY = "h"
INCR = "i"
MANIFEST_MAX_LINE = 1024


@dataclass
class AofInfo:
    """One line of the manifest: a file name, its sequence number, its type."""

    name: str
    seq: int
    type: str


@dataclass
class Manifest:
    """The files of the AOF (aofManifest): at most one base, the history, the incrs."""

    base: AofInfo | None = None
    incrs: list[AofInfo] = field(default_factory=list)
    history: list[AofInfo] = field(default_factory=list)
    base_seq: int = 0  # curr_base_file_seq
    incr_seq: int = 0  # curr_incr_file_seq

    def copy(self) -> Manifest:
        """aofManifestDup: modifications go to a copy that replaces the original only once
        it is on disk."""
        return copy.deepcopy(self)

    def text(self) -> str:
        """getAofManifestAsString: the base, then the history, then the incrs."""
        infos = ([self.base] if self.base else []) + self.history + self.incrs
        return "".join(_format(info) for info in infos)

    def files(self) -> list[AofInfo]:
        """The files a load replays, in order: the base, then each incr."""
        return ([self.base] if self.base else []) + list(self.incrs)

    def new_base(self, filename: str, rdb: bool) -> str:
        """getNewBaseFileNameAndMarkPreAsHistory: the next base's name; the current base,
        if any, becomes history."""
        if self.base is not None:
            self.base.type = HISTORY
            self.history.insert(0, self.base)
        self.base_seq += 1
        name = f"{filename}.{self.base_seq}.base.{'rdb' if rdb else 'aof'}"
        self.base = AofInfo(name, self.base_seq, BASE)
        return name

    def new_incr(self, filename: str) -> str:
        """getNewIncrAofName: a new incr at the end of the list."""
        self.incr_seq += 1
        name = f"{filename}.{self.incr_seq}.incr.aof"
        self.incrs.append(AofInfo(name, self.incr_seq, INCR))
        return name

    def last_incr(self, filename: str) -> str:
        """getLastIncrAofName: the incr to append to (a new one when there is none)."""
        if not self.incrs:
            return self.new_incr(filename)
        return self.incrs[-1].name

    def incrs_to_history(self, keep_last: bool) -> None:
        """markRewrittenIncrAofAsHistory: after a rewrite the incrs it covers are history;
        with the AOF on the last one (opened at the fork) is being written and stays."""
        kept = self.incrs[-1:] if keep_last else []
        rewritten = self.incrs[:-1] if keep_last else self.incrs
        for info in reversed(rewritten):
            self.history.insert(0, AofInfo(info.name, info.seq, HISTORY))
        self.incrs = kept


def _needs_repr(name: str) -> bool:
    """sdsneedsrepr: a name with blanks, quotes, backslashes or non-printables is quoted."""
    return any(ch in '\\"\n\r\t\a\b' or not ch.isprintable() or ch.isspace() for ch in name)


def _format(info: AofInfo) -> str:
    """aofInfoFormat."""
    name = repr_arg(info.name.encode("utf-8", "surrogateescape")) if _needs_repr(info.name) \
        else info.name
    return f"file {name} seq {info.seq} type {info.type}\n"


def _atoll(text: bytes) -> int:
    """C's atoll: leading blanks, a sign, digits; 0 when there are none."""
    stripped = text.lstrip(b" \t\n\v\f\r")
    end = 1 if stripped[:1] in (b"+", b"-") else 0
    while end < len(stripped) and 48 <= stripped[end] <= 57:
        end += 1
    digits = stripped[:end]
    return int(digits) if digits.lstrip(b"+-") else 0


def _fgets(data: bytes, pos: int, size: int) -> tuple[bytes, int] | None:
    """fgets(buf, size, fp) over ``data``: at most size-1 bytes, up to and with a newline."""
    if pos >= len(data):
        return None
    end = data.find(b"\n", pos, pos + size - 1)
    stop = end + 1 if end >= 0 else min(pos + size - 1, len(data))
    return data[pos:stop], stop


def parse_manifest(data: bytes, path: str = "",
                   report: Callable[[str], None] | None = None) -> Manifest:
    """aofLoadManifestFromFile's parse; AofError when malformed, after Redis's log lines
    (to the log, or to ``report``: redis-check-aof prints them)."""
    say = report if report is not None else log.warning
    manifest = Manifest()
    maxseq = 0
    pos = 0
    linenum = 0
    line: bytes | None = None

    def fail(error: str) -> AofError:
        say("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
        if line is not None:
            say(f"Reading the manifest file, at line {linenum}\n")
            say(f">>> '{line.decode('utf-8', 'replace')}'\n")
        say(f"{error}\n")
        return AofError(error if line is None else
                        f"{error} (the AOF manifest {path}, line {linenum})")

    while True:
        read = _fgets(data, pos, MANIFEST_MAX_LINE + 1)
        if read is None:
            if linenum == 0:
                raise fail("Found an empty AOF manifest")
            break
        buf, pos = read
        linenum += 1
        if buf[:1] == b"#":
            continue
        if b"\n" not in buf:
            line = None
            raise fail("The AOF manifest file contains too long line")
        line = buf.strip(b" \t\r\n")
        if not line:
            raise fail("Invalid AOF manifest file format")
        argv = split_args(line)
        if argv is None or len(argv) < 6 or len(argv) % 2:
            raise fail("Invalid AOF manifest file format")
        name: str | None = None
        seq = 0
        kind = ""
        for index in range(0, len(argv), 2):
            key, value = argv[index].lower(), argv[index + 1]
            if key == b"file":
                name = value.decode("utf-8", "surrogateescape")
                if "/" in name or "\\" in name:
                    raise fail("File can't be a path, just a filename")
            elif key == b"seq":
                seq = _atoll(value)
            elif key == b"type":
                kind = value[:1].decode("latin-1")
        if not name or not seq or not kind:
            raise fail("Invalid AOF manifest file format")
        info = AofInfo(name, seq, kind)
        if kind == BASE:
            if manifest.base is not None:
                raise fail("Found duplicate base file information")
            manifest.base = info
            manifest.base_seq = seq
        elif kind == HISTORY:
            manifest.history.append(info)
        elif kind == INCR:
            if seq <= maxseq:
                raise fail("Found a non-monotonic sequence number")
            manifest.incrs.append(info)
            manifest.incr_seq = maxseq = seq
        else:
            raise fail("Unknown AOF file type")
        line = None
    return manifest


def load_manifest(path: str, report: Callable[[str], None] | None = None) -> Manifest:
    """Read and parse the manifest at ``path``; AofError when it cannot be read or parsed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        message = (f"Fatal error: can't open the AOF manifest file {path} for reading: "
                   f"{error.strerror}")
        (report if report is not None else log.warning)(message)
        raise AofError(message) from None
    return parse_manifest(data, path, report)


def manifest_name(filename: str) -> str:
    """getAofManifestFileName."""
    return f"{filename}.manifest"


def write_manifest(dirpath: str, filename: str, manifest: Manifest) -> None:
    """writeAofManifestFile (persistAofManifest): temp file, fsync, rename, fsync the
    directory; OSError (logged) when any step fails."""
    path = os.path.join(dirpath, manifest_name(filename))
    try:
        write_atomically(path, manifest.text().encode("utf-8", "surrogateescape"),
                         prefix=f"temp-{manifest_name(filename)}")
    except OSError as error:
        log.warning("Error trying to write the AOF manifest file %s: %s",
                    manifest_name(filename), error.strerror)
        raise
