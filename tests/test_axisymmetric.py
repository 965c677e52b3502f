"""Bodies of revolution (PHYSICS.md problem C) against analytic references and the 2D solver.

References are computed here with scipy.special, independently of the solver.
"""

import math

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from scipy.special import ellipe, ellipk, ive

import fluxoid as fx
from fluxoid.axisymmetric import AxisymmetricSolution
from fluxoid.constants import MU0, PHI0
from fluxoid.errors import GeometryError, ParameterError, VerificationError
from fluxoid.solvers.axisymmetric import (
    build_operator,
    ellipke,
    loop_field,
    loop_flux,
)

um = 1e-6


def sphere_moment(R, lam, Ba):
    x = lam / R
    return -(2 * np.pi * R**3 * Ba / MU0) * (1 - 3 * x / math.tanh(R / lam) + 3 * x * x)


def order(errors, spacings):
    return float(np.polyfit(np.log(spacings), np.log(np.abs(errors)), 1)[0])


# -- kernels -----------------------------------------------------------------------------------

def test_elliptic_integrals_and_loop_field_against_scipy():
    for m in (0.0, 1e-9, 0.3, 0.9, 0.999999, 1 - 1e-12):
        k, e = ellipke(m)
        assert k == pytest.approx(ellipk(m), rel=1e-14)
        assert e == pytest.approx(ellipe(m), rel=1e-14)
    # B = curl A from the flux function, by finite differences of loop_flux
    r, z, a, zc, eps = 0.7, 0.3, 1.0, -0.1, 1e-6
    bz = (loop_flux(r + eps, z, a, zc) - loop_flux(r - eps, z, a, zc)) / (2 * eps) / (2 * np.pi * r)
    br = -(loop_flux(r, z + eps, a, zc) - loop_flux(r, z - eps, a, zc)) / (2 * eps) / (2 * np.pi * r)
    assert loop_field(r, z, a, zc) == pytest.approx((br, bz), rel=1e-7)
    # on the axis: Bz = mu0 a^2 / (2 (a^2 + z^2)^1.5); far away: a dipole pi a^2
    assert loop_field(0.0, 0.5, 1.0, 0.0)[1] == pytest.approx(MU0 / (2 * 1.25**1.5), rel=1e-14)
    assert loop_flux(30.0, 40.0, 1.0, 0.0) == pytest.approx(MU0 * np.pi * 30.0**2 / (2 * 50.0**3),
                                                          rel=2e-3)


def test_operator_matrix_free_equals_sparse_and_is_spd():
    geo = fx.meshes.torus(1 * um, 0.3 * um, penetration_depth=0.1 * um, spacing=0.05 * um)
    op = build_operator(geo)
    A = op.matrix()
    rng = np.random.default_rng(0)
    u = rng.standard_normal(op.shape)
    out = np.empty_like(u)
    op.apply(u, np.zeros(0), out, np.zeros(0))
    assert np.allclose(out.ravel(), A @ u.ravel(), rtol=1e-13, atol=1e-13)
    assert abs(A - A.T).max() == 0.0
    lo = spla.eigsh(A, k=1, sigma=0, which="LM", return_eigenvectors=False)[0]
    assert lo > 0
    # exact for the uniform field's flux Psi = c r^2 away from the superconductor (Delta* r^2 = 0)
    R, _ = geo.grid.meshgrid()
    psi = (R / geo.spacing) ** 2
    lap = op.laplacian_part(psi)
    far = ~geo.superconductor
    far[-1, :] = far[:, 0] = far[:, -1] = False
    assert np.allclose(lap[far], 0.0, atol=1e-9)


def test_hat_shares_give_areas_and_volumes():
    R = 1 * um
    errs = []
    hs = [R / 10, R / 20, R / 40]
    for h in hs:
        geo = fx.meshes.sphere(R, penetration_depth=0.2 * um, spacing=h)
        errs.append(geo.volume / (4 / 3 * np.pi * R**3) - 1)
    assert abs(errs[-1]) < 1e-3
    assert order(errs, hs) > 1.8
    ring = fx.meshes.ring(1 * um, 2 * um, 0.6 * um, penetration_depth=0.2 * um, spacing=0.04 * um)
    assert ring.rings[0].area == pytest.approx(0.6e-12, rel=1e-12)  # straight edges: exact
    assert ring.rings[0].inner_radius == pytest.approx(1 * um, rel=1e-9)


# -- open boundary and convergence -------------------------------------------------------------

