"""Pub/Sub end to end: redis-py's PubSub in both protocols, raw sockets for ordering, slow
subscribers cut off by ``client-output-buffer-limit pubsub``, clean-up on disconnect."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import redis

from godis.commands.notify import configure
from tests.support import redispy
from tests.support.resp import RespConnection, encode_command, reply_end
from tests.support.server_thread import ServerThread, running_server


def next_message(pubsub: redis.client.PubSub, timeout: float = 2.0) -> dict[str, Any]:
    """The next message (subscription confirmations included), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            assert isinstance(message, dict), message
            return message
    raise AssertionError("no message")


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


# -- redis-py -----------------------------------------------------------------------------------


def test_subscribe_publish_unsubscribe(client: redis.Redis) -> None:
    pubsub = redispy.pubsub(client)
    pubsub.subscribe("news", "sport")
    assert next_message(pubsub) == {"type": "subscribe", "pattern": None, "channel": "news",
                                    "data": 1}
    assert next_message(pubsub)["data"] == 2
    assert client.publish("news", "hello") == 1
    assert client.publish("nobody", "x") == 0
    assert next_message(pubsub) == {"type": "message", "pattern": None, "channel": "news",
                                    "data": "hello"}
    assert client.pubsub_numsub("news", "sport", "nobody") == [("news", 1), ("sport", 1),
                                                               ("nobody", 0)]
    assert sorted(client.pubsub_channels()) == ["news", "sport"]
    redispy.unsubscribe(pubsub, "news")
    assert next_message(pubsub) == {"type": "unsubscribe", "pattern": None, "channel": "news",
                                    "data": 1}
    assert client.publish("news", "gone") == 0
    pubsub.close()
    wait_for(lambda: client.pubsub_channels() == [])


def test_psubscribe_and_pattern_messages(client: redis.Redis) -> None:
    pubsub = redispy.pubsub(client)
    pubsub.psubscribe("news.*")
    assert next_message(pubsub)["type"] == "psubscribe"
    pubsub.subscribe("news.tech")
    assert next_message(pubsub)["data"] == 2
    assert client.publish("news.tech", "both") == 2
    received = [next_message(pubsub), next_message(pubsub)]
    assert received == [
        {"type": "message", "pattern": None, "channel": "news.tech", "data": "both"},
        {"type": "pmessage", "pattern": "news.*", "channel": "news.tech", "data": "both"},
    ]
    assert client.pubsub_numpat() == 1
    redispy.punsubscribe(pubsub)
    assert next_message(pubsub) == {"type": "punsubscribe", "pattern": None,
                                    "channel": "news.*", "data": 1}
    pubsub.close()


def test_handlers_and_run_in_thread(client: redis.Redis) -> None:
    received: list[str] = []
    pubsub = redispy.pubsub(client, ignore_subscribe_messages=True)
    pubsub.subscribe(jobs=lambda message: received.append(message["data"]))
    thread = pubsub.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_for(lambda: client.pubsub_numsub("jobs") == [("jobs", 1)])
        for index in range(50):
            client.publish("jobs", str(index))
        wait_for(lambda: len(received) == 50)
        assert received == [str(index) for index in range(50)]
    finally:
        thread.stop()
        thread.join(5)
        pubsub.close()


def test_shard_channels(client: redis.Redis) -> None:
    pubsub = redispy.pubsub(client)
    pubsub.ssubscribe("orders")
    assert next_message(pubsub) == {"type": "ssubscribe", "pattern": None, "channel": "orders",
                                    "data": 1}
    assert client.spublish("orders", "o1") == 1
    assert client.publish("orders", "not for shard subscribers") == 0
    assert next_message(pubsub) == {"type": "smessage", "pattern": None, "channel": "orders",
                                    "data": "o1"}
    assert redispy.execute_command(client, "PUBSUB", "SHARDNUMSUB", "orders") == ["orders", 1]
    pubsub.close()


def test_keyspace_notifications(client: redis.Redis, fresh_server: ServerThread) -> None:
    client.config_set("notify-keyspace-events", "KEA")
    assert fresh_server.state is not None
    fresh_server.call(configure, fresh_server.state)  # until CONFIG SET does (see report)
    pubsub = redispy.pubsub(client, ignore_subscribe_messages=True)
    pubsub.psubscribe("__keyspace@0__:*")
    pubsub.subscribe("__keyevent@0__:expired")
    wait_for(lambda: client.pubsub_numpat() == 1)
    client.set("user", "ada")
    client.hset("profile", "lang", "python")
    client.set("token", "t", px=1)
    events: list[tuple[str, str]] = []
    deadline = time.monotonic() + 5
    while len(events) < 6 and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            events.append((message["channel"], message["data"]))
    assert events == [
        ("__keyspace@0__:user", "set"),
        ("__keyspace@0__:profile", "hset"),
        ("__keyspace@0__:token", "set"),
        ("__keyspace@0__:token", "expire"),
        ("__keyspace@0__:token", "expired"),  # by the active expiry cycle
        ("__keyevent@0__:expired", "token"),
    ]
    client.config_set("notify-keyspace-events", "")
    pubsub.close()


# -- raw sockets --------------------------------------------------------------------------------


def read_replies(connection: RespConnection, count: int) -> list[bytes]:
    return [connection.read_reply() for _ in range(count)]


def test_resp2_subscribed_context_over_the_socket(fresh_server: ServerThread,
                                                  redis_port: int) -> None:
    script = [("SUBSCRIBE", "a", "b"), ("GET", "k"), ("PING",), ("PING", "x"),
              ("PSUBSCRIBE", "p*"), ("QUIT",)]
    outputs = []
    for port in (fresh_server.port, redis_port):
        connection = RespConnection("127.0.0.1", port)
        connection.send_raw(b"".join(encode_command(*command) for command in script))
        outputs.append(connection.read_until_close())
        connection.close()
    assert outputs[0] == outputs[1]


