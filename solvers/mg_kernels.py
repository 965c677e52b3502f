"""numba kernels of the geometric multigrid (``fluxoid.solvers.multigrid``).

Plain functions over arrays, ``cache=True``, compiled once per dtype
combination: every level, the finest included, is in the preconditioner's
dtype (float32 by default, under a float64 Krylov iteration), so each cycle
kernel has one signature. Grid arrays are C-ordered ``(nx, ny)``; a level is given by

    inv_d  1 / diagonal (0 on cells that are not unknowns)
    wx     coupling of (i, j) with (i + 1, j), wrapping on a periodic axis
    wy     coupling of (i, j) with (i, j + 1)

The smoother is red-black Gauss-Seidel in its block form: every cell of one
colour is updated at once from the current values of all its neighbours.
With a proper two-colouring that is the classical red-black sweep; on a
periodic axis of odd length (where a seam joins two cells of one colour) it
stays a well-defined convergent splitting, and the kernels are written so
that the post-smoother is exactly the adjoint of the pre-smoother there too.
Red cells are those with ``(i + j)`` even.

Transfers are piecewise constant over aggregates of ``fx`` by ``fy`` cells
(fx, fy in {1, 2}): restriction sums the children, prolongation copies the
parent. Restriction is the transpose of prolongation, which with adjoint
pre/post smoothers makes the V-cycle a symmetric preconditioner.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .kernels import hole_apply as hole_apply_dot  # noqa: F401  (one hole-coupling kernel)

_OPTS = dict(cache=True, nogil=True, fastmath=False, error_model="numpy", boundscheck=False)
_U1 = np.uint64(1)


# -- setup ---------------------------------------------------------------------------------

@nb.njit(**_OPTS)  # called, not inlined: it keeps the parallel kernel small to compile
def _coarse_cell(mass, diag, wx, wy, fx, fy, px, py, s, I, J, out):
    # the general aggregate (any factor, the last row or column, a collapsed periodic axis)
    nx, ny = mass.shape
    ncx = -(-nx // fx)
    ncy = -(-ny // fy)
    i0 = I * fx
    i1 = min(i0 + fx, nx)
    j0 = J * fy
    j1 = min(j0 + fy, ny)
    m = 0.0
    st = 0.0
    for i in range(i0, i1):
        for j in range(j0, j1):
            m += mass[i, j]
            st += diag[i, j] - mass[i, j]
            # links inside the aggregate cancel (twice: both ends)
            if i + 1 < i1:
                st -= 2.0 * wx[i, j]
            if j + 1 < j1:
                st -= 2.0 * wy[i, j]
    # a periodic axis collapsed to one aggregate keeps its wrap link inside it
    if px and ncx == 1 and nx > 1 and fx > 1:
        for j in range(j0, j1):
            st -= 2.0 * wx[nx - 1, j]
    if py and ncy == 1 and ny > 1 and fy > 1:
        for i in range(i0, i1):
            st -= 2.0 * wy[i, ny - 1]
    ax = 0.0
    if px or i1 < nx:
        for j in range(j0, j1):
            ax += wx[i1 - 1, j]
    ay = 0.0
    if py or j1 < ny:
        for i in range(i0, i1):
            ay += wy[i, j1 - 1]
    if ncx == 1 and px and fx > 1:
        ax = 0.0
    if ncy == 1 and py and fy > 1:
        ay = 0.0
    out[0] = m
    out[1] = m + s * st
    out[2] = s * ax
    out[3] = s * ay


@nb.njit(parallel=True, **_OPTS)
def coarsen(mass, diag, wx, wy, fx, fy, px, py, s, mc, dc, wxc, wyc):
    """Coarse operator on aggregates of fx by fy cells.

    The mass part is the exact Galerkin sum P^T M P; the stiffness part
    (everything in the diagonal beyond the mass, and the couplings) is the
    Galerkin sum scaled by ``s``: s = 1/2 makes it the rediscretized operator
    for smooth fields (two fine links cross each coarse face), while the
    Galerkin structure keeps every wall and strip that is thinner than a
    coarse cell in the coarse operator. Full 2 x 2 aggregates away from the
    last row and column take a straight-line path (flat indices, no
    branches); the rest the general one.
    """
    for I in nb.prange(mc.shape[0]):
        _coarse_row(mass, diag, wx, wy, fx, fy, px, py, s, I, mc, dc, wxc, wyc)


@nb.njit(**_OPTS)  # called, not inlined: one body for ``coarsen`` and ``scan_coarsen``
def _coarse_row(mass, diag, wx, wy, fx, fy, px, py, s, I, mc, dc, wxc, wyc):
    # coarse row I of ``coarsen``
    ny = mass.shape[1]
    ncx, ncy = mc.shape
    M = mass.ravel()
    Dg = diag.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    out = np.empty(4)
    fast = fx == 2 and fy == 2 and I < ncx - 1
    Jf = ncy - 1 if fast else 0
    a = nb.uint64(2 * I * ny)
    b = a + nb.uint64(ny)
    for JJ in range(Jf):
        J = nb.uint64(JJ)
        k = a + J + J
        q = b + J + J
        m = M[k] + M[k + _U1] + M[q] + M[q + _U1]
        st = (Dg[k] + Dg[k + _U1] + Dg[q] + Dg[q + _U1] - m
              - 2.0 * (WX[k] + WX[k + _U1] + WY[k] + WY[q]))
        mc[I, JJ] = m
        dc[I, JJ] = m + s * st
        wxc[I, JJ] = s * (WX[q] + WX[q + _U1])
        wyc[I, JJ] = s * (WY[k + _U1] + WY[q + _U1])
    for J in range(Jf, ncy):
        _coarse_cell(mass, diag, wx, wy, fx, fy, px, py, s, I, J, out)
        mc[I, J] = out[0]
        dc[I, J] = out[1]
        wxc[I, J] = out[2]
        wyc[I, J] = out[3]


# -- active segments -----------------------------------------------------------------------
#
# Cells that are not unknowns (vacuum around the body, the inside of holes) are
# skipped: every stencil and vector kernel walks, row by row, only the runs of
# active cells (``sp``: row pointers, ``slo``/``shi``: half-open column ranges),
# so a body that fills half its box costs about half a sweep per kernel. Runs
# closer than ``min_gap`` cells are merged (short gaps cost less than a new
# run). Values at inactive cells are never written by these kernels; they are
# only ever read multiplied by a zero coupling, so they must be finite, which
# the work arrays guarantee (zero when first allocated, and dropped after a
# failed solve).

@nb.njit(parallel=True, **_OPTS)
def _segment_counts(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl, wyl):
    # runs per row (``_scan_row``), and (returned) the number of couplings that reach a
    # non-unknown and the number of active cells; with a nonempty ``same``, its flags too
    # (``_same_flags``), and with a nonempty ``inv_d``, the level's arrays (inv_d = 1 / d, wxl,
    # wyl): the rows just read are still in cache
    bad = 0
    active = 0
    for i in nb.prange(diag.shape[0]):
        nbad, na = _scan_row(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl, wyl, i)
        bad += nbad
        active += na
    return bad, active


@nb.njit(parallel=True, **_OPTS)
def scan_coarsen(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl, wyl, mass, s, px,
                 py, mc, dc, wxc, wyc):
    """``_segment_counts`` and ``coarsen`` (aggregates 2 cells wide on both axes) in one
    pass: each coarse row is formed from the fine rows just scanned, still in cache, so
    the fine coefficients are read from memory once instead of twice. An odd last row
    is an aggregate of its own, as in ``coarsen``."""
    nx = diag.shape[0]
    bad = 0
    active = 0
    for I in nb.prange(mc.shape[0]):
        b0, a0 = _scan_row(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl, wyl,
                           2 * I)
        b1 = 0
        a1 = 0
        if 2 * I + 1 < nx:
            b1, a1 = _scan_row(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl,
                               wyl, 2 * I + 1)
        _coarse_row(mass, diag, wx, wy, 2, 2, px, py, s, I, mc, dc, wxc, wyc)
        bad += b0 + b1
        active += a0 + a1
    return bad, active


@nb.njit(inline="always")
def _skip(D, j, active):
    # the first index >= j whose cell's activity (D > 0) is not ``active``, or D.size;
    # blocks of 8 cells at a time while they all are (a run's inside, a gap's)
    n = D.shape[0]
    while j + 8 <= n:
        same = 0
        for k in range(8):
            same += (D[j + k] > 0.0) == active
        if same < 8:
            break
        j += 8
    while j < n and (D[j] > 0.0) == active:
        j += 1
    return j


@nb.njit(**_OPTS)
def _row_runs(D, min_gap, lo, hi, base, cap):
    # the runs of active cells of the row D (gaps shorter than ``min_gap`` cells merged):
    # the first ``cap`` written to lo / hi from ``base`` on; returns their number
    ny = D.shape[0]
    c = 0
    j = _skip(D, 0, False)
    while j < ny:
        start = j
        end = _skip(D, j, True)
        j = _skip(D, end, False)
        while j < ny and j - end < min_gap:
            end = _skip(D, j, True)
            j = _skip(D, end, False)
        if c < cap:
            lo[base + c] = start
            hi[base + c] = end
        c += 1
    return c


@nb.njit(**_OPTS)  # called, not inlined (numba's reduction analysis fails on it inlined)
def _scan_row(diag, wx, wy, min_gap, counts, rlo, rhi, same, inv_d, wxl, wyl, i):
    # row i of ``_segment_counts``: its runs, the first rlo.shape[1] of them into rlo[i] /
    # rhi[i] and their number into counts[i]; returns (bad couplings, active cells). The
    # counts are branch-free sums (they vectorize), the runs found by skipping blocks of
    # cells inside runs and gaps: the scan runs at the speed of its reads (4096^2: 20 ->
    # 12 ms for the counts alone, 44 -> 33 ms with flags, arrays and the coarse operator)
    nx, ny = diag.shape
    ip = i + 1 if i < nx - 1 else 0
    D = diag[i]
    DN = diag[ip]
    WX = wx[i]
    WY = wy[i]
    na = 0
    nbad = 0
    for jj in range(ny - 1):
        j = nb.uint64(jj)
        a = np.int64(D[j] > 0.0)
        bx = np.int64(WX[j] != 0.0)
        by = np.int64(WY[j] != 0.0)
        na += a
        nbad += bx - (bx & a & np.int64(DN[j] > 0.0))
        nbad += by - (by & a & np.int64(D[j + _U1] > 0.0))
    j = ny - 1  # (its +y neighbour wraps to column 0)
    a = D[j] > 0.0
    na += a
    if WX[j] != 0.0 and not (a and DN[j] > 0.0):
        nbad += 1
    if WY[j] != 0.0 and not (a and D[0] > 0.0):
        nbad += 1
    counts[i] = _row_runs(D, min_gap, rlo[i], rhi[i], 0, rlo.shape[1])
    if same.size and inv_d.size and ny > 3:
        _flags_arrays(diag, wx, wy, i, same[i], inv_d[i], wxl[i], wyl[i])
        return nbad, na
    if same.size:
        _same_flags(diag, wx, wy, i, 2, ny - 1, same[i])
    if inv_d.size:
        for j in range(ny):
            _level_cell(D, WX, WY, inv_d[i], wxl[i], wyl[i], j)
    return nbad, na


@nb.njit(inline="always")
def _level_cell(D, WX, WY, inv_d, wxl, wyl, j):
    # cell j of a row of the level's arrays: inv_d = 1 / d (0 where d <= 0), wxl, wyl
    v = D[j]
    inv_d[j] = 1.0 / v if v > 0.0 else 0.0
    wxl[j] = WX[j]
    wyl[j] = WY[j]


@nb.njit(**_OPTS)
def _flags_arrays(d, wx, wy, i, same, inv_d, wxl, wyl):
    # ``_same_flags`` (columns 2 to ny - 2) and the level's arrays of row i in one loop
    D0, DM, DP, WM, WP, WY = _key_rows(d, wx, wy, i)
    ny = D0.shape[0]
    for jj in range(2, ny - 1):
        j = nb.uint64(jj)
        k = j - _U1
        v = D0[j]
        same[j] = ((v > 0.0) & (v == D0[k]) & (DM[j] == DM[k]) & (DP[j] == DP[k])
                   & (WM[j] == WM[k]) & (WP[j] == WP[k]) & (WY[j] == WY[k]))
        _level_cell(D0, WP, WY, inv_d, wxl, wyl, j)
    for j in (0, 1, ny - 1):
        _level_cell(D0, WP, WY, inv_d, wxl, wyl, j)


@nb.njit(parallel=True, **_OPTS)
def _segment_fill(diag, min_gap, counts, rlo, rhi, sp, slo, shi):
    # the runs into (sp, slo, shi): copied from rlo / rhi, or found again in a row that
    # had more than they hold
    cap = rlo.shape[1]
    for i in nb.prange(diag.shape[0]):
        c = counts[i]
        b = sp[i]
        if c <= cap:
            for k in range(c):
                slo[b + k] = rlo[i, k]
                shi[b + k] = rhi[i, k]
        else:
            _row_runs(diag[i], min_gap, slo, shi, b, c)


def couplings_confined(diag, wx, wy):
    """True when every nonzero coupling joins two active cells (diag > 0).

    The segment kernels rely on it: an inactive neighbour's value is read
    only times a zero coupling.
    """
    nx = diag.shape[0]
    none = np.empty((nx, 0), np.int64)
    return _segment_counts(diag, wx, wy, 2, np.empty(nx, np.int64), none, none, _NO_FLAGS,
                           *_NO_ARRAYS)[0] == 0


_NO_FLAGS = np.zeros((0, 0), np.bool_)
_RUNS_KEPT = 8
_NO_ARRAYS = tuple(np.zeros((0, 0), np.float32) for _ in range(3))


def scan_level(diag, wx, wy, min_gap=16, same=None, arrays=None, coarse=None):
    """One pass over a level: (segments, number of active cells).

    ``segments`` are the row runs of active cells (sp, slo, shi), see the
    comment above, or None when a coupling reaches a cell that is not an
    unknown (then every cell must be visited, ``full_segments``). With
    ``same`` (a boolean array of the grid's shape) the pass also fills it
    with the flags ``constant_runs`` splits the runs by; with ``arrays`` =
    (inv_d, wxl, wyl), the level's arrays: inv_d = 1 / d (0 where d <= 0),
    wxl = wx, wyl = wy in their dtype. With ``coarse`` = (mass, s, px, py,
    mc, dc, wxc, wyc), the same pass also fills the coarse operator of
    aggregates 2 cells wide (``coarsen``; ``scan_coarsen``).
    """
    nx, ny = diag.shape
    counts = np.empty(nx, np.int64)
    # the first few runs of each row, kept by the scan (most rows have one or two)
    rlo = np.empty((nx, _RUNS_KEPT), np.int64)
    rhi = np.empty((nx, _RUNS_KEPT), np.int64)
    gap = max(int(min_gap), 2)
    flags = _NO_FLAGS if same is None else same
    arr = _NO_ARRAYS if arrays is None else arrays
    if coarse is not None:
        bad, active = scan_coarsen(diag, wx, wy, gap, counts, rlo, rhi, flags, *arr, *coarse)
    else:
        bad, active = _segment_counts(diag, wx, wy, gap, counts, rlo, rhi, flags, *arr)
    if bad != 0:
        return None, int(active)
    sp = np.zeros(nx + 1, np.int64)
    np.cumsum(counts, out=sp[1:])
    slo = np.empty(int(sp[-1]), np.int64)
    shi = np.empty(int(sp[-1]), np.int64)
    _segment_fill(diag, gap, counts, rlo, rhi, sp, slo, shi)
    return (sp, slo, shi), int(active)


def active_segments(diag, wx, wy, min_gap=16):
    """Row runs of active cells: (sp, slo, shi), or None (see ``scan_level``)."""
    return scan_level(diag, wx, wy, min_gap)[0]


#
# Runs of constant stencil. Inside a body of one material the operator is the
# same at every cell: reading three coefficient arrays there to find the same
# numbers again is most of the traffic of a sweep. ``constant_runs`` splits
# each run of active cells further, into stretches where the cell's stencil
# and its neighbours' diagonals stay the same along the row, and records them
# once per stretch; the stencil kernels read only x and r there. A stretch is
# keyed by six numbers,
#
#     (d(i, j), d(i-1, j), d(i+1, j), wx(i-1, j), wx(i, j), wy(i, j)),
#
# with d(i, j-1) = d(i, j) = d(i, j+1) and wy(i, j-1) = wy(i, j) required:
# uniform bodies have one key, and the rows of the axisymmetric r-z operator
# (coefficients that vary with r only) one key per row. Stretches start and
# end on even columns (a pair of cells, the aggregate of the restriction,
# never straddles two) and are at least ``min_len`` cells long.

@nb.njit(inline="always")
def _key_rows(d, wx, wy, i):
    # the rows a key is read from: d(i), d(i - 1), d(i + 1), wx(i - 1), wx(i), wy(i)
    nx = d.shape[0]
    im = i - 1 if i > 0 else nx - 1
    ip = i + 1 if i < nx - 1 else 0
    return d[i], d[im], d[ip], wx[im], wx[i], wy[i]


@nb.njit(**_OPTS)
def _same_flags(d, wx, wy, i, j0, j1, same):
    # same[j] = 1 (j0 <= j < j1): cell (i, j) is active and keyed like cell (i, j - 1)
    D0, DM, DP, WM, WP, WY = _key_rows(d, wx, wy, i)
    for jj in range(j0, j1):
        j = nb.uint64(jj)  # (unsigned: no negative-index wraparound, the loop vectorizes)
        k = j - _U1
        same[j] = ((D0[j] > 0.0) & (D0[j] == D0[k]) & (DM[j] == DM[k]) & (DP[j] == DP[k])
                   & (WM[j] == WM[k]) & (WP[j] == WP[k]) & (WY[j] == WY[k]))


@nb.njit(inline="always")
def _skip_flagged(same, j, j1):
    # the first index >= j (and < j1) not flagged in ``same``, or j1: 16 flags at a time
    while j + 16 <= j1:
        n = 0
        for k in range(16):
            n += same[j + k]
        if n < 16:
            break
        j += 16
    while j < j1 and same[j]:
        j += 1
    return j


@nb.njit(**_OPTS)
def _const_row(d, wx, wy, i, sp, slo, shi, min_len, same, fill, base, olo, ohi, ock, oct):
    # the sub-runs of row i (written from ``base`` on when ``fill``); returns their number.
    # same[j] = 1: cell j is active and keyed like cell j - 1 (``_same_flags``); a stretch
    # [s, e) of such cells has its regular cells (both row neighbours in it) in [s + 1, e - 1),
    # which is then cut to even ends
    ny = d.shape[1]
    D0, DM, DP, WM, WP, WY = _key_rows(d, wx, wy, i)
    n = 0
    for g in range(sp[i], sp[i + 1]):
        lo = slo[g]
        hi = shi[g]
        j0 = max(lo, 1)
        j1 = min(hi, ny - 1)
        cur = lo  # cells before ``cur`` are emitted
        j = j0
        while j < j1:
            st = j
            j += 1
            j = _skip_flagged(same, j, j1)
            a = st + 1
            a += a & 1
            b = j - 1
            b -= b & 1
            if b - a < min_len:
                continue
            if a > cur:
                if fill:
                    olo[base + n] = cur
                    ohi[base + n] = a
                    ock[base + n] = 0
                n += 1
            if fill:
                olo[base + n] = a
                ohi[base + n] = b
                ock[base + n] = 1
                oct[base + n, 0] = D0[a]
                oct[base + n, 1] = DM[a]
                oct[base + n, 2] = DP[a]
                oct[base + n, 3] = WM[a]
                oct[base + n, 4] = WP[a]
                oct[base + n, 5] = WY[a]
            n += 1
            cur = b
        if hi > cur:
            if fill:
                olo[base + n] = cur
                ohi[base + n] = hi
                ock[base + n] = 0
            n += 1
    return n


@nb.njit(parallel=True, **_OPTS)
def _const_counts(d, wx, wy, sp, slo, shi, min_len, same, counts):
    e = np.zeros(0, np.int64)
    k = np.zeros(0, np.uint8)
    t = np.zeros((0, 6))
    for i in nb.prange(d.shape[0]):
        counts[i] = _const_row(d, wx, wy, i, sp, slo, shi, min_len, same[i], False, 0, e, e, k, t)


@nb.njit(parallel=True, **_OPTS)
def _const_fill(d, wx, wy, sp, slo, shi, min_len, same, osp, olo, ohi, ock, oct):
    for i in nb.prange(d.shape[0]):
        _const_row(d, wx, wy, i, sp, slo, shi, min_len, same[i], True, osp[i], olo, ohi, ock,
                   oct)


@nb.njit(parallel=True, **_OPTS)
def _same_all(d, wx, wy, same):
    for i in nb.prange(d.shape[0]):
        _same_flags(d, wx, wy, i, 2, d.shape[1] - 1, same[i])


def constant_runs(d, wx, wy, segments, min_len=8, same=None, flagged=False):
    """Split the runs ``segments`` = (sp, slo, shi) at the stretches of constant stencil.

    Returns (sp, slo, shi, kind, key): the new runs cover the same cells in
    the same order; ``kind[g]`` is 1 on a stretch of constant stencil and 0
    elsewhere, ``key[g]`` (float64, 6 values, see the comment above) holds
    the stencil of a constant stretch (zeros elsewhere). ``min_len <= 0``
    splits nothing (every run general). ``same``: a boolean work array of
    the grid's shape, or None; ``flagged``: ``same`` already holds the flags
    (``scan_level`` filled it).
    """
    sp, slo, shi = segments
    nx = d.shape[0]
    if min_len <= 0:
        return (sp, slo, shi, np.zeros(slo.size, np.uint8), np.zeros((slo.size, 6)))
    d = np.ascontiguousarray(d, dtype=np.float64)
    wx = np.ascontiguousarray(wx, dtype=np.float64)
    wy = np.ascontiguousarray(wy, dtype=np.float64)
    counts = np.empty(nx, np.int64)
    if same is None:
        same = np.empty(d.shape, np.bool_)
        flagged = False
    if not flagged:
        _same_all(d, wx, wy, same)
    _const_counts(d, wx, wy, sp, slo, shi, max(int(min_len), 2), same, counts)
    osp = np.zeros(nx + 1, np.int64)
    np.cumsum(counts, out=osp[1:])
    m = int(osp[-1])
    olo = np.empty(m, np.int64)
    ohi = np.empty(m, np.int64)
    ock = np.zeros(m, np.uint8)
    oct = np.zeros((m, 6))
    _const_fill(d, wx, wy, sp, slo, shi, max(int(min_len), 2), same, osp, olo, ohi, ock, oct)
    return osp, olo, ohi, ock, oct


def constant_stencils(key, dtype):
    """The kernels' per-run constants in ``dtype`` from ``constant_runs``' keys:
    (1/d, 1/d(i-1), 1/d(i+1), wx(i-1), wx(i), wy), 1/d as ``scan_level`` forms it."""
    out = np.zeros(key.shape, dtype)
    for c in range(3):
        v = key[:, c]
        out[:, c] = np.where(v > 0.0, 1.0 / np.where(v > 0.0, v, 1.0), 0.0)
    out[:, 3:] = key[:, 3:]
    return out


def full_segments(shape):
    """One run per row over every cell (no skipping)."""
    nx, ny = shape
    return (np.arange(nx + 1, dtype=np.int64), np.zeros(nx, np.int64),
            np.full(nx, ny, np.int64))


# -- smoothing -----------------------------------------------------------------------------
#
# The stencil kernels read neighbours through wrapped indices on every axis:
# on a non-periodic axis the coupling of the last row (column) is zero, so the
# wrapped value is multiplied by 0 and the inner loops need no branches. The
# inner loops index flat views with unsigned integers, which spares numba's
# negative-index wraparound and lets LLVM vectorize them; each row's two end
# cells are done apart (scalar, wrapped). Dot products may be reassociated
# (``_FAST``): only their rounding changes.

_FAST = dict(_OPTS, fastmath={"reassoc", "contract", "nsz", "arcp"})
# The ring kernels' blocks (plain functions a parallel loop calls) run without numba's
# reference counting: they allocate nothing (the caller passes their rings and flat views),
# and in a plain function numba counts the references of the arrays of every inlined row
# helper, two atomic operations each at every row (the body of a parallel loop is spared
# them). One red-black sweep of a 256^2 level written as such a block took 26 us with the
# counts and 17.5 us without; whole solves, interleaved in one process, 2-5% less time
# (2048^2 hollow cylinder 130.0 -> 123.6 ms, 100 holes 246.7 -> 238.7 ms, strips
# 106.7 -> 102.2 ms, 4096^2 397.5 -> 390.3 ms)
# (``_nrt`` is numba's own option for it; a numba without it compiles them as before)
_BLOCK = (dict(_FAST, _nrt=False) if hasattr(nb.core.options.DefaultOptions, "_nrt")
          else _FAST)


@nb.njit(inline="always")
def _star(u, wx, wy, i, im, ip, j, jm, jp):
    """sum of w u over the four neighbours of (i, j) (2D indices, for the row ends)."""
    return (wx[im, j] * u[im, j] + wx[i, j] * u[ip, j]
            + wy[i, jm] * u[i, jm] + wy[i, j] * u[i, jp])


@nb.njit(inline="always")
def _rows(i, nx, ny):
    im = i - 1 if i > 0 else nx - 1
    ip = i + 1 if i < nx - 1 else 0
    return im, ip, nb.uint64(i * ny), nb.uint64(im * ny), nb.uint64(ip * ny)


@nb.njit(inline="always")
def _pre(r, inv_d, wx, wy, i, im, ip, j, jm, jp, fm, fp, gm, gp):
    # red: r / d; black: (r + sum w r_nb / d_nb) / d (f*, g*: 0 across an odd periodic seam)
    t = r[i, j] * inv_d[i, j]
    if (i + j) & 1 == 0:
        return t
    s = (r[i, j] + fm * wx[im, j] * (r[im, j] * inv_d[im, j])
         + fp * wx[i, j] * (r[ip, j] * inv_d[ip, j])
         + gm * wy[i, jm] * (r[i, jm] * inv_d[i, jm])
         + gp * wy[i, j] * (r[i, jp] * inv_d[i, jp]))
    return s * inv_d[i, j]


@nb.njit(inline="always")
def _pre_row(r, inv_d, wx, wy, R, D, WX, WY, i, nx, ny, sp, slo, shi, ck, ct, one, zero,
             gseam, O, ob):
    # row i of the sweep from zero into O[ob:ob + ny] (its runs and its two end cells)
    im, ip, k0, km, kp = _rows(i, nx, ny)
    fm = one if ((i - im) & 1) == 1 else zero  # 0 only on the seam rows of an odd axis
    fp = one if ((ip - i) & 1) == 1 else zero
    O[ob] = _pre(r, inv_d, wx, wy, i, im, ip, 0, ny - 1, 1 % ny, fm, fp, gseam, one)
    par = nb.uint64(i & 1)
    for g in range(sp[i], sp[i + 1]):
        if ck[g]:
            di = ct[g, 0]
            am = fm * ct[g, 3] * ct[g, 1]
            ap = fp * ct[g, 4] * ct[g, 2]
            ay = ct[g, 5] * di
            for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
                j = nb.uint64(jj)
                k = k0 + j
                t = R[k] * di
                s = (R[k] + am * R[km + j] + ap * R[kp + j]
                     + ay * (R[k - _U1] + R[k + _U1])) * di
                O[ob + j] = t if ((j + par) & _U1) == 0 else s
            continue
        for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
            j = nb.uint64(jj)
            k = k0 + j
            t = R[k] * D[k]
            s = (R[k] + fm * WX[km + j] * (R[km + j] * D[km + j])
                 + fp * WX[k] * (R[kp + j] * D[kp + j])
                 + WY[k - _U1] * (R[k - _U1] * D[k - _U1])
                 + WY[k] * (R[k + _U1] * D[k + _U1])) * D[k]
            O[ob + j] = t if ((j + par) & _U1) == 0 else s
    if ny > 1:
        O[ob + nb.uint64(ny - 1)] = _pre(r, inv_d, wx, wy, i, im, ip, ny - 1, ny - 2, 0, fm, fp,
                                         one, gseam)


@nb.njit(parallel=True, **_OPTS)
def presmooth(r, inv_d, wx, wy, x, sp, slo, shi, ck, ct):
    """x = one red-black sweep on A x = r from x = 0, in a single pass.

    Red cells get r / d; a black cell gets (r + sum w x_red) / d with its red
    neighbours' values formed on the fly (a black neighbour across an odd
    periodic seam still holds 0). Runs with ``ck[g] = 1`` take their stencil
    from ``ct[g]`` (``constant_stencils``) instead of the coefficient arrays.
    """
    nx, ny = r.shape
    R = r.ravel()
    D = inv_d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    X = x.ravel()
    # the seam factors in the arrays' dtype, so that the arithmetic stays in it (a float64
    # factor would turn the whole float32 sweep into float64)
    one = r.dtype.type(1.0)
    zero = r.dtype.type(0.0)
    gseam = one if (ny % 2 == 0) else zero
    for i in nb.prange(nx):
        _pre_row(r, inv_d, wx, wy, R, D, WX, WY, i, nx, ny, sp, slo, shi, ck, ct, one, zero,
                 gseam, X, nb.uint64(i * ny))


@nb.njit(**_OPTS)  # called (row ends, odd levels), not inlined: keeps the kernels quick to compile
def _res(r, x, inv_d, wx, wy, i, im, ip, j, jm, jp):
    idg = inv_d[i, j]
    if idg == 0.0:
        return 0.0
    return r[i, j] - x[i, j] / idg + _star(x, wx, wy, i, im, ip, j, jm, jp)


@nb.njit(inline="always")
def _res_end(R, D, WX, WY, X, k0, km, xm, x0, xp, j, jm, jp):
    # the residual of a row-end cell (flat: k0, km the rows of the arrays, xm, x0, xp those of X)
    k = k0 + nb.uint64(j)
    idg = D[k]
    if idg == 0.0:
        return 0.0
    uj = nb.uint64(j)
    return R[k] - X[x0 + uj] / idg + (WX[km + uj] * X[xm + uj] + WX[k] * X[xp + uj]
                                      + WY[k0 + nb.uint64(jm)] * X[x0 + nb.uint64(jm)]
                                      + WY[k] * X[x0 + nb.uint64(jp)])


@nb.njit(inline="always")
def _res_row(R, D, WX, WY, X, i, nx, ny, xm, x0, xp, sp, slo, shi, ck, ct, one, RC, c0):
    # RC[c0 + j // 2] += the residual of row i (x's rows i - 1, i, i + 1 at X[xm:], X[x0:],
    # X[xp:]) summed over pairs of columns (fy = 2)
    im, ip, k0, km, kp = _rows(i, nx, ny)
    jmid = (ny - 1) // 2
    for j in range(min(2, ny)):
        jm = j - 1 if j > 0 else ny - 1
        jp = j + 1 if j < ny - 1 else 0
        RC[c0 + nb.uint64(j >> 1)] += _res_end(R, D, WX, WY, X, k0, km, xm, x0, xp, j, jm, jp)
    for g in range(sp[i], sp[i + 1]):
        if ck[g]:  # (a constant run starts and ends on even columns)
            dd = one / ct[g, 0]
            wm = ct[g, 3]
            wp = ct[g, 4]
            wq = ct[g, 5]
            for JJ in range(max(slo[g] >> 1, 1), min(shi[g] >> 1, jmid)):
                J = nb.uint64(JJ)
                j = J + J
                k = k0 + j
                q = x0 + j
                v0 = (R[k] + wm * X[xm + j] + wp * X[xp + j]
                      + wq * (X[q - _U1] + X[q + _U1]) - X[q] * dd)
                v1 = (R[k + _U1] + wm * X[xm + j + _U1] + wp * X[xp + j + _U1]
                      + wq * (X[q] + X[q + _U1 + _U1]) - X[q + _U1] * dd)
                RC[c0 + J] += v0 + v1
            continue
        # aggregates 1 .. jmid - 1 that meet the run (its end cells may be inactive)
        for JJ in range(max(slo[g] >> 1, 1), min((shi[g] + 1) >> 1, jmid)):
            J = nb.uint64(JJ)
            acc = 0.0
            for qq in range(2):
                j = J + J + nb.uint64(qq)
                k = k0 + j
                q = x0 + j
                dk = D[k]
                v = (R[k] + WX[km + j] * X[xm + j] + WX[k] * X[xp + j]
                     + WY[k - _U1] * X[q - _U1] + WY[k] * X[q + _U1]
                     - X[q] / dk)
                acc += v if dk != 0.0 else 0.0
            RC[c0 + J] += acc
    for j in range(max(2, 2 * jmid), ny):
        jp = j + 1 if j < ny - 1 else 0
        RC[c0 + nb.uint64(j >> 1)] += _res_end(R, D, WX, WY, X, k0, km, xm, x0, xp, j, j - 1,
                                               jp)


@nb.njit(parallel=True, **_FAST)
def residual_restrict(r, x, inv_d, wx, wy, fx, fy, rc, sp, slo, shi, ck, ct):
    """rc = P^T (r - A5 x): the 5-point residual summed over each aggregate.

    The diagonal is read as 1 / inv_d (cells that are not unknowns have
    x = 0 and contribute nothing). Hole couplings are added by the caller.
    Runs with ``ck[g] = 1`` take their stencil from ``ct[g]``.
    """
    nx, ny = r.shape
    ncx, ncy = rc.shape
    R = r.ravel()
    Xf = x.ravel()
    D = inv_d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    RC = rc.ravel()
    one = r.dtype.type(1.0)
    for I in nb.prange(ncx):
        for J in range(ncy):
            rc[I, J] = 0.0
        c0 = nb.uint64(I * ncy)
        for i in range(I * fx, min(I * fx + fx, nx)):
            im, ip, k0, km, kp = _rows(i, nx, ny)
            if fy == 2:
                _res_row(R, D, WX, WY, Xf, i, nx, ny, km, k0, kp, sp, slo, shi, ck, ct, one,
                         RC, c0)
            else:
                for j in range(ny):
                    jm = j - 1 if j > 0 else ny - 1
                    jp = j + 1 if j < ny - 1 else 0
                    rc[I, j] += _res(r, x, inv_d, wx, wy, i, im, ip, j, jm, jp)


@nb.njit(parallel=True, **_OPTS)
def residual(r, x, inv_d, wx, wy, out, sp, slo, shi):
    """out = r - A5 x on the runs of active cells (the same level; hole terms by the caller)."""
    nx, ny = r.shape
    R = r.ravel()
    Xf = x.ravel()
    D = inv_d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    O = out.ravel()
    for i in nb.prange(nx):
        im, ip, k0, km, kp = _rows(i, nx, ny)
        for j in (0, ny - 1):
            jm = j - 1 if j > 0 else ny - 1
            jp = j + 1 if j < ny - 1 else 0
            out[i, j] = _res(r, x, inv_d, wx, wy, i, im, ip, j, jm, jp)
        for g in range(sp[i], sp[i + 1]):
            for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
                j = nb.uint64(jj)
                k = k0 + j
                dk = D[k]
                v = (R[k] + WX[km + j] * Xf[km + j] + WX[k] * Xf[kp + j]
                     + WY[k - _U1] * Xf[k - _U1] + WY[k] * Xf[k + _U1] - Xf[k] / dk)
                O[k] = v if dk != 0.0 else 0.0


@nb.njit(inline="always")
def _expand(X, t, ec, C, T, fy, ny, E, base, lo, hi):
    # E[base + lo:base + hi] and the two cells at each end = row t of x (flat X) plus row T
    # of the coarse correction (flat: C), prolonged
    sy = 1 if fy == 2 else 0
    ncy = ec.shape[1]
    c0 = nb.uint64(T * ncy)
    x0 = nb.uint64(t * ny)
    if fy == 2:
        for JJ in range(lo >> 1, min((hi + 1) >> 1, ny >> 1)):
            J = nb.uint64(JJ)
            v = C[c0 + J]
            E[base + J + J] = X[x0 + J + J] + v
            E[base + J + J + _U1] = X[x0 + J + J + _U1] + v
    else:
        for jj in range(lo, hi):
            j = nb.uint64(jj)
            E[base + j] = X[x0 + j] + C[c0 + j]
    for j in (0, 1, ny - 2, ny - 1):
        if 0 <= j < ny:
            E[base + nb.uint64(j)] = X[x0 + nb.uint64(j)] + ec[T, j >> sy]


@nb.njit(inline="always")
def _expand_ahead(X, ec, C, fx, fy, nx, ny, E, sp, slo, shi, k, r0):
    # step k of a ring of rows of x + P ec: row r0 + m sits in slot m % 3 of E, filled
    # once, at step m - 1 (the first three at step 0), over the runs of rows
    # r0 + m - 1 .. r0 + m + 1, one cell wider each side (what a half-sweep of row
    # r0 + m - 1, r0 + m or r0 + m + 1 reads of it)
    for m in range(k - 1 if k == 0 else k + 1, k + 2):
        tt = (r0 + m + 3 * nx) % nx
        lo = ny
        hi = 0
        for q in ((tt + nx - 1) % nx, tt, (tt + 1) % nx):
            if sp[q + 1] > sp[q]:
                lo = min(lo, max(slo[sp[q]] - 1, 0))
                hi = max(hi, min(shi[sp[q + 1] - 1] + 1, ny))
        _expand(X, tt, ec, C, tt // fx, fy, ny, E, nb.uint64((m + 3) % 3) * nb.uint64(ny),
                lo, hi)


@nb.njit(inline="always")
def _black_into(X, xm, x0, xp, R, D, WX, WY, t, nx, ny, Y, yb,
                xh, hb_ptr, hb_cell, hb_hole, hb_w, sp, slo, shi, ck, ct, first):
    # Y[yb:yb + ny] = row t of the first half-sweep: cells of colour ``first`` (1 black,
    # 0 red) swept, the others kept (``_second_row`` with the other colour second), and
    # the hole terms of the swept colour's edge cells (hb_*). X holds rows t - 1, t, t + 1
    # of the iterate (x, or x + P ec: ``_expand_ahead``) at X[xm:], X[x0:], X[xp:]
    _second_row(R, D, WX, WY, X, xm, x0, xp, t, nx, ny, sp, slo, shi, ck, ct, 1 - first, Y,
                yb)
    for e in range(hb_ptr[t], hb_ptr[t + 1]):
        c = hb_cell[e]
        Y[yb + nb.uint64(c - t * ny)] += hb_w[e] * xh[hb_hole[e]] * D[c]


@nb.njit(inline="always")
def _second_row(R, D, WX, WY, Y, ym, y0, yp, i, nx, ny, sp, slo, shi, ck, ct, first, O, ob):
    # O[ob:ob + ny] = row i of the second half-sweep (colour 1 - ``first``) from the first's
    # rows i - 1, i, i + 1 at Y[ym:], Y[y0:], Y[yp:] (the other colour kept); returns
    # r . out over the row. Every half-sweep of the cycle kernels is this row helper
    tacc = 0.0
    im = i - 1 if i > 0 else nx - 1
    ki = nb.uint64(i * ny)
    kim = nb.uint64(im * ny)
    for j in (0, ny - 1):
        jm = j - 1 if j > 0 else ny - 1
        jp = j + 1 if j < ny - 1 else 0
        uj = nb.uint64(j)
        if (i + j + first + 1) & 1 == 1:
            v = Y[y0 + uj]
        else:
            v = (R[ki + uj] + WX[kim + uj] * Y[ym + uj] + WX[ki + uj] * Y[yp + uj]
                 + WY[ki + nb.uint64(jm)] * Y[y0 + nb.uint64(jm)]
                 + WY[ki + uj] * Y[y0 + nb.uint64(jp)]) * D[ki + uj]
        O[ob + uj] = v
        tacc += R[ki + uj] * v
    if ny == 1:
        tacc -= 0.5 * R[ki] * O[ob]
    par = nb.uint64((i + first + 1) & 1)
    for g in range(sp[i], sp[i + 1]):
        if ck[g]:
            di = ct[g, 0]
            wm = ct[g, 3]
            wp = ct[g, 4]
            wq = ct[g, 5]
            for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
                j = nb.uint64(jj)
                sv = (R[ki + j] + wm * Y[ym + j] + wp * Y[yp + j]
                      + wq * (Y[y0 + j - _U1] + Y[y0 + j + _U1])) * di
                v = sv if ((j + par) & _U1) == 0 else Y[y0 + j]
                O[ob + j] = v
                tacc += R[ki + j] * v
            continue
        for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
            j = nb.uint64(jj)
            k2 = ki + j
            sv = (R[k2] + WX[kim + j] * Y[ym + j] + WX[k2] * Y[yp + j]
                  + WY[k2 - _U1] * Y[y0 + j - _U1] + WY[k2] * Y[y0 + j + _U1]) * D[k2]
            v = sv if ((j + par) & _U1) == 0 else Y[y0 + j]
            O[ob + j] = v
            tacc += R[k2] * v
    return tacc


@nb.njit(parallel=True, **_FAST)
def post_smooth(x, ec, r, inv_d, wx, wy, fx, fy, xh, hb_ptr, hb_cell, hb_hole, hb_w,
                hs_ptr, hs_cell, hs_hole, hs_w, nchunks, out, sp, slo, shi, ck, ct, first):
    """out = the post-smoothing of the cycle (prolongation, black sweep, red sweep) in one pass.

    ``first = 0`` swaps the colours (red half-sweep, then black): with an
    empty ``ec`` (no coarse correction) that is the pre-smoother's second
    sweep, and ``hb_*`` must then list the red edge cells, ``hs_*`` the black ones.

    A black half-sweep from x + P ec (hole terms of the black edge cells
    included), then a red half-sweep (hole terms of the red edge cells
    included; runs with ``ck[g] = 1`` take their stencil from ``ct[g]``),
    but the intermediate y is kept in a ring of
    three rows per thread: each thread walks its block of rows, computing y
    one row ahead of the red sweep (and the two rows beyond its block that
    its ends need), so x, r and the coefficients are streamed once. The
    rows of x + P ec are formed once each, in a second ring of three rows,
    which the black half-sweep reads (contiguous reads, one add per cell
    instead of one per read). ``hb_*`` are the hole links of the black edge cells sorted by
    cell, ``hb_ptr`` their row pointers, ``hs_*`` those of the red edge
    cells; ``nchunks`` blocks of rows are shared among the threads.
    Returns r . out.
    """
    nx = x.shape[0]
    nchunks = max(1, min(nx, nchunks))
    acc = 0.0
    flat = (x.ravel(), r.ravel(), inv_d.ravel(), wx.ravel(), wy.ravel(), out.ravel(), ec.ravel())
    for c in nb.prange(nchunks):
        ring = np.zeros(6 * x.shape[1], x.dtype)  # (finite where a row's runs leave it unwritten)
        acc += _post_block(x, ec, r, inv_d, wx, wy, fx, fy, xh, hb_ptr, hb_cell, hb_hole, hb_w,
                           hs_ptr, hs_cell, hs_hole, hs_w, c * nx // nchunks,
                           (c + 1) * nx // nchunks, out, sp, slo, shi, ck, ct, first, ring, flat)
    return acc


# a block's work is a plain compiled function the parallel loop calls (numba's
# parallel-loop passes over the inlined row helpers took 8.5 s to compile, now 3.6 s)
@nb.njit(**_BLOCK)
def _post_block(x, ec, r, inv_d, wx, wy, fx, fy, xh, hb_ptr, hb_cell, hb_hole, hb_w,
                hs_ptr, hs_cell, hs_hole, hs_w, a, b, out, sp, slo, shi, ck, ct, first, ring,
                flat):
    # post_smooth on the rows [a, b); returns their r . out
    nx, ny = x.shape
    X, R, D, WX, WY, O, C = flat
    uny = nb.uint64(ny)
    Y = ring[:3 * ny]
    E = ring[3 * ny:6 * ny]
    tacc = 0.0
    # step k computes the black row a - 1 + k into ring slot k % 3 (Y[slot ny:]) and,
    # from k = 2 on, the red row i = a + k - 2 from slots (k - 2) % 3 (row i - 1),
    # (k - 1) % 3 (row i), k % 3 (row i + 1). Row a - 1 + m of x + P ec sits in slot
    # m % 3 of E, filled once (at step m - 1) over the runs of rows a - 2 + m .. a + m
    for k in range(b - a + 2):
        t = a - 1 + k
        if t < 0:
            t = nx - 1
        elif t >= nx:
            t = 0
        if ec.size > 0:  # the black half reads x + P ec, formed once per row in E
            _expand_ahead(X, ec, C, fx, fy, nx, ny, E, sp, slo, shi, k, a - 1)
            S = E
            xm = nb.uint64((k + 2) % 3) * uny
            xc = nb.uint64(k % 3) * uny
            xp = nb.uint64((k + 1) % 3) * uny
        else:  # (no coarse correction: x itself)
            S = X
            xm = nb.uint64(t - 1 if t > 0 else nx - 1) * uny
            xc = nb.uint64(t) * uny
            xp = nb.uint64(t + 1 if t < nx - 1 else 0) * uny
        _black_into(S, xm, xc, xp, R, D, WX, WY, t, nx, ny, Y, nb.uint64(k % 3) * uny, xh,
                    hb_ptr, hb_cell, hb_hole, hb_w, sp, slo, shi, ck, ct, first)
        if k < 2:
            continue
        i = a + k - 2
        ym = nb.uint64((k - 2) % 3) * uny
        y0 = nb.uint64((k - 1) % 3) * uny
        yp = nb.uint64(k % 3) * uny
        tacc += _second_row(R, D, WX, WY, Y, ym, y0, yp, i, nx, ny, sp, slo, shi, ck, ct,
                            first, O, nb.uint64(i) * uny)
        for e in range(hs_ptr[i], hs_ptr[i + 1]):  # the red edge cells' hole terms
            cc = hs_cell[e]
            dv = hs_w[e] * xh[hs_hole[e]] * D[cc]
            O[cc] += dv
            tacc += R[cc] * dv
    return tacc


@nb.njit(parallel=True, **_FAST)
def half_sweep(x, r, inv_d, wx, wy, xh, hs_ptr, hs_cell, hs_hole, hs_w, out, sp, slo, shi, ck,
               ct, first):
    """out = x with the cells of colour 1 - ``first`` (1 black, 0 red) swept: one half-sweep.

    What remains of a red-black sweep (red, then black: ``first = 0``) from
    an x whose red cells were just swept against the same right side and the
    same black values: sweeping them again would give the same values. The
    W-cycle's second visit of a level starts from the first visit's result,
    whose last half-sweep was the red one. Hole terms of the swept cells
    come from ``hs_*`` (sorted by cell, row pointers ``hs_ptr``); runs with
    ``ck[g] = 1`` take their stencil from ``ct[g]``. ``out`` must not be ``x``.
    """
    nx, ny = x.shape
    X = x.ravel()
    R = r.ravel()
    D = inv_d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    O = out.ravel()
    uny = nb.uint64(ny)
    for i in nb.prange(nx):
        im = i - 1 if i > 0 else nx - 1
        ip = i + 1 if i < nx - 1 else 0
        _black_into(X, nb.uint64(im) * uny, nb.uint64(i) * uny, nb.uint64(ip) * uny, R, D, WX,
                    WY, i, nx, ny, O, nb.uint64(i) * uny, xh, hs_ptr, hs_cell, hs_hole, hs_w,
                    sp, slo, shi, ck, ct, 1 - first)


@nb.njit(parallel=True, **_FAST)
def down_fine(r, inv_d, wx, wy, x0, y, rc, nchunks, sp, slo, shi, ck, ct):
    """The finest level's way down in one pass: y = two red-black sweeps on A5 y = r from
    zero, or from x0 when it is not empty (red, black, red, black), and rc = P^T (r - A5 y),
    for fx = fy = 2.

    The same as ``presmooth`` (from x0: ``post_smooth``, red first, no coarse correction
    and no hole lists), ``post_smooth`` and ``residual_restrict`` in turn, with every
    intermediate row in rings of three rows per thread: each thread owns a block of coarse
    rows and walks its fine rows with the first half-sweep three rows (from x0: four)
    ahead of the residual (recomputing the few rows its ends need), so r, x0 and the
    coefficients are streamed once and y written once. Hole terms belong in r
    (``Hierarchy._fine_cycle``).
    """
    ncx = rc.shape[0]
    nchunks = max(1, min(ncx, nchunks))
    flat = (r.ravel(), inv_d.ravel(), wx.ravel(), wy.ravel(), x0.ravel(), y.ravel(), rc.ravel())
    for c in nb.prange(nchunks):
        ring = np.zeros(12 * r.shape[1], r.dtype)
        _down_block(r, inv_d, wx, wy, x0, y, rc, c * ncx // nchunks,
                    (c + 1) * ncx // nchunks, sp, slo, shi, ck, ct, ring, flat)


# a block's work is a plain compiled function the parallel loop calls: with the rows'
# helpers inlined straight into the parallel loop, numba took 11 s to compile it (and
# up_fine 17.7 s), now about 5 s each
@nb.njit(**_BLOCK)
def _down_block(r, inv_d, wx, wy, x0, y, rc, Ia, Ib, sp, slo, shi, ck, ct, ring, flat):
    # down_fine on the coarse rows [Ia, Ib)
    nx, ny = r.shape
    ncy = rc.shape[1]
    R, D, WX, WY, X0, Yg, RC = flat
    one = r.dtype.type(1.0)
    zero = r.dtype.type(0.0)
    gseam = one if (ny % 2 == 0) else zero
    uny = nb.uint64(ny)
    a = 2 * Ia
    b = min(2 * Ib, nx)
    off = 1 if x0.size > 0 else 0  # from x0: one more half-sweep in front
    for I in range(Ia, Ib):
        for J in range(ncy):
            rc[I, J] = 0.0
    Q = ring[:3 * ny]  # from x0: the first sweep's red half
    P = ring[3 * ny:6 * ny]  # the first sweep's rows
    A = ring[6 * ny:9 * ny]  # the second sweep's red half
    Y = ring[9 * ny:12 * ny]  # y
    # step k, with t = a - 3 - off + k: from x0, the first red half at row t into Q slot
    # k % 3; the first sweep at row t - off into P slot k % 3 (from zero in one go; from
    # x0 its black half, k >= 2); the red half of the second at row t - off - 1 into A
    # slot k % 3 (k >= 2 + 2 off); its black half at row t - off - 2 into Y slot k % 3
    # (k >= 4 + 2 off, copied to y on the block's rows); the residual of row t - off - 3
    # added to its aggregate (k >= 6 + 2 off)
    for k in range(b - a + 6 + 2 * off):
        t = (a - 3 - off + k + 4 * nx) % nx
        s0 = nb.uint64(k % 3) * uny
        s1 = nb.uint64((k + 2) % 3) * uny  # slot k - 1
        s2 = nb.uint64((k + 1) % 3) * uny  # slot k - 2
        if off:
            xm = nb.uint64((t - 1 + nx) % nx) * uny
            xp = nb.uint64((t + 1) % nx) * uny
            _second_row(R, D, WX, WY, X0, xm, nb.uint64(t) * uny, xp, t, nx, ny, sp, slo,
                        shi, ck, ct, 1, Q, s0)
            if k < 2:
                continue
            _second_row(R, D, WX, WY, Q, s2, s1, s0, (t - 1 + nx) % nx, nx, ny, sp, slo, shi,
                        ck, ct, 0, P, s0)
        else:
            _pre_row(r, inv_d, wx, wy, R, D, WX, WY, t, nx, ny, sp, slo, shi, ck, ct, one,
                     zero, gseam, P, s0)
        if k < 2 + 2 * off:
            continue
        u = (t - off - 1 + nx) % nx
        _second_row(R, D, WX, WY, P, s2, s1, s0, u, nx, ny, sp, slo, shi, ck, ct, 1, A, s0)
        if k < 4 + 2 * off:
            continue
        v = (t - off - 2 + nx) % nx
        _second_row(R, D, WX, WY, A, s2, s1, s0, v, nx, ny, sp, slo, shi, ck, ct, 0, Y, s0)
        if 5 + 2 * off <= k < b - a + 5 + 2 * off:  # row v = a + k - 5 - 2 off: the block's
            kv = nb.uint64(v) * uny
            Yg[kv] = Y[s0]
            Yg[kv + uny - _U1] = Y[s0 + uny - _U1]
            for g in range(sp[v], sp[v + 1]):
                for jj in range(slo[g], shi[g]):
                    Yg[kv + nb.uint64(jj)] = Y[s0 + nb.uint64(jj)]
        if k < 6 + 2 * off:
            continue
        w = a + k - 6 - 2 * off
        _res_row(R, D, WX, WY, Y, w, nx, ny, s2, s1, s0, sp, slo, shi, ck, ct, one, RC,
                 nb.uint64((w >> 1) * ncy))


@nb.njit(parallel=True, **_FAST)
def up_fine(x, ec, r, inv_d, wx, wy, fx, fy, nchunks, out, sp, slo, shi, ck, ct):
    """The finest level's way up in one pass: out = two black-first red-black sweeps on
    A5 out = r, the first from x + P ec; returns r . out.

    The same as ``post_smooth`` twice (black first, no hole lists; the second without a
    coarse correction), with the first sweep's rows kept in per-thread rings: each thread
    walks its block of rows with the first half-sweep three rows ahead of the last one
    (recomputing the few rows its ends need), so x, r and the coefficients are streamed
    once and out written once. Hole terms belong in r (``Hierarchy._fine_cycle``).
    """
    nx = x.shape[0]
    nchunks = max(1, min(nx, nchunks))
    acc = 0.0
    flat = (x.ravel(), r.ravel(), inv_d.ravel(), wx.ravel(), wy.ravel(), out.ravel(), ec.ravel())
    for c in nb.prange(nchunks):
        ring = np.zeros(12 * x.shape[1], x.dtype)
        acc += _up_block(x, ec, r, inv_d, wx, wy, fx, fy, c * nx // nchunks,
                         (c + 1) * nx // nchunks, out, sp, slo, shi, ck, ct, ring, flat)
    return acc


@nb.njit(**_BLOCK)
def _up_block(x, ec, r, inv_d, wx, wy, fx, fy, a, b, out, sp, slo, shi, ck, ct, ring, flat):
    # up_fine on the rows [a, b); returns their r . out
    nx, ny = x.shape
    X, R, D, WX, WY, O, C = flat
    uny = nb.uint64(ny)
    Y1 = ring[:3 * ny]  # the first sweep's black half
    X1 = ring[3 * ny:6 * ny]  # the first sweep
    Y2 = ring[6 * ny:9 * ny]  # the second sweep's black half
    E = ring[9 * ny:12 * ny]  # x + P ec, rows t - 1, t, t + 1
    tacc = 0.0
    # step k: the first black half at row t = a - 3 + k (from x + P ec) into Y1 slot
    # k % 3; the first red half at row t - 1 into X1 slot k % 3 (k >= 2); the second
    # black half at row t - 2 into Y2 slot k % 3 (k >= 4); the second red half at row
    # t - 3 = a + k - 6 into out (k >= 6). Row a - 3 + m of x + P ec
    # sits in slot m % 3 of E, filled once (at step m - 1)
    for k in range(b - a + 6):
        t = (a - 3 + k + 3 * nx) % nx
        s0 = nb.uint64(k % 3) * uny
        s1 = nb.uint64((k + 2) % 3) * uny  # slot k - 1
        s2 = nb.uint64((k + 1) % 3) * uny  # slot k - 2 (and k + 1)
        if ec.size > 0:  # the first black half reads x + P ec, formed once per row in E
            _expand_ahead(X, ec, C, fx, fy, nx, ny, E, sp, slo, shi, k, a - 3)
            S = E
            xm, xc, xp = s1, s0, s2
        else:  # (no coarse correction: x itself)
            S = X
            xm = nb.uint64((t - 1 + nx) % nx) * uny
            xc = nb.uint64(t) * uny
            xp = nb.uint64((t + 1) % nx) * uny
        _second_row(R, D, WX, WY, S, xm, xc, xp, t, nx, ny, sp, slo, shi, ck, ct, 0, Y1, s0)
        if k < 2:
            continue
        _second_row(R, D, WX, WY, Y1, s2, s1, s0, (t - 1 + nx) % nx, nx, ny, sp, slo, shi,
                    ck, ct, 1, X1, s0)
        if k < 4:
            continue
        _second_row(R, D, WX, WY, X1, s2, s1, s0, (t - 2 + nx) % nx, nx, ny, sp, slo, shi, ck,
                    ct, 0, Y2, s0)
        if k < 6:
            continue
        w = a + k - 6
        tacc += _second_row(R, D, WX, WY, Y2, s2, s1, s0, w, nx, ny, sp, slo, shi, ck, ct,
                            1, O, nb.uint64(w) * uny)
    return tacc


# -- hole unknowns (short edge lists, serial) ----------------------------------------------

@nb.njit(**_OPTS)
def hole_update(x, ec, coarse_of, xh, rh, edge_cell, edge_hole, edge_w, hole_diag):
    """Gauss-Seidel on the hole rows: xh = (rh + sum w (x_c + ec_parent(c))) / D_k.

    ``x`` is the flat grid array; ``ec``, ``coarse_of`` give the coarse
    correction of each edge cell (pass an empty ``ec`` for none). The coarse
    correction of the holes themselves drops out of a Gauss-Seidel update of
    the hole row.
    """
    nh = xh.size
    acc = np.zeros(nh)
    for k in range(nh):
        acc[k] = rh[k]
    _edge_sums(x, ec, coarse_of, edge_cell, edge_hole, edge_w, 0, edge_cell.size, acc)
    for k in range(nh):
        xh[k] = acc[k] / hole_diag[k]


@nb.njit(inline="always")
def _edge_sums(x, ec, coarse_of, edge_cell, edge_hole, edge_w, e0, e1, acc):
    # acc[h] += sum of w (x_c + ec_parent(c)) over edges e0 .. e1 - 1; a hole's consecutive
    # edges are summed in a register (through acc[h] in memory each edge would wait on the
    # last one's store)
    if e1 <= e0:
        return
    use_ec = ec.size > 0
    cur = edge_hole[e0]
    s = 0.0
    for e in range(e0, e1):
        v = x[edge_cell[e]]
        if use_ec:
            v += ec[coarse_of[e]]
        k = edge_hole[e]
        if k != cur:
            acc[cur] += s
            s = 0.0
            cur = k
        s += edge_w[e] * v
    acc[cur] += s


@nb.njit(**_OPTS)
def hole_residual(x, xh, rh, edge_cell, edge_hole, edge_w, hole_diag, out):
    """out = rh - (D xh - W^T x): the hole rows' residual (``x`` the flat grid array)."""
    nh = xh.size
    acc = np.zeros(nh)
    # no coarse correction (an empty ec), so _edge_sums never reads its coarse_of argument
    _edge_sums(x, x[:0], edge_hole, edge_cell, edge_hole, edge_w, 0, edge_cell.size, acc)
    for k in range(nh):
        out[k] = rh[k] - (hole_diag[k] * xh[k] - acc[k])


