"""numba kernels: the matrix-free operators and vector updates.

Every kernel takes plain arrays (no geometry objects) and is compiled once and
cached on disk (``cache=True``). Grid arrays are C-ordered ``(nx, ny)``.

The 5-point operator they apply is, for a cell c with value u_c,

    (A u)_c = d_c u_c - wx[i-1, j] u[i-1, j] - wx[i, j] u[i+1, j]
                      - wy[i, j-1] u[i, j-1] - wy[i, j] u[i, j+1]

where ``wx[i, j]`` couples cell (i, j) with (i+1, j) (wrapping on a periodic
axis) and is zero wherever either cell is not an unknown; couplings to
boundary values (a hole, the outside) live in ``d`` and in the right side,
and hole unknowns are coupled through an edge list (see ``hole_apply``).
"""

from __future__ import annotations

import itertools
import os
import sys
import threading

# Threads that wait at the end of a parallel region sleep instead of spinning:
# on a shared machine a spinning thread takes the core its sibling or a
# neighbour process needs, which made 2-thread solves 10-30x slower under
# contention (measured). Waking a sleeping thread costs 7-57 us here (a virtual
# machine) at every 2-thread kernel of a cycle. A short spin before sleeping
# (GOMP_SPINCOUNT=1000, some 20 us) made 1024^2-2048^2 solves alone 7-8% faster
# but slower by about as much under a neighbour busy on one core: 1.69-1.82x
# their time alone, once 2.10x in a benchmark run, against 1.38-1.62x without,
# so it is not the default (set it for a machine of your own). Must be set
# before numba starts its OpenMP pool; the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba as nb  # noqa: E402
import numpy as np  # noqa: E402

_OPTS = dict(cache=True, nogil=True, fastmath=False)


#: Arrays of at least this many bytes get a start of their own (``spread_empty``).
SPREAD_MIN_BYTES = 1 << 18
#: Off: ``spread_empty`` is ``np.empty`` (for comparisons).
SPREAD = True
_SPREAD_STEP = 17 * 64  # 17 cache lines: 64 distinct starts within a page
_SPREAD_SPAN = 4096
_spread_count = itertools.count()


def spread_empty(shape, dtype=float, reuse=True) -> np.ndarray:
    """``np.empty``, but a large array starts at its own offset from a page boundary.

    A large array from ``malloc`` starts 16 bytes past a page boundary (its
    own mapping), or 16 bytes past the end of the array allocated before it
    (from the heap). Either way the arrays one kernel streams start at the
    same place in a 4 KB page, and arrays allocated back to back sit within
    bytes of each other modulo 64 KB. Their elements at one index then fall
    into the same set of the L1 cache (set index: address bits 6-11) and
    meet in the checks that compare low address bits (store-to-load
    aliasing, the way predictor).

    Measured here (2 cores, AMD EPYC, 2 threads): the operator's cell
    arrays at 4096^2, a serial pass over seven grid arrays, took 137-140 ms
    in the layout ``build_operator`` happened to get and 43 ms placed apart
    (the whole assembly 270-290 -> 167-189 ms). The finest level's kernels
    at 2048^2, on arrays allocated back to back, took 2-20% less time placed
    apart (A p 16%, the way down 20%); inside whole solves the way down
    gained 10% and whole solves were the same within their noise.

    So each array of at least ``SPREAD_MIN_BYTES`` is a view into a buffer
    8 KB longer, starting at the next of the offsets k * 17 * 64 B modulo
    4 KB past a page boundary: 64 distinct cache lines of a page, so arrays
    allocated together start apart. (Spreading the starts over 16 pages as
    well, against aliasing of the higher address bits, measured the same.)
    The start is 64-byte aligned. With ``reuse``, the buffer may be one an
    earlier array left (``_Buffers``); arrays with a pool of their own (the
    multigrid work arrays) pass False.
    """
    return _spread(shape, dtype, reuse)[0]


