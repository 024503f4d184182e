"""Named tamper suite of the div_round step, through the real prove/verify drivers: a lying
prover commits a wrong quotient y (alone, or ±1 with the remainder r, the slack d and y's limbs
made consistent so that every relation still holds), a wrong r or d, out-of-range limbs, a
field-fraction y, nonzero padding — with multiplicities counting only the rows that are in the
tables, as a cheater would — or a proof message is changed. Every case must end in
VerificationError or ProofFormatError."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import build_plan, graph, node, spec
from soundness.lying_prover import LOOKUP_MISS, bump, rejects
from tensorproof.field.params import P
from tensorproof.ir.ranges import infer_range
from tensorproof.verifier.layers.div_round import d_names, r_names, r_width, v_names, y_width
from tensorproof.verifier.layers.requant import LIMB_BITS, limb_widths
from tensorproof.verifier.verify import verify

# ---- model A: a, b → div_round (shift 4) → y (advice, padded) → flatten → z (public) ----------
# y ∈ [−16000, 16000]: limbs v0 (8 bits), v1 (7 bits) of y − lo; r, d < 2^10: limbs of 8 + 2 bits.

SHIFT, A_RANGE, B_RANGE = 4, (-1000, 1000), (1, 300)
Y_LO, Y_HI = -16000, 16000
STEP = "0:div_round"
FINAL_CHECK = r"div_round\): a·2\^\(s\+1\) \+ b ≠ 2·y·b \+ r"
RELATION = f"{STEP}:sumcheck' round|{FINAL_CHECK}"
"""The step's messages (regexes): a false zero-check fails in some round or at the final value
check, depending on how the prover derives its round messages."""


def model_a():
    specs = [spec("a", (3, 5), *A_RANGE), spec("b", (3, 5), *B_RANGE),
             spec("y", (3, 5), Y_LO, Y_HI), spec("z", (15,), Y_LO, Y_HI)]
    nodes = [node("div_round", ["a", "b"], "y", shift=SHIFT),
             node("reshape", ["y"], "z", shape=(15,))]
    return graph(["a", "b"], ["z"], specs, nodes)


def _inputs(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"a": rng.integers(A_RANGE[0], A_RANGE[1] + 1, (2, 3, 5)),
            "b": rng.integers(120, 201, (2, 3, 5))}  # 2^8 ≤ 2b − 1 and 4b − 1 < 2^10


X = _inputs(5)
PLAN = build_plan(model_a(), 2)
R, D, V = (f(PLAN, PLAN.steps[0]) for f in (r_names, d_names, v_names))
assert limb_widths(r_width(PLAN, PLAN.steps[0])) == [8, 2] and len(V) == 2
assert limb_widths(y_width(PLAN, PLAN.steps[0])) == [8, 7]


def _set_limbs(ints, names, e, value: int, free: int = 0) -> None:
    """Limbs of `value` at entry e: in range when 0 ≤ value < 2^w; otherwise limb `free`
    absorbs what the others (kept) cannot, so the limbs still sum to `value`."""
    if value >= 0:
        for j, n in enumerate(names):
            ints[n][e] = (value >> (LIMB_BITS * j)) & ((1 << LIMB_BITS) - 1)
        if value >> (LIMB_BITS * len(names)) == 0:
            return
    rest = sum(int(ints[n][e]) << (LIMB_BITS * j) for j, n in enumerate(names) if j != free)
    ints[names[free]][e] = (value - rest) >> (LIMB_BITS * free)


def _value(ints, names, e) -> int:
    return sum(int(ints[n][e]) << (LIMB_BITS * j) for j, n in enumerate(names))


def _move_quotient(ints, e, delta: int) -> None:
    """y[e] += delta, r −= 2b·delta, d += 2b·delta, y's limbs follow: R1–R3 still hold."""
    two_b = 2 * int(ints["b"][e])
    _set_limbs(ints, R, e, _value(ints, R, e) - two_b * delta)
    _set_limbs(ints, D, e, _value(ints, D, e) + two_b * delta)
    ints["y"][e] += delta
    _set_limbs(ints, V, e, int(ints["y"][e]) - Y_LO)
    ints["z"] = ints["y"].reshape(len(ints["y"]), -1).copy()


