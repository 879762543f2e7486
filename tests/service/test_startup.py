"""Start-up checks on real warehouses: a deployment mistake stops the daemon with one line (the
CLI exits 78) instead of failing on every poll."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from fraudd.deps import Deps, open_deps
from fraudd.features import catalog_metadata
from fraudd.localstack import StackInfo
from fraudd.model.record import NewModel
from fraudd.service import startup
from fraudd.settings import Settings
from fraudd.warehouse.migrate import migrate
from fraudd.warehouse.sqlfiles import load_migrations
from tests.warehouse.contract.env import ContractEnv


async def test_refresh_view_by_a_user_who_does_not_own_it_stops_at_start(
    contract: ContractEnv,
) -> None:
    """warehouse.refresh_view = true with a user who does not own the view: one clear line at
    start (the CLI exits 78), not a permission error on every poll."""
    settings = contract.settings.derive(
        **{"warehouse": contract.settings.warehouse.derive(**{"refresh_view": True})}
    )
    deps = dataclasses.replace(contract.deps, settings=settings)
    if not contract.redshift:
        await startup.check(deps, ("consumer",))  # the owner may refresh
        return
    with pytest.raises(startup.StartupError, match="only its owner may REFRESH it"):
        await startup.check(deps, ("consumer",))


@pytest.fixture
async def unmigrated(local_stack: tuple[Settings, StackInfo]) -> AsyncIterator[Deps]:
    """Dependencies on a schema no `fraudd migrate` has touched yet (dropped afterwards)."""
    schema = f"t_start_{uuid.uuid4().hex[:10]}"
    settings = local_stack[0].derive(warehouse={"schema_name": schema, "refresh_view": True})
    async with AsyncExitStack() as stack:
        deps = await open_deps(settings, stack, ())
        try:
            yield deps
        finally:
            async with deps.warehouse.acquire() as conn:
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def test_the_console_needs_its_migrations_first(unmigrated: Deps) -> None:
    versions = [m.version for m in load_migrations("postgres")]
    schema = unmigrated.settings.warehouse.schema_name
    with pytest.raises(startup.StartupError) as refused:
        await startup.check(unmigrated, ("console",))
    assert str(refused.value) == (
        f"the console needs migration(s) {', '.join(versions)} in schema {schema}: "
        "run `fraudd migrate` first"
    )
    await migrate(unmigrated.warehouse, unmigrated.settings)  # type: ignore[arg-type]
    await startup.check(unmigrated, ("console", "consumer"))


async def test_roles_without_a_check_start_whatever_the_schema(unmigrated: Deps) -> None:
    await startup.check(unmigrated, ("producer", "ingest", "actions"))


async def test_actions_on_aws_needs_the_topic_arn(unmigrated: Deps) -> None:
    """On AWS the instance role may publish to the stack's topic but not create one, so actions
    starting without sns.topic_arn would fail on CreateTopic: one line at start instead."""
    local = unmigrated.settings
    on_aws = local.derive(profile="aws", roles=("actions",), sns=local.sns.derive(topic_arn=None))
    deps = dataclasses.replace(unmigrated, settings=on_aws)
    with pytest.raises(startup.StartupError, match=r"set sns\.topic_arn to the stack's TopicArn"):
        await startup.check(deps, ("actions",))
    arn = "arn:aws:sns:eu-west-1:123456789012:fraudd-alerts"
    given = on_aws.derive(sns=on_aws.sns.derive(topic_arn=arn))
    await startup.check(dataclasses.replace(unmigrated, settings=given), ("actions",))


async def test_a_consumer_refuses_an_active_model_of_another_catalog(unmigrated: Deps) -> None:
    """Starting with a changed feature catalog and no model trained on it: one line saying to
    retrain; the active model trained with the configured catalog starts."""
    await migrate(unmigrated.warehouse, unmigrated.settings)  # type: ignore[arg-type]
    catalog = unmigrated.settings.features.selected()
    other = {"fingerprint": "0" * 64, "toml": ""}
    async with unmigrated.warehouse.session() as session:
        await session.register_model(NewModel("local", b"-", {"catalog": other}), activate=True)
    with pytest.raises(startup.StartupError, match=r"^model 1 was trained with feature catalog "):
        await startup.check(unmigrated, ("consumer",))
    await startup.check(unmigrated, ("producer", "ingest", "actions"))  # they read no features
    mine = {"catalog": catalog_metadata(catalog)}
    async with unmigrated.warehouse.session() as session:
        await session.register_model(NewModel("local", b"-", mine), activate=True)
    await startup.check(unmigrated, ("consumer",))


READS_A_FIELD = """
[[rules]]
name = "foreign_cnp"
description = "card not present at a foreign merchant"
when = "card_present == false and merchant_country != 'FR'"
outcome = "review"
"""
FIELDS = {
    "card_present": {"type": "boolean", "description": "chip, contactless or swipe"},
    "merchant_country": {"type": "string", "description": "the merchant's country"},
}


async def test_a_consumer_refuses_a_rule_set_reading_a_field_the_settings_lost(
    unmigrated: Deps,
) -> None:
    """A version published while a field was declared, started without the declaration: one
    line naming the version, the rule and the name — not a rule that silently never matches."""
    await migrate(unmigrated.warehouse, unmigrated.settings)  # type: ignore[arg-type]
    declared = unmigrated.settings.derive(fields={"declared": FIELDS})
    async with unmigrated.warehouse.session() as session:
        await session.publish_rule_set(READS_A_FIELD, "ana", activate=True)
    await startup.check(dataclasses.replace(unmigrated, settings=declared), ("consumer",))
    with pytest.raises(startup.StartupError) as refused:
        await startup.check(unmigrated, ("consumer",))
    assert str(refused.value) == (
        "rule set version 1: rule 'foreign_cnp': line 1, column 1: unknown name 'card_present'; "
        "did you mean 'card_token'? — that version is live: declare the name again ([fields] "
        "or the [features] catalog) or make another version live (`fraudd rules activate "
        "VERSION`)"
    )
    await startup.check(unmigrated, ("producer", "ingest", "actions"))  # they run no rules
    async with unmigrated.warehouse.session() as session:
        await session.publish_rule_set(READS_A_FIELD.replace("card_present == false and ", ""),
                                       "ana", activate=True)  # fmt: skip
        await session.shadow_rule_set(1, "ana")
    with pytest.raises(startup.StartupError, match=r"^rule set version 1: .* — that version is in "
                       r"shadow: .* stop the shadow run \(`fraudd rules shadow --stop`\)$"):
        await startup.check(dataclasses.replace(unmigrated, settings=declared.derive(
            fields={"declared": {"merchant_country": FIELDS["merchant_country"]}})), ("consumer",))
