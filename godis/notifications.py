"""Keyspace notifications: ``notify-keyspace-events`` and Redis 7.0's ``notify.c``.

Data-type commands call ``keyspace.notify(db_index, class_char, event, key)`` with Redis's event
names. That hook is a no-op while notifications are off; :func:`configure` installs the real
notifier when the setting enables something, and puts the no-op back when it does not, so a
server without notifications pays one call to an empty function per event.

The notifier publishes, as ``notifyKeyspaceEvent`` does, ``<event>`` on
``__keyspace@<db>__:<key>`` (flag ``K``) and ``<key>`` on ``__keyevent@<db>__:<event>``
(flag ``E``), through the ordinary PUBLISH path (channels, then patterns).

This module imports nothing from the command layer at import time, so ``godis.config`` can use
:func:`parse_flags` and :func:`flags_to_string` for the parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from godis.keyspace.keyspace import Notifier
    from godis.state import ServerState

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


def _configured_flags(server: ServerState) -> int:
    """The setting's bits, whether the config keeps them parsed (an int) or as text."""
    value = server.config["notify-keyspace-events"]
    if isinstance(value, int):
        return value
    try:
        return parse_flags(str(value))
    except ValueError:  # only while the config stores unvalidated text
        return 0


def make_notifier(server: ServerState, flags: int) -> Notifier | None:
    """The ``keyspace.notify`` function for ``flags``; None when it would never publish."""
    from godis.commands.pubsub import publish_message  # the command layer imports us lazily

    classes = frozenset(char for char, bit in CLASS_FLAGS.items() if flags & bit)
    to_keyspace = bool(flags & KEYSPACE)
    to_keyevent = bool(flags & KEYEVENT)
    if not classes or not (to_keyspace or to_keyevent):
        return None
    channels = server.channels
    patterns = server.patterns

    def notify(db_index: int, class_char: str, event: str, key: bytes) -> None:
        """notifyKeyspaceEvent."""
        if class_char not in classes or not (channels or patterns):
            return
        event_bytes = event.encode()
        if to_keyspace:
            publish_message(server, b"__keyspace@%d__:%s" % (db_index, key), event_bytes)
        if to_keyevent:
            publish_message(server, b"__keyevent@%d__:%s" % (db_index, event_bytes), key)

    return notify


def configure(server: ServerState) -> None:
    """Install the notifier the current ``notify-keyspace-events`` asks for (or the no-op).

    Called at start-up and after each CONFIG SET.
    """
    from godis.keyspace.keyspace import _no_notify  # the sentinel the keyspace compares with

    notifier = make_notifier(server, _configured_flags(server))
    server.keyspace.notify = notifier if notifier is not None else _no_notify


__all__ = ["canonical", "configure", "flags_to_string", "make_notifier", "parse_flags"]
