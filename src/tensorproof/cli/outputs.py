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
    """Every output, integers and dequantized values (full precision), by ONNX name."""
    return {"outputs": {q.onnx_name: q.dequantize(ints[q.name]).tolist() for q in quants},
            "outputs_int": {q.onnx_name: np.asarray(ints[q.name]).tolist() for q in quants}}


def print_json(obj: dict) -> None:
    click.echo(json.dumps(obj, indent=1))


def output_lines(quants, ints) -> list[str]:
    """One line per sample (the first SHOWN_SAMPLES) of each output: its first SHOWN_VALUES
    dequantized values, and the argmax of a vector."""
    lines = []
    for q in quants:
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
