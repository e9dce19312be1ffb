"""COMMAND and its subcommands: answers rendered from the command table (Redis's server.c)."""

from __future__ import annotations

from godis.client import Client
from godis.commandmeta.model import (
    Arg,
    Index,
    KeyNum,
    KeySpec,
    Keyword,
    Range,
    UnknownBegin,
    UnknownFind,
)
from godis.commands.server import help_lines
from godis.errors import SYNTAX, CommandError
from godis.glob import glob_match
from godis.keyspecs import has_keys, keys_with_specs, legacy_range
from godis.protocol.writer import Map, Reply, SetReply, Status
from godis.table import (
    CATEGORIES,
    COMMANDS,
    FLAG_ORDER,
    CommandSpec,
    all_commands,
    command,
    container,
    find_command,
    lookup,
)

# -- COMMAND ---------------------------------------------------------------------------------


def _begin_search(begin: Index | Keyword | UnknownBegin) -> Map:
    if isinstance(begin, Index):
        return Map([(b"type", b"index"), (b"spec", Map([(b"index", begin.pos)]))])
    if isinstance(begin, Keyword):
        return Map([(b"type", b"keyword"), (b"spec", Map([
            (b"keyword", begin.keyword.encode()), (b"startfrom", begin.startfrom)]))])
    return Map([(b"type", b"unknown"), (b"spec", Map([]))])


def _find_keys(find: Range | KeyNum | UnknownFind) -> Map:
    if isinstance(find, Range):
        return Map([(b"type", b"range"), (b"spec", Map([
            (b"lastkey", find.lastkey), (b"keystep", find.step), (b"limit", find.limit)]))])
    if isinstance(find, KeyNum):
        return Map([(b"type", b"keynum"), (b"spec", Map([
            (b"keynumidx", find.keynumidx), (b"firstkey", find.firstkey),
            (b"keystep", find.step)]))])
    return Map([(b"type", b"unknown"), (b"spec", Map([]))])


def _key_spec(key_spec: KeySpec) -> Map:
    """One key spec as ``addReplyCommandKeySpecs`` renders it."""
    pairs: list[tuple[Reply, Reply]] = []
    if key_spec.notes:
        pairs.append((b"notes", key_spec.notes.encode()))
    pairs.append((b"flags", SetReply(Status(flag) for flag in key_spec.ordered_flags())))
    pairs.append((b"begin_search", _begin_search(key_spec.begin)))
    pairs.append((b"find_keys", _find_keys(key_spec.find)))
    return Map(pairs)


def _key_specs_of(spec: CommandSpec) -> tuple[KeySpec, ...]:
    return spec.meta.key_specs if spec.meta is not None else ()


def command_info(spec: CommandSpec) -> list[Reply]:
    """One command's COMMAND INFO entry, as Redis 7.0's addReplyCommandInfo: the legacy
    first/last/step and ``movablekeys`` derived from the key specs
    (populateCommandLegacyRangeSpec)."""
    meta = spec.meta
    first, last, step, movable = legacy_range(_key_specs_of(spec))
    flags = set(spec.flags) - {"movablekeys"}
    if movable:
        flags.add("movablekeys")
    return [
        spec.name.encode(),
        spec.arity,
        SetReply(Status(flag) for flag in FLAG_ORDER if flag in flags),
        first,
        last,
        step,
        SetReply(Status("@" + category) for category in CATEGORIES
                 if category in spec.acl_categories),
        SetReply(tip.encode() for tip in (meta.tips.split() if meta else ())),
        SetReply(_key_spec(key_spec) for key_spec in _key_specs_of(spec)),
        SetReply(command_info(sub) for sub in spec.subcommands.values()),
    ]


def _argument_docs(argument: Arg) -> Map:
    """One argument as ``addReplyCommandArgList`` renders it."""
    pairs: list[tuple[Reply, Reply]] = [(b"name", argument.name.encode()),
                                        (b"type", argument.type.encode())]
    if argument.key_spec_index != -1:
        pairs.append((b"key_spec_index", argument.key_spec_index))
    for field_name, value in (("token", argument.token), ("summary", argument.summary),
                              ("since", argument.since),
                              ("deprecated_since", argument.deprecated_since)):
        if value is not None:
            pairs.append((field_name.encode(), value.encode()))
    flags = [Status(flag) for flag, on in (("optional", argument.optional),
                                            ("multiple", argument.multiple),
                                            ("multiple_token", argument.multiple_token)) if on]
    if flags:
        pairs.append((b"flags", SetReply(flags)))
    if argument.type in ("oneof", "block"):
        pairs.append((b"arguments", [_argument_docs(a) for a in argument.arguments]))
    return Map(pairs)


