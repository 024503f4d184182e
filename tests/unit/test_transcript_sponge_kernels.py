"""The numba mirror of the transcript's records (transcript/sponge_kernels.py) chains the same
states and draws the same challenges as the Python transcript, for every label length and
message size around the Keccak rate."""

from __future__ import annotations

import numpy as np
import pytest

from tensorproof.field.params import P
from tensorproof.transcript import ProverTranscript, VerifierTranscript
from tensorproof.transcript.sponge_kernels import sponge_draw_f, sponge_message


def _arr(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8).copy()


@pytest.mark.parametrize("label_len", [1, 7, 60, 95, 96, 97, 140])
@pytest.mark.parametrize("words", [0, 1, 4, 12, 13, 40])
def test_message_records_match_the_transcript(label_len, words):
    rng = np.random.default_rng(label_len * 100 + words)
    t = ProverTranscript(b"tensorproof/test/sponge")
    state = np.frombuffer(t.state, dtype=np.uint8).copy()
    scratch = np.empty(64 + label_len + 8 * words, dtype=np.uint8)
    label = "m" * label_len
    data = rng.integers(0, P, words, dtype=np.uint64)
    t.send_f(label, data)
    sponge_message(state, _arr(label), data, scratch)
    assert state.tobytes() == t.state


@pytest.mark.parametrize("label_len", [1, 9, 95, 96, 97])
@pytest.mark.parametrize("m", [0, 1, 2, 3, 7])
def test_draws_match_the_transcript(label_len, m):
    t = ProverTranscript(b"tensorproof/test/sponge")
    t.absorb_bytes("statement", bytes(range(label_len)))
    state = np.frombuffer(t.state, dtype=np.uint8).copy()
    label = "c" * label_len
    out = np.empty(m, dtype=np.uint64)
    sponge_draw_f(state, _arr(label), out, np.empty(64 + label_len, dtype=np.uint8))
    assert out.tolist() == t.challenges_f(label, m)
    assert state.tobytes() == t.state


def test_external_records_are_what_the_verifier_reads():
    """A prover that chains records in numba and hands them over (append_external) writes a
    proof the verifier's transcript replays to the same state and challenges."""
    rng = np.random.default_rng(5)
    pt = ProverTranscript(b"tensorproof/test/sponge")
    pt.send_k("before", [(1, 2)], 2)
    state = np.frombuffer(pt.state, dtype=np.uint8).copy()
    scratch = np.empty(256, dtype=np.uint8)
    msgs, draws = [], []
    for i in range(5):
        data = rng.integers(0, P, 6, dtype=np.uint64)
        sponge_message(state, _arr(f"round{i}"), data, scratch)
        out = np.empty(2, dtype=np.uint64)
        sponge_draw_f(state, _arr(f"r{i}"), out, scratch)
        msgs.append(data)
        draws.append(out.tolist())
    pt.append_external(state.tobytes(), np.concatenate(msgs).astype(">u8").tobytes())
    pt.send_k("after", [(3, 4)], 2)
    vt = VerifierTranscript(b"tensorproof/test/sponge", pt.proof_bytes())
    vt.recv_k("before", 1, 2)
    for i in range(5):
        assert vt.recv_f(f"round{i}", 6) == msgs[i].tolist()
        assert vt.challenges_f(f"r{i}", 2) == draws[i]
    assert vt.recv_k("after", 1, 2) == [(3, 4)]
    vt.check_eof()
    assert vt.state == pt.state


def test_append_external_rejects_a_malformed_state():
    with pytest.raises(ValueError):
        ProverTranscript(b"d").append_external(b"\x00" * 31, b"")
