"""The README's model figures: train and evaluate on several test weeks of one loaded history.

Exactly what ``fraudd train --train-end E --features F --force-activate`` then ``fraudd evaluate
--test-start E+8d --json`` do, for each week and feature set, except that the training features
of every week are computed once (one warehouse query over the union of the training windows,
sliced per week, as ``train`` slices its own): on 2 shared cores the feature queries, not the
fits, are most of a run. Prints one JSON line per run (schema, features, train end, test start,
seconds, the evaluation).

Set-up: a history loaded in the configured schema (see the README's Labelled history, and
"The model" for the two label-time variants). Run::

    FRAUDD_CONFIG=config/local.toml FRAUDD_WAREHOUSE__SCHEMA=S \\
        nice python -m bench.model_weeks --features handbook all \\
        --train-end 2018-07-17 2018-07-31 2018-08-14 > model_weeks-S.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from typing import Any

import pandas as pd

from fraudd.features import training_features_parallel
from fraudd.model.baseline import FEATURE_SETS
from fraudd.model.commands import BATCH_JOB_TIMEOUT_S
from fraudd.model.evaluate import evaluate_model
from fraudd.model.protocol import EvalWindow
from fraudd.model.train import TrainConfig, train_and_register
from fraudd.settings import Settings, load_settings
from fraudd.warehouse import Warehouse, opened_warehouse

TEST_AFTER_DAYS = 8
"""The test week starts this long after the training end: the README's protocol (7-day delay
after the held-out week's last labelled day, as in the Handbook)."""


async def run_one(
    wh: Warehouse, frame: pd.DataFrame, config: TrainConfig, features: str
) -> dict[str, Any]:
    """Train (forced active) on ``frame``'s slice for ``config``, then evaluate the next test
    week with the consumer's thresholds; the JSON line of one run."""
    began = time.perf_counter()
    async with wh.session() as session:
        record, _ = await train_and_register(session, config, activate=True, frame=frame)
        trained_s = time.perf_counter() - began
        test_start = config.end.date() + dt.timedelta(days=TEST_AFTER_DAYS)
        window = EvalWindow.of(test_start)
        evaluation, _ = await evaluate_model(session, record, window)
    return {
        "features": features,
        "train_end": config.end.date().isoformat(),
        "test_start": test_start.isoformat(),
        "train_seconds": round(trained_s, 1),
        "model": record.version,
        "evaluation": evaluation.as_dict(),
    }


async def main(settings: Settings, ends: list[dt.date], features: list[str]) -> None:
    """Every (feature set, training end) run, one JSON line each on stdout."""
    configs = {end: TrainConfig(end) for end in ends}
    first = min(c.start for c in configs.values()).to_pydatetime()
    last = max(c.end for c in configs.values()).to_pydatetime()
    timeout = max(settings.warehouse.statement_timeout_s, BATCH_JOB_TIMEOUT_S)
    batch = settings.derive(warehouse={"statement_timeout_s": timeout})
    async with opened_warehouse(batch) as wh:
        began = time.perf_counter()
        frame = await training_features_parallel(wh, first, last, parts=2)
        seconds = round(time.perf_counter() - began, 1)
        print(json.dumps({"feature_rows": len(frame), "feature_seconds": seconds}), flush=True)
        for name in features:
            for end in ends:
                config = TrainConfig(end, features=FEATURE_SETS[name])
                line = await run_one(wh, frame, config, name)
                line["schema"] = settings.warehouse.schema_name
                print(json.dumps(line, sort_keys=True), flush=True)


def cli(argv: list[str]) -> None:
    """``python -m bench.model_weeks``: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.model_weeks", description=__doc__)
    parser.add_argument("--train-end", nargs="+", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--features", nargs="+", choices=sorted(FEATURE_SETS), default=["all"])
    args = parser.parse_args(argv)
    asyncio.run(main(load_settings(), args.train_end, args.features))


if __name__ == "__main__":
    cli(sys.argv[1:])
