"""Zero-knowledge sumcheck (verifier/zk_sumcheck.py, prover/zk_sumcheck.py).

Completeness over degrees 1..4, n = 1..10, F and K tables, with and without randomized
extensions and eq factors; a named tamper suite; zero knowledge by exact linear algebra over F_p:
with the witness and the challenges fixed (a transcript double), the revealed values are an
affine function of the prover's fresh randomness, computed column by column from unit
randomness vectors; full rank onto the free coordinates means uniform. The same for two
witnesses with one claim and for the simulator, and mutation tests showing the rank test fails
for a zero mask, a reused mask, a transcript-derived mask, a mask over F, a mask without
per-variable constants and a randomizer short of coefficients.

The mask commitment here is the TEST MODEL (salted Keccak, ``reveal_check`` opens it by
revealing the whole mask): its reveal is not zero-knowledge and is left out of every view.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from protocol.zk_stream import Stream
from tensorproof.errors import ProofFormatError, ProverError, VerificationError
from tensorproof.field.encoding import F_BYTES, encode_f, k_bytes
from tensorproof.field.params import P
from tensorproof.field.sampling import Randomness
from tensorproof.field.scalar import ext_field
from tensorproof.field.vec import vec_field
from tensorproof.poly.mle import as_ext, eq_eval, evaluate, evaluate_scalar
from tensorproof.poly.univariate import interpolate_eval
from tensorproof.prover.sumcheck import prove_sumcheck, sum_of_products
from tensorproof.prover.zk_sumcheck import (
    HashMaskCommitter,
    Mask,
    Randomizer,
    prove_zk_sumcheck,
    sample_mask,
    sample_randomizer,
    simulate_zk_sumcheck,
)
from tensorproof.transcript import HASH_BYTES, ProverTranscript, VerifierTranscript, keccak256
from tensorproof.verifier.sumcheck import challenge_label, check_subclaim, evaluate_terms
from tensorproof.verifier.zk_sumcheck import (
    TARGET_BITS,
    HashMaskBinding,
    MaskLayout,
    claim_point,
    mask_challenge_label,
    mask_digest,
    plane_point,
    round_degrees,
    soundness_bits,
    vanishing,
    verify_zk_sumcheck,
    zk_failure_log2,
)

DOMAIN = b"tensorproof/test/zk-sumcheck"
LABEL = "zk"
REJECTED = (VerificationError, ProofFormatError)

# degree -> (table kinds, terms): f = an F table, k = a K table
SHAPES = {
    1: ("k", [(1, [0])]),
    2: ("fk", [(1, [0, 1]), (3, [1])]),
    3: ("fkk", [(1, [0, 1, 2]), (5, [0, 2])]),
    4: ("kfkf", [(1, [0, 1, 2, 3]), (2, [1])]),
}


# ---- prover world / verifier world ------------------------------------------------------------


def make_instance(k, n, degree, randomize, eq, seed):
    """Tables, terms, eq point, randomizers and claim of one sumcheck."""
    rng = np.random.default_rng(seed)
    ext, vf = ext_field(k), vec_field(k)
    kinds, terms = SHAPES[degree - eq]
    if degree - eq == 1:
        kinds = "f" if n % 2 else "k"  # a plain sum of an F or of a K table
    tables = [vec_field(1 if c == "f" else k).random(1 << n, rng) for c in kinds]
    z = [ext.random(rng) for _ in range(n)] if eq else None
    Rs = [sample_randomizer(1, k) for _ in tables] if randomize else None
    return tables, terms, z, Rs, sum_of_products(vf, tables, terms, z)


def layout_of(k, n, degree, terms, Rs):
    return MaskLayout(n, round_degrees(n, degree, terms, [R.degree for R in Rs] if Rs else None),
                      k)


def prove(k, tables, terms, degree, z, Rs, mask=None):
    """Prover world: (proof bytes, prover output, committer, mask layout)."""
    n = len(tables[0]).bit_length() - 1
    layout = layout_of(k, n, degree, terms, Rs)
    pt, committer = ProverTranscript(DOMAIN), HashMaskCommitter()
    out = prove_zk_sumcheck(pt, vec_field(k), tables, terms, degree, LABEL,
                            mask or sample_mask(layout), committer, eq_point=z, randomizers=Rs)
    return pt.proof_bytes(), out, committer, layout


def reveal_check(ext, binding: HashMaskBinding, committer: HashMaskCommitter, label=LABEL):
    """TEST ONLY: open the mask by revealing it (salt and table) and check every mask claim."""
    salt, table = committer.openings[label]
    digest, _, claims = binding.pending[label]
    if mask_digest(salt, table) != digest:
        raise VerificationError("mask reveal does not match the commitment")
    values = [int(v) for v in table]
    for c in claims:
        if evaluate_scalar(ext, values, c.point) != c.value:
            raise VerificationError("mask claim is false")


def true_finals(ext, vf, tables, point, Rs):
    """f^_j(point) computed from the tables (the deferred claims, discharged directly)."""
    out = []
    for j, T in enumerate(tables):
        v = as_ext(ext, evaluate(vf, T, point))
        out.append(Rs[j].extension(ext, v, point) if Rs else v)
    return out


def verify(k, proof, claim, terms, layout, z, finals, committer, tables, Rs):
    """Verifier world, plus the test's discharge of the deferred claims."""
    ext = ext_field(k)
    vt = VerifierTranscript(DOMAIN, proof)
    binding = HashMaskBinding()
    sub = verify_zk_sumcheck(vt, ext, claim, layout, LABEL, binding)
    vt.check_eof()
    check_subclaim(ext, sub.subclaim, terms, finals, LABEL, z)
    reveal_check(ext, binding, committer)
    if [tuple(f) for f in finals] != true_finals(ext, vec_field(k), tables, sub.point, Rs):
        raise VerificationError("finals are not the tables' (randomized) values")
    return sub


