"""Stream commands against a real redis-server 7.0, byte for byte, under RESP2 and RESP3.

Entry IDs are explicit wherever Redis would take them from its clock; replies that carry a
time (idle times, delivery and seen times) are compared with those numbers masked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from godis.client import Client
from godis.dispatch import execute
from tests.support.differential import Differ, GodisDirect, propagated, script
from tests.support.notifications import compare_streams, godis_thread_fixture  # noqa: F401
from tests.support.redis_server import REDIS_SERVER, free_port, wait_for_port
from tests.support.resp import RespConnection, parse_reply
from tests.support.server_thread import ServerThread
from tests.support.stateful import DifferentialMachine, run_machine

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def _mask(value: object, after_idle: bool = False) -> object:
    """Times out of a parsed reply: epoch milliseconds, and the value after ``idle``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "T" if value >= 10**12 or after_idle else value
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list):
        return (value[0], _mask(value[1]))
    if isinstance(value, list):
        out: list[object] = []
        previous: object = None
        for item in value:
            out.append(_mask(item, previous in (b"idle",)))
            previous = item
        return out
    return value


def check_masked(differ: Differ, *args: str | int) -> object:
    mine, theirs = differ.both(*args)
    a, b = _mask(parse_reply(mine)), _mask(parse_reply(theirs))
    assert a == b, f"{args!r}: godis {mine!r} != redis {theirs!r}"
    return a


def check_pending(differ: Differ, *args: str | int) -> object:
    """XPENDING's extended form with the idle times (third item of each entry) masked."""
    mine, theirs = differ.both(*args)
    a, b = parse_reply(mine), parse_reply(theirs)
    if isinstance(a, list) and isinstance(b, list):
        for reply in (a, b):
            for item in reply:
                if isinstance(item, list) and len(item) == 4:
                    item[2] = "idle"
    assert a == b, f"{args!r}: godis {mine!r} != redis {theirs!r}"
    return a


def info_full(differ: Differ, key: str = "s", *options: str) -> None:
    """XINFO STREAM FULL, times masked."""
    mine, theirs = differ.both("XINFO", "STREAM", key, "FULL", *options)
    a, b = _mask(parse_reply(mine)), _mask(parse_reply(theirs))
    assert a == b, f"godis {mine!r} != redis {theirs!r}"


def info_stream(differ: Differ, key: str = "s") -> None:
    differ.check("XINFO", "STREAM", key)


# -- XADD ---------------------------------------------------------------------------------------


def test_xadd_explicit_ids_and_errors(differ: Differ) -> None:
    script(differ, """
        XADD s 1-1 a 1
        XADD s 1-1 a 1
        XADD s 1-0 a 1
        XADD s 1-2 a 1 b 2
        XADD s 1 a 1
        XADD s 2 a 1
        XADD s 2-* a 1
        XADD s 2-* a 1
        XADD s 5-* a 1
        XADD s 4-* a 1
        XADD s 0-0 a 1
        XADD s2 0-0 a 1
        EXISTS s2
        XADD s2 0-* a 1
        XADD s3 0 a 1
        XADD s a
        XADD s 6-1 a
        XADD s 6-1 a 1 b
        XADD s - a 1
        XADD s + a 1
        XADD s 1-x a 1
        XADD s x a 1
        XADD s 7-1-1 a 1
        XADD s -1 a 1
        XADD s 18446744073709551616 a 1
        XADD s 18446744073709551615-18446744073709551614 a 1
        XADD s 18446744073709551615-* a 1
        XADD s 18446744073709551615-* a 1
        XADD s * a 1
        XLEN s
        XRANGE s - +
        XADD w 5-18446744073709551615 a 1
        XADD w 5-* a 1
        XADD w 6-* a 1
        XADD w 007-1 a 1
        XADD w +8-1 a 1
        XADD w " 9-1" a 1
        XADD w 10--1 a 1
        XADD w 10--0 a 1
        XADD w 11-+3 a 1
        XRANGE w - +
        SET str x
        XADD str 1-1 a 1
        XADD nostream NOMKSTREAM 1-1 a 1
        EXISTS nostream
        XADD s NOMKSTREAM 20-1 a 1
        XADD s MAXLEN
        XADD s MAXLEN 5
        XADD s MAXLEN -1 21-1 a 1
        XADD s MAXLEN x 21-1 a 1
        XADD s MAXLEN 5 MINID 1 21-1 a 1
        XADD s MINID 1 MAXLEN 5 21-1 a 1
        XADD s LIMIT 10 21-1 a 1
        XADD s MAXLEN 5 LIMIT 10 21-1 a 1
        XADD s MAXLEN ~ 5 LIMIT -1 21-1 a 1
        XADD s MAXLEN ~ 5 LIMIT x 21-1 a 1
        XADD s MINID - 21-1 a 1
        XADD s MINID bad 21-1 a 1
        TYPE s
        OBJECT ENCODING s
    """)


def test_xadd_trimming(differ: Differ) -> None:
    for i in range(1, 351):
        differ.check("XADD", "s", f"{i}-1", "f", "v")
    script(differ, """
        XADD s MAXLEN ~ 300 351-1 f v
        XLEN s
        XADD s MAXLEN ~ 10 LIMIT 50 352-1 f v
        XLEN s
        XADD s MAXLEN ~ 10 LIMIT 100 353-1 f v
        XLEN s
        XADD s MAXLEN = 120 354-1 f v
        XLEN s
        XADD s MAXLEN 100 355-1 f v
        XLEN s
        XRANGE s - + COUNT 3
        XADD s MINID ~ 300 356-1 f v
        XLEN s
        XADD s MINID 310 357-1 f v
        XLEN s
        XRANGE s - + COUNT 2
        XADD s MINID = 320-1 358-1 f v
        XLEN s
        XADD s MAXLEN 0 359-1 f v
        XLEN s
        XRANGE s - +
    """)
    info_stream(differ)


