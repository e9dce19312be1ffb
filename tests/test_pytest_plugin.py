"""The pytest plugin (godis/pytest_plugin.py), run on small test files with ``pytester``.

Each inner run loads the plugin with ``-p godis.pytest_plugin`` -- what the ``pytest11`` entry
point does once godis is installed (the entry point has that name, so both can be present).
"""

from __future__ import annotations

import os
import socket
import tomllib
from pathlib import Path

import pytest

from godis import pytest_plugin
from godis.commands import load_all
from tests.support.aof import incr_bytes

# pytester restores sys.modules after each in-process run: command modules first imported by
# an inner run would be imported (and registered in the table) again by the next one.
load_all()

ROOT = Path(__file__).resolve().parent.parent
# Warnings are errors (an unclosed socket is a failure), except pytest's note that a module
# the outer session imported cannot be assertion-rewritten again (runs are in-process).
QUIET = ("-p", "no:cacheprovider", "-W", "error", "-W", "ignore::pytest.PytestAssertRewriteWarning")
PLUGIN = ("-p", "godis.pytest_plugin", *QUIET)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*PLUGIN, *args)


def test_fixtures_and_flush_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import redis
        from godis import Server

        SEEN = []

        def test_server(godis_server, godis_url):
            assert isinstance(godis_server, Server)
            assert godis_server.port > 0
            assert godis_url == f"redis://127.0.0.1:{godis_server.port}/0"
            assert redis.Redis.from_url(godis_url).ping()
            SEEN.append(godis_server)

        def test_client_writes(godis_client, godis_server):
            assert SEEN == [godis_server]  # one server for the session
            assert godis_client.set("k", "v")
            assert godis_client.get("k") == b"v"
            godis_client.select(3)
            godis_client.set("in-db-3", 1)

        def test_every_database_was_flushed(godis_client):
            assert godis_client.dbsize() == 0
            godis_client.select(3)
            assert godis_client.dbsize() == 0
    """)
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_async_client(pytester: pytest.Pytester) -> None:
    """redis.asyncio in the test's loop: asyncio.run with and without aclose(), and a loop
    that outlives the test (as pytest-asyncio's does); no ResourceWarning escapes."""
    pytester.makepyfile("""
        import asyncio
        import pytest
        import redis.asyncio

        @pytest.fixture
        def loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()

        def test_asyncio_run(godis_async_client):
            assert isinstance(godis_async_client, redis.asyncio.Redis)
            async def main():
                await godis_async_client.set("a", "1")
                return await godis_async_client.get("a")
            assert asyncio.run(main()) == b"1"

        def test_flushed_and_closed_by_the_test(godis_async_client):
            async def main():
                value = await godis_async_client.get("a")
                await godis_async_client.aclose()
                return value
            assert asyncio.run(main()) is None

        def test_in_a_loop_that_outlives_the_test(loop, godis_async_client):
            assert loop.run_until_complete(godis_async_client.incr("n")) == 1

        def test_sync_and_async_see_one_server(godis_client, godis_async_client):
            godis_client.set("shared", "x")
            assert asyncio.run(godis_async_client.get("shared")) == b"x"
    """)
    result = run(pytester)
    result.assert_outcomes(passed=4)


def test_factories(pytester: pytest.Pytester) -> None:
    placed = pytester.path / "placed"
    pytester.makeconftest(f"""
        from godis.pytest_plugin import godis_client_factory, godis_proc_factory

        godis_placed = godis_proc_factory(mode="process", dir={str(placed)!r}, appendonly=True)
        godis_aof = godis_proc_factory(appendonly=True, appendfsync="always", scope="module")
        godis_aof_client = godis_client_factory("godis_aof", decode_responses=True, db=2)
        godis_aof_async = godis_client_factory("godis_aof", asyncio=True)
        godis_keep = godis_client_factory(flush=False)
    """)
    pytester.makepyfile("""
        import asyncio
        import os

        def test_own_server(godis_aof, godis_server, godis_aof_client):
            assert godis_aof.port != godis_server.port
            assert godis_aof_client.config_get("appendfsync") == {"appendfsync": "always"}
            assert godis_aof_client.connection_pool.connection_kwargs["db"] == 2
            godis_aof_client.set("k", "v")
            assert godis_aof_client.get("k") == "v"
            assert os.path.exists(os.path.join(godis_aof.config.dir, "appendonlydir",
                                               "appendonly.aof.manifest"))

        def test_factory_client_flushed(godis_aof_client):
            assert godis_aof_client.dbsize() == 0

        def test_async_factory(godis_aof_async):
            assert asyncio.run(godis_aof_async.set("x", 1)) is True

        def test_unflushed_1(godis_keep):
            godis_keep.set("stays", 1)

        def test_unflushed_2(godis_keep):
            assert godis_keep.get("stays") == b"1"

        def test_placed(godis_placed):
            godis_placed.client().set("k", "v")
    """)
    result = run(pytester)
    result.assert_outcomes(passed=6)
    assert {"godis.conf", "godis.log", "appendonlydir"} <= {p.name for p in placed.iterdir()}


def test_command_line_options(pytester: pytest.Pytester) -> None:
    data = pytester.path / "data"
    pytester.makepyfile("""
        def test_options(godis_client, godis_server, godis_url):
            assert godis_client.set("k", "v")
            assert godis_client.get("k") == "v"  # --godis-decode
            assert godis_client.config_get("databases") == {"databases": "4"}
            assert godis_client.config_get("appendonly") == {"appendonly": "yes"}
            assert godis_client.config_get("appendfsync") == {"appendfsync": "always"}
            assert godis_url.startswith("redis://:pw@127.0.0.1:")
            assert godis_server.config.dir.endswith("data")
    """)
    result = run(pytester, "--godis-decode", "--godis-databases=4", "--godis-appendonly",
                 "--godis-appendfsync=always", "--godis-password=pw", f"--godis-dir={data}")
    result.assert_outcomes(passed=1)
    assert b"SET" in incr_bytes(data)


def test_ini_options_and_a_config_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".conf", godis="hz 25\nnotify-keyspace-events KEA\n")
    pytester.makeini("""
        [pytest]
        godis_decode = true
        godis_databases = 3
        godis_config = godis.conf
    """)
    pytester.makepyfile("""
        def test_ini(godis_client):
            assert godis_client.config_get("databases") == {"databases": "3"}
            assert godis_client.config_get("hz") == {"hz": "25"}
            assert godis_client.config_get("notify-keyspace-events") == {
                "notify-keyspace-events": "AKE"}
    """)
    run(pytester).assert_outcomes(passed=1)
    # the command line wins over the ini file
    pytester.makepyfile("""
        def test_ini(godis_client):
            assert godis_client.config_get("databases") == {"databases": "5"}
    """)
    run(pytester, "--godis-databases=5").assert_outcomes(passed=1)


