"""Sumcheck verifier (Lund–Fortnow–Karloff–Nisan; Thaler, "Proofs, Arguments and Zero-Knowledge",
§4.1), non-interactive through the caller's Fiat–Shamir transcript.

Reduces the claim  sum_{x in {0,1}^n} g(f_1~(x), ..., f_m~(x)) = C,  with g of degree <= d in each
variable, to the subclaim  g(f_1~(r), ..., f_m~(r)) = v  at a point r drawn by the transcript.
Round i: the prover sends s_i(0), s_i(2), ..., s_i(d) (d elements of K); the verifier sets
s_i(1) = C_i - s_i(0), so that s_i(0) + s_i(1) = C_i holds by construction (the usual
compression: the d + 1 values still determine s_i, and a false claim forces a wrong s_i exactly
as before), draws r_i (after the message was absorbed) and sets C_{i+1} = s_i(r_i). A false
claim survives with probability <= n d / |K| (Schwartz–Zippel per round; Thaler, Prop. 4.1),
i.e. <= 2^-120 for n <= 64, d <= 16 and |K| >= 2^128.

Soundness: :func:`verify_sumcheck` returns a :class:`SumcheckSubclaim` and checks nothing about
it; the caller must establish value = g(f_i~(point)) (e.g. with :func:`check_subclaim` against
evaluations it can trust, or by turning them into evaluation claims it discharges later).

Sub-protocols run on the caller's transcript: call these functions in the caller's order, with a
label unique within the proof; the prover in :mod:`tensorproof.prover.sumcheck` mirrors them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import VerificationError
from ..field.scalar import ExtField
from ..poly.mle import Scalar, as_ext, eq_eval
from ..poly.univariate import interpolate_eval
from .claims import SumcheckSubclaim

Terms = Sequence[tuple[Scalar, Sequence[int]]]
"""g = sum_t c_t prod_{i in S_t} f_i as a list of (c_t, S_t); c_t an int or a K tuple."""


def round_label(label: str, i: int) -> str:
    """Transcript label of round i's message (shared with the prover)."""
    return f"{label}/round{i}"


def challenge_label(label: str, i: int) -> str:
    """Transcript label of round i's challenge r_i (shared with the prover)."""
    return f"{label}/r{i}"


def verify_sumcheck(
    transcript, ext: ExtField, claim: Scalar, n_vars: int, degree: int, label: str
) -> SumcheckSubclaim:
    """Run n_vars rounds of a degree-``degree`` sumcheck of ``claim``; return the subclaim.

    Each round reads s(0), s(2), .., s(d) and derives s(1) = running claim - s(0) (module
    docstring); on a transcript with ``masks`` (a zero-knowledge proof) the masked sumcheck of
    verifier/zk_masks.py runs instead, with the same subclaim. ProofFormatError (from the
    transcript) on a truncated or non-canonical message.
    Soundness: the caller must check the returned subclaim (see the module docstring).
    """
    if n_vars < 0 or degree < 1:
        raise ValueError(f"sumcheck needs n_vars >= 0 and degree >= 1 (got {n_vars}, {degree})")
    masks = getattr(transcript, "masks", None)
    if masks is not None and n_vars:  # a zero-knowledge proof: Libra's mask (zk_masks.py)
        return masks.verify(transcript, ext, claim, n_vars, degree, label)
    running = as_ext(ext, claim)
    point: list[tuple[int, ...]] = []
    for i in range(n_vars):
        sent = transcript.recv_k(round_label(label, i), degree, ext.k)
        evals = [sent[0], ext.sub(running, sent[0]), *sent[1:]]
        r = tuple(transcript.challenge_k(challenge_label(label, i), ext.k))
        point.append(r)
        running = interpolate_eval(ext, evals, r)
    return SumcheckSubclaim(point, running)


def max_term_degree(terms: Terms) -> int:
    """max |S_t|: the degree of g, the least ``degree`` a sumcheck of g may use."""
    return max((len(s) for _, s in terms), default=0)


def evaluate_terms(ext: ExtField, terms: Terms, values: Sequence[Scalar]) -> tuple[int, ...]:
    """g(values) = sum_t c_t prod_{i in S_t} values[i] in K."""
    acc = ext.zero()
    for coeff, indices in terms:
        prod = as_ext(ext, coeff)
        for i in indices:
            if not 0 <= i < len(values):
                raise ValueError(f"term uses table {i}, but only {len(values)} values were given")
            prod = ext.mul(prod, as_ext(ext, values[i]))
        acc = ext.add(acc, prod)
    return acc


def check_subclaim(
    ext: ExtField,
    subclaim: SumcheckSubclaim,
    terms: Terms,
    values: Sequence[Scalar],
    label: str,
    eq_point: Sequence[Scalar] | None = None,
) -> None:
    """Discharge a subclaim given f_i~(point) = values[i]: VerificationError unless
    value = g(values), or value = eq(eq_point, point) g(values) for a sumcheck with an eq factor.

    Soundness: ``values`` must themselves be trusted or become claims the caller checks later.
    """
    expected = evaluate_terms(ext, terms, values)
    if eq_point is not None:
        expected = ext.mul(eq_eval(ext, eq_point, subclaim.point), expected)
    if not ext.eq(expected, as_ext(ext, subclaim.value)):
        raise VerificationError(
            f"sumcheck '{label}': final evaluations do not match the last round polynomial"
        )