def test_xadd_propagation(differ: Differ) -> None:
    log = propagated(differ)
    for i in range(1, 251):
        differ.godis.call("XADD", "s", f"{i}-1", "f", "v")
    log.clear()
    differ.godis.call("XADD", "s", "MAXLEN", "~", "120", "251-1", "f", "v")
    assert log == [[b"XADD", b"s", b"MAXLEN", b"=", b"151", b"251-1", b"f", b"v"]]
    log.clear()
    differ.godis.call("XADD", "s", "MINID", "~", "205", "252-*", "f", "v")
    assert log == [[b"XADD", b"s", b"MINID", b"=", b"201-1", b"252-0", b"f", b"v"]]
    log.clear()
    differ.godis.call("XADD", "s", "MAXLEN", "5", "253-1", "f", "v")
    assert log == [[b"XADD", b"s", b"MAXLEN", b"5", b"253-1", b"f", b"v"]]
    log.clear()
    reply = parse_reply(differ.godis.call("XADD", "s", "*", "f", "v"))
    assert log == [[b"XADD", b"s", reply, b"f", b"v"]]
    log.clear()
    differ.godis.call("XTRIM", "s", "MAXLEN", "3")
    differ.godis.call("XTRIM", "s", "MAXLEN", "~", "0")  # the one node goes whole
    differ.godis.call("XTRIM", "s", "MAXLEN", "2")  # nothing left to trim: not logged
    assert log == [[b"XTRIM", b"s", b"MAXLEN", b"3"], [b"XTRIM", b"s", b"MAXLEN", b"=", b"0"]]


def test_xadd_node_limits(differ: Differ) -> None:
    """Node boundaries (stream-node-max-entries/-bytes) decide what ``~`` trims."""
    script(differ, """
        CONFIG SET stream-node-max-entries 10
        CONFIG GET stream-node-max-entries
        CONFIG GET stream-node-max-bytes
    """)
    for i in range(1, 56):
        differ.check("XADD", "s", f"{i}-1", "f", "v" * (i % 7), "g", str(i * 1000))
    info_stream(differ)
    script(differ, """
        XTRIM s MAXLEN ~ 31
        XLEN s
        XTRIM s MAXLEN ~ 31
        XTRIM s MINID ~ 45
        XLEN s
        CONFIG SET stream-node-max-entries 100
        CONFIG SET stream-node-max-bytes 200
    """)
    for i in range(1, 56):
        differ.check("XADD", "b", f"{i}-1", "field", "x" * (i % 11), "n", str(i))
    info_stream(differ, "b")
    script(differ, """
        XTRIM b MAXLEN ~ 20
        XLEN b
        XDEL b 54-1 55-1
        XTRIM b MINID ~ 50
        XLEN b
    """)
    info_stream(differ, "b")


def test_xtrim(differ: Differ) -> None:
    for i in range(1, 21):
        differ.check("XADD", "s", f"{i}-1", "f", str(i))
    script(differ, """
        XTRIM s
        XTRIM s FOO 1
        XTRIM s MAXLEN
        XTRIM s MAXLEN -1
        XTRIM s LIMIT 5
        XTRIM s MAXLEN 5 LIMIT 2
        XTRIM s MAXLEN ~ 5 LIMIT 2
        XTRIM nokey MAXLEN 1
        XTRIM s MAXLEN 15
        XTRIM s MAXLEN = 12
        XTRIM s MINID 8
        XTRIM s MINID (8
        XTRIM s MINID 10-2
        XRANGE s - +
        XTRIM s MAXLEN 0
        XLEN s
        EXISTS s
        XINFO STREAM s
        SET str x
        XTRIM str MAXLEN 1
    """)


# -- XRANGE XREVRANGE XLEN XDEL --------------------------------------------------------------------


def test_xrange(differ: Differ) -> None:
    script(differ, """
        XADD s 1-1 a 1
        XADD s 1-2 b 2
        XADD s 2-0 c 3
        XADD s 3-5 d 4 e 5
        XADD s 18446744073709551615-18446744073709551615 z 9
        XRANGE s - +
        XRANGE s 1 1
        XRANGE s 1-2 +
        XRANGE s (1-1 +
        XRANGE s - (2-0
        XRANGE s (1 (3
        XRANGE s 2 3 COUNT 1
        XRANGE s - + COUNT 0
        XRANGE s - + COUNT -3
        XRANGE s - + COUNT 2 COUNT 3
        XRANGE s - + COUNT
        XRANGE s - + FOO 1
        XRANGE s - + COUNT x
        XRANGE s 3 1
        XRANGE s (- +
        XRANGE s - (+
        XRANGE s (18446744073709551615-18446744073709551615 +
        XRANGE s - (0-0
        XRANGE s ( +
        XRANGE s x +
        XRANGE s - y
        XRANGE nokey - +
        XRANGE nokey - + COUNT 0
        XREVRANGE s + -
        XREVRANGE s + - COUNT 2
        XREVRANGE s (3-5 -
        XREVRANGE s 2 1
        XREVRANGE s + (1-2
        XREVRANGE s + - COUNT 0
        XREVRANGE nokey + -
        XLEN s
        XLEN nokey
        SET str x
        XRANGE str - +
        XREVRANGE str + -
        XLEN str
    """)


def test_xdel_and_tombstones(differ: Differ) -> None:
    for i in range(1, 11):
        differ.check("XADD", "s", f"{i}-0", "f", str(i))
    script(differ, """
        XDEL s 1-0
        XDEL s 1-0
        XDEL s 3-0 5-0 99-0
        XDEL s bad
        XDEL s 4-0 bad
        XDEL s -
        XLEN s
        XRANGE s - +
        XREVRANGE s + - COUNT 3
        XDEL nokey 1-0
        XDEL s 2 4 6 7 8 9 10
        XLEN s
        XRANGE s - +
        XADD s 11-0 f 11
        XRANGE s - +
        XDEL s 11-0
        XADD s 12-0 f 12
        SET str x
        XDEL str 1-0
    """)
    info_stream(differ)
    info_full(differ)


