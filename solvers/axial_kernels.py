"""numba kernels that assemble the axial operator's coefficient arrays.

One pass over the grid, plain arrays in and out (see ``axial.build_operator``
for the discretization they implement).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .kernels import mapped_empty

_DI = np.array([1, -1, 0, 0], dtype=np.int64)
_DJ = np.array([0, 0, 1, -1], dtype=np.int64)


def assemble(region, lam2, theta, mass, periodic_x, periodic_y, theta_min, want_links):
    """Coefficients of the 5-point operator and its boundary couplings.

    Parameters
    ----------
    region : int32 (nx, ny)
        -1 outside vacuum, 0 superconductor, k >= 1 hole k - 1.
    lam2 : float64 (nx, ny)
        (lambda / h)^2 in superconducting cells.
    theta : float64 (4, nx, ny)
        Boundary crossing fraction of each link (+x, -x, +y, -y).
    mass : float64 (nx, ny)
        Mass weight of each superconducting cell.

    Returns
    -------
    diag, wx, wy, outside_w : float64 (nx, ny)
    link_w : float64 (4, nx, ny)
        Weight of every link (only filled when ``want_links``; else 1 x 1 x 1).
    hole_links : int32 (nx, ny)
        Number of links from each cell into a hole (for the edge list).
    row_links : int32 (nx,)
        Their sum over each row (the edge list visits only the rows that have any).
    """
    nx, ny = region.shape
    # placed apart and mapped on this thread, not filled: the assembly writes every cell
    # (see kernels.spread_empty and mapped_empty)
    diag = mapped_empty((nx, ny))
    wx = mapped_empty((nx, ny))
    wy = mapped_empty((nx, ny))
    outside_w = mapped_empty((nx, ny))
    link_w = np.zeros((4, nx, ny)) if want_links else np.zeros((4, 1, 1))
    # (written at every cell too: a fresh np.zeros was faulted in by the two threads of the
    # assembly where the hole edges touch it, 40 ms of 80 at 4096^2 when the machine had
    # taken those pages back)
    hole_links = mapped_empty((nx, ny), np.int32)
    row_links = np.zeros(nx, dtype=np.int32)
    # the arrays are made here, outside the compiled loop: numba turns every allocation in a
    # parallel function into a parallel loop of its own, which tripled the compile time
    _assemble_into(region, lam2, theta, mass, bool(periodic_x), bool(periodic_y), float(theta_min),
                   bool(want_links), diag, wx, wy, outside_w, link_w, hole_links, row_links)
    return diag, wx, wy, outside_w, link_w, hole_links, row_links


@nb.njit(inline="always")
def _wrapped(ii, jj, nx, ny, periodic_x, periodic_y):
    """(ii, jj) wrapped onto the grid across a periodic axis, and whether it is on the grid
    (False past a non-periodic edge)."""
    if ii < 0 or ii >= nx:
        if not periodic_x:
            return ii, jj, False
        ii = ii % nx
    if jj < 0 or jj >= ny:
        if not periodic_y:
            return ii, jj, False
        jj = jj % ny
    return ii, jj, True


@nb.njit(inline="always")  # inlined: a call per link made the assembly 8x slower
def _link(region, lam2, theta, i, j, k, nx, ny, periodic_x, periodic_y, theta_min):
    """(neighbour flat index or -1 past a non-periodic edge, its region (-1 there), weight)
    of link k of superconducting cell (i, j): the harmonic mean of (lambda/h)^2 to a
    superconducting neighbour, (lambda/h)^2 / theta across the boundary."""
    ii, jj, on = _wrapped(i + _DI[k], j + _DJ[k], nx, ny, periodic_x, periodic_y)
    if not on:
        return -1, -1, lam2[i, j] / max(theta[k, i, j], theta_min)
    r = region[ii, jj]
    if r == 0:
        a = lam2[i, j]
        b = lam2[ii, jj]
        return ii * ny + jj, r, 2.0 * a * b / (a + b)
    return ii * ny + jj, r, lam2[i, j] / max(theta[k, i, j], theta_min)


@nb.njit(cache=True, parallel=True)
def _assemble_into(region, lam2, theta, mass, periodic_x, periodic_y, theta_min, want_links,
                   diag, wx, wy, outside_w, link_w, hole_links, row_links):
    nx, ny = region.shape
    for i in nb.prange(nx):
        nl = 0
        for j in range(ny):
            # every cell written (the arrays come unfilled: zeros off the superconductor)
            d = 0.0
            cx = 0.0
            cy = 0.0
            out = 0.0
            nlinks = 0
            if region[i, j] == 0:
                d = mass[i, j]
                for k in range(4):
                    _, nbreg, w = _link(region, lam2, theta, i, j, k, nx, ny, periodic_x,
                                        periodic_y, theta_min)
                    if nbreg == 0:
                        if k == 0:
                            cx = w
                        elif k == 2:
                            cy = w
                    elif nbreg == -1:
                        out += w
                    else:
                        nlinks += 1
                    if want_links:
                        link_w[k, i, j] = w
                    d += w
            diag[i, j] = d
            wx[i, j] = cx
            wy[i, j] = cy
            outside_w[i, j] = out
            hole_links[i, j] = nlinks
            nl += nlinks
        row_links[i] = nl


@nb.njit(cache=True)
def hole_edges(region, lam2, theta, hole_links, row_links, periodic_x, periodic_y, theta_min):
    """Edge list (flat cell index, hole index, weight) of the links into holes, from the
    rows that have any (``row_links``; at 4096^2, hollow cylinder: 17 ms over every row,
    5.8-6.0 ms over the 2050 of 4096 with links)."""
    nx, ny = region.shape
    n = 0
    for i in range(nx):
        n += row_links[i]
    cell = np.empty(n, dtype=np.int64)
    hole = np.empty(n, dtype=np.int64)
    w = np.empty(n)
    e = 0
    for i in range(nx):
        if row_links[i] == 0:
            continue
        for j in range(ny):
            if hole_links[i, j] == 0:
                continue
            for k in range(4):
                _, r, wk = _link(region, lam2, theta, i, j, k, nx, ny, periodic_x, periodic_y,
                                 theta_min)
                if r > 0:
                    cell[e] = i * ny + j
                    hole[e] = r - 1
                    w[e] = wk
                    e += 1
    return cell, hole, w


@nb.njit(cache=True)
def fluxoid_band(region, lam2, theta, mass, B, applied_field, b, hole_mass, periodic_x,
                 periodic_y, theta_min, edge_cell, edge_hole, edge_w, depth, src_cell, src_w,
                 label):
    """The sums behind ``axial.measure_fluxoid``, visiting only the cells of its contours.

    Hole k's set is its cells and the superconducting cells within ``depth``
    steps of them (a cell as near two holes joins the one it is first reached
    from). Returns (total, absum, src, count): per hole, the discrete fluxoid sum
    hole_mass b + sum mass B + sum over links leaving the set of w (B - B_far)
    (in cell units, the far value the applied field across a vacuum link),
    the sum of the magnitudes of its terms, the point sources inside, and the
    number of its superconducting cells.
    The work is proportional to the contours' cells, not to the grid: ``label``
    (int32, one per cell, all zero) is the caller's ``np.zeros``, whose pages
    the system maps, zeroed, only where they are touched. (Made here, the
    array was cleared whole: 37 of the 38 ms the measurement took at 4096^2.)
    """
    nx, ny = region.shape
    nh = hole_mass.size
    Bf = B.ravel()
    R = region.ravel()
    # label: grown labels (hole k + 1)
    cap = edge_cell.size * (2 * depth * depth + 1) + 1
    cells = np.empty(cap, np.int64)
    n = 0
    for e in range(edge_cell.size):  # one step from the holes: their edge cells
        c = edge_cell[e]
        if label[c] == 0:
            label[c] = edge_hole[e] + 1
            cells[n] = c
            n += 1
    start = 0
    for _ in range(depth - 1):
        stop = n
        for q in range(start, stop):
            c = cells[q]
            i, j = c // ny, c % ny
            for k in range(4):
                nbc, r, w = _link(region, lam2, theta, i, j, k, nx, ny, periodic_x, periodic_y,
                                  theta_min)
                if r == 0 and label[nbc] == 0:
                    label[nbc] = label[c]
                    cells[n] = nbc
                    n += 1
        start = stop
    total = np.empty(nh)
    absum = np.empty(nh)
    count = np.zeros(nh, np.int64)
    for k in range(nh):
        total[k] = hole_mass[k] * b[k]
        absum[k] = abs(total[k])
    for q in range(n):
        c = cells[q]
        lab = label[c]
        count[lab - 1] += 1
        i, j = c // ny, c % ny
        v = mass[i, j] * Bf[c]
        total[lab - 1] += v
        absum[lab - 1] += abs(v)
        for k in range(4):
            nbc, r, w = _link(region, lam2, theta, i, j, k, nx, ny, periodic_x, periodic_y,
                              theta_min)
            other = 0
            if r > 0:
                other = r
            elif r == 0:
                other = label[nbc]
            if other != lab:
                far = applied_field if r < 0 else Bf[nbc]
                total[lab - 1] += w * (Bf[c] - far)
                absum[lab - 1] += abs(w * Bf[c])
    for e in range(edge_cell.size):  # hole-to-edge links whose cell joined another contour
        c = edge_cell[e]
        k = edge_hole[e]
        if label[c] - 1 != k:
            total[k] += edge_w[e] * (b[k] - Bf[c])
            absum[k] += abs(edge_w[e] * Bf[c])
    src = np.zeros(nh)
    for s in range(src_cell.size):
        c = src_cell[s]
        lab = R[c] if R[c] > 0 else label[c]
        if lab > 0:
            src[lab - 1] += src_w[s]
    return total, absum, src, count


@nb.njit(cache=True)
def _step(region, B, i, j, di, dj, steps, nx, ny, periodic_x, periodic_y):
    """(region, B) ``steps`` cells from (i, j) along (di, dj); (-1, 0) past a non-periodic edge."""
    ii, jj, on = _wrapped(i + steps * di, j + steps * dj, nx, ny, periodic_x, periodic_y)
    if not on:
        return -1, 0.0
    return region[ii, jj], B[ii, jj]


@nb.njit(cache=True)
def _parabola_slope(t0, t1, t2, f0, f1, f2):
    # derivative at 0 of the parabola through (t0, f0), (t1, f1), (t2, f2)
    return (-(t1 + t2) / ((t0 - t1) * (t0 - t2)) * f0
            - (t0 + t2) / ((t1 - t0) * (t1 - t2)) * f1
            - (t0 + t1) / ((t2 - t0) * (t2 - t1)) * f2)


@nb.njit(cache=True)
def _axis_slope(region, B, theta, applied_field, i, j, kp, nx, ny, periodic_x, periodic_y,
                theta_min):
    # dB/dx (kp = 0) or dB/dy (kp = 2) at a superconducting cell, times h (see
    # axial.current_density for the rule)
    km = kp + 1
    di = _DI[kp]
    dj = _DJ[kp]
    b0 = B[i, j]
    rp, bp = _step(region, B, i, j, di, dj, 1, nx, ny, periodic_x, periodic_y)
    rm, bm = _step(region, B, i, j, -di, -dj, 1, nx, ny, periodic_x, periodic_y)
    vp = applied_field if rp == -1 else bp
    vm = applied_field if rm == -1 else bm
    cp = rp != 0
    cm = rm != 0
    tp = max(theta[kp, i, j], theta_min)
    tm = max(theta[km, i, j], theta_min)
    dp = tp if cp else 1.0
    dm = tm if cm else 1.0
    if cp and tp < 0.5 and not cm:
        r2, f2 = _step(region, B, i, j, -di, -dj, 2, nx, ny, periodic_x, periodic_y)
        if r2 == 0:  # the boundary point and the two cells behind the centre
            return _parabola_slope(tp, -1.0, -2.0, vp, bm, f2)
    if cm and tm < 0.5 and not cp:
        r2, f2 = _step(region, B, i, j, di, dj, 2, nx, ny, periodic_x, periodic_y)
        if r2 == 0:
            return _parabola_slope(-tm, 1.0, 2.0, vm, bp, f2)
    return _parabola_slope(dp, -dm, 0.0, vp, vm, b0)


@nb.njit(cache=True)  # serial: compiles in a fraction of a parallel kernel's time
def current_into(region, B, theta, applied_field, inv_mu0h, periodic_x, periodic_y, theta_min,
                 Jx, Jy):
    """Jx = dB/dy / mu0, Jy = -dB/dx / mu0 on the superconducting cells (0 elsewhere)."""
    nx, ny = region.shape
    for i in range(nx):
        for j in range(ny):
            if region[i, j] != 0:
                Jx[i, j] = 0.0
                Jy[i, j] = 0.0
                continue
            sx = _axis_slope(region, B, theta, applied_field, i, j, 0, nx, ny, periodic_x,
                             periodic_y, theta_min)
            sy = _axis_slope(region, B, theta, applied_field, i, j, 2, nx, ny, periodic_x,
                             periodic_y, theta_min)
            Jx[i, j] = sy * inv_mu0h
            Jy[i, j] = -sx * inv_mu0h


@nb.njit(cache=True)  # serial: compiles in a fraction of a parallel kernel's time
def energy_sums(region, lam2, theta, mass, B, applied_field, periodic_x, periodic_y, theta_min):
    """(sum mass (B - Ba)^2, sum of link energies w (B - B_far)^2) over the superconductor.

    A link between two superconducting cells is seen from both (half each), a
    boundary link once; the far value across a vacuum link is the applied field.
    """
    nx, ny = region.shape
    Bf = B.ravel()
    part = np.zeros((nx, 2))
    for i in range(nx):
        e = 0.0
        g = 0.0
        for j in range(ny):
            if region[i, j] != 0:
                continue
            b0 = B[i, j]
            e += mass[i, j] * (b0 - applied_field) ** 2
            for k in range(4):
                nbc, r, w = _link(region, lam2, theta, i, j, k, nx, ny, periodic_x, periodic_y,
                                  theta_min)
                if r == -1:
                    far = applied_field
                else:
                    far = Bf[nbc]
                half = 0.5 if r == 0 else 1.0
                g += half * w * (b0 - far) ** 2
        part[i, 0] = e
        part[i, 1] = g
    return part[:, 0].sum(), part[:, 1].sum()


@nb.njit(cache=True)  # serial: compiles in a fraction of a parallel kernel's time
def fill_field(region, b, applied_field, B):
    """B = b_k in hole k's cells, the applied field outside; superconducting cells kept."""
    nx, ny = region.shape
    for i in range(nx):
        for j in range(ny):
            r = region[i, j]
            if r > 0:
                B[i, j] = b[r - 1]
            elif r < 0:
                B[i, j] = applied_field


@nb.njit(cache=True)  # serial: compiles in a fraction of a parallel kernel's time
def cell_arrays(region, penetration_depth, h2, adjacent_vacuum, fraction, lam2, mass):
    """lam2 = (lambda / h)^2 and mass = the cell's area fraction counted in the operator
    (1, or its superconducting fraction next to the outside vacuum) on superconducting
    cells; 0 elsewhere. Returns the smallest lam2 on them (inf if there are none)."""
    nx, ny = region.shape
    low = np.inf
    for i in range(nx):
        for j in range(ny):
            if region[i, j] == 0:
                lam = penetration_depth[i, j]
                v = lam * lam / h2
                lam2[i, j] = v
                low = min(low, v)
                mass[i, j] = fraction[i, j] if adjacent_vacuum[i, j] == -1 else 1.0
            else:
                lam2[i, j] = 0.0
                mass[i, j] = 0.0
    return low
