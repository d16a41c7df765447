"""Improved-GAN (Salimans et al. 2016, "Improved Techniques for Training GANs", arXiv 1606.03498): the
semi-supervised K-class discriminator with an implicit fake class, and a feature-matching generator,
on the shared adversarial loop."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from torch import Tensor

from catgan.data.augment import RandomAffine
from catgan.losses import feature_matching_loss, improved_gan_discriminator_loss
from catgan.modules.base import AdversarialModule, DiscriminatorFactory, GeneratorFactory, Labeled, LossAndParts
from catgan.modules.evaluation import ClassifierEvaluationMixin


class ImprovedGAN(ClassifierEvaluationMixin, AdversarialModule):
    """Improved-GAN for semi-supervised learning. D outputs K class logits; the (K+1)-th "fake" class
    has logit 0, so with l(x) = logsumexp_k logits_k(x), D(x) = sigmoid(l(x)). Both players minimize
    (see ``catgan.losses``)

        L_D = E_real[softplus(-l(x))] + E_fake[softplus(l(G(z)))] + lambda * CE(labeled)
        L_G = ||mean_i f(x_i) - mean_j f(G(z_j))||_2^2        (feature matching)

    where f is D's last hidden layer, ``discriminator.features(x)`` (``MLPDiscriminator`` has it; any
    discriminator must provide it). In G's step the real features are computed without a graph, and
    neither real nor generated batches update D's batch-norm running statistics there: as in every
    adversarial module, only the D step's real unlabeled batch does.

    ``feature_matching_reduction="mean"`` takes the mean over units instead of the sum, as the official code.
    ``entropy_weight`` w adds w * mean_i H[p(y|x_i)] on the unlabeled real batch to L_D (entropy minimization over
    the K real classes: Dai et al. 2017's "Ent" term; 0, the default, is Salimans et al.'s loss).
    ``predict_step`` returns argmax over the K real classes; ``sample(n)`` draws images. Other
    arguments: see :class:`~catgan.modules.base.AdversarialModule`.
    """

    def __init__(
        self,
        image_shape: Optional[Sequence[int]] = None,
        num_classes: int = 10,
        supervised_weight: float = 1.0,
        latent_dim: int = 64,
        generator: Optional[GeneratorFactory] = None,
        discriminator: Optional[DiscriminatorFactory] = None,
        lr_d: float = 2e-4,
        lr_g: float = 2e-4,
        betas: Tuple[float, float] = (0.5, 0.999),
        n_critic: int = 1,
        g_steps: int = 1,
        latent_distribution: str = "uniform",
        lr_decay_start: Optional[float] = None,
        ema_decay: Optional[float] = None,
        compile: bool = False,
        d_ema_decay: Optional[float] = None,
        d_batch_norm: str = "separate",
        adam_eps: float = 1e-8,
        fused_adam: bool = False,
        vat_weight: float = 0.0,
        vat_eps: float = 2.0,
        vat_xi: float = 1e-3,
        vat_neighbors: int = 0,
        consistency_weight: float = 0.0,
        consistency_threshold: Optional[float] = 0.95,
        consistency_augment: Optional[RandomAffine] = None,
        consistency_weak_shift: int = 1,
        feature_matching_reduction: str = "sum",
        entropy_weight: float = 0.0,
    ) -> None:
        if num_classes < 2:
            raise ValueError(
                f"ImprovedGAN needs at least 2 classes (num_classes={num_classes}): D is a K-way "
                "classifier of real data."
            )
        if supervised_weight < 0:
            raise ValueError(f"supervised_weight must be >= 0 (D minimizes the labeled CE), got {supervised_weight}.")
        if entropy_weight < 0:
            raise ValueError(
                f"entropy_weight must be >= 0 (D minimizes the entropy of real data), got {entropy_weight}."
            )
        if feature_matching_reduction not in ("sum", "mean"):
            raise ValueError(
                f"feature_matching_reduction must be 'sum' (the paper's squared norm) or 'mean' (the official "
                f"code's mean over units), got {feature_matching_reduction!r}."
            )
        super().__init__(
            image_shape,
            num_classes,
            latent_dim,
            generator,
            discriminator,
            lr_d,
            lr_g,
            betas,
            n_critic,
            g_steps,
            latent_distribution,
            lr_decay_start,
            ema_decay,
            compile,
            d_ema_decay,
            d_batch_norm=d_batch_norm,
            adam_eps=adam_eps,
            fused_adam=fused_adam,
            vat_weight=vat_weight,
            vat_eps=vat_eps,
            vat_xi=vat_xi,
            vat_neighbors=vat_neighbors,
            consistency_weight=consistency_weight,
            consistency_threshold=consistency_threshold,
            consistency_augment=consistency_augment,
            consistency_weak_shift=consistency_weak_shift,
        )
        if not callable(getattr(self.discriminator, "features", None)):
            raise TypeError(
                f"ImprovedGAN's feature-matching generator needs a discriminator with a `features(x)` method "
                f"(its last hidden layer), but {type(self.discriminator).__name__} has none: use "
                f"catgan.nets.MLPDiscriminator or add `features` to your network."
            )
        self.supervised_weight = float(supervised_weight)
        self.feature_matching_reduction = feature_matching_reduction
        self.entropy_weight = float(entropy_weight)
        self.init_classifier_metrics(self.num_classes)
        self.save_hyperparameters()

    @property
    def discriminator_outputs(self) -> int:
        return self.num_classes

    def discriminator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        if labeled is not None and self.supervised_weight > 0:
            x_labeled, y_labeled = labeled
            logits_real, logits_fake, logits_labeled = self.discriminate(real, fake, x_labeled)
            return improved_gan_discriminator_loss(
                logits_real, logits_fake, logits_labeled, y_labeled, self.supervised_weight, self.entropy_weight
            )
        logits_real, logits_fake = self.discriminate(real, fake)
        return improved_gan_discriminator_loss(logits_real, logits_fake, entropy_weight=self.entropy_weight)

    def generator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        # D's parameters are frozen by the base loop, its batch-norm statistics by discriminate_generated
        features_real, features_fake = self.discriminate_generated(real, fake, features=True, with_real=True)  # (B, F)
        return feature_matching_loss(features_real, features_fake, self.feature_matching_reduction)
