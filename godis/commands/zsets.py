"""Sorted-set commands: ZADD, ZRANGE, ZUNIONSTORE, ZPOPMIN, BZMPOP ... (Redis 7.0's t_zset.c).

A sorted set is a :class:`ZSetValue`: a dict member -> score and a ``SortedList`` of
(score, member), so ranks, rank ranges and score ranges are O(log N) bisections and slices.
Its ``encoding`` follows Redis: ``listpack`` until a member is added beyond
``zset-max-listpack-entries`` or longer than ``zset-max-listpack-value``, then ``skiplist`` for
good; store commands (ZUNIONSTORE, ZRANGESTORE, ...) pick the encoding of what they store.

Numbers are read as Redis reads them, with C's ``strtod`` grammar (hex floats, ``inf``,
``infinity``): scores and weights strictly (no spaces, no overflow: "value is not a valid
float"), range bounds leniently (leading spaces, an empty string is 0, ``1e400`` is inf), and
blocking timeouts as ``long double`` seconds rounded up to milliseconds.

Replies: scores are :class:`Double` (a bulk string in RESP2, a ``,`` double in RESP3); WITHSCORES
gives a flat array in RESP2 and [member, score] pairs in RESP3; ZPOPMIN/ZPOPMAX with a count,
ZMPOP and BZMPOP give pairs as Redis 7.0 does. ZMPOP/BZMPOP/BZPOPMIN propagate as
ZPOPMIN/ZPOPMAX, the form Redis writes to the AOF.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from functools import partial
from typing import Final

from godis.blocking import BlockRequest, block_client
from godis.client import Client
from godis.commands.scanning import parse_cursor, parse_scan_options, scan_step
from godis.commands.sets import parse_random_count
from godis.errors import SYNTAX, CommandError, WrongTypeError
from godis.keyspace.values import SetValue, ZSetValue
from godis.protocol.reader import strict_int
from godis.protocol.writer import NULL_ARRAY, Double, Reply
from godis.table import command, first_key_only
from godis.util import (
    LONG_MAX,
    LONG_MIN,
    parse_float,
    parse_int,
    parse_range_bound,
    parse_timeout_ms,
)

LEX_NOT_VALID: Final = "ERR min or max not valid string range item"
NAN_SCORE: Final = "ERR resulting score is not a number (NaN)"
POSITIVE: Final = "ERR value is out of range, must be positive"


def _parse_range_long(arg: bytes, low: int, message: str) -> int:
    """``getRangeLongFromObjectOrReply`` with a message: the same error for both failures."""
    value = parse_int(arg, message)
    if value < low:
        raise CommandError(message)
    return value


# -- lexicographic ranges --------------------------------------------------------------------

LexBound = tuple[int, bytes, bool]
"""(kind, value, exclusive): kind -1 is ``-`` (below all), 1 is ``+`` (above all), 0 a value."""


def parse_lex_bound(arg: bytes) -> LexBound:
    """``zslParseLexRangeItem``: ``-``, ``+``, ``(value`` or ``[value``."""
    first = arg[:1]
    if first == b"+" or first == b"-":
        if len(arg) > 1 and arg[1] != 0:
            raise CommandError(LEX_NOT_VALID)
        return (1 if first == b"+" else -1), b"", True
    if first == b"(":
        return 0, arg[1:], True
    if first == b"[":
        return 0, arg[1:], False
    raise CommandError(LEX_NOT_VALID)


def _lex_cmp(kind: int, value: bytes, other_kind: int, other: bytes) -> int:
    """``sdscmplex``: compare two lex items with the ``-``/``+`` sentinels."""
    if kind or other_kind:
        return (kind > other_kind) - (kind < other_kind)
    return (value > other) - (value < other)


def _gte_min(member: bytes, low: LexBound) -> bool:
    cmp = _lex_cmp(0, member, low[0], low[1])
    return cmp > 0 if low[2] else cmp >= 0


def _lte_max(member: bytes, high: LexBound) -> bool:
    cmp = _lex_cmp(0, member, high[0], high[1])
    return cmp < 0 if high[2] else cmp <= 0


def lex_span(zset: ZSetValue, low: LexBound, high: LexBound, reverse: bool) -> tuple[int, int]:
    """Positions ``[start, stop)`` of the members in the lex range.

    Redis assumes equal scores; then members are sorted and two bisections find the span.
    With mixed scores the answer is Redis's listpack walk: from the head (tail when
    ``reverse``) to the first member past the near bound, then while inside the far bound.
    """
    bound_cmp = _lex_cmp(low[0], low[1], high[0], high[1])
    if bound_cmp > 0 or (bound_cmp == 0 and (low[2] or high[2])):
        return 0, 0
    ordered = zset.ordered
    size = len(ordered)
    if not size or not _gte_min(ordered[-1][1], low) or not _lte_max(ordered[0][1], high):
        return 0, 0
    score = zset.single_score()
    if score is not None:
        if low[0]:
            start = 0 if low[0] < 0 else size
        else:
            start = (ordered.bisect_right((score, low[1])) if low[2]
                     else ordered.bisect_left((score, low[1])))
        if high[0]:
            stop = 0 if high[0] < 0 else size
        else:
            stop = (ordered.bisect_left((score, high[1])) if high[2]
                    else ordered.bisect_right((score, high[1])))
        return start, max(start, stop)
    members = [member for _, member in ordered]
    if reverse:
        stop = size
        while stop and not _lte_max(members[stop - 1], high):
            stop -= 1
        if not stop or not _gte_min(members[stop - 1], low):
            return 0, 0
        start = stop - 1
        while start and _gte_min(members[start - 1], low):
            start -= 1
        return start, stop
    start = 0
    while start < size and not _gte_min(members[start], low):
        start += 1
    if start == size or not _lte_max(members[start], high):
        return 0, 0
    stop = start + 1
    while stop < size and _lte_max(members[stop], high):
        stop += 1
    return start, stop


# -- shared helpers --------------------------------------------------------------------------


def _notify(client: Client, event: str, key: bytes, class_char: str = "z") -> None:
    client.keyspace.notify(client.db.index, class_char, event, key)


def _scores_reply(pairs: Iterable[tuple[float, bytes]], withscores: bool, resp: int) -> list[Reply]:
    """Members, or WITHSCORES: flat member/score in RESP2, [member, score] pairs in RESP3."""
    if not withscores:
        return [member for _, member in pairs]
    out: list[Reply] = []
    if resp == 2:
        append = out.append
        for score, member in pairs:
            append(member)
            append(Double(score))
    else:
        out = [[member, Double(score)] for score, member in pairs]
    return out


def _listpack_limits(client: Client) -> tuple[int, int]:
    config = client.server.config
    return int(config["zset-max-listpack-entries"]), int(config["zset-max-listpack-value"])


def _stored_encoding(client: Client, pairs: list[tuple[float, bytes]]) -> str:
    """What a store command's result is: listpack if it fits (zsetConvertToListpackIfNeeded)."""
    max_entries, max_value = _listpack_limits(client)
    if len(pairs) > max_entries or any(len(member) > max_value for _, member in pairs):
        return "skiplist"
    return "listpack"


def _store_result(client: Client, dest: bytes, pairs: list[tuple[float, bytes]],
                  event: str) -> int:
    """Store ``pairs`` at ``dest`` (replacing any value and TTL), or delete it if empty."""
    db = client.db
    if pairs:
        db.set(dest, ZSetValue.from_sorted(pairs, _stored_encoding(client, pairs)))
        client.keyspace.dirty += 1
        _notify(client, event, dest)
        return len(pairs)
    if db.delete(dest):
        client.keyspace.dirty += 1
        _notify(client, "del", dest, "g")
    return 0


def _remove_key_if_empty(client: Client, key: bytes, zset: ZSetValue) -> bool:
    if client.db.remove_if_empty(key, zset):
        _notify(client, "del", key, "g")
        return True
    return False


def _listpack_score_text(score: float) -> bytes:
    """A score as a listpack holds it (ZSCAN): integers within +-2^62 as integers."""
    if score.is_integer() and -(2**62) <= score <= 2**62:
        return b"%d" % int(score)
    if math.isinf(score):
        return b"inf" if score > 0 else b"-inf"
    return b"%.17g" % score


def _skiplist_score_text(score: float) -> bytes:
    """A score as ZSCAN prints a skiplist's (``ld2string`` ``%.17Lg``)."""
    if math.isinf(score):
        return b"inf" if score > 0 else b"-inf"
    return b"%.17g" % score


# -- ZADD / ZINCRBY --------------------------------------------------------------------------


def zadd_generic(client: Client, argv: list[bytes], incr: bool) -> Reply:
    """ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ... ; ZINCRBY is ZADD INCR."""
    nx = xx = gt = lt = ch = False
    index = 2
    argc = len(argv)
    while index < argc:
        option = argv[index].lower()
        if option == b"nx":
            nx = True
        elif option == b"xx":
            xx = True
        elif option == b"ch":
            ch = True
        elif option == b"incr":
            incr = True
        elif option == b"gt":
            gt = True
        elif option == b"lt":
            lt = True
        else:
            break
        index += 1
    elements = argc - index
    if elements % 2 or not elements:
        raise CommandError(SYNTAX)
    if nx and xx:
        raise CommandError("ERR XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and elements > 2:
        raise CommandError("ERR INCR option supports a single increment-element pair")
    scores = [parse_float(argv[i]) for i in range(index, argc, 2)]

    key = argv[1]
    db = client.db
    zset = db.get_typed_write(key, ZSetValue)
    if zset is None:
        if xx:
            return None if incr else 0
        zset = ZSetValue()
        max_entries, max_value = _listpack_limits(client)
        if max_entries == 0 or max_value < len(argv[index + 1]):
            zset.encoding = "skiplist"
        db.set(key, zset)

    added = updated = processed = 0
    new_score = 0.0
    for offset, score in enumerate(scores):
        member = argv[index + 1 + 2 * offset]
        current = zset.score(member)
        if current is not None:
            if nx:
                continue
            if incr:
                score += current
                if math.isnan(score):
                    raise CommandError(NAN_SCORE)
            if (lt and score >= current) or (gt and score <= current):
                continue
            new_score = score
            processed += 1
            if score != current:
                zset.add(member, score)
                updated += 1
        elif not xx:
            if zset.encoding == "listpack":
                max_entries, max_value = _listpack_limits(client)
                if len(zset) + 1 > max_entries or len(member) > max_value:
                    zset.encoding = "skiplist"
            zset.add(member, score)
            new_score = score
            added += 1
            processed += 1
    if added or updated:
        client.keyspace.dirty += added + updated
        _notify(client, "zincr" if incr else "zadd", key)
    if incr:
        return Double(new_score) if processed else None
    return added + updated if ch else added


@command("zadd", arity=-4, flags="write denyoom fast", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(log(N)) for each item added",
         summary="Add one or more members to a sorted set, or update its score if it already exists")
def zadd_command(client: Client, argv: list[bytes]) -> Reply:
    return zadd_generic(client, argv, False)


@command("zincrby", arity=4, flags="write denyoom fast", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(log(N))",
         summary="Increment the score of a member in a sorted set")
def zincrby_command(client: Client, argv: list[bytes]) -> Reply:
    return zadd_generic(client, argv, True)


# -- removal ---------------------------------------------------------------------------------


@command("zrem", arity=-3, flags="write fast", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(M*log(N))",
         summary="Remove one or more members from a sorted set")
def zrem_command(client: Client, argv: list[bytes]) -> Reply:
    key = argv[1]
    zset = client.db.get_typed_write(key, ZSetValue)
    if zset is None:
        return 0
    deleted = 0
    removed_key = False
    for member in argv[2:]:
        if zset.remove(member):
            deleted += 1
        if not zset:
            client.db.remove_if_empty(key, zset)
            removed_key = True
            break
    if deleted:
        _notify(client, "zrem", key)
        if removed_key:
            _notify(client, "del", key, "g")
        client.keyspace.dirty += deleted
    return deleted


def zremrange_generic(client: Client, argv: list[bytes], by: str) -> Reply:
    """ZREMRANGEBYRANK / BYSCORE / BYLEX: parse the range, then delete the span it covers."""
    if by == "rank":
        start = parse_int(argv[2])
        end = parse_int(argv[3])
    elif by == "score":
        low, low_open = parse_range_bound(argv[2])
        high, high_open = parse_range_bound(argv[3])
    else:
        lex_low = parse_lex_bound(argv[2])
        lex_high = parse_lex_bound(argv[3])
    key = argv[1]
    zset = client.db.get_typed_write(key, ZSetValue)
    if zset is None:
        return 0
    if by == "rank":
        size = len(zset)
        if start < 0:
            start += size
        if end < 0:
            end += size
        start = max(start, 0)
        if start > end or start >= size:
            return 0
        span = (start, min(end, size - 1) + 1)
    elif by == "score":
        span = zset.score_span(low, low_open, high, high_open)
    else:
        span = lex_span(zset, lex_low, lex_high, False)
    deleted = zset.remove_span(*span)
    if deleted:
        _notify(client, "zremrangeby" + by, key)
        _remove_key_if_empty(client, key, zset)
        client.keyspace.dirty += deleted
    return deleted


@command("zremrangebyrank", arity=4, flags="write", keys=(1, 1, 1), group="sorted-set",
         since="2.0.0", complexity="O(log(N)+M)",
         summary="Remove all members in a sorted set within the given indexes")
def zremrangebyrank_command(client: Client, argv: list[bytes]) -> Reply:
    return zremrange_generic(client, argv, "rank")


@command("zremrangebyscore", arity=4, flags="write", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(log(N)+M)",
         summary="Remove all members in a sorted set within the given scores")
def zremrangebyscore_command(client: Client, argv: list[bytes]) -> Reply:
    return zremrange_generic(client, argv, "score")


@command("zremrangebylex", arity=4, flags="write", keys=(1, 1, 1), group="sorted-set",
         since="2.8.9", complexity="O(log(N)+M)",
         summary="Remove all members in a sorted set between the given lexicographical range")
def zremrangebylex_command(client: Client, argv: list[bytes]) -> Reply:
    return zremrange_generic(client, argv, "lex")


# -- single-key reads ------------------------------------------------------------------------


@command("zcard", arity=2, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(1)", summary="Get the number of members in a sorted set")
def zcard_command(client: Client, argv: list[bytes]) -> Reply:
    zset = client.db.get_typed(argv[1], ZSetValue)
    return 0 if zset is None else len(zset)


@command("zscore", arity=3, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="1.2.0", complexity="O(1)",
         summary="Get the score associated with the given member in a sorted set")
def zscore_command(client: Client, argv: list[bytes]) -> Reply:
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return None
    score = zset.score(argv[2])
    return None if score is None else Double(score)


@command("zmscore", arity=-3, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="6.2.0", complexity="O(N) where N is the number of members being requested.",
         summary="Get the score associated with the given members in a sorted set")
def zmscore_command(client: Client, argv: list[bytes]) -> Reply:
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return [None] * (len(argv) - 2)
    get = zset.scores.get
    out: list[Reply] = []
    for member in argv[2:]:
        score = get(member)
        out.append(None if score is None else Double(score))
    return out


def zrank_generic(client: Client, argv: list[bytes], reverse: bool) -> Reply:
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return None
    rank = zset.rank(argv[2])
    if rank is None:
        return None
    return len(zset) - 1 - rank if reverse else rank


@command("zrank", arity=3, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="2.0.0", complexity="O(log(N))",
         summary="Determine the index of a member in a sorted set")
def zrank_command(client: Client, argv: list[bytes]) -> Reply:
    return zrank_generic(client, argv, False)


@command("zrevrank", arity=3, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="2.0.0", complexity="O(log(N))",
         summary="Determine the index of a member in a sorted set, with scores ordered from high to low")
def zrevrank_command(client: Client, argv: list[bytes]) -> Reply:
    return zrank_generic(client, argv, True)


@command("zcount", arity=4, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="2.0.0", complexity="O(log(N))",
         summary="Count the members in a sorted set with scores within the given values")
def zcount_command(client: Client, argv: list[bytes]) -> Reply:
    low, low_open = parse_range_bound(argv[2])
    high, high_open = parse_range_bound(argv[3])
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return 0
    start, stop = zset.score_span(low, low_open, high, high_open)
    return stop - start


@command("zlexcount", arity=4, flags="readonly fast", keys=(1, 1, 1), group="sorted-set",
         since="2.8.9", complexity="O(log(N))",
         summary="Count the number of members in a sorted set between a given lexicographical range")
def zlexcount_command(client: Client, argv: list[bytes]) -> Reply:
    low = parse_lex_bound(argv[2])
    high = parse_lex_bound(argv[3])
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return 0
    start, stop = lex_span(zset, low, high, False)
    return stop - start


# -- ZRANGE and friends ----------------------------------------------------------------------

_AUTO, _RANK, _SCORE, _LEX = "auto", "rank", "score", "lex"


def zrange_generic(client: Client, argv: list[bytes], key_index: int, store: bool,
                   by: str, reverse: bool | None) -> Reply:
    """Redis's ``zrangeGenericCommand``: every ZRANGE form, and ZRANGESTORE (``store``).

    ``by`` and ``reverse`` are preset by the legacy commands (ZRANGEBYSCORE, ZREVRANGE, ...);
    ``auto``/None let ZRANGE's BYSCORE/BYLEX/REV options choose, once each.
    """
    withscores = False
    offset, limit = 0, -1
    argc = len(argv)
    index = key_index + 3
    while index < argc:
        option = argv[index].lower()
        if not store and option == b"withscores":
            withscores = True
        elif option == b"limit" and argc - index - 1 >= 2:
            offset = parse_int(argv[index + 1])
            limit = parse_int(argv[index + 2])
            index += 2
        elif reverse is None and option == b"rev":
            reverse = True
        elif by == _AUTO and option == b"bylex":
            by = _LEX
        elif by == _AUTO and option == b"byscore":
            by = _SCORE
        else:
            raise CommandError(SYNTAX)
        index += 1
    reverse = bool(reverse)
    if by == _AUTO:
        by = _RANK
    if limit != -1 and by == _RANK:
        raise CommandError("ERR syntax error, LIMIT is only supported in combination with "
                           "either BYSCORE or BYLEX")
    if withscores and by == _LEX:
        raise CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    low_arg, high_arg = argv[key_index + 1], argv[key_index + 2]
    if reverse and by != _RANK:
        low_arg, high_arg = high_arg, low_arg
    if by == _RANK:
        start = parse_int(low_arg)
        end = parse_int(high_arg)
    elif by == _SCORE:
        low, low_open = parse_range_bound(low_arg)
        high, high_open = parse_range_bound(high_arg)
    else:
        lex_low = parse_lex_bound(low_arg)
        lex_high = parse_lex_bound(high_arg)

    zset = client.db.get_typed(argv[key_index], ZSetValue)
    if zset is None:
        return _store_result(client, argv[1], [], "zrangestore") if store else []
    ordered = zset.ordered
    size = len(ordered)
    if by == _RANK:
        if start < 0:
            start += size
        if end < 0:
            end += size
        start = max(start, 0)
        if start > end or start >= size:
            first = last = 0
        else:
            end = min(end, size - 1)
            first, last = (size - 1 - end, size - start) if reverse else (start, end + 1)
    else:
        if by == _SCORE:
            first, last = zset.score_span(low, low_open, high, high_open)
        else:
            first, last = lex_span(zset, lex_low, lex_high, reverse)
        if offset < 0 or (offset > 0 and offset >= size):
            first = last = 0
        elif reverse:
            last = max(first, last - offset)
            if limit >= 0:
                first = max(first, last - limit)
        else:
            first = min(last, first + offset)
            if limit >= 0:
                last = min(last, first + limit)
    pairs = ordered.islice(first, last, reverse=reverse) if first < last else ()
    if store:
        return _store_result(client, argv[1], list(pairs), "zrangestore")
    return _scores_reply(pairs, withscores, client.resp)


_range_read_command = partial(command, arity=-4, flags="readonly", keys=(1, 1, 1),
                              group="sorted-set", complexity="O(log(N)+M)")
"""ZRANGE and its older forms: only the name, summary and version differ."""


@_range_read_command("zrange", since="1.2.0",
                     summary="Return a range of members in a sorted set")
def zrange_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _AUTO, None)


@command("zrangestore", arity=-5, flags="write denyoom", keys=(1, 2, 1), group="sorted-set",
         since="6.2.0", complexity="O(log(N)+M)", written_keys=first_key_only,
         summary="Store a range of members from sorted set into another key")
def zrangestore_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 2, True, _AUTO, None)


@_range_read_command("zrevrange", since="1.2.0",
                     summary="Return a range of members in a sorted set, by index, with scores ordered from high to low")
def zrevrange_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _RANK, True)


