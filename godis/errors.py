"""Exceptions that carry Redis's exact error text.

``CommandError`` becomes an error reply and the connection lives on; ``ProtocolError`` is sent
and then the connection is closed (the peer broke the framing and cannot be resynchronised).
"""

from __future__ import annotations


class GodisError(Exception):
    """Base class of every error godis raises on purpose."""


class CommandError(GodisError):
    """A command failed; ``message`` is the reply text without the leading ``-``.

    The message starts with the error code, as Redis's do: ``ERR ...``, ``WRONGTYPE ...``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProtocolError(GodisError):
    """The client broke RESP framing; reply ``-ERR Protocol error: <reason>`` and close."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return f"ERR Protocol error: {self.reason}"


class ConfigError(GodisError):
    """A configuration file or option is invalid; the server refuses to start."""


class AofError(GodisError):
    """The append-only file cannot be loaded; names the file and the offset."""


# The texts Redis uses most, spelled once.
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
NO_SUCH_KEY = "ERR no such key"
OVERFLOW = "ERR increment or decrement would overflow"


class WrongTypeError(CommandError):
    """The key holds a value of another type."""

    def __init__(self) -> None:
        super().__init__(WRONGTYPE)


class OutboundError(GodisError):
    """A connection godis opened to another server failed (MIGRATE): ``stage`` is
    "connecting", "writing" or "reading", ``timeout`` whether it timed out."""

    def __init__(self, stage: str, timeout: bool) -> None:
        super().__init__(stage)
        self.stage = stage
        self.timeout = timeout
