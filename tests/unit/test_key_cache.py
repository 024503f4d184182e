"""The cache of verifying keys that passed their checks (verifier/key_cache.py, issue 10).

A hit skips the weight certificate's verification and gives the same key, hence the same
verification result; any other bytes (one byte is enough) are checked in full, so a bad
certificate is still rejected; TENSORPROOF_NO_CACHE and --no-cache turn it off; a cache that
cannot be written never breaks a verification; an entry (forged or not) applies only to the key
bytes whose digest names it. Every test points the cache at its own tmp_path: nothing is
written to the real home cache.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import tensorproof.api as tp
from graphs import linear_residual_model
from tensorproof.cli import main
from tensorproof.errors import ProofFormatError, VerificationError
from tensorproof.verifier import certificate, key_cache
from tensorproof.verifier.keys import VerifyingKey, decode_vk_file, encode_vk_file

REJECTED = (VerificationError, ProofFormatError)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small model's key file bytes, a proof of it, and a key whose certificate differs from
    the good one's in one byte (the file's checksum recomputed: it reaches the certificate)."""
    d = tmp_path_factory.mktemp("key_cache")
    model, _ = linear_residual_model(seed=5)
    pk = tp.setup(model)
    proof = tp.prove(pk, np.arange(-6, 6).reshape(1, 12), quantized=True)
    tp.save_vk(pk.vk, d / "m.vk")
    tp.save_proof(proof, d / "p.tpp")
    good = (d / "m.vk").read_bytes()
    key_json, cert = decode_vk_file(good)
    bad_cert = bytearray(cert)
    bad_cert[len(cert) // 2] ^= 1
    bad = encode_vk_file(key_json, bytes(bad_cert))
    (d / "bad.vk").write_bytes(bad)
    return {"dir": d, "good": good, "bad": bad, "proof": proof}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder (through TENSORPROOF_CACHE_DIR), enabled."""
    d = tmp_path / "cache"
    monkeypatch.setenv(key_cache.ENV_DIR, str(d))
    monkeypatch.delenv(key_cache.ENV_OFF, raising=False)
    return d


@pytest.fixture
def cert_checks(monkeypatch):
    """Counts the weight certificate verifications (keys.check_key imports it on each call)."""
    calls = []
    real = certificate.verify_certificate

    def counting(vk, data):
        calls.append(vk)
        return real(vk, data)

    monkeypatch.setattr(certificate, "verify_certificate", counting)
    return calls


def _entries(d) -> list[str]:
    sub = d / key_cache.SUBDIR
    return sorted(os.listdir(sub)) if sub.is_dir() else []


def test_a_hit_gives_the_same_key_and_verification_result(files, cache, cert_checks):
    first = key_cache.load_key(files["good"])
    assert len(cert_checks) == 1
    assert _entries(cache) == [key_cache.entry_name(files["good"])]
    assert os.path.getsize(cache / key_cache.SUBDIR / _entries(cache)[0]) == 0
    second = key_cache.load_key(files["good"])
    assert len(cert_checks) == 1, "a hit verified the certificate again"
    full = VerifyingKey.from_bytes(files["good"])
    for vk in (first, second):
        assert vk.to_bytes() == full.to_bytes() and vk.model_id == full.model_id
    want = tp.verify(full, files["proof"])
    got = tp.verify(second, files["proof"])
    assert got.input_hash == want.input_hash
    assert got.ints.keys() == want.ints.keys()
    for name in want.ints:
        np.testing.assert_array_equal(got.ints[name], want.ints[name])


def test_other_bytes_are_checked_in_full_and_a_bad_certificate_is_rejected(files, cache,
                                                                           cert_checks):
    key_cache.load_key(files["good"])  # the good key is cached
    n = len(cert_checks)
    for _ in range(2):  # a failure is never recorded: rejected again, checked in full again
        with pytest.raises(REJECTED):
            key_cache.load_key(files["bad"])
    assert len(cert_checks) == n + 2
    assert _entries(cache) == [key_cache.entry_name(files["good"])]
    flipped = bytearray(files["good"])  # one byte of the file: its checksum no longer holds
    flipped[len(flipped) // 2] ^= 1
    assert key_cache.entry_name(bytes(flipped)) != key_cache.entry_name(files["good"])
    with pytest.raises(ProofFormatError):
        key_cache.load_key(bytes(flipped))


def test_no_cache_env_disables_reading_and_writing(files, cache, cert_checks, monkeypatch):
    monkeypatch.setenv(key_cache.ENV_OFF, "1")
    assert not key_cache.enabled() and key_cache.entry_path(files["good"]) is None
    key_cache.load_key(files["good"])
    key_cache.load_key(files["good"])
    assert len(cert_checks) == 2 and _entries(cache) == []
    # an entry already there is not read either: the bad key is checked, and rejected
    (cache / key_cache.SUBDIR).mkdir(parents=True)
    (cache / key_cache.SUBDIR / key_cache.entry_name(files["bad"])).touch()
    with pytest.raises(REJECTED):
        key_cache.load_key(files["bad"])
    for off in ("", "0"):
        monkeypatch.setenv(key_cache.ENV_OFF, off)
        assert key_cache.enabled()


def test_use_cache_false_checks_in_full(files, cache, cert_checks):
    key_cache.load_key(files["good"])
    key_cache.load_key(files["good"], use_cache=False)
    assert len(cert_checks) == 2


def test_an_unwritable_cache_does_not_break_verification(files, tmp_path, monkeypatch,
                                                         cert_checks):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(key_cache.ENV_DIR, str(blocker / "cache"))  # under a file: ENOTDIR
    monkeypatch.delenv(key_cache.ENV_OFF, raising=False)
    assert key_cache.load_key(files["good"]).model_id == tp.load_vk(files["dir"] / "m.vk").model_id
    # a folder that exists, but refuses the write (as a read-only one would, also for root)
    d = tmp_path / "cache"
    monkeypatch.setenv(key_cache.ENV_DIR, str(d))

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(key_cache.os, "replace", refuse)
    key_cache.load_key(files["good"])
    assert os.listdir(d / key_cache.SUBDIR) == []  # no entry, no temporary file left
    with pytest.raises(REJECTED):
        key_cache.load_key(files["bad"])


def test_a_forged_entry_applies_only_to_the_key_that_names_it(files, cache, cert_checks):
    """Trust model (key_cache's docstring): whoever can write the cache can skip the certificate
    check of one key file, the one whose bytes' SHA-256 names the entry; nothing else."""
    sub = cache / key_cache.SUBDIR
    sub.mkdir(parents=True)
    (sub / "junk").write_bytes(b"x")
    (sub / key_cache.entry_name(files["good"])).mkdir()  # a folder is not an entry
    bad2 = bytearray(decode_vk_file(files["bad"])[1])
    bad2[0] ^= 1
    other_bad = encode_vk_file(decode_vk_file(files["bad"])[0], bytes(bad2))
    (sub / key_cache.entry_name(files["bad"])).touch()  # forged for the bad key's digest
    assert key_cache.load_key(files["bad"]).certificate == decode_vk_file(files["bad"])[1]
    assert cert_checks == []  # accepted unchecked: the documented reach of a forged entry
    with pytest.raises(REJECTED):  # other bytes: the entry does not apply
        key_cache.load_key(other_bad)
    with pytest.raises(REJECTED):  # nor to the API, which never reads the cache
        VerifyingKey.from_bytes(files["bad"])
    key_cache.load_key(files["good"])  # the folder named like its entry was not a hit
    assert len(cert_checks) == 3


def test_the_entry_name_binds_the_code_and_the_key(files, monkeypatch):
    name = key_cache.entry_name(files["good"])
    assert len(name) == 64 and name != key_cache.entry_name(files["bad"])
    monkeypatch.setattr(key_cache, "_code_digest", bytes(32))  # other checking code
    assert key_cache.entry_name(files["good"]) != name


def test_the_code_digest_covers_the_verifier_and_not_the_layers_above():
    root = os.path.dirname(os.path.dirname(key_cache.__file__))
    files = key_cache._sources(root, "")
    for path in ("verifier/certificate.py", "verifier/keys.py", "verifier/key_checks.py",
                 "verifier/pcs/ligero.py", "ir/validate.py", "transcript/keccak.py",
                 "field/scalar.py", "poly/mle.py", "errors.py", "__init__.py"):
        assert path in files
    assert not [f for f in files if f.split("/")[0] in key_cache.UNHASHED]
    assert len(key_cache.code_digest()) == 32


def test_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(key_cache.ENV_DIR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert key_cache.cache_dir() == os.path.join(str(tmp_path), ".cache", "tensorproof")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert key_cache.cache_dir() == os.path.join(str(tmp_path), ".cache", "tensorproof")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert key_cache.cache_dir() == str(tmp_path / "xdg" / "tensorproof")
    monkeypatch.setenv(key_cache.ENV_DIR, str(tmp_path / "mine"))
    assert key_cache.cache_dir() == str(tmp_path / "mine")


# --- the command line -----------------------------------------------------------------------


def _verify(capsys, *args) -> tuple[int, str, str]:
    try:
        main(["verify", *map(str, args)])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_verify_twice_is_the_same_and_no_cache_checks_in_full(files, cache, cert_checks,
                                                                  capsys):
    d = files["dir"]
    first = _verify(capsys, d / "m.vk", d / "p.tpp", "--json")
    second = _verify(capsys, d / "m.vk", d / "p.tpp", "--json")
    assert first[0] == second[0] == 0 and len(cert_checks) == 1
    strip = [ln for ln in first[1].splitlines() if '"verify":' not in ln]
    assert strip == [ln for ln in second[1].splitlines() if '"verify":' not in ln]
    assert _verify(capsys, d / "m.vk", d / "p.tpp", "--no-cache")[0] == 0
    assert len(cert_checks) == 2
    code, out, err = _verify(capsys, d / "bad.vk", d / "p.tpp")
    assert code != 0 and "verified" not in out and err.count("\n") == 1
    assert _entries(cache) == [key_cache.entry_name(files["good"])]


def test_cli_help_documents_the_cache(capsys):
    code, out, _ = _verify(capsys, "--help")
    text = " ".join(out.split())
    assert code == 0
    assert "--no-cache" in text and "TENSORPROOF_NO_CACHE=1" in text
    assert "TENSORPROOF_CACHE_DIR" in text


def test_real_command_with_an_unwritable_cache(files, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {**os.environ, key_cache.ENV_DIR: str(blocker / "cache")}
    env.pop(key_cache.ENV_OFF, None)
    d = files["dir"]
    out = subprocess.run([sys.executable, "-m", "tensorproof.cli", "verify", str(d / "m.vk"),
                          str(d / "p.tpp")], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0 and "verified" in out.stdout, out.stderr[-2000:]


_CHILD = """
import sys
from tensorproof.cli import main
main(sys.argv[1:])
print("CERTIFICATE", "tensorproof.verifier.certificate" in sys.modules)
"""


def test_a_warm_verify_does_not_load_the_certificate_verifier(files, tmp_path):
    env = {**os.environ, key_cache.ENV_DIR: str(tmp_path / "cache")}
    env.pop(key_cache.ENV_OFF, None)
    d = files["dir"]
    loaded = []
    for _ in range(2):  # cold (the key is checked and recorded), then warm (a hit)
        out = subprocess.run([sys.executable, "-c", _CHILD, "verify", str(d / "m.vk"),
                              str(d / "p.tpp")], capture_output=True, text=True, env=env,
                             timeout=300)
        assert out.returncode == 0 and "verified" in out.stdout, out.stderr[-2000:]
        loaded.append(out.stdout.split("CERTIFICATE ")[-1].strip())
    assert loaded == ["True", "False"]
