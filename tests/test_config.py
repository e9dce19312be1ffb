"""Config parity with Redis 7.0 (config.c): every parameter's name, default, validation,
mutability and aliases, against a real redis-server; and Debian's stock redis.conf loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from godis.config import HIDDEN_NAMES, NO_EFFECT_NAMES, Config
from godis.errors import ConfigError
from tests.support.differential import Differ, GodisDirect
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, free_port, wait_for_port
from tests.support.resp import RespConnection, parse_reply

GODIS_DEFAULTS = {
    b"port": b"6969",  # godis's own port, so it never collides with a local Redis
    b"appendonly": b"yes",  # godis keeps an AOF unless told not to
    b"bind": b"127.0.0.1",  # loopback only by default (Redis: "* -::*")
    b"dir": b".",  # the working directory as given, not resolved
}
"""The documented godis-specific defaults (docs/configuration.md): the only values that may
differ from a fresh redis-server's."""

HARNESS = {b"bind", b"dir", b"port", b"enable-debug-command"}
"""Set on the test suite's redis-server command line (tests/support/redis_server.py)."""


def _config_get(conn: RespConnection, pattern: str) -> dict[bytes, bytes]:
    items = parse_reply(conn.call("CONFIG", "GET", pattern))
    assert isinstance(items, list)
    return dict(zip(items[::2], items[1::2], strict=True))


def _godis_config_get(pattern: str) -> dict[bytes, bytes]:
    return {name.encode(): value.encode() for name, value in Config().matching(pattern)}


def test_config_get_star_lists_redis_names_and_defaults(redis_port: int) -> None:
    conn = RespConnection("127.0.0.1", redis_port)
    try:
        theirs = _config_get(conn, "*")
    finally:
        conn.close()
    mine = _godis_config_get("*")
    assert sorted(mine) == sorted(theirs)
    differing = {name for name in mine if mine[name] != theirs[name]}
    assert differing <= set(GODIS_DEFAULTS) | HARNESS, differing
    for name, value in GODIS_DEFAULTS.items():
        assert mine[name] == value


def test_hidden_parameters_need_their_exact_name(differ: Differ) -> None:
    for name in sorted(HIDDEN_NAMES):
        differ.check("CONFIG", "GET", name)
        differ.check("CONFIG", "GET", name[:-1] + "*")
    assert HIDDEN_NAMES <= NO_EFFECT_NAMES


def test_aliases_as_redis(differ: Differ) -> None:
    differ.check_unordered("CONFIG", "GET", "slave*")
    differ.check_unordered("CONFIG", "GET", "*replica*")
    differ.check("CONFIG", "SET", "slave-priority", "7")
    differ.check("CONFIG", "GET", "replica-priority")
    differ.check("CONFIG", "GET", "slave-priority")
    differ.check("CONFIG", "SET", "min-slaves-to-write", "x")
    differ.check("CONFIG", "SET", "replica-priority", "100", "slave-priority", "7")
    differ.check("CONFIG", "SET", "slaveof", "127.0.0.1 1")
    differ.check("CONFIG", "GET", "slaveof")
    differ.check("CONFIG", "SET", "cluster-slave-no-failover", "maybe")


