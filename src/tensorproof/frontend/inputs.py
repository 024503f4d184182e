"""Input files of `tensorproof prove` / `verify --input` and sample files of `tensorproof
compile` (.npy, .npz, .json): strict, bounded parsing.

Any malformed file raises InputFileError, one line naming the file (and the array). Arrays must
be numeric (bool, integer or float: never object, string, structured or pickled data), non-empty
and finite; they are returned as float64. A .npy array's size is computed from its header on
Python integers and must equal the bytes that follow it before anything is read; an .npz archive
is read member by member within the sizes its directory declares (at most MAX_FILE_BYTES in all);
JSON nested past Python's recursion limit is an error, not a crash.
"""

from __future__ import annotations

import io
import json
import lzma
import math
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import InputFileError

MAX_FILE_BYTES = 1 << 31
"""Largest input file, and largest total uncompressed size of an .npz archive."""
MAX_NPZ_MEMBERS = 1024
_NUMERIC = "biuf"
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError,
               RuntimeError, ValueError, OSError)
"""What zipfile raises on a malformed archive (RuntimeError: an encrypted member)."""

Samples = np.ndarray | list[np.ndarray] | dict[str, np.ndarray]


def load_inputs(path: str | os.PathLike) -> np.ndarray:
    """Real inputs of a single-input model, batch first: a .npy array, or JSON (a nested list,
    or an object whose "input_data" (or "inputs") holds them; EZKL's one-entry list of inputs is
    unwrapped)."""
    where = str(path)
    if Path(path).suffix.lower() in (".csv", ".txt", ".tsv", ".pt", ".pth", ".pkl", ".pickle"):
        raise _unknown_format(where, Path(path).suffix.lower())
    blob = _read(path)
    if Path(path).suffix.lower() == ".npy":
        return _finite(_npy(io.BytesIO(blob), len(blob), where), where)
    data = _json(blob, where)
    if isinstance(data, dict):
        key = next((k for k in ("input_data", "inputs") if k in data), None)
        if key is None:
            raise InputFileError(f"{where}: a JSON object needs an \"input_data\" entry "
                                 "(EZKL's input.json: {\"input_data\": [[flat values]]})")
        data = data[key]
        data = data[0] if isinstance(data, list) and len(data) == 1 else data
    return _finite(_numeric(data, where), where)


_FORMATS = "use .npy, .npz (arrays by input name) or .json"


def _unknown_format(where: str, suffix: str) -> InputFileError:
    hint = ""
    if suffix in (".csv", ".txt", ".tsv"):
        hint = (f"; convert it with np.save('x.npy', np.loadtxt({where!r}, delimiter=',', "
                "ndmin=2)), one row per flattened sample, then reshape the rows to the input's "
                "shape")
    elif suffix in (".pt", ".pth", ".pkl", ".pickle"):
        hint = "; save tensors with np.save('x.npy', tensor.numpy())"
    return InputFileError(f"{where}: unknown format {suffix or '(no suffix)'!r} "
                          f"({_FORMATS}){hint}")


