"""Client-side caching: the keys tracking clients read, and their invalidation (tracking.c).

One :class:`Tracking` registry lives on ``ServerState`` as ``server.tracking``. While it has
anything to do (a client tracks, or the table or the prefix table is not empty) it is also
``keyspace.tracking``; that single attribute is what the hot paths check, so a server where no
one tracks pays one ``is not None`` per command and per write.

- Default mode: after a read-only command, the keys it named are remembered for the client
  (``trackingRememberKeys``, with OPTIN/OPTOUT and CLIENT CACHING); a write to one of them sends
  that client one invalidation and forgets the entry (``trackingInvalidateKey``).
- BCAST mode: a modified key is recorded under every prefix it starts with; at the end of the
  cycle each prefix's keys go out as one message (``trackingBroadcastInvalidationMessages``).
  Redis's cycle is one event-loop iteration (``beforeSleep``); godis's is one lock hold -- the
  batch of pipelined commands one connection runs, the active expire cycle, a blocked client
  being served -- the unit in which godis executes without interleaving, exactly as Redis's
  event-loop iteration is its unit. The executing connection's own messages follow its
  batch's replies, as they follow the replies in Redis's output buffer.
- Invalidations addressed to the client whose command is running wait until that command's
  reply is written (``server.tracking_pending_keys``), so they never land inside it.
- Messages: a RESP3 push ``>2 invalidate [keys]`` to the client, or to its REDIRECT client; a
  RESP2 redirect client in pub/sub mode gets a ``message`` on ``__redis__:invalidate``. A flush
  sends a null instead of the keys (``trackingInvalidateKeysOnFlush``), written as Redis writes
  ``shared.null[resp]`` of the *tracking* client. A vanished redirect client flags the client
  ``broken_redirect`` and RESP3 clients get ``tracking-redir-broken``.

As in Redis, the table stores client ids and is cleaned lazily: a client that disconnects or
turns tracking off leaves its entries until the keys are modified or flushed. Redis 7.0's
quirks are kept, each checked against redis-server: SWAPDB invalidates nothing; a key expired or
evicted has no modifier, so BCAST+NOLOOP clients hear of it; a script's writes are the script
client's, so BCAST+NOLOOP callers hear of them too; the table's trimming before a command sends
at once, not after the reply; an overlap between two given PREFIXes found after the first one
answers the error *and* ``+OK`` (see :func:`prefix_collision`).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from godis.protocol.writer import Push, Raw, Reply

if TYPE_CHECKING:
    from godis.client import Client
    from godis.state import ServerState
    from godis.table import CommandSpec

INVALIDATE_CHANNEL = b"__redis__:invalidate"
_NULL = {2: Raw(b"$-1\r\n"), 3: Raw(b"_\r\n")}  # shared.null[resp]
_SCRIPT_READS_NOT_TRACKED = frozenset({"eval_ro", "evalsha_ro", "fcall_ro"})

PREFIX_REQUIRES_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
SWITCH_BCAST = ("ERR You can't switch BCAST mode on/off before disabling tracking for this "
                "client, and then re-enabling it with a different mode.")
OPT_WITH_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST"
OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
SWITCH_OPT = ("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
              "client, and then re-enabling it with a different mode.")


class ClientTracking:
    """One client's tracking flags (Redis's ``CLIENT_TRACKING_*``), present while it tracks."""

    __slots__ = ("bcast", "broken_redirect", "caching", "noloop", "optin", "optout", "prefixes",
                 "redirect")

    def __init__(self) -> None:
        self.redirect = 0  # client id invalidations go to; 0: the client itself
        self.bcast = False
        self.optin = False
        self.optout = False
        self.noloop = False
        self.caching = False  # CLIENT CACHING given for the next command (or transaction)
        self.broken_redirect = False
        self.prefixes: dict[bytes, None] = {}  # BCAST prefixes (``client_tracking_prefixes``)

    def flags(self) -> list[bytes]:
        """The flags CLIENT TRACKINGINFO lists, in Redis's order."""
        flags = [b"on"]
        if self.bcast:
            flags.append(b"bcast")
        if self.optin:
            flags.append(b"optin")
            if self.caching:
                flags.append(b"caching-yes")
        if self.optout:
            flags.append(b"optout")
            if self.caching:
                flags.append(b"caching-no")
        if self.noloop:
            flags.append(b"noloop")
        if self.broken_redirect:
            flags.append(b"broken_redirect")
        return flags


