"""Python libraries that run on Redis, end to end against godis: the ones that stopped at the
first Lua script before godis had scripting."""

from __future__ import annotations

import pytest
from limits import parse, storage, strategies

from tests.support.server_thread import ServerThread


@pytest.mark.parametrize("strategy", [strategies.MovingWindowRateLimiter,
                                      strategies.FixedWindowRateLimiter,
                                      strategies.SlidingWindowCounterRateLimiter])
def test_limits_rate_limiters(godis_server: ServerThread,
                              strategy: type[strategies.RateLimiter]) -> None:
    """limits' Redis storage: moving-window acquisition and the sliding-window counter are Lua
    scripts (EVALSHA after SCRIPT LOAD), the fixed window an INCR + EXPIRE."""
    backend = storage.storage_from_string(f"redis://127.0.0.1:{godis_server.port}")
    limiter = strategy(backend)
    item = parse("3/minute")
    assert [limiter.hit(item, "user", "login") for _ in range(5)] == [True] * 3 + [False] * 2
    assert limiter.get_window_stats(item, "user", "login").remaining == 0
    assert limiter.hit(item, "other-user", "login")
    limiter.clear(item, "user", "login")
    assert limiter.test(item, "user", "login")
    assert limiter.hit(item, "user", "login")