# ---- completeness -----------------------------------------------------------------------------


@pytest.mark.parametrize("degree", [1, 2, 3, 4])
@pytest.mark.parametrize("n", range(1, 11))
@pytest.mark.parametrize("randomize", [False, True])
@pytest.mark.parametrize("k", [2, 3])
def test_honest_proof_verifies(k, n, degree, randomize):
    seed = zlib.crc32(f"{k}{n}{degree}{randomize}".encode())
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, False, seed)
    proof, out, committer, layout = prove(k, tables, terms, degree, z, Rs)
    size = HASH_BYTES + (1 + sum(layout.degrees) + n) * k_bytes(k)
    assert len(proof) == size
    sub = verify(k, proof, claim, terms, layout, z, out.finals, committer, tables, Rs)
    assert sub.point == out.point


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n", [1, 2, 4, 7])
@pytest.mark.parametrize("randomize", [False, True])
def test_honest_proof_with_eq_factor_verifies(k, n, randomize):
    tables, terms, z, Rs, claim = make_instance(k, n, 3, randomize, True, n + 10 * k)
    proof, out, committer, layout = prove(k, tables, terms, 3, z, Rs)
    verify(k, proof, claim, terms, layout, z, out.finals, committer, tables, Rs)


def test_last_round_degree_pays_for_randomized_factors():
    """Only the last round changes: +1 per randomized factor of the worst term (n >= 2), and
    + deg Rb more when the last variable is x_0 itself (n = 1)."""
    terms = [(1, [0, 1]), (1, [2])]
    assert round_degrees(5, 2, terms, [0, 0, None]) == (2, 2, 2, 2, 4)
    assert round_degrees(5, 2, terms, [0, None, None]) == (2, 2, 2, 2, 3)
    assert round_degrees(1, 2, terms, [1, None, None]) == (4,)
    assert round_degrees(3, 2, terms) == (2, 2, 2)


def test_zero_mask_gives_the_plain_engines_round_messages():
    """With the zero mask and the same challenges the round messages are the plain sumcheck's:
    the masking adds rho s^g and nothing else (randomized extensions off)."""
    k, n = 2, 6
    tables, terms, _, _, _ = make_instance(k, n, 3, False, False, 3)
    layout = layout_of(k, n, 3, terms, None)
    plain, masked = FixedChallenges(), FixedChallenges()
    prove_sumcheck(plain, vec_field(k), tables, terms, 3, LABEL)
    prove_zk_sumcheck(masked, vec_field(k), tables, terms, 3, LABEL, Mask.zero(layout),
                      HashMaskCommitter())
    rounds = [m for m in masked.messages if "/round" in m[0]]
    assert rounds == plain.messages


