"""Fluxoid states of a multiply connected cross-section: energies, inductances and the
field-cooling (flux quantization) experiment.

The axial problem is linear in its data: the field of the state with applied
field Ba, fluxoid numbers n_k and fixed vortices is

    B(Ba, n) = Ba B_field + sum_k n_k B_k (+ B_vortices),

where B_field solves Ba = 1 T with every n_k = 0 and B_k solves Ba = 0 with
n_k = 1 and the other holes 0. So one solve per hole plus one gives every
state: a sweep over any number of fields and fluxoid numbers costs
``n_holes + 1`` solves (``.solves`` counts them). The Gibbs free energy
(PHYSICS.md problem A) is then a quadratic form in x = (Ba, n_1, ..., n_K),

    G(Ba, n) = x^T Q x,

whose entries come from the energies of the basis fields and their pairwise
sums (polarization). In the physicist's form (PHYSICS.md section 5)

    G = 1/2 (n Phi0 - A_eff Ba)^T L^-1 (n Phi0 - A_eff Ba) + c Ba^2,

L is the inductance matrix of the holes per unit length (magnetic plus
kinetic), L = (Phi0^2 / 2) Q_nn^-1, and A_eff the effective area of each hole,
A_eff = -(2 / Phi0) L Q_n0. With one hole, states n and n+1 cross where
G_n = G_{n+1}: Ba = (n + 1/2) Phi0 / A_eff, equally spaced by Phi0 / A_eff.
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .constants import PHI0
from .errors import ParameterError

#: Field of the applied-field basis solve (T); any value gives the same states.
BASIS_FIELD = 1e-3


def _holes_of(geometry, why: str) -> int:
    """The number of holes of a 2D cross-section; a ParameterError if it is not one or has none."""
    from .meshes.geometry import Geometry

    if not isinstance(geometry, Geometry):
        raise ParameterError(f"geometry must be a 2D cross-section, got {type(geometry).__name__}")
    nh = len(geometry.holes)
    if nh == 0:
        raise ParameterError(f"the geometry has no hole: {why}")
    return nh


def _fields(values, name: str) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a sequence of fields in tesla, got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1D sequence of fields (T)")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite")
    return arr


class StateBasis:
    """The n_holes + 1 (+1 with vortices) basis solutions of a geometry, and the
    quadratic form of the energy. Every state is a linear combination; no further solve.

    Attributes
    ----------
    geometry : Geometry
    solves : int
        Number of solves made.
    Q : ndarray (m, m)
        The energy G = x^T Q x (J/m) in x = (Ba [T], n_1, ..., n_K[, 1 for the vortices]).
    """

    def __init__(self, geometry, *, vortices=None, options=None, **option_kwargs):
        from .api import solve
        from .meshes.geometry import Geometry
        from .vortices import given_vortices

        if not isinstance(geometry, Geometry):
            raise ParameterError(
                f"geometry must be a 2D cross-section (fluxoid.meshes.Geometry), got "
                f"{type(geometry).__name__}"
            )
        self.geometry = geometry
        nh = len(geometry.holes)
        self.n_holes = nh
        kw = dict(options=options, **option_kwargs)
        zeros = np.zeros(nh, dtype=np.int64)
        vortices = given_vortices(geometry, vortices)
        self.vortices = list(vortices) if vortices else []
        basis = [solve(geometry, applied_field=BASIS_FIELD, fluxoid=zeros, vortices=[], **kw)]
        for k in range(nh):
            e = zeros.copy()
            e[k] = 1
            basis.append(solve(geometry, applied_field=0.0, fluxoid=e, vortices=[], **kw))
        if self.vortices:
            basis.append(solve(geometry, applied_field=0.0, fluxoid=zeros, vortices=self.vortices, **kw))
        self.solves = len(basis)
        self.basis = basis
        self._scale = np.array([1.0 / BASIS_FIELD] + [1.0] * (len(basis) - 1))
        self.operator = basis[0].operator
        m = len(basis)
        e1 = np.array([self._energy_of(np.eye(m)[i]) for i in range(m)])
        Q = np.diag(e1)
        for i in range(m):
            for j in range(i + 1, m):
                x = np.zeros(m)
                x[i] = x[j] = 1.0
                Q[i, j] = Q[j, i] = 0.5 * (self._energy_of(x) - e1[i] - e1[j])
        self.Q = Q
        self._hole_flux = np.array([s.hole_flux for s in basis]).reshape(m, nh) * self._scale[:, None]
        self._total_flux = np.array([s.total_flux for s in basis]) * self._scale

    # -- linear combinations --------------------------------------------------------------
    def _coefficients(self, applied_field, n) -> np.ndarray:
        x = [float(applied_field)] + [float(v) for v in np.atleast_1d(n)]
        if len(x) != 1 + self.n_holes:
            raise ParameterError(f"give one fluxoid number per hole ({self.n_holes})")
        if self.vortices:
            x.append(1.0)
        return np.array(x)

    def _fields(self, x):
        c = x * self._scale
        B = sum(ci * s.B for ci, s in zip(c, self.basis, strict=True))
        hb = sum(ci * s.hole_field for ci, s in zip(c, self.basis, strict=True))
        return B, np.asarray(hb, dtype=float).reshape(self.n_holes)

    def _energy_of(self, x) -> float:
        from .solvers.axial import energy

        B, hb = self._fields(x)
        return energy(self.operator, B, hb, float(x[0]))

    def energy(self, applied_field, n) -> float:
        """G (J/m) of the state (Ba, n), from the quadratic form."""
        x = self._coefficients(applied_field, n)
        return float(x @ self.Q @ x)

    def hole_flux(self, applied_field, n) -> np.ndarray:
        """Flux through each hole (Wb) in the state (Ba, n)."""
        return self._coefficients(applied_field, n) @ self._hole_flux

    def total_flux(self, applied_field, n) -> float:
        """Flux through the superconductor and its holes (Wb) in the state (Ba, n)."""
        return float(self._coefficients(applied_field, n) @ self._total_flux)

    def solution(self, applied_field, n):
        """The full :class:`~fluxoid.Solution` of the state (Ba, n), by superposition."""
        from .solution import Solution

        x = self._coefficients(applied_field, n)
        B, hb = self._fields(x)
        sol = Solution(self.geometry, B, hb, applied_field=float(applied_field),
                       fluxoid_numbers=np.atleast_1d(np.asarray(n, dtype=np.int64)),
                       vortices=self.basis[-1].vortices if self.vortices else (),
                       sources=self.basis[-1]._sources if self.vortices else (),
                       residual=max(s.residual for s in self.basis),
                       iterations=sum(s.iterations for s in self.basis),
                       method="superposition of " + self.basis[0].method, operator=self.operator)
        return sol

    # -- circuit quantities ---------------------------------------------------------------
    @property
    def inductance(self) -> np.ndarray:
        """Inductance matrix of the holes (H m: flux per circulating current per unit
        length), magnetic plus kinetic: G(0, n) = 1/2 (n Phi0)^T L^-1 (n Phi0), G in J/m.
        The same quantity as :attr:`fluxoid.analytic.HollowCylinder.inductance`."""
        nh = self.n_holes
        if nh == 0:
            return np.zeros((0, 0))
        return 0.5 * PHI0**2 * np.linalg.inv(self.Q[1:nh + 1, 1:nh + 1])

    @property
    def effective_area(self) -> np.ndarray:
        """Effective area of each hole (m^2): the applied flux a hole's fluxoid sees."""
        nh = self.n_holes
        return -(2.0 / PHI0) * self.inductance @ self.Q[1:nh + 1, 0]

    def ground_state(self, applied_field, n_states) -> tuple:
        energies = [self.energy(applied_field, n) for n in n_states]
        return n_states[int(np.argmin(energies))]


