"""A test randomness source for the zero-knowledge tests: serves given F values in order."""

from __future__ import annotations

import numpy as np

from tensorproof.field.sampling import Randomness


class Stream(Randomness):
    """Serves the given F values in order (then zeros); salts from the OS. The exact-rank tests
    run a prover on unit randomness vectors through it."""

    def __init__(self, values) -> None:
        self.values = list(values)

    def f_vector(self, n):
        take, self.values = self.values[:n], self.values[n:]
        return np.array(take + [0] * (n - len(take)), dtype=np.uint64)
