"""Server commands: AUTH, DBSIZE, FLUSHDB/FLUSHALL, SWAPDB, CONFIG, INFO, SHUTDOWN, TIME ...

(Redis's server.c / config.c / db.c admin commands.)
"""

from __future__ import annotations

import logging
import platform
import resource
import sys
import time

from godis import REDIS_COMPAT_VERSION, __version__
from godis.client import Client
from godis.commands import notify
from godis.commands.memory import info_memory
from godis.config import NO_EFFECT_NAMES
from godis.errors import SYNTAX, CommandError, ConfigError
from godis.persistence import background
from godis.persistence.snapshot import save_snapshot
from godis.protocol.writer import OK, Map, Raw, Reply, Status, Verbatim
from godis.state import ServerState, parse_output_limits
from godis.table import command, container
from godis.util import parse_int

# -- databases --------------------------------------------------------------------------------


@command("dbsize", arity=1, flags="readonly fast", group="server", since="1.0.0",
         summary="Return the number of keys in the selected database", complexity="O(1)")
def dbsize_command(client: Client, argv: list[bytes]) -> Reply:
    return len(client.db.data)


def _flush_mode(argv: list[bytes]) -> None:
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"async", b"sync")):
        raise CommandError(SYNTAX)


@command("flushdb", arity=-1, flags="write", group="server", since="1.0.0",
         summary="Remove all keys from the current database",
         complexity="O(N) where N is the number of keys in the selected database")
def flushdb_command(client: Client, argv: list[bytes]) -> Reply:
    """FLUSHDB [ASYNC|SYNC]. Always logged to the AOF, even when the db was empty."""
    _flush_mode(argv)
    client.server.blocked.scan_database_for_deleted_streams(client.db.index, None)
    client.db.clear()
    client.keyspace.dirty += 1
    return OK


@command("flushall", arity=-1, flags="write", group="server", since="1.0.0",
         summary="Remove all keys from all databases",
         complexity="O(N) where N is the total number of keys in all databases")
def flushall_command(client: Client, argv: list[bytes]) -> Reply:
    """FLUSHALL [ASYNC|SYNC]: with save points, the emptied dataset is saved at once
    (``flushAllDataAndResetRDB``)."""
    _flush_mode(argv)
    for db in client.keyspace.databases:
        client.server.blocked.scan_database_for_deleted_streams(db.index, None)
    client.keyspace.flush_all()
    child = background.state_of(client.server).child
    if child is not None and child.kind == "rdb":
        background.kill_child(client.server)  # killRDBChild: its image is stale now
    if str(client.server.config["save"]):
        try:
            save_snapshot(client.server)
        except OSError:
            pass  # logged; Redis ignores it too
    client.keyspace.dirty += 1  # forceCommandPropagation
    return OK


@command("swapdb", arity=3, flags="write fast", group="server", since="4.0.0",
         summary="Swaps two Redis databases", complexity="O(N)")
def swapdb_command(client: Client, argv: list[bytes]) -> Reply:
    """SWAPDB index1 index2: the databases' contents trade places (clients stay put)."""
    first = parse_int(argv[1], "ERR invalid first DB index")
    second = parse_int(argv[2], "ERR invalid second DB index")
    databases = client.keyspace.databases
    if not (0 <= first < len(databases) and 0 <= second < len(databases)):
        raise CommandError("ERR DB index is out of range")
    a, b = databases[first], databases[second]
    blocked = client.server.blocked
    blocked.scan_database_for_deleted_streams(a.index, b.data)
    blocked.scan_database_for_deleted_streams(b.index, a.data)
    if a.watched:
        a.signal_flushed(b)
    if b.watched:
        b.signal_flushed(a)
    a.data, b.data = b.data, a.data
    a.expires, b.expires = b.expires, a.expires
    a.access, b.access = b.access, a.access
    a.lfu, b.lfu = b.lfu, a.lfu
    a.sizes, b.sizes = b.sizes, a.sizes
    for db in (a, b):
        client.server.blocked.scan_database_for_ready_keys(db.index)
    client.keyspace.dirty += 1
    return OK

log = logging.getLogger("godis.server")


# -- CONFIG -----------------------------------------------------------------------------------

container("config", group="server", summary="A container for server configuration commands")


