"""fluxoid: the London and supercurrent equations of superconductivity on grids.

    import fluxoid as fx
    geo = fx.meshes.hollow_cylinder(1 * fx.um, 1.5 * fx.um,
                                    penetration_depth=0.2 * fx.um, spacing=0.02 * fx.um)
    sol = fx.solve(geo, applied_field=0.5 * fx.mT, fluxoid=[1])
    sol.hole_flux / fx.PHI0, sol.fluxoid / fx.PHI0, sol.energy
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import analytic, axisymmetric, errors, materials, meshes, solvers, transverse  # noqa: E402
from .api import solve  # noqa: E402
from .constants import (  # noqa: E402
    HBAR,
    MU0,
    PHI0,
    A,
    G,
    T,
    mA,
    mm,
    mT,
    nH,
    nm,
    pH,
    uA,
    um,
    uT,
)
from .errors import (  # noqa: E402
    ConvergenceError,
    FluxoidWarning,
    GeometryError,
    ParameterError,
    VerificationError,
)
from .solution import Solution  # noqa: E402
from .solvers.options import SolverOptions  # noqa: E402
from .states import field_cooling, fluxoid_states  # noqa: E402

__all__ = [
    "__version__", "solve", "fluxoid_states", "field_cooling", "Solution", "SolverOptions",
    "meshes", "solvers", "errors", "materials", "analytic", "transverse", "axisymmetric",
    "PHI0", "MU0", "HBAR", "um", "nm", "mm", "mT", "uT", "T", "G", "A", "mA", "uA", "pH", "nH",
    "ConvergenceError", "FluxoidWarning", "GeometryError", "ParameterError", "VerificationError",
]
