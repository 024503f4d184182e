"""Private weights, two witnesses (tests/zk_view.py): with the challenges fixed, the view of a
zero-knowledge proof under a key with private weights (config "private_weights") is affine in
the prover's randomness: the per-proof masks and the model's randomizer row of the block the
proof uses (fresh per proof: each proof has its own block). Two weight sets that give the same
public outputs on the same public input must give views with the same law: the second set's
views lie in the first's affine hull, which is a proper subspace of the view, and no value
the randomness does not reach differs between them.

The model: x (3, 5) public -> linear (W, b) -> h -> requant (mult, shift 6) -> y public; W2 is
W1 with one entry of each output column moved (the first move that keeps y), so h differs in
every column and the linear layer's weights, bias claims and the requant's multiplier are all
stated through randomized values. The hiding openings (ligero-zk) are left out of the view as
in the whole-proof test: each is zero-knowledge given the value it opens, which is in the view
(e_M, the model's value, randomized by its block's row).

Mutations: a zeroed model randomizer (e_M states a plain combination of the weights) and a key
whose weights are public (the layers state them in the clear) leave values fixed by the
weights (a cheap repeat check: such a value lies outside the hull too).
The weight certificate (zero-knowledge for such keys) is checked the same way.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, spec
from soundness.test_zk_virtual_claims import FAST_ZK
from tensorproof.field.sampling import OS_RANDOMNESS
from tensorproof.prover.certificate import (
    certificate_witness,
    prove_from_witness,
    with_multiplicities,
)
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.quant.executor import execute
from tensorproof.verifier.certificate import DOMAIN, certificate_plan
from tensorproof.verifier.pcs_config import profile_config
from tensorproof.verifier.plan import MODEL
from zk_view import OPENING_PREFIXES, FixedTranscript, fixed_view, law_hull

pytestmark = [pytest.mark.fast_profile_only,  # zero knowledge: fast-profile keys
              pytest.mark.slow]  # hundreds of proofs per test: collected first

PRIVATE_WEIGHTS = {**FAST_ZK, "private_weights": 2}
X = np.random.default_rng(5).integers(-8, 8, (1, 3, 5))


def model(w: np.ndarray):
    """x (3, 5) public -> linear -> h -> coarse requant -> y public, weights ``w``."""
    return graph(["x"], ["y"], [spec("x", (3, 5), -8, 7), spec("h", (3, 4), -300, 300),
                                spec("y", (3, 4))],
                 [node("linear", ["x"], "h", {"W": w, "b": np.array([1, -2, 3, 0])}),
                  node("requant", ["h"], "y", {"mult": [3]}, shift=6, lo=-128, hi=127,
                       axis=-1)])


def weight_pair() -> tuple[np.ndarray, np.ndarray]:
    """W1 and W2 with the same y on X but another h in every column."""
    w1 = np.random.default_rng(3).integers(-4, 5, (5, 4))
    y1 = execute(model(w1), {"x": X})["y"]
    w2 = w1.copy()
    for col in range(4):
        for row, d in itertools.product(range(5), (1, -1, 2, -2)):
            trial = w2.copy()
            trial[row, col] += d
            if -4 <= trial[row, col] <= 4 and np.array_equal(
                    execute(model(trial), {"x": X})["y"], y1):
                w2 = trial
                break
        else:
            raise AssertionError(f"no move of column {col} keeps y")
    h1, h2 = (execute(model(w), {"x": X})["h"] for w in (w1, w2))
    assert all(not np.array_equal(h1[0, :, c], h2[0, :, c]) for c in range(4))
    return w1, w2


def views(w, config=PRIVATE_WEIGHTS, zero_randomizer=False):
    """One fixed-challenge view per call, each proof at block 1 with a fresh randomizer row
    (what a fresh block gives a real proof; the model's own opening is out of the view)."""
    pk = setup(compiled(model(w)), config, certify=False)

    def run():
        if pk.randomizer is not None:
            fresh = OS_RANDOMNESS.f_vector(pk.randomizer.size)
            pk.randomizer = np.zeros_like(fresh) if zero_randomizer else fresh
            pk.prover_data[MODEL].opened[0] = 1
        return fixed_view(lambda: prove(pk, {"x": X}))
    return run


def weight_fixed(run1, run2) -> bool:
    """Whether some coordinate of the view repeats across two runs with one weight set (fixed
    challenges: a value the prover's randomness does not reach) yet differs with the other:
    a value fixed by the weights, a leak (the cheap check the mutations use; the hull test
    is the full one)."""
    a, b, c = run1(), run1(), run2()
    return bool(np.any((a == b) & (a != c)))


COMPACT_WEIGHTS = {**profile_config("compact"), "zk": True, "private_weights": 2}
"""The compact profile: the model committed with whir-zk (its opening, out of the view, has its
own simulator test: tests/protocol/test_whir_zk.py)."""


def test_two_weight_sets_have_the_same_law():
    w1, w2 = weight_pair()
    run1, run2 = views(w1), views(w2)
    (_, shape1), (_, shape2) = run1(), run2()
    assert shape1 == shape2  # the same messages: the statement is the same but for the id
    hull = law_hull(lambda: run1()[0])
    assert hull.origin.size // 2 < hull.rank < hull.origin.size
    assert all(hull.contains(run2()[0]) for _ in range(3))
    assert not weight_fixed(lambda: run1()[0], lambda: run2()[0])


def test_compact_weights_fix_no_value_of_the_view():
    """The compact profile (whir-zk for the model), by the repeat check (CI time: its exact
    hull takes a minute; the pre-opening protocol is the fast one's over F_p^3, whose exact
    hull test_zk_whole_proof.py samples, and whir-zk has its own exact test): no value of the
    view repeats across one weight set's proofs yet differs with the other's."""
    w1, w2 = weight_pair()
    run1, run2 = views(w1, COMPACT_WEIGHTS), views(w2, COMPACT_WEIGHTS)
    assert not weight_fixed(lambda: run1()[0], lambda: run2()[0])
    zeroed = views(w1, COMPACT_WEIGHTS, True), views(w2, COMPACT_WEIGHTS, True)
    assert weight_fixed(lambda: zeroed[0]()[0], lambda: zeroed[1]()[0])  # the check can fail


@pytest.mark.parametrize("mutation", ["zeroed randomizer", "public weights"])
def test_a_leak_puts_the_second_weight_set_outside(mutation):
    """A zeroed model randomizer (e_M a plain combination of the weights) and public weights
    (the layers state them in the clear): some value is fixed by the weights."""
    w1, w2 = weight_pair()
    if mutation == "zeroed randomizer":
        run1, run2 = views(w1, zero_randomizer=True), views(w2, zero_randomizer=True)
    else:
        run1, run2 = views(w1, FAST_ZK), views(w2, FAST_ZK)
    assert weight_fixed(lambda: run1()[0], lambda: run2()[0])


def certificate_views(w, zero_randomizer=False):
    """One fixed-challenge view of the weight certificate per call (a fresh row for block 0,
    as setup gives it), under a key with private weights."""
    pk = setup(compiled(model(w)), PRIVATE_WEIGHTS, certify=False)
    cp = certificate_plan(pk.vk.graph, pk.vk.config)

    def run():
        fresh = OS_RANDOMNESS.f_vector(pk.randomizer.size)
        pk.randomizer = np.zeros_like(fresh) if zero_randomizer else fresh
        pk.prover_data[MODEL].opened[0] = 0
        t = FixedTranscript(DOMAIN, lambda label: not label.startswith(OPENING_PREFIXES))
        prove_from_witness(pk, cp, with_multiplicities(cp, certificate_witness(pk, cp)), t)
        return np.concatenate([v for _, v in t.sent])
    return run


def test_the_certificates_of_two_weight_sets_have_the_same_law():
    """The zero-knowledge certificate (ranges of W, b and mult; the padding zero-check) of W1
    and of W2 (same declared ranges): the second's views lie in the first's hull; with the
    model randomizer zeroed they do not (the model's value e_M is then a plain combination)."""
    w1, w2 = weight_pair()
    run1, run2 = certificate_views(w1), certificate_views(w2)
    hull = law_hull(run1)
    assert hull.origin.size // 2 < hull.rank < hull.origin.size
    assert all(hull.contains(run2()) for _ in range(3))
    assert not weight_fixed(run1, run2)
    assert weight_fixed(certificate_views(w1, zero_randomizer=True),
                        certificate_views(w2, zero_randomizer=True))
