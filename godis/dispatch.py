"""From argv to reply: Redis's ``processCommand`` and ``call``, reading the command table.

``execute`` checks (lookup, arity, protected commands, authentication, ACL, MULTI queueing, the
pub/sub context), then ``call`` runs the handler, turns a ``CommandError`` into an error reply,
and — for write commands that changed the dataset (the ``dirty`` counter moved) — feeds the
AOF with the command or with what the handler asked to propagate instead. After a command made a waited-on
key ready, :func:`serve_ready_keys` re-runs the blocked clients' commands here, as Redis calls
``handleClientsBlockedOnKeys`` from ``processCommand``. Pure: no awaits, no I/O.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from godis.blocking import BlockedClients, BlockRequest
from godis.client import Client
from godis.config import allows_protected
from godis.errors import CommandError
from godis.keyspace.evict import EVICT_FAIL, OOM
from godis.multi import exec_abort
from godis.protocol.writer import QUEUED, ErrorReply, Reply, Status
from godis.scripting.busy import BUSY_FUNCTION, BUSY_SCRIPT

if TYPE_CHECKING:
    from godis.state import ServerState
from godis.table import COMMANDS, CommandSpec, lookup

# Commands that run immediately even inside MULTI (multi.c / processCommand).
_NOT_QUEUED = frozenset({"exec", "discard", "multi", "watch", "quit", "reset"})
# Commands allowed in the RESP2 subscribed context.
_PUBSUB_ALLOWED = frozenset(
    {"subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe",
     "ping", "quit", "reset"}
)



def unknown_command_error(argv: list[bytes]) -> str:
    """Redis's text: the name and the first arguments, quoted, up to 128 characters."""
    args = ""
    for arg in argv[1:]:
        if len(args) >= 128:
            break
        text = arg.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")  # C's %s stops at NUL
        args += "'" + text[: 128 - len(args)] + "' "
    name = argv[0].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")[:128]
    return f"ERR unknown command '{name}', with args beginning with: {args}"


def resolve(argv: list[bytes]) -> CommandSpec | str:
    """The spec for ``argv``, or the error text when there is none or the arity is wrong."""
    spec = COMMANDS.get(argv[0].lower())
    if spec is None:
        return unknown_command_error(argv)
    if spec.subcommands and len(argv) > 1:
        sub = spec.subcommands.get(argv[1].decode("utf-8", "replace").lower())
        if sub is None:
            return (f"ERR unknown subcommand '{argv[1].decode('utf-8', 'surrogateescape')[:128]}'. "
                    f"Try {spec.name.upper()} HELP.")
        spec = sub
    arity = spec.arity
    if (arity > 0 and len(argv) != arity) or len(argv) < -arity:
        return f"ERR wrong number of arguments for '{spec.name}' command"
    return spec


