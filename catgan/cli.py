"""The ``catgan`` console script: a LightningCLI over every catgan module and data module, plus ``catgan sample``.

    catgan fit --config configs/digits_catgan.yaml            # prints its run folder, checkpoint and config
    catgan fit --config configs/digits_catgan.yaml --data.num_labeled 100 --trainer.logger CSVLogger
    catgan predict --ckpt_path runs/digits_catgan/latest/checkpoints/last.ckpt \
        [--predict_input FOLDER_OR_NPY] [--prediction_writer.path predictions.csv]
    catgan sample --ckpt_path runs/digits_catgan/latest/checkpoints/last.ckpt --num 64 [--out samples]

A fit writes one run folder, ``runs/<config name>/<date>-<time>/`` unless ``--run_dir`` says otherwise
(catgan/run_folders.py). The data module's ``image_shape`` and ``num_classes`` are linked into the model, so networks
are built for the data without hand-copied shapes. A fit logs to W&B, offline unless ``WANDB_MODE`` says
otherwise (``wandb sync <run folder>/wandb/offline-run-*`` uploads later); predict, test and validate log
nothing unless a ``--trainer.logger`` is given. After ``fit`` the test split is evaluated
(``--test_after_fit false`` skips it). Lightning is imported only when a subcommand runs.
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Optional

from catgan.run_folders import (
    checkpoint_config,
    load_checkpoint_model,  # noqa: F401 (scripts import it from here)
    option_values,
    planned_run_dir,
    run_folder_of,
)

SUBCOMMANDS = {
    "fit": "train a model from a config; prints its run folder, checkpoint and saved config",
    "validate": "score a checkpoint on the validation split (--ckpt_path)",
    "test": "score a checkpoint on the test split (--ckpt_path)",
    "predict": "classify the test split, or --predict_input (image folder, .npy/.npz), into a CSV",
    "sample": "write generated images of a checkpoint: PNG files, a grid.png and samples.npz",
}


def overview_parser():
    """``catgan --help``: the subcommands, without importing Lightning (each ``catgan <sub> --help`` has its options)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="catgan",
        description="catgan: semi-supervised learning with Categorical GANs (CatGAN) and GAN baselines.",
        epilog="catgan <subcommand> --help lists a subcommand's options. Example: catgan fit --config "
        "configs/digits_catgan.yaml",
    )
    commands = parser.add_subparsers(title="subcommands", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    for name, text in SUBCOMMANDS.items():
        commands.add_parser(name, help=text)
    return parser


# model arguments the data module fills in (link_arguments in catgan/lightning_cli.py): never the user's to give
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


def wandb_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("wandb") is not None


def wandb_offline() -> bool:
    """W&B runs offline unless ``WANDB_MODE`` asks for another mode (online, disabled)."""
    return os.environ.get("WANDB_MODE", "offline") in ("offline", "dryrun")


def trainer_defaults(run_dir: Optional[str]) -> dict:
    """A fit (``run_dir`` given) logs into its run folder: W&B (offline unless WANDB_MODE says otherwise) when
    wandb is installed, else CSV files. Without ``run_dir`` (predict, test, validate) nothing is logged."""
    if run_dir is None:
        return {"logger": False, "log_every_n_steps": 10}
    from jsonargparse import lazy_instance

    if wandb_available():
        from catgan.lightning_cli import OfflineFirstWandbLogger

        logger = lazy_instance(OfflineFirstWandbLogger, project="catgan", save_dir=run_dir, offline=wandb_offline())
    else:
        from lightning.pytorch.loggers import CSVLogger

        print("catgan: wandb is not installed; logging to CSV files in the run folder instead")
        logger = lazy_instance(CSVLogger, save_dir=run_dir, name="", version="")
    return {"default_root_dir": run_dir, "logger": logger, "log_every_n_steps": 10}


def with_checkpoint_settings(argv: List[str]) -> List[str]:
    """``predict/test/validate --ckpt_path X``: the model and data settings that ``catgan fit`` saved in X go in
    after the config files, so no config and no repeated data overrides are needed; arguments given after them
    still override them."""
    checkpoints = option_values(argv, "--ckpt_path")
    if argv[:1] not in (["predict"], ["test"], ["validate"]) or not checkpoints or not os.path.isfile(checkpoints[-1]):
        return argv
    saved = checkpoint_config(checkpoints[-1])
    if not saved:
        return argv
    after = 1
    for i, arg in enumerate(argv):
        if arg == "--config":
            after = i + 2
        elif arg.startswith("--config="):
            after = i + 1
    settings = [item for key in ("model", "data") if saved.get(key) for item in (f"--{key}", json.dumps(saved[key]))]
    if isinstance(saved.get("seed_everything"), int):
        settings += ["--seed_everything", str(saved["seed_everything"])]
    return argv[:after] + settings + argv[after:]


def sample_main(argv: List[str]) -> dict:
    """``catgan sample``: generated samples of a checkpoint to PNG files, a grid PNG and/or one .npz."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="catgan sample",
        description=(
            "Write samples of a trained generator (its EMA when kept) to files: one PNG per sample, grid.png (all "
            "of them, enlarged to at least 28 pixels per image) and samples.npz; for CatGAN and ImprovedGAN also "
            "the class D assigns to each (in the PNG names and in samples.npz's 'classes')."
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
    from catgan.predictions import write_samples
    from catgan.run_folders import shown

    model = load_checkpoint_model(args.ckpt_path)
    out = args.out or os.path.join(run_folder_of(args.ckpt_path), "samples")
    written = write_samples(model, args.num, out, args.format, seed=args.seed)
    print(f"catgan: wrote {args.num} samples ({', '.join(args.format)}) to {shown(out)}")
    if written.get("grid"):
        print(f"catgan: grid of all samples: {shown(written['grid'])}")
    return written


def main(args: Optional[List[str]] = None, run: bool = True) -> Any:
    """Entry point of the console script (reads ``sys.argv``). Given ``args``, runs in-process and
    returns the CLI object (``cli.trainer``, ``cli.model``, ``cli.datamodule``), as tests do.
    ``catgan sample ...`` writes samples of a checkpoint (see ``sample_main``)."""
    import sys

    argv = sys.argv[1:] if args is None else list(args)
    if run and (not argv or argv[0] in ("-h", "--help")):
        overview_parser().print_help()
        return None
    if run and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"):
        overview_parser().error(f"unknown subcommand {argv[0]!r}: choose from {', '.join(SUBCOMMANDS)}")
    if argv[0] == "sample":
        written = sample_main(argv[1:])
        return written if args is not None else None
    os.environ.setdefault("WANDB_MODE", "offline")  # never wait on the network unless asked to
    os.environ.setdefault("WANDB_SILENT", "true")  # the fit prints where its W&B files are, in one line
    from catgan.lightning_cli import DESCRIPTION, CatGANCLI, RunConfigSaver, quiet_dependencies

    quiet_dependencies()
    argv = with_checkpoint_settings(argv)
    if args is None:
        sys.argv[1:] = argv  # LightningCLI reads them there (and warns when given both)
    fits = not run or argv[0] == "fit"  # run=False parses fit's arguments without a subcommand
    run_dir, dated = planned_run_dir(argv) if fits else (None, False)
    checkpoints = option_values(argv, "--ckpt_path")
    checkpoint_dir = os.path.dirname(checkpoints[-1]) if checkpoints and not fits else None
    cli = CatGANCLI(
        subclass_mode_model=True,
        subclass_mode_data=True,
        trainer_defaults=trainer_defaults(run_dir),
        save_config_callback=RunConfigSaver,
        save_config_kwargs={"overwrite": True},
        auto_configure_optimizers=False,
        parser_kwargs={"description": DESCRIPTION},
        args=argv if args is not None else None,
        run=run,
        run_dir=run_dir,
        point_latest=dated,
        checkpoint_dir=checkpoint_dir,
    )
    return cli if args is not None else None  # the console script's exit status stays 0


if __name__ == "__main__":
    main()
