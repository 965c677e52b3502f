"""Benchmark: the axisymmetric (r, z) London solver on a sphere.

A sphere of radius R in a uniform field, box 1.5 R (exact open boundary), on an
N x 2N node grid (default 512 x 1024): time to a relative residual of 1e-8, peak
memory, and the moment's error against the London formula. Run on purpose:

    python benchmarks/bench_axisymmetric.py --cells 512 --method direct
    python benchmarks/bench_axisymmetric.py --cells 256 --method cg
    python benchmarks/bench_axisymmetric.py --cells 512 --exact-boundary   # no block sums
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numba

import fluxoid as fx
from fluxoid.axisymmetric import sphere_moment


def run(cells: int, method: str, tol: float, threads: int | None) -> dict:
    R, lam, Ba = 1e-6, 0.1e-6, 1e-3
    h = 1.5 * R / cells
    t0 = time.perf_counter()
    geo = fx.meshes.sphere(R, penetration_depth=lam, spacing=h)
    t1 = time.perf_counter()
    sol = fx.solve(geo, applied_field=Ba, method=method, tol=tol, threads=threads)
    t2 = time.perf_counter()
    err = sol.moment / sphere_moment(R, lam, Ba) - 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: kB)
    return {
        "grid": geo.grid.shape, "unknowns": geo.grid.size, "method": sol.method,
        "geometry_s": t1 - t0, "solve_s": t2 - t1,
        "cells_per_s": geo.grid.size / (t2 - t1), "residual": sol.residual,
        "box_iterations": sol.iterations, "boundary_iterations": sol.boundary_iterations,
        "moment_rel_error": err, "peak_rss_MB": rss,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=512, help="nodes along r (2x along z)")
    p.add_argument("--method", default="direct", choices=["auto", "direct", "cg", "multigrid"])
    p.add_argument("--tol", type=float, default=1e-8)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--exact-boundary", action="store_true",
                   help="sum the top/bottom boundary Green's function exactly (no block "
                        "interpolation; the reference for the accelerated sum)")
    a = p.parse_args()
    if a.exact_boundary:
        from fluxoid.solvers import axisymmetric

        axisymmetric.ACCEL_MIN_PAIRS = float("inf")
    # warm the numba caches on a small grid so compile time is not counted
    run(32, a.method, a.tol, a.threads)
    res = run(a.cells, a.method, a.tol, a.threads)
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"numba threads {numba.get_num_threads()}")
    for k, v in res.items():
        print(f"{k:>20}: {v:.4g}" if isinstance(v, float) else f"{k:>20}: {v}")


if __name__ == "__main__":
    main()
