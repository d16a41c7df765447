"""The LightningCLI behind ``catgan fit/validate/test/predict`` (catgan/cli.py is the console script in front of it,
which imports this module only when a subcommand runs, so ``catgan --help`` answers at once).

A fit writes its run into one folder (catgan/run_folders.py): ``config.yaml`` (the config that ran), ``checkpoints/``
and the logger's files, and ends by printing where they are. The checkpoint also keeps the model and data
settings, so predict/test/validate/sample need only ``--ckpt_path``, and what predicting on new inputs needs of the
data (catgan/data/predict_input.py), so ``predict --predict_input`` reads no training data. When the data of a
checkpoint is gone, predict/test/validate stop with an error that names the fix.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from typing import Any, Dict, List, Optional

import torch
from lightning.pytorch import Callback
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from lightning.pytorch.loggers import WandbLogger
from lightning.pytorch.utilities.model_helpers import is_overridden

from catgan.callbacks import ConfusionMatrixCallback, DecisionRegionCallback, SampleGridCallback
from catgan.data.base import BaseSemiSupervisedDataModule
from catgan.data.predict_input import PredictInputDataModule, prediction_settings
from catgan.predictions import PredictionWriter
from catgan.run_folders import link_latest, shown

DESCRIPTION = "catgan: semi-supervised learning with Categorical GANs (CatGAN) and GAN baselines."


class CatGANCLI(LightningCLI):
    """LightningCLI over every catgan module and data module; ``run_dir`` is the folder a fit writes to."""

    def __init__(
        self,
        *args,
        run_dir: Optional[str] = None,
        point_latest: bool = False,
        checkpoint_dir: Optional[str] = None,
        **kwargs,
    ) -> None:
        self.run_dir, self.point_latest = run_dir, point_latest  # point_latest: <run_dir>/../latest links to it
        # fit: <run_dir>/checkpoints; predict/test/validate: the given checkpoint's folder (Lightning warns when a
        # loaded checkpoint's folder differs from the callback's)
        self.checkpoint_dir = checkpoint_dir or (os.path.join(run_dir, "checkpoints") if run_dir else None)
        super().__init__(*args, **kwargs)

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
            "--run_dir",
            type=Optional[str],
            default=self.run_dir,
            help="fit: the folder of this run (config.yaml, checkpoints/, logs); default runs/<config name>/<date>-"
            "<time>, with runs/<config name>/latest pointing at it.",
        )
        if self.checkpoint_dir:
            parser.set_defaults({"checkpoint.dirpath": self.checkpoint_dir})
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
        from catgan.cli import model_argument_changes

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
        if self.subcommand in ("fit", None) and config.get("run_dir") and config.run_dir != self.run_dir:
            move_run_dir(config, self.run_dir, config.run_dir)  # run_dir set in a config file
            self.run_dir, self.point_latest = config.run_dir, False
        self.settings = checkpoint_settings(config)
        if self.subcommand == "predict" and config.get("predict_input") and config.get("ckpt_path"):
            predict_input_data(config)

    def instantiate_classes(self) -> None:
        try:
            super().instantiate_classes()
        except (ValueError, FileNotFoundError) as error:
            config = self.config[self.subcommand] if self.subcommand else self.config
            missing = missing_file(error)
            if missing is None or self.subcommand not in ("predict", "test", "validate") or not config.get("ckpt_path"):
                raise
            raise SystemExit(missing_data_message(self.subcommand, config, missing)) from None

    def before_predict(self) -> None:
        path = self.config_init[self.subcommand].get("predict_input")
        if path:
            self.datamodule.set_predict_input(path)

    def before_fit(self) -> None:
        self._fit_started = time.perf_counter()
        self.fit_to_the_data()
        if self.settings:
            self.trainer.callbacks.append(SettingsInCheckpoint(self.settings))
        latest = self.point_latest and self.run_dir and self.trainer.is_global_zero
        self.latest = link_latest(self.run_dir) if latest else None

    def fit_to_the_data(self) -> None:
        """Settings that follow from the data's size, each at its cause instead of a Lightning warning: an empty
        validation split turns validation off (and says so); a run of fewer batches per epoch than
        ``log_every_n_steps`` logs every epoch's last batch."""
        data, trainer = self.datamodule, self.trainer
        if not isinstance(data, BaseSemiSupervisedDataModule) or trainer.fast_dev_run:
            return
        data.setup("fit")
        if data.splits.val_x.shape[0] == 0 and trainer.limit_val_batches != 0:
            print("catgan: the validation split is empty (val_size 0): no validation during the fit")
            trainer.limit_val_batches = 0
        batches = data.splits.train_x.shape[0] // data.batch_size
        limit = trainer.limit_train_batches
        batches = min(batches, limit) if isinstance(limit, int) else int(batches * limit)
        trainer.log_every_n_steps = max(1, min(trainer.log_every_n_steps, batches))

    def after_fit(self) -> None:
        self.fit_seconds = time.perf_counter() - self._fit_started
        # the metrics at the end of fit (val/...), before a test run replaces callback_metrics
        self.fit_metrics = {k: float(v) for k, v in self.trainer.callback_metrics.items() if v.numel() == 1}
        if self.trainer.is_global_zero:
            print(f"catgan: fit finished in {self.fit_seconds:.1f} s ({self.trainer.global_step} optimizer steps)")
        test = self.config_init[self.subcommand].get("test_after_fit", True) and is_overridden("test_step", self.model)
        splits = getattr(self.datamodule, "splits", None)
        if test and splits is not None and splits.test_x.shape[0] == 0:
            print("catgan: the test split is empty (test_size 0): no test after the fit")
        elif test:
            self.trainer.test(self.model, datamodule=self.datamodule)
        if self.trainer.is_global_zero:
            print("\n".join(self.where_the_run_went()))

    def where_the_run_went(self) -> List[str]:
        """One line each: the run folder, the checkpoint, the saved config, the W&B files."""
        run = self.run_dir or self.trainer.default_root_dir
        latest = f" (also {shown(self.latest)})" if getattr(self, "latest", None) else ""
        lines = [f"catgan: run folder {shown(run)}{latest}"]
        checkpoint = self.trainer.checkpoint_callback
        last = os.path.join(checkpoint.dirpath, "last.ckpt") if checkpoint and checkpoint.dirpath else None
        lines.append(f"catgan: checkpoint {shown(last)}" if last and os.path.exists(last) else "catgan: no checkpoint")
        saved = next((c.saved_to for c in self.trainer.callbacks if isinstance(c, RunConfigSaver) and c.saved_to), None)
        lines.append(f"catgan: config {shown(saved)}" if saved else "catgan: config not saved (fast_dev_run)")
        logger = self.trainer.logger
        if isinstance(logger, WandbLogger) and logger._experiment is not None:
            files = getattr(logger.experiment, "dir", None)
            mode = os.environ.get("WANDB_MODE", "offline")
            if files and mode in ("offline", "dryrun"):
                lines.append(
                    f"catgan: W&B run saved offline; upload it with: wandb sync {shown(os.path.dirname(files))}"
                )
        return lines


