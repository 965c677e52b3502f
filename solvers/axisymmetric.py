"""Formulation C: bodies of revolution, the flux function Psi(r, z) = 2 pi r A_phi.

The continuous problem (PHYSICS.md, problem C), written for the flux function::

    -r d/dr (1/r dPsi/dr) - d2Psi/dz2 + chi (Psi - n_k Phi0) / lambda^2 = 0
    Psi = 0 on the axis;  Psi -> pi r^2 Ba + (coils) far away
    J_phi = -(Psi - n_k Phi0) / (2 pi r mu0 lambda^2)     in ring k (n = 0 in a solid body)

Splitting and symmetric form
----------------------------
Psi = Psi_ext + Psi_ind: the applied part Psi_ext (pi r^2 Ba plus the flux of
the coaxial coils, exact and "harmonic" where the superconductor is) is known
in closed form; the unknown is the field of the induced currents, Psi_ind.
Divided by r, the operator is the symmetric

    -div((1/r) grad Psi_ind) + chi/(r lambda^2) Psi_ind = chi/(r lambda^2) (n_k Phi0 - Psi_ext),

the variation of the energy 1/2 integral [|grad Psi|^2/r + chi (Psi - ...)^2/(r lambda^2)] dr dz,
which is (2 pi)^2 times the magnetic plus kinetic energy.

Discretization
--------------
Nodes r_i = (i + 1) h (the axis r = 0 is a boundary node with Psi = 0, so 1/r
is only ever taken at r_{i+1/2} > 0 and the scheme is exact for Psi = c r^2),
the 5-point stencil with weights 1/r_{i+1/2} on r links and 1/r_i on z links,
and the mass term on each node's dual cell weighted by the share of that cell
inside the superconductor (the cut-cell fraction, nodes centred outside the
body included): the quadrature of the energy is second order, so the moment,
the ring currents and the fluxes converge at second order. Psi and its normal
derivative are continuous across the surface (no surface current in London
theory), so no special stencil is needed there. In grid units (r = x h) the
rows read

    sum_links w (u_c - u_nb) + m_c u_c = m_c s_c,   m_c = f_c (h / lambda)^2 / x_c

with s = n_k Phi0 - Psi_ext: a scalar SPD 5-point stencil of the same form as
the axial operator (diag, wx, wy), so the same kernels, Krylov solver and
multigrid apply.

Open boundary
-------------
On the box's outer edges (r = r_box, z = z_lo, z = z_hi) Psi_ind is the exact
field of the induced currents: the sum over the superconducting nodes of the
flux of a circular current loop (Maxwell's formula with the complete elliptic
integrals K and E, evaluated by the arithmetic-geometric mean in a numba
kernel). Those currents depend on the boundary values, so the boundary values
g solve the (small, well-conditioned) system

    g = G I(u(g)),   i.e.  (1 + G C S W) g = G C (s - u_0)

by GMRES, each product being one box solve (one triangular solve with a
factorization kept for the whole solve, or conjugate gradients) and one
Green's-function sum: the free-boundary scheme of Grad-Shafranov codes, with
the plasma currents replaced by the London currents. No far-field assumption
is made, so the box can hug the body (1.5 radii for a sphere).

The sums are cheap on the outer edge (a convolution along z per source column, by FFT);
on the top and bottom edges, on large grids, the source nodes are grouped in blocks and
each block acts on the targets farther than three block sides through a tensor Chebyshev
interpolant of the loop flux (:class:`BlockGreen`, 7 x 7 equivalent loops per block, error
below 1e-9 of the sum's scale, tested against the exact sum); nearer pairs are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba as nb
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..constants import MU0, PHI0
from ..errors import ConvergenceError, ParameterError
from . import kernels as K
from .krylov import gmres_relaxed, pcg
from .options import SolverOptions

_OPTS = dict(cache=True, nogil=True, fastmath=False)

#: Largest dense Green's matrix (entries) kept for the top and bottom edges of the box;
#: above it the loop sums are evaluated afresh at each product.
DENSE_GREEN_LIMIT = 12_000_000
#: Steps of the open-boundary GMRES (no restarts; 3-5 on the test bodies).
GMRES_MAX_STEPS = 100


# -- the field of a circular current loop (numba) -------------------------------------------------

@nb.njit(**_OPTS)
def ellipke(m):
    """Complete elliptic integrals (K(m), E(m)), parameter m = k^2 in [0, 1), by the AGM."""
    a = 1.0
    g = math.sqrt(1.0 - m)
    s = 0.5 * m
    p = 0.5
    for _ in range(60):
        c = 0.5 * (a - g)
        an = 0.5 * (a + g)
        g = math.sqrt(a * g)
        a = an
        p *= 2.0
        s += p * c * c
        if abs(c) <= 1e-16 * a:
            break
    Kv = 0.5 * math.pi / a
    return Kv, Kv * (1.0 - s)


@nb.njit(**_OPTS)
def loop_flux(r, z, a, zc):
    """Flux (Wb per A) through the circle (r, z) from a unit loop of radius a at height zc:
    mu0 sqrt((a + r)^2 + dz^2) / 2 * ((2 - m) K(m) - 2 E(m)),  m = 4 a r / ((a + r)^2 + dz^2)."""
    d = z - zc
    den = (a + r) ** 2 + d * d
    m = 4.0 * a * r / den
    if m >= 1.0:
        return np.inf
    Kv, Ev = ellipke(m)
    return MU0 * 0.5 * math.sqrt(den) * ((2.0 - m) * Kv - 2.0 * Ev)


@nb.njit(**_OPTS)
def loop_field(r, z, a, zc):
    """(Br, Bz) (T per A) at (r, z) of a unit loop of radius a at height zc."""
    d = z - zc
    den = (a + r) ** 2 + d * d
    q = (a - r) ** 2 + d * d
    if q == 0.0:
        return np.nan, np.nan
    sq = math.sqrt(den)
    m = 4.0 * a * r / den
    Kv, Ev = ellipke(m)
    c = MU0 / (2.0 * math.pi)
    bz = c / sq * (Kv + (a * a - r * r - d * d) / q * Ev)
    if r < 1e-4 * sq:
        ad = a * a + d * d
        br = 0.75 * MU0 * a * a * r * d / (ad * ad * math.sqrt(ad))
    else:
        br = c * d / (r * sq) * (-Kv + (a * a + r * r + d * d) / q * Ev)
    return br, bz


@nb.njit(parallel=True, **_OPTS)
def flux_of_loops(rp, zp, rc, zc, current, out):
    """out[p] = sum_c loop_flux(rp[p], zp[p], rc[c], zc[c]) current[c]."""
    for p in nb.prange(rp.size):
        s = 0.0
        for c in range(rc.size):
            s += loop_flux(rp[p], zp[p], rc[c], zc[c]) * current[c]
        out[p] = s


@nb.njit(parallel=True, **_OPTS)
def flux_matrix(rp, zp, rc, zc, out):
    """out[p, c] = loop_flux(rp[p], zp[p], rc[c], zc[c]) (the Green's function as a matrix)."""
    for p in nb.prange(rp.size):
        for c in range(rc.size):
            out[p, c] = loop_flux(rp[p], zp[p], rc[c], zc[c])


@nb.njit(parallel=True, **_OPTS)
def field_of_loops(rp, zp, rc, zc, current, out_br, out_bz):
    """(Br, Bz)[p] = sum_c loop_field(rp[p], zp[p], rc[c], zc[c]) current[c]."""
    for p in nb.prange(rp.size):
        sr = 0.0
        sz = 0.0
        for c in range(rc.size):
            br, bz = loop_field(rp[p], zp[p], rc[c], zc[c])
            sr += br * current[c]
            sz += bz * current[c]
        out_br[p] = sr
        out_bz[p] = sz


# -- the accelerated Green's sum on the top and bottom edges (block interpolation) ----------------

#: Source nodes per block side, interpolation nodes per direction, and the far-field criterion
#: (a block acts through its interpolation nodes on targets farther than FAR_ETA block sides
#: from its centre; nearer pairs are summed exactly).
FAR_BLOCKS = (16, 32, 64)  # the smallest whose interpolation matrix fits DENSE_GREEN_LIMIT
FAR_ORDER = 7
FAR_ETA = 3.0
#: Fewest source-target pairs on the top and bottom edges for which the block sum is used
#: (below it the exact sum is cheap).
ACCEL_MIN_PAIRS = 4_000_000


@nb.njit(parallel=True, **_OPTS)
def flux_of_pairs(rp, zp, rc, zc, rows, cols, out):
    """out[k] = loop_flux(rp[rows[k]], zp[rows[k]], rc[cols[k]], zc[cols[k]])."""
    for k in nb.prange(rows.size):
        out[k] = loop_flux(rp[rows[k]], zp[rows[k]], rc[cols[k]], zc[cols[k]])


@nb.njit(parallel=True, **_OPTS)
def flux_of_proxies(rp, zp, rq, zq, block, near, w, out):
    """out[p] = sum over proxies q of blocks far from p of loop_flux(p, q) w[q]."""
    for p in nb.prange(rp.size):
        s = 0.0
        for q in range(rq.size):
            if not near[p, block[q]]:
                s += loop_flux(rp[p], zp[p], rq[q], zq[q]) * w[q]
        out[p] = s


@nb.njit(**_OPTS)
def anterpolate(block, La, Lz, current, w):
    """w[b p^2 + a p + c] += La[s, a] Lz[s, c] current[s] for each source s of block b."""
    pa = La.shape[1]
    pz = Lz.shape[1]
    for s in range(block.size):
        base = block[s] * pa * pz
        for a in range(pa):
            ca = La[s, a] * current[s]
            for c in range(pz):
                w[base + a * pz + c] += ca * Lz[s, c]


def _lagrange_basis(t: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """L[n, q]: the Lagrange polynomials of the nodes evaluated at t (n points)."""
    p = nodes.size
    L = np.ones((t.size, p))
    for q in range(p):
        for m in range(p):
            if m != q:
                L[:, q] *= (t - nodes[m]) / (nodes[q] - nodes[m])
    return L


class BlockGreen:
    """The flux of node currents at fixed target points, summed by block interpolation.

    The source nodes are grouped in blocks of ``block`` x ``block`` grid cells. For a target
    farther than ``eta`` block sides from a block's centre, the loop flux
    G(target; a, z_c) is replaced over the block by its tensor-product interpolant on
    ``order`` x ``order`` Chebyshev nodes, so the block's currents act through ``order**2``
    equivalent loops (weights = the currents times the Lagrange polynomials); nearer pairs are
    summed exactly. G is analytic away from the target, so the error falls geometrically with
    ``order`` (about (4 eta)^-order relative; measured in the tests against the exact sum).
    The interpolation matrix of the targets is kept dense when it fits in ``dense_limit``
    entries, the near pairs as a sparse matrix.
    """

    def __init__(self, rt, zt, rc, zc, ic, jc, h, *, block=None, order=FAR_ORDER,
                 eta=FAR_ETA, dense_limit=None):
        rt = np.ascontiguousarray(rt, float)
        zt = np.ascontiguousarray(zt, float)
        self.n_targets, self.n_sources = rt.size, rc.size
        limit = DENSE_GREEN_LIMIT if dense_limit is None else dense_limit
        p = int(order)
        if block is None:
            # the smallest block whose dense interpolation matrix fits (else 32, summed afresh)
            block = FAR_BLOCKS[1]
            for kk in FAR_BLOCKS:
                nblk_ = np.unique((ic // kk) * (int(jc.max(initial=0)) // kk + 1) + jc // kk).size
                if rt.size * nblk_ * p * p <= limit:
                    block = kk
                    break
        k = self.block = int(block)
        self.order = p
        if k < 2 or p < 1:
            raise ParameterError(f"block must be >= 2 and order >= 1, got block={k}, order={p}")
        bi, bj = ic // k, jc // k
        nbj = int(bj.max()) + 1 if bj.size else 1
        keys, src_block = np.unique(bi * nbj + bj, return_inverse=True)
        src_block = src_block.ravel()
        nblk = keys.size
        kb_i, kb_j = keys // nbj, keys % nbj
        # block extents: node i sits at r = (i + 1) h, node j at z = z_0 + j h
        z0 = zc[0] - jc[0] * h if zc.size else 0.0
        r_lo = (kb_i * k + 1) * h
        z_lo = z0 + kb_j * k * h
        half = 0.5 * (k - 1) * h
        rcen, zcen = r_lo + half, z_lo + half
        x = np.cos((2 * np.arange(p) + 1) * np.pi / (2 * p))  # Chebyshev nodes (first kind)
        La = _lagrange_basis((rc - rcen[src_block]) / half, x)
        Lz = _lagrange_basis((zc - zcen[src_block]) / half, x)
        # proxies: block b, node (qa, qz) -> b p^2 + qa p + qz
        rq = (rcen[:, None, None] + half * x[None, :, None]) * np.ones((1, 1, p))
        zq = (zcen[:, None, None] + half * x[None, None, :]) * np.ones((1, p, 1))
        self._rq = np.ascontiguousarray(rq.ravel())
        self._zq = np.ascontiguousarray(zq.ravel())
        self._qblock = np.repeat(np.arange(nblk), p * p)
        self._La = np.ascontiguousarray(La)
        self._Lz = np.ascontiguousarray(Lz)
        self._src_block = np.ascontiguousarray(src_block, dtype=np.int64)
        # near pairs (target, block): exact
        d2 = (rt[:, None] - rcen[None, :]) ** 2 + (zt[:, None] - zcen[None, :]) ** 2
        near = d2 < (eta * k * h) ** 2
        self._near = near
        nt_, nb_ = np.nonzero(near)
        order_src = np.argsort(src_block, kind="stable")
        counts = np.bincount(src_block, minlength=nblk)
        starts = np.concatenate([[0], np.cumsum(counts)])
        cnt = counts[nb_]
        n_near = int(cnt.sum())
        self.n_near_pairs = n_near
        if n_near:
            rows_n = np.repeat(nt_, cnt)
            offs = np.repeat(starts[nb_] - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
            cols_n = order_src[np.arange(n_near) + offs]
            v = np.empty(n_near)
            flux_of_pairs(rt, zt, rc, zc, rows_n.astype(np.int64), cols_n.astype(np.int64), v)
            self._N = sp.csr_matrix((v, (rows_n, cols_n)), shape=(rt.size, rc.size))
        else:
            self._N = None
        self._rt, self._zt = rt, zt
        self.n_proxies = self._rq.size
        self._Gq = None
        if rt.size * self.n_proxies <= limit:
            G = np.empty((rt.size, self.n_proxies))
            flux_matrix(rt, zt, self._rq, self._zq, G)
            G[near[:, self._qblock]] = 0.0
            self._Gq = G

    def __call__(self, currents: np.ndarray) -> np.ndarray:
        currents = np.ascontiguousarray(currents, float)
        w = np.zeros(self.n_proxies)
        anterpolate(self._src_block, self._La, self._Lz, currents, w)
        if self._Gq is not None:
            out = self._Gq @ w
        else:
            out = np.empty(self.n_targets)
            flux_of_proxies(self._rt, self._zt, self._rq, self._zq, self._qblock, self._near,
                            np.ascontiguousarray(w), out)
        if self._N is not None:
            out += self._N @ currents
        return out


def coil_flux(r, z, coils) -> np.ndarray:
    """Flux function Psi (Wb) of the coaxial coils at points (r, z)."""
    r, z = np.broadcast_arrays(np.asarray(r, float), np.asarray(z, float))
    out = np.zeros(r.size)
    if coils:
        a = np.array([c.radius for c in coils], float)
        zc = np.array([c.z for c in coils], float)
        cur = np.array([c.current for c in coils], float)
        flux_of_loops(np.ascontiguousarray(r.ravel()), np.ascontiguousarray(z.ravel()), a, zc,
                      cur, out)
    return out.reshape(r.shape)


def coil_field(r, z, coils) -> tuple[np.ndarray, np.ndarray]:
    """(Br, Bz) (T) of the coaxial coils at points (r, z)."""
    r, z = np.broadcast_arrays(np.asarray(r, float), np.asarray(z, float))
    br = np.zeros(r.size)
    bz = np.zeros(r.size)
    if coils:
        a = np.array([c.radius for c in coils], float)
        zc = np.array([c.z for c in coils], float)
        cur = np.array([c.current for c in coils], float)
        field_of_loops(np.ascontiguousarray(np.abs(r).ravel()), np.ascontiguousarray(z.ravel()),
                       a, zc, cur, br, bz)
        br *= np.sign(np.where(r.ravel() == 0, 1.0, r.ravel()))
    return br.reshape(r.shape), bz.reshape(r.shape)


def external_flux(r, z, applied_field: float, coils) -> np.ndarray:
    """Psi_ext = pi r^2 Ba + the coils' flux (Wb)."""
    r = np.asarray(r, float)
    return np.pi * r * r * applied_field + coil_flux(r, z, coils)


# -- the operator ---------------------------------------------------------------------------------

@dataclass(eq=False)
class AxisymmetricOperator:
    """The discrete operator of problem C on a body of revolution (grid units, see module doc).

    Attributes
    ----------
    diag, wx, wy : ndarray (nr, nz)
        Diagonal and +r / +z couplings of the 5-point stencil (``wx[i, j]`` couples
        node (i, j) to (i+1, j); zero on the last row/column, whose links go to
        boundary nodes and are counted in ``diag``).
    mass : ndarray (nr, nz)
        f (h / lambda)^2 / x on superconducting nodes, 0 elsewhere.
    w_outer : float
        Weight of the links from the last r column to the boundary at r_box.
    w_z : ndarray (nr,)
        Weight of the links from the first/last z row to the bottom/top boundary.
    """

    geometry: object
    diag: np.ndarray
    wx: np.ndarray
    wy: np.ndarray
    mass: np.ndarray
    w_outer: float
    w_z: np.ndarray
    # hole couplings: none (rings need no extra unknown in the flux formulation); kept so the
    # operator looks like AxialOperator to the shared Krylov and multigrid code
    edge_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    edge_hole: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    edge_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hole_mass: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hole_diag: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def shape(self) -> tuple[int, int]:
        return self.diag.shape

    @property
    def unknown(self) -> np.ndarray:
        return np.ones(self.shape, dtype=bool)

    @property
    def n_holes(self) -> int:
        return 0

    @property
    def n_unknowns(self) -> int:
        return int(self.diag.size)

    @property
    def n_boundary(self) -> int:
        nr, nz = self.shape
        return nz + 2 * nr

    # -- matrix-free application ------------------------------------------------------------
    def apply(self, u, b, out_u, out_b) -> None:
        """out_u = A u (b, out_b: empty hole parts, for the shared Krylov code)."""
        K.stencil_apply(u, self.diag, self.wx, self.wy, False, False, out_u)

    def jacobi(self, r_u, r_b, z_u, z_b) -> None:
        K.jacobi(r_u, self.diag, z_u)

    # -- right side --------------------------------------------------------------------------
    def source_rhs(self, s: np.ndarray) -> np.ndarray:
        """m s: the London source for s = n_k Phi0 - Psi_ext on the nodes (Wb)."""
        return np.ascontiguousarray(self.mass * s)

    def boundary_rhs(self, g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The right side of boundary values g = [outer (nz), bottom (nr), top (nr)] (Wb)."""
        nr, nz = self.shape
        out = np.zeros(self.shape) if out is None else out
        out[nr - 1, :] += self.w_outer * g[:nz]
        out[:, 0] += self.w_z * g[nz:nz + nr]
        out[:, nz - 1] += self.w_z * g[nz + nr:]
        return out

    def boundary_points(self) -> tuple[np.ndarray, np.ndarray]:
        """(r, z) of the boundary nodes, in the order of g (m)."""
        geo = self.geometry
        r_box, z_lo, z_hi = geo.box
        nr, nz = self.shape
        rb = np.concatenate([np.full(nz, r_box), geo.r, geo.r])
        zb = np.concatenate([geo.z, np.full(nr, z_lo), np.full(nr, z_hi)])
        return rb, zb

    # -- assembled matrix ---------------------------------------------------------------------
    def matrix(self) -> sp.csr_matrix:
        """The same operator as a scipy.sparse matrix (nodes in C order)."""
        nr, nz = self.shape
        idx = np.arange(nr * nz).reshape(nr, nz)
        rows = [idx.ravel()]
        cols = [idx.ravel()]
        vals = [self.diag.ravel()]
        for a, c, w in ((idx[:-1, :], idx[1:, :], self.wx[:-1, :]),
                        (idx[:, :-1], idx[:, 1:], self.wy[:, :-1])):
            rows += [a.ravel(), c.ravel()]
            cols += [c.ravel(), a.ravel()]
            vals += [-w.ravel(), -w.ravel()]
        A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(nr * nz, nr * nz))
        return A.tocsr()

    def pack(self, u: np.ndarray, b=None) -> np.ndarray:
        return u.ravel().copy()

    def unpack(self, x: np.ndarray):
        return x.reshape(self.shape).copy(), np.zeros(0)

    def laplacian_part(self, u: np.ndarray) -> np.ndarray:
        """The link part sum w (u_c - u_nb) of the rows (boundary values taken as 0)."""
        out = np.empty_like(u)
        K.stencil_apply(np.ascontiguousarray(u), self.diag - self.mass, self.wx, self.wy, False,
                        False, out)
        return out


def build_operator(geo) -> AxisymmetricOperator:
    """Assemble the coefficient arrays of problem C on a RevolutionGeometry (vectorized)."""
    nr, nz = geo.grid.shape
    h = geo.grid.spacing
    x = np.arange(1, nr + 1, dtype=float)  # r / h at the nodes
    X = np.broadcast_to(x[:, None], (nr, nz))
    lam = geo.penetration_depth
    sc = geo.superconductor
    mass = np.where(sc, geo.fraction * (h / np.where(sc, lam, 1.0)) ** 2 / X, 0.0)
    wx = np.zeros((nr, nz))
    wx[:-1, :] = (1.0 / (x[:-1] + 0.5))[:, None]
    wy = np.zeros((nr, nz))
    wy[:, :-1] = (1.0 / x)[:, None]
    w_outer = 1.0 / (nr + 0.5)
    w_z = 1.0 / x
    diag = mass.copy()
    diag += (1.0 / (x + 0.5))[:, None]  # +r link (to the next node or to r_box)
    diag += (1.0 / (x - 0.5))[:, None]  # -r link (to the previous node or to the axis)
    diag += 2.0 * (1.0 / x)[:, None]  # the two z links
    return AxisymmetricOperator(geometry=geo, diag=np.ascontiguousarray(diag),
                                wx=np.ascontiguousarray(wx), wy=np.ascontiguousarray(wy),
                                mass=mass, w_outer=w_outer, w_z=w_z)


# -- the solver (reusable: one factorization for every solve on a geometry) -------------------------

@dataclass
class AxisymmetricResult:
    """Raw result: Psi_ind on the nodes and on the boundary (Wb), with the solve's record."""

    u: np.ndarray
    g: np.ndarray
    residual: float
    boundary_residual: float
    iterations: int
    boundary_iterations: int
    method: str


class AxisymmetricSolver:
    """Solves problem C repeatedly on one geometry (sweeps, inductance matrices).

    The box operator is factorized (``"direct"``) or preconditioned once; each
    solve then runs GMRES on the boundary values, one box solve per product.
    """

    def __init__(self, geo, options: SolverOptions | None = None, *, far_field: str = "auto"):
        if far_field not in ("auto", "exact", "block"):
            raise ParameterError(
                f"far_field must be 'auto', 'exact' or 'block', got {far_field!r}")
        self.far_field = far_field
        self.geometry = geo
        self.options = (options or SolverOptions()).validate_for("axisymmetric")
        self.operator = build_operator(geo)
        op = self.operator
        method = self.options.method
        if method == "auto":
            # the factorization serves every boundary iteration and every right side
            limit = self.options.direct_limit_for("axisymmetric")
            method = "direct" if op.n_unknowns <= limit else "multigrid"
        if method == "multigrid":
            try:
                from . import multigrid  # noqa: F401  (the shared multigrid core)
            except ImportError:
                method = "cg"
        self.method = method
        self._lu = None
        self._hier = None
        if method == "direct":
            # SPD: a symmetric minimum-degree ordering and no pivoting (sparser factors, half
            # the triangular-solve time of the default COLAMD ordering)
            self._lu = spla.splu(op.matrix().tocsc(), permc_spec="MMD_AT_PLUS_A",
                                 diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))
        elif method == "multigrid":
            from .multigrid import Hierarchy

            # built once: every boundary iteration and every right side reuses it
            self._hier = Hierarchy(op, precision=getattr(self.options, "precision", "float32"),
                                   cycle=self.options.cycle_for("axisymmetric"))
        h = geo.grid.spacing
        R, Z = geo.grid.meshgrid()
        sc = geo.superconductor
        self._sc = sc
        self._rc = np.ascontiguousarray(R[sc])
        self._zc = np.ascontiguousarray(Z[sc])
        # node current I_c = C_c (s_c - u_c) (A), C = m / (2 pi mu0 h)
        self._C = op.mass[sc] / (2.0 * np.pi * MU0 * h)
        self._rb, self._zb = op.boundary_points()
        self.box_iterations = 0
        self._setup_green()

    def _setup_green(self) -> None:
        """Precompute the Green's function of the currents on the box edges.

        On the outer edge r = r_box the flux of a loop at (r_c, z_c) depends on z_b - z_c only,
        so each column of source nodes acts by a convolution along z: one table per column
        (2 nz - 1 values) and an FFT. On the top and bottom edges the matrix is kept dense when
        small; above ACCEL_MIN_PAIRS source-target pairs (or with ``far_field="block"``) the
        sum is done by block interpolation (:class:`BlockGreen`); ``far_field="exact"`` keeps
        the exact sum (dense, or summed afresh in numba when too large to store).
        """
        geo = self.geometry
        nr, nz = geo.grid.shape
        h = geo.grid.spacing
        r_box = geo.box[0]
        self._cols = np.nonzero(self._sc.any(axis=1))[0]
        d = np.arange(-(nz - 1), nz) * h
        tmp = np.empty((d.size, self._cols.size))
        flux_matrix(np.full(d.size, r_box), np.ascontiguousarray(d),
                    np.ascontiguousarray(geo.r[self._cols]), np.zeros(self._cols.size), tmp)
        self._T_outer = np.ascontiguousarray(tmp.T)
        self._rtb = np.ascontiguousarray(self._rb[nz:])
        self._ztb = np.ascontiguousarray(self._zb[nz:])
        self._G_tb = None
        self._block_tb = None
        pairs = self._rtb.size * self._rc.size
        if self.far_field == "block" or (self.far_field == "auto" and pairs > ACCEL_MIN_PAIRS):
            ic, jc = np.nonzero(self._sc)
            self._block_tb = BlockGreen(self._rtb, self._ztb, self._rc, self._zc, ic, jc, h)
        elif pairs <= DENSE_GREEN_LIMIT:
            G = np.empty((self._rtb.size, self._rc.size))
            flux_matrix(self._rtb, self._ztb, self._rc, self._zc, G)
            self._G_tb = G

    # -- pieces ---------------------------------------------------------------------------------
    def box_solve(self, rhs: np.ndarray, tol: float | None = None) -> np.ndarray:
        """Solve A u = rhs in the box (boundary values already in rhs)."""
        op = self.operator
        if not np.any(rhs):
            return np.zeros(op.shape)
        tol = self.options.tol * 1e-2 if tol is None else tol
        if self._lu is not None:
            self.box_iterations += 1
            return self._lu.solve(rhs.ravel()).reshape(op.shape)
        if self._hier is not None:
            from .multigrid import pcg as mg_pcg

            u, _, it, _ = mg_pcg(op, self._hier, np.ascontiguousarray(rhs), np.zeros(0),
                                 tol=max(tol, 1e-14), maxiter=self.options.maxiter)
            self.box_iterations += it
            return u
        res = pcg(op.apply, op.jacobi, np.ascontiguousarray(rhs), np.zeros(0),
                  tol=max(tol, 1e-14), maxiter=self.options.maxiter)
        self.box_iterations += res.iterations
        return res.u

    def currents(self, u: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Current of each superconducting node's dual cell (A), from London's law."""
        return self._C * (s[self._sc] - u[self._sc])

    def green(self, currents: np.ndarray) -> np.ndarray:
        """Psi on the boundary nodes of the given node currents (exact loop fields)."""
        from scipy.signal import fftconvolve

        nz = self.geometry.grid.ny
        out = np.empty(self._rb.size)
        grid_I = np.zeros(self._sc.shape)
        grid_I[self._sc] = currents
        out[:nz] = fftconvolve(self._T_outer, grid_I[self._cols], mode="valid", axes=1).sum(axis=0)
        if self._block_tb is not None:
            out[nz:] = self._block_tb(currents)
        elif self._G_tb is not None:
            out[nz:] = self._G_tb @ currents
        else:
            tb = np.zeros(self._rtb.size)
            flux_of_loops(self._rtb, self._ztb, self._rc, self._zc,
                          np.ascontiguousarray(currents), tb)
            out[nz:] = tb
        return out

    # -- the coupled solve -------------------------------------------------------------------
    def solve(self, s: np.ndarray) -> AxisymmetricResult:
        """Psi_ind for the London source s = n_k Phi0 - Psi_ext on the nodes (Wb)."""
        op = self.operator
        tol = self.options.tol
        nb_ = op.n_boundary
        if not np.any(s[self._sc]):
            return AxisymmetricResult(np.zeros(op.shape), np.zeros(nb_), 0.0, 0.0, 0, 0,
                                      self.method)
        self.box_iterations = 0
        f = op.source_rhs(s)
        u0 = self.box_solve(f)
        rhs_g = self.green(self.currents(u0, s))
        zero_s = np.zeros_like(s)

        inner = max(tol * 1e-2, 1e-14)  # the box solves' tolerance

        def matvec(g, t):
            ug = self.box_solve(op.boundary_rhs(g), max(t, inner))
            return g - self.green(self.currents(ug, zero_s))

        rtol = min(tol, 1e-11) * 1e-1
        if self._lu is None:
            # iterative box solves make the boundary operator inexact at their tolerance:
            # GMRES can reach no closer than that
            rtol = max(rtol, 10.0 * inner)
        # the box solves relax as the GMRES residual falls (krylov.gmres_relaxed); the last
        # box solve below is at full accuracy, and checked
        g, steps, done, _ = gmres_relaxed(matvec, rhs_g, x0=np.zeros(nb_), rtol=rtol,
                                          maxiter=min(GMRES_MAX_STEPS, nb_), eta=0.1 * rtol)
        if not done:
            raise ConvergenceError(
                f"the open-boundary iteration (GMRES on {nb_} boundary values) did not converge "
                f"in {steps} steps; the body may be too close to the box edge: raise padding",
                iterations=steps)
        u = self.box_solve(f + op.boundary_rhs(g))
        # verify: the box equations, and that g is the field of the final currents
        q = np.empty_like(u)
        op.apply(u, np.zeros(0), q, np.zeros(0))
        rhs = f + op.boundary_rhs(g)
        nrm = float(np.linalg.norm(rhs))
        residual = float(np.linalg.norm(rhs - q)) / nrm if nrm > 0 else 0.0
        g_check = self.green(self.currents(u, s))
        gn = max(float(np.linalg.norm(g_check)), float(np.linalg.norm(g)))
        bres = float(np.linalg.norm(g - g_check)) / gn if gn > 0 else 0.0
        if not (residual <= 10.0 * tol and bres <= 10.0 * tol) or not np.all(np.isfinite(u)):
            raise ConvergenceError(
                f"the {self.method} axisymmetric solve reached relative residual {residual:.3e} "
                f"(box) and {bres:.3e} (open boundary), above the tolerance {tol:.1e}",
                residual=max(residual, bres), iterations=self.box_iterations)
        return AxisymmetricResult(u, g, residual, bres, self.box_iterations, steps, self.method)


# -- quantities measured on a discrete solution ----------------------------------------------------

def ampere_current(op: AxisymmetricOperator, u: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Mean current density J_phi over each node's dual cell (A/m^2), from Ampere's law
    applied to the discrete field: 2 pi mu0 h^3 J = -(h^2/x) Delta*_h Psi_ind = sum w (u_c - u_nb).

    (Delta* Psi_ext = 0 in the superconductor.) This uses the field only, not London's law.
    """
    h = op.geometry.grid.spacing
    lap = op.laplacian_part(u) - op.boundary_rhs(g)
    return lap / (2.0 * np.pi * MU0 * h**3)


def measure_fluxoid(op: AxisymmetricOperator, u, g, psi_ext, rings, *, min_fraction=0.25):
    """Fluxoid of each ring on every circle (r_c, z_c) through its nodes.

    Fluxoid = flux through the circle + loop of Lambda J = Psi(r_c, z_c) + mu0 lambda^2 2 pi r_c J,
    with J from Ampere's law on the discrete field (:func:`ampere_current`), divided by the
    node's superconducting share. Returns, per ring, the value on the node nearest the
    ring's centroid, the largest deviation over its nodes, and the scale of the terms.
    """
    geo = op.geometry
    R, Z = geo.grid.meshgrid()
    f = geo.fraction
    J = ampere_current(op, u, g)
    lam = np.where(geo.superconductor, geo.penetration_depth, 0.0)
    psi = psi_ext + u
    with np.errstate(divide="ignore", invalid="ignore"):
        kin = MU0 * lam**2 * 2.0 * np.pi * R * np.where(f > 0, J / f, 0.0)
    flux = psi + kin
    out, dev, scale = [], [], []
    for ring in rings:
        m = ring.mask & (f >= min_fraction)
        vals = flux[m]
        sc_ = np.abs(psi[m]) + np.abs(kin[m])
        d2 = (R[m] - ring.centroid[0]) ** 2 + (Z[m] - ring.centroid[1]) ** 2 - 1e-6 * f[m]
        k = int(np.argmin(d2))
        out.append(vals[k])
        dev.append(vals - vals[k])
        scale.append(sc_)
    return out, dev, scale


__all__ = [
    "AxisymmetricOperator", "AxisymmetricSolver", "AxisymmetricResult", "build_operator",
    "ellipke", "loop_flux", "loop_field", "flux_of_loops", "flux_matrix", "field_of_loops", "coil_flux",
    "BlockGreen",
    "coil_field", "external_flux", "ampere_current", "measure_fluxoid", "PHI0",
]
