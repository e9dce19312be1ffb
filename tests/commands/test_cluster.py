"""DUMP and RESTORE, differential against redis-server: payloads both ways, errors, options.

Every type and encoding Redis 7.0 has for the godis value types is built with the same
commands on both sides; the DUMP payloads must be byte-identical except where Redis's order is
a hash table's (hashtable sets and hashes), and each side's payload must RESTORE on the other
to the same content and OBJECT ENCODING. What only godis can show (AOF propagation, wake-ups
of blocked clients, keyspace events) is tested on godis alone.
"""

from __future__ import annotations

import random

import pytest
import trio
import trio.testing

from godis.persistence.rdb import crc64_bytes, dump_payload
from godis.protocol.reader import strict_int
from godis.table import COMMANDS
from tests.commands.test_keys import FAR_MS, FakeClock, Recorder
from tests.support.differential import Differ, GodisDirect
from tests.support.resp import parse_reply
from tests.test_blocking import World, pair

Arg = bytes | str | int | float

_rng = random.Random(7)


def _blob(size: int) -> bytes:
    return bytes(_rng.randrange(256) for _ in range(size))


def _text(size: int, alphabet: str = "abcd") -> str:
    return "".join(_rng.choice(alphabet) for _ in range(size))


DATASET: list[tuple[str, list[tuple[Arg, ...]]]] = [
    # strings: int encodings (8/16/32 bit), 64-bit ints as text, embstr, raw, LZF, binary
    ("s-small-int", [("SET", "s-small-int", "12")]),
    ("s-int16", [("SET", "s-int16", "-3000")]),
    ("s-int32", [("SET", "s-int32", "2147483647")]),
    ("s-int64", [("SET", "s-int64", "-9223372036854775808")]),
    ("s-not-int", [("SET", "s-not-int", "007")]),
    ("s-empty", [("SET", "s-empty", "")]),
    ("s-embstr", [("SET", "s-embstr", "hello world")]),
    ("s-20", [("SET", "s-20", "x" * 20)]),
    ("s-21", [("SET", "s-21", "x" * 21)]),
    ("s-lzf", [("SET", "s-lzf", ("abc" * 50 + "xyz" * 30) * 3)]),
    ("s-lzf-long", [("SET", "s-lzf-long", _text(20000))]),
    ("s-binary", [("SET", "s-binary", _blob(500))]),
    ("s-appended", [("SET", "s-appended", "12"), ("APPEND", "s-appended", "34")]),
    # lists: one listpack node, many nodes, ints of every listpack width, big elements
    ("l-small", [("RPUSH", "l-small", "a", "1", "-5", "127", "128", "-4096", "4095", "32767",
                  "-8388608", "2147483647", "9223372036854775807", "-9223372036854775808",
                  "1.5", "x" * 70, "y" * 5000)]),
    ("l-lpush", [("LPUSH", "l-lpush", "c", "b", "a")]),
    ("l-nodes", [("RPUSH", "l-nodes", *[f"element-{i}" * 3 for i in range(3000)])]),
    ("l-ints", [("RPUSH", "l-ints", *[str(i * 37) for i in range(6000)])]),
    ("l-binary", [("RPUSH", "l-binary", *[_blob(40) for _ in range(50)])]),
    # sets: intsets of each width, hashtable
    ("set-int16", [("SADD", "set-int16", "1", "2", "-3", "300")]),
    ("set-int32", [("SADD", "set-int32", "1", "70000", "-70000")]),
    ("set-int64", [("SADD", "set-int64", "1", "9223372036854775807", "-9223372036854775808")]),
    ("set-ht", [("SADD", "set-ht", "a", "b", "1", _blob(30))]),
    ("set-big-intset", [("SADD", "set-big-intset", *[str(i) for i in range(600)])]),
    # sorted sets: listpack (integral, fractional, inf scores), skiplist
    ("z-lp", [("ZADD", "z-lp", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "1e300", "e",
               "-0", "f", "4611686018427387904", "g", "4611686018427387903", "h", "0.1", "i",
               "-12345678901", "j")]),
    ("z-skiplist", [("ZADD", "z-skiplist", *[x for i in range(200)
                                              for x in (str(i * 1.25 - 50), f"m{i}")])]),
    ("z-long-member", [("ZADD", "z-long-member", "1", "a", "2", "b" * 100)]),
    # hashes: listpack (int fields and values), hashtable by size and by value length
    ("h-lp", [("HSET", "h-lp", "f1", "v1", "2", "3", "f3", "x" * 50, "-7", _blob(20))]),
    ("h-ht-long", [("HSET", "h-ht-long", "f", "v", "g", "w" * 100)]),
    ("h-ht-many", [("HSET", "h-ht-many", *[x for i in range(600) for x in (f"f{i}", str(i))])]),
]

