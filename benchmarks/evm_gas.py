"""Gas of the EVM verifier, on the in-process EVM (pyrevm, Cancun): its WHIR opening, then whole
models (issue 12, "Gas, measured") beside EZKL's generated verifier.

**WHIR rows.** One WHIR opening (the compact profile's commitment, one point) of a random table
of 2^log_n entries, verified by ``WhirOpeningVerifier`` as a transaction: proof bytes,
whole-transaction gas, its calldata part (EIP-2028) and execution part, the gas a Prague
transaction would pay at least (EIP-7623 floor: 40 gas per non-zero calldata byte), and the
contract's size against EIP-170's 24,576 bytes. Then batches of tables (one point each,
``verifyBatchOpening``): 2 tables are one batched opening ("whir batched opening"), 4 exceed
MAX_BATCH and are opened one by one in one proof ("whir batch, one by one"); each row also gives
the same tables opened separately (``separate_gas``, ``separate_proof_bytes``).

**Models** (``--models``, on by default). Per model (compact profile, ``certify=False``) and batch
(1, 16, 256; a batch whose proof runs past ``--max-prove-s`` here is skipped and recorded so):
proof bytes (the stream), circuit and statement bytes, whole-transaction gas of
``ModelVerifier.verifyCircuit`` under Cancun with its calldata and execution parts, the Prague
floor (EIP-7623) and what the transaction pays under Prague (the larger), gas per inference,
``TensorProofRegistry.verify`` of the same proof and ``register`` of the circuit (when
Registry.sol compiles and works), the deployment gas and EIP-170 size of every verifier contract,
and the issue's targets. For every miss, a copy of the contracts compiled with gas marks
(events carrying ``gasleft()``) splits execution into statement / lookups / steps (per op, and
the public tensors' MLE evaluations apart) / opening (``--profile``, on by default). EZKL 23.0.5
runs the MLP 784-128-10 in the same run when it is installed (``pip install ezkl==23.0.5``): its
pipeline (benchmarks/ezkl_runner.py), ``create_evm_verifier`` with ../shared/ezkl-solc-shim.sh
standing in for solc 0.8.20 (npm ``solc@0.8.20``: ``--solcjs`` or $SOLCJS, else installed once
into ~/.cache/tensorproof/solc-0.8.20 with npm), its verifier compiled as ``ezkl.deploy_evm``
does (solc 0.8.20, optimizer runs 1), deployed and called on pyrevm. Otherwise EZKL.md's
figures are printed, labeled as not measured in this run.

    python benchmarks/evm_gas.py [--log-n 10 13 16 20] [--batch 10,10 16,13 ...]
        [--no-models] [--model-names mlp_784_128_10 digits_mlp digits_cnn lenet_5]
        [--batches 1 16 256] [--max-prove-s 60] [--no-profile] [--no-ezkl] [--quick]
        [--out benchmarks/results/evm_gas.json] [--md benchmarks/results/evm_gas.md]

Prints the tables and writes the JSON (``rows``: the WHIR rows; ``models``, ``contracts``,
``registry``, ``ezkl``, ``targets``) and the markdown, atomically. ``--quick``: one WHIR size,
one batch of tables and the digits MLP at batch 1, no EZKL, no profile (a smoke run). Needs
Node.js, ``npm ci`` and pyrevm.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import save_rows, write_atomic  # noqa: E402,F401
from tensorproof.field.params import P  # noqa: E402
from tensorproof.prover.pcs.whir import WhirPCS  # noqa: E402
from tensorproof.solidity.compiler import compile_contracts  # noqa: E402
from tensorproof.solidity.evm import LocalEVM, floor_gas  # noqa: E402
from tensorproof.solidity.whir import (  # noqa: E402
    batch_config_words,
    batch_opening_calldata,
    opening_calldata,
)
from tensorproof.transcript import ProverTranscript  # noqa: E402
from tensorproof.verifier.pcs import absorb_commitment  # noqa: E402
from tensorproof.verifier.pcs.whir_params import WhirParams  # noqa: E402

DOMAIN = b"tensorproof/evm-gas"
EIP170 = 24_576
BATCHES = ["10,10", "13,10", "13,13", "16,10", "16,13", "16,16", "10,10,10,10", "13,13,13,13",
           "16,16,16,16"]

MODEL_NAMES = ["mlp_784_128_10", "digits_mlp", "digits_cnn", "lenet_5"]
MODEL_BATCHES = [1, 16, 256]
TARGET_PROOF_GAS = 5_000_000       # per proof of an MNIST-class model at batch 1
TARGET_PER_INFERENCE = 20_000      # gas per inference at batch 256
TARGET_REGISTRATION = 10_000_000   # registration of a model
BLOCK_GAS = 30_000_000             # mainnet block gas limit: a transaction above cannot land
HUGE_GAS = 10**10                  # the benchmark's own transaction gas limit (measure anyway)
EZKL_VERSION = "23.0.5"
EZKL_MODEL = "mlp_784_128_10"
EZKL_MD = {"model": "MLP 784-128-10", "verify_gas": 1_250_000, "deploy_gas": 2_950_000,
           "proof_bytes": 3072, "source": "EZKL.md, not measured in this run"}
SHIM = HERE.parents[1] / "shared" / "ezkl-solc-shim.sh"
SOLC_CACHE = Path.home() / ".cache" / "tensorproof" / "solc-0.8.20"


def say(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# WHIR rows


def whir_row(evm: LocalEVM, address: str, log_n: int) -> dict:
    rng = np.random.default_rng(log_n)
    table = rng.integers(0, P, size=1 << log_n, dtype=np.uint64)
    r = random.Random(log_n)
    point = [tuple(r.randrange(P) for _ in range(3)) for _ in range(log_n)]
    params = WhirParams()
    pcs = WhirPCS(params)
    commitment, data = pcs.commit(table)
    tr = ProverTranscript(DOMAIN)
    absorb_commitment(tr, commitment)
    values = pcs.open(data, [point], tr)
    proof = tr.proof_bytes()
    cd = opening_calldata(DOMAIN, params, commitment, [point], values, proof)
    out = evm.call(address, cd)
    return {"part": "whir opening", "log_n": log_n, "proof_bytes": len(proof),
            "calldata_bytes": len(cd), "gas": out.gas, "calldata_gas": out.calldata_gas,
            "execution_gas": out.execution_gas, "prague_floor_gas": floor_gas(cd),
            "prague_gas": max(out.gas, floor_gas(cd))}


def batch_row(evm: LocalEVM, address: str, sizes: list[int]) -> dict:
    """Tables of 2^sizes[g] random entries, one random point each: their batch in one proof,
    and the same openings as separate transactions."""
    params = WhirParams()
    pcs = WhirPCS(params)
    tables, points = [], []
    for g, n in enumerate(sizes):
        rng = np.random.default_rng(1000 * g + n)
        tables.append(rng.integers(0, P, size=1 << n, dtype=np.uint64))
        r = random.Random(1000 * g + n)
        points.append([[tuple(r.randrange(P) for _ in range(3)) for _ in range(n)]])
    committed = [pcs.commit(t) for t in tables]
    commitments = [c for c, _ in committed]
    tr = ProverTranscript(DOMAIN)
    for c in commitments:
        absorb_commitment(tr, c)
    values = pcs.open_batch([d for _, d in committed], points, tr)
    proof = tr.proof_bytes()
    cd = batch_opening_calldata(DOMAIN, params, commitments, points, values, proof)
    out = evm.call(address, cd)
    separate_gas = separate_bytes = 0
    for (c, d), pts in zip(committed, points):
        t1 = ProverTranscript(DOMAIN)
        absorb_commitment(t1, c)
        vals = pcs.open(d, pts, t1)
        separate_bytes += len(t1.proof_bytes())
        separate_gas += evm.call(address, opening_calldata(DOMAIN, params, c, pts, vals,
                                                           t1.proof_bytes())).gas
    batched = batch_config_words(params, sizes)[1] == 1
    return {"part": "whir batched opening" if batched else "whir batch, one by one",
            "log_n": max(sizes), "tables": len(sizes), "sizes": list(sizes),
            "proof_bytes": len(proof), "calldata_bytes": len(cd), "gas": out.gas,
            "calldata_gas": out.calldata_gas, "execution_gas": out.execution_gas,
            "prague_floor_gas": floor_gas(cd), "prague_gas": max(out.gas, floor_gas(cd)),
            "separate_gas": separate_gas, "separate_proof_bytes": separate_bytes}


# ---------------------------------------------------------------------------------------------
# Gas profile: a copy of the contracts with gas marks

MUTABILITY = re.compile(r"\b(pure|view)\b(?=\s+(?:returns|override|virtual|external|internal|"
                         r"private|public)\b|\s*[{;])")
PRAGMA = re.compile(r"(pragma solidity[^;]*;)")


def brace_span(src: str, start: int) -> tuple[int, int]:
    """(index of the opening brace, index of the matching closing brace) after ``start``."""
    i = src.index("{", start)
    depth = 0
    for j in range(i, len(src)):
        depth += {"{": 1, "}": -1}.get(src[j], 0)
        if depth == 0:
            return i, j
    raise ValueError("unbalanced braces")


def instrument(sources: dict[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The contracts with gas marks -> (sources, labels of ModelVerifier.verifyCircuit's marks,
    notes on the marks that could not be placed). Every function loses ``pure``/``view`` (an
    event needs a state-changing context; the calls become CALL instead of STATICCALL, a few
    hundred gas): ``GasMark(i, gasleft())`` before every top-level statement of verifyCircuit;
    ``StepGas(step, op, gas)`` around each step's dispatch in the executors; ``PublicEval(j,
    gas)`` around every MLE evaluation of a public tensor (MC.evalPublic); ``ExecutorCall(gas,
    context bytes)`` around each call of a step executor in ModelVerifier._steps."""
    src = {k: MUTABILITY.sub("", v) for k, v in sources.items()}
    notes: list[str] = []
    mv = src["ModelVerifier.sol"]
    a, b = brace_span(mv, mv.index("function verifyCircuit("))
    lines = mv[a + 1:b].split("\n")
    ind = min(len(ln) - len(ln.lstrip()) for ln in lines if ln.strip())
    out, labels, depth = [], [], 0
    for ln in lines:
        s = ln.strip()
        pad = " " * ind
        if depth == 0 and s and not s.startswith("//") and len(ln) - len(ln.lstrip()) == ind:
            labels.append(s)
            out.append(f"{pad}emit GasMark({len(labels) - 1}, gasleft());")
            if s.startswith("return ") and s.endswith(";"):
                labels.append("(end)")
                out += [f"{pad}bytes32 gasMarkResult = {s[7:-1]};",
                        f"{pad}emit GasMark({len(labels) - 1}, gasleft());",
                        f"{pad}return gasMarkResult;"]
                continue
        out.append(ln)
        depth += ln.count("{") - ln.count("}")
    mv = mv[:a + 1] + "\n".join(out) + mv[b:]
    # the executors are called by a STATICCALL in assembly (ModelVerifier._roundTrip): a CALL
    # here, so that their marks may emit; the context's size is read before the round trip
    # frees it
    mv = mv.replace("staticcall(gas(), target, ", "call(gas(), target, 0, ")
    m = re.search(r"\n([ \t]*)(_merge\(c, _decodeBelow\(_roundTrip\(target, [^;]*\);)", mv)
    if m:
        pad = m.group(1)
        mv = (mv[:m.start()] + f"\n{pad}uint256 ctxBytes = wire.length;\n"
              f"{pad}uint256 gasMarkCall = gasleft();\n{pad}{m.group(2)}\n"
              f"{pad}emit ExecutorCall(gasMarkCall - gasleft(), ctxBytes);" + mv[m.end():])
    else:
        notes.append("the step executors' calls not measured apart (ModelVerifier._steps' call "
                     "not found)")
    src["ModelVerifier.sol"] = PRAGMA.sub(r"\1\nevent GasMark(uint256 id, uint256 gas);\n"
                                           r"event ExecutorCall(uint256 gas, uint256 ctxBytes);",
                                           mv, 1)
    ex = src.get("StepExecutors.sol", "")
    m = re.search(r"\n([ \t]*)(if \(!_dispatch\((\w+), ([^,]+), (\w+), [^\n]*;)", ex)
    if m:
        pad, line, step, s = m.group(1), m.group(2), m.group(4), m.group(5)
        ex = (ex[:m.start()] + f"\n{pad}uint256 gasMarkStep = gasleft();\n{pad}{line}\n{pad}"
              f"emit StepGas({step}, {s}.op, gasMarkStep - gasleft());" + ex[m.end():])
        src["StepExecutors.sol"] = PRAGMA.sub(
            r"\1\nevent StepGas(uint256 step, bytes op, uint256 gas);", ex, 1)
    else:
        notes.append("per-step gas not measured (StepExecutors.sol's dispatch line not found)")
    mc = src.get("ModelContext.sol", "")
    m = re.search(r"function evalPublic\(([^)]*)\)\s*internal\s*returns\s*\(uint256 (\w+)\)",
                  mc)
    if m:
        params = [p.split()[-1] for p in m.group(1).split(",")]
        j = params[1] if len(params) > 1 else "0"
        wrapper = (f"function evalPublic({m.group(1)}) internal returns (uint256 {m.group(2)}) {{\n"
                   f"        uint256 gasMarkEval = gasleft();\n"
                   f"        {m.group(2)} = evalPublicMarked({', '.join(params)});\n"
                   f"        emit PublicEval({j}, gasMarkEval - gasleft());\n    }}\n\n    ")
        mc = mc[:m.start()] + wrapper + "function evalPublicMarked(" + mc[m.start() + 20:]
        src["ModelContext.sol"] = PRAGMA.sub(
            r"\1\nevent PublicEval(uint256 tensor, uint256 gas);", mc, 1)
    else:
        notes.append("public-tensor evaluations not measured apart (MC.evalPublic not found)")
    return src, labels, notes


