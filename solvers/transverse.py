"""Formulation B: long conductors carrying currents along z, A = Az(x, y).

The continuous problem (PHYSICS.md, problem B)::

    -Lap A + chi_k (A - c_k) / lambda^2 = 0        everywhere (chi_k = 1 in conductor k)
    I_k = -(1 / mu0 lambda^2) integral_k (A - c_k) dS    (net current of conductor k)
    A -> Bx y - By x - (mu0 / 2 pi) integral J(r') ln(|r - r'| / l0) dS'   far away

with the current density mu0 lambda^2 Jz = -(A - c_k) in conductor k and
B = (dA/dy, -dA/dx). Each conductor either carries a given net current (c_k is
then an unknown) or a given constant c_k = (Phi0 / 2 pi) d theta / dz (a phase
gradient; its current is then an output). Conductors may be *tied*: they
share one c (they are joined at the ends of the line) and only the sum of
their currents is given.

Discretization
--------------
A lives on every cell of the grid, vacuum included. Rows are multiplied by
h^2: the 5-point Laplacian (4 A_c - sum of the four neighbours) plus the mass
term w_c (A_c - c_k), with

    w_c = f_c 2 (cosh(h / lambda_c) - 1)  ( = f_c h^2 / lambda_c^2 (1 + h^2 / 12 lambda_c^2 + ...)),

f_c the area fraction of cell c inside the superconductor (the cosh form makes the
discrete decay of a field parallel to a grid-aligned face exactly exp(-x / lambda)). A has a continuous
gradient across a conductor's surface (only its second derivative jumps), so
no interface condition is needed: the cut-cell fractions make the quadrature
of the mass term, and with it the solution, second-order accurate on curved
boundaries. A cut cell's mass is interpolated (linearly, along each axis
separately, which keeps the 5-point shape) to the centroid of its
superconducting part, which makes the quadrature second order cell by cell and
the error smooth in h (see :class:`ConductorCells`). A cell whose centre is in
vacuum but which the superconductor partly covers belongs to the nearest
conductor.

Each unknown c_g (one per group of tied, current-driven conductors) adds one
row, sum_c w_c (c_g - A_c) = mu0 I_g (per mass term, see ConductorCells),
coupled to the group's cells with the same weights w_c as the cells' rows are
coupled to it: the system is
symmetric positive definite, the same shape as the axial operator with holes
(a scalar 5-point stencil ``diag, wx, wy`` plus a few global unknowns on edge
lists), so multigrid can precondition it.

Open boundary
-------------
A box with fixed boundary values is not enough (a net current's potential
grows like ln r). The solution on the infinite lattice is

    A = A_applied + G * s,    s_c = w_c (c_k - A_c)  (= mu0 Jz_c f_c h^2),

with G the lattice Green's function of the 5-point Laplacian (L G = delta).
The box problem takes Dirichlet values g on the ring of ghost cells around
the grid; g is iterated (GMRES on g = A_applied + G * s(g)) until it equals
the field of the box's own currents. The fixed point is the infinite-lattice
solution exactly, so the answer does not depend on the box beyond the solver
tolerance. G * s is a zero-padded FFT convolution (Hockney); G is the exact
lattice Green's function: quadrature of its one-dimensional integral
representation near the source and its asymptotic series (to r^-6) farther
out, both accurate to ~1e-14. On a periodic axis G is the exact periodic
lattice Green's function (a Fourier sum), so a periodic array of conductors
open along the other axis is exact too.

The gauge: G = -a(m, n) + (gamma + 3/2 ln 2 - ln(h / l0)) / 2 pi matches
-(1 / 2 pi) ln(r / l0) far away, with the gauge length l0 = 1 m (SI), so A
and the c_k of a net current are those of ``A = -(mu0 I / 2 pi) ln(r / 1 m)``
outside a round wire. Internally the solve works in a gauge centred on the
box (l0 = the box diagonal) and shifts A and c to SI at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba as nb
import numpy as np
import scipy.fft as sfft
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import ndimage

from ..constants import MU0
from ..errors import ConvergenceError
from ..meshes.geometry import Geometry
from ..meshes.raster import neighbour
from . import kernels as K
from .krylov import gmres_relaxed, pcg
from .options import SolverOptions

#: Gauge length l0 (m): A = -(mu0 I / 2 pi) ln(r / l0) outside a round wire.
GAUGE_LENGTH = 1.0
#: Box solves of the open-boundary iteration kept (in float32, 4 bytes per cell each) to
#: start the last one from; an iteration that needs more starts it from zero.
MAX_KEPT_BOX_SOLVES = 6
#: Steps of the open-boundary GMRES (no restarts; it converges in 10-20 on the test shapes).
GMRES_MAX_STEPS = 100

#: Offsets up to this many cells (along each axis) use the quadrature of the
#: lattice Green's function; beyond it, its asymptotic series.
_QUAD_RADIUS = 48

_EULER = 0.5772156649015329


# ----------------------------------------------------------------------------------------------
# Lattice Green's functions of the 5-point Laplacian  (L u)_c = 4 u_c - sum of neighbours
# ----------------------------------------------------------------------------------------------

def _quadrature_nodes(panels: int = 48, order: int = 24, grade: int = 12):
    """Composite Gauss-Legendre nodes on [0, pi], geometrically graded towards 0."""
    br = np.concatenate([[0.0], math.pi * 0.5 ** np.arange(grade, 0, -1),
                         np.linspace(0.5 * math.pi, math.pi, panels - grade + 1)[1:]])
    x, w = np.polynomial.legendre.leggauss(order)
    a, b = br[:-1, None], br[1:, None]
    k = (0.5 * (b - a) * (x + 1.0) + a).ravel()
    wk = (0.5 * (b - a) * w).ravel()
    return k, wk


def _potential_quadrature(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    """a(m, n) from its 1D integral (Fourier transform along one axis done exactly):

        a(m, n) = (1 / pi) int_0^pi (1 - exp(-M t) cos(N k)) / (2 sinh t) dk,
        cosh t = 2 - cos k,  M = max(|m|, |n|),  N = min(|m|, |n|),

    written without cancellation (expm1). Accurate to ~1e-15 for offsets up to a few hundred.
    """
    k, wk = _quadrature_nodes()
    m = np.abs(np.asarray(m, float))
    n = np.abs(np.asarray(n, float))
    big = np.maximum(m, n).ravel()[:, None]
    small = np.minimum(m, n).ravel()[:, None]
    c = 2.0 * np.sin(0.5 * k) ** 2          # 1 - cos k
    sh = np.sqrt(c * (c + 2.0))             # sinh t
    t = np.log1p(c + sh)                    # arccosh(1 + c)
    out = np.empty(big.shape[0])
    step = max(1, 200000 // k.size)
    for i0 in range(0, big.shape[0], step):  # chunks of offsets, vectorized over nodes
        bb, ss = big[i0:i0 + step], small[i0:i0 + step]
        e = np.exp(-bb * t)
        f = (-np.expm1(-bb * t) + 2.0 * e * np.sin(0.5 * ss * k) ** 2) / (2.0 * sh)
        out[i0:i0 + step] = f @ wk / math.pi
    return out.reshape(np.broadcast(m, n).shape)


def _potential_asymptotic(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Asymptotic series of a(m, n) (r in cells, phi the polar angle):

        a = (ln r + gamma + 3/2 ln 2) / 2 pi - cos 4phi / (24 pi r^2)
            - (18 cos 4phi + 25 cos 8phi) / (480 pi r^4)
            - (0.2281 cos 8phi + 0.2428 cos 12phi) / (pi r^6) + O(r^-8).

    The r^-4 coefficients were identified, and the r^-6 ones fitted, against the
    quadrature (tests/test_transverse.py checks the series to 1e-13 beyond 48 cells).
    """
    m = np.asarray(m, float)
    n = np.asarray(n, float)
    m2 = m * m
    n2 = n * n
    r2 = m2 + n2
    # cos 4phi = (m^4 - 6 m^2 n^2 + n^4) / r^4, and cos 8phi, cos 12phi from it (Chebyshev)
    c4 = (r2 * r2 - 8.0 * m2 * n2) / (r2 * r2)
    c8 = 2.0 * c4 * c4 - 1.0
    c12 = c4 * (4.0 * c4 * c4 - 3.0)
    return ((0.5 * np.log(r2) + _EULER + 1.5 * math.log(2.0)) / (2 * math.pi)
            - c4 / (24 * math.pi * r2)
            - (18 * c4 + 25 * c8) / (480 * math.pi * r2 * r2)
            - (0.22810 * c8 + 0.24277 * c12) / (math.pi * r2 ** 3))


