"""Topology of a rasterized cross-section: which vacuum is outside, which is a hole.

Vacuum cells are grouped into connected components with 8-connectivity: the
discrete current flows only along the four axis links, so a superconducting
wall that is connected only through cell corners cannot carry a circulating
current and does not separate two vacuum regions. A component that touches a
non-periodic edge of the domain is the outside (its field is the applied
field); every other component is a hole.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from scipy import ndimage

OUTSIDE = -1
SUPERCONDUCTOR = 0


def _join_across_seams(labels: np.ndarray, periodic: tuple[bool, bool], shifts) -> np.ndarray:
    """Join labelled components that meet across a periodic edge (union-find on labels).

    ``shifts`` are the offsets along the seam that count as touching: (0,) for
    4-connectivity, (-1, 0, 1) for 8-connectivity.
    """
    n = int(labels.max())
    parent = list(range(n + 1))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    pairs = []
    if periodic[0]:
        pairs += [(labels[0, :], np.roll(labels[-1, :], s)) for s in shifts]
    if periodic[1]:
        pairs += [(labels[:, 0], np.roll(labels[:, -1], s)) for s in shifts]
    for a, b in pairs:
        both = (a > 0) & (b > 0)
        for u, v in set(zip(a[both].tolist(), b[both].tolist(), strict=True)):
            ru, rv = find(u), find(v)
            if ru != rv:
                parent[max(ru, rv)] = min(ru, rv)
    roots = np.array([find(i) for i in range(n + 1)])
    return roots[labels]


def label_regions(superconductor: np.ndarray, periodic: tuple[bool, bool], spacing: float):
    """Label every cell: -1 outside vacuum, 0 superconductor, k >= 1 hole k - 1.

    Holes are numbered left to right by the x of their centroid, ties broken
    bottom to top (centroids compared on the grid's resolution), so the order
    does not depend on how a shape was built.

    Returns
    -------
    region : ndarray of int32, shape (nx, ny)
    centre : ndarray (n_holes, 2)
        The mean (row, column) index of each hole's cells, in order.

    The work is a few passes over the grid however many holes there are (the
    centroids come from label counts, the relabelling is one lookup).
    """
    vac = ~superconductor
    lab, n = ndimage.label(vac, structure=np.ones((3, 3), dtype=bool))
    if n and (periodic[0] or periodic[1]):
        lab = _join_across_seams(lab, periodic, (-1, 0, 1))
    edge = set()
    if not periodic[0]:
        edge.update(np.unique(lab[0, :]).tolist())
        edge.update(np.unique(lab[-1, :]).tolist())
    if not periodic[1]:
        edge.update(np.unique(lab[:, 0]).tolist())
        edge.update(np.unique(lab[:, -1]).tolist())
    edge.discard(0)
    lab = np.ascontiguousarray(lab, dtype=np.int32)
    nl = int(lab.max()) + 1 if lab.size else 1
    # centroid on the grid (wrapped components are rare; use the raw mean); the index sums
    # are exact integers, so the means equal those of the cells' indices
    count, si, sj = _label_sums(lab, nl)
    hole_ids = [k for k in np.flatnonzero(count).tolist() if k != 0 and k not in edge]
    keyed = sorted((round(si[k] / count[k], 6), round(sj[k] / count[k], 6), k) for k in hole_ids)
    relabel = np.zeros(nl, dtype=np.int32)  # label 0 (superconductor) stays 0
    for k in edge:
        relabel[k] = OUTSIDE
    for order, (_, _, k) in enumerate(keyed):
        relabel[k] = order + 1
    _relabel(lab, relabel)
    centre = np.array([(si[k] / count[k], sj[k] / count[k]) for *_, k in keyed]).reshape(-1, 2)
    return lab, centre


@nb.njit(cache=True)
def _label_sums(lab, nl):
    """Cell count and sums of the row and column indices of every label (one pass)."""
    count = np.zeros(nl, np.int64)
    si = np.zeros(nl, np.int64)
    sj = np.zeros(nl, np.int64)
    nx, ny = lab.shape
    for i in range(nx):
        for j in range(ny):
            k = lab[i, j]
            count[k] += 1
            si[k] += i
            sj[k] += j
    return count, si.astype(np.float64), sj.astype(np.float64)


@nb.njit(cache=True)  # serial: compiles in a fraction of a parallel kernel's time
def _relabel(lab, relabel):
    """lab = relabel[lab] in place."""
    nx, ny = lab.shape
    for i in range(nx):
        for j in range(ny):
            lab[i, j] = relabel[lab[i, j]]


def adjacent_vacuum(region: np.ndarray, periodic: tuple[bool, bool]) -> np.ndarray:
    """For each superconducting cell, the region label of a vacuum cell next to it.

    Axis neighbours are looked at first, then diagonal ones; 0 where a cell has
    no vacuum neighbour. Used to decide whether the vacuum part of a cut cell
    belongs to a hole or to the outside.
    """
    from .raster import neighbour

    out = np.zeros(region.shape, dtype=np.int32)
    sc = region == SUPERCONDUCTOR
    dirs = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
    for d in dirs:
        nb = neighbour(region, d, periodic, OUTSIDE)
        take = sc & (out == 0) & (nb != SUPERCONDUCTOR)
        out[take] = nb[take]
    return out


def label_conductors(superconductor: np.ndarray, periodic: tuple[bool, bool]) -> tuple:
    """Masks of the connected superconductors (4-connectivity: the links that carry current),
    ordered by centroid x, then y, then size (so a coax's inner conductor precedes its shield)."""
    lab, n = ndimage.label(superconductor)
    if n and (periodic[0] or periodic[1]):
        lab = _join_across_seams(lab, periodic, (0,))
    keyed = []
    for k in np.unique(lab).tolist():
        if k == 0:
            continue
        ii, jj = np.nonzero(lab == k)
        # concentric conductors (a coax) tie on the centroid: the smaller one comes first
        keyed.append((round(ii.mean(), 6), round(jj.mean(), 6), ii.size, k))
    keyed.sort()
    return tuple(lab == k for *_, k in keyed)
