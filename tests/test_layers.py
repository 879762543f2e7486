"""The package dependency order: a module of fraudd imports only from its own layer or below.

The order, bottom to top (README, "Layout"):

0. foundation — ``fraudd`` itself (the version), settings, logs, metrics, retry, records, pan,
   crashpoints, columns (the transaction's columns), resources (package data), examples, and
   health (the heartbeat state every task beats into through ``Deps``, served by
   ``service.http`` and read by ``service.systemd``'s watchdog)
1. aws, stream — AWS clients, Kinesis put/read
2. values — the domain values the warehouse stores, each in the package that owns their rules
   and listed apart from it: ``scoring.thresholds``, ``model.record``, ``cases.values``
3. warehouse — the seam (operations, dialects, drivers, migrations)
4. features — the feature list the warehouse computes
5. scoring — rules, model backends, decisions
6. alert, model — the alert message; training, evaluation, the registry commands
7. simulator — the handbook's generative model (stand-alone: imports only the foundation)
8. history — labelled history files: read, validate, bulk loads, the stored timelines
9. sources — what the producer takes swipes from (live, history file, simple)
10. deps — the dependencies a task is given
11. tasks — producer, ingest, consumer, actions, labels, the poll loop
12. replay, cases — one-shot replay of a history file; investigators' verdicts and releases
13. console — the investigators' web console
14. service — the always-on process: daemon, HTTP endpoints, readiness, watchdog, start-up checks
15. demo, demo_setup, localstack — the local demo, its environment, the local stand-ins
16. cli — the commands

A module importing from a layer above its own fails with the import's line. Packages of one
layer may import one another, but not round a cycle; inside a package, modules may. Outside
``fraudd/warehouse/``, a module imports the warehouse's public entry (``fraudd.warehouse``) only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fraudd

LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "fraudd",
        "settings",
        "logs",
        "metrics",
        "retry",
        "records",
        "pan",
        "crashpoints",
        "columns",
        "resources",
        "examples",
        "health",
    ),
    ("aws", "stream"),
    ("scoring.thresholds", "model.record", "cases.values"),
    ("warehouse",),
    ("features",),
    ("scoring",),
    ("alert", "model"),
    ("simulator",),
    ("history",),
    ("sources",),
    ("deps",),
    ("tasks",),
    ("replay", "cases"),
    ("console",),
    ("service",),
    ("demo", "demo_setup", "localstack"),
    ("cli", "__main__"),
)

ROOT = Path(fraudd.__file__).parent
SEAM = "fraudd.warehouse"
README = ROOT.parent / "README.md"


def _unit(module: str) -> str:
    """The package of the order that ``module`` (dotted, ``fraudd.`` included) belongs to: the
    longest name of LAYERS it is in (a top-level package or module, or a module listed apart)."""
    inner = module.split(".")[1:] or ["fraudd"]
    for length in range(len(inner), 0, -1):
        name = ".".join(inner[:length])
        if any(name in names for names in LAYERS):
            return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def _layer_of(module: str) -> int:
    """The layer of the package ``module`` belongs to."""
    unit = _unit(module)
    return next(level for level, names in enumerate(LAYERS) if unit in names)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(module: str, path: Path, node: ast.AST) -> list[str]:
    """The fraudd modules an import statement names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "fraudd"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        kept = package[: len(package) - node.level + 1]
        base = ".".join([*kept, node.module or ""]).strip(".")
    else:
        base = node.module or ""
    if base.split(".")[0] != "fraudd":
        return []
    return [_submodule(base, a.name) for a in node.names]


def _submodule(package: str, name: str) -> str:
    """``package.name`` when ``from package import name`` imports a module, else ``package``."""
    path = ROOT.parent.joinpath(*package.split("."), name)
    is_module = path.with_suffix(".py").exists() or (path / "__init__.py").exists()
    return f"{package}.{name}" if is_module else package


def imports() -> list[tuple[str, str, str]]:
    """Every (importer, imported, "path:line") import of one fraudd module by another."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _imported(module, path, node):
                where = f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"
                found.append((module, target, where))
    return found


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = [
        f"{where}: {module} (layer {_layer_of(module)}) imports {target} "
        f"(layer {_layer_of(target)})"
        for module, target, where in imports()
        if _layer_of(target) > _layer_of(module)
    ]
    assert not upward, "imports against the dependency order:\n" + "\n".join(upward)


def test_outside_the_warehouse_only_its_public_entry_is_imported() -> None:
    """The seam is :mod:`fraudd.warehouse` itself: what lies under it (areas, drivers, SQL
    files) may change shape without any caller noticing, so no caller may name it."""
    around = {
        f"{where}: {module} imports {target}": None
        for module, target, where in imports()
        if target.startswith(f"{SEAM}.") and not module.startswith(f"{SEAM}.") and module != SEAM
    }
    assert not around, f"imports around the seam ({SEAM} only):\n" + "\n".join(around)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_packages_import_each_other() -> None:
    """Packages of the order may share a layer, but never import each other round a cycle:
    each can be read (and tested) with only what is below it in mind."""
    edges: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for module, target, line in imports():
        a, b = _unit(module), _unit(target)
        if a != b:
            edges.setdefault(a, set()).add(b)
            where.setdefault((a, b), line)
    cycles = _cycles(edges)
    shown = [
        ", ".join(c) + ": " + ", ".join(where[(a, b)] for a in c for b in c if (a, b) in where)
        for c in cycles
    ]
    assert not cycles, "packages that import each other:\n" + "\n".join(shown)


def test_the_simulator_stands_alone() -> None:
    """The simulator uses the foundation (the record's columns and version) and nothing else."""
    outside = [
        f"{where}: {target}"
        for module, target, where in imports()
        if module.startswith("fraudd.simulator")
        and not target.startswith("fraudd.simulator")
        and _layer_of(target) > 0
    ]
    assert not outside, outside


def _readme_layout() -> list[list[str]]:
    """The fraudd names on each line of the README's Layout block, as paths under fraudd/."""
    text = README.read_text()
    block = text[text.index("## Layout") :].split("```")[1]
    lines = []
    for line in block.splitlines():
        if line.startswith("fraudd/"):
            names = line.split("   ")[0].split()
            lines.append([n.removeprefix("fraudd/").rstrip("/") for n in names])
    return lines


def test_the_readme_layout_matches_the_tree_and_the_order() -> None:
    listed = [name for line in _readme_layout() for name in line]
    missing = sorted(n for n in listed if not (ROOT / n).exists())
    assert not missing, f"README Layout names what is not in fraudd/: {missing}"
    top = {p.name for p in ROOT.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    unlisted = sorted(top - {"__init__.py", "__main__.py"} - {n.split("/")[0] for n in listed})
    assert not unlisted, f"README Layout does not name: {unlisted}"
    levels = [
        max(_layer_of("fraudd." + n.removesuffix(".py").replace("/", ".")) for n in line)
        for line in _readme_layout()
    ]
    assert levels == sorted(levels), f"README Layout lines out of the dependency order: {levels}"
