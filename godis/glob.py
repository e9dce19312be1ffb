"""Redis's glob matching (``util.c stringmatchlen``) on bytes, with a bounded cost.

Used by KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH, PSUBSCRIBE and PUBLISH, PUBSUB (SHARD)CHANNELS, ACL
key and channel patterns, CONFIG GET and COMMAND LIST FILTERBY PATTERN (the last two caseless).

The pattern is parsed exactly as ``stringmatchlen_impl`` consumes it — the parse never depends
on the subject — into single-byte atoms (a set of bytes each) and stars. Redis's quirks follow
from that parse: ``^`` negates a class (``!`` does not), a range may be reversed, the range
bounds are *signed* chars (``[\\x00-\\xff]`` is ``{\\x00, \\xff}``), ``[a-]`` is the range from
``]`` to ``a`` and the class runs on to the end of the pattern, an unclosed class ends with the
pattern, a lone trailing ``[`` matches nothing and ``[^`` anything, a trailing ``\\`` is a
literal, an escape inside a class is compared case-sensitively even when caseless, and no
pattern but the empty one matches the empty subject (not even ``*``: callers special-case
``*`` where Redis does).

Matching follows the ``skipLongerMatches`` argument of ``stringmatchlen_impl``: once the part
of the pattern after a star reached the next star, the earlier star is never tried on a longer
span. So the atoms between two stars (a fixed-length *segment*) are looked for once, at their
leftmost place: a pattern with k stars costs k+1 searches, each O(len(subject) * len(segment))
comparisons — no exponential backtracking whatever the pattern (``a*a*...a*b`` on ``aaa...``).
Each segment is a quantifier-free regular expression, so the searches run in C.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_STAR = 42  # '*'
_QUESTION = 63  # '?'
_OPEN = 91  # '['
_CLOSE = 93  # ']'
_BACKSLASH = 92  # '\'
_CARET = 94  # '^'
_DASH = 45  # '-'

_ALL = frozenset(range(256))


def _signed(byte: int) -> int:
    """A byte as C's (signed, on the platforms Redis ships for) ``char``."""
    return byte - 256 if byte > 127 else byte


def _lower(value: int) -> int:
    """``tolower`` in the C locale (Redis sets only LC_COLLATE), on a signed char value."""
    return value + 32 if 65 <= value <= 90 else value


def _literal(byte: int, nocase: bool) -> frozenset[int]:
    if nocase and (65 <= byte <= 90 or 97 <= byte <= 122):
        return frozenset((byte | 32, byte & ~32))
    return frozenset((byte,))


def _range(start: int, end: int, nocase: bool) -> set[int]:
    """The bytes a ``[start-end]`` range admits: swapped if reversed, then lowered if caseless."""
    lo, hi = _signed(start), _signed(end)
    if lo > hi:
        lo, hi = hi, lo
    if nocase:
        lo, hi = _lower(lo), _lower(hi)
        return {b for b in range(256) if lo <= _lower(_signed(b)) <= hi}
    return {b for b in range(256) if lo <= _signed(b) <= hi}


def parse(pattern: bytes, nocase: bool = False) -> list[frozenset[int] | None]:
    """The pattern as atoms (the set of bytes one subject byte may be) and stars (``None``).

    Consecutive stars are one star, as in Redis. Mirrors the pattern walk of
    ``stringmatchlen_impl`` step by step, past-the-end reads seeing the NUL an sds ends with.
    """
    tokens: list[frozenset[int] | None] = []
    n = len(pattern)
    i = 0
    while i < n:
        c = pattern[i]
        if c == _STAR:
            if not tokens or tokens[-1] is not None:
                tokens.append(None)
            i += 1
        elif c == _QUESTION:
            tokens.append(_ALL)
            i += 1
        elif c == _OPEN:
            i += 1
            negate = i < n and pattern[i] == _CARET
            if negate:
                i += 1
            members: set[int] = set()
            while True:
                if i + 1 < n and pattern[i] == _BACKSLASH:
                    members.add(pattern[i + 1])  # compared exactly, even when caseless
                    i += 2
                elif i < n and pattern[i] == _CLOSE:
                    i += 1
                    break
                elif i >= n:
                    break  # an unclosed class ends with the pattern
                elif i + 2 < n and pattern[i + 1] == _DASH:
                    members |= _range(pattern[i], pattern[i + 2], nocase)
                    i += 3
                else:
                    members |= _literal(pattern[i], nocase)
                    i += 1
            tokens.append(_ALL - members if negate else frozenset(members))
        elif c == _BACKSLASH and i + 1 < n:
            tokens.append(_literal(pattern[i + 1], nocase))
            i += 2
        else:
            tokens.append(_literal(c, nocase))
            i += 1
    return tokens


