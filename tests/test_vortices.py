"""Vortices in the axial problem against the London results of PHYSICS.md section 6.

Reference values are computed here from scipy.special (K0, K1, I_m) and the
Fourier series of the lattice, independently of the solver.
"""

import numpy as np
import pytest
from scipy.special import iv, kv

import fluxoid as fx
from fluxoid.constants import MU0, PHI0
from fluxoid.errors import MaterialError, ParameterError

LAM = 0.2e-6


def disk_green(r1, r2, R, lam, mmax=60):
    """K0(|r1 - r2| / lam) minus its image in a disk of radius R held at B = 0 (exact):
    sum_m eps_m cos(m dphi) K_m(R/lam) I_m(r1/lam) I_m(r2/lam) / I_m(R/lam)."""
    (x1, y1), (x2, y2) = r1, r2
    d = np.hypot(x1 - x2, y1 - y2)
    a1, a2 = np.hypot(x1, y1), np.hypot(x2, y2)
    dphi = np.arctan2(y1, x1) - np.arctan2(y2, x2)
    img = 0.0
    for m in range(mmax):
        eps = 1.0 if m == 0 else 2.0
        img += eps * np.cos(m * dphi) * kv(m, R / lam) * iv(m, a1 / lam) * iv(m, a2 / lam) / iv(m, R / lam)
    return kv(0, d / lam) - img


def lattice_series(geo, lam, xi):
    """B(r) = n_V Phi0 sum_G exp(i G.(r - r_1)) exp(-xi^2 G^2 / 2) / (1 + lam^2 G^2) on the grid
    (G of the cell's reciprocal lattice; for the centred cell only m + n even survive)."""
    Lx, Ly = geo.lattice["cell"]
    nv = geo.lattice["vortex_density"]
    x0, y0, _ = geo.vortices[0]
    X, Y = geo.grid.meshgrid()
    M = int(12 * max(Lx, Ly) / (2 * np.pi * xi)) + 4
    m = np.arange(-M, M + 1)
    mx, my = np.meshgrid(m, m, indexing="ij")
    keep = ((mx + my) % 2 == 0) if geo.lattice["kind"] == "triangular" else np.ones_like(mx, bool)
    Gx, Gy = 2 * np.pi * mx / Lx, 2 * np.pi * my / Ly
    G2 = Gx**2 + Gy**2
    f = np.where(keep, np.exp(-0.5 * xi**2 * G2) / (1 + lam**2 * G2), 0.0)
    sel = f > 1e-14 * f.max()
    ph = np.exp(1j * (np.outer((X - x0).ravel(), Gx[sel]) + np.outer((Y - y0).ravel(), Gy[sel])))
    return (nv * PHI0 * (ph @ f[sel]).real).reshape(X.shape)


# -------------------------------------------------------------------------- lattices

@pytest.mark.parametrize("lattice, xi, B", [("triangular", 0.05e-6, 20e-3), ("square", 0.02e-6, 0.1),
                                            ("triangular", 0.02e-6, 0.1)])
def test_lattice_mean_field_and_fourier_series(lattice, xi, B):
    geo = fx.meshes.vortex_lattice(LAM, xi, mean_field=B, lattice=lattice, spacing=xi / 2)
    assert geo.grid.periodic == (True, True) and geo.superconductor.all()
    assert len(geo.vortices) == (2 if lattice == "triangular" else 1)
    sol = fx.solve(geo)  # the lattice's vortices are the default
    assert len(sol.vortices) == len(geo.vortices)
    # mean field = n_V Phi0 to round-off
    nv = len(geo.vortices) / (geo.lattice["cell"][0] * geo.lattice["cell"][1])
    assert sol.mean_field == pytest.approx(nv * PHI0, rel=1e-12)
    assert sol.mean_field == pytest.approx(B, rel=1e-12)
    # B(r) against the Fourier series with the Gaussian core cutoff, within 0.5 %
    ref = lattice_series(geo, LAM, xi)
    err = np.max(np.abs(sol.B - ref)) / np.max(ref)
    assert err < 5e-3, err
    # the field peaks at the vortices
    for x, y, _ in geo.vortices:
        assert sol.field_at(x, y) > 0.99 * sol.B.max()


