"""Settings: the parameters godis honours, redis.conf parsing, and CONFIG GET/SET.

Each parameter is declared once in ``PARAMETERS`` with its Redis name, default and parser.
Values are kept parsed (``config.port`` is an ``int``) and shown in Redis's canonical text form
by CONFIG GET. Only parameters godis actually honours are listed: reporting a setting that has
no effect would mislead the operator.
"""

from __future__ import annotations

import glob
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


def _memory_value(text: str) -> int:
    """A MEMORY_CONFIG number as numericParseString reads it (``memtoull``: unsigned,
    ``""`` is 0)."""
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
    """An integer as ``string2ll`` reads it: beyond a long long it is no integer."""
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError("argument couldn't be parsed into an integer")
    return value


def parse_yes_no(text: str) -> bool:
    """A BOOL_CONFIG value as ``yesnotoi`` reads it: only ``yes`` or ``no``, any case."""
    lowered = text.lower()
    if lowered not in ("yes", "no"):
        raise ValueError("argument must be 'yes' or 'no'")
    return lowered == "yes"


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


def _aof_filename(text: str) -> str:
    """``isValidAOFfilename``: the prefix of the AOF's files, not empty, not a path."""
    if not text:
        raise ValueError("appendfilename can't be empty")
    if "/" in text or "\\" in text:
        raise ValueError("appendfilename can't be a path, just a filename")
    return text


def _aof_dirname(text: str) -> str:
    """``isValidAOFdirname``: the AOF's directory inside ``dir``, not empty, not a path."""
    if not text:
        raise ValueError("appenddirname can't be empty")
    if "/" in text or "\\" in text:
        raise ValueError("appenddirname can't be a path, just a dirname")
    return text


def _hz(text: str) -> int:
    """``hz``: 0..INT_MAX accepted, then capped to 1..500 as updateHZ does."""
    try:
        value = parse_int(text)
    except ValueError:
        raise ValueError("argument couldn't be parsed into an integer") from None
    if not 0 <= value <= 2**31 - 1:
        raise ValueError("argument must be between 0 and 2147483647 inclusive")
    return min(max(value, 1), 500)


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
    # PROTECTED_CONFIG: CONFIG SET refuses it unless enable-protected-configs allows the client
    protected: bool = False


_PROTECTED_ACTION = ("no", "yes", "local")
"""The values of the enable-* parameters (config.c's protected_action_enum)."""


def allows_protected(setting: str, local: bool) -> bool:
    """Whether an enable-* setting lets a client run a protected command or set a protected
    parameter: ``yes``, or ``local`` from a local client (config.c's allowProtectedAction)."""
    return setting == "yes" or (setting == "local" and local)


def _int_param(name: str, default: int, lo: int | None = None, hi: int | None = None,
               mutable: bool = True) -> Parameter:
    return Parameter(name, str(default), parse_int, _show, mutable, lo, hi)


def _bool_param(name: str, default: bool, mutable: bool = True) -> Parameter:
    return Parameter(name, "yes" if default else "no", parse_yes_no, _show_bool, mutable)


def _memory_param(name: str, default: str, lo: int | None = None,
                  hi: int | None = None) -> Parameter:
    return Parameter(name, default, _memory_value, _show, True, lo, hi)


