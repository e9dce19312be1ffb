"""Command groups, one module each (as Redis's t_string.c, t_hash.c, ...).

``godis.commands.table.load_all()`` imports every group module in ``GROUP_MODULES``, which
registers their commands in the table.
"""
