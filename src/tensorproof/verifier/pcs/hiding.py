"""The hiding commitments of zero-knowledge proofs (ligero-zk for Ligero, whir-zk for WHIR)
behind one interface: parameters <-> registry configurations, and the length of the "row"
that the hiding opening's randomizers fill (verifier/zk_opening.py, zk_weights.py)."""

from __future__ import annotations

from .ligero_zk import LigeroZkParams, ligero_zk_config, ligero_zk_params, zk_layout
from .whir_zk import WhirZkParams, whir_zk_config, whir_zk_params

HidingParams = LigeroZkParams | WhirZkParams

WHIR_ROW_VARS = 4
"""whir-zk has no matrix: a randomizer "row" is 2^4 consecutive entries (RANDOMIZER's 16)."""


def hiding_config(params: HidingParams) -> dict:
    """The registry configuration of a hiding commitment's parameters."""
    if isinstance(params, WhirZkParams):
        return whir_zk_config(params)
    return ligero_zk_config(params)


def hiding_params(config: dict) -> HidingParams:
    """The parameters of a hiding commitment's registry configuration."""
    if config.get("pcs") == "whir-zk":
        return whir_zk_params(config)
    return ligero_zk_params(config)


def row_vars(params: HidingParams, n_vars: int, used: int | None = None) -> int:
    """b: the variables of a row of the hiding layout of a table of 2^n_vars entries, the
    first ``used`` of them possibly nonzero (Ligero's column count; WHIR_ROW_VARS for
    whir-zk)."""
    if isinstance(params, WhirZkParams):
        return WHIR_ROW_VARS
    return zk_layout(n_vars, params, used).b
