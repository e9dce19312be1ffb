"""The active expire cycle, driven by a fake clock."""

from __future__ import annotations

import time

from godis.keyspace.expiry import (
    ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP,
    active_expire_cycle,
    cycle_state,
)
from godis.keyspace.keyspace import Keyspace

NOW = 1_700_000_000_000


class Clock:
    def __init__(self, keyspace: Keyspace) -> None:
        self.now = NOW
        keyspace.now_ms = lambda: self.now


def make_keyspace(databases: int = 16) -> tuple[Keyspace, Clock, list[tuple[int, list[bytes]]],
                                                 list[tuple[int, str, str, bytes]]]:
    keyspace = Keyspace(databases)
    clock = Clock(keyspace)
    propagated: list[tuple[int, list[bytes]]] = []
    events: list[tuple[int, str, str, bytes]] = []
    keyspace.propagate = lambda db, argv: propagated.append((db, argv))
    keyspace.notify = lambda db, cls, event, key: events.append((db, cls, event, key))
    return keyspace, clock, propagated, events


def add(keyspace: Keyspace, db: int, key: bytes, expires_at: int | None) -> None:
    database = keyspace.databases[db]
    database.data[key] = b"v"
    if expires_at is not None:
        database.expires[key] = expires_at


def test_removes_expired_keys_and_reports_them() -> None:
    keyspace, clock, propagated, events = make_keyspace()
    add(keyspace, 0, b"dead", NOW + 10)
    add(keyspace, 0, b"alive", NOW + 10_000)
    add(keyspace, 0, b"forever", None)
    add(keyspace, 3, b"dead3", NOW + 5)
    clock.now += 100
    assert active_expire_cycle(keyspace) == 2
    assert set(keyspace.databases[0].data) == {b"alive", b"forever"}
    assert keyspace.databases[3].data == {}
    assert sorted(propagated) == [(0, [b"DEL", b"dead"]), (3, [b"DEL", b"dead3"])]
    assert sorted(events) == [(0, "x", "expired", b"dead"), (3, "x", "expired", b"dead3")]
    assert keyspace.stats_expired_keys == 2


def test_key_expiring_exactly_now_is_kept() -> None:
    """activeExpireCycleTryExpire deletes only when now > when."""
    keyspace, clock, _, _ = make_keyspace()
    add(keyspace, 0, b"k", NOW)
    assert active_expire_cycle(keyspace) == 0
    clock.now += 1
    assert active_expire_cycle(keyspace) == 1


def test_keeps_going_while_many_keys_are_stale() -> None:
    keyspace, clock, _, _ = make_keyspace()
    for i in range(1000):
        add(keyspace, 0, b"k%d" % i, NOW + 1)
    clock.now += 10
    assert active_expire_cycle(keyspace, budget_ms=10_000) == 1000
    assert keyspace.databases[0].data == {}


def test_stops_after_one_sample_when_few_are_stale() -> None:
    keyspace, clock, _, _ = make_keyspace(1)
    for i in range(1000):
        add(keyspace, 0, b"k%d" % i, NOW + 1 if i == 0 else NOW + 1_000_000)
    clock.now += 10
    removed = active_expire_cycle(keyspace, budget_ms=10_000)
    assert removed <= 1
    # One sample of 20 keys, 1 stale at most (5% < 10%): the loop ends there.
    assert len(keyspace.databases[0].data) >= 999


def test_resumes_where_it_stopped_and_reaches_every_key() -> None:
    """The sweep visits every volatile key in turn, even while the dict keeps changing."""
    keyspace, clock, _, _ = make_keyspace(1)
    database = keyspace.databases[0]
    for i in range(2000):
        add(keyspace, 0, b"long%d" % i, NOW + 10**9)
    add(keyspace, 0, b"late-dead", NOW + 1)  # at the very end of the dict
    clock.now += 10
    cycles = 0
    while b"late-dead" in database.data:
        # Writers change the expires dict between cycles (a plain iterator would break).
        add(keyspace, 0, b"new%d" % cycles, NOW + 10**9)
        del database.expires[b"long%d" % cycles]
        active_expire_cycle(keyspace)
        cycles += 1
        assert cycles < 2000 // ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP + 10
    assert cycles > 10  # it took several cycles: sampling is incremental


def test_time_budget_is_respected_and_next_call_resumes() -> None:
    keyspace, clock, _, _ = make_keyspace(16)
    for db in range(16):
        for i in range(5000):
            add(keyspace, db, b"k%d" % i, NOW + 1)
    clock.now += 10
    started = time.perf_counter()
    removed = active_expire_cycle(keyspace, budget_ms=1.0)
    elapsed = time.perf_counter() - started
    assert 0 < removed < 16 * 5000
    assert elapsed < 0.05
    state = cycle_state(keyspace)
    assert state.timelimit_exit
    assert state.time_cap_reached_count == 1
    # Enough further calls clear everything.
    for _ in range(10_000):
        if active_expire_cycle(keyspace, budget_ms=5.0) == 0 and keyspace.key_count() == 0:
            break
    assert keyspace.key_count() == 0


def test_rotates_over_databases() -> None:
    keyspace, clock, _, _ = make_keyspace(20)  # more than CRON_DBS_PER_CALL (16)
    add(keyspace, 18, b"dead", NOW + 1)
    clock.now += 10
    assert active_expire_cycle(keyspace) == 0  # databases 0..15 this time
    assert active_expire_cycle(keyspace) == 1  # then 16..19 and around
    assert cycle_state(keyspace).current_db == 12  # 16..19 then 0..11


def test_nothing_expires_while_loading() -> None:
    keyspace, clock, _, _ = make_keyspace()
    add(keyspace, 0, b"dead", NOW + 1)
    clock.now += 10
    keyspace.loading = True
    assert active_expire_cycle(keyspace) == 0
    keyspace.loading = False
    assert active_expire_cycle(keyspace) == 1


def test_survives_flush_replacing_the_expires_dict() -> None:
    keyspace, clock, _, _ = make_keyspace(1)
    for i in range(100):
        add(keyspace, 0, b"k%d" % i, NOW + 10**9)
    assert active_expire_cycle(keyspace) == 0
    keyspace.databases[0].clear()
    add(keyspace, 0, b"dead", NOW + 1)
    clock.now += 10
    assert active_expire_cycle(keyspace) == 1


def test_average_ttl_and_stale_statistics() -> None:
    keyspace, clock, _, _ = make_keyspace(1)
    for i in range(10):
        add(keyspace, 0, b"k%d" % i, NOW + 100_000)
    active_expire_cycle(keyspace)
    state = cycle_state(keyspace)
    assert 90_000 < state.avg_ttl[0] <= 100_000
    assert state.stale_perc == 0.0
    keyspace.databases[0].clear()
    active_expire_cycle(keyspace)
    assert state.avg_ttl[0] == 0
    add(keyspace, 0, b"dead", NOW + 1)
    clock.now += 10
    active_expire_cycle(keyspace)
    assert state.stale_perc > 0.0


def test_sampling_cost_does_not_grow_with_keyspace() -> None:
    """After the first pass's snapshot, a cycle over a stable big keyspace is cheap."""
    keyspace, _, _, _ = make_keyspace(1)
    for i in range(200_000):
        add(keyspace, 0, b"k%d" % i, NOW + 10**9)
    active_expire_cycle(keyspace)  # takes the snapshot
    started = time.perf_counter()
    for _ in range(100):
        active_expire_cycle(keyspace)
    assert (time.perf_counter() - started) / 100 < 0.002
