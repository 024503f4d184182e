"""The proof configuration (challenge field degree, commitment scheme and its parameters) and
the commitment verifier it selects, through the scheme registry (verifier/pcs/registry.py).
The configuration is part of the model id."""

from __future__ import annotations

from ..errors import ConfigError, ProofFormatError, VerificationError
from ..field.params import EXTENSION_DEGREES
from .pcs.commitment import COMMITMENT_BYTES, Commitment
from .pcs.registry import OpeningVerifier, VerifierScheme, verifier_scheme

DEFAULT_SCHEME = "ligero"

PROFILES: dict[str, dict] = {
    "fast": {"k": 2, "pcs": "ligero"},
    "compact": {"k": 3, "pcs": "whir"},
}
"""Named configurations: "fast" (Ligero, K = F_p^2: the fastest prover, proofs of a few
hundred KB, for Python verification) and "compact" (WHIR, K = F_p^3: proofs of tens of KB,
meant for on-chain verification). Each takes its scheme's default parameters."""

DEFAULT_PROFILE = "fast"


def profile_config(profile: str = DEFAULT_PROFILE, k: int | None = None,
                   pcs: str | None = None) -> dict:
    """The configuration of a named profile, optionally with another field degree or scheme
    (with that scheme's defaults); ConfigError naming the profiles for an unknown one."""
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    if pcs in NOT_SELECTABLE:
        raise ConfigError(NOT_SELECTABLE[pcs])
    base = PROFILES[profile]
    return default_config(base["k"] if k is None else k, base["pcs"] if pcs is None else pcs)


ZK_FIELD = "zk"
"""Optional configuration field: true masks every sumcheck of a proof (verifier/zk_masks.py)
and, with Ligero or WHIR, randomizes every stated value and opens the advice with ligero-zk or
whir-zk. Absent in plain keys, so their model ids are unchanged. Setup's zero_knowledge option
sets it where the proofs hide (zk_capacity.hiding_gap); the test suites also set it where they
do not (the raw commitment: masks only)."""

WEIGHTS_FIELD = "private_weights"
"""Optional configuration field (with ZK_FIELD only): the weights are private, committed with
the hiding ligero-zk or whir-zk behind the model id, and this many proofs may be made with the
key (each consumes one of the commitment's zero-knowledge openings: verifier/zk_weights.py)."""

DEFAULT_PROOF_BUDGET = 16
"""The proof budget of private weights when none is given (compile --proof-budget)."""

MAX_PROOF_BUDGET = 63
"""The largest budget of proofs a key with private weights may declare (ligero-zk's
MAX_OPENINGS less the certificate's opening; the padding grows with it: zk_weights.py)."""

NOT_SELECTABLE = {
    "ligero-zk": "pcs 'ligero-zk' is the hiding commitment of zero-knowledge proofs; it is not "
                 "selectable on its own (it would hide the openings but not the rest of a "
                 "proof): use 'ligero' with zero knowledge (setup's zero_knowledge, compile "
                 "--zero-knowledge)",
    "whir-zk": "pcs 'whir-zk' is the hiding commitment of zero-knowledge proofs; it is not "
               "selectable on its own: use 'whir' (the compact profile) with zero knowledge "
               "(setup's zero_knowledge, compile --zero-knowledge)",
}
"""Registered schemes that setup refuses by name (building blocks, not user choices yet)."""


def profile_name(config: dict) -> str:
    """The profile a configuration is (its name), or "custom"."""
    plain = {f: v for f, v in config.items() if f not in (ZK_FIELD, WEIGHTS_FIELD)}
    for name, base in PROFILES.items():
        if plain == default_config(base["k"], base["pcs"]):
            return name
    return "custom"


def default_config(k: int = 2, scheme: str = DEFAULT_SCHEME) -> dict:
    """``scheme`` with its defaults (Ligero: the proven-bound parameters), K = F_p^k."""
    return {"k": k, "pcs": scheme, **verifier_scheme(scheme).defaults}


