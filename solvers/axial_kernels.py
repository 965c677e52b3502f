"""numba kernels that assemble the axial operator's coefficient arrays.

One pass over the grid, plain arrays in and out (see ``axial.build_operator``
for the discretization they implement).
"""

from __future__ import annotations

import numba as nb
import numpy as np

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
    hole_links : int64 (nx, ny)
        Number of links from each cell into a hole (for the edge list).
    """
    nx, ny = region.shape
    diag = np.zeros((nx, ny))
    wx = np.zeros((nx, ny))
    wy = np.zeros((nx, ny))
    outside_w = np.zeros((nx, ny))
    link_w = np.zeros((4, nx, ny)) if want_links else np.zeros((4, 1, 1))
    hole_links = np.zeros((nx, ny), dtype=np.int64)
    # the arrays are made here, outside the compiled loop: numba turns every allocation in a
    # parallel function into a parallel loop of its own, which tripled the compile time
    _assemble_into(region, lam2, theta, mass, bool(periodic_x), bool(periodic_y), float(theta_min),
                   bool(want_links), diag, wx, wy, outside_w, link_w, hole_links)
    return diag, wx, wy, outside_w, link_w, hole_links


@nb.njit(cache=True, parallel=True)
def _assemble_into(region, lam2, theta, mass, periodic_x, periodic_y, theta_min, want_links,
                   diag, wx, wy, outside_w, link_w, hole_links):
    nx, ny = region.shape
    for i in nb.prange(nx):
        for j in range(ny):
            if region[i, j] != 0:
                continue
            d = mass[i, j]
            for k in range(4):
                ii = i + _DI[k]
                jj = j + _DJ[k]
                nbreg = -1
                inside = True
                if ii < 0 or ii >= nx:
                    if periodic_x:
                        ii = ii % nx
                    else:
                        inside = False
                if jj < 0 or jj >= ny:
                    if periodic_y:
                        jj = jj % ny
                    else:
                        inside = False
                if inside:
                    nbreg = region[ii, jj]
                if nbreg == 0:
                    a = lam2[i, j]
                    b = lam2[ii, jj]
                    w = 2.0 * a * b / (a + b)
                    if k == 0:
                        wx[i, j] = w
                    elif k == 2:
                        wy[i, j] = w
                else:
                    t = theta[k, i, j]
                    if t < theta_min:
                        t = theta_min
                    w = lam2[i, j] / t
                    if nbreg == -1:
                        outside_w[i, j] += w
                    else:
                        hole_links[i, j] += 1
                if want_links:
                    link_w[k, i, j] = w
                d += w
            diag[i, j] = d


@nb.njit(cache=True)
def hole_edges(region, lam2, theta, hole_links, periodic_x, periodic_y, theta_min):
    """Edge list (flat cell index, hole index, weight) of the links into holes."""
    nx, ny = region.shape
    n = 0
    for i in range(nx):
        for j in range(ny):
            n += hole_links[i, j]
    cell = np.empty(n, dtype=np.int64)
    hole = np.empty(n, dtype=np.int64)
    w = np.empty(n)
    e = 0
    for i in range(nx):
        for j in range(ny):
            if hole_links[i, j] == 0:
                continue
            for k in range(4):
                ii = (i + _DI[k]) % nx
                jj = (j + _DJ[k]) % ny
                if not periodic_x and (i + _DI[k] < 0 or i + _DI[k] >= nx):
                    continue
                if not periodic_y and (j + _DJ[k] < 0 or j + _DJ[k] >= ny):
                    continue
                r = region[ii, jj]
                if r > 0:
                    cell[e] = i * ny + j
                    hole[e] = r - 1
                    t = theta[k, i, j]
                    if t < theta_min:
                        t = theta_min
                    w[e] = lam2[i, j] / t
                    e += 1
    return cell, hole, w
