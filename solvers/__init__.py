"""Discretizations and solvers (``fluxoid.solvers``).

``kernels`` holds the numba kernels (matrix-free operators, vector updates);
``krylov`` the preconditioned conjugate gradients; one module per
formulation (``axial``: B = Bz(x, y)). Solvers know geometries but nothing of
plotting or the command line.
"""

from .axial import AxialOperator, build_operator
from .options import SolverOptions
from .run import AxialResult, solve_axial

__all__ = ["AxialOperator", "build_operator", "SolverOptions", "AxialResult", "solve_axial"]