def test_xsetid(differ: Differ) -> None:
    script(differ, """
        XSETID nokey 1-1
        XADD s 5-1 a 1
        XSETID s 5-0
        XSETID s 5-1
        XSETID s 10-0 ENTRIESADDED 0
        XSETID s 10-0 ENTRIESADDED -1
        XSETID s 10-0 ENTRIESADDED x
        XSETID s 10-0 MAXDELETEDID 11-0
        XSETID s 10-0 MAXDELETEDID bad
        XSETID s 10-0 FOO
        XSETID s 10-0 ENTRIESADDED
        XSETID s bad
        XSETID s -
        XSETID s 10-0 ENTRIESADDED 7 MAXDELETEDID 3-3
        XADD s 9-0 a 1
        XADD s 10-* a 1
        XSETID s 20
        XDEL s 5-1 10-1
        XSETID s 1-1
        XSETID s 0-0
        XSETID s 0-0 ENTRIESADDED 0
        SET str x
        XSETID str 1-1
    """)
    info_stream(differ)


# -- XREAD ----------------------------------------------------------------------------------------


def test_xread(differ: Differ) -> None:
    script(differ, """
        XADD a 1-1 f 1
        XADD a 2-1 f 2
        XADD b 3-1 g 3
        XREAD STREAMS a 0
        XREAD COUNT 1 STREAMS a 0
        XREAD COUNT 1 STREAMS a b 0 0
        XREAD STREAMS a b 1-1 0
        XREAD STREAMS a b 2-1 3-1
        XREAD STREAMS a b $ $
        XREAD STREAMS a nokey 0 0
        XREAD STREAMS nokey $
        XREAD STREAMS a
        XREAD STREAMS a b 0
        XREAD COUNT 0 STREAMS a 0
        XREAD COUNT -1 STREAMS a 0
        XREAD COUNT x STREAMS a 0
        XREAD FOO STREAMS a 0
        XREAD COUNT 1 a 0
        XREAD STREAMS a >
        XREAD STREAMS a +
        XREAD STREAMS a -
        XREAD STREAMS a bad
        XREAD GROUP g c STREAMS a 0
        XREAD NOACK STREAMS a 0
        XREAD BLOCK x STREAMS a 0
        XREAD BLOCK -1 STREAMS a 0
        XREAD BLOCK 10 STREAMS a 0
        XREAD STREAMS a 1
        XDEL a 2-1
        XREAD STREAMS a 1-1
        SET str x
        XREAD STREAMS str 0
        XREAD STREAMS a str 0 0
        XREAD STREAMS streams 0
    """)


def test_xread_in_multi_does_not_block(differ: Differ) -> None:
    script(differ, """
        MULTI
        XREAD BLOCK 0 STREAMS s $
        XREAD BLOCK 100 STREAMS s 0
        EXEC
    """)


# -- consumer groups --------------------------------------------------------------------------------


def test_xgroup(differ: Differ) -> None:
    script(differ, """
        XGROUP CREATE s g $
        XGROUP CREATE s g $ MKSTREAM
        XGROUP CREATE s g $ MKSTREAM
        XGROUP CREATE s g2 0 MKSTREAM ENTRIESREAD 5
        XGROUP CREATE s g3 bad
        XGROUP CREATE s g3 -
        XGROUP CREATE s g3 0 ENTRIESREAD -2
        XGROUP CREATE s g3 0 ENTRIESREAD x
        XGROUP CREATE s g3 0 FOO
        XGROUP CREATE s g3 0 ENTRIESREAD
        XGROUP CREATE s g3 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM
        XGROUP CREATE new g 1-1 MKSTREAM ENTRIESREAD 3
        XGROUP CREATE nokey2 g bad MKSTREAM
        EXISTS nokey2
        XADD s 5-1 a 1
        XGROUP CREATE s g4 $
        XINFO GROUPS s
        XGROUP CREATECONSUMER s g c1
        XGROUP CREATECONSUMER s g c1
        XGROUP CREATECONSUMER s nog c1
        XGROUP CREATECONSUMER nokey g c1
        XGROUP DELCONSUMER s g c1
        XGROUP DELCONSUMER s g c1
        XGROUP DELCONSUMER s nog c1
        XGROUP SETID s g 1-1
        XGROUP SETID s g $ ENTRIESREAD 1
        XGROUP SETID s g +
        XGROUP SETID s g bad
        XGROUP SETID s g 0 MKSTREAM
        XGROUP SETID s g 0 ENTRIESREAD 1 ENTRIESREAD 2
        XGROUP SETID s nog 0
        XGROUP SETID nokey g 0
        XINFO GROUPS s
        XGROUP DESTROY s g2
        XGROUP DESTROY s g2
        XGROUP DESTROY nokey g
        XGROUP DESTROY s
        XGROUP DESTROY s g a
        XGROUP CREATE s
        XGROUP FOO s g
        XGROUP
        XGROUP HELP
        XGROUP HELP x
        XGROUP help
        SET str x
        XGROUP CREATE str g $
        XGROUP CREATE str g $ MKSTREAM
        XGROUP DESTROY str g
        XINFO GROUPS s
        XINFO GROUPS new
    """)


def test_xreadgroup_and_xack(differ: Differ) -> None:
    script(differ, """
        XADD s 1-1 f 1
        XADD s 2-1 f 2
        XADD s 3-1 f 3
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c1 COUNT 1 STREAMS s >
        XREADGROUP GROUP g c2 STREAMS s >
        XREADGROUP GROUP g c2 STREAMS s >
        XREADGROUP GROUP g c1 STREAMS s 0
        XREADGROUP GROUP g c2 STREAMS s 0
        XREADGROUP GROUP g c2 COUNT 1 STREAMS s 2-1
        XREADGROUP GROUP g c3 STREAMS s 0
        XREADGROUP GROUP g c1 STREAMS s $
        XREADGROUP GROUP nog c1 STREAMS s >
        XREADGROUP GROUP g c1 STREAMS nokey >
        XREADGROUP STREAMS s >
        XREADGROUP GROUP g STREAMS s >
        XREADGROUP GROUP g c1 STREAMS s -
        XREADGROUP GROUP g c1 STREAMS s bad
        XREADGROUP GROUP g c1 STREAMS s
        XINFO GROUPS s
        XPENDING s g
        XACK s g 1-1
        XACK s g 1-1 2-1 9-9
        XACK s g bad
        XACK s g 3-1 bad
        XACK s nog 3-1
        XACK nokey g 3-1
        XPENDING s g
        XDEL s 3-1
        XREADGROUP GROUP g c2 STREAMS s 0
        XADD s 4-1 f 4
        XREADGROUP GROUP g c1 NOACK STREAMS s >
        XPENDING s g
        XINFO GROUPS s
        SET str x
        XREADGROUP GROUP g c1 STREAMS str >
        XACK str g 1-1
    """)
    check_masked(differ, "XINFO", "CONSUMERS", "s", "g")
    info_full(differ)


