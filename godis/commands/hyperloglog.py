"""HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE.

The value is an ordinary string in Redis's own format, byte for byte, so GET/SET/DUMP of an
HLL interoperate with a real server:

* a 16-byte header: ``HYLL``, the encoding (0 dense, 1 sparse), 3 unused bytes and the cached
  cardinality (8 bytes little endian; the top bit of the last byte set means "stale");
* 16384 registers of 6 bits (dense: 12288 bytes, LSB first), or the sparse run-length opcodes
  ZERO ``00xxxxxx``, XZERO ``01xxxxxx yyyyyyyy`` and VAL ``1vvvvvxx``.

New keys start sparse and are promoted to dense when a register exceeds 32 or the sparse form
would exceed ``hll-sparse-max-bytes``, with Redis's exact in-place update and merge rules, so
the bytes (and STRLEN) match. Elements are hashed with MurmurHash64A (seed 0xadc83b19) and the
cardinality uses Ertl's improved estimator, so counts equal Redis's exactly.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from godis.client import Client
from godis.commands.strings import read_string, unshare_string, write_string
from godis.errors import CommandError
from godis.protocol.writer import OK, Reply, Status
from godis.table import command, first_key_only

HLL_P = 14
HLL_Q = 64 - HLL_P
HLL_REGISTERS = 1 << HLL_P
HLL_P_MASK = HLL_REGISTERS - 1
HLL_HDR_SIZE = 16
HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6 + 7) // 8
HLL_DENSE = 0
HLL_SPARSE = 1
HLL_SPARSE_VAL_MAX_VALUE = 32
HLL_SPARSE_VAL_MAX_LEN = 4
HLL_SPARSE_ZERO_MAX_LEN = 64
HLL_SPARSE_XZERO_MAX_LEN = 16384
HLL_ALPHA_INF = 0.721347520444481703680  # 0.5 / ln(2)

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
INVALID_HLL = "INVALIDOBJ Corrupted HLL object detected"

_M64 = (1 << 64) - 1
_MURMUR_M = 0xC6A4A7935BD1E995
_MURMUR_SEED = 0xADC83B19

# An empty HLL as createHLLObject makes it: sparse, one XZERO opcode covering all registers.
_EMPTY_SPARSE = b"HYLL\x01\x00\x00\x00" + bytes(8) + bytes([0x40 | ((HLL_REGISTERS - 1) >> 8),
                                                             (HLL_REGISTERS - 1) & 0xFF])


class CorruptHll(Exception):
    """A sparse representation whose opcodes do not cover exactly 16384 registers."""


# -- hashing ----------------------------------------------------------------------------------------


def murmurhash64a(data: bytes, seed: int = _MURMUR_SEED) -> int:
    """MurmurHash2, 64-bit version, as Redis computes it (little-endian words)."""
    m = _MURMUR_M
    length = len(data)
    h = (seed ^ (length * m)) & _M64
    tail_start = length - (length & 7)
    for start in range(0, tail_start, 8):
        k = (int.from_bytes(data[start : start + 8], "little") * m) & _M64
        k ^= k >> 47
        h ^= (k * m) & _M64
        h = (h * m) & _M64
    if length & 7:
        h ^= int.from_bytes(data[tail_start:], "little")
        h = (h * m) & _M64
    h ^= h >> 47
    h = (h * m) & _M64
    return h ^ (h >> 47)


def pattern_length(element: bytes) -> tuple[int, int]:
    """``hllPatLen``: (register index, length of the 000..1 run after the index bits)."""
    hashed = murmurhash64a(element)
    rest = (hashed >> HLL_P) | (1 << HLL_Q)
    return hashed & HLL_P_MASK, (rest & -rest).bit_length()


# -- validation and the cached cardinality ----------------------------------------------------------


def is_hll(value: bytes | bytearray) -> bool:
    """``isHLLObjectOrReply``'s checks: header, known encoding, exact dense length."""
    if len(value) < HLL_HDR_SIZE or value[:4] != b"HYLL" or value[4] > HLL_SPARSE:
        return False
    return value[4] != HLL_DENSE or len(value) == HLL_DENSE_SIZE


