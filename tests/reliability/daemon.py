"""The daemon as a real subprocess: ``python -m fraudd --config <toml> run``, killed and restarted
at will. Settings go into a TOML file; secrets go only into the child's environment."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from fraudd.settings import Role, Settings

SECRET_ENV = {
    ("warehouse", "password"): "FRAUDD_WAREHOUSE__PASSWORD",
    ("aws", "access_key_id"): "FRAUDD_AWS__ACCESS_KEY_ID",
    ("aws", "secret_access_key"): "FRAUDD_AWS__SECRET_ACCESS_KEY",
}
DAEMON_ROLES: tuple[Role, ...] = ("ingest", "consumer", "actions")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def to_toml(settings: Settings) -> str:
    """The settings as TOML, secrets and unset (None) values left out."""
    data = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    top = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    lines = [*top]
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"\n[{section}]")
        for key, value in values.items():
            if (section, key) not in SECRET_ENV:
                lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def secret_env(settings: Settings) -> dict[str, str]:
    """The secrets of ``settings`` as FRAUDD_* variables for the child."""
    env = {}
    for (section, key), var in SECRET_ENV.items():
        value = getattr(getattr(settings, section), key)
        if value is not None and value.get_secret_value():
            env[var] = value.get_secret_value()
    return env


class DaemonProcess:
    """One daemon under test; every run appends its stdout/stderr to ``log_path``."""

    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        roles: tuple[Role, ...] = DAEMON_ROLES,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings.derive(**{"roles": roles, "log_format": "json"})
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "fraudd.toml"
        self.config_path.write_text(to_toml(self.settings), encoding="utf-8")
        self.log_path = workdir / "daemon.log"
        self.base_env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.starts = 0

    @property
    def port(self) -> int:
        return self.settings.http.port

    def start(
        self, extra_env: Mapping[str, str] | None = None, roles: tuple[Role, ...] | None = None
    ) -> None:
        """Spawn the daemon (the previous one must have exited); ``roles`` overrides the file."""
        assert self.proc is None or self.proc.poll() is not None, "daemon still running"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAUDD_", "NOTIFY_"))}
        env.update(secret_env(self.settings) | self.base_env | dict(extra_env or {}))
        argv = [sys.executable, "-m", "fraudd", "--config", str(self.config_path), "run"]
        if roles is not None:
            argv += ["--roles", ",".join(roles)]
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.started_at = time.time()
        self.starts += 1

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL and reap."""
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    async def wait_exit(self, timeout_s: float) -> int | None:
        """The exit code, or None if still running after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.05)
        return None

    async def http(self, path: str, timeout_s: float = 2.0) -> tuple[int, str]:
        """GET ``path`` on the daemon's endpoint: (status, body); (0, error) if unreachable."""
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as s,
                s.get(url) as resp,
            ):
                return resp.status, await resp.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return 0, type(exc).__name__

    async def wait_http(self, timeout_s: float = 30.0) -> bool:
        """Wait until the endpoint answers (any status) or the process dies."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.alive():
            status, _ = await self.http("/healthz", 0.5)
            if status:
                return True
            await asyncio.sleep(0.1)
        return False

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
