"""DEBUG: the subcommands Redis's test suite and tools use (Redis 7.0's debug.c).

DEBUG DIGEST / DIGEST-VALUE follow Redis's exact algorithm, so digests compare across servers;
DEBUG RELOAD saves and loads the RDB file (``godis.persistence.snapshot``); LOADAOF replays
the AOF through ``godis.persistence.rewrite``.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import time

from godis.client import Client
from godis.commands.admin import subcommand_syntax_error
from godis.commands.object import encoding_of, idle_seconds, refcount_of
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.keyspace.keyspace import Database, Keyspace
from godis.keyspace.stream import format_id
from godis.keyspace.values import HashValue, ListValue, SetValue, StreamValue, Value, ZSetValue
from godis.persistence.aof import AppendOnlyFile
from godis.persistence.rdb import Encodings, encode_value, quicklist_nodes
from godis.persistence.rewrite import reload_from
from godis.persistence.snapshot import SnapshotError, load_snapshot, save_snapshot
from godis.protocol.writer import (
    OK,
    BigNumber,
    Double,
    ErrorReply,
    Map,
    Raw,
    Reply,
    SetReply,
    Status,
    Verbatim,
)
from godis.table import command

log = logging.getLogger("godis.server")


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
_TYPE_CODES = {bytes: 0, bytearray: 0, ListValue: 1, SetValue: 2, ZSetValue: 3, HashValue: 4,
               StreamValue: 6}


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
    elif isinstance(value, StreamValue):
        for stream_id, fields in value.range():
            _mix_digest(digest, format_id(stream_id).replace(b"-", b"."))
            for item in fields:
                _mix_digest(digest, item)
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


def debug_reload(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG RELOAD [MERGE|NOFLUSH|NOSAVE ...]: save the RDB file, flush, load it back.

    As Redis, through ``dir/dbfilename`` whether or not the AOF is on (the AOF is left as it
    is). Unlike Redis, a file that cannot be loaded leaves the dataset in place."""
    flush = save = True
    merge = False
    for option in argv[2:]:
        lowered = option.lower()
        if lowered == b"merge":
            merge = True
        elif lowered == b"noflush":
            flush = False
        elif lowered == b"nosave":
            save = False
        else:
            raise CommandError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE "
                               "options.")
    server = client.server
    if save:
        try:
            save_snapshot(server)
        except OSError:
            raise CommandError("ERR") from None
    try:
        loaded = load_snapshot(server, flush=flush, allow_duplicates=merge)
    except SnapshotError as error:
        log.warning("%s", error)
        loaded = None
    if loaded is None:
        raise CommandError("ERR Error trying to load the RDB dump")
    log.warning("DB reloaded by DEBUG RELOAD")
    return OK


def debug_loadaof(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG LOADAOF: flush and replay the AOF. Redis exits when there is no AOF; godis says
    so instead and keeps the data."""
    aof = client.server.aof
    if not isinstance(aof, AppendOnlyFile):
        raise CommandError("ERR DEBUG LOADAOF needs the append only file (appendonly yes)")
    aof.write()
    if aof.manifest is None:
        reload_from(client.server, aof.path)
    else:
        reload_from(client.server, aof.dirpath, aof.manifest)
    log.info("Append Only File loaded by DEBUG LOADAOF")
    return OK


def debug_object(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG OBJECT key: a raw dictionary lookup, so an expired key not yet deleted shows."""

    key = argv[2]
    value = client.db.data.get(key)
    if value is None:
        raise CommandError("ERR no such key")
    idle = idle_seconds(client.db, key)
    lru = (int(time.time()) - idle) & 0xFFFFFF
    encoding = encoding_of(value).decode()
    extra = ""
    options = Encodings.from_config(client.server.config)
    if isinstance(value, ListValue):
        config = client.server.config
        fill = options.list_max_listpack_size
        blobs = [blob for _, blob in quicklist_nodes(value, fill)]
        nodes = max(1, len(blobs))
        compressed = int(int(config["list-compress-depth"]) != 0) if _has(config,
                                                                         "list-compress-depth") else 0
        extra = (f" ql_nodes:{nodes} ql_avg_node:{len(value) / nodes:.2f} "
                 f"ql_listpack_max:{fill} ql_compressed:{compressed} "
                 f"ql_uncompressed_size:{sum(map(len, blobs))}")
    serialized = len(encode_value(value, options)[1])  # rdbSavedObjectLen
    return Status(f"Value at:0x{id(value):x} refcount:{refcount_of(value)} encoding:{encoding} "
                  f"serializedlength:{serialized} lru:{lru} "
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
         since="1.0.0", summary="A container for debugging commands", complexity="",
         protected="enable-debug-command")
def debug_command(client: Client, argv: list[bytes]) -> Reply:
    """DEBUG <subcommand>: the parts of Redis's debug.c that operators and test suites use."""
    entry = _DEBUG_SUBCOMMANDS.get(argv[1].lower())
    if entry is not None:
        handler, counts = entry
        if (len(argv) in counts) if isinstance(counts, tuple) else len(argv) >= -counts:
            return handler(client, argv)  # type: ignore[operator, no-any-return]
    raise subcommand_syntax_error("DEBUG", argv)
