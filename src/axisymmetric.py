"""Bodies of revolution: ``solve_axisymmetric`` and :class:`AxisymmetricSolution`.

PHYSICS.md problem C: A = A_phi(r, z) e_phi, or the flux function
Psi = 2 pi r A_phi (the flux through the circle of radius r at height z).
:func:`fluxoid.solve` sends any geometry with ``dimension == "rz"`` here.
"""

from __future__ import annotations

import math
import numbers
from functools import cached_property
from pathlib import Path

import numpy as np

from . import npz
from .checks import integers, scalar_field
from .constants import MU0, PHI0
from .errors import GeometryError, ParameterError, VerificationError
from .meshes.revolution import Coil, RevolutionGeometry
from .solvers.axisymmetric import (
    AxisymmetricSolver,
    coil_field,
    external_flux,
    field_of_loops,
    flux_of_loops,
    measure_fluxoid,
)
from .solvers.options import SolverOptions

FORMAT_VERSION = 1
#: Largest deviation of a measured fluxoid from n_k Phi0, relative to the size of its terms.
FLUXOID_RTOL = 1e-9


# -- input checks ---------------------------------------------------------------------------------

def _applied_field(value) -> float:
    v = scalar_field("applied_field", value)
    if v is not None:
        return v
    raise ParameterError(
        f"applied_field of a body of revolution must be one number, the uniform field along the "
        f"axis (T), got {value!r}; a transverse field breaks the axial symmetry"
    )


def _fluxoid_numbers(geo: RevolutionGeometry, fluxoid) -> np.ndarray:
    nr = geo.n_rings
    if fluxoid is None:
        return np.zeros(nr, dtype=np.int64)
    out = integers("fluxoid", fluxoid, "fluxoid of a ring is n Phi0")
    if nr == 0 and out:
        raise ParameterError(
            f"fluxoid={fluxoid!r} given, but {geo.name} has no hole (it crosses the axis), so it "
            "has no fluxoid number; leave fluxoid out (or use a ring, tube or torus)"
        )
    if len(out) != nr:
        raise ParameterError(
            f"fluxoid has {len(out)} number(s) but the geometry has {nr} ring(s); give one integer "
            "per ring, in geometry.rings order"
        )
    return np.array(out, dtype=np.int64)


def _coils(geo: RevolutionGeometry, coils) -> tuple[Coil, ...]:
    if coils is None:
        return ()
    if isinstance(coils, Coil):
        coils = [coils]
    try:
        items = list(coils)
    except TypeError:
        raise ParameterError(f"coils must be a sequence of (radius, z, current), got {coils!r}") from None
    if items and all(isinstance(v, numbers.Real) for v in items):
        items = [items]  # a single (radius, z, current)
    out = tuple(Coil.make(c, k) for k, c in enumerate(items))
    for k, c in enumerate(out):
        if bool(geo.contains(c.radius, c.z)):
            raise ParameterError(
                f"coils[{k}] (radius={c.radius:.4g} m, z={c.z:.4g} m) lies inside the "
                "superconductor: a field coil must sit in vacuum; move it"
            )
    return out


