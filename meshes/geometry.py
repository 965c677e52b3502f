"""The rasterized cross-section that every 2D formulation works on."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..checks import positive as _check_length
from ..errors import FluxoidWarning, GeometryError, ParameterError
from .grid import Grid
from .raster import area_fractions, crossing_fractions, sample_sdf
from .shapes import Shape, Union
from .topology import OUTSIDE, SUPERCONDUCTOR, adjacent_vacuum, label_regions


@dataclass(frozen=True, eq=False)
class Hole:
    """A vacuum region enclosed by superconductor.

    Attributes
    ----------
    index : int
        Position in ``Geometry.holes`` (left to right, then bottom to top).
    area : float
        Area of the hole (m^2), with the boundary's sub-cell position.
    centroid : tuple of float
        Centre of the hole's cells (m).
    mask : ndarray of bool
        The grid cells whose centres lie in the hole (made from the geometry's
        region labels when asked for: a geometry with many holes keeps no
        grid-sized array per hole).
    """

    index: int
    area: float
    centroid: tuple[float, float]
    _region: np.ndarray = field(repr=False)

    @property
    def mask(self) -> np.ndarray:
        return self._region == self.index + 1

    def __repr__(self) -> str:
        cx, cy = self.centroid
        return f"Hole({self.index}, area={self.area:.4g} m^2, centroid=({cx:.4g}, {cy:.4g}) m)"


class Geometry:
    """A cross-section of long superconductors on a uniform grid.

    Build one with :meth:`from_shapes`, :func:`fluxoid.meshes.from_mask` or a
    ready constructor (:func:`fluxoid.meshes.hollow_cylinder`, ...).

    Attributes
    ----------
    grid : Grid
    superconductor : ndarray of bool, (nx, ny)
        Cells whose centres lie in a superconductor.
    region : ndarray of int32, (nx, ny)
        -1 outside vacuum, 0 superconductor, k + 1 for hole k.
    penetration_depth : ndarray, (nx, ny)
        lambda (m) in superconducting cells, NaN elsewhere.
    coherence_length : float or None
        xi (m), the vortex core radius, where known.
    theta : ndarray, (4, nx, ny)
        Boundary crossing fraction of each link (+x, -x, +y, -y) from a
        superconducting centre to a vacuum one; 1 elsewhere.
    fraction : ndarray, (nx, ny)
        Area fraction of each cell inside the superconductor.
    sdf : ndarray, (nx, ny)
        Signed distance of each centre to the boundary (m, negative inside).
    holes : tuple of Hole
    """

    dimension = 2

    def __init__(
        self,
        grid: Grid,
        superconductor: np.ndarray,
        penetration_depth: np.ndarray,
        *,
        sdf: Callable | None = None,
        shapes: Sequence[Shape] = (),
        coherence_length: float | None = None,
        name: str = "cross-section",
        precomputed: dict | None = None,
    ):
        self.grid = grid
        self.name = name
        self.shapes = tuple(shapes)
        sc = np.asarray(superconductor, dtype=bool)
        if sc.shape != grid.shape:
            raise GeometryError(f"superconductor mask has shape {sc.shape}, grid is {grid.shape}")
        if not sc.any():
            raise GeometryError(
                "no superconductor on the grid: the shapes (or mask) cover no cell centre; "
                "check their size against the spacing"
            )
        px, py = grid.periodic
        touching = (not px and (sc[0, :].any() or sc[-1, :].any())) or (
            not py and (sc[:, 0].any() or sc[:, -1].any())
        )
        if touching:
            raise GeometryError(
                "the superconductor touches a non-periodic edge of the domain: leave at least one "
                "vacuum cell around it, or make that axis periodic (periodic=(True, False), ...)"
            )
        self.superconductor = sc
        lam = np.asarray(penetration_depth, dtype=float)
        if lam.shape != grid.shape:
            raise GeometryError(f"penetration_depth array has shape {lam.shape}, grid is {grid.shape}")
        lam_sc = lam[sc]
        if not np.all(np.isfinite(lam_sc)) or np.any(lam_sc <= 0):
            raise ParameterError(
                "penetration_depth must be positive and finite in every superconducting cell"
            )
        self.penetration_depth = np.where(sc, lam, np.nan)
        if coherence_length is not None:
            coherence_length = _check_length("coherence_length", coherence_length)
        self.coherence_length = coherence_length
        h = grid.spacing
        lmin = float(lam_sc.min())
        if h > 0.5 * lmin:
            warnings.warn(
                f"spacing {h:.3g} m is more than half the penetration depth {lmin:.3g} m: the "
                "screening currents are under-resolved; use spacing <= penetration_depth / 4 "
                "for percent accuracy",
                FluxoidWarning,
                stacklevel=3,
            )
        X, Y = grid.meshgrid()
        self._sdf_func = sdf
        pre = precomputed or {}
        # exact signed distances are made on first use (plots, users); the
        # rasterization needs them only near the boundary, where "phi" (from
        # raster.sample_sdf) is exact
        self._sdf = np.asarray(pre["sdf"], dtype=float) if "sdf" in pre else None
        if "theta" in pre and "fraction" in pre:
            self.theta = np.asarray(pre["theta"], dtype=np.float32)
            self.fraction = np.asarray(pre["fraction"], dtype=float)
        else:
            phi = pre.get("phi", self._sdf)
            if sdf is not None and phi is None:
                phi = sdf(X, Y)
            self.theta = crossing_fractions(sdf, X, Y, h, sc, grid.periodic)
            self.fraction = area_fractions(sdf, X, Y, h, sc, phi=phi)
        self.region, centre = label_regions(sc, grid.periodic, h)
        nh = len(centre)
        self.adjacent_vacuum = adjacent_vacuum(self.region, grid.periodic)
        # per hole, in a few passes whatever the number of holes: the area (its own cells
        # less their superconducting parts, plus the vacuum parts of superconducting cells
        # next to it); the centroid of its cells from their mean indices
        reg = self.region.ravel()
        inh = reg > 0
        lab = reg[inh] - 1
        vac = 1.0 - self.fraction.ravel()
        area = np.bincount(lab, weights=vac[inh], minlength=nh)
        av = self.adjacent_vacuum.ravel()
        edge = sc.ravel() & (av > 0)
        area += np.bincount(av[edge] - 1, weights=vac[edge], minlength=nh)
        cxy = np.asarray(grid.origin, dtype=float) + (centre + 0.5) * h
        self.holes = tuple(
            Hole(k, float(h * h * area[k]), (float(cxy[k, 0]), float(cxy[k, 1])), self.region)
            for k in range(nh))
        self._conductors = None

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_shapes(
        cls,
        shapes: Shape | Sequence[Shape],
        *,
        penetration_depth,
        spacing: float,
        periodic: tuple[bool, bool] = (False, False),
        domain: tuple[float, float, float, float] | None = None,
        coherence_length: float | None = None,
        name: str = "cross-section",
    ) -> Geometry:
        """Rasterize one or more superconducting shapes.

        Parameters
        ----------
        shapes : Shape or sequence of Shape
            The superconductors (their union). Holes are whatever vacuum they
            enclose.
        penetration_depth : float, sequence of float, or callable
            lambda (m): one value, one value per shape (a cell takes the value
            of the first shape containing it), or a function lambda(x, y).
        spacing : float
            Cell size (m).
        periodic : (bool, bool)
            Periodic x and y axes; a periodic axis needs ``domain``.
        domain : (xmin, xmax, ymin, ymax), optional
            The grid's extent; by default the shapes' bounding box plus two cells.
        """
        h = _check_length("spacing", spacing)
        if isinstance(shapes, Shape):
            shapes = [shapes]
        shapes = list(shapes)
        if not shapes or not all(isinstance(s, Shape) for s in shapes):
            raise ParameterError("shapes must be a Shape or a non-empty sequence of Shape objects")
        body = shapes[0] if len(shapes) == 1 else Union(*shapes)
        if domain is None:
            b = body.bounds()
            if not all(math.isfinite(v) for v in b):
                raise GeometryError(
                    "the shapes are unbounded: give domain=(xmin, xmax, ymin, ymax) and make the "
                    "unbounded axis periodic"
                )
            m = 2.0 * h
            domain = (b[0] - m, b[1] + m, b[2] - m, b[3] + m)
        grid = Grid.covering(*domain, h, periodic=periodic)
        X, Y = grid.meshgrid()
        phi = sample_sdf(body.sdf, grid.x, grid.y)
        inside = phi < 0.0
        lam = _penetration_array(penetration_depth, shapes, X, Y, inside)
        return cls(
            grid,
            inside,
            lam,
            sdf=body.sdf,
            shapes=shapes,
            coherence_length=coherence_length,
            name=name,
            precomputed={"phi": phi},
        )

    # -- conveniences -----------------------------------------------------------------------
    @property
    def spacing(self) -> float:
        return self.grid.spacing

    @property
    def x(self) -> np.ndarray:
        return self.grid.x

    @property
    def y(self) -> np.ndarray:
        return self.grid.y

    @property
    def outside(self) -> np.ndarray:
        return self.region == OUTSIDE

    @property
    def n_holes(self) -> int:
        return len(self.holes)

    @property
    def sdf(self) -> np.ndarray:
        """Signed distance (m) of each cell centre to the superconductor's boundary,
        negative inside (for an image: the distance transform of the mask, the boundary
        halfway between centres)."""
        if self._sdf is None:
            if self._sdf_func is not None:
                X, Y = self.grid.meshgrid()
                self._sdf = np.asarray(self._sdf_func(X, Y), dtype=float)
            else:
                from scipy import ndimage

                h = self.grid.spacing
                sc = self.superconductor
                inside = ndimage.distance_transform_edt(sc) * h
                outside = ndimage.distance_transform_edt(~sc) * h
                self._sdf = np.where(sc, 0.5 * h - inside, outside - 0.5 * h)
        return self._sdf

    def outline_field(self, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
        """A field whose zero contour is the superconductor's outline, on the cells
        ``[rows, cols]`` (for drawing): the signed distance where it is known or has
        a formula, else (an image) h (1/2 - mask), whose zero contour lies halfway
        between centres like that of the image's distance transform, and which
        costs no distance transform of the whole grid."""
        if self._sdf is not None:
            return self._sdf[rows, cols]
        if self._sdf_func is not None:
            X, Y = np.meshgrid(self.grid.x[rows], self.grid.y[cols], indexing="ij")
            return np.asarray(self._sdf_func(X, Y), dtype=float)
        return self.grid.spacing * (0.5 - self.superconductor[rows, cols])

    @property
    def conductors(self) -> tuple[np.ndarray, ...]:
        """Cell masks of the separate superconductors (4-connected, periodic seams joined),
        ordered left to right by centroid like the holes."""
        if self._conductors is None:
            from .topology import label_conductors

            self._conductors = label_conductors(self.superconductor, self.grid.periodic)
        return self._conductors

    @property
    def superconductor_area(self) -> float:
        return float(np.sum(self.fraction)) * self.grid.spacing**2

    def __repr__(self) -> str:
        lam = np.nanmin(self.penetration_depth)
        return (
            f"Geometry({self.name!r}, grid {self.grid.nx} x {self.grid.ny}, "
            f"spacing={self.grid.spacing:.3g} m, penetration_depth>={lam:.3g} m, "
            f"holes={len(self.holes)})"
        )


def _penetration_array(penetration_depth, shapes, X, Y, inside) -> np.ndarray:
    if callable(penetration_depth):
        lam = np.broadcast_to(np.asarray(penetration_depth(X, Y), dtype=float), X.shape).copy()
    elif np.ndim(penetration_depth) == 0:
        lam = np.full(X.shape, _check_length("penetration_depth", penetration_depth))
    else:
        vals = np.asarray(penetration_depth, dtype=float).ravel()
        if vals.size != len(shapes):
            raise ParameterError(
                f"penetration_depth has {vals.size} values for {len(shapes)} shapes: give one "
                "value, one per shape, or a function of (x, y)"
            )
        if not np.all(np.isfinite(vals)) or np.any(vals <= 0):
            raise ParameterError(f"penetration_depth values must be positive and finite, got {vals}")
        lam = np.full(X.shape, np.nan)
        for s, v in zip(reversed(shapes), reversed(vals.tolist()), strict=True):
            lam[s.sdf(X, Y) < 0.0] = v
    lam[~inside] = np.nan
    if np.any(~np.isfinite(lam[inside])) or np.any(lam[inside] <= 0):
        raise ParameterError("penetration_depth must be positive and finite inside the superconductor")
    return lam


__all__ = ["Geometry", "Hole", "OUTSIDE", "SUPERCONDUCTOR"]
