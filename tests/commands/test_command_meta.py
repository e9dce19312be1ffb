"""COMMAND INFO / DOCS / GETKEYS / GETKEYSANDFLAGS / COUNT / LIST, ACL CAT, LOLWUT and
LATENCY HISTOGRAM against a real Redis 7.0.15, under RESP2 and RESP3.

The metadata comes from godis's declarations (godis/commandmeta, read by the table); these tests
walk every command both servers have. Redis iterates its command dicts in hash order, so
subcommand lists, maps of commands and ``COMMAND LIST`` are compared as sets.
"""

from __future__ import annotations

import shlex

import pytest

from godis.commandmeta import META
from godis.commands import load_all
from godis.dispatch import LATENCY_BUCKETS, latency_bucket
from godis.keyspecs import legacy_range
from godis.table import all_commands
from tests.support.differential import Differ
from tests.support.resp import parse_reply

NOT_IN_GODIS = {b"failover", b"psync", b"replconf", b"replicaof", b"slaveof", b"sync"}
"""Redis 7.0.15's commands godis does not implement (replication)."""

HIDDEN_FLAGS = {"touches_arbitrary_keys"}
"""Redis flags COMMAND never shows, which godis's registrations need not carry."""


def _items(value: object) -> list[object]:
    """An aggregate's elements, whether RESP2 (a list) or RESP3 (a (kind, items) tuple)."""
    if isinstance(value, tuple):
        assert isinstance(value[1], list)
        return value[1]
    assert isinstance(value, list), value
    return value


def _pairs(value: object) -> dict[object, object]:
    items = _items(value)
    return {items[i]: items[i + 1] for i in range(0, len(items), 2)}


def _info_entry(entry: object) -> tuple[object, ...]:
    """A COMMAND INFO entry with its subcommands in name order."""
    fields = list(_items(entry))
    subs = [_info_entry(sub) for sub in _items(fields[9])]
    fields[9] = sorted(subs, key=repr)
    return (*fields[:9], fields[9])


def _infos(reply: bytes) -> dict[object, tuple[object, ...]]:
    return {_items(entry)[0]: _info_entry(entry) for entry in _items(parse_reply(reply))}


def test_command_info_matches_redis_for_every_command(differ: Differ) -> None:
    mine, theirs = (_infos(raw) for raw in differ.both("COMMAND"))
    assert set(theirs) - set(mine) == NOT_IN_GODIS
    assert set(mine) <= set(theirs)
    for name, entry in mine.items():
        assert entry == theirs[name], name
    for name in (b"get", b"xread", b"config|get", b"CONFIG|SET", b"nosuch", b"sort", b"a|b|c"):
        one = [[None if entry is None else _info_entry(entry) for entry in _items(parse_reply(raw))]
               for raw in differ.both("COMMAND", "INFO", name)]
        assert one[0] == one[1], name


def _docs(value: object) -> dict[object, object]:
    docs: dict[object, object] = {}
    for name, doc in _pairs(value).items():
        fields = _pairs(doc)
        if b"subcommands" in fields:
            fields[b"subcommands"] = _docs(fields[b"subcommands"])
        docs[name] = fields
    return docs


def test_command_docs_matches_redis_for_every_command(differ: Differ) -> None:
    mine, theirs = (_docs(parse_reply(raw)) for raw in differ.both("COMMAND", "DOCS"))
    assert set(theirs) - set(mine) == NOT_IN_GODIS
    for name, doc in mine.items():
        assert doc == theirs[name], name
    for args in (("get", "set"), ("config|get",), ("nosuch",), ("migrate", "nosuch", "zadd")):
        one_mine, one_theirs = (_docs(parse_reply(raw))
                                for raw in differ.both("COMMAND", "DOCS", *args))
        assert one_mine == one_theirs