def check_config(config: dict) -> VerifierScheme:
    """The configuration's scheme, after checking a registered scheme, exactly its fields, a
    supported field degree and parameters at the required security level; ConfigError (one
    line) otherwise. Setup and the loading of a verifying key both run it."""
    scheme = verifier_scheme(config.get("pcs"))
    needed = {"k", "pcs", *scheme.defaults}
    if not needed <= set(config) <= needed | scheme.ignored | {ZK_FIELD, WEIGHTS_FIELD}:
        raise ConfigError(f"configuration fields {sorted(config)}, expected {sorted(needed)}")
    k = config["k"]
    if not isinstance(k, int) or isinstance(k, bool) or k not in EXTENSION_DEGREES:
        raise ConfigError(f"field degree {k!r} is not one of {EXTENSION_DEGREES}")
    if ZK_FIELD in config and config[ZK_FIELD] is not True:
        raise ConfigError(f"configuration field {ZK_FIELD!r} is true or absent, got "
                          f"{config[ZK_FIELD]!r}")
    if WEIGHTS_FIELD in config:
        budget = config[WEIGHTS_FIELD]
        if (not isinstance(budget, int) or isinstance(budget, bool)
                or not 1 <= budget <= MAX_PROOF_BUDGET):
            raise ConfigError(f"configuration field {WEIGHTS_FIELD!r} (the proof budget of "
                              f"private weights) must be an integer in [1, "
                              f"{MAX_PROOF_BUDGET}], got {budget!r}")
        if config.get(ZK_FIELD) is not True:
            raise ConfigError(f"configuration field {WEIGHTS_FIELD!r} needs {ZK_FIELD!r}: "
                              "private weights are hidden only in zero-knowledge proofs")
        if config.get("pcs") not in ("ligero", "whir"):
            raise ConfigError(f"private weights need the 'ligero' or 'whir' commitment (a "
                              f"profile's), not {config.get('pcs')!r}: no hiding opening")
        hiding = private_weights_config(config)
        verifier_scheme(hiding["pcs"]).check(hiding)
    if config.get("pcs") in NOT_SELECTABLE:  # a hiding scheme only ever backs a profile's
        raise ConfigError(NOT_SELECTABLE[config["pcs"]])
    scheme.check(config)
    if config.get(ZK_FIELD) and config.get("pcs") == "whir":  # the advice's whir-zk
        plain = {f: v for f, v in config.items() if f not in (ZK_FIELD, WEIGHTS_FIELD)}
        verifier_scheme("whir-zk").check({**plain, "pcs": "whir-zk", "openings": 1})
    return scheme


def private_weights_config(config: dict) -> dict | None:
    """The model commitment's configuration when the weights are private (verifier/
    zk_weights.py): ligero-zk with one form per opening (Ligero) or whir-zk with the key's
    WHIR parameters (WHIR), and budget + 1 openings (the weight certificate's, then one per
    proof); None otherwise."""
    budget = config.get(WEIGHTS_FIELD)
    if not budget:
        return None
    if config.get("pcs") == "whir":
        plain = {f: v for f, v in config.items() if f not in (ZK_FIELD, WEIGHTS_FIELD)}
        return {**plain, "pcs": "whir-zk", "openings": budget + 1}
    return {"k": config["k"], "pcs": "ligero-zk", "blowup": config["blowup"], "points": 1,
            "openings": budget + 1}


def commitment_extra(config: dict) -> int:
    """Bytes of scheme data after a commitment's root (``Commitment.extra``)."""
    return verifier_scheme(config.get("pcs")).commitment_extra(config)


def commitment_bytes(config: dict) -> int:
    """Size of a serialized commitment (``Commitment.to_bytes``) under ``config``."""
    return COMMITMENT_BYTES + commitment_extra(config)


class PCSVerifier:
    """Verify openings of a serialized commitment of a vector of 2^n_vars entries."""

    def __init__(self, config: dict):
        try:
            self.inner: OpeningVerifier = verifier_scheme(config.get("pcs")).verifier(config)
            self.extra = commitment_extra(config)
        except ConfigError as e:
            raise ProofFormatError(f"{e}") from None

    @property
    def batched(self) -> bool:
        """Whether the scheme opens several commitments together (``verify_batch``)."""
        return hasattr(self.inner, "verify_batch")

    def parse(self, commitment: bytes, n_vars: int) -> Commitment:
        """The commitment's bytes, checked to name a vector of 2^n_vars entries."""
        c = Commitment.from_bytes(commitment, self.extra)
        if c.n_vars != n_vars:
            raise VerificationError(f"commitment is to 2^{c.n_vars} entries, the plan needs "
                                    f"2^{n_vars}")
        return c

    def verify(self, commitment: bytes, n_vars: int, points, values, transcript) -> None:
        self.inner.verify(self.parse(commitment, n_vars), points, values, transcript)

    def verify_batch(self, commitments: list[bytes], n_vars: list[int], points: list,
                     values: list, transcript) -> None:
        """One batched opening of several commitments (a ``batched`` scheme only)."""
        parsed = [self.parse(c, n) for c, n in zip(commitments, n_vars, strict=True)]
        self.inner.verify_batch(parsed, points, values, transcript)


def pcs_verifier(config: dict) -> PCSVerifier:
    return PCSVerifier(config)
