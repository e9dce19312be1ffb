"""Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): clients that wait for a key to get data.

Redis's ``blocked.c`` on Trio. This module is the registry only (one :class:`BlockedClients`
per server, ``ServerState.blocked``); serving and waiting live with their callers. The protocol between a handler, the connection and this module:

1. A blocking handler that finds nothing to serve returns :func:`block_client` 's answer: the
   ``deny_reply`` when the client may not block (inside EXEC, the AOF loader), else a
   :class:`BlockRequest`, already registered FIFO per (db index, key) while the keyspace lock
   is still held, so that no push can slip in between. (A handler may also return a bare
   ``BlockRequest``; the connection's ``wait_unblocked`` then registers it and checks its keys
   once more.)
2. The connection releases the lock and awaits ``wait_unblocked`` *without* it.
3. ``dispatch.execute`` calls ``dispatch.serve_ready_keys`` (lock held) after every command
   that made a waited-on key ready. It re-runs each waiting client's command, FIFO, *as that
   client* through ``dispatch.call``, so the client gets its usual reply and the AOF gets the
   command's usual non-blocking form (BLPOP -> LPOP key, BLMOVE -> LMOVE ...). Serving one client
   may make other keys ready (BLMOVE pushes to its destination): it loops until none is left,
   as Redis's ``handleClientsBlockedOnKeys`` does.

A request is re-run with ``argv_for_key(key)`` when given: Redis 7.0 serves a client blocked on
several keys from the key that became ready, not from the first one in its argument list.
Only a ready key holding ``value_type`` serves a request (BLPOP ignores a key that became a
zset); clients waiting for another type are rotated to the tail of the queue, as Redis does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import trio

from godis.keyspace.values import ListValue, StreamValue, ZSetValue
from godis.protocol.writer import ErrorReply, Reply
from godis.table import COMMANDS
from godis.util import parse_timeout_ms

if TYPE_CHECKING:
    from godis.client import Client
    from godis.keyspace.keyspace import Keyspace

UNBLOCKED_ERROR = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# The value type a blocking command waits for, by its group in the table, when the handler
# does not say.
_GROUP_VALUE_TYPES: dict[str, type] = {"list": ListValue, "sorted-set": ZSetValue}


class BlockRequest:
    """Returned by a blocking handler that must wait for one of ``keys``.

    ``timeout_s`` is in seconds, 0 = forever. ``timeout_reply`` is sent when it expires.
    ``argv`` is re-run when a key becomes ready, or ``argv_for_key(key)`` when given.
    ``value_type`` is the type a ready key must hold to serve this request (default: by
    command name). ``gone_reply`` (when not None) is sent if a signalled key no longer holds
    that type; ``rerun_if_empty`` re-runs the command on an empty key too. The remaining
    attributes are the module's bookkeeping.
    """

    __slots__ = ("argv", "argv_for_key", "client", "db_index", "event", "gone_reply", "keys",
                 "registered", "reply", "rerun_if_empty", "served", "slots", "timeout_reply",
                 "timeout_s", "value_type")

    def __init__(self, keys: list[bytes], timeout_s: float, timeout_reply: Reply,
                 argv: list[bytes], *, value_type: type | None = None,
                 argv_for_key: Callable[[bytes], list[bytes]] | None = None,
                 gone_reply: Reply = None, rerun_if_empty: bool = False) -> None:
        self.keys = keys
        self.timeout_s = timeout_s  # 0 = forever
        self.timeout_reply = timeout_reply
        self.argv = argv
        if value_type is None:
            spec = COMMANDS.get(argv[0].lower())
            value_type = _GROUP_VALUE_TYPES.get(spec.group) if spec is not None else None
        self.value_type = value_type
        self.argv_for_key = argv_for_key
        # XREADGROUP: the reply when a signalled key is gone or holds another type (Redis's
        # unblockDeletedStreamReadgroupClients); None = keep waiting
        self.gone_reply = gone_reply
        # XREADGROUP: re-run even when the key is empty (the group may have been destroyed)
        self.rerun_if_empty = rerun_if_empty
        self.client: Client | None = None
        self.db_index = -1  # the db the client blocked in
        self.slots: list[tuple[int, bytes]] = []
        self.event: trio.Event | None = None
        self.registered = False
        self.served = False
        self.reply: Reply = None


class BlockedClients:
    """Who waits for what: FIFO per (db, key) (dicts: O(1) removal). Never awaits."""

    __slots__ = ("by_client", "by_key", "keyspace", "rerunning")

    def __init__(self, keyspace: Keyspace) -> None:
        self.keyspace = keyspace
        self.by_key: dict[tuple[int, bytes], dict[BlockRequest, None]] = {}
        self.by_client: dict[Client, BlockRequest] = {}
        # the clients whose command serve_ready_keys is re-running (innermost last)
        self.rerunning: list[Client] = []

    def __len__(self) -> int:
        """How many clients wait (INFO ``blocked_clients``)."""
        return len(self.by_client)

    def register(self, client: Client, request: BlockRequest) -> None:
        """Queue ``request`` on each of its keys in the client's current db (idempotent)."""
        if request.registered or request.served:
            return
        if client.blocked is not None:
            self.unregister(client.blocked)  # one block per client at a time
        db_index = client.db.index
        request.client = client
        request.db_index = db_index
        request.event = trio.Event()
        request.registered = True
        request.slots = [(db_index, key) for key in dict.fromkeys(request.keys)]
        client.blocked = request
        self.by_client[client] = request
        by_key = self.by_key
        counts = self.keyspace.blocking_keys
        for slot in request.slots:
            waiters = by_key.get(slot)
            if waiters is None:
                waiters = by_key[slot] = {}
            waiters[request] = None
            counts[slot] = len(waiters)

    def unregister(self, request: BlockRequest) -> None:
        """Remove ``request`` from every queue; never awaits, so it is safe on cancellation."""
        if not request.registered:
            return
        request.registered = False
        client = request.client
        if client is not None and client.blocked is request:
            client.blocked = None
            del self.by_client[client]
        by_key = self.by_key
        counts = self.keyspace.blocking_keys
        for slot in request.slots:
            waiters = by_key.get(slot)
            if waiters is None:
                continue
            waiters.pop(request, None)
            if waiters:
                counts[slot] = len(waiters)
            else:
                del by_key[slot]
                counts.pop(slot, None)

    def wake(self, request: BlockRequest, reply: Reply) -> None:
        """Unregister ``request`` and hand its client ``reply``."""
        self.unregister(request)
        request.reply = reply
        request.served = True
        if request.event is not None:
            request.event.set()

    def has_data(self, request: BlockRequest) -> bool:
        """Whether a key of ``request`` holds something to serve it (read-only: no lazy
        expiry)."""
        value_type = request.value_type
        databases = self.keyspace.databases
        for db_index, key in request.slots:
            value = databases[db_index].data.get(key)
            if value is not None and len(value) and (value_type is None
                                                     or type(value) is value_type):
                return True
        return False

    def unblock(self, client: Client, error: bool) -> bool:
        """CLIENT UNBLOCK: wake ``client`` with its timeout reply, or the UNBLOCKED error.

        Whether it was blocked. Call with the lock held.
        """
        request = client.blocked
        if request is None:
            return False
        self.wake(request, ErrorReply(UNBLOCKED_ERROR) if error else request.timeout_reply)
        return True

    def forget(self, client: Client) -> None:
        """A disconnecting client stops waiting (``server.on_client_close`` hook)."""
        if client.blocked is not None:
            self.unregister(client.blocked)

    def scan_database_for_ready_keys(self, db_index: int) -> None:
        """Signal every waited-on key of a db that now holds data (after SWAPDB; Redis's
        ``scanDatabaseForReadyKeys``). MOVE/COPY into another db signal their one key."""
        keyspace = self.keyspace
        data = keyspace.databases[db_index].data
        for slot in list(keyspace.blocking_keys):
            if slot[0] == db_index and slot[1] in data:
                keyspace.signal_key_as_ready(db_index, slot[1])


    def scan_database_for_deleted_streams(self, db_index: int,
                                          replaced_with: Mapping[bytes, object] | None) -> None:
        """Before a db is emptied (FLUSHDB/FLUSHALL) or gets ``replaced_with``'s contents
        (SWAPDB): signal every waited-on key that holds a stream now and will not after, so
        blocked XREADGROUP clients learn it is gone (Redis's scanDatabaseForDeletedStreams)."""
        keyspace = self.keyspace
        data = keyspace.databases[db_index].data
        for slot in list(keyspace.blocking_keys):
            if slot[0] != db_index:
                continue
            key = slot[1]
            if type(data.get(key)) is StreamValue and (
                    replaced_with is None or type(replaced_with.get(key)) is not StreamValue):
                keyspace.signal_key_as_ready(db_index, key)


# -- timeouts ------------------------------------------------------------------------------------

def parse_timeout(arg: bytes) -> float:
    """A blocking timeout in seconds as Redis 7.0's getTimeoutFromObjectOrReply reads it
    (``util.parse_timeout_ms``: the exact long-double rules, one implementation for all)."""
    return parse_timeout_ms(arg) / 1000


# -- blocking a client ---------------------------------------------------------------------------


def block_client(client: Client, request: BlockRequest, deny_reply: Reply) -> Reply | BlockRequest:
    """What a blocking handler returns when no key can serve it now.

    ``deny_reply`` when the client may not block (inside MULTI/EXEC, scripts, the AOF loader):
    Redis then answers at once as if the timeout had expired. Otherwise ``request``, registered
    now, under the lock, so a push by the very next command already finds it.
    """
    if client.deny_blocking:
        return deny_reply
    blocked = client.server.blocked
    if blocked.rerunning and blocked.rerunning[-1] is client:
        return request  # serve_ready_keys re-runs it: the client is already registered
    blocked.register(client, request)
    return request
