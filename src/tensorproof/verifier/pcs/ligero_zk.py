"""Verifier of ``ligero-zk``: the Ligero/Brakedown tensor-code PCS made hiding (the spec).

Commitment (prover/pcs/ligero_zk.py). The table T (2^n F elements) is the 2^a x C matrix M,
C = 2^b, M[i, c] = T[i C + c] (``zk_layout`` picks a, b). Only its first R <= 2^a rows are
committed when the caller knows the entries past ``used`` are zero (a per-proof table's
public layout, packing.Packing.used; ``zk_layout`` picks the split for it): both sides then
read T as those rows, zero-extended, so the commitment binds that table exactly as before
and a zero row costs nothing. Each committed
data row i becomes the polynomial of degree < C' = C + l

    f_i(X) = sum_{c < C} M[i, c] X^c + X^C rho_i(X),    rho_i: l uniform coefficients,

and B (1 + P) k MASK rows (B = ``openings``, P = ``points``) are polynomials of degree < C'
with all C' coefficients uniform. They are grouped k at a time into K-rows
Qh_{g,j} = sum_s X^s Q_{g,j,s} (block g < B, slot j <= P): a uniform vector of K^C'.
Every row is evaluated on the subgroup <w_N> of order N = 2^log_n (a non-systematic
Reed-Solomon code RS[F, <w_N>, C'], N >= blowup C and N >= 3 C'; no position carries a
message symbol). Leaf c of the Keccak Merkle tree (``verifier.merkle``) is
salt_c ‖ column c (8-byte big-endian F elements, all R' = R + B (1 + P) k rows), with a
fresh 32-byte salt_c per column. With e_j = eq(z_c,j, .) (low-order coordinates) and
E_j = eq(z_r,j, .) (high-order ones), T~(z_j) = <E_j^T M, e_j>.

Row forms (``verify_forms``, prover ``open_forms``): the same opening for linear forms
<E_j^T M, eq(z_c,j, .)> with any public row weights E_j (K^(2^a)), not only E_j = eq(z_r,j, .):
the statement absorbs the row weights and column points ("pcs/forms"), and nothing below uses
E_j's structure, so soundness and zero knowledge carry over. It opens the blinded merge's
region claims (verifier/zk_merge.py: RegionClaim, region_form), which no point reaches.

Opening at z_1..z_m (m <= P), message by message:
  0. both sides absorb the statement (tag, params, n, k, points, values);
  1. P sends g, the mask block of this opening (u16, g < B; each block serves one opening);
  2. P sends y_j = <Qh_{g,j}[:C], e_j> for j = 1..m (K elements: the masks' own values);
  3. V draws gamma_1..gamma_m, r in K^R (the committed data rows) and r'_1..r'_m (after
     every y_j);
  4. P sends u_0 = r^T F + sum_j r'_j Qh_{g,j} + Qh_{g,0} and u_j = gamma_j E_j^T F + Qh_{g,j}
     (F: the data rows' C' coefficients; each u a vector of K^C');
     V checks <u_j[:C], e_j> = gamma_j v_j + y_j;
  5. t column indices <- transcript (after every u); P sends the distinct opened columns
     (sorted), their salts and one Merkle multi-opening; V checks the opening against the
     root and, at every opened column c, Enc(u_s)[c] = sum_i coeff_{s,i} col_c[i] for the
     coefficients of step 4 (``combination_coefficients``).

Soundness (bound (*ZK) in ``_bits``):
    eps <= N/|K| + 1/|K| + (1 - e/N)^t,   d = N - C' + 1, e = max{e : 2e <= N - C'}.
Proximity: the rows this opening uses (data rows, K-rows Qh_{g,0..m}; no other row enters a
check) are words of K^N, and u_0 = Qh_{g,0} + r^T F + sum_j r'_j Qh_{g,j} with r, r' uniform
is a uniform point of the affine space Qh_{g,0} + span_K{those rows}. Ben-Sasson, Carmon,
Ishai, Kopparty, Saraf, "Proximity Gaps for Reed-Solomon Codes" (FOCS 2020; JACM 2023),
Theorem 1.6 (correlated agreement over affine spaces) with the unique-decoding error of
Theorem 1.4 (delta = e/N <= (1 - rho)/2, eps = N/|K|; proved in their Sec. 4), for
RS_K = RS[K, <w_N>, C'] (no dependence on the space's dimension): unless
a uniform point is e-close to RS_K with probability <= N/|K|, the origin and every generator
agree with codewords of RS_K on one set D' of >= N - e positions (correlated agreement). A
K-codeword agreeing with an F row on D' (|D'| > C') has zero X^s components for s >= 1, so
the data rows decode to F codewords: the committed table the extractor outputs.
Columns: if there is no correlated agreement, then except with N/|K| the true combination
r^T U^ is more than e from every codeword, the encoded u_0 (a codeword) differs from it in
more than e positions, and one uniform query misses with probability < 1 - e/N. Otherwise
every u_s off the true combination of the decoded rows is a different codeword: they differ
in >= d positions, the columns agree with the decoded rows off <= e of them, and one query
misses with probability <= 1 - (d - e)/N <= 1 - e/N (d - e >= e + 1). t independent
queries: (1 - e/N)^t. Evaluation: once every u_j is the true combination of the decoded
rows, step 4 checks gamma_j (T~(z_j) - v_j) + (y*_j - y_j) = 0 with y*_j the decoded
mask's value; gamma_j is drawn after y_j, so a wrong v_j survives with probability 1/|K|
(Schwartz-Zippel in gamma_j). ``security_bits`` recomputes the level; t is the least with
(*ZK) <= 2^-target for the layout's (C', N): 134..171 for 100 bits (plain Ligero's bound (*)
of params.py, Ligero Lemma 4.2 in its d/3 form, would need 214..276 at these rates; the
padding raises the rate above 1/4, N >= 3 C' caps it at 1/3). ligero-zk-v1 used that bound;
v2 uses this one (no other change); v3 may take a code 2 or 4 times longer than the least
(``WIDEN_MAX``) when the lower rate's fewer queries make the opening at least ``WIDE_GAIN``
smaller (``zk_layout``): a choice of (C', N), the bound and the argument unchanged.

Zero knowledge (honest verifier; the Fiat-Shamir proof in the random-oracle model through the
salted leaves, Ben-Sasson-Chiesa-Spooner, TCC 2016-B, the ZK clause of the BCS transform;
the same ingredients as Ligero CCS 2017 Sec. 4-5 "random codewords u', u''" and Longfellow's
Ligero, Frigo-shelat, draft-google-cfrg-libzk). Fix T, the points, the challenges and the
opened set S, |S| <= t. The view is (y, u_0..u_m, the R' entries of every column in S).
 - Data rows: f_i(w^c) = m_i(w^c) + w^(cC) rho_i(w^c); rho -> (w^(cC) rho(w^c))_{c in S} is a
   Vandermonde map of rank |S| when |S| <= l at distinct nonzero points: uniform and independent
   over rows. Over B openings the opened sets add up, hence l = B t (an exact budget), and
   each opening uses its own mask block: jointly, the views are uniform on the space cut out
   by every opening's checks at every opened column. A block is single-use (the prover's
   ``opened`` count refuses a reuse; copies of one proving key share no count).
 - u_0 = (...) + Qh_{g,0} and u_j = (...) + Qh_{g,j}: the map (Qh_{g,0}, .., Qh_{g,m}) ->
   (u_0, .., u_m) is unitriangular, so the u's are uniform on K^((1+m) C') and independent of
   the data columns; y_j = <u_j[:C], e_j> - gamma_j v_j and the used mask rows' entries in S
   (Qh_{g,j}(w^c) = Enc(u_j)[c] - gamma_j sum_i E_j[i] col_c[i], then Qh_{g,0}) are functions
   of them. Unused mask rows are uniform.
So the view is uniform on an affine space fixed by (shape, points, values, challenges, S);
``prover.pcs.ligero_zk.simulate_opening`` samples it without T. Salts make each unopened leaf
hash a random-oracle output on a fresh input. tests/protocol/test_ligero_zk.py checks all this
by exact linear algebra. The values v_j themselves are revealed (the statement).
The caller must have absorbed the commitment before ``verify`` and must end with check_eof.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import ConfigError, ProofFormatError, VerificationError
from ...field.params import EXTENSION_DEGREES, TWO_ADICITY, P
from .. import evaluations as ev
from ..merkle import LEAF_PREFIX, verify_multi_rows
from .commitment import (
    MAX_N_VARS,
    Commitment,
    absorb_statement,
    distinct_indices,
    normalize_points,
    normalize_values,
)
from .ligero import (
    MAX_BLOWUP,
    column_leaves,
    recv_multi_proof,
    recv_rows,
    statement_points,
)
from .params import DEFAULT_BLOWUP, TARGET_SECURITY_BITS

SCHEME_TAG = b"ligero-zk-v3"
SALT_BYTES = 32
"""Fresh salt per leaf: 256 bits, so a leaf hash is a random-oracle output on an unseen input."""
RATE_INV = 3
"""N >= 3 C': the padded code keeps rate <= 1/3 (e/N >= 1/3 - 1/N) however small the row."""
DEFAULT_POINTS = 2
"""Points per opening with masks (the protocol opens each group at one merged point; two
keeps the registry's generic two-point test and costs k F rows)."""
DEFAULT_OPENINGS = 2
"""Openings per commitment that stay zero-knowledge: a per-proof group is opened once; the
model's weights once by the setup certificate and once per proof, so 2 allows one proof per
key (a budget per group is the integration's: see the prover's ``opened`` counter). The
counter lives in memory: two processes loading one proving key both start at block 0, and two
openings of one block at different points reveal unmasked row combinations (review probe).
Before this scheme serves model proofs the counter must be persisted (atomically, under a lock,
before proof bytes leave) or each proof must re-commit."""
SIZE_SLACK = 1.05
"""A layout may give up 5% of opening size for a smaller encoded matrix (``zk_layout``)."""
WIDEN_MAX = 2
"""Codes up to 2^WIDEN_MAX times the least length N are considered (``zk_layout``)."""
WIDE_GAIN = 0.9
"""A code 2^w times the least length (lower rate: fewer queries and padding columns, but about
2^w times the encoding work and Merkle leaves) is taken only when its opening is at most
WIDE_GAIN^w of the least-length code's: each doubling of proving work buys 10% of opening size
(4l_relu_conv_fc's advice: 12.7 kB smaller at 1.8x the work; lenet-5's keeps the least length,
6% smaller at 2x, 11% at 4x)."""
MAX_POINTS = 16
MAX_OPENINGS = 64
MAX_QUERIES = 4096
BLOCK, Y, GAMMA, COMBINE = "ligero-zk/block", "ligero-zk/y", "ligero-zk/gamma", "ligero-zk/combine"
U0, U_EVALS, QUERIES = "ligero-zk/u0", "ligero-zk/u_evals", "ligero-zk/queries"
COLUMNS, SALTS, MERKLE = "ligero-zk/columns", "ligero-zk/salts", "ligero-zk/merkle"


