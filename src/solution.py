"""Solutions of the axial problem: the solve that makes and verifies one (``axial_solution``),
its fields, currents and derived physics."""

from __future__ import annotations

import math
from functools import cached_property
from pathlib import Path

import numpy as np

from . import npz
from .constants import PHI0
from .errors import VerificationError
from .meshes.geometry import Geometry

FORMAT_VERSION = 1

#: Relative tolerance, against the size of its terms, for the measured fluxoid.
FLUXOID_RTOL = 1e-8


class Solution:
    """The solution of the axial problem (long conductors, B = Bz(x, y)).

    Attributes
    ----------
    geometry : Geometry
    applied_field : float
        Ba (T).
    fluxoid_numbers : ndarray of int
        n_k imposed on each hole.
    x, y : ndarray
        Cell-centre coordinates (m).
    B : ndarray (nx, ny)
        Bz (T) on every cell: the solution in the superconductor, the
        uniform value of each hole inside it, Ba outside.
    hole_field : ndarray
        The uniform field b_k in each hole (T).
    residual : float
        Final relative residual ||rhs - A x|| / ||rhs||.
    iterations : int
    method : str
    """

    def __init__(self, geometry: Geometry, B: np.ndarray, hole_field: np.ndarray, *,
                 applied_field: float, fluxoid_numbers, vortices=(), sources=(),
                 residual: float = float("nan"), iterations: int = 0, method: str = "",
                 operator=None, version: str | None = None):
        from . import __version__

        self.geometry = geometry
        self.B = B
        self.hole_field = np.asarray(hole_field, dtype=float)
        self.applied_field = float(applied_field)
        self.fluxoid_numbers = np.asarray(fluxoid_numbers, dtype=np.int64)
        self.vortices = tuple(tuple(v) for v in vortices)
        self._sources = tuple(sources)
        self.residual = float(residual)
        self.iterations = int(iterations)
        self.method = method
        self._operator = operator
        self.core_holes = ()
        self.version = version or __version__
        self.units = {"x": "m", "y": "m", "B": "T", "J": "A/m^2", "hole_flux": "Wb",
                      "fluxoid": "Wb", "energy": "J/m"}

    # -- coordinates ------------------------------------------------------------------------
    @property
    def x(self) -> np.ndarray:
        return self.geometry.grid.x

    @property
    def y(self) -> np.ndarray:
        return self.geometry.grid.y

    @property
    def operator(self):
        if self._operator is None:
            from .solvers.axial import build_operator

            self._operator = build_operator(self.geometry)
        return self._operator

    # -- fields -----------------------------------------------------------------------------
    @cached_property
    def J(self) -> tuple[np.ndarray, np.ndarray]:
        """(Jx, Jy) at cell centres (A/m^2): mu0 J = (dB/dy, -dB/dx); zero in vacuum."""
        from .solvers.axial import current_density

        return current_density(self.operator, self.B, self.applied_field)

    @property
    def current_magnitude(self) -> np.ndarray:
        jx, jy = self.J
        return np.hypot(jx, jy)

    @property
    def max_current_density(self) -> float:
        """Largest |J| on the grid (A/m^2)."""
        return float(self.current_magnitude.max())

    def field_at(self, x, y) -> np.ndarray:
        """Bz (T) at points, by bilinear interpolation of the cell values.

        Points outside the grid get the applied field. ``x`` and ``y`` broadcast.
        """
        from scipy.interpolate import RegularGridInterpolator

        xx, yy = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        g = self.geometry.grid
        xs, ys, B = g.x, g.y, self.B
        # pad one cell so points up to the grid's outer edge interpolate
        xs = np.concatenate([[xs[0] - g.spacing], xs, [xs[-1] + g.spacing]])
        ys = np.concatenate([[ys[0] - g.spacing], ys, [ys[-1] + g.spacing]])
        Bp = np.pad(B, 1, mode="wrap" if any(g.periodic) else "edge")
        if not g.periodic[0]:
            Bp[0, :], Bp[-1, :] = Bp[1, :], Bp[-2, :]
        if not g.periodic[1]:
            Bp[:, 0], Bp[:, -1] = Bp[:, 1], Bp[:, -2]
        px = xx
        py = yy
        x0, x1, y0, y1 = g.extent
        if g.periodic[0]:
            px = x0 + np.mod(xx - x0, x1 - x0)
        if g.periodic[1]:
            py = y0 + np.mod(yy - y0, y1 - y0)
        f = RegularGridInterpolator((xs, ys), Bp, bounds_error=False, fill_value=self.applied_field)
        return f(np.stack([px.ravel(), py.ravel()], axis=-1)).reshape(xx.shape)

    # -- derived physics -------------------------------------------------------------------
    @property
    def hole_flux(self) -> np.ndarray:
        """Magnetic flux through each hole (Wb): its area times its uniform field."""
        return np.array([h.area for h in self.geometry.holes]) * self.hole_field

    @cached_property
    def _fluxoid_measured(self):
        from .solvers.axial import measure_fluxoid

        return measure_fluxoid(self.operator, self.B, self.hole_field, self.applied_field,
                               self._sources, with_counts=True)

    @property
    def fluxoid(self) -> np.ndarray:
        """Fluxoid of each hole (Wb), measured on a contour two cells into the wall:
        flux inside it plus the circulation of mu0 lambda^2 J (PHYSICS.md section 4)."""
        return self._fluxoid_measured[0]

    @property
    def fluxoid_in_quanta(self) -> np.ndarray:
        return self.fluxoid / PHI0

    @cached_property
    def energy(self) -> float:
        """Gibbs free energy per unit length (J/m), relative to the field-free state:
        G = (1/2 mu0) integral [(B - Ba)^2 + lambda^2 |grad B|^2] dA over superconductor
        and holes (PHYSICS.md problem A)."""
        from .solvers.axial import energy

        return energy(self.operator, self.B, self.hole_field, self.applied_field)

    @property
    def total_flux(self) -> float:
        """Flux of B through the superconductor and its holes (Wb)."""
        op = self.operator
        sc = self.geometry.superconductor
        h2 = self.geometry.grid.spacing ** 2
        return float(h2 * (np.sum(op.mass[sc] * self.B[sc]) + np.sum(op.hole_mass * self.hole_field)))

    @property
    def mean_field(self) -> float:
        """Area average of Bz over the whole grid (T): over the periodic cell of a
        vortex lattice, n_V Phi0 exactly (PHYSICS.md section 6)."""
        return float(np.mean(self.B))

    # -- validity of the London solution ------------------------------------------------------
    @property
    def depairing_current_density(self) -> np.ndarray | None:
        """J_d (A/m^2) in each superconducting cell (NaN elsewhere), or None when the
        geometry has no coherence length.

        Ginzburg-Landau (PHYSICS.md section 6; Tinkham ch. 4):
        J_d = Phi0 / (3 sqrt(3) pi mu0 lambda^2 xi), with the geometry's lambda
        and xi (from its material at its temperature, when it has one). This is
        :meth:`fluxoid.materials.Material.depairing_current_density` with
        ``model="ginzburg-landau"``.
        """
        from .constants import MU0

        xi = self.geometry.coherence_length
        if xi is None:
            return None
        lam = self.geometry.penetration_depth
        return PHI0 / (3.0 * np.sqrt(3.0) * np.pi * MU0 * lam**2 * xi)

    @property
    def depairing_ratio(self) -> np.ndarray:
        """|J| / J_d on the grid (0 in vacuum; NaN everywhere when J_d is unknown).
        Where it exceeds 1 the London solution is not valid (the current would
        break the pairs); ``plot(mark_depairing=True)`` hatches those cells."""
        jd = self.depairing_current_density
        if jd is None:
            return np.full(self.B.shape, np.nan)
        sc = self.geometry.superconductor
        return np.where(sc, self.current_magnitude / np.where(sc, jd, 1.0), 0.0)

    @property
    def max_current_ratio(self) -> float:
        """max |J| / J_d over the superconductor (NaN when J_d is unknown); above 1 the
        London solution is not valid there."""
        r = self.depairing_ratio
        return float(np.nanmax(r)) if np.isfinite(r).any() else float("nan")

    @property
    def london_valid(self) -> bool | None:
        """False if any cell carries more than the depairing current (None: J_d unknown)."""
        r = self.max_current_ratio
        return None if not np.isfinite(r) else bool(r <= 1.0)

    # -- vortices and forces -----------------------------------------------------------------
    def current_at(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(Jx, Jy) (A/m^2) at points, by bilinear interpolation of the cell values."""
        from scipy.interpolate import RegularGridInterpolator

        g = self.geometry.grid
        xx, yy = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        pts = np.stack([xx.ravel(), yy.ravel()], axis=-1)
        out = []
        for comp in self.J:
            f = RegularGridInterpolator((g.x, g.y), comp, bounds_error=False, fill_value=0.0)
            out.append(f(pts).reshape(xx.shape))
        return out[0], out[1]

    def lorentz_force(self, x: float, y: float, sign: int = 1) -> np.ndarray:
        """Force per unit length (N/m) that this solution's currents exert on a
        vortex of ``sign`` flux quanta at (x, y): f = J x (sign Phi0 z),
        i.e. (sign Phi0 Jy, -sign Phi0 Jx) (PHYSICS.md section 6)."""
        jx, jy = self.current_at(x, y)
        return sign * PHI0 * np.array([float(jy), -float(jx)])

    def vortex_forces(self) -> np.ndarray:
        """Force per unit length (N/m) on each vortex from the currents of everything
        else (applied field, hole fluxoids, the other vortices), shape (n_vortices, 2).

        Each vortex's own field is removed by superposition: one extra solve of that
        vortex alone in the same geometry (with zero field and fluxoids). The
        force from its own image in the boundaries is therefore not included.
        """
        from .solvers.options import SolverOptions
        from .vortices import vortex_sources

        out = []
        zero = np.zeros(len(self.geometry.holes), dtype=np.int64)
        for v in self.vortices:
            vort, sources = vortex_sources(self.geometry, [v])
            alone = axial_solution(self.geometry, 0.0, zero, vort, sources, SolverOptions())
            jx, jy = self.current_at(v[0], v[1])
            ax, ay = alone.current_at(v[0], v[1])
            s = v[2]
            out.append([s * PHI0 * float(jy - ay), -s * PHI0 * float(jx - ax)])
        return np.array(out).reshape(-1, 2)

    # -- the macroscopic wavefunction ------------------------------------------------------------
    @cached_property
    def _phase_field(self):
        from .phase import reconstruct_phase

        return reconstruct_phase(self)

    @property
    def phase(self) -> np.ndarray:
        """The phase theta of psi = sqrt(n*) exp(i theta) at cell centres (rad, wrapped to
        (-pi, pi]; NaN outside the superconductor), in the Landau gauge A = (0, Ay),
        Ay(x, y) = integral of Bz from the grid's left edge to x. See :mod:`fluxoid.phase`."""
        return self._phase_field.center

    def winding(self, k: int) -> int:
        """Winding number of theta around hole k: (1/2 pi) times the change of theta once
        around the hole on a contour two cells into the wall (an int; it counts the
        hole's fluxoid number plus any vortex within that contour)."""
        from .phase import winding_around_hole

        return winding_around_hole(self, k)

    def winding_around(self, x: float, y: float, radius: float) -> int:
        """Winding number of theta on the boundary of the superconducting cells within
        ``radius`` of (x, y) (an int: +1 for each vortex inside, -1 for each antivortex)."""
        from .phase import winding_around_point

        return winding_around_point(self, x, y, radius)

    # -- output -----------------------------------------------------------------------------
    def plot(self, **kwargs):
        """B map (mT, outline drawn), |J| map with streamlines, and a line cut.

        Returns a matplotlib Figure. Keywords go to :func:`fluxoid.plotting.plot_solution`.
        """
        from .plotting import plot_solution

        return plot_solution(self, **kwargs)

    def summary(self) -> dict:
        """The headline numbers as plain Python values (SI units)."""
        return {
            "geometry": self.geometry.name,
            "grid": [self.geometry.grid.nx, self.geometry.grid.ny],
            "spacing_m": self.geometry.grid.spacing,
            "applied_field_T": self.applied_field,
            "fluxoid_numbers": self.fluxoid_numbers.tolist(),
            "hole_flux_Wb": self.hole_flux.tolist(),
            "hole_flux_Phi0": (self.hole_flux / PHI0).tolist(),
            "fluxoid_Phi0": self.fluxoid_in_quanta.tolist(),
            "max_current_density_A_per_m2": self.max_current_density,
            "max_current_over_depairing": (self.max_current_ratio
                                           if np.isfinite(self.max_current_ratio) else None),
            "mean_field_T": self.mean_field,
            "vortices": [list(v) for v in self.vortices],
            "energy_J_per_m": self.energy,
            "residual": self.residual,
            "iterations": self.iterations,
            "method": self.method,
            "fluxoid_version": self.version,
        }

    def save(self, path) -> Path:
        """Write the solution, its inputs and units to one ``.npz`` file."""
        g = self.geometry
        meta = {
            "format": FORMAT_VERSION,
            "kind": "axial",
            "fluxoid_version": self.version,
            "name": g.name,
            "grid": npz.grid_meta(g.grid),
            "coherence_length": g.coherence_length,
            "applied_field": self.applied_field,
            "fluxoid_numbers": self.fluxoid_numbers.tolist(),
            "vortices": [list(v) for v in self.vortices],
            "sources": [list(s) for s in self._sources],
            "residual": self.residual,
            "iterations": self.iterations,
            "method": self.method,
            "units": self.units,
        }
        return npz.write(
            path,
            meta,
            superconductor=g.superconductor,
            penetration_depth=g.penetration_depth,
            sdf=g.sdf,
            theta=g.theta,
            fraction=g.fraction,
            B=self.B,
            hole_field=self.hole_field,
        )

    @classmethod
    def load(cls, path) -> Solution:
        """Read a solution written by :meth:`save`."""
        meta, f = npz.read(path, "axial")
        lam = np.where(f["superconductor"], f["penetration_depth"], 1.0)
        geo = Geometry(npz.grid_from_meta(meta["grid"]), f["superconductor"], lam,
                       coherence_length=meta["coherence_length"], name=meta["name"],
                       precomputed={"sdf": f["sdf"], "theta": f["theta"], "fraction": f["fraction"]})
        return cls(geo, f["B"], f["hole_field"], applied_field=meta["applied_field"],
                   fluxoid_numbers=meta["fluxoid_numbers"], vortices=meta["vortices"],
                   sources=[tuple(s) for s in meta["sources"]], residual=meta["residual"],
                   iterations=meta["iterations"], method=meta["method"],
                   version=meta["fluxoid_version"])

    def __repr__(self) -> str:
        return (f"Solution({self.geometry.name!r}, Ba={self.applied_field:.4g} T, "
                f"n={self.fluxoid_numbers.tolist()}, residual={self.residual:.2e})")



def axial_solution(geometry: Geometry, applied_field: float, n, vortices, sources, options,
                   core_holes=()) -> Solution:
    """Solve the axial problem (PHYSICS.md, problem A) for checked inputs and return its
    verified Solution.

    ``n``: the holes' fluxoid numbers (``checks.fluxoid_numbers``); ``vortices`` and
    ``sources``: the parsed vortices and their sources on the grid
    (``vortices.vortex_sources``); ``options``: a SolverOptions. The solve checks its
    residual (``solvers.run.solve_axial``) and then the measured fluxoid of every hole
    (:func:`verify_fluxoid`); either raises rather than return a wrong field.
    """
    from .solvers import kernels as K
    from .solvers.axial import build_operator, full_field
    from .solvers.run import solve_axial

    op = build_operator(geometry)
    rhs = op.rhs(applied_field, n, sources)
    res = solve_axial(geometry, rhs, options, operator=op)
    # the final residual's norm, in the operator's units (bounds the fluxoid check below);
    # a numba reduction, not BLAS, whose threads spin after a call on the cores the next
    # solve's threads need
    rhs_norm = math.sqrt(K.dot(rhs[0], rhs[0]) + float(rhs[1] @ rhs[1]))
    B = full_field(op, res.u, res.b, applied_field, overwrite=True)  # res.u: this solve's own
    sol = Solution(geometry, B, res.b, applied_field=applied_field, fluxoid_numbers=n,
                   vortices=vortices, sources=sources, residual=res.residual,
                   iterations=res.iterations, method=res.method, operator=op)
    sol.core_holes = tuple(core_holes)
    verify_fluxoid(sol, options, res.residual * rhs_norm)
    return sol


def verify_fluxoid(sol: Solution, options, residual_norm: float = 0.0) -> None:
    """Check the measured fluxoid of every hole against n_k Phi0.

    The measured value is the sum of the discrete equations over the cells of
    a contour and the hole's row, so it differs from n_k Phi0 by the sum of
    their residuals: at most sqrt(count + 1) h^2 ||r|| (Cauchy-Schwarz, count
    the contour's cells, ``residual_norm`` = ||r|| of the solve), and by
    round-off (relative to the scale of the sum's terms). Ten times that
    bound is allowed; a wrong field (a broken hole coupling, a lost source)
    misses it by orders of magnitude.
    """
    if not len(sol.geometry.holes):
        return
    measured, scale, count = sol._fluxoid_measured
    target = sol.fluxoid_numbers * PHI0
    tol = max(FLUXOID_RTOL, 100.0 * options.tol)
    h2 = sol.geometry.grid.spacing ** 2
    allowed = (tol * np.maximum(scale, PHI0 * 1e-6)
               + 10.0 * h2 * np.sqrt(count + 1.0) * residual_norm)
    bad = np.abs(measured - target) > allowed
    if bad.any():
        k = int(np.argmax(bad))
        raise VerificationError(
            f"hole {k}: measured fluxoid {measured[k] / PHI0:.10g} Phi0 differs from the imposed "
            f"{sol.fluxoid_numbers[k]} Phi0 beyond round-off; the solve is not trustworthy"
        )


__all__ = ["Solution", "axial_solution", "verify_fluxoid"]
