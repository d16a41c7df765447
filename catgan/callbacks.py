"""Lightning callbacks: a sample grid from a fixed latent batch, logged as a uint8 image.

Works with W&B (``log_image``), TensorBoard (``add_image``) and any logger with a ``log_dir`` (a PNG
file under ``<log_dir>/images/``). Images are sent as uint8 arrays: wandb writes float tensors in
[0, 1] as all-black PNGs.
"""

from __future__ import annotations

import os
from typing import Optional

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor


def image_grid_uint8(images: Tensor, nrow: Optional[int] = None, min_size: int = 32) -> np.ndarray:
    """(N, C, H, W) floats in [0, 1] -> one (H', W', 3) uint8 grid image. Images smaller than
    ``min_size`` pixels are enlarged by an integer factor (nearest neighbour) so they can be seen."""
    from torchvision.utils import make_grid

    if images.dim() != 4:
        raise ValueError(f"image_grid_uint8 expects (N, C, H, W) images, got shape {tuple(images.shape)}.")
    scale = max(1, -(-min_size // min(images.shape[-2:])))
    if scale > 1:
        images = torch.nn.functional.interpolate(images.detach().float(), scale_factor=scale, mode="nearest")
    nrow = nrow or max(1, int(np.ceil(np.sqrt(images.shape[0]))))
    grid = make_grid(images.detach().float().cpu().clamp(0, 1), nrow=nrow, padding=1, pad_value=1.0)  # (3, H', W')
    return grid.mul(255).round().to(torch.uint8).permute(1, 2, 0).contiguous().numpy()


def log_image(trainer: pl.Trainer, key: str, image: np.ndarray) -> None:
    """Send one uint8 HWC image to every logger of ``trainer`` (W&B, TensorBoard, or a PNG file)."""
    from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger

    for logger in trainer.loggers:
        if isinstance(logger, WandbLogger):
            logger.log_image(key=key, images=[image], step=trainer.global_step)
        elif isinstance(logger, TensorBoardLogger):
            logger.experiment.add_image(key, image, trainer.global_step, dataformats="HWC")
        elif getattr(logger, "log_dir", None):
            from PIL import Image

            folder = os.path.join(logger.log_dir, "images")
            os.makedirs(folder, exist_ok=True)
            name = f"{key.replace('/', '_')}_epoch{trainer.current_epoch:04d}.png"
            Image.fromarray(image).save(os.path.join(folder, name))


class SampleGridCallback(pl.Callback):
    """Every ``every_n_epochs`` training epochs, logs ``num_samples`` generated images from a fixed
    latent batch (seeded by ``seed``) under ``key``. For a model with a classifier (CatGAN), samples
    are sorted by D's predicted class so that each class's samples sit together. Skips models whose
    examples are not images (the 2-D toy sets)."""

    def __init__(self, num_samples: int = 64, every_n_epochs: int = 1, key: str = "samples", seed: int = 0) -> None:
        self.num_samples, self.every_n_epochs, self.key, self.seed = num_samples, every_n_epochs, key, seed
        self._latent: Optional[Tensor] = None

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if (trainer.current_epoch + 1) % self.every_n_epochs != 0 and not trainer.should_stop:
            return
        shape = getattr(pl_module, "image_shape", ())
        if len(shape) != 3 or not hasattr(pl_module, "sample") or not trainer.loggers:
            return
        if self._latent is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self._latent = pl_module.sample_latent(self.num_samples).cpu()
        images = pl_module.sample(self.num_samples, z=self._latent)  # (N, C, H, W)
        if hasattr(pl_module, "classify"):
            was_training = pl_module.training
            pl_module.eval()
            with torch.no_grad():
                order = pl_module.classify(images).argmax(dim=1).argsort(stable=True)
            pl_module.train(was_training)
            images = images[order]
        log_image(trainer, self.key, image_grid_uint8(images))
