"""Currents along z: the transverse problem (PHYSICS.md problem B), A = Az(x, y).

    import fluxoid as fx
    geo = fx.meshes.coax(2 * fx.um, 3 * fx.um, 4 * fx.um, penetration_depth=0.1 * fx.um,
                         spacing=0.0125 * fx.um)
    sol = fx.solve(geo, currents=[1e-3, -1e-3])
    sol.inductance, sol.kinetic_inductance, sol.kinetic_fraction

``fx.solve`` lands here when it is given transport currents or an in-plane field
(Bx, By); a field (Bx, By, Bz) is the transverse and the axial solve superposed
(:class:`CombinedSolution`).
"""

from __future__ import annotations

import math
import numbers
from functools import cached_property
from pathlib import Path

import numpy as np

from . import npz
from .constants import MU0, PHI0
from .errors import GeometryError, ParameterError, VerificationError
from .meshes.geometry import Geometry
from .solvers.options import SolverOptions
from .solvers.transverse import (
    GAUGE_LENGTH,
    ConductorCells,
    TransverseResult,
    TransverseSolver,
    applied_potential,
    line_source_field,
)

FORMAT_VERSION = 1

#: Tolerance, relative to the solver tolerance, of the self-checks.
CHECK_FACTOR = 100.0


# ----------------------------------------------------------------------------------------------
# Input checking
# ----------------------------------------------------------------------------------------------

def _real(name: str, v) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
        raise ParameterError(f"{name} must be a real number, got {v!r}")
    f = float(v)
    if not math.isfinite(f):
        raise ParameterError(f"{name} must be finite, got {v!r}")
    return f


def _per_conductor(name: str, values, n: int, unit: str) -> list:
    """A list of n entries, each a finite float or None."""
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0 and not isinstance(values, (list, tuple)):
        raise ParameterError(
            f"{name} must be a sequence with one value per conductor ({n}), in {unit}; got {values!r}")
    vals = list(values) if not isinstance(values, np.ndarray) else values.tolist()
    if len(vals) != n:
        raise ParameterError(
            f"{name} has {len(vals)} value(s) but the geometry has {n} conductor(s) "
            f"(geometry.conductors, ordered by centroid); give one value per conductor, in {unit}")
    out = []
    for k, v in enumerate(vals):
        out.append(None if v is None else _real(f"{name}[{k}]", v))
    return out


def _split_field(applied_field) -> tuple[np.ndarray, float, bool]:
    """(Bx, By), Bz and whether Bz was given as a third component."""
    if isinstance(applied_field, (bool, np.bool_)):
        raise ParameterError(f"applied_field must be a field in tesla, got {applied_field!r}")
    if np.ndim(applied_field) == 0:
        return np.zeros(2), _real("applied_field", applied_field), False
    try:
        arr = np.asarray(applied_field, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"applied_field must be Bz, (Bx, By) or (Bx, By, Bz) in tesla, got {applied_field!r}"
        ) from None
    if arr.ndim != 1 or arr.size not in (2, 3):
        raise ParameterError(f"applied_field must be (Bx, By) or (Bx, By, Bz), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"applied_field must be finite, got {applied_field!r}")
    if arr.size == 3:
        return arr[:2].copy(), float(arr[2]), True
    return arr.copy(), 0.0, False


def _tied_groups(tied, n: int) -> list[list[int]]:
    if tied is None:
        return []
    groups = []
    seen = set()
    try:
        items = [list(t) for t in tied]
    except TypeError:
        raise ParameterError(
            f"tied must be a sequence of sequences of conductor indices, got {tied!r}") from None
    for t in items:
        grp = []
        for k in t:
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer)):
                raise ParameterError(f"tied: conductor indices must be integers, got {k!r}")
            k = int(k)
            if not 0 <= k < n:
                raise ParameterError(f"tied: conductor index {k} is out of range (0..{n - 1})")
            if k in seen:
                raise ParameterError(f"tied: conductor {k} appears in more than one group")
            seen.add(k)
            grp.append(k)
        if grp:
            groups.append(grp)
    return groups


def _check_edges(geo: Geometry) -> None:
    sc = geo.superconductor
    px, py = geo.grid.periodic
    if (not px and (sc[0, :].any() or sc[-1, :].any())) or (not py and (sc[:, 0].any() or sc[:, -1].any())):
        raise GeometryError(
            "geometry: a conductor touches a non-periodic edge of the domain; leave at least one "
            "vacuum cell around every conductor (the open boundary is exact, a thin margin is enough)")


# ----------------------------------------------------------------------------------------------
# Solve
# ----------------------------------------------------------------------------------------------

