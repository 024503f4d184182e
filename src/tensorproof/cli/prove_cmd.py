"""`tensorproof prove` and `tensorproof verify`."""

from __future__ import annotations

import sys
import time

import click
import numpy as np
from rich.console import Console

from ..errors import ProofFormatError, TensorProofError, VerificationError
from . import app


def _shape_batch(x: np.ndarray, shape: tuple[int, ...], path: str) -> np.ndarray:
    n = int(np.prod(shape))
    if x.ndim >= 1 and tuple(x.shape[-len(shape):]) == tuple(shape) and x.ndim == len(shape) + 1:
        return x
    if x.size % n:
        raise TensorProofError(f"{path}: {x.size} values do not fill samples of shape {shape}")
    return x.reshape(-1, *shape)


def _proving_key(api, path: str, status):
    """The proving key from a .tpk file, or from a .tpm by committing to its weights now."""
    from ..ir.modelfile import MAGIC as MODEL_MAGIC
    from ..ir.modelfile import load_model

    try:
        with open(path, "rb") as f:
            is_model = f.read(len(MODEL_MAGIC)) == MODEL_MAGIC
    except OSError as e:
        raise TensorProofError(f"cannot read {path!r}: {e.strerror}") from None
    if not is_model:
        return api.load_pk(path)
    status.update("committing to the weights (prove from the .tpk that compile wrote to skip "
                  "this)...")
    return api.setup(load_model(path))


@app.command("prove")
@click.argument("model_path", metavar="MODEL.tpk|MODEL.tpm")
@click.option("--input", "-i", "input_path", required=True, help="Inputs (.npy or .json).")
@click.option("--output", "-o", "out", default="proof.tpp", show_default=True,
              help="Where to write the proof.")
@click.option("--vk", "vk_out", default=None, help="Also write the verifying key here.")
def prove_cmd(model_path: str, input_path: str, out: str, vk_out: str | None) -> None:
    """Prove the model's inference on a batch of inputs.

    MODEL is the proving key (.tpk) that `tensorproof compile` writes, or a compiled model
    (.tpm), whose weights are then committed to again first."""
    from .. import api
    from ..frontend.inputs import load_inputs

    console = Console()
    times = {}
    with console.status("loading the proving key...") as status:
        t0 = time.perf_counter()
        pk = _proving_key(api, model_path, status)
        times["load proving key"] = time.perf_counter() - t0
        model = pk.model
        x = _shape_batch(load_inputs(input_path), model.inputs[0].shape, input_path)
        t0 = time.perf_counter()
        proof = api.prove(pk, x, progress=lambda s: status.update(f"proving: {s}..."))
        times["prove"] = time.perf_counter() - t0
    api.save_proof(proof, out)
    if vk_out:
        api.save_vk(pk.vk, vk_out)
    for step, secs in times.items():
        console.print(f"{step:28s} {secs:8.2f} s")
    console.print(f"proof: {out} ({len(proof.to_bytes()):,} bytes), batch {proof.batch}, "
                  f"model id {proof.model_id.hex()[:16]}…")
    _print_outputs(console, model.outputs, proof.outputs)


def _print_outputs(console, quants, ints) -> None:
    for q in quants:
        vals = q.dequantize(ints[q.name])
        flat = vals.reshape(vals.shape[0], -1)
        for b, row in enumerate(flat[:8]):
            top = f", argmax {int(np.argmax(row))}" if row.size > 1 else ""
            shown = np.array2string(row[:10], precision=2, suppress_small=True,
                                    max_line_width=10_000)
            console.print(f"  {q.onnx_name}[{b}] = {shown}{top}")
        if len(flat) > 8:
            console.print(f"  … {len(flat) - 8} more")


@app.command("verify")
@click.argument("vk_path", metavar="MODEL.vk")
@click.argument("proof_path", metavar="PROOF.tpp")
def verify_cmd(vk_path: str, proof_path: str) -> None:
    """Verify a proof; exit 1 with the reason if it is rejected."""
    from .. import api

    console = Console()
    vk = api.load_vk(vk_path)
    proof = api.load_proof(proof_path)
    t0 = time.perf_counter()
    try:
        result = api.verify(vk, proof)
    except (VerificationError, ProofFormatError) as e:
        click.echo(f"proof rejected: {e}", err=True)
        sys.exit(1)
    secs = time.perf_counter() - t0
    console.print(f"[bold green]verified[/] in {secs * 1e3:.1f} ms: model id "
                  f"{vk.model_id.hex()[:16]}…, batch {proof.batch}")
    _print_outputs(console, vk.outputs, result.ints)
