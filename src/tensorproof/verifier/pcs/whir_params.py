"""Parameters of the WHIR commitment, its query schedule and the proven bound that sets it.

Notation (``whir.py`` runs exactly this). K = F_p^k; f_0 has m variables (m = ``padded_vars``),
M = ceil((m - final_vars)/kappa) rounds, round i folds kappa variables of f_i: m_i = m - i*kappa,
f_i lives on L_i with |L_i| = 2^(m_i + r_i), r_0 = log_inv_rate,
r_(i+1) = min(r_i + kappa - 1, rate_cap) (L_(i+1) = L_i^(2^(kappa - r_(i+1) + r_i)): WHIR halves
the domain; the cap keeps the later codewords, which the prover computes for every opening,
from growing to 2^(kappa-1) times the previous rate's blowup, at the price of a few queries),
rate rho_i = 2^-r_i; f_M (m_M <= final_vars variables) is sent in clear. Round i: kappa
sumcheck rounds (challenge alpha in K each), then (i < M-1) the root of f_(i+1) and s OOD
samples, PoW of ``pow_bits``, t_i queries in L_i^(2^kappa), (i < M-1) a combination gamma.

Round-by-round (RBR) soundness, WHIR Thm 5.2 (ACFY, ePrint 2024/1586) with its hypotheses met by
proven results only. Regime "johnson": delta_i = 1 - sqrt(rho_i) - eta_i, eta_i = sqrt(rho_i)/c_i
(c_i chosen below), list size l_i = 1/(2 eta_i sqrt(rho_i)) (Johnson bound, WHIR Thm 4.3).
Each term is an RBR error; each must be <= 2^-security ("bits" = -log2 of it):

* fold (round i, sumcheck round s = 1..kappa):  (d l_i + a_(i,s)) / |K|,  d = 3.
  WHIR Thm 5.2 eps_fold = d* l_(i,s-1)/|F| + err*(C_(i,s), 2, delta_i), d = max(d*, 3) = 3 for
  weights Z*eq(z, X) (our round polynomials have degree 2, so 3 is conservative).
  err* = MCA error of the line u_0 + alpha u_1 (Gen(2; alpha) = (1, alpha)) for
  C_(i,s) = RS[K, L_i^(2^s), m_i - s]: Ben-Sasson, Carmon, Haboeck, Kopparty, Saraf, "On proximity
  gaps for Reed-Solomon codes", ePrint 2025/2055, Thm 4.6 (list/mutual correlated agreement up to
  Johnson; its exceptional-set bound is that of Thm 4.2), curve degree M = 1: with n = |L_i|/2^s,
  rho' = (2^(m_i - s) - 1)/n (its "slightly reduced rate", degree bound over n), gamma = delta_i,
      mm = max(ceil(sqrt(rho') / (1 - sqrt(rho') - gamma)), 3) + 1/2    (the printed, looser m)
      a  = (2 mm^5 + 3 mm gamma rho') / (3 rho'^(3/2)) * n + mm / sqrt(rho').
  Thm 4.6 proves WHIR's Conjecture 4.12 item 1 (MCA up to Johnson) with a bound linear in n; its
  proof is a sketch extending Sec. 3.2 (a preprint; Haboeck, ePrint 2025/2110, Thm 2 has a full
  argument with a bound quadratic in n). The "up to capacity" conjectures (item 2; disproven,
  Crites-Stewart ePrint 2025/2046) are never used.
* OOD (commitment of f_i, s samples): C(l_i, 2) * (2^m_i / (|K| - |L_i|))^s.
  STIR (ACFY, ePrint 2024/390) Lemma 4.5 for s samples; WHIR Thm 5.2 eps_out for s = 1. Two
  distinct list members (degree < 2^m_i) agree on a uniform point of K (or of K \\ L_i) w.p.
  <= 2^m_i / (|K| - |L_i|); union over pairs.
* initial combination: l_0 (J + s - 1)/|K|, J <= MAX_CLAIMS claimed points merged with the s OOD
  constraints by powers of one gamma (Schwartz-Zippel on a nonzero polynomial of degree
  J + s - 1 in gamma, union over the list; the combination step of WHIR Thm 5.2).
* shift (round i < M-1):  (1 - delta_i)^t_i 2^-pow  +  l_(i+1) (t_i + s)/|K|.
  WHIR Thm 5.2 eps_shift (t + 1 there is t_i + s here: t_i folded values and s OOD answers join
  the claim); the PoW divides only the query part (conservative: gamma comes after the fibers).
* final (round M-1): (1 - delta_(M-1))^t_(M-1) 2^-pow, WHIR Thm 5.2 eps_fin. The last check of
  the sumcheck claim against f_M is deterministic (no error).

Regime "unique" (comparison): delta_i = (1 - rho_i)/2 < delta_C/2, l = 1 (so OOD errors vanish),
err* = (2 - 1) 2^(m_i - s) / (rho_i |K|) = n/|K| (WHIR Cor. 4.11, MCA in unique decoding).

Choice of eta: any eta_i > 0 gives a valid bound; c_i (integer in [3, MAX_SLACK_DIVISOR]) is the
smallest value that reaches the fewest queries while every fold and OOD term of that code still
meets the target (bisection: those bits fall and the query count falls as c grows).
t_i is then the least count whose shift (or final) term meets the target.

Fiat-Shamir: as for Ligero (``params.py``) the level is quoted per round: RBR soundness (Canetti
et al., ePrint 2018/1004) eps gives state-restoration soundness <= Q eps against Q hash queries
(Holmgren, ePrint 2019/1261), hence the soundness of the BCS-hashed argument (ePrint 2016/116);
the PoW makes each try of a query phase cost 2^pow hashes. Merkle binding rests on Keccak-256
collision resistance (128 bits). Query indices are uniform (256-bit draws mod a power of two).

Batched opening (``whir.py``, ``verify_batch``): G tables f_g committed separately (m_g variables
each, domains L_g of size 2^(m_g + r_0)), m = max m_g, Delta_g = m - m_g, each embedded as
f_g,ext(X) = f_g(X^(2^Delta_g)) (its codeword on L, |L| = 2^(m + r_0), is f_g's at x^(2^Delta_g)),
opened together as h = sum_g beta^g f_g,ext with the schedule of the largest table. Extra
terms (``batch_error_terms``), each <= 2^-security or the tables are opened one by one:
* batch OOD (f_g, every embedding): C(l_u, 2) (2^m_g / (|K| - 2^32))^s, l_u = l_g + 33 l_cap.
  A batched opening extracts from f_g,ext the Delta-free component (coefficients with the low
  Delta bits zero) of a member of its list in RS[K, L, 2^m] (the embedding is not distance
  preserving for lists, so this can differ from f_g's own list member); the committed answers
  must pin one polynomial across every embedding a proof may use, so the union bound of STIR
  Lemma 4.5 runs over f_g's own list (l_g, WHIR Thm 4.3) and the lists of every code
  RS[L', 2^m'], m' <= 32, at rate rho_0 (at most l_cap = MAX_SLACK_DIVISOR/(2 rho_0) each, the
  largest Johnson list ``_choose_code`` may pick; 1 in the unique regime).
* batch combination: err*(RS[K, L, 2^m], M = G - 1, delta_0) for the curve
  sum_g beta^g f_g,ext (Gen(G; beta) = (1, beta, .., beta^(G-1))): BCHKS25 Thm 4.6 (mutual
  correlated agreement up to Johnson) with curve degree M = G - 1, taken conservatively as M
  times the line bound a of the fold terms (the (l - 1) factor of the curve theorem of
  Ben-Sasson et al., "Proximity gaps for Reed-Solomon codes", ePrint 2020/654, Thm 6.2); unique
  regime: M n / |K| (WHIR Cor. 4.11).
* batch cross-evaluations: l_0^G (G - 1) / |K|. Outside the MCA exceptional set each codeword
  near h is sum_g beta^g u_g with u_g in the list of f_g,ext (at most l_0 each, l_0^G tuples);
  for a tuple that violates one of the claimed values (the statements and the prover's
  cross-evaluations, all absorbed before beta), sum_g beta^g (u_g(p) - e_g(p)) is a nonzero
  polynomial of degree <= G - 1 in beta (Schwartz-Zippel, union over the tuples).
Both come from the one challenge beta, so they are reported as one term, their sum ("batch
beta"). With MAX_BATCH = 2 the curve is a line (M = 1): exactly Thm 4.6, no extrapolation.
The embedding g -> g_ext need not preserve distance in the Johnson regime when Delta > kappa (a
word far from its own code can be close to the big code after embedding); a batched opening
then extracts the Delta-free part of a big-code list member, which the "batch OOD, every
embedding" term ties to the committed answers (so a model opened in a batch and alone, in two
proofs, is the same polynomial). For Delta <= kappa agreement on whole fibers already forces
the Delta-free form. The initial combination term covers the J <= MAX_CLAIMS points of all
tables together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ...field.params import TWO_ADICITY, P
from .commitment import MAX_N_VARS

TARGET_SECURITY_BITS = 100

DEFAULT_LOG_INV_RATE = 4
"""Rate 1/16. At 2^16 / 2^17 entries an opening is ~43 / 52 KB (rate 1/4: 56 / 69 KB, 1/8: 48 /
58 KB, 1/32: 39 / 47 KB), for a first codeword of 2^(m+4) F elements (prover NTT and tree)."""

DEFAULT_FOLDING = 4
"""kappa = 4: 16-point fibers, 4 sumcheck rounds per commitment (WHIR's usual choice); kappa = 5
or 6 gives no smaller openings at 2^16-2^24."""

DEFAULT_FINAL_VARS = 8
"""f_M has at most 2^8 K coefficients (6 KB at k = 3): at 2^16 this replaces a third round of
queries (~6 KB more in all)."""

DEFAULT_RATE_CAP = 6
"""Later rounds at rate >= 1/64: with WHIR's plain halving, f_1 of a 2^18 table would live on
2^21 points (rate 1/128) and f_2 on 2^20 (rate 1/1024); capped, on 2^20 and 2^16, for ~3 more
queries in round 1 and ~2 in round 2."""

DEFAULT_OOD = 1
"""One OOD sample per commitment: at k = 3 its term exceeds 140 bits for every supported size."""

DEFAULT_POW_BITS = 16
"""2^16 Keccak hashes (~0.07 s) per query phase save 8 of ~50 queries in round 0 (-6 KB at 2^16,
-9 KB at 2^17); 20 bits would cost 16x the grinding for 2 KB more."""

SUMCHECK_DEGREE = 3
"""d = max(d*, 3) of WHIR Thm 5.2 (the round polynomials have degree 2 <= d - 1)."""

MAX_CLAIMS = 2**20
"""Claimed points per opening covered by the initial-combination term."""

MAX_SLACK_DIVISOR = 1024
"""Largest c in eta = sqrt(rho)/c tried (Johnson slack)."""

MAX_BATCH = 2
"""Most tables one batched opening takes. Two tables combine along a line f_1 + beta f_2, whose
mutual correlated agreement is exactly BCHKS25 Thm 4.6 with M = 1; more tables would need the
bound for a curve of degree G - 1, which ``batch_error_terms`` prices as (G - 1) times the line
bound (by analogy with BCIKS20 Thm 6.2) but which we have not checked against the paper: until
then, larger sets of tables are opened separately. A proof has two (weights and advice)."""

_REGIMES = ("johnson", "unique")


@dataclass(frozen=True)
class WhirParams:
    """Rate, folding, final size, OOD samples, PoW bits, target level, regime and k (K = F_p^k)."""

    k: int = 3
    log_inv_rate: int = DEFAULT_LOG_INV_RATE
    folding: int = DEFAULT_FOLDING
    final_vars: int = DEFAULT_FINAL_VARS
    ood: int = DEFAULT_OOD
    pow_bits: int = DEFAULT_POW_BITS
    security: int = TARGET_SECURITY_BITS
    regime: str = "johnson"
    rate_cap: int = DEFAULT_RATE_CAP

    def __post_init__(self) -> None:
        ranges = (
            ("log_inv_rate", 1, 6),
            ("folding", 1, 6),
            ("final_vars", self.folding, 12),
            ("ood", 1, 4),
            ("pow_bits", 0, 30),
            ("security", 80, 192),
            ("rate_cap", self.log_inv_rate, 16),
        )
        if not isinstance(self.k, int) or isinstance(self.k, bool) or self.k not in (2, 3):
            raise ValueError(f"whir k must be 2 or 3, got {self.k!r}")
        for name, lo, hi in ranges:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"whir {name} must be an integer in [{lo}, {hi}], got {v!r}")
        if self.regime not in _REGIMES:
            raise ValueError(f"whir regime must be one of {_REGIMES}, got {self.regime!r}")

    def to_bytes(self) -> bytes:
        """u8 k, log_inv_rate, folding, final_vars, ood, pow_bits ‖ u16 security ‖ u8 regime ‖
        u8 rate_cap."""
        head = bytes(
            [self.k, self.log_inv_rate, self.folding, self.final_vars, self.ood, self.pow_bits]
        )
        return (head + self.security.to_bytes(2, "big")
                + bytes([_REGIMES.index(self.regime), self.rate_cap]))


@dataclass(frozen=True)
class WhirRound:
    n_vars: int  # m_i (before this round's fold)
    log_domain: int  # log2 |L_i|
    queries: int  # t_i
    pow_bits: int
    ood: int  # OOD samples for the NEXT commitment (0 in the last round)


@dataclass(frozen=True)
class WhirSchedule:
    n_vars: int  # padded m
    rounds: tuple[WhirRound, ...]
    final_vars: int  # m_M


def padded_vars(params: WhirParams, n_vars: int) -> int:
    """m: tables are zero-padded to at least final_vars + 1 variables (so M >= 1)."""
    if not 0 <= n_vars <= MAX_N_VARS:
        raise ValueError(f"n_vars {n_vars} outside [0, {MAX_N_VARS}]")
    return max(n_vars, params.final_vars + 1)


# ---- the bound ---------------------------------------------------------------------------------

Term = tuple[str, float, str]
"""(name, bits, citation): bits = -log2 of the term's error probability."""

_CITE_OOD = "STIR Lemma 4.5 (WHIR Thm 5.2 eps_out): C(l,2) (2^m_i/(|K|-|L_i|))^s; l: WHIR Thm 4.3"
_CITE_COMB = "Schwartz-Zippel in gamma, union over the list: l_0 (J+s-1)/|K|, J <= MAX_CLAIMS"
_CITE_FOLD = {
    "johnson": "WHIR Thm 5.2 eps_fold = 3 l/|K| + err*, err* by BCHKS25 Thm 4.6 (M = 1)",
    "unique": "WHIR Thm 5.2 eps_fold = 3/|K| + err*, err* = n/|K| by WHIR Cor. 4.11",
}
_CITE_SHIFT = "WHIR Thm 5.2 eps_shift: (1-delta_i)^t 2^-pow + l_(i+1) (t+s)/|K|"
_CITE_FIN = "WHIR Thm 5.2 eps_fin: (1-delta_(M-1))^t 2^-pow"
_CITE_BATCH_OOD = ("STIR Lemma 4.5 over f_g's list and every embedding's (l_u = l_g + 33 l_cap): "
                   "C(l_u,2) (2^m_g/(|K|-2^32))^s")
_CITE_BATCH_MCA = {
    "johnson": "BCHKS25 Thm 4.6, curve of degree M = G-1 (M times the line bound, cf. BCIKS20 "
               "Thm 6.2)",
    "unique": "WHIR Cor. 4.11, curve of degree M = G-1: M n/|K|",
}
_CITE_BATCH_SZ = "Schwartz-Zippel in beta (degree G-1), union over l_0^G list tuples"


def _log_add(*logs: float) -> float:
    """log2 of a sum of the 2^x."""
    top = max(logs)
    return top + math.log2(sum(2.0 ** (x - top) for x in logs))


@dataclass(frozen=True)
class _Code:
    """The code of f_i: m_i, r_i, the Johnson divisor c_i, delta_i and the list bound l_i."""

    m: int
    r: int
    c: int
    delta: float
    ell: float


_Plan = tuple[tuple[_Code, ...], tuple[int, ...]]
"""(codes, queries) of every round."""


def _code(params: WhirParams, m: int, r: int, c: int) -> _Code:
    """Johnson: eta = sqrt(rho)/c, delta = 1 - sqrt(rho) - eta, l = 1/(2 eta sqrt(rho)) (WHIR Thm
    4.3). Unique: delta = (1 - rho)/2, l = 1."""
    rho = 2.0**-r
    if params.regime == "unique":
        return _Code(m, r, 0, (1.0 - rho) / 2.0, 1.0)
    eta = math.sqrt(rho) / c
    return _Code(m, r, c, 1.0 - math.sqrt(rho) - eta, 1.0 / (2.0 * eta * math.sqrt(rho)))


def _log_mca(params: WhirParams, m_code: int, log_n: int, delta: float) -> float:
    """log2 of the bound a on the bad alphas of the line u_0 + alpha u_1 for RS[K, D, m_code],
    |D| = 2^log_n: BCHKS25 Thm 4.6 with M = 1 (module docstring), or n (WHIR Cor. 4.11)."""
    if params.regime == "unique":
        return float(log_n)
    n = 2.0**log_n
    rho = ((1 << m_code) - 1) / n  # degree bound / n, the theorem's reduced rate
    if rho <= 0.0:
        raise ValueError("whir: a folded code of dimension 1")
    sq = math.sqrt(rho)
    mm = max(math.ceil(sq / (1.0 - sq - delta) * (1.0 + 1e-12)), 3) + 0.5  # rounding raises m
    return math.log2((2.0 * mm**5 + 3.0 * mm * delta * rho) / (3.0 * rho * sq) * n + mm / sq)


def _code_terms(params: WhirParams, i: int, code: _Code) -> list[Term]:
    """The terms set by code i alone: its OOD samples, its kappa folds (round 0: and the initial
    combination)."""
    log_k = params.k * math.log2(P)
    pairs = code.ell * (code.ell - 1.0) / 2.0
    log_free = math.log2(float(P) ** params.k - 2.0 ** (code.m + code.r))  # |K| - |L_i|
    ood = -math.log2(pairs) - params.ood * (code.m - log_free) if pairs > 0.0 else math.inf
    if i == 0:
        comb = log_k - math.log2(code.ell * (MAX_CLAIMS + params.ood - 1))
        terms = [("initial OOD (f_0)", ood, _CITE_OOD), ("initial combination", comb, _CITE_COMB)]
    else:
        terms = [(f"round {i - 1} OOD (f_{i})", ood, _CITE_OOD)]
    for s in range(1, params.folding + 1):
        log_a = _log_mca(params, code.m - s, code.m + code.r - s, code.delta)
        bits = log_k - _log_add(math.log2(SUMCHECK_DEGREE * code.ell), log_a)
        terms.append((f"round {i} fold {s}", bits, _CITE_FOLD[params.regime]))
    return terms


def _query_term(params: WhirParams, i: int, code: _Code, nxt: _Code | None, t: int) -> Term:
    """Round i's shift term (combination with the next code's list) or, last, the final one."""
    log_q = t * math.log2(1.0 - code.delta) - params.pow_bits
    if nxt is None:
        return f"round {i} final queries", -log_q, _CITE_FIN
    log_comb = math.log2(nxt.ell * (t + params.ood)) - params.k * math.log2(P)
    return f"round {i} queries", -_log_add(log_q, log_comb), _CITE_SHIFT


def _query_only(params: WhirParams, code: _Code) -> int:
    """Least t with (1 - delta)^t 2^-pow <= 2^-security."""
    per = -math.log2(1.0 - code.delta)
    return max(1, math.ceil((params.security - params.pow_bits) / per - 1e-9))


def _choose_code(params: WhirParams, i: int, m: int, r: int, strict: bool) -> _Code:
    """Code i with the smallest Johnson divisor c that reaches the fewest queries while its own
    terms meet the target (both fall as c grows, so bisect); ValueError (strict) if none does."""
    lam = params.security
    if params.regime == "unique":
        code = _code(params, m, r, 0)
        worst = min(_code_terms(params, i, code), key=lambda t: t[1])
    else:

        def ok(c: int) -> bool:
            return all(b >= lam for _, b, _ in _code_terms(params, i, _code(params, m, r, c)))

        sq = math.sqrt(2.0**-r)
        lo, hi = max(3, math.floor(sq / (1.0 - sq)) + 1), MAX_SLACK_DIVISOR  # delta > 0 from lo
        if ok(hi):
            lo = hi
        elif ok(lo):
            while hi - lo > 1:  # invariant: ok(lo), not ok(hi)
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        code = _code(params, m, r, lo)
        worst = min(_code_terms(params, i, code), key=lambda t: t[1])
        if worst[1] >= lam:
            fewest, hi, lo = _query_only(params, code), lo, 2
            while hi - lo > 1:  # invariant: c = hi reaches `fewest`, c = lo does not (or lo = 2)
                mid = (lo + hi) // 2
                same = _query_only(params, _code(params, m, r, mid)) == fewest
                lo, hi = (lo, mid) if same else (mid, hi)
            code = _code(params, m, r, hi)
    if strict and worst[1] < lam:
        raise ValueError(
            f"whir: {worst[0]} gives {worst[1]:.1f} bits < {lam} at any Johnson slack "
            f"(k = {params.k}, m_i = {m}, rate 2^-{r}; without folding PoW)"
        )
    return code


@cache
def _plan(params: WhirParams, n_vars: int, strict: bool) -> _Plan:
    """(codes, queries) of every round; strict: ValueError when a term cannot meet the target."""
    m, kap = padded_vars(params, n_vars), params.folding
    if m + params.log_inv_rate > TWO_ADICITY:
        raise ValueError(
            f"whir: 2^{m} entries at rate 2^-{params.log_inv_rate} exceed the NTT "
            f"domain 2^{TWO_ADICITY}"
        )
    n_rounds = -(-(m - params.final_vars) // kap)
    rates = [params.log_inv_rate]
    for _ in range(n_rounds - 1):
        rates.append(min(rates[-1] + kap - 1, max(params.rate_cap, rates[-1])))
    codes = tuple(_choose_code(params, i, m - i * kap, rates[i], strict) for i in range(n_rounds))
    queries = []
    for i, code in enumerate(codes):
        nxt = codes[i + 1] if i + 1 < n_rounds else None
        t0 = _query_only(params, code)
        t = t0
        while _query_term(params, i, code, nxt, t)[1] < params.security and t < t0 + 64:
            t += 1
        name, bits, _ = _query_term(params, i, code, nxt, t)
        if strict and bits < params.security:
            raise ValueError(
                f"whir: {name} gives {bits:.1f} bits < {params.security} "
                f"(combination term, k = {params.k})"
            )
        queries.append(t)
    return codes, tuple(queries)


def _terms(params: WhirParams, codes: tuple[_Code, ...], queries: tuple[int, ...]) -> list[Term]:
    out: list[Term] = []
    for i, (code, t) in enumerate(zip(codes, queries)):
        out += _code_terms(params, i, code)
        out.append(_query_term(params, i, code, codes[i + 1] if i + 1 < len(codes) else None, t))
    return out


# ---- public API --------------------------------------------------------------------------------


@cache
def schedule(params: WhirParams, n_vars: int) -> WhirSchedule:
    """The rounds of an opening of a 2^n_vars table, with the fewest queries that meet
    ``params.security``; ValueError (one line, naming the failing term) where none can."""
    codes, queries = _plan(params, n_vars, True)
    last = len(codes) - 1
    rounds = tuple(
        WhirRound(c.m, c.m + c.r, t, params.pow_bits, 0 if i == last else params.ood)
        for i, (c, t) in enumerate(zip(codes, queries))
    )
    return WhirSchedule(codes[0].m, rounds, codes[-1].m - params.folding)


def error_terms(params: WhirParams, n_vars: int) -> list[Term]:
    """(name, bits, citation) of every round-by-round error term of the scheduled opening."""
    return _terms(params, *_plan(params, n_vars, True))


def error_terms_with_queries(
    params: WhirParams, n_vars: int, queries: tuple[int, ...]
) -> list[Term]:
    """``error_terms`` for other query counts per round (same codes and Johnson slacks)."""
    codes, _ = _plan(params, n_vars, True)
    if len(queries) != len(codes):
        raise ValueError(f"whir: {len(codes)} query counts expected, got {len(queries)}")
    return _terms(params, codes, tuple(queries))


def proximity_parameters(params: WhirParams, n_vars: int) -> list[tuple[float, float, float]]:
    """(eta_i, delta_i, l_i) of every round's code (eta = 0 in the unique-decoding regime)."""
    codes, _ = _plan(params, n_vars, True)
    return [(1.0 - math.sqrt(2.0**-c.r) - c.delta if c.c else 0.0, c.delta, c.ell) for c in codes]


def security_bits(params: WhirParams, n_vars: int | None = None) -> float:
    """Round-by-round level (min over the terms) of an opening of a 2^n_vars table; without
    n_vars the worst case over every n_vars in [0, MAX_N_VARS] with m + log_inv_rate <= 32.
    Where the target cannot be met, the best level reached (below params.security)."""
    if n_vars is None:
        top = min(MAX_N_VARS, TWO_ADICITY - params.log_inv_rate)
        return min(security_bits(params, n) for n in range(top + 1))
    return min(b for _, b, _ in _terms(params, *_plan(params, n_vars, False)))


def opening_size_estimate(params: WhirParams, n_vars: int) -> int:
    """Expected bytes of one opening: sumcheck messages (2 K per round), OOD answers, roots of
    f_1..f_(M-1), the distinct queried fibers (2^kappa F in round 0, K after), the expected
    Merkle multi-proof nodes, f_M's coefficients, 8-byte PoW nonces (when pow_bits > 0)."""
    sch = schedule(params, n_vars)
    kb, kap, n_rounds = 8 * params.k, params.folding, len(sch.rounds)
    size = float(2 * kap * n_rounds * kb + params.ood * n_rounds * kb + 32 * (n_rounds - 1))
    size += (1 << sch.final_vars) * kb + (8 * n_rounds if params.pow_bits else 0)
    for i, rnd in enumerate(sch.rounds):
        depth, t = rnd.log_domain - kap, rnd.queries
        distinct = 2.0**depth * (1.0 - (1.0 - 2.0**-depth) ** t)
        size += distinct * (1 << kap) * (8 if i == 0 else kb)
        # a node at depth d is sent iff its sibling's subtree holds a query and its own does not
        size += 32 * sum(
            2.0**d * ((1.0 - 2.0**-d) ** t - (1.0 - 2.0 ** (1 - d)) ** t)
            for d in range(1, depth + 1)
        )
    return math.ceil(size)


def batch_error_terms(params: WhirParams, n_vars_list: tuple[int, ...] | list[int],
                      run: int = 0) -> list[Term]:
    """The terms a batched opening of tables of 2^n_vars entries adds to the schedule of the
    largest one, or of a larger run of ``run`` variables that embeds them all (whir_zk.py's
    embedded hiding table: the combination's MCA and cross terms are then the run's code's)
    (module docstring, "Batched opening"); ValueError for fewer than 2 or more than MAX_BATCH
    tables or an unsupported size."""
    sizes = tuple(n_vars_list)
    if not 2 <= len(sizes) <= MAX_BATCH:
        raise ValueError(f"whir: a batch of {len(sizes)} tables (2..{MAX_BATCH})")
    return list(_batch_terms(params, sizes, run))


def embedding_list_size(params: WhirParams, n_vars: int) -> float:
    """l_u of the "batch OOD" term: a table's own list bound plus l_cap for every code an
    embedding may place it in (module docstring, "Batched opening")."""
    rho = 2.0**-params.log_inv_rate
    cap = 1.0 if params.regime == "unique" else MAX_SLACK_DIVISOR / (2.0 * rho)
    return _plan(params, n_vars, True)[0][0].ell + (MAX_N_VARS + 1) * cap


@cache
def _batch_terms(params: WhirParams, sizes: tuple[int, ...], run: int) -> tuple[Term, ...]:
    g = len(sizes)
    log_k = params.k * math.log2(P)
    codes, _ = _plan(params, max(*sizes, run), True)
    c0 = codes[0]
    log_free = math.log2(float(P) ** params.k - 2.0**TWO_ADICITY)
    terms: list[Term] = []
    for j, n in enumerate(sizes):
        own = _plan(params, n, True)[0][0]
        ell = embedding_list_size(params, n)
        pairs = ell * (ell - 1.0) / 2.0
        bits = -math.log2(pairs) - params.ood * (own.m - log_free)
        terms.append((f"batch OOD (table {j}, every embedding)", bits, _CITE_BATCH_OOD))
    log_a = _log_mca(params, c0.m, c0.m + c0.r, c0.delta)
    mca = math.log2(g - 1) + log_a - log_k
    cross = g * math.log2(c0.ell) + math.log2(g - 1) - log_k
    # one challenge (beta) pays for both: its round-by-round error is their sum
    terms.append(("batch beta (curve MCA + cross-evaluations)", -_log_add(mca, cross),
                  f"{_CITE_BATCH_MCA[params.regime]}; {_CITE_BATCH_SZ}"))
    return tuple(terms)


def batch_supported(params: WhirParams, n_vars_list: tuple[int, ...] | list[int]) -> bool:
    """Whether tables of these sizes may be opened together: 2..MAX_BATCH of them, and every
    batch term (and the largest table's schedule) meets ``params.security``."""
    try:
        terms = batch_error_terms(params, n_vars_list)
    except ValueError:
        return False
    return all(b >= params.security for _, b, _ in terms)
