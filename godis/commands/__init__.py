"""Command groups, one module each (as Redis's t_string.c, t_hash.c, ...).

Importing a group module registers its commands in the table (``godis.table``);
:func:`load_all` imports them all. The core (``godis.table``, ``godis.dispatch``...) never
imports this package: the shell (``godis.server``), the AOF loader's callers and the tests do.
"""

from __future__ import annotations

import importlib

from godis.table import COMMANDS, CommandSpec

GROUP_MODULES = (
    "connection",
    "tracking",
    "server",
    "introspection",
    "lolwut",
    "strings",
    "bitops",
    "keys",
    "cluster",
    "expire",
    "object",
    "memory",
    "sort",
    "hashes",
    "lists",
    "sets",
    "zsets",
    "geo",
    "streams",
    "hyperloglog",
    "pubsub",
    "transactions",
    "admin",
    "debug",
    "replication",
    "module",
    "scripting",
    "functions",
    "acl",
)
"""The command group modules under ``godis.commands``; importing one registers its commands."""


def load_all() -> dict[bytes, CommandSpec]:
    """Import every command group module so the table is complete; returns the table."""
    for module in GROUP_MODULES:
        importlib.import_module(f"godis.commands.{module}")
    return COMMANDS
