"""Server-wide state that commands read and change: configuration, clients, counters.

It holds no sockets and no files; the I/O shell (``godis.server``) and persistence plug into
it through the small interfaces below, so handlers stay testable without either.
"""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import trio

from godis.acl import AclRegistry
from godis.blocking import BlockedClients
from godis.config import Config, parse_memory
from godis.glob import GlobPattern
from godis.keyspace.keyspace import Keyspace
from godis.keyspace.memory import CLIENT_BYTES, DICT_ENTRY, dict_slots
from godis.scripting.engine import Scripting
from godis.tracking import Tracking

if TYPE_CHECKING:
    from godis.client import Client


class AofLike(Protocol):
    """What commands may ask of the append-only file (INFO, DEBUG, SHUTDOWN)."""

    @property
    def size(self) -> int: ...

    @property
    def last_write_ok(self) -> bool: ...

    @property
    def last_write_error(self) -> str: ...

    def feed(self, db_index: int, argv: list[bytes]) -> None: ...


def parse_output_limits(text: str) -> dict[str, tuple[int, int, int]]:
    """``client-output-buffer-limit``: class -> (hard bytes, soft bytes, soft seconds)."""
    words = text.split()
    limits: dict[str, tuple[int, int, int]] = {}
    for i in range(0, len(words) - 3, 4):
        kind = "replica" if words[i].lower() == "slave" else words[i].lower()
        limits[kind] = (parse_memory(words[i + 1]), parse_memory(words[i + 2]), int(words[i + 3]))
    return limits


