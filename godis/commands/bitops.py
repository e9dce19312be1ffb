"""Bitmap commands (Redis's bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD[_RO].

Bitmaps are plain strings; bit 0 is the most significant bit of the first byte. Writes turn the
value into a mutable ``bytearray`` (a ``raw`` string, as ``dbUnshareStringValue`` does) and
zero-pad it up to the highest bit touched. Bulk work (counting, searching, BITOP) runs on
Python big integers so it happens in C, not in a per-byte Python loop.
"""

from __future__ import annotations

from godis.client import Client
from godis.commands.strings import (
    MIN_PROTO_MAX_BULK_LEN,
    read_string,
    unshare_string,
    write_string,
)
from godis.errors import NOT_INTEGER, SYNTAX, CommandError
from godis.protocol.reader import strict_int
from godis.protocol.writer import Reply
from godis.table import command
from godis.util import parse_int

BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range"
BIT_VALUE_ERROR = "ERR bit is not an integer or out of range"
BITFIELD_TYPE_ERROR = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is "
                       "not supported but i64 is.")
_U64 = (1 << 64) - 1



def _wrap_int64(value: int) -> int:
    """C's wrap-around of a signed 64-bit multiplication."""
    value &= _U64
    return value - (1 << 64) if value >> 63 else value


def bit_offset(client: Client, arg: bytes, hash_allowed: bool = False, bits: int = 0) -> int:
    """``getBitOffsetFromArgument``: a bit offset below ``proto-max-bulk-len`` bytes.

    BITFIELD also accepts ``#N``, meaning N times the field width.
    """
    use_hash = hash_allowed and bits > 0 and arg[:1] == b"#"
    offset = strict_int(arg[1:] if use_hash else arg)
    if offset is None:
        raise CommandError(BIT_OFFSET_ERROR)
    if use_hash:
        offset = _wrap_int64(offset * bits)
    if offset < 0 or (
        (offset >> 3) >= MIN_PROTO_MAX_BULK_LEN
        and (offset >> 3) >= client.server.config["proto-max-bulk-len"]
    ):
        raise CommandError(BIT_OFFSET_ERROR)
    return offset


def lookup_string_for_bits(client: Client, key: bytes, max_bit: int) -> tuple[bytearray, int]:
    """``lookupStringForBitCommand``: the bytearray at ``key``, created or zero-padded so that
    ``max_bit`` is addressable; also how many bytes it grew."""
    db = client.db
    value = write_string(db, key)
    needed = (max_bit >> 3) + 1
    if value is None:
        created = bytearray(needed)
        db.set(key, created)
        return created, needed
    mutable = unshare_string(db, key, value)
    grow = needed - len(mutable)
    if grow > 0:
        mutable.extend(bytes(grow))
        return mutable, grow
    return mutable, 0


def _range_bits(argv: list[bytes], unit_index: int) -> bool:
    """BYTE or BIT at ``unit_index``: whether the range counts bits."""
    unit = argv[unit_index].lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise CommandError(SYNTAX)


def _field(data: bytes | bytearray, first_bit: int, last_bit: int) -> tuple[int, int]:
    """Bits ``first_bit``..``last_bit`` (inclusive) of ``data`` as an int, and their count."""
    chunk = data[first_bit >> 3 : (last_bit >> 3) + 1]
    number = int.from_bytes(chunk, "big")
    trailing = 7 - (last_bit & 7)
    width = last_bit - first_bit + 1
    return (number >> trailing) & ((1 << width) - 1), width


# -- SETBIT / GETBIT --------------------------------------------------------------------------------


@command("setbit", arity=4, flags="write denyoom", keys=(1, 1, 1), group="bitmap",
         summary="Sets or clears the bit at offset in the string value stored at key",
         since="2.2.0", complexity="O(1)")
