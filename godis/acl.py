"""ACL users and the permission check (Redis 7.0's acl.c, without selectors).

A :class:`User` holds what ``ACL SETUSER`` rules set: on/off, passwords (SHA-256 hex), the
allowed command names (leaf commands, ``container|sub`` names, and container names as Redis's
parent bits), first-argument rules, key patterns with read/write flags, channel patterns.
Every server has one :class:`AclRegistry` (``ServerState.acl``), created with the ``default``
user, whose password follows ``requirepass`` as in Redis's ACLUpdateDefaultUserPassword.

:meth:`AclRegistry.check` is what dispatch calls for every command: while no user is
restricted it returns at its first line (one attribute test), so the all-permissive default
costs nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from godis.errors import ConfigError
from godis.glob import glob_match
from godis.keyspecs import has_keys, keys_with_specs
from godis.table import CATEGORIES, COMMANDS, CommandSpec

if TYPE_CHECKING:
    from godis.client import Client
    from godis.state import ServerState

READ, WRITE = 1, 2
_HEX = frozenset("0123456789abcdef")

class AclError(Exception):
    """A rule ACL SETUSER refuses; ``reason`` is Redis's text after the modifier."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def hash_password(password: bytes) -> str:
    return hashlib.sha256(password).hexdigest()


def every_command() -> list[CommandSpec]:
    """Every command and subcommand in the table, containers before their subcommands."""
    specs: list[CommandSpec] = []
    for name in sorted(COMMANDS):
        spec = COMMANDS[name]
        specs.append(spec)
        specs.extend(spec.subcommands[sub] for sub in sorted(spec.subcommands))
    return specs


def in_category(spec: CommandSpec, category: str) -> bool:
    return category in spec.acl_categories


