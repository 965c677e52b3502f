"""Solver settings in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ParameterError

METHODS = ("auto", "cg", "multigrid", "direct")
PRECISIONS = ("float32", "float64")
CYCLES = ("W", "V", "A")
TOLERANCE_MODES = ("residual", "discretization")


#: Unknowns up to which ``method="auto"`` factorizes, per formulation. The
#: multigrid solve is already the faster one from a few thousand unknowns (axial:
#: 3.5 ms both at 1800, 87 ms direct against 11 ms at 28800; transverse, a coax:
#: 136 vs 65 ms at 29600 cells, 673 vs 144 ms at 118000; axisymmetric, a sphere:
#: 75 vs 54 ms at 19700, 156 vs 65 ms at 44600; fx.solve end to end, 2 threads), but
#: below these limits the direct solve stays under about 0.2 s and a first run skips
#: the multigrid kernels' compile (28-39 s on this kind of machine, once): the demo
#: starts fast.
DIRECT_LIMITS = {"axial": 40000, "transverse": 40000, "axisymmetric": 60000}

#: Multigrid cycle per formulation: W for all. On the axial operator it keeps the
#: iteration counts flat for lambda from 2 to 1000 cells, where "A" needs 9-10
#: iterations against 7 once lambda exceeds ~100 cells; it is positive definite by
#: construction (``multigrid``), "A" by an estimate of the spectrum. The transverse
#: operator once needed "A": its conductor constants, linked to all of a conductor's
#: cells by mass terms, were coarsened like stiffness, and the W-cycle stalled (a wire
#: at 600^2: 43 iterations to 1e-11). Coarsened as mass, W takes fewer iterations than
#: "A" on every body measured (fx.solve, inner iterations and time: a wire at 840^2 30
#: against 47, 498 against 599 ms; at 1950^2 39 against 49, 3.7 against 4.6 s; a
#: coplanar waveguide 79 against 106; a coax 30 against 42; a tube 57 against 70; a
#: sphere at 511 x 1023 58 against 74, 508 against 536 ms; a torus 51 against 84; a
#: thin disk 53 against 69, 76 against 75 ms).
DEFAULT_CYCLES = {"axial": "W", "transverse": "W", "axisymmetric": "W"}

#: Smallest lambda, in grid cells, from which ``full_multigrid=None`` starts the axial
#: multigrid solve from a full-multigrid pass (``multigrid.fmg``). Measured against the
#: start from zero (fx.solve's path, medians of 4 interleaved solves): at 1024^2 to 1e-8 on
#: the hollow cylinder, strips and holes, 0.92-1.12x the time at lambda = 3 cells,
#: 0.91-0.96x at 4, 0.94-1.09x at 6, 0.86-0.97x at 10, 0.7-0.96x at 500; at 2048^2 and
#: lambda = 6-20, 0.8-1.0x (7 -> 5 iterations); at 4096^2 and 20, 0.86x to 1e-8 and 0.81x
#: to discretization accuracy.
FMG_MIN_LAMBDA_CELLS = 6.0


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
    direct_limit : int or None
        Largest system ``"auto"`` hands to the direct solver. None (default):
        each formulation's measured crossover, where the multigrid solve
        becomes the faster (``DIRECT_LIMITS``).
    threads : int or None
        numba threads for this solve (None: numba's current setting). Use
        ``threads=1`` to pin each process to one thread when running many
        solves side by side.
    precision : {"float32", "float64"}
        Arithmetic of the multigrid preconditioner. The conjugate-gradient
        iteration, the operator and the residual are always float64, so the
        final accuracy does not depend on it; float32 halves the memory
        traffic of the preconditioner.
    cycle : {"W", "V", "A"} or None
        Multigrid cycle of the preconditioner: "W" keeps the iteration count
        flat in lambda and grid size; "V" is cheaper per iteration and needs
        a few more iterations on large grids; "A" visits only the first
        coarse level twice, with Chebyshev weights fitted at setup
        (:class:`fluxoid.solvers.multigrid.Hierarchy`). None (default): each
        formulation's (``DEFAULT_CYCLES``).
    full_multigrid : bool or None
        Start the multigrid iteration from a full-multigrid pass instead of
        from zero (axial formulation only). None (default): where it pays, a
        smallest lambda of at least ``FMG_MIN_LAMBDA_CELLS`` cells. The pass
        costs about 1.4 iterations and starts CG at a relative residual of
        4e-4 to 1e-3 with an applied field (2e-3 at lambda = 3 cells, where
        the coarse levels resolve lambda poorly; about 1e-2 from vortex
        sources alone, whose point singularity no coarse level holds), two
        to three iterations' worth: the hollow cylinder to discretization
        accuracy at 4096^2 in 2 iterations instead of 5, 298 against 366 ms
        (measured when it came in); about the same time as from zero at
        1024^2 (``FMG_MIN_LAMBDA_CELLS``). For a tol at or below
        ``multigrid.FMG_SECOND_CYCLE_TOL`` (1e-7) the pass ends with a second
        cycle on the finest level instead of one more CG iteration: to 1e-8
        at 4096^2 in 4 iterations instead of 8 from zero.
    tolerance_mode : {"residual", "discretization"}
        ``"residual"`` stops at the relative residual ``tol``;
        ``"discretization"`` stops as soon as the algebraic error is well
        below the discretization error of the grid ("as accurate as the grid
        allows"): a relative residual of 0.01 (h / lambda)^2, with lambda the
        smallest penetration depth, clipped to [1e-12, 1e-4]
        (``multigrid.discretization_tolerance``); ``tol`` is then ignored.
        Axial formulation only.
    """

    method: str = "auto"
    tol: float = 1e-10
    maxiter: int = 50000
    direct_limit: int | None = None
    threads: int | None = None
    precision: str = "float32"
    cycle: str | None = None
    full_multigrid: bool | None = None
    tolerance_mode: str = "residual"

    def cycle_for(self, formulation: str) -> str:
        """The multigrid cycle a formulation uses under these options."""
        return self.cycle if self.cycle is not None else DEFAULT_CYCLES[formulation]

    def full_multigrid_for(self, formulation: str, lambda_cells: float) -> bool:
        """Whether a formulation's multigrid solve starts from a full-multigrid pass, for a
        smallest penetration depth of ``lambda_cells`` grid cells."""
        if formulation != "axial" or self.full_multigrid is False:
            return False
        return self.full_multigrid is True or lambda_cells >= FMG_MIN_LAMBDA_CELLS

    def direct_limit_for(self, formulation: str) -> int:
        """The direct-solver limit of ``method="auto"`` for a formulation."""
        if self.direct_limit is not None:
            return self.direct_limit
        return DIRECT_LIMITS[formulation]

    @classmethod
    def resolve(cls, options: SolverOptions | None, keywords: dict) -> SolverOptions:
        """The validated options of a call given ``options=`` or solver keywords (not both)."""
        if options is None:
            try:
                options = cls(**keywords)
            except TypeError as e:
                raise ParameterError(f"unknown solver option: {e}") from None
        elif keywords:
            raise ParameterError("give either options= or solver keywords, not both")
        return options.validate()

    def validate(self) -> SolverOptions:
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {METHODS}, got {self.method!r}")
        if not isinstance(self.tol, (int, float)) or not math.isfinite(self.tol) or not (
            0 < self.tol < 1
        ):
            raise ParameterError(f"tol must be a number in (0, 1), got {self.tol!r}")
        if not isinstance(self.maxiter, int) or self.maxiter < 1:
            raise ParameterError(f"maxiter must be a positive integer, got {self.maxiter!r}")
        if self.direct_limit is not None and (
                not isinstance(self.direct_limit, int) or self.direct_limit < 0):
            raise ParameterError(
                f"direct_limit must be a non-negative integer or None, got {self.direct_limit!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise ParameterError(f"threads must be a positive integer or None, got {self.threads!r}")
        if self.precision not in PRECISIONS:
            raise ParameterError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.cycle is not None and self.cycle not in CYCLES:
            raise ParameterError(f"cycle must be one of {CYCLES}, got {self.cycle!r}")
        if self.full_multigrid is not None and not isinstance(self.full_multigrid, bool):
            raise ParameterError(
                f"full_multigrid must be True, False or None, got {self.full_multigrid!r}")
        if self.tolerance_mode not in TOLERANCE_MODES:
            raise ParameterError(
                f"tolerance_mode must be one of {TOLERANCE_MODES}, got {self.tolerance_mode!r}"
            )
        return self

    def validate_for(self, formulation: str) -> SolverOptions:
        """The validated options, checked against what ``formulation`` implements.

        The full-multigrid start and the discretization tolerance exist for
        the axial formulation only; the others raise rather than silently
        solve to ``tol`` from zero.
        """
        self.validate()
        if formulation != "axial":
            if self.tolerance_mode != "residual":
                raise ParameterError(
                    f"tolerance_mode={self.tolerance_mode!r} is implemented for the axial "
                    f"formulation only; the {formulation} solve stops at the relative residual tol")
            if self.full_multigrid is True:
                raise ParameterError(
                    f"full_multigrid=True is implemented for the axial formulation only, "
                    f"not the {formulation} solve")
        return self
