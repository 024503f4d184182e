"""Whole zero-knowledge model proofs, two witnesses (tests/zk_view.py): with the challenges
fixed, the view of a masked proof (key config "zk", fast profile, and the compact one on the
smallest model: every field element the
prover sends before the hiding opening) is affine in the prover's masks; its law's affine hull
is sampled until it settles, for a private input; a second one with the same public statement
must give views inside it (on the smallest model the two hulls must be one: equal rank, each
inside the other), and the hull is a proper subspace of the view. A
value stated in the clear, a zeroed mask, a slot serving two messages or a randomizer that does
not reach some message puts the hulls apart (an adversarial review's mutation, layer 3 of the
lookup tree reusing layer 2's value slots, is caught on the mixer and on the coarse model).

The hiding opening (ligero-zk, whir-zk) is left out of the view: it is zero-knowledge given the
claims it opens, with a simulator that sees only those (tests/protocol/test_ligero_zk.py,
test_whir_zk.py), and the claims are in the view. Together: the whole proof's law depends on
the statement alone.

Models, batch 1, each with a second input of the same public outputs:
- linear (input padding) -> requant (range lookups), x private, y public (a coarse requant:
  the second input changes h in every row, and so the requant's remainders and lookups);
- the mixer of test_zk_virtual_claims (linear, mul, add, concat, transpose, matmul,
  reduce_sum, requant), every output private;
- max pooling with padding (max_reduce's windows) and a flattening gather, output private;
- reduce_max (max_reduce with no variable) and a one-feature linear layer (zero-variable
  sumchecks), outputs public: x permuted.
Mutations: zeroed masks, and a plain key, are caught.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, spec
from soundness.test_private_tensors import private
from soundness.test_zk_virtual_claims import FAST_ZK, mixer, pool_graph, reduce_max_graph
from tensorproof.ir.visibility import PRIVATE
from tensorproof.prover import zk_opening as zk_witness_mod
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.quant.executor import execute
from tensorproof.verifier.pcs_config import profile_config
from zk_view import fixed_view, law_hull

pytestmark = pytest.mark.slow  # hundreds of proofs per test: collected first (tests/conftest.py)


def coarse_model():
    """x (3, 5) private -> linear h -> requant (shift 6: many h give one y) -> y public."""
    w = np.random.default_rng(3).integers(-4, 5, (5, 4))
    return private(graph(["x"], ["y"], [spec("x", (3, 5), -8, 7), spec("h", (3, 4), -200, 200),
                                        spec("y", (3, 4))],
                         [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
                          node("requant", ["h"], "y", {"mult": [3]}, shift=6, lo=-128, hi=127,
                               axis=-1)]), "x")


def coarse_pair():
    """x1 and x2 with the same y but another h in every row (x2: one entry of each row of x1
    moved, the first move that keeps the row's y): the activations, the requant's remainders
    and their lookups all differ."""
    g = coarse_model()
    x1 = np.random.default_rng(1).integers(-8, 8, (1, 3, 5))
    y1 = execute(g, {"x": x1})["y"]
    x2 = x1.copy()
    for i in range(3):
        for j, d in itertools.product(range(5), (2, -2, 1, -1)):
            trial = x2.copy()
            trial[0, i, j] += d
            if -8 <= trial[0, i, j] <= 7 and np.array_equal(execute(g, {"x": trial})["y"], y1):
                x2 = trial
                break
        else:
            raise AssertionError(f"no move of row {i} keeps y")
    h1, h2 = (execute(g, {"x": x})["h"] for x in (x1, x2))
    assert all(not np.array_equal(h1[0, i], h2[0, i]) for i in range(3))
    return x1, x2


def all_private(g):
    return replace(g, visibility=dict.fromkeys((*g.inputs, *g.outputs), PRIVATE))


def two(shape, seed=2):
    rng = np.random.default_rng(seed)
    return rng.integers(-8, 8, shape), rng.integers(-8, 8, shape)


CASES = {
    "linear-requant": (coarse_model, coarse_pair),
    "mixer": (lambda: all_private(mixer()), lambda: two((1, 3, 4))),
    "max-pool": (lambda: all_private(pool_graph()), lambda: two((1, 2, 4, 4))),
    "reduce-max": (reduce_max_graph,
                   lambda: (np.array([[[3, -2, 7, 1]]]), np.array([[[7, 1, 3, -2]]]))),
}


BOTH_WAYS = ("reduce-max",)
"""The cases whose second hull is sampled too (equal hulls, not only the second view inside the
first): the smallest model (its hulls are sampled in seconds); the others, the mixer with
every step kind included, check containment one way (CI time: the mixer's second hull took a
minute)."""


def views(g, config=FAST_ZK):
    pk = setup(compiled(g), config, certify=False)
    return lambda x: fixed_view(lambda: prove(pk, {"x": x}))[0]


def same_outputs(g, x1, x2):
    """The two inputs' public outputs agree (the statement is the same)."""
    pk = setup(compiled(g), profile_config("fast"), certify=False)
    a, b = prove(pk, {"x": x1}), prove(pk, {"x": x2})
    assert a.outputs.keys() == b.outputs.keys()
    return all(np.array_equal(a.outputs[n], b.outputs[n]) for n in a.outputs)


COMPACT_ZK = {**profile_config("compact"), "zk": True}
"""The compact profile (K = F_p^3, the advice opened by whir-zk, whose simulator test is in
tests/protocol/test_whir_zk.py): the view before the opening is the same protocol over K."""


@pytest.mark.parametrize("case, config", [(c, FAST_ZK) for c in CASES]
                         + [("reduce-max", COMPACT_ZK)], ids=[*CASES, "reduce-max-compact"])
def test_a_second_witness_has_the_same_law(case, config):
    build, inputs = CASES[case]
    g = build()
    x1, x2 = inputs()
    assert not np.array_equal(x1, x2) and same_outputs(g, x1, x2)
    run = views(g, config)
    one = law_hull(lambda: run(x1))
    assert one.origin.size // 2 < one.rank < one.origin.size  # most of the view varies, not all
    if case in BOTH_WAYS and config is FAST_ZK:
        two = law_hull(lambda: run(x2))
        assert one.rank == two.rank and one.within(two) and two.within(one)
    else:
        assert all(one.contains(run(x2)) for _ in range(3))


def test_zeroed_masks_put_the_second_witness_outside_the_hull(monkeypatch):
    """The mutation a whole-proof test must catch: M zero (every sumcheck unmasked, every
    value slot zero) states plain values; the second input's view leaves the hull."""
    real = zk_witness_mod.sample_masks
    monkeypatch.setattr(zk_witness_mod, "sample_masks",
                        lambda k, capacity: np.zeros_like(real(k, capacity)))
    x1, x2 = coarse_pair()
    run = views(coarse_model())
    hull = law_hull(lambda: run(x1))
    assert not hull.contains(run(x2))


def test_a_plain_proof_reveals_the_second_witness():
    x1, x2 = coarse_pair()
    run = views(coarse_model(), profile_config("fast"))
    hull = law_hull(lambda: run(x1))
    assert hull.rank == 0 and not hull.contains(run(x2))
