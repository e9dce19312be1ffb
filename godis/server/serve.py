"""Start, run and stop a godis server: the nursery that supervises everything.

Shape (the design card; hypercorn's two nurseries with mini-redis's "stop between commands"):

- the *handler* nursery holds one task per client;
- the *services* nursery holds the ``trio.serve_tcp`` listener (which starts client tasks in
  the handler nursery), the AOF fsync task, the active-expiry task and the signal watcher.

Shutdown (SIGINT/SIGTERM or SHUTDOWN): the services nursery is cancelled, so accepting stops;
each client's task is cancelled at its next wait for input (a batch being executed always
finishes: it has no await inside); after a grace period stragglers are cut; then the AOF is
written, fsynced and closed. A second Ctrl-C finds Python's default handler again and exits
at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import stat
from collections.abc import Awaitable, Callable
from functools import partial

import trio

from godis import REDIS_COMPAT_VERSION, __version__
from godis.commands import load_all, notify
from godis.config import Config
from godis.dispatch import serve_ready_keys
from godis.errors import AofError, ConfigError, GodisError
from godis.keyspace.expiry import active_expire_cycle
from godis.keyspace.keyspace import trio_clock_ms
from godis.persistence import background
from godis.persistence.aof import AppendOnlyFile
from godis.persistence.files import remove_pid_file, write_pid_file
from godis.persistence.loader import LoadReport, replay_files
from godis.persistence.multipart import (
    aof_dir,
    delete_history,
    load_manifest_from_disk,
    open_on_start,
    upgrade_if_needed,
)
from godis.persistence.snapshot import apply_snapshot, final_save, read_snapshot
from godis.server.connection import Connection, Transport
from godis.server.outbound import OutboundConnections
from godis.server.tls import TlsService
from godis.state import ServerState

log = logging.getLogger("godis.server")

SHUTDOWN_GRACE_S = 2.0


async def _server_cron(server: ServerState) -> None:
    """``hz`` times a second, under the keyspace lock (Redis's serverCron): refresh the LRU
    clock, run the active expire cycle, go on with an eviction that ran out of time, and write
    what the AOF buffer holds — the expired or evicted keys' DELs, or bytes a failed write
    left behind (that retry ends a -MISCONF period)."""
    keyspace = server.keyspace
    while True:
        await trio.sleep(1 / int(server.config["hz"]))
        async with keyspace.locked():
            keyspace.lru_clock_ms = keyspace.now_ms()
            if server.active_expire_enabled:
                active_expire_cycle(keyspace)
                if keyspace.ready_keys:  # an expired stream unblocks its XREADGROUP clients
                    serve_ready_keys(server)
            if server.tracking.clients:
                server.tracking.limit_used_slots()  # even when idle (serverCron)
            if keyspace.eviction.running and keyspace.maxmemory and not server.paused_until:
                keyspace.eviction.perform()  # evictionTimeProc: finish what ran out of time
            aof = server.aof
            if aof is not None and isinstance(aof, AppendOnlyFile) and aof.buffer:
                aof.write()
            if server.background is not None:
                background.check_children(server)  # reap BGSAVE / BGREWRITEAOF children
            if server.outbound is not None and server.outbound.cache:
                server.outbound.close_idle()  # MIGRATE connections unused for 10 s
            if aof is not None and server.fork_children:
                background.maybe_auto_rewrite(server)
            background.save_if_due(server)  # the ``save`` points


async def _close_idle_clients(server: ServerState) -> None:
    """``timeout``: close clients idle longer than that (pub/sub and blocked ones are exempt)."""
    while True:
        await trio.sleep(1)
        limit = int(server.config["timeout"])
        if limit <= 0:
            continue
        now = server.keyspace.now_ms() / 1000
        for client in list(server.clients.values()):
            if (now - client.last_interaction > limit and not client.subscribed
                    and client.blocked is None):
                log.debug("Closing idle client %s", client.address)
                client.kill()


async def _watch_signals(server: ServerState) -> None:
    """Turn the first SIGINT/SIGTERM into a graceful shutdown; later ones act at once."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            name = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
            log.warning("Received %s scheduling shutdown...", name)
            async with server.keyspace.locked():
                if str(server.config["save"]):
                    background.kill_child(server)  # prepareForShutdown, before saving
                saved = final_save(server)  # with save points, the RDB first
            if not saved:
                log.warning("Errors trying to shut down the server. Check the logs for more "
                            "information.")
                continue
            server.request_shutdown()
            return


async def serve(
    config: Config | None = None,
    *,
    handle_signals: bool = False,
    task_status: trio.TaskStatus[ServerState] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run a server until it is shut down; reports its ``ServerState`` (with ``.port``).

    ``await nursery.start(serve, Config(port=0, dir=...))`` starts one on a free port.
    """
    config = config or Config()
    load_all()
    server = ServerState(config)
    notify.configure(server)
    keyspace = server.keyspace
    keyspace.now_ms = trio_clock_ms()
    log.info("godis %s (Redis %s compatible) starting, pid=%d", __version__,
             REDIS_COMPAT_VERSION, os.getpid())
    inert = config.inert_settings()
    if inert:  # never pretend silently: these were set, and godis does not act on them
        log.warning("Accepted, no effect in godis (docs/configuration.md): %s",
                    ", ".join(f"{name} {value!r}" for name, value in inert))
    pidfile = str(config["pidfile"])
    if pidfile:  # createPidFile: a failure is only a warning
        try:
            write_pid_file(pidfile)
        except OSError as error:
            log.warning("Failed to write PID file: %s", error.strerror)
            pidfile = ""  # never remove at exit a file this process did not write
    shutdown = trio.Event()

    def request_shutdown() -> None:
        server.shutdown_requested = True
        shutdown.set()

    server.request_shutdown = request_shutdown
    connections: set[Connection] = set()

    def answer_while_busy() -> None:
        """A script runs past busy-reply-threshold: answer the idle clients (-BUSY, KILL)."""
        for connection in list(connections):
            if connection.idle and not connection.closed:
                connection.answer_while_busy()

    server.scripting.while_busy = answer_while_busy
    server.fork_children = background.FORK_AVAILABLE
    server.outbound = OutboundConnections()

    def adopt(stream: trio.SocketStream) -> socket.socket:
        # Take the socket out of the stream: the connection drives it directly.
        trio_sock = stream.socket
        fd = trio_sock.detach()
        sock = socket.socket(trio_sock.family, trio_sock.type, trio_sock.proto, fileno=fd)
        sock.setblocking(False)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _keepalive(sock, int(config["tcp-keepalive"]))
        return sock

    async def handle(stream: trio.SocketStream) -> None:
        await run_connection(adopt(stream))

    async def run_connection(sock: Transport) -> None:
        """A client's task: plain sockets from ``handle``, TLS ones from tls.py's listener."""
        connection = Connection(server, sock)
        connections.add(connection)
        try:
            await connection.run()
        except Exception:  # a bug must cost one connection, never the server
            log.exception("Client %s crashed", connection.client.address)
        finally:
            connections.discard(connection)

    # TLS (tls.py): the context and the tls-port listener; CONFIG SET tls-* re-applies them
    tls = server.tls = TlsService(server, adopt, run_connection)
    server.config_appliers.append(tls.apply)
    startup_error: GodisError | None = None
    unix_path: str | None = None
    try:
        async with trio.open_nursery() as handlers:
            async with trio.open_nursery() as services:
                try:
                    tls.configure_at_start()
                    hosts = config.bind.split()
                    if config.port or not int(config["tls-port"]):  # port 0 + tls-port: TLS only
                        hosts = await _listen(server, handle, services, handlers)
                    tls.start(services, handlers)
                    unix_path = await _listen_unix(server, handle, services, handlers)
                    # The listener is open first: clients that connect during the load get
                    # -LOADING (and INFO's loading fields), as Redis answers while it loads.
                    aof = await _load_and_open_aof(server)
                except GodisError as error:  # reported after the nurseries, unwrapped
                    startup_error = error
                    services.cancel_scope.cancel()
                else:
                    if aof is not None:
                        services.start_soon(aof.run_everysec)
                    services.start_soon(_server_cron, server)
                    services.start_soon(_close_idle_clients, server)
                    if handle_signals:
                        services.start_soon(_watch_signals, server)
                    if server.port:
                        log.info("Ready to accept connections tcp on %s port %d",
                                 " ".join(hosts), server.port)
                    task_status.started(server)
                    await shutdown.wait()
                    log.warning("User requested shutdown...")
                    services.cancel_scope.cancel()
            for connection in list(connections):
                connection.scope.cancel()
            handlers.cancel_scope.deadline = trio.current_time() + SHUTDOWN_GRACE_S
    finally:
        background.kill_child(server)  # a rewrite or save still running is abandoned
        if server.outbound is not None:
            server.outbound.close_all()
        if isinstance(server.aof, AppendOnlyFile):
            log.info("Calling fsync() on the AOF file.")
            server.aof.close()
        if unix_path is not None:
            _remove_unix_socket(unix_path)
        if pidfile:
            log.info("Removing the pid file.")
            remove_pid_file(pidfile)
    if startup_error is not None:
        raise startup_error
    if server.fatal_error is not None:
        raise AofError(server.fatal_error)
    log.warning("godis is now ready to exit, bye bye...")


async def _listen(server: ServerState, handle: Callable[[trio.SocketStream], Awaitable[None]],
                  services: trio.Nursery, handlers: trio.Nursery) -> list[str]:
    """Open a listener on every ``bind`` address; the hosts. The first fixes the port."""
    config = server.config
    hosts = config.bind.split()
    listeners: list[trio.SocketListener] = []
    for host in hosts:
        host = host.lstrip("-")
        try:
            started = await services.start(partial(
                trio.serve_tcp, handle, server.port if listeners else config.port,
                host=host, handler_nursery=handlers))
        except OSError as error:
            if host.startswith("::") and listeners:
                log.warning("Could not bind %s: %s", host, error.strerror)
                continue
            raise ConfigError(f"Could not create server TCP listening socket "
                              f"{host}:{config.port}: {error.strerror}") from None
        listeners.extend(started)
        server.port = listeners[0].socket.getsockname()[1]
        config.set_text("port", str(server.port), at_start=True)
    return hosts


UNIX_PATH_MAX = 108
"""sizeof(sockaddr_un.sun_path) on Linux: a socket path must be shorter."""


async def _listen_unix(server: ServerState, handle: Callable[[trio.SocketStream], Awaitable[None]],
                       services: trio.Nursery, handlers: trio.Nursery) -> str | None:
    """The ``unixsocket`` listener, if one is configured; its path (initServer's sofd).

    As Redis: a stale socket left at the path is removed first, ``unixsocketperm`` (when not
    0) is applied after bind, and a failure is "Failed opening Unix socket: ...". Unlike
    Redis, a path that is not a socket is never removed: bind then fails on it.
    """
    path = str(server.config["unixsocket"])
    if not path:
        return None
    if len(path) > UNIX_PATH_MAX - 1:
        raise ConfigError(f"Failed opening Unix socket: unix socket path too long "
                          f"({len(path)}), must be under {UNIX_PATH_MAX}")
    _remove_stale_socket(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        perm = int(server.config["unixsocketperm"])
        if perm:
            os.chmod(path, perm)
        sock.listen(511)
    except OSError as error:
        sock.close()
        raise ConfigError(f"Failed opening Unix socket: bind: {error.strerror}") from None
    listener = trio.SocketListener(trio.socket.from_stdlib_socket(sock))
    await services.start(partial(trio.serve_listeners, handle, [listener],
                                 handler_nursery=handlers))
    log.info("The server is now ready to accept connections at %s", path)
    return path


def _remove_stale_socket(path: str) -> None:
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass  # nothing there, or not ours to remove: bind reports it


def _remove_unix_socket(path: str) -> None:
    """At shutdown, as prepareForShutdown: the socket file goes away with the server."""
    log.info("Removing the unix socket file.")
    try:
        os.unlink(path)
    except OSError as error:
        log.warning("Error removing the unix socket file: %s", error.strerror)


async def _load_and_open_aof(server: ServerState) -> AppendOnlyFile | None:
    """loadDataFromDisk with the multi-part AOF around it: the manifest (aofLoadManifestFromDisk,
    whether or not the AOF is on, so a damaged one stops the start as in Redis); with the AOF
    on, a 6.x single file upgraded into the directory, the base and incrs replayed in steps
    (serving -LOADING between them), the last incr opened for appending
    (aofOpenIfNeededOnServerStart) and the history deleted (aofDelHistoryFiles); raise
    ``AofError`` on damage."""
    config = server.config
    manifest = load_manifest_from_disk(config)
    if not config.appendonly:  # dir/dbfilename, when there is one (loadDataFromDisk)
        server.loading = True  # parsed in a thread: clients meanwhile get -LOADING
        try:
            parsed = await trio.to_thread.run_sync(read_snapshot, server)
            if parsed is not None:
                async with server.keyspace.locked():
                    apply_snapshot(server, parsed)
        finally:
            server.loading = False
        return None
    try:
        os.makedirs(config.dir, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"Can't open or create append-only dir {config.dir}: "
                          f"{error.strerror}") from None
    upgrade_if_needed(config, manifest)
    keyspace = server.keyspace
    replay = replay_files(server, aof_dir(config), manifest)
    server.loading = True  # from the first client on, until the last record ran
    try:
        while True:
            try:
                async with keyspace.locked():
                    loaded = next(replay)
            except StopIteration as done:
                report: LoadReport = done.value
                break
            log.debug("Loading the AOF: %d of %d bytes", loaded, server.loading_total_bytes)
            await trio.lowlevel.checkpoint()  # connected clients are answered (-LOADING, INFO)
    finally:
        server.loading = False  # also when there was no file, or it was damaged
    loaded_size = 0
    if manifest.files() and server.loading_total_bytes:
        log.info("DB loaded from append only file: %.3f seconds (%d commands, %d keys)",
                 report.seconds, report.commands, report.keys)
        loaded_size = server.loading_total_bytes
    async with keyspace.locked():
        aof = open_on_start(server, manifest, loaded_size)
        delete_history(config, manifest)
    server.aof = aof
    keyspace.propagate = aof.feed
    return aof


def _keepalive(sock: socket.socket, interval: int) -> None:
    """anetKeepAlive: probes after ``interval`` idle seconds, every interval/3, three of them
    (tcp-keepalive; 0 leaves the socket alone)."""
    if interval <= 0:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(interval // 3, 1))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    except OSError:
        pass
