"""The ``catgan`` console script: a LightningCLI over every catgan module and data module.

    catgan fit --config configs/digits_catgan.yaml
    catgan fit --config configs/digits_catgan.yaml --data.num_labeled 100 --trainer.logger CSVLogger
    catgan predict --config configs/digits_catgan.yaml --ckpt_path <run>/checkpoints/last.ckpt \
        [--predict_input FOLDER_OR_NPY] [--prediction_writer.path predictions.csv]
    catgan sample --ckpt_path <run>/checkpoints/last.ckpt --num 64 --out samples [--format png npz]

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
from jsonargparse import lazy_instance
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.cli import LightningCLI
from lightning.pytorch.loggers import CSVLogger, WandbLogger
from lightning.pytorch.utilities.model_helpers import is_overridden

from catgan.callbacks import ConfusionMatrixCallback, DecisionRegionCallback, SampleGridCallback
from catgan.predictions import PredictionWriter


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
        parser.add_argument(
            "--torch_threads",
            type=Optional[int],
            default=None,
            help="torch.set_num_threads for CPU work; null keeps torch's default (all cores). "
            "Small networks run fastest on 1 thread, and 1 thread is immune to other jobs "
            "competing for the cores.",
        )
        parser.add_argument(
            "--test_after_fit",
            type=bool,
            default=True,
            help="Evaluate the test split with the final weights after fit.",
        )
        # predict: what to classify (default: the data module's test split) and where the CSV goes
        parser.add_lightning_class_args(PredictionWriter, "prediction_writer")
        parser.add_argument(
            "--predict_input",
            type=Optional[str],
            default=None,
            help="predict: a folder of images (recursive) or an .npy/.npz array to classify "
            "instead of the data module's test split.",
        )
        # No default model/data class: jsonargparse would carry a default class's values over to
        # whichever class a config picks (omni-us/jsonargparse#460). Configs name both.

    def _parse_ckpt_path(self) -> None:
        """Lightning's CLI replaces the model arguments by the checkpoint's saved hyperparameters when
        ``--ckpt_path`` is given, so on ``fit`` an override such as ``--model.init_args.lr_d`` (or an edited
        config file) would be ignored without a word. Resuming continues the checkpoint's run: a changed model
        argument is refused here, before anything is built or written. Trainer and data arguments (for example a
        larger ``max_epochs``) still apply."""
        subcommand = self.config.get("subcommand")
        given = self.config[subcommand].get("model") if subcommand == "fit" else None
        given = given.clone().as_dict() if given is not None else None
        super()._parse_ckpt_path()
        if given is None:
            return
        changes = model_argument_changes(given, self.config[subcommand].model.as_dict())
        if changes:
            raise SystemExit(
                f"catgan: resuming {self.config[subcommand].ckpt_path!r} with model arguments that differ from "
                f"the checkpoint's: {'; '.join(changes)}. A resumed fit continues the checkpoint's run with its own "
                "settings (Lightning would silently use the checkpoint's values): drop these overrides, or pass the "
                "checkpoint's values, to continue it; start a new fit (no --ckpt_path) to train with new settings."
            )

    def before_instantiate_classes(self) -> None:
        # D and G take turns: each backward pass leaves the other network's parameters unused, which DDP
        # only accepts with find_unused_parameters, so plain "ddp" means that here.
        config = self.config[self.subcommand] if self.subcommand else self.config
        if config.get("torch_threads"):
            torch.set_num_threads(config.torch_threads)
        if config.trainer.strategy in ("ddp", "ddp_spawn"):
            config.trainer.strategy = f"{config.trainer.strategy}_find_unused_parameters_true"

    def before_predict(self) -> None:
        path = self.config_init[self.subcommand].get("predict_input")
        if path:
            self.datamodule.set_predict_input(path)

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


# model arguments the data module fills in (link_arguments above): never the user's to give
LINKED_MODEL_ARGUMENTS = ("init_args.image_shape", "init_args.num_classes")


def model_argument_changes(given: dict, checkpoint: dict) -> List[str]:
    """``"name: given X, checkpoint Y"`` for each model argument (nested networks included, dotted names) whose
    value in ``given`` differs from ``checkpoint``'s; tuples and lists compare equal when their items do."""

    def leaves(tree, prefix=""):
        if isinstance(tree, dict):
            for key, value in tree.items():
                yield from leaves(value, f"{prefix}.{key}" if prefix else key)
        else:
            yield prefix, list(tree) if isinstance(tree, tuple) else tree

    given_leaves, checkpoint_leaves = dict(leaves(given)), dict(leaves(checkpoint))
    changes = []
    for name in sorted(set(given_leaves) | set(checkpoint_leaves)):
        if name in LINKED_MODEL_ARGUMENTS or name.startswith("dict_kwargs"):
            continue
        mine, theirs = given_leaves.get(name), checkpoint_leaves.get(name)
        if mine != theirs:
            changes.append(f"{name.removeprefix('init_args.')}: given {mine!r}, checkpoint {theirs!r}")
    return changes


