"""The layer rule, read from the source with ``ast`` (docs/architecture.md, "Layers").

core (every module of ``godis`` outside ``commands/``, ``server/``, ``persistence/``, ``cli.py``,
``__main__.py`` and ``pytest_plugin.py``) never imports ``godis.commands`` or ``godis.server``;
nothing in ``godis`` imports inside a function (the way import cycles used to be dodged); the
module-level import graph has no cycle; only ``persistence/`` writes data files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "godis"
SHELL_AND_COMMANDS = ("godis.commands", "godis.server", "godis.persistence", "godis.cli",
                      "godis.__main__", "godis.pytest_plugin")
FORBIDDEN_FOR_CORE = ("godis.commands", "godis.server")
FILE_WRITERS = frozenset({"fsync", "replace", "rename", "mkstemp", "NamedTemporaryFile"})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(path): ast.parse(path.read_text(), str(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


def is_core(name: str) -> bool:
    return name == "godis" or not name.startswith(SHELL_AND_COMMANDS)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The godis modules an import statement loads (``from godis.commands import x`` loads
    the package and, when ``x`` is a submodule, ``godis.commands.x``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.startswith("godis")]
    base = node.module or ""
    if node.level:
        base = ".".join([*module.split(".")[: len(module.split(".")) - node.level], base])
    if not base.startswith("godis"):
        return []
    found = [base]
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        if (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                PACKAGE.parent / Path(*candidate.split(".")) / "__init__.py").exists():
            found.append(candidate)
    return found


def runtime_imports(tree: ast.Module, module: str) -> list[tuple[int, str]]:
    """(line, imported module) of every import executed when the module loads."""
    found: list[tuple[int, str]] = []

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                found.extend((statement.lineno, name) for name in imported(statement, module))
            elif isinstance(statement, ast.If) and not _is_type_checking(statement):
                visit(statement.body)
                visit(statement.orelse)
            elif isinstance(statement, ast.Try):
                visit(statement.body)
                for handler in statement.handlers:
                    visit(handler.body)

    visit(tree.body)
    return found


def local_imports(tree: ast.Module) -> list[int]:
    """Lines of imports inside functions."""
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines.extend(inner.lineno for inner in ast.walk(node)
                         if isinstance(inner, (ast.Import, ast.ImportFrom)))
    return lines


def core_violations(trees: dict[str, ast.Module]) -> list[str]:
    return [f"{name}:{line} imports {target}"
            for name, tree in trees.items() if is_core(name)
            for line, target in runtime_imports(tree, name)
            if target.startswith(FORBIDDEN_FOR_CORE)]


def find_cycle(trees: dict[str, ast.Module]) -> list[str] | None:
    graph = {name: {target for _, target in runtime_imports(tree, name) if target in trees
                    and target != name}
             for name, tree in trees.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state:
                cycle = visit(target)
                if cycle is not None:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle is not None:
                return cycle
    return None


def test_core_never_imports_commands_or_server() -> None:
    assert core_violations(modules()) == []


def test_no_function_local_imports() -> None:
    found = [f"{name}:{line}" for name, tree in modules().items() for line in local_imports(tree)]
    assert found == []


def test_import_graph_is_acyclic() -> None:
    assert find_cycle(modules()) is None


def test_only_persistence_writes_data_files() -> None:
    found = []
    for name, tree in modules().items():
        if name.startswith("godis.persistence"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in FILE_WRITERS and isinstance(
                    node.value, ast.Name) and node.value.id in ("os", "tempfile"):
                found.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == []


@pytest.mark.parametrize(("module", "source", "expected"), [
    ("godis.dispatch", "from godis.commands.strings import get_command\n",
     "godis.dispatch:1 imports godis.commands.strings"),
    ("godis.state", "import godis.server.serve\n", "godis.state:1 imports godis.server.serve"),
    ("godis.commands.keys", "from godis.server.connection import Connection\n", None),
])
def test_the_checks_catch_a_forbidden_import(module: str, source: str,
                                             expected: str | None) -> None:
    """The rule is not vacuous: a core module that imports a command module is reported."""
    trees = modules()
    trees[module] = ast.parse(source + ast.unparse(trees[module]))
    violations = core_violations(trees)
    assert (expected in violations) if expected else violations == []


def test_the_cycle_check_catches_a_cycle() -> None:
    trees = modules()
    trees["godis.util"] = ast.parse("import godis.dispatch\n" + ast.unparse(trees["godis.util"]))
    cycle = find_cycle(trees)
    assert cycle is not None
    assert "godis.util" in cycle


def test_the_local_import_check_catches_one() -> None:
    tree = ast.parse("def f() -> None:\n    from godis.commands import strings\n")
    assert local_imports(tree) == [2]
