"""A self-contained run of the proof-system core: commitment, sumcheck, opening, verification.

Statement: the prover knows f (committed, 2^n entries) with Σ_x f(x)·g(x) = S for a public g.
Prover world: commit f, send S, sumcheck the product, open f at the final point.
Verifier world: from the commitment, g and the proof bytes alone, replay and check everything.
"""

from __future__ import annotations

import time
from typing import Any, cast

import numpy as np

from ..errors import VerificationError
from ..field.scalar import ext_field
from ..field.vec import FV, vec_field
from ..poly.mle import evaluate
from ..prover.pcs.ligero import LigeroPCS
from ..prover.sumcheck import prove_sumcheck
from ..transcript import ProverTranscript, VerifierTranscript
from ..verifier.pcs.commitment import absorb_commitment
from ..verifier.pcs.ligero import LigeroVerifier
from ..verifier.pcs.params import LigeroParams, security_bits
from ..verifier.sumcheck import verify_sumcheck

DOMAIN = b"tensorproof/selftest/v1"


def run_selftest(log_size: int = 20, k: int = 2, seed: int = 0) -> dict[str, Any]:
    """Prove and verify once; return timings (seconds), proof sizes (bytes) and security bits."""
    rng = np.random.default_rng(seed)
    f = FV.random(1 << log_size, rng)
    g = FV.random(1 << log_size, rng)
    params = LigeroParams(k=k)
    prover_pcs, verifier_pcs = LigeroPCS(params), LigeroVerifier(params)
    _warm_up(prover_pcs, k)
    times: dict[str, float] = {}

    # Prover world
    t0 = time.perf_counter()
    commitment, pdata = prover_pcs.commit(f)
    times["commit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pt = ProverTranscript(DOMAIN)
    absorb_commitment(pt, commitment)
    claim = cast(int, FV.inner(f, g))  # an F element: an int
    pt.send_f("claimed sum", [claim])
    point, finals = prove_sumcheck(pt, vec_field(k), [f, g], [(1, [0, 1])], 2, "product")
    pt.send_k("f at point", [finals[0]], k)
    times["sumcheck prove"] = time.perf_counter() - t0
    sumcheck_bytes = len(pt.proof_bytes())
    t0 = time.perf_counter()
    prover_pcs.open(pdata, [point], pt)
    times["open"] = time.perf_counter() - t0
    proof = pt.proof_bytes()

    # Verifier world
    t0 = time.perf_counter()
    ext = ext_field(k)
    vt = VerifierTranscript(DOMAIN, proof)
    absorb_commitment(vt, commitment)
    (claimed,) = vt.recv_f("claimed sum", 1)
    sub = verify_sumcheck(vt, ext, ext.from_base(claimed), log_size, 2, "product")
    (f_at,) = vt.recv_k("f at point", 1, k)
    g_at = evaluate(vec_field(1), g, sub.point)
    if not ext.eq(ext.mul(f_at, g_at), sub.value):
        raise VerificationError("selftest: final sumcheck claim does not match f·g")
    verifier_pcs.verify(commitment, [sub.point], [f_at], vt)
    vt.check_eof()
    times["verify"] = time.perf_counter() - t0
    return {
        "times": times,
        "proof_bytes": len(proof),
        "sumcheck_bytes": sumcheck_bytes,
        "opening_bytes": len(proof) - sumcheck_bytes,
        "security_bits": security_bits(params, k, log_size),
    }


def _warm_up(prover_pcs: LigeroPCS, k: int) -> None:
    """Compile (or load from cache) the numba kernels on a tiny instance so timings are warm."""
    rng = np.random.default_rng(1)
    f = FV.random(1 << 6, rng)
    _, pd = prover_pcs.commit(f)
    pt = ProverTranscript(b"warmup")
    point, _ = prove_sumcheck(pt, vec_field(k), [f, f], [(1, [0, 1])], 2, "w")
    prover_pcs.open(pd, [point], pt)
