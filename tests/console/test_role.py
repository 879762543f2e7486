"""``fraudd run --roles console`` on its own: it serves 401 without credentials, opens cases for
the alerts it finds (``fraudd_cases_open``) and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.cases.conftest import CasesEnv
from tests.cli.conftest import environ_without_fraudd, warehouse_env
from tests.conftest import free_ports

pytestmark = [
    pytest.mark.parametrize("cases_env", ["postgres"], indirect=True),
    pytest.mark.timeout(120),
]


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as r:
        return r.status, await r.text()


async def _console(
    env: CasesEnv, schema: str, state_dir: Path, stderr: int, **settings: str
) -> asyncio.subprocess.Process:
    """``fraudd run --roles console`` on ``env``'s PostgreSQL and ``schema``, configured by
    environment variables only (``settings``: more of them)."""
    variables = environ_without_fraudd() | warehouse_env(env.settings, schema) | settings
    variables["FRAUDD_LOCAL__STATE_DIR"] = str(state_dir)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fraudd", "run", "--roles", "console", env=variables,
        stdout=asyncio.subprocess.PIPE, stderr=stderr,
    )  # fmt: skip


async def test_the_console_role_runs_alone(seeded: CasesEnv, tmp_path: Path) -> None:
    console_port, http_port = free_ports(2)
    proc = await _console(
        seeded, seeded.schema, tmp_path, asyncio.subprocess.STDOUT,
        FRAUDD_CONSOLE__PORT=str(console_port), FRAUDD_CONSOLE__INTAKE_POLL_S="0.2",
        FRAUDD_HTTP__PORT=str(http_port), FRAUDD_LOG_FORMAT="json",
    )  # fmt: skip
    try:
        metrics = ""
        for _ in range(300):
            await asyncio.sleep(0.1)
            try:
                metrics = (await _get(f"http://127.0.0.1:{http_port}/metrics"))[1]
            except aiohttp.ClientError:
                continue
            if "fraudd_cases_open 2.0" in metrics:
                break
            if proc.returncode is not None:
                break
        assert "fraudd_cases_open 2.0" in metrics, await _output(proc)
        status, body = await _get(f"http://127.0.0.1:{console_port}/")
        assert status == 401 and "case-tx" not in body and "card-tok" not in body
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, out.decode()[-2000:]
    assert b'"console.started"' in out


async def _output(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None or proc.stdout is None:
        return "still running"
    return (await proc.stdout.read()).decode()[-3000:]


async def test_the_console_on_an_unmigrated_schema_stops_with_one_line(
    cases_env: CasesEnv, tmp_path: Path
) -> None:
    proc = await _console(
        cases_env, "never_migrated", tmp_path, asyncio.subprocess.PIPE,
        FRAUDD_CONSOLE__PORT=str(free_ports(1)[0]), FRAUDD_HTTP__PORT="0",
        FRAUDD_LOG_LEVEL="warning",
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 78
    assert err.decode().strip().endswith("run `fraudd migrate` first"), err.decode()[-1500:]
    assert b"Traceback" not in err


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A P-256 key and a self-signed certificate for 127.0.0.1, as UserData makes on the host."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fraudd-console")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = folder / "console.crt", folder / "console.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    return cert_file, key_file


async def test_the_console_serves_https_from_its_certificate(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    """Starts the console with console.tls_cert_file/tls_key_file; sends GET /login over HTTPS
    (answered) and over plain HTTP (not answered as a page)."""
    cert, key = _self_signed(tmp_path)
    port, http_port = free_ports(2)
    proc = await _console(
        seeded, seeded.schema, tmp_path, asyncio.subprocess.STDOUT,
        FRAUDD_CONSOLE__PORT=str(port), FRAUDD_HTTP__PORT=str(http_port),
        FRAUDD_CONSOLE__TLS_CERT_FILE=str(cert), FRAUDD_CONSOLE__TLS_KEY_FILE=str(key),
    )  # fmt: skip
    try:
        status = 0
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                await asyncio.sleep(0.1)
                try:
                    async with http.get(f"https://127.0.0.1:{port}/login", ssl=False) as r:
                        status = r.status
                        break
                except aiohttp.ClientError:
                    if proc.returncode is not None:
                        break
        assert status == 200, await _output(proc)
        with pytest.raises(aiohttp.ClientError):
            await _get(f"http://127.0.0.1:{port}/login")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, out.decode()[-2000:]


async def test_a_certificate_that_cannot_be_loaded_stops_the_console_with_exit_78(
    seeded: CasesEnv, tmp_path: Path
) -> None:
    cert, _ = _self_signed(tmp_path)
    proc = await _console(
        seeded, seeded.schema, tmp_path, asyncio.subprocess.PIPE,
        FRAUDD_CONSOLE__PORT=str(free_ports(1)[0]), FRAUDD_HTTP__PORT="0",
        FRAUDD_CONSOLE__TLS_CERT_FILE=str(cert), FRAUDD_CONSOLE__TLS_KEY_FILE=str(cert),
        FRAUDD_LOG_LEVEL="warning",
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 78, err.decode()[-1500:]
    assert "console.tls_cert_file: cannot load" in err.decode() and b"Traceback" not in err
