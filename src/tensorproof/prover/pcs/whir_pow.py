"""WHIR's proof-of-work grinding (the prover's side of ``verifier.pcs.whir.check_pow``): a
numba search for the least nonce whose hash with the transcript state has ``bits`` leading zero
bits, threaded over batches of nonces."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import prange

from ...field.jit import kernel
from ...transcript.keccak_batch import _keccak_into
from ...verifier.pcs.whir import NONCE_BYTES, POW_TAG, pow_digest, pow_ok

_GRIND_BATCH = 4096
"""Nonces tried per parallel batch; the least nonce that works in the first successful batch is
returned, so the result (and the proof) does not depend on the number of threads."""


@kernel("int64(uint8[::1], int64)", parallel=True)
def _grind_kernel(prefix, bits):
    """The least u64 nonce with keccak256(prefix ‖ nonce) starting with ``bits`` zero bits."""
    n = prefix.shape[0]
    full, rem = bits // 8, bits % 8
    start = 0
    while True:
        found = np.full(_GRIND_BATCH, -1, dtype=np.int64)
        for j in prange(_GRIND_BATCH):
            nonce = start + j
            buf = np.empty(n + 8, dtype=np.uint8)
            buf[:n] = prefix
            out = np.empty(32, dtype=np.uint8)
            for b in range(8):
                buf[n + b] = np.uint8((nonce >> (8 * (7 - b))) & 0xFF)
            _keccak_into(buf, n + 8, out, 0)
            ok = True
            for i in range(full):
                if out[i] != 0:
                    ok = False
                    break
            if ok and rem and (out[full] >> (8 - rem)) != 0:
                ok = False
            if ok:
                found[j] = nonce
        for j in range(_GRIND_BATCH):
            if found[j] >= 0:
                return found[j]
        start += _GRIND_BATCH


def grind(transcript: Any, label: str, bits: int) -> None:
    """Find and send the proof-of-work nonce (``verifier.pcs.whir.pow_digest``)."""
    if bits == 0:
        return
    lab = label.encode("ascii")
    prefix = transcript.state + POW_TAG + len(lab).to_bytes(4, "big") + lab
    nonce = int(_grind_kernel(np.frombuffer(prefix, dtype=np.uint8).copy(), bits))
    raw = nonce.to_bytes(NONCE_BYTES, "big")
    assert pow_ok(pow_digest(transcript.state, label, raw), bits)
    transcript.send_bytes(label, raw)
