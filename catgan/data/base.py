"""The semi-supervised LightningDataModule base that every data set in catgan shares.

A subclass says what its examples look like (``image_shape``, ``num_classes``) and loads three splits
as in-memory tensors (``load_splits``). The base then

- picks ``num_labeled`` training examples, balanced across classes, with ``seed`` (the rest of the
  labels are never shown to the model; all training images serve as unlabeled data);
  ``num_labeled=None`` takes every known training label (training labels of -1 mark unlabeled images);
- yields training batches ``{"unlabeled": x, "labeled": (x, y)}``: the unlabeled stream defines the
  epoch and the (small) labeled stream is cycled with its own ``labeled_batch_size``; with
  ``num_labeled=0`` the batches are ``{"unlabeled": x}`` (unsupervised); with ``unlabeled_index`` set (by a model
  that asks for it) they also carry ``"unlabeled_index"``, each unlabeled image's row in the training images;
- serves a validation split held out from the training data and the test split, as ``(x, y)``;
- optionally moves training images by random whole-pixel offsets (``labeled_shift``, ``unlabeled_shift``;
  catgan/data/augment.py), never the validation, test or prediction images.

Batches are sliced from tensors by index lists (one ``index_select`` per batch, no per-example
collation and no worker processes), which keeps the loader off the critical path for small models.

``BaseSemiSupervisedDataModule`` here is the abstract base; the public ``catgan.data.SemiSupervisedDataModule``
(catgan/data/custom.py) subclasses it, takes your own arrays, data sets or image folders, and still
works as a base class.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities import CombinedLoader
from torch import Tensor

from catgan.data.augment import RandomShift, check_shift
from catgan.data.loaders import TensorBatchLoader


def say(line: str) -> None:
    """Print one line of progress, from the first process only (one line per run, not per rank)."""
    from lightning.pytorch.utilities import rank_zero_only

    if rank_zero_only.rank == 0:
        print(line)


@dataclass
class Splits:
    """In-memory data: images (N, *image_shape) float in the model's range, labels (N,) int64.

    ``train_y`` may hold -1 for unlabeled training images; validation and test labels are all known.
    """

    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    test_x: Tensor
    test_y: Tensor


def check_num_labeled(num_labeled: int, num_classes: int) -> None:
    """Errors that can be raised before any data is loaded."""
    if not isinstance(num_labeled, int) or num_labeled < 0:
        raise ValueError(f"num_labeled must be an integer >= 0 (0 = unsupervised), got {num_labeled!r}.")
    if num_labeled % num_classes != 0:
        lower = num_labeled - num_labeled % num_classes
        raise ValueError(
            f"num_labeled={num_labeled} is not divisible by the {num_classes} classes: labels are picked "
            f"balanced across classes, so use a multiple of {num_classes} (e.g. {lower or num_classes})."
        )


def balanced_label_indices(labels: Tensor, num_labeled: int, num_classes: int, seed: int) -> Tensor:
    """``num_labeled // num_classes`` indices per class, drawn without replacement with ``seed``.

    Returns sorted int64 indices into ``labels``. Raises a ValueError naming the fix when a class has
    too few examples or ``num_labeled`` exceeds the data.
    """
    check_num_labeled(num_labeled, num_classes)
    if num_labeled > labels.numel():
        raise ValueError(
            f"num_labeled={num_labeled} exceeds the {labels.numel()} training examples: lower num_labeled."
        )
    per_class = num_labeled // num_classes
    generator = torch.Generator().manual_seed(int(seed))
    chosen = []
    for k in range(num_classes):
        members = torch.nonzero(labels == k, as_tuple=False).flatten()
        if members.numel() < per_class:
            raise ValueError(
                f"class {k} has only {members.numel()} training examples but num_labeled={num_labeled} asks "
                f"for {per_class} per class: lower num_labeled to at most {members.numel() * num_classes}."
            )
        chosen.append(members[torch.randperm(members.numel(), generator=generator)[:per_class]])
    if not chosen:
        return torch.zeros(0, dtype=torch.long)
    return torch.cat(chosen).sort().values


class BaseSemiSupervisedDataModule(pl.LightningDataModule):
    """Abstract base for semi-supervised data modules (see the module docstring).

    Args:
        num_labeled: labeled training examples, balanced across classes (0 = unsupervised, None = every
            training label that is not -1).
        seed: seed of the labeled-subset choice (one label split per seed).
        batch_size: unlabeled batch size (defines the epoch length).
        labeled_batch_size: labeled batch size (cycled; capped at ``num_labeled``).
        eval_batch_size: batch size for validation, test and prediction.
        labeled_shift: move each labeled training image by a random offset of up to this many pixels in each
            direction (zeros fill the border: the background for data in [0, 1]; 0 = off): augmentation of the few labels.
        unlabeled_shift: the same for the unlabeled stream (which D compares with G's samples).
    """

    def __init__(
        self,
        num_labeled: Optional[int] = 100,
        seed: int = 0,
        batch_size: int = 100,
        labeled_batch_size: int = 50,
        eval_batch_size: int = 500,
        *,
        labeled_shift: int = 0,
        unlabeled_shift: int = 0,
    ) -> None:
        super().__init__()
        self.labeled_shift = check_shift("labeled_shift", labeled_shift)
        self.unlabeled_shift = check_shift("unlabeled_shift", unlabeled_shift)
        if labeled_shift or unlabeled_shift:
            try:  # built-in modules know their image shape now; others are checked in setup
                self._check_shifts()
            except (AttributeError, NotImplementedError):
                pass
        if num_labeled is not None:
            check_num_labeled(num_labeled, self.num_classes)
        for name, value in (
            ("batch_size", batch_size),
            ("labeled_batch_size", labeled_batch_size),
            ("eval_batch_size", eval_batch_size),
        ):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}.")
        self.num_labeled = num_labeled
        self.seed = seed
        self.batch_size = batch_size
        self.labeled_batch_size = labeled_batch_size
        self.eval_batch_size = eval_batch_size
        self.splits: Optional[Splits] = None
        self.labeled_indices: Optional[Tensor] = None

    # -- what a subclass provides ---------------------------------------------------------------
    @property
    def image_shape(self) -> Tuple[int, ...]:
        raise NotImplementedError

    @property
    def num_classes(self) -> int:
        raise NotImplementedError

    def load_splits(self) -> Splits:
        raise NotImplementedError

    # -- Lightning hooks ------------------------------------------------------------------------
    def setup(self, stage: Optional[str] = None) -> None:
        if self.splits is not None:
            return
        splits = self.load_splits()
        for name in ("train", "val", "test"):
            x = getattr(splits, f"{name}_x")
            if tuple(x.shape[1:]) != tuple(self.image_shape):
                raise ValueError(
                    f"{type(self).__name__}: {name} examples have shape {tuple(x.shape[1:])}, expected "
                    f"image_shape {tuple(self.image_shape)}."
                )
        self._check_shifts()
        self.labeled_indices = self.pick_labeled(splits.train_y)
        train = splits.train_x.shape[0]
        if self.batch_size > train:  # a small folder of own images: one batch of everything per epoch
            say(f"catgan: batch_size={self.batch_size} is more than the {train} training examples; using {train}")
            self.batch_size = train
        self.splits = splits
        say(f"catgan: data {type(self).__name__}: {self.split_sizes()}")

    def split_sizes(self) -> str:
        """One line: training examples (how many of them are shown to the model with their label), validation and
        test examples."""
        splits = self._require_setup()
        train, labeled = splits.train_x.shape[0], self.labeled_indices.numel()
        return (
            f"{train} training examples ({labeled} labeled; all {train} used as unlabeled), "
            f"{splits.val_x.shape[0]} validation, {splits.test_x.shape[0]} test"
        )

    def _check_shifts(self) -> None:
        for name in ("labeled_shift", "unlabeled_shift"):
            shift = getattr(self, name)
            if shift == 0:
                continue
            try:
                _, h, w = self.file_image_shape
            except ValueError:
                raise ValueError(
                    f"{name}={shift}: {type(self).__name__} has examples of shape {self.image_shape}, not "
                    f"images, so they cannot be shifted; set {name} to 0."
                ) from None
            if shift >= min(h, w):
                raise ValueError(
                    f"{name}={shift} would move {h}x{w} images out of the frame: use at most {min(h, w) - 1} "
                    "(1 or 2 pixels is the usual range)."
                )

    def _shift(self, shift: int) -> Optional[RandomShift]:
        return RandomShift(shift, self.file_image_shape) if shift else None

    def pick_labeled(self, train_y: Tensor) -> Tensor:
        """Sorted indices of the training labels shown to the model (see ``num_labeled``)."""
        if self.num_labeled is None:
            return torch.nonzero(train_y >= 0, as_tuple=False).flatten()
        return balanced_label_indices(train_y, self.num_labeled, self.num_classes, self.seed)

    def train_dataloader(self) -> CombinedLoader:
        splits = self._require_setup()
        loaders: Dict[str, TensorBatchLoader] = {
            "unlabeled": TensorBatchLoader(
                splits.train_x,
                batch_size=self.batch_size,
                shuffle=True,
                drop_last=True,
                seed=self.seed,
                transform=self._shift(self.unlabeled_shift),
            )
        }
        if (
            self.unlabeled_index
        ):  # the same order as the images: the loaders' permutations depend on seed and epoch only
            loaders["unlabeled_index"] = TensorBatchLoader(
                torch.arange(splits.train_x.shape[0]),
                batch_size=self.batch_size,
                shuffle=True,
                drop_last=True,
                seed=self.seed,
            )
        idx = self.labeled_indices
        if idx.numel() > 0:
            loaders["labeled"] = TensorBatchLoader(
                splits.train_x[idx],
                splits.train_y[idx],
                batch_size=min(self.labeled_batch_size, idx.numel()),
                shuffle=True,
                drop_last=True,
                seed=self.seed + 1,
                transform=self._shift(self.labeled_shift),
            )
        return CombinedLoader(loaders, mode="max_size_cycle")

    def val_dataloader(self) -> TensorBatchLoader:
        splits = self._require_setup()
        return TensorBatchLoader(splits.val_x, splits.val_y, batch_size=self.eval_batch_size, shard=False)

    def test_dataloader(self) -> TensorBatchLoader:
        splits = self._require_setup()
        return TensorBatchLoader(splits.test_x, splits.test_y, batch_size=self.eval_batch_size, shard=False)

    def predict_dataloader(self) -> TensorBatchLoader:
        """The examples of ``set_predict_input`` as ``(x, index)`` batches, else the test split."""
        if self.predict_x is not None:
            index = torch.arange(self.predict_x.shape[0])
            return TensorBatchLoader(self.predict_x, index, batch_size=self.eval_batch_size, shard=False)
        return self.test_dataloader()

    # set by a model that needs to know which training images a batch holds (``catgan.regularizers.VAT(neighbors=k)``): training batches
    # then also carry ``"unlabeled_index"`` (B,), the row of each unlabeled image in ``splits.train_x``
    unlabeled_index: bool = False

    # -- inputs for prediction ------------------------------------------------------------------
    class_names: Optional[List[str]] = None  # class names in index order, when the data has them
    predict_x: Optional[Tensor] = None
    predict_ids: Optional[List[str]] = None

    @property
    def file_image_shape(self) -> Tuple[int, int, int]:
        """(C, H, W) of one example as an image file: ``image_shape`` itself for image data; subclasses whose
        examples are flattened images say their native shape."""
        if len(self.image_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} has examples of shape {self.image_shape}, not images: give "
                "predict_input as an .npy/.npz array of that shape."
            )
        return tuple(self.image_shape)  # type: ignore[return-value]

    def file_image_size(self) -> Tuple[int, ...]:
        """How image files are resized for prediction (see ``image_files.resize``): to exactly (H, W)."""
        return tuple(self.file_image_shape[1:])

    def set_predict_input(self, path: str) -> None:
        """Predict on ``path`` instead of the test split: a folder of images (recursive; decoded to the
        training data's channels and size, in [0, 1]) or an ``.npy`` / ``.npz`` array (uint8 is divided by 255;
        an ``.npz`` holds it as ``x`` or as its only array) of ``image_shape`` examples. Errors name the option."""
        from catgan.data import image_files

        option = "predict_input"
        image_files.require_path(path, option)
        if os.path.isdir(path):
            paths = image_files.list_images(path, option)
            shape = self.file_image_shape
            x = image_files.load_images(paths, shape, shape[0] == 1, self.file_image_size(), option)
            ids = paths
        elif path.lower().endswith((".npy", ".npz")):
            x = array_examples(path, option)
            ids = None
        else:
            raise ValueError(f"{option}: {path!r} is neither a folder of images nor an .npy/.npz array.")
        per_example = math.prod(self.image_shape)
        if x.shape[0] == 0 or x[0].numel() != per_example:
            raise ValueError(
                f"{option}: {path!r} holds examples of shape {tuple(x.shape[1:])}, but the model takes "
                f"{self.image_shape} ({per_example} values each)."
            )
        self.predict_x, self.predict_ids = x.reshape(-1, *self.image_shape), ids

    def _require_setup(self) -> Splits:
        if self.splits is None:
            self.setup()
        assert self.splits is not None
        return self.splits

    # -- helpers for subclasses -----------------------------------------------------------------
    @staticmethod
    def stratified_split(y: Tensor, sizes: Sequence[int], seed: int) -> Tuple[Tensor, ...]:
        """Split indices 0..len(y)-1 into len(sizes)+1 stratified parts: the given sizes, then the rest."""
        from sklearn.model_selection import train_test_split

        rest = torch.arange(y.numel())
        parts = []
        for size in sizes:
            if size == 0:
                parts.append(torch.zeros(0, dtype=torch.long))
                continue
            rest_np, part_np = train_test_split(
                rest.numpy(), test_size=size, random_state=seed, stratify=y[rest].numpy()
            )
            rest, part = torch.as_tensor(rest_np), torch.as_tensor(part_np)
            parts.append(part.sort().values)
        return (*parts, rest.sort().values)


def array_examples(path: str, option: str) -> Tensor:
    """(N, ...) float examples from an ``.npy`` file or an ``.npz`` file's ``x`` (or only) array."""
    import numpy as np

    if path.lower().endswith(".npy"):
        array = np.load(path)
    else:
        with np.load(path) as data:
            keys = list(data.keys())
            if "x" not in keys and len(keys) != 1:
                raise ValueError(f"{option}: {path!r} holds arrays {keys}: name the examples 'x'.")
            array = data["x" if "x" in keys else keys[0]]
    x = torch.as_tensor(array)
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x.float()
