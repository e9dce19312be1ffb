"""What a command handler sees: its client's state and, through it, the server's.

``Client`` is pure state (no sockets): the connection code owns one per connection and the AOF
loader uses one as its fake client, like Redis's ``createAOFClient``. Handlers read and change
it: SELECT sets ``db``, HELLO sets ``resp``, MULTI fills ``multi_queue``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from godis.keyspace.keyspace import Database

if TYPE_CHECKING:
    from godis.blocking import BlockRequest
    from godis.state import ServerState
    from godis.table import CommandSpec
    from godis.tracking import ClientTracking

_client_ids = itertools.count(1)

_LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


class Client:
    """One client's state, as Redis's ``client`` struct minus the buffers."""

    def __init__(self, server: ServerState, *, address: str = "", laddr: str = "",
                 fd: int = -1, unix_socket: bool = False) -> None:
        self.server = server
        self.keyspace = server.keyspace
        self.id = next(_client_ids)
        self.name: bytes = b""
        self.address = address  # "ip:port" of the peer
        self.laddr = laddr
        self.fd = fd
        self.unix_socket = unix_socket  # connected through ``unixsocket`` (flag U)
        self.db: Database = self.keyspace.databases[0]
        self.resp = 2
        self.created_at = time.time()
        self.last_interaction = self.created_at
        self.last_command = b"NULL"
        self.lib_name = b""
        self.lib_version = b""
        # authentication (ACL user name; "default" until AUTH says otherwise)
        self.user = "default"
        self.authenticated = not server.auth_required()
        # transactions
        self.in_multi = False
        self.multi_queue: list[tuple[CommandSpec, list[bytes]]] = []
        self.multi_error = False  # a command failed to queue: EXEC aborts
        self.watch_dirty = False  # a WATCHed key was touched: EXEC fails
        self.watched: list[tuple[Database, bytes]] = []
        self.blocked: BlockRequest | None = None  # the blocking command it waits in
        self.deny_blocking = False  # inside EXEC (and the AOF loader) blocking commands don't block
        # pub/sub
        # subscriptions, insertion-ordered (PUNSUBSCRIBE-all answers in subscription order)
        self.channels: dict[bytes, None] = {}
        self.patterns: dict[bytes, None] = {}
        self.shard_channels: dict[bytes, None] = {}
        # reply control
        self.close_after_reply = False
        self.reply_mode = "on"  # CLIENT REPLY on|off|skip
        self.monitor = False
        # out-of-band output about this client's own command that Redis writes after its reply
        # (a MONITOR line: call() feeds the monitors once the command has answered)
        self.after_reply: list[Any] = []
        self.no_evict = False  # CLIENT NO-EVICT (recorded; godis does not evict clients)
        # what a write command propagates instead of its own argv (SET EX -> SET PXAT)
        self.propagate_override: list[list[bytes]] | None = None
        # how to deliver out-of-band messages (pub/sub pushes); set by the connection
        self.push: Callable[[Any], None] = lambda reply: None
        self.kill: Callable[[], None] = lambda: None
        self.is_fake = False  # the AOF loader's client
        self.tracking: ClientTracking | None = None  # CLIENT TRACKING on: its flags

    @property
    def is_local(self) -> bool:
        """Connected through the Unix socket or from the loopback address (networking.c's
        islocalClient: exactly 127.0.0.1 or ::1, so 127.0.0.2 is not local; also 127.0.0.1
        mapped into IPv6, which a dual-stack listener reports). Decides ``local`` for the
        enable-* parameters."""
        if self.unix_socket:
            return True
        host = self.address.rsplit(":", 1)[0].strip("[]")
        return host in _LOCAL_HOSTS

    @property
    def subscribed(self) -> bool:
        """In the subscribed context (Redis's CLIENT_PUBSUB flag)."""
        return bool(self.channels or self.patterns or self.shard_channels)

    @property
    def subscription_count(self) -> int:
        return len(self.channels) + len(self.patterns)

    def select(self, index: int) -> None:
        self.db = self.keyspace.databases[index]

    def propagate_as(self, *argvs: list[bytes]) -> None:
        """Log these commands to the AOF instead of the one being executed."""
        if self.propagate_override is None:
            self.propagate_override = list(argvs)
        else:
            self.propagate_override.extend(argvs)

    def info_line(self) -> str:
        """One CLIENT LIST line (networking.c catClientInfoString)."""
        now = time.time()
        tracking = self.tracking
        flags = "".join(flag for flag, on in (
            ("O", self.monitor), ("P", self.subscribed), ("x", self.in_multi),
            ("b", self.blocked is not None), ("t", tracking is not None),
            ("R", tracking is not None and tracking.broken_redirect),
            ("B", tracking is not None and tracking.bcast), ("U", self.unix_socket)) if on) or "N"
        command_name = self.last_command.decode("utf-8", "replace")
        return (f"id={self.id} addr={self.address} laddr={self.laddr} fd={self.fd} "
                f"name={self.name.decode('utf-8', 'replace')} "
                f"age={int(now - self.created_at)} idle={int(now - self.last_interaction)} "
                f"flags={flags} db={self.db.index} sub={len(self.channels)} "
                f"psub={len(self.patterns)} ssub={len(self.shard_channels)} "
                f"multi={len(self.multi_queue) if self.in_multi else -1} qbuf=0 qbuf-free=0 "
                f"argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r "
                f"cmd={command_name} user={self.user} "
                f"redir={tracking.redirect if tracking is not None else -1} resp={self.resp}")
