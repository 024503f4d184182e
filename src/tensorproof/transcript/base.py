"""The Fiat-Shamir sponge shared by the prover's and the verifier's transcripts.

A 32-byte state s is chained through Keccak-256 (layout in docs/internals.md, "Transcript and
Merkle byte layouts"); u32/u64 are big-endian, ‖ is concatenation:
  init:       s0 = keccak256(0^32 ‖ 0x01 ‖ u32(6) ‖ "domain" ‖ u64(|domain|) ‖ domain)
  absorb:     s  = keccak256(s ‖ tag ‖ u32(|label|) ‖ label ‖ u64(|data|) ‖ data),
              tag 0x02 for public data (``absorb_bytes``), 0x03 for a prover message
  challenge:  out_i = keccak256(s ‖ 0x04 ‖ u32(|label|) ‖ label ‖ u32(i)), i = 0..m-1, then
              s = keccak256(s ‖ 0x05 ‖ u32(|label|) ‖ label ‖ u32(m))
Every field is length-prefixed and every record starts with a distinct tag, so the bytes hashed
are an injective encoding of the whole history (absorbs, messages, labels, domain and the number
of challenges drawn): changing any of them changes every later challenge unless Keccak-256
collides. Each F coefficient is one 256-bit output reduced mod p; its statistical distance from
uniform is at most p / 2^256 < 2^-191 (a uniform integer in [0, 2^256) taken mod p), negligible
beside the 2^-128 soundness target.
"""

from __future__ import annotations

import operator

from ..field.params import P
from .keccak import HASH_BYTES, keccak256

TAG_DOMAIN = b"\x01"
TAG_PUBLIC = b"\x02"
TAG_MESSAGE = b"\x03"
TAG_CHALLENGE = b"\x04"
TAG_ADVANCE = b"\x05"

MAX_CHALLENGES_PER_CALL = 2**32 - 1
"""The output counter is a u32."""

_SMALL_RECORD = 1 << 16
"""Records up to this size are hashed in one call on their concatenation (by the numba kernel
where the transcript uses kernels), larger ones by ``keccak256`` without concatenating them."""


def _squeeze_py(head: bytes, m: int, advance: bytes) -> bytes:
    """``keccak_batch.keccak256_squeeze`` by pycryptodome: keccak256(head ‖ u32(i)), i < m, then
    keccak256(advance), concatenated (a loop over the m challenges of one draw)."""
    return b"".join([*(keccak256(head + i.to_bytes(4, "big")) for i in range(m)),
                     keccak256(advance)])  # one buffer per hash: one absorb call each


def label_bytes(label: str) -> bytes:
    """The ASCII bytes of a label; an empty, non-str or non-ASCII label is a programming error."""
    if not isinstance(label, str) or not label or not label.isascii():
        raise ValueError(f"transcript label must be a non-empty ASCII string, got {label!r}")
    return label.encode("ascii")


def _record_header(tag: bytes, label: str, data_len: int) -> bytes:
    lab = label_bytes(label)
    return tag + len(lab).to_bytes(4, "big") + lab + data_len.to_bytes(8, "big")


