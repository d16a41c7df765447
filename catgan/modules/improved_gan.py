"""Improved-GAN (Salimans et al. 2016, "Improved Techniques for Training GANs", arXiv 1606.03498): the
semi-supervised K-class discriminator with an implicit fake class, and a feature-matching generator,
on the shared adversarial loop."""

from __future__ import annotations

from torch import Tensor

from catgan.losses import feature_matching_loss, improved_gan_discriminator_loss
from catgan.modules.base import AdversarialModule, Labeled, LossAndParts
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

    ``predict_step`` returns argmax over the K real classes; ``sample(n)`` draws images. The other arguments
    (networks, learning rates, ``d_regularizers``, ...) go on to :class:`~catgan.modules.base.AdversarialModule`.

    Args:
        supervised_weight: lambda, the weight of the labeled cross-entropy in L_D.
        feature_matching_reduction: ``sum`` over D's features (the paper's squared norm) or ``mean`` (the official code).
        entropy_weight: w adds w * mean_i H[p(y|x_i)] on the real unlabeled batch to L_D (Dai et al. 2017's "Ent").
    """

    def __init__(
        self,
        supervised_weight: float = 1.0,
        feature_matching_reduction: str = "sum",
        entropy_weight: float = 0.0,
        **kwargs,
    ) -> None:
        num_classes = int(kwargs.get("num_classes", 10))
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
        super().__init__(**kwargs)
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