@_range_read_command("zrangebyscore", since="1.0.5",
                     summary="Return a range of members in a sorted set, by score")
def zrangebyscore_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _SCORE, False)


@_range_read_command("zrevrangebyscore", since="2.2.0",
                     summary="Return a range of members in a sorted set, by score, with scores ordered from high to low")
def zrevrangebyscore_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _SCORE, True)


@_range_read_command("zrangebylex", since="2.8.9",
                     summary="Return a range of members in a sorted set, by lexicographical range")
def zrangebylex_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _LEX, False)


@_range_read_command("zrevrangebylex", since="2.8.9",
                     summary="Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.")
def zrevrangebylex_command(client: Client, argv: list[bytes]) -> Reply:
    return zrange_generic(client, argv, 1, False, _LEX, True)


# -- ZUNION / ZINTER / ZDIFF -----------------------------------------------------------------

Source = ZSetValue | SetValue | None


def _source_pairs(source: Source) -> Iterable[tuple[float, bytes]]:
    """(score, member) of a source; a plain set's members all score 1."""
    if source is None:
        return ()
    if type(source) is SetValue:
        return [(1.0, member) for member in source]
    assert type(source) is ZSetValue
    ordered: Iterable[tuple[float, bytes]] = source.ordered
    return ordered


def _source_score(source: Source, member: bytes) -> float | None:
    if source is None:
        return None
    if type(source) is SetValue:
        return 1.0 if member in source else None
    assert type(source) is ZSetValue
    return source.scores.get(member)


