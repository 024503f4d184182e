"""The masked sumcheck with its mask committed and opened by ligero-zk
(verifier/zk_mask_binding.py, prover/zk_mask_binding.py).

Completeness over n, degrees, k = 2 and 3, with one and two openings; the composed soundness
bound recomputed; a named tamper suite over every message of the combined proof (the mask
commitment, the sumcheck, the opening), a wrong gamma, a mask committed other than the one
used, an opening made before rho and a commitment sent after it.

Zero knowledge by exact linear algebra over F_p, as in test_zk_sumcheck.py and
test_ligero_zk.py: with the witness, the randomizers and every challenge fixed (a transcript
double), the combined view (sumcheck messages + the opening's field elements) is affine in the
prover's fresh randomness (mask coefficients, PCS pads and mask rows), computed from unit
vectors. The verifier's checks (final sumcheck equation; the opening's value checks at
gamma_i / D and column checks; Merkle aside) cut out an affine space A of views; the body
asserts rank = dim A and that every view lies in A: the view is uniform on A, a set fixed by
public data and the finals. The same for two witnesses and for the composed simulator.
Mutations (a mask reused by two sumchecks; a commitment opened past its budget) fail the body.
"""

from __future__ import annotations

import time
import zlib

import numpy as np
import pytest

from protocol.test_ligero_zk import affine_map, in_span, rank_mod_p
from protocol.test_zk_sumcheck import FixedChallenges as SumcheckChallenges
from protocol.test_zk_sumcheck import layout_of, make_instance, second_witness, true_finals
from protocol.zk_stream import Stream
from tensorproof.errors import ProofFormatError, ProverError, VerificationError
from tensorproof.field import npfield
from tensorproof.field.encoding import F_BYTES, encode_f, k_bytes
from tensorproof.field.params import P
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import as_ext, eq_eval, evaluate
from tensorproof.poly.univariate import interpolate_eval
from tensorproof.prover.pcs.ligero_zk import LigeroZkPCS
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.prover.zk_mask_binding import LigeroZkMaskCommitter, SimulatedMaskCommitter
from tensorproof.prover.zk_sumcheck import (
    HashMaskCommitter,
    Mask,
    Randomizer,
    prove_zk_sumcheck,
    sample_mask,
    sample_randomizer,
    simulate_zk_sumcheck,
)
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier import evaluations as ev
from tensorproof.verifier.pcs import ligero_zk as vzk
from tensorproof.verifier.pcs.commitment import normalize_points
from tensorproof.verifier.pcs.ligero_zk import LigeroZkParams, security_bits, zk_layout
from tensorproof.verifier.pcs.params import TARGET_SECURITY_BITS
from tensorproof.verifier.sumcheck import challenge_label, check_subclaim, evaluate_terms
from tensorproof.verifier.zk_mask_binding import (
    LigeroZkMaskBinding,
    mask_openings,
    mask_pcs_params,
    soundness_bits,
)
from tensorproof.verifier.zk_sumcheck import (
    MaskLayout,
    mask_challenge_label,
    mask_claims,
    vanishing,
    verify_zk_sumcheck,
)
from tensorproof.verifier.zk_sumcheck import soundness_bits as sumcheck_bits

DOMAIN = b"tensorproof/test/zk-mask-binding"
LABEL = "zk"
REJECTED = (VerificationError, ProofFormatError)


class Recording(ProverTranscript):
    """Records (label, offset, length) of every message."""

    def __init__(self) -> None:
        super().__init__(DOMAIN)
        self.spans: list[tuple[str, int, int]] = []
        self._at = 0

    def send_bytes(self, label, data):
        self.spans.append((label, self._at, len(data)))
        self._at += len(data)
        super().send_bytes(label, data)


# ---- prover world / verifier world ------------------------------------------------------------


def prove(k, tables, terms, degree, z, Rs, committer=None, mask=None, t=None):
    """Prover world: (proof bytes, prover output, layout, spans)."""
    n = len(tables[0]).bit_length() - 1
    layout = layout_of(k, n, degree, terms, Rs)
    pt = t or Recording()
    out = prove_zk_sumcheck(pt, vec_field(k), tables, terms, degree, LABEL,
                            mask or sample_mask(layout), committer or LigeroZkMaskCommitter(),
                            eq_point=z, randomizers=Rs)
    return pt.proof_bytes(), out, layout, getattr(pt, "spans", None)


