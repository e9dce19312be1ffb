"""Issue 10 defect 1 through redis-py: nested-star globs answer (and the server stays up)."""

from __future__ import annotations

import redis


def test_nested_stars_do_not_hang_the_server(r: redis.Redis) -> None:
    key = "a" * 100
    r.set(key, "v")
    r.set(key + "b", "v")
    pattern = "a*" * 32 + "b"
    assert r.keys(pattern) == [key + "b"]
    assert sorted(r.scan_iter(match=pattern)) == [key + "b"]
    assert sorted(r.keys("a*" * 32)) == [key, key + "b"]
    assert r.ping()
