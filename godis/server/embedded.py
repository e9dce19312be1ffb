"""godis inside a Python program: ``with godis.Server() as server:`` (thread) and a subprocess.

``Server`` runs ``godis.server.serve.serve`` under its own ``trio.run`` in a daemon
thread, so any program -- synchronous, asyncio, or a test suite -- gets a real server on a real
loopback socket in a few milliseconds, with nothing but ``pip install godis``. A Trio program
does not need it: ``await nursery.start(serve, Config(port=0))`` is the native form.

``ServerProcess`` runs ``python -m godis serve`` as a child process with the same
interface, for when the server must not share the interpreter (its GIL, a crash, ``SHUTDOWN``
ending the process, a restart).

Configuration keywords are redis.conf directives with ``_`` for ``-``
(``appendfsync="always"``, ``notify_keyspace_events="KEA"``); values are validated as a
config file's would be (``Config.set_text``), so a typo fails at construction.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import trio

from godis.config import NO_EFFECT_NAMES, PARAMETERS, Config
from godis.errors import GodisError
from godis.persistence.files import write_atomically
from godis.server.serve import serve
from godis.state import ServerState

try:
    import redis
except ImportError:  # redis-py is optional: only .client() needs it
    redis = None  # type: ignore[assignment]
try:
    from redis.driver_info import DriverInfo
except ImportError:  # redis-py before 7.1, or none
    DriverInfo = None  # type: ignore[assignment,misc]

__all__ = ["Server", "ServerProcess", "StartError", "client_kwargs", "make_config"]

T = TypeVar("T")

# A library's manners: godis's log records reach the program's handlers if it configures
# logging, and are not printed by logging's last-resort handler otherwise (``godis serve``
# installs its own handler).
logging.getLogger("godis").addHandler(logging.NullHandler())

DEFAULT_START_TIMEOUT_S = 30.0
"""How long ``Server.start`` waits for the listener and the AOF load before giving up."""

# Embedding defaults that differ from ``godis serve``'s: no append-only file in the current
# directory unless asked for (a test or a dev tool should not leave appendonlydir behind).
EMBEDDED_DEFAULTS: Mapping[str, str] = {"appendonly": "no"}


class StartError(GodisError):
    """The server could not start (port taken, bad directory, damaged AOF, ...).

    Raised in the thread that called ``Server.start``; the cause is chained.
    """


def _directive_text(value: object) -> str:
    """A Python value as redis.conf text: booleans as yes/no, paths and numbers as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, os.PathLike):
        return str(os.fspath(value))
    return str(value)


def make_config(settings: Mapping[str, object] | None = None, *,
                config_file: str | os.PathLike[str] | None = None,
                defaults: Mapping[str, str] = EMBEDDED_DEFAULTS) -> Config:
    """A validated ``godis.config.Config``: ``defaults``, then ``config_file``, then
    ``settings`` (keyword names with ``_`` for ``-``; ``None`` values are skipped).

    Each value goes through ``Config.set_text`` as a redis.conf line would (Redis's
    loadServerConfigFromString), so ``port="x"`` or ``appendfsync="sometimes"`` raise
    ``godis.errors.ConfigError`` with Redis's message before any socket is opened.
    """
    config = Config()
    for name, text in defaults.items():
        config.set_text(name, text, at_start=True)
    if config_file is not None:
        config.load_file(os.fspath(config_file))
    for key, value in (settings or {}).items():
        if value is not None:
            config.set_text(key.replace("_", "-"), _directive_text(value), at_start=True)
    return config


def _connect_host(bind: str) -> str:
    """The address a local client should use for the first ``bind`` address."""
    host = (bind.split() or ["127.0.0.1"])[0].lstrip("-")
    if host in ("0.0.0.0", "*"):
        return "127.0.0.1"
    if host in ("::", "::*"):
        return "::1"
    return host


def _url(host: str, port: int, password: str, db: int = 0) -> str:
    netloc = f"[{host}]" if ":" in host else host
    auth = f":{urllib.parse.quote(password, safe='')}@" if password else ""
    return f"redis://{auth}{netloc}:{port}/{db}"


