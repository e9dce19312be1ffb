"""The stream type: ID-ordered entries and consumer groups (Redis 7.0's t_stream.c / stream.h).

An entry ID ``ms-seq`` (two unsigned 64-bit numbers) is held as one Python int,
``ms << 64 | seq``, so IDs compare, sort and bisect as numbers.

Entries live in *nodes* that mirror Redis's listpack nodes of its radix tree: a node takes
entries until it holds ``stream-node-max-entries`` of them (live or deleted) or its estimated
listpack size reaches ``stream-node-max-bytes``. Each node keeps its IDs sorted in two
``array('Q')`` and its entries as compact blobs (``None`` once deleted: a tombstone, as
Redis's deleted flag) in a parallel list; the stream keeps the first ID of every node (Redis's
master IDs, the radix tree keys) in ``firsts``. So:

* XADD appends to the tail node, O(1) amortised;
* a seek is two bisections (node, then position in it), O(log N);
* XDEL marks a tombstone, and drops the node when its last live entry goes
  (``streamIteratorRemoveEntry``);
* trimming drops whole nodes from the head, or marks entries inside the first one, exactly
  as ``streamTrim`` does, so ``MAXLEN ~`` / ``MINID ~`` remove what Redis removes and
  ``XINFO STREAM`` can report ``radix-tree-keys``.

Consumer groups keep a pending entries list (PEL) sorted by ID, per group and per consumer,
sharing the :class:`PendingEntry` objects (Redis's NACKs) as Redis's two radix trees do.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from marshal import dumps, loads

from godis.protocol.reader import strict_int

MASK64 = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
INVALID_ENTRIES_READ = -1  # SCG_INVALID_ENTRIES_READ

Fields = tuple[bytes, ...]


def make_id(ms: int, seq: int) -> int:
    """The int form of ``ms-seq``."""
    return ms << 64 | seq


def format_id(stream_id: int) -> bytes:
    """``ms-seq`` as Redis prints it (createStreamIDString)."""
    return b"%d-%d" % (stream_id >> 64, stream_id & MASK64)


# -- listpack size estimate (listpack.c's encodings) ---------------------------------------------


def _int_size(value: int) -> int:
    """Bytes of an integer element with its backlen (lpEncodeIntegerGetType)."""
    if 0 <= value <= 127:
        return 2
    if -4096 <= value <= 4095:
        return 3
    if -32768 <= value <= 32767:
        return 4
    if -8388608 <= value <= 8388607:
        return 5
    if -(2**31) <= value < 2**31:
        return 6
    return 10


def _string_size(item: bytes) -> int:
    """Bytes of a string element as lpAppend stores it: as an integer when it is one."""
    size = len(item)
    if size <= 20 and size and (47 < item[0] < 58 or item[0] == 45):  # a digit or '-'
        number = strict_int(item)
        if number is not None:
            return _int_size(number)
    encoded = 1 + size if size < 64 else (2 + size if size < 4096 else 5 + size)
    if encoded <= 127:
        return encoded + 1
    if encoded < 16383:
        return encoded + 2
    if encoded < 2097151:
        return encoded + 3
    return encoded + (4 if encoded < 268435455 else 5)


def _signed64(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


class StreamNode:
    """One listpack node: entries with IDs >= its first (master) ID, compactly.

    IDs are two ``array('Q')`` (ms and seq: 16 bytes an entry, no objects); an entry is one
    ``marshal`` blob (C-speed both ways): a tuple of values when its field names are the
    master entry's (the listpack's SAMEFIELDS flag), else a list of fields and values; None
    once deleted (a tombstone). ``fixed_bytes`` is the estimated listpack size without the
    master entry's two counters (live and deleted), which change width as they grow.
    """

    __slots__ = ("deleted", "entries", "fixed_bytes", "live", "master_fields", "ms", "seq")

    def __init__(self, master_fields: Fields) -> None:
        self.ms = array("Q")
        self.seq = array("Q")
        self.entries: list[bytes | None] = []
        self.live = 0
        self.deleted = 0
        self.master_fields = master_fields
        # header (6) + end byte + num-fields + the fields + the master terminator (0)
        self.fixed_bytes = 7 + _int_size(len(master_fields)) + sum(
            _string_size(field) for field in master_fields) + 2

    def __len__(self) -> int:
        """Stored entries, tombstones included."""
        return len(self.entries)

    def nbytes(self) -> int:
        """The estimated ``lpBytes`` of this node."""
        return self.fixed_bytes + _int_size(self.live) + _int_size(self.deleted)

    def id_at(self, position: int) -> int:
        return self.ms[position] << 64 | self.seq[position]

    def first_id(self) -> int:
        return self.ms[0] << 64 | self.seq[0]

    def last_id(self) -> int:
        return self.ms[-1] << 64 | self.seq[-1]

    def bisect_left(self, stream_id: int) -> int:
        """The position of the first stored ID >= ``stream_id`` (O(log n) probes)."""
        return bisect_left(range(len(self.entries)), stream_id, key=self.id_at)

    def bisect_right(self, stream_id: int) -> int:
        return bisect_right(range(len(self.entries)), stream_id, key=self.id_at)

    def fields_at(self, position: int) -> Fields | None:
        """The entry's flat (field, value, ...) tuple, None for a tombstone."""
        blob = self.entries[position]
        if blob is None:
            return None
        stored = loads(blob)
        if type(stored) is list:
            return tuple(stored)
        merged: list[bytes] = [b""] * (2 * len(stored))
        merged[0::2] = self.master_fields
        merged[1::2] = stored
        return tuple(merged)

    def copy(self) -> StreamNode:
        twin = StreamNode(self.master_fields)
        twin.ms = array("Q", self.ms)
        twin.seq = array("Q", self.seq)
        twin.entries = list(self.entries)
        twin.live = self.live
        twin.deleted = self.deleted
        twin.fixed_bytes = self.fixed_bytes
        return twin


