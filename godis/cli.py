"""The ``godis`` command: ``godis serve`` runs a server (typer; the logic lives elsewhere)."""

from __future__ import annotations

import logging
import os
import shlex
import sys
from typing import Annotated

import trio
import typer

from godis import REDIS_COMPAT_VERSION, __version__
from godis.config import Config
from godis.errors import ConfigError, GodisError
from godis.log import setup_logging
from godis.persistence.check_aof import check_aof
from godis.persistence.check_rdb import check_rdb
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


SERVE_HELP = (
    "Run a godis server until Ctrl-C, SIGTERM or SHUTDOWN.\n\n"
    "The command line is redis-server's: an optional config file first, then any redis.conf "
    "directive as an option followed by its values, applied after the file, e.g. "
    "godis serve /etc/godis.conf --port 7000 --save \"\" --appendonly yes\n\n"
    "Common directives: --port (6969), --bind (127.0.0.1), --dir (.), --appendonly yes|no "
    "(yes; --appendonly / --no-appendonly also work), --appendfsync always|everysec|no, "
    "--databases (16), --requirepass, --loglevel debug|verbose|notice|warning, "
    "--unixsocket PATH, --dbfilename, --save \"SECONDS CHANGES ...\", --maxclients, "
    "--daemonize yes --pidfile FILE --logfile FILE, --tls-port with --tls-cert-file, "
    "--tls-key-file, --tls-ca-cert-file (docs/tls.md); "
    "--config FILE names the file too. Every parameter CONFIG GET * lists is accepted "
    "(docs/configuration.md)."
)


def command_line(args: list[str]) -> tuple[str | None, list[str]]:
    """redis-server's main(): the config file (a first argument not starting with ``--``) and
    one configuration line per ``--directive value ...`` (values quoted, so ``--save ""``
    stays an empty value). godis's older flags still work: ``--appendonly`` alone means yes,
    ``--no-appendonly`` no, ``--config FILE`` names the file."""
    config_file: str | None = None
    if args and not args[0].startswith("--"):
        config_file, args = args[0], args[1:]
    directives: list[list[str]] = []
    for arg in args:
        if arg.startswith("--"):
            directives.append([arg[2:]])
        elif directives:
            directives[-1].append(arg)
        else:
            raise ConfigError(f"Invalid argument: {arg!r} (directives are --name value ...)")
    lines: list[str] = []
    for name, *values in directives:
        lowered = name.lower()
        if lowered == "no-appendonly" and not values:
            name, values = "appendonly", ["no"]
        elif lowered == "appendonly" and not values:
            values = ["yes"]
        elif lowered == "config":
            if len(values) != 1 or config_file is not None:
                raise ConfigError("--config takes one file (or give the file first)")
            config_file = values[0]
            continue
        elif lowered == "test-memory":
            raise ConfigError("godis does not test memory (redis-server --test-memory)")
        elif lowered == "save" and not values:
            values = [""]
        lines.append(" ".join([name, *(shlex.quote(value) for value in values)]))
    return config_file, lines


DEFAULT_PID_FILE = "/var/run/redis.pid"
"""CONFIG_DEFAULT_PID_FILE: the pid file of a daemonized server that names none."""


def daemonize() -> None:
    """server.c's daemonize(), before Trio starts (its threads and wake-up fd must be the
    child's): fork, the parent exits 0 at once, the child leads a new session (setsid) with
    stdin, stdout and stderr on /dev/null — so with an empty ``logfile`` the log goes there,
    as Redis's does."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() != 0:
        os._exit(0)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    if null > 2:
        os.close(null)


@app.command(help=SERVE_HELP, context_settings={"allow_extra_args": True,
                                                "ignore_unknown_options": True})
def serve(ctx: typer.Context) -> None:
    """Run a godis server until Ctrl-C, SIGTERM or SHUTDOWN."""
    settings = Config()
    try:
        config_file, lines = command_line(list(ctx.args))
        if config_file is not None:
            settings.load_file(config_file, lines)
        else:
            settings.load_lines(lines)
        if settings["daemonize"]:
            if not str(settings["pidfile"]):  # createPidFile's default when daemonized
                settings.set_text("pidfile", DEFAULT_PID_FILE, at_start=True)
            daemonize()
        setup_logging(str(settings["loglevel"]), str(settings["logfile"]))
        trio.run(lambda: run_server(settings, handle_signals=True))
    except GodisError as error:
        if settings["daemonize"]:  # stderr is /dev/null: the log file is the only witness
            logging.getLogger("godis").warning("%s", error)
        typer.echo(f"godis: {error}", err=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        typer.echo("godis: interrupted again, exiting at once", err=True)
        sys.exit(1)


CHECK_AOF_USAGE = ("Usage: godis check-aof [--fix|--truncate-to-timestamp $timestamp] "
                   "<file.manifest|file.aof>")


@app.command("check-aof", context_settings={"allow_extra_args": True,
                                            "ignore_unknown_options": True})
def check_aof_command(ctx: typer.Context) -> None:
    """Check an AOF as redis-check-aof does; --fix truncates a damaged tail (asks first),
    --truncate-to-timestamp cuts at a #TS: annotation."""
    args = list(ctx.args)
    fix, to_timestamp = False, 0
    if len(args) == 1:
        path = args[0]
    elif len(args) == 2 and args[0] == "--fix":
        fix, path = True, args[1]
    elif len(args) == 3 and args[0] == "--truncate-to-timestamp":
        try:
            to_timestamp = int(args[1])
        except ValueError:
            typer.echo("Invalid timestamp, aborting...")
            raise typer.Exit(code=1) from None
        path = args[2]
    else:
        typer.echo(CHECK_AOF_USAGE)
        raise typer.Exit(code=1)
    raise typer.Exit(code=check_aof(path, fix=fix, to_timestamp=to_timestamp))


@app.command("check-rdb")
def check_rdb_command(path: Annotated[str, typer.Argument(help="The RDB file.")]) -> None:
    """Check an RDB file as redis-check-rdb does: its aux fields, databases and checksum."""
    raise typer.Exit(code=check_rdb(path))


def main() -> None:
    """Entry point of the ``godis`` console script."""
    app()
