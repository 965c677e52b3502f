"""Demos of the physics of PHYSICS.md sections 4-6: ``fluxoid demo vortex-lattice``,
``parabolas``, ``flux-quantization`` and ``phase``.

Each prints a short table (fluxoid against the closed form) and writes one PNG.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .constants import PHI0, um


def _mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _table(echo, rows, head=("quantity", "fluxoid", "exact", "rel. error", "unit")):
    echo(f"  {head[0]:<28}{head[1]:>15}{head[2]:>15}{head[3]:>12}  {head[4]}")
    for name, val, exact, unit in rows:
        if exact is None:
            echo(f"  {name:<28}{val:>15.8g}{'':>15}{'':>12}  {unit}")
            continue
        err = abs(val - exact) / abs(exact) if exact else abs(val)
        echo(f"  {name:<28}{val:>15.8g}{exact:>15.8g}{err:>12.1e}  {unit}")


def _out(outdir) -> Path:
    p = Path(outdir)
    p.mkdir(parents=True, exist_ok=True)
    return p


def _save(fig, outdir, name: str, echo, t0: float) -> Path:
    """Write the figure to outdir/name, close it, and say so with the demo's time."""
    plt = _mpl()
    out = _out(outdir) / name
    fig.savefig(out, dpi=150)
    plt.close(fig)
    echo(f"  wrote {out} ({time.perf_counter() - t0:.1f} s)")
    return out


# ------------------------------------------------------------------------- vortex lattice

def lattice_fourier_series(geo, x, y, penetration_depth, coherence_length):
    """B(r) = n_V Phi0 sum_G exp(i G.(r - r_1)) exp(-xi^2 G^2 / 2) / (1 + lambda^2 G^2)
    over the reciprocal lattice of ``geo``'s cell (PHYSICS.md, reference solutions, with the
    Gaussian core cutoff that fluxoid's core sources have)."""
    lam, xi = penetration_depth, coherence_length
    Lx, Ly = geo.lattice["cell"]
    nv = geo.lattice["vortex_density"]
    x0, y0, _ = geo.vortices[0]
    M = int(12 * max(Lx, Ly) / (2 * np.pi * xi)) + 4
    m = np.arange(-M, M + 1)
    mx, my = np.meshgrid(m, m, indexing="ij")
    keep = ((mx + my) % 2 == 0) if geo.lattice["kind"] == "triangular" else np.ones_like(mx, bool)
    gx, gy = 2 * np.pi * mx / Lx, 2 * np.pi * my / Ly
    g2 = gx**2 + gy**2
    f = np.where(keep, np.exp(-0.5 * xi**2 * g2) / (1 + lam**2 * g2), 0.0)
    sel = f > 1e-14 * f.max()
    xx, yy = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    ph = np.exp(1j * (np.outer((xx - x0).ravel(), gx[sel]) + np.outer((yy - y0).ravel(), gy[sel])))
    return (nv * PHI0 * (ph @ f[sel]).real).reshape(xx.shape)


