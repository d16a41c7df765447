"""Fully connected generator and discriminator (the permutation-invariant CatGAN family).

Factories: the LightningModules build a generator as ``Generator(latent_dim, out_shape, **init_args)``
and a discriminator as ``Discriminator(in_shape, num_outputs, **init_args)``; any ``nn.Module`` with
those first two arguments plugs in from YAML (``class_path`` + ``init_args``).
"""

from __future__ import annotations

import math
from typing import List, Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import weight_norm as _weight_norm

from catgan.nets.layers import GaussianNoise


def _activation(negative_slope: float) -> nn.Module:
    return nn.LeakyReLU(negative_slope) if negative_slope > 0 else nn.ReLU()


class MLPDiscriminator(nn.Module):
    """Flatten -> [noise -> Linear -> (BN) -> LeakyReLU] * len(hidden) -> noise -> Linear(num_outputs).

    The Gaussian noise layers are active in training mode only. With ``noise_before_norm`` the layout is
    Flatten -> noise -> [Linear -> noise -> (BN) -> LeakyReLU] * len(hidden) -> head noise -> Linear, smayru/catgan's
    MLP (its noise-free output layer: ``head_noise_std=0``); noise before batch norm weakens as the weights grow.
    ``features(x)`` returns the last hidden layer before the head's noise (what a feature-matching G matches).

    Args:
        in_shape: shape of one input example.
        num_outputs: number of outputs (class logits, or 1 score).
        hidden: widths of the hidden layers.
        noise_std: std of the Gaussian noise on the input and every hidden layer's output.
        input_noise_std: std of the noise on the input; None: ``noise_std``.
        batch_norm: batch norm after each hidden Linear (which then has no bias).
        negative_slope: the leaky ReLU's slope (0: ReLU).
        dropout: dropout before each hidden Linear (0: none).
        noise_before_norm: add the hidden layers' noise to each Linear's output, before batch norm.
        head_noise_std: std of the noise on the output layer's input; None: ``noise_std``.
        features_before_activation: ``features(x)`` before the last nonlinearity (after batch norm, if any).

    ``WeightNormMLPDiscriminator`` is the same network with weight-normalized layers (the Improved-GAN port).
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
        noise_before_norm: bool = False,
        head_noise_std: float | None = None,
        features_before_activation: bool = False,
    ) -> None:
        super().__init__()
        if features_before_activation and not hidden:
            raise ValueError("MLPDiscriminator: features_before_activation=True needs hidden layers.")
        self.features_before_activation = bool(features_before_activation)
        self.in_shape = tuple(int(s) for s in in_shape)
        self.num_outputs = int(num_outputs)
        in_features = math.prod(self.in_shape)
        for name, std in (
            ("noise_std", noise_std),
            ("input_noise_std", input_noise_std),
            ("head_noise_std", head_noise_std),
        ):
            if std is not None and std < 0:
                raise ValueError(f"MLPDiscriminator: {name} must be >= 0, got {std}.")
        if not hidden and (noise_before_norm or head_noise_std is not None):
            raise ValueError(
                "MLPDiscriminator: noise_before_norm and head_noise_std need hidden layers (with hidden=() the only "
                "noise is input_noise_std, on the input of the output layer)."
            )
        self.noise_before_norm = bool(noise_before_norm)
        first_noise = noise_std if input_noise_std is None else input_noise_std
        last_noise = noise_std if head_noise_std is None else head_noise_std
        layers: List[nn.Module] = [nn.Flatten()]
        for i, width in enumerate(hidden):
            if i == 0 or not self.noise_before_norm:
                layers.append(GaussianNoise(first_noise if i == 0 else noise_std))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            layers.append(self._linear(in_features, width, bias=not batch_norm))
            if self.noise_before_norm:
                layers.append(GaussianNoise(noise_std))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(_activation(negative_slope))
            in_features = width
        self.body = nn.Sequential(*layers)
        self.head_noise = GaussianNoise(last_noise if hidden else first_noise)
        self.head = self._linear(in_features, self.num_outputs, bias=True)

    def _linear(self, in_features: int, out_features: int, bias: bool) -> nn.Module:
        return nn.Linear(in_features, out_features, bias=bias)

    def features(self, x: Tensor) -> Tensor:
        if self.features_before_activation:
            return self.body[:-1](x)  # (B, hidden[-1]): the last hidden layer's input to its nonlinearity
        return self.body(x)  # (B, hidden[-1]): the last hidden layer, before the head's input noise

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.head_noise(self.body(x)))  # (B, num_outputs)


class WeightNormMLPDiscriminator(MLPDiscriminator):
    """``MLPDiscriminator`` with every Linear layer as w = g * v / ||v|| (Salimans & Kingma 2016,
    ``torch.nn.utils.parametrizations.weight_norm``: parameters ``g`` and ``v`` instead of ``weight``), the
    Improved-GAN discriminator (Salimans et al. 2016, with ``batch_norm=False``, ``negative_slope=0``, noise 0.3 on the
    input and 0.5 after each hidden layer). ``initialize_from_data(x)`` gives each layer's outputs zero mean and unit
    variance on the batch ``x`` (data-dependent init); the adversarial modules call it on the first real batch. The
    other arguments (``hidden``, ``noise_std``, ``batch_norm``, ...) go on to ``MLPDiscriminator``.

    Args:
        in_shape: shape of one input example.
        num_outputs: number of outputs (class logits).
        train_hidden_scale: False keeps the hidden layers' g at their initial values (Improved-GAN's MNIST code).
        direction_std: draw the directions v from N(0, std^2) (Improved-GAN: 0.1); None: ``nn.Linear``'s init.
        scale_init: ``data``: the data-dependent init sets g; ``unit``: every g starts at 1, no data pass.
        data_init_noise: run the data-dependent init with the Gaussian noise on (the official code's init pass).
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        num_outputs: int,
        train_hidden_scale: bool = True,
        direction_std: float | None = None,
        scale_init: str = "data",
        data_init_noise: bool = False,
        **kwargs,
    ) -> None:
        if direction_std is not None and not direction_std > 0:
            raise ValueError(f"WeightNormMLPDiscriminator: direction_std must be > 0 (or None), got {direction_std}.")
        if scale_init not in ("data", "unit"):
            raise ValueError(f"WeightNormMLPDiscriminator: scale_init must be 'data' or 'unit', got {scale_init!r}.")
        if data_init_noise and scale_init != "data":
            raise ValueError(
                "WeightNormMLPDiscriminator: data_init_noise=True needs scale_init='data' (it runs the data-dependent "
                "init with the noise on)."
            )
        self.direction_std, self.scale_init = direction_std, scale_init  # read by _linear while the layers are built
        super().__init__(in_shape, num_outputs, **kwargs)
        self.data_init_noise = bool(data_init_noise)
        if not train_hidden_scale:
            for layer in self.body.modules():
                if isinstance(layer, nn.Linear):
                    layer.parametrizations.weight.original0.requires_grad_(False)  # g: (out_features, 1)

    def _linear(self, in_features: int, out_features: int, bias: bool) -> nn.Module:
        layer = nn.Linear(in_features, out_features, bias=bias)
        if self.direction_std is not None:
            nn.init.normal_(layer.weight, std=self.direction_std)
        layer = _weight_norm(layer)
        if self.scale_init == "unit":
            with torch.no_grad():
                layer.parametrizations.weight.original0.fill_(1.0)  # g = 1: unit-norm rows
        return layer

    @torch.no_grad()
    def initialize_from_data(self, x: Tensor, eps: float = 1e-6) -> None:
        """Data-dependent init (a no-op with ``scale_init="unit"``): layer by layer, rescale g and shift the bias
        so that the layer's outputs on ``x`` (noise off) have zero mean and unit variance per unit. Batch-norm
        layers keep their running statistics. With ``data_init_noise`` the Gaussian noise layers stay on during these passes, as in the official
        Improved-GAN code (its init pass runs with ``deterministic=False``): each layer is standardized on
        noisy inputs, so its scale g comes out smaller and the signal weaker against the noise of the next
        layers (with fixed hidden scales, for the whole run); dropout and batch norm stay in eval mode."""
        if self.scale_init != "data":
            return
        layers = [m for m in self.modules() if isinstance(m, nn.Linear)]
        was_training = self.training
        self.eval()
        if self.data_init_noise:
            for m in self.modules():
                if isinstance(m, GaussianNoise):
                    m.train()
        try:
            for layer in layers:
                seen: List[Tensor] = []
                hook = layer.register_forward_hook(lambda module, inputs, output, seen=seen: seen.append(output))
                try:
                    self(x)
                finally:
                    hook.remove()
                out = seen[0].float()  # (B, out_features)
                mean, std = out.mean(dim=0), out.std(dim=0, unbiased=False) + eps  # (out_features,)
                g = layer.parametrizations.weight.original0  # (out_features, 1)
                g.div_(std.unsqueeze(1))
                if layer.bias is not None:
                    layer.bias.sub_(mean).div_(std)
        finally:
            self.train(was_training)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> [Linear -> (BN) -> ReLU] * len(hidden) -> Linear -> sigmoid -> (B, *out_shape).

    Improved-GAN's MNIST generator is ``activation="softplus"``, ``output_weight_norm``, ``batch_norm_scale=False``
    and ``weight_init="glorot"`` (Lasagne's ``DenseLayer`` default; with ``output_weight_norm`` only the output layer's
    direction is drawn, its rows then rescaled to unit norm).

    Args:
        latent_dim: size of the input noise z.
        out_shape: shape of one generated example.
        hidden: widths of the hidden layers.
        batch_norm: batch norm after each hidden Linear (which then has no bias).
        output: the last nonlinearity: ``sigmoid`` ([0, 1]), ``tanh`` ([-1, 1]), ``identity`` or ``softplus`` (>= 0).
        activation: the hidden nonlinearity: ``relu`` or ``softplus``.
        output_weight_norm: weight normalization on the output layer, unit-norm rows to start.
        batch_norm_scale: False keeps each batch norm's scale at 1 (only the shift trains).
        weight_init: ``torch`` (``nn.Linear``'s) or ``glorot`` (uniform, zero biases) for every Linear.
    """

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        hidden: Sequence[int] = (256, 256),
        batch_norm: bool = True,
        output: str = "sigmoid",
        activation: str = "relu",
        output_weight_norm: bool = False,
        batch_norm_scale: bool = True,
        weight_init: str = "torch",
    ) -> None:
        super().__init__()
        if not batch_norm_scale and not batch_norm:
            raise ValueError(
                "MLPGenerator: batch_norm_scale=False needs batch_norm=True (it freezes the batch-norm scale)."
            )
        if weight_init not in ("torch", "glorot"):
            raise ValueError(f"MLPGenerator: weight_init must be 'torch' or 'glorot', got {weight_init!r}.")
        outputs = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity, "softplus": nn.Softplus}
        activations = {"relu": nn.ReLU, "softplus": nn.Softplus}
        if output not in outputs:
            raise ValueError(f"MLPGenerator: unknown output {output!r}; choose one of {sorted(outputs)}.")
        if activation not in activations:
            raise ValueError(f"MLPGenerator: unknown activation {activation!r}; choose one of {sorted(activations)}.")
        self.latent_dim = int(latent_dim)
        self.out_shape = tuple(int(s) for s in out_shape)
        layers: List[nn.Module] = []
        in_features = self.latent_dim
        for width in hidden:
            layers.append(nn.Linear(in_features, width, bias=not batch_norm))
            if batch_norm:
                norm = nn.BatchNorm1d(width)
                norm.weight.requires_grad_(batch_norm_scale)  # frozen at 1: a shift-only batch norm
                layers.append(norm)
            layers.append(activations[activation]())
            in_features = width
        last = nn.Linear(in_features, math.prod(self.out_shape))
        if weight_init == "glorot":
            for layer in [m for m in layers if isinstance(m, nn.Linear)] + [last]:
                nn.init.xavier_uniform_(layer.weight)
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
        if output_weight_norm:
            last = _weight_norm(last)
            with torch.no_grad():  # g = 1: unit-norm rows to start, as Improved-GAN's l2normalize (W_scale = 1)
                last.parametrizations.weight.original0.fill_(1.0)
        layers += [last, outputs[output]()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(z.shape[0], *self.out_shape)  # (B, *out_shape)