def solve_transverse(geometry: Geometry, applied_field=0.0, currents=None, fluxoid=None,
                     vortices=None, options: SolverOptions | None = None, *, phase_gradients=None,
                     tied=None, material=None, temperature: float = 0.0,
                     solver: TransverseSolver | None = None):
    """Solve the transverse problem: currents along z and an in-plane applied field.

    PHYSICS.md problem B: -Lap A + chi_k (A - c_k) / lambda^2 = 0, with the net current
    of each conductor I_k = -(1 / mu0 lambda^2) integral_k (A - c_k) dS imposed (or c_k
    fixed by a phase gradient), A -> Bx y - By x far away and the logarithmic far field of
    a net current treated exactly (see :mod:`fluxoid.solvers.transverse`).

    Parameters
    ----------
    geometry : Geometry
        A 2D cross-section; its conductors are ``geometry.conductors``.
    applied_field : float, (Bx, By) or (Bx, By, Bz)
        Uniform applied field (T). A number is Bz. With a nonzero Bz (or fluxoid numbers or
        vortices) the axial solve is superposed and a :class:`CombinedSolution` returned.
    currents : sequence of float, optional
        Net current of each conductor (A), in ``geometry.conductors`` order; default 0.
        An entry is None for a conductor whose phase gradient is given instead.
    fluxoid, vortices
        Passed to the axial part (they belong to Bz).
    options : SolverOptions, optional
    phase_gradients : sequence of float or None, optional
        d theta / dz (rad/m) of conductors with a fixed phase gradient,
        c_k = (Phi0 / 2 pi) d theta / dz; None for current-driven ones. c_k is in the
        gauge A = -(mu0 I / 2 pi) ln(r / 1 m) of a net current.
    tied : sequence of sequences of int, optional
        Groups of conductors joined at the ends of the line (one c per group): only the
        sum of their currents is imposed, the split follows (a coplanar waveguide's grounds).
    material : str or Material, optional
        For ``sol.depairing_ratio``: max |J| / J_d at ``temperature``.
    solver : TransverseSolver, optional
        A solver built on this geometry, to reuse its factorizations.

    Returns
    -------
    TransverseSolution or CombinedSolution

    Raises
    ------
    ParameterError, GeometryError
        Bad input, each naming the parameter.
    ConvergenceError
        A solve did not reach its tolerance.
    VerificationError
        The solution failed its self-checks.
    """
    if not isinstance(geometry, Geometry):
        raise ParameterError(f"geometry must be a fluxoid.meshes.Geometry, got {type(geometry).__name__}")
    opts = (options or SolverOptions()).validate()
    bxy, bz, three = _split_field(applied_field)
    has_axial = three or bz != 0.0 or vortices is not None or (
        fluxoid is not None and np.any(np.asarray(fluxoid, dtype=object) != 0))
    geo = geometry
    _check_edges(geo)
    n = len(geo.conductors)
    px, py = geo.grid.periodic
    if px and py and np.any(bxy != 0.0):
        raise ParameterError(
            "applied_field: a transverse field (Bx, By) cannot be applied to a cell periodic along "
            "both axes (A = Bx y - By x is not periodic); make one axis open")
    if px and bxy[1] != 0.0:
        raise ParameterError(
            f"applied_field: By = {bxy[1]:g} T is normal to the periodic x axis, along which "
            "A = -By x is not periodic; give By = 0, or make the x axis open (periodic=(False, ...))")
    if py and bxy[0] != 0.0:
        raise ParameterError(
            f"applied_field: Bx = {bxy[0]:g} T is normal to the periodic y axis, along which "
            "A = Bx y is not periodic; give Bx = 0, or make the y axis open")
    phases = [None] * n if phase_gradients is None else _per_conductor(
        "phase_gradients", phase_gradients, n, "rad/m")
    if currents is None:
        cur = [None if phases[k] is not None else 0.0 for k in range(n)]
    else:
        cur = _per_conductor("currents", currents, n, "A")
    for k in range(n):
        if cur[k] is None and phases[k] is None:
            raise ParameterError(f"currents[{k}] is None but phase_gradients[{k}] is not given: "
                                 "conductor {k} needs a current or a phase gradient")
        if cur[k] is not None and phases[k] is not None:
            raise ParameterError(f"conductor {k} has both a current (currents[{k}]) and a phase "
                                 f"gradient (phase_gradients[{k}]); give one of them, the other None")
    groups = _tied_groups(tied, n)
    for grp in groups:
        bad = [k for k in grp if phases[k] is not None]
        if bad:
            raise ParameterError(f"tied: conductor {bad[0]} has a fixed phase gradient; only "
                                 "current-driven conductors can be tied")
    driven = [k for k in range(n) if cur[k] is not None]
    if (px or py) and not any(p is not None for p in phases):
        net = sum(cur)
        scale = max([abs(c) for c in cur] + [1e-300])
        if abs(net) > 1e-12 * scale * n:
            axis = "x and y" if px and py else ("x" if px else "y")
            raise ParameterError(
                f"currents sum to {net:g} A but the geometry is periodic along {axis}: a periodic "
                "cell must carry zero net current (a net current per period is a current sheet "
                "whose field does not decay); give currents that sum to zero")
    # groups of unknown c
    group = -np.ones(n, dtype=np.int64)
    gcur = []
    for grp in groups:
        group[grp] = len(gcur)
        gcur.append(sum(cur[k] for k in grp))
    for k in driven:
        if group[k] < 0:
            group[k] = len(gcur)
            gcur.append(cur[k])
    fixed_c = np.array([np.nan if p is None else p * PHI0 / (2 * math.pi) for p in phases])
    if px and py and np.all(group >= 0):
        # a torus fixes A only up to a constant: pin the c of the first group at 0
        g0 = group[0]
        members = group == g0
        fixed_c[members] = 0.0
        group[members] = -1
        group[group > g0] -= 1
        gcur.pop(int(g0))
    if solver is None:
        solver = TransverseSolver(geo, opts)
    elif solver.geometry is not geo:
        raise ParameterError("solver was built on another geometry")
    res = solver.solve(group=group, group_currents=np.array(gcur, dtype=float), fixed_c=fixed_c,
                       applied=bxy)
    sol = TransverseSolution(geo, res, applied_field=bxy, imposed_currents=cur,
                             phase_gradients=phases, tied=groups, solver=solver, options=opts,
                             material=material, temperature=temperature)
    _verify(sol, opts)
    if has_axial:  # the axial problem of Bz, the holes' fluxoids and the vortices (as fx.solve)
        from .checks import fluxoid_numbers
        from .solution import axial_solution
        from .vortices import given_vortices, vortex_sources

        n = fluxoid_numbers(geo, fluxoid)
        vort, sources = vortex_sources(geo, given_vortices(geo, vortices))
        return CombinedSolution(sol, axial_solution(geo, bz, n, vort, sources, opts))
    return sol


