"""Multilinear tables: the eq polynomial, folding and evaluation of multilinear extensions.

Variable order (the one convention of the whole library): a table T of length 2^n holds the
multilinear extension T~ on the Boolean hypercube at index i = sum_j x_j 2^j, so bit j of the
index is variable x_j and x_0 is the least-significant bit. Folding the first variable x_0 at r
gives the table of T~(r, x_1, ..., x_{n-1}):  T[0::2] + r * (T[1::2] - T[0::2]).

Worked example, n = 2, T = [a, b, c, d]:  T[1] = b = T~(x_0=1, x_1=0), T[2] = c = T~(0, 1), so
T~(x_0, x_1) = a(1-x_0)(1-x_1) + b x_0(1-x_1) + c(1-x_0)x_1 + d x_0 x_1.

>>> from tensorproof.field.vec import vec_field
>>> FV = vec_field(1)
>>> T = FV.from_scalars([10, 20, 30, 40])
>>> FV.to_scalars(fold(FV, T, 1))  # x_0 = 1 keeps the odd entries
[20, 40]
>>> evaluate(FV, T, [0, 1]), evaluate(FV, T, [1, 0])  # T~(0, 1) = c, T~(1, 0) = b
(30, 20)

Vector side (prover): functions take a ``VecField`` ``vf`` of degree k and work on F tables
(uint64 shape (2^n,)) and on K tables (shape (2^n, k)); an F table folded at a K challenge
becomes a K table without first being lifted to K (k base-field multiplications per entry).
``vf``'s backend picks the implementation: one numba kernel per call (``mle_kernels``), or
numpy (``vec_field(k, "numpy")``, the verifier's: a few whole-array products, no numba).
Scalar side (verifier): plain-int functions on an ``ExtField``; points and values may mix ints
(F elements, lifted) and K tuples.

eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)) is the MLE of equality on the hypercube, so
T~(z) = sum_x T[x] eq(z, x) (Thaler, "Proofs, Arguments and Zero-Knowledge", Lemma 3.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..field import npfield
from ..field.params import P
from ..field.scalar import ExtField, ext_field, f_mul
from ..field.vec import VecField, vec_field

Scalar = Any
"""An ``int`` (F element) or a ``tuple[int, ...]`` (K element)."""


def log2_exact(n: int) -> int:
    """Return n_vars with 2^n_vars = n; ValueError if n is not a power of two."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"table length {n} is not a power of two")
    return n.bit_length() - 1


def one_scalar(vf: VecField) -> Scalar:
    """The unit of vf's field as a scalar (``1`` for F, ``(1, 0, ..)`` for K)."""
    return 1 if vf.k == 1 else (1,) + (0,) * (vf.k - 1)


def lift_scalar(vf: VecField, x: Scalar) -> Scalar:
    """An F element (int) as a scalar of vf's field; a K tuple is returned unchanged."""
    if vf.k == 1 or not isinstance(x, int | np.integer):
        return x
    return (int(x),) + (0,) * (vf.k - 1)


def promote(vf: VecField, scalars: Sequence[Scalar]) -> VecField:
    """vf, or the VecField of the K scalars among ``scalars`` when vf is F (an F table at a K
    point is a K value)."""
    if vf.k == 1:
        for x in scalars:
            if not isinstance(x, int | np.integer):
                return vec_field(len(x), vf.backend)
    return vf


def is_base_table(vf: VecField, T: np.ndarray) -> bool:
    """True when T is an F table used with an extension ``vf`` (shape (n,) while k > 1)."""
    return vf.k > 1 and T.ndim == 1


def lift_table(vf: VecField, T: np.ndarray) -> np.ndarray:
    """T as a table of vf's field (an F table is lifted; a table of vf's field is unchanged)."""
    return vf.from_base(T) if is_base_table(vf, T) else T


def base_times_scalar(vf: VecField, f: np.ndarray, r: Scalar) -> np.ndarray:
    """The K vector r * f for an F vector f and one K scalar r (k scalings of f in F)."""
    fv = vec_field(1, vf.backend)
    return np.stack([fv.scale(f, int(c)) for c in r], axis=1)


def fold(vf: VecField, T: np.ndarray, r: Scalar) -> np.ndarray:
    """Fix the first variable x_0 of T~ to r: the table T[0::2] + r*(T[1::2] - T[0::2]).

    T may be an F or a K table; the result is a table of vf's field (of length len(T)/2), or of
    r's field when vf is F and r is a K element.
    """
    if len(T) < 2:
        raise ValueError("cannot fold a table with no variables left")
    return fold_low(vf, T, [r])