def _aggregate(target: float, value: float, how: bytes) -> float:
    """``zunionInterAggregate``: SUM (a NaN sum is 0), MIN, MAX, with C's comparisons."""
    if how == b"sum":
        total = target + value
        return 0.0 if total != total else total
    if how == b"min":
        return value if value < target else target
    return value if value > target else target


def _numkeys_keys(argv: list[bytes], numkeys_index: int, extra: tuple[int, ...] = ()) -> list[int]:
    """Key positions of ``numkeys key ...`` commands (COMMAND GETKEYS, dispatch)."""
    if numkeys_index >= len(argv):
        return list(extra)
    count = strict_int(argv[numkeys_index])
    if count is None or count < 1:
        return list(extra)
    first = numkeys_index + 1
    return [*extra, *range(first, min(first + count, len(argv)))]


def zsetop_generic(client: Client, argv: list[bytes], dest: bytes | None, numkeys_index: int,
                   op: str, cardinality_only: bool = False) -> Reply:
    """Redis's ``zunionInterDiffGenericCommand``: ``op`` is ``union``, ``inter`` or ``diff``."""
    name = argv[0].decode(errors="replace").lower()
    setnum = parse_int(argv[numkeys_index])
    if setnum < 1:
        raise CommandError(f"ERR at least 1 input key is needed for '{name}' command")
    argc = len(argv)
    if setnum > argc - (numkeys_index + 1):
        raise CommandError(SYNTAX)
    db = client.db
    sources: list[Source] = []
    for key in argv[numkeys_index + 1:numkeys_index + 1 + setnum]:
        found = db.lookup_read(key)
        if found is not None and type(found) is not ZSetValue and type(found) is not SetValue:
            raise WrongTypeError()
        sources.append(found)
    weights = [1.0] * setnum
    how = b"sum"
    withscores = False
    limit = 0
    index = numkeys_index + 1 + setnum
    while index < argc:
        remaining = argc - index
        option = argv[index].lower()
        if op != "diff" and not cardinality_only and remaining >= setnum + 1 \
                and option == b"weights":
            for i in range(setnum):
                weights[i] = parse_float(argv[index + 1 + i], "ERR weight value is not a float")
            index += 1 + setnum
        elif op != "diff" and not cardinality_only and remaining >= 2 and option == b"aggregate":
            how = argv[index + 1].lower()
            if how not in (b"sum", b"min", b"max"):
                raise CommandError(SYNTAX)
            index += 2
        elif dest is None and not cardinality_only and option == b"withscores":
            withscores = True
            index += 1
        elif cardinality_only and remaining >= 2 and option == b"limit":
            limit = _parse_range_long(argv[index + 1], 0, "ERR LIMIT can't be negative")
            index += 2
        else:
            raise CommandError(SYNTAX)

    weighted = list(zip(sources, weights, strict=True))
    if op != "diff":
        # Smallest first, as Redis's qsort (glibc's is a stable merge sort).
        weighted.sort(key=lambda item: 0 if item[0] is None else len(item[0]))
    result: dict[bytes, float] = {}
    cardinality = 0
    if op == "inter":
        first, first_weight = weighted[0]
        if first is not None and len(first):
            rest = weighted[1:]
            for score, member in _source_pairs(first):
                total = first_weight * score
                if total != total:
                    total = 0.0
                for other, weight in rest:
                    found_score = score if other is first else _source_score(other, member)
                    if found_score is None:
                        break
                    total = _aggregate(total, found_score * weight, how)
                else:
                    if cardinality_only:
                        cardinality += 1
                        if limit and cardinality >= limit:
                            break
                    else:
                        result[member] = total
    elif op == "union":
        for source, weight in weighted:
            for score, member in _source_pairs(source):
                value = weight * score
                if value != value:
                    value = 0.0
                current = result.get(member)
                result[member] = value if current is None else _aggregate(current, value, how)
    else:
        first = sources[0]
        others = sources[1:]
        if first is not None and not any(other is first for other in others):
            for score, member in _source_pairs(first):
                if all(_source_score(other, member) is None for other in others):
                    result[member] = score
    if cardinality_only:
        return cardinality
    if op == "diff" and type(sources[0]) is ZSetValue:
        pairs = [(score, member) for score, member in sources[0].ordered if member in result]
    else:
        pairs = sorted((score, member) for member, score in result.items())
    if dest is not None:
        return _store_result(client, dest, pairs, f"z{op}store")
    return _scores_reply(pairs, withscores, client.resp)


