"""The vendored htmx file is the released one, and the wheel carries templates and static files."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from fraudd.console.web import HERE, HTMX

ROOT = Path(__file__).resolve().parents[2]


def test_the_vendored_htmx_matches_its_recorded_checksum() -> None:
    table = (HERE / "static" / "VENDORED.md").read_text(encoding="utf-8")
    row = next(line for line in table.splitlines() if line.startswith(f"| `{HTMX}`"))
    recorded = re.findall(r"`([0-9a-f]{64})`", row)
    digest = hashlib.sha256((HERE / "static" / HTMX).read_bytes()).hexdigest()
    assert recorded == [digest]


def test_templates_and_static_files_are_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["fraudd"]
    assert "console/templates/*.html" in patterns and "console/static/*" in patterns
    assert list((HERE / "templates").glob("*.html")) and (HERE / "static" / HTMX).is_file()