def load_model_inputs(path: str | os.PathLike, shapes: dict[str, tuple[int, ...]]
                      ) -> dict[str, np.ndarray]:
    """Real inputs of a model whose inputs are ``shapes`` (name → per-sample shape, in the
    model's order), by input name, for the API's shape checks (which never reshape):

    - ``.npy``: the input of a single-input model;
    - ``.npz``: one array per input name (a single array under any name for one input);
    - JSON: a nested list (single input), an object keyed by input name, or EZKL's
      ``{"input_data": [values of input 0, values of input 1, ...]}`` (one entry per input; one
      nested list for a single-input model). EZKL flattens each input: a flat list whose length
      is a multiple of the sample size is taken as that many samples in C order.
    """
    where, suffix = str(path), Path(path).suffix.lower()
    if suffix not in (".npy", ".npz", ".json"):
        raise _unknown_format(where, suffix)
    names = list(shapes)
    blob = _read(path)
    if suffix == ".npy":
        a = _finite(_npy(io.BytesIO(blob), len(blob), where), where)
        if len(names) != 1:
            raise InputFileError(f"{where}: the model has {len(names)} inputs {names}: give a "
                                 ".npz with one array per input name, or a JSON object")
        return {names[0]: a}
    if suffix == ".npz":
        arrays = {k: _finite(a, f"{where}[{k!r}]") for k, a in _npz(blob, where).items()}
        if len(names) == 1 and len(arrays) == 1:
            return {names[0]: next(iter(arrays.values()))}
        return _by_name(arrays, names, where)
    data = _json(blob, where)
    if isinstance(data, list):
        if len(names) != 1:
            raise InputFileError(f"{where}: the model has {len(names)} inputs {names}: give "
                                 "{\"input_data\": [one list per input]} or an object by "
                                 "input name")
        return {names[0]: _finite(_numeric(data, where), where)}
    if not isinstance(data, dict):
        raise InputFileError(f"{where}: JSON inputs must be a list or an object")
    key = next((k for k in ("input_data", "inputs") if k in data), None)
    if key is None:
        if data and all(k in data for k in names):
            return _by_name({k: _finite(_numeric(v, f"{where}[{k!r}]"), f"{where}[{k!r}]")
                             for k, v in data.items()}, names, where)
        raise InputFileError(f"{where}: a JSON object needs an \"input_data\" entry (EZKL's "
                             f"input.json) or one entry per model input {names}; it has "
                             f"{sorted(data)[:8]}")
    per = data[key]
    if not isinstance(per, list) or not per:
        raise InputFileError(f"{where}: \"{key}\" must be a non-empty list (one per input)")
    if len(names) == 1 and len(per) != 1:
        per = [per]  # a plain nested list of the single input
    if len(per) != len(names):
        raise InputFileError(f"{where}: \"{key}\" holds {len(per)} inputs, the model has "
                             f"{len(names)}: {names}")
    out = {}
    for name, values in zip(names, per):
        label = f"{where} input {name!r}"
        a = _finite(_numeric(values, label), label)
        size = math.prod(shapes[name])
        if a.ndim == 1 and a.shape != shapes[name] and size and a.size % size == 0:
            a = a.reshape((-1, *shapes[name]))  # EZKL's flattened input
        out[name] = a
    return out


def _by_name(arrays: dict[str, np.ndarray], names: list[str], where: str
             ) -> dict[str, np.ndarray]:
    missing = [n for n in names if n not in arrays]
    extra = [k for k in arrays if k not in names]
    if missing or extra:
        raise InputFileError(f"{where}: arrays are named {sorted(arrays)[:8]}, the model's "
                             f"inputs are {names} (missing {missing}, unknown {extra[:8]})")
    return {n: arrays[n] for n in names}


def load_samples(path: str | os.PathLike) -> Samples:
    """Sample inputs for calibration or evaluation: an array (.npy, or a rectangular JSON list,
    split on its first axis when it has two or more), a dict by input name (.npz, or a JSON
    object), or a list per input (EZKL's {"input_data": [[flat values], ...]}, or a ragged JSON
    list): what frontend.sample_feeds takes."""
    where, suffix = str(path), Path(path).suffix.lower()
    if suffix not in (".npy", ".npz", ".json"):
        raise _unknown_format(where, suffix)
    blob = _read(path)
    if suffix == ".npy":
        return _finite(_npy(io.BytesIO(blob), len(blob), where), where)
    if suffix == ".npz":
        return {k: _finite(a, f"{where}[{k!r}]") for k, a in _npz(blob, where).items()}
    data = _json(blob, where)
    if isinstance(data, dict) and "input_data" in data:
        data = data["input_data"]
        if not isinstance(data, list) or not data:
            raise InputFileError(f"{where}: \"input_data\" must be a non-empty list per input")
        return [_finite(_numeric(x, f"{where} input {i}"), f"{where} input {i}")
                for i, x in enumerate(data)]
    if not isinstance(data, list | dict) or not data:
        raise InputFileError(f"{where}: JSON samples must be a non-empty list or object")
    if isinstance(data, dict):
        return {k: _finite(_numeric(v, f"{where}[{k!r}]"), f"{where}[{k!r}]")
                for k, v in data.items()}
    try:
        a = _finite(_numeric(data, where), where)
    except InputFileError:  # ragged: one list per input
        return [_finite(_numeric(x, f"{where} input {i}"), f"{where} input {i}")
                for i, x in enumerate(data)]
    return list(a) if a.ndim >= 2 else a


