"""The one declarative command table.

Every command is a :class:`CommandSpec`: name, arity, flags, key positions, documentation and
its handler. Dispatch (lookup, arity, MULTI queueing, ACL checks, AOF logging of write commands),
``COMMAND`` / ``COMMAND INFO`` / ``COMMAND DOCS`` and the generated ``docs/commands.md`` all read
this table, as Redis's ``commands.def`` drives ``processCommand`` and ``COMMAND``.

Handlers register themselves with the :func:`command` decorator in their group's module::

    @command("get", arity=2, flags="readonly fast", keys=(1, 1, 1), group="string",
             summary="Get the value of a key", since="1.0.0", complexity="O(1)")
    def get_command(client: Client, argv: list[bytes]) -> Reply: ...

Arity follows Redis: ``N`` means exactly N arguments including the name, ``-N`` at least N.
``keys=(first, last, step)`` gives key positions; a negative ``last`` counts from the end.
Subcommands are named ``container|sub`` (``config|get``).

Each registration is joined to Redis 7.0.15's declaration of the same name
(:data:`godis.commandmeta.META`: documentation, explicit ACL categories, tips, key specs), the
way commands.def joins a command's JSON to its function: COMMAND INFO / DOCS / GETKEYS / LIST,
ACL categories and ``+@category`` rules read it. The registration keeps what dispatch needs
(arity, flags, key positions, get_keys); a test checks these agree with the declaration.
The registration's ``summary`` / ``since`` / ``complexity`` only serve a command Redis does not
declare (none today); the spec takes the declaration's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from godis.commandmeta import META
from godis.commandmeta.model import Meta

if TYPE_CHECKING:
    from godis.blocking import BlockRequest
    from godis.client import Client
    from godis.protocol.writer import Reply

Handler = Callable[["Client", list[bytes]], "Reply | BlockRequest"]
"""A command handler: a reply, or a request to block (blocking commands)."""
KeysFinder = Callable[[list[bytes]], list[int]]

FLAG_ORDER = (
    "write",  # may modify the dataset: logged to the AOF when it did
    "readonly",  # only reads keys
    "denyoom",  # may grow memory use
    "admin",  # administrative, dangerous in the wrong hands
    "pubsub",  # pub/sub related
    "noscript",  # not allowed from scripts
    "blocking",  # may block the client
    "loading",  # allowed while the dataset loads
    "stale",
    "skip_monitor",  # not shown to MONITOR
    "skip_slowlog",
    "asking",  # a cluster's ASKING-redirected import (RESTORE-ASKING)
    "fast",  # O(1) or O(log N), never blocks
    "no_auth",  # allowed before AUTH
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",  # refused inside MULTI
    "movablekeys",  # key positions depend on the arguments (a ``get_keys`` function)
    "allow_busy",  # allowed while a script runs too long
)
"""The flags COMMAND INFO shows, in Redis 7.0's order (addReplyCommandFlags)."""

FLAGS = frozenset((*FLAG_ORDER, "may_replicate", "protected"))
"""Every flag a command may declare; ``may_replicate`` and ``protected`` (set by
:func:`command`'s ``protected=``) are hidden from COMMAND, as in Redis."""

CATEGORIES = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
)
"""Redis's ACLCommandCategories, in its order (ACL CAT, COMMAND INFO, the rule describer)."""

GROUP_CATEGORY = {
    "string": "string",
    "bitmap": "bitmap",
    "generic": "keyspace",
    "hash": "hash",
    "list": "list",
    "set": "set",
    "sorted-set": "sortedset",
    "hyperloglog": "hyperloglog",
    "pubsub": "pubsub",
    "transactions": "transaction",
    "scripting": "scripting",
    "connection": "connection",
    "geo": "geo",
    "stream": "stream",
}


