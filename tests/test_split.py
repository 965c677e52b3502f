"""The finest level's passes on rows split by colour (fluxoid.solvers.mg_split).

Each split kernel is checked against the natural-order kernel it replaces, on masks
that exercise every path: constant and general runs, runs with odd ends, active row
ends, periodic axes (even lengths) and holes; and the solver is checked to take the
split path where it may and to give the same solution either way.
"""

import numpy as np
import pytest

import fluxoid as fx
import fluxoid.solvers.mg_kernels as MK
import fluxoid.solvers.mg_split as MS
import fluxoid.solvers.multigrid as mg
from fluxoid.bench import problem, right_side
from fluxoid.solvers.axial import build_operator


def _even_periodic():
    # periodic on both axes (even lengths: row ends and seams wrap), two holes
    m = np.ones((44, 38), bool)
    m[10:16, 12:19] = False
    m[30:33, 29:36] = False
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=4e-6, periodic=(True, True))


def _speckled(seed):
    # many short general runs with odd ends, isolated cells, a periodic axis or two
    rng = np.random.default_rng(seed)
    nx, ny = (2 * int(v) for v in rng.integers(8, 30, size=2))
    px, py = bool(seed % 2), bool(seed % 3 == 0)
    m = rng.random((nx, ny)) < 0.8
    m[nx // 2:, ny // 2:] |= rng.random((nx - nx // 2, ny - ny // 2)) < 0.9
    m[nx // 3:nx // 3 + 3, ny // 4:ny // 4 + 5] = False
    if not px:
        m[[0, -1], :] = False
    if not py:
        m[:, [0, -1]] = False
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=3e-6, periodic=(px, py))


def _two_materials():
    m = np.zeros((80, 64), bool)
    m[3:-3, 3:-3] = True
    lam = np.where(np.arange(80)[:, None] < 40, 4e-6, 9e-6) * np.ones((1, 64))
    return fx.meshes.from_mask(m, 1e-6, penetration_depth=lam)


MASKS = {
    "hollow cylinder": lambda: problem("hollow_cylinder", 96, 6.0),
    "strip array": lambda: problem("strips", 96, 4.0),
    "many holes": lambda: problem("holes", 96, 5.0, holes=8),
    "periodic, even lengths, holes": _even_periodic,
    "two materials": _two_materials,
    "speckled 0": lambda: _speckled(0),
    "speckled 1": lambda: _speckled(1),
    "speckled 4": lambda: _speckled(4),
}


def _level(name):
    op = build_operator(MASKS[name]())
    hier = mg.Hierarchy(op, precision="float64")
    assert hier.split and hier.levels[0].factor == (2, 2)
    return hier, hier.levels[0], hier.levels[1]


def _to_split(a):
    out = np.empty(a.size, a.dtype)
    out[MS.split_index(a.shape, np.arange(a.size))] = a.reshape(-1)
    return out.reshape(a.shape)


def _from_split(a):
    return a.reshape(-1)[MS.split_index(a.shape, np.arange(a.size))].reshape(a.shape)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * np.abs(b).max())


@pytest.mark.parametrize("name", list(MASKS))
@pytest.mark.parametrize("guess", [False, True])
def test_down_pass_equals_natural_order(name, guess):
    """down_split on split r, x0 and y = down_fine in natural order (y and the restricted
    residual), from zero and from a guess, for any split of the rows among blocks."""
    hier, lev, co = _level(name)
    rng = np.random.default_rng(31)
    act = lev.inv_d != 0
    r = rng.standard_normal(lev.shape) * act
    x0 = rng.standard_normal(lev.shape) * act if guess else hier._zero_c
    y, rc = np.zeros(lev.shape), np.zeros(co.shape)
    MK.down_fine(r, lev.inv_d, lev.wx, lev.wy, x0, y, rc, 1, *lev.stencil_runs)
    x0s = _to_split(x0) if guess else x0
    for nchunks in (1, 3, 10**6):
        y2, rc2 = np.zeros(lev.shape), np.full(co.shape, np.nan)
        MS.down_split(_to_split(r), lev.inv_d, lev.wx, lev.wy, x0s, y2, rc2, nchunks,
                      *lev.stencil_runs)
        _close(_from_split(y2), y)
        _close(rc2, rc)


