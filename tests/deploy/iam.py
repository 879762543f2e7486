"""The template's IAM policies as data, and whether a recorded AWS call is allowed by them.

- :func:`resolved_statements` evaluates a role's policies (inline ones and ``AWS::IAM::Policy``
  resources attached to it) for one set of parameter values, with the intrinsic functions the
  template uses (Ref, Fn::GetAtt, Fn::Sub, Fn::If, conditions) and fixed physical names
  (:data:`STACK`), so statements carry concrete ARNs.
- :func:`iam_actions` maps a botocore call (service, operation, params) to the IAM actions it
  needs, including the KMS actions an encrypted stream, topic or bucket adds on the caller's
  behalf, and :func:`resource_arn` to the ARN it acts on in :data:`STACK`.
- :func:`allowed` is a small policy evaluator: an explicit Deny wins over any Allow, Action and
  Resource with ``*``/``?`` wildcards, StringEquals/StringLike conditions against the call's
  context keys; an unknown condition key never matches (so a Deny conditioned on a key the call
  does not carry does not apply, as in IAM).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "fraudd.yaml"
PARTITION, REGION, ACCOUNT = "aws", "eu-west-1", "123456789012"


@dataclass(frozen=True)
class Stack:
    """Physical names of one deployment of the template (what the checks resolve against)."""

    parameters: Mapping[str, str]
    bucket: str = "fraudd-staging-bucket-test"
    key_id: str = "1234abcd-12ab-34cd-56ef-1234567890ab"
    workgroup_id: str = "wg-0123"

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = {
            "AWS::Partition": PARTITION,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": "fraudd",
        }
        if name in pseudo:
            return pseudo[name]
        refs = {
            "StagingBucket": self.bucket,
            "AlertTopic": self.topic_arn,
            "Stream": self.parameters["StreamName"],
            "RedshiftMlRole": "fraudd-RedshiftMlRole",
        }
        return refs.get(name, name)

    @property
    def topic_arn(self) -> str:
        return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{self.parameters['TopicName']}"

    def get_att(self, resource: str, attribute: str) -> str:
        arns = {
            ("Stream", "Arn"): f"arn:{PARTITION}:kinesis:{REGION}:{ACCOUNT}:stream/"
            f"{self.parameters['StreamName']}",
            ("Key", "Arn"): f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{self.key_id}",
            ("StagingBucket", "Arn"): f"arn:{PARTITION}:s3:::{self.bucket}",
            ("Workgroup", "Workgroup.WorkgroupArn"): f"arn:{PARTITION}:redshift-serverless:"
            f"{REGION}:{ACCOUNT}:workgroup/{self.workgroup_id}",
        }
        if (resource, attribute) in arns:
            return arns[(resource, attribute)]
        if attribute == "Arn" and resource.endswith("Role"):
            return f"arn:{PARTITION}:iam::{ACCOUNT}:role/fraudd-{resource}"
        raise KeyError(f"no physical value for {resource}.{attribute}")


DEFAULTS = {
    "StreamName": "fraudd-transactions",
    "TopicName": "fraudd-alerts",
    "FifoTopic": "false",
    "StreamMode": "ON_DEMAND",
    "EnableProducer": "true",
    "KeyName": "",
    "MetricsIngressCidr": "",
    "CreateRedshiftServerless": "true",
    "ExternalWorkgroupArn": "",
    "ExternalClusterDatabaseArn": "",
    "SageMakerEndpointName": "",
    "AlarmEmail": "",
}
STACK = Stack(DEFAULTS)


@functools.lru_cache(maxsize=1)
def template() -> dict[str, Any]:
    tpl, matches = decode(str(TEMPLATE))
    assert not matches and tpl is not None, matches
    return dict(tpl)


def _condition(name: str, stack: Stack) -> bool:
    return bool(_eval(template()["Conditions"][name], stack))


def _sub(text: str, variables: Mapping[str, Any], stack: Stack) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return str(_eval(variables[name], stack))
        if "." in name:
            resource, attribute = name.split(".", 1)
            return stack.get_att(resource, attribute)
        return stack.ref(name)

    return re.sub(r"\$\{([A-Za-z0-9:._]+)\}", one, text)


def _eval(node: Any, stack: Stack) -> Any:
    if isinstance(node, list):
        return [v for v in (_eval(item, stack) for item in node) if v is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return _NO_VALUE if node["Ref"] == "AWS::NoValue" else stack.ref(node["Ref"])
    if set(node) == {"Fn::GetAtt"}:
        resource, attribute = node["Fn::GetAtt"]
        return stack.get_att(resource, attribute)
    if set(node) == {"Fn::Sub"}:
        spec = node["Fn::Sub"]
        text, variables = (spec, {}) if isinstance(spec, str) else spec
        return _sub(text, variables, stack)
    if set(node) == {"Fn::If"}:
        name, yes, no = node["Fn::If"]
        return _eval(yes if _condition(name, stack) else no, stack)
    if set(node) == {"Fn::Equals"}:
        left, right = (_eval(v, stack) for v in node["Fn::Equals"])
        return left == right
    if set(node) == {"Fn::Not"}:
        return not _eval(node["Fn::Not"][0], stack)
    if set(node) == {"Fn::Or"}:
        return any(_eval(v, stack) for v in node["Fn::Or"])
    if set(node) == {"Condition"}:
        return _condition(node["Condition"], stack)
    out = {k: _eval(v, stack) for k, v in node.items()}
    return {k: v for k, v in out.items() if v is not _NO_VALUE}


_NO_VALUE = object()


def as_list(value: Any) -> list[Any]:
    """A CloudFormation value that may be one item or a list, as a list."""
    return value if isinstance(value, list) else [value]


def _policies_of(role: str) -> Iterator[Any]:
    """Every policy document attached to ``role`` (unevaluated)."""
    for name, res in template()["Resources"].items():
        props = res.get("Properties", {})
        if name == role and res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                yield policy["PolicyDocument"]
        if res["Type"] == "AWS::IAM::Policy" and {"Ref": role} in props.get("Roles", []):
            yield props["PolicyDocument"]


def resolved_statements(role: str, stack: Stack = STACK) -> list[dict[str, Any]]:
    """The role's statements as deployed with ``stack``'s parameters (conditions applied)."""
    found: list[dict[str, Any]] = []
    for document in _policies_of(role):
        found.extend(as_list(_eval(document, stack)["Statement"]))
    return found


def all_branches(node: Any) -> Iterator[dict[str, Any]]:
    """The statements of a policy document, through both branches of every Fn::If."""
    for item in as_list(node):
        if isinstance(item, dict) and "Fn::If" in item:
            _, yes, no = item["Fn::If"]
            yield from all_branches(yes)
            yield from all_branches(no)
        elif isinstance(item, dict) and item != {"Ref": "AWS::NoValue"}:
            yield item


def template_actions(role: str) -> set[str]:
    """Every action any policy of ``role`` may allow, through every branch of every Fn::If."""
    return {
        action
        for document in _policies_of(role)
        for st in all_branches(document["Statement"])
        for action in as_list(st["Action"])
    }


def iam_roles() -> list[str]:
    return [n for n, r in template()["Resources"].items() if r["Type"] == "AWS::IAM::Role"]


# ---------------------------------------------------------------- calls -> actions, resources

_PREFIX = {"sagemaker-runtime": "sagemaker"}
_OPERATION_ACTION = {
    # Service Authorization Reference: the action that authorizes each S3 operation.
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    # "PublishBatch ... requires sns:Publish" (SNS API Reference, PublishBatch): no action of
    # its own exists.
    ("sns", "PublishBatch"): "Publish",
}
# KMS actions the service performs with the caller's permissions on an encrypted resource:
# Kinesis ("Permissions to use user-generated KMS keys": producers GenerateDataKey, consumers
# Decrypt; https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html), SNS
# (publishers need GenerateDataKey and Decrypt, https://docs.aws.amazon.com/sns/latest/dg/
# sns-key-management.html), S3 SSE-KMS (PutObject GenerateDataKey, GetObject Decrypt,
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
_IMPLIED_KMS = {
    "kinesis:PutRecord": ("kms:GenerateDataKey",),
    "kinesis:PutRecords": ("kms:GenerateDataKey",),
    "kinesis:GetRecords": ("kms:Decrypt",),
    "sns:Publish": ("kms:GenerateDataKey", "kms:Decrypt"),
    "s3:PutObject": ("kms:GenerateDataKey",),
    "s3:GetObject": ("kms:Decrypt",),
}
_VIA = {"kinesis": "kinesis", "sns": "sns", "s3": "s3"}


@dataclass(frozen=True)
class Need:
    """One IAM authorization a call needs: action, resource ARN, request context."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


