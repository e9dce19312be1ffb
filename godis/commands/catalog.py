"""The generated command reference (``docs/commands.md``), rendered from the command table.

Regenerate with ``python -m godis.commands.catalog > docs/commands.md``; a test fails when the
file is stale.
"""

from __future__ import annotations

from godis.commandmeta import META
from godis.commands import load_all
from godis.table import CommandSpec, all_commands

REDIS_70_COMMANDS = tuple(sorted(META))
"""Every command and subcommand Redis 7.0.15 declares (``COMMAND LIST``), to list what godis
lacks."""

GROUP_TITLES = {
    "string": "Strings", "bitmap": "Bitmaps", "generic": "Keys", "hash": "Hashes",
    "list": "Lists", "set": "Sets", "sorted-set": "Sorted sets", "hyperloglog": "HyperLogLog",
    "pubsub": "Pub/Sub", "transactions": "Transactions", "scripting": "Scripting",
    "connection": "Connection", "server": "Server", "geo": "Geo", "stream": "Streams",
    "cluster": "Cluster",
}


def _row(spec: CommandSpec) -> str:
    flags = " ".join(sorted(spec.flags))
    keys = f"{spec.first_key},{spec.last_key},{spec.key_step}" if spec.first_key else "-"
    return (f"| `{spec.name.upper()}` | {spec.arity} | {flags} | {keys} | {spec.since} | "
            f"{spec.summary} |")


def render() -> str:
    """docs/commands.md as it should be for the current table."""
    table = load_all()
    specs = all_commands()
    lines = [
        "# Commands",
        "",
        "Generated from godis's command table by `python -m godis.commands.catalog`; do not edit.",
        "Arity follows Redis (N exactly, -N at least N, counting the name); keys are",
        "first,last,step positions.",
        "",
    ]
    groups: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
        for sub in spec.subcommands.values():
            groups.setdefault(spec.group, []).append(sub)
    for group in sorted(groups, key=lambda g: GROUP_TITLES.get(g, g)):
        lines += [f"## {GROUP_TITLES.get(group, group)}", "",
                  "| command | arity | flags | keys | since | summary |",
                  "|---|---|---|---|---|---|"]
        lines += [_row(spec) for spec in groups[group]]
        lines.append("")
    have = {spec.name for spec in specs}
    have |= {sub.name for spec in specs for sub in spec.subcommands.values()}
    missing = [name for name in REDIS_70_COMMANDS if name not in have]
    lines += ["## Not supported yet", "",
              f"godis implements {len(have)} of Redis 7.0's {len(REDIS_70_COMMANDS)} commands and "
              "subcommands. These are not implemented yet (they answer `-ERR unknown command` or "
              "`-ERR unknown subcommand`):", ""]
    lines.append(", ".join(f"`{name.upper()}`" for name in missing))
    lines.append("")
    del table
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
