"""``StopAfterEpoch``: end a fit after some epochs without changing its schedule, to resume it later.

``trainer.max_epochs`` sets the length of a run *and* its schedule (``lr_decay_start`` is a fraction of it), so a
screening run cut short with a smaller ``max_epochs`` would not be the first part of the full run. This callback
stops the fit after ``epochs`` epochs (its last checkpoint saved as usual); resuming that checkpoint without the
callback continues the full run exactly (``scripts/reproduce.py --select-epoch``: restarts screened early, the
best one by D's mutual information continued).
"""

from __future__ import annotations

import lightning.pytorch as pl


class StopAfterEpoch(pl.Callback):
    """Stop ``trainer.fit`` once ``epochs`` training epochs are done (a run resumed at or past it trains nothing)."""

    def __init__(self, epochs: int) -> None:
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"StopAfterEpoch needs epochs >= 1 (the epochs to train before stopping), got {epochs!r}.")
        self.epochs = epochs

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch >= self.epochs:  # resumed from a checkpoint at or past the stop
            trainer.should_stop = True

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch + 1 >= self.epochs:
            trainer.should_stop = True