GETKEYS_CORPUS = """
get k
set k v
set k v get
set k v ex 10 GET
mset a 1 b 2 c 3
mset a 1 b
del a b c
getrange k 0 1
sort k
sort k by w get x store dst limit 0 1
sort k store d1 store d2
sort k store
sort_ro k by x get y
zunionstore dst 2 a b weights 1 2
zunionstore dst 0 a
zunionstore dst abc a
zunionstore dst " 2" a b
zunionstore dst 2abc a b
zunionstore dst +1 a
zunionstore dst 4294967298 a b
zunionstore dst 99999999999999999999 a
zunionstore dst -99999999999999999999 a
zunionstore dst 01 a
eval "return 1" 4294967297 a
sintercard 1x a
zunionstore dst 5 a b
zinterstore dst 1 a
zdiffstore dst 2 a b
zunion 2 a b
zunion 3 a b
zinter 1 a withscores
zdiff 2 a b
zintercard 2 a b limit 3
sintercard 2 a b
sintercard x a b
eval "return 1" 0
eval "return 1" 2 a b c
eval "return 1" 3 a b
eval "return 1" -1 a
evalsha abc 1 k
eval_ro "return 1" 1 k
fcall f 2 a b x
fcall_ro f 1 a
lmpop 2 a b left count 2
lmpop 1 a right
blmpop 0 2 a b left
bzmpop 0 1 a min
zmpop 2 a b max
migrate h 1 k 0 5000
migrate h 1 "" 0 5000 keys a b
migrate h 1 "" 0 5000 copy replace auth pw keys a b
migrate h 1 "" 0 5000 auth2 u p keys a
migrate h 1 k 0 5000 keys a b
georadius k 0 0 1 km store dst
georadius k 0 0 1 km storedist d2 store d3
georadius_ro k 0 0 1 km
georadiusbymember k m 1 km store d
geosearchstore dst src frommember m byradius 1 km
xread streams a b 0 0
xread count 2 block 0 streams a 0
xread streams a 0 b
xread streams
xreadgroup group g c streams a b 0 0
xreadgroup group g c count 1 noack streams a >
xadd s * f v
xgroup create s g $
xinfo stream s
bitfield k get u8 0
bitfield k set u8 0 1
bitfield k overflow wrap incrby u8 0 1
bitfield k foo
bitfield_ro k get u8 0
lmove a b left right
blmove a b left right 0
rpoplpush a b
brpop a b 0
blpop a 0
smove a b m
rename a b
copy a b db 1
object encoding k
memory usage k
pfmerge d a b
pfcount a b
bitop and d a b
touch a b
exists a
watch a b
unlink a
msetnx a 1 b 2
getex k persist
lcs a b
restore k 0 payload
publish ch m
spublish ch m
ssubscribe ch
ping
get
config get maxmemory
nosuch a b
config nosuch
command
xclaim s g c 0 0-1
xautoclaim s g c 0 0
xsetid s 0-1
dump k
type k
georadius k 0 0 1 km store
georadiusbymember_ro k m 1 km store d
xreadgroup group g c streams a
xread block 0 count 1 streams s1 s2 s3 0 0 0
migrate h 1 "" 0 5000 keys
migrate h 1 "" 0 5000 auth keys keys a
sort k limit 0
sort k get
bitfield k get u8
bitfield k overflow
bitfield_ro k get u8 0 get i4 4
object help
memory usage
xinfo consumers s g
xgroup setid s g $
client kill 1.2.3.4:5
subscribe ch
sunsubscribe ch
pubsub shardnumsub ch
function load code
"""


@pytest.mark.parametrize("subcommand", ["GETKEYS", "GETKEYSANDFLAGS"])
def test_getkeys_matches_redis_across_a_corpus(differ: Differ, subcommand: str) -> None:
    for line in GETKEYS_CORPUS.strip().splitlines():
        differ.check("COMMAND", subcommand, *shlex.split(line))


def test_getkeys_errors(differ: Differ) -> None:
    differ.check("COMMAND", "HELP")
    differ.check("COMMAND", "GETKEYS")
    differ.check("COMMAND", "GETKEYS", "get")
    differ.check("COMMAND", "GETKEYSANDFLAGS", "set", "k")


