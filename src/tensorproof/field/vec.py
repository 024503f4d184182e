"""Vectorized F_p and K = F_p[X]/(X^k - W) arithmetic on numpy uint64 arrays (the prover's side).

Layout: an F vector is a uint64 array of any shape (usually (n,)); a K vector has shape (..., k),
one element per row, coefficient of X^0 first. Scalars are ``int`` for k = 1 and ``tuple`` for
k >= 2, exactly as in :mod:`tensorproof.field.scalar`, whose results these twins reproduce.

Canonical inputs: every operation assumes array entries < p and does not check them (checking
would cost a pass per operation). Values from outside the field layer enter through
``from_signed`` (checks |x| <= (p-1)/2), ``VecField.from_uint64`` (reduces mod p), or
``from_scalars`` / ``check_canonical`` (both raise FieldError on a value >= p). Arrays of another
dtype are refused with FieldError, never silently reinterpreted. Scalar arguments are checked.

Backends: ``vec_field(k)`` runs the numba kernels of ``kernels.py`` (the prover: large tables);
``vec_field(k, "numpy")`` runs their numpy twins of ``npfield.py`` (the verifier: a few small
vectors, and no numba import). Both give the same canonical results.

>>> FV.mul(np.array([P - 1], dtype=np.uint64), np.array([P - 1], dtype=np.uint64))
array([1], dtype=uint64)
>>> KV2.to_scalars(KV2.mul(KV2.from_scalars([(0, 1)]), KV2.from_scalars([(0, 1)])))
[(7, 0)]
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import numpy as np

from ..errors import FieldError
from .params import EPSILON, NONRESIDUE, P

__all__ = ["VecField", "vec_field", "FV", "KV2", "KV3", "from_signed", "to_signed",
           "check_canonical", "BACKENDS"]

_INT64_MAX = 2**63 - 1
_HALF_I = (P - 1) // 2
_PRODUCT_KERNELS = {k: tuple(f"{pre}_{op}" for op in ("mul", "square", "scale", "inner"))
                    for k, pre in ((1, "f"), (2, "k2"), (3, "k3"))}
"""Names of the kernels specialised per degree; every other kernel is generic in k."""


class _LazyKernels:
    """Stand-in for the ``kernels`` module until the first vector operation imports it.

    Importing numba and loading the compiled kernels takes ~0.5 s; code that only needs the
    scalar arithmetic (the verifier) never pays it.
    """

    def __getattr__(self, name: str) -> Any:
        from . import kernels

        globals()["kn"] = kernels  # later lookups of ``kn`` reach the module directly
        value = getattr(kernels, name)
        setattr(self, name, value)  # and later lookups through a VecField's copy of the proxy
        return value


kn: Any = _LazyKernels()

BACKENDS = ("numba", "numpy")
"""``numba``: the kernels of ``kernels.py``; ``numpy``: their twins in ``npfield.py``."""


def _backend_kernels(backend: str) -> Any:
    if backend == "numba":
        return kn
    if backend == "numpy":
        from . import npfield

        return npfield
    raise FieldError(f"unknown vector backend {backend!r} (known: {', '.join(BACKENDS)})")


def _u64(a: Any, name: str = "a") -> np.ndarray:
    """``a`` as a C-contiguous uint64 array; FieldError for anything else."""
    if not isinstance(a, np.ndarray) or a.dtype != np.uint64:
        got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
        raise FieldError(f"{name} must be a numpy uint64 array of field elements, got {got}")
    return np.ascontiguousarray(a)


def check_canonical(a: np.ndarray) -> None:
    """Raise FieldError unless ``a`` is a uint64 array with every entry < p."""
    a = _u64(a)
    if a.size and int(a.max()) >= P:
        i = int(np.argmax(a >= np.uint64(P)))
        raise FieldError(f"non-canonical field element {int(a.flat[i])} >= p at flat index {i}")


def from_signed(x: Any) -> np.ndarray:
    """Signed integers -> F vector (same shape) by the centered lift: x < 0 maps to p + x.

    Raises FieldError unless every |x| <= (p-1)/2 = 2^63 - 2^31, the range on which the lift is
    injective, so that ``to_signed(from_signed(x)) == x`` always holds.
    """
    x = np.asarray(x)
    if x.dtype.kind == "u":
        if x.size and int(x.max()) > _INT64_MAX:
            raise FieldError("from_signed: unsigned value exceeds (p-1)/2")
    elif x.dtype.kind != "i":
        raise FieldError(f"from_signed needs an integer array, got dtype {x.dtype}")
    x = np.ascontiguousarray(x, dtype=np.int64)
    bad = (x > _HALF_I) | (x < -_HALF_I)
    if bad.any():
        i = int(np.argmax(bad.reshape(-1)))
        raise FieldError(f"from_signed: |{int(x.reshape(-1)[i])}| at index {i} exceeds (p-1)/2")
    # numpy, not a numba kernel: a few passes cost less than loading one more cached kernel in
    # a fresh process. For x < 0 the uint64 view is 2^64 + x and p + x = 2^64 + x - EPSILON.
    out = x.astype(np.uint64)
    out[x < 0] -= np.uint64(EPSILON)
    return out


def to_signed(a: np.ndarray, bound: int | None = None) -> np.ndarray:
    """F vector -> int64 array of centered values in (-(p-1)/2, (p-1)/2].

    Raises FieldError if an entry is >= p or a centered value v has |v| > bound (bound None:
    only the int64 range, which every centered value fits).
    """
    a = _u64(a)
    if bound is None:
        bound = _INT64_MAX
    if bound < 0:
        raise FieldError(f"to_signed: bound must be >= 0, got {bound}")
    out = np.empty(a.shape, dtype=np.int64)
    code, i = kn.to_signed(a.reshape(-1), np.uint64(min(bound, 2**64 - 1)), out.reshape(-1))
    if code == 1:
        raise FieldError(f"to_signed: non-canonical value {int(a.flat[i])} >= p at index {i}")
    if code == 2:
        v = int(a.flat[i])
        v = v - P if v > (P - 1) // 2 else v
        raise FieldError(f"to_signed: value {v} at index {i} exceeds the bound |v| <= {bound}")
    return out


class VecField:
    """Elementwise arithmetic of F (k = 1) or K = F[X]/(X^k - W) on uint64 arrays.

    One implementation for every k; only the products (mul, square, scale, inner) dispatch
    to kernels specialised per k, so a new degree needs those four kernels and nothing else.
    ``backend`` picks the kernels (``BACKENDS``). Use the cached ``vec_field(k, backend)``.
    """

    def __init__(self, k: int, backend: str = "numba") -> None:
        if k not in _PRODUCT_KERNELS:
            raise FieldError(f"unsupported degree {k} (supported: {sorted(_PRODUCT_KERNELS)})")
        self.k = k
        self.w = NONRESIDUE.get(k, 0)
        self.backend = backend
        self._kn = _backend_kernels(backend)
        self._mul, self._square, self._scale, self._inner = _PRODUCT_KERNELS[k]

    def __repr__(self) -> str:
        if self.backend == "numba":
            return f"VecField(k={self.k})"
        return f"VecField(k={self.k}, backend={self.backend!r})"

    # ---- validation and layout -------------------------------------------------------------

    def _vec(self, a: Any, name: str = "a") -> np.ndarray:
        a = _u64(a, name)
        if self.k > 1 and (a.ndim == 0 or a.shape[-1] != self.k):
            raise FieldError(f"{name} must have shape (..., {self.k}), got {a.shape}")
        return a

    def _pair(self, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
        a, b = self._vec(a, "a"), self._vec(b, "b")
        if a.shape != b.shape:
            try:
                a, b = np.broadcast_arrays(a, b)
            except ValueError:
                raise FieldError(f"shapes {a.shape} and {b.shape} do not broadcast") from None
            a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
        return a, b

    def _rows(self, a: np.ndarray) -> np.ndarray:
        return a.reshape(-1, self.k)

    def _scalar(self, s: Any) -> np.ndarray:
        """A checked scalar as a length-k uint64 array."""
        coeffs = (s,) if self.k == 1 else tuple(s)
        if len(coeffs) != self.k or not all(isinstance(c, int | np.integer) for c in coeffs):
            raise FieldError(f"expected a scalar of this field (k = {self.k}), got {s!r}")
        if not all(0 <= int(c) < P for c in coeffs):
            raise FieldError(f"scalar {s!r} is not canonical (coefficients must be in [0, p))")
        return np.array([int(c) for c in coeffs], dtype=np.uint64)

    def _out_scalar(self, coeffs: np.ndarray) -> int | tuple[int, ...]:
        values = tuple(int(c) for c in coeffs)
        return values[0] if self.k == 1 else values

    # ---- elementwise arithmetic ------------------------------------------------------------

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a + b."""
        a, b = self._pair(a, b)
        out = np.empty_like(a)
        self._kn.f_add(a.reshape(-1), b.reshape(-1), out.reshape(-1))
        return out

    def sub(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a - b."""
        a, b = self._pair(a, b)
        out = np.empty_like(a)
        self._kn.f_sub(a.reshape(-1), b.reshape(-1), out.reshape(-1))
        return out

    def neg(self, a: np.ndarray) -> np.ndarray:
        """-a."""
        a = self._vec(a)
        out = np.empty_like(a)
        self._kn.f_neg(a.reshape(-1), out.reshape(-1))
        return out

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a * b."""
        a, b = self._pair(a, b)
        out = np.empty_like(a)
        getattr(self._kn, self._mul)(a.reshape(-1), b.reshape(-1), out.reshape(-1))
        return out

    def square(self, a: np.ndarray) -> np.ndarray:
        """a^2."""
        a = self._vec(a)
        out = np.empty_like(a)
        getattr(self._kn, self._square)(a.reshape(-1), out.reshape(-1))
        return out

    def mul_base(self, a: np.ndarray, f: np.ndarray) -> np.ndarray:
        """a * f for a vector a of this field and an F vector f of shape a.shape[:-1]."""
        if self.k == 1:
            return self.mul(a, f)
        a, f = self._vec(a), _u64(f, "f")
        if f.shape != a.shape[:-1]:
            raise FieldError(f"mul_base: F vector shape {f.shape} != {a.shape[:-1]}")
        out = np.empty_like(a)
        self._kn.mul_base(a.reshape(-1), f.reshape(-1), out.reshape(-1))
        return out

    def scale(self, a: np.ndarray, s: Any) -> np.ndarray:
        """a * s for one scalar s of this field."""
        a, c = self._vec(a), self._scalar(s)
        out = np.empty_like(a)
        getattr(self._kn, self._scale)(a.reshape(-1), c, out.reshape(-1))
        return out

    def add_scalar(self, a: np.ndarray, s: Any) -> np.ndarray:
        """a + s for one scalar s of this field."""
        a, c = self._vec(a), self._scalar(s)
        out = np.empty_like(a)
        self._kn.map_cols(a.reshape(-1), c, out.reshape(-1), False)
        return out

    # ---- inversion and powers --------------------------------------------------------------

    def inv_batch(self, a: np.ndarray) -> np.ndarray:
        """1/a elementwise (Montgomery's trick); FieldError if an element is zero.

        For k >= 2 through the norm: 1/a = conj(a) / N(a), conj(a) = phi(a)...phi^(k-1)(a),
        so only F elements are inverted (see scalar.py).
        """
        a = self._vec(a)
        if self.k == 1:
            return self._f_inv(a.reshape(-1)).reshape(a.shape)
        rows = self._rows(a)
        conj = self._frobenius(rows, 1)
        for j in range(2, self.k):
            conj = self.mul(conj, self._frobenius(rows, j))
        norm = np.ascontiguousarray(self.mul(rows, conj)[:, 0])
        out = np.empty_like(rows)
        self._kn.mul_base(conj.reshape(-1), self._f_inv(norm), out.reshape(-1))
        return out.reshape(a.shape)

    def _f_inv(self, a: np.ndarray) -> np.ndarray:
        out = np.empty_like(a)
        i = self._kn.f_inv_batch(a, out)
        if i >= 0:
            raise FieldError(f"inv_batch: cannot invert zero (element {i})")
        return out

    def _frobenius(self, rows: np.ndarray, j: int) -> np.ndarray:
        """phi^j of each row: coefficient i times g^(ij), g = W^((p-1)/k)."""
        g = pow(self.w, (P - 1) // self.k, P)
        consts = np.array([pow(g, i * j % self.k, P) for i in range(self.k)], dtype=np.uint64)
        out = np.empty_like(rows)
        self._kn.map_cols(rows.reshape(-1), consts, out.reshape(-1), True)
        return out

    def pow(self, a: np.ndarray, e: int) -> np.ndarray:
        """a^e elementwise for an integer e (negative: inverse first, FieldError on a zero)."""
        a = self._vec(a)
        if e < 0:
            a, e = self.inv_batch(a), -e
        if e == 0:
            return self.ones(a.shape[:-1] if self.k > 1 else a.shape)
        e = (e - 1) % (P**self.k - 1) + 1  # a^e only depends on e mod |K^*| (and on e > 0)
        if self.k == 1:
            bits = np.array([int(b) for b in bin(e)[2:]], dtype=np.uint8)
            out = np.empty_like(a)
            self._kn.f_pow_bits(a.reshape(-1), bits, out.reshape(-1))
            return out
        out = a
        for bit in bin(e)[3:]:  # square-and-multiply over the bits of e (a loop over bits)
            out = self.square(out)
            if bit == "1":
                out = self.mul(out, a)
        return out.copy() if out is a else out

    # ---- reductions ------------------------------------------------------------------------

    def sum(self, a: np.ndarray) -> int | tuple[int, ...]:
        """Sum of all elements (one pass, lazy reduction)."""
        a = self._vec(a)
        return self._out_scalar(self._kn.sum_rows(a.reshape(-1, self.k)))

    def inner(self, a: np.ndarray, b: np.ndarray) -> int | tuple[int, ...]:
        """sum_i a_i b_i over this field (one pass, lazy reduction); a, b of equal shape."""
        a, b = self._vec(a, "a"), self._vec(b, "b")
        if a.shape != b.shape:
            raise FieldError(f"inner: shapes {a.shape} and {b.shape} differ")
        return self._out_scalar(getattr(self._kn, self._inner)(a.reshape(-1), b.reshape(-1)))

    # ---- construction and conversion -------------------------------------------------------

    def _shape(self, n: int | tuple[int, ...]) -> tuple[int, ...]:
        n = (n,) if isinstance(n, int | np.integer) else tuple(n)
        return n + ((self.k,) if self.k > 1 else ())

    def zeros(self, n: int | tuple[int, ...]) -> np.ndarray:
        """n zeros (n may also be a shape)."""
        return np.zeros(self._shape(n), dtype=np.uint64)

    def ones(self, n: int | tuple[int, ...]) -> np.ndarray:
        """n ones (n may also be a shape)."""
        if self.k == 1:
            return np.ones(self._shape(n), dtype=np.uint64)
        out = self.zeros(n)
        out[..., 0] = 1
        return out

    def from_base(self, f: np.ndarray) -> np.ndarray:
        """Embed an F vector: shape f.shape + (k,), coefficient 0 = f."""
        f = _u64(f, "f")
        if self.k == 1:
            return f.copy()
        out = np.zeros(f.shape + (self.k,), dtype=np.uint64)
        out[..., 0] = f
        return out

    def random(self, n: int | tuple[int, ...], rng: random.Random | Any) -> np.ndarray:
        """n uniform elements from a numpy Generator (or a random.Random, used as a seed)."""
        if isinstance(rng, random.Random):
            rng = np.random.default_rng(rng.getrandbits(128))
        return rng.integers(0, P, size=self._shape(n), dtype=np.uint64)

    def from_uint64(self, a: np.ndarray) -> np.ndarray:
        """Any uint64 array -> canonical: entries >= p are reduced mod p (the only op that does)."""
        a = self._vec(a)
        return np.where(a >= np.uint64(P), a - np.uint64(P), a)

    def to_scalars(self, a: np.ndarray) -> list:
        """Vector -> list of scalars (ints for k = 1, tuples for k >= 2), flattened."""
        a = self._vec(a)
        if self.k == 1:
            return a.reshape(-1).tolist()
        return [tuple(r) for r in self._rows(a).tolist()]

    def from_scalars(self, xs: Any) -> np.ndarray:
        """List of canonical scalars -> vector; FieldError on a non-integer or a value >= p."""
        try:
            arr = np.asarray(xs, dtype=object) if len(xs) else self.zeros(0)
        except ValueError as exc:
            raise FieldError(f"from_scalars: malformed input ({exc})") from None
        if arr.dtype == object:
            if not all(isinstance(c, int | np.integer) for c in arr.reshape(-1)):
                raise FieldError("from_scalars: every coefficient must be an integer")
            if not all(0 <= int(c) < P for c in arr.reshape(-1)):
                raise FieldError("from_scalars: coefficient outside [0, p)")
            arr = arr.astype(np.uint64)
        shape = self._shape(len(xs))
        if arr.shape != shape:
            raise FieldError(f"from_scalars: expected shape {shape}, got {arr.shape}")
        return arr


def vec_field(k: int, backend: str = "numba") -> VecField:
    """The cached VecField of degree k (k = 1 is F) on ``backend`` (see ``BACKENDS``): one object
    per (k, backend), however the backend is passed."""
    return _vec_field(k, backend)


@cache
def _vec_field(k: int, backend: str) -> VecField:
    return VecField(k, backend)


FV = vec_field(1)
KV2 = vec_field(2)
KV3 = vec_field(3)