def setbit_command(client: Client, argv: list[bytes]) -> Reply:
    """SETBIT key offset 0|1: the bit's previous value. Only a real change is propagated."""
    offset = bit_offset(client, argv[2])
    on = parse_int(argv[3], BIT_VALUE_ERROR)
    if on & ~1:
        raise CommandError(BIT_VALUE_ERROR)
    key = argv[1]
    value, grown = lookup_string_for_bits(client, key, offset)
    byte = offset >> 3
    shift = 7 - (offset & 7)
    current = value[byte]
    old = (current >> shift) & 1
    if grown or old != on:
        value[byte] = (current & ~(1 << shift)) | (on << shift)
        client.keyspace.notify(client.db.index, "$", "setbit", key)
        client.keyspace.dirty += 1
    return old


@command("getbit", arity=3, flags="readonly fast", keys=(1, 1, 1), group="bitmap",
         summary="Returns the bit value at offset in the string value stored at key",
         since="2.2.0", complexity="O(1)")
def getbit_command(client: Client, argv: list[bytes]) -> Reply:
    """GETBIT key offset: 0 past the end of the string or for a missing key."""
    offset = bit_offset(client, argv[2])
    value = read_string(client.db, argv[1])
    if value is None:
        return 0
    byte = offset >> 3
    if byte >= len(value):
        return 0
    return (value[byte] >> (7 - (offset & 7))) & 1


# -- BITCOUNT / BITPOS ------------------------------------------------------------------------------


@command("bitcount", arity=-2, flags="readonly", keys=(1, 1, 1), group="bitmap",
         summary="Count set bits in a string", since="2.6.0",
         complexity="O(N)")
def bitcount_command(client: Client, argv: list[bytes]) -> Reply:
    """BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before parsing."""
    value = read_string(client.db, argv[1])
    if value is None:
        return 0
    argc = len(argv)
    size = len(value)
    if argc == 2:
        return int.from_bytes(value, "big").bit_count()
    if argc not in (4, 5):
        raise CommandError(SYNTAX)
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start < 0 and end < 0 and start > end:
        return 0
    in_bits = argc == 5 and _range_bits(argv, 4)
    total = size << 3 if in_bits else size
    if start < 0:
        start = max(total + start, 0)
    if end < 0:
        end = max(total + end, 0)
    if end >= total:
        end = total - 1
    if start > end:
        return 0
    if not in_bits:
        start, end = start << 3, (end << 3) | 7
    bits, _ = _field(value, start, end)
    return bits.bit_count()


@command("bitpos", arity=-3, flags="readonly", keys=(1, 1, 1), group="bitmap",
         summary="Find first bit set or clear in a string", since="2.8.7",
         complexity="O(N)")
def bitpos_command(client: Client, argv: list[bytes]) -> Reply:
    """BITPOS key 0|1 [start [end [BYTE|BIT]]].

    A missing key is all zeros. Looking for 0 without an explicit end, the string counts as
    zero-padded on the right, so the answer may be the first bit past its end.
    """
    bit = parse_int(argv[2])
    if bit != 0 and bit != 1:
        raise CommandError("ERR The bit argument must be 1 or 0.")
    value = read_string(client.db, argv[1])
    if value is None:
        return -1 if bit else 0
    argc = len(argv)
    size = len(value)
    end_given = False
    in_bits = False
    if argc == 3:
        start, end = 0, size - 1
    elif argc <= 6:
        start = parse_int(argv[3])
        if argc == 6:
            in_bits = _range_bits(argv, 5)
        total = size << 3 if in_bits else size
        if argc >= 5:
            end = parse_int(argv[4])
            end_given = True
        else:
            end = total - 1
        if start < 0:
            start = max(total + start, 0)
        if end < 0:
            end = max(total + end, 0)
        if end >= total:
            end = total - 1
    else:
        raise CommandError(SYNTAX)
    if start > end:
        return -1
    if not in_bits:
        start, end = start << 3, (end << 3) | 7
    bits, width = _field(value, start, end)
    if bit == 0:
        bits ^= (1 << width) - 1
    if bits:
        return start + width - bits.bit_length()
    if bit == 1 or end_given:
        return -1
    return end + 1


# -- BITOP ------------------------------------------------------------------------------------------


