"""Private weights: the model's constants hidden behind a hiding model id (the spec of what a
key with the configuration field ``private_weights`` changes; docs/internals.md, "Private
weights").

A key with private weights (pcs_config.WEIGHTS_FIELD = B, the proof budget, with zero
knowledge) commits the model group (plan.py: every constant) with ligero-zk (``model_params``:
salted leaves, padding columns, mask rows; B + 1 zero-knowledge openings, one row form each)
instead of plain Ligero, so the model id no longer confirms a guessed weight set. The group
also holds MODEL_RANDOMIZER: B + 1 rows of the model's Ligero matrix of fresh uniform entries,
one per opening (``randomizer_row``): block 0 serves the weight certificate at setup, blocks
1..B one proof each.

In a proof (zero-knowledge plan, ``plan.model_hiding`` set):
  * every committed constant that is a weight (``hides``: not a table the plan defines
    itself, such as a lookup table's column or a wiring, which are public) is stated only
    through randomized values: the steps that use weights (linear, requant, add_const,
    mul_const) randomize them in their sumchecks (zk_finals.hidden) and state their other
    values on them with value slots of M, as for private activations; a plain claim on a
    hidden constant is a PlanError (context.py), never a leak;
  * the advice's hiding opening (zk_opening.py) merges the claims on both groups in one masked
    sumcheck with a selector variable, and ends in one ligero-zk opening of each: the model's
    with the mask block the prover names in "open model/block" (sent first; 1 <= block <= B),
    whose randomizer row randomizes the model's value as RANDOMIZER does the advice's.

Why a budget: a ligero-zk opening reveals t encoded columns and, through the padding
coefficients, stays zero-knowledge only while the columns opened over every opening of the
commitment number at most l = openings * t (verifier/pcs/ligero_zk.py); each opening also
uses its own mask rows and randomizer row. A block used twice would reveal the difference of
two combinations of the weights. The prover counts the blocks it used in the proving key
(prover/keyfile.py) and refuses a proof past the budget.
"""

from __future__ import annotations

from .layout import Layout
from .names import Internal
from .packing import Packing
from .pcs.hiding import HidingParams, hiding_params, row_vars
from .pcs_config import private_weights_config
from .plan import MODEL

MODEL_RANDOMIZER = Internal("", "private weights randomizer")
"""The model group's uniform rows, one per zero-knowledge opening of the model."""

MODEL_VECTOR = Internal("", "model vector")
"""A claim on the model group's whole packed vector (the certificate's padding zero-check)."""

CERTIFICATE_BLOCK = 0
"""The mask block (and randomizer row) of the weight certificate's opening, made at setup."""

FIRST_PROOF_BLOCK = 1
"""Proofs use blocks 1..B, each once."""

BLOCK_LABEL = "open model/block"
VALUE_LABEL = "open model/value"


def model_params(config: dict) -> HidingParams | None:
    """The model group's hiding commitment under ``config`` (pcs_config.private_weights_config:
    ligero-zk with one form per opening or whir-zk, budget + 1 openings); None when the
    weights are public."""
    cfg = private_weights_config(config)
    return None if cfg is None else hiding_params(cfg)


def hides(plan, name) -> bool:
    """Whether plan tensor ``name`` is a hidden weight: a committed constant of a plan with
    private weights that the plan does not define itself (nor the randomizer)."""
    return (plan.model_hiding is not None and name in plan.consts
            and name not in plan.defined_consts and name != MODEL_RANDOMIZER)


def add_model_randomizer(plan, params: HidingParams) -> None:
    """Put MODEL_RANDOMIZER (``params.openings`` rows of the model's hiding layout, rounded up
    to a power of two so that every entry is real for the certificate's zero-check) among the
    plan's constants: the model's size and its layout's row length depend on each other, a
    fixed point in a few steps (a bigger table never has shorter rows to hold)."""
    if MODEL_RANDOMIZER in plan.consts:
        raise ValueError(f"constant {MODEL_RANDOMIZER!r} is defined twice")
    b, rows = 0, 1 << (params.openings - 1).bit_length()  # all real: a power of two
    while True:
        plan.consts[MODEL_RANDOMIZER] = Layout((rows << b,))
        n = Packing.of(plan.consts).n_vars
        b_now = row_vars(params, n)
        if b_now <= b:
            break
        b = b_now
    plan.model_hiding = params


def randomizer_row(plan, block: int) -> int:
    """The row of the model's hiding layout (pcs/hiding.py) holding ``block``'s randomizer."""
    packing = plan.commitments[MODEL].packing
    b = row_vars(plan.model_hiding, packing.n_vars)
    return (packing.slot(MODEL_RANDOMIZER).offset >> b) + block
