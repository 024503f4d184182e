"""Named tamper suite of the lookup step, through the real prove/verify drivers: a lying prover
commits a wrong y (off the table, or another row's value), nonzero padding in y, or changes a
proof message of the step's zero-padding check or of its LogUp columns. Every case must end in
VerificationError or ProofFormatError."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.step_harness import graph, node, spec
from soundness.lying_prover import LOOKUP_MISS, bump, rejects
from tensorproof.verifier.layers.lookup import table_spec
from tensorproof.verifier.lowering import build_plan
from tensorproof.verifier.verify import verify

X_LO = -128
TABLE = np.rint(255.0 / (1.0 + np.exp(-np.arange(-128, 128) / 16.0))).astype(np.int64)


def lookup_model():
    specs = [spec("x", (3, 5)), spec("y", (3, 5), 0, 255), spec("z", (15,), 0, 255)]
    nodes = [node("lookup", ["x"], "y", {"table": TABLE}, x_lo=X_LO),
             node("reshape", ["y"], "z", shape=(15,))]
    return graph(["x"], ["z"], specs, nodes)


X = {"x": np.random.default_rng(5).integers(-60, 60, (2, 3, 5))}
E = (1, 2, 3)


@pytest.fixture
def g():
    return lookup_model()


def _key(g) -> str:
    return table_spec(build_plan(g, 1).steps[0]).key


def test_honest_proof_verifies(lying, g):
    lie = lying(g, X)
    assert np.array_equal(verify(lie.vk, lie.proof)["z"], TABLE[X["x"] - X_LO].reshape(2, 15))


def flatten(ints) -> None:
    """The public output z claims the (changed) y."""
    ints["z"] = ints["y"].reshape(len(ints["y"]), -1).copy()


def test_output_off_the_table_rejected(lying, g):
    def lie(plan, ints):
        ints["y"][E] += 1  # (x, y + 1) is no row: x names one row
        flatten(ints)
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match=LOOKUP_MISS)


def test_output_of_a_neighbouring_row_rejected(lying, g):
    """y = table[x + 1 − x_lo]: a value of the table, but not x's row."""
    def lie(plan, ints):
        ints["y"][E] = TABLE[ints["x"][E] + 1 - X_LO]
        assert ints["y"][E] != TABLE[ints["x"][E] - X_LO]
        flatten(ints)
    lie_ = lying(g, X, lie)
    rejects(lie_.vk, lie_.proof, match=LOOKUP_MISS)


def test_nonzero_padding_of_output_rejected(lying, g):
    def pad(plan, tables):
        tables["y"][5] = 9  # sample 0, row 0, entry 5 of 8: padding
    lie_ = lying(g, X, tables_fn=pad)
    rejects(lie_.vk, lie_.proof, match="lookup:pad sumcheck|padding of 'y'")


def test_changed_padding_sumcheck_message_rejected(lying, g):
    lie = lying(g, X)
    rejects(lie.vk, bump(lie, lie.find("0:lookup:pad sumcheck/round")[0], 1))  # s(2)


def test_changed_padding_final_value_rejected(lying, g):
    lie = lying(g, X)
    (final,) = lie.find("0:lookup:pad final")
    rejects(lie.vk, bump(lie, final), match="padding of 'y'")


@pytest.mark.parametrize("column", [0, 1], ids=["x", "y"])
def test_changed_lookup_column_value_rejected(lying, g, column, zero_knowledge):
    """Caught by the LogUp leaf check. A zero-knowledge proof sends each column value plus a
    mask value and defers that check to a claim on the mask vector (verifier/zk_lookups.py),
    opened at the end; the changed message has by then moved every later challenge, so the
    first sumcheck after it fails its final check."""
    lie = lying(g, X)
    (cols,) = lie.find("lookup/use0/columns")
    match = "lookup|public tensor" + ("|final sumcheck check failed" if zero_knowledge else "")
    rejects(lie.vk, bump(lie, cols, column), match=match)


def test_public_output_has_no_padding_check(lying):
    """With y public the verifier pads y itself: the step sends nothing."""
    specs = [spec("x", (3, 5)), spec("y", (3, 5), 0, 255)]
    g = graph(["x"], ["y"], specs, [node("lookup", ["x"], "y", {"table": TABLE}, x_lo=X_LO)])
    lie = lying(g, X)
    assert not [m for m in lie.messages if ":lookup:" in m.label]
    verify(lie.vk, lie.proof)