PARAMETERS: tuple[Parameter, ...] = (
    _int_param("port", 6969, 0, 65535, mutable=False),
    Parameter("bind", "127.0.0.1", _text, _show, mutable=False),
    Parameter("unixsocket", "", _text, _show, mutable=False),
    Parameter("unixsocketperm", "0", parse_octal, _show_octal, mutable=False),
    Parameter("dir", ".", _text, _show, mutable=False, protected=True),
    _bool_param("appendonly", True, mutable=False),
    Parameter("appendfilename", "appendonly.aof", _aof_filename, _show, mutable=False),
    Parameter("appenddirname", "appendonlydir", _aof_dirname, _show, mutable=False),
    _bool_param("aof-use-rdb-preamble", True),  # the base of a rewrite: an RDB, or commands
    _bool_param("aof-disable-auto-gc", False),  # keep the history files after a rewrite
    Parameter("appendfsync", "everysec", _enum("everysec", "always", "no"), _show),
    _bool_param("aof-load-truncated", True),
    _int_param("databases", 16, 1, 1_000_000, mutable=False),
    Parameter("loglevel", "notice", _enum("debug", "verbose", "notice", "warning", "nothing")),
    Parameter("logfile", "", _text, _show, mutable=False),
    Parameter("save", "", _save_points, _show),  # none by default, as redis-server --save ""
    _bool_param("rdbcompression", True),  # LZF strings in DUMP payloads and RDB files
    _bool_param("rdbchecksum", True, mutable=False),  # the CRC64 at the end of RDB files
    Parameter("dbfilename", "dump.rdb", _file_name, _show, protected=True),  # SAVE, BGSAVE, DEBUG RELOAD, start-up
    Parameter("requirepass", "", _text, _show),
    _int_param("maxclients", 10000, 1, 2**32 - 1),
    _int_param("timeout", 0, 0, 2**31 - 1),
    _bool_param("protected-mode", True),
    # Who may run DEBUG, MODULE LOAD/UNLOAD and CONFIG SET the protected parameters
    # (processCommand's CMD_PROTECTED check, CONFIG SET's PROTECTED_CONFIG one).
    Parameter("enable-protected-configs", "no", _enum(*_PROTECTED_ACTION), _show, mutable=False),
    Parameter("enable-debug-command", "no", _enum(*_PROTECTED_ACTION), _show, mutable=False),
    Parameter("enable-module-command", "no", _enum(*_PROTECTED_ACTION), _show, mutable=False),
    _memory_param("proto-max-bulk-len", "536870912", 1024 * 1024, 2**63 - 1),
    _memory_param("client-query-buffer-limit", "1073741824", 1024 * 1024, 2**63 - 1),
    Parameter("hz", "10", _hz),  # active expiry cycles per second
    Parameter("notify-keyspace-events", "", parse_keyspace_events, flags_to_string),
    _int_param("slowlog-log-slower-than", 10000, -1, 2**63 - 1),
    _int_param("slowlog-max-len", 128, 0, 2**63 - 1),
    Parameter("latency-tracking", "yes", parse_yes_no, _show_bool),  # LATENCY HISTOGRAM
    _int_param("busy-reply-threshold", 5000, 0, 2**63 - 1),
    _int_param("auto-aof-rewrite-percentage", 100, 0, 2**31 - 1),
    _memory_param("auto-aof-rewrite-min-size", "67108864", 0, 2**63 - 1),
    _int_param("hash-max-listpack-entries", 512, 0, 2**63 - 1),
    _memory_param("hash-max-listpack-value", "64", 0, 2**63 - 1),
    _int_param("list-max-listpack-size", -2, -(2**31), 2**31 - 1),
    _int_param("set-max-intset-entries", 512, 0, 2**63 - 1),
    _int_param("zset-max-listpack-entries", 128, 0, 2**63 - 1),
    _memory_param("zset-max-listpack-value", "64", 0, 2**63 - 1),
    _memory_param("hll-sparse-max-bytes", "3000", 0, 2**63 - 1),
    _int_param("tracking-table-max-keys", 1000000, 0, 2**63 - 1),
    _int_param("acllog-max-len", 128, 0, 2**63 - 1),  # ACL LOG entries kept
    Parameter("pidfile", "", _text, _show, mutable=False),  # written at start, removed at exit
    _int_param("tcp-keepalive", 300, 0, 2**31 - 1),  # SO_KEEPALIVE on accepted TCP clients
    _memory_param("stream-node-max-bytes", "4096", 0, 2**63 - 1),
    _int_param("stream-node-max-entries", 100, 0, 2**63 - 1),
    Parameter("maxmemory", "0", _memory_value, _show),
    Parameter("maxmemory-policy", "noeviction",
              _enum("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"), _show),
    _int_param("maxmemory-samples", 5, 1, 2147483647),
    _int_param("maxmemory-eviction-tenacity", 10, 0, 100),
    _int_param("lfu-log-factor", 10, 0, 2147483647),
    _int_param("lfu-decay-time", 1, 0, 2147483647),
    Parameter("daemonize", "no", parse_yes_no, _show_bool, mutable=False),
    Parameter("client-output-buffer-limit",
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
              lambda text: _output_limits(text)),
)

_INT_MAX = 2**31 - 1
_INT_MIN = -(2**31)
_UINT_MAX = 2**32 - 1
_LONG_MAX = 2**63 - 1
_ULLONG_MAX = 2**64 - 1