def phase_of(label: str) -> str:
    """The phase of one verifyCircuit statement (by the function it calls)."""
    for key, phase in (("_lookups", "lookups"), ("_steps", "steps"), ("checkReduced", "steps"),
                       ("_open", "opening"), ("_statement", "statement"),
                       ("rootOfSamples", "results root")):
        if key in label:
            return phase
    return "header and bookkeeping"


PHASES = ["statement", "lookups", "steps", "opening", "results root", "header and bookkeeping"]
EVENTS = ("GasMark(uint256,uint256)", "StepGas(uint256,bytes,uint256)",
          "PublicEval(uint256,uint256)", "ExecutorCall(uint256,uint256)")


class GasProfiler:
    """The instrumented contracts on an EVM without EIP-170's limit; ``profile`` splits one
    verifyCircuit call. ``error`` says why it is unavailable."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.notes: list[str] = []
        try:
            import pyrevm

            from tensorproof.solidity.compiler import compile_sources, contract_sources
            from tensorproof.solidity.evm import CALLER, DEPLOYER
            from tensorproof.solidity.registry import CORE, deploy_core

            src, self.labels, self.notes = instrument(contract_sources())
            cs = compile_sources(src)
            self.evm = LocalEVM(gas_limit=HUGE_GAS)
            self.evm._evm = pyrevm.EVM(env=pyrevm.Env(cfg=pyrevm.CfgEnv(
                limit_contract_code_size=1 << 20)), spec_id="Cancun")
            for who in (DEPLOYER, CALLER):
                self.evm._evm.set_balance(who, 10**24)
            self.address = deploy_core(self.evm.deploy, cs)[CORE]
        except Exception as e:  # noqa: BLE001 - the profile is optional
            self.error = f"{type(e).__name__}: {str(e)[:300]}"

    def profile(self, circuit: bytes, statement: bytes, stream: bytes) -> dict:
        from tensorproof.solidity.circuit import verify_calldata
        from tensorproof.solidity.evm import EVMRevertError

        if self.error:
            return {"error": self.error}
        try:
            out = self.evm.call(self.address, verify_calldata(circuit, statement, stream))
        except EVMRevertError as e:
            return {"error": f"the instrumented copy reverts: {_revert_reason(e)}"}
        from tensorproof.transcript import keccak256

        topic = {keccak256(sig.encode()): sig.split("(")[0] for sig in EVENTS}
        marks, steps, evals, calls = [], [], [], []
        for data, topics in out.logs:
            kind = topic.get(topics[0]) if topics else None
            words = [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]
            if kind == "GasMark":
                marks.append(words)
            elif kind == "StepGas":
                op = data[128:128 + words[3]].decode("ascii", "replace")
                steps.append({"step": words[0], "op": op, "gas": words[2]})
            elif kind == "PublicEval":
                phase = phase_of(self.labels[marks[-1][0]]) if marks else "?"
                evals.append({"tensor": words[0], "gas": words[1], "phase": phase})
            elif kind == "ExecutorCall":
                calls.append({"gas": words[0], "context_bytes": words[1], "steps": len(steps)
                              - sum(c["steps"] for c in calls), "steps_gas": sum(
                                  x["gas"] for x in steps) - sum(c["steps_gas"] for c in calls)})
        phases = Counter()
        for (k0, g0), (_k1, g1) in zip(marks, marks[1:]):
            phases[phase_of(self.labels[k0])] += g0 - g1
        by_op = Counter()
        for s in steps:
            by_op[s["op"]] += s["gas"]
        return {"instrumented_gas": out.gas, "execution_gas": out.execution_gas,
                "phases": {p: phases[p] for p in PHASES if p in phases},
                "steps_by_op": dict(by_op.most_common()), "steps": steps,
                "public_evals": evals, "executor_calls": calls, "notes": self.notes}


# ---------------------------------------------------------------------------------------------
# Models


@dataclass
class ModelSpec:
    """A model of the gas table: ONNX bytes, calibration samples, and inputs for a batch."""

    name: str
    label: str
    onnx_bytes: bytes
    calibration: np.ndarray
    pool: np.ndarray | None  # samples to prove (cycled to the batch); None: random U[0,1)
    shape: tuple[int, ...]
    source: str

    def inputs(self, batch: int) -> np.ndarray:
        if self.pool is None:
            rng = np.random.default_rng(20261121 + batch)
            return rng.random((batch, *self.shape), dtype=np.float32)
        return np.ascontiguousarray(self.pool[np.arange(batch) % len(self.pool)])

    @property
    def params(self) -> int | None:
        try:
            import onnx

            from models import count_params

            return count_params(onnx.load_from_string(self.onnx_bytes))
        except Exception:  # noqa: BLE001 - a label only
            return None


def model_spec(name: str) -> ModelSpec:
    """The models of the table (KeyError on another name)."""
    if name == "mlp_784_128_10":
        from models import build

        m = build(name)
        return ModelSpec(name, "MLP 784-128-10", m.onnx_bytes, m.calibration, None, (784,),
                         "benchmarks/models.py (seeded He-normal weights; calibration and "
                         "inputs U[0,1)); the model of EZKL.md's table")
    if name == "digits_mlp":
        from tensorproof.frontend.examples import train_digits_mlp

        m = train_digits_mlp()
        return ModelSpec(name, "digits MLP 64-32-10", m.onnx_bytes, m.x_calib, m.x_test,
                         tuple(m.x_test.shape[1:]),
                         "frontend.examples.train_digits_mlp (sklearn digits, test samples)")
    if name == "digits_cnn":
        from tensorproof.api.demo import bundled

        onnx_bytes, data = bundled()
        return ModelSpec(name, "digits CNN (bundled)", onnx_bytes, data["calibration"],
                         data["test"], tuple(data["test"].shape[1:]),
                         "api.demo.bundled (tensorproof/data/digits_cnn.onnx, test samples)")
    if name == "lenet_5":
        from models import build

        m = build(name)
        return ModelSpec(name, "LeNet-5 (EZKL example)", m.onnx_bytes, m.calibration,
                         m.calibration, tuple(m.x.shape[1:]),
                         "../shared/peer-corpus/ezkl-examples/lenet_5 (input.json samples)")
    raise KeyError(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")


class ProveTimeoutError(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise ProveTimeoutError in the main thread after ``seconds`` (None: no limit). Long numba
    kernels finish first: the limit is a little soft."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum, frame):
        raise ProveTimeoutError()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def predicted_prove_s(times: dict[int, float], batch: int) -> float | None:
    """Proving time at ``batch`` from a straight line through the two largest batches proved
    (None with fewer than two)."""
    if len(times) < 2:
        return None
    (b0, t0), (b1, t1) = sorted(times.items())[-2:]
    slope = max((t1 - t0) / (b1 - b0), 0.0)
    return t1 + slope * (batch - b1)


def _revert_reason(e) -> str:
    data = getattr(e, "data", b"") or b""
    try:
        from tensorproof.solidity.registry import revert_reason, shipped_errors

        return revert_reason(data, shipped_errors())
    except Exception:  # noqa: BLE001 - registry.py is optional here
        return "0x" + data.hex() if data else str(e)[:160]


def _part_gas(b: bytes) -> dict:
    from tensorproof.solidity.evm import calldata_gas

    zeros = b.count(0)
    return {"bytes": len(b), "calldata_gas": calldata_gas(b),
            "floor_tokens_gas": 10 * (zeros + 4 * (len(b) - zeros))}


@dataclass
class Chain:
    """The verifier deployed on one in-process EVM: addresses, deploy rows, the registry."""

    evm: LocalEVM
    verifier: str
    contracts: list
    registry: str | None
    registry_error: str | None


def deploy_chain(contracts) -> Chain:
    """Deploy VERIFIER_PARTS, then ModelVerifier over them (tests/evm/model_harness.py's
    order), then TensorProofRegistry(core) when it exists; every deployment's gas and size."""
    from tensorproof.solidity.abi import encode_args
    from tensorproof.solidity.circuit import VERIFIER_PARTS

    evm = LocalEVM(gas_limit=HUGE_GAS)
    rows, parts = [], []

    def deploy(name: str, args: bytes = b"") -> str:
        c = contracts[name]
        addr = evm.deploy(c.bytecode, args)
        rows.append({"contract": name, "runtime_bytes": len(c.deployed),
                     "initcode_bytes": len(c.bytecode) + len(args), "deploy_gas": evm.last_gas,
                     "eip170_ok": len(c.deployed) <= EIP170})
        return addr

    for name in VERIFIER_PARTS:
        parts.append(deploy(name))
    verifier = deploy("ModelVerifier",
                      encode_args(["uint256"] * len(parts), [int(a, 16) for a in parts]))
    registry, err = None, None
    if "TensorProofRegistry" not in contracts:
        err = "contracts/Registry.sol (TensorProofRegistry) does not exist"
    else:
        try:
            from tensorproof.solidity.registry import constructor_args

            registry = deploy("TensorProofRegistry", constructor_args(verifier))
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            err = f"TensorProofRegistry did not deploy: {str(e)[:200]}"
    return Chain(evm, verifier, rows, registry, err)


