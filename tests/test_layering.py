"""The import graph, read from the source: no cycles, and no layer imports one above it.

Layers, lowest first (ARCHITECTURE.md draws them): the generated stubs `soundloom.v1`; the
engine `soundloom_server.engine` (plan -> render -> mix -> master -> package); the transport's
conversions `soundloom_server.plan_proto`; the service `soundloom_server.service`; the SDK and
CLI `soundloom`. Imports inside functions count as imports: a lazy import still couples.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "server", ROOT / "sdk")
STUBS = "soundloom.v1"
ENGINE = "soundloom_server.engine"
TRANSPORT = "soundloom_server.plan_proto"
SERVICE = "soundloom_server.service"
SDK = "soundloom"
# The one import that crosses the SDK -> service line: `soundloom serve`, imported only there.
LAZY_SERVE = ("soundloom.cli", "soundloom_server.service.serve")
# The engine's foundations: every stage uses them, so they use no stage.
FOUNDATIONS = {
    f"{ENGINE}.{name}" for name in ("errors", "plan", "audio", "backend", "seeds", "checksums")
}


@dataclass(frozen=True)
class Import:
    """One import of one of our modules by another."""

    importer: str
    imported: str
    in_function: bool
    line: int


def _modules() -> dict[str, Path]:
    found = {}
    for base in SOURCES:
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The most specific module of ours that `name` (a module or a name in one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([node.module] if node.module else []))
        names = [f"{base}.{alias.name}" for alias in node.names]
    return {found for name in names if (found := _resolve(name)) and found != module}


def _imports_of(module: str) -> list[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(
                    Import(module, target, in_function, child.lineno)
                    for target in _targets(module, child)
                )
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, inner)

    visit(tree, False)
    return found


IMPORTS = [found for module in sorted(MODULES) for found in _imports_of(module)]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in IMPORTS:
        graph[found.importer].add(found.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                connect(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return components


def _layer_breaks(found: Import) -> str | None:
    """Why this import goes up a layer, or None when it is allowed."""
    importer, imported = found.importer, found.imported
    if _within(importer, STUBS) and not _within(imported, STUBS):
        return "the generated stubs import nothing of ours"
    if _within(importer, ENGINE) and not (
        _within(imported, ENGINE) or imported == "soundloom_server"
    ):
        return "the engine imports only the engine"
    if importer in FOUNDATIONS and imported not in FOUNDATIONS | {"soundloom_server"}:
        return "the engine's foundations import no stage"
    if importer == TRANSPORT and not (_within(imported, ENGINE) or _within(imported, STUBS)):
        return "the transport's conversions import only the engine and the stubs"
    if _within(importer, SERVICE) and _within(imported, SDK) and not _within(imported, STUBS):
        return "the service imports the SDK's stubs only"
    if _within(importer, SDK) and _within(imported, SERVICE):
        if (importer, imported) == LAZY_SERVE and found.in_function:
            return None
        return "the SDK imports the service only to serve, lazily"
    return None


def test_the_graph_is_read_from_every_module() -> None:
    assert len(MODULES) > 150
    assert any(f.importer == "soundloom_server.engine.pipeline" for f in IMPORTS)
    lazy = [f for f in IMPORTS if (f.importer, f.imported) == LAZY_SERVE]
    assert lazy and all(f.in_function for f in lazy), "`soundloom serve` imports the server lazily"


def test_no_import_cycles() -> None:
    assert _cycles() == []


@pytest.mark.parametrize(
    ("importer", "imported", "in_function"),
    [
        ("soundloom_server.engine.pipeline", "soundloom_server.plan_proto", True),
        ("soundloom_server.engine.plan", "soundloom_server.engine.pipeline", False),
        ("soundloom.client", "soundloom_server.service.servicer", True),
        ("soundloom.cli", "soundloom_server.service.serve", False),
        ("soundloom_server.service.servicer", "soundloom.client", False),
        ("soundloom.v1.soundloom_pb2", "soundloom_server.engine.plan", False),
    ],
)
def test_the_rules_catch_an_upward_import(importer: str, imported: str, in_function: bool) -> None:
    assert _layer_breaks(Import(importer, imported, in_function, 1)) is not None


def test_no_layer_imports_one_above_it() -> None:
    breaks = [
        f"{f.importer}:{f.line} imports {f.imported}: {why}"
        for f in IMPORTS
        if (why := _layer_breaks(f))
    ]
    assert breaks == []