@nb.njit(**_OPTS)
def hole_edge_dot(x, xh, edge_cell, edge_hole, edge_w):
    """sum over the hole links of w x_c xh_k (``x`` the flat grid array)."""
    acc = 0.0
    for e in range(edge_cell.size):
        acc += edge_w[e] * xh[edge_hole[e]] * x[edge_cell[e]]
    return acc


@nb.njit(**_OPTS)
def hole_restrict(xh, coarse_of, edge_hole, edge_w, rc):
    """Hole couplings in the restricted residual: rc[parent(c)] += w x_h."""
    for e in range(coarse_of.size):
        rc[coarse_of[e]] += edge_w[e] * xh[edge_hole[e]]


# -- Krylov vector kernels (float64) --------------------------------------------------------

@nb.njit(parallel=True, **_FAST)
def apply_dot(u, d, wx, wy, out, sp, slo, shi, ck, key):
    """out = A5 u (the 5-point part), returning u . out in the same pass.

    Runs with ``ck[g] = 1`` take their stencil from ``key[g]`` (``constant_runs``).
    """
    nx, ny = u.shape
    U = u.ravel()
    Dg = d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    O = out.ravel()
    acc = 0.0
    for i in nb.prange(nx):
        im, ip, k0, km, kp = _rows(i, nx, ny)
        t = 0.0
        for j in (0, ny - 1):
            jm = j - 1 if j > 0 else ny - 1
            jp = j + 1 if j < ny - 1 else 0
            v = d[i, j] * u[i, j] - _star(u, wx, wy, i, im, ip, j, jm, jp)
            out[i, j] = v
            t += u[i, j] * v
        if ny == 1:
            t *= 0.5
        for g in range(sp[i], sp[i + 1]):
            if ck[g]:
                dc = key[g, 0]
                wm = key[g, 3]
                wp = key[g, 4]
                wq = key[g, 5]
                for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
                    j = nb.uint64(jj)
                    k = k0 + j
                    v = (dc * U[k] - wm * U[km + j] - wp * U[kp + j]
                         - wq * (U[k - _U1] + U[k + _U1]))
                    O[k] = v
                    t += U[k] * v
                continue
            for jj in range(max(slo[g], 1), min(shi[g], ny - 1)):
                j = nb.uint64(jj)
                k = k0 + j
                v = (Dg[k] * U[k] - WX[km + j] * U[km + j] - WX[k] * U[kp + j]
                     - WY[k - _U1] * U[k - _U1] - WY[k] * U[k + _U1])
                O[k] = v
                t += U[k] * v
        acc += t
    return acc