def _memory_or_percent(text: str) -> str:
    """``maxmemory-clients``: a size or ``N%`` of maxmemory (MEMORY_CONFIG | PERCENT_CONFIG)."""
    if text == "":
        return "0"
    if text.endswith("%"):
        digits = text[:-1]
        if not digits.isdigit():
            raise ValueError("argument must be a memory or percent value")
        if int(digits) > 100:
            raise ValueError("percentage argument must be less or equal to 100")
        return f"{int(digits)}%"
    try:
        value = parse_memory(text)
    except ValueError:
        raise ValueError("argument must be a memory or percent value") from None
    if value < 0:
        raise ValueError("argument must be a memory or percent value")
    return str(value)


def _flags_enum(*choices: str) -> Callable[[str], str]:
    """A MULTI_ARG enum (shutdown-on-sigint): flag words, ``default`` alone is none of them;
    shown in the enum's order (configEnumGetName with bitflags), SAVE and NOSAVE exclusive."""
    def parse(text: str) -> str:
        words = [word.lower() for word in text.split()]
        if not words or any(word not in choices for word in words):
            raise ValueError("argument(s) must be one of the following: " + ", ".join(choices))
        flags = [choice for choice in choices[1:] if choice in words]
        if "save" in flags and "nosave" in flags:
            raise ValueError("shutdown options SAVE and NOSAVE can't be used simultaneously")
        return " ".join(flags) or choices[0]

    return parse


def _replicaof(text: str) -> str:
    """setConfigReplicaOfOption: ``no one`` or ``host port`` ("" is the unset default)."""
    words = text.split()
    if not words:
        return ""
    if len(words) != 2:
        raise ValueError("wrong number of arguments")
    if [word.lower() for word in words] == ["no", "one"]:
        return ""
    if not words[1].isdigit() or not 0 <= int(words[1]) <= 65535:
        raise ValueError("Invalid master port")
    return f"{words[0]} {int(words[1])}"


def _oom_score_adj(text: str) -> str:
    """``oom-score-adj``: ``relative`` is ``yes`` (one enum value, shown by its first name)."""
    value = _enum("no", "yes", "relative", "absolute")(text)
    return "yes" if value == "relative" else value


def _oom_values(text: str) -> str:
    """setConfigOOMScoreAdjValuesOption: three integers in [-2000, 2000]."""
    words = text.split()
    if len(words) != 3:
        raise ValueError("wrong number of arguments")
    if not all(_STRTOLL.fullmatch(word) and -2000 <= int(word) <= 2000 for word in words):
        raise ValueError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
    return " ".join(str(int(word)) for word in words)


def _trim_double(value: float) -> str:
    """``%f`` then trimDoubleString: trailing zeros and a bare point dropped."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percentiles(text: str) -> str:
    """setConfigLatencyTrackingInfoPercentilesOutputOption: doubles in [0, 100]; "" none."""
    values = []
    for word in text.split():
        try:
            value = float(word)
        except ValueError:
            raise ValueError("Invalid latency-tracking-info-percentiles parameters") from None
        if word.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        if not 0.0 <= value <= 100.0:
            raise ValueError("latency-tracking-info-percentiles parameters should sit between "
                             "[0.0,100.0]")
        values.append(_trim_double(value))
    return " ".join(values)


_TITLE_VARIABLES = frozenset({"title", "listen-addr", "server-mode", "port", "tls-port",
                              "unixsocket", "config-file"})


def _proc_title_template(text: str) -> str:
    """isValidProcTitleTemplate: sdstemplate's syntax (``{{``/``}}`` literal braces, known
    ``{variables}``) expanding, with an empty title, to something besides spaces."""
    error = "template format is invalid or contains unknown variables"
    expanded, i = "", 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i + 1:i + 2] == ch:
            expanded, i = expanded + ch, i + 2
        elif ch == "}":
            raise ValueError(error)
        elif ch == "{":
            end = text.find("}", i)
            if end < 0 or text[i + 1:end] not in _TITLE_VARIABLES:
                raise ValueError(error)
            # title "" here; no cluster or sentinel mode; unixsocket may be unset
            if text[i + 1:end] not in ("title", "server-mode", "unixsocket"):
                expanded += "x"
            i = end + 1
        else:
            expanded, i = expanded + ch, i + 1
    if not expanded.strip(" "):
        raise ValueError(error)
    return text


def _hostname(text: str) -> str:
    """isValidAnnouncedHostname: under 256 bytes of letters, digits, ``-`` and ``.``."""
    if len(text) >= 256:
        raise ValueError("Hostnames must be less than 256 characters")
    if not re.fullmatch(r"[A-Za-z0-9.-]*", text):
        raise ValueError("Hostnames may only contain alphanumeric characters, hyphens or dots")
    return text


def _int(name: str, default: int, lo: int, hi: int, mutable: bool = True) -> Parameter:
    return Parameter(name, str(default), parse_int, _show, mutable, lo, hi)


def _mem(name: str, default: int, lo: int, hi: int) -> Parameter:
    return Parameter(name, str(default), _memory_value, _show, True, lo, hi)


def _flag(name: str, default: bool, mutable: bool = True) -> Parameter:
    return Parameter(name, "yes" if default else "no", parse_yes_no, _show_bool, mutable)


def _no_defrag(text: str) -> bool:
    """``activedefrag``: isValidActiveDefrag refuses ``yes`` without Redis's jemalloc."""
    if parse_yes_no(text):
        raise ValueError("Active defragmentation cannot be enabled: it requires a Redis server "
                         "compiled with a modified Jemalloc like the one shipped by default "
                         "with the Redis source distribution")
    return False


