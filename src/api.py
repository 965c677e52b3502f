"""The one entry point: ``solve(geometry, ...) -> Solution``."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .constants import PHI0
from .errors import ParameterError, VerificationError
from .meshes.geometry import Geometry
from .solution import Solution
from .solvers.options import SolverOptions

#: Relative tolerance, against the size of its terms, for the measured fluxoid.
FLUXOID_RTOL = 1e-8


def _applied_field(value):
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"applied_field must be a field in tesla, got {value!r}")
    if isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0):
        v = float(value)
        if not math.isfinite(v):
            raise ParameterError(f"applied_field must be finite, got {value!r}")
        return v
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"applied_field must be a number (Bz, in T) or a vector (Bx, By) / (Bx, By, Bz), got {value!r}"
        ) from None
    if arr.ndim != 1 or arr.size not in (2, 3):
        raise ParameterError(
            f"applied_field must be a number (Bz) or (Bx, By) or (Bx, By, Bz), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"applied_field must be finite, got {value!r}")
    return arr


def fluxoid_numbers(geo: Geometry, fluxoid) -> np.ndarray:
    """Validate the fluxoid numbers: integers, one per hole (default all 0)."""
    nh = len(geo.holes)
    if fluxoid is None:
        return np.zeros(nh, dtype=np.int64)
    if isinstance(fluxoid, (numbers.Integral,)) and not isinstance(fluxoid, bool):
        vals = [fluxoid]
    elif isinstance(fluxoid, (numbers.Real, bool, np.bool_)):
        raise ParameterError(f"fluxoid numbers must be integers, got {fluxoid!r}")
    else:
        try:
            vals = list(fluxoid)
        except TypeError:
            raise ParameterError(f"fluxoid must be a sequence of integers, got {fluxoid!r}") from None
    out = []
    for v in vals:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise ParameterError(f"fluxoid numbers must be integers, got {v!r}")
        if isinstance(v, numbers.Integral):
            out.append(int(v))
        elif math.isfinite(float(v)) and float(v).is_integer():
            out.append(int(v))
        else:
            raise ParameterError(
                f"fluxoid numbers must be integers (the fluxoid of a hole is n Phi0), got {v!r}"
            )
    if len(out) != nh:
        raise ParameterError(
            f"fluxoid has {len(out)} number(s) but the geometry has {nh} hole(s); give one integer "
            "per hole, in geometry.holes order"
        )
    return np.array(out, dtype=np.int64)


def vortex_sources(geo: Geometry, vortices) -> tuple[list, list]:
    """Turn vortex positions into point sources of +-Phi0 on the grid.

    A vortex given as (x, y) carries +1 flux quantum, (x, y, s) carries s
    (+1 or -1). It must lie in the superconductor. The source sits in the
    cell containing it (the core is one cell).
    """
    if vortices is None:
        return [], []
    g = geo.grid
    out, src = [], []
    for v in vortices:
        try:
            t = tuple(float(c) for c in v)
        except (TypeError, ValueError):
            raise ParameterError(f"a vortex must be (x, y) or (x, y, sign), got {v!r}") from None
        if len(t) == 2:
            t = t + (1.0,)
        if len(t) != 3 or not all(math.isfinite(c) for c in t):
            raise ParameterError(f"a vortex must be (x, y) or (x, y, sign) with finite values, got {v!r}")
        if t[2] not in (1.0, -1.0):
            raise ParameterError(f"a vortex's sign must be +1 or -1, got {t[2]!r}")
        x0, x1, y0, y1 = g.extent
        i = int(math.floor((t[0] - x0) / g.spacing))
        j = int(math.floor((t[1] - y0) / g.spacing))
        if not (0 <= i < g.nx and 0 <= j < g.ny) or not geo.superconductor[i, j]:
            raise ParameterError(
                f"vortex at ({t[0]:.4g}, {t[1]:.4g}) m is not in the superconductor: a vortex "
                "must sit in a superconducting cell (a vortex in a hole is a fluxoid number)"
            )
        out.append(t)
        src.append((i, j, 1.0, int(t[2])))
    return out, src


def solve(geometry, applied_field=0.0, fluxoid=None, *, vortices=None, currents=None,
          coils=None, options: SolverOptions | None = None, **option_kwargs):
    """Solve the London equation on a geometry.

    Which problem is solved depends on the geometry and the applied field:
    a 2D cross-section in a scalar field Bz is the axial problem
    (PHYSICS.md problem A): B = Bz(x, y), each hole with its fluxoid.

    Parameters
    ----------
    geometry : Geometry
        A cross-section from :mod:`fluxoid.meshes`.
    applied_field : float
        Ba (T), the uniform field along z far from the superconductor.
    fluxoid : sequence of int, optional
        n_k for each hole in ``geometry.holes`` order (default 0): the fluxoid
        of hole k is n_k Phi0.
    vortices : sequence of (x, y) or (x, y, sign), optional
        Vortices in the superconductor, each a point source of sign x Phi0.
    options : SolverOptions, optional
        Solver settings; keywords (``method=``, ``tol=``, ...) build one.

    Returns
    -------
    Solution

    Raises
    ------
    ParameterError
        Bad input (named).
    ConvergenceError
        The solve did not reach its tolerance.
    VerificationError
        The measured fluxoid of a hole differs from n_k Phi0 beyond round-off.
    """
    if getattr(geometry, "dimension", None) == "rz":
        from .axisymmetric import solve_axisymmetric

        return solve_axisymmetric(geometry, applied_field=applied_field, fluxoid=fluxoid,
                                  coils=coils, options=options, **option_kwargs)
    if not isinstance(geometry, Geometry):
        raise ParameterError(
            f"geometry must be a fluxoid.meshes.Geometry, got {type(geometry).__name__}"
        )
    if options is None:
        options = SolverOptions(**option_kwargs)
    elif option_kwargs:
        raise ParameterError("give either options= or solver keywords, not both")
    options.validate()
    Ba = _applied_field(applied_field)
    if coils is not None:
        raise ParameterError("coils are field sources of bodies of revolution; this geometry is a "
                             "2D cross-section")
    if not isinstance(Ba, float) or currents is not None:
        try:
            from .transverse import solve_transverse
        except ImportError:
            raise ParameterError(
                "an in-plane applied field (Bx, By) or transport currents need the transverse "
                "solver, which this version does not have; give Bz as a number"
            ) from None
        return solve_transverse(geometry, applied_field=Ba, currents=currents, fluxoid=fluxoid,
                                vortices=vortices, options=options)
    n = fluxoid_numbers(geometry, fluxoid)
    vort, sources = vortex_sources(geometry, vortices)

    from .solvers.axial import build_operator, full_field
    from .solvers.run import solve_axial

    op = build_operator(geometry)
    rhs = op.rhs(Ba, n, sources)
    res = solve_axial(geometry, rhs, options, operator=op)
    B = full_field(op, res.u, res.b, Ba)
    sol = Solution(geometry, B, res.b, applied_field=Ba, fluxoid_numbers=n, vortices=vort,
                   sources=sources, residual=res.residual, iterations=res.iterations,
                   method=res.method, operator=op)
    _verify(sol, options)
    return sol


def _verify(sol: Solution, options: SolverOptions) -> None:
    """Check the measured fluxoid of every hole against n_k Phi0."""
    if not len(sol.geometry.holes):
        return
    measured, scale = sol._fluxoid_measured
    target = sol.fluxoid_numbers * PHI0
    tol = max(FLUXOID_RTOL, 100.0 * options.tol)
    bad = np.abs(measured - target) > tol * np.maximum(scale, PHI0 * 1e-6)
    if bad.any():
        k = int(np.argmax(bad))
        raise VerificationError(
            f"hole {k}: measured fluxoid {measured[k] / PHI0:.10g} Phi0 differs from the imposed "
            f"{sol.fluxoid_numbers[k]} Phi0 beyond round-off; the solve is not trustworthy"
        )
