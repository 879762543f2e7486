"""The README's model figures: train and evaluate on several test weeks of one loaded history.

Exactly what ``fraudd train --train-end E --features F --force-activate`` then ``fraudd evaluate
--test-start E+8d --json`` do, for each week and feature set, except that the training features
of every week are computed once (one warehouse query over the union of the training windows,
sliced per week, as ``train`` slices its own): on 2 shared cores the feature queries, not the
fits, are most of a run. Every feature set is a column subset of that one frame: under a catalog
that extends the built-in one (``[features] mode = "extend"``), ``handbook`` (15), ``core`` (23)
and the rest of the built-in catalog are its first columns. That their values equal the built-in
catalog's own is checked first, on one day of the history (``--check-days``), and the run stops
if they do not.

Writes one JSON line per run (schema, feature set and the features fitted, train end, test
start, train seconds, the machine's load average, the training's validation weeks and baseline
check, the evaluation) to stdout and to
``bench/results/model-weeks-<schema>.jsonl`` (``--out``), after a first line describing the
frame (catalog fingerprint, rows, seconds, the check).

Set-up: a history loaded in the configured schema (see the README's "On the extended
simulator"). Run::

    FRAUDD_CONFIG=config/local.toml FRAUDD_WAREHOUSE__SCHEMA=S \\
        nice python -m bench.model_weeks --features handbook core all \\
        --train-end 2018-07-17 2018-07-31 2018-08-14
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from fraudd.features import FEATURES, training_features, training_features_parallel
from fraudd.model.baseline import FEATURE_SETS
from fraudd.model.commands import BATCH_JOB_TIMEOUT_S
from fraudd.model.evaluate import evaluate_model
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import TrainConfig, feature_names, train_and_register
from fraudd.settings import Settings, load_settings
from fraudd.warehouse import Warehouse, opened_warehouse

TEST_AFTER_DAYS = 8
"""The test week starts this long after the training end: the README's protocol (7-day delay
after the held-out week's last labelled day, as in the Handbook)."""
RESULTS = Path(__file__).parent / "results"
TRAINING_KEYS = ("validation", "rounds_choice", "baseline")
"""What a run's line keeps of the model's metadata: its held-out week, the validation weeks
that chose its rounds and setting, and its check against the plain baseline."""


def load() -> float:
    """The machine's one-minute load average (2 cores: above 2 means waiting for a core)."""
    return round(os.getloadavg()[0], 2)


async def run_one(
    wh: Warehouse, frame: pd.DataFrame, config: TrainConfig, features: str
) -> dict[str, Any]:
    """Train (forced active) on ``frame``'s slice for ``config``, then evaluate the next test
    week with the consumer's thresholds; the JSON line of one run."""
    load_before, began = load(), time.perf_counter()
    async with wh.session() as session:
        record, _ = await train_and_register(session, config, activate=True, frame=frame)
        trained_s = time.perf_counter() - began
        load_after = load()
        test_start = config.end.date() + dt.timedelta(days=TEST_AFTER_DAYS)
        evaluation, _ = await evaluate_model(session, record, EvalWindow.of(test_start))
    return {
        "features": features,
        "feature_names": feature_names(frame, config),
        "train_end": config.end.date().isoformat(),
        "test_start": test_start.isoformat(),
        "train_seconds": round(trained_s, 1),
        "load_average": [load_before, load_after],
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": record.version,
        "training": {k: record.metadata.get(k) for k in TRAINING_KEYS},
        "evaluation": evaluation.as_dict(),
    }


async def builtin_check(
    settings: Settings, frame: pd.DataFrame, day: dt.datetime
) -> dict[str, Any]:
    """The built-in catalog's features of one day, computed under the built-in catalog alone,
    against the same rows' columns of ``frame`` (exact equality, NaN equal to NaN)."""
    built_in = settings.derive(features={"catalog": None, "mode": "replace"})
    async with opened_warehouse(built_in) as wh, wh.session() as session:
        own = await training_features(session, day, day + dt.timedelta(days=1))
    names = [n for n in FEATURES if n in frame.columns]
    ours = frame.set_index("tx_id").loc[own["tx_id"], names].to_numpy()
    theirs = own.loc[:, names].to_numpy()
    differ = [n for i, n in enumerate(names) if not np.array_equal(ours[:, i], theirs[:, i], True)]
    return {"day": day.date().isoformat(), "rows": len(own), "columns": len(names),
            "identical": not differ, "differ": differ}  # fmt: skip


def emit(line: dict[str, Any], out: TextIO) -> None:
    """One JSON line on stdout and in the results file."""
    text = json.dumps(line, sort_keys=True)
    print(text, flush=True)
    out.write(text + "\n")
    out.flush()


async def main(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    """Every (feature set, training end) run, one JSON line each."""
    configs = {end: TrainConfig(end) for end in args.train_end}
    first = min(c.start for c in configs.values()).to_pydatetime()
    last = max(c.end for c in configs.values()).to_pydatetime()
    timeout = max(settings.warehouse.statement_timeout_s, BATCH_JOB_TIMEOUT_S)
    batch = settings.derive(warehouse={"statement_timeout_s": timeout})
    schema = settings.warehouse.schema_name
    async with opened_warehouse(batch) as wh:
        began = time.perf_counter()
        frame = await training_features_parallel(wh, first, last, parts=2)
        head = {"schema": schema, "feature_rows": len(frame),
                "feature_seconds": round(time.perf_counter() - began, 1),
                "catalog": str(settings.features.catalog or "built-in"),
                "catalog_mode": settings.features.mode,
                "catalog_fingerprint": settings.features.selected().fingerprint,
                "load_average": load(), "argv": sys.argv[1:]}  # fmt: skip
        check_day = last - dt.timedelta(days=args.check_days)
        check = await builtin_check(batch, frame, check_day)
        emit(head | {"builtin_check": check}, out)
        if not check["identical"]:
            raise SystemExit("the built-in features differ under the configured catalog: stop")
        for end in args.train_end:  # week by week: a cut-short run still compares the sets
            for name in args.features:
                line = await run_one(wh, frame, TrainConfig(end, features=FEATURE_SETS[name]), name)
                emit(line | {"schema": schema}, out)


def cli(argv: list[str]) -> None:
    """``python -m bench.model_weeks``: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.model_weeks", description=__doc__)
    parser.add_argument("--train-end", nargs="+", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--features", nargs="+", choices=sorted(FEATURE_SETS), default=["all"])
    parser.add_argument("--check-days", type=int, default=1,
                        help="check the built-in features on the day this long before the last "
                        "training end")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON lines file (default: bench/results/model-weeks-<schema>.jsonl, "
                        "appended to)")  # fmt: skip
    args = parser.parse_args(argv)
    settings = load_settings()
    path = args.out or RESULTS / f"model-weeks-{settings.warehouse.schema_name}.jsonl"
    with path.open("a", encoding="utf-8") as out:
        asyncio.run(main(args, settings, out))


if __name__ == "__main__":
    cli(sys.argv[1:])
