"""The discrete operator: symmetric positive definite, matrix-free == assembled,
iterative == direct, second-order geometry."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import fluxoid as fx
from fluxoid.solvers.axial import build_operator

LAM = 0.2e-6


def _geometries():
    yield fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=LAM, spacing=LAM / 4)
    yield fx.meshes.plate_with_holes(3e-6, 1.2e-6, 2, hole_radius=0.3e-6, penetration_depth=LAM,
                                     spacing=LAM / 4)
    yield fx.meshes.slab(1e-6, penetration_depth=LAM, spacing=LAM / 4)
    two = fx.meshes.Disk(0.5e-6) | fx.meshes.Disk(0.3e-6, center=(1.0e-6, 0.0))
    yield fx.meshes.Geometry.from_shapes([fx.meshes.Disk(0.5e-6), fx.meshes.Disk(0.3e-6, center=(1.0e-6, 0))],
                                         penetration_depth=[LAM, 2 * LAM], spacing=LAM / 4)
    del two


@pytest.mark.parametrize("geo", list(_geometries()), ids=["hollow", "plate", "slab", "two-materials"])
def test_operator_is_spd_and_matrix_free_equals_assembled(geo):
    op = build_operator(geo)
    A = op.matrix()
    assert abs(A - A.T).max() <= 1e-14 * abs(A).max()
    lmin = spla.eigsh(A.tocsc(), k=1, sigma=0, which="LM", return_eigenvectors=False)[0]
    assert lmin > 0
    rng = np.random.default_rng(1)
    u = np.where(op.unknown, rng.standard_normal(op.shape), 0.0)
    b = rng.standard_normal(op.n_holes)
    out_u, out_b = np.empty_like(u), np.empty_like(b)
    op.apply(u, b, out_u, out_b)
    y = A @ op.pack(u, b)
    assert np.allclose(op.pack(out_u, out_b), y, rtol=0, atol=1e-13 * np.abs(y).max())
    assert np.all(out_u[~op.unknown] == 0)


def test_operator_built_in_reused_buffers_equals_one_built_in_fresh_memory():
    """The assembly writes every cell of its coefficient arrays: built again into the
    buffers an earlier operator left full of NaN, it is the same to the last bit."""
    K = fx.solvers.kernels
    K.release_buffers()
    geo = fx.meshes.plate_with_holes(3e-6, 1.2e-6, 2, hole_radius=0.3e-6,
                                     penetration_depth=LAM, spacing=LAM / 80)
    first = build_operator(geo)
    assert first.diag.nbytes >= K._BUFFERS.min_bytes  # (big enough to be kept for reuse)
    fresh = {k: getattr(first, k).copy() for k in ("diag", "wx", "wy", "outside_w")}
    bases = set()
    for k in fresh:
        getattr(first, k)[...] = np.nan
        bases.add(id(getattr(first, k).base))
    del first
    again = build_operator(geo)
    assert {id(getattr(again, k).base) for k in fresh} == bases  # the same buffers
    for k, v in fresh.items():
        assert np.array_equal(getattr(again, k), v)
    K.release_buffers()


def test_operator_assembled_into_garbage_equals_one_assembled_into_zeros(monkeypatch):
    """Every array the assembly takes unfilled (coefficients and the per-cell count of
    links into holes) is written at every cell: handed arrays full of garbage, it builds
    the same operator and the same edge list as from zeros."""
    import fluxoid.solvers.axial_kernels as AK

    geo = fx.meshes.plate_with_holes(3e-6, 1.2e-6, 3, hole_radius=0.3e-6,
                                     penetration_depth=LAM, spacing=LAM / 8)
    ops = []
    for junk in (0, -7):
        monkeypatch.setattr(AK, "mapped_empty", lambda shape, dtype=float, v=junk: np.full(
            shape, np.nan if v and np.dtype(dtype).kind == "f" else v, dtype))
        ops.append(build_operator(geo))
    a, b = ops
    assert a.edge_cell.size > 0
    for k in ("diag", "wx", "wy", "outside_w", "edge_cell", "edge_hole", "edge_w", "hole_diag"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k


def test_iterative_agrees_with_direct():
    geo = fx.meshes.plate_with_holes(3e-6, 1.2e-6, 2, hole_radius=0.3e-6, penetration_depth=LAM,
                                     spacing=LAM / 6)
    d = fx.solve(geo, applied_field=0.5e-3, fluxoid=[1, -1], method="direct")
    c = fx.solve(geo, applied_field=0.5e-3, fluxoid=[1, -1], method="cg", tol=1e-11)
    assert d.method == "direct" and c.method == "cg"
    assert c.residual <= 1e-10 and c.iterations > 1
    assert np.allclose(c.B, d.B, rtol=0, atol=1e-8 * np.abs(d.B).max())
    assert np.allclose(c.hole_flux, d.hole_flux, rtol=1e-8)


def test_default_tolerance_is_1e10():
    geo = fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=LAM, spacing=LAM / 6)
    sol = fx.solve(geo, applied_field=0.5e-3, fluxoid=[1], method="cg")
    assert sol.residual <= 1e-10


def test_hole_area_and_centroid_second_order():
    a = 0.7e-6
    errs = []
    for k in (4, 8, 16, 32):
        geo = fx.meshes.hollow_cylinder(a, 1.2e-6, penetration_depth=LAM, spacing=LAM / k)
        errs.append(abs(geo.holes[0].area / (np.pi * a * a) - 1))
        assert np.hypot(*geo.holes[0].centroid) < 1e-3 * a
    p = -np.polyfit(np.log([4, 8, 16, 32]), np.log(errs), 1)[0]
    assert p >= 1.8, errs


def test_hole_order_is_left_to_right():
    holes = [(1.0e-6, 0.0, 0.2e-6), (-1.0e-6, 0.0, 0.3e-6), (0.0, 0.0, 0.25e-6)]
    geo = fx.meshes.plate_with_holes(3.2e-6, 1.2e-6, holes, penetration_depth=LAM, spacing=LAM / 4)
    xs = [h.centroid[0] for h in geo.holes]
    assert xs == sorted(xs)
    areas = [h.area for h in geo.holes]
    assert areas[0] == pytest.approx(np.pi * 0.3e-6**2, rel=2e-2)
    assert areas[2] == pytest.approx(np.pi * 0.2e-6**2, rel=2e-2)


def test_sampled_sdf_is_exact_near_the_boundary_and_sign_exact_everywhere():
    """The block-sampled signed distance used for rasterizing equals the exact one within
    two cells of the boundary and has the exact sign everywhere (1-Lipschitz shapes)."""
    from fluxoid.meshes import Annulus, Disk, Polygon, Rectangle
    from fluxoid.meshes.raster import sample_sdf

    x = np.linspace(-2e-6, 2e-6, 1001)
    y = np.linspace(-2e-6, 2.1e-6, 777)
    X, Y = np.meshgrid(x, y, indexing="ij")
    h = x[1] - x[0]
    for shape in (Annulus(1e-6, 1.5e-6), Rectangle(3e-6, 2e-6) - Disk(0.4e-6, center=(3e-7, 1e-7)),
                  Polygon([(0, 0), (2e-6, 0.3e-6), (1e-6, 1.7e-6)])):
        exact = shape.sdf(X, Y)
        fast = sample_sdf(shape.sdf, x, y)
        assert np.array_equal(np.sign(exact), np.sign(fast))
        near = np.abs(exact) < 2 * h
        assert np.array_equal(exact[near], fast[near])


def test_fluxoid_contours_stay_closed_between_holes_one_cell_apart():
    """Two holes separated by a one-cell wall: every wall cell borders both holes, so the
    measured contours share it; each hole's measured fluxoid is still its n Phi0."""
    from fluxoid.constants import PHI0

    mask = np.zeros((40, 24), bool)
    mask[2:38, 2:22] = True
    mask[6:19, 6:18] = False   # hole 0
    mask[20:34, 6:18] = False  # hole 1, one cell (x = 19) away
    geo = fx.meshes.from_mask(mask, 0.05e-6, penetration_depth=LAM)
    assert len(geo.holes) == 2
    sol = fx.solve(geo, applied_field=0.4e-3, fluxoid=[2, -1])
    assert np.allclose(sol.fluxoid / PHI0, [2, -1], rtol=0, atol=1e-9)


