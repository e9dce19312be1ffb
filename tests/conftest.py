"""Shared fixtures: a real redis-server for differential tests, and godis in-process.

godis's own pytest plugin is loaded here too (as the ``pytest11`` entry point does once the
package is installed), so its fixtures (``godis_server``: one per session, ``godis_client``,
...) are available and the suite's own never share their names: ``fresh_server`` is a new
server per test, AOF on in the test's temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, settings

from tests.support.differential import Differ, GodisDirect
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.resp import RespConnection, parse_reply
from tests.support.server_thread import ServerThread, running_server

# Shared, noisy CI machines: no per-example deadlines, and slow data generation is not a failure.
pytest_plugins = ["godis.pytest_plugin", "pytester"]

settings.register_profile("godis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("godis")


@pytest.fixture(scope="session")
def _redis_session() -> Iterator[tuple[int, dict[bytes, bytes]]]:
    """One real redis-server (Debian's 7.0) for the whole session, and its initial config."""
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    with redis_server() as port:
        conn = RespConnection("127.0.0.1", port)
        items = parse_reply(conn.call("CONFIG", "GET", "*"))
        conn.close()
        assert isinstance(items, list)
        yield port, dict(zip(items[::2], items[1::2], strict=True))


@pytest.fixture(scope="session")
def redis_session_port(_redis_session: tuple[int, dict[bytes, bytes]]) -> int:
    """The session's redis-server port, for wider-scoped fixtures (no config restore)."""
    return _redis_session[0]


@pytest.fixture
def redis_port(_redis_session: tuple[int, dict[bytes, bytes]]) -> Iterator[int]:
    """The session's redis-server; settings a test changed are put back afterwards."""
    port, initial = _redis_session
    yield port
    conn = RespConnection("127.0.0.1", port)
    items = parse_reply(conn.call("CONFIG", "GET", "*"))
    assert isinstance(items, list)
    for name, value in zip(items[::2], items[1::2], strict=True):
        if initial.get(name) != value:
            conn.call("CONFIG", "SET", name, initial[name])
    conn.close()


@pytest.fixture
def diff(redis_port: int) -> Iterator[Differ]:
    """A RESP2 differ with both datasets empty."""
    redis = RespConnection("127.0.0.1", redis_port)
    redis.call("FLUSHALL")
    try:
        yield Differ(redis, GodisDirect())
    finally:
        redis.close()


@pytest.fixture
def diff3(redis_port: int) -> Iterator[Differ]:
    """As ``diff``, both sides switched to RESP3 with HELLO 3."""
    redis = RespConnection("127.0.0.1", redis_port)
    redis.call("FLUSHALL")
    redis.call("HELLO", "3")
    godis = GodisDirect()
    godis.call("HELLO", "3")
    try:
        yield Differ(redis, godis)
    finally:
        redis.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def differ(request: pytest.FixtureRequest, redis_port: int) -> Iterator[Differ]:
    """Both protocols: every test using it runs once under RESP2 and once under RESP3."""
    redis = RespConnection("127.0.0.1", redis_port)
    redis.call("FLUSHALL")
    godis = GodisDirect()
    if request.param == 3:
        redis.call("HELLO", "3")
        godis.call("HELLO", "3")
    try:
        yield Differ(redis, godis)
    finally:
        redis.close()


@pytest.fixture
def fresh_server(tmp_path: object) -> Iterator[ServerThread]:
    """A new godis server for this test on a free loopback port, AOF on in ``tmp_path``."""
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        yield server


@pytest.fixture
def r(fresh_server: ServerThread) -> Iterator[redis.Redis]:
    """redis-py with its default protocol (RESP3 in redis-py 8), decoding responses."""
    client = redis.Redis(port=fresh_server.port, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def r2(fresh_server: ServerThread) -> Iterator[redis.Redis]:
    """redis-py speaking RESP2."""
    client = redis.Redis(port=fresh_server.port, protocol=2, decode_responses=True)
    try:
        yield client
    finally:
        client.close()
