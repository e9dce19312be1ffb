"""Developer tasks: ``nox`` runs tests, lint, typecheck and docs; ``nox -s bench`` benchmarks.

Sessions use the interpreter nox runs under and plain virtualenvs (uv need not be installed),
reused between runs. Arguments after ``--`` go to the underlying tool, e.g.
``nox -s tests -- -x -k strings`` or ``nox -s bench -- --tests set,get --repeat 5``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.default_venv_backend = "virtualenv"
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).resolve().parent
LINT_PATHS = ["godis", "tests", "noxfile.py", "benchmarks"]


def extras_requiring(package: str) -> list[str]:
    """Extras of this project that pull in ``package`` (e.g. a hiredis-backed parser)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    return sorted(
        name
        for name, requirements in extras.items()
        if any(req.lower().startswith(package) for req in requirements)
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The pytest suite (differential tests need Debian's redis-server, else they skip)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff's lint rules from pyproject.toml over the package, tests, benchmarks and this file."""
    session.install("ruff")
    session.run("ruff", "check", *(session.posargs or LINT_PATHS))


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and its tests, then on the benchmarks and this noxfile."""
    session.install("-e", ".[test]", "mypy", "nox")
    session.run("mypy", "--strict", "godis")
    session.run("mypy", "--strict", "tests")
    session.run("mypy", "--strict", "--ignore-missing-imports", "benchmarks", "noxfile.py")


# The documentation site's tools, pinned so the site builds the same everywhere (ruff formats the
# API pages' signatures); mkdocs.yml says what is built.
DOCS_REQUIREMENTS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings==1.0.8",
    "mkdocstrings-python==2.0.11",
    "mkdocs-autorefs==1.4.5",
    "griffelib==2.4.1",
    "pymdown-extensions==13.1.2",
    "Markdown==3.11.3",
    "ruff==0.17.6",
]


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site (mkdocs.yml) built into site/ in strict mode: a broken link or
    anchor, a missing page or a page left out of the nav fails. ``nox -s docs -- serve`` previews
    it. The API pages are read from the source (griffe), so godis itself is not installed."""
    session.install(*DOCS_REQUIREMENTS)
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", "--clean", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """godis vs redis-server under redis-benchmark; needs redis-server and redis-benchmark.

    ``nox -s bench -- --memory [--scale S]`` runs ``benchmarks/memory.py`` instead: RSS and
    ``used_memory`` per key of small strings, hashes, sets and sorted sets (needs redis-cli).
    ``nox -s bench -- --scaling [ARGS]`` runs ``benchmarks/scaling.py`` instead: the cost per
    element as values grow, next to redis-server (ARGS go to it).
    """
    extras = extras_requiring("hiredis")
    session.install("-e", f".[{','.join(extras)}]" if extras else ".")
    if "--memory" in session.posargs:
        args = [arg for arg in session.posargs if arg != "--memory"]
        session.run("python", "benchmarks/memory.py", *args)
        return
    if session.posargs[:1] == ["--scaling"]:
        session.run("python", "benchmarks/scaling.py", *session.posargs[1:])
        return
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session(name="io-experiment")
def io_experiment(session: nox.Session) -> None:
    """The Trio I/O-layer experiment (SocketStream vs raw sockets vs asyncio/uvloop)."""
    session.install("trio", "hiredis", "uvloop")
    session.run("python", "benchmarks/io_experiment.py", *session.posargs)
