"""catgan.losses against hand computations (NumPy, written from the formulas), gradient signs and edge cases."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from catgan import losses


def np_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def np_entropy(p):
    return -(p * np.log(p)).sum(axis=-1)


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return {
        name: torch.randn(n, 4, generator=g, dtype=torch.float64) * 2
        for name, n in (("real", 6), ("fake", 5), ("labeled", 3))
    }


def test_entropies_match_hand_computation(logits):
    p = np_softmax(logits["real"].numpy())
    assert losses.conditional_entropy(logits["real"]).item() == pytest.approx(np_entropy(p).mean(), rel=1e-6)
    assert losses.marginal_entropy(logits["real"]).item() == pytest.approx(np_entropy(p.mean(axis=0)), rel=1e-6)


def test_entropy_extremes():
    uniform = torch.zeros(3, 5)
    assert losses.conditional_entropy(uniform).item() == pytest.approx(math.log(5), rel=1e-6)
    one_hot = torch.tensor([[100.0, 0, 0], [0, 100.0, 0], [0, 0, 100.0]])
    assert losses.conditional_entropy(one_hot).item() == pytest.approx(0.0, abs=1e-6)
    assert losses.marginal_entropy(one_hot).item() == pytest.approx(math.log(3), rel=1e-6)


def test_catgan_discriminator_loss_matches_hand_computation(logits):
    pr, pf = np_softmax(logits["real"].numpy()), np_softmax(logits["fake"].numpy())
    pl = np_softmax(logits["labeled"].numpy())
    labels = torch.tensor([0, 3, 1])
    ce = -np.log(pl[np.arange(3), labels.numpy()]).mean()
    expected = -np_entropy(pr.mean(0)) + np_entropy(pr).mean() - np_entropy(pf).mean() + 0.7 * ce
    loss, parts = losses.catgan_discriminator_loss(logits["real"], logits["fake"], logits["labeled"], labels, 0.7)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert parts["cross_entropy_labeled"].item() == pytest.approx(ce, rel=1e-6)
    assert parts["marginal_entropy_real"].item() == pytest.approx(np_entropy(pr.mean(0)), rel=1e-6)
    assert parts["conditional_entropy_fake"].item() == pytest.approx(np_entropy(pf).mean(), rel=1e-6)
    assert not any(v.requires_grad for v in parts.values())

    unsupervised, parts = losses.catgan_discriminator_loss(logits["real"], logits["fake"])
    assert "cross_entropy_labeled" not in parts
    assert unsupervised.item() == pytest.approx(expected - 0.7 * ce, rel=1e-6)


def test_catgan_generator_loss_matches_hand_computation(logits):
    pf = np_softmax(logits["fake"].numpy())
    loss, parts = losses.catgan_generator_loss(logits["fake"])
    assert loss.item() == pytest.approx(-np_entropy(pf.mean(0)) + np_entropy(pf).mean(), rel=1e-6)
    assert set(parts) == {"marginal_entropy_fake", "conditional_entropy_fake", "loss"}


def test_discriminator_descends_the_labeled_cross_entropy(logits):
    """The paper's `+lambda CE` inside a max would ascend CE; here D's gradient step must lower it."""
    labeled = logits["labeled"].clone().requires_grad_(True)
    labels = torch.tensor([0, 3, 1])
    loss, _ = losses.catgan_discriminator_loss(logits["real"], logits["fake"], labeled, labels, 1.0)
    (grad,) = torch.autograd.grad(loss, labeled)
    stepped = labeled.detach() - 0.1 * grad
    assert F.cross_entropy(stepped, labels) < F.cross_entropy(labeled.detach(), labels)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
@pytest.mark.parametrize("batch", [1, 7])
def test_losses_finite_for_large_logits_and_tiny_batches(scale, batch):
    g = torch.Generator().manual_seed(1)
    real = (torch.randn(batch, 10, generator=g) * scale).requires_grad_(True)
    fake = (torch.randn(batch, 10, generator=g) * scale).requires_grad_(True)
    d_loss, _ = losses.catgan_discriminator_loss(real, fake, real, torch.zeros(batch, dtype=torch.long))
    g_loss, _ = losses.catgan_generator_loss(fake)
    d_grads = torch.autograd.grad(d_loss, (real, fake))
    (g_grad,) = torch.autograd.grad(g_loss, fake)
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    assert all(torch.isfinite(t).all() for t in (*d_grads, g_grad))


def np_softplus(x):
    return np.log1p(np.exp(x))


@pytest.mark.parametrize("kind", losses.GAN_LOSS_KINDS)
def test_gan_losses_match_hand_computation(kind):
    r = np.array([0.3, -1.2, 2.0, 0.5])
    f = np.array([-0.7, 1.5, 0.1])
    sig = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    expected_d = {
        "minimax": -np.log(sig(r)).mean() - np.log(1 - sig(f)).mean(),
        "non_saturating": -np.log(sig(r)).mean() - np.log(1 - sig(f)).mean(),
        "hinge": np.maximum(0, 1 - r).mean() + np.maximum(0, 1 + f).mean(),
        "least_squares": 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean(),
        "wasserstein": f.mean() - r.mean(),
    }[kind]
    expected_g = {
        "minimax": np.log(1 - sig(f)).mean(),
        "non_saturating": -np.log(sig(f)).mean(),
        "hinge": -f.mean(),
        "least_squares": 0.5 * ((f - 1) ** 2).mean(),
        "wasserstein": -f.mean(),
    }[kind]
    d_loss, d_parts = losses.gan_discriminator_loss(torch.tensor(r), torch.tensor(f), kind)
    g_loss, _ = losses.gan_generator_loss(torch.tensor(f), kind)
    assert d_loss.item() == pytest.approx(expected_d, rel=1e-6)
    assert g_loss.item() == pytest.approx(expected_g, rel=1e-6)
    assert d_parts["value"].item() == pytest.approx(-expected_d, rel=1e-6)
    if kind in ("minimax", "non_saturating"):  # V(D, G) = E log D(x) + E log(1 - D(G(z)))
        v = np.log(sig(r)).mean() + np.log(1 - sig(f)).mean()
        assert d_parts["value"].item() == pytest.approx(v, rel=1e-6)


@pytest.mark.parametrize("kind", losses.GAN_LOSS_KINDS)
def test_gan_generator_step_raises_fake_scores(kind):
    """Every G loss decreases when D scores the fakes as more real."""
    f = torch.tensor([-0.7, 0.5, 0.1], requires_grad=True)
    loss, _ = losses.gan_generator_loss(f, kind)
    (grad,) = torch.autograd.grad(loss, f)
    assert (grad < 0).all()


def test_unknown_gan_loss_kind_names_the_choices():
    with pytest.raises(ValueError, match="non_saturating"):
        losses.gan_discriminator_loss(torch.zeros(2), torch.zeros(2), "nonsaturating")


def test_gradient_penalty_of_a_linear_critic():
    """For D(x) = w.x the input gradient is w everywhere, so the penalty is (||w|| - 1)^2 exactly."""
    critic = torch.torch.nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))
    penalty, parts = losses.gradient_penalty(critic, torch.randn(8, 3), torch.randn(8, 3))
    assert penalty.item() == pytest.approx(16.0, rel=1e-5)
    assert parts["grad_norm"].item() == pytest.approx(5.0, rel=1e-5)
    penalty.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


# ----------------------------------------------------------------------------- property tests

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

logit_values = st.floats(-1e4, 1e4, allow_nan=False, width=32)


def logits_batches(max_batch=8, max_classes=10):
    shapes = st.tuples(st.integers(1, max_batch), st.integers(2, max_classes))
    return shapes.flatmap(lambda s: arrays(np.float32, s, elements=logit_values))


@settings(max_examples=60, deadline=None)
@given(real=logits_batches(), data=st.data())
def test_catgan_losses_and_gradients_are_finite_for_any_logits(real, data):
    k = real.shape[1]
    fake = data.draw(arrays(np.float32, (data.draw(st.integers(1, 8)), k), elements=logit_values))
    real_t = torch.tensor(real, requires_grad=True)
    fake_t = torch.tensor(fake, requires_grad=True)
    labels = torch.zeros(real.shape[0], dtype=torch.long)
    d_loss, parts = losses.catgan_discriminator_loss(real_t, fake_t, real_t, labels)
    g_loss, _ = losses.catgan_generator_loss(fake_t)
    grads = torch.autograd.grad(d_loss + g_loss, (real_t, fake_t))
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    assert all(torch.isfinite(g).all() for g in grads)
    assert 0 <= parts["marginal_entropy_real"] <= math.log(k) + 1e-4  # an entropy, never log(0)


@settings(max_examples=40, deadline=None)
@given(scores=arrays(np.float32, st.integers(1, 8), elements=logit_values), kind=st.sampled_from(losses.GAN_LOSS_KINDS))
def test_gan_losses_are_finite_for_any_scores(scores, kind):
    s = torch.tensor(scores, requires_grad=True)
    d_loss, _ = losses.gan_discriminator_loss(s, s, kind)
    g_loss, _ = losses.gan_generator_loss(s, kind)
    (grad,) = torch.autograd.grad(d_loss + g_loss, s)
    assert torch.isfinite(d_loss) and torch.isfinite(g_loss) and torch.isfinite(grad).all()


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_losses_under_bf16_autocast(scale):
    """Logits from a bf16 matmul: the losses are computed in float32 and stay finite and close."""
    torch.manual_seed(0)
    layer = torch.torch.nn.Linear(16, 10)
    x = torch.randn(32, 16) * scale
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = layer(x)
        assert logits.dtype == torch.bfloat16
        d_loss, _ = losses.catgan_discriminator_loss(logits[:16], logits[16:], logits[:4], torch.arange(4))
        g_loss, _ = losses.catgan_generator_loss(logits[16:])
    assert d_loss.dtype == torch.float32 and torch.isfinite(d_loss) and torch.isfinite(g_loss)
    d_loss.backward()
    assert torch.isfinite(layer.weight.grad).all()
    reference, _ = losses.catgan_discriminator_loss(
        logits[:16].float(), logits[16:].float(), logits[:4].float(), torch.arange(4)
    )
    assert d_loss.item() == pytest.approx(reference.item(), abs=1e-5)


def test_catgan_entropy_weights_scale_each_term():
    torch.manual_seed(0)
    real, fake = torch.randn(6, 4), torch.randn(5, 4)
    h_m = losses.marginal_entropy(real)
    h_r, h_f = losses.conditional_entropy(real), losses.conditional_entropy(fake)
    loss, parts = losses.catgan_discriminator_loss(real, fake, weights=(0.5, 0.3, 2.0))
    assert torch.allclose(loss, -0.5 * h_m + 0.3 * h_r - 2.0 * h_f)
    assert torch.allclose(parts["conditional_entropy_real"], h_r)  # the parts stay unweighted
    g_loss, _ = losses.catgan_generator_loss(fake, weights=(0.5, 0.3, 2.0))
    assert torch.allclose(g_loss, -0.5 * losses.marginal_entropy(fake) + 2.0 * h_f)  # b is D's only
    assert torch.allclose(losses.catgan_discriminator_loss(real, fake)[0], -h_m + h_r - h_f)  # the paper's (1, 1, 1)


def test_unsupervised_mnist_weights_keep_d_certain_when_generated_data_look_real():
    """The shipped unsupervised MNIST recipe weighs D's entropy of generated data (c) below its certainty term on
    real data (b). When G's samples pass for data, D must answer them as it answers real images; then a certain,
    balanced D has loss -a ln K + (b - c) * 0 and a uniform one -a ln K + (b - c) ln K: with c < b the certain D wins
    by (b - c) ln K, with the paper's c = b (and IMSAT's a = 4, b = c = 1, the screen where D went uniform) they tie."""
    import yaml

    from tests.conftest import CONFIGS

    with open(f"{CONFIGS}/mnist_catgan_unsupervised.yaml") as f:
        init = yaml.safe_load(f)["model"]["init_args"]
    weights, k = tuple(init["entropy_weights"]), init["num_clusters"]
    certain = 60.0 * torch.eye(k).repeat(2, 1)  # (2K, K): every cluster used twice, p(y|x) one-hot
    uniform = torch.zeros(2 * k, k)  # (2K, K): p(y|x) = 1/K
    a, b, c = weights
    assert c < b
    loss_certain, _ = losses.catgan_discriminator_loss(certain, certain, weights=weights)  # fakes look real
    loss_uniform, _ = losses.catgan_discriminator_loss(uniform, uniform, weights=weights)
    ln_k = math.log(k)
    assert loss_certain.item() == pytest.approx(-a * ln_k, abs=1e-4)
    assert loss_uniform.item() == pytest.approx(-a * ln_k + (b - c) * ln_k, abs=1e-4)
    for tied in ((1.0, 1.0, 1.0), (4.0, 1.0, 1.0)):
        tie = [losses.catgan_discriminator_loss(x, x, weights=tied)[0].item() for x in (certain, uniform)]
        assert tie[0] == pytest.approx(tie[1], abs=1e-4)


# ----------------------------------------------------------------------------- virtual adversarial training


def test_virtual_adversarial_loss_finds_the_only_sensitive_direction_and_its_kl():
    """A classifier that reads only x[0]: the power iteration must find +-e0, and the loss is the hand-computed
    KL(p(x) || p(x +- eps e0)) for the sign of the random start (the Hessian keeps that sign)."""

    def classify(x):  # (B, 3) -> (B, 2) logits [2 x0, 0]
        return torch.stack([2.0 * x[:, 0], torch.zeros_like(x[:, 0])], dim=1)

    x = torch.tensor([[0.3, -1.0, 2.0], [-0.5, 0.7, 0.1]])
    eps = 0.8

    def kl(a, b):  # KL(softmax([2a, 0]) || softmax([2b, 0])) for one example, by hand
        p, q = 1 / (1 + math.exp(-2 * a)), 1 / (1 + math.exp(-2 * b))
        return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))

    torch.manual_seed(3)
    start = torch.randn_like(x)  # the direction the loss will draw with the same seed
    torch.manual_seed(3)
    loss, parts = losses.virtual_adversarial_loss(classify, x, eps=eps)
    signs = torch.sign(start[:, 0])
    expected = sum(kl(float(x[i, 0]), float(x[i, 0] + signs[i] * eps)) for i in range(2)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-4)
    assert parts["vat"].item() == pytest.approx(expected, rel=1e-4)
    # the axis it found is the worst one: no random direction of that norm changes the prediction more than
    # the larger of the two signs along it (the power method finds the axis; the sign is the random start's)
    worst = sum(max(kl(float(x[i, 0]), float(x[i, 0] + s * eps)) for s in (1, -1)) for i in range(2)) / 2
    torch.manual_seed(0)
    for _ in range(20):
        r = F.normalize(torch.randn_like(x), dim=1) * eps
        p, q = F.log_softmax(classify(x), 1), F.log_softmax(classify(x + r), 1)
        assert (p.exp() * (p - q)).sum(1).mean().item() <= worst + 1e-6


def test_vat_xi_sets_the_distance_at_which_the_direction_is_found():
    """The unsupervised MNIST recipe's VAT step xi 10 (IMSAT's) is not a finer finite difference: the power
    iteration looks for the direction where the prediction changes most at distance xi. A classifier that reads x0
    gently everywhere and x1 only beyond |x1| > 3: with xi 1e-3 every example's perturbation is along x0, with
    xi 10 most are along x1 (those whose random start has |d1| > 0.3)."""

    def classify(x):  # (B, 2) -> (B, 2) logits [x0 + 5 relu(|x1| - 3), 0]
        return torch.stack([x[:, 0] + 5.0 * torch.relu(x[:, 1].abs() - 3.0), torch.zeros_like(x[:, 0])], dim=1)

    x = torch.zeros(400, 2)
    share_along_x1 = {}
    for xi in (1e-3, 10.0):
        seen = []

        def recording(z, seen=seen):
            seen.append(z.detach().clone())
            return classify(z)

        torch.manual_seed(0)
        losses.virtual_adversarial_loss(recording, x, eps=1.0, xi=xi)
        r = seen[-1] - x  # the last call classifies x + r_adv, |r_adv| = eps
        share_along_x1[xi] = (r[:, 1].abs() > r[:, 0].abs()).float().mean().item()
    assert share_along_x1[1e-3] == 0.0
    assert share_along_x1[10.0] > 0.6


def test_virtual_adversarial_loss_gradient_treats_the_target_as_a_constant():
    """The loss's gradient is that of KL(p_const || q(x + r)) with r fixed: the clean pass has no graph."""
    torch.manual_seed(0)
    net = torch.nn.Linear(4, 3)
    x = torch.randn(6, 4)
    torch.manual_seed(1)
    loss, _ = losses.virtual_adversarial_loss(net, x, eps=1.5)
    loss.backward()
    grad = net.weight.grad.clone()
    # recompute the perturbation the same way, then the loss with a constant target
    net.zero_grad()
    torch.manual_seed(1)
    d = torch.randn_like(x)
    d = d / d.norm(dim=1, keepdim=True)
    d.requires_grad_(True)
    p = F.log_softmax(net(x), 1).detach()
    q = F.log_softmax(net(x + 1e-3 * d), 1)
    (g,) = torch.autograd.grad((p.exp() * (p - q)).sum(1).mean(), d)
    r = 1.5 * g / g.norm(dim=1, keepdim=True)
    q = F.log_softmax(net(x + r), 1)
    (p.exp() * (p - q)).sum(1).mean().backward()
    torch.testing.assert_close(grad, net.weight.grad, rtol=1e-3, atol=1e-6)
    assert grad.abs().sum() > 0


