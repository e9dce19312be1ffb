"""Command groups, one module each (as Redis's t_string.c, t_hash.c, ...).

Importing this package registers every command in ``godis.commands.table.COMMANDS``.
"""

from godis.commands import (  # noqa: F401  (imported for their registrations)
    bitops,
    connection,
    hashes,
    hyperloglog,
    introspection,
    keys,
    lists,
    server,
    sets,
    strings,
    zsets,
)
