"""The Solidity batched WHIR opening (contracts/WhirBatch.sol through
WhirOpeningVerifier.verifyBatchOpening) against the Python verifier (verifier/pcs/whir.py
``verify_batch``): the golden batch vector and fresh batches of 2, 3 and 4 tables are accepted
(2 tables: one batched opening; 3 and 4: more than MAX_BATCH, so one opening per table, as
``verify_batch`` does), and on every tamper (each message, random byte mutations, values,
points, roots, OOD answers, the tables' order and number, committed leaves holding non-canonical
words) the contract reverts exactly when the Python verifier rejects."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tensorproof.errors import TensorProofError
from tensorproof.field.params import P
from tensorproof.solidity.abi import decode_uint, decode_uint_array, encode_call
from tensorproof.solidity.evm import EVMRevertError
from tensorproof.solidity.whir import batch_config_words, batch_opening_calldata, config_words
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.verifier.pcs import Commitment, absorb_commitment
from tensorproof.verifier.pcs.whir import WhirVerifier, whir_schedule
from tensorproof.verifier.pcs.whir_params import MAX_BATCH, WhirParams, batch_supported

VECTOR = Path(__file__).resolve().parents[1] / "vectors" / "whir_opening.json"
PARAMS = WhirParams()
DOMAIN = b"tensorproof/evm-whir-batch-test"
EIP170 = 24_576


class Batch:
    """G tables' statements and the proof of their batched opening; ``python_ok`` and
    ``evm_ok`` judge a variant (any argument left out is the honest one)."""

    def __init__(self, domain, commitments, points, values, proof):
        self.domain, self.commitments = domain, list(commitments)
        self.points, self.values, self.proof = points, values, proof

    def _pick(self, proof, values, commitments, points):
        return (self.proof if proof is None else proof,
                self.values if values is None else values,
                self.commitments if commitments is None else commitments,
                self.points if points is None else points)

    def python_ok(self, proof=None, values=None, commitments=None, points=None) -> bool:
        proof, values, commitments, points = self._pick(proof, values, commitments, points)
        try:
            vt = VerifierTranscript(self.domain, proof)
            for c in commitments:
                absorb_commitment(vt, c)
            WhirVerifier(PARAMS).verify_batch(commitments, points, values, vt)
            vt.check_eof()
        except TensorProofError:
            return False
        return True

    def calldata(self, proof=None, values=None, commitments=None, points=None,
                 config=None) -> bytes:
        proof, values, commitments, points = self._pick(proof, values, commitments, points)
        return batch_opening_calldata(self.domain, PARAMS, commitments, points, values, proof,
                                      config=config)

    def evm_ok(self, evm, address, calldata=None, **kw) -> bool:
        try:
            out = evm.call(address, calldata or self.calldata(**kw))
        except EVMRevertError:
            return False
        assert decode_uint(out.output) == 1
        return True


def golden() -> tuple[Batch, list]:
    g = json.loads(VECTOR.read_text())
    b = g["batch"]
    cs = [Commitment.from_bytes(bytes.fromhex(c), 8 * PARAMS.ood * PARAMS.k)
          for c in b["commitments"]]
    pts = [[[tuple(x) for x in z] for z in zs] for zs in b["points"]]
    vals = [[tuple(v) for v in vs] for vs in b["values"]]
    return Batch(g["domain"].encode(), cs, pts, vals, bytes.fromhex(b["proof"])), b["messages"]


def fresh(sizes, n_points: int = 1, seed: int = 0, prover_transcript=ProverTranscript,
          committed=None) -> Batch:
    """A batched opening by the Python prover (``open_batch``) of random tables."""
    from tensorproof.prover.pcs.whir import WhirPCS

    rng = np.random.default_rng(seed)
    pcs = WhirPCS(PARAMS)
    if committed is None:
        committed = [pcs.commit(rng.integers(0, P, 1 << n, dtype=np.uint64)) for n in sizes]
    points = [[[tuple(int(c) for c in rng.integers(0, P, 3, dtype=np.uint64)) for _ in range(n)]
               for _ in range(n_points)] for n in sizes]
    tr = prover_transcript(DOMAIN)
    for c, _ in committed:
        absorb_commitment(tr, c)
    values = pcs.open_batch([d for _, d in committed], points, tr)
    return Batch(DOMAIN, [c for c, _ in committed], points, values, tr.proof_bytes())


@pytest.fixture(scope="module")
def verifier(deployed):
    return deployed("WhirOpeningVerifier")


def _flip(data: bytes, i: int, bit: int = 0) -> bytes:
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1:]


def _bump(x: tuple) -> tuple:
    return ((x[0] + 1) % P, *x[1:])


# ---- accepted ---------------------------------------------------------------------------------

def test_the_golden_batch_vector_is_accepted(evm, verifier):
    op, messages = golden()
    sizes = [c.n_vars for c in op.commitments]
    words = batch_config_words(PARAMS, sizes)
    assert words[:2] == [2, 1] and batch_supported(PARAMS, sizes)  # one batched opening
    assert words[2:6] == [13, 10, 13, whir_schedule(PARAMS, 10).n_vars]
    assert words[6:] == config_words(PARAMS, 13)
    assert "whir/batch_evals" in {m[0] for m in messages}
    assert op.python_ok() and op.evm_ok(evm, verifier)


@pytest.mark.parametrize("sizes,n_points,seed", [
    ((12, 9), 2, 1),         # the second table smaller (Delta = 3)
    ((9, 13), 1, 2),         # the first table smaller
    ((10, 10), 3, 3),        # equal (Delta = 0: the trees' leaves are h's)
    ((14, 4), 1, 4),         # Delta = 5 > kappa: every lane of h's fiber reads one value
    ((0, 2), 2, 5),          # both below final_vars + 1 (padded, equal m)
    ((11, 8, 5), 1, 6),      # three tables: more than MAX_BATCH, one opening each
    ((10, 7, 12, 3), 1, 7),  # four tables
])
def test_fresh_batches_are_accepted(evm, verifier, sizes, n_points, seed):
    op = fresh(sizes, n_points, seed)
    words = batch_config_words(PARAMS, list(sizes))
    assert words[1] == int(len(sizes) <= MAX_BATCH) == int(batch_supported(PARAMS, sizes))
    assert op.python_ok() and op.evm_ok(evm, verifier)


# ---- rejected exactly when Python rejects -------------------------------------------------------

def test_a_flip_in_every_message_is_rejected_like_python(evm, verifier):
    op, messages = golden()
    rng = random.Random(12)
    checked = 0
    for label, off, length in messages:
        for i in {off, off + length - 1, off + rng.randrange(length)}:
            bad = _flip(op.proof, i, rng.randrange(8))
            py = op.python_ok(proof=bad)
            assert op.evm_ok(evm, verifier, proof=bad) == py, (label, i)
            checked += not py
    assert checked >= 3 * len(messages) - 3  # (a flip in the PoW nonce may still pass)


def _mutations(op: Batch, rng: random.Random, n: int):
    for _ in range(n):
        kind = rng.randrange(4)
        p = op.proof
        if kind == 0:
            yield _flip(p, rng.randrange(len(p)), rng.randrange(8))
        elif kind == 1:
            i = rng.randrange(len(p) // 8) * 8  # a whole 8-byte word: maybe non-canonical
            yield p[:i] + rng.choice([P, P + 1, 2**64 - 1, 0]).to_bytes(8, "big") + p[i + 8:]
        elif kind == 2:
            yield p[:rng.randrange(len(p))]
        else:
            yield p + bytes(rng.randrange(1, 9))


def test_random_mutations_are_judged_like_python(evm, verifier):
    op, _ = golden()
    n, rejected = 300, 0
    for bad in _mutations(op, random.Random(2027), n):
        py = op.python_ok(proof=bad)
        assert op.evm_ok(evm, verifier, proof=bad) == py
        rejected += not py
    assert rejected >= n - 10


def test_random_mutations_of_tables_opened_one_by_one_are_judged_like_python(evm, verifier):
    op = fresh((10, 6, 9), 1, 8)
    n, rejected = 100, 0
    for bad in _mutations(op, random.Random(2028), n):
        py = op.python_ok(proof=bad)
        assert op.evm_ok(evm, verifier, proof=bad) == py
        rejected += not py
    assert rejected >= n - 5


def test_wrong_values_points_roots_and_answers_are_rejected(evm, verifier):
    op, _ = golden()
    cases = []
    for g in range(len(op.commitments)):
        vals = [list(v) for v in op.values]
        vals[g][0] = _bump(vals[g][0])
        cases.append({"values": vals})
        pts = [[list(z) for z in zs] for zs in op.points]
        pts[g][0][g + 1] = _bump(pts[g][0][g + 1])
        cases.append({"points": pts})
        c = op.commitments[g]
        answer = int.from_bytes(c.extra[:8], "big")
        cs = list(op.commitments)
        cs[g] = Commitment(root=c.root, n_vars=c.n_vars,
                           extra=((answer + 1) % P).to_bytes(8, "big") + c.extra[8:])
        cases.append({"commitments": cs})
        cs = list(op.commitments)
        cs[g] = Commitment(root=bytes(31) + b"\x01", n_vars=c.n_vars, extra=c.extra)
        cases.append({"commitments": cs})
    # the roots swapped between the tables, or one table's root given to both
    a, b = op.commitments
    cases.append({"commitments": [Commitment(b.root, a.n_vars, a.extra),
                                  Commitment(a.root, b.n_vars, b.extra)]})
    cases.append({"commitments": [a, Commitment(a.root, b.n_vars, b.extra)]})
    for kw in cases:
        assert not op.python_ok(**kw)
        assert not op.evm_ok(evm, verifier, **kw)


def test_tables_in_another_order_are_rejected(evm, verifier):
    for op in (golden()[0], fresh((11, 11), 1, 9)):
        rev = {"commitments": op.commitments[::-1], "points": op.points[::-1],
               "values": op.values[::-1]}
        assert not op.python_ok(**rev)
        assert not op.evm_ok(evm, verifier, **rev)  # the configuration of the new order
        sizes = [c.n_vars for c in op.commitments]
        assert not op.evm_ok(evm, verifier, config=batch_config_words(PARAMS, sizes), **rev)


def test_a_table_count_mismatch_is_rejected(evm, verifier):
    op, _ = golden()
    a, b = op.commitments
    sizes = [a.n_vars, b.n_vars]
    # one list of points and values short, or one commitment short (verify_batch refuses)
    assert not op.python_ok(points=op.points[:1], values=op.values[:1])
    assert not op.evm_ok(evm, verifier, points=op.points[:1], values=op.values[:1])
    assert not op.python_ok(commitments=[a])
    assert not op.evm_ok(evm, verifier, commitments=[a], config=batch_config_words(PARAMS, sizes))
    assert not op.evm_ok(evm, verifier, commitments=[a])
    # a third table (then opened one by one, which this proof is not)
    third = fresh((10,), 1, 10)
    more = {"commitments": [a, b, third.commitments[0]], "points": op.points + third.points,
            "values": op.values + third.values}
    assert not op.python_ok(**more)
    assert not op.evm_ok(evm, verifier, **more)
    # a configuration for another number of tables, or counts that do not match it
    assert not op.evm_ok(evm, verifier, config=batch_config_words(PARAMS, sizes + [10]))
    words = batch_config_words(PARAMS, sizes)
    for bad in ([3, *words[1:]], [1, *words[1:]], words[:-1], words + [0]):
        assert not op.evm_ok(evm, verifier, config=bad)


def test_a_configuration_for_other_tables_does_not_accept_the_proof(evm, verifier):
    """The configuration is the caller's (bound by registration later): other sizes, a weaker
    schedule or the other mode is not a shortcut for this proof."""
    op, _ = golden()
    sizes = [c.n_vars for c in op.commitments]
    words = batch_config_words(PARAMS, sizes)
    one_by_one = [2, 0] + config_words(PARAMS, sizes[0]) + config_words(PARAMS, sizes[1])
    fewer = list(words)
    fewer[6 + 7] -= 1  # round 0's queries
    other_m = list(words)
    other_m[5] += 1  # m_1
    other_n = list(words)
    other_n[3] -= 1  # n_1
    for bad in (one_by_one, fewer, other_m, other_n):
        assert op.evm_ok(evm, verifier, config=words)
        assert not op.evm_ok(evm, verifier, config=bad)


class _LaxTranscript(ProverTranscript):
    """A cheating prover's transcript: F values are sent as they are, even when >= p."""

    def send_f(self, label, xs):
        self.send_bytes(label, np.asarray(xs, dtype=np.uint64).astype(">u8").tobytes())


