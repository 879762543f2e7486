"""The installed artefact: the wheel operators install, run from outside the checkout.

Steps, in order (one module-scoped install, then one test per command):
1. ``deploy/systemd/install.sh`` under a temporary ``DESTDIR`` (no user, no systemctl), exactly
   as the CloudFormation host runs it: it builds the wheel from the checkout and installs it with
   ``requirements.lock`` as constraints into a fresh venv (plus the ``local`` extra for the
   demo; ``PIP_NO_COMPILE`` only saves time), and writes ``etc/fraudd/fraudd.toml``;
2. from a working directory outside the checkout, with no ``PYTHONPATH``: ``fraudd config
   example``, ``config show``, ``local up``, ``migrate``, a 10-second ``demo --json`` and
   ``local down --purge``; the demo's JSON must show decisions and alerts.

The checkout's tests import fraudd from the source tree and cannot see a file missing from the
wheel; this one can (``fraudd migrate`` found no migrations before the SQL became package data).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_ports

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "deploy" / "systemd" / "install.sh"
AWS_EXAMPLE = REPO / "fraudd" / "examples" / "aws.example.toml"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    cwd: Path
    env: dict[str, str]
    root: Path

    def fraudd(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "fraudd"), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _run(*argv: str, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _clean_env(home: Path) -> dict[str, str]:
    """The caller's environment without anything that could point back into the checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("FRAUDD_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    kinesis, moto, postgres, http, console = free_ports(5)
    env.update(
        FRAUDD_LOCAL__STATE_DIR=str(home / "state"),
        FRAUDD_LOCAL__KINESIS_PORT=str(kinesis),
        FRAUDD_LOCAL__MOTO_PORT=str(moto),
        FRAUDD_LOCAL__POSTGRES_PORT=str(postgres),
        FRAUDD_KINESIS__ENDPOINT_URL=f"http://127.0.0.1:{kinesis}",
        FRAUDD_SNS__ENDPOINT_URL=f"http://127.0.0.1:{moto}",
        FRAUDD_SQS__ENDPOINT_URL=f"http://127.0.0.1:{moto}",
        FRAUDD_WAREHOUSE__PORT=str(postgres),
        FRAUDD_HTTP__PORT=str(http),
        FRAUDD_CONSOLE__PORT=str(console),
        FRAUDD_LOG_FORMAT="json",
    )
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    home = tmp_path_factory.mktemp("installed")
    assert not home.resolve().is_relative_to(REPO)
    root = home / "root"
    env = _clean_env(home)
    installer_env = env | {
        "DESTDIR": str(root),
        "PYTHON": sys.executable,
        "FRAUDD_SKIP_SYSTEMCTL": "1",
        "FRAUDD_EXTRAS": "local",
        "PIP_NO_COMPILE": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    _run("bash", str(INSTALLER), "--no-enable", cwd=home, env=installer_env, timeout=900)  # 1
    dist = home / "dist"  # the same build, kept for the listing test
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--wheel-dir",
        str(dist),
        str(REPO),
        cwd=home,
        timeout=300,
    )
    (wheel,) = dist.glob("fraudd-*.whl")
    cwd = home / "work"  # 2
    cwd.mkdir()
    target = Installed(wheel, root / "opt" / "fraudd" / ".venv", cwd, env, root)
    yield target
    target.fraudd("local", "down", "--purge", timeout=120)


def package_files() -> set[str]:
    """Every file of the package in the checkout, as the wheel must hold it: not only SQL but
    templates, examples and the emulator's launcher. Bytecode and the emulator's node_modules
    are build by-products. bench/ is not part of the package (its reference_pattern.sql only runs
    from a checkout, like the benchmarks themselves)."""
    skip = {"__pycache__", "node_modules"}
    files = (p for p in (REPO / "fraudd").rglob("*") if p.is_file())
    return {str(p.relative_to(REPO)) for p in files if not skip & set(p.parts)}


def test_the_wheel_holds_every_file_of_the_package(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    files = package_files()
    assert len({f for f in files if f.endswith(".sql")}) >= 10
    assert files <= names, sorted(files - names)
    for runtime in (
        "fraudd/examples/aws.example.toml",
        "fraudd/examples/local.toml",
        "fraudd/localstack/node/launcher.js",
        "fraudd/localstack/node/package.json",
        "fraudd/localstack/node/package-lock.json",
        "fraudd/localstack/node/.npmrc",
    ):
        assert runtime in names, runtime


def test_fraudd_is_imported_from_the_venv_not_the_checkout(installed: Installed) -> None:
    result = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import fraudd; print(fraudd.__file__)"],
        cwd=installed.cwd,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    location = Path(result.stdout.strip())
    assert location.is_relative_to(installed.venv), location
    assert not (location.parent / "localstack" / "node" / "node_modules").exists()


def test_config_example_prints_the_packaged_files(installed: Installed) -> None:
    aws = installed.fraudd("config", "example", "--aws")
    assert aws.returncode == 0, aws.stderr
    assert aws.stdout == AWS_EXAMPLE.read_text()
    written = installed.root / "etc" / "fraudd" / "fraudd.toml"  # by install.sh, from the venv
    assert written.read_text() == AWS_EXAMPLE.read_text()
    assert written.stat().st_mode & 0o777 == 0o640
    local = installed.fraudd("config", "example", "--local")
    assert local.returncode == 0, local.stderr
    (installed.cwd / "local.toml").write_text(local.stdout)


def test_config_show_migrate_and_a_ten_second_demo(installed: Installed) -> None:
    config = ("--config", "local.toml")
    shown = installed.fraudd(*config, "config", "show")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["warehouse"]["port"] == int(
        installed.env["FRAUDD_WAREHOUSE__PORT"]
    )
    up = installed.fraudd(*config, "local", "up", timeout=300)
    assert up.returncode == 0, up.stderr[-3000:]
    # npm installed the emulator beside the state, not into site-packages
    assert (Path(installed.env["FRAUDD_LOCAL__STATE_DIR"]) / "node" / "node_modules").is_dir()
    migrated = installed.fraudd(*config, "migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    applied = re.search(r"applied (\d+) migration", migrated.stdout)
    assert applied is not None and int(applied.group(1)) >= 3, migrated.stdout
    demo = installed.fraudd(*config, "demo", "--seconds", "10", "--json", timeout=600)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    summary = json.loads(demo.stdout.strip().splitlines()[-1])
    assert summary["decided"] > 0
    assert summary["decided"] == summary["sent_to_stream"] - summary.get("dead_lettered", 0)
    assert summary["alerts_received"] > 0, summary
