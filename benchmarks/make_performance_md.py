"""Regenerate benchmarks/results/performance.md (the README's performance section) from a bench JSON.

    python benchmarks/make_performance_md.py [benchmarks/results/bench.json]
"""

import sys
from pathlib import Path

from fluxoid.bench import write_performance_md

if __name__ == "__main__":
    here = Path(__file__).resolve().parent / "results"
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "bench.json"
    out = src.with_name("performance-quick.md" if src.stem.endswith("quick") else "performance.md")
    print(write_performance_md(src, out), end="")
