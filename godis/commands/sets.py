"""Set commands: SADD, SINTER, SPOP, SRANDMEMBER, SSCAN ... (Redis 7.0's t_set.c).

A set is a :class:`SetValue` (packed sorted ints as an intset, then a Python ``set`` of
bytes). Its ``encoding`` follows Redis 7.0, which has no listpack sets: ``intset`` while every member is a canonical 64-bit integer string
and there are at most ``set-max-intset-entries`` of them, then ``hashtable`` for good.

Order matters where Redis has one: an intset iterates in ascending integer order, so SMEMBERS,
SSCAN and SINTER over an intset reply sorted, and SUNION/SDIFF (which build their result as a
new set that starts as an intset) reply sorted whenever that result is still an intset.
Hashtable order is unspecified and godis uses Python's.

Random picks (SPOP, SRANDMEMBER, HRANDFIELD) need O(1) random access, which Python's set and
dict lack: :func:`random_access` keeps a list of a big container's members, built once and
reused (SPOP keeps it in step by swap-removing what it pops), so repeated picks cost O(1) each.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from godis.client import Client
from godis.commands.keys import key_added, modified
from godis.commands.scanning import parse_cursor, scan_container
from godis.errors import SYNTAX, CommandError, WrongTypeError
from godis.keyspace.keyspace import Database
from godis.keyspace.values import SetValue
from godis.protocol.reader import strict_int
from godis.protocol.writer import Reply, SetReply
from godis.table import command, first_key_only, self_signalled
from godis.util import parse_int

C = TypeVar("C", bound=Collection[bytes])

LONG_MAX = 2**63 - 1
EMPTY_SCAN: list[Reply] = [b"0", []]
_POSITIVE_COUNT = "ERR value is out of range, must be positive"

# -- random access (shared with hashes.py) -------------------------------------------------

_RANDOM_ACCESS_MIN = 64  # smaller containers are simply listed on each call
_RANDOM_ACCESS_MAX_ENTRIES = 16
_RANDOM_ACCESS: OrderedDict[int, tuple[Collection[bytes], list[bytes]]] = OrderedDict()


def random_access(owner: Collection[bytes]) -> list[bytes]:
    """``owner``'s members as a list for O(1) random picks (cached for big containers).

    The cache entry stays valid while the container is only changed through
    :func:`swap_remove` (SPOP); every other insert or delete must call
    :func:`forget_random_access`. Callers still check picks against the container.
    """
    size = len(owner)
    if size < _RANDOM_ACCESS_MIN:
        return list(owner)
    key = id(owner)
    cached = _RANDOM_ACCESS.get(key)
    if cached is not None and cached[0] is owner and len(cached[1]) == size:
        _RANDOM_ACCESS.move_to_end(key)
        return cached[1]
    items = list(owner)
    _RANDOM_ACCESS[key] = (owner, items)
    _RANDOM_ACCESS.move_to_end(key)
    while len(_RANDOM_ACCESS) > _RANDOM_ACCESS_MAX_ENTRIES:
        _RANDOM_ACCESS.popitem(last=False)
    return items


def forget_random_access(owner: Collection[bytes]) -> None:
    """``owner`` gained or lost members: its random-access list is stale."""
    if _RANDOM_ACCESS:
        _RANDOM_ACCESS.pop(id(owner), None)


def fresh_random_access(owner: Collection[bytes], picks: Iterable[bytes]) -> list[bytes] | None:
    """None if every pick is still in ``owner``; else a rebuilt list (someone skipped a forget)."""
    if all(pick in owner for pick in picks):
        return None
    forget_random_access(owner)
    return random_access(owner)


def swap_remove(items: list[bytes], index: int) -> None:
    """Delete ``items[index]`` in O(1) by moving the last item into its place."""
    last = items.pop()
    if index < len(items):
        items[index] = last


# -- encoding and order ----------------------------------------------------------------------


def is_intset_member(member: bytes) -> bool:
    """Whether an intset can hold ``member`` (Redis's isSdsRepresentableAsLongLong)."""
    return strict_int(member) is not None


def add_members(client: Client, value: SetValue, members: Iterable[bytes]) -> int:
    """SADD ``members`` to ``value``, converting intset -> hashtable as Redis does; how many added.

    Redis converts when a non-integer is added or the intset grows past
    ``set-max-intset-entries``; a non-integer is never already in an intset and the size only
    grows here, so checking once after the update gives the same final encoding.
    """
    if not isinstance(members, list | tuple):
        members = list(members)
    before = len(value)
    value.update(members)
    added = len(value) - before
    if added:
        forget_random_access(value)
        if value.encoding == "intset" and (
            len(value) > client.server.config["set-max-intset-entries"]
            or not all(map(is_intset_member, members))
        ):
            value.encoding = "hashtable"
    return added


def new_set(client: Client, members: Iterable[bytes]) -> SetValue:
    """A set built by adding ``members`` to an empty intset (the STORE commands' results)."""
    value = SetValue()
    add_members(client, value, members)
    return value


def intset_order(client: Client, members: Collection[bytes]) -> list[bytes] | None:
    """``members`` in intset order if a set built from them would be an intset, else None."""
    if len(members) > client.server.config["set-max-intset-entries"]:
        return None
    if not all(map(is_intset_member, members)):
        return None
    return sorted(members, key=int)


def iteration_order(value: SetValue) -> list[bytes]:
    """The members as Redis iterates them: ascending for an intset."""
    if value.encoding == "intset":
        return sorted(value, key=int)
    return list(value)


def result_order(client: Client, members: Collection[bytes]) -> list[bytes]:
    """The order of a result set Redis builds before replying (SUNION, SDIFF, whole-set SPOP)."""
    ordered = intset_order(client, members)
    return list(members) if ordered is None else ordered


def _remove_key_if_empty(client: Client, key: bytes, value: SetValue) -> bool:
    """Drop a set that became empty (Redis never keeps empty sets); notify ``del``."""
    if value:
        return False
    db = client.db
    db.remove_if_empty(key, value)
    forget_random_access(value)
    client.keyspace.notify(db.index, "g", "del", key)
    return True


# -- SADD SREM SMOVE SISMEMBER SMISMEMBER SCARD -------------------------------------------


@command("sadd", arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="set",
         since="1.0.0", summary="Add one or more members to a set",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is "
                    "called with multiple arguments.")
def sadd_command(client: Client, argv: list[bytes]) -> Reply:
    """SADD key member [member ...]: how many were new."""
    db = client.db
    value = db.get_or_create(argv[1], SetValue)
    added = add_members(client, value, argv[2:])
    if added:
        client.keyspace.notify(db.index, "s", "sadd", argv[1])
        client.keyspace.dirty += added
    return added


@command("srem", arity=-3, flags="write fast", keys=(1, 1, 1), group="set", since="1.0.0",
         summary="Remove one or more members from a set",
         complexity="O(N) where N is the number of members to be removed.")
def srem_command(client: Client, argv: list[bytes]) -> Reply:
    """SREM key member [member ...]: how many were removed; the key goes when empty."""
    db = client.db
    value = db.get_typed_write(argv[1], SetValue)
    if value is None:
        return 0
    before = len(value)
    value.difference_update(argv[2:])
    deleted = before - len(value)
    if deleted:
        forget_random_access(value)
        client.keyspace.notify(db.index, "s", "srem", argv[1])
        _remove_key_if_empty(client, argv[1], value)
        client.keyspace.dirty += deleted
    return deleted


@command("smove", arity=4, flags="write fast", keys=(1, 2, 1), group="set", since="1.0.0",
         summary="Move a member from one set to another", complexity="O(1)",
         written_keys=self_signalled)
def smove_command(client: Client, argv: list[bytes]) -> Reply:
    """SMOVE source destination member: 1 if moved (or already there when source is dest).

    As ``smoveCommand``, the destination is signalled (WATCH, keyspace event, blocked clients
    when created) only when the member was actually added to it; the source always is.
    """
    db = client.db
    source_key, dest_key, member = argv[1], argv[2], argv[3]
    source = db.get(source_key)
    dest = db.get(dest_key)
    if source is None:
        return 0
    if type(source) is not SetValue or (dest is not None and type(dest) is not SetValue):
        raise WrongTypeError()
    if source is dest:
        return int(member in source)
    if member not in source:
        return 0
    source.discard(member)
    forget_random_access(source)
    keyspace = client.keyspace
    keyspace.notify(db.index, "s", "srem", source_key)
    _remove_key_if_empty(client, source_key, source)
    created = dest is None
    if dest is None:
        dest = db.get_or_create(dest_key, SetValue)
    modified(db, source_key)
    keyspace.dirty += 1
    if add_members(client, dest, (member,)):
        keyspace.dirty += 1
        if created:
            key_added(db, dest_key)
        else:
            modified(db, dest_key)
        keyspace.notify(db.index, "s", "sadd", dest_key)
    return 1


@command("sismember", arity=3, flags="readonly fast", keys=(1, 1, 1), group="set",
         since="1.0.0", summary="Determine if a given value is a member of a set",
         complexity="O(1)")
def sismember_command(client: Client, argv: list[bytes]) -> Reply:
    """SISMEMBER key member."""
    value = client.db.get_typed(argv[1], SetValue)
    return 1 if value is not None and argv[2] in value else 0


@command("smismember", arity=-3, flags="readonly fast", keys=(1, 1, 1), group="set",
         since="6.2.0", summary="Returns the membership associated with the given elements for "
                                "a set",
         complexity="O(N) where N is the number of elements being checked for membership")
def smismember_command(client: Client, argv: list[bytes]) -> Reply:
    """SMISMEMBER key member [member ...]: 1/0 per member."""
    value = client.db.get_typed(argv[1], SetValue)
    if value is None:
        return [0] * (len(argv) - 2)
    return [1 if member in value else 0 for member in argv[2:]]


@command("scard", arity=2, flags="readonly fast", keys=(1, 1, 1), group="set", since="1.0.0",
         summary="Get the number of members in a set", complexity="O(1)")
def scard_command(client: Client, argv: list[bytes]) -> Reply:
    """SCARD key."""
    value = client.db.get_typed(argv[1], SetValue)
    return 0 if value is None else len(value)


# -- SMEMBERS SINTER SINTERCARD SINTERSTORE ------------------------------------------------


def _lookup_sets(db: Database, keys: list[bytes]) -> list[SetValue | None]:
    """Every key's set (None when missing), type-checked in order as Redis does."""
    return [db.get_typed(key, SetValue) for key in keys]


def _store(client: Client, dest: bytes, members: Collection[bytes], event: str, *,
           hashtable: bool = False) -> int:
    """Replace ``dest`` with a set of ``members`` (delete it when empty); the new size.

    ``hashtable``: the result was built through a hashtable even if it now fits an intset.
    """
    db = client.db
    keyspace = client.keyspace
    if members:
        value = new_set(client, members)
        if hashtable:
            value.encoding = "hashtable"
        db.set(dest, value)
        keyspace.notify(db.index, "s", event, dest)
        keyspace.dirty += 1
        return len(members)
    if db.delete(dest):
        keyspace.notify(db.index, "g", "del", dest)
        keyspace.dirty += 1
    return 0


def sinter_generic(client: Client, keys: list[bytes], dest: bytes | None = None, *,
                   cardinality_only: bool = False, limit: int = 0) -> Reply:
    """SINTER, SINTERSTORE, SINTERCARD and SMEMBERS (Redis's sinterGenericCommand).

    Redis iterates the smallest set and tests each member against the others, so the reply
    follows the smallest set's order: ascending when it is an intset.
    """
    found = _lookup_sets(client.db, keys)
    if any(value is None for value in found):
        if dest is not None:
            return _store(client, dest, (), "sinterstore")
        return 0 if cardinality_only else SetReply(())
    sets = sorted((value for value in found if value is not None), key=len)
    smallest = sets[0]
    others = [other for other in sets[1:] if other is not smallest]
    if cardinality_only:
        if not limit:
            return len(smallest.intersection(*others)) if others else len(smallest)
        count = 0
        for member in smallest:
            for other in others:
                if member not in other:
                    break
            else:
                count += 1
                if count == limit:
                    break
        return count
    members = smallest.intersection(*others) if others else smallest
    if dest is not None:
        return _store(client, dest, members, "sinterstore")
    if smallest.encoding == "intset":
        ordered: list[bytes] = sorted(members, key=int)
        return SetReply(ordered)
    return SetReply(list(members))


@command("smembers", arity=2, flags="readonly", keys=(1, 1, 1), group="set", since="1.0.0",
         summary="Get all the members in a set",
         complexity="O(N) where N is the set cardinality.")
def smembers_command(client: Client, argv: list[bytes]) -> Reply:
    """SMEMBERS key: a set reply (ascending for an intset)."""
    value = client.db.get_typed(argv[1], SetValue)
    if value is None:
        return SetReply(())
    return SetReply(iteration_order(value))


@command("sinter", arity=-2, flags="readonly", keys=(1, -1, 1), group="set", since="1.0.0",
         summary="Intersect multiple sets",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.")
def sinter_command(client: Client, argv: list[bytes]) -> Reply:
    """SINTER key [key ...]."""
    return sinter_generic(client, argv[1:])


@command("sinterstore", arity=-3, flags="write denyoom", keys=(1, -1, 1), group="set",
         since="1.0.0", summary="Intersect multiple sets and store the resulting set in a key",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.", written_keys=first_key_only)
def sinterstore_command(client: Client, argv: list[bytes]) -> Reply:
    """SINTERSTORE destination key [key ...]: the size of the stored set."""
    return sinter_generic(client, argv[2:], argv[1])


def _sintercard_keys(argv: list[bytes]) -> list[int]:
    """SINTERCARD numkeys key [key ...]: positions 2 .. 1+numkeys."""
    numkeys = strict_int(argv[1]) if len(argv) > 1 else None
    if numkeys is None or numkeys < 1 or numkeys > len(argv) - 2:
        return []
    return list(range(2, 2 + numkeys))


@command("sintercard", arity=-3, flags="readonly", group="set", since="7.0.0",
         get_keys=_sintercard_keys,
         summary="Intersect multiple sets and return the cardinality of the result",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is "
                    "the number of sets.")
def sintercard_command(client: Client, argv: list[bytes]) -> Reply:
    """SINTERCARD numkeys key [key ...] [LIMIT limit]: stops counting at ``limit`` (0: never)."""
    numkeys = strict_int(argv[1])
    if numkeys is None or numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    if numkeys > len(argv) - 2:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    limit = 0
    index = 2 + numkeys
    while index < len(argv):
        if argv[index].lower() == b"limit" and index + 1 < len(argv):
            parsed = strict_int(argv[index + 1])
            if parsed is None or parsed < 0:
                raise CommandError("ERR LIMIT can't be negative")
            limit = parsed
            index += 2
        else:
            raise CommandError(SYNTAX)
    return sinter_generic(client, argv[2:2 + numkeys], cardinality_only=True, limit=limit)


# -- SUNION SDIFF (and their STORE forms) ---------------------------------------------------


def _diff_builds_hashtable(client: Client, sets: list[SetValue | None]) -> bool:
    """Whether SDIFF's result set turns into a hashtable before its members are removed.

    Redis picks "algorithm 2" (copy the first set, then remove the others' members) when the
    first set is big compared with the rest; the copy converts to a hashtable if the first set
    holds a non-integer or too many members, even if those are removed again.
    """
    first = sets[0]
    assert first is not None
    present = [s for s in sets if s is not None]
    algorithm_one_work = len(first) * len(present) // 2
    algorithm_two_work = sum(len(s) for s in present)
    if algorithm_one_work <= algorithm_two_work:
        return False
    if len(first) > client.server.config["set-max-intset-entries"]:
        return True
    return first.encoding != "intset" and not all(map(is_intset_member, first))


def sunion_diff_generic(client: Client, keys: list[bytes], dest: bytes | None,
                        union: bool) -> Reply:
    """SUNION, SDIFF and their STORE forms (Redis's sunionDiffGenericCommand)."""
    sets = _lookup_sets(client.db, keys)
    present = [s for s in sets if s is not None]
    members: set[bytes]
    if union:
        members = set().union(*present)
    elif sets[0] is None:
        members = set()
    else:
        members = sets[0].difference(*present[1:])
    built_as_hashtable = not union and bool(members) and _diff_builds_hashtable(client, sets)
    if dest is not None:
        return _store(client, dest, members, "sunionstore" if union else "sdiffstore",
                      hashtable=built_as_hashtable)
    if built_as_hashtable:
        return SetReply(list(members))
    return SetReply(result_order(client, members))


@command("sunion", arity=-2, flags="readonly", keys=(1, -1, 1), group="set", since="1.0.0",
         summary="Add multiple sets",
         complexity="O(N) where N is the total number of elements in all given sets.")
def sunion_command(client: Client, argv: list[bytes]) -> Reply:
    """SUNION key [key ...]."""
    return sunion_diff_generic(client, argv[1:], None, union=True)


@command("sunionstore", arity=-3, flags="write denyoom", keys=(1, -1, 1), group="set",
         since="1.0.0", summary="Add multiple sets and store the resulting set in a key",
         complexity="O(N) where N is the total number of elements in all given sets.", written_keys=first_key_only)
def sunionstore_command(client: Client, argv: list[bytes]) -> Reply:
    """SUNIONSTORE destination key [key ...]."""
    return sunion_diff_generic(client, argv[2:], argv[1], union=True)


@command("sdiff", arity=-2, flags="readonly", keys=(1, -1, 1), group="set", since="1.0.0",
         summary="Subtract multiple sets",
         complexity="O(N) where N is the total number of elements in all given sets.")
def sdiff_command(client: Client, argv: list[bytes]) -> Reply:
    """SDIFF key [key ...]: the first set minus the others."""
    return sunion_diff_generic(client, argv[1:], None, union=False)


@command("sdiffstore", arity=-3, flags="write denyoom", keys=(1, -1, 1), group="set",
         since="1.0.0", summary="Subtract multiple sets and store the resulting set in a key",
         complexity="O(N) where N is the total number of elements in all given sets.", written_keys=first_key_only)
def sdiffstore_command(client: Client, argv: list[bytes]) -> Reply:
    """SDIFFSTORE destination key [key ...]."""
    return sunion_diff_generic(client, argv[2:], argv[1], union=False)


# -- SPOP SRANDMEMBER -----------------------------------------------------------------------


def pop_one_random(value: SetValue) -> bytes:
    """Remove and return one random member (O(1) with the cached random-access list)."""
    items = random_access(value)
    index = random.randrange(len(items))
    member = items[index]
    if member not in value:  # a stale list: someone skipped forget_random_access
        forget_random_access(value)
        items = random_access(value)
        index = random.randrange(len(items))
        member = items[index]
    swap_remove(items, index)
    value.discard(member)
    return member


def pop_random(value: SetValue, count: int) -> list[bytes]:
    """Remove and return ``count`` (< len) distinct random members, keeping the cache in step."""
    items = random_access(value)
    indexes = random.sample(range(len(items)), count)
    picks = [items[i] for i in indexes]
    rebuilt = fresh_random_access(value, picks)
    if rebuilt is not None:
        items = rebuilt
        indexes = random.sample(range(len(items)), count)
        picks = [items[i] for i in indexes]
    # Swap-remove from the highest index down: everything above the current index is a
    # member we keep, so the item moved into the hole is never one still to be removed.
    for index in sorted(indexes, reverse=True):
        swap_remove(items, index)
    value.difference_update(picks)
    return picks


def random_members(value: Collection[bytes], count: int, unique: bool) -> list[bytes]:
    """``count`` random members: distinct (``count`` < len) or with repetitions."""
    items = random_access(value)
    picks = random.sample(items, count) if unique else random.choices(items, k=count)
    rebuilt = fresh_random_access(value, picks)
    if rebuilt is not None:
        picks = random.sample(rebuilt, count) if unique else random.choices(rebuilt, k=count)
    return picks


def parse_random_count(arg: bytes) -> int:
    """The count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: any long but LONG_MIN."""
    count = parse_int(arg)
    if count < -LONG_MAX:
        raise CommandError("ERR value is out of range, value must between "
                           f"{-LONG_MAX} and {LONG_MAX}")
    return count


def random_with_count(value: C, count: int, everything: Callable[[C], list[bytes]]) -> list[bytes]:
    """SRANDMEMBER/HRANDFIELD with a non-zero count: a negative count may repeat members, a
    count of at least the size is ``everything(value)`` (in Redis's iteration order)."""
    if count < 0:
        return random_members(value, -count, unique=False)
    if count >= len(value):
        return everything(value)
    return random_members(value, count, unique=True)


def _spop_with_count(client: Client, argv: list[bytes]) -> Reply:
    """SPOP key count: propagated as one SREM per member, or as DEL when all are popped."""
    count = strict_int(argv[2])
    if count is None or count < 0:
        raise CommandError(_POSITIVE_COUNT)
    db = client.db
    key = argv[1]
    value = db.get_typed_write(key, SetValue)
    if value is None or count == 0:
        return SetReply(())
    keyspace = client.keyspace
    keyspace.notify(db.index, "s", "spop", key)
    if count >= len(value):
        members = result_order(client, value)
        db.delete(key)
        forget_random_access(value)
        keyspace.notify(db.index, "g", "del", key)
        client.propagate_as([b"DEL", key])
        keyspace.dirty += count + 1
        return SetReply(members)
    picks = pop_random(value, count)
    client.propagate_as(*[[b"SREM", key, member] for member in picks])
    keyspace.dirty += count + 1
    return SetReply(picks)


@command("spop", arity=-2, flags="write fast", keys=(1, 1, 1), group="set", since="1.0.0",
         summary="Remove and return one or multiple random members from a set",
         complexity="Without the count argument O(1), otherwise O(N) where N is the value of "
                    "the passed count.")
def spop_command(client: Client, argv: list[bytes]) -> Reply:
    """SPOP key [count]: propagated as SREM of the popped member."""
    if len(argv) == 3:
        return _spop_with_count(client, argv)
    if len(argv) > 3:
        raise CommandError(SYNTAX)
    db = client.db
    key = argv[1]
    value = db.get_typed_write(key, SetValue)
    if value is None:
        return None
    member = pop_one_random(value)
    keyspace = client.keyspace
    keyspace.notify(db.index, "s", "spop", key)
    client.propagate_as([b"SREM", key, member])
    _remove_key_if_empty(client, key, value)
    keyspace.dirty += 1
    return member


@command("srandmember", arity=-2, flags="readonly", keys=(1, 1, 1), group="set",
         since="1.0.0", summary="Get one or multiple random members from a set",
         complexity="Without the count argument O(1), otherwise O(N) where N is the absolute "
                    "value of the passed count.")
def srandmember_command(client: Client, argv: list[bytes]) -> Reply:
    """SRANDMEMBER key [count]: a negative count may repeat members; replies an array."""
    if len(argv) > 3:
        raise CommandError(SYNTAX)
    if len(argv) == 2:
        value = client.db.get_typed(argv[1], SetValue)
        if value is None:
            return None
        return random_members(value, 1, unique=False)[0]
    count = parse_random_count(argv[2])
    value = client.db.get_typed(argv[1], SetValue)
    if value is None or count == 0:
        return []
    return random_with_count(value, count, iteration_order)


# -- SSCAN ----------------------------------------------------------------------------------


@command("sscan", arity=-3, flags="readonly", keys=(1, 1, 1), group="set", since="2.8.0",
         summary="Incrementally iterate Set elements",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough "
                    "command calls for the cursor to return back to 0. N is the number of "
                    "elements inside the collection..")
def sscan_command(client: Client, argv: list[bytes]) -> Reply:
    """SSCAN key cursor [MATCH pattern] [COUNT count]: an intset is returned whole."""
    cursor = parse_cursor(argv[2])
    value = client.db.get_typed(argv[1], SetValue)
    if value is None:
        return EMPTY_SCAN
    intset = value.encoding == "intset"
    next_cursor, found, options = scan_container(
        argv, cursor, value, iteration_order(value) if intset else None, lambda: value)
    candidates = list(found) if intset else [member for member in found if member in value]
    if options.match is not None:
        candidates = [member for member in candidates if options.matches(member)]
    return [str(next_cursor).encode(), candidates]
