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
    # a fresh process starts from the kernels this run left in the cache (the cold cache
    # is the full run's)
    assert res["compile"]["cold_s"] is None and 0 < res["compile"]["warm_s"] < 30

