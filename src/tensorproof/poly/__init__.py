"""poly layer of tensorproof: multilinear tables and univariate round polynomials.

See :mod:`tensorproof.poly.mle` for the variable order (x_0 = least-significant index bit).
"""

from .mle import (
    eq_eval,
    eq_eval_index,
    eq_table,
    evaluate,
    evaluate_scalar,
    fold,
)
from .univariate import interpolate_eval, lagrange_weights

__all__ = [
    "eq_eval",
    "eq_eval_index",
    "eq_table",
    "evaluate",
    "evaluate_scalar",
    "fold",
    "interpolate_eval",
    "lagrange_weights",
]
