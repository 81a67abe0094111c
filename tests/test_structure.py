"""The package's shape, checked: renderers read the derivation and compute nothing, the modules
import each other in one direction, and none grows past a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symbackprop"
RENDERERS = sorted((PACKAGE / "render").rglob("*.py"))


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", RENDERERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_renderer_derives(path: Path) -> None:
    """No renderer asks an operation for a derivative, rebuilds a SymPy tree or differentiates."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):  # op.local(...), sympy.diff, a node's SymPy subtree
            assert node.attr not in ("local", "fdiff", "diff", "expr", "materialize"), (
                path.name,
                node.lineno,
                node.attr,
            )
        if isinstance(node, ast.ImportFrom):
            imported = {a.name for a in node.names}
            forbidden = {"diff", "build_graph", "instantiate", "local_templates", "rules"}
            assert not imported & forbidden, (path.name, node.lineno, imported & forbidden)


def _imports(path: Path) -> set[str]:
    """The package's modules this one imports when it is imported (not inside functions, not for types)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, (ast.Import, ast.ImportFrom, ast.Try)) else [node]:
            if isinstance(sub, ast.ImportFrom) and sub.level:
                base = package.split(".")[: len(package.split(".")) - sub.level + 1]
                target = ".".join([*base, *([sub.module] if sub.module else [])])
                out.add(target)
                out |= {f"{target}.{a.name}" for a in sub.names}
            elif isinstance(sub, ast.ImportFrom) and sub.module and sub.module.startswith("symbackprop"):
                out.add(sub.module)
                out |= {f"{sub.module}.{a.name}" for a in sub.names}
    return out


def test_no_import_cycles() -> None:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(name) :], name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            parent = name.rsplit(".", 1)[0]
            if target != parent:  # a submodule importing its own package's light names
                visit(target, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_past_about_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 650
