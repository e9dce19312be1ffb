"""Keyspace-notification event streams of godis and redis-server, compared over real sockets.

Shared by the notification tests and the per-type command tests; a test module that uses
:func:`compare_streams` imports the ``godis_thread`` fixture from here too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import pytest

from godis.commands.notify import configure
from tests.support.resp import RespConnection, as_list, parse_reply
from tests.support.server_thread import ServerThread, running_server


def key_events(port: int, setting: str, commands: Sequence[Sequence[str | bytes]],
                configure_godis: ServerThread | None, *, pattern: str = "__key*__:*",
                resp: int = 2) -> list[list[object]]:
    """The notifications each command produces: one list per command, synced by PUBLISH."""
    subscriber = RespConnection("127.0.0.1", port)
    client = RespConnection("127.0.0.1", port)
    try:
        client.call("FLUSHALL")
        client.call("CONFIG", "SET", "notify-keyspace-events", setting)
        if configure_godis is not None:  # until CONFIG SET calls it (see report)
            assert configure_godis.state is not None
            configure_godis.call(configure, configure_godis.state)
        if resp == 3:
            subscriber.call("HELLO", "3")
        subscriber.call("PSUBSCRIBE", pattern)
        subscriber.call("SUBSCRIBE", "sync")
        streams: list[list[object]] = []
        for command in commands:
            if command[0] == "SLEEP":  # what happens meanwhile (active expiry)
                time.sleep(float(command[1]))
            elif command[0] == "WAIT":  # events land with the next command
                time.sleep(float(command[1]))
                streams.append([])
                continue
            else:
                client.call(*command)
            client.call("PUBLISH", "sync", "")
            events: list[object] = []
            while True:
                raw = subscriber.read_reply()
                parsed = parse_reply(raw)
                if resp == 3:
                    assert raw.startswith(b">")
                    assert isinstance(parsed, tuple)
                    parsed = parsed[1]  # (">", items)
                message = as_list(parsed)
                if message[1] == b"sync":
                    break
                events.append(message[2:])
            streams.append(events)
        return streams
    finally:
        client.call("CONFIG", "SET", "notify-keyspace-events", "")
        client.call("FLUSHALL")
        client.close()
        subscriber.close()


@pytest.fixture(scope="module", name="godis_thread")
def godis_thread_fixture() -> Iterator[ServerThread]:
    """A godis server for a module's event-stream tests (import this to use ``godis_thread``)."""
    with running_server() as server:
        yield server


def compare_streams(redis_port: int, godis_thread: ServerThread, setting: str,
                    commands: Sequence[Sequence[str | bytes]], *, pattern: str = "__key*__:*",
                    resp: int = 2) -> None:
    theirs = key_events(redis_port, setting, commands, None, pattern=pattern, resp=resp)
    mine = key_events(godis_thread.port, setting, commands, godis_thread, pattern=pattern,
                      resp=resp)
    mismatches = [(command, a, b) for command, a, b in zip(commands, mine, theirs, strict=True)
                  if a != b]
    assert not mismatches, "\n".join(f"{' '.join(map(str, c))}: godis {a} != redis {b}"
                                     for c, a, b in mismatches)
