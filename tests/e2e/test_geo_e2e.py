"""redis-py's geo API end to end, in RESP3 (``r``) and RESP2 (``r2``), on a real godis."""

from __future__ import annotations

import pytest
import redis

PLACES = (13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")


@pytest.fixture(params=["resp3", "resp2"])
def client(request: pytest.FixtureRequest, r: redis.Redis, r2: redis.Redis) -> redis.Redis:
    return r if request.param == "resp3" else r2


def test_geo_api(client: redis.Redis) -> None:
    assert client.geoadd("Sicily", PLACES) == 2
    assert client.geoadd("Sicily", PLACES, nx=True) == 0
    assert client.geoadd("Sicily", (13.5, 38.1, "Palermo"), xx=True, ch=True) == 1
    assert client.geoadd("Sicily", (13.361389, 38.115556, "Palermo"), ch=True) == 1
    assert client.geodist("Sicily", "Palermo", "Catania") == 166274.1516
    assert client.geodist("Sicily", "Palermo", "Catania", unit="km") == 166.2742
    assert client.geodist("Sicily", "Palermo", "nobody") is None
    assert client.geohash("Sicily", "Palermo", "Catania", "nobody") == [
        "sqc8b49rny0", "sqdtr74hyu0", None]
    positions = client.geopos("Sicily", "Palermo", "nobody")
    assert positions[1] is None
    assert positions[0] == pytest.approx((13.361389338970184, 38.1155563954963))
    assert client.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km",
                            sort="ASC") == ["Catania", "Palermo"]
    near = client.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km",
                            withdist=True, withcoord=True, withhash=True, sort="DESC")
    assert [item[0] for item in near] == ["Catania", "Palermo"]
    assert near[0][1] == 166.2742
    assert near[1][2] == 3479099956230698
    assert near[0][3] == pytest.approx((15.087267458438873, 37.50266842333162))
    assert client.geosearch("Sicily", member="Palermo", radius=500, unit="km", count=1,
                            any=True) in (["Palermo"], ["Catania"])
    assert client.georadius("Sicily", 15, 37, 200, unit="km", withdist=True) == [
        ["Palermo", 190.4424], ["Catania", 56.4413]]
    assert client.georadiusbymember("Sicily", "Palermo", 100, unit="km") == ["Palermo"]


def test_geo_stores(client: redis.Redis) -> None:
    client.geoadd("Sicily", PLACES)
    assert client.geosearchstore("near", "Sicily", longitude=15, latitude=37, radius=200,
                                 unit="km", storedist=True) == 2
    assert client.zrange("near", 0, -1, withscores=True) == [
        ("Catania", pytest.approx(56.4413, abs=1e-4)),
        ("Palermo", pytest.approx(190.4424, abs=1e-4))]
    assert client.georadius("Sicily", 15, 37, 200, unit="km", store="copy") == 2
    assert client.zscore("copy", "Palermo") == 3479099956230698
    assert client.georadius("Sicily", 15, 37, 1, unit="m", store="copy") == 0
    assert client.exists("copy") == 0


def test_geo_errors(client: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="invalid longitude,latitude pair"):
        client.geoadd("k", (200, 100, "m"))
    client.geoadd("k", (1, 2, "m"))
    with pytest.raises(redis.ResponseError, match="radius cannot be negative"):
        client.execute_command("GEOSEARCH", "k", "FROMMEMBER", "m", "BYRADIUS", -1, "km")  # type: ignore[no-untyped-call]
    with pytest.raises(redis.ResponseError, match="COUNT must be > 0"):
        client.execute_command("GEORADIUS", "k", 1, 2, 1, "km", "COUNT", 0)  # type: ignore[no-untyped-call]
    with pytest.raises(redis.ResponseError, match="unsupported unit"):
        client.execute_command("GEODIST", "k", "m", "m", "parsec")  # type: ignore[no-untyped-call]
    assert client.ping()