def test_mask_table_claims_equal_the_mask_univariates():
    """D M~(w, r, r^2, .., i) = g_i(r): the reparametrisation behind the mask claims."""
    for k in (2, 3):
        ext = ext_field(k)
        layout = MaskLayout(5, (1, 2, 3, 4, 7), k)
        mask = sample_mask(layout)
        table = [int(v) for v in mask.table()]
        _, D = plane_point(ext)
        rng = np.random.default_rng(k)
        for i in range(layout.n_vars):
            r = ext.random(rng)
            value = evaluate_scalar(ext, table, claim_point(ext, layout, i, r))
            assert ext.mul(value, D) == mask.g(ext, i, r)


# ---- soundness: a named tamper suite ----------------------------------------------------------


@pytest.fixture(scope="module", params=[2, 3])
def honest(request):
    k = request.param
    tables, terms, z, Rs, claim = make_instance(k, 4, 3, True, True, 99)
    proof, out, committer, layout = prove(k, tables, terms, 3, z, Rs)
    return k, tables, terms, z, Rs, claim, proof, out, committer, layout


def message_offsets(k, layout):
    """(name, byte offset) of every K element of the proof after the digest."""
    kb, at = k_bytes(k), HASH_BYTES
    out = [("mask sum", at)]
    at += kb
    for i, d in enumerate(layout.degrees):
        out += [(f"round{i}[{j}]", at + j * kb) for j in range(d)]
        at += d * kb
    out += [(f"gamma{i}", at + i * kb) for i in range(layout.n_vars)]
    return out


def bump(proof: bytes, offset: int) -> bytes:
    """The proof with the F element at ``offset`` increased by one (still canonical)."""
    x = int.from_bytes(proof[offset:offset + F_BYTES], "big")
    return proof[:offset] + encode_f((x + 1) % P) + proof[offset + F_BYTES:]


def test_honest_fixture_verifies(honest):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    verify(k, proof, claim, terms, layout, z, out.finals, committer, tables, Rs)


def test_every_tampered_message_is_rejected(honest):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    accepted = []
    for name, offset in message_offsets(k, layout):
        try:
            verify(k, bump(proof, offset), claim, terms, layout, z, out.finals, committer,
                   tables, Rs)
        except REJECTED:
            continue
        accepted.append(name)
    assert not accepted


def test_tampered_mask_commitment_is_rejected(honest):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    bad = bytes([proof[0] ^ 1]) + proof[1:]
    with pytest.raises(REJECTED):
        verify(k, bad, claim, terms, layout, z, out.finals, committer, tables, Rs)


def test_wrong_claim_is_rejected(honest):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    ext = ext_field(k)
    with pytest.raises(VerificationError):
        verify(k, proof, ext.add(claim, ext.one()), terms, layout, z, out.finals, committer,
               tables, Rs)


@pytest.mark.parametrize("j", [0, 1])
def test_wrong_final_value_is_rejected(honest, j):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    ext = ext_field(k)
    finals = list(out.finals)
    finals[j] = ext.add(finals[j], ext.one())
    with pytest.raises(VerificationError):
        verify(k, proof, claim, terms, layout, z, finals, committer, tables, Rs)


def test_mask_values_shifted_between_variables_are_caught_by_the_opening(honest):
    """gamma_0 + 1, gamma_1 - 1 keeps the sum: the sumcheck accepts, the mask claims do not."""
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    ext = ext_field(k)
    offs = dict(message_offsets(k, layout))
    x0 = int.from_bytes(proof[offs["gamma0"]:offs["gamma0"] + F_BYTES], "big")
    x1 = int.from_bytes(proof[offs["gamma1"]:offs["gamma1"] + F_BYTES], "big")
    bad = bytearray(proof)
    bad[offs["gamma0"]:offs["gamma0"] + F_BYTES] = encode_f((x0 + 1) % P)
    bad[offs["gamma1"]:offs["gamma1"] + F_BYTES] = encode_f((x1 - 1) % P)
    vt = VerifierTranscript(DOMAIN, bytes(bad))
    binding = HashMaskBinding()
    sub = verify_zk_sumcheck(vt, ext, claim, layout, LABEL, binding)
    check_subclaim(ext, sub.subclaim, terms, out.finals, LABEL, z)  # passes
    with pytest.raises(VerificationError, match="mask claim"):
        reveal_check(ext, binding, committer)