def measure(chain: Chain, pk, proof, batch: int) -> dict:
    """One proof on the chain: verifyCircuit, then register + Registry.verify."""
    from tensorproof.solidity.circuit import (
        circuit_id,
        encode_circuit,
        statement_bytes,
        verify_calldata,
    )
    from tensorproof.solidity.evm import EVMRevertError
    from tensorproof.solidity.results import proof_results_root

    circuit = encode_circuit(pk.vk, batch)
    statement = statement_bytes(pk.vk, proof)
    cd = verify_calldata(circuit, statement, proof.stream)
    sizes = [int(np.asarray(g[k]).size) for g in (proof.inputs, proof.outputs)
             for k in sorted(g)]
    row = {"statement_values": sizes, "proof_bytes": len(proof.stream),
           "circuit_bytes": len(circuit),
           "statement_bytes": len(statement), "calldata_bytes": len(cd),
           "parts": {"circuit": _part_gas(circuit), "statement": _part_gas(statement),
                     "proof": _part_gas(proof.stream)},
           "_circuit": circuit, "_statement": statement}
    try:
        out = chain.evm.call(chain.verifier, cd)
    except EVMRevertError as e:
        row["error"] = f"verifyCircuit reverts: {_revert_reason(e)}"
        return row
    floor = floor_gas(cd)
    row.update(gas=out.gas, calldata_gas=out.calldata_gas, execution_gas=out.execution_gas,
               prague_floor_gas=floor, prague_gas=max(out.gas, floor),
               gas_per_inference=out.gas / batch, prague_gas_per_inference=max(out.gas, floor)
               / batch, over_block_limit=max(out.gas, floor) > BLOCK_GAS,
               root_ok=out.output[-32:] == proof_results_root(proof))
    if chain.registry is None:
        row["registry"] = {"error": chain.registry_error}
        return row
    from tensorproof.solidity import registry as rg

    reg = {}
    try:
        r = chain.evm.call(chain.registry, rg.register_calldata(circuit))
        reg.update(register_gas=r.gas, register_calldata_gas=r.calldata_gas,
                   register_execution_gas=r.execution_gas,
                   register_prague_gas=max(r.gas, floor_gas(rg.register_calldata(circuit))))
        vcd = rg.verify_calldata(circuit_id(circuit), statement, proof.stream)
        v = chain.evm.call(chain.registry, vcd)
        reg.update(verify_gas=v.gas, verify_calldata_gas=v.calldata_gas,
                   verify_execution_gas=v.execution_gas, verify_prague_gas=max(v.gas,
                                                                               floor_gas(vcd)),
                   verify_event=bool(rg.proof_verified_events(v.logs)))
    except EVMRevertError as e:
        reg["error"] = f"registry reverts: {_revert_reason(e)}"
    except Exception as e:  # noqa: BLE001 - the registry is another helper's work in progress
        reg["error"] = f"registry failed: {type(e).__name__}: {str(e)[:160]}"
    row["registry"] = reg
    return row