def _hll_or_error(value: bytes | bytearray | None) -> bytes | bytearray | None:
    if value is not None and not is_hll(value):
        raise CommandError(NOT_HLL)
    return value


def _invalidate_cache(hll: bytearray) -> None:
    hll[15] |= 0x80


# -- dense representation ---------------------------------------------------------------------------


def _dense_add(hll: bytearray, index: int, count: int) -> bool:
    """``hllDenseSet``: raise register ``index`` to ``count``; whether it changed."""
    position = HLL_HDR_SIZE + index * 6 // 8
    shift = index * 6 & 7
    if shift <= 2:
        if (hll[position] >> shift) & 63 >= count:
            return False
        hll[position] = (hll[position] & ~(63 << shift)) | (count << shift)
        return True
    low = hll[position]
    high = hll[position + 1]
    spill = 8 - shift
    if ((low >> shift) | (high << spill)) & 63 >= count:
        return False
    hll[position] = (low & ~(63 << shift) & 0xFF) | ((count << shift) & 0xFF)
    hll[position + 1] = (high & ~(63 >> spill)) | (count >> spill)
    return True


# Per-byte masks for big-int arithmetic: the dense form packs 4 registers in every 3 bytes,
# so unpacking works on 4096-byte lanes; register-wise maxima work on all 16384 bytes.
_GROUPS = HLL_REGISTERS // 4
_LANE_ONES = int.from_bytes(b"\x01" * _GROUPS, "little")
_MASK3 = _LANE_ONES * 0x03
_MASK15 = _LANE_ONES * 0x0F
_MASK63 = _LANE_ONES * 0x3F
_ONES = int.from_bytes(b"\x01" * HLL_REGISTERS, "little")
_ALL63 = _ONES * 0x3F
_ALL_BIT6 = _ONES * 0x40


def _dense_registers(hll: bytes | bytearray) -> bytes:
    """All 16384 registers, one byte each, in index order (C-speed big-int unpacking)."""
    body = bytes(hll[HLL_HDR_SIZE:HLL_DENSE_SIZE])
    b0 = int.from_bytes(body[0::3], "little")
    b1 = int.from_bytes(body[1::3], "little")
    b2 = int.from_bytes(body[2::3], "little")
    r0 = b0 & _MASK63
    r1 = ((b0 >> 6) & _MASK3) | ((b1 & _MASK15) << 2)
    r2 = ((b1 >> 4) & _MASK15) | ((b2 & _MASK3) << 4)
    r3 = (b2 >> 2) & _MASK63
    registers = bytearray(HLL_REGISTERS)
    registers[0::4] = r0.to_bytes(_GROUPS, "little")
    registers[1::4] = r1.to_bytes(_GROUPS, "little")
    registers[2::4] = r2.to_bytes(_GROUPS, "little")
    registers[3::4] = r3.to_bytes(_GROUPS, "little")
    return bytes(registers)


def _pack_dense(registers: bytes) -> bytes:
    """The 12288 dense bytes for 16384 one-byte registers (the inverse of the above)."""
    r0 = int.from_bytes(registers[0::4], "little")
    r1 = int.from_bytes(registers[1::4], "little")
    r2 = int.from_bytes(registers[2::4], "little")
    r3 = int.from_bytes(registers[3::4], "little")
    b0 = r0 | ((r1 & _MASK3) << 6)
    b1 = ((r1 >> 2) & _MASK15) | ((r2 & _MASK15) << 4)
    b2 = ((r2 >> 4) & _MASK3) | (r3 << 2)
    body = bytearray(HLL_DENSE_SIZE - HLL_HDR_SIZE)
    body[0::3] = b0.to_bytes(_GROUPS, "little")
    body[1::3] = b1.to_bytes(_GROUPS, "little")
    body[2::3] = b2.to_bytes(_GROUPS, "little")
    return bytes(body)