@nb.njit(parallel=True, **_FAST)
def update_r(r0, q, alpha, rl, s, r, sp, slo, shi):
    """r = r0 - alpha q (r0 may be r); rl = s r (the preconditioner's scaled copy).

    Returns r . r over the active runs.
    """
    nx, ny = r.shape
    R0 = r0.ravel()
    R = r.ravel()
    Q = q.ravel()
    RL = rl.ravel()
    acc = 0.0
    for i in nb.prange(nx):
        t = 0.0
        k0 = nb.uint64(i * ny)
        for g in range(sp[i], sp[i + 1]):
            for jj in range(slo[g], shi[g]):
                k = k0 + nb.uint64(jj)
                v = R0[k] - alpha * Q[k]
                R[k] = v
                RL[k] = s * v
                t += v * v
        acc += t
    return acc


@nb.njit(parallel=True, **_FAST)
def square_sums(a, sp, slo, shi):
    """(sum of a^2 over the whole grid, sum over the runs of active cells) in one pass:
    a right side's norm, and the check that none of it lies off the unknowns."""
    nx, ny = a.shape
    A = a.ravel()
    tot = 0.0
    on = 0.0
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        t = 0.0
        for jj in range(ny):
            v = A[k0 + nb.uint64(jj)]
            t += v * v
        o = 0.0
        for g in range(sp[i], sp[i + 1]):
            for jj in range(slo[g], shi[g]):
                v = A[k0 + nb.uint64(jj)]
                o += v * v
        tot += t
        on += o
    return tot, on


