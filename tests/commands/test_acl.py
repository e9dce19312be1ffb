"""ACL commands and enforcement, compared with a real redis-server.

The differ's redis-server is shared by the whole session: every test deletes the users it
created (through a fresh connection, since the test's own may be a restricted user) and never
gives the default user a password.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.differential import Differ, GodisDirect
from tests.support.resp import RespConnection, parse_bytes, parse_reply

USERS = ("bob", "alice", "u")
PW_HASH = "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"  # sha256("pw")


@pytest.fixture
def acl_differ(differ: Differ, redis_port: int) -> Iterator[Differ]:
    """``differ``, with the test's users deleted from redis-server afterwards."""
    try:
        yield differ
    finally:
        conn = RespConnection("127.0.0.1", redis_port)
        conn.call("ACL", "DELUSER", *USERS)
        conn.call("ACL", "LOG", "RESET")
        conn.close()


def test_default_user(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "WHOAMI")
    d.check("ACL", "USERS")
    d.check("ACL", "LIST")
    d.check("ACL", "GETUSER", "default")
    d.check("ACL", "GETUSER", "nosuch")
    d.check("ACL", "DELUSER", "default")
    d.check("ACL", "DELUSER", "nosuch", "default")
    d.check("ACL", "DELUSER", "nosuch")
    d.check("ACL", "SAVE")
    d.check("ACL", "LOAD")
    d.check("ACL", "HELP")
    d.check("ACL", "NOPE")
    d.check("ACL")
    d.check("AUTH", "x")
    d.check("AUTH", "default", "anything")
    d.check("AUTH", "a", "b", "c")


@pytest.mark.parametrize("rules", [
    ("on", ">pw", "~k*", "&ch*", "+get", "+@list", "%R~r*"),
    ("+@all", "-get"),
    ("+@all", "-@list", "+lpop"),
    ("+get", "+get"),
    ("+get", "-get"),
    ("+@list", "+lpop"),
    ("+lpop", "+@list"),
    ("+@list", "-@list"),
    ("allcommands", "nocommands", "+get"),
    ("+config", "+config|get"),
    ("+config", "-config|get"),
    ("+@all", "-config", "+config|get"),
    ("~a", "resetkeys", "~c"),
    ("%RW~x", "%W~y", "%R~z"),
    ("%R~a", "%W~a", "~a", "~a"),
    ("~a", "allkeys"),
    ("&x", "resetchannels"),
    (">a", ">b", "<a"),
    (">a", "nopass"),
    ("nopass", ">a"),
    (">a", "resetpass"),
    ("#" + PW_HASH,),
    ("on", "off", "on"),
    ("reset",),
    ("skip-sanitize-payload",),
    ("reset", "on", "nopass", "~*", "&*", "+@all"),
    ("+select|0",),
    ("ON", "+GET", "+@LIST"),
])
def test_setuser_rules_as_listed(acl_differ: Differ, rules: tuple[str, ...]) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "u", *rules)
    d.check("ACL", "LIST")
    d.check("ACL", "GETUSER", "u")
    d.check("ACL", "USERS")
    d.check("ACL", "DELUSER", "u")


@pytest.mark.parametrize("rules", [
    ("~a", "allkeys", "~c"),
    ("allchannels", "&x"),
    ("#abc",),
    ("!abc",),
    ("<nope",),
    ("!" + PW_HASH,),
    ("+nosuch",),
    ("+@nosuch",),
    ("+config|nosuch",),
    ("+config|get|x",),
    ("-select|0",),
    ("foo",),
    ("%X~a",),
    ("%~a",),
    ("%Ra",),
    ("on", "+get", "bad"),
])
def test_setuser_errors_apply_nothing(acl_differ: Differ, rules: tuple[str, ...]) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "u", *rules)
    d.check("ACL", "USERS")  # a failed SETUSER does not create the user
    d.check("ACL", "SETUSER", "u", "on", "~k")
    d.check("ACL", "SETUSER", "u", *rules)
    d.check("ACL", "LIST")  # ... nor change it
    d.check("ACL", "SETUSER", "a b")
    d.check("ACL", "DELUSER", "u")


def test_cat_and_genpass(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "CAT")
    d.check("ACL", "CAT", "nosuch")
    d.check("ACL", "CAT", "list", "x")
    d.check("ACL", "GENPASS", "0")
    d.check("ACL", "GENPASS", "4097")
    d.check("ACL", "GENPASS", "x")
    d.check("ACL", "GENPASS", "1", "2")
    for bits, length in ((None, 64), ("1", 1), ("5", 2), ("4096", 1024)):
        args = ("ACL", "GENPASS") if bits is None else ("ACL", "GENPASS", bits)
        mine, theirs = d.both(*args)
        assert len(parse_bytes(mine)) == len(parse_bytes(theirs)) == length


def test_cat_lists_the_table_commands() -> None:
    godis = GodisDirect()
    listed = parse_reply(godis.call("ACL", "CAT", "list"))
    assert isinstance(listed, list)
    assert b"lpush" in listed
    assert b"get" not in listed
    admin = parse_reply(godis.call("ACL", "CAT", "ADMIN"))
    assert isinstance(admin, list)
    assert b"config|set" in admin
    assert b"config" not in admin


