"""Running Lua: one sandboxed Lua 5.1 state per engine, and the script run context.

Redis 7.0 keeps two Lua states: the EVAL one (eval.c, reset by SCRIPT FLUSH) and the functions
one (function_lua.c, for the server's lifetime). :class:`LuaEngine` is one such state, built
as ``luaRegisterRedisAPI`` builds it (the Lua half is in :mod:`godis.scripting._lua_sandbox`).
:class:`Scripting`, one per server, owns both engines, the script cache, the function
libraries and the run in progress; :meth:`Scripting.run` is ``scriptPrepareForRun`` +
``luaCallFunction`` + ``scriptResetRun`` and :meth:`Scripting.command` is ``scriptCall``: the
checks a command gets when a script calls it, then :func:`godis.dispatch.call` as a fake
client, so statistics, SLOWLOG, MONITOR ("lua"), keyspace events and WATCH work as for any
command. Writes are propagated as the commands the script ran (effects replication), wrapped
in MULTI/EXEC when there is more than one, as Redis 7.0 does.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lupa import lua51

from godis import REDIS_COMPAT_VERSION
from godis.client import Client
from godis.dispatch import call as dispatch_call
from godis.errors import CommandError
from godis.keyspace.evict import OOM
from godis.multi import propagate_block
from godis.protocol.writer import ErrorReply, Raw, Reply, encode
from godis.scripting import _lua_sandbox
from godis.scripting.lualibs import install_libraries
from godis.table import CommandSpec, lookup

if TYPE_CHECKING:
    from godis.state import ServerState

log = logging.getLogger("godis.scripting")

_VARARGS_MAX = 64  # KEYS + ARGV passed as Lua call arguments up to this many
LOAD_TIMEOUT_MS = 500  # FUNCTION LOAD's limit for a library's top-level code (functions.c)
KILLED_MESSAGE = b"Script killed by user with SCRIPT KILL..."
LOAD_TIMEOUT_MESSAGE = b"FUNCTION LOAD timeout"


def _version_num(version: str) -> int:
    major, minor, patch = (int(part) for part in version.split("."))
    return (major << 16) | (minor << 8) | patch


class ScriptRaise(Exception):
    """Raised in a Python callback to raise a Lua error whose value is ``table``."""

    def __init__(self, table: Any) -> None:
        super().__init__("script error")
        self.table = table


class Lrand48:
    """Redis's ``redisLrand48`` / ``redisSrand48`` (rand.c): drand48's generator, one per
    server, so ``math.random`` gives the same sequence as Redis for the same seed."""

    _A = 0x5DEECE66D
    _MASK = (1 << 48) - 1

    def __init__(self) -> None:
        self.state = 0x1234ABCD330E

    def seed(self, value: int) -> None:
        self.state = ((value & 0xFFFFFFFF) << 16) | 0x330E

    def next(self) -> int:
        self.state = (self._A * self.state + 0xB) & self._MASK
        return self.state >> 17


class ScriptRun:
    """One script or function invocation (Redis's scriptRunCtx)."""

    __slots__ = ("allow_oom", "argv", "caller", "eval_mode", "killed", "loading", "name_bytes",
                 "read_only", "repl_flags", "started", "timed_out", "write_dirty")

    def __init__(self, caller: Client, name: bytes, *, eval_mode: bool, read_only: bool,
                 argv: list[bytes], loading: bool = False) -> None:
        self.caller = caller
        self.name_bytes = name  # the sha of an EVAL script, the function's name
        self.eval_mode = eval_mode
        self.read_only = read_only
        self.argv = argv
        self.loading = loading  # FUNCTION LOAD running a library's top level
        self.started = time.monotonic()
        self.repl_flags = 3  # PROPAGATE_AOF | PROPAGATE_REPL (redis.set_repl)
        self.write_dirty = False
        self.allow_oom = False  # the script declared allow-oom (SCRIPT_ALLOW_OOM)
        self.timed_out = False
        self.killed = False

    @property
    def name(self) -> str:
        return self.name_bytes.decode("utf-8", "surrogateescape")

    def duration_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


def _lua_text(value: object) -> bytes | None:
    """A Lua string or number as ``lua_tolstring`` gives it, else None."""
    kind = type(value)
    if kind is bytes:
        return value  # type: ignore[return-value]
    if kind is int or kind is float:
        number = float(value)  # type: ignore[arg-type]
        if number == int(number) and abs(number) < 1e15:
            return b"%d" % int(number)
        return b"%.14g" % number
    return None


def command_argv(args: tuple[object, ...]) -> list[bytes] | None:
    """Lua arguments as a command's argv (luaArgsToRedisArgv): numbers as ``%.17g``."""
    argv: list[bytes] = []
    for arg in args:
        kind = type(arg)
        if kind is bytes:
            argv.append(arg)  # type: ignore[arg-type]
        elif kind is int or kind is float:
            argv.append(b"%.17g" % float(arg))  # type: ignore[arg-type]
        else:
            return None
    return argv


class LuaEngine:
    """One Lua state with Redis's libraries, sandbox and ``redis`` API."""

    def __init__(self, scripting: Scripting, *, function_mode: bool) -> None:
        self.scripting = scripting
        self.function_mode = function_mode
        self.lua = lua51.LuaRuntime(encoding=None, register_eval=False, register_builtins=False,
                                    attribute_filter=_no_attributes,
                                    unpack_returned_tuples=True)
        install_libraries(self.lua)
        self._wrap_library_functions(("cjson", "cmsgpack"))
        api: Any = self.lua.table()
        api.unwrap = _unwrap
        api.call = self._redis_call
        api.pcall = self._redis_pcall
        api.log = self._redis_log
        api.setresp = self._redis_setresp
        api.set_repl = self._redis_set_repl
        api.acl_check_cmd = self._redis_acl_check_cmd
        api.sha1hex = self._redis_sha1hex
        api.random = self._math_random
        api.randomseed = self._math_randomseed
        api.interrupt = scripting.interrupt
        api.kill_message = scripting.kill_message
        api.version = REDIS_COMPAT_VERSION.encode()
        api.version_num = _version_num(REDIS_COMPAT_VERSION)
        api.function_mode = function_mode
        api.register_function = self._register_function
        exports: Any = self.lua.execute(_lua_sandbox.SOURCE.encode(), api, name="=godis")
        self._run_eval = exports.run_eval
        self._run_function = exports.run_function
        self._compile = exports.compile
        self.from_resp: Any = exports.from_resp  # RESP bytes -> the Lua value
        self._error_of = exports.error_of
        self._load_library = exports.load_library
        self._is_function = exports.is_function
        self._state = exports.state
        self._where = exports.where
        # FUNCTION LOAD: the functions the library being loaded registers
        self.registering: dict[bytes, tuple[Any, bytes | None, list[bytes]]] | None = None

    def _wrap_library_functions(self, names: tuple[str, ...]) -> None:
        """Make the functions of these libraries C functions to Lua (Python callables): Lua 5.1
        drops the caller's frame when a script tail-calls a Lua function, so
        ``return cjson.decode(bad)`` would lose the ``user_script:N:`` position Redis's C
        library gives. The few microseconds of the crossing buy Redis's error texts for the
        libraries scripts feed untrusted input to."""
        globals_table: Any = self.lua.globals()
        for name in names:
            library = globals_table[name.encode()]
            for key, value in list(library.items()):
                if lua51.lua_type(value) == "function":
                    library[key] = self._library_entry(value, name)

    def _library_entry(self, function: Any, library: str) -> Callable[..., Any]:
        own_position = f"{library}:"

        def entry(*args: object) -> Any:
            try:
                return function(*args)
            except lua51.LuaError as error:
                message = str(error.args[0]).split("\nstack traceback:", 1)[0]
                if not message.startswith(own_position):  # luaL_error: the caller's position
                    message = bytes(self._where()).decode("utf-8", "replace") + message
                raise ScriptRaise(message.encode("utf-8", "surrogateescape")) from None

        return entry

    # -- compiling and running ------------------------------------------------------------

    def compile(self, code: bytes, chunk_name: bytes) -> tuple[Any, bytes]:
        """The compiled chunk, or None and Lua's error message."""
        result: Any = self._compile(code, chunk_name)
        if isinstance(result, tuple):
            return result[0], result[1] or b""
        return result, b""

    def run(self, function: Any, keys: list[bytes], args: list[bytes], name: bytes,
            resp: int) -> tuple[bytes, bytes, bool]:
        """Call a compiled script (EVAL: KEYS/ARGV globals) or function (FCALL: arguments);
        (b"reply", RESP) or (b"error", text, stats already counted)."""
        runner = self._run_function if self.function_mode else self._run_eval
        if len(keys) + len(args) <= _VARARGS_MAX:  # no tables to build from Python
            result: Any = runner(function, name, resp, len(keys), None, *keys, *args)
        else:
            result = runner(function, name, resp, len(keys), self.lua.table_from(keys),
                            self.lua.table_from(args))
        return result[0], result[1], len(result) > 2 and bool(result[2])

    def load_library(self, function: Any) -> bytes | None:
        """Run a library's top level with the load-time globals; the error text or None."""
        error: Any = self._load_library(function)
        return error if error is None else bytes(error)

    def error_table(self, text: bytes) -> Any:
        return self._error_of(text)

    # -- the redis.* callbacks ----------------------------------------------------------------

    def _redis_call(self, *args: object) -> object:
        return self.scripting.command(self, args, raise_error=True)

    def _redis_pcall(self, *args: object) -> object:
        return self.scripting.command(self, args, raise_error=False)

    def raised(self, text: bytes) -> ScriptRaise:
        """The exception that raises luaPushError's table for ``text`` in Lua."""
        return ScriptRaise(self._error_of(text))

    def _argument_error(self, message: str) -> ScriptRaise:
        """luaL_error from a callback: a string error at the calling script's position."""
        return ScriptRaise(bytes(self._where()) + message.encode())

    def _int_argument(self, args: tuple[object, ...], index: int, function: str) -> int:
        """luaL_checkint: a number (or numeric string), truncated."""
        value = _lua_number(args[index]) if index < len(args) else None
        if value is None or value != value:
            got = "no value" if index >= len(args) else _lua_type_name(args[index])
            raise self._argument_error(f"bad argument #{index + 1} to '{function}' "
                                       f"(number expected, got {got})")
        return int(value) if abs(value) < 2**63 else -(2**63)

    def _math_random(self, *args: object) -> float | int:
        """math.random as script_lua.c's redis_math_random, over redisLrand48."""
        r = (self.scripting.random.next() % 2147483647) / 2147483647
        if not args:
            return r
        if len(args) == 1:
            upper = self._int_argument(args, 0, "random")
            if upper < 1:
                raise self._argument_error("bad argument #1 to 'random' (interval is empty)")
            return math.floor(r * upper) + 1
        if len(args) == 2:
            lower = self._int_argument(args, 0, "random")
            upper = self._int_argument(args, 1, "random")
            if lower > upper:
                raise self._argument_error("bad argument #2 to 'random' (interval is empty)")
            return math.floor(r * (upper - lower + 1)) + lower
        raise self._argument_error("wrong number of arguments")

    def _math_randomseed(self, *args: object) -> None:
        self.scripting.random.seed(self._int_argument(args, 0, "randomseed"))

    def _redis_sha1hex(self, *args: object) -> bytes:
        """redis.sha1hex(s): the hex SHA1 of a string (a number as Lua prints it)."""
        if len(args) != 1:
            raise self.raised(b"wrong number of arguments")
        return hashlib.sha1(_lua_text(args[0]) or b"").hexdigest().encode()

    def _redis_log(self, *args: object) -> None:
        if len(args) < 2:
            raise self.raised(b"redis.log() requires two arguments or more.")
        level = args[0]
        if isinstance(level, bytes):
            try:
                level = float(level)
            except ValueError:
                level = None
        if type(level) not in (int, float):
            raise self.raised(b"First argument must be a number (log level).")
        number = int(level)  # type: ignore[call-overload]
        if number < 0 or number > 3:
            raise self.raised(b"Invalid debug level.")
        texts = [text for text in map(_lua_text, args[1:]) if text is not None]
        message = b" ".join(texts).decode("utf-8", "replace")
        log.log((logging.DEBUG, logging.DEBUG, logging.INFO, logging.WARNING)[number], "%s",
                message)

    def _redis_setresp(self, *args: object) -> None:
        run = self.scripting.current
        if run is None:
            raise self.raised(b"redis.setresp can only be called inside a script invocation")
        if len(args) != 1:
            raise self.raised(b"redis.setresp() requires one argument.")
        resp = _lua_number(args[0])
        if resp is None or int(resp) not in (2, 3):
            raise self.raised(b"RESP version must be 2 or 3.")
        self.scripting.client.resp = int(resp)
        self._state.resp = int(resp)

    def _redis_set_repl(self, *args: object) -> None:
        run = self.scripting.current
        if run is None:
            raise self.raised(b"redis.set_repl can only be called inside a script invocation")
        if len(args) != 1:
            raise self.raised(b"redis.set_repl() requires two arguments.")
        flags = _lua_number(args[0])
        value = int(flags) if flags is not None else 0
        if value & ~3:
            raise self.raised(b"Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL "
                              b"or REPL_NONE.")
        run.repl_flags = value

    def _redis_acl_check_cmd(self, *args: object) -> bool:
        run = self.scripting.current
        if run is None:
            raise self.raised(b"redis.acl_check_cmd can only be called inside a script "
                              b"invocation")
        if not args:
            raise self.raised(b"Please specify at least one argument for this redis lib call")
        argv = command_argv(args)
        if argv is None:
            raise self.raised(b"Lua redis lib command arguments must be strings or integers")
        spec = lookup(argv)
        if spec is None:
            raise self.raised(b"Invalid command passed to redis.acl_check_cmd()")
        return self.scripting.server.acl.permits(run.caller, spec, argv)

    def _register_function(self, *args: object) -> None:
        """redis.register_function (luaRegisterFunction): positional or named arguments."""
        registering = self.registering
        if registering is None:
            raise self.raised(b"redis.register_function can only be called on FUNCTION LOAD "
                              b"command")
        if not 1 <= len(args) <= 2:
            raise self.raised(b"wrong number of arguments to redis.register_function")
        name: bytes | None
        description: bytes | None = None
        flags: list[bytes] = []
        callback: Any = None
        if len(args) == 2:
            name = _lua_text(args[0])
            if name is None:
                raise self.raised(b"first argument to redis.register_function must be a string")
            if not self._is_function(args[1]):
                raise self.raised(b"second argument to redis.register_function must be a "
                                  b"function")
            callback = args[1]
        else:
            named = args[0]
            if lua51.lua_type(named) != "table":
                raise self.raised(b"calling redis.register_function with a single argument is "
                                  b"only applicable to Lua table (representing named "
                                  b"arguments).")
            name = None
            for key, value in named.items():  # type: ignore[attr-defined]
                key_text = _lua_text(key)
                if key_text is None:
                    raise self.raised(b"named argument key given to redis.register_function "
                                      b"is not a string")
                option = key_text.lower()
                if option == b"function_name":
                    name = _lua_text(value)
                    if name is None:
                        raise self.raised(b"function_name argument given to "
                                          b"redis.register_function must be a string")
                elif option == b"description":
                    description = _lua_text(value)
                    if description is None:
                        raise self.raised(b"description argument given to "
                                          b"redis.register_function must be a string")
                elif option == b"callback":
                    if not self._is_function(value):
                        raise self.raised(b"callback argument given to "
                                          b"redis.register_function must be a function")
                    callback = value
                elif option == b"flags":
                    if lua51.lua_type(value) != "table":
                        raise self.raised(b"flags argument to redis.register_function must be "
                                          b"a table representing function flags")
                    read = _read_flags(value)
                    if read is None:
                        raise self.raised(b"unknown flag given")
                    flags = read
                else:
                    raise self.raised(b"unknown argument given to redis.register_function")
            if name is None:
                raise self.raised(b"redis.register_function must get a function name argument")
            if callback is None:
                raise self.raised(b"redis.register_function must get a callback argument")
        if not valid_name(name):
            raise self.raised(b"Library names can only contain letters, numbers, or "
                              b"underscores(_) and must be at least one character long")
        if name in registering:
            raise self.raised(b"Function already exists in the library")
        registering[name] = (callback, description, flags)


SCRIPT_FLAGS = (b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster",
                b"allow-cross-slot-keys")
"""Redis's script flags (script.c scripts_flags_def), in its order."""


def _read_flags(table: Any) -> list[bytes] | None:
    """luaRegisterFunctionReadFlags: the flags of a ``flags`` table, or None on a bad one."""
    flags: list[bytes] = []
    index = 1
    while True:
        value = table[index]
        if value is None:
            return flags
        text = _lua_text(value)
        if text is None or text.lower() not in SCRIPT_FLAGS:
            return None
        flags.append(text.lower())
        index += 1


def valid_name(name: bytes) -> bool:
    """functionsVerifyName: letters, digits and underscores, at least one."""
    return bool(name) and all(
        48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 95 for c in name)


def _lua_type_name(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, bytes):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return str(lua51.lua_type(value) or "userdata")


def _lua_number(value: object) -> float | None:
    if type(value) in (int, float):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, bytes):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _no_attributes(obj: object, name: object, is_setting: bool) -> object:
    """lupa's attribute filter: scripts reach no Python attribute of the callbacks."""
    raise AttributeError("access denied")


