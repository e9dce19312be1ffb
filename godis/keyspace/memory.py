"""A size model of each value: the bytes Redis 7.0 (64-bit, jemalloc 5.3) would allocate.

godis's own memory is Python objects, several times what Redis uses for the same data and of
no use to an operator who sizes a cache for Redis. So ``used_memory``, ``MEMORY USAGE`` and the
``maxmemory`` limit all speak Redis's bytes: each value is measured as ``object.c``'s
``objectComputeSize`` measures it (robj, sds headers, listpack entries, dict entries and bucket
arrays, skiplist nodes, quicklist nodes), with every allocation rounded up to jemalloc's size
class. How far this is from godis's real RSS is measured in docs/performance.md.

Containers are sampled as Redis samples them: ``objectComputeSize`` looks at ``samples``
elements and extrapolates. The keyspace's running total (``Keyspace.dataset_bytes``) re-measures
a key after each write with :data:`ACCOUNT_SAMPLES` elements at most, so the bookkeeping cost
of a modification is bounded whatever the size of the value.
"""

from __future__ import annotations

from itertools import islice

from godis.keyspace.values import HashValue, ListValue, SetValue, StreamValue, Value, ZSetValue
from godis.protocol.reader import strict_int

ROBJ = 16  # sizeof(robj)
DICT_ENTRY = 24  # sizeof(dictEntry)
DICT_ENTRY_ALLOC = 32  # what jemalloc allocates for one
DICT = 56  # sizeof(dict) in 7.0 (two tables' pointers, sizes, rehashidx, pauserehash)
QUICKLIST = 40  # sizeof(quicklist)
QUICKLIST_NODE = 40  # sizeof(quicklistNode)
ZSET = 16  # sizeof(zset): dict* + zskiplist*
ZSKIPLIST = 32  # sizeof(zskiplist): header, tail, length, level
LISTPACK_OVERHEAD = 7  # 4 bytes total size, 2 bytes count, 1 end byte
EMBSTR_LIMIT = 44  # OBJ_ENCODING_EMBSTR_SIZE_LIMIT
ACCOUNT_SAMPLES = 5  # elements looked at when the running total re-measures a container
LISTPACK_EXACT = 8  # listpack entries (and list elements) the running total looks at
CLIENT_BYTES = 20480  # a connected client: its struct and 16 KB reply buffer, buffers idle
STARTUP_BYTES = 876160  # Redis 7.0.15's used_memory_startup on x86-64 (16 databases)
LIST_NODE_LIMITS = (4096, 8192, 16384, 32768, 65536)  # quicklist optimization_level
LIST_SAFETY_LIMIT = 8192  # SIZE_SAFETY_LIMIT
LIST_ESTIMATE_OVERHEAD = 8  # SIZE_ESTIMATE_OVERHEAD


def jemalloc_size(size: int) -> int:
    """The size class jemalloc serves a ``size``-byte request from (``zmalloc_size``).

    8, then multiples of 16 up to 128, then four classes per doubling (160, 192, 224, 256,
    320, ...), the same spacing for small, large and huge classes.
    """
    if size <= 8:
        return 8
    if size <= 128:
        return (size + 15) & ~15
    delta = 1 << ((size - 1).bit_length() - 3)
    return (size + delta - 1) & -delta


def sds_header(length: int) -> int:
    """``sdsHdrSize(sdsReqType(length))``: sdshdr5 / 8 / 16 / 32 / 64."""
    if length < 32:
        return 1
    if length < 256:
        return 3
    if length < 65536:
        return 5
    if length < 1 << 32:
        return 9
    return 17


def sds_size(length: int) -> int:
    """``sdsZmallocSize`` of an exact-fit sds (``sdsnewlen`` / ``sdsdup``)."""
    if length == 0:
        return jemalloc_size(3 + 1)  # an empty sds is never type 5
    return jemalloc_size(sds_header(length) + length + 1)


def _grown_sds_size(length: int) -> int:
    """An sds grown by ``sdsMakeRoomFor`` (APPEND, SETRANGE): greedy doubling below 1 MB.

    The real capacity depends on the history of appends; this is the size right after the
    last growth (exact for one APPEND to a fresh string), at most 2x the exact-fit size.
    """
    capacity = length * 2 if length < 1024 * 1024 else length + 1024 * 1024
    header = sds_header(capacity)
    return jemalloc_size(max(header, 3) + capacity + 1)