@command("zunion", arity=-3, flags="readonly", group="sorted-set", since="6.2.0",
         get_keys=lambda argv: _numkeys_keys(argv, 1),
         complexity="O(N)+O(M*log(M))", summary="Add multiple sorted sets")
def zunion_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, None, 1, "union")


@command("zunionstore", arity=-4, flags="write denyoom", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0",
         get_keys=lambda argv: _numkeys_keys(argv, 2, (1,)), written_keys=first_key_only,
         complexity="O(N)+O(M log(M))",
         summary="Add multiple sorted sets and store the resulting sorted set in a new key")
def zunionstore_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, argv[1], 2, "union")


@command("zinter", arity=-3, flags="readonly", group="sorted-set", since="6.2.0",
         get_keys=lambda argv: _numkeys_keys(argv, 1),
         complexity="O(N*K)+O(M*log(M))", summary="Intersect multiple sorted sets")
def zinter_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, None, 1, "inter")


@command("zinterstore", arity=-4, flags="write denyoom", keys=(1, 1, 1),
         group="sorted-set", since="2.0.0",
         get_keys=lambda argv: _numkeys_keys(argv, 2, (1,)), written_keys=first_key_only,
         complexity="O(N*K)+O(M*log(M))",
         summary="Intersect multiple sorted sets and store the resulting sorted set in a new key")
