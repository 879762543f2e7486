"""The HTTP servers one process runs: the metrics and health endpoint, and the investigators'
web console (role ``console``; see :mod:`fraudd.console`)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from fraudd.settings.base import Section, conflict

MIN_TOKEN_SECRET = 32
"""Characters of ``console.token_secret`` at least: it signs logins, sessions and CSRF tokens."""


class HttpSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=0, le=65535)
    heartbeat_timeout_s: float = Field(default=30.0, gt=0)


class ConsoleSettings(Section):
    """The investigators' web console (role ``console``); see fraudd.console."""

    host: str = "127.0.0.1"
    port: int = Field(default=8082, ge=0, le=65535)
    auth: Literal["local", "alb"] = Field(
        default="local",
        description="local: tokens from `fraudd console token`; alb: only the ALB's signed "
        "x-amzn-oidc-data header is trusted (local tokens are refused).",
    )
    token_secret: SecretStr | None = Field(
        default=None,
        description="Signs login tokens, sessions and CSRF tokens (at least 32 characters). "
        "Unset on the local profile: a random secret kept in local.state_dir/console-secret.",
    )
    token_ttl_s: float = Field(
        default=300.0, gt=0, le=3600, description="Login token lifetime (each works once)."
    )
    allow_local_auth: bool = Field(
        default=False,
        description="The aws profile refuses auth = local (login tokens from `fraudd console "
        "token`) unless this is true: behind the ALB only its signed header is trusted.",
    )
    tls_cert_file: Path | None = Field(
        default=None,
        description="PEM certificate (chain) the console's listener serves HTTPS with; with "
        "tls_key_file. The stack makes one on the host for the ALB-to-host hop.",
    )
    tls_key_file: Path | None = Field(default=None, description="The certificate's PEM key.")
    warehouse_user: str | None = Field(
        default=None,
        description="The console's own database user, for every human action (the console, "
        "`cases close`, `blocks release`, `labels import`): it may only append to the audit "
        "log (docs/operations.md#grants). Unset: warehouse.user.",
    )
    warehouse_password: SecretStr | None = Field(
        default=None, description="warehouse_user's password (password login)."
    )
    warehouse_aws_profile: str | None = Field(
        default=None,
        description="IAM login (warehouse.iam_auth): the AWS profile of the console's own role, "
        "whose database user IAMR:<role name> the console logs in as.",
    )
    session_ttl_s: float = Field(default=8 * 3600.0, gt=0, le=24 * 3600)
    public_url: str | None = Field(
        default=None, description="Where browsers reach the console (printed with tokens)."
    )
    alb_signer_arn: str | None = Field(
        default=None, description="auth = alb: the load balancer's ARN; other signers are refused."
    )
    alb_key_url: str | None = Field(
        default=None,
        description="auth = alb: base URL of the ALB public keys (the key id is appended); "
        "default https://public-keys.auth.elb.<aws.region>.amazonaws.com",
    )
    alb_max_session_s: float = Field(
        default=604800.0,
        gt=0,
        le=604800.0,
        description="auth = alb: the listener rule's SessionTimeout (the ALB allows at most 7 "
        "days); a header whose exp lies further ahead is refused.",
    )
    role_claim: str = Field(default="groups", description="auth = alb: claim naming the groups.")
    investigator_groups: tuple[str, ...] = ("fraudd-investigators",)
    analyst_groups: tuple[str, ...] = ("fraudd-analysts",)
    viewer_groups: tuple[str, ...] = ("fraudd-viewers",)
    rules_maker_checker: bool = Field(
        default=True,
        description="Maker-checker on rule sets: an analyst may not publish a draft they last "
        "saved, nor make live a version they published; an investigator or a second analyst "
        "must. false: an analyst publishes alone.",
    )
    backtest_max_days: int = Field(
        default=31, ge=1, le=366, description="The longest date range a console backtest reads."
    )
    page_size: int = Field(default=50, ge=1, le=500)
    intake_poll_s: float = Field(default=2.0, gt=0)
    intake_days: float = Field(
        default=30.0, gt=0, description="Alerts older than this never open a case."
    )
    history_rows: int = Field(default=20, ge=1, le=500)
    extend_hours: float = Field(default=24.0, gt=0, description="What 'extend block' adds.")

    @property
    def on_loopback(self) -> bool:
        """Whether the listener is reachable from this host only (no TLS needed there)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @model_validator(mode="after")
    def _tls_is_a_pair(self) -> Self:
        """A certificate without its key (or the reverse) cannot serve HTTPS."""
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise conflict("tls_key_file", "set tls_cert_file and tls_key_file together")
        return self

    @model_validator(mode="after")
    def _token_secret_is_long_enough(self) -> Self:
        """A short secret would let anyone who guesses it sign a login (invariant 10)."""
        secret = self.token_secret
        if secret is not None and len(secret.get_secret_value()) < MIN_TOKEN_SECRET:
            raise conflict("token_secret", f"must be at least {MIN_TOKEN_SECRET} characters")
        return self
