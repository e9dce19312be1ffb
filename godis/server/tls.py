"""TLS: the ``tls-*`` parameters as an ``ssl.SSLContext``, the ``tls-port`` listener, and the
encrypted transport a TLS client's ``Connection`` runs over (Redis's tls.c).

The transport is OpenSSL driven through memory BIOs (``ssl.SSLObject``, the machinery under
``trio.SSLStream``) over the accepted non-blocking socket. It offers the synchronous,
non-blocking ``send``/``recv`` the connection loop calls on a plain socket, so a TLS client
takes the same per-connection path: pushes from other clients (pub/sub, MONITOR) still go out
without awaiting, and a client can still be answered ``-BUSY`` while a script runs, which an
async-only ``SSLStream`` could not do. Two invariants keep "wait until the fd is readable"
right for it: ``recv`` decrypts every complete record it read (no plaintext is ever left
inside OpenSSL), and the handshake reads record by record, never past the client's last
handshake record (data sent right behind it stays in the kernel, so the fd stays readable).

The handshake runs in the client's own task (connAccept is asynchronous in Redis), so one that
never finishes stalls nobody; it is bounded by ``timeout`` when that is set, as Redis's
clientsCron closes a client stuck in its handshake. A failed handshake (a plain-text client,
no certificate under ``tls-auth-clients yes``, a refused protocol version) is logged as Redis's
"Error accepting a client connection: ..." and the socket closed, its alert sent first.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import warnings
from collections.abc import Awaitable, Callable

import trio

from godis.config import Config
from godis.errors import ConfigError
from godis.server.connection import Transport
from godis.state import ServerState

log = logging.getLogger("godis.server")

RECORD_BYTES = 16 * 1024
"""The largest TLS record's plaintext: ``send`` encrypts at most this much between flushes."""

_VERSIONS = {"tlsv1": ssl.TLSVersion.TLSv1, "tlsv1.1": ssl.TLSVersion.TLSv1_1,
             "tlsv1.2": ssl.TLSVersion.TLSv1_2, "tlsv1.3": ssl.TLSVersion.TLSv1_3}
_ORDER = [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_2,
          ssl.TLSVersion.TLSv1_3]
_NO_VERSION = {ssl.TLSVersion.TLSv1: "OP_NO_TLSv1", ssl.TLSVersion.TLSv1_1: "OP_NO_TLSv1_1",
               ssl.TLSVersion.TLSv1_2: "OP_NO_TLSv1_2", ssl.TLSVersion.TLSv1_3: "OP_NO_TLSv1_3"}
_VERIFY = {"no": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "yes": ssl.CERT_REQUIRED}

CONTEXT_PARAMETERS = frozenset({
    "tls-auth-clients", "tls-ca-cert-dir", "tls-ca-cert-file", "tls-cert-file", "tls-ciphers",
    "tls-dh-params-file", "tls-key-file", "tls-key-file-pass", "tls-prefer-server-ciphers",
    "tls-protocols", "tls-ciphersuites", "tls-session-caching", "tls-session-cache-size",
    "tls-session-cache-timeout", "tls-client-cert-file", "tls-client-key-file",
    "tls-client-key-file-pass", "tls-cluster", "tls-replication"})
"""CONFIG SET of these rebuilds the context (applyTlsCfg); new connections use the new one."""

UPDATE_FAILED = "Unable to update TLS configuration. Check server logs."
LISTEN_FAILED = "Unable to listen on this port. Check server logs."


class TlsSetupError(Exception):
    """One of tlsConfigure's logged reasons for refusing a configuration."""


