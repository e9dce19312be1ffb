"""Active expiry: Redis's ``expire.c activeExpireCycle``, the slow cycle run from the cron.

Lazy expiry alone never frees a key nobody reads again, so the server calls
:func:`active_expire_cycle` every ``1000/hz`` ms under the keyspace lock. Per database it
samples up to 20 keys that have a TTL, deletes the expired ones, and samples again while more
than 10% of a sample was stale; it stops when its time budget is spent and resumes from the
next database on the next call.

Redis walks ``db->expires`` with a scan cursor that survives inserts and deletes. A Python dict
iterator does not (it raises ``RuntimeError`` once the dict changes size, and every write with
a TTL changes it), and restarting from the beginning would starve the keys at the end. So each
database keeps a *sweep*: a snapshot of the expires dict's keys taken when the previous one is
used up, walked by position and checked against the live dict (keys gone since the snapshot
are skipped). Taking the snapshot is one C-speed ``list(dict)`` per full pass over the keys,
so sampling costs O(sample) amortised, and every volatile key is visited once per pass.
"""

from __future__ import annotations

import time
from weakref import WeakKeyDictionary

from godis.keyspace.keyspace import Keyspace

ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP = 20
"""Keys sampled per database per loop (Redis's default effort)."""
ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE = 10
"""Sample again while more than this percentage of a sample had expired."""
CRON_DBS_PER_CALL = 16
"""Databases visited per call, unless the previous call ran out of time."""
_CHECKS_PER_SAMPLE = 20
"""Snapshot entries examined per wanted sample before giving up (Redis's ``max_buckets``)."""


class _Sweep:
    """A walk over one database's volatile keys: a snapshot of ``expires`` and a position."""

    __slots__ = ("keys", "position", "source")

    def __init__(self) -> None:
        self.keys: list[bytes] = []
        self.position = 0
        self.source: dict[bytes, int] | None = None

    def next_key(self, expires: dict[bytes, int]) -> bytes:
        """The next key of the walk, starting a new pass when the snapshot is used up.

        A new pass also starts when ``expires`` is another dict than the snapshot's (FLUSHDB
        and SWAPDB replace it). ``expires`` must not be empty.
        """
        if self.position >= len(self.keys) or self.source is not expires:
            self.keys = list(expires)
            self.position = 0
            self.source = expires
        key = self.keys[self.position]
        self.position += 1
        return key


class ExpireCycleState:
    """What persists between cycles of one keyspace, and the statistics INFO reports."""

    def __init__(self, databases: int) -> None:
        self.current_db = 0  # next database to visit
        self.timelimit_exit = False  # the previous call ran out of time
        self.sweeps = [_Sweep() for _ in range(databases)]
        self.avg_ttl = [0] * databases  # running average TTL in ms (INFO keyspace avg_ttl)
        self.stale_perc = 0.0  # running fraction of stale keys (INFO expired_stale_perc)
        self.time_cap_reached_count = 0  # INFO expired_time_cap_reached_count


_STATES: WeakKeyDictionary[Keyspace, ExpireCycleState] = WeakKeyDictionary()


def cycle_state(keyspace: Keyspace) -> ExpireCycleState:
    """The cycle state (and statistics) of ``keyspace``, created on first use."""
    state = _STATES.get(keyspace)
    if state is None or len(state.sweeps) != len(keyspace.databases):
        state = _STATES[keyspace] = ExpireCycleState(len(keyspace.databases))
    return state


def active_expire_cycle(keyspace: Keyspace, *, budget_ms: float = 25.0) -> int:
    """Delete expired keys for at most ``budget_ms`` of CPU time; how many were deleted.

    Deletions go through ``Database.delete_expired`` (it propagates ``DEL``, counts
    ``expired_keys`` and notifies ``expired``). Nothing expires while the AOF loads.
    """
    if keyspace.loading:
        return 0
    state = cycle_state(keyspace)
    databases = keyspace.databases
    if not databases:
        return 0
    deadline = time.perf_counter() + budget_ms / 1000.0
    dbs_per_call = min(CRON_DBS_PER_CALL, len(databases))
    if state.timelimit_exit:
        dbs_per_call = len(databases)
    state.timelimit_exit = False
    now_ms = keyspace.now_ms
    total_sampled = 0
    total_expired = 0
    for _ in range(dbs_per_call):
        if state.timelimit_exit:
            break
        index = state.current_db % len(databases)
        # Move on now, so running out of time here resumes at the next database.
        state.current_db = index + 1
        db = databases[index]
        sweep = state.sweeps[index]
        while True:
            expires = db.expires
            if not expires:
                state.avg_ttl[index] = 0
                break
            now = now_ms()
            wanted = min(len(expires), ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP)
            checks = wanted * _CHECKS_PER_SAMPLE
            sampled = expired = ttl_sum = ttl_samples = 0
            while sampled < wanted and checks > 0 and expires:
                checks -= 1
                key = sweep.next_key(expires)
                when = expires.get(key)
                if when is None:
                    continue  # deleted or persisted since the snapshot
                sampled += 1
                ttl = when - now
                if now > when:  # activeExpireCycleTryExpire's test
                    db.delete_expired(key)
                    expired += 1
                elif ttl > 0:
                    ttl_sum += ttl
                    ttl_samples += 1
            total_sampled += sampled
            total_expired += expired
            if ttl_samples:
                average = ttl_sum // ttl_samples
                previous = state.avg_ttl[index] or average
                state.avg_ttl[index] = (previous // 50) * 49 + average // 50
            if time.perf_counter() > deadline:
                state.timelimit_exit = True
                state.time_cap_reached_count += 1
                break
            if sampled and expired * 100 // sampled <= ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE:
                break
    current = total_expired / total_sampled if total_sampled else 0.0
    state.stale_perc = current * 0.05 + state.stale_perc * 0.95
    return total_expired
