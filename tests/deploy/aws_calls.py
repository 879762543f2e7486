"""Record every AWS call fraudd's own clients make, and which IAM identity makes it on AWS.

The hook is botocore's ``before-parameter-build`` event, registered on every client
:func:`fraudd.aws.open_client` returns (the real aiobotocore clients the roles use), so it sees
each operation with its API parameters before the request is built. The identity follows the
deployment: the ``ingest`` task (fraudd/tasks/ingest.py) does on the local stack what Redshift
streaming ingestion does on AWS (RedshiftStreamingRole); every other call of a fraudd process
runs as the EC2 host's InstanceRole.

In-process runs record into :data:`CALLS`; subprocesses (the reliability runs' daemons) load
``tests/deploy/site/sitecustomize.py`` through ``PYTHONPATH`` and append JSON lines to the file
named by :data:`LOG_ENV`. As a pytest plugin (tests/conftest.py) this module records the whole
session and, at its end, fails the session if any recorded call is not allowed by the
CloudFormation policy of the identity that makes it (tests/deploy/iam.py).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

LOG_ENV = "FRAUDDTEST_AWS_CALL_LOG"
"""Not FRAUDD_-prefixed: the reliability harness strips FRAUDD_* from the daemons' environment."""
SITE = Path(__file__).resolve().parent / "site"
REPO = Path(__file__).resolve().parents[2]
AWS_MODULE = "fraudd.aws"
_KEPT = ("StreamName", "StreamARN", "TopicArn", "Bucket", "Key", "Prefix", "EndpointName")
CALLS: list[dict[str, Any]] = []
_SEEN: set[str] = set()


INGEST_MODULE = f"fraudd{os.sep}tasks{os.sep}ingest.py"


def identity_of_caller() -> str:
    """RedshiftStreamingRole for the ingest task's calls (its code is on the stack: it fans
    out per shard, so task names do not tell), InstanceRole for every other call."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.endswith(INGEST_MODULE):
            return "RedshiftStreamingRole"
        frame = frame.f_back  # type: ignore[assignment]
    return "InstanceRole"


def _normalised(params: dict[str, Any], settings: Any) -> dict[str, Any]:
    """The resource names of a call, in the deployment's terms: the configured stream, topic
    and staging prefix become ``<stream>``, ``<topic>``, ``<bucket>`` and ``staging/``, so the
    checks resolve them to the stack's ARNs; anything else stays as it is (and is denied)."""
    out = {k: params[k] for k in _KEPT if k in params}
    if "Delete" in params:  # DeleteObjects: the keys it deletes
        out["Key"] = params["Delete"]["Objects"][0]["Key"]
    if out.get("StreamName") == settings.kinesis.stream_name:
        out["StreamName"] = "<stream>"
    if str(out.get("StreamARN", "")).endswith(f"/{settings.kinesis.stream_name}"):
        out["StreamARN"] = "<stream>"
    if "ShardIterator" in params and not ({"StreamName", "StreamARN"} & set(params)):
        # GetRecords names no stream: its iterator came from GetShardIterator on the configured
        # one (checked on its own), and IAM authorizes it on that stream's ARN.
        out["StreamName"] = "<stream>"
    topic = settings.sns.topic_arn
    if "TopicArn" in out and (
        out["TopicArn"] == topic or str(out["TopicArn"]).endswith(f":{settings.sns.topic_name}")
    ):
        out["TopicArn"] = "<topic>"
    staging = settings.warehouse.s3_staging_uri
    if staging and out.get("Bucket") == staging.split("/")[2]:
        out["Bucket"] = "<bucket>"
        prefix = staging.split("/", 3)[3]
        for name in ("Key", "Prefix"):
            if str(out.get(name, "")).startswith(prefix):
                out[name] = "staging/" + out[name][len(prefix) :]
    return out


def _origin() -> str:
    """``fraudd`` when the nearest caller of the client from this checkout (or an installed
    fraudd) is product code, ``tests`` when it is a test's or benchmark's own set-up call."""
    product = (str(REPO / "fraudd") + os.sep, f"site-packages{os.sep}fraudd{os.sep}")
    harness = (str(REPO / "tests") + os.sep, str(REPO / "bench") + os.sep)
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(harness):
            return "tests"
        if path.startswith(product[0]) or product[1] in path:
            return "fraudd"
        frame = frame.f_back  # type: ignore[assignment]
    return "tests"


