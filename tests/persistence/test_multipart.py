"""The multi-part AOF (Redis 7.0's layout): the manifest's format and strictness, the first
start, the 6.x upgrade, rewrites and history, damaged files, and a directory written by either
redis-server 7.0 or godis loading in the other with the same content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from godis.client import Client
from godis.commands import load_all
from godis.config import Config
from godis.dispatch import execute
from godis.errors import AofError, ConfigError
from godis.persistence import background, multipart
from godis.persistence.aof import encode_command
from godis.persistence.loader import load_files
from godis.persistence.manifest import AofInfo, Manifest, parse_manifest
from godis.persistence.multipart import load_manifest_from_disk, open_on_start
from godis.state import ServerState
from tests.support import redispy
from tests.support.aof import MANIFEST, aof_dir, aof_files, base_file, incr_bytes, last_incr
from tests.support.redis_server import REDIS_SERVER, SKIP_REASON, redis_server
from tests.support.server_thread import running_server

needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
REDIS_CHECK_AOF = shutil.which("redis-check-aof")


# -- the manifest -------------------------------------------------------------------------------

def test_manifest_text_is_redis_line_format() -> None:
    manifest = Manifest()
    manifest.new_base("appendonly.aof", rdb=True)
    manifest.new_incr("appendonly.aof")
    assert manifest.text() == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                               "file appendonly.aof.1.incr.aof seq 1 type i\n")
    # a rewrite: the new base, the old base and the covered incrs become history
    manifest.new_incr("appendonly.aof")
    manifest.new_base("appendonly.aof", rdb=False)
    manifest.incrs_to_history(keep_last=True)
    assert manifest.text() == ("file appendonly.aof.2.base.aof seq 2 type b\n"
                               "file appendonly.aof.1.incr.aof seq 1 type h\n"
                               "file appendonly.aof.1.base.rdb seq 1 type h\n"
                               "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert parse_manifest(manifest.text().encode()) == manifest


def test_manifest_quotes_names_that_need_it_and_reads_them_back() -> None:
    manifest = Manifest(base=AofInfo("my aof.1.base.rdb", 1, "b"), base_seq=1)
    assert manifest.text() == 'file "my aof.1.base.rdb" seq 1 type b\n'
    assert parse_manifest(manifest.text().encode()).base == manifest.base


def test_manifest_comments_extra_fields_and_case() -> None:
    text = (b"# a comment\n"
            b"FILE appendonly.aof.3.base.rdb SEQ 3 TYPE b future yes\n"
            b"file appendonly.aof.4.incr.aof seq 4 type i\n")
    manifest = parse_manifest(text)
    assert manifest.base == AofInfo("appendonly.aof.3.base.rdb", 3, "b")
    assert [info.name for info in manifest.incrs] == ["appendonly.aof.4.incr.aof"]
    assert (manifest.base_seq, manifest.incr_seq) == (3, 4)


@pytest.mark.parametrize(("text", "error"), [
    (b"", "Found an empty AOF manifest"),
    (b"file a seq 1 type b", "The AOF manifest file contains too long line"),  # no newline
    (b"file " + b"a" * 1100 + b" seq 1 type b\n", "The AOF manifest file contains too long line"),
    (b"   \n", "Invalid AOF manifest file format"),
    (b"file a seq 1\n", "Invalid AOF manifest file format"),
    (b"file a seq 1 type b x\n", "Invalid AOF manifest file format"),
    (b"file a seq 0 type b\n", "Invalid AOF manifest file format"),
    (b"file a seq x type b\n", "Invalid AOF manifest file format"),
    (b"file \"a seq 1 type b\n", "Invalid AOF manifest file format"),
    (b"file dir/a seq 1 type b\n", "File can't be a path, just a filename"),
    (b"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"),
    (b"file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number"),
    (b"file a seq 1 type x\n", "Unknown AOF file type"),
])
def test_malformed_manifests_are_refused(text: bytes, error: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"), pytest.raises(AofError, match=error):
        parse_manifest(text)
    assert "*** FATAL AOF MANIFEST FILE ERROR ***" in caplog.text


def test_a_malformed_manifest_stops_the_start(tmp_path: Path) -> None:
    aof_dir(tmp_path).mkdir()
    (aof_dir(tmp_path) / MANIFEST).write_text("file x seq 1 type z\n")
    result = subprocess.run([sys.executable, "-m", "godis", "serve", "--port", "0", "--dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Reading the manifest file, at line 1" in result.stdout + result.stderr
    assert "Unknown AOF file type" in result.stderr


@pytest.mark.parametrize(("line", "error"), [
    ("appenddirname a/b", "appenddirname can't be a path, just a dirname"),
    ('appenddirname ""', "appenddirname can't be empty"),
    ("appendfilename x/y", "appendfilename can't be a path, just a filename"),
    ('appendfilename ""', "appendfilename can't be empty"),
])
def test_aof_names_are_validated_as_redis(line: str, error: str) -> None:
    """isValidAOFdirname / isValidAOFfilename (redis-server says the same at start)."""
    with pytest.raises(ConfigError, match=error):
        Config().load_lines([line])


def test_another_dirname_and_filename(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True, appenddirname="mine",
                        appendfilename="log.aof") as server:
        redis.Redis(port=server.port).set("k", "v")
    assert sorted(os.listdir(tmp_path / "mine")) == ["log.aof.1.base.rdb", "log.aof.1.incr.aof",
                                                     "log.aof.manifest"]
    with running_server(dir=str(tmp_path), appendonly=True, appenddirname="mine",
                        appendfilename="log.aof") as server:
        assert redis.Redis(port=server.port).get("k") == b"v"


# -- start-up -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("preamble", "suffix"), [(True, "rdb"), (False, "aof")])
def test_first_start_creates_the_directory_as_redis(tmp_path: Path, preamble: bool,
                                                    suffix: str) -> None:
    with running_server(dir=str(tmp_path), appendonly=True,
                        aof_use_rdb_preamble=preamble) as server:
        r = redis.Redis(port=server.port)
        r.set("k", "v")
        info = r.info("persistence")
        r.close()
    assert sorted(os.listdir(aof_dir(tmp_path))) == [
        f"appendonly.aof.1.base.{suffix}", "appendonly.aof.1.incr.aof", MANIFEST]
    assert (aof_dir(tmp_path) / MANIFEST).read_text() == (
        f"file appendonly.aof.1.base.{suffix} seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    base = base_file(tmp_path).read_bytes()
    assert base.startswith(b"REDIS") if preamble else base == b""
    assert incr_bytes(tmp_path) == (encode_command([b"SELECT", b"0"])
                                    + encode_command([b"SET", b"k", b"v"]))
    # as Redis after a first start: nothing was loaded, so the sizes count from 0
    assert (info["aof_current_size"], info["aof_base_size"]) == (len(incr_bytes(tmp_path)), 0)


def test_restart_appends_to_the_last_incr_and_sums_the_sizes(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        redis.Redis(port=server.port).set("a", "1")
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port)
        info = r.info("persistence")
        total = sum(path.stat().st_size for path in aof_files(tmp_path))
        assert info["aof_current_size"] == total
        assert info["aof_base_size"] == base_file(tmp_path).stat().st_size
        r.set("b", "2")
        r.close()
    assert [path.name for path in aof_files(tmp_path)] == ["appendonly.aof.1.base.rdb",
                                                           "appendonly.aof.1.incr.aof"]
    assert incr_bytes(tmp_path).count(b"SET") == 2


def test_a_6x_single_file_is_upgraded_into_the_directory(tmp_path: Path) -> None:
    """aofUpgradePrepare: dir/appendonly.aof becomes the base (its name kept), a manifest is
    written, appends go to a new incr; an RDB-preamble file with a command tail loads too."""
    old = tmp_path / "appendonly.aof"
    (tmp_path / "rdb").mkdir()
    with running_server(dir=str(tmp_path / "rdb"), appendonly=False) as server:
        r = redis.Redis(port=server.port)
        r.set("from-rdb", "1")
        r.save()
        r.close()
    old.write_bytes((tmp_path / "rdb" / "dump.rdb").read_bytes()
                    + encode_command([b"SELECT", b"0"])
                    + encode_command([b"SET", b"from-tail", b"2"]))
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.mget("from-rdb", "from-tail") == ["1", "2"]
        r.set("after", "3")
        r.close()
    assert not old.exists()
    assert (aof_dir(tmp_path) / MANIFEST).read_text() == (
        "file appendonly.aof seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert b"after" in incr_bytes(tmp_path)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.mget("from-rdb", "from-tail", "after") == ["1", "2", "3"]
        r.close()


def test_a_file_missing_from_the_manifest_stops_the_start(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        redis.Redis(port=server.port).set("a", "1")
    last_incr(tmp_path).unlink()
    result = subprocess.run([sys.executable, "-m", "godis", "serve", "--port", "0", "--dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert ("Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: "
            "No such file or directory") in result.stderr


def _state(tmp_path: Path, **settings: object) -> ServerState:
    load_all()
    return ServerState(Config(dir=str(tmp_path), **settings))


def _write_dir(tmp_path: Path, *files: tuple[str, bytes]) -> Manifest:
    """An AOF directory of commands files: the first the base, the others incrs."""
    directory = aof_dir(tmp_path)
    directory.mkdir(exist_ok=True)
    lines = []
    for index, (name, data) in enumerate(files):
        (directory / name).write_bytes(data)
        lines.append(f"file {name} seq {1 if index == 0 else index} type "
                     f"{'b' if index == 0 else 'i'}\n")
    (directory / MANIFEST).write_text("".join(lines))
    return load_manifest_from_disk(Config(dir=str(tmp_path)))


def test_only_the_last_file_may_be_cut(tmp_path: Path) -> None:
    """aof-load-truncated applies to the last file; a damaged tail in an earlier one refuses
    the load and leaves that file untouched (Redis refuses too, after truncating it)."""
    good = encode_command([b"SET", b"a", b"1"])
    cut = encode_command([b"SET", b"b", b"2"])[:9]
    manifest = _write_dir(tmp_path, ("appendonly.aof.1.base.aof", good),
                          ("appendonly.aof.1.incr.aof", good + cut),
                          ("appendonly.aof.2.incr.aof", good))
    with pytest.raises(AofError, match="the truncated file is not the last file"):
        load_files(_state(tmp_path), str(aof_dir(tmp_path)), manifest)
    assert (aof_dir(tmp_path) / "appendonly.aof.1.incr.aof").read_bytes() == good + cut
    # the same damage in the last file: cut, the bytes saved beside it
    manifest = _write_dir(tmp_path, ("appendonly.aof.1.base.aof", good),
                          ("appendonly.aof.1.incr.aof", good),
                          ("appendonly.aof.2.incr.aof", good + cut))
    state = _state(tmp_path)
    report = load_files(state, str(aof_dir(tmp_path)), manifest)
    assert report.truncated_at == len(good)
    last = aof_dir(tmp_path) / "appendonly.aof.2.incr.aof"
    assert last.read_bytes() == good
    assert Path(f"{last}.truncated-{len(good)}").read_bytes() == cut
    assert state.keyspace.databases[0].data[b"a"] == b"1"


def test_empty_files_and_an_all_empty_aof_load(tmp_path: Path) -> None:
    manifest = _write_dir(tmp_path, ("appendonly.aof.1.base.aof", b""),
                          ("appendonly.aof.1.incr.aof", b""),
                          ("appendonly.aof.2.incr.aof", encode_command([b"SET", b"a", b"1"])))
    state = _state(tmp_path)
    assert load_files(state, str(aof_dir(tmp_path)), manifest).keys == 1
    manifest = _write_dir(tmp_path, ("appendonly.aof.1.base.aof", b""),
                          ("appendonly.aof.1.incr.aof", b""))
    assert load_files(_state(tmp_path), str(aof_dir(tmp_path)), manifest).commands == 0


# -- rewrites -----------------------------------------------------------------------------------

def test_disabled_auto_gc_keeps_the_history(tmp_path: Path) -> None:
    with running_server(dir=str(tmp_path), appendonly=True, aof_disable_auto_gc=True) as server:
        r = redis.Redis(port=server.port)
        r.set("a", "1")
        assert r.bgrewriteaof()
        redispy.wait_for_background(r)
        r.set("b", "2")
        r.close()
    assert (aof_dir(tmp_path) / MANIFEST).read_text() == (
        "file appendonly.aof.2.base.rdb seq 2 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type h\n"
        "file appendonly.aof.1.base.rdb seq 1 type h\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert (aof_dir(tmp_path) / "appendonly.aof.1.incr.aof").exists()
    # a start deletes history files only when the gc is on (aofDelHistoryFiles)
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        assert redis.Redis(port=server.port).mget("a", "b") == [b"1", b"2"]
    assert not (aof_dir(tmp_path) / "appendonly.aof.1.incr.aof").exists()
    assert "type h" not in (aof_dir(tmp_path) / MANIFEST).read_text()


@pytest.mark.skipif(not background.FORK_AVAILABLE, reason="no os.fork here")
def test_a_failed_rewrite_leaves_one_more_incr(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """As Redis: the incr opened at the fork stays in the manifest when the child fails, and
    the next successful rewrite turns every earlier incr into history."""
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("a", "1")
        monkeypatch.setattr(background, "base_bytes", _failing_base)
        assert r.bgrewriteaof()
        info = redispy.wait_for_background(r)
        assert info["aof_last_bgrewrite_status"] == "err"
        r.set("b", "2")
        assert [path.name for path in aof_files(tmp_path)] == [
            "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"]
        monkeypatch.undo()
        assert r.bgrewriteaof()
        assert redispy.wait_for_background(r)["aof_last_bgrewrite_status"] == "ok"
        r.set("c", "3")
        r.close()
    assert [path.name for path in aof_files(tmp_path)] == ["appendonly.aof.2.base.rdb",
                                                           "appendonly.aof.3.incr.aof"]
    assert not [name for name in os.listdir(tmp_path) if name.startswith("temp-")]
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        assert redis.Redis(port=server.port).mget("a", "b", "c") == [b"1", b"2", b"3"]


def test_repeated_failures_hold_automatic_rewrites_back() -> None:
    """aofRewriteLimited: from the third consecutive failure, 1, 2, 4 ... 60 minutes."""
    server = _state(Path("."))
    state = background.state_of(server)
    state.rewrite_failures = 2
    assert not background.rewrite_limited(server, 1000.0)
    state.rewrite_failures = 3
    assert background.rewrite_limited(server, 1000.0)  # starts a 1 minute wait
    assert background.rewrite_limited(server, 1059.0)
    assert not background.rewrite_limited(server, 1060.0)  # one try when the wait is over
    assert background.rewrite_limited(server, 1061.0)  # it failed again: 2 minutes
    assert state.limit_until == 1061.0 + 120
    for _ in range(10):
        state.limit_until = 0.0
        background.rewrite_limited(server, 5000.0)
    assert state.limit_delay_minutes == 60
    state.rewrite_failures = 0  # a success ends it
    assert not background.rewrite_limited(server, 5001.0)
    assert state.limit_delay_minutes == 0


def test_an_in_place_rewrite_that_fails_keeps_the_buffered_commands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands buffered by a write error follow the old files into the new incr (with the
    SELECT of the database they started in) when the rewrite does not complete."""
    load_all()
    server = ServerState(Config(dir=str(tmp_path)))
    aof = open_on_start(server, load_manifest_from_disk(server.config), 0)
    server.aof = aof
    server.keyspace.propagate = aof.feed
    client = Client(server)
    execute(client, [b"SELECT", b"3"])
    execute(client, [b"SET", b"a", b"1"])
    assert aof.write()
    real_write = os.write
    failing = {"on": True}

    def write(fd: int, data: bytes | memoryview) -> int:
        if failing["on"]:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("godis.persistence.aof.os.write", write)
    execute(client, [b"SET", b"b", b"2"])
    execute(client, [b"SELECT", b"0"])
    execute(client, [b"SET", b"c", b"3"])
    assert not aof.write()
    failing["on"] = False

    def broken_finish(server: ServerState, temp_path: str, rdb: bool) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(multipart, "finish_rewrite", broken_finish)
    with pytest.raises(OSError):
        multipart.rewrite_now(server)
    assert aof.write()
    aof.close()
    assert [path.name for path in aof_files(tmp_path)] == [
        "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"]
    assert last_incr(tmp_path).read_bytes().startswith(encode_command([b"SELECT", b"3"]))
    restarted = _state(tmp_path)
    load_files(restarted, str(aof_dir(tmp_path)), load_manifest_from_disk(restarted.config))
    databases = restarted.keyspace.databases
    assert (databases[3].data, databases[0].data) == ({b"a": b"1", b"b": b"2"}, {b"c": b"3"})