def test_lattice_geometry_is_close_to_triangular():
    geo = fx.meshes.vortex_lattice(LAM, 0.02e-6, mean_field=0.05, spacing=0.01e-6)
    Lx, Ly = geo.lattice["cell"]
    assert Ly / Lx == pytest.approx(np.sqrt(3), rel=1e-2)
    assert geo.grid.spacing <= 0.01e-6 * (1 + 1e-12)
    a = geo.lattice["lattice_constant"]
    assert 2 / (np.sqrt(3) * a**2) * PHI0 == pytest.approx(0.05, rel=1e-12)
    # set by the density instead of the field
    g2 = fx.meshes.vortex_lattice(LAM, 0.02e-6, vortex_density=0.05 / PHI0, spacing=0.01e-6)
    assert g2.lattice["cell"] == geo.lattice["cell"]


# ------------------------------------------------------------------ isolated vortex

@pytest.mark.parametrize("xi", [None, 0.025e-6])
def test_isolated_vortex_in_a_large_disk_is_K0(xi):
    R = 5 * LAM
    geo = fx.meshes.cylinder(R, penetration_depth=LAM, spacing=LAM / 10, coherence_length=xi)
    sol = fx.solve(geo, vortices=[(0.0, 0.0)])
    # outside a Gaussian core the field is exp(xi^2 / 2 lam^2) times the point-core field
    core = 1.0 if xi is None else np.exp(0.5 * (xi / LAM) ** 2)
    r = np.linspace(0.5 * LAM, 3 * LAM, 11)
    ang = np.linspace(0, 2 * np.pi, 7)[:-1] + 0.3
    x, y = np.outer(r, np.cos(ang)), np.outer(r, np.sin(ang))
    num = sol.field_at(x, y)
    bulk = PHI0 / (2 * np.pi * LAM**2) * kv(0, r / LAM)[:, None] * core
    green = np.vectorize(lambda xx, yy: disk_green((xx, yy), (0.0, 0.0), R, LAM))
    exact = PHI0 / (2 * np.pi * LAM**2) * core * green(x, y)
    assert np.max(np.abs(num - exact) / exact) < 1e-2
    # the disk's image is small: bare K0 is close too
    assert np.max(np.abs(num - bulk) / bulk) < 2e-2
    # one flux quantum, less what the disk edge lets out (exact: 1 - core / I0(R/lam))
    assert sol.total_flux / PHI0 == pytest.approx(1 - core / iv(0, R / LAM), rel=1e-3)


def test_antivortex_is_the_mirror_image():
    geo = fx.meshes.cylinder(3 * LAM, penetration_depth=LAM, spacing=LAM / 6)
    p = fx.solve(geo, vortices=[(0.1 * LAM, 0.0)])
    m = fx.solve(geo, vortices=[(0.1 * LAM, 0.0, -1)])
    np.testing.assert_allclose(m.B, -p.B, atol=1e-12 * np.abs(p.B).max())


# --------------------------------------------------------------- interaction and force

def test_interaction_energy_and_force_of_two_vortices():
    R = 6 * LAM
    geo = fx.meshes.cylinder(R, penetration_depth=LAM, spacing=LAM / 10)
    e0 = PHI0**2 / (2 * np.pi * MU0 * LAM**2)
    ds = np.array([0.8, 1.0, 1.2, 1.5, 2.0]) * LAM
    e_int, force = [], []
    for d in ds:
        v1, v2 = (-d / 2, 0.0), (d / 2, 0.0)
        s1 = fx.solve(geo, vortices=[v1])
        s2 = fx.solve(geo, vortices=[v2])
        s12 = fx.solve(geo, vortices=[v1, v2])
        e_int.append(s12.energy - s1.energy - s2.energy)
        # Lorentz force per length on vortex 2 from the currents of vortex 1: Phi0 J1 x z
        force.append(s1.lorentz_force(*v2))
        exact = e0 * disk_green(v1, v2, R, LAM)
        assert e_int[-1] == pytest.approx(exact, rel=1e-2)
        assert e_int[-1] == pytest.approx(e0 * kv(0, d / LAM), rel=1.5e-2)
    force = np.array(force)
    # repulsive, along the line of centres, |f| = (Phi0^2 / 2 pi mu0 lam^3) K1(d / lam)
    assert np.all(force[:, 0] > 0)
    assert np.all(np.abs(force[:, 1]) < 1e-3 * force[:, 0])
    np.testing.assert_allclose(force[:, 0], e0 / LAM * kv(1, ds / LAM), rtol=2e-2)
    # and the force is minus the derivative of the measured interaction energy
    def e_of(d):
        v1, v2 = (-d / 2, 0.0), (d / 2, 0.0)
        return (fx.solve(geo, vortices=[v1, v2]).energy - fx.solve(geo, vortices=[v1]).energy
                - fx.solve(geo, vortices=[v2]).energy)

    for k in (1, 3):
        step = 0.1 * LAM
        slope = -(e_of(ds[k] + step) - e_of(ds[k] - step)) / (2 * step)
        assert force[k, 0] == pytest.approx(slope, rel=2e-2)
    # vortex_forces removes each vortex's own field by superposition
    s12 = fx.solve(geo, vortices=[(-ds[1] / 2, 0.0), (ds[1] / 2, 0.0)])
    f = s12.vortex_forces()
    assert f[1, 0] == pytest.approx(force[1, 0], rel=1e-6)
    assert f[0, 0] == pytest.approx(-force[1, 0], rel=2e-2)


