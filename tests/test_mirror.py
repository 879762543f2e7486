"""tests/ mirrors the package: each fraudd package has a test folder of its name (or, for a small
one, tests/test_<package>.py), and each top-level module with logic a ``tests/test_<module>.py``,
except the few listed below with where they are tested instead. Inside packages, tests are named
after the module they test (tests/tasks/test_consumer.py for fraudd/tasks/consumer.py) where one
exists; not every module has its own yet."""

from __future__ import annotations

import ast
from pathlib import Path

import fraudd

ROOT = Path(fraudd.__file__).parent
TESTS = Path(__file__).parent

# top-level module -> where its behaviour is tested today
TESTED_ELSEWHERE = {
    "crashpoints": "tests/reliability/test_crashpoints.py (crashes of the real daemon)",
    "demo_setup": "tests/test_demo.py and tests/cli/test_demo_terminal.py",
    "deps": "every test that opens a role's dependencies (tests/warehouse/contract/env.py)",
    "metrics": "tests/deploy/test_grafana.py (the dashboards' and alerts' metrics exist)",
    "logs": "tests/reliability (the JSON lines the daemon writes)",
    "stream": "tests/e2e and tests/reliability (kinesalite, throttling faults)",
}


def _has_logic(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(tree))


def test_every_package_has_a_test_folder() -> None:
    packages = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())
    data_only = {"examples"}  # shipped TOML files; tests/test_config_files.py reads them
    missing = [
        p
        for p in packages
        if p not in data_only and not (TESTS / p).is_dir() and not (TESTS / f"test_{p}.py").exists()
    ]
    assert not missing, f"packages without tests/<package>/ or tests/test_<package>.py: {missing}"


def test_every_top_level_module_with_logic_has_a_test_module() -> None:
    modules = sorted(
        p.stem
        for p in ROOT.glob("*.py")
        if p.stem not in {"__init__", "__main__"} and _has_logic(p)
    )
    missing = [m for m in modules if not (TESTS / f"test_{m}.py").exists()]
    assert sorted(missing) == sorted(TESTED_ELSEWHERE), (
        f"modules without tests/test_<module>.py: {missing}; "
        f"allowed (tested elsewhere): {sorted(TESTED_ELSEWHERE)}"
    )
