"""List commands (Redis's t_list.c): pushes, pops, ranges, moves, and the blocking pops.

A list is a :class:`ListValue` (a deque: O(1) at both ends, O(N) in the middle, like a
quicklist). Redis never keeps an empty list: every command that removes elements deletes the
key once the list is empty. The blocking commands serve at once when they can and otherwise
return a :class:`godis.blocking.BlockRequest`; when a key becomes ready their argv is re-run as
the waiting client, so the non-blocking path below is the only one that touches data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import islice

from godis.blocking import BlockRequest, block_client, parse_timeout
from godis.client import Client
from godis.errors import NO_SUCH_KEY, SYNTAX, CommandError
from godis.keyspace.keyspace import Database
from godis.keyspace.values import ListValue
from godis.protocol.writer import NULL_ARRAY, OK, Reply
from godis.table import command
from godis.util import parse_int

OUT_OF_RANGE_POSITIVE = "ERR value is out of range, must be positive"
NUMKEYS_ERROR = "ERR numkeys should be greater than 0"
COUNT_ERROR = "ERR count should be greater than 0"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
             "... or use negative to start from the end of the list")
LONG_MIN = -(2**63)
# Below this many removals LREM calls deque.remove (C) repeatedly instead of rebuilding.
_LREM_REMOVE_LIMIT = 16





# -- argument parsing ----------------------------------------------------------------------------


def _is_left(arg: bytes) -> bool:
    """LEFT or RIGHT, any case (getListPositionFromObjectOrReply): whether it is LEFT."""
    side = arg.lower()
    if side == b"left":
        return True
    if side == b"right":
        return False
    raise CommandError(SYNTAX)


def _at_least(arg: bytes, minimum: int, error: str) -> int:
    """An integer >= ``minimum``; ``error`` both when it is not an integer and when too small."""
    value = parse_int(arg, error)
    if value < minimum:
        raise CommandError(error)
    return value


def _mpop_key_positions(argv: list[bytes], numkeys_index: int) -> list[int]:
    """The key positions of [B]LMPOP: ``numkeys`` keys after the numkeys argument."""
    try:
        numkeys = parse_int(argv[numkeys_index])
    except (CommandError, IndexError):
        return []
    first = numkeys_index + 1
    return list(range(first, min(first + numkeys, len(argv)))) if numkeys > 0 else []


def _mpop_args(argv: list[bytes], numkeys_index: int) -> tuple[list[bytes], bool, int, int]:
    """numkeys key [key ...] LEFT|RIGHT [COUNT count]: (keys, left, count, where index)."""
    numkeys = _at_least(argv[numkeys_index], 1, NUMKEYS_ERROR)
    where_index = numkeys_index + numkeys + 1
    argc = len(argv)
    if where_index >= argc:
        raise CommandError(SYNTAX)
    left = _is_left(argv[where_index])
    count = -1
    index = where_index + 1
    while index < argc:
        if count == -1 and index + 1 < argc and argv[index].lower() == b"count":
            count = _at_least(argv[index + 1], 1, COUNT_ERROR)
            index += 2
        else:
            raise CommandError(SYNTAX)
    return argv[numkeys_index + 1 : where_index], left, max(count, 1), where_index


# -- shared list operations ----------------------------------------------------------------------


_INDEXED_SPAN = 64
"""A deque walks to an index block by block (64 elements a block, from the nearer end), but an
iterator steps one element at a time: a short range far from both ends is cheaper read by
index, as quicklistGetIteratorAtIdx skips whole nodes."""


def list_range(value: ListValue, start: int, stop: int) -> list[bytes]:
    """Elements ``start`` to ``stop`` (exclusive), walking from the nearer end.

    A range of ``count`` elements at distance ``skip`` from the nearer end costs ``skip +
    count`` steps through an iterator, or about ``count * (skip / 64 + 1)`` block hops by
    index: the cheaper way is taken, so LRANGE of 10 in the middle of a 1M list is not O(N).
    """
    length = len(value)
    if start == 0 and stop == length:
        return list(value)
    count = stop - start
    skip = min(start, length - stop)
    if count * (skip // _INDEXED_SPAN + 1) < skip + count:
        return [value[index] for index in range(start, stop)]
    if start <= length - stop:
        return list(islice(value, start, stop))
    items = list(islice(reversed(value), length - stop, length - start))
    items.reverse()
    return items


def _pop_many(value: ListValue, count: int, left: bool) -> list[bytes]:
    """Pop up to ``count`` elements from one end, in popping order."""
    if count >= len(value):
        items = list(value) if left else list(reversed(value))
        value.clear()
        return items
    pop = value.popleft if left else value.pop
    return [pop() for _ in range(count)]


def _elements_removed(client: Client, db: Database, key: bytes, value: ListValue, left: bool,
                      count: int) -> None:
    """After a pop (listElementsRemoved): notify, delete the emptied list, count the change."""
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "lpop" if left else "rpop", key)
    if not value:
        db.remove_if_empty(key, value)
        keyspace.notify(db.index, "g", "del", key)
    keyspace.dirty += count


def push_generic(client: Client, argv: list[bytes], left: bool, only_existing: bool) -> int:
    """[LR]PUSH[X] key element [element ...]: the list's length afterwards."""
    key = argv[1]
    db = client.db
    value = db.get_typed_write(key, ListValue)
    if value is None:
        if only_existing:
            return 0
        value = ListValue()
        db.set(key, value)
    if left:
        value.extendleft(islice(argv, 2, None))
    else:
        value.extend(islice(argv, 2, None))
    keyspace = client.keyspace
    keyspace.dirty += len(argv) - 2
    keyspace.notify(db.index, "l", "lpush" if left else "rpush", key)
    return len(value)


