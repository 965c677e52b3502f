"""Tests of fluxoid.materials: the physics each derived quantity must obey."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from fluxoid import materials
from fluxoid.constants import E_CHARGE, HBAR, K_B, M_E, MU0, PHI0
from fluxoid.errors import MaterialError, ParameterError

BUILT_IN = ["Nb", "Pb", "Sn", "Al", "In", "NbN", "NbTiN", "MgB2", "YBCO"]


@pytest.fixture
def private_registry(monkeypatch):
    """Let a test register materials without changing the registry other tests see."""
    monkeypatch.setattr(materials, "_REGISTRY", dict(materials._REGISTRY))
    monkeypatch.setattr(materials, "_ALIASES", dict(materials._ALIASES))


def toy(**kwargs) -> materials.Material:
    values = {"name": "Toy", "critical_temperature": 5.0, "london_penetration_depth": 50e-9}
    values.update(kwargs)
    return materials.Material(**values)


# ------------------------------------------------------------------ registry


def test_all_built_in_materials_are_registered_with_sources():
    assert materials.names() == BUILT_IN
    for name in BUILT_IN:
        material = materials.get(name)
        assert material.name == name
        assert len(material.source) > 40  # each value is traced to a reference


@pytest.mark.parametrize("spelling", ["nb", "NB", "Nb", " nb "])
def test_names_are_case_insensitive(spelling):
    assert materials.get(spelling) is materials.get("Nb")


def test_ybco_by_key_and_formula():
    assert materials.get("ybco") is materials.get("YBCO") is materials.get("yba2cu3o7")


def test_unknown_material_lists_the_known_names():
    with pytest.raises(MaterialError) as info:
        materials.get("unobtainium")
    message = str(info.value)
    assert "unobtainium" in message
    for name in BUILT_IN:
        assert name in message
    assert isinstance(info.value, KeyError)  # what a dict user would catch


def test_get_passes_a_material_through_and_rejects_non_strings():
    nb = materials.get("Nb")
    assert materials.get(nb) is nb
    with pytest.raises(ParameterError):
        materials.get(42)


def test_register_adds_a_material_and_refuses_silent_replacement(private_registry):
    mine = toy(name="MyFilm")
    materials.register(mine, aliases=["film-A"])
    assert materials.get("myfilm") is mine
    assert materials.get("FILM-a") is mine
    assert "MyFilm" in materials.names()
    with pytest.raises(ParameterError, match="already registered"):
        materials.register(toy(name="myfilm"))
    other = toy(name="MyFilm", critical_temperature=6.0)
    materials.register(other, overwrite=True)
    assert materials.get("MyFilm") is other
    with pytest.raises(ParameterError):
        materials.register("Nb")


def test_register_does_not_leak_out_of_the_fixture():
    assert "MyFilm" not in materials.names()


# --------------------------------------------------------- construction checks


def test_default_gap_is_the_bcs_value():
    # Delta(0) = 1.764 k_B Tc (BCS weak coupling; PHYSICS.md section 6)
    assert materials.BCS_GAP_RATIO == pytest.approx(1.764, abs=5e-4)
    material = toy()
    assert material.gap == pytest.approx(1.764 * K_B * 5.0, rel=1e-4)
    assert materials.get("NbTiN").gap == pytest.approx(1.764 * K_B * 14.0, rel=1e-4)


def test_tabulated_gaps_are_kittel_values():
    # Eg = 2 Delta(0) (meV): Nb 3.05, Pb 2.73, Al 0.34 (Kittel, ch. 10)
    for name, eg_mev in [("Nb", 3.05), ("Pb", 2.73), ("Sn", 1.15), ("Al", 0.34), ("In", 1.05)]:
        assert 2 * materials.get(name).gap / (1e-3 * E_CHARGE) == pytest.approx(eg_mev)
    # Pb is a strong-coupling superconductor: 2 Delta / k_B Tc well above BCS 3.53
    pb = materials.get("Pb")
    assert 2 * pb.gap / (K_B * pb.critical_temperature) == pytest.approx(4.4, abs=0.05)


def test_critical_temperatures_are_the_standard_ones():
    expected = {"Nb": 9.25, "Pb": 7.196, "Sn": 3.722, "Al": 1.175, "In": 3.408, "MgB2": 39.0}
    for name, tc in expected.items():
        assert materials.get(name).critical_temperature == tc


@pytest.mark.parametrize(
    "field, value",
    [
        ("critical_temperature", 0.0),
        ("critical_temperature", -1.0),
        ("london_penetration_depth", float("nan")),
        ("coherence_length", -3e-9),
        ("gap", float("inf")),
        ("fermi_velocity", "fast"),
    ],
)
def test_bad_values_raise_parameter_error_naming_the_field(field, value):
    with pytest.raises(ParameterError, match=field):
        toy(**{field: value})


def test_materials_are_immutable():
    with pytest.raises(AttributeError):
        materials.get("Nb").critical_temperature = 10.0


# ------------------------------------------------------------------ temperature


def test_two_fluid_penetration_depth_at_half_tc():
    nb = materials.get("Nb")
    lam0 = nb.london_penetration_depth
    assert nb.penetration_depth(0.0) == lam0
    expected = lam0 / math.sqrt(1.0 - 1.0 / 16.0)
    assert nb.penetration_depth(nb.critical_temperature / 2) == pytest.approx(expected, rel=1e-12)


def test_penetration_depth_diverges_as_inverse_square_root_near_tc():
    # 1 - t^4 -> 4 (1 - t): lambda -> lambda(0) / (2 sqrt(1 - t))
    sn = materials.get("Sn")
    one_minus_t = 1e-6
    lam = sn.penetration_depth(sn.critical_temperature * (1 - one_minus_t))
    expected = sn.london_penetration_depth / (2 * math.sqrt(one_minus_t))
    assert lam == pytest.approx(expected, rel=1e-5)


def test_penetration_depth_accepts_arrays():
    nb = materials.get("Nb")
    temps = np.linspace(0.0, 9.0, 7)
    lam = nb.penetration_depth(temps)
    assert isinstance(lam, np.ndarray) and lam.shape == temps.shape
    assert np.all(np.diff(lam) > 0)
    assert lam[3] == pytest.approx(nb.penetration_depth(temps[3]))
    assert isinstance(nb.penetration_depth(4.2), float)


@pytest.mark.parametrize("temperature", [9.25, 10.0, -0.1, float("nan"), [1.0, 9.3]])
@pytest.mark.parametrize(
    "method",
    [
        "penetration_depth",
        "london_coefficient",
        "superelectron_density",
        "energy_gap",
        "effective_coherence_length",
        "kappa",
        "depairing_current_density",
    ],
)
def test_temperature_outside_the_superconducting_range_is_refused(method, temperature):
    nb = materials.get("Nb")
    with pytest.raises(ParameterError, match="temperature"):
        getattr(nb, method)(temperature)


def test_energy_gap_falls_from_delta0_to_zero_at_tc():
    al = materials.get("Al")
    assert al.energy_gap(0.0) == al.gap
    t = np.array([0.1, 0.5, 0.9, 0.999]) * al.critical_temperature
    gap = al.energy_gap(t)
    assert np.all(np.diff(gap) < 0)
    assert gap[0] == pytest.approx(al.gap, rel=1e-6)  # flat at low T (BCS)
    assert gap[-1] < 0.1 * al.gap


# ------------------------------------------------------------- London quantities


def test_london_coefficient_is_mu0_lambda_squared_and_m_over_n_q2():
    pb = materials.get("Pb")
    for temperature in (0.0, 3.0, 7.0):
        lam = pb.penetration_depth(temperature)
        coefficient = pb.london_coefficient(temperature)
        assert coefficient == pytest.approx(MU0 * lam**2, rel=1e-12)
        # Lambda = m* / (n* q*^2) with m* = 2 m_e, q* = 2e (PHYSICS.md section 2)
        n_star = pb.superelectron_density(temperature)
        assert coefficient == pytest.approx(2 * M_E / (n_star * (2 * E_CHARGE) ** 2), rel=1e-12)


def test_superelectron_density_of_niobium_is_of_order_1e28():
    n_star = materials.get("Nb").superelectron_density()
    assert 10**27.5 < n_star < 10**28.5
    # explicit value for lambda = 39 nm: 2 m_e / (mu0 lambda^2 (2e)^2) = 9.3e27 m^-3
    assert n_star == pytest.approx(9.28e27, rel=2e-3)


def test_superelectron_density_follows_the_two_fluid_fraction():
    nb = materials.get("Nb")
    t = 0.7
    ratio = nb.superelectron_density(t * nb.critical_temperature) / nb.superelectron_density()
    assert ratio == pytest.approx(1 - t**4, rel=1e-12)


# -------------------------------------------------------- coherence and type


def test_bcs_coherence_length_round_trips_through_the_fermi_velocity():
    gap = 1.5e-3 * E_CHARGE
    v_f = 3.0e5
    from_velocity = toy(fermi_velocity=v_f, gap=gap)
    xi0 = HBAR * v_f / (math.pi * gap)  # BCS: xi0 = hbar v_F / (pi Delta(0))
    assert from_velocity.coherence_length == pytest.approx(xi0, rel=1e-12)
    assert from_velocity.bcs_coherence_length == pytest.approx(xi0, rel=1e-12)
    from_length = toy(coherence_length=xi0, gap=gap)
    assert from_length.fermi_velocity == pytest.approx(v_f, rel=1e-12)
    assert from_length.bcs_coherence_length == pytest.approx(xi0, rel=1e-12)


def test_niobium_fermi_velocity_from_its_coherence_length():
    nb = materials.get("Nb")
    assert nb.bcs_coherence_length == pytest.approx(38e-9, rel=1e-12)
    # v_F = pi Delta xi0 / hbar = 2.8e5 m/s, the renormalized (not free-electron) value
    assert nb.fermi_velocity == pytest.approx(2.77e5, rel=5e-3)


def test_missing_coherence_data_raises_material_error():
    bare = toy()
    with pytest.raises(MaterialError, match="fermi_velocity"):
        _ = bare.bcs_coherence_length
    with pytest.raises(MaterialError, match="coherence_length"):
        bare.kappa()
    with pytest.raises(MaterialError, match="fermi_velocity"):
        materials.get("NbN").depairing_current_density(model="estimate")


def test_mean_free_path_is_fermi_velocity_times_scattering_time():
    material = toy(fermi_velocity=1.0e6, scattering_time=2.0e-14)
    assert material.mean_free_path == pytest.approx(2.0e-8, rel=1e-12)
    material = toy(fermi_velocity=1.0e6, mean_free_path=5.0e-9)
    assert material.scattering_time == pytest.approx(5.0e-15, rel=1e-12)
    with pytest.raises(ParameterError, match="mean_free_path"):
        toy(fermi_velocity=1.0e6, scattering_time=2.0e-14, mean_free_path=1e-9)


def test_pippard_coherence_length_with_scattering():
    # 1/xi = 1/xi0 + 1/l: clean gives xi0, dirty approaches l
    clean = toy(coherence_length=100e-9)
    dirty = toy(coherence_length=100e-9, fermi_velocity=clean.fermi_velocity, mean_free_path=5e-9)
    assert clean.effective_coherence_length() == pytest.approx(100e-9)
    assert dirty.effective_coherence_length() == pytest.approx(1 / (1 / 100e-9 + 1 / 5e-9))
    assert dirty.kappa() > clean.kappa()


def test_kappa_is_temperature_independent_and_lambda_over_xi():
    for name in BUILT_IN:
        material = materials.get(name)
        tc = material.critical_temperature
        kappa0 = material.kappa()
        lam = material.penetration_depth(0.0)
        assert kappa0 == pytest.approx(lam / material.effective_coherence_length(0.0))
        kappas = material.kappa(np.array([0.1, 0.5, 0.9, 0.99]) * tc)
        np.testing.assert_allclose(kappas, kappa0, rtol=1e-12)


@pytest.mark.parametrize("name", ["Al", "Sn", "Pb", "In"])
def test_elemental_soft_superconductors_are_type_one(name):
    material = materials.get(name)
    assert material.kappa() < 1 / math.sqrt(2)
    assert material.type == "I"


@pytest.mark.parametrize("name", ["Nb", "NbN", "NbTiN", "MgB2", "YBCO"])
def test_niobium_compounds_and_cuprates_are_type_two(name):
    material = materials.get(name)
    assert material.kappa() > 1 / math.sqrt(2)
    assert material.type == "II"


def test_kappa_magnitudes():
    # Nb is close to the boundary (kappa about 1); YBCO is extreme type II (about 100)
    assert 0.75 < materials.get("Nb").kappa() < 1.5
    assert materials.get("YBCO").kappa() > 50
    assert materials.get("Al").kappa() < 0.05


# ---------------------------------------------------------- depairing current


def gl_critical_field(lam: float, xi: float) -> float:
    """Thermodynamic critical field H_c = Phi0 / (2 sqrt(2) pi mu0 lambda xi) (A/m)."""
    return PHI0 / (2 * math.sqrt(2) * math.pi * MU0 * lam * xi)


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("t", [0.0, 0.5, 0.95])
def test_gl_depairing_current_equals_the_critical_field_route(name, t):
    # GL: J_d = (2/3)^(3/2) H_c / lambda, with H_c = Phi0 / (2 sqrt2 pi mu0 lambda xi).
    # (The prefactor is 2 sqrt2 / (3 sqrt3) = (2/3)^(3/2), not 2 / (3 sqrt3): with
    # this H_c, J_d = Phi0 / (3 sqrt3 pi mu0 lambda^2 xi) needs the sqrt 2.)
    material = materials.get(name)
    temperature = t * material.critical_temperature
    lam = material.penetration_depth(temperature)
    xi = material.effective_coherence_length(temperature)
    via_field = (2 / 3) ** 1.5 * gl_critical_field(lam, xi) / lam
    assert material.depairing_current_density(temperature) == pytest.approx(via_field, rel=1e-12)


@pytest.mark.parametrize("name", ["Nb", "NbN", "YBCO"])
def test_gl_depairing_current_is_the_maximum_of_the_gl_current(name):
    # Independent route: in a uniform GL state with phase gradient k,
    # |psi|^2 = n*(1 - xi^2 k^2) and J = |q*| |psi|^2 hbar k / m*; J_d is its maximum.
    material = materials.get(name)
    temperature = 0.3 * material.critical_temperature
    n_star = material.superelectron_density(temperature)
    xi = material.effective_coherence_length(temperature)
    q, m = 2 * E_CHARGE, 2 * M_E

    def minus_current(kxi: float) -> float:
        return -q * n_star * (1 - kxi**2) * HBAR * (kxi / xi) / m

    best = minimize_scalar(
        minus_current, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10}
    )
    assert best.x == pytest.approx(1 / math.sqrt(3), rel=1e-6)
    assert material.depairing_current_density(temperature) == pytest.approx(-best.fun, rel=1e-9)


def test_gl_depairing_current_vanishes_as_three_halves_power_at_tc():
    nb = materials.get("Nb")
    one_minus_t = np.logspace(-5, -3, 5)
    j_d = nb.depairing_current_density(nb.critical_temperature * (1 - one_minus_t))
    slope = np.polyfit(np.log(one_minus_t), np.log(j_d), 1)[0]
    assert slope == pytest.approx(1.5, abs=1e-3)


def test_estimate_and_gl_differ_by_a_fixed_factor_in_a_clean_material():
    # n*|q*| Delta/(m* v_F) = Phi0 / (2 pi^2 mu0 lambda^2 xi0) when xi0 = hbar v_F/(pi Delta),
    # so GL / estimate = 2 pi / (3 sqrt 3) at T = 0.
    for name in ["Nb", "Pb", "Sn", "Al", "In"]:
        material = materials.get(name)
        ratio = material.depairing_current_density(0.0) / material.depairing_current_density(
            0.0, model="estimate"
        )
        assert ratio == pytest.approx(2 * math.pi / (3 * math.sqrt(3)), rel=1e-12)


def test_depairing_current_of_niobium_is_about_2e12():
    # J_d of clean Nb is of order 10^8 A/cm^2 = 10^12 A/m^2
    j_d = materials.get("Nb").depairing_current_density()
    assert 1e12 < j_d < 3e12


def test_estimate_uses_the_explicit_formula():
    yb = materials.get("YBCO")
    expected = yb.superelectron_density() * 2 * E_CHARGE * yb.gap / (2 * M_E * yb.fermi_velocity)
    assert yb.depairing_current_density(model="estimate") == pytest.approx(expected, rel=1e-12)


def test_unknown_depairing_model_is_refused():
    with pytest.raises(ParameterError, match="model"):
        materials.get("Nb").depairing_current_density(model="bcs")
