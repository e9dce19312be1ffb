"""Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): clients that wait for a key to get data.

Redis's ``blocked.c`` on Trio. The protocol between a handler, the connection and this module:

1. A blocking handler that finds nothing to serve returns :func:`block_client` 's answer: the
   ``deny_reply`` when the client may not block (inside EXEC, the AOF loader), else a
   :class:`BlockRequest`, already registered FIFO per (db index, key) while the keyspace lock
   is still held, so that no push can slip in between. (A handler may also return a bare
   ``BlockRequest``; :func:`wait_unblocked` then registers it and checks its keys once more.)
2. The connection releases the lock and awaits :func:`wait_unblocked` *without* it.
3. ``dispatch.execute`` calls :func:`serve_ready_keys` (lock held) after every top-level command
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

import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import trio

from godis.keyspace.values import ListValue, ZSetValue
from godis.protocol.writer import ErrorReply, Reply

if TYPE_CHECKING:
    from godis.commands.context import Client
    from godis.commands.table import CommandSpec
    from godis.keyspace.keyspace import Keyspace
    from godis.state import ServerState

TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"
UNBLOCKED_ERROR = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# The value type each blocking command waits for, when the handler does not say.
_VALUE_TYPES: dict[bytes, type] = {
    b"blpop": ListValue, b"brpop": ListValue, b"brpoplpush": ListValue, b"blmove": ListValue,
    b"blmpop": ListValue, b"bzpopmin": ZSetValue, b"bzpopmax": ZSetValue, b"bzmpop": ZSetValue,
}


class BlockRequest:
    """Returned by a blocking handler that must wait for one of ``keys``.

    ``timeout_s`` is in seconds, 0 = forever. ``timeout_reply`` is sent when it expires.
    ``argv`` is re-run when a key becomes ready, or ``argv_for_key(key)`` when given.
    ``value_type`` is the type a ready key must hold to serve this request (default: by
    command name). The remaining attributes are the module's bookkeeping.
    """

    __slots__ = ("argv", "argv_for_key", "client", "db_index", "event", "keys", "registered",
                 "reply", "served", "slots", "timeout_reply", "timeout_s", "value_type")

    def __init__(self, keys: list[bytes], timeout_s: float, timeout_reply: Reply,
                 argv: list[bytes], *, value_type: type | None = None,
                 argv_for_key: Callable[[bytes], list[bytes]] | None = None) -> None:
        self.keys = keys
        self.timeout_s = timeout_s  # 0 = forever
        self.timeout_reply = timeout_reply
        self.argv = argv
        self.value_type = value_type if value_type is not None else _VALUE_TYPES.get(
            argv[0].lower())
        self.argv_for_key = argv_for_key
        self.client: Client | None = None
        self.db_index = -1  # the db the client blocked in
        self.slots: list[tuple[int, bytes]] = []
        self.event: trio.Event | None = None
        self.registered = False
        self.served = False
        self.reply: Reply = None


class _Registry:
    """Who waits for what in one keyspace: FIFO per (db, key) (dicts: O(1) removal)."""

    __slots__ = ("by_client", "by_key")

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, bytes], dict[BlockRequest, None]] = {}
        self.by_client: dict[Client, BlockRequest] = {}


_registries: weakref.WeakKeyDictionary[Keyspace, _Registry] = weakref.WeakKeyDictionary()
_rerunning: list[Client] = []  # the client whose command serve_ready_keys is re-running


def _registry(client: Client) -> _Registry:
    registry = _registries.get(client.keyspace)
    if registry is None:
        registry = _registries[client.keyspace] = _Registry()
        client.server.on_client_close.append(forget_client)
    return registry


# -- timeouts ------------------------------------------------------------------------------------

def parse_timeout(arg: bytes) -> float:
    """A blocking timeout in seconds as Redis 7.0's getTimeoutFromObjectOrReply reads it.

    One implementation serves every blocking command: the exact long-double rules live with
    the sorted-set score parsing they share (``zsets.parse_timeout_ms``).
    """
    from godis.commands.zsets import parse_timeout_ms  # zsets imports this module

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
    if _rerunning and _rerunning[-1] is client:
        return request  # serve_ready_keys re-runs it: the client is already registered
    register(client, request)
    return request


def register(client: Client, request: BlockRequest) -> None:
    """Queue ``request`` on each of its keys in the client's current db (idempotent)."""
    if request.registered or request.served:
        return
    registry = _registry(client)
    previous = registry.by_client.get(client)
    if previous is not None:
        _unregister(client.keyspace, registry, previous)  # one block per client at a time
    db_index = client.db.index
    request.client = client
    request.db_index = db_index
    request.event = trio.Event()
    request.registered = True
    request.slots = [(db_index, key) for key in dict.fromkeys(request.keys)]
    registry.by_client[client] = request
    by_key = registry.by_key
    counts = client.keyspace.blocking_keys
    for slot in request.slots:
        waiters = by_key.get(slot)
        if waiters is None:
            waiters = by_key[slot] = {}
        waiters[request] = None
        counts[slot] = len(waiters)


def _unregister(keyspace: Keyspace, registry: _Registry, request: BlockRequest) -> None:
    """Remove ``request`` from every queue; never awaits, so it is safe on cancellation."""
    if not request.registered:
        return
    request.registered = False
    client = request.client
    if client is not None and registry.by_client.get(client) is request:
        del registry.by_client[client]
    by_key = registry.by_key
    counts = keyspace.blocking_keys
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


def _wake(request: BlockRequest, reply: Reply) -> None:
    request.reply = reply
    request.served = True
    if request.event is not None:
        request.event.set()


