"""Geometric multigrid as the preconditioner of conjugate gradients.

The operator is the masked, variable-coefficient 5-point operator of a
formulation (rows divided by h^2, see :mod:`fluxoid.solvers.kernels`) plus
hole unknowns, each a single unknown coupled to its edge cells.

Hierarchy
---------
Cell-centred aggregation of 2 x 2 cells (1 x 2 or 2 x 1 where an axis stops
coarsening). With P the piecewise-constant prolongation, a coarse operator is

    A_c = P^T M P + s P^T S P,        s = 1/2,

where M is the mass (the zeroth-order term) and S the stiffness (every link
weight, to a neighbour, to the outside vacuum or to a hole). P^T M P is exact;
scaling the Galerkin stiffness by 1/2 turns it into the rediscretized
operator for smooth fields (two fine links cross each coarse face), which
removes the known over-stiffness of piecewise-constant Galerkin coarsening.
Because both parts are Galerkin sums over the actual fine coefficients, a
wall or strip thinner than a coarse cell still appears in the coarse
operator (its mass and its links to the vacuum are summed, not sampled),
and a periodic axis stays periodic.

A hole stays a single unknown on every level: its links to the fine edge
cells are summed onto their parents (times s), so the coarsest level carries
every hole exactly and is solved directly together with them (a sparse LU
factorization, computed in a few ms and applied in one numba call per
visit; a dense Cholesky of the ~1000 coarsest unknowns took 15-300 ms of
every setup, the upper figure when BLAS threads competed with numba's).
Many holes therefore cost no more iterations than one.

Coarsening stops when a level is small (``COARSEST_CELLS``) or when it is
strongly diagonally dominant (the screened regime, lambda of a few coarse
cells), where one symmetric Gauss-Seidel sweep is already an accurate
solve; in the screened regime lambda/h < 4 the hierarchy is then only a few
levels deep and costs little more than a Jacobi step.

Cycle
-----
A W cycle (V, or the AMLI-type "A" cycle, on request): red-black Gauss-Seidel
down (red, black, then the holes), and its adjoint up (holes, black, red);
restriction is P^T. The finest level sweeps twice on each side
(``FINE_SWEEPS``): 6-8 conjugate-gradient iterations to 1e-8 instead of 8-11
on the benchmark masks, for two more passes over the fine level. There the
holes go first on the way down and last on the way up (holes, red, black,
red, black; the adjoint up), so that the four sweeps see fixed hole values:
their hole terms become a change of the right side, and each side's sweeps
(with the residual and restriction on the way down) run as one pass over
the grid (``Hierarchy._fine_cycle``, ``mg_kernels.down_fine``, ``up_fine``).
A second
visit of a level (the W-cycle's, the "A" cycle's) starts from the first
visit's result e: one sweep from e, where forming r - A e, a cycle from zero
and e += e2 took three passes more. That sweep is its black half only
(``mg_kernels.half_sweep``): e's last half-sweep was the red one, on the
same right side, so red again would give the same values (not on a periodic
axis of odd length, whose seam joins two red cells; there it stays whole).
The cycle is
therefore a symmetric positive definite operator, as conjugate gradients
requires (tests/test_multigrid.py checks z1 . r2 = z2 . r1 for every cycle).

Why every level twice: the W-cycle visits every level below the finest twice,
however small, and that is what keeps it positive definite. Two visits give
B2 = 2 B - B A B, whose eigenvalues against A are mu (2 - mu) for the
eigenvalues mu of B A: positive only while mu < 2. By induction from the
coarsest level (solved exactly, or one symmetric Gauss-Seidel sweep:
mu in (0, 1]), they stay there. If a coarse level's B2 has mu (2 - mu) in
[0, 1], then B2 <= A_c^-1, and A_c >= s P^T A P (the mass is exact, the
stiffness scaled by s = 1/2), so the coarse correction P B2 P^T A has
eigenvalues in [0, 1/s] = [0, 2]. Between the Gauss-Seidel sweeps, which
contract in the A-norm, the level's own B A then has mu in [0, 2] as well.
A level visited only once breaks the chain: its B may overshoot A_c^-1 by a
factor of up to 2, the level above it may reach mu > 2, and its two visits
then make the cycle indefinite. Visiting levels under 4096 cells once (to
save calls) did exactly that on a disc with thin rings on a 172 x 252 grid
(lambda 250 cells): mu = 2.08 on the first coarse level, and 11
conjugate-gradient iterations instead of 8 (tests/test_multigrid.py keeps
it; a random mask took 16 instead of 8). Its levels may
be float32 (``SolverOptions.precision``) while the conjugate-gradient
iteration, the operator and the residual stay float64, which keeps the final
accuracy: the preconditioner only needs to be a good approximate inverse.
The cycle reads a copy of the residual in the levels' dtype, scaled to about
unit norm (no float32 underflow or overflow whatever the units), written by
the r update in the same pass; z comes back in that dtype and the p update
undoes the scale. Every cycle kernel thus has one compiled signature.

The level kernels fuse what streams the same data: the pre-smoothing
sweep is a single pass from a zero guess, residual and restriction are one
pass, and the whole post-smoothing (prolongation, black half-sweep with its
hole terms, red half-sweep, and r . z for conjugate gradients) is one pass
that keeps the black half-sweep in a ring of three rows per thread and
forms x + P e row by row in another (``post_smooth``); the operator
returns p . Ap, the r update returns r . r, and x += alpha p is deferred
into the next p update, which reads p anyway.

On the finest level, when both its lengths are even (``SPLIT_FINE``), the
two passes run on rows split by colour (``mg_split``): each row's red cells,
then its black cells, stored apart, so that a half-sweep evaluates the
stencil only at the cells it updates, where the natural order evaluates it
at every cell and keeps half. The residual the cycle reads and the z it
returns are kept in that layout too, written and read by the r and p
updates of conjugate gradients (a copy in the levels' dtype, so the layout
costs no extra pass), and the fine iterate between the two passes as well;
the full-multigrid start's finest cycles run split too (float64 cycles keep
the natural order). The passes fell from 1.71 to 1.31 ms down and from 2.03
to 1.70 ms up at 2048^2 (hollow cylinder, 2 threads); they remain bound by
their arithmetic and the cache traffic of their rings, not by memory, and
the r and p updates take 10-20% longer split. Whole solves, interleaved
medians of paired rounds: 4096^2 -4.6% (404 -> 392 ms), 2048^2 -2.5%,
strips -3%, 100 holes the same.

Every kernel walks only the runs of active cells of each row (cells that
are unknowns; vacuum and hole interiors are skipped), so a body that fills
part of its box costs that part of a sweep (``mg_kernels.active_segments``).
Those runs are split further where a cell's stencil and its neighbours'
diagonals repeat along the row (``mg_kernels.constant_runs``: the inside of
one material, every row of the r-z operator): there the stencil kernels and
A p read the run's stencil once and stream only the vectors. Small coarse
levels (``CONSTANT_RUN_MIN_CELLS``) keep their runs whole: in cache, the
coefficients cost little and more, shorter runs cost more loop overhead.

Work arrays (level iterates, restricted residuals, the Krylov vectors) come
from a pool kept between solves (``_WorkPool``), so a sweep of solves on one
grid does not pay the page faults of fresh memory every time.

Start
-----
The axial solve starts CG from a full-multigrid pass (``fmg``) once lambda
spans a few cells: the coarsest level solved, then on each finer level the
prolonged solution improved by one cycle. The coarse levels must solve
approximations of the fine problem there, not only error equations: the
right side's boundary couplings are restricted times s, like the coarse
stiffness they pair with, and sources as their cell integrals.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError, ParameterError
from . import kernels as K
from . import mg_kernels as MK
from . import mg_split as MS

#: A level with at most this many cells is solved directly.
COARSEST_CELLS = 1024
#: Levels with fewer cells than this run on one thread (threads don't pay there).
PARALLEL_MIN_CELLS = 1 << 17
#: Red-black sweeps before and after the coarse correction on the finest level.
FINE_SWEEPS = 2
#: The finest level's two passes on rows split by colour (``mg_split``) where its shape
#: allows (both lengths even); else in natural order (``mg_kernels.down_fine``, ``up_fine``).
SPLIT_FINE = True
#: Runs of active cells closer than this (in cells) are visited as one run (>= 2).
SEGMENT_MIN_GAP = 16
#: Shortest stretch of constant stencil the kernels take apart (``mg_kernels.constant_runs``;
#: 0 turns it off)
CONSTANT_RUN_MIN = 8
#: Coarse levels with fewer cells take no constant stretches apart: they sit in cache, where
#: the coefficient arrays cost little and the loop overhead of the extra runs more (2048^2
#: hollow cylinder 149 -> 141 ms, 1024^2 46 -> 43 ms, 4096^2 511 -> 499 ms). The finest
#: level always does: its runs also serve the float64 operator of conjugate gradients
#: (without them, a 255 x 511 sphere in r-z took 220 ms instead of 191 ms).
CONSTANT_RUN_MIN_CELLS = PARALLEL_MIN_CELLS
#: Stop coarsening once every cell's off-diagonal sum is below this fraction of its diagonal.
DOMINANCE_STOP = 0.25
#: Stiffness scaling of the coarse operators (see the module docstring).
STIFFNESS_SCALE = 0.5
#: The "A" cycle: stiffness scale of its coarse operators; Lanczos steps that estimate
#: the spectrum of B_1 A_1 (the V-cycle of the first coarse level) at setup, and the
#: margin on its largest eigenvalue. The spectrum depends on the geometry: its top is
#: 1.0-2.1 on the hollow cylinder, holes and slab but 2.6-3.4 on strips with a large
#: lambda, so a fixed interval would make the cycle indefinite there. The polynomial
#: stays positive (the cycle SPD) for any spectrum inside (0, lo + hi).
A_STIFFNESS_SCALE = 0.55
A_LANCZOS_STEPS = 4
A_MARGIN = 1.1


def _chebyshev2(lo: float, hi: float) -> tuple[float, float]:
    """Weights (g, d) of e0 = B r, e = g e0 + d B (r - A e0).

    The error factor 1 - (g + d - d t) t = (1 - c1 t)(1 - c2 t) is the degree-2
    Chebyshev polynomial on [lo, hi] (c1, c2 the inverse roots: g = c1 + c2 - c1 c2,
    d = c1 c2; g = d = 1 are the W-cycle's two passes). Vassilevski, Multilevel
    Block Factorization Preconditioners (Springer 2008), the AMLI cycle.
    """
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    c1 = 1.0 / (mid - half * math.sqrt(0.5))
    c2 = 1.0 / (mid + half * math.sqrt(0.5))
    return c1 + c2 - c1 * c2, c1 * c2


_EMPTY = np.zeros(0)
_EMPTY_I = np.zeros(0, np.int64)


class _WorkPool:
    """Grid-sized work arrays kept between solves.

    A hierarchy and a conjugate-gradient run take their work arrays from
    here and give them back when they are done (a hierarchy when it is
    garbage collected), so a sweep of solves on one grid does not pay the
    page faults of fresh memory on every solve (at 4096^2 the first touch of
    a solve's ~1 GB of work arrays costs 0.05-1 s, more than the rest of its
    setup). An array is only ever held by one user at a time; at most
    ``max_bytes`` are kept.
    """

    MIN_SIZE = 1 << 14  # smaller arrays are cheap to allocate

    def __init__(self, max_bytes: int = 3 << 30):
        self.max_bytes = max_bytes
        self._free: dict = {}
        self._bytes = 0

    def take(self, shape, dtype) -> np.ndarray:
        key = (tuple(shape), np.dtype(dtype).str)
        free = self._free.get(key)
        if free:
            a = free.pop()
            self._bytes -= a.nbytes
            return a
        # zeros, not empty: the segment kernels read inactive cells (times a zero
        # coupling) without ever writing them, so they must hold finite values;
        # mapped on this thread (see kernels.mapped_zeros); not among the buffers kept for
        # reuse (kernels._Buffers): this pool keeps them
        return K.mapped_zeros(shape, dtype, reuse=False)

    def give(self, arrays) -> None:
        for a in arrays:
            if a is None or a.size < self.MIN_SIZE or self._bytes + a.nbytes > self.max_bytes:
                continue
            self._free.setdefault((a.shape, a.dtype.str), []).append(a)
            self._bytes += a.nbytes

    def clear(self) -> None:
        self._free.clear()
        self._bytes = 0

    @staticmethod
    def drop(owned: list) -> None:
        """Forget arrays that may hold non-finite values (after a failed solve)."""
        owned.clear()


_POOL = _WorkPool()


def release_work_arrays() -> None:
    """Free the work arrays kept between solves (see ``_WorkPool``) and the buffers of large
    arrays kept for reuse (``kernels._Buffers``)."""
    _POOL.clear()
    K.release_buffers()


@dataclass(eq=False)
class Level:
    shape: tuple[int, int]
    periodic: tuple[bool, bool]
    inv_d: np.ndarray
    wx: np.ndarray
    wy: np.ndarray
    edge_cell: np.ndarray
    edge_hole: np.ndarray
    edge_w: np.ndarray
    edge_colour: np.ndarray
    hole_diag: np.ndarray
    factor: tuple[int, int] = (1, 1)  # aggregation towards the next level
    hb: tuple = ()  # hole links of the black edge cells by row: (ptr, cell, hole, w)
    hr: tuple = ()  # the same for the red edge cells
    h0: tuple = ()  # no hole links (the finest level's sweeps take them in the right side)
    coarse_of: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    sp: np.ndarray = field(default_factory=lambda: _EMPTY_I)  # runs of active cells by row
    slo: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    shi: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    ck: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))  # 1: constant stencil
    ct: np.ndarray | None = None  # those runs' stencils in the level's dtype
    key: np.ndarray | None = None  # and in float64, as keyed (``mg_kernels.constant_runs``)
    x: np.ndarray | None = None  # pre-smoothed iterate
    y: np.ndarray | None = None  # the second pre-sweep's result (finest level, two sweeps)
    r: np.ndarray | None = None  # right side (coarse levels)
    e: np.ndarray | None = None  # result (coarse levels)
    xh: np.ndarray = field(default_factory=lambda: _EMPTY)
    rh: np.ndarray = field(default_factory=lambda: _EMPTY)
    eh: np.ndarray = field(default_factory=lambda: _EMPTY)
    e2: np.ndarray | None = None  # the "A" cycle's second pass

    @property
    def cells(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def segments(self) -> tuple:
        return self.sp, self.slo, self.shi

    @property
    def stencil_runs(self) -> tuple:
        """(sp, slo, shi, ck, ct): the runs and their constant stencils, for the cycle kernels."""
        return self.sp, self.slo, self.shi, self.ck, self.ct

    @property
    def two_colour(self) -> bool:
        """Every neighbour of a cell has the other colour (no periodic axis of odd length,
        whose seam joins two cells of one colour)."""
        return not any(p and n % 2 for p, n in zip(self.periodic, self.shape, strict=True))

    @property
    def active_fraction(self) -> float:
        """Fraction of the level's cells its kernels visit."""
        return float(np.sum(self.shi - self.slo)) / max(self.cells, 1)

    @property
    def constant_fraction(self) -> float:
        """Fraction of the visited cells that lie in runs of constant stencil."""
        n = self.shi - self.slo
        return float(np.sum(n[self.ck == 1])) / max(float(np.sum(n)), 1.0)

    @property
    def n_holes(self) -> int:
        return self.hole_diag.size


def _edge_colour(edge_cell, ny):
    i, j = np.divmod(edge_cell, ny)
    return ((i + j) & 1).astype(np.int64)


def _coarsen_edges(edge_cell, edge_hole, edge_w, edge_mass, ny, factor, coarse_shape, nh, s):
    """Sum the hole links of fine edge cells onto their parents: the mass part of each
    weight (``edge_mass``) exactly, the rest (stiffness) times s, as the cells' own terms.

    Returns the fine cells' parents and the coarse links (cell, hole, weight, mass part).
    """
    if edge_cell.size == 0:
        return _EMPTY_I, _EMPTY_I, _EMPTY_I, _EMPTY, _EMPTY
    i, j = np.divmod(edge_cell, ny)
    parent = (i // factor[0]) * coarse_shape[1] + (j // factor[1])
    key = parent * nh + edge_hole
    uniq, inv = np.unique(key, return_inverse=True)
    m = np.bincount(inv, weights=edge_mass, minlength=uniq.size)
    w = m + s * (np.bincount(inv, weights=edge_w, minlength=uniq.size) - m)
    return (parent.astype(np.int64), (uniq // nh).astype(np.int64),
            (uniq % nh).astype(np.int64), w, m)


def _edges_by_row(lev: Level, colour: int) -> tuple:
    """The hole links of one colour's edge cells, sorted by cell, with row pointers (post_smooth)."""
    nx, ny = lev.shape
    sel = np.flatnonzero(lev.edge_colour == colour)
    order = sel[np.argsort(lev.edge_cell[sel], kind="stable")]
    cell = np.ascontiguousarray(lev.edge_cell[order], dtype=np.int64)
    hole = np.ascontiguousarray(lev.edge_hole[order], dtype=np.int64)
    w = np.ascontiguousarray(lev.edge_w[order], dtype=np.float64)
    ptr = np.searchsorted(cell // ny, np.arange(nx + 1)).astype(np.int64)
    return ptr, cell, hole, w


def _hole_residual(A, x, xh, rh, cells=None) -> np.ndarray:
    """rh - (the hole rows of A (x, xh)), D_k xh_k - sum of w x_c over hole k's edge cells,
    in one compiled pass over the links.

    ``A`` is an operator or a level (``hole_diag``, ``edge_cell``, ``edge_hole``, ``edge_w``);
    ``cells``: where the edge cells sit in x.reshape(-1) (by default ``A.edge_cell``).
    """
    nh = A.hole_diag.size
    out = np.empty(nh)
    if nh:
        MK.hole_residual(x.reshape(-1), np.asarray(xh, dtype=np.float64),
                         np.asarray(rh, dtype=np.float64),
                         A.edge_cell if cells is None else cells, A.edge_hole,
                         A.edge_w, A.hole_diag, out)
    return out


def _level_residual(lev: Level, r, rh, x, xh, out) -> np.ndarray:
    """out = r - A x on the level's cells (its runs); returns the holes' residual rh - (A x)_h."""
    MK.residual(r, x, lev.inv_d, lev.wx, lev.wy, out, *lev.segments)
    if lev.n_holes:
        MK.hole_restrict(xh, lev.edge_cell, lev.edge_hole, lev.edge_w, out.reshape(-1))
    return _hole_residual(lev, x, xh, rh)


class Hierarchy:
    """The multigrid levels of an operator, built once and reused for many right sides.

    Parameters
    ----------
    op : AxialOperator (or any object with the same arrays)
        ``diag``, ``wx``, ``wy``, ``mass``, ``edge_cell``, ``edge_hole``,
        ``edge_w``, ``hole_diag``, ``hole_mass`` and ``geometry.grid.periodic``,
        and ``edge_mass`` (the part of each hole link that comes from the mass
        term, coarsened exactly like the cells' mass) if the links are not all
        stiffness.
    precision : {"float32", "float64"}
        Storage and arithmetic of the preconditioner levels.
    cycle : {"W", "V", "A"}
        "W" visits every coarse level twice (two cycles of the coarser level,
        e = B_c r + B_c (r - A_c B_c r), still symmetric; the second is run
        from the first's result, its first sweep starting from e, which
        spares a residual pass and an e += e2 pass per visit); it keeps the
        iteration count flat in lambda and grid size, where the V-cycle
        with piecewise-constant transfers grows slowly with the number of
        levels. "A" (an AMLI-type cycle) visits only the first coarse level
        twice, e = g B_1 r + d B_1 (r - A_1 B_1 r) with B_1 its V-cycle and
        (g, d) the Chebyshev weights for the spectrum of B_1 A_1, estimated at
        setup by a few Lanczos steps, on coarse operators with stiffness scale
        ``A_STIFFNESS_SCALE``: about the W-cycle's iterations for less coarse
        work.
    fine_sweeps : {1, 2}
        Red-black sweeps before and after the coarse correction on the
        finest level (coarse levels always do one). Two cut the iterations
        of the benchmark problems from 8-11 to 7 for about two more passes
        over the fine level per cycle.
    """

    def __init__(self, op, precision: str = "float32", cycle: str = "W",
                 fine_sweeps: int = FINE_SWEEPS):
        if fine_sweeps not in (1, 2):
            raise ValueError(f"fine_sweeps must be 1 or 2, not {fine_sweeps!r}")
        if cycle not in ("W", "V", "A"):
            raise ValueError(f"unknown cycle {cycle!r}")
        gamma = 2 if cycle == "W" else 1
        self.cycle = cycle
        self._amli = None  # (g, d) of the "A" cycle, set at the end of the setup
        dt = np.float32 if precision == "float32" else np.float64
        self.dtype = dt
        self._empty_ec = np.zeros(0, dt)  # "no coarse correction" for hole_update
        self.periodic = tuple(bool(p) for p in op.geometry.grid.periodic)
        px, py = self.periodic
        nh = int(op.hole_diag.size)
        self.n_holes = nh
        mass = np.ascontiguousarray(op.mass, dtype=np.float64)
        diag = np.ascontiguousarray(op.diag, dtype=np.float64)
        wx = op.wx
        wy = op.wy
        ec, eh, ew = op.edge_cell, op.edge_hole, op.edge_w
        em = np.asarray(getattr(op, "edge_mass", np.zeros(ew.size)), dtype=np.float64)
        hmass = np.asarray(op.hole_mass, dtype=np.float64)
        hdiag = np.asarray(op.hole_diag, dtype=np.float64)
        self.levels: list[Level] = []
        owned: list = []  # work arrays given back to the pool when the hierarchy dies
        self._owned = owned

        def take(shape, dtype):
            a = _POOL.take(shape, dtype)
            owned.append(a)
            return a

        temps: list = []
        s = A_STIFFNESS_SCALE if cycle == "A" else STIFFNESS_SCALE
        self.stiffness_scale = s
        while True:
            nx, ny = diag.shape
            inv_d, wxl, wyl = take((nx, ny), dt), take((nx, ny), dt), take((nx, ny), dt)
            lev = Level(
                shape=(nx, ny), periodic=(px, py), inv_d=inv_d, wx=wxl, wy=wyl,
                edge_cell=ec, edge_hole=eh, edge_w=ew, edge_colour=_edge_colour(ec, ny),
                hole_diag=hdiag,
            )
            lev.hb = _edges_by_row(lev, 1)
            lev.hr = _edges_by_row(lev, 0)
            lev.h0 = (np.zeros(nx + 1, np.int64), _EMPTY_I, _EMPTY_I, _EMPTY)
            min_len = (CONSTANT_RUN_MIN if not self.levels or nx * ny >= CONSTANT_RUN_MIN_CELLS
                       else 0)
            # constant_runs' flags, from the same pass
            same = _POOL.take((nx, ny), np.bool_) if min_len > 0 else None
            # an odd axis ends in a one-cell aggregate (on a periodic axis it wraps to the first)
            fxa = 2 if nx > 1 else 1
            fya = 2 if ny > 1 else 1
            ncx, ncy = -(-nx // fxa), -(-ny // fya)
            # (and the level's arrays, and with 2 x 2 aggregates the next level's operator, in
            # the same pass: dropped below if this level is the coarsest)
            coarse = cs = None
            if fxa == 2 and fya == 2:
                cs = [_POOL.take((ncx, ncy), np.float64) for _ in range(4)]
                coarse = (mass, s, px, py, *cs)
            segs, active = MK.scan_level(diag, wx, wy, SEGMENT_MIN_GAP, same, (inv_d, wxl, wyl),
                                         coarse)
            # None: a coupling reaches a cell that is not an unknown; visit every cell
            segs = segs if segs is not None else MK.full_segments((nx, ny))
            lev.sp, lev.slo, lev.shi, lev.ck, lev.key = MK.constant_runs(
                diag, wx, wy, segs, min_len, same, flagged=True)
            _POOL.give([same])
            lev.ct = MK.constant_stencils(lev.key, dt)
            lev.xh = np.zeros(nh)
            lev.rh = np.zeros(nh)
            lev.eh = np.zeros(nh)
            self.levels.append(lev)
            stop = active + nh <= COARSEST_CELLS or (fxa == 1 and fya == 1)
            if not stop and len(self.levels) > 1 and self._dominant(diag, wx, wy):
                self.kind_coarsest = "smooth"
                stop = True
            if stop:
                if cs is not None:
                    _POOL.give(cs)
                break
            if cs is not None:
                mc, dc, wxc, wyc = cs
            else:
                mc, dc, wxc, wyc = (_POOL.take((ncx, ncy), np.float64) for _ in range(4))
                MK.coarsen(mass, diag, wx, wy, fxa, fya, px, py, s, mc, dc, wxc, wyc)
            lev.factor = (fxa, fya)
            lev.x = take((nx, ny), dt)
            if nh:
                lev.coarse_of, ec, eh, ew, em = _coarsen_edges(ec, eh, ew, em, ny, (fxa, fya),
                                                               (ncx, ncy), nh, s)
                hdiag = hmass + s * (hdiag - hmass)
            _POOL.give(temps)  # the previous level's float64 coefficients
            temps = [mc, dc, wxc, wyc]
            mass, diag, wx, wy = mc, dc, wxc, wyc
        coarsest = self.levels[-1]
        if not hasattr(self, "kind_coarsest"):
            self.kind_coarsest = "direct"
        if self.kind_coarsest == "direct":
            self._factor_coarsest(coarsest, diag, wx, wy)
        else:
            coarsest.x = take(coarsest.shape, dt)
            coarsest.factor = (1, 1)
        _POOL.give(temps)
        self.gamma = int(gamma)
        self.fine_sweeps = fine_sweeps if len(self.levels) > 1 else 1
        self.fuse_down = True  # the finest level's way down in one pass (``MK.down_fine``)
        self.fuse_up = True  # and its way up (``MK.up_fine``)
        # and in conjugate gradients both on vectors split by colour, where the finest
        # level's shape allows (``mg_split``; ``split_pcg``)
        fine = self.levels[0]
        self.split = (SPLIT_FINE and len(self.levels) > 1 and fine.factor == (2, 2)
                      and fine.shape[0] % 2 == 0 and fine.shape[1] % 2 == 0
                      and fine.shape[1] >= 4)
        if self.split:
            fine.edge_split = MS.split_index(fine.shape, fine.edge_cell)
        self.black_again = True  # a second visit skips the red half it would repeat
        self._zero_c = np.zeros((0, 0), dt)  # "no coarse correction" for post_smooth
        if self.fine_sweeps == 2:
            fine = self.levels[0]
            fine.y = take(fine.shape, dt)
        amli = cycle == "A" and len(self.levels) > 2
        for k, lev in enumerate(self.levels[1:]):
            lev.r = take(lev.shape, dt)
            lev.e = take(lev.shape, dt)
            if amli and k == 0:
                lev.e2 = take(lev.shape, dt)
        weakref.finalize(self, _POOL.give, owned)
        self.interval = None
        if amli:
            lo, hi = self._spectrum(1, A_LANCZOS_STEPS)
            self.interval = (lo, A_MARGIN * hi)
            self._amli = _chebyshev2(*self.interval)

    @property
    def split_pcg(self) -> bool:
        """Conjugate gradients keeps the cycle's r and z split by colour and the finest
        level's two passes run on them (``mg_split``): the shape allows it, both passes are
        fused, and r and z are copies in the levels' dtype (in float64, r is the cycle's)."""
        return (self.split and self.fine_sweeps == 2 and self.fuse_down and self.fuse_up
                and self.dtype != np.float64)

    # -- setup helpers --------------------------------------------------------------------
    def _dominant(self, diag, wx, wy) -> bool:
        px, py = self.periodic
        return bool(MK.dominated(diag, wx, wy, px, py, DOMINANCE_STOP))

    def _factor_coarsest(self, lev: Level, diag, wx, wy):
        nx, ny = lev.shape
        act = diag > 0
        idx = -np.ones((nx, ny), np.int64)
        nc = int(act.sum())
        idx[act] = np.arange(nc)
        nh = lev.n_holes
        n = nc + nh
        rows = [idx[act]]
        cols = [idx[act]]
        vals = [diag[act]]
        for w, axis in ((wx, 0), (wy, 1)):
            nbr = np.roll(idx, -1, axis=axis)  # the +x / +y neighbour (w = 0 where none)
            m = (w != 0.0) & (idx >= 0) & (nbr >= 0)
            rows += [idx[m], nbr[m]]
            cols += [nbr[m], idx[m]]
            vals += [-w[m], -w[m]]
        if nh:
            cells = idx.reshape(-1)[lev.edge_cell]
            rows += [cells, nc + lev.edge_hole, np.arange(nc, n)]
            cols += [nc + lev.edge_hole, cells, np.arange(nc, n)]
            vals += [-lev.edge_w, -lev.edge_w, lev.hole_diag]
        A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n)).tocsc()
        # sparse LU (a few ms, where a dense Cholesky of ~1000 unknowns took 15-300 ms, the
        # upper figure when BLAS threads compete with numba's), solved in one numba call
        lu = spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                       options={"SymmetricMode": True})
        L = lu.L.tocsr()
        U = lu.U.tocsr()
        L.sort_indices()
        U.sort_indices()
        self._lu = tuple(np.ascontiguousarray(a) for a in (
            L.indptr.astype(np.int64), L.indices.astype(np.int64), L.data.astype(np.float64),
            U.indptr.astype(np.int64), U.indices.astype(np.int64), U.data.astype(np.float64),
            lu.perm_r.astype(np.int64), lu.perm_c.astype(np.int64)))
        self._coarse_idx = idx.reshape(-1)
        self._coarse_act = np.flatnonzero(act.reshape(-1))
        self._coarse_n = nc

    def _spectrum(self, l: int, steps: int) -> tuple[float, float]:
        """Extreme Ritz values of B_l A_l (B_l the V-cycle from level l) after ``steps``
        preconditioned conjugate-gradient (Lanczos) steps from a fixed random start."""
        lev = self.levels[l]
        dt = self.dtype
        nh = lev.n_holes
        threads = numba.get_num_threads()
        rng = np.random.default_rng(1)
        act = lev.inv_d != 0
        r = ((rng.random(lev.shape) - 0.5) * act).astype(dt)
        rh = rng.random(nh) - 0.5
        # zeros: the kernels write active cells only, and read the rest times zero
        zero, z, p, q = (np.zeros(lev.shape, dt) for _ in range(4))
        zh = np.zeros(nh)

        def prec():
            try:
                self._vcycle(l, r, rh.copy(), z, zh, threads)
            finally:
                numba.set_num_threads(threads)
            return float(np.vdot(r, z)) + float(rh @ zh)

        def apply(ph):  # q = A p on the cells; returns the hole part and p . A p
            qh = -_level_residual(lev, zero, np.zeros(nh), p, ph, q)  # q = -A p
            np.negative(q, out=q)
            return qh, float(np.vdot(p, q)) + float(ph @ qh)

        rz = prec()
        p[...] = z
        ph = zh.copy()
        alphas, betas = [], []
        for _ in range(steps):
            qh, pq = apply(ph)
            if not (pq > 0.0 and rz > 0.0):
                break
            a = rz / pq
            alphas.append(a)
            MK.axpby(q, 1.0, -a, r)
            rh -= a * qh
            rz_new = prec()
            betas.append(rz_new / rz)
            rz = rz_new
            MK.axpby(z, betas[-1], 1.0, p)
            ph = zh + betas[-1] * ph
        k = len(alphas)
        if k == 0:
            return 1.0, 1.0
        T = np.zeros((k, k))  # the Lanczos matrix from the CG coefficients
        for i in range(k):
            T[i, i] = 1.0 / alphas[i] + (betas[i - 1] / alphas[i - 1] if i else 0.0)
            if i + 1 < k:
                T[i, i + 1] = T[i + 1, i] = math.sqrt(betas[i]) / alphas[i]
        ev = np.linalg.eigvalsh(T)
        return float(ev[0]), float(ev[-1])

    # -- the cycle ------------------------------------------------------------------------
    def _solve_coarsest(self, lev: Level, r, rh, out, out_h):
        MK.coarse_lu_solve(*self._lu, self._coarse_act, r.reshape(-1), rh, out.reshape(-1),
                           out_h)

    def vcycle(self, r, rh, out, out_h) -> float:
        """out = B r for the finest level (r, out: (nx, ny) arrays; rh, out_h: hole parts).

        Returns r . out (over cells and holes).
        """
        dt = self.dtype
        tmp = []
        sc = 1.0
        if r.dtype != dt:
            # the cycle runs in the levels' dtype (one compiled signature per kernel), on r
            # scaled to unit norm (a float32 copy of a tiny r would underflow); B is linear
            nrm = math.sqrt(float(np.vdot(r, r)) + float(rh @ rh))
            sc = 1.0 / nrm if nrm > 0.0 else 1.0
            rl = _POOL.take(r.shape, dt)
            tmp.append(rl)
            MK.scale_runs(r, sc, rl, *MK.full_segments(r.shape))
            r = rl
            rh = rh * sc
        ol = out
        if out.dtype != dt:
            ol = _POOL.take(out.shape, dt)
            tmp.append(ol)
        ol.fill(0)  # the cycle writes active cells only
        old = numba.get_num_threads()
        rz = math.nan
        try:
            rz = self._vcycle(0, r, rh, ol, out_h, old)
            if ol is not out or sc != 1.0:
                MK.scale_runs(ol, 1.0 / sc, out, *MK.full_segments(out.shape))
                out_h /= sc
            return rz / (sc * sc)
        finally:
            numba.set_num_threads(old)
            if math.isfinite(rz):
                _POOL.give(tmp)

    def _vcycle(self, l, r, rh, out, out_h, threads, x0=None, x0h=None, top=True,
                again=False, sio=False) -> float:
        """(out, out_h) = the cycle from level l on (r, rh), from the guess (x0, x0h) if
        given, i.e. x0 + B (r - A x0); returns r . out + rh . out_h on the finest level.

        x0 may be ``out`` itself (it is read only by the first sweep). ``again``: x0 is
        what this cycle returned for the same (r, rh), so its red cells are already swept
        against its black ones and the first sweep's red half can be skipped. Levels below
        ``PARALLEL_MIN_CELLS`` run on one thread: the first such level of a descent
        (or the level a call starts on, ``top``) sets it and puts ``threads`` back
        when it returns, the levels below it leave it alone. ``sio``: r and out of the
        finest level are stored split by colour (``mg_split``; needs ``split_pcg``).
        """
        lev = self.levels[l]
        serial = lev.cells < PARALLEL_MIN_CELLS and (
            top or self.levels[l - 1].cells >= PARALLEL_MIN_CELLS)
        if serial:
            numba.set_num_threads(1)
        nh = lev.n_holes
        last = l == len(self.levels) - 1
        if last and self.kind_coarsest == "direct":
            self._solve_coarsest(lev, r, rh, out, out_h)
            if serial:
                numba.set_num_threads(threads)
            return (float(np.dot(r.reshape(-1).astype(np.float64), out.reshape(-1)))
                    + float(rh @ out_h)) if l == 0 else 0.0
        fx, fy = lev.factor
        nt = 1 if lev.cells < PARALLEL_MIN_CELLS else threads  # (what numba runs it on)
        nch = 4 * nt if nt > 1 else 1  # blocks of rows for post_smooth (one: no halo rows)
        if l == 0 and self.fine_sweeps == 2 and not last:
            try:
                return self._fine_cycle(r, rh, out, out_h, threads, nch, x0, x0h, sio)
            finally:
                if serial:
                    numba.set_num_threads(threads)
        # down: red, black, holes
        if x0 is None:
            MK.presmooth(r, lev.inv_d, lev.wx, lev.wy, lev.x, *lev.stencil_runs)
        else:  # the same sweep from the guess, its hole values included
            if nh:
                lev.xh[:] = x0h
            if again and self.black_again and lev.two_colour:  # (red again: the same values)
                MK.half_sweep(x0, r, lev.inv_d, lev.wx, lev.wy, lev.xh, *lev.hb, lev.x,
                              *lev.stencil_runs, 0)
            else:
                self._sweep(lev, x0, self._zero_c, r, 0, nch, lev.x)
        self._relax_holes(lev, lev.x, rh)
        xs = lev.x  # the pre-smoothed iterate
        if last:
            ec = self._zero_c
            use_coarse = self._empty_ec
        else:
            co = self.levels[l + 1]
            MK.residual_restrict(r, xs, lev.inv_d, lev.wx, lev.wy, fx, fy, co.r,
                                 *lev.stencil_runs)
            if nh:
                MK.hole_restrict(lev.xh, lev.coarse_of, lev.edge_hole, lev.edge_w, co.r.reshape(-1))
                co.rh[:] = 0.0  # the hole rows were just relaxed: their residual is zero
            self._coarse_visits(l, threads)
            if serial and self._amli is not None:  # (the "A" pass below may reset them)
                numba.set_num_threads(1)
            ec = co.e
            use_coarse = co.e.reshape(-1)
        # up: holes, black, red (the adjoint of down)
        self._relax_holes(lev, xs, rh, use_coarse)
        rz = self._sweep(lev, xs, ec, r, 1, nch, out)
        if nh:
            out_h[:] = lev.xh
            if l == 0:  # (only the finest level's r . out is asked for)
                rz += float(rh @ lev.xh)
        if serial:
            numba.set_num_threads(threads)
        return rz

    def _coarse_visits(self, l, threads) -> None:
        """The coarse correction of level l: co.e = the cycle on level l + 1 from its (r, rh),
        visited once more from that result by the W-cycle (or the "A" cycle's second pass
        below the finest level)."""
        co = self.levels[l + 1]
        self._vcycle(l + 1, co.r, co.rh, co.e, co.eh, threads, top=False)
        if l + 1 < len(self.levels) - 1:
            if self._amli is not None:
                if l == 0:
                    self._second_pass(1, threads, *self._amli)
            elif self.gamma > 1:  # every level: see "Why every level twice" above
                # the W-cycle's second visit, e + B_c (r_c - A_c e), from e in place (one
                # sweep from e instead of a residual pass, a sweep from zero and e += e2)
                self._vcycle(l + 1, co.r, co.rh, co.e, co.eh, threads, co.e, co.eh, top=False,
                             again=True)

    def _fine_cycle(self, r, rh, out, out_h, threads, nch, x0=None, x0h=None,
                    sio=False) -> float:
        """The finest level's part of the cycle, two sweeps each way (from zero, or from
        the guess (x0, x0h) as ``_vcycle``).

        Down: the holes first (from zero: xh = rh / D), then two red-black
        sweeps with the hole values fixed; up, the adjoint: two black-red
        sweeps from y + P e (the holes corrected by the coarse eh and then
        fixed), the holes last. With xh fixed, a sweep's hole terms are a
        change of its right side, r + W xh on the edge cells, so the sweeps
        run on that right side (written into r at the edge cells and put
        back at the end) without hole lists, and the residual of the down
        sweeps is r + W xh - A5 y on the cells, with the hole rows' own
        residual rh - (D xh - W^T y) restricted as it is. With ``sio``, r, x0, out and
        the level's y are stored split by colour (``mg_split``).
        """
        lev = self.levels[0]
        co = self.levels[1]
        nh = lev.n_holes
        flat = r.reshape(-1)
        ec, eh, ew = lev.edge_split if sio else lev.edge_cell, lev.edge_hole, lev.edge_w
        if nh:
            kept = flat[ec]  # r at the edge cells, restored exactly at the end
            if x0 is None:
                lev.xh[:] = rh / lev.hole_diag
            else:
                self._relax_holes(lev, x0, rh, cells=ec)
            MK.hole_restrict(lev.xh, ec, eh, ew, flat)  # r += W xh
        try:
            if lev.factor == (2, 2) and self.fuse_down:
                down = MS.down_split if sio else MK.down_fine
                down(r, lev.inv_d, lev.wx, lev.wy, self._zero_c if x0 is None else x0, lev.y,
                     co.r, nch, *lev.stencil_runs)
            else:  # the same in three passes
                if x0 is None:
                    MK.presmooth(r, lev.inv_d, lev.wx, lev.wy, lev.x, *lev.stencil_runs)
                else:
                    self._sweep(lev, x0, self._zero_c, r, 0, nch, lev.x, lev.h0, lev.h0)
                self._sweep(lev, lev.x, self._zero_c, r, 0, nch, lev.y, lev.h0, lev.h0)
                MK.residual_restrict(r, lev.y, lev.inv_d, lev.wx, lev.wy, *lev.factor, co.r,
                                     *lev.stencil_runs)
            if nh:
                co.rh[:] = _hole_residual(lev, lev.y, lev.xh, rh, ec)
            self._coarse_visits(0, threads)
            if lev.cells < PARALLEL_MIN_CELLS and self._amli is not None:
                numba.set_num_threads(1)  # (the "A" pass may have reset them)
            if nh:
                lev.xh += co.eh
                MK.hole_restrict(co.eh, ec, eh, ew, flat)  # r += W eh
            if self.fuse_up:
                if sio:
                    rz = MS.up_split(lev.y, co.e, r, lev.inv_d, lev.wx, lev.wy, nch, out,
                                     *lev.stencil_runs)
                else:
                    rz = MK.up_fine(lev.y, co.e, r, lev.inv_d, lev.wx, lev.wy, *lev.factor,
                                    nch, out, *lev.stencil_runs)
            else:  # the same in two passes
                self._sweep(lev, lev.y, co.e, r, 1, nch, lev.x, lev.h0, lev.h0)
                rz = self._sweep(lev, lev.x, self._zero_c, r, 1, nch, out, lev.h0, lev.h0)
            if nh:  # r . out with r itself at the edge cells, then the holes last
                rz -= MK.hole_edge_dot(out.reshape(-1), lev.xh, ec, eh, ew)
                self._relax_holes(lev, out, rh, cells=ec)
                out_h[:] = lev.xh
                rz += float(rh @ lev.xh)
        finally:
            if nh:
                flat[ec] = kept
        return rz

    def _relax_holes(self, lev: Level, x, rh, ec=None, cells=None) -> None:
        """Gauss-Seidel on the hole rows from x (+ the coarse correction ec at the edge cells;
        ``cells``: where the edge cells sit in x.reshape(-1), by default ``lev.edge_cell``)."""
        if lev.n_holes:
            MK.hole_update(x.reshape(-1), self._empty_ec if ec is None else ec, lev.coarse_of,
                           lev.xh, rh, lev.edge_cell if cells is None else cells,
                           lev.edge_hole, lev.edge_w, lev.hole_diag)

    def _sweep(self, lev: Level, x, ec, r, first, nch, out, hb=None, hs=None) -> float:
        """out = a red-black sweep from x + P ec, colour ``first`` (1 black, 0 red) first,
        hole terms included (the swept colours' hole links hb, hs: the level's by
        default); returns r . out over the cells."""
        fx, fy = lev.factor
        if hb is None:
            hb, hs = (lev.hb, lev.hr) if first else (lev.hr, lev.hb)
        return MK.post_smooth(x, ec, r, lev.inv_d, lev.wx, lev.wy, fx, fy, lev.xh, *hb, *hs, nch,
                              out, *lev.stencil_runs, first)

    def _second_pass(self, l, threads, g, d):
        """The "A" cycle's second pass on level l: e = g e + d B (r - A e).

        Run as e2 = e + B (r - A e), the cycle from the guess e, and then
        e = (g - d) e + d e2.
        """
        lev = self.levels[l]
        eh2 = np.zeros(lev.n_holes)
        self._vcycle(l, lev.r, lev.rh, lev.e2, eh2, threads, lev.e, lev.eh, again=True)
        if lev.cells < PARALLEL_MIN_CELLS:
            numba.set_num_threads(1)
        MK.axpby(lev.e2, g - d, d, lev.e)
        lev.eh *= g - d
        lev.eh += d * eh2
        if lev.cells < PARALLEL_MIN_CELLS:
            numba.set_num_threads(threads)

    def describe(self) -> str:
        return " -> ".join(f"{a}x{b}" for a, b in (lv.shape for lv in self.levels)) + (
            f" ({self.kind_coarsest})"
        )


# -- tolerance ------------------------------------------------------------------------------

def discretization_tolerance(op) -> float:
    """Relative residual at which the algebraic error is well below the discretization error.

    The scheme is second order and the relative error of the field is about
    (h / lambda)^2, with lambda the smallest penetration depth: where lambda
    is below the size of the superconductor the field varies on lambda;
    where it is above, the field departs from uniform by about (size /
    lambda)^2 and that departure is resolved to (h / size)^2, the product
    again (h / lambda)^2. Measured against the same cylinder on a grid twice
    as fine (128^2 against 256^2): 0.4 (h / lambda)^2 at lambda = 3 cells,
    0.8 at 10, 1.5 at 100 and 1000. The algebraic error of multigrid-CG runs
    at 1-6 times the relative residual, so the tolerance is a hundredth of
    (h / lambda)^2, clipped to [1e-12, 1e-4]: the algebraic error then stays
    below a tenth of the discretization error.
    """
    lam = max(lambda_cells(op), 1.0)
    return float(min(max(0.01 / lam**2, 1e-12), 1e-4))


def lambda_cells(op) -> float:
    """The smallest penetration depth in the superconductor, in grid cells."""
    low = getattr(op, "min_lam2", math.nan)  # (the axial operator's, from its assembly)
    if math.isfinite(low):
        return math.sqrt(low)
    geo = op.geometry
    # (NaN outside the superconductor, by construction: no masked copy, 12 -> 5 ms at 4096^2)
    return float(np.nanmin(geo.penetration_depth)) / geo.grid.spacing


def effective_tolerance(op, opts) -> float:
    if getattr(opts, "tolerance_mode", "residual") == "discretization":
        return discretization_tolerance(op)
    return float(opts.tol)


# -- conjugate gradients --------------------------------------------------------------------

def pcg(op, hier: Hierarchy, rhs_u, rhs_b, *, tol, maxiter, x0=None, x0_in_place=False):
    """Conjugate gradients on op preconditioned by one cycle of ``hier``.

    Stops when ||r|| <= tol ||rhs||; raises ConvergenceError at ``maxiter``.
    ``x0`` = (u0, b0): the initial guess (zero off the active runs); with
    ``x0_in_place`` u0 (float64, C-ordered) becomes the solution instead of
    a copy of it.
    Returns (u, b, iterations, history of relative residuals).
    """
    nh = op.hole_diag.size
    rhs_u = np.ascontiguousarray(rhs_u, dtype=np.float64)
    rhs_b = np.asarray(rhs_b, dtype=np.float64)
    # (numba reductions over the grid, not BLAS: OpenBLAS threads spin for a while after a
    # call, on the cores the cycle's threads need; 2048^2 solves ran 20-30% slower)
    whole, on_runs = MK.square_sums(rhs_u, *hier.levels[0].segments)
    nrm = math.sqrt(whole + float(rhs_b @ rhs_b))
    if x0 is None:
        u = K.mapped_zeros(rhs_u.shape)
    elif x0_in_place and x0[0].dtype == np.float64 and x0[0].flags.c_contiguous:
        u = x0[0]
    else:
        u = np.array(x0[0], dtype=np.float64)
    b = np.zeros(nh) if x0 is None else np.array(x0[1], dtype=np.float64)
    if nrm == 0.0:
        return u, b, 0, [0.0]
    _check_off_runs(nrm, rhs_b, on_runs)
    work = [_POOL.take(rhs_u.shape, np.float64) for _ in range(3)]
    work += [_POOL.take(rhs_u.shape, hier.dtype) for _ in range(2)]  # z, and r in that dtype
    ok = False
    try:
        out = _pcg_loop(op, hier, rhs_u, rhs_b, u, b, nrm, work, tol=tol, maxiter=maxiter,
                        x0=x0)
        ok = True
        return out
    finally:
        if ok:
            _POOL.give(work)
        else:  # the work arrays and the hierarchy's may hold non-finite values now
            _POOL.drop(hier._owned)


def _scaled_cycle(hier, rl, rb, z, zb, sc, sio=False):
    """z, zb = B (rl, sc rb) (rl = sc r already); returns r . B r (unscaled). ``sio``: rl
    and z are stored split by colour (``mg_split``)."""
    old = numba.get_num_threads()
    try:
        rz = hier._vcycle(0, rl, rb * sc, z, zb, old, sio=sio)
    finally:
        numba.set_num_threads(old)
    return rz / (sc * sc)


def _pcg_loop(op, hier, rhs_u, rhs_b, u, b, nrm, work, *, tol, maxiter, x0):
    d, wx, wy = op.diag, op.wx, op.wy
    ec, eh, ew, hd = op.edge_cell, op.edge_hole, op.edge_w, op.hole_diag
    nh = hd.size
    q, r, p, z, rl = work  # z and rl (a copy of r) in the preconditioner's dtype
    fine = hier.levels[0]
    seg = fine.segments  # the runs of active cells every vector kernel walks
    sten = (*seg, fine.ck, fine.key)  # and the constant stencils among them (float64 keys)
    if rl.dtype == r.dtype:
        rl = r
    # rl and z split by colour (as the finest level's cycle passes read and write them)
    sio = hier.split_pcg and rl is not r
    upd_r = MS.update_r_split if sio else MK.update_r
    upd_xp = MS.update_xp_split if sio else MK.update_xp
    qb = np.zeros(nh)
    r0 = r  # the residual the first r update starts from
    # rl = sc r: the preconditioner's copy of r, scaled to about unit norm (no float32
    # underflow or overflow whatever the units); z, zb come back scaled by sc too, and rz
    # by sc^2. The first scale is the right side's (the loop's are the last ||r||'s), so
    # from a guess rl is written by the same pass as r
    sc = 1.0 / nrm if rl is not r else 1.0
    if x0 is None:
        r0 = rhs_u  # r = rhs: read in place, no copy (r off the active runs is never read)
        rb = rhs_b.copy()
        rr = nrm * nrm
        if sio:
            MS.scale_split(r0, sc, rl, _NONE32, *seg)
        else:
            MK.scale_runs(r0, sc, rl, *seg)
    else:
        # r = rhs - A u on the runs (r and q off them are never read)
        MK.apply_dot(u, d, wx, wy, q, *sten)
        if nh:
            MK.hole_apply_dot(u.reshape(-1), b, ec, eh, ew, hd, q.reshape(-1), qb)
        rr = upd_r(rhs_u, q, 1.0, rl, sc, r, *seg)
        rb = rhs_b - qb
        rr += float(rb @ rb)
    history = [math.sqrt(rr) / nrm]
    if history[-1] <= tol:
        return u, b, 0, history
    zb = np.zeros(nh)
    pb = np.zeros(nh)
    rz = _scaled_cycle(hier, rl, rb, z, zb, sc, sio)
    (MS.unsplit_scale if sio else MK.scale_runs)(z, 1.0 / sc, p, *seg)  # p = z / sc
    pb[:] = zb / sc
    it = 0
    while True:
        if it >= maxiter:
            raise ConvergenceError(
                f"multigrid-preconditioned CG reached maxiter={maxiter} with relative residual "
                f"{history[-1]:.3e} > tol={tol:.1e}; raise maxiter or check the geometry",
                residual=history[-1], iterations=it,
            )
        pq = MK.apply_dot(p, d, wx, wy, q, *sten)
        if nh:
            pq += MK.hole_apply_dot(p.reshape(-1), pb, ec, eh, ew, hd, q.reshape(-1), qb)
        if not (pq > 0.0) or not math.isfinite(pq):
            raise ConvergenceError(
                f"multigrid-preconditioned CG broke down (p.Ap = {pq:.3e}) at relative residual "
                f"{history[-1]:.3e}: the operator is not positive definite",
                residual=history[-1], iterations=it,
            )
        alpha = rz / pq
        sc_new = 1.0 / math.sqrt(rr) if rl is not r else 1.0  # scale from the last ||r||
        # r -= alpha q now; x += alpha p is deferred to the p update, which reads p anyway
        rr = upd_r(r0, q, alpha, rl, sc_new, r, *seg)
        r0 = r
        sc = sc_new
        if nh:
            b += alpha * pb
            rb -= alpha * qb
            rr += float(rb @ rb)
        it += 1
        history.append(math.sqrt(rr) / nrm)
        if history[-1] <= tol:
            MK.update_xp(u, z, alpha, 0.0, 1.0, p, *seg)  # the deferred u += alpha p
            break
        rz_new = _scaled_cycle(hier, rl, rb, z, zb, sc, sio)
        beta = rz_new / rz
        rz = rz_new
        upd_xp(u, z, alpha, 1.0 / sc, beta, p, *seg)
        if nh:
            pb[:] = zb / sc + beta * pb
    return u, b, it, history


def _check_off_runs(nrm, rhs_b, on_runs) -> None:
    """Raise if the right side has weight off the active runs (``on_runs``: its sum of
    squares there; ``nrm``: its whole norm)."""
    off = nrm * nrm - float(rhs_b @ rhs_b) - on_runs
    if off > 1e-12 * nrm * nrm:
        raise ParameterError(
            "the right side is nonzero on cells that are not unknowns (outside the "
            "superconductor and the holes' single values); such a source cannot be solved for")


def true_residual(op, u, b, rhs_u, rhs_b, hier: Hierarchy) -> float:
    """||rhs - A (u, b)|| / ||rhs||, computed afresh in one pass over the active runs.

    Non-finite when u or b is (the verification of every multigrid solve).
    """
    seg = hier.levels[0].segments
    nx, ny = op.shape
    if op.n_holes:
        ec, eh, ew = op.edge_cell, op.edge_hole, op.edge_w
        cells, where = np.unique(ec, return_inverse=True)  # sorted: by row, then column
        add = np.bincount(where, weights=ew * b[eh], minlength=cells.size)  # + sum_k w b_k
        e_ptr = np.searchsorted(cells // ny, np.arange(nx + 1)).astype(np.int64)
        e_col = (cells % ny).astype(np.int64)
    else:
        add, e_ptr, e_col = _EMPTY, np.zeros(nx + 1, np.int64), _EMPTY_I
    rr, ff = MK.residual_norms(u, rhs_u, op.diag, op.wx, op.wy, *seg, e_ptr, e_col, add)
    if op.n_holes:
        rb = _hole_residual(op, u, b, rhs_b)
        rr += float(rb @ rb)
        ff += float(rhs_b @ rhs_b)
    if not math.isfinite(rr):
        return math.inf
    return math.sqrt(rr / ff) if ff > 0 else math.sqrt(rr)


def solve(op, rhs_u, rhs_b, opts, *, verify=False):
    """Solve op (u, b) = (rhs_u, rhs_b) by multigrid-preconditioned CG.

    Returns (u, b, iterations, history), the interface of
    :func:`fluxoid.solvers.run.solve_axial`, and with ``verify`` also the true
    relative residual (``true_residual``).
    """
    hier = Hierarchy(op, precision=getattr(opts, "precision", "float32"),
                     cycle=opts.cycle_for("axial"))
    tol = effective_tolerance(op, opts)
    x0 = start(op, hier, rhs_u, rhs_b, opts, tol)
    u, b, it, hist = pcg(op, hier, rhs_u, rhs_b, tol=tol, maxiter=opts.maxiter, x0=x0,
                         x0_in_place=True)
    if verify:
        return u, b, it, hist, true_residual(op, u, b, rhs_u, rhs_b, hier)
    return u, b, it, hist


# A full-multigrid start for a solve to this relative residual or below ends with a second
# cycle on the finest level. It replaces one CG iteration of the several still to come
# (the cycle without CG's three vector passes: 12 ms at 4096^2) and leaves CG at 1.2e-4
# to 2.3e-4 instead of 5.4e-4 to 7.6e-4 on the hollow cylinder. Interleaved medians, setup
# to solution, 1e-8: hollow cylinder 2048^2 113.3 -> 110.6 ms (5 -> 4 iterations), 4096^2
# 366 -> 358 ms, 100 holes 230 -> 225 ms, strips the same. To discretization accuracy,
# where one CG iteration or two remain, strips took 66 -> 75 ms: hence the threshold.
FMG_SECOND_CYCLE_TOL = 1e-7


def start(op, hier: Hierarchy, rhs_u, rhs_b, opts, tol=None):
    """The initial guess (u0, b0) of the axial solve under ``opts`` to the relative
    residual ``tol``: the full-multigrid pass where ``SolverOptions.full_multigrid_for``
    puts it (two cycles on the finest level when tol <= ``FMG_SECOND_CYCLE_TOL``), else
    None (zero). u0 is the solve's own array (``pcg(..., x0_in_place=True)``)."""
    if not opts.full_multigrid_for("axial", lambda_cells(op)):
        return None
    u0 = K.mapped_zeros(op.shape)
    finest = 2 if tol is not None and tol <= FMG_SECOND_CYCLE_TOL else 1
    return u0, fmg(op, hier, rhs_u, rhs_b, u0, finest)


def fmg(op, hier: Hierarchy, rhs_u, rhs_b, u, finest_cycles=1):
    """A full-multigrid initial guess: writes it into u (float64, zero off the runs: it
    must be so already) and returns its hole values. ``finest_cycles``: cycles on the
    finest level (each from the last one's result).

    The right side is restricted to every level, the coarsest level solved,
    and on each finer level the prolonged coarse solution improved by one
    cycle of that level (``_vcycle`` from the guess). Each coarse problem must
    approximate the fine one, not just its error equation: the coarse
    operator's stiffness is the Galerkin sum scaled by s (two fine faces per
    coarse face), so the part of the right side that comes from couplings to
    the fixed outside field (the cells with ``op.outside_w != 0``) is
    restricted times s as well, and sources in the cells as they are (their
    cell integral; ``mg_kernels.restrict_parts``). The holes are the same
    unknowns on every level, their rows' stiffness coarsened to about the
    same total, and keep their right side. Restricted by plain sums, the
    coarse solutions carried twice the boundary field and the start was at
    a relative residual of 2e-2 on the hollow cylinder.
    """
    levs = hier.levels
    dt = hier.dtype
    s = hier.stiffness_scale
    last = len(levs) - 1
    mark = np.ascontiguousarray(op.outside_w, dtype=np.float64)
    none = np.zeros((0, 0), dt)
    temps: list = []

    def take(shape):
        a = _POOL.take(shape, dt)
        temps.append(a)
        return a

    # (no fills: the runs are written, and off them the pool's arrays hold finite values,
    # read only times a zero coupling)
    fs = [take(levs[0].shape)]  # the right side of each level, in the levels' dtype
    rhs64 = np.ascontiguousarray(rhs_u, dtype=np.float64)
    # the finest level's cycles on vectors split by colour, as conjugate gradients runs
    # them: their right side split too (f0), in the same pass
    sio = hier.split_pcg
    f0 = fs[0]
    if sio:
        f0 = take(levs[0].shape)
        MS.scale_split(rhs64, 1.0, f0, fs[0], *levs[0].segments)
    else:
        MK.scale_runs(rhs64, 1.0, fs[0], *levs[0].segments)
    parts = (fs[0], none)  # its coupling and source parts (on the finest level: by mark)
    for l in range(last):
        shape = levs[l + 1].shape
        fbc, fsc, fc = take(shape), take(shape), take(shape)
        MK.restrict_parts(*parts, mark if l == 0 else _NONE64, s, *levs[l].factor, fbc, fsc,
                          fc, *levs[l].segments)
        fs.append(fc)
        parts = (fbc, fsc)
    fb = np.asarray(rhs_b, dtype=np.float64)
    old = numba.get_num_threads()
    ok = False
    try:
        x = take(levs[last].shape)
        xh = np.zeros(hier.n_holes)
        hier._vcycle(last, fs[last], fb, x, xh, old)
        for l in range(last - 1, -1, -1):
            lev = levs[l]
            xf = take(lev.shape)
            split = sio and l == 0
            if split:
                MS.prolong_split(x, xf, *lev.segments)
            else:
                MK.prolong_runs(x, *lev.factor, xf, *lev.segments)
            fl = f0 if l == 0 else fs[l]
            xfh = np.zeros(hier.n_holes)
            hier._vcycle(l, fl, fb, xf, xfh, old, xf, xh, sio=split)
            for _ in range(finest_cycles - 1 if l == 0 else 0):
                xh, xfh = xfh, np.zeros(hier.n_holes)
                hier._vcycle(0, fl, fb, xf, xfh, old, xf, xh, sio=split)
            x, xh = xf, xfh
        if sio:
            MS.unsplit_scale(x, 1.0, u, *levs[0].segments)
        else:
            MK.scale_runs(x, 1.0, u, *levs[0].segments)
        ok = True
        return xh
    finally:
        numba.set_num_threads(old)
        if ok:  # (after a failure they may hold non-finite values)
            _POOL.give(temps)


_NONE64 = np.zeros((0, 0))  # (no mark)
_NONE32 = np.zeros((0, 0), np.float32)
