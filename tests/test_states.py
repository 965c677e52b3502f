"""Fluxoid states, energies, inductances and field cooling against the exact hollow
cylinder (PHYSICS.md section 5).

The exact solution is rebuilt here from scipy.special (unscaled I0, K0) and its
energy integrated numerically, so fluxoid.analytic.HollowCylinder is itself checked
before it serves as the reference.
"""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import iv, kv

import fluxoid as fx
from fluxoid.analytic import HollowCylinder
from fluxoid.constants import MU0, PHI0
from fluxoid.errors import ParameterError

LAM = 0.2e-6
A, B = 1.0e-6, 1.5e-6


def exact_field(a, b, lam, Ba, n):
    """B(r) of the hollow cylinder from its definition (PHYSICS.md section 5), unscaled Bessels."""
    m = np.array([
        [iv(0, b / lam), kv(0, b / lam)],
        [np.pi * a * a * iv(0, a / lam) - 2 * np.pi * lam * a * iv(1, a / lam),
         np.pi * a * a * kv(0, a / lam) + 2 * np.pi * lam * a * kv(1, a / lam)],
    ])
    c1, c2 = np.linalg.solve(m, [Ba, n * PHI0])
    return (lambda r: c1 * iv(0, r / lam) + c2 * kv(0, r / lam),
            lambda r: (c1 * iv(1, r / lam) - c2 * kv(1, r / lam)) / lam)


def exact_energy(a, b, lam, Ba, n):
    """G = (1/2 mu0) [pi a^2 (B(a) - Ba)^2 + integral_a^b ((B - Ba)^2 + lam^2 B'^2) 2 pi r dr]."""
    f, df = exact_field(a, b, lam, Ba, n)
    wall = quad(lambda r: ((f(r) - Ba) ** 2 + lam**2 * df(r) ** 2) * 2 * np.pi * r, a, b,
                epsabs=0, epsrel=1e-13, limit=200)[0]
    return (np.pi * a * a * (f(a) - Ba) ** 2 + wall) / (2 * MU0)


@pytest.fixture(scope="module")
def geo16():
    return fx.meshes.hollow_cylinder(A, B, penetration_depth=LAM, spacing=LAM / 16)


# ----------------------------------------------------- the analytic module, independently

@pytest.mark.parametrize("a, b, lam", [(A, B, LAM), (1e-6, 1.05e-6, 0.3e-6), (0.5e-6, 2.5e-6, 0.1e-6)])
def test_analytic_hollow_cylinder_energy_by_quadrature(a, b, lam):
    ref = HollowCylinder(a, b, lam)
    for Ba, n in [(0.0, 1), (1e-3, 0), (0.7e-3, -2), (2e-3, 3)]:
        assert ref.energy(Ba, n) == pytest.approx(exact_energy(a, b, lam, Ba, n), rel=1e-9)
        f, df = exact_field(a, b, lam, Ba, n)
        # the fluxoid condition on the hole's edge, and the hole flux
        fluxoid = np.pi * a * a * f(a) - 2 * np.pi * lam**2 * a * df(a)
        assert fluxoid == pytest.approx(n * PHI0, abs=1e-9 * PHI0)
        assert ref.hole_flux(Ba, n) == pytest.approx(np.pi * a * a * f(a), rel=1e-10, abs=1e-12 * PHI0)
    # effective area and inductance from the curvature of the exact energies
    L = PHI0**2 / (exact_energy(a, b, lam, 0, 1) + exact_energy(a, b, lam, 0, -1))
    assert ref.inductance == pytest.approx(L, rel=1e-8)
    Ba = 1e-3
    aeff = -L * (exact_energy(a, b, lam, Ba, 1) - exact_energy(a, b, lam, Ba, -1)) / (2 * PHI0 * Ba)
    assert ref.effective_area == pytest.approx(aeff, rel=1e-8)
    # crossing: G_n = G_{n+1} there
    bc = ref.crossing_field(1)
    assert exact_energy(a, b, lam, bc, 1) == pytest.approx(exact_energy(a, b, lam, bc, 2), rel=1e-8)