@pytest.mark.parametrize("name", list(MASKS))
def test_up_pass_equals_natural_order(name):
    """up_split on split x, r and out = up_fine in natural order (out and r . out)."""
    hier, lev, co = _level(name)
    rng = np.random.default_rng(37)
    act = lev.inv_d != 0
    r, y = (rng.standard_normal(lev.shape) * act for _ in range(2))
    e = rng.standard_normal(co.shape) * (co.inv_d != 0)
    out = np.zeros(lev.shape)
    rz = MK.up_fine(y, e, r, lev.inv_d, lev.wx, lev.wy, 2, 2, 1, out, *lev.stencil_runs)
    for nchunks in (1, 3, 10**6):
        out2 = np.zeros(lev.shape)
        rz2 = MS.up_split(_to_split(y), e, _to_split(r), lev.inv_d, lev.wx, lev.wy, nchunks,
                          out2, *lev.stencil_runs)
        _close(_from_split(out2), out)
        assert rz2 == pytest.approx(rz, rel=1e-12)


@pytest.mark.parametrize("name", ["many holes", "speckled 1"])
def test_vector_kernels_equal_natural_order(name):
    """The conjugate-gradient kernels that read z or write rl split by colour give the
    natural-order kernels' results (rl and z mapped by split_index), on the runs only."""
    hier, lev, _ = _level(name)
    seg = lev.segments
    rng = np.random.default_rng(41)
    r0, q, p, u = (rng.standard_normal(lev.shape) for _ in range(4))
    z = rng.standard_normal(lev.shape).astype(np.float32)
    on = np.zeros(lev.shape, bool)
    sp, slo, shi = seg
    for i in range(lev.shape[0]):
        for g in range(sp[i], sp[i + 1]):
            on[i, slo[g]:shi[g]] = True
    # r = r0 - alpha q, rl = s r (from r0, and in place)
    for in_place in (False, True):
        r_a, r_b = (r0.copy() if in_place else np.zeros(lev.shape) for _ in range(2))
        rl_a, rl_b = np.zeros(lev.shape, np.float32), np.zeros(lev.shape, np.float32)
        src_a = r_a if in_place else r0
        t_a = MK.update_r(src_a, q, 0.3, rl_a, 0.5, r_a, *seg)
        t_b = MS.update_r_split(r_b if in_place else r0, q, 0.3, rl_b, 0.5, r_b, *seg)
        assert t_b == pytest.approx(t_a, rel=1e-12)
        np.testing.assert_array_equal(r_b[on], r_a[on])
        np.testing.assert_array_equal(_from_split(rl_b)[on], rl_a[on])
    # x += alpha p, p = c z + beta p
    u_a, u_b, p_a, p_b = u.copy(), u.copy(), p.copy(), p.copy()
    MK.update_xp(u_a, z, 0.3, 2.0, 0.7, p_a, *seg)
    MS.update_xp_split(u_b, _to_split(z), 0.3, 2.0, 0.7, p_b, *seg)
    np.testing.assert_array_equal(u_b[on], u_a[on])
    np.testing.assert_allclose(p_b[on], p_a[on], rtol=1e-15)
    # out = s a (split out), p = s z (split z)
    o_a, o_b = np.zeros(lev.shape, np.float32), np.zeros(lev.shape, np.float32)
    t_a = MK.scale_runs(r0, 0.25, o_a, *seg)
    assert MS.scale_split(r0, 0.25, o_b, np.zeros((0, 0), np.float32), *seg) == pytest.approx(
        t_a, rel=1e-12)
    np.testing.assert_array_equal(_from_split(o_b)[on], o_a[on])
    o_c, o_n = np.zeros(lev.shape, np.float32), np.zeros(lev.shape, np.float32)
    assert MS.scale_split(r0, 0.25, o_c, o_n, *seg) == pytest.approx(t_a, rel=1e-12)
    np.testing.assert_array_equal(_from_split(o_c)[on], o_a[on])
    np.testing.assert_array_equal(o_n[on], o_a[on])
    p_a, p_b = np.zeros(lev.shape), np.zeros(lev.shape)
    MK.scale_runs(z, 0.25, p_a, *seg)
    MS.unsplit_scale(_to_split(z), 0.25, p_b, *seg)
    np.testing.assert_array_equal(p_b[on], p_a[on])
    # x = P xc (the full-multigrid start)
    xc = rng.standard_normal(hier.levels[1].shape)
    x_a, x_b = np.zeros(lev.shape), np.zeros(lev.shape)
    MK.prolong_runs(xc, 2, 2, x_a, *seg)
    MS.prolong_split(xc, x_b, *seg)
    np.testing.assert_array_equal(_from_split(x_b)[on], x_a[on])


