"""The databases and their keys, with lazy expiry, guarded by one ``trio.Lock``.

Every command runs with the lock held and never awaits while holding it (the rule mini-redis
states for its std mutex), so handlers are plain synchronous functions over this state.
Lookups expire keys lazily, as Redis's ``db.c lookupKey`` / ``expireIfNeeded`` do, and report
the deletion through ``propagate`` so the append-only file records it as a ``DEL``.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

import trio

from godis.errors import WrongTypeError
from godis.keyspace.evict import Eviction, KeySampler
from godis.keyspace.memory import (
    DICT_ENTRY,
    DICT_ENTRY_ALLOC,
    STARTUP_BYTES,
    accounted_size,
    dict_slots,
    key_charge,
)
from godis.keyspace.values import SELF_CHARGED, StreamValue, Value

if TYPE_CHECKING:
    from collections.abc import Iterator

V = TypeVar("V")

# Database.sizes records: bit 0 "a small encoding" (listpack, intset), bits 1-32 the length
# and bits 33-80 the size at the last measurement, the charge above: one int per key where a
# (length, encoding, size) tuple in a second dict cost a container key ~100 bytes more.
_SMALL_ENCODINGS = frozenset(("listpack", "intset"))
_COUNT_MASK = (1 << 32) - 1
_SIZE_SHIFT = 33
_SIZE_MASK = (1 << 48) - 1
_CHARGE_SHIFT = 81


def _record(charge: int, count: int, size: int, small: int) -> int:
    """A ``Database.sizes`` entry: the charge, and what :meth:`Database.account` rescales."""
    return (charge << _CHARGE_SHIFT) | (size << _SIZE_SHIFT) | (count << 1) | small
LFU_INIT_VAL = 5


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch."""
    return int(time.time() * 1000)


def trio_clock_ms() -> Callable[[], int]:
    """A wall clock that advances with Trio's clock, so ``autojump_clock`` drives TTLs in tests.

    Must be called inside ``trio.run``; anchors wall time once and adds Trio's elapsed time.
    """
    wall_anchor = time.time()
    trio_anchor = trio.current_time()
    return lambda: int((wall_anchor + trio.current_time() - trio_anchor) * 1000)


class KeyWatcher(Protocol):
    """Something told when a key it watches is modified (a client in WATCH)."""

    def key_touched(self) -> None: ...

    def key_flushed(self, existed: bool, replaced_with: Database | None) -> None: ...


class KeyTracker(Protocol):
    """Client-side caching (``godis.tracking.Tracking``), told of modified and flushed keys."""

    def invalidate_key(self, key: bytes, by_command: bool = True) -> None: ...

    def invalidate_all(self) -> None: ...

    def end_cycle(self) -> None: ...


