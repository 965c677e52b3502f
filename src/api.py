"""The one entry point: ``solve(geometry, ...) -> Solution``."""

from __future__ import annotations

import math

import numpy as np

from .checks import integers, scalar_field
from .constants import PHI0
from .errors import ParameterError, VerificationError
from .meshes.geometry import Geometry
from .solution import Solution
from .solvers.options import SolverOptions

#: Relative tolerance, against the size of its terms, for the measured fluxoid.
FLUXOID_RTOL = 1e-8


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


def fluxoid_numbers(geo: Geometry, fluxoid) -> np.ndarray:
    """Validate the fluxoid numbers: integers, one per hole (default all 0)."""
    nh = len(geo.holes)
    if fluxoid is None:
        return np.zeros(nh, dtype=np.int64)
    out = integers("fluxoid", fluxoid)
    if len(out) != nh:
        raise ParameterError(
            f"fluxoid has {len(out)} number(s) but the geometry has {nh} hole(s); give one integer "
            "per hole, in geometry.holes order"
        )
    return np.array(out, dtype=np.int64)


#: A Gaussian core is sampled out to this many coherence lengths (the tail beyond
#: holds exp(-CORE_CUTOFF^2 / 2) = 4e-6 of the flux quantum; the kept weights are
#: renormalized to sum to exactly 1).
CORE_CUTOFF = 5.0


def _parse_vortex(v) -> tuple[float, float, float]:
    if isinstance(v, (str, bytes)):
        raise ParameterError(f"a vortex must be (x, y) or (x, y, sign), got {v!r}")
    try:
        t = tuple(float(c) for c in v)
    except (TypeError, ValueError):
        raise ParameterError(f"a vortex must be (x, y) or (x, y, sign), got {v!r}") from None
    if len(t) == 2:
        t = t + (1.0,)
    if len(t) != 3 or not all(math.isfinite(c) for c in t):
        raise ParameterError(f"a vortex must be (x, y) or (x, y, sign) with finite values, got {v!r}")
    if t[2] not in (1.0, -1.0):
        raise ParameterError(
            f"a vortex's sign must be +1 (vortex) or -1 (antivortex), got {t[2]!r}"
        )
    return t


def _locate_vortex(geo: Geometry, t) -> tuple[int, int]:
    """The cell holding a vortex; a clear error if it is not a superconducting cell."""
    g = geo.grid
    x0, x1, y0, y1 = g.extent
    px, py = g.periodic
    x, y = t[0], t[1]
    if px:
        x = x0 + (x - x0) % (x1 - x0)
    if py:
        y = y0 + (y - y0) % (y1 - y0)
    i = int(math.floor((x - x0) / g.spacing))
    j = int(math.floor((y - y0) / g.spacing))
    where = f"vortex at ({t[0]:.4g}, {t[1]:.4g}) m"
    if not (0 <= i < g.nx and 0 <= j < g.ny):
        raise ParameterError(
            f"vortices: {where} lies outside the grid {tuple(round(v, 12) for v in g.extent)}; "
            "a vortex must sit in the superconductor"
        )
    if not geo.superconductor[i, j]:
        reg = int(geo.region[i, j])
        if reg > 0:
            raise ParameterError(
                f"vortices: {where} lies in hole {reg - 1}, not in the superconductor; flux "
                "quanta in a hole are its fluxoid number (fluxoid=[...]), not a vortex"
            )
        raise ParameterError(
            f"vortices: {where} lies outside the superconductor (in the surrounding vacuum); "
            "a vortex must sit in a superconducting cell"
        )
    return i, j


def _periodic_offsets(g, coord, axis):
    """Distance from every cell centre along an axis to ``coord``, minimal image if periodic."""
    c = g.x if axis == 0 else g.y
    d = c - coord
    if g.periodic[axis]:
        L = (g.nx if axis == 0 else g.ny) * g.spacing
        d = d - L * np.round(d / L)
    return d


def _gaussian_core(geo: Geometry, t, xi: float) -> list:
    """Weights of a Gaussian core exp(-r^2 / 2 xi^2) / (2 pi xi^2) on superconducting cells."""
    g = geo.grid
    dx = _periodic_offsets(g, t[0], 0)
    dy = _periodic_offsets(g, t[1], 1)
    cut = CORE_CUTOFF * xi + g.spacing
    ii = np.nonzero(np.abs(dx) <= cut)[0]
    jj = np.nonzero(np.abs(dy) <= cut)[0]
    r2 = dx[ii, None] ** 2 + dy[None, jj] ** 2
    w = np.exp(-0.5 * r2 / xi**2) * (r2 <= (CORE_CUTOFF * xi) ** 2)
    w = w * geo.superconductor[np.ix_(ii, jj)]
    total = w.sum()
    if not total > 0:
        return []
    w = w / total
    keep = np.nonzero(w > 1e-14)
    return [(int(ii[a]), int(jj[b]), float(w[a, b])) for a, b in zip(*keep, strict=True)]


