"""The README's tables of :mod:`bench.model_weeks` runs, from their JSON lines files.

``python -m bench.model_weeks_table bench/results/model-weeks-extsim.jsonl ...`` prints two
Markdown tables: one row per (schema, feature set) with each test week's AUC ROC / Average
Precision / Card Precision@100, the recall per fraud scenario pooled over the row's weeks (frauds
caught over frauds, a fraud caught when the model's thresholds review or decline it), the
training seconds and load averages, and the command; then, for the features of a catalog beyond
the core 23, their gain share and top-reason share per test week in the ``all`` model. The
newest line of each (schema, feature set, training end) counts (the files are appended to).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fraudd.feature_catalog import core

LABELS = {"extsim": "simulator's (1–7 d)", "extlate": "exactly 7 d late"}
SETS = ("handbook", "core", "all")
SCENARIOS = range(1, 8)
Run = dict[str, Any]


def runs(paths: Iterable[Path]) -> dict[tuple[str, str, str], Run]:
    """The newest run of each (schema, feature set, training end); a run keeps the catalog of
    the head line before it (``catalog``, ``catalog_mode``), and its feature set is named with
    its width ("all (31)"), so one file may hold runs of several catalogs."""
    out: dict[tuple[str, str, str], Run] = {}
    for path in paths:
        head: Run = {}
        for text in path.read_text(encoding="utf-8").splitlines():
            line = json.loads(text)
            if "evaluation" not in line:
                head = line
                continue
            line |= {k: head.get(k, "built-in") for k in ("catalog", "catalog_mode")}
            label = f"{line['features']} ({len(line['feature_names'])})"
            out[(line["schema"], label, line["train_end"])] = line
    return out


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    """Label modes as :data:`LABELS` lists them, then feature sets as :data:`SETS` does."""
    schema, label = key
    modes, sets, name = list(LABELS), list(SETS), label.split()[0]
    return (
        modes.index(schema) if schema in modes else len(modes),
        sets.index(name) if name in sets else len(sets),
        schema + label,
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


def _command(schema: str, run: Run, ends: list[str]) -> str:
    catalog = ""
    if run["catalog"] != "built-in":  # a file shipped in fraudd/feature_catalog/
        name = Path(run["catalog"]).name
        catalog = (
            f"FRAUDD_FEATURES__CATALOG=fraudd/feature_catalog/{name} "
            f"FRAUDD_FEATURES__MODE={run['catalog_mode']} "
        )
    return (
        f"`{catalog}FRAUDD_WAREHOUSE__SCHEMA={schema} nice python -m bench.model_weeks "
        f"--features {run['features']} --train-end {' '.join(ends)}`"
    )


def metrics_table(found: dict[tuple[str, str, str], Run]) -> list[str]:
    """One row per (schema, feature set): see the module docstring."""
    ends = sorted({end for _, _, end in found})
    tests = [next(r["test_start"] for k, r in found.items() if k[2] == e) for e in ends]
    head = ["labels", "features", *(f"test {t}: AUC / AP / CP@100" for t in tests)]
    head += [*(f"recall {s}" for s in SCENARIOS), "train s", "load", "command"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for schema, label in sorted(dict.fromkeys((k[0], k[1]) for k in found), key=_order):
        weeks = [found[(schema, label, e)] for e in ends if (schema, label, e) in found]
        done = {w["train_end"] for w in weeks}
        cells = [_week(found[(schema, label, e)]) if e in done else "–" for e in ends]
        seconds = " / ".join(f"{w['train_seconds']:.0f}" for w in weeks)
        loads = [v for w in weeks for v in w["load_average"]]
        row = [LABELS.get(schema, schema), label, *cells, *_recalls(weeks)]
        command = _command(schema, weeks[0], sorted(done))
        row += [seconds, f"{min(loads):.1f}–{max(loads):.1f}", command]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def features_table(found: dict[tuple[str, str, str], Run]) -> list[str]:
    """Gain share / top-reason share of each feature beyond the core 23, per (schema, week), in
    the widest models fitted on every feature of their catalog."""
    widest = max((k[1] for k in found if k[1].startswith("all")), key=_width, default="")
    alls = [found[k] for k in sorted(found, key=lambda k: (_order(k[:2]), k[2])) if k[1] == widest]
    extra = [n for n in alls[0]["feature_names"] if n not in core().features] if alls else []
    head = ["feature", *(f"{LABELS.get(r['schema'], r['schema'])} {r['test_start']}" for r in alls)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in extra:
        cells = []
        for run in alls:
            f = next(i for i in run["evaluation"]["feature_importance"] if i["name"] == name)
            cells.append(f"{f['gain_share']:.3f} / {f['top_reason_share']:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _width(label: str) -> int:
    """The number of features of a set's label, "all (36)": 36."""
    return int(label.split("(")[1].rstrip(")"))


def main(argv: list[str]) -> None:
    """Print both tables for the JSON lines files ``argv``."""
    found = runs(Path(a) for a in argv)
    print("\n".join(metrics_table(found)))
    print()
    print("\n".join(features_table(found)))


if __name__ == "__main__":
    main(sys.argv[1:])