def _failing_base(server: ServerState, rdb: bool) -> bytes:
    raise OSError(28, "No space left on device")


def test_bgrewriteaof_with_the_aof_off_writes_a_base(tmp_path: Path) -> None:
    """As Redis 7.0: the directory gets a base and a manifest without incrs."""
    with running_server(dir=str(tmp_path), appendonly=False) as server:
        r = redis.Redis(port=server.port)
        r.set("a", "1")
        assert r.bgrewriteaof()
        redispy.wait_for_background(r)
        r.close()
    assert (aof_dir(tmp_path) / MANIFEST).read_text() == (
        "file appendonly.aof.1.base.rdb seq 1 type b\n")
    with running_server(dir=str(tmp_path), appendonly=True) as server:
        assert redis.Redis(port=server.port).get("a") == b"1"


# -- interoperability with redis-server 7.0 -----------------------------------------------------

def _fill(r: redis.Redis, prefix: str) -> None:
    """Data of every type, in two databases, with TTLs, a stream with a group and a function."""
    r.set(f"{prefix}s", "plain")
    r.set(f"{prefix}n", 12345)
    r.set(f"{prefix}ttl", "v", ex=100_000)
    r.rpush(f"{prefix}l", *[f"e{n}" for n in range(200)])
    r.sadd(f"{prefix}set", *range(50))
    r.sadd(f"{prefix}strset", "a", "b", "c")
    r.hset(f"{prefix}h", mapping={f"f{n}": n for n in range(100)})
    r.zadd(f"{prefix}z", {f"m{n}": n / 7 for n in range(150)})
    r.pfadd(f"{prefix}hll", *range(100))
    r.xadd(f"{prefix}x", {"a": "1"}, id="1-1")
    r.xadd(f"{prefix}x", {"b": "2"}, id="2-1")
    r.xgroup_create(f"{prefix}x", "g", id="0")
    r.xreadgroup("g", "c1", {f"{prefix}x": ">"}, count=1)
    r.setbit(f"{prefix}bits", 1000, 1)
    r.incr(f"{prefix}n")
    r.lpop(f"{prefix}l")
    pipe = r.pipeline(transaction=True)
    pipe.hincrby(f"{prefix}h", "f1", 10)
    pipe.zincrby(f"{prefix}z", 2.5, "m3")
    pipe.execute()
    db3 = redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=3)
    db3.set(f"{prefix}in3", "three")
    db3.close()


