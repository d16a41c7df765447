"""What a trained model writes to files: class predictions as CSV (``catgan predict``) and generated samples
as PNG files, a grid PNG and/or one ``.npz`` (``catgan sample``, :func:`write_samples`).

``catgan predict --ckpt_path <run>/checkpoints/last.ckpt`` classifies the test split of the data the checkpoint
was trained on, or with ``--predict_input PATH`` a folder of images (searched recursively, decoded like the
training data) or an ``.npy`` / ``.npz`` array; :class:`PredictionWriter` writes one CSV row per example (its
path or index, the true label when the input has labels, the predicted class name or index, the class
probabilities) to ``--prediction_writer.path``, by default ``predictions.csv`` in the checkpoint's run folder.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Dict, List, Optional, Sequence

import lightning.pytorch as pl
import torch
from lightning.pytorch import Callback
from torch import Tensor

from catgan.run_folders import run_folder_of, shown


def class_labels(pl_module: pl.LightningModule, num_classes: int) -> List[str]:
    """The names of the classes (saved with the model when the training data had them), else their indices."""
    names = getattr(pl_module, "class_names", None)
    return [str(n) for n in names] if names and len(names) == num_classes else [str(k) for k in range(num_classes)]


def default_run_folder(trainer: pl.Trainer) -> str:
    """The run folder of the checkpoint being used (``<run>/checkpoints/x.ckpt`` -> ``<run>``), else the
    trainer's log folder."""
    ckpt_path = getattr(trainer, "ckpt_path", None)
    if ckpt_path and os.path.exists(ckpt_path):
        return run_folder_of(ckpt_path)
    return trainer.log_dir or trainer.default_root_dir


class PredictionWriter(Callback):
    """Writes ``catgan predict``'s results as CSV: ``path`` (image inputs) or ``index``, ``label`` (the true class,
    when the input has labels: the test split), ``prediction`` (class name or index), then ``prob_<class>`` per
    class. Rows are written batch by batch, so memory stays flat.

    Args:
        path: the CSV file; None writes ``predictions.csv`` into the checkpoint's run folder.
    """

    def __init__(self, path: Optional[str] = None) -> None:
        super().__init__()
        self.path = path
        self.written_to: Optional[str] = None
        self._file = None
        self._writer = None
        self._rows = 0

    def on_predict_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        self.written_to = os.path.abspath(self.path or os.path.join(default_run_folder(trainer), "predictions.csv"))
        os.makedirs(os.path.dirname(self.written_to), exist_ok=True)
        self._file = open(self.written_to, "w", newline="")
        self._writer = csv.writer(self._file)
        self._rows = 0

    def on_predict_batch_end(
        self, trainer, pl_module, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0
    ) -> None:
        if self._writer is None:
            return
        if not isinstance(outputs, dict) or "probs" not in outputs:
            raise TypeError(
                f"PredictionWriter needs predict_step to return {{'probs': (B, K)}}; "
                f"{type(pl_module).__name__} returned {type(outputs).__name__}."
            )
        probs = outputs["probs"].detach().float().cpu()  # (B, K)
        names = class_labels(pl_module, probs.shape[1])
        data = trainer.datamodule
        ids: Optional[Sequence[str]] = getattr(data, "predict_ids", None) if data is not None else None
        # the test split comes as (x, y) batches; a --predict_input as (x, index): no labels
        labels = batch[1].tolist() if data is not None and getattr(data, "predict_x", None) is None else None
        if self._rows == 0:
            header = ["path" if ids else "index"] + (["label"] if labels is not None else []) + ["prediction"]
            self._writer.writerow(header + [f"prob_{n}" for n in names])
        for i, row in enumerate(probs.tolist()):
            n = self._rows + i
            label = [names[int(labels[i])]] if labels is not None else []
            self._writer.writerow(
                [ids[n] if ids else n, *label, names[int(probs[i].argmax())]] + [f"{p:.6g}" for p in row]
            )
        self._rows += probs.shape[0]

    def on_predict_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = self._writer = None
        print(f"catgan: wrote {self._rows} predictions to {shown(self.written_to)}")


# ----------------------------------------------------------------------------- samples


