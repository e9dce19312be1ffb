"""MODULE (Redis's module.c): godis loads no modules.

MODULE LIST is an empty list and MODULE HELP Redis's text. Loading or unloading answers what
Redis 7.0 answers by default (``enable-module-command no``): godis cannot load native Redis
modules at all, so there is no setting under which it would.
"""

from __future__ import annotations

from godis.client import Client
from godis.commands.server import help_lines
from godis.errors import CommandError
from godis.protocol.writer import Reply
from godis.table import command, container

_NOT_ALLOWED = ("ERR MODULE command not allowed. If the enable-module-command option is set to "
                "\"local\", you can run it from a local connection, otherwise you need to set "
                "this option in the configuration file, and then restart the server.")
_ADMIN = "admin noscript no_async_loading"

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


def _refused(client: Client, argv: list[bytes]) -> Reply:
    raise CommandError(_NOT_ALLOWED)


command("module|load", arity=-3, flags=_ADMIN, group="server", since="4.0.0",
        summary="Load a module", complexity="O(1)")(_refused)
command("module|loadex", arity=-3, flags=_ADMIN, group="server", since="7.0.0",
        summary="Load a module with extended parameters", complexity="O(1)")(_refused)
command("module|unload", arity=3, flags=_ADMIN, group="server", since="4.0.0",
        summary="Unload a module", complexity="O(1)")(_refused)