class ServerState:
    """Everything the server shares between clients, except the keyspace's own data."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.keyspace = Keyspace(self.config.databases)
        self.clients: dict[int, Client] = {}
        self.started_at = time.time()
        self.started_monotonic = time.monotonic()
        self.pid = os.getpid()
        self.port = self.config.port  # the bound port, set once listening
        self.run_id = os.urandom(20).hex()
        self.aof: AofLike | None = None
        self.background: Any = None  # BGSAVE / BGREWRITEAOF children (persistence.background)
        self.fork_children = False  # set by the shell: background work may fork
        self.outbound: Any = None  # MIGRATE's connections, set by the shell (server/outbound.py)
        self.tls: Any = None  # the TLS context and listener, set by the shell (server/tls.py)
        self.loading = False  # the dataset is being loaded: -LOADING for most commands
        self.loading_started_at = 0.0
        self.loading_total_bytes = 0
        self.loading_loaded_bytes = 0
        self.active_expire_enabled = True  # DEBUG SET-ACTIVE-EXPIRE
        # CLIENT PAUSE: until when (Trio time, 0 = not paused), "all" or "write", and the event
        # paused clients wait on
        self.paused_until = 0.0
        self.pause_mode = "all"
        self.unpaused: Any = None
        # counters reported by INFO stats
        self.total_connections = 0
        self.rejected_connections = 0
        self.total_commands = 0
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.command_calls: Counter[str] = Counter()
        self.command_usec: Counter[str] = Counter()
        self.command_failed: Counter[str] = Counter()
        self.command_rejected: Counter[str] = Counter()
        # LATENCY HISTOGRAM: per command, calls by power-of-two latency bucket (dispatch.call)
        self.command_histograms: dict[str, list[int]] = {}
        self.latency_tracking = bool(self.config["latency-tracking"])  # CONFIG SET updates it
        self.error_counts: Counter[str] = Counter()
        self.output_limit_disconnections = 0
        self.output_buffer_limits = parse_output_limits(
            str(self.config["client-output-buffer-limit"]))
        self.last_save = int(time.time())
        self.rdb_last_load = (0, 0)  # keys loaded, keys expired by the last RDB load (INFO)
        # pub/sub registry: channel/pattern -> subscribed clients (in subscription order)
        self.channels: dict[bytes, dict[Client, None]] = {}
        self.patterns: dict[bytes, dict[Client, None]] = {}
        # pattern -> its compiled matcher, for PUBLISH: glob's LRU cache holds 512 patterns,
        # so with more subscribed every publish would recompile them all (pubsub.py prunes it)
        self.pattern_matchers: dict[bytes, GlobPattern] = {}
        self.shard_channels: dict[bytes, dict[Client, None]] = {}
        self.monitors: dict[Client, None] = {}
        # set by the I/O shell: ask the server to shut down (SHUTDOWN command, signals)
        self.request_shutdown: Callable[[], None] = lambda: None
        # called with each client that disconnects (pub/sub and blocking clean-up)
        self.on_client_close: list[Callable[[Client], None]] = []
        # set by the I/O shell: CONFIG SET's apply functions for what the shell owns (the TLS
        # context and listener); called with the canonical names set, they return None or the
        # (name, error) of a change that could not be applied and was left undone
        self.config_appliers: list[Callable[[list[str]], tuple[str, str] | None]] = []
        self.shutdown_requested = False
        # set when the server must stop at once without serving anything more (an AOF write
        # failed under appendfsync always): batches check it before they run
        self.fatal_error: str | None = None
        # clients waiting in blocking commands, and the ACL users (created after the config)
        self.blocked = BlockedClients(self.keyspace)
        self.on_client_close.append(self.blocked.forget)
        self.acl = AclRegistry(self)
        self.scripting = Scripting(self)  # EVAL's and FUNCTION's Lua states, the script cache
        self.tracking = Tracking(self)  # client-side caching: CLIENT TRACKING's registry
        self.on_client_close.append(self.tracking.disable)
        # slow log (SLOWLOG GET/LEN/RESET)
        self.slowlog: deque[tuple[int, int, int, list[bytes], str, bytes]] = deque()
        self.slowlog_next_id = 0
        self.slowlog_threshold_us = int(self.config["slowlog-log-slower-than"])
        self.memory_peak = 0  # the highest modelled used_memory seen (used_memory_peak)
        self._scripts_memory = (0, 0)  # (how many scripts, their bytes), recomputed on change
        self.keyspace.eviction.overhead = self.memory_overhead
        self.apply_memory_config()

    def clients_memory(self) -> int:
        """``mem_clients_normal``, modelled: each connection as Redis's idle client (struct and
        16 KB reply buffer)."""
        return CLIENT_BYTES * len(self.clients)

    def scripts_memory(self) -> int:
        """``evalScriptsMemory``: the cached scripts' bodies, their dict entries and SHAs."""
        scripts = self.scripting.scripts
        if not scripts:
            return 0
        cached = self._scripts_memory
        if cached[0] != len(scripts):  # scripts are only added (or all flushed)
            cached = self._scripts_memory = (len(scripts), sum(
                len(body) + 40 + 2 * DICT_ENTRY for body, *_ in scripts.values())
                + 8 * dict_slots(len(scripts)))
        return cached[1]

    def functions_memory(self) -> int:
        """``functionsMemoryOverhead``: the libraries' code and the functions' names."""
        libraries = self.scripting.libraries
        if not libraries:
            return 200
        return 200 + sum(len(lib.code) + len(lib.name) + DICT_ENTRY + sum(
            len(name) + 2 * DICT_ENTRY for name in lib.functions) for lib in libraries.values())

    def memory_overhead(self) -> int:
        """What counts against maxmemory beside the keyspace: clients and script caches."""
        return self.clients_memory() + self.scripts_memory() + self.functions_memory()

    def apply_memory_config(self) -> None:
        """Push maxmemory, the policy and its parameters into the keyspace (and its
        ``Eviction``), where the hot path reads them as plain attributes."""
        config = self.config
        keyspace = self.keyspace
        keyspace.maxmemory = int(config["maxmemory"])
        keyspace.list_fill = int(config["list-max-listpack-size"])
        keyspace.lfu_log_factor = int(config["lfu-log-factor"])
        keyspace.lfu_decay_time = int(config["lfu-decay-time"])
        eviction = keyspace.eviction
        eviction.samples = int(config["maxmemory-samples"])
        eviction.tenacity = int(config["maxmemory-eviction-tenacity"])
        policy = str(config["maxmemory-policy"])
        if policy != eviction.policy:
            eviction.set_policy(policy)

    def slowlog_record(self, client: Client, argv: list[bytes], elapsed_us: int) -> None:
        """Remember a slow command as Redis's slowlogPushEntryIfNeeded does."""
        max_len = int(self.config["slowlog-max-len"])
        if max_len <= 0:
            return
        shown = [arg if len(arg) <= 128 else
                 arg[:128] + b"... (%d more bytes)" % (len(arg) - 128) for arg in argv[:31]]
        if len(argv) > 32:
            shown.append(b"... (%d more arguments)" % (len(argv) - 31))
        elif len(argv) == 32:
            shown.append(argv[31])
        self.slowlog.appendleft((self.slowlog_next_id, int(time.time()), elapsed_us, shown,
                                 client.address, client.name))
        self.slowlog_next_id += 1
        while len(self.slowlog) > max_len:
            self.slowlog.pop()

    def pause(self, seconds: float, mode: str) -> None:
        """CLIENT PAUSE: hold (write) commands for ``seconds`` (a longer pause wins)."""
        now = trio.current_time()
        if self.paused_until > now:  # already paused: the longer, and the stricter, wins
            self.paused_until = max(self.paused_until, now + seconds)
            if mode == "all":
                self.pause_mode = "all"
        else:
            self.paused_until = now + seconds
            self.pause_mode = mode
        if self.unpaused is None:
            self.unpaused = trio.Event()

    def unpause(self) -> None:
        """CLIENT UNPAUSE (or the pause's end): waiting clients go on."""
        self.paused_until = 0.0
        if self.unpaused is not None:
            self.unpaused.set()
            self.unpaused = None

    def auth_required(self) -> bool:
        """Whether new clients must AUTH first (the default user has a password, or is off)."""
        return self.acl.default_requires_auth()

    def uptime_seconds(self) -> int:
        return int(time.monotonic() - self.started_monotonic)
