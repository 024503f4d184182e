"""Whole zero-knowledge model proofs, two witnesses (tests/zk_view.py): with the challenges
fixed, the view of a masked proof (key config "zk", fast profile: every field element the
prover sends before the hiding opening) is affine in the prover's masks; its law's affine hull
is sampled until it settles, and the view of a second private input with the same public
statement must lie inside it. A value stated in the clear, a zeroed mask or a randomizer that
does not reach some message puts the second view outside the hull.

The hiding opening (ligero-zk) is left out of the view: it is zero-knowledge given the claims it
opens, with a simulator that sees only those (tests/protocol/test_ligero_zk.py), and the claims
are in the view. Together: the whole proof's law depends on the statement alone.

Models, batch 1, each with a second input of the same public outputs:
- linear (input padding) -> requant (range lookups), x private, y public; x's two features
  with equal weight rows swapped;
- the mixer of test_zk_virtual_claims (linear, mul, add, concat, transpose, matmul,
  reduce_sum, requant), every output private;
- max pooling with padding (max_reduce's windows) and a flattening gather, output private;
- reduce_max (max_reduce with no variable) and a one-feature linear layer (zero-variable
  sumchecks), outputs public: x permuted.
Mutations: zeroed masks, and a plain key, are caught.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import compiled, graph, node, spec
from soundness.test_private_tensors import private
from soundness.test_zk_virtual_claims import FAST_ZK, mixer, pool_graph, reduce_max_graph
from tensorproof.ir.visibility import PRIVATE
from tensorproof.prover import prove as prove_mod
from tensorproof.prover.model import setup
from tensorproof.prover.prove import prove
from tensorproof.verifier.pcs_config import profile_config
from zk_view import fixed_view, law_hull


def swap_model():
    """x (3, 5) private -> linear (W's rows 0 and 1 equal) -> requant -> y public."""
    w = np.random.default_rng(3).integers(-4, 5, (5, 4))
    w[1] = w[0]
    return private(graph(["x"], ["y"], [spec("x", (3, 5), -8, 7), spec("h", (3, 4), -200, 200),
                                        spec("y", (3, 4))],
                         [node("linear", ["x"], "h", {"W": w, "b": np.zeros(4)}),
                          node("requant", ["h"], "y", {"mult": [3]}, shift=2, lo=-128, hi=127,
                               axis=-1)]), "x")


def all_private(g):
    return replace(g, visibility=dict.fromkeys((*g.inputs, *g.outputs), PRIVATE))


def swapped():
    x = np.random.default_rng(1).integers(-8, 8, (1, 3, 5))
    x[..., 0], x[..., 1] = 3, -5
    return x, x[..., [1, 0, 2, 3, 4]]


def two(shape, seed=2):
    rng = np.random.default_rng(seed)
    return rng.integers(-8, 8, shape), rng.integers(-8, 8, shape)


CASES = {
    "linear-requant": (swap_model, swapped),
    "mixer": (lambda: all_private(mixer()), lambda: two((1, 3, 4))),
    "max-pool": (lambda: all_private(pool_graph()), lambda: two((1, 2, 4, 4))),
    "reduce-max": (reduce_max_graph,
                   lambda: (np.array([[[3, -2, 7, 1]]]), np.array([[[7, 1, 3, -2]]]))),
}


def views(g, config=FAST_ZK):
    pk = setup(compiled(g), config, certify=False)
    return lambda x: fixed_view(lambda: prove(pk, {"x": x}))[0]


def same_outputs(g, x1, x2):
    """The two inputs' public outputs agree (the statement is the same)."""
    pk = setup(compiled(g), profile_config("fast"), certify=False)
    a, b = prove(pk, {"x": x1}), prove(pk, {"x": x2})
    assert a.outputs.keys() == b.outputs.keys()
    return all(np.array_equal(a.outputs[n], b.outputs[n]) for n in a.outputs)


@pytest.mark.parametrize("case", list(CASES))
def test_a_second_witness_has_the_same_law(case):
    build, inputs = CASES[case]
    g = build()
    x1, x2 = inputs()
    assert not np.array_equal(x1, x2) and same_outputs(g, x1, x2)
    run = views(g)
    hull = law_hull(lambda: run(x1))
    assert hull.rank > hull.origin.size // 2  # most of the view varies
    assert hull.contains(run(x2))


def test_zeroed_masks_put_the_second_witness_outside_the_hull(monkeypatch):
    """The mutation a whole-proof test must catch: M zero (every sumcheck unmasked, every
    value slot zero) states plain values; the second input's view leaves the hull."""
    real = prove_mod.sample_masks
    monkeypatch.setattr(prove_mod, "sample_masks",
                        lambda k, capacity: np.zeros_like(real(k, capacity)))
    g = swap_model()
    x1, x2 = swapped()
    run = views(g)
    hull = law_hull(lambda: run(x1))
    assert not hull.contains(run(x2))


def test_a_plain_proof_reveals_the_second_witness():
    g = swap_model()
    x1, x2 = swapped()
    run = views(g, profile_config("fast"))
    hull = law_hull(lambda: run(x1))
    assert hull.rank == 0 and not hull.contains(run(x2))