def zinterstore_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, argv[1], 2, "inter")


@command("zintercard", arity=-3, flags="readonly", group="sorted-set", since="7.0.0",
         get_keys=lambda argv: _numkeys_keys(argv, 1),
         complexity="O(N*K)", summary="Intersect multiple sorted sets and return the cardinality of the result")
def zintercard_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, None, 1, "inter", cardinality_only=True)


@command("zdiff", arity=-3, flags="readonly", group="sorted-set", since="6.2.0",
         get_keys=lambda argv: _numkeys_keys(argv, 1),
         complexity="O(L + (N-K)log(N))", summary="Subtract multiple sorted sets")
def zdiff_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, None, 1, "diff")


@command("zdiffstore", arity=-4, flags="write denyoom", keys=(1, 1, 1),
         group="sorted-set", since="6.2.0",
         get_keys=lambda argv: _numkeys_keys(argv, 2, (1,)), written_keys=first_key_only,
         complexity="O(L + (N-K)log(N))",
         summary="Subtract multiple sorted sets and store the resulting sorted set in a new key")
def zdiffstore_command(client: Client, argv: list[bytes]) -> Reply:
    return zsetop_generic(client, argv, argv[1], 2, "diff")


# -- popping ---------------------------------------------------------------------------------


def zpop_generic(client: Client, keys: list[bytes], highest: bool, emit_key: bool, count: int,
                 nested: bool, nil_when_empty: bool) -> tuple[Reply, bytes | None, int]:
    """Redis's ``genericZpopCommand`` over the first existing key: (reply, key, popped).

    ``count`` -1 means "no COUNT given" (one element). Shapes: flat member/score pairs, or
    ``nested`` [member, score] pairs; ``emit_key`` puts the key first (BZPOP*, ZMPOP).
    """
    db = client.db
    zset: ZSetValue | None = None
    key = b""
    for key in keys:
        zset = db.get_typed_write(key, ZSetValue)
        if zset is not None:
            break
    if zset is None:
        return (NULL_ARRAY if nil_when_empty else []), None, 0
    if count == 0:
        return [], None, 0
    popped = zset.pop_ends(1 if count == -1 else count, highest)
    client.keyspace.dirty += len(popped)
    _notify(client, "zpopmax" if highest else "zpopmin", key)
    _remove_key_if_empty(client, key, zset)
    if nested:
        items: list[Reply] = [[member, Double(score)] for score, member in popped]
    else:
        items = []
        for score, member in popped:
            items.append(member)
            items.append(Double(score))
    if emit_key:
        reply: Reply = [key, items] if nested else [key, *items]
    else:
        reply = items
    return reply, key, len(popped)


