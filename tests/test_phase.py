"""The phase of the macroscopic wavefunction: windings around holes and vortices.

grad theta = (2 pi / Phi0)(A + Lambda J) (PHYSICS.md section 2); around a hole the
phase winds by 2 pi n (section 4), around a vortex by 2 pi (section 6).
"""

import numpy as np
import pytest

import fluxoid as fx
from fluxoid.constants import MU0, PHI0
from fluxoid.errors import ParameterError

LAM = 0.2e-6
A, B = 1.0e-6, 1.5e-6


@pytest.fixture(scope="module")
def cylinder_with_vortices():
    geo = fx.meshes.hollow_cylinder(A, B, penetration_depth=LAM, spacing=LAM / 8,
                                    coherence_length=0.03e-6)
    vort = [(1.25e-6, 0.0), (0.0, -1.25e-6, -1), (-0.9e-6, 0.9e-6)]
    return fx.solve(geo, applied_field=0.2e-3, fluxoid=[2], vortices=vort)


def wrapped_winding_on_circle(sol, x0, y0, r, npts=720):
    """(1/2 pi) sum of wrapped differences of sol.phase sampled on a circle (nearest cell)."""
    t = np.linspace(0, 2 * np.pi, npts, endpoint=False)
    g = sol.geometry.grid
    i = np.clip(np.round((x0 + r * np.cos(t) - g.x[0]) / g.spacing).astype(int), 0, g.nx - 1)
    j = np.clip(np.round((y0 + r * np.sin(t) - g.y[0]) / g.spacing).astype(int), 0, g.ny - 1)
    th = sol.phase[i, j]
    assert np.all(np.isfinite(th))
    d = np.angle(np.exp(1j * (np.roll(th, -1) - th)))
    return np.sum(d) / (2 * np.pi)


def test_winding_around_holes_and_vortices_are_integers(cylinder_with_vortices):
    sol = cylinder_with_vortices
    assert sol.winding(0) == 2
    for x, y, s in sol.vortices:
        assert sol.winding_around(x, y, 0.08e-6) == s
    # a contour around everything counts the hole's n plus the vortices inside
    assert sol.winding_around(0.0, 0.0, 1.45e-6) == 2 + 1 - 1 + 1
    # the same integers from the wrapped phase itself, on circles of cells
    assert wrapped_winding_on_circle(sol, 0, 0, 1.08e-6) == pytest.approx(2, abs=1e-9)
    assert wrapped_winding_on_circle(sol, 1.25e-6, 0.0, 0.1e-6) == pytest.approx(1, abs=1e-9)
    assert wrapped_winding_on_circle(sol, 0.0, -1.25e-6, 0.1e-6) == pytest.approx(-1, abs=1e-9)


def test_phase_is_wrapped_and_lives_on_the_superconductor(cylinder_with_vortices):
    sol = cylinder_with_vortices
    th = sol.phase
    sc = sol.geometry.superconductor
    assert th.shape == sol.B.shape
    assert np.all(np.isfinite(th[sc])) and np.all(np.isnan(th[~sc]))
    assert np.all(th[sc] > -np.pi - 1e-12) and np.all(th[sc] <= np.pi + 1e-12)


def test_phase_gradient_is_the_supercurrent_equation():
    """Without field or fluxoid but with a vortex at the centre of a disk, the Landau gauge
    A = (0, int_xmin^x Bz dx) is explicit, and d theta / dx = (2 pi / Phi0) mu0 lam^2 Jx."""
    geo = fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=LAM / 10)
    sol = fx.solve(geo, vortices=[(0.0, 0.0)])
    th = sol.phase
    j = np.argmin(np.abs(sol.y - 0.5e-6))
    i = np.nonzero(geo.superconductor[:, j])[0]
    i = i[(np.abs(sol.x[i]) < 0.5e-6)]
    # along x at fixed y: d theta/dx = (2 pi / Phi0)(Ax + mu0 lam^2 Jx) with Ax = 0
    dth = np.angle(np.exp(1j * (th[i[1:], j] - th[i[:-1], j]))) / geo.spacing
    jx = 0.5 * (sol.J[0][i[1:], j] + sol.J[0][i[:-1], j])
    expect = 2 * np.pi / PHI0 * MU0 * LAM**2 * jx
    assert np.max(np.abs(dth - expect)) < 2e-2 * np.max(np.abs(expect))


def test_no_current_no_field_means_constant_phase():
    geo = fx.meshes.hollow_cylinder(A, B, penetration_depth=LAM, spacing=LAM / 4)
    sol = fx.solve(geo, fluxoid=[0])
    assert np.nanmax(np.abs(sol.phase)) < 1e-9
    assert sol.winding(0) == 0


@pytest.mark.parametrize("n", [-3, 0, 1, 4])
def test_hole_winding_follows_the_fluxoid_in_a_field(n):
    geo = fx.meshes.hollow_cylinder(A, B, penetration_depth=LAM, spacing=LAM / 4)
    sol = fx.solve(geo, applied_field=0.5e-3, fluxoid=[n])
    assert sol.winding(0) == n


def test_each_lattice_vortex_winds_once():
    geo = fx.meshes.vortex_lattice(LAM, 0.04e-6, mean_field=30e-3, spacing=0.02e-6)
    sol = fx.solve(geo)
    for x, y, s in geo.vortices:
        assert sol.winding_around(x, y, 0.08e-6) == s == 1
    # a circle of cells between the vortices encloses none
    Lx, Ly = geo.lattice["cell"]
    assert sol.winding_around(0.75 * Lx, 0.25 * Ly, 0.05e-6) == 0


def test_winding_bad_input(cylinder_with_vortices):
    sol = cylinder_with_vortices
    with pytest.raises(ParameterError, match="hole index"):
        sol.winding(3)
    with pytest.raises(ParameterError, match="leaves the superconductor"):
        sol.winding_around(1.5e-6, 0.0, 0.1e-6)
    with pytest.raises(ParameterError, match="radius"):
        sol.winding_around(1.25e-6, 0.0, 1e-9)


def test_a_core_modelled_as_a_hole_winds_once():
    geo = fx.meshes.cylinder(0.6e-6, penetration_depth=LAM, spacing=0.01e-6, coherence_length=0.03e-6)
    sol = fx.solve(geo, vortices=[(0.1e-6, 0.0)], vortex_core="hole")
    (k,) = sol.core_holes
    assert sol.winding(k) == 1
