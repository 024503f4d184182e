"""Transformer benchmark (issue 14): one forward pass of a GPT-style decoder over its whole
context, compiled, proven and verified, beside EZKL's published nanoGPT figures.

    python benchmarks/transformer.py [--layers 4] [--d 128] [--heads 4] [--context 64]
        [--vocab 1024] [--calibration 16] [--profile fast] [--no-corpus] [--quick]
        [--json benchmarks/results/transformer.json]

Models: the decoder of tensorproof.frontend.examples_gpt at the issue's size (4 layers, d = 128,
4 heads, context 64, vocabulary 1024: 1.06 M parameters; LayerNorm, causal softmax attention,
tanh-GELU MLP, residuals, LM head; random weights scaled so activations are of order one), and
EZKL's nanoGPT from ../shared/peer-corpus/ezkl-examples (4 layers, d = 64, vocabulary 65; its
input.json) when the corpus is there. Per model: compile (int8, min/max calibration on
--calibration random token sequences, or input.json), setup (commitment + weight certificate),
prove one sequence (batch 1), verify; wall times, the peak RSS of the process during prove and
during verify (VmHWM, reset before each), proof size, parameters, the largest error of each
output against onnxruntime with top-1 agreement, and the error along the residual stream per
block (frontend/layer_errors.py); and the error of each construction alone (GELU, LayerNorm,
softmax, masked softmax after a MatMul) at 8, 12 and 16 bits. The numba kernels come from
their on-disk cache (the nanoGPT run goes first and warms it). --quick: a 2-layer d = 32 model
only, constructions at 8 bits, no file written.

EZKL's nanoGPT figures are quoted, not measured here (issue 14: a proof in 237 s after 400 s of
key generation); benchmarks/vs_ezkl.py measures EZKL itself on the models it can run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import save_rows  # noqa: E402
from tensorproof import api  # noqa: E402
from tensorproof.frontend import load_onnx, load_samples, normalize, sample_feeds  # noqa: E402
from tensorproof.frontend.examples_gpt import GPTConfig, gpt_onnx, gpt_tokens  # noqa: E402
from tensorproof.frontend.layer_errors import layer_errors  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "peer-corpus" / "ezkl-examples"
EZKL_NANOGPT = {"model": "nanoGPT (EZKL, published)", "system": "EZKL", "setup_s": 400.0,
                "prove_s": 237.0, "source": "EZKL's published nanoGPT figures, as quoted in "
                "issue 14 (key generation 400 s, proof 237 s); not measured here"}


RESIDUAL = re.compile(r"/?h\.\d+/(residual_\w+|Add(_\d+)?_output_0)")
"""The residual stream after each attention and MLP (examples_gpt's names, nanoGPT's)."""


def _reset_peak() -> None:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_mib() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _session(onnx_bytes: bytes):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])


def _ort(onnx_bytes: bytes, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    return _session(onnx_bytes).run(None, {k: v.astype(np.int64) for k, v in feeds.items()})


def run_model(name: str, onnx_bytes: bytes, calibration: dict, x: dict, params: int,
              profile: str, ort_bytes: bytes | None = None) -> dict:
    """Compile, setup, prove ``x`` (batch 1), verify; the row of figures."""
    t0 = time.perf_counter()
    model = api.compile(onnx_bytes, calibration)
    t1 = time.perf_counter()
    pk = api.setup(model, profile)
    t2 = time.perf_counter()
    _reset_peak()
    t3 = time.perf_counter()
    proof = api.prove(pk, x)
    t4 = time.perf_counter()
    prove_peak = _peak_mib()
    blob = proof.to_bytes()
    _reset_peak()
    t5 = time.perf_counter()
    result = api.verify(pk.vk, proof)
    t6 = time.perf_counter()
    verify_peak = _peak_mib()
    outputs = {}
    for o, want in zip(model.outputs, _ort(ort_bytes or onnx_bytes, x)):
        got = np.asarray(result.values[o.onnx_name]).reshape(want.shape)
        outputs[o.onnx_name] = {
            "max_abs_err": float(np.abs(got - want).max()),
            "float_absmax": float(np.abs(want).max()),
            "top1_agreement": float((got.argmax(-1) == want.argmax(-1)).mean())}
    rows = layer_errors(onnx_bytes, calibration, x)
    blocks = [{"tensor": r.tensor, "max_abs_err": r.max_abs_err, "rel_err": r.rel_err}
              for r in rows if RESIDUAL.fullmatch(r.tensor)]
    return {"model": name, "system": "tensorproof (int8)", "profile": profile, "params": params,
            "int_ops": len(model.graph.nodes), "compile_s": t1 - t0, "setup_s": t2 - t1,
            "prove_s": t4 - t3, "verify_s": t6 - t5, "proof_bytes": len(blob),
            "prove_peak_rss_mib": prove_peak, "verify_peak_rss_mib": verify_peak,
            "outputs": outputs, "residual_stream": blocks}


def gpt_row(cfg: GPTConfig, n_calibration: int, profile: str) -> dict:
    onnx_bytes = gpt_onnx(cfg)
    name = (f"GPT {cfg.layers} layers, d={cfg.d}, {cfg.heads} heads, context {cfg.context}, "
            f"vocab {cfg.vocab}")
    return run_model(name, onnx_bytes, {"tokens": gpt_tokens(cfg, n_calibration)},
                     {"tokens": gpt_tokens(cfg, 1, seed=99)}, cfg.params, profile)


def _nanogpt(folder: Path, profile: str) -> dict:
    import onnx

    from models import count_params

    onnx_bytes = (folder / "network.onnx").read_bytes()
    fg = normalize(load_onnx(onnx_bytes))
    feeds = sample_feeds(list(fg.inputs), fg.input_shapes, load_samples(folder / "input.json"))
    m = onnx.load_from_string(onnx_bytes)
    params = count_params(m)
    m.opset_import[0].version = 11  # onnxruntime refuses opset 10's Equal on floats (constants)
    return run_model("nanoGPT (EZKL corpus: 4 layers, d=64, context 64, vocab 65)", onnx_bytes,
                     feeds, feeds, params, profile, ort_bytes=m.SerializeToString())


def _construction_models() -> dict[str, bytes]:
    """One construction after a MatMul 16 → 64 (W ~ N(0, 1/16)): GELU (tanh, written out),
    LayerNorm (written out; γ = 1, β = 0), softmax (scores 2·x·W), and the causally masked
    softmax (Where(mask, −inf, x·xᵀ) over 6 positions of 4 features)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(5)
    w = (rng.standard_normal((16, 64)) / 4).astype(np.float32)

    def model(nodes, x_shape, inits) -> bytes:
        g = helper.make_graph(
            nodes, "c", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *x_shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                                 ir_version=8).SerializeToString()

    c = {k: np.array(v, np.float32) for k, v in
         {"half": 0.5, "three": 3.0, "k": 0.044715, "s2p": np.sqrt(2 / np.pi), "one": 1.0,
          "two": 2.0, "eps": 1e-5}.items()}
    mm = helper.make_node("MatMul", ["x", "w"], ["m"])
    n = helper.make_node
    gelu = [mm, n("Mul", ["m", "half"], ["h"]), n("Pow", ["m", "three"], ["c"]),
            n("Mul", ["c", "k"], ["ck"]), n("Add", ["m", "ck"], ["i"]),
            n("Mul", ["i", "s2p"], ["a"]), n("Tanh", ["a"], ["t"]), n("Add", ["t", "one"], ["u"]),
            n("Mul", ["h", "u"], ["y"])]
    ln = [mm, n("ReduceMean", ["m"], ["mu"], axes=[-1]), n("Sub", ["m", "mu"], ["d"]),
          n("Pow", ["d", "two"], ["d2"]), n("ReduceMean", ["d2"], ["v"], axes=[-1]),
          n("Add", ["v", "eps"], ["ve"]), n("Sqrt", ["ve"], ["sd"]), n("Div", ["d", "sd"], ["y"])]
    sm = [mm, n("Mul", ["m", "two"], ["s"]), n("Softmax", ["s"], ["y"], axis=-1)]
    future = ~np.tril(np.ones((6, 6), bool))
    masked = [n("Transpose", ["x"], ["xt"], perm=[0, 2, 1]), n("MatMul", ["x", "xt"], ["s"]),
              n("Where", ["future", "fill", "s"], ["f"]), n("Softmax", ["f"], ["y"], axis=-1)]
    return {"GELU (tanh)": model(gelu, (16,), {"w": w, **c}),
            "LayerNorm": model(ln, (16,), {"w": w, **c}),
            "softmax": model(sm, (16,), {"w": w, **c}),
            "masked softmax (−inf)": model(masked, (6, 4), {
                "future": future, "fill": np.array(-np.inf, np.float32)})}


