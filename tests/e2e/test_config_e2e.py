"""CONFIG GET/SET of Redis 7.0's whole parameter set through redis-py."""

from __future__ import annotations

import pytest
import redis


def test_every_redis_parameter_through_redis_py(r: redis.Redis) -> None:
    names = r.config_get("*")
    assert len(names) == 192  # redis-server 7.0.15's CONFIG GET * (aliases included)
    assert names["replicaof"] == names["slaveof"] == ""
    assert r.config_set("slave-priority", 5)
    assert r.config_get("replica-priority") == {"replica-priority": "5"}
    assert r.config_set("maxmemory-clients", "10%")
    assert r.config_get("maxmemory-clients") == {"maxmemory-clients": "10%"}
    with pytest.raises(redis.ResponseError, match="argument must be 'yes' or 'no'"):
        r.config_set("lazyfree-lazy-expire", "1")
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        r.config_set("io-threads", 4)
    assert r.config_get("watchdog-period") == {"watchdog-period": "0"}  # hidden: exact only
    assert "watchdog-period" not in r.config_get("watchdog*")