def _verify(sol: TransverseSolution, opts: SolverOptions) -> None:
    """Check the discrete solution: residual, open boundary, imposed currents, Ampere."""
    tol = CHECK_FACTOR * max(opts.tol, 1e-13)
    res = sol._result
    if not res.boundary_residual <= tol:
        raise VerificationError(
            f"the box values differ from the field of the solution's own currents by "
            f"{res.boundary_residual:.3e} (relative), above {tol:.1e}: the open boundary did not "
            "converge; the solve is not trustworthy")
    if not res.ampere_residual <= tol:
        raise VerificationError(
            f"Ampere's law on the box edge fails by {res.ampere_residual:.3e} (relative): the "
            "total current is not conserved; the solve is not trustworthy")
    s_scale = float(np.abs(res.sources).sum()) / MU0
    measured = sol.currents
    scale = max(max([abs(c) for c in sol.imposed_currents if c is not None] + [0.0]), 0.5 * s_scale, 1e-300)
    done = set()
    for grp in sol.tied:
        want = sum(sol.imposed_currents[k] for k in grp)
        got = float(sum(measured[k] for k in grp))
        if abs(got - want) > tol * scale:
            raise VerificationError(
                f"tied conductors {grp} carry {got:.10g} A, not the imposed {want:.10g} A")
        done.update(grp)
    px, py = sol.geometry.grid.periodic
    for k, want in enumerate(sol.imposed_currents):
        if want is None or k in done:
            continue
        if abs(measured[k] - want) > tol * scale:
            raise VerificationError(
                f"conductor {k} carries {measured[k]:.10g} A, not the imposed {want:.10g} A: "
                "the solve is not trustworthy")


# ----------------------------------------------------------------------------------------------
# The solution
# ----------------------------------------------------------------------------------------------