@dataclass(frozen=True)
class CommandSpec:
    """A command as the table declares it. ``name`` is lower case; ``container|sub``."""

    name: str
    handler: Handler
    arity: int
    flags: frozenset[str]
    first_key: int = 0
    last_key: int = 0
    key_step: int = 0
    group: str = "generic"
    summary: str = ""
    since: str = "1.0.0"
    complexity: str = ""
    acl_categories: frozenset[str] = frozenset()
    get_keys: KeysFinder | None = None
    subcommands: dict[str, CommandSpec] = field(default_factory=dict)
    written_keys_finder: KeysFinder | None = None  # keys it modifies, when not all its keys
    # pub/sub channels among the arguments, for ACL: "first" (argv[1]), "all" (argv[1:]),
    # "patterns" (argv[1:], glob patterns); shard commands declare channels as keys
    channels: str = ""
    keys_are_channels: bool = False
    meta: Meta | None = None  # Redis's declaration of the command (godis.commandmeta)
    # CMD_PROTECTED: the enable-*-command parameter that must allow it (DEBUG, MODULE LOAD...)
    protected: str = ""
    # Derived once, read on every call by dispatch.
    is_write: bool = False
    propagates: bool = False  # logged to the AOF when it changed the dataset

    def key_positions(self, argv: list[bytes]) -> list[int]:
        """Indexes in ``argv`` that are keys (Redis's getKeysFromCommand)."""
        if self.get_keys is not None:
            return self.get_keys(argv)
        if self.first_key <= 0:
            return []
        last = self.last_key if self.last_key >= 0 else len(argv) + self.last_key
        last = min(last, len(argv) - 1)
        return list(range(self.first_key, last + 1, self.key_step or 1))

    def keys(self, argv: list[bytes]) -> list[bytes]:
        return [argv[i] for i in self.key_positions(argv)]

    def written_keys(self, argv: list[bytes]) -> list[bytes]:
        """The keys this call may modify (WATCH invalidation, blocked clients): by default all
        its keys; commands that read sources and write a destination say which."""
        if self.written_keys_finder is not None:
            return [argv[i] for i in self.written_keys_finder(argv) if i < len(argv)]
        return self.keys(argv)


COMMANDS: dict[bytes, CommandSpec] = {}
"""Top-level commands by lower-case name, the table dispatch reads."""


def _implicit_categories(flags: frozenset[str], group: str,
                         explicit: frozenset[str] = frozenset()) -> frozenset[str]:
    """Redis's ``setImplicitACLCategories`` over the ``explicit`` ones; a command Redis does
    not declare (none today) gets its group's category too."""
    categories = set(explicit)
    if "write" in flags:
        categories.add("write")
    if "readonly" in flags and group != "scripting" and "scripting" not in explicit:
        categories.add("read")
    if "admin" in flags:
        categories.update(("admin", "dangerous"))
    if "pubsub" in flags:
        categories.add("pubsub")
    if "fast" in flags:
        categories.add("fast")
    if "blocking" in flags:
        categories.add("blocking")
    if "fast" not in categories:
        categories.add("slow")
    if group in GROUP_CATEGORY:
        categories.add(GROUP_CATEGORY[group])
    return frozenset(categories)