def test_lag_and_entries_read(differ: Differ) -> None:
    script(differ, """
        XGROUP CREATE s g $ MKSTREAM
        XINFO GROUPS s
        XADD s 1-0 f 1
        XADD s 2-0 f 2
        XADD s 3-0 f 3
        XADD s 4-0 f 4
        XADD s 5-0 f 5
        XINFO GROUPS s
        XREADGROUP GROUP g c COUNT 2 STREAMS s >
        XINFO GROUPS s
        XDEL s 4-0
        XINFO GROUPS s
        XREADGROUP GROUP g c COUNT 1 STREAMS s >
        XINFO GROUPS s
        XREADGROUP GROUP g c STREAMS s >
        XINFO GROUPS s
        XGROUP CREATE s g2 0
        XGROUP CREATE s g3 1-0
        XGROUP CREATE s g4 3-0
        XGROUP CREATE s g5 $ ENTRIESREAD 2
        XINFO GROUPS s
        XTRIM s MAXLEN 2
        XINFO GROUPS s
        XGROUP SETID s g2 0 ENTRIESREAD 0
        XINFO GROUPS s
        XREADGROUP GROUP g2 c STREAMS s >
        XINFO GROUPS s
        XDEL s 1-0 2-0 3-0 5-0
        XINFO GROUPS s
        XADD s 6-0 f 6
        XINFO GROUPS s
    """)
    info_stream(differ)


def test_xpending(differ: Differ) -> None:
    script(differ, """
        XPENDING s g
        XADD s 1-1 f 1
        XADD s 2-1 f 2
        XADD s 3-1 f 3
        XGROUP CREATE s g 0
        XPENDING s g
        XPENDING s nog
        XPENDING nokey g
        XREADGROUP GROUP g alice COUNT 2 STREAMS s >
        XREADGROUP GROUP g bob STREAMS s >
        XPENDING s g
        XPENDING s g - + 10 nobody
        XPENDING s g - + 0
        XPENDING s g - +
        XPENDING s g IDLE 10 - +
        XPENDING s g IDLE x - + 10
        XPENDING s g - + x
        XPENDING s g bad + 10
        XPENDING s g - bad 10
        XPENDING s g (18446744073709551615-18446744073709551615 + 10
        XPENDING s g - (0-0 10
        XPENDING s g IDLE 10000000 - + 10
        SET str x
        XPENDING str g
    """)
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "10")
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "-1")
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "2")
    check_pending(differ, "XPENDING", "s", "g", "(1-1", "+", "10")
    check_pending(differ, "XPENDING", "s", "g", "2", "2", "10")
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "10", "alice")
    check_pending(differ, "XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "bob")
    check_pending(differ, "XPENDING", "s", "g", "3", "1", "10")
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "10", "alice", "extra")  # ignored


def test_xclaim(differ: Differ) -> None:
    script(differ, """
        XADD s 1-1 f 1
        XADD s 2-1 f 2
        XADD s 3-1 f 3
        XADD s 4-1 f 4
        XGROUP CREATE s g 0
        XREADGROUP GROUP g alice STREAMS s >
        XCLAIM s g bob 0 1-1
        XCLAIM s g bob 0 1-1 2-1 JUSTID
        XCLAIM s g bob 100000000 3-1
        XCLAIM s g bob x 3-1
        XCLAIM s g bob -5 3-1 JUSTID RETRYCOUNT 7
        XCLAIM s g bob 0 3-1 FOO
        XCLAIM s g bob 0 3-1 IDLE x
        XCLAIM s g bob 0 3-1 TIME x
        XCLAIM s g bob 0 3-1 RETRYCOUNT x
        XCLAIM s g bob 0 3-1 LASTID bad
        XCLAIM s g bob 0 bad
        XCLAIM s g bob 0 3-1 IDLE
        XCLAIM s nog bob 0 1-1
        XCLAIM nokey g bob 0 1-1
        XCLAIM s g carol 0 9-9
        XCLAIM s g carol 0 9-9 FORCE
        XADD s 5-1 f 5
        XCLAIM s g carol 0 5-1
        XCLAIM s g carol 0 5-1 FORCE JUSTID
        XCLAIM s g carol 0 5-1 TIME 1000 RETRYCOUNT 3 JUSTID
        XCLAIM s g dave 0 4-1 LASTID 10-0 JUSTID
        XINFO GROUPS s
        XCLAIM s g dave 0 1-1 LASTID 20-0 JUSTID
        XINFO GROUPS s
        XCLAIM s g dave 0 LASTID 30-0
        XINFO GROUPS s
        XDEL s 2-1
        XCLAIM s g erin 0 2-1 1-1
        XPENDING s g
        SET str x
        XCLAIM str g bob 0 1-1
    """)
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "10")
    info_full(differ)


