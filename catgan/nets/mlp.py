"""Fully connected generator and discriminator (the permutation-invariant CatGAN family).

Factories: the LightningModules build a generator as ``Generator(latent_dim, out_shape, **init_args)``
and a discriminator as ``Discriminator(in_shape, num_outputs, **init_args)``; any ``nn.Module`` with
those first two arguments plugs in from YAML (``class_path`` + ``init_args``).
"""

from __future__ import annotations

import math
from typing import List, Sequence

from torch import Tensor, nn

from catgan.nets.layers import GaussianNoise


def _activation(negative_slope: float) -> nn.Module:
    return nn.LeakyReLU(negative_slope) if negative_slope > 0 else nn.ReLU()


class MLPDiscriminator(nn.Module):
    """Flatten -> [noise -> Linear -> (BN) -> LeakyReLU] * len(hidden) -> noise -> Linear(num_outputs).

    Gaussian noise of ``noise_std`` is added to the input and to every hidden layer's output in
    training mode. ``features(x)`` returns the last hidden layer (for feature matching).
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        num_outputs: int,
        hidden: Sequence[int] = (256, 256),
        noise_std: float = 0.15,
        input_noise_std: float | None = None,
        batch_norm: bool = False,
        negative_slope: float = 0.1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.in_shape = tuple(int(s) for s in in_shape)
        self.num_outputs = int(num_outputs)
        in_features = math.prod(self.in_shape)
        first_noise = noise_std if input_noise_std is None else input_noise_std
        layers: List[nn.Module] = [nn.Flatten()]
        for i, width in enumerate(hidden):
            layers.append(GaussianNoise(first_noise if i == 0 else noise_std))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            layers.append(nn.Linear(in_features, width, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(_activation(negative_slope))
            in_features = width
        layers.append(GaussianNoise(noise_std if hidden else first_noise))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(in_features, self.num_outputs)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)  # (B, hidden[-1])

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))  # (B, num_outputs)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> [Linear -> (BN) -> ReLU] * len(hidden) -> Linear -> sigmoid -> (B, *out_shape).

    ``output`` picks the last nonlinearity: ``sigmoid`` for data in [0, 1], ``tanh`` for [-1, 1],
    ``identity`` for unbounded data such as the 2-D toy sets.
    """

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        hidden: Sequence[int] = (256, 256),
        batch_norm: bool = True,
        output: str = "sigmoid",
    ) -> None:
        super().__init__()
        outputs = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}
        if output not in outputs:
            raise ValueError(f"MLPGenerator: unknown output {output!r}; choose one of {sorted(outputs)}.")
        self.latent_dim = int(latent_dim)
        self.out_shape = tuple(int(s) for s in out_shape)
        layers: List[nn.Module] = []
        in_features = self.latent_dim
        for width in hidden:
            layers.append(nn.Linear(in_features, width, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            in_features = width
        layers += [nn.Linear(in_features, math.prod(self.out_shape)), outputs[output]()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(z.shape[0], *self.out_shape)  # (B, *out_shape)
