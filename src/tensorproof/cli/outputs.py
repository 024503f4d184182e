"""How `tensorproof prove` and `tensorproof verify` show proven outputs (plain text or JSON).

No rich here: `tensorproof verify` prints with click alone (rich's import is ~10% of the whole
command).
"""

from __future__ import annotations

import json

import click
import numpy as np

SHOWN_SAMPLES = 8
SHOWN_VALUES = 10


def outputs_json(quants, ints) -> dict:
    """Every public output (those in ``ints``), integers and dequantized values (full
    precision), by ONNX name."""
    quants = [q for q in quants if q.name in ints]
    return {"outputs": {q.onnx_name: q.dequantize(ints[q.name]).tolist() for q in quants},
            "outputs_int": {q.onnx_name: np.asarray(ints[q.name]).tolist() for q in quants}}


def visibility_json(vk, digests=None) -> dict:
    """Which graph inputs and outputs the statement of ``vk``'s proofs reveals
    (ir/visibility.py), whether its proofs hide the rest (``VerifyingKey.zero_knowledge``), and
    the digests of the hashed ones (hex, per sample) when given."""
    from ..ir.visibility import visibility_of

    graph = vk.graph
    out = {"visibility": {n: visibility_of(graph, n) for n in (*graph.inputs, *graph.outputs)},
           "zero_knowledge": vk.zero_knowledge,
           "weights": "private" if vk.proof_budget else "public"}
    if vk.proof_budget:
        out["proof_budget"] = vk.proof_budget
    if digests:
        out["digests"] = {n: [d.hex() for d in ds] for n, ds in sorted(digests.items())}
    return out


def digest_lines(digests) -> list[str]:
    """One line per sample (the first SHOWN_SAMPLES) of each hashed tensor's digest."""
    lines = []
    for name, ds in sorted(digests.items()):
        lines += [f"  keccak256({name}[{b}]) = {d.hex()}" for b, d in enumerate(ds[:SHOWN_SAMPLES])]
        if len(ds) > SHOWN_SAMPLES:
            lines.append(f"  … {len(ds) - SHOWN_SAMPLES} more")
    return lines


def visibility_lines(vk) -> list[str]:
    """What the statement of ``vk``'s proofs reveals and whether they are zero-knowledge, when
    some tensor is private (nothing otherwise)."""
    from ..ir.visibility import HIDDEN_NOTE, NOT_HIDDEN_NOTE, WEIGHTS_HIDDEN_NOTE, visibility_of

    graph = vk.graph
    if not graph.visibility and not vk.proof_budget:
        return []
    lines = []
    for what, names in (("inputs", graph.inputs), ("outputs", graph.outputs)):
        shown = [f"{n} ({visibility_of(graph, n)})" for n in names]
        lines.append(f"{what}: {', '.join(shown)}")
    if vk.proof_budget:
        lines.append(f"weights: private (a hiding model id; the key serves {vk.proof_budget} "
                     "proofs)")
    if vk.zero_knowledge:
        lines.append(f"zero-knowledge: {WEIGHTS_HIDDEN_NOTE if vk.proof_budget else HIDDEN_NOTE}")
    else:
        lines.append(f"note: {NOT_HIDDEN_NOTE}")
    return lines


def print_json(obj: dict) -> None:
    click.echo(json.dumps(obj, indent=1))


def output_lines(quants, ints) -> list[str]:
    """One line per sample (the first SHOWN_SAMPLES) of each output: its first SHOWN_VALUES
    dequantized values, and the argmax of a vector; one line for a private output (not in
    ``ints``)."""
    lines = []
    for q in quants:
        if q.name not in ints:
            lines.append(f"  {q.onnx_name}: not in the statement (committed in the proof)")
            continue
        vals = q.dequantize(ints[q.name])
        flat = vals.reshape(vals.shape[0], -1)
        for b, row in enumerate(flat[:SHOWN_SAMPLES]):
            top = f", argmax {int(np.argmax(row))}" if row.size > 1 else ""
            shown = np.array2string(row[:SHOWN_VALUES], precision=2, suppress_small=True,
                                    max_line_width=10_000)
            lines.append(f"  {q.onnx_name}[{b}] = {shown}{top}")
        if len(flat) > SHOWN_SAMPLES:
            lines.append(f"  … {len(flat) - SHOWN_SAMPLES} more")
    return lines