class TransverseSolution:
    """The solution of the transverse problem (currents along z, A = Az(x, y)).

    Attributes
    ----------
    geometry : Geometry
    applied_field : ndarray (2,)
        (Bx, By) (T).
    Az : ndarray (nx, ny)
        Vector potential on the grid (T m), in the gauge A = Bx y - By x
        - (mu0 / 2 pi) integral J ln(|r - r'| / 1 m) dS' (a periodic axis: the periodic
        sum, -mu0 I |y| / 2P far away).
    conductor_constants : ndarray
        c_k (T m = Wb/m) of each conductor: mu0 lambda^2 Jz = -(Az - c_k) in it.
    currents : ndarray
        Net current of each conductor, measured from the solution (A).
    imposed_currents : list
        The currents asked for (None for a conductor with a fixed phase gradient).
    residual : float
        Final relative residual of the discrete system.
    boundary_residual : float
        max |Az - (A_applied + G * s)| on the grid and its ghost ring, relative: how
        exactly the box carries the field of its own currents.
    iterations : int
        Box solves of the open-boundary iteration.
    method : str
    """

    def __init__(self, geometry: Geometry, result: TransverseResult, *, applied_field, imposed_currents,
                 phase_gradients=None, tied=(), solver: TransverseSolver | None = None,
                 options: SolverOptions | None = None, material=None, temperature: float = 0.0,
                 version: str | None = None):
        from . import __version__

        self.geometry = geometry
        self._result = result
        self.applied_field = np.asarray(applied_field, dtype=float)
        self.imposed_currents = list(imposed_currents)
        n = len(self.imposed_currents)
        self.phase_gradients = list(phase_gradients) if phase_gradients is not None else [None] * n
        self.tied = [list(g) for g in tied]
        self._solver = solver
        self._options = options or SolverOptions()
        self.material = material
        self.temperature = float(temperature)
        self.version = version or __version__
        self.units = {"x": "m", "y": "m", "Az": "T m", "B": "T", "J": "A/m^2", "currents": "A",
                      "energy": "J/m", "inductance": "H/m", "conductor_constants": "Wb/m"}

    # -- raw fields --------------------------------------------------------------------------
    @property
    def x(self) -> np.ndarray:
        return self.geometry.grid.x

    @property
    def y(self) -> np.ndarray:
        return self.geometry.grid.y

    @property
    def Az(self) -> np.ndarray:
        return self._result.A

    A = Az

    @property
    def conductor_constants(self) -> np.ndarray:
        return self._result.c

    @property
    def phase_gradient(self) -> np.ndarray:
        """d theta / dz of each conductor (rad/m): 2 pi c_k / Phi0."""
        return 2 * math.pi * self._result.c / PHI0

    @property
    def currents(self) -> np.ndarray:
        return self._result.currents

    conductor_currents = currents

    @property
    def residual(self) -> float:
        return self._result.residual

    @property
    def boundary_residual(self) -> float:
        return self._result.boundary_residual

    @property
    def iterations(self) -> int:
        return self._result.iterations

    @property
    def method(self) -> str:
        return self._result.method

    @property
    def cells(self) -> ConductorCells:
        return self._result.operator.cells

    @cached_property
    def _A_ext(self) -> np.ndarray:
        """Az on the grid plus one ghost layer on each open side (wrapped on periodic axes)."""
        A = self.Az
        px, py = self.geometry.grid.periodic
        if self._result.A_ext is not None:
            ext = self._result.A_ext.copy()
            ox, oy = (0 if px else 1), (0 if py else 1)
            ext[ox:ox + A.shape[0], oy:oy + A.shape[1]] = A
        else:
            ext = A.copy()
        # wrap periodic axes by one layer so every cell has its four neighbours
        if px:
            ext = np.concatenate([ext[-1:, :], ext, ext[:1, :]], axis=0)
        if py:
            ext = np.concatenate([ext[:, -1:], ext, ext[:, :1]], axis=1)
        return ext

    @cached_property
    def B(self) -> tuple[np.ndarray, np.ndarray]:
        """(Bx, By) on the grid (T): central differences of Az, Bx = dA/dy, By = -dA/dx."""
        e = self._A_ext
        h = self.geometry.grid.spacing
        bx = (e[1:-1, 2:] - e[1:-1, :-2]) / (2 * h)
        by = -(e[2:, 1:-1] - e[:-2, 1:-1]) / (2 * h)
        return bx, by

    @property
    def B_magnitude(self) -> np.ndarray:
        bx, by = self.B
        return np.hypot(bx, by)

    @cached_property
    def J(self) -> np.ndarray:
        """Jz on the grid (A/m^2): -(Az - c_k) / (mu0 lambda^2) in the cells whose centre is in
        conductor k; zero elsewhere."""
        geo = self.geometry
        sc = geo.superconductor
        own = self.cells.owner
        c = self.conductor_constants
        lam = np.where(sc, geo.penetration_depth, 1.0)
        cc = np.where(own >= 0, c[np.maximum(own, 0)], 0.0)
        return np.where(sc, -(self.Az - cc) / (MU0 * lam**2), 0.0)

    @property
    def Jz(self) -> np.ndarray:
        return self.J

    @property
    def current_density(self) -> np.ndarray:
        return self.J

    @property
    def max_current_density(self) -> float:
        return float(np.abs(self.J).max())

    # -- fields at points --------------------------------------------------------------------
    def _near_mask(self) -> np.ndarray:
        from scipy import ndimage

        m = self.cells.owner >= 0
        return ndimage.binary_dilation(m, iterations=2)

    def _interp(self, arr_ext, px, py):
        from scipy.interpolate import RegularGridInterpolator

        g = self.geometry.grid
        h = g.spacing
        xs = g.origin[0] + (np.arange(arr_ext.shape[0]) - (arr_ext.shape[0] - g.nx) // 2 + 0.5) * h
        ys = g.origin[1] + (np.arange(arr_ext.shape[1]) - (arr_ext.shape[1] - g.ny) // 2 + 0.5) * h
        f = RegularGridInterpolator((xs, ys), arr_ext, bounds_error=False, fill_value=None)
        return f(np.stack([px, py], axis=-1))

    def _fields_at(self, x, y):
        """(A, Bx, By) at points: line sources away from the conductors, grid interpolation
        within two cells of them."""
        xx, yy = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        shape = xx.shape
        px_, py_ = xx.ravel().copy(), yy.ravel().copy()
        if not (np.all(np.isfinite(px_)) and np.all(np.isfinite(py_))):
            raise ParameterError("field_at: x and y must be finite")
        g = self.geometry.grid
        h = g.spacing
        x0, x1, y0, y1 = g.extent
        per = g.periodic
        if per[0]:
            px_ = x0 + np.mod(px_ - x0, x1 - x0)
        if per[1]:
            py_ = y0 + np.mod(py_ - y0, y1 - y0)
        i = np.floor((px_ - x0) / h).astype(np.int64)
        j = np.floor((py_ - y0) / h).astype(np.int64)
        inside = (i >= 0) & (i < g.nx) & (j >= 0) & (j < g.ny)
        near = np.zeros(px_.shape, dtype=bool)
        near[inside] = self._near_mask()[i[inside], j[inside]]
        if per[0] and per[1]:
            near[:] = True
        A = np.empty(px_.shape)
        Bx = np.empty(px_.shape)
        By = np.empty(px_.shape)
        if near.any():
            bx, by = self.B
            # pad B by one layer the same way as A
            ext = self._A_ext
            bxe = np.pad(bx, 1, mode="edge")
            bye = np.pad(by, 1, mode="edge")
            bxe[1:-1, 1:-1], bye[1:-1, 1:-1] = bx, by
            A[near] = self._interp(ext, px_[near], py_[near])
            Bx[near] = self._interp(bxe, px_[near], py_[near])
            By[near] = self._interp(bye, px_[near], py_[near])
        far = ~near
        if far.any():
            s = self._result.sources
            m = s != 0.0
            X, Y = g.meshgrid()
            sx, sy, sv = X[m].copy(), Y[m].copy(), s[m].copy()
            qa = np.empty(int(far.sum()))
            qb = np.empty_like(qa)
            qc = np.empty_like(qa)
            fx_, fy_ = px_[far].copy(), py_[far].copy()
            if per[0]:
                line_source_field(fx_, fy_, sx, sy, sv, GAUGE_LENGTH, x1 - x0, qa, qb, qc)
                bxf, byf = qb, qc
            elif per[1]:
                line_source_field(fy_, fx_, sy, sx, sv, GAUGE_LENGTH, y1 - y0, qa, qb, qc)
                bxf, byf = -qc, -qb
            else:
                line_source_field(fx_, fy_, sx, sy, sv, GAUGE_LENGTH, 0.0, qa, qb, qc)
                bxf, byf = qb, qc
            A[far] = qa + applied_potential(fx_, fy_, self.applied_field)
            Bx[far] = bxf + self.applied_field[0]
            By[far] = byf + self.applied_field[1]
        return A.reshape(shape), Bx.reshape(shape), By.reshape(shape)

    def field_at(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(Bx, By) (T) at points, anywhere in the plane.

        Away from the conductors (more than two cells) the field is that of the solution's
        line currents plus the applied field, summed exactly (Biot-Savart; the periodic sum on
        a periodic axis), so it is right out to any distance; within two cells of a
        conductor it is interpolated from the grid's central differences.
        """
        _, bx, by = self._fields_at(x, y)
        return bx, by

    def vector_potential_at(self, x, y) -> np.ndarray:
        """Az (T m) at points (same gauge and method as :meth:`field_at`)."""
        return self._fields_at(x, y)[0]

    # -- energies ------------------------------------------------------------------------------
    @cached_property
    def kinetic_energy(self) -> float:
        """(1/2) integral mu0 lambda^2 Jz^2 dS per unit length (J/m), the discrete quadrature
        sum_t W_t (A_t - c_k)^2 / 2 mu0 of the operator."""
        op = self._result.operator
        v = op.term_values(self.Az, self.conductor_constants)
        return float(np.sum(op.cells.W * v * v) / (2 * MU0))

    @cached_property
    def energy(self) -> float:
        """Magnetic plus kinetic energy per unit length (J/m), relative to the field-free state:

            E = integral (B - Ba)^2 / 2 mu0 dA + integral mu0 lambda^2 Jz^2 / 2 dA
              = (1/2) sum_k c_k I_k - (1/2) integral Jz A_applied dA,

        the second form exact for the discrete solution too. With a net current the field
        energy grows as ln r; E is then the energy inside the gauge radius 1 m (where
        A = 0), and only net-zero combinations are independent of it.
        """
        res = self._result
        X, Y = self.geometry.grid.meshgrid()
        Aapp = applied_potential(X, Y, self.applied_field)
        return float(0.5 * np.dot(res.c, res.currents) - 0.5 * np.sum(res.sources * Aapp) / MU0)

    @property
    def magnetic_energy(self) -> float:
        return self.energy - self.kinetic_energy

    # -- inductances ---------------------------------------------------------------------------
    @staticmethod
    def _reference_current(currents) -> float:
        cur = np.asarray(currents, dtype=float)
        return float(max(cur[cur > 0].sum(), -cur[cur < 0].sum()))

    @cached_property
    def _current_part(self) -> TransverseSolution:
        """The same currents without the applied field (self if there is none)."""
        if not np.any(self.applied_field != 0.0):
            return self
        cur = [None if p is not None else float(c)
               for c, p in zip(self.currents, self.phase_gradients, strict=True)]
        return solve_transverse(self.geometry, currents=cur, phase_gradients=self.phase_gradients
                                if any(p is not None for p in self.phase_gradients) else None,
                                tied=self.tied or None, options=self._options, solver=self._get_solver())

    @property
    def inductance(self) -> float:
        """Inductance per unit length of this current pattern (H/m): L = 2 E / I^2, with I the
        current going out (the sum of the positive conductor currents, or of the negative
        ones if larger), E the energy of the currents alone. For currents summing to zero
        (a line: coax, coplanar waveguide, ...) it is the line's inductance; for a net
        current it depends on the gauge radius (see :attr:`energy`). NaN without current."""
        p = self._current_part
        i = self._reference_current(p.currents)
        return 2.0 * p.energy / i**2 if i > 0 else float("nan")

    @property
    def kinetic_inductance(self) -> float:
        """The kinetic part of :attr:`inductance` (H/m): integral mu0 lambda^2 Jz^2 dA / I^2."""
        p = self._current_part
        i = self._reference_current(p.currents)
        return 2.0 * p.kinetic_energy / i**2 if i > 0 else float("nan")

    @property
    def magnetic_inductance(self) -> float:
        return self.inductance - self.kinetic_inductance

    @property
    def kinetic_fraction(self) -> float:
        """alpha = L_kinetic / L of this current pattern."""
        return self.kinetic_inductance / self.inductance

    alpha = kinetic_fraction

    def _get_solver(self) -> TransverseSolver:
        if self._solver is None:
            self._solver = TransverseSolver(self.geometry, self._options)
            self._solver.cells = self.cells
        return self._solver

    @cached_property
    def _matrices(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.geometry.conductors)
        px, py = self.geometry.grid.periodic
        periodic = px or py
        patterns = []
        if periodic:
            for j in range(1, n):
                p = np.zeros(n)
                p[j], p[0] = 1.0, -1.0
                patterns.append(p)
        else:
            patterns = [np.eye(n)[j] for j in range(n)]
        if not patterns:
            return np.zeros((0, 0)), np.zeros((0, 0))
        solver = self._get_solver()
        cs, vs = [], []
        for p in patterns:
            sol = solve_transverse(self.geometry, currents=list(p), options=self._options, solver=solver)
            op = sol._result.operator
            cs.append(sol.conductor_constants)
            vs.append(op.term_values(sol.Az, sol.conductor_constants))
        P = np.array(patterns)
        C = np.array(cs)
        L = P @ C.T                   # L[i, j] = p_i . c(p_j)
        L = 0.5 * (L + L.T)
        V = np.array(vs)
        Lk = (V * self.cells.W) @ V.T / MU0
        return L, Lk

    @property
    def inductance_matrix(self) -> np.ndarray:
        """Inductance matrix per unit length (H/m), magnetic plus kinetic: E = I^T L I / 2.

        Open geometries: N x N, conductor k carrying a unit current alone for column k, in the
        gauge of a net current (A = 0 at 1 m; combinations with zero net current do not depend
        on it). Periodic cells: (N-1) x (N-1), conductor j carrying +1 and conductor 0 the return.
        """
        return self._matrices[0]

    @property
    def kinetic_inductance_matrix(self) -> np.ndarray:
        """The kinetic part of :attr:`inductance_matrix`: integral mu0 lambda^2 J_i J_j dA."""
        return self._matrices[1]

    @property
    def magnetic_inductance_matrix(self) -> np.ndarray:
        return self._matrices[0] - self._matrices[1]

    def line_inductance(self, signal, ground) -> dict:
        """Inductance per unit length of a line: the ``signal`` conductors (tied) carry I, the
        ``ground`` conductors (tied) the return -I, its split among them found by the solve.

        Returns a dict with ``inductance``, ``kinetic_inductance``, ``magnetic_inductance``
        (H/m), ``kinetic_fraction`` and the ``solution`` (for a unit current).
        """
        sig = [int(k) for k in np.atleast_1d(signal)]
        gnd = [int(k) for k in np.atleast_1d(ground)]
        n = len(self.geometry.conductors)
        if set(sig) & set(gnd):
            raise ParameterError("signal and ground share a conductor")
        cur = np.zeros(n)
        cur[sig[0]] = 1.0
        cur[gnd[0]] = -1.0
        tied = [g for g in (sig, gnd) if len(g) > 1]
        sol = solve_transverse(self.geometry, currents=list(cur), tied=tied or None,
                               options=self._options, solver=self._get_solver())
        return {"inductance": sol.inductance, "kinetic_inductance": sol.kinetic_inductance,
                "magnetic_inductance": sol.magnetic_inductance,
                "kinetic_fraction": sol.kinetic_fraction, "solution": sol}

    # -- currents --------------------------------------------------------------------------------
    def current_cut(self, *, x: float | None = None, y: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Jz along the grid line nearest to ``y`` (a horizontal cut) or ``x`` (a vertical one).

        Returns the cell-centre positions inside superconductors along the cut and Jz there
        (A/m^2): the current crowding across a strip.
        """
        if (x is None) == (y is None):
            raise ParameterError("current_cut: give exactly one of x= (vertical cut) or y= (horizontal cut)")
        g = self.geometry.grid
        sc = self.geometry.superconductor
        if y is not None:
            yv = _real("y", y)
            j = int(np.clip(np.floor((yv - g.origin[1]) / g.spacing), 0, g.ny - 1))
            m = sc[:, j]
            return g.x[m], self.J[m, j]
        xv = _real("x", x)
        i = int(np.clip(np.floor((xv - g.origin[0]) / g.spacing), 0, g.nx - 1))
        m = sc[i, :]
        return g.y[m], self.J[i, m]

    @property
    def sheet_current(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, K(x)): the sheet current integral Jz dy of each grid column (A/m), for films
        lying along x."""
        h = self.geometry.grid.spacing
        return self.geometry.grid.x, self._result.sources.sum(axis=1) / (MU0 * h)

    @property
    def current_crowding(self) -> np.ndarray:
        """max |Jz| over the mean |Jz| = |I_k| / area_k in each conductor (1: uniform current)."""
        out = []
        h2 = self.geometry.grid.spacing ** 2
        for k, m in enumerate(self.geometry.conductors):
            area = float(np.sum(self.cells.fraction[self.cells.owner == k])) * h2
            i = abs(float(self.currents[k]))
            out.append(float(np.abs(self.J[m]).max()) * area / i if i > 0 else float("nan"))
        return np.array(out)

    def depairing_ratio(self, material=None, temperature: float | None = None) -> float:
        """max |Jz| / J_d: how close the current comes to depairing (PHYSICS.md section 6)."""
        from . import materials

        mat = material if material is not None else self.material
        if mat is None:
            raise ParameterError("depairing_ratio needs a material (a name or fluxoid.materials.Material)")
        mat = materials.get(mat)
        t = self.temperature if temperature is None else float(temperature)
        return self.max_current_density / float(mat.depairing_current_density(t))

    @property
    def dipole(self) -> np.ndarray:
        """First moment of the current per unit length, sum I_c r_c (A m): with zero net
        current the far field is A -> (mu0 / 2 pi) (p . r) / r^2 + A_applied."""
        g = self.geometry.grid
        X, Y = g.meshgrid()
        s = self._result.sources / MU0
        return np.array([np.sum(s * X), np.sum(s * Y)])

    # -- output ----------------------------------------------------------------------------------
    def plot(self, **kwargs):
        """|B| with field lines, the Jz map and the current across a strip (a Figure).
        Keywords go to :func:`fluxoid.plotting_transverse.plot_transverse`."""
        from .plotting_transverse import plot_transverse

        return plot_transverse(self, **kwargs)

    def summary(self) -> dict:
        out = {
            "geometry": self.geometry.name,
            "grid": [self.geometry.grid.nx, self.geometry.grid.ny],
            "spacing_m": self.geometry.grid.spacing,
            "applied_field_T": self.applied_field.tolist(),
            "currents_A": self.currents.tolist(),
            "conductor_constants_Wb_per_m": self.conductor_constants.tolist(),
            "energy_J_per_m": self.energy,
            "kinetic_energy_J_per_m": self.kinetic_energy,
            "max_current_density_A_per_m2": self.max_current_density,
            "residual": self.residual,
            "boundary_residual": self.boundary_residual,
            "iterations": self.iterations,
            "method": self.method,
            "fluxoid_version": self.version,
        }
        if np.any(self.currents != 0) and not np.any(self.applied_field != 0):
            out.update(inductance_H_per_m=self.inductance,
                       kinetic_inductance_H_per_m=self.kinetic_inductance,
                       kinetic_fraction=self.kinetic_fraction)
        return out

    def save(self, path) -> Path:
        """Write the solution, its inputs and units to one ``.npz`` file."""
        g = self.geometry
        r = self._result
        cl = self.cells
        meta = {
            "format": FORMAT_VERSION, "kind": "transverse", "fluxoid_version": self.version,
            "name": g.name,
            "grid": npz.grid_meta(g.grid),
            "coherence_length": g.coherence_length,
            "applied_field": self.applied_field.tolist(),
            "imposed_currents": self.imposed_currents,
            "phase_gradients": self.phase_gradients,
            "tied": self.tied,
            "residual": r.residual, "boundary_residual": r.boundary_residual,
            "ampere_residual": r.ampere_residual, "iterations": r.iterations,
            "inner_iterations": r.inner_iterations, "method": r.method,
            "temperature": self.temperature,
            "material": self.material if isinstance(self.material, str) else None,
            "units": self.units,
        }
        arrays = dict(
            superconductor=g.superconductor, penetration_depth=g.penetration_depth, sdf=g.sdf,
            theta=g.theta, fraction=g.fraction, Az=r.A, ghost=r.ghost, c=r.c, sources=r.sources,
            currents=r.currents, owner=cl.owner, cell_fraction=cl.fraction, weight=cl.weight,
            term_a=cl.term_a, term_b=cl.term_b, alpha=cl.alpha, beta=cl.beta, W=cl.W,
            term_owner=cl.term_owner, group=r.operator.group,
        )
        if r.A_ext is not None:
            arrays["A_ext"] = r.A_ext
        return npz.write(path, meta, **arrays)

    @classmethod
    def load(cls, path) -> TransverseSolution:
        """Read a solution written by :meth:`save` (derived quantities recomputed from it)."""
        from .solvers.transverse import OpenBoundary, build_operator

        meta, f = npz.read(path, "transverse")
        grid = npz.grid_from_meta(meta["grid"])
        lam = np.where(f["superconductor"], f["penetration_depth"], 1.0)
        geo = Geometry(grid, f["superconductor"], lam, coherence_length=meta["coherence_length"],
                       name=meta["name"], precomputed={"sdf": f["sdf"], "theta": f["theta"],
                                                       "fraction": f["fraction"]})
        cells = ConductorCells(owner=f["owner"].copy(), fraction=f["cell_fraction"].copy(),
                               weight=f["weight"].copy(), term_a=f["term_a"].copy(),
                               term_b=f["term_b"].copy(), alpha=f["alpha"].copy(),
                               beta=f["beta"].copy(), W=f["W"].copy(),
                               term_owner=f["term_owner"].copy(),
                               n_conductors=len(geo.conductors))
        op = build_operator(geo, f["group"].copy(), cells)
        A_ext = f["A_ext"].copy() if "A_ext" in f else None
        res = TransverseResult(op, OpenBoundary(grid, GAUGE_LENGTH) if not all(grid.periodic) else None,
                               f["Az"].copy(), f["ghost"].copy(), A_ext, f["c"].copy(),
                               f["sources"].copy(), f["currents"].copy(), meta["residual"],
                               meta["boundary_residual"], meta["iterations"],
                               meta["inner_iterations"], meta["method"],
                               ampere_residual=meta["ampere_residual"])
        opts = SolverOptions()
        solver = TransverseSolver(geo, opts)
        solver.cells = cells
        return cls(geo, res, applied_field=meta["applied_field"], imposed_currents=meta["imposed_currents"],
                   phase_gradients=meta["phase_gradients"], tied=meta["tied"], solver=solver,
                   options=opts, material=meta["material"], temperature=meta["temperature"],
                   version=meta["fluxoid_version"])

    def __repr__(self) -> str:
        cur = ", ".join(f"{c:.4g}" for c in self.currents)
        return (f"TransverseSolution({self.geometry.name!r}, currents=[{cur}] A, "
                f"B_applied={self.applied_field.tolist()} T, residual={self.residual:.2e})")


class CombinedSolution:
    """A cross-section in a field (Bx, By, Bz): the transverse and the axial solutions
    superposed (the London equations are linear; the two share no energy cross term, since
    their fields and currents are orthogonal).

    Attributes
    ----------
    transverse : TransverseSolution
    axial : Solution
    """

    def __init__(self, transverse: TransverseSolution, axial):
        self.transverse = transverse
        self.axial = axial
        self.geometry = transverse.geometry

    @property
    def x(self):
        return self.transverse.x

    @property
    def y(self):
        return self.transverse.y

    @property
    def applied_field(self) -> np.ndarray:
        return np.array([*self.transverse.applied_field, self.axial.applied_field])

    @property
    def B(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Bx, By, Bz) on the grid (T)."""
        bx, by = self.transverse.B
        return bx, by, self.axial.B

    @property
    def J(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Jx, Jy, Jz) on the grid (A/m^2)."""
        jx, jy = self.axial.J
        return jx, jy, self.transverse.J

    def field_at(self, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Bx, By, Bz) (T) at points."""
        bx, by = self.transverse.field_at(x, y)
        return bx, by, self.axial.field_at(x, y)

    @property
    def energy(self) -> float:
        """Sum of the two energies per unit length (J/m)."""
        return self.transverse.energy + self.axial.energy

    @property
    def residual(self) -> float:
        return max(self.transverse.residual, self.axial.residual)

    def plot(self, **kwargs):
        return self.transverse.plot(**kwargs)

    def __getattr__(self, name):
        # quantities that exist in one part only (currents, inductance, fluxoid, hole_flux, ...)
        if name.startswith("_"):
            raise AttributeError(name)
        for part in (self.__dict__.get("transverse"), self.__dict__.get("axial")):
            if part is not None and hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"CombinedSolution({self.transverse!r}, {self.axial!r})"


__all__ = ["solve_transverse", "TransverseSolution", "CombinedSolution"]
