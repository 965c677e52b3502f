"""Vortex lattices on a periodic cell, and geometries whose scales come from a material.

A vortex lattice of areal density n_V carries the mean field B = n_V Phi0
(PHYSICS.md section 6). :func:`vortex_lattice` builds the smallest
rectangular cell of the lattice, periodic on both axes and superconducting
everywhere, with its vortices attached (``geo.vortices``), so that
``fx.solve(geo)`` solves the lattice.

- triangular (Abrikosov) lattice, constant a, n_V = 2 / (sqrt(3) a^2): a cell
  Lx x Ly = a x sqrt(3) a holding two vortices, at (Lx/4, Ly/4) and
  (3Lx/4, 3Ly/4) (a centred rectangular lattice, triangular when
  Ly / Lx = sqrt(3));
- square lattice, n_V = 1 / a^2: an a x a cell holding one vortex at its centre.

The grid has square cells, and sqrt(3) is irrational: the cell is made of
nx x ny cells of a spacing at most the one asked for, with ny / nx as close to
sqrt(3) as a few choices of nx allow, and the spacing chosen so that the cell's
area is exactly N_vortices Phi0 / mean_field. The mean field is therefore
exact and the triangle is distorted by |ny / nx / sqrt(3) - 1|, reported in
``geo.lattice["distortion"]`` (below 1e-2 for a >= 30 cells).
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import PHI0
from ..errors import ParameterError
from .geometry import Geometry, _check_length
from .grid import Grid

LATTICES = ("triangular", "square")
#: Fewest grid cells per lattice constant that resolve a lattice.
MIN_CELLS_PER_SPACING = 6


def _uniform_sdf(X, Y):
    # superconductor everywhere: a large negative distance (no boundary in the cell)
    return np.full(np.shape(X), -1.0)


def vortex_lattice(penetration_depth, coherence_length, *, mean_field=None, lattice: str = "triangular",
                   spacing: float, vortex_density=None, sign: int = 1) -> Geometry:
    """One periodic cell of a vortex lattice in bulk superconductor.

    Parameters
    ----------
    penetration_depth : float
        lambda (m).
    coherence_length : float or None
        xi (m), the core radius: each vortex is a Gaussian source of width xi
        (a core cutoff exp(-xi^2 G^2 / 2) in the lattice's Fourier series). None
        gives point cores of one cell.
    mean_field : float
        B = n_V Phi0 (T), the field averaged over the cell; or give ``vortex_density``.
    lattice : {"triangular", "square"}
    spacing : float
        Largest cell size (m) of the grid; the one used is at most this.
    vortex_density : float, optional
        n_V (vortices per m^2) instead of ``mean_field``.
    sign : {1, -1}
        -1 makes an antivortex lattice (mean field -n_V Phi0; give mean_field > 0).

    Returns
    -------
    Geometry
        Periodic on both axes, with ``geo.vortices`` [(x, y, sign), ...] and
        ``geo.lattice`` (a dict: kind, lattice_constant, vortex_density,
        mean_field, cell, vortices_per_cell, distortion).

    Raises
    ------
    ParameterError
        For a non-positive length, field or density, an unknown lattice, or a
        lattice that does not fit its cell: fewer than 6 grid cells per lattice
        constant, or a field at or above B_c2 = Phi0 / (2 pi xi^2), where the
        cores overlap and the London picture of separate vortices fails.
    """
    lam = _check_length("penetration_depth", penetration_depth)
    xi = None if coherence_length is None else _check_length("coherence_length", coherence_length)
    h = _check_length("spacing", spacing)
    if lattice not in LATTICES:
        raise ParameterError(f"lattice must be one of {LATTICES}, got {lattice!r}")
    if sign not in (1, -1):
        raise ParameterError(f"sign must be +1 or -1, got {sign!r}")
    if (mean_field is None) == (vortex_density is None):
        raise ParameterError("give exactly one of mean_field (T) and vortex_density (per m^2)")
    if mean_field is not None:
        try:
            B = float(mean_field)
        except (TypeError, ValueError):
            raise ParameterError(f"mean_field must be a field in tesla, got {mean_field!r}") from None
        if not math.isfinite(B) or B <= 0:
            raise ParameterError(
                f"mean_field must be a positive finite field (T), got {mean_field!r}; "
                "for antivortices use sign=-1"
            )
        nv = B / PHI0
    else:
        try:
            nv = float(vortex_density)
        except (TypeError, ValueError):
            raise ParameterError(f"vortex_density must be a number per m^2, got {vortex_density!r}") from None
        if not math.isfinite(nv) or nv <= 0:
            raise ParameterError(f"vortex_density must be positive and finite, got {vortex_density!r}")
        B = nv * PHI0
    if xi is not None:
        bc2 = PHI0 / (2 * math.pi * xi**2)
        if B >= bc2:
            raise ParameterError(
                f"mean_field {B:.4g} T is at or above B_c2 = Phi0 / (2 pi xi^2) = {bc2:.4g} T for "
                f"coherence_length {xi:.3g} m: the vortex cores overlap and the lattice does not fit "
                "its cell; lower the field"
            )
    if lattice == "triangular":
        per_cell = 2
        a = math.sqrt(2.0 / (math.sqrt(3.0) * nv))
        ratio = math.sqrt(3.0)
    else:
        per_cell = 1
        a = math.sqrt(1.0 / nv)
        ratio = 1.0
    if a / h < MIN_CELLS_PER_SPACING:
        raise ParameterError(
            f"the lattice constant a = {a:.4g} m is only {a / h:.2f} grid cells at spacing {h:.3g} m: "
            f"the lattice does not fit its cell; use spacing <= a / {MIN_CELLS_PER_SPACING} "
            f"= {a / MIN_CELLS_PER_SPACING:.3g} m (or a lower mean_field)"
        )
    area = per_cell / nv
    n0 = math.ceil(a / h - 1e-9)
    best = None
    for nx in range(n0, n0 + max(1, n0 // 8) + 1):
        ny = max(3, int(round(ratio * nx)))
        dist = abs(ny / nx / ratio - 1.0)
        if best is None or dist < best[0] - 1e-12:
            best = (dist, nx, ny)
    dist, nx, ny = best
    hh = math.sqrt(area / (nx * ny))
    if hh > h * (1 + 1e-9):  # keep the spacing at most the one asked for
        nx, ny = nx + 1, max(3, int(round(ratio * (nx + 1))))
        dist = abs(ny / nx / ratio - 1.0)
        hh = math.sqrt(area / (nx * ny))
    Lx, Ly = nx * hh, ny * hh
    grid = Grid(nx, ny, hh, (0.0, 0.0), (True, True))
    sc = np.ones(grid.shape, dtype=bool)
    geo = Geometry(grid, sc, np.full(grid.shape, lam), sdf=_uniform_sdf, coherence_length=xi,
                   name=f"{lattice} vortex lattice, B = {B * 1e3:.4g} mT")
    if lattice == "triangular":
        pos = [(0.25 * Lx, 0.25 * Ly), (0.75 * Lx, 0.75 * Ly)]
    else:
        pos = [(0.5 * Lx, 0.5 * Ly)]
    geo.vortices = [(x, y, int(sign)) for x, y in pos]
    geo.lattice = {
        "kind": lattice,
        "lattice_constant": a,
        "vortex_density": nv,
        "mean_field": sign * B,
        "cell": (Lx, Ly),
        "vortices_per_cell": per_cell,
        "distortion": dist,
    }
    return geo


def material_scales(material, temperature: float = 0.0) -> dict:
    """``penetration_depth`` and ``coherence_length`` (m) of a material at a temperature,
    as keywords for any mesh constructor::

        fx.meshes.hollow_cylinder(a, b, spacing=h, **fx.meshes.material_scales("Nb", 4.2))

    lambda(T) two-fluid and xi(T) as in :mod:`fluxoid.materials`; the coherence length
    is None when the material has none.
    """
    from .. import materials
    from ..errors import MaterialError

    mat = materials.get(material)
    lam = float(mat.penetration_depth(temperature))
    try:
        xi = float(mat.effective_coherence_length(temperature))
    except MaterialError:
        xi = None
    return {"penetration_depth": lam, "coherence_length": xi}


def with_material(geometry: Geometry, material, temperature: float = 0.0) -> Geometry:
    """The same cross-section with lambda and xi taken from a material at a temperature.

    Every superconducting cell gets lambda(T) of the material (Gorter-Casimir two-fluid
    form) and the geometry the coherence length xi(T) (the vortex core radius). The
    result carries ``material`` and ``temperature``; its solutions report
    ``max_current_ratio`` = max |J| / J_d(T) (Ginzburg-Landau depairing current).

    Raises
    ------
    MaterialError
        For an unknown material name.
    ParameterError
        For a temperature outside 0 <= T < Tc.
    """
    from .. import materials

    if not isinstance(geometry, Geometry):
        raise ParameterError(f"geometry must be a fluxoid.meshes.Geometry, got {type(geometry).__name__}")
    mat = materials.get(material)
    scales = material_scales(mat, temperature)
    sc = geometry.superconductor
    lam = np.where(sc, scales["penetration_depth"], 1.0)
    geo = Geometry(geometry.grid, sc, lam, sdf=geometry._sdf_func, shapes=geometry.shapes,
                   coherence_length=scales["coherence_length"],
                   name=f"{geometry.name}, {mat.name} at {float(temperature):g} K",
                   precomputed={"sdf": geometry.sdf, "theta": geometry.theta,
                                "fraction": geometry.fraction})
    geo.material = mat
    geo.temperature = float(temperature)
    for attr in ("vortices", "lattice"):
        if hasattr(geometry, attr):
            setattr(geo, attr, getattr(geometry, attr))
    return geo


__all__ = ["vortex_lattice", "with_material", "material_scales", "LATTICES"]