def solve_axisymmetric(geometry: RevolutionGeometry, applied_field=0.0, fluxoid=None, coils=None,
                       options: SolverOptions | None = None, *, solver=None,
                       **option_kwargs) -> AxisymmetricSolution:
    """Solve the London equation on a body of revolution (PHYSICS.md problem C).

    Parameters
    ----------
    geometry : RevolutionGeometry
        From :mod:`fluxoid.meshes` (``sphere``, ``tube``, ``ring``, ...).
    applied_field : float
        Ba (T), the uniform applied field along the axis.
    fluxoid : sequence of int, optional
        n_k for each ring in ``geometry.rings`` order (default 0). A body without a
        hole takes none.
    coils : sequence of (radius, z[, current]) or Coil, optional
        Coaxial current loops (A; default 1 A) as field sources.
    options : SolverOptions, optional
        Solver settings; keywords (``method=``, ``tol=``, ...) build one.
    solver : AxisymmetricSolver, optional
        A solver built on this geometry, to reuse its factorization.

    Raises
    ------
    ParameterError
        Bad input (named).
    ConvergenceError
        The box solve or the open-boundary iteration did not reach its tolerance.
    VerificationError
        A ring's measured fluxoid differs from n_k Phi0 beyond round-off.
    """
    if not isinstance(geometry, RevolutionGeometry):
        raise ParameterError(
            f"geometry must be a RevolutionGeometry, got {type(geometry).__name__}"
        )
    options = SolverOptions.resolve(options, option_kwargs)
    Ba = _applied_field(applied_field)
    n = _fluxoid_numbers(geometry, fluxoid)
    coil_list = _coils(geometry, coils)
    if solver is None:
        solver = AxisymmetricSolver(geometry, options)
    elif solver.geometry is not geometry:
        raise ParameterError("solver was built on a different geometry")
    R, Z = geometry.grid.meshgrid()
    psi_ext = external_flux(R, Z, Ba, coil_list)
    s = _source(geometry, n, psi_ext)
    res = solver.solve(s)
    sol = AxisymmetricSolution(geometry, res.u, res.g, applied_field=Ba, fluxoid_numbers=n,
                               coils=coil_list, residual=max(res.residual, res.boundary_residual),
                               box_residual=res.residual, boundary_residual=res.boundary_residual,
                               iterations=res.iterations, boundary_iterations=res.boundary_iterations,
                               method=res.method, solver=solver)
    sol.verify(options)
    return sol


def _source(geo: RevolutionGeometry, n, psi_ext) -> np.ndarray:
    """s = n_k Phi0 - Psi_ext on the superconducting nodes (0 elsewhere)."""
    s = np.where(geo.superconductor, -psi_ext, 0.0)
    for k, ring in enumerate(geo.rings):
        s[ring.mask] += n[k] * PHI0
    return s


