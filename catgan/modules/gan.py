"""Binary-score GAN baselines: minimax, non-saturating, hinge, least-squares and WGAN-GP, on the same
adversarial loop, data modules and networks as CatGAN."""

from __future__ import annotations

from torch import Tensor

from catgan.losses import check_gan_loss_kind, gan_discriminator_loss, gan_generator_loss
from catgan.modules.base import AdversarialModule, Labeled, LossAndParts


class GAN(AdversarialModule):
    """A GAN whose D outputs one score per example; ``loss`` picks the objective (see ``catgan.losses``).

    WGAN-GP is ``loss="wasserstein"`` with ``d_regularizers: [catgan.regularizers.GradientPenalty]`` (weight 10,
    usually with ``n_critic=5`` and a D without batch norm). Labels are ignored. Logged: D's and G's loss parts, the
    value V(D, G) estimate (``train/d/value``) and ``train/loss_total`` = L_D + L_G, both parts minimized. The other
    arguments go on to :class:`~catgan.modules.base.AdversarialModule`.

    Args:
        loss: the objective: ``minimax``, ``non_saturating``, ``hinge``, ``least_squares`` or ``wasserstein``.
    """

    def __init__(self, loss: str = "non_saturating", **kwargs) -> None:
        check_gan_loss_kind(loss)
        super().__init__(**kwargs)
        self.loss_kind = loss

    @property
    def discriminator_outputs(self) -> int:
        return 1

    def discriminator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        real_scores, fake_scores = self.discriminate(real, fake)
        return gan_discriminator_loss(real_scores, fake_scores, self.loss_kind)

    def generator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        _, fake_scores = self.discriminate_generated(real, fake)
        return gan_generator_loss(fake_scores, self.loss_kind)
