"""The shared adversarial base: how a discriminator with batch norm sees a step's batches (d_batch_norm)."""

import copy

import pytest
import torch
from torch import nn

import catgan
from catgan import CatGAN, ImprovedGAN
from catgan.nets import MLPDiscriminator, MLPGenerator
from catgan.regularizers import VAT
from tests.modules.test_catgan import one_batch_fit


def bn_model(mode, cls=CatGAN):
    torch.manual_seed(0)
    model = cls(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.0, input_noise_std=0.0, batch_norm=True),
        d_batch_norm=mode,
    )
    return model.train()


def batches():
    g = torch.Generator().manual_seed(1)
    real = torch.randn(8, 2, generator=g)
    fake = torch.randn(8, 2, generator=g) + 5.0  # a different mean: per-batch statistics would hide it
    return real, fake


def bn_stats(module):
    bn = next(m for m in module.modules() if isinstance(m, nn.BatchNorm1d))
    return bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked)


def test_joint_mode_normalizes_real_and_generated_batches_together():
    real, fake = batches()
    joint, separate = bn_model("joint"), bn_model("separate")
    reference = copy.deepcopy(joint.discriminator)
    _, fake_joint = joint.discriminate(real, fake)
    assert torch.allclose(fake_joint, reference(torch.cat([real, fake]))[8:], atol=1e-6)
    _, fake_separate = separate.discriminate(real, fake)
    assert torch.allclose(fake_separate, copy.deepcopy(separate.discriminator)(fake), atol=1e-6)
    # only in joint mode do the generated batch's outputs depend on the real batch beside it
    assert not torch.allclose(joint.discriminate(real + 3.0, fake)[1], fake_joint, atol=1e-3)
    assert torch.allclose(separate.discriminate(real + 3.0, fake)[1], fake_separate, atol=1e-6)


def test_joint_mode_running_statistics_come_from_the_joint_batch():
    real, fake = batches()
    model = bn_model("joint")
    reference = copy.deepcopy(model.discriminator)
    reference(torch.cat([real, fake]))
    model.discriminate(real, fake)
    mean, var, count = bn_stats(model.discriminator)
    ref_mean, ref_var, _ = bn_stats(reference)
    assert count == 1 and torch.allclose(mean, ref_mean) and torch.allclose(var, ref_var)
    separate = bn_model("separate")
    separate.discriminate(real, fake)
    assert not torch.allclose(bn_stats(separate.discriminator)[0], ref_mean, atol=1e-3)  # real only


@pytest.mark.parametrize("mode", ["separate", "joint"])
def test_generator_pass_leaves_running_statistics_and_uses_the_mode(mode):
    real, fake = batches()
    model = bn_model(mode)
    before = bn_stats(model.discriminator)
    _, out = model.discriminate_generated(real, fake)
    _, out_shifted_real = model.discriminate_generated(real + 3.0, fake)
    after = bn_stats(model.discriminator)
    assert after[2] == before[2] and torch.equal(after[0], before[0])  # frozen in the G step
    assert torch.allclose(out, out_shifted_real, atol=1e-6) == (mode == "separate")


def test_improved_gan_feature_matching_uses_joint_features():
    real, fake = batches()
    model = bn_model("joint", cls=ImprovedGAN)
    reference = copy.deepcopy(model.discriminator)
    fake = fake.clone().requires_grad_(True)  # stands for G's output
    for p in model.discriminator.parameters():
        p.requires_grad_(False)  # as the base loop's G step does
    features_real, features_fake = model.discriminate_generated(real, fake, features=True, with_real=True)
    expected = reference.features(torch.cat([real, fake]))
    assert torch.allclose(features_real, expected[:8], atol=1e-6)
    assert torch.allclose(features_fake, expected[8:], atol=1e-6)
    assert not features_real.requires_grad  # no gradient through the real half
    features_fake.sum().backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0  # the gradient reaches the generated batch


def test_unknown_batch_norm_mode_is_refused():
    with pytest.raises(ValueError, match="d_batch_norm must be one of"):
        bn_model("shared")