def _states(n_range, nh: int) -> tuple[list, bool]:
    """The list of fluxoid tuples, and whether the caller gave plain integers (one hole)."""
    if isinstance(n_range, numbers.Integral):
        n_range = [n_range]
    try:
        items = list(n_range)
    except TypeError:
        raise ParameterError(
            f"n_range must be a range of integers (one hole) or of tuples, got {n_range!r}"
        ) from None
    if not items:
        raise ParameterError("n_range is empty: give the fluxoid numbers to sweep, e.g. range(-2, 3)")
    scalar = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items)
    if scalar:
        if nh != 1:
            raise ParameterError(
                f"n_range of integers is for a geometry with one hole; this one has {nh}: give "
                "tuples of one integer per hole (e.g. itertools.product(range(-1, 2), repeat=2))"
            )
        return [(int(v),) for v in items], True
    out = []
    for v in items:
        try:
            t = tuple(v)
        except TypeError:
            raise ParameterError(
                f"n_range entries must be integers or tuples of integers, got {v!r}"
            ) from None
        if len(t) != nh or not all(isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in t):
            raise ParameterError(f"each state in n_range must be {nh} integer(s), one per hole, got {v!r}")
        out.append(tuple(int(c) for c in t))
    return out, False


@dataclass
class FluxoidStates:
    """Energies of the states (Ba, n) of a geometry (see :func:`fluxoid_states`).

    Attributes
    ----------
    applied_fields : ndarray (nf,)
    n_range : list
        The fluxoid states (ints for one hole, tuples otherwise).
    energy : ndarray (nf, ns)
        Gibbs free energy per unit length (J/m).
    hole_flux : ndarray (nf, ns) for one hole, (nf, ns, n_holes) otherwise (Wb).
    ground_state : ndarray (nf,) of int (one hole), or (nf, n_holes)
        The n of lowest energy at each field (among n_range).
    inductance : ndarray (n_holes, n_holes)
        H m (flux per circulating current per unit length), magnetic plus kinetic.
    effective_area : ndarray (n_holes,)
        m^2.
    crossing_fields : ndarray (ns - 1,)
        One hole: the fields where n_range[i] and n_range[i] + 1 cross, (n + 1/2) Phi0 / A_eff.
    solves : int
        Solves made (n_holes + 1, plus 1 with vortices), whatever the sweep's size.
    """

    applied_fields: np.ndarray
    n_range: list
    energy: np.ndarray
    hole_flux: np.ndarray
    ground_state: np.ndarray
    inductance: np.ndarray
    effective_area: np.ndarray
    crossing_fields: np.ndarray
    solves: int
    basis: StateBasis = field(repr=False)

    def solution(self, applied_field, n):
        """The full Solution of one state, by superposition (no solve)."""
        return self.basis.solution(applied_field, n)