def lattice_potential(m, n) -> np.ndarray:
    """The potential kernel a(m, n) of the square lattice: L a = -delta_0 with a(0, 0) = 0
    (G = -a + const is the Green's function, L G = delta),
    a ~ (ln r + gamma + 3/2 ln 2) / 2 pi. (a(1, 0) = 1/4, a(1, 1) = 1/pi.)"""
    m = np.abs(np.asarray(m, dtype=np.int64))
    n = np.abs(np.asarray(n, dtype=np.int64))
    m, n = np.broadcast_arrays(m, n)
    out = np.zeros(m.shape)
    near = np.maximum(m, n) <= _QUAD_RADIUS
    if near.any():
        # unique offsets only (the table is symmetric)
        mm, nn = np.maximum(m[near], n[near]), np.minimum(m[near], n[near])
        key = mm * (_QUAD_RADIUS + 1) + nn
        uk, inv = np.unique(key, return_inverse=True)
        out[near] = _potential_quadrature(uk // (_QUAD_RADIUS + 1), uk % (_QUAD_RADIUS + 1))[inv]
    far = ~near
    if far.any():
        out[far] = _potential_asymptotic(m[far], n[far])
    return out


def periodic_lattice_green(period: int, nmax: int) -> np.ndarray:
    """G[m, n] for 0 <= m < period, 0 <= n <= nmax: the lattice Green's function
    (L G = delta) periodic in m with the given period, open in n, exactly:

        G(m, n) = (1 / P) sum_k e^{2 pi i k m / P} g_k(n),
        g_0(n) = -|n| / 2,   g_k(n) = e^{-t_k |n|} / (2 sinh t_k),  cosh t_k = 2 - cos(2 pi k / P).

    Its mean over m is -|n| / 2P, the continuum -|y| / 2P of a row of line sources.
    """
    k = np.arange(period)
    kap = 2 * math.pi * k / period
    c = 1.0 - np.cos(kap)
    sh = np.sqrt(c * (c + 2.0))
    t = np.log1p(c + sh)
    n = np.arange(nmax + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.exp(-np.outer(t, n)) / (2.0 * sh[:, None])
    g[0, :] = -0.5 * n
    return np.real(np.fft.ifft(g, axis=0))


# ----------------------------------------------------------------------------------------------
# Conductor cells and the operator
# ----------------------------------------------------------------------------------------------

@nb.njit(cache=True, nogil=True)
def clip_square_centroid(p, gx, gy, h, out_f, out_dx, out_dy):
    """Area fraction and centroid offset of the part of a square cell (side h, centred
    on 0) where the plane p + (gx, gy) . x < 0; one cell per entry (Sutherland-Hodgman
    clipping of the square by the half-plane, then the shoelace formula)."""
    vx = np.array([-0.5, 0.5, 0.5, -0.5]) * h
    vy = np.array([-0.5, -0.5, 0.5, 0.5]) * h
    qx = np.empty(8)
    qy = np.empty(8)
    for c in range(p.size):
        m = 0
        for i in range(4):
            j = (i + 1) % 4
            fi = p[c] + gx[c] * vx[i] + gy[c] * vy[i]
            fj = p[c] + gx[c] * vx[j] + gy[c] * vy[j]
            if fi < 0.0:
                qx[m] = vx[i]
                qy[m] = vy[i]
                m += 1
            if (fi < 0.0) != (fj < 0.0):
                t = fi / (fi - fj)
                qx[m] = vx[i] + t * (vx[j] - vx[i])
                qy[m] = vy[i] + t * (vy[j] - vy[i])
                m += 1
        a = 0.0
        sx = 0.0
        sy = 0.0
        for i in range(m):
            j = (i + 1) % m
            cr = qx[i] * qy[j] - qx[j] * qy[i]
            a += cr
            sx += (qx[i] + qx[j]) * cr
            sy += (qy[i] + qy[j]) * cr
        if m >= 3 and a != 0.0:
            out_f[c] = 0.5 * a / (h * h)
            out_dx[c] = sx / (3.0 * a)
            out_dy[c] = sy / (3.0 * a)
        else:
            out_f[c] = 0.0
            out_dx[c] = 0.0
            out_dy[c] = 0.0


def cut_cell_centroids(geo: Geometry, fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (dx, dy) from each cell centre to the centroid of its superconducting part.

    Uses the same tangent plane of the signed distance as the geometry's area fractions;
    zero where a cell is entirely in or out, or where the geometry has no shapes (an image).
    """
    dx = np.zeros(fraction.shape)
    dy = np.zeros(fraction.shape)
    if not geo.shapes:
        return dx, dy
    from ..meshes.shapes import Union

    body = geo.shapes[0] if len(geo.shapes) == 1 else Union(*geo.shapes)
    cut = (fraction > 0.0) & (fraction < 1.0)
    if not cut.any():
        return dx, dy
    h = geo.grid.spacing
    X, Y = geo.grid.meshgrid()
    x, y = X[cut], Y[cut]
    p = body.sdf(x, y)
    e = 1e-3 * h
    gx = (body.sdf(x + e, y) - body.sdf(x - e, y)) / (2 * e)
    gy = (body.sdf(x, y + e) - body.sdf(x, y - e)) / (2 * e)
    g = np.hypot(gx, gy)
    g = np.where(g > 0, g, 1.0)
    f = np.empty(x.size)
    cx = np.empty(x.size)
    cy = np.empty(x.size)
    clip_square_centroid(np.ascontiguousarray(p / g), np.ascontiguousarray(gx / g),
                         np.ascontiguousarray(gy / g), h, f, cx, cy)
    dx[cut] = cx
    dy[cut] = cy
    return dx, dy


@dataclass(eq=False)
class ConductorCells:
    """Which cells carry current, and the quadrature of the mass term.

    The mass term integral_k (A - c_k)^2 / lambda^2 dS is a sum of *terms*
    t = (cell a, neighbour b, alpha, beta, W, conductor k):

        sum_t W_t (alpha_t A_a + beta_t A_b - c_k)^2,

    one term with (alpha, beta) = (1, 0) and W = w_c for a cell entirely inside, and for
    a cut cell two terms of W = w_c / 2, one along x and one along y, that interpolate A
    linearly towards the centroid of the cell's superconducting part (b is the axis
    neighbour on the centroid's side, beta = 2 |d| / h). Their mean is A at the centroid
    to first order, so the quadrature is second order cell by cell, and each term
    couples only axis neighbours: the operator keeps its 5-point shape.

    Attributes
    ----------
    owner : ndarray of int (nx, ny)
        Conductor of each cell that some superconductor covers, -1 elsewhere.
    fraction : ndarray (nx, ny)
        Superconducting area fraction f_c of each cell.
    weight : ndarray (nx, ny)
        w_c = f_c h^2 / lambda_c^2.
    term_a, term_b : ndarray of int
        Flat cell indices of each term's two nodes.
    alpha, beta, W : ndarray
    term_owner : ndarray of int
    """

    owner: np.ndarray
    fraction: np.ndarray
    weight: np.ndarray
    term_a: np.ndarray
    term_b: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    W: np.ndarray
    term_owner: np.ndarray
    n_conductors: int


def conductor_cells(geo: Geometry, *, centroids: bool = True, exact_decay: bool = True
                    ) -> ConductorCells:
    """The mass-term quadrature of a geometry (vectorized; see :class:`ConductorCells`).

    Parameters
    ----------
    centroids : bool
        Interpolate the mass of cut cells to the centroid of their superconducting part
        (second order cell by cell); without it the mass sits at the cell centre, which is
        still second order globally but with a grid-dependent, irregular error.
    exact_decay : bool
        Use w = f 2 (cosh(h / lambda) - 1) instead of f h^2 / lambda^2: the same to
        O(h^4 / lambda^4), it makes the discrete penetration depth of a field parallel to a
        grid-aligned face exactly lambda, which removes the largest part of the O(h^2) error
        of films and plates.
    """
    sc = geo.superconductor
    grid = geo.grid
    h = grid.spacing
    per = grid.periodic
    nx, ny = grid.shape
    label = -np.ones(sc.shape, dtype=np.int64)
    for k, m in enumerate(geo.conductors):
        label[m] = k
    frac = np.clip(np.asarray(geo.fraction, dtype=float), 0.0, 1.0)
    frac = np.where(sc, np.maximum(frac, 1e-12), frac)
    # nearest superconducting centre of every cell (wrapping periodic axes)
    pad = [(2, 2) if p else (0, 0) for p in per]
    scp = np.pad(sc, pad, mode="wrap") if any(per) else sc
    _, (ii, jj) = ndimage.distance_transform_edt(~scp, return_indices=True)
    if any(per):
        sl = tuple(slice(p[0], p[0] + n) for p, n in zip(pad, sc.shape, strict=True))
        ii = (ii[sl] - pad[0][0]) % nx
        jj = (jj[sl] - pad[1][0]) % ny
    covered = frac > 0.0
    owner = np.where(covered, label[ii, jj], -1)
    lam = np.asarray(geo.penetration_depth)[ii, jj]
    q = h / np.where(covered, lam, 1.0)
    if exact_decay:
        # 2 (cosh q - 1) = q^2 (1 + q^2 / 12 + ...): the discrete decay length of a plane
        # field along an axis is then lambda exactly (the 3-point second difference of
        # exp(-x / lambda) is 2 (cosh q - 1) exp(-x / lambda) / h^2)
        mass = 2.0 * (np.cosh(q) - 1.0)
    else:
        mass = q * q
    weight = np.where(covered, frac * mass, 0.0)
    frac = np.where(covered, frac, 0.0)
    if centroids:
        dx, dy = cut_cell_centroids(geo, frac)
    else:
        dx = dy = np.zeros(frac.shape)

    flat = np.arange(nx * ny).reshape(nx, ny)
    I, J = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    whole = covered & (dx == 0.0) & (dy == 0.0)
    split = covered & ~whole
    ta, tb, al, be, ww, to = [], [], [], [], [], []
    ta.append(flat[whole])
    tb.append(flat[whole])
    al.append(np.ones(int(whole.sum())))
    be.append(np.zeros(int(whole.sum())))
    ww.append(weight[whole])
    to.append(owner[whole])
    for d, n, P, idx in ((dx, nx, per[0], I), (dy, ny, per[1], J)):
        dd = d[split]
        sgn = np.where(dd >= 0.0, 1, -1)
        nb = idx[split] + sgn
        ok = (nb >= 0) & (nb < n) if not P else np.ones(nb.shape, dtype=bool)
        nb = nb % n
        if idx is I:
            b = flat[nb, J[split]]
        else:
            b = flat[I[split], nb]
        beta = np.where(ok, np.minimum(2.0 * np.abs(dd) / h, 1.0), 0.0)
        a = flat[split]
        ta.append(a)
        tb.append(np.where(ok, b, a))
        al.append(1.0 - beta)
        be.append(beta)
        ww.append(0.5 * weight[split])
        to.append(owner[split])
    return ConductorCells(owner=owner, fraction=frac, weight=weight,
                          term_a=np.concatenate(ta).astype(np.int64),
                          term_b=np.concatenate(tb).astype(np.int64),
                          alpha=np.concatenate(al), beta=np.concatenate(be),
                          W=np.concatenate(ww), term_owner=np.concatenate(to).astype(np.int64),
                          n_conductors=len(geo.conductors))


@dataclass(eq=False)
class TransverseOperator:
    """The discrete operator of problem B on a geometry (rows multiplied by h^2).

    The unknowns are A on every cell and one c per group of tied, current-driven
    conductors. The attribute names match :class:`fluxoid.solvers.axial.AxialOperator`
    (``diag, wx, wy`` for the 5-point part; ``edge_cell, edge_hole, edge_w, hole_diag`` for
    the global unknowns, here the c's) so the same kernels and preconditioners apply.

    Attributes
    ----------
    cells : ConductorCells
    group : ndarray of int (n_conductors,)
        The unknown c that conductor k shares, or -1 for a conductor with a fixed c.
    """

    geometry: Geometry
    cells: ConductorCells
    group: np.ndarray
    diag: np.ndarray
    wx: np.ndarray
    wy: np.ndarray
    edge_cell: np.ndarray
    edge_hole: np.ndarray
    edge_w: np.ndarray
    hole_diag: np.ndarray
    # the parts of diag, edge_w and hole_diag from the terms on one cell (beta = 0, see mass)
    one_cell_diag: np.ndarray = field(repr=False)
    one_cell_edge_w: np.ndarray = field(repr=False)
    one_cell_hole_diag: np.ndarray = field(repr=False)
    _factor: object = field(default=None, repr=False)
    _hierarchy: object = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.diag.shape

    @property
    def unknown(self) -> np.ndarray:
        return np.ones(self.shape, dtype=bool)

    # For multigrid coarsening (``multigrid.Hierarchy``), which takes the mass part of the
    # operator exactly and scales the rest (the stiffness) by 1/2: the terms
    # W (A_a - c)^2 of the mass quadrature on one cell (beta = 0, all cells but the cut ones)
    # are the mass, in the cells' diagonal, in the c's links and in their rows. A cut cell's
    # terms W (alpha A_a + beta A_b - c)^2 also couple two cells (the -W alpha beta in wx or
    # wy), which the coarsening can only take as stiffness; their diagonal entries and c
    # links go with it, so that each term is coarsened whole, exactly or scaled: shifting A
    # and c together by a constant then keeps zero energy on every level, as on the grid.
    @property
    def mass(self) -> np.ndarray:
        """The one-cell terms' part of the diagonal (see above)."""
        return self.one_cell_diag

    @property
    def hole_mass(self) -> np.ndarray:
        """The one-cell terms' part of the c rows."""
        return self.one_cell_hole_diag

    @property
    def edge_mass(self) -> np.ndarray:
        """The one-cell terms' part of the c links."""
        return self.one_cell_edge_w

    @property
    def n_holes(self) -> int:
        """Number of global unknowns (the groups' c), named as in the axial operator."""
        return self.hole_diag.size

    n_groups = n_holes

    @property
    def n_unknowns(self) -> int:
        return self.diag.size + self.n_holes

    @property
    def periodic(self) -> tuple[bool, bool]:
        return self.geometry.grid.periodic

    # -- matrix-free application ----------------------------------------------------------
    def apply(self, u, b, out_u, out_b) -> None:
        """(out_u, out_b) = A (u, b)."""
        px, py = self.periodic
        K.stencil_apply(u, self.diag, self.wx, self.wy, px, py, out_u)
        if self.n_holes:
            K.hole_apply(u.reshape(-1), b, self.edge_cell, self.edge_hole, self.edge_w,
                         self.hole_diag, out_u.reshape(-1), out_b)

    def jacobi(self, r_u, r_b, z_u, z_b) -> None:
        K.jacobi(r_u, self.diag, z_u)
        if self.n_holes:
            z_b[:] = r_b / self.hole_diag

    # -- assembled matrix ------------------------------------------------------------------
    def index(self) -> np.ndarray:
        return np.arange(self.diag.size, dtype=np.int64).reshape(self.shape)

    def matrix(self) -> sp.csr_matrix:
        """The same operator as a scipy.sparse matrix (cells in C order, then the c's)."""
        idx = self.index()
        ns = self.diag.size
        n = ns + self.n_holes
        per = self.periodic
        rows = [idx.ravel()]
        cols = [idx.ravel()]
        vals = [self.diag.ravel()]
        for w, d in ((self.wx, (1, 0)), (self.wy, (0, 1))):
            nb_idx = neighbour(idx, d, per, -1)
            m = (w != 0.0) & (nb_idx >= 0)
            a, c, v = idx[m], nb_idx[m], -w[m]
            rows += [a, c]
            cols += [c, a]
            vals += [v, v]
        if self.n_holes:
            gk = ns + self.edge_hole
            rows += [self.edge_cell, gk, ns + np.arange(self.n_holes)]
            cols += [gk, self.edge_cell, ns + np.arange(self.n_holes)]
            vals += [-self.edge_w, -self.edge_w, self.hole_diag]
        A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n))
        return A.tocsr()

    def pack(self, u: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([u.ravel(), b])

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ns = self.diag.size
        return x[:ns].reshape(self.shape).copy(), np.array(x[ns:], dtype=float)

    # -- right side ------------------------------------------------------------------------
    def rhs(self, ghost_part: np.ndarray | None, fixed_c: np.ndarray,
            group_flux: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Right side: ghost (Dirichlet) contributions, w_c c_k for fixed-c conductors, and
        mu0 I_g in the rows of the groups' c.

        ``fixed_c`` has one value per conductor (ignored for current-driven ones);
        ``group_flux`` is mu0 I_g per group (T m).
        """
        cl = self.cells
        fixed = self.group < 0
        cval = np.where(fixed, np.nan_to_num(fixed_c), 0.0)[cl.term_owner]
        n = self.diag.size
        rhs_u = (np.bincount(cl.term_a, weights=cl.W * cl.alpha * cval, minlength=n)
                 + np.bincount(cl.term_b, weights=cl.W * cl.beta * cval, minlength=n)).reshape(self.shape)
        if ghost_part is not None:
            rhs_u += ghost_part
        return np.ascontiguousarray(rhs_u), np.asarray(group_flux, dtype=float).copy()

    def sources(self, u: np.ndarray, b: np.ndarray, fixed_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sources s = -(mass part of the operator)(A, c) on every cell (T m): the
        discrete mu0 Jz f h^2, with L A = s in the rows; and c of every conductor."""
        c = conductor_constants(self, b, fixed_c)
        cl = self.cells
        uf = u.ravel()
        r = cl.W * (c[cl.term_owner] - (cl.alpha * uf[cl.term_a] + cl.beta * uf[cl.term_b]))
        n = self.diag.size
        s = (np.bincount(cl.term_a, weights=cl.alpha * r, minlength=n)
             + np.bincount(cl.term_b, weights=cl.beta * r, minlength=n)).reshape(self.shape)
        return s, c

    def term_values(self, u: np.ndarray, c: np.ndarray) -> np.ndarray:
        """alpha A_a + beta A_b - c_k of every mass term (T m)."""
        cl = self.cells
        uf = u.ravel()
        return cl.alpha * uf[cl.term_a] + cl.beta * uf[cl.term_b] - c[cl.term_owner]

    # -- solves ----------------------------------------------------------------------------
    def factorized(self):
        """A cached sparse LU factorization (SuperLU) of the matrix."""
        if self._factor is None:
            self._factor = spla.splu(self.matrix().tocsc())
        return self._factor


def conductor_constants(op: TransverseOperator, b: np.ndarray, fixed_c: np.ndarray) -> np.ndarray:
    g = op.group
    return np.where(g >= 0, np.asarray(b)[np.maximum(g, 0)] if b.size else 0.0, fixed_c)


def build_operator(geo: Geometry, group: np.ndarray, cells: ConductorCells | None = None
                   ) -> TransverseOperator:
    """Assemble the coefficient arrays of problem B (vectorized, no cell loop).

    ``group[k]`` is the unknown c index of conductor k (-1: fixed c).
    """
    cells = cells or conductor_cells(geo)
    nx, ny = geo.grid.shape
    n = nx * ny
    px, py = geo.grid.periodic
    cl = cells
    diag = 4.0 + (np.bincount(cl.term_a, weights=cl.W * cl.alpha**2, minlength=n)
                  + np.bincount(cl.term_b, weights=cl.W * cl.beta**2, minlength=n)).reshape(nx, ny)
    wx = np.ones((nx, ny))
    wy = np.ones((nx, ny))
    if not px:
        wx[-1, :] = 0.0
    if not py:
        wy[:, -1] = 0.0
    # couplings of the split terms: -(W alpha beta) added to the matrix entry (a, b)
    two = cl.beta != 0.0
    if two.any():
        a, b = cl.term_a[two], cl.term_b[two]
        v = cl.W[two] * cl.alpha[two] * cl.beta[two]
        ia, ja = np.divmod(a, ny)
        ib, jb = np.divmod(b, ny)
        along_x = ja == jb
        # the link's lower cell (with wrap-around on a periodic axis)
        lo_x = np.where(((ib - ia) % nx) == 1, a, b)
        lo_y = np.where(((jb - ja) % ny) == 1, a, b)
        np.subtract.at(wx.reshape(-1), lo_x[along_x], v[along_x])
        np.subtract.at(wy.reshape(-1), lo_y[~along_x], v[~along_x])
    group = np.asarray(group, dtype=np.int64)
    ng = int(group.max()) + 1 if group.size and group.max() >= 0 else 0
    tg = group[cl.term_owner]
    keep = tg >= 0
    edge_cell = np.concatenate([cl.term_a[keep], cl.term_b[keep & two]]).astype(np.int64)
    edge_hole = np.concatenate([tg[keep], tg[keep & two]]).astype(np.int64)
    edge_w = np.concatenate([(cl.W * cl.alpha)[keep], (cl.W * cl.beta)[keep & two]])
    hole_diag = np.bincount(tg[keep], weights=cl.W[keep], minlength=ng)[:ng]
    if np.any(hole_diag <= 0):
        raise ValueError("a current-driven conductor has no superconducting cells")
    one = ~two  # the terms on one cell (alpha = 1): the mass of the multigrid coarsening
    one_diag = np.bincount(cl.term_a[one], weights=cl.W[one] * cl.alpha[one] ** 2,
                           minlength=n).reshape(nx, ny)
    one_edge = edge_w * np.concatenate([one[keep], np.zeros(int((keep & two).sum()), bool)])
    one_hole = np.bincount(tg[keep & one], weights=cl.W[keep & one], minlength=ng)[:ng]
    return TransverseOperator(geometry=geo, cells=cells, group=group,
                              diag=np.ascontiguousarray(diag), wx=wx, wy=wy,
                              edge_cell=edge_cell, edge_hole=edge_hole, edge_w=edge_w,
                              hole_diag=hole_diag, one_cell_diag=one_diag,
                              one_cell_edge_w=one_edge, one_cell_hole_diag=one_hole)


# ----------------------------------------------------------------------------------------------
# The open boundary: ghost ring and the lattice Green's function convolution
# ----------------------------------------------------------------------------------------------

class OpenBoundary:
    """Ghost cells around the grid on its open axes, and G * s on the grid plus that ring.

    The extended grid adds one ghost layer on each side of every open (non-periodic)
    axis; ``ext`` arrays have shape (nx + 2, ny + 2) on open axes (nx on periodic ones).
    Corner ghosts are computed but not used (the 5-point stencil does not reach them).
    """

    def __init__(self, grid, gauge_length: float):
        self.grid = grid
        nx, ny = grid.shape
        self.periodic = px, py = grid.periodic
        h = grid.spacing
        self.gauge_length = float(gauge_length)
        self.open = not (px and py)
        self.ox = 0 if px else 1
        self.oy = 0 if py else 1
        self.ext_shape = (nx + 2 * self.ox, ny + 2 * self.oy)
        if not self.open:
            return
        if px or py:
            # periodic along one axis: exact periodic lattice Green's function
            if px:
                P, nmax = nx, ny + 1
            else:
                P, nmax = ny, nx + 1
            tab = periodic_lattice_green(P, nmax)          # (P, nmax + 1), offsets n >= 0
            full = np.concatenate([tab[:, :0:-1], tab], axis=1)   # offsets -nmax..nmax
            # offsets -nmax..nmax must land on distinct indices: L >= 2 nmax + 1 (the targets
            # read back are within nmax of every source, so nothing else wraps onto them)
            L = sfft.next_fast_len(2 * nmax + 1, real=True)
            ker = np.zeros((P, L))
            # place offset o at index o mod L
            o = np.arange(-nmax, nmax + 1)
            ker[:, o % L] = full
            if px:
                self._shape = (P, L)
                self._ker = sfft.rfft2(ker)
            else:
                self._shape = (L, P)
                self._ker = sfft.rfft2(ker.T.copy())
            self._nmax = nmax
        else:
            Mx, My = nx + 1, ny + 1
            # a(m, n) = a(|m|, |n|): evaluated on one quadrant and mirrored
            mm, nn = np.meshgrid(np.arange(Mx + 1), np.arange(My + 1), indexing="ij")
            a = lattice_potential(mm, nn)[np.abs(np.arange(-Mx, Mx + 1))][:, np.abs(np.arange(-My, My + 1))]
            const = (_EULER + 1.5 * math.log(2.0) - math.log(h / self.gauge_length)) / (2 * math.pi)
            G = const - a
            # the kernel's offsets -M..M on distinct indices (L >= 2 M + 1) is all a circular
            # convolution needs here: every target read back, -1..n, is within M of every
            # source, so no other offset wraps onto it
            Lx = sfft.next_fast_len(2 * Mx + 1, real=True)
            Ly = sfft.next_fast_len(2 * My + 1, real=True)
            ker = np.zeros((Lx, Ly))
            ox = np.arange(-Mx, Mx + 1) % Lx
            oy = np.arange(-My, My + 1) % Ly
            ker[np.ix_(ox, oy)] = G
            self._shape = (Lx, Ly)
            self._ker = sfft.rfft2(ker)

    # -- ghost layout ----------------------------------------------------------------------
    @property
    def n_ghost(self) -> int:
        nx, ny = self.grid.shape
        return (2 * ny if self.ox else 0) + (2 * nx if self.oy else 0)

    def ghosts_from_ext(self, ext: np.ndarray) -> np.ndarray:
        """Ghost values (left, right, bottom, top) from an extended array."""
        nx, ny = self.grid.shape
        ox, oy = self.ox, self.oy
        parts = []
        if ox:
            parts += [ext[0, oy:oy + ny], ext[-1, oy:oy + ny]]
        if oy:
            parts += [ext[ox:ox + nx, 0], ext[ox:ox + nx, -1]]
        return np.concatenate(parts) if parts else np.zeros(0)

    def interior(self, ext: np.ndarray) -> np.ndarray:
        nx, ny = self.grid.shape
        return ext[self.ox:self.ox + nx, self.oy:self.oy + ny]

    def ghost_part(self, g: np.ndarray) -> np.ndarray:
        """The right-side contribution of ghost values g: each boundary cell gets the sum
        of its ghost neighbours (unit link weight)."""
        nx, ny = self.grid.shape
        out = np.zeros((nx, ny))
        i = 0
        if self.ox:
            out[0, :] += g[i:i + ny]
            out[-1, :] += g[i + ny:i + 2 * ny]
            i += 2 * ny
        if self.oy:
            out[:, 0] += g[i:i + nx]
            out[:, -1] += g[i + nx:i + 2 * nx]
        return out

    def boundary_links(self, u: np.ndarray, g: np.ndarray) -> float:
        """Sum over the links from boundary cells to ghosts of (u - g): the discrete
        outward flux of -grad A, which equals sum(s) = mu0 I_total when the box rows hold."""
        nx, ny = self.grid.shape
        tot = 0.0
        i = 0
        if self.ox:
            tot += np.sum(u[0, :] - g[i:i + ny]) + np.sum(u[-1, :] - g[i + ny:i + 2 * ny])
            i += 2 * ny
        if self.oy:
            tot += np.sum(u[:, 0] - g[i:i + nx]) + np.sum(u[:, -1] - g[i + nx:i + 2 * nx])
        return float(tot)

    def ext_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        g = self.grid
        h = g.spacing
        x = g.origin[0] + (np.arange(-self.ox, g.nx + self.ox) + 0.5) * h
        y = g.origin[1] + (np.arange(-self.oy, g.ny + self.oy) + 0.5) * h
        return np.meshgrid(x, y, indexing="ij")

    # -- convolution -----------------------------------------------------------------------
    def potential(self, s: np.ndarray) -> np.ndarray:
        """G * s on the extended grid (T m, in the gauge of this boundary)."""
        nx, ny = self.grid.shape
        if not self.open:
            raise RuntimeError("a doubly periodic grid has no open boundary")
        px, py = self.periodic
        # s zero-padded to the FFT box by rfft2 itself (s=...); the transforms use the threads
        # numba is allowed (fluxoid.set_threads)
        w = nb.get_num_threads()
        shape = self._shape
        f = sfft.rfft2(np.asarray(s, dtype=np.float64), s=shape, workers=w)
        f *= self._ker
        out = sfft.irfft2(f, s=shape, workers=w)
        if px or py:
            if px:
                # target row t in [-1, ny] sits at index t (mod L)
                return out[:, np.arange(-1, ny + 1) % shape[1]]
            return out[np.arange(-1, nx + 1) % shape[0], :]
        Lx, Ly = shape
        return out[np.ix_(np.arange(-1, nx + 1) % Lx, np.arange(-1, ny + 1) % Ly)]


# ----------------------------------------------------------------------------------------------
# Line sources in the continuum (field_at away from the conductors)
# ----------------------------------------------------------------------------------------------

@nb.njit(parallel=True, cache=True, nogil=True)
def line_source_field(px, py, sx, sy, s, gauge_length, period, out_a, out_bx, out_by):
    """A, Bx, By at points (px, py) of line sources of strength s (= mu0 I) at (sx, sy).

    Free space (period <= 0): A = -(s / 2 pi) ln(r / gauge_length). Periodic along x with
    ``period`` P: A = -(s / 4 pi) ln(2 cosh(2 pi Y / P) - 2 cos(2 pi X / P)), written without
    overflow. B = (dA/dy, -dA/dx).
    """
    npnt = px.size
    nsrc = sx.size
    two_pi = 2.0 * np.pi
    for p in nb.prange(npnt):
        a = 0.0
        bx = 0.0
        by = 0.0
        x = px[p]
        y = py[p]
        if period <= 0.0:
            lg = np.log(gauge_length)
            for q in range(nsrc):
                dx = x - sx[q]
                dy = y - sy[q]
                r2 = dx * dx + dy * dy
                w = s[q] / two_pi
                a -= w * (0.5 * np.log(r2) - lg)
                bx -= w * dy / r2
                by += w * dx / r2
        else:
            k = two_pi / period
            for q in range(nsrc):
                u = k * (y - sy[q])
                v = k * (x - sx[q])
                au = abs(u)
                e = np.exp(-au)
                d = 1.0 - 2.0 * e * np.cos(v) + e * e
                w = s[q]
                a -= w / (2.0 * two_pi) * (au + np.log(d))
                sg = 1.0 if u >= 0 else -1.0
                dady = -w / (2.0 * period) * sg * (1.0 - e * e) / d
                dadx = -w / (2.0 * period) * 2.0 * e * np.sin(v) / d
                bx += dady
                by -= dadx
        out_a[p] = a
        out_bx[p] = bx
        out_by[p] = by


# ----------------------------------------------------------------------------------------------
# The solver
# ----------------------------------------------------------------------------------------------

@dataclass
class TransverseResult:
    """Raw result of problem B (SI gauge).

    Attributes
    ----------
    A : ndarray (nx, ny)
        Az on every cell (T m).
    ghost : ndarray
        Az on the ghost ring (left, right, bottom, top), the box's Dirichlet values.
    A_ext : ndarray
        A_applied + G * s on the extended grid, from the currents alone (the check).
    c : ndarray (n_conductors,)
        The constant c_k of each conductor (T m = Wb/m).
    sources : ndarray (nx, ny)
        s_c = mu0 Jz_c f_c h^2 (T m).
    currents : ndarray (n_conductors,)
        Net current of each conductor measured from its cells (A).
    residual : float
        Relative residual of the box system.
    boundary_residual : float
        max |A - (A_applied + G * s)| over grid and ghosts, relative to the induced field.
    """

    operator: TransverseOperator
    boundary: OpenBoundary
    A: np.ndarray
    ghost: np.ndarray
    A_ext: np.ndarray | None
    c: np.ndarray
    sources: np.ndarray
    currents: np.ndarray
    residual: float
    boundary_residual: float
    iterations: int
    inner_iterations: int
    method: str
    ampere_residual: float = 0.0
    history: list = field(default_factory=list)


def applied_potential(X, Y, applied) -> np.ndarray:
    """A of a uniform field (Bx, By): Bx y - By x."""
    bx, by = float(applied[0]), float(applied[1])
    return bx * Y - by * X


def _combined_guess(start, kept, g):
    """A start for the box solve with ghosts g, combined from earlier ones (None if g is
    not near their span, or some were not kept): u(g) = u_0 + sum c_k u(v_k) for
    g = sum c_k v_k, with ``start`` = (u_0, b_0) the solve with the sources and no ghosts
    and ``kept`` the (v_k, u(v_k), b(v_k)) of the source-free ones (None: not kept). Only a
    start: the solve from it still runs to its tolerance."""
    if not start or not kept or any(t is None for t in kept):
        return None
    V = np.stack([t[0] for t in kept], axis=1)
    c = np.linalg.lstsq(V, g, rcond=None)[0]
    if not np.linalg.norm(V @ c - g) <= 1e-3 * max(float(np.linalg.norm(g)), 1e-300):
        return None
    u = start[0].astype(np.float64)
    b = np.array(start[1], dtype=float)
    for ck, (_, uk, bk) in zip(c, kept, strict=True):
        u += ck * uk
        b += ck * bk
    return u, b


class TransverseSolver:
    """A reusable solver of problem B on one geometry.

    It keeps the operator (and its factorization) for each conductor arrangement
    (which conductors are current-driven, which are tied), so sweeps and the
    inductance matrix (one solve per conductor) factorize once.

    Parameters
    ----------
    geometry : Geometry
    options : SolverOptions
    """

    def __init__(self, geometry: Geometry, options: SolverOptions | None = None):
        self.geometry = geometry
        self.options = (options or SolverOptions()).validate_for("transverse")
        self.cells = conductor_cells(geometry)
        self._ops: dict = {}
        self._bounds: dict = {}

    @property
    def n_conductors(self) -> int:
        return self.cells.n_conductors

    def boundary(self, gauge_length: float) -> OpenBoundary:
        key = float(gauge_length)
        if key not in self._bounds:
            self._bounds[key] = OpenBoundary(self.geometry.grid, key)
        return self._bounds[key]

    def operator(self, group: np.ndarray) -> TransverseOperator:
        key = tuple(int(v) for v in group)
        if key not in self._ops:
            self._ops[key] = build_operator(self.geometry, np.asarray(key, dtype=np.int64), self.cells)
        return self._ops[key]

    # -- box solves ------------------------------------------------------------------------
    def _method(self, op: TransverseOperator) -> str:
        method = self.options.method
        if method == "auto":
            limit = self.options.direct_limit_for("transverse")
            method = "direct" if op.n_unknowns <= limit else "multigrid"
        if method == "multigrid":
            try:
                from . import multigrid  # noqa: F401  (the performance core's, when present)
            except ImportError:
                method = "cg"
        return method

    def _box_solve(self, op, rhs_u, rhs_b, method, tol, x0=None):
        if method == "direct":
            x = op.factorized().solve(op.pack(rhs_u, rhs_b))
            u, b = op.unpack(x)
            return u, b, 1
        if method == "cg":
            res = pcg(op.apply, op.jacobi, rhs_u, rhs_b, tol=tol, maxiter=self.options.maxiter, x0=x0)
            return res.u, res.b, res.iterations
        from . import multigrid as mg

        if getattr(op, "_hierarchy", None) is None:
            op._hierarchy = mg.Hierarchy(op, precision=getattr(self.options, "precision", "float32"),
                                         cycle=self.options.cycle_for("transverse"))
        try:
            u, b, it, _ = mg.pcg(op, op._hierarchy, rhs_u, rhs_b, tol=tol,
                                 maxiter=self.options.maxiter, x0=x0)
        except (ZeroDivisionError, ConvergenceError):
            # the preconditioner broke down on this operator: conjugate gradients with the
            # diagonal preconditioner still solve it (the result is checked either way)
            res = pcg(op.apply, op.jacobi, rhs_u, rhs_b, tol=tol, maxiter=self.options.maxiter, x0=x0)
            return res.u, res.b, res.iterations
        return u, b, it

    # -- the solve -------------------------------------------------------------------------
    def solve(self, *, group: np.ndarray, group_currents: np.ndarray, fixed_c: np.ndarray,
              applied=(0.0, 0.0), gauge_length: float | None = None) -> TransverseResult:
        """Solve problem B.

        Parameters
        ----------
        group : int array (n_conductors,)
            Unknown-c index of each conductor (-1: its c is fixed); conductors sharing an
            index are tied.
        group_currents : array (n_groups,)
            Net current of each group (A).
        fixed_c : array (n_conductors,)
            c_k (T m) of the fixed conductors, in the SI gauge (ignored for the others).
        applied : (Bx, By)
            Uniform transverse field (T).
        gauge_length : float, optional
            Internal gauge length; default: the box diagonal when no c is fixed, else the SI
            gauge length. Results are returned in the SI gauge either way.
        """
        from .run import _threads

        geo = self.geometry
        opts = self.options
        op = self.operator(group)
        fixed = op.group < 0
        fixed_c = np.asarray(fixed_c, dtype=float)
        flux_g = MU0 * np.asarray(group_currents, dtype=float)
        grid = geo.grid
        ext = grid.extent
        diag_len = math.hypot(ext[1] - ext[0], ext[3] - ext[2])
        if gauge_length is None:
            gauge_length = diag_len if not fixed.any() else GAUGE_LENGTH
        bnd = self.boundary(gauge_length)
        method = self._method(op)
        inner_tol = opts.tol if method == "direct" else 0.1 * opts.tol
        Xe, Ye = bnd.ext_coordinates()
        A_app_ext = applied_potential(Xe, Ye, applied)
        inner = [0]

        def box(g, with_sources: bool, x0=None, tol=inner_tol):
            gp = bnd.ghost_part(g) if bnd.n_ghost else None
            if with_sources:
                rhs_u, rhs_b = op.rhs(gp, fixed_c, flux_g)
            else:
                rhs_u, rhs_b = op.rhs(gp, np.zeros_like(fixed_c), np.zeros_like(flux_g))
            u, b, it = self._box_solve(op, rhs_u, rhs_b, method, max(tol, inner_tol), x0)
            inner[0] += it
            return u, b, rhs_u, rhs_b

        history = []
        with _threads(opts.threads):
            if not bnd.open:
                g = np.zeros(0)
                u, b, rhs_u, rhs_b = box(g, True)
                outer = 0
            else:
                app_g = bnd.ghosts_from_ext(A_app_ext)

                # the box solves GMRES asks for, kept (a few, in float32: a start needs no
                # more) to start the last one from: the box solve is linear in the ghosts
                start: list = []
                kept: list = []

                def F(g, with_sources, tol=inner_tol):
                    u, b, _, _ = box(g, with_sources, tol=tol)
                    if with_sources:
                        start[:] = [u.astype(np.float32), b.copy()]
                    elif len(kept) < MAX_KEPT_BOX_SOLVES:
                        kept.append((g.copy(), u.astype(np.float32), b.copy()))
                    else:
                        kept.append(None)
                    s, _ = op.sources(u, b, fixed_c if with_sources else np.zeros_like(fixed_c))
                    val = bnd.ghosts_from_ext(bnd.potential(s))
                    return val + app_g if with_sources else val

                f0 = F(np.zeros(bnd.n_ghost), True)
                nrm = float(np.linalg.norm(f0))
                outer_tol = max(0.1 * opts.tol, 1e-14)
                if method != "direct":
                    # box solves to inner_tol make the boundary map inexact at about that
                    # level: GMRES asked for less than ten times it restarts on the noise
                    # without progress (two bars at lambda 1.7 cells: 789 box solves, 19 s)
                    outer_tol = max(outer_tol, 10.0 * inner_tol)
                if nrm == 0.0:
                    g = f0
                    outer = 0
                else:
                    count = [0]

                    def matvec(v, tol):
                        count[0] += 1
                        return v - F(v, False, tol)

                    def cb(rk):
                        history.append(float(rk))

                    # the box solves GMRES asks for relax as its residual falls (they are
                    # products of its Krylov vectors, needed less accurately later on); the
                    # last box solve below is at full accuracy, and checked
                    g, steps, done, _ = gmres_relaxed(
                        matvec, f0, x0=f0.copy(), rtol=outer_tol, maxiter=GMRES_MAX_STEPS,
                        eta=0.1 * outer_tol, callback=cb)
                    outer = count[0]
                    if not done:
                        r = np.linalg.norm(f0 - matvec(g, inner_tol)) / nrm
                        raise ConvergenceError(
                            f"the open-boundary iteration stopped at relative mismatch {r:.3e} "
                            f"(tolerance {outer_tol:.1e}) after {outer} box solves",
                            residual=r, iterations=outer)
                u, b, rhs_u, rhs_b = box(g, True, _combined_guess(start, kept, g) if nrm else None)
            # the box residual, afresh with the matrix-free operator
            q_u = np.empty_like(u)
            q_b = np.empty_like(b)
            op.apply(np.ascontiguousarray(u), b, q_u, q_b)
            rnum = math.sqrt(float(np.sum((rhs_u - q_u) ** 2) + np.sum((rhs_b - q_b) ** 2)))
            rden = math.sqrt(float(np.sum(rhs_u**2) + np.sum(rhs_b**2)))
            residual = rnum / rden if rden > 0 else rnum
            s, c = op.sources(u, b, fixed_c)
            if bnd.open:
                A_ext = bnd.potential(s) + A_app_ext
                inside = bnd.interior(A_ext)
                ind = A_ext - A_app_ext
                scale = max(float(np.abs(ind).max()), float(np.abs(s).sum()) * 1e-3, 1e-300)
                gcheck = bnd.ghosts_from_ext(A_ext)
                mism = max(float(np.abs(inside - u).max()),
                           float(np.abs(gcheck - g).max()) if g.size else 0.0) / scale
                amp = bnd.boundary_links(u, g)
                amp_res = abs(amp - float(s.sum())) / max(float(np.abs(s).sum()), 1e-300)
            else:
                A_ext = None
                mism = 0.0
                amp_res = abs(float(s.sum())) / max(float(np.abs(s).sum()), 1e-300)
        # shift to the SI gauge: G_SI = G + ln(l_int / l0) / 2 pi
        shift = 0.0
        if bnd.open and not any(grid.periodic) and gauge_length != GAUGE_LENGTH:
            shift = float(s.sum()) * math.log(GAUGE_LENGTH / gauge_length) / (2 * math.pi)
        u = u + shift
        g = g + shift
        c = np.where(fixed, c, c + shift)
        if A_ext is not None:
            A_ext = A_ext + shift
        own = op.cells.owner
        currents = np.bincount(own[own >= 0], weights=s[own >= 0],
                               minlength=self.n_conductors)[: self.n_conductors] / MU0
        if not (residual <= 10 * opts.tol) or not np.all(np.isfinite(u)):
            raise ConvergenceError(
                f"the {method} box solve reached relative residual {residual:.3e}, above the "
                f"tolerance {opts.tol:.1e}", residual=residual, iterations=inner[0])
        return TransverseResult(op, bnd, u, g, A_ext, c, s, currents, residual, mism,
                                outer, inner[0], method,
                                ampere_residual=amp_res, history=history)


__all__ = [
    "GAUGE_LENGTH", "lattice_potential", "periodic_lattice_green", "ConductorCells",
    "conductor_cells", "TransverseOperator", "build_operator", "OpenBoundary",
    "line_source_field", "TransverseResult", "TransverseSolver", "applied_potential",
]