@pytest.mark.parametrize("cls", [CatGAN, ImprovedGAN, catgan.GAN])
def test_fused_adam_uses_the_fused_kernel_and_makes_the_same_step(cls):
    """``fused_adam`` reaches both optimizers, and three steps equal the default kernel's up to float rounding."""
    params = {}
    for fused in (False, True):
        torch.manual_seed(0)
        model = cls(image_shape=(2,), latent_dim=4, lr_d=1e-2, lr_g=1e-2, fused_adam=fused)
        optimizers = model.configure_optimizers()
        assert [bool(opt.defaults["fused"]) for opt in optimizers] == [fused, fused]
        assert model.hparams.fused_adam is fused
        net = model.discriminator
        before = [p.detach().clone() for p in net.parameters()]
        for step in range(3):
            optimizers[0].zero_grad()
            x = torch.randn(8, 2, generator=torch.Generator().manual_seed(step))
            net(x).pow(2).mean().backward()
            optimizers[0].step()
        params[fused] = [p.detach().clone() for p in net.parameters()]
        assert any(not torch.equal(a, b) for a, b in zip(before, params[fused]))  # the step moved D
    for a, b in zip(params[False], params[True]):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def vat_model(vat_weight, cls=CatGAN):
    torch.manual_seed(0)
    return cls(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        lr_d=1e-2,
        lr_g=1e-2,
        d_regularizers=[VAT(weight=vat_weight, eps=0.5)],
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.5, input_noise_std=0.5, batch_norm=True),
    ).train()


def one_step(model, real):
    torch.manual_seed(5)
    return one_batch_fit(model, {"unlabeled": real})


@pytest.mark.parametrize("cls", [CatGAN, ImprovedGAN])
def test_vat_term_changes_the_d_update_but_not_the_running_statistics(cls):
    """``VAT`` in ``d_regularizers`` adds its term to D's step (a different update, ``train/d/vat`` logged), and its extra
    passes leave batch norm's running statistics as the plain step leaves them."""
    real, _ = batches()
    plain, vat = vat_model(0.0, cls), vat_model(1.0, cls)
    one_step(plain, real)
    trainer = one_step(vat, real)
    assert float(trainer.callback_metrics["train/d/vat"]) > 0
    assert "train/d/vat" not in plain.trainer.callback_metrics
    for a, b in zip(bn_stats(plain.discriminator), bn_stats(vat.discriminator)):
        assert torch.equal(torch.as_tensor(a), torch.as_tensor(b))
    moved = [not torch.allclose(p, q) for p, q in zip(plain.discriminator.parameters(), vat.discriminator.parameters())]
    assert any(moved)
    assert all(m.training for m in vat.discriminator.modules())  # the noise layers are back on


def test_vat_term_is_the_loss_of_the_noise_free_discriminator():
    """The term the step adds is ``virtual_adversarial_loss`` of D with its Gaussian noise off (batch norm by the
    batch); the loop adds it times the weight."""
    real, _ = batches()
    model = vat_model(2.0)
    torch.manual_seed(7)
    loss, parts = model.d_regularizers[0].term(model, {"unlabeled": real}, None)
    reference = copy.deepcopy(model.discriminator)
    for m in reference.modules():
        if type(m).__name__ == "GaussianNoise":
            m.eval()
    torch.manual_seed(7)
    expected, _ = catgan.losses.virtual_adversarial_loss(reference, real, eps=0.5, xi=1e-3)
    assert torch.allclose(loss, expected, atol=1e-6) and model.d_regularizers[0].weight == 2.0
    assert torch.allclose(parts["vat"], expected.detach(), atol=1e-6)
    assert loss.requires_grad  # D learns from it


def test_vat_needs_a_classifier_discriminator():
    class OneOutput(catgan.modules.base.AdversarialModule):  # a binary GAN's D: one score, no classes
        discriminator_outputs = 1

    with pytest.raises(ValueError, match="needs a classifier D"):
        OneOutput(image_shape=(2,), latent_dim=4, d_regularizers=[VAT()])
    OneOutput(image_shape=(2,), latent_dim=4)  # without VAT it builds
    with pytest.raises(ValueError, match="VAT: weight must be >= 0"):
        vat_model(-1.0)
    with pytest.raises(TypeError, match="give catgan.regularizers objects"):
        OneOutput(image_shape=(2,), latent_dim=4, d_regularizers=[lambda module, batch, fake: 0])
