"""The CloudFormation console wiring: off by default, HTTPS + Cognito in front, the host's
console port open to the load balancer only, its ARN the setting the console pins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "fraudd.yaml"


def template() -> dict[str, Any]:
    tpl, matches = decode(str(TEMPLATE))
    assert not matches and tpl is not None
    return dict(tpl)


def test_the_console_wiring_is_off_by_default_and_authenticates_first() -> None:
    tpl = template()
    assert tpl["Parameters"]["EnableConsole"]["Default"] == "false"
    console = {k: v for k, v in tpl["Resources"].items() if k.startswith("Console")}
    assert console and all(r["Condition"] == "ConsoleEnabled" for r in console.values())
    actions = console["ConsoleListenerRule"]["Properties"]["Actions"]
    assert [a["Type"] for a in sorted(actions, key=lambda a: a["Order"])] == [
        "authenticate-cognito", "forward"
    ]  # fmt: skip
    assert console["ConsoleListener"]["Properties"]["Protocol"] == "HTTPS"
    ingress = console["ConsoleIngress"]["Properties"]
    assert ingress["FromPort"] == ingress["ToPort"] == 8082
    assert ingress["SourceSecurityGroupId"] == {"Ref": "ConsoleAlbSecurityGroup"}
    assert "CidrIp" not in ingress
    signer = tpl["Outputs"]["ConsoleSignerArn"]
    assert signer["Description"] == "config key: console.alb_signer_arn"
    assert signer["Value"] == {"Ref": "ConsoleLoadBalancer"}
