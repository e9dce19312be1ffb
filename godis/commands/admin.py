"""Operator commands: SLOWLOG, MONITOR, SAVE/BGSAVE, BGREWRITEAOF, LATENCY (Redis 7.0's
slowlog.c, latency.c and parts of server.c / aof.c). DEBUG is in ``debug.py``, RESET beside
HELLO in ``connection.py``.

Persistence note: SAVE and BGSAVE write the RDB file (``godis.persistence.snapshot``) and
BGREWRITEAOF rewrites the AOF (``godis.persistence.rewrite``), both synchronously under the
keyspace lock (no fork), which is correct but blocks other clients while it runs.
"""

from __future__ import annotations

import logging

from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.persistence import background
from godis.persistence.multipart import rewrite_now
from godis.persistence.snapshot import save_snapshot
from godis.protocol.writer import (
    OK,
    Map,
    Raw,
    Reply,
    Status,
    Verbatim,
)
from godis.table import all_commands, command, container, find_command

log = logging.getLogger("godis.server")

NO_REPLY = Raw(b"")



def subcommand_syntax_error(name: str, argv: list[bytes]) -> CommandError:
    """Redis's ``addReplySubcommandSyntaxError`` (the subcommand echoed as typed)."""
    sub = argv[1].decode("utf-8", "surrogateescape")
    return CommandError(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. "
                        f"Try {name} HELP.")


# -- SLOWLOG ----------------------------------------------------------------------------------

container("slowlog", group="server", since="2.2.12",
          summary="A container for slow log commands")


@command("slowlog|get", arity=-2, flags="admin loading stale", group="server", since="2.2.12",
         summary="Get the slow log's entries",
         complexity="O(N) where N is the number of entries returned")
def slowlog_get_command(client: Client, argv: list[bytes]) -> Reply:
    """SLOWLOG GET [count]: newest first; 10 by default, -1 for all."""
    if len(argv) > 3:
        raise subcommand_syntax_error("SLOWLOG", argv)
    count = 10
    if len(argv) == 3:
        try:
            count = int(argv[2])
        except ValueError:
            count = -2
        if count < -1:
            raise CommandError("ERR count should be greater than or equal to -1")
    entries = client.server.slowlog
    if count == -1 or count > len(entries):
        count = len(entries)
    reply: list[Reply] = []
    for index, (entry_id, timestamp, micros, args, address, name) in enumerate(entries):
        if index >= count:
            break
        reply.append([entry_id, timestamp, micros, list(args), address.encode(), name])
    return reply


@command("slowlog|len", arity=2, flags="admin loading stale", group="server", since="2.2.12",
         summary="Get the slow log's length", complexity="O(1)")
def slowlog_len_command(client: Client, argv: list[bytes]) -> Reply:
    return len(client.server.slowlog)


@command("slowlog|reset", arity=2, flags="admin loading stale", group="server", since="2.2.12",
         summary="Clear all entries from the slow log",
         complexity="O(N) where N is the number of entries in the slowlog")
def slowlog_reset_command(client: Client, argv: list[bytes]) -> Reply:
    client.server.slowlog.clear()
    return OK


@command("slowlog|help", arity=2, flags="loading stale", group="server", since="6.2.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def slowlog_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("SLOWLOG", [
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
    ])


# -- MONITOR ----------------------------------------------------------------------------------


def forget_monitor(client: Client) -> None:
    """Leave MONITOR mode (disconnect, RESET)."""
    if client.monitor:
        client.monitor = False
        client.server.monitors.pop(client, None)


@command("monitor", arity=1, flags="admin noscript loading stale", group="server",
         since="1.0.0", summary="Listen for all requests received by the server in real time",
         complexity="")
