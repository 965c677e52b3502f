"""Shapes as signed-distance functions, with union, difference and intersection.

A shape is a function phi(x, y) that is negative inside, positive outside and
zero on the boundary; for the primitives |phi| is the Euclidean distance to
the boundary. Combinations use the usual constructive-solid-geometry rules
(union = min, intersection = max, difference = max(a, -b)); they keep the
zero level set exact, which is all the rasterizer needs: it locates the
boundary between cell centres by root finding on phi along each grid link
(see :mod:`fluxoid.meshes.raster`).

Shapes combine with operators::

    washer = Rectangle(4 * um, 4 * um) - Rectangle(1 * um, 1 * um)
    two = Disk(1 * um, center=(-2 * um, 0)) | Disk(1 * um, center=(2 * um, 0))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..checks import finite as _finite
from ..checks import positive as _positive
from ..errors import GeometryError, ParameterError


def _point(name: str, value) -> tuple[float, float]:
    try:
        x, y = value
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a pair (x, y), got {value!r}") from None
    return (_finite(f"{name}[0]", x), _finite(f"{name}[1]", y))


class Shape:
    """Base class: a region of the plane given by its signed distance."""

    def sdf(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed distance at points (negative inside)."""
        raise NotImplementedError

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of a box that contains the shape."""
        raise NotImplementedError

    def contains(self, x, y) -> np.ndarray:
        return self.sdf(np.asarray(x, float), np.asarray(y, float)) < 0.0

    def __or__(self, other: Shape) -> Shape:
        return Union(self, other)

    def __and__(self, other: Shape) -> Shape:
        return Intersection(self, other)

    def __sub__(self, other: Shape) -> Shape:
        return Difference(self, other)

    def translate(self, dx: float, dy: float) -> Shape:
        return Translated(self, _finite("dx", dx), _finite("dy", dy))


class Disk(Shape):
    """A disk of ``radius`` about ``center``: phi = |r - c| - R."""

    def __init__(self, radius: float, center: Sequence[float] = (0.0, 0.0)):
        self.radius = _positive("radius", radius)
        self.center = _point("center", center)

    def sdf(self, x, y):
        return np.hypot(x - self.center[0], y - self.center[1]) - self.radius

    def bounds(self):
        cx, cy = self.center
        r = self.radius
        return (cx - r, cx + r, cy - r, cy + r)

    def __repr__(self) -> str:
        return f"Disk(radius={self.radius:g}, center={self.center})"


class Annulus(Shape):
    """The ring ``inner_radius < |r - c| < outer_radius``."""

    def __init__(self, inner_radius: float, outer_radius: float, center=(0.0, 0.0)):
        self.inner_radius = _positive("inner_radius", inner_radius)
        self.outer_radius = _positive("outer_radius", outer_radius)
        if self.outer_radius <= self.inner_radius:
            raise ParameterError(
                f"outer_radius ({outer_radius:g}) must exceed inner_radius ({inner_radius:g})"
            )
        self.center = _point("center", center)

    def sdf(self, x, y):
        r = np.hypot(x - self.center[0], y - self.center[1])
        return np.maximum(self.inner_radius - r, r - self.outer_radius)

    def bounds(self):
        cx, cy = self.center
        r = self.outer_radius
        return (cx - r, cx + r, cy - r, cy + r)

    def __repr__(self) -> str:
        return f"Annulus({self.inner_radius:g}, {self.outer_radius:g}, center={self.center})"


class Rectangle(Shape):
    """An axis-aligned rectangle of ``width`` x ``height`` about ``center``,
    optionally rotated by ``angle`` (radians) about its centre."""

    def __init__(self, width: float, height: float, center=(0.0, 0.0), angle: float = 0.0):
        self.width = _positive("width", width)
        self.height = _positive("height", height)
        self.center = _point("center", center)
        self.angle = _finite("angle", angle)

    def sdf(self, x, y):
        c, s = math.cos(self.angle), math.sin(self.angle)
        dx, dy = x - self.center[0], y - self.center[1]
        u = np.abs(c * dx + s * dy) - 0.5 * self.width
        v = np.abs(-s * dx + c * dy) - 0.5 * self.height
        outside = np.hypot(np.maximum(u, 0.0), np.maximum(v, 0.0))
        return outside + np.minimum(np.maximum(u, v), 0.0)

    def bounds(self):
        c, s = abs(math.cos(self.angle)), abs(math.sin(self.angle))
        hw = 0.5 * (self.width * c + self.height * s)
        hh = 0.5 * (self.width * s + self.height * c)
        cx, cy = self.center
        return (cx - hw, cx + hw, cy - hh, cy + hh)

    def __repr__(self) -> str:
        return f"Rectangle({self.width:g}, {self.height:g}, center={self.center})"


def _segments_intersect(p1, p2, q1, q2) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


class Polygon(Shape):
    """A simple polygon (no self-intersections) given by its vertices in order."""

    def __init__(self, vertices):
        v = np.asarray(vertices, dtype=float)
        if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
            raise ParameterError(f"vertices must be an (N, 2) array with N >= 3, got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ParameterError("vertices must be finite")
        if np.allclose(v[0], v[-1]):
            v = v[:-1]
        n = len(v)
        for i in range(n):
            for j in range(i + 2, n):
                if i == 0 and j == n - 1:
                    continue
                if _segments_intersect(v[i], v[(i + 1) % n], v[j], v[(j + 1) % n]):
                    raise GeometryError(
                        f"polygon edges {i} and {j} cross: vertices must describe a simple polygon"
                    )
        area = 0.5 * np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
        if abs(area) == 0.0:
            raise ParameterError("vertices enclose no area")
        self.vertices = v

    def sdf(self, x, y):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        v = self.vertices
        d2 = np.full(np.broadcast(x, y).shape, np.inf)
        inside = np.zeros(d2.shape, dtype=bool)
        n = len(v)
        for i in range(n):  # loop over edges, vectorised over points
            ax, ay = v[i]
            bx, by = v[(i + 1) % n]
            ex, ey = bx - ax, by - ay
            wx, wy = x - ax, y - ay
            t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
            d2 = np.minimum(d2, (wx - t * ex) ** 2 + (wy - t * ey) ** 2)
            crosses = ((ay > y) != (by > y)) & (x < ax + (y - ay) * ex / np.where(ey == 0, 1, ey))
            inside ^= crosses
        d = np.sqrt(d2)
        return np.where(inside, -d, d)

    def bounds(self):
        v = self.vertices
        return (v[:, 0].min(), v[:, 0].max(), v[:, 1].min(), v[:, 1].max())

    def __repr__(self) -> str:
        return f"Polygon({len(self.vertices)} vertices)"


class Union(Shape):
    """Points in any of the shapes."""

    def __init__(self, *shapes: Shape):
        if not shapes or not all(isinstance(s, Shape) for s in shapes):
            raise ParameterError("Union needs one or more Shape objects")
        self.shapes = shapes

    def sdf(self, x, y):
        return np.minimum.reduce([s.sdf(x, y) for s in self.shapes])

    def bounds(self):
        b = np.array([s.bounds() for s in self.shapes])
        return (b[:, 0].min(), b[:, 1].max(), b[:, 2].min(), b[:, 3].max())


class Intersection(Shape):
    """Points in all of the shapes."""

    def __init__(self, *shapes: Shape):
        if not shapes or not all(isinstance(s, Shape) for s in shapes):
            raise ParameterError("Intersection needs one or more Shape objects")
        self.shapes = shapes

    def sdf(self, x, y):
        return np.maximum.reduce([s.sdf(x, y) for s in self.shapes])

    def bounds(self):
        b = np.array([s.bounds() for s in self.shapes])
        return (b[:, 0].max(), b[:, 1].min(), b[:, 2].max(), b[:, 3].min())


class Difference(Shape):
    """Points in ``a`` but not in ``b``."""

    def __init__(self, a: Shape, b: Shape):
        if not isinstance(a, Shape) or not isinstance(b, Shape):
            raise ParameterError("Difference needs two Shape objects")
        self.a, self.b = a, b

    def sdf(self, x, y):
        return np.maximum(self.a.sdf(x, y), -self.b.sdf(x, y))

    def bounds(self):
        return self.a.bounds()


class Translated(Shape):
    def __init__(self, shape: Shape, dx: float, dy: float):
        self.shape, self.dx, self.dy = shape, dx, dy

    def sdf(self, x, y):
        return self.shape.sdf(x - self.dx, y - self.dy)

    def bounds(self):
        b = self.shape.bounds()
        return (b[0] + self.dx, b[1] + self.dx, b[2] + self.dy, b[3] + self.dy)


class HalfPlaneStrip(Shape):
    """The infinite strip ``|x - x0| < thickness / 2`` (a slab seen end on)."""

    def __init__(self, thickness: float, x0: float = 0.0):
        self.thickness = _positive("thickness", thickness)
        self.x0 = _finite("x0", x0)

    def sdf(self, x, y):
        return np.abs(np.asarray(x, float) - self.x0) - 0.5 * self.thickness + 0.0 * np.asarray(y)

    def bounds(self):
        t = 0.5 * self.thickness
        return (self.x0 - t, self.x0 + t, -np.inf, np.inf)
