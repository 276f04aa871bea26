"""Benchmarks: `python -m scripts.bench NAME [options]` (or `python scripts/bench.py NAME …`).

Each benchmark lives in `scripts/bench_NAME.py` with a `main(argv)` and
prints its figures next to a reference measured in the same run, as ratios:
these machines are shared and noisy, so absolute times mean little.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCHMARKS = ("import", "status", "map", "export", "web", "field", "ogc", "scale", "tiles")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark named by the first argument."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in BENCHMARKS:
        print(f"usage: scripts/bench.py {{{'|'.join(BENCHMARKS)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"scripts.bench_{args[0]}")
    return module.main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
