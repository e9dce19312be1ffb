"""Eviction (evict.c): the pool, the samplers, the policies, and Redis's replies under OOM.

The unit tests drive ``Eviction`` directly on a keyspace; the differential ones compare the
replies and errors with a redis-server given a ``maxmemory`` below its start-up memory, so
that nothing can ever fit (``maxmemory 1``), as Redis's own tests do.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from godis.config import Config
from godis.keyspace.evict import (
    EVICT_FAIL,
    EVICT_OK,
    EVICT_RUNNING,
    EVPOOL_SIZE,
    POLICIES,
    Eviction,
    KeySampler,
)
from godis.keyspace.keyspace import Keyspace
from tests.support.differential import Differ, GodisDirect, propagated

# -- the pool and the samplers ---------------------------------------------------------------


def _keyspace(keys: int, clock: list[int]) -> Keyspace:
    keyspace = Keyspace(databases=2, clock=lambda: clock[0])
    keyspace.lru_clock_ms = clock[0]
    keyspace.eviction.tenacity = 100  # no time limit: a loaded machine cannot cut a round short
    db = keyspace.databases[0]
    for i in range(keys):
        db.set(b"key:%d" % i, b"x" * 100)
    return keyspace


def test_sampler_draws_live_keys_and_retakes_stale_snapshots() -> None:
    source: dict[bytes, object] = {b"k%d" % i: None for i in range(1000)}
    sampler = KeySampler()
    rng = random.Random(1)
    assert all(key in source for key in sampler.sample(source, 5, rng))
    snapshot = sampler.keys
    for i in range(600):  # most of the snapshot dies
        del source[b"k%d" % i]
    for _ in range(40):
        found = sampler.sample(source, 5, rng)
        assert found
        assert all(key in source for key in found)
    assert sampler.keys is not snapshot  # retaken once a quarter of the draws hit ghosts
    for i in range(1000, 2000):  # the dict grows: the new keys become drawable
        source[b"k%d" % i] = None
    drawn = {key for _ in range(200) for key in sampler.sample(source, 5, rng)}
    assert any(int(key[1:]) >= 1000 for key in drawn)


def test_pool_keeps_the_best_candidates_in_order() -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(100, clock)
    db = keyspace.databases[0]
    for i in range(100):  # key:i last used i seconds ago
        db.access[b"key:%d" % i] = clock[0] - i * 1000
    eviction = keyspace.eviction
    eviction.set_policy("allkeys-lru")
    eviction.samples = 64
    for _ in range(20):
        eviction.populate(0, db, db.data)  # type: ignore[arg-type]
    entries = [entry for entry in eviction.pool if entry is not None]
    assert len(entries) == EVPOOL_SIZE
    scores = [idle for idle, _, _ in entries]
    assert scores == sorted(scores)
    assert scores[-1] >= 95_000  # the oldest keys were seen and kept on the right


def test_lru_evicts_the_idle_keys_first() -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(1000, clock)
    db = keyspace.databases[0]
    for i in range(1000):
        db.access[b"key:%d" % i] = clock[0] - (1000 - i) * 1000  # higher i: used later
    eviction = keyspace.eviction
    eviction.set_policy("allkeys-lru")
    keyspace.maxmemory = keyspace.used_memory() - 50 * 130  # about 50 keys too many
    assert eviction.perform() == EVICT_OK
    evicted = [i for i in range(1000) if b"key:%d" % i not in db.data]
    assert 30 <= len(evicted) <= 45  # 6500 bytes of 176-byte keys
    assert sum(evicted) / len(evicted) < 250  # mostly from the idle end (random would be ~500)
    assert keyspace.stats_evicted_keys == len(evicted)


def test_lfu_evicts_the_rarely_used_keys_first() -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(0, clock)
    keyspace.eviction.set_policy("allkeys-lfu")
    db = keyspace.databases[0]
    for i in range(500):
        db.set(b"key:%d" % i, b"x" * 100)
    for i in range(250, 500):  # the second half is read often
        for _ in range(20):
            db.lookup_read(b"key:%d" % i)
    keyspace.maxmemory = keyspace.used_memory() - 100 * 130
    keyspace.eviction.perform()
    evicted = [i for i in range(500) if b"key:%d" % i not in db.data]
    assert evicted
    assert all(i < 250 for i in evicted)


def test_volatile_ttl_evicts_the_nearest_expiry() -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(200, clock)
    db = keyspace.databases[0]
    for i in range(0, 200, 2):  # even keys get a TTL, the lower the sooner
        db.set_expire(b"key:%d" % i, clock[0] + 10_000 + i * 1000)
    eviction = keyspace.eviction
    eviction.set_policy("volatile-ttl")
    eviction.samples = 10
    keyspace.maxmemory = keyspace.used_memory() - 10 * 150
    eviction.perform()
    evicted = [i for i in range(200) if b"key:%d" % i not in db.data]
    assert evicted
    assert all(i % 2 == 0 for i in evicted)
    assert sum(evicted) / len(evicted) < 70


@pytest.mark.parametrize("policy", [p for p in POLICIES if p.startswith("volatile")])
def test_volatile_policies_fail_without_volatile_keys(policy: str) -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(50, clock)
    keyspace.eviction.set_policy(policy)
    keyspace.maxmemory = 1000
    assert keyspace.eviction.perform() == EVICT_FAIL
    assert len(keyspace.databases[0].data) == 50


def test_random_policies_visit_every_database() -> None:
    clock = [1_000_000_000]
    keyspace = _keyspace(20, clock)
    other = keyspace.databases[1]
    for i in range(20):
        other.set(b"other:%d" % i, b"x" * 100)
    keyspace.eviction.set_policy("allkeys-random")
    keyspace.maxmemory = 1000
    assert keyspace.eviction.perform() == EVICT_FAIL  # everything went, still over
    assert not keyspace.databases[0].data
    assert not other.data


def test_tenacity_time_limits() -> None:
    eviction = Eviction(Keyspace(databases=1))
    expected = {0: 0.0, 10: 500.0, 11: 575.0, 100: float("inf")}
    for tenacity, limit in expected.items():
        eviction.tenacity = tenacity
        assert eviction.time_limit_us() == pytest.approx(limit)


def test_eviction_propagates_del_and_notifies() -> None:
    godis = GodisDirect()
    godis.call("CONFIG", "SET", "notify-keyspace-events", "Ee")
    log: list[list[bytes]] = []
    godis.server.keyspace.propagate = lambda db, argv: log.append(list(argv))
    for i in range(50):
        godis.call("SET", f"key:{i}", "x" * 1000)
    godis.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    used = int(next(line for line in godis.call("INFO", "memory").decode().split("\r\n")
                    if line.startswith("used_memory:")).split(":")[1])
    godis.call("CONFIG", "SET", "maxmemory", str(used - 10_000))  # evicts at once
    deletes = [argv for argv in log if argv[0] == b"DEL"]
    assert 8 <= len(deletes) <= 12
    assert godis.server.keyspace.stats_evicted_keys == len(deletes)
    assert b"evicted_keys:%d" % len(deletes) in godis.call("INFO", "stats")


# -- differential: replies and errors ---------------------------------------------------------


def test_policy_parameters(differ: Differ) -> None:
    for name in ("maxmemory", "maxmemory-policy", "maxmemory-samples",
                 "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time"):
        differ.check("CONFIG", "GET", name)
    for policy in POLICIES:
        differ.check("CONFIG", "SET", "maxmemory-policy", policy)
        differ.check("CONFIG", "GET", "maxmemory-policy")
    differ.check("CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU")
    differ.check("CONFIG", "SET", "maxmemory-policy", "lru")
    differ.check("CONFIG", "SET", "maxmemory-samples", "0")
    differ.check("CONFIG", "SET", "maxmemory-samples", "2147483648")
    differ.check("CONFIG", "SET", "maxmemory-samples", "10")
    differ.check("CONFIG", "SET", "maxmemory-eviction-tenacity", "101")
    differ.check("CONFIG", "SET", "maxmemory-eviction-tenacity", "-1")
    differ.check("CONFIG", "SET", "lfu-log-factor", "-1")
    differ.check("CONFIG", "SET", "lfu-decay-time", "5")
    for bad in ("abc", "-1", "1.5mb"):
        differ.check("CONFIG", "SET", "maxmemory", bad)
    differ.check("CONFIG", "SET", "maxmemory", "")
    differ.check("CONFIG", "GET", "maxmemory")
    differ.check("CONFIG", "SET", "maxmemory", "1k")
    differ.check("CONFIG", "GET", "maxmemory")
    differ.check("CONFIG", "SET", "maxmemory", "100mb")
    differ.check("CONFIG", "GET", "maxmemory")
    differ.check("CONFIG", "SET", "maxmemory", "0")


def test_oom_under_noeviction(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("RPUSH", "l", "a")
    differ.check("CONFIG", "SET", "maxmemory", "1")
    differ.check("SET", "k2", "v")  # denyoom
    differ.check("RPUSH", "l", "b")
    differ.check("APPEND", "k", "more")
    differ.check("GET", "k")  # reads go on
    differ.check("LPOP", "l")  # writes that free memory go on
    differ.check("DEL", "k")
    differ.check("INCR", "n")
    differ.check("EXPIRE", "k", "100")
    differ.check("DBSIZE")
    differ.check("MULTI")
    differ.check("GET", "k")  # anything queued is refused
    differ.check("EXEC")
    differ.check("CONFIG", "SET", "maxmemory", "0")
    differ.check("SET", "k2", "v")


def test_oom_exec_with_queued_denyoom(differ: Differ) -> None:
    differ.check("MULTI")
    differ.check("SET", "a", "1")
    differ.check("CONFIG", "SET", "maxmemory", "1")
    differ.check("EXEC")
    differ.check("CONFIG", "SET", "maxmemory", "0")
    differ.check("GET", "a")


def test_evictions_empty_the_dataset_when_nothing_fits(differ: Differ) -> None:
    for i in range(20):
        differ.check("SET", f"k{i}", "v" * 100)
    differ.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    differ.check("CONFIG", "SET", "maxmemory", "1")
    differ.check("SET", "new", "v")  # everything evicted first, then still OOM
    differ.check("DBSIZE")
    differ.check("CONFIG", "SET", "maxmemory", "0")


def test_object_freq(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("OBJECT", "FREQ", "k")  # not an LFU policy: the error
    differ.check("OBJECT", "FREQ", "missing")
    differ.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    differ.check("SET", "k2", "v")
    differ.check("OBJECT", "FREQ", "k2")  # LFU_INIT_VAL
    differ.check("GET", "k2")
    differ.check("OBJECT", "FREQ", "k2")  # the first hit always counts
    differ.check("OBJECT", "IDLETIME", "k2")  # LFU: idle time not tracked
    differ.check("OBJECT", "FREQ", "missing")
    differ.check("CONFIG", "SET", "maxmemory-policy", "volatile-lfu")
    differ.check("OBJECT", "FREQ", "k2")
    # (back to LRU, Redis reads the LFU word as an access time; godis starts afresh)


def test_info_fields(diff: Differ) -> None:
    """The eviction counters of INFO stats, in Redis's order."""
    def names(text: bytes) -> list[str]:
        return [line.split(":", 1)[0] for line in text.decode().split("\r\n")
                if ":" in line and "evict" in line]

    mine = names(diff.godis.call("INFO", "stats"))
    theirs = names(diff.redis.call("INFO", "stats"))
    assert mine == theirs


