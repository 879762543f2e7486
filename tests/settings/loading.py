"""What the settings tests share: a TOML file in a temporary folder, settings loaded from it with
``FRAUDD_`` variables on top, and the check that a section refuses a value with its message."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from fraudd.settings import Settings, load_settings


def write(tmp_path: Path, text: str) -> Path:
    """``text`` as ``fraudd.toml`` in ``tmp_path``."""
    path = tmp_path / "fraudd.toml"
    path.write_text(text)
    return path


def loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, **environment: str
) -> Settings:
    """Settings from ``toml`` with each ``environment`` variable set on top."""
    path = write(tmp_path, toml)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_settings(path)


def assert_refused(
    section: type[pydantic.BaseModel], values: dict[str, object], message: str
) -> None:
    """``section(**values)`` fails validation with ``message``."""
    with pytest.raises(pydantic.ValidationError, match=message):
        section(**values)
