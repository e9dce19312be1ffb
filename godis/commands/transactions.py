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

The WATCH bookkeeping and the transaction state machine live in ``godis.multi``.
"""

from __future__ import annotations

from godis import dispatch
from godis.client import Client
from godis.errors import CommandError
from godis.multi import (
    acl_changed_reply,
    discard_transaction,
    propagate_block,
    unwatch_all_keys,
    watch_key,
    watched_key_expired,
)
from godis.protocol.writer import NULL_ARRAY, OK, Pushed, Raw, Reply, WithPushes, write_reply
from godis.table import command

EXECABORT = "EXECABORT Transaction discarded because of previous errors."


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
    pushes = bytearray()  # SUBSCRIBE & co. inside: sent even when replies are off
    call = dispatch.call
    acl_check = client.server.acl.check
    try:
        for spec, queued in queue:
            denied = acl_check(client, spec, queued)
            reply = call(client, spec, queued) if denied is None else acl_changed_reply(client, denied)
            write_reply(reply, client.resp, out)
            if type(reply) is Pushed:
                pushes += reply
    finally:
        if keyspace.propagate is collect:  # (unless a command attached a new AOF meanwhile)
            keyspace.propagate = propagate
        if could_block:
            client.deny_blocking = False
        discard_transaction(client)
    if records:
        propagate_block(keyspace.propagate, records)
    if pushes:
        mixed = WithPushes(out)
        mixed.pushes = bytes(pushes)
        return mixed
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
         complexity="O(1) for every key.")
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