def test_split_index_is_a_permutation_by_colour():
    """split_index sends each row's red cells to its first half and black ones to its
    second, in column order."""
    shape = (6, 8)
    idx = MS.split_index(shape, np.arange(48)).reshape(shape)
    assert sorted(idx.ravel()) == list(range(48))
    for i in range(6):
        red = [j for j in range(8) if (i + j) % 2 == 0]
        black = [j for j in range(8) if (i + j) % 2 == 1]
        assert list(idx[i, red]) == list(range(8 * i, 8 * i + 4))
        assert list(idx[i, black]) == list(range(8 * i + 4, 8 * i + 8))


def _both_layouts(op, monkeypatch):
    """Hierarchies of op whose cycles run on split vectors and in natural order (in that
    order), the first asserted to take the split path."""
    hiers = []
    for flag in (True, False):
        monkeypatch.setattr(mg, "SPLIT_FINE", flag)
        hiers.append(mg.Hierarchy(op))
        assert hiers[-1].split_pcg == flag
    return hiers


@pytest.mark.parametrize("name", ["hollow cylinder", "periodic, even lengths, holes",
                                  "speckled 4"])
def test_solver_takes_the_split_path_and_agrees(name, monkeypatch):
    """Float32 cycles with even lengths run split (so the solver tests run through it);
    the solution is the natural-order solver's to the tolerance, in as many iterations."""
    op = build_operator(MASKS[name]())
    rhs = right_side(op)
    outs = []
    for hier in _both_layouts(op, monkeypatch):
        u, b, it, _ = mg.pcg(op, hier, *rhs, tol=1e-10, maxiter=100)
        assert mg.true_residual(op, u, b, *rhs, hier) <= 1e-10
        outs.append((u, b, it))
    (u1, b1, it1), (u2, b2, it2) = outs
    assert abs(it1 - it2) <= 1
    np.testing.assert_allclose(u1, u2, rtol=0, atol=1e-8 * np.abs(u2).max())
    np.testing.assert_allclose(b1, b2, rtol=1e-8)


def test_odd_lengths_stay_in_natural_order():
    """A finest level with an odd length (or a periodic seam joining two cells of one
    colour) keeps the natural-order kernels."""
    m = np.ones((45, 39), bool)
    m[10:16, 12:20] = False
    geo = fx.meshes.from_mask(m, 1e-6, penetration_depth=4e-6, periodic=(True, True))
    hier = mg.Hierarchy(build_operator(geo))
    assert not hier.split and not hier.split_pcg
    # float64 cycles read conjugate gradients' own r (kept in natural order)
    h64 = mg.Hierarchy(build_operator(MASKS["hollow cylinder"]()), precision="float64")
    assert h64.split and not h64.split_pcg
    # and the two passes must both be fused
    h32 = mg.Hierarchy(build_operator(MASKS["hollow cylinder"]()))
    assert h32.split_pcg
    h32.fuse_up = False
    assert not h32.split_pcg


@pytest.mark.parametrize("name", ["hollow cylinder", "periodic, even lengths, holes"])
def test_full_multigrid_start_is_the_same_split(name, monkeypatch):
    """The full-multigrid start, whose finest cycles run on split vectors too, gives the
    natural-order start to float32 rounding, holes included."""
    op = build_operator(MASKS[name]())
    rhs = right_side(op)
    starts = []
    hiers = _both_layouts(op, monkeypatch)
    for hier in hiers:
        u0 = np.zeros(op.shape)
        b0 = mg.fmg(op, hier, *rhs, u0, finest_cycles=2)
        starts.append((u0, b0))
    (u1, b1), (u2, b2) = starts
    assert np.abs(u2).max() > 0
    np.testing.assert_allclose(u1, u2, rtol=0, atol=1e-5 * np.abs(u2).max())
    np.testing.assert_allclose(b1, b2, rtol=1e-5)
    # and it is a start: the residual is well below the right side's
    assert mg.true_residual(op, u1, b1, *rhs, hiers[1]) < 1e-2
