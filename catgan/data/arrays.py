"""Arrays and torch data sets as in-memory tensors for ``catgan.data.SemiSupervisedDataModule``.

Images become (N, ...) float tensors (uint8 and PIL images scaled by 1/255), labels (N,) int64 with
-1 for unlabeled examples; ``.npy`` / ``.npz`` paths make arrays usable from YAML. Errors name the option.
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from catgan.data.image_files import require_path

ArrayLike = Union[str, os.PathLike, Tensor, np.ndarray, None]
NPZ_KEYS = ("x", "y", "val_x", "val_y", "test_x", "test_y")


def read_npz(path: str) -> Dict[str, Optional[np.ndarray]]:
    with np.load(require_path(str(path), "npz"), allow_pickle=False) as archive:
        unknown = sorted(set(archive.files) - set(NPZ_KEYS))
        if unknown:
            raise ValueError(
                f"npz: {path!r} holds arrays {unknown} with unknown names; expected {', '.join(NPZ_KEYS)}."
            )
        return {key: archive[key] if key in archive.files else None for key in NPZ_KEYS}


def load_array(value: ArrayLike, option: str):
    if isinstance(value, (str, os.PathLike)):
        value = str(value)
        if not value.lower().endswith(".npy"):
            raise ValueError(f"{option}: {value!r} is not a .npy file (use npz for a .npz archive).")
        return np.load(require_path(value, option), allow_pickle=False)
    return value


def as_float_images(value, option: str) -> Tensor:
    """(N, ...) float tensor; uint8 is scaled by 1/255."""
    array = value if isinstance(value, Tensor) else np.asarray(value)
    if isinstance(array, np.ndarray) and not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{option}: expected numbers, got an array of {array.dtype}.")
    data = torch.as_tensor(array)
    if data.dim() < 2 or data.shape[0] == 0:
        raise ValueError(f"{option}: expected an array of shape (N, ...) with N >= 1, got shape {tuple(data.shape)}.")
    if data.dtype == torch.uint8:
        return data.float().div_(255.0)
    if not (data.is_floating_point() or data.dtype in (torch.int16, torch.int32, torch.int64)):
        raise ValueError(f"{option}: expected numbers, got dtype {data.dtype}.")
    return data.float()


def as_labels(value, option: str, n: int) -> Tensor:
    labels = value if isinstance(value, Tensor) else torch.as_tensor(np.asarray(value))
    if labels.dim() != 1 or labels.shape[0] != n:
        raise ValueError(
            f"{option}: expected {n} labels (one per example, shape ({n},)), got shape {tuple(labels.shape)}."
        )
    if labels.is_floating_point() and not bool((labels == labels.round()).all()):
        raise ValueError(f"{option}: labels must be whole numbers (class indices, -1 = unlabeled).")
    return labels.long()


def dataset_tensors(dataset: Dataset, option: str, with_labels: bool) -> Tuple[Tensor, Optional[Tensor]]:
    """(N, ...) images in [0, 1] (uint8 and PIL scaled by 1/255) and (N,) labels from a map-style data set."""
    from PIL import Image
    from torchvision.transforms.functional import pil_to_tensor

    if not hasattr(dataset, "__len__") or len(dataset) == 0:
        raise ValueError(f"{option}: expected a non-empty map-style data set (with __len__ and __getitem__).")
    images, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        if with_labels and not (isinstance(item, (tuple, list)) and len(item) >= 2):
            raise ValueError(
                f"{option}: item {i} is a {type(item).__name__}; a labeled data set yields (image, label)."
            )
        image = item[0] if isinstance(item, (tuple, list)) else item
        if isinstance(image, Image.Image):
            image = pil_to_tensor(image)  # (C, H, W) uint8
        elif not isinstance(image, Tensor):
            image = torch.as_tensor(np.asarray(image))
        if images and image.shape != images[0].shape:
            raise ValueError(
                f"{option}: item {i} has shape {tuple(image.shape)} but item 0 has "
                f"{tuple(images[0].shape)}: give images of one size (e.g. a Resize transform)."
            )
        images.append(image)
        if with_labels:
            labels.append(int(item[1]))
    return as_float_images(torch.stack(images), option), (
        torch.tensor(labels, dtype=torch.long) if with_labels else None
    )
