"""The numba kernels of the axial solution's current density and energy against
their whole-array numpy formulation (the same discretization written once more,
array by array): they must agree to round-off on every kind of boundary."""

from __future__ import annotations

import numpy as np
import pytest

import fluxoid as fx
from fluxoid.constants import MU0
from fluxoid.meshes.raster import DIRECTIONS, neighbour
from fluxoid.solvers.axial import THETA_MIN, boundary_values, build_operator, current_density, energy


def _slope_ref(t0, t1, t2, f0, f1, f2):
    """Derivative at 0 of the parabola through (t0, f0), (t1, f1), (t2, f2)."""
    return (-(t1 + t2) / ((t0 - t1) * (t0 - t2)) * f0
            - (t0 + t2) / ((t1 - t0) * (t1 - t2)) * f1
            - (t0 + t1) / ((t2 - t0) * (t2 - t1)) * f2)


def _current_ref(op, B, applied_field):
    """axial.current_density's rule, written array by array (the pre-kernel formulation)."""
    geo = op.geometry
    h = geo.grid.spacing
    sc = geo.superconductor
    per = geo.grid.periodic
    vals = boundary_values(op, B, applied_field, None)
    theta = np.maximum(geo.theta.astype(np.float64), THETA_MIN)  # (stored as float32)
    cut = np.zeros((4,) + B.shape, dtype=bool)
    for k, d in enumerate(DIRECTIONS):
        cut[k] = sc & (neighbour(geo.region, d, per, -1) != 0)

    def axis_slope(kp, km):
        dp = np.where(cut[kp], theta[kp], 1.0)
        dm = np.where(cut[km], theta[km], 1.0)
        slope = _slope_ref(dp, -dm, 0.0 * dp, vals[kp], vals[km], B) / h
        for k_near, k_far, sign in ((kp, km, 1.0), (km, kp, -1.0)):
            dfar = DIRECTIONS[k_far]
            far1 = neighbour(B, dfar, per, 0.0)
            far2 = neighbour(far1, dfar, per, 0.0)
            reg2 = neighbour(neighbour(geo.region, dfar, per, -1), dfar, per, -1)
            use = cut[k_near] & (theta[k_near] < 0.5) & ~cut[k_far] & (reg2 == 0)
            if use.any():
                t0 = sign * theta[k_near]
                alt = _slope_ref(t0, -sign * np.ones_like(t0), -2.0 * sign * np.ones_like(t0),
                                      vals[k_near], far1, far2) / h
                slope = np.where(use, alt, slope)
        return slope

    dBdx = axis_slope(0, 1)
    dBdy = axis_slope(2, 3)
    Jx = np.where(sc, dBdy / MU0, 0.0)
    Jy = np.where(sc, -dBdx / MU0, 0.0)
    return Jx, Jy


def _energy_ref(op, B, b, applied_field):
    """axial.energy's quadrature, written array by array (the pre-kernel formulation)."""
    geo = op.geometry
    h = geo.grid.spacing
    sc = geo.superconductor
    Ba = applied_field
    vals = boundary_values(op, B, Ba, b)
    e = np.sum(op.mass[sc] * (B[sc] - Ba) ** 2) + np.sum(op.hole_mass * (b - Ba) ** 2)
    grad = 0.0
    for kk, d in enumerate(DIRECTIONS):
        # an interior link is seen from both its cells (half each), a boundary link once
        half = np.where(neighbour(geo.region, d, geo.grid.periodic, -1) == 0, 0.5, 1.0)
        grad += np.sum((half * op.link_w[kk] * (B - vals[kk]) ** 2)[sc])
    return float(h**2 * (e + grad) / (2.0 * MU0))


def _cases():
    yield "hollow cylinder", fx.meshes.hollow_cylinder(1.0e-6, 1.6e-6, penetration_depth=0.2e-6,
                                                        spacing=0.04e-6), 0.5e-3, [1]
    m = np.zeros((40, 36), bool)
    m[:, 3:-3] = True
    m[10:14, 10:20] = False
    m[15:16, 10:20] = False  # a one-cell slot one cell from the hole above
    m[-2:, 15:19] = False  # a hole across the periodic seam
    m[:2, 15:19] = False
    yield "periodic mask", fx.meshes.from_mask(m, 0.1e-6, penetration_depth=0.3e-6,
                                               periodic=(True, False)), -0.2e-3, [1, -2, 0]


@pytest.mark.parametrize("name,geo,Ba,n", list(_cases()))
def test_current_and_energy_kernels_match_the_array_formulation(name, geo, Ba, n):
    sol = fx.solve(geo, applied_field=Ba, fluxoid=n)
    op = build_operator(geo)
    Jx, Jy = current_density(op, sol.B, Ba)
    Rx, Ry = _current_ref(op, sol.B, Ba)
    scale = max(np.abs(Rx).max(), np.abs(Ry).max())
    assert np.abs(Jx - Rx).max() <= 1e-12 * scale
    assert np.abs(Jy - Ry).max() <= 1e-12 * scale
    e = energy(op, sol.B, sol.hole_field, Ba)
    assert e == pytest.approx(_energy_ref(op, sol.B, sol.hole_field, Ba), rel=1e-12)