def _atom_regex(atom: frozenset[int]) -> bytes:
    if len(atom) == 256:
        return b"[\\x00-\\xff]"
    if not atom:
        return b"(?!)"
    if len(atom) == 1:
        return re.escape(bytes(atom))
    return b"[" + b"".join(b"\\x%02x" % byte for byte in sorted(atom)) + b"]"


class _Literal:
    """A segment of single bytes only: ``bytes.find`` and ``startswith``, no regex to build."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text

    def match(self, subject: bytes, pos: int, endpos: int) -> bool | None:
        return True if subject.startswith(self.text, pos, endpos) else None

    def search(self, subject: bytes, pos: int, endpos: int) -> _Found | None:
        found = subject.find(self.text, pos, endpos)
        return None if found < 0 else _Found(found + len(self.text))


class _Found:
    """What ``_Literal.search`` found: only its end is needed, as of a regex match."""

    __slots__ = ("_end",)

    def __init__(self, end: int) -> None:
        self._end = end

    def end(self) -> int:
        return self._end


_Segment = re.Pattern[bytes] | _Literal


def _segment(atoms: Sequence[frozenset[int]]) -> _Segment:
    if all(len(atom) == 1 for atom in atoms):
        return _Literal(bytes(next(iter(atom)) for atom in atoms))
    return re.compile(b"".join(_atom_regex(atom) for atom in atoms))


@dataclass(frozen=True)
class GlobPattern:
    """A compiled pattern: the segments between its stars.

    ``head`` must match at the start; each of ``middle`` (segments followed by a star that is
    not the last token) is found leftmost, ending before the subject does; then either ``tail``
    (no final star) must end at the subject's end, or ``floating`` (the segment before a final
    star) must merely occur.
    """

    head: _Segment
    head_len: int
    starred: bool  # at least one star
    empty: bool  # the empty pattern: the only one matching the empty subject
    middle: tuple[_Segment, ...] = ()
    tail: _Segment | None = None
    tail_len: int = 0
    floating: _Segment | None = None

    def match(self, subject: bytes) -> bool:
        """Whether ``subject`` matches, as ``stringmatchlen`` answers."""
        return self.match_counting(subject)[0]

    def match_counting(self, subject: bytes) -> tuple[bool, int]:
        """(matched, segment searches made): the work is bounded by the number of stars + 1."""
        n = len(subject)
        if n == 0:
            return self.empty, 0
        m = self.head_len
        if m > n or self.head.match(subject, 0, m) is None:
            return False, 1
        if not self.starred:
            return m == n, 1
        if m == n:  # the subject ran out on the stars: only trailing stars may be left
            return not self.middle and self.tail is None and self.floating is None, 1
        probes = 1
        position = m
        for segment in self.middle:
            # The part after this star must reach the next star with subject left, else the
            # whole match fails (skipLongerMatches): the leftmost such place is the one.
            probes += 1
            found = segment.search(subject, position, n - 1)
            if found is None:
                return False, probes
            position = found.end()
        if self.floating is not None:
            probes += 1
            return self.floating.search(subject, position, n) is not None, probes
        if self.tail is None:
            return True, probes
        probes += 1
        start = n - self.tail_len
        if start < position:
            return False, probes
        return self.tail.match(subject, start, n) is not None, probes


def _compile(pattern: bytes, nocase: bool) -> GlobPattern:
    pieces: list[list[frozenset[int]]] = [[]]
    for token in parse(pattern, nocase):
        if token is None:
            pieces.append([])
        else:
            pieces[-1].append(token)
    head = _segment(pieces[0])
    if len(pieces) == 1:
        return GlobPattern(head, len(pieces[0]), False, not pattern)
    if pieces[-1]:  # head*a*b*tail
        return GlobPattern(head, len(pieces[0]), True, False,
                           tuple(_segment(p) for p in pieces[1:-1]),
                           _segment(pieces[-1]), len(pieces[-1]))
    if len(pieces) == 2:  # head*
        return GlobPattern(head, len(pieces[0]), True, False)
    return GlobPattern(head, len(pieces[0]), True, False,  # head*a*b*
                       tuple(_segment(p) for p in pieces[1:-2]),
                       floating=_segment(pieces[-2]))


_compile_cached = lru_cache(maxsize=512)(_compile)


def compile_glob(pattern: bytes, nocase: bool = False) -> GlobPattern:
    """The compiled matcher for a glob pattern: cached (patterns repeat) unless huge, so a
    one-off megabyte pattern does not stay in memory."""
    if len(pattern) > 4096:
        return _compile(pattern, nocase)
    return _compile_cached(pattern, nocase)


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """``stringmatchlen(pattern, subject, nocase)``: no shortcut for ``*`` (it fails on ``""``)."""
    return compile_glob(pattern, nocase).match(subject)