def pop_generic(client: Client, argv: list[bytes], left: bool) -> Reply:
    """[LR]POP key [count]: a bulk string without count, an array with it."""
    if len(argv) > 3:
        raise CommandError(f"ERR wrong number of arguments for '{'lpop' if left else 'rpop'}' "
                           "command")
    key = argv[1]
    db = client.db
    if len(argv) == 2:
        value = db.get_typed_write(key, ListValue)
        if value is None:
            return None
        item = value.popleft() if left else value.pop()
        _elements_removed(client, db, key, value, left, 1)
        return item
    count = _at_least(argv[2], 0, OUT_OF_RANGE_POSITIVE)
    value = db.get_typed_write(key, ListValue)
    if value is None:
        return NULL_ARRAY
    if count == 0:
        return []
    items = _pop_many(value, count, left)
    _elements_removed(client, db, key, value, left, len(items))
    return items


def move_generic(client: Client, source_key: bytes, destination_key: bytes, from_left: bool,
                 to_left: bool) -> Reply:
    """LMOVE's work (lmoveGenericCommand): the moved element, or null if the source is empty."""
    db = client.db
    source = db.get_typed_write(source_key, ListValue)
    if source is None:
        return None
    destination = db.get_typed_write(destination_key, ListValue)
    item = source.popleft() if from_left else source.pop()
    if destination is None:
        destination = ListValue()
        db.set(destination_key, destination)
    if to_left:
        destination.appendleft(item)
    else:
        destination.append(item)
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "lpush" if to_left else "rpush", destination_key)
    keyspace.notify(db.index, "l", "lpop" if from_left else "rpop", source_key)
    if not source:
        db.remove_if_empty(source_key, source)
        keyspace.notify(db.index, "g", "del", source_key)
    keyspace.dirty += 1
    return item


def mpop_generic(client: Client, keys: list[bytes], left: bool, count: int) -> Reply:
    """Pop up to ``count`` from the first non-empty list: ``[key, [elements]]``, or None.

    Propagated as ``LPOP|RPOP key n`` with the number actually popped, as Redis 7.0 does.
    """
    db = client.db
    for key in keys:
        value = db.get_typed_write(key, ListValue)
        if value:
            items = _pop_many(value, count, left)
            _elements_removed(client, db, key, value, left, len(items))
            client.propagate_as([b"LPOP" if left else b"RPOP", key, b"%d" % len(items)])
            return [key, items]
    return None


# -- pushes --------------------------------------------------------------------------------------

_push_command = partial(
    command, arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="list",
    complexity="O(1) for each element added, so O(N) to add N elements when the command "
               "is called with multiple arguments.")
"""LPUSH, RPUSH, LPUSHX, RPUSHX: only the name, summary and version differ."""


@_push_command("lpush", since="1.0.0",
               summary="Prepend one or multiple elements to a list")
def lpush_command(client: Client, argv: list[bytes]) -> Reply:
    """LPUSH key element [element ...]."""
    return push_generic(client, argv, True, False)


@_push_command("rpush", since="1.0.0",
               summary="Append one or multiple elements to a list")
