"""catgan/modules/checks.py: networks from specs, shapes checked against the data, checkpoints of the right class."""

import pytest
import torch
from torch import nn

from catgan import GAN, CatGAN
from catgan.modules.checks import (
    build_network,
    check_checkpoint_class,
    check_network_shapes,
    model_class_name,
    resolve_image_shape,
)
from catgan.nets import MLPDiscriminator, MLPGenerator


def test_build_network_takes_a_module_a_factory_or_the_default():
    module = nn.Linear(2, 3)
    assert build_network(module, nn.Linear, 5, 7) is module
    built = build_network(nn.Linear, None, 5, 7)
    assert (built.in_features, built.out_features) == (5, 7)
    default = build_network(None, nn.Linear, 4, 1)
    assert (default.in_features, default.out_features) == (4, 1)
    with pytest.raises(TypeError, match="Expected an nn.Module, a factory of one, or None; got int"):
        build_network(3, nn.Linear, 1, 1)


def test_network_shapes_are_checked_without_changing_modes_or_statistics():
    g, d = MLPGenerator(4, (1, 8, 8), hidden=(8,)), MLPDiscriminator((1, 8, 8), 10, hidden=(8,), batch_norm=True)
    stats = [b.clone() for b in d.buffers()]
    check_network_shapes(g, d, 4, (1, 8, 8), 10)
    assert g.training and d.training and all(torch.equal(a, b) for a, b in zip(stats, d.buffers()))
    with pytest.raises(
        ValueError,
        match=r"generator makes examples of shape \(1, 8, 8\) but the data's image_shape "
        r"is \(64,\): build it for the data \(out_shape=\(64,\)\)",
    ):
        check_network_shapes(g, d, 4, (64,), 10)
    with pytest.raises(ValueError, match=r"returns shape \(10,\) per batch of 2, expected \(3,\) .*num_outputs=3"):
        check_network_shapes(None, d, 4, (1, 8, 8), 3)
    with pytest.raises(ValueError, match=r"does not accept examples of the data's image_shape \(1, 9, 9\)"):
        check_network_shapes(None, d, 4, (1, 9, 9), 10)


def test_image_shape_comes_from_the_networks_when_not_given():
    g = MLPGenerator(3, (2, 4, 4), hidden=(8,))
    assert resolve_image_shape(None, g, None, 3) == (2, 4, 4)
    assert resolve_image_shape(None, None, MLPDiscriminator((5,), 2), 3) == (5,)
    assert resolve_image_shape(None, MLPGenerator, None, 3) == (1, 8, 8)  # a factory tells nothing: the digits'
    assert resolve_image_shape([2, 4, 4], g, None, 3) == (2, 4, 4)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 8, 8\) was given .* makes examples of shape \(2, 4, 4\)"):
        resolve_image_shape((1, 8, 8), g, None, 3)
    with pytest.raises(ValueError, match="does not accept latent vectors of latent_dim=5"):
        resolve_image_shape(None, g, None, 5)


def test_a_checkpoint_of_another_class_is_refused_naming_the_loader():
    model = GAN(image_shape=(2,))
    assert model_class_name(model) == model_class_name(GAN) == "catgan.modules.gan.GAN"
    check_checkpoint_class(model, {"catgan_model_class": "catgan.modules.gan.GAN"})
    check_checkpoint_class(model, {})  # a checkpoint without the record is not checked
    with pytest.raises(
        ValueError,
        match="holds a catgan.modules.catgan.CatGAN, not a catgan.modules.gan.GAN: load "
        "it with CatGAN.load_from_checkpoint",
    ):
        check_checkpoint_class(model, {"catgan_model_class": model_class_name(CatGAN(image_shape=(2,)))})