def run_model(name: str, batches: list[int], chain: Chain | None, max_prove_s: float,
              profiler: GasProfiler | None) -> list[dict]:
    """Rows of one model: setup, then each batch proved (time-limited), verified in Python and
    measured on the chain; misses are profiled."""
    from tensorproof import api
    from tensorproof.prover.model import setup
    from tensorproof.verifier.pcs_config import profile_config

    rows: list[dict] = []
    try:
        spec = model_spec(name)
        t0 = time.perf_counter()
        pk = setup(api.compile(spec.onnx_bytes, spec.calibration), profile_config("compact"),
                   certify=False)
        setup_s = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001 - one model's failure is a row
        say(f"  {name}: setup failed: {type(e).__name__}: {str(e)[:200]}")
        return [{"model": name, "batch": b, "error": f"setup failed: {type(e).__name__}: "
                 f"{str(e)[:200]}"} for b in batches]
    base = {"model": name, "label": spec.label, "params": spec.params, "source": spec.source,
            "setup_s": round(setup_s, 2)}
    times: dict[int, float] = {}
    stop = None
    for b in sorted(batches):
        row = {**base, "batch": b}
        rows.append(row)
        if stop:
            row["skipped"] = stop
            continue
        guess = predicted_prove_s(times, b)
        if guess is not None and guess > 2 * max_prove_s:
            row["skipped"] = (f"proof would take ~{guess:.0f} s here (over ~{max_prove_s:.0f} s, "
                              "extrapolated from the smaller batches)")
            stop = row["skipped"]
            continue
        x = spec.inputs(b)
        try:
            t0 = time.perf_counter()
            with time_limit(max_prove_s * 1.5 if max_prove_s else None):
                proof = api.prove(pk, x)
            times[b] = time.perf_counter() - t0
        except ProveTimeoutError:
            row["skipped"] = f"proving ran past {1.5 * max_prove_s:.0f} s here: stopped"
            stop = f"batch {b} already ran past the time limit"
            continue
        except Exception as e:  # noqa: BLE001
            row["error"] = f"proving failed: {type(e).__name__}: {str(e)[:200]}"
            continue
        row["prove_s"] = round(times[b], 2)
        try:
            api.verify(pk.vk, proof)
        except Exception as e:  # noqa: BLE001
            row["error"] = f"the Python verifier rejects: {str(e)[:160]}"
            continue
        if chain is None:
            continue
        row.update(measure(chain, pk, proof, b))
        circuit, statement = row.pop("_circuit"), row.pop("_statement")
        if profiler is not None and "error" not in row:
            row["profile"] = profiler.profile(circuit, statement, proof.stream)
    return rows


def misses(row: dict) -> list[str]:
    """The issue's targets this row misses (none when it is not measured)."""
    out = []
    if "gas" not in row:
        return out
    if row["batch"] == 1 and row["prague_gas"] > TARGET_PROOF_GAS:
        out.append("proof")
    if row["batch"] == 256 and row["prague_gas_per_inference"] > TARGET_PER_INFERENCE:
        out.append("per inference")
    reg = row.get("registry") or {}
    if reg.get("register_gas", 0) > TARGET_REGISTRATION:
        out.append("registration")
    return out


# ---------------------------------------------------------------------------------------------
# EZKL beside it


def ezkl_missing() -> str | None:
    import importlib.util

    if importlib.util.find_spec("ezkl") is None:
        return f"ezkl is not installed (pip install ezkl=={EZKL_VERSION})"
    return None


def find_solcjs(given: str | None) -> tuple[str | None, str | None]:
    """(the solcjs of an npm solc@0.8.20, None) or (None, why not): ``given``, $SOLCJS, the
    cache folder, else an ``npm install solc@0.8.20`` into the cache folder."""
    for cand in (given, os.environ.get("SOLCJS"), str(SOLC_CACHE / "node_modules" / ".bin"
                                                      / "solcjs")):
        if cand and Path(cand).is_file():
            return cand, None
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed (needed for solc@0.8.20, EZKL's compiler)"
    SOLC_CACHE.mkdir(parents=True, exist_ok=True)
    if not (SOLC_CACHE / "package.json").exists():
        (SOLC_CACHE / "package.json").write_text('{"name": "ezkl-solc", "private": true}\n')
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "solc@0.8.20"],
                          cwd=SOLC_CACHE, capture_output=True, text=True, timeout=300)
    solcjs = SOLC_CACHE / "node_modules" / ".bin" / "solcjs"
    if done.returncode != 0 or not solcjs.is_file():
        return None, f"npm install solc@0.8.20 failed: {done.stderr.strip()[-200:]}"
    return str(solcjs), None


