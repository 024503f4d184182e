"""The WHIR schedule: every round-by-round term meets the target, query counts are minimal, and
the bound matches the cited formulas recomputed here by hand."""

from __future__ import annotations

import math

import pytest

from tensorproof.field.params import P
from tensorproof.verifier.pcs.whir_params import (
    DEFAULT_FINAL_VARS,
    DEFAULT_FOLDING,
    DEFAULT_LOG_INV_RATE,
    MAX_CLAIMS,
    TARGET_SECURITY_BITS,
    WhirParams,
    error_terms,
    error_terms_with_queries,
    opening_size_estimate,
    padded_vars,
    proximity_parameters,
    schedule,
    security_bits,
)

SIZES = (8, 12, 16, 20, 22, 24)
LOG_K3 = 3 * math.log2(P)


@pytest.mark.parametrize("m", SIZES)
def test_defaults_reach_target_in_every_term(m):
    params = WhirParams()
    terms = error_terms(params, m)
    assert security_bits(params, m) >= TARGET_SECURITY_BITS
    assert all(bits >= TARGET_SECURITY_BITS for _, bits, _ in terms)
    assert security_bits(params, m) == min(bits for _, bits, _ in terms)
    assert all(cite for _, _, cite in terms)  # every term names its theorem


@pytest.mark.parametrize("m", SIZES)
def test_one_query_fewer_in_any_round_misses_target(m):
    params = WhirParams()
    queries = tuple(r.queries for r in schedule(params, m).rounds)
    for i in range(len(queries)):
        fewer = queries[:i] + (queries[i] - 1,) + queries[i + 1 :]
        level = min(b for _, b, _ in error_terms_with_queries(params, m, fewer))
        assert level < TARGET_SECURITY_BITS, (m, i)


def test_worst_case_over_all_sizes_and_fold_terms_need_no_folding_pow():
    """k = 3: every fold (sumcheck) term meets 100 bits by itself, for every table size."""
    params = WhirParams()
    assert security_bits(params) >= TARGET_SECURITY_BITS
    for m in range(0, 32 - params.log_inv_rate + 1):
        folds = [b for name, b, _ in error_terms(params, m) if " fold " in name]
        assert folds and min(folds) >= TARGET_SECURITY_BITS


def test_quadratic_extension_fails_on_the_fold_term():
    """k = 2 (|K| ~ 2^128): the MCA error of BCHKS25 Thm 4.6 alone exceeds 2^-100 at 2^24."""
    params = WhirParams(k=2)
    with pytest.raises(ValueError, match=r"round 0 fold 1 gives .* bits < 100"):
        schedule(params, 24)
    assert 60 < security_bits(params, 24) < TARGET_SECURITY_BITS
    assert security_bits(params) < TARGET_SECURITY_BITS  # what the registry check sees


def test_128_bit_profile_schedules_at_2_20():
    params = WhirParams(security=128)
    assert security_bits(params, 20) >= 128
    assert all(b >= 128 for _, b, _ in error_terms(params, 20))
    assert sum(r.queries for r in schedule(params, 20).rounds) > sum(
        r.queries for r in schedule(WhirParams(), 20).rounds
    )


@pytest.mark.parametrize("m", [12, 16, 20])
def test_unique_decoding_needs_more_queries(m):
    johnson = schedule(WhirParams(), m).rounds
    unique = schedule(WhirParams(regime="unique"), m).rounds
    assert len(unique) == len(johnson)
    assert all(u.queries > j.queries for u, j in zip(unique, johnson, strict=True))
    assert security_bits(WhirParams(regime="unique"), m) >= TARGET_SECURITY_BITS


def test_hand_checked_unique_decoding_case():
    """m = 8, rate 1/4, kappa = 4, final_vars = 4, no PoW: one round, delta = (1 - 1/4)/2."""
    params = WhirParams(regime="unique", log_inv_rate=2, folding=4, final_vars=4, pow_bits=0)
    (rnd,) = schedule(params, 8).rounds
    t = math.ceil(100 / -math.log2(1 - 3 / 8))  # (1 - delta)^t <= 2^-100
    assert (rnd.n_vars, rnd.log_domain, rnd.queries, rnd.ood) == (8, 10, t, 0) == (8, 10, 148, 0)
    terms = {name: bits for name, bits, _ in error_terms(params, 8)}
    assert terms["initial OOD (f_0)"] == math.inf  # a list of one
    assert terms["round 0 final queries"] == pytest.approx(-148 * math.log2(5 / 8))
    assert terms["initial combination"] == pytest.approx(LOG_K3 - math.log2(MAX_CLAIMS))
    for s in range(1, 5):  # 3/|K| + n/|K|, n = 2^(10 - s) (WHIR Cor. 4.11)
        assert terms[f"round 0 fold {s}"] == pytest.approx(LOG_K3 - math.log2(3 + 2 ** (10 - s)))


