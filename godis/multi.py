"""MULTI/EXEC/WATCH state of a client (Redis 7.0's multi.c, minus the command handlers).

WATCH keeps one :class:`WatchedKey` per client and key in ``Database.watched``; ``Database.touch``
(Redis's ``signalModifiedKey``) calls its :meth:`WatchedKey.key_touched`, and a flush or SWAPDB
its :meth:`WatchedKey.key_flushed`. As in Redis 7.0, a key that was already logically expired
when WATCHed counts as absent: deleting it changes nothing, whereas a key that expires while
watched makes EXEC fail. ``dispatch`` (a refused EXEC), RESET and the handlers in
``godis.commands.transactions`` share these functions.
"""

from __future__ import annotations

from godis.client import Client
from godis.keyspace.keyspace import Database, Propagator
from godis.protocol.writer import ErrorReply

_ACL_CHANGED = ("NOPERM ACLs rules changed between the moment the transaction was accumulated "
                "and the EXEC call. This command is no longer allowed for the following "
                "reason: ")


# -- WATCH bookkeeping ---------------------------------------------------------------------------


def _is_stale(db: Database, key: bytes) -> bool:
    """``keyIsExpired``: the key has a TTL that has passed (it may still be stored)."""
    when = db.expires.get(key)
    if when is None:
        return False
    keyspace = db.keyspace
    return not keyspace.loading and when <= keyspace.now_ms()


class WatchedKey:
    """One client's WATCH on one key of one database (Redis's ``watchedKey``).

    Equality is the identity of the watch -- (client, db, key) -- so a client's entry is found
    and removed from ``Database.watched[key]`` in O(1). ``expired`` remembers that the key was
    already logically expired when watched: its later deletion is then no change.
    """

    __slots__ = ("client", "db", "expired", "key")

    def __init__(self, client: Client, db: Database, key: bytes, expired: bool = False) -> None:
        self.client = client
        self.db = db
        self.key = key
        self.expired = expired

    def __hash__(self) -> int:
        return hash((id(self.client), id(self.db), self.key))

    def __eq__(self, other: object) -> bool:
        return (type(other) is WatchedKey and other.client is self.client
                and other.db is self.db and other.key == self.key)

    def key_touched(self) -> None:
        """``touchWatchedKey``: the key was modified; the client's next EXEC must fail.

        Except for a key that was already expired when watched: its deletion (lazy or active
        expiry, DEL, FLUSHDB) leaves it logically absent, as it was -- no change.
        """
        if self.expired:
            db = self.db
            key = self.key
            if key not in db.data:
                self.expired = False  # deleted keys are not flagged as expired
                return
            if _is_stale(db, key):
                return  # still the same expired key (Redis leaves it alone too)
            self.expired = False  # replaced by a live value: a real change
        self.client.watch_dirty = True

    def key_flushed(self, existed: bool, replaced_with: Database | None) -> None:
        """``touchAllWatchedKeysInDb`` for this watch, called by ``Database.signal_flushed``
        *before* the db is emptied (FLUSHDB, FLUSHALL) or given ``replaced_with``'s contents
        (SWAPDB), for keys present on at least one side.

        An expired key flushed away, or replaced with another expired key, is no change; a
        missing key replaced with an expired one becomes an expired watch.
        """
        key = self.key
        in_replacement = replaced_with is not None and key in replaced_with.data
        if self.expired:
            if not in_replacement:
                self.expired = False
                return
            assert replaced_with is not None
            if _is_stale(replaced_with, key):
                return
        elif not existed and replaced_with is not None and _is_stale(replaced_with, key):
            self.expired = True
            return
        self.client.watch_dirty = True


def watch_key(client: Client, key: bytes) -> None:
    """``watchForKey``: watch ``key`` in the client's current db (once)."""
    db = client.db
    watch = WatchedKey(client, db, key)
    watchers = db.watched.get(key)
    if watchers is None:
        db.watched[key] = watchers = set()
    elif watch in watchers:
        return
    watch.expired = _is_stale(db, key)
    watchers.add(watch)
    client.watched.append((db, key))
    server = client.server
    if unwatch_all_keys not in server.on_client_close:
        server.on_client_close.append(unwatch_all_keys)


def unwatch_all_keys(client: Client) -> None:
    """``unwatchAllKeys``: forget every WATCH of the client (also run when it disconnects).

    Does not clear ``watch_dirty``: that is up to the caller, as in Redis.
    """
    for db, key in client.watched:
        watchers = db.watched.get(key)
        if watchers is not None:
            watchers.discard(WatchedKey(client, db, key))
            if not watchers:
                del db.watched[key]
    client.watched = []


def _watch_expired_at_watch_time(client: Client, db: Database, key: bytes) -> bool:
    """The ``expired`` flag of the client's watch on ``key`` (a short scan of its watchers)."""
    for watch in db.watched.get(key, ()):
        if type(watch) is WatchedKey and watch.client is client:
            return watch.expired
    return False


def watched_key_expired(client: Client) -> bool:
    """``isWatchedKeyExpired``: a key watched while live has expired since (even if not yet
    deleted), which makes EXEC fail like a modification."""
    for db, key in client.watched:
        if db.expires and _is_stale(db, key) and not _watch_expired_at_watch_time(client, db, key):
            return True
    return False


# -- transaction state ---------------------------------------------------------------------------


def discard_transaction(client: Client) -> None:
    """``discardTransaction``: leave MULTI, drop the queue and every WATCH.

    Run by EXEC, DISCARD, a refused EXEC -- and RESET should call it too.
    """
    client.in_multi = False
    client.multi_queue = []
    client.multi_error = False
    client.watch_dirty = False
    unwatch_all_keys(client)


def exec_abort(client: Client, message: str) -> ErrorReply:
    """``execCommandAbort``: EXEC itself was refused (arity, ACL), in MULTI or not.

    The transaction and the WATCHes are discarded; the reason is given without its ``ERR``
    prefix (Redis formats it without one).
    """
    discard_transaction(client)
    server = client.server
    server.command_rejected["exec"] += 1
    server.error_counts["EXECABORT"] += 1
    reason = message[4:] if message.startswith("ERR ") else message
    return ErrorReply("EXECABORT Transaction discarded because of: " + reason)


def acl_changed_reply(client: Client, denied: str) -> ErrorReply:
    """A queued command the ACL rules no longer allow (they changed since it was queued)."""
    client.server.error_counts["NOPERM"] += 1
    if "keys" in denied:
        reason = "no permission to touch the specified keys"
    elif "channels" in denied:
        reason = "no permission to access one of the channels used as arguments"
    else:
        reason = "no permission to execute the command or subcommand"
    return ErrorReply(_ACL_CHANGED + reason)


def propagate_block(propagate: Propagator, records: list[tuple[int, list[bytes]]]) -> None:
    """Hand the transaction's records to the AOF, wrapped in MULTI/EXEC when more than one."""
    if len(records) == 1:
        propagate(*records[0])
        return
    propagate(records[0][0], [b"MULTI"])
    for db_index, argv in records:
        propagate(db_index, argv)
    propagate(records[-1][0], [b"EXEC"])