@dataclass(eq=False)
class User:
    """One ACL user (Redis's ``user`` struct with its root selector)."""

    name: str
    enabled: bool = False
    nopass: bool = False
    sanitize: str = ""  # "", "sanitize-payload" or "skip-sanitize-payload"
    passwords: list[str] = field(default_factory=list)
    all_future: bool = False  # Redis's reserved bit set only by +@all
    allowed: set[str] = field(default_factory=set)
    first_args: dict[str, list[str]] = field(default_factory=dict)
    allkeys: bool = False
    keys: list[tuple[str, int]] = field(default_factory=list)  # (pattern, READ|WRITE)
    allchannels: bool = False
    channels: list[str] = field(default_factory=list)
    unrestricted: bool = False  # may run anything on any key and channel: the fast path

    # -- rules ---------------------------------------------------------------------------------

    def apply(self, rule: str) -> None:
        """Apply one ACL SETUSER rule (raises AclError with Redis's reason)."""
        lowered = rule.lower()
        if lowered == "on":
            self.enabled = True
        elif lowered == "off":
            self.enabled = False
        elif lowered == "skip-sanitize-payload" or lowered == "sanitize-payload":
            self.sanitize = lowered
        elif lowered == "nopass":
            self.nopass = True
            self.passwords.clear()
        elif lowered == "resetpass":
            self.nopass = False
            self.passwords.clear()
        elif rule[:1] in (">", "<", "#", "!"):
            self._password_rule(rule)
        elif lowered == "allkeys" or rule == "~*":
            self.allkeys = True
            self.keys = [("*", READ | WRITE)]
        elif lowered == "resetkeys":
            self.allkeys = False
            self.keys = []
        elif rule[:1] == "~" or rule[:1] == "%":
            self._key_rule(rule)
        elif lowered == "allchannels" or rule == "&*":
            self.allchannels = True
            self.channels = ["*"]
        elif lowered == "resetchannels":
            self.allchannels = False
            self.channels = []
        elif rule[:1] == "&":
            if self.allchannels:
                raise AclError("Adding a pattern after the * pattern (or the 'allchannels' "
                               "flag) is not valid and does not have any effect. Try "
                               "'resetchannels' to start with an empty list of channels")
            if rule[1:] not in self.channels:
                self.channels.append(rule[1:])
        elif lowered == "allcommands" or lowered == "+@all":
            self.all_future = True
            self.allowed = {spec.name for spec in every_command()}
            self.first_args.clear()
        elif lowered == "nocommands" or lowered == "-@all":
            self.all_future = False
            self.allowed = set()
            self.first_args.clear()
        elif rule[:2] in ("+@", "-@"):
            category = lowered[2:]
            if category not in CATEGORIES:
                raise AclError("Unknown command or category name in ACL")
            self.set_category(category, rule[0] == "+")
        elif rule[:1] in ("+", "-"):
            self._command_rule(lowered)
        elif lowered == "reset":
            self.reset()
        else:
            raise AclError("Syntax error")

    def reset(self) -> None:
        """``reset``: resetpass resetkeys resetchannels off -@all, sanitize-payload."""
        self.enabled = False
        self.nopass = False
        self.passwords.clear()
        self.sanitize = "sanitize-payload"
        self.allkeys = False
        self.keys = []
        self.allchannels = False
        self.channels = []
        self.all_future = False
        self.allowed = set()
        self.first_args.clear()

    def _password_rule(self, rule: str) -> None:
        kind, text = rule[0], rule[1:]
        if kind in "#!":
            if len(text) != 64 or not set(text) <= _HEX:
                raise AclError("The password hash must be exactly 64 characters and contain "
                               "only lowercase hexadecimal characters")
            digest = text
        else:
            digest = hash_password(text.encode("utf-8", "surrogateescape"))
        if kind in ">#":
            if digest not in self.passwords:
                self.passwords.append(digest)
            self.nopass = False
        else:
            if digest not in self.passwords:
                raise AclError("The password you are trying to remove from the user does "
                               "not exist")
            if digest in self.passwords:
                self.passwords.remove(digest)

    def _key_rule(self, rule: str) -> None:
        if rule[0] == "%":
            head, sep, pattern = rule[1:].partition("~")
            if not sep or not head:
                raise AclError("Syntax error")
            flags = 0
            for char in head.upper():
                if char == "R":
                    flags |= READ
                elif char == "W":
                    flags |= WRITE
                else:
                    raise AclError("Syntax error")
        else:
            pattern, flags = rule[1:], READ | WRITE
        if self.allkeys:
            raise AclError("Adding a pattern after the * pattern (or the 'allkeys' flag) is "
                           "not valid and does not have any effect. Try 'resetkeys' to start "
                           "with an empty list of patterns")
        for index, (existing, existing_flags) in enumerate(self.keys):
            if existing == pattern:
                self.keys[index] = (pattern, existing_flags | flags)
                return
        self.keys.append((pattern, flags))

    def set_category(self, category: str, allow: bool) -> None:
        """+@category / -@category: every command and subcommand in it."""
        for spec in every_command():
            if category in spec.acl_categories:
                self._set(spec, allow)

    def _set(self, spec: CommandSpec, allow: bool) -> None:
        """Redis's ACLChangeSelectorPerm: a container takes all its subcommands along."""
        names = [spec.name, *(sub.name for sub in spec.subcommands.values())]
        if allow:
            self.allowed.update(names)
        else:
            self.allowed.difference_update(names)
        for name in names:
            self.first_args.pop(name, None)

    def _command_rule(self, rule: str) -> None:
        allow = rule[0] == "+"
        name = rule[1:]
        spec = COMMANDS.get(name.encode())
        if spec is not None:
            self._set(spec, allow)
            return
        parent_name, bar, rest = name.partition("|")
        parent = COMMANDS.get(parent_name.encode()) if bar else None
        if parent is None:
            raise AclError("Unknown command or category name in ACL")
        if parent.subcommands:
            if "|" in rest:
                raise AclError("Allowing first-arg of a subcommand is not supported")
            sub = parent.subcommands.get(rest)
            if sub is None:
                raise AclError("Unknown command or category name in ACL")
            self._set(sub, allow)
            return
        if not allow or not rest or "|" in rest:
            raise AclError("Unknown command or category name in ACL")
        if parent.name not in self.allowed:  # first-arg rules only where the command is off
            args = self.first_args.setdefault(parent.name, [])
            if rest not in args:
                args.append(rest)

    # -- description ---------------------------------------------------------------------------

    def describe_commands(self) -> str:
        """Redis 7.0's ACLDescribeSelectorCommandRules: +@all/-@all, the best-fitting
        categories, then single commands (Redis walks them in hash order; we sort)."""
        additive = not self.all_future
        rules = ["-@all" if additive else "+@all"]
        specs = every_command()
        fake: set[str] = set() if additive else {spec.name for spec in specs}
        temp = set(self.allowed)
        applied: set[str] = set()
        while True:
            best = None
            mindiff, maxsame = 1 << 62, 0
            for category in CATEGORIES:
                if category in applied:
                    continue
                on = off = 0
                for spec in specs:
                    if category in spec.acl_categories:
                        if spec.name in temp:
                            on += 1
                        else:
                            off += 1
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (diff < mindiff or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = category, diff, same
            if best is None:
                break
            members = [spec.name for spec in specs if best in spec.acl_categories]
            if additive:
                fake.update(members)
                temp.difference_update(members)
            else:
                fake.difference_update(members)
                temp.update(members)
            rules.append(("+@" if additive else "-@") + best)
            applied.add(best)
        for name in sorted(COMMANDS):
            spec = COMMANDS[name]
            for item in (spec, *(spec.subcommands[s] for s in sorted(spec.subcommands))):
                mine = item.name in self.allowed
                if mine != (item.name in fake):
                    rules.append(("+" if mine else "-") + item.name)
                    names = [item.name, *(sub.name for sub in item.subcommands.values())]
                    if mine:
                        fake.update(names)
                    else:
                        fake.difference_update(names)
            for arg in self.first_args.get(spec.name, ()):
                rules.append(f"+{spec.name}|{arg}")
        return " ".join(rules)

    def flag_words(self) -> list[str]:
        words = ["on" if self.enabled else "off"]
        if self.nopass:
            words.append("nopass")
        if self.sanitize:
            words.append(self.sanitize)
        return words

    def key_words(self) -> list[str]:
        if self.allkeys:
            return ["~*"]
        marks = {READ: "%R~", WRITE: "%W~", READ | WRITE: "~"}
        return [marks[flags] + pattern for pattern, flags in self.keys]

    def channel_words(self) -> list[str]:
        return ["&" + pattern for pattern in self.channels]

    def describe(self) -> str:
        """The ACL LIST line (ACLDescribeUser)."""
        words = [*self.flag_words(), *("#" + p for p in self.passwords), *self.key_words()]
        if not self.allchannels:
            words.append("resetchannels")
        words.extend(self.channel_words())
        words.append(self.describe_commands())
        return f"user {self.name} " + " ".join(words)

    # -- checks --------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.unrestricted = (self.all_future and self.allkeys and self.allchannels
                             and all(spec.name in self.allowed for spec in every_command()))

    def can_run(self, spec: CommandSpec, argv: list[bytes]) -> bool:
        if spec.name in self.allowed or "no_auth" in spec.flags:
            return True
        args = self.first_args.get(spec.name)
        if args and len(argv) > 1:
            return argv[1].decode("utf-8", "surrogateescape").lower() in args
        return False

    def can_access_key(self, key: bytes, flags: int) -> bool:
        if self.allkeys:
            return True
        for pattern, allowed in self.keys:
            if allowed & flags == flags and glob_match(pattern.encode("utf-8", "surrogateescape"),
                                                       key):
                return True
        return False

    def can_access_channel(self, channel: bytes, is_pattern: bool) -> bool:
        """A pattern subscription needs the very same pattern in the user's list (7.0)."""
        if self.allchannels:
            return True
        text = channel.decode("utf-8", "surrogateescape")
        for pattern in self.channels:
            if is_pattern:
                if pattern == text:
                    return True
            elif glob_match(pattern.encode("utf-8", "surrogateescape"), channel):
                return True
        return False

    def denial(self, spec: CommandSpec, argv: list[bytes]) -> tuple[str, str] | None:
        """Why this user may not run argv: ("command"|"key"|"channel", object), or None."""
        if not self.can_run(spec, argv):
            return ("command", spec.name)
        if not self.allkeys and not spec.keys_are_channels:
            for key, flags in _keys_and_permissions(spec, argv):
                if not self.can_access_key(key, flags):
                    return ("key", key.decode("utf-8", "surrogateescape"))
        if not self.allchannels and spec.channels:
            channels = argv[1:2] if spec.channels == "first" else argv[1:]
            for channel in channels:
                if not self.can_access_channel(channel, spec.channels == "patterns"):
                    return ("channel", channel.decode("utf-8", "surrogateescape"))
        return None