def test_point_core_and_hole_core_agree_for_small_xi():
    xi = LAM / 10
    geo = fx.meshes.cylinder(3 * LAM, penetration_depth=LAM, spacing=xi / 3, coherence_length=xi)
    src = fx.solve(geo, vortices=[(0.0, 0.0)])
    hole = fx.solve(geo, vortices=[(0.0, 0.0)], vortex_core="hole")
    assert len(hole.geometry.holes) == 1 and hole.core_holes == (0,)
    assert hole.fluxoid_numbers.tolist() == [1]
    assert hole.fluxoid[0] == pytest.approx(PHI0, rel=1e-8)
    r = np.linspace(3 * xi, 2 * LAM, 9)
    b_src, b_hole = src.field_at(r, 0 * r), hole.field_at(r, 0 * r)
    assert np.max(np.abs(b_hole - b_src) / b_src) < 1.5e-2
    # each against its own exact form: a hole of radius xi holding fluxoid Phi0 has
    # B = Phi0 K0(r/lam) / (pi xi^2 K0(xi/lam) + 2 pi lam xi K1(xi/lam)) outside it
    # (its disk image at R = 3 lam included, the image's effect on the tiny core neglected)
    green = np.array([disk_green((x, 0.0), (0.0, 0.0), 3 * LAM, LAM) for x in r])
    c_hole = PHI0 / (np.pi * xi**2 * kv(0, xi / LAM) + 2 * np.pi * LAM * xi * kv(1, xi / LAM))
    assert np.max(np.abs(b_hole - c_hole * green) / (c_hole * green)) < 5e-3
    c_src = PHI0 / (2 * np.pi * LAM**2) * np.exp(0.5 * (xi / LAM) ** 2)
    assert np.max(np.abs(b_src - c_src * green) / (c_src * green)) < 5e-3


def test_fluxoid_of_a_hole_stays_exact_with_vortices_near_it():
    a, b = 1e-6, 1.5e-6
    h = LAM / 8
    geo = fx.meshes.hollow_cylinder(a, b, penetration_depth=LAM, spacing=h, coherence_length=0.03e-6)
    vort = [(a + 2.5 * h, 0.0), (0.0, -(a + 3 * h), -1), (0.0, 1.4e-6)]
    for n in (0, 2):
        sol = fx.solve(geo, applied_field=0.4e-3, fluxoid=[n], vortices=vort)
        assert sol.fluxoid[0] == pytest.approx(n * PHI0, abs=1e-9 * PHI0)
    # a point-core vortex in the cell next to the hole
    geo0 = fx.meshes.hollow_cylinder(a, b, penetration_depth=LAM, spacing=h)
    sol = fx.solve(geo0, fluxoid=[1], vortices=[(a + 0.6 * h, 0.0)])
    assert sol.fluxoid[0] == pytest.approx(PHI0, abs=1e-9 * PHI0)


# ------------------------------------------------------------------------ materials

def test_geometry_from_a_material_and_temperature_reports_depairing():
    nb = fx.materials.get("Nb")
    T = 4.2
    base = fx.meshes.hollow_cylinder(0.3e-6, 0.5e-6, penetration_depth=LAM, spacing=0.01e-6)
    geo = fx.meshes.with_material(base, "Nb", T)
    assert geo.material is nb and geo.temperature == T
    lam_t = nb.penetration_depth(T)
    assert np.nanmax(geo.penetration_depth) == pytest.approx(lam_t)
    assert geo.coherence_length == pytest.approx(nb.effective_coherence_length(T))
    assert fx.meshes.material_scales("Nb", T)["penetration_depth"] == pytest.approx(lam_t)
    Ba = 20e-3
    sol = fx.solve(geo, applied_field=Ba, fluxoid=[0])
    jd = nb.depairing_current_density(T)
    assert sol.max_current_ratio == pytest.approx(sol.max_current_density / jd, rel=1e-12)
    # against the exact hollow cylinder: the peak current is at the outer surface
    from fluxoid.analytic import HollowCylinder

    ref = HollowCylinder(0.3e-6, 0.5e-6, lam_t)
    r = np.linspace(0.3e-6, 0.5e-6, 4001)
    jmax = np.max(np.abs(np.gradient(ref.field(r, Ba, 0), r))) / MU0
    assert sol.max_current_ratio == pytest.approx(jmax / jd, rel=2e-2)
    assert sol.summary()["max_current_over_depairing"] == pytest.approx(sol.max_current_ratio)
    # above the depairing current the London solution is flagged, and plot can mark the cells
    strong = fx.solve(geo, applied_field=Ba * 1.5 / sol.max_current_ratio)
    assert strong.max_current_ratio > 1 and strong.london_valid is False
    assert (strong.depairing_ratio > 1).any()
    fig = strong.plot(mark_depairing=True)
    assert fig is not None
    # without a coherence length there is no J_d: NaN, not a guess
    plain = fx.solve(base, applied_field=Ba)
    assert np.isnan(plain.max_current_ratio) and plain.london_valid is None


