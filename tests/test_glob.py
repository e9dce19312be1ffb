"""The glob matcher: Redis's ``stringmatchlen`` semantics, with a cost bounded by the stars.

Three angles: a differential corpus of awkward patterns run as KEYS on godis and redis-server;
a property test against a line-by-line port of ``stringmatchlen_impl`` (recursion and
``skipLongerMatches`` included); and the worst cases (``a*a*...a*b`` on a run of ``a``s),
whose work is counted, through KEYS, SCAN MATCH, PSUBSCRIBE and PUBSUB CHANNELS.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from godis.client import Client
from godis.config import Config
from godis.dispatch import execute
from godis.glob import compile_glob, glob_match, parse
from tests.support.differential import Differ, GodisDirect
from tests.support.resp import parse_reply


def _lower(c: int) -> int:
    return c + 32 if 65 <= c <= 90 else c


def reference_match(pattern: bytes, string: bytes, nocase: bool = False) -> bool:
    """A line-by-line port of util.c's stringmatchlen_impl (recursion, skipLongerMatches)."""
    p = [b - 256 if b > 127 else b for b in pattern] + [0]  # signed chars, NUL-terminated
    s = [b - 256 if b > 127 else b for b in string] + [0]
    skip = [False]

    def impl(pi: int, plen: int, si: int, slen: int) -> bool:
        while plen and slen:
            c = p[pi]
            if c == 42:
                while plen and p[pi + 1] == 42:
                    pi += 1
                    plen -= 1
                if plen == 1:
                    return True
                while slen:
                    if impl(pi + 1, plen - 1, si, slen):
                        return True
                    if skip[0]:
                        return False
                    si += 1
                    slen -= 1
                skip[0] = True
                return False
            elif c == 63:
                si += 1
                slen -= 1
            elif c == 91:
                pi += 1
                plen -= 1
                neg = p[pi] == 94
                if neg:
                    pi += 1
                    plen -= 1
                match = False
                while True:
                    if p[pi] == 92 and plen >= 2:
                        pi += 1
                        plen -= 1
                        if p[pi] == s[si]:
                            match = True
                    elif p[pi] == 93:
                        break
                    elif plen == 0:
                        pi -= 1
                        plen += 1
                        break
                    elif plen >= 3 and p[pi + 1] == 45:
                        start, end, ch = p[pi], p[pi + 2], s[si]
                        if start > end:
                            start, end = end, start
                        if nocase:
                            start, end, ch = _lower(start), _lower(end), _lower(ch)
                        pi += 2
                        plen -= 2
                        if start <= ch <= end:
                            match = True
                    else:
                        if not nocase:
                            if p[pi] == s[si]:
                                match = True
                        elif _lower(p[pi]) == _lower(s[si]):
                            match = True
                    pi += 1
                    plen -= 1
                if neg:
                    match = not match
                if not match:
                    return False
                si += 1
                slen -= 1
            else:
                if c == 92 and plen >= 2:
                    pi += 1
                    plen -= 1
                if not nocase:
                    if p[pi] != s[si]:
                        return False
                elif _lower(p[pi]) != _lower(s[si]):
                    return False
                si += 1
                slen -= 1
            pi += 1
            plen -= 1
            if slen == 0:
                while p[pi] == 42:
                    pi += 1
                    plen -= 1
                break
        return plen == 0 and slen == 0

    return impl(0, len(pattern), 0, len(string))


PATTERNS = [
    b"", b"*", b"**", b"?", b"a", b"a*", b"*a", b"*a*", b"a?c", b"a*c", b"a**c", b"*b*", b"\\",
    b"a\\", b"\\*", b"\\?", b"a\\*", b"\\a", b"[", b"a[", b"[^", b"[^]", b"[]", b"[]]", b"[]a]",
    b"[a-]", b"[a-]x", b"[-a]", b"[a-c]", b"[c-a]", b"[^a-c]", b"[!a]", b"[\\]]", b"[\\", b"[a\\",
    b"[\\-]", b"[a-\\]", b"[abc", b"[^abc", b"[*]", b"[?]", b"*[", b"*\\", b"h[ae]llo",
    b"h[^e]llo", b"[\x00-\xff]", b"[\xff-\x00]", b"[\x7f-\x80]", b"[A-z]", b"[Z-a]", b"*?",
    b"?*", b"*?*", b"a*b*c", b"*a*b", b"a*a*a*b", b"\x00*", b"*\x00", b"[\x00]", b"a-b", b"[a-b-c]",
    b"[^-]", b"]", b"^", b"-", b"[[]", b"[[-]]", b"**a**", b"a*\\*", b"[^\\]]",
]

SUBJECTS = [
    b"", b"a", b"b", b"c", b"ab", b"abc", b"ac", b"aXc", b"a*c", b"*", b"?", b"\\", b"a\\", b"[",
    b"]", b"^", b"-", b"!", b"_", b"`", b"x", b"ax", b"]x", b"hello", b"hallo", b"hxllo", b"heello",
    b"\x00", b"\xff", b"\x7f", b"\x80", b"a\x00", b"\x00a", b"A", b"Z", b"aab", b"abab", b"aaab",
    b"abcabc", b"a-b", b"[a", b"**", b"a*", b"\\a", b"a**",
]


def test_corpus_matches_redis_as_keys(diff: Differ) -> None:
    for subject in SUBJECTS:
        diff.check("SET", subject, "v")
    for pattern in PATTERNS:
        diff.check_unordered("KEYS", pattern)


