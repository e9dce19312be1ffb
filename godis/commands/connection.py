"""Connection commands: AUTH, PING, ECHO, SELECT, QUIT, HELLO, RESET, CLIENT ... (Redis's
networking.c; AUTH from acl.c)."""

from __future__ import annotations

from godis import REDIS_COMPAT_VERSION
from godis.client import Client
from godis.commands.admin import forget_monitor
from godis.commands.pubsub import unsubscribe_all
from godis.commands.server import help_lines
from godis.errors import SYNTAX, CommandError
from godis.multi import discard_transaction
from godis.protocol.writer import OK, PONG, Map, Raw, Reply, Status, Verbatim
from godis.table import command, container
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


@command("echo", arity=2, flags="loading stale fast", group="connection", since="1.0.0",
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
                           "otherwise the HELLO AUTH <user> <pass> option can be used "
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

_OPTIONAL_FLAGS = ("no_evict", "readonly_mode", "asking")


@command("reset", arity=1, flags="noscript loading stale fast no_auth allow_busy",
         group="connection", since="6.2.0", summary="Reset the connection", complexity="O(1)")
def reset_command(client: Client, argv: list[bytes]) -> Reply:
    """RESET: ``clearClientConnectionState`` -- the connection as if it had just connected."""
    forget_monitor(client)
    client.server.tracking.disable(client)
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


# -- CLIENT -----------------------------------------------------------------------------------

container("client", group="connection", summary="A container for client connection commands",
          since="2.4.0")


@command("client|id", arity=2, flags="noscript loading stale", group="connection",
         since="5.0.0", summary="Returns the client ID for the current connection",
         complexity="O(1)")
def client_id_command(client: Client, argv: list[bytes]) -> Reply:
    return client.id


@command("client|setname", arity=3, flags="noscript loading stale", group="connection",
         since="2.6.9", summary="Set the current connection name", complexity="O(1)")
def client_setname_command(client: Client, argv: list[bytes]) -> Reply:
    validate_client_name(argv[2])
    client.name = argv[2]
    return OK


@command("client|getname", arity=2, flags="noscript loading stale", group="connection",
         since="2.6.9", summary="Get the current connection name", complexity="O(1)")
def client_getname_command(client: Client, argv: list[bytes]) -> Reply:
    return client.name or None


@command("client|list", arity=-2, flags="admin noscript loading stale", group="connection",
         since="2.4.0", summary="Get the list of client connections",
         complexity="O(N) where N is the number of client connections")
def client_list_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT LIST [TYPE normal|pubsub|...] [ID id ...]."""
    clients = list(client.server.clients.values())
    if len(argv) > 2:
        option = argv[2].lower()
        if option == b"id" and len(argv) > 3:
            ids = {parse_int(arg, "ERR Invalid client ID") for arg in argv[3:]}
            clients = [c for c in clients if c.id in ids]
        elif option == b"type" and len(argv) == 4:
            kind = argv[3].lower()
            if kind not in (b"normal", b"pubsub", b"master", b"replica", b"slave"):
                raise CommandError(f"ERR Unknown client type '{argv[3].decode()}'")
            is_pubsub = kind == b"pubsub"
            clients = [c for c in clients if kind in (b"normal", b"pubsub")
                       and c.subscribed == is_pubsub]
        else:
            raise CommandError(SYNTAX)
    text = "".join(c.info_line() + "\n" for c in clients).encode()
    return Verbatim(text) if client.resp == 3 else text


@command("client|info", arity=2, flags="noscript loading stale", group="connection",
         since="6.2.0", summary="Returns information about the current client connection.",
         complexity="O(1)")
def client_info_command(client: Client, argv: list[bytes]) -> Reply:
    text = (client.info_line() + "\n").encode()
    return Verbatim(text) if client.resp == 3 else text


@command("client|kill", arity=-3, flags="admin noscript loading stale", group="connection",
         since="2.4.0", summary="Kill the connection of a client",
         complexity="O(N) where N is the number of client connections")
def client_kill_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT KILL addr | CLIENT KILL [ID id] [ADDR addr] [LADDR addr] [USER name] [SKIPME y/n]."""
    clients = list(client.server.clients.values())
    if len(argv) == 3:
        address = argv[2].decode("utf-8", "replace")
        for other in clients:
            if other.address == address:
                other.kill()
                return OK
        raise CommandError("ERR No such client")
    if len(argv) % 2:
        raise CommandError(SYNTAX)
    skip_me = True
    wanted: dict[bytes, object] = {}  # filter -> the value a client must have
    for i in range(2, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"id":
            wanted[option] = parse_int(value, "ERR client-id should be greater than 0")
        elif option in (b"addr", b"laddr", b"user"):
            wanted[option] = value.decode("utf-8", "replace")
        elif option == b"type":
            wanted[option] = value.lower()
        elif option == b"skipme":
            if value.lower() not in (b"yes", b"no"):
                raise CommandError(SYNTAX)
            skip_me = value.lower() == b"yes"
        else:
            raise CommandError(SYNTAX)

    def matches(other: Client) -> bool:
        actual = {b"id": other.id, b"addr": other.address, b"laddr": other.laddr,
                  b"user": other.user, b"type": b"pubsub" if other.subscribed else b"normal"}
        return all(actual[option] == value for option, value in wanted.items())

    killed = 0
    for other in clients:
        if skip_me and other is client:
            continue
        if matches(other):
            other.kill()
            killed += 1
    return killed


@command("client|reply", arity=3, flags="noscript loading stale", group="connection",
         since="3.2.0", summary="Instruct the server whether to reply to commands",
         complexity="O(1)")
def client_reply_command(client: Client, argv: list[bytes]) -> Reply:
    mode = argv[2].lower()
    if mode == b"on":
        client.reply_mode = "on"
        return OK
    if mode in (b"off", b"skip"):
        client.reply_mode = "off" if mode == b"off" else "skip_next"
        return Raw(b"")
    raise CommandError(SYNTAX)


@command("client|unblock", arity=-3, flags="admin noscript loading stale", group="connection",
         since="5.0.0", summary="Unblock a client blocked in a blocking command from a "
         "different connection", complexity="O(log N) where N is the number of client "
         "connections")
def client_unblock_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 if that client was blocked, else 0."""
    client_id = parse_int(argv[2])
    error = False
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode not in (b"timeout", b"error"):
            raise CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        error = mode == b"error"
    elif len(argv) > 4:
        raise CommandError(SYNTAX)
    target = client.server.clients.get(client_id)
    if target is None:
        return 0
    return int(client.server.blocked.unblock(target, error))


@command("client|pause", arity=-3, flags="admin noscript loading stale", group="connection",
         since="2.9.50", summary="Stop processing commands from clients for some time",
         complexity="O(1)")
def client_pause_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT PAUSE timeout [WRITE|ALL]: connections wait before running (write) commands."""
    timeout_ms = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout_ms < 0:
        raise CommandError("ERR timeout is negative")
    mode = "all"
    if len(argv) == 4:
        word = argv[3].lower()
        if word not in (b"write", b"all"):
            raise CommandError(SYNTAX)
        mode = word.decode()
    elif len(argv) > 4:
        raise CommandError(SYNTAX)
    client.server.pause(timeout_ms / 1000, mode)
    return OK


@command("client|unpause", arity=2, flags="admin noscript loading stale", group="connection",
         since="6.2.0", summary="Resume processing of clients that were paused",
         complexity="O(N) Where N is the number of paused clients")
def client_unpause_command(client: Client, argv: list[bytes]) -> Reply:
    client.server.unpause()
    return OK


@command("client|no-evict", arity=3, flags="admin noscript loading stale", group="connection",
         since="7.0.0", summary="Set client eviction mode for the current connection",
         complexity="O(1)")
def client_no_evict_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT NO-EVICT on|off: godis never evicts clients, so the mode is only recorded."""
    mode = argv[2].lower()
    if mode not in (b"on", b"off"):
        raise CommandError(SYNTAX)
    client.no_evict = mode == b"on"
    return OK


@command("client|help", arity=2, flags="loading stale", group="connection", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def client_help_command(client: Client, argv: list[bytes]) -> Reply:
    return help_lines("CLIENT", [  # networking.c clientCommand's help, as is
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
    ])
