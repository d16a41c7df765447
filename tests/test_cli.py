"""The `catgan` LightningCLI driven in-process: every shipped config, linking, print_config, bad keys."""

import glob
import os

import pytest
import torch
import yaml

from catgan.modules.evaluation import ClassifierEvaluationMixin
from tests.conftest import CONFIGS
from tests.data.test_vision import write_fake_mnist
from tests.data.test_vision_sets import no_md5_check, write_fake_cifar10, write_fake_fashion_mnist, write_fake_svhn  # noqa: F401

ALL_CONFIGS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CONFIGS, "*.yaml")))


def test_there_are_configs_for_every_model_family():
    expected = {
        "digits_catgan.yaml",
        "digits_catgan_unsupervised.yaml",
        "digits_supervised.yaml",
        "digits_gan_minimax.yaml",
        "digits_gan_non_saturating.yaml",
        "digits_gan_hinge.yaml",
        "digits_gan_least_squares.yaml",
        "digits_gan_wgan_gp.yaml",
        "toy_catgan.yaml",
        "mnist_pi_catgan_100.yaml",
        "mnist_pi_improved_gan_100.yaml",
        "mnist_pi_100_supervised.yaml",
        "mnist_conv_catgan_100.yaml",
        "mnist_conv_100_supervised.yaml",
        "mnist_catgan_unsupervised.yaml",
        "cifar10_catgan_4000.yaml",
        "cifar10_4000_supervised.yaml",
    }
    assert expected <= set(ALL_CONFIGS)


# torchvision data classes -> a writer of tiny fake files in that data set's on-disk format
FAKE_TORCHVISION_FILES = {
    "MNISTDataModule": write_fake_mnist,
    "FashionMNISTDataModule": write_fake_fashion_mnist,
    "CIFAR10DataModule": write_fake_cifar10,
    "SVHNDataModule": write_fake_svhn,
}


@pytest.mark.parametrize("config", ALL_CONFIGS)
def test_every_config_passes_fast_dev_run(config, run_cli, tmp_path, request, monkeypatch):
    # a smoke test: score 50 generated images at validation end instead of 500 (conv nets on CPU are slow)
    monkeypatch.setattr(ClassifierEvaluationMixin, "diagnostic_samples", 50)
    args = ["fit", "--config", os.path.join(CONFIGS, config), "--trainer.fast_dev_run", "2"]
    with open(os.path.join(CONFIGS, config)) as f:
        data = yaml.safe_load(f)["data"]
    writer = FAKE_TORCHVISION_FILES.get(data["class_path"].rsplit(".", 1)[-1])
    if writer is not None:
        request.getfixturevalue("no_md5_check")  # CIFAR-10/SVHN fakes cannot match torchvision's md5s
        writer(tmp_path / "data")
        # 150 fake training images: batches of 50 give fast_dev_run its 2 batches (1 step each when supervised)
        args += ["--data.data_dir", str(tmp_path / "data"), "--data.val_size", "50", "--data.batch_size", "50"]
        if data["init_args"].get("num_labeled", 100) != 0:  # unsupervised configs stay unsupervised
            args += ["--data.num_labeled", "20"]
    cli = run_cli(*args)
    assert cli.trainer.global_step >= 2
    dm = cli.datamodule
    assert tuple(cli.model.image_shape) == tuple(dm.image_shape)  # linked, not hand-copied
    assert cli.model.num_classes == dm.num_classes


def test_linking_builds_networks_for_the_data(run_cli):
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--data.flatten",
        "true",
        "--trainer.fast_dev_run",
        "1",
    )
    assert cli.model.image_shape == (64,)
    assert cli.model.sample(3).shape == (3, 64)


def test_print_config_prints_the_resolved_config(capsys):
    from catgan.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args=["fit", "--config", os.path.join(CONFIGS, "digits_catgan.yaml"), "--print_config"])
    assert exit_info.value.code == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["model"]["class_path"] == "catgan.CatGAN"
    assert printed["data"]["init_args"]["num_labeled"] == 50


def test_unknown_config_key_is_rejected_before_training(capsys):
    from catgan.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(
            args=[
                "fit",
                "--config",
                os.path.join(CONFIGS, "digits_catgan.yaml"),
                "--model.init_args.supervised_wieght",
                "2",
            ]
        )
    assert exit_info.value.code != 0
    assert "supervised_wieght" in capsys.readouterr().err


def test_checkpoint_reloads_with_custom_networks(run_cli, tmp_path):
    from catgan import CatGAN

    run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "toy_catgan.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
    )
    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)  # no pickled objects
    assert checkpoint["catgan_model_class"] == "catgan.modules.catgan.CatGAN"
    model = CatGAN.load_from_checkpoint(str(tmp_path / "checkpoints" / "last.ckpt"), weights_only=True)
    assert model.discriminator.body[2].out_features == 64  # the config's hidden width, not the default
    assert model.sample(5).shape == (5, 2)


@pytest.mark.parametrize("config", ["digits_catgan.yaml", "digits_gan_wgan_gp.yaml"])
def test_bf16_mixed_precision_runs(config, run_cli):
    """The GPU recipe `--trainer.precision bf16-mixed` must work; on CPU it runs under CPU autocast."""
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, config),
        "--trainer.precision",
        "bf16-mixed",
        "--trainer.fast_dev_run",
        "2",
        "--test_after_fit",
        "false",
    )
    losses = {k: v for k, v in cli.trainer.callback_metrics.items() if k.startswith("train/")}
    assert losses and all(bool(v.isfinite()) for v in losses.values())