def test_sphere_moment_with_a_tight_box():
    R, lam, Ba = 1 * um, 0.2 * um, 1e-3
    geo = fx.meshes.sphere(R, penetration_depth=lam, spacing=R / 48)
    assert geo.box[0] == pytest.approx(1.5 * R, rel=0.02)  # the box reaches only 1.5 R
    assert geo.box[2] == pytest.approx(1.5 * R, rel=0.02)
    sol = fx.solve(geo, applied_field=Ba)
    m = sphere_moment(R, lam, Ba)
    assert abs(sol.moment / m - 1) < 2e-3
    assert sol.residual < 1e-12
    # the energy at fixed field: G = -m Ba / 2
    assert sol.energy == pytest.approx(-0.5 * m * Ba, rel=2e-3)
    # outside the sphere the field is exactly that of the dipole m (also beyond the box)
    for r, z in [(2.0 * um, 2.0 * um), (0.0, 3.0 * um), (2.5 * um, 0.0)]:
        rr = math.hypot(r, z)
        br, bz = sol.field_at(r, z)
        c = MU0 * sol.moment / (4 * np.pi)
        assert br == pytest.approx(c * 3 * r * z / rr**5, abs=1e-6 * Ba)
        assert bz == pytest.approx(Ba + c * (3 * z * z / rr**5 - 1 / rr**3), abs=1e-6 * Ba)


def test_sphere_moment_converges_at_second_order():
    R, lam, Ba = 1 * um, 0.2 * um, 1e-3
    hs = [R / 10, R / 20, R / 40]
    errs = []
    for h in hs:
        sol = fx.solve(fx.meshes.sphere(R, penetration_depth=lam, spacing=h), applied_field=Ba)
        errs.append(sol.moment / sphere_moment(R, lam, Ba) - 1)
    assert order(errs, hs) >= 1.8


def test_ring_fluxoid_response_converges_at_second_order():
    # ring current for n = 1 (the fluxoid response Phi0 / L); self-convergence on halved grids
    Is = []
    hs = [0.1 * um, 0.05 * um, 0.025 * um]
    for h in hs:
        geo = fx.meshes.ring(1 * um, 2 * um, 0.6 * um, penetration_depth=0.2 * um, spacing=h,
                             padding=0.4 * um)
        sol = fx.solve(geo, fluxoid=[1])
        Is.append(sol.ring_current[0])
    d1, d2 = Is[0] - Is[1], Is[1] - Is[2]
    assert math.log2(abs(d1 / d2)) >= 1.8
    assert abs(d2 / Is[2]) < 5e-3


@pytest.mark.slow
def test_ring_and_sphere_convergence_study():
    Is, hs = [], [0.1 * um, 0.05 * um, 0.025 * um, 0.0125 * um]
    for h in hs:
        geo = fx.meshes.ring(1 * um, 2 * um, 0.6 * um, penetration_depth=0.2 * um, spacing=h,
                             padding=0.4 * um)
        Is.append(fx.solve(geo, fluxoid=[1]).ring_current[0])
    diffs = np.diff(Is)
    assert order(diffs, hs[1:]) >= 1.8
    errs, hs = [], [1 / 10, 1 / 20, 1 / 40, 1 / 80]
    for h in hs:
        sol = fx.solve(fx.meshes.sphere(um, penetration_depth=0.2 * um, spacing=h * um),
                       applied_field=1e-3)
        errs.append(sol.moment / sphere_moment(um, 0.2 * um, 1e-3) - 1)
    assert order(errs, hs) >= 1.9


# -- fluxoid quantization, verification -----------------------------------------------------------

def test_fluxoid_of_every_ring_is_exact_on_every_contour():
    shapes = [fx.meshes.Rectangle(0.6 * um, 0.3 * um, center=(1.3 * um, -0.4 * um)),
              fx.meshes.Rectangle(0.4 * um, 0.4 * um, center=(0.9 * um, 0.4 * um))]
    geo = fx.meshes.revolution(shapes, penetration_depth=[0.1 * um, 0.15 * um], spacing=0.025 * um)
    assert geo.n_rings == 2
    sol = fx.solve(geo, applied_field=0.4e-3, fluxoid=[1, -2], coils=[(0.5 * um, 1.2 * um, 1e-3)])
    vals, dev, scale = sol._fluxoid_measured
    for k, n in enumerate([1, -2]):
        assert abs(sol.fluxoid[k] / (n * PHI0) - 1) < 1e-9
        # every circle through the ring (flux + loop of Lambda J, J from Ampere's law)
        assert np.max(np.abs(vals[k] + dev[k] - n * PHI0)) < 1e-9 * abs(n) * PHI0
        assert dev[k].size > 50
    # a wrong field is refused: perturb the solution and verify again
    sol.psi_induced[geo.rings[0].mask] *= 1 + 1e-6
    sol.__dict__.pop("_fluxoid_measured", None)
    with pytest.raises(VerificationError, match="ring 0"):
        sol.verify()


