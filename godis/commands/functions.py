"""FUNCTION and FCALL (functions.c, function_lua.c): libraries of named Lua functions.

A library is loaded from code whose first line is ``#!lua name=<library>``; running its top
level registers functions with ``redis.register_function``. Libraries live for the server's
lifetime (FUNCTION FLUSH / DELETE remove them), are shared by all databases, and are written to
the AOF as their FUNCTION LOAD commands.
"""

from __future__ import annotations

from godis.client import Client
from godis.commands.scripting import (
    check_script_flags,
    kill_script,
    no_written_keys,
    numkeys_positions,
    parse_numkeys,
)
from godis.commands.server import help_lines
from godis.dispatch import feed_monitors
from godis.errors import CommandError
from godis.glob import glob_match
from godis.persistence.rdb import (
    FunctionPayloadError,
    dump_function_libraries,
    load_function_libraries,
)
from godis.protocol.reader import split_args
from godis.protocol.writer import OK, Map, Reply, SetReply, Status
from godis.scripting.busy import BUSY_SCRIPT
from godis.scripting.engine import (
    SCRIPT_FLAGS,
    Function,
    Library,
    Scripting,
    ScriptRun,
    valid_name,
)
from godis.table import command, container

BAD_NAME = ("ERR Library names can only contain letters, numbers, or underscores(_) and must "
            "be at least one character long")


