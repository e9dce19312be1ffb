"""Keyspace notifications: ``notify-keyspace-events`` and Redis 7.0's ``notify.c``.

Data-type commands call ``keyspace.notify(db_index, class_char, event, key)`` with Redis's event
names. That hook is a no-op while notifications are off; :func:`configure` installs the real
notifier when the setting enables something, and puts the no-op back when it does not, so a
server without notifications pays one call to an empty function per event.

The notifier publishes, as ``notifyKeyspaceEvent`` does, ``<event>`` on
``__keyspace@<db>__:<key>`` (flag ``K``) and ``<key>`` on ``__keyevent@<db>__:<event>``
(flag ``E``), through the ordinary PUBLISH path (channels, then patterns).

The flag bits and their text form are ``godis.keyspace.events``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from godis.commands import pubsub
from godis.keyspace.events import CLASS_FLAGS, KEYEVENT, KEYSPACE, parse_flags
from godis.keyspace.keyspace import no_notify

if TYPE_CHECKING:
    from godis.keyspace.keyspace import Notifier
    from godis.state import ServerState

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
    publish_message = pubsub.publish_message  # bound now, as the notifier is made
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
    notifier = make_notifier(server, _configured_flags(server))
    server.keyspace.notify = notifier if notifier is not None else no_notify


__all__ = ["configure", "make_notifier"]
