"""Keyspace event classes: the ``notify-keyspace-events`` flags and their text form.

A pure codec (notify.c's keyspaceEventsStringToFlags / keyspaceEventsFlagsToString), used by
``godis.config`` for the parameter and by ``godis.commands.notify`` for the notifier.
"""

from __future__ import annotations

# server.h's NOTIFY_* bits.
KEYSPACE = 1 << 0  # K
KEYEVENT = 1 << 1  # E
GENERIC = 1 << 2  # g
STRING = 1 << 3  # $
LIST = 1 << 4  # l
SET = 1 << 5  # s
HASH = 1 << 6  # h
ZSET = 1 << 7  # z
EXPIRED = 1 << 8  # x
EVICTED = 1 << 9  # e
STREAM = 1 << 10  # t
KEY_MISS = 1 << 11  # m
MODULE = 1 << 13  # d
NEW = 1 << 14  # n
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE  # A

CLASS_FLAGS = {
    "g": GENERIC, "$": STRING, "l": LIST, "s": SET, "h": HASH, "z": ZSET, "x": EXPIRED,
    "e": EVICTED, "t": STREAM, "m": KEY_MISS, "d": MODULE, "n": NEW,
}
"""The event class characters commands pass to ``keyspace.notify``, and their bits."""

_CHAR_FLAGS = {**CLASS_FLAGS, "A": ALL, "K": KEYSPACE, "E": KEYEVENT}

INVALID = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


def parse_flags(text: str) -> int:
    """keyspaceEventsStringToFlags: the bits of a setting; ValueError on an unknown character."""
    flags = 0
    for char in text:
        bit = _CHAR_FLAGS.get(char)
        if bit is None:
            raise ValueError(INVALID)
        flags |= bit
    return flags


def flags_to_string(flags: int) -> str:
    """keyspaceEventsFlagsToString: CONFIG GET's canonical form ("KEA" reads back "AKE").

    As in Redis, ``A`` hides ``n`` (which ``A`` does not include): "KEAn" reads back "AKE".
    """
    if flags & ALL == ALL:
        text = "A"
    else:
        text = "".join(char for char in "g$lshzxetdn" if flags & _CHAR_FLAGS[char])
    if flags & KEYSPACE:
        text += "K"
    if flags & KEYEVENT:
        text += "E"
    if flags & KEY_MISS:
        text += "m"
    return text


def canonical(text: str) -> str:
    """A setting's canonical text (validating it); loses ``n`` next to ``A``, as Redis does."""
    return flags_to_string(parse_flags(text))


__all__ = ["CLASS_FLAGS", "canonical", "flags_to_string", "parse_flags"]