@dataclass(frozen=True)
class LigeroZkParams:
    """Inverse rate floor, masked points per opening, zero-knowledge openings, K's degree and
    the soundness target the per-shape query count is computed for."""

    blowup: int = DEFAULT_BLOWUP
    points: int = DEFAULT_POINTS
    openings: int = DEFAULT_OPENINGS
    k: int = 2
    target_bits: int = TARGET_SECURITY_BITS

    def __post_init__(self) -> None:
        b = self.blowup
        if not isinstance(b, int) or isinstance(b, bool) or b < 2 or b & (b - 1):
            raise ValueError(f"blowup must be a power of two >= 2, got {b!r}")
        for name, hi in (("points", MAX_POINTS), ("openings", MAX_OPENINGS),
                         ("target_bits", 255)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= hi:
                raise ValueError(f"{name} must be an integer in [1, {hi}], got {v!r}")
        if self.k not in EXTENSION_DEGREES:
            raise ValueError(f"unsupported extension degree {self.k} ({EXTENSION_DEGREES})")

    @property
    def mask_rows(self) -> int:
        """F mask rows: k per K-row, 1 + points K-rows per opening block."""
        return self.openings * (1 + self.points) * self.k

    def to_bytes(self) -> bytes:
        """u8 log2(blowup) ‖ u8 points ‖ u16 openings ‖ u8 k ‖ u8 target_bits."""
        return (bytes([self.blowup.bit_length() - 1, self.points])
                + self.openings.to_bytes(2, "big") + bytes([self.k, self.target_bits]))


@dataclass(frozen=True)
class ZkLayout:
    """The committed matrix of one table size: 2^a data rows of C = 2^b entries, l padding
    symbols per data row, ``mask_rows`` mask rows, codewords of N = 2^log_n, t queries."""

    a: int
    b: int
    ell: int
    log_n: int
    n_queries: int
    points: int
    k: int
    mask_rows: int
    used_rows: int = 0
    """R: the committed data rows (0: all 2^a); rows past R are zero and not committed."""

    @property
    def data_rows(self) -> int:
        """The committed data rows R."""
        return self.used_rows or 1 << self.a

    @property
    def rows(self) -> int:
        return self.data_rows + self.mask_rows

    @property
    def cols(self) -> int:
        return 1 << self.b

    @property
    def msg_len(self) -> int:
        """C' = C + l coefficients per row."""
        return self.cols + self.ell

    @property
    def coeff_len(self) -> int:
        """C' rounded up to a power of two (the NTT input; the rest are zeros)."""
        return 1 << (self.msg_len - 1).bit_length()

    @property
    def n_cols(self) -> int:
        return 1 << self.log_n

    def mask_row(self, block: int, j: int) -> np.ndarray:
        """The k F rows of K-row Qh_{block, j} (X^s coefficient in row s)."""
        first = self.data_rows + (block * (1 + self.points) + j) * self.k
        return np.arange(first, first + self.k)


def _radius(msg_len: int, n_cols: int) -> int:
    """e: the largest e with 2e <= N - C' (relative radius (1 - rho)/2, BCIKS20 Thm 1.4)."""
    return (n_cols - msg_len) // 2


def _field_term(n_cols: int, k: int) -> float:
    """N/|K| (BCIKS20 Thm 1.6, unique decoding) + 1/|K| (gamma_j)."""
    return (n_cols + 1) / float(P) ** k


def _bits(msg_len: int, n_cols: int, n_queries: int, k: int) -> float:
    """-log2 of bound (*ZK) for codewords of n_cols symbols of degree < msg_len."""
    if msg_len >= n_cols:
        return 0.0
    eps = _field_term(n_cols, k) + (1.0 - _radius(msg_len, n_cols) / n_cols) ** n_queries
    return -math.log2(eps) if eps < 1.0 else 0.0


def _min_queries(msg_len: int, n_cols: int, k: int, target: int) -> int | None:
    """The least t with (*ZK) <= 2^-target for this code, or None if the field term is too big."""
    e = _radius(msg_len, n_cols)
    budget = 2.0 ** -target - _field_term(n_cols, k)
    if e < 1 or budget <= 0:
        return None
    t = max(1, math.ceil(math.log(budget) / math.log(1.0 - e / n_cols)))
    while _bits(msg_len, n_cols, t, k) < target:  # float rounding
        t += 1
    return t


def _code(b: int, t: int, params: LigeroZkParams, widen: int = 0) -> tuple[int, int]:
    """(l, log_n) for rows of 2^b entries and t queries: l = B t, C' = 2^b + l, and N
    2^widen times the least power of two with N >= blowup 2^b and N >= RATE_INV C'."""
    ell = params.openings * t
    msg = (1 << b) + ell
    return ell, max(b + params.blowup.bit_length() - 1,
                    (RATE_INV * msg - 1).bit_length()) + widen


def _meets(b: int, t: int, params: LigeroZkParams, widen: int = 0) -> bool:
    ell, log_n = _code(b, t, params, widen)
    return (log_n <= TWO_ADICITY
            and _bits((1 << b) + ell, 1 << log_n, t, params.k) >= params.target_bits)


@cache  # every layout search asks for the same row widths: a fresh verifier's first key
def _code_for(b: int, params: LigeroZkParams, widen: int = 0
              ) -> tuple[int, int, int] | None:
    """(t, l, log_n) for rows of 2^b entries (codes ``widen`` doublings past the least): the
    fixed point t -> (l, N) = ``_code`` -> least t for the target, from below (e/N < 1/2 bounds
    t below; t only grows, each step meets the target for the code it was computed for), then
    lowered while t - 1 still meets it (N may have doubled on the way). So t meets the target
    and t - 1 does not."""
    t = params.target_bits  # e/N < 1/2: one query misses with probability > 1/2
    for _ in range(64):
        ell, log_n = _code(b, t, params, widen)
        need = _min_queries((1 << b) + ell, 1 << log_n, params.k, params.target_bits)
        if log_n > TWO_ADICITY or need is None or need > MAX_QUERIES:
            return None
        if need <= t:
            while t > 1 and _meets(b, t - 1, params, widen):
                t -= 1
            return (t, *_code(b, t, params, widen))
        t = need
    return None


def zk_layout(n_vars: int, params: LigeroZkParams, used: int | None = None) -> ZkLayout:
    """The layout of a table of 2^n_vars entries of which only the first ``used`` may be
    nonzero (None: all; a public fact of the caller's layout, packing.Packing.used): a split
    (a, b) commits the R = ceil(used / 2^b) rows that hold them (``ZkLayout.used_rows``).
    Unlike plain Ligero (whose encoding is blowup 2^n symbols for every split), the encoded
    size R' N depends on the split: of the splits whose estimated one-opening size (t columns
    of R' elements, salt and Merkle path; u_0..u_P of C' K elements) is within SIZE_SLACK of
    the smallest, the least encoding work; a code 2^w times longer (w <= WIDEN_MAX) only when
    its opening is at most WIDE_GAIN^w of that choice's. ValueError if ``used`` is outside
    [0, 2^n_vars]."""
    if not 0 <= n_vars <= MAX_N_VARS:
        raise ValueError(f"n_vars {n_vars} outside [0, {MAX_N_VARS}]")
    if used is not None and (isinstance(used, bool) or not isinstance(used, int)
                             or not 0 <= used <= 1 << n_vars):
        raise ValueError(f"ligero-zk: {used!r} used entries of a table of 2^{n_vars}")
    return _zk_layout(n_vars, params, None if used is None else int(used))


@cache
def _zk_layout(n_vars: int, params: LigeroZkParams, used: int | None) -> ZkLayout:
    least = _choose(_layouts(n_vars, params, used, 0))
    if least is None:
        raise ValueError(f"no layout of 2^{n_vars} entries meets {params.target_bits} bits")
    best = least
    for widen in range(1, WIDEN_MAX + 1):
        wide = _choose(_layouts(n_vars, params, used, widen))
        if wide is not None and wide[0] <= WIDE_GAIN ** widen * least[0] and wide[0] < best[0]:
            best = wide
    return best[2]


def _layouts(n_vars: int, params: LigeroZkParams, used: int | None, widen: int
             ) -> list[tuple[float, int, ZkLayout]]:
    """(estimated opening size in F elements, encoded entries, layout) of every split."""
    found = []
    for a in range(n_vars + 1):
        code = _code_for(n_vars - a, params, widen)
        if code is None:
            continue
        t, ell, log_n = code
        rows = 1 << a if used is None else max(1, -(-used >> (n_vars - a)))
        lay = ZkLayout(a, n_vars - a, ell, log_n, t, params.points, params.k, params.mask_rows,
                       rows if rows < 1 << a else 0)
        opened = min(t, lay.n_cols)
        path = 4 * max(0.0, log_n - math.log2(opened))  # 32-byte nodes = 4 F elements
        size = (opened * (lay.rows + SALT_BYTES // 8 + path)
                + (1 + params.points) * params.k * lay.msg_len)
        found.append((size, lay.rows * lay.n_cols, lay))
    return found


def _choose(found: list[tuple[float, int, ZkLayout]]) -> tuple[float, int, ZkLayout] | None:
    """Of the layouts within SIZE_SLACK of the smallest, the least encoding work."""
    if not found:
        return None
    smallest = min(size for size, _, _ in found)
    work, size, _, lay = min((work, size, lay.a, lay) for size, work, lay in found
                             if size <= SIZE_SLACK * smallest)
    return size, work, lay


def security_bits(params: LigeroZkParams, n_vars: int | None = None,
                  used: int | None = None) -> float:
    """Bits of soundness of one opening by (*ZK): at table size 2^n_vars (``used`` as in
    ``zk_layout``: it may pick another split), or the worst case over every supported size
    (ValueError if some size has no layout)."""
    sizes = range(MAX_N_VARS + 1) if n_vars is None else [n_vars]
    return min(_bits(lay.msg_len, lay.n_cols, lay.n_queries, params.k)
               for lay in (zk_layout(n, params, used) for n in sizes))


def statement_tag(params: LigeroZkParams) -> bytes:
    return SCHEME_TAG + params.to_bytes()


def combination_coefficients(lay: ZkLayout, block: int, eq_rows: np.ndarray, r: np.ndarray,
                             r_mask: np.ndarray, gammas: np.ndarray) -> np.ndarray:
    """The (1 + m, R', k) coefficients of u_0, u_1..u_m over the F rows (step 4): data rows r
    and gamma_j E_j; K-row Qh_{g,j} with weight w enters as w X^s on its row s."""
    m, k = len(eq_rows), lay.k
    kv = ev.vec(k)
    basis = np.eye(k, dtype=np.uint64)  # row s = X^s
    out = np.zeros((1 + m, lay.rows, k), dtype=np.uint64)
    out[0, : lay.data_rows] = r
    out[0, lay.mask_row(block, 0)] = basis
    for j in range(1, m + 1):
        rows = lay.mask_row(block, j)
        out[0, rows] = kv.mul(np.repeat(r_mask[j - 1 : j], k, axis=0), basis)
        out[j, : lay.data_rows] = kv.scale(eq_rows[j - 1], tuple(int(c) for c in gammas[j - 1]))
        out[j, rows] = basis
    return out


def encode_at(us: np.ndarray, lay: ZkLayout, idx: np.ndarray) -> np.ndarray:
    """Enc(u)[idx] of K vectors us (s, C', k) -> (s, q, k) (``evaluations.rs_encode_at``)."""
    s, msg, k = us.shape
    coeffs = np.zeros((s * k, lay.coeff_len), dtype=np.uint64)
    coeffs[:, :msg] = us.transpose(0, 2, 1).reshape(s * k, msg)
    enc = ev.rs_encode_at(coeffs, lay.n_cols // lay.coeff_len, idx)
    return enc.reshape(s, k, -1).transpose(0, 2, 1)


def salted_leaves(salts: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Leaf bytes salt_c ‖ column c (big-endian) of (q, 32) salts and (q, R') columns."""
    return np.concatenate([salts, column_leaves(columns)], axis=1)


@dataclass(frozen=True)
class RowForm:
    """A linear form on the committed table as Ligero's matrix sees it: sum_i rows[i]
    <M_i, eq(col_point, .)>, rows a K vector over the 2^a data rows (as an (2^a, k) uint64
    array or a sequence of K elements), col_point b K coordinates."""

    rows: Any
    col_point: tuple


def check_forms(forms: Sequence[RowForm], lay: ZkLayout, k: int
                ) -> tuple[np.ndarray, list[np.ndarray]]:
    """(row weights (m, 2^a, k), column eq tables): VerificationError unless every form fits
    the layout's split (2^a row weights in K, b column coordinates; the weights of rows past
    the committed R multiply zero rows and are dropped by the caller)."""
    rows, cols = [], []
    for j, f in enumerate(forms):
        r = _canonical_rows(f.rows, k)
        if r.shape != (1 << lay.a, k) or len(f.col_point) != lay.b:
            raise VerificationError(f"row form {j} does not fit the layout (2^{lay.a} row "
                                    f"weights and {lay.b} column coordinates)")
        rows.append(r)
        cols.append(ev.eq_table(k, [tuple(int(c) for c in x) for x in f.col_point]))
    return np.stack(rows), cols


def _canonical_rows(rows: Any, k: int) -> np.ndarray:
    """A form's row weights as a canonical uint64 array (reduced mod p): a uint64 array as
    it is (one vector operation), other sequences of K elements through Python ints."""
    if isinstance(rows, np.ndarray) and rows.dtype == np.uint64 and rows.ndim == 2:
        return rows % np.uint64(P)
    return np.asarray([tuple(int(c) % P for c in x) for x in rows],
                      dtype=np.uint64).reshape(-1, k)


def absorb_forms(transcript: Any, scheme: bytes, n_vars: int, k: int, rows: np.ndarray,
                 forms: Sequence[RowForm], values: Sequence[tuple[int, ...]]) -> None:
    """Absorb what a forms opening claims (a distinct record from ``absorb_statement``'s):
    u8 |scheme| ‖ scheme ‖ u8 n_vars ‖ u8 k ‖ u32 m ‖ every row weight ‖ every column point ‖
    values."""
    from ...field.encoding import encode_f_array, encode_k

    head = bytes([len(scheme)]) + scheme + bytes([n_vars, k]) + len(forms).to_bytes(4, "big")
    weights = encode_f_array(rows)  # canonical (check_forms): every weight's k coefficients
    coords = b"".join(encode_k(tuple(int(c) for c in x)) for f in forms for x in f.col_point)
    transcript.absorb_bytes("pcs/forms", head + weights + coords
                            + b"".join(encode_k(v) for v in values))


def check_point_count(m: int, params: LigeroZkParams) -> int:
    if m > params.points:
        raise VerificationError(f"ligero-zk: {m} points, the commitment masks at most "
                                f"{params.points} per opening")
    return m


class LigeroZkVerifier:
    """Checks openings of a ``Commitment`` made by the ligero-zk prover with the same params."""

    def __init__(self, params: LigeroZkParams | None = None) -> None:
        self.params = params or LigeroZkParams()
        self.k = self.params.k

    def verify(self, commitment: Commitment, points: Sequence[Sequence[Any]],
               values: Sequence[Any], transcript: Any, used: int | None = None) -> None:
        """Check T~(z_j) = values[j] for all j; raises VerificationError (ProofFormatError on
        malformed bytes). Soundness: ``commitment`` must already be absorbed by the caller.
        ``used``: as the commitment was made (``zk_layout``; None: every entry)."""
        prm, k = self.params, self.k
        n = commitment.n_vars
        lay = self._layout(n, used)
        pts = normalize_points(points, n, k)
        m = check_point_count(len(pts), prm)
        vals = normalize_values(values, m, k)
        absorb_statement(transcript, statement_tag(prm), n, k, pts, vals)
        eq_rows, eq_cols = statement_points(pts, lay.b, k)
        self._verify_rows(commitment, lay, eq_rows, eq_cols, vals, transcript)

    def _layout(self, n: int, used: int | None) -> ZkLayout:
        try:
            return zk_layout(n, self.params, used)
        except ValueError as e:
            raise VerificationError(f"{e}") from None

    def verify_forms(self, commitment: Commitment, forms: Sequence[RowForm],
                     values: Sequence[Any], transcript: Any, block: int | None = None,
                     used: int | None = None) -> None:
        """Check <E_j^T M, eq(z_j, .)> = values[j] for row forms (E_j: row weights over the
        2^a data rows, z_j: the column point, ``RowForm``); a point is the form
        (eq(z_r, .), z_c). The same opening; the statement absorbs the forms. Soundness as
        ``verify`` (the proof of the module docstring never uses E_j's structure). ``block``:
        the mask block the opening must use (a caller whose forms depend on it); ``used`` as
        in ``verify``."""
        prm, k = self.params, self.k
        n = commitment.n_vars
        lay = self._layout(n, used)
        m = check_point_count(len(forms), prm)
        if m == 0:
            raise VerificationError("an opening needs at least one form")
        vals = normalize_values(values, m, k)
        eq_rows, eq_cols = check_forms(forms, lay, k)
        absorb_forms(transcript, statement_tag(prm), n, k, eq_rows, forms, vals)
        self._verify_rows(commitment, lay, eq_rows, eq_cols, vals, transcript, block)

    def _verify_rows(self, commitment: Commitment, lay: ZkLayout, eq_rows: np.ndarray,
                     eq_cols: list, vals: list, transcript: Any,
                     expected: int | None = None) -> None:
        prm, k, m = self.params, self.k, len(vals)
        block = int.from_bytes(transcript.recv_bytes(BLOCK, 2), "big")
        if block >= prm.openings:
            raise ProofFormatError(f"ligero-zk: mask block {block} >= {prm.openings}")
        if expected is not None and block != expected:
            raise VerificationError(f"ligero-zk: the opening uses mask block {block}, its "
                                    f"forms block {expected}")
        ys = transcript.recv_k_array(Y, m, k)
        gammas = np.array(transcript.challenges_k(GAMMA, m, k), dtype=np.uint64)
        rr = np.array(transcript.challenges_k(COMBINE, lay.data_rows + m, k), dtype=np.uint64)
        u0 = transcript.recv_k_array(U0, lay.msg_len, k)
        us = transcript.recv_k_array(U_EVALS, m * lay.msg_len, k).reshape(m, -1, k)
        kv = ev.vec(k)
        for j in range(m):
            want = kv.add(kv.mul(gammas[j], np.array(vals[j], dtype=np.uint64)), ys[j])
            if kv.inner(us[j, : lay.cols], eq_cols[j]) != tuple(int(c) for c in want):
                raise VerificationError(f"ligero-zk: value {j} does not match the combined row")
        idx = distinct_indices(transcript, QUERIES, lay.n_queries, lay.n_cols)
        cols = transcript.recv_f_array(COLUMNS, idx.size * lay.rows).reshape(idx.size, lay.rows)
        salts = recv_rows(transcript, SALTS, idx.size, SALT_BYTES)
        nodes = recv_multi_proof(transcript, MERKLE, lay.log_n, idx)
        leaf_hashes = ev.hash_rows(salted_leaves(salts, cols), LEAF_PREFIX[0])
        verify_multi_rows(commitment.root, lay.log_n, idx, leaf_hashes, nodes)
        coeffs = combination_coefficients(lay, block, eq_rows[:, : lay.data_rows],
                                          rr[: lay.data_rows],
                                          rr[lay.data_rows :], gammas)
        expected = encode_at(np.concatenate([u0[None], us]), lay, idx)
        got = ev.combine_rows(coeffs, np.ascontiguousarray(cols.T))
        bad = np.argwhere(np.any(expected != got, axis=2))
        if bad.size:
            which, col = int(bad[0, 0]), int(idx[bad[0, 1]])
            what = "the proximity row u_0" if which == 0 else f"evaluation row {which - 1}"
            raise VerificationError(f"ligero-zk: column {col} is inconsistent with {what}")


# ---- the registry entry (verifier/pcs/registry.py) -------------------------------------------


def ligero_zk_params(config: dict) -> LigeroZkParams:
    """The parameters of a ligero-zk configuration (fields "blowup", "points", "openings")."""
    return LigeroZkParams(blowup=config["blowup"], points=config["points"],
                          openings=config["openings"], k=config["k"])


def ligero_zk_config(params: LigeroZkParams) -> dict:
    """The registry configuration of ``params`` (the inverse of :func:`ligero_zk_params`):
    how a plan's hiding commitments reach pcs_config.pcs_verifier and the prover's registry."""
    return {"k": params.k, "pcs": "ligero-zk", "blowup": params.blowup,
            "points": params.points, "openings": params.openings}


class LigeroZkScheme:
    """ligero-zk in the registry: fields "blowup", "points", "openings"; the query count of
    each size is derived for TARGET_SECURITY_BITS and recomputed here for every size."""

    name = "ligero-zk"
    defaults = MappingProxyType({"blowup": DEFAULT_BLOWUP, "points": DEFAULT_POINTS,
                                 "openings": DEFAULT_OPENINGS})
    ignored: frozenset[str] = frozenset()

    def check(self, config: dict) -> None:
        try:
            params = ligero_zk_params(config)
            if params.blowup > MAX_BLOWUP:
                raise ValueError(f"blowup {params.blowup} exceeds the supported {MAX_BLOWUP}")
            bits = security_bits(params)
        except ValueError as e:
            raise ConfigError(f"{e}") from None
        if bits < TARGET_SECURITY_BITS:
            raise ConfigError(f"commitment parameters give {bits:.1f} bits of security, below "
                              f"the required {TARGET_SECURITY_BITS}")

    def commitment_extra(self, config: dict) -> int:
        return 0

    def verifier(self, config: dict) -> LigeroZkVerifier:
        return LigeroZkVerifier(ligero_zk_params(config))


SCHEME = LigeroZkScheme()
