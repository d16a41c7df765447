"""More averages of D in one fit: a callback that keeps one exponential moving average of D's weights and batch-norm
statistics per decay, updated right after each D step, and scores each on the validation and test splits as
``val/acc_ema_<decay>`` and ``test/acc_ema_<decay>``. Averaging does not change training, so one fit screens
several decays (a module's own ``d_ema_decay`` average is the one its ``val/acc`` uses).

    catgan fit --config configs/mnist_pi_catgan_100.yaml \
        --trainer.callbacks+=catgan.extra_averages.DiscriminatorAverages \
        --trainer.callbacks.decays '[0.9999, 0.99995]'

The averages warm up as the module's (``catgan.modules.averaging.warmed_up_ema``); with the module's own decay one
equals ``discriminator_ema`` exactly. They are callback state, saved in checkpoints: a resumed fit continues them.
``catgan.curves.LearningCurve`` adds their errors to its rows (validation from the logged values, test its own pass).
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Sequence, Tuple

import lightning.pytorch as pl
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from catgan.modules.averaging import warmed_up_ema


def decay_name(decay: float, warm_up: bool = True) -> str:
    """The metric suffix of a decay: ``ema_0.9999``, or ``ema_0.9999_no_warm_up`` for an average without warm-up."""
    return f"ema_{decay:g}" + ("" if warm_up else "_no_warm_up")


class DiscriminatorAverages(pl.Callback):
    """One average of D per decay in ``decays`` (each in (0, 1)), updated after every step of D's optimizer (the
    trainer's first), scored as ``<stage>/acc_ema_<decay>`` on the validation and test splits. ``warm_up``: the rate
    warms up as the module's, min(decay, (1 + n) / (10 + n)) at update n, which caps it below 0.9997 for the first
    30,000 steps (decays above that cap are then the same average); False: the decay from the first update on
    (after copying the first weights), named ``acc_ema_<decay>_no_warm_up``."""

    def __init__(self, decays: Sequence[float], warm_up: bool = True) -> None:
        decays = [float(d) for d in decays]
        if not decays or any(not 0.0 < d < 1.0 for d in decays) or len(set(decays)) != len(decays):
            raise ValueError(
                f"DiscriminatorAverages: decays must be distinct numbers in (0, 1), e.g. [0.9999], got {decays}."
            )
        self.decays = decays
        self.warm_up = bool(warm_up)
        self.averages: Dict[float, nn.Module] = {}
        self._pending: Dict[str, dict] = {}  # states from a checkpoint, loaded once the averages exist
        self._hook = None

    @property
    def state_key(self) -> str:
        return f"DiscriminatorAverages{self.decays}" + ("" if self.warm_up else "_no_warm_up")

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        discriminator = getattr(pl_module, "discriminator", None)
        if not isinstance(discriminator, nn.Module) or not hasattr(pl_module, "classify"):
            raise ValueError(
                f"DiscriminatorAverages averages a classifying `discriminator`; {type(pl_module).__name__} has none: "
                "drop the callback for this model."
            )
        if not self.averages:
            self.averages = {
                d: AveragedModel(
                    discriminator, multi_avg_fn=warmed_up_ema(d, self.warm_up), use_buffers=True
                ).requires_grad_(False)
                for d in self.decays
            }
        for decay, state in self._pending.items():
            self.averages[float(decay)].load_state_dict(state)
        self._pending = {}

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        for average in self.averages.values():
            average.to(pl_module.device)
        discriminator = pl_module.discriminator

        def update(optimizer, args, kwargs) -> None:
            for average in self.averages.values():
                average.update_parameters(discriminator)

        self._hook = trainer.optimizers[0].register_step_post_hook(update)  # D's optimizer

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None

    def state_dict(self) -> Dict[str, dict]:
        return {str(decay): average.state_dict() for decay, average in self.averages.items()}

    def load_state_dict(self, state_dict: Dict[str, dict]) -> None:
        if {float(d) for d in state_dict} != set(self.decays):
            raise ValueError(
                f"DiscriminatorAverages: the checkpoint holds averages for decays {sorted(map(float, state_dict))}, "
                f"this callback has {self.decays}: resume with the same decays."
            )
        self._pending = dict(state_dict)
        if self.averages:  # already set up: load now
            for decay, state in self._pending.items():
                self.averages[float(decay)].load_state_dict(state)
            self._pending = {}

    def classifiers(self) -> Iterator[Tuple[str, nn.Module]]:
        """(metric suffix, averaged D) per decay, once updated: an average no D step reached (``catgan test`` or
        ``validate`` with the callback, which do not restore callback state) is a copy of D from before any
        checkpoint was loaded, so it is not scored."""
        for decay, average in self.averages.items():
            if int(average.n_averaged) > 0:
                yield decay_name(decay, self.warm_up), average.module

    @torch.no_grad()
    def _score(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str, batch) -> None:
        x, y = batch[0], batch[1]
        context = (
            trainer.precision_plugin.val_step_context if stage == "val" else trainer.precision_plugin.test_step_context
        )
        for name, network in self.classifiers():
            network.eval()
            with context():
                preds = network(x).argmax(dim=1)  # (B,)
            correct = (preds == y).float().mean()
            pl_module.log(f"{stage}/acc_{name}", correct, on_step=False, on_epoch=True, batch_size=len(y))

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if not trainer.sanity_checking:
            self._score(trainer, pl_module, "val", batch)

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        self._score(trainer, pl_module, "test", batch)


def extra_classifiers(trainer: pl.Trainer) -> List[Tuple[str, nn.Module]]:
    """Every (metric suffix, averaged D) kept by the trainer's ``DiscriminatorAverages`` callbacks."""
    found = []
    for callback in trainer.callbacks:
        if isinstance(callback, DiscriminatorAverages):
            found.extend(callback.classifiers())
    return found