def fold_low(vf: VecField, T: np.ndarray, point: Sequence[Scalar]) -> np.ndarray:
    """T~(point, x_rest) as a table over the remaining variables: x_0 = point[0], x_1 = ...
    folded in turn (one numba call, ``mle_kernels.fold_kernel``). Fields as in :func:`fold`."""
    vf = promote(vf, point)
    if T.ndim == 2 and vf.k == 1:
        vf = vec_field(T.shape[1], vf.backend)
    nv = len(point)
    if nv > log2_exact(len(T)):
        raise ValueError(f"cannot fold {nv} variables of a table of length {len(T)}")
    k = vf.k
    ka = 1 if T.ndim == 1 else k
    if not nv:  # nothing to fold: T in vf's field
        return vf.from_base(T) if T.ndim == 1 and k > 1 else T.copy()
    if vf.backend == "numpy":
        return _fold_low_np(vf, T, point)
    from .mle_kernels import fold_kernel

    zs = vf.from_scalars([lift_scalar(vf, z) for z in point])
    out = vf.zeros(len(T) >> nv)
    fold_kernel(np.ascontiguousarray(T, dtype=np.uint64).reshape(-1), ka, zs.reshape(-1), k,
                out.reshape(-1))
    return out


def split_rows(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous copies of T[0::2] and T[1::2]; a K table is viewed as one opaque k*8-byte item
    per row, which numpy copies several times faster than strided (n, k) rows."""
    if T.ndim == 1:
        return np.ascontiguousarray(T[0::2]), np.ascontiguousarray(T[1::2])
    k = T.shape[1]
    rows = np.ascontiguousarray(T).view(np.dtype((np.void, 8 * k))).reshape(-1)
    return tuple(np.ascontiguousarray(rows[j::2]).view(np.uint64).reshape(-1, k) for j in (0, 1))


def row_products(vf: VecField, factors: np.ndarray) -> np.ndarray:
    """prod_i factors[j, i] for each row j of an (m, c, k) array of vf's field ((m, c) for
    F): the first columns times the last ones (the middle one kept when c is odd), ceil(log2
    c) vector products, not c (numpy's fixed cost per call dominates the verifier's small
    products). c = 0 gives ones."""
    if factors.shape[1] == 0:
        out = np.zeros((factors.shape[0],) + factors.shape[2:], dtype=np.uint64)
        if out.ndim == 1:
            out[:] = 1
        else:
            out[:, 0] = 1
        return out
    while factors.shape[1] > 1:
        c = factors.shape[1]
        half = c // 2
        prod = vf.mul(np.ascontiguousarray(factors[:, :half]),
                      np.ascontiguousarray(factors[:, c - half :]))
        if c % 2:
            prod = np.concatenate([prod, factors[:, half : half + 1]], axis=1)
        factors = prod
    return np.ascontiguousarray(factors[:, 0])


def fold_halves(vf: VecField, lo: np.ndarray, diff: np.ndarray, r: Scalar) -> np.ndarray:
    """lo + r * diff, where lo = T[0::2] and diff = T[1::2] - T[0::2] were already computed."""
    r = lift_scalar(vf, r)
    if is_base_table(vf, lo):
        out = base_times_scalar(vf, diff, r)
        out[:, 0] = vec_field(1, vf.backend).add(np.ascontiguousarray(out[:, 0]), lo)
        return out
    return vf.add(lo, vf.scale(diff, r))


def _sub(vf: VecField, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - b in the field of a (F for a 1-D table, else vf's field)."""
    return vec_field(1, vf.backend).sub(a, b) if a.ndim == 1 else vf.sub(a, b)


def evaluate(vf: VecField, T: np.ndarray, point: Sequence[Scalar]) -> Scalar:
    """T~(point) as a scalar of vf's field, by folding x_0, x_1, ... in turn (O(len(T))).

    With vf = F and a point in K the value is in K (the table is folded into K once).
    """
    vf = promote(vf, point)
    if log2_exact(len(T)) != len(point):
        raise ValueError(f"table of length {len(T)} evaluated at a point of {len(point)} coords")
    T = fold_low(vf, T, point)
    value = (vec_field(1, vf.backend) if T.ndim == 1 else vf).to_scalars(T)[0]
    return lift_scalar(vf, value)


def boolean_suffix(point: Sequence[Scalar]) -> tuple[int, int]:
    """(m, offset): point's coordinates from m on are all 0 or 1 (F ints or K tuples), which
    are the bits of offset >> m: eq(point, .) is zero outside [offset, offset + 2^m), where it
    is eq(point[:m], .) (a claim on a slot of a packed vector, or at a Boolean selector)."""
    m, offset = len(point), 0
    while m:
        z = point[m - 1]
        if isinstance(z, int | np.integer):
            c0, rest = z, False
        else:  # a K element (a tuple of ints, the common case, is read without a copy)
            c = z if isinstance(z, tuple) else tuple(int(x) for x in z)
            c0, rest = c[0], any(c[1:])
        if rest or (c0 != 0 and c0 != 1):
            break
        offset |= int(c0) << (m - 1)
        m -= 1
    return m, offset


