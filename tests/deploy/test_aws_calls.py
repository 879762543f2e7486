"""The AWS-call recorder (tests/deploy/aws_calls.py) in a subprocess, as the reliability daemons
and the e2e subprocesses run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.deploy import aws_calls


def test_a_subprocess_records_from_its_first_import_of_fraudd_aws(tmp_path: Path) -> None:
    """The plugin's sitecustomize imports no AWS stack at interpreter start, and still wraps
    open_client before any importer binds it (the reliability daemons' calls are recorded)."""
    code = (
        "import sys\n"
        "assert 'aiobotocore' not in sys.modules and 'fraudd.aws' not in sys.modules\n"
        "from fraudd.aws import open_client\n"
        "import fraudd.aws\n"
        "print(open_client is fraudd.aws.open_client, open_client._records_calls)\n"
    )
    env = {**os.environ, **aws_calls.subprocess_env(tmp_path / "calls.jsonl")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
