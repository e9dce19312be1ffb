"""TLS in-process: the context built from the tls-* parameters, the tls-port listener, the
transport under the connection loop, CONFIG SET's re-application, refusals."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import trio

from godis.config import Config
from godis.errors import ConfigError
from godis.server.serve import serve
from godis.server.tls import (
    RECORD_BYTES,
    TlsSetupError,
    TlsSocket,
    build_context,
    parse_protocols,
)
from godis.state import ServerState
from tests.support.certs import Certs, make_certs
from tests.support.redis_server import free_port
from tests.support.resp import AsyncResp, encode_command


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))



async def tls_client(port: int, context: ssl.SSLContext) -> AsyncResp:
    tcp = await trio.open_tcp_stream("127.0.0.1", port)
    stream = trio.SSLStream(tcp, context, server_hostname="localhost")
    await stream.do_handshake()
    return AsyncResp(stream)


async def refused(port: int, context: ssl.SSLContext) -> bool:
    """Whether the server refuses this client: its handshake or its first command fails
    (with TLSv1.3 the server's verdict on the client certificate comes after the client's
    handshake is done)."""
    try:
        client = await tls_client(port, context)
        await client.call("PING")
    except (trio.BrokenResourceError, ssl.SSLError, AssertionError, OSError):
        return True
    return False


async def closed(stream: trio.SocketStream) -> bool:
    """Whether the server closed (or reset) this connection without sending anything."""
    try:
        return await stream.receive_some(100) == b""
    except trio.BrokenResourceError:
        return True


def tls_config(tmp_path: Path, certs: Certs, **settings: object) -> Config:
    values: dict[str, object] = {"port": free_port(), "dir": str(tmp_path), "appendonly": False,
                                 "tls_port": free_port(), **certs.settings()}
    values.update(settings)
    return Config(**values)


@pytest.fixture
async def server(tmp_path: Path, certs: Certs) -> AsyncIterator[ServerState]:
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, tls_config(tmp_path, certs))
        yield state
        state.request_shutdown()


# -- the context ----------------------------------------------------------------------------

def test_protocols_parse_as_redis() -> None:
    assert parse_protocols("") == [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
    assert parse_protocols("tlsv1.3 TLSv1.2") == [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
    for bad in ("TLSv1.4", "TLSv1.2  TLSv1.3", "SSLv3"):
        with pytest.raises(TlsSetupError, match="Invalid tls-protocols specified"):
            parse_protocols(bad)


def test_context_refusals_log_redis_reasons(tmp_path: Path, certs: Certs) -> None:
    def reason(**settings: object) -> str:
        with pytest.raises(TlsSetupError) as caught:
            build_context(tls_config(tmp_path, certs, **settings))
        return str(caught.value)

    assert reason(tls_cert_file="") == "No tls-cert-file configured!"
    assert reason(tls_key_file="") == "No tls-key-file configured!"
    assert reason(tls_ca_cert_file="").startswith("Either tls-ca-cert-file or tls-ca-cert-dir")
    assert reason(tls_cert_file="/nonexistent") == ("Failed to load certificate: /nonexistent: "
                                                    "No such file or directory")
    assert reason(tls_key_file=str(certs.ca)).startswith("Failed to load private key: ")
    assert reason(tls_ciphers="NOPE") == "Failed to configure ciphers: NOPE"
    assert reason(tls_dh_params_file="/nonexistent") == ("Failed to load /nonexistent: No such "
                                                         "file or directory")
    assert reason(tls_dh_params_file=str(certs.ca)).endswith("failed to read DH params.")


def test_context_follows_parameters(tmp_path: Path, certs: Certs) -> None:
    context = build_context(tls_config(tmp_path, certs))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    for auth, mode in (("no", ssl.CERT_NONE), ("optional", ssl.CERT_OPTIONAL)):
        assert build_context(tls_config(tmp_path, certs, tls_ca_cert_file="" if auth == "no"
                                        else str(certs.ca),
                                        tls_auth_clients=auth)).verify_mode == mode
    pinned = build_context(tls_config(tmp_path, certs, tls_protocols="TLSv1.3"))
    assert pinned.minimum_version == pinned.maximum_version == ssl.TLSVersion.TLSv1_3
    preferred = build_context(tls_config(tmp_path, certs, tls_prefer_server_ciphers=True))
    assert preferred.options & ssl.OP_CIPHER_SERVER_PREFERENCE
    assert not context.options & ssl.OP_CIPHER_SERVER_PREFERENCE


def test_encrypted_key_needs_its_password(tmp_path: Path) -> None:
    locked = make_certs(tmp_path, key_password=b"s3cret")
    with pytest.raises(TlsSetupError, match="Failed to load private key"):
        build_context(tls_config(tmp_path, locked))
    build_context(tls_config(tmp_path, locked, tls_key_file_pass="s3cret"))


# -- the listener ---------------------------------------------------------------------------

async def test_commands_over_tls(server: ServerState, certs: Certs) -> None:
    tls_port = server.tls.port
    client = await tls_client(tls_port, certs.client_context())
    assert await client.call("PING") == b"+PONG\r\n"
    assert await client.call("SET", "k", "v") == b"+OK\r\n"
    assert await client.call("GET", "k") == b"$1\r\nv\r\n"
    big = b"x" * 3_000_000  # many records each way: partial sends, the held-back byte
    assert await client.call("SET", "big", big) == b"+OK\r\n"
    for _ in range(3):
        assert await client.call("GET", "big") == b"$3000000\r\n" + big + b"\r\n"
    pipelined = b"".join(encode_command("INCR", "n") for _ in range(500))
    await client.stream.send_all(pipelined)
    replies = [await client.read() for _ in range(500)]
    assert replies[-1] == b":500\r\n"
    plain = await trio.open_tcp_stream("127.0.0.1", server.port)  # the plain port still serves
    await plain.send_all(encode_command("GET", "k"))
    assert await plain.receive_some(100) == b"$1\r\nv\r\n"


async def test_pushes_reach_a_tls_subscriber(server: ServerState, certs: Certs) -> None:
    subscriber = await tls_client(server.tls.port, certs.client_context())
    assert (await subscriber.call("SUBSCRIBE", "ch")).startswith(b"*3\r\n$9\r\nsubscribe")
    publisher = await tls_client(server.tls.port, certs.client_context())
    payload = b"p" * 200_000
    for _ in range(3):
        assert await publisher.call("PUBLISH", "ch", payload) == b":1\r\n"
    for _ in range(3):
        assert await subscriber.read() == (b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$200000\r\n"
                                           + payload + b"\r\n")


async def test_client_certificates_by_auth_mode(tmp_path: Path, certs: Certs) -> None:
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, tls_config(tmp_path, certs))
        port = state.tls.port
        assert await refused(port, certs.client_context(with_cert=False))  # yes: required
        assert not await refused(port, certs.client_context())
        control = await tls_client(port, certs.client_context())
        assert await control.call("CONFIG", "SET", "tls-auth-clients", "optional") == b"+OK\r\n"
        assert not await refused(port, certs.client_context(with_cert=False))
        assert not await refused(port, certs.client_context())
        assert await control.call("CONFIG", "SET", "tls-auth-clients", "no") == b"+OK\r\n"
        assert not await refused(port, certs.client_context(with_cert=False))
        assert await control.call("PING") == b"+PONG\r\n"  # the old connection kept its context
        state.request_shutdown()


async def test_protocol_versions_restricted(tmp_path: Path, certs: Certs) -> None:
    config = tls_config(tmp_path, certs, tls_protocols="TLSv1.3")
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, config)
        port = state.tls.port
        assert await refused(port, certs.client_context(maximum=ssl.TLSVersion.TLSv1_2))
        client = await tls_client(port, certs.client_context())
        assert isinstance(client.stream, trio.SSLStream)
        assert client.stream.version() == "TLSv1.3"
        assert await client.call("CONFIG", "SET", "tls-protocols", "TLSv1.2") == b"+OK\r\n"
        old = await tls_client(port, certs.client_context(maximum=ssl.TLSVersion.TLSv1_2))
        assert isinstance(old.stream, trio.SSLStream)
        assert old.stream.version() == "TLSv1.2"
        state.request_shutdown()


async def test_plain_and_silent_clients_cost_only_themselves(
        tmp_path: Path, certs: Certs, caplog: pytest.LogCaptureFixture) -> None:
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, tls_config(tmp_path, certs))
        port = state.tls.port
        silent = await trio.open_tcp_stream("127.0.0.1", port)  # never says hello
        half = await trio.open_tcp_stream("127.0.0.1", port)
        await half.send_all(b"\x16\x03\x01\x02\x00\x01")  # a ClientHello that stops short
        plain = await trio.open_tcp_stream("127.0.0.1", port)
        await plain.send_all(encode_command("PING"))
        with trio.fail_after(5):
            assert await closed(plain)  # no reply in clear text (reset, as by Redis)
        client = await tls_client(port, certs.client_context())
        assert await client.call("PING") == b"+PONG\r\n"
        assert "Error accepting a client connection: wrong version number" in caplog.text
        await silent.aclose()
        await half.aclose()
        state.request_shutdown()


async def test_handshake_bounded_by_timeout(tmp_path: Path, certs: Certs,
                                            autojump_clock: trio.abc.Clock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, tls_config(tmp_path, certs, timeout=30))
        silent = await trio.open_tcp_stream("127.0.0.1", state.tls.port)
        await trio.sleep(29)
        assert "handshake timed out" not in caplog.text
        await trio.sleep(2)
        assert "Error accepting a client connection: TLS handshake timed out" in caplog.text
        with trio.fail_after(1):
            assert await closed(silent)
        state.request_shutdown()


async def test_config_set_tls_port_opens_moves_and_closes(tmp_path: Path, certs: Certs) -> None:
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, tls_config(tmp_path, certs, port=0,
                                                                   tls_port=0))
        assert state.tls.port == 0
        plain = await trio.open_tcp_stream("127.0.0.1", state.port)
        control = AsyncResp(plain)
        first, second = free_port(), free_port()
        assert await control.call("CONFIG", "SET", "tls-port", first) == b"+OK\r\n"
        client = await tls_client(first, certs.client_context())
        assert await client.call("PING") == b"+PONG\r\n"
        assert await control.call("CONFIG", "SET", "tls-port", second) == b"+OK\r\n"
        await trio.sleep(0.05)
        with pytest.raises(OSError):
            await trio.open_tcp_stream("127.0.0.1", first)
        assert await client.call("PING") == b"+PONG\r\n"  # connected clients stay
        assert await (await tls_client(second, certs.client_context())).call("PING") == \
            b"+PONG\r\n"
        busy = trio.socket.socket()
        await busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        assert await control.call("CONFIG", "SET", "tls-port", taken) == (
            b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to "
            b"listen on this port. Check server logs.\r\n")
        assert await control.call("CONFIG", "GET", "tls-port") == (
            b"*2\r\n$8\r\ntls-port\r\n$%d\r\n%d\r\n" % (len(str(second)), second))
        busy.close()
        assert await control.call("CONFIG", "SET", "tls-port", 0) == b"+OK\r\n"
        await trio.sleep(0.05)
        with pytest.raises(OSError):
            await trio.open_tcp_stream("127.0.0.1", second)
        state.request_shutdown()


async def test_config_set_bad_tls_change_is_undone(server: ServerState, certs: Certs) -> None:
    client = await tls_client(server.tls.port, certs.client_context())
    context = server.tls.context
    for name, value in (("tls-cert-file", "/nonexistent"), ("tls-protocols", "TLSv9"),
                        ("tls-ciphers", "NOPE")):
        assert await client.call("CONFIG", "SET", name, value) == (
            b"-ERR CONFIG SET failed (possibly related to argument '%s') - Unable to update TLS "
            b"configuration. Check server logs.\r\n" % name.encode())
    assert server.tls.context is context
    assert await client.call("CONFIG", "GET", "tls-cert-file") == (
        b"*2\r\n$13\r\ntls-cert-file\r\n$%d\r\n%s\r\n"
        % (len(str(certs.server_cert)), str(certs.server_cert).encode()))
    assert await client.call("CONFIG", "SET", "tls-ciphers", "HIGH") == b"+OK\r\n"
    assert server.tls.context is not context  # new connections use the new context
    assert await (await tls_client(server.tls.port, certs.client_context())).call("PING") == \
        b"+PONG\r\n"


async def test_tls_only_with_port_zero(tmp_path: Path, certs: Certs) -> None:
    config = tls_config(tmp_path, certs)
    config.set_text("port", "0", at_start=True)
    async with trio.open_nursery() as nursery:
        state: ServerState = await nursery.start(serve, config)
        assert state.port == 0  # no clear-text listener, as Redis's port 0
        client = await tls_client(state.tls.port, certs.client_context())
        assert await client.call("PING") == b"+PONG\r\n"
        state.request_shutdown()


async def test_bad_certificate_fails_the_start(tmp_path: Path, certs: Certs,
                                               caplog: pytest.LogCaptureFixture) -> None:
    config = tls_config(tmp_path, certs, tls_cert_file="/nonexistent")
    with pytest.raises(ConfigError, match=r"Failed to configure TLS\. Check logs for more info\."):
        await serve(config)
    assert "Failed to load certificate: /nonexistent: No such file or directory" in caplog.text


async def test_transport_send_holds_back_a_byte_until_the_kernel_takes_the_records(
        tmp_path: Path, certs: Certs) -> None:
    """TlsSocket.send under a full socket: the short count makes the caller come back, and
    the byte reported as not taken is not sent twice."""
    server_sock, client_sock = socket.socketpair()
    server_sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server_sock.setblocking(False)
    context = build_context(tls_config(tmp_path, certs, tls_auth_clients="no"))
    transport = TlsSocket(server_sock, context)
    client = trio.SSLStream(trio.SocketStream(trio.socket.from_stdlib_socket(client_sock)),
                            certs.client_context(with_cert=False), server_hostname="localhost")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(transport.handshake)
        await client.do_handshake()
    messages = [bytes([65 + i % 26]) * RECORD_BYTES for i in range(64)]
    expected = b"".join(messages)
    received = bytearray()

    async def read_all() -> None:
        while len(received) < len(expected):
            await trio.sleep(0.001)  # a slow reader: the kernel's buffers fill up
            received.extend(await client.receive_some(8192))

    with trio.fail_after(60):  # records left waiting would stall the reader
        owed = await _send_all_like_connection(transport, server_sock, messages, read_all)
    assert bytes(received) == expected
    assert any(owed)  # the held-back-byte path ran
    await client.aclose()
    transport.close()


async def _send_all_like_connection(transport: TlsSocket, sock: socket.socket,
                                    messages: list[bytes],
                                    read_all: Callable[[], Awaitable[None]]) -> list[bool]:
    """Connection's way: offer again what was not taken, once the socket is writable; after
    each send, whether a byte was held back."""
    owed: list[bool] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_all)
        for message in messages:
            pending = bytearray(message)
            while pending:
                try:
                    taken = transport.send(pending)
                except BlockingIOError:
                    taken = 0
                owed.append(transport._owed)
                del pending[:taken]
                if pending:
                    await trio.lowlevel.wait_writable(sock)
    return owed
