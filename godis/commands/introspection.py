"""COMMAND and CLIENT: answers rendered from the command table and the client registry."""

from __future__ import annotations

from godis.client import Client
from godis.commands.connection import validate_client_name
from godis.commands.server import help_lines
from godis.dispatch import resolve
from godis.errors import SYNTAX, CommandError
from godis.glob import glob_match
from godis.protocol.writer import OK, Map, Raw, Reply, SetReply, Status, Verbatim
from godis.table import COMMANDS, Argument, CommandSpec, all_commands, command, container
from godis.util import parse_int

# -- COMMAND ----------------------------------------------------------------------------------


def _key_specs(spec: CommandSpec) -> list[Reply]:
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


# The orders Redis 7.0 lists flags and ACL categories in (addReplyCommandFlags,
# ACLCommandCategories); ``may_replicate`` is hidden on purpose, as there.
FLAG_ORDER = ("write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
              "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
              "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy")
CATEGORY_ORDER = ("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
                  "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
                  "blocking", "dangerous", "connection", "transaction", "scripting")


def command_info(spec: CommandSpec) -> list[Reply]:
    """One command's COMMAND INFO entry, as Redis 7.0's addReplyCommandInfo."""
    return [
        spec.name.encode(),
        spec.arity,
        SetReply(Status(flag) for flag in FLAG_ORDER if flag in spec.flags),
        spec.first_key,
        spec.last_key,
        spec.key_step,
        SetReply(Status("@" + category) for category in CATEGORY_ORDER
                 if category in spec.acl_categories),
        SetReply([]),
        _key_specs(spec),
        [command_info(sub) for sub in spec.subcommands.values()],
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
        return [s.name.encode() for s in specs if glob_match(value.lower(), s.name.encode())]
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


# -- CLIENT -----------------------------------------------------------------------------------

container("client", group="connection", summary="A container for client connection commands",
          since="2.4.0")


@command("client|id", arity=2, flags="noscript loading stale", group="connection",
         since="5.0.0", summary="Returns the client ID for the current connection",
         complexity="O(1)")
def client_id_command(client: Client, argv: list[bytes]) -> Reply:
    return client.id


@command("client|setname", arity=3, flags="noscript loading stale", group="connection",
         since="2.6.9", summary="Set the current connection name", complexity="O(1)")
def client_setname_command(client: Client, argv: list[bytes]) -> Reply:
    validate_client_name(argv[2])
    client.name = argv[2]
    return OK


@command("client|getname", arity=2, flags="noscript loading stale", group="connection",
         since="2.6.9", summary="Get the current connection name", complexity="O(1)")
def client_getname_command(client: Client, argv: list[bytes]) -> Reply:
    return client.name or None


@command("client|list", arity=-2, flags="admin noscript loading stale", group="connection",
         since="2.4.0", summary="Get the list of client connections",
         complexity="O(N) where N is the number of client connections")
def client_list_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT LIST [TYPE normal|pubsub|...] [ID id ...]."""
    clients = list(client.server.clients.values())
    if len(argv) > 2:
        option = argv[2].lower()
        if option == b"id" and len(argv) > 3:
            ids = {parse_int(arg, "ERR Invalid client ID") for arg in argv[3:]}
            clients = [c for c in clients if c.id in ids]
        elif option == b"type" and len(argv) == 4:
            kind = argv[3].lower()
            if kind not in (b"normal", b"pubsub", b"master", b"replica", b"slave"):
                raise CommandError(f"ERR Unknown client type '{argv[3].decode()}'")
            is_pubsub = kind == b"pubsub"
            clients = [c for c in clients if kind in (b"normal", b"pubsub")
                       and c.subscribed == is_pubsub]
        else:
            raise CommandError(SYNTAX)
    text = "".join(c.info_line() + "\n" for c in clients).encode()
    return Verbatim(text) if client.resp == 3 else text


@command("client|info", arity=2, flags="noscript loading stale", group="connection",
         since="6.2.0", summary="Returns information about the current client connection.",
         complexity="O(1)")
def client_info_command(client: Client, argv: list[bytes]) -> Reply:
    text = (client.info_line() + "\n").encode()
    return Verbatim(text) if client.resp == 3 else text


@command("client|kill", arity=-3, flags="admin noscript loading stale", group="connection",
         since="2.4.0", summary="Kill the connection of a client",
         complexity="O(N) where N is the number of client connections")
def client_kill_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT KILL addr | CLIENT KILL [ID id] [ADDR addr] [LADDR addr] [USER name] [SKIPME y/n]."""
    clients = list(client.server.clients.values())
    if len(argv) == 3:
        address = argv[2].decode("utf-8", "replace")
        for other in clients:
            if other.address == address:
                other.kill()
                return OK
        raise CommandError("ERR No such client")
    if len(argv) % 2:
        raise CommandError(SYNTAX)
    skip_me = True
    wanted: dict[bytes, object] = {}  # filter -> the value a client must have
    for i in range(2, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"id":
            wanted[option] = parse_int(value, "ERR client-id should be greater than 0")
        elif option in (b"addr", b"laddr", b"user"):
            wanted[option] = value.decode("utf-8", "replace")
        elif option == b"type":
            wanted[option] = value.lower()
        elif option == b"skipme":
            if value.lower() not in (b"yes", b"no"):
                raise CommandError(SYNTAX)
            skip_me = value.lower() == b"yes"
        else:
            raise CommandError(SYNTAX)

    def matches(other: Client) -> bool:
        actual = {b"id": other.id, b"addr": other.address, b"laddr": other.laddr,
                  b"user": other.user, b"type": b"pubsub" if other.subscribed else b"normal"}
        return all(actual[option] == value for option, value in wanted.items())

    killed = 0
    for other in clients:
        if skip_me and other is client:
            continue
        if matches(other):
            other.kill()
            killed += 1
    return killed


@command("client|reply", arity=3, flags="noscript loading stale", group="connection",
         since="3.2.0", summary="Instruct the server whether to reply to commands",
         complexity="O(1)")
def client_reply_command(client: Client, argv: list[bytes]) -> Reply:
    mode = argv[2].lower()
    if mode == b"on":
        client.reply_mode = "on"
        return OK
    if mode in (b"off", b"skip"):
        client.reply_mode = "off" if mode == b"off" else "skip_next"
        return Raw(b"")
    raise CommandError(SYNTAX)


@command("client|unblock", arity=-3, flags="admin noscript loading stale", group="connection",
         since="5.0.0", summary="Unblock a client blocked in a blocking command from a "
         "different connection", complexity="O(log N) where N is the number of client "
         "connections")
def client_unblock_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 if that client was blocked, else 0."""
    client_id = parse_int(argv[2])
    error = False
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode not in (b"timeout", b"error"):
            raise CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        error = mode == b"error"
    elif len(argv) > 4:
        raise CommandError(SYNTAX)
    target = client.server.clients.get(client_id)
    if target is None:
        return 0
    return int(client.server.blocked.unblock(target, error))


@command("client|pause", arity=-3, flags="admin noscript loading stale", group="connection",
         since="2.9.50", summary="Stop processing commands from clients for some time",
         complexity="O(1)")
def client_pause_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT PAUSE timeout [WRITE|ALL]: connections wait before running (write) commands."""
    timeout_ms = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout_ms < 0:
        raise CommandError("ERR timeout is negative")
    mode = "all"
    if len(argv) == 4:
        word = argv[3].lower()
        if word not in (b"write", b"all"):
            raise CommandError(SYNTAX)
        mode = word.decode()
    elif len(argv) > 4:
        raise CommandError(SYNTAX)
    client.server.pause(timeout_ms / 1000, mode)
    return OK


@command("client|unpause", arity=2, flags="admin noscript loading stale", group="connection",
         since="6.2.0", summary="Resume processing of clients that were paused",
         complexity="O(N) Where N is the number of paused clients")
def client_unpause_command(client: Client, argv: list[bytes]) -> Reply:
    client.server.unpause()
    return OK


@command("client|no-evict", arity=3, flags="admin noscript loading stale", group="connection",
         since="7.0.0", summary="Set client eviction mode for the current connection",
         complexity="O(1)")
def client_no_evict_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT NO-EVICT on|off: godis never evicts clients, so the mode is only recorded."""
    mode = argv[2].lower()
    if mode not in (b"on", b"off"):
        raise CommandError(SYNTAX)
    client.no_evict = mode == b"on"
    return OK


@command("client|tracking", arity=-3, flags="noscript loading stale", group="connection",
         since="6.0.0", summary="Enable or disable server assisted client side caching support",
         complexity="O(1). Some options may introduce additional complexity.")
def client_tracking_command(client: Client, argv: list[bytes]) -> Reply:
    """Client-side caching is not implemented: say so rather than pretend."""
    if argv[2].lower() == b"off":
        return OK
    raise CommandError("ERR godis does not support client side caching (CLIENT TRACKING) yet")


@command("client|help", arity=2, flags="loading stale", group="connection", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def client_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("CLIENT", [
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "GETNAME", "    Return the name of the current connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "LIST [options ...]", "    Return information about client connections.",
        "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
    ])
