"""Vortices in a cross-section: where each sits, and the source of Phi0 it puts on the grid.

A vortex in the superconductor carries one flux quantum through its core
(PHYSICS.md, problem A). :func:`vortex_sources` turns positions into the
sources of the axial operator's right side; :func:`cored_geometry` cuts the
cores out as holes of radius xi instead.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError
from .meshes.geometry import Geometry

#: A Gaussian core is sampled out to this many coherence lengths (the tail beyond
#: holds exp(-CORE_CUTOFF^2 / 2) = 4e-6 of the flux quantum; the kept weights are
#: renormalized to sum to exactly 1).
CORE_CUTOFF = 5.0


def parse_vortex(v) -> tuple[float, float, float]:
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


def locate_vortex(geo: Geometry, t) -> tuple[int, int]:
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


def given_vortices(geo: Geometry, vortices):
    """The vortices of a solve: ``vortices`` if given, else the geometry's own (a vortex
    lattice's ``geometry.vortices``), else None."""
    return getattr(geo, "vortices", None) if vortices is None else vortices


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
        t = parse_vortex(v)
        i, j = locate_vortex(geo, t)
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
    parsed = [parse_vortex(v) for v in vortices]
    for t in parsed:
        locate_vortex(geo, t)
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
