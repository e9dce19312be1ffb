"""Eviction under ``maxmemory``: Redis 7.0's ``evict.c`` (performEvictions, the eviction pool).

Before a command runs, dispatch asks :meth:`Eviction.perform` (``processCommand`` calls
``performEvictions``) whether the modelled ``used_memory`` is within ``maxmemory``; if not, keys
are evicted as the policy says until enough bytes are freed, and ``EVICT_FAIL`` (nothing left
to evict, or ``noeviction``) makes dispatch refuse ``denyoom`` commands with ``-OOM``.

The LRU, LFU and TTL policies use Redis's approximation: every round samples
``maxmemory-samples`` keys of each database into a pool of the 16 best candidates seen so far
(kept across rounds, ordered by "idle" score), and evicts the best one that still exists.

Sampling needs random keys, which a Python dict cannot give in O(1). Each database keeps a
:class:`KeySampler`: a snapshot list of the dict's keys, drawn from at random and checked against
the live dict. The snapshot is retaken when a quarter of the draws hit deleted keys or the dict
grew by a quarter, i.e. after at least N/4 changes, so its O(N) cost is amortised O(1) per
change. Keys added since the snapshot are not drawn until the next one; they are the most
recently written keys, the last candidates of an LRU policy anyway.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from godis.keyspace.memory import DICT_ENTRY, DICT_ENTRY_ALLOC

if TYPE_CHECKING:
    from godis.keyspace.keyspace import Database, Keyspace

EVPOOL_SIZE = 16
EVICT_OK = 0
EVICT_RUNNING = 1
EVICT_FAIL = 2

POLICIES = ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
            "allkeys-lfu", "allkeys-random", "noeviction")
"""``maxmemory-policy`` values, in the order CONFIG's enum lists them."""

OOM = "OOM command not allowed when used memory > 'maxmemory'."
SCRIPT_OOM = ("OOM allow-oom flag is not set on the script, can not run it when used memory > "
              "'maxmemory'")
_TTL_TOP = 1 << 64
OVERHEAD_SLACK = 1 << 16


class KeySampler:
    """Random keys of one dict (``dictGetSomeKeys``) from a snapshot retaken as it goes stale.

    ``shift`` sets the staleness tolerated: the snapshot is retaken once ``1 / 2**shift`` of the
    draws hit deleted keys or the dict grew by that fraction (eviction: a quarter; RANDOMKEY:
    a sixteenth, so at most ~6% of the keys, the newest, are briefly out of its reach)."""

    __slots__ = ("dead", "drawn", "keys", "shift", "source")

    def __init__(self, shift: int = 2) -> None:
        self.keys: list[bytes] = []
        self.source: dict[bytes, object] | None = None
        self.drawn = 0
        self.dead = 0
        # staleness tolerated before a retake: 1 / 2**shift of dead draws or of growth
        self.shift = shift

    def sample(self, source: dict[bytes, object], count: int, rng: random.Random) -> list[bytes]:
        """Up to ``count`` keys of ``source`` (possibly repeated), which must not be empty;
        never more than it holds (``dictGetSomeKeys``), whatever ``maxmemory-samples`` says."""
        count = min(count, len(source))
        keys = self.keys
        shift = self.shift
        if (self.source is not source or not keys
                or len(source) > len(keys) + (len(keys) >> shift) + 16
                or (self.drawn >= 64 and self.dead << shift > self.drawn)):
            self._retake(source)
        found = self._draw(source, count, rng)
        if not found:  # an unlucky run of deleted keys: a fresh snapshot always has live ones
            self._retake(source)
            found = self._draw(source, count, rng)
        return found

    def _retake(self, source: dict[bytes, object]) -> None:
        self.keys = list(source)
        self.source = source
        self.drawn = self.dead = 0

    def _draw(self, source: dict[bytes, object], count: int, rng: random.Random) -> list[bytes]:
        keys = self.keys
        found: list[bytes] = []
        size = len(keys)
        for _ in range(count * 4):
            key = keys[int(rng.random() * size)]
            self.drawn += 1
            if key in source:
                found.append(key)
                if len(found) == count:
                    break
            else:
                self.dead += 1
        return found


