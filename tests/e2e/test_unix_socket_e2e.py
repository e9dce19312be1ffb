"""``unixsocket`` / ``unixsocketperm``: redis-py and redis-cli over a Unix socket, compared
with a real redis-server listening on one."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import redis

import godis
from godis.errors import ConfigError
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server

REDIS_CLI = shutil.which("redis-cli")

# The fields of CLIENT LIST/INFO that describe the connection (the rest is per-client noise).
FIELDS = ("addr", "laddr", "flags", "db", "user", "resp")


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    """A short directory for socket paths (sun_path holds 107 bytes; tmp_path can be long)."""
    directory = Path(f"/tmp/godis-unix-{os.getpid()}-{id(object())}")
    directory.mkdir()
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _fields(info: Mapping[str, object]) -> dict[str, str]:
    return {name: str(info[name]) for name in FIELDS}


def test_redis_py_over_the_socket(sock_dir: Path) -> None:
    path = str(sock_dir / "godis.sock")
    with godis.Server(unixsocket=path, unixsocketperm=700) as server:
        assert server.unixsocket == path
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
        for protocol in (2, 3):
            client = redis.Redis(unix_socket_path=path, protocol=protocol, decode_responses=True)
            assert client.set("k", "v")
            assert client.get("k") == "v"
            assert _fields(client.client_info()) == {
                "addr": f"{path}:0", "laddr": f"{path}:0", "flags": "U", "db": "0",
                "user": "default", "resp": str(protocol)}
            client.close()
        tcp = server.client(decode_responses=True)
        assert tcp.get("k") == "v"  # the same server on both listeners
        assert tcp.client_info()["flags"] == "N"
        assert tcp.config_get("unixsocket*") == {"unixsocket": path, "unixsocketperm": "700"}
        tcp.close()
    assert not os.path.exists(path)  # removed at shutdown, as Redis does


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_client_fields_and_config_match_redis(sock_dir: Path) -> None:
    redis_path, godis_path = str(sock_dir / "redis.sock"), str(sock_dir / "godis.sock")
    with redis_server("--unixsocket", redis_path, "--unixsocketperm", "750"), \
            godis.Server(unixsocket=godis_path, unixsocketperm="750"):
        real = redis.Redis(unix_socket_path=redis_path, protocol=2, decode_responses=True)
        ours = redis.Redis(unix_socket_path=godis_path, protocol=2, decode_responses=True)
        for client, path in ((real, redis_path), (ours, godis_path)):
            client.set("x", "1")
            client.select(2)
            info = client.client_info()
            assert _fields(info) == {"addr": f"{path}:0", "laddr": f"{path}:0", "flags": "U",
                                     "db": "2", "user": "default", "resp": "2"}
            listed = client.client_list()
            assert [entry["addr"] for entry in listed] == [f"{path}:0"]
            assert client.config_get("unixsocketperm") == {"unixsocketperm": "750"}
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o750
        for setting in ("unixsocket", "unixsocketperm"):
            errors = []
            for client in (real, ours):
                with pytest.raises(redis.ResponseError) as caught:
                    client.config_set(setting, "/tmp/elsewhere" if setting == "unixsocket" else "777")
                errors.append(str(caught.value))
            assert errors[0] == errors[1]
        real.close()
        ours.close()


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
def test_redis_cli_dash_s(sock_dir: Path) -> None:
    path = str(sock_dir / "godis.sock")
    assert REDIS_CLI is not None
    with godis.Server(unixsocket=path):
        def cli(*args: str) -> str:
            done = subprocess.run([REDIS_CLI, "-s", path, *args], capture_output=True,
                                  text=True, timeout=20, check=True)
            return done.stdout.strip()

        assert cli("PING") == "PONG"
        assert cli("SET", "greeting", "hello") == "OK"
        assert cli("GET", "greeting") == "hello"
        assert f"addr={path}:0 laddr={path}:0" in cli("CLIENT", "INFO")
        assert " flags=U " in cli("CLIENT", "INFO")


def test_a_stale_socket_is_replaced(sock_dir: Path) -> None:
    path = str(sock_dir / "godis.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a killed server leaves behind
    with godis.Server(unixsocket=path) as server:
        assert redis.Redis(unix_socket_path=path).ping()
        assert server.running


def test_a_file_that_is_not_a_socket_is_left_alone(sock_dir: Path) -> None:
    path = sock_dir / "data.txt"
    path.write_text("precious")
    with pytest.raises(godis.StartError,
                       match="Failed opening Unix socket: bind: Address already in use"):
        godis.Server(unixsocket=str(path)).start()
    assert path.read_text() == "precious"


def test_start_errors_are_redis_texts(sock_dir: Path) -> None:
    with pytest.raises(godis.StartError) as caught:
        godis.Server(unixsocket=str(sock_dir / "missing" / "godis.sock")).start()
    # redis-server 7.0.15: "Failed opening Unix socket: bind: No such file or directory"
    assert str(caught.value.__cause__) == (
        "Failed opening Unix socket: bind: No such file or directory")
    long_path = "/tmp/" + "x" * 120
    with pytest.raises(godis.StartError) as caught:
        godis.Server(unixsocket=long_path).start()
    assert str(caught.value.__cause__) == (
        f"Failed opening Unix socket: unix socket path too long ({len(long_path)}), "
        "must be under 108")


def test_unixsocketperm_parsing_matches_redis() -> None:
    # redis-server --unixsocketperm 999 / abc / 1000 (7.0.15's messages)
    for text in ("999", "abc"):
        with pytest.raises(ConfigError, match=r"^argument couldn't be parsed as an octal number$"):
            godis.Server(unixsocketperm=text)
    with pytest.raises(ConfigError, match=r"^argument must be between 0 and 777 inclusive$"):
        godis.Server(unixsocketperm="1000")
    server = godis.Server(unixsocketperm="0755")
    assert server.config.show("unixsocketperm") == "755"
    assert godis.Server().config.show("unixsocketperm") == "0"
    assert godis.Server().unixsocket is None
