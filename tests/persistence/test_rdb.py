"""The RDB codec (godis.persistence.rdb), against redis-server 7.0 where Redis can judge.

LZF exactness is checked through DUMP payloads of strings (Redis LZF-compresses strings over
20 bytes); the encodings Redis 7.0 only reads (ziplists, zipmaps, quicklists of ziplists, text
doubles) are built here by hand and RESTOREd on both sides; whole files go both ways through
SAVE and a redis-server started on godis's file.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from godis.keyspace.keyspace import Keyspace
from godis.keyspace.values import HashValue, ListValue, SetValue, ZSetValue
from godis.persistence import rdb
from godis.persistence.rdb import (
    Encodings,
    RDBError,
    Reader,
    crc64,
    crc64_bytes,
    decode_listpack,
    dump_function_libraries,
    dump_payload,
    encode_length,
    encode_listpack,
    encode_string,
    load_function_libraries,
    load_into_keyspace,
    lzf_compress,
    lzf_decompress,
    parse_rdb,
    restore_payload,
    save_rdb,
)
from tests.support.differential import Differ
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.resp import RespConnection, parse_reply

# -- CRC64, LZF, lengths -----------------------------------------------------------------------


def test_crc64_check_values() -> None:
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert crc64_bytes(b"\n\x00") == b"]\x9b\\@\x0f\x7f\xa2\xda"
    lorem = (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
             b"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis "
             b"nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. "
             b"Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu "
             b"fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in "
             b"culpa qui officia deserunt mollit anim id est laborum.\x00")
    assert crc64(lorem) == 0xC7794709E69683B3  # crc64.c's test, sizeof() counts the NUL
    assert crc64(b"456789", crc64(b"123")) == crc64(b"123456789")


def _samples() -> Iterator[bytes]:
    rng = random.Random(3)
    for size in (21, 22, 25, 33, 34, 64, 100, 263, 264, 265, 300, 1000, 5000, 8193, 40000):
        yield bytes(rng.randrange(256) for _ in range(size))  # incompressible
        yield bytes(rng.choice(b"ab") for _ in range(size))
        yield bytes(rng.choice(b"abcdefgh ") for _ in range(size))
        yield b"x" * size
        yield (b"0123456789" * (size // 10 + 1))[:size]
    for _ in range(40):
        size = rng.randrange(21, 3000)
        unit = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        body = bytearray()
        while len(body) < size:
            body += unit if rng.random() < 0.6 else bytes([rng.randrange(256)])
        yield bytes(body[:size])


def test_lzf_round_trip() -> None:
    for data in _samples():
        compressed = lzf_compress(data, len(data) - 4)
        if compressed is not None:
            assert len(compressed) <= len(data) - 4
            assert lzf_decompress(compressed, len(data)) == data
    assert lzf_compress(b"", 10) is None
    assert lzf_compress(bytes(range(256)), 200) is None  # does not fit


def test_lzf_decompress_rejects_damage() -> None:
    compressed = lzf_compress(b"a" * 100, 96)
    assert compressed is not None
    for bad, size in ((compressed, 99), (compressed, 101), (compressed[:-1], 100),
                      (b"\x05ab", 6), (b"\xe0", 10), (b"\x00a\x20\x05", 4)):
        with pytest.raises(RDBError, match="Invalid LZF"):
            lzf_decompress(bad, size)


def test_lzf_output_is_redis_output(diff: Differ) -> None:
    """Strings over 20 bytes are LZF-compressed in DUMP: the payloads must be identical."""
    for index, data in enumerate(_samples()):
        diff.check("SET", f"k{index}", data)
        diff.check("DUMP", f"k{index}")


def test_lengths() -> None:
    for length, size in ((0, 1), (63, 1), (64, 2), (16383, 2), (16384, 5), (2**32 - 1, 5),
                         (2**32, 9), (2**64 - 1, 9)):
        encoded = encode_length(length)
        assert len(encoded) == size
        assert Reader(encoded).length_or_encoding() == (length, False)
    with pytest.raises(RDBError, match="Unknown length encoding"):
        Reader(b"\x82").length()
    with pytest.raises(RDBError, match="Unexpected EOF"):
        Reader(b"\x80\x00").length()


def test_strings() -> None:
    for text, encoded in ((b"0", b"\xc0\x00"), (b"-128", b"\xc0\x80"), (b"128", b"\xc1\x80\x00"),
                          (b"-32769", b"\xc2\xff\x7f\xff\xff"), (b"2147483648", b"\x0a2147483648"),
                          (b"01", b"\x0201"), (b"", b"\x00"), (b"+1", b"\x02+1")):
        assert encode_string(text) == encoded
        assert Reader(encoded).string() == text
    long = b"ab" * 100
    assert encode_string(long)[0] == 0xC3
    assert encode_string(long, compress=False) == b"\x40\xc8" + long
    assert Reader(encode_string(long)).string() == long
    with pytest.raises(RDBError, match="Unknown RDB string encoding"):
        Reader(b"\xc4").string()


def test_listpack() -> None:
    elements: list[bytes | int] = [b"", b"a" * 63, b"b" * 64, b"c" * 4095, b"d" * 4096, 0, 127,
                                   128, -1, -4096, 4095, -4097, 32767, -32768, 8388607,
                                   -8388608, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63)]
    blob = encode_listpack(elements)
    assert decode_listpack(blob) == elements
    assert decode_listpack(encode_listpack([b"12", b"-0", b"007"])) == [12, b"-0", b"007"]
    for bad in (blob[:-1], blob[:-1] + b"\x00", b"\x07\x00\x00\x00\x01\x00\xff",
                blob[:6] + b"\xfe" + blob[7:]):
        with pytest.raises(RDBError):
            decode_listpack(bad)


# -- encodings Redis 7.0 only reads, RESTOREd on both sides -------------------------------------


def _ziplist_entry(element: bytes | int, prevlen: int) -> bytes:
    head = bytes((prevlen,)) if prevlen < 254 else b"\xfe" + prevlen.to_bytes(4, "little")
    if isinstance(element, int):
        if 0 <= element <= 12:
            return head + bytes((0xF1 + element,))
        for marker, width in ((0xFE, 1), (0xC0, 2), (0xF0, 3), (0xD0, 4), (0xE0, 8)):
            if -(1 << (8 * width - 1)) <= element < 1 << (8 * width - 1):
                return head + bytes((marker,)) + element.to_bytes(width, "little", signed=True)
        raise ValueError(element)
    size = len(element)
    if size < 64:
        return head + bytes((size,)) + element
    if size < 16384:
        return head + bytes((0x40 | size >> 8, size & 0xFF)) + element
    return head + b"\x80" + size.to_bytes(4, "big") + element


def ziplist(elements: list[bytes | int]) -> bytes:
    """A ziplist as Redis before 7.0 wrote them (ziplist.c's layout)."""
    entries = []
    prevlen = 0
    tail = 10
    offset = 10
    for element in elements:
        entry = _ziplist_entry(element, prevlen)
        entries.append(entry)
        tail = offset
        offset += len(entry)
        prevlen = len(entry)
    body = b"".join(entries)
    total = 10 + len(body) + 1
    return (total.to_bytes(4, "little") + tail.to_bytes(4, "little")
            + min(len(elements), 0xFFFF).to_bytes(2, "little") + body + b"\xff")


def zipmap(pairs: list[tuple[bytes, bytes]]) -> bytes:
    out = bytearray((min(len(pairs), 254),))
    for key, value in pairs:
        out += bytes((len(key),)) + key + bytes((len(value),)) + b"\x00" + value
    return bytes(out + b"\xff")


def payload(kind: int, body: bytes) -> bytes:
    """A DUMP payload of RDB version 9 (what Redis 6.2 produced)."""
    data = bytes((kind,)) + body + (9).to_bytes(2, "little")
    return data + crc64_bytes(data)


OLD_PAYLOADS: dict[str, bytes] = {
    "list-ziplist": payload(rdb.RDB_TYPE_LIST_ZIPLIST, encode_string(ziplist(
        [b"a", 1, 12, 13, -1, 300, -70000, 2**40, b"x" * 100, b"y" * 300]))),
    "list-quicklist": payload(rdb.RDB_TYPE_LIST_QUICKLIST, encode_length(2)
                              + encode_string(ziplist([b"a", b"b", 5]))
                              + encode_string(ziplist([b"c" * 20000, 9]))),
    "list-plain": payload(rdb.RDB_TYPE_LIST, encode_length(3) + encode_string(b"1")
                          + encode_string(b"two") + encode_string(b"x" * 50)),
    "set-plain-int": payload(rdb.RDB_TYPE_SET, encode_length(3) + b"".join(
        encode_string(m) for m in (b"3", b"-1", b"20"))),
    "set-plain-str": payload(rdb.RDB_TYPE_SET, encode_length(2) + encode_string(b"a")
                             + encode_string(b"1")),
    "zset-ziplist": payload(rdb.RDB_TYPE_ZSET_ZIPLIST, encode_string(ziplist(
        [b"c", b"-inf", b"a", 1, b"b", b"2.5", b"d", 12]))),
    "zset-text": payload(rdb.RDB_TYPE_ZSET, encode_length(3)
                         + encode_string(b"a") + b"\x031.5" + encode_string(b"b") + b"\xfe"
                         + encode_string(b"c") + b"\xff"),
    "zset-2": payload(rdb.RDB_TYPE_ZSET_2, encode_length(2) + encode_string(b"m")
                      + rdb.encode_binary_double(math.pi) + encode_string(b"n")
                      + rdb.encode_binary_double(-2.0)),
    "hash-ziplist": payload(rdb.RDB_TYPE_HASH_ZIPLIST, encode_string(ziplist(
        [b"f", b"v", 1, 2, b"long", b"z" * 70]))),
    "hash-zipmap": payload(rdb.RDB_TYPE_HASH_ZIPMAP, encode_string(zipmap(
        [(b"f1", b"v1"), (b"f2", b"")]))),
    "hash-plain": payload(rdb.RDB_TYPE_HASH, encode_length(2) + b"".join(
        encode_string(s) for s in (b"f", b"v", b"g", b"w" * 100))),
    "hash-plain-small": payload(rdb.RDB_TYPE_HASH, encode_length(1) + encode_string(b"f")
                                + encode_string(b"v")),
}


def test_old_encodings_restore_as_in_redis(diff: Differ) -> None:
    for name, data in OLD_PAYLOADS.items():
        diff.check("RESTORE", name, 0, data)
        diff.check("TYPE", name)
        diff.check("OBJECT", "ENCODING", name)
        kind = parse_reply(diff.check("TYPE", name))
        if kind == "list":
            diff.check("LRANGE", name, 0, -1)
        elif kind == "zset":
            diff.check("ZRANGE", name, 0, -1, "WITHSCORES")
        elif kind == "hash":
            diff.check_unordered("HGETALL", name)
        elif kind == "set":
            diff.check_unordered("SMEMBERS", name)
        if (kind != "set" and b"hashtable" not in diff.check("OBJECT", "ENCODING", name)
                and name != "list-quicklist"):  # godis does not keep a loaded node layout
            diff.check("DUMP", name)  # re-encoded as Redis 7.0 re-encodes it


def test_bad_values_are_bad_data_format(diff: Differ) -> None:
    bad = {
        "empty-list": payload(rdb.RDB_TYPE_LIST, encode_length(0)),
        "bad-ziplist": payload(rdb.RDB_TYPE_LIST_ZIPLIST, encode_string(b"\x00" * 12)),
        "odd-zset-ziplist": payload(rdb.RDB_TYPE_ZSET_ZIPLIST, encode_string(ziplist([b"a"]))),
        "bad-intset": payload(rdb.RDB_TYPE_SET_INTSET, encode_string(b"\x03\x00\x00\x00")),
        "nan-zset": payload(rdb.RDB_TYPE_ZSET, encode_length(1) + encode_string(b"a") + b"\xfd"),
        "dup-set": payload(rdb.RDB_TYPE_SET, encode_length(2) + encode_string(b"a")
                           + encode_string(b"a")),
        "module": payload(rdb.RDB_TYPE_MODULE_2, encode_length(12345)),
        "bad-container": payload(rdb.RDB_TYPE_LIST_QUICKLIST_2, encode_length(1)
                                 + encode_length(3) + encode_string(b"x")),
        "truncated": payload(rdb.RDB_TYPE_HASH, encode_length(5) + encode_string(b"f")),
    }
    for name, data in bad.items():
        mine, theirs = diff.both("RESTORE", name, 0, data)
        assert mine == theirs == b"-ERR Bad data format\r\n", name


def test_deeper_validation_than_redis() -> None:
    """Redis 7.0 (sanitize-dump-payload no) accepts an unsorted intset and crashes later on it;
    godis refuses it."""
    unsorted = payload(rdb.RDB_TYPE_SET_INTSET, encode_string(
        b"\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x01\x00"))
    with pytest.raises(RDBError, match="Intset integrity"):
        restore_payload(unsorted)


def test_restore_keeps_encodings_by_config() -> None:
    small = Encodings(hash_max_listpack_entries=1, zset_max_listpack_entries=1,
                      set_max_intset_entries=1)
    value = restore_payload(OLD_PAYLOADS["hash-ziplist"], small)
    assert isinstance(value, HashValue)
    assert value.encoding == "hashtable"
    assert restore_payload(OLD_PAYLOADS["hash-plain-small"]).encoding == "listpack"  # type: ignore[union-attr]
    assert restore_payload(OLD_PAYLOADS["set-plain-int"]).encoding == "intset"  # type: ignore[union-attr]
    assert restore_payload(OLD_PAYLOADS["set-plain-int"], small).encoding == "hashtable"  # type: ignore[union-attr]
    assert restore_payload(OLD_PAYLOADS["set-plain-str"]).encoding == "hashtable"  # type: ignore[union-attr]


# -- FUNCTION DUMP / RESTORE payloads ----------------------------------------------------------

LIBRARY = b"#!lua name=mylib\nredis.register_function('f', function() return 1 end)"
LIBRARY2 = b"#!lua name=other\nredis.register_function('g', function() return 2 end)"


def test_function_payloads_equal_redis(redis_port: int) -> None:
    conn = RespConnection("127.0.0.1", redis_port)
    try:
        conn.call("FUNCTION", "FLUSH")
        assert parse_reply(conn.call("FUNCTION", "DUMP")) == dump_function_libraries([])
        conn.call("FUNCTION", "LOAD", LIBRARY)
        conn.call("FUNCTION", "LOAD", LIBRARY2)
        dumped = parse_reply(conn.call("FUNCTION", "DUMP"))
        assert isinstance(dumped, bytes)
        codes = load_function_libraries(dumped)
        assert sorted(codes) == sorted([LIBRARY, LIBRARY2])
        assert dump_function_libraries(codes) == dumped
        conn.call("FUNCTION", "FLUSH")
        assert conn.call("FUNCTION", "RESTORE", dump_function_libraries([LIBRARY])) == b"+OK\r\n"
        assert parse_reply(conn.call("FCALL", "f", 0)) == 1
    finally:
        conn.call("FUNCTION", "FLUSH")
        conn.close()


def test_function_payload_errors(redis_port: int) -> None:
    good = dump_function_libraries([LIBRARY])
    not_function = dump_payload(b"x")
    old_format = rdb._with_footer(bytes((rdb.RDB_OPCODE_FUNCTION,)) + encode_string(b"mylib")
                                  + encode_string(b"LUA") + encode_length(0)
                                  + encode_string(b"redis.register_function('f', function() "
                                                  b"return 1 end)"))
    assert load_function_libraries(old_format) == [
        b"#!LUA name=mylib\nredis.register_function('f', function() return 1 end)"]
    cases = {good[:-1] + bytes([good[-1] ^ 1]): "DUMP payload version or checksum are wrong",
             b"x": "DUMP payload version or checksum are wrong",
             not_function: "given type is not a function",
             rdb._with_footer(bytes((rdb.RDB_OPCODE_FUNCTION2,)) + b"\x40\xffab"):
                 "Failed loading library payload"}
    conn = RespConnection("127.0.0.1", redis_port)
    try:
        for data, text in cases.items():
            with pytest.raises(rdb.FunctionPayloadError) as caught:
                load_function_libraries(data)
            assert str(caught.value) == text
            assert conn.call("FUNCTION", "RESTORE", data) == f"-ERR {text}\r\n".encode()
    finally:
        conn.call("FUNCTION", "FLUSH")
        conn.close()


# -- whole files -------------------------------------------------------------------------------

Call = Callable[..., bytes]


def _fill(run: Call) -> None:
    """The same dataset through any ``call(*args)``: every type, several dbs, TTLs."""
    commands: list[tuple[object, ...]] = [
        ("SET", "s", "hello"), ("SET", "n", "-42"), ("SET", "big", "x" * 1000),
        ("RPUSH", "l", *[f"e{i}" for i in range(2000)]), ("SADD", "is", "1", "2", "3"),
        ("SADD", "hs", "a", "b"), ("ZADD", "z", "1", "a", "2.5", "b", "inf", "c"),
        ("ZADD", "zs", *[x for i in range(200) for x in (str(i / 3), f"m{i}")]),
        ("HSET", "h", "f", "v", "n", "1"), ("HSET", "hh", *[f"x{i}" for i in range(1100)]),
        ("SET", "ttl", "v", "PXAT", "4102444800123"), ("SELECT", "3"), ("SET", "in3", "yes"),
        ("HSET", "h3", "a", "b"), ("PEXPIREAT", "h3", "4102444800999"), ("SELECT", "0"),
    ]
    for argv in commands:
        run(*argv)


def _contents(run: Call) -> dict[tuple[int, str], object]:
    found: dict[tuple[int, str], object] = {}
    for db in (0, 3):
        run("SELECT", db)
        keys = parse_reply(run("KEYS", "*"))
        assert isinstance(keys, list)
        for key in keys:
            kind = parse_reply(run("TYPE", key))
            read = {"string": ("GET",), "list": ("LRANGE", 0, -1), "set": ("SMEMBERS",),
                    "zset": ("ZRANGE", 0, -1, "WITHSCORES"), "hash": ("HGETALL",)}[str(kind)]
            value = parse_reply(run(read[0], key, *read[1:]))
            if kind in ("set", "hash"):
                assert isinstance(value, list)
                value = sorted(map(repr, value))
            found[(db, str(key))] = (kind, value, parse_reply(run("PEXPIRETIME", key)),
                                     parse_reply(run("OBJECT", "ENCODING", key)))
    run("SELECT", 0)
    return found


def test_redis_file_loads_in_godis(diff: Differ, tmp_path: Path) -> None:
    _fill(diff.redis.call)
    diff.redis.call("FUNCTION", "LOAD", LIBRARY)
    try:
        workdir = parse_reply(diff.redis.call("CONFIG", "GET", "dir"))
        assert isinstance(workdir, list)
        assert diff.redis.call("SAVE") == b"+OK\r\n"
        assert isinstance(workdir[1], bytes)
        data = (Path(workdir[1].decode()) / "dump.rdb").read_bytes()
    finally:
        diff.redis.call("FUNCTION", "FLUSH")
    parsed = parse_rdb(data)
    assert parsed.aux[b"redis-ver"] == b"7.0.15"
    assert parsed.functions == [LIBRARY]
    keyspace = diff.godis.server.keyspace
    stats = load_into_keyspace(parsed, keyspace, keyspace.now_ms())
    assert stats.loaded == 13
    assert _contents(diff.godis.call) == _contents(diff.redis.call)


def test_godis_file_loads_in_redis(diff: Differ, tmp_path: Path) -> None:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    _fill(diff.godis.call)
    _fill(diff.redis.call)
    data = save_rdb(diff.godis.server.keyspace, functions=[LIBRARY], ctime=1700000000,
                    used_mem=1000000)
    assert parse_rdb(data).keys  # godis reads its own file
    (tmp_path / "godis.rdb").write_bytes(data)
    with redis_server("--dir", str(tmp_path), "--dbfilename", "godis.rdb") as port:
        loaded = RespConnection("127.0.0.1", port)
        try:
            assert _contents(loaded.call) == _contents(diff.redis.call)
            assert parse_reply(loaded.call("FCALL", "f", 0)) == 1
        finally:
            loaded.close()
    unchecked = save_rdb(diff.godis.server.keyspace, checksum=False)
    assert unchecked[-8:] == bytes(8)
    (tmp_path / "godis.rdb").write_bytes(unchecked)
    with redis_server("--dir", str(tmp_path), "--dbfilename", "godis.rdb") as port:
        loaded = RespConnection("127.0.0.1", port)
        try:
            assert parse_reply(loaded.call("DBSIZE")) == 11
        finally:
            loaded.close()


def _small_file() -> bytes:
    keyspace = Keyspace()
    db = keyspace.databases[0]
    db.data[b"a"] = b"1"
    items = ListValue()
    items.extend([b"x", b"y"])
    db.data[b"l"] = items
    db.data[b"old"] = b"gone"
    db.expires[b"old"] = 1000
    members = SetValue()
    members.update({b"1", b"2"})
    keyspace.databases[2].data[b"s"] = members
    zset = ZSetValue.from_sorted([(1.0, b"m")], "skiplist")
    keyspace.databases[2].data[b"z"] = zset
    return save_rdb(keyspace, ctime=1, used_mem=2)


def test_parse_and_load() -> None:
    data = _small_file()
    parsed = parse_rdb(data)
    assert parsed.aux == {b"redis-ver": b"7.0.15", b"redis-bits": b"64", b"ctime": b"1",
                          b"used-mem": b"2", b"aof-base": b"0"}
    assert parsed.resize_hints == {0: (3, 1), 2: (2, 0)}
    keyspace = Keyspace()
    stats = load_into_keyspace(parsed, keyspace, now_ms=2000)
    assert (stats.loaded, stats.expired) == (4, 1)
    assert keyspace.databases[2].data[b"s"] == {b"1", b"2"}
    with pytest.raises(RDBError, match="duplicated key"):
        load_into_keyspace(parsed, keyspace, now_ms=2000)
    load_into_keyspace(parsed, keyspace, now_ms=2000, allow_duplicates=True)
    kept = Keyspace()
    assert load_into_keyspace(parsed, kept, now_ms=2000, expire=False).loaded == 5
    assert kept.databases[0].expires == {b"old": 1000}


def test_parse_errors() -> None:
    data = _small_file()
    with pytest.raises(RDBError, match="Wrong signature"):
        parse_rdb(b"RDB" + data[3:])
    with pytest.raises(RDBError, match="Can't handle RDB format version 11"):
        parse_rdb(b"REDIS0011" + data[9:])
    with pytest.raises(RDBError, match="RDB CRC error"):
        parse_rdb(data[:-1] + bytes([data[-1] ^ 1]))
    parse_rdb(data[:-1] + bytes([data[-1] ^ 1]), verify_checksum=False)
    parse_rdb(data[:-8] + bytes(8))  # written with rdbchecksum no: not checked
    with pytest.raises(RDBError, match="Unexpected EOF"):
        parse_rdb(data[:-20])
    with pytest.raises(RDBError, match="more than 2 databases"):
        parse_rdb(data, databases=2)
    old = b"REDIS0006" + data[9:]  # older versions: same records
    assert len(parse_rdb(old, verify_checksum=False).keys) == 5
    with_empty = (b"REDIS0010\xfe\x00" + bytes((rdb.RDB_TYPE_LIST,)) + encode_string(b"k")
                  + encode_length(0) + b"\xff")
    parsed = parse_rdb(with_empty + crc64_bytes(with_empty))
    assert parsed.empty_keys_skipped == 1
    assert parsed.keys == []


def test_idle_and_expire_opcodes() -> None:
    body = (b"REDIS0010\xfe\x00\xf8" + encode_length(30) + bytes((rdb.RDB_TYPE_STRING,))
            + encode_string(b"k") + encode_string(b"v") + b"\xfd" + (5).to_bytes(4, "little")
            + b"\xf9\x07" + bytes((rdb.RDB_TYPE_STRING,)) + encode_string(b"e")
            + encode_string(b"w") + b"\xff")
    parsed = parse_rdb(body + crc64_bytes(body))
    assert [(k.key, k.idle_s, k.expire_ms, k.freq) for k in parsed.keys] == [
        (b"k", 30, None, None), (b"e", None, 5000, 7)]
    keyspace = Keyspace()
    keyspace.lru_clock_ms = 100_000
    load_into_keyspace(parsed, keyspace, now_ms=0)
    assert keyspace.databases[0].access[b"k"] == 70_000
