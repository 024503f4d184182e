"""The view of a whole proof with the challenges fixed, and the affine span of its law: the
harness of the whole-proof two-witness tests (tests/protocol/test_zk_whole_proof.py).

``fixed_view(prove_fn)`` runs the real prover on a transcript (FixedTranscript) that answers
every Fiat-Shamir challenge with a fixed value (a hash of its label and occurrence, not of the
transcript state) and records every field element the prover sends (``send_f`` / ``send_k``),
in order; raw byte messages (Merkle roots, salts, hash digests) are not field elements and stay
out. With the challenges fixed the view is a function of the prover's randomness alone (masks,
randomizers, blinds, the opening's mask rows), affine in the masks.

``Span`` keeps a basis, over F_p, of the differences v - v_0 of the views it is given
(incremental row echelon, a numba kernel: thousands of coordinates). Fed fresh proofs until its
rank stops growing, it spans the affine hull of the view's law (a fresh sample falls inside a
proper subspace of the hull with probability at most 1/p). A second witness's view inside that
hull is what "the same law" requires of an affine view; a view outside it is a leak the
verifier's public relations do not explain: a value stated in the clear, a zeroed mask.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

import numpy as np
from numba import njit

from tensorproof.field.kernels import fmul, fpow, fsub
from tensorproof.field.params import P
from tensorproof.prover import prove as prove_module
from tensorproof.prover.pcs.ligero_zk import LigeroZkPCS
from tensorproof.prover.pcs.whir_zk import WhirZkPCS
from tensorproof.transcript import prover as prover_transcript
from tensorproof.verifier.pcs.commitment import Commitment

OPENING_PREFIXES = ("ligero-zk/", "whir-zk/")
"""The hiding opening's messages (ligero-zk, whir-zk): zero-knowledge given the claims it opens
(their own exact tests, tests/protocol/test_ligero_zk.py and test_whir_zk.py, with simulators
that see only the claims), so the whole-proof view stops short of them (the hybrid argument of
docs/internals.md): by default the prover is stopped at the first (what follows, the public
groups' plain openings, is fixed by the public weights and the fixed challenges)."""


class _StopError(Exception):
    """Raised by FixedTranscript at the first message its ``stop`` predicate accepts."""


def _hiding(label: str) -> bool:
    return label.startswith(OPENING_PREFIXES)


class FixedTranscript(prover_transcript.ProverTranscript):
    """The prover's transcript with every challenge label L's j-th draw answered by a fixed
    value, recording the field elements sent whose label ``keep`` accepts. Not the exact type
    ProverTranscript, so the prover's numba sponge fast paths stand aside (sumcheck_fused,
    fraction_gkr: they bypass send_*); one that ran anyway fails."""

    def __init__(self, domain: bytes, keep: Callable[[str], bool],
                 stop: Callable[[str], bool] | None = None) -> None:
        super().__init__(domain)
        self.keep, self.stop, self.seen = keep, stop, Counter()
        self.sent: list[tuple[str, np.ndarray]] = []

    def _check_stop(self, label: str) -> None:
        if self.stop is not None and self.stop(label):
            raise _StopError(label)

    def send_bytes(self, label, data) -> None:
        self._check_stop(label)
        super().send_bytes(label, data)

    def _squeeze(self, label: str, m: int) -> list[int]:
        self.seen[label] += 1
        head = hashlib.sha256(f"{label}\0{self.seen[label]}".encode()).digest()
        return [int.from_bytes(hashlib.sha256(head + j.to_bytes(4, "big")).digest(), "big")
                for j in range(m)]

    def send_f(self, label, xs) -> None:
        self._check_stop(label)
        if self.keep(label):
            self.sent.append((label, np.asarray(xs, dtype=np.uint64).ravel()))
        super().send_f(label, xs)

    def send_k(self, label, xs, k) -> None:
        self._check_stop(label)
        if self.keep(label):
            self.sent.append((label, np.asarray(xs, dtype=np.uint64).ravel()))
        super().send_k(label, xs, k)

    def append_external(self, state: bytes, sent: bytes) -> None:
        raise AssertionError("a numba transcript fast path ran: its messages and challenges "
                             "escape the view")


def _unencoded_commit(self, table, used=None):
    """A hiding commitment's stand-in for fixed views: a zero root, no encoding. With every
    challenge fixed (not drawn from the transcript) the commitment's bytes reach no field
    element of the view, and the run stops before the opening (``_stop_opening``)."""
    extra = 8 * self.params.ood * self.params.k if isinstance(self, WhirZkPCS) else 0
    return Commitment(bytes(32), int(np.asarray(table).size).bit_length() - 1,
                      bytes(extra)), None


def _stop_opening(self, *args, **kwargs):
    raise _StopError("the hiding opening")


def past(prefix: str) -> Callable[[str], bool]:
    """A stop predicate: the first label without ``prefix`` once one with it was seen (a view
    of one contiguous part of the proof, the hashed tensors' "hash " messages, need not run
    the rest of the prover)."""
    seen = [False]

    def stop(label: str) -> bool:
        if label.startswith(prefix):
            seen[0] = True
            return False
        return seen[0] or _hiding(label)
    return stop


def fixed_view(prove_fn: Callable[[], object], keep: Callable[[str], bool] | None = None,
               stop: Callable[[str], bool] | None = None
               ) -> tuple[np.ndarray, tuple[tuple[str, int], ...]]:
    """(the F coordinates the prover sent, (label, count) per message) for one run of
    ``prove_fn`` (which calls prover.prove.prove) on a FixedTranscript; messages whose label
    ``keep`` refuses are left out (default: the hiding opening's); the run stops at the first
    message ``stop`` accepts (default: the hiding opening's first, OPENING_PREFIXES)."""
    stop = stop or _hiding
    keep = keep or (lambda label: not _hiding(label))
    made: list[FixedTranscript] = []

    def transcript(domain: bytes) -> FixedTranscript:
        made.append(FixedTranscript(domain, keep, stop))
        return made[-1]

    original = prove_module.ProverTranscript
    saved = [(c, name, getattr(c, name)) for c in (LigeroZkPCS, WhirZkPCS)
             for name in ("commit", "open_forms")]
    prove_module.ProverTranscript = transcript  # type: ignore[misc, assignment]
    for c in (LigeroZkPCS, WhirZkPCS):
        c.commit, c.open_forms = _unencoded_commit, _stop_opening  # type: ignore[method-assign]
    try:
        prove_fn()
    except _StopError:
        pass
    finally:
        prove_module.ProverTranscript = original  # type: ignore[misc]
        for c, name, fn in saved:
            setattr(c, name, fn)
    if len(made) != 1:
        raise AssertionError(f"the prover made {len(made)} transcripts, expected one")
    sent = made[0].sent
    view = np.concatenate([v for _, v in sent]) if sent else np.zeros(0, np.uint64)
    return view, tuple((label, len(v)) for label, v in sent)


@njit(cache=True)
def _insert(basis, pivots, n, v):  # pragma: no cover - numba
    """Reduce v against the first n rows (row i: 1 at pivots[i], 0 at pivots[:i]); if a
    nonzero entry remains, scale it to 1, store it as row n and return 1, else 0."""
    d = v.shape[0]
    for i in range(n):
        c = v[pivots[i]]
        if c != 0:
            for j in range(d):
                v[j] = fsub(v[j], fmul(c, basis[i, j]))
    for j in range(d):
        if v[j] != 0:
            inv = fpow(v[j], np.uint64(P - 2))
            for t in range(d):
                basis[n, t] = fmul(v[t], inv)
            pivots[n] = j
            return 1
    return 0


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b mod p, entrywise (canonical uint64 vectors)."""
    gap = np.uint64(P) - b
    return np.where(a >= gap, a - gap, a + b).astype(np.uint64)


class Span:
    """The affine hull, over F_p, of the views added (the first is the origin)."""

    def __init__(self, origin: np.ndarray) -> None:
        self.origin = np.asarray(origin, dtype=np.uint64).copy()
        d = self.origin.size
        self.basis = np.zeros((min(d, 64), d), dtype=np.uint64)
        self.pivots = np.zeros(self.basis.shape[0], dtype=np.int64)
        self.rank = 0

    def _diff(self, view: np.ndarray) -> np.ndarray:
        view = np.asarray(view, dtype=np.uint64)
        if view.shape != self.origin.shape:
            raise AssertionError(f"view of {view.size} coordinates, the span's have "
                                 f"{self.origin.size}")
        return np.where(view >= self.origin, view - self.origin,
                        view + np.uint64(P) - self.origin).astype(np.uint64)

    def add(self, view: np.ndarray) -> bool:
        """Add a view; whether it raised the rank."""
        if self.rank == self.basis.shape[0] and self.rank < self.origin.size:
            grown = min(self.origin.size, 2 * self.basis.shape[0])
            self.basis = np.vstack([self.basis, np.zeros((grown - self.rank, self.origin.size),
                                                         dtype=np.uint64)])
            self.pivots = np.concatenate([self.pivots, np.zeros(grown - self.rank, np.int64)])
        grew = bool(_insert(self.basis, self.pivots, self.rank, self._diff(view)))
        self.rank += grew
        return grew

    def contains(self, view: np.ndarray) -> bool:
        """Whether ``view`` lies in the affine hull (the span is left unchanged)."""
        v = self._diff(view)
        scratch = np.zeros((self.rank + 1, v.size), dtype=np.uint64)
        scratch[:self.rank] = self.basis[:self.rank]
        pivots = np.concatenate([self.pivots[:self.rank], np.zeros(1, np.int64)])
        return not _insert(scratch, pivots, self.rank, v)

    def within(self, other: Span) -> bool:
        """Whether this hull lies inside ``other``'s (its origin, and every direction)."""
        if not other.contains(self.origin):
            return False
        return all(other.contains(_add(other.origin, row)) for row in self.basis[:self.rank])

    def free(self) -> np.ndarray:
        """The coordinates that vary over the hull (some basis row is nonzero there)."""
        return self.basis[:self.rank].any(axis=0)


def law_hull(run: Callable[[], np.ndarray], settle: int = 12, limit: int = 5000) -> Span:
    """The affine hull of the views ``run`` returns: samples until ``settle`` fresh views in a
    row leave the rank unchanged (AssertionError past ``limit`` samples)."""
    span = Span(run())
    quiet = 0
    for _ in range(limit):
        quiet = 0 if span.add(run()) else quiet + 1
        if quiet == settle:
            return span
    raise AssertionError(f"the view's affine hull did not settle in {limit} samples "
                         f"(rank {span.rank}): are the challenges fixed?")