class PendingEntry:
    """A delivered, not yet acknowledged entry (Redis's streamNACK)."""

    __slots__ = ("consumer", "delivery_count", "delivery_time")

    def __init__(self, consumer: Consumer | None, delivery_time: int, delivery_count: int = 1) -> None:
        self.consumer = consumer
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count


class PendingList:
    """A PEL: pending entries by ID, iterated in ID order (Redis's rax of NACKs).

    A dict for lookups plus a sorted list of IDs. Deliveries come in ID order, so adding is
    an append (an ``insort`` otherwise); removal is lazy: the ID stays in the list until the
    list's head or tail moves past it, or the list is compacted once the removed IDs outnumber
    the live ones. So XREADGROUP and XACK cost O(1) amortised, a seek O(log N).
    """

    __slots__ = ("_dead", "_head", "_keys", "_map")

    def __init__(self) -> None:
        self._map: dict[int, PendingEntry] = {}
        self._keys: list[int] = []  # sorted; _keys[:_head] and _dead others are removed IDs
        self._head = 0
        self._dead = 0

    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, stream_id: object) -> bool:
        return stream_id in self._map

    def __getitem__(self, stream_id: int) -> PendingEntry:
        return self._map[stream_id]

    def get(self, stream_id: int) -> PendingEntry | None:
        return self._map.get(stream_id)

    def __setitem__(self, stream_id: int, nack: PendingEntry) -> None:
        entries = self._map
        if stream_id not in entries:
            keys = self._keys
            if not keys or stream_id > keys[-1]:
                keys.append(stream_id)
            else:
                position = bisect_left(keys, stream_id, self._head)
                if position < len(keys) and keys[position] == stream_id:
                    self._dead -= 1  # its removed copy comes back to life
                else:
                    keys.insert(position, stream_id)
        entries[stream_id] = nack

    def pop(self, stream_id: int, default: PendingEntry | None = None) -> PendingEntry | None:
        entries = self._map
        nack = entries.pop(stream_id, None)
        if nack is None:
            return default
        keys = self._keys
        self._dead += 1
        head = self._head
        size = len(keys)
        while head < size and keys[head] not in entries:
            head += 1
            self._dead -= 1
        self._head = head
        while len(keys) > head and keys[-1] not in entries:
            keys.pop()
            self._dead -= 1
        if (head > 64 and 2 * head > len(keys)) or (self._dead > 64
                                                     and self._dead > len(entries)):
            self._keys = [key for key in keys[head:] if key in entries]
            self._head = 0
            self._dead = 0
        return nack

    def irange(self, minimum: int = 0, maximum: int = MAX_ID) -> Iterator[int]:
        """The pending IDs in ``[minimum, maximum]``, ascending."""
        keys = self._keys
        entries = self._map
        for position in range(bisect_left(keys, minimum, self._head), len(keys)):
            stream_id = keys[position]
            if stream_id > maximum:
                return
            if stream_id in entries:
                yield stream_id

    def __iter__(self) -> Iterator[int]:
        return self.irange()

    def items(self) -> Iterator[tuple[int, PendingEntry]]:
        entries = self._map
        return ((stream_id, entries[stream_id]) for stream_id in self.irange())

    def first_id(self) -> int | None:
        return next(self.irange(), None)

    def last_id(self) -> int | None:
        return self._keys[-1] if self._map else None  # the tail never ends in a removed ID


