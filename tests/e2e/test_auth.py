"""Authentication flows over real sockets with redis-py: requirepass, ACL users, HELLO AUTH."""

from __future__ import annotations

import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.support import redispy
from tests.support.server_thread import ServerThread, running_server


def _client(server: ServerThread, protocol: int, *, username: str | None = None,
            password: str | None = None) -> redis.Redis:
    """redis-py without retries: it retries AuthenticationError (a ConnectionError)."""
    return redis.Redis(port=server.port, protocol=protocol, decode_responses=True,
                       retry=Retry(NoBackoff(), 0), username=username, password=password)


@pytest.mark.parametrize("protocol", [2, 3])
def test_requirepass(protocol: int) -> None:
    with running_server(requirepass="s3cret") as server:
        anonymous = _client(server, protocol=2)
        with pytest.raises(redis.AuthenticationError):
            anonymous.get("k")
        with pytest.raises(redis.AuthenticationError):
            _client(server, protocol, password="wrong").ping()
        good = _client(server, protocol, password="s3cret")
        assert good.set("k", "v")
        assert good.get("k") == "v"
        assert good.acl_whoami() == "default"
        named = _client(server, protocol, username="default", password="s3cret")
        assert named.get("k") == "v"
        # CONFIG SET requirepass changes the default user's password
        good.config_set("requirepass", "other")
        assert _client(server, protocol, password="other").get("k") == "v"
        with pytest.raises(redis.AuthenticationError):
            _client(server, protocol, password="s3cret").ping()
        good.config_set("requirepass", "")
        assert _client(server, protocol).get("k") == "v"


@pytest.mark.parametrize("protocol", [2, 3])
def test_acl_user_end_to_end(r: redis.Redis, fresh_server: ServerThread, protocol: int) -> None:
    assert r.acl_setuser("bob", enabled=True, passwords=["+pw"], keys=["k*"],
                         commands=["+get", "+set", "+@list", "-lpop", "+acl|whoami"])
    bob = _client(fresh_server, protocol, username="bob", password="pw")
    assert bob.acl_whoami() == "bob"
    assert bob.set("k1", "v")
    assert bob.get("k1") == "v"
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to access one of the keys"):
        bob.get("x")
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to run the 'lpop' command"):
        bob.lpop("k2")
    with pytest.raises(redis.exceptions.NoPermissionError,
                       match="no permissions to run the 'incrby' command"):
        bob.incr("k3")
    assert bob.rpush("k2", "a") == 1
    with pytest.raises(redis.AuthenticationError):
        _client(fresh_server, protocol, username="bob", password="nope").ping()
    info = r.acl_getuser("bob")
    assert info is not None
    keys: object = info["keys"]  # redis-py 8 types it as a list; a plain string passes too
    assert keys == ["~k*"] or keys == "~k*"
    log = r.acl_log()
    assert {entry["reason"] for entry in log} >= {"key", "command", "auth"}
    assert r.acl_deluser("bob") == 1


def test_hello_3_auth(fresh_server: ServerThread) -> None:
    from tests.support.resp import RespConnection, parse_reply

    admin = _client(fresh_server, 2)
    admin.acl_setuser("carol", enabled=True, nopass=True, commands=["+@all"], keys=["*"])
    # raw RESP: a RESP2 redis-py connection cannot parse the RESP3 map HELLO 3 answers with
    # (unless hiredis is installed)
    conn = RespConnection("127.0.0.1", fresh_server.port)
    reply = parse_reply(conn.call("HELLO", "3", "AUTH", "carol", "anything"))
    assert isinstance(reply, tuple)
    fields = dict(zip(reply[1][::2], reply[1][1::2], strict=True))
    assert fields[b"proto"] == 3
    assert conn.call("ACL", "WHOAMI") == b"$5\r\ncarol\r\n"
    assert conn.call("HELLO", "3", "AUTH", "nobody", "x") == (
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
    conn.close()
    # and through redis-py's own RESP3 handshake
    carol = _client(fresh_server, 3, username="carol", password="anything")
    assert carol.acl_whoami() == "carol"


def test_off_user_cannot_authenticate(fresh_server: ServerThread) -> None:
    admin = _client(fresh_server, 2)
    admin.acl_setuser("dave", enabled=False, passwords=["+pw"], commands=["+@all"], keys=["*"])
    with pytest.raises(redis.AuthenticationError):
        _client(fresh_server, 3, username="dave", password="pw").ping()
    admin.acl_setuser("dave", enabled=True)
    assert _client(fresh_server, 3, username="dave", password="pw").ping()


def _wait_disconnected(conn: redis.Redis) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            conn.ping()
        except redis.ConnectionError:
            return
        time.sleep(0.05)
    raise AssertionError("still connected")


def test_deluser_disconnects_its_clients(fresh_server: ServerThread) -> None:
    admin = _client(fresh_server, 2)
    admin.acl_setuser("erin", enabled=True, passwords=["+pw"], commands=["+@all"], keys=["*"])
    erin = _client(fresh_server, 2, username="erin", password="pw")
    assert erin.ping()
    assert admin.acl_deluser("erin") == 1
    _wait_disconnected(erin)
    assert admin.ping()


def _drain(pubsub: redis.client.PubSub) -> None:
    for _ in range(50):
        pubsub.get_message(timeout=0.1)


def test_revoked_channel_disconnects_subscriber(fresh_server: ServerThread) -> None:
    admin = _client(fresh_server, 2)
    admin.acl_setuser("sub", enabled=True, nopass=True, commands=["+@all"], keys=["*"],
                      channels=["a*"], reset_channels=True)
    conn = _client(fresh_server, 2, username="sub", password="x")
    pubsub = redispy.pubsub(conn)
    pubsub.subscribe("ab")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    with pytest.raises(redis.exceptions.NoPermissionError):
        conn.publish("zz", "m")
    admin.acl_setuser("sub", reset_channels=True, channels=["b"])
    with pytest.raises(redis.ConnectionError):
        _drain(pubsub)
    admin.acl_deluser("sub")


def _raw_exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` in one write; everything the server sends until it closes (or 1 s)."""
    import socket

    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        sock.settimeout(1.0)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


# Regression (issue 11, defect 8): with a password set, godis answered the GET of an HTTP
# request before closing on ``Host:``; it used the HELLO text of a later Redis; an unknown
# command name was not cut at its NUL byte as Redis's C string is.
_BEFORE_AUTH_CASES = [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n",
    b"*1\r\n$7\r\nfo\x00obar\r\n",
    b"AUTH pw\r\n*2\r\n$7\r\nfo\x00obar\r\n$3\r\na\x00b\r\nPING\r\n",
]


@pytest.mark.parametrize("data", _BEFORE_AUTH_CASES)
def test_unauthenticated_replies_match_redis(data: bytes) -> None:
    from tests.support.redis_server import REDIS_SERVER, redis_server

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    with redis_server("--requirepass", "pw") as redis_port, \
            running_server(requirepass="pw") as server:
        assert _raw_exchange(server.port, data) == _raw_exchange(redis_port, data)
