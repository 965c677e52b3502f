"""``fluxoid demo sphere``: finite bodies of revolution against closed forms.

A superconducting sphere in a uniform field against its London moment
(PHYSICS.md) for several lambda/R, with the box only 1.5 R; then the field map
of the sphere and of a thin-film ring holding one fluxoid quantum.
"""

from __future__ import annotations

import time
from pathlib import Path


def run(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import PHI0, um
    from .api import solve
    from .axisymmetric import sphere_moment
    from .meshes import ring, sphere

    t0 = time.perf_counter()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    R, Ba = 1.0 * um, 1e-3
    n = 24 if quick else 48
    echo(f"fluxoid demo sphere: a sphere of radius {R / um:g} um in {Ba * 1e3:g} mT, box 1.5 R, "
         f"spacing R/{n}")
    echo(f"  {'lambda/R':>9}{'moment (A m^2)':>18}{'exact':>16}{'rel. error':>12}")
    rows = []
    sol_sphere = None
    for lr in (0.05, 0.1, 0.2, 0.5):
        geo = sphere(R, penetration_depth=lr * R, spacing=R / n)
        sol = solve(geo, applied_field=Ba)
        exact = sphere_moment(R, lr * R, Ba)
        err = abs(sol.moment / exact - 1)
        rows.append(("sphere", lr, sol.moment, exact, err))
        echo(f"  {lr:>9.2f}{sol.moment:>18.6e}{exact:>16.6e}{err:>12.1e}")
        if lr == 0.2:
            sol_sphere = sol
    fig = sol_sphere.plot()
    fig.savefig(out / "sphere.png", dpi=150)
    geo = ring(1.0 * um, 1.6 * um, 0.3 * um, penetration_depth=0.1 * um, spacing=0.02 * um)
    sol = solve(geo, applied_field=0.5e-3, fluxoid=[1])
    echo(f"  film ring 1.0-1.6 um x 0.3 um, n = 1 in 0.5 mT: fluxoid {sol.fluxoid[0] / PHI0:.12f} "
         f"Phi0, ring current {float(sol.ring_current[0]) * 1e3:.4f} mA")
    sol.plot().savefig(out / "ring.png", dpi=150)
    plt.close("all")
    echo(f"  wrote {out}/sphere.png and ring.png ({time.perf_counter() - t0:.1f} s)")
    return {"rows": rows}
