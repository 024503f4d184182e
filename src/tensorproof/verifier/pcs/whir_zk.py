"""Verifier of ``whir-zk``: the WHIR commitment (whir.py) made hiding, with zero-knowledge
openings of linear forms (the spec; prover/pcs/whir_zk.py mirrors it). The compact profile's
hiding commitment, as ligero-zk is the fast profile's.

Construction (a hiding region in the committed table and a blinding polynomial of m - kappa
variables, one run of WHIR's batched opening; cf. the zkWHIR notes of the WHIR authors, and
Chiesa-Fenzi-Weissenberg, ePrint 2026/391, for the HVZK variant with smaller masks):

Commitment. The table T (2^n F elements, of which the first ``used`` may be nonzero: the
caller's public fact, all by default) becomes f^, a table of m variables (``table_vars``)
whose top 2^a entries are the hiding region R, 2^a fresh uniform F values (a =
``region_vars``, 2^a > ``leak_bound``), and whose other entries are T's, zero-padded:

    f^ = T on [0, 2^m - 2^a),    R on [2^m - 2^a, 2^m),    m = n if used + 2^a <= 2^n.

Where T's zero tail holds R (the advice's case: m = n, whir-zk-v4) f^ is T with R written into
it (the caller's claims then read R: prover/pcs/whir_zk.py writes it into the caller's
table); otherwise m = n + 1 (or more: WHIR's least size, a blind that hides) and R lies past T, in
the half of the highest variable y where T's points (y = 0) never look (whir-zk-v3 took that whole
half, 2^n values, for R: f^ twice T). As a univariate (whir_fold.py: variable i <-> X^(2^i)),
f^(X) = A(X) + X^(2^m - 2^a) R'(X): R's entries are the hypercube points whose last m - a
coordinates are all 1, the Moebius coefficients there are R's own transform plus a linear
function of the other entries, so R' is uniform of degree < 2^a and independent of T. f^ is
committed as a WHIR table of m variables whose Merkle leaves are salted: leaf j = salt_j ‖
fiber j (a fresh 32-byte salt each). The commitment carries f^'s answers at its s OOD points
(whir.py: ``commitment_ood_points``, ``committed_answers``).

Opening of J linear forms (``verify_forms``): form j is sum_l c_(j,l) T~(z_(j,l)) = v_j, with
public coefficients and points of n coordinates (a point claim is a form of one term; the
hiding opening's forms, verifier/zk_opening.py, have two to five):
  0. both sides absorb the statement ("pcs/statement": tag ‖ params ‖ n ‖ h's variables ‖ k
     ‖ the forms' terms ‖ values);
  1. P sends the root of a fresh uniform K-valued table G of m - kappa variables
     (``mask_vars``; m for small tables, ``mask_shift``: then read as f^ is, a fiber a
     leaf, with Delta = 0 below), committed as WHIR commits a table but with one K value per
     salted leaf
     ("whir-zk/mask_root"), and G's answers at its OOD points (``commitment_ood_points`` of
     that root: "whir-zk/mask_ood"). G enters as G_ext(X) = G(X^(2^kappa)), a table of m
     variables that does not vary with the first kappa (whir.py's batch embedding with
     Delta = kappa): on h's domain L, G_ext at x is G's codeword at x^(2^kappa), which is the
     same for the 2^kappa points of one fiber of f^'s tree: leaf j of G's tree is the value
     of every point of f^'s leaf j;
  2. P sends "whir-zk/cross": G_ext's form values g_j = sum_l c_(j,l) G~(z_(j,l) past its
     first kappa coordinates), G_ext at f^'s OOD points (G at y^(2^kappa)) and f^ at G's OOD
     points (f^~(0^kappa, y, y^2, ..), the embedded point);
  3. "whir-zk/beta" beta; h = G_ext + beta f^ (whir.py's batched opening of (G, f^), sizes
     m - kappa and m) is claimed at every form (g_j + beta v_j, the points padded with
     zeros to m coordinates) and at both tables' OOD points (``ood_layout``);
  4. whir.py's rounds on h with the schedule of m variables; round 0 reads, at each
     query j, G's leaf j (one K value, "whir-zk/fibers"), its salt ("whir-zk/salts") and
     Merkle path ("whir-zk/merkle"), then f^'s fiber j the same way (F values), and folds h's
     fiber G(y_j) + beta f^.

Joint commitment (``joint``: a commitment of one opening, the advice's). Its one G is drawn
at commit time and committed in f^'s leaves: leaf j = salt_j ‖ f^'s fiber j ‖ G's value j
(``joint_leaf_bytes``), G's OOD points drawn from that root with G's variables and its answers
after f^'s in the commitment (``joint_answers``); step 1 then sends nothing, and round 0 reads
one leaf per query: f^'s fiber ("whir-zk/fibers", F), G's value ("whir-zk/fibers", K), the
salt and one Merkle multi-opening. Both tables are bound before any challenge of the proof,
earlier than step 1 binds G, and G still serves one opening: soundness and zero knowledge
are the same (one oracle of pairs, read at the same leaf, is the two oracles read there).

Public table (``PublicClaim``: the model's table with public weights, a plain WHIR commitment
of the same parameters whose WHIR variables m_P do not exceed f^'s m; ``public_fits``).
A joint commitment's opening may batch one claim P~(z) = v on it, so that the proof has one
WHIR run rather than two:
  0'. after step 0, "pcs/statement" absorbs PUBLIC_TAG ‖ params ‖ P's root, then P's n, z and
     v; P_ext(X) = P(X^(2^Delta)) (Delta = m - m_P) does not vary with h's first Delta
     variables, so P's points in h (its claim's, its commitment's s OOD power points) take
     there a drawn point a ("whir-zk/public_lift", Delta K values) rather than zeros; P's
     table is zero-padded from n_P to m_P variables, so the claim's padding coordinates take
     a drawn r (the same draw) and its value is v prod (1 - r_i) (``lift_points``). Every P
     point must then have its last m - a coordinates nonzero, those that select R (where
     one is 0, eq(point, R) = 0 and f^ there is a functional of T alone: with R past T, at
     y = 0 f^ is T~ itself): both sides refuse one that has not (the whole proof's model
     merge is a sumcheck even for one claim, ``verify_merge(fresh=True)``, so z is drawn
     too);
  2'. after "whir-zk/cross", "whir-zk/public_cross": P_ext at the forms and at f^'s and G's
     OOD points, then G_ext and f^ at P's 1 + s points;
  3'. after beta, "whir-zk/public_beta" beta'; h = G_ext + beta f^ + beta' P_ext, claimed at
     every point above (P's own values: v and its committed answers);
  4'. round 0 reads, after the hiding tree's leaves, P's leaves as whir.py's batched opening
     does (``BatchLayout.leaf_map``: "whir/fibers", "whir/merkle").
Soundness, by composition: h = A + beta' P_ext with A = G_ext + beta f^; the line (A, P_ext)
is whir.py's two-table batch (BCHKS25 Thm 4.6: mutual correlated agreement holds for every
agreement set S at once, so for a good beta' h's agreement set is A's and P's, and for a good
beta A's is G's and f^'s), priced by ``batch_error_terms`` for sizes (m, n_P), which
``public_fits`` requires at the level; two independent challenges, never a curve in one (the
curve bound of three tables is not checked against the paper: whir_params.MAX_BATCH). P's
claim and OOD answers enter the initial combination like the others (Schwartz-Zippel in
gamma; its OOD term is in the same batch terms). The lift checks a list member u of P at
(a, z, r) rather than (0, z, 0): drawn after P's root, z and v, it differs from the value of
u's Delta-free, zero-padded part only on a Schwartz-Zippel set, l_u (Delta + pad) / |K|
over u's list (``public_lift_bits``; about 2^-170 at the defaults), which ``public_fits``
requires at the level too.
Zero knowledge: P is public (the simulator is given it), so its values and leaves are; f^'s
values at P's 1 + s points are functionals of R' (``leak_bound`` counts them for every
joint commitment, batched or not) and G's are counted in ``blind_reveal_bound``. With zeros
in the lifted coordinates f^ at P's points would read R' on a sub-hypercube of only
2^(a - Delta) values, which the exact test shows leaks on a tiny schedule; the drawn a makes
them functionals over the whole cube, as the other points'. With a padding coordinate left
0 the claim point selects no entry of R and f^ there is a functional of T alone (a review
found it for v3's y; the exact test shows the leak). tests/protocol/test_whir_zk.py checks
all three, and that omitting the count leaks.

Embedded in a larger run (``embedded_run``: a public table larger than f^, the model's
table with public weights when it has more WHIR variables than the advice's f^). The joint
commitment is made for a run of m_h = m + Delta_f variables, 0 < Delta_f <= kappa (the
caller's public fact, ``run``, fixed before the commitment since G's size depends on it):
G has m_h - kappa variables (v2's G of the run, never v1's), and f^ enters h as
f^_ext(X) = f^(X^(2^Delta_f)), whir.py's batch embedding, f^ still committed at its own size:
  - f^'s points in h (the forms', its OOD power points) take Delta_f zeros first (``embed``):
    f^_ext does not vary with h's first Delta_f variables, and neither does G_ext (Delta_f
    <= kappa), so no value of f^ or G is read on a sub-cube it varies with; P's points take
    P's own lift (Delta_P = m_h - m_P, usually 0, and its padding drawn), and f^'s region
    coordinates are still h's last m - a, which ``lift_points`` checks;
  - h = G_ext + beta f^_ext + beta' P_ext in the run's schedule; round 0's query j (a leaf
    of h's tree, 2^(m_h + r - kappa) of them) reads f^'s leaf j mod N_f and, at fiber
    position l, f^'s value (j div N_f + l 2^Delta_f) mod 2^kappa there (whir.py's
    ``BatchLayout.leaf_map``); G's value at h's leaf j is under the same joint leaf, which
    ends with the root of a Merkle tree over G's values at the 2^Delta_f leaves j + i N_f
    (``embedded_lanes``), 2^lo values a leaf of it (``bundle_split``: 4, or all when fewer;
    pairs from Delta_f = 4, ``PAIRS_FROM``; ``bundle_hashes``; whir-zk-v6): leaf j = salt_j
    ‖ f^'s fiber j ‖ that root. Round 0 sends f^'s fibers at the distinct leaves, the
    sub-tree leaf each query reads ("whir-zk/fibers", K; ``bundle_positions``), the salts,
    the sub-trees' multi-opening up to their roots ("whir-zk/subtree": the forest of every
    leaf's sub-tree, leaf-major, ``verifier.merkle.climb_rows``; none when a sub-tree is one
    leaf) and f^'s tree's ("whir-zk/merkle"): 24 2^lo + 32 (Delta_f - lo) bytes of G a query (k = 3)
    rather than 24 2^Delta_f (v5 sent every value of the leaf: 192 bytes at Delta_f = 3,
    128 now; 384 at Delta_f = 4, 144 now).
Soundness: whir.py's embedding for Delta_f <= kappa (agreement on whole fibers forces the
Delta-free form; the "batch OOD, every embedding" term ties f^'s list to its committed
answers), with the line (G_ext, f^_ext) priced in the run's code (``batch_error_terms(...,
run)``) and the run's own terms, at the level (``security_bits(..., run)``); the line with P as
above. Zero knowledge: as below with t_0 the run's. A queried leaf reveals f^'s fiber (counted
in ``leak_bound``, the run's t_0) and 2^lo of G's values there with hashes of the others
(unsalted: each a function of values the view is then taken to hold), so
``blind_reveal_bound`` counts all 2^Delta_f values of the leaf, t_0 2^Delta_f (what v5
revealed in the clear; ``embedded_hides`` requires G larger). f^ at G's OOD points reads
kappa - Delta_f zero coordinates, a union of 2^Delta_f residue classes, which
``class_bound`` counts in class 0 (more than the union needs). Round 0's sumcheck: on h's
first Delta_f variables neither f^_ext nor G_ext varies, so those rounds are functions of
the claimed values and of P; the next kappa - Delta_f are the 2 kappa values already
counted. From round 1 on, f_1 = G + beta Fold(f^_ext) + beta' Fold(P): Fold(f^_ext) is f^
folded in its first kappa - Delta_f variables, a table of m_h - kappa variables, each of
which G varies with (G never ignores a variable f^ still varies with after round 0, which
G of f^'s own size, embedded with Delta_f, would). The sub-trees change neither argument:
a leaf's root binds its 2^Delta_f values as v5's leaf did (collision resistance; a
sub-tree's leaf, 8 k 2^lo bytes under 0x00, and node, 64 bytes under 0x01, are told
apart), so
the oracle the rounds read is the same, and the view is a function of v5's. The cost: 2^lo
K values and Delta_f - lo hashes a query, 2^(Delta_f - lo + 1) - 1 hashes a leaf to commit; the
gain: the public table's own WHIR run.

Soundness: that of whir.py's batched opening of G_ext and f^ (the schedule's terms for m
variables and ``batch_error_terms`` for sizes (m - kappa, m): OOD pinning per table,
BCHKS25 Thm 4.6 for the line G_ext + beta f^, Schwartz-Zippel in beta), with J linear claims
in the initial combination (a claim with several terms is still one claim: Schwartz-Zippel in
gamma counts claims). G's leaves hold single values rather than fibers: the same oracle (G's
codeword on L^(2^kappa)) read one point at a time. The forms' points are zero-padded, so each
is a form on f^'s first 2^n entries, T with, where m = n, R in its tail (the values the
caller states are of that table, the one its claims were proven on: R is committed with
it, and the caller's claims on named tensors never reach R's entries): binding as for any
WHIR opening, whatever a malicious prover put in R. G
is the prover's (possibly malicious) table, committed before beta: a G far from its code makes
h far except with the MCA error; a close G only shifts the claimed values by g_j, absorbed
before beta. ``security_bits`` recomputes the level.

Zero knowledge (honest verifier; Fiat-Shamir in the random-oracle model through the salted
leaves, as ligero-zk, Ben-Sasson-Chiesa-Spooner TCC 2016-B). Fix T, the forms, the challenges
and the queries. What the verifier sees about f^ alone: its OOD answers and its values at G's
OOD points (k F coordinates each), its round-0 fibers (2^kappa F values per query), each a
value A(y) + y^(2^m - 2^a) R'(y) with R' uniform of degree < 2^a (above), and the
part of round 0's kappa sumcheck messages that G_ext cannot mask: G_ext does not vary with the
variables they bind, so the X^2 coefficient of each round polynomial is a functional of f^
alone, whose R' part comes from the OOD claims' weights (nonzero on R) and, with R inside T,
the forms' (with R past T, zero there). With R inside T the forms' values v_j read R too, so
they are functionals of R' as well (the caller's randomized values: zk_opening.py; any table
then gives the same law of the values and the rest, and the simulator draws R' on the regions
that give the v_j). ``leak_bound`` counts all of them (2 kappa K values per opening for the
sumcheck, MAX_FORMS K values for the forms inside); at fewer than 2^a such functionals,
independent (the point values: Vandermonde,
conjugates of the OOD points counted; the sumcheck ones: except for challenges on a
polynomial's zeros, probability O(J + 2s)/|K|), R' makes them uniform and independent of T.
Over ``openings`` openings of one commitment (a model's, zk_weights.py) they add up:
``region_vars`` takes 2^a > ``leak_bound``. Residue classes: a count is not enough, since
WHIR's reveals are structured. Write f^ = sum_c X^c f_c(X^(2^kappa)), c < 2^kappa: a
round-0 fiber is an invertible transform of one value of each f_c, and f^ at v2's G's OOD
points (kappa zero coordinates) is f_0 alone, while R' has only 2^(a - kappa) coordinates in
each class. ``class_bound`` keeps each class's values below that (openings (t_0 + s k) in
class 0; a review found v3 short of it past 44 openings at the defaults, and the exact
test's three-opening, four-OOD schedule shows the leak). Everything from round 1 on is a function of
f_1 = Fold(h) = G + beta Fold(f^) (G_ext's fold is G: eq sums to 1), so G's own revealed
values (its OOD answers, form values, values at f^'s OOD points and at the t_0 queried
leaves, its share of round 0's sumcheck) and everything the later rounds reveal of f_1 and its
folds are functionals of the same G, which is uniform over K^(2^(m - kappa)). Their
count (``blind_reveal_bound``, the number of forms capped at MAX_FORMS) must stay below G's
dimension: then, the functionals independent (except for challenges on a polynomial's zeros),
G makes all those values uniform and independent of f^, and the view is uniform on the space
cut out by the claimed values v_j (a fresh G each opening). At or past G's dimension the
rounds determine f_1, and f_1~(z past kappa) - G's form value reveals beta T~(alpha, z past
kappa), a functional of T (whir-zk-v2 as first written missed this for f^ of at most 13
variables at the default parameters, found by review; the exact test's folding-2 schedule
catches it). Where G's 2^(m - kappa) values do not exceed the bound, ``mask_shift`` takes
whir-zk-v1's G instead: m variables (Delta = 0 above: G_ext = G, each leaf of G's tree a
whole fiber of 2^kappa K values, read like f^'s). Then h = G + beta f^ is uniform and independent of
f^ for any fixed beta, everything the rounds reveal (round 0's sumcheck, f_1 and the later rounds)
is a function of h, and each value G appears in directly (its OOD answers, its values at f^'s OOD
points, its form values, its fibers at the queried leaves) is psi(G) = psi(h) - beta psi(f^)
for a psi(f^) the view already holds (f^ at G's OOD points, f^'s OOD answers, the v_j, f^'s
fibers): the view is a function of h and of f^'s values that ``leak_bound`` counts, whatever
the forms (a review's change of variables; G's form values can be functionals of Fold(G) for
structured forms, harmlessly). The count (``blind_reveal_bound`` with 2^kappa values a leaf)
below its 2^m values is kept as a margin, not needed; ``table_vars`` raises m only when
neither G hides. The simulator (``prover.pcs.whir_zk.simulate_opening``) therefore runs the
prover on any table with the same form values (with R inside T: a stand-in T with the values
of the forms that never read R, then R drawn on the regions that give the others). The values v_j
themselves are revealed (the caller makes them uniform: the randomized extensions of zk_opening.py).
tests/protocol/test_whir_zk.py checks it by exact linear algebra (whir-zk-v1 committed a G of
m variables, read as whole fibers: 16 times the encoding work and 16 K values per query
for the same guarantee). The caller must have absorbed the commitment before ``verify_forms``
and ends with check_eof.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import ConfigError, ProofFormatError, VerificationError
from ...field.encoding import decode_f_array, encode_k
from ...field.params import TWO_ADICITY, P
from ...field.scalar import ext_field
from ...transcript import HASH_BYTES
from .. import evaluations as ev
from ..merkle import LEAF_PREFIX, climb_rows, verify_multi_rows
from .commitment import (
    MAX_N_VARS,
    Commitment,
    absorb_statement,
    normalize_points,
    normalize_values,
)
from .ligero import recv_multi_proof, recv_rows
from .ligero_zk import SALT_BYTES
from .params import TARGET_SECURITY_BITS
from .whir import (
    BatchLayout,
    WhirVerifier,
    commitment_ood_points,
    committed_answers,
    pad_point,
    whir_params,
    whir_schedule,
)
from .whir_fold import fiber_leaf_bytes, fold_fibers, power_points
from .whir_params import (
    MAX_CLAIMS,
    WhirParams,
    batch_error_terms,
    batch_supported,
    embedding_list_size,
    error_terms,
    padded_vars,
    schedule,
)

SCHEME_TAG = b"whir-zk-v6"
"""v6: in a larger run a joint leaf ends with the root of a Merkle tree over G's values
there, and a query opens the sub-tree leaf it reads (v5 held and sent them all); v5: a joint
commitment may be made for a larger run ("Embedded in a larger run"), whose
variables the statement carries; v4: the hiding region R is f^'s top 2^a entries, inside T's
zero tail where it has room (v3: R was a whole extra variable, f^ twice T); G as v3: v2's
(m - kappa variables, joint advice commitment) or v1's where v2's is too small
(``mask_shift``); the tag is in every opening's statement."""
MASK_ROOT, MASK_OOD, CROSS, BETA = ("whir-zk/mask_root", "whir-zk/mask_ood", "whir-zk/cross",
                                    "whir-zk/beta")
