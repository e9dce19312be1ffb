"""The C libraries Redis 7.0 loads into its Lua state (script_lua.c luaLoadLibraries), in Lua.

Why Lua and not Python functions: a Lua-to-Python call through lupa costs more than the
library work itself, errors raised in Lua carry Redis's ``user_script:N:`` position for free,
and no Python object becomes reachable from scripts (``debug.getupvalue`` on a library
function finds only Lua values), so the sandbox stays closed.

Each library is Lua source run once in the target runtime; its functions keep what they need
(configuration, the ``cjson.null`` sentinel, base functions) as upvalues, so they keep working
after the engine strips or locks the globals. Call ``install_libraries`` before that.

Errors: library code raises a private tagged error; the public entry point catches it with
``pcall`` and re-raises the message at level 2, which is what ``luaL_error`` in a C function
gives ("user_script:1: bad argument #1 to 'encode' (...)"). Errors that are not the library's
own (an engine's time-limit hook, "table index is nil" from ``rawset``) pass through unchanged.
One difference remains here: Lua 5.1 drops the caller's frame on a tail call to a Lua function,
so an error from ``return cjson.encode(bad)`` has no ``user_script:N:`` prefix (C functions are
never tail-called, so Redis keeps it). The engine therefore puts Python entries (C functions to
Lua) in front of cjson's and cmsgpack's functions (``LuaEngine._wrap_library_functions``); bit
and struct keep the difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from godis.scripting import _lua_bit, _lua_cjson, _lua_cmsgpack, _lua_struct

if TYPE_CHECKING:
    from lupa import lua51

_LIBRARIES = (
    ("cjson", _lua_cjson.SOURCE),
    ("struct", _lua_struct.SOURCE),
    ("cmsgpack", _lua_cmsgpack.SOURCE),
    ("bit", _lua_bit.SOURCE),
)


def install_libraries(lua: lua51.LuaRuntime) -> None:
    """Set the globals ``cjson``, ``struct``, ``cmsgpack`` and ``bit`` in ``lua``, as Redis does.

    ``cjson.null`` is a userdata made by ``newproxy``. Redis uses a NULL light userdata: both
    have type "userdata", compare equal only to themselves, and print as "userdata: (nil)"
    (here through a ``__tostring`` metamethod, so only ``getmetatable`` tells them apart).
    """
    g: Any = lua.globals()
    null = lua.execute(
        b"local u = newproxy(true)\n"
        b"getmetatable(u).__tostring = function() return 'userdata: (nil)' end\n"
        b"return u"
    )
    errtag = lua.eval("{}")
    for name, source in _LIBRARIES:
        module = lua.execute(source, null, errtag, name="=" + name)  # chunk name for Lua errors
        g[name.encode()] = module
