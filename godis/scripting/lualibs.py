"""The C libraries Redis 7.0 loads into its Lua state (script_lua.c luaLoadLibraries), in Lua.

Each library is Lua source run once in the target runtime; its functions keep what they need
(configuration, the ``cjson.null`` sentinel, base functions) as upvalues, so they keep working
after the engine makes the globals table read-only. No Python object is reachable from the
libraries, so ``debug.getupvalue`` cannot lead a script out of the sandbox.
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
