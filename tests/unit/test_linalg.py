"""field/linalg.py: exact small-system linear algebra over F_p (simulators, zk tests)."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.linalg import kernel_vector, particular_solution, rank_mod_p
from tensorproof.field.params import P


def test_particular_solution_solves_a_wide_system():
    rng = np.random.default_rng(0)
    a = [[int(x) for x in rng.integers(0, P, 9, dtype=np.uint64)] for _ in range(4)]
    b = [int(x) for x in rng.integers(0, P, 4, dtype=np.uint64)]
    x = particular_solution(a, b, 9)
    assert [sum(r * v for r, v in zip(row, x)) % P for row in a] == b
    assert rank_mod_p(a) == 4 and any(kernel_vector(a, 9))


def test_an_inconsistent_system_is_refused():
    with pytest.raises(ValueError, match="inconsistent"):
        particular_solution([[1, 2], [2, 4]], [1, 3], 2)