HASH_ORDERED = {"set-ht", "set-big-intset", "h-ht-long", "h-ht-many"}  # dict iteration order


def _content(key: str) -> list[tuple[Arg, ...]]:
    """Commands whose replies show a key's whole content, as comparable bytes."""
    return [("TYPE", key), ("OBJECT", "ENCODING", key), ("TTL", key)]


def _read_content(side: GodisDirect | Differ, key: str) -> object:
    """The content of ``key`` on one side, order-free where Redis has no order."""
    call = side.call if isinstance(side, GodisDirect) else side.redis.call
    kind = parse_reply(call("TYPE", key))
    if kind == "string":
        return parse_reply(call("GET", key))
    if kind == "list":
        return parse_reply(call("LRANGE", key, 0, -1))
    if kind == "set":
        members = parse_reply(call("SMEMBERS", key))
        assert isinstance(members, list)
        return sorted(members)
    if kind == "zset":
        return parse_reply(call("ZRANGE", key, 0, -1, "WITHSCORES"))
    if kind == "hash":
        flat = parse_reply(call("HGETALL", key))
        assert isinstance(flat, list)
        return sorted(zip(flat[::2], flat[1::2], strict=True))
    return kind


def _build(d: Differ) -> None:
    for _, commands in DATASET:
        for argv in commands:
            d.check(*argv)


def test_dump_payloads_equal_redis(diff: Differ) -> None:
    _build(diff)
    for key, _ in DATASET:
        mine, theirs = diff.both("DUMP", key)
        if key in HASH_ORDERED:
            assert len(mine) == len(theirs), key
        else:
            assert mine == theirs, f"{key}: godis {mine[:60]!r} != redis {theirs[:60]!r}"


def test_redis_payloads_restore_in_godis(diff: Differ) -> None:
    _build(diff)
    for key, _ in DATASET:
        payload = parse_reply(diff.redis.call("DUMP", key))
        assert isinstance(payload, bytes)
        copy = "copy-" + key
        diff.check("RESTORE", copy, 0, payload)
        for argv in _content(copy):
            diff.check(*argv)
        assert _read_content(diff.godis, copy) == _read_content(diff, copy), key
        assert _read_content(diff.godis, copy) == _read_content(diff.godis, key), key


def test_godis_payloads_restore_in_redis(diff: Differ) -> None:
    _build(diff)
    for key, _ in DATASET:
        payload = parse_reply(diff.godis.call("DUMP", key))
        assert isinstance(payload, bytes)
        copy = "back-" + key
        diff.check("RESTORE", copy, 0, payload)
        diff.check("OBJECT", "ENCODING", copy)
        assert _read_content(diff, copy) == _read_content(diff, key), key


def test_restore_under_other_thresholds(diff: Differ) -> None:
    """A listpack loaded under smaller limits converts as rdbLoadObject converts it."""
    _build(diff)
    payloads = {key: parse_reply(diff.redis.call("DUMP", key)) for key, _ in DATASET}
    for name, value in (("hash-max-listpack-entries", 2), ("zset-max-listpack-entries", 3),
                        ("set-max-intset-entries", 2), ("hash-max-listpack-value", 3),
                        ("zset-max-listpack-value", 1), ("list-max-listpack-size", 5)):
        diff.check("CONFIG", "SET", name, value)
    for key, payload in payloads.items():
        assert isinstance(payload, bytes)
        diff.check("RESTORE", "t-" + key, 0, payload)
        encoding = diff.check("OBJECT", "ENCODING", "t-" + key)
        if b"hashtable" not in encoding and not key.startswith("l-"):
            diff.check("DUMP", "t-" + key)


def test_dump_without_compression(diff: Differ) -> None:
    diff.check("CONFIG", "SET", "rdbcompression", "no")
    _build(diff)
    for key, _ in DATASET:
        if key not in HASH_ORDERED:
            diff.check("DUMP", key)


