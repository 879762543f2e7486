"""The README's tables of :mod:`bench.model_weeks` runs, from their JSON lines files.

``python -m bench.model_weeks_table bench/results/model-weeks-extsim.jsonl ...`` prints two
Markdown tables: one row per (schema, feature set) with each test week's AUC ROC / Average
Precision / Card Precision@100, the recall per fraud scenario pooled over the row's weeks (frauds
caught over frauds, a fraud caught when the model's thresholds review or decline it), the
training seconds and load averages, and the command; then, for the features of a catalog beyond
the built-in 23, their gain share and top-reason share per test week in the ``all`` model. The
newest line of each (schema, feature set, training end) counts (the files are appended to).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fraudd.features import FEATURES

LABELS = {"extsim": "simulator's (1–7 d)", "extlate": "exactly 7 d late"}
SETS = ("handbook", "builtin", "all")
SCENARIOS = range(1, 8)
Run = dict[str, Any]


def runs(paths: Iterable[Path]) -> dict[tuple[str, str, str], Run]:
    """The newest run of each (schema, feature set, training end)."""
    out: dict[tuple[str, str, str], Run] = {}
    for path in paths:
        for text in path.read_text(encoding="utf-8").splitlines():
            line = json.loads(text)
            if "evaluation" in line:
                out[(line["schema"], line["features"], line["train_end"])] = line
    return out


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    """Label modes as :data:`LABELS` lists them, then feature sets as :data:`SETS` does."""
    schema, features = key
    modes, sets = list(LABELS), list(SETS)
    return (
        modes.index(schema) if schema in modes else len(modes),
        sets.index(features) if features in sets else len(sets),
        schema + features,
    )


def _week(run: Run) -> str:
    e = run["evaluation"]
    return f"{e['auc_roc']:.3f} / {e['average_precision']:.3f} / {e['card_precision_at_100']:.3f}"


def _recalls(weeks: list[Run]) -> list[str]:
    """Per scenario: caught over frauds, pooled over the weeks."""
    caught = dict.fromkeys(SCENARIOS, 0.0)
    frauds = dict.fromkeys(SCENARIOS, 0)
    for run in weeks:
        for r in run["evaluation"]["recall_per_scenario"]:
            if r["scenario"] in caught:
                caught[r["scenario"]] += r["recall"] * r["frauds"]
                frauds[r["scenario"]] += r["frauds"]
    return [f"{caught[s] / frauds[s]:.2f}" if frauds[s] else "–" for s in SCENARIOS]


def _command(schema: str, features: str, ends: list[str]) -> str:
    return (
        f"`FRAUDD_WAREHOUSE__SCHEMA={schema} nice python -m bench.model_weeks --features "
        f"{features} --train-end {' '.join(ends)}`"
    )


def metrics_table(found: dict[tuple[str, str, str], Run]) -> list[str]:
    """One row per (schema, feature set): see the module docstring."""
    ends = sorted({end for _, _, end in found})
    tests = [next(r["test_start"] for k, r in found.items() if k[2] == e) for e in ends]
    head = ["labels", "features", *(f"test {t}: AUC / AP / CP@100" for t in tests)]
    head += [*(f"recall {s}" for s in SCENARIOS), "train s", "load", "command"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for schema, features in sorted(dict.fromkeys((k[0], k[1]) for k in found), key=_order):
        weeks = [found[(schema, features, e)] for e in ends if (schema, features, e) in found]
        done = {w["train_end"] for w in weeks}
        cells = [_week(found[(schema, features, e)]) if e in done else "–" for e in ends]
        n = len(weeks[0]["feature_names"])
        seconds = " / ".join(f"{w['train_seconds']:.0f}" for w in weeks)
        loads = [v for w in weeks for v in w["load_average"]]
        row = [LABELS.get(schema, schema), f"{features} ({n})", *cells, *_recalls(weeks)]
        command = _command(schema, features, sorted(done))
        row += [seconds, f"{min(loads):.1f}–{max(loads):.1f}", command]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def features_table(found: dict[tuple[str, str, str], Run]) -> list[str]:
    """Gain share / top-reason share of each feature beyond the built-in 23, per (schema, week),
    in the models fitted on every feature."""
    alls = [found[k] for k in sorted(found, key=lambda k: (_order(k[:2]), k[2])) if k[1] == "all"]
    extra = [n for n in alls[0]["feature_names"] if n not in FEATURES] if alls else []
    head = ["feature", *(f"{LABELS.get(r['schema'], r['schema'])} {r['test_start']}" for r in alls)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in extra:
        cells = []
        for run in alls:
            f = next(i for i in run["evaluation"]["feature_importance"] if i["name"] == name)
            cells.append(f"{f['gain_share']:.3f} / {f['top_reason_share']:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str]) -> None:
    """Print both tables for the JSON lines files ``argv``."""
    found = runs(Path(a) for a in argv)
    print("\n".join(metrics_table(found)))
    print()
    print("\n".join(features_table(found)))


if __name__ == "__main__":
    main(sys.argv[1:])