def test_a_config_gets_its_own_data_module_defaults(capsys):
    """No values carried over from another data class (jsonargparse carries a default class's values)."""
    from catgan.cli import main

    with pytest.raises(SystemExit):
        main(args=["fit", "--config", os.path.join(CONFIGS, "mnist_pi_catgan_100.yaml"), "--print_config"])
    data = yaml.safe_load(capsys.readouterr().out)["data"]["init_args"]
    assert data["val_size"] == 10000 and data["eval_batch_size"] == 1000


def test_default_wandb_logger_runs_offline_without_the_two_warnings(run_cli, tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)  # runs/ does not exist yet: wandb used to warn "git root runs does not exist"
    monkeypatch.setenv("WANDB_MODE", "offline")
    run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
        "--test_after_fit",
        "false",
        logger="default",
    )
    printed = "".join(capfd.readouterr())
    assert glob.glob(str(tmp_path / "wandb" / "offline-run-*"))  # in the run folder (here the fixture's tmp_path)
    assert "anonymous setting" not in printed and "git root" not in printed
    assert "litlogger" not in printed and "LeafSpec" not in printed and "wandb: " not in printed
    assert "catgan: W&B run saved offline; upload it with: wandb sync wandb/offline-run-" in printed


DIGITS = os.path.join(CONFIGS, "digits_catgan.yaml")
TINY_FIT = ["--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--test_after_fit", "false"]


def test_a_default_fit_writes_its_own_run_folder_prints_it_and_predict_takes_the_printed_checkpoint(
    tmp_path, monkeypatch, capsys
):
    from catgan.cli import main

    monkeypatch.chdir(tmp_path)
    main(["fit", "--config", DIGITS, "--trainer.enable_progress_bar", "false", *TINY_FIT])
    first = capsys.readouterr().out
    runs = sorted(p for p in (tmp_path / "runs" / "digits_catgan").iterdir() if p.name != "latest")
    assert len(runs) == 1 and (runs[0] / "config.yaml").is_file() and not (tmp_path / "runs" / "config.yaml").exists()
    run = os.path.relpath(runs[0], tmp_path)
    assert f"catgan: run folder {run} (also runs/digits_catgan/latest)" in first
    assert f"catgan: checkpoint {run}/checkpoints/last.ckpt" in first and f"catgan: config {run}/config.yaml" in first
    assert yaml.safe_load((runs[0] / "config.yaml").read_text())["run_dir"] == run  # the config that ran

    main(["fit", "--config", DIGITS, "--trainer.enable_progress_bar", "false", *TINY_FIT])  # a second run
    runs = sorted(p for p in (tmp_path / "runs" / "digits_catgan").iterdir() if p.name != "latest")
    assert len(runs) == 2 and os.path.realpath(tmp_path / "runs" / "digits_catgan" / "latest") == str(runs[1])
    printed = capsys.readouterr().out
    checkpoint = next(line for line in printed.splitlines() if line.startswith("catgan: checkpoint ")).split()[-1]
    cli = main(["predict", "--ckpt_path", checkpoint, "--trainer.enable_progress_bar", "false"])  # no --config
    assert cli.trainer.logger is None and os.path.isfile(runs[1] / "predictions.csv")
    assert not any((tmp_path / "runs").glob("wandb")) and not (tmp_path / "lightning_logs").exists()


def test_a_resumed_fit_continues_in_its_run_folder(tmp_path, monkeypatch):
    from catgan.cli import main

    monkeypatch.chdir(tmp_path)
    main(["fit", "--config", DIGITS, "--run_dir", "runs/mine", *TINY_FIT, "--trainer.logger", "false"])
    last = tmp_path / "runs" / "mine" / "checkpoints" / "last.ckpt"
    cli = main(
        [
            "fit",
            "--config",
            DIGITS,
            "--ckpt_path",
            str(last),
            *TINY_FIT,
            "--trainer.max_epochs",
            "2",
            "--trainer.logger",
            "false",
        ]
    )
    assert cli.trainer.current_epoch == 2 and torch.load(last, weights_only=False)["epoch"] == 1
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["mine"]  # no second run folder


def test_print_config_shows_the_logger_that_runs(tmp_path, monkeypatch, capsys):
    from catgan.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WANDB_MODE", raising=False)  # the default: offline
    with pytest.raises(SystemExit):
        main(["fit", "--config", DIGITS, "--run_dir", "runs/x", "--print_config"])
    printed = yaml.safe_load(capsys.readouterr().out)
    logger = printed["trainer"]["logger"]
    assert logger["init_args"]["offline"] is True and logger["init_args"]["save_dir"] == "runs/x"
    assert printed["checkpoint"]["dirpath"] == os.path.join("runs/x", "checkpoints")
    assert not (tmp_path / "runs").exists()  # printing writes nothing


def test_catgan_help_lists_every_subcommand_without_importing_torch():
    import subprocess
    import sys

    from tests.conftest import REPO

    code = "import sys; from catgan.cli import main; main(['--help']); print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": REPO},
    )
    assert done.returncode == 0 and done.stdout.rstrip().endswith("False"), done.stderr
    assert "{fit,validate,test,predict,sample}" in done.stdout and "Lightning Trainer" not in done.stdout
    typo = subprocess.run(
        [sys.executable, "-m", "catgan.cli", "smaple"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": REPO},
    )
    assert (
        typo.returncode == 2
        and "unknown subcommand 'smaple': choose from fit, validate, test, predict, sample" in typo.stderr
    )