@command("config|get", arity=-3, flags="admin noscript loading stale", group="server",
         since="2.0.0", summary="Get the values of configuration parameters",
         complexity="O(N) when N is the number of configuration parameters provided")
def config_get_command(client: Client, argv: list[bytes]) -> Reply:
    """CONFIG GET parameter [parameter ...] (glob patterns)."""
    found: dict[str, str] = {}
    for pattern in argv[2:]:
        for name, value in client.server.config.matching(pattern.decode("utf-8", "replace")):
            found.setdefault(name, value)
    return Map((name.encode(), value.encode()) for name, value in found.items())


@command("config|set", arity=-4, flags="admin noscript loading stale", group="server",
         since="2.0.0", summary="Set configuration parameters to the given values",
         complexity="O(N) when N is the number of configuration parameters provided")
def config_set_command(client: Client, argv: list[bytes]) -> Reply:
    """CONFIG SET parameter value [parameter value ...], applied all or nothing."""
    if len(argv) % 2:
        raise CommandError(SYNTAX)
    config = client.server.config
    pairs = [(argv[i].decode("utf-8", "replace"), argv[i + 1].decode("utf-8", "replace"))
             for i in range(2, len(argv), 2)]
    seen: set[str] = set()
    for name, _ in pairs:
        try:
            config[name]
        except ConfigError:
            raise CommandError(f"ERR Unknown option or number of arguments for CONFIG SET - "
                               f"'{name}'") from None
        if name.lower() in seen:
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument "
                               f"'{name}') - duplicate parameter")
        seen.add(name.lower())
    previous = {name: config[name] for name, _ in pairs}
    try:
        for name, value in pairs:
            try:
                config.set_text(name, value, local=client.is_local)
            except ConfigError as error:
                raise CommandError(f"ERR CONFIG SET failed (possibly related to argument "
                                   f"'{name}') - {error}") from None
        names = [config.canonical_name(name) for name, _ in pairs]
        for applier in client.server.config_appliers:  # configSetCommand's apply functions
            failed = applier(names)
            if failed is not None:
                log.warning("Failed applying new configuration. Possibly related to new %s "
                            "setting. Restoring previous settings.", failed[0])
                raise CommandError(f"ERR CONFIG SET failed (possibly related to argument "
                                   f"'{failed[0]}') - {failed[1]}")
    except CommandError:
        for name, value in previous.items():
            config._values[config._canonical(name)] = value
        raise
    apply_config(client)
    inert = sorted({config.canonical_name(name) for name, _ in pairs} & NO_EFFECT_NAMES)
    if inert:  # accepted, but never silently: the log says godis does not act on them
        log.warning("CONFIG SET accepted, no effect in godis (docs/configuration.md): %s",
                    ", ".join(inert))
    return OK


def apply_config(client: Client) -> None:
    """Push changed parameters into the objects that cache them."""
    server = client.server
    config = server.config
    server.slowlog_threshold_us = int(config["slowlog-log-slower-than"])
    server.latency_tracking = bool(config["latency-tracking"])
    server.apply_memory_config()
    if server.keyspace.maxmemory and not server.loading:
        server.keyspace.eviction.perform()  # CONFIG SET maxmemory below the usage evicts now
    server.output_buffer_limits = parse_output_limits(str(config["client-output-buffer-limit"]))
    notify.configure(server)
    server.acl.sync_requirepass()
    aof = server.aof
    if aof is not None and hasattr(aof, "fsync_policy"):
        aof.fsync_policy = config.appendfsync


@command("config|resetstat", arity=2, flags="admin noscript loading stale", group="server",
         since="2.0.0", summary="Reset the stats returned by INFO", complexity="O(1)")
def config_resetstat_command(client: Client, argv: list[bytes]) -> Reply:
    server = client.server
    for counter in (server.command_calls, server.command_usec, server.command_failed,
                    server.command_rejected, server.error_counts):
        counter.clear()
    server.command_histograms.clear()
    server.total_commands = 0
    server.total_connections = 0
    server.rejected_connections = 0
    server.net_input_bytes = server.net_output_bytes = 0
    keyspace = server.keyspace
    keyspace.stats_hits = keyspace.stats_misses = keyspace.stats_expired_keys = 0
    server.output_limit_disconnections = 0
    return OK