def test_inductance_matrix_reciprocity_and_energy():
    shapes = [fx.meshes.Rectangle(0.6 * um, 0.3 * um, center=(1.3 * um, -0.4 * um)),
              fx.meshes.Rectangle(0.4 * um, 0.4 * um, center=(0.9 * um, 0.4 * um))]
    geo = fx.meshes.revolution(shapes, penetration_depth=0.1 * um, spacing=0.025 * um)
    sol = fx.solve(geo, fluxoid=[1, 2], coils=[(0.5 * um, 1.2 * um), (1.6 * um, -1.0 * um)])
    L = sol.inductance
    assert L[0, 1] == pytest.approx(L[1, 0], rel=2e-3)  # M12 = M21 (up to discretization)
    assert np.all(np.linalg.eigvalsh(0.5 * (L + L.T)) > 0)
    Lk = sol.kinetic_inductance
    assert np.all(np.diag(Lk) > 0) and np.all(np.diag(Lk) < np.diag(L))
    # energy of the pure fluxoid state: 1/2 I.L.I = 1/2 sum n Phi0 I
    free = fx.solve(geo, fluxoid=[1, 2], solver=sol.solver)
    I = free.ring_current
    assert free.energy == pytest.approx(0.5 * I @ L @ I, rel=1e-9)
    assert free.energy == pytest.approx(0.5 * PHI0 * (I[0] + 2 * I[1]), rel=1e-9)
    # coil - sample - coil coupling is reciprocal
    M = sol.coil_mutual_inductance
    assert M[0, 1] == pytest.approx(M[1, 0], rel=1e-4)
    assert M[0, 0] < 0 and M[1, 1] < 0  # diamagnetic response lowers a coil's inductance


# -- limits that tie it to the rest of fluxoid ------------------------------------------------

def test_long_tube_matches_the_2d_hollow_cylinder():
    a, b, lam, h = 1 * um, 1.5 * um, 0.2 * um, 0.05 * um
    tube = fx.meshes.tube(a, b, 40 * b, penetration_depth=lam, spacing=h, padding=0.5 * um)
    sol = fx.solve(tube, fluxoid=[1])
    cyl = fx.solve(fx.meshes.hollow_cylinder(a, b, penetration_depth=lam, spacing=h), fluxoid=[1])
    assert abs(sol.hole_flux[0] / cyl.hole_flux[0] - 1) < 5e-3
    assert sol.flux_at(a, 0.0) == pytest.approx(sol.hole_flux[0], rel=1e-12)  # mid-length bore
    assert sol.fluxoid[0] == pytest.approx(PHI0, rel=1e-9)


def test_thin_wire_ring_inductance():
    # wire radius a = R/20, lambda = a/10 (resolved, h = lambda/2): L = mu0 R (ln(8R/a) - 2) plus
    # the London wire's internal term mu0 R (lambda/a) I0(a/lambda)/I1(a/lambda), which -> 0
    R, a = 1 * um, 0.05 * um
    lam = a / 10
    geo = fx.meshes.torus(R, a, penetration_depth=lam, spacing=a / 20, padding=2 * a)
    sol = fx.solve(geo, fluxoid=[1])
    L0 = MU0 * R * (math.log(8 * R / a) - 2)
    internal = MU0 * R * (lam / a) * ive(0, a / lam) / ive(1, a / lam)
    assert sol.inductance[0, 0] == pytest.approx(L0 + internal, rel=1e-2)
    # the kinetic part: round London wire, L_k = 2 pi R mu0 ((I0/I1)^2 - 1) / (4 pi)
    Lk = R * MU0 * ((ive(0, a / lam) / ive(1, a / lam)) ** 2 - 1) / 2
    assert sol.kinetic_inductance[0, 0] == pytest.approx(Lk, rel=0.1)


@pytest.mark.slow
def test_thin_wire_ring_inductance_lambda_to_zero():
    R, a = 1 * um, 0.05 * um
    Ls = []
    for lam in (a / 10, a / 20):
        geo = fx.meshes.torus(R, a, penetration_depth=lam, spacing=lam / 2, padding=2 * a)
        Ls.append(fx.solve(geo, fluxoid=[1]).inductance[0, 0])
    L_zero = 2 * Ls[1] - Ls[0]  # the London correction is linear in lambda
    assert L_zero == pytest.approx(MU0 * R * (math.log(8 * R / a) - 2), rel=1e-2)


