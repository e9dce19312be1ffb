"""EVAL, EVALSHA, their _RO forms and SCRIPT (eval.c): Lua scripts run by the server.

A script is cached under the SHA1 of its body; the first line may be a shebang
(``#!lua flags=no-writes,allow-oom``) that declares flags, as Redis 7.0 reads it
(evalExtractShebangFlags). Running goes through :class:`godis.scripting.engine.Scripting`.
FUNCTION and FCALL are in :mod:`godis.commands.functions`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from godis.client import Client
from godis.commands.server import help_lines
from godis.dispatch import feed_monitors
from godis.errors import CommandError
from godis.keyspace.evict import OOM
from godis.protocol.reader import split_args
from godis.protocol.writer import OK, Reply
from godis.scripting.busy import BUSY_FUNCTION, BUSY_SCRIPT
from godis.scripting.engine import SCRIPT_FLAGS, Scripting, ScriptRun
from godis.table import command, container

NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."


def numkeys_positions(argv: list[bytes]) -> list[int]:
    """Key positions of ``EVAL script numkeys key... arg...`` (evalGetKeys)."""
    if len(argv) < 3:
        return []
    try:
        numkeys = int(argv[2])
    except ValueError:
        return []
    if numkeys <= 0 or numkeys > len(argv) - 3:
        return []
    return list(range(3, 3 + numkeys))


def no_written_keys(argv: list[bytes]) -> list[int]:
    """Scripts signal the keys they write through the commands they call, not their KEYS."""
    return []


def parse_numkeys(argv: list[bytes], not_integer: str) -> int:
    """numkeys, validated as evalGenericCommand / fcallCommandGeneric do."""
    try:
        numkeys = int(argv[2])
    except ValueError:
        raise CommandError(not_integer) from None
    if numkeys > len(argv) - 3:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError("ERR Number of keys can't be negative")
    return numkeys


def shebang_flags(body: bytes) -> tuple[frozenset[bytes] | None, int]:
    """evalExtractShebangFlags: the declared flags (None without a shebang: compatibility
    mode) and the shebang's length; raises on a bad shebang."""
    if not body.startswith(b"#!"):
        return None, 0
    end = body.find(b"\n")
    if end < 0:
        raise CommandError("ERR Invalid script shebang")
    parts = split_args(body[:end])
    if not parts:
        raise CommandError("ERR Invalid engine in script shebang")
    if parts[0] != b"#!lua":
        raise CommandError("ERR Unexpected engine in script shebang: "
                           + parts[0].decode("utf-8", "surrogateescape"))
    flags: set[bytes] = set()
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise CommandError("ERR Unknown lua shebang option: "
                               + part.decode("utf-8", "surrogateescape"))
        for flag in part[6:].split(b","):
            if flag not in SCRIPT_FLAGS:
                raise CommandError("ERR Unexpected flag in script shebang: "
                                   + flag.decode("utf-8", "surrogateescape"))
            flags.add(flag)
    return frozenset(flags), end


def create_script(scripting: Scripting, body: bytes) -> bytes:
    """luaCreateFunction: compile and cache ``body``; its sha (already cached: at once)."""
    sha = hashlib.sha1(body).hexdigest().encode()
    if sha in scripting.scripts:
        return sha
    flags, shebang_length = shebang_flags(body)
    # the shebang line is skipped but its newline kept, so line numbers stay the user's
    function, error = scripting.eval_engine.compile(body[shebang_length:], b"@user_script")
    if function is None:
        raise CommandError("ERR Error compiling script (new function): "
                           + error.decode("utf-8", "surrogateescape"))
    scripting.scripts[sha] = (body, function, flags)
    return sha


def check_script_flags(client: Client, flags: frozenset[bytes] | None, read_only: bool) -> None:
    """scriptPrepareForRun's refusals for a script that declared flags (or a function)."""
    if flags is None or b"no-writes" in flags:
        return
    eviction = client.keyspace.eviction
    if client.keyspace.maxmemory and eviction.oom_at_start and b"allow-oom" not in flags:
        # Redis derives EVAL's flags from the script's (denyoom unless allow-oom), so
        # processCommand refuses it as any denyoom command
        raise CommandError(OOM)
    aof = client.server.aof
    if aof is not None and not aof.last_write_ok:
        raise CommandError(
            "MISCONF Redis is configured to persist data to AOF, but it's currently unable to "
            "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
            f"scripts. AOF error: {aof.last_write_error}")
    if read_only:
        raise CommandError("ERR Can not execute a script with write flag using *_ro command.")


