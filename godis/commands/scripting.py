"""Scripting placeholders (EVAL, SCRIPT, FCALL, FUNCTION) until godis has a Lua engine.

Client libraries and test harnesses probe these at start-up (SCRIPT FLUSH, FUNCTION FLUSH,
FUNCTION LIST...), so everything that can be answered truthfully for an empty script cache and
an empty function library is answered exactly as Redis 7.0 does; anything that would run or
load code gets one clear error instead.
"""

from __future__ import annotations

from collections.abc import Callable

from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.protocol.writer import OK, Map, Reply
from godis.table import command, container

NOT_SUPPORTED = "ERR godis does not support scripting yet ({})"

# FUNCTION DUMP of an empty library: RDB version 10 (2 bytes LE) and the CRC64 of those bytes.
EMPTY_FUNCTION_DUMP = b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda"


def not_supported(name: str) -> CommandError:
    return CommandError(NOT_SUPPORTED.format(name))


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


def _check_numkeys(argv: list[bytes]) -> None:
    """Redis validates numkeys before looking at the script."""
    try:
        numkeys = int(argv[2])
    except ValueError:
        raise CommandError("ERR value is not an integer or out of range") from None
    if numkeys > len(argv) - 3:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError("ERR Number of keys can't be negative")


def _script_generic(name: str) -> Callable[[Client, list[bytes]], Reply]:
    """EVAL-family handlers: EVAL and EVAL_RO validate numkeys first, as Redis does before
    compiling; EVALSHA and FCALL look the script/function up first in Redis, so they fail
    at once."""
    check = name in ("EVAL", "EVAL_RO")

    def handler(client: Client, argv: list[bytes]) -> Reply:
        if check:
            _check_numkeys(argv)
        raise not_supported(name)

    handler.__name__ = f"{name.lower()}_command"
    return handler


_EVAL_FLAGS = "noscript skip_monitor may_replicate no_mandatory_keys stale"
_EVAL_RO_FLAGS = "noscript skip_monitor no_mandatory_keys stale readonly"

for _name, _flags, _since, _summary in (
    ("eval", _EVAL_FLAGS, "2.6.0", "Execute a Lua script server side"),
    ("evalsha", _EVAL_FLAGS, "2.6.0", "Execute a Lua script server side"),
    ("eval_ro", _EVAL_RO_FLAGS, "7.0.0", "Execute a read-only Lua script server side"),
    ("evalsha_ro", _EVAL_RO_FLAGS, "7.0.0", "Execute a read-only Lua script server side"),
    ("fcall", _EVAL_FLAGS, "7.0.0", "Invoke a function"),
    ("fcall_ro", _EVAL_RO_FLAGS, "7.0.0", "Invoke a read-only function"),
):
    command(_name, arity=-3, flags=_flags, group="scripting", since=_since, summary=_summary,
            complexity="Depends on the script that is executed.",
            get_keys=numkeys_positions)(_script_generic(_name.upper()))


# -- SCRIPT -----------------------------------------------------------------------------------

container("script", group="scripting", since="2.6.0",
          summary="A container for Lua scripts management commands")


@command("script|flush", arity=-2, flags="noscript", group="scripting", since="2.6.0",
         summary="Remove all the scripts from the script cache",
         complexity="O(N) with N being the number of scripts in cache")
def script_flush_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT FLUSH [ASYNC|SYNC]: the cache is always empty."""
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    return OK


@command("script|exists", arity=-3, flags="noscript", group="scripting", since="2.6.0",
         summary="Check existence of scripts in the script cache",
         complexity="O(N) with N being the number of scripts to check")
def script_exists_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT EXISTS sha1 [sha1 ...]: nothing is cached."""
    return [0] * (len(argv) - 2)


@command("script|load", arity=3, flags="noscript stale", group="scripting", since="2.6.0",
         summary="Load the specified Lua script into the script cache",
         complexity="O(N) with N being the length in bytes of the script body.")
def script_load_command(client: Client, argv: list[bytes]) -> Reply:
    raise not_supported("SCRIPT LOAD")


@command("script|kill", arity=2, flags="noscript allow_busy", group="scripting",
         since="2.6.0", summary="Kill the script currently in execution.", complexity="O(1)")