def eq_table(vf: VecField, point: Sequence[Scalar], scale: Scalar | None = None) -> np.ndarray:
    """The table of eq(point, x) over x in {0,1}^n, in vf's field, by doubling (O(2^n)).

    After handling z_0..z_{j-1} the table is indexed by x_0..x_{j-1}; z_j becomes the new most
    significant bit: the lower half is table*(1 - z_j), the upper half table*z_j (one numba call,
    ``mle_kernels.eq_table_kernel``). With vf = F and a point in K the table is in K.
    ``scale`` (a scalar of vf's field, default 1) multiplies every entry.
    """
    vf = promote(vf, point)
    if vf.backend == "numpy":
        init = one_scalar(vf) if scale is None else lift_scalar(vf, scale)
        return _eq_table_np(vf.k, [lift_scalar(vf, z) for z in point], init)
    from .mle_kernels import eq_table_kernel

    init = vf.from_scalars([one_scalar(vf) if scale is None else lift_scalar(vf, scale)])
    zs = vf.from_scalars([lift_scalar(vf, z) for z in point]) if point else vf.zeros(0)
    table = vf.zeros(1 << len(point))
    eq_table_kernel(zs.reshape(-1), init.reshape(-1), table.reshape(-1))
    return table


# ---- numpy backend ---------------------------------------------------------------------------

_EQ_SMALL_VARS = 5
"""eq tables of at most this many variables are built with Python ints (32 entries)."""


def _eq_table_np(k: int, zs: list, init: Scalar) -> np.ndarray:
    """init * eq(z, .) (k = 1: F) with numpy: the product of the tables of the low and the high
    half of the variables (eq(z, x) = eq(z_lo, x_lo) eq(z_hi, x_hi), x = x_lo + 2^h x_hi),
    recursively, down to small tables doubled with Python ints (as in :func:`eq_table`)."""
    if len(zs) <= _EQ_SMALL_VARS:
        if k == 1:
            mul, sub1 = f_mul, (lambda z: (1 - z) % P)
        else:
            ext = ext_field(k)
            mul, one = ext.mul, ext.one()
            sub1 = lambda z: ext.sub(one, z)  # noqa: E731
        table = [init]
        for z in zs:
            lo = sub1(z)
            table = [mul(t, lo) for t in table] + [mul(t, z) for t in table]
        return np.array(table, dtype=np.uint64)
    h = len(zs) // 2
    low = _eq_table_np(k, zs[:h], 1 if k == 1 else (1,) + (0,) * (k - 1))
    high = _eq_table_np(k, zs[h:], init)
    shape = (-1,) if k == 1 else (-1, k)
    return npfield.k_prod(high[:, None], low[None, :], k).reshape(shape)


def _fold_low_np(vf: VecField, T: np.ndarray, point: Sequence[Scalar]) -> np.ndarray:
    """fold_low with numpy: out[j] = sum_i eq(point, i) T[j 2^nv + i] (one product, one sum)."""
    k, nv = vf.k, len(point)
    eq = _eq_table_np(k, [lift_scalar(vf, z) for z in point], one_scalar(vf))
    blocks = np.ascontiguousarray(T, dtype=np.uint64).reshape((-1, 1 << nv) + T.shape[1:])
    if T.ndim == 1 and k > 1:  # F entries times K weights: k F products each
        prods = npfield.fmul(blocks[:, :, None], eq[None])
    else:
        prods = npfield.k_prod(blocks, eq[None], k)
    return npfield.fsum(prods, axis=1)


# ---- scalar (verifier) side -------------------------------------------------------------------


def as_ext(ext: ExtField, x: Scalar) -> tuple[int, ...]:
    """An int (F element) lifted to K; a K tuple unchanged."""
    if type(x) is tuple:
        return x
    return ext.from_base(int(x)) if isinstance(x, int | np.integer) else tuple(x)


def alpha_powers(ext: ExtField, alpha, m: int) -> list:
    """[1, α, α², …, α^(m−1)] in K."""
    out, acc = [], ext.one()
    for _ in range(m):
        out.append(acc)
        acc = ext.mul(acc, alpha)
    return out


POWER_BLOCK = 16
"""``power_rows``: powers computed with Python ints per block, the blocks by one product."""