def test_virtual_adversarial_loss_refuses_bad_settings():
    with pytest.raises(ValueError, match="eps > 0"):
        losses.virtual_adversarial_loss(torch.nn.Linear(2, 3), torch.randn(4, 2), eps=0.0)


def test_virtual_adversarial_loss_takes_one_radius_per_example():
    """With eps a (B,) tensor each example's perturbation has its own L2 norm (IMSAT's radii); with all radii equal
    the loss is the scalar radius's loss exactly."""
    seen = []

    def classify(x):  # (B, 3) -> (B, 2), sensitive to every coordinate
        seen.append(x.detach().clone())
        return torch.stack([x.sum(1), (x * x).sum(1)], dim=1)

    x = torch.tensor([[0.3, -1.0, 2.0], [-0.5, 0.7, 0.1], [1.0, 1.0, -1.0]])
    radii = torch.tensor([0.1, 0.7, 2.0])
    torch.manual_seed(4)
    losses.virtual_adversarial_loss(classify, x, eps=radii)
    norms = (seen[-1] - x).norm(dim=1)  # the last pass classifies x + r_adv
    torch.testing.assert_close(norms, radii)
    torch.manual_seed(4)
    scalar, _ = losses.virtual_adversarial_loss(classify, x, eps=0.7)
    torch.manual_seed(4)
    same, _ = losses.virtual_adversarial_loss(classify, x, eps=torch.full((3,), 0.7))
    assert torch.equal(scalar, same)


