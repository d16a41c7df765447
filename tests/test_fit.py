"""End to end: a short semi-supervised CatGAN fit on digits (50 labels) beats the supervised baseline
that trains the same discriminator network on the same 50 labels, on the held-out test split."""

import os

from tests.conftest import CONFIGS

EPOCHS = "40"


def test_catgan_beats_the_same_network_supervised_baseline(run_cli):
    common = [
        "--trainer.max_epochs",
        EPOCHS,
        "--trainer.check_val_every_n_epoch",
        EPOCHS,
        "--sample_grid.every_n_epochs",
        EPOCHS,
    ]
    catgan = run_cli("fit", "--config", os.path.join(CONFIGS, "digits_catgan.yaml"), *common)
    supervised = run_cli("fit", "--config", os.path.join(CONFIGS, "digits_supervised.yaml"), *common)
    catgan_acc = float(catgan.trainer.callback_metrics["test/acc"])
    supervised_acc = float(supervised.trainer.callback_metrics["test/acc"])
    # same labeled subset (seed 0), same network family, same number of batches
    assert catgan.datamodule.labeled_indices.tolist() == supervised.datamodule.labeled_indices.tolist()
    assert catgan_acc > supervised_acc + 0.03, (catgan_acc, supervised_acc)
    assert catgan_acc > 0.85
