"""COMMAND and its subcommands: answers rendered from the command table (Redis's server.c)."""

from __future__ import annotations

from godis.client import Client
from godis.commands.server import help_lines
from godis.dispatch import resolve
from godis.errors import SYNTAX, CommandError
from godis.glob import glob_match
from godis.protocol.writer import Map, Reply, SetReply, Status
from godis.table import (
    CATEGORIES,
    COMMANDS,
    FLAG_ORDER,
    Argument,
    CommandSpec,
    KeySpec,
    all_commands,
    command,
    container,
)

# -- COMMAND ----------------------------------------------------------------------------------


def _declared_key_spec(key_spec: KeySpec) -> Map:
    pairs: list[tuple[Reply, Reply]] = []
    if key_spec.notes:
        pairs.append((b"notes", key_spec.notes.encode()))
    pairs.append((b"flags", SetReply(Status(flag) for flag in key_spec.flags)))
    if key_spec.keyword:
        begin = Map([(b"type", b"keyword"), (b"spec", Map([
            (b"keyword", key_spec.keyword.encode()), (b"startfrom", key_spec.index)]))])
    else:
        begin = Map([(b"type", b"index"), (b"spec", Map([(b"index", key_spec.index)]))])
    pairs.append((b"begin_search", begin))
    pairs.append((b"find_keys", Map([(b"type", b"range"), (b"spec", Map([
        (b"lastkey", key_spec.lastkey), (b"keystep", key_spec.keystep),
        (b"limit", key_spec.limit)]))])))
    return Map(pairs)


def _key_specs(spec: CommandSpec) -> list[Reply]:
    if spec.key_specs:
        return [_declared_key_spec(key_spec) for key_spec in spec.key_specs]
    if spec.first_key <= 0:
        return []
    flags = [Status("RW" if spec.is_write else "RO"), Status("access")]
    last = spec.last_key
    return [Map([
        (b"flags", SetReply(flags)),
        (b"begin_search", Map([(b"type", b"index"), (b"spec", Map([(b"index", spec.first_key)]))])),
        (b"find_keys", Map([(b"type", b"range"), (b"spec", Map([
            (b"lastkey", last - spec.first_key if last >= 0 else last),
            (b"keystep", spec.key_step), (b"limit", 0)]))])),
    ])]


def command_info(spec: CommandSpec) -> list[Reply]:
    """One command's COMMAND INFO entry, as Redis 7.0's addReplyCommandInfo."""
    return [
        spec.name.encode(),
        spec.arity,
        SetReply(Status(flag) for flag in FLAG_ORDER if flag in spec.flags),
        spec.first_key,
        spec.last_key,
        spec.key_step,
        SetReply(Status("@" + category) for category in CATEGORIES
                 if category in spec.acl_categories),
        SetReply(tip.encode() for tip in spec.tips),
        SetReply(_key_specs(spec)),  # a set in RESP3 (addReplyCommandKeySpecs)
        SetReply(command_info(sub) for sub in spec.subcommands.values()),
    ]


def _argument_docs(argument: Argument) -> Map:
    pairs: list[tuple[Reply, Reply]] = [(b"name", argument.name.encode()),
                                        (b"type", argument.type.encode())]
    if argument.token:
        pairs.append((b"token", argument.token.encode()))
    flags = [Status(flag) for flag, on in (("optional", argument.optional),
                                            ("multiple", argument.multiple)) if on]
    if flags:
        pairs.append((b"flags", SetReply(flags)))
    if argument.arguments:
        pairs.append((b"arguments", [_argument_docs(a) for a in argument.arguments]))
    return Map(pairs)


def command_docs(spec: CommandSpec) -> Map:
    """One command's COMMAND DOCS entry."""
    pairs: list[tuple[Reply, Reply]] = [
        (b"summary", spec.summary.encode()),
        (b"since", spec.since.encode()),
        (b"group", spec.group.encode()),
    ]
    if spec.complexity:
        pairs.append((b"complexity", spec.complexity.encode()))
    if spec.arguments:
        pairs.append((b"arguments", [_argument_docs(a) for a in spec.arguments]))
    if spec.subcommands:
        pairs.append((b"subcommands", Map((sub.name.encode(), command_docs(sub))
                                          for sub in spec.subcommands.values())))
    return Map(pairs)