def _read(path: str | os.PathLike) -> bytes:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise InputFileError(f"{str(p)!r} is larger than {MAX_FILE_BYTES} bytes")
        return p.read_bytes()
    except OSError as e:
        raise InputFileError(f"cannot read {str(p)!r}: {e.strerror}") from None


def _json(blob: bytes, where: str):
    try:
        return json.loads(blob.decode("utf-8"))
    except RecursionError:
        raise InputFileError(f"{where}: JSON nested too deeply") from None
    except ValueError as e:
        raise InputFileError(f"{where}: not valid JSON ({str(e)[:80]})") from None


def _numeric(data, where: str) -> np.ndarray:
    """A rectangular array of numbers (JSON lists; strings, null and ragged lists refused)."""
    try:
        a = np.asarray(data)
    except (ValueError, TypeError, RecursionError, OverflowError):
        raise InputFileError(f"{where}: not a rectangular array of numbers") from None
    if a.dtype.kind not in _NUMERIC:
        raise InputFileError(f"{where}: values must be numbers within float64 range")
    return a


def _finite(a: np.ndarray, where: str) -> np.ndarray:
    """``a`` as float64; InputFileError if it is empty or holds NaN or infinities."""
    if a.size == 0:
        raise InputFileError(f"{where}: no values (an array of shape {a.shape})")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise InputFileError(f"{where}: NaN or infinite values")
    return a


def _npy(f, size: int, where: str) -> np.ndarray:
    """The array of a .npy stream of ``size`` bytes: numeric dtype, and exactly the data bytes
    its header declares (checked before reading them). Never unpickles anything."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise InputFileError(f"{where}: unsupported .npy format version {version}")
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else \
            fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
    except InputFileError:
        raise
    except (ValueError, TypeError, SyntaxError, RecursionError, OverflowError, EOFError) as e:
        raise InputFileError(f"{where}: not a .npy array ({str(e)[:80]})") from None
    if dtype.kind not in _NUMERIC or dtype.fields is not None or dtype.subdtype is not None:
        raise InputFileError(f"{where}: arrays of dtype {dtype} are not numeric inputs")
    if any(d < 0 for d in shape):
        raise InputFileError(f"{where}: negative dimension in shape {shape}")
    nbytes, left = math.prod(shape) * dtype.itemsize, size - f.tell()
    if nbytes != left:
        raise InputFileError(f"{where}: shape {shape} of {dtype} needs {nbytes} data bytes, "
                             f"the file holds {left}")
    return np.frombuffer(f.read(nbytes), dtype).reshape(shape, order="F" if fortran else "C")


def _npz(blob: bytes, where: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive by name, each read within its declared size."""
    out: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            infos = z.infolist()
            if len(infos) > MAX_NPZ_MEMBERS or sum(i.file_size for i in infos) > MAX_FILE_BYTES:
                raise InputFileError(f"{where}: archive too large")
            for info in infos:
                key = info.filename.removesuffix(".npy")
                if key in out:
                    raise InputFileError(f"{where}: array {key!r} appears twice")
                with z.open(info) as member:
                    raw = member.read(info.file_size)
                out[key] = _npy(io.BytesIO(raw), len(raw), f"{where}[{key!r}]")
    except InputFileError:
        raise
    except _ZIP_ERRORS as e:
        raise InputFileError(f"{where}: not a valid .npz archive ({type(e).__name__}: "
                             f"{str(e)[:80]})") from None
    if not out:
        raise InputFileError(f"{where}: empty archive")
    return out
