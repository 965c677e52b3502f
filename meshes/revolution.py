"""Bodies of revolution: an (r, z) cross-section rotated about the z axis.

A body of revolution is given by shapes in the half plane r >= 0 (the
:mod:`fluxoid.meshes.shapes` primitives and their CSG combinations, with x
read as r and y as z). It is rasterized onto a grid of *nodes*

    r_i = (i + 1) h,  i = 0 .. nr - 1        z_j = z_lo + (j + 1) h,  j = 0 .. nz - 1

inside the box ``0 <= r <= r_box = (nr + 1) h``, ``z_lo <= z <= z_hi = z_lo + (nz + 1) h``.
The nodes on the axis (r = 0, where the flux function vanishes) and on the
box's outer edges are boundary nodes and carry no unknown. Each node's share
of the body (``fraction``) is the integral of the body's indicator times the
node's bilinear hat function, over h^2 (:func:`hat_shares`, the lumped
finite-element mass), for nodes centred just outside the body as well: the
shares sum to the body's area, and integrals over the body converge at a
clean second order whatever the surface's offset within a cell.

Topology: the superconducting nodes (fraction > 0) fall into 4-connected
components. A component that crosses the axis is a solid body (a sphere, a
disk, a cylinder: simply connected in 3D, no fluxoid number); every other
component is a ring (a torus topologically), which carries its own fluxoid
number n_k.

The grid is a :class:`~fluxoid.meshes.grid.Grid` whose "cell centres" are the
nodes (origin ``(h/2, z_lo + h/2)``), so the raster and kernel layers are
shared with the 2D cross-sections.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np
from scipy import ndimage

from ..errors import FluxoidWarning, GeometryError, ParameterError
from .geometry import _check_length
from .grid import Grid
from .shapes import Disk, Rectangle, Shape, Union

#: Fewest cells between the body and the box's outer edges. The open boundary
#: is exact (the field of the currents is imposed there), so the box can be
#: tight; a few cells keep the quadrature of the currents' field accurate.
MIN_GAP_CELLS = 4


@nb.njit(cache=True)
def _clip_moments(p, nx, ny):
    """Moments (A, Sx, Sy, Sxy) of the part of the unit square where
    p + nx (x - 1/2) + ny (y - 1/2) < 0 (a polygon clip and Green's theorem)."""
    sx = np.array([0.0, 1.0, 1.0, 0.0])
    sy = np.array([0.0, 0.0, 1.0, 1.0])
    px = np.empty(8)
    py = np.empty(8)
    n = 0
    for k in range(4):
        x0, y0 = sx[k], sy[k]
        x1, y1 = sx[(k + 1) % 4], sy[(k + 1) % 4]
        f0 = p + nx * (x0 - 0.5) + ny * (y0 - 0.5)
        f1 = p + nx * (x1 - 0.5) + ny * (y1 - 0.5)
        if f0 < 0.0:
            px[n] = x0
            py[n] = y0
            n += 1
        if (f0 < 0.0) != (f1 < 0.0):
            t = f0 / (f0 - f1)
            px[n] = x0 + t * (x1 - x0)
            py[n] = y0 + t * (y1 - y0)
            n += 1
    A = 0.0
    Sx = 0.0
    Sy = 0.0
    Sxy = 0.0
    for k in range(n):
        x0, y0 = px[k], py[k]
        x1, y1 = px[(k + 1) % n], py[(k + 1) % n]
        c = x0 * y1 - x1 * y0
        A += c
        Sx += (x0 + x1) * c
        Sy += (y0 + y1) * c
        Sxy += (x0 * y1 + 2.0 * x0 * y0 + 2.0 * x1 * y1 + x1 * y0) * c
    return A / 2.0, Sx / 6.0, Sy / 6.0, Sxy / 24.0


@nb.njit(cache=True)
def _hat_shares(phi, gx, gy, out):
    """out[i, j] = integral of chi times the bilinear hat of node (i, j), in units of h^2.

    ``phi, gx, gy`` (nr + 1, nz + 1): signed distance (in cells) and unit normal at the
    centres of the cells whose corners are nodes; cell (a, b) has corner nodes
    (a - 1 .. a, b - 1 .. b) (index -1 and nr / nz are boundary nodes, skipped).
    """
    na, nb_ = phi.shape
    nr, nz = out.shape
    half_diag = 0.7072
    for a in range(na):
        for b in range(nb_):
            p = phi[a, b]
            if p >= half_diag:
                continue
            if p <= -half_diag:
                w00 = 0.25
                w10 = 0.25
                w01 = 0.25
                w11 = 0.25
            else:
                A, Sx, Sy, Sxy = _clip_moments(p, gx[a, b], gy[a, b])
                w00 = A - Sx - Sy + Sxy
                w10 = Sx - Sxy
                w01 = Sy - Sxy
                w11 = Sxy
            for di in range(2):
                i = a - 1 + di
                if i < 0 or i >= nr:
                    continue
                for dj in range(2):
                    j = b - 1 + dj
                    if j < 0 or j >= nz:
                        continue
                    if di == 0 and dj == 0:
                        out[i, j] += w00
                    elif di == 1 and dj == 0:
                        out[i, j] += w10
                    elif di == 0:
                        out[i, j] += w01
                    else:
                        out[i, j] += w11


def hat_shares(sdf, grid: Grid) -> np.ndarray:
    """Each node's share of superconductor: the integral of the body's indicator times the
    node's bilinear hat function (support 2h x 2h), divided by h^2.

    This is the lumped Q1 mass of the body: with it, the mass term's truncation error at the
    surface has no dipole part whatever the surface's offset within a cell, so integrals over
    the body converge at a clean second order (a plain area fraction of the node's square
    leaves an O(h^2) error that jumps with that offset). The body is cut, cell by cell, by
    the tangent plane of its signed distance at the cell centre (exact for straight edges,
    O(h^3) per cell on curved ones), and the moments of the clipped polygon give the integral
    of the bilinear weights exactly.
    """
    h = grid.spacing
    nr, nz = grid.shape
    rc = (np.arange(nr + 1) + 0.5) * h
    zc = grid.origin[1] - 0.5 * h + (np.arange(nz + 1) + 0.5) * h
    R, Z = np.meshgrid(rc, zc, indexing="ij")
    phi = sdf(R, Z) / h
    gx = np.zeros_like(phi)
    gy = np.zeros_like(phi)
    near = np.abs(phi) < 0.75
    if near.any():
        e = 1e-3 * h
        x, y = R[near], Z[near]
        ddx = (sdf(x + e, y) - sdf(x - e, y)) / (2 * e)
        ddy = (sdf(x, y + e) - sdf(x, y - e)) / (2 * e)
        g = np.hypot(ddx, ddy)
        g = np.where(g > 0, g, 1.0)
        gx[near] = ddx / g
        gy[near] = ddy / g
        phi[near] = phi[near] / g
    out = np.zeros((nr, nz))
    _hat_shares(np.ascontiguousarray(phi), gx, gy, out)
    return out


@dataclass(frozen=True, eq=False)
class Ring:
    """A superconducting ring (a body of revolution with a hole through it).

    Attributes
    ----------
    index : int
        Position in ``RevolutionGeometry.rings`` (inner to outer, bottom to top).
    mask : ndarray of bool (nr, nz)
        The nodes that belong to the ring.
    area : float
        Area of the ring's (r, z) cross-section (m^2).
    centroid : (float, float)
        (r, z) centroid of the cross-section (m).
    inner_point : (float, float)
        The innermost point of the cross-section on the line z = centroid z (m):
        the hole flux is the flux through the circle through this point.
    """

    index: int
    mask: np.ndarray
    area: float
    centroid: tuple[float, float]
    inner_point: tuple[float, float]

    @property
    def inner_radius(self) -> float:
        return self.inner_point[0]

    def __repr__(self) -> str:
        r, z = self.centroid
        return (f"Ring({self.index}, inner_radius={self.inner_radius:.4g} m, "
                f"centroid=({r:.4g}, {z:.4g}) m, area={self.area:.4g} m^2)")


@dataclass(frozen=True)
class Coil:
    """A coaxial circular current loop (a field coil or a pickup loop).

    Parameters
    ----------
    radius : float
        Loop radius (m).
    z : float
        Height of the loop (m).
    current : float
        Current (A), positive counter-clockwise seen from +z (along +phi).
    """

    radius: float
    z: float
    current: float = 1.0

    @classmethod
    def make(cls, value, k: int = 0) -> Coil:
        if isinstance(value, Coil):
            value = (value.radius, value.z, value.current)
        try:
            t = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ParameterError(
                f"coils[{k}] must be (radius, z) or (radius, z, current) or a Coil, got {value!r}"
            ) from None
        if len(t) == 2:
            t = t + (1.0,)
        if len(t) != 3 or not all(math.isfinite(v) for v in t):
            raise ParameterError(
                f"coils[{k}] must be (radius, z) or (radius, z, current) with finite values, got {value!r}"
            )
        if t[0] <= 0.0:
            raise ParameterError(f"coils[{k}]: the loop radius must be positive, got {t[0]!r} m")
        return cls(*t)


def _lambda_nodes(penetration_depth, shapes, body_sdf, R, Z, active) -> np.ndarray:
    """lambda (m) on every superconducting node (NaN elsewhere).

    A node centred just outside the body (a partial cell) takes the value of
    the shape it is closest to.
    """
    if callable(penetration_depth):
        lam = np.broadcast_to(np.asarray(penetration_depth(R, Z), dtype=float), R.shape).copy()
    elif np.ndim(penetration_depth) == 0:
        lam = np.full(R.shape, _check_length("penetration_depth", penetration_depth))
    else:
        vals = np.asarray(penetration_depth, dtype=float).ravel()
        if vals.size != len(shapes):
            raise ParameterError(
                f"penetration_depth has {vals.size} values for {len(shapes)} shapes: give one "
                "value, one per shape, or a function of (r, z)"
            )
        if not np.all(np.isfinite(vals)) or np.any(vals <= 0):
            raise ParameterError(f"penetration_depth values must be positive and finite, got {vals}")
        d = np.stack([s.sdf(R, Z) for s in shapes])
        lam = vals[np.argmin(d, axis=0)]
    lam = np.where(active, lam, np.nan)
    if np.any(~np.isfinite(lam[active])) or np.any(lam[active] <= 0):
        raise ParameterError("penetration_depth must be positive and finite inside the superconductor")
    return lam


def _inner_point(sdf, rc: float, zc: float, h: float, mask, r_nodes, j_row) -> tuple[float, float]:
    """Innermost boundary point of a ring on the line z = zc (bisection on the sdf)."""
    if sdf is None:
        cols = np.nonzero(mask[:, j_row])[0]
        return (float(r_nodes[cols.min()] - 0.5 * h) if cols.size else rc, zc)
    # walk inward from the centroid's row start to the first outside point
    rr = np.arange(rc, -h, -0.25 * h)
    rr = np.clip(rr, 0.0, None)
    phi = sdf(rr, np.full_like(rr, zc))
    inside_seen = np.nonzero(phi < 0)[0]
    if inside_seen.size == 0:
        return (rc, zc)
    k0 = inside_seen[0]
    out = np.nonzero(phi[k0:] >= 0)[0]
    if out.size == 0:
        return (0.0, zc)
    k1 = k0 + out[0]
    lo, hi = rr[k1 - 1], rr[k1]  # lo inside, hi outside (hi < lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if sdf(np.array([mid]), np.array([zc]))[0] < 0:
            lo = mid
        else:
            hi = mid
    return (float(0.5 * (lo + hi)), zc)


class RevolutionGeometry:
    """A body (or bodies) of revolution on an (r, z) grid with an open boundary.

    Build one with :meth:`from_shapes` or a ready constructor
    (:func:`sphere`, :func:`tube`, :func:`ring`, :func:`torus`, :func:`disk`,
    :func:`finite_cylinder`, :func:`thin_film_ring`, :func:`ring_stack`).

    Attributes
    ----------
    dimension : str
        ``"rz"``: :func:`fluxoid.solve` dispatches on it.
    grid : Grid
        The node grid (its cell centres are the nodes r_i, z_j).
    r, z : ndarray
        Node coordinates (m).
    box : (float, float, float)
        (r_box, z_lo, z_hi): the outer edges where the open boundary is imposed (m).
    fraction : ndarray (nr, nz)
        Each node's share of the superconductor: integral of the body's indicator times the
        node's bilinear hat function, over h^2 (0 to 1).
    superconductor : ndarray of bool (nr, nz)
        Nodes with a share of superconductor (fraction > 0): where current flows.
    penetration_depth : ndarray (nr, nz)
        lambda (m) on superconducting nodes, NaN elsewhere.
    sdf : ndarray (nr, nz)
        Signed distance at the nodes (m, negative inside).
    rings : tuple of Ring
        The components with a hole (each takes a fluxoid number).
    solids : tuple of ndarray
        Masks of the components that cross the axis (no hole, no fluxoid number).
    """

    dimension = "rz"

    def __init__(self, grid: Grid, fraction: np.ndarray, penetration_depth: np.ndarray, *,
                 sdf_values: np.ndarray, on_axis: np.ndarray, sdf: Callable | None = None,
                 shapes: Sequence[Shape] = (), name: str = "body of revolution",
                 inner_points: Sequence | None = None):
        self.grid = grid
        self.name = name
        self.shapes = tuple(shapes)
        self._sdf_func = sdf
        h = grid.spacing
        self.fraction = np.asarray(fraction, dtype=float)
        if self.fraction.shape != grid.shape:
            raise GeometryError(f"fraction has shape {self.fraction.shape}, grid is {grid.shape}")
        sc = self.fraction > 0.0
        if not sc.any():
            raise GeometryError(
                "no superconductor on the grid: the shapes cover no node; check their size "
                "against the spacing"
            )
        if sc[-1, :].any() or sc[:, 0].any() or sc[:, -1].any():
            raise GeometryError(
                "the superconductor reaches the edge of the box: use a larger padding (box)"
            )
        self.superconductor = sc
        self.sdf = np.asarray(sdf_values, dtype=float)
        self.on_axis = np.asarray(on_axis, dtype=bool)
        lam = np.asarray(penetration_depth, dtype=float)
        if lam.shape != grid.shape or np.any(~np.isfinite(lam[sc])) or np.any(lam[sc] <= 0):
            raise ParameterError("penetration_depth must be positive and finite on every "
                                 "superconducting node")
        self.penetration_depth = np.where(sc, lam, np.nan)
        lmin = float(np.nanmin(self.penetration_depth))
        if h > 0.5 * lmin:
            warnings.warn(
                f"spacing {h:.3g} m is more than half the penetration depth {lmin:.3g} m: the "
                "screening currents are under-resolved; use spacing <= penetration_depth / 4 "
                "for percent accuracy",
                FluxoidWarning,
                stacklevel=3,
            )
        self._label(inner_points)

    # -- topology ---------------------------------------------------------------------------
    def _label(self, inner_points) -> None:
        sc = self.superconductor
        h = self.grid.spacing
        labels, n = ndimage.label(sc)  # 4-connectivity: the stencil's links
        axial = set(int(v) for v in np.unique(labels[0, self.on_axis]) if v > 0)
        self.solids = tuple(labels == k for k in sorted(axial))
        R, Z = self.grid.meshgrid()
        found = []
        for k in range(1, n + 1):
            if k in axial:
                continue
            m = labels == k
            w = self.fraction[m]
            area = float(np.sum(w)) * h * h
            rc = float(np.sum(w * R[m]) / np.sum(w))
            zc = float(np.sum(w * Z[m]) / np.sum(w))
            if m[0, :].any():
                raise GeometryError(
                    f"a ring (centroid r={rc:.4g} m, z={zc:.4g} m) reaches the first node off the "
                    "axis: its hole is not resolved; use a spacing below half the ring's inner "
                    "radius"
                )
            found.append((round(rc / h), zc, rc, m, area))
        found.sort(key=lambda t: (t[0], t[1]))
        rings = []
        for i, (_, zc, rc, m, area) in enumerate(found):
            if inner_points is not None:
                ip = tuple(float(v) for v in inner_points[i])
            else:
                j = int(np.argmin(np.abs(self.z - zc)))
                ip = _inner_point(self._sdf_func, rc, zc, h, m, self.r, j)
            rings.append(Ring(i, m, area, (rc, zc), ip))
        self.rings = tuple(rings)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_shapes(cls, shapes: Shape | Sequence[Shape], *, penetration_depth, spacing: float,
                    padding: float | None = None, box: tuple[float, float, float] | None = None,
                    name: str = "body of revolution") -> RevolutionGeometry:
        """Rasterize the (r, z) cross-section of one or more bodies of revolution.

        Parameters
        ----------
        shapes : Shape or sequence of Shape
            Cross-sections in the (r, z) half plane (x read as r, y as z). A
            shape that reaches r < 0 must be mirror symmetric about the axis
            (a disk centred on it, say): its part at r >= 0 is revolved.
        penetration_depth : float, sequence of float, or callable
            lambda (m): one value, one per shape, or a function lambda(r, z).
        spacing : float
            Grid spacing h (m).
        padding : float, optional
            Gap between the body's bounding box and the box's outer edges (m);
            default half the body's largest radius (at least 4 cells). The open
            boundary is exact, so the box need not be large.
        box : (r_box, z_lo, z_hi), optional
            The box itself, instead of ``padding``.
        """
        h = _check_length("spacing", spacing)
        if isinstance(shapes, Shape):
            shapes = [shapes]
        shapes = list(shapes)
        if not shapes or not all(isinstance(s, Shape) for s in shapes):
            raise ParameterError("shapes must be a Shape or a non-empty sequence of Shape objects")
        body = shapes[0] if len(shapes) == 1 else Union(*shapes)
        b = body.bounds()
        if not all(math.isfinite(v) for v in b):
            raise GeometryError("the shapes are unbounded: a body of revolution must be finite")
        if b[1] <= 0.0:
            raise GeometryError(
                "the cross-section lies at r <= 0: give shapes in the half plane r > 0 "
                "(x is the distance from the axis)"
            )
        _check_axis(body, b, h)
        rmax, zmin, zmax = b[1], b[2], b[3]
        gap_min = MIN_GAP_CELLS * h
        if box is None:
            if padding is None:
                pad = max(0.5 * rmax, gap_min + h)
            else:
                pad = _check_length("padding", padding)
                if pad < gap_min:
                    raise GeometryError(
                        f"padding={pad:.4g} m leaves less than {MIN_GAP_CELLS} cells "
                        f"({gap_min:.4g} m) between the body and the box edge: the box is too "
                        "small to hold the body and the layer where its field is resolved; "
                        f"use padding >= {gap_min:.4g} m"
                    )
            r_box = rmax + pad
            z_lo, z_hi = zmin - pad, zmax + pad
        else:
            try:
                r_box, z_lo, z_hi = (float(v) for v in box)
            except (TypeError, ValueError):
                raise ParameterError(f"box must be (r_box, z_lo, z_hi) in metres, got {box!r}") from None
            if not (r_box - rmax >= gap_min and zmin - z_lo >= gap_min and z_hi - zmax >= gap_min):
                raise GeometryError(
                    f"box={tuple(box)} is too small to hold the body (r <= {rmax:.4g} m, "
                    f"{zmin:.4g} <= z <= {zmax:.4g} m) with {MIN_GAP_CELLS} cells "
                    f"({gap_min:.4g} m) to spare on every side; enlarge the box"
                )
        n_r = int(math.ceil(r_box / h - 1e-9))  # r_box = n_r h
        n_z = int(math.ceil((z_hi - z_lo) / h - 1e-9))
        zmid = 0.5 * (z_lo + z_hi)
        z_lo = zmid - 0.5 * n_z * h
        grid = Grid(n_r - 1, n_z - 1, h, (0.5 * h, z_lo + 0.5 * h))
        R, Z = grid.meshgrid()
        phi = body.sdf(R, Z)
        frac = hat_shares(body.sdf, grid)
        frac = np.where(frac > 1e-12, frac, 0.0)
        active = frac > 0.0
        lam = _lambda_nodes(penetration_depth, shapes, body.sdf, R, Z, active)
        on_axis = body.sdf(np.zeros(grid.ny), grid.y) < 0.0
        return cls(grid, frac, lam, sdf_values=phi, on_axis=on_axis, sdf=body.sdf, shapes=shapes,
                   name=name)

    # -- conveniences -----------------------------------------------------------------------
    @property
    def spacing(self) -> float:
        return self.grid.spacing

    @property
    def r(self) -> np.ndarray:
        """Node radii r_i = (i + 1) h (m)."""
        return self.grid.x

    @property
    def z(self) -> np.ndarray:
        """Node heights (m)."""
        return self.grid.y

    @property
    def box(self) -> tuple[float, float, float]:
        """(r_box, z_lo, z_hi): where the open boundary is imposed (m)."""
        h = self.grid.spacing
        z_lo = self.grid.origin[1] - 0.5 * h
        return ((self.grid.nx + 1) * h, z_lo, z_lo + (self.grid.ny + 1) * h)

    @property
    def n_rings(self) -> int:
        return len(self.rings)

    @property
    def holes(self) -> tuple[Ring, ...]:
        """The rings (each ring's hole is what its fluxoid number belongs to)."""
        return self.rings

    @property
    def volume(self) -> float:
        """Volume of the superconductor (m^3), 2 pi sum r fraction h^2."""
        R, _ = self.grid.meshgrid()
        return float(2.0 * np.pi * np.sum(R * self.fraction) * self.grid.spacing**2)

    def contains(self, r, z) -> np.ndarray:
        """Whether points (r, z) lie inside the superconductor."""
        r = np.abs(np.asarray(r, float))
        z = np.asarray(z, float)
        if self._sdf_func is not None:
            return self._sdf_func(r, z) < 0.0
        from scipy.interpolate import RegularGridInterpolator

        f = RegularGridInterpolator((self.r, self.z), self.sdf, bounds_error=False,
                                    fill_value=1.0)
        rr, zz = np.broadcast_arrays(r, z)
        return f(np.stack([rr.ravel(), zz.ravel()], -1)).reshape(rr.shape) < 0.0

    def __repr__(self) -> str:
        lam = np.nanmin(self.penetration_depth)
        rb, zl, zh = self.box
        return (f"RevolutionGeometry({self.name!r}, grid {self.grid.nx} x {self.grid.ny}, "
                f"spacing={self.spacing:.3g} m, box r<={rb:.3g} m, {zl:.3g}<=z<={zh:.3g} m, "
                f"penetration_depth>={lam:.3g} m, rings={self.n_rings}, solids={len(self.solids)})")


def _check_axis(body: Shape, bounds, h: float) -> None:
    """A cross-section reaching r < 0 must be the mirror image of its part at r > 0."""
    if bounds[0] >= 0.0:
        return
    w = -bounds[0]
    rr = np.linspace(0.0, w, 33)[1:]
    zz = np.linspace(bounds[2], bounds[3], 65)
    R, Z = np.meshgrid(rr, zz, indexing="ij")
    a = body.sdf(R, Z) < 0.0
    b = body.sdf(-R, Z) < 0.0
    if np.any(a != b):
        raise GeometryError(
            "the cross-section crosses the axis r = 0 without being symmetric about it: a body of "
            "revolution is given by its half section r >= 0; a ring needs inner_radius > 0"
        )


# -- ready geometries ---------------------------------------------------------------------------

def _expect_rings(geo: RevolutionGeometry, n: int, what: str, hint: str) -> RevolutionGeometry:
    if geo.n_rings != n:
        raise GeometryError(
            f"{what} should have {n} ring(s) but the grid resolves {geo.n_rings}: {hint}"
        )
    return geo


def _thick_enough(name: str, value: float, h: float, what: str) -> None:
    if value < 2.0 * h:
        raise GeometryError(
            f"{name}={value:.4g} m is less than two grid spacings ({2 * h:.4g} m): the {what} is "
            f"not resolved; use spacing <= {name} / 2"
        )


def revolution(shapes, *, penetration_depth, spacing: float, padding=None, box=None,
               name: str = "body of revolution") -> RevolutionGeometry:
    """A body of revolution from (r, z) shapes; see :meth:`RevolutionGeometry.from_shapes`."""
    return RevolutionGeometry.from_shapes(shapes, penetration_depth=penetration_depth,
                                          spacing=spacing, padding=padding, box=box, name=name)


def sphere(radius: float, *, penetration_depth, spacing: float, padding=None,
           center_z: float = 0.0) -> RevolutionGeometry:
    """A solid sphere of ``radius`` centred on the axis at height ``center_z``.

    The default box reaches 1.5 radii (padding = radius / 2).
    """
    R = _check_length("radius", radius)
    h = _check_length("spacing", spacing)
    _thick_enough("radius", R, h, "sphere")
    return RevolutionGeometry.from_shapes(
        Disk(R, center=(0.0, float(center_z))), penetration_depth=penetration_depth, spacing=h,
        padding=padding, name=f"sphere R = {R / 1e-6:.4g} um")


def finite_cylinder(radius: float, length: float, *, penetration_depth, spacing: float,
                    padding=None, center_z: float = 0.0) -> RevolutionGeometry:
    """A solid cylinder of ``radius`` and ``length`` on the axis (a rod, or a disk when short)."""
    R = _check_length("radius", radius)
    L = _check_length("length", length)
    h = _check_length("spacing", spacing)
    _thick_enough("length", L, h, "cylinder")
    _thick_enough("radius", R, h, "cylinder")
    return RevolutionGeometry.from_shapes(
        Rectangle(2.0 * R, L, center=(0.0, float(center_z))), penetration_depth=penetration_depth,
        spacing=h, padding=padding, name=f"cylinder R = {R / 1e-6:.4g} um l = {L / 1e-6:.4g} um")


def disk(radius: float, thickness: float, *, penetration_depth, spacing: float, padding=None,
         center_z: float = 0.0) -> RevolutionGeometry:
    """A flat disk (a thin solid cylinder) of ``radius`` and ``thickness``."""
    geo = finite_cylinder(radius, thickness, penetration_depth=penetration_depth, spacing=spacing,
                          padding=padding, center_z=center_z)
    geo.name = f"disk R={radius:.4g} m d={thickness:.4g} m"
    return geo


def _annulus_args(inner_radius, outer_radius):
    if isinstance(inner_radius, (int, float)) and math.isfinite(float(inner_radius)) and float(
        inner_radius
    ) <= 0.0:
        raise ParameterError(
            f"inner_radius must be positive, got {inner_radius!r}: a ring whose inner radius is "
            "<= 0 crosses the axis (for a body without a hole use disk or finite_cylinder)"
        )
    a = _check_length("inner_radius", inner_radius)
    b = _check_length("outer_radius", outer_radius)
    if b <= a:
        raise ParameterError(f"outer_radius ({b:g} m) must exceed inner_radius ({a:g} m)")
    return a, b


def _rectangular_ring(inner_radius, outer_radius, height, height_name, kind, width_name, label, *,
                      penetration_depth, spacing, padding, center_z) -> RevolutionGeometry:
    # a < r < b, |z - center_z| < height / 2: the cross-section of a tube or a ring
    a, b = _annulus_args(inner_radius, outer_radius)
    t = _check_length(height_name, height)
    h = _check_length("spacing", spacing)
    _thick_enough(height_name, t, h, kind)
    _thick_enough("outer_radius - inner_radius", b - a, h, width_name)
    geo = RevolutionGeometry.from_shapes(
        Rectangle(b - a, t, center=(0.5 * (a + b), float(center_z))),
        penetration_depth=penetration_depth, spacing=h, padding=padding,
        name=f"{kind} a = {a / 1e-6:.4g} um b = {b / 1e-6:.4g} um {label} = {t / 1e-6:.4g} um")
    return _expect_rings(geo, 1, kind, "use a spacing below half the inner radius")


def tube(inner_radius: float, outer_radius: float, length: float, *, penetration_depth,
         spacing: float, padding=None, center_z: float = 0.0) -> RevolutionGeometry:
    """A finite hollow cylinder a < r < b, |z - center_z| < length / 2: one ring."""
    return _rectangular_ring(inner_radius, outer_radius, length, "length", "tube", "tube wall", "l",
                             penetration_depth=penetration_depth, spacing=spacing,
                             padding=padding, center_z=center_z)


def ring(inner_radius: float, outer_radius: float, thickness: float, *, penetration_depth,
         spacing: float, padding=None, center_z: float = 0.0) -> RevolutionGeometry:
    """A ring (washer) of rectangular cross-section: a < r < b, |z - center_z| < thickness / 2.

    A thin film when ``thickness`` is small (down to a tenth of the penetration
    depth and below, as long as the spacing resolves it: spacing <= thickness / 2).
    """
    return _rectangular_ring(inner_radius, outer_radius, thickness, "thickness", "ring",
                             "ring's width", "d", penetration_depth=penetration_depth,
                             spacing=spacing, padding=padding, center_z=center_z)


def thin_film_ring(inner_radius: float, outer_radius: float, thickness: float, *,
                   penetration_depth, spacing: float | None = None, padding=None,
                   center_z: float = 0.0) -> RevolutionGeometry:
    """A thin-film washer: :func:`ring` with the spacing defaulting to thickness / 4."""
    t = _check_length("thickness", thickness)
    h = 0.25 * t if spacing is None else spacing
    geo = ring(inner_radius, outer_radius, t, penetration_depth=penetration_depth, spacing=h,
               padding=padding, center_z=center_z)
    geo.name = "thin-film " + geo.name
    return geo


def torus(major_radius: float, minor_radius: float, *, penetration_depth, spacing: float,
          padding=None, center_z: float = 0.0) -> RevolutionGeometry:
    """A ring of circular cross-section (a torus; a wire loop when thin)."""
    R = _check_length("major_radius", major_radius)
    a = _check_length("minor_radius", minor_radius)
    if a >= R:
        raise ParameterError(
            f"minor_radius ({a:g} m) must be less than major_radius ({R:g} m): otherwise the torus "
            "crosses the axis and has no hole"
        )
    h = _check_length("spacing", spacing)
    _thick_enough("minor_radius", a, h, "wire")
    geo = RevolutionGeometry.from_shapes(
        Disk(a, center=(R, float(center_z))), penetration_depth=penetration_depth, spacing=h,
        padding=padding, name=f"torus R = {R / 1e-6:.4g} um a = {a / 1e-6:.4g} um")
    return _expect_rings(geo, 1, "torus", "use a spacing below half of major_radius - minor_radius")


def ring_stack(inner_radius: float, outer_radius: float, thickness: float, heights, *,
               penetration_depth, spacing: float, padding=None) -> RevolutionGeometry:
    """Coaxial rings of the same rectangular cross-section at the given ``heights`` (m).

    Each ring takes its own fluxoid number (rings are ordered bottom to top).
    """
    a, b = _annulus_args(inner_radius, outer_radius)
    t = _check_length("thickness", thickness)
    h = _check_length("spacing", spacing)
    _thick_enough("thickness", t, h, "ring")
    try:
        zs = sorted(float(v) for v in heights)
    except (TypeError, ValueError):
        raise ParameterError(f"heights must be a sequence of numbers (m), got {heights!r}") from None
    if not zs:
        raise ParameterError("heights must hold at least one ring height")
    for z0, z1 in zip(zs[:-1], zs[1:], strict=True):
        if z1 - z0 - t < 2.0 * h:
            raise GeometryError(
                f"rings at z={z0:.4g} m and z={z1:.4g} m are closer than thickness + 2 spacings: "
                "they would merge on the grid; space the heights further apart or refine spacing"
            )
    shapes = [Rectangle(b - a, t, center=(0.5 * (a + b), z)) for z in zs]
    geo = RevolutionGeometry.from_shapes(shapes, penetration_depth=penetration_depth, spacing=h,
                                         padding=padding,
                                         name=f"stack of {len(zs)} rings a = {a / 1e-6:.4g} um "
                                              f"b = {b / 1e-6:.4g} um")
    return _expect_rings(geo, len(zs), "ring_stack", "use a finer spacing")


__all__ = [
    "RevolutionGeometry", "Ring", "Coil", "revolution", "sphere", "finite_cylinder", "disk", "tube",
    "ring", "thin_film_ring", "torus", "ring_stack", "MIN_GAP_CELLS",
]