def monitor_command(client: Client, argv: list[bytes]) -> Reply:
    """MONITOR: every later command of every client is streamed to this one.

    Inside EXEC (and for other clients that may not block) it is refused, as Redis does; a
    second MONITOR is ignored without a reply.
    """
    if client.deny_blocking:
        raise CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    if client.monitor:
        return NO_REPLY
    server = client.server
    if forget_monitor not in server.on_client_close:
        server.on_client_close.append(forget_monitor)
    client.monitor = True
    server.monitors[client] = None
    return OK



# -- SAVE / BGSAVE / BGREWRITEAOF ---------------------------------------------------------------

def _save(client: Client) -> None:
    """SAVE and BGSAVE: write ``dir/dbfilename`` (``rdbSave``); a failure is ``-ERR``."""
    try:
        save_snapshot(client.server)
    except OSError:
        raise CommandError("ERR") from None


@command("save", arity=1, flags="admin noscript no_async_loading no_multi", group="server",
         since="1.0.0", summary="Synchronously save the dataset to disk",
         complexity="O(N) where N is the total number of keys in all databases")
def save_command(client: Client, argv: list[bytes]) -> Reply:
    """SAVE: write the RDB file; the change counter and LASTSAVE are reset."""
    child = background.state_of(client.server).child
    if child is not None and child.kind == "rdb":
        raise CommandError("ERR Background save already in progress")
    _save(client)
    return OK


@command("bgsave", arity=-1, flags="admin noscript no_async_loading", group="server",
         since="1.0.0", summary="Asynchronously save the dataset to disk",
         complexity="O(N) where N is the total number of keys in all databases")
def bgsave_command(client: Client, argv: list[bytes]) -> Reply:
    """BGSAVE [SCHEDULE]: a forked child writes the RDB file (bgsaveCommand); without the
    shell or fork, the file is written before the reply."""
    schedule = len(argv) == 2 and argv[1].lower() == b"schedule"
    if len(argv) > 2 or (len(argv) == 2 and not schedule):
        raise CommandError("ERR syntax error")
    server = client.server
    state = background.state_of(server)
    if state.child is not None and state.child.kind == "rdb":
        raise CommandError("ERR Background save already in progress")
    if state.child is not None:
        if not schedule:
            raise CommandError("ERR Another child process is active (AOF?): can't BGSAVE "
                               "right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE "
                               "whenever possible.")
        state.save_scheduled = True
        return Status("Background saving scheduled")
    if not (server.fork_children and background.FORK_AVAILABLE):
        _save(client)
        return Status("Background saving started")
    try:
        background.start_bgsave(server)
    except OSError as error:
        raise CommandError(f"ERR Can't BGSAVE: fork failed: {error.strerror}") from None
    return Status("Background saving started")


@command("bgrewriteaof", arity=1, flags="admin noscript no_async_loading", group="server",
         since="1.0.0", summary="Asynchronously rewrite the append-only file",
         complexity="O(1)")
def bgrewriteaof_command(client: Client, argv: list[bytes]) -> Reply:
    """BGREWRITEAOF: appends go to a new incr file and a forked child writes the new base of
    the multi-part AOF (bgrewriteaofCommand). Without the shell or fork, the rewrite happens
    before the reply."""
    server = client.server
    state = background.state_of(server)
    if state.child is not None and state.child.kind == "aof":
        raise CommandError("ERR Background append only file rewriting already in progress")
    if state.child is not None:
        state.rewrite_scheduled = True
        state.rewrite_failures = 0  # a rewrite asked for is not held back by aofRewriteLimited
        return Status("Background append only file rewriting scheduled")
    if server.fork_children and background.FORK_AVAILABLE:
        try:
            background.start_rewrite(server)
        except OSError as error:
            raise CommandError(f"ERR Can't execute an AOF background rewriting. Please check "
                               f"the server logs for more information. ({error.strerror})"
                               ) from None
        return Status("Background append only file rewriting started")
    try:
        rewrite_now(server)
    except OSError as error:
        raise CommandError(f"ERR Background append only file rewriting failed: "
                           f"{error.strerror}") from None
    return Status("Background append only file rewriting started")