def move_run_dir(config, old: Optional[str], new: str) -> None:
    """Point the trainer's root folder, the checkpoint folder and the logger's folder at ``new`` where they still
    are the defaults derived from ``old``."""
    if config.trainer.default_root_dir == old:
        config.trainer.default_root_dir = new
    if old and config.checkpoint.dirpath == os.path.join(old, "checkpoints"):
        config.checkpoint.dirpath = os.path.join(new, "checkpoints")
    logger = config.trainer.logger
    init_args = getattr(logger, "init_args", None)
    if init_args is not None and init_args.get("save_dir") == old:
        init_args.save_dir = new


def checkpoint_settings(config) -> Optional[Dict[str, Any]]:
    """The model and data settings (and the seed) to keep in each checkpoint (JSON-able), or None when they are not."""
    settings = {key: config[key].as_dict() for key in ("model", "data") if config.get(key) is not None}
    settings["seed_everything"] = config.get("seed_everything")
    try:
        json.dumps(settings)
    except TypeError:
        return None
    return settings


PREDICTION_SETTINGS = "catgan_prediction_settings"  # checkpoint key of the data's prediction_settings


def predict_input_data(config) -> None:
    """``predict --predict_input``: a ``PredictInputDataModule`` from the checkpoint's prediction settings replaces
    the data module (``--data.init_args.eval_batch_size`` still applies). A checkpoint without them (one saved outside
    ``catgan fit`` or by an older catgan) keeps the data module it was trained on."""
    from jsonargparse import Namespace

    from catgan.run_folders import read_checkpoint

    saved = read_checkpoint(config.ckpt_path).get(PREDICTION_SETTINGS)
    if not saved:
        return
    batch = config.get("data.init_args.eval_batch_size")
    init_args = Namespace({**saved, **({"eval_batch_size": batch} if batch else {})})
    cls = PredictInputDataModule
    config.data = Namespace(class_path=f"{cls.__module__}.{cls.__qualname__}", init_args=init_args)