def _point_core(geo: Geometry, t, i: int, j: int) -> list:
    """Bilinear (cloud-in-cell) weights on the four centres around the vortex: a point
    source whose core is one cell, placed at its sub-cell position. Weight that would
    land on a non-superconducting cell goes to the cell holding the vortex."""
    g = geo.grid
    h = g.spacing
    fx_ = (t[0] - g.x[0]) / h
    fy_ = (t[1] - g.y[0]) / h
    if g.periodic[0]:
        fx_ = fx_ % g.nx
    if g.periodic[1]:
        fy_ = fy_ % g.ny
    i0, j0 = int(math.floor(fx_)), int(math.floor(fy_))
    ax, ay = fx_ - i0, fy_ - j0
    out = {}
    for di, wx in ((0, 1.0 - ax), (1, ax)):
        for dj, wy in ((0, 1.0 - ay), (1, ay)):
            w = wx * wy
            if w <= 0.0:
                continue
            a, b = i0 + di, j0 + dj
            if g.periodic[0]:
                a %= g.nx
            if g.periodic[1]:
                b %= g.ny
            if not (0 <= a < g.nx and 0 <= b < g.ny) or not geo.superconductor[a, b]:
                a, b = i, j
            out[(a, b)] = out.get((a, b), 0.0) + w
    return [(a, b, w) for (a, b), w in out.items()]


def vortex_sources(geo: Geometry, vortices) -> tuple[list, list]:
    """Turn vortex positions into sources of +-Phi0 on the grid.

    A vortex given as (x, y) carries +1 flux quantum, (x, y, -1) is an
    antivortex. It must lie in the superconductor (not in a hole, not
    outside). Its core:

    - with a coherence length xi on the geometry (``geometry.coherence_length``,
      from a keyword or a material), the source is a Gaussian of width xi,
      Phi0 exp(-r^2 / 2 xi^2) / (2 pi xi^2), sampled on the superconducting
      cells within 5 xi and normalized to exactly Phi0. In Fourier space it
      multiplies the point-core field by exp(-xi^2 G^2 / 2) (the core
      cutoff of the lattice series), and outside the core the field of an
      isolated vortex is Phi0 exp(xi^2 / 2 lambda^2) K0(r/lambda) / (2 pi lambda^2).
    - without one, the vortex is a point source of Phi0 whose core is one
      cell: its weight is split bilinearly over the four nearest centres
      (cloud in cell), so its sub-cell position counts.

    Returns the parsed vortices [(x, y, sign)] and the sources
    [(i, j, weight, sign)] of :meth:`AxialOperator.rhs`.
    """
    if vortices is None:
        return [], []
    if isinstance(vortices, np.ndarray) and vortices.ndim == 1 and vortices.size in (2, 3):
        vortices = [vortices]
    try:
        vlist = list(vortices)
    except TypeError:
        raise ParameterError(
            f"vortices must be a sequence of (x, y) or (x, y, sign), got {vortices!r}"
        ) from None
    xi = geo.coherence_length
    if xi is not None and not (math.isfinite(xi) and xi > 0):
        raise ParameterError(f"coherence_length must be a positive length (m), got {xi!r}")
    out, src = [], []
    for v in vlist:
        t = _parse_vortex(v)
        i, j = _locate_vortex(geo, t)
        weights = []
        if xi is not None and xi >= 0.5 * geo.grid.spacing:
            weights = _gaussian_core(geo, t, xi)
        if not weights:
            weights = _point_core(geo, t, i, j)
        out.append(t)
        src.extend((a, b, w, int(t[2])) for a, b, w in weights)
    return out, src