def _zpop_argv(highest: bool, key: bytes, count: int | None) -> list[bytes]:
    name = b"ZPOPMAX" if highest else b"ZPOPMIN"
    return [name, key] if count is None else [name, key, b"%d" % count]


def zpop_minmax(client: Client, argv: list[bytes], highest: bool) -> Reply:
    """ZPOPMIN/ZPOPMAX key [count]: RESP3 nests pairs only when a count is given."""
    if len(argv) > 3:
        raise CommandError(SYNTAX)
    count = -1
    if len(argv) == 3:
        count = _parse_range_long(argv[2], 0, POSITIVE)
    nested = client.resp > 2 and count != -1
    return zpop_generic(client, [argv[1]], highest, False, count, nested, False)[0]


@command("zpopmin", arity=-2, flags="write fast", keys=(1, 1, 1), group="sorted-set",
         since="5.0.0", complexity="O(log(N)*M)",
         summary="Remove and return members with the lowest scores in a sorted set")
def zpopmin_command(client: Client, argv: list[bytes]) -> Reply:
    return zpop_minmax(client, argv, False)


@command("zpopmax", arity=-2, flags="write fast", keys=(1, 1, 1), group="sorted-set",
         since="5.0.0", complexity="O(log(N)*M)",
         summary="Remove and return members with the highest scores in a sorted set")
