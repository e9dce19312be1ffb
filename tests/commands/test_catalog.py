"""docs/commands.md is generated from the command table and must not go stale."""

from __future__ import annotations

from pathlib import Path

from godis.commands import load_all
from godis.commands.catalog import REDIS_70_COMMANDS, render
from godis.table import all_commands

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def test_commands_doc_is_current() -> None:
    assert DOC.read_text() == render(), (
        "docs/commands.md is stale: run `python -m godis.commands.catalog > docs/commands.md`")


def test_every_command_is_a_redis_70_command() -> None:
    load_all()
    redis = set(REDIS_70_COMMANDS)
    for spec in all_commands():
        assert spec.name in redis, spec.name
        for sub in spec.subcommands.values():
            assert sub.name in redis, sub.name


def test_table_invariants() -> None:
    load_all()
    for spec in all_commands():
        for entry in (spec, *spec.subcommands.values()):
            assert entry.arity != 0, entry.name
            assert not {"write", "readonly"} <= entry.flags, entry.name
            assert entry.summary, entry.name
            if entry.first_key > 0 and entry.arity > 0:
                assert entry.first_key < entry.arity, entry.name