@command("config|rewrite", arity=2, flags="admin noscript loading stale", group="server",
         since="2.8.0", summary="Rewrite the configuration file with the in memory configuration",
         complexity="O(1)")
def config_rewrite_command(client: Client, argv: list[bytes]) -> Reply:
    try:
        client.server.config.rewrite()
    except ConfigError as error:
        raise CommandError(f"ERR {error}") from None
    except OSError as error:
        raise CommandError(f"ERR Rewriting config file: {error.strerror}") from None
    return OK


@command("config|help", arity=2, flags="loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def config_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("CONFIG", [
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
    ])


def help_lines(name: str, lines: list[str]) -> list[Reply]:
    """A HELP reply in Redis's format (addReplyHelp)."""
    head = f"{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    tail = ["HELP", "    Prints this help."]
    return [Status(text) for text in [head, *lines, *tail]]


# -- INFO -------------------------------------------------------------------------------------


def _info_server(client: Client) -> list[str]:
    server = client.server
    uptime = server.uptime_seconds()
    return [
        f"redis_version:{REDIS_COMPAT_VERSION}",
        f"godis_version:{__version__}",
        "redis_git_sha1:00000000",
        "redis_git_dirty:0",
        "redis_mode:standalone",
        f"os:{platform.system()} {platform.release()} {platform.machine()}",
        f"arch_bits:{64 if sys.maxsize > 2**32 else 32}",
        "multiplexing_api:epoll" if sys.platform.startswith("linux") else "multiplexing_api:kqueue",
        f"python_version:{platform.python_version()}",
        f"process_id:{server.pid}",
        f"run_id:{server.run_id}",
        f"tcp_port:{server.port}",
        f"server_time_usec:{int(time.time() * 1_000_000)}",
        f"uptime_in_seconds:{uptime}",
        f"uptime_in_days:{uptime // 86400}",
        f"hz:{server.config['hz']}",
        f"executable:{sys.argv[0] if sys.argv else ''}",
        f"config_file:{server.config.config_file or ''}",
    ]


def _info_clients(client: Client) -> list[str]:
    server = client.server
    return [  # Redis 7.0's fields that godis can report truthfully
        f"connected_clients:{len(server.clients)}",
        "cluster_connections:0",
        f"maxclients:{server.config['maxclients']}",
        f"blocked_clients:{len(server.blocked)}",
        f"tracking_clients:{server.tracking.clients}",
    ]


def _info_memory(client: Client) -> list[str]:
    return info_memory(client.server)


def _info_persistence(client: Client) -> list[str]:
    """INFO persistence in Redis 7.0's order (genRedisInfoString); godis has no copy-on-write
    figures (0) and no modules."""
    server = client.server
    aof = server.aof
    state = background.state_of(server)
    child = state.child
    now = time.monotonic()
    saving = child is not None and child.kind == "rdb"
    rewriting = child is not None and child.kind == "aof"
    lines = [
        f"loading:{int(server.loading)}",
        "async_loading:0",
        "current_cow_peak:0",
        "current_cow_size:0",
        "current_cow_size_age:0",
        "current_fork_perc:0.00",
        "current_save_keys_processed:0",
        "current_save_keys_total:0",
        "rdb_changes_since_last_save:" + str(client.keyspace.dirty),
        f"rdb_bgsave_in_progress:{int(saving)}",
        f"rdb_last_save_time:{server.last_save}",
        f"rdb_last_bgsave_status:{'ok' if state.last_bgsave_ok else 'err'}",
        f"rdb_last_bgsave_time_sec:{state.last_bgsave_seconds}",
        f"rdb_current_bgsave_time_sec:{int(now - child.started) if saving and child else -1}",
        f"rdb_saves:{state.bgsaves}",
        "rdb_last_cow_size:0",
        f"rdb_last_load_keys_expired:{server.rdb_last_load[1]}",
        f"rdb_last_load_keys_loaded:{server.rdb_last_load[0]}",
        f"aof_enabled:{int(bool(server.config.appendonly))}",
        f"aof_rewrite_in_progress:{int(rewriting)}",
        f"aof_rewrite_scheduled:{int(state.rewrite_scheduled)}",
        f"aof_last_rewrite_time_sec:{state.last_rewrite_seconds}",
        f"aof_current_rewrite_time_sec:{int(now - child.started) if rewriting and child else -1}",
        f"aof_last_bgrewrite_status:{'ok' if state.last_rewrite_ok else 'err'}",
        f"aof_rewrites:{state.rewrites}",
        f"aof_rewrites_consecutive_failures:{state.rewrite_failures}",
        f"aof_last_write_status:{'ok' if aof is None or aof.last_write_ok else 'err'}",
        "aof_last_cow_size:0",
        "module_fork_in_progress:0",
        "module_fork_last_cow_size:0",
    ]
    if aof is not None:
        lines += [f"aof_current_size:{aof.size}", f"aof_base_size:{getattr(aof, 'base_size', 0)}",
                  f"aof_pending_rewrite:{int(state.rewrite_scheduled)}",
                  f"aof_buffer_length:{len(getattr(aof, 'buffer', b''))}",
                  "aof_pending_bio_fsync:0", "aof_delayed_fsync:0"]
    if server.loading:
        lines += _info_loading(server)
    return lines