def test_missing_and_expired_keys(diff: Differ) -> None:
    diff.check("DUMP", "nokey")
    godis = GodisDirect()
    clock = FakeClock(godis)
    godis.call("SET", "k", "v", "PX", 10)
    payload = parse_reply(godis.call("DUMP", "k"))
    clock.now += 10
    assert godis.call("DUMP", "k") == b"$-1\r\n"
    assert isinstance(payload, bytes)
    godis.call("SET", "busy", "v", "PX", 10)
    clock.now += 10
    assert godis.call("RESTORE", "busy", 0, payload) == b"+OK\r\n"  # expired: not busy


def test_errors(diff: Differ) -> None:
    diff.check("SET", "k", "v")
    payload = parse_reply(diff.check("DUMP", "k"))
    assert isinstance(payload, bytes)
    diff.check("RESTORE", "k", 0, payload)  # BUSYKEY
    diff.check("RESTORE", "k2", -1, payload)
    diff.check("RESTORE", "k2", "x", payload)
    diff.check("RESTORE", "k2", 0, payload[:-1] + bytes([payload[-1] ^ 1]))
    diff.check("RESTORE", "k2", 0, b"short")
    diff.check("RESTORE", "k2", 0, b"")
    newer = b"\x00\x01v" + (11).to_bytes(2, "little")
    diff.check("RESTORE", "k2", 0, newer + b"\x00" * 8)
    for bad_body in (b"\x00", b"\x08\x01v", b"\x0e\x00", b"\x02\x00", b"\x10\x05abc",
                     b"\x12\x01\x02\x05abcde", b"\x0b\x03abc", b"\x06\x00",
                     b"\x00\xc3\x05\x10abc"):
        crc_ok = _with_footer(bad_body)
        diff.check("RESTORE", "k2", 0, crc_ok)
    diff.check("RESTORE", "k2", 0, payload, "BOGUS")
    diff.check("RESTORE", "k2", 0, payload, "IDLETIME")
    diff.check("RESTORE", "k2", 0, payload, "IDLETIME", -1)
    diff.check("RESTORE", "k2", 0, payload, "IDLETIME", "x")
    diff.check("RESTORE", "k2", 0, payload, "FREQ", 256)
    diff.check("RESTORE", "k2", 0, payload, "FREQ", -1)
    diff.check("RESTORE", "k2", 0, payload, "IDLETIME", 5, "FREQ", 5)
    diff.check("RESTORE", "k2", 0, payload, "FREQ", 5, "IDLETIME", 5)
    diff.check("RESTORE", "k", -1, payload)  # BUSYKEY is checked before the TTL
    diff.check("RESTORE", "k", 0, b"garbage", "REPLACE")
    diff.check("GET", "k")
    diff.check("RESTORE")
    diff.check("RESTORE", "k", 0)
    diff.check("DUMP")


def _with_footer(body: bytes) -> bytes:
    """``body`` with a valid version and CRC64 (so only the value itself is wrong)."""
    payload = dump_payload(b"x")
    return body + payload[-10:-8] + crc64_bytes(body + payload[-10:-8])


def test_options(diff: Differ) -> None:
    diff.check("RPUSH", "l", "a", "b")
    payload = parse_reply(diff.check("DUMP", "l"))
    assert isinstance(payload, bytes)
    diff.check("RESTORE", "l", 0, payload, "REPLACE")
    diff.check("LRANGE", "l", 0, -1)
    diff.check("RESTORE", "l2", 100000000, payload)
    diff.check("TTL", "l2")
    diff.check("RESTORE", "l3", FAR_MS, payload, "ABSTTL")
    diff.check("PEXPIRETIME", "l3")
    diff.check("RESTORE", "l4", 0, payload, "IDLETIME", 1000)
    diff.check("OBJECT", "IDLETIME", "l4")
    diff.check("RESTORE", "l5", 0, payload, "FREQ", 100, "replace", "absttl")
    diff.check("LRANGE", "l5", 0, -1)
    diff.check("RESTORE", "l6", 1, payload, "ABSTTL")  # long past: nothing stored
    diff.check("EXISTS", "l6")
    diff.check("RESTORE", "l", 1, payload, "ABSTTL", "REPLACE")  # deletes the old key
    diff.check("EXISTS", "l")
    diff.check("SET", "str", "v")
    diff.check("RESTORE", "str", 0, payload, "REPLACE")  # another type replaces
    diff.check("TYPE", "str")


