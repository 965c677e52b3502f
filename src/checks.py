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
