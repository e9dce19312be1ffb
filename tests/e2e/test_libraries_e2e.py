"""Python libraries that run on Redis, end to end against godis: the ones that stopped at the
first Lua script before godis had scripting."""

from __future__ import annotations

import datetime

import dramatiq
import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from huey import RedisHuey
from limits import parse, storage, strategies
from rq import Queue, SimpleWorker
from rq.job import JobStatus

from tests.support.server_thread import ServerThread


@pytest.mark.parametrize("strategy", [strategies.MovingWindowRateLimiter,
                                      strategies.FixedWindowRateLimiter,
                                      strategies.SlidingWindowCounterRateLimiter])
def test_limits_rate_limiters(fresh_server: ServerThread,
                              strategy: type[strategies.RateLimiter]) -> None:
    """limits' Redis storage: moving-window acquisition and the sliding-window counter are Lua
    scripts (EVALSHA after SCRIPT LOAD), the fixed window an INCR + EXPIRE."""
    backend = storage.storage_from_string(f"redis://127.0.0.1:{fresh_server.port}")
    limiter = strategy(backend)
    item = parse("3/minute")
    assert [limiter.hit(item, "user", "login") for _ in range(5)] == [True] * 3 + [False] * 2
    assert limiter.get_window_stats(item, "user", "login").remaining == 0
    assert limiter.hit(item, "other-user", "login")
    limiter.clear(item, "user", "login")
    assert limiter.test(item, "user", "login")
    assert limiter.hit(item, "user", "login")


def test_dramatiq_broker_runs_actors(fresh_server: ServerThread) -> None:
    """dramatiq's Redis broker enqueues, fetches, acks and heartbeats through one Lua script
    (dispatch.lua: cjson, redis.call with computed arguments, several keys)."""
    broker = RedisBroker(url=f"redis://127.0.0.1:{fresh_server.port}/0")  # type: ignore[no-untyped-call]
    results: list[int] = []

    def add(x: int, y: int) -> None:
        results.append(x + y)

    actor = dramatiq.actor(broker=broker, max_retries=0)(add)
    for i in range(5):
        actor.send(i, i)
    worker = Worker(broker, worker_timeout=100)
    worker.start()
    try:
        broker.join(actor.queue_name, timeout=10_000)
        worker.join()
    finally:
        worker.stop()
        broker.close()
    assert sorted(results) == [0, 2, 4, 6, 8]


def test_huey_tasks_and_schedule(fresh_server: ServerThread) -> None:
    """huey's RedisHuey: a task's result round trip, and the schedule read by its Lua script
    (ZRANGEBYSCORE + ZREMRANGEBYSCORE in one script)."""
    huey = RedisHuey("godis-test", host="127.0.0.1", port=fresh_server.port)

    def multiply(a: int, b: int) -> int:
        return a * b

    task = huey.task()(multiply)
    result = task(3, 4)
    queued = huey.dequeue()
    assert queued is not None
    huey.execute(queued)
    assert result.get() == 12
    now = datetime.datetime.now()
    huey.storage.add_to_schedule(b"due", now - datetime.timedelta(seconds=1))
    huey.storage.add_to_schedule(b"later", now + datetime.timedelta(seconds=100))
    assert huey.storage.read_schedule(now) == [b"due"]
    assert huey.storage.schedule_size() == 1
    huey.flush()


def test_rq_worker_runs_jobs_and_keeps_results(fresh_server: ServerThread) -> None:
    """rq: enqueue, enqueue_in (its scheduler), a worker in burst mode; the job result is
    written to a stream inside the worker's finishing MULTI and read back."""
    connection = redis.Redis(port=fresh_server.port)
    queue = Queue("default", connection=connection)
    now_job = queue.enqueue(pow, 2, 10)
    later_job = queue.enqueue_in(datetime.timedelta(seconds=0), pow, 3, 3)
    SimpleWorker([queue], connection=connection).work(burst=True, with_scheduler=True)
    assert now_job.get_status(refresh=True) == JobStatus.FINISHED
    assert now_job.return_value(refresh=True) == 1024
    assert later_job.return_value(refresh=True) == 27
    connection.close()
