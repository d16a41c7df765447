"""Lightning callbacks that draw pictures and score samples, logged to W&B, TensorBoard or PNG files.

- ``SampleGridCallback``: generated images from a fixed latent batch; for a K-way classifier module
  (CatGAN, ImprovedGAN) one row per class predicted by D.
- ``ConfusionMatrixCallback``: D's confusion matrix on the validation split, with the histogram of
  predicted classes on real and generated data.
- ``DecisionRegionCallback``: for 2-D data, D's decision regions with real and generated points (the
  style of the CatGAN paper's Figure 2).
- ``SampleQualityCallback``: Fréchet distance and KID of generated images against real test images in
  the feature space of a classifier trained by ``scripts/train_feature_classifier.py``.

Images go to every logger that takes them: W&B (``log_image``), TensorBoard (``add_image``), and any
logger with a ``log_dir`` (a PNG file under ``<log_dir>/images/``, e.g. ``CSVLogger``). They are sent as
uint8 arrays: wandb writes float tensors in [0, 1] as all-black PNGs. Nothing is drawn when no logger
would receive it. Random draws use their own seeded ``torch.Generator``, never the global RNG, so
callbacks do not change training (resumed runs stay exact).
"""

from __future__ import annotations

import math
import os
from typing import Dict, Optional, Sequence, Tuple

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor


# ----------------------------------------------------------------------------- images and loggers
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


def figure_to_uint8(figure) -> np.ndarray:
    """Render a matplotlib ``Figure`` with the Agg canvas (no display, any backend) to (H, W, 3) uint8."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def accepts_images(logger) -> bool:
    from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger

    return isinstance(logger, (WandbLogger, TensorBoardLogger)) or bool(getattr(logger, "log_dir", None))


def wants_images(trainer: pl.Trainer) -> bool:
    """Whether any logger of ``trainer`` would store an image (skip the drawing otherwise)."""
    return trainer.is_global_zero and any(accepts_images(logger) for logger in trainer.loggers)


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


def display_shape(shape: Sequence[int]) -> Optional[Tuple[int, ...]]:
    """How to show one example of ``shape`` as an image: (C, H, W) as is, a flat vector of a square
    length >= 16 (flattened digits or MNIST) as a 1-channel square, anything else (2-D points) None."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 3:
        return shape
    if len(shape) == 1 and shape[0] >= 16 and math.isqrt(shape[0]) ** 2 == shape[0]:
        return (1, math.isqrt(shape[0]), math.isqrt(shape[0]))
    return None


def fixed_latent(pl_module: pl.LightningModule, n: int, seed: int) -> Tensor:
    """The same ``n`` latent vectors on every call, drawn from a seeded generator (global RNG untouched)."""
    return pl_module.sample_latent(n, generator=torch.Generator().manual_seed(seed))


def _every(trainer: pl.Trainer, every_n_epochs: int) -> bool:
    return (trainer.current_epoch + 1) % every_n_epochs == 0 or trainer.should_stop


# ----------------------------------------------------------------------------- sample grid
class SampleGridCallback(pl.Callback):
    """Every ``every_n_epochs`` training epochs, logs generated images from fixed latents under ``key``.

    For a module with a classifier (``classify``: CatGAN, ImprovedGAN) the grid has one row per class:
    the first ``per_class`` samples of a fixed pool of ``pool_size`` latents that D assigns to the
    class, mid-grey cells where D assigns fewer (a class the generator does not reach). Otherwise
    ``num_samples`` samples in a square grid. ``image_shape`` overrides how an example is shown (e.g.
    ``[3, 32, 32]`` for flattened CIFAR); by default flat square vectors become square images and
    models of non-image data (2-D points) are skipped. Uses the EMA generator when the module has one.
    """

    def __init__(
        self,
        num_samples: int = 64,
        every_n_epochs: int = 1,
        key: str = "samples",
        seed: int = 0,
        per_class: int = 10,
        pool_size: int = 1000,
        image_shape: Optional[Sequence[int]] = None,
    ) -> None:
        self.num_samples, self.every_n_epochs, self.key, self.seed = num_samples, every_n_epochs, key, seed
        self.per_class, self.pool_size = per_class, pool_size
        self.image_shape = tuple(image_shape) if image_shape is not None else None

    @torch.no_grad()
    def make_grid(self, pl_module: pl.LightningModule) -> Optional[np.ndarray]:
        shape = self.image_shape or display_shape(getattr(pl_module, "image_shape", ()))
        if shape is None or not hasattr(pl_module, "sample"):
            return None
        if not hasattr(pl_module, "classify"):
            images = pl_module.sample(self.num_samples, z=fixed_latent(pl_module, self.num_samples, self.seed))
            return image_grid_uint8(images.reshape(-1, *shape))
        pool = pl_module.sample(self.pool_size, z=fixed_latent(pl_module, self.pool_size, self.seed))
        was_training = pl_module.training
        pl_module.eval()
        classes = torch.cat([pl_module.classify(pool[i : i + 500]).argmax(dim=1) for i in range(0, len(pool), 500)])
        pl_module.train(was_training)
        pool = pool.reshape(-1, *shape)
        rows = int(getattr(pl_module, "num_outputs", pl_module.num_classes))  # one row per class (or cluster)
        cells = torch.full((rows, self.per_class, *shape), 0.5, device=pool.device)
        for k in range(rows):
            members = pool[classes == k][: self.per_class]  # the first ones in latent order
            cells[k, : members.shape[0]] = members
        return image_grid_uint8(cells.flatten(0, 1), nrow=self.per_class)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if _every(trainer, self.every_n_epochs) and wants_images(trainer):
            grid = self.make_grid(pl_module)
            if grid is not None:
                log_image(trainer, self.key, grid)


