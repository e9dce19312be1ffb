"""DUMP and RESTORE (Redis's ``cluster.c``: ``dumpCommand``, ``restoreCommand``).

The payload is the RDB serialization of one value plus the RDB version and a CRC64
(``godis.persistence.rdb``), so a DUMP from godis restores into Redis 7.0 and the reverse.
"""

from __future__ import annotations

from godis.client import Client
from godis.commandmeta import META
from godis.commands.keys import key_added, modified, unlink
from godis.errors import SYNTAX, CommandError, OutboundError
from godis.keyspace.keyspace import LFU_INIT_VAL
from godis.persistence.rdb import (
    DumpPayloadError,
    Encodings,
    RDBError,
    dump_payload,
    restore_payload,
)
from godis.protocol.writer import OK, Reply, Status
from godis.table import command, container, self_signalled
from godis.util import LONG_MAX, parse_int

BUSYKEY = "BUSYKEY Target key name already exists."
BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA = "ERR Bad data format"




def encodings(client: Client) -> Encodings:
    """The encoding thresholds and ``rdbcompression`` in force."""
    return Encodings.from_config(client.server.config)


@command("dump", arity=2, flags="readonly", keys=(1, 1, 1), group="generic", since="2.6.0",
         acl="keyspace",
         summary="Return a serialized version of the value stored at the specified key.",
         complexity="O(1) to access the key and additional O(N*M) to serialize it, where N is "
         "the number of Redis objects composing the value and M their average size. For small "
         "string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
         "O(1).")
def dump_command(client: Client, argv: list[bytes]) -> Reply:
    """DUMP key: ``createDumpPayload`` of the value, null for a missing key."""
    value = client.db.lookup_read(argv[1])
    if value is None:
        return None
    return dump_payload(value, encodings(client))


@command("restore", arity=-4, flags="write denyoom", keys=(1, 1, 1), group="generic",
         since="2.6.0", acl="keyspace dangerous", written_keys=self_signalled,
         summary="Create a key using the provided serialized value, previously obtained using "
         "DUMP.",
         complexity="O(1) to create the new key and additional O(N*M) to reconstruct the "
         "serialized value, where N is the number of Redis objects composing the value and M "
         "their average size. For small string values the time complexity is thus O(1)+O(1*M) "
         "where M is small, so simply O(1). However for sorted set values the complexity is "
         "O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).")
def restore_command(client: Client, argv: list[bytes]) -> Reply:
    """RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].

    ``restoreCommand``'s order: options, BUSYKEY, the TTL, the payload's footer, the value.
    A relative TTL is propagated as an absolute one with ABSTTL; a TTL already in the past
    stores nothing (and propagates a DEL when REPLACE removed a key). IDLETIME sets OBJECT
    IDLETIME's clock; FREQ is checked and ignored (godis has no LFU policy, and Redis ignores
    it too outside one)."""
    replace = absttl = False
    idle = freq = -1
    index = 4
    argc = len(argv)
    while index < argc:
        option = argv[index].lower()
        additional = argc - index - 1
        if option == b"replace":
            replace = True
        elif option == b"absttl":
            absttl = True
        elif option == b"idletime" and additional >= 1 and freq == -1:
            idle = parse_int(argv[index + 1])
            if idle < 0:
                raise CommandError("ERR Invalid IDLETIME value, must be >= 0")
            index += 1
        elif option == b"freq" and additional >= 1 and idle == -1:
            freq = parse_int(argv[index + 1])
            if not 0 <= freq <= 255:
                raise CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            index += 1
        else:
            raise CommandError(SYNTAX)
        index += 1

    key = argv[1]
    db = client.db
    if not replace and db.get(key) is not None:
        raise CommandError(BUSYKEY)
    ttl = parse_int(argv[2])
    if ttl < 0:
        raise CommandError("ERR Invalid TTL value, must be >= 0")
    try:
        value = restore_payload(argv[3], encodings(client))
    except DumpPayloadError:
        raise CommandError(BAD_PAYLOAD) from None
    except RDBError:
        raise CommandError(BAD_DATA) from None

    keyspace = client.keyspace
    deleted = False
    if replace and db.get(key) is not None:
        unlink(db, key)
        deleted = True
    now = keyspace.now_ms()
    if ttl and not absttl:
        ttl += now
        if ttl > LONG_MAX:  # mstime() + ttl wraps in C: the key is already expired
            ttl -= 2**64
    if ttl and ttl <= now and not keyspace.loading:
        if deleted:
            client.propagate_as([b"DEL", key])
            modified(db, key)
            keyspace.notify(db.index, "g", "del", key)
            keyspace.dirty += 1
        return OK

    db.add(key, value)
    keyspace.notify(db.index, "n", "new", key)  # dbAdd
    db.access[key] = (keyspace.lru_clock_ms - idle * 1000 if idle >= 0
                      else keyspace.lru_clock_ms)
    if keyspace.lfu_enabled:  # objectSetLRUOrLFU: FREQ sets the counter, else a new object's
        db.lfu[key] = (keyspace.lfu_minutes() << 8) | (freq if freq >= 0 else LFU_INIT_VAL)
    if ttl:
        db.expires[key] = ttl
        if not absttl:
            client.propagate_as([argv[0], key, b"%d" % ttl, *argv[3:], b"ABSTTL"])
    key_added(db, key)
    keyspace.notify(db.index, "g", "restore", key)
    keyspace.dirty += 1
    return OK


