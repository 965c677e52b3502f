"""The ``fluxoid`` command line.

    fluxoid demo [NAME] [--out DIR] [--quick]     run a demo (default: the hollow cylinder)
    fluxoid demo --list                           list the demos
    fluxoid solve PROBLEM.toml [--out DIR]        solve a problem file
    fluxoid bench [...]                           the benchmarks (see fluxoid bench --help)
    fluxoid version
"""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fluxoid",
        description="London and supercurrent equations of superconductivity on grids.",
    )
    sub = p.add_subparsers(dest="command")
    d = sub.add_parser("demo", help="run a demo and write its pictures")
    d.add_argument("name", nargs="?", default=None, help="which demo (default: hollow-cylinder)")
    d.add_argument("--out", default=None, help="output directory (default ./fluxoid-demo)")
    d.add_argument("--quick", action="store_true", help="coarser grids, for a fast look")
    d.add_argument("--list", action="store_true", help="list the demos")
    s = sub.add_parser("solve", help="solve a problem file (TOML)")
    s.add_argument("problem", help="path to the .toml problem file")
    s.add_argument("--out", default=None, help="output directory (default from the file)")
    sub.add_parser("bench", help="benchmarks (all further arguments go to the benchmark runner)",
                   add_help=False)
    sub.add_parser("version", help="print the version")
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        try:
            from .bench import main as bench_main
        except ImportError:
            print("fluxoid bench: the benchmark runner is not installed in this version",
                  file=sys.stderr)
            return 2
        return int(bench_main(argv[1:]) or 0)
    args = _parser().parse_args(argv)
    if args.command in (None, "demo"):
        from . import demo

        if args.command == "demo" and args.list:
            for name in demo.available():
                print(name)
            return 0
        name = getattr(args, "name", None) or demo.DEFAULT
        demos = demo.available()
        if name not in demos:
            print(f"fluxoid demo: unknown demo {name!r}; available: {', '.join(demos)}",
                  file=sys.stderr)
            return 2
        outdir = getattr(args, "out", None) or "fluxoid-demo"
        demos[name](outdir, quick=getattr(args, "quick", False))
        return 0
    if args.command == "solve":
        from .errors import FluxoidError
        from .problem import run_problem

        try:
            run_problem(args.problem, args.out)
        except FluxoidError as e:
            print(f"fluxoid solve: {e}", file=sys.stderr)
            return 2
        return 0
    if args.command == "version":
        from . import __version__

        print(__version__)
        return 0
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
