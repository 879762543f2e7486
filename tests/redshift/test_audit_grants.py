"""The audit log is append-only on Redshift by grants alone (Redshift has no triggers): two
database users, the daemon's and the console's own (grants.sql; docs/operations.md#grants).

Each test runs in Redshift mode (the production driver, the shim, the users holding exactly the
runbook's grants): the console's every action works as its own user, which may append to and read
the audit log and nothing more there; the daemon's user may not touch the log at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fraudd.cases import rulelists, rulesets, service
from fraudd.cases.chargebacks import import_file
from fraudd.cases.service import Actor
from fraudd.rules.lists import ListEdit
from fraudd.warehouse import WarehouseError, opened_warehouse
from fraudd.warehouse.sqlfiles import render
from tests.cases.seed import block_card, seed_alerts
from tests.redshift.mode import CONSOLE_ROLE, DAEMON_ROLE, RedshiftModeEnv

pytestmark = pytest.mark.timeout(120)
INVESTIGATOR = Actor("ines@bank.example", "investigator", "console")
TAMPERING = {
    "update": "UPDATE {schema}.audit_log SET detail = 'nothing happened'",
    "delete": "DELETE FROM {schema}.audit_log",
    "truncate": "TRUNCATE {schema}.audit_log",
}


class _Owner:
    """What tests/cases/seed.py writes through: the owner's warehouse (the consumer's rows)."""

    def __init__(self, env: RedshiftModeEnv, warehouse: Any) -> None:
        self.settings, self.schema, self.warehouse = env.settings, env.schema, warehouse


async def _seeded(env: RedshiftModeEnv) -> None:
    async with env.owner_warehouse() as owner:
        seed = _Owner(env, owner)
        await seed_alerts(seed)
        await block_card(seed, "card-tok-b", "tx-b1")


async def _sqlstates(warehouse: Any, schema: str, statements: dict[str, str]) -> dict[str, Any]:
    """Each statement as this user: name -> the sqlstate of its refusal (None if it ran)."""
    found: dict[str, Any] = {}
    async with warehouse.acquire() as conn:
        for name, statement in statements.items():
            try:
                await conn.execute(render(statement, schema=schema))
                found[name] = None
            except WarehouseError as exc:
                found[name] = exc.sqlstate
    return found


async def test_the_console_acts_as_its_own_user_and_can_only_append_to_the_audit_log(
    redshift_mode: RedshiftModeEnv, tmp_path: Path
) -> None:
    """As the console's user: intake, a verdict that closes a case (labels, block, message),
    a release, a chargeback file (`fraudd labels import`); then sends UPDATE, DELETE and
    TRUNCATE of the audit log: each refused (42501)."""
    await _seeded(redshift_mode)
    chargebacks = tmp_path / "cb.csv"
    chargebacks.write_text(
        f"tx_id,label,labelled_at\ntx-a2,1,{datetime.now(UTC).isoformat()}\n", encoding="utf-8"
    )
    people = redshift_mode.settings.for_people()
    assert people.warehouse.user == CONSOLE_ROLE != redshift_mode.settings.warehouse.user
    now = datetime.now(UTC)
    async with opened_warehouse(people) as wh:
        async with wh.session() as s, s.transaction():
            assert await s.intake_alerts(datetime(2000, 1, 1, tzinfo=UTC)) == 3
        async with wh.session() as s, s.transaction():
            done = await service.record_verdict(s, INVESTIGATOR, "case-tx-a1", "fraud", "ok", now)
        async with wh.session() as s, s.transaction():
            assert await service.release_block(s, INVESTIGATOR, "card-tok-b", "customer", now)
        async with wh.session() as s, s.transaction():
            imported = await import_file(s, INVESTIGATOR, chargebacks, datetime.now(UTC))
        async with wh.session() as s:
            actions = {e.action for e in await s.audit_entries([], 50)}
        refused = await _sqlstates(wh, redshift_mode.schema, TAMPERING)
    assert done.closed and imported.loaded == 1
    assert {"verdict.recorded", "case.closed", "block.released", "labels.imported"} <= actions
    assert refused == dict.fromkeys(TAMPERING, "42501")


async def test_the_daemons_user_cannot_read_change_or_delete_the_audit_log(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """As the daemon's user: sends SELECT, INSERT, UPDATE, DELETE and TRUNCATE of the audit
    log (after the console wrote an entry): every one refused (42501), the entry intact."""
    await _seeded(redshift_mode)
    now = datetime.now(UTC)
    async with opened_warehouse(redshift_mode.settings.for_people()) as console:
        async with console.session() as s, s.transaction():
            await s.append_audit(service.audit_entry(INVESTIGATOR, now, "case.assigned", "c-1"))
    assert redshift_mode.settings.warehouse.user == DAEMON_ROLE
    statements = {
        **TAMPERING,
        "select": "SELECT count(*) FROM {schema}.audit_log",
        "insert": "INSERT INTO {schema}.audit_log (audit_id, acted_at, actor, actor_role, "
        "action, subject) VALUES ('forged', GETDATE(), 'x', 'investigator', 'x', 'x')",
    }
    async with opened_warehouse(redshift_mode.settings) as daemon:
        refused = await _sqlstates(daemon, redshift_mode.schema, statements)
    assert refused == dict.fromkeys(statements, "42501")
    async with opened_warehouse(redshift_mode.settings.for_people()) as console:
        async with console.session() as s:
            assert [e.subject for e in await s.audit_entries(["c-1"], 5)] == ["c-1"]


RULES = '[[rules]]\nname = "big"\ndescription = "large"\nwhen = "amount > 400"\noutcome = "block"\n'
ANALYST = Actor("ana@bank.example", "analyst", "console")


async def test_the_console_changes_rule_sets_as_its_own_user(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """As the console's user: save a draft, publish it live, run it in shadow, make it live
    again — each audited; then an UPDATE or DELETE of a published version is refused (42501)."""
    people = redshift_mode.settings.for_people()
    now = datetime.now(UTC)
    async with opened_warehouse(people) as wh:
        async with wh.session() as s, s.transaction():
            await rulesets.save_draft(s, ANALYST, RULES, now)
        async with wh.session() as s, s.transaction():
            await rulesets.publish_draft(s, INVESTIGATOR, "", True, True, now)
        async with wh.session() as s, s.transaction():
            await rulesets.shadow(s, ANALYST, 1, now)
        async with wh.session() as s, s.transaction():
            await rulesets.activate(s, INVESTIGATOR, 1, True, now)
        async with wh.session() as s:
            live = await s.live_rule_set()
            actions = [e.action for e in await s.audit_entries([], 10)]
        refused = await _sqlstates(wh, redshift_mode.schema, {
            "update": "UPDATE {schema}.rule_set_versions SET body = 'x'",
            "delete": "DELETE FROM {schema}.rule_set_versions",
        })  # fmt: skip
    assert live is not None and (live.version, live.body) == (1, RULES)
    assert sorted(actions) == [
        "rules.activated",
        "rules.draft_saved",
        "rules.published",
        "rules.shadowed",
    ]
    assert refused == {"update": "42501", "delete": "42501"}


async def test_a_rule_change_whose_audit_entry_fails_is_not_kept(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """As the daemon's user, which may write rule sets but not the audit log: saving a draft
    fails at its audit entry (42501), and the draft it had written is rolled back with it."""
    async with opened_warehouse(redshift_mode.settings) as daemon:
        with pytest.raises(WarehouseError) as refused:
            async with daemon.session() as s, s.transaction():
                await rulesets.save_draft(s, ANALYST, RULES, datetime.now(UTC))
        async with daemon.session() as s:
            assert await s.rule_draft() is None
    assert refused.value.sqlstate == "42501"


async def test_the_console_changes_lists_as_its_own_user_and_cannot_rewrite_them(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """As the console's user: an analyst's list change is stored and audited; an UPDATE or
    DELETE of a list's history is refused (42501: Redshift has no trigger, the grant is all)."""
    edit = ListEdit(add=["tok_stolen"])
    async with opened_warehouse(redshift_mode.settings.for_people()) as wh:
        async with wh.session() as s, s.transaction():
            await rulelists.change_list(s, ANALYST, "stolen", "string", edit, datetime.now(UTC))
        async with wh.session() as s:
            state = await s.rule_lists()
            actions = [e.action for e in await s.audit_entries(["rule-list:stolen"], 5)]
        refused = await _sqlstates(wh, redshift_mode.schema, {
            "update": "UPDATE {schema}.rule_lists SET list_values = '[]'",
            "delete": "DELETE FROM {schema}.rule_lists",
        })  # fmt: skip
    assert state.lists["stolen"].values == ("tok_stolen",) and actions == ["rules.list_changed"]
    assert refused == {"update": "42501", "delete": "42501"}


