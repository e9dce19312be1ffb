"""Streams through redis-py, as a job system uses them: produce, consume in a group, ack,
reclaim the stuck, inspect; blocking reads served by another client; the asyncio client;
an rq-style MULTI that writes a result into a stream; a restart keeps it all."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis

from tests.support.server_thread import ServerThread, running_server


def test_produce_consume_ack_autoclaim(client: Any) -> None:
    """(``Any``: redis-py's stream stubs do not describe decoded replies.)"""
    ids = [client.xadd("jobs", {"n": str(n)}, id=f"{n}-0") for n in range(1, 6)]
    assert ids == ["1-0", "2-0", "3-0", "4-0", "5-0"]
    assert client.xlen("jobs") == 5
    assert client.xrange("jobs", count=2) == [("1-0", {"n": "1"}), ("2-0", {"n": "2"})]
    assert client.xrevrange("jobs", count=1) == [("5-0", {"n": "5"})]
    assert client.xgroup_create("jobs", "workers", id="0") is True
    got = client.xreadgroup("workers", "w1", {"jobs": ">"}, count=3)
    entries = got["jobs"][0] if isinstance(got, dict) else got[0][1]
    assert [entry_id for entry_id, _ in entries] == ["1-0", "2-0", "3-0"]
    assert client.xack("jobs", "workers", "1-0", "2-0") == 2
    pending = client.xpending("jobs", "workers")
    assert pending["pending"] == 1
    assert pending["min"] == pending["max"] == "3-0"
    assert pending["consumers"] == [{"name": "w1", "pending": 1}]
    detail = client.xpending_range("jobs", "workers", min="-", max="+", count=10)
    assert [(d["message_id"], d["consumer"], d["times_delivered"]) for d in detail] == [
        ("3-0", "w1", 1)]
    claimed = client.xautoclaim("jobs", "workers", "w2", min_idle_time=0, start_id="0-0")
    assert claimed[0] == "0-0"
    assert [entry_id for entry_id, _ in claimed[1]] == ["3-0"]
    assert client.xclaim("jobs", "workers", "w1", 0, ["3-0"], justid=True) == ["3-0"]
    groups = client.xinfo_groups("jobs")
    assert groups[0]["name"] == "workers"
    assert groups[0]["pending"] == 1
    assert groups[0]["last-delivered-id"] == "3-0"
    assert groups[0]["lag"] == 2
    consumers = {c["name"]: c["pending"] for c in client.xinfo_consumers("jobs", "workers")}
    assert consumers == {"w1": 1, "w2": 0}
    info = client.xinfo_stream("jobs")
    assert info["length"] == 5
    assert info["first-entry"] == ("1-0", {"n": "1"})
    full = client.xinfo_stream("jobs", full=True)
    assert full["entries-added"] == 5
    assert client.xdel("jobs", "1-0") == 1
    assert client.xtrim("jobs", maxlen=2, approximate=False) == 2
    assert [entry_id for entry_id, _ in client.xrange("jobs")] == ["4-0", "5-0"]
    assert client.type("jobs") == "stream"
    auto = client.xadd("jobs", {"n": "6"})
    assert int(auto.split("-")[0]) > 5


def test_blocking_xread_served_by_another_client(godis_server: ServerThread) -> None:
    result: list[object] = []

    def reader() -> None:
        r = redis.Redis(port=godis_server.port, decode_responses=True)
        result.append(r.xread({"events": "$"}, block=0))
        r.close()

    thread = threading.Thread(target=reader)
    thread.start()
    r = redis.Redis(port=godis_server.port, decode_responses=True)
    deadline = time.monotonic() + 5
    while int(r.info("clients")["blocked_clients"]) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    r.xadd("events", {"kind": "hello"}, id="7-1")
    thread.join(5)
    got = result[0]
    entries = got["events"][0] if isinstance(got, dict) else got[0][1]  # type: ignore[index]
    assert entries == [("7-1", {"kind": "hello"})]
    assert r.xread({"events": "0"}, block=50, count=1) != []
    assert r.xread({"events": "$"}, block=50) in ([], {}, None)
    r.close()


def test_asyncio_consumer_group(godis_server: ServerThread) -> None:
    async def main() -> None:
        r: Any = aioredis.Redis(port=godis_server.port, decode_responses=True)
        await r.xgroup_create("q", "g", id="$", mkstream=True)
        waiting: Any = asyncio.create_task(r.xreadgroup("g", "c", {"q": ">"}, block=5000))
        producer = aioredis.Redis(port=godis_server.port, decode_responses=True)
        await asyncio.sleep(0.1)
        await producer.xadd("q", {"job": "1"}, id="1-1")
        got = await waiting
        entries = got["q"][0] if isinstance(got, dict) else got[0][1]
        assert entries == [("1-1", {"job": "1"})]
        assert await r.xack("q", "g", "1-1") == 1
        await producer.aclose()
        await r.aclose()

    asyncio.run(main())


def test_result_written_to_a_stream_inside_multi_survives_restart(tmp_path: Path) -> None:
    """rq finishes a job in a MULTI that XADDs its result; then the server restarts."""
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        with r.pipeline(transaction=True) as pipe:
            pipe.hset("job:1", "status", "finished")
            pipe.xadd("results:1", {"type": "1", "result": "42"}, maxlen=10)
            pipe.expire("results:1", 500)
            replies = pipe.execute()
        assert replies[0] == 1
        r.xgroup_create("results:1", "readers", id="0")
        r.xreadgroup("readers", "me", {"results:1": ">"})
        before = r.xinfo_stream("results:1", full=True)
        r.close()
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        after = r.xinfo_stream("results:1", full=True)
        assert after["entries"] == before["entries"]
        assert after["last-generated-id"] == before["last-generated-id"]
        group_before, group_after = before["groups"][0], after["groups"][0]
        assert group_after["pel-count"] == group_before["pel-count"] == 1
        assert group_after["pending"] == group_before["pending"]
        assert 0 < r.ttl("results:1") <= 500
        r.close()


def test_blocked_xreadgroup_unblocked_when_its_stream_expires(godis_server: ServerThread) -> None:
    """The active expire cycle deletes the key: UNBLOCKED, as Redis (dbGenericDelete)."""
    r = redis.Redis(port=godis_server.port, decode_responses=True)
    r.xgroup_create("expiring", "g", id="$", mkstream=True)
    errors: list[str] = []

    def reader() -> None:
        client = redis.Redis(port=godis_server.port, decode_responses=True)
        try:
            client.xreadgroup("g", "c", {"expiring": ">"}, block=0)
        except redis.ResponseError as error:
            errors.append(str(error))
        client.close()

    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 5
    while int(r.info("clients")["blocked_clients"]) != 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    r.pexpire("expiring", 50)
    thread.join(5)
    assert errors == ["UNBLOCKED the stream key no longer exists"]
    r.close()
