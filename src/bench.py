"""``fluxoid bench``: speed and scaling of the solver, side by side with peers.

Benchmarks are not tests: they are run on purpose and report what this
machine does. One run measures, with medians of interleaved rounds,

* the roofline: the STREAM triad bandwidth and the bandwidth each fine-level
  kernel reaches (bytes it must move / time), on 1 and 2 threads;
* the scaling series: setup + solve to 1e-8 and to discretization accuracy
  for 512^2 .. 4096^2 cells (quick mode: 256^2 .. 1024^2), in seconds and in
  triad-sweep equivalents (one sweep streams 17 bytes per cell at the triad
  bandwidth), the time exponent and the solver's memory per cell;
* peers on the same matrix and tolerance: pyamg (Ruge-Stuben and smoothed
  aggregation, setup + solve, CG-accelerated) and scipy's spsolve (SuperLU,
  only up to a size that fits in time and memory; the report says which);
* contention: a 2-thread solve while a busy neighbour process spins on one
  core, against the same solve alone;
* numba compile time, cold (empty cache; not in quick mode) and warm (cache on disk).

It prints a table and writes ``bench.json`` (``bench-quick.json``), a log-log
plot of time against cells and ``performance.md`` (the README's performance
section) to ``benchmarks/results/``.

    fluxoid bench            # the full run (about 5-10 minutes)
    fluxoid bench --quick    # under a minute
    python -m fluxoid.bench --quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bytes one "sweep" streams per cell (the issue's unit of solve cost).
SWEEP_BYTES = 17


# -- problems -------------------------------------------------------------------------------

def problem(kind: str, n: int, lam_cells: float = 20.0, *, holes: int = 10):
    """A benchmark/test geometry on an n x n grid (spacing 1 um, lambda in cells).

    kind: "hollow_cylinder" (an annulus, one hole), "strips" (an array of
    strips ``lam_cells`` wide with gaps half as wide), "holes" (a plate with
    ``holes`` x ``holes`` square holes), "slab" (a slab periodic along y,
    n x n/8 cells, odd length allowed).
    """
    from .meshes import from_mask

    h = 1e-6
    x = (np.arange(n) + 0.5) / n - 0.5
    if kind == "hollow_cylinder":
        X, Y = np.meshgrid(x, x, indexing="ij")
        R = np.hypot(X, Y)
        mask = (R > 0.25) & (R < 0.45)
        return from_mask(mask, h, penetration_depth=lam_cells * h)
    if kind == "strips":
        w = max(1, int(round(lam_cells)))
        g = max(1, w // 2)
        mask = np.zeros((n, n), bool)
        i = 2
        while i + w < n - 2:
            mask[i:i + w, 2:n - 2] = True
            i += w + g
        return from_mask(mask, h, penetration_depth=lam_cells * h)
    if kind == "holes":
        mask = np.zeros((n, n), bool)
        mask[2:n - 2, 2:n - 2] = True
        pitch = (n - 4) / holes
        r = max(1, int(pitch / 4))
        for a in range(holes):
            for c in range(holes):
                ci = int(2 + (a + 0.5) * pitch)
                cj = int(2 + (c + 0.5) * pitch)
                mask[ci - r:ci + r, cj - r:cj + r] = False
        return from_mask(mask, h, penetration_depth=lam_cells * h)
    if kind == "slab":
        ny = max(3, n // 8)
        mask = np.zeros((n, ny), bool)
        mask[n // 4: 3 * n // 4, :] = True
        return from_mask(mask, h, penetration_depth=lam_cells * h, periodic=(False, True))
    raise ValueError(f"unknown problem kind {kind!r}")


def right_side(op, applied_field: float = 1.0):
    """Applied field plus fluxoid numbers -1, 0, 1, -1, ... in the holes."""
    return op.rhs(applied_field, np.arange(op.n_holes) % 3 - 1)


# -- timing helpers -------------------------------------------------------------------------

#: fluxoid's solves per variant in each round of the peer comparison (their median is the
#: round's time). A 2048^2 solve takes about 0.15 s, and single solves scatter: 389 back to
#: back on the benchmark machine ranged 139-173 ms from the 10th to the 90th percentile
#: (median 151 ms), and three single solves, one per round, gave medians of 0.143-0.198 s
#: in four runs. pyamg's solves take seconds, and so average such scatter within each one.
PEER_REPS = 5


def _median(xs):
    return float(statistics.median(xs))


def _timed(f, reps):
    """(median wall time of ``reps`` calls of f, the last call's result)."""
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return _median(ts), out


def _timeit(f, reps):
    return _timed(f, reps)[0]


class _threads:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        import numba

        self.old = numba.get_num_threads()
        numba.set_num_threads(min(self.n, numba.config.NUMBA_NUM_THREADS))

    def __exit__(self, *a):
        import numba

        numba.set_num_threads(self.old)


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "numpy": np.__version__, "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "threading_layer": _threading_layer(), "load_average_at_start": load,
        "system": f"{platform.system()} {platform.release()}",
        "thread_wait": " ".join(f"{k}={os.environ.get(k, '(unset)')}"
                                for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")),
    }


def _threading_layer():
    import numba

    from .solvers import mg_kernels as MK

    a = np.zeros(8)
    MK.triad(a, a, a, 1.0)
    try:
        return numba.threading_layer()
    except ValueError:
        return "unknown"


# -- roofline -------------------------------------------------------------------------------

_TRIAD_BYTES = 24.0  # per element: b and c read, a written


def _triad(n_elements: int):
    """The STREAM triad a = b + s c over ``n_elements``, as a call."""
    from .solvers import mg_kernels as MK

    a = np.empty(n_elements)
    b = np.random.default_rng(0).random(n_elements)
    c = np.random.default_rng(1).random(n_elements)
    return lambda: MK.triad(a, b, c, 3.0)


def triad_bandwidth(n_elements: int, threads: int, reps: int) -> float:
    """STREAM triad a = b + s c in GB/s (24 bytes per element)."""
    triad = _triad(n_elements)
    with _threads(threads):
        triad()
        t = _timeit(triad, reps)
    return _TRIAD_BYTES * n_elements / t / 1e9


def kernel_roofline(n: int, threads: int, reps: int) -> dict:
    """GB/s of every fine-level kernel (bytes it must move / time) on an n x n problem, and
    of the coarse levels' smoothing kernels on the same grid."""
    from .solvers import mg_kernels as MK
    from .solvers import mg_split as MS
    from .solvers.axial import build_operator
    from .solvers.multigrid import Hierarchy

    op = build_operator(problem("hollow_cylinder", n, 20.0))
    hier = Hierarchy(op, "float32")
    L, C = hier.levels[0], hier.levels[1]
    C.e[...] = 0.0  # work arrays come uninitialized from the pool
    rng = np.random.default_rng(2)
    r = rng.random((n, n)) * (op.diag > 0)
    p = rng.random((n, n)) * (op.diag > 0)
    q = np.empty_like(r)
    u = np.zeros_like(r)
    f = 4  # float32 level arrays (the finest included: the cycle's r and z are float32)
    rl = r.astype(np.float32)
    z = np.empty_like(rl)
    S = L.segments
    K = L.stencil_runs  # the runs with their constant stencils (the cycle kernels)
    E = hier._zero_c  # (no guess: the way down from zero)
    g = 1.0 - L.constant_fraction  # the coefficient arrays are read on the other runs only
    # the kernels conjugate gradients runs: with rl, z and y split by colour where the
    # hierarchy keeps them so (``mg_split``; the values here are random either way)
    if hier.split_pcg:
        update_r = lambda: MS.update_r_split(r, q, 1e-12, rl, 1.0, r, *S)  # noqa: E731
        update_xp = lambda: MS.update_xp_split(u, z, 1e-12, 1.0, 0.5, p, *S)  # noqa: E731
        down = lambda: MS.down_split(rl, L.inv_d, L.wx, L.wy, E, L.y, C.r,  # noqa: E731
                                     4 * threads, *K)
        up = lambda: MS.up_split(L.y, C.e, rl, L.inv_d, L.wx, L.wy, 4 * threads,  # noqa: E731
                                 z, *K)
    else:
        update_r = lambda: MK.update_r(r, q, 1e-12, rl, 1.0, r, *S)  # noqa: E731
        update_xp = lambda: MK.update_xp(u, z, 1e-12, 1.0, 0.5, p, *S)  # noqa: E731
        down = lambda: MK.down_fine(rl, L.inv_d, L.wx, L.wy, E, L.y, C.r,  # noqa: E731
                                    4 * threads, *K)
        up = lambda: MK.up_fine(L.y, C.e, rl, L.inv_d, L.wx, L.wy, 2, 2,  # noqa: E731
                                4 * threads, z, *K)
    cases = {
        "operator A p (+ p.Ap)": (
            lambda: MK.apply_dot(p, op.diag, op.wx, op.wy, q, *S, L.ck, L.key), 16 + 24 * g),
        # the access pattern's own limit: A p's traffic over the same runs, without a stencil
        _STREAM: (lambda: MK.scale_runs(p, 2.0, q, *S), 16),
        "r -= a q (+ r.r)": (update_r, 24 + f),
        "x += a p, p = z + b p": (update_xp, 32 + f),
        _DOWN: (down, (2.25 + 3 * g) * f),
        _UP: (up, (3.25 + 3 * g) * f),
        # the coarse levels' kernels (one sweep each way), on this grid for comparison
        "coarse: pre-smooth (red-black, one pass)": (
            lambda: MK.presmooth(rl, L.inv_d, L.wx, L.wy, L.x, *K), (2 + 3 * g) * f),
        "coarse: residual + restriction": (
            lambda: MK.residual_restrict(rl, L.x, L.inv_d, L.wx, L.wy, 2, 2, C.r, *K),
            (2.25 + 3 * g) * f),
        "coarse: post-smooth (prolongation + black + red sweep, + r.z)": (
            lambda: MK.post_smooth(L.x, C.e, rl, L.inv_d, L.wx, L.wy, 2, 2, L.xh, *L.hb, *L.hr,
                                   4 * threads, z, *K, 1),
            (3.25 + 3 * g) * f),
    }
    out = {}
    visited = L.active_fraction * n * n  # the kernels walk the runs of active cells only
    # their reference: a triad over as many elements as they visit cells, so that its working
    # set (and what of it the caches hold) is about theirs
    n_ws = max(int(visited), 1 << 16)
    cases[_TRIAD_WS] = (_triad(n_ws), None)
    with _threads(threads):
        for fun, _ in cases.values():
            fun()
        # interleaved: each repetition times every kernel and the triad once, so that all
        # see the same state of this shared machine (medians quoted)
        ts = {name: [] for name in cases}
        for _ in range(reps):
            for name, (fun, _) in cases.items():
                t = time.perf_counter()
                fun()
                ts[name].append(time.perf_counter() - t)
        for name, (_, nbytes) in cases.items():
            t = _median(ts[name])
            if nbytes is None:
                out[name] = {"ms": 1e3 * t, "GBs": _TRIAD_BYTES * n_ws / t / 1e9,
                             "elements": n_ws}
                continue
            out[name] = {"ms": 1e3 * t, "bytes_per_cell": nbytes, "GBs": nbytes * visited / t / 1e9,
                         "visited_fraction": L.active_fraction,
                         "constant_fraction": L.constant_fraction}
        zb = np.zeros(op.n_holes)
        hier.vcycle(rl, zb, z, zb.copy())
        t = _timeit(lambda: hier.vcycle(rl, zb, z, zb.copy()), reps)
        out["whole W-cycle"] = {"ms": 1e3 * t, "bytes_per_cell": None, "GBs": None}
    return out


_TRIAD_WS = "triad over the kernels' working set"
_STREAM = "reference: q = 2 p over the runs (+ p.q; A p's traffic, no stencil)"
_DOWN = "fine level down (2 sweeps + residual + restriction, one pass)"
_UP = "fine level up (prolongation + 2 sweeps, + r.z, one pass)"


def _fused_note(r2) -> list:
    """The fine level's fused passes against the separate kernels they replace."""
    k = r2["kernels"]
    names = ("coarse: pre-smooth (red-black, one pass)", "coarse: residual + restriction",
             "coarse: post-smooth (prolongation + black + red sweep, + r.z)")
    if _DOWN not in k or not all(n in k for n in names):
        return []
    pre, res, post = (k[n]["ms"] for n in names)
    return ["", f"The fine level's two passes do four half-sweeps per cell (and the residual on the "
            f"way down) while moving two to three words from memory: their arithmetic and the "
            f"traffic of their rings of rows in cache bound them, not memory bandwidth (on rows "
            f"split by colour, each half-sweep evaluates the stencil only at the cells it updates). "
            f"On 2 threads they take {k[_DOWN]['ms']:.2f} ms down, against {pre + post + res:.2f} ms "
            f"for the pre-smooth, post-smooth and residual kernels run one after the other, and "
            f"{k[_UP]['ms']:.2f} ms up, against {2 * post:.2f} ms for two post-smooths."]


def _stream_note(r2) -> list:
    """A p and the CG updates against the plain stream over the same runs."""
    k = r2["kernels"]
    if _STREAM not in k or "operator A p (+ p.Ap)" not in k:
        return []
    ref = k[_STREAM]["GBs"]
    return ["", f"The reference row streams A p's 16 bytes per visited cell over the same runs of "
            f"active cells with no stencil: the limit of the runs' access pattern (rows cut into "
            f"runs, the body's rows of unequal length). On 2 threads A p reaches "
            f"{100 * k['operator A p (+ p.Ap)']['GBs'] / ref:.0f}% of it."]


def _constant_note(r2) -> str:
    fr = [v.get("constant_fraction") for v in r2["kernels"].values() if v.get("GBs") is not None]
    if not fr or fr[0] is None:
        return ""
    return (f" {100 * fr[0]:.0f}% of the visited cells lie in runs of constant stencil, where the "
            "kernels read no coefficient arrays; the bytes counted are those they do read")


# -- solvers --------------------------------------------------------------------------------

def solver_bytes(op, hier) -> int:
    """Bytes the solve allocates (hierarchy and Krylov vectors) plus the operator arrays it
    reads, with the padding of the large arrays' buffers (``kernels.spread_empty``)."""
    from .solvers.kernels import spread_bytes

    tot = 0
    for lev in hier.levels:
        for a in (lev.inv_d, lev.wx, lev.wy, lev.x, lev.y, lev.r, lev.e, lev.e2):
            if a is not None:
                tot += a.base.nbytes if isinstance(a.base, np.ndarray) else a.nbytes
    nx, ny = op.shape
    tot += 4 * spread_bytes(8 * nx * ny)  # u, r, p, q
    tot += 2 * spread_bytes(np.dtype(hier.dtype).itemsize * nx * ny)  # z, r in the levels' dtype
    tot += 3 * spread_bytes(8 * nx * ny)  # diag, wx, wy of the operator (read every iteration)
    return tot


@dataclass
class SolveInfo:
    """What a benchmark solve reports (its hierarchy is gone by then: see fluxoid_solve)."""

    iterations: int
    residual: float
    levels: str
    bytes_per_cell: float
    visited: float  # fraction of the cells the fine-level kernels visit


def fluxoid_solve(op, rhs, *, tol=1e-8, mode="residual", precision="float32", cycle="W",
                  full_multigrid=None):
    """Setup, solve and verification, as ``fx.solve`` runs them (the full-multigrid start
    where ``SolverOptions.full_multigrid`` puts it); returns a SolveInfo.

    The hierarchy is dropped before returning, so that its work arrays go
    back to the pool and the next solve on the grid reuses them, as a sweep
    of solves does (``fresh_memory_solve`` measures a solve without them).
    """
    from .solvers.multigrid import Hierarchy, discretization_tolerance, pcg, start, true_residual
    from .solvers.options import SolverOptions

    hier = Hierarchy(op, precision=precision, cycle=cycle)
    t = discretization_tolerance(op) if mode == "discretization" else tol
    x0 = start(op, hier, rhs[0], rhs[1], SolverOptions(full_multigrid=full_multigrid), t)
    u, b, it, hist = pcg(op, hier, rhs[0], rhs[1], tol=t, maxiter=1000, x0=x0, x0_in_place=True)
    res = true_residual(op, u, b, rhs[0], rhs[1], hier)  # the verification every solve makes
    if not res <= 10 * t:
        from .errors import VerificationError

        raise VerificationError(f"benchmark solve verification failed: residual {res:.2e}")
    cells = op.shape[0] * op.shape[1]
    return SolveInfo(it, res, hier.describe(), solver_bytes(op, hier) / cells,
                     hier.levels[0].active_fraction)


def api_solve(geo) -> None:
    """``fx.solve`` end to end: operator, multigrid solve and its residual check, the full
    field and the fluxoid check of every hole (one flux quantum in each, 1 T applied)."""
    from .api import solve

    solve(geo, applied_field=1.0, fluxoid=[1] * len(geo.holes))


def fresh_memory_solve(op, rhs, rounds: int) -> float:
    """Median time of a 1e-8 solve whose work arrays are all fresh memory (the first
    solve on a grid: every page is faulted in on first touch)."""
    from .solvers.multigrid import release_work_arrays

    ts = []
    for _ in range(rounds):
        release_work_arrays()
        t = time.perf_counter()
        fluxoid_solve(op, rhs)
        ts.append(time.perf_counter() - t)
    return _median(ts)


def cg_solve(op, rhs, tol=1e-8):
    from .solvers.krylov import pcg

    res = pcg(op.apply, op.jacobi, rhs[0], rhs[1], tol=tol, maxiter=100000)
    return res.iterations


def pyamg_solve(A, b, kind, tol=1e-8):
    import pyamg

    res = []
    np.random.seed(0)  # pyamg's setup draws random vectors (spectral radius estimates)
    if kind == "RS":
        ml = pyamg.ruge_stuben_solver(A)
    else:
        ml = pyamg.smoothed_aggregation_solver(A, symmetry="symmetric")
    x = ml.solve(b, tol=tol, accel="cg", maxiter=500, residuals=res)
    rel = np.linalg.norm(b - A @ x) / np.linalg.norm(b)
    return len(res) - 1, rel


def spsolve(A, b):
    import scipy.sparse.linalg as spla

    x = spla.spsolve(A.tocsc(), b)
    return np.linalg.norm(b - A @ x) / np.linalg.norm(b)


def _blas_one_thread():
    """(limiter or None, pinned): BLAS on one thread for the peers (threadpoolctl, or the
    environment set before numpy loaded BLAS). Unpinned, OpenBLAS threads spin after each
    peer's BLAS call on the cores the next fluxoid solve needs."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1), True
    except ImportError:
        env = [os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")]
        return None, env[0] == "1" or (env[0] is None and env[1] == "1")


# -- contention -----------------------------------------------------------------------------

def _spin(stop_at):
    x = 0
    while time.time() < stop_at:
        x += 1


def contention(op, rhs, rounds: int) -> dict:
    """2-thread solve time alone vs with a busy neighbour spinning on one core."""
    import multiprocessing as mp

    def one():
        t = time.perf_counter()
        fluxoid_solve(op, rhs)
        return time.perf_counter() - t

    with _threads(2):
        one()
        alone = [one() for _ in range(rounds)]
        ctx = mp.get_context("spawn")
        proc = ctx.Process(target=_spin, args=(time.time() + 600,), daemon=True)
        proc.start()
        try:
            if hasattr(os, "sched_setaffinity"):
                try:
                    os.sched_setaffinity(proc.pid, {0})
                except OSError:
                    pass
            time.sleep(0.3)
            busy = [one() for _ in range(rounds)]
        finally:
            proc.terminate()
            proc.join()
    with _threads(1):
        one()
        single = [one() for _ in range(rounds)]
    a, b_ = _median(alone), _median(busy)
    return {"alone_2t_s": a, "with_neighbour_2t_s": b_, "ratio": b_ / a, "alone_1t_s": _median(single)}


# -- compile times --------------------------------------------------------------------------

def compile_times(cold: bool = True) -> dict:
    """Wall time of a first small solve in a fresh process: empty numba cache vs warm cache.

    ``cold=False`` (``--quick``) times only the warm start, from the cache fluxoid's own
    runs keep: an empty cache means compiling every kernel again, about a minute here.
    """
    import tempfile

    code = textwrap.dedent("""
        import time; t = time.perf_counter()
        import fluxoid
        from fluxoid.bench import problem, right_side, fluxoid_solve
        from fluxoid.solvers.axial import build_operator
        op = build_operator(problem("hollow_cylinder", 96, 10.0))
        t1 = time.perf_counter()
        fluxoid_solve(op, right_side(op))
        print(time.perf_counter() - t1)
    """)
    out = {"cold_s": None}
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d) if cold else dict(os.environ)
        for label in ("cold", "warm") if cold else ("warm",):
            p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
            try:
                out[label + "_s"] = float(p.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                out[label + "_s"] = float("nan")
    return out


# -- the run --------------------------------------------------------------------------------

def run(quick: bool = False, rounds: int = 3, out_dir: Path | None = None, spsolve_max: int | None = None,
        log=print) -> dict:
    from .solvers.axial import build_operator

    sizes = [256, 512, 1024] if quick else [512, 1024, 2048, 4096]
    peer_n = 512 if quick else 2048
    spsolve_max = spsolve_max or (512 if quick else 1024)
    roof_n = 1024 if quick else 2048
    triad_n = (1 << 23) if quick else (1 << 25)
    reps = 3 if quick else 7
    result = {"quick": quick, "rounds": rounds, "machine": machine(), "sweep_bytes": SWEEP_BYTES}
    log(f"fluxoid bench ({'quick' if quick else 'full'}) on {result['machine']['cpu']}, "
        f"{result['machine']['cores']} cores, load {result['machine']['load_average_at_start']:.2f}")

    # roofline
    roof = {}
    for th in (1, 2):
        tri = _median([triad_bandwidth(triad_n, th, reps) for _ in range(rounds)])
        # (the kernels' reference, the triad over their working set, is timed among them)
        ker = kernel_roofline(roof_n, th, reps * rounds)
        ws = ker.pop(_TRIAD_WS)
        tri_ws, n_ws = ws["GBs"], ws["elements"]
        roof[str(th)] = {"triad_GBs": tri, "triad_ws_GBs": tri_ws, "triad_ws_elements": n_ws,
                         "kernels": ker}
        log(f"\n[roofline, {th} thread(s), {roof_n}^2] triad {tri:.1f} GB/s ({triad_n} elements); "
            f"{tri_ws:.1f} GB/s on {n_ws} elements (the kernels' working set)")
        for k, v in ker.items():
            if v["GBs"] is not None:
                pct = 100 * v["GBs"] / tri_ws
                log(f"  {k:36s} {v['ms']:7.2f} ms  {v['GBs']:6.1f} GB/s  ({pct:4.0f}% of triad)")
            else:
                log(f"  {k:36s} {v['ms']:7.2f} ms")
    result["roofline"] = roof
    result["roofline_n"] = roof_n

    # scaling (interleaved rounds over sizes and modes)
    ops = {}
    geos = {}
    for n in sizes:
        t = time.perf_counter()
        geos[n] = problem("hollow_cylinder", n, 20.0)
        ops[n] = build_operator(geos[n])
        log(f"built {n}^2 in {time.perf_counter() - t:.1f} s")
    scal = {n: {"1e-8_2t": [], "disc_2t": [], "1e-8_1t": [], "api_2t": []} for n in sizes}
    info = {}
    modes = (("1e-8_2t", 2, "residual"), ("disc_2t", 2, "discretization"),
             ("1e-8_1t", 1, "residual"))
    # every size and mode once before the timed rounds: a first pass maps the process's
    # memory (measured apart, above), and here it made the first round's 2048^2 and
    # 4096^2 solves 4-5x slower than the others
    for n in sizes:
        for _, th, mode in modes:
            with _threads(th):
                fluxoid_solve(ops[n], right_side(ops[n]), mode=mode)
        with _threads(2):
            api_solve(geos[n])
    # the sweeps' reference: a triad before every round, between the timed solves (the
    # triad of this shared machine has moved by 1.6x between runs an hour apart, and by
    # 1.3x within one run)
    tri_rounds = {"1": [], "2": []}
    for _ in range(rounds):
        for th in (1, 2):
            tri_rounds[str(th)].append(triad_bandwidth(triad_n, th, reps))
        for n in sizes:
            op = ops[n]
            rhs = right_side(op)
            for key, th, mode in modes:
                with _threads(th):
                    t = time.perf_counter()
                    info[(n, key)] = fluxoid_solve(op, rhs, mode=mode)
                    scal[n][key].append(time.perf_counter() - t)
            with _threads(2):  # what a user waits for: fx.solve from the geometry on
                t = time.perf_counter()
                api_solve(geos[n])
                scal[n]["api_2t"].append(time.perf_counter() - t)
    result["sweep_triad"] = {th: {"GBs": _median(v), "rounds": v} for th, v in tri_rounds.items()}
    tri2 = result["sweep_triad"]["2"]["GBs"]
    tri1 = result["sweep_triad"]["1"]["GBs"]
    series = []
    for n in sizes:
        cells = n * n
        row = {"n": n, "cells": cells}
        for key, tri in (("1e-8_2t", tri2), ("disc_2t", tri2), ("1e-8_1t", tri1)):
            t = _median(scal[n][key])
            it, res = info[(n, key)].iterations, info[(n, key)].residual
            sweep = SWEEP_BYTES * cells / (tri * 1e9)
            row[key] = {"s": t, "iterations": it, "residual": res, "sweeps": t / sweep,
                        "times": scal[n][key]}
        row["api_2t"] = {"s": _median(scal[n]["api_2t"]), "times": scal[n]["api_2t"]}
        row["levels"] = info[(n, "1e-8_2t")].levels
        row["bytes_per_cell"] = info[(n, "1e-8_2t")].bytes_per_cell
        series.append(row)
    with _threads(2):
        result["fresh_memory"] = {"n": sizes[-1], "s": fresh_memory_solve(
            ops[sizes[-1]], right_side(ops[sizes[-1]]), rounds)}
    log(f"  first solve on a {sizes[-1]}^2 grid (fresh memory, 2 threads): "
        f"{result['fresh_memory']['s']:.3f} s")
    lx = np.log([r["cells"] for r in series])
    expo = {key: float(np.polyfit(lx, np.log([r[key]["s"] for r in series]), 1)[0])
            for key in ("1e-8_2t", "disc_2t", "1e-8_1t")}
    result["scaling"] = series
    result["time_exponent"] = expo
    log("\n[scaling, hollow cylinder lambda = 20 cells, setup + solve]")
    log(f"  {'cells':>10s} {'it':>3s} {'1e-8 2t (s)':>12s} {'sweeps':>7s} {'1e-8 1t (s)':>12s} "
        f"{'disc. it':>8s} {'disc. 2t (s)':>12s} {'sweeps':>7s} {'B/cell':>7s} {'fx.solve 2t (s)':>15s}")
    for r in series:
        log(f"  {r['cells']:>10d} {r['1e-8_2t']['iterations']:>3d} {r['1e-8_2t']['s']:>12.3f} "
            f"{r['1e-8_2t']['sweeps']:>7.0f} {r['1e-8_1t']['s']:>12.3f} "
            f"{r['disc_2t']['iterations']:>8d} {r['disc_2t']['s']:>12.3f} {r['disc_2t']['sweeps']:>7.0f} "
            f"{r['bytes_per_cell']:>7.0f} {r['api_2t']['s']:>15.3f}")
    log("  time exponent (t ~ N^a): " + ", ".join(f"{k}: {v:.3f}" for k, v in expo.items()))
    log("  sweeps at the triad measured before each round: 2 threads "
        + ", ".join(f"{v:.1f}" for v in tri_rounds["2"]) + " GB/s, 1 thread "
        + ", ".join(f"{v:.1f}" for v in tri_rounds["1"]) + " GB/s (medians used)")

    # other masks: strips about lambda wide, a plate with 100 holes
    om = {"n": peer_n, "cases": {}}
    for kind, kw in (("strips", {}), ("holes", {"holes": 10})):
        opm = build_operator(problem(kind, peer_n, 20.0, **kw))
        rm = right_side(opm)
        with _threads(2):
            fluxoid_solve(opm, rm)
            ts = []
            for _ in range(rounds):
                t = time.perf_counter()
                si = fluxoid_solve(opm, rm)
                ts.append(time.perf_counter() - t)
        tm = _median(ts)
        om["cases"][kind] = {"iterations": si.iterations, "s": tm, "visited": si.visited,
                             "sweeps": tm / (SWEEP_BYTES * peer_n**2 / (tri2 * 1e9))}
        log(f"  {kind}: {si.iterations} iterations, {tm:.3f} s, visits {100 * si.visited:.0f}% "
            "of the cells")
        del opm
    result["other_masks"] = om

    # peers
    peers = {"n": peer_n, "spsolve_max_n": spsolve_max, "fluxoid_reps": PEER_REPS}
    op = ops.get(peer_n) or build_operator(problem("hollow_cylinder", peer_n, 20.0))
    rhs = right_side(op)
    A = op.matrix()
    b = op.pack(*rhs)
    have_pyamg = True
    try:
        import pyamg  # noqa: F401
    except ImportError:
        have_pyamg = False
        log("\n[peers] pyamg is not installed (pip install fluxoid[bench]): skipped")
    times = {"fluxoid_2t": [], "fluxoid_1t": [], "fluxoid_A_2t": [], "fluxoid_fresh_2t": [],
             "pyamg_RS": [], "pyamg_SA": []}
    its = {}
    limiter, pinned = _blas_one_thread()
    peers["blas_pinned"] = pinned
    try:
        variants = ((2, "W", "fluxoid_2t"), (1, "W", "fluxoid_1t"), (2, "A", "fluxoid_A_2t"),
                    (2, "W", "fluxoid_fresh_2t"))
        for k in range(rounds):
            # fluxoid's variants in a rotated order each round, so that no one of them is
            # always the first solve after pyamg: in a fixed order the 2-thread W solve, always
            # first, ran 5-15% above the same solve in the scaling series and above the A
            # cycle's row, which interleaved runs without pyamg found equal to it. One untimed
            # solve first, then each variant's round is the median of PEER_REPS solves
            with _threads(2):
                fluxoid_solve(op, rhs)
            for th, cyc, key in variants[k % 4:] + variants[:k % 4]:
                with _threads(th):
                    if key == "fluxoid_fresh_2t":
                        times[key].append(fresh_memory_solve(op, rhs, PEER_REPS))
                        continue
                    if cyc != "W" and not times[key]:
                        fluxoid_solve(op, rhs, cycle=cyc)  # compile outside the timing
                    t, si = _timed(lambda c=cyc: fluxoid_solve(op, rhs, cycle=c), PEER_REPS)
                    times[key].append(t)
                    its[key] = (si.iterations, si.residual)
            its["fluxoid_fresh_2t"] = its["fluxoid_2t"]
            if have_pyamg:
                for kind in ("RS", "SA"):
                    t = time.perf_counter()
                    it, res = pyamg_solve(A, b, kind)
                    times[f"pyamg_{kind}"].append(time.perf_counter() - t)
                    its[f"pyamg_{kind}"] = (it, res)
        sp = None
        if peer_n <= spsolve_max:
            t = time.perf_counter()
            res = spsolve(A, b)
            sp = {"n": peer_n, "s": time.perf_counter() - t, "residual": res}
        else:
            opx = ops.get(spsolve_max) or build_operator(problem("hollow_cylinder", spsolve_max, 20.0))
            rx = right_side(opx)
            Ax, bx = opx.matrix(), opx.pack(*rx)
            t = time.perf_counter()
            res = spsolve(Ax, bx)
            tsp = time.perf_counter() - t
            with _threads(2):
                fluxoid_solve(opx, rx)
                tf = _timeit(lambda: fluxoid_solve(opx, rx), rounds * PEER_REPS)
            sp = {"n": spsolve_max, "s": tsp, "residual": res, "fluxoid_2t_s": tf}
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    med = {k: _median(v) for k, v in times.items() if v}
    peers["median_s"] = med
    peers["times_s"] = {k: list(v) for k, v in times.items() if v}  # every round, in order
    peers["iterations"] = {k: list(v) for k, v in its.items()}
    peers["spsolve"] = sp
    if have_pyamg:
        best = min(med["pyamg_RS"], med["pyamg_SA"])
        peers["speedup_vs_best_pyamg_2t"] = best / med["fluxoid_2t"]
        peers["speedup_vs_best_pyamg_1t"] = best / med["fluxoid_1t"]
        peers["speedup_vs_best_pyamg_fresh_2t"] = best / med["fluxoid_fresh_2t"]
    if sp is not None:
        ref = sp.get("fluxoid_2t_s", med["fluxoid_2t"])
        peers["speedup_vs_spsolve_2t"] = sp["s"] / ref
    result["peers"] = peers
    blas = "BLAS pinned to 1 thread" if pinned else "BLAS NOT pinned (pip install threadpoolctl)"
    log(f"\n[peers, {peer_n}^2, tol 1e-8 on ||r||/||b||, setup + solve; {blas}]")
    for k, v in med.items():
        it = its.get(k, ("", ""))
        log(f"  {k:16s} {v:8.3f} s   iterations {it[0]}, residual {it[1]:.1e}")
    if have_pyamg:
        log(f"  fluxoid vs best pyamg: {peers['speedup_vs_best_pyamg_2t']:.1f}x (2 threads), "
            f"{peers['speedup_vs_best_pyamg_1t']:.1f}x (1 thread), "
            f"{peers['speedup_vs_best_pyamg_fresh_2t']:.1f}x (2 threads, fresh memory)")
    if sp is not None:
        log(f"  scipy spsolve at {sp['n']}^2: {sp['s']:.2f} s, residual {sp['residual']:.1e}: fluxoid "
            f"{peers['speedup_vs_spsolve_2t']:.0f}x faster"
            + ("" if sp["n"] == peer_n else f" (spsolve run only up to {sp['n']}^2)"))

    # contention
    cn = 512 if quick else 1024
    copx = ops.get(cn) or build_operator(problem("hollow_cylinder", cn, 20.0))
    result["contention"] = dict(contention(copx, right_side(copx), max(rounds, 3)), n=cn)
    c = result["contention"]
    log(f"\n[contention, {cn}^2] 2 threads alone {c['alone_2t_s']:.3f} s, with a busy neighbour "
        f"{c['with_neighbour_2t_s']:.3f} s (x{c['ratio']:.2f}); 1 thread alone {c['alone_1t_s']:.3f} s")

    # compile
    result["compile"] = compile_times(cold=not quick)
    cp = result["compile"]
    cold = ("not timed by --quick (the full run does)" if cp["cold_s"] is None
            else f"{cp['cold_s']:.1f} s")
    log(f"\n[numba compile] first solve in a fresh process: cold cache {cold}, "
        f"warm cache {cp['warm_s']:.2f} s")

    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = "bench-quick" if quick else "bench"
        (out_dir / f"{name}.json").write_text(json.dumps(result, indent=1, default=float))
        try:
            plot(result, out_dir / f"{name}.png")
        except Exception as e:  # plotting is a convenience
            log(f"(plot skipped: {e})")
        write_performance_md(result, out_dir / ("performance-quick.md" if quick else "performance.md"))
        log(f"\nwrote {out_dir / (name + '.json')}, {name}.png and the performance table")
    return result


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result["scaling"]
    cells = np.array([r["cells"] for r in s], float)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for key, label in (("1e-8_2t", "fluxoid, 1e-8, 2 threads"), ("1e-8_1t", "fluxoid, 1e-8, 1 thread"),
                       ("disc_2t", "fluxoid, discretization accuracy, 2 threads")):
        ax.loglog(cells, [r[key]["s"] for r in s], "o-", label=label)
    p = result.get("peers", {})
    med = p.get("median_s", {})
    n2 = p.get("n", 0) ** 2
    for k, m in (("pyamg_RS", "s"), ("pyamg_SA", "^")):
        if k in med:
            ax.loglog([n2], [med[k]], m, label=k.replace("_", " "))
    sp = p.get("spsolve")
    if sp:
        ax.loglog([sp["n"] ** 2], [sp["s"]], "x", label="scipy spsolve")
    ref = s[0]["1e-8_2t"]["s"] * cells / cells[0]
    ax.loglog(cells, ref, "k--", lw=0.8, label="O(N)")
    ax.set_xlabel("cells")
    ax.set_ylabel("setup + solve (s)")
    ax.set_title("hollow cylinder, lambda = 20 cells")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _visited(result: dict) -> float:
    for v in result["roofline"]["2"]["kernels"].values():
        if v.get("visited_fraction") is not None:
            return float(v["visited_fraction"])
    return 1.0


def _sweep_triad_text(result: dict, r2: dict, r1: dict) -> str:
    st = result.get("sweep_triad")
    if st is None:  # (a result from before the triad was measured between the rounds)
        return f"{r2['triad_GBs']:.1f} GB/s on 2 threads, {r1['triad_GBs']:.1f} GB/s on 1"
    two, one = st["2"], st["1"]
    return (f"median {two['GBs']:.1f} GB/s on 2 threads (rounds "
            + ", ".join(f"{v:.1f}" for v in two["rounds"])
            + f"; {r2['triad_GBs']:.1f} at the start, with the kernels), {one['GBs']:.1f} GB/s "
            f"on 1")


def write_performance_md(result: dict, path: Path | None = None) -> str:
    """The README's performance section as markdown, from a bench result (dict or JSON path)."""
    if isinstance(result, (str, Path)):
        result = json.loads(Path(result).read_text())
    m = result["machine"]
    r2 = result["roofline"]["2"]
    r1 = result["roofline"]["1"]
    lines = [
        "## Performance",
        "",
        f"Measured by `fluxoid bench{' --quick' if result['quick'] else ''}` on {m['cpu']} "
        f"({m['cores']} cores, numba {m['numba']}, {m['threading_layer']} threads"
        f"{', ' + m['thread_wait'] if m.get('thread_wait') else ''}; load average "
        f"{m['load_average_at_start']:.2f} at the start: a shared machine if above 0). Medians of "
        f"{result['rounds']} interleaved rounds. Problem: a hollow cylinder (one hole), lambda = 20 "
        "cells, relative residual 1e-8 unless noted; times include the multigrid setup, the "
        "full-multigrid start CG begins from (the axial default once lambda spans 6 cells) and "
        "the verification. A solve reuses the work arrays an earlier solve on the grid gave back "
        "(as in a sweep of solves); the first solve on a grid faults in fresh memory instead "
        "(measured below).",
        "",
        "| cells | iterations | 1e-8, 2 threads (s) | sweeps | 1e-8, 1 thread (s) | "
        "discretization accuracy, 2 threads (s) | sweeps | solver bytes/cell | "
        "fx.solve end to end, 2 threads (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["scaling"]:
        lines.append(
            f"| {r['n']}^2 | {r['1e-8_2t']['iterations']} | {r['1e-8_2t']['s']:.3f} | "
            f"{r['1e-8_2t']['sweeps']:.0f} | {r['1e-8_1t']['s']:.3f} | {r['disc_2t']['s']:.3f} | "
            f"{r['disc_2t']['sweeps']:.0f} | {r['bytes_per_cell']:.0f} | "
            + (f"{r['api_2t']['s']:.3f} |" if "api_2t" in r else "- |")
        )
    e = result["time_exponent"]
    if any("api_2t" in r for r in result["scaling"]):
        lines += ["", "fx.solve end to end is what a user waits for: from the geometry, the "
                  "operator's assembly, the solve with its residual check, the full field and "
                  "the fluxoid check of the hole (one flux quantum in it)."]
    fm = result.get("fresh_memory")
    if fm:
        last = result["scaling"][-1]["1e-8_2t"].get("times", [])
        lines += ["", f"The first solve on a {fm['n']}^2 grid (every work array fresh memory, "
                  f"2 threads) takes {fm['s']:.3f} s (median of {result['rounds']}); the rounds "
                  "of the table at that size took " + ", ".join(f"{t:.3f}" for t in last)
                  + " s, after an untimed solve of every size and mode."]
    lines += [
        "",
        f"Time exponent (t ~ N^a) over the series: a = {e['1e-8_2t']:.3f} (2 threads), "
        f"{e['1e-8_1t']:.3f} (1 thread). A sweep streams {result['sweep_bytes']} bytes per cell at "
        f"the triad bandwidth measured before each round, between the timed solves: "
        + _sweep_triad_text(result, r2, r1) + ".",
        "",
        "On this shared machine the 2-thread triad itself has measured 31-80 GB/s in runs hours "
        "apart while the solve times moved by about 10-15%, so the sweep counts move with it; "
        "the ratios to peers come from one run.",
        "",
        "The solver visits only the runs of active cells: the hollow cylinder fills "
        f"{100 * _visited(result):.0f}% of its box, and a sweep is still counted over every cell "
        "of the grid (the 'other masks' table below has fuller boxes).",
        "",
        f"Kernels at {result['roofline_n']}^2 (bytes each must move over the cells it visits / time), "
        f"against a triad over as many elements as they visit cells, timed in the same "
        f"interleaved repetitions ({r2.get('triad_ws_GBs', r2['triad_GBs']):.1f} GB/s on 2 threads, "
        f"{r1.get('triad_ws_GBs', r1['triad_GBs']):.1f} GB/s on 1; the working sets are about "
        "the size of the L3 cache)." + _constant_note(r2) + ":",
        "",
        "| kernel | 1 thread GB/s | % of triad (same working set) | 2 threads GB/s | "
        "% of triad (same working set) | % of the memory triad, 2 threads |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for k, v in r2["kernels"].items():
        if v["GBs"] is None:
            continue
        v1 = r1["kernels"][k]
        t1 = r1.get("triad_ws_GBs", r1["triad_GBs"])
        t2 = r2.get("triad_ws_GBs", r2["triad_GBs"])
        lines.append(f"| {k} | {v1['GBs']:.1f} | {100 * v1['GBs'] / t1:.0f}% | "
                     f"{v['GBs']:.1f} | {100 * v['GBs'] / t2:.0f}% | "
                     f"{100 * v['GBs'] / r2['triad_GBs']:.0f}% |")
    lines += _stream_note(r2)
    lines += _fused_note(r2)
    om = result.get("other_masks")
    if om:
        lines += ["", f"Other masks at {om['n']}^2 (lambda = 20 cells, 1e-8, 2 threads, setup + solve):", "",
                  "| mask | cells visited | iterations | time (s) | sweeps |", "|---|---:|---:|---:|---:|"]
        for k, v in om["cases"].items():
            lines.append(f"| {k} | {100 * v['visited']:.0f}% | {v['iterations']} | {v['s']:.3f} | "
                         f"{v['sweeps']:.0f} |")
    p = result.get("peers", {})
    if p.get("median_s"):
        med = p["median_s"]
        blas = "BLAS on one thread" if p.get("blas_pinned", True) else "BLAS not pinned"
        reps = p.get("fluxoid_reps", 1)
        each = (f"; fluxoid's time in each round is the median of {reps} solves in a row, "
                "pyamg's a single solve of several seconds" if reps > 1 else "")
        lines += ["", f"Peers on the same matrix and tolerance at {p['n']}^2 (setup + solve, {blas}"
                  f"{each}):",
                  "", "| solver | time (s) | iterations | speed-up of fluxoid (2 threads) |",
                  "|---|---:|---:|---:|"]
        f2 = med["fluxoid_2t"]
        for k, v in med.items():
            lines.append(f"| {k.replace('_', ' ')} | {v:.3f} | {p['iterations'][k][0]} | {v / f2:.1f}x |")
        if "fluxoid_A_2t" in med:
            lines.append('| (fluxoid A 2t: the optional AMLI-type cycle, `SolverOptions(cycle="A")`) | | | |')
        if "fluxoid_fresh_2t" in med:
            lines.append("| (fluxoid fresh 2t: the first solve on the grid, its work arrays fresh memory) "
                         "| | | |")
        sp = p.get("spsolve")
        if sp:
            lines.append(f"| scipy spsolve at {sp['n']}^2 | {sp['s']:.2f} | direct | "
                         f"{p['speedup_vs_spsolve_2t']:.0f}x |")
            if sp["n"] != p["n"]:
                lines.append(f"\nspsolve was run only up to {sp['n']}^2 (time and memory); its ratio is "
                             f"against fluxoid at that size.")
    c = result.get("contention")
    if c:
        lines += ["", f"Contention ({c['n']}^2): a 2-thread solve takes {c['alone_2t_s']:.3f} s alone and "
                  f"{c['with_neighbour_2t_s']:.3f} s while a neighbour process keeps one core busy "
                  f"(x{c['ratio']:.2f}); on 1 thread alone {c['alone_1t_s']:.3f} s."]
    cp = result.get("compile")
    if cp and cp.get("cold_s") is not None:
        lines += ["", f"numba compile: the first solve in a fresh process takes {cp['cold_s']:.1f} s with an "
                  f"empty cache and {cp['warm_s']:.2f} s with the cache on disk."]
    elif cp:
        lines += ["", f"numba compile: the first solve in a fresh process takes {cp['warm_s']:.2f} s with "
                  "the cache on disk (the cold cache is timed by the full run, not by --quick)."]
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text


def _default_out() -> Path:
    repo = Path(__file__).resolve().parent.parent
    if (repo / "benchmarks").is_dir():
        return repo / "benchmarks" / "results"
    return Path.cwd() / "benchmarks-results"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="fluxoid bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are quoted)")
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    ap.add_argument("--spsolve-max", type=int, default=None,
                    help="largest n for scipy spsolve (default 1024; 512 in quick mode)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    a = ap.parse_args(argv)
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    out = None if a.no_write else (a.out or _default_out())
    run(quick=a.quick, rounds=a.rounds, out_dir=out, spsolve_max=a.spsolve_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