def test_security_levels():
    """Soundness >= the target for every layout up to n = 64 rounds of degree 16 over K2, and
    the simulation is exact except with probability < 2^-100."""
    assert soundness_bits(MaskLayout(64, (16,) * 64, 2)) >= TARGET_BITS
    assert soundness_bits(MaskLayout(64, (16,) * 64, 2)) < 128 - 10  # (1 + 64*31)/|K|
    assert zk_failure_log2(MaskLayout(64, (16,) * 64, 2), stated_points=1000) < -100


def test_verifier_refuses_a_layout_of_another_field():
    with pytest.raises(ValueError):
        verify_zk_sumcheck(VerifierTranscript(DOMAIN, b""), ext_field(3), 0,
                           MaskLayout(2, (2, 2), 2), LABEL, HashMaskBinding())


def test_truncated_and_extended_proofs_are_rejected(honest):
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    for bad in (proof[:-1], proof[:HASH_BYTES], proof + b"\x00"):
        with pytest.raises(REJECTED):
            verify(k, bad, claim, terms, layout, z, out.finals, committer, tables, Rs)


def test_random_bytes_give_typed_errors(honest):
    """Any byte string: a typed error (or, for the honest bytes, acceptance), never a crash."""
    k, tables, terms, z, Rs, claim, proof, out, committer, layout = honest
    rng = np.random.default_rng(17)
    for length in (0, 5, HASH_BYTES, len(proof) - 8, len(proof), len(proof) + 8):
        for _ in range(5):
            junk = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
            with pytest.raises(REJECTED):
                verify(k, junk, claim, terms, layout, z, out.finals, committer, tables, Rs)


def test_rho_depends_on_the_mask_commitment():
    """rho is drawn after the digest (and G): a fresh salt or another mask changes it."""
    k = 2
    tables, terms, z, Rs, claim = make_instance(k, 3, 2, False, False, 5)
    layout = layout_of(k, 3, 2, terms, None)
    mask = sample_mask(layout)
    rhos = {prove(k, tables, terms, 2, z, Rs, mask=Mask(layout, mask.coeffs))[1].rho
            for _ in range(3)}
    assert len(rhos) == 3  # fresh salts: fresh digests
    m2 = Mask(layout, (mask.coeffs[0][:-1] + ((1, 2),), *mask.coeffs[1:]))
    assert prove(k, tables, terms, 2, z, Rs, mask=m2)[1].rho not in rhos


def test_prover_refuses_a_mask_of_the_wrong_layout():
    tables, terms, z, Rs, _ = make_instance(2, 3, 2, True, False, 6)
    wrong = sample_mask(MaskLayout(3, (2, 2, 2), 2))  # the last round needs degree 4
    with pytest.raises(ValueError):
        prove(2, tables, terms, 2, z, Rs, mask=wrong)


def test_salt_reuse_would_link_two_commitments():
    """Hiding of the test commitment needs a fresh salt: fresh salts give unlinkable digests of
    one mask, a reused salt (broken source) gives equal ones."""
    layout = MaskLayout(3, (2, 2, 2), 2)
    mask = sample_mask(layout)

    class FixedSalt(Randomness):
        def read(self, n):
            return b"\x07" * n

    def digests(rand):
        out = []
        for _ in range(2):
            c = HashMaskCommitter(rand)
            c.commit(ProverTranscript(DOMAIN), LABEL, mask)
            out.append(mask_digest(*c.openings[LABEL]))
        return out

    a, b = digests(Randomness())
    assert a != b
    a, b = digests(FixedSalt())
    assert a == b


# ---- zero knowledge by linear algebra ----------------------------------------------------------