class _Prefix:
    """``bcastState``: the keys modified this cycle under one prefix (with the client that
    modified each last, for NOLOOP) and the BCAST clients registered for it."""

    __slots__ = ("clients", "keys")

    def __init__(self) -> None:
        self.keys: dict[bytes, Client | None] = {}
        self.clients: dict[Client, None] = {}


def prefix_collision(existing: dict[bytes, None],
                     prefixes: list[bytes]) -> tuple[str, bool] | None:
    """``checkPrefixCollisionsOrReply``: the error text when two prefixes would both match one
    key (one starts with the other), against the client's prefixes or among those given; and
    whether it is fatal.

    Not fatal reproduces Redis 7.0's quirk: an overlap between two *given* prefixes found
    after the first one returns ``i`` (non-zero, "no collision") after the error was added,
    so the command also enables tracking and replies ``+OK`` -- two replies.
    """
    for i, prefix in enumerate(prefixes):
        for old in sorted(existing):  # the radix tree's order
            if old.startswith(prefix) or prefix.startswith(old):
                return (f"ERR Prefix '{_text(prefix)}' overlaps with an existing prefix "
                        f"'{_text(old)}'. Prefixes for a single client must not overlap.",
                        True)
        for other in prefixes[i + 1:]:
            if other.startswith(prefix) or prefix.startswith(other):
                return (f"ERR Prefix '{_text(prefix)}' overlaps with another provided prefix "
                        f"'{_text(other)}'. Prefixes for a single client must not overlap.",
                        i == 0)
    return None


def _text(data: bytes) -> str:
    """As C's ``%s``: up to the first NUL."""
    return data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