def command(
    name: str,
    *,
    arity: int,
    flags: str = "",
    keys: tuple[int, int, int] = (0, 0, 0),
    group: str = "generic",
    summary: str = "",
    since: str = "1.0.0",
    complexity: str = "",
    acl: str = "",
    get_keys: KeysFinder | None = None,
    written_keys: KeysFinder | None = None,
    channels: str = "",
    keys_are_channels: bool = False,
    protected: str = "",
) -> Callable[[Handler], Handler]:
    """Register the decorated handler in the table under ``name``.

    ``protected`` names the parameter (``enable-debug-command``, ``enable-module-command``)
    that decides whether the command may run at all: Redis's ``CMD_PROTECTED`` (the spec gets
    the ``protected`` flag, which the declaration's flags must match), checked by dispatch
    right after the arity (processCommand), hidden from COMMAND INFO as in Redis.
    """
    flag_set = frozenset(flags.split())
    unknown = flag_set - FLAGS
    if unknown:
        raise ValueError(f"{name}: unknown flags {sorted(unknown)}")
    if "protected" in flag_set:
        raise ValueError(f"{name}: protected= names the parameter that allows it")
    if protected:
        flag_set |= {"protected"}
    if get_keys is not None:
        flag_set |= {"movablekeys"}

    def register(handler: Handler) -> Handler:
        meta = META.get(name)
        words = acl.split()
        if meta is not None:  # Redis's categories: its declared ones and the flags' (one truth)
            categories = _implicit_categories(flag_set, "", frozenset(meta.acl.split()))
        else:
            # a container (CONFIG, CLIENT, ...) carries only its flags' categories, as in Redis
            categories = _implicit_categories(flag_set, "" if "-group" in words else group)
            categories |= frozenset(word for word in words if word != "-group")
        spec = CommandSpec(
            name=name,
            handler=handler,
            arity=arity,
            flags=flag_set,
            first_key=keys[0],
            last_key=keys[1],
            key_step=keys[2],
            # the declaration's documentation wins: the registration's serves undeclared ones
            group=meta.group if meta is not None else group,
            summary=meta.summary or "" if meta is not None else summary,
            since=meta.since or "" if meta is not None else since,
            complexity=meta.complexity or "" if meta is not None else complexity,
            acl_categories=categories,
            get_keys=get_keys,
            written_keys_finder=written_keys,
            channels=channels,
            keys_are_channels=keys_are_channels,
            meta=meta,
            protected=protected,
            is_write="write" in flag_set,
            propagates="write" in flag_set or "may_replicate" in flag_set,
        )
        if "|" in name:
            parent_name, sub = name.split("|", 1)
            parent = COMMANDS.get(parent_name.encode())
            if parent is None:
                raise ValueError(f"{name}: register the container {parent_name!r} first")
            parent.subcommands[sub] = spec
        else:
            if name.encode() in COMMANDS:
                raise ValueError(f"{name}: registered twice")
            COMMANDS[name.encode()] = spec
        return handler

    return register


def self_signalled(argv: list[bytes]) -> list[int]:
    """``written_keys`` for handlers that signal each key they modify themselves."""
    return []


def first_key_only(argv: list[bytes]) -> list[int]:
    """``written_keys`` for commands whose destination is argv[1] (SUNIONSTORE, PFMERGE...)."""
    return [1]


def container(name: str, *, group: str, summary: str, since: str = "2.0.0", arity: int = -2,
              flags: str = "", handler: Handler | None = None, complexity: str = "") -> None:
    """Register a container command (CONFIG, CLIENT, ...) that routes to its subcommands.

    ``handler`` serves the container called alone (COMMAND with no subcommand).
    """

    def no_handler(client: Client, argv: list[bytes]) -> Any:
        raise AssertionError("dispatch routes container commands to their subcommands")

    command(name, arity=arity, flags=flags, group=group, summary=summary,
            since=since, complexity=complexity, acl="-group")(handler or no_handler)


def lookup(argv: list[bytes]) -> CommandSpec | None:
    """The spec for ``argv``: a subcommand when the name is a container and one is given."""
    spec = COMMANDS.get(argv[0].lower())
    if spec is not None and spec.subcommands and len(argv) > 1:
        return spec.subcommands.get(argv[1].decode("utf-8", "replace").lower())
    return spec


def find_command(name: bytes) -> CommandSpec | None:
    """A command or ``container|sub`` by name (Redis's lookupCommandBySds), as COMMAND INFO,
    COMMAND DOCS and LATENCY HISTOGRAM take them."""
    lowered = name.lower()
    if b"|" in lowered:
        parent_name, sub = lowered.split(b"|", 1)
        parent = COMMANDS.get(parent_name)
        return parent.subcommands.get(sub.decode("utf-8", "replace")) if parent else None
    return COMMANDS.get(lowered)


def all_commands() -> list[CommandSpec]:
    """Every top-level command, sorted by name."""
    return [COMMANDS[name] for name in sorted(COMMANDS)]