class FixedChallenges:
    """Prover transcript double: records the K messages, answers each challenge label with a
    fixed nonzero value (Keccak of the label), so the view is affine in the randomness."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list]] = []

    def send_bytes(self, label, data) -> None:  # the test model's digest: not in the view
        pass

    def send_k(self, label, xs, k) -> None:
        rows = xs.tolist() if isinstance(xs, np.ndarray) else list(xs)
        self.messages.append((label, [tuple(int(c) for c in x) for x in rows]))

    def challenge_k(self, label, k):
        h = keccak256(label.encode())
        return tuple(int.from_bytes(h[8 * i:8 * i + 8], "big") % (P - 1) + 1 for i in range(k))

    def view(self) -> list[int]:
        return [c for _, xs in self.messages for x in xs for c in x]


def rank_mod_p(vectors) -> int:
    """Rank over F_p of a list of integer vectors (incremental Gaussian elimination)."""
    basis: dict[int, list[int]] = {}
    for v in vectors:
        v = [x % P for x in v]
        for piv, b in basis.items():
            if v[piv]:
                f = v[piv]
                v = [(x - f * y) % P for x, y in zip(v, b)]
        nz = next((i for i, x in enumerate(v) if x), None)
        if nz is not None:
            inv = pow(v[nz], P - 2, P)
            v = [x * inv % P for x in v]
            for piv, b in basis.items():
                if b[nz]:
                    f = b[nz]
                    basis[piv] = [(x - f * y) % P for x, y in zip(b, v)]
            basis[nz] = v
    return len(basis)


def affine_map(run, n_inputs: int):
    """(offset, columns) of the affine map x -> run(x) on F_p^n_inputs, from unit vectors."""
    offset = run([0] * n_inputs)
    cols = []
    for j in range(n_inputs):
        e = [0] * n_inputs
        e[j] = 1
        cols.append([(a - b) % P for a, b in zip(run(e), offset)])
    return offset, cols


def free_coordinates(cols, k: int):
    """The columns without gamma_{n-1} (the last K element of the view), fixed by the rest."""
    return [c[:len(c) - k] for c in cols]


def final_residual(ext, layout, claim, view, finals, terms, z):
    """C_n - rho sum gamma - [eq(z, r)] F(finals) from a view (0 on the verifier's hyperplane H),
    recomputed with the fixed challenges."""
    k = ext.k
    vals = [tuple(view[i:i + k]) for i in range(0, len(view), k)]
    t = FixedChallenges()
    rho = t.challenge_k(mask_challenge_label(LABEL), k)
    running = ext.add(as_ext(ext, claim), ext.mul(rho, vals[0]))
    at, point = 1, []
    for i, d in enumerate(layout.degrees):
        sent = vals[at:at + d]
        at += d
        r = t.challenge_k(challenge_label(LABEL, i), k)
        point.append(r)
        running = interpolate_eval(ext, [sent[0], ext.sub(running, sent[0]), *sent[1:]], r)
    for g in vals[at:]:
        running = ext.sub(running, ext.mul(rho, g))
    target = evaluate_terms(ext, terms, finals)
    if z is not None:
        target = ext.mul(eq_eval(ext, z, point), target)
    return ext.sub(running, target)


def real_view_map(k, tables, terms, degree, z, Rs, draw=None):
    """The real prover's view as an affine function of the mask's F coordinates (R fixed)."""
    n = len(tables[0]).bit_length() - 1
    layout = layout_of(k, n, degree, terms, Rs)
    draw = draw or (lambda lay, src, t: sample_mask(lay, src))
    finals = []

    def run(x):
        t = FixedChallenges()
        mask = draw(layout, Stream(x), t)
        out = prove_zk_sumcheck(t, vec_field(k), tables, terms, degree, LABEL, mask,
                                HashMaskCommitter(), eq_point=z, randomizers=Rs)
        finals.append(out.finals)
        return t.view()

    offset, cols = affine_map(run, k * layout.n_coefficients)
    return layout, offset, cols, finals[0]


def assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim, draw=None):
    """The test body: the mask -> view map has full rank onto the free coordinates, and every
    view lies on the verifier's hyperplane H(finals). Returns (layout, offset, cols, finals)."""
    layout, offset, cols, finals = real_view_map(k, tables, terms, degree, z, Rs, draw)
    free = free_coordinates(cols, k)
    assert len(free[0]) == k * layout.n_coefficients  # square: dim H = sum (d_i + 1)
    assert rank_mod_p(free) == k * layout.n_coefficients, "view not uniform on H"
    ext = ext_field(k)
    assert ext.is_zero(final_residual(ext, layout, claim, offset, finals, terms, z))
    return layout, offset, cols, finals


ZK_CASES = [  # (k, n, degree, randomize, eq)
    (2, 1, 1, False, False),
    (2, 3, 2, True, False),
    (3, 4, 3, True, True),
    (2, 5, 4, False, True),
]


@pytest.mark.parametrize("k,n,degree,randomize,eq", ZK_CASES)
def test_view_is_uniform_on_the_final_hyperplane(k, n, degree, randomize, eq):
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, eq, n * degree)
    assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim)


