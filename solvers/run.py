"""Run a solve of a formulation: pick the method, solve, check the residual."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError
from .axial import AxialOperator, build_operator
from .krylov import pcg
from .options import SolverOptions


@dataclass
class AxialResult:
    """Raw result of problem A: unknown grid values u, hole values b (T)."""

    operator: AxialOperator
    u: np.ndarray
    b: np.ndarray
    residual: float
    iterations: int
    method: str
    history: list = field(default_factory=list)


@contextmanager
def _threads(n):
    if n is None:
        yield
        return
    old = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def true_residual(op: AxialOperator, u, b, rhs_u, rhs_b) -> float:
    """||rhs - A x|| / ||rhs|| computed afresh with the matrix-free operator."""
    q_u = np.empty_like(u)
    q_b = np.empty_like(b)
    op.apply(u, b, q_u, q_b)
    r = math.sqrt(float(np.sum((rhs_u - q_u) ** 2)) + float(np.sum((rhs_b - q_b) ** 2)))
    n = math.sqrt(float(np.sum(rhs_u**2)) + float(np.sum(rhs_b**2)))
    return r / n if n > 0 else r


def solve_axial(geo, rhs_parts, options: SolverOptions | None = None, *, operator=None) -> AxialResult:
    """Solve problem A for the right side ``rhs_parts = (rhs_u, rhs_b)``.

    Raises ConvergenceError if the final true residual exceeds 10 x tol
    (the direct solver is held to the same standard).
    """
    opts = (options or SolverOptions()).validate()
    op = operator if operator is not None else build_operator(geo)
    rhs_u, rhs_b = rhs_parts
    method = opts.method
    if method == "auto":
        method = "direct" if op.n_unknowns <= opts.direct_limit_for("axial") else "multigrid"
    if method == "multigrid":
        try:
            from . import multigrid  # noqa: F401  (added by the performance core)
        except ImportError:
            method = "cg"
    tol = opts.tol
    if opts.tolerance_mode == "discretization" and method != "direct":
        from .multigrid import discretization_tolerance

        tol = discretization_tolerance(op)
    with _threads(opts.threads):
        if method == "direct":
            A = op.matrix().tocsc()
            x = spla.spsolve(A, op.pack(rhs_u, rhs_b))
            u, b = op.unpack(x)
            iterations, history = 1, []
        elif method == "cg":
            res = pcg(op.apply, op.jacobi, rhs_u, rhs_b, tol=tol, maxiter=opts.maxiter)
            u, b, iterations, history = res.u, res.b, res.iterations, res.history
        else:
            from .multigrid import solve as mg_solve

            u, b, iterations, history, residual = mg_solve(op, rhs_u, rhs_b, opts, verify=True)
        if method != "multigrid":
            residual = true_residual(op, u, b, rhs_u, rhs_b)
            if not np.all(np.isfinite(u)):
                residual = math.inf
    if not (residual <= 10.0 * tol):
        raise ConvergenceError(
            f"the {method} solve reached relative residual {residual:.3e}, above the tolerance "
            f"{tol:.1e}",
            residual=residual,
            iterations=iterations,
        )
    return AxialResult(op, u, b, residual, iterations, method, history)