def script_kill_command(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError("NOTBUSY No scripts in execution right now.")


@command("script|debug", arity=3, flags="noscript", group="scripting", since="3.2.0",
         summary="Set the debug mode for executed scripts", complexity="O(1)")
def script_debug_command(client: Client, argv: list[bytes]) -> Reply:
    """SCRIPT DEBUG YES|SYNC|NO: NO is already the case."""
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise not_supported("SCRIPT DEBUG")
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


# -- FUNCTION ---------------------------------------------------------------------------------

container("function", group="scripting", since="7.0.0",
          summary="A container for function commands")


def _function_syntax_error(argv: list[bytes]) -> CommandError:
    sub = argv[1].decode("utf-8", "surrogateescape")
    return CommandError(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. "
                        "Try FUNCTION HELP.")


@command("function|flush", arity=-2, flags="write noscript", group="scripting",
         since="7.0.0", summary="Deleting all functions",
         complexity="O(N) where N is the number of functions deleted")
def function_flush_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION FLUSH [ASYNC|SYNC]: the library is always empty."""
    if len(argv) > 3:
        raise _function_syntax_error(argv)
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    return OK


@command("function|list", arity=-2, flags="noscript", group="scripting", since="7.0.0",
         summary="List information about all the functions",
         complexity="O(N) where N is the number of functions")
def function_list_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: no libraries."""
    with_code = False
    library: bytes | None = None
    index = 2
    while index < len(argv):
        argument = argv[index].lower()
        if not with_code and argument == b"withcode":
            with_code = True
        elif library is None and argument == b"libraryname":
            if index >= len(argv) - 1:
                raise CommandError("ERR library name argument was not given")
            index += 1
            library = argv[index]
        else:
            raise CommandError("ERR Unknown argument "
                               + argv[index].decode("utf-8", "surrogateescape"))
        index += 1
    return []


@command("function|stats", arity=2, flags="noscript allow_busy", group="scripting",
         since="7.0.0", summary="Return information about the function currently running",
         complexity="O(1)")
def function_stats_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION STATS: nothing running; the Lua engine with no libraries."""
    return Map([
        (b"running_script", None),
        (b"engines", Map([(b"LUA", Map([(b"libraries_count", 0),
                                         (b"functions_count", 0)]))])),
    ])


@command("function|dump", arity=2, flags="noscript", group="scripting", since="7.0.0",
         summary="Dump all functions into a serialized binary payload",
         complexity="O(N) where N is the number of functions")
def function_dump_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION DUMP: Redis's payload for an empty library (restorable there too)."""
    return EMPTY_FUNCTION_DUMP


@command("function|restore", arity=-3, flags="write denyoom noscript", group="scripting",
         since="7.0.0", summary="Restore all the functions on the given payload",
         complexity="O(N) where N is the number of functions on the payload")
def function_restore_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: only an empty library restores."""
    if len(argv) > 4:
        raise _function_syntax_error(argv)
    if len(argv) == 4 and argv[3].lower() not in (b"flush", b"append", b"replace"):
        raise CommandError("ERR Wrong restore policy given, value should be either FLUSH, "
                           "APPEND or REPLACE.")
    payload = argv[2]
    if payload == EMPTY_FUNCTION_DUMP:
        return OK
    if len(payload) < 10:
        raise CommandError("ERR DUMP payload version or checksum are wrong")
    raise not_supported("FUNCTION RESTORE")


@command("function|delete", arity=3, flags="write noscript", group="scripting",
         since="7.0.0", summary="Delete a function by name", complexity="O(1)")
def function_delete_command(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError("ERR Library not found")


@command("function|kill", arity=2, flags="noscript allow_busy", group="scripting",
         since="7.0.0", summary="Kill the function currently in execution.", complexity="O(1)")
def function_kill_command(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError("NOTBUSY No scripts in execution right now.")


@command("function|load", arity=-3, flags="write denyoom noscript", group="scripting",
         since="7.0.0", summary="Create a function with the given arguments (name, code, "
         "description)", complexity="O(1) (considering compilation time is redundant)")
def function_load_command(client: Client, argv: list[bytes]) -> Reply:
    raise not_supported("FUNCTION LOAD")


@command("function|help", arity=2, flags="loading stale", group="scripting", since="7.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def function_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("FUNCTION", [
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME "
        "argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored "
        "using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a "
        "restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
        "abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
        "replace the old",
        "      libraries with the new libraries (notice that even on this option there is a "
        "chance of failure",
        "      in case of functions name collision with another library).",
    ])