def test_pipelined_batch_keeps_confirmations_in_order(fresh_server: ServerThread) -> None:
    connection = RespConnection("127.0.0.1", fresh_server.port)
    connection.send_raw(encode_command("SUBSCRIBE", "a", "b") + encode_command("PING") +
                        encode_command("UNSUBSCRIBE") + encode_command("GET", "k"))
    replies = read_replies(connection, 5)
    assert replies[0] == b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
    assert replies[1] == b"*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
    assert replies[2] == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    assert replies[3].startswith(b"*3\r\n$11\r\nunsubscribe\r\n")
    connection.close()


def test_own_messages_stay_in_order_within_a_batch(fresh_server: ServerThread,
                                                   redis_port: int) -> None:
    """A RESP3 client publishing to itself: the message precedes PUBLISH's reply, after the
    replies of the commands before it in the same batch (Redis appends both to one buffer)."""
    batch = b"".join(encode_command(*command) for command in [
        ("HELLO", "3"), ("SUBSCRIBE", "me"), ("PUBLISH", "me", "hi"), ("PING",)])
    outputs = []
    for port in (fresh_server.port, redis_port):
        connection = RespConnection("127.0.0.1", port)
        connection.send_raw(batch)
        replies = read_replies(connection, 5)
        outputs.append(replies[1:])  # HELLO's id differs
        connection.close()
    assert outputs[0] == outputs[1]


# -- slow subscribers ---------------------------------------------------------------------------


def _stalled_subscriber(port: int, channel: bytes) -> socket.socket:
    """A subscriber with a tiny receive buffer that never reads after its confirmation."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(encode_command("SUBSCRIBE", channel))
    data = b""
    while reply_end(data) < 0:
        data += sock.recv(4096)
    return sock


def _info_stat(connection: RespConnection, name: str) -> int:
    info = connection.call("INFO", "stats").decode()
    for line in info.split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(f"{name} not in INFO")


def test_slow_subscriber_hits_the_hard_limit() -> None:
    with running_server() as server:
        publisher = RespConnection("127.0.0.1", server.port)
        other = RespConnection("127.0.0.1", server.port)
        assert publisher.call("CONFIG", "SET", "client-output-buffer-limit",
                              "pubsub 1mb 256kb 1") == b"+OK\r\n"
        stalled = _stalled_subscriber(server.port, b"firehose")
        payload = b"x" * 64 * 1024
        started = time.monotonic()
        published = 0
        while publisher.call("PUBLISH", "firehose", payload) == b":1\r\n":
            published += 1
            assert time.monotonic() - started < 20, "the subscriber was never disconnected"
            if published % 16 == 0:
                assert other.call("PING") == b"+PONG\r\n"  # the server stays responsive
        assert published * len(payload) > 1024 * 1024  # at least the limit went out first
        assert _info_stat(publisher, "client_output_buffer_limit_disconnections") == 1
        assert publisher.call("PUBSUB", "NUMSUB", "firehose") == (
            b"*2\r\n$8\r\nfirehose\r\n:0\r\n")
        assert _info_stat(publisher, "pubsub_channels") == 0
        stalled.close()
        publisher.close()
        other.close()


def test_slow_subscriber_over_the_soft_limit_for_too_long() -> None:
    with running_server() as server:
        publisher = RespConnection("127.0.0.1", server.port)
        publisher.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 1")
        stalled = _stalled_subscriber(server.port, b"ch")
        payload = b"y" * 32 * 1024
        started = time.monotonic()
        while True:  # over the soft limit (whatever the kernel buffers take)...
            assert publisher.call("PUBLISH", "ch", payload) == b":1\r\n"
            assert server.state is not None
            if _info_stat(publisher, "client_output_buffer_limit_disconnections"):
                raise AssertionError("disconnected before the soft limit's time")
            if time.monotonic() - started > 0.5:
                break
        time.sleep(1.2)  # ...for longer than its 1 second
        publisher.call("PUBLISH", "ch", payload)
        wait_for(lambda: publisher.call("PUBLISH", "ch", b"") == b":0\r\n")
        assert _info_stat(publisher, "client_output_buffer_limit_disconnections") == 1
        stalled.close()
        publisher.close()


# -- disconnects --------------------------------------------------------------------------------


def test_disconnected_subscribers_are_forgotten(fresh_server: ServerThread) -> None:
    watcher = RespConnection("127.0.0.1", fresh_server.port)
    subscribers = []
    for _ in range(3):
        subscriber = RespConnection("127.0.0.1", fresh_server.port)
        subscriber.send_raw(encode_command("SUBSCRIBE", "room") +
                            encode_command("PSUBSCRIBE", "r*"))
        read_replies(subscriber, 2)
        subscribers.append(subscriber)
    assert watcher.call("PUBLISH", "room", "hi") == b":6\r\n"
    subscribers[0].close()
    wait_for(lambda: watcher.call("PUBSUB", "NUMSUB", "room") == b"*2\r\n$4\r\nroom\r\n:2\r\n")
    for subscriber in subscribers[1:]:
        subscriber.call("QUIT")
        subscriber.close()
    wait_for(lambda: watcher.call("PUBSUB", "NUMPAT") == b":0\r\n")
    assert watcher.call("PUBSUB", "CHANNELS") == b"*0\r\n"
    assert watcher.call("PUBLISH", "room", "anyone?") == b":0\r\n"
    watcher.close()