def recorder(settings: Any) -> Any:
    """A botocore handler for one client: note (identity, service, operation, resources)."""

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        call = {
            "origin": _origin(),
            "identity": identity_of_caller(),
            "service": model.service_model.service_name,
            "operation": model.name,
            "params": _normalised(params, settings),
        }
        line = json.dumps(call, sort_keys=True)
        if line in _SEEN:
            return
        _SEEN.add(line)
        CALLS.append(call)
        path = os.environ.get(LOG_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    return record


def install(aws: ModuleType | None = None) -> None:
    """Wrap :func:`fraudd.aws.open_client` so every client it opens records its calls."""
    aws = aws or importlib.import_module(AWS_MODULE)
    if getattr(aws.open_client, "_records_calls", False):
        return
    original = aws.open_client

    async def open_client(stack: Any, settings: Any, service: Any) -> Any:
        client = await original(stack, settings, service)
        client.meta.events.register("before-parameter-build", recorder(settings))
        return client

    open_client._records_calls = True  # type: ignore[attr-defined]
    aws.open_client = open_client  # type: ignore[attr-defined]


class _InstallOnImport(importlib.abc.MetaPathFinder):
    """Finds ``fraudd.aws`` as the other finders would and has its loader :func:`install` right
    after the module ran: before any ``from fraudd.aws import ...`` can bind the original."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != AWS_MODULE:
            return None
        sys.meta_path.remove(self)  # once, and not while we look it up ourselves
        spec = importlib.util.find_spec(fullname)
        if spec is not None and isinstance(spec.loader, importlib.abc.Loader):
            run = spec.loader.exec_module

            def exec_module(module: ModuleType) -> None:
                run(module)
                install(module)

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install_on_import() -> None:
    """:func:`install` when ``fraudd.aws`` is first imported (now, if it already is): the
    sitecustomize of every subprocess calls this, so a child that never imports fraudd's AWS
    clients (moto's server, ``python -c`` helpers) does not import aiobotocore for nothing."""
    if AWS_MODULE in sys.modules:
        install(sys.modules[AWS_MODULE])
    elif not any(isinstance(f, _InstallOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _InstallOnImport())


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def subprocess_env(log: Path) -> dict[str, str]:
    """Environment additions that make a ``python -m fraudd`` subprocess record into ``log``."""
    path = os.pathsep.join([str(SITE), str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    return {"PYTHONPATH": path, LOG_ENV: str(log)}


def denied(calls: list[dict[str, Any]]) -> list[str]:
    """Each call (with its implied KMS use) that its identity's policy does not allow."""
    from tests.deploy import iam

    problems = []
    for call in calls:
        if call.get("origin") != "fraudd" or call["service"] == "sqs":
            continue  # tests' own set-up calls; the demo's alert read-back (not a fraudd role)
        statements = iam.resolved_statements(call["identity"], iam.permissions_stack())
        for need in iam.needs(call, iam.permissions_stack()):
            if not iam.allowed(need, statements):
                problems.append(f"{call['identity']} may not {need.action} on {need.resource}")
    return sorted(set(problems))


# ---------------------------------------------------------------- pytest plugin


def pytest_configure(config: Any) -> None:
    log = Path(str(config.rootpath)) / ".pytest_cache" / f"aws-calls-{os.getpid()}.jsonl"
    log.parent.mkdir(exist_ok=True)
    log.unlink(missing_ok=True)
    os.environ.update(subprocess_env(log))
    install()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    log = Path(os.environ.get(LOG_ENV, ""))
    calls = read_log(log) if log.name else []
    problems = denied(calls)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and calls:
        reporter.write_line(
            f"AWS calls recorded this session: {len(calls)} distinct, "
            f"{len(problems)} not allowed by deploy/aws/fraudd.yaml"
        )
        for problem in problems:
            reporter.write_line(f"  DENIED: {problem}", red=True)
    if problems and session.exitstatus == 0:
        session.exitstatus = 1
    log.unlink(missing_ok=True) if log.name else None