def test_vortex_core_from_the_material():
    geo = fx.meshes.with_material(
        fx.meshes.cylinder(0.4e-6, penetration_depth=LAM, spacing=0.01e-6), "Nb", 4.2)
    sol = fx.solve(geo, vortices=[(0.0, 0.0)])
    xi = geo.coherence_length
    # a Gaussian core of width xi: the sources spread over several cells
    assert len(sol._sources) > 9
    assert sum(w for *_, w, _ in sol._sources) == pytest.approx(1.0, rel=1e-12)
    assert xi > sol.geometry.spacing


# ------------------------------------------------------------------------ bad input

def test_bad_vortex_input_names_the_problem():
    geo = fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=LAM, spacing=LAM / 4)
    with pytest.raises(ParameterError, match="hole 0"):
        fx.solve(geo, fluxoid=[0], vortices=[(0.0, 0.0)])
    with pytest.raises(ParameterError, match="outside the superconductor"):
        fx.solve(geo, fluxoid=[0], vortices=[(1.55e-6, 0.0)])
    with pytest.raises(ParameterError, match="outside the grid"):
        fx.solve(geo, fluxoid=[0], vortices=[(9e-6, 0.0)])
    with pytest.raises(ParameterError, match="sign"):
        fx.solve(geo, fluxoid=[0], vortices=[(1.25e-6, 0.0, 2)])
    with pytest.raises(ParameterError, match="vortex"):
        fx.solve(geo, fluxoid=[0], vortices=[("a", 0.0)])
    with pytest.raises(ParameterError, match="vortex_core"):
        fx.solve(geo, fluxoid=[0], vortices=[(1.25e-6, 0.0)], vortex_core="disk")
    with pytest.raises(ParameterError, match="coherence_length"):
        fx.solve(geo, fluxoid=[0], vortices=[(1.25e-6, 0.0)], vortex_core="hole")


@pytest.mark.parametrize("xi", [0.0, -1e-9, float("nan")])
def test_coherence_length_must_be_positive(xi):
    with pytest.raises(ParameterError, match="coherence_length"):
        fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=LAM / 4, coherence_length=xi)
    with pytest.raises(ParameterError, match="coherence_length"):
        fx.meshes.vortex_lattice(LAM, xi, mean_field=0.01, spacing=0.01e-6)


def test_lattice_that_does_not_fit_its_cell():
    with pytest.raises(ParameterError, match="does not fit"):
        fx.meshes.vortex_lattice(LAM, 0.02e-6, mean_field=0.1, spacing=0.05e-6)
    with pytest.raises(ParameterError, match="B_c2"):
        fx.meshes.vortex_lattice(LAM, 0.05e-6, mean_field=0.3, spacing=0.01e-6)
    with pytest.raises(ParameterError, match="lattice"):
        fx.meshes.vortex_lattice(LAM, 0.02e-6, mean_field=0.1, spacing=0.01e-6, lattice="hexagonal")
    with pytest.raises(ParameterError, match="mean_field"):
        fx.meshes.vortex_lattice(LAM, 0.02e-6, mean_field=-0.1, spacing=0.01e-6)
    with pytest.raises(ParameterError, match="exactly one"):
        fx.meshes.vortex_lattice(LAM, 0.02e-6, spacing=0.01e-6)


def test_unknown_material_is_a_clear_error():
    geo = fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=LAM / 4)
    with pytest.raises(MaterialError, match="Unobtainium"):
        fx.meshes.with_material(geo, "Unobtainium", 4.2)
    with pytest.raises(ParameterError, match="temperature"):
        fx.meshes.with_material(geo, "Nb", 12.0)
