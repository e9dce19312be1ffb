"""The ``godis`` command: ``godis serve`` runs a server (typer; the logic lives elsewhere)."""

from __future__ import annotations

import sys
from typing import Annotated

import trio
import typer

from godis import REDIS_COMPAT_VERSION, __version__
from godis.config import Config
from godis.errors import GodisError
from godis.log import setup_logging
from godis.server.serve import serve as run_server

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="godis: a Redis-compatible server in Python on Trio.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"godis {__version__} (Redis {REDIS_COMPAT_VERSION} compatible)")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """godis: a Redis-compatible server in Python on Trio."""


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="TCP port to listen on [default: 6969].")] = None,
    bind: Annotated[str | None, typer.Option(
        help="Addresses to listen on, space separated [default: 127.0.0.1].")] = None,
    dir: Annotated[str | None, typer.Option(
        "--dir", help="Working directory: where appendonly.aof lives [default: .].")] = None,
    appendonly: Annotated[bool | None, typer.Option(
        "--appendonly/--no-appendonly", help="Log writes to the AOF [default: on].")] = None,
    appendfsync: Annotated[str | None, typer.Option(
        help="fsync policy: always, everysec or no [default: everysec].")] = None,
    databases: Annotated[int | None, typer.Option(help="Number of databases [default: 16].")] = None,
    requirepass: Annotated[str | None, typer.Option(help="Password clients must AUTH with.")] = None,
    loglevel: Annotated[str | None, typer.Option(
        help="debug, verbose, notice or warning [default: notice].")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", help="A redis.conf-style file; command-line options override it.")] = None,
) -> None:
    """Run a godis server until Ctrl-C, SIGTERM or SHUTDOWN."""
    settings = Config()
    try:
        if config:
            settings.load_file(config)
        overrides = {"port": port, "bind": bind, "dir": dir, "appendfsync": appendfsync,
                     "databases": databases, "requirepass": requirepass, "loglevel": loglevel}
        for name, value in overrides.items():
            if value is not None:
                settings.set_text(name, str(value), at_start=True)
        if appendonly is not None:
            settings.set_text("appendonly", "yes" if appendonly else "no", at_start=True)
        setup_logging(str(settings["loglevel"]), str(settings["logfile"]))
        trio.run(lambda: run_server(settings, handle_signals=True))
    except GodisError as error:
        typer.echo(f"godis: {error}", err=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        typer.echo("godis: interrupted again, exiting at once", err=True)
        sys.exit(1)


def main() -> None:
    """Entry point of the ``godis`` console script."""
    app()