def test_thin_film_ring_inductance_rises_with_the_kinetic_term():
    a, b, d = 2 * um, 2.5 * um, 0.1 * um
    rm, w = 0.5 * (a + b), b - a
    Ls = {}
    for lam in (1 * um, 2 * um):  # thickness lambda/10 and lambda/20
        geo = fx.meshes.thin_film_ring(a, b, d, penetration_depth=lam)
        sol = fx.solve(geo, fluxoid=[1])
        Ls[lam] = sol.inductance[0, 0]
        assert sol.kinetic_inductance[0, 0] == pytest.approx(MU0 * lam**2 * 2 * np.pi * rm / (d * w),
                                                             rel=1e-2)
    slope = (Ls[2 * um] - Ls[1 * um]) / (3 * um**2)
    assert slope == pytest.approx(MU0 * 2 * np.pi * rm / (d * w), rel=1e-2)


def test_coil_ring_mutual_inductance_of_a_thin_ring():
    # a thin wire ring and a coaxial coil: the fluxoid coupling is Maxwell's mutual inductance
    R, a = 1 * um, 0.05 * um
    geo = fx.meshes.torus(R, a, penetration_depth=a / 5, spacing=a / 10, padding=2 * a)
    coil = (0.6 * um, 0.12 * um)
    sol = fx.solve(geo, coils=[coil])
    M = sol.coil_ring_mutual_inductance[0, 0]
    assert M == pytest.approx(loop_flux(R, 0.0, *coil), rel=2e-2)
    # n = 0: the ring screens the coil's flux, fluxoid 0 = L I + M I_coil
    assert sol.ring_current[0] == pytest.approx(-M / sol.inductance[0, 0], rel=1e-6)


def test_long_solid_cylinder_matches_the_bessel_profile():
    R, lam, Ba = 1 * um, 0.2 * um, 1e-3
    geo = fx.meshes.finite_cylinder(R, 30 * R, penetration_depth=lam, spacing=0.05 * um,
                                    padding=0.5 * um)
    assert geo.n_rings == 0 and len(geo.solids) == 1
    sol = fx.solve(geo, applied_field=Ba)
    r = np.array([0.0, 0.5, 0.8, 0.95]) * R
    exact = Ba * ive(0, r / lam) / ive(0, R / lam) * np.exp((r - R) / lam)
    assert np.allclose(sol.field_at(r, 0.0)[1], exact, rtol=0, atol=3e-3 * Ba)


# -- solvers, output ---------------------------------------------------------------------------

def test_cg_matches_direct_and_save_load(tmp_path):
    geo = fx.meshes.torus(1 * um, 0.3 * um, penetration_depth=0.1 * um, spacing=0.05 * um)
    d = fx.solve(geo, applied_field=1e-3, fluxoid=[1], method="direct")
    c = fx.solve(geo, applied_field=1e-3, fluxoid=[1], method="cg", tol=1e-11)
    assert c.method == "cg"
    assert np.allclose(c.psi_induced, d.psi_induced, rtol=0, atol=1e-8 * np.abs(d.psi_induced).max())
    path = d.save(tmp_path / "torus")
    e = AxisymmetricSolution.load(path)
    assert e.moment == pytest.approx(d.moment, rel=1e-14)
    assert e.hole_flux == pytest.approx(d.hole_flux, rel=1e-12)
    assert e.fluxoid == pytest.approx(d.fluxoid, rel=1e-12)
    assert np.allclose(e.field_at(0.5 * um, 0.2 * um), d.field_at(0.5 * um, 0.2 * um), rtol=1e-12)
    fig = d.plot()
    assert len(fig.axes) >= 2
    assert d.summary()["fluxoid_Phi0"] == pytest.approx([1.0], rel=1e-9)


# -- bad input ----------------------------------------------------------------------------------