# redis-py 7.1+ reads its own version from the package metadata for every client it builds
# (2 ms: most of a test fixture's set-up); one DriverInfo, made once, says the same thing.
_DRIVER_INFO = DriverInfo() if DriverInfo is not None else None


def client_kwargs(host: str, port: int, password: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` for a redis-py client (sync or asyncio) of the server at ``host:port``.

    Adds ``host``, ``port`` and ``password`` (when set) unless ``kwargs`` has them, and one
    shared ``DriverInfo`` for redis-py 7.1+ (which otherwise reads its version from the package
    metadata for every client). ``kwargs`` is changed in place and returned:

    ```python
    redis.asyncio.Redis(**client_kwargs(server.host, server.port, server.password, {}))
    ```
    """
    kwargs.setdefault("host", host)
    kwargs.setdefault("port", port)
    if password:
        kwargs.setdefault("password", password)
    if _DRIVER_INFO is not None and "lib_name" not in kwargs and "lib_version" not in kwargs:
        kwargs.setdefault("driver_info", _DRIVER_INFO)
    return kwargs


def _redis_client(host: str, port: int, password: str, kwargs: dict[str, Any]) -> Any:
    if redis is None:
        raise RuntimeError("Server.client() needs redis-py: pip install redis")
    return redis.Redis(**client_kwargs(host, port, password, kwargs))


class _Started:
    """The ``task_status`` handed to ``serve``: it hands the ``ServerState`` to the thread."""

    def __init__(self, on_started: Callable[[ServerState], None]) -> None:
        self._on_started = on_started

    def started(self, value: ServerState | None = None) -> None:
        assert value is not None
        self._on_started(value)


class _Reachable:
    """What Server and ServerProcess share: ``with`` around start/stop, and how clients reach
    the server from its config and port."""

    config: Config

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self, timeout: float = 30.0) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        raise NotImplementedError

    @property
    def host(self) -> str:
        """The address clients connect to (the first ``bind`` address; loopback for 0.0.0.0)."""
        return _connect_host(self.config.bind)

    @property
    def unixsocket(self) -> str | None:
        """The ``unixsocket`` path it also listens on (``redis.Redis(unix_socket_path=...)``),
        or None."""
        return str(self.config["unixsocket"]) or None

    @property
    def password(self) -> str:
        """``requirepass``, or ``""``."""
        return str(self.config["requirepass"])

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0`` (with ``:password@`` when ``requirepass`` is set)."""
        return _url(self.host, self.port, self.password)

    def client(self, **kwargs: Any) -> Any:
        """A ``redis.Redis`` connected to this server; ``kwargs`` go to ``redis.Redis``.

        Typed ``Any`` so redis-py stays an optional dependency of godis.
        """
        return _redis_client(self.host, self.port, self.password, kwargs)


class Server(_Reachable):
    """A godis server in a background thread of this process.

    ```python
    with godis.Server(port=0, appendonly=True, dir=tmp) as server:
        r = server.client(decode_responses=True)
        r.set("k", "v")
    ```

    ``port=0`` (the default) takes a free port; ``server.port`` and ``server.url`` say which.
    Keywords are redis.conf directives (``_`` for ``-``); ``config_file`` is read first, the
    keywords override it. Unlike ``godis serve`` the AOF is off unless ``appendonly=True``, and
    without ``dir=`` (or a config file) the server works in a private temporary directory,
    removed at ``stop`` -- nothing in the current directory is loaded or written.
    ``stop`` (also on leaving the ``with`` block and at interpreter exit) shuts down as
    SHUTDOWN does: clients are disconnected, the AOF is written and fsynced.

    The thread runs its own ``trio.run``; it is a daemon so a forgotten server never keeps the
    interpreter alive, and the ``atexit`` hook still closes it cleanly.

    :param port: the TCP port; 0 picks a free one.
    :param config_file: a redis.conf-style file, read before the keywords.
    :param start_timeout: seconds ``start`` waits for the listener and the AOF load.
    :param settings: redis.conf directives, ``_`` for ``-`` (``appendfsync="always"``,
        ``requirepass="s3cret"``, ``dir=path``); booleans become ``yes``/``no``. Validated as
        a config file's lines are: a bad name or value raises ``godis.errors.ConfigError``.
    """

    def __init__(self, port: int = 0, *, config_file: str | os.PathLike[str] | None = None,
                 start_timeout: float = DEFAULT_START_TIMEOUT_S, **settings: object) -> None:
        self._tempdir: str | None = None
        if config_file is None and settings.get("dir") is None:
            # Not the current directory: a dump.rdb or AOF lying there would be loaded (and a
            # newer Redis's could refuse the start); SAVE or an AOF go to a private place.
            self._tempdir = tempfile.mkdtemp(prefix="godis-")
            settings["dir"] = self._tempdir
        self.config: Config = make_config({"port": port, **settings}, config_file=config_file)
        self.start_timeout = start_timeout
        self._state: ServerState | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the server and wait until it accepts connections (and its AOF is loaded).

        Raises ``StartError`` (chained to the cause, e.g. Redis's "Could not create
        server TCP listening socket 127.0.0.1:6379: Address already in use") in this thread.
        """
        if self._thread is not None:
            raise RuntimeError("this godis.Server was already started")
        self._thread = threading.Thread(target=self._run, name="godis-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(self.start_timeout):
            self._shutdown()
            raise StartError(f"godis did not start within {self.start_timeout} s")
        if self._error is not None:
            self._thread.join(5)
            error = self._error
            raise StartError(f"godis could not start: {error}") from error
        atexit.register(self.stop)
        return self

    def _run(self) -> None:
        async def main() -> None:
            self._token = trio.lowlevel.current_trio_token()
            await serve(self.config, task_status=_Started(self._on_started))

        try:
            trio.run(main)
        except BaseException as error:  # handed to the caller's thread (start or stop)
            self._error = error
        finally:
            self._ready.set()

    def _on_started(self, state: ServerState) -> None:
        self._state = state
        self._ready.set()

    def _shutdown(self) -> None:
        state, token = self._state, self._token
        if state is not None and token is not None and self.running:
            try:
                trio.from_thread.run_sync(state.request_shutdown, trio_token=token)
            except trio.RunFinishedError:
                pass

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the server down as SHUTDOWN does and wait for the thread (idempotent).

        An error the server died of (a failed AOF write, say) is raised here.
        """
        atexit.unregister(self.stop)
        if self._thread is None:
            return
        self._shutdown()
        self._thread.join(timeout)
        if self._tempdir is not None and not self._thread.is_alive():
            shutil.rmtree(self._tempdir, ignore_errors=True)
        error, self._error = self._error, None
        if error is not None and self._state is not None:
            raise error


    # -- what a user reads --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between a successful ``start`` and ``stop`` (or a SHUTDOWN)."""
        return self._thread is not None and self._thread.is_alive() and self._state is not None

    @property
    def state(self) -> ServerState:
        """The live ``ServerState`` (read it through ``call`` for a consistent view)."""
        if self._state is None:
            raise RuntimeError("the godis server is not started")
        return self._state

    @property
    def port(self) -> int:
        """The TCP port the server listens on (the one chosen when ``port=0``)."""
        return self.state.port

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in the server's Trio thread, between two commands, and return its
        result: the way to read or change ``state`` without racing the server."""
        if self._token is None or not self.running:
            raise RuntimeError("the godis server is not running")
        return trio.from_thread.run_sync(fn, *args, trio_token=self._token)

    def __repr__(self) -> str:
        where = f"{self.host}:{self._state.port}" if self._state is not None else "not started"
        return f"<godis.Server {where}>"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel's choice for port 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _command(*words: str) -> bytes:
    """One RESP multibulk request."""
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _serves(host: str, port: int, password: str, pid: int) -> bool:
    """True once the process ``pid`` answers on ``host:port`` (INFO's ``process_id``; not
    -LOADING, and not another server that already held the port)."""
    request = (_command("AUTH", password) if password else b"") + _command("INFO", "server")
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(request)
            received = b""
            while b"process_id:" not in received or not received.endswith(b"\r\n"):
                chunk = conn.recv(65536)
                received += chunk
                if not chunk or received.startswith((b"-", b"+OK\r\n-")):
                    break
    except OSError:
        return False
    return f"process_id:{pid}\r\n".encode() in received


class ServerProcess(_Reachable):
    """``python -m godis serve`` as a child process, with ``Server``'s interface.

    For what must not share the test's interpreter: a crash, ``SHUTDOWN`` ending the
    process, a restart on the same port and directory (its AOF loaded again).

    ```python
    with ServerProcess(tmp_path, appendonly=True) as child:
        child.client().set("k", "v")
    with ServerProcess(tmp_path, appendonly=True) as restarted:   # the AOF is replayed
        assert restarted.client().get("k") == b"v"
    ```

    ``stop`` sends SIGTERM (a graceful shutdown: AOF fsynced), then SIGKILL after
    ``timeout``.

    :param directory: holds the generated ``godis.conf``, the log (``godis.log``) and, with
        ``appendonly=True``, the AOF (it is the default ``dir``).
    :param port: the TCP port; 0 picks a free one before the child starts.
    :param config_file: a redis.conf-style file, read before the keywords.
    :param start_timeout: seconds ``start`` waits for the child to answer.
    :param settings: redis.conf directives, ``_`` for ``-``, as for ``Server``.
    """

    def __init__(self, directory: str | os.PathLike[str], port: int = 0, *,
                 config_file: str | os.PathLike[str] | None = None,
                 start_timeout: float = DEFAULT_START_TIMEOUT_S, **settings: object) -> None:
        self.directory = Path(directory)
        settings.setdefault("dir", str(self.directory))
        self.config: Config = make_config({"port": port, **settings}, config_file=config_file)
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._port = self.config.port

    @property
    def config_path(self) -> Path:
        """The redis.conf-style file the child reads (every directive, written at start)."""
        return self.directory / "godis.conf"

    @property
    def log_path(self) -> Path:
        """The child's stdout and stderr."""
        return self.directory / "godis.log"

    def start(self) -> Self:
        """Start the child and wait until it answers (INFO names its pid: not ``-LOADING``, not
    another server on the port); ``StartError`` with its log if it exits or times out."""
        if self.process is not None:
            raise RuntimeError("this godis ServerProcess was already started")
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._port == 0:
            self._port = free_port(self.host)
            self.config.set_text("port", str(self._port), at_start=True)
        lines = "".join(f"{name} {_quoted(self.config.show(name))}\n"
                        for name in _directives(self.config))
        write_atomically(str(self.config_path), lines.encode(), prefix="temp-godis-conf-")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "godis", "serve", "--config", str(self.config_path)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while not _serves(self.host, self._port, self.password, self.process.pid):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                output = self.log_path.read_text(errors="replace").strip()
                raise StartError(f"godis could not start on {self.host}:{self._port}:\n"
                                 f"{output}")
            time.sleep(0.01)
        atexit.register(self.stop)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (graceful: the AOF is fsynced), SIGKILL after ``timeout`` (idempotent)."""
        atexit.unregister(self.stop)
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


    @property
    def running(self) -> bool:
        """True while the child process lives."""
        return self.process is not None and self.process.poll() is None

    @property
    def port(self) -> int:
        """The child's TCP port."""
        return self._port


    def __repr__(self) -> str:
        return f"<godis.ServerProcess {self.host}:{self._port} pid={getattr(self.process, 'pid', None)}>"


def _directives(config: Config) -> list[str]:
    """Every directive of ``config`` (the child starts from its own defaults), by canonical
    name; accepted-but-inert parameters only when changed (``replicaof ""`` is no line)."""
    return [p.name for p in PARAMETERS
            if p.name not in NO_EFFECT_NAMES or config.show(p.name) != p.show(p.parse(p.default))]


def _quoted(text: str) -> str:
    """redis.conf quoting for a value (empty and spaced values in double quotes)."""
    if text and not any(ch in text for ch in " \t\"'\\"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