def command_docs(spec: CommandSpec) -> Map:
    """One command's COMMAND DOCS entry, as Redis 7.0's addReplyCommandDocs."""
    meta = spec.meta
    if meta is None:  # a command Redis does not declare: what the registration says
        return Map([(b"summary", spec.summary.encode()), (b"since", spec.since.encode()),
                    (b"group", spec.group.encode())])
    pairs: list[tuple[Reply, Reply]] = []
    if meta.summary:
        pairs.append((b"summary", meta.summary.encode()))
    if meta.since:
        pairs.append((b"since", meta.since.encode()))
    pairs.append((b"group", meta.group.encode()))
    if meta.complexity:
        pairs.append((b"complexity", meta.complexity.encode()))
    if meta.doc_flags:
        pairs.append((b"doc_flags", SetReply(Status(flag) for flag in meta.doc_flags.split())))
    if meta.deprecated_since:
        pairs.append((b"deprecated_since", meta.deprecated_since.encode()))
    if meta.replaced_by:
        pairs.append((b"replaced_by", meta.replaced_by.encode()))
    if meta.history:
        pairs.append((b"history", SetReply([since.encode(), change.encode()]
                                           for since, change in meta.history)))
    if meta.arguments:
        pairs.append((b"arguments", [_argument_docs(a) for a in meta.arguments]))
    if spec.subcommands:
        pairs.append((b"subcommands", Map((sub.name.encode(), command_docs(sub))
                                          for sub in spec.subcommands.values())))
    return Map(pairs)


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
    return [None if (spec := find_command(name)) is None else command_info(spec) for name in argv[2:]]


@command("command|docs", arity=-2, flags="loading stale", group="server", since="7.0.0",
         summary="Get array of specific Redis command documentation",
         complexity="O(N) where N is the number of commands to look up")
def command_docs_command(client: Client, argv: list[bytes]) -> Reply:
    if len(argv) == 2:
        return Map((spec.name.encode(), command_docs(spec)) for spec in all_commands())
    found = [spec for name in argv[2:] if (spec := find_command(name)) is not None]
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


def _get_keys(argv: list[bytes], with_flags: bool) -> Reply:
    """``getKeysSubcommandImpl``: the keys the key specs (or the getkeys proc) find."""
    target = argv[2:]
    spec = lookup(target)
    if spec is None:
        raise CommandError("ERR Invalid command specified")
    meta = spec.meta
    specs, getkeys = (meta.key_specs, meta.getkeys) if meta is not None else ((), "")
    if not has_keys(specs, getkeys):
        raise CommandError("ERR The command has no key arguments")
    if (spec.arity > 0 and spec.arity != len(target)) or len(target) < -spec.arity:
        raise CommandError("ERR Invalid number of arguments specified for command")
    found = keys_with_specs(specs, getkeys, target)
    if not found and "no_mandatory_keys" not in spec.flags:
        raise CommandError("ERR Invalid arguments specified for command")
    if not with_flags:
        return [target[position] for position, _ in found]
    return [[target[position], SetReply(Status(flag) for flag in flags)]
            for position, flags in found]


@command("command|getkeys", arity=-4, flags="loading stale", group="server", since="2.8.13",
         summary="Extract keys given a full Redis command",
         complexity="O(N) where N is the number of arguments to the command")
def command_getkeys_command(client: Client, argv: list[bytes]) -> Reply:
    return _get_keys(argv, with_flags=False)


@command("command|getkeysandflags", arity=-4, flags="loading stale", group="server",
         since="7.0.0", summary="Extract keys and access flags given a full Redis command",
         complexity="O(N) where N is the number of arguments to the command")
def command_getkeysandflags_command(client: Client, argv: list[bytes]) -> Reply:
    return _get_keys(argv, with_flags=True)


@command("command|help", arity=2, flags="loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def command_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("COMMAND", [
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
    ])