Content = dict[tuple[int, object], tuple[object, object, bool]]


def _content(port: int) -> Content:
    """Every key of every database: its type, DEBUG DIGEST-VALUE, whether it has a TTL."""
    out: Content = {}
    for db in range(16):
        r = redis.Redis(port=port, db=db)
        for key in r.keys("*"):
            digest = redispy.execute_command(r, "DEBUG", "DIGEST-VALUE", key)
            out[(db, key)] = (r.type(key), digest[0] if isinstance(digest, list) else digest,
                              r.pttl(key) > 0)
        r.close()
    return out


def _functions(port: int) -> list[object]:
    r = redis.Redis(port=port)
    listed: list[object] = r.function_list(withcode=True)
    r.close()
    return listed


_LIBRARY = "#!lua name=interop\nredis.register_function('f', function() return 1 end)"


@pytest.fixture
def redis_dir(tmp_path: Path) -> Path:
    path = tmp_path / "redis"
    path.mkdir()
    return path


def _redis_writes(directory: Path, preamble: bool) -> tuple[Content, object]:
    """redis-server 7.0 writes base + incr: data, BGREWRITEAOF, more data; its content."""
    with redis_server("--appendonly", "yes", "--dir", str(directory),
                      "--aof-use-rdb-preamble", "yes" if preamble else "no") as port:
        r = redis.Redis(port=port)
        r.function_load(_LIBRARY)
        _fill(r, "before:")
        assert r.bgrewriteaof()
        redispy.wait_for_background(r)
        _fill(r, "after:")
        content = _content(port)
        digest = redispy.execute_command(r, "DEBUG", "DIGEST")
        r.close()
    return content, digest