FIBERS, SALTS, MERKLE = "whir-zk/fibers", "whir-zk/salts", "whir-zk/merkle"
SUBTREE = "whir-zk/subtree"
PUBLIC_CROSS, PUBLIC_BETA, PUBLIC_LIFT = ("whir-zk/public_cross", "whir-zk/public_beta",
                                         "whir-zk/public_lift")
PUBLIC_TAG = b"whir-zk-public-v1"
"""The statement of a batched public table (its own "pcs/statement", after the forms')."""
MAX_OPENINGS = 64
"""Openings one commitment may serve (a model's proof budget + 1; 1 for the advice)."""
EMBED_MAX_RAISE = 1
"""How many variables f^ may gain to be embedded in a larger run (``embedded_run``): a raise
of f^ doubles its commitment work per variable while the run saves one WHIR run; past one
the second run is the cheaper (a review measured an advice of 2^10 raised to 2^16 for a
run of 20: a larger proof and slower proving than two runs)."""
BUNDLE_VARS = 2
"""log2 of G's values a leaf of a joint leaf's sub-tree in a larger run (``bundle_split``)
below ``PAIRS_FROM``: 4 K values, 96 bytes at k = 3, one Keccak block; at Delta_f = 3 a query
sends 128 bytes of G (4 values, one sibling hash; v5: 192) for 3 hashes a leaf at commit.
Pairs would send 112 for 7 hashes a leaf: measured on variable_cnn (Delta_f = 3, median of
five warm proofs) 1.17 s against 1.08 s of proving for proofs 0.2 % smaller."""
PAIRS_FROM = 4
"""From this Delta_f on the sub-trees' leaves are pairs (16 k bytes, 48 at k = 3): at
Delta_f = 4 a query sends 144 bytes of G (2 values, 3 sibling hashes; v5: 384) where leaves
of 4 values would send 160 (measured on the 784-512-512 MLP, 2^20 values of G, median of six
proofs: 123.5 kB against 124.4 kB, +14.8 % over the private proof rather than +15.6 %; about
0.1 s more proving), of 8 values 224 (127.0 kB)."""
MAX_FORMS = 16
"""Forms one opening may prove (the hiding opening's: 1 or 2): each reveals G's value there
(``blind_reveal_bound``)."""


