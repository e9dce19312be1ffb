"""Scripting placeholders: truthful answers for an empty script cache and function library
(differential), one clear error for anything that would run code."""

from __future__ import annotations

import pytest

from godis.commands.scripting import EMPTY_FUNCTION_DUMP
from tests.support.differential import Differ, GodisDirect


def test_script_management_matches_redis(differ: Differ) -> None:
    differ.check_many(
        ("SCRIPT", "FLUSH"),
        ("SCRIPT", "FLUSH", "ASYNC"),
        ("SCRIPT", "FLUSH", "sync"),
        ("SCRIPT", "FLUSH", "FOO"),
        ("SCRIPT", "FLUSH", "SYNC", "ASYNC"),
        ("SCRIPT", "EXISTS", "a", "b"),
        ("SCRIPT", "EXISTS"),
        ("SCRIPT", "KILL"),
        ("SCRIPT", "HELP"),
        ("SCRIPT", "FOO"),
        ("SCRIPT", "DEBUG", "no"),
        ("SCRIPT", "DEBUG", "foo"),
        ("SCRIPT", "LOAD"),
    )


def test_function_management_matches_redis(differ: Differ) -> None:
    differ.check_many(
        ("FUNCTION", "FLUSH"),
        ("FUNCTION", "FLUSH", "ASYNC"),
        ("FUNCTION", "FLUSH", "FOO"),
        ("FUNCTION", "FLUSH", "SYNC", "ASYNC"),
        ("FUNCTION", "LIST"),
        ("FUNCTION", "LIST", "WITHCODE"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "x", "WITHCODE"),
        ("FUNCTION", "LIST", "FOO"),
        ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
        ("FUNCTION", "LIST", "LIBRARYNAME"),
        ("FUNCTION", "STATS"),
        ("FUNCTION", "DUMP"),
        ("FUNCTION", "DELETE", "x"),
        ("FUNCTION", "KILL"),
        ("FUNCTION", "HELP"),
        ("FUNCTION", "RESTORE", "abc"),
        ("FUNCTION", "RESTORE", "abc", "FOO"),
        ("FUNCTION", "RESTORE", EMPTY_FUNCTION_DUMP),
        ("FUNCTION", "RESTORE", EMPTY_FUNCTION_DUMP, "REPLACE"),
        ("FUNCTION", "RESTORE", EMPTY_FUNCTION_DUMP, "FLUSH", "x"),
        ("FUNCTION", "FOO"),
    )


def test_eval_argument_errors_match_redis(differ: Differ) -> None:
    differ.check_many(
        ("EVAL", "return 1"),
        ("EVAL", "return 1", "abc"),
        ("EVAL", "return 1", "5"),
        ("EVAL", "return 1", "-1"),
        ("EVAL_RO", "return 1", "2", "k"),
        ("FCALL", "f"),
    )


@pytest.mark.parametrize("argv", [
    ("EVAL", "return 1", "0"),
    ("EVAL_RO", "return 1", "1", "k"),
    ("EVALSHA", "a" * 40, "0"),
    ("EVALSHA_RO", "a" * 40, "0"),
    ("FCALL", "f", "0"),
    ("FCALL_RO", "f", "0"),
    ("SCRIPT", "LOAD", "return 1"),
    ("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() end)"),
])
def test_running_code_is_a_clear_error(argv: tuple[str, ...]) -> None:
    godis = GodisDirect()
    name = " ".join(argv[:2]) if argv[0] in ("SCRIPT", "FUNCTION") else argv[0]
    assert godis.call(*argv) == f"-ERR godis does not support scripting yet ({name})\r\n".encode()


def test_eval_keys_are_movable(differ: Differ) -> None:
    differ.check("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c")
    differ.check("COMMAND", "GETKEYS", "FCALL", "f", "1", "a", "b")