class Tracking:
    """The tracking table, the prefix table and the counters INFO reports (tracking.c)."""

    def __init__(self, server: ServerState) -> None:
        self.server = server
        self.table: dict[bytes, dict[int, None]] = {}  # key -> ids of clients that may cache it
        self.total_items = 0  # ids stored across the table (TrackingTableTotalItems)
        self.prefixes: dict[bytes, _Prefix] = {}  # PrefixTable
        self.clients = 0  # INFO tracking_clients
        self.current: Client | None = None  # the client whose batch is executing
        self.pending: list[bytes | None] = []  # tracking_pending_keys (None: a flush)
        self._timeout_counter = 0  # trackingLimitUsedSlots' growing effort
        # inside a command (Redis's fixed_time_expire): the running client's own messages wait
        # for its reply; not while the table is trimmed before a command
        self._in_call = True

    def _refresh(self) -> None:
        """Be ``keyspace.tracking`` while there is anything to track or invalidate."""
        active = bool(self.clients or self.table or self.prefixes)
        self.server.keyspace.tracking = self if active else None

    # -- CLIENT TRACKING on / off ---------------------------------------------------------------

    def enable(self, client: Client, redirect: int, *, bcast: bool, optin: bool, optout: bool,
               noloop: bool, prefixes: list[bytes]) -> None:
        """``enableTracking``: the options were validated by the command."""
        state = client.tracking
        if state is None:
            state = client.tracking = ClientTracking()
            self.clients += 1
        state.broken_redirect = state.bcast = state.optin = state.optout = state.noloop = False
        state.redirect = redirect
        if bcast:
            state.bcast = True
            for prefix in prefixes or [b""]:
                entry = self.prefixes.get(prefix)
                if entry is None:
                    entry = self.prefixes[prefix] = _Prefix()
                if client not in entry.clients:
                    entry.clients[client] = None
                    state.prefixes[prefix] = None
        state.optin = optin
        state.optout = optout
        state.noloop = noloop
        self._refresh()

    def disable(self, client: Client) -> None:
        """``disableTracking`` (CLIENT TRACKING off, RESET, disconnect): leave the prefixes;
        the client's table entries go lazily."""
        state = client.tracking
        if state is None:
            return
        for prefix in state.prefixes:
            entry = self.prefixes.get(prefix)
            if entry is not None:
                entry.clients.pop(client, None)
                if not entry.clients:
                    del self.prefixes[prefix]
        client.tracking = None
        self.clients -= 1
        self._refresh()

    # -- around each command (processCommand, call, resetClient) --------------------------------

    def before_command(self) -> None:
        """``trackingLimitUsedSlots`` before every command, as processCommand."""
        if self.clients and self.table:
            self.limit_used_slots()

    def after_command(self, client: Client, spec: CommandSpec | None) -> None:
        """``resetClient``: CLIENT CACHING lasts one command -- or the whole transaction, and
        survives other CLIENT subcommands."""
        state = client.tracking
        if (state is not None and state.caching and not client.in_multi
                and (spec is None or not spec.name.startswith("client|"))):
            state.caching = False

    def remember(self, client: Client, spec: CommandSpec, argv: list[bytes]) -> None:
        """``trackingRememberKeys`` after a read-only command: its keys may now be cached by
        the client (by the script's caller, for a command a script ran)."""
        if spec.name in _SCRIPT_READS_NOT_TRACKED or "pubsub" in spec.flags:
            return
        scripting = self.server.scripting
        if client is scripting.client and scripting.current is not None:
            client = scripting.current.caller
        state = client.tracking
        if state is None or state.bcast:
            return
        if (state.optin and not state.caching) or (state.optout and state.caching):
            return
        keys = spec.keys(argv)
        if not keys:
            return
        table = self.table
        client_id = client.id
        for key in keys:
            ids = table.get(key)
            if ids is None:
                ids = table[key] = {}
            if client_id not in ids:
                ids[client_id] = None
                self.total_items += 1
        self._refresh()

    # -- invalidation --------------------------------------------------------------------------

    def invalidate_key(self, key: bytes, by_command: bool = True, *, bcast: bool = True) -> None:
        """``trackingInvalidateKey``: ``key`` was modified -- by the running command, or not
        (expiry, eviction: ``c == NULL``, which no NOLOOP client is). Not while a dataset
        loads (DEBUG RELOAD's replay): loading a snapshot modifies no one's keys."""
        if self.server.keyspace.loading:
            return
        current = self.current
        if bcast and self.prefixes:
            modifier = current if by_command else None
            if modifier is not None and self.server.scripting.current is not None:
                modifier = None  # Redis passes the script's own client, which never tracks
            prefixes = self.prefixes
            if len(prefixes) <= len(key) + 1:
                for prefix, entry in prefixes.items():
                    if key.startswith(prefix):
                        entry.keys[key] = modifier
            else:  # many prefixes: look up each of the key's own (Redis walks its rax)
                for end in range(len(key) + 1):
                    found = prefixes.get(key[:end])
                    if found is not None:
                        found.keys[key] = modifier
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.total_items -= len(ids)
        clients = self.server.clients
        for client_id in ids:
            target = clients.get(client_id)
            state = target.tracking if target is not None else None
            if target is None or state is None or state.bcast:
                continue
            if target is current:
                if state.noloop:
                    continue
                if self._in_call:
                    self.pending.append(key)  # after the reply of the running command
                    continue
            self.send(target, [key])
        self._refresh()

    def invalidate_all(self) -> None:
        """``trackingInvalidateKeysOnFlush``: every tracking client is told "all keys" with a
        null, and the table is emptied."""
        if self.clients:
            current = self.current
            for client in list(self.server.clients.values()):
                if client.tracking is not None:
                    if client is current:
                        self.pending.append(None)
                    else:
                        self.send(client, None)
        if self.table:
            self.table = {}
            self.total_items = 0
        self._refresh()

    def flush_pending(self) -> None:
        """``trackingHandlePendingKeyInvalidations``: after the running command's reply."""
        pending = self.pending
        self.pending = []
        client = self.current
        if client is None or client.tracking is None:
            return
        for key in pending:
            self.send(client, None if key is None else [key])

    def send(self, client: Client, keys: list[bytes] | None) -> None:
        """``sendTrackingMessage``: ``keys`` (``None``: the flush's null) to the client or to
        its redirect client."""
        state = client.tracking
        assert state is not None
        payload: Reply = _NULL[client.resp] if keys is None else keys
        target = client
        if state.redirect:
            redirected = self.server.clients.get(state.redirect)
            if redirected is None:
                state.broken_redirect = True
                if client.resp > 2:
                    client.push(Push([b"tracking-redir-broken", state.redirect]))
                return
            target = redirected
        if target.resp > 2:
            target.push(Push([b"invalidate", payload]))
        elif target is not client and target.subscribed:
            target.push(Push([b"message", INVALIDATE_CHANNEL, payload]))

    def broadcast(self) -> None:
        """``trackingBroadcastInvalidationMessages`` at the end of a cycle: each prefix's keys,
        in Redis's (radix tree) order, to its clients; NOLOOP clients without their own."""
        if not self.clients:
            return
        prefixes = self.prefixes
        # only the prefixes with keys are sorted: O(P) per cycle, as Redis's rax walk
        for prefix in sorted([prefix for prefix, entry in prefixes.items() if entry.keys]):
            entry = prefixes[prefix]
            keys = sorted(entry.keys)
            for client in list(entry.clients):
                if client.tracking is None:
                    continue
                if client.tracking.noloop:
                    own = [key for key in keys if entry.keys[key] is not client]
                    if own:
                        self.send(client, own)
                else:
                    self.send(client, keys)
            entry.keys = {}

    def end_cycle(self) -> None:
        """What ends one lock hold: pending invalidations of the running client, then the
        broadcast of the cycle's BCAST keys."""
        if self.pending:
            self.flush_pending()
        if self.prefixes:
            self.broadcast()

    # -- tracking-table-max-keys ----------------------------------------------------------------

    def limit_used_slots(self) -> None:
        """``trackingLimitUsedSlots``: over ``tracking-table-max-keys``, forget random keys
        (telling their clients, as if modified) with an effort of 100 keys per call, more each
        time the previous call could not get under the limit."""
        max_keys = int(self.server.config["tracking-table-max-keys"])
        table = self.table
        if max_keys == 0 or len(table) <= max_keys:
            self._timeout_counter = 0
            return
        effort = 100 * (self._timeout_counter + 1)
        self._in_call = False
        try:
            while effort > 0 and table:
                effort -= 1
                key = random.choice(list(table)) if len(table) < 64 else _random_key(table)
                self.invalidate_key(key, bcast=False)
                if len(table) <= max_keys:
                    self._timeout_counter = 0
                    return
            self._timeout_counter += 1
        finally:
            self._in_call = True

    # -- INFO ---------------------------------------------------------------------------------

    def info_stats(self) -> list[str]:
        return [f"tracking_total_keys:{len(self.table)}",
                f"tracking_total_items:{self.total_items}",
                f"tracking_total_prefixes:{len(self.prefixes)}"]


def _random_key(table: dict[bytes, dict[int, None]]) -> bytes:
    """A key of a large table without copying it: a random position in its iteration."""
    position = random.randrange(min(len(table), 1024))
    for index, key in enumerate(table):
        if index == position:
            return key
    raise AssertionError("unreachable")
