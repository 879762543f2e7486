"""The template deploys on moto's CloudFormation: references, conditions and outputs resolve.

moto has no Redshift Serverless resources, so the stack is created with
``CreateRedshiftServerless=false`` (the condition leaves the namespace, workgroup and their
security group out); moto also skips SNS topic policies, the S3 bucket policy, the bucket's public
access block and lifecycle rules, and CloudWatch alarms (it logs "No Moto CloudFormation
support" or ignores the property), which cfn-lint and test_cloudformation.py check statically.
What moto creates is compared with tests/deploy/iam.py's own resolution of the template, so the
permission checks resolve the policies the way CloudFormation does.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import free_ports
from tests.deploy import iam

STACK_NAME = "fraudd"


@pytest.fixture(scope="module")
def moto() -> Iterator[dict[str, Any]]:
    (port,) = free_ports(1)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "region_name": iam.REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(moto: dict[str, Any]) -> dict[str, Any]:
    ec2 = boto3.client("ec2", **moto)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    parameters = {
        "VpcId": vpc,
        "SubnetId": subnet,
        "RedshiftSubnetIds": subnet,
        "CreateRedshiftServerless": "false",
        "SageMakerEndpointName": "fraudd-endpoint",
    }
    cfn = boto3.client("cloudformation", **moto)
    cfn.create_stack(
        StackName=STACK_NAME,
        TemplateBody=iam.TEMPLATE.read_text(encoding="utf-8"),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    deadline = time.monotonic() + 60
    while True:
        stack = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    resources = {
        r["LogicalResourceId"]: r
        for r in cfn.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return {
        "stack": stack,
        "resources": resources,
        "outputs": outputs,
        "moto": moto,
        "parameters": parameters,
    }


def test_the_stack_is_created(deployed: dict[str, Any]) -> None:
    assert deployed["stack"]["StackStatus"] == "CREATE_COMPLETE", deployed["stack"]
    for name in (
        "Key",
        "Stream",
        "AlertTopic",
        "StagingBucket",
        "RedshiftStreamingRole",
        "RedshiftCopyRole",
        "RedshiftMlRole",
        "RedshiftMlPassRole",
        "InstanceRole",
        "InstanceProfile",
        "Instance",
    ):
        assert deployed["resources"][name]["ResourceStatus"] == "CREATE_COMPLETE", name
    assert "Workgroup" not in deployed["resources"]  # left out by the condition


def test_outputs_resolve_to_the_created_resources(deployed: dict[str, Any]) -> None:
    out, res = deployed["outputs"], deployed["resources"]
    conditional = {name for name, o in iam.template()["Outputs"].items() if o.get("Condition")}
    assert set(out) == set(iam.template()["Outputs"]) - conditional
    bucket = res["StagingBucket"]["PhysicalResourceId"]
    assert out["StagingBucketName"] == bucket
    assert out["StagingUri"] == f"s3://{bucket}/staging/"
    assert out["StreamName"] == "fraudd-transactions"
    assert out["TopicArn"] == res["AlertTopic"]["PhysicalResourceId"]
    for role in ("RedshiftStreamingRole", "RedshiftCopyRole", "RedshiftMlRole", "InstanceRole"):
        name = res[role]["PhysicalResourceId"]
        assert out[f"{role}Arn"] == f"arn:aws:iam::{iam.ACCOUNT}:role/{name}"
    assert not any("${" in value for value in out.values())


def test_the_bucket_is_encrypted_with_the_stack_key(deployed: dict[str, Any]) -> None:
    s3 = boto3.client("s3", **deployed["moto"])
    bucket = deployed["outputs"]["StagingBucketName"]
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    key_arn = deployed["outputs"]["KmsKeyArn"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    # moto's CloudFormation applies neither PublicAccessBlockConfiguration, the lifecycle rules
    # nor the bucket policy: test_cloudformation.py checks those in the template.


def _physical(text: str, deployed: dict[str, Any]) -> str:
    """tests/deploy/iam.py's placeholder names replaced by what moto created."""
    res, out = deployed["resources"], deployed["outputs"]
    replacements = {
        iam.STACK.bucket: out["StagingBucketName"],
        f"key/{iam.STACK.key_id}": "key/" + out["KmsKeyArn"].rsplit("/", 1)[1],
    }
    for role in ("RedshiftStreamingRole", "RedshiftCopyRole", "RedshiftMlRole", "InstanceRole"):
        replacements[f"role/fraudd-{role}"] = f"role/{res[role]['PhysicalResourceId']}"
    for placeholder, physical in replacements.items():
        text = text.replace(placeholder, physical)
    return text


def test_moto_holds_the_policies_tests_deploy_iam_resolves(deployed: dict[str, Any]) -> None:
    client = boto3.client("iam", **deployed["moto"])
    stack = iam.Stack({**iam.DEFAULTS, **deployed["parameters"]})
    for role in ("RedshiftStreamingRole", "RedshiftCopyRole", "RedshiftMlRole", "InstanceRole"):
        name = deployed["resources"][role]["PhysicalResourceId"]
        held = []
        for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
            document = client.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            if isinstance(document, str):  # moto keeps a Python repr of the resolved document
                document = ast.literal_eval(document)
            # moto leaves an AWS::NoValue branch as None where CloudFormation drops it
            held.extend(st for st in iam.as_list(document["Statement"]) if st is not None)
        ours = [{k: v for k, v in st.items()} for st in iam.resolved_statements(role, stack)]
        assert _canonical(held) == _canonical([eval_physical(st, deployed) for st in ours]), role


def eval_physical(statement: dict[str, Any], deployed: dict[str, Any]) -> dict[str, Any]:
    return json.loads(_physical(json.dumps(statement), deployed))


def _canonical(statements: list[dict[str, Any]]) -> list[str]:
    def norm(value: Any) -> Any:
        if isinstance(value, list):
            return sorted((norm(v) for v in value), key=repr) if len(value) > 1 else norm(value[0])
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        return value

    return sorted(json.dumps(norm(st), sort_keys=True) for st in statements)


def test_user_data_feeds_every_role_and_the_bucket_to_fraudd(deployed: dict[str, Any]) -> None:
    ec2 = boto3.client("ec2", **deployed["moto"])
    instance = deployed["resources"]["Instance"]["PhysicalResourceId"]
    attribute = ec2.describe_instance_attribute(InstanceId=instance, Attribute="userData")
    script = base64.b64decode(attribute["UserData"]["Value"]).decode()
    env = dict(re.findall(r"^(FRAUDD_[A-Z0-9_]+)=(.*)$", script, flags=re.M))
    out = deployed["outputs"]
    assert env["FRAUDD_REDSHIFT__IAM_ROLE"] == out["RedshiftStreamingRoleArn"]
    assert env["FRAUDD_REDSHIFT__COPY_IAM_ROLE"] == out["RedshiftCopyRoleArn"]
    assert env["FRAUDD_REDSHIFT__ML_IAM_ROLE"] == out["RedshiftMlRoleArn"]
    assert env["FRAUDD_REDSHIFT__S3_BUCKET"] == out["StagingBucketName"]
    assert env["FRAUDD_WAREHOUSE__S3_STAGING_URI"] == out["StagingUri"]
    assert env["FRAUDD_SNS__TOPIC_ARN"] == out["TopicArn"]
    assert "install.sh --no-enable" in script
