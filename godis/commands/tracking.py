"""CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO: the commands of client-side caching.

Redis keeps them in networking.c's ``clientCommand``; the registry they drive is
``godis.tracking`` (tracking.c). Option parsing, validation order and error texts follow
``clientCommand``'s ``tracking`` branch.
"""

from __future__ import annotations

from godis.client import Client
from godis.errors import SYNTAX, CommandError
from godis.protocol.writer import OK, ErrorReply, Map, Reply, SetReply
from godis.table import command
from godis.tracking import (
    OPT_WITH_BCAST,
    OPTIN_AND_OPTOUT,
    PREFIX_REQUIRES_BCAST,
    SWITCH_BCAST,
    SWITCH_OPT,
    prefix_collision,
)
from godis.util import parse_int

_FLAGS = "noscript loading stale"


@command("client|tracking", arity=-3, flags=_FLAGS, group="connection", since="6.0.0",
         summary="Enable or disable server assisted client side caching support",
         complexity="O(1). Some options may introduce additional complexity.")
def client_tracking_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP].

    Every option is parsed (and REDIRECT's client looked up) before ON/OFF is read, as Redis.
    """
    redirect = 0
    bcast = optin = optout = noloop = False
    prefixes: list[bytes] = []
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        more = index < len(argv) - 1
        if option == b"redirect" and more:
            index += 1
            if redirect != 0:
                raise CommandError("ERR A client can only redirect to a single other client")
            redirect = parse_int(argv[index])
            if redirect not in client.server.clients:
                raise CommandError("ERR The client ID you want redirect to does not exist")
        elif option == b"bcast":
            bcast = True
        elif option == b"optin":
            optin = True
        elif option == b"optout":
            optout = True
        elif option == b"noloop":
            noloop = True
        elif option == b"prefix" and more:
            index += 1
            prefixes.append(argv[index])
        else:
            raise CommandError(SYNTAX)
        index += 1
    mode = argv[2].lower()
    tracking = client.server.tracking
    if mode == b"off":
        tracking.disable(client)
        return OK
    if mode != b"on":
        raise CommandError(SYNTAX)
    if prefixes and not bcast:
        raise CommandError(PREFIX_REQUIRES_BCAST)
    state = client.tracking
    if state is not None and state.bcast != bcast:
        raise CommandError(SWITCH_BCAST)
    if bcast and (optin or optout):
        raise CommandError(OPT_WITH_BCAST)
    if optin and optout:
        raise CommandError(OPTIN_AND_OPTOUT)
    if state is not None and ((optin and state.optout) or (optout and state.optin)):
        raise CommandError(SWITCH_OPT)
    if bcast:
        collision = prefix_collision(state.prefixes if state is not None else {}, prefixes)
        if collision is not None:
            message, fatal = collision
            if fatal:
                raise CommandError(message)
            # Redis 7.0 replies the error *and* goes on to enable tracking and reply +OK
            client.server.error_counts[message.split(" ", 1)[0]] += 1
            client.push(ErrorReply(message))
    tracking.enable(client, redirect, bcast=bcast, optin=optin, optout=optout, noloop=noloop,
                    prefixes=prefixes)
    return OK


@command("client|caching", arity=3, flags=_FLAGS, group="connection", since="6.0.0",
         summary="Instruct the server about tracking or not keys in the next request",
         complexity="O(1)")
def client_caching_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT CACHING YES|NO: track (OPTIN) or not (OPTOUT) the next command's keys."""
    state = client.tracking
    if state is None:
        raise CommandError("ERR CLIENT CACHING can be called only when the client is in "
                           "tracking mode with OPTIN or OPTOUT mode enabled")
    option = argv[2].lower()
    if option == b"yes":
        if not state.optin:
            raise CommandError("ERR CLIENT CACHING YES is only valid when tracking is enabled "
                               "in OPTIN mode.")
    elif option == b"no":
        if not state.optout:
            raise CommandError("ERR CLIENT CACHING NO is only valid when tracking is enabled "
                               "in OPTOUT mode.")
    else:
        raise CommandError(SYNTAX)
    state.caching = True
    return OK


@command("client|getredir", arity=2, flags=_FLAGS, group="connection", since="6.0.0",
         summary="Get tracking notifications redirection client ID if any", complexity="O(1)")
def client_getredir_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT GETREDIR: the redirect id, 0 when tracking without one, -1 when not tracking."""
    return client.tracking.redirect if client.tracking is not None else -1


@command("client|trackinginfo", arity=2, flags=_FLAGS, group="connection", since="6.2.0",
         summary="Return information about server assisted client side caching for the "
         "current connection", complexity="O(1)")
def client_trackinginfo_command(client: Client, argv: list[bytes]) -> Reply:
    """CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes."""
    state = client.tracking
    if state is None:
        return Map([(b"flags", SetReply([b"off"])), (b"redirect", -1), (b"prefixes", [])])
    return Map([(b"flags", SetReply(state.flags())), (b"redirect", state.redirect),
                (b"prefixes", sorted(state.prefixes))])
