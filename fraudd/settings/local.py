"""The embedded local stack's section: where it keeps its state and the ports it listens on."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fraudd.settings.base import Section


class LocalStackSettings(Section):
    state_dir: Path = Path(".fraudd")
    kinesis_port: int = Field(default=4567, ge=1, le=65535)
    moto_port: int = Field(default=4566, ge=1, le=65535)
    postgres_port: int = Field(default=54329, ge=1, le=65535)