def cored_geometry(geo: Geometry, vortices) -> tuple[Geometry, np.ndarray, list]:
    """The geometry with each vortex core cut out as a hole of radius xi (PHYSICS.md,
    problem A: "a vortex with a normal core of radius xi is a small hole with n = 1").

    Returns the new geometry, a map from each new hole to the original hole it
    is (or -1 for a core), and the parsed vortices.
    """
    from .meshes.shapes import Disk

    xi = geo.coherence_length
    if xi is None:
        raise ParameterError(
            "vortex_core='hole' needs the core radius: give the geometry a coherence_length "
            "(a keyword of the mesh constructor, or a material)"
        )
    if geo._sdf_func is None:
        raise ParameterError(
            "vortex_core='hole' needs a geometry built from shapes (it cuts the cores out of them); "
            "this one came from a mask: use vortex_core='source'"
        )
    parsed = [_parse_vortex(v) for v in vortices]
    for t in parsed:
        _locate_vortex(geo, t)
    base = geo._sdf_func
    g = geo.grid
    disks = [Disk(xi, center=(t[0], t[1])) for t in parsed]

    def sdf(X, Y):
        phi = base(X, Y)
        for d in disks:
            phi = np.maximum(phi, -d.sdf(X, Y))
        return phi

    X, Y = g.meshgrid()
    sc = sdf(X, Y) < 0.0
    lam = np.where(sc, np.nan_to_num(geo.penetration_depth, nan=1.0), np.nan)
    new = Geometry(g, sc, np.where(sc, lam, 1.0), sdf=sdf, shapes=geo.shapes,
                   coherence_length=xi, name=geo.name + " (vortex cores as holes)")
    # each new hole that overlaps an old one keeps its index (one pass over the region labels)
    mapping = -np.ones(len(new.holes), dtype=np.int64)
    both = (new.region > 0) & (geo.region > 0)
    mapping[new.region[both] - 1] = geo.region[both] - 1
    core_holes = []
    for t in parsed:
        i, j = int(np.argmin(np.abs(g.x - t[0]))), int(np.argmin(np.abs(g.y - t[1])))
        k = int(new.region[i, j]) - 1
        if k < 0 or mapping[k] != -1:
            raise ParameterError(
                f"vortex_core='hole': the core of radius coherence_length = {xi:.3g} m at "
                f"({t[0]:.4g}, {t[1]:.4g}) m is not resolved as its own hole at spacing "
                f"{g.spacing:.3g} m (or it touches another hole); use spacing <= coherence_length / 2 "
                "and keep cores apart"
            )
        core_holes.append(k)
    if len(set(core_holes)) != len(core_holes):
        raise ParameterError("vortex_core='hole': two vortex cores overlap; keep vortices more than "
                             "2 coherence lengths apart")
    return new, mapping, parsed


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
        (see :func:`vortex_sources`). Where the geometry has no coherence
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
    if vortices is None:
        vortices = getattr(geometry, "vortices", None)
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

    from .solvers import kernels as K
    from .solvers.axial import build_operator, full_field
    from .solvers.run import solve_axial

    op = build_operator(geometry)
    rhs = op.rhs(Ba, n, sources)
    res = solve_axial(geometry, rhs, options, operator=op)
    # the final residual's norm, in the operator's units (bounds the fluxoid check below);
    # a numba reduction, not BLAS, whose threads spin after a call on the cores the next
    # solve's threads need
    rhs_norm = math.sqrt(K.dot(rhs[0], rhs[0]) + float(rhs[1] @ rhs[1]))
    B = full_field(op, res.u, res.b, Ba, overwrite=True)  # res.u is this solve's own array
    sol = Solution(geometry, B, res.b, applied_field=Ba, fluxoid_numbers=n, vortices=vort,
                   sources=sources, residual=res.residual, iterations=res.iterations,
                   method=res.method, operator=op)
    sol.core_holes = core_holes
    _verify(sol, options, res.residual * rhs_norm)
    return sol


def _verify(sol: Solution, options: SolverOptions, residual_norm: float = 0.0) -> None:
    """Check the measured fluxoid of every hole against n_k Phi0.

    The measured value is the sum of the discrete equations over the cells of
    a contour and the hole's row, so it differs from n_k Phi0 by the sum of
    their residuals: at most sqrt(count + 1) h^2 ||r|| (Cauchy-Schwarz, count
    the contour's cells, ``residual_norm`` = ||r|| of the solve), and by
    round-off (relative to the scale of the sum's terms). Ten times that
    bound is allowed; a wrong field (a broken hole coupling, a lost source)
    misses it by orders of magnitude.
    """
    if not len(sol.geometry.holes):
        return
    measured, scale, count = sol._fluxoid_measured
    target = sol.fluxoid_numbers * PHI0
    tol = max(FLUXOID_RTOL, 100.0 * options.tol)
    h2 = sol.geometry.grid.spacing ** 2
    allowed = (tol * np.maximum(scale, PHI0 * 1e-6)
               + 10.0 * h2 * np.sqrt(count + 1.0) * residual_norm)
    bad = np.abs(measured - target) > allowed
    if bad.any():
        k = int(np.argmax(bad))
        raise VerificationError(
            f"hole {k}: measured fluxoid {measured[k] / PHI0:.10g} Phi0 differs from the imposed "
            f"{sol.fluxoid_numbers[k]} Phi0 beyond round-off; the solve is not trustworthy"
        )