def test_xautoclaim(differ: Differ) -> None:
    for i in range(1, 8):
        differ.check("XADD", "s", f"{i}-0", "f", str(i))
    script(differ, """
        XGROUP CREATE s g 0
        XREADGROUP GROUP g alice STREAMS s >
        XAUTOCLAIM s g bob 0 0 COUNT 2
        XAUTOCLAIM s g bob 0 (2-0 COUNT 2 JUSTID
        XAUTOCLAIM s g bob 0 0-0 COUNT 0
        XAUTOCLAIM s g bob 0 0-0 COUNT -1
        XAUTOCLAIM s g bob 0 0-0 COUNT x
        XAUTOCLAIM s g bob 0 0-0 COUNT 576460752303423488
        XAUTOCLAIM s g bob 0 0-0 COUNT 576460752303423487
        XAUTOCLAIM s g bob 0 0-0 FOO
        XAUTOCLAIM s g bob x 0-0
        XAUTOCLAIM s g bob 0 bad
        XAUTOCLAIM s g bob 0 (18446744073709551615-18446744073709551615
        XAUTOCLAIM s nog bob 0 0
        XAUTOCLAIM nokey g bob 0 0
        XAUTOCLAIM s g bob 100000000 0
        XDEL s 2-0 5-0 6-0
        XAUTOCLAIM s g carol 0 0 COUNT 3
        XAUTOCLAIM s g carol 0 0
        XPENDING s g
        XAUTOCLAIM s g dave 0 - JUSTID
        SET str x
        XAUTOCLAIM str g bob 0 0
    """)
    check_pending(differ, "XPENDING", "s", "g", "-", "+", "10")


def test_xinfo(differ: Differ) -> None:
    script(differ, """
        XINFO STREAM nokey
        XINFO GROUPS nokey
        XINFO CONSUMERS nokey g
        XINFO HELP
        XINFO HELP x
        XINFO FOO s
        XINFO
        XINFO STREAM
        XADD s 1-1 a 1 b 2
        XADD s 2-1 a 3 b 4
        XADD s 3-1 c 5
        XINFO STREAM s FULL COUNT
        XINFO STREAM s FOO
        XINFO STREAM s FULL COUNT x
        XINFO STREAM s FULL FOO 1
        XINFO STREAM s FULL COUNT 1 2
        XINFO CONSUMERS s nog
        XINFO CONSUMERS s
        XGROUP CREATE s g2 0
        XGROUP CREATE s g1 $
        XGROUP CREATECONSUMER s g2 zed
        XGROUP CREATECONSUMER s g2 amy
        XREADGROUP GROUP g2 bob COUNT 2 STREAMS s >
        XINFO GROUPS s
        SET str x
        XINFO STREAM str
        XINFO GROUPS str
        XINFO CONSUMERS str g
    """)
    info_stream(differ)
    info_full(differ)
    for count in ("0", "1", "-5", "2"):
        info_full(differ, "s", "COUNT", count)
    check_masked(differ, "XINFO", "CONSUMERS", "s", "g2")
    info_stream(differ, "s")
    differ.check("XDEL", "s", "1-1", "2-1", "3-1")
    info_stream(differ, "s")


# -- around the type ----------------------------------------------------------------------------------


def test_generic_commands(differ: Differ) -> None:
    script(differ, """
        XADD s 1-1 a 1
        XGROUP CREATE s g 0
        XREADGROUP GROUP g c STREAMS s >
        TYPE s
        OBJECT ENCODING s
        SCAN 0 TYPE stream
        COPY s t
        XINFO GROUPS t
        XADD t 2-1 b 2
        XLEN s
        XLEN t
        RENAME t u
        XRANGE u - +
        EXPIRE u 100
        TTL u
        SORT s
        LPUSH s x
        DEBUG DIGEST-VALUE s
        DEBUG DIGEST-VALUE u
        XDEL u 1-1
        DEBUG DIGEST-VALUE u
        DEL s u
        EXISTS s u
    """)


def test_command_info(differ: Differ) -> None:
    """Arity, flags, key positions, ACL categories, tips and key specs, subcommands too."""
    for name in ("xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xsetid", "xack",
                 "xpending", "xclaim", "xautoclaim", "xread", "xreadgroup"):
        differ.check("COMMAND", "INFO", name)
    for container_name in ("xgroup", "xinfo"):
        mine, theirs = differ.both("COMMAND", "INFO", container_name)
        a, b = parse_reply(mine), parse_reply(theirs)
        assert isinstance(a, list)
        assert isinstance(b, list)
        assert a[0][:9] == b[0][:9], container_name

        def subcommands(reply: list[object]) -> dict[object, object]:
            subs = reply[0][9]  # type: ignore[index]
            items = subs[1] if isinstance(subs, tuple) else subs  # a set in RESP3
            return {repr(sub[0]): repr(sub) for sub in items}

        assert subcommands(a) == subcommands(b), container_name
    script(differ, """
        COMMAND GETKEYS XREAD COUNT 2 STREAMS a b 0 0
        COMMAND GETKEYS XREADGROUP GROUP g c STREAMS a b > >
    """)
    differ.check_unordered("ACL", "CAT", "stream")


# -- propagation, against what redis-server writes to its AOF -----------------------------------


def _parse_aof(data: bytes) -> list[list[bytes]]:
    records: list[list[bytes]] = []
    pos = 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", data[pos:pos + 20]
        end = data.index(b"\r\n", pos)
        count = int(data[pos + 1:end])
        pos = end + 2
        argv = []
        for _ in range(count):
            end = data.index(b"\r\n", pos)
            size = int(data[pos + 1:end])
            argv.append(data[end + 2:end + 2 + size])
            pos = end + 2 + size + 2
        records.append(argv)
    return records


def _masked_records(records: list[list[bytes]]) -> list[list[bytes]]:
    """Times (epoch ms) replaced, SELECT dropped."""
    return [[b"T" if arg.isdigit() and len(arg) >= 13 else arg for arg in argv]
            for argv in records if argv[0].upper() != b"SELECT"]


