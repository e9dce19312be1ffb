"""MODULE against a real redis-server 7.0 (no modules; loading refused as by default)."""

from __future__ import annotations

from tests.support.differential import Differ


def test_module(differ: Differ) -> None:
    for args in (("LIST",), ("LIST", "x"), ("HELP",), ("LOAD", "/x.so"), ("LOAD",),
                 ("LOADEX", "/x.so", "ARGS", "a"), ("UNLOAD", "x"), ("NOPE",), ()):
        differ.check("MODULE", *args)