def test_command_info(diff: Differ) -> None:
    """COMMAND INFO's name, arity, flags, key positions and ACL categories."""
    for name in ("dump", "restore"):
        mine = parse_reply(diff.godis.call("COMMAND", "INFO", name))
        theirs = parse_reply(diff.redis.call("COMMAND", "INFO", name))
        assert isinstance(mine, list)
        assert isinstance(theirs, list)
        assert mine[0][:7] == theirs[0][:7], name
    for name in ("dump", "restore"):  # summary, since, group, complexity
        mine = parse_reply(diff.godis.call("COMMAND", "DOCS", name))
        theirs = parse_reply(diff.redis.call("COMMAND", "DOCS", name))
        assert isinstance(mine, list)
        assert isinstance(theirs, list)
        assert mine[1][:8] == theirs[1][:8], name
    assert COMMANDS[b"restore"].is_write


# -- godis only: propagation, events, blocked clients -----------------------------------------


def test_propagation_and_events() -> None:
    godis = GodisDirect()
    clock = FakeClock(godis)
    recorder = Recorder(godis)
    payload = dump_payload(b"value")
    godis.call("RESTORE", "k", 0, payload)
    assert recorder.propagated == [(0, [b"RESTORE", b"k", b"0", payload])]
    assert [e[2] for e in recorder.events] == ["new", "restore"]
    recorder.clear()
    godis.call("RESTORE", "t", 5000, payload, "IDLETIME", 3)
    assert recorder.propagated == [
        (0, [b"RESTORE", b"t", b"%d" % (clock.now + 5000), payload, b"IDLETIME", b"3",
             b"ABSTTL"])]
    recorder.clear()
    godis.call("RESTORE", "k", 10, payload, "ABSTTL", "REPLACE")
    assert recorder.propagated == [(0, [b"DEL", b"k"])]
    assert [e[2] for e in recorder.events] == ["del"]
    recorder.clear()
    godis.call("RESTORE", "k", 10, payload, "ABSTTL")  # nothing changed: nothing logged
    assert recorder.propagated == []
    assert recorder.events == []


async def test_restore_wakes_blocked_clients() -> None:
    world = World()
    waiter = world.client()
    items = dump_payload_of_list([b"a", b"b"])
    async with trio.open_nursery() as nursery:
        replies = world.start(nursery, waiter, "BLPOP", "q", 0)
        await trio.testing.wait_all_tasks_blocked()
        assert await world.push("RESTORE", "q", 0, items) == b"+OK\r\n"
    assert replies == [pair(b"q", b"a")]
    assert world.aof_since(0)[-1] == [b"LPOP", b"q"]


def dump_payload_of_list(items: list[bytes]) -> bytes:
    godis = GodisDirect()
    godis.call("RPUSH", "l", *items)
    payload = parse_reply(godis.call("DUMP", "l"))
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.parametrize("resp", [2, 3])
def test_dump_reply_is_a_bulk_string(resp: int) -> None:
    godis = GodisDirect()
    if resp == 3:
        godis.call("HELLO", "3")
    godis.call("SET", "k", "v")
    assert godis.call("DUMP", "k") == b"$13\r\n\x00\x01v\n\x00" + dump_payload(b"v")[-8:] + b"\r\n"


def _random_value(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.3:
        return str(rng.choice([rng.randrange(-300, 300), rng.randrange(-2**63, 2**63),
                               rng.randrange(2**31)])).encode()
    if kind < 0.5:
        return _blob(rng.randrange(0, 100))
    alphabet = rng.choice([b"ab", b"abcdefgh", b"0123456789", bytes(range(256))])
    return bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))


