"""The prover's twin of verifier/context.py: same claim routing, plus the witness tables."""

from __future__ import annotations

import numpy as np

from ..field.scalar import ExtField
from ..field.vec import VecField
from ..verifier.claims import EvalClaim
from ..verifier.context import ClaimBook
from ..verifier.plan import Plan
from .merge import prove_merge
from .zk_finals import prove_hiding_merge, with_randomizer


class ProverContext(ClaimBook):
    """Claim routing with the padded witness: `tables[name]` is tensor `name` as an F vector and
    `ints[name]` the same tensor as an int64 array of its (unpadded) shape."""

    def __init__(self, transcript, ext: ExtField, vf: VecField, plan: Plan,
                 tables: dict[str, np.ndarray], ints: dict[str, np.ndarray]):
        super().__init__(transcript, ext, plan)
        self.vf, self.tables, self.ints = vf, tables, ints

    def send(self, label: str, values: list) -> None:
        self.t.send_k(label, [tuple(v) for v in values], self.k)

    def committed_value(self, label: str, tensor: str, point, randomizer: tuple = ()) -> tuple:
        value = with_randomizer(self, self.public_value(self.tables[tensor], point), randomizer)
        self.send(label, [value])
        return value

    def public_table(self, tensor: str) -> np.ndarray:
        return self.tables[tensor]

    def take(self, tensor: str, label: str) -> EvalClaim | None:
        claims = self.pending.pop(tensor, [])
        if not claims:
            return None
        if self.hiding and len(claims) > 1:
            return prove_hiding_merge(self, tensor, claims, label)
        return prove_merge(self.t, self.vf, self.tables[tensor], claims, label)
