"""Settings: the parameters godis honours, redis.conf parsing, and CONFIG GET/SET.

Each parameter is declared once in ``PARAMETERS`` with its Redis name, default and parser.
Values are kept parsed (``config.port`` is an ``int``) and shown in Redis's canonical text form
by CONFIG GET. Only parameters godis actually honours are listed: reporting a setting that has
no effect would mislead the operator.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from godis.errors import ConfigError
from godis.glob import glob_match
from godis.keyspace.events import flags_to_string, parse_flags as parse_keyspace_events
from godis.persistence.files import write_atomically

_MEMORY_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}


def parse_memory(text: str) -> int:
    """A size as redis.conf writes it: ``512mb``, ``1gb``, ``100``."""
    lowered = text.strip().lower()
    digits = lowered.rstrip("kmgb")
    unit = lowered[len(digits) :]
    if unit not in _MEMORY_UNITS or not digits.lstrip("-").isdigit():
        raise ValueError(f"invalid memory size {text!r}")
    return int(digits) * _MEMORY_UNITS[unit]


def _size_value(text: str) -> int:
    """A memory config as Redis's ``memtoull`` reads it: an unsigned size, ``""`` is 0."""
    if text == "":
        return 0
    try:
        value = parse_memory(text)
    except ValueError:
        raise ValueError("argument must be a memory value") from None
    if value < 0:
        raise ValueError("argument must be a memory value")
    return value


_DEFAULT_OUTPUT_LIMITS = {"normal": (0, 0, 0), "slave": (268435456, 67108864, 60),
                          "pubsub": (33554432, 8388608, 60)}


def _output_limits(text: str) -> str:
    """Normalise ``client-output-buffer-limit``: classes not given keep their defaults."""
    words = text.split()
    if not words or len(words) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    limits = dict(_DEFAULT_OUTPUT_LIMITS)
    for i in range(0, len(words), 4):
        kind = words[i].lower()
        kind = "slave" if kind == "replica" else kind
        if kind not in limits:
            raise ValueError("Invalid client class specified in buffer limit configuration.")
        try:
            limits[kind] = (parse_memory(words[i + 1]), parse_memory(words[i + 2]),
                            int(words[i + 3]))
        except ValueError:
            raise ValueError("Error in hard, soft or soft_seconds setting in buffer limit "
                             "configuration.") from None
    return " ".join(f"{kind} {h} {s} {t}" for kind, (h, s, t) in limits.items())


def parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("yes", "1", "true"):
        return True
    if lowered in ("no", "0", "false"):
        return False
    raise ValueError("argument must be 'yes' or 'no'")


def parse_int(text: str) -> int:
    value = int(text)
    return value


def parse_octal(text: str) -> int:
    """An OCTAL_CONFIG value (unixsocketperm): octal digits, 0 to 777 (config.c)."""
    try:
        value = int(text, 8)
    except ValueError:
        raise ValueError("argument couldn't be parsed as an octal number") from None
    if not 0 <= value <= 0o777:
        raise ValueError("argument must be between 0 and 777 inclusive")
    return value


def _show_octal(value: Any) -> str:
    return f"{int(value):o}"