def _keys_and_permissions(spec: CommandSpec, argv: list[bytes]) -> list[tuple[bytes, int]]:
    """The keys ACL checks and the permissions each needs (ACLSelectorCheckCmd): found by the
    key specs (getKeysFromCommandWithSpecs); ``access`` needs read, ``insert`` / ``delete`` /
    ``update`` write, a key a getkeys proc gives without flags needs neither."""
    meta = spec.meta
    if meta is None:  # a command Redis does not declare: its registered key positions
        if not spec.first_key and spec.get_keys is None:
            return []
        return [(key, WRITE if spec.is_write else READ) for key in spec.keys(argv)]
    if not has_keys(meta.key_specs, meta.getkeys):
        return []
    found = []
    for position, key_flags in keys_with_specs(meta.key_specs, meta.getkeys, argv):
        needed = READ if "access" in key_flags else 0
        if _WRITING_KEY_FLAGS.intersection(key_flags):
            needed |= WRITE
        found.append((argv[position], needed))
    return found


_WRITING_KEY_FLAGS = frozenset({"insert", "delete", "update"})

_NOPERM = {
    "key": "NOPERM this user has no permissions to access one of the keys used as arguments",
    "channel": "NOPERM this user has no permissions to access one of the channels used as "
               "arguments",
}