command("restore-asking", arity=-4, flags="write denyoom asking", keys=(1, 1, 1),
        group="server", since="3.0.0", acl="keyspace dangerous", written_keys=self_signalled,
        summary="An internal command for migrating keys in a cluster",
        complexity="O(1) to create the new key and additional O(N*M) to reconstruct the "
        "serialized value, where N is the number of Redis objects composing the value and M "
        "their average size. For small string values the time complexity is thus O(1)+O(1*M) "
        "where M is small, so simply O(1). However for sorted set values the complexity is "
        "O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).")(restore_command)
"""RESTORE-ASKING: RESTORE for a cluster's migrations (godis has no cluster: the same)."""


# -- MIGRATE ------------------------------------------------------------------------------------

def migrate_keys(argv: list[bytes]) -> list[int]:
    """migrateGetKeys: the key argument, or everything after KEYS when it is empty."""
    if len(argv) > 6 and argv[3] == b"":
        for position in range(6, len(argv)):
            if argv[position].lower() == b"keys":
                return list(range(position + 1, len(argv)))
    return [3] if len(argv) > 3 else []




def _encode(argv: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)


@command("migrate", arity=-6, flags="write", keys=(3, 3, 1), group="generic", since="2.6.0",
         acl="keyspace dangerous", get_keys=migrate_keys, written_keys=self_signalled,
         summary="Atomically transfer a key from a Redis instance to another one.",
         complexity="This command actually executes a DUMP+DEL in the source instance, and a "
         "RESTORE in the target instance. See the pages of these commands for time complexity. "
         "Also an O(N) data transfer between the two instances is performed.")
