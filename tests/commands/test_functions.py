"""FUNCTION and FCALL (functions.c, function_lua.c): differential against redis-server."""

from __future__ import annotations

from tests.support.differential import Differ, propagated, script
from tests.support.resp import parse_bytes


def _fresh(differ: Differ) -> None:
    differ.redis.call("FUNCTION", "FLUSH")
    differ.godis.call("FUNCTION", "FLUSH")


def test_function_management_matches_redis(differ: Differ) -> None:
    _fresh(differ)
    differ.check_many(
        ("FUNCTION", "FLUSH"),
        ("FUNCTION", "FLUSH", "ASYNC"),
        ("FUNCTION", "FLUSH", "FOO"),
        ("FUNCTION", "FLUSH", "SYNC", "ASYNC"),
        ("FUNCTION", "LIST"),
        ("FUNCTION", "LIST", "WITHCODE"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "x", "WITHCODE"),
        ("FUNCTION", "LIST", "FOO"),
        ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
        ("FUNCTION", "LIST", "LIBRARYNAME"),
        ("FUNCTION", "STATS"),
        ("FUNCTION", "DUMP"),
        ("FUNCTION", "DELETE", "x"),
        ("FUNCTION", "KILL"),
        ("FUNCTION", "HELP"),
        ("FUNCTION", "FOO"),
        ("FCALL", "f"),
        ("FCALL", "f", "0"),
    )


def test_functions_match_redis(differ: Differ) -> None:
    _fresh(differ)
    script(differ, r"""
    FUNCTION LOAD "#!lua name=mylib\\nredis.register_function('myfunc', function(keys, args) return redis.call('set', keys[1], args[1]) end)"
    FCALL myfunc 1 k v
    FCALL myfunc 0
    FCALL nosuch 0
    FCALL myfunc x
    FCALL_RO myfunc 1 k v
    FUNCTION LOAD "#!lua name=mylib\\nredis.register_function('myfunc', function(keys, args) return 1 end)"
    FUNCTION LOAD REPLACE "#!lua name=mylib\\nredis.register_function{function_name='myfunc', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='get it'}"
    FCALL_RO myfunc 1 k
    FUNCTION LIST
    FUNCTION LIST WITHCODE
    FUNCTION LIST LIBRARYNAME my*
    FUNCTION LIST LIBRARYNAME x*
    FUNCTION STATS
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function('myfunc', function() return 1 end)"
    FUNCTION LOAD "#!lua name=lib2\\nlocal x = string.rep('a', 3)"
    FUNCTION LOAD "#!lua name=lib2\\nreturn 1"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function('f2', 'x')"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function()"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function{function_name='f2'}"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function{function_name='f2', callback=function() end, flags={'bad'}}"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function{function_name='f2', callback=function() end, foo=1}"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function('f-2', function() end)"
    FUNCTION LOAD "#!lua name=lib-2\\nredis.register_function('f2', function() end)"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function('f2', function() end)\\nredis.register_function('f2', function() end)"
    FUNCTION LOAD "#!lua name=lib2 foo=bar\\nredis.register_function('f2', function() end)"
    FUNCTION LOAD "#!lua\\nredis.register_function('f2', function() end)"
    FUNCTION LOAD "#!js name=x\\nredis.register_function('f2', function() end)"
    FUNCTION LOAD "return 1"
    FUNCTION LOAD "#!lua name=lib2"
    FUNCTION LOAD "#!lua name=lib2\\nfunction f() end"
    FUNCTION LOAD "#!lua name=lib2\\nredis.call('ping')"
    FUNCTION LOAD "#!lua name=lib2\\nlocal function f() return 1 +"
    FUNCTION LOAD "#!lua name=lib2\\nredis.register_function('f2', function(k, a) return redis.call('nosuch') end)\\nredis.register_function('f3', function(k, a) return x end)\\nredis.register_function('f4', function(k, a) return redis.setresp(3) end)"
    FCALL f2 0
    FCALL f3 0
    FCALL f4 0
    FUNCTION LOAD FOO "#!lua name=lib3\\nredis.register_function('f5', function() end)"
    FUNCTION LOAD REPLACE
    FUNCTION DELETE lib2
    FUNCTION DELETE lib2
    FCALL f2 0
    FUNCTION FLUSH
    FUNCTION LIST
    FCALL myfunc 0
    """)


def test_function_load_propagates_and_flush_clears(differ: Differ) -> None:
    _fresh(differ)
    log = propagated(differ)
    code = "#!lua name=lib\nredis.register_function('f', function(k, a) return 1 end)"
    differ.check("FUNCTION", "LOAD", code)
    assert log == [[b"FUNCTION", b"LOAD", code.encode()]]
    differ.check("FCALL", "f", "0")
    differ.check("FUNCTION", "STATS")
    differ.check("FUNCTION", "DELETE", "lib")
    assert log[-1] == [b"FUNCTION", b"DELETE", b"lib"]


def test_dump_and_restore_match_redis_both_ways(differ: Differ) -> None:
    """FUNCTION DUMP's payload is Redis's byte for byte; each side restores the other's."""
    _fresh(differ)
    lib1 = ("#!lua name=lib1\nredis.register_function('f1', function(k, a) return 'one' end)\n"
            "-- a comment long enough for the library code to be LZF-compressed in the payload")
    lib2 = "#!lua name=lib2\nredis.register_function('f2', function(k, a) return 2 end)"
    differ.check("FUNCTION", "LOAD", lib1)
    redis_dump = differ.redis.call("FUNCTION", "DUMP")
    godis_dump = differ.check("FUNCTION", "DUMP")
    assert redis_dump == godis_dump
    payload = parse_bytes(redis_dump)
    differ.check_many(
        ("FUNCTION", "RESTORE", payload),
        ("FUNCTION", "RESTORE", payload, "APPEND"),
        ("FUNCTION", "RESTORE", payload, "REPLACE"),
        ("FUNCTION", "RESTORE", payload, "BAD"),
        ("FUNCTION", "RESTORE", payload, "FLUSH"),
        ("FUNCTION", "LIST", "WITHCODE"),
        ("FCALL", "f1", "0"),
        ("FUNCTION", "LOAD", lib2),
        ("FUNCTION", "RESTORE", payload[:-1] + bytes([payload[-1] ^ 1])),
        ("FUNCTION", "RESTORE", b"\x00" * 12),
        ("FUNCTION", "RESTORE", b"abc"),
        ("FUNCTION", "RESTORE", payload, "REPLACE", "x"),
    )
    both = parse_bytes(differ.redis.call("FUNCTION", "DUMP"))
    differ.godis.call("FUNCTION", "FLUSH")
    assert differ.godis.call("FUNCTION", "RESTORE", both) == b"+OK\r\n"
    assert sorted(differ.godis.call("FCALL", name, "0") for name in ("f1", "f2")) == [
        b"$3\r\none\r\n", b":2\r\n"]
    # a library whose function name another library already has
    clash = ("#!lua name=lib3\nredis.register_function('f2', function(k, a) return 3 end)")
    differ.redis.call("FUNCTION", "FLUSH")
    differ.redis.call("FUNCTION", "LOAD", clash)
    clash_dump = parse_bytes(differ.redis.call("FUNCTION", "DUMP"))
    differ.redis.call("FUNCTION", "RESTORE", both, "FLUSH")
    differ.check("FUNCTION", "RESTORE", clash_dump)
    differ.check("FUNCTION", "RESTORE", clash_dump, "REPLACE")
