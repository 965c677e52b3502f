"""Checks of user input at the public boundary: each names the parameter it rejects."""

from __future__ import annotations

import math

from .errors import ParameterError


def finite(name: str, value) -> float:
    """``value`` as a float; a ParameterError naming ``name`` unless it is a finite number."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return v


def positive(name: str, value, unit: str = "metres") -> float:
    """``value`` as a float; a ParameterError naming ``name`` unless it is finite and > 0."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a positive number in {unit}, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a positive number in {unit}, got {value!r}") from None
    if not math.isfinite(v) or v <= 0.0:
        raise ParameterError(f"{name} must be a positive finite number in {unit}, got {value!r}")
    return v


def integers(name: str, value, what: str = "fluxoid of a hole is n Phi0") -> list[int]:
    """``value`` (an integer or a sequence of them) as a list of ints.

    Integer-valued floats (1.0) are accepted; bools, fractions and non-numbers
    raise a ParameterError naming ``name`` (``what`` says why they must be integers).
    """
    import numbers

    import numpy as np

    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        vals = [value]
    elif isinstance(value, (numbers.Real, bool, np.bool_)):
        raise ParameterError(f"{name} numbers must be integers, got {value!r}")
    else:
        try:
            vals = list(value)
        except TypeError:
            raise ParameterError(f"{name} must be a sequence of integers, got {value!r}") from None
    out = []
    for v in vals:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise ParameterError(f"{name} numbers must be integers, got {v!r}")
        if isinstance(v, numbers.Integral) or (math.isfinite(float(v)) and float(v).is_integer()):
            out.append(int(v))
        else:
            raise ParameterError(f"{name} numbers must be integers (the {what}), got {v!r}")
    return out


def scalar_field(name: str, value) -> float | None:
    """``value`` as a float if it is one real number (a ParameterError naming ``name`` if it
    is a bool or not finite); None if it is something else (a vector, for the caller)."""
    import numbers

    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be a field in tesla, got {value!r}")
    if isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0):
        v = float(value)
        if not math.isfinite(v):
            raise ParameterError(f"{name} must be finite, got {value!r}")
        return v
    return None


def fluxoid_numbers(geo, fluxoid):
    """The fluxoid numbers n_k of a cross-section's holes as an int64 array: integers, one
    per hole in ``geo.holes`` order (default all 0)."""
    import numpy as np

    nh = len(geo.holes)
    if fluxoid is None:
        return np.zeros(nh, dtype=np.int64)
    out = integers("fluxoid", fluxoid)
    if len(out) != nh:
        raise ParameterError(
            f"fluxoid has {len(out)} number(s) but the geometry has {nh} hole(s); give one integer "
            "per hole, in geometry.holes order"
        )
    return np.array(out, dtype=np.int64)