def verify(k, proof, claim, terms, layout, z, finals, tables, Rs):
    """Verifier world: the masked sumcheck with the real binding (mask claims opened inside),
    then the caller's subclaim check and the test's discharge of the finals."""
    ext = ext_field(k)
    vt = VerifierTranscript(DOMAIN, proof)
    binding = LigeroZkMaskBinding()
    sub = verify_zk_sumcheck(vt, ext, claim, layout, LABEL, binding)
    vt.check_eof()
    if binding.discharged != [LABEL]:
        raise VerificationError("mask claims not discharged")
    check_subclaim(ext, sub.subclaim, terms, finals, LABEL, z)
    if [tuple(f) for f in finals] != true_finals(ext, vec_field(k), tables, sub.point, Rs):
        raise VerificationError("finals are not the tables' (randomized) values")
    return sub


# ---- completeness and the soundness level --------------------------------------------------


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n, degree, randomize, eq", [
    (1, 1, False, False), (3, 2, True, False), (5, 3, True, True), (8, 4, False, False),
    (17, 2, False, False),  # 17 claims: two openings of one commitment
])
def test_honest_proof_verifies(k, n, degree, randomize, eq):
    seed = zlib.crc32(f"{k}{n}{degree}".encode())
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, eq, seed)
    proof, out, layout, spans = prove(k, tables, terms, degree, z, Rs)
    sub = verify(k, proof, claim, terms, layout, z, out.finals, tables, Rs)
    assert sub.point == out.point
    labels = [lab for lab, _, _ in spans]
    assert labels[0] == f"{LABEL}/mask commitment" and spans[0][2] == 34
    assert labels.count("ligero-zk/block") == mask_openings(layout) == (2 if n > 16 else 1)
    first_opening = labels.index("ligero-zk/block")
    assert labels[first_opening - 1] == f"{LABEL}/mask values"  # opened right after gamma


