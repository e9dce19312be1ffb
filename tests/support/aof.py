"""The multi-part AOF as tests read it: the files a manifest lists, the bytes of the incrs.

Tests look at what the server wrote through these helpers instead of at a path, so the layout
(``dir``/appendonlydir/appendonly.aof.<seq>.<base|incr>.<rdb|aof> plus the manifest, as
Redis 7.0) is spelt in one place.
"""

from __future__ import annotations

import os
from pathlib import Path

from godis.persistence.manifest import Manifest, load_manifest

AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"


def aof_dir(data_dir: os.PathLike[str] | str) -> Path:
    """``dir``/appendonlydir (the default ``appenddirname``)."""
    return Path(data_dir) / AOF_DIR


def manifest_of(data_dir: os.PathLike[str] | str) -> Manifest:
    """The parsed manifest of the AOF under ``data_dir``."""
    return load_manifest(str(aof_dir(data_dir) / MANIFEST))


def aof_files(data_dir: os.PathLike[str] | str) -> list[Path]:
    """The files a load replays, in order: the base, then each incr."""
    directory = aof_dir(data_dir)
    return [directory / info.name for info in manifest_of(data_dir).files()]


def base_file(data_dir: os.PathLike[str] | str) -> Path:
    base = manifest_of(data_dir).base
    assert base is not None, "the manifest has no base"
    return aof_dir(data_dir) / base.name


def incr_files(data_dir: os.PathLike[str] | str) -> list[Path]:
    directory = aof_dir(data_dir)
    return [directory / info.name for info in manifest_of(data_dir).incrs]


def last_incr(data_dir: os.PathLike[str] | str) -> Path:
    """The incr file the server appends to."""
    return incr_files(data_dir)[-1]


def incr_bytes(data_dir: os.PathLike[str] | str) -> bytes:
    """The commands logged since the last rewrite: the incr files, concatenated."""
    return b"".join(path.read_bytes() for path in incr_files(data_dir))


def aof_bytes(data_dir: os.PathLike[str] | str) -> bytes:
    """Every file the manifest lists, concatenated (the base first, RDB or commands)."""
    return b"".join(path.read_bytes() for path in aof_files(data_dir))
