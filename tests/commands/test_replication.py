"""ROLE and WAIT against a real redis-server 7.0 (a master with no replicas)."""

from __future__ import annotations

import trio
import trio.testing

from godis.blocking import BlockRequest
from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.server.connection import wait_unblocked
from godis.state import ServerState
from tests.support.differential import Differ


def test_role(differ: Differ) -> None:
    differ.check("ROLE")
    differ.check("ROLE", "x")


def test_wait_without_blocking(differ: Differ) -> None:
    for args in (("0", "0"), ("0", "100"), ("-1", "0"), ("a", "0"), ("0", "a"), ("0", "-1"),
                 ("1", "-1"), ("1",)):
        differ.check("WAIT", *args)
    differ.check("MULTI")
    differ.check("WAIT", "1", "0")  # cannot block in a transaction: 0 replicas at once
    differ.check("EXEC")


async def test_wait_blocks_until_its_timeout(autojump_clock: trio.testing.MockClock) -> None:
    """WAIT 1 <ms> waits the whole timeout for an acknowledgement that cannot come."""
    load_all()
    server = ServerState(Config(appendonly=False))
    client = Client(server)
    request = execute(client, [b"WAIT", b"1", b"1500"])
    assert type(request) is BlockRequest
    started = trio.current_time()
    assert await wait_unblocked(client, request) == 0
    assert trio.current_time() - started >= 1.5
    assert client.blocked is None