def _choice(name: str, default: str, *choices: str, mutable: bool = True) -> Parameter:
    return Parameter(name, default, _enum(*choices), _show, mutable)


def _string(name: str, default: str = "", mutable: bool = True,
            parse: Callable[[str], Any] = _text) -> Parameter:
    return Parameter(name, default, parse, _show, mutable)


TLS: tuple[Parameter, ...] = (
    _int("tls-port", 0, 0, 65535),  # CONFIG SET opens / moves / closes the listener
    _choice("tls-auth-clients", "yes", "no", "yes", "optional"),
    _string("tls-ca-cert-dir"),
    _string("tls-ca-cert-file"),
    _string("tls-cert-file"),
    _string("tls-ciphers"),
    _string("tls-dh-params-file"),
    _string("tls-key-file"),
    _string("tls-key-file-pass"),
    _flag("tls-prefer-server-ciphers", False),
    _string("tls-protocols"),
)
"""The TLS parameters godis acts on (godis/server/tls.py builds the context from them)."""

NO_EFFECT: tuple[Parameter, ...] = (
    # Replication: godis has no replicas and is never one.
    Parameter("replicaof", "", _replicaof, _show, mutable=False),
    _string("masterauth"),
    _string("masteruser"),
    _string("replica-announce-ip"),
    _int("replica-announce-port", 0, 0, 65535),
    _flag("replica-announced", True),
    _flag("replica-ignore-disk-write-errors", False),
    _flag("replica-ignore-maxmemory", True),
    _flag("replica-lazy-flush", False),
    _int("replica-priority", 100, 0, _INT_MAX),
    _flag("replica-read-only", True),
    _flag("replica-serve-stale-data", True),
    _int("min-replicas-to-write", 0, 0, _INT_MAX),
    _int("min-replicas-max-lag", 10, 0, _INT_MAX),
    _mem("repl-backlog-size", 1048576, 1, _LONG_MAX),
    _int("repl-backlog-ttl", 3600, 0, _LONG_MAX),
    _flag("repl-disable-tcp-nodelay", False),
    _choice("repl-diskless-load", "disabled", "disabled", "on-empty-db", "swapdb"),
    _flag("repl-diskless-sync", True),
    _int("repl-diskless-sync-delay", 5, 0, _INT_MAX),
    _int("repl-diskless-sync-max-replicas", 0, 0, _INT_MAX),
    _int("repl-ping-replica-period", 10, 1, _INT_MAX),
    _int("repl-timeout", 60, 1, _INT_MAX),
    _choice("propagation-error-behavior", "ignore", "ignore", "panic", "panic-on-replicas"),
    # Cluster: godis is a single node (cluster-enabled stays no).
    _flag("cluster-enabled", False, mutable=False),
    _string("cluster-config-file", "nodes.conf", mutable=False),
    _int("cluster-port", 0, 0, 65535, mutable=False),
    _flag("cluster-allow-pubsubshard-when-down", True),
    _flag("cluster-allow-reads-when-down", False),
    _flag("cluster-allow-replica-migration", True),
    _int("cluster-announce-bus-port", 0, 0, 65535),
    _string("cluster-announce-hostname", parse=_hostname),
    _string("cluster-announce-ip"),
    _int("cluster-announce-port", 0, 0, 65535),
    _int("cluster-announce-tls-port", 0, 0, 65535),
    _mem("cluster-link-sendbuf-limit", 0, 0, _ULLONG_MAX),
    _int("cluster-migration-barrier", 1, 0, _INT_MAX),
    _int("cluster-node-timeout", 15000, 0, _LONG_MAX),
    _choice("cluster-preferred-endpoint-type", "ip", "ip", "hostname", "unknown-endpoint"),
    _flag("cluster-replica-no-failover", False),
    _int("cluster-replica-validity-factor", 10, 0, _INT_MAX),
    _flag("cluster-require-full-coverage", True),
    # TLS details Python's ssl module cannot set, and TLS for links godis does not have.
    _string("tls-ciphersuites"),
    _string("tls-client-cert-file"),
    _string("tls-client-key-file"),
    _string("tls-client-key-file-pass"),
    _flag("tls-cluster", False),
    _flag("tls-replication", False),
    _int("tls-session-cache-size", 20480, 0, _INT_MAX),
    _int("tls-session-cache-timeout", 300, 0, _INT_MAX),
    _flag("tls-session-caching", True),
    # Allocator and active defragmentation: Python manages godis's memory.
    Parameter("activedefrag", "no", _no_defrag, _show_bool),
    _int("active-defrag-cycle-max", 25, 1, 99),
    _int("active-defrag-cycle-min", 1, 1, 99),
    _mem("active-defrag-ignore-bytes", 104857600, 1, _LONG_MAX),
    _int("active-defrag-max-scan-fields", 1000, 1, _LONG_MAX),
    _int("active-defrag-threshold-lower", 10, 0, 1000),
    _int("active-defrag-threshold-upper", 100, 0, 1000),
    _flag("jemalloc-bg-thread", True),
    _flag("disable-thp", True, mutable=False),
    # Threads and CPU affinity: godis runs on one Trio thread.
    _int("io-threads", 1, 1, 128, mutable=False),
    _flag("io-threads-do-reads", False, mutable=False),
    _string("server_cpulist", mutable=False),
    _string("bio_cpulist", mutable=False),
    _string("aof_rewrite_cpulist", mutable=False),
    _string("bgsave_cpulist", mutable=False),
    # Lazy freeing: godis frees values synchronously.
    _flag("lazyfree-lazy-eviction", False),
    _flag("lazyfree-lazy-expire", False),
    _flag("lazyfree-lazy-server-del", False),
    _flag("lazyfree-lazy-user-del", False),
    _flag("lazyfree-lazy-user-flush", False),
    # Persistence details godis's writer does not vary.
    _flag("aof-rewrite-incremental-fsync", True),
    _flag("aof-timestamp-enabled", False),
    _flag("no-appendfsync-on-rewrite", False),
    _flag("rdb-del-sync-files", False),
    _flag("rdb-save-incremental-fsync", True),
    _flag("stop-writes-on-bgsave-error", True),
    _choice("sanitize-dump-payload", "no", "no", "yes", "clients"),
    # Process, logging and supervision.
    _choice("supervised", "no", "upstart", "systemd", "auto", "no", mutable=False),
    _flag("always-show-logo", False, mutable=False),
    _flag("set-proc-title", True, mutable=False),
    _string("proc-title-template", "{title} {listen-addr} {server-mode}",
            parse=_proc_title_template),
    _flag("syslog-enabled", False, mutable=False),
    _string("syslog-ident", "redis", mutable=False),
    _choice("syslog-facility", "local0", "user", "local0", "local1", "local2", "local3",
            "local4", "local5", "local6", "local7", mutable=False),
    _flag("crash-log-enabled", True),
    _flag("crash-memcheck-enabled", True),
    Parameter("oom-score-adj", "no", _oom_score_adj),
    Parameter("oom-score-adj-values", "0 200 800", _oom_values),
    Parameter("shutdown-on-sigint", "default",
              _flags_enum("default", "save", "nosave", "now", "force")),
    Parameter("shutdown-on-sigterm", "default",
              _flags_enum("default", "save", "nosave", "now", "force")),
    _int("shutdown-timeout", 10, 0, _INT_MAX),
    _string("ignore-warnings"),
    # Networking.
    _int("tcp-backlog", 511, 0, _INT_MAX, mutable=False),
    _string("bind-source-addr"),
    Parameter("socket-mark-id", "0", parse_int, _show, False, 0, _UINT_MAX),
    # Security and access.
    _string("aclfile", mutable=False),
    _choice("acl-pubsub-default", "resetchannels", "allchannels", "resetchannels"),
    # Background work and monitoring.
    _flag("activerehashing", True),
    _int("active-expire-effort", 1, 1, 10),
    _flag("dynamic-hz", True),
    _int("latency-monitor-threshold", 0, 0, _LONG_MAX),
    Parameter("latency-tracking-info-percentiles", "50 99 99.9", _percentiles),
    # Memory layout: no compressed list nodes, no eviction of clients by their memory.
    Parameter("maxmemory-clients", "0", _memory_or_percent),
    _int("list-compress-depth", 0, 0, _INT_MAX),
)
"""Redis 7.0 parameters godis accepts, validates and shows but does not act on
(docs/configuration.md, "Accepted, no effect in godis")."""

