"""Random shifts of training images (catgan/data/augment.py and the data modules' labeled_shift / unlabeled_shift)."""

import math

import pytest
import torch

from catgan.data import DigitsDataModule, MNISTDataModule
from catgan.data.augment import random_shift
from catgan.data.loaders import TensorBatchLoader


def test_random_shift_moves_each_image_by_its_own_offset_and_fills_zeros():
    x = torch.zeros(200, 1, 5, 5)
    x[:, 0, 2, 2] = 1.0  # one lit pixel in the centre
    x[:, 0, 0, 0] = 2.0  # and one in the corner
    out = random_shift(x, 1, (1, 5, 5), torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    moved = torch.nonzero(out[:, 0] == 1.0)  # (200, 3): image, row, col of the centre pixel
    assert moved.shape[0] == 200 and torch.equal(moved[:, 0], torch.arange(200))
    dy, dx = moved[:, 1] - 2, moved[:, 2] - 2
    assert set(dy.tolist()) == {-1, 0, 1} and set(dx.tolist()) == {-1, 0, 1}  # all offsets occur
    for i in range(200):  # the corner pixel moves with the image, or leaves it (never wraps around)
        r, c = int(dy[i]), int(dx[i])
        if r >= 0 and c >= 0:
            assert out[i, 0, r, c] == 2.0
        assert out[i].sum() == 1.0 + (2.0 if r >= 0 and c >= 0 else 0.0)


def test_random_shift_matches_a_slicing_reference_for_colour_images_of_any_shape():
    x = torch.rand(16, 3, 5, 7)
    out = random_shift(x, 2, (3, 5, 7), torch.Generator().manual_seed(3))
    generator = torch.Generator().manual_seed(3)  # the same draws: dy for every image, then dx
    dy, dx = 2 - torch.randint(0, 5, (16,), generator=generator), 2 - torch.randint(0, 5, (16,), generator=generator)
    for i in range(16):
        expected = torch.zeros(3, 5, 7)
        r, c = int(dy[i]), int(dx[i])  # pixel (h, w) moves to (h + r, w + c)
        expected[:, max(r, 0) : 5 + min(r, 0), max(c, 0) : 7 + min(c, 0)] = x[
            i, :, max(-r, 0) : 5 - max(r, 0), max(-c, 0) : 7 - max(c, 0)
        ]
        assert torch.equal(out[i], expected), (i, r, c)


def test_random_shift_of_flattened_images_and_zero_shift():
    x = torch.rand(7, 64)
    generator = torch.Generator().manual_seed(1)
    as_images = random_shift(x.reshape(7, 1, 8, 8), 2, (1, 8, 8), torch.Generator().manual_seed(1))
    assert torch.equal(random_shift(x, 2, (1, 8, 8), generator), as_images.reshape(7, 64))
    assert random_shift(x, 0, (1, 8, 8), generator) is x


def test_loader_transform_is_a_function_of_the_position_and_resumes_exactly():
    x = torch.arange(40.0).reshape(10, 1, 2, 2)

    def noisy(batch, generator):
        return batch + torch.rand(batch.shape, generator=generator)

    loader = TensorBatchLoader(x, batch_size=2, shuffle=True, drop_last=True, seed=5, transform=noisy)
    loader.set_epoch(3)
    full = list(loader)
    assert not torch.equal(full[0], full[0].floor())  # the transform ran (x holds whole numbers)
    again = TensorBatchLoader(x, batch_size=2, shuffle=True, drop_last=True, seed=5, transform=noisy)
    again.set_epoch(3)
    iterator = iter(again)
    head = [next(iterator), next(iterator)]
    state = again.state_dict()  # killed after two batches ...
    resumed = TensorBatchLoader(x, batch_size=2, shuffle=True, drop_last=True, seed=5, transform=noisy)
    resumed.load_state_dict(state)
    tail = list(resumed)  # ... and resumed: the same remaining batches, the same random draws
    assert all(torch.equal(a, b) for a, b in zip(head + tail, full)) and len(head + tail) == len(full)


def batches(dm):
    dm.setup()
    return [b for b, _, _ in dm.train_dataloader()]


def test_labeled_shift_moves_only_labeled_training_images():
    plain = batches(DigitsDataModule(num_labeled=100, seed=3))
    shifted_dm = DigitsDataModule(num_labeled=100, seed=3, labeled_shift=1)
    shifted = batches(shifted_dm)
    for a, b in zip(plain, shifted):
        assert torch.equal(a["unlabeled"], b["unlabeled"])
        assert torch.equal(a["labeled"][1], b["labeled"][1])  # same labels in the same order
    changed = torch.cat([(a["labeled"][0] != b["labeled"][0]).flatten(1).any(1) for a, b in zip(plain, shifted)])
    assert 0.8 < changed.float().mean() < 0.95  # 8 of the 9 offsets move an image
    x, _ = next(iter(shifted_dm.val_dataloader()))
    assert torch.equal(x, next(iter(DigitsDataModule(num_labeled=100, seed=3).val_dataloader()))[0])  # eval untouched
    unl = batches(DigitsDataModule(num_labeled=100, seed=3, unlabeled_shift=1))
    assert not torch.equal(unl[0]["unlabeled"], plain[0]["unlabeled"])
    assert torch.equal(unl[0]["labeled"][0], plain[0]["labeled"][0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(labeled_shift=-1), "labeled_shift must be an integer >= 0"),
        (dict(unlabeled_shift=1.5), "unlabeled_shift must be an integer >= 0"),
        (dict(labeled_shift=8), "use at most 7"),
    ],
)
def test_bad_shift_is_a_clear_error_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitsDataModule(**kwargs)