def _find(name: bytes) -> CommandSpec | None:
    """A command or ``container|sub`` by name, as COMMAND INFO/DOCS accept them."""
    lowered = name.lower()
    if b"|" in lowered:
        parent_name, sub = lowered.split(b"|", 1)
        parent = COMMANDS.get(parent_name)
        return parent.subcommands.get(sub.decode("utf-8", "replace")) if parent else None
    return COMMANDS.get(lowered)


def command_all(client: Client, argv: list[bytes]) -> Reply:
    """COMMAND: every command's details."""
    return [command_info(spec) for spec in all_commands()]


container("command", arity=-1, flags="loading stale", group="server", since="2.8.13",
          summary="Get array of Redis command details", handler=command_all)


@command("command|count", arity=2, flags="loading stale", group="server", since="2.8.13",
         summary="Get total number of Redis commands", complexity="O(1)")
def command_count_command(client: Client, argv: list[bytes]) -> Reply:
    return len(COMMANDS)


@command("command|info", arity=-2, flags="loading stale", group="server", since="2.8.13",
         summary="Get array of specific Redis command details, or all when no argument is given",
         complexity="O(N) where N is the number of commands to look up")
def command_info_command(client: Client, argv: list[bytes]) -> Reply:
    if len(argv) == 2:
        return command_all(client, argv)
    return [None if (spec := _find(name)) is None else command_info(spec) for name in argv[2:]]


@command("command|docs", arity=-2, flags="loading stale", group="server", since="7.0.0",
         summary="Get array of specific Redis command documentation",
         complexity="O(N) where N is the number of commands to look up")
def command_docs_command(client: Client, argv: list[bytes]) -> Reply:
    if len(argv) == 2:
        return Map((spec.name.encode(), command_docs(spec)) for spec in all_commands())
    found = [spec for name in argv[2:] if (spec := _find(name)) is not None]
    return Map((spec.name.encode(), command_docs(spec)) for spec in found)


@command("command|list", arity=-2, flags="loading stale", group="server", since="7.0.0",
         summary="Get an array of Redis command names",
         complexity="O(N) where N is the total number of Redis commands")
def command_list_command(client: Client, argv: list[bytes]) -> Reply:
    """COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]."""
    specs = [s for spec in all_commands() for s in (spec, *spec.subcommands.values())]
    if len(argv) == 2:
        return [spec.name.encode() for spec in specs]
    if len(argv) != 5 or argv[2].lower() != b"filterby":
        raise CommandError(SYNTAX)
    kind, value = argv[3].lower(), argv[4]
    if kind == b"pattern":
        return [s.name.encode() for s in specs if glob_match(value, s.name.encode(), nocase=True)]
    if kind == b"aclcat":
        category = value.decode("utf-8", "replace").lower()
        return [s.name.encode() for s in specs if category in s.acl_categories]
    if kind == b"module":
        return []
    raise CommandError(SYNTAX)


@command("command|getkeys", arity=-4, flags="loading stale", group="server", since="2.8.13",
         summary="Extract keys given a full Redis command",
         complexity="O(N) where N is the number of arguments to the command")
def command_getkeys_command(client: Client, argv: list[bytes]) -> Reply:
    target = argv[2:]
    spec = resolve(target)
    if isinstance(spec, str):
        if spec.startswith("ERR wrong number"):
            raise CommandError("ERR Invalid number of arguments specified for command")
        raise CommandError("ERR Invalid command specified")
    keys = spec.keys(target)
    if not keys:
        raise CommandError("ERR The command has no key arguments")
    return keys


@command("command|help", arity=2, flags="loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def command_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("COMMAND", [
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
    ])
