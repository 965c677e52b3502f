"""`fluxoid bench --quick` runs end to end and writes its results (the benchmark itself is not a test)."""

from __future__ import annotations

import json

from fluxoid import bench


def test_bench_quick_runs(tmp_path):
    assert bench.main(["--quick", "--rounds", "1", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "bench-quick.json").read_text())
    assert res["quick"] is True
    assert [r["n"] for r in res["scaling"]] == [256, 512, 1024]
    for r in res["scaling"]:
        assert r["1e-8_2t"]["residual"] <= 1e-8
        assert r["1e-8_2t"]["iterations"] <= 12
    md = (tmp_path / "performance-quick.md").read_text()
    assert md.startswith("## Performance") and "| 1024^2 |" in md
    assert (tmp_path / "bench-quick.png").stat().st_size > 0


def test_stream_reference_touches_exactly_the_runs():
    """The roofline's reference stream writes 2 u on the runs of active cells and nothing
    else, and returns u . out over them: the traffic of A p on the same cells."""
    import numpy as np

    from fluxoid.solvers import mg_kernels as MK
    from fluxoid.solvers.axial import build_operator

    op = build_operator(bench.problem("hollow_cylinder", 64, 5.0))
    sp, slo, shi = MK.active_segments(op.diag, op.wx, op.wy)
    u = np.random.default_rng(0).random(op.shape)
    out = np.full(op.shape, -7.0)
    dot = MK.stream_runs(u, out, sp, slo, shi)
    on = np.zeros(op.shape, bool)
    for i in range(op.shape[0]):
        for g in range(sp[i], sp[i + 1]):
            on[i, slo[g]:shi[g]] = True
    assert on.sum() >= (op.diag > 0).sum()  # the runs cover every unknown
    np.testing.assert_array_equal(out[on], 2 * u[on])
    assert (out[~on] == -7.0).all()
    assert abs(dot - 2 * (u[on] ** 2).sum()) <= 1e-12 * dot