@nb.njit(parallel=True, **_OPTS)
def update_xp(x, z, alpha, c, beta, p, sp, slo, shi):
    """x += alpha p (the deferred update of the last step); then p = c z + beta p
    (with c = 0 and beta = 1, x += alpha p alone: p and z are left unread)."""
    nx, ny = z.shape
    X = x.ravel()
    Z = z.ravel()
    P = p.ravel()
    if c == 0.0 and beta == 1.0:
        for i in nb.prange(nx):
            k0 = nb.uint64(i * ny)
            for g in range(sp[i], sp[i + 1]):
                for jj in range(slo[g], shi[g]):
                    k = k0 + nb.uint64(jj)
                    X[k] += alpha * P[k]
        return
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        for g in range(sp[i], sp[i + 1]):
            for jj in range(slo[g], shi[g]):
                k = k0 + nb.uint64(jj)
                v = P[k]
                X[k] += alpha * v
                P[k] = c * Z[k] + beta * v


@nb.njit(inline="always")
def _res5(u, rhs, d, wx, wy, i, im, ip, j, nx, ny):
    jm = j - 1 if j > 0 else ny - 1
    jp = j + 1 if j < ny - 1 else 0
    return rhs[i, j] - (d[i, j] * u[i, j] - _star(u, wx, wy, i, im, ip, j, jm, jp))