def _metadata(code: bytes) -> tuple[bytes, bytes, bytes]:
    """functionExtractLibMetaData: the engine, the library name, and the code after the
    shebang line (its newline kept, so line numbers stay the user's)."""
    if not code.startswith(b"#!"):
        raise CommandError("ERR Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise CommandError("ERR Invalid library metadata")
    parts = split_args(code[:end])
    if not parts:
        raise CommandError("ERR Invalid library metadata")
    engine = parts[0][2:]
    name: bytes | None = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise CommandError("ERR Invalid metadata value, name argument was given "
                                   "multiple times")
            name = part[5:]
            continue
        raise CommandError("ERR Invalid metadata value given: "
                           + part.decode("utf-8", "surrogateescape"))
    if name is None:
        raise CommandError("ERR Library name was not given")
    return engine, name, code[end:]


def _text(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")


def load_library(scripting: Scripting, code: bytes, replace: bool,
                 libraries: dict[bytes, Library] | None = None,
                 functions: dict[bytes, Function] | None = None) -> bytes:
    """functionsCreateWithLibraryCtx: compile and run a library, link its functions into
    ``libraries``/``functions`` (the server's unless given); its name. On any error the
    previous state stays as it was."""
    if libraries is None or functions is None:
        libraries, functions = scripting.libraries, scripting.functions
    engine_name, name, body = _metadata(code)
    if not valid_name(name):
        raise CommandError(BAD_NAME)
    if engine_name.lower() != b"lua":
        raise CommandError(f"ERR Engine '{_text(engine_name)}' not found")
    old = libraries.get(name)
    if old is not None and not replace:
        raise CommandError(f"ERR Library '{_text(name)}' already exists")
    library = _compile_library(scripting, name, code, body)
    for function_name in library.functions:
        owner = functions.get(function_name)
        if owner is not None and owner.library is not old:
            raise CommandError(f"ERR Function {_text(function_name)} already exists")
    if old is not None:
        _unlink(libraries, functions, old)
    _link(libraries, functions, library)
    return name


def _compile_library(scripting: Scripting, name: bytes, code: bytes, body: bytes) -> Library:
    """luaEngineCreate: compile the code and run its top level with the load-time globals
    (redis.register_function, redis.log), under the 500 ms load timeout."""
    engine = scripting.function_engine
    function, error = engine.compile(body, b"@user_function")
    if function is None:
        raise CommandError("ERR Error compiling function: " + _text(error))
    library = Library(name, code)
    engine.registering = {}
    run = ScriptRun(scripting.client, name, eval_mode=False, read_only=True, argv=[],
                    loading=True)
    scripting.current = run
    try:
        failure = engine.load_library(function)
        registered = engine.registering
    finally:
        engine.registering = None
        scripting.current = None
    if failure is not None:
        raise CommandError("ERR Error registering functions: " + _text(failure))
    if not registered:
        raise CommandError("ERR No functions registered")
    for function_name, (callback, description, flags) in registered.items():
        library.functions[function_name] = Function(function_name, callback, description,
                                                    flags, library)
    return library


def _link(libraries: dict[bytes, Library], functions: dict[bytes, Function],
          library: Library) -> None:
    libraries[library.name] = library
    functions.update(library.functions)


def _unlink(libraries: dict[bytes, Library], functions: dict[bytes, Function],
            library: Library) -> None:
    del libraries[library.name]
    for function_name in library.functions:
        functions.pop(function_name, None)


def restore_libraries(scripting: Scripting, payload: bytes, policy: bytes) -> None:
    """FUNCTION RESTORE (functionRestoreCommand + libraryJoin): load the payload's libraries
    apart, then FLUSH (replace all), APPEND (fail on any existing name) or REPLACE (replace
    same-named libraries); a function-name collision fails; on failure nothing changes."""
    try:
        codes = load_function_libraries(payload)
    except FunctionPayloadError as error:
        raise CommandError(f"ERR {error}") from None
    staged_libraries: dict[bytes, Library] = {}
    staged_functions: dict[bytes, Function] = {}
    for code in codes:
        load_library(scripting, code, False, staged_libraries, staged_functions)
    if policy == b"flush":
        scripting.libraries.clear()
        scripting.functions.clear()
        scripting.libraries.update(staged_libraries)
        scripting.functions.update(staged_functions)
        return
    replace = policy == b"replace"
    for name in staged_libraries:
        if name in scripting.libraries and not replace:
            raise CommandError(f"ERR Library {_text(name)} already exists")
    replaced = {name for name in staged_libraries if name in scripting.libraries}
    for function_name in staged_functions:
        owner = scripting.functions.get(function_name)
        if owner is not None and owner.library.name not in replaced:
            raise CommandError(f"ERR Function {_text(function_name)} already exists")
    for name in replaced:
        _unlink(scripting.libraries, scripting.functions, scripting.libraries[name])
    for library in staged_libraries.values():
        _link(scripting.libraries, scripting.functions, library)


def unlink_library(scripting: Scripting, library: Library) -> None:
    """libraryUnlink: the library and its functions leave the server's tables."""
    _unlink(scripting.libraries, scripting.functions, library)


def flush_libraries(scripting: Scripting) -> None:
    """FUNCTION FLUSH (and FUNCTION RESTORE FLUSH): no library is left."""
    scripting.libraries.clear()
    scripting.functions.clear()


# -- FCALL ---------------------------------------------------------------------------------------


def _fcall(client: Client, argv: list[bytes], read_only: bool) -> Reply:
    """FCALL / FCALL_RO (fcallCommandGeneric)."""
    server = client.server
    if server.monitors:  # before the commands the function runs
        feed_monitors(client, argv)
    scripting = server.scripting
    function = scripting.functions.get(argv[1])
    if function is None:
        raise CommandError("ERR Function not found")
    numkeys = parse_numkeys(argv, "ERR Bad number of keys provided")
    flags = frozenset(function.flags)
    check_script_flags(client, flags, read_only)
    run = ScriptRun(client, function.name, eval_mode=False,
                    read_only=read_only or b"no-writes" in flags, argv=argv)
    run.allow_oom = b"allow-oom" in flags
    return scripting.run(scripting.function_engine, run, function.callback,
                         argv[3:3 + numkeys], argv[3 + numkeys:])


@command("fcall", arity=-3, flags="noscript skip_monitor may_replicate no_mandatory_keys stale",
         group="scripting", since="7.0.0", summary="Invoke a function",
         complexity="Depends on the function that is executed.",
         get_keys=numkeys_positions, written_keys=no_written_keys)
def fcall_command(client: Client, argv: list[bytes]) -> Reply:
    """FCALL function numkeys key... arg...: run a library function."""
    return _fcall(client, argv, read_only=False)


@command("fcall_ro", arity=-3, flags="noscript skip_monitor no_mandatory_keys stale readonly",
         group="scripting", since="7.0.0", summary="Invoke a read-only function",
         complexity="Depends on the function that is executed.",
         get_keys=numkeys_positions, written_keys=no_written_keys)
def fcall_ro_command(client: Client, argv: list[bytes]) -> Reply:
    """FCALL_RO: FCALL for functions flagged no-writes (a write command fails)."""
    return _fcall(client, argv, read_only=True)


# -- FUNCTION ------------------------------------------------------------------------------------

container("function", group="scripting", since="7.0.0",
          summary="A container for function commands")


def _function_syntax_error(argv: list[bytes]) -> CommandError:
    sub = argv[1].decode("utf-8", "surrogateescape")
    return CommandError(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. "
                        "Try FUNCTION HELP.")


@command("function|load", arity=-3, flags="write denyoom noscript", group="scripting",
         since="7.0.0", summary="Create a function with the given arguments (name, code, "
         "description)", complexity="O(1) (considering compilation time is redundant)")
def function_load_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION LOAD [REPLACE] code: the library's name."""
    replace = False
    index = 2
    while index < len(argv) - 1:
        option = argv[index]
        index += 1
        if option.lower() == b"replace":
            replace = True
            continue
        raise CommandError("ERR Unknown option given: "
                           + option.decode("utf-8", "surrogateescape"))
    if index >= len(argv):
        raise CommandError("ERR Function code is missing")
    name = load_library(client.server.scripting, argv[index], replace)
    client.keyspace.dirty += 1
    return name


@command("function|delete", arity=3, flags="write noscript", group="scripting",
         since="7.0.0", summary="Delete a function by name", complexity="O(1)")
def function_delete_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION DELETE library."""
    scripting = client.server.scripting
    library = scripting.libraries.get(argv[2])
    if library is None:
        raise CommandError("ERR Library not found")
    unlink_library(scripting, library)
    client.keyspace.dirty += 1
    return OK


@command("function|flush", arity=-2, flags="write noscript", group="scripting",
         since="7.0.0", summary="Deleting all functions",
         complexity="O(N) where N is the number of functions deleted")
def function_flush_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION FLUSH [ASYNC|SYNC]."""
    if len(argv) > 3:
        raise _function_syntax_error(argv)
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    flush_libraries(client.server.scripting)
    client.keyspace.dirty += 1
    return OK


@command("function|list", arity=-2, flags="noscript", group="scripting", since="7.0.0",
         summary="List information about all the functions",
         complexity="O(N) where N is the number of functions")
def function_list_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]."""
    with_code = False
    pattern: bytes | None = None
    index = 2
    while index < len(argv):
        argument = argv[index].lower()
        if not with_code and argument == b"withcode":
            with_code = True
        elif pattern is None and argument == b"libraryname":
            if index >= len(argv) - 1:
                raise CommandError("ERR library name argument was not given")
            index += 1
            pattern = argv[index]
        else:
            raise CommandError("ERR Unknown argument "
                               + argv[index].decode("utf-8", "surrogateescape"))
        index += 1
    out: list[Reply] = []
    for library in client.server.scripting.libraries.values():
        if pattern is not None and not glob_match(pattern, library.name, nocase=True):
            continue
        functions: list[Reply] = [
            Map([(b"name", function.name), (b"description", function.description),
                 (b"flags", SetReply([Status(flag.decode()) for flag in SCRIPT_FLAGS
                                      if flag in function.flags]))])
            for function in library.functions.values()]
        pairs: list[tuple[Reply, Reply]] = [(b"library_name", library.name),
                                            (b"engine", b"LUA"), (b"functions", functions)]
        if with_code:
            pairs.append((b"library_code", library.code))
        out.append(Map(pairs))
    return out


@command("function|stats", arity=2, flags="noscript allow_busy", group="scripting",
         since="7.0.0", summary="Return information about the function currently running",
         complexity="O(1)")
def function_stats_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION STATS: the running function, and the Lua engine's counts."""
    scripting = client.server.scripting
    run = scripting.current
    if run is not None and run.eval_mode:
        raise CommandError(BUSY_SCRIPT)
    running: Reply = None
    if run is not None:
        running = Map([(b"name", run.name_bytes), (b"command", list(run.argv)),
                       (b"duration_ms", run.duration_ms())])
    return Map([
        (b"running_script", running),
        (b"engines", Map([(b"LUA", Map([(b"libraries_count", len(scripting.libraries)),
                                         (b"functions_count", len(scripting.functions))]))])),
    ])


@command("function|kill", arity=2, flags="noscript allow_busy", group="scripting",
         since="7.0.0", summary="Kill the function currently in execution.", complexity="O(1)")
def function_kill_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION KILL: stop the running function (it must not have written)."""
    return kill_script(client.server.scripting, eval_mode=False)


@command("function|dump", arity=2, flags="noscript", group="scripting", since="7.0.0",
         summary="Dump all functions into a serialized binary payload",
         complexity="O(N) where N is the number of functions")
def function_dump_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION DUMP: the libraries as Redis's payload (RDB strings, version, CRC64), which
    FUNCTION RESTORE on godis or on Redis 7.0 reads."""
    libraries = client.server.scripting.libraries.values()
    return dump_function_libraries([library.code for library in libraries])


@command("function|restore", arity=-3, flags="write denyoom noscript", group="scripting",
         since="7.0.0", summary="Restore all the functions on the given payload",
         complexity="O(N) where N is the number of functions on the payload")
def function_restore_command(client: Client, argv: list[bytes]) -> Reply:
    """FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (APPEND by default)."""
    if len(argv) > 4:
        raise _function_syntax_error(argv)
    policy = b"append"
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            raise CommandError("ERR Wrong restore policy given, value should be either FLUSH, "
                               "APPEND or REPLACE.")
    restore_libraries(client.server.scripting, argv[2], policy)
    client.keyspace.dirty += 1
    return OK


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
