"""tests/ mirrors the package: each module with logic has a test module of its name.

- ``fraudd/<path>/<module>.py`` is tested in ``tests/<path>/test_<module>.py``; a top-level
  module ``fraudd/<module>.py`` in ``tests/test_<module>.py``.
- A warehouse area (``fraudd/warehouse/<area>.py``, a module that declares the area's ``...Ops``
  Protocol next to its shared code and its two dialects' classes) is one contract, tested on
  both dialects in ``tests/warehouse/contract/test_<area>.py``.
- A module has logic when one of its functions does more than declare itself (a Protocol's
  methods, a docstring and ``...``, do not count).
- The few modules tested elsewhere are listed below with where.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fraudd

ROOT = Path(fraudd.__file__).parent
TESTS = Path(__file__).parent

# module (relative to fraudd/) -> where its behaviour is tested instead
TESTED_ELSEWHERE = {
    "crashpoints.py": "tests/reliability/test_crashpoints.py (crashes of the real daemon)",
    "demo_setup.py": "tests/test_demo.py and tests/cli/test_demo.py",
    "deps.py": "every test that opens a role's dependencies (tests/warehouse/contract/env.py)",
    "stream.py": "tests/e2e and tests/reliability (kinesalite, throttling faults)",
    "cases/values.py": "tests/cases/test_service.py (a released block's audit states)",
    "model/record.py": "tests/model/test_train.py and test_export.py (a registered booster)",
}


def _is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = [
        s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return not body


def has_logic(path: Path) -> bool:
    """True when a function of the module does more than declare itself."""
    tree = ast.parse(path.read_text())
    functions = (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    return any(not _is_stub(fn) for fn in functions)


def is_area(module: Path) -> bool:
    """True for a warehouse area: a module of fraudd/warehouse/ that declares an ``...Ops``."""
    if module.parent != Path("warehouse"):
        return False
    tree = ast.parse((ROOT / module).read_text())
    return any(isinstance(n, ast.ClassDef) and n.name.endswith("Ops") for n in tree.body)


def mirrored(module: Path) -> Path:
    """Where the tests of ``module`` (relative to fraudd/) live."""
    if is_area(module):
        return TESTS / "warehouse" / "contract" / f"test_{module.stem}.py"
    return TESTS / module.parent / f"test_{module.stem}.py"


def modules_with_logic() -> list[Path]:
    """Every module of the package with logic, relative to fraudd/."""
    skip = {"__init__", "__main__"}
    paths = (p for p in sorted(ROOT.rglob("*.py")) if p.stem not in skip)
    return [p.relative_to(ROOT) for p in paths if has_logic(p)]


def test_every_module_with_logic_has_its_test_module() -> None:
    missing = [str(m) for m in modules_with_logic() if not mirrored(m).exists()]
    allowed = set(TESTED_ELSEWHERE)
    assert set(missing) == allowed, (
        f"modules without their test module: {sorted(set(missing) - allowed)}; "
        f"listed as without one but now have one: {sorted(allowed - set(missing))}"
    )
