"""Improved-GAN losses (implicit fake class, feature matching) against NumPy hand computations, gradient
signs, extreme logits and bad input."""

import math

import numpy as np
import pytest
import torch

from catgan import losses


def np_logsumexp(z):
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def np_softplus(x):
    return np.logaddexp(0.0, x)  # log(1 + e^x), exact for large |x|


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(1)
    return {
        name: torch.randn(n, 4, generator=g, dtype=torch.float64) * 3
        for name, n in (("real", 6), ("fake", 5), ("labeled", 3))
    }


def test_discriminator_loss_matches_hand_computation(logits):
    real, fake, lab = (logits[k].numpy() for k in ("real", "fake", "labeled"))
    labels = torch.tensor([2, 0, 3])
    l_real, l_fake = np_logsumexp(real), np_logsumexp(fake)
    d_real = 1.0 / (1.0 + np.exp(-l_real))  # D(x) = sigmoid(l(x)) = Z / (Z + 1)
    d_fake = 1.0 / (1.0 + np.exp(-l_fake))
    loss_real = -np.log(d_real).mean()
    loss_fake = -np.log(1.0 - d_fake).mean()
    log_p = lab - np_logsumexp(lab)[:, None]
    ce = -log_p[np.arange(3), labels.numpy()].mean()

    loss, parts = losses.improved_gan_discriminator_loss(logits["real"], logits["fake"], logits["labeled"], labels, 0.3)
    assert parts["loss_real"].item() == pytest.approx(loss_real, rel=1e-5)
    assert parts["loss_fake"].item() == pytest.approx(loss_fake, rel=1e-5)
    assert parts["cross_entropy_labeled"].item() == pytest.approx(ce, rel=1e-5)
    assert parts["logsumexp_real"].item() == pytest.approx(l_real.mean(), rel=1e-5)
    assert parts["prob_real_on_fake"].item() == pytest.approx(d_fake.mean(), rel=1e-5)
    assert loss.item() == pytest.approx(loss_real + loss_fake + 0.3 * ce, rel=1e-5)
    assert parts["loss"].item() == pytest.approx(loss.item())
    assert loss.dtype == torch.float32
    assert not any(v.requires_grad for v in parts.values())

    unsupervised, parts = losses.improved_gan_discriminator_loss(logits["real"], logits["fake"])
    assert "cross_entropy_labeled" not in parts
    assert unsupervised.item() == pytest.approx(loss_real + loss_fake, rel=1e-5)
    zero_weight, parts = losses.improved_gan_discriminator_loss(
        logits["real"], logits["fake"], logits["labeled"], labels, 0.0
    )
    assert "cross_entropy_labeled" not in parts and zero_weight.item() == pytest.approx(unsupervised.item())


def test_discriminator_loss_gradients_raise_real_and_lower_fake_logsumexp(logits):
    real = logits["real"].clone().requires_grad_(True)
    fake = logits["fake"].clone().requires_grad_(True)
    labeled = logits["labeled"].clone().requires_grad_(True)
    labels = torch.tensor([2, 0, 3])
    loss, _ = losses.improved_gan_discriminator_loss(real, fake, labeled, labels)
    loss.backward()
    # descending the loss moves every real logit up and every fake logit down (l(x) is increasing in each)
    assert (real.grad < 0).all() and (fake.grad > 0).all()
    # the labeled CE pushes the true class up and every other class down
    true = torch.zeros_like(labeled, dtype=torch.bool)
    true[torch.arange(3), labels] = True
    assert (labeled.grad[true] < 0).all() and (labeled.grad[~true] > 0).all()


def test_discriminator_loss_is_finite_for_extreme_logits():
    big = torch.full((3, 10), 1e4)
    # real data certain to be real, fakes certain to be fake: the loss is ~0
    loss, parts = losses.improved_gan_discriminator_loss(big, -big)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    # the reverse: l(real) = -1e4 + log(10), l(fake) = 1e4 + log(10); softplus(x) = x for large x
    real, fake = (-big).requires_grad_(True), big.clone().requires_grad_(True)
    labels = torch.zeros(3, dtype=torch.long)
    loss, parts = losses.improved_gan_discriminator_loss(real, fake, fake, labels)
    assert parts["loss_real"].item() == pytest.approx(1e4 - math.log(10), rel=1e-6)
    assert parts["loss_fake"].item() == pytest.approx(1e4 + math.log(10), rel=1e-6)
    assert parts["cross_entropy_labeled"].item() == pytest.approx(math.log(10), rel=1e-5)
    loss.backward()
    assert torch.isfinite(real.grad).all() and torch.isfinite(fake.grad).all()
    # half precision input is computed in float32
    loss16, _ = losses.improved_gan_discriminator_loss(big.half(), -big.half())
    assert loss16.dtype == torch.float32 and torch.isfinite(loss16)


