"""Convergence of the axial solver on the hollow cylinder (a = 1 um, b = 1.5 um, lambda = 0.2 um).

Prints the relative error of the hole flux and the L2 error of B against the exact
Bessel-function solution as the spacing halves from lambda/4 to lambda/64, the fitted
orders, and writes convergence_axial.png.

    python examples/convergence_axial.py
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import fluxoid as fx  # noqa: E402
from fluxoid.analytic import HollowCylinder  # noqa: E402

a, b, lam = 1.0e-6, 1.5e-6, 0.2e-6
ref = HollowCylinder(a, b, lam)
ks = np.array([4, 8, 16, 32, 64])
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
for (n, Ba), mk in zip([(1, 0.0), (0, 0.5e-3), (2, 0.3e-3)], "os^", strict=True):
    ef, el = [], []
    for k in ks:
        geo = fx.meshes.hollow_cylinder(a, b, penetration_depth=lam, spacing=lam / k)
        sol = fx.solve(geo, applied_field=Ba, fluxoid=[n])
        ef.append(abs(sol.hole_flux[0] / ref.hole_flux(Ba, n) - 1))
        X, Y = np.meshgrid(sol.x, sol.y, indexing="ij")
        sc = geo.superconductor
        ex = ref.field(np.hypot(X, Y)[sc], Ba, n)
        el.append(np.sqrt(np.sum((sol.B[sc] - ex) ** 2) / np.sum(ex**2)))
        print(f"n={n} Ba={Ba * 1e3:.1f} mT  h=lambda/{k:<3d} hole flux err {ef[-1]:.2e}  "
              f"L2 err {el[-1]:.2e}  fluxoid {sol.fluxoid[0] / fx.PHI0:.12f} Phi0")
    pf = -np.polyfit(np.log(ks[:4]), np.log(ef[:4]), 1)[0]
    pl = -np.polyfit(np.log(ks[:4]), np.log(el[:4]), 1)[0]
    print(f"  fitted order lambda/4..lambda/32: hole flux {pf:.2f}, L2 {pl:.2f}")
    ax.loglog(lam / ks / 1e-9, ef, mk + "-", label=f"hole flux, n={n}, Ba={Ba * 1e3:g} mT")
    ax.loglog(lam / ks / 1e-9, el, mk + "--", mfc="none", label=f"L2(B), n={n}")
h = lam / ks / 1e-9
ax.loglog(h, 2e-3 * (h / h[0]) ** 2, "k:", label="slope 2")
ax.set_xlabel("spacing (nm)")
ax.set_ylabel("relative error")
ax.legend(fontsize=7, frameon=False)
fig.savefig("convergence_axial.png", dpi=150)
