"""Transcript test doubles shared by the kernel tests: the fused numba paths run only for a plain
``ProverTranscript``, so these force the Python path or record what is sent through it."""

from __future__ import annotations

from tensorproof.transcript import ProverTranscript


class Relay:
    """A transcript that is not a ProverTranscript (it forwards every call): the provers then
    take their Python path, one kernel call per round or layer."""

    def __init__(self, inner: ProverTranscript) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)


class Watching(ProverTranscript):
    """A ProverTranscript subclass that records the label of every message sent."""

    def __init__(self, domain: bytes) -> None:
        super().__init__(domain)
        self.labels: list[str] = []

    def send_bytes(self, label, data):
        self.labels.append(label)
        super().send_bytes(label, data)
