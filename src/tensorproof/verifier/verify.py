"""Verify a proof of a batch of inferences: the protocol's top level (the spec of prove.py).

Order of the transcript (PROTOCOLS.md, "Transcript order"):
 1. statement: protocol version, model id, field degree, batch, public inputs and outputs
    (the private ones are committed in 2 instead: ir/visibility.py), the digests of the
    hashed ones;
 2. the commitment of every per-proof group of the plan (verifier/commitments.py; today the
    advice: lookup and requantization outputs, remainders, multiplicities);
 3. the lookups (β, γ, one LogUp per table), then the zero padding of every private input
    (private.py), then the Keccak proof and link of every hashed tensor (hashing.py);
 4. a random point on every output computed by a claim-reducing step (a private output's
    value is a prover message, private.py);
 5. every step, last first, reducing the claims on its output to claims on its inputs;
    in a zero-knowledge proof (key config "zk") every sumcheck of 3-5 is masked by round
    slots of the advice tensor M (zk_masks.py), whose claims join the advice's in 6;
 6. one merged opening per commitment group, in the plan's order (the advice, then the model's
    weights, committed in the verifying key); check_eof.
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import ProofFormatError, VerificationError
from ..field.scalar import ext_field
from ..transcript import VerifierTranscript
from .commitments import open_groups, read_commitments
from .context import VerifierContext
from .hashing import DIGEST_BYTES, hashed_tensors, verify_hashed
from .keys import PROTOCOL_VERSION, VerifyingKey
from .layers import step_module
from .layout import padded_vector
from .lookups import verify_lookups
from .lowering import build_plan
from .pcs_config import pcs_verifier
from .plan import Plan
from .private import verify_inputs
from .proof import Proof
from .zk_lookups import verify_hiding_lookups
from .zk_masks import VerifierMasks
from .zk_opening import verify_hiding_opening

DOMAIN = b"tensorproof/inference/v1"


def absorb_statement(t, vk_model_id: bytes, k: int, batch: int, inputs: dict, outputs: dict,
                     digests: dict | None = None):
    """The statement, absorbed before any prover message (prover and verifier alike); the
    digests of hashed tensors (hashing.py) only when there are some."""
    t.absorb_bytes("protocol", struct.pack(">H", PROTOCOL_VERSION))
    t.absorb_bytes("model id", vk_model_id)
    t.absorb_bytes("config", struct.pack(">BI", k, batch))
    for what, group in (("input", inputs), ("output", outputs)):
        for name in sorted(group):  # any Unicode name: it goes in the data, labels are ASCII
            arr = np.asarray(group[name], dtype=np.int64)
            raw = name.encode("utf-8")
            t.absorb_bytes(what, struct.pack(">I", len(raw)) + raw
                           + struct.pack(f">B{arr.ndim}I", arr.ndim, *arr.shape)
                           + arr.astype(">i8").tobytes())
    for name in sorted(digests or {}):
        raw = name.encode("utf-8")
        t.absorb_bytes("hashed", struct.pack(">I", len(raw)) + raw + b"".join(digests[name]))


def check_statement(vk: VerifyingKey, proof: Proof, plan: Plan) -> None:
    if proof.model_id != vk.model_id:
        raise VerificationError("the proof is for another model (model id differs from the key's)")
    if proof.k != vk.k:
        raise VerificationError(f"proof uses field degree {proof.k}, the key {vk.k}")
    for group, names in ((proof.inputs, plan.public_inputs), (proof.outputs, plan.public_outputs)):
        if sorted(group) != sorted(names):
            raise ProofFormatError(f"proof names tensors {sorted(group)}, expected {sorted(names)}")
        for name in names:
            t = plan.tensors[name]
            if group[name].shape != t.layout.shape:
                raise ProofFormatError(f"tensor {name!r} has shape {group[name].shape}, "
                                       f"expected {t.layout.shape}")
            if group[name].size and (group[name].min() < t.lo or group[name].max() > t.hi):
                raise VerificationError(f"tensor {name!r} leaves its range [{t.lo}, {t.hi}]")
    if sorted(proof.digests) != sorted(hashed_tensors(plan)):
        raise ProofFormatError(f"proof states the digests of {sorted(proof.digests)}, expected "
                               f"{sorted(hashed_tensors(plan))}")
    for name, ds in proof.digests.items():
        if len(ds) != proof.batch or not all(isinstance(d, bytes) and len(d) == DIGEST_BYTES
                                             for d in ds):
            raise ProofFormatError(f"hashed tensor {name!r}: the proof must state {proof.batch} "
                                   f"digests of {DIGEST_BYTES} bytes")
    for name in sorted(set(plan.public_inputs) & set(plan.public_outputs)):  # passed through
        if not np.array_equal(proof.inputs[name], proof.outputs[name]):
            raise VerificationError(f"output {name!r} is the input tensor itself but its claimed "
                                    "values differ from the input's")


def verify(vk: VerifyingKey, proof: Proof) -> dict[str, np.ndarray]:
    """Check `proof` against `vk`; return the verified integer outputs. Raises
    VerificationError (statement not proven) or ProofFormatError (malformed proof)."""
    plan = build_plan(vk.graph, proof.batch, vk.zk_config)
    check_statement(vk, proof, plan)
    ext = ext_field(vk.k)
    t = VerifierTranscript(DOMAIN, proof.stream)
    absorb_statement(t, vk.model_id, vk.k, proof.batch, proof.inputs, proof.outputs,
                     proof.digests)
    pcs = pcs_verifier(vk.config)
    commitments = read_commitments(t, plan, vk.config, vk.commitments)
    public = {n: padded_vector(plan.tensors[n].layout, v)
              for n, v in {**proof.inputs, **proof.outputs}.items()}
    ctx = VerifierContext(t, ext, plan, public)
    zk = plan.zk
    if zk is not None:  # every sumcheck from here to the openings is masked
        t.masks = VerifierMasks(ext, zk.capacity, ctx.claim_round)
    (verify_hiding_lookups if ctx.hiding else verify_lookups)(ctx, plan.lookup_uses)
    verify_inputs(ctx)
    verify_hashed(ctx, proof.digests)
    ctx.claim_outputs(ctx.public.__getitem__)
    for i in reversed(range(len(plan.steps))):
        step = plan.steps[i]
        step_module(step.op).verify(ctx, i, step)
    left = [n for n, c in ctx.pending.items() if c] + ctx.unclaimed_randomized()
    if left:
        raise VerificationError(f"claims on {left} were never reduced (malformed plan)")
    if zk is not None and zk.hiding is not None:  # the hiding opening (advice, private weights)
        verify_hiding_opening(ctx, commitments, model_pcs=pcs)
    t.masks = None  # the other openings' merges: plain
    open_groups(ctx, pcs, commitments)
    t.check_eof()
    return dict(proof.outputs)
