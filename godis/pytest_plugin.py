"""pytest fixtures for a real Redis-compatible server: ``godis_client`` and friends.

Installed with godis and loaded through the ``pytest11`` entry point (no conftest needed):

```python
def test_counter(godis_client):
    assert godis_client.incr("hits") == 1
```

Fixtures:

- ``godis_server`` (session): one godis server per test session -- per pytest-xdist worker --
  on a free port, in a background thread of the test process (``--godis-mode=thread``,
  ``godis.Server``) or as a child process (``--godis-mode=process``,
  ``godis.server.embedded.ServerProcess``). ``.port``, ``.host``, ``.url``, ``.client()``.
- ``godis_url`` (session): ``redis://127.0.0.1:<port>/0``.
- ``godis_client``: a ``redis.Redis`` on it; every database is flushed after the test.
- ``godis_async_client``: a ``redis.asyncio.Redis``, flushed the same way; it connects on first
  use, inside the test's event loop (pytest-asyncio, anyio, or ``asyncio.run``).

Factories, in pytest-redis's style (assign the result to a name in a conftest or test module;
that name is the fixture's):

```python
godis_aof = godis_proc_factory(appendonly=True, appendfsync="always")
godis_aof_client = godis_client_factory("godis_aof", decode_responses=True)
```

Options (command line, or ini without the dashes and with ``_``: ``godis_port = 7000``):
``--godis-mode``, ``--godis-port``, ``--godis-host``, ``--godis-unixsocket``, ``--godis-dir``,
``--godis-appendonly``, ``--godis-appendfsync``, ``--godis-databases``, ``--godis-password``,
``--godis-config``, ``--godis-decode``. A fixed port is offset by the xdist worker number
(``gw2`` gets port + 2).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from godis.errors import ConfigError
from godis.server.embedded import Server, ServerProcess, StartError, client_kwargs

try:
    import redis
    import redis.asyncio as aioredis
except ImportError:  # the server fixtures work without redis-py; the client ones say why not
    redis = None  # type: ignore[assignment]
    aioredis = None  # type: ignore[assignment]

__all__ = ["AnyServer", "godis_client_factory", "godis_proc_factory"]

AnyServer = Server | ServerProcess
"""What the server fixtures yield: same interface in both modes."""

Scope = Literal["session", "package", "module", "class", "function"]
MODES = ("thread", "process")


@dataclass(frozen=True)
class _Option:
    """One plugin option: ``--godis-<name>`` and ini ``godis_<name>``; ``directive`` is the
    redis.conf directive it sets (None: a plugin setting)."""

    name: str
    help: str
    directive: str | None = None
    kind: Literal["string", "bool"] = "string"


OPTIONS = (
    _Option("mode", "thread (default): in the test process; process: python -m godis serve"),
    _Option("port", "TCP port (default 0: a free one; offset by the pytest-xdist worker number)",
            "port"),
    _Option("host", "address to bind and connect to (default 127.0.0.1)", "bind"),
    _Option("unixsocket", "also listen on this Unix socket (xdist workers add .gwN)",
            "unixsocket"),
    _Option("dir", "directory for the AOF and logs (default: a pytest temporary directory)"),
    _Option("appendonly", "log writes to an append-only file (default: off)", "appendonly",
            "bool"),
    _Option("appendfsync", "fsync policy: always, everysec or no", "appendfsync"),
    _Option("databases", "number of databases (default 16)", "databases"),
    _Option("password", "requirepass: the clients authenticate with it", "requirepass"),
    _Option("config", "a redis.conf-style file read before the other options"),
    _Option("decode", "clients decode replies to str (decode_responses=True)", None, "bool"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--godis-*`` options and their ``godis_*`` ini twins (the command line wins)."""
    group = parser.getgroup("godis", "godis: a Redis-compatible server for tests")
    for option in OPTIONS:
        dest = f"godis_{option.name}"
        if option.kind == "bool":
            group.addoption(f"--godis-{option.name}", action="store_true", default=None,
                            dest=dest, help=option.help)
            parser.addini(dest, option.help, type="bool", default=None)
        else:
            group.addoption(f"--godis-{option.name}", action="store", default=None, dest=dest,
                            help=option.help, **({"choices": MODES} if option.name == "mode"
                                                 else {}))
            parser.addini(dest, option.help, type="string", default=None)


def _setting(config: pytest.Config, name: str) -> Any:
    """The option's value: command line, else ini, else None."""
    value = config.getoption(f"godis_{name}")
    if value is None:
        value = config.getini(f"godis_{name}")
    return None if value in (None, "") else value


