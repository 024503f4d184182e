"""A cache of the verifying keys that passed their checks, so that a warm `tensorproof verify`
skips the weight certificate's verification (issue 10).

Loading a key (keys.check_key) validates its structure (a few ms) and verifies its weight range
certificate (about as long as verifying a small proof). Both are deterministic functions of the
key file's bytes and of the verifier's code, so their *positive* outcome is recorded, as an
empty marker file, under a name that binds all of them:

    sha256(DOMAIN ‖ code digest ‖ sha256(key file bytes))

and a later load of the same bytes skips the certificate (the structure is still checked).
The code digest (code_digest) is the SHA-256 of the tensorproof version, of the Python, numpy
and pycryptodome versions, and of the source of every module the key checks can run: the whole
package but the layers above the verifier (api, cli, frontend, quant, prover, which the
import-linter contracts keep out of it). Any change to the key's bytes (one byte is enough), to
that code or to a version makes another name, so the full check runs again. Only successes are
recorded; a key that fails is checked in full on every load.

Trust model. An entry means "these exact key bytes passed check_key". Whoever can create a file
in the cache folder can make this user's `tensorproof verify` accept a key whose certificate was
never checked, but only the key file whose SHA-256 names the entry (an entry, forged or not,
never applies to other bytes), and the proof itself is always verified in full. The cache is
therefore as trusted as the user's own files (whoever can write there can as well edit the
user's PATH, shell start-up files or user-installed packages): keep it in a folder only you can
write, or disable it.

Folder: ``$TENSORPROOF_CACHE_DIR``, else ``$XDG_CACHE_HOME/tensorproof``, else
``~/.cache/tensorproof``; entries in its ``verified-keys`` subfolder. ``TENSORPROOF_NO_CACHE=1``
(any value but empty or ``0``) disables the cache: neither read nor written. Any failure to read
or write it (a read-only home, a full disk, a path that is a file) is ignored: the key is then
checked in full. Writes are atomic (a unique temporary name, then os.replace).

The cache is used by the command line only (`tensorproof verify`, ``--no-cache`` to skip it):
``VerifyingKey.from_bytes`` and ``tensorproof.api.load_vk`` always check in full, and a library
call never writes to the user's home.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys

from .keys import VerifyingKey

DOMAIN = b"tensorproof/verified-key/v1"
ENV_DIR = "TENSORPROOF_CACHE_DIR"
ENV_OFF = "TENSORPROOF_NO_CACHE"
SUBDIR = "verified-keys"
UNHASHED = frozenset({"api", "cli", "frontend", "quant", "prover", "__pycache__"})
"""Subpackages outside the code digest: the layers above the verifier (and bytecode)."""

_code_digest: bytes | None = None


def enabled() -> bool:
    """False when ``TENSORPROOF_NO_CACHE`` is set to anything but empty or ``0``."""
    return os.environ.get(ENV_OFF, "") in ("", "0")


def cache_dir() -> str | None:
    """The cache folder (see the module docstring), or None when no home can be found."""
    d = os.environ.get(ENV_DIR)
    if d:
        return d
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "tensorproof")
    home = os.path.expanduser("~")
    if home == "~" or not os.path.isabs(home):
        return None
    return os.path.join(home, ".cache", "tensorproof")


def code_digest() -> bytes:
    """SHA-256 of the key checks' code (every ``.py`` of the package but UNHASHED's, by path)
    and of the versions of Python, numpy and pycryptodome; OSError if the sources are absent."""
    global _code_digest
    if _code_digest is None:
        import numpy
        from Crypto import __version__ as crypto_version

        from .. import __version__

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = hashlib.sha256(DOMAIN)
        for part in (__version__, sys.version, numpy.__version__, crypto_version):
            h.update(f"{part}\0".encode())
        files = sorted(_sources(root, ""))
        if not files:
            raise OSError("the package's sources are not readable")
        for rel in files:
            with open(os.path.join(root, rel), "rb") as f:
                src = f.read()
            h.update(f"{rel}\0{len(src)}\0".encode())
            h.update(src)
        _code_digest = h.digest()
    return _code_digest


def _sources(root: str, rel: str) -> list[str]:
    """The ``.py`` files under root/rel (relative paths with "/"), UNHASHED's left out."""
    out = []
    with os.scandir(os.path.join(root, rel)) as it:
        for e in it:
            path = f"{rel}/{e.name}" if rel else e.name
            if e.is_dir():
                if e.name not in UNHASHED:
                    out += _sources(root, path)
            elif e.name.endswith(".py"):
                out.append(path)
    return out


def entry_name(data: bytes) -> str:
    """The cache entry's file name for a key file's bytes (64 hex digits)."""
    h = hashlib.sha256(DOMAIN)
    h.update(b"\0" + code_digest())
    h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def entry_path(data: bytes) -> str | None:
    """Where the entry of these key bytes lives, or None when the cache is off or unusable."""
    if not enabled():
        return None
    try:
        d = cache_dir()
        return None if d is None else os.path.join(d, SUBDIR, entry_name(data))
    except (OSError, ValueError):
        return None


def is_verified(path: str) -> bool:
    """Whether the entry exists (a regular file); False on any error."""
    try:
        return os.path.isfile(path)
    except (OSError, ValueError):
        return False


def mark_verified(path: str) -> None:
    """Create the (empty) entry atomically; every failure is ignored."""
    tmp = f"{path}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(tmp, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError):
            os.unlink(tmp)


def load_key(data: bytes, use_cache: bool = True) -> VerifyingKey:
    """``VerifyingKey.from_bytes(data)``: the same key and the same errors, except that the weight
    certificate's verification is skipped when the cache records that these exact bytes passed
    all the key checks before (which are recorded when they pass); ``use_cache=False`` or
    ``TENSORPROOF_NO_CACHE`` check in full. See the module docstring for the trust model."""
    path = entry_path(data) if use_cache and isinstance(data, bytes) else None
    if path is not None and is_verified(path):
        return VerifyingKey.from_bytes(data, check_certificate=False)
    vk = VerifyingKey.from_bytes(data)
    if path is not None:
        mark_verified(path)
    return vk
