"""Who sees each graph input and output: the statement's contents, chosen at compile time.

``IntGraph.visibility`` maps a graph input or output to PRIVATE or HASHED; every other one is PUBLIC
(the default: in the statement, as before visibilities existed, so older keys keep their model
ids). The map is part of the verifying key's graph, hence of the model id: a proof made with one
visibility never verifies under a key with another.

  PUBLIC   the integer tensor is in the statement; the verifier evaluates claims on it itself.
  PRIVATE  the tensor is not in the statement. The prover commits to it in the proof's per-proof
           (advice) commitment and proves it in range: an input by a LogUp lookup of its real
           entries in the interval table [lo, hi] plus a zero-check of its padding, an output by
           the step that computes it. Hidden only under a zero-knowledge key (setup's
           zero_knowledge, ``VerifyingKey.zero_knowledge``); otherwise the proof's messages
           are linear functionals of it (an observer can test a guess), and the CLI says so.
  HASHED   committed as PRIVATE, and the statement carries each sample's Keccak-256 digest of
           the tensor's int64 big-endian bytes in C order, proven inside the proof
           (verifier/hashing.py): an oracle contract binds a request's input to a proof by its
           hash without seeing it. Hidden beyond its digest under a zero-knowledge key (its
           Keccak proof randomized), as PRIVATE is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import CompileError
from .model import CompiledModel

PUBLIC, PRIVATE, HASHED = "public", "private", "hashed"
CHOICES = (PUBLIC, PRIVATE, HASHED)
"""The visibilities a tensor may have (private weights: issue 13)."""
NOT_HIDDEN_NOTE = ("private tensors are kept out of the statement and committed, but proofs are "
                   "not zero-knowledge: their messages reveal linear functionals of them "
                   "(compile --zero-knowledge hides private inputs)")
HIDDEN_NOTE = ("yes: the proof reveals nothing about the private tensors beyond the statement "
               "(the weights stay behind the model id, not hidden)")
WEIGHTS_HIDDEN_NOTE = ("yes: the proof reveals nothing about the weights nor the private tensors "
                       "beyond the statement")
MAX_PRIVATE_INPUT_BITS = 20
"""A private input is range-checked by a lookup in the table of its values [lo, hi]: at most
2^20 rows (the lookup's prover work and its multiplicities grow with the table)."""


def check_visibility(graph) -> None:
    """CompileError unless every entry of ``graph.visibility`` names a graph input or output and
    is PRIVATE or HASHED (PUBLIC is the default and never stored: one encoding, one model id),
    and every committed input's range fits the interval table."""
    vis = graph.visibility
    if not isinstance(vis, Mapping):
        raise CompileError("the graph's visibility must be a map from tensor name to visibility")
    ends = set(graph.inputs) | set(graph.outputs)
    for name, v in vis.items():
        if name not in ends:
            raise CompileError(f"visibility given for {name!r}, which is not a graph input or "
                               "output")
        if v not in (PRIVATE, HASHED):
            raise CompileError(f"tensor {name!r} has visibility {v!r}: a stored visibility is "
                               f"{PRIVATE!r} or {HASHED!r} (public is the default and never "
                               "stored)")
        if name in graph.inputs:
            spec = graph.tensors[name]
            width = spec.hi - spec.lo + 1
            if width > 1 << MAX_PRIVATE_INPUT_BITS:
                raise CompileError(
                    f"{v} input {name!r} spans {width:,} values [{spec.lo}, {spec.hi}]; a "
                    f"private input is range-checked by a table of at most "
                    f"2^{MAX_PRIVATE_INPUT_BITS} values: compile with fewer input bits")


def parse_choices(spec: str | Mapping[str, str] | None, names: Iterable[str],
                  what: str) -> dict[str, str]:
    """Visibility of each of ``names`` (graph inputs or outputs, ``what`` says which) from a
    user's choice: None (all public), one visibility for all, a map by name, or the CLI's text
    "VIS" / "NAME=VIS[,NAME=VIS…]". CompileError (one line) for an unknown name or choice."""
    names = list(names)
    out = dict.fromkeys(names, PUBLIC)
    if spec is None:
        return out
    if isinstance(spec, str):
        spec = spec.strip()
        if "=" not in spec:
            return dict.fromkeys(names, _choice(spec, what))
        text = spec
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all("=" in part for part in parts):
            raise CompileError(f"{what} visibility {text!r}: give one visibility for all, or "
                               "NAME=VIS for each tensor named, not both")
        pairs = [(k.strip(), v.strip()) for k, v in (part.split("=", 1) for part in parts)]
        spec = dict(pairs)
        if len(spec) != len(pairs):
            raise CompileError(f"{what} visibility {text!r} names a tensor twice")
    if not isinstance(spec, Mapping):
        raise CompileError(f"{what} visibility must be one of {CHOICES} or a map by name")
    for name, v in spec.items():
        if name not in out:
            raise CompileError(f"{what} visibility names {name!r}; the model's {what}s are "
                               f"{names}")
        out[name] = _choice(v, what)
    return out


def check_words(spec: str, what: str) -> None:
    """CompileError unless every visibility in the CLI's text ``spec`` is known (names are
    checked once the model is compiled): a typo fails before any work."""
    for part in spec.split(","):
        if part.strip():
            _choice(part.split("=", 1)[-1].strip(), what)


def stated_words(spec: str, what: str) -> dict[str, str]:
    """The non-public visibilities the CLI's text ``spec`` chooses, by name ("every input" for
    one visibility for all): what a check can read before the model is compiled."""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    if len(parts) == 1 and "=" not in parts[0]:
        return {f"every {what}": parts[0]} if parts[0] != PUBLIC else {}
    pairs = (part.split("=", 1) for part in parts if "=" in part)
    return {k.strip(): v.strip() for k, v in pairs if v.strip() != PUBLIC}


def _choice(v: object, what: str) -> str:
    if v not in CHOICES:
        raise CompileError(f"unknown {what} visibility {v!r}: choose one of "
                           f"{', '.join(CHOICES)}")
    return str(v)


def stored(choices: Mapping[str, str]) -> dict[str, str]:
    """The entries a graph stores: the non-public ones, in name order."""
    return {n: v for n, v in sorted(choices.items()) if v != PUBLIC}


def with_visibility(model: CompiledModel, inputs: str | Mapping[str, str] | None = None,
                    outputs: str | Mapping[str, str] | None = None) -> CompiledModel:
    """``model`` (a CompiledModel) with the visibility of its inputs and outputs chosen as
    :func:`parse_choices` reads them (None: public). A tensor that is both an input and an
    output takes one visibility: CompileError if the two choices differ."""
    from dataclasses import replace

    g = model.graph
    ins = parse_choices(inputs, g.inputs, "input")
    outs = parse_choices(outputs, g.outputs, "output")
    for name in set(ins) & set(outs):
        if ins[name] != outs[name]:
            raise CompileError(f"tensor {name!r} is both an input and an output: give it one "
                               f"visibility, not {ins[name]} and {outs[name]}")
    graph = replace(g, visibility=stored({**ins, **outs}))
    check_visibility(graph)
    return replace(model, graph=graph)


def visibility_of(graph, name: str) -> str:
    """PUBLIC, PRIVATE or HASHED: the visibility of graph input or output ``name``."""
    return graph.visibility.get(name, PUBLIC)


def private_names(graph) -> frozenset[str]:
    """The graph inputs and outputs kept out of the statement (private or hashed: committed)."""
    return frozenset(graph.visibility)


def hashed_names(graph) -> frozenset[str]:
    """The graph inputs and outputs whose digests the statement carries."""
    return frozenset(n for n, v in graph.visibility.items() if v == HASHED)
