"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0's multi.c).

Queueing happens in ``dispatch.execute`` (commands after MULTI are stored, errors while queueing
set ``client.multi_error``). EXEC runs the queue with ``dispatch.call``; every command of a batch
already runs under the keyspace lock and nothing awaits, so the queue is atomic by construction.

Propagation follows Redis 7.0's ``propagatePendingCommands``: everything the queued commands
propagate (their writes, and the ``DEL`` of keys that expire on the way) is collected, and when
there is more than one record the AOF gets them wrapped in ``MULTI`` ... ``EXEC`` -- ``MULTI``
with the first record's db (any ``SELECT`` comes before it) and ``EXEC`` with the last one's (so
no ``SELECT`` slips in between). A single record is logged plain, being atomic anyway. The
connection writes the AOF buffer once per batch, so the block lands in one ``write(2)``.

WATCH keeps one :class:`WatchedKey` per client and key in ``Database.watched``; ``Database.touch``
(Redis's ``signalModifiedKey``) calls its :meth:`WatchedKey.key_touched`, and a flush or SWAPDB
its :meth:`WatchedKey.key_flushed`. As in Redis 7.0, a key that was already logically expired
when WATCHed counts as absent: deleting it changes nothing, whereas a key that expires while
watched makes EXEC fail.
"""

from __future__ import annotations

from godis import dispatch
from godis.commands.context import Client
from godis.commands.table import Argument, command
from godis.errors import CommandError
from godis.keyspace.keyspace import Database, Propagator
from godis.protocol.writer import NULL_ARRAY, OK, ErrorReply, Raw, Reply, write_reply

EXECABORT = "EXECABORT Transaction discarded because of previous errors."
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


def _acl_changed(client: Client, denied: str) -> ErrorReply:
    """A queued command the ACL rules no longer allow (they changed since it was queued)."""
    client.server.error_counts["NOPERM"] += 1
    if "keys" in denied:
        reason = "no permission to touch the specified keys"
    elif "channels" in denied:
        reason = "no permission to access one of the channels used as arguments"
    else:
        reason = "no permission to execute the command or subcommand"
    return ErrorReply(_ACL_CHANGED + reason)


def _propagate_block(propagate: Propagator, records: list[tuple[int, list[bytes]]]) -> None:
    """Hand the transaction's records to the AOF, wrapped in MULTI/EXEC when more than one."""
    if len(records) == 1:
        propagate(*records[0])
        return
    propagate(records[0][0], [b"MULTI"])
    for db_index, argv in records:
        propagate(db_index, argv)
    propagate(records[-1][0], [b"EXEC"])


# -- commands ------------------------------------------------------------------------------------


@command("multi", arity=1, flags="noscript loading stale fast allow_busy", group="transactions",
         since="1.2.0", summary="Mark the start of a transaction block", complexity="O(1)")
def multi_command(client: Client, argv: list[bytes]) -> Reply:
    """MULTI: later commands are queued until EXEC or DISCARD."""
    if client.in_multi:
        raise CommandError("ERR MULTI calls can not be nested")
    client.in_multi = True
    return OK


@command("exec", arity=1, flags="noscript loading stale skip_slowlog", group="transactions",
         since="1.2.0", summary="Execute all commands issued after MULTI",
         complexity="Depends on commands in the transaction")
def exec_command(client: Client, argv: list[bytes]) -> Reply:
    """EXEC: run the queue, or fail as a whole (queueing error: EXECABORT; WATCH: null array).

    Replies are encoded as each command finishes, with the protocol in force at that moment
    (a HELLO inside the transaction switches the following replies, as in Redis).
    """
    if not client.in_multi:
        raise CommandError("ERR EXEC without MULTI")
    if client.multi_error:
        discard_transaction(client)
        raise CommandError(EXECABORT)
    if client.watch_dirty or (client.watched and watched_key_expired(client)):
        discard_transaction(client)
        return NULL_ARRAY
    unwatch_all_keys(client)  # the transaction's own writes must not dirty anything
    queue = client.multi_queue
    keyspace = client.keyspace
    propagate = keyspace.propagate
    records: list[tuple[int, list[bytes]]] = []

    def collect(db_index: int, record: list[bytes]) -> None:
        records.append((db_index, record))

    keyspace.propagate = collect
    could_block = not client.deny_blocking
    client.deny_blocking = True  # a blocking command answers as if it timed out
    out = bytearray(b"*%d\r\n" % len(queue))
    call = dispatch.call
    acl_check = dispatch.acl_check
    try:
        for spec, queued in queue:
            denied = acl_check(client, spec, queued) if acl_check is not None else None
            reply = call(client, spec, queued) if denied is None else _acl_changed(client, denied)
            write_reply(reply, client.resp, out)
    finally:
        if keyspace.propagate is collect:  # (unless a command attached a new AOF meanwhile)
            keyspace.propagate = propagate
        if could_block:
            client.deny_blocking = False
        discard_transaction(client)
    if records:
        _propagate_block(keyspace.propagate, records)
    return Raw(out)


@command("discard", arity=1, flags="noscript loading stale fast allow_busy", group="transactions",
         since="2.0.0", summary="Discard all commands issued after MULTI",
         complexity="O(N), when N is the number of queued commands")
def discard_command(client: Client, argv: list[bytes]) -> Reply:
    """DISCARD: drop the queue and the WATCHes."""
    if not client.in_multi:
        raise CommandError("ERR DISCARD without MULTI")
    discard_transaction(client)
    return OK


@command("watch", arity=-2, flags="noscript loading stale fast allow_busy", keys=(1, -1, 1),
         group="transactions", since="2.2.0",
         summary="Watch the given keys to determine execution of the MULTI/EXEC block",
         complexity="O(1) for every key.",
         arguments=(Argument("key", "key", multiple=True),))
def watch_command(client: Client, argv: list[bytes]) -> Reply:
    """WATCH key [key ...]: EXEC fails if any of them changes (or expires) before it."""
    if client.in_multi:
        raise CommandError("ERR WATCH inside MULTI is not allowed")
    if client.watch_dirty:
        return OK  # EXEC fails anyway: no point in watching more
    for key in argv[1:]:
        watch_key(client, key)
    return OK


@command("unwatch", arity=1, flags="noscript loading stale fast allow_busy",
         group="transactions", since="2.2.0", summary="Forget about all watched keys",
         complexity="O(1)")
def unwatch_command(client: Client, argv: list[bytes]) -> Reply:
    """UNWATCH (queued inside MULTI, where EXEC has unwatched already)."""
    unwatch_all_keys(client)
    client.watch_dirty = False
    return OK