def rpush_command(client: Client, argv: list[bytes]) -> Reply:
    """RPUSH key element [element ...]."""
    return push_generic(client, argv, False, False)


@_push_command("lpushx", since="2.2.0",
               summary="Prepend an element to a list, only if the list exists")
def lpushx_command(client: Client, argv: list[bytes]) -> Reply:
    """LPUSHX key element [element ...]: 0 when the key does not exist."""
    return push_generic(client, argv, True, True)


@_push_command("rpushx", since="2.2.0",
               summary="Append an element to a list, only if the list exists")
def rpushx_command(client: Client, argv: list[bytes]) -> Reply:
    """RPUSHX key element [element ...]: 0 when the key does not exist."""
    return push_generic(client, argv, False, True)


@command("linsert", arity=5, flags="write denyoom", keys=(1, 1, 1), group="list",
         summary="Insert an element before or after another element in a list", since="2.2.0",
         complexity="O(N) where N is the number of elements to traverse before seeing the value "
                    "pivot. This means that inserting somewhere on the left end on the list "
                    "(head) can be considered O(1) and inserting somewhere on the right end "
                    "(tail) is O(N).")
def linsert_command(client: Client, argv: list[bytes]) -> Reply:
    """LINSERT key BEFORE|AFTER pivot element: the new length, -1 without pivot, 0 without key."""
    where = argv[2].lower()
    if where == b"after":
        after = True
    elif where == b"before":
        after = False
    else:
        raise CommandError(SYNTAX)
    key = argv[1]
    db = client.db
    value = db.get_typed_write(key, ListValue)
    if value is None:
        return 0
    try:
        index = value.index(argv[3])
    except ValueError:
        return -1
    value.insert(index + 1 if after else index, argv[4])
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "linsert", key)
    keyspace.dirty += 1
    return len(value)


# -- reads ---------------------------------------------------------------------------------------


@command("llen", arity=2, flags="readonly fast", keys=(1, 1, 1), group="list",
         summary="Get the length of a list", since="1.0.0", complexity="O(1)")
def llen_command(client: Client, argv: list[bytes]) -> Reply:
    """LLEN key."""
    value = client.db.get_typed(argv[1], ListValue)
    return 0 if value is None else len(value)


@command("lindex", arity=3, flags="readonly", keys=(1, 1, 1), group="list",
         summary="Get an element from a list by its index", since="1.0.0",
         complexity="O(N) where N is the number of elements to traverse to get to the element "
                    "at index. This makes asking for the first or the last element of the list "
                    "O(1).")
def lindex_command(client: Client, argv: list[bytes]) -> Reply:
    """LINDEX key index: the key is looked up before the index is parsed, as in Redis."""
    value = client.db.get_typed(argv[1], ListValue)
    if value is None:
        return None
    index = parse_int(argv[2])
    if -len(value) <= index < len(value):
        return value[index]
    return None


