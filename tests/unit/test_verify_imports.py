"""`tensorproof verify` in a fresh process imports neither numba nor the prover (issue 10).

The verifier's vector work is numpy (``verifier/evaluations.py``), ``tensorproof.api`` imports
the prover only when a proving function is called, and the command line registers only the
command it runs. A child process runs the real command line on a small model's key and proof
and reports which modules it loaded; no timing is measured.

Nor does it import the modules that only other paths need, each a few ms of a ~0.3 s command
(LAZY): pycryptodome's hash loader (the transcript opens its Keccak library itself, without the
subprocess, tempfile and shutil that loader imports, nor the ``file`` command it runs), pathlib
and tempfile (writing files), fractions and decimal (div_round's ranges) and numpy.typing
(annotations). A module that ``import numpy, click`` already loads in this environment is not
held against tensorproof.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import tensorproof.api as tp
from graphs import linear_residual_model

_CHILD = """
import json, sys
from tensorproof.cli import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as e:
    code = e.code
loaded = sorted(sys.modules)
print("MODULES " + json.dumps({"code": code, "numba": "numba" in sys.modules,
    "prover": [m for m in loaded if m.startswith("tensorproof.prover")],
    "rich": "rich" in sys.modules, "loaded": loaded}))
"""

LAZY = ("Crypto.Hash.keccak", "Crypto.Util._raw_api", "ctypes.util", "subprocess", "tempfile",
        "shutil", "pathlib", "fractions", "decimal", "numpy.typing")
"""Modules a verification does not need (see the module docstring)."""

UPPER = ("tensorproof.frontend", "tensorproof.quant", "tensorproof.solidity", "onnx", "torch")
"""Packages (and their submodules) that verifying never imports."""


@pytest.fixture(scope="module")
def baseline() -> set[str]:
    """The modules ``import numpy, click`` loads in a fresh process here."""
    code = "import sys, numpy, click; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    return set(out.stdout.split())


@pytest.fixture(scope="module", params=["fast", "compact"])
def key_and_proof(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("verify_imports")
    model, _ = linear_residual_model(seed=3)
    pk = tp.setup(model, request.param)  # Ligero (NTT, Merkle trees) or WHIR (folds, Merkle)
    proof = tp.prove(pk, np.arange(-6, 6).reshape(1, 12), quantized=True)
    tp.save_vk(pk.vk, d / "m.vk")
    tp.save_proof(proof, d / "p.tpp")
    return d


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True,
                         timeout=300)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("MODULES ")]
    assert lines, out.stderr[-2000:]
    return {**json.loads(lines[-1][len("MODULES "):]), "stdout": out.stdout}


def _unneeded(r: dict, baseline: set[str]) -> list[str]:
    """The LAZY and UPPER modules the child loaded that numpy and click do not load."""
    return [m for m in r["loaded"] if m not in baseline
            and (m in LAZY or any(m == p or m.startswith(p + ".") for p in UPPER))]


@pytest.mark.parametrize("cache", ["warm", "no-cache"])
def test_verify_command_imports_no_numba_and_no_prover(key_and_proof, baseline, cache):
    d = key_and_proof
    args = ["verify", str(d / "m.vk"), str(d / "p.tpp")]
    if cache == "warm":  # the key's checks recorded by a first run: the usual command
        _child(*args)
    else:  # the key's weight certificate verified too
        args.insert(1, "--no-cache")
    r = _child(*args)
    assert r["code"] == 0 and "verified" in r["stdout"]
    assert not r["numba"], "tensorproof verify imported numba"
    assert r["prover"] == []
    assert not r["rich"]
    assert _unneeded(r, baseline) == [], "tensorproof verify imported modules it does not need"


def test_rejecting_a_tampered_proof_imports_no_numba(key_and_proof, baseline):
    d = key_and_proof
    blob = bytearray((d / "p.tpp").read_bytes())
    blob[-100] ^= 1
    (d / "bad.tpp").write_bytes(bytes(blob))
    r = _child("verify", str(d / "m.vk"), str(d / "bad.tpp"))
    assert r["code"] == 1 and not r["numba"] and r["prover"] == []
    assert _unneeded(r, baseline) == []


def test_import_api_imports_no_prover():
    code = ("import sys, tensorproof.api as tp; "
            "print(sorted(m for m in sys.modules if m.startswith('tensorproof.prover')), "
            "'numba' in sys.modules, tp.ProvingKey.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.split()[:2] == ["[]", "False"], out.stderr[-2000:]
    assert out.stdout.split()[2] == "tensorproof.prover.model"  # still importable, lazily
