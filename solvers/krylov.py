"""Preconditioned conjugate gradients for the grid-plus-holes systems.

The unknown is a pair (u, b): a grid array u of shape (nx, ny) (zero on
cells that are not unknowns) and a short vector b of hole values. The
operator and preconditioner are callables; the vector updates are numba
kernels, so the only Python loop is over iterations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError
from . import kernels as K


@dataclass
class KrylovResult:
    u: np.ndarray
    b: np.ndarray
    iterations: int
    residual: float
    history: list


def pcg(apply, precondition, rhs_u, rhs_b, *, tol=1e-10, maxiter=20000, x0=None):
    """Solve A (u, b) = (rhs_u, rhs_b) for a symmetric positive definite A.

    Stops when ||r|| <= tol ||rhs|| (2-norms over all unknowns). Raises
    :class:`~fluxoid.errors.ConvergenceError` when ``maxiter`` is reached or
    the iteration breaks down.
    """
    nrm_rhs = math.sqrt(K.dot(rhs_u, rhs_u) + float(rhs_b @ rhs_b))
    u = np.zeros_like(rhs_u) if x0 is None else x0[0].copy()
    b = np.zeros_like(rhs_b) if x0 is None else x0[1].copy()
    if nrm_rhs == 0.0:
        return KrylovResult(u, b, 0, 0.0, [0.0])
    q_u = np.empty_like(rhs_u)
    q_b = np.empty_like(rhs_b)
    if x0 is None:
        r_u = rhs_u.copy()
        r_b = rhs_b.copy()
    else:
        apply(u, b, q_u, q_b)
        r_u = rhs_u - q_u
        r_b = rhs_b - q_b
    z_u = np.empty_like(rhs_u)
    z_b = np.empty_like(rhs_b)
    precondition(r_u, r_b, z_u, z_b)
    p_u = z_u.copy()
    p_b = z_b.copy()
    rz = K.dot(r_u, z_u) + float(r_b @ z_b)
    rr = K.dot(r_u, r_u) + float(r_b @ r_b)
    history = [math.sqrt(rr) / nrm_rhs]
    it = 0
    while history[-1] > tol:
        if it >= maxiter:
            raise ConvergenceError(
                f"conjugate gradients reached maxiter={maxiter} with relative residual "
                f"{history[-1]:.3e} > tol={tol:.1e}; raise maxiter or check the geometry",
                residual=history[-1],
                iterations=it,
            )
        apply(p_u, p_b, q_u, q_b)
        pq = K.dot(p_u, q_u) + float(p_b @ q_b)
        if not (pq > 0.0) or not math.isfinite(pq):
            raise ConvergenceError(
                f"conjugate gradients broke down (p.Ap = {pq:.3e}) at relative residual "
                f"{history[-1]:.3e}: the operator is not positive definite",
                residual=history[-1],
                iterations=it,
            )
        alpha = rz / pq
        rr = K.cg_step(u, r_u, p_u, q_u, alpha)
        b += alpha * p_b
        r_b -= alpha * q_b
        rr += float(r_b @ r_b)
        it += 1
        history.append(math.sqrt(rr) / nrm_rhs)
        if history[-1] <= tol:
            break
        precondition(r_u, r_b, z_u, z_b)
        rz_new = K.dot(r_u, z_u) + float(r_b @ z_b)
        beta = rz_new / rz
        rz = rz_new
        K.xpby(z_u, beta, p_u)
        p_b[:] = z_b + beta * p_b
    return KrylovResult(u, b, it, history[-1], history)
