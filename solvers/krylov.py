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


def gmres_relaxed(apply, b, *, x0, rtol, maxiter, eta, eta_max=1e-3, callback=None):
    """GMRES for a small system whose product is itself an iterative solve.

    ``apply(v, tol)`` returns A v computed to relative accuracy ``tol``. The
    accuracy asked for relaxes as the residual falls,

        tol_j = min(eta_max, eta ||b|| / ||r_(j-1)||),

    the inexact-Krylov strategy of A. Bouras and V. Fraysse, SIAM J. Matrix
    Anal. Appl. 26, 660 (2005), analysed by V. Simoncini and D. B. Szyld,
    SIAM J. Sci. Comput. 25, 454 (2003): the residual GMRES computes then
    departs from the true one by about eta ||b|| per step, so eta should be
    a tenth of ``rtol`` or less, and the caller must check the solution
    with an accurate product. No restarts: at most ``maxiter`` products after
    the first (modified Gram-Schmidt, applied twice; Givens rotations).

    Returns (x, steps, converged, history of ||r|| / ||b||).
    """
    b = np.asarray(b, dtype=float)
    bn = float(np.linalg.norm(b))
    x = np.array(x0, dtype=float)
    if bn == 0.0:
        return np.zeros_like(b), 0, True, [0.0]
    r = b - apply(x, eta) if np.any(x) else b.copy()
    beta = float(np.linalg.norm(r))
    history = [beta / bn]
    if beta <= rtol * bn:
        return x, 0, True, history
    m = int(maxiter)
    V = np.zeros((m + 1, b.size))
    H = np.zeros((m + 1, m))
    cs = np.zeros(m)
    sn = np.zeros(m)
    g = np.zeros(m + 1)
    g[0] = beta
    V[0] = r / beta
    res = beta
    steps = 0
    converged = False
    for j in range(m):
        w = apply(V[j], min(eta_max, eta * bn / res))
        for _ in range(2):  # Gram-Schmidt twice: orthogonal to rounding, as GMRES needs
            for i in range(j + 1):
                c = float(V[i] @ w)
                H[i, j] += c
                w -= c * V[i]
        H[j + 1, j] = float(np.linalg.norm(w))
        for i in range(j):  # the earlier rotations on the new column
            t = cs[i] * H[i, j] + sn[i] * H[i + 1, j]
            H[i + 1, j] = -sn[i] * H[i, j] + cs[i] * H[i + 1, j]
            H[i, j] = t
        d = math.hypot(H[j, j], H[j + 1, j])
        cs[j], sn[j] = (H[j, j] / d, H[j + 1, j] / d) if d > 0.0 else (1.0, 0.0)
        H[j, j] = d
        g[j + 1] = -sn[j] * g[j]
        g[j] = cs[j] * g[j]
        res = abs(g[j + 1])
        steps = j + 1
        history.append(res / bn)
        if callback is not None:
            callback(res / bn)
        if res <= rtol * bn:
            converged = True
            break
        nrm_w = float(np.linalg.norm(w))
        if nrm_w == 0.0:  # the Krylov space is invariant: the least-squares solution is exact
            converged = True
            break
        V[j + 1] = w / nrm_w
    y = np.zeros(steps)
    for i in range(steps - 1, -1, -1):  # back substitution on the rotated H
        y[i] = (g[i] - H[i, i + 1:steps] @ y[i + 1:]) / H[i, i]
    x += V[:steps].T @ y
    return x, steps, converged, history
