"""MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, and INFO memory's fields
(Redis's ``object.c`` memoryCommand, getMemoryOverheadData, getMemoryDoctorReport).

Sizes are the size model's (``godis.keyspace.memory``): the bytes Redis would allocate for the
same data. The process's real RSS (``/proc``) is reported beside them, so
``mem_fragmentation_ratio`` shows how much more a Python process needs.
"""

from __future__ import annotations

import gc
import os
import resource
from dataclasses import dataclass

from godis.client import Client
from godis.errors import SYNTAX, CommandError
from godis.keyspace.memory import (
    DICT_ENTRY,
    ROBJ,
    STARTUP_BYTES,
    dict_slots,
    human_bytes,
    key_size,
)
from godis.protocol.writer import OK, Double, Map, Reply, Status, Verbatim
from godis.state import ServerState
from godis.table import command, container
from godis.util import parse_int

container("memory", group="server", since="4.0.0",
          summary="A container for memory diagnostics commands")

_HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]
_HELP_REPLY = [Status(line) for line in _HELP]


def rss_bytes() -> int:
    """The process's resident set size from ``/proc/self/statm`` (``zmalloc_get_rss``)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 0


@dataclass
class Overhead:
    """``struct redisMemOverhead``: where the modelled bytes go."""

    total: int
    startup: int
    peak: int
    rss: int
    clients_normal: int
    aof_buffer: int
    lua_caches: int
    functions_caches: int
    dbs: list[tuple[int, int, int]]  # (index, main dict overhead, expires dict overhead)
    overhead_total: int
    keys: int

    @property
    def dataset(self) -> int:
        return max(0, self.total - self.overhead_total)

    @property
    def net(self) -> int:
        return self.total - self.startup if self.total > self.startup else 1

    @property
    def dataset_perc(self) -> float:
        return self.dataset * 100 / self.net

    @property
    def peak_perc(self) -> float:
        return self.total * 100 / self.peak if self.peak else 0.0

    @property
    def frag(self) -> float:
        return self.rss / self.total if self.total else 0.0


def used_memory(server: ServerState) -> int:
    """INFO's ``used_memory``: the modelled dataset plus client buffers and script caches;
    also updates the peak (``stat_peak_memory``)."""
    total = server.keyspace.used_memory() + server.keyspace.eviction.overhead()
    if total > server.memory_peak:
        server.memory_peak = total
    return total


def _clients_memory(server: ServerState) -> int:
    return server.clients_memory()


def _scripts_memory(server: ServerState) -> int:
    return server.scripts_memory()


def _functions_memory(server: ServerState) -> int:
    return server.functions_memory()


def overhead(server: ServerState) -> Overhead:
    """``getMemoryOverheadData``."""
    total = used_memory(server)
    keyspace = server.keyspace
    dbs = []
    keys = 0
    mem_total = STARTUP_BYTES
    clients = _clients_memory(server)
    lua = _scripts_memory(server)
    functions = _functions_memory(server)
    mem_total += clients + lua + functions
    for db in keyspace.databases:
        count = len(db.data)
        if not count:
            continue
        keys += count
        main = count * DICT_ENTRY + dict_slots(count) * 8 + count * ROBJ
        expires = len(db.expires)
        volatile = expires * DICT_ENTRY + (dict_slots(expires) * 8 if expires else 0)
        dbs.append((db.index, main, volatile))
        mem_total += main + volatile
    return Overhead(total=total, startup=STARTUP_BYTES, peak=max(server.memory_peak, total),
                    rss=rss_bytes(), clients_normal=clients, aof_buffer=0, lua_caches=lua,
                    functions_caches=functions, dbs=dbs, overhead_total=mem_total, keys=keys)


def info_memory(server: ServerState) -> list[str]:
    """INFO memory, Redis 7.0's fields in its order. The allocator fields have no jemalloc
    behind them: allocated/active are the model's bytes, resident the process RSS."""
    mh = overhead(server)
    config = server.config
    maxmemory = int(config["maxmemory"])
    scripting = server.scripting
    vm_eval = _lua_vm_bytes(server, functions=False)
    vm_functions = _lua_vm_bytes(server, functions=True)
    scripts = mh.lua_caches + mh.functions_caches
    system = total_system_memory()
    used = mh.total
    return [
        f"used_memory:{used}",
        f"used_memory_human:{human_bytes(used)}",
        f"used_memory_rss:{mh.rss}",
        f"used_memory_rss_human:{human_bytes(mh.rss)}",
        f"used_memory_peak:{mh.peak}",
        f"used_memory_peak_human:{human_bytes(mh.peak)}",
        f"used_memory_peak_perc:{mh.peak_perc:.2f}%",
        f"used_memory_overhead:{mh.overhead_total}",
        f"used_memory_startup:{mh.startup}",
        f"used_memory_dataset:{mh.dataset}",
        f"used_memory_dataset_perc:{mh.dataset_perc:.2f}%",
        f"allocator_allocated:{used}",
        f"allocator_active:{used}",
        f"allocator_resident:{mh.rss}",
        f"total_system_memory:{system}",
        f"total_system_memory_human:{human_bytes(system)}",
        f"used_memory_lua:{vm_eval}",
        f"used_memory_vm_eval:{vm_eval}",
        f"used_memory_lua_human:{human_bytes(vm_eval)}",
        f"used_memory_scripts_eval:{mh.lua_caches}",
        f"number_of_cached_scripts:{len(scripting.scripts)}",
        f"number_of_functions:{len(scripting.functions)}",
        f"number_of_libraries:{len(scripting.libraries)}",
        f"used_memory_vm_functions:{vm_functions}",
        f"used_memory_vm_total:{vm_eval + vm_functions}",
        f"used_memory_vm_total_human:{human_bytes(vm_eval + vm_functions)}",
        f"used_memory_functions:{mh.functions_caches}",
        f"used_memory_scripts:{scripts}",
        f"used_memory_scripts_human:{human_bytes(scripts)}",
        f"maxmemory:{maxmemory}",
        f"maxmemory_human:{human_bytes(maxmemory)}",
        f"maxmemory_policy:{config['maxmemory-policy']}",
        "allocator_frag_ratio:1.00",
        "allocator_frag_bytes:0",
        f"allocator_rss_ratio:{mh.frag:.2f}",
        f"allocator_rss_bytes:{mh.rss - used}",
        "rss_overhead_ratio:1.00",
        "rss_overhead_bytes:0",
        f"mem_fragmentation_ratio:{mh.frag:.2f}",
        f"mem_fragmentation_bytes:{mh.rss - used}",
        "mem_not_counted_for_evict:0",
        "mem_replication_backlog:0",
        "mem_total_replication_buffers:0",
        "mem_clients_slaves:0",
        f"mem_clients_normal:{mh.clients_normal}",
        "mem_cluster_links:0",
        f"mem_aof_buffer:{mh.aof_buffer}",
        "mem_allocator:libc",
        "active_defrag_running:0",
        "lazyfree_pending_objects:0",
        "lazyfreed_objects:0",
    ]