def dict_slots(count: int) -> int:
    """Buckets of a dict holding ``count`` entries: the next power of two, at least 4
    (``_dictNextExp``; dicts expand when full and shrink below 10% on deletes)."""
    if count <= 4:
        return 4
    return 1 << (count - 1).bit_length()


def lp_entry_size(element: bytes | bytearray) -> int:
    """Bytes of one listpack entry holding ``element``: encoding, data and back-length.

    Integer-looking strings are stored as integers (``lpStringToInt64``), in 1 to 9 bytes.
    """
    size = len(element)
    number = strict_int(element) if size <= 20 else None  # type: ignore[arg-type]
    if number is not None:
        if 0 <= number <= 127:
            return 2  # 7-bit uint + 1 back-length byte
        if -4096 <= number <= 4095:
            return 3
        if -32768 <= number <= 32767:
            return 4
        if -8388608 <= number <= 8388607:
            return 5
        if -2147483648 <= number <= 2147483647:
            return 6
        return 10
    if size < 64:
        encoded = 1 + size
    elif size < 4096:
        encoded = 2 + size
    else:
        encoded = 5 + size
    if encoded <= 127:
        return encoded + 1
    if encoded < 16383:
        return encoded + 2
    if encoded < 2097151:
        return encoded + 3
    if encoded < 268435455:
        return encoded + 4
    return encoded + 5


def score_text(score: float) -> bytes:
    """How a sorted-set listpack stores a score: Redis's ``d2string``."""
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    if score == 0:
        return b"-0" if str(score).startswith("-") else b"0"
    if score.is_integer() and -(2**63) < score < 2**63:
        return b"%d" % int(score)
    return b"%.17g" % score


def string_size(value: bytes | bytearray) -> int:
    """``objectComputeSize`` of a string: int (robj only), embstr (one allocation), raw."""
    size = len(value)
    if type(value) is bytearray:
        return ROBJ + _grown_sds_size(size)
    if size <= 20 and strict_int(value) is not None:  # type: ignore[arg-type]
        return ROBJ
    if size <= EMBSTR_LIMIT:
        return jemalloc_size(ROBJ + 3 + size + 1)
    return ROBJ + sds_size(size)


def _listpack_size(entries: list[int], total: int) -> int:
    """jemalloc size of a listpack of ``total`` entries, ``entries`` the sizes of some of them
    (all of them, or a leading sample extrapolated from)."""
    if not entries:
        return jemalloc_size(LISTPACK_OVERHEAD)
    body = sum(entries)
    if len(entries) < total:
        body = int(body / len(entries) * total)
    return jemalloc_size(LISTPACK_OVERHEAD + body)


def _hash_size(value: HashValue, samples: int, exact_limit: int) -> int:
    count = len(value)
    if value.encoding == "listpack":
        pairs = value.items() if count <= exact_limit else islice(value.items(), exact_limit)
        entries = [lp_entry_size(field) + lp_entry_size(item) for field, item in pairs]
        return ROBJ + _listpack_size(entries, count)
    size = ROBJ + DICT + 8 * dict_slots(count)
    if not count:
        return size
    taken = 0
    element = 0
    for field, item in islice(value.items(), samples):
        element += sds_size(len(field)) + sds_size(len(item)) + DICT_ENTRY
        taken += 1
    return size + int(element / taken * count)


def _intset_size(value: SetValue) -> int:
    if not value:
        return ROBJ + jemalloc_size(8)
    numbers = [int(member) for member in value]
    low, high = min(numbers), max(numbers)
    if low >= -32768 and high <= 32767:
        width = 2
    elif low >= -2147483648 and high <= 2147483647:
        width = 4
    else:
        width = 8
    return ROBJ + jemalloc_size(8 + width * len(numbers))


def _set_size(value: SetValue, samples: int, exact_limit: int) -> int:
    count = len(value)
    if value.encoding == "intset":
        return _intset_size(value)
    if value.encoding == "listpack":
        members = value if count <= exact_limit else islice(value, exact_limit)
        return ROBJ + _listpack_size([lp_entry_size(m) for m in members], count)
    size = ROBJ + DICT + 8 * dict_slots(count)
    if not count:
        return size
    taken = 0
    element = 0
    for member in islice(value, samples):
        element += DICT_ENTRY + sds_size(len(member))
        taken += 1
    return size + int(element / taken * count)