def parse_protocols(text: str) -> list[ssl.TLSVersion]:
    """parseProtocolsConfig: space-separated ``TLSv1`` ... ``TLSv1.3`` (any case); empty is
    Redis's default, TLSv1.2 and TLSv1.3."""
    if not text:
        return [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
    chosen: set[ssl.TLSVersion] = set()
    for token in text.split(" "):
        version = _VERSIONS.get(token.lower())
        if version is None:
            raise TlsSetupError("Invalid tls-protocols specified. Use a combination of "
                                "'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
        chosen.add(version)
    return [version for version in _ORDER if version in chosen]


def needs_context(config: Config) -> bool:
    """Redis configures TLS when the port, replication or the cluster bus asks for it."""
    return bool(int(config["tls-port"]) or config["tls-replication"] or config["tls-cluster"])


def build_context(config: Config, *, check_ca: bool = True) -> ssl.SSLContext:
    """tlsConfigure + createSSLContext: the server context, or ``TlsSetupError`` with the line
    Redis logs (``check_ca=False``: CONFIG SET tls-auth-clients alone, which Redis applies
    per connection without that check). ``tls-ciphersuites`` and the session cache parameters cannot be set through
    Python's ssl: OpenSSL's defaults apply (the cache's are Redis's defaults)."""
    cert = str(config["tls-cert-file"])
    key = str(config["tls-key-file"])
    ca_file = str(config["tls-ca-cert-file"])
    ca_dir = str(config["tls-ca-cert-dir"])
    auth = str(config["tls-auth-clients"])
    if not cert:
        raise TlsSetupError("No tls-cert-file configured!")
    if not key:
        raise TlsSetupError("No tls-key-file configured!")
    if (check_ca and (auth != "no" or config["tls-cluster"] or config["tls-replication"])
            and not ca_file and not ca_dir):
        raise TlsSetupError("Either tls-ca-cert-file or tls-ca-cert-dir must be specified "
                            "when tls-cluster, tls-replication or tls-auth-clients are "
                            "enabled!")
    versions = parse_protocols(str(config["tls-protocols"]))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version, context.maximum_version = versions[0], versions[-1]
    gaps = [v for v in _ORDER if versions[0] < v < versions[-1] and v not in versions]
    if gaps:  # e.g. "TLSv1.1 TLSv1.3": only the deprecated OP_NO_* flags can say it
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for version in gaps:
                context.options |= getattr(ssl, _NO_VERSION[version])
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION | ssl.OP_SINGLE_DH_USE
    try:
        with open(cert, encoding="ascii", errors="replace") as file:
            ssl.PEM_cert_to_DER_cert(file.read())
    except OSError as error:
        raise TlsSetupError(f"Failed to load certificate: {cert}: {error.strerror}") from None
    except ValueError:
        raise TlsSetupError(f"Failed to load certificate: {cert}: no PEM certificate "
                            f"found") from None
    password = str(config["tls-key-file-pass"]) or None
    try:
        context.load_cert_chain(cert, key, password=password)
    except OSError as error:
        reason = getattr(error, "reason", None) or error.strerror or str(error)
        raise TlsSetupError(f"Failed to load private key: {key}: {reason}") from None
    if ca_file or ca_dir:
        try:
            context.load_verify_locations(cafile=ca_file or None, capath=ca_dir or None)
        except OSError as error:
            reason = getattr(error, "reason", None) or error.strerror or str(error)
            raise TlsSetupError(f"Failed to configure CA certificate(s) file/directory: "
                                f"{reason}") from None
    ciphers = str(config["tls-ciphers"])
    if ciphers:
        try:
            context.set_ciphers(ciphers)
        except ssl.SSLError:
            raise TlsSetupError(f"Failed to configure ciphers: {ciphers}") from None
    if config["tls-prefer-server-ciphers"]:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:  # Python's server contexts prefer their own order; OpenSSL's (Redis's) the client's
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    dh_params = str(config["tls-dh-params-file"])
    if dh_params:
        try:
            with open(dh_params, "rb"):
                pass
            context.load_dh_params(dh_params)
        except ssl.SSLError:
            raise TlsSetupError(f"{dh_params}: failed to read DH params.") from None
        except OSError as error:
            raise TlsSetupError(f"Failed to load {dh_params}: {error.strerror}") from None
    context.verify_mode = _VERIFY[auth]  # tlsAcceptHandler's SSL_set_verify
    return context


class TlsSocket:
    """The encrypted side of one accepted socket, with a plain socket's non-blocking
    ``send``/``recv`` (see the module docstring for why and for its invariants)."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext) -> None:
        self.sock = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.ssl = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._raw_out = bytearray()  # records the kernel has not taken yet
        self._owed = False  # ``send`` reported one byte fewer than it encrypted
        self._eof = False

    @property
    def family(self) -> int:
        return self.sock.family

    def fileno(self) -> int:
        return self.sock.fileno()

    def getpeername(self) -> object:
        return self.sock.getpeername()

    def getsockname(self) -> object:
        return self.sock.getsockname()

    def _flush(self) -> bool:
        """Hand the kernel what OpenSSL wrote; whether nothing is left waiting."""
        produced = self._outgoing.read()
        if produced:
            self._raw_out += produced
        while self._raw_out:
            try:
                sent = self.sock.send(self._raw_out)
            except BlockingIOError:
                return False
            del self._raw_out[:sent]
        return True

    def send(self, data: bytes | bytearray | memoryview, /) -> int:
        """Encrypt and send; how many plaintext bytes were taken (``BlockingIOError`` if none).

        Records the kernel refuses wait here and go first at the next call. The caller learns
        it must come back by a short count: when everything was encrypted but not all of it
        sent, one byte fewer is reported, and that byte — the first one the caller offers
        again, since it resends what was not taken — is skipped next time (it is already in
        the waiting records).
        """
        if not self._flush():
            raise BlockingIOError("TLS records are waiting for the socket")
        view = memoryview(data)
        done = 0
        if self._owed and len(view):
            self._owed = False
            done = 1
        total = len(view)
        while done < total:
            chunk = view[done:done + RECORD_BYTES]
            self.ssl.write(chunk)  # a memory BIO takes all of it
            done += len(chunk)
            if not self._flush():
                if done < total:
                    return done
                self._owed = True
                return total - 1
        return total

    def recv(self, bufsize: int, /) -> bytes:
        """Read what the socket has and decrypt every complete record in it; b"" at the end.

        ``BlockingIOError`` when nothing readable came (a partial record, a post-handshake
        message); OpenSSL's errors are ``ssl.SSLError``, an ``OSError``.
        """
        if self._eof:
            return b""
        raw = self.sock.recv(bufsize)
        if not raw:
            self._eof = True
            return b""
        self._incoming.write(raw)
        out = bytearray()
        while True:
            try:
                out += self.ssl.read(bufsize)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:  # close_notify
                self._eof = True
                break
        try:
            self._flush()  # a KeyUpdate's answer; what the kernel refuses goes with the next send
        except OSError:
            pass
        if not out and not self._eof:
            raise BlockingIOError("no complete TLS record yet")
        return bytes(out)

    def close(self) -> None:
        """Send close_notify if the socket takes it (tlsClose's SSL_shutdown), then close."""
        try:
            self.ssl.unwrap()
        except (ssl.SSLError, ValueError):
            pass
        try:
            self._flush()
        except OSError:
            pass
        self.sock.close()

    async def handshake(self) -> None:
        """SSL_accept, asynchronously: never reads past the client's last handshake record.

        Each record is read exactly (its 5-byte header, then its length), so what the client
        sends after its Finished stays in the kernel for the connection loop's readiness wait.
        """
        sock = self.sock
        header = bytearray()  # the next record's header, while it is being read
        body_left = 0  # bytes of the current record's body still to read
        while True:
            try:
                self.ssl.do_handshake()
                finished = True
            except ssl.SSLWantReadError:
                finished = False
            except ssl.SSLError:
                try:
                    self._flush()  # the alert tells the client why
                except OSError:
                    pass
                raise
            while not self._flush():
                await trio.lowlevel.wait_writable(sock)
            if finished:
                return
            await trio.lowlevel.wait_readable(sock)
            try:
                raw = sock.recv(body_left or 5 - len(header))
            except BlockingIOError:
                continue
            if not raw:
                raise ConnectionError("Connection closed by the client during the handshake")
            self._incoming.write(raw)
            if body_left:
                body_left -= len(raw)
            else:
                header += raw
                if len(header) == 5:  # type, version, length: the body follows
                    body_left = int.from_bytes(header[3:5], "big")
                    header.clear()


class TlsService:
    """The ``tls-port`` listener and the current context; CONFIG SET's applier for both."""

    def __init__(self, server: ServerState, adopt: Callable[[trio.SocketStream], socket.socket],
                 run_connection: Callable[[Transport], Awaitable[None]]) -> None:
        self.server = server
        self.context: ssl.SSLContext | None = None
        self.port = 0  # the port listened on (0: none)
        self._adopt = adopt
        self._run_connection = run_connection
        self._services: trio.Nursery | None = None
        self._handlers: trio.Nursery | None = None
        self._scope: trio.CancelScope | None = None

    def configure_at_start(self) -> None:
        """main()'s tlsConfigure: a refused configuration ends the start (exit 1)."""
        if not needs_context(self.server.config):
            return
        try:
            self.context = build_context(self.server.config)
        except TlsSetupError as error:
            log.warning("%s", error)
            raise ConfigError("Failed to configure TLS. Check logs for more info.") from None

    def start(self, services: trio.Nursery, handlers: trio.Nursery) -> None:
        """Listen on ``tls-port`` on every ``bind`` address (initServer's tlsfd)."""
        self._services, self._handlers = services, handlers
        port = int(self.server.config["tls-port"])
        if not port:
            return
        try:
            sockets = self._bind(port)
        except OSError:
            raise ConfigError(f"Failed listening on port {port} (TLS), aborting.") from None
        self._serve(sockets, port)

    def _bind(self, port: int) -> list[socket.socket]:
        """Bound, listening sockets on ``bind``'s addresses; a ``-`` address may fail."""
        bound: list[socket.socket] = []
        for text in self.server.config.bind.split():
            optional = text.startswith("-")
            host = text.lstrip("-")
            try:
                bound.append(_listening_socket(host, port))
            except OSError as error:
                log.warning("Warning: Could not create server TCP listening socket %s:%d: "
                            "%s", host, port, error.strerror)
                if optional or (host.startswith("::") and bound):
                    continue
                for sock in bound:
                    sock.close()
                raise
        return bound

    def _serve(self, sockets: list[socket.socket], port: int) -> None:
        assert self._services is not None
        listeners = [trio.SocketListener(trio.socket.from_stdlib_socket(sock))
                     for sock in sockets]
        self._scope = scope = trio.CancelScope()
        self._services.start_soon(self._accept, listeners, scope)
        self.port = port
        log.info("Ready to accept connections tls on %s port %d", self.server.config.bind,
                 port)

    def _stop(self) -> None:
        if self._scope is not None:
            self._scope.cancel()
        self._scope = None
        self.port = 0

    async def _accept(self, listeners: list[trio.SocketListener],
                      scope: trio.CancelScope) -> None:
        assert self._handlers is not None
        try:
            with scope:
                await trio.serve_listeners(self._handle, listeners,
                                           handler_nursery=self._handlers)
        finally:
            for listener in listeners:
                listener.socket.close()

    async def _handle(self, stream: trio.SocketStream) -> None:
        """acceptTLSHandler + connAccept: the handshake in this client's task, then the loop."""
        sock = self._adopt(stream)
        context = self.context
        if context is None:
            sock.close()
            return
        try:
            tls = TlsSocket(sock, context)
        except ssl.SSLError:
            sock.close()
            return
        limit = int(self.server.config["timeout"])
        try:
            with trio.fail_after(limit if limit > 0 else float("inf")):
                await tls.handshake()
        except (OSError, trio.TooSlowError) as error:
            log.warning("Error accepting a client connection: %s", _describe(error))
            tls.close()
            return
        await self._run_connection(tls)

    def apply(self, names: list[str]) -> tuple[str, str] | None:
        """applyTlsCfg / applyTLSPort, atomically: the new context and listener replace the
        old ones only when both could be made; otherwise (name, Redis's error) and nothing
        changed."""
        config = self.server.config
        changed = [name for name in names if name in CONTEXT_PARAMETERS]
        port_changed = "tls-port" in names
        if not changed and not port_changed:
            return None
        context = self.context
        if needs_context(config) and (changed or context is None):
            try:
                context = build_context(config, check_ca=changed != ["tls-auth-clients"])
            except TlsSetupError as error:
                log.warning("%s", error)
                return (changed or ["tls-port"])[0], UPDATE_FAILED
        port = int(config["tls-port"])
        if port_changed and port != self.port:
            sockets: list[socket.socket] = []
            if port:
                try:
                    sockets = self._bind(port)
                except OSError:
                    return "tls-port", LISTEN_FAILED
            self.context = context
            self._stop()
            if sockets:
                self._serve(sockets, port)
        else:
            self.context = context
        return None


def _listening_socket(host: str, port: int) -> socket.socket:
    """One listening TCP socket, as trio.open_tcp_listeners makes them (SO_REUSEADDR, v6 only
    on IPv6 addresses, Redis's backlog)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM,
                                 flags=socket.AI_PASSIVE)[0][4]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(511)
    except OSError:
        sock.close()
        raise
    return sock


def _describe(error: BaseException) -> str:
    """OpenSSL's reason, as Redis's ERR_error_string shows it, for the accept-error log line."""
    if isinstance(error, trio.TooSlowError):
        return "TLS handshake timed out"
    if isinstance(error, ssl.SSLError):  # "[SSL: CODE] text (_ssl.c:N)": the text
        match = re.search(r"\] (.*?)(?: \(_ssl\.c:\d+\))?$", str(error))
        return match.group(1) if match else str(error.reason or error)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
