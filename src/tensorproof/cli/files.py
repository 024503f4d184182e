"""Output files of the commands: checked before any work, written all or nothing.

- :func:`check_outputs`: every output's folder exists and takes a new file (probed), no output is
  a folder, two outputs are never one file, and no output is one of the command's inputs.
- :func:`existing_model_id`, :func:`check_same_model`: overwriting the artifacts of a *different*
  model needs ``--force``, since proofs made for that model would silently stop verifying. The
  model is told by the model id of the .vk already there, else of the .tpk's key; a lone .tpm
  counts as another model when its bytes differ (compilation is deterministic).
- :func:`write_all`: every file goes to a temporary in its folder first; only when all are
  written are they renamed over their targets (any failure removes the temporaries and puts back
  what was renamed already).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..errors import OutputConflictError, OutputPathError


def _same(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: dict[str, Path], inputs: dict[str, Path]) -> None:
    """OutputPathError (one line) unless every output (label → path) can be written;
    OutputConflictError if two are the same file or one is an input (label → path)."""
    for what, p in outputs.items():
        if p.is_dir():
            raise OutputPathError(f"{what} {str(p)!r} is a folder: give a file name")
        folder = p.parent
        if not folder.exists():
            raise OutputPathError(f"cannot write {what} {str(p)!r}: folder {str(folder)!r} does "
                                  "not exist")
        if not folder.is_dir():
            raise OutputPathError(f"cannot write {what} {str(p)!r}: {str(folder)!r} is not a "
                                  "folder")
        try:
            fd, probe = tempfile.mkstemp(prefix=".tensorproof-probe-", dir=folder)
        except OSError as e:
            raise OutputPathError(f"cannot write {what} {str(p)!r} in folder {str(folder)!r}: "
                                  f"{e.strerror}") from None
        os.close(fd)
        os.unlink(probe)
    items = list(outputs.items())
    for i, (what, p) in enumerate(items):
        for other, q in items[:i]:
            if _same(p, q):
                raise OutputConflictError(f"the {other} and the {what} would both be written to "
                                      f"{str(p)!r}: choose another output name")
        for src, q in inputs.items():
            if _same(p, q):
                raise OutputConflictError(f"the {what} would overwrite the {src} {str(q)!r}: "
                                      "choose another output name")


def check_kinds(files: dict[Path, tuple[str, bytes]], force: bool) -> None:
    """OutputConflictError if a file to be overwritten (path → (what, magic bytes)) is not a
    tensorproof file of that kind, unless ``force``."""
    for path, (what, magic) in files.items():
        if force or not path.is_file():
            continue
        try:
            with open(path, "rb") as f:
                head = f.read(len(magic))
        except OSError as e:
            raise OutputPathError(f"cannot read {str(path)!r}: {e.strerror}") from None
        if head != magic:
            raise OutputConflictError(f"{str(path)!r} exists and is not a tensorproof {what}: "
                                  "use --force to overwrite it")


def existing_model_id(vk_path: Path, force: bool, pk_path: Path | None = None
                      ) -> tuple[Path, bytes] | None:
    """(file, model id) of the model whose artifacts are already there: the .vk at ``vk_path``,
    else the key inside the .tpk at ``pk_path`` (None if neither exists, or with ``force``);
    OutputConflictError if such a file cannot be read as what it claims to be."""
    if force:
        return None
    from .. import api

    for path, load, what in ((vk_path, api.load_vk, "verifying key"),
                             (pk_path, lambda p: api.load_pk(p).vk, "proving key")):
        if path is None or not path.exists():
            continue
        try:
            return path, load(path).model_id
        except Exception:  # noqa: BLE001 (any unreadable file: refuse to overwrite it)
            raise OutputConflictError(f"{str(path)!r} exists and is not a readable {what}: "
                                      "use --force to overwrite it") from None
    return None


def check_same_model(old: tuple[Path, bytes] | None, new_id: bytes) -> None:
    """OutputConflictError if ``old`` (from :func:`existing_model_id`) is another model."""
    if old is not None and old[1] != new_id:
        path, old_id = old
        raise OutputConflictError(
            f"{str(path)!r} belongs to another model (model id {old_id.hex()[:16]}…, this one "
            f"{new_id.hex()[:16]}…): proofs made for it would stop verifying; use --force to "
            "overwrite, or -o another name")


def check_same_bytes(path: Path, data: bytes, force: bool) -> None:
    """OutputConflictError if ``path`` holds other bytes than ``data`` (a compiled model of
    another model: compilation is deterministic), unless ``force``."""
    if force or not path.is_file() or path.stat().st_size == len(data) and \
            path.read_bytes() == data:
        return
    raise OutputConflictError(f"{str(path)!r} holds another compiled model: use --force to "
                              "overwrite it, or -o another name")


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file, or none (module docstring); OutputPathError on failure."""
    umask = os.umask(0)
    os.umask(umask)
    temps: dict[Path, str] = {}
    backups: dict[Path, str] = {}
    done: list[Path] = []
    current = next(iter(files), Path("."))
    try:
        for path, data in files.items():
            current = path
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps[path] = tmp
            os.fchmod(fd, 0o666 & ~umask)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        for path, tmp in temps.items():
            current = path
            if path.exists():
                with contextlib.suppress(OSError):  # no hard links here: no way back
                    os.link(path, tmp + ".old")
                    backups[path] = tmp + ".old"
            os.replace(tmp, path)
            done.append(path)
    except BaseException as e:
        for path in done:  # put back what was replaced, remove what was new
            with contextlib.suppress(OSError):
                if path in backups:
                    os.replace(backups.pop(path), path)
                else:
                    path.unlink()
        for tmp in [*temps.values(), *backups.values()]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if not isinstance(e, OSError):
            raise
        raise OutputPathError(f"cannot write {str(current)!r}: "
                              f"{e.strerror or type(e).__name__}; nothing was written") from None
    for backup in backups.values():
        with contextlib.suppress(OSError):
            os.unlink(backup)
