"""Blocking commands (BLPOP, BZPOPMIN, ...): the contract between handlers and connections.

Placeholder contract, being implemented:

- A blocking handler that cannot be served now returns a :class:`BlockRequest`.
- The connection task then awaits :func:`wait_unblocked` *without* the keyspace lock.
- After each top-level command, ``dispatch.execute`` calls :func:`serve_ready_keys` when
  ``keyspace.ready_keys`` is non-empty (lock held).
"""

from __future__ import annotations

from godis.commands.context import Client
from godis.protocol.writer import Reply
from godis.state import ServerState


class BlockRequest:
    """Returned by a blocking handler that must wait for one of ``keys``."""

    def __init__(self, keys: list[bytes], timeout_s: float, timeout_reply: Reply,
                 argv: list[bytes]) -> None:
        self.keys = keys
        self.timeout_s = timeout_s  # 0 = forever
        self.timeout_reply = timeout_reply
        self.argv = argv


async def wait_unblocked(client: Client, request: BlockRequest) -> Reply:
    """Wait (lock not held) until served or timed out; returns the reply to send."""
    raise NotImplementedError


def serve_ready_keys(server: ServerState) -> None:
    """Serve clients blocked on the keys in ``keyspace.ready_keys`` (lock held)."""
    server.keyspace.ready_keys.clear()
