"""The shapes of Redis's command declarations (src/commands/*.json, as commands.c holds them).

A :class:`Meta` is one command's documentation (COMMAND DOCS), its ACL categories, tips and
key specs (COMMAND INFO, COMMAND GETKEYS); the command table attaches it to the registration of
the same name. The data modules beside this one were generated from Redis 7.0.15's JSON files,
one module per command group, and are kept as ordinary Python declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_SPEC_FLAGS = ("RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
                  "incomplete", "variable_flags")
"""Key-spec flags in Redis's order (addReplyFlagsForKeyArgs)."""


@dataclass(frozen=True)
class Index:
    """begin_search by position: the first key is ``argv[pos]``."""

    pos: int


@dataclass(frozen=True)
class Keyword:
    """begin_search by keyword: the first key follows ``keyword``, searched from ``startfrom``
    (negative: backwards from the end)."""

    keyword: str
    startfrom: int


@dataclass(frozen=True)
class UnknownBegin:
    """begin_search Redis cannot describe (SORT's BY/GET, MIGRATE's KEYS): a getkeys proc."""


@dataclass(frozen=True)
class Range:
    """find_keys as a range: ``lastkey`` relative to the begin (negative: from the end),
    ``step`` between keys, ``limit`` (when lastkey is -1: 1/limit of the rest)."""

    lastkey: int
    step: int
    limit: int


@dataclass(frozen=True)
class KeyNum:
    """find_keys by a count: ``argv[begin + keynumidx]`` keys, from ``begin + firstkey``."""

    keynumidx: int
    firstkey: int
    step: int


@dataclass(frozen=True)
class UnknownFind:
    """find_keys Redis cannot describe."""


UNKNOWN_BEGIN = UnknownBegin()
UNKNOWN_FIND = UnknownFind()


@dataclass(frozen=True)
class KeySpec:
    """One key spec: flags (space-separated), where the search begins, how keys are found."""

    flags: str
    begin: Index | Keyword | UnknownBegin
    find: Range | KeyNum | UnknownFind
    notes: str = ""

    @property
    def flag_set(self) -> frozenset[str]:
        return frozenset(self.flags.split())

    def ordered_flags(self) -> list[str]:
        """The flags in Redis's reply order."""
        have = self.flag_set
        return [flag for flag in KEY_SPEC_FLAGS if flag in have]


@dataclass(frozen=True)
class Arg:
    """One argument as COMMAND DOCS describes it (redis-cli builds its hints from these)."""

    name: str
    type: str  # string integer double key pattern unix-time pure-token oneof block
    key_spec_index: int = -1
    token: str | None = None
    summary: str | None = None
    since: str | None = None
    deprecated_since: str | None = None
    optional: bool = False
    multiple: bool = False
    multiple_token: bool = False
    arguments: tuple[Arg, ...] = ()


@dataclass(frozen=True)
class Meta:
    """One command's declaration. ``name`` is lower case, ``container|sub`` for subcommands;
    ``arity`` and ``flags`` are Redis's, which the registration must match (tests check);
    ``acl`` holds the explicit ACL categories (the implicit ones follow from the flags)."""

    name: str
    group: str
    arity: int
    flags: str
    summary: str | None = None
    since: str | None = None
    complexity: str | None = None
    doc_flags: str = ""
    deprecated_since: str | None = None
    replaced_by: str | None = None
    acl: str = ""
    getkeys: str = ""  # Redis's getkeys_proc (setGetKeys ...), served by godis.keyspecs
    tips: str = ""
    history: tuple[tuple[str, str], ...] = ()
    key_specs: tuple[KeySpec, ...] = ()
    arguments: tuple[Arg, ...] = ()
