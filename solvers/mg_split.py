"""The finest level's two passes on rows split by colour (``fluxoid.solvers.multigrid``).

``mg_kernels.down_fine`` and ``up_fine`` sweep rows in their natural order:
each half-sweep evaluates the stencil at every cell of a row and keeps it at
the cells of the colour being swept, because the two colours alternate along
the row and a vector of cells holds both. Half that arithmetic is thrown away.

Here the finest level's vectors are stored split by colour: each row holds
its red cells, then its black cells (``split_index``). Red cells are those
with ``i + j`` even, so in row ``i`` the cells of colour ``c`` (0 red, 1
black) are

    j = 2 J + o,        o = (i + c) mod 2,        J = 0 .. ny/2 - 1,

and their neighbours, all of the other colour, sit at compact indices

    up, down:      J            (rows i - 1, i + 1)
    left, right:   J + o - 1,  J + o     (row i; wrapped at the row ends)

so every half-sweep evaluates the stencil only at the cells it updates. A
pair of columns (2 J, 2 J + 1) holds index J of both colours, which is also
the aggregate of the 2 x 2 restriction. A red-black sweep whose last half
was the black one leaves the black cells with a zero residual, so the way
down restricts the residual of the red cells alone.

The residual r the cycle reads and the z it returns are conjugate
gradients' copies in the levels' dtype, so they are kept in this layout at
no cost: the r update writes its copy split (``update_r_split``), the p
update reads z split (``update_xp_split``). The fine iterate between the two
passes is split as well, and so are the full-multigrid start's finest
cycles (``scale_split``, ``prolong_split``). Only even row lengths and an
even number of rows qualify (on a periodic axis of odd length the colouring
is not proper); ``Hierarchy`` keeps the natural-order kernels for the
others and for float64 cycles (whose r is conjugate gradients' own). The
hole links of the edge cells are indexed into the split layout
(``split_index``). The passes compute what ``down_fine`` and ``up_fine``
compute, to rounding (tests/test_split.py).

Arrays and conventions are those of :mod:`fluxoid.solvers.mg_kernels`: every
kernel visits only the runs of active cells ``(sp, slo, shi)``, runs with
``ck[g] = 1`` take their constant stencil from ``ct[g]``, and the per-thread
rings of rows hold finite values wherever a row's runs leave them unwritten
(read only times a zero coupling).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .mg_kernels import _BLOCK, _FAST, _OPTS, _U1


@nb.njit(inline="always")
def _row_end(i, c, nx, ny, h):
    # row i, colour c (0 red, 1 black): k0, km (the flat offsets of rows i and i - 1), uo
    # (the colour's column offset o = (i + c) mod 2), and its end cell: compact J, column j
    # and left column jm. The end cell is j = 0 (o = 0) or ny - 1 (o = 1); its left
    # neighbour wraps to compact h - 1, its right one to 0, either way
    im = i - 1 if i > 0 else nx - 1
    o = (i + c) & 1
    return (nb.uint64(i * ny), nb.uint64(im * ny), nb.uint64(o),
            nb.uint64(0 if o == 0 else h - 1), nb.uint64(0 if o == 0 else ny - 1),
            nb.uint64(ny - 1 if o == 0 else ny - 2))


@nb.njit(inline="always")
def _const_run(P, ob, S, s0, Q, om, op, ol, orr, a, b, c, d, lo, hi):
    # P[ob + J] = (S[s0 + J] + a Q[om + J] + b Q[op + J] + c (Q[ol + J] + Q[orr + J])) d for
    # the pairs J of a run of constant stencil: a half-sweep's cells of one colour there
    for JJ in range(lo, hi):
        J = nb.uint64(JJ)
        P[ob + J] = (S[s0 + J] + a * Q[om + J] + b * Q[op + J] + c * (Q[ol + J] + Q[orr + J])) * d


@nb.njit(inline="always")
def _half(RS, rc, Q, om, o0, op, P, ob, D, WX, WY, i, c, nx, ny, h, sp, slo, shi, ck, ct):
    # P[ob + J] = colour c (0 red, 1 black) of row i swept from the other colour's rows
    # i - 1, i, i + 1 at Q[om:], Q[o0:], Q[op:] (compact); the row's right side of colour c
    # at RS[rc:]
    k0, km, uo, J, j, jm = _row_end(i, c, nx, ny, h)
    o = np.int64(uo)
    ol = o0 + uo - _U1  # the left neighbours: Q[ol + J], the right ones: Q[orr + J]
    orr = o0 + uo
    hl = nb.uint64(h - 1)
    P[ob + J] = (RS[rc + J] + WX[km + j] * Q[om + J] + WX[k0 + j] * Q[op + J]
                 + WY[k0 + jm] * Q[o0 + hl] + WY[k0 + j] * Q[o0]) * D[k0 + j]
    for g in range(sp[i], sp[i + 1]):
        if ck[g]:  # (a constant run starts and ends on even columns, inside [2, ny - 2])
            _const_run(P, ob, RS, rc, Q, om, op, ol, orr, ct[g, 3], ct[g, 4], ct[g, 5],
                       ct[g, 0], slo[g] >> 1, shi[g] >> 1)
            continue
        jlo = max(slo[g], 1)
        jhi = min(shi[g], ny - 1)
        for JJ in range((jlo - o + 1) >> 1, (jhi - o + 1) >> 1):
            J = nb.uint64(JJ)
            k = k0 + J + J + uo
            P[ob + J] = (RS[rc + J] + WX[km + J + J + uo] * Q[om + J] + WX[k] * Q[op + J]
                         + WY[k - _U1] * Q[ol + J] + WY[k] * Q[orr + J]) * D[k]


@nb.njit(inline="always")
def _pre_black(Q, rm, r0, rp, P, ob, D, WX, WY, i, nx, ny, h, sp, slo, shi, ck, ct):
    # P[ob + J] = the black cells of row i after one red-black sweep from zero:
    # (r + sum w r_red / d_red) / d, with the split rows of r i - 1, i, i + 1 at Q[rm:],
    # Q[r0:], Q[rp:] (red halves; the black half of row i at Q[r0 + h:])
    k0, km, uo, J, j, jm = _row_end(i, 1, nx, ny, h)
    o = np.int64(uo)
    kp = nb.uint64((i + 1 if i < nx - 1 else 0) * ny)
    jp = nb.uint64(1 if o == 0 else 0)
    rb = r0 + nb.uint64(h)
    ol = r0 + uo - _U1
    orr = r0 + uo
    hl = nb.uint64(h - 1)
    P[ob + J] = (Q[rb + J] + WX[km + j] * (Q[rm + J] * D[km + j])
                 + WX[k0 + j] * (Q[rp + J] * D[kp + j])
                 + WY[k0 + jm] * (Q[r0 + hl] * D[k0 + jm])
                 + WY[k0 + j] * (Q[r0] * D[k0 + jp])) * D[k0 + j]
    for g in range(sp[i], sp[i + 1]):
        if ck[g]:  # (the red neighbours r / d formed with the run's constant 1 / d)
            di = ct[g, 0]
            _const_run(P, ob, Q, rb, Q, rm, rp, ol, orr, ct[g, 3] * ct[g, 1],
                       ct[g, 4] * ct[g, 2], ct[g, 5] * di, di, slo[g] >> 1, shi[g] >> 1)
            continue
        jlo = max(slo[g], 1)
        jhi = min(shi[g], ny - 1)
        for JJ in range((jlo - o + 1) >> 1, (jhi - o + 1) >> 1):
            J = nb.uint64(JJ)
            jj = J + J + uo
            k = k0 + jj
            P[ob + J] = (Q[rb + J] + WX[km + jj] * (Q[rm + J] * D[km + jj])
                         + WX[k] * (Q[rp + J] * D[kp + jj])
                         + WY[k - _U1] * (Q[ol + J] * D[k - _U1])
                         + WY[k] * (Q[orr + J] * D[k + _U1])) * D[k]


@nb.njit(inline="always")
def _res_red(RS, rr, A, a0, Q, ym, y0, yp, D, WX, WY, w, nx, ny, h, sp, slo, shi, ck, ct, one,
             RC, c0):
    # RC[c0 + J] += the residual r - A5 y of the red cell J of row w (its aggregate is J):
    # red y at A[a0:], black y of rows w - 1, w, w + 1 at Q[ym:], Q[y0:], Q[yp:], r's red
    # half at RS[rr:]. (The black cells, swept last, have none.)
    k0, km, uo, J, j, jm = _row_end(w, 0, nx, ny, h)
    o = np.int64(uo)
    ol = y0 + uo - _U1
    orr = y0 + uo
    hl = nb.uint64(h - 1)
    idg = D[k0 + j]
    if idg != 0.0:
        RC[c0 + J] += (RS[rr + J] - A[a0 + J] / idg + WX[km + j] * Q[ym + J]
                       + WX[k0 + j] * Q[yp + J] + WY[k0 + jm] * Q[y0 + hl]
                       + WY[k0 + j] * Q[y0])
    for g in range(sp[w], sp[w + 1]):
        if ck[g]:
            dd = one / ct[g, 0]
            wm = ct[g, 3]
            wp = ct[g, 4]
            wq = ct[g, 5]
            for JJ in range(slo[g] >> 1, shi[g] >> 1):
                J = nb.uint64(JJ)
                RC[c0 + J] += (RS[rr + J] + wm * Q[ym + J] + wp * Q[yp + J]
                               + wq * (Q[ol + J] + Q[orr + J]) - A[a0 + J] * dd)
            continue
        jlo = max(slo[g], 1)
        jhi = min(shi[g], ny - 1)
        for JJ in range((jlo - o + 1) >> 1, (jhi - o + 1) >> 1):
            J = nb.uint64(JJ)
            k = k0 + J + J + uo
            dk = D[k]
            v = (RS[rr + J] + WX[km + J + J + uo] * Q[ym + J] + WX[k] * Q[yp + J]
                 + WY[k - _U1] * Q[ol + J] + WY[k] * Q[orr + J] - A[a0 + J] / dk)
            RC[c0 + J] += v if dk != 0.0 else 0.0


@nb.njit(inline="always")
def _emit(A, a0, B, b0, R, rs, v, ny, h, sp, slo, shi, G, kv, dot):
    # row v from its red half A[a0:] and black half B[b0:] into the split row G[kv:] (red
    # half, then black), over the row's runs and its two end cells; with ``dot``, returns
    # r . y over them (r's split row at R[rs:])
    uh = nb.uint64(h)
    hl = nb.uint64(h - 1)
    red_even = (v & 1) == 0  # the red cells on the even columns
    # column 2J comes from E[e0 + J] and goes to G[ge + J], column 2J + 1 from F, to gf
    if red_even:
        E, e0, F, f0, ge, gf = A, a0, B, b0, kv, kv + uh
    else:
        E, e0, F, f0, ge, gf = B, b0, A, a0, kv + uh, kv
    re = rs + (ge - kv)
    rf = rs + (gf - kv)
    G[ge] = E[e0]
    G[gf + hl] = F[f0 + hl]
    acc = 0.0
    if dot:
        acc += R[re] * E[e0] + R[rf + hl] * F[f0 + hl]
    for g in range(sp[v], sp[v + 1]):
        lo = max(slo[g], 1)
        hi = min(shi[g], ny - 1)
        if lo >= hi:
            continue
        if lo & 1:  # an odd first column
            J = nb.uint64(lo >> 1)
            G[gf + J] = F[f0 + J]
            if dot:
                acc += R[rf + J] * F[f0 + J]
            lo += 1
        if hi & 1 and hi > lo:  # an even last column
            J = nb.uint64((hi - 1) >> 1)
            G[ge + J] = E[e0 + J]
            if dot:
                acc += R[re + J] * E[e0 + J]
            hi -= 1
        if dot:
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                ve = E[e0 + J]
                vf = F[f0 + J]
                G[ge + J] = ve
                G[gf + J] = vf
                acc += R[re + J] * ve + R[rf + J] * vf
        else:
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                G[ge + J] = E[e0 + J]
                G[gf + J] = F[f0 + J]
    return acc


@nb.njit(inline="always")
def _red_plus(X, kx, C, kc, h, sp, slo, shi, i, Dst, d0):
    # Dst[d0 + J] = X[kx + J] + C[kc + J]: the red half of a split row plus the prolonged
    # coarse correction, over the pairs that meet row i's runs and the two end pairs
    for g in range(sp[i], sp[i + 1]):
        for JJ in range(slo[g] >> 1, (shi[g] + 1) >> 1):
            J = nb.uint64(JJ)
            Dst[d0 + J] = X[kx + J] + C[kc + J]
    for JJ in (0, h - 1):
        J = nb.uint64(JJ)
        Dst[d0 + J] = X[kx + J] + C[kc + J]


@nb.njit(parallel=True, **_FAST)
def down_split(r, inv_d, wx, wy, x0, y, rc, nchunks, sp, slo, shi, ck, ct):
    """``mg_kernels.down_fine`` on vectors split by colour (see the module's docstring):
    y = two red-black sweeps on A5 y = r from zero, or from x0 when it is not empty, and
    rc = P^T (r - A5 y), for 2 x 2 aggregates and even ``r.shape``; r, x0 and y split,
    rc in natural order.

    Each thread owns a block of coarse rows and walks its fine rows with every stage in
    rings of three compact rows: (from x0: the first red half), the first sweep's black
    half (from zero its red half is r / d, formed where read), the second sweep's red
    half and its black half; then y's row written and the red cells' residual summed
    onto their aggregates. A block recomputes the few rows beyond its ends its stages
    need.
    """
    ncx = rc.shape[0]
    nchunks = max(1, min(ncx, nchunks))
    h = r.shape[1] // 2
    flat = (r.ravel(), inv_d.ravel(), wx.ravel(), wy.ravel(), x0.ravel(), y.ravel(), rc.ravel())
    for c in nb.prange(nchunks):
        # (each ring its own allocation: as views of one array the compiler left the
        # stages' loops scalar)
        rings = (np.zeros(3 * h, r.dtype), np.zeros(3 * h, r.dtype), np.zeros(3 * h, r.dtype),
                 np.zeros(3 * h, r.dtype))
        _down_block(r, rc, x0.size > 0, c * ncx // nchunks, (c + 1) * ncx // nchunks, sp, slo,
                    shi, ck, ct, rings, flat)


@nb.njit(**_BLOCK)
def _down_block(r, rc, guess, Ia, Ib, sp, slo, shi, ck, ct, rings, flat):
    # down_split on the coarse rows [Ia, Ib)
    nx, ny = r.shape
    h = ny // 2
    ncy = rc.shape[1]
    R, D, WX, WY, X0, Yg, RC = flat
    one = r.dtype.type(1.0)
    uh = nb.uint64(h)
    g = 1 if guess else 0
    a = 2 * Ia
    b = 2 * Ib
    for I in range(Ia, Ib):
        for J in range(ncy):
            rc[I, J] = 0.0
    # the first red half from x0, the first black half, the second red half, the second
    # black half
    QS, PS, AS, YS = rings
    # step k, u = a - 4 - g + k: from x0, the first red half of row u - 1 into QS slot
    # k % 3 (k >= 2); the first black half of row u - 1 - g into PS (k >= 2 + 2g); the
    # second red half of row u - 2 - g into AS (k >= 4 + 2g); its black half of row
    # u - 3 - g into YS (k >= 6 + 2g), written to y on the block's rows; the red residual
    # of row u - 4 - g = a + k - 8 - 2g (k >= 8 + 2g)
    for k in range(2, b - a + 8 + 2 * g):
        u = (a - 4 - g + k + 4 * nx) % nx
        t0 = nb.uint64(k % 3) * uh
        t1 = nb.uint64((k + 2) % 3) * uh  # slot k - 1
        t2 = nb.uint64((k + 1) % 3) * uh  # slot k - 2
        v = (u - 1 + nx) % nx
        if guess:  # (x0's black halves read in place)
            _half(R, nb.uint64(v * ny), X0, nb.uint64(((v - 1 + nx) % nx) * ny) + uh,
                  nb.uint64(v * ny) + uh, nb.uint64(u * ny) + uh, QS, t0, D, WX, WY, v, 0, nx,
                  ny, h, sp, slo, shi, ck, ct)
            if k < 4:
                continue
            v = (u - 2 + nx) % nx
            _half(R, nb.uint64(v * ny) + uh, QS, t2, t1, t0, PS, t0, D, WX, WY, v, 1, nx, ny, h,
                  sp, slo, shi, ck, ct)
        else:
            _pre_black(R, nb.uint64(((v - 1 + nx) % nx) * ny), nb.uint64(v * ny),
                       nb.uint64(u * ny), PS, t0, D, WX, WY, v, nx, ny, h, sp, slo, shi, ck,
                       ct)
        if k < 4 + 2 * g:
            continue
        v = (u - 2 - g + nx) % nx
        _half(R, nb.uint64(v * ny), PS, t2, t1, t0, AS, t0, D, WX, WY, v, 0, nx, ny, h, sp,
              slo, shi, ck, ct)
        if k < 6 + 2 * g:
            continue
        v = (u - 3 - g + nx) % nx
        _half(R, nb.uint64(v * ny) + uh, AS, t2, t1, t0, YS, t0, D, WX, WY, v, 1, nx, ny, h,
              sp, slo, shi, ck, ct)
        if a <= v < b:  # y's rows are the block's own
            _emit(AS, t1, YS, t0, R, nb.uint64(v * ny), v, ny, h, sp, slo, shi, Yg,
                  nb.uint64(v * ny), False)
        if k < 8 + 2 * g:
            continue
        w = a + k - 8 - 2 * g
        _res_red(R, nb.uint64(w * ny), AS, t2, YS, t2, t1, t0, D, WX, WY, w, nx, ny, h, sp,
                 slo, shi, ck, ct, one, RC, nb.uint64((w >> 1) * ncy))


@nb.njit(parallel=True, **_FAST)
def up_split(x, ec, r, inv_d, wx, wy, nchunks, out, sp, slo, shi, ck, ct):
    """``mg_kernels.up_fine`` on vectors split by colour (see the module's docstring): out =
    two black-first red-black sweeps on A5 out = r, the first from x + P ec; returns
    r . out. For 2 x 2 aggregates and even ``x.shape``; x, r and out split, ec (nonempty)
    in natural order.

    Each thread walks its block of rows with every stage in rings of compact rows: the
    red cells of x + P ec (the black ones are swept before they are read), the first
    black half, the first red half, the second black half, and the second red half,
    written with it to out.
    """
    nx = x.shape[0]
    nchunks = max(1, min(nx // 2, nchunks))
    h = x.shape[1] // 2
    acc = 0.0
    flat = (x.ravel(), r.ravel(), inv_d.ravel(), wx.ravel(), wy.ravel(), out.ravel(), ec.ravel())
    for c in nb.prange(nchunks):
        rings = (np.zeros(3 * h, x.dtype), np.zeros(3 * h, x.dtype), np.zeros(3 * h, x.dtype),
                 np.zeros(3 * h, x.dtype), np.zeros(h, x.dtype))
        acc += _up_block(x, ec, 2 * (c * (nx // 2) // nchunks),
                         2 * ((c + 1) * (nx // 2) // nchunks), sp, slo, shi, ck, ct, rings, flat)
    return acc


@nb.njit(**_BLOCK)
def _up_block(x, ec, a, b, sp, slo, shi, ck, ct, rings, flat):
    # up_split on the rows [a, b); returns their r . out
    nx, ny = x.shape
    h = ny // 2
    ncy = ec.shape[1]
    X, R, D, WX, WY, O, C = flat
    uh = nb.uint64(h)
    # the red cells of x + P ec, the first black half, the first red half, the second
    # black half, the second red half (one row)
    ES, B1, A1, B2, A2 = rings
    acc = 0.0
    # step k, u = a - 4 + k: the red cells of row u of x + P ec into ES slot k % 3; the
    # first black half of row u - 1 (k >= 2), its red half of row u - 2 (k >= 4), the
    # second black half of row u - 3 (k >= 6), and the second red half of row
    # u - 4 = a + k - 8 (k >= 8), written with it to out
    for k in range(b - a + 8):
        u = (a - 4 + k + 4 * nx) % nx
        t0 = nb.uint64(k % 3) * uh
        t1 = nb.uint64((k + 2) % 3) * uh
        t2 = nb.uint64((k + 1) % 3) * uh
        _red_plus(X, nb.uint64(u * ny), C, nb.uint64((u >> 1) * ncy), h, sp, slo, shi, u, ES,
                  t0)
        if k < 2:
            continue
        v = (u - 1 + nx) % nx
        _half(R, nb.uint64(v * ny) + uh, ES, t2, t1, t0, B1, t0, D, WX, WY, v, 1, nx, ny, h,
              sp, slo, shi, ck, ct)
        if k < 4:
            continue
        v = (u - 2 + nx) % nx
        _half(R, nb.uint64(v * ny), B1, t2, t1, t0, A1, t0, D, WX, WY, v, 0, nx, ny, h, sp, slo,
              shi, ck, ct)
        if k < 6:
            continue
        v = (u - 3 + nx) % nx
        _half(R, nb.uint64(v * ny) + uh, A1, t2, t1, t0, B2, t0, D, WX, WY, v, 1, nx, ny, h,
              sp, slo, shi, ck, ct)
        if k < 8:
            continue
        w = a + k - 8
        _half(R, nb.uint64(w * ny), B2, t2, t1, t0, A2, nb.uint64(0), D, WX, WY, w, 0, nx, ny, h,
              sp, slo, shi, ck, ct)
        acc += _emit(A2, nb.uint64(0), B2, t1, R, nb.uint64(w * ny), w, ny, h, sp, slo, shi, O,
                     nb.uint64(w * ny), True)
    return acc


# -- conjugate gradients' side: r in, z out, split by colour --------------------------------

def split_index(shape, flat):
    """The positions in the split layout of the cells at natural flat indices ``flat`` of
    a grid of ``shape`` (even length ny): i ny + ((i + j) mod 2) ny / 2 + j // 2."""
    ny = shape[1]
    flat = np.asarray(flat, dtype=np.int64)
    i, j = np.divmod(flat, ny)
    return i * ny + ((i + j) & 1) * (ny // 2) + (j >> 1)


@nb.njit(inline="always")
def _pair_bases(i, ny, h):
    # the split positions of row i's even and odd columns (column 2J, 2J + 1: ev + J, od + J)
    k0 = nb.uint64(i * ny)
    if (i & 1) == 0:
        return k0, k0 + nb.uint64(h)
    return k0 + nb.uint64(h), k0


@nb.njit(parallel=True, **_FAST)
def update_r_split(r0, q, alpha, rl, s, r, sp, slo, shi):
    """``mg_kernels.update_r`` with rl stored split by colour: r = r0 - alpha q (r0 may be
    r), rl = s r; returns r . r over the active runs."""
    nx, ny = r.shape
    same = r0.ctypes.data == r.ctypes.data
    flat = (r0.ravel(), r.ravel(), q.ravel(), rl.ravel())
    acc = 0.0
    for i in nb.prange(nx):
        acc += _update_r_row(flat, alpha, s, same, i, ny, sp, slo, shi)
    return acc


# (called, not inlined: numba's reduction analysis fails on the row's branches inlined)
@nb.njit(**_BLOCK)
def _update_r_row(flat, alpha, s, same, i, ny, sp, slo, shi):
    # row i of update_r_split; returns its r . r. Each run's r is formed first and then
    # copied split from cache (one loop doing both ran at half the speed), and in place
    # (r0 = r) by a loop that reads r alone: with r0 and r two names of one array the
    # compiler's overlap check sends the loop to its scalar version
    R0, R, Q, RL = flat
    h = ny // 2
    t = 0.0
    k0 = nb.uint64(i * ny)
    ev, od = _pair_bases(i, ny, h)
    for g in range(sp[i], sp[i + 1]):
        if same:
            for jj in range(slo[g], shi[g]):
                k = k0 + nb.uint64(jj)
                v = R[k] - alpha * Q[k]
                R[k] = v
                t += v * v
        else:
            for jj in range(slo[g], shi[g]):
                k = k0 + nb.uint64(jj)
                v = R0[k] - alpha * Q[k]
                R[k] = v
                t += v * v
        lo = slo[g]
        hi = shi[g]
        if lo & 1:  # an odd first column
            RL[od + nb.uint64(lo >> 1)] = s * R[k0 + nb.uint64(lo)]
            lo += 1
        if hi & 1 and hi > lo:  # an even last column
            RL[ev + nb.uint64((hi - 1) >> 1)] = s * R[k0 + nb.uint64(hi - 1)]
            hi -= 1
        for JJ in range(lo >> 1, hi >> 1):
            J = nb.uint64(JJ)
            k = k0 + J + J
            RL[ev + J] = s * R[k]
            RL[od + J] = s * R[k + _U1]
    return t


@nb.njit(parallel=True, **_FAST)
def scale_split(a, s, out, nat, sp, slo, shi):
    """out = s a on the runs of active cells, out stored split by colour, and the same in
    natural order into ``nat`` when it is not empty (one pass for both); returns the sum
    of a^2 there."""
    nx, ny = a.shape
    flat = (a.ravel(), out.ravel(), nat.ravel())
    both = nat.size > 0
    acc = 0.0
    for i in nb.prange(nx):
        acc += _scale_split_row(flat, s, both, i, ny, sp, slo, shi)
    return acc


# (called, not inlined: numba's reduction analysis fails on the row's branches inlined)
@nb.njit(**_BLOCK)
def _scale_split_row(flat, s, both, i, ny, sp, slo, shi):
    A, O, N = flat
    h = ny // 2
    t = 0.0
    k0 = nb.uint64(i * ny)
    ev, od = _pair_bases(i, ny, h)
    for g in range(sp[i], sp[i + 1]):
        lo = slo[g]
        hi = shi[g]
        if lo & 1:  # an odd first column
            v = A[k0 + nb.uint64(lo)]
            O[od + nb.uint64(lo >> 1)] = s * v
            if both:
                N[k0 + nb.uint64(lo)] = s * v
            t += v * v
            lo += 1
        if hi & 1 and hi > lo:  # an even last column
            v = A[k0 + nb.uint64(hi - 1)]
            O[ev + nb.uint64((hi - 1) >> 1)] = s * v
            if both:
                N[k0 + nb.uint64(hi - 1)] = s * v
            t += v * v
            hi -= 1
        if both:
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                k = k0 + J + J
                v0 = A[k]
                v1 = A[k + _U1]
                O[ev + J] = s * v0
                O[od + J] = s * v1
                N[k] = s * v0
                N[k + _U1] = s * v1
                t += v0 * v0 + v1 * v1
        else:
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                k = k0 + J + J
                v0 = A[k]
                v1 = A[k + _U1]
                O[ev + J] = s * v0
                O[od + J] = s * v1
                t += v0 * v0 + v1 * v1
    return t


@nb.njit(parallel=True, **_OPTS)
def unsplit_scale(z, s, p, sp, slo, shi):
    """p = s z on the runs of active cells, z stored split by colour."""
    nx, ny = p.shape
    h = ny // 2
    Z = z.ravel()
    P = p.ravel()
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        ev, od = _pair_bases(i, ny, h)
        for g in range(sp[i], sp[i + 1]):
            lo = slo[g]
            hi = shi[g]
            if lo & 1:
                P[k0 + nb.uint64(lo)] = s * Z[od + nb.uint64(lo >> 1)]
                lo += 1
            if hi & 1 and hi > lo:
                P[k0 + nb.uint64(hi - 1)] = s * Z[ev + nb.uint64((hi - 1) >> 1)]
                hi -= 1
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                P[k0 + J + J] = s * Z[ev + J]
                P[k0 + J + J + _U1] = s * Z[od + J]


@nb.njit(parallel=True, **_OPTS)
def update_xp_split(x, z, alpha, c, beta, p, sp, slo, shi):
    """``mg_kernels.update_xp`` with z stored split by colour: x += alpha p; then
    p = c z + beta p."""
    nx, ny = p.shape
    h = ny // 2
    X = x.ravel()
    Z = z.ravel()
    P = p.ravel()
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        ev, od = _pair_bases(i, ny, h)
        for g in range(sp[i], sp[i + 1]):
            lo = slo[g]
            hi = shi[g]
            if lo & 1:
                k = k0 + nb.uint64(lo)
                v = P[k]
                X[k] += alpha * v
                P[k] = c * Z[od + nb.uint64(lo >> 1)] + beta * v
                lo += 1
            if hi & 1 and hi > lo:
                k = k0 + nb.uint64(hi - 1)
                v = P[k]
                X[k] += alpha * v
                P[k] = c * Z[ev + nb.uint64((hi - 1) >> 1)] + beta * v
                hi -= 1
            for JJ in range(lo >> 1, hi >> 1):
                J = nb.uint64(JJ)
                k = k0 + J + J
                v0 = P[k]
                v1 = P[k + _U1]
                X[k] += alpha * v0
                X[k + _U1] += alpha * v1
                P[k] = c * Z[ev + J] + beta * v0
                P[k + _U1] = c * Z[od + J] + beta * v1


@nb.njit(parallel=True, **_OPTS)
def prolong_split(xc, x, sp, slo, shi):
    """x = P xc (piecewise constant over 2 x 2 aggregates; x split by colour, xc in natural
    order) over the pairs that meet the runs of active cells: the full-multigrid start.
    A pair J of row i is aggregate (i // 2, J), for either colour."""
    nx, ny = x.shape
    h = ny // 2
    ncy = xc.shape[1]
    X = x.ravel()
    XC = xc.ravel()
    uh = nb.uint64(h)
    for i in nb.prange(nx):
        k0 = nb.uint64(i * ny)
        c0 = nb.uint64((i >> 1) * ncy)
        for g in range(sp[i], sp[i + 1]):
            for JJ in range(slo[g] >> 1, (shi[g] + 1) >> 1):
                J = nb.uint64(JJ)
                v = XC[c0 + J]
                X[k0 + J] = v
                X[k0 + uh + J] = v
