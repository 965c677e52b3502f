"""Superconducting materials: tabulated parameters and the quantities derived from them.

A :class:`Material` holds the zero-temperature parameters of one superconductor
(critical temperature, penetration depth, coherence lengths, gap, Fermi velocity,
scattering) and derives what a London or Ginzburg-Landau calculation needs:
lambda(T), the London coefficient Lambda = mu0 lambda^2, the superelectron density
n*, the Ginzburg-Landau parameter kappa, the type (I or II) and the depairing
current density. The physics is that of PHYSICS.md, sections 1, 2, 6 and 7
(Orlando and Delin, *Foundations of Applied Superconductivity*, ch. 5-6;
Tinkham, *Introduction to Superconductivity*, 2nd ed.).

Built-in materials (names are case-insensitive)::

    from fluxoid import materials
    nb = materials.get("nb")
    nb.penetration_depth(4.2)   # lambda at 4.2 K, in m
    nb.type                     # 'II'
    materials.names()           # ['Nb', 'Pb', 'Sn', 'Al', 'In', 'NbN', 'NbTiN', 'MgB2', 'YBCO']

The values and where each comes from are in each material's ``source`` text.
Elements use textbook values (Kittel; CRC Handbook). NbN and NbTiN are *typical
thin-film* values: film parameters depend strongly on deposition, thickness and
disorder, so register measured values for a real device with :func:`register`.

Temperature dependence (one consistent model, used throughout):

- lambda(T) = lambda(0) / sqrt(1 - (T/Tc)^4)  (Gorter-Casimir two-fluid
  model; PHYSICS.md section 7; Tinkham ch. 1), so n*(T) = n*(0) (1 - (T/Tc)^4).
- xi(T) = xi(0) lambda(T) / lambda(0). In Ginzburg-Landau theory both lambda^2
  and xi^2 are proportional to 1/|psi_inf|^2 = 1/n* (with a
  temperature-independent beta), so kappa = lambda/xi does not depend on T and
  xi diverges as (1 - T/Tc)^(-1/2) at Tc, as it must.
- Delta(T) = Delta(0) tanh(1.74 sqrt(Tc/T - 1)), the usual interpolation of the
  BCS gap (within about 2 %).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .checks import positive
from .constants import E_CHARGE, HBAR, K_B, M_E, MU0, PHI0
from .errors import MaterialError, ParameterError

#: BCS weak-coupling gap ratio Delta(0) / (k_B Tc) = pi exp(-gamma_E) = 1.764.
BCS_GAP_RATIO = math.pi * math.exp(-0.57721566490153286)
#: Mass of a superelectron (Cooper pair), m* = 2 m_e (PHYSICS.md section 2).
PAIR_MASS = 2.0 * M_E
#: Magnitude of the charge of a superelectron, |q*| = 2e (PHYSICS.md section 2).
PAIR_CHARGE = 2.0 * E_CHARGE
#: Boundary between type I and type II superconductors, kappa = 1/sqrt(2).
KAPPA_TYPE_BOUNDARY = 1.0 / math.sqrt(2.0)

_MEV = 1e-3 * E_CHARGE  # one milli-electronvolt in joules
_NM = 1e-9

FloatOrArray = float | NDArray[np.float64]


def _check_optional_positive(name: str, value: float | None) -> float | None:
    return None if value is None else positive(name, value, "SI units")


def _as_result(values: NDArray[np.float64], scalar: bool) -> FloatOrArray:
    return float(values) if scalar else values


@dataclass(frozen=True)
class Material:
    """Zero-temperature parameters of a superconductor, SI units throughout.

    Missing values are completed on construction where theory fixes them:

    - ``gap`` defaults to the BCS value Delta(0) = 1.764 k_B Tc
      (PHYSICS.md section 6; BCS, Tinkham ch. 3);
    - ``fermi_velocity`` and ``coherence_length`` complete each other through
      the BCS coherence length xi0 = hbar v_F / (pi Delta(0)) (PHYSICS.md
      section 6; Tinkham ch. 3);
    - ``scattering_time`` and ``mean_free_path`` complete each other through
      l = v_F tau_tr (PHYSICS.md section 7).

    Parameters
    ----------
    name : str
        Display name, also the registry key (matched case-insensitively).
    critical_temperature : float
        Tc (K).
    london_penetration_depth : float
        lambda(0), the penetration depth at T = 0 that the London equations use (m).
    coherence_length : float, optional
        Intrinsic (BCS, Pippard) coherence length xi0 of the clean metal (m).
    fermi_velocity : float, optional
        v_F (m/s).
    gap : float, optional
        Delta(0), the energy gap at T = 0 (J); half the gap seen in tunnelling.
    scattering_time : float, optional
        Transport scattering time tau_tr of the normal electrons (s).
    mean_free_path : float, optional
        Normal-state mean free path l (m).
    gl_coherence_length : float, optional
        Measured Ginzburg-Landau coherence length xi(0) (m), for dirty or
        anisotropic materials where it is not xi0; usually from the upper
        critical field, xi(0) = sqrt(Phi0 / (2 pi B_c2(0))).
    source : str
        Where each value comes from.

    Raises
    ------
    ParameterError
        If a value is not a positive finite number, or if ``scattering_time``,
        ``mean_free_path`` and ``fermi_velocity`` are all given and disagree.
    """

    name: str
    critical_temperature: float
    london_penetration_depth: float
    coherence_length: float | None = None
    fermi_velocity: float | None = None
    gap: float | None = None
    scattering_time: float | None = None
    mean_free_path: float | None = None
    gl_coherence_length: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ParameterError(f"name must be a non-empty string, got {self.name!r}")
        fields = {}
        for field in (
            "critical_temperature",
            "london_penetration_depth",
            "coherence_length",
            "fermi_velocity",
            "gap",
            "scattering_time",
            "mean_free_path",
            "gl_coherence_length",
        ):
            fields[field] = _check_optional_positive(field, getattr(self, field))
        for field in ("critical_temperature", "london_penetration_depth"):
            if fields[field] is None:
                raise ParameterError(f"{field} is required for material {self.name!r}")
        if fields["gap"] is None:
            fields["gap"] = BCS_GAP_RATIO * K_B * fields["critical_temperature"]
        gap = fields["gap"]
        # xi0 = hbar v_F / (pi Delta(0)): whichever is known gives the other.
        if fields["fermi_velocity"] is None and fields["coherence_length"] is not None:
            fields["fermi_velocity"] = math.pi * gap * fields["coherence_length"] / HBAR
        elif fields["coherence_length"] is None and fields["fermi_velocity"] is not None:
            fields["coherence_length"] = HBAR * fields["fermi_velocity"] / (math.pi * gap)
        v_f, tau, ell = (
            fields["fermi_velocity"],
            fields["scattering_time"],
            fields["mean_free_path"],
        )
        if v_f is not None:
            if tau is not None and ell is not None:
                if not math.isclose(ell, v_f * tau, rel_tol=1e-6):
                    raise ParameterError(
                        f"mean_free_path = {ell!r} m of {self.name!r} disagrees with "
                        f"fermi_velocity * scattering_time = {v_f * tau!r} m; give only one of "
                        "mean_free_path and scattering_time"
                    )
            elif tau is not None:
                fields["mean_free_path"] = v_f * tau
            elif ell is not None:
                fields["scattering_time"] = ell / v_f
        for field, value in fields.items():
            object.__setattr__(self, field, value)
        object.__setattr__(self, "source", str(self.source))

    # ------------------------------------------------------------------ helpers

    def _reduced_temperature(self, temperature: ArrayLike) -> tuple[NDArray[np.float64], bool]:
        """t = T / Tc as an array, after checking 0 <= T < Tc."""
        if isinstance(temperature, bool):
            raise ParameterError(f"temperature must be a number in kelvin, got {temperature!r}")
        try:
            t_kelvin = np.asarray(temperature, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(
                f"temperature must be a number (or array of numbers) in kelvin, got {temperature!r}"
            ) from None
        tc = self.critical_temperature
        if np.any(np.isnan(t_kelvin)):
            raise ParameterError(f"temperature must not be NaN (material {self.name})")
        if np.any(t_kelvin < 0.0) or np.any(t_kelvin >= tc):
            bad = t_kelvin[(t_kelvin < 0.0) | (t_kelvin >= tc)] if t_kelvin.ndim else t_kelvin
            raise ParameterError(
                f"temperature must satisfy 0 <= temperature < critical_temperature = {tc} K "
                f"of {self.name}, got {np.ravel(bad)[0]!r} K; the material is not "
                "superconducting there"
            )
        return t_kelvin / tc, t_kelvin.ndim == 0

    def _require(self, field: str, purpose: str) -> float:
        value = getattr(self, field)
        if value is None:
            raise MaterialError(
                f"material {self.name!r} has no {field}, needed for {purpose}; "
                f"register a Material with {field} set"
            )
        return value

    # ------------------------------------------------------------ temperature

    def penetration_depth(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """Penetration depth at temperature T, two-fluid (Gorter-Casimir) form.

        .. math:: \\lambda(T) = \\lambda(0) / \\sqrt{1 - (T/T_c)^4}

        PHYSICS.md section 7; Gorter and Casimir, Phys. Z. 35, 963 (1934); Tinkham ch. 1.

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.

        Returns
        -------
        float or ndarray
            lambda(T) (m).

        Raises
        ------
        ParameterError
            If T is negative, NaN, or not below Tc.
        """
        t, scalar = self._reduced_temperature(temperature)
        lam = self.london_penetration_depth / np.sqrt(1.0 - t**4)
        return _as_result(lam, scalar)

    def london_coefficient(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """London coefficient Lambda = m* / (n* q*^2) = mu0 lambda(T)^2 (H m).

        PHYSICS.md section 2; Orlando and Delin ch. 5.

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.
        """
        lam = np.asarray(self.penetration_depth(temperature))
        t_scalar = lam.ndim == 0
        return _as_result(MU0 * lam**2, t_scalar)

    def superelectron_density(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """Superelectron (Cooper pair) density n* = m* / (mu0 lambda(T)^2 q*^2) (m^-3).

        From Lambda = m* / (n* q*^2) = mu0 lambda^2 with m* = 2 m_e and
        |q*| = 2e (PHYSICS.md section 2).

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.
        """
        lam = np.asarray(self.penetration_depth(temperature))
        return _as_result(PAIR_MASS / (MU0 * lam**2 * PAIR_CHARGE**2), lam.ndim == 0)

    def energy_gap(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """Energy gap Delta(T) (J), interpolation of the BCS temperature dependence.

        .. math:: \\Delta(T) = \\Delta(0) \\tanh\\left(1.74 \\sqrt{T_c/T - 1}\\right)

        Within about 2 % of the BCS gap equation at all T (the form used by
        Gross et al., Z. Phys. B 64, 175 (1986)); Delta(0) is ``self.gap``.

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.
        """
        t, scalar = self._reduced_temperature(temperature)
        with np.errstate(divide="ignore"):
            arg = 1.74 * np.sqrt(1.0 / t - 1.0)  # t = 0 gives inf, tanh(inf) = 1
        return _as_result(self.gap * np.tanh(arg), scalar)

    # ------------------------------------------------------- coherence lengths

    @property
    def bcs_coherence_length(self) -> float:
        """BCS coherence length xi0 = hbar v_F / (pi Delta(0)) (m).

        PHYSICS.md section 6; BCS (Tinkham ch. 3). When only a tabulated xi0 was
        given, v_F was derived from it, so this returns that xi0.

        Raises
        ------
        MaterialError
            If the material has neither ``fermi_velocity`` nor ``coherence_length``.
        """
        v_f = self._require("fermi_velocity", "the BCS coherence length hbar v_F / (pi Delta)")
        return HBAR * v_f / (math.pi * self.gap)

    def effective_coherence_length(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """Coherence length xi(T) that enters Ginzburg-Landau theory (m).

        At T = 0 this is ``gl_coherence_length`` if measured; otherwise the
        Pippard effective length 1/xi = 1/xi0 + 1/l when a mean free path is
        known (Pippard, Proc. R. Soc. A 216, 547 (1953); Tinkham ch. 1);
        otherwise xi0. Its temperature dependence follows lambda:

        .. math:: \\xi(T) = \\xi(0) \\lambda(T) / \\lambda(0)
                  = \\xi(0) / \\sqrt{1 - (T/T_c)^4}

        (GL with both lambda^2 and xi^2 proportional to 1/n*; see the module
        docstring), so that xi ~ (1 - T/Tc)^(-1/2) near Tc.

        Raises
        ------
        MaterialError
            If no coherence length is known.
        ParameterError
            If T is negative, NaN, or not below Tc.
        """
        if self.gl_coherence_length is not None:
            xi_zero = self.gl_coherence_length
        else:
            xi0 = self._require("coherence_length", "the Ginzburg-Landau coherence length")
            ell = self.mean_free_path
            xi_zero = xi0 if ell is None else 1.0 / (1.0 / xi0 + 1.0 / ell)
        t, scalar = self._reduced_temperature(temperature)
        return _as_result(xi_zero / np.sqrt(1.0 - t**4), scalar)

    def kappa(self, temperature: ArrayLike = 0.0) -> FloatOrArray:
        """Ginzburg-Landau parameter kappa = lambda(T) / xi(T) (dimensionless).

        With the temperature model of this module kappa is independent of T,
        as in Ginzburg-Landau theory (Tinkham ch. 4). PHYSICS.md section 6.

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.
        """
        lam = np.asarray(self.penetration_depth(temperature))
        xi = np.asarray(self.effective_coherence_length(temperature))
        return _as_result(lam / xi, lam.ndim == 0)

    @property
    def type(self) -> Literal["I", "II"]:
        """``"I"`` if kappa < 1/sqrt(2), else ``"II"`` (Abrikosov; Tinkham ch. 4-5)."""
        return "I" if self.kappa(0.0) < KAPPA_TYPE_BOUNDARY else "II"

    # ----------------------------------------------------------- critical current

    def depairing_current_density(
        self,
        temperature: ArrayLike = 0.0,
        model: Literal["ginzburg-landau", "estimate"] = "ginzburg-landau",
    ) -> FloatOrArray:
        """Depairing current density J_d(T) (A/m^2), the largest supercurrent density.

        ``model="ginzburg-landau"`` (GL critical current of a thin wire, Tinkham ch. 4,
        in SI; PHYSICS.md section 6):

        .. math:: J_d = \\frac{\\Phi_0}{3\\sqrt{3}\\,\\pi\\,\\mu_0 \\lambda^2 \\xi}

        with lambda(T) and xi(T) as in :meth:`penetration_depth` and
        :meth:`effective_coherence_length`; near Tc it goes as (1 - T/Tc)^(3/2).

        ``model="estimate"`` (PHYSICS.md section 6): the current at which the
        kinetic energy m* v_F v_s of a pair reaches the gap,

        .. math:: J_d \\approx n^* |q^*| \\Delta / (m^* v_F)

        with n*(T) and Delta(T). For a clean material (xi = xi0) the two models
        differ by the constant factor 2 pi / (3 sqrt 3) = 1.21.

        Parameters
        ----------
        temperature : float or array_like
            T (K), 0 <= T < Tc.
        model : {"ginzburg-landau", "estimate"}
            Which expression to evaluate.

        Raises
        ------
        ParameterError
            For an unknown ``model`` or a bad temperature.
        MaterialError
            If the material lacks the coherence length or Fermi velocity needed.
        """
        if model == "ginzburg-landau":
            lam = np.asarray(self.penetration_depth(temperature))
            xi = np.asarray(self.effective_coherence_length(temperature))
            j_d = PHI0 / (3.0 * math.sqrt(3.0) * math.pi * MU0 * lam**2 * xi)
        elif model == "estimate":
            v_f = self._require("fermi_velocity", "the depairing current estimate")
            n_star = np.asarray(self.superelectron_density(temperature))
            gap = np.asarray(self.energy_gap(temperature))
            j_d = n_star * PAIR_CHARGE * gap / (PAIR_MASS * v_f)
        else:
            raise ParameterError(f"model must be 'ginzburg-landau' or 'estimate', got {model!r}")
        return _as_result(j_d, np.ndim(j_d) == 0)


# --------------------------------------------------------------------- registry

_REGISTRY: dict[str, Material] = {}
_ALIASES: dict[str, str] = {}


def _key(name: str) -> str:
    return name.strip().casefold()


def register(material: Material, *, aliases: Iterable[str] = (), overwrite: bool = False) -> None:
    """Add a material to the registry so that :func:`get` finds it by name.

    Parameters
    ----------
    material : Material
        The material; its ``name`` is the key (case-insensitive).
    aliases : iterable of str
        Further names that find it (e.g. a chemical formula).
    overwrite : bool
        Replace an existing material of the same name or alias.

    Raises
    ------
    ParameterError
        If ``material`` is not a Material, or the name is taken and
        ``overwrite`` is False.
    """
    if not isinstance(material, Material):
        raise ParameterError(f"material must be a fluxoid.materials.Material, got {material!r}")
    keys = [_key(material.name), *(_key(a) for a in aliases)]
    if not overwrite:
        taken = [k for k in keys if k in _REGISTRY or k in _ALIASES]
        if taken:
            raise ParameterError(
                f"material name {taken[0]!r} is already registered; pass overwrite=True to "
                "replace it, or choose another name"
            )
    primary = keys[0]
    _ALIASES.pop(primary, None)
    _REGISTRY[primary] = material
    for alias in keys[1:]:
        if alias != primary:
            _REGISTRY.pop(alias, None)
            _ALIASES[alias] = primary


def names() -> list[str]:
    """Names of the registered materials, built-ins first, in registration order."""
    return [m.name for m in _REGISTRY.values()]


def get(name: str | Material) -> Material:
    """The registered material called ``name`` (case-insensitive).

    A :class:`Material` passed in is returned unchanged, so that functions can
    accept either a name or a material.

    Raises
    ------
    MaterialError
        If no material of that name is registered; the message lists the known names.
    ParameterError
        If ``name`` is neither a string nor a Material.
    """
    if isinstance(name, Material):
        return name
    if not isinstance(name, str):
        raise ParameterError(f"name must be a material name (str), got {name!r}")
    key = _key(name)
    key = _ALIASES.get(key, key)
    try:
        return _REGISTRY[key]
    except KeyError:
        raise MaterialError(
            f"unknown material {name!r}; known materials: {', '.join(names())} "
            "(or add one with fluxoid.materials.register)"
        ) from None


# ------------------------------------------------------------- built-in values
#
# Abbreviations used in the source texts:
#   Kittel      C. Kittel, Introduction to Solid State Physics, 8th ed. (Wiley 2005), ch. 10:
#               table "Energy gaps in superconductors" (Eg = 2 Delta(0)) and table
#               "Calculated intrinsic coherence length and London penetration depth, at
#               absolute zero" (xi0, lambda_L).
#   CRC         CRC Handbook of Chemistry and Physics, "Properties of superconductors"
#               (Tc of the elements).
#   A&M         N. W. Ashcroft and N. D. Mermin, Solid State Physics (1976), Table 2.1
#               (free-electron Fermi velocities).

register(
    Material(
        name="Nb",
        critical_temperature=9.25,
        london_penetration_depth=39 * _NM,
        coherence_length=38 * _NM,
        gap=0.5 * 30.5e-4 * E_CHARGE,
        source=(
            "Tc = 9.25 K: CRC. lambda_L(0) = 39 nm, xi0 = 38 nm: Kittel (London and intrinsic "
            "values; Maxfield and McLean, Phys. Rev. 139, A1515 (1965) give lambda_L = 39 nm "
            "and a measured lambda(0) = 47 nm). Delta(0) = 1.525 meV from Eg = 3.05 meV "
            "(2 Delta/k_B Tc = 3.8): Kittel. v_F derived from xi0 = hbar v_F / (pi Delta)."
        ),
    )
)
register(
    Material(
        name="Pb",
        critical_temperature=7.196,
        london_penetration_depth=37 * _NM,
        coherence_length=83 * _NM,
        gap=0.5 * 27.3e-4 * E_CHARGE,
        source=(
            "Tc = 7.196 K: CRC. lambda_L(0) = 37 nm, xi0 = 83 nm: Kittel (Lock, Proc. R. Soc. A "
            "208, 391 (1951) measured lambda(0) = 39 nm on films). Delta(0) = 1.365 meV from "
            "Eg = 2.73 meV (strong coupling, 2 Delta/k_B Tc = 4.38): Kittel. v_F derived from xi0."
        ),
    )
)
register(
    Material(
        name="Sn",
        critical_temperature=3.722,
        london_penetration_depth=34 * _NM,
        coherence_length=230 * _NM,
        gap=0.5 * 11.5e-4 * E_CHARGE,
        source=(
            "Tc = 3.722 K: CRC. lambda_L(0) = 34 nm, xi0 = 230 nm: Kittel (Lock 1951 measured "
            "lambda(0) = 50 nm on films; Sn is nonlocal, lambda > lambda_L). Delta(0) = 0.575 meV "
            "from Eg = 1.15 meV: Kittel. v_F derived from xi0."
        ),
    )
)
register(
    Material(
        name="Al",
        critical_temperature=1.175,
        london_penetration_depth=16 * _NM,
        coherence_length=1600 * _NM,
        gap=0.5 * 3.4e-4 * E_CHARGE,
        source=(
            "Tc = 1.175 K: CRC. lambda_L(0) = 16 nm, xi0 = 1600 nm: Kittel. Pure Al is in the "
            "extreme nonlocal (Pippard) limit: the measured penetration depth of bulk Al is about "
            "50 nm and that of films depends on their mean free path; register a film value for "
            "device work. Delta(0) = 0.17 meV from Eg = 0.34 meV: Kittel. v_F derived from xi0."
        ),
    )
)
register(
    Material(
        name="In",
        critical_temperature=3.408,
        london_penetration_depth=64 * _NM,
        fermi_velocity=1.74e6,
        gap=0.5 * 10.5e-4 * E_CHARGE,
        source=(
            "Tc = 3.408 K: CRC. lambda(0) = 64 nm: measured on evaporated films, Lock, Proc. R. "
            "Soc. A 208, 391 (1951) (Kittel's table has no In). Delta(0) = 0.525 meV from "
            "Eg = 1.05 meV: Kittel. v_F = 1.74e6 m/s: free-electron value, A&M; xi0 is derived "
            "from it (about 0.69 um), an upper estimate since the band v_F is lower."
        ),
    )
)
register(
    Material(
        name="NbN",
        critical_temperature=16.0,
        london_penetration_depth=250 * _NM,
        gl_coherence_length=5 * _NM,
        gap=2.1 * K_B * 16.0,
        source=(
            "Typical film values, not a bulk crystal: sputtered or epitaxial NbN films some tens "
            "of nm thick. Tc = 16 K (thinner films are lower). lambda(0) = 250 nm (films: "
            "200-500 nm; the local dirty limit lambda = sqrt(hbar rho_n / (pi mu0 Delta)), "
            "Tinkham ch. 3, gives this for rho_n of about 110 uOhm cm). xi_GL(0) = 5 nm, i.e. "
            "B_c2(0) = Phi0 / (2 pi xi^2) of about 13 T. Delta(0) = 2.1 k_B Tc = 2.9 meV "
            "(strong coupling, 2 Delta/k_B Tc of about 4.2 from tunnelling on epitaxial films, "
            "e.g. Kamlapure et al., Appl. Phys. Lett. 96, 072509 (2010); see also Chockalingam "
            "et al., Phys. Rev. B 77, 214503 (2008)). Film-dependent: register measured values."
        ),
    )
)
register(
    Material(
        name="NbTiN",
        critical_temperature=14.0,
        london_penetration_depth=300 * _NM,
        gl_coherence_length=4.5 * _NM,
        source=(
            "Typical film values, not a bulk crystal: reactively sputtered NbTiN films of order "
            "100 nm thick (Tc 13-16 K, rho_n about 100-150 uOhm cm). Tc = 14 K. lambda(0) = 300 nm "
            "from the local dirty limit lambda = sqrt(hbar rho_n / (pi mu0 Delta)) (Tinkham "
            "ch. 3) with rho_n = 120 uOhm cm. xi_GL(0) = 4.5 nm, i.e. B_c2(0) of about 16 T. "
            "Delta(0): BCS default 1.764 k_B Tc. Film-dependent: register measured values."
        ),
    )
)
register(
    Material(
        name="MgB2",
        critical_temperature=39.0,
        london_penetration_depth=100 * _NM,
        gl_coherence_length=5 * _NM,
        gap=7.1 * _MEV,
        source=(
            "Tc = 39 K: Nagamatsu et al., Nature 410, 63 (2001). lambda(0) = 100 nm and in-plane "
            "xi(0) = 5 nm: typical values within the ranges reviewed by Buzea and Yamashita, "
            "Supercond. Sci. Technol. 14, R115 (2001) (lambda 85-180 nm, xi_ab 4-12 nm). "
            "MgB2 has two gaps, 7.1 meV (sigma band) and 2.2 meV (pi band) (Iavarone et al., "
            "Phys. Rev. Lett. 89, 187002 (2002)); gap is the larger one, so single-gap results "
            "that use it are estimates."
        ),
    )
)
register(
    Material(
        name="YBCO",
        critical_temperature=92.0,
        london_penetration_depth=150 * _NM,
        gl_coherence_length=1.5 * _NM,
        fermi_velocity=2.7e5,
        gap=20 * _MEV,
        source=(
            "Optimally doped YBa2Cu3O7-d, in-plane (ab) values; the material is strongly "
            "anisotropic (lambda_c and xi_c differ several-fold). Tc = 92 K (Wu et al., Phys. "
            "Rev. Lett. 58, 908 (1987)). lambda_ab(0) = 150 nm (muSR gives 115-150 nm; Sonier et "
            "al., Rev. Mod. Phys. 72, 769 (2000)). xi_ab(0) = 1.5 nm: typical in-plane value, "
            "equivalent to B_c2(0) of about 150 T for a field along c. v_F = 2.7e5 m/s: nodal "
            "Fermi velocity of about 1.8 eV A from ARPES, "
            "Zhou et al., Nature 423, 398 (2003). Delta = 20 meV: maximum of the d-wave gap, "
            "order of magnitude from tunnelling (Fischer et al., Rev. Mod. Phys. 79, 353 (2007)); "
            "s-wave (BCS) formulas that use it are estimates."
        ),
    ),
    aliases=("YBa2Cu3O7",),
)

__all__ = [
    "BCS_GAP_RATIO",
    "KAPPA_TYPE_BOUNDARY",
    "PAIR_CHARGE",
    "PAIR_MASS",
    "Material",
    "get",
    "names",
    "register",
]