HIDDEN: tuple[Parameter, ...] = (
    _flag("use-exit-on-panic", False),
    _int("rdb-key-save-delay", 0, _INT_MIN, _INT_MAX),
    _int("key-load-delay", 0, _INT_MIN, _INT_MAX),
    _int("watchdog-period", 0, 0, _INT_MAX),
    _int("loading-process-events-interval-bytes", 2097152, 1024, _INT_MAX),
)
"""HIDDEN_CONFIG parameters: CONFIG GET shows them by exact name only; no effect in godis."""

PARAMETERS = PARAMETERS + TLS + NO_EFFECT + HIDDEN
NO_EFFECT_NAMES = frozenset(p.name for p in NO_EFFECT + HIDDEN)
HIDDEN_NAMES = frozenset(p.name for p in HIDDEN)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
ALIASES = {"lua-time-limit": "busy-reply-threshold",
           "hash-max-ziplist-entries": "hash-max-listpack-entries",
           "hash-max-ziplist-value": "hash-max-listpack-value",
           "list-max-ziplist-size": "list-max-listpack-size",
           "zset-max-ziplist-entries": "zset-max-listpack-entries",
           "zset-max-ziplist-value": "zset-max-listpack-value",
           "slaveof": "replicaof",
           "slave-announce-ip": "replica-announce-ip",
           "slave-announce-port": "replica-announce-port",
           "slave-ignore-maxmemory": "replica-ignore-maxmemory",
           "slave-lazy-flush": "replica-lazy-flush",
           "slave-priority": "replica-priority",
           "slave-read-only": "replica-read-only",
           "slave-serve-stale-data": "replica-serve-stale-data",
           "min-slaves-to-write": "min-replicas-to-write",
           "min-slaves-max-lag": "min-replicas-max-lag",
           "repl-ping-slave-period": "repl-ping-replica-period",
           "cluster-slave-no-failover": "cluster-replica-no-failover",
           "cluster-slave-validity-factor": "cluster-replica-validity-factor"}