def test_no_eviction_while_loading_or_below_the_limit(diff: Differ) -> None:
    log = propagated(diff)
    diff.godis.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    diff.godis.call("CONFIG", "SET", "maxmemory", "100mb")
    for i in range(100):
        diff.godis.call("SET", f"k{i}", "v")
    assert not [argv for argv in log if argv[0] == b"DEL"]
    assert diff.godis.server.keyspace.stats_evicted_keys == 0


# -- scripts under OOM (scriptVerifyOOM, the shebang flags) ------------------------------------


def test_scripts_under_oom(differ: Differ) -> None:
    differ.check("SET", "k", "v")
    differ.check("FUNCTION", "LOAD", "#!lua name=lib\n"
                 "redis.register_function('setter', function(keys) "
                 "return redis.call('set', keys[1], 'x') end)\n"
                 "redis.register_function{function_name='getter', callback=function(keys) "
                 "return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"
                 "redis.register_function{function_name='forced', callback=function(keys) "
                 "return redis.call('set', keys[1], 'y') end, flags={'allow-oom'}}\n")
    differ.check("CONFIG", "SET", "maxmemory", "1")
    differ.check("EVAL", "return redis.call('set', KEYS[1], 'x')", 1, "k")  # first write
    differ.check("EVAL", "return redis.pcall('set', KEYS[1], 'x')", 1, "k")
    differ.check("EVAL", "return redis.call('get', KEYS[1])", 1, "k")
    differ.check("EVAL", "redis.call('del', KEYS[1]) return redis.call('set', KEYS[1], 'x')",
                 1, "k")  # written already: the script may go on
    differ.check("EVAL", "#!lua\nreturn 1", 0)  # flags declared: refused as denyoom
    differ.check("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, "k")
    differ.check("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'z')",
                 1, "k")
    differ.check("FCALL", "setter", 1, "k")
    differ.check("FCALL", "getter", 1, "k")
    differ.check("FCALL_RO", "getter", 1, "k")
    differ.check("FCALL", "forced", 1, "k")
    differ.check("CONFIG", "SET", "maxmemory", "0")
    differ.check("GET", "k")
    differ.check("FUNCTION", "FLUSH")


def test_restore_freq_under_lfu(differ: Differ) -> None:
    differ.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    differ.check("SET", "k", "v")
    payload = differ.redis.call("DUMP", "k")
    assert payload.startswith(b"$")
    body = payload.split(b"\r\n", 1)[1][:-2]
    differ.check("RESTORE", "k2", "0", body, "FREQ", "100")
    differ.check("OBJECT", "FREQ", "k2")
    differ.check("RESTORE", "k3", "0", body)
    differ.check("OBJECT", "FREQ", "k3")
    differ.check("RESTORE", "k3", "0", body, "REPLACE", "FREQ", "7")
    differ.check("OBJECT", "FREQ", "k3")


def test_debug_reload_keeps_idle_time_and_frequency(tmp_path: Path) -> None:
    """rdbSaveKeyValuePair writes IDLE under an LRU policy and FREQ under an LFU one, and the
    load restores them; under noeviction neither is saved."""
    godis = GodisDirect(Config(appendonly=False, dir=str(tmp_path)))
    godis.call("SET", "k", "v")
    payload = godis.call("DUMP", "k").split(b"\r\n", 1)[1][:-2]
    godis.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    godis.call("RESTORE", "idle", "0", payload, "IDLETIME", "100")
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert godis.call("OBJECT", "IDLETIME", "idle") == b":100\r\n"
    godis.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    godis.call("RESTORE", "freq", "0", payload, "FREQ", "50")
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert godis.call("OBJECT", "FREQ", "freq") == b":50\r\n"
    godis.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
    assert godis.call("DEBUG", "RELOAD") == b"+OK\r\n"
    assert godis.call("OBJECT", "IDLETIME", "idle") == b":0\r\n"


def test_eviction_out_of_time_keeps_running() -> None:
    """Tenacity 0 allows no time: a round stops after 16 keys with EVICT_RUNNING (commands
    still run) and the next rounds (the next command, the cron) carry on until within."""
    clock = [1_000_000_000]
    keyspace = _keyspace(500, clock)
    eviction = keyspace.eviction
    eviction.set_policy("allkeys-random")
    eviction.tenacity = 0
    keyspace.maxmemory = keyspace.used_memory() - 100 * 176
    assert eviction.perform() == EVICT_RUNNING
    assert eviction.running is True
    assert keyspace.stats_evicted_keys == 16
    rounds = 1
    while eviction.perform() != EVICT_OK:
        rounds += 1
    assert rounds >= 6
    assert (eviction.running, eviction.to_free()) == (False, 0)