class AxisymmetricSolution:
    """The solution of problem C on a body of revolution.

    Names follow :class:`fluxoid.Solution` where the quantity is the same.

    Attributes
    ----------
    geometry : RevolutionGeometry
    applied_field : float
        Ba (T).
    fluxoid_numbers : ndarray of int
        n_k imposed on each ring.
    coils : tuple of Coil
    r, z : ndarray
        Node coordinates (m).
    psi_induced : ndarray (nr, nz)
        Flux function of the induced currents on the nodes (Wb).
    residual : float
        Largest of the box residual and the open-boundary residual.
    """

    def __init__(self, geometry: RevolutionGeometry, psi_induced, boundary_values, *,
                 applied_field: float, fluxoid_numbers, coils=(), residual=float("nan"),
                 box_residual=float("nan"), boundary_residual=float("nan"), iterations=0,
                 boundary_iterations=0, method="", solver=None, version=None):
        from . import __version__

        self.geometry = geometry
        self.psi_induced = np.asarray(psi_induced, float)
        self.boundary_values = np.asarray(boundary_values, float)
        self.applied_field = float(applied_field)
        self.fluxoid_numbers = np.asarray(fluxoid_numbers, dtype=np.int64)
        self.coils = tuple(coils)
        self.residual = float(residual)
        self.box_residual = float(box_residual)
        self.boundary_residual = float(boundary_residual)
        self.iterations = int(iterations)
        self.boundary_iterations = int(boundary_iterations)
        self.method = method
        self._solver = solver
        self.version = version or __version__
        self.units = {"r": "m", "z": "m", "Psi": "Wb", "B": "T", "J": "A/m^2", "hole_flux": "Wb",
                      "fluxoid": "Wb", "moment": "A m^2", "energy": "J", "inductance": "H",
                      "ring_current": "A"}

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def solver(self) -> AxisymmetricSolver:
        if self._solver is None:
            self._solver = AxisymmetricSolver(self.geometry)
        return self._solver

    @property
    def operator(self):
        return self.solver.operator

    @property
    def r(self) -> np.ndarray:
        return self.geometry.r

    @property
    def z(self) -> np.ndarray:
        return self.geometry.z

    @cached_property
    def _RZ(self):
        return self.geometry.grid.meshgrid()

    @cached_property
    def psi_external(self) -> np.ndarray:
        """Flux function of the applied field and the coils on the nodes (Wb)."""
        R, Z = self._RZ
        return external_flux(R, Z, self.applied_field, self.coils)

    @property
    def Psi(self) -> np.ndarray:
        """Total flux function Psi = 2 pi r A_phi on the nodes (Wb)."""
        return self.psi_external + self.psi_induced

    @property
    def A_phi(self) -> np.ndarray:
        """Vector potential A_phi = Psi / (2 pi r) on the nodes (T m)."""
        return self.Psi / (2.0 * np.pi * self._RZ[0])

    # -- currents ---------------------------------------------------------------------------
    @cached_property
    def _source(self) -> np.ndarray:
        return _source(self.geometry, self.fluxoid_numbers, self.psi_external)

    @cached_property
    def J(self) -> np.ndarray:
        """J_phi (A/m^2) on the nodes, London's law J = -(Psi - n Phi0) / (2 pi r mu0 lambda^2)
        in the superconductor (zero in vacuum; a node partly inside carries this density in
        its superconducting share)."""
        geo = self.geometry
        sc = geo.superconductor
        lam = np.where(sc, geo.penetration_depth, 1.0)
        return np.where(sc, self._source - self.psi_induced, 0.0) / (
            2.0 * np.pi * self._RZ[0] * MU0 * lam**2) * sc

    @property
    def J_phi(self) -> np.ndarray:
        return self.J

    @cached_property
    def node_current(self) -> np.ndarray:
        """Current through each node's dual cell (A): J times its superconducting area."""
        return self.J * self.geometry.fraction * self.geometry.spacing**2

    @property
    def ring_current(self) -> np.ndarray:
        """Total current circulating in each ring (A)."""
        return np.array([float(np.sum(self.node_current[r.mask])) for r in self.geometry.rings])

    @property
    def current(self) -> float:
        """Total azimuthal current in all bodies (A)."""
        return float(np.sum(self.node_current))

    @property
    def max_current_density(self) -> float:
        return float(np.max(np.abs(self.J)))

    # -- fields ------------------------------------------------------------------------------
    @cached_property
    def B(self) -> tuple[np.ndarray, np.ndarray]:
        """(Br, Bz) on the nodes (T): Br = -dPsi/dz / (2 pi r), Bz = dPsi/dr / (2 pi r),
        central differences of the induced part plus the exact applied part."""
        u = self.psi_induced
        g = self.boundary_values
        nr, nz = u.shape
        h = self.geometry.spacing
        R, Z = self._RZ
        up = np.zeros((nr + 2, nz + 2))
        up[1:-1, 1:-1] = u
        up[-1, 1:-1] = g[:nz]
        up[1:-1, 0] = g[nz:nz + nr]
        up[1:-1, -1] = g[nz + nr:]
        dpdr = (up[2:, 1:-1] - up[:-2, 1:-1]) / (2 * h)
        dpdz = (up[1:-1, 2:] - up[1:-1, :-2]) / (2 * h)
        cbr, cbz = coil_field(R, Z, self.coils)
        Br = -dpdz / (2 * np.pi * R) + cbr
        Bz = dpdr / (2 * np.pi * R) + self.applied_field + cbz
        return Br, Bz

    @property
    def field_magnitude(self) -> np.ndarray:
        br, bz = self.B
        return np.hypot(br, bz)

    @cached_property
    def _spline(self):
        """Bicubic spline of G = Psi_ind / (pi r^2) on the nodes, the axis and the box edges
        (G is smooth and even in r, so the fields are accurate up to the axis)."""
        from scipy.interpolate import RectBivariateSpline

        u = self.psi_induced
        g = self.boundary_values
        geo = self.geometry
        nr, nz = u.shape
        r_box, z_lo, z_hi = geo.box
        rr = np.concatenate([[0.0], geo.r, [r_box]])
        zz = np.concatenate([[z_lo], geo.z, [z_hi]])
        P = np.zeros((nr + 2, nz + 2))
        P[1:-1, 1:-1] = u
        P[-1, 1:-1] = g[:nz]
        P[1:-1, 0] = g[nz:nz + nr]
        P[1:-1, -1] = g[nz + nr:]
        # the corners: the exact field of the currents
        corner_r = np.array([r_box, r_box])
        corner_z = np.array([z_lo, z_hi])
        cc = np.zeros(2)
        flux_of_loops(corner_r, corner_z, self.solver._rc, self.solver._zc,
                      np.ascontiguousarray(self.node_current[geo.superconductor]), cc)
        P[-1, 0], P[-1, -1] = cc
        Gv = np.zeros_like(P)
        Gv[1:] = P[1:] / (np.pi * rr[1:, None] ** 2)
        Gv[0] = (4.0 * Gv[1] - Gv[2]) / 3.0  # G = G0 + G2 r^2 near the axis
        return RectBivariateSpline(rr, zz, Gv, kx=3, ky=3)

    def _inside_box(self, r, z):
        r_box, z_lo, z_hi = self.geometry.box
        return (np.abs(r) <= r_box) & (z >= z_lo) & (z <= z_hi)

    def flux_at(self, r, z) -> np.ndarray:
        """Psi (Wb) at points: the flux through the circle of radius |r| at height z."""
        rr, zz = np.broadcast_arrays(np.abs(np.asarray(r, float)), np.asarray(z, float))
        shape = rr.shape
        rr, zz = rr.ravel(), zz.ravel()
        out = external_flux(rr, zz, self.applied_field, self.coils)
        inb = self._inside_box(rr, zz)
        if inb.any():
            out[inb] += np.pi * rr[inb] ** 2 * self._spline(rr[inb], zz[inb], grid=False)
        if (~inb).any():
            o = np.zeros(int((~inb).sum()))
            flux_of_loops(np.ascontiguousarray(rr[~inb]), np.ascontiguousarray(zz[~inb]),
                          self.solver._rc, self.solver._zc,
                          np.ascontiguousarray(self.node_current[self.geometry.superconductor]), o)
            out[~inb] += o
        return out.reshape(shape)

    def field_at(self, r, z) -> tuple[np.ndarray, np.ndarray]:
        """(Br, Bz) (T) at points (r, z); r may be negative (the mirrored half, Br odd in r).

        Inside the box: a bicubic spline of Psi_ind / (pi r^2) (smooth up to the axis); outside
        it: the exact field of the discrete currents (loop fields). Plus the exact applied field.
        """
        r = np.asarray(r, float)
        rr, zz = np.broadcast_arrays(np.abs(r), np.asarray(z, float))
        sign = np.broadcast_to(np.where(r < 0, -1.0, 1.0), rr.shape).ravel()
        shape = rr.shape
        rr, zz = rr.ravel(), zz.ravel()
        br, bz = coil_field(rr, zz, self.coils)
        bz = bz + self.applied_field
        inb = self._inside_box(rr, zz)
        if inb.any():
            sp_ = self._spline
            Gv = sp_(rr[inb], zz[inb], grid=False)
            Gr = sp_(rr[inb], zz[inb], dx=1, grid=False)
            Gz = sp_(rr[inb], zz[inb], dy=1, grid=False)
            # Psi = pi r^2 G: Bz = G + r G_r / 2, Br = -r G_z / 2
            bz[inb] += Gv + 0.5 * rr[inb] * Gr
            br[inb] += -0.5 * rr[inb] * Gz
        if (~inb).any():
            n_out = int((~inb).sum())
            obr, obz = np.zeros(n_out), np.zeros(n_out)
            field_of_loops(np.ascontiguousarray(rr[~inb]), np.ascontiguousarray(zz[~inb]),
                           self.solver._rc, self.solver._zc,
                           np.ascontiguousarray(self.node_current[self.geometry.superconductor]),
                           obr, obz)
            br[~inb] += obr
            bz[~inb] += obz
        return (br * sign).reshape(shape), bz.reshape(shape)

    # -- derived physics ---------------------------------------------------------------------
    @property
    def moment(self) -> float:
        """Magnetic moment along z (A m^2): m = pi integral r^2 J_phi dr dz."""
        R = self._RZ[0]
        return float(np.pi * np.sum(R**2 * self.node_current))

    @cached_property
    def _fluxoid_measured(self):
        return measure_fluxoid(self.operator, self.psi_induced, self.boundary_values,
                               self.psi_external, self.geometry.rings)

    @property
    def fluxoid(self) -> np.ndarray:
        """Fluxoid of each ring (Wb), measured on the circle through the node nearest its
        centroid: flux through the circle plus the loop integral of mu0 lambda^2 J, with J from
        Ampere's law on the discrete field (PHYSICS.md section 4)."""
        return np.array(self._fluxoid_measured[0], dtype=float)

    @property
    def fluxoid_in_quanta(self) -> np.ndarray:
        return self.fluxoid / PHI0

    @property
    def hole_flux(self) -> np.ndarray:
        """Flux through each ring's hole (Wb): Psi on the circle through the ring's innermost
        point at its centroid height (for a tube, the flux through the bore there)."""
        rings = self.geometry.rings
        if not rings:
            return np.zeros(0)
        pts = np.array([ring.inner_point for ring in rings])
        return self.flux_at(pts[:, 0], pts[:, 1])

    @cached_property
    def energy(self) -> float:
        """Gibbs free energy (J) relative to the field-free superconductor, at fixed sources:

            G = integral [ B_ind^2 / (2 mu0) + Lambda J^2 / 2 ] dV,

        B_ind the field of the induced currents over all space, evaluated exactly as
        1/2 integral J_phi Psi_ind dr dz (the field energy of the currents); equal to
        1/2 (sum_k n_k Phi0 I_k - integral J_phi Psi_ext dr dz), e.g. -m Ba / 2 with no fluxoid.
        """
        geo = self.geometry
        I = self.node_current
        R = self._RZ[0]
        lam = np.where(geo.superconductor, geo.penetration_depth, 0.0)
        magnetic = 0.5 * float(np.sum(I * self.psi_induced))
        kinetic = 0.5 * float(np.sum(MU0 * lam**2 * self.J * I * 2.0 * np.pi * R))
        return magnetic + kinetic

    @cached_property
    def _ring_basis(self):
        """Unit-fluxoid solves of the rings (Ba = 0, no coils): their node currents."""
        geo = self.geometry
        nring = geo.n_rings
        if nring == 0:
            raise ParameterError(f"{geo.name} has no ring: inductance is defined for rings only")
        R, Z = self._RZ
        sol_currents = []
        for k in range(nring):
            n = np.zeros(nring, np.int64)
            n[k] = 1
            s = _source(geo, n, np.zeros(R.shape))
            res = self.solver.solve(s)
            sc = geo.superconductor
            lam = np.where(sc, geo.penetration_depth, 1.0)
            J = np.where(sc, s - res.u, 0.0) / (2 * np.pi * R * MU0 * lam**2)
            sol_currents.append(J)
        return sol_currents

    @cached_property
    def _inductances(self):
        geo = self.geometry
        R = self._RZ[0]
        h2 = geo.spacing**2
        Js = self._ring_basis
        Imat = np.array([[float(np.sum(J[ring.mask] * geo.fraction[ring.mask])) * h2
                          for J in Js] for ring in geo.rings])
        lam = np.where(geo.superconductor, geo.penetration_depth, 0.0)
        w = MU0 * lam**2 * geo.fraction * h2 * 2 * np.pi * R
        Kc = np.array([[float(np.sum(w * Ja * Jb)) for Jb in Js] for Ja in Js])
        Iinv = np.linalg.inv(Imat)
        L = PHI0 * Iinv
        Lk = Iinv.T @ Kc @ Iinv
        return L, Lk

    @property
    def inductance(self) -> np.ndarray:
        """Self and mutual inductance matrix of the rings (H), magnetic plus kinetic:
        fluxoid_k = sum_j L_kj I_j (from one unit-fluxoid solve per ring)."""
        return self._inductances[0].copy()

    @property
    def kinetic_inductance(self) -> np.ndarray:
        """Kinetic part of :attr:`inductance` (H): 1/2 I.L_k.I = integral Lambda J^2 / 2 dV."""
        return self._inductances[1].copy()

    @property
    def magnetic_inductance(self) -> np.ndarray:
        """Magnetic part of :attr:`inductance` (H)."""
        L, Lk = self._inductances
        return L - Lk

    @property
    def coil_flux(self) -> np.ndarray:
        """Flux through each coil from the induced currents (Wb): the sample's signal."""
        if not self.coils:
            return np.zeros(0)
        return self.flux_at([c.radius for c in self.coils], [c.z for c in self.coils]) - \
            external_flux(np.array([c.radius for c in self.coils]),
                          np.array([c.z for c in self.coils]), self.applied_field, self.coils)

    @cached_property
    def coil_mutual_inductance(self) -> np.ndarray:
        """Sample-mediated mutual inductance between the coils (H), rings held at n = 0:
        entry [i, j] is the flux the sample's response to 1 A in coil j sends through coil i
        (the susceptometry signal; [i, i] is the change of coil i's self-inductance)."""
        geo = self.geometry
        coils = self.coils
        if not coils:
            raise ParameterError("the solution has no coils: pass coils=[(radius, z), ...]")
        out = np.zeros((len(coils), len(coils)))
        R, Z = self._RZ
        for j, c in enumerate(coils):
            unit = (Coil(c.radius, c.z, 1.0),)
            psi_ext = external_flux(R, Z, 0.0, unit)
            s = _source(geo, np.zeros(geo.n_rings, np.int64), psi_ext)
            res = self.solver.solve(s)
            sc = geo.superconductor
            lam = np.where(sc, geo.penetration_depth, 1.0)
            I = (np.where(sc, s - res.u, 0.0) / (2 * np.pi * R * MU0 * lam**2)
                 * geo.fraction * geo.spacing**2)
            o = np.zeros(len(coils))
            flux_of_loops(np.array([cc.radius for cc in coils]), np.array([cc.z for cc in coils]),
                          np.ascontiguousarray(R[sc]), np.ascontiguousarray(Z[sc]),
                          np.ascontiguousarray(I[sc]), o)
            out[:, j] = o
        return out

    @cached_property
    def coil_ring_mutual_inductance(self) -> np.ndarray:
        """Mutual inductance between each coil and each ring (H), shape (n_coils, n_rings):
        the fluxoid a unit coil current puts into ring k, fluxoid = L I + M_coil I_coil, from
        the rings' response at n = 0 (M = -L I / I_coil)."""
        geo = self.geometry
        if not self.coils:
            raise ParameterError("the solution has no coils: pass coils=[(radius, z), ...]")
        if geo.n_rings == 0:
            raise ParameterError(f"{geo.name} has no ring")
        R, Z = self._RZ
        out = np.zeros((len(self.coils), geo.n_rings))
        L = self.inductance
        for j, c in enumerate(self.coils):
            psi_ext = external_flux(R, Z, 0.0, (Coil(c.radius, c.z, 1.0),))
            s = _source(geo, np.zeros(geo.n_rings, np.int64), psi_ext)
            res = self.solver.solve(s)
            sc = geo.superconductor
            lam = np.where(sc, geo.penetration_depth, 1.0)
            I = (np.where(sc, s - res.u, 0.0) / (2 * np.pi * R * MU0 * lam**2)
                 * geo.fraction * geo.spacing**2)
            Iring = np.array([float(np.sum(I[ring.mask])) for ring in geo.rings])
            out[j] = -L @ Iring
        return out

    # -- verification ------------------------------------------------------------------------
    def verify(self, options: SolverOptions | None = None) -> None:
        """Check every ring's fluxoid on every circle through its nodes against n_k Phi0
        (and that the solve met its tolerances); raise VerificationError if not."""
        tol = (options or SolverOptions()).tol
        rtol = max(FLUXOID_RTOL, 100.0 * tol)
        vals, dev, scale = self._fluxoid_measured
        for k in range(self.geometry.n_rings):
            target = self.fluxoid_numbers[k] * PHI0
            err = np.abs(dev[k] + vals[k] - target)
            lim = rtol * np.maximum(scale[k], PHI0)
            if np.any(err > lim):
                i = int(np.argmax(err / lim))
                raise VerificationError(
                    f"ring {k}: measured fluxoid {(dev[k][i] + vals[k]) / PHI0:.12g} Phi0 differs "
                    f"from the imposed {self.fluxoid_numbers[k]} Phi0 beyond round-off; the "
                    "solve is not trustworthy")
        if not (self.residual <= 10.0 * tol):
            raise VerificationError(f"residual {self.residual:.3e} exceeds 10 x tol = {10 * tol:.1e}")

    # -- output -----------------------------------------------------------------------------
    def plot(self, **kwargs):
        """|B| with field lines (contours of Psi) and J_phi, on the mirrored (r, z) section.

        Returns a matplotlib Figure; keywords go to :func:`fluxoid.plotting_rz.plot_solution`.
        """
        from .plotting_rz import plot_solution

        return plot_solution(self, **kwargs)

    def summary(self) -> dict:
        g = self.geometry
        return {
            "geometry": g.name,
            "grid": [g.grid.nx, g.grid.ny],
            "spacing_m": g.spacing,
            "box_m": list(g.box),
            "applied_field_T": self.applied_field,
            "coils": [[c.radius, c.z, c.current] for c in self.coils],
            "fluxoid_numbers": self.fluxoid_numbers.tolist(),
            "ring_current_A": self.ring_current.tolist(),
            "hole_flux_Phi0": (self.hole_flux / PHI0).tolist(),
            "fluxoid_Phi0": self.fluxoid_in_quanta.tolist(),
            "moment_A_m2": self.moment,
            "energy_J": self.energy,
            "residual": self.residual,
            "method": self.method,
            "fluxoid_version": self.version,
        }

    def save(self, path) -> Path:
        """Write the solution, its inputs and units to one ``.npz`` file."""
        g = self.geometry
        meta = {
            "format": FORMAT_VERSION,
            "kind": "axisymmetric",
            "fluxoid_version": self.version,
            "name": g.name,
            "grid": npz.grid_meta(g.grid),
            "inner_points": [list(r.inner_point) for r in g.rings],
            "applied_field": self.applied_field,
            "fluxoid_numbers": self.fluxoid_numbers.tolist(),
            "coils": [[c.radius, c.z, c.current] for c in self.coils],
            "residual": self.residual,
            "box_residual": self.box_residual,
            "boundary_residual": self.boundary_residual,
            "iterations": self.iterations,
            "boundary_iterations": self.boundary_iterations,
            "method": self.method,
            "units": self.units,
        }
        return npz.write(path, meta, fraction=g.fraction, penetration_depth=g.penetration_depth,
                         sdf=g.sdf, on_axis=g.on_axis, psi_induced=self.psi_induced,
                         boundary_values=self.boundary_values)

    @classmethod
    def load(cls, path) -> AxisymmetricSolution:
        """Read a solution written by :meth:`save`."""
        meta, f = npz.read(path, "axisymmetric")
        grid = npz.grid_from_meta(meta["grid"])
        geo = RevolutionGeometry(grid, f["fraction"], f["penetration_depth"],
                                 sdf_values=f["sdf"], on_axis=f["on_axis"], name=meta["name"],
                                 inner_points=meta["inner_points"])
        return cls(geo, f["psi_induced"].copy(), f["boundary_values"].copy(),
                   applied_field=meta["applied_field"], fluxoid_numbers=meta["fluxoid_numbers"],
                   coils=[Coil(*c) for c in meta["coils"]], residual=meta["residual"],
                   box_residual=meta["box_residual"],
                   boundary_residual=meta["boundary_residual"],
                   iterations=meta["iterations"],
                   boundary_iterations=meta["boundary_iterations"], method=meta["method"],
                   version=meta["fluxoid_version"])

    def __repr__(self) -> str:
        return (f"AxisymmetricSolution({self.geometry.name!r}, Ba={self.applied_field:.4g} T, "
                f"n={self.fluxoid_numbers.tolist()}, coils={len(self.coils)}, "
                f"residual={self.residual:.2e})")


def sphere_moment(radius: float, penetration_depth: float, applied_field: float) -> float:
    """London moment of a sphere (PHYSICS.md): m = -(2 pi R^3 Ba / mu0)
    [1 - 3 (lambda/R) coth(R/lambda) + 3 (lambda/R)^2]."""
    x = penetration_depth / radius
    return -(2 * np.pi * radius**3 * applied_field / MU0) * (
        1 - 3 * x / math.tanh(radius / penetration_depth) + 3 * x * x)


def thin_ring_inductance(major_radius: float, wire_radius: float) -> float:
    """L = mu0 R (ln(8 R / a) - 2): a thin superconducting wire loop (surface current)."""
    return MU0 * major_radius * (math.log(8 * major_radius / wire_radius) - 2.0)


__all__ = ["solve_axisymmetric", "AxisymmetricSolution", "sphere_moment", "thin_ring_inductance",
           "GeometryError"]
