"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.server_thread import ServerThread


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def client(request: pytest.FixtureRequest, fresh_server: ServerThread) -> Iterator[redis.Redis]:
    """redis-py on the test's godis server, once per protocol, decoding responses."""
    connection = redis.Redis(port=fresh_server.port, protocol=request.param,
                             decode_responses=True)
    try:
        yield connection
    finally:
        connection.close()
