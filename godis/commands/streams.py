"""Stream commands: XADD, XRANGE, XREAD, XGROUP, XREADGROUP, XACK, XCLAIM, XINFO ... (t_stream.c).

The value is a :class:`godis.keyspace.stream.StreamValue`. Replies, error texts and the order
of argument checks follow Redis 7.0.15's t_stream.c routine by routine (named in each
docstring). Propagation follows Redis too: XADD logs the ID it generated and the exact
result of an approximate trim (``MAXLEN = <length>``); XREADGROUP, XCLAIM and XAUTOCLAIM are
never logged themselves but as the XCLAIM ... FORCE JUSTID / XGROUP SETID / XGROUP
CREATECONSUMER commands that reproduce what they changed (streamPropagateXCLAIM & co).
As in Redis, only XADD, XDEL, XTRIM and XGROUP CREATE MKSTREAM fail a WATCH on the key (they
call signalModifiedKey); consumer group commands change the key without touching it.

Blocking XREAD / XREADGROUP return a :class:`BlockRequest` re-run by ``serve_ready_keys``
for the key that became ready, with ``$`` already resolved to the ID it stood for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from godis.blocking import BlockRequest, block_client
from godis.client import Client
from godis.commands.admin import subcommand_syntax_error
from godis.commands.server import help_lines
from godis.errors import NO_SUCH_KEY, SYNTAX, CommandError
from godis.keyspace.stream import (
    INVALID_ENTRIES_READ,
    MASK64,
    MAX_ID,
    Consumer,
    ConsumerGroup,
    Fields,
    PendingEntry,
    StreamValue,
    format_id,
    make_id,
)
from godis.protocol.reader import strict_int
from godis.protocol.writer import NULL_ARRAY, OK, ErrorReply, Map, Reply
from godis.table import command, container, self_signalled
from godis.util import parse_int

INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
STREAM_GONE = "UNBLOCKED the stream key no longer exists"
LONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
XREAD_BLOCKED_DEFAULT_COUNT = 1000
_STRTOULL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


# -- IDs ----------------------------------------------------------------------------------------


def string2ull(text: bytes) -> int | None:
    """Redis's ``string2ull``: ``string2ll`` when it can (refusing negatives), else
    ``strtoull`` over the whole string (leading blanks, a sign, leading zeros; ``-n`` wraps
    modulo 2**64 as C does)."""
    value = strict_int(text)
    if value is not None:
        return None if value < 0 else value
    match = _STRTOULL.fullmatch(text)
    if match is None:
        return None
    number = int(match.group(2))
    if number > MASK64:
        return None
    return (-number) & MASK64 if match.group(1) == b"-" else number


def _parse_id(arg: bytes, missing_seq: int, strict: bool,
              allow_star_seq: bool = False) -> tuple[int, bool] | None:
    """streamGenericParseIDOrReply: (ID, seq given) or None when invalid. The argument is a
    C string there: it ends at a NUL, and more than 127 bytes are refused."""
    if len(arg) > 127:
        return None
    text = arg.split(b"\0", 1)[0]
    if strict and text in (b"-", b"+"):
        return None
    if text == b"-":
        return 0, True
    if text == b"+":
        return MAX_ID, True
    ms_text, dash, seq_text = text.partition(b"-")
    ms = string2ull(ms_text)
    if ms is None:
        return None
    if not dash:
        return make_id(ms, missing_seq), True
    if allow_star_seq and seq_text == b"*":
        return make_id(ms, 0), False
    seq = string2ull(seq_text)
    if seq is None:
        return None
    return make_id(ms, seq), True


def parse_id(arg: bytes, missing_seq: int = 0) -> int:
    """streamParseIDOrReply: ``-`` and ``+`` allowed."""
    parsed = _parse_id(arg, missing_seq, False)
    if parsed is None:
        raise CommandError(INVALID_ID)
    return parsed[0]


def parse_strict_id(arg: bytes, missing_seq: int = 0) -> int:
    """streamParseStrictIDOrReply: ``-`` and ``+`` refused."""
    parsed = _parse_id(arg, missing_seq, True)
    if parsed is None:
        raise CommandError(INVALID_ID)
    return parsed[0]


def parse_interval_start(arg: bytes) -> int:
    """A range start: incomplete IDs get seq 0, ``(`` excludes (streamParseIntervalIDOrReply
    then streamIncrID)."""
    if len(arg) > 1 and arg[0] == 40:  # '('
        stream_id = parse_strict_id(arg[1:], 0)
        if stream_id == MAX_ID:
            raise CommandError("ERR invalid start ID for the interval")
        return stream_id + 1
    return parse_id(arg, 0)


def parse_interval_end(arg: bytes) -> int:
    """A range end: incomplete IDs get the maximum seq, ``(`` excludes."""
    if len(arg) > 1 and arg[0] == 40:
        stream_id = parse_strict_id(arg[1:], MASK64)
        if stream_id == 0:
            raise CommandError("ERR invalid end ID for the interval")
        return stream_id - 1
    return parse_id(arg, MASK64)


def _text(arg: bytes) -> str:
    """An argument inside an error message (C's %s: up to a NUL)."""
    return arg.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


# -- replies ----------------------------------------------------------------------------------


def entry_reply(stream_id: int, fields: Fields) -> list[Reply]:
    return [format_id(stream_id), fields]


def _range_reply(stream: StreamValue, start: int, end: int, count: int,
                 reverse: bool = False) -> list[Reply]:
    entries = stream.range(start, end, reverse)
    if count:
        entries = islice(entries, count)
    return [[format_id(stream_id), fields] for stream_id, fields in entries]


def _keyed(client: Client, pairs: list[tuple[bytes, Reply]]) -> Reply:
    """XREAD's outer reply: [[key, entries], ...] in RESP2, a map in RESP3."""
    if client.resp == 2:
        return [[key, entries] for key, entries in pairs]
    return Map(pairs)


# -- propagation --------------------------------------------------------------------------------


def _also_propagate(client: Client, argv: list[bytes]) -> None:
    """Redis's alsoPropagate: log ``argv`` (the command itself is not logged)."""
    client.propagate_as(argv)


def _prevent_propagation(client: Client) -> None:
    """preventCommandPropagation: only what was also-propagated is logged."""
    if client.propagate_override is None:
        client.propagate_override = []


def _propagate_xclaim(client: Client, key: bytes, group: ConsumerGroup, group_name: bytes,
                      id_arg: bytes, nack: PendingEntry) -> None:
    """streamPropagateXCLAIM: an idempotent XCLAIM that recreates ``nack``."""
    assert nack.consumer is not None
    _also_propagate(client, [
        b"XCLAIM", key, group_name, nack.consumer.name, b"0", id_arg, b"TIME",
        b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE",
        b"JUSTID", b"LASTID", format_id(group.last_id)])


def _propagate_group_id(client: Client, key: bytes, group: ConsumerGroup,
                        group_name: bytes) -> None:
    """streamPropagateGroupID: XGROUP SETID ... ENTRIESREAD."""
    _also_propagate(client, [b"XGROUP", b"SETID", key, group_name, format_id(group.last_id),
                             b"ENTRIESREAD", b"%d" % group.entries_read])


def _propagate_consumer_creation(client: Client, key: bytes, group_name: bytes,
                                 name: bytes) -> None:
    """streamPropagateConsumerCreation: XGROUP CREATECONSUMER."""
    _also_propagate(client, [b"XGROUP", b"CREATECONSUMER", key, group_name, name])


# -- consumers ----------------------------------------------------------------------------------


def _notify(client: Client, event: str, key: bytes) -> None:
    client.keyspace.notify(client.db.index, "t", event, key)


def lookup_consumer(client: Client, group: ConsumerGroup, name: bytes,
                    refresh: bool = True) -> Consumer | None:
    """streamLookupConsumer: the seen time is refreshed unless ``refresh`` is False."""
    consumer = group.consumers.get(name)
    if consumer is not None and refresh:
        consumer.seen_time = client.keyspace.now_ms()
    return consumer


def create_consumer(client: Client, group: ConsumerGroup, name: bytes, key: bytes,
                    db_index: int) -> Consumer | None:
    """streamCreateConsumer (SCC_DEFAULT): dirty++ and ``xgroup-createconsumer``."""
    consumer = group.create_consumer(name, client.keyspace.now_ms())
    if consumer is not None:
        client.keyspace.dirty += 1
        client.keyspace.notify(db_index, "t", "xgroup-createconsumer", key)
    return consumer


def _consumer_for(client: Client, group: ConsumerGroup, name: bytes, key: bytes) -> Consumer:
    consumer = lookup_consumer(client, group, name)
    if consumer is None:
        consumer = create_consumer(client, group, name, key, client.db.index)
        assert consumer is not None
    return consumer


def _group_or_error(stream: StreamValue | None, key: bytes, group_name: bytes) -> ConsumerGroup:
    group = stream.groups.get(group_name) if stream is not None else None
    if group is None:
        raise CommandError(f"NOGROUP No such key '{_text(key)}' or consumer group "
                           f"'{_text(group_name)}'")
    return group


# -- COMMAND DOCS arguments (Redis 7.0.15's src/commands/x*.json) ----------------------------























# -- XADD XTRIM ---------------------------------------------------------------------------------


class _TrimArgs:
    """streamAddTrimArgs."""

    __slots__ = ("approx", "arg_index", "id", "id_given", "limit", "maxlen", "minid",
                 "no_mkstream", "seq_given", "strategy")

    def __init__(self) -> None:
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.no_mkstream = False
        self.strategy = ""  # "", "maxlen" or "minid"
        self.arg_index = 0
        self.approx = False
        self.limit = 0
        self.maxlen = 0
        self.minid = 0


_MUTUAL = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
_AUTO_ID = _TrimArgs()  # XADD key * ...: what the parser would return (never modified)


def _parse_add_trim(client: Client, argv: list[bytes], xadd: bool) -> tuple[_TrimArgs, int]:
    """streamParseAddOrTrimArgsOrReply: the options and the position of XADD's ID."""
    args = _TrimArgs()
    argc = len(argv)
    limit_given = False
    i = 2
    while i < argc:
        more = argc - 1 - i
        opt = argv[i]
        lowered = opt.lower()
        if xadd and opt == b"*":
            break
        if lowered in (b"maxlen", b"minid") and more:
            if args.strategy:
                raise CommandError(_MUTUAL)
            args.approx = False
            following = argv[i + 1]
            if more >= 2 and following == b"~":
                args.approx = True
                i += 1
            elif more >= 2 and following == b"=":
                i += 1
            if lowered == b"maxlen":
                args.maxlen = parse_int(argv[i + 1])
                if args.maxlen < 0:
                    raise CommandError("ERR The MAXLEN argument must be >= 0.")
            else:
                args.minid = parse_strict_id(argv[i + 1])
            i += 1
            args.strategy = lowered.decode()
            args.arg_index = i
        elif lowered == b"limit" and more:
            args.limit = parse_int(argv[i + 1])
            if args.limit < 0:
                raise CommandError("ERR The LIMIT argument must be >= 0.")
            limit_given = True
            i += 1
        elif xadd and lowered == b"nomkstream":
            args.no_mkstream = True
        elif xadd:
            parsed = _parse_id(opt, 0, True, allow_star_seq=True)
            if parsed is None:
                raise CommandError(INVALID_ID)
            args.id, args.seq_given = parsed
            args.id_given = True
            break
        else:
            raise CommandError(SYNTAX)
        i += 1
    if args.limit and not args.strategy:
        raise CommandError("ERR syntax error, LIMIT cannot be used without specifying a "
                           "trimming strategy")
    if not xadd and not args.strategy:
        raise CommandError("ERR syntax error, XTRIM must be called with a trimming strategy")
    if client.keyspace.loading:
        args.limit = 0  # mustObeyClient: the logged trim is already exact
    elif limit_given:
        if not args.approx:
            raise CommandError("ERR syntax error, LIMIT cannot be used without the special ~ "
                               "option")
    elif args.approx:
        limit = 100 * int(client.server.config["stream-node-max-entries"])
        args.limit = 10000 if limit <= 0 else min(limit, 1_000_000)
    else:
        args.limit = 0
    return args, i


def _trim(stream: StreamValue, args: _TrimArgs) -> int:
    if args.strategy == "maxlen":
        return stream.trim(args.maxlen, None, args.approx, args.limit)
    return stream.trim(None, args.minid, args.approx, args.limit)


def _rewrite_trim(stream: StreamValue, args: _TrimArgs, argv: list[bytes]) -> None:
    """streamRewriteApproxSpecifier + streamRewriteTrimArgument: ``~ n`` is logged as
    ``= <resulting length>`` (or ``= <first ID>``) so a replay trims the same entries."""
    argv[args.arg_index - 1] = b"="
    if args.strategy == "maxlen":
        argv[args.arg_index] = b"%d" % stream.length
    else:
        argv[args.arg_index] = format_id(stream.first_stored_id())


def _node_limits(client: Client) -> tuple[int, int]:
    """stream-node-max-bytes and -entries (read on every XADD: straight from the values)."""
    values = client.server.config._values
    return int(values["stream-node-max-bytes"]), int(values["stream-node-max-entries"])


@command("xadd",
         arity=-5, flags="write denyoom fast", keys=(1, 1, 1), group="stream",
         since="5.0.0", summary="Appends a new entry to a stream",
         complexity="O(1) when adding a new entry, O(N) when trimming where N being the number "
                    "of entries evicted.")
def xadd_command(client: Client, argv: list[bytes]) -> Reply:
    """XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
    [field value ...] (xaddCommand)."""
    if argv[2] == b"*":  # the common case: no options to parse
        args, id_pos = _AUTO_ID, 2
    else:
        args, id_pos = _parse_add_trim(client, argv, True)
    field_pos = id_pos + 1
    nfields = len(argv) - field_pos
    if nfields < 2 or nfields % 2:
        raise CommandError("ERR wrong number of arguments for 'xadd' command")
    if args.id_given and args.seq_given and args.id == 0:
        raise CommandError("ERR The ID specified in XADD must be greater than 0-0")
    db = client.db
    key = argv[1]
    stream = db.get_typed_write(key, StreamValue)
    if stream is None:
        if args.no_mkstream:
            return None
        stream = db.get_or_create(key, StreamValue)
    last = stream.last_id
    if last == MAX_ID:
        raise CommandError("ERR The stream has exhausted the last possible ID, unable to add "
                           "more items")
    if args.id_given:
        if args.seq_given:
            new_id = args.id
        elif last >> 64 == args.id >> 64:
            if last & MASK64 == MASK64:
                raise CommandError("ERR Elements are too large to be stored")
            new_id = last + 1
        else:
            new_id = args.id
    else:
        now = client.keyspace.now_ms()
        new_id = make_id(now, 0) if now > last >> 64 else last + 1
    if new_id <= last:
        raise CommandError("ERR The ID specified in XADD is equal or smaller than the target "
                           "stream top item")
    fields = tuple(argv[field_pos:])
    if sum(map(len, fields)) > 2**30:
        raise CommandError("ERR Elements are too large to be stored")
    stream.append(new_id, fields, *_node_limits(client))
    reply = format_id(new_id)
    _notify(client, "xadd", key)
    client.keyspace.dirty += 1
    propagated = argv
    if args.strategy:
        if _trim(stream, args):
            _notify(client, "xtrim", key)
        if args.approx:
            propagated = list(argv)
            _rewrite_trim(stream, args, propagated)
    if not args.id_given or not args.seq_given:
        if propagated is argv:
            propagated = list(argv)
        propagated[id_pos] = reply
    if propagated is not argv:
        client.propagate_as(propagated)
    return reply


@command("xtrim",
         arity=-4, flags="write", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Trims the stream to (approximately if '~' is passed) a certain size",
         complexity="O(N), with N being the number of evicted entries. Constant times are "
                    "very small however, since entries are organized in macro nodes containing "
                    "multiple entries that can be released with a single deallocation.")
def xtrim_command(client: Client, argv: list[bytes]) -> Reply:
    """XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] (xtrimCommand)."""
    args, _ = _parse_add_trim(client, argv, False)
    stream = client.db.get_typed_write(argv[1], StreamValue)
    if stream is None:
        return 0
    deleted = _trim(stream, args)
    if deleted:
        _notify(client, "xtrim", argv[1])
        if args.approx:
            propagated = list(argv)
            _rewrite_trim(stream, args, propagated)
            client.propagate_as(propagated)
        client.keyspace.dirty += deleted
    return deleted


# -- XRANGE XREVRANGE XLEN XDEL -------------------------------------------------------------


def _xrange(client: Client, argv: list[bytes], reverse: bool) -> Reply:
    """xrangeGenericCommand."""
    start_arg, end_arg = (argv[3], argv[2]) if reverse else (argv[2], argv[3])
    start = parse_interval_start(start_arg)
    end = parse_interval_end(end_arg)
    count = -1
    index = 4
    while index < len(argv):
        if argv[index].lower() == b"count" and index + 1 < len(argv):
            count = max(parse_int(argv[index + 1]), 0)
            index += 2
        else:
            raise CommandError(SYNTAX)
    stream = client.db.get_typed(argv[1], StreamValue)
    if stream is None:
        return []
    if count == 0:
        return NULL_ARRAY
    return _range_reply(stream, start, end, max(count, 0), reverse)


@command("xrange",
         arity=-4, flags="readonly", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Return a range of elements in a stream, with IDs matching the specified IDs "
                 "interval",
         complexity="O(N) with N being the number of elements being returned. If N is "
                    "constant (e.g. always asking for the first 10 elements with COUNT), you "
                    "can consider it O(1).")
def xrange_command(client: Client, argv: list[bytes]) -> Reply:
    """XRANGE key start end [COUNT count]."""
    return _xrange(client, argv, False)


@command("xrevrange",
         arity=-4, flags="readonly", keys=(1, 1, 1), group="stream",
         since="5.0.0",
         summary="Return a range of elements in a stream, with IDs matching the specified IDs "
                 "interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
         complexity="O(N) with N being the number of elements returned. If N is constant "
                    "(e.g. always asking for the first 10 elements with COUNT), you can "
                    "consider it O(1).")
def xrevrange_command(client: Client, argv: list[bytes]) -> Reply:
    """XREVRANGE key end start [COUNT count]."""
    return _xrange(client, argv, True)


@command("xlen",
         arity=2, flags="readonly fast", keys=(1, 1, 1), group="stream",
         since="5.0.0", summary="Return the number of entries in a stream", complexity="O(1)")
def xlen_command(client: Client, argv: list[bytes]) -> Reply:
    """XLEN key."""
    stream = client.db.get_typed(argv[1], StreamValue)
    return 0 if stream is None else stream.length


@command("xdel",
         arity=-3, flags="write fast", keys=(1, 1, 1), group="stream", since="5.0.0",
         summary="Removes the specified entries from the stream. Returns the number of items "
                 "actually deleted, that may be different from the number of IDs passed in "
                 "case certain IDs do not exist.",
         complexity="O(1) for each single item to delete in the stream, regardless of the "
                    "stream size.")
def xdel_command(client: Client, argv: list[bytes]) -> Reply:
    """XDEL key id [id ...] (xdelCommand): every ID is checked before any is deleted."""
    stream = client.db.get_typed_write(argv[1], StreamValue)
    if stream is None:
        return 0
    ids = [parse_strict_id(arg) for arg in argv[2:]]
    deleted = [stream_id for stream_id in ids if stream.delete(stream_id)]
    if deleted:
        stream.after_xdel(deleted)
        _notify(client, "xdel", argv[1])
        client.keyspace.dirty += len(deleted)
    return len(deleted)


# -- XREAD XREADGROUP ---------------------------------------------------------------------------


def _serve_group(client: Client, key: bytes, stream: StreamValue, group: ConsumerGroup,
                 group_name: bytes, consumer: Consumer, start: int, count: int,
                 noack: bool) -> list[Reply]:
    """streamReplyWithRange with a group: deliver new entries from ``start``, moving the
    group's last ID and read counter, creating pending entries (unless NOACK), each
    propagated as an XCLAIM; with NOACK the new last ID as XGROUP SETID."""
    now = client.keyspace.now_ms()
    out: list[Reply] = []
    propagate_last_id = False
    entries: Iterable[tuple[int, Fields]] = stream.range(start)
    if count:
        entries = islice(entries, count)
    group_pel = group.pel
    consumer_pel = consumer.pel
    claims: list[list[bytes]] = []
    time_arg = b"%d" % now
    for stream_id, fields in list(entries):
        advanced = stream.advance_group(group, stream_id)
        id_arg = format_id(stream_id)
        out.append([id_arg, fields])
        if noack:
            propagate_last_id = propagate_last_id or advanced
            continue
        nack = group_pel.get(stream_id)
        if nack is None:
            nack = PendingEntry(consumer, now)
            group_pel[stream_id] = nack
            consumer_pel[stream_id] = nack
        else:
            group.assign(stream_id, nack, consumer)
            nack.delivery_time = now
            nack.delivery_count = 1
        # streamPropagateXCLAIM, built inline: this runs for every entry delivered
        claims.append([b"XCLAIM", key, group_name, consumer.name, b"0", id_arg, b"TIME",
                       time_arg, b"RETRYCOUNT", b"1", b"FORCE", b"JUSTID", b"LASTID",
                       id_arg if group.last_id == stream_id else format_id(group.last_id)])
    if claims:
        client.propagate_as(*claims)
    if propagate_last_id:
        _propagate_group_id(client, key, group, group_name)
    return out


def _serve_history(client: Client, stream: StreamValue, consumer: Consumer, start: int,
                   count: int) -> list[Reply]:
    """streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from
    ``start``; an entry deleted since is ``[id, nil]``."""
    now = client.keyspace.now_ms()
    out: list[Reply] = []
    for stream_id in consumer.pel.irange(minimum=start):
        if count and len(out) >= count:
            break
        fields = stream.get(stream_id)
        if fields is None:
            out.append([format_id(stream_id), NULL_ARRAY])
        else:
            nack = consumer.pel[stream_id]
            nack.delivery_time = now
            nack.delivery_count += 1
            out.append([format_id(stream_id), fields])
    return out


def _xread(client: Client, argv: list[bytes], xreadgroup: bool) -> Reply | BlockRequest:
    """xreadCommand (XREAD and XREADGROUP)."""
    timeout = -1
    count = 0
    streams_arg = 0
    group_name: bytes | None = None
    consumer_name = b""
    noack = False
    argc = len(argv)
    i = 1
    while i < argc:
        more = argc - i - 1
        opt = argv[i].lower()
        if opt == b"block" and more:
            if client is client.server.scripting.client:
                # refused outright from scripts (not just non-blocking, as in MULTI)
                raise CommandError(f"ERR {_text(argv[0])} command is not allowed with BLOCK "
                                   "option from scripts")
            i += 1
            timeout = parse_int(argv[i], "ERR timeout is not an integer or out of range")
            if timeout < 0:
                raise CommandError("ERR timeout is negative")
        elif opt == b"count" and more:
            i += 1
            count = max(parse_int(argv[i]), 0)
        elif opt == b"streams" and more:
            streams_arg = i + 1
            if (argc - streams_arg) % 2:
                raise CommandError("ERR Unbalanced XREAD list of streams: for each stream key "
                                   "an ID or '$' must be specified.")
            break
        elif opt == b"group" and more >= 2:
            if not xreadgroup:
                raise CommandError("ERR The GROUP option is only supported by XREADGROUP. You "
                                   "called XREAD instead.")
            group_name = argv[i + 1]
            consumer_name = argv[i + 2]
            i += 2
        elif opt == b"noack":
            if not xreadgroup:
                raise CommandError("ERR The NOACK option is only supported by XREADGROUP. You "
                                   "called XREAD instead.")
            noack = True
        else:
            raise CommandError(SYNTAX)
        i += 1
    if not streams_arg:
        raise CommandError(SYNTAX)
    if xreadgroup and group_name is None:
        raise CommandError("ERR Missing GROUP option for XREADGROUP")
    nstreams = (argc - streams_arg) // 2
    keys = argv[streams_arg:streams_arg + nstreams]
    db = client.db
    ids: list[int] = []
    groups: list[ConsumerGroup] = []
    resolved = list(argv)  # "$" replaced by the ID it means now, for a blocked re-run
    for index, key in enumerate(keys):
        stream = db.get_typed(key, StreamValue)
        arg = argv[streams_arg + nstreams + index]
        if group_name is not None:
            group = stream.groups.get(group_name) if stream is not None else None
            if group is None and _rerunning(client):
                # a blocked XREADGROUP served after its key or group went away
                if stream is None:
                    raise CommandError(STREAM_GONE)
                raise CommandError("NOGROUP the consumer group this client was blocked on no "
                                   "longer exists")
            if group is None:
                raise CommandError(f"NOGROUP No such key '{_text(key)}' or consumer group "
                                   f"'{_text(group_name)}' in XREADGROUP with GROUP option")
            groups.append(group)
        if arg == b"$":
            if xreadgroup:
                raise CommandError("ERR The $ ID is meaningless in the context of XREADGROUP: "
                                   "you want to read the history of this consumer by "
                                   "specifying a proper ID, or use the > ID to get new "
                                   "messages. The $ ID would just return an empty result set.")
            ids.append(stream.last_id if stream is not None else 0)
            resolved[streams_arg + nstreams + index] = format_id(ids[-1])
            continue
        if arg == b">":
            if not xreadgroup:
                raise CommandError("ERR The > ID can be specified only when calling XREADGROUP "
                                   "using the GROUP <group> <consumer> option.")
            ids.append(MAX_ID)
            continue
        ids.append(parse_strict_id(arg))
    _prevent_propagation(client)
    pairs: list[tuple[bytes, Reply]] = []
    for index, key in enumerate(keys):
        stream = db.get_typed(key, StreamValue)
        if stream is None:
            continue
        after = ids[index]
        serve = history = False
        if groups:
            if after != MAX_ID:
                serve = history = True
            elif stream.length and stream.last_valid_id() > groups[index].last_id:
                serve = True
                after = groups[index].last_id
        elif stream.length and stream.last_valid_id() > after:
            serve = True
        if not serve:
            continue
        start = after + 1 if after != MAX_ID else 0
        if groups:
            assert group_name is not None
            group = groups[index]
            consumer = lookup_consumer(client, group, consumer_name)
            if consumer is None:
                consumer = create_consumer(client, group, consumer_name, key, db.index)
                assert consumer is not None
                if noack:
                    _propagate_consumer_creation(client, key, group_name, consumer_name)
            if history:
                entries = _serve_history(client, stream, consumer, start, count)
            else:
                entries = _serve_group(client, key, stream, group, group_name, consumer, start,
                                       count, noack)
            client.keyspace.dirty += 1
        else:
            entries = _range_reply(stream, start, MAX_ID, count)
        pairs.append((key, entries))
    if pairs:
        return _keyed(client, pairs)
    if timeout == -1:
        return NULL_ARRAY
    return _block(client, resolved, keys, streams_arg, nstreams, timeout, count,
                  group_name is not None)


def _rerunning(client: Client) -> bool:
    """Whether ``serve_ready_keys`` is re-running this client's blocked command."""
    rerunning = client.server.blocked.rerunning
    return bool(rerunning) and rerunning[-1] is client


def _block(client: Client, resolved: list[bytes], keys: list[bytes], streams_arg: int,
           nstreams: int, timeout_ms: int, count: int,
           xreadgroup: bool) -> Reply | BlockRequest:
    """blockForKeys(BLOCKED_STREAM): wait for one of ``keys``; when it is ready the command
    is re-run for that key alone (Redis serves the key that became ready), with COUNT 1000
    unless one was given (XREAD_BLOCKED_DEFAULT_COUNT)."""
    head = resolved[:streams_arg - 1]

    def argv_for_key(key: bytes) -> list[bytes]:
        index = keys.index(key)
        stream_id = resolved[streams_arg + nstreams + index]
        return [*head, b"COUNT", b"%d" % (count or XREAD_BLOCKED_DEFAULT_COUNT), b"STREAMS", key,
                stream_id]

    request = BlockRequest(list(keys), timeout_ms / 1000, NULL_ARRAY, resolved,
                           value_type=StreamValue, argv_for_key=argv_for_key,
                           gone_reply=ErrorReply(STREAM_GONE) if xreadgroup else None,
                           rerun_if_empty=xreadgroup)
    return block_client(client, request, NULL_ARRAY)


def _xread_keys(argv: list[bytes]) -> list[int]:
    """The keys of XREAD / XREADGROUP: the first half of what follows STREAMS."""
    for index in range(1, len(argv)):
        if argv[index].lower() == b"streams":
            rest = len(argv) - index - 1
            return list(range(index + 1, index + 1 + rest // 2))
    return []


@command("xread",
         arity=-4, flags="readonly blocking", keys=(0, 0, 0), group="stream",
         since="5.0.0", get_keys=_xread_keys,
         summary="Return never seen elements in multiple streams, with IDs greater than the "
                 "ones reported by the caller for each stream. Can block.",
         complexity="For each stream mentioned: O(N) with N being the number of elements being "
                    "returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that "
                    "when the BLOCK option is used, XADD will pay O(M) time in order to serve "
                    "the M clients blocked on the stream getting new data.")
def xread_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]."""
    return _xread(client, argv, False)


@command("xreadgroup",
         arity=-7, flags="write blocking", keys=(0, 0, 0), group="stream", written_keys=self_signalled,
         since="5.0.0", get_keys=_xread_keys,
         summary="Return new entries from a stream using a consumer group, or access the "
                 "history of the pending entries for a given consumer. Can block.",
         complexity="For each stream mentioned: O(M) with M being the number of elements "
                    "returned. If M is constant (e.g. always asking for the first 10 elements "
                    "with COUNT), you can consider it O(1). On the other side when XREADGROUP "
                    "blocks, XADD will pay the O(N) time in order to serve the N clients "
                    "blocked on the stream getting new data.")
def xreadgroup_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS
    key [key ...] id [id ...]."""
    return _xread(client, argv, True)


# -- XGROUP -------------------------------------------------------------------------------------

container("xgroup", group="stream", summary="A container for consumer groups commands",
          since="5.0.0", complexity="Depends on subcommand.")

_XGROUP_HELP = [
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
]


def _xgroup_prelude(client: Client, argv: list[bytes]) -> tuple[StreamValue | None,
                                                                ConsumerGroup | None,
                                                                bool, int]:
    """The common part of xgroupCommand: options of CREATE / SETID, the key (it must exist
    unless MKSTREAM) and, for SETID / CREATECONSUMER / DELCONSUMER, the group."""
    sub = argv[1].lower()
    create = sub == b"create"
    setid = sub == b"setid"
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    i = 5
    while i < len(argv):
        opt = argv[i].lower()
        if create and opt == b"mkstream":
            mkstream = True
            i += 1
        elif (create or setid) and opt == b"entriesread" and i + 1 < len(argv):
            entries_read = parse_int(argv[i + 1])
            if entries_read < 0 and entries_read != INVALID_ENTRIES_READ:
                raise CommandError("ERR value for ENTRIESREAD must be positive or -1")
            i += 2
        else:
            raise subcommand_syntax_error("XGROUP", argv)
    stream = client.db.get_typed_write(argv[2], StreamValue)
    group = None
    if not mkstream:
        if stream is None:
            raise CommandError("ERR The XGROUP subcommand requires the key to exist. Note that "
                               "for CREATE you may want to use the MKSTREAM option to create "
                               "an empty stream automatically.")
        group = stream.groups.get(argv[3])
        if group is None and sub in (b"setid", b"createconsumer", b"delconsumer"):
            raise CommandError(f"NOGROUP No such consumer group '{_text(argv[3])}' for key "
                               f"name '{_text(argv[2])}'")
    elif stream is not None:
        group = stream.groups.get(argv[3])
    return stream, group, mkstream, entries_read


@command("xgroup|create",
         arity=-5, flags="write denyoom", keys=(2, 2, 1), group="stream", written_keys=self_signalled,
         since="5.0.0", summary="Create a consumer group.", complexity="O(1)")
def xgroup_create_command(client: Client, argv: list[bytes]) -> Reply:
    """XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]."""
    stream, _, _, entries_read = _xgroup_prelude(client, argv)
    if len(argv) > 8:
        raise subcommand_syntax_error("XGROUP", argv)
    if argv[4] == b"$":
        last_id = stream.last_id if stream is not None else 0
    else:
        last_id = parse_strict_id(argv[4])
    key = argv[2]
    if stream is None:
        stream = StreamValue()
        client.db.set(key, stream)
        client.db.touch(key)  # signalModifiedKey: only the created key fails a WATCH
    if argv[3] in stream.groups:
        raise CommandError("BUSYGROUP Consumer Group name already exists")
    stream.groups[argv[3]] = ConsumerGroup(last_id, entries_read)
    client.keyspace.dirty += 1
    _notify(client, "xgroup-create", key)
    return OK


@command("xgroup|setid",
         arity=-5, flags="write", keys=(2, 2, 1), group="stream", written_keys=self_signalled,
         since="5.0.0", summary="Set a consumer group to an arbitrary last delivered ID value.",
         complexity="O(1)")
def xgroup_setid_command(client: Client, argv: list[bytes]) -> Reply:
    """XGROUP SETID key group id|$ [ENTRIESREAD n]."""
    stream, group, _, entries_read = _xgroup_prelude(client, argv)
    if len(argv) not in (5, 7):
        raise subcommand_syntax_error("XGROUP", argv)
    assert stream is not None
    assert group is not None
    group.last_id = stream.last_id if argv[4] == b"$" else parse_id(argv[4])
    group.entries_read = entries_read
    client.keyspace.dirty += 1
    _notify(client, "xgroup-setid", argv[2])
    return OK


@command("xgroup|destroy",
         arity=4, flags="write", keys=(2, 2, 1), group="stream", written_keys=self_signalled,
         since="5.0.0", summary="Destroy a consumer group.",
         complexity="O(N) where N is the number of entries in the group's pending entries "
                    "list (PEL).")
def xgroup_destroy_command(client: Client, argv: list[bytes]) -> Reply:
    """XGROUP DESTROY key group: 1 if it existed. Clients blocked on it get NOGROUP."""
    stream, group, _, _ = _xgroup_prelude(client, argv)
    if group is None or stream is None:
        return 0
    del stream.groups[argv[3]]
    client.keyspace.dirty += 1
    _notify(client, "xgroup-destroy", argv[2])
    # blocked XREADGROUP clients of the group get NOGROUP (no WATCH is failed, as in Redis)
    client.keyspace.signal_key_as_ready(client.db.index, argv[2])
    return 1


@command("xgroup|createconsumer",
         arity=5, flags="write denyoom", keys=(2, 2, 1),
         group="stream", written_keys=self_signalled, since="6.2.0",
         summary="Create a consumer in a consumer group.", complexity="O(1)")
def xgroup_createconsumer_command(client: Client, argv: list[bytes]) -> Reply:
    """XGROUP CREATECONSUMER key group consumer: 1 if created."""
    _, group, _, _ = _xgroup_prelude(client, argv)
    assert group is not None
    created = create_consumer(client, group, argv[4], argv[2], client.db.index)
    return 1 if created is not None else 0


@command("xgroup|delconsumer",
         arity=5, flags="write", keys=(2, 2, 1), group="stream", written_keys=self_signalled,
         since="5.0.0", summary="Delete a consumer from a consumer group.", complexity="O(1)")
def xgroup_delconsumer_command(client: Client, argv: list[bytes]) -> Reply:
    """XGROUP DELCONSUMER key group consumer: how many pending entries it had."""
    _, group, _, _ = _xgroup_prelude(client, argv)
    assert group is not None
    consumer = lookup_consumer(client, group, argv[4], refresh=False)
    if consumer is None:
        return 0
    pending = group.delete_consumer(consumer)
    client.keyspace.dirty += 1
    _notify(client, "xgroup-delconsumer", argv[2])
    return pending


@command("xgroup|help", arity=2, flags="loading stale", group="stream", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def xgroup_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("XGROUP", _XGROUP_HELP)


# -- XSETID XACK XPENDING -----------------------------------------------------------------------


@command("xsetid",
         arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="stream", written_keys=self_signalled,
         since="5.0.0", summary="An internal command for replicating stream values",
         complexity="O(1)")
def xsetid_command(client: Client, argv: list[bytes]) -> Reply:
    """XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] (xsetidCommand)."""
    last_id = parse_strict_id(argv[2])
    entries_added = -1
    max_deleted = 0
    i = 3
    while i < len(argv):
        more = len(argv) - 1 - i
        opt = argv[i].lower()
        if opt == b"entriesadded" and more:
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                raise CommandError("ERR entries_added must be positive")
            i += 2
        elif opt == b"maxdeletedid" and more:
            max_deleted = parse_strict_id(argv[i + 1])
            if last_id < max_deleted:
                raise CommandError("ERR The ID specified in XSETID is smaller than the "
                                   "provided max_deleted_entry_id")
            i += 2
        else:
            raise CommandError(SYNTAX)
    stream = client.db.get_typed_write(argv[1], StreamValue)
    if stream is None:
        raise CommandError(NO_SUCH_KEY)
    if stream.length:
        if last_id < stream.last_valid_id():
            raise CommandError("ERR The ID specified in XSETID is smaller than the target "
                               "stream top item")
        if entries_added != -1 and stream.length > entries_added:
            raise CommandError("ERR The entries_added specified in XSETID is smaller than the "
                               "target stream length")
    stream.last_id = last_id
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted:
        stream.max_deleted_id = max_deleted
    client.keyspace.dirty += 1
    _notify(client, "xsetid", argv[1])
    return OK


@command("xack",
         arity=-4, flags="write fast", keys=(1, 1, 1), group="stream", written_keys=self_signalled, since="5.0.0",
         summary="Marks a pending message as correctly processed, effectively removing it from "
                 "the pending entries list of the consumer group. Return value of the command "
                 "is the number of messages successfully acknowledged, that is, the IDs we "
                 "were actually able to resolve in the PEL.",
         complexity="O(1) for each message ID processed.")
def xack_command(client: Client, argv: list[bytes]) -> Reply:
    """XACK key group id [id ...] (xackCommand): all IDs are checked first."""
    stream = client.db.get_typed(argv[1], StreamValue)
    group = stream.groups.get(argv[2]) if stream is not None else None
    if group is None:
        return 0
    ids = [parse_strict_id(arg) for arg in argv[3:]]
    acknowledged = 0
    for stream_id in ids:
        if group.ack(stream_id):
            acknowledged += 1
    client.keyspace.dirty += acknowledged
    return acknowledged


@command("xpending",
         arity=-3, flags="readonly", keys=(1, 1, 1), group="stream",
         since="5.0.0",
         summary="Return information and entries from a stream consumer group pending entries "
                 "list, that are messages fetched but never acknowledged.",
         complexity="O(N) with N being the number of elements returned, so asking for a small "
                    "fixed number of entries per call is O(1). O(M), where M is the total "
                    "number of entries scanned when used with the IDLE filter. When the command "
                    "returns just the summary and the list of consumers is small, it runs in "
                    "O(1) time; otherwise, an additional O(N) time for iterating every "
                    "consumer.")
def xpending_command(client: Client, argv: list[bytes]) -> Reply:
    """XPENDING key group [[IDLE min-idle-time] start end count [consumer]]."""
    argc = len(argv)
    if argc != 3 and not 6 <= argc <= 9:
        raise CommandError(SYNTAX)
    min_idle = 0
    consumer_name: bytes | None = None
    start = end = count = 0
    if argc >= 6:
        start_index = 3
        if argv[3].lower() == b"idle":
            min_idle = parse_int(argv[4])
            if argc < 8:
                raise CommandError(SYNTAX)
            start_index += 2
        count = max(parse_int(argv[start_index + 2]), 0)
        start = parse_interval_start(argv[start_index])
        end = parse_interval_end(argv[start_index + 1])
        if start_index + 3 < argc:
            consumer_name = argv[start_index + 3]
    stream = client.db.get_typed(argv[1], StreamValue)
    group = _group_or_error(stream, argv[1], argv[2])
    if argc == 3:
        if not group.pel:
            return [0, None, None, NULL_ARRAY]
        owners = [[consumer.name, b"%d" % len(consumer.pel)]
                  for consumer in group.sorted_consumers() if consumer.pel]
        first, last = group.pel.first_id(), group.pel.last_id()
        assert first is not None
        assert last is not None
        return [len(group.pel), format_id(first), format_id(last), owners]
    pel = group.pel
    if consumer_name is not None:
        consumer = lookup_consumer(client, group, consumer_name, refresh=False)
        if consumer is None:
            return []
        pel = consumer.pel
    now = client.keyspace.now_ms()
    out: list[Reply] = []
    if start > end:
        return out
    for stream_id in pel.irange(start, end):
        if not count:
            break
        nack = pel[stream_id]
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        count -= 1
        assert nack.consumer is not None
        out.append([format_id(stream_id), nack.consumer.name,
                    max(now - nack.delivery_time, 0), nack.delivery_count])
    return out


# -- XCLAIM XAUTOCLAIM --------------------------------------------------------------------------


@command("xclaim",
         arity=-6, flags="write fast", keys=(1, 1, 1), group="stream", written_keys=self_signalled,
         since="5.0.0",
         summary="Changes (or acquires) ownership of a message in a consumer group, as if the "
                 "message was delivered to the specified consumer.",
         complexity="O(log N) with N being the number of messages in the PEL of the consumer "
                    "group.")
def xclaim_command(client: Client, argv: list[bytes]) -> Reply:
    """XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms-unix-time]
    [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id] (xclaimCommand)."""
    key, group_name = argv[1], argv[2]
    stream = client.db.get_typed(key, StreamValue)
    group = _group_or_error(stream, key, group_name)
    assert stream is not None
    min_idle = max(parse_int(argv[4], "ERR Invalid min-idle-time argument for XCLAIM"), 0)
    ids: list[int] = []
    j = 5
    while j < len(argv):
        parsed = _parse_id(argv[j], 0, True)
        if parsed is None:
            break
        ids.append(parsed[0])
        j += 1
    last_id_arg = j - 1
    now = client.keyspace.now_ms()
    retry_count = -1
    delivery_time = -1
    force = justid = False
    last_id = 0
    while j < len(argv):
        more = len(argv) - 1 - j
        opt = argv[j].lower()
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and more:
            j += 1
            delivery_time = now - parse_int(argv[j], "ERR Invalid IDLE option argument for "
                                                     "XCLAIM")
        elif opt == b"time" and more:
            j += 1
            delivery_time = parse_int(argv[j], "ERR Invalid TIME option argument for XCLAIM")
        elif opt == b"retrycount" and more:
            j += 1
            retry_count = parse_int(argv[j], "ERR Invalid RETRYCOUNT option argument for "
                                             "XCLAIM")
        elif opt == b"lastid" and more:
            j += 1
            last_id = parse_strict_id(argv[j])
        else:
            raise CommandError(f"ERR Unrecognized XCLAIM option '{_text(argv[j])}'")
        j += 1
    _prevent_propagation(client)
    propagate_last_id = False
    if last_id > group.last_id:
        group.last_id = last_id
        propagate_last_id = True
    if delivery_time != -1:
        if delivery_time < 0 or delivery_time > now:
            delivery_time = now
    else:
        delivery_time = now
    keyspace = client.keyspace
    consumer: Consumer | None = None
    out: list[Reply] = []
    for position in range(5, last_id_arg + 1):
        stream_id = ids[position - 5]
        nack = group.pel.get(stream_id)
        fields = stream.get(stream_id)
        if fields is None:
            if nack is not None:
                _propagate_xclaim(client, key, group, group_name, argv[position], nack)
                propagate_last_id = False
                keyspace.dirty += 1
                group.ack(stream_id)
            continue
        if force and nack is None:
            nack = PendingEntry(None, now)
            group.pel[stream_id] = nack
        if nack is None:
            continue
        if nack.consumer is not None and min_idle and now - nack.delivery_time < min_idle:
            continue
        if consumer is None:
            consumer = _consumer_for(client, group, argv[3], key)
        nack.delivery_time = delivery_time
        if retry_count >= 0:
            nack.delivery_count = retry_count
        elif not justid:
            nack.delivery_count += 1
        group.assign(stream_id, nack, consumer)
        out.append(format_id(stream_id) if justid else entry_reply(stream_id, fields))
        _propagate_xclaim(client, key, group, group_name, argv[position], nack)
        propagate_last_id = False
        keyspace.dirty += 1
    if propagate_last_id:
        _propagate_group_id(client, key, group, group_name)
        keyspace.dirty += 1
    return out


@command("xautoclaim",
         arity=-6, flags="write fast", keys=(1, 1, 1), group="stream", written_keys=self_signalled,
         since="6.2.0",
         summary="Changes (or acquires) ownership of messages in a consumer group, as if the "
                 "messages were delivered to the specified consumer.",
         complexity="O(1) if COUNT is small.")
def xautoclaim_command(client: Client, argv: list[bytes]) -> Reply:
    """XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
    (xautoclaimCommand): [next start, claimed, deleted IDs dropped from the PEL]."""
    key, group_name = argv[1], argv[2]
    min_idle = max(parse_int(argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM"), 0)
    start = parse_interval_start(argv[5])
    count = 100
    justid = False
    j = 6
    while j < len(argv):
        more = len(argv) - 1 - j
        opt = argv[j].lower()
        if opt == b"count" and more:
            count = parse_int(argv[j + 1], "ERR COUNT must be > 0")
            if not 1 <= count <= LONG_MAX // 16:
                raise CommandError("ERR COUNT must be > 0")
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise CommandError(SYNTAX)
        j += 1
    stream = client.db.get_typed(key, StreamValue)
    group = _group_or_error(stream, key, group_name)
    assert stream is not None
    if count * 16 > 2**46:  # ztrymalloc of the deleted-IDs array fails
        raise CommandError("ERR Insufficient memory, failed allocating transient memory, COUNT "
                           "too high.")
    _prevent_propagation(client)
    keyspace = client.keyspace
    now = keyspace.now_ms()
    attempts = count * 10
    consumer: Consumer | None = None
    claimed: list[Reply] = []
    deleted: list[Reply] = []
    pel = group.pel
    cursor = start
    next_id = 0
    while True:
        if not attempts or not count:
            following = next(iter(pel.irange(minimum=cursor)), None)
            next_id = following if following is not None else 0
            break
        candidate = next(iter(pel.irange(minimum=cursor)), None)
        if candidate is None:
            next_id = 0
            break
        attempts -= 1
        stream_id = candidate
        cursor = stream_id + 1
        nack = pel[stream_id]
        fields = stream.get(stream_id)
        if fields is None:
            _propagate_xclaim(client, key, group, group_name, format_id(stream_id), nack)
            keyspace.dirty += 1
            group.ack(stream_id)
            deleted.append(format_id(stream_id))
            count -= 1
            continue
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        if consumer is None:
            consumer = _consumer_for(client, group, argv[3], key)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        group.assign(stream_id, nack, consumer)
        claimed.append(format_id(stream_id) if justid else entry_reply(stream_id, fields))
        count -= 1
        _propagate_xclaim(client, key, group, group_name, format_id(stream_id), nack)
        keyspace.dirty += 1
    return [format_id(next_id), claimed, deleted]


# -- XINFO --------------------------------------------------------------------------------------

container("xinfo", group="stream", summary="A container for stream introspection commands",
          since="5.0.0", complexity="Depends on subcommand.")

_XINFO_HELP = [
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
]


def _stream_or_error(client: Client, key: bytes) -> StreamValue:
    stream = client.db.get_typed(key, StreamValue)
    if stream is None:
        raise CommandError(NO_SUCH_KEY)
    return stream


@command("xinfo|stream",
         arity=-3, flags="readonly", keys=(2, 2, 1), group="stream",
         since="5.0.0", summary="Get information about a stream",
         complexity="O(1)")
def xinfo_stream_command(client: Client, argv: list[bytes]) -> Reply:
    """XINFO STREAM key [FULL [COUNT count]] (xinfoReplyWithStreamInfo)."""
    stream = _stream_or_error(client, argv[2])
    options = argv[3:]
    full = bool(options)
    count = 10
    if options:
        if len(options) not in (1, 3) or options[0].lower() != b"full":
            raise subcommand_syntax_error("XINFO", argv)
        if len(options) == 3:
            if options[1].lower() != b"count":
                raise subcommand_syntax_error("XINFO", argv)
            count = parse_int(options[2])
            if count < 0:
                count = 10
    pairs: list[tuple[Reply, Reply]] = [
        (b"length", stream.length),
        (b"radix-tree-keys", stream.node_count()),
        (b"radix-tree-nodes", stream.rax_nodes()),
        (b"last-generated-id", format_id(stream.last_id)),
        (b"max-deleted-entry-id", format_id(stream.max_deleted_id)),
        (b"entries-added", stream.entries_added),
        (b"recorded-first-entry-id", format_id(stream.first_id)),
    ]
    if not full:
        first = stream.first_entry()
        last = stream.last_entry()
        pairs += [
            (b"groups", len(stream.groups)),
            (b"first-entry", entry_reply(*first) if first is not None else None),
            (b"last-entry", entry_reply(*last) if last is not None else None),
        ]
        return Map(pairs)
    pairs.append((b"entries", _range_reply(stream, 0, MAX_ID, count)))
    groups: list[Reply] = []
    for name, group in stream.sorted_groups():
        pending: list[Reply] = [[format_id(stream_id), nack.consumer.name if nack.consumer else b"",
                    nack.delivery_time, nack.delivery_count]
                   for stream_id, nack in islice(group.pel.items(), count or None)]
        consumers: list[Reply] = []
        for consumer in group.sorted_consumers():
            consumer_pending: list[Reply] = [
                [format_id(stream_id), nack.delivery_time, nack.delivery_count]
                                for stream_id, nack in islice(consumer.pel.items(),
                                                              count or None)]
            consumers.append(Map([
                (b"name", consumer.name),
                (b"seen-time", consumer.seen_time),
                (b"pel-count", len(consumer.pel)),
                (b"pending", consumer_pending),
            ]))
        groups.append(Map([
            (b"name", name),
            (b"last-delivered-id", format_id(group.last_id)),
            (b"entries-read", group.entries_read
             if group.entries_read != INVALID_ENTRIES_READ else None),
            (b"lag", stream.group_lag(group)),
            (b"pel-count", len(group.pel)),
            (b"pending", pending),
            (b"consumers", consumers),
        ]))
    pairs.append((b"groups", groups))
    return Map(pairs)


@command("xinfo|groups",
         arity=3, flags="readonly", keys=(2, 2, 1), group="stream",
         since="5.0.0", summary="List the consumer groups of a stream",
         complexity="O(1)")
def xinfo_groups_command(client: Client, argv: list[bytes]) -> Reply:
    """XINFO GROUPS key."""
    stream = _stream_or_error(client, argv[2])
    return [Map([
        (b"name", name),
        (b"consumers", len(group.consumers)),
        (b"pending", len(group.pel)),
        (b"last-delivered-id", format_id(group.last_id)),
        (b"entries-read", group.entries_read
         if group.entries_read != INVALID_ENTRIES_READ else None),
        (b"lag", stream.group_lag(group)),
    ]) for name, group in stream.sorted_groups()]


@command("xinfo|consumers",
         arity=4, flags="readonly", keys=(2, 2, 1), group="stream",
         since="5.0.0", summary="List the consumers in a consumer group",
         complexity="O(1)")
def xinfo_consumers_command(client: Client, argv: list[bytes]) -> Reply:
    """XINFO CONSUMERS key group."""
    stream = _stream_or_error(client, argv[2])
    group = stream.groups.get(argv[3])
    if group is None:
        raise CommandError(f"NOGROUP No such consumer group '{_text(argv[3])}' for key name "
                           f"'{_text(argv[2])}'")
    now = client.keyspace.now_ms()
    return [Map([
        (b"name", consumer.name),
        (b"pending", len(consumer.pel)),
        (b"idle", max(now - consumer.seen_time, 0)),
    ]) for consumer in group.sorted_consumers()]


@command("xinfo|help", arity=2, flags="loading stale", group="stream", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def xinfo_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("XINFO", _XINFO_HELP)