def _has_data(keyspace: Keyspace, request: BlockRequest) -> bool:
    """Whether a key of ``request`` holds something to serve it (read-only: no lazy expiry)."""
    value_type = request.value_type
    for db_index, key in request.slots:
        value = keyspace.databases[db_index].data.get(key)
        if value is not None and len(value) and (value_type is None
                                                 or type(value) is value_type):
            return True
    return False


async def wait_unblocked(client: Client, request: BlockRequest) -> Reply:
    """Wait (lock not held) until served or timed out; returns the reply to send.

    Cancellation (the client disconnects) unregisters the request and propagates.
    """
    keyspace = client.keyspace
    try:
        if not request.registered and not request.served:
            register(client, request)
            if _has_data(keyspace, request):  # data arrived while the connection awaited
                async with keyspace.locked():
                    if not request.served and _has_data(keyspace, request):
                        for db_index, key in request.slots:
                            keyspace.signal_key_as_ready(db_index, key)
                        serve_ready_keys(client.server)
        if not request.served:
            assert request.event is not None
            with trio.move_on_after(request.timeout_s or math.inf):
                await request.event.wait()
        if not request.served:
            async with keyspace.locked():
                if not request.served:  # (it may have been served while we waited for the lock)
                    _unregister(keyspace, _registry(client), request)
                    return request.timeout_reply
        return request.reply
    finally:
        if request.registered:  # cancelled: leave nothing behind
            _unregister(keyspace, _registry(client), request)


# -- serving ready keys --------------------------------------------------------------------------


def serve_ready_keys(server: ServerState) -> None:
    """Serve clients blocked on the keys in ``keyspace.ready_keys`` (lock held; never awaits)."""
    keyspace = server.keyspace
    ready = keyspace.ready_keys
    registry = _registries.get(keyspace)
    if registry is None or not registry.by_client:
        ready.clear()
        return
    # (imported here: dispatch imports this module, and godis.commands imports the handlers)
    from godis.commands.table import lookup
    from godis.dispatch import call

    while ready:
        batch = dict.fromkeys(ready)  # in order, once each
        ready.clear()
        for slot in batch:
            waiters = registry.by_key.get(slot)
            if waiters:
                _serve_key(server, registry, slot, waiters, call, lookup)


def _serve_key(server: ServerState, registry: _Registry, slot: tuple[int, bytes],
               waiters: dict[BlockRequest, None], call: Callable[..., object],
               lookup: Callable[[list[bytes]], CommandSpec | None]) -> None:
    """Serve the clients waiting on one key, FIFO, while it has data (serveClientsBlockedOn*)."""
    keyspace = server.keyspace
    db_index, key = slot
    db = keyspace.databases[db_index]
    for _ in range(len(waiters)):
        if not waiters:
            return
        value = db.get(key)
        if value is None or not len(value):
            return
        request = next(iter(waiters))
        argv = request.argv if request.argv_for_key is None else request.argv_for_key(key)
        spec = lookup(argv)
        if (request.value_type is not None and type(value) is not request.value_type) or (
                spec is None):
            del waiters[request]  # waits for another type: to the tail, as Redis does
            waiters[request] = None
            continue
        client = request.client
        assert client is not None
        saved_db = client.db
        client.db = keyspace.databases[request.db_index]
        _rerunning.append(client)
        try:
            reply = call(client, spec, argv)
        finally:
            _rerunning.pop()
            client.db = saved_db
        if type(reply) is BlockRequest:  # could not be served after all: stays blocked
            del waiters[request]
            waiters[request] = None
            continue
        server.command_calls[spec.name] -= 1  # one command: counted when it blocked
        _unregister(keyspace, registry, request)
        _wake(request, cast("Reply", reply))


def scan_database_for_ready_keys(keyspace: Keyspace, db_index: int) -> None:
    """Signal every waited-on key of a db that now holds data (after SWAPDB; Redis's
    ``scanDatabaseForReadyKeys``). MOVE/COPY into another db signal their one key instead."""
    data = keyspace.databases[db_index].data
    for slot in list(keyspace.blocking_keys):
        if slot[0] == db_index and slot[1] in data:
            keyspace.signal_key_as_ready(db_index, slot[1])


# -- unblocking from outside ---------------------------------------------------------------------


def unblock_client(client: Client, error: bool) -> bool:
    """CLIENT UNBLOCK: wake ``client`` with its timeout reply, or the UNBLOCKED error.

    Whether it was blocked. Call with the lock held.
    """
    registry = _registries.get(client.keyspace)
    if registry is None:
        return False
    request = registry.by_client.get(client)
    if request is None:
        return False
    _unregister(client.keyspace, registry, request)
    _wake(request, ErrorReply(UNBLOCKED_ERROR) if error else request.timeout_reply)
    return True


def forget_client(client: Client) -> None:
    """A disconnecting client stops waiting (``server.on_client_close`` hook)."""
    registry = _registries.get(client.keyspace)
    if registry is not None:
        request = registry.by_client.get(client)
        if request is not None:
            _unregister(client.keyspace, registry, request)


def is_blocked(client: Client) -> bool:
    """Whether ``client`` waits in a blocking command (CLIENT LIST flag ``b``)."""
    registry = _registries.get(client.keyspace)
    return registry is not None and client in registry.by_client


def blocked_clients(server: ServerState) -> int:
    """How many clients wait in blocking commands (INFO ``blocked_clients``)."""
    registry = _registries.get(server.keyspace)
    return len(registry.by_client) if registry is not None else 0