@dataclass(frozen=True)
class WhirZkParams:
    """WHIR's parameters and the number of zero-knowledge openings the commitment serves."""

    whir: WhirParams = field(default_factory=WhirParams)
    openings: int = 1

    def __post_init__(self) -> None:
        o = self.openings
        if not isinstance(o, int) or isinstance(o, bool) or not 1 <= o <= MAX_OPENINGS:
            raise ValueError(f"whir-zk openings must be an integer in [1, {MAX_OPENINGS}], "
                             f"got {o!r}")

    @property
    def k(self) -> int:
        return self.whir.k

    def to_bytes(self) -> bytes:
        """WhirParams.to_bytes() ‖ u8 openings."""
        return self.whir.to_bytes() + bytes([self.openings])


def run_size(m: int, run: int | None) -> int:
    """h's variables: ``run`` when f^ (m variables) is embedded in a larger run ("Embedded
    in a larger run"), else m."""
    return m if run is None else max(m, run)


def leak_bound(params: WhirZkParams, m: int, inside: bool = False, run: int | None = None
               ) -> int:
    """F coordinates of R' that the openings of a committed table of m variables (in runs of
    ``run`` variables: their round-0 queries) reveal at most (module docstring): the committed
    OOD answers, then per opening the round-0 fibers,
    f^ at G's OOD points and round 0's 2 kappa sumcheck values (G does not vary with the
    variables they bind), and with the region ``inside`` T (f^ of T's own size) the forms'
    values, at most MAX_FORMS K values, which then read R too; a joint commitment's opening
    may batch a public table (``PublicClaim``): f^ at its claim and OOD points, 1 + s more K
    values."""
    w = params.whir
    t0 = schedule(w, run_size(m, run)).rounds[0].queries
    per_opening = (t0 * (1 << w.folding) + w.ood * w.k + 2 * w.folding * w.k
                   + (public_points(w) * w.k if joint(params) else 0)
                   + (MAX_FORMS * w.k if inside else 0))
    return w.ood * w.k + params.openings * per_opening