def test_analytic_thin_wall_limits():
    a, d, lam = 1e-6, 2e-9, 0.1e-6
    b = a + d
    ref = HollowCylinder(a, b, lam)
    assert ref.effective_area == pytest.approx(np.pi * a * b, rel=1e-3)
    rm = 0.5 * (a + b)
    assert ref.inductance == pytest.approx(MU0 * np.pi * a * b + MU0 * lam**2 * 2 * np.pi * rm / d, rel=1e-3)


def test_analytic_thick_wall_hole_flux_is_K0_over_K2():
    a, b, lam = 1e-6, 3e-6, 0.1e-6
    ref = HollowCylinder(a, b, lam)
    assert ref.hole_flux(0.0, 1) == pytest.approx(PHI0 * kv(0, a / lam) / kv(2, a / lam), rel=1e-8)


# ------------------------------------------------------------------ the numerical states

def test_sweep_costs_one_solve_per_hole_plus_one(geo16, monkeypatch):
    import fluxoid.solvers.run as run

    calls = []
    real = run.solve_axial

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "solve_axial", counting)
    fields = np.linspace(-1e-3, 2e-3, 61)
    states = fx.fluxoid_states(geo16, fields, range(-2, 5))
    assert len(calls) == 2 == states.solves
    assert states.energy.shape == (61, 7)
    assert states.ground_state.shape == (61,)


def test_parabolas_effective_area_and_crossings_match_the_hollow_cylinder(geo16):
    ref = HollowCylinder(A, B, LAM)
    fields = np.linspace(-1e-3, 2e-3, 31)
    ns = range(-2, 4)
    states = fx.fluxoid_states(geo16, fields, ns)
    # exact parabolas in Ba: a quadratic fit leaves only round-off
    for j in range(len(ns)):
        c = np.polyfit(fields, states.energy[:, j], 2)
        fit = np.polyval(c, fields)
        assert np.max(np.abs(fit - states.energy[:, j])) < 1e-10 * np.max(np.abs(states.energy))
    # against the exact energies
    exact = np.array([[ref.energy(b, n) for n in ns] for b in fields])
    assert np.max(np.abs(states.energy - exact)) < 1e-4 * np.max(np.abs(exact))
    # A_eff, L and the crossing fields within 1e-4 at spacing lambda / 16
    assert states.effective_area[0] == pytest.approx(ref.effective_area, rel=1e-4)
    assert states.inductance[0, 0] == pytest.approx(ref.inductance, rel=1e-4)
    crossings = np.array([ref.crossing_field(n) for n in list(ns)[:-1]])
    np.testing.assert_allclose(states.crossing_fields, crossings, rtol=1e-4)
    # equally spaced by Phi0 / A_eff
    np.testing.assert_allclose(np.diff(states.crossing_fields), PHI0 / states.effective_area[0], rtol=1e-12)
    # the ground state changes exactly at the crossings
    for b, n in zip(fields, states.ground_state, strict=True):
        lo = -np.inf if n == min(ns) else crossings[n - min(ns) - 1]
        hi = np.inf if n == max(ns) else crossings[n - min(ns)]
        assert lo <= b <= hi
    # the hole flux of a state, from superposition
    assert states.hole_flux[10, 3] == pytest.approx(ref.hole_flux(fields[10], 1), rel=2e-4)


def test_superposed_state_equals_a_direct_solve(geo16):
    states = fx.fluxoid_states(geo16, [0.8e-3], range(0, 3))
    s = states.solution(0.8e-3, 2)
    direct = fx.solve(geo16, applied_field=0.8e-3, fluxoid=[2])
    assert s.energy == pytest.approx(direct.energy, rel=1e-8)
    assert states.energy[0, 2] == pytest.approx(direct.energy, rel=1e-8)
    assert s.fluxoid[0] == pytest.approx(2 * PHI0, rel=1e-8)


