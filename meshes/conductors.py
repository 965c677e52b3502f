"""Cross-sections of lines that carry currents along z: wire, coax, strip, microstrip,
coplanar waveguide, coupled lines and parallel plates.

Each returns a :class:`~fluxoid.meshes.Geometry` whose ``conductors`` are the separate
superconductors, ordered by centroid (x, then y) as every geometry orders them; each
docstring says the resulting order. The transverse solver's open boundary is exact, so the
default margin of vacuum around the conductors (``margin``) only sets the extent of the maps:
a few cells are enough for the numbers.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import GeometryError, ParameterError
from .geometry import Geometry, _check_length
from .shapes import Annulus, Disk, Rectangle, Shape


class Band(Shape):
    """The infinite band ``|y - y0| < thickness / 2`` (a plate seen end on, periodic along x)."""

    def __init__(self, thickness: float, y0: float = 0.0):
        self.thickness = _check_length("thickness", thickness)
        self.y0 = float(y0)

    def sdf(self, x, y):
        return np.abs(np.asarray(y, float) - self.y0) - 0.5 * self.thickness + 0.0 * np.asarray(x)

    def bounds(self):
        t = 0.5 * self.thickness
        return (-np.inf, np.inf, self.y0 - t, self.y0 + t)


def _margin(margin, h: float, span_x: float, span_y: float) -> float:
    if margin is None:
        return max(4.0 * h, 0.25 * min(span_x, span_y))
    m = float(margin)
    if not math.isfinite(m) or m < h:
        raise ParameterError(f"margin must be at least one spacing ({h:g} m), got {margin!r}")
    return m


def _build(shapes, *, penetration_depth, spacing, margin, name, coherence_length=None) -> Geometry:
    h = _check_length("spacing", spacing)
    b = np.array([s.bounds() for s in shapes])
    xmin, xmax, ymin, ymax = b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max()
    m = _margin(margin, h, xmax - xmin, ymax - ymin)
    return Geometry.from_shapes(list(shapes), penetration_depth=penetration_depth, spacing=h,
                                domain=(xmin - m, xmax + m, ymin - m, ymax + m),
                                coherence_length=coherence_length, name=name)


def _expect(geo: Geometry, n: int, what: str) -> Geometry:
    if len(geo.conductors) != n:
        raise GeometryError(
            f"{what} should have {n} separate conductor(s) but the grid resolves "
            f"{len(geo.conductors)}: a gap or a conductor is thinner than the spacing; use a finer spacing")
    return geo


def wire(radius: float, *, penetration_depth, spacing: float, center=(0.0, 0.0), margin=None,
         coherence_length=None) -> Geometry:
    """A round wire of ``radius`` (one conductor)."""
    r = _check_length("radius", radius)
    geo = _build([Disk(r, center=center)], penetration_depth=penetration_depth, spacing=spacing,
                 margin=margin, name=f"wire R={r:.4g} m", coherence_length=coherence_length)
    return _expect(geo, 1, "wire")


def coax(inner_radius: float, shield_inner_radius: float, shield_outer_radius: float, *,
         penetration_depth, spacing: float, margin=None) -> Geometry:
    """A coaxial line: a wire of ``inner_radius`` inside a shield
    ``shield_inner_radius < r < shield_outer_radius``.

    Conductors: ``[inner wire, shield]`` (their centroids coincide; the inner one comes first).
    ``penetration_depth`` may be one value or two (wire, shield).
    """
    a = _check_length("inner_radius", inner_radius)
    b = _check_length("shield_inner_radius", shield_inner_radius)
    c = _check_length("shield_outer_radius", shield_outer_radius)
    if not a < b < c:
        raise ParameterError(
            f"coax needs inner_radius < shield_inner_radius < shield_outer_radius, got {a:g}, {b:g}, {c:g}")
    geo = _build([Disk(a), Annulus(b, c)], penetration_depth=penetration_depth, spacing=spacing,
                 margin=margin, name=f"coax a={a:.4g} b={b:.4g} c={c:.4g} m")
    _expect(geo, 2, "coax")
    X, Y = geo.grid.meshgrid()
    conds = list(geo.conductors)
    r2 = [float(np.min(X[m] ** 2 + Y[m] ** 2)) for m in conds]
    geo._conductors = tuple(conds[k] for k in np.argsort(r2, kind="stable"))
    return geo


def strip(width: float, thickness: float, *, penetration_depth, spacing: float, center=(0.0, 0.0),
          margin=None) -> Geometry:
    """An isolated strip of ``width`` (along x) and ``thickness`` (along y)."""
    w = _check_length("width", width)
    t = _check_length("thickness", thickness)
    geo = _build([Rectangle(w, t, center=center)], penetration_depth=penetration_depth,
                 spacing=spacing, margin=margin, name=f"strip {w:.4g} x {t:.4g} m")
    return _expect(geo, 1, "strip")


def microstrip(width: float, thickness: float, height: float, *, penetration_depth, spacing: float,
               ground_width: float | None = None, ground_thickness: float | None = None,
               margin=None) -> Geometry:
    """A strip of ``width`` x ``thickness`` a distance ``height`` above a ground plane
    (``ground_width``, default 5 widths; ``ground_thickness``, default ``thickness``).

    Conductors: ``[ground, strip]`` (same centroid x; the lower one first).
    """
    w = _check_length("width", width)
    t = _check_length("thickness", thickness)
    d = _check_length("height", height)
    gw = _check_length("ground_width", ground_width) if ground_width is not None else 5.0 * w
    gt = _check_length("ground_thickness", ground_thickness) if ground_thickness is not None else t
    if gw < w:
        raise ParameterError(f"ground_width ({gw:g}) must be at least the strip width ({w:g})")
    shapes = [Rectangle(w, t, center=(0.0, d + 0.5 * t)), Rectangle(gw, gt, center=(0.0, -0.5 * gt))]
    geo = _build(shapes, penetration_depth=penetration_depth, spacing=spacing, margin=margin,
                 name=f"microstrip w={w:.4g} t={t:.4g} h={d:.4g} m")
    return _expect(geo, 2, "microstrip")


def coplanar_waveguide(center_width: float, gap: float, thickness: float, *, penetration_depth,
                       spacing: float, ground_width: float | None = None, margin=None) -> Geometry:
    """A coplanar waveguide: a centre strip of ``center_width`` between two grounds of
    ``ground_width`` (default 2 centre widths), separated by ``gap``, all ``thickness`` thick.

    Conductors: ``[left ground, centre, right ground]``. The line inductance (grounds tied)
    is ``sol.line_inductance(signal=1, ground=[0, 2])`` or the solve with currents
    ``[-I/2, I, -I/2]`` (exact by symmetry).
    """
    w = _check_length("center_width", center_width)
    s = _check_length("gap", gap)
    t = _check_length("thickness", thickness)
    gw = _check_length("ground_width", ground_width) if ground_width is not None else 2.0 * w
    xg = 0.5 * w + s + 0.5 * gw
    shapes = [Rectangle(gw, t, center=(-xg, 0.0)), Rectangle(w, t), Rectangle(gw, t, center=(xg, 0.0))]
    geo = _build(shapes, penetration_depth=penetration_depth, spacing=spacing, margin=margin,
                 name=f"CPW w={w:.4g} s={s:.4g} t={t:.4g} m")
    return _expect(geo, 3, "coplanar_waveguide")


def coupled_lines(width: float, separation: float, thickness: float, *, penetration_depth,
                  spacing: float, ground_height: float | None = None,
                  ground_width: float | None = None, margin=None) -> Geometry:
    """Two strips of ``width`` x ``thickness``, ``separation`` apart (edge to edge); with
    ``ground_height``, over a ground plane (width ``ground_width``, default 4 x the pair).

    Conductors: ``[left, right]``, or ``[left, ground, right]`` with a ground plane.
    """
    w = _check_length("width", width)
    s = _check_length("separation", separation)
    t = _check_length("thickness", thickness)
    xc = 0.5 * (w + s)
    shapes = [Rectangle(w, t, center=(-xc, 0.0)), Rectangle(w, t, center=(xc, 0.0))]
    n = 2
    if ground_height is not None:
        d = _check_length("ground_height", ground_height)
        gw = _check_length("ground_width", ground_width) if ground_width is not None else 4.0 * (2 * w + s)
        shapes.append(Rectangle(gw, t, center=(0.0, -0.5 * t - d - 0.5 * t)))
        n = 3
    geo = _build(shapes, penetration_depth=penetration_depth, spacing=spacing, margin=margin,
                 name=f"coupled lines w={w:.4g} s={s:.4g} t={t:.4g} m")
    return _expect(geo, n, "coupled_lines")


def parallel_plates(gap: float, thickness1: float, thickness2: float, *, penetration_depth,
                    spacing: float, period: float | None = None, margin=None) -> Geometry:
    """Two infinite plates (along x, a periodic cell of ``period``, default 4 spacings) of
    ``thickness1`` (below, its top face at y = 0) and ``thickness2`` (above), ``gap`` apart.

    Conductors: ``[lower, upper]``. With currents ``[I, -I]`` the inductance per unit length
    of the cell is mu0 (gap + lambda coth(d1 / lambda) + lambda coth(d2 / lambda)) / period.
    """
    g = _check_length("gap", gap)
    d1 = _check_length("thickness1", thickness1)
    d2 = _check_length("thickness2", thickness2)
    h = _check_length("spacing", spacing)
    P = 4.0 * h if period is None else _check_length("period", period)
    m = _margin(margin, h, math.inf, 0.0) if margin is not None else 4.0 * h
    shapes = [Band(d1, -0.5 * d1), Band(d2, g + 0.5 * d2)]
    geo = Geometry.from_shapes(shapes, penetration_depth=penetration_depth, spacing=h,
                               periodic=(True, False), domain=(0.0, P, -d1 - m, g + d2 + m),
                               name=f"parallel plates gap={g:.4g} d1={d1:.4g} d2={d2:.4g} m")
    return _expect(geo, 2, "parallel_plates")


__all__ = ["Band", "wire", "coax", "strip", "microstrip", "coplanar_waveguide", "coupled_lines",
           "parallel_plates"]
