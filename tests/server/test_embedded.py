"""godis.Server (a server in a background thread) and ServerProcess (a child process)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

import godis
from godis.errors import ConfigError
from godis.server import embedded
from godis.server.embedded import Server, ServerProcess, StartError, make_config
from tests.support.aof import incr_bytes


def running(server: Server | ServerProcess) -> bool:
    """``server.running`` read afresh (mypy keeps a property narrowed across a stop())."""
    return server.running


def test_the_package_exports_server() -> None:
    assert godis.Server is Server
    assert godis.StartError is StartError
    assert {"Server", "StartError"} <= set(godis.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = godis.Nope
    assert "Server" in dir(godis)


def test_import_godis_stays_core() -> None:
    """``godis.Server`` is loaded on first use: ``import godis`` loads no shell module."""
    program = ("import sys, godis; print(sorted(m for m in sys.modules "
               "if m.startswith(('godis.server', 'trio'))))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_with_block_serves_and_stops() -> None:
    with godis.Server() as server:
        assert server.running
        assert server.port > 0
        assert server.host == "127.0.0.1"
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = server.client(decode_responses=True)
        assert client.set("k", "v")
        assert client.get("k") == "v"
        assert redis.Redis.from_url(server.url).get("k") == b"v"
        assert server.call(lambda: len(server.state.keyspace.databases[0])) == 1
        client.close()
    assert not running(server)
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=server.port, socket_connect_timeout=1).ping()


def test_start_and_stop_without_with() -> None:
    server = Server(port=0)
    assert not running(server)
    assert repr(server) == "<godis.Server not started>"
    assert server.start() is server
    assert repr(server) == f"<godis.Server 127.0.0.1:{server.port}>"
    with pytest.raises(RuntimeError, match="already started"):
        server.start()
    assert server.client().ping()
    server.stop()
    server.stop()  # idempotent
    assert not running(server)


def test_a_taken_port_raises_in_the_callers_thread() -> None:
    with Server() as first:
        taken = Server(port=first.port)
        with pytest.raises(StartError, match="Address already in use") as caught:
            taken.start()
        assert isinstance(caught.value.__cause__, ConfigError)
        assert str(caught.value.__cause__) == (
            f"Could not create server TCP listening socket 127.0.0.1:{first.port}: "
            "Address already in use")
        assert not taken.running
        taken.stop()  # nothing to stop, no error
        assert first.client().ping()


def test_settings_are_validated_like_a_config_file() -> None:
    with pytest.raises(ConfigError, match="argument couldn't be parsed into an integer"):
        Server(databases="many")
    with pytest.raises(ConfigError, match="Bad directive"):
        Server(no_such_directive=1)
    config = make_config({"notify_keyspace_events": "KEA", "appendonly": True,
                          "dir": Path("/tmp"), "hz": 50})
    assert config.show("notify-keyspace-events") == "AKE"
    assert config.appendonly is True
    assert config.dir == "/tmp"
    assert config["hz"] == 50
    assert make_config().appendonly is False  # embedding: no AOF unless asked for


def test_without_dir_nothing_in_the_current_directory_is_touched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dump.rdb").write_bytes(b"not an rdb file")
    monkeypatch.chdir(tmp_path)
    with godis.Server() as server:
        private = Path(server.config.dir)
        assert private != tmp_path
        assert private.is_dir()
        client = server.client()
        assert client.dbsize() == 0  # ./dump.rdb was not loaded
        assert client.save()
        assert (private / "dump.rdb").exists()
        client.close()
    assert not private.exists()  # removed at stop
    assert (tmp_path / "dump.rdb").read_bytes() == b"not an rdb file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dump.rdb"]


def test_config_file_then_keywords(tmp_path: Path) -> None:
    conf = tmp_path / "redis.conf"
    conf.write_text("databases 4\nhz 20\n")
    with Server(config_file=conf, hz=30) as server:
        client = server.client(decode_responses=True)
        assert client.config_get("databases") == {"databases": "4"}
        assert client.config_get("hz") == {"hz": "30"}
        client.close()


def test_password_goes_into_url_and_client() -> None:
    with Server(requirepass="s3 cret") as server:
        assert server.url == f"redis://:s3%20cret@127.0.0.1:{server.port}/0"
        assert server.client().ping()
        assert redis.Redis.from_url(server.url).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=server.port).get("k")


def test_stop_writes_and_fsyncs_the_aof(tmp_path: Path) -> None:
    with Server(appendonly=True, dir=tmp_path, appendfsync="no") as server:
        client = server.client()
        client.set("kept", "yes")
        client.rpush("list", "a", "b")
        client.close()
    assert b"kept" in incr_bytes(tmp_path)
    with Server(appendonly=True, dir=tmp_path) as restarted:
        client = restarted.client(decode_responses=True)
        assert client.get("kept") == "yes"
        assert client.lrange("list", 0, -1) == ["a", "b"]
        client.close()


def test_interpreter_exit_stops_the_server_cleanly(tmp_path: Path) -> None:
    """No stop(), no with: the atexit hook shuts the server down and the AOF is complete."""
    program = textwrap.dedent(f"""
        import godis
        server = godis.Server(appendonly=True, dir={str(tmp_path)!r}, appendfsync="no").start()
        client = server.client()
        for i in range(100):
            client.set(f"key:{{i}}", i)
        print(server.port)
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip().isdigit()
    with Server(appendonly=True, dir=tmp_path) as restarted:
        assert restarted.client().dbsize() == 100


def test_an_asyncio_program_uses_the_thread_form() -> None:
    async def main(url: str) -> list[object]:
        client = aioredis.Redis.from_url(url)
        await client.set("a", "1")
        counts = await asyncio.gather(*(client.incr("a") for _ in range(10)))  # concurrent
        final = await client.get("a")
        await client.aclose()
        return [*sorted(counts), final]

    with godis.Server() as server:
        assert asyncio.run(main(server.url)) == [*range(2, 12), b"11"]


def test_shutdown_command_ends_the_thread() -> None:
    server = Server().start()
    server.client().shutdown(nosave=True)  # redis-py takes the dropped connection as success
    server.stop()
    assert not running(server)


def test_bind_any_address_connects_through_loopback() -> None:
    assert embedded._connect_host("0.0.0.0") == "127.0.0.1"
    assert embedded._connect_host("-::1 127.0.0.1") == "::1"
    assert embedded._url("::1", 7000, "") == "redis://[::1]:7000/0"


def test_server_process(tmp_path: Path) -> None:
    with ServerProcess(tmp_path, appendonly=True, appendfsync="always") as child:
        assert child.running
        assert child.url == f"redis://127.0.0.1:{child.port}/0"
        client = child.client(decode_responses=True)
        info = client.info("server")
        assert child.process is not None
        assert info["process_id"] == child.process.pid
        client.set("k", "v")
        client.close()
    assert not running(child)
    assert "godis.conf" in {path.name for path in tmp_path.iterdir()}
    with ServerProcess(tmp_path, appendonly=True) as restarted:
        assert restarted.client().get("k") == b"v"


def test_server_process_on_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(StartError, match="Address already in use"):
            ServerProcess(tmp_path, port=port, start_timeout=20).start()