def xdist_worker() -> int | None:
    """This process's pytest-xdist worker number (``PYTEST_XDIST_WORKER=gw3`` -> 3)."""
    match = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(match.group(1)) if match else None


def _server_settings(config: pytest.Config, overrides: Mapping[str, object]) -> dict[str, Any]:
    """redis.conf directives from the options, then ``overrides`` (a factory's keywords)."""
    settings: dict[str, Any] = {}
    for option in OPTIONS:
        value = _setting(config, option.name)
        if option.directive is not None and value is not None:
            settings[option.directive] = value
    settings.update({key.replace("_", "-"): value for key, value in overrides.items()})
    port = int(str(settings.get("port", 0)))
    worker = xdist_worker()
    if port and worker:
        settings["port"] = port + worker  # one server per worker, none on another's port
    if settings.get("unixsocket") and worker is not None:
        settings["unixsocket"] = f"{settings['unixsocket']}.gw{worker}"
    return settings


def _start(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           overrides: Mapping[str, object], mode: str | None) -> AnyServer:
    """Start a server as the options and a factory's ``overrides`` say; a clear failure (no
    traceback) when it cannot start, e.g. because a configured port is taken."""
    config = request.config
    mode = mode or _setting(config, "mode") or "thread"
    if mode not in MODES:
        raise pytest.UsageError(f"godis: --godis-mode must be thread or process, not {mode!r}")
    settings = _server_settings(config, overrides)
    configured_dir = _setting(config, "dir")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if "dir" in settings:  # a factory's dir= (used as given)
        directory = Path(str(settings["dir"]))
    elif configured_dir:
        directory = Path(configured_dir) / worker
    else:
        directory = tmp_path_factory.mktemp("godis")
    settings["dir"] = str(directory)
    config_file = _setting(config, "config")
    server: AnyServer
    try:
        if mode == "process":
            server = ServerProcess(directory, config_file=config_file, **settings)
        else:
            server = Server(config_file=config_file, **settings)
        return server.start()
    except (StartError, ConfigError) as error:
        reason = str(error)
    where = f" (pytest-xdist worker {worker})" if worker else ""
    shown = {name: "***" if name == "requirepass" else value for name, value in settings.items()}
    pytest.fail(f"godis pytest plugin: the {mode}-mode server{where} did not start: {reason}\n"
                f"Its settings: {shown}; a fixed port comes from --godis-port or the "
                "godis_port ini option, port 0 picks a free one.", pytrace=False)


def _serve(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           overrides: Mapping[str, object], mode: str | None) -> Iterator[AnyServer]:
    server = _start(request, tmp_path_factory, overrides, mode)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def godis_server(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnyServer]:
    """One godis server for the session (per xdist worker), configured by ``--godis-*``.

    A ``godis.Server`` (``--godis-mode=thread``, the default) or a ``ServerProcess``
    (``--godis-mode=process``); both have ``.host``, ``.port``, ``.url``, ``.password``,
    ``.unixsocket``, ``.config`` and ``.client(**redis_kwargs)``. Stopped (as SHUTDOWN does)
    at the end of the session; a server that cannot start fails the tests using it with the
    reason and its settings.
    """
    yield from _serve(request, tmp_path_factory, {}, None)


@pytest.fixture(scope="session")
def godis_url(godis_server: AnyServer) -> str:
    """The session server's URL, ``redis://127.0.0.1:<port>/0`` (with ``:password@`` when
    ``--godis-password`` is set), for ``Redis.from_url`` or an application's settings."""
    return godis_server.url


def _require_redis() -> None:
    if redis is None:
        pytest.fail("godis pytest plugin: the client fixtures need redis-py (pip install redis)",
                    pytrace=False)


_ADMIN: weakref.WeakKeyDictionary[AnyServer, Any] = weakref.WeakKeyDictionary()


def flush_server(server: AnyServer) -> None:
    """FLUSHALL on ``server`` through one kept connection (every database, as pytest-redis's
    ``redisdb`` does)."""
    _require_redis()
    admin = _ADMIN.get(server)
    if admin is None:
        admin = _ADMIN[server] = server.client()
    admin.flushall()


def _decode(request: pytest.FixtureRequest, decode_responses: bool | None) -> bool:
    if decode_responses is not None:
        return decode_responses
    return bool(_setting(request.config, "decode"))


def _sync_client(server: AnyServer, kwargs: dict[str, Any], do_flush: bool) -> Iterator[Any]:
    _require_redis()
    client = server.client(**kwargs)
    try:
        yield client
    finally:
        if do_flush and server.running:
            client.flushall()
        client.close()


