"""The suite's in-process server: now the public embedding API, ``godis.Server``.

Kept as a thin alias so the tests' imports (``ServerThread``, ``running_server``) stay put;
new code should use ``godis.Server`` (or the pytest plugin's fixtures) directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from godis.server.embedded import Server

ServerThread = Server
"""``.port``, ``.state``, ``.call(fn, *args)`` (in the server's Trio thread), ``.stop()``."""


@contextlib.contextmanager
def running_server(**settings: Any) -> Iterator[Server]:
    """A started server on a free port with ``settings`` (redis.conf directives, ``_`` for
    ``-``); the AOF is off unless ``appendonly=True``. DEBUG is allowed unless ``settings``
    say otherwise (``enable-debug-command yes``, as Redis's test suite runs its servers)."""
    settings.setdefault("enable_debug_command", "yes")
    with Server(**settings) as server:
        yield server