@pytest.mark.parametrize(("name", "value"), [
    # integers: not a number, beyond a long long, out of the parameter's range
    ("tcp-keepalive", "abc"), ("tcp-keepalive", "-1"), ("repl-timeout", "0"),
    ("active-defrag-cycle-min", "100"), ("replica-priority", "99999999999999999999"),
    ("acllog-max-len", "-1"), ("latency-monitor-threshold", "1.5"), ("maxclients", "0"),
    ("lua-time-limit", "-1"), ("slowlog-log-slower-than", "-2"),
    ("list-compress-depth", "2"), ("shutdown-timeout", "3"),
    ("hz", "0"), ("hz", "1000"), ("hz", "-1"), ("hz", "x"), ("hz", "20"),
    # memory sizes
    ("repl-backlog-size", "abc"), ("repl-backlog-size", "0"), ("repl-backlog-size", "-1"),
    ("repl-backlog-size", "2mb"), ("active-defrag-ignore-bytes", ""),
    ("zset-max-ziplist-value", "1kb"), ("hash-max-listpack-value", "x"),
    ("maxmemory-clients", "200%"), ("maxmemory-clients", "x%"), ("maxmemory-clients", "10%"),
    ("maxmemory-clients", "1gb"),
    # booleans: only yes and no
    ("lazyfree-lazy-eviction", "maybe"), ("lazyfree-lazy-eviction", "1"),
    ("replica-read-only", "NO"), ("rdbcompression", "true"), ("jemalloc-bg-thread", "no"),
    ("activedefrag", "yes"), ("activedefrag", "no"),
    # enums
    ("oom-score-adj", "bogus"), ("oom-score-adj", "relative"),
    ("repl-diskless-load", "swapdb"), ("sanitize-dump-payload", "sometimes"),
    ("acl-pubsub-default", "allchannels"), ("cluster-preferred-endpoint-type", "dns"),
    ("propagation-error-behavior", "panic"), ("tls-auth-clients", "maybe"),
    # multi-argument and special values
    ("shutdown-on-sigint", "save nosave"), ("shutdown-on-sigint", "now force save"),
    ("shutdown-on-sigterm", "bogus"), ("oom-score-adj-values", "1 2"),
    ("oom-score-adj-values", "0 2001 10"), ("oom-score-adj-values", "10 20 30"),
    ("latency-tracking-info-percentiles", "50 101"),
    ("latency-tracking-info-percentiles", "abc"),
    ("latency-tracking-info-percentiles", "99.990 50.0"),
    ("latency-tracking-info-percentiles", ""),
    ("cluster-announce-hostname", "a_b"), ("cluster-announce-hostname", "host-1.example"),
    ("proc-title-template", "{title} {nope}"), ("proc-title-template", "{title"),
    ("proc-title-template", "{title} {port}"), ("ignore-warnings", "ARM64-COW-BUG"),
    # immutable ones
    ("io-threads", "2"), ("supervised", "systemd"), ("pidfile", "/tmp/x.pid"),
    ("cluster-enabled", "yes"), ("tcp-backlog", "10"), ("aclfile", "/tmp/users.acl"),
    ("enable-protected-configs", "yes"), ("socket-mark-id", "1"), ("appenddirname", "d"),
    ("syslog-facility", "local1"), ("disable-thp", "no"), ("always-show-logo", "yes"),
])
def test_config_set_validation_as_redis(differ: Differ, name: str, value: str) -> None:
    differ.check("CONFIG", "SET", name, value)
    differ.check("CONFIG", "GET", name)


def test_client_output_buffer_limit_keeps_the_classes_not_named(differ: Differ) -> None:
    for value in ("normal 1mb 2mb 3", "pubsub 1 1 1", "", "normal 0 0 0 replica 1 2",
                  "bogus 1 2 3", "replica 1gb 2gb 4"):
        differ.check("CONFIG", "SET", "client-output-buffer-limit", value)
        differ.check("CONFIG", "GET", "client-output-buffer-limit")
    differ.check("CONFIG", "SET", "client-output-buffer-limit",
                 "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60")


def test_acllog_max_len_trims_the_log(differ: Differ) -> None:
    differ.check("ACL", "LOG", "RESET")
    differ.check("CONFIG", "SET", "acllog-max-len", "2")
    for user in ("u1", "u2", "u3"):
        differ.check("AUTH", user, "wrong")
    mine, theirs = differ.both("ACL", "LOG")
    assert mine.split(b"\r\n")[0] == theirs.split(b"\r\n")[0]
    differ.check("CONFIG", "SET", "acllog-max-len", "128")
    differ.check("ACL", "LOG", "RESET")