def _expected_skiplist_node() -> float:
    """The mean jemalloc size of a skiplist node: ``zslRandomLevel`` gives level L with
    probability 0.75 * 0.25^(L-1) (capped at 32), a node has 24 + 16 L bytes."""
    mean = 0.0
    for level in range(1, 33):
        chance = 0.75 * 0.25 ** (level - 1) if level < 32 else 0.25**31
        mean += chance * jemalloc_size(24 + 16 * level)
    return mean


SKIPLIST_NODE = _expected_skiplist_node()
SKIPLIST_HEADER = jemalloc_size(24 + 32 * 16)  # the header node has all 32 levels


def _zset_size(value: ZSetValue, samples: int, exact_limit: int) -> int:
    count = len(value)
    ordered = value.ordered
    if value.encoding == "listpack":
        pairs = ordered if count <= exact_limit else ordered.islice(0, exact_limit)
        entries = [lp_entry_size(member) + lp_entry_size(score_text(score))
                   for score, member in pairs]
        return ROBJ + _listpack_size(entries, count)
    size = (ROBJ + ZSET + ZSKIPLIST + DICT + 8 * dict_slots(count) + SKIPLIST_HEADER)
    if not count:
        return size
    taken = 0
    element = 0.0
    for _, member in ordered.islice(0, min(samples, count)):
        element += sds_size(len(member)) + DICT_ENTRY + SKIPLIST_NODE
        taken += 1
    return size + int(element / taken * count)


