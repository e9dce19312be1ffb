"""Redis's glob matching (``util.c stringmatchlen``) on bytes: KEYS, SCAN MATCH, PSUBSCRIBE.

Supports ``*``, ``?``, ``[abc]``, ``[^a]``, ``[a-z]`` and ``\\`` escapes, binary-safe. Patterns
are compiled once to a regular expression, which runs in C.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _translate(pattern: bytes) -> bytes:
    out = bytearray()
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == 42:  # '*'
            while i + 1 < n and pattern[i + 1] == 42:
                i += 1
            out += b".*"
        elif c == 63:  # '?'
            out += b"."
        elif c == 91:  # '['
            i += 1
            negate = i < n and pattern[i] == 94  # '^'
            if negate:
                i += 1
            members = bytearray()
            while i < n and pattern[i] != 93:  # ']'
                if pattern[i] == 92 and i + 1 < n:  # '\'
                    i += 1
                    members += re.escape(pattern[i : i + 1])
                elif i + 2 < n and pattern[i + 1] == 45 and pattern[i + 2] != 93:  # a-z
                    lo, hi = pattern[i], pattern[i + 2]
                    if lo > hi:
                        lo, hi = hi, lo
                    members += re.escape(bytes([lo])) + b"-" + re.escape(bytes([hi]))
                    i += 2
                else:
                    members += re.escape(pattern[i : i + 1])
                i += 1
            # Redis treats an unterminated class as ending at the pattern's end.
            if not members:
                out += b"[^\\s\\S]" if not negate else b"[\\s\\S]"
            else:
                out += b"[" + (b"^" if negate else b"") + bytes(members) + b"]"
        elif c == 92 and i + 1 < n:  # '\'
            i += 1
            out += re.escape(pattern[i : i + 1])
        else:
            out += re.escape(pattern[i : i + 1])
        i += 1
    return bytes(out)


@lru_cache(maxsize=256)
def compile_glob(pattern: bytes) -> re.Pattern[bytes]:
    """The compiled matcher for a glob pattern (cached: patterns repeat)."""
    return re.compile(b"(?s:" + _translate(pattern) + b")\\Z")


def glob_match(pattern: bytes, subject: bytes) -> bool:
    """Whether ``subject`` matches the Redis glob ``pattern`` (case-sensitive)."""
    if pattern == b"*":
        return True
    return compile_glob(pattern).match(subject) is not None