# -- LATENCY ------------------------------------------------------------------------------------

container("latency", group="server", since="2.8.13",
          summary="A container for latency diagnostics commands")

_LATENCY_DISABLED = (
    b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
    b"You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable "
    b"it. If we weren't in a deep space mission I'd suggest to take a look at "
    b"https://redis.io/topics/latency-monitor.\n"
)


@command("latency|latest", arity=2, flags="admin noscript loading stale", group="server",
         since="2.8.13", summary="Return the latest latency samples for all events",
         complexity="O(1)")
def latency_latest_command(client: Client, argv: list[bytes]) -> Reply:
    """LATENCY LATEST: godis records no latency events."""
    return []


@command("latency|history", arity=3, flags="admin noscript loading stale", group="server",
         since="2.8.13", summary="Return timestamp-latency samples for the event",
         complexity="O(1)")
def latency_history_command(client: Client, argv: list[bytes]) -> Reply:
    return []


@command("latency|reset", arity=-2, flags="admin noscript loading stale", group="server",
         since="2.8.13", summary="Reset latency data for one or more events",
         complexity="O(1)")
def latency_reset_command(client: Client, argv: list[bytes]) -> Reply:
    return 0


@command("latency|graph", arity=3, flags="admin noscript loading stale", group="server",
         since="2.8.13", summary="Return a latency graph for the event", complexity="O(1)")
def latency_graph_command(client: Client, argv: list[bytes]) -> Reply:
    event = argv[2].decode("utf-8", "surrogateescape")
    raise CommandError(f"ERR No samples available for event '{event}'")


@command("latency|doctor", arity=2, flags="admin noscript loading stale", group="server",
         since="2.8.13", summary="Return a human readable latency analysis report",
         complexity="O(1)")
def latency_doctor_command(client: Client, argv: list[bytes]) -> Reply:
    """LATENCY DOCTOR: Redis's report when monitoring is off (godis has no latency monitor)."""
    return Verbatim(_LATENCY_DISABLED)


def _histogram_reply(counts: list[int]) -> Map:
    """``fillCommandCDF``: the calls, and the cumulative count at each bucket's upper bound in
    microseconds (hdr's highest equivalent value of 1024 ns * 2**k), empty buckets left out."""
    buckets: list[tuple[Reply, Reply]] = []
    cumulative = 0
    for k, count in enumerate(counts):
        if count:
            cumulative += count
            buckets.append(((1032 * 2 ** k - 1) // 1000, cumulative))
    return Map([(b"calls", cumulative), (b"histogram_usec", Map(buckets))])


@command("latency|histogram", arity=-2, flags="admin noscript loading stale", group="server",
         since="7.0.0", summary="Return the cumulative distribution of latencies of a subset of "
         "commands or all.", complexity="O(N) where N is the number of commands with latency "
         "information being retrieved.")
def latency_histogram_command(client: Client, argv: list[bytes]) -> Reply:
    """LATENCY HISTOGRAM [command ...]: latencyAllCommandsFillCDF / latencySpecificCommandsFillCDF
    (a container named brings its subcommands; unknown names are skipped)."""
    histograms = client.server.command_histograms
    if len(argv) == 2:
        names = [sub.name for spec in all_commands() for sub in (spec, *spec.subcommands.values())]
    else:
        names = []
        for name in argv[2:]:
            spec = find_command(name)
            if spec is not None:
                names += [spec.name, *(sub.name for sub in spec.subcommands.values())]
    return Map((name.encode(), _histogram_reply(histograms[name]))
               for name in names if name in histograms)


@command("latency|help", arity=2, flags="loading stale", group="server", since="2.8.13",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def latency_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("LATENCY", [
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for "
        "the specified command names.",
        "    If no commands are specified then all histograms are replied.",
    ])


__all__ = ["forget_monitor"]