def _lua_vm_bytes(server: ServerState, *, functions: bool) -> int:
    """The Lua state's heap (``lua_gc(LUA_GCCOUNT)``), when it exists and is idle."""
    scripting = server.scripting
    engine = scripting._function_engine if functions else scripting._eval_engine
    if engine is None or scripting.current is not None:
        return 0
    try:
        return int(float(engine.lua.eval('collectgarbage("count")')) * 1024)
    except Exception:
        return 0


# -- MEMORY --------------------------------------------------------------------------------------


@command("memory|help", arity=2, flags="loading stale", group="server", since="4.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def memory_help_command(client: Client, argv: list[bytes]) -> Reply:
    return _HELP_REPLY


@command("memory|usage", arity=-3, flags="readonly", keys=(2, 2, 1), group="server",
         since="4.0.0", summary="Estimate the memory usage of a key",
         complexity="O(N) where N is the number of samples.")
def memory_usage_command(client: Client, argv: list[bytes]) -> Reply:
    """MEMORY USAGE key [SAMPLES count]: ``objectComputeSize`` + the key's sds and dictEntry.

    Like Redis it finds the key with ``dictFind``: no lazy expiry, no statistics."""
    samples = 5
    index = 3
    while index < len(argv):
        if argv[index].lower() == b"samples" and index + 1 < len(argv):
            samples = parse_int(argv[index + 1])
            if samples < 0:
                raise CommandError(SYNTAX)
            if samples == 0:
                samples = 1 << 62
            index += 2
        else:
            raise CommandError(SYNTAX)
    key = argv[2]
    value = client.db.data.get(key)
    if value is None:
        return None
    return key_size(key, value, samples, client.keyspace.list_fill)


@command("memory|stats", arity=2, group="server", since="4.0.0",
         summary="Show memory usage details", complexity="O(1)")
def memory_stats_command(client: Client, argv: list[bytes]) -> Reply:
    """MEMORY STATS: getMemoryOverheadData as a map, in Redis's order."""
    mh = overhead(client.server)
    fields: list[tuple[bytes, Reply]] = [
        (b"peak.allocated", mh.peak),
        (b"total.allocated", mh.total),
        (b"startup.allocated", mh.startup),
        (b"replication.backlog", 0),
        (b"clients.slaves", 0),
        (b"clients.normal", mh.clients_normal),
        (b"cluster.links", 0),
        (b"aof.buffer", mh.aof_buffer),
        (b"lua.caches", mh.lua_caches),
        (b"functions.caches", mh.functions_caches),
    ]
    for index, main, expires in mh.dbs:
        fields.append((b"db.%d" % index, Map([
            (b"overhead.hashtable.main", main),
            (b"overhead.hashtable.expires", expires),
            (b"overhead.hashtable.slot-to-keys", 0),
        ])))
    net = mh.net
    fields += [
        (b"overhead.total", mh.overhead_total),
        (b"keys.count", mh.keys),
        (b"keys.bytes-per-key", net // mh.keys if mh.keys else 0),
        (b"dataset.bytes", mh.dataset),
        (b"dataset.percentage", Double(mh.dataset_perc)),
        (b"peak.percentage", Double(mh.peak_perc)),
        (b"allocator.allocated", mh.total),
        (b"allocator.active", mh.total),
        (b"allocator.resident", mh.rss),
        (b"allocator-fragmentation.ratio", Double(1.0)),
        (b"allocator-fragmentation.bytes", 0),
        (b"allocator-rss.ratio", Double(mh.frag)),
        (b"allocator-rss.bytes", mh.rss - mh.total),
        (b"rss-overhead.ratio", Double(1.0)),
        (b"rss-overhead.bytes", 0),
        (b"fragmentation", Double(mh.frag)),
        (b"fragmentation.bytes", mh.rss - mh.total),
    ]
    return Map(fields)


@command("memory|doctor", arity=2, group="server", since="4.0.0",
         summary="Outputs memory problems report", complexity="O(1)")
def memory_doctor_command(client: Client, argv: list[bytes]) -> Reply:
    """MEMORY DOCTOR: ``getMemoryDoctorReport``'s checks on the model and the RSS."""
    return Verbatim(doctor_report(client.server).encode())


def doctor_report(server: ServerState) -> str:
    mh = overhead(server)
    reports: list[str] = []
    if mh.total < 5 * 1024 * 1024:
        return ("Hi Sam, this instance is empty or is using very little memory, my issues "
                "detector can't be used in these conditions. Please, leave for your mission on "
                "Earth and fill it with some data. The new Sam and I will be back to our "
                "programming as soon as I finished rebooting.\n")
    if mh.peak / mh.total > 1.5:
        reports.append(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n")
    if mh.frag > 1.4 and mh.rss - mh.total > 10 << 20:
        reports.append(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n")
    clients = len(server.clients)
    if clients and mh.clients_normal / clients > 1024 * 200:
        reports.append(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n")
    if len(server.scripting.scripts) > 1000:
        reports.append(" * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n")
    if not reports:
        return ("Hi Sam, I can't find any memory issue in your instance. I can only account "
                "for what occurs on this base.\n")
    return ("Sam, I detected a few issues in this Redis instance memory implants:\n\n"
            + "".join(reports) + "I'm here to keep you safe, Sam. I want to help you.\n")


@command("memory|malloc-stats", arity=2, group="server", since="4.0.0",
         summary="Show allocator internal stats",
         complexity="Depends on how much memory is allocated, could be slow")
def memory_malloc_stats_command(client: Client, argv: list[bytes]) -> Reply:
    """MEMORY MALLOC-STATS: godis has no jemalloc, so Redis's non-jemalloc reply."""
    return b"Stats not supported for the current allocator"


@command("memory|purge", arity=2, group="server", since="4.0.0",
         summary="Ask the allocator to release memory",
         complexity="Depends on how much memory is allocated, could be slow")
def memory_purge_command(client: Client, argv: list[bytes]) -> Reply:
    """MEMORY PURGE: a full garbage collection, the nearest thing to jemalloc's purge."""
    gc.collect()
    return OK