def _spread(shape, dtype, reuse):
    # (spread_empty's array, and whether its memory is fresh: not a buffer used before)
    dt = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if not SPREAD or nbytes < SPREAD_MIN_BYTES:
        return np.empty(shape, dt), True
    n = spread_bytes(nbytes)
    raw, fresh = _BUFFERS.take(n) if reuse else (np.empty(n, np.uint8), True)
    start = (-raw.ctypes.data) % 4096 + (next(_spread_count) * _SPREAD_STEP) % _SPREAD_SPAN
    return raw[start:start + nbytes].view(dt).reshape(shape), fresh


class _Buffers:
    """The buffers of large arrays, kept for the next array of their size once unused.

    Every array ``spread_empty`` makes of at least ``min_bytes`` is a view of
    a buffer registered here, and every array or view whose memory is in it
    holds a reference to it (numpy keeps the owner as ``base``). A buffer
    that only this registry references is unused, and the next array of its
    size takes it instead of fresh memory: fresh memory costs a page fault
    per 4 KB at the first write, 1.2 GB in 0.12-0.14 s here right after
    such memory was freed, and in 2.1-2.2 s when it had been free for 5 s
    (this machine, a virtual one, hands freed memory back to its host
    within seconds). A solve through ``fx.solve`` makes about 1.1 GB of such
    arrays at 4096^2 (the operator's coefficients, the right side, the
    solution that becomes the field); repeated solves on one grid reuse them. At most ``max_bytes`` are
    registered; past that, unused buffers are let go first, then new ones
    are left unregistered. ``release_work_arrays`` empties the registry.
    """

    def __init__(self, min_bytes: int, max_bytes: int):
        self.min_bytes = min_bytes
        self.max_bytes = max_bytes
        self._held: list = []
        self._bytes = 0
        self._lock = threading.Lock()
        # a buffer nothing else references: what an unused one's reference count reads
        # through the same expression (calibrated, not assumed: interpreters differ)
        self._probe = [np.empty(0, np.uint8)]

    def take(self, nbytes: int) -> tuple:
        """(a buffer of ``nbytes``, whether it is fresh memory rather than one reused)."""
        if nbytes < self.min_bytes:
            return np.empty(nbytes, np.uint8), True
        with self._lock:
            held = self._held
            unused = sys.getrefcount(self._probe[0])
            for k in range(len(held)):
                if held[k].nbytes == nbytes and sys.getrefcount(held[k]) == unused:
                    return held[k], False
            raw = np.empty(nbytes, np.uint8)
            if self._bytes + nbytes > self.max_bytes:  # let unused buffers go first
                held[:] = [held[k] for k in range(len(held))
                           if sys.getrefcount(held[k]) > unused]
                self._bytes = sum(b.nbytes for b in held)
            if self._bytes + nbytes <= self.max_bytes:
                held.append(raw)
                self._bytes += nbytes
            return raw, True

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
            self._bytes = 0


#: Large arrays' buffers kept for reuse (``_Buffers``): from 4 MB, at most 2 GB.
_BUFFERS = _Buffers(4 << 20, 2 << 30)


def release_buffers() -> None:
    """Forget the buffers kept for reuse (``_Buffers``): the unused ones are freed now, the
    others with their arrays."""
    _BUFFERS.clear()


def spread_bytes(nbytes: int) -> int:
    """The bytes ``spread_empty`` allocates for an array of ``nbytes``."""
    return nbytes + (_SPREAD_SPAN + 4096 if SPREAD and nbytes >= SPREAD_MIN_BYTES else 0)


def mapped_zeros(shape, dtype=float, reuse=True):
    """Zeros whose memory pages are already mapped (placed by ``spread_empty``).

    ``np.zeros`` of a large array maps its pages lazily, at the first write.
    When that first write comes from two numba threads at once, the
    concurrent page faults were 5-15x slower than one thread's (here, 2048^2
    float64: 17-36 ms against 2.6 ms; 4096^2: up to 117 ms against 7 ms).
    numpy's fill faults them in on the calling thread.
    """
    a = spread_empty(shape, dtype, reuse)
    a.fill(0)
    return a


