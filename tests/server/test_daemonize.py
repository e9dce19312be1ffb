"""``daemonize yes``: ``godis serve`` detaches as redis-server does (fork before Trio, setsid,
stdio on /dev/null), writes its pid file, and removes it at a clean exit."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from godis import cli
from godis.config import Config
from tests.support.redis_server import free_port, wait_for_port


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_daemonize_detaches_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    pidfile, logfile = tmp_path / "godis.pid", tmp_path / "godis.log"
    done = subprocess.run(
        [sys.executable, "-m", "godis", "serve", "--port", str(port), "--dir", str(tmp_path),
         "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(pidfile),
         "--logfile", str(logfile)], capture_output=True, text=True, timeout=60)
    pid = 0
    try:
        assert done.returncode == 0
        assert done.stdout == done.stderr == ""  # the parent said nothing and left
        wait_for_port(port, timeout=30)
        assert _wait(lambda: pidfile.exists() and pidfile.read_text().endswith("\n"))
        pid = int(pidfile.read_text())
        assert pid != os.getpid()
        assert _alive(pid)
        assert os.getsid(pid) == pid  # a session leader: no controlling terminal
        client = redis.Redis(port=port)
        assert client.ping()
        assert client.config_get("daemonize") == {"daemonize": "yes"}
        with contextlib.suppress(redis.ConnectionError):
            client.shutdown(nosave=True)
        assert _wait(lambda: not pidfile.exists())
        assert _wait(lambda: not _alive(pid))
        log = logfile.read_text()
        assert f"{pid}:M " in log
        assert "Removing the pid file." in log
        assert "daemonize" not in log  # no "ignored" warning any more
    finally:
        if pid and _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_daemonized_server_defaults_its_pid_file(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """createPidFile: daemonized without a ``pidfile``, Redis writes /var/run/redis.pid; the
    fork happens before Trio runs."""
    events: list[str] = []
    seen: list[Config] = []

    async def fake_serve(config: Config, *, handle_signals: bool = False) -> None:
        events.append("trio")
        seen.append(config)

    monkeypatch.setattr(cli, "daemonize", lambda: events.append("fork"))
    monkeypatch.setattr(cli, "run_server", fake_serve)
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["serve", "--daemonize", "yes", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert events == ["fork", "trio"]
    assert seen[0]["pidfile"] == "/var/run/redis.pid"
    events.clear()
    result = runner.invoke(cli.app, ["serve", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert events == ["trio"]  # no fork, no pid file unless asked
    assert seen[1]["pidfile"] == ""
