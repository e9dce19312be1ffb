"""godis: a Redis-compatible server written in Python on Trio.

Map of the package (layers: core <- commands <- shell; the core never imports
``godis.commands`` or ``godis.server``; tests/test_layers.py checks it):

- ``godis.protocol``    RESP on bytes, no I/O: ``reader`` turns received bytes into argv lists,
                        ``writer`` turns reply values into RESP2/RESP3 bytes.
- ``godis.table``       the one declarative command table everything reads.
- ``godis.dispatch``    processCommand + call: lookup, arity, checks, the handler, AOF feed,
                        serving blocked clients; ``godis.multi``, ``godis.blocking`` and
                        ``godis.acl`` hold the state it consults.
- ``godis.client``, ``godis.state``  one connection's state; the server-wide state.
- ``godis.keyspace``    the databases, their values, expiry and event flags.
- ``godis.scripting``   the Lua engines behind EVAL and FCALL (lupa's Lua 5.1, Redis's sandbox
                        and libraries) and the context of one run.
- ``godis.commands``    one module per Redis source file; importing one registers its commands.
- ``godis.server``      the only code that touches sockets: ``serve`` (nursery, listener,
                        background tasks, shutdown), ``connection`` (one task per client, the
                        batch loop).
- ``godis.persistence`` the only code that writes data files: the AOF, its loader and rewrite.
- ``godis.config``      settings, redis.conf parsing, CONFIG GET/SET views.
- ``godis.cli``         the ``godis`` command (typer), thin.

Public API: ``godis.Server`` (``godis.server.embedded``), a server in a background thread --
``with godis.Server() as server: server.client().ping()``; ``godis.pytest_plugin``, the pytest
fixtures (``godis_client`` & co.), loaded through the ``pytest11`` entry point.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from godis.server.embedded import Server, StartError

__version__ = "0.1.0"
"""godis's own version (the package's; ``INFO server`` shows it as ``godis_version``)."""

REDIS_COMPAT_VERSION = "7.0.15"
"""The Redis version godis reports (``redis_version``) and whose behaviour it follows."""

__all__ = ["REDIS_COMPAT_VERSION", "Server", "StartError", "__version__"]

_SHELL_EXPORTS = {"Server": "godis.server.embedded", "StartError": "godis.server.embedded"}


def __getattr__(name: str) -> object:
    """``godis.Server`` is loaded on first use (PEP 562): the package itself stays core --
    ``import godis`` does not load the shell (sockets, Trio's server, every command module),
    and the shell's ``from godis import __version__`` does not make an import cycle."""
    module = _SHELL_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'godis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The lazily loaded names too (for ``dir(godis)`` and completion)."""
    return sorted({*globals(), *_SHELL_EXPORTS})
