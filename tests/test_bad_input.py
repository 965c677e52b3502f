"""Every bad input gets a clear error that names the parameter."""

import math
import warnings

import numpy as np
import pytest

import fluxoid as fx
from fluxoid.errors import (
    ConvergenceError,
    FluxoidWarning,
    GeometryError,
    ParameterError,
    ProblemFileError,
)

LAM = 0.2e-6


@pytest.fixture(scope="module")
def ring():
    return fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=LAM, spacing=LAM / 4)


@pytest.mark.parametrize("bad", [0.0, -1e-7, math.nan, math.inf, "thin", None])
def test_penetration_depth(bad):
    with pytest.raises(ParameterError, match="penetration_depth"):
        fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=bad, spacing=LAM / 4)


@pytest.mark.parametrize("bad", [0.0, -1e-8, math.nan, math.inf])
def test_spacing(bad):
    with pytest.raises(ParameterError, match="spacing"):
        fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=bad)


def test_superconductor_touching_the_edge():
    mask = np.zeros((20, 20), bool)
    mask[0:10, 5:15] = True
    with pytest.raises(GeometryError, match="edge"):
        fx.meshes.from_mask(mask, 1e-8, penetration_depth=LAM)
    # fine when that axis is periodic
    mask2 = np.zeros((20, 20), bool)
    mask2[:, 5:15] = True
    geo = fx.meshes.from_mask(mask2, 1e-8, penetration_depth=LAM, periodic=(True, False))
    assert len(geo.holes) == 0


def test_no_superconductor():
    with pytest.raises(GeometryError, match="no superconductor"):
        fx.meshes.from_mask(np.zeros((10, 10), bool), 1e-8, penetration_depth=LAM)


@pytest.mark.parametrize("bad", [[0.5], [1.5], ["1"], [True], 0.5])
def test_fluxoid_not_integer(ring, bad):
    with pytest.raises(ParameterError, match="integer"):
        fx.solve(ring, fluxoid=bad)


@pytest.mark.parametrize("bad", [[], [1, 0]])
def test_fluxoid_count(ring, bad):
    with pytest.raises(ParameterError, match="hole"):
        fx.solve(ring, fluxoid=bad)


def test_fluxoid_integer_valued_float_and_numpy_ints_accepted(ring):
    s1 = fx.solve(ring, fluxoid=[np.int64(1)])
    s2 = fx.solve(ring, fluxoid=[1.0])
    assert np.allclose(s1.B, s2.B)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1 mT", [1.0, math.nan]])
def test_applied_field_not_finite(ring, bad):
    with pytest.raises(ParameterError, match="applied_field"):
        fx.solve(ring, applied_field=bad)


def test_grid_too_large_refused_before_allocating():
    with pytest.raises(GeometryError, match="GB"):
        fx.meshes.cylinder(1e-2, penetration_depth=LAM, spacing=1e-8)


def test_under_resolved_spacing_warns():
    with pytest.warns(FluxoidWarning, match="spacing"):
        fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=0.6 * LAM)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fx.meshes.cylinder(1e-6, penetration_depth=LAM, spacing=0.5 * LAM)


def test_non_convergence_raises_with_residual(ring):
    with pytest.raises(ConvergenceError, match="residual") as e:
        fx.solve(ring, applied_field=1e-3, fluxoid=[1], method="cg", maxiter=3)
    assert e.value.residual > 1e-10 and e.value.iterations == 3


def test_bad_solver_option(ring):
    with pytest.raises(ParameterError, match="method"):
        fx.solve(ring, method="magic")
    with pytest.raises(ParameterError, match="tol"):
        fx.solve(ring, tol=-1)


def test_unresolved_wall():
    with pytest.raises(GeometryError, match="spacing"):
        fx.meshes.hollow_cylinder(1e-6, 1.01e-6, penetration_depth=LAM, spacing=0.1e-6)


def test_polygon_self_intersecting():
    with pytest.raises(GeometryError, match="simple"):
        fx.meshes.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])


def test_not_a_geometry():
    with pytest.raises(ParameterError, match="geometry"):
        fx.solve("hollow cylinder")


def _write(tmp_path, text):
    p = tmp_path / "p.toml"
    p.write_text(text)
    return p


GOOD = """
length_unit = "um"
field_unit = "mT"
[geometry]
spacing = 0.05
penetration_depth = 0.2
[[geometry.shapes]]
type = "annulus"
inner_radius = 1.0
outer_radius = 1.5
[field]
applied = 0.5
fluxoid = [1]
[output]
plots = false
"""


def test_problem_file_runs(tmp_path):
    from fluxoid.problem import run_problem

    summary = run_problem(_write(tmp_path, GOOD), tmp_path / "out", echo=lambda *a: None)
    assert summary["fluxoid_Phi0"] == pytest.approx([1.0], abs=1e-9)
    assert (tmp_path / "out" / "p.npz").exists() and (tmp_path / "out" / "p.json").exists()


@pytest.mark.parametrize("edit,match", [
    (("[field]", "[field]\nstrength = 2"), "strength"),
    (("applied = 0.5", "applied = \"0.5\""), "field.applied"),
    (("type = \"annulus\"", "type = \"torus\""), "torus"),
    (("fluxoid = [1]", "fluxoid = [1.5]"), "field.fluxoid"),
    (("spacing = 0.05", "spacing = true"), "geometry.spacing"),
    (("length_unit = \"um\"", "length_unit = \"furlong\""), "length_unit"),
    (("plots = false", "plots = \"no\""), "output.plots"),
    (("penetration_depth = 0.2", "material = \"Unobtainium\""), "Unobtainium"),
    (("penetration_depth = 0.2", "penetration_depth = 0.2\nmaterial = \"Nb\""), "either"),
    (("fluxoid = [1]", "fluxoid = [1]\nvortex_core = \"disk\""), "vortex_core"),
])
def test_problem_file_errors(tmp_path, edit, match):
    from fluxoid.problem import read_problem

    with pytest.raises(ProblemFileError, match=match):
        read_problem(_write(tmp_path, GOOD.replace(*edit)))


def test_problem_file_with_material(tmp_path):
    """lambda(T) from the material: Nb at 4.2 K, two-fluid form."""
    from fluxoid.problem import build_geometry, read_problem

    text = GOOD.replace("penetration_depth = 0.2", 'material = "Nb"\ntemperature = 4.2')
    text = text.replace("spacing = 0.05", "spacing = 0.01")
    geo = build_geometry(read_problem(_write(tmp_path, text)))
    nb = fx.materials.get("Nb")
    lam = np.nanmax(geo.penetration_depth)
    assert lam == pytest.approx(nb.london_penetration_depth / np.sqrt(1 - (4.2 / 9.25) ** 4))
    assert geo.coherence_length is not None