@command("lrange", arity=4, flags="readonly", keys=(1, 1, 1), group="list",
         summary="Get a range of elements from a list", since="1.0.0",
         complexity="O(S+N) where S is the distance of start offset from HEAD for small lists, "
                    "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                    "elements in the specified range.")
def lrange_command(client: Client, argv: list[bytes]) -> Reply:
    """LRANGE key start stop (inclusive; negative indexes count from the end)."""
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    value = client.db.get_typed(argv[1], ListValue)
    if value is None:
        return []
    length = len(value)
    if start < 0:
        start += length
    if end < 0:
        end += length
    if start < 0:
        start = 0
    if start > end or start >= length:
        return []
    return list_range(value, start, min(end + 1, length))


@command("lpos", arity=-3, flags="readonly", keys=(1, 1, 1), group="list",
         summary="Return the index of matching elements on a list", since="6.0.6",
         complexity="O(N) where N is the number of elements in the list, for the average case. "
                    "When searching for elements near the head or the tail of the list, or when "
                    "the MAXLEN option is provided, the command may run in constant time.")
def lpos_command(client: Client, argv: list[bytes]) -> Reply:
    """LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].

    Without COUNT: the index of the rank-th match or null; with COUNT (0 = all): an array.
    A negative rank searches from the tail (indexes stay head-based).
    """
    rank = 1
    count = -1  # not given
    maxlen = 0  # whole list
    argc = len(argv)
    index = 3
    while index < argc:
        option = argv[index].lower()
        if index + 1 >= argc:
            raise CommandError(SYNTAX)
        if option == b"rank":
            rank = parse_int(argv[index + 1])
            if rank == 0:
                raise CommandError(RANK_ZERO)
        elif option == b"count":
            count = _at_least(argv[index + 1], 0, "ERR COUNT can't be negative")
        elif option == b"maxlen":
            maxlen = _at_least(argv[index + 1], 0, "ERR MAXLEN can't be negative")
        else:
            raise CommandError(SYNTAX)
        index += 2
    value = client.db.get_typed(argv[1], ListValue)
    if value is None:
        return [] if count != -1 else None
    forward = rank > 0
    if not forward:
        rank = 1 if rank == LONG_MIN else -rank  # (-LONG_MIN wraps in C: the first match)
    element = argv[2]
    length = len(value)
    limit = min(maxlen, length) if maxlen else length
    wanted = 1 if count == -1 else count or length
    found: list[int] = []
    seen = 0
    if forward:
        position = -1
        while True:
            try:
                position = value.index(element, position + 1, limit)
            except ValueError:
                break
            seen += 1
            if seen >= rank:
                found.append(position)
                if len(found) >= wanted:
                    break
    else:
        last = length - 1
        for offset, item in enumerate(islice(reversed(value), limit)):
            if item == element:
                seen += 1
                if seen >= rank:
                    found.append(last - offset)
                    if len(found) >= wanted:
                        break
    if count == -1:
        return found[0] if found else None
    return found


# -- in-place changes ----------------------------------------------------------------------------


@command("lset", arity=4, flags="write denyoom", keys=(1, 1, 1), group="list",
         summary="Set the value of an element in a list by its index", since="1.0.0",
         complexity="O(N) where N is the length of the list. Setting either the first or the "
                    "last element of the list is O(1).")
def lset_command(client: Client, argv: list[bytes]) -> Reply:
    """LSET key index element: "no such key" before the index is even parsed."""
    key = argv[1]
    db = client.db
    value = db.get_typed_write(key, ListValue)
    if value is None:
        raise CommandError(NO_SUCH_KEY)
    index = parse_int(argv[2])
    if not -len(value) <= index < len(value):
        raise CommandError("ERR index out of range")
    value[index] = argv[3]
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "lset", key)
    keyspace.dirty += 1
    return OK


@command("ltrim", arity=4, flags="write", keys=(1, 1, 1), group="list",
         summary="Trim a list to the specified range", since="1.0.0",
         complexity="O(N) where N is the number of elements to be removed by the operation.")
def ltrim_command(client: Client, argv: list[bytes]) -> Reply:
    """LTRIM key start stop: keep only that range; an empty range deletes the key."""
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    key = argv[1]
    db = client.db
    value = db.get_typed_write(key, ListValue)
    if value is None:
        return OK
    length = len(value)
    if start < 0:
        start += length
    if end < 0:
        end += length
    if start < 0:
        start = 0
    if start > end or start >= length:
        left_trim, right_trim = length, 0
    else:
        end = min(end, length - 1)
        left_trim, right_trim = start, length - end - 1
    removed = left_trim + right_trim
    if removed >= length:
        value.clear()
    elif removed > length - removed:  # fewer to keep than to drop: rebuild
        kept = list_range(value, left_trim, length - right_trim)
        value.clear()
        value.extend(kept)
    else:
        for _ in range(left_trim):
            value.popleft()
        for _ in range(right_trim):
            value.pop()
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "ltrim", key)
    if not value:
        db.remove_if_empty(key, value)
        keyspace.notify(db.index, "g", "del", key)
    if removed:
        keyspace.dirty += removed
    else:
        db.touch(key)  # Redis signals the key modified even when nothing was trimmed
    return OK


@command("lrem", arity=4, flags="write", keys=(1, 1, 1), group="list",
         summary="Remove elements from a list", since="1.0.0",
         complexity="O(N+M) where N is the length of the list and M is the number of elements "
                    "removed.")
def lrem_command(client: Client, argv: list[bytes]) -> Reply:
    """LREM key count element: count > 0 from the head, < 0 from the tail, 0 all."""
    count = parse_int(argv[2])
    key = argv[1]
    db = client.db
    value = db.get_typed_write(key, ListValue)
    if value is None:
        return 0
    element = argv[3]
    from_tail = count < 0
    limit = -count if from_tail else count  # 0: all (and -LONG_MIN never stops either)
    if 0 < limit <= _LREM_REMOVE_LIMIT:
        removed = _remove_few(value, element, limit, from_tail)
    else:
        removed = _remove_all(value, element, limit, from_tail)
    if not removed:
        return 0
    keyspace = client.keyspace
    keyspace.notify(db.index, "l", "lrem", key)
    if not value:
        db.remove_if_empty(key, value)
        keyspace.notify(db.index, "g", "del", key)
    keyspace.dirty += removed
    return removed