def class_bound(params: WhirZkParams, m: int, run: int | None = None) -> int:
    """2^kappa times the revealed values of f^ confined to one residue class of its
    coefficients (module docstring, "Residue classes"): per opening, each round-0 fiber gives
    one value of each class mod 2^kappa, and f^ at v2's G's OOD points (kappa zero
    coordinates: f^~(0^kappa, y, ..) = f_0(y); kappa - Delta in a larger run, a union of
    classes, counted in class 0 all the same) k F values of class 0 per point."""
    w = params.whir
    size = run_size(m, run)
    t0 = schedule(w, size).rounds[0].queries
    in_class_0 = w.ood * w.k if size > m or mask_shift(params, m) != 0 else 0
    return (1 << w.folding) * params.openings * (t0 + in_class_0)


def region_vars(params: WhirZkParams, n_vars: int, m: int, run: int | None = None) -> int:
    """a: the hiding region R of a table of 2^n_vars entries in an f^ of m variables (opened
    in runs of ``run``) is f^'s top 2^a entries, the least a with 2^a > ``leak_bound`` (inside
    T when m = n_vars) and 2^a > ``class_bound`` (each residue class of R' has 2^(a - kappa)
    coordinates)."""
    return max(leak_bound(params, m, m == n_vars, run),
               class_bound(params, m, run)).bit_length()


def public_points(params: WhirZkParams | WhirParams) -> int:
    """Points of h that a batched public table adds: its claim's and its s OOD points."""
    return 1 + _whir(params).ood


def joint(params: WhirZkParams) -> bool:
    """A single-opening commitment (the advice's) commits its one G with f^ (module
    docstring, "Joint commitment"); one of several openings (a model's) commits its own."""
    return params.openings == 1


def _whir(params: WhirZkParams | WhirParams) -> WhirParams:
    return params.whir if isinstance(params, WhirZkParams) else params


def blind_reveal_bound(params: WhirZkParams | WhirParams, m: int, shift: int,
                       delta: int = 0) -> int:
    """K values of one opening that are functionals of its G (module docstring, Zero
    knowledge), for a run h of m variables and G of m - ``shift`` variables: G's OOD answers,
    its form values (at most MAX_FORMS), its values at f^'s OOD points and at round 0's t_0
    leaves (2^(kappa - shift + delta) values each: a leaf of an f^ embedded with ``delta`` =
    Delta_f holds G's values at 2^Delta_f of h's leaves), round 0's 2 kappa sumcheck values;
    then what the
    rounds reveal of f_1 = G + beta Fold(f^) and its folds: each next oracle's OOD answers,
    every later round's sumcheck and fibers, the final polynomial; and G at a batched public
    table's points (``public_points``, counted whether or not one is batched)."""
    w = _whir(params)
    sch = schedule(w, m)
    kappa = w.folding
    total = (2 * w.ood + MAX_FORMS + public_points(w)
             + sch.rounds[0].queries * (1 << (kappa - shift + delta)) + 2 * kappa
             + (1 << sch.final_vars))
    for i, rnd in enumerate(sch.rounds):
        total += rnd.ood + (2 * kappa + rnd.queries * (1 << kappa) if i else 0)
    return total


def mask_shift(params: WhirZkParams | WhirParams, m: int) -> int | None:
    """Delta: the variables of f^ (m in all) that G does not vary with, G_ext(X) =
    G(X^(2^Delta)). kappa (whir-zk-v2: one G value per leaf of f^'s tree) when G's
    2^(m - kappa) values exceed ``blind_reveal_bound``; else 0 (G of m variables, a fiber of
    2^kappa values per leaf: whir-zk-v1's G) when its 2^m values do; else None.

    Only these two: with Delta = kappa, f_1 = G + beta Fold(f^), so G's form values are
    functionals of f_1's blind and the bound must cover every later round (module docstring);
    with Delta = 0, h = G + beta f^ is uniform and each value of G the view holds is h's minus
    beta times a value of f^ it holds too (v1's argument; the bound is a margin there). An
    intermediate Delta would need an argument of its own and is not used."""
    kappa = _whir(params).folding
    for shift in (kappa, 0):
        if (1 << (m - shift)) > blind_reveal_bound(params, m, shift):
            return shift
    return None


def embedded_hides(params: WhirZkParams | WhirParams, m: int, run: int) -> bool:
    """Whether an f^ of m variables may be opened embedded in a run of ``run`` variables
    (module docstring, "Embedded in a larger run"): 0 < Delta_f = run - m <= kappa, and v2's
    G of run - kappa variables exceeds what an opening reveals of it, 2^Delta_f values a
    queried leaf (``blind_reveal_bound``)."""
    kappa = _whir(params).folding
    delta = run - m
    return (0 < delta <= kappa
            and (1 << (run - kappa)) > blind_reveal_bound(params, run, kappa, delta))


def blind_shift(params: WhirZkParams | WhirParams, m: int, run: int | None = None) -> int:
    """``mask_shift`` at an m that ``table_vars`` picked (ValueError if none hides there);
    kappa in a larger run (v2's G, ``embedded_hides``)."""
    if run_size(m, run) > m:
        if not embedded_hides(params, m, run_size(m, run)):
            raise ValueError(f"whir-zk: an f^ of {m} variables cannot be opened in a run of "
                             f"{run}")
        return _whir(params).folding
    shift = mask_shift(params, m)
    if shift is None:
        raise ValueError(f"whir-zk: no blinding table hides an f^ of {m} variables")
    return shift


def blind_tail(params: WhirZkParams | WhirParams, m: int, run: int | None = None) -> int:
    """log2 of G's values in each leaf of a joint tree (f^ of m variables, in runs of ``run``):
    kappa - shift + Delta_f (one value for v2's G, a fiber for v1's, 2^Delta_f in a larger
    run, under the leaf's sub-tree root: ``embedded_lanes``, ``bundle_split``)."""
    return _whir(params).folding - blind_shift(params, m, run) + run_size(m, run) - m


def mask_vars(params: WhirZkParams | WhirParams, m: int, run: int | None = None) -> int:
    """G's variables for an f^ of m variables in a run of ``run`` (m by default): the run's
    variables - ``blind_shift``."""
    return run_size(m, run) - blind_shift(params, m, run)


def table_vars(params: WhirParams | WhirZkParams, n_vars: int, used: int | None = None,
               run: int | None = None) -> int:
    """m: the variables of f^ for a table T of 2^n_vars entries, the first ``used`` of them
    possibly nonzero (all by default): the least m >= WHIR's minimum with T's used entries
    and the hiding region (``region_vars``) in 2^m entries and a blind that hides
    (``mask_shift``; with ``run``, opened embedded in runs of that many variables:
    ``embedded_hides``, m < run). m = n_vars when T's zero tail holds the region, else
    n_vars + 1 (or WHIR's minimum, or what the run's kappa allows). ValueError if no size
    hides, or ``used`` is out of [0, 2^n_vars]."""
    zk = params if isinstance(params, WhirZkParams) else WhirZkParams(params)
    total = 1 << n_vars if used is None else used
    if not isinstance(total, int) or not 0 <= total <= 1 << n_vars:
        raise ValueError(f"whir-zk: used {used!r} is not in [0, 2^{n_vars}]")
    m = padded_vars(zk.whir, n_vars)
    while True:
        a = region_vars(zk, n_vars, m, run)
        hides = mask_shift(zk, m) is not None if run is None else embedded_hides(zk, m, run)
        if a < m and total + (1 << a) <= 1 << m and hides:
            return m
        m += 1
        if run is not None and m >= run:
            raise ValueError(f"whir-zk: no table smaller than the run of {run} variables "
                             "hides these openings")
        if m > MAX_N_VARS + 1:
            raise ValueError("whir-zk: no table size hides the openings under these "
                             "parameters (the final polynomial is as large as the blind)")


def region_start(params: WhirZkParams, n_vars: int, m: int, run: int | None = None) -> int:
    """The first entry of the hiding region in f^'s 2^m entries (the top 2^a)."""
    return (1 << m) - (1 << region_vars(params, n_vars, m, run))