"""Redis's alias names (createXConfig's second name); CONFIG GET with a pattern lists both."""


class Config:
    """The running configuration: parsed values by Redis name, plus the file it came from."""

    def __init__(self, **overrides: Any) -> None:
        self._values: dict[str, Any] = {p.name: p.parse(p.default) for p in PARAMETERS}
        self.config_file: str | None = None
        self.users: list[list[str]] = []  # the config files' "user name rule..." lines
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

    def canonical_name(self, name: str) -> str:
        """The primary name of ``name`` (an alias resolved, lower case)."""
        return self._canonical(name)

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

    def set_text(self, name: str, text: str, *, at_start: bool = False,
                 local: bool = False) -> None:
        """Set ``name`` from its text form, validating as CONFIG SET / a config file does.

        At run time a PROTECTED_CONFIG parameter needs ``enable-protected-configs`` to allow
        the client (``local``: it is a local one), as configSetCommand checks. ``dir`` is
        protected and, in godis, also immutable: refused as protected first, so the default
        answer is Redis's."""
        canonical = self._canonical(name)
        param = BY_NAME[canonical]
        if not at_start and param.protected and not allows_protected(
                str(self._values["enable-protected-configs"]), local):
            raise ConfigError("can't set protected config")
        if not at_start and not param.mutable:
            raise ConfigError("can't set immutable config")
        if canonical == "client-output-buffer-limit":
            # setConfigClientOutputBufferLimitOption: classes not named keep their current
            # limits (over several config lines too); "" changes nothing
            text = f"{self.show(canonical)} {text}".strip()
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

    def inert_settings(self) -> list[tuple[str, str]]:
        """The NO_EFFECT parameters set away from their defaults, with their text: what a
        config file asked for that godis accepts but does not act on (logged at start)."""
        return [(p.name, self.show(p.name)) for p in NO_EFFECT + HIDDEN
                if self.show(p.name) != p.show(p.parse(p.default))]

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
        # Hidden parameters need an exact name; aliases are listed under both names.
        names = [p.name for p in PARAMETERS if p.name not in HIDDEN_NAMES] + list(ALIASES)
        return [(name, self.show(ALIASES.get(name, name))) for name in names
                if glob_match(raw, name.encode(), nocase=True)]

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
            if name.lower() == "include" and len(args) == 1:
                self._include(args[0])
                continue
            if name.lower() == "user" and args:
                self.users.append(args)  # ACLAppendUserForLoading; applied by the ACL registry
                continue
            if name.lower() in ("loadmodule", "rename-command"):
                raise ConfigError(f"{path}:{number}: '{stripped}': godis does not support "
                                  f"{name.lower()} (no Redis modules; commands keep their names)")
            if name.lower() == "save":
                saves = [] if args in ([], [""]) else saves + args
                args = saves
            try:
                self.set_text(name, " ".join(args), at_start=True)
            except ConfigError as error:
                raise ConfigError(f"{path}:{number}: '{stripped}': {error}") from None

    def _include(self, pattern: str) -> None:
        """``include path``: each file (a glob, sorted, as Redis 7.0's loadServerConfig)
        read at that point; a plain path that cannot be opened is fatal."""
        paths = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        for path in paths:
            try:
                with open(path, encoding="utf-8") as handle:
                    lines = handle.readlines()
            except OSError as error:
                raise ConfigError(f"Fatal error, can't open config file '{path}': "
                                  f"{error.strerror}") from None
            self.load_lines(lines, path)

    def rewrite(self) -> None:
        """CONFIG REWRITE as Redis's rewriteConfig: the old file's comments, blank lines and
        file-only directives (include, rename-command, user, loadmodule) stay where they are;
        each known option's first line is replaced in place (aliases by the primary name),
        its other lines dropped; options absent from the file are appended after the
        signature only when not at their defaults; unknown lines become ``# ??? ...``."""
        if self.config_file is None:
            raise ConfigError("The server is running without a config file")
        try:
            with open(self.config_file, encoding="utf-8", errors="surrogateescape") as handle:
                old = handle.read()
        except FileNotFoundError:
            old = ""
        state = _RewriteState(old)
        for param in PARAMETERS:
            self._rewrite_option(state, param)
        text = state.content()
        write_atomically(self.config_file, text.encode("utf-8", "surrogateescape"),
                         prefix="temp-config-")

    def _rewrite_option(self, state: _RewriteState, param: Parameter) -> None:
        """One parameter's lines, formatted as its Redis type's rewrite function does."""
        name = param.name
        text = self.show(name)
        default = param.show(param.parse(param.default))
        force = text != default
        if name == "save":  # rewriteConfigSaveOption: always written, save "" for none
            numbers = text.split()
            pairs = [f"save {a} {b}" for a, b in zip(numbers[0::2], numbers[1::2], strict=True)]
            for line in pairs or ['save ""']:
                state.rewrite_line(name, line, force=True)
            state.processed.add(name)
        elif name == "client-output-buffer-limit":
            words, defaults = text.split(), default.split()
            for i in range(0, len(words), 4):
                kind = "replica" if words[i] == "slave" else words[i]
                line = (f"{name} {kind} {_format_memory(int(words[i + 1]))} "
                        f"{_format_memory(int(words[i + 2]))} {words[i + 3]}")
                state.rewrite_line(name, line, force=words[i:i + 4] != defaults[i:i + 4])
        elif name == "dir":  # rewriteConfigDirOption: always written, as getcwd() names it
            state.rewrite_line(name, f"{name} {_repr(os.path.abspath(text))}", force=True)
        elif name == "bind":  # rewriteConfigBindOption: the addresses, unquoted
            state.rewrite_line(name, f"{name} {' '.join(text.split())}", force=force)
        elif param.parse is _memory_value:
            state.rewrite_line(name, f"{name} {_format_memory(int(text))}", force=force)
        elif param.parse is _memory_or_percent:
            value = text if text.endswith("%") else _format_memory(int(text))
            state.rewrite_line(name, f"{name} {value}", force=force)
        elif param.parse in _STRING_PARSERS or name == "notify-keyspace-events":
            if text == "" and name not in _EMPTY_STRING_ALLOWED:
                state.processed.add(name)  # EMPTY_STRING_IS_NULL: no line at all
            else:
                state.rewrite_line(name, f"{name} {_repr(text)}", force=force)
        elif name == "replicaof" and text == "":
            state.processed.add(name)
        elif name == "latency-tracking-info-percentiles" and text == "":
            state.rewrite_line(name, f'{name} ""', force=force)
        else:
            state.rewrite_line(name, f"{name} {text}", force=force)