def vortex_lattice(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    """A triangular Abrikosov lattice (lambda = 200 nm, xi = 40 nm, B = 30 mT) on its
    periodic cell, against the London Fourier series with a Gaussian core cutoff."""
    plt = _mpl()
    from .api import solve
    from .meshes.vortex import vortex_lattice as make

    t0 = time.perf_counter()
    lam, xi, Bm = 0.2 * um, 0.04 * um, 30e-3
    h = xi / 2 if quick else xi / 4
    echo(f"fluxoid demo: triangular vortex lattice, lambda = {lam / um * 1e3:g} nm, "
         f"xi = {xi / um * 1e3:g} nm, mean field {Bm * 1e3:g} mT, spacing {h / um * 1e3:g} nm")
    geo = make(lam, xi, mean_field=Bm, lattice="triangular", spacing=h)
    sol = solve(geo)
    Lx, Ly = geo.lattice["cell"]
    X, Y = geo.grid.meshgrid()
    ref = lattice_fourier_series(geo, X, Y, lam, xi)
    err = np.max(np.abs(sol.B - ref)) / ref.max()
    (x1, y1, _), (x2, y2, _) = geo.vortices
    saddle = (0.5 * (x1 + x2), y1)  # between two vortices of a row... and the cell's mid-edge
    rows = [
        ("mean field", sol.mean_field * 1e3, geo.lattice["vortex_density"] * PHI0 * 1e3, "mT"),
        ("B at a vortex", sol.field_at(x1, y1) * 1e3,
         float(lattice_fourier_series(geo, x1, y1, lam, xi)) * 1e3, "mT"),
        ("B minimum", sol.B.min() * 1e3, ref.min() * 1e3, "mT"),
        ("B at (x1+x2)/2, y1", sol.field_at(*saddle) * 1e3,
         float(lattice_fourier_series(geo, *saddle, lam, xi)) * 1e3, "mT"),
        ("max |B - series| / B_max", err, None, ""),
        ("lattice constant a", geo.lattice["lattice_constant"] / um * 1e3, None, "nm"),
        ("flux per cell", sol.mean_field * Lx * Ly / PHI0, 2.0, "Phi0"),
        ("winding around each vortex", float(sol.winding_around(x1, y1, 2 * xi)), 1.0, ""),
    ]
    echo("")
    _table(echo, rows)
    echo("")
    # figure: B over 3 x 3 cells, and a cut through a row of vortices
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.8), layout="constrained",
                             gridspec_kw={"width_ratios": [1.0, 1.25]})
    tile = np.tile(sol.B, (3, 2)) * 1e3
    ext = [0, 3 * Lx / um, 0, 2 * Ly / um]
    ax = axes[0]
    im = ax.imshow(tile.T, origin="lower", extent=ext, cmap="magma", interpolation="bilinear")
    fig.colorbar(im, ax=ax, label=r"$B_z$ (mT)", shrink=0.9)
    for a in range(3):
        for b in range(2):
            for x, y, _ in geo.vortices:
                ax.plot((x + a * Lx) / um, (y + b * Ly) / um, "c+", ms=6, mew=1)
    ax.add_patch(plt.Rectangle((Lx / um, 0), Lx / um, Ly / um, fill=False, ec="w", ls="--", lw=1))
    ax.set_xlabel(r"$x$ ($\mu$m)")
    ax.set_ylabel(r"$y$ ($\mu$m)")
    ax.set_title(f"triangular lattice, $\\bar B$ = {Bm * 1e3:g} mT (dashed: computed cell)")
    ax = axes[1]
    j = int(np.argmin(np.abs(geo.grid.y - y1)))
    xs = np.linspace(0, 2 * Lx, 600)
    ax.plot(xs / um, lattice_fourier_series(geo, xs, geo.grid.y[j], lam, xi) * 1e3, "-", color="0.3",
            lw=1.5, label=r"London series, core cutoff $e^{-\xi^2G^2/2}$")
    xg = np.concatenate([geo.grid.x, geo.grid.x + Lx])
    ax.plot(xg / um, np.tile(sol.B[:, j], 2) * 1e3, "o", color="C1", ms=3.5, label="fluxoid (grid)")
    ax.axhline(sol.mean_field * 1e3, color="C0", ls=":", label=r"mean field $n_V\Phi_0$")
    ax.set_xlabel(rf"$x$ ($\mu$m) at $y$ = {geo.grid.y[j] / um:.3f} $\mu$m")
    ax.set_ylabel(r"$B_z$ (mT)")
    ax.legend(frameon=False)
    ax.set_title(f"cut through a row of vortices: max deviation {err * 100:.2f} % of $B_{{max}}$")
    out = _save(fig, outdir, "vortex_lattice.png", echo, t0)
    return {"rows": rows, "solution": sol, "error": err, "figure": out}


# ----------------------------------------------------------------------------- parabolas

