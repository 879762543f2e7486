"""``fraudd train | evaluate | model list | model activate | model export``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer

from fraudd.cli.app import app, settings_from
from fraudd.cli.errors import Failure
from fraudd.settings import EX_CONFIG, Settings
from fraudd.warehouse import ModelStatus

if TYPE_CHECKING:
    from fraudd.model.record import ModelRecord
    from fraudd.model.train import TrainConfig

model_app = typer.Typer(
    help="The model registry: list, activate (roll back), export.", no_args_is_help=True
)
app.add_typer(model_app, name="model")


def _commands() -> ModuleType:
    """fraudd.model.commands, imported on use: it loads scikit-learn and XGBoost, which every
    other command (above all ``fraudd run``'s start-up) should not wait for."""
    from fraudd.model import commands

    return commands


DateOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]


def _day(value: dt.datetime | None, default: dt.date) -> dt.date:
    return value.date() if value is not None else default


TrainEndOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        help="End of the training window (exclusive); default: today minus the label delay.",
    ),
]
TrainDaysOpt = Annotated[int, typer.Option(help="Days of labelled history to train on.")]
LabelDelayOpt = Annotated[
    int, typer.Option(help="Label delay: days before train-end whose labels are not final.")
]
BackendOpt = Annotated[str, typer.Option(help="local | redshift-ml")]
AlertsPerDayOpt = Annotated[
    float, typer.Option(help="Alerts per day investigators can handle (sets the review threshold).")
]
BlockPrecisionOpt = Annotated[
    float, typer.Option(help="Minimum validation precision for automatic blocks.")
]
ForceActivateOpt = Annotated[
    bool,
    typer.Option(
        help="Activate even if the held-out week is worse than with the active model or the "
        "plain baseline."
    ),
]
FeaturesOpt = Annotated[
    str,
    typer.Option(
        help="Features to fit on: all (the configured catalog's), core (the 23 of card, "
        "terminal, amount and time, to measure what the rest of the record adds), or handbook "
        "(the Handbook's 15, to measure what the others add)."
    ),
]


@app.command()
def train(
    ctx: typer.Context,
    train_end: TrainEndOpt = None,
    train_days: TrainDaysOpt = 90,
    delay_days: LabelDelayOpt = 7,
    backend: BackendOpt = "local",
    alerts_per_day: AlertsPerDayOpt = 100.0,
    block_precision: BlockPrecisionOpt = 0.9,
    force_activate: ForceActivateOpt = False,
    features: FeaturesOpt = "all",
) -> None:
    """Train a gradient-boosted model on labelled history and register it (versioned)."""
    settings = settings_from(ctx)
    end = _day(train_end, dt.datetime.now(dt.UTC).date() - dt.timedelta(days=delay_days))
    if backend == "redshift-ml":
        _redshift_ml(settings, end, train_days)
        return
    if backend != "local":
        raise typer.BadParameter("backend must be local or redshift-ml", param_hint="--backend")
    from fraudd.model.baseline import FEATURE_SETS
    from fraudd.model.thresholds import ThresholdTargets
    from fraudd.model.train import TrainConfig

    if features not in FEATURE_SETS:
        names = " or ".join(FEATURE_SETS)
        raise typer.BadParameter(f"features must be {names}", param_hint="--features")
    targets = ThresholdTargets(alerts_per_day=alerts_per_day, block_min_precision=block_precision)
    config = TrainConfig(
        end, train_days, delay_days=delay_days, targets=targets, features=FEATURE_SETS[features]
    )
    record = _train_local(settings, config, force_activate)
    typer.echo(_registered(record))
    from fraudd.model.activation import refusal_line

    refused = refusal_line(record)
    if refused is not None:
        raise Failure(refused)


def _train_local(settings: Settings, config: TrainConfig, force_activate: bool) -> ModelRecord:
    """Train, validate and register a model (activated by the registry's rule, or forced);
    a window the history does not cover is one line saying what to load or choose."""
    try:
        return asyncio.run(
            _commands().train_command(settings, config, activate=True if force_activate else None)
        )
    except ValueError as exc:
        start, end = config.start.date(), config.end.date()
        raise Failure(
            f"cannot train on {start} to {end} (exclusive): {exc}: load labelled history first "
            "(`fraudd simulate history` or `fraudd history import`) or choose --train-end and "
            "--train-days inside it"
        ) from exc


def _registered(record: ModelRecord) -> str:
    """The JSON line ``fraudd train`` prints about the model it registered."""
    meta = record.metadata
    return json.dumps(
        {
            "version": record.version,
            "active": record.active,
            "validation": meta.get("validation"),
            "thresholds": meta.get("thresholds"),
            "activation": meta.get("activation"),
        },
        default=str,
    )


