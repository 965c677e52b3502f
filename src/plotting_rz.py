"""Plots of a body-of-revolution solution: the (r, z) section mirrored about the axis.

|B| in colour with the field lines (contours of the flux function Psi, which are the
lines of B in a meridian plane), and the azimuthal current J_phi in colour (into the
page on one side of the axis, out of it on the other, as in a cut through the object),
each with the body's outline.
"""

from __future__ import annotations

import numpy as np


def _mirror(a: np.ndarray, odd: bool = False) -> np.ndarray:
    """(nr, nz) on r > 0 -> (2 nr + 1, nz) on -r .. r with the axis row in the middle."""
    axis = np.zeros((1, a.shape[1])) if odd else a[:1]
    left = -a[::-1] if odd else a[::-1]
    return np.concatenate([left, axis, a], axis=0)


def plot_solution(sol, *, mirror: bool = True, field_lines: int = 24, figsize=None,
                  cmap_field: str = "viridis", cmap_current: str = "RdBu_r"):
    """|B| with field lines and J_phi on the (r, z) section of a body of revolution.

    Parameters
    ----------
    sol : AxisymmetricSolution
    mirror : bool
        Draw -r_box < r < r_box (the section through the object) instead of r > 0 only.
    field_lines : int
        Number of contours of Psi drawn as field lines.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    geo = sol.geometry
    r, z = geo.r, geo.z
    Bmag = sol.field_magnitude * 1e3
    Psi = sol.Psi
    J = sol.J
    sdf = geo.sdf
    if mirror:
        rr = np.concatenate([-r[::-1], [0.0], r])
        Bmag = _mirror(Bmag)
        Psi = _mirror(Psi)
        Psi[r.size] = 0.0
        J = _mirror(J, odd=True)
        sdf = _mirror(sdf)
    else:
        rr = r
    um = 1e-6
    extent = (rr[0] / um, rr[-1] / um, z[0] / um, z[-1] / um)
    if figsize is None:
        aspect = (extent[3] - extent[2]) / max(extent[1] - extent[0], 1e-30)
        figsize = (11, max(3.5, min(9.0, 5.0 * aspect)))
    fig, axes = plt.subplots(1, 2, figsize=figsize, constrained_layout=True)
    R, Z = np.meshgrid(rr / um, z / um, indexing="ij")

    ax = axes[0]
    # a filamentary coil on a node makes |B| and Psi singular there: clip the colour scale
    finite = np.isfinite(Bmag)
    vmax = float(np.percentile(Bmag[finite], 99.5)) if finite.any() else 1.0
    im = ax.imshow(np.where(finite, Bmag, vmax).T, origin="lower", extent=extent, cmap=cmap_field,
                   aspect="equal", vmin=0.0, vmax=vmax or 1.0)
    fig.colorbar(im, ax=ax, label="|B| (mT)")
    Psi = np.where(np.isfinite(Psi), Psi, np.nan)
    pfin = np.abs(Psi[np.isfinite(Psi)])
    pmax = float(np.percentile(pfin, 99.5)) if pfin.size else 0.0
    if pmax > 0 and field_lines > 0:
        levels = np.linspace(-pmax, pmax, 2 * field_lines + 1)
        levels = levels[levels != 0.0]
        ax.contour(R, Z, Psi, levels=levels, colors="w", linewidths=0.6)
    ax.set_title("|B| and field lines (contours of Psi)")

    ax = axes[1]
    jmax = float(np.max(np.abs(J))) or 1.0
    im = ax.imshow(J.T, origin="lower", extent=extent, cmap=cmap_current, vmin=-jmax, vmax=jmax,
                   aspect="equal")
    fig.colorbar(im, ax=ax, label="J_phi (A/m^2)" + (" (sign: through the section)" if mirror else ""))
    ax.set_title("azimuthal current J_phi")
    for ax in axes:
        ax.contour(R, Z, sdf, levels=[0.0], colors="k", linewidths=1.0)
        ax.axvline(0.0, color="0.5", lw=0.5, ls="--")
        ax.set_xlabel("r (um)")
        ax.set_ylabel("z (um)")
    rings = f", n = {sol.fluxoid_numbers.tolist()}" if sol.fluxoid_numbers.size else ""
    fig.suptitle(f"{geo.name}: Ba = {sol.applied_field * 1e3:.4g} mT{rings}")
    return fig


__all__ = ["plot_solution"]
