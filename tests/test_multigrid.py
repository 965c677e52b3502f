"""Multigrid-preconditioned CG (fluxoid.solvers.multigrid): agreement with the
direct solver, bounded iterations, a symmetric positive definite
preconditioner, and its kernels against scipy.sparse oracles."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import fluxoid as fx
from fluxoid.bench import problem, right_side
from fluxoid.errors import ParameterError
from fluxoid.solvers import mg_kernels as MK
from fluxoid.solvers import multigrid as mg
from fluxoid.solvers.axial import build_operator
from fluxoid.solvers.krylov import pcg as jacobi_pcg
from fluxoid.solvers.options import SolverOptions
from fluxoid.solvers.run import solve_axial


@pytest.fixture(autouse=True)
def _constant_runs_on_every_level(monkeypatch):
    # the test grids are small, and levels that small take no constant stretches apart by
    # default; here every level does, so that both kinds of run are exercised
    # (test_small_levels_take_no_constant_runs checks the default)
    monkeypatch.setattr(mg, "CONSTANT_RUN_MIN_CELLS", 0)


def _direct(op, rhs):
    x = spla.spsolve(op.matrix().tocsc(), op.pack(*rhs))
    return op.unpack(x)


def _mg(op, rhs, tol=1e-10, precision="float32", cycle="W"):
    hier = mg.Hierarchy(op, precision=precision, cycle=cycle)
    u, b, it, hist = mg.pcg(op, hier, rhs[0], rhs[1], tol=tol, maxiter=200)
    return u, b, it, hier


def _agree(op, rhs, u, b, ud, bd, rtol):
    scale = max(np.abs(ud).max(), np.abs(bd).max() if bd.size else 0.0)
    assert np.abs(u - ud)[op.unknown].max() <= rtol * scale
    if bd.size:
        assert np.abs(b - bd).max() <= rtol * scale


def _cycle_output(hier, op, r, rh):
    """(z, zh, r . z) of one cycle of ``hier`` on (r, rh)."""
    z = np.zeros(op.shape)
    zh = np.zeros(op.hole_diag.size)
    rz = hier.vcycle(r, rh, z, zh)
    return z, zh, rz


def _assert_same_cycle(a, b, rtol):
    (z1, zh1, rz1), (z2, zh2, rz2) = a, b
    np.testing.assert_allclose(z1, z2, rtol=rtol, atol=rtol * np.abs(z2).max())
    np.testing.assert_allclose(zh1, zh2, rtol=rtol)
    assert rz1 == pytest.approx(rz2, rel=rtol)


CASES = {
    "hollow cylinder": lambda: problem("hollow_cylinder", 96, 6.0),
    "hollow cylinder, lambda 1000 cells": lambda: problem("hollow_cylinder", 96, 1000.0),
    "strip array": lambda: problem("strips", 96, 4.0),
    "many holes": lambda: problem("holes", 96, 5.0, holes=8),
    "periodic slab": lambda: fx.meshes.slab(2e-6, penetration_depth=0.3e-6, spacing=0.05e-6),
    "periodic, odd lengths": lambda: _odd_periodic(),
}


def _odd_periodic():
    # periodic on both axes with odd lengths (a seam joins two cells of one colour), two holes
    m = np.ones((45, 39), bool)
    m[10:16, 12:20] = False
    m[30:33, 30:37] = False
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=4e-6, periodic=(True, True))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_agrees_with_direct_solve(name, precision):
    geo = CASES[name]()
    op = build_operator(geo)
    rhs = right_side(op)
    ud, bd = _direct(op, rhs)
    u, b, it, _ = _mg(op, rhs, tol=1e-11, precision=precision)
    _agree(op, rhs, u, b, ud, bd, 1e-8)
    assert it <= 20


@pytest.mark.parametrize("name", list(CASES))
def test_a_cycle_agrees_with_direct_solve(name):
    op = build_operator(CASES[name]())
    rhs = right_side(op)
    ud, bd = _direct(op, rhs)
    u, b, it, _ = _mg(op, rhs, tol=1e-11, cycle="A")
    _agree(op, rhs, u, b, ud, bd, 1e-8)
    assert it <= 20


@pytest.mark.parametrize("lam", [20.0, 200.0])
def test_a_cycle_spectrum_estimate_follows_the_geometry(lam):
    """Strips put the top of spec(B_1 A_1) higher than a hollow cylinder does; the interval
    estimated on them beats the hollow cylinder's interval used as a fixed one."""
    strips = build_operator(problem("strips", 256, lam))
    rhs = right_side(strips)
    hollow = mg.Hierarchy(build_operator(problem("hollow_cylinder", 256, 20.0)), cycle="A")
    est = mg.Hierarchy(strips, cycle="A")
    assert est.interval[1] > 1.2 * hollow.interval[1]
    fixed = mg.Hierarchy(strips, cycle="A")
    fixed.interval = hollow.interval
    fixed._amli = mg._chebyshev2(*hollow.interval)
    it_est = mg.pcg(strips, est, rhs[0], rhs[1], tol=1e-8, maxiter=200)[2]
    it_fixed = mg.pcg(strips, fixed, rhs[0], rhs[1], tol=1e-8, maxiter=200)[2]
    assert it_est < it_fixed
    _, _, it_w, _ = _mg(strips, rhs, tol=1e-8, cycle="W")
    assert it_est <= it_w + 2


def test_solve_axial_multigrid_route():
    geo = fx.meshes.hollow_cylinder(1e-6, 1.6e-6, penetration_depth=0.2e-6, spacing=0.04e-6)
    op = build_operator(geo)
    rhs = op.rhs(1e-3, [1])
    ref = solve_axial(geo, rhs, SolverOptions(method="direct"), operator=op)
    res = solve_axial(geo, rhs, SolverOptions(method="multigrid", tol=1e-10), operator=op)
    assert res.method == "multigrid"
    assert res.residual <= 1e-9
    assert abs(res.b[0] - ref.b[0]) <= 1e-8 * abs(ref.b[0])
    fmg = solve_axial(geo, rhs, SolverOptions(method="multigrid", tol=1e-10, full_multigrid=True),
                      operator=op)
    assert fmg.iterations <= res.iterations
    assert abs(fmg.b[0] - ref.b[0]) <= 1e-8 * abs(ref.b[0])


@pytest.mark.parametrize("lam", [3.0, 10.0, 1000.0])
def test_discretization_tolerance_mode(lam):
    """"As accurate as the grid allows": the algebraic error stays below a tenth of the
    discretization error, measured against the same cylinder on a grid twice as fine."""
    n = 128
    geo = problem("hollow_cylinder", n, lam)
    op = build_operator(geo)
    rhs = right_side(op)
    tol = mg.discretization_tolerance(op)
    assert tol == pytest.approx(min(0.01 / lam**2, 1e-4))
    res = solve_axial(geo, rhs, SolverOptions(method="multigrid", tolerance_mode="discretization"),
                      operator=op)
    ref = solve_axial(geo, rhs, SolverOptions(method="direct"), operator=op)
    geo2 = problem("hollow_cylinder", 2 * n, 2 * lam)  # the same cylinder and lambda, h / 2
    op2 = build_operator(geo2)
    fine = solve_axial(geo2, right_side(op2), SolverOptions(method="direct"), operator=op2)
    full = solve_axial(geo, rhs, SolverOptions(method="multigrid", tol=1e-10), operator=op)
    assert res.residual <= 10 * tol
    assert res.iterations < full.iterations
    # compare on the cells whose four fine children all lie in the superconductor
    blocks = fine.u.reshape(n, 2, n, 2)
    cells = (blocks != 0).all(axis=(1, 3)) & op.unknown
    norm = np.linalg.norm(ref.u[cells])
    disc = np.linalg.norm((ref.u - blocks.mean(axis=(1, 3)))[cells]) / norm
    alg = np.linalg.norm((res.u - ref.u)[cells]) / norm
    assert 0.2 / lam**2 < disc < 3.0 / lam**2  # second order in h / lambda
    assert alg <= 0.1 * disc
    # the hole's value too (measured: 0.09 of its discretization error at lambda = 3, 0.02 at 10)
    assert abs(res.b[0] - ref.b[0]) <= 0.2 * abs(fine.b[0] - ref.b[0])


