"""Maps of a transverse solution: |B| with field lines, Jz, and the current across a strip."""

from __future__ import annotations

import numpy as np

from .errors import ParameterError


def _window(sol, window):
    g = sol.geometry.grid
    x0, x1, y0, y1 = g.extent
    if window is not None:
        try:
            x0, x1, y0, y1 = (float(v) for v in window)
        except (TypeError, ValueError):
            raise ParameterError("window must be (xmin, xmax, ymin, ymax) in metres") from None
        if not (x1 > x0 and y1 > y0):
            raise ParameterError("window must have xmax > xmin and ymax > ymin")
        return x0, x1, y0, y1
    # a flat box (a film) gets a window tall enough to show the field around it
    w, h = x1 - x0, y1 - y0
    if h < 0.3 * w and not g.periodic[1]:
        c = 0.5 * (y0 + y1)
        y0, y1 = c - 0.15 * w, c + 0.15 * w
    if w < 0.3 * h and not g.periodic[0]:
        c = 0.5 * (x0 + x1)
        x0, x1 = c - 0.15 * h, c + 0.15 * h
    return x0, x1, y0, y1


def plot_transverse(sol, *, window=None, cut_y: float | None = None, points: int = 240,
                    field_lines: int = 24, figsize=(15, 4.5)):
    """Three panels: |B| (mT) with contours of Az (field lines), Jz (diverging colour map,
    symmetric about zero) and Jz across the conductor with the largest current.

    Parameters
    ----------
    window : (xmin, xmax, ymin, ymax), optional
        Extent of the |B| map (m); by default the grid's, made taller for a flat film. The
        field outside the grid is computed exactly from the currents.
    cut_y : float, optional
        y of the current-density cut (m); default through the centre of the conductor that
        carries the largest current.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    geo = sol.geometry
    g = geo.grid
    um = 1e-6
    x0, x1, y0, y1 = _window(sol, window)
    nxp = points
    nyp = max(20, int(points * (y1 - y0) / (x1 - x0))) if x1 - x0 >= y1 - y0 else points
    if x1 - x0 < y1 - y0:
        nxp = max(20, int(points * (x1 - x0) / (y1 - y0)))
    xs = np.linspace(x0, x1, nxp)
    ys = np.linspace(y0, y1, nyp)
    Xp, Yp = np.meshgrid(xs, ys, indexing="ij")
    A = sol.vector_potential_at(Xp, Yp)
    bx, by = sol.field_at(Xp, Yp)
    Bm = np.hypot(bx, by)

    fig, axes = plt.subplots(1, 3, figsize=figsize, constrained_layout=True)
    ax = axes[0]
    im = ax.pcolormesh(xs / um, ys / um, Bm.T / 1e-3, shading="auto", cmap="magma")
    fig.colorbar(im, ax=ax, label="|B| (mT)")
    lv = np.linspace(np.nanmin(A), np.nanmax(A), field_lines + 2)[1:-1]
    if np.ptp(A) > 0:
        ax.contour(xs / um, ys / um, A.T, levels=lv, colors="w", linewidths=0.6,
                   linestyles="solid")
    ax.contour(g.x / um, g.y / um, geo.superconductor.T.astype(float), levels=[0.5], colors="c",
               linewidths=0.8)
    ax.set_xlim(x0 / um, x1 / um)
    ax.set_ylim(y0 / um, y1 / um)
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title("|B| and field lines (contours of Az)")

    ax = axes[1]
    J = sol.J
    jmax = float(np.abs(J).max()) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-jmax, vmax=jmax)
    sc = geo.superconductor
    Jm = np.where(sc, J, np.nan)
    xe0, xe1, ye0, ye1 = g.extent
    im = ax.imshow(Jm.T, origin="lower", extent=(xe0 / um, xe1 / um, ye0 / um, ye1 / um),
                   cmap="RdBu_r", norm=norm, aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax, label="Jz (A/m^2)")
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title("current density Jz")

    ax = axes[2]
    if cut_y is None:
        k = int(np.argmax(np.abs(sol.currents))) if len(sol.currents) else 0
        m = geo.conductors[k]
        X, Y = g.meshgrid()
        cut_y = float(np.median(Y[m]))
    xc, jc = sol.current_cut(y=cut_y)
    # break the line across the gaps between conductors
    if xc.size > 1:
        gap = np.nonzero(np.diff(xc) > 1.5 * g.spacing)[0] + 1
        xc = np.insert(xc, gap, np.nan)
        jc = np.insert(jc, gap, np.nan)
    ax.plot(xc / um, jc, ".-", ms=2, lw=0.8)
    ax.axhline(0.0, color="0.6", lw=0.5)
    ax.set_xlabel("x (um)")
    ax.set_ylabel("Jz (A/m^2)")
    ax.set_title(f"Jz across the line at y = {round(cut_y / um, 6):g} um")
    return fig


__all__ = ["plot_transverse"]
