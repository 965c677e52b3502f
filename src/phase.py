"""The phase of the macroscopic wavefunction, reconstructed from a solution.

The supercurrent equation (PHYSICS.md section 2, with the sign of q* absorbed
into the winding number) is

    Lambda J = -(A - (Phi0 / 2 pi) grad theta),   so   grad theta = (2 pi / Phi0) (A + Lambda J),

with Lambda = mu0 lambda^2. theta follows from A and J by integration; A needs
a gauge, and fluxoid states it:

    the Landau gauge  A = (0, Ay),  Ay(x, y) = integral_{x_min}^{x} Bz(x', y) dx'

(x_min the grid's left edge), so curl A = Bz. A different gauge changes theta by
a smooth single-valued function; the winding numbers do not change.

Discretization
--------------
theta lives on the corners of the cells (the dual grid of the cell-centred B).
The increment of theta along a cell face (a dual edge) is (2 pi / Phi0) times
A . dl, from the gauge above, plus Lambda J . dl, which on a face between
cell c and its neighbour is the operator's own link term
lambda^2 (B_c - B_neighbour) (weights and boundary values of
:mod:`fluxoid.solvers.axial`). Around each cell these increments add up to
(2 pi / Phi0) times the cell's row of the discrete London equation: zero in a
superconducting cell without a source, 2 pi w for a vortex source of weight w,
and 2 pi n_k around hole k. theta is integrated along a breadth-first
spanning tree of the faces that touch the superconductor, then wrapped to
(-pi, pi]. A winding number is the sum of the increments around a closed
contour divided by 2 pi, which the discrete equations make an integer to the
solver's round-off.

A smeared vortex core (a Gaussian of width xi, or a point core's bilinear
weights) spreads the vortex's 2 pi of vorticity over its source cells; psi's
phase winds by 2 pi around the vortex position itself, so before integrating,
the vorticity is gathered to the cell holding the vortex along short strings
of faces inside the core (see ``_gather_cores``). Outside the core theta is
unchanged; inside it, where psi vanishes, theta has no physical meaning. A
vortex whose core is a hole (``vortex_core="hole"``) winds like any hole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from .constants import PHI0
from .errors import ParameterError
from .meshes.raster import DIRECTIONS, neighbour
from .vortices import locate_vortex, vortex_sources

#: A measured winding must lie this close to an integer (else the contour cuts a core).
WINDING_TOL = 1e-3


@dataclass
class PhaseField:
    """theta on the corners (nx+1, ny+1) and at cell centres (nx, ny); the face
    increments it was integrated from (vertical faces (nx+1, ny), horizontal (nx, ny+1))."""

    corners: np.ndarray
    center: np.ndarray
    d_vertical: np.ndarray
    d_horizontal: np.ndarray


def _face_increments(sol):
    """Increments of theta (rad) along every face: vertical faces go up, horizontal go right.

    Returns dv (nx+1, ny), dh (nx, ny+1) with NaN on faces that touch no superconductor.
    """
    from .solvers.axial import boundary_values

    op = sol.operator
    geo = sol.geometry
    g = geo.grid
    nx, ny = g.shape
    h2 = g.spacing**2
    sc = geo.superconductor
    B = sol.B
    vals = boundary_values(op, B, sol.applied_field, sol.hole_field)
    # Lambda J . dl (Wb) from the SC cell's side, per link direction
    lj = [np.where(sc, op.link_w[k] * (B - vals[k]) * h2, np.nan) for k in range(4)]
    # flux of each cell (same quadrature as the fluxoid: mass in SC cells, 1 in holes)
    flux = np.where(sc, op.mass * B, np.where(geo.region > 0, B, sol.applied_field)) * h2
    Ay = np.zeros((nx + 1, ny))
    Ay[1:] = np.cumsum(flux, axis=0)

    # vertical face at corner column I (between cells I-1 and I), upward
    dv = np.full((nx + 1, ny), np.nan)
    from_left = lj[0]           # cell I-1, its +x link: upward is + (ccw right edge)
    from_right = -lj[1]         # cell I, its -x link: upward is - (ccw left edge goes down)
    dv[1:] = from_left
    dv[:-1] = np.where(np.isnan(dv[:-1]), from_right, dv[:-1])
    if g.periodic[0]:
        dv[0] = np.where(np.isnan(dv[0]), from_left[-1], dv[0])
        dv[-1] = np.where(np.isnan(dv[-1]), from_right[0], dv[-1])
    dv = (dv + Ay) * (2 * np.pi / PHI0)

    # horizontal face at corner row J (between cells J-1 and J), rightward
    dh = np.full((nx, ny + 1), np.nan)
    from_below = -lj[2]         # cell J-1, its +y link: its ccw top edge goes left
    from_above = lj[3]          # cell J, its -y link: its ccw bottom edge goes right
    dh[:, 1:] = from_below
    dh[:, :-1] = np.where(np.isnan(dh[:, :-1]), from_above, dh[:, :-1])
    if g.periodic[1]:
        dh[:, 0] = np.where(np.isnan(dh[:, 0]), from_below[:, -1], dh[:, 0])
        dh[:, -1] = np.where(np.isnan(dh[:, -1]), from_above[:, 0], dh[:, -1])
    dh = dh * (2 * np.pi / PHI0)
    return dv, dh


def _gather_cores(sol, dv, dh) -> None:
    """Move each vortex's vorticity from its smeared source to the cell holding it.

    With a smeared core (Gaussian of width xi, or the point core's bilinear
    weights) the increments circulate 2 pi w around every source cell of weight
    w. psi's phase winds by 2 pi around the vortex's position itself, so a
    string of faces carrying -2 pi w runs from each source cell to the vortex's
    cell (along x, then y), inside the core: afterwards the circulation is 2 pi
    (times the sign) around the vortex's cell and zero around every other cell.
    Inside the core, where psi vanishes, theta has no physical meaning anyway.
    """
    geo = sol.geometry
    g = geo.grid
    nx, ny = g.shape
    px, py = g.periodic

    def add_v(I, J, t):  # vertical face at corner column I, cell row J (seam faces twice)
        dv[I, J] += t
        if px and I == 0:
            dv[nx, J] += t
        elif px and I == nx:
            dv[0, J] += t

    def add_h(I, J, t):
        dh[I, J] += t
        if py and J == 0:
            dh[I, ny] += t
        elif py and J == ny:
            dh[I, 0] += t

    for v in sol.vortices:
        iv, jv = locate_vortex(geo, v)
        _, src = vortex_sources(geo, [v])
        for i, j, w, s in src:
            t = -2 * np.pi * w * s
            di, dj = iv - i, jv - j
            if px:
                di = (di + nx // 2) % nx - nx // 2
            if py:
                dj = (dj + ny // 2) % ny - ny // 2
            p, q = i, j
            step = 1 if di > 0 else -1
            for _ in range(abs(di)):
                if step > 0:
                    add_v(p + 1, q, t)
                else:
                    add_v(p, q, -t)
                p = (p + step) % nx if px else p + step
            step = 1 if dj > 0 else -1
            for _ in range(abs(dj)):
                if step > 0:
                    add_h(p, q + 1, -t)
                else:
                    add_h(p, q, t)
                q = (q + step) % ny if py else q + step


def reconstruct_phase(sol) -> PhaseField:
    """Integrate grad theta = (2 pi / Phi0)(A + Lambda J) over the superconductor (see the
    module docstring for the gauge and the discretization). theta = 0 at the first corner
    of each separate superconductor."""
    nx, ny = sol.geometry.grid.shape
    dv, dh = _face_increments(sol)
    if sol.vortices and not sol.core_holes:
        _gather_cores(sol, dv, dh)
    nid = np.arange((nx + 1) * (ny + 1)).reshape(nx + 1, ny + 1)
    # vertical faces join (I, J) -> (I, J+1); horizontal (I, J) -> (I+1, J)
    mv = np.isfinite(dv)
    mh = np.isfinite(dh)
    tails = np.concatenate([nid[:, :-1][mv], nid[:-1, :][mh]])
    heads = np.concatenate([nid[:, 1:][mv], nid[1:, :][mh]])
    incs = np.concatenate([dv[mv], dh[mh]])
    n = nid.size
    # antisymmetric increment matrix, for looking up the tree edges
    graph = sp.coo_matrix((np.ones(tails.size), (tails, heads)), shape=(n, n)).tocsr()
    inc = sp.coo_matrix(
        (np.concatenate([incs, -incs]), (np.concatenate([tails, heads]), np.concatenate([heads, tails]))),
        shape=(n, n),
    ).tocsr()
    theta = np.full(n, np.nan)
    used = np.zeros(n, dtype=bool)
    used[tails] = True
    used[heads] = True
    ncomp, labels = connected_components(graph, directed=False)
    for c in range(ncomp):
        members = np.nonzero((labels == c) & used)[0]
        if members.size == 0:
            continue
        root = int(members[0])
        order, pred = breadth_first_order(graph, root, directed=False, return_predecessors=True)
        theta[root] = 0.0
        child = order[1:]
        parent = pred[child]
        step = np.asarray(inc[parent, child]).ravel()
        th = theta  # accumulate in breadth-first order (each parent comes before its child)
        tl = th.tolist()
        for a, b, s in zip(parent.tolist(), child.tolist(), step.tolist(), strict=True):
            tl[b] = tl[a] + s
        theta = np.array(tl)
    corners = np.angle(np.exp(1j * theta)).reshape(nx + 1, ny + 1)
    z = np.exp(1j * np.nan_to_num(corners))
    ok = np.isfinite(corners)
    zsum = (z[:-1, :-1] * ok[:-1, :-1] + z[1:, :-1] * ok[1:, :-1]
            + z[:-1, 1:] * ok[:-1, 1:] + z[1:, 1:] * ok[1:, 1:])
    center = np.where(sol.geometry.superconductor, np.angle(zsum), np.nan)
    return PhaseField(corners, center, dv, dh)


def _contour_circulation(sol, region: np.ndarray) -> float:
    """Sum of the theta increments counterclockwise around the boundary of a cell set (rad)."""
    ph = sol._phase_field
    dv, dh = ph.d_vertical, ph.d_horizontal
    per = sol.geometry.grid.periodic
    nx, ny = region.shape
    total = 0.0
    # +x face of a region cell (I = i + 1), traversed upward
    out = region & ~neighbour(region, (1, 0), per, False)
    total += np.sum(dv[1:][out])
    # -x face (I = i), traversed downward
    out = region & ~neighbour(region, (-1, 0), per, False)
    total -= np.sum(dv[:-1][out])
    # +y face (J = j + 1), traversed leftward
    out = region & ~neighbour(region, (0, 1), per, False)
    total -= np.sum(dh[:, 1:][out])
    # -y face (J = j), traversed rightward
    out = region & ~neighbour(region, (0, -1), per, False)
    total += np.sum(dh[:, :-1][out])
    return float(total)


def _as_winding(total: float, what: str) -> int:
    w = total / (2 * np.pi)
    if not np.isfinite(w):
        raise ParameterError(f"{what}: the contour leaves the superconductor; choose another")
    k = int(round(w))
    if abs(w - k) > WINDING_TOL:
        raise ParameterError(
            f"{what}: the phase changes by {w:.4f} x 2 pi on the contour, not a whole number: the "
            "contour cuts through a vortex core; move it or change its size"
        )
    return k


def winding_around_hole(sol, k: int, *, depth: int = 2) -> int:
    """Winding of theta around hole k on the contour ``depth`` cells into the wall."""
    geo = sol.geometry
    if not isinstance(k, (int, np.integer)) or not 0 <= k < len(geo.holes):
        raise ParameterError(f"k must be a hole index in 0..{len(geo.holes) - 1}, got {k!r}")
    per = geo.grid.periodic
    reg = geo.holes[int(k)].mask.copy()
    for _ in range(depth):
        grown = reg.copy()
        for d in DIRECTIONS:
            grown |= neighbour(reg, d, per, False)
        reg = grown & (geo.superconductor | geo.holes[int(k)].mask)
    return _as_winding(_contour_circulation(sol, reg), f"winding around hole {k}")


def winding_around_point(sol, x: float, y: float, radius: float) -> int:
    """Winding of theta on the boundary of the cells centred within ``radius`` of (x, y)."""
    g = sol.geometry.grid
    X, Y = g.meshgrid()
    reg = np.hypot(X - x, Y - y) <= radius
    if not reg.any():
        raise ParameterError(f"radius {radius:g} m holds no cell centre; use radius > spacing")
    return _as_winding(_contour_circulation(sol, reg), f"winding around ({x:.4g}, {y:.4g})")


__all__ = ["PhaseField", "reconstruct_phase", "winding_around_hole", "winding_around_point"]