def residual_norms(u, rhs, d, wx, wy, sp, slo, shi, e_ptr, e_col, e_add):
    """(sum r^2, sum rhs^2) over the runs of active cells, r = rhs - A u, in one pass.

    The verification of a solve: no temporaries, and a non-finite u anywhere
    on the runs makes the first sum non-finite. ``e_*`` lists the cells
    coupled to holes, by row (``e_ptr``), their columns sorted, and the hole
    terms sum_k w b_k to add to their rows: they are evaluated apart, so the
    large 5-point residual an edge cell has before its hole term is never
    squared and cancelled.
    """
    # per-row sums (two reductions in one parallel loop), made out here: an allocation in a
    # parallel function compiles as a parallel loop of its own
    part = np.zeros((u.shape[0], 2))
    _residual_norms_rows(u, rhs, d, wx, wy, sp, slo, shi, e_ptr, e_col, e_add, part)
    return float(part[:, 0].sum()), float(part[:, 1].sum())


@nb.njit(parallel=True, **_FAST)
def _residual_norms_rows(u, rhs, d, wx, wy, sp, slo, shi, e_ptr, e_col, e_add, part):
    nx, ny = u.shape
    U = u.ravel()
    F = rhs.ravel()
    Dg = d.ravel()
    WX = wx.ravel()
    WY = wy.ravel()
    for i in nb.prange(nx):
        im, ip, k0, km, kp = _rows(i, nx, ny)
        t = 0.0
        tf = 0.0
        e = e_ptr[i]
        e_end = e_ptr[i + 1]
        for g in range(sp[i], sp[i + 1]):
            j0 = slo[g]
            hi = shi[g]
            while j0 < hi:
                while e < e_end and e_col[e] < j0:
                    e += 1
                jn = e_col[e] if (e < e_end and e_col[e] < hi) else hi
                # plain cells j0 .. jn - 1: the row ends apart (wrapped), the rest vectorized
                if j0 == 0 and jn > 0:
                    v = _res5(u, rhs, d, wx, wy, i, im, ip, 0, nx, ny)
                    t += v * v
                    tf += rhs[i, 0] * rhs[i, 0]
                if jn == ny and ny > 1 and j0 <= ny - 1:
                    v = _res5(u, rhs, d, wx, wy, i, im, ip, ny - 1, nx, ny)
                    t += v * v
                    tf += rhs[i, ny - 1] * rhs[i, ny - 1]
                for jj in range(max(j0, 1), min(jn, ny - 1)):
                    j = nb.uint64(jj)
                    k = k0 + j
                    v = F[k] - (Dg[k] * U[k] - WX[km + j] * U[km + j] - WX[k] * U[kp + j]
                                - WY[k - _U1] * U[k - _U1] - WY[k] * U[k + _U1])
                    t += v * v
                    tf += F[k] * F[k]
                if jn < hi:  # a cell coupled to holes
                    v = _res5(u, rhs, d, wx, wy, i, im, ip, jn, nx, ny) + e_add[e]
                    t += v * v
                    tf += rhs[i, jn] * rhs[i, jn]
                    e += 1
                j0 = jn + 1
        part[i, 0] = t
        part[i, 1] = tf


