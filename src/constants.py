"""Physical constants (CODATA 2018, exact where SI defines them) and unit helpers.

All public quantities in fluxoid are SI. The unit names below let a user
write ``1.5 * fx.um`` or ``0.5 * fx.mT`` instead of bare powers of ten.
"""

from __future__ import annotations

import math

#: Elementary charge (C), exact in SI since 2019.
E_CHARGE = 1.602176634e-19
#: Planck constant (J s), exact in SI since 2019.
H_PLANCK = 6.62607015e-34
#: Reduced Planck constant (J s).
HBAR = H_PLANCK / (2.0 * math.pi)
#: Boltzmann constant (J/K), exact in SI since 2019.
K_B = 1.380649e-23
#: Electron mass (kg), CODATA 2018.
M_E = 9.1093837015e-31
#: Vacuum permeability (H/m), CODATA 2018.
MU0 = 1.25663706212e-6
#: Superconducting flux quantum h / 2e (Wb).
PHI0 = H_PLANCK / (2.0 * E_CHARGE)

# Lengths
m = 1.0
cm = 1e-2
mm = 1e-3
um = 1e-6
nm = 1e-9
# Fields
T = 1.0
mT = 1e-3
uT = 1e-6
G = 1e-4  # gauss
# Currents
A = 1.0
mA = 1e-3
uA = 1e-6
# Inductance
pH = 1e-12
nH = 1e-9

__all__ = [
    "E_CHARGE", "H_PLANCK", "HBAR", "K_B", "M_E", "MU0", "PHI0",
    "m", "cm", "mm", "um", "nm", "T", "mT", "uT", "G", "A", "mA", "uA", "pH", "nH",
]