def _info_loading(server: ServerState) -> list[str]:
    """The progress of a load in course (INFO persistence while ``loading:1``)."""
    total = server.loading_total_bytes
    loaded = server.loading_loaded_bytes
    elapsed = time.time() - server.loading_started_at
    eta = int(elapsed * (total - loaded) / loaded) if loaded else 1
    return [
        f"loading_start_time:{int(server.loading_started_at)}",
        f"loading_total_bytes:{total}",
        "loading_rdb_used_mem:0",
        f"loading_loaded_bytes:{loaded}",
        f"loading_loaded_perc:{100 * loaded / total if total else 0:.2f}",
        f"loading_eta_seconds:{eta}",
    ]


def _info_stats(client: Client) -> list[str]:
    server = client.server
    keyspace = client.keyspace
    return [
        f"total_connections_received:{server.total_connections}",
        f"total_commands_processed:{server.total_commands}",
        f"total_net_input_bytes:{server.net_input_bytes}",
        f"total_net_output_bytes:{server.net_output_bytes}",
        f"rejected_connections:{server.rejected_connections}",
        f"expired_keys:{keyspace.stats_expired_keys}",
        f"evicted_keys:{keyspace.stats_evicted_keys}",
        "evicted_clients:0",
        f"total_eviction_exceeded_time:{keyspace.eviction.total_exceeded_ms()}",
        f"current_eviction_exceeded_time:{keyspace.eviction.current_exceeded_ms()}",
        f"keyspace_hits:{keyspace.stats_hits}",
        f"keyspace_misses:{keyspace.stats_misses}",
        f"pubsub_channels:{len(server.channels)}",
        f"pubsub_patterns:{len(server.patterns)}",
        f"pubsubshard_channels:{len(server.shard_channels)}",
        *server.tracking.info_stats(),
        f"total_error_replies:{sum(server.error_counts.values())}",
        f"client_output_buffer_limit_disconnections:{server.output_limit_disconnections}",
    ]


def _info_replication(client: Client) -> list[str]:
    return ["role:master", "connected_slaves:0", "master_failover_state:no-failover",
            f"master_replid:{client.server.run_id}", "master_repl_offset:0"]


def _info_cpu(client: Client) -> list[str]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return [f"used_cpu_sys:{usage.ru_stime:.6f}", f"used_cpu_user:{usage.ru_utime:.6f}"]


def _info_cluster(client: Client) -> list[str]:
    return ["cluster_enabled:0"]


def _info_commandstats(client: Client) -> list[str]:
    server = client.server
    lines = []
    # every command called, failed or rejected (a refused DEBUG has calls=0: genericInfo's
    # "calls || failed_calls || rejected_calls")
    names = {name for counter in (server.command_calls, server.command_failed,
                                  server.command_rejected) for name, n in counter.items() if n}
    for name in sorted(names):
        calls = server.command_calls[name]
        usec = server.command_usec[name]
        per_call = usec / calls if calls else 0.0
        lines.append(f"cmdstat_{name}:calls={calls},usec={usec},usec_per_call={per_call:.2f},"
                     f"rejected_calls={server.command_rejected[name]},"
                     f"failed_calls={server.command_failed[name]}")
    return lines


