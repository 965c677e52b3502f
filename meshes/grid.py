"""Uniform cell-centred 2D grids."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..checks import positive as _positive
from ..errors import GeometryError

# Bytes a solve needs per cell, all arrays counted (geometry, operator, Krylov
# vectors, multigrid hierarchy, solution and derived fields). Used to refuse
# grids that cannot fit before anything large is allocated. Measured: about 310 B/cell
# peak for a 2.4M-cell hollow cylinder solved with CG, J and energy evaluated.
BYTES_PER_CELL = 320


def available_memory() -> int:
    """Physical memory of this machine in bytes (a conservative fallback of 4 GB)."""
    try:
        return int(os_sysconf("SC_PAGE_SIZE") * os_sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 4 * 1024**3


def os_sysconf(name: str) -> int:
    import os

    return os.sysconf(name)


@dataclass(frozen=True)
class Grid:
    """A uniform cell-centred grid of ``nx`` by ``ny`` square cells.

    Cell ``(i, j)`` has its centre at ``(x0 + (i + 1/2) h, y0 + (j + 1/2) h)``;
    arrays on the grid are indexed ``[i, j]`` (x first).

    Parameters
    ----------
    nx, ny : int
        Number of cells along x and y.
    spacing : float
        Cell size h (m).
    origin : tuple of float
        Lower-left corner ``(x0, y0)`` of the grid (m).
    periodic : tuple of bool
        Whether the x and y axes wrap around.
    """

    nx: int
    ny: int
    spacing: float
    origin: tuple[float, float] = (0.0, 0.0)
    periodic: tuple[bool, bool] = (False, False)

    def __post_init__(self) -> None:
        _positive("spacing", self.spacing)
        if int(self.nx) < 3 or int(self.ny) < 3:
            raise GeometryError(f"a grid needs at least 3 x 3 cells, got {self.nx} x {self.ny}")
        ncell = int(self.nx) * int(self.ny)
        need = ncell * BYTES_PER_CELL
        have = available_memory()
        if need > 0.8 * have:
            raise GeometryError(
                f"a {self.nx} x {self.ny} grid needs about {need / 1e9:.1f} GB, more than this "
                f"machine's {have / 1e9:.1f} GB allows; use a coarser spacing or a smaller domain"
            )

    @classmethod
    def covering(
        cls,
        xmin: float,
        xmax: float,
        ymin: float,
        ymax: float,
        spacing: float,
        *,
        periodic: tuple[bool, bool] = (False, False),
    ) -> Grid:
        """The grid of cell size ``spacing`` that covers a rectangle.

        A periodic axis takes the rectangle's length exactly (rounded to whole
        cells, which must then fit); a non-periodic one is centred on it.
        """
        h = _positive("spacing", spacing)
        nx = cls._count("x", xmax - xmin, h, periodic[0])
        ny = cls._count("y", ymax - ymin, h, periodic[1])
        need = nx * ny * BYTES_PER_CELL
        if need > 0.8 * available_memory():
            raise GeometryError(
                f"spacing={spacing:g} m gives a {nx} x {ny} grid needing about {need / 1e9:.1f} GB, "
                f"more than this machine's {available_memory() / 1e9:.1f} GB allows; "
                "use a coarser spacing"
            )
        x0 = 0.5 * (xmin + xmax) - 0.5 * nx * h
        y0 = 0.5 * (ymin + ymax) - 0.5 * ny * h
        return cls(nx, ny, h, (x0, y0), (bool(periodic[0]), bool(periodic[1])))

    @staticmethod
    def _count(axis: str, length: float, h: float, periodic: bool) -> int:
        n = length / h
        if periodic:
            k = int(round(n))
            if k < 3 or abs(k - n) > 1e-6 * max(n, 1.0):
                raise GeometryError(
                    f"the periodic {axis} length {length:g} m is not a whole number of cells of "
                    f"spacing {h:g} m; choose spacing = length / N"
                )
            return k
        return max(3, int(math.ceil(n - 1e-9)))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.nx), int(self.ny))

    @property
    def size(self) -> int:
        return int(self.nx) * int(self.ny)

    @property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates (m), shape (nx,)."""
        return self.origin[0] + (np.arange(self.nx) + 0.5) * self.spacing

    @property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates (m), shape (ny,)."""
        return self.origin[1] + (np.arange(self.ny) + 0.5) * self.spacing

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the grid's outer edges (m)."""
        x0, y0 = self.origin
        return (x0, x0 + self.nx * self.spacing, y0, y0 + self.ny * self.spacing)

    def meshgrid(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinate arrays X, Y of shape (nx, ny) (read-only broadcast views)."""
        return np.meshgrid(self.x, self.y, indexing="ij", copy=False)