def test_consistency_loss_matches_hand_computation_with_and_without_a_threshold():
    probs = torch.tensor([[0.97, 0.02, 0.01], [0.5, 0.3, 0.2], [0.01, 0.01, 0.98], [0.1, 0.85, 0.05]])  # (4, 3)
    logits = torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    log_q = F.log_softmax(logits, dim=1)
    loss, parts = losses.consistency_loss(logits, probs, threshold=0.95)
    kept_ce = -(log_q[0, 0] + log_q[2, 2])  # rows 0 and 2 are confident: their argmax is the target
    assert torch.allclose(loss, kept_ce / 4)  # averaged over the whole batch, the others count 0
    assert parts["consistency_mask"] == 0.5
    loss, parts = losses.consistency_loss(logits, probs, threshold=0.8)
    assert torch.allclose(loss, (kept_ce - log_q[3, 1]) / 4) and parts["consistency_mask"] == 0.75
    soft, parts = losses.consistency_loss(logits, probs, threshold=None)  # UDA: KL(p || q) with p the target
    kl = (probs * (probs.log() - log_q)).sum(1).mean()
    assert torch.allclose(soft, kl) and set(parts) == {"consistency"}


def test_consistency_loss_moves_only_the_strong_view_towards_the_weak_views_class():
    logits = torch.zeros(2, 4, requires_grad=True)
    probs = torch.tensor([[0.0, 0.99, 0.01, 0.0], [0.4, 0.3, 0.2, 0.1]], requires_grad=True)
    loss, _ = losses.consistency_loss(logits, probs, threshold=0.95)
    loss.backward()
    assert logits.grad[0, 1] < 0 and (logits.grad[0, [0, 2, 3]] > 0).all()  # descent raises class 1's logit
    assert torch.equal(logits.grad[1], torch.zeros(4))  # below the threshold: no pull
    assert probs.grad is None or torch.equal(probs.grad, torch.zeros_like(probs))  # the target is a constant