def _child(cmd: list[str], timeout: float, env: dict | None = None) -> dict:
    """Run a child that prints ``RESULT {json}``; its result, or {"error": why}."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s: {' '.join(cmd[-2:])}"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"error": f"rc {done.returncode}: {' | '.join(tail)[-300:]}"}


def ezkl_evm_child(work: str) -> int:
    """In a child (HOME and SOLCJS set for the shim): EZKL's Solidity verifier and calldata."""
    import asyncio

    import ezkl

    d = Path(work)
    srs = next(d.parent.glob("kzg*.srs"))

    async def make():
        return await ezkl.create_evm_verifier(str(d / "vk.key"), str(d / "settings.json"),
                                              str(d / "Verifier.sol"), str(d / "Verifier.abi"),
                                              srs_path=str(srs))

    t0 = time.perf_counter()
    ok = asyncio.run(make())
    t_sol = time.perf_counter() - t0
    cd = ezkl.encode_evm_calldata(str(d / "proof.json"), str(d / "calldata.bin"))
    print("RESULT " + json.dumps({"created": bool(ok), "create_evm_verifier_s": t_sol,
                                  "calldata_bytes": len(cd)}), flush=True)
    sys.stdout.flush()
    os._exit(0)  # ezkl's runtime aborts in interpreter finalization after the async call


def compile_ezkl_verifier(sol: Path, solcjs: str) -> tuple[bytes, bytes]:
    """EZKL's Halo2Verifier compiled as ezkl.deploy_evm does (solc 0.8.20, optimizer runs 1)
    through the shim -> (creation code, runtime code)."""
    inp = {"language": "Solidity", "sources": {"Verifier.sol": {"content": sol.read_text()}},
           "settings": {"optimizer": {"enabled": True, "runs": 1}, "outputSelection": {
               "*": {"*": ["evm.bytecode.object", "evm.deployedBytecode.object"]}}}}
    done = subprocess.run(["sh", str(SHIM), "--standard-json"], input=json.dumps(inp),
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SOLCJS": solcjs})
    res = json.loads(done.stdout)
    errs = [e["message"] for e in res.get("errors", []) if e.get("severity") == "error"]
    if errs:
        raise RuntimeError(f"solc 0.8.20: {errs[0][:200]}")
    (c,) = res["contracts"]["Verifier.sol"].values()
    return (bytes.fromhex(c["evm"]["bytecode"]["object"]),
            bytes.fromhex(c["evm"]["deployedBytecode"]["object"]))


def run_ezkl(solcjs_given: str | None, timeout: float, keep: str | None) -> dict:
    """EZKL 23.0.5 on the MLP 784-128-10 at batch 1: prove, then its EVM verifier on pyrevm."""
    why = ezkl_missing()
    if why:
        return {"measured": False, "reason": why, **_fallback()}
    from models import build

    m = build(EZKL_MODEL)
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="evm-gas-ezkl-"))
    d = root / EZKL_MODEL
    d.mkdir(parents=True, exist_ok=True)
    (d / "network.onnx").write_bytes(m.onnx_bytes)
    (d / "input.json").write_text(m.ezkl_input_json())
    res: dict = {"measured": False, "model": "MLP 784-128-10", "batch": 1}
    deadline = time.monotonic() + timeout
    try:
        for step in ("compile", "setup", "witness", "prove", "verify"):
            left = deadline - time.monotonic()
            say(f"  ezkl {step} ...")
            r = _child([sys.executable, str(HERE / "ezkl_runner.py"), step, str(d)], max(left, 1))
            if "error" in r:
                return {**res, "reason": f"ezkl {step}: {r['error']}", **_fallback()}
            res.update({k: v for k, v in r.items() if k in (
                "ezkl_version", "logrows", "num_rows", "setup_s", "gen_srs_s", "prove_s",
                "proof_bytes", "n_instances", "pk_bytes", "verify_s")})
        solcjs, why = find_solcjs(solcjs_given)
        if solcjs is None:
            return {**res, "reason": why, **_fallback()}
        home = root / "home"
        svm = home / ".svm" / "0.8.20"
        svm.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIM, svm / "solc-0.8.20")
        os.chmod(svm / "solc-0.8.20", 0o755)
        say("  ezkl create_evm_verifier ...")
        r = _child([sys.executable, str(Path(__file__).resolve()), "--ezkl-evm-child", str(d)],
                   max(deadline - time.monotonic(), 1),
                   env={**os.environ, "HOME": str(home), "SOLCJS": solcjs})
        if "error" in r or not (d / "Verifier.sol").is_file():
            return {**res, "reason": f"create_evm_verifier: {r.get('error')}", **_fallback()}
        res["create_evm_verifier_s"] = r.get("create_evm_verifier_s")
        creation, runtime = compile_ezkl_verifier(d / "Verifier.sol", solcjs)
        evm = LocalEVM(gas_limit=HUGE_GAS)
        addr = evm.deploy(creation)
        res.update(deploy_gas=evm.last_gas, runtime_bytes=len(runtime),
                   initcode_bytes=len(creation), eip170_ok=len(runtime) <= EIP170,
                   solidity_bytes=(d / "Verifier.sol").stat().st_size,
                   compiler="solc 0.8.20 (npm solc-js via ezkl-solc-shim.sh), optimizer runs 1")
        cd = (d / "calldata.bin").read_bytes()
        out = evm.call(addr, cd)
        ok = out.output[-32:] == (1).to_bytes(32, "big")
        bad = bytearray(cd)
        bad[4 + 32 * 4 + 100] ^= 1
        try:
            rejected = evm.call(addr, bytes(bad)).output[-32:] != (1).to_bytes(32, "big")
        except Exception:  # noqa: BLE001 - a revert is a rejection
            rejected = True
        floor = floor_gas(cd)
        res.update(measured=ok, verify_gas=out.gas, calldata_gas=out.calldata_gas,
                   execution_gas=out.execution_gas, prague_floor_gas=floor,
                   prague_gas=max(out.gas, floor), calldata_bytes=len(cd),
                   accepts=ok, rejects_tampered=rejected,
                   source=f"measured in this run (EZKL {res.get('ezkl_version')}, pyrevm Cancun)")
        if not ok:
            res["reason"] = "EZKL's verifier did not return true on its own proof"
        return res
    except Exception as e:  # noqa: BLE001 - EZKL is a comparison, never fatal
        return {**res, "reason": f"{type(e).__name__}: {str(e)[:200]}", **_fallback()}
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _fallback() -> dict:
    return {"ezkl_md": EZKL_MD}


# ---------------------------------------------------------------------------------------------
# Report


def _g(x) -> str:
    """Gas as 1,234,567 (or 1.23 M when large)."""
    if x is None:
        return "–"
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k" if x >= 1e4 else f"{x:,.0f}"


def _n(x) -> str:
    return "–" if x is None else f"{x:,}"


def _pct(a, b) -> str:
    return f"{100 * a / b:.0f}%" if b else "–"


def targets(models: list[dict]) -> list[dict]:
    """One verdict per target and measured row it applies to."""
    out = []
    for r in models:
        if "gas" not in r:
            continue
        if r["batch"] == 1:
            out.append({"target": "≤ 5 M gas per proof (batch 1)", "model": r["label"],
                        "batch": 1, "measured": r["prague_gas"],
                        "met": r["prague_gas"] <= TARGET_PROOF_GAS})
        if r["batch"] == 256:
            out.append({"target": "≤ 20 k gas per inference (batch 256)", "model": r["label"],
                        "batch": 256, "measured": round(r["prague_gas_per_inference"]),
                        "met": r["prague_gas_per_inference"] <= TARGET_PER_INFERENCE})
        reg = r.get("registry") or {}
        if "register_gas" in reg:
            out.append({"target": "≤ 10 M gas to register", "model": r["label"],
                        "batch": r["batch"], "measured": reg["register_gas"],
                        "met": reg["register_gas"] <= TARGET_REGISTRATION})
    return out