def max_table_vars(params: WhirZkParams) -> int:
    """The largest n whose f^ (at the rate) fits the NTT domain, whatever its use."""
    w = params.whir
    n = 0
    while n + 1 <= MAX_N_VARS:
        try:
            if table_vars(params, n + 1) + w.log_inv_rate > TWO_ADICITY:
                break
        except ValueError:  # WHIR's schedule itself is past the domain
            break
        n += 1
    return n


def security_bits(params: WhirZkParams, n_vars: int | None = None,
                  used: int | None = None, run: int | None = None) -> float:
    """The level of an opening of a table of 2^n_vars entries (``used`` of them: f^'s m,
    ``table_vars``) in runs of ``run`` variables (m by default): the least of WHIR's terms
    for the run and the batch terms of (G, f^) in the run's code (module docstring); without
    n_vars the worst case over every supported size (``max_table_vars``; every m a table can
    get; a larger run is checked where it is chosen, ``checked_vars``). ValueError for a size
    the domain cannot hold."""
    if n_vars is None:
        return min(security_bits(params, n, u) for n in range(max_table_vars(params) + 1)
                   for u in (0, None))
    m = table_vars(params, n_vars, used, run)
    size = run_size(m, run)
    terms = (error_terms(params.whir, size)
             + batch_error_terms(params.whir, (mask_vars(params, m, run), m), size))
    return min(b for _, b, _ in terms)


@dataclass(frozen=True)
class PublicClaim:
    """A public table batched into a joint opening (module docstring, "Public table"): its
    plain WHIR commitment (the model's, public weights) and one claim T_P~(point) = value."""

    commitment: Commitment
    point: tuple
    value: Any


def public_fits(params: WhirZkParams, n_vars: int, public_vars: int,
                used: int | None = None, run: int | None = None) -> bool:
    """Whether a joint opening of a table of 2^n_vars entries (``used`` of them; in runs of
    ``run`` variables) may batch a public table of 2^public_vars: its WHIR variables at most
    the run's (f^'s m by default) and the batch terms of the line (G_ext + beta f^, P) at the
    level (those of (G, f^) are the opening's own). Both sides decide by this alone."""
    try:
        return public_fits_at(params, run_size(table_vars(params, n_vars, used, run), run),
                              public_vars)
    except ValueError:
        return False


def public_fits_at(params: WhirZkParams, size: int, public_vars: int) -> bool:
    """``public_fits`` for a run of ``size`` variables."""
    if not joint(params):
        return False
    try:
        m_p = whir_schedule(params.whir, public_vars).n_vars
        return (m_p <= size and batch_supported(params.whir, (size, public_vars))
                and public_lift_bits(params, size, public_vars) >= params.whir.security)
    except (ValueError, ProofFormatError):
        return False


def embedded_run(params: WhirZkParams, n_vars: int, public_vars: int,
                 used: int | None = None) -> int | None:
    """The run a joint commitment of a table of 2^n_vars entries (``used`` of them) is made
    for when a public table of 2^public_vars is to join its opening ("Embedded in a larger
    run"): P's WHIR variables when they exceed f^'s m and f^ can be embedded there at the
    level (``embedded_hides``, ``security_bits``, ``public_fits``) with f^ at most
    EMBED_MAX_RAISE variables larger than its own; None otherwise (f^'s own size: P joins
    only if it fits under it). Both sides decide by this alone, before the
    commitment (G's size depends on it)."""
    try:
        m_p = whir_schedule(params.whir, public_vars).n_vars
        own = table_vars(params, n_vars, used)
        if (not joint(params) or m_p <= own
                or table_vars(params, n_vars, used, m_p) > own + EMBED_MAX_RAISE):
            return None
        if (security_bits(params, n_vars, used, m_p) >= params.whir.security
                and public_fits(params, n_vars, public_vars, used, m_p)):
            return m_p
    except (ValueError, ProofFormatError):
        pass
    return None


def public_lift_bits(params: WhirZkParams, m: int, public_vars: int) -> float:
    """-log2 of the lift's error (module docstring, "Public table"): P's claim is checked at
    (a, z, r) rather than (0, z, 0), drawn after P's root, z and v; for each of the l_u
    members of P's list (whir_params.embedding_list_size) whose value there differs from its
    Delta-free, zero-padded part's, the difference is a nonzero polynomial of degree
    Delta + pad in (a, r): Schwartz-Zippel, l_u (Delta + pad) / |K|."""
    w = params.whir
    degree = max(1, m - public_vars)  # Delta + pad = m - n_P
    return w.k * math.log2(P) - math.log2(embedding_list_size(w, public_vars) * degree)


@dataclass(frozen=True)
class LinearForm:
    """sum_l coefs[l] T~(points[l]): K coefficients and points of n_vars K coordinates."""

    coefs: tuple
    points: tuple


def normalize_forms(forms: Sequence[LinearForm], n_vars: int, k: int, ood: int = 0
                    ) -> list[tuple[list, list]]:
    """Each form's (coefficients, points) as K tuples; VerificationError if malformed. At most
    MAX_CLAIMS terms, and forms plus the ``ood`` extra claims (G's OOD points) at most
    MAX_CLAIMS (whir_params' initial-combination term)."""
    out = []
    for j, f in enumerate(forms):
        try:
            coefs, points = list(f.coefs), list(f.points)
        except (AttributeError, TypeError):
            raise VerificationError(f"whir-zk: form {j} is not a LinearForm") from None
        if not points or len(coefs) != len(points):
            raise VerificationError(f"whir-zk: form {j} needs one coefficient per point")
        try:
            out.append((normalize_values(coefs, len(points), k),
                        normalize_points(points, n_vars, k)))
        except (TypeError, ValueError) as e:
            raise VerificationError(f"whir-zk: form {j}: {e}") from None
    terms = sum(len(p) for _, p in out)
    if not out or terms > MAX_CLAIMS or len(out) + ood > MAX_CLAIMS or len(out) > MAX_FORMS:
        raise VerificationError(f"whir-zk: 1 to {MAX_FORMS} forms of at most {MAX_CLAIMS} "
                                f"terms in all, got {terms} terms in {len(out)} forms")
    return out


def absorb_forms_statement(transcript: Any, params: WhirZkParams, n_vars: int,
                           forms: Sequence[tuple[list, list]], values: Sequence[tuple],
                           size: int) -> None:
    """Step 0: "pcs/statement" = u8 |tag| ‖ tag ‖ params ‖ u8 n ‖ u8 run ‖ u8 k ‖ u32 J ‖ per
    form u32 terms ‖ coefficients ‖ points ‖, then the J values (run: h's variables, f^'s
    own or a larger run's)."""
    tag = SCHEME_TAG + params.to_bytes()
    out = [bytes([len(tag)]), tag, bytes([n_vars, size, params.k]),
           len(forms).to_bytes(4, "big")]
    for coefs, pts in forms:
        out.append(len(coefs).to_bytes(4, "big"))
        out += [encode_k(c) for c in coefs] + [encode_k(x) for z in pts for x in z]
    out += [encode_k(v) for v in values]
    transcript.absorb_bytes("pcs/statement", b"".join(out))


def embed(pts: np.ndarray, delta: int) -> np.ndarray:
    """Points of f^ (q, m, k) as points of h: ``delta`` = Delta_f zeros first (f^_ext does
    not vary with h's first Delta_f variables: whir.py's batch embedding)."""
    lead = np.zeros((pts.shape[0], delta, pts.shape[2]), dtype=np.uint64)
    return np.concatenate([lead, pts], axis=1)


def ood_layout(kv, m: int, f_y: np.ndarray, g_y: np.ndarray, shift: int, delta: int = 0
               ) -> np.ndarray:
    """h's OOD points (2s, m + delta, k): f^'s power points (behind ``delta`` zeros in a
    larger run), then G's (of m + delta - shift variables) behind ``shift`` zeros
    (G(X^(2^shift)) as a table of h's variables: whir.py's batch embedding)."""
    size = m + delta
    return np.concatenate([embed(power_points(kv, f_y, m), delta),
                           embed(power_points(kv, g_y, size - shift), shift)])