@pytest.mark.parametrize("lanes", ["all", "one"])
def test_committed_leaves_with_non_canonical_words_are_rejected_like_python(evm, verifier,
                                                                           lanes):
    """A cheating prover commits to the zero table of 2^5 entries with p (= 0 mod p) written in
    its codeword (everywhere, or in one lane of every fiber, which a query of h reads or not):
    the proof is consistent mod p, but every fiber message holds non-canonical words, which the
    Python verifier refuses on reading."""
    from tensorproof.prover.pcs.whir import WhirPCS, WhirProverData, tree_of

    pcs = WhirPCS(PARAMS)
    rng = np.random.default_rng(11)
    honest = pcs.commit(rng.integers(0, P, 1 << 12, dtype=np.uint64))
    n = 5
    _, zero = pcs.commit(np.zeros(1 << n, dtype=np.uint64))
    cw = zero.codeword.copy()
    n_leaves = len(cw) >> PARAMS.folding
    if lanes == "all":
        cw[:] = P
    else:
        cw[n_leaves:2 * n_leaves] = P  # lane 1 of every fiber
    tree = tree_of(cw, PARAMS.folding)
    com = Commitment(root=tree.root, n_vars=n, extra=bytes(8 * PARAMS.k * PARAMS.ood))
    cheat = (com, WhirProverData(com, zero.table, cw, tree))
    op = fresh((12, n), 1, 12, prover_transcript=_LaxTranscript, committed=[honest, cheat])
    assert not op.python_ok()
    assert not op.evm_ok(evm, verifier)


