"""EVAL, EVALSHA, SCRIPT (eval.c, script_lua.c, script.c): differential against redis-server
under RESP2 and RESP3, and the AOF records a script leaves (effects replication)."""

from __future__ import annotations

from tests.support.differential import Differ, propagated, script
from tests.support.resp import parse_list


def _fresh(differ: Differ) -> None:
    differ.redis.call("SCRIPT", "FLUSH")
    differ.godis.call("SCRIPT", "FLUSH")


def test_script_management_matches_redis(differ: Differ) -> None:
    _fresh(differ)
    differ.check_many(
        ("SCRIPT", "FLUSH"),
        ("SCRIPT", "FLUSH", "ASYNC"),
        ("SCRIPT", "FLUSH", "sync"),
        ("SCRIPT", "FLUSH", "FOO"),
        ("SCRIPT", "FLUSH", "SYNC", "ASYNC"),
        ("SCRIPT", "EXISTS", "a", "b"),
        ("SCRIPT", "EXISTS"),
        ("SCRIPT", "KILL"),
        ("SCRIPT", "HELP"),
        ("SCRIPT", "FOO"),
        ("SCRIPT", "DEBUG", "no"),
        ("SCRIPT", "DEBUG", "foo"),
        ("SCRIPT", "LOAD"),
        ("SCRIPT", "LOAD", "return 1 +"),
        ("SCRIPT", "LOAD", "return 42"),
        ("SCRIPT", "EXISTS", "1FA00E76656CC152AD327C13FE365858FD7BE306", "x"),
        ("EVALSHA", "1FA00E76656CC152AD327C13FE365858FD7BE306", "0"),
        ("SCRIPT", "FLUSH"),
        ("EVALSHA", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"),
    )


def test_eval_argument_errors_match_redis(differ: Differ) -> None:
    differ.check_many(
        ("EVAL", "return 1"),
        ("EVAL", "return 1", "abc"),
        ("EVAL", "return 1", "5"),
        ("EVAL", "return 1", "-1"),
        ("EVAL_RO", "return 1", "2", "k"),
        ("EVALSHA", "abc", "x"),
        ("EVALSHA", "a" * 40, "x"),
        ("EVAL", "return 1 +", "0"),
        ("EVAL", "#!lua", "0"),
        ("EVAL", "#!lua\nreturn 1", "0"),
        ("EVAL", "#!python\nreturn 1", "0"),
        ("EVAL", "#!lua flags=foo\nreturn 1", "0"),
        ("EVAL", "#!lua foo=bar\nreturn 1", "0"),
        ("EVAL", "#!lua flags=no-writes,allow-oom\nreturn redis.call('get', 'x')", "0"),
    )


def test_eval_matches_redis(differ: Differ) -> None:
    """Replies, conversions both ways, the sandbox and error texts, one script each."""
    _fresh(differ)
    script(differ, r"""
    EVAL "return 1" 0
    EVAL "return redis.call('set', KEYS[1], ARGV[1])" 1 k v
    EVAL "return redis.call('get', KEYS[1])" 1 k
    EVAL "return x" 0
    EVAL "x = 1" 0
    EVAL "return redis.call('nosuch')" 0
    EVAL "return redis.call('get')" 0
    EVAL "return {1,2,{3,'x'},nil,4}" 0
    EVAL "return pcall(redis.call, 'incr', 'k')" 0
    EVAL "local ok, e = pcall(redis.call, 'incr', 'k'); return e" 0
    EVAL "return redis.call('incr', 'k')" 0
    EVAL "return redis.pcall('incr', 'k')" 0
    EVAL "math.randomseed(7); return math.random(10)" 0
    EVAL "return string.rep('x', 3)" 0
    EVAL "return {err='bad'}" 0
    EVAL "return {ok='fine'}" 0
    EVAL "return 3.99" 0
    EVAL "return true" 0
    EVAL "return false" 0
    EVAL "return redis.call('ping')" 0
    EVAL "return nil + 1" 0
    EVAL "#!lua flags=no-writes\\nreturn redis.call('set','a','b')" 0
    EVAL "rawset(_G, 'x', 1)" 0
    EVAL "string.foo = 1" 0
    EVAL "error()" 0
    EVAL "return " 0
    EVAL "return redis.error_reply('MY err')" 0
    EVAL "return redis.status_reply('FINE')" 0
    EVAL "return redis.sha1hex('')" 0
    EVAL "return loadfile('x')" 0
    EVAL "return {double=3.5}" 0
    EVAL "redis.setresp(3); return redis.call('hgetall', 'nohash')" 0
    EVAL "return tostring(redis.call('exists', 'k'))" 0
    EVAL "return redis.call('hset', 'h', 'a', '1')" 0
    EVAL "redis.setresp(3); local t = redis.call('hgetall', 'h'); return t.map.a" 0
    EVAL "return redis.REDIS_VERSION_NUM" 0
    EVAL "return pcall(function() error({err='X y'}) end)" 0
    EVAL "local t = {}; for k in pairs(redis) do t[#t+1] = k end; table.sort(t); return t" 0
    EVAL "return redis.call('spop', 'nokey', 3)" 0
    EVAL "return redis.call('config', 'get', 'maxmemory')" 0
    EVAL "return redis.call('config')" 0
    EVAL "return redis.call('config', 'nosub')" 0
    EVAL "return redis.call('multi')" 0
    EVAL "return redis.call('select', 1)" 0
    EVAL "return {1, 2, 3, 'ciao', {1, 2}}" 0
    EVAL "return redis.call('incrbyfloat', 'f', 1.5)" 0
    EVAL "return redis.call('blpop', 'nolist', 0)" 0
    EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0
    EVALSHA abc 0
    SCRIPT LOAD "return 42"
    EVALSHA 1fa00e76656cc152ad327c13fe365858fd7be306 0
    SCRIPT EXISTS 1fa00e76656cc152ad327c13fe365858fd7be306 ffffffffffffffffffffffffffffffffffffffff
    EVAL "return ARGV[1] .. #KEYS" 2 a b c
    """)


def test_resp3_conversions_match_redis(differ: Differ) -> None:
    _fresh(differ)
    script(differ, r"""
    HSET h a 1 b 2
    ZADD z 1.5 a
    SADD s x y
    EVAL "redis.setresp(3); return redis.call('hgetall', 'h')" 0
    EVAL "redis.setresp(3); return redis.call('smembers', 's')" 0
    EVAL "redis.setresp(3); return redis.call('zscore', 'z', 'a')" 0
    EVAL "redis.setresp(3); return redis.call('zscore', 'z', 'a').double" 0
    EVAL "redis.setresp(3); return redis.call('get', 'nokey') == nil" 0
    EVAL "redis.setresp(3); return true" 0
    EVAL "redis.setresp(3); return false" 0
    EVAL "return {map={a=1, b={1, 2}}}" 0
    EVAL "return {set={a=true, b=true}}" 0
    EVAL "return {double=1.5}" 0
    EVAL "return {double=0/0}" 0
    EVAL "return {double=1/0}" 0
    EVAL "return {big_number='123456789012345678901234567890'}" 0
    EVAL "return {verbatim_string={format='txt', string='hello'}}" 0
    EVAL "return {verbatim_string={format='markdown', string='hello'}}" 0
    EVAL "return redis.setresp(4)" 0
    EVAL "return redis.setresp()" 0
    EVAL "redis.setresp(3); return redis.call('hello', '2')" 0
    EVAL "return {1, {err='inner'}, {ok='fine'}}" 0
    EVAL "return {err='multi\nline'}" 0
    """)


def test_script_api_matches_redis(differ: Differ) -> None:
    _fresh(differ)
    script(differ, r"""
    EVAL "return redis.log(redis.LOG_WARNING, 'from a script', 1, 2.5)" 0
    EVAL "return redis.log(redis.LOG_WARNING)" 0
    EVAL "return redis.log('x', 'y')" 0
    EVAL "return redis.log(9, 'y')" 0
    EVAL "return redis.set_repl(redis.REPL_ALL)" 0
    EVAL "return redis.set_repl(99)" 0
    EVAL "return redis.set_repl()" 0
    EVAL "return redis.replicate_commands()" 0
    EVAL "return redis.breakpoint()" 0
    EVAL "return redis.debug('x')" 0
    EVAL "return redis.acl_check_cmd('set', 'x', 'y')" 0
    EVAL "return redis.acl_check_cmd('nosuch')" 0
    EVAL "return redis.acl_check_cmd()" 0
    EVAL "return redis.sha1hex()" 0
    EVAL "return redis.sha1hex(12)" 0
    EVAL "return redis.error_reply(1)" 0
    EVAL "return redis.status_reply()" 0
    EVAL "return redis.call()" 0
    EVAL "return redis.call({})" 0
    EVAL "return redis.pcall('get', {})" 0
    EVAL "return redis.call('set', 'k', 1.5)" 0
    EVAL "return redis.call('get', 'k')" 0
    EVAL "return redis.call('set', 'k', 12345678901234567890)" 0
    EVAL "return redis.call('get', 'k')" 0
    EVAL "return redis.REDIS_VERSION" 0
    EVAL "math.randomseed(-3); return {tostring(math.random()), math.random(5), math.random(3, 9)}" 0
    EVAL "math.randomseed(42); return {math.random(100), math.random(100)}" 0
    EVAL "return math.random(0)" 0
    EVAL "return math.random(1, 2, 3)" 0
    EVAL "return type(print)" 0
    EVAL "return dofile('/etc/passwd')" 0
    EVAL "return os.time()" 0
    EVAL "return io.open('/etc/passwd')" 0
    EVAL "return require('os')" 0
    EVAL "redis.call = nil" 0
    EVAL "cjson.encode = nil" 0
    EVAL "setmetatable(_G, {})" 0
    EVAL "return getmetatable(_G)" 0
    EVAL "local t = {} for k in pairs(string) do t[#t+1] = k end return #t > 10" 0
    EVAL "return loadstring('return 7')()" 0
    EVAL "return loadstring('x = 1')()" 0
    EVAL "return pcall(loadstring('return y'))" 0
    EVAL "return select(2, pcall(loadstring('return y')))" 0
    EVAL "return select(2, xpcall(function() return redis.call('nosuch') end, function(e) return e.err end))" 0
    EVAL "local co = coroutine.create(function() return redis.call('ping') end) return {coroutine.resume(co)}" 0
    EVAL "return tostring(cjson.decode('[1,2]')[2])" 0
    EVAL "return cmsgpack.unpack(cmsgpack.pack({1,2,3}))" 0
    EVAL "return bit.band(0xff, 0x0f)" 0
    EVAL "return struct.pack('>I2', 258)" 0
    """)


def test_write_commands_and_read_only_scripts(differ: Differ) -> None:
    _fresh(differ)
    script(differ, r"""
    EVAL_RO "return redis.call('set', 'k', 'v')" 0
    EVAL_RO "return redis.call('get', 'k')" 0
    EVAL_RO "return redis.pcall('publish', 'c', 'm')" 0
    EVAL "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')" 0
    EVAL "#!lua\nreturn redis.call('set', 'k', 'v')" 0
    EVAL_RO "#!lua\nreturn 1" 0
    EVAL "return redis.call('eval', 'return 1', 0)" 0
    EVAL "return redis.call('script', 'load', 'return 1')" 0
    EVAL "return redis.call('function', 'flush')" 0
    EVAL "return redis.call('select', 2)" 0
    EVAL "redis.call('select', 3); return redis.call('set', 'in3', 'v')" 0
    GET in3
    SELECT 3
    GET in3
    SELECT 0
    """)


def test_scripts_propagate_the_commands_they_ran(differ: Differ) -> None:
    """Effects replication: the writes, in a MULTI/EXEC block when there are several; a
    read-only script leaves nothing; EVALSHA never appears."""
    log = propagated(differ)
    godis = differ.godis
    godis.call("EVAL", "return redis.call('get', 'k')", "0")
    assert log == []
    godis.call("EVAL", "redis.call('set', KEYS[1], 'v'); return 1", "1", "k")
    assert log == [[b"set", b"k", b"v"]]
    log.clear()
    godis.call("EVAL", "redis.call('incr', 'n'); redis.call('set', 'x', '1', 'EX', '100'); "
               "return redis.call('spop', 'noset')", "0")
    assert log[0] == [b"MULTI"]
    assert log[-1] == [b"EXEC"]
    assert log[1] == [b"incr", b"n"]
    assert [arg.lower() for arg in log[2][:4]] == [b"set", b"x", b"1", b"pxat"]
    log.clear()
    godis.call("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', 'quiet', '1'); "
               "redis.set_repl(redis.REPL_ALL); redis.call('set', 'loud', '1')", "0")
    assert log == [[b"set", b"loud", b"1"]]
    log.clear()
    godis.call("MULTI")
    godis.call("EVAL", "redis.call('set', 'a', '1'); redis.call('set', 'b', '1')", "0")
    godis.call("SET", "c", "1")
    godis.call("EXEC")
    assert log == [[b"MULTI"], [b"set", b"a", b"1"], [b"set", b"b", b"1"], [b"SET", b"c", b"1"],
                   [b"EXEC"]]


def test_eval_keys_are_movable(differ: Differ) -> None:
    differ.check("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c")
    differ.check("COMMAND", "GETKEYS", "FCALL", "f", "1", "a", "b")


def test_acl_applies_to_the_commands_a_script_runs(differ: Differ) -> None:
    """scriptVerifyACL: the caller's user runs the script's commands; ACL LOG says "lua"."""
    _fresh(differ)
    try:
        script(differ, r"""
        ACL SETUSER scripter on >pw +@all -set ~allowed:* resetchannels
        AUTH scripter pw
        EVAL "return redis.call('set', 'allowed:x', '1')" 0
        EVAL "return redis.pcall('get', 'other')" 0
        EVAL "return redis.call('get', 'allowed:x')" 0
        EVAL "return redis.call('publish', 'chan', 'm')" 0
        EVAL "return {redis.acl_check_cmd('set', 'allowed:x', 'v'), redis.acl_check_cmd('get', 'allowed:y')}" 0
        EVAL "return redis.acl_check_cmd('get', 'other')" 0
        """)
        for side in (differ.redis, differ.godis):
            log = parse_list(side.call("ACL", "LOG", "1"))
            entry = log[0]
            fields = entry[1] if isinstance(entry, tuple) else entry  # RESP3: ("%", [...])
            assert isinstance(fields, list)
            assert fields[fields.index(b"context") + 1] == b"lua"
    finally:
        for side in (differ.redis, differ.godis):
            side.call("AUTH", "default", "x")
            side.call("ACL", "DELUSER", "scripter")
            side.call("ACL", "LOG", "RESET")


def test_library_errors_keep_the_script_position_in_tail_calls(differ: Differ) -> None:
    """cjson and cmsgpack are C functions to Lua here too, so `return cjson.decode(bad)`
    reports `user_script:1:` and `on @user_script:1.` as Redis's C library does."""
    _fresh(differ)
    script(differ, r"""
    EVAL "return cjson.encode(1, 2)" 0
    EVAL "return cjson.decode('{bad')" 0
    EVAL "return cjson.decode(ARGV[1])" 0 [1,
    EVAL "local x = cjson.decode('[1,2]') return x[2]" 0
    EVAL "return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}" 0
    EVAL "return cmsgpack.unpack()" 0
    EVAL "local ok, e = pcall(cjson.decode, 'x') return e" 0
    EVAL "return cjson.encode(cjson.null)" 0
    """)