def test_process_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        from godis.server.embedded import ServerProcess

        def test_child(godis_server, godis_client):
            assert isinstance(godis_server, ServerProcess)
            assert godis_client.info("server")["process_id"] == godis_server.process.pid
            assert godis_server.process.pid != os.getpid()
            godis_client.set("k", "v")

        def test_flushed(godis_client):
            assert godis_client.dbsize() == 0
    """)
    run(pytester, "--godis-mode=process").assert_outcomes(passed=2)


def test_a_taken_port_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_one(godis_client):
            pass

        def test_two(godis_client):
            pass
    """)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for mode in ("thread", "process"):
            result = run(pytester, f"--godis-port={port}", f"--godis-mode={mode}")
            result.assert_outcomes(errors=2)
            result.stdout.fnmatch_lines([
                f"*godis pytest plugin: the {mode}-mode server did not start*",
                "*Address already in use*",
            ])
            result.stdout.no_fnmatch_line("*Traceback*")


def _free_pair() -> tuple[int, int]:
    """A port ``p`` such that ``p`` and ``p + 2`` are both free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 2 > 65535:
            continue
        with socket.socket() as other:
            try:
                other.bind(("127.0.0.1", port + 2))
            except OSError:
                continue
        return port, port + 2
    raise AssertionError("no free pair of ports")


def test_one_server_per_xdist_worker(pytester: pytest.Pytester,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Under pytest-xdist each worker is its own session (so its own server); a fixed port is
    offset by the worker's number, so workers never fight over it."""
    base, expected = _free_pair()
    pytester.makepyfile(f"""
        def test_port(godis_server):
            assert godis_server.port == {expected}
            assert godis_server.config.dir.endswith("gw2")
    """)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    assert pytest_plugin.xdist_worker() == 2
    # (pytest-benchmark, when installed, warns about xdist on seeing the variable)
    result = run(pytester, "-p", "no:benchmark", f"--godis-port={base}",
                 f"--godis-dir={pytester.path / 'd'}")
    result.assert_outcomes(passed=1)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "")
    assert pytest_plugin.xdist_worker() is None


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["godis: a Redis-compatible server for tests:",
                                 "*--godis-mode=*", "*--godis-port=*", "*--godis-appendonly*"])
    result = run(pytester, "--fixtures")
    result.stdout.fnmatch_lines(["godis_server [[]session scope[]]*", "godis_client*"])


def test_the_entry_point_coexists_with_explicit_loading(pytester: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """As installed: a distribution on sys.path declares pyproject's ``pytest11`` entry point.
    Auto-loaded, it must not clash with ``-p godis.pytest_plugin`` or a conftest's
    ``pytest_plugins`` (pluggy refuses one module registered under two names)."""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        pytest.skip("plugin auto-loading is disabled here")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    points = project["entry-points"]["pytest11"]
    assert points == {"godis.pytest_plugin": "godis.pytest_plugin"}
    site = pytester.path / "site"
    info = site / "godis_entry_point_probe-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: godis-entry-point-probe\n"
                                   "Version: 0\n")
    (info / "entry_points.txt").write_text(
        "[pytest11]\n" + "".join(f"{name} = {target}\n" for name, target in points.items()))
    monkeypatch.syspath_prepend(str(site))
    pytester.makepyfile("""
        def test_uses_the_plugin(godis_client):
            assert godis_client.ping()
    """)
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)
    pytester.runpytest(*QUIET, "-p", "godis.pytest_plugin").assert_outcomes(passed=1)
    pytester.makeconftest('pytest_plugins = ["godis.pytest_plugin"]\n')
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)
    (pytester.path / "conftest.py").unlink()
    pytester.runpytest(*QUIET, "-p", "no:godis.pytest_plugin").assert_outcomes(errors=1)


def test_unix_socket_option(pytester: pytest.Pytester) -> None:
    path = f"/tmp/godis-plugin-{os.getpid()}.sock"
    pytester.makepyfile(f"""
        import redis

        def test_socket(godis_server, godis_client):
            assert godis_server.unixsocket == {path!r}
            over_unix = redis.Redis(unix_socket_path=godis_server.unixsocket)
            godis_client.set("k", "v")
            assert over_unix.get("k") == b"v"
            assert over_unix.client_info()["flags"] == "U"
            over_unix.close()
    """)
    run(pytester, f"--godis-unixsocket={path}").assert_outcomes(passed=1)
    assert not os.path.exists(path)