def _unwrap(error: object) -> object:
    """A Lua error value raised from Python back as the Lua value it stands for."""
    if isinstance(error, ScriptRaise):
        return error.table
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}".encode()
    return error




class Scripting:
    """The server's scripting state: engines, script cache, libraries, the current run."""

    def __init__(self, server: ServerState) -> None:
        self.server = server
        self.random = Lrand48()
        self._eval_engine: LuaEngine | None = None
        self._function_engine: LuaEngine | None = None
        self.scripts: dict[bytes, tuple[bytes, Any, frozenset[bytes] | None]] = {}
        self.libraries: dict[bytes, Library] = {}
        self.functions: dict[bytes, Function] = {}
        self.current: ScriptRun | None = None
        self.client = Client(server, address="lua")
        self.client.is_fake = True
        self.client.deny_blocking = True
        # The shell serves other clients (-BUSY, SCRIPT KILL) while a script runs too long.
        self.while_busy: Callable[[], None] = lambda: None

    @property
    def eval_engine(self) -> LuaEngine:
        if self._eval_engine is None:
            self._eval_engine = LuaEngine(self, function_mode=False)
        return self._eval_engine

    @property
    def function_engine(self) -> LuaEngine:
        if self._function_engine is None:
            self._function_engine = LuaEngine(self, function_mode=True)
        return self._function_engine

    def flush_scripts(self) -> None:
        """SCRIPT FLUSH: a new Lua state and an empty cache (scriptingReset)."""
        self.scripts.clear()
        self._eval_engine = None

    # -- callbacks from the engines ----------------------------------------------------------

    def interrupt(self) -> bool:
        """luaMaskCountHook / luaEngineLoadHook: whether the run must stop now. Past the busy
        threshold, the shell gets to answer other clients (processEventsWhileBlocked)."""
        run = self.current
        if run is None:
            return False
        elapsed_ms = (time.monotonic() - run.started) * 1000
        if run.loading:
            return elapsed_ms > LOAD_TIMEOUT_MS
        if not run.timed_out:
            threshold = self.server.config.busy_reply_threshold
            if threshold <= 0 or elapsed_ms < threshold:
                return False
            log.warning("Slow script detected: still in execution after %d milliseconds. You "
                        "can try killing the script using the %s command. Script name is: %s.",
                        elapsed_ms, "SCRIPT KILL" if run.eval_mode else "FUNCTION KILL",
                        run.name)
            run.timed_out = True
        self.while_busy()
        if self.server.shutdown_requested:  # SHUTDOWN NOSAVE while busy: stop now
            run.killed = True
        if run.killed:
            log.warning("Lua script killed by user with SCRIPT KILL.")
        return run.killed

    def kill_message(self) -> bytes:
        run = self.current
        return LOAD_TIMEOUT_MESSAGE if run is not None and run.loading else KILLED_MESSAGE

    # -- running ------------------------------------------------------------------------------

    def run(self, engine: LuaEngine, run: ScriptRun, function: Any, keys: list[bytes],
            args: list[bytes]) -> Reply:
        """Run a script or function for ``run.caller``; its reply."""
        caller = run.caller
        client = self.client
        client.db = caller.db
        client.resp = 2  # scripts start in RESP2 (redis.setresp changes it)
        client.user = caller.user
        client.authenticated = True
        keyspace = caller.keyspace
        propagate = keyspace.propagate
        records: list[tuple[int, list[bytes]]] = []

        def collect(db_index: int, record: list[bytes]) -> None:
            if run.repl_flags & 1:  # redis.set_repl: REPL_AOF
                records.append((db_index, record))

        keyspace.propagate = collect
        self.current = run
        try:
            kind, text, counted = engine.run(function, keys, args, run.name_bytes, caller.resp)
        finally:
            self.current = None
            if keyspace.propagate is collect:
                keyspace.propagate = propagate
        caller.propagate_as()  # the script itself is not logged: its commands are
        if records:
            if caller.in_multi:  # inside EXEC: part of the transaction's own block
                for record in records:
                    keyspace.propagate(*record)
            else:
                propagate_block(keyspace.propagate, records)
        if kind == b"reply":
            return Raw(text)
        message = text.decode("utf-8", "surrogateescape")
        if counted:
            return ErrorReply(message)
        raise CommandError(message)

    def command(self, engine: LuaEngine, args: tuple[object, ...], raise_error: bool) -> object:
        """redis.call / redis.pcall (luaRedisGenericCommand + scriptCall)."""
        run = self.current
        if run is None:
            raise engine.raised(b"redis.call/pcall can only be called inside a script "
                                b"invocation")
        if not args:
            return self._fail(engine, b"Please specify at least one argument for this redis "
                                      b"lib call", raise_error)
        argv = command_argv(args)
        if argv is None:
            return self._fail(engine, b"Lua redis lib command arguments must be strings or "
                                      b"integers", raise_error)
        client = self.client
        spec = lookup(argv)
        refusal = self._refusal(run, spec, argv)
        if refusal is not None:
            if spec is not None:
                self.server.command_rejected[spec.name] += 1
            error = engine.error_table(refusal)
            if raise_error:
                raise ScriptRaise(error)
            return error
        assert spec is not None
        reply = dispatch_call(client, spec, argv)
        kind = type(reply)
        if kind is bytes or kind is int:
            return reply
        if reply is None and client.resp == 2:
            return False
        raw = encode(reply, client.resp)  # type: ignore[arg-type]
        value = engine.from_resp(raw)
        if raise_error and raw[:1] == b"-":
            raise ScriptRaise(value)
        return value

    def _fail(self, engine: LuaEngine, text: bytes, raise_error: bool) -> object:
        if raise_error:
            raise engine.raised(text)
        return engine.error_table(text)

    def _refusal(self, run: ScriptRun, spec: CommandSpec | None,
                 argv: list[bytes]) -> bytes | None:
        """scriptCall's checks, in its order; the error text or None."""
        if spec is None:
            return b"Unknown Redis command called from script"
        arity = spec.arity
        if (arity > 0 and len(argv) != arity) or len(argv) < -arity:
            return b"Wrong number of args calling Redis command from script"
        if "noscript" in spec.flags:
            return b"This Redis command is not allowed from script"
        denied = self.server.acl.check_script(self.client, spec, argv)
        if denied is not None:
            return b"The user executing the script " + denied.encode()
        if run.read_only and (spec.is_write or "may_replicate" in spec.flags):
            return b"Write commands are not allowed from read-only scripts."
        if spec.is_write and not run.write_dirty:
            aof = self.server.aof
            if aof is not None and not aof.last_write_ok:
                return b"-MISCONF Errors writing to the AOF file: " + \
                    aof.last_write_error.encode()
        keyspace = self.server.keyspace
        if (keyspace.maxmemory and not run.allow_oom and not run.write_dirty
                and keyspace.eviction.oom_at_start and "denyoom" in spec.flags
                and not run.caller.is_fake):
            # scriptVerifyOOM: out of memory when the script started, and nothing written yet
            return b"-" + OOM.encode()
        if spec.is_write:
            run.write_dirty = True
        return None


@dataclass
class Function:
    """One function of a library (functionInfo)."""

    name: bytes
    callback: Any
    description: bytes | None
    flags: list[bytes]
    library: Library


@dataclass
class Library:
    """A loaded library (functionLibInfo): its name, code and functions, in load order."""

    name: bytes
    code: bytes
    functions: dict[bytes, Function] = field(default_factory=dict)
