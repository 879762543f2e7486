"""Permissions proven by running, not by reading: what each identity does vs. what the stack grants.

Steps, in order (one module-scoped recording, then the checks):
1. record every AWS call of fraudd's real clients (tests/deploy/aws_calls.py) during an
   end-to-end loop in process (producer, ingest, consumer, actions on the local stack), a
   reliability-style daemon subprocess (``fraudd run`` with every role, SIGTERM at the end), a
   Redshift bulk load's S3 staging, and a SageMaker-backend scoring call (moto);
2. every call, with the KMS use it implies, must be allowed by the CloudFormation policy of the
   identity that makes it on AWS (the ``ingest`` task is Redshift's streaming role);
3. every action a policy allows must be performed by something: by a recorded call, by the
   login the driver makes (tests/warehouse/test_redshift_login.py), or, for the Redshift roles,
   by a statement fraudd sends that names the role, with the needs AWS documents for it;
4. removing one action from a policy makes step 2 fail (shown by a test below); a policy
   linter reads the same resolved policies (tests/deploy/test_parliament.py).

The same check runs over every call of the whole pytest session at its end (the plugin in
aws_calls.py), so the e2e and reliability suites cannot perform an operation the stack denies.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import signal
import urllib.request
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio

from fraudd import aws
from fraudd.features import FEATURES
from fraudd.scoring.sagemaker import SageMakerScorer
from fraudd.scoring.thresholds import Thresholds
from fraudd.settings import Settings
from fraudd.warehouse.redshift_s3 import S3Stager
from fraudd.warehouse.sqlfiles import load_migrations, render
from tests.conftest import free_ports
from tests.deploy import aws_calls, iam
from tests.e2e.harness import make_env, scalar
from tests.e2e.test_loop import run_loop
from tests.reliability.daemon import DaemonProcess
from tests.warehouse.test_redshift_s3 import RecordingConnection, staging_on_moto

pytestmark = pytest.mark.timeout(300)

STAGING = f"s3://{iam.STACK.bucket}/fraudd/loads/"

# What each statement that names a Redshift role needs, as AWS documents it (the pages are
# cited at each role in deploy/aws/fraudd.yaml): the setting naming the role in the statement,
# the stack output that setting takes, and the actions.
REDSHIFT_STATEMENTS = {
    "RedshiftStreamingRole": {
        "statement": "CREATE EXTERNAL SCHEMA ... FROM KINESIS (migration 0002_streaming)",
        "setting": "iam_role",
        "actions": {
            "kinesis:DescribeStreamSummary",
            "kinesis:DescribeStream",
            "kinesis:GetShardIterator",
            "kinesis:GetRecords",
            "kinesis:ListShards",
            "kinesis:ListStreams",
            "kms:Decrypt",
        },
    },
    "RedshiftCopyRole": {
        "statement": "COPY ... FROM 's3://<staging prefix>' (fraudd/warehouse/redshift/s3stage.py)",
        "setting": "copy_iam_role",
        "actions": {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"},
    },
    "RedshiftMlRole": {
        "statement": "CREATE MODEL ... (warehouse statements/model_training.sql)",
        "setting": "ml_iam_role",
        "actions": {
            "sagemaker:CreateTrainingJob",
            "sagemaker:DescribeTrainingJob",
            "sagemaker:StopTrainingJob",
            "sagemaker:CreateCompilationJob",
            "sagemaker:DescribeCompilationJob",
            "sagemaker:StopCompilationJob",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
            "cloudwatch:PutMetricData",
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "kms:GenerateDataKey",
            "kms:Decrypt",
            "iam:PassRole",
        },
    },
}
# Allowed to the streaming role for Redshift, which the local ingest task stands in for but
# does not imitate call for call: in AWS's documented streaming-ingestion policy.
STREAMING_ONLY_ON_AWS = {
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:ListStreams",
}


# ---------------------------------------------------------------- 1. the recorded runs


async def _e2e_loop(local_stack: Any) -> None:
    env = await make_env(local_stack, shards=2)
    sent, _ = await run_loop(env, limit=300, rate=600)
    assert len(sent) > 250


async def _daemon(local_stack: Any, workdir: Path, log: Path) -> None:
    env = await make_env(local_stack, shards=2)
    (port,) = free_ports(1)
    settings = env.settings.derive(
        **{
            "http": env.settings.http.derive(**{"port": port}),
            "producer": env.settings.producer.derive(**{"rate_tps": 200.0}),
        }
    )
    daemon = DaemonProcess(
        settings,
        workdir,
        roles=("producer", "ingest", "consumer", "actions"),
        env=aws_calls.subprocess_env(log),
    )
    daemon.start()
    try:
        assert await daemon.wait_http(60), daemon.log_text()[-3000:]
        for _ in range(300):
            decided = await scalar(env, "SELECT count(*) FROM {schema}.decisions")
            alerts = await scalar(
                env, "SELECT count(*) FROM {schema}.alert_outbox WHERE published_at IS NOT NULL"
            )
            if decided > 100 and alerts > 0:
                break
            await asyncio.sleep(0.1)
        daemon.signal(signal.SIGTERM)
        assert await daemon.wait_exit(60) == 0, daemon.log_text()[-3000:]
    finally:
        daemon.kill()


async def _staging(local_stack: Any) -> None:
    settings = staging_on_moto(local_stack, STAGING)

    async def chunks() -> AsyncIterator[str]:
        yield "1,a\n2,b\n"

    async with AsyncExitStack() as stack:
        s3 = await aws.open_client(stack, settings, "s3")
        existing = {b["Name"] for b in (await s3.list_buckets())["Buckets"]}
        if iam.STACK.bucket not in existing:
            await s3.create_bucket(
                Bucket=iam.STACK.bucket,
                CreateBucketConfiguration={"LocationConstraint": settings.aws.region},
            )
        conn = RecordingConnection(s3, iam.STACK.bucket)
        await S3Stager.from_settings(s3, settings).stage(conn, chunks())  # type: ignore[arg-type]


async def _sagemaker(local_stack: Any) -> None:
    settings, info = local_stack
    settings = settings.derive(
        **{"aws": settings.aws.derive(**{"endpoint_url": info.moto_endpoint})}
    )
    payload = {
        "region": settings.aws.region,
        "results": [{"Body": "0.5\n", "ContentType": "text/csv"}],
    }
    request = urllib.request.Request(
        f"{info.moto_endpoint}/moto-api/static/sagemaker/endpoint-results",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
    columns = np.arange(len(FEATURES), dtype=np.intp)
    async with AsyncExitStack() as stack:
        client = await aws.open_client(stack, settings, "sagemaker-runtime")
        scorer = SageMakerScorer(client, "fraudd-endpoint", "1", Thresholds(0.3, 0.9), columns)
        await scorer.score(np.zeros((1, len(FEATURES))))


@pytest_asyncio.fixture(scope="module")
async def recorded(
    local_stack: tuple[Settings, Any], tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    aws_calls.install()
    start = len(aws_calls.CALLS)
    log = tmp_path_factory.mktemp("daemon-calls") / "calls.jsonl"
    await _e2e_loop(local_stack)
    await _daemon(local_stack, tmp_path_factory.mktemp("daemon"), log)
    await _staging(local_stack)
    await _sagemaker(local_stack)
    calls = aws_calls.CALLS[start:] + aws_calls.read_log(log)
    return [c for c in calls if c["origin"] == "fraudd"]


def _performed(calls: list[dict[str, Any]], identity: str) -> set[str]:
    stack = iam.permissions_stack()
    return {
        need.action
        for call in calls
        if call["identity"] == identity and call["service"] != "sqs"
        for need in iam.needs(call, stack)
    }


# ---------------------------------------------------------------- 2. every call is allowed


def test_the_runs_exercised_every_role(recorded: list[dict[str, Any]]) -> None:
    ops = {(c["identity"], c["service"], c["operation"]) for c in recorded}
    daemon_ops = {(c["identity"], c["operation"]) for c in recorded}
    assert ("InstanceRole", "kinesis", "PutRecords") in ops
    assert {("InstanceRole", "sns", "Publish"), ("InstanceRole", "sns", "PublishBatch")} & ops
    assert ("InstanceRole", "s3", "PutObject") in ops
    assert ("InstanceRole", "s3", "DeleteObjects") in ops
    assert ("InstanceRole", "sagemaker-runtime", "InvokeEndpoint") in ops
    assert ("RedshiftStreamingRole", "GetRecords") in daemon_ops


def test_every_recorded_call_is_allowed_by_its_identitys_policy(
    recorded: list[dict[str, Any]],
) -> None:
    assert aws_calls.denied(recorded) == []


def test_removing_one_action_from_a_policy_is_caught(
    recorded: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check bites: without kinesis:PutRecords on the host, the producer's calls fail it."""
    mutated = copy.deepcopy(iam.template())
    (policy,) = mutated["Resources"]["InstanceRole"]["Properties"]["Policies"]
    for item in policy["PolicyDocument"]["Statement"]:
        if isinstance(item, dict) and "Fn::If" in item and item["Fn::If"][0] == "ProducerEnabled":
            item["Fn::If"][1]["Action"] = ["kinesis:PutRecord"]
    monkeypatch.setattr(iam, "template", lambda: mutated)
    problems = aws_calls.denied(recorded)
    assert any("InstanceRole may not kinesis:PutRecords" in p for p in problems), problems


