"""Operator and test-suite commands: SLOWLOG, MONITOR, RESET, DEBUG, LATENCY, SAVE/BGSAVE,
BGREWRITEAOF (Redis 7.0's slowlog.c, debug.c, latency.c and parts of networking.c / aof.c).

Persistence note: godis has no RDB file; it persists through the append-only file only. So the
commands that would write an RDB (SAVE, BGSAVE, DEBUG RELOAD) rewrite the AOF instead: the
dataset is serialised as the commands that rebuild it (SET/RPUSH/HSET/SADD/ZADD + PEXPIREAT),
written to a temporary file, fsynced and renamed over the AOF. All of it runs synchronously
under the keyspace lock (no fork), which is correct but blocks other clients while it runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
import time
from collections.abc import Iterator

from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.keyspace.keyspace import Database, Keyspace
from godis.keyspace.values import HashValue, ListValue, SetValue, Value, ZSetValue
from godis.persistence.aof import AppendOnlyFile, encode_command
from godis.protocol.writer import (
    OK,
    BigNumber,
    Double,
    Map,
    Raw,
    Reply,
    SetReply,
    Status,
    Verbatim,
    format_double,
)
from godis.state import ServerState
from godis.table import command, container

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


# -- RESET ------------------------------------------------------------------------------------

_OPTIONAL_FLAGS = ("no_evict", "tracking", "readonly_mode", "asking")


@command("reset", arity=1, flags="noscript loading stale fast no_auth allow_busy",
         group="connection", since="6.2.0", summary="Reset the connection", complexity="O(1)")
def reset_command(client: Client, argv: list[bytes]) -> Reply:
    """RESET: ``clearClientConnectionState`` -- the connection as if it had just connected."""
    from godis.commands.pubsub import unsubscribe_all
    from godis.commands.transactions import discard_transaction

    forget_monitor(client)
    for flag in _OPTIONAL_FLAGS:  # state other modules may add (CLIENT NO-EVICT, TRACKING...)
        if getattr(client, flag, False):
            setattr(client, flag, False)
    client.select(0)
    client.resp = 2
    client.user = "default"
    client.authenticated = not client.server.auth_required()
    discard_transaction(client)
    unsubscribe_all(client)
    client.name = b""
    client.reply_mode = "on"
    return Status("RESET")


# -- DEBUG ------------------------------------------------------------------------------------

_DEBUG_HELP = [
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
]


def _c_atof(text: bytes) -> float:
    """C's ``strtod``: the longest numeric prefix, 0 when there is none."""
    for end in range(len(text), 0, -1):
        try:
            return float(text[:end])
        except ValueError:
            continue
    return 0.0


def _c_atoi(text: bytes) -> int:
    """C's ``atoi``: an optional sign and leading digits, 0 otherwise."""
    digits = bytearray()
    for index, byte in enumerate(text.strip()):
        if (byte in b"+-" and index == 0) or 48 <= byte <= 57:
            digits.append(byte)
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


# ---- DEBUG DIGEST: Redis's exact algorithm (debug.c), so digests compare across servers.

_ZERO_DIGEST = bytes(20)
_TYPE_CODES = {bytes: 0, bytearray: 0, ListValue: 1, SetValue: 2, ZSetValue: 3, HashValue: 4}


def _xor_digest(digest: bytearray, data: bytes) -> None:
    """``xorDigest``: digest ^= sha1(data) -- commutative, for unordered elements."""
    for index, byte in enumerate(hashlib.sha1(data).digest()):
        digest[index] ^= byte


def _mix_digest(digest: bytearray, data: bytes) -> None:
    """``mixDigest``: digest = sha1(digest ^ sha1(data)) -- order dependent."""
    _xor_digest(digest, data)
    digest[:] = hashlib.sha1(digest).digest()


def _score_text(score: float) -> bytes:
    return b"%.17g" % score


