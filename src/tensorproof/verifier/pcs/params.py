"""Parameters of the Ligero/Brakedown tensor-code PCS and the proven bound that sets them.

The table (2^n F elements) is a matrix U with R = 2^a rows and C = 2^b columns; each row is
encoded with RS[F, <w_N>, C], N = blowup * C, rate 1/blowup, distance d = N - C + 1 (MDS).
Let e be the largest integer with 3e < d (unique-decoding regime). An opening is sound except
with probability (interactive protocol, any prover):

    eps <= (e + 1) / |K|  +  (1 - e / N)^t                                          (*)

1. Proximity. If the encoded matrix is e-far from the interleaved code (more than e columns
   must change), a uniform r in K^R gives an e-close r^T U^ with probability <= (e + 1)/|K|:
   Ames, Hazay, Ishai, Venkitasubramaniam, "Ligero", CCS 2017, Lemma 4.2 (stated there for
   e < d/4), in its e < d/3 form (journal version, IACR eprint 2022/1608) as used for the
   testing phase of Golovnev, Lee, Setty, Thaler, Wahby, "Brakedown", CRYPTO 2023, Sec. 4.
   Over K: RS_K = RS (x) K keeps distance d, an F matrix is as far from RS_K^R as from RS^R,
   and r -> r^T U^ is uniform on the K-span of the rows, so the lemma applies with |K| = p^k.
2. Columns. Then the sent u_0 (a codeword, since the verifier encodes it) differs from r^T U^
   in more than e of N positions; t independent uniform column queries all miss: (1 - e/N)^t.
3. Evaluation. Otherwise U^ is within e < d/2 of a unique codeword matrix (the committed table
   the extractor decodes). A wrong value forces u_j != the true combination, so Enc(u_j)
   differs from the opened combination in >= d - e > e positions: at most (1 - (d-e)/N)^t,
   already below the second term of (*).
No "up to capacity" proximity-gap conjecture is used (those were disproven in 2025).

With blowup 4: d = 3C + 1, e = C, e/N = 1/4 for every size, so (*) = (e+1)/p^k + (3/4)^t and
t = 241 gives 100.02 bits for k = 2 (field term <= 2^-108 for the shapes ``matrix_shape``
picks up to 2^32 entries) and k = 3. Blowup 2 would need t = 381 (e/N ~ 1/6) and fails for
tiny rows (C = 1, 2: e = 0), so 4 is the default.

Non-interactive use (Fiat-Shamir): as usual for hash-based arguments the level is quoted per
round; an attacker making Q hash queries gains at most a factor Q (grinding). Query indices are
256-bit outputs mod N (``Transcript.challenge_indices``): each index has probability at most
(1 + N/2^256)/N, a negligible factor on (*). Merkle binding rests on Keccak-256 collision
resistance (128 bits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ...field.params import EXTENSION_DEGREES, TWO_ADICITY, P
from .commitment import MAX_N_VARS

DEFAULT_BLOWUP = 4
"""Inverse code rate 1/rho: relative distance ~3/4, so each query catches a far word w.p. 1/4."""

DEFAULT_N_QUERIES = 241
"""Minimal t with (3/4)^t + 2^-108 <= 2^-100, from bound (*) above (Ligero Lemma 4.2, d/3 form;
Brakedown Sec. 4). ``security_bits`` recomputes it; tests check >= 100 and that 240 is less."""

TARGET_SECURITY_BITS = 100


@dataclass(frozen=True)
class LigeroParams:
    """Code rate, number of column queries and challenge-field degree k (K = F_p^k)."""

    blowup: int = DEFAULT_BLOWUP
    n_queries: int = DEFAULT_N_QUERIES
    k: int = 2

    def __post_init__(self) -> None:
        b = self.blowup
        if not isinstance(b, int) or b < 2 or b & (b - 1):
            raise ValueError(f"blowup must be a power of two >= 2, got {b!r}")
        if not isinstance(self.n_queries, int) or not 1 <= self.n_queries < 2**16:
            raise ValueError(f"n_queries must be in [1, 2^16), got {self.n_queries!r}")
        if self.k not in EXTENSION_DEGREES:
            raise ValueError(f"unsupported extension degree {self.k} ({EXTENSION_DEGREES})")

    @property
    def log_blowup(self) -> int:
        return self.blowup.bit_length() - 1

    def to_bytes(self) -> bytes:
        """u8 log2(blowup) ‖ u16 n_queries ‖ u8 k (absorbed with every opening)."""
        return bytes([self.log_blowup]) + self.n_queries.to_bytes(2, "big") + bytes([self.k])


@cache
def matrix_shape(n_vars: int, params: LigeroParams) -> tuple[int, int]:
    """(a, b): the table is 2^a rows x 2^b columns; index i = row * 2^b + col.

    Point coordinates z_0..z_{b-1} (the low-order variables) select the column, z_b..z_{n-1}
    the row. (a, b) minimizes the estimated opening size for one point: t' opened columns of
    2^a elements with their Merkle paths, plus two combined rows of 2^b elements of K.
    """
    if not 0 <= n_vars <= MAX_N_VARS:
        raise ValueError(f"n_vars {n_vars} outside [0, {MAX_N_VARS}]")
    best: tuple[float, int] | None = None
    for a in range(n_vars + 1):
        log_n = n_vars - a + params.log_blowup
        if log_n > TWO_ADICITY:
            continue
        opened = min(params.n_queries, 1 << log_n)
        path = 4 * max(0.0, log_n - math.log2(opened))  # 32-byte nodes = 4 F elements
        size = opened * ((1 << a) + path) + 2 * params.k * (1 << (n_vars - a))
        if best is None or size < best[0]:
            best = (size, a)
    if best is None:
        raise ValueError(f"no matrix shape fits 2^{n_vars} entries in the NTT domain")
    return best[1], n_vars - best[1]


def _bits(blowup: int, n_queries: int, k: int, n_cols: int) -> float:
    """-log2 of bound (*) for rows of n_cols message symbols."""
    n = blowup * n_cols
    d = n - n_cols + 1
    e = (d - 1) // 3  # largest e with 3e < d
    eps = (e + 1) / float(P) ** k + (1.0 - e / n) ** n_queries
    return -math.log2(eps) if eps < 1.0 else 0.0


def security_bits(params: LigeroParams, k: int | None = None, n_vars: int | None = None) -> float:
    """Bits of soundness of one opening by bound (*), for challenge degree k (default params.k).

    With ``n_vars`` the level of that table size (its row length 2^b from ``matrix_shape``);
    without it, the worst case over every supported size 2^0 .. 2^MAX_N_VARS.
    """
    k = params.k if k is None else k
    sizes = range(MAX_N_VARS + 1) if n_vars is None else [n_vars]
    return min(
        _bits(params.blowup, params.n_queries, k, 1 << matrix_shape(n, params)[1]) for n in sizes
    )