def test_axial_only_options_raise_elsewhere():
    geo = fx.meshes.hollow_cylinder(1e-6, 1.6e-6, penetration_depth=0.2e-6, spacing=0.1e-6)
    for kw in ({"tolerance_mode": "discretization"}, {"full_multigrid": True}):
        opts = SolverOptions(**kw)
        assert opts.validate_for("axial") is opts
        for formulation in ("transverse", "axisymmetric"):
            with pytest.raises(ParameterError, match="axial formulation only"):
                opts.validate_for(formulation)
        with pytest.raises(ParameterError, match="axial formulation only"):
            fx.solve(geo, currents=[1e-3], options=opts)


@pytest.mark.parametrize("n", [128, 256, 512])
@pytest.mark.parametrize("lam", [2.0, 20.0, 1000.0])
def test_hollow_cylinder_iterations_bounded(n, lam):
    op = build_operator(problem("hollow_cylinder", n, lam))
    *_, it, _ = _mg(op, right_side(op), tol=1e-8)
    assert it <= 12


@pytest.mark.parametrize("kind", ["hollow_cylinder", "strips", "holes"])
def test_two_fine_sweeps_save_iterations(kind):
    """The second red-black sweep on the finest level is worth at least two CG iterations."""
    op = build_operator(problem(kind, 256, 20.0))
    rhs = right_side(op)
    its = []
    for fine_sweeps in (1, 2):
        hier = mg.Hierarchy(op, fine_sweeps=fine_sweeps)
        its.append(mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-8, maxiter=100)[2])
    assert its[1] <= its[0] - 2, its
    assert its[1] <= 8


@pytest.mark.parametrize("lam", [2.0, 4.0, 8.0, 16.0])
def test_strip_array_iterations_bounded(lam):
    op = build_operator(problem("strips", 384, lam))
    *_, it, _ = _mg(op, right_side(op), tol=1e-8)
    assert it <= 15


@pytest.mark.parametrize("lam", [3.0, 30.0, 300.0])
def test_many_holes_cost_like_one(lam):
    one = build_operator(problem("holes", 384, lam, holes=1))
    many = build_operator(problem("holes", 384, lam, holes=14))
    assert many.n_holes == 196
    *_, it1, _ = _mg(one, right_side(one), tol=1e-8)
    *_, itn, _ = _mg(many, right_side(many), tol=1e-8)
    assert itn <= 1.5 * it1


def test_screened_regime_beats_jacobi_cg():
    # lambda / h = 2: plain CG is already fast; multigrid must not need more work
    op = build_operator(problem("hollow_cylinder", 256, 2.0))
    rhs = right_side(op)
    *_, it, hier = _mg(op, rhs, tol=1e-8)
    cg_it = jacobi_pcg(op.apply, op.jacobi, rhs[0], rhs[1], tol=1e-8, maxiter=10000).iterations
    # a preconditioner application streams at most ~4 fine-grid operator applications here
    # (the hierarchy stops after a few levels: the coarse operators are diagonally dominant)
    assert len(hier.levels) <= 4
    assert 5 * it <= cg_it


def _disc_with_thin_rings():
    # a disc with a hole and three thin arcs, lambda 250 cells, on a 172 x 252 grid: four
    # levels, the third under 4096 cells (the last level a W-cycle once visited only once)
    nx, ny = 172, 252
    X, Y = np.meshgrid(np.arange(nx) + 0.5, np.arange(ny) + 0.5, indexing="ij")
    m = np.hypot(X - 0.6 * nx, Y - 0.4 * ny) < 0.3 * ny
    for cx, cy, r in ((0.3, 0.8, 0.35), (0.35, 0.75, 0.3), (0.2, 0.6, 0.25)):
        d = np.hypot(X - cx * nx, Y - cy * ny)
        m |= (d < r * nx) & (d > r * nx - 1.2)
    m &= np.hypot(X - 0.7 * nx, Y - 0.35 * ny) >= 4
    m[:2] = m[-2:] = False
    m[:, :2] = m[:, -2:] = False
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=250e-6)


@pytest.mark.parametrize("make", [_disc_with_thin_rings, lambda: problem("holes", 250, 250.0,
                                                                          holes=3)])
def test_w_cycle_coarse_spectra_stay_below_two(make):
    """Two visits of a level are positive only while spec(B_l A_l) < 2, which visiting every
    level twice guarantees (module docstring). On these masks, levels under 4096 cells
    visited once let the first coarse level reach 2.08 (disc) and 1.94 (holes), and CG
    took 11 and 12 iterations instead of 8 and 9."""
    op = build_operator(make())
    hier = mg.Hierarchy(op, precision="float64")
    assert len(hier.levels) >= 4  # (coarse levels under 4096 cells above the coarsest)
    for level in range(1, len(hier.levels) - 1):
        lo, hi = hier._spectrum(level, 12)
        assert 0.0 < lo and hi <= 2.0 + 1e-9, (level, lo, hi)
    rhs = right_side(op)
    assert mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-8, maxiter=100)[2] <= 10


