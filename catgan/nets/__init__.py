"""Generators and discriminators, apart from the training code."""

from catgan.nets.conv import ConvDiscriminator, ConvGenerator
from catgan.nets.layers import GaussianNoise, frozen_batch_norm_stats, noise_layers_off
from catgan.nets.mlp import MLPDiscriminator, MLPGenerator, WeightNormMLPDiscriminator

__all__ = [
    "ConvDiscriminator",
    "ConvGenerator",
    "GaussianNoise",
    "MLPDiscriminator",
    "MLPGenerator",
    "frozen_batch_norm_stats",
    "noise_layers_off",
    "WeightNormMLPDiscriminator",
]
