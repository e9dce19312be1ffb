"""DUMP and RESTORE (Redis's ``cluster.c``: ``dumpCommand``, ``restoreCommand``).

The payload is the RDB serialization of one value plus the RDB version and a CRC64
(``godis.persistence.rdb``), so a DUMP from godis restores into Redis 7.0 and the reverse.
"""

from __future__ import annotations

from godis.client import Client
from godis.commands.keys import key_added, modified, unlink
from godis.errors import SYNTAX, CommandError
from godis.keyspace.keyspace import LFU_INIT_VAL
from godis.persistence.rdb import (
    DumpPayloadError,
    Encodings,
    RDBError,
    dump_payload,
    restore_payload,
)
from godis.protocol.writer import OK, Reply
from godis.table import Argument, command, self_signalled
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

    db.data[key] = value
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