def _max_registers(a: bytes, b: bytes) -> bytes:
    """Byte-wise maximum of two register arrays (values < 64), in big-int arithmetic."""
    x = int.from_bytes(a, "little")
    y = int.from_bytes(b, "little")
    # Per byte: 64 + x - y never borrows; bit 6 of the result says x >= y.
    keep_x = ((((x | _ALL_BIT6) - y) >> 6) & _ONES) * 0x3F
    return ((x & keep_x) | (y & (_ALL63 ^ keep_x))).to_bytes(HLL_REGISTERS, "little")


# -- sparse representation --------------------------------------------------------------------------


def _sparse_registers(hll: bytes | bytearray) -> bytes:
    """All registers of a sparse HLL, one byte each; :class:`CorruptHll` if it is invalid."""
    registers = bytearray(HLL_REGISTERS)
    index = 0
    position = HLL_HDR_SIZE
    end = len(hll)
    while position < end:
        op = hll[position]
        if op < 0x40:  # ZERO
            index += (op & 0x3F) + 1
            position += 1
        elif op < 0x80:  # XZERO (a truncated one reads the sds NUL terminator, as in C)
            index += (((op & 0x3F) << 8) | (hll[position + 1] if position + 1 < end else 0)) + 1
            position += 2
        else:  # VAL
            run = (op & 3) + 1
            if index + run > HLL_REGISTERS:
                break
            registers[index : index + run] = bytes([((op >> 2) & 0x1F) + 1]) * run
            index += run
            position += 1
    if index != HLL_REGISTERS:
        raise CorruptHll()
    return bytes(registers)


def registers_of(hll: bytes | bytearray) -> bytes:
    """One byte per register, whatever the encoding."""
    if hll[4] == HLL_DENSE:
        return _dense_registers(hll)
    return _sparse_registers(hll)


def _sparse_to_dense(hll: bytearray) -> None:
    """``hllSparseToDense``, in place: keeps the header (and cached cardinality)."""
    registers = _sparse_registers(hll)
    header = bytearray(hll[:HLL_HDR_SIZE])
    header[4] = HLL_DENSE
    hll[:] = header + _pack_dense(registers)


def _zero_run(length: int) -> bytes:
    """The opcode for ``length`` zero registers: ZERO up to 64, else XZERO."""
    if length > HLL_SPARSE_ZERO_MAX_LEN:
        length -= 1
        return bytes([0x40 | (length >> 8), length & 0xFF])
    return bytes([length - 1])


def _val(value: int, length: int) -> int:
    return 0x80 | ((value - 1) << 2) | (length - 1)