_SIGNATURE = "# Generated by CONFIG REWRITE"
_FILE_ONLY = frozenset({"include", "rename-command", "user", "loadmodule", "sentinel"})
_EMPTY_STRING_ALLOWED = frozenset({
    "aclfile", "cluster-config-file", "syslog-ident", "dbfilename", "appendfilename",
    "appenddirname", "ignore-warnings", "proc-title-template", "logfile",
    "notify-keyspace-events", "bind"})
"""ALLOW_EMPTY_STRING parameters: an empty value is still written (quoted)."""
_STRING_PARSERS: tuple[Callable[[str], Any], ...] = (_text, _file_name, _hostname,
                                                     _proc_title_template, _aof_filename,
                                                     _aof_dirname)


class _RewriteState:
    """rewriteConfigState: the old file's lines and, per option, the lines it occupies."""

    def __init__(self, old: str) -> None:
        self.lines: list[str] = []
        self.option_lines: dict[str, list[int]] = {}
        self.processed: set[str] = set()
        self.needs_signature = True
        if not old:
            return
        for raw in old.split("\n"):
            line = raw.strip("\r\n\t ")
            if not line or line.startswith("#"):
                if line == _SIGNATURE:
                    self.needs_signature = False
                self.lines.append(line)
                continue
            try:
                words = shlex.split(line)
            except ValueError:
                words = []
            name = words[0].lower() if words else ""
            canonical = ALIASES.get(name, name)
            if canonical not in BY_NAME and name not in _FILE_ONLY:
                self.lines.append("# ??? " + line)  # unparsable or unknown: kept as a comment
                continue
            self.option_lines.setdefault(canonical, []).append(len(self.lines))
            self.lines.append(line)

    def rewrite_line(self, option: str, line: str, *, force: bool) -> None:
        """rewriteConfigRewriteLine: reuse the option's next old line, or append (forced)."""
        self.processed.add(option)
        numbers = self.option_lines.get(option)
        if numbers:
            self.lines[numbers.pop(0)] = line
        elif force:
            if self.needs_signature:
                self.lines.append(_SIGNATURE)
                self.needs_signature = False
            self.lines.append(line)

    def content(self) -> str:
        """rewriteConfigRemoveOrphaned, then the lines with each run of blanks made one."""
        for option, numbers in self.option_lines.items():
            if option in self.processed:
                for number in numbers:
                    self.lines[number] = ""
        out: list[str] = []
        was_empty = False
        for line in self.lines:
            if not line:
                if was_empty:
                    continue
                was_empty = True
            else:
                was_empty = False
            out.append(line + "\n")
        return "".join(out)


def _format_memory(value: int) -> str:
    """rewriteConfigFormatMemory: the largest of gb, mb, kb dividing the value exactly."""
    for unit, size in (("gb", 1024**3), ("mb", 1024**2), ("kb", 1024)):
        if value and value % size == 0:
            return f"{value // size}{unit}"
    return str(value)


def _repr(text: str) -> str:
    """sdscatrepr: always quoted, C escapes, other non-printables as \\xHH."""
    out = ['"']
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch in "\n\r\t\a\b":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a",
                        "\b": "\\b"}[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8", "surrogateescape"))
    out.append('"')
    return "".join(out)