def dominance(r: dict) -> list[str]:
    """What dominates one row's gas: calldata vs execution, the calldata by argument, the
    execution by phase (instrumented copy), the step executors' calls, per-value costs."""
    cd, ex, total, batch = r["calldata_gas"], r["execution_gas"], r["gas"], r["batch"]
    lines = [f"**{r['label']}, batch {batch}**: {_g(r['prague_gas'])} under Prague "
             f"({_g(total)} Cancun) = execution {_g(ex)} ({_pct(ex, total)}) + calldata "
             f"{_g(cd)} ({_pct(cd, total)}) + 21 k; the Prague floor is "
             f"{_g(r['prague_floor_gas'])}"
             + (" and binds." if r["prague_floor_gas"] > total else " (does not bind).")]
    parts = r["parts"]
    lines.append("  Calldata by argument: " + ", ".join(
        f"{k} {_n(v['bytes'])} B = {_g(v['calldata_gas'])}" for k, v in parts.items()) + ".")
    values = r.get("statement_values") or []
    n_vals = sum(values)
    if batch > 1 and n_vals:
        st = parts["statement"]
        lines.append(f"  The statement alone (int64 per value, {n_vals // batch:,} values per "
                     f"inference) costs {_g(st['calldata_gas'] / batch)} calldata gas per "
                     f"inference ({_g(st['floor_tokens_gas'] / batch)} under Prague's floor).")
    p = r.get("profile") or {}
    if "phases" not in p:
        if p.get("error"):
            lines.append(f"  (no execution profile: {p['error']})")
        return lines
    ph = p["phases"]
    tot = sum(ph.values()) or 1
    order = sorted(ph.items(), key=lambda kv: -kv[1])
    lines.append(f"  Execution by phase (instrumented copy, {_g(p['execution_gas'])}): "
                 + ", ".join(f"{k} {_g(v)} ({_pct(v, tot)})" for k, v in order) + ".")
    if "statement" in ph and n_vals and ph["statement"] > 0.05 * tot:
        lines.append(f"  Statement: {ph['statement'] / n_vals:,.0f} gas per public value (range "
                     "check, absorbed record, transcript hash).")
    if p.get("steps_by_op"):
        lines.append("  Step verifiers by op: " + ", ".join(
            f"{k} {_g(v)}" for k, v in p["steps_by_op"].items()) + ".")
    calls = p.get("executor_calls") or []
    if calls and "steps" in ph:
        over = [c["gas"] - c["steps_gas"] for c in calls]
        inside = sum(c["steps_gas"] for c in calls)
        lines.append(f"  Steps phase {_g(ph['steps'])}: the step verifiers {_g(inside)}; the "
                     f"other {_g(ph['steps'] - inside)} goes to the {len(calls)} call(s) of the "
                     "step executors: the pending claims on the steps' outputs sent (up to "
                     f"{_n(max(c['context_bytes'] for c in calls))} bytes of ABI), the claims "
                     "they add decoded back, and the circuit, statement and proof re-sent with "
                     "each call (the round trip's memory freed after it but the claims)"
                     + (f": a call costs {_g(over[0])} beyond its steps at first, "
                        f"{_g(over[-1])} at the last" if len(calls) > 1 else "") + ").")
    ev = p.get("public_evals") or []
    if ev:
        big = max(ev, key=lambda e: e["gas"])
        j = big["tensor"]
        per = (f", {big['gas'] / values[j]:,.0f} gas per value of its {values[j]:,}"
               if j < len(values) and values[j] else "")
        where = Counter()
        for e in ev:
            where[e.get("phase", "?")] += e["gas"]
        lines.append(f"  MLE evaluations of public tensors at a point (MC.evalPublic): "
                     f"{_g(sum(e['gas'] for e in ev))} in {len(ev)} calls ("
                     + ", ".join(f"{_g(g)} in {k}" for k, g in where.most_common())
                     + f"); the largest {_g(big['gas'])} (statement tensor {j}{per}).")
    return lines


def decompose(r: dict) -> dict[str, int] | None:
    """The whole transaction's gas in parts (execution parts from the instrumented copy)."""
    p = r.get("profile") or {}
    if "phases" not in p:
        return None
    ph = p["phases"]
    ev = sum(e["gas"] for e in p.get("public_evals") or [])
    calls = p.get("executor_calls") or []
    if calls:
        inside = sum(c["steps_gas"] for c in calls)
        over = max(ph.get("steps", 0) - inside, 0)
    else:
        inside, over = ph.get("steps", 0), 0
    def less_mle(phase: str, gas: int) -> int:
        return max(gas - sum(e["gas"] for e in p.get("public_evals") or []
                             if e.get("phase") == phase), 0)

    parts = {"calldata": r["calldata_gas"],
             "statement checks": less_mle("statement", ph.get("statement", 0)),
             "lookups": less_mle("lookups", ph.get("lookups", 0)), "public MLE evaluation": ev,
             "other step verifiers": less_mle("steps", inside),
             "executor calls and context": over,
             "WHIR opening": less_mle("opening", ph.get("opening", 0))}
    parts["rest"] = max(r["gas"] - sum(parts.values()), 0)
    return parts


def _glance(missed: list[dict]) -> list[str]:
    L = ["| model | batch | missed | Prague gas | largest part | next |",
         "|---|---:|---|---:|---|---|"]
    for r in missed:
        parts = decompose(r)
        if parts:
            top = sorted(parts.items(), key=lambda kv: -kv[1])[:2]
            big = [f"{k} {_g(v)} ({_pct(v, r['gas'])})" for k, v in top]
        else:
            big = [f"execution {_g(r['execution_gas'])}", f"calldata {_g(r['calldata_gas'])}"]
        L.append(f"| {r['label']} | {r['batch']} | {', '.join(misses(r))} | "
                 f"{_n(r['prague_gas'])} | {big[0]} | {big[1]} |")
    return L + [""]


