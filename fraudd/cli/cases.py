"""Investigators' commands, for scripts and operations: ``cases list|show|close``,
``blocks list|release``, ``labels import`` and ``console token``.

Actions are recorded in the audit log as ``cli:<name>`` (``--as``, default the login name) in
the investigator role: whoever holds the warehouse credentials the command uses may act. Like
the console, these commands connect as the console's own database user when one is configured
(``console.warehouse_*``, :meth:`fraudd.settings.Settings.for_people`), which may only append
to the audit log.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from fraudd.cli.app import app, settings_from
from fraudd.settings import Settings

T = TypeVar("T")
EX_DATAERR = 65
cases_app = typer.Typer(help="Cases: the alert queue and verdicts.", no_args_is_help=True)
blocks_app = typer.Typer(help="Card blocks in force.", no_args_is_help=True)
labels_app = typer.Typer(help="Fraud labels (chargebacks).", no_args_is_help=True)
console_app = typer.Typer(help="The investigators' web console.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
app.add_typer(blocks_app, name="blocks")
app.add_typer(labels_app, name="labels")
app.add_typer(console_app, name="console")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Name recorded in the audit log.")]


def _actor(name: str | None) -> Any:
    from fraudd.cases.service import Actor

    return Actor(f"cli:{name or getpass.getuser()}", "investigator", "cli")


def _run(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Open the warehouse, run ``work(session)``; failures are one line and an exit code."""
    from fraudd.cases.chargebacks import FileRefused
    from fraudd.cases.service import ActionRefused
    from fraudd.warehouse import WarehouseError, opened_warehouse

    async def main() -> T:
        async with opened_warehouse(settings.for_people()) as warehouse, warehouse.session() as s:
            return await work(s)

    try:
        return asyncio.run(main())
    except ActionRefused as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(1) from None
    except FileRefused as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(EX_DATAERR) from None
    except WarehouseError as exc:
        typer.echo(f"fraudd: warehouse: {exc} (is it migrated? run `fraudd migrate`)", err=True)
        raise typer.Exit(EX_DATAERR) from None


def _print(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=1))
        return
    for row in rows:
        typer.echo("  ".join(str(row.get(c) if row.get(c) is not None else "-") for c in columns))