def parabolas(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    """Energies G_n(Ba) of a hollow cylinder (a = 1 um, b = 1.5 um, lambda = 0.2 um):
    exact parabolas, crossing at (n + 1/2) Phi0 / A_eff; two solves for the whole sweep."""
    plt = _mpl()
    from .analytic import HollowCylinder
    from .meshes import hollow_cylinder
    from .states import fluxoid_states

    t0 = time.perf_counter()
    a, b, lam = 1.0 * um, 1.5 * um, 0.2 * um
    h = lam / (8 if quick else 16)
    ref = HollowCylinder(a, b, lam)
    bstep = PHI0 / ref.effective_area
    fields = np.linspace(-1.5, 2.5, 401) * bstep
    ns = range(-2, 4)
    echo(f"fluxoid demo: energy parabolas of a hollow cylinder a = {a / um:g} um, b = {b / um:g} um, "
         f"lambda = {lam / um:g} um, spacing lambda/{int(round(lam / h))}")
    geo = hollow_cylinder(a, b, penetration_depth=lam, spacing=h)
    st = fluxoid_states(geo, fields, ns)
    rows = [
        ("solves for the sweep", float(st.solves), None, f"({fields.size} fields x {len(ns)} states)"),
        ("effective area A_eff", st.effective_area[0] / um**2, ref.effective_area / um**2, "um^2"),
        ("inductance L (magn.+kin.)", st.inductance[0, 0] * 1e12, ref.inductance * 1e12,
         "pH m"),
        ("Phi0 / A_eff (spacing)", PHI0 / st.effective_area[0] * 1e6, bstep * 1e6, "uT"),
    ]
    for k, n in enumerate(list(ns)[:-1]):
        rows.append((f"crossing n={n} / n={n + 1}", st.crossing_fields[k] * 1e6, ref.crossing_field(n) * 1e6,
                     "uT"))
    exact = np.array([[ref.energy(f, n) for n in ns] for f in fields[::40]])
    rows.append(("max |G - G_exact| / max G", float(np.max(np.abs(st.energy[::40] - exact))
                                                     / np.max(np.abs(exact))), None, ""))
    echo("")
    _table(echo, rows)
    echo("")
    fig, ax = plt.subplots(figsize=(8.0, 5.2), layout="constrained")
    e_unit = 1e-15
    for k, n in enumerate(ns):
        ax.plot(fields * 1e6, st.energy[:, k] / e_unit, "-", lw=1.2, color=f"C{k}", label=f"n = {n}")
        fb = fields[::25]
        ax.plot(fb * 1e6, [ref.energy(f, n) / e_unit for f in fb], "o", mfc="none", color=f"C{k}", ms=5)
    ax.plot(fields * 1e6, st.energy.min(axis=1) / e_unit, "k-", lw=2.8, alpha=0.35, label="ground state")
    for bc in st.crossing_fields:
        ax.axvline(bc * 1e6, color="0.6", ls=":", lw=0.8)
    top = np.percentile(st.energy.min(axis=1), 100) * 3 / e_unit
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlim(fields[0] * 1e6, fields[-1] * 1e6)
    ax.set_xlabel(r"applied field $B_a$ ($\mu$T)")
    ax.set_ylabel(r"Gibbs energy $G_n$ (fJ/m)")
    ax.set_title(f"hollow cylinder a = {a / um:g} $\\mu$m, b = {b / um:g} $\\mu$m, $\\lambda$ = "
                 f"{lam / um:g} $\\mu$m: lines fluxoid ({st.solves} solves), circles exact\n"
                 f"crossings every $\\Phi_0/A_{{eff}}$ = {PHI0 / st.effective_area[0] * 1e6:.1f} $\\mu$T",
                 fontsize=9)
    ax.legend(frameon=False, ncol=3, fontsize=8, loc="upper center")
    out = _save(fig, outdir, "parabolas.png", echo, t0)
    return {"rows": rows, "states": st, "figure": out}


# ------------------------------------------------------------------------ flux quantization

def flux_quantization(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    """Deaver and Fairbank (1961) on the computer: cool a hollow cylinder in B_cool, remove
    the field, plot the trapped flux. Thick wall: steps of Phi0 (in the flux inside the
    wall); thin wall: the fluxoid is quantized, the flux steps are smaller."""
    plt = _mpl()
    from .analytic import HollowCylinder
    from .meshes import hollow_cylinder
    from .states import field_cooling

    t0 = time.perf_counter()
    cases = {
        "thick wall": (1.0 * um, 2.5 * um, 0.1 * um, 0.1 * um / 4),
        "thin wall": (1.0 * um, 1.1 * um, 0.2 * um, 0.0125 * um * (2 if quick else 1)),
    }
    echo("fluxoid demo: flux quantization (Deaver and Fairbank 1961), field cooling of two hollow "
         "cylinders")
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.8), layout="constrained")
    results = {}
    rows = []
    for ax, (name, (a, b, lam, h)) in zip(axes, cases.items(), strict=True):
        ref = HollowCylinder(a, b, lam)
        bstep = PHI0 / ref.effective_area
        fields = np.linspace(-0.3, 3.8, 400) * bstep
        geo = hollow_cylinder(a, b, penetration_depth=lam, spacing=h)
        fc = field_cooling(geo, fields)
        results[name] = fc
        n_exact = np.floor(fields / bstep + 0.5)
        rows += [
            (f"{name}: hole-flux step", fc.flux_step[0] / PHI0, ref.hole_flux(0.0, 1) / PHI0, "Phi0"),
            (f"{name}: total-flux step", (fc.basis.total_flux(0.0, 1)) / PHI0, None, "Phi0"),
            (f"{name}: step width", PHI0 / fc.effective_area[0] * 1e6, bstep * 1e6, "uT"),
        ]
        ax.plot(fields * 1e6, fc.trapped_flux / PHI0, "-", color="C0", lw=2, label="hole flux (fluxoid)")
        ax.plot(fields * 1e6, n_exact * ref.hole_flux(0.0, 1) / PHI0, "--", color="k", lw=1,
                label="hole flux, exact")
        ax.plot(fields * 1e6, fc.total_flux / PHI0, "-", color="C1", lw=1.2, alpha=0.8,
                label="flux in hole + wall")
        ax.plot(fields * 1e6, fc.fluxoid, ":", color="C2", lw=1.2, label=r"fluxoid $n$")
        ax.plot(fields * 1e6, ref.effective_area * fields / PHI0, color="0.7", lw=0.8,
                label=r"$A_{eff} B_{cool} / \Phi_0$")
        ax.set_xlabel(r"cooling field $B_{cool}$ ($\mu$T)")
        ax.set_ylabel(r"trapped flux after the field is removed ($\Phi_0$)")
        ax.set_title(f"{name}: a = {a / um:g} $\\mu$m, b = {b / um:g} $\\mu$m, $\\lambda$ = "
                     f"{lam / um * 1e3:g} nm; step = {fc.flux_step[0] / PHI0:.3f} $\\Phi_0$", fontsize=9)
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    echo("")
    _table(echo, rows)
    echo("")
    out = _save(fig, outdir, "flux_quantization.png", echo, t0)
    return {"rows": rows, "cooling": results, "figure": out}