@pytest.fixture
def g():
    return model_a()


E = (1, 2, 3)  # an entry of y (sample, row, column)


def test_honest_proof_verifies(lying, g):
    lie = lying(g, X)
    assert np.array_equal(verify(lie.vk, lie.proof)["z"], lie.proof.outputs["z"])


def test_changed_quotient_alone_rejected_by_relation(lying, g):
    """y + 1 (and z + 1, y's limbs following): a·2^(s+1) + b ≠ 2yb + r."""
    def lie(plan, ints):
        ints["y"][E] += 1
        _set_limbs(ints, V, E, int(ints["y"][E]) - Y_LO)
        ints["z"] = ints["y"].reshape(2, -1).copy()
    rejects(*_pair(lying(g, X, lie)), match=RELATION)


def test_larger_quotient_with_negative_remainder_rejected_by_r_range(lying, g):
    """y + 1, r − 2b < 0, d + 2b (still in range): only r's limbs leave their tables."""
    def lie(plan, ints):
        _move_quotient(ints, E, +1)
        assert _value(ints, D, E) < 1 << 10 and ints[R[0]][E] < 0
    rejects(*_pair(lying(g, X, lie)), match=LOOKUP_MISS)


def test_smaller_quotient_with_large_remainder_rejected_by_d_range(lying, g):
    """y − 1, r + 2b ≤ 4b − 1 (still in r's range), d − 2b < 0: r > 2b − 1 shows in d."""
    def lie(plan, ints):
        _move_quotient(ints, E, -1)
        assert _value(ints, R, E) < 1 << 10 and ints[D[0]][E] < 0
    rejects(*_pair(lying(g, X, lie)), match=LOOKUP_MISS)


def test_changed_remainder_rejected(lying, g):
    def lie(plan, ints):
        ints[R[0]][E] ^= 1
    rejects(*_pair(lying(g, X, lie)), match=RELATION)


def test_changed_slack_rejected(lying, g):
    """d no longer 2b − 1 − r (both limbs stay in range)."""
    def lie(plan, ints):
        ints[D[0]][E] ^= 1
    rejects(*_pair(lying(g, X, lie)), match=RELATION)


def test_remainder_and_slack_shifted_together_rejected(lying, g):
    """r + 1 and d − 1 keep R2 but break R1."""
    def lie(plan, ints):
        e = tuple(int(i) for i in np.argwhere((ints[D[0]] > 0) & (ints[R[0]] < 255))[0])
        ints[R[0]][e] += 1
        ints[D[0]][e] -= 1
    rejects(*_pair(lying(g, X, lie)), match=RELATION)


@pytest.mark.parametrize("names", ["r", "d", "v"])
def test_out_of_range_limb_rejected(lying, g, names):
    """Limb 0 + 2^8, limb 1 − 1: the same value, but limb 0 leaves [0, 2^8)."""
    limbs = {"r": R, "d": D, "v": V}[names]

    def lie(plan, ints):
        e = tuple(int(i) for i in np.argwhere(ints[limbs[1]] >= 1)[0])
        ints[limbs[0]][e] += 1 << LIMB_BITS
        ints[limbs[1]][e] -= 1
    rejects(*_pair(lying(g, X, lie)), match=LOOKUP_MISS)


def test_nonzero_padding_of_quotient_rejected(lying, g):
    """y's padding is invisible to the lookups and to the flattening gather: the step's own
    zero-padding term must catch it."""
    def pad(plan, tables):
        tables["y"][plan.tensors["y"].layout.size - 1] = 7  # (sample 1, row 3 of 4, col 7 of 8)
    rejects(*_pair(lying(g, X, tables_fn=pad)), match=RELATION)


