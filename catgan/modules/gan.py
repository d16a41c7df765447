"""Binary-score GAN baselines: minimax, non-saturating, hinge, least-squares and WGAN-GP, on the same
adversarial loop, data modules and networks as CatGAN."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from torch import Tensor

from catgan.losses import check_gan_loss_kind, gan_discriminator_loss, gan_generator_loss, gradient_penalty
from catgan.modules.base import AdversarialModule, DiscriminatorFactory, GeneratorFactory, Labeled, LossAndParts


class GAN(AdversarialModule):
    """A GAN whose D outputs one score per example; ``loss`` picks the objective (see ``catgan.losses``).

    WGAN-GP is ``loss="wasserstein", gp_weight=10`` (usually with ``n_critic=5`` and a D without batch
    norm). Labels are ignored. Logged: D's and G's loss parts, the value V(D, G) estimate
    (``train/d/value``) and ``train/loss_total`` = L_D + L_G, both parts minimized.
    """

    def __init__(
        self,
        image_shape: Optional[Sequence[int]] = None,
        num_classes: int = 10,
        loss: str = "non_saturating",
        gp_weight: float = 0.0,
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
    ) -> None:
        check_gan_loss_kind(loss)
        if gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight}.")
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
        )
        self.loss_kind = loss
        self.gp_weight = float(gp_weight)
        self.save_hyperparameters()

    @property
    def discriminator_outputs(self) -> int:
        return 1

    def discriminator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        real_scores, fake_scores = self.discriminate(real, fake)
        loss, parts = gan_discriminator_loss(real_scores, fake_scores, self.loss_kind)
        if self.gp_weight > 0:
            penalty, penalty_parts = gradient_penalty(lambda x: self.discriminate(None, x)[0], real, fake)
            loss = loss + self.gp_weight * penalty
            parts.update(penalty_parts, loss=loss.detach())
        return loss, parts

    def generator_loss(self, real: Tensor, fake: Tensor, labeled: Labeled) -> LossAndParts:
        _, fake_scores = self.discriminate_generated(real, fake)
        return gan_generator_loss(fake_scores, self.loss_kind)
