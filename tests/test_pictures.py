"""Picture callbacks: class-arranged sample grid, confusion matrix, 2-D decision regions; PNG files of
the right size that are not blank, from Trainer runs and from the CLI."""

import glob
import os

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
from lightning.pytorch.loggers import CSVLogger
from PIL import Image
from torch import nn

from catgan import GAN, CatGAN
from catgan.callbacks import (
    ConfusionMatrixCallback,
    DecisionRegionCallback,
    SampleGridCallback,
    decision_region_figure,
    figure_to_uint8,
)
from catgan.data import DigitsDataModule, ToyDataModule
from catgan.nets import MLPDiscriminator, MLPGenerator
from tests.conftest import CONFIGS


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"))


def assert_not_blank(image):
    assert image.dtype == np.uint8 and image.std() > 10
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 5  # more than a few flat colours


class StubClassifierModule(nn.Module):
    """sample(n, z) -> image i filled with the value z[i, 0]; classify -> class round(10 * value) % 3."""

    image_shape, num_classes = (1, 4, 4), 3

    def sample_latent(self, n, generator=None):
        return torch.rand(n, 1, generator=generator)

    def sample(self, n, z):
        return z[:, :1, None, None].expand(n, 1, 4, 4).clone()

    def classify(self, x):
        return nn.functional.one_hot((x[:, 0, 0, 0] * 10).round().long() % 3, 3).float()


def test_grid_has_one_row_per_predicted_class_and_grey_gaps():
    callback = SampleGridCallback(per_class=4, pool_size=7, seed=3)
    module = StubClassifierModule()
    z = module.sample_latent(7, torch.Generator().manual_seed(3))[:, 0]
    grid = callback.make_grid(module)
    cell = 32 + 1  # 4x4 images enlarged to 32 pixels, 1 pixel of padding
    assert grid.shape == (3 * cell + 1, 4 * cell + 1, 3)
    for k in range(3):
        members = z[(z * 10).round().long() % 3 == k][:4]  # the first ones in latent order
        for j in range(4):
            value = grid[1 + k * cell + 16, 1 + j * cell + 16, 0]
            expected = members[j].item() if j < len(members) else 0.5  # grey: no sample of this class
            assert abs(int(value) - round(expected * 255)) <= 1, (k, j)


def test_digits_run_writes_class_grid_and_confusion_matrix_pngs(tmp_path):
    pl.seed_everything(0)
    callbacks = [SampleGridCallback(per_class=6), ConfusionMatrixCallback()]
    trainer = pl.Trainer(
        max_epochs=1,
        limit_train_batches=2,
        logger=CSVLogger(str(tmp_path)),
        callbacks=callbacks,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(CatGAN(ema_decay=0.9), DigitsDataModule(num_labeled=50))
    folder = os.path.join(trainer.logger.log_dir, "images")
    grid = pixels(os.path.join(folder, "samples_epoch0000.png"))
    assert grid.shape == (10 * 33 + 1, 6 * 33 + 1, 3)  # 10 classes x 6 samples of 8x8 enlarged to 32
    assert_not_blank(grid)
    confusion = sorted(glob.glob(os.path.join(folder, "val_confusion_matrix_epoch*.png")))
    assert len(confusion) == 1  # the sanity check draws nothing
    image = pixels(confusion[0])
    assert image.shape == (520, 988, 3)  # 6.5 x 12.35 inches at 80 dpi for 10 classes
    assert_not_blank(image)


def test_confusion_matrix_shows_the_counts():
    from catgan.callbacks import confusion_figure

    diagnostics = {"confusion": torch.tensor([[5, 0], [1, 4]]), "class_freq_real": torch.tensor([0.6, 0.4])}
    figure = confusion_figure(diagnostics)
    texts = sorted(t.get_text() for t in figure.axes[0].texts)
    assert texts == ["0", "1", "4", "5"] and "0.900" in figure.axes[0].get_title()
    matched = confusion_figure(
        {"confusion": torch.tensor([[0, 5], [4, 1]]), "class_freq_real": torch.ones(2) / 2}, match_clusters=True
    )
    assert "0.900" in matched.axes[0].get_title()  # cluster 1 -> class 0, cluster 0 -> class 1


def toy_model(cls=CatGAN, outputs=4, **kwargs):
    return cls(
        image_shape=(2,),
        latent_dim=4,
        generator=MLPGenerator(4, (2,), hidden=(32,), output="identity"),
        discriminator=MLPDiscriminator((2,), outputs, hidden=(32,)),
        **kwargs,
    )


def test_toy_run_writes_decision_regions_with_real_and_generated_points(tmp_path):
    pl.seed_everything(0)
    trainer = pl.Trainer(
        max_epochs=1,
        limit_train_batches=3,
        limit_val_batches=0,
        logger=CSVLogger(str(tmp_path)),
        callbacks=[DecisionRegionCallback(every_n_epochs=1)],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(toy_model(num_classes=4, supervised_weight=0.0), ToyDataModule(kind="blobs", num_labeled=0))
    image = pixels(os.path.join(trainer.logger.log_dir, "images", "decision_regions_epoch0000.png"))
    assert image.shape == (400, 440, 3)
    assert_not_blank(image)
    red = (image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)
    assert red.sum() > 20  # the generated points are drawn


def test_one_score_discriminator_gets_a_score_map():
    model = toy_model(GAN, outputs=1)
    image = figure_to_uint8(decision_region_figure(model, torch.randn(50, 2), model.sample(50), resolution=50))
    assert_not_blank(image)


def test_cli_run_writes_pictures_and_checkpoints_the_ema(run_cli, tmp_path):
    cli = run_cli(
        "fit",
        "--config",
        os.path.join(CONFIGS, "digits_catgan.yaml"),
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "2",
        "--trainer.limit_val_batches",
        "1",
        "--trainer.check_val_every_n_epoch",
        "1",
        "--trainer.limit_test_batches",
        "1",
        "--model.init_args.ema_decay",
        "0.99",
    )
    images = {os.path.basename(p) for p in glob.glob(os.path.join(cli.trainer.logger.log_dir, "images", "*.png"))}
    assert {"samples_epoch0000.png", "val_confusion_matrix_epoch0000.png"} <= images
    state = torch.load(str(tmp_path / "checkpoints" / "last.ckpt"), weights_only=False)["state_dict"]
    assert "generator_ema.n_averaged" in state
    assert "test/nmi" in cli.trainer.callback_metrics


@pytest.mark.parametrize("stage", ["train"])
def test_bad_confusion_stage_is_rejected(stage):
    with pytest.raises(ValueError, match="stage must be 'val' or 'test'"):
        ConfusionMatrixCallback(stage=stage)


def test_confusion_matrix_of_more_clusters_than_classes():
    from catgan.callbacks import confusion_figure

    confusion = torch.tensor([[0, 3, 0, 1], [2, 0, 2, 0]])  # 2 classes x 4 clusters
    figure = confusion_figure({"confusion": confusion, "class_freq_real": torch.ones(4) / 4}, match_clusters=True)
    assert "0.625" in figure.axes[0].get_title()  # cluster 1 -> class 0 (3), cluster 0 or 2 -> class 1 (2) of 8
    assert len(figure.axes[0].texts) == 8
