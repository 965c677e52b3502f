"""``fluxoid demo``: the default problem, solved, checked against its analytic
solution, and drawn.

Other demos register here by name; each is a function ``run(outdir, quick=False)``.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import numpy as np

#: name -> "module:function" of every demo (loaded only when asked for)
DEMOS = {
    "hollow-cylinder": "fluxoid.demo:hollow_cylinder",
    "vortex-lattice": "fluxoid.demo_physics:vortex_lattice",
    "parabolas": "fluxoid.demo_physics:parabolas",
    "flux-quantization": "fluxoid.demo_physics:flux_quantization",
    "phase": "fluxoid.demo_physics:phase",
    "cpw": "fluxoid.demo_cpw:run",
    "sphere": "fluxoid.demo_rz:run",
}
DEFAULT = "hollow-cylinder"


def available() -> dict:
    """The demos whose modules are installed, name -> callable."""
    out = {}
    for name, target in DEMOS.items():
        mod, func = target.split(":")
        try:
            out[name] = getattr(importlib.import_module(mod), func)
        except (ImportError, AttributeError):
            continue
    return out


def hollow_cylinder(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    """A hollow cylinder (a = 1 um, b = 1.5 um, lambda = 0.2 um) holding one fluxoid
    quantum in Ba = 0.5 mT: a table against the exact solution, and B and J maps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import PHI0, um
    from .analytic import HollowCylinder
    from .api import solve
    from .meshes import hollow_cylinder as make
    from .plotting import plot_current, plot_field

    t0 = time.perf_counter()
    a, b, lam, Ba, n = 1.0 * um, 1.5 * um, 0.2 * um, 0.5e-3, 1
    h = lam / (8 if quick else 16)
    echo(f"fluxoid demo: hollow cylinder a = {a / um:g} um, b = {b / um:g} um, "
         f"lambda = {lam / um:g} um, Ba = {Ba * 1e3:g} mT, n = {n}")
    echo(f"  rasterizing the cross-section at spacing {h / um * 1e3:.1f} nm ...")
    geo = make(a, b, penetration_depth=lam, spacing=h)
    echo(f"  {geo.grid.nx} x {geo.grid.ny} cells; solving the London equation ...")
    sol = solve(geo, applied_field=Ba, fluxoid=[n])
    echo(f"  solved ({sol.method}, relative residual {sol.residual:.1e}); checking against the "
         "exact Bessel-function solution ...")
    ref = HollowCylinder(a, b, lam)
    rows = [
        ("hole flux", sol.hole_flux[0] / PHI0, ref.hole_flux(Ba, n) / PHI0, "Phi0"),
        ("fluxoid (measured)", sol.fluxoid[0] / PHI0, float(n), "Phi0"),
        ("hole field", sol.hole_field[0] * 1e3, ref.hole_field(Ba, n) * 1e3, "mT"),
        ("energy", sol.energy * 1e12, ref.energy(Ba, n) * 1e12, "pJ/m"),
    ]
    jmax = sol.max_current_density
    r = np.linspace(a, b, 2001)
    jref = np.max(np.abs(np.gradient(ref.field(r, Ba, n), r))) / 4e-7 / np.pi
    rows.append(("peak |J|", jmax / 1e10, jref / 1e10, "1e10 A/m^2"))
    echo("")
    echo(f"  {'quantity':<20}{'fluxoid':>16}{'exact':>16}{'rel. error':>12}  unit")
    for name, val, exact, unit in rows:
        err = abs(val - exact) / abs(exact) if exact else abs(val)
        echo(f"  {name:<20}{val:>16.8g}{exact:>16.8g}{err:>12.1e}  {unit}")
    echo("")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.4, 4.4), layout="constrained")
    plot_field(sol, ax)
    fig.savefig(out / "field.png", dpi=150)
    fig, ax = plt.subplots(figsize=(5.4, 4.4), layout="constrained")
    plot_current(sol, ax)
    fig.savefig(out / "current.png", dpi=150)
    sol.plot().savefig(out / "overview.png", dpi=150)
    plt.close("all")
    sol.save(out / "hollow_cylinder.npz")
    echo(f"  wrote {out}/field.png, current.png, overview.png and hollow_cylinder.npz "
         f"({time.perf_counter() - t0:.1f} s)")
    return {"rows": rows, "solution": sol}
