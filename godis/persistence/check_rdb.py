"""``godis check-rdb``: Redis's redis-check-rdb report for an RDB file (godis's or Redis's),
through the same parser the server loads with (``godis.persistence.rdb.parse_rdb``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from godis.persistence.rdb import RDBError, RDBFile, parse_rdb


def check_rdb(path: str, say: Callable[[str], None] = print) -> int:
    """redis_check_rdb_main: the exit status (0 when the file is sane)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        say(f"[offset 0] Checking RDB file {path}")
        say(f"--- RDB ERROR DETECTED ---\n[offset 0] Can't open the RDB file {path} for "
            f"reading: {error.strerror}")
        return 1
    return 0 if check_rdb_data(path, data, say) is not None else 1


def check_rdb_data(name: str, data: bytes, say: Callable[[str], None] = print) -> RDBFile | None:
    """The report for the RDB at the start of ``data`` (a file, or an AOF's base or preamble
    as redis-check-aof has redis_check_rdb_main read it); the parsed file, None when it is
    not sane (its ``end`` is where an AOF tail starts)."""
    say(f"[offset 0] Checking RDB file {name}")
    events: list[tuple[int, str]] = []
    try:
        parsed = parse_rdb(data, databases=1 << 30,
                           trace=lambda offset, text: events.append((offset, text)))
    except RDBError as error:
        for offset, text in events:
            say(f"[offset {offset}] {text}")
        say("--- RDB ERROR DETECTED ---")
        say(f"[offset {events[-1][0] if events else 0}] {error}")
        say("[info] 0 keys read")
        return None
    for offset, text in events:
        say(f"[offset {offset}] {text}")
    now = int(time.time() * 1000)
    expires = [key for key in parsed.keys if key.expire_ms is not None]
    expired = [key for key in expires if key.expire_ms is not None and key.expire_ms < now]
    say(f"[offset {parsed.end}] \\o/ RDB looks OK! \\o/")
    say(f"[info] {len(parsed.keys)} keys read")
    say(f"[info] {len(expires)} expires")
    say(f"[info] {len(expired)} already expired")
    return parsed