def claim_layout(kv, forms: Sequence[tuple[list, list]], m: int, ood: np.ndarray,
                 delta: int = 0) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """h's points (P, m + delta, k) and terms (coefficients, claim index): the forms' terms
    padded to m coordinates (y = 0; behind ``delta`` zeros in a larger run), then the OOD
    points (``ood_layout``, one claim each)."""
    k = kv.k
    pts = [pad_point(z, m, k) for _, zs in forms for z in zs]
    coefs = [c for cs, _ in forms for c in cs]
    claim = [j for j, (cs, _) in enumerate(forms) for _ in cs]
    all_pts = np.concatenate([embed(np.array(pts, dtype=np.uint64).reshape(-1, m, k), delta),
                              ood])
    all_coefs = np.concatenate([np.array(coefs, dtype=np.uint64).reshape(-1, k),
                                kv.from_base(np.ones(len(ood), dtype=np.uint64))])
    all_claims = np.concatenate([np.array(claim, dtype=np.int64),
                                 len(forms) + np.arange(len(ood), dtype=np.int64)])
    return all_pts, (all_coefs, all_claims)


@dataclass(frozen=True)
class _Public:
    """A batched public table in h: whir.py's layout of (f^, P) (P's shift and leaves), P's
    points in h (claim, then OOD: (1 + s, m, k)) and its values there (claimed, answers)."""

    layout: BatchLayout
    points: np.ndarray
    values: np.ndarray


def place_public(transcript: Any, prm: WhirParams, com: Commitment, point: Sequence[Any],
                 m: int, a: int, size: int | None = None
                 ) -> tuple[BatchLayout, np.ndarray, tuple]:
    """Both sides, after P's statement: whir.py's layout of (h's run, P) in h of ``size``
    variables (f^'s m by default; f^ of m variables, its region R of 2^a entries, at h's top),
    P's points in h (claim at ``point``, then its commitment's OOD power points;
    ``lift_points``) and the factor of its claimed value."""
    k = prm.k
    layout = BatchLayout(prm, (run_size(m, size), com.n_vars))
    pts, _ = layout.points(ev.vec(k), [[], [point]], [
        np.zeros((0, k), dtype=np.uint64), commitment_ood_points(com.root, com.n_vars, prm)])
    factor = lift_points(transcript, pts, layout.shift[1], layout.m_g[1] - com.n_vars, k,
                         m - a)
    return layout, pts, factor


def lift_points(transcript: Any, pts: np.ndarray, shift: int, pad: int, k: int,
                high: int) -> tuple:
    """P's points in h ((1 + s, m, k): the claim's, then the OOD power points) with their
    fixed coordinates drawn ("whir-zk/public_lift", shift + pad K values; module docstring):
    P_ext does not vary with h's first Delta = ``shift`` variables, which take one drawn
    point a, and P's table is zero-padded past its n_P variables, so the claim's last ``pad``
    coordinates take a drawn r, the claimed value then times prod (1 - r_i) (returned). Each
    point must then have its last ``high`` coordinates nonzero (m - a: those that select
    the hiding region R; where one is 0, eq(point, R) is 0 and f^ there is a functional of
    T alone); VerificationError otherwise (probability (1 + s) high/|K| for honest inputs)."""
    ext = ext_field(k)
    factor = ext.one()
    if shift + pad:
        drawn = np.array(transcript.challenges_k(PUBLIC_LIFT, shift + pad, k),
                         dtype=np.uint64).reshape(shift + pad, k)
        pts[:, :shift] = drawn[:shift]
        if pad:
            pts[0, pts.shape[1] - pad:] = drawn[shift:]
            for r in drawn[shift:].tolist():
                factor = ext.sub(factor, ext.mul(factor, tuple(r)))
    if not pts[:, pts.shape[1] - high:].any(axis=2).all():
        raise VerificationError("whir-zk: a public table's point has a region coordinate 0 "
                                "(it would reveal the table)")
    return factor