def value_digest(db: Database, key: bytes, value: Value,
                 digest: bytearray | None = None) -> bytearray:
    """``xorObjectDigest``: mix one value (type, contents, whether it has a TTL) into
    ``digest`` (a fresh zero digest by default)."""
    if digest is None:
        digest = bytearray(20)
    _mix_digest(digest, struct.pack(">I", _TYPE_CODES[type(value)]))
    if isinstance(value, (bytes, bytearray)):
        _mix_digest(digest, bytes(value))
    elif isinstance(value, ListValue):
        for item in value:
            _mix_digest(digest, item)
    elif isinstance(value, SetValue):
        for member in value:
            _xor_digest(digest, member)
    elif isinstance(value, ZSetValue):
        for member, score in value.scores.items():
            element = bytearray(20)
            _mix_digest(element, member)
            _mix_digest(element, _score_text(score))
            _xor_digest(digest, bytes(element))
    elif isinstance(value, HashValue):
        for field, field_value in value.items():
            element = bytearray(20)
            _mix_digest(element, field)
            _mix_digest(element, field_value)
            _xor_digest(digest, bytes(element))
    if key in db.expires:
        _xor_digest(digest, b"!!expire!!")
    return digest


def dataset_digest(keyspace: Keyspace) -> bytes:
    """``computeDatasetDigest``: all zeros for an empty dataset, equal for equal datasets."""
    final = bytearray(20)
    for db in keyspace.databases:
        if not db.data:
            continue
        _mix_digest(final, struct.pack(">I", db.index))
        for key, value in db.data.items():
            digest = bytearray(20)
            _mix_digest(digest, key)
            value_digest(db, key, value, digest)
            _xor_digest(final, bytes(digest))
    return bytes(final)


# ---- dataset serialisation (AOF rewrite)

_ITEMS_PER_COMMAND = 64  # Redis's AOF_REWRITE_ITEMS_PER_CMD


def _batched(head: list[bytes], items: list[bytes], per: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), per):
        yield head + items[start:start + per]


def key_commands(key: bytes, value: Value) -> Iterator[list[bytes]]:
    """The commands that rebuild ``value`` at ``key`` (``rewriteAppendOnlyFileRio``)."""
    if isinstance(value, (bytes, bytearray)):
        yield [b"SET", key, bytes(value)]
    elif isinstance(value, ListValue):
        yield from _batched([b"RPUSH", key], list(value), _ITEMS_PER_COMMAND)
    elif isinstance(value, SetValue):
        yield from _batched([b"SADD", key], list(value), _ITEMS_PER_COMMAND)
    elif isinstance(value, HashValue):
        flat = [part for pair in value.items() for part in pair]
        yield from _batched([b"HMSET", key], flat, 2 * _ITEMS_PER_COMMAND)
    elif isinstance(value, ZSetValue):
        flat = [part for score, member in value.ordered for part in (format_double(score),
                                                                      member)]
        yield from _batched([b"ZADD", key], flat, 2 * _ITEMS_PER_COMMAND)
    else:  # pragma: no cover - a new type must say how it is rewritten
        raise TypeError(f"cannot serialise {type(value).__name__}")


def dataset_as_commands(keyspace: Keyspace) -> bytes:
    """The whole dataset as an AOF: SELECT per non-empty db, the key's commands, PEXPIREAT.

    Keys already expired are left out, as Redis's rewrite does.
    """
    now = keyspace.now_ms()
    out = bytearray()
    for db in keyspace.databases:
        if not db.data:
            continue
        out += encode_command([b"SELECT", b"%d" % db.index])
        expires = db.expires
        for key, value in db.data.items():
            when = expires.get(key)
            if when is not None and when <= now:
                continue
            for argv in key_commands(key, value):
                out += encode_command(argv)
            if when is not None:
                out += encode_command([b"PEXPIREAT", key, b"%d" % when])
    return bytes(out)


