"""``python -m bench.pan_ids [--n N]``: how often random ids of common shapes trip the PAN check.

Every door refuses an id or card token holding 13–19 digits that pass the Luhn check, even
split by separators (:func:`fraudd.pan.holds_pan`). Random ids hold such runs by chance; this
draws ``N`` ids of each shape from a seeded generator, counts the ones the check refuses and
writes ``bench/results/pan-ids.json`` (rate and a 95 % Wilson interval per shape). No stack
is needed: it is the check alone, on one core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import shlex
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.common import RESULTS_DIR, machine, versions
from fraudd.pan import holds_pan

SEED = 20261207
HEX = "0123456789abcdef"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # ULIDs and many "base32" ids


def _chars(alphabet: str, length: int) -> Callable[[random.Random], str]:
    return lambda rng: "".join(rng.choices(alphabet, k=length))


SHAPES: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "hex16": ("16 hexadecimal characters (64 bits)", _chars(HEX, 16)),
    "hex32": ("32 hexadecimal characters (128 bits, a UUID without hyphens)", _chars(HEX, 32)),
    "uuid4": (
        "UUID version 4 with hyphens (8-4-4-4-12)",
        lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    ),
    "base32_16": ("16 RFC 4648 base32 characters (80 bits)", _chars(BASE32, 16)),
    "base32_26": ("26 RFC 4648 base32 characters (130 bits)", _chars(BASE32, 26)),
    "crockford_26": ("26 Crockford base32 characters (as a ULID's)", _chars(CROCKFORD, 26)),
    "decimal_u64": (
        "a random 64-bit integer in decimal (up to 20 digits)",
        lambda rng: str(rng.getrandbits(64)),
    ),
}


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of the proportion ``hits / n``."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def measure(n: int, seed: int = SEED) -> dict[str, Any]:
    """Refusal rate of ``n`` ids per shape."""
    figures: dict[str, Any] = {}
    for name, (what, draw) in SHAPES.items():
        rng = random.Random(f"{seed}-{name}")
        began = time.perf_counter()
        hits = sum(holds_pan(draw(rng)) for _ in range(n))
        low, high = wilson(hits, n)
        figures[name] = {
            "shape": what, "ids": n, "refused": hits, "rate": hits / n,
            "rate_95ci": [round(low, 7), round(high, 7)],
            "one_in": round(n / hits) if hits else None,
            "draw_and_check_us_per_id": round((time.perf_counter() - began) / n * 1e6, 2),
        }  # fmt: skip
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pan_ids", description=__doc__)
    parser.add_argument("--n", type=int, default=200_000, help="ids per shape")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    figures = measure(args.n)
    payload = {
        "scenario": "pan-ids",
        "command": f"python -m bench.pan_ids {shlex.join(argv)}".strip(),
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "parameters": {"ids_per_shape": args.n, "seed": SEED},
        "figures": figures,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / "pan-ids.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    for name, f in figures.items():
        print(f"{name:<13} {f['refused']:>6} / {f['ids']:,} refused  rate {f['rate']:.5%}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
