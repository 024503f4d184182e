"""Field layer: Goldilocks F_p and its extensions K = F_p[X]/(X^k - W), k = 2, 3.

- ``params``: p, W per degree, two-adicity, generator.
- ``scalar``: pure-int reference (the verifier's arithmetic): ``f_*``, ``ExtField``, ``K2``, ``K3``.
- ``vec``: numpy uint64 vectors backed by numba ``kernels``: ``VecField``, ``FV``, ``KV2``, ``KV3``;
  ``vec_field(k, "numpy")`` runs the numpy twins of ``npfield`` instead (the verifier: no numba).
- ``encoding``: the one byte encoding of field elements.
"""

from .encoding import (
    F_BYTES,
    decode_f,
    decode_f_array,
    decode_k,
    decode_k_array,
    encode_f,
    encode_f_array,
    encode_k,
    encode_k_array,
    k_bytes,
)
from .params import (
    EPSILON,
    EXTENSION_DEGREES,
    MULTIPLICATIVE_GENERATOR,
    NONRESIDUE,
    TWO_ADICITY,
    P,
)
from .scalar import (
    K2,
    K3,
    ExtField,
    ext_field,
    f_add,
    f_inv,
    f_mul,
    f_neg,
    f_pow,
    f_random,
    f_square,
    f_sub,
)
from .vec import FV, KV2, KV3, VecField, check_canonical, from_signed, to_signed, vec_field

__all__ = [
    "P", "EPSILON", "NONRESIDUE", "EXTENSION_DEGREES", "TWO_ADICITY", "MULTIPLICATIVE_GENERATOR",
    "f_add", "f_sub", "f_neg", "f_mul", "f_square", "f_inv", "f_pow", "f_random",
    "ExtField", "ext_field", "K2", "K3",
    "VecField", "vec_field", "FV", "KV2", "KV3", "from_signed", "to_signed", "check_canonical",
    "F_BYTES", "k_bytes", "encode_f", "decode_f", "encode_k", "decode_k",
    "encode_f_array", "decode_f_array", "encode_k_array", "decode_k_array",
]
