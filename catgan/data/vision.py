"""torchvision data sets (MNIST and friends) as semi-supervised data modules.

The real torchvision loading code is used (``download=True`` fetches and md5-verifies the files into
``data_dir``). Images are held in memory as float tensors in [0, 1]; ``flatten=True`` gives vectors for
permutation-invariant models. The validation split (``val_size`` images, stratified, fixed by
``split_seed``) is held out from the training set; the test set is only for final numbers. ``val_size=0``
holds out nothing: every training image is unlabeled data (and the labels come from all of them), no
validation runs; for final numbers once the settings were chosen on a validation split.

Where the files go (torchvision's layouts): ``<data_dir>/MNIST/raw``, ``<data_dir>/FashionMNIST/raw``,
``<data_dir>/cifar-10-batches-py`` and ``<data_dir>/SVHN/{train,test}_32x32.mat``.
"""

from __future__ import annotations

import os
from typing import Tuple

import torch
from torch import Tensor

from catgan.data.base import BaseSemiSupervisedDataModule, Splits


class TorchvisionDataModule(BaseSemiSupervisedDataModule):
    """Base for torchvision classification sets; subclasses set ``dataset_name`` and ``native_shape``."""

    dataset_name = ""
    native_shape: Tuple[int, ...] = ()
    classes = 10
    files_subdir = ""  # where torchvision keeps the files, relative to data_dir (for error messages)

    def __init__(
        self,
        data_dir: str = "data",
        download: bool = False,
        num_labeled: int = 100,
        seed: int = 0,
        batch_size: int = 100,
        labeled_batch_size: int = 100,
        eval_batch_size: int = 1000,
        val_size: int = 10000,
        split_seed: int = 0,
        flatten: bool = False,
        labeled_shift: int = 0,
        unlabeled_shift: int = 0,
    ) -> None:
        if not isinstance(val_size, int) or val_size < 0:
            raise ValueError(f"val_size must be an integer >= 0 (0 = no validation split), got {val_size!r}.")
        self.flatten = flatten
        super().__init__(
            num_labeled,
            seed,
            batch_size,
            labeled_batch_size,
            eval_batch_size,
            labeled_shift=labeled_shift,
            unlabeled_shift=unlabeled_shift,
        )
        self.data_dir, self.download = str(data_dir), download
        self.val_size, self.split_seed = val_size, split_seed

    @property
    def image_shape(self) -> Tuple[int, ...]:
        return (int(torch.tensor(self.native_shape).prod()),) if self.flatten else self.native_shape

    @property
    def num_classes(self) -> int:
        return self.classes

    @property
    def file_image_shape(self) -> Tuple[int, ...]:
        return self.native_shape

    def _dataset(self, train: bool):
        import torchvision

        cls = getattr(torchvision.datasets, self.dataset_name)
        folder = os.path.abspath(os.path.join(self.data_dir, self.files_subdir))
        try:
            return self.make_dataset(cls, train)
        except (RuntimeError, OSError) as error:  # not found / corrupted, or a failed download (URLError)
            if self.download:
                raise RuntimeError(
                    f"Downloading {self.dataset_name} into {folder} failed ({error}). Check the "
                    f"network, or put the files there yourself and retry (download: true verifies "
                    f"them offline)."
                ) from error
            raise FileNotFoundError(
                f"{self.dataset_name} was not found under data_dir={os.path.abspath(self.data_dir)!s} (expected in "
                f"{folder}). Set download: true (--data.download true) to fetch it, or point --data.data_dir at "
                f"a folder that holds it."
            ) from error

    def make_dataset(self, cls, train: bool):
        return cls(self.data_dir, train=train, download=self.download)

    def prepare_data(self) -> None:
        self._dataset(train=True)
        self._dataset(train=False)

    def to_tensors(self, dataset) -> Tuple[Tensor, Tensor]:
        """(N, *native_shape) floats in [0, 1] and (N,) labels from a torchvision data set."""
        data = torch.as_tensor(dataset.data)
        if data.dim() == 3:  # (N, H, W) grey
            data = data.unsqueeze(1)
        elif data.shape[-1] == 3:  # (N, H, W, C) colour
            data = data.permute(0, 3, 1, 2)
        x = data.float().div_(255.0).contiguous()
        y = torch.as_tensor(getattr(dataset, "targets", getattr(dataset, "labels", None)), dtype=torch.long)
        return x, y

    def load_splits(self) -> Splits:
        train_x, train_y = self.to_tensors(self._dataset(train=True))
        test_x, test_y = self.to_tensors(self._dataset(train=False))
        val, train = self.stratified_split(train_y, (self.val_size,), self.split_seed)
        shape = self.image_shape
        return Splits(
            train_x[train].reshape(-1, *shape),
            train_y[train],
            train_x[val].reshape(-1, *shape),
            train_y[val],
            test_x.reshape(-1, *shape),
            test_y,
        )


class MNISTDataModule(TorchvisionDataModule):
    """torchvision MNIST, (1, 28, 28) in [0, 1] (or (784,) with ``flatten``); 50k train / 10k val / 10k test."""

    dataset_name = "MNIST"
    native_shape = (1, 28, 28)
    files_subdir = os.path.join("MNIST", "raw")


class FashionMNISTDataModule(TorchvisionDataModule):
    """torchvision FashionMNIST (same idx files as MNIST, under ``<data_dir>/FashionMNIST/raw``), (1, 28, 28)."""

    dataset_name = "FashionMNIST"
    native_shape = (1, 28, 28)
    files_subdir = os.path.join("FashionMNIST", "raw")


class CIFAR10DataModule(TorchvisionDataModule):
    """torchvision CIFAR-10 (pickled batches under ``<data_dir>/cifar-10-batches-py``), (3, 32, 32) in [0, 1];
    40k train / 10k val / 10k test."""

    dataset_name = "CIFAR10"
    native_shape = (3, 32, 32)
    files_subdir = "cifar-10-batches-py"


class SVHNDataModule(TorchvisionDataModule):
    """torchvision SVHN (``train_32x32.mat`` and ``test_32x32.mat`` under ``<data_dir>/SVHN``), (3, 32, 32) in
    [0, 1]; 73,257 train (minus ``val_size``) / 26,032 test; the digit 0 has label 0 (torchvision maps 10 to 0)."""

    dataset_name = "SVHN"
    native_shape = (3, 32, 32)
    files_subdir = "SVHN"

    def make_dataset(self, cls, train: bool):
        return cls(
            os.path.join(self.data_dir, self.files_subdir), split="train" if train else "test", download=self.download
        )

    def to_tensors(self, dataset) -> Tuple[Tensor, Tensor]:
        x = torch.as_tensor(dataset.data).float().div_(255.0).contiguous()  # (N, 3, 32, 32) already
        return x, torch.as_tensor(dataset.labels, dtype=torch.long)
