"""The RDB format of Redis 7.0 (RDB version 10), sans-IO: values and whole files as bytes.

Byte-compatible with Redis 7.0.15's ``rdb.c``: lengths, strings (integer and LZF encodings),
every value encoding Redis 7.0 writes or still loads (listpack, quicklist of listpacks or of
ziplists, intset, ziplist, zipmap, binary and text doubles), the file opcodes (AUX, SELECTDB,
RESIZEDB, EXPIRETIME(_MS), IDLE, FREQ, FUNCTION2, EOF) and the CRC64 trailer. DUMP/RESTORE
payloads (``createDumpPayload`` / ``verifyDumpPayload``) and FUNCTION DUMP/RESTORE payloads are
built on the same pieces.

Writing picks what Redis 7.0 picks for the same value: a value's ``encoding`` slot follows
Redis's conversions, so a listpack hash is written as a listpack, a hashtable one field by field.
Lists are cut into listpack nodes as ``quicklistPushTail`` cuts them (the layout of a list
built by RPUSH), and strings longer than 20 bytes are LZF-compressed exactly as ``lzf_c.c``
does, so DUMP payloads equal Redis's byte for byte except where Redis's own order is a hash
table's (hashtable sets and hashes) or a node layout left by other pushes and deletions.

Only the codec is here; the files themselves are written by the callers through
``godis.persistence.files``. The CRC64 and LZF are pure Python (about 10 MB/s and 2 MB/s): fast
enough for DUMP and for datasets of a few hundred megabytes.
"""

from __future__ import annotations

import marshal
import math
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from godis import REDIS_COMPAT_VERSION
from godis.keyspace.keyspace import LFU_INIT_VAL
from godis.keyspace.stream import (
    MASK64,
    ConsumerGroup,
    PendingEntry,
    StreamNode,
    StreamValue,
)
from godis.keyspace.values import HashValue, ListValue, SetValue, Value, ZSetValue
from godis.protocol.reader import strict_int

if TYPE_CHECKING:
    from godis.keyspace.keyspace import Database, Keyspace

RDB_VERSION = 10

# Lengths (rdb.h)
RDB_6BITLEN = 0
RDB_14BITLEN = 1
RDB_32BITLEN = 0x80
RDB_64BITLEN = 0x81
RDB_ENCVAL = 3
RDB_ENC_INT8 = 0
RDB_ENC_INT16 = 1
RDB_ENC_INT32 = 2
RDB_ENC_LZF = 3

# Object types
RDB_TYPE_STRING = 0
RDB_TYPE_LIST = 1
RDB_TYPE_SET = 2
RDB_TYPE_ZSET = 3
RDB_TYPE_HASH = 4
RDB_TYPE_ZSET_2 = 5
RDB_TYPE_MODULE = 6
RDB_TYPE_MODULE_2 = 7
RDB_TYPE_HASH_ZIPMAP = 9
RDB_TYPE_LIST_ZIPLIST = 10
RDB_TYPE_SET_INTSET = 11
RDB_TYPE_ZSET_ZIPLIST = 12
RDB_TYPE_HASH_ZIPLIST = 13
RDB_TYPE_LIST_QUICKLIST = 14
RDB_TYPE_STREAM_LISTPACKS = 15
RDB_TYPE_HASH_LISTPACK = 16
RDB_TYPE_ZSET_LISTPACK = 17
RDB_TYPE_LIST_QUICKLIST_2 = 18
RDB_TYPE_STREAM_LISTPACKS_2 = 19

# Opcodes
RDB_OPCODE_FUNCTION2 = 245
RDB_OPCODE_FUNCTION = 246
RDB_OPCODE_MODULE_AUX = 247
RDB_OPCODE_IDLE = 248
RDB_OPCODE_FREQ = 249
RDB_OPCODE_AUX = 250
RDB_OPCODE_RESIZEDB = 251
RDB_OPCODE_EXPIRETIME_MS = 252
RDB_OPCODE_EXPIRETIME = 253
RDB_OPCODE_SELECTDB = 254
RDB_OPCODE_EOF = 255

QUICKLIST_NODE_CONTAINER_PLAIN = 1
QUICKLIST_NODE_CONTAINER_PACKED = 2

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_MASK64 = 2**64 - 1


def is_object_type(kind: int) -> bool:
    """``rdbIsObjectType``."""
    return 0 <= kind <= 7 or 9 <= kind <= 19


class RDBError(ValueError):
    """Data that is not valid RDB (RESTORE answers ``Bad data format``)."""


class EmptyKeyError(RDBError):
    """A container with no elements (``RDB_LOAD_ERR_EMPTY_KEY``): skipped when loading a file."""


class DumpPayloadError(RDBError):
    """A DUMP payload whose version or checksum is wrong (``verifyDumpPayload``)."""

    def __init__(self) -> None:
        super().__init__("DUMP payload version or checksum are wrong")


class FunctionPayloadError(ValueError):
    """A FUNCTION RESTORE payload that cannot be read; the text is Redis's (reply: ``ERR <text>``)."""


# -- CRC64 (Jones polynomial, reflected, as crc64.c) -------------------------------------------

def _crc64_table() -> list[int]:
    """The byte table of ``_crc64``: polynomial 0xad93d23594c935a9, reflected in and out."""
    poly = 0xAD93D23594C935A9
    reflected = int(f"{poly:064b}"[::-1], 2)
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ reflected if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc64_table()


def _slice_tables() -> tuple[list[int], ...]:
    """Slicing-by-8: table k advances a byte through k more zero bytes (as crcspeed.c)."""
    tables = [_CRC_TABLE]
    for _ in range(7):
        previous = tables[-1]
        tables.append([(entry >> 8) ^ _CRC_TABLE[entry & 0xFF] for entry in previous])
    return tuple(tables)


_CRC_SLICES = _slice_tables()