def _sparse_set(hll: bytearray, index: int, count: int, max_bytes: int) -> bool:
    """``hllSparseSet``: raise register ``index`` to ``count``; whether it changed.

    Promotes ``hll`` to dense (in place) when ``count`` is too big for a VAL opcode or the
    result would exceed ``max_bytes``. Raises :class:`CorruptHll` on an invalid encoding.
    """
    if count > HLL_SPARSE_VAL_MAX_VALUE:
        return _promote(hll, index, count)
    # Step 1: find the opcode covering ``index``.
    end = len(hll)
    position = HLL_HDR_SIZE
    first = 0
    previous = -1
    span = 0
    while position < end:
        op = hll[position]
        if op < 0x40:
            span = op + 1
            size = 1
        elif op >= 0x80:
            span = (op & 3) + 1
            size = 1
        else:
            span = (((op & 0x3F) << 8) | (hll[position + 1] if position + 1 < end else 0)) + 1
            size = 2
        if index <= first + span - 1:
            break
        previous = position
        position += size
        first += span
    if span == 0 or position >= end:
        raise CorruptHll()
    op = hll[position]
    is_xzero = 0x40 <= op < 0x80
    # Step 2: trivial updates in place.
    if op >= 0x80:
        current = ((op >> 2) & 0x1F) + 1
        if current >= count:
            return False
        if span == 1:
            hll[position] = _val(count, 1)
            _sparse_merge(hll, previous)
            return True
    elif op < 0x40 and span == 1:
        hll[position] = _val(count, 1)
        _sparse_merge(hll, previous)
        return True
    # Step 3: split the opcode into up to three (at most 5 bytes).
    last = first + span - 1
    sequence = bytearray()
    if op < 0x80:  # ZERO or XZERO
        if index != first:
            sequence += _zero_run(index - first)
        sequence.append(_val(count, 1))
        if index != last:
            sequence += _zero_run(last - index)
    else:
        current = ((op >> 2) & 0x1F) + 1
        if index != first:
            sequence.append(_val(current, index - first))
        sequence.append(_val(count, 1))
        if index != last:
            sequence.append(_val(current, last - index))
    old_size = 2 if is_xzero else 1
    new_length = end + len(sequence) - old_size
    if len(sequence) > old_size and new_length > max_bytes:
        return _promote(hll, index, count)
    hll[position : position + old_size] = sequence
    if len(hll) > new_length:
        del hll[new_length:]  # a truncated XZERO at the end: C's length arithmetic drops a byte
    _sparse_merge(hll, previous)
    return True


def _sparse_merge(hll: bytearray, previous: int) -> None:
    """Step 4 of ``hllSparseSet``: merge adjacent VAL opcodes with equal values, scanning up
    to 5 opcodes from the one before the change; then invalidate the cached cardinality."""
    position = previous if previous >= 0 else HLL_HDR_SIZE
    scans = 5
    end = len(hll)
    while position < end and scans:
        scans -= 1
        op = hll[position]
        if op < 0x80:
            position += 2 if op >= 0x40 else 1
            continue
        if position + 1 < end and hll[position + 1] >= 0x80:
            following = hll[position + 1]
            if (op >> 2) & 0x1F == (following >> 2) & 0x1F:
                length = (op & 3) + (following & 3) + 2
                if length <= HLL_SPARSE_VAL_MAX_LEN:
                    hll[position + 1] = (following & ~3) | (length - 1)
                    del hll[position]
                    end -= 1
                    continue  # try to merge the merged opcode with the next one
        position += 1
    _invalidate_cache(hll)


