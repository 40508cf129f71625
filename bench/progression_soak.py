"""Soak: play many random histories through decide() and count violations per invariant.

    python bench/progression_soak.py [N] [SEED]     (make soak: 10,000 histories)

Prints one line per invariant with its count of violations, and exits 1 if any is not 0.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.progression_check import INVARIANTS, random_history


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    counts: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    first: dict[str, int] = {}
    phases: Counter[str] = Counter()
    started = time.perf_counter()
    for i in range(n):
        h = random_history(random.Random(seed * 1_000_003 + i))
        d = h.decide()
        phases[d.phase] += 1
        for name, check in INVARIANTS.items():
            kept = check(h, d)
            checked[name] += kept is not None
            if kept is False:
                counts[name] += 1
                first.setdefault(name, i)
    took = time.perf_counter() - started
    print(f"progression soak: {n} random histories (seed {seed}) in {took:.1f} s")
    print("decisions by phase: " + ", ".join(f"{p} {c}" for p, c in sorted(phases.items())))
    for name in INVARIANTS:
        where = f"  (first: history {first[name]})" if name in first else ""
        print(f"  {checked[name]:>6} checked  {counts[name]:>4} violations  {name}{where}")
    return 1 if counts else 0


if __name__ == "__main__":
    raise SystemExit(main())
