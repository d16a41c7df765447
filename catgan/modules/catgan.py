"""CatGAN (Springenberg 2016): a K-way discriminator trained with entropy objectives, plus an
optional supervised cross-entropy term for semi-supervised learning."""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import Tensor

from catgan.distributed import all_gather_batch
from catgan.losses import catgan_discriminator_loss, catgan_generator_loss, feature_matching_loss
from catgan.modules.base import AdversarialModule, Labeled, LossAndParts
from catgan.modules.evaluation import ClassifierEvaluationMixin
from catgan.nets.layers import GaussianNoise, frozen_batch_norm_stats, noise_layers_off


class CatGAN(ClassifierEvaluationMixin, AdversarialModule):
    """Categorical GAN. D outputs K class logits; both players minimize (see ``catgan.losses``)

        L_D = -a H[p(y|x)]_marginal + b H[p(y|x)]_conditional - c H[p(y|G(z))]_conditional + lambda * CE
        L_G = -a H[p(y|G(z))]_marginal + c H[p(y|G(z))]_conditional

    Unsupervised when ``supervised_weight`` (lambda) is 0 or a batch has no labeled part; semi-supervised otherwise.
    With more clusters than classes (unsupervised only) evaluation reports ``cluster_acc`` (Hungarian: the best
    classes matched one-to-one) and ``cluster_acc_majority`` (each cluster to its most frequent class).
    ``predict_step`` returns D's classes; ``sample(n)`` draws images. The other arguments (networks, learning rates,
    ``d_regularizers``, ...) go on to :class:`~catgan.modules.base.AdversarialModule`.

    Args:
        supervised_weight: lambda, the weight of the labeled cross-entropy in L_D (0: unsupervised).
        marginal_over_ranks: under DDP, take the marginal entropies over the batch of all ranks (all-gather).
        num_clusters: D's outputs when they are clusters rather than classes (e.g. 20 for 10 digits); None: K.
        feature_matching_weight: w adds w * ||mean f(x) - mean f(G(z))||^2 (D's last hidden layer) to L_G.
        entropy_weights: (a, b, c): the marginal, real-conditional and generated-conditional entropies' weights.
        generator_entropy_weight: the scale of L_G's entropy terms (0: G matches features only).
        noise_free_marginal: take D's marginal entropy of real data from a second pass without noise or dropout.
    """

    def __init__(
        self,
        supervised_weight: float = 1.0,
        marginal_over_ranks: bool = False,
        num_clusters: Optional[int] = None,
        feature_matching_weight: float = 0.0,
        entropy_weights: Tuple[float, float, float] = (1.0, 1.0, 1.0),
        generator_entropy_weight: float = 1.0,
        noise_free_marginal: bool = False,
        **kwargs,
    ) -> None:
        if supervised_weight < 0:
            raise ValueError(f"supervised_weight must be >= 0 (D minimizes the labeled CE), got {supervised_weight}.")
        if feature_matching_weight < 0:
            raise ValueError(f"feature_matching_weight must be >= 0, got {feature_matching_weight}.")
        if generator_entropy_weight < 0 or (generator_entropy_weight == 0 and feature_matching_weight == 0):
            raise ValueError(
                f"generator_entropy_weight={generator_entropy_weight} with feature_matching_weight="
                f"{feature_matching_weight}: G needs a loss; use a weight >= 0 and, for 0 (feature matching "
                "alone), a feature_matching_weight > 0."
            )
        if len(entropy_weights) != 3 or any(w < 0 for w in entropy_weights):
            raise ValueError(
                "entropy_weights are three weights >= 0 (marginal, conditional on real data, conditional on "
                f"generated data), e.g. [1.0, 0.3, 1.0]; got {entropy_weights}."
            )
        num_classes = int(kwargs.get("num_classes", 10))
        if num_classes < 2:
            raise ValueError(
                f"CatGAN needs at least 2 classes (num_classes={num_classes}): its objectives are "
                "entropies over the classes."
            )
        clusters = num_classes if num_clusters is None else int(num_clusters)
        if clusters < 2 or (clusters != num_classes and supervised_weight > 0):
            raise ValueError(
                f"num_clusters={num_clusters} with {num_classes} classes: D's outputs are clusters, not classes, "
                "so the labeled cross-entropy cannot apply; use supervised_weight 0 (and no labels), or leave "
                "num_clusters unset (one output per class)."
            )
        self._num_clusters = clusters  # read by discriminator_outputs while the base builds D
        super().__init__(**kwargs)
        self.supervised_weight = float(supervised_weight)
        self.marginal_over_ranks = marginal_over_ranks
        self.num_clusters = clusters
        self.feature_matching_weight = float(feature_matching_weight)
        self.generator_entropy_weight = float(generator_entropy_weight)
        self.entropy_weights = tuple(float(w) for w in entropy_weights)
        self.noise_free_marginal = bool(noise_free_marginal)
        if self.noise_free_marginal and not any(
            isinstance(m, GaussianNoise) and m.std > 0 for m in self.discriminator.modules()
        ):
            raise ValueError(
                "noise_free_marginal=True needs a discriminator with Gaussian noise (e.g. MLPDiscriminator with "
                "noise_std > 0); without noise the marginal is noise-free already: leave it False."
            )
        if self.feature_matching_weight > 0 and not callable(getattr(self.discriminator, "features", None)):
            raise TypeError(
                "feature_matching_weight > 0 needs a discriminator with a `features(x)` method (the layer whose "
                f"batch means G matches), as MLPDiscriminator and ConvDiscriminator have; {type(self.discriminator).__name__} "
                "has none."
            )
        self.init_classifier_metrics(self.num_classes, clusters)

    @property
    def discriminator_outputs(self) -> int:
        return self._num_clusters

    def _marginal_logits_real(self, logits_real: Tensor, real: Tensor, *others: Tensor) -> Optional[Tensor]:
        """The batch D's marginal entropy of real data is taken over (None: ``logits_real`` itself). With
        ``noise_free_marginal`` a second pass without noise or dropout; under ``d_batch_norm="joint"`` it holds the
        D step's other batches (``others``) too, so the real batch is normalized as in the noisy pass."""
        if not self.noise_free_marginal:
            return self._global(logits_real)
        with noise_layers_off(self.discriminator), frozen_batch_norm_stats(self.discriminator):
            if self._d_has_batch_norm and self.d_batch_norm == "joint":
                logits_real = self.discriminator(torch.cat([real, *others]))[: real.shape[0]]  # (B, K)
            else:
                logits_real = self.discriminator(real)  # (B, K), with a graph
        return all_gather_batch(logits_real) if self.marginal_over_ranks else logits_real

    def discriminator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        if labeled is not None and self.supervised_weight > 0:
            x_labeled, y_labeled = labeled
            logits_real, logits_fake, logits_labeled = self.discriminate(real, fake, x_labeled)
            return catgan_discriminator_loss(
                logits_real,
                logits_fake,
                logits_labeled,
                y_labeled,
                self.supervised_weight,
                self._marginal_logits_real(logits_real, real, fake, x_labeled),
                self.entropy_weights,
            )
        logits_real, logits_fake = self.discriminate(real, fake)
        return catgan_discriminator_loss(
            logits_real,
            logits_fake,
            marginal_logits_real=self._marginal_logits_real(logits_real, real, fake),
            weights=self.entropy_weights,
        )

    def generator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        _, logits_fake = self.discriminate_generated(real, fake)
        loss, parts = catgan_generator_loss(logits_fake, self._global(logits_fake), self.entropy_weights)
        loss = self.generator_entropy_weight * loss
        parts["loss"] = loss.detach()
        if self.feature_matching_weight > 0:
            features = self.discriminate_generated(real, fake, features=True, with_real=True)  # (B, F), (B, F)
            matching, _ = feature_matching_loss(*features)
            loss = loss + self.feature_matching_weight * matching
            parts.update(feature_distance=matching.detach(), loss=loss.detach())
        return loss, parts

    def _global(self, logits: Tensor) -> Optional[Tensor]:
        """The logits of every rank's batch when ``marginal_over_ranks`` is on under DDP, else None."""
        return all_gather_batch(logits) if self.marginal_over_ranks else None