def _async_client(server: AnyServer, kwargs: dict[str, Any], do_flush: bool) -> Iterator[Any]:
    _require_redis()
    client = aioredis.Redis(**client_kwargs(server.host, server.port, server.password, kwargs))
    try:
        yield client
    finally:
        _close_async(client)
        if do_flush and server.running:
            flush_server(server)


def _close_async(client: Any) -> None:
    """Close an asyncio client's connections from synchronous teardown.

    In the loop that opened them if it is still open (pytest-asyncio's, anyio's); when it is
    gone (``asyncio.run`` returned without ``await client.aclose()``) each transport is
    aborted and its socket closed by hand -- what the dead loop would have run -- so no
    "unclosed" ResourceWarning escapes into the test report.
    """
    # redis-py's pool and connection internals (5.x to 8.x); anything else is left to the GC
    pool = client.connection_pool
    connections = [conn for conn in (*getattr(pool, "_available_connections", ()),
                                     *getattr(pool, "_in_use_connections", ()))
                   if getattr(conn, "_writer", None) is not None]
    for loop in {getattr(conn._writer.transport, "_loop", None) for conn in connections}:
        if loop is not None and not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(client.aclose())
    for conn in connections:
        writer = conn._writer
        if writer is None:
            continue
        transport = writer.transport
        try:
            transport.abort()  # marks it closing, then asks the (closed) loop to finish
        except RuntimeError:
            try:
                transport._call_connection_lost(None)  # closes the socket
            except Exception:
                pass
        conn._writer = conn._reader = None


@pytest.fixture
def godis_client(request: pytest.FixtureRequest, godis_server: AnyServer) -> Iterator[Any]:
    """A ``redis.Redis`` on the session server (``--godis-decode`` for ``str`` replies);
    FLUSHALL after the test, so every test starts with empty databases."""
    yield from _sync_client(godis_server, {"decode_responses": _decode(request, None)}, True)


@pytest.fixture
def godis_async_client(request: pytest.FixtureRequest, godis_server: AnyServer) -> Iterator[Any]:
    """A ``redis.asyncio.Redis`` on the session server; FLUSHALL after the test.

    It connects on first use, inside whatever loop runs the test (pytest-asyncio, anyio, or
    ``asyncio.run`` in a sync test); its connections are closed at teardown even when that loop
    is gone, so no "unclosed" warning is left.
    """
    yield from _async_client(godis_server, {"decode_responses": _decode(request, None)}, True)


def godis_proc_factory(*, scope: Scope = "session", mode: str | None = None,
                       **config: object) -> Any:
    """A fixture starting its own server: the ``--godis-*`` options, overridden by ``config``.

    Assign it to a name in a conftest or test module; that name is the fixture's name:

    ```python
    godis_restartable = godis_proc_factory(mode="process", appendonly=True, scope="function")
    ```

    :param scope: the fixture's pytest scope.
    :param mode: ``"thread"`` or ``"process"`` (default: ``--godis-mode``, else thread).
    :param config: redis.conf directives, ``_`` for ``-`` (``appendonly=True``,
        ``notify_keyspace_events="KEA"``, ``dir=path``).
    :returns: the fixture; it yields a ``godis.Server`` or a ``ServerProcess``.
    """

    @pytest.fixture(scope=scope)
    def godis_proc_fixture(request: pytest.FixtureRequest,
                           tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnyServer]:
        yield from _serve(request, tmp_path_factory, config, mode)

    return godis_proc_fixture


def godis_client_factory(server: str = "godis_server", *, scope: Scope = "function",
                         asyncio: bool = False, flush: bool = True,
                         decode_responses: bool | None = None, **client_kwargs: Any) -> Any:
    """A client fixture on the server fixture named ``server`` (pytest-redis's ``redisdb``).

    ```python
    godis_events = godis_proc_factory(notify_keyspace_events="KEA")
    godis_events_async = godis_client_factory("godis_events", asyncio=True, protocol=3)
    ```

    :param server: the name of a server fixture (``godis_server`` or a factory's).
    :param scope: the fixture's pytest scope.
    :param asyncio: a ``redis.asyncio.Redis`` instead of a ``redis.Redis``.
    :param flush: FLUSHALL after each use.
    :param decode_responses: ``str`` replies (default: ``--godis-decode``).
    :param client_kwargs: more keywords for the client (``db=1``, ``protocol=3``).
    :returns: the fixture; it yields the client.
    """

    @pytest.fixture(scope=scope)
    def godis_client_fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
        target: AnyServer = request.getfixturevalue(server)
        kwargs = {"decode_responses": _decode(request, decode_responses), **client_kwargs}
        make: Callable[[AnyServer, dict[str, Any], bool], Iterator[Any]] = (
            _async_client if asyncio else _sync_client)
        yield from make(target, kwargs, flush)

    return godis_client_fixture