def test_shift_of_flattened_mnist_uses_the_image_shape():
    dm = MNISTDataModule(flatten=True, labeled_shift=2)
    assert dm._shift(2).image_shape == (1, 28, 28)
    with pytest.raises(ValueError, match="use at most 27"):
        MNISTDataModule(flatten=True, unlabeled_shift=28)


# ----------------------------------------------------------------------------- affine maps (consistency term)


def test_affine_warp_rotates_and_moves_exactly_on_the_pixel_grid():
    from catgan.data.augment import affine_warp

    x = torch.rand(3, 1, 8, 8)
    one, zero = torch.ones(3), torch.zeros(3)
    rotated = affine_warp(x, (1, 8, 8), one * math.pi / 2, one, zero, zero, zero)
    assert torch.allclose(rotated, torch.rot90(x, 1, (2, 3)), atol=1e-5)  # counter-clockwise as displayed
    assert not torch.allclose(rotated, torch.rot90(x, -1, (2, 3)), atol=1e-2)
    right = affine_warp(x, (1, 8, 8), zero, one, zero, one, zero)  # 1 pixel right, zeros enter on the left
    assert torch.allclose(right[..., 1:], x[..., :-1], atol=1e-6) and right[..., 0].abs().max() == 0
    down = affine_warp(x.flatten(1), (1, 8, 8), zero, one, zero, zero, 2 * one).view(3, 1, 8, 8)  # flat in, flat out
    assert torch.allclose(down[:, :, 2:], x[:, :, :-2], atol=1e-6) and down[:, :, :2].abs().max() == 0
    assert torch.allclose(affine_warp(x, (1, 8, 8), zero, one, zero, zero, zero), x, atol=1e-6)  # identity


def test_random_affine_draws_a_map_per_image_and_cuts_out_erase_squares():
    from catgan.data.augment import random_affine

    x = torch.rand(50, 1, 8, 8) + 0.1  # no zero pixel
    same = random_affine(x, (1, 8, 8), 0.0, 0.0, 0.0, 0.0, erase=3, generator=torch.Generator().manual_seed(0))
    holes = same == 0  # (50, 1, 8, 8)
    assert holes.flatten(1).sum(1).eq(9).all()  # one 3 x 3 square per image, the rest untouched
    assert torch.equal(same[~holes], x[~holes])
    assert len({tuple(h.nonzero()[0].tolist()) for h in holes}) > 5  # at positions of their own
    moved = random_affine(x, (1, 8, 8), generator=torch.Generator().manual_seed(1))
    change = (moved - x).abs().flatten(1).sum(1)  # (50,)
    assert change.min() > 0 and change.std() > 0.1 * change.mean()  # every image moved, each by its own map
    again = random_affine(x, (1, 8, 8), generator=torch.Generator().manual_seed(1))
    assert torch.equal(moved, again)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": 1.0}, "0 <= scale < 1"),
        ({"rotation": -5.0}, "rotation, shear, translation >= 0"),
        ({"erase": 1.5}, "side in pixels"),
    ],
)
def test_random_affine_refuses_bad_settings(kwargs, message):
    from catgan.data.augment import RandomAffine

    with pytest.raises(ValueError, match=message):
        RandomAffine(**kwargs)


def test_random_affine_refuses_flat_data_and_erase_larger_than_the_image():
    from catgan.data.augment import RandomAffine

    with pytest.raises(ValueError, match="flatten false|images \\(C, H, W\\)"):
        RandomAffine()(torch.rand(2, 64), (64,))
    with pytest.raises(ValueError, match="erase <= the image"):
        RandomAffine(erase=9)(torch.rand(2, 64), (1, 8, 8))
