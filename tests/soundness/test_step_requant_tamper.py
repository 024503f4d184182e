"""Named tamper suite of the requant step, through the real prove/verify drivers: a lying prover
commits wrong advice (q, remainder limbs, y, y's padding) — with multiplicities counting only
the rows that are in the tables, as a cheater would — or a proof message is changed. Every case
must end in VerificationError or ProofFormatError, never another exception. Each case runs
over the K of each proof profile (conftest.py: ``lying``, the lying prover of lying_prover.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from protocol.step_harness import build_plan, graph, node, spec
from soundness.lying_prover import LOOKUP_MISS, Lie, bump, rejects
from tensorproof.verifier.layers.requant import LIMB_BITS, limb_widths
from tensorproof.verifier.names import Internal
from tensorproof.verifier.verify import verify

# ---- the statement: x → requant (shift 20: limbs of LIMB_BITS and fewer bits) → y → flatten → z

SHIFT, LO, HI = 20, -128, 127
MULT = np.array([90_000, 120_000, 150_000])
WIDTHS = limb_widths(SHIFT)
TOP, TOP_W = Internal("y", "r", len(WIDTHS) - 1), WIDTHS[-1]
assert len(WIDTHS) >= 2 and TOP_W < LIMB_BITS, "the tests below need a narrower top limb"
LIMBS = [f"r{j}" for j in range(len(WIDTHS))]


def requant_model():
    specs = [spec("x", (3, 5), -1000, 1000), spec("y", (3, 5), LO, HI), spec("z", (15,), LO, HI)]
    nodes = [node("requant", ["x"], "y", {"mult": MULT}, shift=SHIFT, lo=LO, hi=HI, axis=0),
             node("reshape", ["y"], "z", shape=(15,))]
    return graph(["x"], ["z"], specs, nodes)


X = {"x": np.random.default_rng(11).integers(-1000, 1001, (2, 3, 5))}


def _entry(ints, clamped: bool, need_r1: bool = False):
    """An index of y where q is (or is not) clamped (and the upper limb r1 ≥ 1 if asked)."""
    q, r1 = ints[Internal("y", "q")], ints[Internal("y", "r", 1)]
    ok = ((q < LO) | (q > HI)) if clamped else ((q > LO + 1) & (q < HI - 1))
    if need_r1:
        ok &= r1 >= 1
    return tuple(int(i) for i in np.argwhere(ok)[0])


def shift_y(ints, e, delta: int) -> None:
    """y[e] += delta, and the flattened public output z claims the lie too."""
    ints["y"][e] += delta
    ints["z"] = ints["y"].reshape(len(ints["y"]), -1).copy()


@pytest.fixture
def model():
    g = requant_model()
    return g, build_plan(g, 2)


def test_honest_proof_verifies(lying, model):
    lie = lying(model[0], X)
    assert np.array_equal(verify(lie.vk, lie.proof)["z"], lie.proof.outputs["z"])


def test_changed_quotient_rejected_by_clamp_lookup(lying, model):
    def lie(plan, ints):
        ints[Internal("y", "q")][_entry(ints, clamped=False)] += 1
    rejects(*astuple(lying(model[0], X, lie)), match=LOOKUP_MISS)


def test_changed_quotient_in_clamped_region_rejected_by_relation(lying, model):
    def lie(plan, ints):
        e = _entry(ints, clamped=True)
        q = ints[Internal("y", "q")]
        q[e] += 1 if q[e] > HI else -1  # (q ± 1, y) stays in the table
    rejects(*astuple(lying(model[0], X, lie)), match="requant")


def test_consistent_lie_with_borrowed_remainder_rejected(lying, model):
    """q + 1 and y + 1 (a table row), remainder r − 2^s: the relation holds, the top limb
    goes negative and leaves its TOP_W-bit range."""
    def lie(plan, ints):
        e = _entry(ints, clamped=False)
        ints[Internal("y", "q")][e] += 1
        shift_y(ints, e, 1)
        ints[TOP][e] -= 1 << TOP_W
    rejects(*astuple(lying(model[0], X, lie)),
            match=LOOKUP_MISS)


def test_remainder_of_at_least_two_to_the_shift_rejected(lying, model):
    """q − 1, y − 1, r + 2^s: the relation holds, r ≥ 2^s shows in the upper limb."""
    def lie(plan, ints):
        e = _entry(ints, clamped=False)
        ints[Internal("y", "q")][e] -= 1
        shift_y(ints, e, -1)
        ints[TOP][e] += 1 << TOP_W
    rejects(*astuple(lying(model[0], X, lie)),
            match=LOOKUP_MISS)


def test_out_of_range_remainder_limb_rejected(lying, model):
    """r0 + 2^LIMB_BITS, r1 − 1: same remainder, but the low limb leaves [0, 2^LIMB_BITS)."""
    def lie(plan, ints):
        e = _entry(ints, clamped=False, need_r1=True)
        ints[Internal("y", "r", 0)][e] += 1 << LIMB_BITS
        ints[Internal("y", "r", 1)][e] -= 1
    rejects(*astuple(lying(model[0], X, lie)),
            match=LOOKUP_MISS)


def test_changed_remainder_rejected(lying, model):
    def lie(plan, ints):
        ints[Internal("y", "r", 0)][_entry(ints, clamped=False)] ^= 1
    rejects(*astuple(lying(model[0], X, lie)), match="requant")


def test_changed_output_rejected(lying, model):
    def lie(plan, ints):
        shift_y(ints, _entry(ints, clamped=False), 1)
    rejects(*astuple(lying(model[0], X, lie)), match=LOOKUP_MISS)


def test_nonzero_padding_of_output_rejected(lying, model):
    """y's padding is invisible to the lookup and to the flattening gather: the step's own
    zero-padding term must catch it."""
    def pad(plan, tables):
        layout = plan.tensors["y"].layout
        tables["y"][layout.size - 1] = 7  # (batch 1, channel 3 of 4, entry 7 of 8): padding
    rejects(*astuple(lying(model[0], X, tables_fn=pad)), match="requant")


def test_changed_first_sumcheck_message_rejected(lying, model):
    lie = lying(model[0], X)
    rejects(lie.vk, bump(lie, lie.find("0:requant:sumcheck/round")[0], 1))  # s(2)


def test_changed_last_sumcheck_message_rejected(lying, model):
    lie = lying(model[0], X)
    rejects(lie.vk, bump(lie, lie.find("0:requant:sumcheck/round")[-1], 2))  # s(3)


FINALS = ["x", "mult", "q", *LIMBS, "y"]


@pytest.mark.parametrize("element, what", list(enumerate(FINALS)))
def test_changed_final_value_rejected(lying, model, element, what, elem):
    lie = lying(model[0], X)
    (finals,) = lie.find("0:requant:finals")
    assert finals.end - finals.start == len(FINALS) * elem
    rejects(lie.vk, bump(lie, finals, element), match="requant")


def test_truncated_finals_rejected(lying, model):
    lie = lying(model[0], X)
    (finals,) = lie.find("0:requant:finals")
    rejects(lie.vk, replace(lie.proof, stream=lie.proof.stream[: finals.end - 8]))


def astuple(lie: Lie) -> tuple:
    return lie.vk, lie.proof


# ---- range mode (a clamp range too wide for a table: two-sided limb range check of y) --------

WIDE_LO, WIDE_HI = -40_000, 40_000


def wide_model():
    mult = np.array([10 << 12, 11 << 12, 12 << 12])
    # z's declared range is wider than y's, so only the limb range check can catch y > hi
    specs = [spec("x", (3, 5), -1000, 1000), spec("y", (3, 5), WIDE_LO, WIDE_HI),
             spec("z", (15,), 2 * WIDE_LO, 2 * WIDE_HI)]
    nodes = [node("requant", ["x"], "y", {"mult": mult}, shift=12, lo=WIDE_LO, hi=WIDE_HI,
                  axis=0),
             node("reshape", ["y"], "z", shape=(15,))]
    return graph(["x"], ["z"], specs, nodes)


def test_range_mode_honest_proof_verifies(lying):
    lie = lying(wide_model(), X)
    assert np.array_equal(verify(lie.vk, lie.proof)["z"], lie.proof.outputs["z"])


def test_range_mode_output_above_hi_rejected(lying):
    """y = hi + 1 with the remainder and the bound limbs re-derived so that every linear
    identity holds: h = hi − y = −1 (and the remainder) leave their limb ranges."""
    def lie(plan, ints):
        e = (0, 0, 0)
        delta = WIDE_HI + 1 - int(ints["y"][e])
        shift_y(ints, e, delta)
        acc = int(ints["x"][e]) * (10 << 12) + (1 << 11)
        r = acc - (int(ints["y"][e]) << 12)
        for j in range(2):
            ints[Internal("y", "r", j)][e] = (r >> (8 * j)) & 0xFF if j == 0 else r >> 8
        g, h = int(ints["y"][e]) - WIDE_LO, WIDE_HI - int(ints["y"][e])
        n = sum(1 for k in ints if isinstance(k, Internal) and k.role == "g")
        for j in range(n):
            ints[Internal("y", "g", j)][e] = (g >> (8 * j)) & 0xFF if j < n - 1 else g >> (8 * j)
            ints[Internal("y", "h", j)][e] = (h >> (8 * j)) & 0xFF if j < n - 1 else h >> (8 * j)
    rejects(*astuple(lying(wide_model(), X, lie)), match=LOOKUP_MISS)


def test_range_mode_changed_bound_limb_rejected(lying):
    """g_0 + 1 without changing y: the λ²-relation y − lo = Σ 2^8j g_j fails."""
    def lie(plan, ints):
        ints[Internal("y", "g", 0)][0, 0, 0] ^= 1
    rejects(*astuple(lying(wide_model(), X, lie)), match="requant")


def test_range_mode_changed_output_rejected(lying):
    def lie(plan, ints):
        shift_y(ints, (0, 1, 2), 1)
    rejects(*astuple(lying(wide_model(), X, lie)), match="requant")


def saturating_model():
    """Like wide_model, but lo = −1000 binds for most negative x (q ≈ 10x down to −10000)."""
    g = wide_model()
    g.nodes[0].attrs["lo"] = -1000
    return graph(["x"], ["z"], [g.tensors["x"], spec("y", (3, 5), -1000, WIDE_HI),
                                g.tensors["z"]], g.nodes)


def _saturated_entry(ints):
    return tuple(int(i) for i in np.argwhere(ints["y"] == -1000)[0])


def test_range_mode_saturating_honest_proof_verifies(lying):
    lie = lying(saturating_model(), X)
    assert (lie.proof.outputs["z"] == -1000).any()
    assert np.array_equal(verify(lie.vk, lie.proof)["z"], lie.proof.outputs["z"])


def test_range_mode_unclamped_output_rejected(lying):
    """Where the clamp binds, claim y = q (< lo) with u⁻ = 0: g = y − lo < 0 leaves its range."""
    def lie(plan, ints):
        e = _saturated_entry(ints)
        n = sum(1 for k in ints if isinstance(k, Internal) and k.role == "n")
        u = sum(int(ints[Internal("y", "n", j)][e]) << (8 * j) for j in range(n))
        shift_y(ints, e, -u)
        for j in range(n):
            ints[Internal("y", "n", j)][e] = 0
    rejects(*astuple(lying(saturating_model(), X, lie)))


def test_range_mode_clamp_to_wrong_bound_rejected(lying):
    """Where the clamp binds, claim y = lo + 1 with u⁻ one larger: every linear identity and
    range holds, but u⁻·(y − lo) = u⁻ ≠ 0."""
    def lie(plan, ints):
        e = _saturated_entry(ints)
        shift_y(ints, e, 1)
        ints[Internal("y", "g", 0)][e] += 1
        ints[Internal("y", "h", 0)][e] -= 1  # hi − y is far above 255 here: the low limb has room
        assert ints[Internal("y", "h", 0)][e] >= 0
        # q = y + u⁺ − u⁻ unchanged (the low limb has room, asserted)
        ints[Internal("y", "n", 0)][e] += 1
        assert ints[Internal("y", "n", 0)][e] < 256
    rejects(*astuple(lying(saturating_model(), X, lie)), match="requant")