def execute(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """Run one command for ``client`` as Redis's processCommand would; returns the reply."""
    tracking = client.keyspace.tracking
    if tracking is not None:
        client.server.tracking.before_command()
    spec = resolve(argv)
    if type(spec) is str:
        found = lookup(argv)  # lookupCommand: c->lastcmd, CLIENT LIST's cmd=, even on an arity error
        client.last_command = b"NULL" if found is None else found.name.encode()
        if tracking is not None:
            client.server.tracking.after_command(client, found)
        if argv[0].lower() == b"exec":
            return _exec_abort(client, spec)
        client.server.error_counts[spec.split(" ", 1)[0]] += 1
        if client.in_multi:
            client.multi_error = True
        return ErrorReply(spec)
    assert isinstance(spec, CommandSpec)
    client.last_command = spec.name.encode()
    if spec.protected and not allows_protected(str(client.server.config[spec.protected]),
                                               client.is_local):
        return _reject(client, spec, _protected_error(spec))
    if not client.authenticated and "no_auth" not in spec.flags:
        return _reject(client, spec, "NOAUTH Authentication required.")
    denied = client.server.acl.check(client, spec, argv)
    if denied is not None:
        return _reject(client, spec, denied)
    if client.keyspace.maxmemory and not client.is_fake:
        refused = _check_memory(client, spec)
        if refused is not None:
            return refused
    aof = client.server.aof
    if aof is not None and not aof.last_write_ok and (
            spec.is_write or spec.name == "ping" or (spec.name == "exec" and any(
                queued.is_write for queued, _ in client.multi_queue))):
        # (EXEC counts as a write when it holds one: processCommand's is_write_command)
        # writes are refused while the AOF cannot be written (disk full, I/O error), as Redis
        return _reject(client, spec, f"MISCONF Errors writing to the AOF file: "
                                     f"{aof.last_write_error}")
    if client.server.loading and "loading" not in spec.flags and not client.is_fake:
        return _reject(client, spec, "LOADING Redis is loading the dataset in memory")
    if (client.monitor and (spec.is_write or "readonly" in spec.flags
                            or "may_replicate" in spec.flags)
            and not (client.resp == 2 and client.subscribed and spec.name not in _PUBSUB_ALLOWED)):
        # a MONITOR client is a replica to Redis (CLIENT_SLAVE): no keyspace access (checked
        # after the RESP2 pub/sub context, before MULTI queueing, as in processCommand)
        return _reject(client, spec, "ERR Replica can't interact with the keyspace")
    if client.in_multi and spec.name not in _NOT_QUEUED:
        if "no_multi" in spec.flags:
            return _reject(client, spec, "ERR Command not allowed inside a transaction")
        client.multi_queue.append((spec, argv))
        return QUEUED
    if (client.resp == 2 and client.subscribed
            and spec.name not in _PUBSUB_ALLOWED):
        return _reject(
            client, spec,
            f"ERR Can't execute '{spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
            "PING / QUIT / RESET are allowed in this context",
        )
    reply = call(client, spec, argv)
    if client.keyspace.ready_keys:
        serve_ready_keys(client.server)
    if tracking is not None:
        client.server.tracking.after_command(client, spec)
    return reply


def _protected_error(spec: CommandSpec) -> str:
    """processCommand's refusal of a CMD_PROTECTED command its enable-* parameter forbids
    (checked after the arity, before authentication, ACL and MULTI queueing)."""
    name = spec.name.split("|", 1)[0].upper()
    return (f"ERR {name} command not allowed. If the {spec.protected} option is set to "
            "\"local\", you can run it from a local connection, otherwise you need to set this "
            "option in the configuration file, and then restart the server.")


_OOM_EXEMPT_IN_MULTI = frozenset({"exec", "discard", "quit", "reset"})


def _check_memory(client: Client, spec: CommandSpec) -> ErrorReply | None:
    """processCommand's maxmemory step: evict (``performEvictions``), then refuse a
    ``denyoom`` command (EXEC holding one, anything queued in MULTI) when still over."""
    server = client.server
    eviction = client.keyspace.eviction
    if server.scripting.current is not None:
        return None  # isInsideYieldingLongCommand: the running script keeps its OOM state
    if server.loading or server.paused_until:
        eviction.oom_at_start = False
        return None  # isSafeToPerformEvictions: not while loading or clients are paused
    eviction.oom_at_start = out_of_memory = eviction.perform() == EVICT_FAIL
    if not out_of_memory:
        return None
    if "denyoom" in spec.flags or (client.in_multi and spec.name not in _OOM_EXEMPT_IN_MULTI) or (
            spec.name == "exec" and any("denyoom" in queued.flags
                                        for queued, _ in client.multi_queue)):
        return _reject(client, spec, OOM)
    return None


def execute_while_busy(client: Client, argv: list[bytes]) -> Reply:
    """A command that arrives while a script runs past busy-reply-threshold: only
    ``allow_busy`` commands run (SCRIPT KILL, FUNCTION KILL, SHUTDOWN...), the others get
    -BUSY, as processCommand answers inside a yielding script."""
    spec = resolve(argv)
    if isinstance(spec, CommandSpec) and "allow_busy" in spec.flags:
        return cast("Reply", execute(client, argv))
    run = client.server.scripting.current
    message = BUSY_SCRIPT if run is None or run.eval_mode else BUSY_FUNCTION
    if isinstance(spec, CommandSpec):
        return _reject(client, spec, message)
    return ErrorReply(message)


def paused_for(server: ServerState, commands: list[list[bytes]]) -> bool:
    """Whether CLIENT PAUSE holds this batch, decided on the resolved (sub)commands as Redis's
    processCommand does: everything under PAUSE ALL but CLIENT UNPAUSE (the way out), only
    commands that may write or propagate (FUNCTION LOAD, EVAL...) under PAUSE WRITE."""
    first = lookup(commands[0])
    if first is not None and first.name == "client|unpause":
        return False
    if server.pause_mode != "write":
        return True
    return any((spec := lookup(argv)) is not None and spec.propagates for argv in commands)


def _reject(client: Client, spec: CommandSpec, message: str) -> ErrorReply:
    """A command refused before running: counted in rejected_calls, aborts a MULTI."""
    if spec.name == "exec":
        return _exec_abort(client, message)
    server = client.server
    if client.keyspace.tracking is not None:
        server.tracking.after_command(client, spec)
    server.command_rejected[spec.name] += 1
    server.error_counts[message.split(" ", 1)[0]] += 1
    if client.in_multi:
        client.multi_error = True
    return ErrorReply(message)


def _exec_abort(client: Client, message: str) -> ErrorReply:
    """A refused EXEC discards the transaction and the WATCHes, even outside MULTI
    (Redis's ``execCommandAbort``)."""
    reply = exec_abort(client, message)
    if client.keyspace.tracking is not None:
        client.server.tracking.after_command(client, None)
    return reply


LATENCY_BUCKETS = 21
"""Power-of-two latency buckets from about 1 us to about 1 s (Redis's histogram range)."""


def latency_bucket(elapsed_us: int) -> int:
    """The LATENCY HISTOGRAM bucket of a call that took ``elapsed_us``: Redis records it (in
    ns) in an HDR histogram read back by a log iterator from 1024 ns, doubling, so only the
    doubling matters. Bucket k holds up to 1032 * 2**k - 1 ns, the highest value hdr treats
    as equal to 1024 * 2**k (2 significant digits); the last one takes everything longer."""
    return min(((elapsed_us * 1000 + 1032) // 1032 - 1).bit_length(), LATENCY_BUCKETS - 1)


_BUCKET_OF_US = [latency_bucket(us) for us in range(1024)]
"""latency_bucket for the common short calls: a list index on the hot path."""


def call(client: Client, spec: CommandSpec, argv: list[bytes]) -> Reply | BlockRequest:
    """Run the handler; log effective writes to the AOF; keep per-command statistics."""
    keyspace = client.keyspace
    server = client.server
    dirty = keyspace.dirty
    keyspace.fresh_key = None
    started = time.perf_counter_ns()
    try:
        reply: Reply | BlockRequest = spec.handler(client, argv)
    except CommandError as error:
        reply = ErrorReply(error.message)
        server.command_failed[spec.name] += 1
        server.error_counts[error.message.split(" ", 1)[0]] += 1
    elapsed_us = (time.perf_counter_ns() - started) // 1000
    server.command_calls[spec.name] += 1
    server.total_commands += 1
    server.command_usec[spec.name] += elapsed_us
    if server.latency_tracking and type(reply) is not BlockRequest:
        # updateCommandLatencyHistogram, as one counter per doubling (latency_bucket)
        bucket = _BUCKET_OF_US[elapsed_us] if elapsed_us < 1024 else latency_bucket(elapsed_us)
        try:
            server.command_histograms[spec.name][bucket] += 1
        except KeyError:
            server.command_histograms[spec.name] = [0] * LATENCY_BUCKETS
            server.command_histograms[spec.name][bucket] += 1
    override = client.propagate_override
    if override is not None:
        client.propagate_override = None
    if keyspace.dirty != dirty and spec.propagates:
        db = client.db
        if (spec.first_key == 1 and spec.last_key == 1 and spec.get_keys is None
                and spec.written_keys_finder is None):
            written = [argv[1]]  # the common single-key write, without the generic lookup
            if argv[1] is not keyspace.fresh_key:  # (SET measured its key already)
                db.account(argv[1])  # re-measure into used_memory (Keyspace.dataset_bytes)
        else:
            written = spec.written_keys(argv)
            for key in written:
                db.account(key)
        if override is None:
            keyspace.propagate(client.db.index, argv)
        elif len(override) > 1 and not client.in_multi:
            # several records for one command (SPOP count -> SREMs): one MULTI/EXEC block, so a
            # replay can never apply half of it (EXEC wraps its own records itself)
            index = client.db.index
            keyspace.propagate(index, [b"MULTI"])
            for effective in override:
                keyspace.propagate(index, effective)
            keyspace.propagate(index, [b"EXEC"])
        else:
            for effective in override:
                keyspace.propagate(client.db.index, effective)
        if db.watched or keyspace.blocking_keys or keyspace.tracking is not None:
            for key in written:
                db.touch(key)
                keyspace.signal_key_as_ready(db.index, key)
    if keyspace.tracking is not None and "readonly" in spec.flags:
        server.tracking.remember(client, spec, argv)
    if (server.slowlog_threshold_us >= 0 and elapsed_us >= server.slowlog_threshold_us
            and "skip_slowlog" not in spec.flags):
        server.slowlog_record(client, redacted(spec, argv), elapsed_us)
    if server.monitors and not server.loading and not spec.flags & _NOT_MONITORED:
        feed_monitors(client, redacted(spec, argv))
    return reply


def redacted(spec: CommandSpec, argv: list[bytes]) -> list[bytes]:
    """argv as MONITOR and SLOWLOG may show it: passwords replaced (redactClientCommandArgument)."""
    if spec.name == "auth":
        return [argv[0], *[b"(redacted)"] * (len(argv) - 1)]
    if spec.name == "hello":
        shown = list(argv)
        for index, arg in enumerate(argv):
            if arg.lower() == b"auth" and index + 2 < len(argv):
                shown[index + 1] = shown[index + 2] = b"(redacted)"
        return shown
    return argv


_NOT_MONITORED = frozenset({"skip_monitor", "admin"})


def repr_arg(arg: bytes) -> str:
    """An argument quoted as Redis's ``sdscatrepr`` does (MONITOR, SLOWLOG, errors)."""
    out = ['"']
    for byte in arg:
        char = chr(byte)
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char == "\a":
            out.append("\\a")
        elif char == "\b":
            out.append("\\b")
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


def feed_monitors(client: Client, argv: list[bytes]) -> None:
    """Show a command to every MONITOR client (replicationFeedMonitors)."""
    now = time.time()
    origin = "lua" if client.is_fake else client.address
    line = (f"{int(now)}.{int(now * 1_000_000) % 1_000_000:06d} [{client.db.index} {origin}] "
            + " ".join(repr_arg(arg) for arg in argv))
    status = Status(line)
    for monitor in list(client.server.monitors):
        if monitor.reply_mode in ("off", "skip"):
            continue  # plain replies (addReply), not pushes: CLIENT REPLY OFF / SKIP drop them
        if monitor is client:
            client.after_reply.append(status)  # after the command's own reply, as in Redis
        else:
            monitor.push(status)


# -- clients blocked on keys (blocked.c's handleClientsBlockedOnKeys) ------------------------------


def serve_ready_keys(server: ServerState) -> None:
    """Serve clients blocked on the keys in ``keyspace.ready_keys`` (lock held; never awaits).

    Each waiting client's command is re-run, FIFO, *as that client* through :func:`call`, so it
    gets its usual reply and the AOF the command's non-blocking form (BLPOP -> LPOP ...).
    Serving one client may make other keys ready (BLMOVE pushes): loop until none is left.
    """
    ready = server.keyspace.ready_keys
    blocked = server.blocked
    if not blocked.by_client:
        ready.clear()
        return
    while ready:
        batch = dict.fromkeys(ready)  # in order, once each
        ready.clear()
        for slot in batch:
            waiters = blocked.by_key.get(slot)
            if waiters:
                _serve_key(server, blocked, slot, waiters)


def _serve_key(server: ServerState, blocked: BlockedClients, slot: tuple[int, bytes],
               waiters: dict[BlockRequest, None]) -> None:
    """Serve the clients waiting on one key, FIFO, while it has data (serveClientsBlockedOn*)."""
    keyspace = server.keyspace
    db_index, key = slot
    db = keyspace.databases[db_index]
    value = db.get(key)
    gone = [request for request in waiters if request.gone_reply is not None
            and (value is None or type(value) is not request.value_type)]
    for request in gone:  # XREADGROUP on a deleted or retyped key: unblocked with an error
        blocked.wake(request, request.gone_reply)
    for _ in range(len(waiters)):
        if not waiters:
            return
        value = db.get(key)
        request = next(iter(waiters))
        if value is None or not (len(value) or request.rerun_if_empty):
            return
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
        blocked.rerunning.append(client)
        try:
            reply = call(client, spec, argv)
        finally:
            blocked.rerunning.pop()
            client.db = saved_db
        if type(reply) is BlockRequest:  # could not be served after all: stays blocked
            del waiters[request]
            waiters[request] = None
            continue
        server.command_calls[spec.name] -= 1  # one command: counted when it blocked
        blocked.wake(request, cast("Reply", reply))
