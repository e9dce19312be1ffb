"""ACL commands: WHOAMI, USERS, SETUSER, GETUSER, DELUSER, LIST, CAT, GENPASS, LOG, DRYRUN ...

The users live in ``ServerState.acl`` (:class:`godis.acl.AclRegistry`), which dispatch asks.
"""

from __future__ import annotations

import copy
import os
import time

from godis import acl, dispatch
from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.protocol.writer import OK, Double, Map, Reply, SetReply
from godis.table import CATEGORIES, COMMANDS, command, container
from godis.util import parse_int

_NO_ACLFILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
               "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
               "(assuming you have a Redis configuration file set) in order to store users in "
               "the Redis configuration.")

container("acl", group="server", summary="A container for Access List Control commands",
          since="6.0.0")

_ADMIN = "admin noscript loading stale"


def _syntax_error(argv: list[bytes]) -> CommandError:
    """Redis's addReplySubcommandSyntaxError."""
    return CommandError(f"ERR unknown subcommand or wrong number of arguments for "
                        f"'{argv[1].decode('utf-8', 'replace')}'. Try ACL HELP.")


@command("acl|whoami", arity=2, flags="noscript loading stale", group="server", since="6.0.0",
         summary="Return the name of the user associated to the current connection",
         complexity="O(1)")
def acl_whoami_command(client: Client, argv: list[bytes]) -> Reply:
    return client.user.encode()


@command("acl|users", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         summary="List the username of all the configured ACL rules",
         complexity="O(N). Where N is the number of configured users.")
def acl_users_command(client: Client, argv: list[bytes]) -> Reply:
    users = client.server.acl.users
    return [name.encode() for name in sorted(users)]


@command("acl|setuser", arity=-3, flags=_ADMIN, group="server", since="6.0.0",
         summary="Modify or create the rules for a specific ACL user",
         complexity="O(N). Where N is the number of rules provided.")
def acl_setuser_command(client: Client, argv: list[bytes]) -> Reply:
    """ACL SETUSER name rule...: all rules apply, or none (they run on a copy)."""
    registry = client.server.acl
    name = argv[2].decode("utf-8", "surrogateescape")
    if " " in name or "\0" in name:
        raise CommandError("ERR Usernames can't contain spaces or null characters")
    existing = registry.users.get(name)
    user = copy.deepcopy(existing) if existing is not None else acl.User(name)
    for raw in argv[3:]:
        rule = raw.decode("utf-8", "surrogateescape")
        try:
            user.apply(rule)
        except acl.AclError as error:
            raise CommandError(f"ERR Error in ACL SETUSER modifier '{rule}': "
                               f"{error.reason}") from None
    user.refresh()
    if existing is None:
        registry.users[name] = user
    else:
        vars(existing).update(vars(user))  # in place: authenticated clients see the change
        _kill_unpermitted_subscribers(client, existing)
    client.server.acl.refresh_restrictions()
    return OK


def _kill_unpermitted_subscribers(client: Client, user: acl.User) -> None:
    """Clients of ``user`` subscribed to channels it may no longer use are disconnected."""
    if user.allchannels:
        return
    for other in list(client.server.clients.values()):
        if other.user != user.name or not other.subscribed:
            continue
        allowed = (all(user.can_access_channel(ch, False) for ch in other.channels)
                   and all(user.can_access_channel(ch, False) for ch in other.shard_channels)
                   and all(user.can_access_channel(p, True) for p in other.patterns))
        if not allowed:
            _disconnect(client, other)


def _disconnect(client: Client, other: Client) -> None:
    """Kill ``other``; the calling client itself still gets its reply first."""
    if other is client:
        client.close_after_reply = True
    else:
        other.kill()


@command("acl|getuser", arity=3, flags=_ADMIN, group="server", since="6.0.0",
         summary="Get the rules for a specific ACL user",
         complexity="O(N). Where N is the number of password, command and pattern rules "
                    "that the user has.")
def acl_getuser_command(client: Client, argv: list[bytes]) -> Reply:
    user = client.server.acl.users.get(argv[2].decode("utf-8", "surrogateescape"))
    if user is None:
        return None
    return Map([
        (b"flags", SetReply(word.encode() for word in user.flag_words())),
        (b"passwords", [digest.encode() for digest in user.passwords]),
        (b"commands", user.describe_commands().encode()),
        (b"keys", " ".join(user.key_words()).encode()),
        (b"channels", " ".join(user.channel_words()).encode()),
        (b"selectors", []),
    ])


@command("acl|deluser", arity=-3, flags=_ADMIN, group="server", since="6.0.0",
         summary="Remove the specified ACL users and the associated rules",
         complexity="O(1) amortized time considering the typical user.")