class SparseOpcodes:
    """A sparse HLL's opcodes as a list, for the many updates of one PFADD.

    ``_sparse_set`` on the bytes scans the opcodes from the start for every element (Redis's
    hllSparseSet, cheap in C, 25-70 µs per element in Python). Here the opcodes are decoded
    once, each with the first register it covers, so the opcode for an element is a bisection
    away; each update makes exactly the splits and merges hllSparseSet makes, so
    :meth:`encode` gives the same bytes as element-by-element updates would.
    XZERO opcodes are stored as ``0x4000 | (length - 1)``; ZERO and VAL as their byte.
    """

    __slots__ = ("firsts", "ops", "size")

    def __init__(self, ops: list[int], firsts: list[int], size: int) -> None:
        self.ops = ops
        self.firsts = firsts
        self.size = size  # the whole HLL's bytes, header included (hll-sparse-max-bytes)

    @classmethod
    def decode(cls, hll: bytes | bytearray) -> SparseOpcodes | None:
        """The opcodes of a well-formed sparse HLL; None when it is not (the caller then uses
        the byte-level updates, which report the corruption as Redis does)."""
        ops: list[int] = []
        firsts: list[int] = []
        first = 0
        position = HLL_HDR_SIZE
        end = len(hll)
        while position < end:
            op = hll[position]
            if op < 0x40:
                span, code = op + 1, op
                position += 1
            elif op < 0x80:
                if position + 1 >= end:
                    return None
                length = ((op & 0x3F) << 8) | hll[position + 1]
                span, code = length + 1, 0x4000 | length
                position += 2
            else:
                span, code = (op & 3) + 1, op
                position += 1
            ops.append(code)
            firsts.append(first)
            first += span
        if first != HLL_REGISTERS:
            return None
        return cls(ops, firsts, end)

    def encode(self) -> bytes:
        out = bytearray()
        for code in self.ops:
            if code >= 0x4000:
                out += bytes(((code >> 8) & 0x3F | 0x40, code & 0xFF))
            else:
                out.append(code)
        return bytes(out)

    @staticmethod
    def _span(code: int) -> int:
        if code >= 0x4000:
            return (code & 0x3FFF) + 1
        if code >= 0x80:
            return (code & 3) + 1
        return code + 1

    @staticmethod
    def _zero_run(length: int) -> int:
        return 0x4000 | (length - 1) if length > HLL_SPARSE_ZERO_MAX_LEN else length - 1

    def set(self, index: int, count: int, max_bytes: int) -> bool | None:
        """hllSparseSet on the list: whether the register changed; None when the HLL must
        become dense for it (the caller encodes, converts and sets the register)."""
        if count > HLL_SPARSE_VAL_MAX_VALUE:
            return None
        ops, firsts = self.ops, self.firsts
        i = bisect_right(firsts, index) - 1
        code = ops[i]
        first = firsts[i]
        span = self._span(code)
        if code >= 0x80 and code < 0x4000:  # VAL
            current = ((code >> 2) & 0x1F) + 1
            if current >= count:
                return False
            if span == 1:
                ops[i] = _val(count, 1)
                self._merge(i - 1)
                return True
        elif code < 0x40 and span == 1:  # ZERO of one register
            ops[i] = _val(count, 1)
            self._merge(i - 1)
            return True
        last = first + span - 1
        sequence: list[int] = []
        starts: list[int] = []
        if code < 0x80 or code >= 0x4000:  # ZERO or XZERO
            if index != first:
                sequence.append(self._zero_run(index - first))
                starts.append(first)
            sequence.append(_val(count, 1))
            starts.append(index)
            if index != last:
                sequence.append(self._zero_run(last - index))
                starts.append(index + 1)
        else:
            current = ((code >> 2) & 0x1F) + 1
            if index != first:
                sequence.append(_val(current, index - first))
                starts.append(first)
            sequence.append(_val(count, 1))
            starts.append(index)
            if index != last:
                sequence.append(_val(current, last - index))
                starts.append(index + 1)
        old_size = 2 if code >= 0x4000 else 1
        new_bytes = sum(2 if op >= 0x4000 else 1 for op in sequence)
        if new_bytes > old_size and self.size + new_bytes - old_size > max_bytes:
            return None
        ops[i:i + 1] = sequence
        firsts[i:i + 1] = starts
        self.size += new_bytes - old_size
        self._merge(i - 1)
        return True

    def _merge(self, previous: int) -> None:
        """Step 4 of hllSparseSet: merge equal adjacent VALs, up to 5 opcodes from the one
        before the change."""
        ops, firsts = self.ops, self.firsts
        i = previous if previous >= 0 else 0
        scans = 5
        while i < len(ops) and scans:
            scans -= 1
            code = ops[i]
            if code < 0x80 or code >= 0x4000:
                i += 1
                continue
            if i + 1 < len(ops):
                following = ops[i + 1]
                if (0x80 <= following < 0x4000
                        and (code >> 2) & 0x1F == (following >> 2) & 0x1F):
                    length = (code & 3) + (following & 3) + 2
                    if length <= HLL_SPARSE_VAL_MAX_LEN:
                        ops[i + 1] = (following & ~3) | (length - 1)
                        firsts[i + 1] = firsts[i]
                        del ops[i]
                        del firsts[i]
                        self.size -= 1
                        continue
            i += 1


