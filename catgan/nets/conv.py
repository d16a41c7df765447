"""Convolutional generator and discriminator of the CatGAN paper (Springenberg 2016, section 3.4 and
the appendix tables), for images of shape (C, H, W) such as MNIST (1, 28, 28) or CIFAR-10 (3, 32, 32).

Discriminator (MNIST widths ``(32, 64, 64, 128)``; ``(96, 192, 192, 192)`` is a wider CIFAR-10 variant):

    noise -> conv5x5-w0 -> max-pool 3/2 -> noise -> conv3x3-w1 -> conv3x3-w2 -> max-pool 3/2
          -> noise -> conv3x3-w3 -> global average pool = features(x) (B, w3) -> head: K logits

each conv followed by batch norm (optional) and leaky ReLU 0.1, Gaussian noise in training mode. The
paper's last layers are a 1x1 convolution to K maps and a global average pool. A 1x1 convolution is a
linear map per position, so it commutes with the average: ``mean_hw(W h_hw + b) = W mean_hw(h) + b``.
The head is therefore a Linear layer on the pooled features, which computes exactly the same logits and
gives ImprovedGAN's feature matching a ``features(x)`` with ``forward(x) == head(features(x))``.

Generator: z -> fc to (s x s x 96) -> upsample x2 -> conv5x5-64 -> upsample x2 -> conv5x5-64
-> conv5x5-C -> sigmoid, batch norm after the fc and the hidden convs, ReLU; ``s = ceil(H / 4)`` (7 for
28, 8 for 32) and the 4s x 4s output is center-cropped to (H, W) when larger.

Factories as in catgan/modules/base.py: ``ConvGenerator(latent_dim, out_shape, **kw)`` and
``ConvDiscriminator(in_shape, num_outputs, **kw)``.
"""

from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import torch
from torch import Tensor, nn

from catgan.nets.layers import GaussianNoise


def _image_shape(shape: Sequence[int], who: str, arg: str) -> Tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        raise ValueError(
            f"{who} needs images of shape (C, H, W), got {arg}={shape}: set the data module's "
            f"flatten: false (conv nets need the 2-D layout), or use the MLP networks."
        )
    return shape  # type: ignore[return-value]


class ConvDiscriminator(nn.Module):
    """The CatGAN conv discriminator (see the module docstring); ``features(x)`` is the pooled (B, widths[-1]).

    Args:
        in_shape: shape (C, H, W) of one input image.
        num_outputs: number of outputs (class logits, or 1 score).
        widths: channels of the four conv layers.
        noise_std: std of the Gaussian noise on the input and after each max-pool (training mode).
        input_noise_std: std of the noise on the input; None: ``noise_std``.
        batch_norm: batch norm after each conv (which then has no bias).
        negative_slope: the leaky ReLU's slope.
        channels_last: weights and inputs in NHWC memory layout (the same function; faster convolutions on CPU).
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        num_outputs: int,
        widths: Sequence[int] = (32, 64, 64, 128),
        noise_std: float = 0.3,
        input_noise_std: float | None = None,
        batch_norm: bool = True,
        negative_slope: float = 0.1,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        self.in_shape = _image_shape(in_shape, "ConvDiscriminator", "in_shape")
        if len(widths) != 4:
            raise ValueError(
                f"ConvDiscriminator: widths gives the channels of its 4 conv layers "
                f"(conv5x5, conv3x3, conv3x3, conv3x3), got {tuple(widths)}."
            )
        if min(self.in_shape[1:]) < 7:
            raise ValueError(
                f"ConvDiscriminator: images of {self.in_shape[1:]} pixels are too small for its two "
                f"3/2 max-pools; use at least 7x7, or the MLP networks."
            )
        self.num_outputs = int(num_outputs)
        first_noise = noise_std if input_noise_std is None else input_noise_std

        def conv(c_in: int, c_out: int, k: int) -> List[nn.Module]:
            layers: List[nn.Module] = [nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=not batch_norm)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(c_out))
            return layers + [nn.LeakyReLU(negative_slope)]

        w0, w1, w2, w3 = (int(w) for w in widths)
        self.body = nn.Sequential(
            GaussianNoise(first_noise),
            *conv(self.in_shape[0], w0, 5),
            nn.MaxPool2d(3, 2),
            GaussianNoise(noise_std),
            *conv(w0, w1, 3),
            *conv(w1, w2, 3),
            nn.MaxPool2d(3, 2),
            GaussianNoise(noise_std),
            *conv(w2, w3, 3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        # == conv1x1-K followed by global average pooling (both linear, so they commute)
        self.head = nn.Linear(w3, self.num_outputs)
        self.channels_last = bool(channels_last)
        if self.channels_last:  # the same function; oneDNN's convolutions are faster in NHWC on CPU (docs, "Speed")
            self.to(memory_format=torch.channels_last)

    def features(self, x: Tensor) -> Tensor:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return self.body(x)  # (B, widths[-1])

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))  # (B, num_outputs)


class ConvGenerator(nn.Module):
    """The CatGAN conv generator (see the module docstring): z (B, latent_dim) -> (B, C, H, W).

    Args:
        latent_dim: size of the input noise z.
        out_shape: shape (C, H, W) of one generated image.
        base_channels: channels of the fc layer's s x s maps.
        hidden_channels: channels of the two upsampled conv5x5 layers.
        batch_norm: batch norm after the fc layer and the hidden convs.
        output: the last nonlinearity: ``sigmoid``, ``tanh`` or ``identity``.
    """

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        base_channels: int = 96,
        hidden_channels: Sequence[int] = (64, 64),
        batch_norm: bool = True,
        output: str = "sigmoid",
    ) -> None:
        super().__init__()
        outputs = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}
        if output not in outputs:
            raise ValueError(f"ConvGenerator: unknown output {output!r}; choose one of {sorted(outputs)}.")
        if len(hidden_channels) != 2:
            raise ValueError(
                f"ConvGenerator: hidden_channels gives the channels of its 2 upsampled conv5x5 "
                f"layers, got {tuple(hidden_channels)}."
            )
        self.latent_dim = int(latent_dim)
        self.out_shape = _image_shape(out_shape, "ConvGenerator", "out_shape")
        channels, height, width = self.out_shape
        self.start = (math.ceil(height / 4), math.ceil(width / 4))  # (7, 7) for 28x28, (8, 8) for 32x32
        self.base_channels = int(base_channels)

        def norm(c: int, dim: int = 2) -> List[nn.Module]:
            if not batch_norm:
                return []
            return [nn.BatchNorm1d(c) if dim == 1 else nn.BatchNorm2d(c)]

        fc_out = self.base_channels * self.start[0] * self.start[1]
        self.fc = nn.Sequential(nn.Linear(self.latent_dim, fc_out, bias=not batch_norm), *norm(fc_out, 1), nn.ReLU())
        h1, h2 = (int(c) for c in hidden_channels)
        self.convs = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(self.base_channels, h1, 5, padding=2, bias=not batch_norm),
            *norm(h1),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(h1, h2, 5, padding=2, bias=not batch_norm),
            *norm(h2),
            nn.ReLU(),
            nn.Conv2d(h2, channels, 5, padding=2),
            outputs[output](),
        )

    def forward(self, z: Tensor) -> Tensor:
        h = self.fc(z).view(z.shape[0], self.base_channels, *self.start)  # (B, 96, s, s)
        images = self.convs(h)  # (B, C, 4s, 4s)
        _, height, width = self.out_shape
        top, left = (images.shape[-2] - height) // 2, (images.shape[-1] - width) // 2
        return images[:, :, top : top + height, left : left + width]  # (B, C, H, W)
