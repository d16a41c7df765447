"""Adversarial and semi-supervised losses as pure functions of logits and scores.

Every function here is stateless: it takes network outputs (and, for the gradient penalty, the
discriminator itself) and returns ``(loss, parts)`` where ``loss`` is the scalar to *minimize* and
``parts`` is a dict of detached named terms for logging.

CatGAN (Springenberg, ICLR 2016, arXiv 1511.06390), with p = softmax(logits), both players minimize:

    L_D = -H[mean_i p(y|x_i)] + mean_i H[p(y|x_i)] - mean_j H[p(y|G(z_j))] + lambda * CE(labeled)
    L_G = -H[mean_j p(y|G(z_j))] + mean_j H[p(y|G(z_j))]

The paper prints ``+lambda * CE`` inside a max over D; read literally that would *ascend* the labeled
loss. The discriminator minimizes the cross-entropy here. Entropies are computed from ``log_softmax``
(never ``log(softmax + eps)``) so they are exact and finite for any finite logits.

``virtual_adversarial_loss`` (VAT, Miyato et al. 2018, arXiv 1704.03976) is the one loss here that takes a
network: it needs D's outputs at perturbed inputs.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

Parts = Dict[str, Tensor]
LossAndParts = Tuple[Tensor, Parts]

GAN_LOSS_KINDS = ("minimax", "non_saturating", "hinge", "least_squares", "wasserstein")


# ----------------------------------------------------------------------------- entropies


def entropy(logits: Tensor) -> Tensor:
    """Per-example entropy H[p(y|x)] in nats of p = softmax(logits). (B, K) -> (B,)."""
    logits = logits.float()
    log_p = F.log_softmax(logits, dim=-1)  # (B, K)
    return -(log_p.exp() * log_p).sum(dim=-1)  # (B,)


def conditional_entropy(logits: Tensor) -> Tensor:
    """mean_i H[p(y|x_i)]: low when the classifier is certain about every example. (B, K) -> ()."""
    return entropy(logits).mean()


def marginal_entropy(logits: Tensor) -> Tensor:
    """H[mean_i p(y|x_i)]: high when the batch is spread evenly over the classes. (B, K) -> ()."""
    logits = logits.float()
    log_p = F.log_softmax(logits, dim=-1)  # (B, K)
    log_mean_p = torch.logsumexp(log_p, dim=0) - math.log(log_p.shape[0])  # (K,) log of the marginal
    return -(log_mean_p.exp() * log_mean_p).sum()


def _detached(parts: Parts) -> Parts:
    return {name: value.detach() for name, value in parts.items()}


def _with_supervised_term(
    caller: str,
    loss: Tensor,
    parts: Parts,
    logits_labeled: Optional[Tensor],
    labels: Optional[Tensor],
    supervised_weight: float,
) -> LossAndParts:
    """Adds ``supervised_weight * CE(logits_labeled, labels)`` (minimized) when labels are given, records
    it and the total in ``parts``, and returns ``(loss, detached parts)``."""
    if labels is not None and supervised_weight != 0:
        if logits_labeled is None:
            raise ValueError(f"{caller}: `labels` given without `logits_labeled`.")
        cross_entropy = F.cross_entropy(logits_labeled.float(), labels)
        loss = loss + supervised_weight * cross_entropy
        parts["cross_entropy_labeled"] = cross_entropy
    parts["loss"] = loss
    return loss, _detached(parts)


# ----------------------------------------------------------------------------- CatGAN


def catgan_discriminator_loss(
    logits_real: Tensor,
    logits_fake: Tensor,
    logits_labeled: Optional[Tensor] = None,
    labels: Optional[Tensor] = None,
    supervised_weight: float = 1.0,
    marginal_logits_real: Optional[Tensor] = None,
    weights: Tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> LossAndParts:
    """CatGAN discriminator loss (to minimize), optionally with the supervised cross-entropy term.

        L_D = -a * H[mean p(y|x)] + b * mean H[p(y|x)] - c * mean H[p(y|G(z))] + supervised_weight * CE

    logits_real: (B, K) on unlabeled real data; logits_fake: (M, K) on generated data;
    logits_labeled: (L, K) on labeled real data with ``labels`` (L,). The CE term is added only when
    ``labels`` is given and ``supervised_weight`` is non-zero. ``marginal_logits_real`` (default:
    ``logits_real``) is the batch the marginal entropy is taken over, e.g. the batch of all ranks.
    ``weights`` = (a, b, c), the paper's (1, 1, 1) by default (see ``CatGAN(entropy_weights=...)``).
    """
    a, b, c = weights
    h_marginal_real = marginal_entropy(logits_real if marginal_logits_real is None else marginal_logits_real)
    h_conditional_real = conditional_entropy(logits_real)
    h_conditional_fake = conditional_entropy(logits_fake)
    loss = -a * h_marginal_real + b * h_conditional_real - c * h_conditional_fake
    parts = {
        "marginal_entropy_real": h_marginal_real,
        "conditional_entropy_real": h_conditional_real,
        "conditional_entropy_fake": h_conditional_fake,
    }
    return _with_supervised_term("catgan_discriminator_loss", loss, parts, logits_labeled, labels, supervised_weight)


def catgan_generator_loss(
    logits_fake: Tensor,
    marginal_logits_fake: Optional[Tensor] = None,
    weights: Tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> LossAndParts:
    """CatGAN generator loss (to minimize): -a * H[mean_j p(y|G(z_j))] + c * mean_j H[p(y|G(z_j))], with
    (a, b, c) = ``weights`` as in ``catgan_discriminator_loss`` (b, the real-data term, is D's only).
    ``marginal_logits_fake`` (default ``logits_fake``) is the batch the marginal is taken over."""
    a, _, c = weights
    h_marginal_fake = marginal_entropy(logits_fake if marginal_logits_fake is None else marginal_logits_fake)
    h_conditional_fake = conditional_entropy(logits_fake)
    loss = -a * h_marginal_fake + c * h_conditional_fake
    parts = {
        "marginal_entropy_fake": h_marginal_fake,
        "conditional_entropy_fake": h_conditional_fake,
        "loss": loss,
    }
    return loss, _detached(parts)


# ----------------------------------------------------------------------------- binary-score GANs


def check_gan_loss_kind(kind: str) -> str:
    if kind not in GAN_LOSS_KINDS:
        raise ValueError(f"Unknown GAN loss kind {kind!r}: choose one of {', '.join(GAN_LOSS_KINDS)}.")
    return kind


def gan_discriminator_loss(real_scores: Tensor, fake_scores: Tensor, kind: str) -> LossAndParts:
    """Discriminator loss (to minimize) for a GAN whose D outputs one unbounded score per example.

    - ``minimax`` / ``non_saturating``: BCE, -E[log D(x)] - E[log(1 - D(G(z)))], D = sigmoid(score).
    - ``hinge``: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))].
    - ``least_squares`` (Mao et al., a=0, b=c=1): 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2].
    - ``wasserstein``: E[D(G(z))] - E[D(x)] (add :func:`gradient_penalty` for WGAN-GP).

    ``parts["value"]`` estimates the game's value V(D, G) that D ascends (for the BCE kinds the
    classic E[log D(x)] + E[log(1 - D(G(z)))]; for the others the negated D loss).
    """
    check_gan_loss_kind(kind)
    real_scores, fake_scores = real_scores.float().flatten(), fake_scores.float().flatten()
    if kind in ("minimax", "non_saturating"):
        loss_real = F.softplus(-real_scores).mean()  # -log sigmoid(s)
        loss_fake = F.softplus(fake_scores).mean()  # -log(1 - sigmoid(s))
    elif kind == "hinge":
        loss_real = F.relu(1.0 - real_scores).mean()
        loss_fake = F.relu(1.0 + fake_scores).mean()
    elif kind == "least_squares":
        loss_real = 0.5 * (real_scores - 1.0).pow(2).mean()
        loss_fake = 0.5 * fake_scores.pow(2).mean()
    else:  # wasserstein
        loss_real = -real_scores.mean()
        loss_fake = fake_scores.mean()
    loss = loss_real + loss_fake
    parts = {
        "loss_real": loss_real,
        "loss_fake": loss_fake,
        "value": -loss,
        "score_real": real_scores.mean(),
        "score_fake": fake_scores.mean(),
        "loss": loss,
    }
    return loss, _detached(parts)


def gan_generator_loss(fake_scores: Tensor, kind: str) -> LossAndParts:
    """Generator loss (to minimize) for a one-score discriminator.

    - ``minimax``: the saturating E[log(1 - D(G(z)))] of Goodfellow et al.
    - ``non_saturating``: -E[log D(G(z))].
    - ``hinge`` and ``wasserstein``: -E[D(G(z))].
    - ``least_squares``: 1/2 E[(D(G(z)) - 1)^2]; both players minimize a squared error.
    """
    check_gan_loss_kind(kind)
    fake_scores = fake_scores.float().flatten()
    if kind == "minimax":
        loss = -F.softplus(fake_scores).mean()  # log(1 - sigmoid(s))
    elif kind == "non_saturating":
        loss = F.softplus(-fake_scores).mean()  # -log sigmoid(s)
    elif kind in ("hinge", "wasserstein"):
        loss = -fake_scores.mean()
    else:  # least_squares
        loss = 0.5 * (fake_scores - 1.0).pow(2).mean()
    return loss, _detached({"score_fake": fake_scores.mean(), "loss": loss})


def gradient_penalty(discriminator: nn.Module, real: Tensor, fake: Tensor) -> LossAndParts:
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(||grad_x D(x_hat)||_2 - 1)^2] on random
    interpolates x_hat of real and fake examples. The graph is kept so the penalty trains D."""
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real {tuple(real.shape)} and fake {tuple(fake.shape)} differ.")
    alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
    interpolates = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = discriminator(interpolates)
    (grads,) = torch.autograd.grad(scores.float().sum(), interpolates, create_graph=True)
    grad_norm = grads.flatten(1).float().norm(2, dim=1)  # (B,)
    penalty = (grad_norm - 1.0).pow(2).mean()
    return penalty, _detached({"gradient_penalty": penalty, "grad_norm": grad_norm.mean()})


