"""One ``.npz`` file per solution: arrays plus a JSON header with inputs, units and version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .meshes.grid import Grid


def grid_meta(grid: Grid) -> dict:
    return {"nx": grid.nx, "ny": grid.ny, "spacing": grid.spacing,
            "origin": list(grid.origin), "periodic": list(grid.periodic)}


def grid_from_meta(gm: dict) -> Grid:
    return Grid(gm["nx"], gm["ny"], gm["spacing"], tuple(gm["origin"]),
                tuple(bool(p) for p in gm.get("periodic", (False, False))))


def write(path, meta: dict, **arrays) -> Path:
    """Write ``arrays`` and the JSON header ``meta`` to ``path`` (``.npz`` added if missing)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def read(path, kind: str) -> tuple[dict, dict]:
    """The header and the arrays (copied) of a file written by :func:`write` for ``kind``."""
    with np.load(Path(path), allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        if meta.get("kind") != kind:
            raise ParameterError(f"{path} does not hold a {kind} fluxoid solution "
                                 f"(it holds {meta.get('kind')!r})")
        arrays = {k: f[k].copy() for k in f.files if k != "meta"}
    return meta, arrays
