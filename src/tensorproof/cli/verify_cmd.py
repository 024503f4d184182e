"""`tensorproof verify`: check a proof against a verifying key and print what it proves.

A fresh `tensorproof verify` process imports click, numpy and the verifier only: not rich, not
the prover and not numba (the verifier's vector work is numpy, ``verifier/evaluations.py``), so
that it costs little more than the verification itself (issue 10;
``tests/unit/test_verify_imports.py`` checks that numba stays out). A key file whose exact bytes
passed its checks before skips its weight certificate (``verifier/key_cache.py``).
"""

from __future__ import annotations

import sys
import time

import click

from ..errors import ProofFormatError, TensorProofError, VerificationError
from . import EXIT_REJECTED, app
from .outputs import (
    digest_lines,
    output_lines,
    outputs_json,
    print_json,
    visibility_json,
    visibility_lines,
)


def read_file(path: str, what: str) -> bytes:
    """The bytes of ``path``; a one-line TensorProofError naming ``what`` when it can't be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise TensorProofError(f"cannot read {what} {path!r}: {e.strerror}") from e


def parse_proof(blob: bytes, path: str):
    """Proof.from_bytes, its ProofFormatError naming the file."""
    from ..verifier.proof import Proof

    try:
        return Proof.from_bytes(blob)
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from None


def load_vk_file(path: str, use_cache: bool):
    """api.load_vk(path), through the cache of keys that passed their checks (the same key,
    the same errors; verifier/key_cache.py)."""
    from ..verifier.key_cache import load_key

    data = read_file(path, "verifying key")
    try:
        return load_key(data, use_cache)
    except ProofFormatError as e:
        raise ProofFormatError(f"{path}: {e}") from e


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
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Verify the key's weight certificate even if this exact key file passed "
                   "before (also: TENSORPROOF_NO_CACHE=1).")
def verify_cmd(vk_path: str, proof_path: str, input_path: str | None, as_json: bool,
               no_cache: bool) -> None:
    """Verify a proof; exit 1 with the reason if it is rejected (a malformed proof included),
    2 for a bad key or input file, 3 if a file cannot be read.

    Prints the model id, the hash of the proven inputs (keccak256 of their canonical bytes:
    tensorproof.api.input_hash) and the proven outputs.

    The key's weight certificate is verified once per key file: a key whose exact bytes passed
    is recorded (an empty file named by its SHA-256 and the verifier's code) in
    $TENSORPROOF_CACHE_DIR, else $XDG_CACHE_HOME/tensorproof, else ~/.cache/tensorproof.
    Whoever can write there can make this check be skipped for a key: keep it private, or
    disable it with --no-cache or TENSORPROOF_NO_CACHE=1. The proof is always verified."""
    from .. import api

    _check_order(vk_path, proof_path)
    vk = load_vk_file(vk_path, use_cache=not no_cache)  # checks the key, certificate included
    proof_bytes = read_file(proof_path, "proof file")
    xs = None
    if input_path is not None:  # imported only here: the frontend package imports onnx (~1 s)
        from ..frontend.inputs import load_model_inputs

        xs = load_model_inputs(input_path, {q.name: q.shape for q in vk.inputs})
    t0 = time.perf_counter()
    try:
        proof = parse_proof(proof_bytes, proof_path)
        result = api.verify(vk, proof, inputs=xs)
    except (VerificationError, ProofFormatError) as e:
        if as_json:
            print_json({"command": "verify", "verified": False, "reason": str(e)})
        click.echo(f"proof rejected: {e}", err=True)
        sys.exit(EXIT_REJECTED)
    secs = time.perf_counter() - t0
    if as_json:  # stdout holds the JSON only
        print_json({"command": "verify", "verified": True, "model_id": vk.model_id.hex(),
                    "batch": proof.batch, "proof_bytes": len(proof_bytes),
                    "input_hash": result.input_hash, "inputs_checked": input_path is not None,
                    **outputs_json(vk.outputs, result.ints),
                    **visibility_json(vk, proof.digests),
                    "timings_s": {"verify": secs}})
        return
    click.echo(f"{click.style('verified', fg='green', bold=True)} in {secs * 1e3:.1f} ms: "
               f"model id {vk.model_id.hex()[:16]}…, batch {proof.batch}")
    if input_path is not None:
        click.echo(f"the proven inputs are the quantization of {input_path}")
    for line in visibility_lines(vk) + digest_lines(proof.digests):
        click.echo(line)
    public = " (of the public inputs)" if result.private else ""
    click.echo(f"input hash{public}: {result.input_hash}")  # one line, never wrapped
    for line in output_lines(vk.outputs, result.ints):
        click.echo(line)