def test_changed_first_sumcheck_message_rejected(lying, g):
    lie = lying(g, X)
    rejects(lie.vk, bump(lie, lie.find(f"{STEP}:sumcheck/round")[0], 1))  # s(2)


def test_changed_last_sumcheck_message_rejected(lying, g):
    lie = lying(g, X)
    rejects(lie.vk, bump(lie, lie.find(f"{STEP}:sumcheck/round")[-1], 2))  # s(3)


FINALS = ["a", "b", "y", *R, *D, *V]


@pytest.mark.parametrize("element, what", list(enumerate(FINALS)))
def test_changed_final_value_rejected(lying, g, element, what, elem):
    lie = lying(g, X)
    (finals,) = lie.find(f"{STEP}:finals")
    assert finals.end - finals.start == len(FINALS) * elem
    rejects(lie.vk, bump(lie, finals, element), match=FINAL_CHECK)


def test_truncated_finals_rejected(lying, g):
    lie = lying(g, X)
    (finals,) = lie.find(f"{STEP}:finals")
    rejects(lie.vk, replace(lie.proof, stream=lie.proof.stream[: finals.end - 8]),
            match="truncated")


def test_trailing_bytes_rejected(lying, g):
    lie = lying(g, X)
    rejects(lie.vk, replace(lie.proof, stream=lie.proof.stream + bytes(8)), match="trailing")


# ---- model B: a, b → div_round → y (advice) → requant → z: y's own range check ---------------


def model_b(a_range):
    """The requant (y + 1) >> 1 clamped to [−128, 127] reads y without exposing it."""
    n = node("div_round", ["a", "b"], "y", shift=0)
    sa, sb = spec("a", (3, 5), *a_range), spec("b", (3, 5), *B_RANGE)
    lo, hi, _ = infer_range(n, [sa, sb])
    specs = [sa, sb, spec("y", (3, 5), lo, hi), spec("z", (3, 5), -128, 127)]
    nodes = [n, node("requant", ["y"], "z", {"mult": [1]}, shift=1, lo=-128, hi=127, axis=-1)]
    return graph(["a", "b"], ["z"], specs, nodes), lo


@pytest.mark.parametrize("a_range, mode", [((-1000, 1000), "limbs"), ((0, 100), "direct")])
def test_fraction_quotient_rejected_by_y_range(lying, a_range, mode):
    """r + 1, d − 1 (both in range) and y = (2a + b − r − 1)/(2b) in the field — R1 and R2 hold,
    but y is no small integer: y's range lookup (its limbs, or y itself) misses. The requant
    reading y is left honest, so its lookups all hit."""
    g, lo = model_b(a_range)
    xs = {"a": np.random.default_rng(3).integers(a_range[0], a_range[1] + 1, (2, 3, 5)),
          "b": np.random.default_rng(4).integers(120, 201, (2, 3, 5))}
    plan = build_plan(g, 2)
    step = plan.steps[0]
    r, d, v = r_names(plan, step), d_names(plan, step), v_names(plan, step)
    assert (len(v) > 0) == (mode == "limbs")

    def lie(plan, ints):
        e = tuple(int(i) for i in np.argwhere(ints[d[0]] > 0)[0])
        rr = _value(ints, r, e) + 1
        _set_limbs(ints, r, e, rr)
        _set_limbs(ints, d, e, _value(ints, d, e) - 1)
        num = 2 * int(ints["a"][e]) + int(ints["b"][e]) - rr
        y = num * pow(2 * int(ints["b"][e]), -1, P) % P
        ints["y"][e] = y - P if y > P // 2 else y  # the centered lift the tables use
        if v:
            rest = (y - lo - sum(int(ints[n][e]) << (LIMB_BITS * j)
                                 for j, n in enumerate(v) if j)) % P
            ints[v[0]][e] = rest - P if rest > P // 2 else rest
    rejects(*_pair(lying(g, xs, lie)), match=LOOKUP_MISS)


def _pair(lie) -> tuple:
    return lie.vk, lie.proof