def _promote(hll: bytearray, index: int, count: int) -> bool:
    """Convert to dense and set the register there (it must change, as Redis asserts)."""
    _sparse_to_dense(hll)
    _dense_add(hll, index, count)
    return True


# -- estimation -------------------------------------------------------------------------------------


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        previous = z
        z += x * y
        y += y
        if previous == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        previous = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if previous == z:
            return z / 3


def count_registers(registers: bytes) -> int:
    """``hllCount`` on one-byte registers: Ertl's estimator, exactly as Redis rounds it."""
    m = float(HLL_REGISTERS)
    histogram = [registers.count(value) for value in range(HLL_Q + 2)]
    z = m * _tau((m - histogram[HLL_Q + 1]) / m)
    for j in range(HLL_Q, 0, -1):
        z += histogram[j]
        z *= 0.5
    z += m * _sigma(histogram[0] / m)
    if z == 0.0:
        return _LLROUND_INVALID  # C divides by zero: llroundl(inf)
    estimate = HLL_ALPHA_INF * m * m / z
    if estimate >= 2.0**63:
        return _LLROUND_INVALID
    return math.floor(estimate + 0.5)  # llroundl: half away from zero (estimate > 0)


_LLROUND_INVALID = 1 << 63
"""What x86's llroundl gives for infinity or out of range (LLONG_MIN), seen as a uint64.

Only hand-crafted registers (all near the maximum) get there; Redis then replies LLONG_MIN
and the cached value has its "stale" bit set.
"""


def _as_long_long(card: int) -> int:
    """The uint64 cardinality as ``addReplyLongLong`` prints it."""
    return card - (1 << 64) if card >> 63 else card


# -- commands ---------------------------------------------------------------------------------------


def _sparse_add_all(hll: bytearray, sparse: SparseOpcodes, elements: list[bytes],
                    max_bytes: int) -> int:
    """PFADD's elements on a sparse HLL through its opcode list; how many changed a
    register. On a promotion to dense, the rest go to the dense registers."""
    updated = 0
    for position, element in enumerate(elements):
        index, count = pattern_length(element)
        changed = sparse.set(index, count, max_bytes)
        if changed is None:  # becomes dense here
            hll[HLL_HDR_SIZE:] = sparse.encode()
            _promote(hll, index, count)
            updated += 1
            for rest in elements[position + 1:]:
                if _dense_add(hll, *pattern_length(rest)):
                    updated += 1
            return updated
        if changed:
            updated += 1
    if updated:
        hll[HLL_HDR_SIZE:] = sparse.encode()
    return updated


@command("pfadd", arity=-2, flags="write denyoom fast", keys=(1, 1, 1), group="hyperloglog",
         summary="Adds the specified elements to the specified HyperLogLog.", since="2.8.9",
         complexity="O(1) to add every element.")
def pfadd_command(client: Client, argv: list[bytes]) -> Reply:
    """PFADD key [element ...]: 1 if a register changed (or the key was created), else 0."""
    db = client.db
    key = argv[1]
    value = _hll_or_error(write_string(db, key))
    updated = 0
    if value is None:
        hll = bytearray(_EMPTY_SPARSE)
        db.set(key, hll)
        updated = 1
    else:
        hll = unshare_string(db, key, value)
    max_bytes = 0 if hll[4] == HLL_DENSE else client.server.config["hll-sparse-max-bytes"]
    elements = argv[2:]
    try:
        if hll[4] != HLL_DENSE and len(elements) > 1:
            sparse = SparseOpcodes.decode(hll)
            if sparse is not None:
                updated += _sparse_add_all(hll, sparse, elements, max_bytes)
                elements = []
        for element in elements:
            index, count = pattern_length(element)
            if hll[4] == HLL_DENSE:
                if _dense_add(hll, index, count):
                    updated += 1
            elif _sparse_set(hll, index, count, max_bytes):
                updated += 1
    except CorruptHll:
        raise CommandError(INVALID_HLL) from None
    if updated:
        _invalidate_cache(hll)
        client.keyspace.notify(db.index, "$", "pfadd", key)
        client.keyspace.dirty += updated
        return 1
    return 0


