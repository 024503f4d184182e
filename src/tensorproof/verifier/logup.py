"""LogUp lookup argument on fraction-sum GKRs (Haböck, "Multivariate lookups based on logarithmic
derivatives", ePrint 2022/1530; Papini & Haböck, ePrint 2023/1284): the verifier.

Statement: every real witness row (a_{0,i}, ..., a_{c-1,i}) (selector s_i = 1; padding rows have
s_i = 0) lies among the table rows (t_{0,j}, ..., t_{c-1,j}). With multiplicities m_j and random
beta, gamma in K, the prover shows

    sum_i s_i / (gamma - sum_c beta^c a_{c,i}) = sum_j m_j / (gamma - sum_c beta^c t_{c,j})

by two fraction-sum GKRs (:mod:`.fraction_gkr`): the witness side (2^m_vars leaves, numerator s)
then the table side (2^n_vars leaves, numerator m). Proof messages, in order: the witness GKR,
the c column values a_c~(rho_w), the table GKR, the c table-column values t_c~(rho_t). The
verifier checks each leaf denominator claim equals gamma - sum_c beta^c (column values) and
P_w Q_t = P_t Q_w with Q_w, Q_t != 0 (checked by the GKR verifier).

Soundness (what the caller MUST do):
  * commit to (or fix publicly) the witness columns, the selector and the multiplicities, and
    absorb those commitments into the transcript BEFORE calling: beta and gamma are drawn here,
    first thing, and a prover who could choose m after gamma could match any sum;
  * discharge every claim of the returned :class:`LookupSubclaim`: the column values and the
    selector value at witness_point, the multiplicity and table-column values at table_point;
  * make sure the selector is 0/1 (public or closed form, e.g. the padding indicator); a
    committed selector with other values (say -1) would cancel rows;
  * number of witness rows < p (it is: at most 2^32 rows), so counts never vanish mod p.
Then a row outside the table passes with probability at most
  (2^m + 2^n)/|K|   (gamma: the cleared rational identity has degree < 2^m + 2^n; this also
                     bounds the chance that gamma makes a denominator vanish, Haböck Lemma 5)
  + (c-1) 2^n/|K|   (beta: a row's combination, a degree-(c-1) polynomial in beta, collides
                     with one of the 2^n table rows' combinations; 0 for c = 1)
  + the two GKR errors (:func:`.fraction_gkr.soundness_error_bound`).
With |K| = p^2 ~ 2^128 and m, n <= 30 this is below 2^-96.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import VerificationError
from ..field.scalar import ExtField
from .fraction_gkr import FractionSubclaim, verify_fraction_sum

__all__ = ["LookupSubclaim", "verify_lookup", "combine_columns", "lookup_labels"]

K = tuple[int, ...]


@dataclass(frozen=True)
class LookupSubclaim:
    """Claims the caller of :func:`verify_lookup` must discharge (points x_0 first).

    column_values[c] = a_c~(witness_point); selector_value = s~(witness_point) (None when the
    lookup has no selector: then it was checked to be 1, the all-ones MLE);
    multiplicity_value = m~(table_point); table_values[c] = t_c~(table_point).
    beta, gamma: the lookup's challenges (informative).
    """

    witness_point: list[K]
    column_values: tuple[K, ...]
    selector_value: K | None
    table_point: list[K]
    multiplicity_value: K
    table_values: tuple[K, ...]
    beta: K
    gamma: K


def lookup_labels(label: str) -> dict[str, str]:
    """Transcript labels of the lookup's own messages and challenges (shared with the prover)."""
    return {
        "beta": f"{label}/beta",
        "gamma": f"{label}/gamma",
        "witness": f"{label}/witness",
        "witness_columns": f"{label}/witness/columns",
        "table": f"{label}/table",
        "table_columns": f"{label}/table/columns",
    }


def combine_columns(ext: ExtField, beta: K, gamma: K, values: list[K]) -> K:
    """gamma - sum_c beta^c values[c]: the denominator of one row (or of its MLE at a point)."""
    acc, power = ext.zero(), ext.one()
    for v in values:
        acc = ext.add(acc, ext.mul(power, v))
        power = ext.mul(power, beta)
    return ext.sub(gamma, acc)


def verify_lookup(
    transcript,
    ext: ExtField,
    m_vars: int,
    n_vars: int,
    n_columns: int,
    label: str,
    has_selector: bool = True,
) -> LookupSubclaim:
    """Check a LogUp-GKR lookup of 2^m_vars witness rows into a 2^n_vars-row table.

    has_selector=False: every witness row is real (numerator 1); the verifier checks the
    numerator claim equals 1 itself. Raises VerificationError / ProofFormatError.
    Soundness: see the module docstring — commitments before the call, claims after it.
    """
    if n_columns < 1:
        raise ValueError(f"a lookup needs at least one column, got {n_columns}")
    labels = lookup_labels(label)
    beta = tuple(transcript.challenge_k(labels["beta"], ext.k))
    gamma = tuple(transcript.challenge_k(labels["gamma"], ext.k))
    wit = verify_fraction_sum(transcript, ext, m_vars, labels["witness"])
    cols = _read_columns(transcript, ext, wit, beta, gamma, n_columns, labels, "witness")
    tab = verify_fraction_sum(transcript, ext, n_vars, labels["table"])
    tcols = _read_columns(transcript, ext, tab, beta, gamma, n_columns, labels, "table")
    if not ext.eq(ext.mul(wit.P, tab.Q), ext.mul(tab.P, wit.Q)):
        raise VerificationError(f"lookup '{label}': witness and table fraction sums differ")
    selector = wit.num_value
    if not has_selector:
        if not ext.eq(selector, ext.one()):
            raise VerificationError(f"lookup '{label}': numerator of an unselected lookup is not 1")
        selector = None
    return LookupSubclaim(wit.point, cols, selector, tab.point, tab.num_value, tcols, beta, gamma)


def _read_columns(transcript, ext, sub: FractionSubclaim, beta, gamma, n_columns, labels, side):
    """Receive the column values at the side's leaf point; check they give its denominator."""
    values = tuple(tuple(v) for v in transcript.recv_k(labels[f"{side}_columns"], n_columns, ext.k))
    if not ext.eq(combine_columns(ext, beta, gamma, list(values)), sub.den_value):
        raise VerificationError(
            f"lookup '{labels[side]}': {side} column values do not give the leaf denominator"
        )
    return values
