"""EZKL's side of benchmarks/vs_ezkl.py: one pipeline step per child process.

    python benchmarks/ezkl_runner.py STEP WORKDIR

WORKDIR holds network.onnx and input.json (EZKL's data format); each step reads what the
earlier ones wrote there and prints one line ``RESULT {json}`` with its timings, so the parent
can time every step in a fresh process and read that process's peak RSS (os.wait4).

Steps, in order (EZKL 23.0.5, all synchronous):
  compile  gen_settings (public input and output, fixed params: EZKL's defaults) →
           calibrate_settings(target="resources") on input.json → compile_circuit
  setup    gen_srs (a local, insecure, test-only SRS: nothing can be downloaded; one file per
           logrows in WORKDIR/.., made by the first model that needs it) → setup (pk, vk)
  witness  gen_witness (the quantized forward pass; rescaled outputs for the accuracy column)
  prove    prove (reads the proving key from disk, as EZKL's prove always does)
  verify   verify
  import   import ezkl only (the interpreter + extension baseline for the memory column)

Only the EZKL call itself is timed; imports and file checks are not.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def peak_rss_mib() -> float | None:
    """This process's peak RSS since exec (VmHWM, Linux). Not ru_maxrss: on Linux a child's
    ru_maxrss starts at its parent's RSS at fork time (the kernel keeps the forked copy's high
    water mark across exec), which would add the benchmark parent's memory to every child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) this process has used so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn, *args, **kwargs) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _check(ok: object, what: str) -> None:
    if ok is False:
        raise RuntimeError(f"ezkl.{what} returned False")


def step_compile(ezkl, d: Path) -> dict:
    args = ezkl.PyRunArgs()
    vis = {"input": "public", "output": "public", "param": "fixed"}
    if (d / "ezkl_visibility.json").exists():  # benchmarks/visibility.py's variants
        vis.update(json.loads((d / "ezkl_visibility.json").read_text()))
    args.input_visibility, args.output_visibility = vis["input"], vis["output"]
    args.param_visibility = vis["param"]
    ok, t_gen = _timed(ezkl.gen_settings, str(d / "network.onnx"), str(d / "settings.json"),
                       py_run_args=args)
    _check(ok, "gen_settings")
    ok, t_cal = _timed(ezkl.calibrate_settings, str(d / "input.json"), str(d / "network.onnx"),
                       str(d / "settings.json"), "resources")
    _check(ok, "calibrate_settings")
    ok, t_comp = _timed(ezkl.compile_circuit, str(d / "network.onnx"), str(d / "network.ezkl"),
                        str(d / "settings.json"))
    _check(ok, "compile_circuit")
    settings = json.loads((d / "settings.json").read_text())
    run_args = settings.get("run_args", {})
    return {"gen_settings_s": t_gen, "calibrate_s": t_cal, "compile_circuit_s": t_comp,
            "compile_s": t_gen + t_cal + t_comp, "logrows": run_args.get("logrows"),
            "input_scale": run_args.get("input_scale"),
            "param_scale": run_args.get("param_scale"),
            "num_rows": settings.get("num_rows")}


def srs_path(d: Path) -> Path:
    """The SRS for this circuit's logrows, shared by the models of one run (like the public SRS
    a deployment downloads; keys and proofs must use the file they were made with)."""
    logrows = json.loads((d / "settings.json").read_text())["run_args"]["logrows"]
    return d.parent / f"kzg{logrows}.srs"


def step_setup(ezkl, d: Path) -> dict:
    srs = srs_path(d)
    t_srs = None
    if not srs.exists():
        tmp = srs.with_suffix(".tmp")
        _, t_srs = _timed(ezkl.gen_srs, str(tmp), int(srs.stem[3:]))
        tmp.replace(srs)
    ok, t_setup = _timed(ezkl.setup, str(d / "network.ezkl"), str(d / "vk.key"),
                         str(d / "pk.key"), srs_path=str(srs))
    _check(ok, "setup")
    return {"gen_srs_s": t_srs, "setup_s": t_setup, "srs_file": srs.name,
            "pk_bytes": (d / "pk.key").stat().st_size, "vk_bytes": (d / "vk.key").stat().st_size,
            "srs_bytes": srs.stat().st_size}


def step_witness(ezkl, d: Path) -> dict:
    _, t = _timed(ezkl.gen_witness, str(d / "input.json"), str(d / "network.ezkl"),
                  str(d / "witness.json"), vk_path=str(d / "vk.key"),
                  srs_path=str(srs_path(d)))
    w = json.loads((d / "witness.json").read_text())
    outputs = (w.get("pretty_elements") or {}).get("rescaled_outputs")
    return {"witness_s": t, "outputs": [[float(v) for v in o] for o in outputs or []]}


def step_prove(ezkl, d: Path) -> dict:
    proof_path = d / "proof.json"
    proof_path.unlink(missing_ok=True)
    cpu = cpu_seconds()
    res, t = _timed(ezkl.prove, str(d / "witness.json"), str(d / "network.ezkl"),
                    str(d / "pk.key"), str(proof_path), srs_path=str(srs_path(d)))
    cpu = cpu_seconds() - cpu
    _check(res, "prove")
    return {"prove_s": t, "prove_cpu_s": cpu, **proof_sizes(proof_path)}


def proof_sizes(path: Path) -> dict:
    """The raw proof's bytes (the `proof` field: KZG/Halo2 transcript, without the public
    instances) and the JSON file's size."""
    p = json.loads(path.read_text())
    raw = p.get("proof")
    if isinstance(raw, list):
        n = len(raw)
    elif isinstance(raw, str):
        n = len(raw.removeprefix("0x")) // 2
    else:
        n = None
    instances = p.get("instances") or []
    return {"proof_bytes": n, "proof_json_bytes": path.stat().st_size,
            "n_instances": sum(len(i) for i in instances)}


def step_verify(ezkl, d: Path) -> dict:
    ok, t = _timed(ezkl.verify, str(d / "proof.json"), str(d / "settings.json"),
                   str(d / "vk.key"), srs_path=str(srs_path(d)))
    if ok is not True:
        raise RuntimeError("ezkl.verify rejected the proof")
    return {"verify_s": t}


STEPS = {"compile": step_compile, "setup": step_setup, "witness": step_witness,
         "prove": step_prove, "verify": step_verify}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in (*STEPS, "import"):
        print(f"usage: ezkl_runner.py {{{'|'.join(STEPS)}|import}} WORKDIR", file=sys.stderr)
        return 2
    import ezkl

    result = {"ezkl_version": getattr(ezkl, "__version__", "?")}
    if argv[0] != "import":
        result.update(STEPS[argv[0]](ezkl, Path(argv[1])))
    result["vm_hwm_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