def iam_actions(call: Mapping[str, Any]) -> list[str]:
    """The IAM action of a botocore call (without the implied KMS ones)."""
    service, operation = call["service"], call["operation"]
    name = _OPERATION_ACTION.get((service, operation), operation)
    return [f"{_PREFIX.get(service, service)}:{name}"]


def iam_action(call: Mapping[str, Any]) -> str:
    (action,) = iam_actions(call)
    return action


def resource_arn(call: Mapping[str, Any], stack: Stack = STACK) -> str:
    """The ARN the call acts on: the recorder's ``<stream>``/``<topic>``/``<bucket>`` become
    ``stack``'s; any other name keeps its own ARN (which no statement of the stack allows)."""
    service, params = call["service"], call["params"]
    if service == "kinesis":
        name = params.get("StreamName") or params.get("StreamARN", "").rsplit("/", 1)[-1]
        if params.get("StreamName") == "<stream>" or params.get("StreamARN") == "<stream>":
            return stack.get_att("Stream", "Arn")
        return f"arn:{PARTITION}:kinesis:{REGION}:{ACCOUNT}:stream/{name}"
    if service == "sns":
        if "TopicArn" not in params:  # CreateTopic names the topic it would create
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{params['Name']}"
        return stack.topic_arn if params.get("TopicArn") == "<topic>" else params["TopicArn"]
    if service == "s3":
        bucket = stack.bucket if params.get("Bucket") == "<bucket>" else params.get("Bucket")
        key = params.get("Key") or params.get("Prefix")
        base = f"arn:{PARTITION}:s3:::{bucket}"
        return base if key is None else f"{base}/{key}"
    if service == "sagemaker-runtime":
        return (
            f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:endpoint/"
            f"{stack.parameters['SageMakerEndpointName']}"
        )
    if service == "redshift-serverless":
        return stack.get_att("Workgroup", "Workgroup.WorkgroupArn")
    if service == "redshift":
        return stack.parameters["ExternalClusterDatabaseArn"]
    raise KeyError(f"no resource mapping for {service}:{call['operation']}")