class Transcript:
    """Keccak-256 sponge state with labelled absorbs and challenge sampling (both sides).

    ``use_kernels``: hash the short records with numba kernels (``keccak_batch``: ~1 µs a call
    where pycryptodome costs ~5 µs) rather than pycryptodome. Off for both sides: a proof of
    the demo model makes ~80 absorbs and ~50 draws here (the sumcheck and GKR rounds hash
    inside their own kernels, ``sponge_kernels``), so the kernels would save ~4 ms a proof but
    cost ~8 s of compile on the first run (and numba in the verifier). The bytes hashed, and so
    every state and challenge, are the same either way."""

    use_kernels = False

    masks = None
    """The mask source of a zero-knowledge proof (verifier/zk_masks.py, prover/zk_masks.py),
    set by the proof's top level for its masked part: ``verify_sumcheck`` and
    ``prove_sumcheck`` then mask every sumcheck run on this transcript. None: plain."""

    def __init__(self, domain: bytes) -> None:
        if not isinstance(domain, bytes | bytearray | memoryview):
            raise TypeError(f"transcript domain must be bytes, got {type(domain).__name__}")
        if self.use_kernels:
            from .keccak_batch import keccak256_small, keccak256_squeeze

            self._hash, self._squeeze_raw = keccak256_small, keccak256_squeeze
        else:
            self._hash, self._squeeze_raw = keccak256, _squeeze_py
        self._state = bytes(HASH_BYTES)
        self._absorb(TAG_DOMAIN, "domain", bytes(domain))

    @property
    def state(self) -> bytes:
        """The current 32-byte sponge state (for golden vectors and debugging)."""
        return self._state

    def _absorb(self, tag: bytes, label: str, data: bytes | memoryview) -> None:
        """Chain one record into the state; ``data`` is hashed in place in one Keccak call."""
        header = _record_header(tag, label, len(data))
        if len(data) <= _SMALL_RECORD:
            self._state = self._hash(b"".join((self._state, header, data)))
        else:  # in one sponge, without concatenating
            self._state = keccak256(self._state, header, data)

    def absorb_bytes(self, label: str, data: bytes) -> None:
        """Absorb public data both sides know (the statement); it is not part of the proof."""
        self._absorb(TAG_PUBLIC, label, memoryview(data).cast("B"))

    def _squeeze(self, label: str, m: int) -> list[int]:
        """m independent 256-bit outputs (as ints) bound to the state and label; then advance."""
        m = count(m, "challenges", MAX_CHALLENGES_PER_CALL)
        lab = label_bytes(label)
        n_lab = len(lab).to_bytes(4, "big")
        head = b"".join((self._state, TAG_CHALLENGE, n_lab, lab))
        advance = b"".join((self._state, TAG_ADVANCE, n_lab, lab, m.to_bytes(4, "big")))
        raw = self._squeeze_raw(head, m, advance)  # m outputs, then the next state
        self._state = raw[HASH_BYTES * m :]
        return [int.from_bytes(raw[j : j + HASH_BYTES], "big")
                for j in range(0, HASH_BYTES * m, HASH_BYTES)]

    def challenges_f(self, label: str, n: int) -> list[int]:
        """n challenges in F (each from its own 256-bit output, reduced mod p)."""
        return [x % P for x in self._squeeze(label, n)]

    def challenge_f(self, label: str) -> int:
        """One challenge in F (same derivation as ``challenges_f(label, 1)``)."""
        return self.challenges_f(label, 1)[0]

    def challenges_k(self, label: str, n: int, k: int) -> list[tuple[int, ...]]:
        """n challenges in K of degree k: n*k coefficients drawn in order, k per element."""
        k = degree(k)
        flat = self.challenges_f(label, n * k)
        return [tuple(flat[i * k : (i + 1) * k]) for i in range(n)]

    def challenge_k(self, label: str, k: int) -> tuple[int, ...]:
        """One challenge in K of degree k (same derivation as ``challenges_k(label, 1, k)``)."""
        return self.challenges_k(label, 1, k)[0]

    def challenge_indices(self, label: str, n: int, bound: int) -> list[int]:
        """n integers in [0, bound) (e.g. PCS query positions), each one 256-bit output mod bound.

        Distance from uniform: at most bound / 2^256 per index (bound must be < 2^64).
        """
        bound = count(bound, "index bound", 2**64 - 1)
        if bound == 0:
            raise ValueError("index bound must be positive")
        return [x % bound for x in self._squeeze(label, n)]


def count(n: int, what: str, limit: int = 2**63) -> int:
    """Validate a non-negative integer count (Python or numpy int) and return it as an int."""
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"number of {what} must be an integer, got {n!r}") from None
    if not 0 <= n <= limit:
        raise ValueError(f"number of {what} must be in [0, {limit}], got {n}")
    return n


def degree(k: int) -> int:
    """Validate an extension degree k >= 1 (k = 1 is F itself)."""
    k = count(k, "extension coefficients", 2**16)
    if k < 1:
        raise ValueError("extension degree must be at least 1")
    return k