def noperm_text(reason: str, obj: str) -> str:
    if reason == "command":
        return f"NOPERM this user has no permissions to run the '{obj}' command"
    return _NOPERM[reason]


_SCRIPT_DENIALS = {
    "command": "can't run this command or subcommand",
    "key": "can't access at least one of the keys mentioned in the command arguments",
    "channel": "can't publish to the channel mentioned in the command",
}


def dryrun_text(reason: str, obj: str) -> str:
    if reason == "command":
        return f"This user has no permissions to run the '{obj}' command"
    return f"This user has no permissions to access the '{obj}' {reason}"


@dataclass
class LogEntry:
    count: int
    reason: str
    context: str
    obj: str
    username: str
    created: float
    client_info: str


class AclRegistry:
    """A server's users and ACL LOG."""

    def __init__(self, server: ServerState) -> None:
        self.server = server
        default = User("default", enabled=True, nopass=True, all_future=True, allkeys=True,
                       allchannels=True, keys=[("*", READ | WRITE)], channels=["*"])
        default.allowed = {spec.name for spec in every_command()}
        default.refresh()
        self.users: dict[str, User] = {"default": default}
        self.log: deque[LogEntry] = deque()
        self.synced_requirepass = ""
        self.any_restricted = False  # the fast path of check()
        self.sync_requirepass()
        self.load_configured_users(server.config.users)

    def load_configured_users(self, lines: list[list[str]]) -> None:
        """ACLLoadConfiguredUsers: each config file ``user`` line resets (or creates) the user
        and applies its rules; a bad rule fails the start as Redis's config loading does."""
        for name, *rules in lines:
            if " " in name or "\0" in name:
                raise ConfigError(f"Error in user declaration '{name}': Usernames can't "
                                  "contain spaces or null characters")
            user = self.users.get(name) or User(name)
            for rule in ["reset", *rules]:
                try:
                    user.apply(rule)
                except AclError as error:
                    raise ConfigError(f"Error in user declaration '{rule}': "
                                      f"{error.reason}") from None
            user.refresh()
            self.users[name] = user
        self.refresh_restrictions()  # a "user default" line wins over requirepass, as Redis

    def sync_requirepass(self) -> None:
        """requirepass sets (or, empty, clears) the default user's password."""
        current = str(self.server.config["requirepass"])
        if current != self.synced_requirepass:
            self.synced_requirepass = current
            default = self.users["default"]
            default.passwords.clear()
            if current:
                default.nopass = False
                default.passwords.append(hash_password(current.encode()))
            else:
                default.nopass = True

    def add_log(self, client: Client, reason: str, obj: str, username: str,
                context: str | None = None) -> None:
        """Group with a recent identical entry (within 60 s), as ACLAddLogEntry."""
        if context is None:
            context = "multi" if client.in_multi else "toplevel"
        now = time.time()
        for entry in self.log:
            if (entry.reason == reason and entry.context == context and entry.obj == obj
                    and entry.username == username and now - entry.created < 60):
                entry.count += 1
                entry.created = now
                entry.client_info = client.info_line()
                self.log.remove(entry)
                self.log.appendleft(entry)
                return
        self.log.appendleft(LogEntry(1, reason, context, obj, username, now,
                                     client.info_line()))
        while len(self.log) > int(self.server.config["acllog-max-len"]):  # addACLLogEntry
            self.log.pop()

    def refresh_restrictions(self) -> None:
        """Recompute the fast-path flag after users changed."""
        self.any_restricted = any(not user.unrestricted for user in self.users.values())

    def denial(self, client: Client, spec: CommandSpec,
               argv: list[bytes]) -> tuple[str, str, str] | None:
        """Why ``client``'s user may not run argv: (reason, object, user), or None."""
        if not self.any_restricted:
            return None
        user = self.users.get(client.user)
        if user is None or user.unrestricted:
            return None
        denied = user.denial(spec, argv)
        return None if denied is None else (*denied, user.name)

    def check(self, client: Client, spec: CommandSpec, argv: list[bytes]) -> str | None:
        """None when ``client`` may run this, else the -NOPERM text (logged in ACL LOG)."""
        if not self.any_restricted:
            return None
        denied = self.denial(client, spec, argv)
        if denied is None:
            return None
        reason, obj, username = denied
        self.add_log(client, reason, obj, username)
        return noperm_text(reason, obj)

    def check_script(self, client: Client, spec: CommandSpec, argv: list[bytes]) -> str | None:
        """A command a script calls (scriptVerifyACL): None, or why not in the words that
        follow "The user executing the script " (getAclErrorMessage); logged as "lua"."""
        denied = self.denial(client, spec, argv)
        if denied is None:
            return None
        reason, obj, username = denied
        self.add_log(client, reason, obj, username, context="lua")
        return _SCRIPT_DENIALS[reason]

    def permits(self, client: Client, spec: CommandSpec, argv: list[bytes]) -> bool:
        """Whether ``client``'s user may run argv (redis.acl_check_cmd; nothing is logged)."""
        return self.denial(client, spec, argv) is None

    def authenticate(self, client: Client, username: bytes, password: bytes) -> bool:
        """Check a username/password pair; on success the client becomes that user."""
        name = username.decode("utf-8", "surrogateescape")
        user = self.users.get(name)
        if user is not None and user.enabled and (
                user.nopass or hash_password(password) in user.passwords):
            client.user = name
            client.authenticated = True
            return True
        self.add_log(client, "auth", "AUTH", name)
        return False

    def default_requires_auth(self) -> bool:
        """Whether new connections start unauthenticated (Redis's authRequired)."""
        default = self.users["default"]
        return not default.nopass or not default.enabled
