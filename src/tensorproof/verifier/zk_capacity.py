"""The capacity of a zero-knowledge proof's mask vector M (verifier/zk_masks.py), from the plan.

M is committed before the proof's first challenge, so its size must be known before any
sumcheck runs: it is the sum, over every sumcheck the proof may run, of its rounds, at the
largest round degree (docs/internals.md, plan step 1). Each producer of sumchecks declares them
next to its ``verify`` as ``mask_rounds`` -> [(variables, degree)], an upper bound: the step
modules (verifier/layers), the lookups' fraction sums, the private inputs' padding checks and
the hashed tensors' Keccak proofs and links.
Both sides compute the same capacity from the same plan; a proof that needs more slots is a
ProverError (a bound that is wrong here), one that reads past them a VerificationError. A
larger bound costs only unused slots (uniform entries; nothing is revealed about them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError, PlanError
from ..field.params import P
from . import hashing, lookups, private, zk_lookups
from .layers import step_module
from .layout import Layout
from .packing import Packing
from .pcs.hiding import hiding_config, row_vars
from .pcs.ligero_zk import LigeroZkParams
from .pcs.whir import whir_params
from .pcs.whir_zk import WhirZkParams
from .pcs_config import WEIGHTS_FIELD, ZK_FIELD, check_config
from .plan import TensorPlan
from .zk_lookups import LOOKUP_BLIND, reserve_rows
from .zk_masks import MASKS, OPENING_MASKS, RANDOMIZER, RANDOMIZER_SIZE, MaskCapacity
from .zk_merge import min_vars_k, region_vars
from .zk_opening import DEGREE as OPENING_DEGREE
from .zk_opening import opening_rounds
from .zk_weights import add_model_randomizer, model_params


def mask_rounds(plan) -> list[tuple[int, int]]:
    """(variables, degree) of every sumcheck of a proof of ``plan``, at most, in no order."""
    combined = LOOKUP_BLIND in plan.tensors  # the combined LogUp tree (zk_lookups.py)
    out = (zk_lookups.mask_rounds(plan) if combined else lookups.mask_rounds(plan))
    out += private.mask_rounds(plan) + hashing.mask_rounds(plan)
    out += [(1, 1)] * len(plan.outputs)  # a private output's randomized value (context.py)
    for step in plan.steps:
        fn = getattr(step_module(step.op), "mask_rounds", None)
        if fn is None:
            raise PlanError(f"proof step {step.op!r} declares no sumchecks for the mask "
                            "vector (mask_rounds)")
        out += fn(step, plan)
    return out


def mask_capacity(plan, extra=None) -> MaskCapacity:
    """One round slot per sumcheck round, every slot of the largest degree; a sumcheck with no
    variable counts one (it runs over one when it randomizes a table: zk_finals.py).
    ``extra(plan)``: the rounds of a protocol's own sumchecks beside the plan's (the weight
    certificate's)."""
    rounds = [(max(n, 1), d) for n, d in mask_rounds(plan) + (extra(plan) if extra else [])]
    return MaskCapacity(max(1, sum(n for n, _ in rounds)), max((d for _, d in rounds), default=1))


@dataclass(frozen=True)
class ZkPlan:
    """A zero-knowledge plan's extras: M's capacity (the advice tensor MASKS: the masks and
    value slots of every sumcheck before the openings) and, with a hiding opening, its
    parameters and the advice merge's own mask slots (``opening``, the first region of
    OPENING_MASKS, of ``opening_vars`` variables; then the k planes of its blind)."""

    capacity: MaskCapacity
    hiding: LigeroZkParams | WhirZkParams | None = None
    opening: MaskCapacity | None = None
    opening_vars: int = 0

    def opening_block_vars(self) -> int:
        return self.opening_vars + region_vars(self.hiding.k) if self.hiding else 0

    @property
    def hiding_config(self) -> dict:
        """The hiding commitment as a registry configuration (pcs_config.pcs_verifier, the
        prover's pcs_prover): "ligero-zk" or "whir-zk" with ``hiding``'s parameters."""
        return hiding_config(self.hiding)

    def opening_point(self, k: int, point: list) -> list:
        """A point of the opening's slots as a point of its region (more index bits: 0)."""
        return list(point) + [(0,) * k] * (self.opening_vars - self.opening.n_vars(k))


def hiding_params(config: dict) -> LigeroZkParams | WhirZkParams | None:
    """The hiding commitment of the advice under ``config`` (zk_opening.py), one
    zero-knowledge opening at two forms (the group is committed per proof): ligero-zk for
    Ligero, whir-zk with the same WHIR parameters for WHIR; None for the others (raw)."""
    if config.get("pcs") == "whir":
        return WhirZkParams(whir_params(config), 1)
    if config.get("pcs") != "ligero":
        return None
    return LigeroZkParams(blowup=config["blowup"], points=2, openings=1, k=config["k"])


def hiding_gap(config: dict, visibility: Mapping[str, str], inputs=None) -> str | None:
    """Why proofs under ``config`` would not hide the private tensors of a graph with this
    ``visibility`` (``IntGraph.visibility``: name -> PRIVATE or HASHED) and these graph
    ``inputs`` (None: every name in ``visibility`` may be an input) (None: they do).

    Zero knowledge (config "zk") hides, with a profile's scheme (Ligero or WHIR, whose advice
    openings are ligero-zk and whir-zk), the private and hashed inputs and outputs (beyond
    their digests) and every activation: every value the proof states about them is masked or
    randomized (docs/internals.md), and with private weights (config "private_weights",
    zk_weights.py) the weights too. Not the raw commitment (tests only). With public weights
    a private output computed from public inputs alone is no secret (a function of the public
    weights): zero knowledge then needs a private input.
    Setup refuses a zero-knowledge key with a gap; ``VerifyingKey.zero_knowledge`` is true
    only without one."""
    if not config.get(ZK_FIELD):
        return "the key's configuration does not ask for it (setup's zero_knowledge option)"
    if hiding_params(config) is None:
        return (f"the {config.get('pcs')!r} commitment has no hiding opening: zero "
                "knowledge needs Ligero or WHIR (the fast or the compact profile)")
    if not config.get(WEIGHTS_FIELD) and not [n for n in visibility
                                              if inputs is None or n in inputs]:
        return ("the model has no private input to hide (a private output computed from public "
                "inputs is a function of the public weights): give an input a private "
                "visibility (--input-visibility private) or make the weights private "
                "(--weights private)")
    return None


def zero_knowledge_config(config: dict, visibility: Mapping[str, str], inputs=None,
                          what: str = "zero knowledge", proof_budget: int | None = None) -> dict:
    """``config`` asking for zero knowledge (ZK_FIELD) and, with ``proof_budget``, private
    weights (WEIGHTS_FIELD: that many proofs), after :func:`hiding_gap` found nothing that
    would not hide; ConfigError (one line, led by ``what``: the option's name) otherwise.
    Setup, the demo and the CLI's early check all go through here."""
    config = {**config, ZK_FIELD: True}
    if proof_budget is not None:
        config[WEIGHTS_FIELD] = proof_budget
        if config.get("pcs") not in ("ligero", "whir"):
            raise ConfigError(f"{what}: private weights need a profile's commitment (Ligero "
                              f"or WHIR); the {config.get('pcs')!r} one has no hiding opening")
        try:
            check_config(config)
        except ConfigError as e:
            raise ConfigError(f"{what}: {e}") from None
    gap = hiding_gap(config, visibility, inputs)
    if gap is not None:
        raise ConfigError(f"{what}: {gap}")
    return config


def add_zero_knowledge(plan, config: dict, extra=None) -> None:
    """Make ``plan`` a zero-knowledge plan under ``config``: the advice tensor MASKS (M, of
    the plan's capacity) and, with a hiding opening, RANDOMIZER and OPENING_MASKS: the advice
    merge's slots (n_B rounds of degree 3 over the advice table B, zk_opening.py) in a region
    of at least one row of B's hiding layout (zk_merge.region_form needs rows inside regions)
    and 2^min_vars_k entries, then its blind. B grows with them: a fixed point, in a few
    steps."""
    k = config["k"]
    for name in (MASKS, RANDOMIZER, OPENING_MASKS):
        if name in plan.tensors:
            raise PlanError(f"tensor {name!r} is defined twice")
    hiding = hiding_params(config)
    weights = model_params(config)
    if weights is not None and hiding is not None:  # private weights (zk_weights.py)
        add_model_randomizer(plan, weights)
    if hiding is not None:  # the lookups' trees: MULT's reserved row, LOOKUP_BLIND
        plan.lookup_split = isinstance(hiding, LigeroZkParams)
        reserve_rows(plan, k)
    capacity = mask_capacity(plan, extra)
    plan.tensors[MASKS] = TensorPlan(MASKS, Layout((1 << capacity.n_vars(k),)), "advice", 0,
                                     P - 1)
    if hiding is None:
        plan.zk = ZkPlan(capacity)
        return
    plan.tensors[RANDOMIZER] = TensorPlan(RANDOMIZER, Layout((RANDOMIZER_SIZE,)), "advice", 0,
                                          P - 1)
    n_b, m = 1, min_vars_k(k)
    while True:
        opening = MaskCapacity(n_b, OPENING_DEGREE)
        m = max(m, opening.n_vars(k))
        zk = ZkPlan(capacity, hiding, opening, m)
        plan.tensors[OPENING_MASKS] = TensorPlan(
            OPENING_MASKS, Layout((1 << zk.opening_block_vars(),)), "advice", 0, P - 1)
        packing = Packing.of(plan.advice_layouts())
        n_now = packing.n_vars
        b = row_vars(hiding, n_now, packing.used)
        rounds = opening_rounds(plan, n_now)
        if rounds <= n_b and b <= m:
            break
        n_b, m = max(n_b, rounds), max(m, b)
    plan.zk = zk