def fluxoid_states(geometry, applied_fields, n_range, *, vortices=None, options=None,
                   **option_kwargs) -> FluxoidStates:
    """Energy of every fluxoid state over a sweep of applied fields: the parabolas of
    PHYSICS.md section 5, in one solve per hole plus one.

    Parameters
    ----------
    geometry : Geometry
        A 2D cross-section with at least one hole.
    applied_fields : sequence of float
        Ba (T).
    n_range : range of int (one hole) or sequence of tuples (one integer per hole)
        The fluxoid states.
    vortices : optional
        Fixed vortices present in every state (default ``geometry.vortices``, if any).

    Returns
    -------
    FluxoidStates
    """
    nh = _holes_of(geometry, "fluxoid states need a multiply connected cross-section (a hollow "
                            "cylinder, a washer, ...)")
    fields = _fields(applied_fields, "applied_fields")
    states, scalar = _states(n_range, nh)
    basis = StateBasis(geometry, vortices=vortices, options=options, **option_kwargs)
    m = basis.Q.shape[0]
    X = np.zeros((fields.size, len(states), m))
    X[:, :, 0] = fields[:, None]
    X[:, :, 1:nh + 1] = np.array(states, dtype=float)[None, :, :]
    if basis.vortices:
        X[:, :, -1] = 1.0
    energy = np.einsum("fsi,ij,fsj->fs", X, basis.Q, X)
    hole_flux = X @ basis._hole_flux
    best = np.argmin(energy, axis=1)
    gs = np.array([states[b] for b in best])
    if scalar:
        hole_flux = hole_flux[:, :, 0]
        gs = gs[:, 0]
    crossings = np.array([])
    if nh == 1:
        ns = sorted(s[0] for s in states)
        crossings = np.array([(n + 0.5) * PHI0 / basis.effective_area[0] for n in ns[:-1]])
    return FluxoidStates(
        applied_fields=fields,
        n_range=[s[0] for s in states] if scalar else states,
        energy=energy,
        hole_flux=hole_flux,
        ground_state=gs,
        inductance=basis.inductance,
        effective_area=basis.effective_area,
        crossing_fields=crossings,
        solves=basis.solves,
        basis=basis,
    )


