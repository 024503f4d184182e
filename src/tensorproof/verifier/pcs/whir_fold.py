"""WHIR's codeword arithmetic, shared by its prover and verifier (``whir.py``): fibers, folding,
power points and the sumcheck round polynomial.

A multilinear f^ in m variables with monomial coefficients c (bit t of an index i says whether
X_t is in the monomial) is the univariate f(X) = sum_i c_i X^i = f^(X, X^2, X^4, .., X^(2^(m-1))).
Its codeword is f on the subgroup L = <w_N>, N = 2^log_domain, position x <-> w_N^x (the order of
``poly.ntt.rs_encode``).

Fibers. With folding factor kappa and N' = N / 2^kappa, the fiber of y_j = w_N^(j 2^kappa) (a
point of L^(2^kappa) = <w_N'>) is {w_N^j zeta^l : l < 2^kappa}, zeta = w_N^N' of order 2^kappa:
codeword positions j + l N'. Leaf j of a Merkle tree is that fiber, l = 0, 1, .. in order, each
value as 8-byte big-endian F elements (a K value: its k coefficients, X^0 first).

Folding. f(X) = f_e(X^2) + X f_o(X^2) where f_e, f_o have the even and odd coefficients, so
f^(a, X_1, ..) = f_e + a f_o, and from a fiber pair x, -x = x zeta^(2^(kappa-1)):
    f_e(x^2) = (f(x) + f(-x)) / 2,   f_o(x^2) = (f(x) - f(-x)) / (2 x).
Folding kappa times with a_1..a_kappa gives Fold(f, a)(y_j) = f^(a, .)(y_j) from the 2^kappa values
of the fiber alone (WHIR, ePrint 2024/1586, Sec. 2.1.3, "Folding univariate functions").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...field import npfield
from ...field.params import P
from ...field.scalar import ext_field
from ...field.vec import VecField, vec_field
from ...poly.mle import row_products
from ...poly.ntt import root_of_unity
from ...poly.univariate import interpolate_eval

_INV2 = (P + 1) // 2


def fiber_view(codeword: np.ndarray, folding: int) -> np.ndarray:
    """The fibers of a codeword ((N,) F or (N, k) K) as a strided view (N', 2^folding[, k]):
    row j = leaf j. Index it (``[idx]``) to copy only the opened rows."""
    rows = codeword.reshape(1 << folding, -1, *codeword.shape[1:])
    return np.swapaxes(rows, 0, 1)


def codeword_planes(codeword: np.ndarray) -> np.ndarray:
    """A codeword ((N,) F or (N, k) K) as its (1 or k, N) coefficient planes, C-contiguous (a
    view for ``poly.ntt.rs_encode_ext``'s codewords, which are views of their planes)."""
    planes = codeword[None, :] if codeword.ndim == 1 else codeword.T
    return np.ascontiguousarray(planes)


def fiber_leaf_bytes(fibers: np.ndarray, salts: np.ndarray | None = None,
                     tail: np.ndarray | None = None) -> np.ndarray:
    """Leaf bytes of fibers ((q, 2^kappa) or (q, 2^kappa, k) uint64, a view allowed) ->
    (q, 8 2^kappa k) uint8, or (q, S + 8 2^kappa k) with each row's salt first (``salts``:
    (q, S) uint8; whir_zk.py), and ``tail`` (q, ...) uint64 values after the fiber (whir_zk's
    joint leaves). One strided copy per part (the byte swap included), however the fibers
    are laid out: a 2^22-symbol K codeword's leaves in ~0.05 s where a fiber matrix, its
    big-endian copy and a concatenation took ~0.6 s."""
    q = fibers.shape[0]
    parts = [fibers] if tail is None else [fibers, tail]
    widths = [8 * (x.size // q if q else 0) for x in parts]
    lead = 0 if salts is None else salts.shape[1]
    out = np.empty((q, lead + sum(widths)), dtype=np.uint8)
    if salts is not None:
        out[:, :lead] = salts
    for x, w in zip(parts, widths):
        out[:, lead:lead + w].view(">u8").reshape(x.shape)[...] = x
        lead += w
    return out


def _f_mul(fp: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return fp.mul(*(np.ascontiguousarray(x) for x in np.broadcast_arrays(a, b)))


def fold_fibers(kv: VecField, fibers: np.ndarray, positions: np.ndarray, log_domain: int,
                alphas: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Fold(f, alphas)(y_j) for each queried position j: (q, k) K values.

    ``fibers``: (q, 2^kappa) F or (q, 2^kappa, k) K values of f on the fibers of ``positions``
    (leaf indices in [0, N')), kappa = len(alphas), f's domain of size 2^log_domain.
    """
    kappa = len(alphas)
    fp = vec_field(1, kv.backend)  # F on the same backend as K
    v = kv.from_base(fibers) if fibers.ndim == 2 else np.ascontiguousarray(fibers)
    n = 1 << log_domain
    w = root_of_unity(n)
    w_inv = pow(w, P - 2, P)
    x_inv = np.array([pow(w_inv, int(j), P) for j in positions], dtype=np.uint64)  # 1 / x_j
    zeta_inv = pow(w_inv, n >> kappa, P)  # 1 / zeta
    for t in range(kappa):
        h = v.shape[1] // 2
        zl = np.array([pow(zeta_inv, l, P) for l in range(h)], dtype=np.uint64)
        inv_y = _f_mul(fp, x_inv[:, None], zl[None, :])  # 1 / (x zeta^l), (q, h)
        lo, hi = v[:, :h], v[:, h:]
        even = kv.scale(kv.add(lo, hi), (_INV2,) + (0,) * (kv.k - 1))
        odd = kv.mul_base(kv.sub(lo, hi), fp.scale(inv_y, _INV2))
        v = kv.add(even, kv.scale(odd, alphas[t]))
        x_inv = _f_mul(fp, x_inv, x_inv)
        zeta_inv = zeta_inv * zeta_inv % P
    return v[:, 0]


SCALAR_POINTS = 16
"""At most this many K points, ``power_points`` squares them one at a time in Python (a K
square is ~3 us there, a numpy call on a few rows ~0.15 ms)."""


def power_points(kv: VecField, ys: np.ndarray, n_vars: int) -> np.ndarray:
    """(T, k) points y -> (T, n_vars, k): (y, y^2, y^4, .., y^(2^(n_vars-1))) for each, the
    multilinear point at which f^ equals f(y). Points in F (the query points) are squared in
    F."""
    if kv.k > 1 and not ys[:, 1:].any():
        fp = vec_field(1, kv.backend)
        out = np.zeros((ys.shape[0], n_vars, kv.k), dtype=np.uint64)
        cur = np.ascontiguousarray(ys[:, 0], dtype=np.uint64)
        for t in range(n_vars):
            out[:, t, 0] = cur
            cur = fp.square(cur)
        return out
    out = np.empty((ys.shape[0], n_vars, kv.k), dtype=np.uint64)
    if kv.k > 1 and ys.shape[0] <= SCALAR_POINTS:  # a few OOD points: scalar squarings
        ext = ext_field(kv.k)
        for i, y in enumerate(ys.tolist()):
            c = tuple(y)
            for t in range(n_vars):
                out[i, t] = c
                c = ext.mul(c, c)
        return out
    cur = np.ascontiguousarray(ys, dtype=np.uint64)
    for t in range(n_vars):
        out[:, t] = cur
        cur = kv.square(cur)
    return out


def sum_rows(kv: VecField, a: np.ndarray) -> np.ndarray:
    """(T, n, k) -> (T, k): the sum over axis 1, by halving (zero-padded to a power of two)."""
    n = a.shape[1]
    if n & (n - 1):
        a = np.concatenate([a, np.zeros((a.shape[0], (1 << n.bit_length()) - n, kv.k),
                                        dtype=np.uint64)], axis=1)
    while a.shape[1] > 1:
        h = a.shape[1] // 2
        a = kv.add(np.ascontiguousarray(a[:, :h]), np.ascontiguousarray(a[:, h:]))
    return np.ascontiguousarray(a[:, 0])


def coeff_eval(kv: VecField, coeffs: np.ndarray, points: np.ndarray) -> np.ndarray:
    """f^(q) for each of T points q (T, m, k) and f^'s 2^m monomial coefficients c ((2^m, k)
    or F (2^m,): bit t of i <-> q_t) -> (T, k): sum_i c_i prod_(t in i) q_t (f(y) at a power
    point). Points in F (every coordinate's extension part zero: the query points y_j and
    their powers) take ``_base_eval``: their monomial tables in F and one matrix product mod p
    (k times fewer products than a fold, and the sums in BLAS); the others are folded, the top
    variable first, c = c_lo + q_t c_hi: T (2^m - 1) K products."""
    c = kv.from_base(coeffs) if coeffs.ndim == 1 else coeffs
    if c.shape[0] != 1 << points.shape[1]:
        raise ValueError(f"coeff_eval: {c.shape[0]} coefficients for {points.shape[1]} "
                         "variables")
    base = ~points[..., 1:].any(axis=(1, 2))
    if points.shape[1] > BASE_EVAL_MAX_VARS or kv.k == 1 or not base.any():
        return _fold_coeffs(kv, c, points)
    if base.all():
        return _base_eval(c, points[..., 0])
    out = np.empty((points.shape[0], kv.k), dtype=np.uint64)
    out[base] = _base_eval(c, points[base][..., 0])
    out[~base] = _fold_coeffs(kv, c, points[~base])
    return out


BASE_EVAL_MAX_VARS = 16
"""``_base_eval`` up to 2^16 coefficients (T 2^m F entries of monomial tables; the verifier's
final polynomials have at most 2^12); larger ones (the prover's) are folded."""


def _base_eval(c: np.ndarray, q: np.ndarray) -> np.ndarray:
    """sum_i c_i prod_(t in i) q_t for (T, m) F points q and (2^m, k) K coefficients c: the
    monomial table of each point (entries 2^t..2^(t+1) - 1 are those below 2^t times q_t: m
    products), then (T, 2^m) @ (2^m, k) mod p (``npfield.fmatmul``: K's coefficients are
    F-linear in c for F points)."""
    t_pts, m = q.shape
    mon = np.empty((t_pts, 1 << m), dtype=np.uint64)
    mon[:, 0] = 1
    for t in range(m):
        h = 1 << t
        mon[:, h : 2 * h] = npfield.fmul(mon[:, :h], q[:, t : t + 1])
    return npfield.fmatmul(mon, np.ascontiguousarray(c, dtype=np.uint64))


def _fold_coeffs(kv: VecField, c: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``coeff_eval``'s folds for K coefficients c at (T, m, k) points."""
    t_pts, m = points.shape[0], points.shape[1]
    v = np.broadcast_to(c, (t_pts,) + c.shape)
    for t in reversed(range(m)):
        h = v.shape[1] // 2
        hi = np.array(v[:, h:])  # copies: v may be a read-only broadcast of c
        prod = kv.mul(hi, np.broadcast_to(points[:, t : t + 1, :], hi.shape).copy())
        v = kv.add(np.array(v[:, :h]), prod)
    return np.ascontiguousarray(v[:, 0])


def eq_points(kv: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """prod_t eq(a_t, b_t) = prod_t (1 - a_t - b_t + 2 a_t b_t) for (T, n, k) a and (n, k) b
    -> (T, k): every factor from one vector product, then ``row_products``."""
    a = np.ascontiguousarray(a, dtype=np.uint64)
    bb = np.broadcast_to(np.asarray(b, dtype=np.uint64), a.shape)
    one = np.zeros(kv.k, dtype=np.uint64)
    one[0] = 1
    ab = kv.mul(a, bb)
    e = kv.add(kv.sub(kv.sub(kv.add(ab, ab), a), bb), np.broadcast_to(one, a.shape))
    return row_products(kv, e)


def round_value(kv: VecField, h0: np.ndarray, h1: np.ndarray, h2: np.ndarray,
                r: tuple[int, ...]) -> np.ndarray:
    """h(r) for the degree-2 polynomial with h(0), h(1), h(2) (Lagrange on {0, 1, 2}:
    h(r) = h0 (r-1)(r-2)/2 - h1 r(r-2) + h2 r(r-1)/2), in scalar arithmetic (one element)."""
    ext = ext_field(kv.k)
    value = interpolate_eval(ext, [tuple(int(c) for c in h) for h in (h0, h1, h2)], tuple(r))
    return np.array(value, dtype=np.uint64)