def test_composed_soundness_meets_the_target_and_is_the_sum_of_the_two_bounds():
    """eps = (1 + sum max(d_i, 2^b - 1)) / |K| + B eps_ZK, written out here independently."""
    for k in (2, 3):
        for n, d in [(1, 1), (4, 3), (10, 2), (16, 8), (20, 2), (40, 5)]:
            layout = MaskLayout(n, (d,) * n, k)
            top = (1 << d.bit_length()) - 1
            eps_sc = (1 + n * max(d, top)) / float(P) ** k
            B = -(-n // 16)
            prm = mask_pcs_params(layout)
            assert prm.points * B >= n and prm.openings == B and prm.points <= 16
            lay = zk_layout(layout.table_vars, prm)
            e = (lay.n_cols - lay.msg_len) // 2  # BCIKS20 unique decoding
            eps_pcs = ((lay.n_cols + 1) / float(P) ** k
                       + (1 - e / lay.n_cols) ** lay.n_queries)
            want = -np.log2(eps_sc + B * eps_pcs)
            assert soundness_bits(layout) == pytest.approx(want, abs=1e-9)
            assert soundness_bits(layout) >= TARGET_SECURITY_BITS
            assert soundness_bits(layout) <= min(sumcheck_bits(layout),
                                                security_bits(prm, layout.table_vars))


# ---- soundness: a named tamper suite --------------------------------------------------------


@pytest.fixture(scope="module", params=[2, 3])
def honest(request):
    k = request.param
    tables, terms, z, Rs, claim = make_instance(k, 4, 3, True, True, 99)
    proof, out, layout, spans = prove(k, tables, terms, 3, z, Rs)
    return k, tables, terms, z, Rs, claim, proof, out, layout, spans


def test_honest_fixture_verifies(honest):
    k, tables, terms, z, Rs, claim, proof, out, layout, _ = honest
    verify(k, proof, claim, terms, layout, z, out.finals, tables, Rs)


def flip(proof: bytes, at: int, mask: int = 1) -> bytes:
    return proof[:at] + bytes([proof[at] ^ mask]) + proof[at + 1:]


def test_every_message_of_the_combined_proof_tampered_is_rejected(honest):
    """Every message (commitment, G, each round, gamma, each opening message): its first,
    middle and last byte, low and high bit."""
    k, tables, terms, z, Rs, claim, proof, out, layout, spans = honest
    assert len({lab for lab, _, _ in spans}) == len(spans) >= 3 + layout.n_vars + 6
    accepted = []
    for lab, at, n in spans:
        for pos in sorted({at, at + n // 2, at + n - 1}):
            for mask in (0x01, 0x80):
                try:
                    verify(k, flip(proof, pos, mask), claim, terms, layout, z, out.finals,
                           tables, Rs)
                except REJECTED:
                    continue
                accepted.append((lab, pos, mask))
    assert not accepted


def gamma_offset(k, spans, i):
    (at,) = [at for lab, at, _ in spans if lab == f"{LABEL}/mask values"]
    return at + i * k_bytes(k)


def test_gamma_shifted_between_variables_is_caught_by_the_opening(honest):
    """gamma_0 + 1, gamma_1 - 1 keeps sum gamma: the sumcheck's own checks pass, the mask
    opening rejects."""
    k, tables, terms, z, Rs, claim, proof, out, layout, spans = honest
    a, b = gamma_offset(k, spans, 0), gamma_offset(k, spans, 1)
    x0, x1 = (int.from_bytes(proof[o:o + F_BYTES], "big") for o in (a, b))
    bad = bytearray(proof)
    bad[a:a + F_BYTES], bad[b:b + F_BYTES] = encode_f((x0 + 1) % P), encode_f((x1 - 1) % P)
    with pytest.raises(VerificationError, match="ligero-zk"):
        verify(k, bytes(bad), claim, terms, layout, z, out.finals, tables, Rs)


def test_wrong_claim_is_rejected(honest):
    k, tables, terms, z, Rs, claim, proof, out, layout, _ = honest
    ext = ext_field(k)
    with pytest.raises(VerificationError):
        verify(k, proof, ext.add(claim, ext.one()), terms, layout, z, out.finals, tables, Rs)


class SwappedMask(LigeroZkMaskCommitter):
    """Commits another mask than the sumcheck uses, and opens it wherever asked."""

    def commit(self, transcript, label, mask):
        super().commit(transcript, label, sample_mask(mask.layout))

    def open(self, label, claims):
        transcript, pcs, data = self._pending.pop(label)
        pcs.open(data, [c.point for c in claims], transcript)


class EarlyOpening(LigeroZkMaskCommitter):
    """Opens the mask right after committing it, before G and rho (at points of its choice,
    here the true mask values at fixed points), and nothing after gamma."""

    def commit(self, transcript, label, mask):
        super().commit(transcript, label, mask)
        _, pcs, data = self._pending[label]
        ext = ext_field(mask.layout.k)
        fake_r = [ext.from_base(i + 2) for i in range(mask.layout.n_vars)]
        gammas = [mask.g(ext, i, r) for i, r in enumerate(fake_r)]
        claims = mask_claims(ext, mask.layout, fake_r, gammas)
        pcs.open(data, [c.point for c in claims], transcript)

    def open(self, label, claims):
        self._pending.pop(label)


class LateCommitment(LigeroZkMaskCommitter):
    """Binds nothing before rho: sends the commitment only with the opening, after gamma."""

    def commit(self, transcript, label, mask):
        self._late = (transcript, label, mask)

    def open(self, label, claims):
        super().commit(*self._late)
        super().open(label, claims)


@pytest.mark.parametrize("cheat", [SwappedMask, EarlyOpening, LateCommitment])
def test_mask_not_bound_and_opened_as_specified_is_rejected(cheat):
    k = 2
    tables, terms, z, Rs, claim = make_instance(k, 4, 2, True, False, 5)
    proof, out, layout, _ = prove(k, tables, terms, 2, z, Rs, committer=cheat())
    with pytest.raises(REJECTED):
        verify(k, proof, claim, terms, layout, z, out.finals, tables, Rs)


def test_truncated_extended_and_random_proofs_are_typed_errors(honest):
    k, tables, terms, z, Rs, claim, proof, out, layout, spans = honest
    cuts = {0, 1, 33, 34, len(proof) - 1} | {at for _, at, _ in spans}
    for bad in [proof[:c] for c in sorted(cuts)] + [proof + b"\0"]:
        with pytest.raises(REJECTED):
            verify(k, bad, claim, terms, layout, z, out.finals, tables, Rs)
    rng = np.random.default_rng(3)
    for size in (0, 34, 200, len(proof)):
        with pytest.raises(REJECTED):
            verify(k, rng.bytes(size), claim, terms, layout, z, out.finals, tables, Rs)


def test_binding_refuses_claims_without_a_commitment_and_a_second_binding():
    layout = MaskLayout(2, (2, 2), 2)
    with pytest.raises(VerificationError, match="before a commitment"):
        LigeroZkMaskBinding().defer(LABEL, layout, [])
    k = 2
    tables, terms, z, Rs, claim = make_instance(k, 2, 2, False, False, 8)
    proof, out, layout, _ = prove(k, tables, terms, 2, z, Rs)
    binding = LigeroZkMaskBinding()
    vt = VerifierTranscript(DOMAIN, proof)
    verify_zk_sumcheck(vt, ext_field(k), claim, layout, LABEL, binding)
    with pytest.raises(VerificationError, match="bound twice"):
        binding.bind(vt, LABEL, layout)


def test_commitment_of_the_wrong_size_is_a_format_error(honest):
    k, tables, terms, z, Rs, claim, proof, out, layout, _ = honest
    bad = proof[:1] + bytes([proof[1] + 1]) + proof[2:]  # n_vars + 1
    with pytest.raises(ProofFormatError, match="variables"):
        verify(k, bad, claim, terms, layout, z, out.finals, tables, Rs)


def test_prover_refuses_a_false_mask_claim_and_a_second_commitment():
    layout = MaskLayout(2, (1, 1), 2)
    ext = ext_field(2)
    c = LigeroZkMaskCommitter()
    t = ProverTranscript(DOMAIN)
    mask = sample_mask(layout)
    c.commit(t, LABEL, mask)
    r = [ext.from_base(3), ext.from_base(5)]
    wrong = [ext.add(mask.g(ext, i, x), ext.one()) for i, x in enumerate(r)]
    with pytest.raises(ProverError, match="not the committed"):
        c.open(LABEL, mask_claims(ext, layout, r, wrong))
    with pytest.raises(ProverError, match="twice"):
        c.commit(t, LABEL, sample_mask(layout))


# ---- zero knowledge: the combined view by exact linear algebra ----------------------------------

BITS = 4  # few queries (t = 9): the algebra is the same at every t


class Fixed(SumcheckChallenges):
    """Transcript double: records every field message (sumcheck and opening); the sumcheck's
    challenges are Keccak of the label, the PCS's fixed per call, query sets given."""

    def __init__(self, queries) -> None:
        super().__init__()
        self.queries, self.calls = list(queries), 0

    def absorb_bytes(self, label, data) -> None:
        pass

    def send_f(self, label, xs) -> None:
        self.messages.append((label, [(int(x),) for x in np.asarray(xs).reshape(-1)]))

    def challenges_k(self, label, n, k):
        self.calls += 1
        return fixed_k(label, n, k, self.calls)

    def challenge_indices(self, label, n, bound):
        return list(self.queries.pop(0))

    def array(self) -> np.ndarray:
        return np.array(self.view(), dtype=np.uint64)


class Instance:
    """One masked sumcheck of the view: its statement, finals, mask PCS layout and openings
    ((block, query set) each, all at the n mask claims)."""

    def __init__(self, k, tables, terms, degree, z, Rs, claim, label=LABEL, openings=1,
                 blocks=None, seed=0):
        self.k, self.tables, self.terms, self.degree = k, tables, terms, degree
        self.z, self.Rs, self.claim, self.label = z, Rs, claim, label
        n = len(tables[0]).bit_length() - 1
        self.layout = layout_of(k, n, degree, terms, Rs)
        base = mask_pcs_params(self.layout, BITS)
        self.prm = LigeroZkParams(base.blowup, base.points, openings, k, BITS)
        self.lay = zk_layout(self.layout.table_vars, self.prm)
        rng = np.random.default_rng(seed)
        self.blocks = blocks or [0]
        self.queries = []  # worst case: t distinct columns, position 0 included
        for _ in self.blocks:
            idx = {0} | {int(i) for i in rng.choice(self.lay.n_cols, self.lay.n_queries, False)}
            self.queries.append(sorted(idx)[:self.lay.n_queries])
        self.finals = prove_zk_sumcheck(
            Fixed(self.queries), vec_field(k), tables, terms, degree, label,
            sample_mask(self.layout), HashMaskCommitter(), eq_point=z, randomizers=Rs).finals

    @property
    def n_inputs(self) -> int:
        lay = self.lay
        return (self.k * self.layout.n_coefficients + lay.data_rows * lay.ell
                + lay.mask_rows * lay.msg_len)

    @property
    def expected_dim(self) -> int | None:
        """k sum (d_i + 1) (the sumcheck's free coordinates) + the PCS's dim A per opening
        block: opened data/unused-mask entries and the used K-rows' C' coefficients (None for
        a reused block, a broken configuration the formula does not describe)."""
        lay, m, k = self.lay, self.layout.n_vars, self.k
        if len(set(self.blocks)) != len(self.blocks):
            return None
        opened = len(set().union(*map(set, self.queries)))
        used = len(self.blocks) * (1 + m) * k
        return (k * self.layout.n_coefficients
                + opened * (lay.data_rows + lay.mask_rows - used) + used * lay.msg_len)

    def sumcheck_len(self) -> int:
        return (1 + sum(self.layout.degrees) + self.layout.n_vars) * self.k

    def opening_len(self) -> int:
        lay, m, k = self.lay, self.layout.n_vars, self.k
        return m * k + (1 + m) * lay.msg_len * k + lay.n_queries * lay.rows


def sumcheck_residual(inst: Instance, u: np.ndarray):
    """C_n - rho sum gamma - [eq(z, r)] F(finals) of a sumcheck view; and its point r."""
    ext, k, t = ext_field(inst.k), inst.k, SumcheckChallenges()
    vals = [tuple(int(c) for c in u[i:i + k]) for i in range(0, len(u), k)]
    rho = t.challenge_k(mask_challenge_label(inst.label), k)
    running = ext.add(as_ext(ext, inst.claim), ext.mul(rho, vals[0]))
    at, point = 1, []
    for i, d in enumerate(inst.layout.degrees):
        sent = vals[at:at + d]
        at += d
        point.append(t.challenge_k(challenge_label(inst.label, i), k))
        running = interpolate_eval(ext, [sent[0], ext.sub(running, sent[0]), *sent[1:]],
                                   point[-1])
    for g in vals[at:]:
        running = ext.sub(running, ext.mul(rho, g))
    target = evaluate_terms(ext, inst.terms, inst.finals)
    if inst.z is not None:
        target = ext.mul(eq_eval(ext, inst.z, point), target)
    return np.array(ext.sub(running, target), dtype=np.uint64), point, vals[at:]


def residual(instances, view: np.ndarray) -> np.ndarray:
    """The verifier's checks on a combined view (0 on A): per instance the final sumcheck
    equation, then per opening the value checks at gamma_i / D and the column checks; each
    opening's combinations are checked at the columns of every opening of its commitment, and
    a column opened twice must repeat (what any observer of the openings can test)."""
    out, at, calls = [], 0, 0
    for inst in instances:
        ext, k, lay, m = ext_field(inst.k), inst.k, inst.lay, inst.layout.n_vars
        kv = ev.vec(k)
        res, point, gammas = sumcheck_residual(inst, view[at:at + inst.sumcheck_len()])
        out.append(res)
        at += inst.sumcheck_len()
        claims = mask_claims(ext, inst.layout, point, gammas)
        pts = normalize_points([c.point for c in claims], inst.layout.table_vars, k)
        eq_rows, eq_cols = vzk.statement_points(pts, lay.b, k)
        opened = []
        for block, idx in zip(inst.blocks, inst.queries):
            calls += 2
            g = np.array(fixed_k(vzk.GAMMA, m, k, calls - 1), dtype=np.uint64)
            rr = np.array(fixed_k(vzk.COMBINE, lay.data_rows + m, k, calls), dtype=np.uint64)
            sizes = [m * k, lay.msg_len * k, m * lay.msg_len * k, len(idx) * lay.rows]
            y, u0, us, cols = np.split(view[at:at + sum(sizes)], np.cumsum(sizes)[:-1])
            at += sum(sizes)
            y, us = y.reshape(m, k), us.reshape(m, lay.msg_len, k)
            for j, c in enumerate(claims):
                got = np.array(kv.inner(us[j, :lay.cols], eq_cols[j]), dtype=np.uint64)
                want = kv.add(kv.mul(g[j], np.array(c.value, np.uint64)), y[j])
                out.append(kv.sub(got, want))
            coeffs = vzk.combination_coefficients(lay, block, eq_rows, rr[:lay.data_rows],
                                                  rr[lay.data_rows:], g)
            opened.append((np.array(idx), cols.reshape(-1, lay.rows), coeffs,
                           np.concatenate([u0.reshape(1, -1, k), us])))
        all_idx = np.concatenate([i for i, *_ in opened])
        all_cols = np.concatenate([c for _, c, *_ in opened])
        for _, _, coeffs, u in opened:
            comb = ev.combine_rows(coeffs, np.ascontiguousarray(all_cols.T))
            out.append(kv.sub(vzk.encode_at(u, lay, all_idx), comb).reshape(-1))
        for i in range(len(all_idx)):  # a loop over a few dozen opened columns
            for j in np.flatnonzero(all_idx[i + 1:] == all_idx[i]) + i + 1:
                out.append(npfield.fsub(all_cols[i], all_cols[j]))
    assert at == len(view), "the view does not have the expected shape"
    return np.concatenate(out)


def fixed_k(label: str, n: int, k: int, call: int):
    rng = np.random.default_rng(zlib.crc32(f"{label}/{call}".encode()))
    return [tuple(int(c) for c in rng.integers(1, P, k, dtype=np.uint64)) for _ in range(n)]


def real_run(instances, committer_class=LigeroZkMaskCommitter, reuse=False):
    """x -> the combined view of every instance's masked sumcheck, proven on one transcript
    with the mask and PCS randomness read from x (``reuse``: every instance the first's mask)."""
    def run(x):
        src, first = Stream(x), None
        t = Fixed([q for inst in instances for q in inst.queries])
        committer = committer_class(src, target_bits=BITS)
        for inst in instances:
            mask = sample_mask(inst.layout, src)
            if reuse and first is not None:
                mask = Mask(inst.layout, first.coeffs)  # a copy: spend() sees a new object
            first = first or mask
            prove_zk_sumcheck(t, vec_field(inst.k), inst.tables, inst.terms, inst.degree,
                              inst.label, mask, committer, eq_point=inst.z,
                              randomizers=inst.Rs)
        return t.array()
    return run


def assert_zero_knowledge(instances, run=None, n_inputs=None):
    """The test body: every view satisfies the verifier's checks and the randomness -> view
    map has rank dim A (A = the checks' zero set): the view is uniform on A."""
    run = run or real_run(instances)
    offset, rows = affine_map(run, n_inputs or sum(i.n_inputs for i in instances))
    assert not residual(instances, offset).any(), "a view fails the verifier's checks"
    for r in rows:
        assert not npfield.fsub(residual(instances, npfield.fadd(offset, r)),
                                residual(instances, offset)).any(), "a direction leaves A"
    _, checks = affine_map(lambda v: residual(instances, np.array(v, dtype=np.uint64)),
                           len(offset))
    dim = len(offset) - rank_mod_p(checks)
    if all(i.expected_dim is not None for i in instances):
        assert dim == sum(i.expected_dim for i in instances), "dim A is not the docstring's"
    assert rank_mod_p(rows) == dim, "the view is not uniform on A"
    return offset, rows


ZK_CASES = [  # (k, n, degree, randomize, eq)
    (2, 1, 1, False, False),
    (2, 3, 2, True, False),
    (3, 2, 3, True, True),
]


def zk_instance(k, n, degree, randomize, eq, seed=1):
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, eq, seed)
    return Instance(k, tables, terms, degree, z, Rs, claim, seed=seed)


@pytest.mark.parametrize("k, n, degree, randomize, eq", ZK_CASES)
def test_combined_view_is_uniform_on_the_verifiers_space(k, n, degree, randomize, eq):
    assert_zero_knowledge([zk_instance(k, n, degree, randomize, eq)])


@pytest.mark.slow
@pytest.mark.parametrize("k, n, degree, randomize, eq", ZK_CASES)
def test_composed_simulator_has_the_real_law(k, n, degree, randomize, eq):
    """simulate_zk_sumcheck with SimulatedMaskCommitter (zero-table commitment, simulated
    opening at gamma / D), conditioned on the real finals: the same affine space, full rank."""
    inst = zk_instance(k, n, degree, randomize, eq)
    real_off, real_rows = assert_zero_knowledge([inst])
    lay, m = inst.lay, inst.layout.n_vars

    def run(x):
        src, t = Stream(x), Fixed(inst.queries)
        simulate_zk_sumcheck(t, ext_field(k), inst.claim, inst.layout, LABEL, inst.terms,
                             SimulatedMaskCommitter(src, target_bits=BITS),
                             randomized=[True] * len(inst.tables), eq_point=inst.z,
                             given_finals=inst.finals, rand=src)
        return t.array()

    n_sim = (k * (1 + sum(inst.layout.degrees) + m - 1) + m * k + (1 + m) * lay.msg_len * k
             + lay.n_queries * lay.rows)
    sim_off, sim_rows = assert_zero_knowledge([inst], run, n_sim)
    assert rank_mod_p(real_rows + sim_rows) == rank_mod_p(real_rows)
    assert in_span(real_rows, npfield.fsub(sim_off, real_off))


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3])
def test_two_witnesses_with_one_claim_reveal_the_same_law(k):
    """Same claim, different witnesses, randomizers chosen so the finals agree: both combined
    views are uniform on one affine space."""
    n, degree, terms = 3, 2, [(1, [0, 1])]
    rng = np.random.default_rng(k)
    ext, vf = ext_field(k), vec_field(k)
    w1 = [vec_field(1).random(1 << n, rng), vf.random(1 << n, rng)]
    claim = sum_of_products(vf, w1, terms)
    w2 = second_witness(k, w1, claim, rng)
    R1 = [sample_randomizer(1, k), sample_randomizer(1, k)]
    point = [SumcheckChallenges().challenge_k(challenge_label(LABEL, i), k) for i in range(n)]
    zr = vanishing(ext, point)
    R2 = []
    for T1, T2, R in zip(w1, w2, R1):
        gap = ext.sub(as_ext(ext, evaluate(vf, T1, point)), as_ext(ext, evaluate(vf, T2, point)))
        R2.append(Randomizer((ext.add(R.alpha[0], ext.mul(gap, ext.inv(ext.mul_base(zr, 2)))),),
                             R.beta))
    i1 = Instance(k, w1, terms, degree, None, R1, claim, seed=5)
    i2 = Instance(k, w2, terms, degree, None, R2, claim, seed=5)
    assert i1.finals == i2.finals
    off1, rows1 = assert_zero_knowledge([i1])
    off2, rows2 = assert_zero_knowledge([i2])
    assert not np.array_equal(off1, off2)
    assert rank_mod_p(rows1 + rows2) == rank_mod_p(rows1)
    assert in_span(rows1, npfield.fsub(off2, off1))


