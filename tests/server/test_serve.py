"""The server in-process under Trio: expiry driven by ``autojump_clock``, shutdown, limits."""

from __future__ import annotations

from pathlib import Path

import trio

from godis.config import Config
from godis.server.serve import serve
from godis.state import ServerState
from tests.support.aof import incr_bytes
from tests.support.resp import AsyncResp, encode_command


async def _start(nursery: trio.Nursery, tmp_path: Path, **settings: object) -> ServerState:
    config = Config(port=0, dir=str(tmp_path), **settings)
    state: ServerState = await nursery.start(serve, config)
    return state


async def test_ttl_expires_with_trio_clock(tmp_path: Path, autojump_clock: trio.abc.Clock) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        client = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        assert await client.call("SET", "short", "v", "PX", "1500") == b"+OK\r\n"
        assert await client.call("SET", "long", "v", "EX", "100") == b"+OK\r\n"
        assert await client.call("PTTL", "short") == b":1500\r\n"
        await trio.sleep(1)
        assert await client.call("GET", "short") == b"$1\r\nv\r\n"
        await trio.sleep(1)
        assert await client.call("EXISTS", "short") == b":0\r\n"
        assert await client.call("TTL", "long") == b":98\r\n"
        state.request_shutdown()
    data = incr_bytes(tmp_path)
    assert b"PXAT" in data
    assert encode_command("DEL", "short") in data  # the expiry is logged as a DEL


async def test_active_expiry_removes_untouched_keys(tmp_path: Path,
                                                   autojump_clock: trio.abc.Clock) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        client = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        for i in range(50):
            await client.call("SET", f"k{i}", "v", "PX", "100")
        await client.call("SET", "keep", "v")
        assert await client.call("DBSIZE") == b":51\r\n"
        await trio.sleep(2)  # nothing reads the keys: only the active cycle can remove them
        assert await client.call("DBSIZE") == b":1\r\n"
        assert state.keyspace.stats_expired_keys == 50
        state.request_shutdown()


async def test_shutdown_lets_the_running_batch_finish(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        stream = await trio.open_tcp_stream("127.0.0.1", state.port)
        pipeline = b"".join(encode_command("HSET", "h", f"f{i}", "v") for i in range(1000))
        await stream.send_all(pipeline + encode_command("SHUTDOWN"))
        received = b""
        while chunk := await stream.receive_some(65536):
            received += chunk
        assert received == b":1\r\n" * 1000
    data = incr_bytes(tmp_path)
    assert data.count(b"HSET") == 1000


async def test_maxclients(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path, maxclients=2)
        first = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        second = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        assert await first.call("PING") == b"+PONG\r\n"
        assert await second.call("PING") == b"+PONG\r\n"
        third = await trio.open_tcp_stream("127.0.0.1", state.port)
        received = b""
        while chunk := await third.receive_some(1024):
            received += chunk
        assert received == b"-ERR max number of clients reached\r\n"
        assert await first.call("PING") == b"+PONG\r\n"
        await first.stream.aclose()
        await trio.sleep(0.2)
        fourth = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        assert await fourth.call("PING") == b"+PONG\r\n"
        state.request_shutdown()


async def test_giant_bulk_claims_cost_nothing(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        claims = []
        for _ in range(5):
            stream = await trio.open_tcp_stream("127.0.0.1", state.port)
            await stream.send_all(b"*2\r\n$3\r\nSET\r\n$500000000\r\n" + b"x" * 100)
            claims.append(stream)
        huge = await trio.open_tcp_stream("127.0.0.1", state.port)
        await huge.send_all(b"*2147483647\r\n")
        other = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        assert await other.call("PING") == b"+PONG\r\n"
        info = await other.call("INFO", "clients")
        assert b"connected_clients:7" in info
        state.request_shutdown()


async def test_idle_clients_are_closed(tmp_path: Path, autojump_clock: trio.abc.Clock) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path, timeout=2)
        idle = await trio.open_tcp_stream("127.0.0.1", state.port)
        subscriber = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        await subscriber.call("SUBSCRIBE", "news")
        busy = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        for _ in range(6):
            await trio.sleep(1)
            assert await busy.call("PING") == b"+PONG\r\n"  # activity keeps it open
        with trio.fail_after(5):
            assert await idle.receive_some(100) == b""  # closed by the server
        assert await subscriber.call("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"  # exempt
        state.request_shutdown()


async def test_client_pause_write_holds_writes_only(tmp_path: Path,
                                                    autojump_clock: trio.abc.Clock) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        admin = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        writer = AsyncResp(await trio.open_tcp_stream("127.0.0.1", state.port))
        assert await admin.call("CLIENT", "PAUSE", "5000", "WRITE") == b"+OK\r\n"
        started = trio.current_time()
        assert await writer.call("GET", "k") == b"$-1\r\n"  # reads go on
        assert trio.current_time() - started < 1
        assert await writer.call("SET", "k", "v") == b"+OK\r\n"  # waited for the pause
        assert trio.current_time() - started >= 5
        assert await admin.call("CLIENT", "PAUSE", "5000") == b"+OK\r\n"
        results: list[bytes] = []

        async def read_during_pause() -> None:
            results.append(await writer.call("GET", "k"))

        nursery.start_soon(read_during_pause)
        await trio.sleep(1)
        assert results == []  # ALL pauses reads too
        assert await admin.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
        await trio.sleep(0.1)
        assert results == [b"$1\r\nv\r\n"]
        state.request_shutdown()


async def test_cross_protocol_requests_are_dropped(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        state = await _start(nursery, tmp_path)
        for request in (b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                        b"Host: example.com\r\nPING\r\n"):
            stream = await trio.open_tcp_stream("127.0.0.1", state.port)
            await stream.send_all(request)
            received = b""
            with trio.fail_after(5):
                while chunk := await stream.receive_some(1024):
                    received += chunk
            assert received == b""
        state.request_shutdown()