def zpopmax_command(client: Client, argv: list[bytes]) -> Reply:
    return zpop_minmax(client, argv, True)


def blocking_zpop_generic(client: Client, argv: list[bytes], keys: list[bytes], highest: bool,
                          timeout_arg: bytes, count: int, nested: bool,
                          argv_for_key: Callable[[bytes], list[bytes]]) -> Reply | BlockRequest:
    """``blockingGenericZpopCommand``: pop from the first non-empty key, else block.

    Served at once it propagates as ZPOPMIN/ZPOPMAX key [count]; inside MULTI/EXEC
    (``deny_blocking``) it answers the timeout reply, a null array. A blocked client is re-run
    with ``argv_for_key(key)``, so it is served from the key that became ready, as in Redis.
    """
    timeout_ms = parse_timeout_ms(timeout_arg)
    db = client.db
    for key in keys:
        if db.get_typed_write(key, ZSetValue) is None:
            continue
        reply, _, popped = zpop_generic(client, [key], highest, True, count, nested, nested)
        client.propagate_as(_zpop_argv(highest, key, None if count == -1 else popped))
        return reply
    request = BlockRequest(list(keys), timeout_ms / 1000, NULL_ARRAY, argv,
                           value_type=ZSetValue,
                           argv_for_key=argv_for_key if len(keys) > 1 else None)
    return block_client(client, request, NULL_ARRAY)


def bzpop_generic(client: Client, argv: list[bytes], highest: bool) -> Reply | BlockRequest:
    """BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score], flat in both protocols."""

    def argv_for_key(key: bytes) -> list[bytes]:
        return [argv[0], key, argv[-1]]

    return blocking_zpop_generic(client, argv, argv[1:-1], highest, argv[-1], -1, False,
                                 argv_for_key)


@command("bzpopmin", arity=-3, flags="write noscript blocking fast", keys=(1, -2, 1),
         group="sorted-set", since="5.0.0", complexity="O(log(N))",
         summary="Remove and return the member with the lowest score from one or more sorted "
                 "sets, or block until one is available")
def bzpopmin_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    return bzpop_generic(client, argv, False)


@command("bzpopmax", arity=-3, flags="write noscript blocking fast", keys=(1, -2, 1),
         group="sorted-set", since="5.0.0", complexity="O(log(N))",
         summary="Remove and return the member with the highest score from one or more sorted "
                 "sets, or block until one is available")
def bzpopmax_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    return bzpop_generic(client, argv, True)


