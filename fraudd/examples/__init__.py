"""Configuration examples shipped in the package (``fraudd config example``).

``config/`` at the top of the repository is a link to this directory, so the checkout and the
installed wheel read the same files; code finds them through :func:`example_path`, never through
the checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

Example = Literal["aws", "local"]
_FILES: dict[Example, str] = {"aws": "aws.example.toml", "local": "local.toml"}


def example_path(name: Example) -> Path:
    """The packaged file of one example (a real file: the package is installed unzipped)."""
    return Path(str(resources.files(__name__).joinpath(_FILES[name])))


def example_text(name: Example) -> str:
    """The text of one example, as shipped."""
    return example_path(name).read_text(encoding="utf-8")
