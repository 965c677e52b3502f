"""Closed-form London solutions (PHYSICS.md, "Reference solutions").

Bessel functions are evaluated in their exponentially scaled forms
(``scipy.special.ive``, ``kve``) so that walls many penetration depths thick
neither overflow nor lose precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ive, kve

from .constants import MU0, PHI0


def slab_field(x, thickness: float, penetration_depth: float, applied_field: float):
    """B(x) = Ba cosh(x / lambda) / cosh(d / 2 lambda) in a slab |x| < d/2 (Ba outside)."""
    x = np.asarray(x, float)
    lam, d = penetration_depth, thickness
    inside = np.abs(x) < 0.5 * d
    e = np.exp((np.abs(x) - 0.5 * d) / lam)
    ratio = e * (1 + np.exp(-2 * np.abs(x) / lam)) / (1 + np.exp(-d / lam))
    return np.where(inside, applied_field * ratio, applied_field)


def cylinder_field(r, radius: float, penetration_depth: float, applied_field: float):
    """B(r) = Ba I0(r / lambda) / I0(R / lambda) in a solid cylinder (Ba outside)."""
    r = np.asarray(r, float)
    lam, R = penetration_depth, radius
    val = ive(0, r / lam) / ive(0, R / lam) * np.exp((r - R) / lam)
    return np.where(r < R, applied_field * val, applied_field)


@dataclass(frozen=True)
class HollowCylinder:
    """The long hollow cylinder a < r < b in an axial field with fluxoid n (PHYSICS.md section 5).

    In the wall B = c1 I0(r/lambda) + c2 K0(r/lambda); B(b) = Ba; the hole
    field is B(a); the fluxoid condition on the hole's edge,
    pi a^2 B(a) - 2 pi lambda^2 a B'(a) = n Phi0, closes the problem.
    """

    inner_radius: float
    outer_radius: float
    penetration_depth: float

    def _coefficients(self, applied_field: float, n: float):
        a, b, lam = self.inner_radius, self.outer_radius, self.penetration_depth
        # B = C1 ive0(r) e^{(r-b)/lam} + C2 kve0(r) e^{-(r-a)/lam}
        eab = np.exp(-(b - a) / lam)
        m = np.array(
            [
                [ive(0, b / lam), kve(0, b / lam) * eab],
                [
                    np.pi * a * a * ive(0, a / lam) * eab
                    - 2 * np.pi * lam * a * ive(1, a / lam) * eab,
                    np.pi * a * a * kve(0, a / lam) + 2 * np.pi * lam * a * kve(1, a / lam),
                ],
            ]
        )
        return np.linalg.solve(m, [applied_field, n * PHI0])

    def field(self, r, applied_field: float, n: int = 0):
        """B(r) (T): hole value for r <= a, the wall solution, Ba for r >= b."""
        a, b, lam = self.inner_radius, self.outer_radius, self.penetration_depth
        c1, c2 = self._coefficients(applied_field, n)
        r = np.asarray(r, float)
        rc = np.clip(r, a, b)
        wall = c1 * ive(0, rc / lam) * np.exp((rc - b) / lam) + c2 * kve(0, rc / lam) * np.exp(
            -(rc - a) / lam
        )
        return np.where(r >= b, applied_field, wall)

    def hole_field(self, applied_field: float, n: int = 0) -> float:
        return float(self.field(self.inner_radius, applied_field, n))

    def hole_flux(self, applied_field: float, n: int = 0) -> float:
        """Flux through the hole, pi a^2 B(a) (Wb)."""
        return np.pi * self.inner_radius**2 * self.hole_field(applied_field, n)

    def wall_flux(self, applied_field: float, n: int = 0) -> float:
        """Flux through the wall a < r < b (Wb): 2 pi lambda [c1 r I1 - c2 r K1]_a^b."""
        a, b, lam = self.inner_radius, self.outer_radius, self.penetration_depth
        c1, c2 = self._coefficients(applied_field, n)

        def prim(r):
            return 2 * np.pi * lam * r * (
                c1 * ive(1, r / lam) * np.exp((r - b) / lam)
                - c2 * kve(1, r / lam) * np.exp(-(r - a) / lam)
            )

        return float(prim(b) - prim(a))

    def energy(self, applied_field: float, n: int = 0) -> float:
        """Gibbs free energy per unit length (J/m) relative to the field-free state.

        From G = (1/2mu0) integral_{r<b} [(B - Ba)^2 + lambda^2 |grad B|^2] dA,
        integrated by parts with lambda^2 Lap B = B in the wall:
        2 mu0 G = (B(a) - Ba)(n Phi0 - pi a^2 Ba) - Ba (Phi_wall - Ba A_wall).
        """
        a, b = self.inner_radius, self.outer_radius
        Ba = applied_field
        bh = self.hole_field(Ba, n)
        wall_area = np.pi * (b * b - a * a)
        g2 = (bh - Ba) * (n * PHI0 - np.pi * a * a * Ba) - Ba * (
            self.wall_flux(Ba, n) - Ba * wall_area
        )
        return float(g2 / (2 * MU0))

    @property
    def inductance(self) -> float:
        """L_eff per unit length (H/m), magnetic plus kinetic: G_n has curvature Phi0^2 / L_eff in n."""
        return PHI0**2 / (self.energy(0.0, 1) + self.energy(0.0, -1))

    @property
    def effective_area(self) -> float:
        """A_eff (m^2): states n and n+1 cross at Ba = (n + 1/2) Phi0 / A_eff."""
        Ba = 1e-4
        dg = self.energy(Ba, 1) - self.energy(Ba, -1)
        return float(-self.inductance * dg / (2 * PHI0 * Ba))

    def crossing_field(self, n: int) -> float:
        """Applied field where G_n = G_{n+1} (T)."""
        return (n + 0.5) * PHI0 / self.effective_area