def test_many_holes_are_labelled_in_a_few_grid_passes_with_the_per_hole_values():
    # areas, centroids and masks from label counts equal the cell-by-cell definitions;
    # holes are numbered left to right, then bottom to top; one hole crosses the seam
    rng = np.random.default_rng(3)
    m = np.ones((90, 70), bool)
    for _ in range(40):
        i, j = rng.integers(0, 90), rng.integers(3, 64)
        m[i:i + rng.integers(1, 4), j:j + rng.integers(1, 4)] = False
    m[:, :2] = False
    m[:, -2:] = False
    m[-2:, 30:34] = False  # across the periodic seam along x
    m[:1, 30:34] = False
    geo = fx.meshes.from_mask(m, 0.1e-6, penetration_depth=0.3e-6, periodic=(True, False))
    assert len(geo.holes) > 20
    X, Y = geo.grid.meshgrid()
    sc = geo.superconductor
    keys = []
    for k, hole in enumerate(geo.holes):
        mask = geo.region == k + 1
        assert np.array_equal(hole.mask, mask)
        edge = sc & (geo.adjacent_vacuum == k + 1)
        area = 0.1e-6**2 * (np.sum(1.0 - geo.fraction[mask]) + np.sum(1.0 - geo.fraction[edge]))
        assert hole.area == pytest.approx(area, rel=1e-12)
        assert hole.centroid == pytest.approx((X[mask].mean(), Y[mask].mean()), rel=1e-12)
        ii, jj = np.nonzero(mask)
        keys.append((round(ii.mean(), 6), round(jj.mean(), 6)))
    assert keys == sorted(keys)
    op = build_operator(geo)
    assert op.hole_mass.tolist() == [float(np.count_nonzero(h.mask)) for h in geo.holes]


def test_cell_arrays_are_their_definitions_to_the_last_bit():
    # (lambda/h)^2 and the mass, formed in one kernel pass, equal the array expressions
    # bit for bit: the assembled matrix does not depend on how they are computed (AMG
    # peers in the benchmarks change their coarsening on a one-ulp change)
    geo = fx.meshes.hollow_cylinder(1.0e-6, 1.7e-6, penetration_depth=0.23e-6, spacing=0.037e-6)
    op = build_operator(geo)
    sc, h = geo.superconductor, geo.grid.spacing
    assert np.array_equal(op.lam2, np.where(sc, geo.penetration_depth, 0.0) ** 2 / h**2)
    mass = np.where(sc, np.where(geo.adjacent_vacuum == -1, geo.fraction, 1.0), 0.0)
    assert np.array_equal(op.mass, mass)