def _remove_few(value: ListValue, element: bytes, limit: int, from_tail: bool) -> int:
    """Remove the first ``limit`` matches with deque.remove (C speed for small limits)."""
    if from_tail:
        value.reverse()
    removed = 0
    try:
        while removed < limit:
            value.remove(element)
            removed += 1
    except ValueError:
        pass
    if from_tail:
        value.reverse()
    return removed


def _remove_all(value: ListValue, element: bytes, limit: int, from_tail: bool) -> int:
    """Remove up to ``limit`` matches (0 = all) in one rebuilding pass."""
    length = len(value)
    if limit == 0:
        kept = [item for item in value if item != element]
    else:
        kept = []
        removed = 0
        items = iter(reversed(value) if from_tail else value)
        for item in items:
            if item == element:
                removed += 1
                if removed == limit:
                    kept.extend(items)
                    break
            else:
                kept.append(item)
        if from_tail:
            kept.reverse()
    if len(kept) != length:
        value.clear()
        value.extend(kept)
    return length - len(kept)


# -- pops ----------------------------------------------------------------------------------------


@command("lpop", arity=-2, flags="write fast", keys=(1, 1, 1), group="list",
         summary="Remove and get the first elements in a list", since="1.0.0",
         complexity="O(N) where N is the number of elements returned")
def lpop_command(client: Client, argv: list[bytes]) -> Reply:
    """LPOP key [count]."""
    return pop_generic(client, argv, True)


@command("rpop", arity=-2, flags="write fast", keys=(1, 1, 1), group="list",
         summary="Remove and get the last elements in a list", since="1.0.0",
         complexity="O(N) where N is the number of elements returned")
def rpop_command(client: Client, argv: list[bytes]) -> Reply:
    """RPOP key [count]."""
    return pop_generic(client, argv, False)


@command("lmpop", arity=-4, flags="write", group="list",
         get_keys=lambda argv: _mpop_key_positions(argv, 1),
         summary="Pop elements from a list", since="7.0.0",
         complexity="O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.")
def lmpop_command(client: Client, argv: list[bytes]) -> Reply:
    """LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: ``[key, [elements]]`` or null."""
    keys, left, count, _ = _mpop_args(argv, 1)
    reply = mpop_generic(client, keys, left, count)
    return NULL_ARRAY if reply is None else reply


@command("lmove", arity=5, flags="write denyoom", keys=(1, 2, 1), group="list",
         summary="Pop an element from a list, push it to another list and return it",
         since="6.2.0", complexity="O(1)")
def lmove_command(client: Client, argv: list[bytes]) -> Reply:
    """LMOVE source destination LEFT|RIGHT LEFT|RIGHT."""
    from_left = _is_left(argv[3])
    to_left = _is_left(argv[4])
    return move_generic(client, argv[1], argv[2], from_left, to_left)


@command("rpoplpush", arity=3, flags="write denyoom", keys=(1, 2, 1), group="list",
         summary="Remove the last element in a list, prepend it to another list and return it",
         since="1.2.0", complexity="O(1)")
def rpoplpush_command(client: Client, argv: list[bytes]) -> Reply:
    """RPOPLPUSH source destination (LMOVE source destination RIGHT LEFT)."""
    return move_generic(client, argv[1], argv[2], False, True)


# -- blocking pops -------------------------------------------------------------------------------


def _bpop_rerun(argv: list[bytes]) -> Callable[[bytes], list[bytes]]:
    """B[LR]POP re-run on the one key that became ready (Redis 7.0 serves from that key)."""
    name, timeout_arg = argv[0], argv[-1]
    return lambda key: [name, key, timeout_arg]


def _bmpop_rerun(argv: list[bytes], where_index: int) -> Callable[[bytes], list[bytes]]:
    """BLMPOP re-run on the one key that became ready."""
    head, tail = argv[:2], argv[where_index:]
    return lambda key: [*head, b"1", key, *tail]


