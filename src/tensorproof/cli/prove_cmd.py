"""`tensorproof prove` and `tensorproof verify`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
import numpy as np
from rich.console import Console

from ..errors import ProofFormatError, TensorProofError, VerificationError
from . import EXIT_REJECTED, app
from .firstrun import compile_progress


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
        _print_json({"command": "prove", "model_id": proof.model_id.hex(), "proof": out,
                     "proof_bytes": len(files[Path(out)]), "batch": proof.batch,
                     "input_hash": api.input_hash(proof.inputs), "clamped": q.clamped,
                     **_outputs_json(model.outputs, proof.outputs), "timings_s": times})
        return
    for step, secs in times.items():
        console.print(f"{step:28s} {secs:8.2f} s")
    console.print(f"proof: {out} ({len(files[Path(out)]):,} bytes), batch {proof.batch}, "
                  f"model id {proof.model_id.hex()[:16]}…")
    for name, n in q.clamped.items():
        console.print(f"input {name}: {q.ints[name].shape}, {n} value{'s' if n != 1 else ''} "
                      "clamped to the calibrated range")
    console.print(f"input hash: {api.input_hash(proof.inputs)}", soft_wrap=True)
    _print_outputs(console, model.outputs, proof.outputs)


def _outputs_json(quants, ints) -> dict:
    """Every output, integers and dequantized values (full precision), by ONNX name."""
    return {"outputs": {q.onnx_name: q.dequantize(ints[q.name]).tolist() for q in quants},
            "outputs_int": {q.onnx_name: np.asarray(ints[q.name]).tolist() for q in quants}}


def _print_json(obj: dict) -> None:
    click.echo(json.dumps(obj, indent=1))


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


def _parse_proof(blob: bytes, path: str):
    from ..verifier.proof import Proof

    try:
        return Proof.from_bytes(blob)
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from None


def _check_order(vk_path: str, proof_path: str) -> None:
    """A one-line hint when the key and the proof are given the other way round."""
    from ..verifier.keys import VK_MAGIC
    from ..verifier.proof import MAGIC as PROOF_MAGIC

    try:
        with open(vk_path, "rb") as f:
            head = f.read(len(VK_MAGIC))
    except OSError:
        return  # load_vk says why
    if head.startswith(PROOF_MAGIC):
        raise TensorProofError(f"{vk_path!r} is a proof, not a verifying key: the order is "
                               "`tensorproof verify MODEL.vk PROOF.tpp`")


@app.command("verify")
@click.argument("vk_path", metavar="MODEL.vk")
@click.argument("proof_path", metavar="PROOF.tpp")
@click.option("--input", "-i", "input_path", default=None,
              help="Also check that the proof is of these inputs (as for prove): exit 1 if its "
                   "public inputs are not their quantization.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (verified, model id, outputs, input hash, timings).")
def verify_cmd(vk_path: str, proof_path: str, input_path: str | None, as_json: bool) -> None:
    """Verify a proof; exit 1 with the reason if it is rejected (a malformed proof included),
    2 for a bad key or input file, 3 if a file cannot be read.

    Prints the model id, the hash of the proven inputs (keccak256 of their canonical bytes:
    tensorproof.api.input_hash) and the proven outputs."""
    from .. import api

    console = Console(soft_wrap=True)  # piped output never wraps a hash
    _check_order(vk_path, proof_path)
    progress = Console(stderr=True)  # with --json, stdout holds the JSON only
    # loading the key verifies its certificate: the first run compiles kernels here already
    with progress.status("loading the verifying key...") as status, \
            compile_progress(progress, status):
        vk = api.load_vk(vk_path)
    try:
        proof_bytes = Path(proof_path).read_bytes()
    except OSError as e:
        raise TensorProofError(f"cannot read proof file {proof_path!r}: {e.strerror}") from e
    xs = None
    if input_path is not None:  # imported only here: the frontend package imports onnx (~1 s)
        from ..frontend.inputs import load_model_inputs

        xs = load_model_inputs(input_path, {q.name: q.shape for q in vk.inputs})
    t0 = time.perf_counter()
    try:
        with progress.status("verifying...") as status, compile_progress(progress, status):
            proof = _parse_proof(proof_bytes, proof_path)
            result = api.verify(vk, proof, inputs=xs)
    except (VerificationError, ProofFormatError) as e:
        if as_json:
            _print_json({"command": "verify", "verified": False, "reason": str(e)})
        click.echo(f"proof rejected: {e}", err=True)
        sys.exit(EXIT_REJECTED)
    secs = time.perf_counter() - t0
    if as_json:
        _print_json({"command": "verify", "verified": True, "model_id": vk.model_id.hex(),
                     "batch": proof.batch, "proof_bytes": len(proof_bytes),
                     "input_hash": result.input_hash, "inputs_checked": input_path is not None,
                     **_outputs_json(vk.outputs, result.ints), "timings_s": {"verify": secs}})
        return
    console.print(f"[bold green]verified[/] in {secs * 1e3:.1f} ms: model id "
                  f"{vk.model_id.hex()[:16]}…, batch {proof.batch}")
    if input_path is not None:
        console.print(f"the proven inputs are the quantization of {input_path}")
    # soft_wrap: a hash is never broken across lines, whatever the terminal's width
    console.print(f"input hash: {result.input_hash}", soft_wrap=True)
    _print_outputs(console, vk.outputs, result.ints)
