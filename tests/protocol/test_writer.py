"""The reply writer: every value's RESP2 and RESP3 form, doubles and error texts as Redis 7.0.

The expected bytes were captured from redis-server 7.0.15 (``DEBUG PROTOCOL <type>``, ZSCORE,
HELLO 3, Lua error and status replies); the differential tests re-check them live.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from godis.protocol.writer import (
    NULL_ARRAY,
    OK,
    PONG,
    QUEUED,
    BigNumber,
    Double,
    ErrorReply,
    Map,
    Push,
    Raw,
    Reply,
    SetReply,
    Status,
    Verbatim,
    encode,
    error_bytes,
    format_double,
    write_reply,
)
from tests.support.resp import RespConnection, encode_command


@pytest.mark.parametrize(
    ("value", "resp2", "resp3"),
    [
        (b"hello", b"$5\r\nhello\r\n", b"$5\r\nhello\r\n"),
        (b"", b"$0\r\n\r\n", b"$0\r\n\r\n"),
        (b"a\r\nb\x00", b"$5\r\na\r\nb\x00\r\n", b"$5\r\na\r\nb\x00\r\n"),
        (bytearray(b"xy"), b"$2\r\nxy\r\n", b"$2\r\nxy\r\n"),
        ("héllo", b"$6\r\nh\xc3\xa9llo\r\n", b"$6\r\nh\xc3\xa9llo\r\n"),
        (0, b":0\r\n", b":0\r\n"),
        (-12345, b":-12345\r\n", b":-12345\r\n"),
        (2**63 - 1, b":9223372036854775807\r\n", b":9223372036854775807\r\n"),
        (None, b"$-1\r\n", b"_\r\n"),
        (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
        ([], b"*0\r\n", b"*0\r\n"),
        ((), b"*0\r\n", b"*0\r\n"),
        ([b"a", 1, None], b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", b"*3\r\n$1\r\na\r\n:1\r\n_\r\n"),
        ([[b"a", Double(1.5)], []], b"*2\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n*0\r\n",
         b"*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*0\r\n"),
        (Status("OK"), b"+OK\r\n", b"+OK\r\n"),
        (ErrorReply("ERR no"), b"-ERR no\r\n", b"-ERR no\r\n"),
        (OK, b"+OK\r\n", b"+OK\r\n"),
        (PONG, b"+PONG\r\n", b"+PONG\r\n"),
        (QUEUED, b"+QUEUED\r\n", b"+QUEUED\r\n"),
        (Raw(b""), b"", b""),
        (Double(3.141), b"$5\r\n3.141\r\n", b",3.141\r\n"),  # DEBUG PROTOCOL double
        (Double(math.inf), b"$3\r\ninf\r\n", b",inf\r\n"),
        (Double(-math.inf), b"$4\r\n-inf\r\n", b",-inf\r\n"),
        (1.5, b"$3\r\n1.5\r\n", b",1.5\r\n"),
        (True, b":1\r\n", b"#t\r\n"),  # DEBUG PROTOCOL true
        (False, b":0\r\n", b"#f\r\n"),
        (BigNumber(1234567999999999999999999999999999999),  # DEBUG PROTOCOL bignum
         b"$37\r\n1234567999999999999999999999999999999\r\n",
         b"(1234567999999999999999999999999999999\r\n"),
        (Verbatim(b"This is a verbatim\nstring"),  # DEBUG PROTOCOL verbatim
         b"$25\r\nThis is a verbatim\nstring\r\n", b"=29\r\ntxt:This is a verbatim\nstring\r\n"),
        (Verbatim(b"", b"mkd"), b"$0\r\n\r\n", b"=4\r\nmkd:\r\n"),
        (Map([(0, False), (1, True), (2, False)]),  # DEBUG PROTOCOL map
         b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        (Map([(b"f", b"v")]), b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n", b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
        (Map([]), b"*0\r\n", b"%0\r\n"),
        (SetReply([0, 1, 2]), b"*3\r\n:0\r\n:1\r\n:2\r\n", b"~3\r\n:0\r\n:1\r\n:2\r\n"),
        (SetReply([b"m"]), b"*1\r\n$1\r\nm\r\n", b"~1\r\n$1\r\nm\r\n"),
        (Push([b"message", b"ch", b"hi"]), b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
         b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
        (Push([b"server-cpu-usage", 42]),  # DEBUG PROTOCOL push (RESP3 only there)
         b"*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"),
    ],
)  # fmt: skip
def test_each_type_in_both_protocols(value: Reply, resp2: bytes, resp3: bytes) -> None:
    assert encode(value, 2) == resp2
    assert encode(value, 3) == resp3
    out = bytearray(b"prefix")
    write_reply(value, 3, out)
    assert out == b"prefix" + resp3


def test_hello_3_map_shape() -> None:
    hello = Map(
        [
            (b"server", b"redis"),
            (b"version", b"7.0.15"),
            (b"proto", 3),
            (b"id", 4),
            (b"mode", b"standalone"),
            (b"role", b"master"),
            (b"modules", []),
        ]
    )
    assert encode(hello, 3) == (
        b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
        b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:4\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
        b"$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    )


def test_nested_aggregates_keep_their_kind_inside_others() -> None:
    value: list[Reply] = [Map([(b"k", SetReply([Double(0.5)]))]), Push([None]), NULL_ARRAY, [True]]
    assert encode(value, 3) == (
        b"*4\r\n%1\r\n$1\r\nk\r\n~1\r\n,0.5\r\n>1\r\n_\r\n_\r\n*1\r\n#t\r\n"
    )
    assert encode(value, 2) == (
        b"*4\r\n*2\r\n$1\r\nk\r\n*1\r\n$3\r\n0.5\r\n*1\r\n$-1\r\n*-1\r\n*1\r\n:1\r\n"
    )


def test_raw_and_subclasses_inside_arrays() -> None:
    assert encode([OK, Status("QUEUED"), ErrorReply("ERR x"), BigNumber(5)], 3) == (
        b"*4\r\n+OK\r\n+QUEUED\r\n-ERR x\r\n(5\r\n"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.1, b"1.1000000000000001"),  # ZSCORE after ZADD 1.1, Redis 7.0 (%.17g)
        (2.1, b"2.1000000000000001"),
        (0.1, b"0.10000000000000001"),
        (1.5, b"1.5"),
        (3.0, b"3"),
        (0.0, b"0"),
        (-0.0, b"-0"),
        (1e20, b"1e+20"),
        (1e16, b"10000000000000000"),
        (1e17, b"1e+17"),
        (123456789012345678.0, b"1.2345678901234568e+17"),
        (0.0001, b"0.0001"),
        (0.00001, b"1.0000000000000001e-05"),
        (5e-324, b"4.9406564584124654e-324"),
        (1.7976931348623157e308, b"1.7976931348623157e+308"),
        (math.inf, b"inf"),
        (-math.inf, b"-inf"),
        (math.nan, b"nan"),
        (-math.nan, b"-nan"),
    ],
)
def test_format_double(value: float, text: bytes) -> None:
    assert format_double(value) == text


def test_negative_nan_from_its_bits() -> None:
    negative_nan = struct.unpack(">d", bytes.fromhex("fff8000000000000"))[0]
    assert format_double(negative_nan) == b"-nan"
    assert format_double(abs(negative_nan)) == b"nan"


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        ("ERR plain", b"-ERR plain\r\n"),
        ("ERR a\nb", b"-ERR a b\r\n"),
        ("ERR a\r\nb", b"-ERR a  b\r\n"),
        ("ERR ends\r\n", b"-ERR ends\r\n"),  # trimmed at both ends, as addReplyErrorFormat
        ("\nERR starts", b"-ERR starts\r\n"),
        ("x\r\ny\n", b"-x  y\r\n"),  # Lua {err="x\r\ny\n"} on 7.0.15
        ("ERR h\udce9", b"-ERR h\xe9\r\n"),  # a client's raw byte, surrogate-escaped
        ("ERR é", b"-ERR \xc3\xa9\r\n"),
    ],
)
def test_error_text_sanitising(message: str, wire: bytes) -> None:
    assert error_bytes(message) == wire
    assert encode(ErrorReply(message), 2) == wire
    assert encode(ErrorReply(message), 3) == wire


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("OK", b"+OK\r\n"),
        ("a\nb", b"+a b\r\n"),
        ("\na\r\n", b"+ a  \r\n"),  # Lua status_reply("\na\r\n") on 7.0.15: mapped, not trimmed
        ("caf\udce9", b"+caf\xe9\r\n"),
    ],
)
def test_status_text_sanitising(text: str, wire: bytes) -> None:
    assert encode(Status(text), 2) == wire


def test_unknown_reply_type_is_a_bug() -> None:
    with pytest.raises(KeyError):
        encode(object(), 2)  # type: ignore[arg-type]


# --- differential: the real redis-server ---------------------------------------------------


@pytest.fixture(scope="module")
def conns(redis_session_port: int) -> Iterator[tuple[RespConnection, RespConnection]]:
    """A RESP2 and a RESP3 connection to the session's redis-server (no settings changed)."""
    resp2 = RespConnection("127.0.0.1", redis_session_port)
    resp3 = RespConnection("127.0.0.1", redis_session_port)
    resp3.call("HELLO", "3")
    yield resp2, resp3
    resp2.close()
    resp3.close()


