"""Protected commands and configs (Redis 7.0's ``enable-debug-command``,
``enable-module-command``, ``enable-protected-configs``) against redis-servers started with
each value.

godis runs in-process (``GodisDirect``, whose client is 127.0.0.1: a local one); the
redis-server side is a TCP connection from 127.0.0.1, or from 127.0.0.2 for a client Redis
does not call local (islocalClient: exactly 127.0.0.1 or ::1).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from godis.commands import load_all
from godis.config import BY_NAME, PARAMETERS, Config, allows_protected
from godis.table import COMMANDS as COMMAND_TABLE
from tests.support.differential import Differ, GodisDirect
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.resp import RespConnection

SETTINGS = ("no", "yes", "local")
_PROTECTED = ("enable-debug-command", "enable-module-command", "enable-protected-configs")


def _flags(setting: str) -> list[str]:
    """The three enable-* parameters at ``setting`` (after the harness's own
    ``--enable-debug-command yes``: the last one given wins), and no protected mode, so
    127.0.0.2 may connect."""
    return [word for name in _PROTECTED for word in (f"--{name}", setting)] + [
        "--protected-mode", "no"]


@pytest.fixture(scope="module", params=SETTINGS)
def protected_redis(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A redis-server with all three enable-* parameters at one value; (value, port)."""
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    with redis_server(*_flags(request.param)) as port:
        yield request.param, port


def _godis(setting: str, **settings: object) -> GodisDirect:
    config = Config(appendonly=False, **{name.replace("-", "_"): setting for name in _PROTECTED},
                    **settings)
    return GodisDirect(config, debug=False)


@pytest.fixture
def local_differ(protected_redis: tuple[str, int]) -> Iterator[Differ]:
    """Both sides local clients at the fixture's setting."""
    setting, port = protected_redis
    redis = RespConnection("127.0.0.1", port)
    redis.call("FLUSHALL")
    try:
        yield Differ(redis, _godis(setting))
    finally:
        redis.close()


@pytest.fixture
def remote_differ(protected_redis: tuple[str, int]) -> Iterator[Differ]:
    """Both sides clients from 127.0.0.2, not local to Redis."""
    setting, port = protected_redis
    redis = RespConnection("127.0.0.1", port, source="127.0.0.2")
    redis.call("FLUSHALL")
    godis = _godis(setting)
    godis.client.address = "127.0.0.2:40000"
    try:
        yield Differ(redis, godis)
    finally:
        redis.close()


# Commands whose replies do not depend on the server's files or modules.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("DEBUG", "OBJECT", "nokey"),
    ("DEBUG", "SLEEP", "0"),
    ("DEBUG", "NO-SUCH-SUBCOMMAND"),
    ("debug", "set-active-expire", "1"),
    ("DEBUG",),  # the arity is checked first
    ("MODULE", "LOAD", "/nonexistent/x.so"),
    ("MODULE", "LOAD", "/nonexistent/x.so", "arg"),
    ("MODULE", "LOADEX", "/nonexistent/x.so", "CONFIG", "a", "b", "ARGS", "1"),
    ("MODULE", "UNLOAD", "nosuchmodule"),
    ("MODULE", "UNLOAD"),
    ("MODULE", "LIST"),
    ("MODULE", "HELP"),
    ("CONFIG", "SET", "enable-debug-command", "yes"),
    ("CONFIG", "SET", "enable-module-command", "no"),
    ("CONFIG", "SET", "enable-protected-configs", "local"),
    ("CONFIG", "GET", "enable-debug-command"),
)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_local_client(local_differ: Differ, args: tuple[str, ...]) -> None:
    local_differ.check(*args)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_remote_client(remote_differ: Differ, args: tuple[str, ...]) -> None:
    remote_differ.check(*args)


def test_config_get(local_differ: Differ) -> None:
    local_differ.check_unordered("CONFIG", "GET", "enable-*")


def _set_dbfilename(differ: Differ) -> None:
    """``dbfilename`` is PROTECTED_CONFIG: set only where enable-protected-configs allows."""
    for value in ("other.rdb", "dump.rdb"):
        differ.check("CONFIG", "SET", "dbfilename", value)
        differ.check("CONFIG", "GET", "dbfilename")


def test_config_set_dbfilename_local(local_differ: Differ) -> None:
    _set_dbfilename(local_differ)


def test_config_set_dbfilename_remote(remote_differ: Differ) -> None:
    _set_dbfilename(remote_differ)


def test_refusal_text_is_redis(protected_redis: tuple[str, int]) -> None:
    """The exact text, so a test that cannot fail is not what the differ compares."""
    setting, _ = protected_redis
    reply = _godis(setting).call("DEBUG", "OBJECT", "k")
    if setting == "no":
        assert reply == (b"-ERR DEBUG command not allowed. If the enable-debug-command option "
                         b"is set to \"local\", you can run it from a local connection, "
                         b"otherwise you need to set this option in the configuration file, "
                         b"and then restart the server.\r\n")
    else:
        assert reply == b"-ERR no such key\r\n"


