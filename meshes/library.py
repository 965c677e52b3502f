"""Ready geometries: the cross-sections users reach for first."""

from __future__ import annotations

import numpy as np

from ..checks import positive as _check_length
from ..errors import GeometryError, ParameterError
from .geometry import Geometry
from .grid import Grid
from .shapes import Annulus, Disk, HalfPlaneStrip, Rectangle


def _expect_holes(geo: Geometry, n: int, what: str) -> Geometry:
    if len(geo.holes) != n:
        raise GeometryError(
            f"{what} should have {n} hole(s) but the grid resolves {len(geo.holes)}: a wall or a "
            "hole is thinner than the spacing; use a finer spacing"
        )
    return geo


def slab(thickness: float, *, penetration_depth, spacing: float, coherence_length=None) -> Geometry:
    """An infinite slab ``|x| < thickness / 2`` in a field along z.

    The grid is periodic along y (the slab's faces), so the solution depends
    on x only: B = Ba cosh(x / lambda) / cosh(d / 2 lambda).
    """
    d = _check_length("thickness", thickness)
    h = _check_length("spacing", spacing)
    half = 0.5 * d + 2.0 * h
    return Geometry.from_shapes(
        HalfPlaneStrip(d),
        penetration_depth=penetration_depth,
        spacing=h,
        periodic=(False, True),
        domain=(-half, half, 0.0, 4.0 * h),
        coherence_length=coherence_length,
        name=f"slab d = {d / 1e-6:.4g} um",
    )


def cylinder(radius: float, *, penetration_depth, spacing: float, coherence_length=None) -> Geometry:
    """A solid round cylinder of ``radius`` centred on the origin."""
    r = _check_length("radius", radius)
    return Geometry.from_shapes(
        Disk(r),
        penetration_depth=penetration_depth,
        spacing=spacing,
        coherence_length=coherence_length,
        name=f"cylinder R = {r / 1e-6:.4g} um",
    )


def hollow_cylinder(
    inner_radius: float, outer_radius: float, *, penetration_depth, spacing: float,
    coherence_length=None,
) -> Geometry:
    """A hollow cylinder (a tube seen end on): superconductor for a < r < b, one hole."""
    a = _check_length("inner_radius", inner_radius)
    b = _check_length("outer_radius", outer_radius)
    if b <= a:
        raise ParameterError(f"outer_radius ({b:g}) must exceed inner_radius ({a:g})")
    geo = Geometry.from_shapes(
        Annulus(a, b),
        penetration_depth=penetration_depth,
        spacing=spacing,
        coherence_length=coherence_length,
        name=f"hollow cylinder a = {a / 1e-6:.4g} um, b = {b / 1e-6:.4g} um",
    )
    return _expect_holes(geo, 1, "hollow_cylinder")


def bar(width: float, height: float, *, penetration_depth, spacing: float,
        coherence_length=None) -> Geometry:
    """A bar of rectangular cross-section ``width`` x ``height``."""
    w = _check_length("width", width)
    t = _check_length("height", height)
    return Geometry.from_shapes(
        Rectangle(w, t),
        penetration_depth=penetration_depth,
        spacing=spacing,
        coherence_length=coherence_length,
        name=f"bar {w / 1e-6:.4g} x {t / 1e-6:.4g} um",
    )


def square_washer(outer_side: float, inner_side: float, *, penetration_depth, spacing: float,
                  coherence_length=None) -> Geometry:
    """A square washer: a square of ``outer_side`` with a centred square hole of ``inner_side``."""
    so = _check_length("outer_side", outer_side)
    si = _check_length("inner_side", inner_side)
    if si >= so:
        raise ParameterError(f"inner_side ({si:g}) must be smaller than outer_side ({so:g})")
    geo = Geometry.from_shapes(
        Rectangle(so, so) - Rectangle(si, si),
        penetration_depth=penetration_depth,
        spacing=spacing,
        coherence_length=coherence_length,
        name=f"square washer {so / 1e-6:.4g} / {si / 1e-6:.4g} um",
    )
    return _expect_holes(geo, 1, "square_washer")


def plate_with_holes(width: float, height: float, holes, *, hole_radius: float | None = None,
                     penetration_depth, spacing: float, coherence_length=None) -> Geometry:
    """A rectangular plate pierced by round holes.

    Parameters
    ----------
    holes : int or sequence of (x, y, radius)
        An integer N puts N holes of ``hole_radius`` evenly along the plate's
        long axis; a sequence gives each hole's centre and radius (m).
    """
    w = _check_length("width", width)
    t = _check_length("height", height)
    if isinstance(holes, (int, np.integer)):
        n = int(holes)
        if n < 1:
            raise ParameterError(f"holes must be at least 1, got {n}")
        if hole_radius is None:
            raise ParameterError("hole_radius is needed when holes is a number")
        r = _check_length("hole_radius", hole_radius)
        pitch = w / n
        spec = [(-0.5 * w + (k + 0.5) * pitch, 0.0, r) for k in range(n)]
        if 2 * r >= min(pitch, t):
            raise ParameterError(
                f"hole_radius {r:g} m leaves no wall between {n} holes on a {w:g} x {t:g} m plate"
            )
    else:
        spec = [(float(x), float(y), _check_length("hole radius", rr)) for x, y, rr in holes]
    shape = Rectangle(w, t)
    for x, y, rr in spec:
        shape = shape - Disk(rr, center=(x, y))
    geo = Geometry.from_shapes(
        shape, penetration_depth=penetration_depth, spacing=spacing,
        coherence_length=coherence_length, name=f"plate with {len(spec)} holes",
    )
    return _expect_holes(geo, len(spec), "plate_with_holes")


def from_mask(mask, spacing: float, *, penetration_depth, periodic=(False, False),
              origin=(0.0, 0.0), coherence_length=None) -> Geometry:
    """A cross-section from a boolean image.

    Parameters
    ----------
    mask : array of bool, shape (nx, ny)
        True where a cell is superconducting, indexed ``[i, j]`` = (x, y) like
        every fluxoid grid array (pass ``image.T`` for an image stored as rows
        of y). The boundary is taken halfway between cell centres.
    spacing : float
        Cell size (m).
    penetration_depth : float or array of shape (nx, ny)
        One lambda, or one per cell (two materials, say).
    periodic : (bool, bool)
    origin : (float, float)
        Lower-left corner of the image (m).
    """
    h = _check_length("spacing", spacing)
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ParameterError(f"mask must be a 2D array, got {m.ndim} dimensions")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ParameterError("mask must be boolean (or 0/1)")
        m = m.astype(bool)
    grid = Grid(m.shape[0], m.shape[1], h, (float(origin[0]), float(origin[1])),
                (bool(periodic[0]), bool(periodic[1])))
    if np.ndim(penetration_depth) == 0:
        lam = np.full(m.shape, _check_length("penetration_depth", penetration_depth))
    else:
        lam = np.asarray(penetration_depth, dtype=float)
        if lam.shape != m.shape:
            raise ParameterError(
                f"penetration_depth array has shape {lam.shape}; the mask has shape {m.shape}"
            )
    return Geometry(grid, m, lam, sdf=None, coherence_length=coherence_length, name="from mask")