@command("pfcount", arity=-2, flags="readonly may_replicate", keys=(1, -1, 1),
         group="hyperloglog",
         summary="Return the approximated cardinality of the set(s) observed by the "
                 "HyperLogLog at key(s).", since="2.8.9",
         complexity="O(1) with a very small average constant time when called with a single "
                    "key. O(N) with N being the number of keys, and much bigger constant times, "
                    "when called with multiple keys.")
def pfcount_command(client: Client, argv: list[bytes]) -> Reply:
    """PFCOUNT key [key ...]: one key uses and refreshes its cached cardinality; several keys
    count their union without touching any of them."""
    db = client.db
    if len(argv) > 2:
        merged: bytes | None = None
        for key in argv[1:]:
            value = _hll_or_error(read_string(db, key))
            if value is None:
                continue
            try:
                registers = registers_of(value)
            except CorruptHll:
                raise CommandError(INVALID_HLL) from None
            merged = registers if merged is None else _max_registers(merged, registers)
        return _as_long_long(count_registers(merged if merged is not None else bytes(HLL_REGISTERS)))
    key = argv[1]
    value = _hll_or_error(read_string(db, key))
    if value is None:
        return 0
    hll = unshare_string(db, key, value)
    if not hll[15] & 0x80:
        return int.from_bytes(hll[8:16], "little")
    try:
        card = count_registers(registers_of(hll))
    except CorruptHll:
        raise CommandError(INVALID_HLL) from None
    hll[8:16] = card.to_bytes(8, "little")
    # The cache is part of the string: like Redis, count it as a modification (dispatch then
    # propagates it and touches the key, PFCOUNT being flagged may_replicate).
    client.keyspace.dirty += 1
    return _as_long_long(card)


@command("pfmerge", arity=-2, flags="write denyoom", keys=(1, -1, 1), group="hyperloglog",
         summary="Merge N different HyperLogLogs into a single one.", since="2.8.9",
         complexity="O(N) to merge N HyperLogLogs, but with high constant times.", written_keys=first_key_only)
def pfmerge_command(client: Client, argv: list[bytes]) -> Reply:
    """PFMERGE destkey [sourcekey ...]: destkey becomes the union (it is a source too)."""
    db = client.db
    merged = bytes(HLL_REGISTERS)
    use_dense = False
    for key in argv[1:]:
        value = _hll_or_error(read_string(db, key))
        if value is None:
            continue
        if value[4] == HLL_DENSE:
            use_dense = True
        try:
            merged = _max_registers(merged, registers_of(value))
        except CorruptHll:
            raise CommandError(INVALID_HLL) from None
    target = argv[1]
    current = write_string(db, target)
    if current is None:
        hll = bytearray(_EMPTY_SPARSE)
        db.set(target, hll)
    else:
        hll = unshare_string(db, target, current)
    try:
        if use_dense and hll[4] != HLL_DENSE:
            _sparse_to_dense(hll)
        if hll[4] == HLL_DENSE:
            # ``merged`` already includes destkey's registers (it is a source): write it whole.
            hll[HLL_HDR_SIZE:] = _pack_dense(merged)
        else:
            max_bytes = client.server.config["hll-sparse-max-bytes"]
            for index in range(HLL_REGISTERS):
                count = merged[index]
                if not count:
                    continue
                if hll[4] == HLL_DENSE:
                    _dense_add(hll, index, count)
                else:
                    _sparse_set(hll, index, count, max_bytes)
    except CorruptHll:
        raise CommandError(INVALID_HLL) from None
    _invalidate_cache(hll)
    client.keyspace.notify(db.index, "$", "pfadd", target)
    client.keyspace.dirty += 1
    return OK