def construction_rows(bits_list=(8, 12, 16)) -> list[dict]:
    """The error of each construction against onnxruntime (float32), at activation and weight
    widths ``bits``, on its 256 calibration samples (so that calibration coverage, a separate
    matter, does not enter)."""
    from tensorproof.quant.executor import execute

    rng = np.random.default_rng(6)
    rows = []
    for name, onnx_bytes in _construction_models().items():
        shape = (256, 6, 4) if "masked" in name else (256, 16)
        x = rng.standard_normal(shape).astype(np.float32)
        want = _session(onnx_bytes).run(None, {"x": x})[0]
        for bits in bits_list:
            m = api.compile(onnx_bytes, x, bits=bits, weight_bits=bits)
            got = m.dequantize_outputs(execute(m.graph, m.quantize_inputs(x)))["y"]
            e = np.abs(got.reshape(want.shape) - want)
            rows.append({"construction": name, "bits": bits, "max_abs_err": float(e.max()),
                         "mean_abs_err": float(e.mean()), "float_absmax": float(
                             np.abs(want).max())})
    return rows


def _table(rows: list[dict]) -> str:
    head = ("| model | system | params | prove | verify | setup | proof | prove peak RSS | "
            "max error (of max) | top-1 |")
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if r["system"] == "EZKL":
            lines.append(f"| {r['model']} | EZKL (published) | | {r['prove_s']:.0f} s | | "
                         f"{r['setup_s']:.0f} s (keygen) | | | | |")
            continue
        (o,) = r["outputs"].values()
        lines.append(
            f"| {r['model']} | {r['system']} | {r['params']:,} | {r['prove_s']:.1f} s | "
            f"{r['verify_s']:.2f} s | {r['setup_s']:.1f} s | {r['proof_bytes'] / 1e6:.2f} MB | "
            f"{r['prove_peak_rss_mib']:.0f} MiB | {o['max_abs_err']:.4f} ({o['float_absmax']:.2f}"
            f") | {o['top1_agreement']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--calibration", type=int, default=16)
    ap.add_argument("--profile", default="fast")
    ap.add_argument("--no-corpus", action="store_true", help="skip EZKL's nanoGPT")
    ap.add_argument("--quick", action="store_true", help="a 2-layer d=32 model, no file")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/transformer.json")
    args = ap.parse_args(argv)
    cfg = (GPTConfig(layers=2, d=32, heads=4, context=16, vocab=64) if args.quick else
           GPTConfig(layers=args.layers, d=args.d, heads=args.heads, context=args.context,
                     vocab=args.vocab))
    rows = []
    if not (args.quick or args.no_corpus) and (CORPUS / "nanoGPT").is_dir():
        rows.append(_nanogpt(CORPUS / "nanoGPT", args.profile))
        print(_table(rows[-1:]).splitlines()[-1], flush=True)
    rows.append(gpt_row(cfg, args.calibration, args.profile))
    rows.append(dict(EZKL_NANOGPT))
    print(_table(rows))
    cons = construction_rows((8,) if args.quick else (8, 12, 16))
    print("\n| construction (after a MatMul) | bits | max error | mean error | largest value |")
    print("|---|---|---|---|---|")
    for c in cons:
        print(f"| {c['construction']} | {c['bits']} | {c['max_abs_err']:.5f} | "
              f"{c['mean_abs_err']:.6f} | {c['float_absmax']:.3f} |")
    for r in rows:
        for b in r.get("residual_stream", []):
            print(f"  {r['model'][:24]:24s} {b['tensor'][:40]:40s} max error {b['max_abs_err']:.4f}"
                  f" ({100 * b['rel_err']:.2f} % of max)")
    if not args.quick:
        meta = {"machine": platform.platform(), "cpus": os.cpu_count(),
                "python": platform.python_version()}
        save_rows(args.json, [{**r, **meta} if r["system"] != "EZKL" else r for r in rows]
                  + [{"system": "construction", **c} for c in cons])
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