# ---- helpers, sizes and gas ----------------------------------------------------------------------

def test_the_canonical_check_of_f_words_matches_python(evm, deployed):
    probe = deployed("WhirBatchProbe")
    rng = random.Random(13)
    for trial in range(60):
        count = rng.randrange(0, 23)
        words = [rng.randrange(P) for _ in range(count)]
        if count and trial % 3:
            words[rng.randrange(count)] = rng.choice([P, P + 1, P + 2**31, 2**64 - 1])
        data = b"".join(w.to_bytes(8, "big") for w in words)
        out = evm.call(probe, encode_call("canonicalF", ("bytes",), [data]))
        assert decode_uint(out.output) == int(all(w < P for w in words)), (words,)


def test_sorting_the_leaves_of_a_smaller_tree_matches_python(evm, deployed):
    probe = deployed("WhirBatchProbe")
    rng = random.Random(14)
    for _ in range(20):
        bound = 1 << rng.randrange(0, 12)
        a = [rng.randrange(1 << 16) for _ in range(rng.randrange(1, 70))]
        out = evm.call(probe, encode_call("sortDistinctMod", ("uint256[]", "uint256"),
                                          [a, bound]))
        assert decode_uint_array(out.output) == sorted({x % bound for x in a})


def test_every_contract_fits_eip170(contracts):
    from tensorproof.solidity.compiler import contract_sources

    shipped = {name for text in contract_sources().values()
               for name in _declared(text)}
    assert "WhirOpeningVerifier" in shipped and "WhirBatch" in shipped
    for name in shipped:
        assert 0 < len(contracts[name].deployed) <= EIP170, name


def _declared(text: str) -> list[str]:
    """The contracts and libraries a Solidity source declares."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("contract", "library"):
            out.append(words[1])
    return out


def test_the_batched_opening_costs_gas_within_a_block(evm, verifier):
    op, _ = golden()
    out = evm.call(verifier, op.calldata())
    assert out.gas < 30_000_000 and out.execution_gas > 0
