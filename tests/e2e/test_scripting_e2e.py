"""Scripts and functions through redis-py, as the libraries that need them use them: the
``Lock`` (acquire, extend, reacquire, release are Lua), ``register_script`` (EVALSHA, then
EVAL on NOSCRIPT), pipelines of scripts, functions, and a runaway script killed by SCRIPT KILL
while other clients get -BUSY. Scripts written to the AOF come back after a restart."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import LockError, NoScriptError, ResponseError

from tests.support.aof import base_file
from tests.support.redispy import execute_command, no_retry, wait_for_background, watch
from tests.support.server_thread import ServerThread, running_server


def test_redis_py_lock(client: redis.Redis) -> None:
    lock = client.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert not client.lock("resource", timeout=10).acquire(blocking=False)
    assert lock.extend(5)
    ttl = client.pttl("resource")
    assert 10_000 < ttl <= 15_000
    assert lock.reacquire()
    assert 9_000 < client.pttl("resource") <= 10_000
    lock.release()
    assert client.get("resource") is None
    with pytest.raises(LockError):
        lock.release()
    with client.lock("resource", timeout=5, blocking_timeout=1):
        assert client.exists("resource") == 1
    assert client.exists("resource") == 0


def test_register_script_falls_back_to_eval(client: redis.Redis) -> None:
    client.script_flush()
    incrby = client.register_script(
        "local v = redis.call('incrby', KEYS[1], ARGV[1]) return {v, redis.call('type', KEYS[1])}")
    assert incrby(keys=["counter"], args=[5]) == [5, "string"]
    assert incrby(keys=["counter"], args=[2]) == [7, "string"]
    assert client.script_exists(incrby.sha) == [True]
    with pytest.raises(NoScriptError):
        client.evalsha("0" * 40, 0)
    pipe = client.pipeline()
    incrby(keys=["counter"], args=[1], client=pipe)
    incrby(keys=["other"], args=[3], client=pipe)
    assert pipe.execute() == [[8, "string"], [3, "string"]]
    with pytest.raises(ResponseError, match="Script attempted to access nonexistent global"):
        client.eval("return undefined_name", 0)


def test_functions_through_redis_py(client: redis.Redis) -> None:
    client.function_flush()
    code = ("#!lua name=counters\n"
            "redis.register_function('bump', function(keys, args) "
            "return redis.call('incrby', keys[1], args[1]) end)\n"
            "redis.register_function{function_name='peek', flags={'no-writes'}, "
            "callback=function(keys) return redis.call('get', keys[1]) end}")
    assert client.function_load(code) == "counters"
    assert client.fcall("bump", 1, "c", 4) == 4
    assert client.fcall_ro("peek", 1, "c") == "4"
    with pytest.raises(ResponseError, match=r"Can not execute a script with write flag"):
        client.fcall_ro("bump", 1, "c", 1)
    listed = client.function_list()
    assert "counters" in (listed[0]["library_name"] if isinstance(listed[0], dict)
                          else listed[0])
    assert client.function_delete("counters")
    assert client.function_list() == []


def test_a_runaway_script_is_killed_while_others_get_busy() -> None:
    with running_server(appendonly=False) as server:
        admin = redis.Redis(port=server.port, decode_responses=True)
        admin.config_set("busy-reply-threshold", 100)
        outcome: list[BaseException | object] = []

        def runaway() -> None:
            looping = redis.Redis(port=server.port, decode_responses=True)
            try:
                outcome.append(looping.eval("local i = 0 while true do i = i + 1 end", 0))
            except redis.RedisError as error:
                outcome.append(error)
            finally:
                looping.close()

        thread = threading.Thread(target=runaway)
        thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                admin.ping()
            except ResponseError as error:
                busy = str(error)
                break
            assert time.monotonic() < deadline, "the script never became busy"
            time.sleep(0.05)
        assert busy.startswith("BUSY Redis is busy running a script. You can only call SCRIPT "
                               "KILL or SHUTDOWN NOSAVE.")
        with pytest.raises(ResponseError, match="BUSY"):
            admin.function_kill()
        assert admin.script_kill()
        thread.join(10)
        assert not thread.is_alive()
        assert isinstance(outcome[0], ResponseError)
        assert "Script killed by user with SCRIPT KILL..." in str(outcome[0])
        assert admin.ping() is True
        with pytest.raises(ResponseError, match="NOTBUSY"):
            admin.script_kill()
        admin.close()


def test_script_writes_survive_a_restart(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.eval("redis.call('set', 'a', '1') redis.call('rpush', 'l', 'x', 'y') "
               "return redis.call('incr', 'a')", 0)
        r.function_load("#!lua name=lib\nredis.register_function('f', function() return 7 end)")
        r.close()
    with running_server(dir=str(tmp_path), appendonly=True) as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        assert r.get("a") == "2"
        assert r.lrange("l", 0, -1) == ["x", "y"]
        assert r.fcall("f", 0) == 7
        r.close()


def test_server_thread_fixture_is_usable(fresh_server: ServerThread) -> None:
    """The AOF-backed fixture server runs scripts too."""
    r = redis.Redis(port=fresh_server.port)
    assert r.eval("return ARGV[1]", 0, "x") == b"x"
    r.close()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rewrite_and_reload_keep_function_libraries(tmp_path: Path, preamble: str) -> None:
    """BGREWRITEAOF writes each library as its FUNCTION LOAD (rewriteFunctions); DEBUG RELOAD
    and a restart bring them back."""
    code = "#!lua name=kept\nredis.register_function('k', function() return 'still here' end)"
    with running_server(dir=str(tmp_path), appendonly=True,
                        aof_use_rdb_preamble=preamble == "yes") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.function_load(code)
        r.set("x", "1")
        r.bgrewriteaof()
        wait_for_background(r)
        assert execute_command(r, "DEBUG", "RELOAD") == "OK"
        assert r.fcall("k", 0) == "still here"
        r.close()
    base = base_file(tmp_path).read_bytes()
    if preamble == "yes":  # the RDB's function record
        assert base.startswith(b"REDIS")
        assert b"register_function" in base
    else:
        assert base.startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n")
    with running_server(dir=str(tmp_path), appendonly=True) as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        assert r.fcall("k", 0) == "still here"
        assert r.get("x") == "1"
        r.close()


def test_a_script_that_wrote_is_unkillable_and_shutdown_nosave_stops_it() -> None:
    with running_server(appendonly=False) as server:
        admin = redis.Redis(port=server.port, decode_responses=True, retry=no_retry())
        admin.config_set("busy-reply-threshold", 50)
        outcome: list[object] = []

        def writer_then_loop() -> None:
            looping = redis.Redis(port=server.port, decode_responses=True, retry=no_retry())
            try:
                outcome.append(looping.eval("redis.call('set', 'w', '1') while true do end", 0))
            except redis.RedisError as error:
                outcome.append(error)

        thread = threading.Thread(target=writer_then_loop)
        thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                admin.ping()
            except ResponseError:
                break
            assert time.monotonic() < deadline, "the script never became busy"
            time.sleep(0.05)
        with pytest.raises(ResponseError, match="UNKILLABLE Sorry the script already executed "
                           "write commands against the dataset"):
            admin.script_kill()
        with pytest.raises(redis.ConnectionError):
            execute_command(admin, "SHUTDOWN", "NOSAVE")
        thread.join(10)
        assert not thread.is_alive()
        server.stop()  # returns at once: SHUTDOWN NOSAVE already ended the server
        assert server.state is not None
        assert server.state.shutdown_requested


def test_the_asyncio_lock(fresh_server: ServerThread) -> None:
    async def main() -> None:
        client = AsyncRedis(port=fresh_server.port)
        try:
            lock = client.lock("async-resource", timeout=5)
            assert await lock.acquire(blocking=False)
            other = client.lock("async-resource", timeout=5, blocking_timeout=0.2)
            assert not await other.acquire()
            assert await lock.extend(5)
            assert await lock.reacquire()
            await lock.release()
            assert await client.exists("async-resource") == 0
        finally:
            await client.aclose()

    asyncio.run(main())


def test_restart_replays_scripts_to_the_same_digest(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        r.eval("for i = 1, 50 do redis.call('hset', 'h' .. (i % 5), 'f' .. i, i) "
               "redis.call('zadd', 'z', i / 3, 'm' .. i) end "
               "redis.call('spop', 'nothing') redis.call('set', 'ttl', 1, 'EX', 1000)", 0)
        before = execute_command(r, "DEBUG", "DIGEST")
        r.close()
    with running_server(dir=str(tmp_path), appendonly=True) as restarted:
        r = redis.Redis(port=restarted.port)
        assert execute_command(r, "DEBUG", "DIGEST") == before
        r.close()


def test_scripts_wake_blocked_clients_and_abort_watchers(fresh_server: ServerThread) -> None:
    """A push inside a script serves a client blocked in BLPOP once the script ends; a key a
    script writes makes another client's WATCH fail."""
    port = fresh_server.port
    r = redis.Redis(port=port, decode_responses=True)
    popped: list[object] = []

    def blocked_pop() -> None:
        waiting = redis.Redis(port=port, decode_responses=True)
        popped.append(waiting.blpop(["jobs"], timeout=10))
        waiting.close()

    thread = threading.Thread(target=blocked_pop)
    thread.start()
    deadline = time.monotonic() + 10
    while r.info("clients")["blocked_clients"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert r.eval("return redis.call('rpush', KEYS[1], ARGV[1])", 1, "jobs", "job-1") == 1
    thread.join(10)
    assert [list(item) for item in popped if isinstance(item, (list, tuple))] == [["jobs", "job-1"]]

    watcher = redis.Redis(port=port, decode_responses=True)
    pipe = watcher.pipeline()
    watch(pipe, "balance")
    r.eval("return redis.call('incrby', KEYS[1], 10)", 1, "balance")
    pipe.multi()
    pipe.set("balance", "0")
    with pytest.raises(redis.WatchError):
        pipe.execute()
    assert r.get("balance") == "10"
    watcher.close()
    r.close()


def test_function_libraries_live_in_the_rdb(tmp_path: Path) -> None:
    """SAVE writes the libraries into dump.rdb (RDB_OPCODE_FUNCTION2); a restart without the
    AOF loads them back; DEBUG RELOAD through the RDB keeps them."""
    code = "#!lua name=snap\nredis.register_function('s', function() return 'from rdb' end)"
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.function_load(code)
        assert r.save()
        assert execute_command(r, "DEBUG", "RELOAD") == "OK"
        assert r.fcall("s", 0) == "from rdb"
        r.close()
    with running_server(dir=str(tmp_path), appendonly=False) as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        assert r.fcall("s", 0) == "from rdb"
        r.close()
