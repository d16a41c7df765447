"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, no download): the embedded default."""

from __future__ import annotations

from typing import Tuple

import torch

from catgan.data.base import BaseSemiSupervisedDataModule, Splits


class DigitsDataModule(BaseSemiSupervisedDataModule):
    """Digits as (1, 8, 8) float tensors in [0, 1] (pixel value / 16).

    The test (``test_size``) and validation (``val_size``) splits are stratified and fixed by
    ``split_seed``, so every label split (``seed``) is evaluated on the same held-out images.
    ``val_per_split``: draw the validation images from the non-test ones with the label split's ``seed`` instead
    (the test images stay fixed): for tuning over several label splits, so that a mean of validation errors is
    not the score of one small fixed set (200 images: one image is 0.5 points).
    ``labeled_shift`` / ``unlabeled_shift`` move training images by up to that many pixels (see the base class).
    """

    def __init__(
        self,
        num_labeled: int = 50,
        seed: int = 0,
        batch_size: int = 100,
        labeled_batch_size: int = 50,
        eval_batch_size: int = 500,
        val_size: int = 200,
        test_size: int = 500,
        split_seed: int = 0,
        flatten: bool = False,
        labeled_shift: int = 0,
        unlabeled_shift: int = 0,
        val_per_split: bool = False,
    ) -> None:
        self.flatten, self.val_per_split = flatten, bool(val_per_split)
        super().__init__(
            num_labeled,
            seed,
            batch_size,
            labeled_batch_size,
            eval_batch_size,
            labeled_shift=labeled_shift,
            unlabeled_shift=unlabeled_shift,
        )
        self.val_size, self.test_size, self.split_seed = val_size, test_size, split_seed

    @property
    def image_shape(self) -> Tuple[int, ...]:
        return (64,) if self.flatten else (1, 8, 8)

    @property
    def num_classes(self) -> int:
        return 10

    @property
    def file_image_shape(self) -> Tuple[int, ...]:
        return (1, 8, 8)

    def load_splits(self) -> Splits:
        from sklearn.datasets import load_digits

        digits = load_digits()
        x = torch.as_tensor(digits.data, dtype=torch.float32).div_(16.0).reshape(-1, *self.image_shape)
        y = torch.as_tensor(digits.target, dtype=torch.long)
        if not self.val_per_split:
            test, val, train = self.stratified_split(y, (self.test_size, self.val_size), self.split_seed)
        else:
            test, rest = self.stratified_split(y, (self.test_size,), self.split_seed)
            val, train = (rest[part] for part in self.stratified_split(y[rest], (self.val_size,), self.seed))
        return Splits(x[train], y[train], x[val], y[val], x[test], y[test])