def test_config_file_loads_every_parameter(tmp_path: Path) -> None:
    """Every parameter as a redis.conf line with its default text is accepted at start."""
    config = Config()
    lines = [f'{name} "{value}"\n' for name, value in config.matching("*")
             if name not in ("replicaof", "slaveof")]
    lines.append("replicaof no one\n")
    (tmp_path / "all.conf").write_text("".join(lines))
    loaded = Config()
    loaded.load_file(str(tmp_path / "all.conf"))
    assert loaded.matching("*") == config.matching("*")
    assert loaded.inert_settings() == []


def test_include_and_inert_settings(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text("slave-read-only no\n")
    (tmp_path / "conf.d" / "a.conf").write_text("io-threads 4\nslave-read-only yes\n")
    (tmp_path / "main.conf").write_text(f"include {tmp_path / 'conf.d'}/*.conf\nhz 20\n")
    config = Config()
    config.load_file(str(tmp_path / "main.conf"))
    assert config["hz"] == 20
    assert config.inert_settings() == [("replica-read-only", "no"), ("io-threads", "4")]
    (tmp_path / "bad.conf").write_text(f"include {tmp_path / 'missing.conf'}\n")
    with pytest.raises(ConfigError, match="can't open config file"):
        Config().load_file(str(tmp_path / "bad.conf"))


DEBIAN_CONF = Path("/etc/redis/redis.conf")


@pytest.mark.skipif(not DEBIAN_CONF.exists(), reason="no Debian /etc/redis/redis.conf")
def test_debian_redis_conf_starts(tmp_path: Path) -> None:
    """Debian's stock file, with the command line overriding what godis cannot honour there
    (daemonize, the packaged dir and log file, the port), starts and serves."""
    port = free_port()
    log = tmp_path / "out.log"
    root = Path(__file__).resolve().parent.parent
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "godis", "serve", str(DEBIAN_CONF), "--port", str(port),
             "--daemonize", "no", "--dir", str(tmp_path), "--logfile", "", "--appendonly", "no",
             "--pidfile", str(tmp_path / "godis.pid")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        wait_for_port(port)
        conn = RespConnection("127.0.0.1", port)
        try:
            assert conn.call("PING") == b"+PONG\r\n"
            got = _config_get(conn, "*")
            assert got[b"pidfile"] == str(tmp_path / "godis.pid").encode()
            assert (tmp_path / "godis.pid").read_text() == f"{proc.pid}\n"
            assert got[b"oom-score-adj-values"] == b"0 200 800"
            assert got[b"daemonize"] == b"no"
            assert got[b"client-output-buffer-limit"] == (
                b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
            assert got[b"port"] == str(port).encode()
        finally:
            conn.close()
    finally:
        proc.terminate()
        proc.wait(10)
    assert not (tmp_path / "godis.pid").exists()  # removed at shutdown
    assert "Ready to accept connections" in log.read_text()


def test_docs_list_every_inert_parameter() -> None:
    """docs/configuration.md's "Accepted, no effect in godis" names each NO_EFFECT parameter."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    section = docs.split("### Accepted, no effect in godis", 1)[1]
    missing = sorted(name for name in NO_EFFECT_NAMES if f"`{name}`" not in section)
    assert missing == []


_REWRITE_BASE = """# top comment
daemonize no
bind 127.0.0.1

# persistence
save 900 1
save 300 10
appendonly no
slave-read-only yes
hash-max-ziplist-entries 100
maxmemory 1048576
client-output-buffer-limit pubsub 32mb 8mb 60
requirepass ""
notify-keyspace-events ""
# trailing comment
"""

_REWRITE_SETS = [
    ("maxmemory", "2097152"), ("slave-read-only", "no"), ("tcp-keepalive", "100"),
    ("save", "60 5"), ("proc-title-template", "{title} {port}"), ("maxmemory-clients", "10%"),
    ("client-output-buffer-limit", "normal 1mb 0 0"), ("oom-score-adj-values", "0 100 800"),
    ("latency-tracking-info-percentiles", "50 99.99"), ("notify-keyspace-events", "KEA"),
    ("shutdown-on-sigterm", "save now"), ("masterauth", 'a "b" \t c'),
]


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_config_rewrite_as_redis(tmp_path: Path) -> None:
    """The same file, the same CONFIG SETs, then CONFIG REWRITE on both: the lines Redis
    rewrites in place are identical, the appended ones the same set (Redis's dict order)."""
    assert REDIS_SERVER is not None
    port = free_port()
    files = {}
    for side in ("redis", "godis"):
        (tmp_path / side).mkdir()
        files[side] = tmp_path / side / "test.conf"
        files[side].write_text(f"port {port}\ndir {tmp_path / side}\n" + _REWRITE_BASE)
    proc = subprocess.Popen([REDIS_SERVER, str(files["redis"])], cwd=tmp_path / "redis",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        for path in files.values():  # an unknown line, added after start, as a module's
            path.write_text(path.read_text() + "frobnicate yes\ninclude /nowhere/*.conf\n")
        redis = RespConnection("127.0.0.1", port)
        config = Config()
        config.load_lines(files["godis"].read_text().splitlines()[:-2])
        config.config_file = str(files["godis"])
        godis = GodisDirect(config, debug=False)  # as started: enable-debug-command no
        try:
            for name, value in _REWRITE_SETS:
                assert godis.call("CONFIG", "SET", name, value) == redis.call(
                    "CONFIG", "SET", name, value) == b"+OK\r\n"
            assert godis.call("CONFIG", "REWRITE") == redis.call("CONFIG", "REWRITE")
        finally:
            redis.close()
    finally:
        proc.terminate()
        proc.wait(10)
    theirs = files["redis"].read_text().replace(str(tmp_path / "redis"), "DIR").split("\n")
    mine = files["godis"].read_text().replace(str(tmp_path / "godis"), "DIR").split("\n")
    cut = theirs.index("# Generated by CONFIG REWRITE")
    assert mine[:cut + 1] == theirs[:cut + 1]
    assert "# ??? frobnicate yes" in mine
    assert "include /nowhere/*.conf" in mine
    # Redis also writes the default user's ACL line (godis keeps users out of the file).
    assert sorted(mine[cut + 1:]) == sorted(line for line in theirs[cut + 1:]
                                            if not line.startswith("user "))


def test_user_lines_in_config_files(tmp_path: Path) -> None:
    path = tmp_path / "users.conf"
    path.write_text("user alice on >secret ~app:* +get\nuser default on nopass ~* &* +@all\n")
    config = Config(appendonly=False)
    config.load_file(str(path))
    godis = GodisDirect(config)
    assert godis.call("AUTH", "alice", "secret") == b"+OK\r\n"
    assert godis.call("GET", "app:1") == b"$-1\r\n"
    assert godis.call("GET", "other").startswith(b"-NOPERM")
    path.write_text("user bob on +nosuchcommand\n")
    bad = Config(appendonly=False)
    bad.load_file(str(path))
    with pytest.raises(ConfigError, match="Error in user declaration '\\+nosuchcommand'"):
        GodisDirect(bad)
    path.write_text("loadmodule /usr/lib/redis/modules/x.so\n")
    with pytest.raises(ConfigError, match="does not support loadmodule"):
        Config().load_file(str(path))


def test_config_set_of_an_inert_parameter_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    godis = GodisDirect()
    with caplog.at_level("WARNING", logger="godis.server"):
        assert godis.call("CONFIG", "SET", "slave-lazy-flush", "yes", "hz", "20") == b"+OK\r\n"
        assert godis.call("CONFIG", "SET", "hz", "10") == b"+OK\r\n"
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["CONFIG SET accepted, no effect in godis (docs/configuration.md): "
                        "replica-lazy-flush"]