def missing_file(error: BaseException) -> Optional[FileNotFoundError]:
    """The FileNotFoundError behind ``error`` (jsonargparse wraps what a constructor raises), or None."""
    while error is not None and not isinstance(error, FileNotFoundError):
        error = error.__cause__ or error.__context__
    return error


def missing_data_message(subcommand: str, config, missing: FileNotFoundError) -> str:
    """What to do when the data a checkpoint was trained on is not where the fit read it."""
    option = str(missing).split(":", 1)[0]
    new_place = f"pass where it is now (--data.init_args.{option if option.isidentifier() else '<option>'} NEW_PATH)"
    head = f"catgan {subcommand}: the data {config.ckpt_path!r} was trained on cannot be read ({str(missing).rstrip('.')})."
    if subcommand != "predict":
        split = "test" if subcommand == "test" else "validation"
        return f"{head} {subcommand} uses its {split} split: restore the data where the fit read it, or {new_place}."
    if config.get("predict_input"):
        return (
            f"{head} The checkpoint holds no prediction settings (it was saved outside catgan fit or by an older "
            f"catgan), so predict builds its training data: restore the data where the fit read it, or {new_place}."
        )
    return (
        f"{head} Without --predict_input, predict classifies its test split. Classify other images with "
        f"--predict_input FOLDER_OR_NPY (that reads no training data), or restore the data where the fit read it, "
        f"or {new_place}."
    )


class SettingsInCheckpoint(Callback):
    """Writes the CLI's model and data settings and seed into every checkpoint (``catgan_config``), and the data's
    ``prediction_settings`` (``catgan_prediction_settings``)."""

    def __init__(self, settings: Dict[str, Any]) -> None:
        self.settings = settings

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: Dict[str, Any]) -> None:
        checkpoint["catgan_config"] = self.settings
        if isinstance(trainer.datamodule, BaseSemiSupervisedDataModule):
            checkpoint[PREDICTION_SETTINGS] = prediction_settings(trainer.datamodule)


class RunConfigSaver(SaveConfigCallback):
    """Saves the config that runs as ``<run folder>/config.yaml`` when a fit starts: one file per run."""

    saved_to: Optional[str] = None

    def setup(self, trainer, pl_module, stage: str) -> None:
        if stage != "fit" or self.already_saved:
            return
        run = self.config.get("run_dir") or trainer.default_root_dir
        self.saved_to = os.path.join(run, self.config_filename)
        if trainer.is_global_zero:
            os.makedirs(run, exist_ok=True)
            self.parser.save(self.config, self.saved_to, skip_none=False, overwrite=True, multifile=self.multifile)
        self.already_saved = True


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


class _DropLitLoggerTip(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "litlogger" not in record.getMessage()


def quiet_dependencies() -> None:
    """Silence what dependencies print that says nothing about the run, each by its message and origin:
    Lightning's advertisement for its litlogger package; torch's deprecation of ``LeafSpec`` that Lightning's
    own pytree helper triggers, and torch's note on sparse tensor checks that torchmetrics' clustering scores
    trigger (nothing catgan can change)."""
    rank_zero = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    if not any(isinstance(f, _DropLitLoggerTip) for f in rank_zero.filters):
        rank_zero.addFilter(_DropLitLoggerTip())
    warnings.filterwarnings(
        "ignore",
        message="Sparse invariant checks are implicitly disabled",
        category=UserWarning,
        module=r"torchmetrics\.functional\.clustering\.utils",
    )
    warnings.filterwarnings(
        "ignore",
        message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
        category=FutureWarning,
        module=r"lightning\.pytorch\.utilities\._pytree",
    )