class Database:
    """One numbered database: ``data`` maps keys to values, ``expires`` keys to unix ms."""

    __slots__ = ("access", "data", "expires", "index", "keyspace", "lfu", "random_keys",
                 "sizes", "watched")

    def __init__(self, keyspace: Keyspace, index: int) -> None:
        self.keyspace = keyspace
        self.index = index
        self.data: dict[bytes, Value] = {}
        self.expires: dict[bytes, int] = {}
        self.watched: dict[bytes, set[KeyWatcher]] = {}
        # key -> the LRU clock (unix ms, refreshed per batch) at its last access: OBJECT IDLETIME
        self.access: dict[bytes, int] = {}
        # key -> its LFU word (minutes << 8 | log counter), kept only under an LFU policy
        self.lfu: dict[bytes, int] = {}
        # key -> the bytes the running total (Keyspace.dataset_bytes) charges for it, for every
        # key not holding ``bytes``: an immutable string's charge is a function of the key and
        # value (:meth:`charge`), so the most common key costs no entry here (see set/forget)
        # The entry is one int, a record (see :func:`_record`): the charge, and the length,
        # encoding class and size when last measured (account() rescales from those).
        self.sizes: dict[bytes, int] = {}
        # RANDOMKEY's snapshot of the keys, for O(1) amortised draws on a big database
        self.random_keys = KeySampler(shift=4)

    def __len__(self) -> int:
        return len(self.data)

    # -- lookups (lazy expiry) --------------------------------------------------------------

    def expire_if_needed(self, key: bytes) -> bool:
        """Delete ``key`` if its time has come; whether it is (now) gone."""
        when = self.expires.get(key)
        if when is None:
            return False
        keyspace = self.keyspace
        if keyspace.loading or when > keyspace.now_ms():
            return False
        self.delete_expired(key)
        return True

    def delete_expired(self, key: bytes) -> None:
        """Remove an expired key and tell the AOF, watchers and notifications."""
        keyspace = self.keyspace
        value = self.data.pop(key)
        if type(value) is StreamValue:  # blocked XREADGROUP clients learn it is gone
            keyspace.signal_key_as_ready(self.index, key)
        del self.expires[key]
        self.access.pop(key, None)
        self.forget(key, value)
        keyspace.stats_expired_keys += 1
        keyspace.propagate(self.index, [b"DEL", key])
        self.touch(key, by_command=False)
        keyspace.notify(self.index, "x", "expired", key)

    def get(self, key: bytes) -> Value | None:
        """The live value of ``key`` or ``None`` (expiring it lazily); no statistics."""
        if self.expires and key in self.expires:
            self.expire_if_needed(key)
        return self.data.get(key)

    def lookup_read(self, key: bytes) -> Value | None:
        """As :meth:`get`, counting ``keyspace_hits``/``keyspace_misses`` like lookupKeyRead."""
        if self.expires and key in self.expires:
            self.expire_if_needed(key)
        value = self.data.get(key)
        keyspace = self.keyspace
        if value is None:
            keyspace.stats_misses += 1
            keyspace.notify(self.index, "m", "keymiss", key)
        else:
            keyspace.stats_hits += 1
            self.access[key] = keyspace.lru_clock_ms
            if keyspace.lfu_enabled:
                keyspace.lfu_touch(self, key)
        return value

    def get_typed(self, key: bytes, kind: type[V]) -> V | None:
        """The value of ``key`` if it is a ``kind``; ``None`` if missing; else WRONGTYPE."""
        value = self.lookup_read(key)
        if value is None:
            return None
        if type(value) is not kind:
            raise WrongTypeError()
        return value

    def get_typed_write(self, key: bytes, kind: type[V]) -> V | None:
        """As :meth:`get_typed` for a write: no hit/miss statistics."""
        value = self.get(key)
        if value is None:
            return None
        keyspace = self.keyspace
        self.access[key] = keyspace.lru_clock_ms
        if keyspace.lfu_enabled:
            keyspace.lfu_touch(self, key)
        if type(value) is not kind:
            raise WrongTypeError()
        return value

    def get_or_create(self, key: bytes, kind: type[V]) -> V:
        """The ``kind`` value at ``key``, created empty (and stored) if missing."""
        value = self.get(key)
        if value is None:
            created = kind()
            self.data[key] = created  # type: ignore[assignment]
            if kind in SELF_CHARGED:  # the key's part now; account() adds the value's
                self.keyspace.dataset_bytes += key_charge(key)
            self.access[key] = self.keyspace.lru_clock_ms
            if self.keyspace.lfu_enabled:
                self.lfu[key] = self.keyspace.lfu_new()
            if self.keyspace.notify is not no_notify:
                self.keyspace.notify(self.index, "n", "new", key)
            return created
        if type(value) is not kind:
            raise WrongTypeError()
        return value

    def exists(self, key: bytes) -> bool:
        if self.expires and key in self.expires:
            self.expire_if_needed(key)
        return key in self.data

    # -- writes -----------------------------------------------------------------------------

    def set(self, key: bytes, value: Value, *, keep_ttl: bool = False) -> None:
        """Store ``value`` at ``key``, dropping any TTL unless ``keep_ttl`` (SET's rules)."""
        keyspace = self.keyspace
        if keyspace.notify is not no_notify and key not in self.data:
            keyspace.notify(self.index, "n", "new", key)  # dbAdd's "new" event
        data = self.data
        if keyspace.lfu_enabled:
            # dbOverwrite keeps the LFU word of the value replaced (touched by the lookup)
            if key in data:
                keyspace.lfu_touch(self, key)
            else:
                self.lfu[key] = keyspace.lfu_new()
        old = data.get(key)
        data[key] = value
        self.access[key] = keyspace.lru_clock_ms
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        # the old value's charge leaves the total: an entry of ``sizes``, or a string's own
        if old is None:
            charged = 0
        elif type(old) is bytes:
            charged = accounted_size(key, old, 0)
        elif type(old) in SELF_CHARGED:
            charged = key_charge(key) + (old.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
        else:
            charged = self.sizes.pop(key, 0) >> _CHARGE_SHIFT
        if type(value) is bytes:  # account(), inlined for the most common write
            keyspace.dataset_bytes += accounted_size(key, value, 0) - charged
            # immutable, so measured for good: dispatch need not measure it again (a
            # bytearray or a container may still change in place after this)
            keyspace.fresh_key = key
        else:
            keyspace.dataset_bytes -= charged
            if type(value) in SELF_CHARGED:
                keyspace.dataset_bytes += key_charge(key) + (
                    value.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
            self.account(key)

    def add(self, key: bytes, value: Value) -> None:
        """Store ``value`` at ``key``, known to be absent (RENAME, MOVE, COPY, RESTORE, a
        load), and charge it: no TTL, LRU clock or LFU word is set here, the caller does."""
        self.data[key] = value
        if type(value) is bytes:
            self.keyspace.dataset_bytes += accounted_size(key, value, 0)
        else:
            if type(value) in SELF_CHARGED:  # (another key may hold it too, for a moment)
                self.keyspace.dataset_bytes += key_charge(key) + (
                    value.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
            self.account(key)

    def add_moved(self, key: bytes, value: Value, source_key: bytes,
                  record: int | None) -> None:
        """:meth:`add` for a value moving from ``source_key`` (RENAME, MOVE) with that key's
        ``sizes`` record: the measure moves with the value (only the key's charge changes), so
        a big list is not sampled again, which is O(N) by deque index (Redis's RENAME is
        O(1))."""
        kind = type(value)
        if (record is not None and kind is not bytes and kind is not bytearray
                and kind not in SELF_CHARGED):
            size = (((record >> _SIZE_SHIFT) & _SIZE_MASK)
                    + key_charge(key) - key_charge(source_key))
            self.sizes[key] = _record(0, (record >> 1) & _COUNT_MASK, size, record & 1)
        self.add(key, value)

    def delete(self, key: bytes) -> bool:
        """Remove ``key`` (expired keys count as absent); whether a live key was removed."""
        if self.expires and key in self.expires:
            if self.expire_if_needed(key):
                return False
            del self.expires[key]
        self.access.pop(key, None)
        value = self.data.pop(key, None)
        if value is None:
            return False
        self.forget(key, value)
        return True

    def remove_if_empty(self, key: bytes, value: object) -> bool:
        """Drop a container key that became empty, as Redis does after the last pop/rem."""
        if len(value):  # type: ignore[arg-type]
            return False
        self.data.pop(key, None)
        self.access.pop(key, None)
        if self.expires:
            self.expires.pop(key, None)
        self.forget(key, value)  # type: ignore[arg-type]
        return True

    def set_expire(self, key: bytes, when_ms: int) -> None:
        """Give an existing key an absolute expiry time in unix milliseconds."""
        self.expires[key] = when_ms

    def persist(self, key: bytes) -> bool:
        """Remove the TTL of ``key``; whether it had one."""
        return self.expires.pop(key, None) is not None

    def clear(self, *, signal_tracking: bool = True) -> int:
        """Delete every key (FLUSHDB); how many there were. Tracking clients are told even
        when the database was empty, as ``signalFlushedDb`` does."""
        count = len(self.data)
        if self.watched:
            self.signal_flushed()
        tracking = self.keyspace.tracking
        if signal_tracking and tracking is not None:
            tracking.invalidate_all()
        charged = sum(record >> _CHARGE_SHIFT for record in self.sizes.values())
        for key, value in self.data.items():  # the keys that have no ``sizes`` entry
            kind = type(value)
            if kind is bytes:
                charged += accounted_size(key, value, 0)
            elif kind in SELF_CHARGED:
                charged += key_charge(key) + (value.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
        self.data = {}
        self.expires = {}
        self.access = {}
        self.lfu = {}
        self.keyspace.dataset_bytes -= charged
        self.sizes = {}
        return count

    # -- memory accounting ------------------------------------------------------------------

    def account(self, key: bytes) -> None:
        """Re-measure ``key`` after a write (or its removal) into ``Keyspace.dataset_bytes``.

        Dispatch calls it for the keys a write command names; commands that move values between
        keys or databases (RENAME, MOVE, COPY, RESTORE) and loaders call it themselves. Strings
        are measured exactly. A container is measured with a bounded sample
        (``memory.accounted_size``) and its length noted; while its length stays within 1/4
        of that, its size is scaled by the length instead, so a run of HSETs re-samples only
        a few times per doubling: O(1) amortised per write, whatever the container's size.
        """
        value = self.data.get(key)
        if value is None:
            self.forget(key)
            return
        if type(value) is bytes:
            # charged when stored (set/add) and immutable since; an entry left in ``sizes``
            # would be a charge from before a direct replacement, which set/add never leave
            return
        sizes = self.sizes
        kind = type(value)
        carried = kind in SELF_CHARGED
        old: int = value.record if carried else sizes.get(key, 0)  # type: ignore[union-attr]
        if kind is bytearray:
            size = accounted_size(key, value, 0)
            record = _record(size, 0, 0, 0)
        else:
            count = len(value)
            small = 1 if value.encoding in _SMALL_ENCODINGS else 0  # type: ignore[union-attr]
            measured_count = (old >> 1) & _COUNT_MASK
            if (measured_count and old & 1 == small
                    and abs(count - measured_count) * 4 <= measured_count):
                size = ((old >> _SIZE_SHIFT) & _SIZE_MASK) * count // measured_count
                record = _record(size, measured_count, (old >> _SIZE_SHIFT) & _SIZE_MASK, small)
            else:
                size = accounted_size(key, value, self.keyspace.list_fill)
                if carried:
                    size -= key_charge(key)  # the record holds the value's part only
                record = _record(size, count, size, small)
        self.keyspace.dataset_bytes += size - (old >> _CHARGE_SHIFT)
        if carried:
            value.record = record  # type: ignore[union-attr]
        else:
            sizes[key] = record

    def forget(self, key: bytes, value: Value | None = None) -> None:
        """A key left the database: take its bytes off the running total, drop its LFU word.

        ``value`` is what it held: a ``bytes`` value's charge is computed from it (it has no
        ``sizes`` entry); without it only a ``sizes`` entry is taken off, which is all a key
        removed earlier (and forgotten then) can still have.
        """
        if type(value) is bytes:
            self.keyspace.dataset_bytes -= accounted_size(key, value, 0)
        elif type(value) in SELF_CHARGED:
            self.keyspace.dataset_bytes -= key_charge(key) + (
                value.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
        else:
            record = self.sizes.pop(key, None)
            if record is not None:
                self.keyspace.dataset_bytes -= record >> _CHARGE_SHIFT
        if self.lfu:
            self.lfu.pop(key, None)

    def charge(self, key: bytes) -> int:
        """The bytes the running total charges for the live ``key`` (eviction's freed count)."""
        value = self.data.get(key)
        if type(value) is bytes:
            return accounted_size(key, value, 0)
        if type(value) in SELF_CHARGED:
            return key_charge(key) + (value.record >> _CHARGE_SHIFT)  # type: ignore[union-attr]
        return self.sizes.get(key, 0) >> _CHARGE_SHIFT

    def signal_flushed(self, replaced_with: Database | None = None) -> None:
        """``touchAllWatchedKeysInDb``: before this db is emptied or gets ``replaced_with``'s
        contents, tell the watchers of keys that exist on either side."""
        for key, watchers in list(self.watched.items()):
            existed = key in self.data
            if existed or (replaced_with is not None and key in replaced_with.data):
                for watcher in list(watchers):
                    watcher.key_flushed(existed, replaced_with)

    def touch(self, key: bytes, *, by_command: bool = True) -> None:
        """``signalModifiedKey``: invalidate the WATCHes on ``key`` and the clients that may
        cache it (``by_command``: modified by the running command, not by expiry/eviction)."""
        watchers = self.watched.get(key)
        if watchers:
            for watcher in watchers:
                watcher.key_touched()
        tracking = self.keyspace.tracking
        if tracking is not None:
            tracking.invalidate_key(key, by_command)

    def keys(self) -> Iterator[bytes]:
        """Live keys (expired ones are skipped, not deleted)."""
        if not self.expires:
            yield from list(self.data)
            return
        now = self.keyspace.now_ms()
        expires = self.expires
        for key in list(self.data):
            when = expires.get(key)
            if when is None or when > now or self.keyspace.loading:
                yield key


Notifier = Callable[[int, str, str, bytes], None]
Propagator = Callable[[int, list[bytes]], None]


def _no_propagate(db_index: int, argv: list[bytes]) -> None:
    """The default when no AOF is attached."""


def no_notify(db_index: int, event_class: str, event: str, key: bytes) -> None:
    """The default when keyspace notifications are off."""


class Keyspace:
    """All databases, the lock that guards them, and the counters INFO reports."""

    def __init__(self, databases: int = 16, clock: Callable[[], int] = wall_clock_ms) -> None:
        self.databases = [Database(self, index) for index in range(databases)]
        self.lock = trio.Lock()
        self.now_ms = clock
        self.dirty = 0  # writes since start; commands that change it are propagated
        self.loading = False  # while replaying the AOF nothing expires
        self.propagate: Propagator = _no_propagate
        self.notify: Notifier = no_notify
        self.stats_expired_keys = 0
        self.stats_hits = 0
        self.stats_misses = 0
        self.lru_clock_ms = clock()  # OBJECT IDLETIME's clock, refreshed per batch and by cron
        # memory accounting (memory.py's size model) and the eviction policy's per-key data
        self.dataset_bytes = 0  # Database.charge summed over every key of every database
        self.list_fill = -2  # list-max-listpack-size, for the quicklist model
        self.maxmemory = 0  # the hot path's one check: 0 means no limit, no eviction
        self.lfu_enabled = False  # an LFU maxmemory-policy: Database.lfu is maintained
        self.lfu_log_factor = 10
        self.lfu_decay_time = 1
        self.stats_evicted_keys = 0
        self.fresh_key: bytes | None = None  # the key Database.set just measured
        self.eviction = Eviction(self)  # maxmemory-policy, the eviction pool and samplers
        self.ready_keys: list[tuple[int, bytes]] = []  # keys that blocked clients wait on
        self.blocking_keys: dict[tuple[int, bytes], int] = {}  # how many clients wait per key
        # client-side caching, while anyone tracks (None otherwise: the hot paths' one check)
        self.tracking: KeyTracker | None = None

    async def acquire(self) -> None:
        """Take ``lock`` without ever yielding to the scheduler while holding it.

        ``trio.Lock.acquire`` checkpoints *after* taking the lock and its release hands the
        lock to the next parked waiter before that waiter runs; together they turn one brief
        contention into a convoy where every client parks on every batch. Nothing awaits
        while holding the keyspace lock, so waiting is just: yield, try again.
        """
        lock = self.lock
        backoff = 0.0
        while True:
            try:
                lock.acquire_nowait()
                return
            except trio.WouldBlock:
                # A short timed sleep, not a spin: lets other tasks run (and a test's mock
                # clock advance) until the holder releases.
                await trio.sleep(backoff)
                backoff = min(backoff * 2 or 0.0005, 0.01)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """``async with keyspace.locked():`` — the lock, taken as :meth:`acquire` does."""
        await self.acquire()
        try:
            yield
        finally:
            if self.tracking is not None:
                self.tracking.end_cycle()
            self.lock.release()

    def signal_key_as_ready(self, db_index: int, key: bytes) -> None:
        """A key blocked clients wait on may now serve them (``signalKeyAsReady``)."""
        if self.blocking_keys and (db_index, key) in self.blocking_keys:
            self.ready_keys.append((db_index, key))

    # -- LFU (evict.c's LFU helpers: updateLFU, LFUDecrAndReturn, LFULogIncr) --------------

    def lfu_minutes(self) -> int:
        """``LFUGetTimeInMinutes``: the 16-bit minutes clock of the LFU words."""
        return (self.now_ms() // 60000) & 65535

    def lfu_new(self) -> int:
        """The LFU word of a new object: now, and ``LFU_INIT_VAL`` (5)."""
        return (self.lfu_minutes() << 8) | LFU_INIT_VAL

    def lfu_counter(self, word: int) -> int:
        """``LFUDecrAndReturn``: the counter less one per ``lfu-decay-time`` minutes idle."""
        counter = word & 255
        if self.lfu_decay_time:
            now = self.lfu_minutes()
            last = word >> 8
            elapsed = now - last if now >= last else 65535 - last + now
            periods = elapsed // self.lfu_decay_time
            if periods:
                counter = 0 if periods > counter else counter - periods
        return counter

    def lfu_touch(self, db: Database, key: bytes) -> None:
        """``updateLFU``: decay, then a logarithmic increment (``LFULogIncr``)."""
        word = db.lfu.get(key)
        counter = LFU_INIT_VAL if word is None else self.lfu_counter(word)
        if counter < 255:
            base = counter - LFU_INIT_VAL
            if base < 0:
                base = 0
            if random.random() < 1.0 / (base * self.lfu_log_factor + 1):
                counter += 1
        db.lfu[key] = (self.lfu_minutes() << 8) | counter

    def set_lfu(self, enabled: bool) -> None:
        """Switch LFU tracking on or off (a maxmemory-policy change); words start afresh."""
        if enabled == self.lfu_enabled:
            return
        self.lfu_enabled = enabled
        for db in self.databases:
            db.lfu = {}

    def recount(self) -> None:
        """Re-measure every key (after a load replaced the data wholesale)."""
        self.dataset_bytes = 0
        for db in self.databases:
            db.sizes = {}
            for key, value in db.data.items():
                if type(value) is bytes:
                    self.dataset_bytes += accounted_size(key, value, 0)
                else:
                    if type(value) in SELF_CHARGED:
                        value.record = 0  # type: ignore[union-attr]
                        self.dataset_bytes += key_charge(key)
                    db.account(key)

    def used_memory(self) -> int:
        """Modelled ``used_memory`` of the dataset: Redis's start-up bytes, every key
        (``dataset_bytes``) and the main and expires dicts' entries and bucket arrays."""
        total = STARTUP_BYTES + self.dataset_bytes
        for db in self.databases:
            if db.data:
                # MEMORY USAGE counts sizeof(dictEntry), 24; jemalloc serves it from the
                # 32-byte class, which used_memory sees
                total += 8 * dict_slots(len(db.data)) + (DICT_ENTRY_ALLOC - DICT_ENTRY) * len(
                    db.data)
                expires = len(db.expires)
                if expires:
                    total += (8 * dict_slots(expires)) + DICT_ENTRY_ALLOC * expires
        return total

    def flush_all(self) -> int:
        """FLUSHALL: clear every database; how many keys there were. Tracking clients get one
        null invalidation."""
        count = sum(db.clear(signal_tracking=False) for db in self.databases)
        if self.tracking is not None:
            self.tracking.invalidate_all()
        return count

    def key_count(self) -> int:
        return sum(len(db.data) for db in self.databases)
