"""TLS end to end: redis-cli --tls and redis-py ssl=True against godis, and the refusals
compared with a redis-server started with the same certificates."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from godis.server.embedded import Server
from tests.support.certs import Certs, make_certs
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, free_port, redis_server

REDIS_CLI = shutil.which("redis-cli")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def godis_tls(certs: Certs) -> Iterator[Server]:
    with Server(port=free_port(), tls_port=free_port(), **certs.settings()) as server:
        yield server


def tls_port(server: Server) -> int:
    port: int = server.state.tls.port
    return port


def tls_redis(port: int, certs: Certs) -> redis.Redis:
    return redis.Redis(port=port, ssl=True, ssl_ca_certs=str(certs.ca),
                       ssl_certfile=str(certs.client_cert), ssl_keyfile=str(certs.client_key),
                       decode_responses=True, socket_timeout=10)


def raw_refused(port: int, context: ssl.SSLContext | None) -> bool:
    """Whether a PING gets no PONG: handshake refused, or the connection closed or reset
    (with TLSv1.3 the verdict on the client's certificate comes after its handshake)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as tcp:
            sock = tcp if context is None else context.wrap_socket(
                tcp, server_hostname="localhost")
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(100) != b"+PONG\r\n"
    except OSError:  # ssl.SSLError included
        return True


@pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")
def test_redis_cli_over_tls(godis_tls: Server, certs: Certs) -> None:
    assert REDIS_CLI is not None

    def cli(*args: str) -> str:
        return subprocess.run(
            [REDIS_CLI, "-p", str(tls_port(godis_tls)), "--tls", "--cacert", str(certs.ca),
             "--cert", str(certs.client_cert), "--key", str(certs.client_key), *args],
            capture_output=True, text=True, timeout=30, check=True).stdout

    assert cli("PING") == "PONG\n"
    assert cli("SET", "cli-key", "hello") == "OK\n"
    assert cli("GET", "cli-key") == "hello\n"


def test_redis_py_over_tls(godis_tls: Server, certs: Certs) -> None:
    client = tls_redis(tls_port(godis_tls), certs)
    try:
        assert client.set("py-key", "v" * 100_000)
        assert client.get("py-key") == "v" * 100_000
        pipe = client.pipeline(transaction=True)
        for i in range(100):
            pipe.incr("py-counter", i)
        assert pipe.execute()[-1] == sum(range(100))
        assert str(client.client_info()["laddr"]).endswith(f":{tls_port(godis_tls)}")
    finally:
        client.close()


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
@pytest.mark.parametrize("auth", ["yes", "optional", "no"])
def test_refusals_match_redis(certs: Certs, auth: str) -> None:
    """The same clients are refused and accepted by redis-server and by godis."""
    settings = ["--tls-auth-clients", auth, "--tls-protocols", "TLSv1.3"]
    verdicts: dict[str, list[bool]] = {}
    redis_tls = free_port()
    with redis_server("--tls-port", str(redis_tls), *certs.server_args(), *settings):
        verdicts["redis"] = _verdicts(redis_tls, certs)
    with Server(port=free_port(), tls_port=free_port(), tls_auth_clients=auth,
                tls_protocols="TLSv1.3", **certs.settings()) as server:
        verdicts["godis"] = _verdicts(tls_port(server), certs)
    assert verdicts["godis"] == verdicts["redis"]
    assert verdicts["godis"][0] == (auth == "yes")  # without a certificate
    assert verdicts["godis"][1:] == [False, True, True]


def _verdicts(port: int, certs: Certs) -> list[bool]:
    """Refused? without a certificate, with one, with TLSv1.2 only, in clear text."""
    return [raw_refused(port, certs.client_context(with_cert=False)),
            raw_refused(port, certs.client_context()),
            raw_refused(port, certs.client_context(maximum=ssl.TLSVersion.TLSv1_2)),
            raw_refused(port, None)]


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_config_set_errors_match_redis(certs: Certs) -> None:
    commands = [("tls-cert-file", "/nonexistent"), ("tls-protocols", "TLSv1.4"),
                ("tls-ciphers", "NOPE"), ("tls-dh-params-file", "/nonexistent"),
                ("tls-auth-clients", "maybe"), ("tls-protocols", "tlsv1.2"),
                ("tls-prefer-server-ciphers", "yes"), ("tls-auth-clients", "no"),
                ("tls-ca-cert-file", ""), ("tls-auth-clients", "yes"),
                ("tls-ca-cert-dir", str(certs.directory))]
    replies: dict[str, list[object]] = {}
    redis_tls = free_port()
    with redis_server("--tls-port", str(redis_tls), *certs.server_args()) as port:
        replies["redis"] = _config_replies(redis.Redis(port=port), commands)
    with Server(port=free_port(), tls_port=free_port(), **certs.settings()) as server:
        replies["godis"] = _config_replies(redis.Redis(port=server.port), commands)
    assert replies["godis"] == replies["redis"]


def _config_replies(client: redis.Redis, commands: list[tuple[str, str]]) -> list[object]:
    out: list[object] = []
    for name, value in commands:
        try:
            out.append(client.config_set(name, value))
        except redis.ResponseError as error:
            out.append(str(error))
        out.append(client.config_get(name))
    client.close()
    return out


def test_bad_certificate_exits_1(tmp_path: Path, certs: Certs) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "godis", "serve", "--port", str(free_port()), "--tls-port",
         str(free_port()), "--tls-cert-file", str(tmp_path / "missing.crt"), "--tls-key-file",
         str(certs.server_key), "--tls-ca-cert-file", str(certs.ca), "--dir", str(tmp_path),
         "--appendonly", "no"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"# Failed to load certificate: {tmp_path / 'missing.crt'}: No such file or " \
           f"directory" in done.stdout
    assert "godis: Failed to configure TLS. Check logs for more info." in done.stderr