@nb.njit(parallel=True, **_FAST)
def scale_runs(a, s, out, sp, slo, shi):
    """out = s a on the runs of active cells (converting the dtype); returns sum a^2 there."""
    nx, ny = a.shape
    A = a.ravel()
    O = out.ravel()
    acc = 0.0
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        t = 0.0
        for g in range(sp[i], sp[i + 1]):
            for jj in range(slo[g], shi[g]):
                k = k0 + nb.uint64(jj)
                v = A[k]
                O[k] = s * v
                t += v * v
        acc += t
    return acc


@nb.njit(parallel=True, **_OPTS)
def triad(a, b, c, s):
    """a = b + s c: the STREAM triad, the bandwidth reference of the benchmarks."""
    n = a.size
    for i in nb.prange(n):
        a[i] = b[i] + s * c[i]


@nb.njit(parallel=True, **_OPTS)
def prolong_runs(xc, fx, fy, x, sp, slo, shi):
    """x = P xc (piecewise constant) on the runs of active cells; the full-multigrid start."""
    nx, ny = x.shape
    ncy = xc.shape[1]
    X = x.ravel()
    XC = xc.ravel()
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        c0 = nb.uint64((i // fx) * ncy)
        for g in range(sp[i], sp[i + 1]):
            if fy == 2:
                for jj in range(slo[g], shi[g]):
                    j = nb.uint64(jj)
                    X[k0 + j] = XC[c0 + (j >> _U1)]
            else:
                for jj in range(slo[g], shi[g]):
                    j = nb.uint64(jj)
                    X[k0 + j] = XC[c0 + j]


@nb.njit(inline="always")
def _restrict_cell(A, B, M, fine, zero, k, c, FB, FS):
    # cell k's share of restrict_parts' coarse cell c
    v = A[k]
    if fine:
        out = M[k] != 0.0
        FB[c] += v if out else zero
        FS[c] += zero if out else v
    else:
        FB[c] += v
        FS[c] += B[k]


@nb.njit(parallel=True, **_OPTS)
def restrict_parts(a, b, mark, s, fx, fy, fbc, fsc, fc, sp, slo, shi):
    """The right sides of the full-multigrid start, one level down, in two parts.

    A right side made of couplings to fixed outside values is restricted
    like the stiffness of the coarse operator, fbc = s P^T fb (two fine
    faces make one coarse face, whose coupling the coarsening scales by s);
    one made of sources in the cells like its mass, fsc = P^T fs (their
    cell integral). fc = fbc + fsc is the coarse right side. On a coarse
    level ``a``, ``b`` are (fb, fs) and ``mark`` is empty; on the finest,
    ``a`` is the whole right side, ``b`` empty, and the cells with
    ``mark != 0`` are its coupling part. The fine arrays are read on the runs
    of active cells only.
    """
    nx, ny = a.shape
    ncx, ncy = fc.shape
    fine = mark.size > 0
    A = a.ravel()
    B = b.ravel()
    M = mark.ravel()
    FB = fbc.ravel()
    FS = fsc.ravel()
    zero = fc.dtype.type(0.0)
    for I in nb.prange(ncx):
        c0 = nb.uint64(I * ncy)
        for J in range(ncy):
            fbc[I, J] = 0.0
            fsc[I, J] = 0.0
        for i in range(I * fx, min(I * fx + fx, nx)):
            k0 = nb.uint64(i * ny)
            for g in range(sp[i], sp[i + 1]):
                lo = slo[g]
                hi = shi[g]
                if fy == 2:  # a lone first and last cell, and the pairs between (vectorized)
                    if lo & 1 == 1:
                        _restrict_cell(A, B, M, fine, zero, k0 + nb.uint64(lo),
                                       c0 + nb.uint64(lo >> 1), FB, FS)
                    if hi & 1 == 1:  # (an even column: never the lone first cell)
                        _restrict_cell(A, B, M, fine, zero, k0 + nb.uint64(hi - 1),
                                       c0 + nb.uint64((hi - 1) >> 1), FB, FS)
                    for JJ in range((lo + 1) >> 1, hi >> 1):
                        J = nb.uint64(JJ)
                        k = k0 + J + J
                        if fine:
                            v0 = A[k]
                            v1 = A[k + _U1]
                            o0 = M[k] != 0.0
                            o1 = M[k + _U1] != 0.0
                            FB[c0 + J] += (v0 if o0 else zero) + (v1 if o1 else zero)
                            FS[c0 + J] += (zero if o0 else v0) + (zero if o1 else v1)
                        else:
                            FB[c0 + J] += A[k] + A[k + _U1]
                            FS[c0 + J] += B[k] + B[k + _U1]
                else:
                    for jj in range(lo, hi):
                        j = nb.uint64(jj)
                        _restrict_cell(A, B, M, fine, zero, k0 + j, c0 + j, FB, FS)
        for J in range(ncy):
            fbc[I, J] *= s
            fc[I, J] = fbc[I, J] + fsc[I, J]


@nb.njit(parallel=True, **_OPTS)
def dominated(diag, wx, wy, px, py, frac):
    """True when every active cell's couplings sum to at most ``frac`` times its diagonal."""
    nx, ny = diag.shape
    bad = 0
    for i in nb.prange(nx):
        nbad = 0
        for j in range(ny):
            d = diag[i, j]
            if d <= 0.0:
                continue
            s = wx[i, j] + wy[i, j]
            if i > 0:
                s += wx[i - 1, j]
            elif px:
                s += wx[nx - 1, j]
            if j > 0:
                s += wy[i, j - 1]
            elif py:
                s += wy[i, ny - 1]
            if s > frac * d:
                nbad = 1
                break  # (one cell decides the row: a level that is not dominated costs little)
        bad += nbad
    return bad == 0


@nb.njit(parallel=True, **_OPTS)
def axpby(a, g, d, out):
    """out = g out + d a."""
    nx, ny = a.shape
    for i in nb.prange(nx):
        for j in range(ny):
            out[i, j] = g * out[i, j] + d * a[i, j]


# -- the coarsest level ---------------------------------------------------------------------

@nb.njit(**_OPTS)
def coarse_lu_solve(l_ptr, l_idx, l_val, u_ptr, u_idx, u_val, perm_r, perm_c, act, r, rh,
                    out, out_h):
    """out, out_h = A_c^-1 (r, rh) from a sparse LU factorization Pr A_c Pc = L U.

    L and U are CSR (rows sorted, diagonal included); ``act`` lists the flat
    indices of the coarsest cells that are unknowns (the first ``act.size``
    rows of A_c), the hole rows follow. ``out`` is the flat coarsest array
    (zero off ``act``). One call per visit, no Python in between.
    """
    nc = act.size
    n = perm_r.size
    b = np.empty(n)
    for k in range(nc):
        b[perm_r[k]] = r[act[k]]
    for k in range(n - nc):
        b[perm_r[nc + k]] = rh[k]
    for i in range(n):  # L y = Pr b
        s = b[i]
        d = 1.0
        for e in range(l_ptr[i], l_ptr[i + 1]):
            j = l_idx[e]
            if j < i:
                s -= l_val[e] * b[j]
            elif j == i:
                d = l_val[e]
        b[i] = s / d
    for i in range(n - 1, -1, -1):  # U y' = y
        s = b[i]
        d = 1.0
        for e in range(u_ptr[i], u_ptr[i + 1]):
            j = u_idx[e]
            if j > i:
                s -= u_val[e] * b[j]
            elif j == i:
                d = u_val[e]
        b[i] = s / d
    for k in range(out.size):
        out[k] = 0.0
    for k in range(nc):  # x = Pc y'
        out[act[k]] = b[perm_c[k]]
    for k in range(n - nc):
        out_h[k] = b[perm_c[nc + k]]