# ----------------------------------------------------------------------------- confusion matrix
def confusion_figure(diagnostics: Dict[str, Tensor], match_clusters: bool = False):
    """A matplotlib Figure: the (true x predicted) confusion matrix, row-normalized colours and counts,
    next to the fraction of real (and generated) examples D assigns to each class."""
    from matplotlib.figure import Figure

    from catgan.metrics import best_cluster_mapping

    confusion = diagnostics["confusion"].detach().cpu().long()  # (C, K) true class x predicted output
    c, k = confusion.shape
    order = torch.arange(k)
    match_clusters = match_clusters or c != k  # outputs that are clusters, not classes, need a matching
    if match_clusters:  # column j < C: the predicted cluster matched to true class j (Hungarian); then the rest
        mapping = best_cluster_mapping(confusion.t())  # (K,) class of each cluster, -1 unmatched
        order = torch.where(mapping >= 0, mapping, c + torch.arange(k)).argsort()
    confusion = confusion[:, order]
    rates = confusion.double() / confusion.sum(dim=1, keepdim=True).clamp_min(1)
    size = min(3.0 + 0.35 * k, 9.0)
    figure = Figure(figsize=(size * 1.9, size * max(c / k, 0.5)), dpi=80)
    ax = figure.add_subplot(1, 2, 1)
    ax.imshow(rates.numpy(), cmap="Blues", vmin=0, vmax=1)
    if k <= 20:
        for i in range(c):
            for j in range(k):
                ax.text(
                    j,
                    i,
                    str(int(confusion[i, j])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if rates[i, j] > 0.5 else "black",
                )
    accuracy = float(confusion[:, :c].diagonal().sum()) / max(int(confusion.sum()), 1)
    ax.set_title(f"{'cluster-matched ' if match_clusters else ''}accuracy {accuracy:.3f}")
    ax.set_xlabel("predicted cluster (matched)" if match_clusters else "predicted class")
    ax.set_ylabel("true class")
    ax.set_xticks(range(k), [str(int(j)) for j in order])
    ax.set_yticks(range(c))
    bars = figure.add_subplot(1, 2, 2)
    width = 0.4 if "class_freq_fake" in diagnostics else 0.8
    bars.bar(
        np.arange(k) - (width / 2 if width < 0.8 else 0),
        diagnostics["class_freq_real"].cpu().numpy(),
        width,
        label="real (validation)",
    )
    if "class_freq_fake" in diagnostics:
        bars.bar(np.arange(k) + width / 2, diagnostics["class_freq_fake"].cpu().numpy(), width, label="generated")
    bars.axhline(1.0 / k, color="grey", linestyle="--", linewidth=1)
    bars.set_xticks(range(k))
    bars.set_xlabel("predicted class")
    bars.set_ylabel("fraction of examples")
    bars.set_title("D's class histogram")
    bars.legend(fontsize=8)
    figure.tight_layout()
    return figure


class ConfusionMatrixCallback(pl.Callback):
    """At the end of every ``every_n_epochs``-th validation (or test, ``stage="test"``) epoch of a
    classifier module, logs D's confusion matrix and class histogram as ``<stage>/confusion_matrix``.
    ``match_clusters`` reorders predicted classes by the Hungarian matching (for unsupervised runs)."""

    def __init__(self, stage: str = "val", every_n_epochs: int = 1, match_clusters: bool = False) -> None:
        if stage not in ("val", "test"):
            raise ValueError(f"ConfusionMatrixCallback: stage must be 'val' or 'test', got {stage!r}.")
        self.stage, self.every_n_epochs, self.match_clusters = stage, every_n_epochs, match_clusters
        self._evaluations = 0

    def draw(self, pl_module: pl.LightningModule) -> Optional[np.ndarray]:
        if not hasattr(pl_module, "classifier_diagnostics"):
            return None
        diagnostics = pl_module.classifier_diagnostics(self.stage)
        if int(diagnostics["confusion"].sum()) == 0:
            return None
        return figure_to_uint8(confusion_figure(diagnostics, self.match_clusters))

    def _maybe_log(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage != self.stage or trainer.sanity_checking:
            return
        self._evaluations += 1
        if (stage == "test" or self._evaluations % self.every_n_epochs == 0) and wants_images(trainer):
            image = self.draw(pl_module)
            if image is not None:
                log_image(trainer, f"{stage}/confusion_matrix", image)

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._maybe_log(trainer, pl_module, "val")

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._maybe_log(trainer, pl_module, "test")


# ----------------------------------------------------------------------------- 2-D decision regions
def real_points(trainer: pl.Trainer, n: int) -> Optional[Tensor]:
    """The first ``n`` training examples of the trainer's catgan data module (None without one)."""
    splits = getattr(getattr(trainer, "datamodule", None), "splits", None)
    return None if splits is None else splits.train_x[:n]


@torch.no_grad()
def decision_region_figure(pl_module: pl.LightningModule, real: Tensor, fake: Tensor, resolution: int = 200):
    """D's decision regions over the plane around ``real`` (N, 2) points, with ``fake`` (M, 2) points.
    A K-way D: the argmax class coloured, shaded by its probability; a one-score D: sigmoid(score)."""
    from matplotlib.figure import Figure

    real, fake = real.detach().cpu().float(), fake.detach().cpu().float()
    low, high = real.min(dim=0).values, real.max(dim=0).values
    low, high = low - 0.25 * (high - low), high + 0.25 * (high - low)
    xs, ys = (torch.linspace(float(low[i]), float(high[i]), resolution) for i in range(2))
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1).reshape(-1, 2)  # (R*R, 2)
    discriminator = pl_module.discriminator
    was_training = discriminator.training
    discriminator.eval()
    device = next(discriminator.parameters()).device
    scores = torch.cat([discriminator(chunk.to(device)).float().cpu() for chunk in grid.split(10000)])
    discriminator.train(was_training)
    figure = Figure(figsize=(5.5, 5), dpi=80)
    ax = figure.add_subplot(1, 1, 1)
    extent = (float(low[0]), float(high[0]), float(low[1]), float(high[1]))
    if scores.shape[1] > 1:
        from matplotlib import colormaps

        probs = scores.softmax(dim=1)
        confidence, classes = probs.max(dim=1)
        colours = colormaps["tab10"](classes.numpy() % 10)[:, :3]  # (R*R, 3)
        shade = 0.35 + 0.65 * (confidence.numpy()[:, None] - 1 / scores.shape[1]) / (1 - 1 / scores.shape[1])
        rgb = 1.0 - shade.clip(0, 1) * (1.0 - colours)  # faint where D is unsure
        ax.imshow(rgb.reshape(resolution, resolution, 3), origin="lower", extent=extent, aspect="auto")
        ax.contour(
            xs.numpy(),
            ys.numpy(),
            classes.reshape(resolution, resolution).numpy(),
            levels=np.arange(scores.shape[1]) + 0.5,
            colors="k",
            linewidths=0.8,
        )
        title = f"D's {scores.shape[1]} classes"
    else:
        image = ax.imshow(
            torch.sigmoid(scores[:, 0]).reshape(resolution, resolution).numpy(),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap="RdBu",
            vmin=0,
            vmax=1,
        )
        figure.colorbar(image, ax=ax, label="sigmoid(D(x))")
        title = "D's score"
    ax.scatter(real[:, 0], real[:, 1], s=6, c="k", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=10, c="red", marker="x", linewidths=0.8, label="generated")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_title(f"{title}, epoch {pl_module.current_epoch}")
    ax.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    return figure


class DecisionRegionCallback(pl.Callback):
    """For 2-D data (``image_shape == (2,)``), every ``every_n_epochs`` training epochs logs D's decision
    regions with ``num_points`` real training points and ``num_fakes`` generated points (fixed latents)
    as ``decision_regions``. Skips other data."""

    def __init__(
        self,
        every_n_epochs: int = 5,
        num_points: int = 500,
        num_fakes: int = 500,
        resolution: int = 200,
        key: str = "decision_regions",
        seed: int = 0,
    ) -> None:
        self.every_n_epochs, self.num_points, self.num_fakes = every_n_epochs, num_points, num_fakes
        self.resolution, self.key, self.seed = resolution, key, seed

    def draw(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Optional[np.ndarray]:
        if tuple(getattr(pl_module, "image_shape", ())) != (2,) or not hasattr(pl_module, "discriminator"):
            return None
        real = real_points(trainer, self.num_points)
        if real is None:
            return None
        fake = pl_module.sample(self.num_fakes, z=fixed_latent(pl_module, self.num_fakes, self.seed))
        return figure_to_uint8(decision_region_figure(pl_module, real, fake, self.resolution))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if _every(trainer, self.every_n_epochs) and wants_images(trainer):
            image = self.draw(trainer, pl_module)
            if image is not None:
                log_image(trainer, self.key, image)


# ----------------------------------------------------------------------------- FD / KID
class SampleQualityCallback(pl.Callback):
    """At the end of every ``every_n_epochs``-th validation epoch, logs ``quality/fd``, ``quality/kid``
    and ``quality/kid_std``: Fréchet distance and KID between ``num_samples`` generated images (fixed
    latents; the EMA generator when enabled) and up to ``num_real`` real images of the data module's
    ``split``, in the feature space of the classifier saved at ``classifier_path`` by
    ``scripts/train_feature_classifier.py`` (trained on the same data set). Lower is better.
    """

    def __init__(
        self,
        classifier_path: str,
        num_samples: int = 1000,
        num_real: int = 10000,
        split: str = "test",
        every_n_epochs: int = 1,
        kid_subsets: int = 50,
        kid_subset_size: int = 1000,
        seed: int = 0,
    ) -> None:
        if split not in ("train", "val", "test"):
            raise ValueError(f"SampleQualityCallback: split must be 'train', 'val' or 'test', got {split!r}.")
        self.classifier_path, self.split, self.seed = classifier_path, split, seed
        self.num_samples, self.num_real, self.every_n_epochs = num_samples, num_real, every_n_epochs
        self.kid_subsets, self.kid_subset_size = kid_subsets, kid_subset_size
        self._extractor = None
        self._real_features: Optional[Tensor] = None
        self._evaluations = 0

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        from catgan.feature_classifier import ClassifierFeatures, load_feature_classifier

        if not hasattr(pl_module, "sample"):
            raise ValueError(
                f"SampleQualityCallback needs a module with a generator; {type(pl_module).__name__} "
                "has none: remove the callback."
            )
        classifier, record = load_feature_classifier(self.classifier_path)
        if math.prod(record["in_shape"]) != math.prod(pl_module.image_shape):
            raise ValueError(
                f"The feature classifier {self.classifier_path!r} takes examples of shape "
                f"{tuple(record['in_shape'])}, but the model makes {tuple(pl_module.image_shape)}: train "
                "one on this data set with scripts/train_feature_classifier.py."
            )
        if getattr(getattr(trainer, "datamodule", None), "splits", False) is False:
            raise ValueError(
                "SampleQualityCallback reads real images from a catgan data module (trainer.datamodule"
                ".splits): fit with a catgan.data module."
            )
        self._extractor = ClassifierFeatures(classifier, record["in_shape"])

    @torch.no_grad()
    def compute(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Dict[str, Tensor]:
        from catgan.metrics import extract_features, frechet_distance, kernel_distance

        self._extractor.to(pl_module.device)
        if self._real_features is None or self._real_features.device != pl_module.device:
            real = getattr(trainer.datamodule.splits, f"{self.split}_x")[: self.num_real]
            self._real_features = extract_features(self._extractor, real.reshape(real.shape[0], -1))
        z = fixed_latent(pl_module, self.num_samples, self.seed)
        fake = torch.cat([pl_module.sample(chunk.shape[0], z=chunk) for chunk in z.split(500)])
        fake_features = extract_features(self._extractor, fake.reshape(fake.shape[0], -1))
        kid, kid_std = kernel_distance(
            self._real_features, fake_features, self.kid_subsets, self.kid_subset_size, self.seed
        )
        return {"fd": frechet_distance(self._real_features, fake_features), "kid": kid, "kid_std": kid_std}

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        self._evaluations += 1
        if self._evaluations % self.every_n_epochs == 0:
            values = self.compute(trainer, pl_module)
            pl_module.log_dict({f"quality/{name}": value for name, value in values.items()}, on_epoch=True)
