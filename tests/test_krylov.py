"""GMRES with relaxed products (fluxoid.solvers.krylov.gmres_relaxed): exact on exact
products, and as accurate as asked when the products are computed less and less
accurately as the residual falls."""

from __future__ import annotations

import numpy as np
import pytest

from fluxoid.solvers.krylov import gmres_relaxed


def _system(n=60, seed=0):
    # I - K with K smooth and of small norm: the shape of an open-boundary iteration
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    K = (q * (0.6 * 0.7 ** np.arange(n))) @ rng.standard_normal((n, n)) / np.sqrt(n)
    return np.eye(n) - K, rng.standard_normal(n)


def test_exact_products_give_the_solution():
    A, b = _system()
    x, steps, done, hist = gmres_relaxed(lambda v, tol: A @ v, b, x0=np.zeros(b.size),
                                         rtol=1e-13, maxiter=60, eta=0.0)
    assert done and steps < 60
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=0, atol=1e-11)
    assert hist[-1] <= 1e-13 and all(np.diff(hist) <= 1e-15)  # GMRES: never increases


@pytest.mark.parametrize("rtol", [1e-6, 1e-10])
def test_relaxed_products_reach_the_tolerance(rtol):
    """Products with a relative error as large as asked (random), the accuracy relaxed as the
    residual falls: the true residual still reaches about rtol, while the later products
    were allowed errors many orders of magnitude above it."""
    A, b = _system(seed=1)
    rng = np.random.default_rng(2)
    asked = []

    def apply(v, tol):
        asked.append(tol)
        e = rng.standard_normal(v.size)
        return A @ v + tol * np.linalg.norm(A @ v) * e / np.linalg.norm(e)

    x, steps, done, _ = gmres_relaxed(apply, b, x0=np.zeros(b.size), rtol=rtol, maxiter=60,
                                      eta=0.1 * rtol)
    assert done
    assert np.linalg.norm(b - A @ x) <= 3 * rtol * np.linalg.norm(b)
    assert asked[0] == pytest.approx(0.1 * rtol) and max(asked) >= 1e3 * asked[0]
    assert all(np.diff(asked) >= 0)