def _list_size(value: ListValue, samples: int, fill: int, exact_limit: int) -> int:
    """A quicklist: nodes packed as ``_quicklistNodeAllowInsert`` packs them (a node takes
    another element while its listpack stays within the ``list-max-listpack-size`` limit),
    the first ``samples`` nodes measured and extrapolated to all of them."""
    count = len(value)
    size = ROBJ + QUICKLIST
    if not count:
        return size
    limit = LIST_NODE_LIMITS[min(-fill, 5) - 1] if fill < 0 else LIST_SAFETY_LIMIT
    max_count = fill if fill > 0 else 65535
    if count > exact_limit:
        # too long to pack here: estimate the nodes from elements spread over the list
        step = (count - 1) / (exact_limit - 1)
        head = [value[int(i * step)] for i in range(exact_limit)]
        raw = sum(len(element) for element in head) / len(head)
        entry = sum(lp_entry_size(element) for element in head) / len(head)
        per_node = 1 + max(0, int((limit - LISTPACK_OVERHEAD - raw - LIST_ESTIMATE_OVERHEAD)
                                  // max(entry, 1.0)))
        per_node = min(per_node, max_count)
        full, rest = divmod(count, per_node)
        size += full * (QUICKLIST_NODE + jemalloc_size(int(LISTPACK_OVERHEAD + entry * per_node)))
        if rest:
            size += QUICKLIST_NODE + jemalloc_size(int(LISTPACK_OVERHEAD + entry * rest))
        return size
    node_bytes: list[int] = []
    current = LISTPACK_OVERHEAD
    in_node = 0
    for element in value:
        raw = len(element)
        if in_node and (current + raw + LIST_ESTIMATE_OVERHEAD > limit
                        or (fill >= 0 and in_node >= max_count)):
            node_bytes.append(current)
            current = LISTPACK_OVERHEAD
            in_node = 0
        current += lp_entry_size(element)
        in_node += 1
    node_bytes.append(current)
    sampled = node_bytes[:max(samples, 1)]
    element_total = sum(QUICKLIST_NODE + jemalloc_size(nbytes) for nbytes in sampled)
    return size + int(element_total / len(sampled) * len(node_bytes))


def value_size(value: Value, samples: int = 5, list_fill: int = -2,
               exact_limit: int = 1 << 62) -> int:
    """``objectComputeSize(value, samples)``. Listpacks and intsets are measured whole, as
    Redis does, unless they hold more than ``exact_limit`` entries (then a leading sample is
    extrapolated: the running total's bound on work per write)."""
    kind = type(value)
    if kind is bytes or kind is bytearray:
        return string_size(value)  # type: ignore[arg-type]
    if kind is HashValue:
        return _hash_size(value, samples, exact_limit)  # type: ignore[arg-type]
    if kind is SetValue:
        return _set_size(value, samples, exact_limit)  # type: ignore[arg-type]
    if kind is ZSetValue:
        return _zset_size(value, samples, exact_limit)  # type: ignore[arg-type]
    if kind is ListValue:
        return _list_size(value, samples, list_fill, exact_limit)  # type: ignore[arg-type]
    if kind is StreamValue:
        return _stream_size(value, samples)  # type: ignore[arg-type]
    return ROBJ


STREAM_STRUCT = 80  # sizeof(stream): rax*, length, last/first/max-deleted IDs, counters
STREAM_ID = 16
RAX_NODE = 4 + 8 * 30  # streamRadixTreeMemoryUsage's per-node estimate
STREAM_NODE_PREALLOC = 4096  # lpNew(stream-node-max-bytes): a node's listpack is preallocated
STREAM_CG = 72  # sizeof(streamCG)
STREAM_NACK = 24  # sizeof(streamNACK)
STREAM_CONSUMER = 48  # sizeof(streamConsumer)


def _rax_usage(elements: int, nodes: int) -> int:
    """streamRadixTreeMemoryUsage."""
    return elements * STREAM_ID + nodes * RAX_NODE


def _stream_size(stream: StreamValue, samples: int) -> int:
    """objectComputeSize for OBJ_STREAM: the struct, the rax, the sampled listpacks (each
    preallocated to stream-node-max-bytes), and the groups' and consumers' PELs."""
    nodes = stream.nodes
    size = ROBJ + STREAM_STRUCT + _rax_usage(len(nodes), stream.rax_nodes())
    last = len(nodes) - 1

    def allocated(index: int) -> int:
        # a full node was shrunk to fit (lpShrinkToFit); the tail keeps its preallocation
        nbytes = nodes[index].nbytes()
        return jemalloc_size(max(nbytes, STREAM_NODE_PREALLOC) if index == last else nbytes)

    sampled = [allocated(index) for index in range(min(max(samples, 1), len(nodes)))]
    if len(nodes) <= len(sampled):
        size += sum(sampled)
    elif sampled:
        size += sum(sampled) // len(sampled) * last + allocated(last)
    for group in stream.groups.values():
        pending = len(group.pel)
        # a PEL rax of N 128-bit IDs has about 2N nodes (measured against Redis)
        size += STREAM_CG + _rax_usage(pending, 2 * pending) + STREAM_NACK * pending
        for consumer in group.consumers.values():
            owned = len(consumer.pel)
            size += (STREAM_CONSUMER + sds_size(len(consumer.name))
                     + _rax_usage(owned, 2 * owned) + 8 * owned)
    return size


def key_size(key: bytes, value: Value, samples: int = 5, list_fill: int = -2,
             exact_limit: int = 1 << 62) -> int:
    """MEMORY USAGE: the value, the key's sds and its dictEntry in the main dict."""
    return (value_size(value, samples, list_fill, exact_limit) + sds_size(len(key))
            + DICT_ENTRY)


_SDS_TABLE = [sds_size(length) for length in range(4096)]
_EMBSTR_TABLE = [jemalloc_size(ROBJ + 4 + length) for length in range(EMBSTR_LIMIT + 1)]


def key_charge(key: bytes) -> int:
    """The key's part of :func:`accounted_size`: its sds and its dictEntry."""
    length = len(key)
    return (_SDS_TABLE[length] if length < 4096 else sds_size(length)) + DICT_ENTRY


def accounted_size(key: bytes, value: Value, list_fill: int) -> int:
    """What the running total charges for a key: :func:`key_size` with a bounded sample
    (strings, the common case, through lookup tables: this runs on every write)."""
    length = len(key)
    size = (_SDS_TABLE[length] if length < 4096 else sds_size(length)) + DICT_ENTRY
    if type(value) is bytes:
        length = len(value)
        if length <= 20 and strict_int(value) is not None:
            return size + ROBJ
        if length <= EMBSTR_LIMIT:
            return size + _EMBSTR_TABLE[length]
        return size + ROBJ + (_SDS_TABLE[length] if length < 4096 else sds_size(length))
    size += value_size(value, ACCOUNT_SAMPLES, list_fill, LISTPACK_EXACT)
    if type(value) is not bytearray and value.encoding in (  # type: ignore[union-attr]
            "hashtable", "skiplist"):
        # MEMORY USAGE counts sizeof(dictEntry) per element, used_memory the 32-byte class
        size += (DICT_ENTRY_ALLOC - DICT_ENTRY) * len(value)
    return size


def human_bytes(n: int) -> str:
    """``bytesToHuman``: B up to 1023, then K, M, G, T, P with two decimals."""
    value = float(n)
    if n < 1024:
        return f"{n}B"
    for unit in ("K", "M", "G", "T", "P"):
        value /= 1024
        if value < 1024 or unit == "P":
            return f"{value:.2f}{unit}"
    return f"{n}B"