PROPAGATION_SCRIPT = [
    "XADD s 1-1 f 1", "XADD s 2-1 f 2", "XADD s 3-* f 3", "XADD s 4-1 f 4",
    "XGROUP CREATE s g 0", "XGROUP CREATE s g2 $ ENTRIESREAD 4",
    "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
    "XREADGROUP GROUP g bob NOACK COUNT 1 STREAMS s >",
    "XREADGROUP GROUP g carol STREAMS s >",
    "XREADGROUP GROUP g carol STREAMS s >",
    "XREADGROUP GROUP g alice STREAMS s 0",
    "XREADGROUP GROUP g2 dave NOACK STREAMS s >",
    "XACK s g 1-1 9-9",
    "XCLAIM s g erin 0 2-1 TIME 1000 RETRYCOUNT 5",
    "XCLAIM s g erin 0 2-1 LASTID 3-0 JUSTID",
    "XCLAIM s g erin 0 LASTID 10-0",
    "XDEL s 4-1",
    "XCLAIM s g erin 0 4-1",
    "XAUTOCLAIM s g frank 0 0 COUNT 1",
    "XAUTOCLAIM s g frank 0 0 JUSTID",
    "XGROUP CREATECONSUMER s g gina",
    "XGROUP CREATECONSUMER s g gina",
    "XGROUP DELCONSUMER s g gina",
    "XGROUP SETID s g2 1-1 ENTRIESREAD 1",
    "XGROUP DESTROY s g2",
    "XSETID s 20-0",
    "XTRIM s MAXLEN 1",
    "XTRIM s MAXLEN 1",
    "XADD s MAXLEN ~ 0 30-1 f v",
    "XADD s NOMKSTREAM 31-1 f v",
    "XADD nostream NOMKSTREAM 1-1 f v",
]


def test_propagation_matches_redis_aof(tmp_path: Path) -> None:
    """XADD / XREADGROUP / XCLAIM / XAUTOCLAIM / XGROUP log what Redis logs to its AOF."""
    assert REDIS_SERVER is not None
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path),
         "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(tmp_path))
    try:
        wait_for_port(port)
        redis = RespConnection("127.0.0.1", port)
        godis = GodisDirect()
        log = propagated(Differ(redis, godis))
        for line in PROPAGATION_SCRIPT:
            args = line.split()
            mine, theirs = godis.call(*args), redis.call(*args)
            assert _mask(parse_reply(mine)) == _mask(parse_reply(theirs)), line
        redis.close()
    finally:
        proc.terminate()
        proc.wait(10)
    incr = sorted((tmp_path / "appendonlydir").glob("*.incr.aof"))
    records = _masked_records(_parse_aof(incr[-1].read_bytes()))
    assert len(records) > 30
    assert _masked_records(log) == records


# -- keyspace notifications --------------------------------------------------------------------------

