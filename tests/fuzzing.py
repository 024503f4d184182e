"""Format-aware mutation fuzzing of tensorproof's file parsers: proofs, .vk, .tpk and .tpm.

Shared by tests/soundness/test_format_fuzz.py (a fixed budget in CI) and scripts/fuzz_formats.py
(long runs). A file is a tree of regions: the whole file and the parts that a container frames (a
.vk's header, key JSON and certificate; a .tpm's JSON header and data; a .tpk's header, model,
verifying key and arrays). A mutation edits one region: its bytes (bit flips, byte sets,
truncations, extensions, splices with another file, duplicated or deleted ranges, integers
written anywhere), one value of a JSON region, or one length/count field set to 0, 1, 2^31,
2^32-1, 2^63 or 2^64-1. The containers around the region are then re-framed with correct lengths
and checksums, so that the edit reaches the region's own parser instead of stopping at a
checksum.

Every mutated file must parse or raise a TensorProofError subclass, without allocating more than
``max_bytes`` (the address space is capped; tracemalloc on request) or running longer than
``seconds`` (:func:`check`); a parsed proof must then verify with a TensorProofError or, only if
its bytes are the original's, succeed.

The byte layouts are those of the formats' docstrings (verifier/proof.py, verifier/keys.py,
ir/modelfile.py, prover/keyfile.py): when a layout changes, update its ``_*_fields`` and
``_*_parts`` here (test_format_fuzz checks that re-framing an unchanged region still parses).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import resource
import signal
import struct
import threading
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from tensorproof.errors import TensorProofError

FORMATS = ("proof", "vk", "tpk", "tpm")
INTERESTING = (0, 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1)
"""Values written into length and count fields (and into JSON integers)."""
BOMB_DEPTH = 100_000
"""Nesting depth of the JSON bombs (far past Python's recursion limit)."""
_BOMB = "@@nesting bomb@@"
JSON_VALUES = (*INTERESTING, -1, -(2**63), 10**400, 1e308, -0.5, "", "A", "AAAA", "\udcff", None,
               True, [], {}, [0], [[1, 2], [3]], {"": 0}, _BOMB)
"""Replacement values of the JSON mutations (``_BOMB``: a nesting bomb)."""
_PREFIX = struct.Struct("<8sIQ")  # .tpm/.tpk framing: magic | u32 version | u64 header length


@dataclass(frozen=True)
class Field:
    """A binary length/count field of a format."""

    offset: int
    size: int
    order: str  # "big" or "little"
    name: str


@dataclass(frozen=True)
class Region:
    """One region of a file; ``put(new)`` is the whole file with the region replaced and every
    container around it re-framed (lengths, checksums, offsets)."""

    path: str
    kind: str  # "proof", "vk", "tpm", "tpk", "json" or "bytes"
    data: bytes
    put: Callable[[bytes], bytes]


@dataclass(frozen=True)
class Mutation:
    """A mutated file and how it was made (format, seed file, region, edit)."""

    fmt: str
    seed: str
    desc: str
    data: bytes
    systematic: bool = False


@dataclass(frozen=True)
class Target:
    """A format under test: its parser, valid seed files, and per seed an optional check of a
    parsed value (``after(value)``: raises, or returns a failure message, or None)."""

    fmt: str
    parse: Callable[[bytes], object]
    seeds: dict[str, bytes]
    after: dict[str, Callable[[object], str | None]] = field(default_factory=dict)


# --- format layouts ------------------------------------------------------------------------

def _proof_fields(data: bytes) -> list[Field]:
    """verifier/proof.py: b"TPPF" | u16 version | u8 k | u32 batch | 32-byte model id | u16 n |
    tensors | u16 n | tensors | [version 2: u16 n | (u16 name length | name | batch x 32-byte
    digest)...] | u64 stream length | stream (big-endian); tensor = u16 name length | name | u8
    rank | u32 dims | int64 values."""
    out = [Field(4, 2, "big", "version"), Field(6, 1, "big", "field degree"),
           Field(7, 4, "big", "batch")]
    pos = 43
    for group in ("inputs", "outputs"):
        (n,) = struct.unpack_from(">H", data, pos)
        out.append(Field(pos, 2, "big", f"number of {group}"))
        pos += 2
        for i in range(n):
            (ln,) = struct.unpack_from(">H", data, pos)
            out.append(Field(pos, 2, "big", f"{group}[{i}] name length"))
            pos += 2 + ln
            ndim = data[pos]
            out.append(Field(pos, 1, "big", f"{group}[{i}] rank"))
            dims = struct.unpack_from(f">{ndim}I", data, pos + 1)
            out += [Field(pos + 1 + 4 * d, 4, "big", f"{group}[{i}] dim {d}") for d in range(ndim)]
            pos += 1 + 4 * ndim + 8 * math.prod(dims)
    if struct.unpack_from(">H", data, 4)[0] == 2:  # the digests of hashed tensors
        (n,) = struct.unpack_from(">H", data, pos)
        (batch,) = struct.unpack_from(">I", data, 7)
        out.append(Field(pos, 2, "big", "number of hashed tensors"))
        pos += 2
        for i in range(n):
            (ln,) = struct.unpack_from(">H", data, pos)
            out.append(Field(pos, 2, "big", f"hashed[{i}] name length"))
            pos += 2 + ln + 32 * batch
    return out + [Field(pos, 8, "big", "stream length")]


def _vk_fields(data: bytes) -> list[Field]:
    """verifier/keys.py, version 1: b"TPVK" | u16 version | u32 JSON length | JSON (big-endian);
    version 2: the .tpm framing (:func:`_frame_fields`) around key JSON | certificate."""
    if data.startswith(b"TPVKEY"):
        return _frame_fields(data)
    return [Field(4, 2, "big", "version"), Field(6, 4, "big", "JSON length")]


def _vk_parts(data: bytes) -> list[tuple[str, str, bytes, Callable[[bytes], bytes]]]:
    if not data.startswith(b"TPVKEY"):
        return [("json", "json", data[10:],
                 lambda new: data[:6] + struct.pack(">I", len(new)) + new)]
    magic, head, body, version = _unframe(data)
    n_key = json.loads(head)["key_nbytes"]
    parts = {"key": body[:n_key], "certificate": body[n_key:]}

    def put(name: str, new: bytes) -> bytes:
        p = {**parts, name: new}
        new_body = p["key"] + p["certificate"]
        h = json.loads(head)
        h.update(key_nbytes=len(p["key"]), certificate_nbytes=len(p["certificate"]),
                 body_nbytes=len(new_body), body_sha256=hashlib.sha256(new_body).hexdigest())
        return _reframe(magic, version, h, new_body)

    return [("header", "json", head, lambda new: _reframe(magic, version, new, body)),
            ("key", "json", parts["key"], lambda new: put("key", new)),
            ("certificate", "bytes", parts["certificate"], lambda new: put("certificate", new))]


def _frame_fields(data: bytes) -> list[Field]:
    """ir/modelfile.py frame: 8-byte magic | u32 version | u64 header length (little-endian)."""
    return [Field(8, 4, "little", "version"), Field(12, 8, "little", "header length")]


def _unframe(data: bytes) -> tuple[bytes, bytes, bytes, int]:
    magic, version, hlen = _PREFIX.unpack_from(data)
    start = _PREFIX.size + hlen + (-(_PREFIX.size + hlen)) % 8
    return magic, data[_PREFIX.size:_PREFIX.size + hlen], data[start:], version


def _reframe(magic: bytes, version: int, header: dict | bytes, body: bytes) -> bytes:
    from tensorproof.ir.modelfile import frame

    if isinstance(header, dict):
        header = json.dumps(header, separators=(",", ":")).encode()
    return frame(magic, version, header, body)


def _tpm_parts(data: bytes) -> list[tuple[str, str, bytes, Callable[[bytes], bytes]]]:
    magic, head, body, version = _unframe(data)

    def put_data(new: bytes) -> bytes:
        header = json.loads(head)
        header.update(data_nbytes=len(new), data_sha256=hashlib.sha256(new).hexdigest())
        return _reframe(magic, version, header, new)

    return [("header", "json", head, lambda new: _reframe(magic, version, new, body)),
            ("data", "bytes", body, put_data)]


def _tpk_parts(data: bytes) -> list[tuple[str, str, bytes, Callable[[bytes], bytes]]]:
    """A .tpk's regions; a region put back re-frames the file with its own checksum (the
    private weights' block counter read as zeros: prover/keyfile._checksum)."""
    from tensorproof.prover.keyfile import _checksum

    magic, head, body, version = _unframe(data)
    header = json.loads(head)
    m, v = header["model_nbytes"], header["vk_nbytes"]
    start = m + v + (-(m + v)) % 8
    parts = {"model": body[:m], "vk": body[m:m + v], "arrays": body[start:]}

    def put(name: str, new: bytes) -> bytes:
        p = {**parts, name: new}
        h = json.loads(head)
        n = len(p["model"]) + len(p["vk"])
        shift = n + (-n) % 8 - start
        for a in h["arrays"]:
            a["offset"] += shift
        new_body = p["model"] + p["vk"] + b"\0" * ((-n) % 8) + p["arrays"]
        h.update(model_nbytes=len(p["model"]), vk_nbytes=len(p["vk"]),
                 body_nbytes=len(new_body),
                 body_sha256=_checksum(new_body, h["arrays"], h.get("mutable", [])))
        return _reframe(magic, version, h, new_body)

    return [("header", "json", head, lambda new: _reframe(magic, version, new, body)),
            ("model", "tpm", parts["model"], lambda new: put("model", new)),
            ("vk", "vk", parts["vk"], lambda new: put("vk", new)),
            ("arrays", "bytes", parts["arrays"], lambda new: put("arrays", new))]


_FIELDS = {"proof": _proof_fields, "vk": _vk_fields, "tpm": _frame_fields, "tpk": _frame_fields}
_PARTS = {"vk": _vk_parts, "tpm": _tpm_parts, "tpk": _tpk_parts}


def regions(kind: str, data: bytes, path: str = "") -> list[Region]:
    """The file's regions, outermost first, each with its re-framing ``put``."""
    out = [Region(path or "file", kind, data, lambda new: new)]
    for name, sub_kind, sub, put in _PARTS.get(kind, lambda _: [])(data):
        for r in regions(sub_kind, sub, f"{path}/{name}" if path else name):
            out.append(Region(r.path, r.kind, r.data,
                              lambda new, put=put, inner=r.put: put(inner(new))))
    return out


# --- mutations -----------------------------------------------------------------------------

def _write_int(data: bytes, offset: int, size: int, order: str, value: int) -> bytes:
    raw = (value % (1 << (8 * size))).to_bytes(size, order)
    return data[:offset] + raw + data[offset + size:]


def field_mutations(data: bytes, f: Field) -> Iterator[tuple[str, bytes]]:
    """``f`` set to each interesting value that fits it (and to its width's extremes), then each
    interesting value written 4 and 8 bytes wide at its offset (over the following bytes)."""
    top = 1 << (8 * f.size)
    for v in sorted({v for v in INTERESTING if v < top} | {top // 2, top - 1}):
        yield f"{f.name} (u{8 * f.size} at {f.offset}) = {v}", _write_int(
            data, f.offset, f.size, f.order, v)
    for width in (4, 8):
        if width > f.size and f.offset + width <= len(data):
            for v in INTERESTING:
                if v >= top:
                    yield (f"{f.name} (at {f.offset}) overwritten by {width}-byte {f.order}-endian "
                           f"{v}", _write_int(data, f.offset, width, f.order, v))


def _json_nodes(obj, keys: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """(keys, value) of every node of a JSON value, the root first."""
    yield keys, obj
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) \
        else ()
    for k, v in items:
        yield from _json_nodes(v, (*keys, k))


def _shown(keys: tuple) -> str:
    return "$" + "".join(f"[{k!r}]" for k in keys)


def _json_edit(obj, keys: tuple, op: str, value=None):
    """A copy of ``obj`` with the node at ``keys`` replaced by ``value`` ("set"), removed
    ("delete"), repeated ("repeat") or wrapped in a list ("wrap")."""
    obj = json.loads(json.dumps(obj))
    if not keys:
        return value if op == "set" else [obj] if op == "wrap" else obj
    parent = obj
    for k in keys[:-1]:
        parent = parent[k]
    k = keys[-1]
    if op == "set":
        parent[k] = value
    elif op == "wrap":
        parent[k] = [parent[k]]
    elif op == "delete":
        del parent[k]
    elif op == "repeat" and isinstance(parent, list):
        parent.insert(k, parent[k])
    return obj


def json_bytes(obj) -> bytes:
    """JSON text of ``obj``, every ``_BOMB`` string replaced by a nesting bomb."""
    text = json.dumps(obj, separators=(",", ":"))
    return text.replace(json.dumps(_BOMB), "[" * BOMB_DEPTH + "]" * BOMB_DEPTH).encode()


def json_int_mutations(raw: bytes) -> Iterator[tuple[str, bytes]]:
    """Every integer of a JSON region set to each interesting value and to -1."""
    obj = json.loads(raw)
    for keys, v in _json_nodes(obj):
        if isinstance(v, int) and not isinstance(v, bool):
            for new in (*INTERESTING, -1):
                yield f"{_shown(keys)} = {new}", json_bytes(_json_edit(obj, keys, "set", new))


def _bytes_mutation(data: bytes, rng: np.random.Generator, others: list[bytes]
                    ) -> tuple[str, bytes]:
    n = len(data)
    i = int(rng.integers(n + 1))
    op = rng.choice(["flip", "set", "truncate", "extend", "splice", "duplicate", "delete",
                     "insert", "integer"]) if n else "extend"
    if op == "flip":
        out = bytearray(data)
        bits = rng.integers(8 * n, size=int(rng.integers(1, 5)))
        for b in bits:
            out[b // 8] ^= 1 << int(b % 8)
        return f"flip bits {sorted(int(b) for b in bits)}", bytes(out)
    if op == "set":
        i, v = min(i, n - 1), int(rng.choice([0, 0xFF, 0x7F, 0x80, int(rng.integers(256))]))
        return f"byte {i} = {v:#04x}", data[:i] + bytes([v]) + data[i + 1:]
    if op == "truncate":
        return f"truncate to {min(i, n - 1)} bytes", data[:min(i, n - 1)]
    if op == "extend":
        k = int(rng.integers(1, 65))
        tail = bytes(k) if rng.random() < 0.5 else rng.bytes(k)
        return f"extend by {k} bytes", data + tail
    if op == "splice":
        other = others[int(rng.integers(len(others)))]
        j = int(rng.integers(len(other) + 1))
        return f"splice: first {i} bytes + another file from byte {j}", data[:i] + other[j:]
    if op in ("duplicate", "delete"):
        i = min(i, n - 1)
        k = int(rng.integers(1, min(n - i, 256) + 1))
        if op == "delete":
            return f"delete bytes [{i}, {i + k})", data[:i] + data[i + k:]
        return f"duplicate bytes [{i}, {i + k})", data[:i + k] + data[i:]
    if op == "insert":
        k = int(rng.integers(1, 17))
        return f"insert {k} random bytes at {i}", data[:i] + rng.bytes(k) + data[i:]
    width, order = int(rng.choice([1, 2, 4, 8])), str(rng.choice(["big", "little"]))
    v, i = int(rng.choice(INTERESTING)), min(i, max(0, n - width))
    return (f"write {width}-byte {order}-endian {v} at {i}",
            _write_int(data, i, min(width, n - i), order, v))


def _json_mutation(raw: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    obj = json.loads(raw)
    nodes = list(_json_nodes(obj))
    keys, _ = nodes[int(rng.integers(len(nodes)))]
    op = str(rng.choice(["set", "set", "set", "delete", "repeat", "wrap"]))
    if op == "set":
        value = JSON_VALUES[int(rng.integers(len(JSON_VALUES)))]
        shown = f"a depth-{BOMB_DEPTH} nesting bomb" if value == _BOMB else repr(value)[:40]
        return f"{_shown(keys)} = {shown}", json_bytes(_json_edit(obj, keys, "set", value))
    return f"{op} {_shown(keys)}", json_bytes(_json_edit(obj, keys, op))


def systematic(fmt: str, seeds: dict[str, bytes]) -> Iterator[Mutation]:
    """Every binary length/count field of every region of every seed and every JSON integer of
    its own JSON regions, set to each interesting value (JSON nested in an inner file, e.g. a
    .tpk's model header, is the inner format's; a region equal to one already covered is
    skipped)."""
    seen = set()
    for name, seed in seeds.items():
        for r in regions(fmt, seed):
            if (r.path, r.data) in seen or (r.kind == "json" and "/" in r.path):
                continue
            seen.add((r.path, r.data))
            where = f"{fmt}[{name}] {r.path}"
            if r.kind == "json":
                edits = json_int_mutations(r.data)
            elif r.kind in _FIELDS:
                edits = (e for f in _FIELDS[r.kind](r.data) for e in field_mutations(r.data, f))
            else:
                continue
            for desc, new in edits:
                yield Mutation(fmt, name, f"{where}: {desc}", r.put(new), systematic=True)


def random_mutations(fmt: str, seeds: dict[str, bytes], others: list[bytes], seed: int
                     ) -> Iterator[Mutation]:
    """An endless deterministic stream of random one-edit mutations of the seeds."""
    rng = np.random.default_rng(seed)
    others = others or list(seeds.values())
    names = sorted(seeds)
    trees = {name: regions(fmt, seeds[name]) for name in names}
    while True:
        name = names[int(rng.integers(len(names)))]
        r = trees[name][int(rng.integers(len(trees[name])))]
        if r.kind == "json" and rng.random() < 0.6:
            desc, new = _json_mutation(r.data, rng)
        else:
            desc, new = _bytes_mutation(r.data, rng, others)
        yield Mutation(fmt, name, f"{fmt}[{name}] {r.path}: {desc}", r.put(new))


def mutations(fmt: str, seeds: dict[str, bytes], others: list[bytes], n: int, seed: int = 0
              ) -> Iterator[Mutation]:
    """``n`` mutations: the systematic ones first (as many as fit), then random ones."""
    count = 0
    for stream in (systematic(fmt, seeds), random_mutations(fmt, seeds, others, seed)):
        for m in stream:
            if count == n:
                return
            count += 1
            yield m


# --- checking (Unix: an alarm signal and an address-space limit) ------------------------------

_HAS_STATM = os.path.exists("/proc/self/statm")


@contextlib.contextmanager
def _address_space(headroom: int):
    """Cap the process's address space at its current size + ``headroom`` (Linux): an
    allocation over it raises MemoryError at once instead of taking the machine's memory."""
    try:
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = size + headroom if hard == resource.RLIM_INFINITY else min(hard, size + headroom)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class _Timeout(BaseException):
    """Raised by the per-check alarm (a BaseException, which parsers' ``except`` clauses miss)."""


@contextlib.contextmanager
def limits(trace: bool = False):
    """Run the checks inside with allocation tracing (tracemalloc: exact peaks, several times
    slower) when ``trace`` or when the address-space cap of :func:`_address_space` is not
    available (it needs Linux's /proc/self/statm)."""
    started = (trace or not _HAS_STATM) and not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        yield
    finally:
        if started:
            tracemalloc.stop()


def _call(fn: Callable, arg, max_bytes: int, seconds: float) -> tuple[object, str | None]:
    """(fn(arg), None), (None, None) on a TensorProofError, or (None, what went wrong)."""
    alarm = seconds > 0 and threading.current_thread() is threading.main_thread()
    armed = [alarm]

    def ring(*_):
        if armed[0]:
            raise _Timeout

    if alarm:
        old = signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    out, err = None, None
    try:
        try:
            with _address_space(max_bytes):
                out = fn(arg)
        finally:
            armed[0] = False
    except TensorProofError:
        pass
    except _Timeout:
        err = f"took longer than {seconds} s"
    except MemoryError:
        err = f"MemoryError (an allocation over the {max_bytes / 2**20:.0f} MiB cap)"
    except Exception as e:  # noqa: BLE001 (any other exception is the finding)
        err = f"{type(e).__name__}: {str(e)[:200]}"
    if alarm:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if tracing and err is None:
        peak = tracemalloc.get_traced_memory()[1] - base
        if peak > max_bytes:
            err = f"allocated {peak / 2**20:.0f} MiB (limit {max_bytes / 2**20:.0f} MiB)"
    return out, err


def check(parse: Callable[[bytes], object], data: bytes,
          after: Callable[[object], str | None] | None = None, max_bytes: int = 100 * 2**20,
          seconds: float = 10.0) -> tuple[str, str | None]:
    """(outcome, failure): outcome "rejected" (a TensorProofError), "parsed" or "checked" (parsed,
    then ``after`` ran); failure None or one line. Run inside :func:`limits`."""
    value, err = _call(parse, data, max_bytes, seconds)
    if err is not None or value is None:
        return "rejected", err
    if after is None:
        return "parsed", None
    res, err = _call(after, value, max_bytes, seconds)
    return "checked", err or (res if isinstance(res, str) else None)


@dataclass
class Report:
    """Counts of a fuzzing run and its failures (mutation, one-line reason)."""

    outcomes: Counter = field(default_factory=Counter)
    failures: list[tuple[Mutation, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


def fuzz(target: Target, n: int, seed: int = 0, others: list[bytes] | None = None,
         check_every: int = 0, report: Report | None = None,
         on_each: Callable[[Mutation, str, str | None], None] | None = None,
         trace: bool = False, **kw) -> Report:
    """Run ``n`` mutations of ``target``'s seeds; every ``check_every``-th mutation that parses
    (0: none) also runs the seed's ``after`` check. ``trace``: see :func:`limits`; ``kw``:
    max_bytes, seconds of :func:`check`."""
    report = report or Report()
    others = others or list(target.seeds.values())
    parsed = 0
    with limits(trace):
        for m in mutations(target.fmt, target.seeds, others, n, seed):
            after = target.after.get(m.seed) if check_every and parsed % check_every == 0 \
                else None
            outcome, err = check(target.parse, m.data, after, **kw)
            parsed += outcome != "rejected"
            report.outcomes[f"{m.fmt} {outcome}"] += 1
            if err is not None:
                report.failures.append((m, err))
            if on_each is not None:
                on_each(m, outcome, err)
    return report


# --- the seed files --------------------------------------------------------------------------

def rich_model():
    """Gemm → ReLU → Gemm → Sigmoid compiled at 4 bits: linear, requant and lookup nodes."""
    from onnx import helper

    import tensorproof.api as tp
    from helpers_models import make_model

    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "W2", "b2"], ["z"]),
             helper.make_node("Sigmoid", ["z"], ["y"])]
    onnx_bytes = make_model(nodes, {"x": ["N", 6]}, {"y": ["N", 3]},
                            {"W": rng.normal(size=(6, 4)), "b": rng.normal(size=4),
                             "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3)})
    return tp.compile(onnx_bytes, rng.normal(size=(16, 6)), bits=4), rng.normal(size=(2, 6))


def build_targets() -> dict[str, Target]:
    """Small real files of every format, with their parsers (and, for proofs, verification of a
    parsed proof against its key). Two models (wide-integer linear/add; linear, requant and
    lookup), each under the raw commitment and under every proof profile (fast: Ligero over
    F_p^2; compact: WHIR over F_p^3), and the second with private weights (zero knowledge, the
    hiding ligero-zk and whir-zk) in each profile."""
    import tensorproof.api as tp
    from graphs import linear_residual_model
    from tensorproof.ir.modelfile import model_bytes, parse_model
    from tensorproof.ir.visibility import with_visibility
    from tensorproof.prover.keyfile import parse_pk, pk_bytes
    from tensorproof.verifier.pcs_config import PROFILES

    small, _ = linear_residual_model()
    rich, x_rich = rich_model()
    x_small = np.random.default_rng(1).integers(-128, 128, (2, 12))
    proofs, vks, pks, after = {}, {}, {}, {}
    for name, model, x, quantized in (("small", small, x_small, True),
                                      ("rich", rich, x_rich, False)):
        for config in ("raw", *PROFILES):
            pk = tp.setup(model, pcs="raw") if config == "raw" else tp.setup(model, config)
            key = f"{name}-{config}"
            proofs[key] = tp.prove(pk, x, quantized=quantized).to_bytes()
            vks[key], pks[key] = pk.vk.to_bytes(), pk_bytes(pk)
            after[key] = _verifies_only_itself(pk.vk, proofs[key])

    for config in PROFILES:  # zero knowledge with private weights: the hiding schemes' data
        pk = tp.setup(rich, config, weights="private", proof_budget=4)
        key = f"rich-{config}-private-weights"
        proofs[key] = tp.prove(pk, x_rich).to_bytes()
        pks[key] = pk_bytes(pk)  # its vk is inside (the vk target keeps its budget: CI time)
        after[key] = _verifies_only_itself(pk.vk, proofs[key])

    hashed = with_visibility(small, "hashed", None)  # a version-2 proof: digests
    pk = tp.setup(hashed, pcs="raw")
    proofs["small-hashed-raw"] = tp.prove(pk, x_small, quantized=True).to_bytes()
    after["small-hashed-raw"] = _verifies_only_itself(pk.vk, proofs["small-hashed-raw"])
    return {
        "proof": Target("proof", tp.Proof.from_bytes, proofs, after),
        "vk": Target("vk", tp.VerifyingKey.from_bytes, vks),
        "tpk": Target("tpk", parse_pk, pks),
        "tpm": Target("tpm", parse_model, {"small": model_bytes(small),
                                           "rich": model_bytes(rich)}),
    }


def _verifies_only_itself(vk, original: bytes) -> Callable[[object], str | None]:
    """A check of a parsed proof: verification raises, or succeeds on the original proof."""
    import tensorproof.api as tp

    def after(proof) -> str | None:
        tp.verify(vk, proof)
        if proof.to_bytes() != original:
            return "verify accepted a changed proof"
        return None

    return after
