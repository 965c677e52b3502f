"""Solver settings in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ParameterError

METHODS = ("auto", "cg", "multigrid", "direct")


@dataclass
class SolverOptions:
    """Settings of a solve.

    Parameters
    ----------
    method : {"auto", "cg", "multigrid", "direct"}
        ``"direct"`` factorizes the assembled sparse matrix (SuperLU); ``"cg"``
        is matrix-free conjugate gradients with a diagonal preconditioner;
        ``"multigrid"`` is conjugate gradients preconditioned by geometric
        multigrid, where available. ``"auto"`` picks the direct solver for
        small systems (up to ``direct_limit`` unknowns) and the fastest
        iterative one otherwise.
    tol : float
        Relative residual ||b - A x|| / ||b|| the iterative solvers reach.
    maxiter : int
        Iteration limit; reaching it raises ConvergenceError.
    direct_limit : int
        Largest system ``"auto"`` hands to the direct solver.
    threads : int or None
        numba threads for this solve (None: numba's current setting).
    """

    method: str = "auto"
    tol: float = 1e-10
    maxiter: int = 50000
    direct_limit: int = 40000
    threads: int | None = None

    def validate(self) -> SolverOptions:
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {METHODS}, got {self.method!r}")
        if not isinstance(self.tol, (int, float)) or not math.isfinite(self.tol) or not (
            0 < self.tol < 1
        ):
            raise ParameterError(f"tol must be a number in (0, 1), got {self.tol!r}")
        if not isinstance(self.maxiter, int) or self.maxiter < 1:
            raise ParameterError(f"maxiter must be a positive integer, got {self.maxiter!r}")
        if not isinstance(self.direct_limit, int) or self.direct_limit < 0:
            raise ParameterError(f"direct_limit must be a non-negative integer, got {self.direct_limit!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise ParameterError(f"threads must be a positive integer or None, got {self.threads!r}")
        return self