def render(report: dict) -> str:
    env = report["environment"]
    L = ["# EVM gas of the tensorproof verifier (issue 12, \"Gas, measured\")", "",
         f"Measured {report['date']} by `benchmarks/evm_gas.py` on pyrevm {env.get('pyrevm')} "
         f"(revm, Cancun rules), contracts compiled with npm solc {env.get('solc')} (via-IR, "
         f"optimizer 200 runs); {env.get('cpu')}. Every gas figure is a whole transaction "
         "(21,000 base + calldata + execution) unless said otherwise. *Prague* is what the "
         "same transaction pays after EIP-7623: the larger of its gas and its floor (21,000 + "
         "10 per zero byte + 40 per non-zero byte of calldata). Proving is tensorproof's "
         "compact profile (WHIR, K = F_p³), `setup(..., certify=False)`.", ""]
    models = report.get("models")
    if models is not None:
        L += ["## Per proof: `ModelVerifier.verifyCircuit(circuit, statement, proof)`", "",
              "| model | batch | prove s | proof B | circuit B | statement B | gas (Cancun) | "
              "calldata | execution | Prague floor | **Prague** | **per inference** | "
              "via `Registry.verify` |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        notes = []
        for r in models:
            if "gas" not in r:
                why = r.get("skipped") or r.get("error") or "not measured"
                what = ("not yet on chain" if "reverts" in why else "skipped"
                        if r.get("skipped") else "failed")
                L.append(f"| {r.get('label', r['model'])} | {r['batch']} | "
                         f"{r.get('prove_s', '–')} | {_n(r.get('proof_bytes'))} | "
                         f"{_n(r.get('circuit_bytes'))} | {_n(r.get('statement_bytes'))} | "
                         f"{what} | | | | | | |")
                notes.append(f"{r.get('label', r['model'])}, batch {r['batch']}: {why}")
                continue
            reg = r.get("registry") or {}
            flag = " ⚠" if r["over_block_limit"] else ""
            L.append(f"| {r['label']} | {r['batch']} | {r['prove_s']} | {_n(r['proof_bytes'])} | "
                     f"{_n(r['circuit_bytes'])} | {_n(r['statement_bytes'])} | {_n(r['gas'])} | "
                     f"{_n(r['calldata_gas'])} | {_n(r['execution_gas'])} | "
                     f"{_n(r['prague_floor_gas'])} | **{_n(r['prague_gas'])}**{flag} | "
                     f"**{_n(round(r['prague_gas_per_inference']))}** | "
                     f"{_n(reg.get('verify_gas'))} |")
            if not r.get("root_ok", True):
                notes.append(f"{r['label']}, batch {r['batch']}: the returned results root "
                             "differs from results.proof_results_root")
        L += [""]
        if any(r.get("over_block_limit") for r in models):
            L += [f"⚠ over the {BLOCK_GAS / 1e6:.0f} M block gas limit: such a transaction cannot "
                  "land on mainnet (measured here with a larger transaction gas limit).", ""]
        if notes:
            L += ["Not measured:", ""] + [f"- {n}" for n in notes] + [""]
        L += ["*proof B*: the proof's transcript stream (`Proof.stream`); *statement B*: the "
              "public inputs and outputs as int64 (`statement_bytes`); *circuit B*: the model's "
              "circuit data (`encode_circuit`), sent in calldata to `verifyCircuit` and stored "
              "once at registration for `Registry.verify(circuitId, statement, proof)`.", ""]
    contracts = report.get("contracts")
    if contracts:
        L += ["## Deployment (once, for every model)", "",
              "| contract | runtime bytes (EIP-170: 24,576) | deploy gas |", "|---|---:|---:|"]
        core = 0
        for c in contracts:
            ok = "" if c["eip170_ok"] else " ✗ over"
            L.append(f"| {c['contract']} | {_n(c['runtime_bytes'])}{ok} | {_n(c['deploy_gas'])} |")
            if c["contract"] != "TensorProofRegistry":
                core += c["deploy_gas"]
        L += [f"| **verifier total** (parts + ModelVerifier) | | **{_n(core)}** |", ""]
    reg_rows = [r for r in models or [] if "register_gas" in (r.get("registry") or {})]
    L += ["## Registration (`TensorProofRegistry.register(circuit)`, SSTORE2)", ""]
    if reg_rows:
        L += ["| model | batch | circuit B | gas | calldata | execution | Prague | ≤ 10 M |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in reg_rows:
            g = r["registry"]
            L.append(f"| {r['label']} | {r['batch']} | {_n(r['circuit_bytes'])} | "
                     f"{_n(g['register_gas'])} | {_n(g['register_calldata_gas'])} | "
                     f"{_n(g['register_execution_gas'])} | {_n(g['register_prague_gas'])} | "
                     f"{'yes' if g['register_gas'] <= TARGET_REGISTRATION else '**no**'} |")
        L += ["", "A circuit is registered per model and batch size (the circuit data holds "
              "the batch)."]
    else:
        why = next((r["registry"].get("error") for r in models or []
                    if (r.get("registry") or {}).get("error")), None)
        L += [f"Not measured: {why or 'no model was measured'}."]
    L += [""]
    ez = report.get("ezkl")
    if ez is not None:
        L += ["## Beside EZKL (MLP 784-128-10, batch 1)", ""]
        tp = next((r for r in models or [] if r["model"] == EZKL_MODEL and r["batch"] == 1
                   and "gas" in r), None)
        core = sum(c["deploy_gas"] for c in contracts or [] if c["contract"] !=
                   "TensorProofRegistry")
        L += ["| system | proof B | calldata B | verify gas (Cancun) | calldata | execution | "
              "Prague | deploy gas | prove s | source |", "|---|---:|---:|---:|---:|---:|---:|"
              "---:|---:|---|"]
        if ez.get("measured"):
            L.append(f"| EZKL {ez.get('ezkl_version')} (Halo2-KZG, logrows "
                     f"{ez.get('logrows')}) | {_n(ez.get('proof_bytes'))} | "
                     f"{_n(ez.get('calldata_bytes'))} | {_n(ez['verify_gas'])} | "
                     f"{_n(ez['calldata_gas'])} | {_n(ez['execution_gas'])} | "
                     f"{_n(ez['prague_gas'])} | {_n(ez['deploy_gas'])} | "
                     f"{ez.get('prove_s', 0):.1f} | {ez['source']} |")
        else:
            md = ez.get("ezkl_md", EZKL_MD)
            L.append(f"| EZKL {EZKL_VERSION} | {_n(md['proof_bytes'])} | – | "
                     f"{_n(md['verify_gas'])} | – | – | – | {_n(md['deploy_gas'])} | – | "
                     f"**{md['source']}** |")
        if tp:
            L.append(f"| tensorproof (compact) | {_n(tp['proof_bytes'])} | "
                     f"{_n(tp['calldata_bytes'])} | {_n(tp['gas'])} | {_n(tp['calldata_gas'])} | "
                     f"{_n(tp['execution_gas'])} | {_n(tp['prague_gas'])} | {_n(core)} | "
                     f"{tp['prove_s']} | measured in this run |")
        L += [""]
        if ez.get("measured"):
            L += [f"EZKL's verifier: {_n(ez.get('solidity_bytes'))} bytes of Solidity, "
                  f"{_n(ez.get('runtime_bytes'))} bytes deployed "
                  f"({'within' if ez.get('eip170_ok') else 'over'} EIP-170), compiled with "
                  f"{ez.get('compiler')}; it accepts its proof and "
                  f"{'rejects' if ez.get('rejects_tampered') else 'does NOT reject'} a proof with "
                  "one bit flipped. Its calldata is the 3,072-byte proof plus "
                  f"{_n(ez.get('n_instances'))} public instances of 32 bytes (the 784 inputs and "
                  "10 outputs as field elements). EZKL's SRS is generated locally "
                  "(`gen_srs`, test only); its setup (pk "
                  f"{_n(ez.get('pk_bytes'))} bytes) is per model, and its verifier is generated "
                  "per model; tensorproof's verifier is deployed once for every model.", ""]
        elif ez.get("reason"):
            L += [f"EZKL was not measured in this run: {ez['reason']}.", ""]
        L += ["EZKL is measured at batch 1 only: its circuit, keys and verifier are made per "
              "batch size (a batch of 16 or 256 is a larger circuit, with minutes of setup "
              "here); its verifier's gas hardly depends on the circuit, but its calldata grows "
              "by 32 bytes per public value.", ""]
    tg = report.get("targets") or []
    if tg:
        L += ["## Targets", "", "| target | model | batch | measured (Prague) | met |",
              "|---|---|---:|---:|---|"]
        for t in tg:
            L.append(f"| {t['target']} | {t['model']} | {t['batch']} | {_n(t['measured'])} | "
                     f"{'yes' if t['met'] else '**no**'} |")
        L += [""]
    missed = [r for r in models or [] if misses(r)]
    if missed:
        L += ["## Misses: what dominates", ""] + _glance(missed)
        for r in missed:
            L += ["- " + "\n".join(dominance(r)), ""]
        L += _profile_table(models)
    whir = report.get("rows") or []
    if whir:
        L += ["## One WHIR opening (`WhirOpeningVerifier`)", "",
              "| part | log n | tables | proof B | gas | calldata | execution | Prague | "
              "separately |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in whir:
            L.append(f"| {r['part']} | {r['log_n']} | {r.get('tables', 1)} | "
                     f"{_n(r['proof_bytes'])} | {_n(r['gas'])} | {_n(r['calldata_gas'])} | "
                     f"{_n(r['execution_gas'])} | {_n(r['prague_gas'])} | "
                     f"{_n(r.get('separate_gas'))} |")
        L += [""]
    return "\n".join(L)


def _profile_table(models: list[dict]) -> list[str]:
    rows = [r for r in models if "phases" in (r.get("profile") or {})]
    if not rows:
        return []
    L = ["Execution by phase on the instrumented copy (every function made non-view, gas marks "
         "as events: slightly more gas than the real contracts). *steps* = *step "
         "verifiers* (the steps' own checks) + *executor calls* (calling the step executors, "
         "the context and calldata sent and decoded back); "
         "*public MLE* = evaluating a statement tensor (inputs, outputs) at a point, counted "
         "inside the phase that needs it (steps, lookups or the outputs' claims):", "",
         "| model | batch | statement | lookups | steps | step verifiers | executor calls | "
         "public MLE | opening | results root | header etc. | execution |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p = r["profile"]
        ph = p["phases"]
        ev = sum(e["gas"] for e in p.get("public_evals") or [])
        calls = p.get("executor_calls") or []
        inside = sum(c["steps_gas"] for c in calls) if calls else None
        over = ph.get("steps", 0) - inside if calls else None
        L.append(f"| {r['label']} | {r['batch']} | " + " | ".join(
            _g(ph.get(k)) for k in ("statement", "lookups", "steps"))
            + f" | {_g(inside)} | {_g(over)} | {_g(ev)} | "
            + " | ".join(_g(ph.get(k)) for k in ("opening", "results root",
                                                  "header and bookkeeping"))
            + f" | {_g(p['execution_gas'])} |")
    return L + [""]


def environment() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from tensorproof.solidity.compiler import SOLC_VERSION

    def v(p):
        try:
            return version(p)
        except PackageNotFoundError:
            return None

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"solc": SOLC_VERSION, "pyrevm": v("pyrevm"), "ezkl": v("ezkl"),
            "numpy": v("numpy"), "python": platform.python_version(),
            "cpu": f"{cpu}, {os.cpu_count()} cores"}


def _clean(row: dict) -> dict:
    """A row without its bulky parts for the JSON (per-step gas kept)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


# ---------------------------------------------------------------------------------------------


def whir_section(contracts, log_ns: list[int], batches: list[str]) -> list[dict]:
    size = len(contracts["WhirOpeningVerifier"].deployed)
    evm = LocalEVM()
    address = evm.deploy(contracts["WhirOpeningVerifier"].bytecode)
    deploy_gas = evm.last_gas
    rows = []
    print(f"WhirOpeningVerifier: {size:,} bytes deployed (EIP-170 limit {EIP170:,}), "
          f"deployment {deploy_gas:,} gas")
    print(f"{'table':>7} {'proof B':>9} {'gas':>11} {'calldata':>10} {'execution':>11} "
          f"{'Prague':>11}")
    for log_n in log_ns:
        row = whir_row(evm, address, log_n)
        row.update(contract_bytes=size, deploy_gas=deploy_gas)
        rows.append(row)
        print(f"  2^{log_n:<3} {row['proof_bytes']:>9,} {row['gas']:>11,} "
              f"{row['calldata_gas']:>10,} {row['execution_gas']:>11,} {row['prague_gas']:>11,}")
    print(f"{'tables':>12} {'mode':>10} {'proof B':>9} {'gas':>11} {'execution':>11} "
          f"{'separately':>11}")
    for spec in batches:
        sizes = [int(x) for x in spec.split(",")]
        row = batch_row(evm, address, sizes)
        row.update(contract_bytes=size, deploy_gas=deploy_gas)
        rows.append(row)
        mode = "batched" if row["part"] == "whir batched opening" else "one by one"
        print(f"{spec:>12} {mode:>10} {row['proof_bytes']:>9,} {row['gas']:>11,} "
              f"{row['execution_gas']:>11,} {row['separate_gas']:>11,}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log-n", type=int, nargs="*", default=[10, 13, 16, 20])
    ap.add_argument("--batch", nargs="*", default=BATCHES,
                    help="batches of tables as comma-separated log2 sizes, e.g. 16,13")
    ap.add_argument("--models", action=argparse.BooleanOptionalAction, default=True,
                    help="the model-level table (default on)")
    ap.add_argument("--model-names", nargs="+", default=MODEL_NAMES, metavar="NAME")
    ap.add_argument("--batches", type=int, nargs="+", default=MODEL_BATCHES, metavar="B")
    ap.add_argument("--max-prove-s", type=float, default=60.0,
                    help="skip a batch whose proof would take longer here (stopped at 1.5x)")
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True,
                    help="split execution by phase on an instrumented copy (default on)")
    ap.add_argument("--ezkl", action=argparse.BooleanOptionalAction, default=True,
                    help="run EZKL beside it when installed (default on)")
    ap.add_argument("--ezkl-timeout", type=float, default=1800.0)
    ap.add_argument("--ezkl-keep", metavar="DIR", help="keep EZKL's files in DIR")
    ap.add_argument("--solcjs", help="solcjs of an npm solc@0.8.20 (EZKL's compiler)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: WHIR 2^10 and 10,10, the digits MLP at batch 1, no EZKL, "
                         "no profile (writes to a temporary folder unless --out is given)")
    ap.add_argument("--out", default=None, help="JSON (default benchmarks/results/evm_gas.json)")
    ap.add_argument("--md", default=None, help="markdown (default: --out with .md)")
    ap.add_argument("--ezkl-evm-child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.ezkl_evm_child:
        return ezkl_evm_child(a.ezkl_evm_child)
    if a.quick:
        a.log_n, a.batch, a.model_names, a.batches = [10], ["10,10"], ["digits_mlp"], [1]
        a.profile = a.ezkl = False
        if a.out is None:
            a.out = str(Path(tempfile.mkdtemp(prefix="evm-gas-")) / "evm_gas.json")
    out = Path(a.out or HERE / "results" / "evm_gas.json")
    md = Path(a.md) if a.md else out.with_suffix(".md")
    contracts = compile_contracts()
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "environment": environment(),
                    "options": {"models": a.model_names if a.models else [],
                                "batches": a.batches, "max_prove_s": a.max_prove_s}}
    report["rows"] = whir_section(contracts, a.log_n, a.batch)
    if a.models:
        say("\nmodels (compact profile): deploying the verifier")
        chain = deploy_chain(contracts)
        report["contracts"] = chain.contracts
        for c in chain.contracts:
            say(f"  {c['contract']:<22} {c['runtime_bytes']:>7,} B "
                f"{'' if c['eip170_ok'] else '(over EIP-170) '}deploy {c['deploy_gas']:>11,} gas")
        if chain.registry_error:
            say(f"  registration not measured: {chain.registry_error}")
        profiler = None
        if a.profile:
            say("  compiling the instrumented copy (gas marks) ...")
            profiler = GasProfiler()
            if profiler.error:
                say(f"  no execution profile: {profiler.error}")
        models = []
        for name in a.model_names:
            say(f"  {name} ...")
            for r in run_model(name, a.batches, chain, a.max_prove_s, profiler):
                models.append(_clean(r))
                if "gas" in r:
                    say(f"    batch {r['batch']:>3}: prove {r['prove_s']:>6.1f} s, proof "
                        f"{r['proof_bytes']:>7,} B, gas {r['gas']:>12,} (calldata "
                        f"{r['calldata_gas']:,}, execution {r['execution_gas']:,}), Prague "
                        f"{r['prague_gas']:,} = {r['prague_gas_per_inference']:,.0f} per "
                        "inference")
                else:
                    say(f"    batch {r['batch']:>3}: "
                        f"{r.get('skipped') or r.get('error') or 'not measured'}")
        report["models"] = models
        report["targets"] = targets(models)
    if a.models and a.ezkl:
        say("\nEZKL beside it (MLP 784-128-10, batch 1)")
        report["ezkl"] = run_ezkl(a.solcjs, a.ezkl_timeout, a.ezkl_keep)
        ez = report["ezkl"]
        say(f"  {'measured' if ez.get('measured') else 'not measured: ' + str(ez.get('reason'))}"
            + (f": verifyProof {ez['verify_gas']:,} gas, deploy {ez['deploy_gas']:,} gas"
               if ez.get("measured") else ""))
    elif a.models:
        report["ezkl"] = {"measured": False, "reason": "--no-ezkl", **_fallback()}
    text = render(report)
    write_atomic(out, json.dumps(report, indent=2, default=str))
    write_atomic(md, text + "\n")
    print("\n" + text)
    print(f"wrote {out} and {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
