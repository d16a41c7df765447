"""Two-dimensional toy data sets (moons, circles, Gaussian blobs) for clustering demos and fast tests."""

from __future__ import annotations

from typing import Tuple

import torch

from catgan.data.base import BaseSemiSupervisedDataModule, Splits

TOY_KINDS = ("moons", "circles", "blobs")


class ToyDataModule(BaseSemiSupervisedDataModule):
    """Points in R^2 from scikit-learn's generators; ``image_shape`` is (2,).

    ``kind``: ``moons`` and ``circles`` (2 classes, Gaussian ``noise``), or ``blobs``: ``num_blobs``
    classes, Gaussians of spread ``blob_std`` centred evenly on a circle of radius 4.
    Train, validation and test points are drawn independently with seeds derived from ``data_seed``.
    """

    def __init__(
        self,
        kind: str = "moons",
        num_labeled: int = 0,
        seed: int = 0,
        batch_size: int = 100,
        labeled_batch_size: int = 10,
        eval_batch_size: int = 1000,
        num_train: int = 2000,
        num_val: int = 500,
        num_test: int = 1000,
        noise: float = 0.08,
        num_blobs: int = 4,
        blob_std: float = 0.5,
        data_seed: int = 0,
    ) -> None:
        if kind not in TOY_KINDS:
            raise ValueError(f"ToyDataModule: unknown kind {kind!r}; choose one of {', '.join(TOY_KINDS)}.")
        self.kind, self.num_blobs, self.blob_std = kind, num_blobs, blob_std
        super().__init__(num_labeled, seed, batch_size, labeled_batch_size, eval_batch_size)
        self.num_train, self.num_val, self.num_test = num_train, num_val, num_test
        self.noise, self.data_seed = noise, data_seed

    @property
    def image_shape(self) -> Tuple[int, ...]:
        return (2,)

    @property
    def num_classes(self) -> int:
        return self.num_blobs if self.kind == "blobs" else 2

    def _draw(self, n: int, seed: int):
        from sklearn import datasets

        if self.kind == "moons":
            x, y = datasets.make_moons(n, noise=self.noise, random_state=seed)
        elif self.kind == "circles":
            x, y = datasets.make_circles(n, noise=self.noise, factor=0.5, random_state=seed)
        else:  # blobs: centres evenly spaced on a circle of radius 4, spread blob_std
            import numpy as np

            angles = 2 * np.pi * np.arange(self.num_blobs) / self.num_blobs
            centers = 4.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
            x, y = datasets.make_blobs(n, centers=centers, cluster_std=self.blob_std, random_state=seed)
        return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)

    def load_splits(self) -> Splits:
        base = 1000 * self.data_seed
        train = self._draw(self.num_train, base + 1)
        val = self._draw(self.num_val, base + 2)
        test = self._draw(self.num_test, base + 3)
        return Splits(*train, *val, *test)
