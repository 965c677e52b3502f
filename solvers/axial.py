"""Formulation A: long conductors in an axial field, B = Bz(x, y).

The continuous problem (PHYSICS.md, problem A)::

    -div(lambda^2 grad B) + B = Phi0 sum_v delta(r - r_v)    in the superconductor
    B = Ba                                                    in the outside vacuum
    B = b_k (uniform, unknown)                                in hole k
    A_k b_k - loop_{edge k} lambda^2 dB/dn dl = n_k Phi0      (fluxoid of hole k)

Discretization
--------------
Cell-centred finite differences with an embedded boundary. A superconducting
cell couples to an axis neighbour across a face with weight lambda^2 / h^2
(harmonic mean of lambda^2 between two materials); where the link leaves the
superconductor, the boundary is at the fraction theta of the link and the
weight becomes lambda^2 / (theta h^2), with the boundary value (Ba or b_k)
on the other end: the symmetric second-order scheme of Gibou, Fedkiw, Cheng
and Kang, J. Comput. Phys. 176, 205 (2002).

The mass term and the hole areas use a consistent partition of the plane: a
superconducting cell's mass is the part of its area that is not outside
vacuum (its superconducting part plus any hole part), and a hole's mass is
the area of the cells whose centres lie in it. Each row is then the discrete
variation of the quadrature of the free energy

    F = 1/2 integral [B^2 + lambda^2 |grad B|^2] dA - sum_k n_k Phi0 b_k

that is second-order accurate, so the hole values b_k, which the fluxoid
conditions fix, converge at second order too (a plain cell count of the
mass would make them first order and erratic).

The system, in rows divided by h^2, is symmetric positive definite: one
unknown per superconducting cell plus one per hole, a hole coupled to its
edge cells by the same weights in its row and theirs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..constants import MU0, PHI0
from ..meshes.geometry import Geometry
from ..meshes.raster import DIRECTIONS, neighbour
from . import kernels as K

#: Smallest crossing fraction used in a weight: a boundary closer than this
#: (in cells) to a centre is moved to it, which bounds the weights at 1000x
#: the interior ones while displacing the boundary by at most 1e-3 cells.
THETA_MIN = 1e-3


@dataclass(eq=False)
class AxialOperator:
    """The discrete operator of problem A on a geometry (rows divided by h^2).

    Attributes
    ----------
    diag, wx, wy : ndarray (nx, ny)
        Diagonal and the +x / +y couplings of the 5-point part.
    mass : ndarray (nx, ny)
        Mass weight of each superconducting cell (area fraction, 0 to 1).
    outside_w : ndarray (nx, ny)
        Sum of each cell's link weights to the outside vacuum (the right side is Ba times it).
    edge_cell, edge_hole, edge_w : ndarray
        One entry per link from a superconducting cell (flat index) into hole k.
    hole_mass : ndarray (n_holes,)
        Area of the cells centred in each hole, in cells.
    hole_diag : ndarray (n_holes,)
        hole_mass plus the weights of the hole's edge links.
    """

    geometry: Geometry
    diag: np.ndarray
    wx: np.ndarray
    wy: np.ndarray
    mass: np.ndarray
    outside_w: np.ndarray
    edge_cell: np.ndarray
    edge_hole: np.ndarray
    edge_w: np.ndarray
    hole_mass: np.ndarray
    hole_diag: np.ndarray
    lam2: np.ndarray  # (lambda / h)^2 in unknown cells, 0 elsewhere
    min_lam2: float = math.nan  # its smallest value there (from the same pass)
    _link_w: np.ndarray | None = None

    @property
    def link_w(self) -> np.ndarray:
        """(4, nx, ny) weight of every link from an unknown cell, interior or boundary
        (computed on first use; the solve itself does not need it)."""
        if self._link_w is None:
            from .axial_kernels import assemble

            px, py = self.geometry.grid.periodic
            self._link_w = assemble(
                np.ascontiguousarray(self.geometry.region, dtype=np.int32), self.lam2,
                self.geometry.theta, self.mass, px, py, THETA_MIN, True,
            )[4]
        return self._link_w

    @property
    def shape(self) -> tuple[int, int]:
        return self.diag.shape

    @property
    def unknown(self) -> np.ndarray:
        return self.geometry.superconductor

    @property
    def n_holes(self) -> int:
        return self.hole_mass.size

    @property
    def n_unknowns(self) -> int:
        return int(self.unknown.sum()) + self.n_holes

    # -- matrix-free application ----------------------------------------------------------
    def apply(self, u, b, out_u, out_b) -> None:
        """(out_u, out_b) = A (u, b)."""
        px, py = self.geometry.grid.periodic
        K.stencil_apply(u, self.diag, self.wx, self.wy, px, py, out_u)
        if self.n_holes:
            K.hole_apply(
                u.reshape(-1), b, self.edge_cell, self.edge_hole, self.edge_w, self.hole_diag,
                out_u.reshape(-1), out_b,
            )

    def jacobi(self, r_u, r_b, z_u, z_b) -> None:
        K.jacobi(r_u, self.diag, z_u)
        if self.n_holes:
            z_b[:] = r_b / self.hole_diag

    # -- right side ------------------------------------------------------------------------
    def rhs(self, applied_field: float, fluxoid, sources=()) -> tuple[np.ndarray, np.ndarray]:
        """Right side for an applied field Ba (T), fluxoid numbers n_k, and point sources.

        ``sources`` is a sequence of (i, j, weight, strength): strength flux
        quanta put into cell (i, j) with the given weight (weights of one
        source sum to 1).
        """
        from .kernels import spread_empty

        h = self.geometry.grid.spacing
        rhs_u = spread_empty(self.shape)  # (a buffer kept from an earlier solve's, if unused)
        np.multiply(self.outside_w, float(applied_field), out=rhs_u)
        for i, j, w, s in sources:
            rhs_u[i, j] += w * s * PHI0 / h**2
        rhs_b = np.asarray(fluxoid, dtype=float) * PHI0 / h**2
        return rhs_u, rhs_b.copy()

    # -- assembled matrix ------------------------------------------------------------------
    def index(self) -> np.ndarray:
        """Map from grid cell to unknown number (-1 where none); holes follow the cells."""
        idx = -np.ones(self.shape, dtype=np.int64)
        idx[self.unknown] = np.arange(int(self.unknown.sum()))
        return idx

    def matrix(self) -> sp.csr_matrix:
        """The same operator as a scipy.sparse matrix (cells in C order, then holes)."""
        idx = self.index()
        ns = int(self.unknown.sum())
        n = ns + self.n_holes
        px, py = self.geometry.grid.periodic
        rows = [idx[self.unknown]]
        cols = [idx[self.unknown]]
        vals = [self.diag[self.unknown]]
        for w, d in ((self.wx, (1, 0)), (self.wy, (0, 1))):
            nb_idx = neighbour(idx, d, (px, py), -1)
            m = (w != 0.0) & (idx >= 0) & (nb_idx >= 0)
            a, c, v = idx[m], nb_idx[m], -w[m]
            rows += [a, c]
            cols += [c, a]
            vals += [v, v]
        if self.n_holes:
            flat = idx.reshape(-1)[self.edge_cell]
            hk = ns + self.edge_hole
            rows += [flat, hk, ns + np.arange(self.n_holes)]
            cols += [hk, flat, ns + np.arange(self.n_holes)]
            vals += [-self.edge_w, -self.edge_w, self.hole_diag]
        A = sp.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        )
        return A.tocsr()

    def pack(self, u: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([u[self.unknown], b])

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ns = int(self.unknown.sum())
        u = np.zeros(self.shape)
        u[self.unknown] = x[:ns]
        return u, np.array(x[ns:], dtype=float)


def build_operator(geo: Geometry) -> AxialOperator:
    """Assemble the coefficient arrays of problem A on ``geo`` (one numba pass over the grid)."""
    from .axial_kernels import assemble, cell_arrays, hole_edges
    from .kernels import spread_empty

    grid = geo.grid
    h = grid.spacing
    px, py = grid.periodic
    region = np.ascontiguousarray(geo.region, dtype=np.int32)
    # (lambda / h)^2, and the mass: superconducting part plus hole part (the outside part
    # is left out), in one pass without temporaries
    lam2 = spread_empty(region.shape)
    mass = spread_empty(region.shape)
    min_lam2 = cell_arrays(region, np.ascontiguousarray(geo.penetration_depth, dtype=np.float64),
                           h**2, np.ascontiguousarray(geo.adjacent_vacuum, dtype=np.int32),
                           np.ascontiguousarray(geo.fraction, dtype=np.float64), lam2, mass)
    diag, wx, wy, outside_w, _, hole_links, row_links = assemble(
        region, lam2, geo.theta, mass, px, py, THETA_MIN, False
    )
    ec, eh, ew = hole_edges(region, lam2, geo.theta, hole_links, row_links, px, py, THETA_MIN)
    nh = len(geo.holes)
    hole_mass = np.bincount(region.ravel()[region.ravel() > 0] - 1,
                            minlength=nh).astype(np.float64)[:nh]  # cells of each hole
    hole_diag = hole_mass + np.bincount(eh, weights=ew, minlength=nh)[:nh]
    return AxialOperator(
        geometry=geo, diag=diag, wx=wx, wy=wy, mass=mass, outside_w=outside_w, edge_cell=ec,
        edge_hole=eh, edge_w=ew, hole_mass=hole_mass, hole_diag=hole_diag, lam2=lam2,
        min_lam2=float(min_lam2),
    )


# -- quantities measured on a discrete solution ---------------------------------------------

def full_field(op: AxialOperator, u: np.ndarray, b: np.ndarray, applied_field: float, *,
               overwrite: bool = False) -> np.ndarray:
    """B on every cell: the unknowns, b_k in hole k, Ba outside (one pass).

    With ``overwrite``, u itself becomes B (no new grid array to fault in).
    """
    from .axial_kernels import fill_field

    geo = op.geometry
    B = u if overwrite and u.dtype == np.float64 and u.flags.c_contiguous else np.array(
        u, dtype=np.float64, order="C")
    fill_field(np.ascontiguousarray(geo.region, dtype=np.int32), np.asarray(b, dtype=np.float64),
               float(applied_field), B)
    return B


def boundary_values(op: AxialOperator, B: np.ndarray, applied_field: float, b: np.ndarray):
    """Value at the far end of each link from an unknown cell (boundary value where cut)."""
    geo = op.geometry
    per = geo.grid.periodic
    vals = np.zeros((4,) + B.shape)
    for k, d in enumerate(DIRECTIONS):
        nb_reg = neighbour(geo.region, d, per, -1)
        nbB = neighbour(B, d, per, applied_field)
        v = np.where(nb_reg == -1, applied_field, nbB)
        vals[k] = v
    return vals


def current_density(op: AxialOperator, B: np.ndarray, applied_field: float) -> tuple[np.ndarray, np.ndarray]:
    """mu0 J = (dB/dy, -dB/dx) at cell centres, second order up to the boundary.

    Each derivative is that of the parabola through three values along the
    axis: the two neighbours, a boundary neighbour being the boundary point at
    theta h with its boundary value. Where the boundary is closer than half a
    cell (theta < 1/2) the parabola uses the boundary point and the two
    interior cells behind the centre instead, so that the centre's own
    O(h^2) error is not divided by the small distance theta h.
    """
    from .axial_kernels import current_into

    geo = op.geometry
    px, py = geo.grid.periodic
    Jx = np.empty(B.shape)
    Jy = np.empty(B.shape)
    current_into(np.ascontiguousarray(geo.region, dtype=np.int32),
                 np.ascontiguousarray(B, dtype=np.float64), geo.theta, float(applied_field),
                 1.0 / (MU0 * geo.grid.spacing), bool(px), bool(py), THETA_MIN, Jx, Jy)
    return Jx, Jy


def measure_fluxoid(op: AxialOperator, B: np.ndarray, b: np.ndarray, applied_field: float,
                    sources=(), *, depth: int = 2, with_counts: bool = False):
    """Fluxoid of each hole on a contour ``depth`` cells into the superconductor.

    The contour is the boundary of the hole's cells grown by ``depth`` cells
    into the superconductor (``axial_kernels.fluxoid_band``, which visits only
    those cells); on it, flux plus the circulation of Lambda J,

        Phi_C = integral_inside B dA + loop_C lambda^2 mu0 J . dl,

    is evaluated from the field alone (the same quadrature as the operator),
    not from the hole's constraint row. Returns the fluxoid (Wb) of each hole
    and the scale of its terms (for a round-off tolerance); point sources
    inside a contour are subtracted, so the result is the hole's own fluxoid.
    With ``with_counts``, also the number of superconducting cells inside
    each contour: the measured value is the sum of the discrete equations
    over them, so it misses n Phi0 by at most sqrt(count + 1) h^2 ||r|| for a
    solve whose final residual is r.
    """
    from .axial_kernels import fluxoid_band

    geo = op.geometry
    h = geo.grid.spacing
    nx, ny = geo.region.shape
    px, py = geo.grid.periodic
    src_cell = np.array([i * ny + j for i, j, w, s in sources], dtype=np.int64)
    src_w = np.array([w * s for i, j, w, s in sources], dtype=np.float64)
    total, absum, src, count = fluxoid_band(
        np.ascontiguousarray(geo.region, dtype=np.int32), op.lam2, geo.theta, op.mass,
        np.ascontiguousarray(B, dtype=np.float64), float(applied_field),
        np.asarray(b, dtype=np.float64), op.hole_mass, bool(px), bool(py), THETA_MIN,
        op.edge_cell, op.edge_hole, op.edge_w, int(depth), src_cell, src_w,
        np.zeros(nx * ny, np.int32))  # (zero pages, mapped where the contours touch them)
    if with_counts:
        return total * h**2 - src * PHI0, absum * h**2, count
    return total * h**2 - src * PHI0, absum * h**2


def energy(op: AxialOperator, B: np.ndarray, b: np.ndarray, applied_field: float) -> float:
    """Gibbs free energy per unit length (J/m), PHYSICS.md problem A:

        G = (1 / 2 mu0) integral over superconductor and holes of
            [ (B - Ba)^2 + lambda^2 |grad B|^2 ] dA

    evaluated with the operator's own (second-order) quadrature.
    """
    from .axial_kernels import energy_sums

    geo = op.geometry
    h = geo.grid.spacing
    px, py = geo.grid.periodic
    Ba = float(applied_field)
    e, grad = energy_sums(np.ascontiguousarray(geo.region, dtype=np.int32), op.lam2, geo.theta,
                          op.mass, np.ascontiguousarray(B, dtype=np.float64), Ba, bool(px),
                          bool(py), THETA_MIN)
    e += float(np.sum(op.hole_mass * (np.asarray(b, dtype=np.float64) - Ba) ** 2))
    return float(h**2 * (e + grad) / (2.0 * MU0))


__all__ = [
    "AxialOperator", "build_operator", "full_field", "current_density", "measure_fluxoid",
    "energy", "THETA_MIN",
]