def _eval_handler(evalsha: bool, read_only: bool) -> Callable[[Client, list[bytes]], Reply]:
    """EVAL / EVALSHA / EVAL_RO / EVALSHA_RO (evalGenericCommand)."""

    def handler(client: Client, argv: list[bytes]) -> Reply:
        server = client.server
        if server.monitors:  # before the commands the script runs, as evalCommand does
            feed_monitors(client, argv)
        if evalsha and len(argv[1]) != 40:
            raise CommandError(NOSCRIPT)
        numkeys = parse_numkeys(argv, "ERR value is not an integer or out of range")
        scripting = server.scripting
        if evalsha:
            sha = argv[1].lower()
            if sha not in scripting.scripts:
                raise CommandError(NOSCRIPT)
        else:
            sha = create_script(scripting, argv[1])
        _body, function, flags = scripting.scripts[sha]
        check_script_flags(client, flags, read_only)
        run = ScriptRun(client, sha, eval_mode=True,
                        read_only=read_only or (flags is not None and b"no-writes" in flags),
                        argv=argv)
        run.allow_oom = flags is not None and b"allow-oom" in flags
        return scripting.run(scripting.eval_engine, run, function, argv[3:3 + numkeys],
                             argv[3 + numkeys:])

    return handler


_EVAL_FLAGS = "noscript skip_monitor may_replicate no_mandatory_keys stale"
_EVAL_RO_FLAGS = "noscript skip_monitor no_mandatory_keys stale readonly"

for _name, _flags, _since, _summary, _evalsha, _read_only in (
    ("eval", _EVAL_FLAGS, "2.6.0", "Execute a Lua script server side", False, False),
    ("evalsha", _EVAL_FLAGS, "2.6.0", "Execute a Lua script server side", True, False),
    ("eval_ro", _EVAL_RO_FLAGS, "7.0.0", "Execute a read-only Lua script server side", False,
     True),
    ("evalsha_ro", _EVAL_RO_FLAGS, "7.0.0", "Execute a read-only Lua script server side", True,
     True),
):
    _handler = _eval_handler(_evalsha, _read_only)
    _handler.__name__ = f"{_name}_command"
    command(_name, arity=-3, flags=_flags, group="scripting", since=_since, summary=_summary,
            complexity="Depends on the script that is executed.",
            get_keys=numkeys_positions, written_keys=no_written_keys)(_handler)


# -- SCRIPT -----------------------------------------------------------------------------------

container("script", group="scripting", since="2.6.0",
          summary="A container for Lua scripts management commands")


@command("script|flush", arity=-2, flags="noscript", group="scripting", since="2.6.0",
         summary="Remove all the scripts from the script cache",
         complexity="O(N) with N being the number of scripts in cache")
def script_flush_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT FLUSH [ASYNC|SYNC]: a new Lua state, an empty cache (scriptingReset)."""
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    client.server.scripting.flush_scripts()
    return OK


@command("script|exists", arity=-3, flags="noscript", group="scripting", since="2.6.0",
         summary="Check existence of scripts in the script cache",
         complexity="O(N) with N being the number of scripts to check")
def script_exists_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT EXISTS sha1 [sha1 ...]: 1 or 0 each (the sha's case does not matter)."""
    scripts = client.server.scripting.scripts
    return [int(sha.lower() in scripts) for sha in argv[2:]]


@command("script|load", arity=3, flags="noscript stale", group="scripting", since="2.6.0",
         summary="Load the specified Lua script into the script cache",
         complexity="O(N) with N being the length in bytes of the script body.")
def script_load_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT LOAD script: compile and cache it; its sha."""
    return create_script(client.server.scripting, argv[2])


@command("script|kill", arity=2, flags="noscript allow_busy", group="scripting",
         since="2.6.0", summary="Kill the script currently in execution.", complexity="O(1)")
def script_kill_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT KILL: stop the running EVAL script (it must not have written)."""
    return kill_script(client.server.scripting, eval_mode=True)


def kill_script(scripting: Scripting, eval_mode: bool) -> Reply:
    """scriptKill: SCRIPT KILL and FUNCTION KILL."""
    run = scripting.current
    if run is None:
        raise CommandError("NOTBUSY No scripts in execution right now.")
    if run.write_dirty:
        raise CommandError("UNKILLABLE Sorry the script already executed write commands "
                           "against the dataset. You can either wait the script termination "
                           "or kill the server in a hard way using the SHUTDOWN NOSAVE "
                           "command.")
    if eval_mode and not run.eval_mode:
        raise CommandError(BUSY_FUNCTION)
    if not eval_mode and run.eval_mode:
        raise CommandError(BUSY_SCRIPT)
    run.killed = True
    return OK




@command("script|debug", arity=3, flags="noscript", group="scripting", since="3.2.0",
         summary="Set the debug mode for executed scripts", complexity="O(1)")
def script_debug_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT DEBUG YES|SYNC|NO: godis has no Lua debugger; NO is already the case."""
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise CommandError("ERR godis does not support the Lua debugger (SCRIPT DEBUG)")
    raise CommandError("ERR Use SCRIPT DEBUG YES/SYNC/NO")


@command("script|help", arity=2, flags="loading stale", group="scripting", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def script_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("SCRIPT", [
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
    ])