@needs_redis
@pytest.mark.parametrize("preamble", [True, False])
def test_a_directory_written_by_redis_loads_in_godis(redis_dir: Path, preamble: bool) -> None:
    content, digest = _redis_writes(redis_dir, preamble)
    assert len(content) == 24  # 12 keys before the rewrite, 12 after
    assert base_file(redis_dir).name == f"appendonly.aof.2.base.{'rdb' if preamble else 'aof'}"
    assert incr_bytes(redis_dir)  # the writes after the rewrite are in the incr
    with running_server(dir=str(redis_dir), appendonly=True,
                        aof_use_rdb_preamble=preamble) as server:
        assert _content(server.port) == content
        r = redis.Redis(port=server.port)
        assert redispy.execute_command(r, "DEBUG", "DIGEST") == digest
        assert r.fcall("f", 0) == 1
        r.close()


@needs_redis
@pytest.mark.parametrize("preamble", [True, False])
def test_a_directory_written_by_godis_loads_in_redis(tmp_path: Path, preamble: bool) -> None:
    directory = tmp_path / "godis"
    with running_server(dir=str(directory), appendonly=True,
                        aof_use_rdb_preamble=preamble) as server:
        r = redis.Redis(port=server.port)
        r.function_load(_LIBRARY)
        _fill(r, "before:")
        assert r.bgrewriteaof()
        redispy.wait_for_background(r)
        _fill(r, "after:")
        content = _content(server.port)
        digest = redispy.execute_command(r, "DEBUG", "DIGEST")
        r.close()
    assert len(content) == 24
    assert base_file(directory).name == f"appendonly.aof.2.base.{'rdb' if preamble else 'aof'}"
    with redis_server("--appendonly", "yes", "--dir", str(directory)) as port:
        assert _content(port) == content
        r = redis.Redis(port=port)
        assert redispy.execute_command(r, "DEBUG", "DIGEST") == digest
        assert r.fcall("f", 0) == 1
        r.close()


