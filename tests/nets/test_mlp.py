"""MLP networks and their layers: shapes, noise only in training, frozen batch-norm statistics."""

import pytest
import torch
from torch import nn

from catgan.nets import GaussianNoise, MLPDiscriminator, MLPGenerator, frozen_batch_norm_stats


def test_gaussian_noise_only_in_training():
    layer = GaussianNoise(0.5)
    x = torch.zeros(1000, 4)
    assert 0.45 < layer.train()(x).std() < 0.55
    assert torch.equal(layer.eval()(x), x)


def test_frozen_batch_norm_stats_normalizes_but_does_not_update():
    bn = nn.BatchNorm1d(3).train()
    x = torch.randn(32, 3) * 4 + 7
    with frozen_batch_norm_stats(bn):
        y = bn(x)
    assert torch.allclose(y.mean(0), torch.zeros(3), atol=1e-5)  # batch statistics were used
    assert torch.equal(bn.running_mean, torch.zeros(3)) and bn.num_batches_tracked.item() == 0
    bn(x)  # outside the block the statistics move again
    assert bn.running_mean.abs().sum() > 0 and bn.track_running_stats


def test_mlp_shapes_and_features():
    d = MLPDiscriminator((1, 8, 8), 10, hidden=(32, 16), batch_norm=True).eval()
    x = torch.rand(5, 1, 8, 8)
    assert d(x).shape == (5, 10) and d.features(x).shape == (5, 16)
    assert torch.equal(d.head(d.features(x)), d(x))
    g = MLPGenerator(12, (1, 8, 8), hidden=(32,))
    out = g(torch.rand(5, 12))
    assert out.shape == (5, 1, 8, 8) and 0 <= out.min() and out.max() <= 1
    assert MLPGenerator(2, (2,), output="identity")(torch.randn(3, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match="unknown output"):
        MLPGenerator(2, (2,), output="relu")