def test_simulated_combined_proof_passes_every_check_but_the_merkle_one(monkeypatch):
    """With real Fiat-Shamir the composed simulator's bytes pass the sumcheck and the opening's
    field checks; only the Merkle check fails (a simulator programs the random oracle)."""
    k, n, degree = 3, 3, 2
    tables, terms, z, Rs, claim = make_instance(k, n, degree, True, False, 12)
    layout = layout_of(k, n, degree, terms, Rs)
    pt = ProverTranscript(DOMAIN)
    sim = simulate_zk_sumcheck(pt, ext_field(k), claim, layout, LABEL, terms,
                               SimulatedMaskCommitter(), randomized=[True] * len(tables))

    def check():
        vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
        sub = verify_zk_sumcheck(vt, ext_field(k), claim, layout, LABEL, LigeroZkMaskBinding())
        vt.check_eof()
        check_subclaim(ext_field(k), sub.subclaim, terms, sim.finals, LABEL)

    with pytest.raises(VerificationError, match="Merkle"):
        check()
    monkeypatch.setattr(vzk, "verify_multi_rows", lambda *a: None)
    check()


# ---- mutations: each broken prover fails the zero-knowledge body --------------------------------


def two_sumchecks():
    k, n, degree = 2, 2, 2
    ta, terms, _, _, ca = make_instance(k, n, degree, False, False, 31)
    tb, _, _, _, cb = make_instance(k, n, degree, False, False, 32)
    return [Instance(k, ta, terms, degree, None, None, ca, label="a", seed=1),
            Instance(k, tb, terms, degree, None, None, cb, label="b", seed=2)]


