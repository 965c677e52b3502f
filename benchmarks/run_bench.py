"""Run the fluxoid benchmarks (the same as `fluxoid bench`).

    python benchmarks/run_bench.py            # full run, results in benchmarks/results/
    python benchmarks/run_bench.py --quick    # under a minute
"""

import sys

from fluxoid.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