# ---------------------------------------------------------------------------------- phase

def phase(outdir="fluxoid-demo", quick: bool = False, echo=print) -> dict:
    """The phase theta of psi in a hollow cylinder holding n = 2 with a vortex and an
    antivortex in its wall: theta winds by 2 pi n around the hole and once per vortex."""
    plt = _mpl()
    from .api import solve
    from .meshes import hollow_cylinder

    t0 = time.perf_counter()
    a, b, lam, xi = 1.0 * um, 2.0 * um, 0.2 * um, 0.04 * um
    h = lam / (6 if quick else 10)
    n = 2
    vort = [(1.5 * um, 0.0, 1), (-1.06 * um, -1.06 * um, -1), (-0.2 * um, 1.6 * um, 1)]
    echo(f"fluxoid demo: the phase of psi in a hollow cylinder a = {a / um:g} um, b = {b / um:g} um, "
         f"lambda = {lam / um:g} um, fluxoid n = {n}, two vortices and an antivortex in the wall")
    geo = hollow_cylinder(a, b, penetration_depth=lam, spacing=h, coherence_length=xi)
    sol = solve(geo, applied_field=0.0, fluxoid=[n], vortices=vort)
    rows = [("winding around the hole", float(sol.winding(0)), float(n), "")]
    for x, y, s in vort:
        rows.append((f"winding at ({x / um:.2f}, {y / um:.2f}) um", float(sol.winding_around(x, y, 3 * xi)),
                     float(s), ""))
    rows.append(("winding around everything", float(sol.winding_around(0, 0, 0.5 * (b + 1.8 * um))),
                 float(n + sum(v[2] for v in vort if np.hypot(v[0], v[1]) < 0.5 * (b + 1.8 * um))), ""))
    rows.append(("fluxoid of the hole (measured)", sol.fluxoid[0] / PHI0, float(n), "Phi0"))
    echo("")
    _table(echo, rows)
    echo("")
    fig, axes = plt.subplots(1, 2, figsize=(12.0, 5.2), layout="constrained")
    ext = [v / um for v in geo.grid.extent]
    ax = axes[0]
    im = ax.imshow(sol.phase.T, origin="lower", extent=ext, cmap="twilight", vmin=-np.pi, vmax=np.pi,
                   interpolation="nearest")
    cb = fig.colorbar(im, ax=ax, shrink=0.9, ticks=[-np.pi, 0, np.pi])
    cb.ax.set_yticklabels([r"$-\pi$", "0", r"$\pi$"])
    cb.set_label(r"phase $\theta$")
    for x, y, s in vort:
        ax.plot(x / um, y / um, "o" if s > 0 else "s", mfc="none", mec="k", ms=9)
    ax.set_title(rf"$\theta$ (Landau gauge $A = (0, \int B\,dx)$): winds {n}$\times 2\pi$ around the "
                 "hole, $\\pm 2\\pi$ per (anti)vortex", fontsize=9)
    ax.set_xlabel(r"$x$ ($\mu$m)")
    ax.set_ylabel(r"$y$ ($\mu$m)")
    from .plotting import plot_current

    plot_current(sol, axes[1])
    for x, y, s in vort:
        axes[1].plot(x / um, y / um, "o" if s > 0 else "s", mfc="none", mec="c", ms=9)
    axes[1].set_title("supercurrent: circulating around the hole and each vortex", fontsize=9)
    out = _save(fig, outdir, "phase.png", echo, t0)
    return {"rows": rows, "solution": sol, "figure": out}


__all__ = ["vortex_lattice", "parabolas", "flux_quantization", "phase", "lattice_fourier_series"]