def _redshift_ml(settings: Settings, end: dt.date, train_days: int) -> None:
    """CREATE MODEL, then wait for SHOW MODEL to say READY; one line and exit 1 otherwise."""
    from fraudd.model.redshift_train import (
        ModelTrainingFailed,
        create_model_spec,
        train_redshift_ml,
    )
    from fraudd.warehouse import ModelTrainingUnsupported, WarehouseError

    bucket = settings.redshift.s3_bucket
    if bucket is None:
        typer.echo(
            "fraudd: invalid configuration: redshift.s3_bucket: required for --backend "
            "redshift-ml (the stack's StagingBucketName output)",
            err=True,
        )
        raise typer.Exit(EX_CONFIG)
    midnight = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)
    spec = create_model_spec(settings, midnight, train_days, s3_bucket=bucket)
    try:
        status = asyncio.run(train_redshift_ml(settings, spec, progress=_show_progress))
    except ModelTrainingUnsupported as exc:
        typer.echo(f"fraudd: invalid configuration: warehouse.dialect: {exc}", err=True)
        raise typer.Exit(EX_CONFIG) from None
    except (ModelTrainingFailed, WarehouseError) as exc:
        typer.echo(f"fraudd: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"model": spec.model_name, "state": status.state, **status.details}))


def _show_progress(status: ModelStatus, elapsed_s: float) -> None:
    """One stderr line per poll: the state and how long training has run."""
    typer.echo(f"fraudd: model {status.state} after {elapsed_s:.0f} s", err=True)


@app.command()
def evaluate(
    ctx: typer.Context,
    test_start: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="First test day.")],
    test_days: Annotated[int, typer.Option()] = 7,
    delay_days: Annotated[int, typer.Option()] = 7,
    version: Annotated[int | None, typer.Option(help="Model version (default: active).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write PNG plots and summary.md here.")
    ] = None,
) -> None:
    """Score a test period with a model and report the handbook's metrics (no training)."""
    from fraudd.model.protocol import EvalWindow

    settings = settings_from(ctx)
    window = EvalWindow.of(test_start.date(), test_days, delay_days)
    try:
        evaluation = asyncio.run(
            _commands().evaluate_command(settings, window, version=version, report_dir=report)
        )
    except LookupError as exc:
        raise _missing_model(exc, version) from exc
    except ValueError as exc:  # no rows, or a single class, in the test window
        raise _empty_window(test_start.date(), test_days, str(exc)) from exc
    if evaluation.n_transactions == 0 or evaluation.n_frauds == 0:
        what = "no transactions" if evaluation.n_transactions == 0 else "no labelled frauds"
        raise _empty_window(test_start.date(), test_days, f"{what} to test on")
    if as_json:
        sys.stdout.write(json.dumps(evaluation.as_dict(), sort_keys=True) + "\n")
    else:
        typer.echo(evaluation.as_json())


def _missing_model(exc: LookupError, version: int | None) -> Failure:
    """No such version, or no active model: one line saying where to look or what to do."""
    what = str(exc.args[0]) if exc.args else "no such model"  # (a KeyError's str() is quoted)
    if version is not None:
        return Failure(f"{what}: `fraudd model list` shows the registered versions")
    return Failure(f"{what}: train one first (`fraudd train`) or give --version")


def _empty_window(first: dt.date, days: int, why: str) -> Failure:
    last = first + dt.timedelta(days=days)
    return Failure(
        f"cannot evaluate {first} to {last} (exclusive): {why}: load labelled history covering "
        "that window or choose --test-start inside it"
    )


@model_app.command("list")
def model_list(ctx: typer.Context) -> None:
    """Every registered model version, its state and validation metrics."""
    records = asyncio.run(_commands().list_command(settings_from(ctx)))
    for r in records:
        typer.echo(
            json.dumps(
                {
                    "version": r.version,
                    "backend": r.backend,
                    "active": r.active,
                    "created_at": r.created_at.isoformat(),
                    "validation": r.metadata.get("validation"),
                },
                default=str,
            )
        )


@model_app.command("activate")
def model_activate(ctx: typer.Context, version: int) -> None:
    """Make VERSION the active model (consumers pick it up within scoring.model_poll_s)."""
    from fraudd.features import CatalogMismatch

    try:
        asyncio.run(_commands().activate_command(settings_from(ctx), version))
    except LookupError as exc:
        raise _missing_model(exc, version) from exc
    except CatalogMismatch as exc:
        raise Failure(f"model activate: {exc}", EX_CONFIG) from exc
    typer.echo(f"model {version} is active")


@model_app.command("export")
def model_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Where to write model.tar.gz.")] = Path("model.tar.gz"),
    version: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Write a SageMaker XGBoost-container artifact (model.tar.gz) of a model."""
    try:
        path = asyncio.run(_commands().export_command(settings_from(ctx), out, version))
    except LookupError as exc:
        raise _missing_model(exc, version) from exc
    typer.echo(str(path))
