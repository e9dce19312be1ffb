"""``godis check-aof`` against Debian's redis-check-aof: the same report, exit status and
truncation for the same files (valid, truncated, garbage, MULTI without EXEC, bad lengths)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from godis.persistence.check_aof import check_aof

REDIS_CHECK_AOF = shutil.which("redis-check-aof")

GOOD = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
CASES = {
    "valid": GOOD,
    "truncated": GOOD + b"*3\r\n$3\r\nSET\r\n$1\r\nb",
    "garbage": b"garbage\r\n",
    "multi-without-exec": b"*1\r\n$5\r\nMULTI\r\n*1\r\n$4\r\nPING\r\n",
    "nested-multi": b"*1\r\n$5\r\nMULTI\r\n*1\r\n$5\r\nMULTI\r\n",
    "bad-length": b"*2\r\n$6\r\nSELECT\r\n$x\r\n",
    "missing-crlf": b"*1\r\n$4\r\nPINGxy",
    "transaction": GOOD + b"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n",
    "cut-transaction": GOOD + b"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
    "annotation": b"#TS:1700000000\r\n" + GOOD,
    "empty": b"",
    "high-byte": b"*1\r\n$4\r\nPING\xff\xfe",
}


def _run(argv: list[str], cwd: Path, stdin: str = "") -> tuple[str, int]:
    done = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True)
    return done.stdout + done.stderr, done.returncode


@pytest.mark.skipif(REDIS_CHECK_AOF is None, reason="redis-check-aof is not installed "
                    "(apt-get install redis-tools)")
@pytest.mark.parametrize("name", list(CASES))
def test_report_matches_redis_check_aof(tmp_path: Path, name: str) -> None:
    assert REDIS_CHECK_AOF is not None
    (tmp_path / "the.aof").write_bytes(CASES[name])
    theirs = _run([REDIS_CHECK_AOF, "the.aof"], tmp_path)
    mine = _run([sys.executable, "-m", "godis", "check-aof", "the.aof"], tmp_path)
    assert mine == theirs


@pytest.mark.skipif(REDIS_CHECK_AOF is None, reason="redis-check-aof is not installed "
                    "(apt-get install redis-tools)")
@pytest.mark.parametrize("answer", ["y\n", "n\n", ""])
def test_fix_matches_redis_check_aof(tmp_path: Path, answer: str) -> None:
    assert REDIS_CHECK_AOF is not None
    results = []
    for program in ([REDIS_CHECK_AOF], [sys.executable, "-m", "godis", "check-aof"]):
        (tmp_path / "fixme.aof").write_bytes(CASES["truncated"])
        output, status = _run([*program, "--fix", "fixme.aof"], tmp_path, answer)
        results.append((output, status, (tmp_path / "fixme.aof").read_bytes()))
    assert results[0] == results[1]


def test_in_process_check_and_usage(tmp_path: Path) -> None:
    path = tmp_path / "x.aof"
    path.write_bytes(CASES["truncated"])
    lines: list[str] = []
    assert check_aof(str(path), say=lines.append) == 1
    assert lines[-1].endswith("is not valid. Use the --fix option to try fixing it.")
    assert check_aof(str(path), fix=True, say=lines.append, ask=lambda prompt: "y") == 0
    assert path.read_bytes() == GOOD
    assert check_aof(str(path), say=lines.append) == 0
    output, status = _run([sys.executable, "-m", "godis", "check-aof"], tmp_path)
    assert status == 1
    assert output.startswith("Usage: godis check-aof")
