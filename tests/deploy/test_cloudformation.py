"""The CloudFormation template: lint-clean, least-privilege IAM, outputs that map to settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from fraudd.settings import Settings
from fraudd.warehouse.sqlfiles import sql_dir
from tests.deploy.iam import all_branches, as_list, iam_roles, template_actions

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "aws" / "fraudd.yaml"

# Actions AWS cannot scope to a resource (the Service Authorization Reference lists no resource
# type for them), so an Allow needs Resource "*". Anything else with "*" is a finding.
UNSCOPABLE_ACTIONS = {
    # Redshift streaming ingestion lists streams when it maps the external schema; AWS's
    # documented streaming-ingestion policy grants it on "*".
    "kinesis:ListStreams",
    # Redshift ML's SageMaker jobs (admin-setup.html): neither action has a resource type.
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    # Session Manager's data and control channels (the host's agent): no resource type.
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
}


def _cfn_lint() -> list[str]:
    beside = Path(sys.executable).with_name("cfn-lint")
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if found is None:
        pytest.skip("cfn-lint not installed (dev dependency)")
    return [found]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    tpl, matches = decode(str(TEMPLATE))
    assert not matches, matches
    assert tpl is not None
    return dict(tpl)


def _identity_statements(tpl: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(resource, statement) for every statement of every policy attached to an IAM identity."""
    for name, res in tpl["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for st in all_branches(policy["PolicyDocument"]["Statement"]):
                    yield name, st
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for st in all_branches(props["PolicyDocument"]["Statement"]):
                yield name, st


def test_cfn_lint_is_clean() -> None:
    """Errors, warnings and informational findings all count."""
    result = subprocess.run(
        [*_cfn_lint(), "--include-checks", "I", "--", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_no_wildcard_actions_in_identity_policies(template: dict[str, Any]) -> None:
    statements = list(_identity_statements(template))
    assert len(statements) >= 8  # the walk really found the policies
    for name, st in statements:
        assert "NotAction" not in st and "NotResource" not in st, (name, st)
        for action in as_list(st["Action"]):
            assert action != "*" and not action.endswith(":*"), (name, action)


def test_resource_star_only_for_unscopable_actions(template: dict[str, Any]) -> None:
    starred = [
        (name, action)
        for name, st in _identity_statements(template)
        if st["Effect"] == "Allow" and "*" in as_list(st["Resource"])
        for action in as_list(st["Action"])
    ]
    assert sorted(starred) == [
        ("InstanceRole", "ssmmessages:CreateControlChannel"),
        ("InstanceRole", "ssmmessages:CreateDataChannel"),
        ("InstanceRole", "ssmmessages:OpenControlChannel"),
        ("InstanceRole", "ssmmessages:OpenDataChannel"),
        ("RedshiftMlRole", "cloudwatch:PutMetricData"),
        ("RedshiftMlRole", "ecr:GetAuthorizationToken"),
        ("RedshiftStreamingRole", "kinesis:ListStreams"),
    ]
    assert {action for _, action in starred} <= UNSCOPABLE_ACTIONS


def test_key_policy_delegates_to_iam_only_for_the_account(template: dict[str, Any]) -> None:
    """kms:* appears once: AWS's default statement for the account root (IAM then decides)."""
    policy = template["Resources"]["Key"]["Properties"]["KeyPolicy"]
    for st in all_branches(policy["Statement"]):
        if st["Action"] == "kms:*":
            assert st["Principal"] == {
                "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            }
        else:
            assert "Service" in st["Principal"]
            assert "aws:SourceAccount" in st["Condition"]["StringEquals"]
            assert not any(a.endswith("*") for a in as_list(st["Action"]))


def test_resource_policies_allow_only_named_services(template: dict[str, Any]) -> None:
    for name, res in template["Resources"].items():
        if res["Type"] not in ("AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
            continue
        for st in all_branches(res["Properties"]["PolicyDocument"]["Statement"]):
            if st["Principal"] == "*":
                assert st["Effect"] == "Deny", name
            else:
                assert set(st["Principal"]) == {"Service"}, name
                assert "aws:SourceAccount" in st["Condition"]["StringEquals"], name


def test_only_the_producer_can_write_to_the_stream(template: dict[str, Any]) -> None:
    policy = template["Resources"]["InstanceRole"]["Properties"]["Policies"][0]
    gated = [
        item["Fn::If"]
        for item in policy["PolicyDocument"]["Statement"]
        if isinstance(item, dict) and "Fn::If" in item
    ]
    writers = [cond for cond, yes, _ in gated if "kinesis:PutRecords" in yes.get("Action", [])]
    assert writers == ["ProducerEnabled"]
    unconditional = [st for st in policy["PolicyDocument"]["Statement"] if "Fn::If" not in st]
    assert not any("kinesis:PutRecords" in as_list(st["Action"]) for st in unconditional)


def test_data_is_encrypted_with_the_stack_key(template: dict[str, Any]) -> None:
    res = template["Resources"]
    key_arn = {"Fn::GetAtt": ["Key", "Arn"]}
    assert res["Stream"]["Properties"]["StreamEncryption"] == {
        "EncryptionType": "KMS",
        "KeyId": key_arn,
    }
    assert res["AlertTopic"]["Properties"]["KmsMasterKeyId"] == key_arn
    assert res["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == key_arn
    assert res["Key"]["Properties"]["EnableKeyRotation"] is True
    assert res["Workgroup"]["Properties"]["PubliclyAccessible"] is False
    assert res["Instance"]["Properties"]["MetadataOptions"]["HttpTokens"] == "required"


def test_fifo_topic_name_gets_the_suffix(template: dict[str, Any]) -> None:
    props = template["Resources"]["AlertTopic"]["Properties"]
    cond, fifo_name, plain_name = props["TopicName"]["Fn::If"]
    assert cond == "IsFifo"
    assert fifo_name == {"Fn::Sub": "${TopicName}.fifo"}
    assert plain_name == {"Ref": "TopicName"}
    assert props["ContentBasedDeduplication"]["Fn::If"][1] is False


def test_no_inbound_rules_by_default(template: dict[str, Any]) -> None:
    sg = template["Resources"]["InstanceSecurityGroup"]["Properties"]
    assert "SecurityGroupIngress" not in sg
    assert template["Resources"]["MetricsIngress"]["Condition"] == "HasMetricsIngress"
    ports = sorted(rule["FromPort"] for rule in sg["SecurityGroupEgress"])
    assert ports == [443, 5439]


def _settings_keys() -> set[str]:
    keys = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        for sub, info in getattr(model, "model_fields", {}).items():
            keys.add(f"{section}.{info.alias or sub}")
    return keys


def test_outputs_name_real_config_keys(template: dict[str, Any]) -> None:
    """Each output says which setting it feeds (or that it feeds none), and the key exists."""
    keys = _settings_keys()
    named = set()
    for name, output in template["Outputs"].items():
        description = output["Description"]
        match = re.fullmatch(r"config key: ([a-z0-9_]+\.[a-z0-9_]+)", description)
        if match:
            assert match.group(1) in keys, (name, description)
            named.add(match.group(1))
        else:
            assert description.startswith("no config key: "), (name, description)
    assert {"aws.region", "kinesis.stream_name", "sns.topic_arn", "warehouse.host"} <= named


def test_user_data_env_file_uses_real_settings(template: dict[str, Any]) -> None:
    """The FRAUDD_* lines UserData writes must name existing settings (extra keys are fatal)."""
    script, variables = template["Resources"]["Instance"]["Properties"]["UserData"]["Fn::Base64"][
        "Fn::Sub"
    ]
    text = script + repr(variables)
    names = set(re.findall(r"FRAUDD_([A-Z_]+?)__([A-Z_]+)=", text))
    assert names, "no FRAUDD_ variables found"
    keys = _settings_keys()
    for section, key in names:
        assert f"{section.lower()}.{key.lower()}" in keys, (section, key)
    assert "FRAUDD_PROFILE=aws" in script


def test_staging_bucket_is_private_encrypted_tls_only_and_expires(
    template: dict[str, Any],
) -> None:
    res = template["Resources"]
    props = res["StagingBucket"]["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]},
    }
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireStagedLoads"]["Prefix"] == "staging/"
    assert rules["ExpireStagedLoads"]["ExpirationInDays"] == {"Ref": "StagingExpirationDays"}
    (deny,) = res["StagingBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["StagingBucket", "Arn"]} in deny["Resource"]
    assert {"Fn::Sub": "${StagingBucket.Arn}/*"} in deny["Resource"]


def test_the_host_reaches_only_the_staging_prefix(template: dict[str, Any]) -> None:
    s3 = [
        st
        for name, st in _identity_statements(template)
        if name == "InstanceRole" and any(a.startswith("s3:") for a in as_list(st["Action"]))
    ]
    assert s3 and all(st["Resource"] == {"Fn::Sub": "${StagingBucket.Arn}/staging/*"} for st in s3)


def test_namespace_attaches_the_three_redshift_roles_and_no_default(
    template: dict[str, Any],
) -> None:
    """No default role: `IAM_ROLE default` would hand the ML role (and its bucket) to every
    database user; fraudd names each role by ARN."""
    props = template["Resources"]["Namespace"]["Properties"]
    roles = {ref["Fn::GetAtt"][0] for ref in props["IamRoles"]}
    assert roles == {"RedshiftStreamingRole", "RedshiftCopyRole", "RedshiftMlRole"}
    assert "DefaultIamRoleArn" not in props


def test_the_alb_speaks_tls_to_the_console(template: dict[str, Any]) -> None:
    group = template["Resources"]["ConsoleTargetGroup"]["Properties"]
    assert (group["Protocol"], group["HealthCheckProtocol"]) == ("HTTPS", "HTTPS")
    script = template["Resources"]["Instance"]["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "FRAUDD_CONSOLE__TLS_CERT_FILE=/etc/fraudd/tls/console.crt" in script[0]


REDSHIFT_LOGINS = {"redshift-serverless:GetCredentials", "redshift:GetClusterCredentialsWithIAM"}


def test_the_stacks_database_identities_are_grants_sqls_two_users(
    template: dict[str, Any],
) -> None:
    """grants.sql grants to two users, the daemon's and the console's own; the stack gives each
    an IAM identity that logs in to Redshift (user IAMR:<role name>), and points the console's
    setting at the second one's profile."""
    grants = (sql_dir() / "redshift" / "grants.sql").read_text(encoding="utf-8")
    assert set(re.findall(r"\{(\w+_user)\}", grants)) == {"daemon_user", "console_user"}
    logs_in = {role for role in iam_roles() if template_actions(role) & REDSHIFT_LOGINS}
    assert logs_in == {"InstanceRole", "PeopleDatabaseRole"}
    script, variables = template["Resources"]["Instance"]["Properties"]["UserData"]["Fn::Base64"][
        "Fn::Sub"
    ]
    [profile] = set(re.findall(r"FRAUDD_CONSOLE__WAREHOUSE_AWS_PROFILE=([\w-]+)", repr(variables)))
    _, with_iam_login, _ = variables["ConsoleProfile"]["Fn::If"]
    assert with_iam_login["Fn::Sub"].startswith(
        f"[profile {profile}]\nrole_arn = ${{PeopleDatabaseRole.Arn}}\n"
    )
    assert "AWS_CONFIG_FILE=/etc/fraudd/aws-config" in script
