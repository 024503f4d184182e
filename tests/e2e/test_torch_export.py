"""PyTorch → ONNX → proof (runs only where the optional torch extra is installed:
pip install torch==2.13.0)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")

from tensorproof import api  # noqa: E402
from tensorproof.frontend import export_torch  # noqa: E402


def test_exported_cnn_with_batchnorm_proves_and_matches_torch(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 10)).eval()
    x = torch.rand(16, 1, 8, 8)
    path = tmp_path / "net.onnx"
    export_torch(net, x[:1], path)
    model = api.compile(path, x.numpy())
    pk = api.setup(model)
    result = api.verify(pk.vk, api.prove(pk, x.numpy()[:4]))
    (out,) = result.values.values()
    ref = net(x[:4]).detach().numpy()
    assert np.abs(out - ref).max() < 0.05 * np.abs(ref).max()
    assert (out.argmax(1) == ref.argmax(1)).all()