def test_random_values_dump_as_redis(diff: Differ) -> None:
    """Random members and sizes around every threshold: payloads equal Redis's."""
    rng = random.Random(99)
    for round_ in range(60):
        size = rng.choice([1, 2, 5, 60, 127, 128, 129, 300, 511, 512, 513, 1000])
        values = [_random_value(rng) for _ in range(size)]
        key = f"r{round_}"
        kind = round_ % 4
        if kind == 0:
            diff.check("RPUSH", key, *values)
        elif kind == 1:
            diff.check("ZADD", key, *[x for v in values
                                      for x in (repr(rng.choice([rng.random() * 1e6, -0.5, 3.0,
                                                                 rng.randrange(-99, 99), 1e20])),
                                                v)])
        elif kind == 2:
            diff.check("HSET", key, *[x for v in values for x in (v, _random_value(rng))])
        else:
            diff.check("SADD", key, *[v for v in values if strict_int(v) is not None] or [b"1"])
        mine, theirs = diff.both("DUMP", key)
        encoding = diff.check("OBJECT", "ENCODING", key)
        if b"hashtable" not in encoding:
            assert mine == theirs, key
        payload = parse_reply(theirs)
        assert isinstance(payload, bytes)
        diff.check("RESTORE", key + "-copy", 0, payload)
        assert _read_content(diff.godis, key + "-copy") == _read_content(diff, key)


def test_restore_while_loading_keeps_expired_keys() -> None:
    """An AOF replay of RESTORE ... ABSTTL with a past time adds the key (checkAlreadyExpired
    is false while loading); the active expiry removes it afterwards."""
    godis = GodisDirect()
    keyspace = godis.server.keyspace
    keyspace.loading = True
    assert godis.call("RESTORE", "k", 1, dump_payload(b"v"), "ABSTTL") == b"+OK\r\n"
    keyspace.loading = False
    assert keyspace.databases[0].expires == {b"k": 1}


@pytest.mark.parametrize("fill", [-1, -3, -5, 1, 5, 128])
def test_list_nodes_follow_list_max_listpack_size(diff: Differ, fill: int) -> None:
    diff.check("CONFIG", "SET", "list-max-listpack-size", fill)
    diff.check("RPUSH", "l", *[f"element-{i}" * (i % 7) for i in range(1500)])
    diff.check("RPUSH", "big", "x" * 9000, "y", "z" * 5000)
    diff.check("DUMP", "l")
    diff.check("DUMP", "big")


def test_migrate_command_info_and_keys_match_redis(differ: Differ) -> None:
    differ.check("COMMAND", "INFO", "MIGRATE")
    differ.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "10")
    differ.check("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "10", "KEYS", "a", "b")
    differ.check("MIGRATE", "127.0.0.1", "1", "nokey", "0", "10")
    differ.check("MIGRATE", "127.0.0.1", "1", "k", "0", "10", "KEYS", "a")


def test_restore_asking_and_key_specs_match_redis(differ: Differ) -> None:
    differ.check("COMMAND", "INFO", "DUMP", "RESTORE", "RESTORE-ASKING")
    differ.check("SET", "k", "v")
    payload = differ.check("DUMP", "k")
    value = payload.split(b"\r\n", 1)[1][:-2]
    differ.check("RESTORE-ASKING", "k2", "0", value)
    differ.check("GET", "k2")
    differ.check("RESTORE-ASKING", "k2", "0", value)


def test_cluster_commands_without_cluster_support_match_redis(differ: Differ) -> None:
    """Every CLUSTER subcommand, ASKING, READONLY and READWRITE answer as a standalone
    Redis 7.0 does (clients tell cluster mode by it); COMMAND INFO lists them alike."""
    mine, theirs = differ.both("COMMAND", "INFO", "CLUSTER", "ASKING", "READONLY", "READWRITE")
    assert _subcommands_sorted(parse_reply(mine)) == _subcommands_sorted(parse_reply(theirs))
    differ.check_many(
        ("CLUSTER", "INFO"), ("CLUSTER", "HELP"), ("CLUSTER", "KEYSLOT", "x"),
        ("CLUSTER", "SLOTS"), ("CLUSTER", "NODES"), ("CLUSTER", "MYID"), ("CLUSTER",),
        ("CLUSTER", "NOSUCH"), ("CLUSTER", "KEYSLOT"), ("ASKING",), ("READONLY",),
        ("READWRITE",),
    )


def _subcommands_sorted(reply: object) -> object:
    """COMMAND INFO with each entry's subcommands in name order (Redis lists them in its
    hash table's order, which a random seed changes from one process to the next)."""
    entries = reply[1] if isinstance(reply, tuple) else reply
    assert isinstance(entries, list)
    out = []
    for entry in entries:
        assert isinstance(entry, list)
        subs = entry[9][1] if isinstance(entry[9], tuple) else entry[9]
        out.append([*entry[:9], sorted(subs, key=repr)])
    return out