def test_command_count_and_list(differ: Differ) -> None:
    mine, theirs = (parse_reply(raw) for raw in differ.both("COMMAND", "COUNT"))
    assert isinstance(mine, int)
    assert isinstance(theirs, int)
    assert mine == theirs - len(NOT_IN_GODIS)
    every = set(_items(parse_reply(differ.redis.call("COMMAND", "LIST"))))
    assert every == {name.encode() for name in META}  # the declarations are complete
    cases: list[tuple[str, ...]] = [(), ("FILTERBY", "PATTERN", "x*"),
                                    ("FILTERBY", "PATTERN", "CONFIG|*"),
                                    ("FILTERBY", "MODULE", "nosuch"),
                                    ("FILTERBY", "ACLCAT", "nosuch")]
    cases += [("FILTERBY", "ACLCAT", category.upper() if i % 2 else category)
              for i, category in enumerate(_categories(differ))]
    for args in cases:
        listed = [set(_items(parse_reply(raw))) for raw in differ.both("COMMAND", "LIST", *args)]
        assert listed[0] == listed[1] - NOT_IN_GODIS, args
    for args in (("FILTERBY",), ("FILTERBY", "ACLCAT"), ("FILTERBY", "NOPE", "x"),
                 ("FILTERBY", "PATTERN", "*", "extra"), ("nope",)):
        differ.check("COMMAND", "LIST", *args)


def _categories(differ: Differ) -> list[str]:
    reply = _items(parse_reply(differ.check("ACL", "CAT")))
    return [value.decode() for value in reply if isinstance(value, bytes)]


def test_acl_categories_match_redis(differ: Differ) -> None:
    for category in _categories(differ):
        mine, theirs = (set(_items(parse_reply(raw))) for raw in differ.both("ACL", "CAT", category))
        assert mine == theirs - NOT_IN_GODIS, category
    differ.check("ACL", "CAT", "nosuch")
    differ.check("ACL", "CAT", "a", "b")


def test_acl_category_rules_use_the_same_categories(differ: Differ) -> None:
    """``+@cat`` grants exactly the commands ACL CAT lists (ACL DRYRUN asks both servers)."""
    differ.check("ACL", "SETUSER", "meta", "on", "nopass", "~*", "&*", "+@sortedset", "-zadd")
    for args in (("zrange", "k", "0", "1"), ("zadd", "k", "1", "m"), ("get", "k"),
                 ("sort", "k"), ("sort_ro", "k")):
        differ.check("ACL", "DRYRUN", "meta", *args)
    differ.check("ACL", "DELUSER", "meta")


def test_registrations_agree_with_redis_declarations() -> None:
    """Arity, flags and key positions the registrations give dispatch are Redis's."""
    load_all()
    for top in all_commands():
        for spec in (top, *top.subcommands.values()):
            meta = spec.meta
            assert meta is not None, spec.name
            assert spec.arity == meta.arity, spec.name
            assert set(spec.flags) - {"movablekeys"} == set(meta.flags.split()) - HIDDEN_FLAGS, (
                spec.name)
            first, last, step, movable = legacy_range(meta.key_specs)
            assert (spec.first_key, spec.last_key, spec.key_step) == (first, last, step), (
                spec.name)
            if spec.get_keys is not None:
                assert movable, spec.name


LOLWUT_DETERMINISTIC = [
    (), ("VERSION", "5", "66", "8", "2"), ("VERSION", "5", "10", "2", "2"),
    ("VERSION", "5", "1", "200", "1"), ("VERSION", "5", "1"), ("VERSION", "5", "3", "1", "2"),
    ("VERSION", "5", "1000", "200", "2"), ("VERSION", "5", "7", "3", "1"),
    ("VERSION", "5", "40", "7", "2"), ("VERSION", "5", "0", "0", "0"),
    ("VERSION", "5", "-5", "-1", "2"), ("VERSION", "x"), ("VERSION", "5", "x"),
    ("VERSION", "-1"), ("VERSION", "7"), ("5",), ("VERSION",), ("VERSION", "6", "1", "1"),
    ("VERSION", "6", "x"), ("VERSION", "4"),
]


def test_lolwut_matches_redis(differ: Differ) -> None:
    for args in LOLWUT_DETERMINISTIC:
        differ.check("LOLWUT", *args)


@pytest.mark.parametrize("args", [("VERSION", "5"), ("VERSION", "5", "30", "5", "9"),
                                  ("VERSION", "6"), ("VERSION", "6", "30", "9")])