@torch.no_grad()
def write_samples(
    model: pl.LightningModule,
    num: int,
    out_dir: str,
    formats: Sequence[str] = ("png", "npz"),
    seed: int = 0,
    batch_size: int = 500,
) -> Dict[str, Any]:
    """``num`` samples of ``model``'s generator (its EMA when kept) to ``out_dir``: ``sample_00000.png`` ...
    (grey or RGB images of ``image_shape``; a flat vector is shown as a square image when it is one) with
    ``grid.png``, all of them in one picture enlarged (nearest neighbour) to at least ``GRID_MIN_SIDE`` pixels
    per image, and/or
    ``samples.npz`` with ``x`` (num, *image_shape) in the generator's range and, for models with a K-way
    discriminator, ``classes`` (num,), the class D assigns to each sample (also in the PNG names). The
    latents come from a CPU generator seeded with ``seed``: the same call writes the same samples."""
    unknown = sorted(set(formats) - {"png", "npz"})
    if unknown or not formats:
        raise ValueError(f"formats are 'png' and/or 'npz', got {list(formats)}.")
    if num < 1:
        raise ValueError(f"num must be >= 1, got {num}.")
    if not callable(getattr(model, "sample", None)):
        raise TypeError(f"{type(model).__name__} has no generator to sample from.")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    chunks, classes = [], []
    for start in range(0, num, batch_size):
        n = min(batch_size, num - start)
        x = model.sample(n, z=model.sample_latent(n, generator=generator)).float().cpu()  # (n, *image_shape)
        chunks.append(x)
        if callable(getattr(model, "classify", None)):
            classes.append(model.classify(x.to(model.device)).argmax(dim=1).cpu())
    x = torch.cat(chunks)
    labels = torch.cat(classes) if classes else None
    os.makedirs(out_dir, exist_ok=True)
    written: Dict[str, Any] = {"x": x, "classes": labels, "files": []}
    if "npz" in formats:
        import numpy as np

        path = os.path.join(out_dir, "samples.npz")
        arrays = {"x": x.numpy()} | ({"classes": labels.numpy()} if labels is not None else {})
        np.savez_compressed(path, **arrays)
        written["files"].append(path)
    if "png" in formats:
        classes = int(getattr(model, "num_classes", 0))
        outputs = int(getattr(model, "num_outputs", classes))  # more than the classes for a clustering CatGAN
        kind = "class" if outputs == classes else "cluster"
        names = (
            (class_labels(model, classes) if kind == "class" else [str(k) for k in range(outputs)])
            if labels is not None
            else None
        )
        for i, image in enumerate(to_pil_images(x)):
            suffix = f"_{kind}-{names[int(labels[i])]}" if labels is not None else ""
            path = os.path.join(out_dir, f"sample_{i:05d}{suffix}.png")
            image.save(path)
            written["files"].append(path)
        written["grid"] = os.path.join(out_dir, "grid.png")
        sample_grid(x).save(written["grid"])
        written["files"].append(written["grid"])
    return written


GRID_MIN_SIDE = 28  # pixels per image in grid.png: 8x8 digits are shown 4 times larger


def sample_grid(x: Tensor, min_side: int = GRID_MIN_SIDE) -> Any:
    """One PIL image of a batch (see :func:`image_batch`): a square-ish grid, each image enlarged by the whole factor
    that makes its shorter side at least ``min_side`` pixels, 2 pixels of white between images."""
    import math

    from PIL import Image
    from torchvision.utils import make_grid

    images = image_batch(x)  # (N, C, H, W) in [0, 1]
    scale = max(1, math.ceil(min_side / min(images.shape[2:])))
    images = images.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)  # (N, C, sH, sW)
    grid = make_grid(images, nrow=math.ceil(math.sqrt(images.shape[0])), padding=2, pad_value=1.0)  # (3, H', W')
    pixels = (grid * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(pixels[..., 0] if images.shape[1] == 1 else pixels)


def to_pil_images(x: Tensor) -> List[Any]:
    """PIL images of a batch (see :func:`image_batch`)."""
    from PIL import Image

    pixels = (image_batch(x) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (N, H, W, C)
    return [Image.fromarray(p[..., 0] if p.shape[-1] == 1 else p) for p in pixels]


def image_batch(x: Tensor) -> Tensor:
    """(N, C, H, W) in [0, 1] from a batch (N, C, H, W) or (N, D) with D a square, C 1 or 3, values clipped to
    [0, 1] (a tanh range [-1, 1] is mapped there when the batch has negatives)."""
    if x.dim() == 2:
        side = int(round(x.shape[1] ** 0.5))
        if side * side != x.shape[1]:
            raise ValueError(f"samples of shape ({x.shape[1]},) are no image: write them with formats=['npz'].")
        x = x.view(-1, 1, side, side)
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"samples of shape {tuple(x.shape[1:])} are no grey or RGB image: use formats=['npz'].")
    if x.min() < 0:
        x = (x + 1) / 2
    return x.clamp(0, 1)
