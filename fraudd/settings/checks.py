"""The rules across sections: what one section's value requires of another's (or of the profile
and roles). :class:`~fraudd.settings.Settings` runs :func:`check` as its ``model_validator``, so
loading, ``derive`` and every ``Settings(...)`` refuse a configuration that breaks one; rules
within one section are that section's own validators.

Each rule raises :func:`~fraudd.settings.base.conflict` naming the setting to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fraudd.settings.base import conflict

if TYPE_CHECKING:
    from fraudd.settings import Settings


def check(settings: Settings) -> None:
    """Raise the first broken rule, in this order: Redshift's TLS, Redshift's objects, scoring,
    console."""
    _redshift_tls(settings)
    _redshift_objects(settings)
    _redshift_ml(settings)
    _console(settings)


def _redshift_tls(settings: Settings) -> None:
    """On AWS, Redshift is reached over the network: the certificate and host name are checked."""
    wh = settings.warehouse
    if settings.profile != "aws" or wh.dialect != "redshift":
        return
    if wh.sslmode != "verify-full" and not wh.allow_insecure_tls:
        raise conflict(
            "warehouse.sslmode",
            "must be verify-full for Redshift (set warehouse.allow_insecure_tls = true to "
            "override)",
        )


def _redshift_objects(settings: Settings) -> None:
    """The external schema holds the stream, apart from fraudd's tables; the view refreshes."""
    rs, wh = settings.redshift, settings.warehouse
    if wh.dialect != "redshift":
        return
    if rs.external_schema == wh.schema_name:
        raise conflict(
            "redshift.external_schema",
            "must differ from warehouse.schema (it holds the stream, not fraudd's tables)",
        )
    if not rs.auto_refresh and not wh.refresh_view:
        raise conflict(
            "redshift.auto_refresh",
            "with false, set warehouse.refresh_view = true or the streaming view never refreshes",
        )


def _redshift_ml(settings: Settings) -> None:
    """Redshift ML runs in Redshift and has no model registry to take thresholds from."""
    s = settings.scoring
    if s.backend != "redshift-ml":
        return
    if settings.warehouse.dialect != "redshift":
        raise conflict("scoring.backend", "redshift-ml needs warehouse.dialect = redshift")
    if s.review_threshold is None or s.block_threshold is None:
        raise conflict(
            "scoring.review_threshold",
            "backend redshift-ml needs review_threshold and block_threshold",
        )


def _console(settings: Settings) -> None:
    """A console that serves (role ``console``) trusts one ALB and, on AWS, a configured secret."""
    c = settings.console
    if "console" not in settings.roles:
        return
    if c.auth == "alb" and not c.alb_signer_arn:
        raise conflict(
            "console.alb_signer_arn",
            "required with console.auth = alb (the load balancer's ARN, so that no other signer "
            "is trusted)",
        )
    if c.token_secret is None and settings.profile == "aws":
        raise conflict(
            "console.token_secret",
            "required on the aws profile (it signs sessions and CSRF tokens)",
        )
    if settings.profile == "aws" and c.auth == "local" and not c.allow_local_auth:
        raise conflict(
            "console.auth",
            'must be "alb" on the aws profile (set console.allow_local_auth = true to accept '
            "local login tokens there)",
        )
    _console_user(settings)


def _console_user(settings: Settings) -> None:
    """On Redshift on AWS the console acts as its own database user: no trigger guards the
    audit log there, only the grants of two users (docs/operations.md#grants)."""
    c, wh = settings.console, settings.warehouse
    if settings.profile != "aws" or wh.dialect != "redshift":
        return
    own = c.warehouse_aws_profile if wh.iam_auth else c.warehouse_user
    if not own:
        key = "warehouse_aws_profile" if wh.iam_auth else "warehouse_user"
        raise conflict(
            f"console.{key}",
            "required on Redshift: the console's own database user, which may only append to "
            "the audit log (docs/operations.md#grants)",
        )