def acl_deluser_command(client: Client, argv: list[bytes]) -> Reply:
    """ACL DELUSER name...: the users' authenticated clients are disconnected."""
    registry = client.server.acl
    names = [arg.decode("utf-8", "surrogateescape") for arg in argv[2:]]
    if "default" in names:
        raise CommandError("ERR The 'default' user cannot be removed")
    deleted = 0
    for name in names:
        if registry.users.pop(name, None) is None:
            continue
        deleted += 1
        for other in list(client.server.clients.values()):
            if other.user == name and other.authenticated:
                _disconnect(client, other)
    client.server.acl.refresh_restrictions()
    return deleted


@command("acl|list", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         summary="List the current ACL rules in ACL config file format",
         complexity="O(N). Where N is the number of configured users.")
def acl_list_command(client: Client, argv: list[bytes]) -> Reply:
    users = client.server.acl.users
    return [users[name].describe().encode() for name in sorted(users)]


@command("acl|cat", arity=-2, flags="noscript loading stale", group="server", since="6.0.0",
         summary="List the ACL categories or the commands inside a category",
         complexity="O(1) since the categories and commands are a fixed set.")
def acl_cat_command(client: Client, argv: list[bytes]) -> Reply:
    if len(argv) > 3:
        raise _syntax_error(argv)
    if len(argv) == 2:
        return [category.encode() for category in CATEGORIES]
    category = argv[2].decode("utf-8", "surrogateescape").lower()
    if category not in CATEGORIES:
        raise CommandError(f"ERR Unknown category '{argv[2].decode('utf-8', 'replace')}'")
    # aclCatWithFlags: containers too, when they carry the category themselves
    return [spec.name.encode() for spec in acl.every_command() if category in spec.acl_categories]


@command("acl|genpass", arity=-2, flags="noscript loading stale", group="server",
         since="6.0.0", summary="Generate a pseudorandom secure password to use for ACL users",
         complexity="O(1)")
def acl_genpass_command(client: Client, argv: list[bytes]) -> Reply:
    """ACL GENPASS [bits]: hex of ``bits`` random bits (rounded up to 4)."""
    if len(argv) > 3:
        raise _syntax_error(argv)
    bits = 256
    if len(argv) == 3:
        bits = parse_int(argv[2], "ERR value is not an integer or out of range")
        if bits <= 0 or bits > 4096:
            raise CommandError("ERR ACL GENPASS argument must be the number of bits for the "
                               "output password, a positive number up to 4096")
    chars = (bits + 3) // 4
    return os.urandom((chars + 1) // 2).hex()[:chars].encode()


@command("acl|log", arity=-2, flags=_ADMIN, group="server", since="6.0.0",
         summary="List latest events denied because of ACLs in place",
         complexity="O(N) with N being the number of entries shown.")
def acl_log_command(client: Client, argv: list[bytes]) -> Reply:
    """ACL LOG [count | RESET]: newest first."""
    if len(argv) > 3:
        raise _syntax_error(argv)
    registry = client.server.acl
    count = len(registry.log)
    if len(argv) == 3:
        if argv[2].lower() == b"reset":
            registry.log.clear()
            return OK
        count = parse_int(argv[2], "ERR value is not an integer or out of range")
        count = max(count, 0)
    now = time.time()
    return [Map([
        (b"count", entry.count),
        (b"reason", entry.reason.encode()),
        (b"context", entry.context.encode()),
        (b"object", entry.obj.encode("utf-8", "surrogateescape")),
        (b"username", entry.username.encode("utf-8", "surrogateescape")),
        (b"age-seconds", Double(now - entry.created)),
        (b"client-info", entry.client_info.encode()),
    ]) for entry in list(registry.log)[:count]]


@command("acl|dryrun", arity=-4, flags=_ADMIN, group="server", since="7.0.0",
         summary="Returns whether the user can execute the given command without executing "
                 "the command.", complexity="O(1).")
def acl_dryrun_command(client: Client, argv: list[bytes]) -> Reply:
    user = client.server.acl.users.get(argv[2].decode("utf-8", "surrogateescape"))
    if user is None:
        raise CommandError(f"ERR User '{argv[2].decode('utf-8', 'replace')}' not found")
    spec = COMMANDS.get(argv[3].lower())
    if spec is None:
        raise CommandError(f"ERR Command '{argv[3].decode('utf-8', 'replace')}' not found")
    target = argv[3:]
    resolved = dispatch.resolve(target)
    if isinstance(resolved, str):
        raise CommandError(resolved)
    denied = user.denial(resolved, target)
    if denied is None:
        return OK
    return acl.dryrun_text(*denied).encode()


@command("acl|save", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         summary="Save the current ACL rules in the configured ACL file",
         complexity="O(N). Where N is the number of configured users.")
def acl_save_command(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError(_NO_ACLFILE)


@command("acl|load", arity=2, flags=_ADMIN, group="server", since="6.0.0",
         summary="Reload the ACLs from the configured ACL file",
         complexity="O(N). Where N is the number of configured users.")
def acl_load_command(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError(_NO_ACLFILE)


@command("acl|help", arity=2, flags="loading stale", group="server", since="6.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def acl_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("ACL", [
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the "
        "command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
    ])
