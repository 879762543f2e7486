"""parliament (a policy linter) finds nothing in the stack's resolved policies, and does find a
planted mistake (the policies are those tests/deploy/test_permissions.py checks by running)."""

from __future__ import annotations

import importlib.resources
import json
import sys
import types
from typing import Any

import pytest

from tests.deploy import iam


def _parliament() -> Any:
    # parliament 1.6 imports pkg_resources only for resource_filename; setuptools >= 81 no
    # longer ships it, so give it the one function it uses.
    if "pkg_resources" not in sys.modules:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = (  # type: ignore[attr-defined]
            lambda package, name: str(importlib.resources.files(package) / name)
        )
        sys.modules["pkg_resources"] = shim
    return pytest.importorskip("parliament")


def test_parliament_finds_nothing_in_the_resolved_policies() -> None:
    parliament = _parliament()
    for role in iam.iam_roles():
        document = {
            "Version": "2012-10-17",
            "Statement": iam.resolved_statements(role, iam.permissions_stack()),
        }
        policy = parliament.analyze_policy_string(json.dumps(document))
        assert [f.issue for f in policy.findings] == [], (role, policy.findings)


def test_parliament_finds_a_planted_mistake() -> None:
    parliament = _parliament()
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kinesis:PutRecords",
                "Resource": "arn:aws:sns:eu-west-1:123456789012:fraudd-alerts",
            }
        ],
    }
    assert parliament.analyze_policy_string(json.dumps(bad)).findings
