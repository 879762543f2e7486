"""Summaries of py-spy's raw stacks: where each process spent its samples.

``py-spy record --format raw`` writes one line per distinct stack (frames separated by ``;``,
then the sample count). The summary keeps, per function, the share of samples in which it is on
the stack (inclusive) and at the top of it (self), without the event-loop and CLI frames that are
on every stack.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)$")
_ALWAYS = re.compile(
    r"runpy|asyncio/(runners|base_events|events)\.py|typer/|click/|fraudd/cli/|<module>|"
    r"bench/produce\.py|\(fraudd\)$"
)


def _name(frame: str) -> str:
    return _LINE.sub(")", frame.strip())


def summarise(path: Path, top: int = 15) -> dict[str, object]:
    """Samples, and the top functions by inclusive and by self share (percent)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_name(f) for f in stack.split(";")]
        n = int(count)
        total += n
        for name in set(frames):
            if not _ALWAYS.search(name):
                inclusive[name] += n
        own[frames[-1]] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "inclusive_pct": {k: round(100 * v / total, 1) for k, v in inclusive.most_common(top)},
        "self_pct": {k: round(100 * v / total, 1) for k, v in own.most_common(top)},
    }
