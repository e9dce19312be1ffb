"""MODULE (Redis's module.c): godis loads no modules.

MODULE LIST is an empty list and MODULE HELP Redis's text. LOAD, LOADEX and UNLOAD are
protected commands (``enable-module-command``, checked by dispatch as processCommand does):
refused by default with Redis's text; allowed, they answer what Redis answers when no module
loads or none has that name, since godis cannot load native Redis modules at all.
"""

from __future__ import annotations

import logging

from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.protocol.writer import Reply
from godis.table import command, container

log = logging.getLogger("godis.server")

_ADMIN = "admin noscript no_async_loading"
_PROTECTED = "enable-module-command"

container("module", group="server", since="4.0.0", summary="A container for module commands")

_HELP = help_lines("MODULE", [
    "LIST",
    "    Return a list of loaded modules.",
    "LOAD <path> [<arg> ...]",
    "    Load a module library from <path>, passing to it any optional arguments.",
    "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    "    Load a module library from <path>, while passing it module configurations and "
    "optional arguments.",
    "UNLOAD <name>",
    "    Unload a module.",
])


@command("module|help", arity=2, flags="loading stale", group="server", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def module_help_command(client: Client, argv: list[bytes]) -> Reply:
    return _HELP


@command("module|list", arity=2, flags="admin noscript", group="server", since="4.0.0",
         summary="List all modules loaded by the server",
         complexity="O(N) where N is the number of loaded modules.")
def module_list_command(client: Client, argv: list[bytes]) -> Reply:
    """MODULE LIST: none loaded."""
    return []


def _load(client: Client, argv: list[bytes]) -> Reply:
    """MODULE LOAD / LOADEX: moduleCommand's reply when moduleLoad fails, the reason logged
    as Redis logs it ("Module ... failed to load")."""
    log.warning("Module %s failed to load: godis loads no native Redis modules",
                argv[2].decode("utf-8", "replace"))
    raise CommandError("ERR Error loading the extension. Please check the server logs.")


def _unload(client: Client, argv: list[bytes]) -> Reply:
    """MODULE UNLOAD: no module is loaded, so none has that name (moduleUnload's ENOENT)."""
    raise CommandError("ERR Error unloading module: no such module with that name")


command("module|load", arity=-3, flags=_ADMIN, group="server", since="4.0.0",
        summary="Load a module", complexity="O(1)", protected=_PROTECTED)(_load)
command("module|loadex", arity=-3, flags=_ADMIN, group="server", since="7.0.0",
        summary="Load a module with extended parameters", complexity="O(1)",
        protected=_PROTECTED)(_load)
command("module|unload", arity=3, flags=_ADMIN, group="server", since="4.0.0",
        summary="Unload a module", complexity="O(1)", protected=_PROTECTED)(_unload)