def _bitop_destination(argv: list[bytes]) -> list[int]:
    """BITOP writes only its destination (argv[2]); the sources are read."""
    return [2]


@command("bitop", arity=-4, flags="write denyoom", keys=(2, -1, 1), group="bitmap",
         summary="Perform bitwise operations between strings", since="2.6.0",
         complexity="O(N)", written_keys=_bitop_destination)
def bitop_command(client: Client, argv: list[bytes]) -> Reply:
    """BITOP AND|OR|XOR|NOT destkey key [key ...]: the length of the result.

    Shorter inputs are zero-padded; an empty result deletes ``destkey``.
    """
    operation = argv[1].lower()
    if operation not in (b"and", b"or", b"xor", b"not"):
        raise CommandError(SYNTAX)
    if operation == b"not" and len(argv) != 4:
        raise CommandError("ERR BITOP NOT must be called with a single source key.")
    db = client.db
    sources: list[bytes | bytearray] = []
    for key in argv[3:]:
        value = read_string(db, key)
        sources.append(b"" if value is None else value)
    longest = max(len(source) for source in sources)
    target = argv[2]
    keyspace = client.keyspace
    if not longest:
        if db.delete(target):
            keyspace.notify(db.index, "g", "del", target)
            keyspace.dirty += 1
        return 0
    numbers = [int.from_bytes(source, "big") << ((longest - len(source)) << 3)
               for source in sources]
    result = numbers[0]
    if operation == b"and":
        for number in numbers[1:]:
            result &= number
    elif operation == b"or":
        for number in numbers[1:]:
            result |= number
    elif operation == b"xor":
        for number in numbers[1:]:
            result ^= number
    else:
        result ^= (1 << (longest << 3)) - 1
    db.get(target)  # setKey's lookupKeyWrite: expire a stale key first
    db.set(target, bytearray(result.to_bytes(longest, "big")))
    keyspace.notify(db.index, "$", "set", target)
    keyspace.dirty += 1
    return longest


# -- BITFIELD ---------------------------------------------------------------------------------------

OP_GET, OP_SET, OP_INCRBY = 0, 1, 2
WRAP, SAT, FAIL = 0, 1, 2


def _bitfield_type(arg: bytes) -> tuple[bool, int]:
    """``getBitfieldTypeFromArgument``: i1..i64 or u1..u63 as (signed, bits)."""
    sign = arg[:1]
    if sign not in (b"i", b"u"):
        raise CommandError(BITFIELD_TYPE_ERROR)
    bits = strict_int(arg[1:])
    signed = sign == b"i"
    if bits is None or bits < 1 or (signed and bits > 64) or (not signed and bits > 63):
        raise CommandError(BITFIELD_TYPE_ERROR)
    return signed, bits


def _read_field(data: bytes | bytearray, offset: int, bits: int, signed: bool) -> int:
    """The integer stored in ``bits`` bits at bit ``offset`` (zero past the end)."""
    byte = offset >> 3
    chunk = data[byte : byte + 9]
    number = int.from_bytes(chunk, "big") << ((9 - len(chunk)) << 3)  # 72 bits, zero-padded
    value = (number >> (72 - (offset - (byte << 3)) - bits)) & ((1 << bits) - 1)
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def _write_field(data: bytearray, offset: int, bits: int, value: int) -> None:
    """Store the low ``bits`` bits of ``value`` at bit ``offset`` (the string is long enough)."""
    first = offset >> 3
    last = (offset + bits - 1) >> 3
    width = (last - first + 1) << 3
    shift = width - (offset - (first << 3)) - bits
    mask = ((1 << bits) - 1) << shift
    number = int.from_bytes(data[first : last + 1], "big")
    number = (number & ~mask) | ((value << shift) & mask)
    data[first : last + 1] = number.to_bytes(width >> 3, "big")


