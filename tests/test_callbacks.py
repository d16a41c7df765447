"""Sample grids: uint8 images that are not blank, to PNG files and to an offline W&B run."""

import glob

import lightning.pytorch as pl
import numpy as np
import torch
from PIL import Image

from catgan import CatGAN
from catgan.callbacks import SampleGridCallback, image_grid_uint8
from catgan.data import DigitsDataModule


def test_image_grid_is_uint8_scaled_and_enlarged():
    images = torch.linspace(0, 1, 4 * 64).reshape(4, 1, 8, 8)
    grid = image_grid_uint8(images)
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    assert grid.shape[0] >= 2 * 32  # 2x2 grid of 8x8 images enlarged to at least 32 pixels
    assert grid.max() == 255 and grid.std() > 10


def fit_with(logger, tmp_path):
    pl.seed_everything(0)
    trainer = pl.Trainer(
        max_epochs=2,
        limit_train_batches=2,
        limit_val_batches=0,
        logger=logger,
        callbacks=[SampleGridCallback(num_samples=16)],
        enable_checkpointing=False,
        enable_progress_bar=False,
        default_root_dir=str(tmp_path),
    )
    trainer.fit(CatGAN(), DigitsDataModule(num_labeled=50))
    return trainer


def assert_not_blank(path):
    pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    assert pixels.std() > 5, f"{path} is blank"
    assert 0 < pixels.mean() < 255


def test_csv_logger_gets_png_files(tmp_path):
    from lightning.pytorch.loggers import CSVLogger

    trainer = fit_with(CSVLogger(str(tmp_path)), tmp_path)
    files = sorted(glob.glob(f"{trainer.logger.log_dir}/images/samples_epoch*.png"))
    assert len(files) == 2
    assert_not_blank(files[-1])


def test_wandb_offline_run_gets_a_visible_image(tmp_path, monkeypatch):
    """wandb writes float images in [0, 1] as black PNGs; the callback must send uint8."""
    import wandb
    from lightning.pytorch.loggers import WandbLogger

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    try:
        fit_with(WandbLogger(project="catgan-test", save_dir=str(tmp_path), mode="offline"), tmp_path)
    finally:
        wandb.finish()
    files = glob.glob(f"{tmp_path}/wandb/offline-run-*/files/media/images/samples_*.png")
    assert files, "no image in the offline run folder"
    for path in files:
        assert_not_blank(path)
