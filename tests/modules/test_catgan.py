"""CatGAN module: the training step's effect on each player, batch-norm statistics, predict and sample."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from catgan import CatGAN
from catgan.losses import marginal_entropy
from catgan.nets import MLPDiscriminator, MLPGenerator
from tests.conftest import quiet_trainer


def one_batch_fit(model, batch):
    """Run exactly one training batch (one D update, one G update) through a real Trainer."""
    trainer = quiet_trainer()
    trainer.fit(model, train_dataloaders=DataLoader([batch], batch_size=None))
    assert trainer.global_step == 2  # Lightning counts optimizer steps: one batch = D step + G step
    return trainer


def blobs(n, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % k
    centers = torch.tensor([[math.cos(2 * math.pi * c / k), math.sin(2 * math.pi * c / k)] for c in range(k)]) * 3
    return centers[y] + 0.3 * torch.randn(n, 2, generator=g), y


def small_catgan(lr_d, lr_g, batch_norm=False, noise=0.0):
    torch.manual_seed(0)
    return CatGAN(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        lr_d=lr_d,
        lr_g=lr_g,
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=noise, batch_norm=batch_norm),
    )


def test_discriminator_step_lowers_labeled_cross_entropy():
    x, y = blobs(60)
    model = small_catgan(lr_d=1e-2, lr_g=0.0)
    batch = {"unlabeled": x, "labeled": (x[:12], y[:12])}
    with torch.no_grad():
        before = F.cross_entropy(model.discriminator(x[:12]), y[:12])
    one_batch_fit(model, batch)
    with torch.no_grad():
        after = F.cross_entropy(model.discriminator(x[:12]), y[:12])
    assert after < before - 1e-3


def test_generator_step_raises_the_fakes_marginal_entropy():
    """A fixed linear D scores class c by <centre_c, x>; G starts with its samples piled up in class 0's
    region. One generator step must spread them over the classes (raise H[mean p(y|G(z))])."""
    torch.manual_seed(0)
    centres = torch.tensor([[3.0, 0.0], [-1.5, 2.6], [-1.5, -2.6]])
    discriminator = nn.Linear(2, 3)
    with torch.no_grad():
        discriminator.weight.copy_(centres)
        discriminator.bias.zero_()
    generator = MLPGenerator(4, (2,), hidden=(16,), batch_norm=False, output="identity")
    with torch.no_grad():
        generator.net[-2].bias.copy_(torch.tensor([1.0, 0.0]))
    model = CatGAN(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        lr_d=0.0,
        lr_g=5e-2,
        generator=generator,
        discriminator=discriminator,
    )
    z = torch.rand(256, 4) * 2 - 1
    with torch.no_grad():
        before = marginal_entropy(discriminator(generator(z)))
    x, _ = blobs(60)
    one_batch_fit(model, {"unlabeled": x})
    with torch.no_grad():
        after = marginal_entropy(discriminator(generator(z)))
        assert torch.equal(discriminator.weight, centres)  # lr_d = 0: D unchanged
    assert before < 0.9 * math.log(3)
    assert after > before + 1e-3


def test_batch_norm_statistics_come_from_real_unlabeled_data_only():
    x, y = blobs(40)
    model = small_catgan(lr_d=0.0, lr_g=0.0, batch_norm=True)
    bn = next(m for m in model.discriminator.modules() if isinstance(m, nn.BatchNorm1d))
    reference = copy.deepcopy(model.discriminator)
    reference(x)  # the statistics after one forward pass of the real batch alone
    real = x
    labeled = (x[:8] + 10.0, y[:8])  # far-off labeled data: would move the statistics a lot
    one_batch_fit(model, {"unlabeled": real, "labeled": labeled})
    ref_bn = next(m for m in reference.modules() if isinstance(m, nn.BatchNorm1d))
    assert torch.allclose(bn.running_mean, ref_bn.running_mean) and torch.allclose(bn.running_var, ref_bn.running_var)
    assert bn.num_batches_tracked.item() == 1  # only the D step's real batch counted, not fakes or labels


def test_unsupervised_when_weight_is_zero_and_parts_logged():
    x, y = blobs(30)
    model = CatGAN(image_shape=(2,), num_classes=3, supervised_weight=0.0)
    trainer = one_batch_fit(model, {"unlabeled": x, "labeled": (x[:6], y[:6])})
    logged = set(trainer.callback_metrics)
    assert {
        "train/d/marginal_entropy_real",
        "train/d/conditional_entropy_real",
        "train/d/conditional_entropy_fake",
        "train/g/marginal_entropy_fake",
        "train/g/loss",
    } <= logged
    assert "train/d/cross_entropy_labeled" not in logged


def test_predict_and_sample_shapes():
    model = CatGAN(image_shape=(1, 8, 8), num_classes=10)
    images = model.sample(7)
    assert images.shape == (7, 1, 8, 8) and 0 <= images.min() and images.max() <= 1
    out = model.predict_step((images, torch.zeros(7, dtype=torch.long)), 0)
    preds = out["preds"]
    assert torch.allclose(out["probs"].sum(1), torch.ones(7)) and torch.equal(out["probs"].argmax(1), preds)
    assert preds.shape == (7,) and preds.dtype == torch.long and preds.max() < 10


def test_catgan_needs_two_classes():
    with pytest.raises(ValueError, match="at least 2 classes"):
        CatGAN(image_shape=(2,), num_classes=1)


# -- image_shape from networks given as instances ------------------------------------------------------------------


def point_networks(latent_dim=4):
    from catgan.nets import MLPDiscriminator, MLPGenerator

    return (MLPGenerator(latent_dim, (2,), hidden=(8,), output="identity"), MLPDiscriminator((2,), 3, hidden=(8,)))


@pytest.mark.parametrize("name", ["CatGAN", "GAN", "ImprovedGAN"])
def test_image_shape_is_taken_from_network_instances(name):
    import catgan
    from catgan.nets import MLPDiscriminator

    cls = getattr(catgan, name)
    g, d = point_networks()
    if name == "GAN":
        d = MLPDiscriminator((2,), 1, hidden=(8,))
    model = cls(generator=g, discriminator=d, latent_dim=4, num_classes=3)
    assert model.image_shape == (2,)
    assert cls(num_classes=3).image_shape == (1, 8, 8)  # factories: the digits default


def test_a_wrong_image_shape_names_both_shapes():
    from catgan import CatGAN, SupervisedClassifier

    g, d = point_networks()
    with pytest.raises(ValueError, match=r"image_shape=\(1, 8, 8\).*\(2,\)"):
        CatGAN(generator=g, discriminator=d, latent_dim=4, num_classes=3, image_shape=(1, 8, 8))
    with pytest.raises(ValueError, match="latent_dim=64"):
        CatGAN(generator=g, discriminator=d, num_classes=3)  # G was built for 4-d latents
    assert SupervisedClassifier(discriminator=d, num_classes=3).image_shape == (2,)


def test_feature_matching_weight_adds_the_feature_distance_to_the_generator_loss():
    from catgan.losses import catgan_generator_loss

    x, _ = blobs(30)
    torch.manual_seed(0)
    model = CatGAN(
        image_shape=(2,),
        num_classes=3,
        latent_dim=4,
        feature_matching_weight=2.0,
        generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
        discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.0, input_noise_std=0.0),
    )
    fake = model.generator(torch.rand(30, 4) * 2 - 1)
    loss, parts = model.generator_loss(x, fake, None)
    d = model.discriminator
    entropy_loss, _ = catgan_generator_loss(d(fake))
    distance = (d.features(x).mean(0) - d.features(fake).mean(0)).pow(2).sum()
    assert torch.allclose(parts["feature_distance"], distance) and distance > 1e-3
    assert torch.allclose(loss, entropy_loss + 2.0 * distance)
    with pytest.raises(ValueError, match="feature_matching_weight"):
        CatGAN(image_shape=(2,), num_classes=3, feature_matching_weight=-1.0)

    model.generator_entropy_weight = 0.0  # G matches D's features only: its gradient is the feature distance's
    model.generator.zero_grad()
    loss, parts = model.generator_loss(x, fake, None)
    loss.backward(retain_graph=True)
    only_matching = [p.grad.clone() for p in model.generator.parameters()]
    model.generator.zero_grad()
    (2.0 * (d.features(x).mean(0) - d.features(fake).mean(0)).pow(2).sum()).backward()
    assert all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(only_matching, model.generator.parameters()))
    assert torch.allclose(parts["loss"], 2.0 * distance) and "conditional_entropy_fake" in parts  # still logged
    with pytest.raises(ValueError, match="G needs a loss"):
        CatGAN(image_shape=(2,), num_classes=3, generator_entropy_weight=0.0)  # and no feature matching


def test_noise_free_marginal_takes_the_marginal_from_a_noise_free_pass():
    x, _ = blobs(60)
    fake = torch.randn(60, 2)

    def model(noise_free):
        torch.manual_seed(0)
        return CatGAN(
            image_shape=(2,),
            num_classes=3,
            latent_dim=4,
            supervised_weight=0.0,
            noise_free_marginal=noise_free,
            generator=MLPGenerator(4, (2,), hidden=(16,), output="identity"),
            discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=1.0, batch_norm=True),
        )

    plain, clean = model(False), model(True)
    torch.manual_seed(1)
    loss_plain, parts_plain = plain.discriminator_loss(x, fake, None)
    torch.manual_seed(1)
    loss_clean, parts_clean = clean.discriminator_loss(x, fake, None)
    # the conditional terms see the same noisy pass; only the marginal changes
    assert torch.allclose(parts_plain["conditional_entropy_real"], parts_clean["conditional_entropy_real"])
    assert torch.allclose(parts_plain["conditional_entropy_fake"], parts_clean["conditional_entropy_fake"])
    reference = copy.deepcopy(clean.discriminator).train()
    for m in reference.modules():
        if type(m).__name__ == "GaussianNoise":
            m.eval()
    with torch.no_grad():
        expected = marginal_entropy(reference(x))  # batch-norm by the batch, no noise
    assert torch.allclose(parts_clean["marginal_entropy_real"], expected, atol=1e-6)
    assert abs(parts_clean["marginal_entropy_real"] - parts_plain["marginal_entropy_real"]) > 1e-4
    # the clean pass neither updates the running statistics nor loses its graph
    bn_plain = next(m for m in plain.discriminator.modules() if isinstance(m, nn.BatchNorm1d))
    bn_clean = next(m for m in clean.discriminator.modules() if isinstance(m, nn.BatchNorm1d))
    assert torch.equal(bn_plain.running_mean, bn_clean.running_mean) and bn_clean.num_batches_tracked.item() == 1
    assert clean._marginal_logits_real(x, x, fake).grad_fn is not None  # D learns from the clean pass
    loss_clean.backward()
    assert all(m.training for m in clean.discriminator.modules())  # the noise layers are back on
    # joint batch norm: the clean pass normalizes the real batch together with the D step's other batches
    clean.d_batch_norm = "joint"
    with torch.no_grad():
        expected_joint = reference(torch.cat([x, fake]))[:60]
        assert torch.allclose(clean._marginal_logits_real(x, x, fake), expected_joint, atol=1e-6)
        assert not torch.allclose(expected_joint, reference(x), atol=1e-3)
    with pytest.raises(ValueError, match="needs a discriminator with Gaussian noise"):
        CatGAN(
            image_shape=(2,),
            num_classes=3,
            noise_free_marginal=True,
            discriminator=MLPDiscriminator((2,), 3, hidden=(16,), noise_std=0.0),
        )