def second_witness(k, tables, claim, rng):
    """Other tables (A', B') with the same claim sum A'B' for terms [(1, [0, 1])]."""
    ext, vf = ext_field(k), vec_field(k)
    A = vec_field(1).random(len(tables[0]), rng)
    B = vf.random(len(tables[0]), rng)
    total = sum_of_products(vf, [A, B], [(1, [0, 1])])
    rest = ext.sub(total, ext.mul_base(tuple(int(c) for c in B[0]), int(A[0])))
    b0 = ext.mul_base(ext.sub(claim, rest), pow(int(A[0]), P - 2, P))
    B[0] = np.array(b0, dtype=np.uint64)
    assert sum_of_products(vf, [A, B], [(1, [0, 1])]) == claim
    return [A, B]


@pytest.mark.parametrize("k", [2, 3])
def test_two_witnesses_with_one_claim_reveal_the_same_law(k):
    """Same claim, different witnesses: with the finals equal (R2 chosen so), both views are
    uniform on the same hyperplane (same direction space, offsets on H)."""
    n, degree, terms = 4, 2, [(1, [0, 1])]
    rng = np.random.default_rng(k)
    ext, vf = ext_field(k), vec_field(k)
    w1 = [vec_field(1).random(1 << n, rng), vf.random(1 << n, rng)]
    claim = sum_of_products(vf, w1, terms)
    w2 = second_witness(k, w1, claim, rng)
    R1 = [sample_randomizer(1, k), sample_randomizer(1, k)]
    lay, off1, cols1, phi1 = assert_zero_knowledge(k, w1, terms, degree, None, R1, claim)
    # the fixed challenges give one point r: choose R2 with f^_2(r) = f^_1(r)
    point = [FixedChallenges().challenge_k(f"{LABEL}/r{i}", k) for i in range(n)]
    zr = vanishing(ext, point)
    R2 = []
    for T1, T2, R in zip(w1, w2, R1):
        gap = ext.sub(as_ext(ext, evaluate(vf, T1, point)), as_ext(ext, evaluate(vf, T2, point)))
        shift = ext.mul(gap, ext.inv(ext.mul_base(zr, 2)))
        R2.append(Randomizer((ext.add(R.alpha[0], shift),), R.beta))
    _, off2, cols2, phi2 = assert_zero_knowledge(k, w2, terms, degree, None, R2, claim)
    assert phi1 == phi2 and off1 != off2
    f1, f2 = free_coordinates(cols1, k), free_coordinates(cols2, k)
    assert rank_mod_p(f1 + f2) == rank_mod_p(f1) == k * lay.n_coefficients
    # the same law: the linear parts agree and the offsets differ by a vector in their range
    diff = [(a - b) % P for a, b in zip(off1, off2)]
    assert cols1 == cols2 and rank_mod_p(cols1 + [diff]) == rank_mod_p(cols1)