class Eviction:
    """The policy, its parameters and state (pool, samplers, statistics) of one keyspace."""

    def __init__(self, keyspace: Keyspace) -> None:
        self.keyspace = keyspace
        self.policy = "noeviction"
        self.samples = 5  # maxmemory-samples
        self.tenacity = 10  # maxmemory-eviction-tenacity
        self.pool: list[tuple[int, bytes, int] | None] = [None] * EVPOOL_SIZE
        self.samplers = [KeySampler() for _ in keyspace.databases]
        self.next_db = 0
        self.rng = random.Random()
        self.running = False  # over the limit after the time budget: keep evicting next time
        self.exceeded_since: float | None = None  # stat_last_eviction_exceeded_time
        self.exceeded_total_us = 0  # stat_total_eviction_exceeded_time
        # bytes outside the keyspace that count against maxmemory (clients, script caches):
        # the server state plugs its estimate in
        self.overhead: Callable[[], int] = lambda: 0
        self.overhead_seen = 0  # its last value, re-measured every 64 checks or when over
        self.checks = 0
        self.oom_at_start = False  # pre_command_oom_state: the last command started over

    def set_policy(self, policy: str) -> None:
        self.policy = policy
        self.pool = [None] * EVPOOL_SIZE
        self.keyspace.set_lfu(policy.endswith("-lfu"))

    # -- the limit ---------------------------------------------------------------------------

    def to_free(self) -> int:
        """``getMaxmemoryState``: bytes over ``maxmemory`` (0 when within it)."""
        maxmemory = self.keyspace.maxmemory
        if not maxmemory:
            return 0
        used = self.keyspace.used_memory()
        self.checks += 1
        if not self.checks & 63 or used + self.overhead_seen > maxmemory - OVERHEAD_SLACK:
            # far below the limit the overhead last measured will do for a while
            self.overhead_seen = self.overhead()
        used += self.overhead_seen
        return used - maxmemory if used > maxmemory else 0

    def time_limit_us(self) -> float:
        """``evictionTimeLimitUs``: tenacity 0..10 linear to 500 us, then +15% a step."""
        tenacity = self.tenacity
        if tenacity <= 10:
            return 50.0 * tenacity
        if tenacity < 100:
            return 500.0 * 1.15 ** (tenacity - 10)
        return float("inf")

    # -- performEvictions --------------------------------------------------------------------

    def perform(self) -> int:
        """Evict until within ``maxmemory`` or out of time; EVICT_OK / RUNNING / FAIL."""
        tofree = self.to_free()
        if not tofree:
            self.running = False
            self._update_metrics(EVICT_OK)
            return EVICT_OK
        if self.policy == "noeviction":
            self._update_metrics(EVICT_FAIL)
            return EVICT_FAIL
        limit_us = self.time_limit_us()
        started = time.perf_counter()
        freed = 0
        evicted = 0
        result = EVICT_OK
        self.running = False
        while freed < tofree:
            picked = self._pick()
            if picked is None:
                result = EVICT_FAIL
                break
            db, key = picked
            freed += self.evict(db, key)
            evicted += 1
            if evicted % 16 == 0 and (time.perf_counter() - started) * 1e6 > limit_us:
                self.running = True
                result = EVICT_RUNNING
                break
        self._update_metrics(result)
        return result

    def _update_metrics(self, result: int) -> None:
        if result == EVICT_OK:
            if self.exceeded_since is not None:
                self.exceeded_total_us += int((time.monotonic() - self.exceeded_since) * 1e6)
                self.exceeded_since = None
        elif self.exceeded_since is None:
            self.exceeded_since = time.monotonic()

    def current_exceeded_ms(self) -> int:
        """INFO's current_eviction_exceeded_time."""
        if self.exceeded_since is None:
            return 0
        return int((time.monotonic() - self.exceeded_since) * 1000)

    def total_exceeded_ms(self) -> int:
        """INFO's total_eviction_exceeded_time."""
        return (self.exceeded_total_us // 1000) + self.current_exceeded_ms()

    def _pick(self) -> tuple[Database, bytes] | None:
        """The next key to evict under the policy, or None when nothing can be evicted."""
        policy = self.policy
        allkeys = policy.startswith("allkeys")
        databases = self.keyspace.databases
        if policy.endswith("-random"):
            count = len(databases)
            for _ in range(count):
                self.next_db = index = (self.next_db + 1) % count
                db = databases[index]
                source: dict[bytes, object] = db.data if allkeys else db.expires  # type: ignore[assignment]
                if source:
                    found = self.samplers[index].sample(source, 1, self.rng)
                    if found:
                        return db, found[0]
            return None
        pool = self.pool
        while True:
            total = 0
            for index, db in enumerate(databases):
                source = db.data if allkeys else db.expires  # type: ignore[assignment]
                if source:
                    self.populate(index, db, source)
                    total += len(source)
            if not total:
                return None
            for position in range(EVPOOL_SIZE - 1, -1, -1):
                entry = pool[position]
                if entry is None:
                    continue
                pool[position] = None
                _, key, index = entry
                db = databases[index]
                if key in (db.data if allkeys else db.expires):
                    return db, key
                # a ghost: deleted since it was pooled, try the next one

    def score(self, db: Database, key: bytes) -> int:
        """The "idle" score of ``key`` under the policy: higher means evict sooner."""
        policy = self.policy
        keyspace = self.keyspace
        if policy.endswith("-lru"):
            # estimateObjectIdleTime at the LRU clock's resolution of one second
            last = db.access.get(key, keyspace.lru_clock_ms)
            return max(0, keyspace.lru_clock_ms // 1000 - last // 1000) * 1000
        if policy.endswith("-lfu"):
            word = db.lfu.get(key)
            return 255 - (5 if word is None else keyspace.lfu_counter(word))
        return _TTL_TOP - db.expires.get(key, 0)  # volatile-ttl: the sooner the better

    def populate(self, index: int, db: Database, source: dict[bytes, object]) -> None:
        """``evictionPoolPopulate``: sample the database, insert the good candidates."""
        pool = self.pool
        for key in self.samplers[index].sample(source, self.samples, self.rng):
            idle = self.score(db, key)
            position = 0
            while position < EVPOOL_SIZE:
                entry = pool[position]
                if entry is None or entry[0] >= idle:
                    break
                position += 1
            if position == 0 and pool[EVPOOL_SIZE - 1] is not None:
                continue  # worse than every candidate of a full pool
            if position < EVPOOL_SIZE and pool[position] is None:
                pass  # an empty bucket
            elif pool[EVPOOL_SIZE - 1] is None:
                pool.insert(position, None)  # room on the right: shift right
                pool.pop()
            else:
                position -= 1  # no room: drop the worst candidate on the left
                pool.pop(0)
                pool.insert(position, None)
            pool[position] = (idle, key, index)

    def evict(self, db: Database, key: bytes) -> int:
        """Delete ``key`` as an eviction (``dbSyncDelete`` + notifications + ``DEL`` to the
        AOF, like expiry); the bytes it freed."""
        keyspace = self.keyspace
        freed = db.charge(key) + DICT_ENTRY_ALLOC - DICT_ENTRY
        value = db.data.pop(key, None)
        db.access.pop(key, None)
        if db.expires and db.expires.pop(key, None) is not None:
            freed += DICT_ENTRY_ALLOC
        db.forget(key, value)
        keyspace.stats_evicted_keys += 1
        db.touch(key)
        keyspace.notify(db.index, "e", "evicted", key)
        keyspace.propagate(db.index, [b"DEL", key])
        return freed