@pytest.mark.slow
def test_mutation_mask_reused_by_two_sumchecks_is_caught():
    """Fresh masks (each with its own commitment): jointly uniform; one mask's coefficients
    in two sumchecks (two commitments, fresh PCS randomness): rank is lost."""
    instances = two_sumchecks()
    assert_zero_knowledge(instances)
    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge(instances, real_run(instances, reuse=True))


class OpenedTwice(LigeroZkMaskCommitter):
    """Discharges the mask claims twice on one commitment (a second deferral of the same
    label): with the block counter reset, past the budget of one opening."""

    def open(self, label, claims):
        transcript, pcs, data = self._pending[label]
        super().open(label, claims)
        if pcs.params.openings == 1:
            data.opened[0] = 0  # the broken prover: ignore the spent budget
        pcs.open(data, [c.point for c in claims], transcript)


class TwoBlocks(OpenedTwice):
    """The control: a commitment budgeted for two openings (l = 2t, two mask blocks)."""

    def commit(self, transcript, label, mask):
        base = mask_pcs_params(mask.layout, BITS)
        pcs = LigeroZkPCS(LigeroZkParams(base.blowup, base.points, 2, base.k, BITS), self.rand)
        commitment, data = pcs.commit(mask.table())
        transcript.send_bytes(f"{label}/mask commitment", commitment.to_bytes())
        self._pending[label] = (transcript, pcs, data)