def test_two_separate_cylinders_have_a_diagonal_inductance_matrix():
    from fluxoid.meshes import Annulus, Geometry

    geo = Geometry.from_shapes([Annulus(0.5e-6, 0.8e-6, center=(-1e-6, 0)),
                                Annulus(0.4e-6, 0.6e-6, center=(1e-6, 0))],
                               penetration_depth=LAM, spacing=LAM / 10)
    import itertools

    states = fx.fluxoid_states(geo, [0.0, 1e-3], list(itertools.product(range(-1, 2), repeat=2)))
    assert states.solves == 3
    L = states.inductance
    for k, (a, b) in enumerate([(0.5e-6, 0.8e-6), (0.4e-6, 0.6e-6)]):
        ref = HollowCylinder(a, b, LAM)
        assert L[k, k] == pytest.approx(ref.inductance, rel=2e-3)
        assert states.effective_area[k] == pytest.approx(ref.effective_area, rel=2e-3)
    # the field is fixed outside: the holes do not couple
    assert abs(L[0, 1]) < 1e-9 * L[0, 0]
    assert states.ground_state.shape == (2, 2)


# -------------------------------------------------------------------------- field cooling

def test_field_cooling_thick_wall_traps_whole_flux_quanta():
    a, b, lam = 1.0e-6, 2.5e-6, 0.1e-6
    geo = fx.meshes.hollow_cylinder(a, b, penetration_depth=lam, spacing=lam / 4)
    ref = HollowCylinder(a, b, lam)
    step_field = PHI0 / ref.effective_area
    fields = np.linspace(-2.2, 3.2, 24) * step_field
    fc = fx.field_cooling(geo, fields)
    assert fc.solves == 2
    n_exact = np.floor(fields / step_field + 0.5).astype(int)
    assert fc.fluxoid.tolist() == n_exact.tolist()
    # flux inside a contour deep in the wall (hole + wall): n Phi0
    np.testing.assert_allclose(fc.total_flux, n_exact * PHI0, atol=1e-5 * PHI0)
    # the hole's own flux: n Phi0 K0(a/lam) / K2(a/lam)
    step = PHI0 * kv(0, a / lam) / kv(2, a / lam)
    assert fc.flux_step[0] == pytest.approx(step, rel=2e-3)
    np.testing.assert_allclose(fc.trapped_flux, n_exact * fc.flux_step[0], rtol=1e-9, atol=1e-12 * PHI0)


def test_field_cooling_thin_wall_quantizes_the_fluxoid_not_the_flux():
    a, b, lam = 1.0e-6, 1.1e-6, 0.2e-6
    geo = fx.meshes.hollow_cylinder(a, b, penetration_depth=lam, spacing=0.0125e-6)
    ref = HollowCylinder(a, b, lam)
    fields = np.linspace(-1.6, 2.6, 22) * PHI0 / ref.effective_area
    fc = fx.field_cooling(geo, fields)
    n = fc.fluxoid
    assert np.all(np.diff(n) >= 0) and set(np.diff(n)) <= {0, 1}
    # jumps only between the analytic crossing fields
    for bc, k in zip(fields, n, strict=True):
        assert ref.crossing_field(k - 1) <= bc <= ref.crossing_field(k)
    # the flux step is well below Phi0 and matches the exact hole flux of n = 1 at Ba = 0
    assert fc.flux_step[0] == pytest.approx(ref.hole_flux(0.0, 1), rel=2e-3)
    assert fc.flux_step[0] < 0.75 * PHI0
    np.testing.assert_allclose(fc.trapped_flux, n * ref.hole_flux(0.0, 1), rtol=2e-3, atol=1e-12 * PHI0)


def test_states_bad_input():
    geo = fx.meshes.hollow_cylinder(A, B, penetration_depth=LAM, spacing=LAM / 4)
    with pytest.raises(ParameterError, match="n_range"):
        fx.fluxoid_states(geo, [0.0], [])
    with pytest.raises(ParameterError, match="applied_fields"):
        fx.fluxoid_states(geo, [np.nan], range(2))
    solid = fx.meshes.cylinder(B, penetration_depth=LAM, spacing=LAM / 4)
    with pytest.raises(ParameterError, match="no hole"):
        fx.fluxoid_states(solid, [0.0], range(2))
    with pytest.raises(ParameterError, match="no hole"):
        fx.field_cooling(solid, [0.0])