# Not -0.0: a small sorted set keeps scores as listpack strings and turns -0 into "0" (the
# zset code's business; addReplyDouble itself prints -0.0 as "-0", as format_double does).
FINITE_OR_INFINITE = st.floats(allow_nan=False).filter(lambda x: x != 0 or math.copysign(1, x) > 0)


@given(st.lists(FINITE_OR_INFINITE, min_size=1, max_size=5))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_doubles_match_zscore(
    conns: tuple[RespConnection, RespConnection], scores: list[float]
) -> None:
    resp2, resp3 = conns
    args: list[str] = []
    for index, score in enumerate(scores):
        args += [repr(score), f"m{index}"]
    resp2.call("DEL", "godis:writer:z")
    resp2.call("ZADD", "godis:writer:z", *args)
    for index, score in enumerate(scores):
        member = f"m{index}"
        assert resp2.call("ZSCORE", "godis:writer:z", member) == encode(Double(score), 2)
        assert resp3.call("ZSCORE", "godis:writer:z", member) == encode(Double(score), 3)
    resp2.call("DEL", "godis:writer:z")


def test_debug_protocol_matches(conns: tuple[RespConnection, RespConnection]) -> None:
    expected: dict[str, Reply] = {
        "string": b"Hello World",
        "integer": 12345,
        "double": Double(3.141),
        "bignum": BigNumber(1234567999999999999999999999999999999),
        "null": None,
        "array": [0, 1, 2],
        "set": SetReply([0, 1, 2]),
        "map": Map([(0, False), (1, True), (2, False)]),
        "verbatim": Verbatim(b"This is a verbatim\nstring"),
        "true": True,
        "false": False,
    }
    for resp, conn in zip((2, 3), conns, strict=True):
        for kind, value in expected.items():
            assert conn.call("DEBUG", "PROTOCOL", kind) == encode(value, resp), (resp, kind)


ERROR_TEXT = st.text(alphabet=st.sampled_from(list("ab \r\n\té\u20ac")), max_size=12).map(
    lambda text: "ERR " + text
)


@given(ERROR_TEXT)
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_error_and_status_texts_match_lua_replies(
    conns: tuple[RespConnection, RespConnection], text: str
) -> None:
    """A script's ``{err=...}`` / ``{ok=...}`` reply goes through Redis's sanitising."""
    resp2, _ = conns
    data = text.encode()
    assert resp2.call("EVAL", "return {err=ARGV[1]}", "0", data) == encode(ErrorReply(text), 2)
    assert resp2.call("EVAL", "return {ok=ARGV[1]}", "0", data) == encode(Status(text), 2)


def test_protocol_error_reply_matches(redis_port: int) -> None:
    conn = RespConnection("127.0.0.1", redis_port)
    conn.send_raw(encode_command("PING") + b"*1\r\n\xe9\r\n")
    assert conn.read_reply() == b"+PONG\r\n"
    assert conn.read_until_close() == error_bytes("ERR Protocol error: expected '$', got '\udce9'")
    conn.close()
