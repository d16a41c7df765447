"""Exact resume: a fit SIGKILLed mid-epoch and resumed from last.ckpt ends with the same weights as an
uninterrupted fit of the same seed (CPU, deterministic mode); and how max_steps counts two optimizers."""

import os
import signal
import subprocess
import sys

import pytest
import torch

from tests.conftest import CONFIGS, REPO

CONFIG = os.path.join(CONFIGS, "toy_catgan.yaml")


def fit_args(root, *extra):
    return [
        "fit",
        "--config",
        CONFIG,
        "--trainer.max_epochs",
        "2",
        "--trainer.deterministic",
        "true",
        "--trainer.logger",
        "false",
        "--trainer.enable_progress_bar",
        "false",
        "--trainer.enable_model_summary",
        "false",
        "--trainer.default_root_dir",
        str(root),
        "--checkpoint.dirpath",
        str(root / "ckpt"),
        "--checkpoint.every_n_train_steps",
        "10",
        "--data.init_args.num_labeled",
        "4",
        "--model.init_args.supervised_weight",
        "1.0",
        "--test_after_fit",
        "false",
        *extra,
    ]


def final_weights(cli):
    return {k: v.clone() for k, v in cli.model.state_dict().items()}


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted_run(tmp_path):
    from catgan.cli import main

    reference = final_weights(main(args=fit_args(tmp_path / "reference")))

    killed = tmp_path / "killed"
    kill = ["--trainer.callbacks+=tests.resume_helpers.KillAtStep", "--trainer.callbacks.init_args.step", "26"]
    env = {**os.environ, "PYTHONPATH": REPO, "OMP_NUM_THREADS": "1"}
    process = subprocess.run(
        [sys.executable, "-m", "catgan.cli", *fit_args(killed, *kill)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]
    last = killed / "ckpt" / "last.ckpt"
    checkpoint = torch.load(last, weights_only=False)
    assert checkpoint["global_step"] == 20 and checkpoint["epoch"] == 0  # 10 of 20 batches: mid-epoch

    resumed = final_weights(main(args=fit_args(killed, "--ckpt_path", str(last))))
    assert resumed.keys() == reference.keys()
    different = [k for k in reference if not torch.equal(reference[k], resumed[k])]
    assert not different, f"weights differ after resume: {different}"


def test_max_steps_counts_both_optimizers(tmp_path):
    """Lightning counts optimizer steps: with n_critic=1 one batch is two steps (D and G)."""
    from catgan.cli import main

    cli = main(args=fit_args(tmp_path, "--trainer.max_steps", "10", "--trainer.max_epochs", "-1"))
    assert cli.trainer.global_step == 10
    assert cli.trainer.fit_loop.epoch_loop.batch_progress.total.completed == 5


def test_resume_from_an_epoch_end_checkpoint_matches_uninterrupted_run(tmp_path):
    """last.ckpt is written at epoch end; the resumed epoch must draw its own order, not replay epoch 0's."""
    from catgan.cli import main

    reference = final_weights(main(args=fit_args(tmp_path / "reference")))
    first = tmp_path / "first"
    main(args=fit_args(first, "--trainer.max_epochs", "1"))
    last = first / "ckpt" / "last.ckpt"
    assert torch.load(last, weights_only=False)["epoch"] == 0
    resumed = final_weights(main(args=fit_args(first, "--ckpt_path", str(last))))
    different = [k for k in reference if not torch.equal(reference[k], resumed[k])]
    assert not different, f"weights differ after resume: {different}"


def test_loader_orders_follow_the_trainer_epoch():
    from catgan.data.loaders import TensorBatchLoader

    loader = TensorBatchLoader(torch.arange(10), batch_size=5, shuffle=True, drop_last=True, seed=3)
    first = torch.cat(list(loader))
    assert not torch.equal(first, torch.cat(list(loader)))  # the next pass draws a new order
    loader.set_epoch(1)
    epoch1 = torch.cat(list(loader))
    other = TensorBatchLoader(torch.arange(10), batch_size=5, shuffle=True, drop_last=True, seed=3)
    other.set_epoch(1)
    assert torch.equal(epoch1, torch.cat(list(other)))  # a function of (seed, epoch, pass) only
    assert sorted(epoch1.tolist()) == list(range(10))


def test_resume_refuses_changed_model_arguments_before_writing_anything(tmp_path):
    """Lightning's CLI takes the model arguments from the checkpoint on resume; a changed one would be silently
    ignored, so fit refuses it by name (trainer arguments such as max_epochs still apply)."""
    import pytest

    from catgan.cli import main

    main(args=fit_args(tmp_path, "--trainer.max_epochs", "1"))
    last = tmp_path / "ckpt" / "last.ckpt"
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    changed = ["--model.init_args.lr_d", "0.5", "--model.init_args.discriminator.init_args.hidden", "[32, 64]"]
    with pytest.raises(
        SystemExit, match=r"hidden: given \[32, 64\], checkpoint \[64, 64\]; lr_d: given 0.5, checkpoint 0.001"
    ):
        main(args=fit_args(tmp_path, "--ckpt_path", str(last), *changed))
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before  # nothing written
    cli = main(args=fit_args(tmp_path, "--ckpt_path", str(last), "--model.init_args.lr_d", "0.001"))  # same value
    assert cli.trainer.current_epoch == 2


def test_model_argument_changes_compares_nested_values_and_skips_linked_ones():
    from catgan.cli import model_argument_changes

    given = {"class_path": "catgan.CatGAN", "init_args": {"betas": (0.5, 0.999), "num_classes": 10, "d": {"x": 1}}}
    checkpoint = {"class_path": "catgan.CatGAN", "init_args": {"betas": [0.5, 0.999], "num_classes": 4, "d": {"x": 2}}}
    assert model_argument_changes(given, checkpoint) == ["d.x: given 1, checkpoint 2"]
    assert model_argument_changes(given, {**checkpoint, "class_path": "catgan.ImprovedGAN"})[0] == (
        "class_path: given 'catgan.CatGAN', checkpoint 'catgan.ImprovedGAN'"
    )