# ----------------------------------------------------------------------------- Improved-GAN
# Salimans et al. 2016, "Improved Techniques for Training GANs" (arXiv 1606.03498), section 5: a K-way
# discriminator with an implicit (K+1)-th "fake" class whose logit is fixed at 0. With
# l(x) = logsumexp_k logits_k(x), the probability that x is real is D(x) = sigmoid(l(x)).


def improved_gan_discriminator_loss(
    logits_real: Tensor,
    logits_fake: Tensor,
    logits_labeled: Optional[Tensor] = None,
    labels: Optional[Tensor] = None,
    supervised_weight: float = 1.0,
    entropy_weight: float = 0.0,
) -> LossAndParts:
    """Improved-GAN discriminator loss (to minimize), optionally with the supervised cross-entropy.

        L_D = E_real[softplus(-l(x))] + E_fake[softplus(l(G(z)))] + supervised_weight * CE(labeled)
              + entropy_weight * mean_i H[p(y|x_i)]

    i.e. -E[log D(x)] - E[log(1 - D(G(z)))] with D = sigmoid(l), plus the K-class cross-entropy on
    labeled data. logits_real: (B, K) on unlabeled real data; logits_fake: (M, K) on generated data;
    logits_labeled: (L, K) with ``labels`` (L,). Computed in float32 from logsumexp and softplus, so
    it is finite for logits of any finite size (tested up to +-1e4).

    The last term (off by default) is entropy minimization on the unlabeled real data over the K real classes
    (Grandvalet & Bengio 2005; the "Ent" term of Dai et al. 2017, ``ent_weight``; CatGAN's D has it with weight 1),
    logged as ``conditional_entropy_real`` either way.
    """
    if entropy_weight < 0:
        raise ValueError(f"improved_gan_discriminator_loss: entropy_weight must be >= 0, got {entropy_weight}.")
    if logits_real.dim() != 2 or logits_fake.dim() != 2 or logits_real.shape[1] != logits_fake.shape[1]:
        raise ValueError(
            f"improved_gan_discriminator_loss: expected (B, K) and (M, K) logits, got "
            f"{tuple(logits_real.shape)} and {tuple(logits_fake.shape)}."
        )
    lse_real = torch.logsumexp(logits_real.float(), dim=1)  # (B,) l(x)
    lse_fake = torch.logsumexp(logits_fake.float(), dim=1)  # (M,) l(G(z))
    loss_real = F.softplus(-lse_real).mean()  # -log D(x)
    loss_fake = F.softplus(lse_fake).mean()  # -log(1 - D(G(z)))
    entropy_real = conditional_entropy(logits_real)
    loss = loss_real + loss_fake
    if entropy_weight:
        loss = loss + entropy_weight * entropy_real
    parts = {
        "conditional_entropy_real": entropy_real,
        "loss_real": loss_real,
        "loss_fake": loss_fake,
        "logsumexp_real": lse_real.mean(),
        "logsumexp_fake": lse_fake.mean(),
        "prob_real_on_real": torch.sigmoid(lse_real).mean(),
        "prob_real_on_fake": torch.sigmoid(lse_fake).mean(),
    }
    return _with_supervised_term(
        "improved_gan_discriminator_loss", loss, parts, logits_labeled, labels, supervised_weight
    )


