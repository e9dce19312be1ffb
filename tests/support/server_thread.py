"""Run a real godis server (sockets and all) in a background thread, for sync clients.

redis-py's sync client and redis-cli block, so the server runs in its own thread with its
own ``trio.run``; the test thread talks to it over loopback. Chosen over a subprocess because it
starts in milliseconds and lets tests look at ``ServerState`` directly.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import trio

from godis.config import Config
from godis.server.serve import serve
from godis.state import ServerState


class ServerThread:
    """A godis server in a thread: ``.port``, ``.state``, ``.stop()``."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.state: ServerState | None = None
        self.token: trio.lowlevel.TrioToken | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self.token = trio.lowlevel.current_trio_token()
            async with trio.open_nursery() as nursery:
                self.state = await nursery.start(serve, self.config)
                self._ready.set()

        try:
            trio.run(main)
        except BaseException as error:  # reported to the test thread
            self.error = error
        finally:
            self._ready.set()

    def start(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(10)
        if self.error is not None:
            raise self.error
        return self

    @property
    def port(self) -> int:
        assert self.state is not None
        return self.state.port

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` in the server's Trio thread (e.g. to read state consistently)."""
        assert self.token is not None
        return trio.from_thread.run_sync(fn, *args, trio_token=self.token)

    def stop(self) -> None:
        if self.state is not None and self._thread.is_alive():
            try:
                self.call(self.state.request_shutdown)
            except trio.RunFinishedError:
                pass
        self._thread.join(10)
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def running_server(**settings: Any) -> Iterator[ServerThread]:
    """A started server on a free port with ``settings`` (``Config`` keyword overrides)."""
    settings.setdefault("port", 0)
    settings.setdefault("appendonly", False)
    server = ServerThread(Config(**settings)).start()
    try:
        yield server
    finally:
        server.stop()