def _info_errorstats(client: Client) -> list[str]:
    counts = client.server.error_counts
    return [f"errorstat_{code}:count={counts[code]}" for code in sorted(counts)]


def _info_keyspace(client: Client) -> list[str]:
    lines = []
    for db in client.keyspace.databases:
        if db.data:
            lines.append(f"db{db.index}:keys={len(db.data)},expires={len(db.expires)},avg_ttl=0")
    return lines


INFO_SECTIONS = {
    "server": _info_server,
    "clients": _info_clients,
    "memory": _info_memory,
    "persistence": _info_persistence,
    "stats": _info_stats,
    "replication": _info_replication,
    "cpu": _info_cpu,
    "commandstats": _info_commandstats,
    "cluster": _info_cluster,
    "errorstats": _info_errorstats,
    "keyspace": _info_keyspace,
}
DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                    "errorstats", "cluster", "keyspace")


def info_text(client: Client, sections: list[str]) -> str:
    """The INFO report for ``sections`` (``default``, ``all``, ``everything`` or names)."""
    wanted: list[str] = []
    for section in sections or ["default"]:
        section = section.lower()
        if section == "default":
            wanted.extend(DEFAULT_SECTIONS)
        elif section in ("all", "everything"):
            wanted.extend(INFO_SECTIONS)
        elif section in INFO_SECTIONS:
            wanted.append(section)
    blocks = []
    for name in dict.fromkeys(wanted):
        lines = INFO_SECTIONS[name](client)
        blocks.append("# " + name.capitalize() + "\r\n" + "".join(line + "\r\n" for line in lines))
    return "\r\n".join(blocks)


@command("info", arity=-1, flags="loading stale", group="server", since="1.0.0",
         summary="Get information and statistics about the server", complexity="O(1)")
def info_command(client: Client, argv: list[bytes]) -> Reply:
    """INFO [section ...]. A verbatim string in RESP3, a bulk string in RESP2."""
    text = info_text(client, [arg.decode("utf-8", "replace") for arg in argv[1:]]).encode()
    return Verbatim(text) if client.resp == 3 else text


# -- misc ---------------------------------------------------------------------------------------


@command("time", arity=1, flags="loading stale fast", group="server", since="2.6.0",
         summary="Return the current server time", complexity="O(1)")
def time_command(client: Client, argv: list[bytes]) -> Reply:
    now_us = client.keyspace.now_ms() * 1000 + int(time.time() * 1_000_000) % 1000
    return [b"%d" % (now_us // 1_000_000), b"%d" % (now_us % 1_000_000)]


@command("lastsave", arity=1, flags="loading stale fast", group="server", since="1.0.0",
         summary="Get the UNIX time stamp of the last successful save to disk",
         complexity="O(1)")
def lastsave_command(client: Client, argv: list[bytes]) -> Reply:
    return client.server.last_save


@command("shutdown", arity=-1, flags="admin noscript loading stale no_multi allow_busy",
         group="server", since="1.0.0", summary="Synchronously save the dataset to disk and "
         "then shut down the server", complexity="O(N) when saving, where N is the total "
         "number of keys in all databases when saving data, otherwise O(1)")
def shutdown_command(client: Client, argv: list[bytes]) -> Reply:
    """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: graceful stop (the AOF is always synced).

    SAVE writes the RDB file first (as does a configured ``save`` point unless NOSAVE)."""
    options = {arg.lower() for arg in argv[1:]}
    if not options <= {b"nosave", b"save", b"now", b"force", b"abort"} or (
            b"nosave" in options and b"save" in options):
        raise CommandError(SYNTAX)
    if b"abort" in options:
        if len(options) > 1:
            raise CommandError(SYNTAX)
        raise CommandError("ERR No shutdown in progress.")
    server = client.server
    if b"save" in options or (b"nosave" not in options and str(server.config["save"])):
        background.kill_child(server)  # prepareForShutdown kills a child before saving
        try:  # the RDB first; a failure stops the shutdown unless FORCE
            save_snapshot(server)
        except OSError:
            if b"force" not in options:
                raise CommandError("ERR Errors trying to SHUTDOWN. Check logs.") from None
    server.request_shutdown()
    client.close_after_reply = True
    return Raw(b"")  # no reply: the connection closes