__all__ = ["count_registers", "is_hll", "murmurhash64a", "pattern_length", "registers_of"]


# -- PFDEBUG, PFSELFTEST ------------------------------------------------------------------------

def _sparse_opcodes_text(hll: bytes | bytearray) -> bytes:
    """PFDEBUG DECODE: the sparse opcodes as ``z:len``, ``Z:len`` and ``v:value,len``."""
    parts: list[bytes] = []
    position, end = HLL_HDR_SIZE, len(hll)
    while position < end:
        op = hll[position]
        if op < 0x40:
            parts.append(b"z:%d" % ((op & 0x3F) + 1))
            position += 1
        elif op < 0x80:
            following = hll[position + 1] if position + 1 < end else 0
            parts.append(b"Z:%d" % ((((op & 0x3F) << 8) | following) + 1))
            position += 2
        else:
            parts.append(b"v:%d,%d" % (((op >> 2) & 0x1F) + 1, (op & 3) + 1))
            position += 1
    return b" ".join(parts)


@command("pfdebug", arity=3, flags="write denyoom admin", keys=(2, 2, 1), group="hyperloglog",
         summary="Internal commands for debugging HyperLogLog values", since="2.8.9",
         complexity="N/A")
def pfdebug_command(client: Client, argv: list[bytes]) -> Reply:
    """PFDEBUG GETREG|DECODE|ENCODING|TODENSE key (pfdebugCommand): the key is checked first."""
    db = client.db
    key = argv[2]
    value = write_string(db, key)
    if value is None:
        raise CommandError("ERR The specified key does not exist")
    _hll_or_error(value)
    hll = unshare_string(db, key, value)
    subcommand = argv[1].lower()
    if subcommand in (b"getreg", b"todense"):
        converted = hll[4] == HLL_SPARSE
        if converted:
            try:
                _sparse_to_dense(hll)
            except CorruptHll:
                raise CommandError(INVALID_HLL) from None
            client.keyspace.dirty += 1  # the encoding changed: propagated, as Redis forces
        if subcommand == b"todense":
            return int(converted)
        return list(_dense_registers(hll))
    if subcommand == b"decode":
        if hll[4] != HLL_SPARSE:
            raise CommandError("ERR HLL encoding is not sparse")
        return _sparse_opcodes_text(hll)
    if subcommand == b"encoding":
        return Status("sparse" if hll[4] == HLL_SPARSE else "dense")
    raise CommandError("ERR Unknown PFDEBUG subcommand '"
                       + argv[1].decode("utf-8", "surrogateescape") + "'")


@command("pfselftest", arity=1, flags="admin", group="hyperloglog",
         summary="An internal command for testing HyperLogLog values", since="2.8.9",
         complexity="N/A")
def pfselftest_command(client: Client, argv: list[bytes]) -> Reply:
    """PFSELFTEST (pfselftestCommand): every register value through the dense packing, and a
    sparse HLL kept equal to a dense one through random updates; OK or the failure."""
    dense = bytearray(HLL_HDR_SIZE) + bytearray(HLL_DENSE_SIZE - HLL_HDR_SIZE)
    dense[4] = HLL_DENSE
    expected = bytearray(HLL_REGISTERS)
    for index in range(HLL_REGISTERS):
        count = (index * 7919) % 63 + 1
        _dense_add(dense, index, count)
        expected[index] = count
    if _dense_registers(dense) != bytes(expected):
        raise CommandError("ERR TESTFAILED Register error")
    sparse = bytearray(_EMPTY_SPARSE)
    reference = bytearray(HLL_REGISTERS)
    for n in range(2000):
        index, count = pattern_length(b"selftest:%d" % n)
        _sparse_set(sparse, index, count, 1 << 30)
        reference[index] = max(reference[index], count)
    if registers_of(sparse) != bytes(reference):
        raise CommandError("ERR TESTFAILED sparse/dense mismatch")
    return OK
