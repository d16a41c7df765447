"""A learning-curve callback: after every training epoch, append validation and test accuracy (and the
epoch's mean training-loss terms) to a JSON file, so a long run leaves a curve even if it is stopped.

    catgan fit --config configs/mnist_pi_catgan_100.yaml \
        --trainer.callbacks+=catgan.curves.LearningCurve --trainer.callbacks.path results/curve.json

The validation numbers are the ones the module logged (``val/acc``, ``val/cluster_acc``); the test split is
classified here with D in eval mode (``pl_module.classify``) under the trainer's precision (bf16 autocast
for ``bf16-mixed``, as the test after fit), on the data module's test loader. The test
numbers are for plotting the curve; choose settings on the validation split. ``plot`` in
scripts/plot_learning_curve.py reads these files.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from typing import Dict, List

import lightning.pytorch as pl
import torch

from catgan.extra_averages import extra_classifiers
from catgan.metrics import clustering_accuracy


class LearningCurve(pl.Callback):
    """Writes ``{"epochs": [{"epoch", "step", "seconds", "cpu_seconds", "val/acc", "test/acc", ...,
    "train/...": mean}]}`` to ``path`` (rewritten whole after each epoch). ``test_every_epoch=False`` skips the
    test split. ``seconds`` is wall time; ``cpu_seconds`` the process's CPU time (all its threads: with one
    torch thread, the core time the run used; other jobs on the machine inflate it far less than the wall time,
    though shared caches still cost some).

    The rows and both clocks are callback state, saved in checkpoints: a fit resumed with ``--ckpt_path``
    continues the curve (earlier epochs kept, both clocks counting on from the saved times; a checkpoint
    written before ``cpu_seconds`` existed resumes without it)."""

    def __init__(self, path: str, test_every_epoch: bool = True) -> None:
        self.path = str(path)
        self.test_every_epoch = test_every_epoch
        self.rows: List[Dict[str, float]] = []
        self._sums: Dict[str, float] = defaultdict(float)
        self._count = 0
        self._val: Dict[str, float] = {}
        self._started = time.perf_counter()
        self._seconds_before = 0.0  # training time of the fit this one resumed, from its checkpoint
        self._cpu_started = time.process_time()
        self._cpu_before: float | None = 0.0  # None: resumed from a checkpoint that has no CPU time

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()

    def elapsed(self) -> float:
        return self._seconds_before + time.perf_counter() - self._started

    def cpu_elapsed(self) -> float | None:
        if self._cpu_before is None:
            return None
        return self._cpu_before + time.process_time() - self._cpu_started

    def state_dict(self) -> Dict[str, object]:
        return {"rows": list(self.rows), "seconds": self.elapsed(), "cpu_seconds": self.cpu_elapsed()}

    def load_state_dict(self, state_dict: Dict[str, object]) -> None:
        self.rows = list(state_dict["rows"])
        self._seconds_before = float(state_dict["seconds"])
        cpu = state_dict.get("cpu_seconds")
        self._cpu_before = None if cpu is None else float(cpu)
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:  # only epochs that validated get val numbers (no stale values)
            self._val = {
                name: float(value)
                for name, value in trainer.callback_metrics.items()
                if name in ("val/acc", "val/cluster_acc", "val/cluster_acc_majority", "val/acc_raw")
                or name.startswith("val/acc_ema_")  # catgan.extra_averages.DiscriminatorAverages
            }

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        for name, value in trainer.callback_metrics.items():
            if name.startswith("train/"):
                self._sums[name] += float(value)
        self._count += 1

    @torch.no_grad()
    def test_accuracy(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Dict[str, float]:
        """Accuracy and clustering accuracy of D's argmax on the test split, with D in eval mode (the averaged D
        when the module keeps one; then also ``test/acc_raw``, the D being trained, and ``test/acc_ema_<decay>`` per
        average a ``DiscriminatorAverages`` callback keeps)."""
        loader = trainer.datamodule.test_dataloader()
        was_training = pl_module.training
        pl_module.eval()
        try:
            raw = getattr(pl_module, "classifying_discriminator", None) is not getattr(pl_module, "discriminator", None)
            extra = extra_classifiers(trainer)
            preds, raw_preds, targets = [], [], []
            extra_preds: Dict[str, list] = {name: [] for name, _ in extra}
            # under the trainer's precision (bf16 autocast for bf16-mixed), as the CLI's test after fit
            with torch.no_grad(), trainer.precision_plugin.test_step_context():
                for x, y in loader:
                    x = x.to(pl_module.device)
                    preds.append(pl_module.classify(x).argmax(dim=1).cpu())  # (B,)
                    if raw:
                        raw_preds.append(pl_module.discriminator(x).argmax(dim=1).cpu())
                    for name, network in extra:
                        network.eval()
                        extra_preds[name].append(network(x).argmax(dim=1).cpu())
                    targets.append(y.cpu())
        finally:
            pl_module.train(was_training)
        preds, targets = torch.cat(preds), torch.cat(targets)
        c = int(getattr(pl_module, "num_classes", int(targets.max()) + 1))
        k = int(getattr(pl_module, "num_outputs", c))  # D's outputs: more than c for a clustering CatGAN
        result = {"test/cluster_acc": float(clustering_accuracy(preds, targets, k, c))}
        if k == c:
            result["test/acc"] = float((preds == targets).float().mean())
        else:
            result["test/cluster_acc_majority"] = float(clustering_accuracy(preds, targets, k, c, mapping="majority"))
        if raw_preds and k == c:
            result["test/acc_raw"] = float((torch.cat(raw_preds) == targets).float().mean())
        for name, found in extra_preds.items():
            result[f"test/acc_{name}"] = float((torch.cat(found) == targets).float().mean())
        return result

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        row: Dict[str, float] = {
            "epoch": trainer.current_epoch + 1,
            "step": trainer.global_step,
            "seconds": round(self.elapsed(), 2),
        }
        cpu = self.cpu_elapsed()
        if cpu is not None:
            row["cpu_seconds"] = round(cpu, 2)
        row.update(self._val)
        self._val = {}
        if self.test_every_epoch and trainer.datamodule is not None and hasattr(pl_module, "classify"):
            row.update(self.test_accuracy(trainer, pl_module))
        row.update({name: total / max(self._count, 1) for name, total in sorted(self._sums.items())})
        self._sums.clear()
        self._count = 0
        self.rows.append(row)
        if trainer.is_global_zero:
            self.write()

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.is_global_zero:
            self.write()  # also when no epoch ran (a fit resumed from the checkpoint of a finished run)

    def write(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"epochs": self.rows}, f, indent=1)
        os.replace(tmp, self.path)  # a reader never sees a half-written file