def _enum(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        lowered = text.lower()
        if lowered not in choices:
            raise ValueError("argument(s) must be one of the following: " + ", ".join(choices))
        return lowered

    return parse


def _text(text: str) -> str:
    return text


_STRTOLL = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def _save_points(text: str) -> str:
    """``save``: pairs of seconds (>= 1) and changes (>= 0), split on single spaces and read
    with ``strtoll`` as ``setConfigSaveOption`` does (so ``"5 "`` is ``5 0``)."""
    words = text.split(" ") if text else []
    numbers = []
    for word in words:
        if word and not _STRTOLL.fullmatch(word):
            raise ValueError("Invalid save parameters")
        numbers.append(int(word) if word else 0)
    if len(numbers) % 2 or any(number < (0 if index % 2 else 1)
                               for index, number in enumerate(numbers)):
        raise ValueError("Invalid save parameters")
    return " ".join(map(str, numbers))


def parse_save_points(text: str) -> list[tuple[int, int]]:
    """The (seconds, changes) pairs of a validated ``save`` value."""
    numbers = [int(word) for word in text.split()]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def _file_name(text: str) -> str:
    """``isValidDBfilename``: a name inside ``dir``, not a path."""
    if os.path.basename(text) != text:
        raise ValueError("dbfilename can't be a path, just a filename")
    return text


def _show_bool(value: Any) -> str:
    return "yes" if value else "no"


def _show(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class Parameter:
    """One configuration parameter: its parser, how CONFIG GET shows it, and its default."""

    name: str
    default: str
    parse: Callable[[str], Any] = _text
    show: Callable[[Any], str] = _show
    mutable: bool = True  # may CONFIG SET change it at run time
    minimum: int | None = None
    maximum: int | None = None


def _int_param(name: str, default: int, lo: int | None = None, hi: int | None = None,
               mutable: bool = True) -> Parameter:
    return Parameter(name, str(default), parse_int, _show, mutable, lo, hi)


def _bool_param(name: str, default: bool, mutable: bool = True) -> Parameter:
    return Parameter(name, "yes" if default else "no", parse_bool, _show_bool, mutable)


def _memory_param(name: str, default: str, lo: int | None = None) -> Parameter:
    return Parameter(name, default, parse_memory, _show, True, lo)


PARAMETERS: tuple[Parameter, ...] = (
    _int_param("port", 6969, 0, 65535, mutable=False),
    Parameter("bind", "127.0.0.1", _text, _show, mutable=False),
    Parameter("unixsocket", "", _text, _show, mutable=False),
    Parameter("unixsocketperm", "0", parse_octal, _show_octal, mutable=False),
    Parameter("dir", ".", _text, _show, mutable=False),
    _bool_param("appendonly", True, mutable=False),
    Parameter("appendfilename", "appendonly.aof", _text, _show, mutable=False),
    Parameter("appendfsync", "everysec", _enum("everysec", "always", "no"), _show),
    _bool_param("aof-load-truncated", True),
    _int_param("databases", 16, 1, 1_000_000, mutable=False),
    Parameter("loglevel", "notice", _enum("debug", "verbose", "notice", "warning", "nothing")),
    Parameter("logfile", "", _text, _show, mutable=False),
    Parameter("save", "", _save_points, _show),  # none by default, as redis-server --save ""
    _bool_param("rdbcompression", True),  # LZF strings in DUMP payloads and RDB files
    _bool_param("rdbchecksum", True, mutable=False),  # the CRC64 at the end of RDB files
    Parameter("dbfilename", "dump.rdb", _file_name, _show),  # SAVE, BGSAVE, DEBUG RELOAD, start-up
    Parameter("requirepass", "", _text, _show),
    _int_param("maxclients", 10000, 1),
    _int_param("timeout", 0, 0),
    _bool_param("protected-mode", True),
    _memory_param("proto-max-bulk-len", "536870912", 1024 * 1024),
    _memory_param("client-query-buffer-limit", "1073741824", 1024 * 1024),
    _int_param("hz", 10, 1, 500),
    Parameter("notify-keyspace-events", "", parse_keyspace_events, flags_to_string),
    _int_param("slowlog-log-slower-than", 10000),
    _int_param("slowlog-max-len", 128, 0),
    _int_param("busy-reply-threshold", 5000, 0),
    _int_param("auto-aof-rewrite-percentage", 100, 0),
    _memory_param("auto-aof-rewrite-min-size", "67108864", 0),
    _int_param("hash-max-listpack-entries", 512, 0),
    _int_param("hash-max-listpack-value", 64, 0),
    _int_param("list-max-listpack-size", -2),
    _int_param("set-max-intset-entries", 512, 0),
    _int_param("zset-max-listpack-entries", 128, 0),
    _int_param("zset-max-listpack-value", 64, 0),
    _int_param("hll-sparse-max-bytes", 3000, 0),
    _int_param("tracking-table-max-keys", 1000000, 0, 2**63 - 1),
    _memory_param("stream-node-max-bytes", "4096", 0),
    _int_param("stream-node-max-entries", 100, 0),
    Parameter("maxmemory", "0", _size_value, _show),
    Parameter("maxmemory-policy", "noeviction",
              _enum("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"), _show),
    _int_param("maxmemory-samples", 5, 1, 2147483647),
    _int_param("maxmemory-eviction-tenacity", 10, 0, 100),
    _int_param("lfu-log-factor", 10, 0, 2147483647),
    _int_param("lfu-decay-time", 1, 0, 2147483647),
    Parameter("daemonize", "no", parse_bool, _show_bool, mutable=False),
    Parameter("client-output-buffer-limit",
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
              lambda text: _output_limits(text)),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
PROTECTED = frozenset({"dbfilename"})
"""PROTECTED_CONFIG parameters: CONFIG SET refuses them (``enable-protected-configs no``)."""
ALIASES = {"lua-time-limit": "busy-reply-threshold",
           "hash-max-ziplist-entries": "hash-max-listpack-entries",
           "hash-max-ziplist-value": "hash-max-listpack-value",
           "list-max-ziplist-size": "list-max-listpack-size",
           "zset-max-ziplist-entries": "zset-max-listpack-entries",
           "zset-max-ziplist-value": "zset-max-listpack-value"}


class Config:
    """The running configuration: parsed values by Redis name, plus the file it came from."""

    def __init__(self, **overrides: Any) -> None:
        self._values: dict[str, Any] = {p.name: p.parse(p.default) for p in PARAMETERS}
        self.config_file: str | None = None
        for key, value in overrides.items():
            name = key.replace("_", "-")
            self._values[self._canonical(name)] = value

    @staticmethod
    def _canonical(name: str) -> str:
        lowered = name.lower()
        lowered = ALIASES.get(lowered, lowered)
        if lowered not in BY_NAME:
            raise ConfigError(f"Bad directive or wrong number of arguments: {name}")
        return lowered

    def __getitem__(self, name: str) -> Any:
        return self._values[self._canonical(name)]

    # Typed views of the parameters the server reads most.
    @property
    def port(self) -> int:
        return int(self._values["port"])

    @property
    def bind(self) -> str:
        return str(self._values["bind"])

    @property
    def dir(self) -> str:
        return str(self._values["dir"])

    @property
    def appendonly(self) -> bool:
        return bool(self._values["appendonly"])

    @property
    def appendfsync(self) -> str:
        return str(self._values["appendfsync"])

    @property
    def databases(self) -> int:
        return int(self._values["databases"])

    @property
    def busy_reply_threshold(self) -> int:
        """Milliseconds a script runs before other clients get -BUSY (lua-time-limit)."""
        return int(self._values["busy-reply-threshold"])

    @property
    def aof_path(self) -> str:
        return os.path.join(self.dir, str(self._values["appendfilename"]))

    def set_text(self, name: str, text: str, *, at_start: bool = False) -> None:
        """Set ``name`` from its text form, validating as CONFIG SET / a config file does."""
        canonical = self._canonical(name)
        param = BY_NAME[canonical]
        if not at_start and not param.mutable:
            raise ConfigError("can't set immutable config")
        if not at_start and canonical in PROTECTED:
            raise ConfigError("can't set protected config")
        try:
            value = param.parse(text)
        except ValueError as error:
            raise ConfigError("argument couldn't be parsed into an integer"
                              if param.parse is parse_int else str(error)) from None
        out_of_range = (param.minimum is not None and value < param.minimum) or (
            param.maximum is not None and value > param.maximum)
        if isinstance(value, int) and not isinstance(value, bool) and out_of_range:
            raise ConfigError("argument must be between "
                              f"{param.minimum} and {param.maximum} inclusive")
        self._values[canonical] = value

    def show(self, name: str) -> str:
        """The CONFIG GET text of ``name``."""
        param = BY_NAME[name]
        return param.show(self._values[name])

    def matching(self, pattern: str) -> list[tuple[str, str]]:
        """Parameters whose name matches the glob ``pattern`` (CONFIG GET), with their text."""
        lowered = pattern.lower()
        if not any(c in pattern for c in "[*?"):  # configGetCommand: no glob, a plain lookup
            if lowered in BY_NAME or lowered in ALIASES:
                return [(lowered, self.show(ALIASES.get(lowered, lowered)))]
            return []
        # stringmatch(pattern, name, 1): caseless, the pattern read up to a NUL.
        raw = pattern.split("\0", 1)[0].encode("utf-8", "surrogateescape")
        return [(p.name, self.show(p.name)) for p in PARAMETERS
                if glob_match(raw, p.name.encode(), nocase=True)]

    def load_file(self, path: str, extra_lines: list[str] | None = None) -> None:
        """Read a redis.conf-style file: ``name value...`` lines, ``#`` comments; then
        ``extra_lines`` (the command line's directives, which redis-server appends)."""
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.readlines()
        except OSError as error:
            raise ConfigError(f"Fatal error, can't open config file '{path}': "
                              f"{error.strerror}") from None
        self.load_lines(lines + (extra_lines or []), path)
        self.config_file = os.path.abspath(path)

    def load_lines(self, lines: list[str], source: str = "(command line)") -> None:
        """Apply configuration lines as loadServerConfigFromString does."""
        path = source
        saves: list[str] = []  # "save" lines add up, as Redis's (save "" clears them)
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                words = shlex.split(stripped)
            except ValueError:
                raise ConfigError(f"{path}:{number}: unbalanced quotes in configuration line") from None
            name, args = words[0], words[1:]
            if name.lower() == "save":
                saves = [] if args in ([], [""]) else saves + args
                args = saves
            try:
                self.set_text(name, " ".join(args), at_start=True)
            except ConfigError as error:
                raise ConfigError(f"{path}:{number}: '{stripped}': {error}") from None

    def rewrite(self) -> None:
        """CONFIG REWRITE: write every non-default parameter back to the config file."""
        if self.config_file is None:
            raise ConfigError("The server is running without a config file")
        lines = []
        for param in PARAMETERS:
            text = self.show(param.name)
            if text != param.show(param.parse(param.default)):
                lines.append(f"{param.name} {_quote(text)}\n")
        text = "# Generated by godis CONFIG REWRITE\n" + "".join(lines)
        write_atomically(self.config_file, text.encode(), prefix="temp-config-")


def _quote(text: str) -> str:
    if text == "" or any(c in text for c in " \"'\\"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
