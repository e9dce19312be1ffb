"""One task per client: read what the socket has, run every complete command, reply once.

The batch loop (Redis's ``processInputBuffer`` + ``beforeSleep``): one ``recv`` returns whatever
the client sent; the reader parses every complete command; they all execute under one
acquisition of the keyspace lock (no awaits inside); the AOF buffer is written to the kernel;
then all replies go out in one ``send``. With ``appendfsync always`` the fsync comes before the
send.

Sockets are driven directly (non-blocking ``recv``/``send`` and ``trio.lowlevel.wait_readable``)
rather than through ``SocketStream``: a request then costs one trip through Trio's scheduler
instead of several checkpoints (see the foundation issue's note for the measurements).
Output the kernel does not accept at once waits in ``outbuf``; pushes from other clients
(pub/sub) append to it without awaiting.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from typing import TYPE_CHECKING, Any, Protocol, cast

import trio

from godis.blocking import BlockRequest
from godis.client import Client
from godis.dispatch import execute, execute_while_busy, paused_for, serve_ready_keys
from godis.errors import ProtocolError
from godis.protocol.reader import RequestReader
from godis.protocol.writer import ErrorReply, Reply, error_bytes, unsilenced, write_reply

if TYPE_CHECKING:
    from godis.persistence.aof import AppendOnlyFile
    from godis.state import ServerState

log = logging.getLogger("godis.server")

RECV_BYTES = 64 * 1024
QUERY_BUFFER_CHECK_BYTES = 1024 * 1024  # below this the query-buffer limit is not looked up


class Transport(Protocol):
    """What the loop calls on its socket: a plain ``socket.socket``, or the TLS transport of
    godis/server/tls.py with the same non-blocking ``send``/``recv`` semantics."""

    @property
    def family(self) -> int: ...
    def fileno(self) -> int: ...
    def getpeername(self) -> Any: ...
    def getsockname(self) -> Any: ...
    def send(self, data: bytes | bytearray, /) -> int: ...
    def recv(self, bufsize: int, /) -> bytes: ...
    def close(self) -> None: ...


class Connection:
    """A connected client: its socket, its parser, its pending output, its ``Client`` state."""

    def __init__(self, server: ServerState, sock: Transport) -> None:
        self.server = server
        self.sock = sock
        if sock.family == socket.AF_UNIX:
            # Redis shows the socket's path on both sides, port 0 (anetFdToString)
            peer = local = f"{sock.getsockname()}:0"
        else:
            peer, local = _address(sock, remote=True), _address(sock, remote=False)
        self.client = Client(server, address=peer, laddr=local, fd=sock.fileno(),
                             unix_socket=sock.family == socket.AF_UNIX)
        self.client.push = self.push
        self.client.kill = self.kill
        self.reader = RequestReader(int(server.config["proto-max-bulk-len"]))
        self.reader.unauthenticated = not self.client.authenticated
        self.outbuf = bytearray()
        self.closed = False
        self.scope = trio.CancelScope()
        self._idle_scope: trio.CancelScope | None = None
        self._soft_limit_since: float | None = None
        self._blocked: BlockRequest | None = None
        self._batch_out: bytearray | None = None  # the replies of the batch being executed
        # Before AUTH the reader hands out one command at a time; their replies are held until
        # everything received was processed, as Redis writes replies only after the whole
        # input buffer (so ``GET / HTTP/1.1`` + ``Host:`` gets 0 bytes, like Redis).
        self._held: bytearray | None = None
        self._dropped = False
        self.idle = False  # waiting for input, no batch in flight

    @property
    def aof(self) -> AppendOnlyFile | None:
        """The server's AOF, once open (a client may connect while the dataset loads)."""
        return cast("AppendOnlyFile | None", self.server.aof)

    # -- output -----------------------------------------------------------------------------

    def send_now(self, data: bytes | bytearray) -> None:
        """Send without awaiting; whatever the kernel refuses waits in ``outbuf``."""
        if self.closed or not data:
            return
        if self._held is not None:
            self._held += data
            return
        self.server.net_output_bytes += len(data)
        if self.outbuf:
            self.outbuf += data
            self._check_output_limit()
            return
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.kill()
            return
        if sent < len(data):
            self.outbuf += data[sent:]
            self._check_output_limit()
            if self._idle_scope is not None:
                self._idle_scope.cancel()  # wake the idle loop so it drains

    def _check_output_limit(self, pending: int = 0) -> bool:
        """``client-output-buffer-limit``: close a client whose pending output is too large;
        whether it was closed. ``pending``: replies of the batch not handed to ``send`` yet,
        counted with ``outbuf`` as Redis counts its reply list before writing.

        Hard limit: at once. Soft limit: once it has been exceeded for the given seconds
        continuously (Redis's checkClientOutputBufferLimits). A slow subscriber thus never
        stalls PUBLISH or grows without bound.
        """
        client = self.client
        kind = "pubsub" if client.subscribed else "normal"
        hard, soft, seconds = self.server.output_buffer_limits.get(kind, (0, 0, 0))
        if not hard and not soft:
            return False
        size = len(self.outbuf) + pending
        over_soft = bool(soft) and size > soft
        if not over_soft:
            self._soft_limit_since = None
        elif self._soft_limit_since is None:
            self._soft_limit_since = time.monotonic()
        if (hard and size > hard) or (over_soft and self._soft_limit_since is not None and
                                      time.monotonic() - self._soft_limit_since > seconds):
            log.warning("Client %s scheduled to be closed ASAP for overcoming of output buffer "
                        "limits.", client.address)
            self.server.output_limit_disconnections += 1
            self.outbuf.clear()
            self.kill()
            return True
        return False

    def push(self, reply: Reply) -> None:
        """Deliver an out-of-band reply (pub/sub message, MONITOR line) to this client."""
        if self._batch_out is not None:
            # our own batch is executing: keep the push in order with its replies
            write_reply(reply, self.client.resp, self._batch_out)
            return
        out = bytearray()
        write_reply(reply, self.client.resp, out)
        self.send_now(out)

    def kill(self) -> None:
        """Close this connection as soon as possible (CLIENT KILL, output limits). It leaves
        the client list at once, as Redis's freeClient: a REDIRECT to it is broken from now."""
        self.closed = True
        self.server.clients.pop(self.client.id, None)
        self.scope.cancel()

    async def _drain(self) -> None:
        """Wait until the kernel took all of ``outbuf``."""
        sock = self.sock
        while self.outbuf and not self.closed:
            await trio.lowlevel.wait_writable(sock)
            try:
                sent = sock.send(self.outbuf)
            except BlockingIOError:
                continue
            except OSError:
                self.kill()
                return
            del self.outbuf[:sent]

    # -- the batch loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the client until it disconnects, misbehaves, or the server shuts down."""
        server = self.server
        client = self.client
        if self._refused():
            return
        server.clients[client.id] = client
        try:
            with self.scope:
                await self._loop()
        finally:
            self.closed = True
            server.clients.pop(client.id, None)
            for hook in server.on_client_close:
                hook(client)
            if self.outbuf:
                try:
                    self.sock.send(self.outbuf)
                except OSError:
                    pass
            self.sock.close()

    def _refused(self) -> bool:
        """Protected mode and maxclients, checked before the client exists (as Redis)."""
        server = self.server
        config = server.config
        message: bytes | None = None
        if (config["protected-mode"] and not server.auth_required()
                and not self.client.is_local):
            message = (b"-DENIED Redis is running in protected mode because protected mode is "
                       b"enabled and no password is set for the default user. In this mode "
                       b"connections are only accepted from the loopback interface. If you want "
                       b"to connect from external computers to Redis you may adopt one of the "
                       b"following solutions: 1) Just disable protected mode sending the command "
                       b"'CONFIG SET protected-mode no' from the loopback interface by connecting "
                       b"to Redis from the same host the server is running, however MAKE SURE "
                       b"Redis is not publicly accessible from internet if you do so. Use CONFIG "
                       b"REWRITE to make this change permanent. 2) Alternatively you can just "
                       b"disable the protected mode by editing the Redis configuration file, and "
                       b"setting the protected mode option to 'no', and then restarting the "
                       b"server. 3) If you started the server manually just for testing, restart "
                       b"it with the '--protected-mode no' option. 4) Setup a an authentication "
                       b"password for the default user. NOTE: You only need to do one of the "
                       b"above things in order for the server to start accepting connections "
                       b"from the outside.\r\n")
        elif len(server.clients) >= int(config["maxclients"]):
            message = b"-ERR max number of clients reached\r\n"
            server.rejected_connections += 1
        if message is None:
            server.total_connections += 1
            return False
        try:
            self.sock.send(message)
        except OSError:
            pass
        self.sock.close()
        return True

    async def _loop(self) -> None:
        """One ``recv`` per readable event, as Redis reads once per event-loop wake-up.

        Waiting first and reading second costs one scheduler trip per batch and no failed
        ``recv``: an unpipelined client cannot have sent more before it got its reply.
        """
        sock = self.sock
        reader = self.reader
        client = self.client
        server = self.server
        while True:
            if self.outbuf:
                await self._drain()  # backpressure: no new input until our output is taken
            self.idle = True  # nothing in flight: a busy script may answer its input
            try:
                if client.subscribed or client.monitor:
                    with trio.CancelScope() as self._idle_scope:
                        await trio.lowlevel.wait_readable(sock)
                    self._idle_scope = None
                else:
                    await trio.lowlevel.wait_readable(sock)
            finally:
                self.idle = False
            try:
                data = sock.recv(RECV_BYTES)
            except BlockingIOError:
                continue
            except OSError:
                return
            if not data:
                return
            server.net_input_bytes += len(data)
            now_ms = client.keyspace.lru_clock_ms = client.keyspace.now_ms()
            client.last_interaction = now_ms / 1000
            reader.feed(data)
            if (reader.buffered_bytes > QUERY_BUFFER_CHECK_BYTES and reader.buffered_bytes
                    > int(server.config["client-query-buffer-limit"])):
                # counted on arrival, before parsing, as readQueryFromClient does
                log.warning("Closing client that reached max query buffer length: %s",
                            client.address)
                return
            while True:
                if self._held is None and reader.unauthenticated:
                    self._held = bytearray()
                elif self._held is not None and not reader.unauthenticated:
                    self._release_held()  # authenticated: the rest runs as one batch
                try:
                    commands = reader.read_commands()
                except ProtocolError as error:  # after the complete commands before it ran
                    self._release_held()
                    self._protocol_error(error)
                    await self._drain()
                    return
                if not commands:
                    break
                if not await self._run_commands(commands):
                    if self._dropped:
                        self._held = None
                    else:
                        self._release_held()
                    return
            self._release_held()

    def answer_while_busy(self) -> None:
        """Read and answer what this idle client sent while a script runs past
        busy-reply-threshold (processEventsWhileBlocked): -BUSY, or the allow_busy commands
        (SCRIPT KILL, FUNCTION KILL, SHUTDOWN...). Synchronous: the script's task holds the
        lock and is waiting for this to return."""
        try:
            data = self.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if not data:
            self.kill()
            return
        self.server.net_input_bytes += len(data)
        self.reader.feed(data)
        client = self.client
        out = bytearray()
        try:
            commands = self.reader.read_commands()
        except ProtocolError as error:
            self._protocol_error(error)
            self.kill()
            return
        for argv in commands:
            write_reply(execute_while_busy(client, argv), client.resp, out)
        if out:
            self.send_now(out)

    def _release_held(self) -> None:
        held, self._held = self._held, None
        if held:
            self.send_now(held)

    def _protocol_error(self, error: ProtocolError) -> None:
        self.send_now(error_bytes(error.message))
        log.debug("Protocol error (%s) from client %s", error.reason, self.client.address)

    async def _run_commands(self, commands: list[list[bytes]]) -> bool:
        """Execute a batch and send its replies; whether the connection stays open.

        The common case — lock free, nothing blocks, no fsync to wait for — never awaits.
        """
        client = self.client
        lock = client.keyspace.lock
        aof = self.aof
        while commands:
            if self.server.paused_until:
                await self._wait_while_paused(commands)
            try:
                lock.acquire_nowait()
            except trio.WouldBlock:
                await client.keyspace.acquire()
            try:
                if self.server.fatal_error is not None:
                    return False  # the server is going down: nothing more runs
                out, stopped_at, outcome = self._execute(commands)
                # while the AOF is failing, writes are refused (-MISCONF) and the cron retries
                written = aof is None or not aof.buffer or not aof.last_write_ok or aof.write()
                if not written and aof is not None and aof.fsync_policy == "always":
                    self._fatal_aof_write_error(aof)
                    return False
            finally:
                lock.release()
            if outcome is _DROP:
                return False
            if not written:
                # The AOF write failed (disk full...): these writes are not in the file yet, so
                # they are not acknowledged — the connection closes without replies. Later
                # writes get -MISCONF until a retry succeeds (godis's stricter take on Redis's
                # "the first failing write still gets +OK").
                log.warning("Closing client %s: its writes could not be appended to the AOF",
                            client.address)
                return False
            if (aof is not None and aof.fsync_policy == "always" and aof.synced < aof.written
                    and not await self._fsync_before_reply(aof)):
                return False
            if self._check_output_limit(len(out)):
                return False  # closed with nothing sent, as Redis skips CLOSE_ASAP clients
            self.send_now(out)
            if outcome is _DONE:
                return True
            if outcome is _CLOSE:
                await self._drain()
                return False
            # a blocking command is waiting: reply to it once served, then go on
            commands = commands[stopped_at + 1 :]
            if self.outbuf:
                await self._drain()
            assert self._blocked is not None
            reply = await self._wait_blocked(self._blocked)
            self._blocked = None
            # served by another client's push: that write is on disk before this reply leaves
            if (aof is not None and aof.fsync_policy == "always" and aof.synced < aof.written
                    and not await self._fsync_before_reply(aof)):
                return False
            final = bytearray()
            write_reply(reply, client.resp, final)
            self.send_now(final)
        return True

    async def _wait_while_paused(self, commands: list[list[bytes]]) -> None:
        """CLIENT PAUSE: wait while the server is paused for these commands."""
        server = self.server
        while server.paused_until:
            remaining = server.paused_until - trio.current_time()
            if remaining <= 0:
                server.unpause()
                return
            if not paused_for(server, commands):
                return
            event = server.unpaused
            with trio.move_on_after(remaining):
                if event is not None:
                    await event.wait()
                else:
                    await trio.sleep(remaining)

    async def _wait_blocked(self, blocked: BlockRequest) -> Reply:
        """``wait_unblocked`` while still reading the socket, as Redis does for a blocked client.

        Input is buffered for later; end-of-file closes the connection, and the cancellation
        unregisters the client, so a later push is not popped for a client that is gone.
        """
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._read_while_blocked)
            reply = await wait_unblocked(self.client, blocked)
            nursery.cancel_scope.cancel()
        return reply

    async def _read_while_blocked(self) -> None:
        sock = self.sock
        while True:
            await trio.lowlevel.wait_readable(sock)
            try:
                data = sock.recv(RECV_BYTES)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data or self.reader.buffered_bytes > int(
                    self.server.config["client-query-buffer-limit"]):
                self.kill()  # cancels the connection, and with it the wait
                return
            self.server.net_input_bytes += len(data)
            self.reader.feed(data)

    def _execute(self, commands: list[list[bytes]]) -> tuple[bytearray, int, object]:
        """Run ``commands`` (lock held) into one reply buffer; where and why it stopped."""
        out = self._batch_out = bytearray()
        tracking = self.server.tracking
        tracking.current = self.client  # Redis's current_client, for its own invalidations
        try:
            result = self._execute_into(commands, out)
            if self.client.keyspace.tracking is not None:
                tracking.end_cycle()  # BCAST messages of the batch, after its replies
            return result
        finally:
            tracking.current = None
            self._batch_out = None

    def _execute_into(self, commands: list[list[bytes]],
                      out: bytearray) -> tuple[bytearray, int, object]:
        client = self.client
        tracking = self.server.tracking
        for index, argv in enumerate(commands):
            reply = execute(client, argv)
            kind = type(reply)
            if kind is ErrorReply and _is_http(argv):
                log.warning("Possible SECURITY ATTACK detected. It looks like somebody is "
                            "sending POST or Host: commands to Redis. Connection from %s "
                            "aborted.", client.address)
                self._dropped = True
                return out, index, _DROP
            if kind is BlockRequest:
                self._write_after_reply(out)
                self._blocked = reply  # type: ignore[assignment]
                return out, index, _BLOCKED
            mode = client.reply_mode
            if mode == "on":
                write_reply(reply, client.resp, out)
            else:
                out += unsilenced(reply)  # pushes pass CLIENT REPLY OFF / SKIP
                if mode == "skip_next":  # CLIENT REPLY SKIP itself: skip the next one
                    client.reply_mode = "skip"
                elif mode == "skip":
                    client.reply_mode = "on"
            if client.after_reply:
                self._write_after_reply(out)
            if tracking.pending:  # invalidations of the client's own keys follow the reply
                tracking.flush_pending()
            if client.close_after_reply:
                return out, index, _CLOSE
        self.reader.unauthenticated = not client.authenticated
        return out, len(commands), _DONE

    def _write_after_reply(self, out: bytearray) -> None:
        """The client's own MONITOR lines, which follow its command's reply."""
        client = self.client
        for item in client.after_reply:
            write_reply(item, client.resp, out)
        client.after_reply.clear()

    def _fatal_aof_write_error(self, aof: AppendOnlyFile) -> None:
        """``appendfsync always`` and the write failed: Redis exits before anyone can read the
        unwritten data (flushAppendOnlyFile). Still under the lock: nothing runs after this."""
        message = ("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                   "Exiting...")
        log.warning(message)
        aof.buffer.clear()  # never acknowledged: it must not reach the file at shutdown either
        self.server.fatal_error = message
        self.server.request_shutdown()

    async def _fsync_before_reply(self, aof: AppendOnlyFile) -> bool:
        """``appendfsync always``: the batch's bytes are on disk before its replies leave."""
        with trio.CancelScope(shield=True):
            try:
                await aof.sync_to(aof.written)
            except OSError:
                message = ("Can't recover from AOF fsync error when the AOF fsync policy is "
                           "'always'. Exiting...")
                log.warning(message)
                self.server.fatal_error = message
                self.server.request_shutdown()
                return False
        return True


_DONE = "done"
_BLOCKED = "blocked"
_CLOSE = "close"
_DROP = "drop"


async def wait_unblocked(client: Client, request: BlockRequest) -> Reply:
    """Wait (lock not held) until ``request`` is served or times out; the reply to send.

    A handler may return a bare request: it is registered here and its keys checked once more
    (data may have arrived while the connection awaited). Cancellation (the client
    disconnects) unregisters the request and propagates.
    """
    keyspace = client.keyspace
    blocked = client.server.blocked
    try:
        if not request.registered and not request.served:
            blocked.register(client, request)
            if blocked.has_data(request):
                async with keyspace.locked():
                    if not request.served and blocked.has_data(request):
                        for db_index, key in request.slots:
                            keyspace.signal_key_as_ready(db_index, key)
                        serve_ready_keys(client.server)
        if not request.served:
            assert request.event is not None
            with trio.move_on_after(request.timeout_s or math.inf):
                await request.event.wait()
        if not request.served:
            async with keyspace.locked():
                if not request.served:  # (it may have been served while we waited for the lock)
                    blocked.unregister(request)
                    return request.timeout_reply
        return request.reply
    finally:
        if request.registered:  # cancelled: leave nothing behind
            blocked.unregister(request)


def _is_http(argv: list[bytes]) -> bool:
    """Redis's cross-protocol guard: a first word of ``POST`` or ``Host:``."""
    name = argv[0].lower()
    return name == b"post" or name == b"host:"



def _address(sock: Transport, *, remote: bool) -> str:
    try:
        address = sock.getpeername() if remote else sock.getsockname()
    except OSError:
        return "?:0"
    if isinstance(address, tuple):
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in host and not host.startswith("::ffff:") else f"{host}:{port}"
    return str(address)