def test_lolwut_random_drawings_have_redis_shape(differ: Differ, args: tuple[str, ...]) -> None:
    """Redis's rand() makes these differ per run: same lines, same width, same ending."""
    mine, theirs = (parse_reply(raw) for raw in differ.both("LOLWUT", *args))
    assert isinstance(mine, bytes)
    assert isinstance(theirs, bytes)
    mine_lines, their_lines = mine.split(b"\n"), theirs.split(b"\n")
    assert len(mine_lines) == len(their_lines)
    assert mine_lines[-3:] == their_lines[-3:]
    for a, b in zip(mine_lines, their_lines, strict=True):
        assert len(a.decode()) == len(b.decode()) or a.count(b"\033[0m") == b.count(b"\033[0m")


def test_latency_histogram_matches_redis_shape(differ: Differ) -> None:
    differ.check("CONFIG", "RESETSTAT")
    for _ in range(3):
        differ.check("PING")
    differ.check("SET", "k", "v")
    for args in ((), ("ping", "set", "nosuch"), ("config",), ("CONFIG|RESETSTAT",)):
        mine, theirs = (_pairs(parse_reply(raw))
                        for raw in differ.both("LATENCY", "HISTOGRAM", *args))
        assert set(mine) == set(theirs), args
        for name, histogram in mine.items():
            fields, their_fields = _pairs(histogram), _pairs(theirs[name])
            assert fields[b"calls"] == their_fields[b"calls"], name
            buckets = _pairs(fields[b"histogram_usec"])
            assert set(buckets) <= {(1032 * 2 ** k - 1) // 1000 for k in range(21)}
            assert list(buckets.values())[-1] == fields[b"calls"]
    differ.check("LATENCY", "HELP")
    differ.check("CONFIG", "RESETSTAT")
    differ.check("LATENCY", "HISTOGRAM", "ping")


def test_latency_histogram_off_when_tracking_is_off(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "latency-tracking", "no")
    differ.check("CONFIG", "RESETSTAT")
    differ.check("PING")
    differ.check("LATENCY", "HISTOGRAM")
    differ.check("CONFIG", "SET", "latency-tracking", "yes")


ACL_KEY_CASES = """
get r1
get w1
get b1
set w1 v
set r1 v
set w1 v get
set b1 v get
append w1 x
incr w1
incr b1
getdel w1
getdel b1
lmove r1 w1 left right
lmove w1 r1 left right
copy r1 w1
rename r1 w1
rename b1 b2
sort r1
sort r1 store w1
sort r1 store r2
sort_ro r1 by w2
zunionstore w1 2 r1 r2
zunionstore w1 2 r1 w2
zunionstore w1 x r1 w2
eval "return 1" 1 w1
eval "return 1" 1 b1
xread streams r1 0
xreadgroup group g c streams r1 0
xreadgroup group g c streams b1 0
georadius r1 0 0 1 km store w1
georadius r1 0 0 1 km store r2
bitfield r1 get u8 0
bitfield r1 set u8 0 1
bitfield b1 set u8 0 1
migrate h 1 w1 0 5000
migrate h 1 b1 0 5000
mset w1 1 r1 2
exists r1 w1
touch r1
object encoding w1
del w1
unlink r1
"""


def test_acl_key_permissions_follow_the_key_specs(differ: Differ) -> None:
    """``%R~`` / ``%W~`` patterns against each key's spec flags (ACLSelectorCheckKey)."""
    differ.check("ACL", "SETUSER", "keys", "on", "nopass", "+@all", "%R~r*", "%W~w*", "~b*")
    for line in ACL_KEY_CASES.strip().splitlines():
        differ.check("ACL", "DRYRUN", "keys", *shlex.split(line))
    differ.check("ACL", "DELUSER", "keys")


def test_latency_buckets_are_hdr_doublings() -> None:
    """Bucket k: the calls hdr's log iterator (1024 ns, doubling, 2 significant digits) first
    counts at level 1024 * 2**k, i.e. up to that level's highest equivalent value."""
    def hdr_level(ns: int) -> int:
        k = 0
        while ns > 1024 * 2 ** k + 2 ** (k + 3) - 1 and k < LATENCY_BUCKETS - 1:
            k += 1
        return k

    for us in [*range(0, 5000), 65_535, 65_536, 541_065, 541_066, 10**6, 10**7]:
        assert latency_bucket(us) == hdr_level(us * 1000), us