def test_hand_checked_johnson_case():
    """Defaults at 2^9 (one round, m = 9, rate 1/16), eta as scheduled, terms by hand."""
    params = WhirParams()
    ((eta, delta, ell),) = proximity_parameters(params, 9)
    (rnd,) = schedule(params, 9).rounds
    rho = 1 / 16
    assert delta == pytest.approx(1 - math.sqrt(rho) - eta)
    assert ell == pytest.approx(1 / (2 * eta * math.sqrt(rho)))  # Johnson bound (WHIR Thm 4.3)
    terms = {name: bits for name, bits, _ in error_terms(params, 9)}
    assert terms["round 0 final queries"] == pytest.approx(-rnd.queries * math.log2(1 - delta) + 16)
    ood = -math.log2(ell * (ell - 1) / 2) - (9 - math.log2(float(P) ** 3 - 2**13))
    assert terms["initial OOD (f_0)"] == pytest.approx(ood)
    # BCHKS25 Thm 4.6 (M = 1) for C = RS[K, L^2, 8]: n = 2^12, reduced rate (2^8 - 1)/n
    n = 2**12
    rho_r = (2**8 - 1) / n
    mm = max(math.ceil(math.sqrt(rho_r) / (1 - math.sqrt(rho_r) - delta)), 3) + 0.5
    a = (2 * mm**5 + 3 * mm * delta * rho_r) / (3 * rho_r**1.5) * n + mm / math.sqrt(rho_r)
    assert terms["round 0 fold 1"] == pytest.approx(LOG_K3 - math.log2(3 * ell + a))


def test_schedule_shape_and_padding():
    params = WhirParams()
    assert padded_vars(params, 0) == padded_vars(params, 3) == DEFAULT_FINAL_VARS + 1
    assert padded_vars(params, 17) == 17
    sch = schedule(params, 17)
    kap, r = DEFAULT_FOLDING, DEFAULT_LOG_INV_RATE
    assert sch.n_vars == 17 and len(sch.rounds) == math.ceil((17 - DEFAULT_FINAL_VARS) / kap)
    for i, rnd in enumerate(sch.rounds):
        assert rnd.n_vars == 17 - i * kap
        rate = min(r + i * (kap - 1), max(params.rate_cap, r))  # halving, up to the cap
        assert rnd.log_domain == rnd.n_vars + rate
        assert rnd.pow_bits == params.pow_bits
        assert rnd.ood == (0 if i == len(sch.rounds) - 1 else params.ood)
    assert sch.final_vars == 17 - len(sch.rounds) * kap <= DEFAULT_FINAL_VARS
    assert schedule(params, 17) is sch  # cached
    with pytest.raises(ValueError, match="NTT domain"):
        schedule(params, 32 - r + 1)
    with pytest.raises(ValueError, match="outside"):
        schedule(params, 33)


def test_opening_size():
    """The default meets the compact profile's budget at 2^16; sizes grow with the table; PoW
    and a higher rate shrink the proof."""
    params = WhirParams()
    sizes = [opening_size_estimate(params, m) for m in SIZES]
    assert sizes == sorted(sizes)
    assert opening_size_estimate(params, 16) <= 45_000
    assert opening_size_estimate(WhirParams(pow_bits=0), 16) > sizes[2]
    assert opening_size_estimate(WhirParams(log_inv_rate=2), 16) > sizes[2]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": 4},
        {"k": 2.0},
        {"log_inv_rate": 0},
        {"log_inv_rate": 7},
        {"folding": 0},
        {"folding": 7, "final_vars": 12},
        {"folding": 5, "final_vars": 4},
        {"final_vars": 13},
        {"ood": 0},
        {"ood": 5},
        {"pow_bits": -1},
        {"pow_bits": 31},
        {"security": 79},
        {"security": 193},
        {"regime": "capacity"},
        {"ood": True},
    ],
)
def test_params_validation(kwargs):
    with pytest.raises(ValueError, match="whir"):
        WhirParams(**kwargs)


def test_to_bytes_fixed_width_and_distinct():
    variants = [
        WhirParams(),
        WhirParams(k=2),
        WhirParams(log_inv_rate=3),
        WhirParams(folding=3),
        WhirParams(final_vars=9),
        WhirParams(ood=2),
        WhirParams(pow_bits=0),
        WhirParams(security=128),
        WhirParams(regime="unique"),
        WhirParams(rate_cap=8),
    ]
    encoded = [v.to_bytes() for v in variants]
    assert len(set(encoded)) == len(variants)
    assert {len(e) for e in encoded} == {10}


def test_the_rate_cap_keeps_later_codewords_small_and_needs_more_queries():
    halving, capped = schedule(WhirParams(rate_cap=16), 20), schedule(WhirParams(rate_cap=6), 20)
    assert [r.log_domain for r in halving.rounds] == [24, 23, 22]  # rates 2^-4, 2^-7, 2^-10
    assert [r.log_domain for r in capped.rounds] == [24, 22, 18]  # rates 2^-4, 2^-6, 2^-6
    assert capped.rounds[0].queries == halving.rounds[0].queries
    assert all(c.queries >= h.queries for c, h in zip(capped.rounds, halving.rounds))
    assert security_bits(WhirParams(rate_cap=6), 20) >= 100
