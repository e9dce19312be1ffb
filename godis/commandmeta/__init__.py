"""Redis 7.0.15's command declarations, by command name (``container|sub`` for subcommands).

Pure data (no godis imports but :mod:`godis.commandmeta.model`): the command table
(:mod:`godis.table`) attaches each declaration to the registration of the same name, so
COMMAND INFO / DOCS / GETKEYS / LIST and ACL categories all read one source. Generated once from
Redis's ``src/commands/*.json`` and kept as ordinary declarations, one module per group.
"""

from __future__ import annotations

from godis.commandmeta import (
    bitmap,
    cluster,
    connection,
    generic,
    geo,
    hashes,
    hyperloglog,
    lists,
    pubsub,
    scripting,
    server,
    sets,
    sorted_sets,
    streams,
    strings,
    transactions,
)
from godis.commandmeta.model import Meta

_GROUPS = (bitmap, cluster, connection, generic, geo, hashes, hyperloglog, lists, pubsub,
           scripting, server, sets, sorted_sets, streams, strings, transactions)

META: dict[str, Meta] = {meta.name: meta for group in _GROUPS for meta in group.COMMANDS}
"""Every Redis 7.0 command and subcommand's declaration (Sentinel-only ones left out)."""
