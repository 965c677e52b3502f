"""The one entry point: ``solve(geometry, ...) -> Solution``."""

from __future__ import annotations

import numpy as np

from .checks import fluxoid_numbers, scalar_field
from .errors import ParameterError
from .meshes.geometry import Geometry
from .solution import axial_solution
from .solvers.options import SolverOptions
from .vortices import cored_geometry, given_vortices, vortex_sources


def _applied_field(value):
    v = scalar_field("applied_field", value)
    if v is not None:
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


def solve(geometry, applied_field=0.0, fluxoid=None, *, vortices=None, vortex_core: str = "source",
          currents=None, phase_gradients=None, tied=None, coils=None,
          options: SolverOptions | None = None, **option_kwargs):
    """Solve the London equation on a geometry.

    Which problem is solved depends on the geometry and the sources:

    * a 2D cross-section in a scalar field Bz: the axial problem (PHYSICS.md
      problem A), B = Bz(x, y), each hole with its fluxoid, vortices allowed;
    * a 2D cross-section with transport ``currents`` or an in-plane field
      (Bx, By): the transverse problem (problem B), A = Az(x, y);
    * a 2D cross-section in a field (Bx, By, Bz): both, superposed;
    * a body of revolution (``fx.meshes.sphere``, ``tube``, ``ring``, ...):
      the axisymmetric problem (problem C), with ``coils`` as extra sources.

    Combinations without a meaning (vortices or currents on a body of
    revolution, coils on a cross-section) raise ParameterError.

    Parameters
    ----------
    geometry : Geometry or RevolutionGeometry
        From :mod:`fluxoid.meshes`.
    applied_field : float or sequence of float
        Ba (T): Bz for a cross-section, or (Bx, By) / (Bx, By, Bz); the axial
        field for a body of revolution.
    fluxoid : sequence of int, optional
        n_k for each hole in ``geometry.holes`` order (default 0): the fluxoid
        of hole k is n_k Phi0.
    vortices : sequence of (x, y) or (x, y, sign), optional
        Vortices in the superconductor, each carrying sign x Phi0 (+1 a
        vortex, -1 an antivortex). Default: ``geometry.vortices`` if the
        geometry has them (a vortex lattice), else none. The core radius is
        the geometry's coherence length xi: a Gaussian source of width xi
        (see :func:`fluxoid.vortices.vortex_sources`). Where the geometry has no coherence
        length, a vortex is a point source of Phi0 whose core is one cell.
    vortex_core : {"source", "hole"}
        ``"source"`` (default): the core is a source term smeared over xi.
        ``"hole"``: the core is cut out as a round hole of radius xi with
        fluxoid +-1 (PHYSICS.md problem A); the solution's geometry then
        has one extra hole per vortex (``sol.core_holes`` lists them) and
        ``sol.fluxoid_numbers`` includes them.
    currents, phase_gradients, tied : optional
        The transverse problem's sources: the net current of each conductor (A), or
        the phase gradient d theta / dz (rad/m) of conductors driven that way, and
        groups of conductors joined at their ends (see
        :func:`fluxoid.transverse.solve_transverse`).
    coils : sequence of Coil, optional
        Coaxial current loops, for a body of revolution.
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

        for name, value in (("vortices", vortices), ("currents", currents),
                            ("phase_gradients", phase_gradients), ("tied", tied)):
            if value is not None:
                raise ParameterError(
                    f"{name} have no meaning for a body of revolution (the axisymmetric problem "
                    f"has azimuthal currents only); leave {name} out or use a 2D cross-section"
                )

        return solve_axisymmetric(geometry, applied_field=applied_field, fluxoid=fluxoid,
                                  coils=coils, options=options, **option_kwargs)
    if not isinstance(geometry, Geometry):
        raise ParameterError(
            f"geometry must be a fluxoid.meshes.Geometry, got {type(geometry).__name__}"
        )
    options = SolverOptions.resolve(options, option_kwargs)
    Ba = _applied_field(applied_field)
    if coils is not None:
        raise ParameterError("coils are field sources of bodies of revolution; this geometry is a "
                             "2D cross-section")
    if not isinstance(Ba, float) or currents is not None or phase_gradients is not None:
        try:
            from .transverse import solve_transverse
        except ImportError:
            raise ParameterError(
                "an in-plane applied field (Bx, By) or transport currents need the transverse "
                "solver, which this version does not have; give Bz as a number"
            ) from None
        return solve_transverse(geometry, applied_field=Ba, currents=currents, fluxoid=fluxoid,
                                vortices=vortices, options=options, phase_gradients=phase_gradients,
                                tied=tied)
    n = fluxoid_numbers(geometry, fluxoid)
    vortices = given_vortices(geometry, vortices)
    core_holes = ()
    if vortex_core == "hole" and vortices is not None and len(vortices):
        cored, mapping, vort = cored_geometry(geometry, vortices)
        n_new = np.zeros(len(cored.holes), dtype=np.int64)
        core_holes = tuple(int(k) for k in np.nonzero(mapping == -1)[0])
        for k, m in enumerate(mapping):
            if m >= 0:
                n_new[k] = n[m]
        for t in vort:
            i = int(np.argmin(np.abs(cored.grid.x - t[0])))
            j = int(np.argmin(np.abs(cored.grid.y - t[1])))
            n_new[int(cored.region[i, j]) - 1] = int(t[2])
        for attr in ("material", "temperature"):
            if hasattr(geometry, attr):
                setattr(cored, attr, getattr(geometry, attr))
        geometry, n, sources = cored, n_new, []
    elif vortex_core in ("source", "hole"):
        vort, sources = vortex_sources(geometry, vortices)
    else:
        raise ParameterError(f"vortex_core must be 'source' or 'hole', got {vortex_core!r}")

    return axial_solution(geometry, Ba, n, vort, sources, options, core_holes)
