"""The transcript's records inside numba code: a byte-exact mirror of ``base.py`` for provers that
run many rounds in one kernel (``prover/sumcheck_fused.py``).

State: a (32,) uint8 array, updated in place. With the layouts of docs/internals.md:
  ``sponge_message(state, label, data, scratch)``: state = H(state ‖ 0x03 ‖ u32(|label|) ‖ label ‖
      u64(|data|) ‖ data), data = F elements as 8-byte big-endian words (a prover message);
  ``sponge_draw_f(state, label, out, scratch)``: out[i] = H(state ‖ 0x04 ‖ u32(|label|) ‖ label ‖
      u32(i)) mod p for i < m = len(out), then state = H(state ‖ 0x05 ‖ u32(|label|) ‖ label ‖
      u32(m)) (``challenges_f``; a K element is k consecutive outputs).
Labels are uint8 arrays (ASCII, validated by the Python caller). ``scratch`` is a uint8 buffer at
least as long as the largest record. ``test_transcript_sponge_kernels.py`` pins both against
the Python transcript. The prover's Python transcript then takes the final state and the message
bytes (``ProverTranscript.append_external``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..field.kernels import reduce128
from .keccak_batch import _keccak_into

_TAG_MESSAGE = 3
_TAG_CHALLENGE = 4
_TAG_ADVANCE = 5


@njit(cache=True)
def _hash(buf, n, state):
    """state = keccak256(buf[:n]) (a non-inlined call: one copy of the permutation's code)."""
    _keccak_into(buf, n, state, 0)


@njit(inline="always")
def _put_be(buf, pos, value, width):
    """Write ``value`` as a width-byte big-endian integer at buf[pos]; return pos + width."""
    for b in range(width):
        buf[pos + b] = np.uint8((value >> np.uint64(8 * (width - 1 - b))) & np.uint64(0xFF))
    return pos + width


@njit(inline="always")
def _head(state, tag, label, buf):
    """buf = state ‖ tag ‖ u32(|label|) ‖ label; return its length."""
    for i in range(32):  # loops, not slice assignments: those compile numba's error formatting
        buf[i] = state[i]
    buf[32] = np.uint8(tag)
    pos = _put_be(buf, 33, np.uint64(label.shape[0]), 4)
    for i in range(label.shape[0]):
        buf[pos + i] = label[i]
    return pos + label.shape[0]


@njit(cache=True)
def sponge_message(state, label, data, scratch):
    """Absorb a prover message of F elements (``data``, uint64) under ``label``."""
    pos = _head(state, _TAG_MESSAGE, label, scratch)
    pos = _put_be(scratch, pos, np.uint64(8 * data.shape[0]), 8)
    for x in data:
        pos = _put_be(scratch, pos, x, 8)
    _hash(scratch, pos, state)


@njit(cache=True)
def sponge_draw_f(state, label, out, scratch):
    """Draw len(out) challenges in F under ``label`` and advance the state."""
    m = out.shape[0]
    digest = np.empty(32, dtype=np.uint8)
    head = _head(state, _TAG_CHALLENGE, label, scratch)
    for i in range(m):
        _put_be(scratch, head, np.uint64(i), 4)
        _hash(scratch, head + 4, digest)
        acc = np.uint64(0)  # the 256-bit big-endian output mod p, word by word (Horner)
        for w in range(4):
            word = np.uint64(0)
            for b in range(8):
                word = (word << np.uint64(8)) | np.uint64(digest[8 * w + b])
            acc = reduce128(acc, word)
        out[i] = acc
    scratch[32] = np.uint8(_TAG_ADVANCE)
    _put_be(scratch, head, np.uint64(m), 4)
    _hash(scratch, head + 4, state)
