"""The documentation site's nav (mkdocs.yml) lists every page in docs/, so a new page cannot be
left out of the site; read as text, so the test needs neither mkdocs nor PyYAML.

``nox -s docs`` builds the site in strict mode (broken links, missing pages); this is the
check that runs with the ordinary test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import godis.pytest_plugin as plugin

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def nav_pages(mkdocs_yml: str) -> list[str]:
    """The ``.md`` paths of the ``nav:`` block: from ``nav:`` to the next top-level key."""
    match = re.search(r"^nav:\n((?:[ \t]+.*\n|[ \t]*\n)*)", mkdocs_yml, re.MULTILINE)
    assert match is not None, "mkdocs.yml has no nav: block"
    return re.findall(r"([\w./-]+\.md)\s*$", match.group(1), re.MULTILINE)


def test_nav_parser_reads_nested_sections() -> None:
    text = "site_name: x\nnav:\n  - Home: index.md\n  - API:\n      - One: api/one.md\ntheme: y\n"
    assert nav_pages(text) == ["index.md", "api/one.md"]


def test_nav_lists_every_page_once() -> None:
    listed = nav_pages((ROOT / "mkdocs.yml").read_text())
    pages = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))
    assert sorted(set(listed)) == pages, "add the page to mkdocs.yml's nav (or remove it)"
    assert len(listed) == len(set(listed))


def test_every_plugin_option_is_documented() -> None:
    """The plugin's module docstring (its API page) and docs/testing.md's option table name
    every ``--godis-*`` option."""
    guide = (DOCS / "testing.md").read_text()
    for option in plugin.OPTIONS:
        assert f"--godis-{option.name}" in (plugin.__doc__ or ""), option.name
        assert f"`godis_{option.name}`" in guide, option.name