def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """Redis's ``crc64(crc, s, l)``: ``crc64(b"123456789") == 0xe9c6d914c4b8d9ca``.

    Eight bytes per step (``crcspeed64little``), then byte by byte."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _CRC_SLICES
    size = len(data)
    head = size - size % 8
    if head:
        for word in struct.unpack_from(f"<{head // 8}Q", data):
            x = crc ^ word
            crc = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF]
                   ^ t4[(x >> 24) & 0xFF] ^ t3[(x >> 32) & 0xFF] ^ t2[(x >> 40) & 0xFF]
                   ^ t1[(x >> 48) & 0xFF] ^ t0[x >> 56])
    for byte in memoryview(data)[head:]:
        crc = t0[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def crc64_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """The CRC64 of ``data`` as RDB stores it: 8 bytes, little endian."""
    return crc64(data).to_bytes(8, "little")


# -- LZF (lzf_c.c with HLOG 16, VERY_FAST; lzf_d.c) -------------------------------------------

_LZF_MAX_LIT = 1 << 5
_LZF_MAX_OFF = 1 << 13
_LZF_MAX_REF = (1 << 8) + (1 << 3)


def lzf_compress(data: bytes | bytearray, out_len: int) -> bytes | None:
    """``lzf_compress(in, in_len, out, out_len)``: the compressed bytes, or None if they would
    not fit in ``out_len`` bytes (Redis then stores the string verbatim).

    A transcription of ``lzf_c.c`` (HLOG 16, VERY_FAST), so the output is byte-identical to
    Redis's: the same hash (``IDX``, which only depends on the next 3 bytes), the same rule that
    offset 0 is never referenced (``ref > in_data``, so 0 can stand for NULL), the same two
    hash insertions after a match, the same bounds tests. Literal runs are copied as slices when
    they close instead of byte by byte; ``run`` is where the open run's header byte goes.
    Redis's table starts uninitialised; godis's starts empty, which is what Redis gets unless
    stale stack entries happen to point into the new input.
    """
    in_len = len(data)
    if not in_len or not out_len:
        return None
    if in_len < 3:
        if out_len < 4:
            return None
        return bytes([in_len - 1]) + bytes(data)
    out = bytearray(out_len + 40)
    out_end = out_len
    big = in_len > 2048
    htab: list[int] | dict[int, int] = [0] * 65536 if big else {}
    ip = 0
    run = 0          # position of the current literal run's header byte in out
    lit = 0
    lit_start = 0    # input position of the run's first literal
    in_end = in_len
    limit = in_end - 2
    hval = (data[0] << 8) | data[1]
    while ip < limit:
        hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
        slot = ((hval >> 8) - hval * 5) & 0xFFFF
        ref = htab[slot] if big else htab.get(slot, 0)  # type: ignore[union-attr]
        htab[slot] = ip
        if (ref and ip - ref <= _LZF_MAX_OFF and data[ref + 2] == data[ip + 2]
                and data[ref] == data[ip] and data[ref + 1] == data[ip + 1]):
            op = run + 1 + lit
            if op + 4 >= out_end and op - (0 if lit else 1) + 4 >= out_end:
                return None
            if lit:
                out[run] = lit - 1
                out[run + 1:op] = data[lit_start:ip]
            else:
                op = run
            off = ip - ref - 1
            length = 2
            maxlen = in_end - ip - 2
            if maxlen > _LZF_MAX_REF:
                maxlen = _LZF_MAX_REF
            mismatch = False
            if maxlen > 16:
                for _ in range(16):
                    length += 1
                    if data[ref + length] != data[ip + length]:
                        mismatch = True
                        break
            if not mismatch:
                while True:
                    length += 1
                    if not (length < maxlen and data[ref + length] == data[ip + length]):
                        break
            length -= 2
            ip += 1
            if length < 7:
                out[op] = (off >> 8) + (length << 5)
                op += 1
            else:
                out[op] = (off >> 8) + 224
                out[op + 1] = length - 7
                op += 2
            out[op] = off & 0xFF
            run = op + 1
            lit = 0
            ip += length + 1
            lit_start = ip
            if ip >= limit:
                break
            ip -= 2
            hval = (data[ip] << 8) | data[ip + 1]
            hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
            htab[((hval >> 8) - hval * 5) & 0xFFFF] = ip
            ip += 1
            hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
            htab[((hval >> 8) - hval * 5) & 0xFFFF] = ip
            ip += 1
            lit_start = ip
        else:
            if run + 1 + lit >= out_end:
                return None
            lit += 1
            ip += 1
            if lit == _LZF_MAX_LIT:
                out[run] = 31
                out[run + 1:run + 33] = data[lit_start:ip]
                run += 33
                lit = 0
                lit_start = ip
    op = run + 1 + lit
    if op + 3 > out_end:
        return None
    # the tail: the rest as literals
    while ip < in_end:
        lit += 1
        ip += 1
        if lit == _LZF_MAX_LIT:
            out[run] = 31
            out[run + 1:run + 33] = data[lit_start:ip]
            run += 33
            lit = 0
            lit_start = ip
    if lit:
        out[run] = lit - 1
        out[run + 1:run + 1 + lit] = data[lit_start:ip]
        op = run + 1 + lit
    else:
        op = run
    return bytes(out[:op])


def lzf_decompress(data: bytes | bytearray | memoryview, out_len: int) -> bytes:
    """``lzf_decompress``: the ``out_len`` bytes ``data`` expands to; RDBError if it does not."""
    out = bytearray()
    ip = 0
    in_end = len(data)
    while ip < in_end:
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:  # literal run
            ctrl += 1
            if len(out) + ctrl > out_len or ip + ctrl > in_end:
                raise RDBError("Invalid LZF compressed string")
            out += data[ip:ip + ctrl]
            ip += ctrl
        else:  # back reference
            length = ctrl >> 5
            if ip >= in_end:
                raise RDBError("Invalid LZF compressed string")
            if length == 7:
                length += data[ip]
                ip += 1
                if ip >= in_end:
                    raise RDBError("Invalid LZF compressed string")
            ref = len(out) - ((ctrl & 0x1F) << 8) - 1 - data[ip]
            ip += 1
            length += 2
            if len(out) + length > out_len or ref < 0:
                raise RDBError("Invalid LZF compressed string")
            if ref + length <= len(out):
                out += out[ref:ref + length]
            else:  # overlapping: byte by byte
                for i in range(length):
                    out.append(out[ref + i])
    if len(out) != out_len:
        raise RDBError("Invalid LZF compressed string")
    return bytes(out)


# -- lengths, strings, doubles (rdbSaveLen, rdbSaveRawString, ...) ------------------------------

def encode_length(length: int) -> bytes:
    """``rdbSaveLen``: 6, 14, 32 or 64 bits."""
    if length < 1 << 6:
        return bytes((length,))
    if length < 1 << 14:
        return bytes(((length >> 8) | 0x40, length & 0xFF))
    if length <= 0xFFFFFFFF:
        return b"\x80" + length.to_bytes(4, "big")
    return b"\x81" + length.to_bytes(8, "big")


def encode_integer(value: int) -> bytes | None:
    """``rdbEncodeInteger``: an 8, 16 or 32-bit integer encoding, or None if out of range."""
    if -(1 << 7) <= value <= (1 << 7) - 1:
        return b"\xc0" + (value & 0xFF).to_bytes(1, "little")
    if -(1 << 15) <= value <= (1 << 15) - 1:
        return b"\xc1" + (value & 0xFFFF).to_bytes(2, "little")
    if -(1 << 31) <= value <= (1 << 31) - 1:
        return b"\xc2" + (value & 0xFFFFFFFF).to_bytes(4, "little")
    return None


def encode_string(data: bytes | bytearray, compress: bool = True) -> bytes:
    """``rdbSaveRawString``: integer encoding up to 11 bytes, LZF over 20, else verbatim."""
    size = len(data)
    if size <= 11:
        number = strict_int(bytes(data))
        if number is not None:
            encoded = encode_integer(number)
            if encoded is not None:
                return encoded
    if compress and size > 20:
        compressed = lzf_compress(data, size - 4)
        if compressed is not None:
            return b"\xc3" + encode_length(len(compressed)) + encode_length(size) + compressed
    return encode_length(size) + bytes(data)


def encode_binary_double(value: float) -> bytes:
    """``rdbSaveBinaryDoubleValue``: IEEE 754 binary64, little endian."""
    return struct.pack("<d", value)


def double2ll(value: float) -> int | None:
    """Redis's ``double2ll``: the integer a double equals exactly, within +-2^62."""
    if not -4611686018427387904.0 <= value <= 4611686018427387904.0:
        return None
    as_int = int(value)
    return as_int if as_int == value else None


def d2string(value: float) -> bytes:
    """Redis's ``d2string`` (listpack zset scores): ``%.17g`` or an integer, ``inf``, ``-0``."""
    if math.isnan(value):
        return b"nan"
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if value == 0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    as_int = double2ll(value)
    if as_int is not None:
        return b"%d" % as_int
    return b"%.17g" % value


