"""The ``catgan`` console script: a LightningCLI over every catgan module and data module.

    catgan fit --config configs/digits_catgan.yaml
    catgan fit --config configs/digits_catgan.yaml --data.num_labeled 100 --trainer.logger CSVLogger

The data module's ``image_shape`` and ``num_classes`` are linked into the model, so networks are built
for the data without hand-copied shapes. W&B logging is the default and runs offline unless
``WANDB_MODE`` says otherwise (``wandb sync runs/wandb/offline-run-*`` uploads later). After ``fit``
the test split is evaluated (``--test_after_fit false`` skips it).
"""

from __future__ import annotations

import os
import time
from typing import List, Optional

import torch

from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.cli import LightningCLI
from lightning.pytorch.loggers import CSVLogger, WandbLogger
from jsonargparse import lazy_instance
from lightning.pytorch.utilities.model_helpers import is_overridden

from catgan.callbacks import ConfusionMatrixCallback, DecisionRegionCallback, SampleGridCallback


class CatGANCLI(LightningCLI):
    def add_arguments_to_parser(self, parser) -> None:
        parser.link_arguments("data.image_shape", "model.init_args.image_shape", apply_on="instantiate")
        parser.link_arguments("data.num_classes", "model.init_args.num_classes", apply_on="instantiate")
        parser.add_lightning_class_args(SampleGridCallback, "sample_grid")
        parser.add_lightning_class_args(ConfusionMatrixCallback, "confusion_matrix")
        parser.add_lightning_class_args(DecisionRegionCallback, "decision_regions")
        # the newest weights at every epoch end (last.ckpt), whether or not validation ran
        parser.add_lightning_class_args(ModelCheckpoint, "checkpoint")
        parser.set_defaults({"checkpoint.save_last": True, "checkpoint.save_on_train_epoch_end": True})
        parser.add_argument("--torch_threads", type=Optional[int], default=None,
                            help="torch.set_num_threads for CPU work; null keeps torch's default (all cores). "
                                 "Small networks run fastest on 1 thread, and 1 thread is immune to other jobs "
                                 "competing for the cores.")
        parser.add_argument("--test_after_fit", type=bool, default=True,
                            help="Evaluate the test split with the final weights after fit.")
        # No default model/data class: jsonargparse would carry a default class's values over to
        # whichever class a config picks (omni-us/jsonargparse#460). Configs name both.

    def before_instantiate_classes(self) -> None:
        # D and G take turns: each backward pass leaves the other network's parameters unused, which DDP
        # only accepts with find_unused_parameters, so plain "ddp" means that here.
        config = self.config[self.subcommand] if self.subcommand else self.config
        if config.get("torch_threads"):
            torch.set_num_threads(config.torch_threads)
        if config.trainer.strategy in ("ddp", "ddp_spawn"):
            config.trainer.strategy = f"{config.trainer.strategy}_find_unused_parameters_true"

    def before_fit(self) -> None:
        self._fit_started = time.perf_counter()

    def after_fit(self) -> None:
        self.fit_seconds = time.perf_counter() - self._fit_started
        # the metrics at the end of fit (val/...), before a test run replaces callback_metrics
        self.fit_metrics = {k: float(v) for k, v in self.trainer.callback_metrics.items() if v.numel() == 1}
        if self.trainer.is_global_zero:
            print(f"catgan: fit finished in {self.fit_seconds:.1f} s ({self.trainer.global_step} optimizer steps)")
        if self.config_init[self.subcommand].get("test_after_fit", True) and is_overridden("test_step", self.model):
            self.trainer.test(self.model, datamodule=self.datamodule)


def wandb_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("wandb") is not None


def trainer_defaults() -> dict:
    """W&B (offline unless WANDB_MODE says otherwise) when wandb is installed, else CSV files in runs/."""
    if wandb_available():
        logger = lazy_instance(WandbLogger, project="catgan", save_dir="runs")
    else:
        print("catgan: wandb is not installed; logging to CSV files under runs/ instead")
        logger = lazy_instance(CSVLogger, save_dir="runs")
    return {"default_root_dir": "runs", "logger": logger, "log_every_n_steps": 10}


def main(args: Optional[List[str]] = None, run: bool = True) -> Optional[CatGANCLI]:
    """Entry point of the console script (reads ``sys.argv``). Given ``args``, runs in-process and
    returns the CLI object (``cli.trainer``, ``cli.model``, ``cli.datamodule``), as tests do."""
    os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network unless asked to
    cli = CatGANCLI(
        subclass_mode_model=True,
        subclass_mode_data=True,
        trainer_defaults=trainer_defaults(),
        save_config_kwargs={"overwrite": True},
        auto_configure_optimizers=False,
        args=args,
        run=run,
    )
    return cli if args is not None else None  # the console script's exit status stays 0


if __name__ == "__main__":
    main()