@pytest.mark.slow
def test_mutation_openings_past_the_budget_are_caught():
    tables, terms, z, Rs, claim = make_instance(2, 2, 2, False, False, 41)
    within = Instance(2, tables, terms, 2, None, None, claim, openings=2, blocks=[0, 1], seed=3)
    assert_zero_knowledge([within], real_run([within], TwoBlocks))
    past = Instance(2, tables, terms, 2, None, None, claim, openings=1, blocks=[0, 0], seed=3)
    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge([past], real_run([past], OpenedTwice))


def test_prover_refuses_a_second_opening_of_a_mask_commitment():
    class Twice(LigeroZkMaskCommitter):
        def open(self, label, claims):
            transcript, pcs, data = self._pending[label]
            super().open(label, claims)
            pcs.open(data, [c.point for c in claims], transcript)

    tables, terms, z, Rs, claim = make_instance(2, 3, 2, False, False, 7)
    with pytest.raises(ProverError, match="zero-knowledge"):
        prove(2, tables, terms, 2, z, Rs, committer=Twice())


# ---- overhead against the plain sumcheck (printed; ``-s`` shows it) ----------------------------


def test_overhead_against_the_plain_sumcheck(capsys):
    """Time and bytes of the masked sumcheck with the ligero-zk mask, against the plain one."""
    k, degree = 2, 2
    for n in (10, 16, 20):
        tables, terms, _, _, claim = make_instance(k, n, degree, False, False, n)
        layout = layout_of(k, n, degree, terms, None)
        times = {}
        for name in ("plain", "masked"):
            best = {"prove": 1e9, "verify": 1e9}
            for _ in range(3):
                t0 = time.perf_counter()
                pt = ProverTranscript(DOMAIN)
                if name == "plain":
                    prove_sumcheck(pt, vec_field(k), tables, terms, degree, LABEL)
                else:
                    out = prove_zk_sumcheck(pt, vec_field(k), tables, terms, degree, LABEL,
                                            sample_mask(layout), LigeroZkMaskCommitter())
                t1 = time.perf_counter()
                if name == "masked":
                    verify(k, pt.proof_bytes(), claim, terms, layout, None, out.finals,
                           tables, None)
                t2 = time.perf_counter()
                best = {"prove": min(best["prove"], t1 - t0), "verify": min(best["verify"],
                                                                            t2 - t1)}
            times[name] = (best, len(pt.proof_bytes()))
        with capsys.disabled():
            (pb, ps), (mb, ms) = times["plain"], times["masked"]
            print(f"\nn={n}: plain prove {pb['prove'] * 1e3:.1f} ms, {ps} B; masked prove "
                  f"{mb['prove'] * 1e3:.1f} ms, verify {mb['verify'] * 1e3:.1f} ms, {ms} B "
                  f"(mask table 2^{layout.table_vars}, {mask_openings(layout)} opening(s))")