def mapped_empty(shape, dtype=float):
    """``spread_empty`` (reused buffers allowed), its pages mapped on this thread: values
    left as they are in a reused buffer, whose pages are mapped already, and zeros in
    fresh memory (``mapped_zeros``). For arrays a parallel kernel writes in full: the
    fill of a reused 4096^2 float64 array costs 3-5 ms."""
    a, fresh = _spread(shape, dtype, True)
    if fresh:
        a.fill(0)
    return a


@nb.njit(parallel=True, **_OPTS)
def stencil_apply(u, d, wx, wy, periodic_x, periodic_y, out):
    """out = A u for the 5-point part of the operator (see module docstring)."""
    nx, ny = u.shape
    for i in nb.prange(nx):
        im = i - 1
        ip = i + 1
        if im < 0:
            im = nx - 1
        if ip >= nx:
            ip = 0
        has_m = periodic_x or i > 0
        has_p = periodic_x or i < nx - 1
        for j in range(ny):
            s = d[i, j] * u[i, j]
            if has_m:
                s -= wx[im, j] * u[im, j]
            if has_p:
                s -= wx[i, j] * u[ip, j]
            if j > 0:
                s -= wy[i, j - 1] * u[i, j - 1]
            elif periodic_y:
                s -= wy[i, ny - 1] * u[i, ny - 1]
            if j < ny - 1:
                s -= wy[i, j] * u[i, j + 1]
            elif periodic_y:
                s -= wy[i, j] * u[i, 0]
            out[i, j] = s


@nb.njit(**_OPTS)
def hole_apply(u, b, edge_cell, edge_hole, edge_w, hole_diag, out, out_b):
    """Add the hole couplings: out[c] -= w b_k at edge cells; out_b = D_k b_k - sum w u_c.

    ``u`` and ``out`` are flat views of the grid arrays. Returns the holes' part
    of (u, b) . A (u, b), which conjugate gradients fuses into its p . Ap.
    """
    acc = 0.0
    for k in range(b.size):
        out_b[k] = hole_diag[k] * b[k]
    if edge_cell.size:
        # a hole's consecutive edges are summed in a register (through out_b[k] in memory
        # each edge would wait on the last one's store)
        cur = edge_hole[0]
        s = 0.0
        for e in range(edge_cell.size):
            c = edge_cell[e]
            k = edge_hole[e]
            w = edge_w[e]
            if k != cur:
                out_b[cur] -= s
                s = 0.0
                cur = k
            bk = b[k]
            uc = u[c]
            out[c] -= w * bk
            s += w * uc
            acc -= w * bk * uc
        out_b[cur] -= s
    for k in range(b.size):
        acc += b[k] * out_b[k]
    return acc


@nb.njit(parallel=True, **_OPTS)
def dot(a, b):
    """Sum of a * b over all entries of two 2D arrays."""
    nx = a.shape[0]
    s = 0.0
    for i in nb.prange(nx):
        t = 0.0
        for j in range(a.shape[1]):
            t += a[i, j] * b[i, j]
        s += t
    return s


@nb.njit(parallel=True, **_OPTS)
def jacobi(r, d, z):
    """z = r / d where d > 0, else 0 (cells that are not unknowns)."""
    nx, ny = r.shape
    for i in nb.prange(nx):
        for j in range(ny):
            dd = d[i, j]
            z[i, j] = r[i, j] / dd if dd > 0.0 else 0.0


@nb.njit(parallel=True, **_OPTS)
def cg_step(x, r, p, q, alpha):
    """x += alpha p; r -= alpha q; return r . r (one pass)."""
    nx, ny = x.shape
    s = 0.0
    for i in nb.prange(nx):
        t = 0.0
        for j in range(ny):
            x[i, j] += alpha * p[i, j]
            rr = r[i, j] - alpha * q[i, j]
            r[i, j] = rr
            t += rr * rr
        s += t
    return s


@nb.njit(parallel=True, **_OPTS)
def xpby(z, beta, p):
    """p = z + beta p."""
    nx, ny = z.shape
    for i in nb.prange(nx):
        for j in range(ny):
            p[i, j] = z[i, j] + beta * p[i, j]