# ---------------------------------------------------------------- 3. nothing allowed unused


def test_the_host_role_allows_nothing_its_processes_do_not_do(
    recorded: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.warehouse.test_redshift_login import BASE, _api_call_of

    logins = {
        iam.iam_action(_api_call_of(BASE.derive(**kind), monkeypatch))
        for kind in (
            {"iam_auth": True, "serverless_workgroup": "fraudd"},
            {
                "iam_auth": True,
                "cluster_identifier": "c1",
                "host": "c1.abc123xyz789.eu-west-1.redshift.amazonaws.com",
            },
        )
    }
    performed = _performed(recorded, "InstanceRole") | logins
    allowed = iam.template_actions("InstanceRole")
    assert allowed - performed == set(), "allowed but never performed"
    assert performed - allowed == set(), "performed but not allowed"


def test_the_streaming_role_allows_what_ingestion_does(recorded: list[dict[str, Any]]) -> None:
    performed = _performed(recorded, "RedshiftStreamingRole")
    allowed = iam.template_actions("RedshiftStreamingRole")
    assert performed <= allowed
    assert allowed - performed <= STREAMING_ONLY_ON_AWS
    assert allowed == REDSHIFT_STATEMENTS["RedshiftStreamingRole"]["actions"]


@pytest.mark.parametrize("role", sorted(REDSHIFT_STATEMENTS))
def test_each_redshift_role_has_exactly_what_its_statement_needs(role: str) -> None:
    assert iam.template_actions(role) == REDSHIFT_STATEMENTS[role]["actions"]
    # The stack feeds the role's ARN to the setting the statement takes its IAM_ROLE from.
    script = iam.template()["Resources"]["Instance"]["Properties"]["UserData"]["Fn::Base64"][
        "Fn::Sub"
    ][0]
    setting = REDSHIFT_STATEMENTS[role]["setting"]
    assert f"FRAUDD_REDSHIFT__{setting.upper()}=${{{role}.Arn}}" in script


def test_each_statement_takes_its_role_from_its_own_setting() -> None:
    roles = {name: f"arn:aws:iam::123456789012:role/fraudd-{name}" for name in REDSHIFT_STATEMENTS}
    settings = Settings.model_validate(
        {
            "warehouse": {"dialect": "redshift", "s3_staging_uri": STAGING},
            "redshift": {
                "iam_role": roles["RedshiftStreamingRole"],
                "copy_iam_role": roles["RedshiftCopyRole"],
                "ml_iam_role": roles["RedshiftMlRole"],
                "s3_bucket": iam.STACK.bucket,
            },
        }
    )
    from fraudd.model.export import render_create_model
    from fraudd.model.redshift_train import create_model_spec
    from fraudd.warehouse.redshift_s3 import S3Stager as Stager

    streaming = next(m for m in load_migrations("redshift") if m.name == "streaming")
    external = render(
        streaming.sql,
        schema="fraudd",
        stream_view="tx_stream",
        external_schema="kds",
        iam_role=roles["RedshiftStreamingRole"],
        stream_name="s",
        auto_refresh="yes",
    )
    assert f"IAM_ROLE '{roles['RedshiftStreamingRole']}'" in external
    assert Stager.from_settings(None, settings).iam_role == roles["RedshiftCopyRole"]
    spec = create_model_spec(settings, dt.datetime(2024, 6, 1), 30, s3_bucket=iam.STACK.bucket)
    model = render_create_model(settings, spec)
    assert f"IAM_ROLE '{roles['RedshiftMlRole']}'" in model


def test_resources_are_the_stacks_own() -> None:
    stack = iam.permissions_stack()
    own = (
        f"arn:aws:kinesis:{iam.REGION}:{iam.ACCOUNT}:stream/{stack.parameters['StreamName']}",
        stack.topic_arn,
        f"arn:aws:s3:::{stack.bucket}",
        stack.get_att("Key", "Arn"),
        stack.get_att("Workgroup", "Workgroup.WorkgroupArn"),
        f"arn:aws:iam::{iam.ACCOUNT}:role/fraudd-",
        f"arn:aws:sagemaker:{iam.REGION}:{iam.ACCOUNT}:",
        f"arn:aws:logs:{iam.REGION}:{iam.ACCOUNT}:log-group:/aws/sagemaker/",
        f"arn:aws:ecr:{iam.REGION}:*:repository/sagemaker-xgboost",  # AWS's algorithm image
    )
    for role in iam.iam_roles():
        for st in iam.resolved_statements(role, stack):
            for resource in (
                st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            ):
                if resource == "*":
                    continue  # only unscopable actions: test_cloudformation checks which
                assert resource.startswith(own), (role, st.get("Sid"), resource)