class OfflineFirstWandbLogger(WandbLogger):
    """Lightning's ``WandbLogger`` as the CLI's default, without the two warnings every run printed:

    - Lightning always hands ``anonymous=None`` to ``wandb.init``, a setting wandb deprecated ("The anonymous
      setting has no effect"): it is passed only when set;
    - wandb looks for a git repository from ``save_dir`` before the folder exists ("git root runs does not
      exist"): the folder is made first.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
        if self._save_dir:
            os.makedirs(self._save_dir, exist_ok=True)


def wandb_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("wandb") is not None


def trainer_defaults() -> dict:
    """W&B (offline unless WANDB_MODE says otherwise) when wandb is installed, else CSV files in runs/."""
    if wandb_available():
        logger = lazy_instance(OfflineFirstWandbLogger, project="catgan", save_dir="runs")
    else:
        print("catgan: wandb is not installed; logging to CSV files under runs/ instead")
        logger = lazy_instance(CSVLogger, save_dir="runs")
    return {"default_root_dir": "runs", "logger": logger, "log_every_n_steps": 10}


def load_checkpoint_model(ckpt_path: str):
    """The module saved in a catgan checkpoint, rebuilt from its own saved config (its class is recorded)."""
    import importlib

    if not os.path.isfile(ckpt_path):
        raise SystemExit(
            f"catgan: checkpoint {ckpt_path!r} not found (a run's checkpoints are in <run>/checkpoints/last.ckpt)."
        )
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    name = checkpoint.get("catgan_model_class")
    if not name:
        raise SystemExit(f"catgan: {ckpt_path!r} is not a catgan checkpoint (it names no catgan model class).")
    module, cls = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), cls).load_from_checkpoint(
        ckpt_path, map_location="cpu", weights_only=False
    )


def sample_main(argv: List[str]) -> dict:
    """``catgan sample``: generated samples of a checkpoint to PNG files and/or one .npz."""
    import argparse

    from catgan.predictions import write_samples

    parser = argparse.ArgumentParser(
        prog="catgan sample",
        description=(
            "Write samples of a trained generator (its EMA when kept) to files; for CatGAN and ImprovedGAN also the "
            "class D assigns to each (in the PNG names and in samples.npz's 'classes')."
        ),
    )
    parser.add_argument("--ckpt_path", required=True)
    parser.add_argument("--num", type=int, default=64)
    parser.add_argument("--out", default=None, help="folder (default: samples/ in the checkpoint's run folder)")
    parser.add_argument("--format", nargs="+", choices=["png", "npz"], default=["png", "npz"])
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents (same seed, same samples)")
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error("--num must be >= 1")
    model = load_checkpoint_model(args.ckpt_path)
    folder = os.path.dirname(os.path.abspath(args.ckpt_path))
    run = os.path.dirname(folder) if os.path.basename(folder) == "checkpoints" else folder
    out = args.out or os.path.join(run, "samples")
    written = write_samples(model, args.num, out, args.format, seed=args.seed)
    print(f"catgan: wrote {args.num} samples ({', '.join(args.format)}) to {out}")
    return written


def main(args: Optional[List[str]] = None, run: bool = True) -> Optional[CatGANCLI]:
    """Entry point of the console script (reads ``sys.argv``). Given ``args``, runs in-process and
    returns the CLI object (``cli.trainer``, ``cli.model``, ``cli.datamodule``), as tests do.
    ``catgan sample ...`` writes samples of a checkpoint (see ``sample_main``)."""
    import sys

    argv = sys.argv[1:] if args is None else list(args)
    if argv[:1] == ["sample"]:
        written = sample_main(argv[1:])
        return written if args is not None else None
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