def test_bad_input_names_the_parameter():
    kw = dict(penetration_depth=0.1 * um, spacing=0.05 * um)
    with pytest.raises(ParameterError, match="inner_radius"):
        fx.meshes.ring(0.0, 1 * um, 0.3 * um, **kw)
    with pytest.raises(ParameterError, match="inner_radius"):
        fx.meshes.tube(-1 * um, 1 * um, 3 * um, **kw)
    with pytest.raises(GeometryError, match="axis"):
        fx.meshes.revolution(fx.meshes.Disk(0.5 * um, center=(0.2 * um, 0.0)), **kw)
    with pytest.raises(GeometryError, match="padding"):
        fx.meshes.sphere(1 * um, padding=0.1 * um, **kw)
    with pytest.raises(GeometryError, match="box"):
        fx.meshes.revolution(fx.meshes.Disk(1 * um), box=(1.1 * um, -2 * um, 2 * um), **kw)
    sphere = fx.meshes.sphere(1 * um, **kw)
    with pytest.raises(ParameterError, match="fluxoid.*no hole"):
        fx.solve(sphere, applied_field=1e-3, fluxoid=[1])
    with pytest.raises(ParameterError, match="coils"):
        fx.solve(sphere, coils=[(0.5 * um, 0.0)])
    with pytest.raises(ParameterError, match="coils"):
        fx.solve(sphere, coils=[(-0.5 * um, 2.0 * um)])
    with pytest.raises(ParameterError, match="applied_field"):
        fx.solve(sphere, applied_field=(1e-3, 0.0))
    ring = fx.meshes.ring(1 * um, 2 * um, 0.3 * um, **kw)
    with pytest.raises(ParameterError, match="fluxoid"):
        fx.solve(ring, fluxoid=[1, 2])
    with pytest.raises(ParameterError, match="integer"):
        fx.solve(ring, fluxoid=[0.5])
    with pytest.raises(GeometryError, match="spacing"):
        fx.meshes.ring(1 * um, 2 * um, 0.01 * um, **kw)


# -- the accelerated open-boundary sum ---------------------------------------------------------

@pytest.mark.parametrize("case", ["sphere", "ring_near_edge"])
def test_block_green_sum_matches_the_exact_loop_sum(case):
    """The block-interpolated Green's sum on the top/bottom box edges (used on large grids)
    equals the exact sum of loop fluxes to 2e-9 of the sum of |terms| (random currents, with
    cancellations) and 1e-8 of its largest value (London currents), near pairs included."""
    from fluxoid.solvers.axisymmetric import (
        AxisymmetricSolver,
        BlockGreen,
        flux_of_loops,
    )

    if case == "sphere":
        geo = fx.meshes.sphere(um, penetration_depth=0.1 * um, spacing=um / 80)
    else:  # a ring a few cells from the box edges: many target-block pairs are near
        geo = fx.meshes.ring(1 * um, 2 * um, 0.6 * um, penetration_depth=0.1 * um,
                             spacing=0.02 * um, padding=0.1 * um)
    solver = AxisymmetricSolver(geo, far_field="exact")
    rt, zt, rc, zc = solver._rtb, solver._ztb, solver._rc, solver._zc
    ic, jc = np.nonzero(geo.superconductor)
    rng = np.random.default_rng(3)
    s = -np.pi * (geo.grid.meshgrid()[0]) ** 2 * 1e-3 * geo.superconductor
    london = solver.currents(solver.solve(s).u, s)
    for block in (8, 16, 32):
        B = BlockGreen(rt, zt, rc, zc, ic, jc, geo.spacing, block=block)
        if case == "ring_near_edge":
            assert B.n_near_pairs > 0
        for current in (london, rng.standard_normal(rc.size)):
            exact = np.empty(rt.size)
            flux_of_loops(rt, zt, rc, zc, current, exact)
            scale = np.empty(rt.size)  # sum |G I|: the scale of a sum with cancellations
            flux_of_loops(rt, zt, rc, zc, np.abs(current), scale)
            err = np.abs(B(current) - exact).max()
            assert err < 2e-9 * scale.max()
            if current is london:
                assert err < 1e-8 * np.abs(exact).max()
    # the same sum with the interpolation matrix not stored (summed afresh, as on huge grids)
    lazy = BlockGreen(rt, zt, rc, zc, ic, jc, geo.spacing, block=16, dense_limit=0)
    stored = BlockGreen(rt, zt, rc, zc, ic, jc, geo.spacing, block=16)
    assert np.allclose(lazy(london), stored(london), rtol=1e-12, atol=0)


def test_block_green_solve_matches_the_exact_solve():
    geo = fx.meshes.sphere(um, penetration_depth=0.2 * um, spacing=um / 48)
    from fluxoid.solvers.axisymmetric import AxisymmetricSolver

    exact = fx.solve(geo, applied_field=1e-3, solver=AxisymmetricSolver(geo, far_field="exact"))
    block = fx.solve(geo, applied_field=1e-3, solver=AxisymmetricSolver(geo, far_field="block"))
    assert block.moment == pytest.approx(exact.moment, rel=1e-9)
    assert np.abs(block.psi_induced - exact.psi_induced).max() < 1e-9 * np.abs(exact.psi_induced).max()
