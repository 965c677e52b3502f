"""``fluxoid demo cpw``: the line of a coplanar-waveguide resonator.

A centre strip 10 um wide, gaps of 6 um, a film 100 nm thick with lambda = 100 nm:
the inductance per unit length, its kinetic part and fraction alpha, and how the current
crowds to the strip edges; the maps go to ``outdir``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .constants import MU0, nm, um


def conformal_inductance(center_width: float, gap: float) -> float:
    """Geometric inductance per unit length of a zero-thickness CPW with infinitely wide
    grounds (conformal mapping): L = (mu0 / 4) K(k') / K(k), k = w / (w + 2 s)."""
    from scipy.special import ellipk

    k = center_width / (center_width + 2 * gap)
    return MU0 / 4 * ellipk(1 - k * k) / ellipk(k * k)


def run(outdir, quick: bool = False, *, verbose: bool = True) -> dict:
    """Solve the CPW line and write its maps.

    Parameters
    ----------
    outdir : path
        Where ``cpw.png``, ``cpw_solution.npz`` and ``cpw_summary.json`` go (created).
    quick : bool
        A coarser grid (spacing lambda / 2) and narrower grounds: seconds instead of tens
        of seconds.

    Returns
    -------
    dict
        The printed numbers (SI units) and the paths written.
    """
    import fluxoid as fx

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    w, s, t, lam = 10 * um, 6 * um, 100 * nm, 100 * nm
    ground = (10 if quick else 40) * um
    h = lam / 2 if quick else lam / 4
    geo = fx.meshes.coplanar_waveguide(w, s, t, penetration_depth=lam, spacing=h, ground_width=ground)
    opts = fx.SolverOptions(direct_limit=2_000_000)
    current = 1e-3
    sol = fx.solve(geo, currents=[-0.5 * current, current, -0.5 * current], options=opts)
    L, Lk = sol.inductance, sol.kinetic_inductance
    alpha = sol.kinetic_fraction
    # current crowding across the centre strip, at mid-thickness
    xc, jc = sol.current_cut(y=0.0)
    centre = np.abs(xc) <= 0.5 * w
    jcs = jc[centre]
    j_mid = float(np.abs(jcs[np.argmin(np.abs(xc[centre]))]))
    j_edge = float(np.abs(jcs).max())
    crowd = float(sol.current_crowding[1])
    L_conf = conformal_inductance(w, s)
    result = {
        "center_width_m": w, "gap_m": s, "thickness_m": t, "penetration_depth_m": lam,
        "ground_width_m": ground, "spacing_m": h, "grid": list(geo.grid.shape),
        "inductance_H_per_m": L, "kinetic_inductance_H_per_m": Lk,
        "magnetic_inductance_H_per_m": L - Lk, "kinetic_fraction": alpha,
        "conformal_mapping_geometric_inductance_H_per_m": L_conf,
        "edge_to_centre_current_density": j_edge / j_mid,
        "max_over_mean_current_density": crowd,
        "ground_currents_A": [float(sol.currents[0]), float(sol.currents[2])],
        "residual": sol.residual, "boundary_residual": sol.boundary_residual,
    }
    fig = sol.plot()
    png = out / "cpw.png"
    fig.savefig(png, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(fig)
    npz = sol.save(out / "cpw_solution.npz")
    summ = out / "cpw_summary.json"
    result.update(png=str(png), npz=str(npz), summary=str(summ))
    summ.write_text(json.dumps(result, indent=2))
    if verbose:
        ph = 1e-12 / 1e-6  # pH/um = 1e-6 H/m
        print(f"coplanar waveguide: centre {w / um:g} um, gaps {s / um:g} um, film {t / nm:g} nm, "
              f"lambda {lam / nm:g} nm (grid {geo.grid.nx} x {geo.grid.ny}, spacing {h / nm:g} nm)")
        print(f"  L            = {L / ph:.4f} pH/um   ({L * 1e9 / 1e3:.4f} nH/mm)")
        print(f"  L_magnetic   = {(L - Lk) / ph:.4f} pH/um   (conformal mapping, zero thickness: "
              f"{L_conf / ph:.4f} pH/um)")
        print(f"  L_kinetic    = {Lk / ph:.4f} pH/um")
        print(f"  alpha        = L_kinetic / L = {alpha:.4f}")
        print(f"  crowding     : Jz at the strip edge / centre = {j_edge / j_mid:.2f}, "
              f"max |Jz| / mean |Jz| = {crowd:.2f}")
        print(f"  maps: {png}  solution: {npz}")
    if not math.isfinite(L):
        raise RuntimeError("the CPW solve gave no inductance")
    return result


__all__ = ["run", "conformal_inductance"]