def feature_matching_loss(features_real: Tensor, features_fake: Tensor, reduction: str = "sum") -> LossAndParts:
    """Feature matching (Salimans et al. 2016, section 3.1): ||mean_i f(x_i) - mean_j f(G(z_j))||_2^2.

    features_real: (B, F), detached here (only G learns from this loss); features_fake: (M, F).
    ``reduction="mean"`` divides by F (the official code's ``T.mean(T.square(...))``): the same gradient
    directions, 1/F the size, which matters under Adam only through its epsilon.
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f"feature_matching_loss: reduction must be 'sum' or 'mean', got {reduction!r}.")
    if features_real.shape[1:] != features_fake.shape[1:]:
        raise ValueError(
            f"feature_matching_loss: real features {tuple(features_real.shape)} and fake features "
            f"{tuple(features_fake.shape)} differ beyond the batch dimension."
        )
    mean_real = features_real.detach().float().flatten(1).mean(dim=0)  # (F,)
    mean_fake = features_fake.float().flatten(1).mean(dim=0)  # (F,)
    squares = (mean_real - mean_fake).pow(2)  # (F,)
    loss = squares.sum() if reduction == "sum" else squares.mean()
    # feature_distance is always the squared norm (the sum), so logs of either reduction compare
    return loss, _detached({"feature_distance": squares.sum(), "loss": loss})


# ----------------------------------------------------------------------------- virtual adversarial training


def _unit_per_example(d: Tensor) -> Tensor:
    """Each example of ``d`` (B, ...) scaled to L2 norm 1 over all its non-batch entries (0 stays 0). Scaled by
    its largest entry first: the power iteration's gradients scale with xi, their squares would
    underflow."""
    shape = (-1,) + (1,) * (d.dim() - 1)
    d = d / d.flatten(1).abs().amax(dim=1).clamp_min(1e-30).view(shape)
    return d / d.flatten(1).norm(dim=1).clamp_min(1e-30).view(shape)


def _kl_from_log_probs(log_p: Tensor, log_q: Tensor) -> Tensor:
    """mean_i KL(p_i || q_i) from log-probabilities (B, K); p is treated as a constant."""
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1).mean()


def virtual_adversarial_loss(
    classify: Callable[[Tensor], Tensor],
    x: Tensor,
    eps: Union[float, Tensor],
    xi: float = 1e-3,
    power_iterations: int = 1,
) -> LossAndParts:
    """Virtual adversarial training (Miyato et al. 2018): mean_i KL(p(y|x_i) || p(y|x_i + r_i)), where r_i, of L2
    norm ``eps`` (a float, or (B,) one radius per example, as IMSAT's), is the direction that changes the prediction most, found by ``power_iterations`` steps of the
    power method from a random unit direction d: d <- unit(grad_d KL(p(y|x) || p(y|x + xi d))).

    classify: x (B, ...) -> logits (B, K); x: (B, ...) inputs (no gradient needed). The target p(y|x) is computed
    without a graph (a constant, as in the paper); the loss has a graph through ``classify`` at x + r only. The
    power iteration runs in float32 even under autocast. ``xi`` is the finite-difference step: the paper's 1e-6 is too
    small for float32 (docs/results/vat_xi_precision/), so the default is 1e-3. Draws d from the global RNG.
    """
    if (not isinstance(eps, Tensor) and not eps > 0) or not xi > 0 or power_iterations < 1:
        raise ValueError(
            f"virtual_adversarial_loss needs eps > 0, xi > 0 and power_iterations >= 1 (e.g. eps 2.0, xi 1e-3, 1); "
            f"got eps={eps}, xi={xi}, power_iterations={power_iterations}."
        )
    with torch.no_grad():
        log_p = F.log_softmax(classify(x).float(), dim=-1)  # (B, K) the target, a constant
    d = _unit_per_example(torch.randn_like(x))  # (B, ...)
    with torch.autocast(device_type=x.device.type, enabled=False):
        for _ in range(power_iterations):
            d.requires_grad_(True)
            log_q = F.log_softmax(classify(x.float() + xi * d).float(), dim=-1)  # (B, K)
            (grad,) = torch.autograd.grad(_kl_from_log_probs(log_p, log_q), d)
            d = _unit_per_example(grad.detach())
    if isinstance(eps, Tensor):
        eps = eps.to(d).view((-1,) + (1,) * (d.dim() - 1))  # (B, 1, ...)
    r_adv = (eps * d).to(x.dtype)  # (B, ...) the virtual adversarial perturbation
    loss = _kl_from_log_probs(log_p, F.log_softmax(classify(x + r_adv).float(), dim=-1))
    return loss, {"vat": loss.detach()}


# ----------------------------------------------------------------------------- augmentation consistency


def consistency_loss(logits_strong: Tensor, probs_weak: Tensor, threshold: Optional[float] = 0.95) -> LossAndParts:
    """D's prediction on a strongly augmented view pulled towards its prediction on a weakly augmented one.

    ``probs_weak`` (B, K), a constant: p(y|weak view). With a ``threshold`` (FixMatch, Sohn et al. 2020):
    mean_i 1[max_k p_ik >= threshold] CE(logits_strong_i, argmax_k p_ik), the mean over the whole batch (examples
    below the threshold count as 0); ``consistency_mask`` logs the fraction kept. With ``threshold=None`` (UDA, Xie
    et al. 2020, without sharpening): mean_i KL(p_i || softmax(logits_strong_i)).
    """
    log_q = F.log_softmax(logits_strong.float(), dim=-1)  # (B, K)
    p = probs_weak.detach().float()
    if threshold is None:
        loss = _kl_from_log_probs(p.clamp_min(1e-30).log(), log_q)
        return loss, {"consistency": loss.detach()}
    confidence, target = p.max(dim=-1)  # (B,), (B,)
    kept = (confidence >= threshold).float()  # (B,)
    loss = (F.nll_loss(log_q, target, reduction="none") * kept).mean()
    return loss, {"consistency": loss.detach(), "consistency_mask": kept.mean()}