@pytest.mark.parametrize("k,n,degree,randomize,eq", ZK_CASES)
def test_simulator_output_has_the_real_law(k, n, degree, randomize, eq):
    """Witness-free simulator, conditioned on the real finals: affine in its randomness, on the
    same hyperplane, with the same full rank as the real prover."""
    tables, terms, z, Rs, claim = make_instance(k, n, degree, randomize, eq, 7 * n + degree)
    layout, off, cols, finals = assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim)
    ext = ext_field(k)

    def run(x):
        t = FixedChallenges()
        simulate_zk_sumcheck(t, ext, claim, layout, LABEL, terms, HashMaskCommitter(),
                             randomized=[True] * len(tables), eq_point=z, given_finals=finals,
                             rand=Stream(x))
        return t.view()

    s_off, s_cols = affine_map(run, k * layout.n_coefficients)
    assert ext.is_zero(final_residual(ext, layout, claim, s_off, finals, terms, z))
    sim, real = free_coordinates(s_cols, k), free_coordinates(cols, k)
    assert rank_mod_p(sim) == rank_mod_p(sim + real) == k * layout.n_coefficients


def test_simulated_proof_passes_the_sumcheck_but_not_the_mask_opening():
    """With real Fiat-Shamir, the simulator's bytes pass every check of the sumcheck itself;
    only the deferred mask claims are false (a hiding PCS's own simulator covers them)."""
    k, n, degree = 2, 5, 3
    tables, terms, z, Rs, claim = make_instance(k, n, degree, True, False, 11)
    ext = ext_field(k)
    layout = layout_of(k, n, degree, terms, Rs)
    pt, committer = ProverTranscript(DOMAIN), HashMaskCommitter()
    sim = simulate_zk_sumcheck(pt, ext, claim, layout, LABEL, terms, committer,
                               randomized=[True] * len(tables))
    vt = VerifierTranscript(DOMAIN, pt.proof_bytes())
    binding = HashMaskBinding()
    sub = verify_zk_sumcheck(vt, ext, claim, layout, LABEL, binding)
    vt.check_eof()
    check_subclaim(ext, sub.subclaim, terms, sim.finals, LABEL)
    with pytest.raises(VerificationError):
        reveal_check(ext, binding, committer)


def test_randomized_finals_and_discharge_values_are_uniform():
    """2m values per table stated at m points (f^(z) and R(z_0, w)) need 2m coefficients: the
    map (alpha, beta) -> values has full rank; one coefficient pair short, it does not."""
    k, n = 2, 5
    ext, vf = ext_field(k), vec_field(k)
    rng = np.random.default_rng(3)
    T = vf.random(1 << n, rng)
    points = [[ext.random(rng) for _ in range(n)] for _ in range(3)]
    ws = [ext.random(rng) for _ in points]

    def values(m, R):
        out = []
        for z, w in zip(points[:m], ws):
            out += R.extension(ext, evaluate(vf, T, z), z) + R.value(ext, z[0], w)
        return out

    for m, size, ok in [(1, 1, True), (2, 2, True), (3, 3, True), (2, 1, False), (3, 2, False)]:
        _, cols = affine_map(lambda x, m=m, s=size: values(m, sample_randomizer(s, k, Stream(x))),
                             2 * size * k)
        full = rank_mod_p(cols) == 2 * m * k
        assert full == ok, (m, size)
    _, cols = affine_map(lambda x: values(1, Randomizer(((0, 0),), ((0, 0),))), 2 * k)
    assert rank_mod_p(cols) == 0  # a zero randomizer reveals f~(z) itself


# ---- mutation tests: the ZK test catches broken provers ----------------------------------------


def _zk_case():
    k, n, degree = 2, 3, 2
    tables, terms, z, Rs, claim = make_instance(k, n, degree, True, False, 21)
    return k, tables, terms, degree, z, Rs, claim


def test_mutation_zero_mask_is_caught():
    k, tables, terms, degree, z, Rs, claim = _zk_case()
    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim,
                              draw=lambda lay, src, t: Mask.zero(lay))


def test_mutation_mask_drawn_from_the_transcript_is_caught():
    """A mask derived from public transcript data (here the challenges) is not fresh."""
    k, tables, terms, degree, z, Rs, claim = _zk_case()

    class FromTranscript(Randomness):
        def __init__(self, t):
            self.seed = bytes(t.challenge_k("derive", 2)[0].to_bytes(8, "big"))

        def read(self, n):
            out, i = b"", 0
            while len(out) < n:
                out += keccak256(self.seed, i.to_bytes(4, "big"))
                i += 1
            return out[:n]

    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim,
                              draw=lambda lay, src, t: sample_mask(lay, FromTranscript(t)))


