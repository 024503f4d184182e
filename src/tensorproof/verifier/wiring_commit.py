"""Wirings committed with the weights: the gather predicate of a large irregular wiring in
O(log #wires) verifier work.

A gather source whose wiring has no closed form (wiring_forms.py: a reshape that re-pads, a
max over several axes) would cost the verifier O(#wires) to evaluate its predicate
a(z, ρ) = Σ_j eq(z, out_j)·eq(ρ, in_j) from the sparse wires (layers/gather.py). Every output
position of a gather reads at most one input entry, so the wiring is a partial map σ from the
output's per-sample positions p (n_out variables) to the source's (n_in variables), and

    a(z, ρ) = Σ_p eq(z, p) · V(p) · Π_{i<n_in} (ρ_i·S_i(p) + (1 − ρ_i)·(1 − S_i(p))),

V the indicator of the positions that carry a wire and S_i bit i of σ(p) (0 where V is 0).
V and the S_i are model constants (``CommittedWiring.names``), committed with the weights and
bound to the public wiring that the key's graph defines by the weight certificate's check (T)
(certificate.py). Protocol (after the gather's own sumcheck, which ends at ρ):
  "<source>/wiring": the prover's a = a(z, ρ) (used in the gather's final check);
  "<source>/wiring" sumcheck of a over p, degree n_in + 2, ending at τ;
  "<source>/wiring/values": V~(τ), S_i~(τ) (i < n_in), checked against the subclaim
  eq(z, τ)·V~(τ)·Π_i (ρ_i S_i~(τ) + (1 − ρ_i)(1 − S_i~(τ))) and left as claims on the
  constants at τ, opened with the weights.
Soundness: a false a survives the sumcheck with probability ≤ n_out·(n_in + 2)/|K| (Thaler,
"Proofs, Arguments and Zero-Knowledge", Prop. 4.1); the constants are fixed by the model id
before z, ρ and τ are drawn. This is the sparse-polynomial evaluation of Spartan's SPARK
(Setty, CRYPTO 2020, §7) in its simplest form: the bits of the row index committed, no memory
checking, since one side (p) is the hypercube itself. Cost: verifier O(n_out·n_in) field
operations and n_in + 1 more claims in the model group's opening; prover O(2^n_out·n_in²).

Used only above INLINE_WIRES wires (below it the sparse sum is cheaper, and bounded by a
constant): the choice depends on the wiring alone, so on the key's graph, never on the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import VerificationError
from ..poly.mle import as_ext, eq_eval
from .names import Internal, TensorName
from .sumcheck import verify_sumcheck

INLINE_WIRES = 512
"""A wiring without a closed form and with more wires than this is committed with the weights.
Below it the verifier sums the sparse wires (O(#wires), bounded by this constant): on the EVM a
wire costs about 150 gas there, a committed wiring about 100–200 k gas (the sumcheck's rounds
in calldata, n_in + 1 more claims in the opening), so the crossover is near a thousand wires."""


@dataclass(frozen=True)
class CommittedWiring:
    """A gather source's wiring committed with the weights: the output's and the source's
    per-sample variable counts and the names of the constants V (``valid``) and S_i (``bits``),
    each of 2^n_out entries."""

    n_out: int
    n_in: int
    valid: TensorName
    bits: tuple[TensorName, ...]

    @property
    def names(self) -> tuple[TensorName, ...]:
        return (self.valid, *self.bits)


def eligible(wiring, n_out: int, n_in: int) -> bool:
    """True if the wiring is committed: more than INLINE_WIRES wires, each output position
    read at most once (a partial map), positions inside the layouts."""
    out_pos, in_pos = (np.asarray(w, dtype=np.int64) for w in wiring)
    if len(out_pos) <= INLINE_WIRES or len(out_pos) != len(in_pos):
        return False
    if out_pos.min() < 0 or out_pos.max() >= 1 << n_out or in_pos.min() < 0 \
            or in_pos.max() >= 1 << n_in:
        return False
    ordered = np.sort(out_pos)  # not np.unique: it imports numpy.ma (~10 ms, fresh process)
    return not (ordered[1:] == ordered[:-1]).any()


def declare(owner: TensorName, source: int, n_out: int, n_in: int) -> CommittedWiring:
    """The constants' names for source `source` of the gather computing `owner`."""
    base = Internal(owner, "wiring", source)
    return CommittedWiring(n_out, n_in, Internal(base, "valid"),
                           tuple(Internal(base, "bit", i) for i in range(n_in)))


def values(cw: CommittedWiring, wiring) -> dict[TensorName, np.ndarray]:
    """The constants' int64 values (V, then S_i) from the sparse wires."""
    out_pos, in_pos = (np.asarray(w, dtype=np.int64) for w in wiring)
    valid = np.zeros(1 << cw.n_out, dtype=np.int64)
    valid[out_pos] = 1
    sigma = np.zeros(1 << cw.n_out, dtype=np.int64)
    sigma[out_pos] = in_pos
    out = {cw.valid: valid}
    for i, name in enumerate(cw.bits):
        out[name] = (sigma >> i) & 1
    return out


def verify_weight(ctx, label: str, cw: CommittedWiring, z, rho, step_name: str) -> tuple:
    """The module's protocol on the verifier's side: returns the prover's a(z, ρ) once its
    sumcheck holds, with claims on the constants at τ recorded (ctx.const_claim)."""
    ext = ctx.ext
    if len(z) != cw.n_out or len(rho) != cw.n_in:
        raise VerificationError(f"layer {step_name!r} (gather): malformed plan, a committed "
                                f"wiring of {cw.n_out}+{cw.n_in} variables at a point of "
                                f"{len(z)}+{len(rho)}")
    (a,) = ctx.recv(f"{label}/wiring")
    sub = verify_sumcheck(ctx.t, ext, a, cw.n_out, cw.n_in + 2, f"{label}/wiring")
    vals = ctx.recv(f"{label}/wiring/values", cw.n_in + 1)
    # eq(ρ, S~(τ)) = Π_i (ρ_i S_i~(τ) + (1 − ρ_i)(1 − S_i~(τ))): multilinear in each S_i
    acc = ext.mul(ext.mul(eq_eval(ext, z, sub.point), vals[0]), eq_eval(ext, rho, vals[1:]))
    if not ext.eq(acc, as_ext(ext, sub.value)):
        raise VerificationError(f"layer {step_name!r} (gather): the committed wiring's sumcheck "
                                "failed")
    for name, v in zip(cw.names, vals):
        ctx.const_claim(name, sub.point, v)
    return a