STREAM_EVENTS: list[tuple[str, ...]] = [
    ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "MAXLEN", "1", "2-1", "f", "v"),
    ("XADD", "s", "NOMKSTREAM", "3-1", "f", "v"), ("XADD", "nos", "NOMKSTREAM", "1-1", "f", "v"),
    ("XDEL", "s", "9-9"), ("XDEL", "s", "2-1"), ("XTRIM", "s", "MAXLEN", "0"),
    ("XTRIM", "s", "MAXLEN", "0"), ("XSETID", "s", "5-5"),
    ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
    ("XADD", "s", "6-1", "f", "v"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
    ("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "e", "0", "6-1"), ("XAUTOCLAIM", "s", "g", "f", "0", "0"),
    ("XACK", "s", "g", "6-1"), ("XGROUP", "SETID", "s", "g", "0"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XGROUP", "DESTROY", "s", "g"),
    ("COPY", "s", "s2"), ("RENAME", "s2", "s3"), ("DEL", "s3"),
]


def test_keyspace_events_match_redis(redis_port: int, godis_thread: ServerThread) -> None:
    compare_streams(redis_port, godis_thread, "KEA", STREAM_EVENTS)
    compare_streams(redis_port, godis_thread, "KEtn", STREAM_EVENTS)


# -- a random workload, every reply compared -------------------------------------------------------

SKEYS = st.sampled_from([b"s", b"t"])
GROUPS = st.sampled_from([b"g1", b"g2"])
CONSUMERS = st.sampled_from([b"alice", b"bob", b"carol"])
MS = st.integers(min_value=0, max_value=40)
IDS = st.one_of(st.builds(lambda ms, seq: b"%d-%d" % (ms, seq), MS, st.integers(0, 3)),
                st.sampled_from([b"-", b"+", b"0", b"$", b">", b"(5-0", b"bad", b"10"]))


class StreamMachine(DifferentialMachine):
    """Random stream and group commands on godis and redis-server; replies must match, with
    times masked; the digest and XINFO STREAM FULL are compared as invariants."""

    restores = ("stream-node-max-entries", "stream-node-max-bytes")

    @initialize(resp=st.sampled_from([2, 3]), node=st.sampled_from([b"3", b"100", b"0"]),
                node_bytes=st.sampled_from([b"4096", b"60", b"0"]))
    def setup(self, resp: int, node: bytes, node_bytes: bytes) -> None:
        self.differ.both("HELLO", str(resp))
        self.differ.check("CONFIG", "SET", "stream-node-max-entries", node)
        self.differ.check("CONFIG", "SET", "stream-node-max-bytes", node_bytes)
        self.next_ms = 1

    def check(self, *args: bytes | str | int) -> None:
        check_masked(self.differ, *args)  # type: ignore[arg-type]

    @rule(key=SKEYS, count=st.integers(1, 4), auto_seq=st.booleans(),
          trim=st.sampled_from([(), (b"MAXLEN", b"5"), (b"MAXLEN", b"~", b"4"),
                                (b"MINID", b"~", b"10"), (b"MINID", b"20")]))
    def xadd(self, key: bytes, count: int, auto_seq: bool, trim: tuple[bytes, ...]) -> None:
        for _ in range(count):
            self.next_ms += 1
            stream_id = b"%d-*" % self.next_ms if auto_seq else b"%d-1" % self.next_ms
            self.check("XADD", key, *trim, stream_id, "f", str(self.next_ms))

    @rule(key=SKEYS, stream_id=IDS)
    def xadd_explicit(self, key: bytes, stream_id: bytes) -> None:
        self.check("XADD", key, stream_id, "x", "y")

    @rule(key=SKEYS, ids=st.lists(IDS, min_size=1, max_size=3))
    def xdel(self, key: bytes, ids: list[bytes]) -> None:
        self.check("XDEL", key, *ids)

    @rule(key=SKEYS, start=IDS, end=IDS, count=st.sampled_from([(), (b"COUNT", b"2")]),
          rev=st.booleans())
    def xrange(self, key: bytes, start: bytes, end: bytes, count: tuple[bytes, ...],
               rev: bool) -> None:
        self.check("XREVRANGE" if rev else "XRANGE", key, end if rev else start,
                   start if rev else end, *count)

    @rule(key=SKEYS, strategy=st.sampled_from([(b"MAXLEN", b"3"), (b"MAXLEN", b"~", b"2"),
                                               (b"MINID", b"15"), (b"MINID", b"~", b"25")]))
    def xtrim(self, key: bytes, strategy: tuple[bytes, ...]) -> None:
        self.check("XTRIM", key, *strategy)

    @rule(key=SKEYS, group=GROUPS, start=st.sampled_from([b"0", b"$", b"5-0"]),
          mkstream=st.booleans())
    def xgroup_create(self, key: bytes, group: bytes, start: bytes, mkstream: bool) -> None:
        self.check("XGROUP", "CREATE", key, group, start, *([b"MKSTREAM"] if mkstream else []))

    @rule(key=SKEYS, group=GROUPS, start=st.sampled_from([b"0", b"$", b"7-0"]),
          entries_read=st.sampled_from([(), (b"ENTRIESREAD", b"3"), (b"ENTRIESREAD", b"-1")]))
    def xgroup_setid(self, key: bytes, group: bytes, start: bytes,
                     entries_read: tuple[bytes, ...]) -> None:
        self.check("XGROUP", "SETID", key, group, start, *entries_read)

    @rule(key=SKEYS, group=GROUPS, start=st.sampled_from([b"0", b"$", b"12-0"]),
          entries_read=st.sampled_from([b"0", b"2", b"7"]))
    def xgroup_create_entries_read(self, key: bytes, group: bytes, start: bytes,
                                   entries_read: bytes) -> None:
        self.check("XGROUP", "CREATE", key, group, start, "ENTRIESREAD", entries_read)

    @rule(key=SKEYS, added=st.sampled_from([b"0", b"5", b"100"]),
          deleted=st.sampled_from([b"0-0", b"3-0", b"30-0"]))
    def xsetid_counters(self, key: bytes, added: bytes, deleted: bytes) -> None:
        self.check("XSETID", key, "60-0", "ENTRIESADDED", added, "MAXDELETEDID", deleted)

    @rule(key=SKEYS, limit=st.sampled_from([b"0", b"2", b"5"]))
    def xtrim_limit(self, key: bytes, limit: bytes) -> None:
        self.check("XTRIM", key, "MAXLEN", "~", "1", "LIMIT", limit)

    @rule(key=SKEYS, group=GROUPS)
    def xgroup_destroy(self, key: bytes, group: bytes) -> None:
        self.check("XGROUP", "DESTROY", key, group)

    @rule(key=SKEYS, group=GROUPS, consumer=CONSUMERS, delete=st.booleans())
    def xgroup_consumer(self, key: bytes, group: bytes, consumer: bytes, delete: bool) -> None:
        self.check("XGROUP", "DELCONSUMER" if delete else "CREATECONSUMER", key, group,
                   consumer)

    @rule(key=SKEYS, group=GROUPS, consumer=CONSUMERS,
          start=st.sampled_from([b">", b">", b"0", b"3-0"]), noack=st.booleans(),
          count=st.sampled_from([(), (b"COUNT", b"2")]))
    def xreadgroup(self, key: bytes, group: bytes, consumer: bytes, start: bytes, noack: bool,
                   count: tuple[bytes, ...]) -> None:
        self.check("XREADGROUP", "GROUP", group, consumer, *count,
                   *([b"NOACK"] if noack else []), "STREAMS", key, start)

    @rule(key=SKEYS, group=GROUPS, ids=st.lists(IDS, min_size=1, max_size=3))
    def xack(self, key: bytes, group: bytes, ids: list[bytes]) -> None:
        self.check("XACK", key, group, *ids)

    @rule(key=SKEYS, group=GROUPS, consumer=CONSUMERS, ids=st.lists(IDS, min_size=1,
                                                                     max_size=3),
          options=st.sampled_from([(), (b"JUSTID",), (b"FORCE",), (b"RETRYCOUNT", b"4"),
                                   (b"LASTID", b"30-0", b"JUSTID")]))
    def xclaim(self, key: bytes, group: bytes, consumer: bytes, ids: list[bytes],
               options: tuple[bytes, ...]) -> None:
        self.check("XCLAIM", key, group, consumer, "0", *ids, *options)

    @rule(key=SKEYS, group=GROUPS, consumer=CONSUMERS, start=IDS,
          options=st.sampled_from([(), (b"JUSTID",), (b"COUNT", b"2")]))
    def xautoclaim(self, key: bytes, group: bytes, consumer: bytes, start: bytes,
                   options: tuple[bytes, ...]) -> None:
        self.check("XAUTOCLAIM", key, group, consumer, "0", start, *options)

    @rule(key=SKEYS, group=GROUPS)
    def xpending(self, key: bytes, group: bytes) -> None:
        self.check("XPENDING", key, group)

    @rule(key=SKEYS, group=GROUPS)
    def xinfo(self, key: bytes, group: bytes) -> None:
        self.check("XINFO", "GROUPS", key)
        self.check("XINFO", "CONSUMERS", key, group)

    @rule(keys=st.lists(SKEYS, min_size=1, max_size=2, unique=True), start=IDS)
    def xread(self, keys: list[bytes], start: bytes) -> None:
        self.check("XREAD", "COUNT", "3", "STREAMS", *keys, *([start] * len(keys)))

    @rule(key=SKEYS, top=st.sampled_from([b"50-0", b"1-0", b"60-0"]))
    def xsetid(self, key: bytes, top: bytes) -> None:
        self.check("XSETID", key, top)

    @rule(key=SKEYS)
    def delete(self, key: bytes) -> None:
        self.check("DEL", key)

    @invariant()
    def same_streams(self) -> None:
        for key in ("s", "t"):
            self.check("XLEN", key)
            if self.differ.godis.call("EXISTS", key) == b":1\r\n":
                info_full(self.differ, key)
                self.differ.check("DEBUG", "DIGEST-VALUE", key)


def test_random_stream_workload(redis_port: int) -> None:
    run_machine(StreamMachine, redis_port, max_examples=40)


# -- WATCH ------------------------------------------------------------------------------------------

WATCH_CASES = [
    "XACK s g 1-1", "XREADGROUP GROUP g c STREAMS s >", "XGROUP SETID s g 0", "XSETID s 99-0",
    "XGROUP CREATECONSUMER s g zz", "XCLAIM s g c2 0 1-1", "XGROUP DESTROY s g",
    "XGROUP CREATE s g2 0", "XDEL s 1-1", "XAUTOCLAIM s g c3 0 0", "XADD s 5-5 f v",
    "XTRIM s MAXLEN 0", "XGROUP CREATE other g $ MKSTREAM", "XGROUP DELCONSUMER s g c",
]


def test_which_stream_commands_fail_a_watch(redis_port: int) -> None:
    """Only the commands that call signalModifiedKey in t_stream.c fail an EXEC."""
    godis = GodisDirect()
    other = Client(godis.server, address="127.0.0.1:2")
    redis = RespConnection("127.0.0.1", redis_port)
    redis_other = RespConnection("127.0.0.1", redis_port)
    try:
        for case in WATCH_CASES:
            outcomes = []
            for watcher, writer in ((godis.call, lambda *a: execute(other, [*map(str.encode, a)])),
                                    (redis.call, redis_other.call)):
                watcher("FLUSHALL")
                for setup in ("XADD s 1-1 f v", "XGROUP CREATE s g 0",
                              "XREADGROUP GROUP g c STREAMS s >"):
                    watcher(*setup.split())
                watcher("WATCH", "s", "other")
                writer(*case.split())
                watcher("MULTI")
                watcher("PING")
                outcomes.append(watcher("EXEC"))
            assert outcomes[0] == outcomes[1], case
    finally:
        redis.close()
        redis_other.close()


def test_node_sizes_with_long_and_numeric_values(differ: Differ) -> None:
    """The listpack size estimate: strings of every length class, integers of every width."""
    sizes = [0, 1, 63, 64, 100, 127, 128, 500, 4000, 4095, 4096, 5000, 16383, 16384, 20000]
    numbers = ["0", "127", "128", "-1", "4095", "-4096", "32767", "-32768", "8388607", "-8388608",
               "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808",
               "9223372036854775808", "007", "-0", "1.5"]
    ms = 0
    for size in sizes * 3:
        ms += 1
        differ.check("XADD", "s", f"{ms}-1", "field", "x" * size, "n", numbers[ms % len(numbers)])
    for number in numbers * 8:
        ms += 1
        differ.check("XADD", "s", f"{ms}-{ms * 977}", number, number)
    info_stream(differ)
    differ.check("XTRIM", "s", "MAXLEN", "~", "50")
    info_stream(differ)
    differ.check("XTRIM", "s", "MINID", "~", "80")
    info_stream(differ)


def test_command_docs_texts(diff: Differ) -> None:
    """COMMAND DOCS: summary, since, group and complexity as Redis 7.0's, subcommands too."""
    def fields(reply: object) -> dict[object, object]:
        assert isinstance(reply, list)
        return dict(zip(reply[::2], reply[1::2], strict=True))

    for name in ("xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xreadgroup",
                 "xsetid", "xack", "xpending", "xclaim", "xautoclaim", "xgroup", "xinfo"):
        mine, theirs = diff.both("COMMAND", "DOCS", name)
        a, b = parse_reply(mine), parse_reply(theirs)
        assert isinstance(a, list)
        assert isinstance(b, list)
        docs_a, docs_b = fields(a[1]), fields(b[1])
        for key in (b"summary", b"since", b"group", b"complexity"):
            assert docs_a.get(key) == docs_b.get(key), (name, key)
        if b"subcommands" in docs_b:
            subs_a, subs_b = fields(docs_a[b"subcommands"]), fields(docs_b[b"subcommands"])
            assert sorted(subs_a) == sorted(subs_b)  # type: ignore[type-var]
            for sub, sub_docs in subs_b.items():
                for key in (b"summary", b"since", b"group", b"complexity"):
                    assert fields(subs_a[sub]).get(key) == fields(sub_docs).get(key), (sub, key)


def test_node_sizes_with_id_deltas(differ: Differ) -> None:
    """Entry IDs are stored as ms and seq deltas from the node's master ID (each an int64, the
    seq delta negative when a later ms restarts its sequence): their widths decide where a
    byte-limited node ends."""
    differ.check("CONFIG", "SET", "stream-node-max-bytes", "300")
    seq = [100_000, 0, 5_000_000, 3, 2**40, 1, 2**63 + 5, 7, 127, 128, 4096, 0]
    for ms in range(1, 80):
        differ.check("XADD", "s", f"{ms * 9_000_000}-{seq[ms % len(seq)]}", "f", "v")
    info_stream(differ)
    differ.check("XTRIM", "s", "MAXLEN", "~", "20")
    info_stream(differ)


def test_streams_from_scripts(differ: Differ) -> None:
    """Stream commands through redis.call; XREAD/XREADGROUP BLOCK refused there (7.0.15)."""
    script(differ, """
        EVAL "return redis.call('XADD', KEYS[1], '1-1', 'f', 'v')" 1 s
        EVAL "return redis.call('XRANGE', KEYS[1], '-', '+')" 1 s
        EVAL "return redis.call('xread', 'BLOCK', '0', 'STREAMS', KEYS[1], '$')" 1 s
        EVAL "return redis.pcall('XREAD', 'BLOCK', '0', 'STREAMS', KEYS[1], '0')" 1 s
        EVAL "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')" 1 s
        XGROUP CREATE s g 0
        EVAL "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', KEYS[1], '>')" 1 s
        EVAL "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')" 1 s
        EVAL "return redis.call('XPENDING', KEYS[1], 'g')" 1 s
        EVAL "return redis.call('XINFO', 'GROUPS', KEYS[1])" 1 s
    """)
