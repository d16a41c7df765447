"""catgan/data/toy.py: the 2-D toy sets are scikit-learn's generators at the documented seeds and centres."""

import math

import pytest
import torch
from sklearn import datasets

from catgan.data import ToyDataModule


def test_moons_are_sklearns_with_seeds_from_data_seed():
    dm = ToyDataModule(kind="moons", num_train=50, num_val=20, num_test=30, noise=0.1, data_seed=2)
    splits = dm.load_splits()
    for (x, y), n, offset in (((splits.train_x, splits.train_y), 50, 1), ((splits.test_x, splits.test_y), 30, 3)):
        ref_x, ref_y = datasets.make_moons(n, noise=0.1, random_state=2000 + offset)
        assert torch.equal(x, torch.as_tensor(ref_x, dtype=torch.float32))
        assert torch.equal(y, torch.as_tensor(ref_y))
    assert (len(splits.val_y), dm.image_shape, dm.num_classes) == (20, (2,), 2)


def test_circles_without_noise_lie_on_radius_one_and_one_half():
    splits = ToyDataModule(kind="circles", num_train=40, noise=0.0).load_splits()
    radius = splits.train_x.norm(dim=1)
    torch.testing.assert_close(radius[splits.train_y == 0], torch.ones(20))  # the outer circle: class 0
    torch.testing.assert_close(radius[splits.train_y == 1], torch.full((20,), 0.5))


def test_blobs_are_centred_evenly_on_a_circle_of_radius_four():
    dm = ToyDataModule(kind="blobs", num_blobs=6, blob_std=0.01, num_train=600)
    assert dm.num_classes == 6
    splits = dm.load_splits()
    for k in range(6):
        centre = splits.train_x[splits.train_y == k].mean(0)
        angle = 2 * math.pi * k / 6
        torch.testing.assert_close(centre, torch.tensor([4 * math.cos(angle), 4 * math.sin(angle)]), atol=0.01, rtol=0)


def test_an_unknown_kind_names_the_choices():
    with pytest.raises(ValueError, match="unknown kind 'spirals'; choose one of moons, circles, blobs"):
        ToyDataModule(kind="spirals")