def zmpop_generic(client: Client, argv: list[bytes], numkeys_index: int,
                  blocking: bool) -> Reply | BlockRequest:
    """ZMPOP numkeys key ... MIN|MAX [COUNT count]; BZMPOP timeout numkeys ... ."""
    numkeys = _parse_range_long(argv[numkeys_index], 1, "ERR numkeys should be greater than 0")
    where_index = numkeys_index + numkeys + 1
    argc = len(argv)
    if where_index >= argc:
        raise CommandError(SYNTAX)
    where = argv[where_index].lower()
    if where not in (b"min", b"max"):
        raise CommandError(SYNTAX)
    highest = where == b"max"
    count = -1
    index = where_index + 1
    while index < argc:
        if count == -1 and argv[index].lower() == b"count" and index < argc - 1:
            count = _parse_range_long(argv[index + 1], 1, "ERR count should be greater than 0")
            index += 2
        else:
            raise CommandError(SYNTAX)
    if count == -1:
        count = 1
    keys = argv[numkeys_index + 1:where_index]
    if blocking:

        def argv_for_key(key: bytes) -> list[bytes]:
            return [argv[0], argv[1], b"1", key, *argv[where_index:]]

        return blocking_zpop_generic(client, argv, keys, highest, argv[1], count, True,
                                     argv_for_key)
    reply, key, popped = zpop_generic(client, keys, highest, True, count, True, True)
    if key is not None:
        client.propagate_as(_zpop_argv(highest, key, popped))
    return reply


@command("zmpop", arity=-4, flags="write", group="sorted-set", since="7.0.0",
         get_keys=lambda argv: _numkeys_keys(argv, 1), complexity="O(K) + O(M*log(N))",
         summary="Remove and return members with scores in a sorted set")
def zmpop_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    return zmpop_generic(client, argv, 1, False)


@command("bzmpop", arity=-5, flags="write blocking", group="sorted-set", since="7.0.0",
         get_keys=lambda argv: _numkeys_keys(argv, 2), complexity="O(K) + O(M*log(N))",
         summary="Remove and return members with scores in a sorted set or block until one is "
                 "available")
def bzmpop_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    return zmpop_generic(client, argv, 2, True)


# -- ZRANDMEMBER and ZSCAN -------------------------------------------------------------------


def _zrandmember_with_count(client: Client, key: bytes, count: int, withscores: bool) -> Reply:
    """Redis's four cases: repeats allowed, the whole set, most of it, a small sample."""
    zset = client.db.get_typed(key, ZSetValue)
    if zset is None or count == 0:
        return []
    ordered = zset.ordered
    size = len(ordered)
    resp = client.resp
    if count < 0 or count == 1:
        picks = [ordered[random.randrange(size)] for _ in range(abs(count))]
    elif count >= size:
        picks = list(reversed(ordered))  # Redis iterates from the tail
    else:
        positions = random.sample(range(size), count)
        if zset.encoding == "listpack" and count * 3 <= size:
            positions.sort()  # lpRandomPairsUnique keeps listpack order
        picks = [ordered[position] for position in positions]
    return _scores_reply(picks, withscores, resp)


@command("zrandmember", arity=-2, flags="readonly", keys=(1, 1, 1), group="sorted-set",
         since="6.2.0", complexity="O(N) where N is the number of members returned",
         summary="Get one or multiple random elements from a sorted set")
def zrandmember_command(client: Client, argv: list[bytes]) -> Reply:
    """ZRANDMEMBER key [count [WITHSCORES]]; read-only, so nothing is propagated."""
    if len(argv) >= 3:
        count = parse_random_count(argv[2])
        if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
            raise CommandError(SYNTAX)
        withscores = len(argv) == 4
        if withscores and (count < LONG_MIN // 2 or count > LONG_MAX // 2):
            raise CommandError("ERR value is out of range")
        return _zrandmember_with_count(client, argv[1], count, withscores)
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return None
    member: bytes = zset.ordered[random.randrange(len(zset))][1]
    return member


@command("zscan", arity=-3, flags="readonly", keys=(1, 1, 1), group="sorted-set",
         since="2.8.0", complexity="O(1) for every call. O(N) for a complete iteration",
         summary="Incrementally iterate sorted sets elements and associated scores")
def zscan_command(client: Client, argv: list[bytes]) -> Reply:
    """ZSCAN key cursor [MATCH pattern] [COUNT count]; a listpack comes back whole."""
    cursor = parse_cursor(argv[2])
    zset = client.db.get_typed(argv[1], ZSetValue)
    if zset is None:
        return [b"0", []]
    options = parse_scan_options(argv, 3)
    out: list[Reply] = []
    if zset.encoding == "listpack":
        next_cursor = 0
        for score, member in zset.ordered:
            if options.matches(member):
                out.append(member)
                out.append(_listpack_score_text(score))
        return [b"0", out]
    scores = zset.scores
    next_cursor, candidates = scan_step(zset, lambda: list(scores), cursor, options.count)
    for member in candidates:
        score = scores.get(member)
        if score is not None and options.matches(member):
            out.append(member)
            out.append(_skiplist_score_text(score))
    return [b"%d" % next_cursor, out]


__all__ = [
    "lex_span",
    "parse_lex_bound",
    "zadd_generic",
]