def bpop_generic(client: Client, argv: list[bytes], left: bool) -> Reply | BlockRequest:
    """B[LR]POP key [key ...] timeout: ``[key, element]`` from the first non-empty list.

    Propagated as ``LPOP|RPOP key``. When every list is empty the client blocks (or, when it may
    not, gets the timeout reply, a null array); once served it is re-run on the ready key only.
    """
    keys = argv[1:-1]
    timeout = parse_timeout(argv[-1])
    db = client.db
    for key in keys:
        value = db.get_typed_write(key, ListValue)
        if value:
            item = value.popleft() if left else value.pop()
            _elements_removed(client, db, key, value, left, 1)
            client.propagate_as([b"LPOP" if left else b"RPOP", key])
            return [key, item]
    request = BlockRequest(keys, timeout, NULL_ARRAY, argv, value_type=ListValue,
                           argv_for_key=_bpop_rerun(argv) if len(keys) > 1 else None)
    return block_client(client, request, NULL_ARRAY)


def bmove_generic(client: Client, argv: list[bytes], from_left: bool, to_left: bool,
                  timeout: float, propagated: list[bytes]) -> Reply | BlockRequest:
    """BLMOVE/BRPOPLPUSH: move at once if the source has data, else block on the source.

    A timeout replies a null array; a refused block (MULTI) a null bulk string, as Redis does.
    """
    db = client.db
    if db.get_typed_write(argv[1], ListValue) is None:
        request = BlockRequest([argv[1]], timeout, NULL_ARRAY, argv, value_type=ListValue)
        return block_client(client, request, None)
    reply = move_generic(client, argv[1], argv[2], from_left, to_left)
    client.propagate_as(propagated)
    return reply


@command("blpop", arity=-3, flags="write noscript blocking", keys=(1, -2, 1), group="list",
         summary="Remove and get the first element in a list, or block until one is available",
         since="2.0.0", complexity="O(N) where N is the number of provided keys.")
def blpop_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """BLPOP key [key ...] timeout."""
    return bpop_generic(client, argv, True)


@command("brpop", arity=-3, flags="write noscript blocking", keys=(1, -2, 1), group="list",
         summary="Remove and get the last element in a list, or block until one is available",
         since="2.0.0", complexity="O(N) where N is the number of provided keys.")
def brpop_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """BRPOP key [key ...] timeout."""
    return bpop_generic(client, argv, False)


@command("blmove", arity=6, flags="write denyoom noscript blocking", keys=(1, 2, 1),
         group="list",
         summary="Pop an element from a list, push it to another list and return it; or block "
                 "until one is available",
         since="6.2.0", complexity="O(1)")
def blmove_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, propagated as LMOVE.

    The sides keep their spelling in the AOF, also when served after blocking (as 7.0.15 does).
    """
    from_left = _is_left(argv[3])
    to_left = _is_left(argv[4])
    timeout = parse_timeout(argv[5])
    return bmove_generic(client, argv, from_left, to_left, timeout,
                         [b"LMOVE", argv[1], argv[2], argv[3], argv[4]])


@command("brpoplpush", arity=4, flags="write denyoom noscript blocking", keys=(1, 2, 1),
         group="list",
         summary="Pop an element from a list, push it to another list and return it; or block "
                 "until one is available",
         since="2.2.0", complexity="O(1)")
def brpoplpush_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """BRPOPLPUSH source destination timeout (BLMOVE ... RIGHT LEFT), propagated as RPOPLPUSH."""
    timeout = parse_timeout(argv[3])
    return bmove_generic(client, argv, False, True, timeout, [b"RPOPLPUSH", argv[1], argv[2]])


@command("blmpop", arity=-5, flags="write blocking", group="list",
         get_keys=lambda argv: _mpop_key_positions(argv, 2),
         summary="Pop elements from a list, or block until one is available", since="7.0.0",
         complexity="O(N+M) where N is the number of provided keys and M is the number of "
                    "elements returned.")
def blmpop_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].

    The keys, side and count are parsed before the timeout, as in Redis.
    """
    keys, left, count, where_index = _mpop_args(argv, 2)
    timeout = parse_timeout(argv[1])
    reply = mpop_generic(client, keys, left, count)
    if reply is not None:
        return reply
    request = BlockRequest(keys, timeout, NULL_ARRAY, argv, value_type=ListValue,
                           argv_for_key=_bmpop_rerun(argv, where_index) if len(keys) > 1
                           else None)
    return block_client(client, request, NULL_ARRAY)