# -- check-aof ----------------------------------------------------------------------------------

def _godis_check(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "godis", "check-aof", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def _without_rdb_times(text: str) -> str:
    """The AUX lines of a base's RDB (ctime, used-mem) differ from run to run."""
    return "\n".join(line for line in text.split("\n")
                     if "AUX FIELD ctime" not in line and "AUX FIELD used-mem" not in line)


@pytest.mark.skipif(REDIS_CHECK_AOF is None, reason="redis-check-aof is not installed")
@pytest.mark.parametrize("preamble", [True, False])
def test_check_aof_reads_godis_manifests_as_redis_check_aof(tmp_path: Path,
                                                            preamble: bool) -> None:
    """Debian's redis-check-aof accepts godis's directory, and godis check-aof prints what it
    prints, for a valid AOF, a damaged last incr, and --fix."""
    with running_server(dir=str(tmp_path), appendonly=True,
                        aof_use_rdb_preamble=preamble) as server:
        r = redis.Redis(port=server.port)
        _fill(r, "x:")
        r.bgrewriteaof()
        redispy.wait_for_background(r)
        r.set("later", "1")
        r.close()
    manifest = str(aof_dir(tmp_path) / MANIFEST)
    assert REDIS_CHECK_AOF is not None
    theirs = subprocess.run([REDIS_CHECK_AOF, manifest], capture_output=True, text=True)
    assert theirs.returncode == 0
    assert "All AOF files and manifest are valid" in theirs.stdout
    mine = _godis_check(manifest)
    assert (mine.returncode, mine.stdout) == (0, theirs.stdout)
    with open(last_incr(tmp_path), "ab") as handle:
        handle.write(b"*2\r\n$3\r\nDEL")
    theirs = subprocess.run([REDIS_CHECK_AOF, manifest], capture_output=True, text=True)
    mine = _godis_check(manifest)
    assert theirs.returncode == mine.returncode == 1
    assert _without_rdb_times(mine.stdout) == _without_rdb_times(theirs.stdout)
    size = last_incr(tmp_path).stat().st_size
    mine = _godis_check("--fix", manifest, stdin="y\n")
    assert mine.returncode == 0
    assert "Successfully truncated AOF appendonly.aof.2.incr.aof" in mine.stdout
    assert last_incr(tmp_path).stat().st_size == size - len(b"*2\r\n$3\r\nDEL")
    assert subprocess.run([REDIS_CHECK_AOF, manifest], capture_output=True).returncode == 0


@needs_redis
@pytest.mark.skipif(REDIS_CHECK_AOF is None, reason="redis-check-aof is not installed")
def test_check_aof_reads_redis_manifests_as_redis_check_aof(redis_dir: Path) -> None:
    _redis_writes(redis_dir, True)
    manifest = str(redis_dir / "appendonlydir" / MANIFEST)
    assert REDIS_CHECK_AOF is not None
    theirs = subprocess.run([REDIS_CHECK_AOF, manifest], capture_output=True, text=True)
    mine = _godis_check(manifest)
    assert (mine.returncode, mine.stdout) == (theirs.returncode, theirs.stdout)


def test_check_aof_refuses_to_fix_a_file_that_is_not_the_last(tmp_path: Path) -> None:
    good = encode_command([b"SET", b"a", b"1"])
    _write_dir(tmp_path, ("appendonly.aof.1.base.aof", good),
               ("appendonly.aof.1.incr.aof", good + b"*1\r\n"),
               ("appendonly.aof.2.incr.aof", good))
    result = _godis_check("--fix", str(aof_dir(tmp_path) / MANIFEST))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "Failed to truncate AOF appendonly.aof.1.incr.aof because it is not the last file")
