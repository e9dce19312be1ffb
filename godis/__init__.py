"""godis: a Redis-compatible server written in Python on Trio.

Map of the package (the path of one request runs top to bottom):

- ``godis.protocol``    RESP on bytes, no I/O: ``reader`` turns received bytes into argv lists,
                        ``writer`` turns reply values into RESP2/RESP3 bytes.
- ``godis.server``      the only code that touches sockets: ``serve`` (nursery, listener,
                        background tasks, shutdown), ``client`` (one task per connection, the
                        batch loop), ``dispatch`` (lookup, arity, checks, call, AOF feed).
- ``godis.commands``    one module per command group (strings, keys, hashes, ...) and
                        ``table``, the one declarative command table everything reads.
- ``godis.keyspace``    the databases, their values and expiry, guarded by one ``trio.Lock``.
- ``godis.persistence`` the only code that touches files: the append-only file and its loader.
- ``godis.config``      settings, redis.conf parsing, CONFIG GET/SET views.
- ``godis.cli``         the ``godis`` command (typer), thin.
"""

from __future__ import annotations

__version__ = "0.1.0"

REDIS_COMPAT_VERSION = "7.0.15"
"""The Redis version godis reports (``redis_version``) and whose behaviour it follows."""

__all__ = ["REDIS_COMPAT_VERSION", "__version__"]