def test_config_set_dir(protected_redis: tuple[str, int], tmp_path: object) -> None:
    """``dir`` is PROTECTED_CONFIG: refused as protected when not allowed, as Redis. Allowed,
    Redis changes directory; godis keeps ``dir`` immutable (docs/configuration.md)."""
    setting, port = protected_redis
    redis = RespConnection("127.0.0.1", port)
    godis = _godis(setting)
    mine, theirs = godis.call("CONFIG", "SET", "dir", str(tmp_path)), redis.call(
        "CONFIG", "SET", "dir", str(tmp_path))
    redis.close()
    if setting == "no":
        assert mine == theirs == (b"-ERR CONFIG SET failed (possibly related to argument 'dir')"
                                  b" - can't set protected config\r\n")
    else:
        assert theirs == b"+OK\r\n"
        assert mine == (b"-ERR CONFIG SET failed (possibly related to argument 'dir')"
                        b" - can't set immutable config\r\n")


def test_refused_in_multi_aborts_exec(local_differ: Differ) -> None:
    """Checked before MULTI queueing: the refusal flags the transaction."""
    for args in (("MULTI",), ("SET", "k", "v"), ("DEBUG", "OBJECT", "nokey"),
                 ("MODULE", "UNLOAD", "x"), ("EXEC",), ("GET", "k")):
        local_differ.check(*args)


def test_refused_before_authentication(protected_redis: tuple[str, int]) -> None:
    """processCommand checks CMD_PROTECTED right after the arity, before -NOAUTH."""
    setting, _ = protected_redis
    with redis_server(*_flags(setting), "--requirepass", "pw") as port:
        redis = RespConnection("127.0.0.1", port)
        godis = _godis(setting, requirepass="pw")
        differ = Differ(redis, godis)
        try:
            for args in (("DEBUG", "OBJECT", "k"), ("MODULE", "LOAD", "/x.so"),
                         ("MODULE", "LIST"), ("CONFIG", "SET", "dbfilename", "x.rdb")):
                differ.check(*args)
        finally:
            redis.close()


def test_scripts_refuse_them_as_noscript(local_differ: Differ) -> None:
    """Scripts never reach the protected check: DEBUG and MODULE are ``noscript`` (script.c's
    scriptCall), whatever the setting."""
    for script in ("return redis.call('DEBUG', 'OBJECT', 'k')",
                   "return redis.pcall('MODULE', 'LOAD', '/x.so')",
                   "return redis.pcall('CONFIG', 'SET', 'dbfilename', 'x.rdb')"):
        local_differ.check("EVAL", script, "0")


def test_rejections_are_counted(local_differ: Differ) -> None:
    """A refusal is a rejected call of the command (INFO commandstats / errorstats)."""
    local_differ.check("CONFIG", "RESETSTAT")
    local_differ.check("DEBUG", "OBJECT", "k")
    local_differ.check("MODULE", "UNLOAD", "x")
    for section in ("commandstats", "errorstats"):
        mine, theirs = local_differ.both("INFO", section)
        wanted = (b"cmdstat_debug:", b"cmdstat_module|unload:", b"errorstat_ERR:")
        mine_lines = sorted(_counts(line) for line in mine.split(b"\r\n")
                            if line.startswith(wanted))
        their_lines = sorted(_counts(line) for line in theirs.split(b"\r\n")
                             if line.startswith(wanted))
        assert mine_lines == their_lines
        assert their_lines


def _counts(line: bytes) -> bytes:
    """An INFO stats line without its timings (usec, usec_per_call)."""
    name, _, fields = line.partition(b":")
    kept = [field for field in fields.split(b",") if not field.startswith(b"usec")]
    return name + b":" + b",".join(kept)


@pytest.mark.parametrize(("setting", "local", "allowed"), [
    ("no", True, False), ("no", False, False), ("yes", True, True), ("yes", False, True),
    ("local", True, True), ("local", False, False)])
def test_allows_protected(setting: str, local: bool, allowed: bool) -> None:
    """allowProtectedAction's table."""
    assert allows_protected(setting, local) is allowed


def test_suite_harness_allows_debug() -> None:
    """GodisDirect runs with enable-debug-command yes, as Redis's test suite does; with
    ``debug=False`` it keeps Redis's default."""
    assert GodisDirect().call("DEBUG", "OBJECT", "k") == b"-ERR no such key\r\n"
    assert GodisDirect(debug=False).call("DEBUG", "OBJECT", "k").startswith(
        b"-ERR DEBUG command not allowed.")


def test_the_table_marks_redis_protected_commands() -> None:
    """CMD_PROTECTED in Redis 7.0's commands.def: DEBUG and MODULE LOAD/LOADEX/UNLOAD, each
    naming the parameter that allows it."""
    load_all()
    specs = [spec for top in COMMAND_TABLE.values() for spec in (top, *top.subcommands.values())]
    marked = {spec.name: spec.protected for spec in specs if spec.protected}
    assert marked == {"debug": "enable-debug-command", "module|load": "enable-module-command",
                      "module|loadex": "enable-module-command",
                      "module|unload": "enable-module-command"}
    assert set(marked.values()) <= set(BY_NAME)


def test_the_parameters_mark_redis_protected_configs() -> None:
    """PROTECTED_CONFIG in Redis 7.0's config.c: dir and dbfilename."""
    assert {p.name for p in PARAMETERS if p.protected} == {"dir", "dbfilename"}
