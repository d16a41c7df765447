"""Small building blocks shared by the networks and the training loop: Gaussian noise layers, switching noise off,
batch-norm statistic freezing and parameter freezing."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import Tensor, nn


class GaussianNoise(nn.Module):
    """Adds N(0, std^2) noise in training mode only (the regularizer of the CatGAN discriminator)."""

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = float(std)

    def forward(self, x: Tensor) -> Tensor:
        if self.training and self.std > 0:
            return x + self.std * torch.randn_like(x)
        return x

    def extra_repr(self) -> str:
        return f"std={self.std}"


_BATCH_NORMS = (nn.modules.batchnorm._BatchNorm,)


@contextlib.contextmanager
def noise_layers_off(module: nn.Module) -> Iterator[None]:
    """Within the block, the ``GaussianNoise`` and dropout layers of ``module`` are in eval mode (no noise, no
    dropout, no random draws); the rest keeps its mode (batch norm in training mode still normalizes by the batch)."""
    layers = [
        m for m in module.modules() if isinstance(m, (GaussianNoise, nn.modules.dropout._DropoutNd)) and m.training
    ]
    for layer in layers:
        layer.train(False)
    try:
        yield
    finally:
        for layer in layers:
            layer.train(True)


@contextlib.contextmanager
def frozen_batch_norm_stats(module: nn.Module) -> Iterator[None]:
    """Within the block, batch-norm layers of ``module`` still normalize with batch statistics in
    training mode but do not update their running mean/var (nor ``num_batches_tracked``).

    Used for forward passes of generated or labeled batches, so the statistics used at evaluation come
    from real unlabeled data only.
    """
    layers = [m for m in module.modules() if isinstance(m, _BATCH_NORMS) and m.track_running_stats]
    for layer in layers:
        layer.track_running_stats = False
    try:
        yield
    finally:
        for layer in layers:
            layer.track_running_stats = True


def has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


@contextlib.contextmanager
def frozen_parameters(module: nn.Module) -> Iterator[None]:
    """No weight gradients for ``module`` inside the block (gradients still flow through it)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