@dataclass
class FieldCooling:
    """Result of :func:`field_cooling` (Deaver and Fairbank 1961).

    Attributes
    ----------
    cooling_fields : ndarray (nf,)
        B_cool (T).
    fluxoid : ndarray (nf,) of int (one hole), or (nf, n_holes)
        The ground state trapped on cooling in B_cool.
    trapped_flux : ndarray (nf,) (one hole), or (nf, n_holes)
        Flux through each hole after the field is removed (Wb).
    total_flux : ndarray (nf,)
        Flux through the holes and the superconductor after the field is removed (Wb):
        n Phi0 for a wall many lambda thick (the flux inside a contour where J = 0).
    flux_step : ndarray (n_holes,)
        Trapped hole flux per fluxoid quantum (Wb): Phi0 only in the bulk limit.
    solves : int
    """

    cooling_fields: np.ndarray
    fluxoid: np.ndarray
    trapped_flux: np.ndarray
    total_flux: np.ndarray
    flux_step: np.ndarray
    effective_area: np.ndarray
    solves: int
    basis: StateBasis = field(repr=False)


def field_cooling(geometry, cooling_fields, *, options=None, **option_kwargs) -> FieldCooling:
    """Cool through Tc in each field B_cool, trapping the ground state's fluxoid, then
    remove the field: the trapped flux against B_cool is a staircase (PHYSICS.md
    section 4; Deaver and Fairbank, Phys. Rev. Lett. 7, 43 (1961)).

    The ground state at B_cool minimizes the quadratic energy over the integers; for
    one hole it is the integer nearest A_eff B_cool / Phi0 (ties go down). After the
    field is removed the fluxoid stays, so the state is (0, n): its hole flux is
    n times the flux of one quantum, which is Phi0 only for a wall and hole much
    larger than lambda (PHYSICS.md section 5).
    """
    nh = _holes_of(geometry, "nothing can trap flux; give a hollow cylinder or a washer")
    fields = _fields(cooling_fields, "cooling_fields")
    basis = StateBasis(geometry, vortices=[], options=options, **option_kwargs)
    Aeff = basis.effective_area
    ns = []
    for Bc in fields:
        cont = Aeff * Bc / PHI0 if nh == 1 else np.linalg.solve(
            basis.Q[1:nh + 1, 1:nh + 1], -basis.Q[1:nh + 1, 0] * Bc)
        if nh == 1:
            v = cont[0]
            n = math.floor(v + 0.5)
            if abs(v + 0.5 - round(v + 0.5)) < 1e-12:  # exactly at a crossing: stay below
                n = round(v + 0.5) - 1
            ns.append((int(n),))
        else:
            lo = np.floor(cont).astype(int)
            cands = list(itertools.product(*[(a - 1, a, a + 1, a + 2) for a in lo]))
            ns.append(basis.ground_state(Bc, cands))
    ns_arr = np.array(ns, dtype=np.int64)
    trapped = np.array([basis.hole_flux(0.0, n) for n in ns])
    total = np.array([basis.total_flux(0.0, n) for n in ns])
    step = np.array([basis.hole_flux(0.0, np.eye(nh, dtype=int)[k])[k] for k in range(nh)])
    if nh == 1:
        ns_arr, trapped = ns_arr[:, 0], trapped[:, 0]
    return FieldCooling(cooling_fields=fields, fluxoid=ns_arr, trapped_flux=trapped, total_flux=total,
                        flux_step=step, effective_area=Aeff, solves=basis.solves, basis=basis)


__all__ = ["fluxoid_states", "field_cooling", "FluxoidStates", "FieldCooling", "StateBasis"]
