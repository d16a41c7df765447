"""The two players' Adam optimizers and their learning-rate schedule, the first link of the adversarial modules'
constructor chain: ``AdversarialModule`` passes these arguments on (``**kwargs``), so each is declared once and
still listed by ``catgan fit --help`` and ``--print_config`` (jsonargparse follows ``**kwargs`` to the parent)."""

from __future__ import annotations

from typing import Optional, Tuple

import lightning.pytorch as pl
import torch


class TwoPlayerAdam(pl.LightningModule):
    """Adam for D (``self.discriminator``) and for G (``self.generator``), which the subclass builds.

    Records the arguments of every constructor in the chain (``save_hyperparameters`` collects the frames of the
    subclasses' ``__init__`` too), so a checkpoint rebuilds the model.

    Args:
        lr_d: D's Adam learning rate.
        lr_g: G's Adam learning rate.
        betas: Adam's betas for both players.
        adam_eps: Adam's epsilon for both players (added to sqrt(v)); a resumed run keeps its checkpoint's.
        fused_adam: torch's fused Adam kernel (the same update up to float rounding); off: the foreach kernel.
        lr_decay_start: fraction of ``max_epochs`` after which both rates decay linearly to zero at the last epoch;
            None keeps them constant.
    """

    def __init__(
        self,
        lr_d: float = 2e-4,
        lr_g: float = 2e-4,
        betas: Tuple[float, float] = (0.5, 0.999),
        adam_eps: float = 1e-8,
        fused_adam: bool = False,
        lr_decay_start: Optional[float] = None,
    ) -> None:
        super().__init__()
        if not adam_eps > 0:
            raise ValueError(f"adam_eps must be > 0 (Adam's epsilon, default 1e-8), got {adam_eps}.")
        if lr_decay_start is not None and not 0.0 <= lr_decay_start < 1.0:
            raise ValueError(f"lr_decay_start is a fraction of max_epochs in [0, 1), got {lr_decay_start}.")
        self.save_hyperparameters()
        self.lr_d, self.lr_g, self.betas = lr_d, lr_g, tuple(betas)
        self.adam_eps, self.fused_adam = float(adam_eps), bool(fused_adam)
        self.lr_decay_start = lr_decay_start

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers()
        if schedulers is None:
            return
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
            scheduler.step()

    def configure_optimizers(self):
        fused = True if self.fused_adam else None  # None: torch's default kernel (foreach)
        opt_d = torch.optim.Adam(
            self.discriminator.parameters(), lr=self.lr_d, betas=self.betas, eps=self.adam_eps, fused=fused
        )
        opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=self.lr_g, betas=self.betas, eps=self.adam_eps, fused=fused
        )
        if self.lr_decay_start is None:
            return [opt_d, opt_g]
        max_epochs = self.trainer.max_epochs if self.trainer.max_epochs and self.trainer.max_epochs > 0 else None
        if max_epochs is None:
            raise ValueError("lr_decay_start needs trainer.max_epochs to be set.")
        start = self.lr_decay_start * max_epochs

        def factor(epoch: int) -> float:  # linear decay from `start` to 0 at max_epochs
            return 1.0 if epoch < start else max(0.0, (max_epochs - epoch) / max(max_epochs - start, 1e-8))

        schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, factor) for opt in (opt_d, opt_g)]
        return [opt_d, opt_g], schedulers