class Consumer:
    """A consumer of a group: its name, last seen time (ms) and its own PEL."""

    __slots__ = ("name", "pel", "seen_time")

    def __init__(self, name: bytes, seen_time: int) -> None:
        self.name = name
        self.seen_time = seen_time
        self.pel = PendingList()


class ConsumerGroup:
    """A consumer group: last delivered ID, its read counter, the PEL and the consumers."""

    __slots__ = ("consumers", "entries_read", "last_id", "pel")

    def __init__(self, last_id: int, entries_read: int) -> None:
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = PendingList()
        self.consumers: dict[bytes, Consumer] = {}

    def sorted_consumers(self) -> list[Consumer]:
        """Consumers in Redis's radix tree order (bytes order of the names)."""
        return [self.consumers[name] for name in sorted(self.consumers)]

    def create_consumer(self, name: bytes, now_ms: int) -> Consumer | None:
        """A new consumer, or None when the name is taken (streamCreateConsumer)."""
        if name in self.consumers:
            return None
        consumer = self.consumers[name] = Consumer(name, now_ms)
        return consumer

    def delete_consumer(self, consumer: Consumer) -> int:
        """Remove ``consumer`` and its pending entries from the group; how many it had."""
        pending = len(consumer.pel)
        pel = self.pel
        for stream_id in list(consumer.pel):
            pel.pop(stream_id)
        del self.consumers[consumer.name]
        return pending

    def ack(self, stream_id: int) -> bool:
        """Drop ``stream_id`` from both PELs; whether it was pending."""
        nack = self.pel.pop(stream_id, None)
        if nack is None:
            return False
        if nack.consumer is not None:
            nack.consumer.pel.pop(stream_id, None)
        return True

    def assign(self, stream_id: int, nack: PendingEntry, consumer: Consumer) -> None:
        """Move ``nack`` (already in the group PEL) to ``consumer``'s PEL."""
        if nack.consumer is not consumer:
            if nack.consumer is not None:
                nack.consumer.pel.pop(stream_id, None)
            consumer.pel[stream_id] = nack
            nack.consumer = consumer


