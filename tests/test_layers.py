"""The package dependency order: a module of fraudd imports only from its own layer or below.

The order, bottom to top (README, "Layout"):

0. foundation — ``fraudd`` itself (the version), settings, logs, metrics, retry, records, pan,
   crashpoints, columns (the transaction's columns), feature_catalog (the features'
   declarations), resources (package data), examples, and
   ``service.health`` (the heartbeat state every task beats into through ``Deps``, served by
   ``service.http`` and read by ``service.systemd``'s watchdog)
1. aws, stream — AWS clients, Kinesis put/read
2. warehouse — the seam (operations, dialects, drivers, migrations)
3. features — the feature list the warehouse computes
4. scoring — rules, model backends, decisions
5. alert, model — the alert message; training, evaluation, the registry commands
6. simulator — the handbook's generative model (stand-alone: imports only the foundation)
7. history — labelled history files: read, validate, bulk loads, the stored timelines
8. sources — what the producer takes swipes from (live, history file, simple)
9. deps — the dependencies a task is given
10. tasks — producer, ingest, consumer, actions, labels, the poll loop
11. replay, cases — one-shot replay of a history file; investigators' verdicts and releases
12. console — the investigators' web console
13. service — the always-on process: daemon, HTTP endpoints, readiness, watchdog, start-up checks
14. demo, demo_setup, localstack — the local demo, its environment, the local stand-ins
15. cli — the commands

Modules in the same layer may import each other (cycles inside a layer are the package's own
business); a module importing from a layer above its own fails this test with the import's line.
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
        "feature_catalog",
        "resources",
        "examples",
        "service.health",
    ),
    ("aws", "stream"),
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
README = ROOT.parent / "README.md"


def _layer_of(module: str) -> int:
    """The layer of the longest listed name that ``module`` (dotted, ``fraudd.`` included) is in."""
    inner = module.split(".")[1:] or ["fraudd"]
    for length in range(len(inner), 0, -1):
        name = ".".join(inner[:length])
        for level, names in enumerate(LAYERS):
            if name in names:
                return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


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
    if base == "fraudd":  # from fraudd import aws, settings
        return [f"fraudd.{a.name}" if a.name != "__version__" else "fraudd" for a in node.names]
    return [base]


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
        max(_layer_of("fraudd." + n.split("/")[0].removesuffix(".py")) for n in line)
        for line in _readme_layout()
    ]
    assert levels == sorted(levels), f"README Layout lines out of the dependency order: {levels}"
