"""Sample inputs for calibration and evaluation: files in, per-input float batches out.

Accepted: a numpy array (single-input models), a list of arrays (one per input, in the model's
input order), or a dict keyed by input name; files ``.npy``, ``.npz`` (keyed by input name) and
``.json`` — EZKL's ``{"input_data": [[flat floats], ...]}`` (one flat list per input), a dict
``{"input name": nested list}`` or a plain nested list. Each input is reshaped to
(N, *per-sample shape) when its size allows it; zero samples are refused. Files are read by
inputs.py (bounded, typed errors).
"""

from __future__ import annotations

import numpy as np

from ..errors import CompileError
from .inputs import load_samples

Calibration = np.ndarray | list | tuple | dict

__all__ = ["Calibration", "load_samples", "sample_feeds"]


def _as_batch(name: str, data, shape: tuple[int, ...]) -> np.ndarray:
    try:
        a = np.asarray(data, dtype=np.float64)
    except (ValueError, TypeError):
        raise CompileError(f"samples for input {name!r} are not a numeric array") from None
    size = int(np.prod(shape))
    if a.shape == shape:
        a = a[None]
    elif a.shape[1:] != shape:
        if a.size == 0 or a.size % size:
            raise CompileError(f"samples for input {name!r} of shape {a.shape} do not fit its "
                               f"per-sample shape {shape}")
        a = a.reshape((-1,) + shape)
    if a.shape[0] == 0:
        raise CompileError(f"no samples for input {name!r} (an array of shape {a.shape}): give "
                           "at least one, ideally a hundred or more representative ones")
    if not np.all(np.isfinite(a)):
        raise CompileError(f"samples for input {name!r} hold NaN or infinite values")
    return a


def sample_feeds(names: list[str], shapes: dict[str, tuple[int, ...]], data: Calibration
                 ) -> dict[str, np.ndarray]:
    """Per-input float batches (N, *shape) with a common N >= 1."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing and len(data) == len(names) == 1:
            data = {names[0]: next(iter(data.values()))}
        elif missing:
            raise CompileError(f"the samples have no values for input(s) {missing} "
                               f"(given: {sorted(data)})")
        per = {n: data[n] for n in names}
    elif isinstance(data, list | tuple) and len(names) > 1:
        if len(data) != len(names):
            raise CompileError(f"the model has {len(names)} inputs {names}, the samples "
                               f"give {len(data)}")
        per = dict(zip(names, data))
    elif isinstance(data, list | tuple) and len(data) == 1 and np.size(data[0]) % max(
            1, int(np.prod(shapes[names[0]]))) == 0 and not np.isscalar(data[0]):
        per = {names[0]: data[0]}
    else:
        if len(names) != 1:
            raise CompileError(f"the model has {len(names)} inputs {names}: give the samples "
                               "as a dict (.npz or JSON) or as one list per input")
        per = {names[0]: data}
    feeds = {n: _as_batch(n, per[n], shapes[n]) for n in names}
    counts = {a.shape[0] for a in feeds.values()}
    if len(counts) != 1:
        raise CompileError(f"inputs have different numbers of samples: {sorted(counts)}")
    return feeds
