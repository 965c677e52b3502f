"""Figures of solutions: maps of B and J a physicist can put in a paper.

Reached from ``Solution.plot()``; imports matplotlib only when called.
"""

from __future__ import annotations

import numpy as np

from .constants import PHI0

#: Most points per axis a map is drawn with; a finer grid is drawn from the
#: centre cells of blocks of cells (a figure's panel is a few hundred pixels
#: wide, and a 4096^2 map took 9.5 s to draw at full resolution).
MAP_POINTS = 1024
#: Most points per axis the streamlines are traced on.
STREAM_POINTS = 256


def _sampling(geo, n_max):
    """Slices that take the centre cell of every block of sx by sy cells (the smallest
    strides that leave at most ``n_max`` blocks per axis; a partial block at the far
    edges is dropped), and the extent (m) the blocks cover."""
    g = geo.grid
    x0, _, y0, _ = g.extent
    sl, ext = [], [x0, 0.0, y0, 0.0]
    for axis, n in enumerate((g.nx, g.ny)):
        st = max(1, -(-n // n_max))
        nb = n // st
        sl.append(slice(st // 2, st // 2 + nb * st, st))
        ext[2 * axis + 1] = ext[2 * axis] + nb * st * g.spacing
    return tuple(sl), ext


def _outline(ax, geo, scale, **kw):
    """Draw the superconductor's boundary: the zero contour of its signed distance."""
    sl, _ = _sampling(geo, MAP_POINTS)
    f = geo.outline_field(*sl)
    if np.ptp(f) == 0 or f.min() > 0 or f.max() < 0:
        return
    x, y = geo.grid.x[sl[0]] / scale, geo.grid.y[sl[1]] / scale
    ax.contour(x, y, f.T, levels=[0.0], colors=kw.get("color", "k"),
               linewidths=kw.get("linewidth", 0.8))


def plot_field(sol, ax=None, *, cmap=None, colorbar=True):
    """Map of Bz (mT) with the superconductor's outline; axes in micrometres."""
    import matplotlib.pyplot as plt

    geo = sol.geometry
    um = 1e-6
    ext = [v / um for v in geo.grid.extent]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    sl, ext_map = _sampling(geo, MAP_POINTS)
    Bm = sol.B[sl] * 1e3
    if Bm.min() < 0 < Bm.max():
        vmax = np.abs(Bm).max()
        kw = {"cmap": cmap or "RdBu_r", "vmin": -vmax, "vmax": vmax}
    else:
        kw = {"cmap": cmap or "viridis"}
    im = ax.imshow(Bm.T, origin="lower", extent=[v / um for v in ext_map],
                   interpolation="nearest", **kw)
    _outline(ax, geo, um, color="w" if kw["cmap"] == "viridis" else "k")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=r"$B_z$ (mT)", shrink=0.9)
    ax.set_title(r"field $B_z$")
    _axes_um(ax, ext)
    return ax


def plot_current(sol, ax=None, *, cmap="inferno", streamlines=True, colorbar=True,
                 mark_depairing=False):
    """Map of |J| with streamlines of (Jx, Jy); axes in micrometres."""
    import matplotlib.pyplot as plt

    geo = sol.geometry
    um = 1e-6
    x, y = sol.x / um, sol.y / um
    ext = [v / um for v in geo.grid.extent]
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    jx, jy = sol.J
    sl, ext_map = _sampling(geo, MAP_POINTS)
    jm = np.hypot(jx[sl], jy[sl])
    unit, uname = (1e10, r"$10^{10}$ A/m$^2$") if jm.max() >= 1e9 else (1e6, r"MA/m$^2$")
    im = ax.imshow((jm / unit).T, origin="lower", extent=[v / um for v in ext_map], cmap=cmap,
                   interpolation="nearest")
    if streamlines and jm.max() > 0:
        ss, _ = _sampling(geo, STREAM_POINTS)
        ax.streamplot(x[ss[0]], y[ss[1]], jx[ss].T, jy[ss].T, color="w", linewidth=0.6,
                      density=1.2, arrowsize=0.7)
    if mark_depairing and hasattr(sol, "depairing_ratio"):
        over = np.asarray(sol.depairing_ratio)[sl] > 1
        if over.any():
            ax.contourf(x[sl[0]], y[sl[1]], over.T.astype(float), levels=[0.5, 1.5],
                        colors="none", hatches=["////"])
    _outline(ax, geo, um, color="0.6")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=f"|J| ({uname})", shrink=0.9)
    ax.set_title("supercurrent density")
    _axes_um(ax, ext)
    return ax


def _axes_um(ax, ext):
    ax.set_xlabel(r"$x$ ($\mu$m)")
    ax.set_ylabel(r"$y$ ($\mu$m)")
    ax.set_aspect("equal")
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])


def plot_solution(sol, *, cut: str = "x", cut_at: float = 0.0, figsize=None,
                  streamlines: bool = True, mark_depairing: bool = False):
    """A three-panel figure: Bz map (mT), |J| map with streamlines, and a line cut of B.

    Parameters
    ----------
    sol : Solution
    cut : {"x", "y"}
        Direction of the line cut; it passes through ``cut_at`` (m) on the other axis.
    mark_depairing : bool
        Hatch the cells where |J| exceeds the depairing current density of the
        geometry's material (needs ``sol.depairing_ratio``).
    """
    import matplotlib.pyplot as plt

    geo = sol.geometry
    um = 1e-6
    x, y = sol.x / um, sol.y / um
    fig, axes = plt.subplots(1, 3, figsize=figsize or (14.5, 4.4),
                             gridspec_kw={"width_ratios": [1, 1, 1.1]}, layout="constrained")
    plot_field(sol, axes[0])
    plot_current(sol, axes[1], streamlines=streamlines, mark_depairing=mark_depairing)
    Bm = sol.B * 1e3
    ax = axes[2]
    if cut == "x":
        j = int(np.clip(np.searchsorted(geo.grid.y, cut_at), 0, geo.grid.ny - 1))
        pos, prof, sc = x, Bm[:, j], geo.superconductor[:, j]
        label = rf"$x$ ($\mu$m) at $y$ = {geo.grid.y[j] / um:.3g} $\mu$m"
    else:
        i = int(np.clip(np.searchsorted(geo.grid.x, cut_at), 0, geo.grid.nx - 1))
        pos, prof, sc = y, Bm[i, :], geo.superconductor[i, :]
        label = rf"$y$ ($\mu$m) at $x$ = {geo.grid.x[i] / um:.3g} $\mu$m"
    ax.plot(pos, prof, "-", color="C0", lw=1.5)
    lo, hi = ax.get_ylim()
    ax.fill_between(pos, lo, hi, where=sc, color="0.85", step="mid", label="superconductor")
    ax.set_ylim(lo, hi)
    ax.axhline(sol.applied_field * 1e3, color="0.4", ls=":", lw=1, label=r"applied $B_a$")
    ax.set_xlabel(label)
    ax.set_ylabel(r"$B_z$ (mT)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_title("line cut")
    n = sol.fluxoid_numbers.tolist()
    title = f"{geo.name}: $B_a$ = {sol.applied_field * 1e3:.4g} mT"
    if n:
        flux = np.round(sol.hole_flux / PHI0, 4).tolist()
        title += f", fluxoid n = {n}, hole flux = {flux} $\\Phi_0$"
    fig.suptitle(title, fontsize=10)
    return fig
