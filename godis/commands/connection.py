"""Connection commands: PING, ECHO, SELECT, QUIT, HELLO, CLIENT ... (Redis's networking.c)."""

from __future__ import annotations

from godis import REDIS_COMPAT_VERSION
from godis.client import Client
from godis.commands.admin import forget_monitor
from godis.commands.pubsub import unsubscribe_all
from godis.errors import SYNTAX, CommandError
from godis.multi import discard_transaction
from godis.protocol.writer import OK, PONG, Map, Reply, Status
from godis.table import command
from godis.util import parse_int

# -- authentication ---------------------------------------------------------------------------


def authenticate(client: Client, user: bytes, password: bytes) -> None:
    """Check a user/password pair against the ACL users (``requirepass`` is the ``default``
    user's password); on success the client becomes that user."""
    if not client.server.acl.authenticate(client, user, password):
        raise CommandError("WRONGPASS invalid username-password pair or user is disabled.")


@command("auth", arity=-2, flags="noscript loading stale fast no_auth allow_busy",
         group="connection", since="1.0.0", summary="Authenticate to the server",
         complexity="O(N) where N is the number of passwords defined for the user")
def auth_command(client: Client, argv: list[bytes]) -> Reply:
    """AUTH [username] password (Redis keeps it in acl.c; HELLO's AUTH shares it)."""
    if len(argv) > 3:
        raise CommandError(SYNTAX)
    if len(argv) == 2:
        if client.server.acl.users["default"].nopass:
            raise CommandError("ERR AUTH <password> called without any password configured "
                               "for the default user. Are you sure your configuration is "
                               "correct?")
        authenticate(client, b"default", argv[1])
    else:
        authenticate(client, argv[1], argv[2])
    return OK


@command("ping", arity=-1, flags="fast", group="connection", since="1.0.0",
         summary="Ping the server", complexity="O(1)")
def ping_command(client: Client, argv: list[bytes]) -> Reply:
    """PING [message]. In RESP2's subscribed context it answers ``["pong", message]``."""
    if len(argv) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    if client.resp == 2 and client.subscribed:
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    if len(argv) == 2:
        return argv[1]
    return PONG


@command("echo", arity=2, flags="fast", group="connection", since="1.0.0",
         summary="Echo the given string", complexity="O(1)")
def echo_command(client: Client, argv: list[bytes]) -> Reply:
    """ECHO message."""
    return argv[1]


@command("select", arity=2, flags="loading stale fast", group="connection", since="1.0.0",
         summary="Change the selected database for the current connection", complexity="O(1)")
def select_command(client: Client, argv: list[bytes]) -> Reply:
    """SELECT index."""
    index = parse_int(argv[1], "ERR value is not an integer or out of range")
    if not 0 <= index < len(client.keyspace.databases):
        raise CommandError("ERR DB index is out of range")
    client.select(index)
    return OK


@command("quit", arity=-1, flags="allow_busy no_auth fast loading stale noscript",
         group="connection", since="1.0.0", summary="Close the connection", complexity="O(1)")
def quit_command(client: Client, argv: list[bytes]) -> Reply:
    """QUIT: reply OK, then the connection closes once the reply is written."""
    client.close_after_reply = True
    return OK


def hello_reply(client: Client) -> Map:
    """HELLO's description of the server (server.c helloCommand)."""
    return Map([
        (b"server", b"redis"),
        (b"version", REDIS_COMPAT_VERSION.encode()),
        (b"proto", client.resp),
        (b"id", client.id),
        (b"mode", b"standalone"),
        (b"role", b"master"),
        (b"modules", []),
    ])


@command("hello", arity=-1, flags="noscript loading stale fast no_auth allow_busy",
         group="connection", since="6.0.0",
         summary="Handshake with Redis", complexity="O(1)")
def hello_command(client: Client, argv: list[bytes]) -> Reply:
    """HELLO [protover [AUTH username password] [SETNAME clientname]]."""
    version = client.resp
    index = 1
    if len(argv) >= 2:
        try:
            version = int(argv[1])
        except ValueError:
            raise CommandError("ERR Protocol version is not an integer or out of range") from None
        index = 2
        if version < 2 or version > 3:
            raise CommandError("NOPROTO unsupported protocol version")
    name: bytes | None = None
    auth: tuple[bytes, bytes] | None = None
    while index < len(argv):
        option = argv[index].lower()
        more = len(argv) - index - 1
        if option == b"auth" and more >= 2:
            auth = (argv[index + 1], argv[index + 2])
            index += 3
        elif option == b"setname" and more >= 1:
            name = argv[index + 1]
            index += 2
        else:
            raise CommandError(f"ERR Syntax error in HELLO option '{argv[index].decode('utf-8', 'replace')}'")
    if auth is not None:

        authenticate(client, auth[0], auth[1])
    if not client.authenticated:
        raise CommandError("NOAUTH HELLO must be called with the client already authenticated, "
                           "otherwise the HELLO <proto> AUTH <user> <pass> option can be used "
                           "to authenticate the client and select the RESP protocol version at "
                           "the same time")
    if name is not None:
        validate_client_name(name)
        client.name = name
    client.resp = version
    return hello_reply(client)


def validate_client_name(name: bytes) -> None:
    """Client names are printable ASCII without spaces (CLIENT SETNAME's rule)."""
    if any(c < 33 or c > 126 for c in name):
        raise CommandError("ERR Client names cannot contain spaces, newlines or special characters.")


__all__ = ["hello_reply", "validate_client_name"]


# -- RESET ------------------------------------------------------------------------------------

_OPTIONAL_FLAGS = ("no_evict", "tracking", "readonly_mode", "asking")


@command("reset", arity=1, flags="noscript loading stale fast no_auth allow_busy",
         group="connection", since="6.2.0", summary="Reset the connection", complexity="O(1)")
def reset_command(client: Client, argv: list[bytes]) -> Reply:
    """RESET: ``clearClientConnectionState`` -- the connection as if it had just connected."""
    forget_monitor(client)
    for flag in _OPTIONAL_FLAGS:  # state other modules may add (CLIENT NO-EVICT, TRACKING...)
        if getattr(client, flag, False):
            setattr(client, flag, False)
    client.select(0)
    client.resp = 2
    client.user = "default"
    client.authenticated = not client.server.auth_required()
    discard_transaction(client)
    unsubscribe_all(client)
    client.name = b""
    client.reply_mode = "on"
    return Status("RESET")