def permissions_stack() -> Stack:
    """The deployment the recorded runs are checked against: the defaults, with a SageMaker
    endpoint (the sagemaker backend's runs need its statement)."""
    return Stack({**DEFAULTS, "SageMakerEndpointName": "fraudd-endpoint"})


def needs(call: Mapping[str, Any], stack: Stack = STACK) -> list[Need]:
    """Every authorization the call needs: its own action, then the implied KMS ones."""
    found = []
    for action in iam_actions(call):
        context: dict[str, str] = {}
        if action == "s3:ListBucket" and "Prefix" in call["params"]:
            context["s3:prefix"] = call["params"]["Prefix"]
        found.append(Need(action, resource_arn(call, stack), context))
        for kms in _IMPLIED_KMS.get(action, ()):
            via = f"{_VIA[call['service']]}.{REGION}.amazonaws.com"
            found.append(Need(kms, stack.get_att("Key", "Arn"), {"kms:ViaService": via}))
    return found


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            if key not in context:
                return False
            value = context[key]
            options = [str(e) for e in as_list(expected)]
            if operator == "StringEquals" and value not in options:
                return False
            if operator == "StringLike" and not any(_matches(o, value) for o in options):
                return False
            if operator not in ("StringEquals", "StringLike"):
                return False
    return True


def _applies(st: Mapping[str, Any], need: Need) -> bool:
    return (
        any(_matches(a, need.action) for a in as_list(st["Action"]))
        and any(_matches(r, need.resource) for r in as_list(st["Resource"]))
        and _condition_holds(st.get("Condition", {}), need.context)
    )


def allowed(need: Need, statements: list[dict[str, Any]]) -> bool:
    """True if an Allow statement grants ``need`` and no Deny statement refuses it."""
    if any(st["Effect"] == "Deny" and _applies(st, need) for st in statements):
        return False
    return any(st["Effect"] == "Allow" and _applies(st, need) for st in statements)


def kms_grants(role: str, stack: Stack = STACK) -> set[tuple[str, str]]:
    """(KMS action, service it may be used through) for every KMS Allow of ``role``."""
    found = set()
    for st in resolved_statements(role, stack):
        via = st.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
        if st["Effect"] != "Allow" or via is None:
            continue
        for action in as_list(st["Action"]):
            found |= {(action, v.split(".")[0]) for v in as_list(via) if action.startswith("kms:")}
    return found


def managed_policies(role: str) -> list[Any]:
    """The AWS managed policies attached to ``role`` (ManagedPolicyArns)."""
    props = template()["Resources"][role]["Properties"]
    return list(props.get("ManagedPolicyArns", []))
