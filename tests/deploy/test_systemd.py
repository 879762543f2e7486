"""The systemd units: valid for systemd-analyze, hardened, and consistent with fraudd's settings."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fraudd.settings import EX_CONFIG, Settings

UNIT_DIR = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SERVICES = ("fraudd.service", "fraudd@.service", "fraudd-retrain.service")
UNITS = (*SERVICES, "fraudd-retrain.timer")
EXEC = "/opt/fraudd/.venv/bin/fraudd"
MAX_EXPOSURE = 1.5

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze not installed (Debian package: systemd)"
)


def _directives(unit: str) -> dict[str, list[str]]:
    """Every `Key=value` of a unit, values in file order (keys may repeat)."""
    found: dict[str, list[str]] = {}
    for line in (UNIT_DIR / unit).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def _hardening_block(unit: str) -> str:
    return (UNIT_DIR / unit).read_text().split("# --- Hardening", 1)[1].split("[Install]")[0]


def _staged(tmp_path: Path, unit: str) -> Path:
    """A copy of the unit whose ExecStart binary exists (verify refuses missing executables)."""
    stub = tmp_path / "fraudd"
    if not stub.exists():
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    for name in UNITS:  # the timer's Unit= must be loadable from the same directory
        text = (UNIT_DIR / name).read_text().replace(EXEC, str(stub))
        (tmp_path / name).write_text(text)
    return tmp_path / unit


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_COLORS": "0"},
    )


@needs_analyze
@pytest.mark.parametrize("unit", [*UNITS, "fraudd@0-of-2.service"])
def test_verify_reports_nothing(tmp_path: Path, unit: str) -> None:
    if unit.startswith("fraudd@0"):
        _staged(tmp_path, "fraudd@.service")
        (tmp_path / unit).symlink_to("fraudd@.service")
        path = tmp_path / unit
    else:
        path = _staged(tmp_path, unit)
    result = _run("verify", str(path))
    # verify exits 0 even for unknown keys; any line naming our files is a finding.
    ours = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if str(tmp_path) in line or "fraudd" in line
    ]
    assert result.returncode == 0, result.stderr
    assert ours == []


@needs_analyze
def test_verify_catches_a_bad_directive(tmp_path: Path) -> None:
    """Guards the test above: the output filter must see systemd's warnings."""
    path = _staged(tmp_path, "fraudd.service")
    path.write_text(path.read_text().replace("ProtectSystem=strict", "ProtectSystem=banana"))
    result = _run("verify", str(path))
    assert "protect system" in (result.stdout + result.stderr).lower()


def _exposure(output: str) -> float:
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", output)
    assert match, output[-500:]
    return float(match.group(1))


@needs_analyze
@pytest.mark.parametrize("unit", SERVICES)
def test_security_exposure_is_low(unit: str) -> None:
    result = _run("security", "--offline=yes", str(UNIT_DIR / unit))
    assert result.returncode == 0, result.stderr
    exposure = _exposure(result.stdout)
    print(f"{unit}: exposure {exposure}")
    assert exposure <= MAX_EXPOSURE


def test_hardening_is_identical_in_every_service() -> None:
    """One hardening profile: a relaxation in one unit would silently widen its exposure."""
    blocks = {unit: _hardening_block(unit).strip() for unit in SERVICES}
    assert len(set(blocks.values())) == 1, "hardening differs between units"
    for key in ("MemoryDenyWriteExecute", "PrivateUsers", "SystemCallErrorNumber", "UMask"):
        assert f"\n{key}=" in blocks["fraudd.service"]


def test_syscall_filter_denies_with_eperm() -> None:
    """OpenBLAS (numpy) calls mbind(), which @resources forbids; it ignores EPERM but a SIGSYS
    (the default action) would kill fraudd at import."""
    d = _directives("fraudd.service")
    assert d["SystemCallFilter"] == ["@system-service", "~@privileged @resources"]
    assert d["SystemCallErrorNumber"] == ["EPERM"]


