"""ImprovedGAN module: each player's step moves its objective the right way, batch-norm statistics and
the no-graph real features of G's step, the `features` requirement, predict and export."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

import catgan
from catgan import ImprovedGAN
from catgan.losses import feature_matching_loss
from catgan.nets import MLPDiscriminator, MLPGenerator
from tests.conftest import quiet_trainer
from tests.modules.test_catgan import blobs, one_batch_fit


def small_improved_gan(lr_d, lr_g, batch_norm=False, supervised_weight=1.0):
    torch.manual_seed(0)
    generator = MLPGenerator(4, (2,), hidden=(16,), batch_norm=False, output="identity")
    discriminator = MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.0, batch_norm=batch_norm)
    return ImprovedGAN(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        lr_d=lr_d,
        lr_g=lr_g,
        supervised_weight=supervised_weight,
        generator=generator,
        discriminator=discriminator,
    )


def fit_batches(model, batch, num_batches):
    """``num_batches`` training batches (each one D and one G update) through a real Trainer."""
    trainer = quiet_trainer()
    trainer.fit(model, train_dataloaders=DataLoader([batch] * num_batches, batch_size=None))
    assert trainer.global_step == 2 * num_batches


def test_discriminator_steps_lower_labeled_ce_raise_real_and_lower_fake_logsumexp():
    """With G fixed (lr_g = 0), D's updates lower the labeled CE and move l(x) = logsumexp(logits) up on
    real data and down on generated data. Ten steps, not one: all logits share the head's bias, and
    Adam's sign-like first step first lowers l everywhere while the fake term's gradient dominates."""
    x, y = blobs(60)
    model = small_improved_gan(lr_d=1e-2, lr_g=0.0)
    z = torch.rand(256, 4) * 2 - 1

    def measure():
        with torch.no_grad():
            fakes = model.generator(z)
            return (
                F.cross_entropy(model.discriminator(x[:12]), y[:12]),
                torch.logsumexp(model.discriminator(x), 1).mean(),
                torch.logsumexp(model.discriminator(fakes), 1).mean(),
            )

    ce_before, real_before, fake_before = measure()
    generator_before = copy.deepcopy(model.generator.state_dict())
    fit_batches(model, {"unlabeled": x, "labeled": (x[:12], y[:12])}, 10)
    ce_after, real_after, fake_after = measure()
    assert all(torch.equal(v, generator_before[k]) for k, v in model.generator.state_dict().items())  # lr_g = 0
    assert ce_after < ce_before - 0.2
    assert real_after > real_before + 0.05  # D(x) = sigmoid(l(x)) rises on real data
    assert fake_after < fake_before - 0.05  # and falls on generated data


def test_generator_step_lowers_the_feature_distance():
    x, _ = blobs(60)
    model = small_improved_gan(lr_d=0.0, lr_g=5e-2)
    with torch.no_grad():
        model.generator.net[-2].bias.add_(torch.tensor([4.0, 4.0]))  # fakes start far from the data
    discriminator_before = copy.deepcopy(model.discriminator.state_dict())
    z = torch.rand(512, 4) * 2 - 1

    def distance():
        with torch.no_grad():
            features = model.discriminator.features
            return feature_matching_loss(features(x), features(model.generator(z)))[0]

    before = distance()
    one_batch_fit(model, {"unlabeled": x})
    after = distance()
    assert all(torch.equal(v, discriminator_before[k]) for k, v in model.discriminator.state_dict().items())
    assert before > 0.1
    assert after < 0.95 * before


def test_batch_norm_statistics_come_from_real_unlabeled_data_only():
    x, y = blobs(40)
    model = small_improved_gan(lr_d=0.0, lr_g=0.0, batch_norm=True)
    bn = next(m for m in model.discriminator.modules() if isinstance(m, nn.BatchNorm1d))
    reference = copy.deepcopy(model.discriminator)
    reference(x)  # the statistics after one forward pass of the real batch alone
    one_batch_fit(model, {"unlabeled": x, "labeled": (x[:8] + 10.0, y[:8])})  # far-off labels would move them
    ref_bn = next(m for m in reference.modules() if isinstance(m, nn.BatchNorm1d))
    assert torch.allclose(bn.running_mean, ref_bn.running_mean) and torch.allclose(bn.running_var, ref_bn.running_var)
    # one D step's real batch counted; not the fakes or labels of the D step, nor G step's real or fakes
    assert bn.num_batches_tracked.item() == 1


def test_generator_step_computes_real_features_without_a_graph():
    x, _ = blobs(30)
    model = small_improved_gan(lr_d=1e-3, lr_g=1e-3)
    calls = []
    features = model.discriminator.features

    def recording_features(batch):
        calls.append((batch.data_ptr() == x.data_ptr(), torch.is_grad_enabled()))
        return features(batch)

    model.discriminator.features = recording_features
    one_batch_fit(model, {"unlabeled": x})
    assert calls == [(True, False), (False, True)]  # G step: real under no_grad, then fakes with a graph


def test_parts_logged_and_predict():
    x, y = blobs(30)
    model = small_improved_gan(lr_d=1e-3, lr_g=1e-3)
    trainer = one_batch_fit(model, {"unlabeled": x, "labeled": (x[:6], y[:6])})
    assert {
        "train/d/loss_real",
        "train/d/loss_fake",
        "train/d/cross_entropy_labeled",
        "train/d/logsumexp_real",
        "train/g/feature_distance",
        "train/g/loss",
        "train/loss_total",
    } <= set(trainer.callback_metrics)
    preds = model.predict_step((x, y), 0)["preds"]
    assert preds.shape == (30,) and preds.dtype == torch.long and preds.max() < 3
    assert catgan.ImprovedGAN is ImprovedGAN
    assert ImprovedGAN(image_shape=(1, 8, 8)).sample(5).shape == (5, 1, 8, 8)  # default networks


def test_no_labeled_cross_entropy_when_weight_is_zero():
    x, y = blobs(30)
    trainer = one_batch_fit(
        small_improved_gan(1e-3, 1e-3, supervised_weight=0.0), {"unlabeled": x, "labeled": (x[:6], y[:6])}
    )
    assert "train/d/cross_entropy_labeled" not in trainer.callback_metrics


def test_bad_arguments_are_rejected_with_the_fix():
    with pytest.raises(TypeError, match="`features\\(x\\)` method.*MLPDiscriminator"):
        ImprovedGAN(image_shape=(2,), num_classes=3, discriminator=nn.Linear(2, 3))
    with pytest.raises(ValueError, match="at least 2 classes"):
        ImprovedGAN(image_shape=(2,), num_classes=1)
    with pytest.raises(ValueError, match="supervised_weight must be >= 0"):
        ImprovedGAN(image_shape=(2,), num_classes=3, supervised_weight=-1.0)


def test_adam_eps_and_feature_matching_reduction_reach_the_optimizers_and_the_loss():
    model = small_improved_gan(1e-3, 1e-3)
    assert [opt.defaults["eps"] for opt in model.configure_optimizers()] == [1e-8, 1e-8]
    official = ImprovedGAN(
        image_shape=(2,),
        num_classes=3,
        adam_eps=1e-4,
        feature_matching_reduction="mean",
        discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.0),
    )
    assert [opt.defaults["eps"] for opt in official.configure_optimizers()] == [1e-4, 1e-4]
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    loss, _ = official.generator_loss(real, fake, None)
    features = official.discriminator.features
    assert loss.item() == pytest.approx(feature_matching_loss(features(real), features(fake))[0].item() / 16, rel=1e-5)
    with pytest.raises(ValueError, match="adam_eps must be > 0"):
        ImprovedGAN(image_shape=(2,), num_classes=3, adam_eps=0.0)
    for cls in (catgan.CatGAN, catgan.GAN):  # the option lives in the shared base: every adversarial module has it
        module = cls(image_shape=(2,), adam_eps=3e-5)
        assert [opt.defaults["eps"] for opt in module.configure_optimizers()] == [3e-5, 3e-5]
        assert module.hparams.adam_eps == 3e-5
    with pytest.raises(ValueError, match="feature_matching_reduction must be 'sum'"):
        ImprovedGAN(image_shape=(2,), num_classes=3, feature_matching_reduction="max")


def test_adam_eps_damps_a_step_on_tiny_gradients():
    # Adam's first step moves each parameter by lr * g / (|g| + eps): with eps >> |g| the step shrinks
    moved = {}
    for eps in (1e-8, 1e-2):
        model = small_improved_gan(1e-2, 1e-2)
        model.adam_eps = eps
        opt_d, _ = model.configure_optimizers()
        weight = model.discriminator.head.weight
        before = weight.detach().clone()
        (1e-4 * weight.sum()).backward()  # gradient 1e-4 on every element
        opt_d.step()
        moved[eps] = (weight.detach() - before).abs().mean().item()
    assert moved[1e-8] == pytest.approx(1e-2, rel=1e-3)  # the full lr
    assert moved[1e-2] == pytest.approx(1e-2 * 1e-4 / (1e-4 + 1e-2), rel=1e-2)  # ~1 % of it


def test_entropy_weight_reaches_the_discriminator_loss_with_and_without_labels():
    """ImprovedGAN(entropy_weight=w): D's loss is the plain loss plus w * H(D(real)), labeled or not."""
    x, y = blobs(30)
    real, fake = x[:12], torch.randn(12, 2)
    plain, weighted = small_improved_gan(1e-3, 1e-3), small_improved_gan(1e-3, 1e-3)
    weighted.entropy_weight = 0.5
    assert ImprovedGAN(image_shape=(2,), num_classes=3, entropy_weight=0.5).hparams.entropy_weight == 0.5
    for labeled in (None, (x[12:18], y[12:18])):
        loss_plain, parts = plain.discriminator_loss(real, fake, labeled)
        loss_weighted, _ = weighted.discriminator_loss(real, fake, labeled)
        entropy = parts["conditional_entropy_real"].item()
        assert entropy > 0.01
        assert loss_weighted.item() == pytest.approx(loss_plain.item() + 0.5 * entropy, rel=1e-5)
    with pytest.raises(ValueError, match="entropy_weight must be >= 0"):
        ImprovedGAN(image_shape=(2,), num_classes=3, entropy_weight=-1.0)