def public_layout(kv, pts: np.ndarray, layout: tuple[np.ndarray, np.ndarray],
                  public_pts: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """``claim_layout``'s points and terms with a public table's points after (one claim
    each, coefficient 1)."""
    coefs, claim = layout
    q = len(public_pts)
    return (np.concatenate([pts, public_pts]),
            (np.concatenate([coefs, kv.from_base(np.ones(q, dtype=np.uint64))]),
             np.concatenate([claim, claim.max() + 1 + np.arange(q, dtype=np.int64)])))


def _combine(kv, betas: Sequence[np.ndarray], sides: Sequence[np.ndarray]) -> np.ndarray:
    """sides[0] + sum_i betas[i] sides[i + 1] (rows of K values): h's value at each point."""
    out = sides[0]
    for b, side in zip(betas, sides[1:]):
        out = kv.add(out, kv.mul(np.broadcast_to(b, side.shape).copy(), side))
    return out


def embedded_lanes(prm: WhirParams, size: int, m: int, shift: int) -> Any:
    """Round 0's map for a run h of ``size`` variables, f^ of m and G of size - shift:
    queries ``idx`` (h's leaves, sorted distinct) -> the distinct leaves of f^'s tree they read
    (j mod N_f, sorted), each query's slot in them, and (q, 2^kappa) positions of h's fiber
    values in those leaves: f^'s (f^_ext(x) = f^(x^(2^Delta_f)): whir.py's
    ``BatchLayout.leaf_map`` of f^ in the run) and G's among the leaf's ``blind_tail`` G
    values (G_ext(x) = G(x^(2^shift)): codeword index (j + l N_h) mod N_G, held by leaf index
    mod N_f at index div N_f; in a larger run under the leaf's sub-tree root, and shift =
    kappa, so N_G = N_h and every lane of query j reads the same value, j div N_f). With f^ of
    the run's size and G v2's this is the identity on leaves and G's one value per leaf."""
    r, kappa = prm.log_inv_rate, prm.folding
    layout = BatchLayout(prm, (size, m))
    n_h, n_f, n_g = (1 << (size + r - kappa), 1 << (m + r - kappa), 1 << (size + r - shift))
    lane = np.arange(1 << kappa, dtype=np.int64)

    def lanes(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        leaves, slot, f_pos = layout.leaf_map(1, idx)
        points = idx[:, None] + lane[None, :] * n_h  # h's codeword indices of the fibers
        return leaves, slot, f_pos, (points % n_g) // n_f

    return lanes


def salted_leaf_bytes(salts: np.ndarray, fibers: np.ndarray) -> np.ndarray:
    """Leaf bytes salt ‖ fiber (whir_fold.fiber_leaf_bytes) -> (q, 32 + 8 2^kappa [k])."""
    return fiber_leaf_bytes(fibers, salts)


def joint_leaf_bytes(salts: np.ndarray, fibers: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A joint tree's leaves: salt ‖ f^'s fiber ‖ G's fiber (its values at the leaf: one, or
    2^kappa when ``mask_shift`` is 0; in a larger run the root of their sub-tree as
    ``root_words``; big-endian u64s) -> (q, bytes)."""
    return fiber_leaf_bytes(fibers, salts, values.reshape(len(values), -1))


def bundle_split(delta: int) -> tuple[int, int]:
    """(log2 of G's values a leaf of a sub-tree, the sub-tree's depth) for the 2^delta values
    of a joint leaf in a run larger by delta (module docstring, "Embedded in a larger run"):
    ``BUNDLE_VARS`` (all of them when fewer; pairs from ``PAIRS_FROM`` on), the rest
    levels."""
    lo = 1 if delta >= PAIRS_FROM else min(BUNDLE_VARS, delta)
    return lo, delta - lo


def bundle_positions(leaves: np.ndarray, values: np.ndarray, delta: int) -> np.ndarray:
    """The sub-trees' leaves that queries read: one per query at f^'s leaf ``leaves`` and G's
    value ``values`` there (its index among the leaf's 2^delta), as positions in the forest
    of every leaf's sub-tree, leaf-major (leaf * 2^depth + value div 2^lo: ``bundle_split``),
    sorted distinct."""
    lo, depth = bundle_split(delta)
    pos = np.sort((leaves.astype(np.int64) << depth) | (values.astype(np.int64) >> lo))
    if pos.size == 0:
        return pos
    # not np.unique: its first call imports numpy.ma, ~10 ms of a fresh verifier process
    return pos[np.concatenate(([True], pos[1:] != pos[:-1]))]


def bundle_hashes(bundles: np.ndarray) -> np.ndarray:
    """The sub-trees' leaf hashes keccak256(0x00 ‖ G's values, big-endian u64s): (q, 2^lo, k)
    uint64 -> (q, 32) uint8."""
    return ev.hash_rows(fiber_leaf_bytes(bundles), LEAF_PREFIX[0])


def root_words(hashes: np.ndarray) -> np.ndarray:
    """(q, 32) uint8 hashes as the (q, 4) uint64 words that ``fiber_leaf_bytes`` writes back
    big-endian (a sub-tree's root in its joint leaf)."""
    return np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)


def joint_answers(commitment: Commitment, params: WhirParams) -> np.ndarray:
    """A joint commitment's answers: f^'s at its OOD points, then G's at G's, (2s, k);
    ProofFormatError unless canonical and of that length."""
    try:
        return decode_f_array(commitment.extra, 2 * params.ood * params.k).reshape(-1, params.k)
    except ProofFormatError as e:
        raise ProofFormatError(f"whir-zk commitment: {e}") from None


def checked_vars(params: WhirZkParams, n_vars: int, used: int | None = None,
                 run: int | None = None) -> int:
    """f^'s m for a table of 2^n_vars entries (``used`` of them, ``table_vars``; in runs of
    ``run`` variables); ProofFormatError when the size is out of the domain, the run does not
    hide it or either misses the level (a key's parameters are checked at every size and the
    caller's run chosen at the level, so only a malformed proof or key gets here)."""
    if run is not None and (not isinstance(run, int) or not joint(params)):
        raise ProofFormatError(f"whir-zk: a run of {run!r} variables for a commitment of "
                               f"{params.openings} openings")
    try:
        m = table_vars(params, n_vars, used, run)
        bits = security_bits(params, n_vars, used, run)
        whir_schedule(params.whir, run_size(m, run))
    except ValueError as e:
        raise ProofFormatError(f"whir-zk: {e}") from None
    if bits < params.whir.security:
        raise ProofFormatError(f"whir-zk: a table of 2^{n_vars} entries misses the level of "
                               f"{params.whir.security} bits")
    return m


class WhirZkVerifier(WhirVerifier):
    """Checks zero-knowledge openings of a whir-zk ``Commitment``."""

    def __init__(self, params: WhirZkParams | None = None) -> None:
        self.zk = params or WhirZkParams()
        super().__init__(self.zk.whir)

    def verify_batch(self, *args: Any, **kwargs: Any) -> None:
        """Not offered: a plain batched opening of whir-zk commitments would not hide them."""
        raise VerificationError("whir-zk commitments are opened by verify_forms only")

    def verify(self, commitment: Commitment, points: Sequence[Sequence[Any]],
               values: Sequence[Any], transcript: Any, used: int | None = None,
               run: int | None = None) -> None:
        """Point claims T~(z_j) = v_j: one form of one term each (``used``, ``run``: as
        ``verify_forms``)."""
        k = self.k
        forms = [LinearForm(((1,) + (0,) * (k - 1),), (tuple(z),)) for z in points]
        self.verify_forms(commitment, forms, values, transcript, used=used, run=run)

    def verify_forms(self, commitment: Commitment, forms: Sequence[LinearForm],
                     values: Sequence[Any], transcript: Any, block: int | None = None,
                     public: PublicClaim | None = None, used: int | None = None,
                     run: int | None = None) -> None:
        """Check every form's value (module docstring, steps 0-4) and, batched, ``public``'s
        claim ("Public table"); VerificationError, or ProofFormatError on malformed bytes.
        ``used``: the entries of T that may be nonzero (the caller's public fact; all by
        default), which fixes f^'s size (``table_vars``); ``run``: the variables of h when
        the commitment was made for a larger run (the caller's public fact, ``embedded_run``;
        f^'s own by default). ``block`` is ligero-zk's and unused here (each opening draws its
        own G; the budget is the caller's count)."""
        prm, k = self.params, self.k
        kv = ev.vec(k)
        n = commitment.n_vars
        extra = 0 if public is None else public_points(prm)
        terms = normalize_forms(forms, n, k, prm.ood + extra)
        vals = normalize_values(values, len(terms), k)
        m = checked_vars(self.zk, n, used, run)
        size = run_size(m, run)
        absorb_forms_statement(transcript, self.zk, n, terms, vals, size)
        if public is not None:
            pub = self._public_statement(transcript, public, n, m, size)
        sch = whir_schedule(prm, size)
        s, shift, delta = prm.ood, blind_shift(prm, m, run), size - m
        mg = size - shift
        f_root, f_y = commitment.root, commitment_ood_points(commitment.root, m, prm)
        if joint(self.zk):  # G's root is f^'s, its answers follow f^'s in the commitment
            g_root = f_root
            f_v, g_v = np.split(joint_answers(commitment, prm), 2)
            g_y = commitment_ood_points(g_root, mg, prm)
        else:
            f_v = committed_answers(commitment, prm)
            g_root = transcript.recv_bytes(MASK_ROOT, HASH_BYTES)
            g_y = commitment_ood_points(g_root, mg, prm)
            g_v = transcript.recv_k_array(MASK_OOD, s, k)
        cross = transcript.recv_k_array(CROSS, len(terms) + 2 * s, k)
        if public is not None:
            p_cross = transcript.recv_k_array(PUBLIC_CROSS, len(terms) + 4 * s + 2, k)
        beta = np.array(transcript.challenge_k(BETA, k), dtype=np.uint64)
        betas = [beta]
        if public is not None:
            betas.append(np.array(transcript.challenge_k(PUBLIC_BETA, k), dtype=np.uint64))
        g_forms, g_at_f, f_at_g = np.split(cross, [len(terms), len(terms) + s])
        all_pts, layout = claim_layout(kv, terms, m, ood_layout(kv, m, f_y, g_y, shift, delta),
                                       delta)
        f_side = np.concatenate([np.array(vals, dtype=np.uint64).reshape(-1, k), f_v, f_at_g])
        g_side = np.concatenate([g_forms, g_at_f, g_v])
        sides = [g_side, f_side]
        if public is not None:  # P's points after, P's values at every point third
            p_side, g_at_p, f_at_p = np.split(p_cross, [len(terms) + 2 * s,
                                                        len(terms) + 3 * s + 1])
            all_pts, layout = public_layout(kv, all_pts, layout, pub.points)
            sides = [np.concatenate([g_side, g_at_p]), np.concatenate([f_side, f_at_p]),
                     np.concatenate([p_side, pub.values])]
        all_vals = _combine(kv, betas, sides)
        depth = m + prm.log_inv_rate - prm.folding  # both trees: G's fibers, f^'s fibers
        g_fold = blind_tail(prm, m, run)  # G's values in f^'s leaf: 2^g_fold
        lanes = embedded_lanes(prm, size, m, shift)

        def open0(idx: np.ndarray, log_domain: int, rs: list[tuple[int, ...]]) -> np.ndarray:
            leaves, slot, f_pos, g_pos = lanes(idx)
            if joint(self.zk) and delta:  # shift = kappa: a query's lanes read one G value
                f_raw, g_fib = self._read_embedded(transcript, f_root, leaves, depth, delta,
                                                   leaves[slot], g_pos[:, 0])
            elif joint(self.zk):
                f_raw, g_fib = self._read_joint(transcript, f_root, leaves, depth, g_fold)
            else:
                g_fib = self._read_salted(transcript, g_root, leaves, depth, True, g_fold)
                f_raw = self._read_salted(transcript, f_root, leaves, depth, False)
            # h's fiber value l at leaf j: G's value g_pos, f^'s f_pos in f^'s leaf j mod N_f
            # (module docstring, step 1 and "Embedded in a larger run")
            f_fib = kv.from_base(f_raw[slot[:, None], f_pos])
            fibers = kv.add(g_fib[slot[:, None], g_pos],
                            kv.mul(f_fib, np.broadcast_to(beta, f_fib.shape).copy()))
            if public is not None:  # beta' P_ext's values on h's fibers (whir.py's leaf map)
                fibers = kv.add(fibers, self._embedded_fibers(
                    kv, transcript, pub.layout, 1, public.commitment.root, idx, betas[1]))
            return fold_fibers(kv, fibers, idx, log_domain, rs)

        self._rounds(kv, transcript, sch, all_pts, all_vals, open0, layout)

    def _public_statement(self, transcript: Any, public: PublicClaim, n: int, m: int,
                          size: int) -> _Public:
        """Absorb the public table's statement ("pcs/statement": PUBLIC_TAG ‖ params ‖ its
        root, then its n, point and value); its points in h of ``size`` variables (claim, OOD)
        and values (the claimed one, then its committed answers). VerificationError unless it
        fits."""
        prm, k = self.params, self.k
        com = getattr(public, "commitment", None)
        if not isinstance(com, Commitment) or not public_fits_at(self.zk, size, com.n_vars):
            raise VerificationError("whir-zk: the public table cannot be batched into this "
                                    "opening")
        try:
            (point,) = normalize_points([public.point], com.n_vars, k)
            (value,) = normalize_values([public.value], 1, k)
        except (TypeError, ValueError) as e:
            raise VerificationError(f"whir-zk: the public claim: {e}") from None
        absorb_statement(transcript, PUBLIC_TAG + prm.to_bytes() + com.root, com.n_vars, k,
                         [point], [value])
        layout, pts, factor = place_public(transcript, prm, com, point, m,
                                           region_vars(self.zk, n, m, size), size)
        claimed = ext_field(k).mul(tuple(int(c) for c in value), factor)
        values = np.concatenate([np.array(claimed, dtype=np.uint64).reshape(1, k),
                                 committed_answers(com, prm)])
        return _Public(layout, pts, values)

    def _read_joint(self, transcript: Any, root: bytes, idx: np.ndarray, depth: int,
                    g_fold: int) -> tuple[np.ndarray, np.ndarray]:
        """Round 0's leaves at ``idx`` of a joint tree: f^'s fibers (F), G's fibers of
        2^g_fold values (K, (q, 2^g_fold, k)), salts and one Merkle multi-opening, checked
        against ``root``."""
        k, width = self.k, 1 << self.params.folding
        fibers = transcript.recv_f_array(FIBERS, idx.size * width).reshape(-1, width)
        g_val = transcript.recv_k_array(FIBERS, idx.size << g_fold, k).reshape(
            -1, 1 << g_fold, k)
        salts = recv_rows(transcript, SALTS, idx.size, SALT_BYTES)
        nodes = recv_multi_proof(transcript, MERKLE, depth, idx)
        leaf_hashes = ev.hash_rows(joint_leaf_bytes(salts, fibers, g_val), LEAF_PREFIX[0])
        verify_multi_rows(root, depth, idx, leaf_hashes, nodes)
        return fibers, g_val

    def _read_embedded(self, transcript: Any, root: bytes, idx: np.ndarray, depth: int,
                       delta: int, q_leaves: np.ndarray, q_values: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Round 0's leaves at ``idx`` of a joint tree embedded with ``delta`` (module
        docstring, "Embedded in a larger run"): f^'s fibers (F), the leaves of G's sub-trees
        that the queries read (the query at f^'s leaf ``q_leaves`` reads value ``q_values``
        there; K), the salts, the sub-trees' multi-opening up to their roots
        ("whir-zk/subtree", none when a sub-tree is one leaf) and f^'s tree's, checked
        against ``root``. G's values as (q, 2^delta, k), zero where no query reads them."""
        k, width = self.k, 1 << self.params.folding
        lo, sub_depth = bundle_split(delta)
        fibers = transcript.recv_f_array(FIBERS, idx.size * width).reshape(-1, width)
        pos = bundle_positions(q_leaves, q_values, delta)
        bundles = transcript.recv_k_array(FIBERS, pos.size << lo, k).reshape(-1, 1 << lo, k)
        salts = recv_rows(transcript, SALTS, idx.size, SALT_BYTES)
        sub_nodes = (recv_multi_proof(transcript, SUBTREE, sub_depth, pos)
                     if sub_depth else np.zeros((0, HASH_BYTES), dtype=np.uint8))
        nodes = recv_multi_proof(transcript, MERKLE, depth, idx)
        tops, roots, used = climb_rows(sub_depth, pos, bundle_hashes(bundles), sub_nodes)
        # defensive: both hold by construction (the node count is climb_rows', and every
        # leaf in idx has a query)
        if used != len(sub_nodes) or not np.array_equal(tops, idx):
            raise VerificationError("whir-zk: the sub-trees' opening does not match the queries")
        leaf_hashes = ev.hash_rows(joint_leaf_bytes(salts, fibers, root_words(roots)),
                                   LEAF_PREFIX[0])
        verify_multi_rows(root, depth, idx, leaf_hashes, nodes)
        g_val = np.zeros((idx.size, 1 << delta, k), dtype=np.uint64)
        row = np.searchsorted(idx, pos >> sub_depth)
        first = (pos & ((1 << sub_depth) - 1)) << lo
        g_val[row[:, None], first[:, None] + np.arange(1 << lo)] = bundles
        return fibers, g_val

    def _read_salted(self, transcript: Any, root: bytes, idx: np.ndarray, depth: int,
                     ext: bool, folding: int | None = None) -> np.ndarray:
        """Round 0's leaves at ``idx`` of a salted tree: fibers of 2^folding values (kappa's
        by default; K values if ``ext``), salts and one Merkle multi-opening, checked against
        ``root``."""
        k = self.k
        width = 1 << (self.params.folding if folding is None else folding)
        if ext:
            fibers = transcript.recv_k_array(FIBERS, idx.size * width, k).reshape(-1, width, k)
        else:
            fibers = transcript.recv_f_array(FIBERS, idx.size * width).reshape(-1, width)
        salts = recv_rows(transcript, SALTS, idx.size, SALT_BYTES)
        nodes = recv_multi_proof(transcript, MERKLE, depth, idx)
        leaf_hashes = ev.hash_rows(salted_leaf_bytes(salts, fibers), LEAF_PREFIX[0])
        verify_multi_rows(root, depth, idx, leaf_hashes, nodes)
        return fibers


# ---- the registry entry (verifier/pcs/registry.py) -------------------------------------------

_WHIR_FIELDS = ("log_inv_rate", "folding", "final_vars", "ood", "pow_bits", "security",
                "rate_cap")


def whir_zk_params(config: dict) -> WhirZkParams:
    """The parameters of a whir-zk configuration (WHIR's fields, "k" and "openings")."""
    return WhirZkParams(whir_params(config), config["openings"])


def whir_zk_config(params: WhirZkParams) -> dict:
    """The registry configuration of ``params`` (the inverse of :func:`whir_zk_params`)."""
    w = params.whir
    return {"k": w.k, "pcs": "whir-zk", **{f: getattr(w, f) for f in _WHIR_FIELDS},
            "openings": params.openings}


class WhirZkScheme:
    """whir-zk in the registry: WHIR's fields and "openings"; the level is recomputed for
    the worst size (the largest m the budget can force is covered by WHIR's own check)."""

    name = "whir-zk"
    defaults = MappingProxyType({**{f: getattr(WhirParams(), f) for f in _WHIR_FIELDS},
                                 "openings": 1})
    ignored: frozenset[str] = frozenset()

    def check(self, config: dict) -> None:
        """The WHIR fields as WhirScheme checks them (at least TARGET_SECURITY_BITS), then the
        declared level at every supported size with the mask's extra variables and the batch
        terms of (G, f^)."""
        for f in (*_WHIR_FIELDS, "openings"):
            v = config[f]
            if not isinstance(v, int) or isinstance(v, bool):
                raise ConfigError(f"whir-zk parameter {f} must be an integer, got {v!r}")
        try:
            params = whir_zk_params(config)
            if params.whir.security < TARGET_SECURITY_BITS:
                raise ValueError(f"whir-zk security {params.whir.security} bits is below the "
                                 f"required {TARGET_SECURITY_BITS}")
            bits = security_bits(params)
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{e}") from None
        if bits < params.whir.security:
            raise ConfigError(f"whir-zk parameters give {bits:.1f} bits of security at some "
                              f"size, below the declared {params.whir.security}")

    def commitment_extra(self, config: dict) -> int:
        """f^'s answers at the commitment's OOD points (ood K elements of 8k bytes), then, for
        a joint commitment (one opening), G's at its own."""
        one = 8 * int(config["ood"]) * int(config["k"])
        return 2 * one if int(config["openings"]) == 1 else one

    def verifier(self, config: dict) -> WhirZkVerifier:
        return WhirZkVerifier(whir_zk_params(config))


SCHEME = WhirZkScheme()
