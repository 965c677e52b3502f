"""Exceptions raised by fluxoid.

Every error names the offending parameter and says what to do about it.
They subclass the built-in exception a Python user would catch anyway
(``ValueError`` for bad input, ``RuntimeError`` for a solve that failed).
"""

from __future__ import annotations


class FluxoidError(Exception):
    """Base class of all fluxoid errors."""


class GeometryError(FluxoidError, ValueError):
    """A geometry cannot be built or solved as given (shape, grid, topology)."""


class ParameterError(FluxoidError, ValueError):
    """A parameter has a wrong type, sign, size or value."""


class ProblemFileError(FluxoidError, ValueError):
    """A problem file (TOML) has an unknown key, a wrong type or a missing value."""


class ConvergenceError(FluxoidError, RuntimeError):
    """An iterative solve did not reach its tolerance.

    Attributes
    ----------
    residual : float
        The relative residual the solver reached.
    iterations : int
        The number of iterations it took.
    """

    def __init__(self, message: str, *, residual: float = float("nan"), iterations: int = 0):
        super().__init__(message)
        self.residual = residual
        self.iterations = iterations


class VerificationError(FluxoidError, RuntimeError):
    """A solution failed its own checks (fluxoid constraint, current conservation)."""


class MaterialError(FluxoidError, KeyError):
    """An unknown material name, or a material lacking a needed value."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class FluxoidWarning(UserWarning):
    """Warnings about accuracy (under-resolved grids and the like)."""
