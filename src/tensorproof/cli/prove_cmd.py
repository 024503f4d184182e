"""`tensorproof prove` (`tensorproof verify` is in verify_cmd.py)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console

from ..errors import TensorProofError
from . import app
from .firstrun import compile_progress
from .outputs import digest_lines, output_lines, outputs_json, print_json, visibility_json


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
@click.option("--input", "-i", "input_path", required=True,
              help="Inputs, batch first: .npy (one input), .npz (an array per input name) or "
                   ".json (EZKL's input.json, or an object by input name).")
@click.option("--output", "-o", "out", default="proof.tpp", show_default=True,
              help="Where to write the proof.")
@click.option("--vk", "vk_out", default=None, help="Also write the verifying key here.")
@click.option("--force", is_flag=True,
              help="Let --vk overwrite the verifying key of another model.")
@click.option("--strict", is_flag=True,
              help="Refuse inputs outside the calibrated range instead of clamping them.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (model id, outputs, input hash, timings, sizes).")
def prove_cmd(model_path: str, input_path: str, out: str, vk_out: str | None, force: bool,
              strict: bool, as_json: bool) -> None:
    """Prove the model's inference on a batch of inputs.

    MODEL is the proving key (.tpk) that `tensorproof compile` writes, or a compiled model
    (.tpm), whose weights are then committed to again first. Each input is (batch, *shape) or,
    for one sample, exactly the input's shape: nothing is reshaped. Values outside the
    calibrated range are clamped with a warning per input (--strict: refused)."""
    from .. import api
    from ..frontend.inputs import load_model_inputs
    from .files import check_outputs, check_same_model, existing_model_id, write_all

    outputs = {"proof": Path(out)}
    if vk_out:
        outputs["verifying key (--vk)"] = Path(vk_out)
    check_outputs(outputs, {"model": Path(model_path), "input file": Path(input_path)})
    old = existing_model_id(Path(vk_out), force) if vk_out else None
    # piped output never wraps a hash; with --json, stdout holds the JSON only
    console = Console(soft_wrap=True, stderr=as_json)
    times = {}
    with console.status("loading the proving key...") as status, \
            compile_progress(console, status):
        t0 = time.perf_counter()
        pk = _proving_key(api, model_path, status)
        times["load proving key"] = time.perf_counter() - t0
        model = pk.model
        xs = load_model_inputs(input_path, {q.name: q.shape for q in model.inputs})
        q = api.quantize_inputs(pk, xs)
        q.check(strict)
        for msg in q.clamp_messages():
            click.echo(f"warning: {msg}; --strict refuses such inputs", err=True)
        t0 = time.perf_counter()
        proof = api.prove(pk, q.ints, quantized=True,
                          progress=lambda s: status.update(f"proving: {s}..."))
        times["prove"] = time.perf_counter() - t0
        files = {Path(out): proof.to_bytes()}
        if vk_out:
            check_same_model(old, pk.vk.model_id)
            files[Path(vk_out)] = pk.vk.to_bytes()
        write_all(files)
    if as_json:
        print_json({"command": "prove", "model_id": proof.model_id.hex(), "proof": out,
                     "proof_bytes": len(files[Path(out)]), "batch": proof.batch,
                     "input_hash": api.input_hash(proof.inputs), "clamped": q.clamped,
                     **outputs_json(model.outputs, proof.outputs),
                     **visibility_json(pk.vk, proof.digests), "timings_s": times})
        return
    for step, secs in times.items():
        console.print(f"{step:28s} {secs:8.2f} s")
    console.print(f"proof: {out} ({len(files[Path(out)]):,} bytes), batch {proof.batch}, "
                  f"model id {proof.model_id.hex()[:16]}…")
    for name, n in q.clamped.items():
        console.print(f"input {name}: {q.ints[name].shape}, {n} value{'s' if n != 1 else ''} "
                      "clamped to the calibrated range")
    console.print(f"input hash: {api.input_hash(proof.inputs)}", soft_wrap=True)
    for line in output_lines(model.outputs, proof.outputs) + digest_lines(proof.digests):
        console.print(line)
