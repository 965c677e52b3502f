"""Solution output: save/load round trip, field_at, plots, command line."""

import json

import numpy as np
import pytest

import fluxoid as fx
from fluxoid.constants import PHI0

LAM = 0.2e-6


@pytest.fixture(scope="module")
def sol():
    geo = fx.meshes.hollow_cylinder(1e-6, 1.5e-6, penetration_depth=LAM, spacing=LAM / 8)
    return fx.solve(geo, applied_field=0.5e-3, fluxoid=[1])


def test_save_load_round_trip(sol, tmp_path):
    p = sol.save(tmp_path / "s.npz")
    back = fx.Solution.load(p)
    assert np.array_equal(back.B, sol.B)
    assert back.fluxoid_numbers.tolist() == [1]
    assert back.applied_field == sol.applied_field
    assert back.hole_flux == pytest.approx(sol.hole_flux, rel=1e-14)
    assert back.energy == pytest.approx(sol.energy, rel=1e-12)
    assert back.fluxoid == pytest.approx(sol.fluxoid, rel=1e-12)
    meta = json.loads(str(np.load(p)["meta"]))
    assert meta["units"]["B"] == "T" and meta["fluxoid_version"] == fx.__version__


def test_field_at(sol):
    # in the hole the field is uniform; far outside it is the applied field
    assert sol.field_at(0.1e-6, -0.2e-6) == pytest.approx(sol.hole_field[0], rel=1e-12)
    assert sol.field_at(5e-6, 5e-6) == pytest.approx(0.5e-3)
    vals = sol.field_at(np.array([0.0, 1.25e-6]), np.array([0.0, 0.0]))
    assert vals.shape == (2,)
    assert vals[1] < vals[0]  # screened inside the wall


def test_plot_has_maps_and_cut(sol):
    fig = sol.plot()
    axes = fig.get_axes()
    labels = " ".join(a.get_xlabel() for a in axes)
    assert "mu" in labels
    assert any("mT" in a.get_ylabel() for a in axes)  # the colour bar / the cut in mT


def test_maps_of_a_fine_grid_are_drawn_from_block_centres(monkeypatch):
    from fluxoid import plotting

    m = np.zeros((50, 23), bool)
    m[3:-3, 3:-3] = True
    m[20:30, 8:15] = False
    geo = fx.meshes.from_mask(m, 0.1e-6, penetration_depth=0.3e-6)
    (sx, sy), ext = plotting._sampling(geo, 10)
    # 50 cells -> blocks of 5, centres 2, 7, ..., 47; 23 cells -> blocks of 3 (7 whole ones)
    assert list(range(50))[sx] == list(range(2, 50, 5))
    assert list(range(23))[sy] == [1, 4, 7, 10, 13, 16, 19]
    x0, x1, y0, y1 = geo.grid.extent
    assert ext == pytest.approx([x0, x1, y0, y0 + 21 * 0.1e-6])
    # the image's outline field has the zero contour of its distance transform
    assert np.array_equal(np.sign(geo.outline_field()), np.sign(geo.sdf))
    monkeypatch.setattr(plotting, "MAP_POINTS", 10)
    monkeypatch.setattr(plotting, "STREAM_POINTS", 8)
    fig = fx.solve(geo, applied_field=1e-3, fluxoid=[1]).plot()
    images = [im for ax in fig.get_axes() for im in ax.get_images()]
    assert [im.get_array().shape for im in images] == [(7, 10), (7, 10)]


def test_hole_flux_units(sol):
    assert 0.5 < sol.hole_flux[0] / PHI0 < 1.0


def test_cli_demo_and_solve(tmp_path, capsys):
    from fluxoid.cli import main

    assert main(["demo", "--quick", "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "hole flux" in out and "rel. error" in out
    for f in ("field.png", "current.png", "overview.png"):
        assert (tmp_path / "d" / f).stat().st_size > 10000
    from importlib.resources import files

    ex = files("fluxoid") / "examples" / "hollow_cylinder.toml"
    assert main(["solve", str(ex), "--out", str(tmp_path / "s")]) == 0
    summary = json.loads((tmp_path / "s" / "hollow_cylinder.json").read_text())
    assert summary["fluxoid_Phi0"][0] == pytest.approx(1.0, abs=1e-9)
    assert main(["solve", str(tmp_path / "missing.toml")]) == 2