def migrate_command(client: Client, argv: list[bytes]) -> Reply:
    """MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw]
    [KEYS key ...] (migrateCommand): RESTORE on the target over a cached connection, then
    DEL here unless COPY; logged to the AOF as that DEL. Synchronous, as in Redis."""
    copy = replace = False
    username: bytes | None = None
    password: bytes | None = None
    first_key, num_keys = 3, 1
    position = 6
    while position < len(argv):
        more = len(argv) - 1 - position
        option = argv[position].lower()
        if option == b"copy":
            copy = True
        elif option == b"replace":
            replace = True
        elif option == b"auth":
            if not more:
                raise CommandError(SYNTAX)
            position += 1
            password = argv[position]
        elif option == b"auth2":
            if more < 2:
                raise CommandError(SYNTAX)
            username, password = argv[position + 1], argv[position + 2]
            position += 2
        elif option == b"keys":
            if argv[3]:
                raise CommandError("ERR When using MIGRATE KEYS option, the key argument must "
                                   "be set to the empty string")
            first_key, num_keys = position + 1, len(argv) - position - 1
            break
        else:
            raise CommandError(SYNTAX)
        position += 1
    timeout = parse_int(argv[5])
    dbid = parse_int(argv[4])
    if timeout <= 0:
        timeout = 1000
    db = client.db
    keys = [key for key in argv[first_key:first_key + num_keys]
            if db.lookup_read(key) is not None]
    if not keys:
        return Status("NOKEY")
    outbound = client.server.outbound
    if outbound is None:
        raise CommandError("IOERR error or timeout connecting to the client")
    host, port = argv[1], argv[2]
    for attempt in (1, 2):
        try:
            connection = outbound.get(host, port, timeout)
        except OutboundError as error:
            if error.stage == "connecting":
                raise CommandError("IOERR error or timeout connecting to the client") from None
            if attempt == 1:
                continue
            raise CommandError(f"IOERR error or timeout {error.stage} to target instance"
                               ) from None
        request: list[list[bytes]] = []
        if password is not None:
            request.append([b"AUTH", *([username] if username is not None else []), password])
        select = connection.last_dbid != dbid
        if select:
            request.append([b"SELECT", b"%d" % dbid])
        sent: list[bytes] = []
        now = client.keyspace.now_ms()
        for key in keys:
            value = db.lookup_read(key)
            if value is None:
                continue
            ttl = 0
            expire_at = db.expires.get(key)
            if expire_at is not None:
                ttl = expire_at - now
                if ttl < 0:
                    continue
                ttl = max(ttl, 1)
            request.append([b"RESTORE", key, b"%d" % ttl, dump_payload(value, encodings(client)),
                            *([b"REPLACE"] if replace else [])])
            sent.append(key)
        try:
            outbound.send(connection, b"".join(map(_encode, request)), timeout)
            auth_reply = outbound.read_line(connection, timeout) if password is not None else b""
            select_reply = outbound.read_line(connection, timeout) if select else b""
        except OutboundError as error:
            outbound.close_for(host, port)
            if attempt == 1 and not error.timeout:
                continue
            raise CommandError(f"IOERR error or timeout {error.stage} to target instance"
                               ) from None
        break
    error_reply: bytes | None = None
    moved: list[bytes] = []
    socket_error: OutboundError | None = None
    for key in sent:
        try:
            reply = outbound.read_line(connection, timeout)
        except OutboundError as error:
            socket_error = error
            break
        if auth_reply[:1] == b"-" or select_reply[:1] == b"-" or reply[:1] == b"-":
            if error_reply is None:
                connection.last_dbid = -1
                error_reply = next(line for line in (auth_reply, select_reply, reply)
                                   if line[:1] == b"-")
        elif not copy:
            unlink(db, key)
            modified(db, key)
            client.keyspace.notify(db.index, "g", "del", key)
            client.keyspace.dirty += 1
            moved.append(key)
    if socket_error is not None:
        outbound.close_for(host, port)
    if moved:
        client.propagate_as([b"DEL", *moved])
    else:
        client.propagate_as()
    if error_reply is not None:
        raise CommandError("ERR Target instance replied with error: "
                           + error_reply[1:].decode("utf-8", "surrogateescape"))
    if socket_error is not None:
        raise CommandError(f"IOERR error or timeout {socket_error.stage} to target instance")
    connection.last_dbid = dbid
    return OK


# -- CLUSTER, ASKING, READONLY, READWRITE without cluster support ----------------------------------

CLUSTER_DISABLED = "ERR This instance has cluster support disabled"



def _cluster_disabled(client: Client, argv: list[bytes]) -> Reply:
    """clusterCommand & co on a server started without cluster-enabled: one error for all,
    which is how clients (and redis-cli) tell a standalone server."""
    raise CommandError(CLUSTER_DISABLED)


container("cluster", group="cluster", since="3.0.0", summary="A container for cluster commands",
          complexity="Depends on subcommand.")
# every cluster command Redis 7.0 declares (ASKING, READONLY, READWRITE, the CLUSTER
# subcommands), each refusing the same way; arity, flags, categories, docs: the declaration's
for _meta in META.values():
    if _meta.group == "cluster" and _meta.name != "cluster":
        command(_meta.name, arity=_meta.arity, flags=_meta.flags, group="cluster")(
            _cluster_disabled)