def test_noperm_commands_keys_channels(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "bob", "on", ">pw", "~k*", "%R~r*", "&ch*", "+get", "+set",
            "+@list", "-lpop", "+config|get", "+publish", "+subscribe", "+psubscribe", "+multi",
            "+exec")
    d.check("AUTH", "bob", "wrong")
    d.check("AUTH", "nobody", "pw")
    d.check("AUTH", "bob", "pw")
    d.check("GET", "k1")
    d.check("GET", "x")
    d.check("SET", "k1", "v")
    d.check("SET", "r1", "v")  # read-only pattern
    d.check("GET", "r1")
    d.check("LPOP", "k")
    d.check("RPUSH", "k", "a")
    d.check("INCR", "k1")
    d.check("CONFIG", "SET", "x", "y")
    d.check("PUBLISH", "x", "y")
    d.check("PUBLISH", "ch1", "y")
    d.check("MULTI")
    d.check("GET", "x")
    d.check("INCR", "k")
    d.check("EXEC")
    d.check("PING")  # not allowed
    d.check("AUTH", "default", "x")  # AUTH is always allowed
    d.check("ACL", "WHOAMI")


def test_channel_patterns(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "alice", "on", "nopass", "+@all", "~*", "resetchannels",
            "&news.*")
    d.check("AUTH", "alice", "x")
    d.check("PUBLISH", "news.a", "m")
    d.check("PUBLISH", "other", "m")
    d.check("PSUBSCRIBE", "news.a*")
    d.check("PSUBSCRIBE", "news.*")
    d.check("SUBSCRIBE", "other")
    d.check("SUBSCRIBE", "news.x")


def test_categories(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "u", "on", "nopass", "allkeys", "+@read", "-@hash")
    d.check("AUTH", "u", "x")
    d.check("GET", "a")
    d.check("HGET", "h", "f")
    d.check("SET", "a", "b")
    d.check("LRANGE", "l", "0", "-1")


def test_dryrun(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "bob", "on", "~k*", "&ch*", "+get", "+config|get", "+publish")
    d.check("ACL", "DRYRUN", "bob", "get", "k1")
    d.check("ACL", "DRYRUN", "bob", "get", "x")
    d.check("ACL", "DRYRUN", "bob", "set", "k1", "v")
    d.check("ACL", "DRYRUN", "bob", "publish", "ch1", "x")
    d.check("ACL", "DRYRUN", "bob", "publish", "x", "x")
    d.check("ACL", "DRYRUN", "bob", "config", "get", "x")
    d.check("ACL", "DRYRUN", "bob", "config", "set", "x", "y")
    d.check("ACL", "DRYRUN", "nob", "get", "x")
    d.check("ACL", "DRYRUN", "bob", "nocmd", "x")
    d.check("ACL", "DRYRUN", "bob", "get")
    d.check("ACL", "DRYRUN", "default", "set", "a", "b")


def test_off_user_cannot_authenticate(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "SETUSER", "u", "off", ">pw", "+@all")
    d.check("AUTH", "u", "pw")
    d.check("HELLO", "2", "AUTH", "u", "pw")
    d.check("ACL", "SETUSER", "u", "on")
    d.check("AUTH", "u", "pw")
    d.check("ACL", "WHOAMI")


def _log_shape(raw: bytes) -> list[list[object]]:
    """Each entry's field names and stable values (age and client-info vary)."""
    entries = parse_reply(raw)
    assert isinstance(entries, list)
    shapes = []
    for entry in entries:
        items = entry[1] if isinstance(entry, tuple) else entry
        pairs = list(zip(items[::2], items[1::2], strict=True))
        shapes.append([(k, v) if k not in (b"age-seconds", b"client-info") else k
                       for k, v in pairs])
    return shapes


def test_log(acl_differ: Differ) -> None:
    d = acl_differ
    d.check("ACL", "LOG", "RESET")
    d.check("ACL", "SETUSER", "bob", "on", ">pw", "~k*", "+get", "+set")
    d.check("AUTH", "bob", "bad")
    d.check("AUTH", "nob", "bad")
    d.check("AUTH", "bob", "pw")
    d.check("GET", "x")
    d.check("GET", "x")  # grouped with the previous entry: count 2
    d.check("LPOP", "k")
    d.check("AUTH", "default", "x")
    d.check("ACL", "LOG", "x")
    d.check("ACL", "LOG", "-1")
    d.check("ACL", "LOG", "0")
    mine, theirs = d.both("ACL", "LOG")
    assert _log_shape(mine) == _log_shape(theirs)
    mine, theirs = d.both("ACL", "LOG", "2")
    assert _log_shape(mine) == _log_shape(theirs)
    assert b"client-info" in mine
    assert b"user=bob" in mine
    d.check("ACL", "LOG", "RESET")
    d.check("ACL", "LOG")


def test_requirepass_is_the_default_password() -> None:
    godis = GodisDirect()
    assert godis.call("CONFIG", "SET", "requirepass", "s3cret") == b"+OK\r\n"
    assert godis.call("ACL", "GETUSER", "default").count(b"nopass") == 0
    assert b"#" in godis.call("ACL", "LIST")
    assert godis.call("AUTH", "wrong").startswith(b"-WRONGPASS")
    assert godis.call("AUTH", "s3cret") == b"+OK\r\n"
    assert godis.call("AUTH", "default", "s3cret") == b"+OK\r\n"
    assert godis.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    assert godis.call("ACL", "LIST") == b"*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n"


def test_default_all_permissive_costs_one_test() -> None:
    """With no restricted user anywhere, the check returns before any lookup."""
    godis = GodisDirect()
    registry = godis.server.acl
    registry.refresh_restrictions()
    restricted_at_start = registry.any_restricted  # a local: ACL SETUSER changes the attribute
    assert not restricted_at_start
    assert registry.check(godis.client, None, [b"get"]) is None  # type: ignore[arg-type]
    godis.call("ACL", "SETUSER", "u", "on", "nopass", "+get")
    assert registry.any_restricted
    godis.call("ACL", "DELUSER", "u")