@pytest.mark.parametrize("name", ["hollow cylinder", "many holes", "periodic, odd lengths"])
@pytest.mark.parametrize("precision,rtol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("cycle,fine_sweeps", [("W", 2), ("W", 1), ("V", 2), ("A", 2)])
def test_preconditioner_is_symmetric_positive(name, precision, rtol, cycle, fine_sweeps):
    op = build_operator(CASES[name]())
    hier = mg.Hierarchy(op, precision=precision, cycle=cycle, fine_sweeps=fine_sweeps)
    if cycle == "A" and len(hier.levels) > 2:  # (two levels: nothing to accelerate)
        assert hier.interval is not None and 0 < hier.interval[0] < hier.interval[1]
    rng = np.random.default_rng(4)
    act = op.unknown
    r1, r2 = (rng.standard_normal(op.shape) * act for _ in range(2))
    h1, h2 = (rng.standard_normal(op.n_holes) for _ in range(2))
    z1, z2 = np.empty(op.shape), np.empty(op.shape)
    g1, g2 = np.zeros(op.n_holes), np.zeros(op.n_holes)
    rz1 = hier.vcycle(r1, h1, z1, g1)
    hier.vcycle(r2, h2, z2, g2)
    a = float(np.sum(z1 * r2) + g1 @ h2)
    b = float(np.sum(z2 * r1) + g2 @ h1)
    scale = np.sqrt(float(np.sum(z1 * r1) + g1 @ h1) * float(np.sum(z2 * r2) + g2 @ h2))
    assert abs(a - b) <= rtol * scale
    # the fused r . z it returns is the true one, and positive
    assert rz1 == pytest.approx(float(np.sum(z1 * r1) + g1 @ h1), rel=1e-6)
    assert rz1 > 0
    assert np.all(z1[~act] == 0)


@pytest.mark.parametrize("min_len", [0, 2])
def test_apply_dot_matches_sparse_matrix(min_len):
    """A u from the coefficient arrays (min_len 0) and from the runs of constant stencil."""
    op = build_operator(_odd_periodic())
    rng = np.random.default_rng(5)
    u = rng.standard_normal(op.shape) * op.unknown
    b = rng.standard_normal(op.n_holes)
    q = np.empty(op.shape)
    qb = np.zeros(op.n_holes)
    runs = MK.constant_runs(op.diag, op.wx, op.wy, MK.active_segments(op.diag, op.wx, op.wy),
                            min_len)
    if min_len:  # most of the body is one material: most of its cells are in constant runs
        ck, lo, hi = runs[3], runs[1], runs[2]
        assert np.sum((hi - lo)[ck == 1]) > 0.5 * np.sum(hi - lo)
    d1 = MK.apply_dot(u, op.diag, op.wx, op.wy, q, *runs)
    d1 += MK.hole_apply_dot(u.reshape(-1), b, op.edge_cell, op.edge_hole, op.edge_w, op.hole_diag,
                            q.reshape(-1), qb)
    x = op.pack(u, b)
    y = op.matrix() @ x
    np.testing.assert_allclose(op.pack(q, qb), y, rtol=1e-12, atol=1e-12 * np.abs(y).max())
    assert d1 == pytest.approx(float(x @ y), rel=1e-12)


def test_coarse_operator_is_scaled_galerkin():
    """A_c = P^T M P + s P^T S P (P piecewise constant over 2 x 2 cells), holes included."""
    op = build_operator(_odd_periodic())
    hier = mg.Hierarchy(op, precision="float64")
    fine, coarse = hier.levels[0], hier.levels[1]
    nx, ny = fine.shape
    ncx, ncy = coarse.shape
    fxa, fya = fine.factor
    idx = op.index()
    ns = int(op.unknown.sum())
    nh = op.n_holes
    I, J = np.nonzero(op.unknown)
    parent = (I // fxa) * ncy + J // fya
    P = sp.coo_matrix((np.ones(ns), (idx[I, J], parent)), shape=(ns, ncx * ncy)).tocsr()
    P = sp.block_diag([P, sp.identity(nh)]).tocsr()
    A = op.matrix()
    M = sp.diags(np.concatenate([op.mass[op.unknown], op.hole_mass]))
    Ac = (P.T @ M @ P + mg.STIFFNESS_SCALE * P.T @ (A - M) @ P).tocsr()
    # the hierarchy's coarse level as a matrix on the same (all-cell + hole) numbering
    d = np.where(coarse.inv_d > 0, 1.0 / np.where(coarse.inv_d > 0, coarse.inv_d, 1.0), 0.0)
    keep = np.concatenate([d.reshape(-1) > 0, np.ones(nh, bool)])
    rng = np.random.default_rng(6)
    v = rng.standard_normal(ncx * ncy + nh) * keep
    out = np.zeros((ncx, ncy))
    outb = np.zeros(nh)
    vu = v[: ncx * ncy].reshape(ncx, ncy)
    MK.apply_dot(vu, d, coarse.wx, coarse.wy, out, *coarse.segments, coarse.ck, coarse.key)
    MK.hole_apply_dot(vu.reshape(-1), v[ncx * ncy:].copy(), coarse.edge_cell, coarse.edge_hole,
                      coarse.edge_w, coarse.hole_diag, out.reshape(-1), outb)
    ref = Ac @ v
    np.testing.assert_allclose(np.concatenate([out.reshape(-1), outb]), ref, rtol=1e-10,
                               atol=1e-10 * np.abs(ref).max())


def test_thin_wall_is_seen_by_coarse_levels():
    # a 1-cell wall: its mass and its links to the vacuum survive every coarsening
    m = np.zeros((128, 128), bool)
    m[20:108, 63] = True
    m[20, 20:108] = True
    op = build_operator(fx.meshes.from_mask(m, 1e-6, penetration_depth=8e-6))
    hier = mg.Hierarchy(op, precision="float64")
    total_mass = op.mass.sum()
    for lev in hier.levels[1:]:
        assert np.count_nonzero(lev.inv_d) > 0
    rhs = right_side(op)
    ud, bd = _direct(op, rhs)
    u, b, it, _ = _mg(op, rhs, tol=1e-11)
    _agree(op, rhs, u, b, ud, bd, 1e-8)
    assert it <= 15
    assert total_mass > 0


def test_options_validate_names_the_field():
    for kw, field in (({"precision": "half"}, "precision"), ({"cycle": "F"}, "cycle"),
                      ({"tolerance_mode": "exact"}, "tolerance_mode"),
                      ({"full_multigrid": 1}, "full_multigrid")):
        with pytest.raises(ParameterError, match=field):
            SolverOptions(**kw).validate()


def test_threads_setting_gives_same_answer():
    import numba

    op = build_operator(problem("holes", 192, 6.0, holes=4))
    rhs = right_side(op)
    sols = []
    for th in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        res = solve_axial(op.geometry, rhs, SolverOptions(method="multigrid", tol=1e-10, threads=th),
                          operator=op)
        sols.append(res.u)
    np.testing.assert_allclose(sols[0], sols[-1], rtol=0, atol=1e-8 * np.abs(sols[0]).max())


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_single_level_hierarchy_with_right_side_only_in_the_holes(precision):
    # one level, solved directly: r . z must include the hole part, or CG divides by zero
    # when the right side lives only in the hole unknowns
    m = np.zeros((14, 14), bool)
    m[1:13, 1:13] = True
    m[5:9, 5:9] = False
    op = build_operator(fx.meshes.from_mask(m, 1e-6, penetration_depth=3e-6))
    hier = mg.Hierarchy(op, precision=precision)
    assert len(hier.levels) == 1 and hier.kind_coarsest == "direct"
    r = np.zeros(op.shape)
    rb = np.ones(op.n_holes)
    z, zb = np.empty(op.shape), np.zeros(op.n_holes)
    rz = hier.vcycle(r, rb, z, zb)
    assert rz == pytest.approx(float(rb @ zb)) and rz > 0
    u, b, it, hist = mg.pcg(op, hier, r, rb, tol=1e-10, maxiter=20)
    ud, bd = _direct(op, (r, rb))
    _agree(op, (r, rb), u, b, ud, bd, 1e-9)
    assert it <= 2


def test_work_arrays_are_not_shared_between_live_hierarchies():
    op = build_operator(problem("hollow_cylinder", 256, 10.0))
    rhs = right_side(op)
    h1 = mg.Hierarchy(op)
    h2 = mg.Hierarchy(op)
    ids1 = {id(a) for lev in h1.levels for a in (lev.x, lev.y, lev.r, lev.e) if a is not None}
    ids2 = {id(a) for lev in h2.levels for a in (lev.x, lev.y, lev.r, lev.e) if a is not None}
    assert not ids1 & ids2
    u1, b1, it1, _ = mg.pcg(op, h1, rhs[0], rhs[1], tol=1e-10, maxiter=50)
    del h1  # its arrays go back to the pool and serve the next hierarchy
    h3 = mg.Hierarchy(op)
    u3, b3, it3, _ = mg.pcg(op, h3, rhs[0], rhs[1], tol=1e-10, maxiter=50)
    u2, b2, it2, _ = mg.pcg(op, h2, rhs[0], rhs[1], tol=1e-10, maxiter=50)
    np.testing.assert_array_equal(u1, u3)
    np.testing.assert_array_equal(u1, u2)
    assert it1 == it2 == it3


def test_large_arrays_start_on_distinct_cache_lines_of_a_page():
    """Consecutive large arrays start on 64 different 64-byte lines of a 4 KB page (so the
    arrays a kernel streams do not meet in one L1 set at every index), aligned, contiguous
    and writable over their whole length; small arrays are plain ``np.empty``."""
    K = fx.solvers.kernels
    arrs = [K.mapped_zeros((256, 256), np.float64) for _ in range(64)]  # 512 KB each
    assert len({a.ctypes.data % 4096 for a in arrs}) == 64
    for k, a in enumerate(arrs):
        assert a.ctypes.data % 64 == 0 and a.flags.c_contiguous and a.flags.writeable
        assert not a.any()
        a[...] = k
    assert [float(a[-1, -1]) for a in arrs] == list(range(64))  # no two overlap
    small = K.spread_empty((16, 16))
    assert small.base is None and small.flags.owndata


def test_large_buffers_are_reused_only_when_nothing_uses_them():
    """A large array's buffer is taken again for the next array of its size once no array
    or view uses it, and never while a view of it lives."""
    K = fx.solvers.kernels
    K.release_buffers()
    a = K.spread_empty((1024, 1024))  # 8 MB: kept for reuse
    first = id(a.base)
    v = a[3:7]
    del a
    b = K.spread_empty((1024, 1024))
    assert id(b.base) != first and not np.shares_memory(b, v)  # v still uses the buffer
    del v
    c = K.spread_empty((1024, 1024))
    assert id(c.base) == first  # now unused: taken again
    pool = K._Buffers(1, 3000)  # at most 3000 bytes registered
    taken = [pool.take(1000) for _ in range(4)]
    assert all(fresh for _, fresh in taken)
    held = [x for x, _ in taken]
    del taken
    assert len(pool._held) == 3  # the fourth left unregistered
    ids = [id(x) for x in held]
    del held[0]
    again, fresh = pool.take(1000)
    assert id(again) == ids[0] and not fresh
    del again
    pool.take(1500)  # past the cap: the unused buffer is let go, the two in use stay
    assert {id(b) for b in pool._held} == set(ids[1:3])
    K.release_buffers()


def test_solutions_keep_their_fields_through_later_solves():
    """Solves that reuse the buffers of earlier ones never touch arrays still held: two
    solutions kept side by side each equal a solve of their own."""
    K = fx.solvers.kernels
    K.release_buffers()
    geo = problem("hollow_cylinder", 1024, 10.0)  # (8 MB grid arrays: kept for reuse)
    s1 = fx.solve(geo, applied_field=1.0, fluxoid=[0])
    B1 = s1.B.copy()
    s2 = fx.solve(geo, applied_field=-2.0, fluxoid=[3])
    np.testing.assert_array_equal(s1.B, B1)
    del s1
    n = len(K._BUFFERS._held)
    assert n > 0
    s3 = fx.solve(geo, applied_field=1.0, fluxoid=[0])
    assert len(K._BUFFERS._held) == n  # every grid array of it in a buffer s1 left
    np.testing.assert_allclose(s3.B, B1, rtol=0, atol=1e-9 * np.abs(B1).max())
    assert not np.shares_memory(s3.B, s2.B)


@pytest.mark.parametrize("scale", [1e-35, 1e30])
def test_float32_cycle_is_independent_of_the_units_of_the_right_side(scale):
    # the float32 levels see the residual scaled to unit norm: a right side far outside the
    # float32 range (underflow to zero, overflow) must converge exactly as the unit one does
    op = build_operator(problem("hollow_cylinder", 128, 10.0))
    rhs = right_side(op)
    u1, b1, it1, _ = mg.pcg(op, mg.Hierarchy(op), rhs[0], rhs[1], tol=1e-9, maxiter=50)
    u2, b2, it2, _ = mg.pcg(op, mg.Hierarchy(op), rhs[0] * scale, rhs[1] * scale, tol=1e-9,
                            maxiter=50)
    assert it2 == it1
    np.testing.assert_allclose(u2 / scale, u1, rtol=0, atol=1e-7 * np.abs(u1).max())


# -- runs of active cells ---------------------------------------------------------------------

def test_active_segments_cover_exactly_the_unknowns():
    op = build_operator(problem("holes", 120, 5.0, holes=4))
    act = op.diag > 0
    sp_, lo, hi = MK.active_segments(op.diag, op.wx, op.wy, 2)  # gap 2: every run is its own segment
    cover = np.zeros_like(act)
    for i in range(act.shape[0]):
        for g in range(sp_[i], sp_[i + 1]):
            cover[i, lo[g]:hi[g]] = True
    assert np.array_equal(cover, act)
    # merged runs still cover every unknown, and with a wide gap one run per non-empty row
    sp_, lo, hi = MK.active_segments(op.diag, op.wx, op.wy, 1000)
    assert np.all(np.diff(sp_) == act.any(axis=1))
    assert np.all(lo == np.argmax(act[act.any(axis=1)], axis=1))
    # the one-pass scan gives the same runs, the count of unknowns and constant_runs' flags
    same = np.zeros(act.shape, bool)
    segs, active = MK.scan_level(op.diag, op.wx, op.wy, 1000, same)
    assert all(np.array_equal(a, b) for a, b in zip(segs, (sp_, lo, hi), strict=True))
    assert active == np.count_nonzero(act)
    flags = np.zeros(act.shape, bool)
    MK._same_all(op.diag, op.wx, op.wy, flags)
    assert np.array_equal(same[:, 2:-1], flags[:, 2:-1]) and same[:, 2:-1].any()


def _runs_by_rule(active_row, min_gap):
    """Runs of a row by their definition: a new run starts at an active cell more than
    ``min_gap`` columns past the last active cell, and ends one past its last one."""
    lo, hi = [], []
    last = None
    for j in np.flatnonzero(active_row):
        if last is None or j - last > min_gap:
            lo.append(j)
            hi.append(j + 1)
        hi[-1] = j + 1
        last = j
    return lo, hi


@pytest.mark.parametrize("min_gap", [2, 5, 16])
def test_scanned_runs_follow_their_definition(min_gap):
    """Rows of random gaps and runs, many more per row than the scan keeps aside (the rest
    are found again), every length from 1 cell across the scan's blocks of 8; and the
    count of couplings to cells that are not unknowns, against numpy."""
    rng = np.random.default_rng(min_gap)
    nx, ny = 40, 503
    act = np.zeros((nx, ny), bool)
    for i in range(nx):
        j = int(rng.integers(0, 3))
        on = bool(rng.integers(0, 2))
        while j < ny:
            # runs of 1 to 11 cells, gaps about as often shorter than min_gap as longer
            n = int(rng.integers(1, 12 if on else 2 * min_gap + 3))
            act[i, j:j + n] = on
            j += n
            on = not on
    act[5] = True
    act[6] = False
    d = np.where(act, 4.0, 0.0)
    wx = np.where(act & np.roll(act, -1, 0), 1.0, 0.0)
    wy = np.where(act & np.roll(act, -1, 1), 1.0, 0.0)
    sp_, lo, hi = MK.active_segments(d, wx, wy, min_gap)
    assert np.diff(sp_).max() > MK._RUNS_KEPT
    for i in range(nx):
        want = _runs_by_rule(act[i], min_gap)
        assert [lo[sp_[i]:sp_[i + 1]].tolist(), hi[sp_[i]:sp_[i + 1]].tolist()] == list(want)
    assert MK.scan_level(d, wx, wy, min_gap)[1] == np.count_nonzero(act)
    # couplings that reach a cell that is not an unknown: counted, and the runs refused
    wx[act & ~np.roll(act, -1, 0)] = 1.0
    wy[:, -1] = np.where(act[:, -1], 1.0, 0.0)  # (the +y neighbour of the last column wraps)
    bad = np.count_nonzero((wx != 0) & ~(act & np.roll(act, -1, 0)))
    bad += np.count_nonzero((wy != 0) & ~(act & np.roll(act, -1, 1)))
    none = np.empty((nx, 0), np.int64)
    got = MK._segment_counts(d, wx, wy, min_gap, np.empty(nx, np.int64), none, none,
                             MK._NO_FLAGS, *MK._NO_ARRAYS)[0]
    assert bad > 0 and got == bad
    assert MK.active_segments(d, wx, wy, min_gap) is None


def _every_cell(scan):
    """scan_level, with every cell visited."""
    return lambda d, wx, wy, gap, same, arrays, coarse=None: (
        MK.full_segments(d.shape), scan(d, wx, wy, gap, same, arrays, coarse)[1])


@pytest.mark.parametrize("name", ["many holes", "periodic, odd lengths", "strip array"])
def test_scan_with_coarsening_equals_the_two_passes(name):
    """The fused scan fills the same runs, level arrays and coarse operator as the scan and
    ``coarsen`` apart, bit for bit, with an even and an odd number of rows."""
    op = build_operator(CASES[name]())
    px, py = (bool(v) for v in op.geometry.grid.periodic)
    diag, wx, wy, mass = op.diag, op.wx, op.wy, np.ascontiguousarray(op.mass, np.float64)
    nx, ny = diag.shape
    for rows in (nx - (nx % 2), nx - 1 + (nx % 2)):  # an even and an odd number of rows
        d, x, y, m = (np.ascontiguousarray(a[:rows]) for a in (diag, wx, wy, mass))
        shape = (-(-rows // 2), -(-ny // 2))
        outs = []
        for fused in (True, False):
            same = np.zeros(d.shape, bool)
            arrays = tuple(np.zeros(d.shape, np.float32) for _ in range(3))
            co = tuple(np.full(shape, np.nan) for _ in range(4))
            if fused:
                segs, active = MK.scan_level(d, x, y, 16, same, arrays, (m, 0.5, px, py, *co))
            else:
                segs, active = MK.scan_level(d, x, y, 16, same, arrays)
                MK.coarsen(m, d, x, y, 2, 2, px, py, 0.5, *co)
            outs.append((segs, active, same, arrays, co))
        (s1, a1, f1, ar1, c1), (s2, a2, f2, ar2, c2) = outs
        assert a1 == a2 == np.count_nonzero(d > 0)
        assert (s1 is None) == (s2 is None)
        if s1 is not None:
            assert all(np.array_equal(u, v) for u, v in zip(s1, s2, strict=True))
        assert np.array_equal(f1, f2)
        assert all(np.array_equal(u, v) for u, v in zip(ar1 + c1, ar2 + c2, strict=True))
        assert all(np.isfinite(c).all() for c in c1)


@pytest.mark.parametrize("name", ["many holes", "periodic, odd lengths", "strip array"])
def test_cycle_on_active_runs_equals_cycle_on_every_cell(name, monkeypatch):
    """Skipping the cells that are not unknowns changes no value of the preconditioner."""
    op = build_operator(CASES[name]())
    rng = np.random.default_rng(11)
    r = rng.standard_normal(op.shape) * op.unknown
    rh = rng.standard_normal(op.n_holes)
    monkeypatch.setattr(mg, "SEGMENT_MIN_GAP", 2)  # skip even short gaps
    outs = []
    for full in (False, True):
        if full:
            monkeypatch.setattr(MK, "scan_level", _every_cell(MK.scan_level))
        hier = mg.Hierarchy(op, precision="float64")
        if not full:
            assert hier.levels[0].active_fraction < 1.0
        outs.append(_cycle_output(hier, op, r, rh))
    _assert_same_cycle(*outs, rtol=1e-12)


def test_stale_values_off_the_unknowns_do_not_leak():
    """Work arrays reused from another solve hold old values where cells are not unknowns."""
    op = build_operator(problem("holes", 128, 6.0, holes=5))
    rhs = right_side(op)
    u1, b1, it1, _ = _mg(op, rhs, tol=1e-10)
    mg.release_work_arrays()
    # fill the pool with large finite garbage of the shapes the next solve takes
    junk = []
    for _ in range(12):
        for dt in (np.float64, np.float32):
            for shape in [op.shape] + [(-(-op.shape[0] // 2**k), -(-op.shape[1] // 2**k))
                                       for k in range(1, 6)]:
                junk.append(np.full(shape, 1e30, dt))
    mg._POOL.give(junk)
    u2, b2, it2, _ = _mg(op, rhs, tol=1e-10)
    mg.release_work_arrays()
    assert it2 == it1
    np.testing.assert_array_equal(u2[~op.unknown], 0.0)
    np.testing.assert_allclose(u2, u1, rtol=0, atol=1e-12 * np.abs(u1).max())
    np.testing.assert_allclose(b2, b1, rtol=1e-12)


def test_coupling_to_a_non_unknown_falls_back_to_every_cell():
    op = build_operator(problem("hollow_cylinder", 64, 5.0))
    act = op.diag > 0
    assert MK.couplings_confined(op.diag, op.wx, op.wy)
    wx = op.wx.copy()
    i, j = np.argwhere(act & ~np.roll(act, -1, 0))[0]
    wx[i, j] = 1.0
    assert not MK.couplings_confined(op.diag, wx, op.wy)
    assert MK.active_segments(op.diag, wx, op.wy) is None


def test_right_side_off_the_unknowns_is_refused():
    """From zero, from a guess (even one that already meets tol), and from the
    full-multigrid start, which reads the right side on the unknowns only."""
    op = build_operator(problem("hollow_cylinder", 64, 20.0))
    rhs_u, rhs_b = right_side(op)
    rhs_u = rhs_u.copy()
    rhs_u[0, 0] = 1.0  # a corner of the box: vacuum, not an unknown
    assert op.diag[0, 0] == 0
    hier = mg.Hierarchy(op)
    with pytest.raises(ParameterError, match="not unknowns"):
        mg.pcg(op, hier, rhs_u, rhs_b, tol=1e-8, maxiter=50)
    u, b, _, _ = mg.pcg(op, hier, *right_side(op), tol=1e-10, maxiter=50)
    with pytest.raises(ParameterError, match="not unknowns"):
        mg.pcg(op, hier, rhs_u, rhs_b, tol=0.5, maxiter=50, x0=(u, b))
    opts = SolverOptions(method="multigrid")
    assert opts.full_multigrid_for("axial", mg.lambda_cells(op))
    with pytest.raises(ParameterError, match="not unknowns"):
        mg.solve(op, rhs_u, rhs_b, opts)


def test_lambda_cells_from_the_assembly_is_the_smallest_penetration_depth():
    """The axial operator's assembly records the smallest (lambda / h)^2 on its way; in
    grid cells it is the smallest penetration depth in the superconductor, as read
    from the geometry (NaN outside the superconductor), in both materials. Operators
    without the record (axisymmetric) read the geometry."""
    for geo in (_two_materials(), CASES["many holes"](), _axisymmetric_op()):
        op = geo if hasattr(geo, "diag") else build_operator(geo)
        want = float(np.nanmin(op.geometry.penetration_depth)) / op.geometry.grid.spacing
        assert mg.lambda_cells(op) == pytest.approx(want, rel=1e-12)
    geo = _two_materials()
    lam = geo.penetration_depth[np.isfinite(geo.penetration_depth)]
    assert lam.min() < lam.max()  # two depths: the smaller one counts


@pytest.mark.parametrize("name", ["many holes", "periodic, odd lengths", "hollow cylinder"])
def test_fused_verification_equals_operator_residual(name):
    from fluxoid.solvers.run import true_residual as reference

    op = build_operator(CASES[name]())
    rhs = right_side(op)
    rng = np.random.default_rng(3)
    u = rng.standard_normal(op.shape) * op.unknown
    b = rng.standard_normal(op.n_holes)
    hier = mg.Hierarchy(op)
    got = mg.true_residual(op, u, b, rhs[0], rhs[1], hier)
    assert got == pytest.approx(reference(op, u, b, rhs[0], rhs[1]), rel=1e-12)
    u[np.argwhere(op.unknown)[0][0], np.argwhere(op.unknown)[0][1]] = np.nan
    assert mg.true_residual(op, u, b, rhs[0], rhs[1], hier) == np.inf


@pytest.mark.parametrize("name", ["hollow cylinder", "many holes", "periodic, odd lengths"])
def test_cycle_from_a_guess_is_the_correction_of_its_residual(name):
    # the W-cycle's second visit runs from the first visit's result: on every level
    # the cycle from (e, eh) must equal e + B (r - A e), computed the long way round
    op = build_operator(CASES[name]())
    hier = mg.Hierarchy(op, precision="float64")
    rng = np.random.default_rng(7)
    threads = mg.numba.get_num_threads()
    for l, lev in enumerate(hier.levels[:-1]):
        act = lev.inv_d != 0
        r = rng.standard_normal(lev.shape) * act
        rh = rng.standard_normal(lev.n_holes)
        e = rng.standard_normal(lev.shape) * act
        eh = rng.standard_normal(lev.n_holes)
        res = np.zeros(lev.shape)
        res_h = mg._level_residual(lev, r, rh, e, eh, res)
        z, zh = np.zeros(lev.shape), np.zeros(lev.n_holes)
        hier._vcycle(l, res, res_h, z, zh, threads)
        out, out_h = e.copy(), eh.copy()  # in place, as the W-cycle runs it
        hier._vcycle(l, r, rh, out, out_h, threads, out, out_h)
        scale = np.abs(e + z).max()
        assert np.abs(out - (e + z))[act].max() <= 1e-12 * scale
        if lev.n_holes:
            assert np.abs(out_h - (eh + zh)).max() <= 1e-12 * scale


# -- runs of constant stencil -----------------------------------------------------------------

def _two_materials():
    # lambda 3 cells on the left, 7 on the right of a wall, a hole across it, periodic in y
    m = np.zeros((70, 64), bool)
    m[1:-1] = True
    m[30:40, 20:28] = False
    lam = np.where(np.arange(70)[:, None] < 35, 3e-6, 7e-6) * np.ones((1, 64))
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=lam, periodic=(False, True))


def _axisymmetric_op():
    from fluxoid.solvers.axisymmetric import build_operator as build_rz

    ring = fx.meshes.revolution(fx.meshes.Rectangle(1.0e-6, 0.6e-6, center=(1.2e-6, 0.0)),
                                penetration_depth=0.15e-6, spacing=0.02e-6)
    return build_rz(ring)


def test_constant_runs_partition_the_runs_and_hold_their_key():
    """Every cell of a constant run has the run's stencil; the runs cover the same cells."""
    op = build_operator(_two_materials())
    seg = MK.active_segments(op.diag, op.wx, op.wy, 2)
    sp_, lo, hi, ck, key = MK.constant_runs(op.diag, op.wx, op.wy, seg, 4)
    nx, ny = op.shape
    cover = np.zeros(op.shape, int)
    keys = set()
    for i in range(nx):
        for g in range(sp_[i], sp_[i + 1]):
            cover[i, lo[g]:hi[g]] += 1
            if not ck[g]:
                continue
            assert lo[g] % 2 == 0 and hi[g] % 2 == 0 and hi[g] - lo[g] >= 4
            j = np.arange(lo[g], hi[g])
            im, ip = (i - 1) % nx, (i + 1) % nx
            d, w = op.diag, op.wx
            got = np.stack([d[i, j], d[im, j], d[ip, j], w[im, j], w[i, j], op.wy[i, j]], 1)
            assert np.array_equal(got, np.broadcast_to(key[g], got.shape))
            assert np.array_equal(d[i, j - 1], d[i, j]) and np.array_equal(d[i, j + 1], d[i, j])
            assert np.array_equal(op.wy[i, j - 1], op.wy[i, j])
            keys.add(tuple(key[g]))
    assert np.array_equal(cover, (seg_cover := _cover(seg, op.shape)))
    assert seg_cover.sum() == cover.sum()
    assert len(keys) >= 2  # one stencil per material (at least)
    assert np.sum((hi - lo)[ck == 1]) > 0.6 * np.sum(hi - lo)


def _cover(seg, shape):
    sp_, lo, hi = seg
    c = np.zeros(shape, int)
    for i in range(shape[0]):
        for g in range(sp_[i], sp_[i + 1]):
            c[i, lo[g]:hi[g]] += 1
    return c


@pytest.mark.parametrize("name", ["two materials", "periodic, odd lengths", "many holes",
                                  "axisymmetric"])
@pytest.mark.parametrize("cycle", ["W", "A"])
def test_cycle_with_constant_stencils_equals_cycle_from_the_arrays(name, cycle, monkeypatch):
    """Reading a run's stencil once instead of from the arrays changes no value beyond rounding."""
    if name == "axisymmetric":
        op = _axisymmetric_op()
    elif name == "two materials":
        op = build_operator(_two_materials())
    elif name == "many holes":  # big enough for constant runs on the first coarse level too
        op = build_operator(problem("holes", 192, 6.0, holes=6))
    else:
        op = build_operator(CASES[name]())
    rng = np.random.default_rng(12)
    r = rng.standard_normal(op.shape) * (op.diag > 0)
    rh = rng.standard_normal(op.hole_diag.size)
    outs = []
    for min_len in (4, 0):
        monkeypatch.setattr(mg, "CONSTANT_RUN_MIN", min_len)
        hier = mg.Hierarchy(op, precision="float64", cycle=cycle)
        if min_len:  # the constant runs are taken on the fine level and below
            assert hier.levels[0].constant_fraction > 0.25
            assert hier.levels[1].constant_fraction > 0.1
        else:
            assert hier.levels[0].constant_fraction == 0.0
        outs.append(_cycle_output(hier, op, r, rh))
    _assert_same_cycle(*outs, rtol=1e-11)


def test_small_levels_take_no_constant_runs(monkeypatch):
    """By default only coarse levels of at least CONSTANT_RUN_MIN_CELLS cells take constant
    stretches apart, and the finest level always (its runs serve the CG operator too);
    the cycle is the same either way."""
    op = build_operator(problem("hollow_cylinder", 128, 6.0))
    monkeypatch.setattr(mg, "CONSTANT_RUN_MIN_CELLS", 128 * 128 + 1)
    fr = [lev.constant_fraction for lev in mg.Hierarchy(op, precision="float64").levels]
    assert fr[0] > 0.25 and fr[1] == 0.0
    monkeypatch.setattr(mg, "CONSTANT_RUN_MIN_CELLS", 64 * 64)
    rng = np.random.default_rng(14)
    r = rng.standard_normal(op.shape) * (op.diag > 0)
    rh = rng.standard_normal(op.hole_diag.size)
    hier = mg.Hierarchy(op, precision="float64")
    fr = [lev.constant_fraction for lev in hier.levels]
    assert [f > 0.25 for f in fr] == [lev.cells >= 64 * 64 for lev in hier.levels]
    assert fr[1] > 0.25 and fr[2] == 0.0
    monkeypatch.setattr(mg, "CONSTANT_RUN_MIN_CELLS", 0)
    every = mg.Hierarchy(op, precision="float64")
    assert all(lev.constant_fraction > 0.1 for lev in every.levels[:-1])
    _assert_same_cycle(_cycle_output(hier, op, r, rh), _cycle_output(every, op, r, rh),
                       rtol=1e-11)


@pytest.mark.parametrize("name", ["hollow cylinder", "strip array", "many holes",
                                  "periodic, odd lengths", "two materials"])
@pytest.mark.parametrize("guess", [False, True])
def test_fused_down_pass_equals_its_three_passes(name, guess):
    """down_fine = presmooth (from a guess: the red-first sweep), the red-first sweep and
    residual_restrict, for any split of the rows among blocks (a block's first rows are
    recomputed from its neighbour's)."""
    op = build_operator(_two_materials() if name == "two materials" else CASES[name]())
    hier = mg.Hierarchy(op, precision="float64")
    lev, co = hier.levels[0], hier.levels[1]
    assert lev.factor == (2, 2)
    rng = np.random.default_rng(21)
    r = rng.standard_normal(lev.shape) * (lev.inv_d != 0)
    x0 = rng.standard_normal(lev.shape) * (lev.inv_d != 0) if guess else hier._zero_c
    x, y, rc = np.zeros(lev.shape), np.zeros(lev.shape), np.zeros(co.shape)
    if guess:
        hier._sweep(lev, x0, hier._zero_c, r, 0, 1, x, lev.h0, lev.h0)
    else:
        MK.presmooth(r, lev.inv_d, lev.wx, lev.wy, x, *lev.stencil_runs)
    hier._sweep(lev, x, hier._zero_c, r, 0, 1, y, lev.h0, lev.h0)
    MK.residual_restrict(r, y, lev.inv_d, lev.wx, lev.wy, 2, 2, rc, *lev.stencil_runs)
    for nchunks in (1, 3, 8, 10**6):
        y2, rc2 = np.zeros(lev.shape), np.full(co.shape, np.nan)
        MK.down_fine(r, lev.inv_d, lev.wx, lev.wy, x0, y2, rc2, nchunks, *lev.stencil_runs)
        np.testing.assert_allclose(y2, y, rtol=0, atol=1e-13 * np.abs(y).max())
        np.testing.assert_allclose(rc2, rc, rtol=0, atol=1e-13 * np.abs(rc).max())


@pytest.mark.parametrize("name", ["hollow cylinder", "strip array", "many holes",
                                  "periodic, odd lengths", "two materials"])
def test_fused_up_pass_equals_its_two_sweeps(name):
    """up_fine = post_smooth from y + P e and post_smooth again (black first, no hole
    lists), for any split of the rows among blocks, r . out included."""
    op = build_operator(_two_materials() if name == "two materials" else CASES[name]())
    hier = mg.Hierarchy(op, precision="float64")
    lev, co = hier.levels[0], hier.levels[1]
    rng = np.random.default_rng(23)
    r, y = (rng.standard_normal(lev.shape) * (lev.inv_d != 0) for _ in range(2))
    e = rng.standard_normal(co.shape) * (co.inv_d != 0)
    x, out = np.zeros(lev.shape), np.zeros(lev.shape)
    hier._sweep(lev, y, e, r, 1, 1, x, lev.h0, lev.h0)
    rz = hier._sweep(lev, x, hier._zero_c, r, 1, 1, out, lev.h0, lev.h0)
    for nchunks in (1, 3, 8, 10**6):
        out2 = np.zeros(lev.shape)
        rz2 = MK.up_fine(y, e, r, lev.inv_d, lev.wx, lev.wy, *lev.factor, nchunks, out2,
                         *lev.stencil_runs)
        np.testing.assert_allclose(out2, out, rtol=0, atol=1e-13 * np.abs(out).max())
        assert rz2 == pytest.approx(rz, rel=1e-13)


def _random_mask_operator(rng, sizes, hole, margin, lams):
    """The axial operator on a random mask: both lengths in ``sizes``, each axis periodic or
    not (a non-periodic one gets a vacuum border), up to three rectangular holes up to
    ``hole - 1`` cells wide starting at least ``margin`` cells before the far edges, lambda
    one of ``lams`` cells."""
    nx, ny = (int(v) for v in rng.integers(*sizes, size=2))
    px, py = bool(rng.integers(2)), bool(rng.integers(2))
    m = np.ones((nx, ny), bool)
    if not px:
        m[[0, -1], :] = False
    if not py:
        m[:, [0, -1]] = False
    for _ in range(int(rng.integers(0, 4))):
        a, b = int(rng.integers(1, nx - margin)), int(rng.integers(1, ny - margin))
        m[a:a + int(rng.integers(1, hole)), b:b + int(rng.integers(1, hole))] = False
    lam = float(rng.choice(lams)) * 1e-6
    return build_operator(fx.meshes.from_mask(m, 1e-6, penetration_depth=lam,
                                              periodic=(px, py)))


def test_fused_cycle_on_random_masks():
    """Fused and separate fine-level passes agree on random masks: odd and even sizes,
    periodic or not on each axis, up to three rectangular holes, several lambdas."""
    rng = np.random.default_rng(5)
    done = 0
    while done < 12:
        op = _random_mask_operator(rng, (9, 90), 6, 3, [2.0, 4.0, 30.0])
        r = rng.standard_normal(op.shape) * op.unknown
        rh = rng.standard_normal(op.n_holes)
        outs = []
        for fuse in (True, False):
            hier = mg.Hierarchy(op, precision="float64")
            hier.fuse_down = hier.fuse_up = fuse
            outs.append(_cycle_output(hier, op, r, rh))
        if len(hier.levels) < 2:
            continue
        _assert_same_cycle(*outs, rtol=1e-12)
        done += 1


def test_cycle_with_the_fused_passes_equals_the_separate_passes():
    op = build_operator(problem("holes", 192, 6.0, holes=6))
    rng = np.random.default_rng(22)
    r = rng.standard_normal(op.shape) * (op.diag > 0)
    rh = rng.standard_normal(op.hole_diag.size)
    outs = []
    for down, up in ((True, True), (False, False), (True, False), (False, True)):
        hier = mg.Hierarchy(op, precision="float64")
        hier.fuse_down, hier.fuse_up = down, up
        outs.append(_cycle_output(hier, op, r, rh))
    for other in outs[1:]:
        _assert_same_cycle(outs[0], other, rtol=1e-12)


@pytest.mark.parametrize("name", ["hollow cylinder", "strip array", "many holes",
                                  "periodic, odd lengths", "two materials"])
def test_black_half_sweep_completes_a_sweep_after_an_up_sweep(name):
    """After an up-sweep (black, then red), a sweep red-then-black from its result and
    the black half-sweep alone give the same iterate: the red half would repeat itself.
    From any other x they differ (the red half matters there), and on a periodic axis of
    odd length too (two red cells meet across its seam)."""
    op = build_operator(_two_materials() if name == "two materials" else CASES[name]())
    hier = mg.Hierarchy(op, precision="float64")
    for lev in hier.levels[:2]:
        assert lev.two_colour == (name != "periodic, odd lengths")
        rng = np.random.default_rng(31)
        r, x = (rng.standard_normal(lev.shape) * (lev.inv_d != 0) for _ in range(2))
        lev.xh[:] = rng.standard_normal(lev.n_holes)
        y = np.zeros(lev.shape)
        hier._sweep(lev, x, hier._zero_c, r, 1, 3, y)  # the up-sweep: black, red
        for start, same in ((y, True), (x, False)):
            full, half = np.zeros(lev.shape), np.zeros(lev.shape)
            hier._sweep(lev, start, hier._zero_c, r, 0, 3, full)  # red, black
            MK.half_sweep(start, r, lev.inv_d, lev.wx, lev.wy, lev.xh, *lev.hb, half,
                          *lev.stencil_runs, 0)
            gap = np.abs(half - full).max() / np.abs(full).max()
            assert (gap < 1e-14) if same and lev.two_colour else (gap > 1e-3)


@pytest.mark.parametrize("cycle", ["W", "A"])
def test_second_visits_with_the_black_half_sweep_equal_full_sweeps(cycle, monkeypatch):
    """The W-cycle's second visits (and the "A" cycle's second pass) start with a black
    half-sweep only; whole cycles equal those with full sweeps on every benchmark mask
    and on random masks (odd sizes, periodic axes, holes)."""
    monkeypatch.setattr(mg, "COARSEST_CELLS", 64)
    calls = []
    half_sweep = MK.half_sweep
    monkeypatch.setattr(MK, "half_sweep", lambda *a: calls.append(1) or half_sweep(*a))
    rng = np.random.default_rng(6)
    ops = [build_operator(CASES[k]()) for k in CASES]
    while len(ops) < len(CASES) + 6:
        ops.append(_random_mask_operator(rng, (40, 110), 8, 8, [2.0, 5.0, 30.0]))
    revisited = 0  # the masks where some second visit took the half-sweep
    for op in ops:
        r = rng.standard_normal(op.shape) * op.unknown
        rh = rng.standard_normal(op.n_holes)
        outs = []
        for half in (True, False):
            hier = mg.Hierarchy(op, precision="float64", cycle=cycle)
            hier.black_again = half
            calls.clear()
            outs.append(_cycle_output(hier, op, r, rh))
            revisited += bool(calls)
        assert not calls  # (and none with full sweeps asked for)
        _assert_same_cycle(*outs, rtol=1e-12)
    assert revisited >= 8  # of the 12 masks


@pytest.mark.parametrize("px, py", [(False, False), (True, False), (False, True), (True, True)])
def test_dominance_check_matches_the_neighbour_sums(px, py):
    """The coarsening stop: every active cell's couplings sum to at most frac x its diagonal."""
    rng = np.random.default_rng(13)
    nx, ny = 23, 18
    wx = rng.random((nx, ny))
    wy = rng.random((nx, ny))
    if not px:
        wx[-1] = 0.0
    if not py:
        wy[:, -1] = 0.0
    off = wx + np.roll(wx, 1, 0) + wy + np.roll(wy, 1, 1)
    diag = np.where(rng.random((nx, ny)) < 0.8, off / 0.3, 0.0)  # 20% inactive cells
    assert MK.dominated(diag, wx, wy, px, py, 0.3 * (1 + 1e-12))
    k = np.flatnonzero(diag > 0)[7]
    diag.reshape(-1)[k] = off.reshape(-1)[k] / 0.31  # one active cell just past the limit
    assert not MK.dominated(diag, wx, wy, px, py, 0.3 * (1 + 1e-12))
    diag.reshape(-1)[k] = 0.0  # ... and ignored when it is not an unknown
    assert MK.dominated(diag, wx, wy, px, py, 0.3 * (1 + 1e-12))


def _fmg_start(op, rhs, hier, finest_cycles=1):
    u0 = fx.solvers.kernels.mapped_zeros(op.shape)
    b0 = mg.fmg(op, hier, rhs[0], rhs[1], u0, finest_cycles)
    return u0, b0, mg.true_residual(op, u0, b0, rhs[0], rhs[1], hier)


def test_full_multigrid_start_has_a_second_finest_cycle_for_tight_tolerances():
    """Below ``FMG_SECOND_CYCLE_TOL`` the start ends with a second cycle on the finest
    level: a multigrid cycle contracts the residual by a factor well below 1 (measured
    4.0e-4 -> 6.5e-5 at 512^2), and CG from that start ends on the same solution."""
    op = build_operator(problem("hollow_cylinder", 512, 20.0))
    rhs = right_side(op)
    hier = mg.Hierarchy(op)
    one = _fmg_start(op, rhs, hier)
    two = _fmg_start(op, rhs, hier, 2)
    assert two[2] <= 0.4 * one[2]
    opts = SolverOptions()
    for tol, want in ((1e-8, two[2]), (mg.FMG_SECOND_CYCLE_TOL, two[2]), (1e-6, one[2])):
        u0, b0 = mg.start(op, hier, rhs[0], rhs[1], opts, tol)
        assert mg.true_residual(op, u0, b0, rhs[0], rhs[1], hier) == pytest.approx(want,
                                                                                  rel=1e-6)
    ref = mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-10, maxiter=100, x0=one[:2])
    got = mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-10, maxiter=100, x0=two[:2])
    assert got[2] <= ref[2]
    assert np.abs(got[0] - ref[0]).max() <= 1e-8 * np.abs(ref[0]).max()


def test_full_multigrid_start_solves_the_coarse_problems_of_the_fine_one():
    """The full-multigrid pass is worth its cost only if each coarse level solves an
    approximation of the fine problem. The coarse stiffness is the Galerkin sum times s,
    so the applied field's boundary couplings in the right side must be restricted times
    s too: restricted by plain sums (s = 1 for the right side), every coarse solution
    carries twice the boundary field and the start is 20-50 times worse (measured at
    512^2: 4.0e-4 against 2e-2)."""
    op = build_operator(problem("hollow_cylinder", 512, 20.0))
    rhs = right_side(op)
    hier = mg.Hierarchy(op)
    u0, b0, start = _fmg_start(op, rhs, hier)
    assert start <= 1e-3
    assert np.all(u0[~op.unknown] == 0.0)  # the start is zero off the unknowns
    hier.stiffness_scale = 1.0  # the right side by plain sums (the operator is unchanged)
    assert _fmg_start(op, rhs, hier)[2] >= 10 * start
    hier.stiffness_scale = mg.STIFFNESS_SCALE
    # CG from the start: two iterations fewer than from zero, and the same solution
    ref = mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-10, maxiter=100)
    got = mg.pcg(op, hier, rhs[0], rhs[1], tol=1e-10, maxiter=100, x0=(u0, b0))
    assert got[2] <= ref[2] - 2
    assert got[3][0] == pytest.approx(start, rel=1e-6)
    assert np.abs(got[0] - ref[0]).max() <= 1e-8 * np.abs(ref[0]).max()
    assert got[1][0] == pytest.approx(ref[1][0], rel=1e-8)


def test_full_multigrid_restricts_sources_as_cell_integrals():
    """Point sources (vortices) are restricted as they are, the boundary couplings times
    s: the total of each part is conserved that way down every level, and taking the
    sources for couplings too halves them on every level (a start from vortices alone
    twice as far off: measured 7.3e-3 against 1.5e-2 at 512^2)."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((9, 12)).astype(np.float32)
    mark = (rng.random((9, 12)) < 0.4) * 1.0
    sp_, slo, shi = MK.full_segments(a.shape)
    shape = (5, 6)
    fbc, fsc, fc = (np.zeros(shape, np.float32) for _ in range(3))
    none = np.zeros((0, 0), np.float32)
    MK.restrict_parts(a, none, mark, 0.5, 2, 2, fbc, fsc, fc, sp_, slo, shi)
    assert fbc.sum() == pytest.approx(0.5 * a[mark != 0].sum(), abs=1e-5)
    assert fsc.sum() == pytest.approx(a[mark == 0].sum(), abs=1e-5)
    assert np.allclose(fc, fbc + fsc)
    assert fc[4, 5] == pytest.approx(0.5 * a[8, 10:12] @ mark[8, 10:12]
                                     + a[8, 10:12] @ (1 - mark[8, 10:12]), abs=1e-5)
    # one more level down: the parts keep their scales
    gbc, gsc, gc = (np.zeros((3, 3), np.float32) for _ in range(3))
    sp2, slo2, shi2 = MK.full_segments(shape)
    MK.restrict_parts(fbc, fsc, np.zeros((0, 0)), 0.5, 2, 2, gbc, gsc, gc, sp2, slo2, shi2)
    assert gbc.sum() == pytest.approx(0.25 * a[mark != 0].sum(), abs=1e-5)
    assert gsc.sum() == pytest.approx(a[mark == 0].sum(), abs=1e-5)
    # runs that start and end on odd and even columns: each cell lands in its aggregate
    for seed in range(4):
        r2 = np.random.default_rng(seed)
        nx, ny = 7 + seed, 11 + 2 * seed
        counts = r2.integers(0, 3, nx)
        sp_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        slo, shi = [], []
        for c in counts:
            cut = np.sort(r2.choice(np.arange(ny + 1), 2 * c, replace=False))
            slo += list(cut[0::2])
            shi += list(cut[1::2])
        slo, shi = np.array(slo, np.int64), np.array(shi, np.int64)
        on = np.zeros((nx, ny), bool)
        for i in range(nx):
            for g in range(sp_[i], sp_[i + 1]):
                on[i, slo[g]:shi[g]] = True
        a = r2.standard_normal((nx, ny)).astype(np.float32)
        mark = (r2.random((nx, ny)) < 0.4) * 1.0
        cs = (-(-nx // 2), -(-ny // 2))
        fbc, fsc, fc = (np.full(cs, np.nan, np.float32) for _ in range(3))
        MK.restrict_parts(a, none, mark, 0.5, 2, 2, fbc, fsc, fc, sp_, slo, shi)
        want_b, want_s = np.zeros(cs), np.zeros(cs)
        np.add.at(want_b, (np.arange(nx)[:, None] // 2, np.arange(ny)[None, :] // 2),
                  np.where(on & (mark != 0), a, 0.0))
        np.add.at(want_s, (np.arange(nx)[:, None] // 2, np.arange(ny)[None, :] // 2),
                  np.where(on & (mark == 0), a, 0.0))
        np.testing.assert_allclose(fbc, 0.5 * want_b, atol=1e-5)
        np.testing.assert_allclose(fsc, want_s, atol=1e-5)
        np.testing.assert_allclose(fc, 0.5 * want_b + want_s, atol=1e-5)
    # vortices alone: the split start is better than taking them for couplings
    op = build_operator(problem("hollow_cylinder", 512, 20.0))
    cells = np.argwhere(op.unknown)
    pick = cells[np.random.default_rng(1).choice(len(cells), 5, replace=False)]
    rhs = op.rhs(0.0, [0], [(int(i), int(j), 1.0, 1) for i, j in pick])
    split = _fmg_start(op, rhs, mg.Hierarchy(op))[2]
    saved = op.outside_w
    op.outside_w = np.ones_like(saved)  # every cell taken for a coupling to the outside
    try:
        lumped = _fmg_start(op, rhs, mg.Hierarchy(op))[2]
    finally:
        op.outside_w = saved
    assert split <= 0.7 * lumped


def test_full_multigrid_default_follows_lambda():
    opts = SolverOptions()
    assert opts.full_multigrid is None
    assert opts.full_multigrid_for("axial", 20.0)
    assert not opts.full_multigrid_for("axial", 3.0)  # (where it was 10% slower)
    assert not opts.full_multigrid_for("transverse", 20.0)
    assert SolverOptions(full_multigrid=True).full_multigrid_for("axial", 3.0)
    assert not SolverOptions(full_multigrid=False).full_multigrid_for("axial", 20.0)
    SolverOptions(full_multigrid=None).validate_for("transverse")  # the default never raises
    # and fx.solve takes it: the same fluxoid and field as from zero
    geo = problem("hollow_cylinder", 256, 20.0)
    a = fx.solve(geo, applied_field=1e-3, fluxoid=[1], options=SolverOptions(method="multigrid"))
    b = fx.solve(geo, applied_field=1e-3, fluxoid=[1],
                 options=SolverOptions(method="multigrid", full_multigrid=False))
    assert a.iterations < b.iterations
    assert np.abs(a.B - b.B).max() <= 1e-8 * np.abs(b.B).max()
    assert np.allclose(a.fluxoid_in_quanta, [1.0], atol=1e-8)