def test_daemon_service_contract() -> None:
    d = _directives("fraudd.service")
    assert d["Type"] == ["notify"] and d["NotifyAccess"] == ["main"]
    assert d["WatchdogSec"] == ["30"]
    assert d["Restart"] == ["on-failure"]
    assert d["RestartPreventExitStatus"] == [str(EX_CONFIG)]
    assert d["ExecStart"] == [f"{EXEC} run --config /etc/fraudd/fraudd.toml"]
    assert d["EnvironmentFile"] == ["-/etc/fraudd/fraudd.env"]
    assert d["User"] == ["fraudd"] and d["StateDirectory"] == ["fraudd"]


@pytest.mark.parametrize("unit", ["fraudd.service", "fraudd@.service"])
def test_stop_timeout_exceeds_grace_period(unit: str) -> None:
    """Invariant 8: SIGTERM gets grace_period_s to commit before systemd's SIGKILL."""
    timeout = float(_directives(unit)["TimeoutStopSec"][0])
    default_grace = Settings.model_fields["grace_period_s"].default
    assert timeout >= default_grace + 20


def test_template_passes_instance_name_whole() -> None:
    d = _directives("fraudd@.service")
    assert d["ExecStart"] == [
        f"{EXEC} run --config /etc/fraudd/fraudd.toml --roles consumer,actions --instance %i"
    ]
    assert "-/etc/fraudd/fraudd@%i.env" in d["EnvironmentFile"]


def test_retrain_is_a_oneshot_on_a_persistent_daily_timer() -> None:
    service = _directives("fraudd-retrain.service")
    assert service["Type"] == ["oneshot"]
    assert service["ExecStart"] == [f"{EXEC} train --config /etc/fraudd/fraudd.toml"]
    assert "WatchdogSec" not in service and "Restart" not in service
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.optionxform = str  # type: ignore[assignment,method-assign]
    timer.read(UNIT_DIR / "fraudd-retrain.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "fraudd-retrain.service"
    assert "RandomizedDelaySec" in timer["Timer"]
    assert timer["Install"]["WantedBy"] == "timers.target"


@needs_analyze
def test_timer_schedule_is_daily() -> None:
    spec = configparser.ConfigParser(strict=False, interpolation=None)
    spec.read(UNIT_DIR / "fraudd-retrain.timer")
    result = _run("calendar", "--iterations=2", spec["Timer"]["OnCalendar"])
    assert result.returncode == 0, result.stderr
    assert "03:00:00" in result.stdout


def _install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """install.sh staged under ``root`` (DESTDIR), without a venv or systemctl."""
    env = {
        **os.environ,
        "DESTDIR": str(root),
        "FRAUDD_SKIP_VENV": "1",
        "FRAUDD_SKIP_SYSTEMCTL": "1",
    }
    return subprocess.run(
        ["bash", str(UNIT_DIR / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_install_script_stages_units_and_config(tmp_path: Path) -> None:
    """install.sh under DESTDIR: units copied verbatim, config never world-readable."""
    result = _install(tmp_path)
    assert result.returncode == 0, result.stderr
    for unit in UNITS:
        installed = tmp_path / "etc/systemd/system" / unit
        assert installed.read_text() == (UNIT_DIR / unit).read_text()
    etc = tmp_path / "etc/fraudd"
    assert etc.stat().st_mode & 0o007 == 0
    config = etc / "fraudd.toml"
    if config.exists():
        assert config.stat().st_mode & 0o777 == 0o640
    else:
        assert "WARNING: no installed fraudd" in result.stdout


def test_install_script_keeps_an_existing_config(tmp_path: Path) -> None:
    config = tmp_path / "etc/fraudd/fraudd.toml"
    config.parent.mkdir(parents=True)
    config.write_text('profile = "aws"\n# operator edits\n')
    result = _install(tmp_path, "--no-enable")
    assert result.returncode == 0, result.stderr
    assert config.read_text() == 'profile = "aws"\n# operator edits\n'