async def test_a_list_change_whose_audit_entry_fails_is_not_kept(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """As the daemon's user, which may not write the audit log: the list change it had
    written is rolled back with its refused audit entry."""
    edit = ListEdit(add=["tok_stolen"])
    async with opened_warehouse(redshift_mode.settings) as daemon:
        with pytest.raises(WarehouseError) as refused:
            async with daemon.session() as s, s.transaction():
                await rulelists.change_list(s, ANALYST, "stolen", "string", edit, datetime.now(UTC))
        async with daemon.session() as s:
            assert await s.rule_lists_revision() == 0
    assert refused.value.sqlstate == "42501"


WRITES = {"cases", "case_alerts", "verdicts", "labels", "card_blocks", "alert_outbox"}
RULE_WRITES = {
    "rule_set_drafts": {"SELECT", "INSERT", "DELETE"},
    "rule_set_versions": {"SELECT", "INSERT"},
    "rule_set_activations": {"SELECT", "INSERT"},
    "rule_lists": {"SELECT", "INSERT"},
}


def _table_privileges(env: RedshiftModeEnv, role: str) -> dict[str, set[str]]:
    """Table name -> the privileges ``role`` holds on it (PostgreSQL's catalogs)."""
    with env.cluster.superuser() as conn:
        rows = conn.execute(
            "SELECT c.relname, p.privilege FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace CROSS JOIN unnest(%s::text[]) AS p(privilege) "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND has_table_privilege(%s, c.oid, "
            "p.privilege)",
            (["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"], env.schema, role),
        ).fetchall()
    held: dict[str, set[str]] = {}
    for relname, privilege in rows:
        held.setdefault(relname, set()).add(privilege)
    return held


async def test_the_console_holds_exactly_the_runbooks_grants(
    redshift_mode: RedshiftModeEnv,
) -> None:
    """Reads every table, writes the six it acts on, appends to the audit log, to the rule-set
    versions and activations and to the named lists, and rewrites the draft: nothing more."""
    held = _table_privileges(redshift_mode, CONSOLE_ROLE)
    assert held["audit_log"] == {"SELECT", "INSERT"}
    assert {t for t, p in held.items() if p == {"SELECT", "INSERT", "UPDATE", "DELETE"}} == WRITES
    assert {t: held[t] for t in RULE_WRITES} == RULE_WRITES
    others = WRITES | RULE_WRITES.keys() | {"audit_log"}
    assert all(p == {"SELECT"} for t, p in held.items() if t not in others)
    assert "audit_log" not in _table_privileges(redshift_mode, DAEMON_ROLE)