class Reader:
    """A cursor over RDB bytes; every short read is an RDBError (``rioRead`` returning 0)."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | bytearray | memoryview, pos: int = 0) -> None:
        self.data = bytes(data)
        self.pos = pos

    def read(self, count: int) -> bytes:
        start = self.pos
        end = start + count
        if count < 0 or end > len(self.data):
            raise RDBError("Unexpected EOF reading RDB file")
        self.pos = end
        return self.data[start:end]

    def byte(self) -> int:
        pos = self.pos
        if pos >= len(self.data):
            raise RDBError("Unexpected EOF reading RDB file")
        self.pos = pos + 1
        return self.data[pos]

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def length_or_encoding(self) -> tuple[int, bool]:
        """``rdbLoadLenByRef``: (length, False) or (encoding type, True)."""
        first = self.byte()
        kind = (first & 0xC0) >> 6
        if kind == RDB_ENCVAL:
            return first & 0x3F, True
        if kind == RDB_6BITLEN:
            return first & 0x3F, False
        if kind == RDB_14BITLEN:
            return ((first & 0x3F) << 8) | self.byte(), False
        if first == RDB_32BITLEN:
            return int.from_bytes(self.read(4), "big"), False
        if first == RDB_64BITLEN:
            return int.from_bytes(self.read(8), "big"), False
        raise RDBError(f"Unknown length encoding {kind} in rdbLoadLen()")

    def length(self) -> int:
        """``rdbLoadLen`` where an encoded value is not expected (its type is the length)."""
        return self.length_or_encoding()[0]

    def string(self) -> bytes:
        """``rdbGenericLoadStringObject``: plain, integer-encoded or LZF-compressed."""
        value, encoded = self.length_or_encoding()
        if not encoded:
            return self.read(value)
        if value == RDB_ENC_INT8:
            return b"%d" % int.from_bytes(self.read(1), "little", signed=True)
        if value == RDB_ENC_INT16:
            return b"%d" % int.from_bytes(self.read(2), "little", signed=True)
        if value == RDB_ENC_INT32:
            return b"%d" % int.from_bytes(self.read(4), "little", signed=True)
        if value == RDB_ENC_LZF:
            compressed_len = self.length()
            size = self.length()
            return lzf_decompress(self.read(compressed_len), size)
        raise RDBError(f"Unknown RDB string encoding type {value}")

    def binary_double(self) -> float:
        value: float = struct.unpack("<d", self.read(8))[0]
        return value

    def text_double(self) -> float:
        """``rdbLoadDoubleValue`` (RDB_TYPE_ZSET): a length byte, 253/254/255 for nan/inf/-inf."""
        size = self.byte()
        if size == 255:
            return -math.inf
        if size == 254:
            return math.inf
        if size == 253:
            return math.nan
        return _parse_double(self.read(size))

    def millis(self) -> int:
        return int.from_bytes(self.read(8), "little", signed=True)


def _parse_double(text: bytes) -> float:
    """A double written by Redis (``%.17g``, ``inf``, integers)."""
    try:
        return float(text)
    except ValueError:
        raise RDBError("Invalid double") from None


# -- listpack, ziplist, intset, zipmap blobs ---------------------------------------------------

def _lp_encode_int(value: int) -> bytes:
    """``lpEncodeIntegerGetType``."""
    if 0 <= value <= 127:
        return bytes((value,))
    if -4096 <= value <= 4095:
        v = value & 0x1FFF
        return bytes(((v >> 8) | 0xC0, v & 0xFF))
    if -32768 <= value <= 32767:
        return b"\xf1" + (value & 0xFFFF).to_bytes(2, "little")
    if -8388608 <= value <= 8388607:
        return b"\xf2" + (value & 0xFFFFFF).to_bytes(3, "little")
    if -2147483648 <= value <= 2147483647:
        return b"\xf3" + (value & 0xFFFFFFFF).to_bytes(4, "little")
    return b"\xf4" + (value & _MASK64).to_bytes(8, "little")


def _lp_backlen(size: int) -> bytes:
    """``lpEncodeBacklen``: the entry size, 7 bits per byte, read right to left."""
    if size <= 127:
        return bytes((size,))
    if size < 16383:
        return bytes((size >> 7, (size & 127) | 128))
    if size < 2097151:
        return bytes((size >> 14, ((size >> 7) & 127) | 128, (size & 127) | 128))
    if size < 268435455:
        return bytes((size >> 21, ((size >> 14) & 127) | 128, ((size >> 7) & 127) | 128,
                      (size & 127) | 128))
    return bytes((size >> 28, ((size >> 21) & 127) | 128, ((size >> 14) & 127) | 128,
                  ((size >> 7) & 127) | 128, (size & 127) | 128))


def listpack_entry(element: bytes | bytearray | int) -> bytes:
    """One listpack entry as ``lpAppend`` / ``lpAppendInteger`` writes it (with its backlen).

    A string that ``lpStringToInt64`` accepts is stored as an integer."""
    if isinstance(element, int):
        encoded = _lp_encode_int(element)
    else:
        number = strict_int(bytes(element)) if len(element) < 21 else None
        if number is not None:
            encoded = _lp_encode_int(number)
        else:
            size = len(element)
            if size < 64:
                encoded = bytes((size | 0x80,)) + bytes(element)
            elif size < 4096:
                encoded = bytes(((size >> 8) | 0xE0, size & 0xFF)) + bytes(element)
            else:
                encoded = b"\xf0" + size.to_bytes(4, "little") + bytes(element)
    return encoded + _lp_backlen(len(encoded))


def listpack_from_entries(entries: list[bytes], count: int) -> bytes:
    """A listpack from encoded entries: header (total bytes, count capped at 65535), EOF."""
    body = b"".join(entries)
    total = 6 + len(body) + 1
    return (total.to_bytes(4, "little") + min(count, 0xFFFF).to_bytes(2, "little") + body
            + b"\xff")


def encode_listpack(elements: Iterable[bytes | bytearray | int]) -> bytes:
    """A listpack holding ``elements`` in order."""
    entries = [listpack_entry(element) for element in elements]
    return listpack_from_entries(entries, len(entries))


def decode_listpack(blob: bytes) -> list[bytes | int]:
    """The elements of a listpack (integers as ``int``), validating its structure."""
    size = len(blob)
    if size < 7 or int.from_bytes(blob[0:4], "little") != size or blob[-1] != 0xFF:
        raise RDBError("Listpack integrity check failed.")
    count = int.from_bytes(blob[4:6], "little")
    elements: list[bytes | int] = []
    pos = 6
    end = size - 1
    while pos < end:
        first = blob[pos]
        if first < 0x80:
            value: bytes | int = first
            length = 1
        elif first < 0xC0:
            n = first & 0x3F
            value = blob[pos + 1:pos + 1 + n]
            length = 1 + n
        elif first < 0xE0:
            if pos + 2 > end:
                raise RDBError("Listpack integrity check failed.")
            v = ((first & 0x1F) << 8) | blob[pos + 1]
            value = v - 8192 if v >= 4096 else v
            length = 2
        elif first < 0xF0:
            if pos + 2 > end:
                raise RDBError("Listpack integrity check failed.")
            n = ((first & 0x0F) << 8) | blob[pos + 1]
            value = blob[pos + 2:pos + 2 + n]
            length = 2 + n
        elif first == 0xF0:
            n = int.from_bytes(blob[pos + 1:pos + 5], "little")
            value = blob[pos + 5:pos + 5 + n]
            length = 5 + n
        elif first in _LP_INT_WIDTHS:
            width = _LP_INT_WIDTHS[first]
            value = int.from_bytes(blob[pos + 1:pos + 1 + width], "little", signed=True)
            length = 1 + width
        else:
            raise RDBError("Listpack integrity check failed.")
        backlen = _lp_backlen(length)
        next_pos = pos + length + len(backlen)
        if next_pos > end or blob[pos + length:next_pos] != backlen:
            raise RDBError("Listpack integrity check failed.")
        elements.append(value)
        pos = next_pos
    if pos != end or (count != 0xFFFF and count != len(elements)):
        raise RDBError("Listpack integrity check failed.")
    return elements


_LP_INT_WIDTHS = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}


def decode_ziplist(blob: bytes) -> list[bytes | int]:
    """The elements of a ziplist (RDB files from Redis before 7.0), validating its structure."""
    size = len(blob)
    if size < 11 or int.from_bytes(blob[0:4], "little") != size or blob[-1] != 0xFF:
        raise RDBError("Ziplist integrity check failed.")
    count = int.from_bytes(blob[8:10], "little")
    elements: list[bytes | int] = []
    pos = 10
    end = size - 1
    while pos < end:
        if blob[pos] == 0xFE:  # prevlen: 1 byte, or 0xFE + 4 bytes
            pos += 5
        else:
            pos += 1
        if pos >= end:
            raise RDBError("Ziplist integrity check failed.")
        first = blob[pos]
        kind = first >> 6
        value: bytes | int
        if kind == 0:
            n = first & 0x3F
            value = blob[pos + 1:pos + 1 + n]
            pos += 1 + n
        elif kind == 1:
            n = ((first & 0x3F) << 8) | blob[pos + 1]
            value = blob[pos + 2:pos + 2 + n]
            pos += 2 + n
        elif first == 0x80:
            n = int.from_bytes(blob[pos + 1:pos + 5], "big")
            value = blob[pos + 5:pos + 5 + n]
            pos += 5 + n
        elif first == 0xC0:
            value = int.from_bytes(blob[pos + 1:pos + 3], "little", signed=True)
            pos += 3
        elif first == 0xD0:
            value = int.from_bytes(blob[pos + 1:pos + 5], "little", signed=True)
            pos += 5
        elif first == 0xE0:
            value = int.from_bytes(blob[pos + 1:pos + 9], "little", signed=True)
            pos += 9
        elif first == 0xF0:
            value = int.from_bytes(blob[pos + 1:pos + 4], "little", signed=True)
            pos += 4
        elif first == 0xFE:
            value = int.from_bytes(blob[pos + 1:pos + 2], "little", signed=True)
            pos += 2
        elif 0xF1 <= first <= 0xFD:
            value = (first & 0x0F) - 1
            pos += 1
        else:
            raise RDBError("Ziplist integrity check failed.")
        if pos > end:
            raise RDBError("Ziplist integrity check failed.")
        elements.append(value)
    if pos != end or (count != 0xFFFF and count != len(elements)):
        raise RDBError("Ziplist integrity check failed.")
    return elements


def encode_intset(members: Iterable[int]) -> bytes:
    """An intset: width (2, 4 or 8 by the largest magnitude), count, sorted little-endian ints."""
    ordered = sorted(members)
    width = 2
    if ordered and (ordered[0] < -(1 << 15) or ordered[-1] > (1 << 15) - 1):
        width = 4
        if ordered[0] < -(1 << 31) or ordered[-1] > (1 << 31) - 1:
            width = 8
    return (width.to_bytes(4, "little") + len(ordered).to_bytes(4, "little")
            + b"".join(number.to_bytes(width, "little", signed=True) for number in ordered))


def decode_intset(blob: bytes) -> list[int]:
    """The members of an intset (``intsetValidateIntegrity``: width, size, order)."""
    if len(blob) < 8:
        raise RDBError("Intset integrity check failed.")
    width = int.from_bytes(blob[0:4], "little")
    count = int.from_bytes(blob[4:8], "little")
    if width not in (2, 4, 8) or len(blob) != 8 + width * count or count == 0:
        raise RDBError("Intset integrity check failed.")
    members = [int.from_bytes(blob[i:i + width], "little", signed=True)
               for i in range(8, len(blob), width)]
    if any(a >= b for a, b in pairwise(members)):
        raise RDBError("Intset integrity check failed.")
    return members


def decode_zipmap(blob: bytes) -> list[tuple[bytes, bytes]]:
    """The field/value pairs of a zipmap (hashes of RDB files from Redis 2.x)."""
    pairs: list[tuple[bytes, bytes]] = []
    pos = 1
    size = len(blob)

    def read_len() -> int:
        nonlocal pos
        if pos >= size:
            raise RDBError("Zipmap integrity check failed.")
        first = blob[pos]
        if first < 254:
            pos += 1
            return first
        if first == 254:
            value = int.from_bytes(blob[pos + 1:pos + 5], "little")
            pos += 5
            return value
        raise RDBError("Zipmap integrity check failed.")

    while True:
        if pos >= size:
            raise RDBError("Zipmap integrity check failed.")
        if blob[pos] == 0xFF:
            break
        klen = read_len()
        key = blob[pos:pos + klen]
        pos += klen
        vlen = read_len()
        if pos >= size:
            raise RDBError("Zipmap integrity check failed.")
        free = blob[pos]
        pos += 1
        value = blob[pos:pos + vlen]
        pos += vlen + free
        if pos > size:
            raise RDBError("Zipmap integrity check failed.")
        pairs.append((key, value))
    return pairs


def _as_bytes(element: bytes | int) -> bytes:
    return b"%d" % element if isinstance(element, int) else element


def _pairs(elements: list[bytes | int]) -> list[tuple[bytes | int, bytes | int]]:
    if len(elements) % 2:
        raise RDBError("Listpack integrity check failed.")
    return list(zip(elements[0::2], elements[1::2], strict=True))


# -- values ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Encodings:
    """The settings that choose encodings (``*-max-listpack-*``) and LZF (``rdbcompression``)."""

    hash_max_listpack_entries: int = 512
    hash_max_listpack_value: int = 64
    list_max_listpack_size: int = -2
    set_max_intset_entries: int = 512
    zset_max_listpack_entries: int = 128
    zset_max_listpack_value: int = 64
    compression: bool = True

    @classmethod
    def from_config(cls, config: Any) -> Encodings:
        """Read from a ``godis.config.Config`` (anything indexable by Redis parameter names)."""
        def get(name: str, default: Any) -> Any:
            try:
                return config[name]
            except Exception:  # a parameter this build does not declare: Redis's default
                return default
        return cls(int(get("hash-max-listpack-entries", 512)),
                   int(get("hash-max-listpack-value", 64)),
                   int(get("list-max-listpack-size", -2)),
                   int(get("set-max-intset-entries", 512)),
                   int(get("zset-max-listpack-entries", 128)),
                   int(get("zset-max-listpack-value", 64)),
                   bool(get("rdbcompression", True)))


DEFAULT_ENCODINGS = Encodings()

_OPTIMIZATION_LEVEL = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192
_SIZE_ESTIMATE_OVERHEAD = 8
_PACKED_THRESHOLD = 1 << 30


def quicklist_nodes(items: Iterable[bytes | bytearray], fill: int) -> list[tuple[int, bytes]]:
    """The nodes ``quicklistPushTail`` builds for ``items``: (container, listpack or element).

    ``_quicklistNodeAllowInsert``: a node takes an element while its listpack plus the element
    plus 8 stays within the size class of a negative fill (``-2``: 8 KB), or, for a positive
    fill, within 8 KB and ``fill`` elements. Elements of 1 GB or more get a plain node."""
    fill = max(-5, min(fill, 1 << 15))
    nodes: list[tuple[int, bytes]] = []
    entries: list[bytes] = []
    node_bytes = 0  # lpBytes of the open node, 0 when there is none

    def close() -> None:
        nonlocal entries, node_bytes
        if node_bytes:
            nodes.append((QUICKLIST_NODE_CONTAINER_PACKED,
                          listpack_from_entries(entries, len(entries))))
        entries = []
        node_bytes = 0

    for item in items:
        size = len(item)
        if size >= _PACKED_THRESHOLD:
            close()
            nodes.append((QUICKLIST_NODE_CONTAINER_PLAIN, bytes(item)))
            continue
        allow = False
        if node_bytes:
            new_size = node_bytes + size + _SIZE_ESTIMATE_OVERHEAD
            if fill < 0:
                allow = new_size <= _OPTIMIZATION_LEVEL[-fill - 1]
            elif new_size <= _SIZE_SAFETY_LIMIT:
                allow = len(entries) < fill
        if not allow:
            close()
            node_bytes = 7
        entry = listpack_entry(item)
        entries.append(entry)
        node_bytes += len(entry)
    close()
    return nodes


def encode_value(value: Value, options: Encodings = DEFAULT_ENCODINGS) -> tuple[int, bytes]:
    """``rdbSaveObjectType`` + ``rdbSaveObject``: (RDB type, serialized value)."""
    compress = options.compression
    kind = type(value)
    if kind is bytes or kind is bytearray:
        return RDB_TYPE_STRING, encode_string(value, compress)  # type: ignore[arg-type]
    if kind is ListValue:
        nodes = quicklist_nodes(value, options.list_max_listpack_size)  # type: ignore[arg-type]
        parts = [encode_length(len(nodes))]
        for container, blob in nodes:
            parts.append(encode_length(container))
            parts.append(encode_string(blob, compress))
        return RDB_TYPE_LIST_QUICKLIST_2, b"".join(parts)
    if kind is SetValue:
        assert isinstance(value, SetValue)
        if value.encoding == "intset":
            return RDB_TYPE_SET_INTSET, encode_string(encode_intset(map(int, value)), compress)
        parts = [encode_length(len(value))]
        parts.extend(encode_string(member, compress) for member in value)
        return RDB_TYPE_SET, b"".join(parts)
    if kind is ZSetValue:
        assert isinstance(value, ZSetValue)
        if value.encoding == "listpack":
            elements: list[bytes | int] = []
            for score, member in value.ordered:
                elements.append(member)
                as_int = double2ll(score)
                elements.append(as_int if as_int is not None else d2string(score))
            return RDB_TYPE_ZSET_LISTPACK, encode_string(encode_listpack(elements), compress)
        parts = [encode_length(len(value))]
        for score, member in reversed(value.ordered):
            parts.append(encode_string(member, compress))
            parts.append(encode_binary_double(score))
        return RDB_TYPE_ZSET_2, b"".join(parts)
    if kind is HashValue:
        assert isinstance(value, HashValue)
        if value.encoding == "listpack":
            flat: list[bytes] = []
            for pair in value.items():
                flat.extend(pair)
            return RDB_TYPE_HASH_LISTPACK, encode_string(encode_listpack(flat), compress)
        parts = [encode_length(len(value))]
        for name, content in value.items():
            parts.append(encode_string(name, compress))
            parts.append(encode_string(content, compress))
        return RDB_TYPE_HASH, b"".join(parts)
    if kind is StreamValue:
        assert isinstance(value, StreamValue)
        return RDB_TYPE_STREAM_LISTPACKS_2, encode_stream(value, compress)
    raise TypeError(f"no RDB encoding for {kind.__name__}")


# -- streams (rdbSaveObject / rdbLoadObject for OBJ_STREAM) ---------------------------------------

_STREAM_DELETED = 1  # STREAM_ITEM_FLAG_DELETED
_STREAM_SAMEFIELDS = 2  # STREAM_ITEM_FLAG_SAMEFIELDS


def _stream_node_listpack(node: StreamNode) -> bytes:
    """A node as the listpack Redis keeps (streamAppendItem's layout): the master entry
    (count, deleted, fields, 0), then per entry flags, ms and seq deltas from the master ID,
    [field count and fields,] values, lp-count; a deleted entry with its contents and the
    DELETED flag."""
    master = node.master_fields
    first = node.first_id()
    master_ms, master_seq = first >> 64, first & MASK64
    elements: list[bytes | int] = [node.live, node.deleted, len(master), *master, 0]
    for position in range(len(node)):
        ms = node.ms[position]
        seq = node.seq[position]
        ms_delta = _signed(ms - master_ms)
        seq_delta = _signed(seq - master_seq)
        blob = node.entries[position]
        flags = 0
        if blob is None:
            assert node.graveyard is not None
            blob = node.graveyard[position]
            flags = _STREAM_DELETED
        fields = node.decode(blob)
        if fields[0::2] == master:
            elements += [flags | _STREAM_SAMEFIELDS, ms_delta, seq_delta, *fields[1::2],
                         len(master) + 3]
        else:
            pairs = len(fields) // 2
            elements += [flags, ms_delta, seq_delta, pairs, *fields, 2 * pairs + 4]
    return encode_listpack(elements)


def _signed(value: int) -> int:
    """A uint64 difference as the int64 lpAppendInteger stores."""
    value &= MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def _stream_id_bytes(stream_id: int) -> bytes:
    return stream_id.to_bytes(16, "big")


def encode_stream(stream: StreamValue, compress: bool = True) -> bytes:
    """RDB_TYPE_STREAM_LISTPACKS_2: the nodes (master ID, listpack), length, last, first and
    max deleted IDs, entries added, then the groups with their PEL (ID, delivery time and
    count) and consumers (name, seen time, their PEL's IDs)."""
    parts = [encode_length(len(stream.nodes))]
    for node in stream.nodes:
        parts.append(encode_string(_stream_id_bytes(node.first_id()), compress))
        parts.append(encode_string(_stream_node_listpack(node), compress))
    parts.append(encode_length(stream.length))
    for stream_id in (stream.last_id, stream.first_id, stream.max_deleted_id):
        parts.append(encode_length(stream_id >> 64))
        parts.append(encode_length(stream_id & MASK64))
    parts.append(encode_length(stream.entries_added))
    groups = stream.sorted_groups()
    parts.append(encode_length(len(groups)))
    for name, group in groups:
        parts.append(encode_string(name, compress))
        parts.append(encode_length(group.last_id >> 64))
        parts.append(encode_length(group.last_id & MASK64))
        parts.append(encode_length(group.entries_read & MASK64))
        parts.append(encode_length(len(group.pel)))
        for stream_id, nack in group.pel.items():
            parts.append(_stream_id_bytes(stream_id))
            parts.append(nack.delivery_time.to_bytes(8, "little", signed=True))
            parts.append(encode_length(nack.delivery_count))
        consumers = group.sorted_consumers()
        parts.append(encode_length(len(consumers)))
        for consumer in consumers:
            parts.append(encode_string(consumer.name, compress))
            parts.append(consumer.seen_time.to_bytes(8, "little", signed=True))
            parts.append(encode_length(len(consumer.pel)))
            parts.extend(_stream_id_bytes(stream_id) for stream_id in consumer.pel)
    return b"".join(parts)


def _as_field(element: bytes | int) -> bytes:
    return element if isinstance(element, bytes) else b"%d" % element


def _load_stream_node(stream: StreamValue, key: bytes, blob: bytes) -> None:
    """One listpack node back into ``stream`` (its entries, tombstones in place)."""
    if len(key) != 16:
        raise RDBError("Stream node key entry is not the size of a stream ID")
    elements = decode_listpack(blob)
    if not elements:
        raise RDBError("Empty listpack inside stream")
    master_id = int.from_bytes(key, "big")
    try:
        live, deleted, nfields = (int(elements[0]), int(elements[1]), int(elements[2]))
        master = tuple(_as_field(e) for e in elements[3:3 + nfields])
        pos = 3 + nfields + 1  # past the master terminator
        node = StreamNode(master)
        count = 0
        while pos < len(elements):
            flags = int(elements[pos])
            ms = ((master_id >> 64) + int(elements[pos + 1])) & MASK64
            seq = ((master_id & MASK64) + int(elements[pos + 2])) & MASK64
            pos += 3
            if flags & _STREAM_SAMEFIELDS:
                values = [_as_field(e) for e in elements[pos:pos + nfields]]
                pos += nfields
                fields: tuple[bytes, ...] = tuple(
                    item for pair in zip(master, values, strict=True) for item in pair)
            else:
                pairs = int(elements[pos])
                fields = tuple(_as_field(e) for e in elements[pos + 1:pos + 1 + 2 * pairs])
                pos += 1 + 2 * pairs
            pos += 1  # lp-count
            node.ms.append(ms)
            node.seq.append(seq)
            blob = _entry_blob(fields, master)
            if flags & _STREAM_DELETED:
                if node.graveyard is None:
                    node.graveyard = {}
                node.graveyard[count] = blob
                node.entries.append(None)
            else:
                node.entries.append(blob)
            count += 1
    except (IndexError, ValueError) as error:
        raise RDBError("Stream listpack integrity check failed.") from error
    if count != live + deleted or sum(e is None for e in node.entries) != deleted:
        raise RDBError("Stream listpack integrity check failed.")
    node.live = live
    node.deleted = deleted
    node.fixed_bytes = len(blob) - node.nbytes() + node.fixed_bytes
    if stream.nodes and master_id <= stream.firsts[-1]:
        raise RDBError("Stream node keys are not in order")
    stream.nodes.append(node)
    stream.firsts.append(master_id)


def _entry_blob(fields: tuple[bytes, ...], master: tuple[bytes, ...]) -> bytes:
    """How StreamNode stores an entry: its values when the fields are the master's."""
    if fields[0::2] == master:
        return marshal.dumps(fields[1::2])
    return marshal.dumps(list(fields))


def _stream_id(reader: Reader) -> int:
    return (reader.length() << 64) | reader.length()


def decode_stream(kind: int, reader: Reader) -> StreamValue:
    """rdbLoadObject for RDB_TYPE_STREAM_LISTPACKS(_2): the layout encode_stream writes (the
    older type lacks the first and max deleted IDs, entries added and the read counters,
    which are estimated as Redis does)."""
    stream = StreamValue()
    for _ in range(reader.length()):
        node_key = reader.string()
        _load_stream_node(stream, node_key, reader.string())
    stream.length = reader.length()
    if stream.length != sum(node.live for node in stream.nodes):
        raise RDBError("Stream length inconsistent with its listpacks")
    stream.last_id = _stream_id(reader)
    if kind == RDB_TYPE_STREAM_LISTPACKS_2:
        stream.first_id = _stream_id(reader)
        stream.max_deleted_id = _stream_id(reader)
        stream.entries_added = reader.length()
    else:
        first = stream.first_entry()
        stream.first_id = first[0] if first is not None else 0
        stream.entries_added = stream.length
    for _ in range(reader.length()):
        name = reader.string()
        last_id = _stream_id(reader)
        if kind == RDB_TYPE_STREAM_LISTPACKS_2:
            entries_read = reader.length()
            entries_read = -1 if entries_read == MASK64 else entries_read
        else:
            entries_read = stream.estimate_distance(last_id)
        if name in stream.groups:
            raise RDBError("Duplicated consumer group name")
        group = stream.groups[name] = ConsumerGroup(last_id, entries_read)
        for _ in range(reader.length()):
            stream_id = int.from_bytes(reader.read(16), "big")
            delivery_time = reader.millis()
            group.pel[stream_id] = PendingEntry(None, delivery_time, reader.length())
        for _ in range(reader.length()):
            consumer_name = reader.string()
            consumer = group.create_consumer(consumer_name, reader.millis())
            if consumer is None:
                raise RDBError("Duplicate stream consumer detected.")
            for _ in range(reader.length()):
                stream_id = int.from_bytes(reader.read(16), "big")
                nack = group.pel.get(stream_id)
                if nack is None:
                    raise RDBError("Consumer entry not found in group global PEL")
                nack.consumer = consumer
                consumer.pel[stream_id] = nack
        for _, nack in group.pel.items():
            if nack.consumer is None:
                raise RDBError("Stream CG PEL entry without consumer")
    return stream


def _new_hash(pairs: Iterable[tuple[bytes, bytes]], encoding: str) -> HashValue:
    value = HashValue()
    for name, content in pairs:
        if name in value:
            raise RDBError("Duplicate hash fields detected")
        value[name] = content
    value.encoding = encoding
    return value


def _new_set(members: Iterable[bytes], encoding: str) -> SetValue:
    value = SetValue()
    for member in members:
        if member in value:
            raise RDBError("Duplicate set members detected")
        value.add(member)
    value.encoding = encoding
    return value


def _new_zset(pairs: Iterable[tuple[bytes, float]], encoding: str) -> ZSetValue:
    scores: dict[bytes, float] = {}
    for member, score in pairs:
        if math.isnan(score):
            raise RDBError("Zset with NAN score detected")
        if member in scores:
            raise RDBError("Duplicate zset fields detected")
        scores[member] = score
    return ZSetValue.from_sorted(sorted((score, member) for member, score in scores.items()),
                                 encoding)


def _score(element: bytes | int) -> float:
    return float(element) if isinstance(element, int) else _parse_double(element)


def decode_value(kind: int, reader: Reader, options: Encodings = DEFAULT_ENCODINGS) -> Value:
    """``rdbLoadObject``: the value of RDB type ``kind``, with the encoding Redis 7.0 would give
    it after loading under ``options`` (e.g. a listpack hash with more than
    ``hash-max-listpack-entries`` fields becomes a hashtable)."""
    if kind == RDB_TYPE_STRING:
        return reader.string()
    if kind == RDB_TYPE_LIST:
        count = reader.length()
        if count == 0:
            raise EmptyKeyError("empty key")
        items = ListValue()
        for _ in range(count):
            items.append(reader.string())
        return items
    if kind in (RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2):
        return _decode_quicklist(kind, reader)
    if kind == RDB_TYPE_SET:
        count = reader.length()
        if count == 0:
            raise EmptyKeyError("empty key")
        members = [reader.string() for _ in range(count)]
        intset = count <= min(options.set_max_intset_entries, 1 << 30) and all(
            strict_int(member) is not None for member in members)
        return _new_set(members, "intset" if intset else "hashtable")
    if kind in (RDB_TYPE_ZSET, RDB_TYPE_ZSET_2):
        count = reader.length()
        if count == 0:
            raise EmptyKeyError("empty key")
        read_score = reader.binary_double if kind == RDB_TYPE_ZSET_2 else reader.text_double
        pairs = []
        longest = 0
        for _ in range(count):
            member = reader.string()
            longest = max(longest, len(member))
            pairs.append((member, read_score()))
        listpack = (count <= options.zset_max_listpack_entries
                    and longest <= options.zset_max_listpack_value)
        return _new_zset(pairs, "listpack" if listpack else "skiplist")
    if kind == RDB_TYPE_HASH:
        count = reader.length()
        if count == 0:
            raise EmptyKeyError("empty key")
        limit = options.hash_max_listpack_value
        hash_pairs = []
        listpack = count <= options.hash_max_listpack_entries
        for _ in range(count):
            name = reader.string()
            content = reader.string()
            if len(name) > limit or len(content) > limit:
                listpack = False
            hash_pairs.append((name, content))
        return _new_hash(hash_pairs, "listpack" if listpack else "hashtable")
    if kind in (RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_SET_INTSET,
                RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_HASH_ZIPLIST,
                RDB_TYPE_HASH_LISTPACK):
        return _decode_blob(kind, reader.string(), options)
    if kind in (RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2):
        return decode_stream(kind, reader)
    if kind in (RDB_TYPE_MODULE, RDB_TYPE_MODULE_2):
        raise RDBError("The RDB file contains module data I can't load: godis has no modules")
    raise RDBError(f"Unknown RDB encoding type {kind}")


def _decode_quicklist(kind: int, reader: Reader) -> ListValue:
    count = reader.length()
    if count == 0:
        raise EmptyKeyError("empty key")
    items = ListValue()
    for _ in range(count):
        container = QUICKLIST_NODE_CONTAINER_PACKED
        if kind == RDB_TYPE_LIST_QUICKLIST_2:
            container = reader.length()
            if container not in (QUICKLIST_NODE_CONTAINER_PACKED, QUICKLIST_NODE_CONTAINER_PLAIN):
                raise RDBError("Quicklist integrity check failed.")
        blob = reader.string()
        if not blob:
            raise RDBError("Quicklist integrity check failed.")
        if container == QUICKLIST_NODE_CONTAINER_PLAIN:
            items.append(blob)
            continue
        elements = decode_listpack(blob) if kind == RDB_TYPE_LIST_QUICKLIST_2 else decode_ziplist(
            blob)
        items.extend(map(_as_bytes, elements))
    if not items:
        raise EmptyKeyError("empty key")
    return items


def _decode_blob(kind: int, blob: bytes, options: Encodings) -> Value:
    """The single-blob encodings: their content, converted as ``rdbLoadObject`` converts."""
    if kind == RDB_TYPE_HASH_ZIPMAP:
        pairs = decode_zipmap(blob)
        longest = max((max(len(k), len(v)) for k, v in pairs), default=0)
        listpack = (len(pairs) <= options.hash_max_listpack_entries
                    and longest <= options.hash_max_listpack_value)
        if not pairs:
            raise EmptyKeyError("empty key")
        return _new_hash(pairs, "listpack" if listpack else "hashtable")
    if kind == RDB_TYPE_LIST_ZIPLIST:
        items = ListValue()
        items.extend(map(_as_bytes, decode_ziplist(blob)))
        if not items:
            raise EmptyKeyError("empty key")
        return items
    if kind == RDB_TYPE_SET_INTSET:
        members = decode_intset(blob)
        encoding = "hashtable" if len(members) > options.set_max_intset_entries else "intset"
        return _new_set((b"%d" % member for member in members), encoding)
    elements = decode_listpack(blob) if kind in (RDB_TYPE_ZSET_LISTPACK,
                                                 RDB_TYPE_HASH_LISTPACK) else decode_ziplist(blob)
    pairs_raw = _pairs(elements)
    if not pairs_raw:
        raise EmptyKeyError("empty key")
    if kind in (RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST):
        encoding = ("skiplist" if len(pairs_raw) > options.zset_max_listpack_entries
                    else "listpack")
        return _new_zset(((_as_bytes(m), _score(s)) for m, s in pairs_raw), encoding)
    encoding = "hashtable" if len(pairs_raw) > options.hash_max_listpack_entries else "listpack"
    return _new_hash(((_as_bytes(k), _as_bytes(v)) for k, v in pairs_raw), encoding)


# -- DUMP / RESTORE payloads (cluster.c) --------------------------------------------------------

_VERSION_BYTES = RDB_VERSION.to_bytes(2, "little")


def _with_footer(body: bytes) -> bytes:
    """``... RDB payload | 2 bytes RDB version | 8 bytes CRC64``, both little endian."""
    body += _VERSION_BYTES
    return body + crc64_bytes(body)


def dump_payload(value: Value, options: Encodings = DEFAULT_ENCODINGS) -> bytes:
    """``createDumpPayload``: type byte, serialized value, RDB version, CRC64."""
    kind, body = encode_value(value, options)
    return _with_footer(bytes((kind,)) + body)


def verify_payload(payload: bytes, check_crc: bool = True) -> int:
    """``verifyDumpPayload``: the payload's RDB version; DumpPayloadError if too new or corrupt."""
    if len(payload) < 10:
        raise DumpPayloadError()
    footer = payload[-10:]
    version = footer[0] | (footer[1] << 8)
    if version > RDB_VERSION:
        raise DumpPayloadError()
    if check_crc and crc64_bytes(memoryview(payload)[:-8]) != footer[2:]:
        raise DumpPayloadError()
    return version


def restore_payload(payload: bytes, options: Encodings = DEFAULT_ENCODINGS) -> Value:
    """RESTORE's reading: verify the footer, then ``rdbLoadObjectType`` + ``rdbLoadObject``.

    DumpPayloadError for the footer, RDBError (``Bad data format``) for the rest, an empty
    container included. As in Redis the value is read from the whole payload, footer included,
    and bytes left over are ignored."""
    verify_payload(payload)
    reader = Reader(payload)
    kind = reader.byte()
    if not is_object_type(kind):
        raise RDBError("Bad data format")
    return decode_value(kind, reader, options)


def dump_function_libraries(codes: list[bytes]) -> bytes:
    """FUNCTION DUMP's payload (``functionDumpCommand``): per library RDB_OPCODE_FUNCTION2 and
    its code as an RDB string, then the RDB version and CRC64."""
    return _with_footer(b"".join(bytes((RDB_OPCODE_FUNCTION2,)) + encode_string(code)
                                 for code in codes))


def load_function_libraries(payload: bytes) -> list[bytes]:
    """FUNCTION RESTORE's reading (``functionRestoreCommand`` + ``rdbFunctionLoad``): the code
    of each library, in order. FunctionPayloadError carries Redis's text.

    The pre-release format (RDB_OPCODE_FUNCTION: name, engine, description, code) is turned
    into a code with its ``#!engine name=...`` line, as Redis does."""
    try:
        verify_payload(payload)
    except DumpPayloadError as error:
        raise FunctionPayloadError(str(error)) from None
    reader = Reader(payload)
    codes: list[bytes] = []
    while len(payload) - reader.pos > 10:
        kind = reader.byte()
        if kind not in (RDB_OPCODE_FUNCTION, RDB_OPCODE_FUNCTION2):
            raise FunctionPayloadError("given type is not a function")
        codes.append(_load_function(kind, reader))
    return codes


def _load_function(kind: int, reader: Reader) -> bytes:
    """``rdbFunctionLoad`` without creating the library: its code."""
    if kind == RDB_OPCODE_FUNCTION2:
        try:
            return reader.string()
        except RDBError:
            raise FunctionPayloadError("Failed loading library payload") from None
    steps = (("name", "Failed loading library name"), ("engine", "Failed loading engine name"))
    found: dict[str, bytes] = {}
    for what, text in steps:
        try:
            found[what] = reader.string()
        except RDBError:
            raise FunctionPayloadError(text) from None
    try:
        has_description = reader.length()
    except RDBError:
        raise FunctionPayloadError("Failed loading library description indicator") from None
    if has_description:
        try:
            reader.string()
        except RDBError:
            raise FunctionPayloadError("Failed loading library description") from None
    try:
        blob = reader.string()
    except RDBError:
        raise FunctionPayloadError("Failed loading library blob") from None
    return b"#!%s name=%s\n%s" % (found["engine"], found["name"], blob)


# -- whole files (rdbSaveRio, rdbLoadRioWithLoadingCtx) -----------------------------------------

def encode_aux(name: bytes, value: bytes, compress: bool = True) -> bytes:
    """``rdbSaveAuxField``."""
    return bytes((RDB_OPCODE_AUX,)) + encode_string(name, compress) + encode_string(value, compress)


def save_rdb(keyspace: Keyspace, *, options: Encodings = DEFAULT_ENCODINGS,
             functions: Iterable[bytes] = (), ctime: int = 0, used_mem: int = 0,
             aof_base: bool = False, checksum: bool = True) -> bytes:
    """``rdbSaveRio``: the whole file for ``keyspace`` (every key, logically expired ones too,
    as Redis), the function libraries' ``functions`` codes, EOF and the CRC64 (0 when
    ``rdbchecksum no``). Under an LRU policy each key gets an IDLE opcode (its idle seconds),
    under an LFU policy a FREQ opcode (its decayed counter), as ``rdbSaveKeyValuePair``."""
    compress = options.compression
    parts = [b"REDIS%04d" % RDB_VERSION,
             encode_aux(b"redis-ver", REDIS_COMPAT_VERSION.encode(), compress),
             encode_aux(b"redis-bits", b"64", compress),
             encode_aux(b"ctime", b"%d" % ctime, compress),
             encode_aux(b"used-mem", b"%d" % used_mem, compress),
             encode_aux(b"aof-base", b"1" if aof_base else b"0", compress)]
    for code in functions:
        parts.append(bytes((RDB_OPCODE_FUNCTION2,)) + encode_string(code, compress))
    policy = keyspace.eviction.policy
    for db in keyspace.databases:
        ageing = (_idle_opcode(keyspace, db) if policy.endswith("-lru")
                  else _freq_opcode(keyspace, db) if policy.endswith("-lfu") else None)
        parts.extend(encode_database(db.index, db.data, db.expires, options, ageing))
    parts.append(bytes((RDB_OPCODE_EOF,)))
    body = b"".join(parts)
    return body + (crc64_bytes(body) if checksum else bytes(8))


def _idle_opcode(keyspace: Keyspace, db: Database) -> Callable[[bytes], bytes]:
    """RDB_OPCODE_IDLE and the key's idle seconds (``estimateObjectIdleTime`` / 1000)."""
    clock = keyspace.lru_clock_ms
    access = db.access
    return lambda key: bytes((RDB_OPCODE_IDLE,)) + encode_length(
        max(0, clock - access.get(key, clock)) // 1000)


def _freq_opcode(keyspace: Keyspace, db: Database) -> Callable[[bytes], bytes]:
    """RDB_OPCODE_FREQ and the key's LFU counter (``LFUDecrAndReturn``)."""
    lfu = db.lfu

    def opcode(key: bytes) -> bytes:
        word = lfu.get(key)
        return bytes((RDB_OPCODE_FREQ,
                      LFU_INIT_VAL if word is None else keyspace.lfu_counter(word)))

    return opcode


def encode_database(index: int, data: dict[bytes, Value], expires: dict[bytes, int],
                    options: Encodings = DEFAULT_ENCODINGS,
                    ageing: Callable[[bytes], bytes] | None = None) -> Iterator[bytes]:
    """``rdbSaveDb``: SELECTDB, RESIZEDB, then each key (EXPIRETIME_MS, IDLE or FREQ from
    ``ageing``, type, key, value)."""
    if not data:
        return
    compress = options.compression
    yield (bytes((RDB_OPCODE_SELECTDB,)) + encode_length(index) + bytes((RDB_OPCODE_RESIZEDB,))
           + encode_length(len(data)) + encode_length(len(expires)))
    for key, value in data.items():
        when = expires.get(key)
        kind, body = encode_value(value, options)
        prefix = b"" if when is None else (bytes((RDB_OPCODE_EXPIRETIME_MS,))
                                           + when.to_bytes(8, "little", signed=True))
        if ageing is not None:
            prefix += ageing(key)
        yield prefix + bytes((kind,)) + encode_string(key, compress) + body


@dataclass
class LoadedKey:
    """One key of a file, with the opcodes that preceded it."""

    db: int
    key: bytes
    value: Value
    expire_ms: int | None = None
    idle_s: int | None = None
    freq: int | None = None


@dataclass
class RDBFile:
    """What :func:`parse_rdb` read: the version, aux fields, function codes and the keys."""

    version: int = RDB_VERSION
    aux: dict[bytes, bytes] = field(default_factory=dict)
    functions: list[bytes] = field(default_factory=list)
    keys: list[LoadedKey] = field(default_factory=list)
    empty_keys_skipped: int = 0
    checksum: int = 0  # as stored; 0 when the writer had rdbchecksum off
    end: int = 0  # the offset after the checksum: where an AOF tail follows an RDB preamble
    resize_hints: dict[int, tuple[int, int]] = field(default_factory=dict)


def parse_rdb(data: bytes, *, options: Encodings = DEFAULT_ENCODINGS, databases: int = 16,
              verify_checksum: bool = True,
              trace: Callable[[int, str], None] | None = None) -> RDBFile:
    """``rdbLoadRioWithLoadingCtx`` minus applying: every record of a whole file.

    RDBError with Redis's log text for a wrong signature or version, a database beyond
    ``databases``, a module value, a bad value, a short read or a CRC mismatch; empty
    containers are skipped as Redis skips them."""
    if len(data) < 9 or data[:5] != b"REDIS":
        raise RDBError("Wrong signature trying to load DB from file")
    digits = data[5:9]
    version = int(digits) if digits.isdigit() else 0
    if not 1 <= version <= RDB_VERSION:
        raise RDBError(f"Can't handle RDB format version {version}")
    result = RDBFile(version=version)
    reader = Reader(data, 9)
    db = 0
    expire: int | None = None
    idle: int | None = None
    freq: int | None = None
    while True:
        kind = reader.byte()
        if kind == RDB_OPCODE_EXPIRETIME:
            expire = int.from_bytes(reader.read(4), "little", signed=True) * 1000
            continue
        if kind == RDB_OPCODE_EXPIRETIME_MS:
            expire = reader.millis()
            continue
        if kind == RDB_OPCODE_FREQ:
            freq = reader.byte()
            continue
        if kind == RDB_OPCODE_IDLE:
            idle = reader.length()
            continue
        if kind == RDB_OPCODE_EOF:
            break
        if kind == RDB_OPCODE_SELECTDB:
            db = reader.length()
            if trace is not None:
                trace(reader.pos, f"Selecting DB ID {db}")
            if db >= databases:
                raise RDBError("FATAL: Data file was created with a Redis server configured to "
                               f"handle more than {databases} databases. Exiting\n")
            continue
        if kind == RDB_OPCODE_RESIZEDB:
            result.resize_hints[db] = (reader.length(), reader.length())
            continue
        if kind == RDB_OPCODE_AUX:
            name = reader.string()
            result.aux[name] = reader.string()
            if trace is not None:
                trace(reader.pos, f"AUX FIELD {name.decode(errors='replace')} = "
                                  f"'{result.aux[name].decode(errors='replace')}'")
            continue
        if kind == RDB_OPCODE_MODULE_AUX:
            raise RDBError("The RDB file contains AUX module data I can't load: godis has no "
                           "modules")
        if kind in (RDB_OPCODE_FUNCTION, RDB_OPCODE_FUNCTION2):
            try:
                result.functions.append(_load_function(kind, reader))
            except FunctionPayloadError as error:
                raise RDBError(f"Failed loading library, {error}") from None
            continue
        if not is_object_type(kind):
            raise RDBError(f"Unknown RDB encoding type {kind}")
        key = reader.string()
        try:
            value = decode_value(kind, reader, options)
        except EmptyKeyError:
            result.empty_keys_skipped += 1
        else:
            result.keys.append(LoadedKey(db, key, value, expire, idle, freq))
        expire = idle = freq = None
    if version >= 5:
        end = reader.pos
        stored = int.from_bytes(reader.read(8), "little")
        result.checksum = stored
        if verify_checksum and stored and stored != crc64(memoryview(data)[:end]):
            raise RDBError("RDB CRC error")
        if trace is not None:
            trace(reader.pos, "Checksum OK" if stored else "RDB file was saved with checksum "
                                                            "disabled: no check performed.")
    result.end = reader.pos
    return result


@dataclass
class LoadStats:
    """``rdb_last_load_keys_loaded`` / ``_expired`` and the skipped empty keys."""

    loaded: int = 0
    expired: int = 0
    empty_skipped: int = 0
    functions: list[bytes] = field(default_factory=list)


def load_into_keyspace(parsed: RDBFile, keyspace: Keyspace, now_ms: int, *,
                       expire: bool = True, allow_duplicates: bool = False) -> LoadStats:
    """Apply a parsed file: keys already expired at ``now_ms`` are dropped when ``expire``
    (a master loading a plain RDB; not an AOF base), IDLE sets OBJECT IDLETIME's clock
    (``objectSetLRUOrLFU`` under an LRU or no-eviction policy; FREQ only matters under LFU).

    A key that exists already is an RDBError (Redis panics: "Duplicated key found in RDB
    file") unless ``allow_duplicates`` (DEBUG RELOAD's mode), which replaces it."""
    stats = LoadStats(empty_skipped=parsed.empty_keys_skipped, functions=list(parsed.functions))
    databases = keyspace.databases
    clock = keyspace.lru_clock_ms
    for record in parsed.keys:
        if expire and record.expire_ms is not None and record.expire_ms < now_ms:
            stats.expired += 1
            continue
        db = databases[record.db]
        key = record.key
        if key in db.data and not allow_duplicates:
            raise RDBError(f"RDB has duplicated key '{key.decode(errors='replace')}' in DB "
                           f"{record.db}")
        if key in db.data:  # an allowed duplicate replaces the key: its charge leaves too
            db.forget(key, db.data.pop(key))
        db.add(key, record.value)
        if record.expire_ms is not None:
            db.expires[key] = record.expire_ms
        elif db.expires:
            db.expires.pop(key, None)
        db.access[key] = clock - record.idle_s * 1000 if record.idle_s is not None else clock
        if keyspace.lfu_enabled and record.freq is not None:
            db.lfu[key] = (keyspace.lfu_minutes() << 8) | record.freq
        stats.loaded += 1
    return stats


__all__ = [
    "DEFAULT_ENCODINGS",
    "RDB_VERSION",
    "DumpPayloadError",
    "EmptyKeyError",
    "Encodings",
    "FunctionPayloadError",
    "LoadStats",
    "LoadedKey",
    "RDBError",
    "RDBFile",
    "Reader",
    "crc64",
    "crc64_bytes",
    "decode_listpack",
    "decode_value",
    "dump_function_libraries",
    "dump_payload",
    "encode_listpack",
    "encode_string",
    "encode_value",
    "load_function_libraries",
    "load_into_keyspace",
    "lzf_compress",
    "lzf_decompress",
    "parse_rdb",
    "quicklist_nodes",
    "restore_payload",
    "save_rdb",
    "verify_payload",
]
