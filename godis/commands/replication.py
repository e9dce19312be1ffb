"""ROLE and WAIT (Redis's replication.c), for a server with no replicas.

godis is always a master with no replicas (replication is not implemented): ROLE says so as
Redis's does for a lone master, and WAIT waits as Redis would for acknowledgements that
cannot come — it blocks until its timeout (0: forever) unless it asks for none, and then
answers 0 replicas.
"""

from __future__ import annotations

from godis.blocking import BlockRequest, block_client
from godis.client import Client
from godis.errors import CommandError
from godis.protocol.writer import Reply
from godis.table import command
from godis.util import parse_int


@command("role", arity=1, flags="noscript loading stale fast", group="server", since="2.8.12",
         acl="admin dangerous",
         summary="Return the role of the instance in the context of replication",
         complexity="O(1)")
def role_command(client: Client, argv: list[bytes]) -> Reply:
    """ROLE: master, replication offset 0, no replicas."""
    return [b"master", 0, []]


@command("wait", arity=3, flags="noscript", group="generic", since="3.0.0",
         acl="-group connection",
         summary="Wait for the synchronous replication of all the write commands sent in the "
                 "context of the current connection", complexity="O(1)")
def wait_command(client: Client, argv: list[bytes]) -> Reply | BlockRequest:
    """WAIT numreplicas timeout (waitCommand): 0 replicas ever acknowledge."""
    numreplicas = parse_int(argv[1])
    timeout_ms = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout_ms < 0:
        raise CommandError("ERR timeout is negative")
    if numreplicas <= 0:
        return 0
    request = BlockRequest([], timeout_ms / 1000, 0, argv)
    return block_client(client, request, 0)
