"""The LearningCurve callback: per-epoch val/test accuracy to JSON."""

import json
import os

import pytest

from tests.conftest import CONFIGS


def test_curve_has_a_row_per_epoch_val_only_when_validated_and_test_of_the_final_weights(run_cli, tmp_path):
    path = tmp_path / "curve.json"
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "3",
        "--trainer.limit_train_batches",
        "2",
        "--trainer.check_val_every_n_epoch",
        "2",
        "--trainer.callbacks+=catgan.curves.LearningCurve",
        "--trainer.callbacks.path",
        str(path),
    )
    rows = json.loads(path.read_text())["epochs"]
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    steps = [r["step"] for r in rows]  # optimizer steps (D and G steps both count)
    assert steps == [steps[0], 2 * steps[0], 3 * steps[0]] and steps[2] == cli.trainer.global_step
    assert "val/acc" not in rows[0] and "val/acc" in rows[1] and "val/acc" not in rows[2]  # no stale values
    # the last row's test accuracy is that of the final weights, as the CLI's test after fit measures it
    assert rows[2]["test/acc"] == pytest.approx(float(cli.trainer.callback_metrics["test/acc"]), abs=1e-6)
    assert all("train/d/loss" in r and "train/g/loss" in r for r in rows)  # epoch means of the logged terms
    assert rows[0]["seconds"] <= rows[1]["seconds"] <= rows[2]["seconds"]
    assert 0 < rows[0]["cpu_seconds"] <= rows[1]["cpu_seconds"] <= rows[2]["cpu_seconds"]  # the process's CPU time


def test_curve_resumed_from_a_checkpoint_without_cpu_time_leaves_it_out():
    from catgan.curves import LearningCurve

    curve = LearningCurve("unused.json")
    curve.load_state_dict({"rows": [{"epoch": 1, "seconds": 5.0}], "seconds": 5.0})  # written before cpu_seconds
    assert curve.cpu_elapsed() is None and curve.state_dict()["cpu_seconds"] is None
    curve.load_state_dict({"rows": [], "seconds": 5.0, "cpu_seconds": 4.0})
    assert 4.0 <= curve.cpu_elapsed() < 5.0  # counts on from the saved CPU time


def test_curve_of_a_clustering_catgan_with_more_clusters_than_classes(run_cli, tmp_path):
    path = tmp_path / "curve.json"
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan_unsupervised.yaml"),
        "--model.init_args.num_clusters",
        "20",
        "--trainer.max_epochs",
        "1",
        "--trainer.check_val_every_n_epoch",
        "1",
        "--trainer.limit_train_batches",
        "2",
        "--trainer.callbacks+=catgan.curves.LearningCurve",
        "--trainer.callbacks.path",
        str(path),
    )
    (row,) = json.loads(path.read_text())["epochs"]
    metrics = cli.trainer.callback_metrics
    assert "test/acc" not in row and "test/acc_raw" not in row  # an output is a cluster, not a class
    assert row["test/cluster_acc_majority"] == pytest.approx(float(metrics["test/cluster_acc_majority"]), abs=1e-6)
    assert row["test/cluster_acc"] == pytest.approx(float(metrics["test/cluster_acc"]), abs=1e-6)
    assert "val/cluster_acc_majority" in row and "val/acc" not in row  # the validation numbers too


@pytest.mark.parametrize("precision, autocast", [("32-true", False), ("bf16-mixed", True)])
def test_curve_classifies_the_test_split_under_the_trainers_precision(precision, autocast):
    # a bf16-mixed run's test after fit classifies under bf16 autocast; the curve's last row must match it
    import lightning.pytorch as pl
    import torch

    from catgan.curves import LearningCurve

    seen = []

    class Module(pl.LightningModule):
        def classify(self, x):
            seen.append(torch.is_autocast_enabled("cpu"))
            return torch.nn.functional.one_hot(x.long(), 3).float()  # (B, 3): predicts x itself

    class Data:
        def test_dataloader(self):
            return [(torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 2, 1]))]

    trainer = pl.Trainer(precision=precision, logger=False, enable_checkpointing=False, accelerator="cpu")
    trainer.datamodule = Data()
    module = Module()
    module.num_classes = 3
    result = LearningCurve("unused.json").test_accuracy(trainer, module)
    assert seen == [autocast]
    assert result["test/acc"] == pytest.approx(0.75)