def test_mutation_mask_reused_across_two_sumchecks_is_caught():
    """Two sumchecks on one transcript: fresh masks give the joint view full rank, a reused
    mask (the same coefficients twice) halves it."""
    k, n, degree = 2, 3, 2
    ta, terms, _, _, _ = make_instance(k, n, degree, False, False, 31)
    tb, _, _, _, _ = make_instance(k, n, degree, False, False, 32)
    layout = layout_of(k, n, degree, terms, None)
    N = k * layout.n_coefficients

    def joint_rank(reuse: bool) -> int:
        def run(x):
            t = FixedChallenges()
            src = Stream(x)
            m1 = sample_mask(layout, src)
            # a copy: the same object twice is refused outright (test below)
            m2 = Mask(layout, m1.coeffs) if reuse else sample_mask(layout, src)
            for tables, mask, lab in ((ta, m1, "a"), (tb, m2, "b")):
                prove_zk_sumcheck(t, vec_field(k), tables, terms, degree, lab, mask,
                                  HashMaskCommitter())
            return t.view()

        _, cols = affine_map(run, 2 * N)
        one = len(cols[0]) // 2  # each sumcheck's view, without its gamma_{n-1}
        return rank_mod_p([c[:one - k] + c[one:-k] for c in cols])

    assert joint_rank(reuse=False) == 2 * N
    assert joint_rank(reuse=True) <= N


def test_prover_refuses_to_use_one_mask_twice():
    k, n = 2, 3
    tables, terms, _, _, _ = make_instance(k, n, 2, False, False, 41)
    mask = sample_mask(layout_of(k, n, 2, terms, None))
    prove(k, tables, terms, 2, None, None, mask=mask)
    with pytest.raises(ProverError, match="fresh"):
        prove(k, tables, terms, 2, None, None, mask=mask)


def test_mask_of_the_wrong_shape_is_refused():
    layout = MaskLayout(2, (2, 2), 2)
    with pytest.raises(ValueError):
        Mask(layout, (((1, 2),) * 3, ((1, 2),) * 2))
    with pytest.raises(ValueError):
        Mask(layout, (((1, 2),) * 3, ((P, 2),) * 3))


def test_mutation_mask_over_the_base_field_is_caught():
    """Mask coefficients in F (not K) span only an F-line of each revealed K value."""
    k, tables, terms, degree, z, Rs, claim = _zk_case()

    def base_only(lay, src, t):
        m = sample_mask(lay, src)
        return Mask(lay, tuple(tuple((c[0],) + (0,) * (k - 1) for c in row) for row in m.coeffs))

    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim, draw=base_only)


def test_mutation_mask_without_per_variable_constants_is_caught():
    """Libra's a_0 + sum_i g_i(X_i) with g_i(0) = 0 gives the same round messages but n - 1
    fewer coefficients: the n separate claims gamma_i = g_i(r_i) then leak (why each g_i keeps
    its own constant)."""
    k, tables, terms, degree, z, Rs, claim = _zk_case()

    def one_constant(lay, src, t):
        m = sample_mask(lay, src)
        zero = (0,) * k
        return Mask(lay, tuple(row if i == 0 else (zero, *row[1:])
                               for i, row in enumerate(m.coeffs)))

    with pytest.raises(AssertionError, match="not uniform"):
        assert_zero_knowledge(k, tables, terms, degree, z, Rs, claim, draw=one_constant)


def test_unmasked_plain_sumcheck_view_depends_on_the_witness():
    """Sanity of the method: the plain sumcheck's view has no randomness at all (rank 0), and
    two witnesses with one claim give different views: it leaks."""
    k, n, terms = 2, 4, [(1, [0, 1])]
    rng = np.random.default_rng(5)
    vf = vec_field(k)
    w1 = [vec_field(1).random(1 << n, rng), vf.random(1 << n, rng)]
    claim = sum_of_products(vf, w1, terms)
    w2 = second_witness(k, w1, claim, rng)
    views = []
    for w in (w1, w2):
        t = FixedChallenges()
        prove_sumcheck(t, vf, w, terms, 2, LABEL)
        views.append(t.view())
    assert views[0] != views[1]
