"""Redis-like log lines: ``pid:M 24 Nov 2026 02:46:06.123 * message``."""

from __future__ import annotations

import logging
import os
import sys
import time

# Redis's level marks: debug '.', verbose '-', notice '*', warning '#'.
_MARKS = {logging.DEBUG: ".", logging.INFO: "*", logging.WARNING: "#", logging.ERROR: "#",
          logging.CRITICAL: "#"}
LEVELS = {"debug": logging.DEBUG, "verbose": logging.DEBUG, "notice": logging.INFO,
          "warning": logging.WARNING, "nothing": logging.CRITICAL + 10}


class RedisFormatter(logging.Formatter):
    """Formats records the way redis-server writes its log."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(record.created))
        millis = int(record.msecs)
        text = f"{os.getpid()}:M {stamp}.{millis:03d} {_MARKS.get(record.levelno, '*')} "
        text += record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(level: str = "notice", logfile: str = "") -> None:
    """Send godis's logs to stdout (or ``logfile``) at redis.conf's ``loglevel``."""
    handler: logging.Handler = (logging.FileHandler(logfile) if logfile
                                else logging.StreamHandler(sys.stdout))
    handler.setFormatter(RedisFormatter())
    root = logging.getLogger("godis")
    root.handlers[:] = [handler]
    root.setLevel(LEVELS.get(level, logging.INFO))
    root.propagate = False