def test_discriminator_loss_rejects_bad_input(logits):
    with pytest.raises(ValueError, match="without `logits_labeled`"):
        losses.improved_gan_discriminator_loss(logits["real"], logits["fake"], None, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(B, K\) and \(M, K\)"):
        losses.improved_gan_discriminator_loss(logits["real"], logits["fake"][:, :3])


def test_feature_matching_matches_hand_computation_and_trains_only_fakes():
    g = torch.Generator().manual_seed(2)
    real = torch.randn(7, 5, generator=g, dtype=torch.float64).requires_grad_(True)
    fake = torch.randn(4, 5, generator=g, dtype=torch.float64).requires_grad_(True)
    expected = ((real.detach().numpy().mean(0) - fake.detach().numpy().mean(0)) ** 2).sum()
    loss, parts = losses.feature_matching_loss(real, fake)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert parts["feature_distance"].item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert real.grad is None  # the real features are a fixed target
    # d/d fake_j = -2/M (mean_real - mean_fake): a small step along -grad lowers the distance
    step = fake.detach() - 0.1 * fake.grad
    assert losses.feature_matching_loss(real, step)[0].item() < expected
    same, _ = losses.feature_matching_loss(real, real.detach().flip(0))
    assert same.item() == pytest.approx(0.0, abs=1e-6)  # equal means: zero, whatever the order


def test_feature_matching_rejects_mismatched_features():
    with pytest.raises(ValueError, match="differ beyond the batch dimension"):
        losses.feature_matching_loss(torch.zeros(4, 5), torch.zeros(4, 6))


def test_feature_matching_mean_reduction_is_the_sum_over_the_number_of_features():
    g = torch.Generator().manual_seed(3)
    real, fake = torch.randn(6, 5, generator=g), torch.randn(3, 5, generator=g)
    expected = ((real.numpy().mean(0) - fake.numpy().mean(0)) ** 2).mean()
    mean, parts = losses.feature_matching_loss(real, fake, reduction="mean")
    assert mean.item() == pytest.approx(expected, rel=1e-5)
    assert mean.item() == pytest.approx(losses.feature_matching_loss(real, fake)[0].item() / 5, rel=1e-6)
    assert parts["feature_distance"].item() == pytest.approx(5 * expected, rel=1e-5)  # logged as the sum either way
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean'"):
        losses.feature_matching_loss(real, fake, reduction="max")


def test_entropy_weight_adds_the_real_data_entropy_by_hand(logits):
    """entropy_weight w adds w * mean_i H[softmax(logits_real_i)] (NumPy), logged whatever the weight."""
    real = logits["real"].numpy()
    log_p = real - np_logsumexp(real)[:, None]
    entropy = -(np.exp(log_p) * log_p).sum(axis=1).mean()
    base, parts0 = losses.improved_gan_discriminator_loss(logits["real"], logits["fake"])
    weighted, parts = losses.improved_gan_discriminator_loss(logits["real"], logits["fake"], entropy_weight=0.3)
    assert parts0["conditional_entropy_real"].item() == pytest.approx(entropy, rel=1e-5)
    assert parts["conditional_entropy_real"].item() == pytest.approx(entropy, rel=1e-5)
    assert weighted.item() == pytest.approx(base.item() + 0.3 * entropy, rel=1e-5)
    with pytest.raises(ValueError, match="entropy_weight must be >= 0"):
        losses.improved_gan_discriminator_loss(logits["real"], logits["fake"], entropy_weight=-0.1)


def test_entropy_weight_gradient_sharpens_real_predictions():
    """The entropy term's own gradient: a descent step makes D more certain about a real example (the top logit
    grows, the lowest shrinks), and it sums to zero over the classes (entropy ignores a shift of all logits)."""
    real = torch.tensor([[1.0, 0.5, 0.0, -0.5]], requires_grad=True)
    fake = torch.zeros(1, 4)
    with_term, _ = losses.improved_gan_discriminator_loss(real, fake, entropy_weight=1.0)
    without, _ = losses.improved_gan_discriminator_loss(real, fake)
    (grad_with,) = torch.autograd.grad(with_term, real)
    (grad_without,) = torch.autograd.grad(without, real)
    entropy_grad = grad_with - grad_without
    assert entropy_grad.sum().abs().item() < 1e-6  # softmax entropy ignores a shift of all logits
    stepped = (real - 0.5 * entropy_grad).detach()
    assert losses.entropy(stepped).item() < losses.entropy(real.detach()).item()
    assert entropy_grad[0, 0] < 0 < entropy_grad[0, 3]  # the largest logit grows, the smallest shrinks