@cases_app.command("list")
def cases_list(
    ctx: typer.Context,
    closed: Annotated[bool, typer.Option("--closed", help="Closed cases instead.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Open cases, highest score first."""
    from fraudd.warehouse import CaseFilter

    query = CaseFilter(status="closed" if closed else "open", limit=limit)
    found = _run(settings_from(ctx), lambda s: s.list_cases(query))
    rows = [
        {"case_id": c.case_id, "card": f"****{c.last4 or '????'}", "card_token": c.card_token,
         "top_score": round(c.top_score, 4), "decision": c.top_decision, "alerts": c.alerts,
         "max_amount": c.max_amount, "opened_at": c.opened_at.isoformat(),
         "assignee": c.assignee}
        for c in found
    ]  # fmt: skip
    _print(rows, as_json, ["case_id", "card", "top_score", "decision", "alerts", "opened_at"])


@cases_app.command("show")
def cases_show(ctx: typer.Context, case_id: str, as_json: JsonOpt = False) -> None:
    """One case: its card, alerts, verdicts and audit trail."""
    from dataclasses import asdict

    async def work(s: Any) -> dict[str, Any] | None:
        case = await s.get_case(case_id)
        if case is None:
            return None
        return {
            "case": asdict(case),
            "alerts": [{k: v for k, v in asdict(a).items() if k != "payload"}
                       | {"reasons": a.payload.get("reasons", [])}
                       for a in await s.case_alerts(case_id)],
            "block": (b := await s.get_block(case.card_token)) and asdict(b),
            "verdicts": [asdict(v) for v in await s.card_verdicts(case.card_token)],
            "audit": [asdict(e) for e in await s.audit_entries([case_id, case.card_token], 50)],
        }  # fmt: skip

    found = _run(settings_from(ctx), work)
    if found is None:
        typer.echo("fraudd: no such case (see `fraudd cases list`)", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(found, default=str, indent=1))
        return
    c = found["case"]
    typer.echo(
        f"{c['case_id']}  {c['status']}  card ****{c['last4'] or '????'} ({c['card_token']})"
    )
    for a in found["alerts"]:
        why = "; ".join(r.get("text", r.get("code", "")) for r in a["reasons"])
        typer.echo(f"  alert {a['alert_id']}  {a['decision']}  score {a['score']:.3f}  "
                   f"{a['amount']} {a['currency'] or ''}  {why}")  # fmt: skip
    for v in found["verdicts"]:
        typer.echo(f"  verdict {v['outcome']} by {v['actor']} at {v['decided_at']}  {v['note']}")
    if found["block"]:
        typer.echo(f"  blocked until {found['block']['expires_at']}")


@cases_app.command("close")
def cases_close(
    ctx: typer.Context,
    case_id: str,
    verdict: Annotated[str, typer.Option(help="fraud | legitimate | unsure")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    as_name: AsOpt = None,
) -> None:
    """Record a verdict and close the case (legitimate also releases the card's block)."""
    from fraudd.cases import service

    settings = settings_from(ctx)
    at = datetime.now(UTC)

    async def work(s: Any) -> Any:
        async with s.transaction():
            return await service.record_verdict(
                s, _actor(as_name), case_id, verdict, note, at, close=True,
                block_hours=settings.actions.block_hours,
            )  # fmt: skip

    done = _run(settings, work)
    released = " and released the card's block" if done.released else ""
    typer.echo(f"closed {case_id} as {done.outcome}: {done.labels} label(s) written{released}")


@blocks_app.command("list")
def blocks_list(
    ctx: typer.Context, limit: Annotated[int, typer.Option(min=1)] = 500, as_json: JsonOpt = False
) -> None:
    """Cards blocked now, latest expiry first."""
    found = _run(settings_from(ctx), lambda s: s.list_blocks(limit))
    rows = [
        {"card_token": b.card_token, "card": f"****{b.last4 or '????'}", "reason": b.reason,
         "blocked_at": b.blocked_at.isoformat(), "expires_at": b.expires_at.isoformat(),
         "tx_id": b.tx_id}
        for b in found
    ]  # fmt: skip
    _print(rows, as_json, ["card_token", "card", "expires_at", "reason"])


@blocks_app.command("release")
def blocks_release(
    ctx: typer.Context,
    card_token: str,
    reason: Annotated[str, typer.Option(help="Why the block is lifted (audited).")],
    as_name: AsOpt = None,
) -> None:
    """Lift a card's block; the card application honours it within its block-cache TTL."""
    from fraudd.cases import service

    settings = settings_from(ctx)

    async def work(s: Any) -> bool:
        async with s.transaction():
            return await service.release_block(
                s, _actor(as_name), card_token, reason, datetime.now(UTC)
            )

    if not _run(settings, work):
        typer.echo(f"fraudd: card {card_token} is not blocked (see `fraudd blocks list`)", err=True)
        raise typer.Exit(1)
    ttl = settings.producer.block_cache_ttl_s
    typer.echo(f"released {card_token}; the card application sees it within {ttl:g} s")


@labels_app.command("import")
def labels_import(ctx: typer.Context, file: Path, as_name: AsOpt = None) -> None:
    """Load a chargeback file (tx_id, label, labelled_at); bad rows are reported by line."""
    from fraudd.cases.chargebacks import import_file

    async def work(s: Any) -> Any:
        async with s.transaction():
            return await import_file(s, _actor(as_name), file, datetime.now(UTC))

    report = _run(settings_from(ctx), work)
    for bad in report.rejected[:200]:
        typer.echo(f"{file}:{bad.line}: {bad.reason}", err=True)
    if len(report.rejected) > 200:
        typer.echo(f"... and {len(report.rejected) - 200} more rejected rows", err=True)
    typer.echo(
        f"loaded {report.loaded} label(s), rejected {len(report.rejected)} row(s); "
        f"{report.disagreements} disagreed with a verdict (the chargeback is kept)"
    )
    raise typer.Exit(1 if report.rejected else 0)


@console_app.command("token")
def console_token(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="investigator | analyst | viewer")] = "viewer",
    user: Annotated[str | None, typer.Option(help="Name shown and audited.")] = None,
) -> None:
    """Print a short-lived login URL for the local console (console.auth = local)."""
    from fraudd.cases.service import NAME_BYTES, ActionRefused, checked_text
    from fraudd.console.auth import login_url

    try:
        checked_text("user name", user or getpass.getuser(), NAME_BYTES)
    except ActionRefused as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = settings_from(ctx)
    if settings.console.auth != "local":
        typer.echo("fraudd: console.auth is alb: log in through the load balancer", err=True)
        raise typer.Exit(1)
    if settings.profile == "aws" and not settings.console.allow_local_auth:
        typer.echo("fraudd: the aws profile refuses local login tokens: log in through the "
                   "load balancer (or set console.allow_local_auth = true)", err=True)  # fmt: skip
        raise typer.Exit(1)
    try:
        url = login_url(settings, user or getpass.getuser(), role)
    except ValueError as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(url)
    ttl = settings.console.token_ttl_s
    typer.echo(f"(valid for {ttl:g} s; open it in a browser to log in as {role})", err=True)