def power_rows(ext: ExtField, alpha, m: int) -> np.ndarray:
    """alpha_powers as an (m, k) uint64 array: the first POWER_BLOCK powers and every
    POWER_BLOCK-th one with Python ints, their products in one vector product (a merge of
    hundreds of claims: ~50 scalar products rather than m)."""
    small = alpha_powers(ext, alpha, min(m, POWER_BLOCK))
    table = np.array(small, dtype=np.uint64).reshape(-1, ext.k)
    if m <= POWER_BLOCK:
        return table
    starts = alpha_powers(ext, ext.mul(small[-1], alpha), -(-m // POWER_BLOCK))
    block_starts = np.array(starts, dtype=np.uint64).reshape(-1, 1, ext.k)
    return npfield.k_prod(block_starts, table[None], ext.k).reshape(-1, ext.k)[:m]


class EqAt:
    """eq(., r) at one point r, coordinate by coordinate with Python ints, for many points:
    a K coordinate p of a point contributes (1 - r_i) + p (2 r_i - 1), a Boolean one r_i or
    1 - r_i, with 1 - r_i and 2 r_i - 1 computed once (the verifier's small eq sums)."""

    def __init__(self, ext: ExtField, r: Sequence[Scalar]) -> None:
        one = ext.one()
        self.ext = ext
        self.r = [as_ext(ext, v) for v in r]
        self.low = [ext.sub(one, v) for v in self.r]
        self.slope = [ext.sub(ext.add(v, v), one) for v in self.r]

    def point(self, point: Sequence, acc: tuple | None = None) -> tuple[int, ...]:
        """acc (default 1) times eq(point, r[:len(point)]), point's coordinates K elements."""
        mul, add = self.ext.mul, self.ext.add
        acc = self.ext.one() if acc is None else acc
        for z, s, lo in zip(point, self.slope, self.low):
            acc = mul(acc, add(mul(z, s), lo))
        return acc

    def bits(self, value: int, start: int, stop: int, acc: tuple | None = None
             ) -> tuple[int, ...]:
        """acc (default 1) times eq(bits of value (lowest first), r[start:stop])."""
        mul = self.ext.mul
        acc = self.ext.one() if acc is None else acc
        for i in range(start, stop):
            acc = mul(acc, self.r[i] if (value >> (i - start)) & 1 else self.low[i])
        return acc


def eq_eval(ext: ExtField, a: Sequence[Scalar], b: Sequence[Scalar]) -> tuple[int, ...]:
    """eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)) = prod_j (1 - a_j - b_j + 2 a_j b_j)."""
    if len(a) != len(b):
        raise ValueError(f"eq of points of different lengths {len(a)} and {len(b)}")
    acc, mul = ext.one(), ext.mul
    for aj, bj in zip(a, b):
        aj, bj = as_ext(ext, aj), as_ext(ext, bj)
        term = [(2 * x - y - z) % P for x, y, z in zip(mul(aj, bj), aj, bj)]
        term[0] = (term[0] + 1) % P
        acc = mul(acc, tuple(term))
    return acc


def index_point(ext: ExtField, index: int, n: int) -> list[tuple[int, ...]]:
    """The bits of ``index`` (least significant first) as a point of n K coordinates."""
    return [ext.from_base((index >> j) & 1) for j in range(n)]


def eq_eval_index(ext: ExtField, point: Sequence[Scalar], index: int) -> tuple[int, ...]:
    """eq(point, bits of index) = prod_j (z_j if bit j of index else 1 - z_j) (selector bits)."""
    if not 0 <= index < 1 << len(point):
        raise ValueError(f"index {index} does not fit in {len(point)} bits")
    acc = ext.one()
    for j, z in enumerate(point):
        z = as_ext(ext, z)
        acc = ext.mul(acc, z if (index >> j) & 1 else ext.sub(ext.one(), z))
    return acc


def evaluate_scalar(
    ext: ExtField, values: Sequence[Scalar], point: Sequence[Scalar]
) -> tuple[int, ...]:
    """T~(point) for a table given as a list of F ints or K tuples (the verifier's reference).

    Plain Python arithmetic, O(len(values)) field operations: meant for small public tables;
    provers and large public tensors use :func:`evaluate` on vectors.
    """
    if log2_exact(len(values)) != len(point):
        raise ValueError(
            f"table of length {len(values)} evaluated at a point of {len(point)} coords"
        )
    vals = [as_ext(ext, v) for v in values]
    for r in point:
        r = as_ext(ext, r)
        vals = [ext.add(lo, ext.mul(r, ext.sub(hi, lo))) for lo, hi in zip(vals[0::2], vals[1::2])]
    return vals[0]