class StreamValue:
    """A stream: its nodes of entries, counters, and consumer groups (Redis's ``stream``)."""

    __slots__ = ("encoding", "entries_added", "first_id", "firsts", "groups", "last_id",
                 "length", "max_deleted_id", "nodes", "rax_cache")

    def __init__(self) -> None:
        self.nodes: list[StreamNode] = []
        self.firsts: list[int] = []  # nodes[i].first_id(): the radix tree keys
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.entries_added = 0
        self.max_deleted_id = 0
        self.groups: dict[bytes, ConsumerGroup] = {}
        self.encoding = "stream"
        self.rax_cache = -1  # rax_nodes() until the node list changes

    def __len__(self) -> int:
        return self.length

    # -- adding ---------------------------------------------------------------------------------

    def append(self, stream_id: int, fields: Fields, max_bytes: int, max_entries: int) -> None:
        """Add an entry whose ID is above ``last_id`` (streamAppendItem after its checks)."""
        total = sum(map(len, fields))
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            if max_bytes <= 0 or max_bytes > 2**30:
                max_bytes = 2**30  # STREAM_LISTPACK_MAX_SIZE
            if node.nbytes() + total >= max_bytes or (
                    max_entries and node.live + node.deleted >= max_entries):
                node = None
        names = fields[0::2]
        if node is None:
            node = StreamNode(names)
            nodes.append(node)
            self.firsts.append(stream_id)
            self.rax_cache = -1
            master_id = stream_id
            same = True
        else:
            master_id = node.first_id()
            same = names == node.master_fields
        if same:
            stored = fields[1::2]
            blob = dumps(stored)
            size = 4  # the flags and lp-count integers
        else:
            stored = fields
            blob = dumps(list(fields))
            size = 4 + _int_size(len(names))
        for item in stored:
            length = len(item)
            # the common short non-numeric string inline: 1 header byte, 1 backlen byte
            if length < 64 and not (length and (47 < item[0] < 58 or item[0] == 45)):
                size += length + 2
            else:
                size += _string_size(item)
        ms = stream_id >> 64
        seq = stream_id & MASK64
        # the ID is stored as ms and seq deltas from the master ID, each an int64
        ms_delta = ms - (master_id >> 64)
        seq_delta = _signed64(seq - (master_id & MASK64))
        size += (2 if ms_delta < 128 else _int_size(_signed64(ms_delta))) + (
            2 if 0 <= seq_delta < 128 else _int_size(seq_delta))
        node.fixed_bytes += size
        node.ms.append(ms)
        node.seq.append(seq)
        node.entries.append(blob)
        node.live += 1
        self.length += 1
        self.entries_added += 1
        self.last_id = stream_id
        if self.length == 1:
            self.first_id = stream_id

    # -- seeking and iterating ----------------------------------------------------------------

    def _locate(self, stream_id: int) -> tuple[int, int]:
        """(node index, position) of the first stored ID >= ``stream_id`` (tombstones
        included); the position may be one past the node's end."""
        index = bisect_right(self.firsts, stream_id) - 1
        if index < 0:
            return 0, 0
        return index, self.nodes[index].bisect_left(stream_id)

    def range(self, start: int = 0, end: int = MAX_ID,
              reverse: bool = False) -> Iterator[tuple[int, Fields]]:
        """Live entries with ``start <= id <= end``, ascending (or descending): O(log N) to
        the first one, then O(1) each (plus the tombstones skipped)."""
        nodes = self.nodes
        if not nodes or start > end:
            return
        if not reverse:
            index, pos = self._locate(start)
            for node_index in range(index, len(nodes)):
                node = nodes[node_index]
                ms = node.ms
                seq = node.seq
                entries = node.entries
                for position in range(pos, len(entries)):
                    stream_id = ms[position] << 64 | seq[position]
                    if stream_id > end:
                        return
                    if entries[position] is not None:
                        fields = node.fields_at(position)
                        assert fields is not None
                        yield stream_id, fields
                pos = 0
            return
        index = bisect_right(self.firsts, end) - 1
        if index < 0:
            return
        pos = nodes[index].bisect_right(end) - 1
        for node_index in range(index, -1, -1):
            node = nodes[node_index]
            ms = node.ms
            seq = node.seq
            entries = node.entries
            if node_index != index:
                pos = len(entries) - 1
            for position in range(pos, -1, -1):
                stream_id = ms[position] << 64 | seq[position]
                if stream_id < start:
                    return
                if entries[position] is not None:
                    fields = node.fields_at(position)
                    assert fields is not None
                    yield stream_id, fields

    def get(self, stream_id: int) -> Fields | None:
        """The fields of live entry ``stream_id``, or None."""
        if not self.nodes:
            return None
        index, pos = self._locate(stream_id)
        node = self.nodes[index]
        if pos < len(node) and node.id_at(pos) == stream_id:
            return node.fields_at(pos)
        return None

    def first_entry(self) -> tuple[int, Fields] | None:
        return next(self.range(), None)

    def last_entry(self) -> tuple[int, Fields] | None:
        return next(self.range(reverse=True), None)

    def last_valid_id(self) -> int:
        """The ID of the last live entry, 0 when empty (streamLastValidID)."""
        entry = self.last_entry()
        return 0 if entry is None else entry[0]

    def first_stored_id(self) -> int:
        """The first ID, tombstones included (streamGetEdgeID without skipping), or
        the maximum ID when there are no nodes."""
        return self.nodes[0].first_id() if self.nodes else MAX_ID

    def node_count(self) -> int:
        """Redis's ``raxSize(s->rax)``."""
        return len(self.nodes)

    def rax_nodes(self) -> int:
        """``s->rax->numnodes``: the nodes of the radix tree Redis would hold for the node keys
        (16-byte big-endian master IDs). rax.c keeps the tree compressed: a run of bytes shared
        by every key below it is one compressed node, a byte where keys part is one branching
        node, and each key ends in an empty leaf node; an empty tree is its root alone.
        Computed once per change of the node list."""
        if self.rax_cache >= 0:
            return self.rax_cache
        keys = [first.to_bytes(16, "big") for first in self.firsts]

        def count(lo: int, hi: int, depth: int) -> int:
            if hi - lo == 1:
                return 1 if depth == 16 else 2  # (a compressed node for the rest), the leaf
            first, last = keys[lo], keys[hi - 1]
            shared = depth
            while first[shared] == last[shared]:
                shared += 1
            if shared > depth:
                return 1 + count(lo, hi, shared)
            total = 1  # a branching node, then one child per distinct byte
            start = lo
            while start < hi:
                byte = keys[start][depth]
                stop = start + 1
                while stop < hi and keys[stop][depth] == byte:
                    stop += 1
                total += count(start, stop, depth + 1)
                start = stop
            return total

        self.rax_cache = count(0, len(keys), 0) if keys else 1
        return self.rax_cache

    def _refresh_first_id(self) -> None:
        if self.length == 0:
            self.first_id = 0
        else:
            entry = self.first_entry()
            self.first_id = entry[0] if entry is not None else 0

    # -- removing -------------------------------------------------------------------------------

    def _drop_node(self, index: int) -> None:
        del self.nodes[index]
        del self.firsts[index]
        self.rax_cache = -1

    def delete(self, stream_id: int) -> bool:
        """Remove live entry ``stream_id`` (streamDeleteItem); whether it was there.

        The caller updates ``max_deleted_id`` and ``first_id`` (xdelCommand does).
        """
        if not self.nodes:
            return False
        index, pos = self._locate(stream_id)
        node = self.nodes[index]
        if pos >= len(node) or node.id_at(pos) != stream_id or node.entries[pos] is None:
            return False
        self.length -= 1
        if node.live == 1:
            self._drop_node(index)
            return True
        node.entries[pos] = None
        node.live -= 1
        node.deleted += 1
        return True

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """Remove entries from the head (streamTrim): down to ``maxlen`` entries, or those
        below ``minid``. ``approx`` removes whole nodes only; ``limit`` caps the entries removed
        (0 = no cap). How many were removed."""
        deleted = 0
        nodes = self.nodes
        while nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[0]
            entries = node.live
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove_node = self.length - entries >= maxlen
            else:
                assert minid is not None
                remove_node = node.last_id() < minid
            if remove_node:
                self._drop_node(0)
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            removed_here = 0
            stored = node.entries
            for position in range(len(stored)):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif node.id_at(position) >= minid:  # type: ignore[operator]
                    break
                if stored[position] is not None:
                    stored[position] = None
                    removed_here += 1
                    self.length -= 1
            node.live -= removed_here
            node.deleted += removed_here
            deleted += removed_here
            break
        if self.length == 0:
            self.first_id = 0
        elif deleted:
            self._refresh_first_id()
        return deleted

    def after_xdel(self, deleted_ids: list[int]) -> None:
        """XDEL's bookkeeping: the max deleted ID and the first entry ID."""
        if not deleted_ids:
            return
        top = max(deleted_ids)
        if top > self.max_deleted_id:
            self.max_deleted_id = top
        if self.length == 0:
            self.first_id = 0
        elif self.first_id in deleted_ids:
            self._refresh_first_id()

    # -- lag and the read counter (t_stream.c) ------------------------------------------------

    def range_has_tombstones(self, start: int, end: int = MAX_ID) -> bool:
        """streamRangeHasTombstones."""
        if not self.length or not self.max_deleted_id:
            return False
        if self.first_id > self.max_deleted_id:
            return False
        return start <= self.max_deleted_id <= end

    def estimate_distance(self, stream_id: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry: the read counter of ``stream_id``, or
        INVALID_ENTRIES_READ when it cannot be known."""
        if not self.entries_added:
            return 0
        if not self.length and stream_id <= self.last_id:
            return self.entries_added
        if stream_id == self.last_id:
            return self.entries_added
        if stream_id > self.last_id:
            return INVALID_ENTRIES_READ
        if not self.max_deleted_id or self.max_deleted_id < self.first_id:
            if stream_id < self.first_id:
                return self.entries_added - self.length
            if stream_id == self.first_id:
                return self.entries_added - self.length + 1
        return INVALID_ENTRIES_READ

    def group_lag(self, group: ConsumerGroup) -> int | None:
        """streamReplyWithCGLag: entries not yet delivered to ``group``, None if unknown."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(
                group.last_id):
            return self.entries_added - group.entries_read
        entries_read = self.estimate_distance(group.last_id)
        if entries_read != INVALID_ENTRIES_READ:
            return self.entries_added - entries_read
        return None

    def advance_group(self, group: ConsumerGroup, stream_id: int) -> bool:
        """A group is delivered ``stream_id``: move its last ID and read counter as
        streamReplyWithRange does. Whether the last ID moved."""
        if stream_id <= group.last_id:
            return False
        if group.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(
                stream_id):
            group.entries_read += 1
        elif self.entries_added:
            group.entries_read = self.estimate_distance(stream_id)
        group.last_id = stream_id
        return True

    def sorted_groups(self) -> list[tuple[bytes, ConsumerGroup]]:
        """Groups in Redis's radix tree order (bytes order of the names)."""
        return [(name, self.groups[name]) for name in sorted(self.groups)]

    # -- copying (COPY) ---------------------------------------------------------------------

    def copy(self) -> StreamValue:
        """A deep copy: new nodes, groups, consumers and pending entries (streamDup)."""
        duplicate = StreamValue()
        duplicate.nodes = [node.copy() for node in self.nodes]
        duplicate.firsts = list(self.firsts)
        duplicate.length = self.length
        duplicate.last_id = self.last_id
        duplicate.first_id = self.first_id
        duplicate.entries_added = self.entries_added
        duplicate.max_deleted_id = self.max_deleted_id
        duplicate.encoding = self.encoding
        for name, group in self.groups.items():
            twin_group = ConsumerGroup(group.last_id, group.entries_read)
            consumers: dict[int, Consumer] = {}
            for consumer_name, consumer in group.consumers.items():
                twin_consumer = Consumer(consumer_name, consumer.seen_time)
                twin_group.consumers[consumer_name] = twin_consumer
                consumers[id(consumer)] = twin_consumer
            for stream_id, nack in group.pel.items():
                owner = consumers.get(id(nack.consumer)) if nack.consumer is not None else None
                twin_nack = PendingEntry(owner, nack.delivery_time, nack.delivery_count)
                twin_group.pel[stream_id] = twin_nack
                if owner is not None:
                    owner.pel[stream_id] = twin_nack
            duplicate.groups[name] = twin_group
        return duplicate


__all__ = [
    "INVALID_ENTRIES_READ",
    "MASK64",
    "MAX_ID",
    "Consumer",
    "ConsumerGroup",
    "Fields",
    "PendingEntry",
    "PendingList",
    "StreamNode",
    "StreamValue",
    "format_id",
    "make_id",
]
