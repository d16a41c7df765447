"""catgan/data/digits.py: scikit-learn's 8x8 digits as splits of the expected sizes, values and shapes."""

import pytest
import torch
from sklearn.datasets import load_digits

from catgan.data import DigitsDataModule


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return torch.as_tensor(data.data, dtype=torch.float32), torch.as_tensor(data.target)


def all_images(splits):
    return torch.cat([splits.train_x, splits.val_x, splits.test_x])


def test_the_three_splits_hold_every_image_once_scaled_by_one_sixteenth(digits):
    x, y = digits
    splits = DigitsDataModule().load_splits()
    assert (len(splits.train_y), len(splits.val_y), len(splits.test_y)) == (1797 - 700, 200, 500)
    got = all_images(splits).reshape(1797, 64)
    # the same multiset of images: sort rows by a fingerprint of their pixels and compare exactly
    weights = torch.arange(1, 65, dtype=torch.float32)
    assert torch.equal(torch.sort(got @ weights).values, torch.sort((x / 16.0) @ weights).values)
    assert float(got.max()) == 1.0 and float(got.min()) == 0.0  # pixel values 0..16
    labels = torch.cat([splits.train_y, splits.val_y, splits.test_y])
    assert torch.equal(torch.bincount(labels), torch.bincount(y))


def test_flatten_gives_the_same_pixels_as_vectors():
    images = DigitsDataModule().load_splits()
    vectors = DigitsDataModule(flatten=True).load_splits()
    assert images.train_x.shape[1:] == (1, 8, 8) and vectors.train_x.shape[1:] == (64,)
    assert torch.equal(images.test_x.reshape(-1, 64), vectors.test_x)
    dm = DigitsDataModule(flatten=True)
    assert (dm.image_shape, dm.num_classes, dm.file_image_shape) == ((64,), 10, (1, 8, 8))
    assert DigitsDataModule().image_shape == (1, 8, 8)


def test_split_sizes_follow_val_size_and_test_size():
    splits = DigitsDataModule(val_size=100, test_size=300).load_splits()
    assert (len(splits.train_y), len(splits.val_y), len(splits.test_y)) == (1397, 100, 300)
    all_y = torch.cat([splits.train_y, splits.val_y, splits.test_y])
    expected = 300 * torch.bincount(all_y) / 1797  # stratified: each class's share of the 300, within one image
    assert (torch.bincount(splits.test_y) - expected).abs().max() < 1


def test_split_seed_changes_the_held_out_images_and_seed_does_not():
    base = DigitsDataModule(seed=0).load_splits()
    assert torch.equal(DigitsDataModule(seed=5).load_splits().test_x, base.test_x)  # label splits share them
    assert not torch.equal(DigitsDataModule(split_seed=1).load_splits().test_x, base.test_x)