def _overflow(value: int, signed: bool, bits: int, overflow: int) -> int | None:
    """Fit ``value`` (exact) into the field per the OVERFLOW policy; ``None`` means FAIL."""
    if signed:
        high = (1 << (bits - 1)) - 1
        low = -high - 1
    else:
        high = (1 << bits) - 1
        low = 0
    if low <= value <= high:
        return value
    if overflow == FAIL:
        return None
    if overflow == SAT:
        return high if value > high else low
    wrapped = value & ((1 << bits) - 1)
    if signed and wrapped >> (bits - 1):
        wrapped -= 1 << bits
    return wrapped


def bitfield_generic(client: Client, argv: list[bytes], read_only: bool) -> Reply:
    """``bitfieldGeneric``: parse every operation first, then run them in order."""
    ops: list[tuple[int, int, int, bool, int, int]] = []  # op, offset, bits, signed, arg, overflow
    overflow = WRAP
    writes = False
    highest_write = 0
    index = 2
    argc = len(argv)
    while index < argc:
        remaining = argc - index - 1
        name = argv[index].lower()
        if name == b"get" and remaining >= 2:
            opcode = OP_GET
        elif name == b"set" and remaining >= 3:
            opcode = OP_SET
        elif name == b"incrby" and remaining >= 3:
            opcode = OP_INCRBY
        elif name == b"overflow" and remaining >= 1:
            policy = argv[index + 1].lower()
            if policy == b"wrap":
                overflow = WRAP
            elif policy == b"sat":
                overflow = SAT
            elif policy == b"fail":
                overflow = FAIL
            else:
                raise CommandError("ERR Invalid OVERFLOW type specified")
            index += 2
            continue
        else:
            raise CommandError(SYNTAX)
        signed, bits = _bitfield_type(argv[index + 1])
        offset = bit_offset(client, argv[index + 2], True, bits)
        argument = 0
        if opcode != OP_GET:
            writes = True
            highest_write = max(highest_write, offset + bits - 1)
            argument = parse_int(argv[index + 3], NOT_INTEGER)
        ops.append((opcode, offset, bits, signed, argument, overflow))
        index += 3 if opcode == OP_GET else 4
    key = argv[1]
    grown = 0
    data: bytes | bytearray | None
    if not writes:
        data = read_string(client.db, key)
    elif read_only:
        raise CommandError("ERR BITFIELD_RO only supports the GET subcommand")
    else:
        data, grown = lookup_string_for_bits(client, key, highest_write)
    replies: list[Reply] = []
    changes = 0
    for opcode, offset, bits, signed, argument, mode in ops:
        if opcode == OP_GET:
            replies.append(0 if data is None else _read_field(data, offset, bits, signed))
            continue
        assert type(data) is bytearray
        old = _read_field(data, offset, bits, signed)
        if opcode == OP_INCRBY:
            new = _overflow(old + argument, signed, bits, mode)
            result = new
        else:
            # The C code stores the int64 argument into a uint64 for unsigned fields.
            new = _overflow(argument if signed else argument & _U64, signed, bits, mode)
            result = old
        if new is None:
            replies.append(None)
            continue
        replies.append(result)
        _write_field(data, offset, bits, new)
        if grown or old != new:
            changes += 1
    if changes:
        client.keyspace.notify(client.db.index, "$", "setbit", key)
        client.keyspace.dirty += changes
    return replies




@command("bitfield", arity=-2, flags="write denyoom", keys=(1, 1, 1), group="bitmap",
         summary="Perform arbitrary bitfield integer operations on strings", since="3.2.0",
         complexity="O(1) for each subcommand specified")
def bitfield_command(client: Client, argv: list[bytes]) -> Reply:
    """BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset incr]
    [OVERFLOW WRAP|SAT|FAIL] ..."""
    return bitfield_generic(client, argv, False)


@command("bitfield_ro", arity=-2, flags="readonly fast", keys=(1, 1, 1), group="bitmap",
         summary="Perform arbitrary bitfield integer operations on strings. Read-only variant "
                 "of BITFIELD", since="6.0.0",
         complexity="O(1) for each subcommand specified")
def bitfield_ro_command(client: Client, argv: list[bytes]) -> Reply:
    """BITFIELD_RO key [GET type offset ...]."""
    return bitfield_generic(client, argv, True)