def test_corpus_matches_the_reference() -> None:
    for pattern in PATTERNS:
        for subject in SUBJECTS:
            for nocase in (False, True):
                assert glob_match(pattern, subject, nocase) == reference_match(
                    pattern, subject, nocase), (pattern, subject, nocase)


def test_signed_char_ranges_and_reversed_bounds() -> None:
    assert parse(b"[\x00-\xff]") == [frozenset((0, 255))]  # -1..0 as signed chars
    assert parse(b"[c-a]") == parse(b"[a-c]")
    assert parse(b"[a-]") == [frozenset(range(93, 98))]  # "]" .. "a", the class unclosed
    assert parse(b"[Z-a]", nocase=True) == [frozenset()]  # lowered after the swap: z..a
    assert not glob_match(b"*", b"")  # no pattern but "" matches ""; callers special-case "*"
    assert glob_match(b"", b"")


ALPHABET = b"ab*?[]^-\\A\x00\xff"


@settings(max_examples=3000)
@given(st.binary(max_size=10).map(lambda b: bytes(ALPHABET[x % len(ALPHABET)] for x in b)),
       st.binary(max_size=8).map(lambda b: bytes(b"ab]^-\\*?A[\x00\xff"[x % 12] for x in b)),
       st.booleans())
def test_property_same_answer_as_the_port(pattern: bytes, subject: bytes, nocase: bool) -> None:
    assert glob_match(pattern, subject, nocase) == reference_match(pattern, subject, nocase)


def stars(count: int) -> bytes:
    return b"a*" * count + b"b"


def test_nested_stars_cost_one_search_per_segment() -> None:
    subject = b"a" * 100
    for count in (1, 5, 30, 200):
        matched, probes = compile_glob(stars(count)).match_counting(subject)
        assert not matched
        assert probes <= count + 1
    matched, probes = compile_glob(b"*a" * 1000 + b"*").match_counting(b"a" * 5000)
    assert matched
    assert probes <= 1001
    matched, probes = compile_glob(b"*a" * 1000).match_counting(b"a" * 999)
    assert not matched
    assert probes <= 1001


def check_scan(diff: Differ, *args: bytes | str | int) -> None:
    """A one-step SCAN on both: the same cursor and the same elements, in any order."""
    mine, theirs = (parse_reply(raw) for raw in diff.both(*args))
    assert isinstance(mine, list)
    assert isinstance(theirs, list)
    assert mine[0] == theirs[0]
    assert isinstance(mine[1], list)
    assert isinstance(theirs[1], list)
    assert sorted(map(repr, mine[1])) == sorted(map(repr, theirs[1])), args


def test_worst_cases_through_keys_and_scan(diff: Differ) -> None:
    key = b"a" * 100
    diff.check("SET", key, "v")
    diff.check("SET", key + b"b", "v")
    for count in (30, 64):
        diff.check_unordered("KEYS", stars(count))
        check_scan(diff, "SCAN", 0, "MATCH", stars(count), "COUNT", 100)
    diff.check("SADD", "s", key, key + b"b")
    check_scan(diff, "SSCAN", "s", 0, "MATCH", stars(40))


def test_worst_cases_through_psubscribe_and_pubsub_channels() -> None:
    godis = GodisDirect()
    got: list[object] = []
    subscriber = Client(godis.server)
    subscriber.push = got.append
    execute(subscriber, [b"PSUBSCRIBE", stars(40)])
    execute(subscriber, [b"SUBSCRIBE", b"a" * 100])
    channel = b"a" * 100
    assert execute(godis.client, [b"PUBLISH", channel, b"m"]) == 1
    assert parse_reply(godis.call("PUBSUB", "CHANNELS", stars(40))) == []
    assert execute(godis.client, [b"PUBLISH", channel + b"b", b"m"]) == 1  # the pattern's


def test_star_alone_is_no_filter_but_stars_are(diff: Differ) -> None:
    diff.check("SET", "", "empty")
    diff.check("SET", "x", "v")
    diff.check_unordered("KEYS", "*")
    diff.check_unordered("KEYS", "**")
    check_scan(diff, "SCAN", 0, "MATCH", "*", "COUNT", 100)
    check_scan(diff, "SCAN", 0, "MATCH", "**", "COUNT", 100)


def test_config_get_patterns_are_caseless() -> None:
    config = Config(appendonly=False)
    assert [name for name, _ in config.matching("MAXMEMORY-P*")] == ["maxmemory-policy"]
    assert [name for name, _ in config.matching("max*")] == [
        name for name, _ in config.matching("MAX*")]
    assert config.matching("max\\memory") == []  # no glob character: a plain lookup


def test_worst_cases_through_acl_and_config_get(diff: Differ) -> None:
    key = b"a" * 100
    diff.check("ACL", "SETUSER", "globber", "on", "nopass", "+@all", b"~" + stars(40),
               b"&" + stars(40))
    diff.check("ACL", "DRYRUN", "globber", "GET", key)
    diff.check("ACL", "DRYRUN", "globber", "GET", key + b"b")
    diff.check("ACL", "DRYRUN", "globber", "PUBLISH", key, "m")
    diff.check("ACL", "DRYRUN", "globber", "PUBLISH", key + b"b", "m")
    diff.check("ACL", "DELUSER", "globber")
    diff.check("CONFIG", "GET", b"*a" * 40 + b"b")
    diff.check("CONFIG", "GET", "MAXMEMORY-P[O]L*")
