"""DUMP and RESTORE (Redis's ``cluster.c``: ``dumpCommand``, ``restoreCommand``).

The payload is the RDB serialization of one value plus the RDB version and a CRC64
(``godis.persistence.rdb``), so a DUMP from godis restores into Redis 7.0 and the reverse.
"""

from __future__ import annotations

from godis.client import Client
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
from godis.table import Argument, KeySpec, command, container, self_signalled
from godis.util import LONG_MAX, parse_int

BUSYKEY = "BUSYKEY Target key name already exists."
BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA = "ERR Bad data format"


_RESTORE_ARGS = (
    Argument("key", "key"), Argument("ttl", "integer"), Argument("serialized-value", "string"),
    Argument("replace", "pure-token", token="REPLACE", optional=True),
    Argument("absttl", "pure-token", token="ABSTTL", optional=True),
    Argument("seconds", "integer", token="IDLETIME", optional=True),
    Argument("frequency", "integer", token="FREQ", optional=True),
)


def encodings(client: Client) -> Encodings:
    """The encoding thresholds and ``rdbcompression`` in force."""
    return Encodings.from_config(client.server.config)


@command("dump", arity=2, flags="readonly", keys=(1, 1, 1), group="generic", since="2.6.0",
         tips="nondeterministic_output",
         acl="keyspace", arguments=(Argument("key", "key"),),
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
         key_specs=(KeySpec(("OW", "update")),),
         arguments=_RESTORE_ARGS,
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
        key_specs=(KeySpec(("OW", "update")),),
        arguments=_RESTORE_ARGS,
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


_MIGRATE_ARGS = (
    Argument("host", "string"), Argument("port", "integer"), Argument("key", "key"),
    Argument("destination-db", "integer"), Argument("timeout", "integer"),
    Argument("copy", "pure-token", token="COPY", optional=True),
    Argument("replace", "pure-token", token="REPLACE", optional=True),
    Argument("password", "string", token="AUTH", optional=True),
    Argument("key", "key", token="KEYS", optional=True, multiple=True),
)


def _encode(argv: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)


@command("migrate", arity=-6, flags="write", keys=(3, 3, 1), group="generic", since="2.6.0",
         acl="keyspace dangerous", get_keys=migrate_keys, written_keys=self_signalled,
         tips="nondeterministic_output",
         key_specs=(KeySpec(("RW", "access", "delete"), index=3),
                    KeySpec(("RW", "access", "delete", "incomplete"), index=-2, keyword="KEYS",
                            lastkey=-1)),
         arguments=_MIGRATE_ARGS,
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

_CLUSTER_MODE_COMMANDS: tuple[tuple[str, int, str, str, str, str, str, str], ...] = (
    ('cluster|addslots', -3, 'admin stale no_async_loading', '', '', '3.0.0',
     'Assign new hash slots to receiving node',
     'O(N) where N is the total number of hash slot arguments'),
    ('cluster|shards', 2, 'stale', '', 'nondeterministic_output', '7.0.0',
     'Get array of cluster slots to node mappings',
     'O(N) where N is the total number of cluster nodes'),
    ('cluster|meet', -4, 'admin stale no_async_loading', '', '', '3.0.0',
     'Force a node cluster to handshake with another node',
     'O(1)'),
    ('cluster|failover', -2, 'admin stale no_async_loading', '', '', '3.0.0',
     'Forces a replica to perform a manual failover of its master.',
     'O(1)'),
    ('cluster|delslotsrange', -4, 'admin stale no_async_loading', '', '', '7.0.0',
     'Set hash slots as unbound in receiving node',
     'O(N) where N is the total number of the slots between the start slot and end slot arguments.'),
    ('cluster|links', 2, 'stale', '', 'nondeterministic_output', '7.0.0',
     'Returns a list of all TCP links to and from peer nodes in cluster',
     'O(N) where N is the total number of Cluster nodes'),
    ('cluster|reset', -2, 'admin noscript stale', '', '', '3.0.0',
     'Reset a Redis Cluster node',
     'O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.'),
    ('cluster|saveconfig', 2, 'admin stale no_async_loading', '', '', '3.0.0',
     'Forces the node to save cluster state on disk',
     'O(1)'),
    ('cluster|info', 2, 'stale', '', 'nondeterministic_output', '3.0.0',
     'Provides info about Redis Cluster node state',
     'O(1)'),
    ('cluster|bumpepoch', 2, 'admin stale no_async_loading', '', 'nondeterministic_output', '3.0.0',
     'Advance the cluster config epoch',
     'O(1)'),
    ('cluster|keyslot', 3, 'stale', '', '', '3.0.0',
     'Returns the hash slot of the specified key',
     'O(N) where N is the number of bytes in the key'),
    ('cluster|forget', 3, 'admin stale no_async_loading', '', '', '3.0.0',
     'Remove a node from the nodes table',
     'O(1)'),
    ('cluster|count-failure-reports', 3, 'admin stale', '', 'nondeterministic_output', '3.0.0',
     'Return the number of failure reports active for a given node',
     'O(N) where N is the number of failure reports'),
    ('cluster|slaves', 3, 'admin stale', '', 'nondeterministic_output', '3.0.0',
     'List replica nodes of the specified master node',
     'O(1)'),
    ('cluster|replicate', 3, 'admin stale no_async_loading', '', '', '3.0.0',
     'Reconfigure a node as a replica of the specified master node',
     'O(1)'),
    ('cluster|setslot', -4, 'admin stale no_async_loading', '', '', '3.0.0',
     'Bind a hash slot to a specific node',
     'O(1)'),
    ('cluster|slots', 2, 'stale', '', 'nondeterministic_output', '3.0.0',
     'Get array of Cluster slot to node mappings',
     'O(N) where N is the total number of Cluster nodes'),
    ('cluster|set-config-epoch', 3, 'admin stale no_async_loading', '', '', '3.0.0',
     'Set the configuration epoch in a new node',
     'O(1)'),
    ('cluster|addslotsrange', -4, 'admin stale no_async_loading', '', '', '7.0.0',
     'Assign new hash slots to receiving node',
     'O(N) where N is the total number of the slots between the start slot and end slot arguments.'),
    ('cluster|myid', 2, 'stale', '', '', '3.0.0',
     'Return the node id',
     'O(1)'),
    ('cluster|replicas', 3, 'admin stale', '', 'nondeterministic_output', '5.0.0',
     'List replica nodes of the specified master node',
     'O(1)'),
    ('cluster|flushslots', 2, 'admin stale no_async_loading', '', '', '3.0.0',
     "Delete a node's own slots information",
     'O(1)'),
    ('cluster|nodes', 2, 'stale', '', 'nondeterministic_output', '3.0.0',
     'Get Cluster config for the node',
     'O(N) where N is the total number of Cluster nodes'),
    ('cluster|delslots', -3, 'admin stale no_async_loading', '', '', '3.0.0',
     'Set hash slots as unbound in receiving node',
     'O(N) where N is the total number of hash slot arguments'),
    ('cluster|countkeysinslot', 3, 'stale', '', '', '3.0.0',
     'Return the number of local keys in the specified hash slot',
     'O(1)'),
    ('cluster|getkeysinslot', 4, 'stale', '', 'nondeterministic_output', '3.0.0',
     'Return local key names in the specified hash slot',
     'O(log(N)) where N is the number of requested keys'),
    ('cluster|help', 2, 'loading stale', '', '', '5.0.0',
     'Show helpful text about the different subcommands',
     'O(1)'),
    ('asking', 1, 'fast', 'connection', '', '3.0.0',
     'Sent by cluster clients after an -ASK redirect',
     'O(1)'),
    ('readonly', 1, 'loading stale fast', 'connection', '', '3.0.0',
     'Enables read queries for a connection to a cluster replica node',
     'O(1)'),
    ('readwrite', 1, 'loading stale fast', 'connection', '', '3.0.0',
     'Disables read queries for a connection to a cluster replica node',
     'O(1)'),
)
"""Redis 7.0's cluster commands as its COMMAND INFO / DOCS describe them: name, arity, flags,
extra ACL categories, tips, since, summary, complexity."""


def _cluster_disabled(client: Client, argv: list[bytes]) -> Reply:
    """clusterCommand & co on a server started without cluster-enabled: one error for all,
    which is how clients (and redis-cli) tell a standalone server."""
    raise CommandError(CLUSTER_DISABLED)


container("cluster", group="cluster", since="3.0.0", summary="A container for cluster commands",
          complexity="Depends on subcommand.")
for _name, _arity, _flags, _acl, _tips, _since, _summary, _complexity in _CLUSTER_MODE_COMMANDS:
    command(_name, arity=_arity, flags=_flags, group="cluster", since=_since, summary=_summary,
            complexity=_complexity, acl=_acl, tips=_tips)(_cluster_disabled)