def _write_file_atomically(path: str, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename over ``path``, fsync the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix="temp-rewriteaof-", suffix=".aof", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def rewrite_aof(server: ServerState) -> str:
    """Rewrite the AOF from the current dataset; the path written.

    With the AOF on, the open file is swapped for the new one (``AppendOnlyFile.replace``);
    with it off, the file is still written where ``appendfilename`` says, as Redis's
    BGREWRITEAOF does.
    """
    data = dataset_as_commands(server.keyspace)
    aof = server.aof
    if isinstance(aof, AppendOnlyFile):
        aof.replace(data)
        return aof.path
    path = server.config.aof_path
    _write_file_atomically(path, data)
    return path


def reload_from(server: ServerState, path: str) -> None:
    """Empty every database and replay ``path`` into them, logging nothing to the AOF."""
    from godis.persistence.loader import load_aof

    keyspace = server.keyspace
    keyspace.flush_all()
    propagate = keyspace.propagate
    dirty = keyspace.dirty
    monitors = server.monitors
    threshold = server.slowlog_threshold_us
    # The replay is not client traffic: not shown to MONITOR, not in the slow log.
    keyspace.propagate = _no_propagate
    server.monitors = {}
    server.slowlog_threshold_us = -1
    try:
        load_aof(server, path)
    finally:
        keyspace.propagate = propagate
        keyspace.dirty = dirty
        server.monitors = monitors
        server.slowlog_threshold_us = threshold


def _no_propagate(db_index: int, argv: list[bytes]) -> None:
    """Replayed commands are already in the file being replayed."""


def debug_reload(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG RELOAD [MERGE|NOFLUSH|NOSAVE ...]: persist, flush, load back.

    Through the AOF (godis's only persistence); without one, through a temporary file.
    NOSAVE reloads the existing AOF; NOFLUSH/MERGE are accepted but always flush (an AOF
    replay over existing keys would merge by construction anyway).
    """
    options = {arg.lower() for arg in argv[2:]}
    if not options <= {b"merge", b"noflush", b"nosave"}:
        raise CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE "
                           "options.")
    server = client.server
    if isinstance(server.aof, AppendOnlyFile):
        if b"nosave" in options:
            server.aof.write()
        else:
            rewrite_aof(server)
        reload_from(server, server.aof.path)
    else:
        data = dataset_as_commands(server.keyspace)
        fd, temp = tempfile.mkstemp(prefix="godis-reload-", suffix=".aof")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            reload_from(server, temp)
        finally:
            os.unlink(temp)
    log.info("DB reloaded by DEBUG RELOAD")
    return OK


def debug_loadaof(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG LOADAOF: flush and replay the AOF. Redis exits when there is no AOF; godis says
    so instead and keeps the data."""
    aof = client.server.aof
    if not isinstance(aof, AppendOnlyFile):
        raise CommandError("ERR DEBUG LOADAOF needs the append only file (appendonly yes)")
    aof.write()
    reload_from(client.server, aof.path)
    log.info("Append Only File loaded by DEBUG LOADAOF")
    return OK


def _serialized_length(value: Value) -> int:
    """An estimate of ``rdbSavedObjectLen`` (godis has no RDB encoding to measure)."""
    if isinstance(value, (bytes, bytearray)):
        return len(value) + 1 if len(value) > 11 or not value.isdigit() else 3
    if isinstance(value, (ListValue, SetValue)):
        return 11 + sum(len(item) + 2 for item in value)
    if isinstance(value, HashValue):
        return 11 + sum(len(f) + len(v) + 4 for f, v in value.items())
    return 11 + sum(len(m) + 10 for m in value.scores)


def _listpack_entry_size(item: bytes) -> int:
    size = len(item)
    encoded = 1 + size if size <= 63 else (2 + size if size <= 4095 else 5 + size)
    return encoded + (1 if encoded <= 127 else 2)


def debug_object(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG OBJECT key: a raw dictionary lookup, so an expired key not yet deleted shows."""
    from godis.commands.keys import encoding_of, idle_seconds, refcount_of

    key = argv[2]
    value = client.db.data.get(key)
    if value is None:
        raise CommandError("ERR no such key")
    idle = idle_seconds(client.db, key)
    lru = (int(time.time()) - idle) & 0xFFFFFF
    encoding = encoding_of(value).decode()
    extra = ""
    if isinstance(value, ListValue):
        config = client.server.config
        fill = int(config["list-max-listpack-size"])
        size = 7 + sum(_listpack_entry_size(item) for item in value)
        node_bytes = 4096 << min(max(-fill, 1), 5) - 1 if fill < 0 else 0
        nodes = max(1, -(-size // node_bytes)) if node_bytes else max(1, -(-len(value) // fill))
        compressed = int(int(config["list-compress-depth"]) != 0) if _has(config,
                                                                         "list-compress-depth") else 0
        extra = (f" ql_nodes:{nodes} ql_avg_node:{len(value) / nodes:.2f} "
                 f"ql_listpack_max:{fill} ql_compressed:{compressed} "
                 f"ql_uncompressed_size:{size - 7 * (nodes - 1)}")
    return Status(f"Value at:0x{id(value):x} refcount:{refcount_of(value)} encoding:{encoding} "
                  f"serializedlength:{_serialized_length(value)} lru:{lru} "
                  f"lru_seconds_idle:{idle}{extra}")


def _has(config: object, name: str) -> bool:
    try:
        config[name]  # type: ignore[index]
    except Exception:
        return False
    return True


_PROTOCOL_TYPES = ("string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|"
                   "false")


def debug_protocol(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG PROTOCOL <type>: one test value of each RESP3 type (RESP2 gets its fallback)."""
    name = argv[2].lower()
    resp3 = client.resp >= 3
    if name == b"string":
        return b"Hello World"
    if name == b"integer":
        return 12345
    if name == b"double":
        return Double(3.141)
    if name == b"bignum":
        return BigNumber(1234567999999999999999999999999999999)
    if name == b"null":
        return None
    if name == b"array":
        return [0, 1, 2]
    if name == b"set":
        return SetReply([0, 1, 2])
    if name == b"map":
        return Map([(0, False), (1, True), (2, False)])
    if name == b"attrib":
        reply = b"$39\r\nSome real reply following the attribute\r\n"
        if resp3:
            reply = b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n" + reply
        return Raw(reply)
    if name == b"push":
        if not resp3:
            raise CommandError("ERR RESP2 is not supported by this command")
        return Raw(b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
                   b"$40\r\nSome real reply following the push reply\r\n")
    if name == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    if name == b"true":
        return True
    if name == b"false":
        return False
    raise CommandError(f"ERR Wrong protocol type name. Please use one of the following: "
                       f"{_PROTOCOL_TYPES}")


def debug_populate(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG POPULATE count [prefix] [size]: ``prefix:N`` = ``value:N`` (zero-padded to size),
    existing keys left alone; not propagated."""
    try:
        count = int(argv[2])
    except ValueError:
        raise CommandError("ERR value is not an integer or out of range") from None
    if count < 0:
        raise CommandError("ERR count can't be negative")
    prefix = argv[3] if len(argv) >= 4 else b"key"
    size = 0
    if len(argv) == 5:
        try:
            size = int(argv[4])
        except ValueError:
            raise CommandError("ERR value is not an integer or out of range") from None
    db = client.db
    for index in range(count):
        key = b"%s:%d" % (prefix, index)
        if db.get(key) is not None:
            continue
        value = b"value:%d" % index
        if size:
            value = value[:size].ljust(size, b"\x00")
        db.set(key, value)
    return OK


def _debug_sleep(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG SLEEP seconds: stop the whole server, on purpose, as Redis does (the keyspace
    lock is held and the event loop blocked); test suites use it to provoke timeouts."""
    seconds = _c_atof(argv[2])
    if seconds > 0:
        time.sleep(seconds)
    return OK


def _debug_set_active_expire(client: Client, argv: list[bytes]) -> Reply:
    client.server.active_expire_enabled = _c_atoi(argv[2]) != 0
    return OK


def _debug_digest(client: Client, argv: list[bytes]) -> Reply:
    return Status(dataset_digest(client.keyspace).hex())


def _debug_digest_value(client: Client, argv: list[bytes]) -> Reply:
    db = client.db
    reply: list[Reply] = []
    for key in argv[2:]:
        value = db.get(key)
        digest = _ZERO_DIGEST if value is None else bytes(value_digest(db, key, value))
        reply.append(Status(digest.hex()))
    return reply


def _debug_log(client: Client, argv: list[bytes]) -> Reply:
    log.warning("DEBUG LOG: %s", argv[2].decode("utf-8", "replace"))
    return OK


def _debug_error(client: Client, argv: list[bytes]) -> Reply:
    from godis.protocol.writer import ErrorReply

    return ErrorReply(argv[2].decode("utf-8", "surrogateescape"))


def _ok(client: Client, argv: list[bytes]) -> Reply:
    return OK


# name -> (handler, accepted argument counts: exact tuple, or a negative minimum)
_DEBUG_SUBCOMMANDS: dict[bytes, tuple[object, tuple[int, ...] | int]] = {
    b"help": (lambda client, argv: help_lines("DEBUG", _DEBUG_HELP), (2,)),
    b"reload": (debug_reload, -2),
    b"loadaof": (debug_loadaof, -2),
    b"object": (debug_object, (3,)),
    b"protocol": (debug_protocol, (3,)),
    b"sleep": (_debug_sleep, (3,)),
    b"set-active-expire": (_debug_set_active_expire, (3,)),
    b"digest": (_debug_digest, (2,)),
    b"digest-value": (_debug_digest_value, -2),
    b"change-repl-id": (_ok, (2,)),
    b"log": (_debug_log, (3,)),
    b"error": (_debug_error, (3,)),
    b"populate": (debug_populate, (3, 4, 5)),
}


@command("debug", arity=-2, flags="admin noscript loading stale", group="server",
         since="1.0.0", summary="A container for debugging commands", complexity="")
def debug_command(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG <subcommand>: the parts of Redis's debug.c that operators and test suites use."""
    entry = _DEBUG_SUBCOMMANDS.get(argv[1].lower())
    if entry is not None:
        handler, counts = entry
        if (len(argv) in counts) if isinstance(counts, tuple) else len(argv) >= -counts:
            return handler(client, argv)  # type: ignore[operator, no-any-return]
    raise subcommand_syntax_error("DEBUG", argv)


# -- SAVE / BGSAVE / BGREWRITEAOF ---------------------------------------------------------------

_NO_RDB = ("ERR godis has no RDB snapshots: it persists through the append only file only "
           "(CONFIG SET appendonly yes, then SAVE rewrites it)")


def _save_through_aof(client: Client) -> None:
    """SAVE and BGSAVE: godis's snapshot is a rewritten AOF, so only with the AOF on."""
    server = client.server
    if not isinstance(server.aof, AppendOnlyFile):
        raise CommandError(_NO_RDB)
    rewrite_aof(server)
    server.last_save = int(time.time())


@command("save", arity=1, flags="admin noscript no_async_loading no_multi", group="server",
         since="1.0.0", summary="Synchronously save the dataset to disk",
         complexity="O(N) where N is the total number of keys in all databases")
def save_command(client: Client, argv: list[bytes]) -> Reply:
    """SAVE: rewrite the AOF (godis's only persistence) and reset the change counter."""
    _save_through_aof(client)
    client.keyspace.dirty = 0
    return OK


@command("bgsave", arity=-1, flags="admin noscript no_async_loading", group="server",
         since="1.0.0", summary="Asynchronously save the dataset to disk",
         complexity="O(N) where N is the total number of keys in all databases")
def bgsave_command(client: Client, argv: list[bytes]) -> Reply:
    """BGSAVE [SCHEDULE]: as SAVE, done before replying (there is no child process)."""
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() != b"schedule"):
        raise CommandError("ERR syntax error")
    _save_through_aof(client)
    return Status("Background saving started")


@command("bgrewriteaof", arity=1, flags="admin noscript no_async_loading", group="server",
         since="1.0.0", summary="Asynchronously rewrite the append-only file",
         complexity="O(1)")
def bgrewriteaof_command(client: Client, argv: list[bytes]) -> Reply:
    """BGREWRITEAOF: rewrite the AOF from the dataset, synchronously (no fork)."""
    try:
        rewrite_aof(client.server)
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


__all__ = ["dataset_as_commands", "dataset_digest", "forget_monitor", "rewrite_aof"]
